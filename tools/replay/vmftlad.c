/*
 * vmftlad.c - `vigil-replay vmftlad DIR`: the VMFT-LAD testbed runs through
 * vigild's own path (syslog parser, Drain, features, prediction), with time
 * from the messages, scored with the dataset's protocol.
 *
 * Each run is rebuilt as RFC 5424 lines (vmft_render) from one host, harness
 * templates dropped (--keep-harness keeps them).  The host first watches the
 * folder's benign runs (its normal operation); that state is the starting
 * point of every failure run, which it then learns online as it streams.
 * False alarms are counted on benign runs the host did not watch: the
 * benign runs are split into five folds, each replayed after learning the
 * other four.  Parameters come from vigild's embedded default configuration
 * (`predict` lines) unless --set KEY=VALUE overrides one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "ingest.h"
#include "migtime.h"
#include "replay.h"
#include "vmft.h"

extern const char vigil_default_drain_rules[];
extern const size_t vigil_default_drain_rules_len;
extern const char vigil_default_conf[];
extern const size_t vigil_default_conf_len;

#define FOLDS 5
#define P_ROWS 150
/* The seed's reliability measure: a host of four 8 GiB VMs. */
#define AVERT_VMS 4
#define AVERT_MIB 8192

static struct ingest g_in, g_trained;
static struct hosts_addr g_src;

static int
setup(const struct predict_cfg *pc)
{
	struct hosts hosts;
	struct syslog_cfg sc = {0};
	struct drain_cfg dc;
	unsigned line;

	hosts_init(&hosts);
	int h = hosts_add(&hosts, "hv");
	if (h < 0 || hosts_parse_addr("10.0.0.1", 8, &g_src) ||
	    hosts_add_addr(&hosts, h, &g_src))
		return -1;
	drain_cfg_default(&dc);
	if (drain_cfg_parse(&dc, vigil_default_drain_rules,
	    vigil_default_drain_rules_len, &line)) {
		fprintf(stderr, "vmftlad: default drain rules: line %u\n", line);
		return -1;
	}
	if (ingest_init(&g_in, &hosts, &sc, &dc) ||
	    ingest_predict_init(&g_in, pc, 1)) {
		fprintf(stderr, "vmftlad: bad prediction parameters\n");
		return -1;
	}
	return 0;
}

/* Streams run r through g_in.  score[i] receives each row's score (0 for
 * dropped rows) when score is not NULL.  Returns the number of entries
 * into severe. */
static FILE *g_emit;     /* --emit: the lines go here too */
static long g_emitted;   /* lines handed to ingest so far */
static long g_first_severe; /* line number of the first entry into severe */

static long
stream(const struct vmft_set *set, const struct vmft_run *r, int keep_harness,
    float *score)
{
	char line[2048];
	long alarms = 0;
	struct ingest_result res;

	for (size_t i = 0; i < r->nrows; i++) {
		if (score)
			score[i] = 0;
		if (r->rows[i].harness && !keep_harness)
			continue;
		size_t n = vmft_render(set, r, i, "hv", VMFT_FMT_5424, line,
		    sizeof(line));
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		if (g_emit)
			fprintf(g_emit, "%.*s\n", (int)n, line);
		g_emitted++;
		if (ingest_message(&g_in, &g_src, line, n, n, 0, 0, &res))
			continue;
		if (res.ev.changed && res.ev.to == HEALTH_SEVERE &&
		    !g_first_severe)
			g_first_severe = g_emitted;
		if (score)
			score[i] = (float)res.ev.score;
		if (res.ev.changed && res.ev.to == HEALTH_SEVERE)
			alarms++;
	}
	return alarms;
}

/* Parameters: the embedded default configuration's `predict KEY VALUE`
 * lines, then each --set KEY=VALUE. */
static int
params(struct predict_cfg *pc, char **sets, int nsets)
{
	const char *s = vigil_default_conf, *end = s + vigil_default_conf_len;

	predict_cfg_default(pc);
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		if (e - s > 8 && !memcmp(s, "predict ", 8)) {
			const char *k = s + 8, *sp = memchr(k, ' ', (size_t)(e - k));
			if (!sp || predict_cfg_set(pc, k, (size_t)(sp - k), sp + 1,
			    (size_t)(e - sp - 1))) {
				fprintf(stderr, "vmftlad: default config: bad "
				    "'%.*s'\n", (int)(e - s), s);
				return -1;
			}
		}
		s = e + 1;
	}
	for (int i = 0; i < nsets; i++) {
		const char *eq = strchr(sets[i], '=');
		if (!eq || predict_cfg_set(pc, sets[i], (size_t)(eq - sets[i]),
		    eq + 1, strlen(eq + 1))) {
			fprintf(stderr, "vmftlad: bad --set '%s'\n", sets[i]);
			return -1;
		}
	}
	if (predict_cfg_check(pc)) {
		fprintf(stderr, "vmftlad: inconsistent prediction parameters\n");
		return -1;
	}
	return 0;
}

static int
write_scores(const char *dir, const struct vmft_run *r, const float *score)
{
	char path[4096], ts[40];

	snprintf(path, sizeof(path), "%s/%s", dir, vmft_cat_name(r->cat));
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s.csv", dir,
	    vmft_cat_name(r->cat), r->name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "timestamp,value,anomaly_score\n");
	for (size_t i = 0; i < r->nrows; i++) {
		vmft_ts_text(r, r->rows[i].ts_us, ts, sizeof(ts));
		fprintf(f, "%s,%u,%.6f\n", ts, r->rows[i].id, score[i]);
	}
	return fclose(f);
}

/* Best criterion-2 F1 of a published detector's counts (threshold sweep),
 * per category; counts summed over categories by threshold for pooled. */
struct base_row { double thr; long tp, tn, fp, fn, late; };

static int
read_base(const char *dir, const char *cat, const char *det,
    struct base_row *rows, int cap)
{
	char path[4096], line[512], hdr[512];
	snprintf(path, sizeof(path), "%s/evaluation/results/%s/%s/criteria2.csv",
	    dir, cat, det);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int col[6] = {-1, -1, -1, -1, -1, -1}, n = 0;
	static const char *names[6] = {"threshold", "TP", "TN", "FP", "FN",
		"TP_LATE"};
	if (fgets(hdr, sizeof(hdr), f)) {
		int c = 0;
		for (char *t = strtok(hdr, ",\r\n"); t; t = strtok(NULL, ",\r\n"), c++)
			for (int k = 0; k < 6; k++)
				if (!strcmp(t, names[k]))
					col[k] = c;
	}
	while (n < cap && fgets(line, sizeof(line), f)) {
		double v[16] = {0};
		int c = 0;
		for (char *t = strtok(line, ",\r\n"); t && c < 16;
		    t = strtok(NULL, ",\r\n"))
			v[c++] = atof(t);
		struct base_row *b = &rows[n++];
		b->thr = col[0] >= 0 ? v[col[0]] : 0;
		b->tp = col[1] >= 0 ? (long)v[col[1]] : 0;
		b->tn = col[2] >= 0 ? (long)v[col[2]] : 0;
		b->fp = col[3] >= 0 ? (long)v[col[3]] : 0;
		b->fn = col[4] >= 0 ? (long)v[col[4]] : 0;
		b->late = col[5] >= 0 ? (long)v[col[5]] : 0;
	}
	fclose(f);
	return n;
}

/* The study's detectors (evaluation/results/<category>/<dir>) and the
 * column each gets. */
static const char *const base_dets[] = {"ARTime", "numenta", "knncad",
	"expose", "DeepLog", "vmft-lad_Fake", "vmft-lad_GPT3"};
static const char *const base_cols[] = {"ARTime", "HTM", "KNN-CAD",
	"EXPoSE", "DeepLog", "LAD-noLM", "LAD-GPT"};
#define NBASE (sizeof(base_dets) / sizeof(base_dets[0]))
#define BASE_ROWS 256
#define NGRID 401

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct tally { long tp, late, fn, fp, tn; };

static double
c2f1(const struct tally *t)
{
	return vmft_f1(t->tp, t->fp, t->fn + t->late);
}

static double
c1f1(const struct tally *t)
{
	return vmft_f1(t->tp + t->late, t->fp, t->fn);
}

/* --emit CATEGORY/RUN: what a host would send vigild, as lines on
 * standard output: every benign run, then that run; the offline path runs
 * beside it and says on standard error how many lines the benign runs
 * took and at which line the host first became severe during the run
 * ("emit: lines=N benign=B first_severe=K", K = 0 for never). */
static int
emit_run(struct vmft_set *set, const char *which, int keep_harness)
{
	const struct vmft_run *run = NULL;
	for (size_t k = 0; k < set->nruns && !run; k++) {
		char name[200];
		snprintf(name, sizeof(name), "%s/%s",
		    vmft_cat_name(set->runs[k].cat), set->runs[k].name);
		if (!strcmp(name, which))
			run = &set->runs[k];
	}
	if (!run) {
		fprintf(stderr, "vmftlad: no run %s\n", which);
		vmft_free(set);
		return 2;
	}
	g_emit = stdout;
	for (size_t k = 0; k < set->nruns; k++)
		if (set->runs[k].cat == VMFT_BENIGN)
			stream(set, &set->runs[k], keep_harness, NULL);
	long benign = g_emitted;
	g_first_severe = 0; /* only the failure run's alarm is asked for */
	stream(set, run, keep_harness, NULL);
	fflush(stdout);
	fprintf(stderr, "emit: lines=%ld benign=%ld first_severe=%ld\n",
	    g_emitted, benign, g_first_severe);
	vmft_free(set);
	return 0;
}

int
replay_vmftlad(int argc, char **argv)
{
	const char *dir = NULL, *scores_dir = NULL;
	char *sets[32];
	int nsets = 0, keep_harness = 0, sweep = 0;
	const char *emit = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--scores") && i + 1 < argc)
			scores_dir = argv[++i];
		else if (!strcmp(argv[i], "--set") && i + 1 < argc && nsets < 32)
			sets[nsets++] = argv[++i];
		else if (!strcmp(argv[i], "--keep-harness"))
			keep_harness = 1;
		else if (!strcmp(argv[i], "--sweep"))
			sweep = 1;
		else if (!strcmp(argv[i], "--emit") && i + 1 < argc)
			emit = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fprintf(stderr, "usage: vigil-replay vmftlad DIR "
			    "[--scores OUT] [--set KEY=VALUE]... [--keep-harness] "
			    "[--sweep] [--emit CATEGORY/RUN]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "vigil-replay vmftlad: DIR missing\n");
		return 2;
	}
	struct predict_cfg pc;
	struct vmft_set set;
	if (params(&pc, sets, nsets) || setup(&pc))
		return 2;
	if (vmft_load(dir, &set))
		return 2;
	float thr = (float)pc.t_severe;
	if (emit)
		return emit_run(&set, emit, keep_harness);

	/* The host's normal operation: every benign run, in order. */
	for (size_t k = 0; k < set.nruns; k++)
		if (set.runs[k].cat == VMFT_BENIGN)
			stream(&set, &set.runs[k], keep_harness, NULL);
	g_trained = g_in;

	/* Failure runs, each from the trained state. */
	float **score = calloc(set.nruns, sizeof(*score));
	struct tally cat_t[VMFT_NCAT] = {{0}}, all = {0};
	double *leads = calloc(set.nruns, sizeof(double));
	double *cat_leads[VMFT_NCAT];
	size_t nleads = 0, ncl[VMFT_NCAT] = {0};
	long averted = 0, failures = 0;
	uint32_t vm_mib[AVERT_VMS];
	for (int v = 0; v < AVERT_VMS; v++)
		vm_mib[v] = AVERT_MIB;
	double evac_s = (double)migtime_evacuate_ms(vm_mib, AVERT_VMS, 2,
	    MIGTIME_PRECOPY, 0, 1) / 1000.0;
	for (int c = 0; c < VMFT_NCAT; c++)
		cat_leads[c] = calloc(set.nruns, sizeof(double));
	if (!score || !leads) {
		fprintf(stderr, "vmftlad: out of memory\n");
		return 2;
	}
	for (size_t k = 0; k < set.nruns; k++) {
		struct vmft_run *r = &set.runs[k];
		score[k] = calloc(r->nrows ? r->nrows : 1, sizeof(float));
		if (!score[k]) {
			fprintf(stderr, "vmftlad: out of memory\n");
			return 2;
		}
		if (r->cat == VMFT_BENIGN)
			continue;
		g_in = g_trained;
		stream(&set, r, keep_harness, score[k]);
		if (scores_dir && write_scores(scores_dir, r, score[k])) {
			fprintf(stderr, "vmftlad: cannot write scores under %s\n",
			    scores_dir);
			return 2;
		}
		struct vmft_counts cn;
		vmft_score_run(r, score[k], thr, P_ROWS, &cn);
		struct tally *t = &cat_t[r->cat];
		t->tp += cn.tp;
		t->late += cn.tp_late;
		t->fn += cn.fn;
		t->fp += cn.fp;
		t->tn += cn.tn;
		failures++;
		if (cn.tp) {
			leads[nleads++] = cn.lead_s;
			cat_leads[r->cat][ncl[r->cat]++] = cn.lead_s;
			if (cn.lead_s >= evac_s)
				averted++;
		}
	}

	/* Benign runs the host did not watch: five folds. */
	long benign_alarms = 0;
	double benign_s = 0;
	for (int f = 0; f < FOLDS; f++) {
		if (setup(&pc))
			return 2;
		size_t b = 0;
		for (size_t k = 0; k < set.nruns; k++)
			if (set.runs[k].cat == VMFT_BENIGN && b++ % FOLDS != (size_t)f)
				stream(&set, &set.runs[k], keep_harness, NULL);
		g_trained = g_in;
		b = 0;
		for (size_t k = 0; k < set.nruns; k++) {
			struct vmft_run *r = &set.runs[k];
			if (r->cat != VMFT_BENIGN || b++ % FOLDS != (size_t)f ||
			    !r->nrows)
				continue;
			g_in = g_trained;
			benign_alarms += stream(&set, r, keep_harness, score[k]);
			benign_s += (double)(r->rows[r->nrows - 1].ts_us -
			    r->rows[0].ts_us) / 1e6;
			if (scores_dir && write_scores(scores_dir, r, score[k]))
				return 2;
		}
	}

	/* Thresholds for ROC-AUC: a fine grid over [0, 1]. */
	float grid[NGRID];
	for (int i = 0; i < NGRID; i++)
		grid[i] = (float)i / (NGRID - 1);

	/* The table, beside the published detectors' best criterion-2 F1 over
	 * their thresholds (their counts as published). */
	printf("criterion-2 counts at threshold %.2f; published detectors: best "
	    "c2_F1 over their thresholds\n", (double)thr);
	static struct base_row brow[NBASE][VMFT_NCAT][BASE_ROWS];
	int bn[NBASE][VMFT_NCAT];
	printf("%-9s %4s %4s %4s %5s %5s %6s %6s %6s %7s", "category", "TP",
	    "LATE", "FN", "FP", "TN", "c1_F1", "c2_F1", "auc_c2", "lead_s");
	for (size_t d = 0; d < NBASE; d++)
		printf(" %8.8s", base_cols[d]);
	printf("\n");
	for (int c = VMFT_OOM; c <= VMFT_NCAT; c++) {
		int pooled = c == VMFT_NCAT;
		struct tally *t = pooled ? &all : &cat_t[c];
		if (!pooled) {
			all.tp += t->tp;
			all.late += t->late;
			all.fn += t->fn;
			all.fp += t->fp;
			all.tn += t->tn;
		}
		double *l = pooled ? leads : cat_leads[c];
		size_t nl = pooled ? nleads : ncl[c];
		qsort(l, nl, sizeof(double), cmp_double);
		double med = nl ? (nl % 2 ? l[nl / 2] :
		    (l[nl / 2 - 1] + l[nl / 2]) / 2) : 0;
		double auc = vmft_auc(&set, score, P_ROWS, 2, pooled ? -1 : c,
		    grid, NGRID);
		printf("%-9s %4ld %4ld %4ld %5ld %5ld %6.3f %6.3f %6.3f %7.0f",
		    pooled ? "pooled" : vmft_cat_name((enum vmft_cat)c), t->tp,
		    t->late, t->fn, t->fp, t->tn, c1f1(t), c2f1(t), auc, med);
		for (size_t d = 0; d < NBASE; d++) {
			double best = 0;
			if (!pooled) {
				bn[d][c] = read_base(dir,
				    vmft_cat_name((enum vmft_cat)c), base_dets[d],
				    brow[d][c], BASE_ROWS);
				for (int i = 0; i < bn[d][c]; i++) {
					struct base_row *b = &brow[d][c][i];
					double f1 = vmft_f1(b->tp, b->fp,
					    b->fn + b->late);
					if (f1 > best)
						best = f1;
				}
			} else {
				/* Pooled: sum the categories row by row (the
				 * files share one threshold grid). */
				for (int i = 0; i < bn[d][VMFT_OOM]; i++) {
					long tp = 0, fp = 0, fn = 0;
					for (int cc = VMFT_OOM; cc < VMFT_NCAT; cc++) {
						if (i >= bn[d][cc])
							continue;
						tp += brow[d][cc][i].tp;
						fp += brow[d][cc][i].fp;
						fn += brow[d][cc][i].fn +
						    brow[d][cc][i].late;
					}
					double f1 = vmft_f1(tp, fp, fn);
					if (f1 > best)
						best = f1;
				}
			}
			printf(" %8.3f", best);
		}
		printf("\n");
	}
	double days = benign_s / 86400.0;
	printf("benign: %ld alarms in %.1f h of replayed benign runs "
	    "(five folds, each unseen by the host)\n", benign_alarms,
	    benign_s / 3600.0);
	printf("averted: evacuating %d x %d MiB VMs (2 at a time, pre-copy) "
	    "takes an estimated %.0f s\n", AVERT_VMS, AVERT_MIB, evac_s);
	if (sweep) {
		printf("sweep: threshold c2_F1 fp\n");
		for (int i = 1; i <= 20; i++) {
			float t = (float)i / 20;
			struct tally s = {0};
			for (size_t k = 0; k < set.nruns; k++) {
				if (set.runs[k].cat == VMFT_BENIGN)
					continue;
				struct vmft_counts cn;
				vmft_score_run(&set.runs[k], score[k], t, P_ROWS,
				    &cn);
				s.tp += cn.tp;
				s.late += cn.tp_late;
				s.fn += cn.fn;
				s.fp += cn.fp;
				s.tn += cn.tn;
			}
			printf("sweep: %.2f %.3f %ld\n", t, c2f1(&s), s.fp);
		}
	}
	size_t nl = nleads;
	double med = nl ? (nl % 2 ? leads[nl / 2] :
	    (leads[nl / 2 - 1] + leads[nl / 2]) / 2) : 0;
	printf("pooled c1_F1=%.3f c2_F1=%.3f auc_c2=%.3f median_lead_s=%.0f "
	    "benign_alarms_per_day=%.2f averted=%ld/%ld threshold=%.2f\n",
	    c1f1(&all), c2f1(&all), vmft_auc(&set, score, P_ROWS, 2, -1, grid,
	    NGRID), med,
	    days > 0 ? benign_alarms / days : 0.0, averted, failures, thr);
	for (size_t k = 0; k < set.nruns; k++)
		free(score[k]);
	free(score);
	free(leads);
	for (int c = 0; c < VMFT_NCAT; c++)
		free(cat_leads[c]);
	vmft_free(&set);
	return 0;
}
