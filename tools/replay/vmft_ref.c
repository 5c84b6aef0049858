/*
 * vmft_ref.c - vigil-replay vmft-reference DIR
 *
 * The "Novel-in-run" reference detector of EVALUATION.md, which exists to
 * prove the scorer: a row scores 1 when its raw template id (harness
 * lines kept) has not occurred earlier in the same run, else 0; T = 0.5,
 * P = 150.  Prints one row per failure category and one overall,
 *   <category> TP TP_LATE FN FP TN
 * then "F1 criterion1=<x> criterion2=<y>", the mean lead time of the TPs
 * and the pooled criterion-2 ROC-AUC (exact sweep and 0.05 grid).  EVALUATION.md gives the exact counts this must print on the runs
 * of the data folder; tests/integration/test_vmft_scorer.sh checks them.
 *
 * Exit 0, 1 (DIR could not be loaded), 2 (usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmft.h"

#define REF_T 0.5f
#define REF_P 150

void
vmft_novel_in_run(const struct vmft_run *r, float *score)
{
	uint8_t seen[65536];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < r->nrows; i++) {
		score[i] = seen[r->rows[i].id] ? 0.0f : 1.0f;
		seen[r->rows[i].id] = 1;
	}
}

static void
row(const char *name, const struct vmft_counts *c)
{
	printf("%-10s %5ld %7ld %4ld %5ld %5ld\n", name, c->tp, c->tp_late,
	    c->fn, c->fp, c->tn);
}

int
vmft_reference(const char *dir)
{
	struct vmft_set set;
	if (vmft_load(dir, &set))
		return -1;
	float **scores = calloc(set.nruns ? set.nruns : 1, sizeof(*scores));
	int rc = scores ? 0 : -1;
	for (size_t k = 0; rc == 0 && k < set.nruns; k++) {
		if (set.runs[k].cat == VMFT_BENIGN)
			continue;
		scores[k] = malloc((set.runs[k].nrows + 1) * sizeof(float));
		if (!scores[k])
			rc = -1;
		else
			vmft_novel_in_run(&set.runs[k], scores[k]);
	}
	if (rc == 0) {
		struct vmft_counts c;
		printf("%-10s %5s %7s %4s %5s %5s\n", "category", "TP", "TP_LATE",
		    "FN", "FP", "TN");
		for (int cat = VMFT_OOM; cat < VMFT_NCAT; cat++) {
			vmft_sum(&set, scores, cat, REF_T, REF_P, &c);
			row(vmft_cat_name((enum vmft_cat)cat), &c);
		}
		vmft_sum(&set, scores, -1, REF_T, REF_P, &c);
		row("overall", &c);
		printf("F1 criterion1=%.4f criterion2=%.4f\n",
		    vmft_f1_counts(&c, 1), vmft_f1_counts(&c, 2));
		printf("lead_s mean=%.1f over %ld TPs\n", c.lead_s, c.tp);
		/* ROC-AUC (criterion 2) over the exact sweep and over the
		 * study's 0.05 grid; for 0/1 scores both see the same points. */
		float grid[21];
		for (int i = 0; i < 21; i++)
			grid[i] = (float)i / 20;
		printf("AUC criterion2 exact=%.4f grid=%.4f\n",
		    vmft_auc_exact(&set, scores, REF_P, 2, -1),
		    vmft_auc(&set, scores, REF_P, 2, -1, grid, 21));
	}
	for (size_t k = 0; scores && k < set.nruns; k++)
		free(scores[k]);
	free(scores);
	vmft_free(&set);
	return rc;
}

int
replay_vmft_reference(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vigil-replay vmft-reference DIR\n");
		return 2;
	}
	return vmft_reference(argv[1]) ? 1 : 0;
}
