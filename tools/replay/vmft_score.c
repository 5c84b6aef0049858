/*
 * vmft_score.c - the VMFT-LAD scoring protocol (EVALUATION.md), see
 * vmft.h.  Every index below is a 0-based row; L and F are the metadata's
 * label_region and failure_point for every category alike (hdd and
 * buffer-io store index+1, oom and cpu the index; the protocol uses L-1
 * and F regardless, and so does this file).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vmft.h"

#define CHUNK 200

static int
is_alarm(const float *score, long i, float t)
{
	return score[i] >= t; /* false for NaN */
}

void
vmft_score_run(const struct vmft_run *r, const float *score, float t,
    long p, struct vmft_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->lead_s = -1;
	c->first_alarm = -1;
	if (r->cat == VMFT_BENIGN || !score)
		return;
	long n = (long)r->nrows, L = r->label, F = r->failure;
	if (F > n)
		F = n;
	/* Pre-fault part: rows p+1 .. L-2, one FP or TN per chunk of row
	 * div 200 that has any of them. */
	long lo = p + 1, hi = L - 2;
	if (lo < 0)
		lo = 0;
	if (hi > n - 1)
		hi = n - 1;
	for (long i = lo; i <= hi;) {
		long end = (i / CHUNK + 1) * CHUNK - 1;
		if (end > hi)
			end = hi;
		int any = 0;
		for (long k = i; k <= end && !any; k++)
			any = is_alarm(score, k, t);
		if (any)
			c->fp++;
		else
			c->tn++;
		i = end + 1;
	}
	/* [L-1, F): a TP, with its lead time. */
	long from = L - 1 < 0 ? 0 : L - 1;
	for (long i = from; i < F; i++)
		if (is_alarm(score, i, t)) {
			c->tp = 1;
			c->first_alarm = i;
			if (F < n)
				c->lead_s = (double)(r->rows[F].ts_us - r->rows[i].ts_us) /
				    1e6;
			return;
		}
	/* [F, end]: late (criterion 2) or TP (criterion 1). */
	for (long i = F < 0 ? 0 : F; i < n; i++)
		if (is_alarm(score, i, t)) {
			c->tp_late = 1;
			return;
		}
	c->fn = 1;
}

/* Is run r, with scores s, part of category cat's counts? */
static int
counted(const struct vmft_run *r, const float *s, int cat)
{
	return r->cat != VMFT_BENIGN && s && (cat < 0 || (int)r->cat == cat);
}

void
vmft_sum(const struct vmft_set *set, float *const *scores, int cat, float t,
    long p, struct vmft_counts *c)
{
	double lead = 0;
	long nlead = 0;
	memset(c, 0, sizeof(*c));
	for (size_t k = 0; k < set->nruns; k++) {
		const struct vmft_run *r = &set->runs[k];
		if (!counted(r, scores[k], cat))
			continue;
		struct vmft_counts one;
		vmft_score_run(r, scores[k], t, p, &one);
		c->tp += one.tp;
		c->tp_late += one.tp_late;
		c->fn += one.fn;
		c->fp += one.fp;
		c->tn += one.tn;
		if (one.lead_s >= 0) {
			lead += one.lead_s;
			nlead++;
		}
	}
	c->lead_s = nlead ? lead / (double)nlead : -1;
	c->first_alarm = -1;
}

double
vmft_f1(long tp, long fp, long fn)
{
	if (tp <= 0)
		return 0;
	return 2.0 * (double)tp / (2.0 * (double)tp + (double)fp + (double)fn);
}

double
vmft_f1_counts(const struct vmft_counts *c, int criterion)
{
	if (criterion == 1)
		return vmft_f1(c->tp + c->tp_late, c->fp, c->fn);
	return vmft_f1(c->tp, c->fp, c->fn + c->tp_late);
}

struct pt {
	double x, y;
};

static int
cmp_pt(const void *a, const void *b)
{
	const struct pt *p = a, *q = b;
	if (p->x != q->x)
		return p->x < q->x ? -1 : 1;
	if (p->y != q->y)
		return p->y < q->y ? -1 : 1;
	return 0;
}

double
vmft_auc_counts(const struct vmft_counts *c, size_t n, int criterion)
{
	struct pt *pt = malloc((n + 2) * sizeof(*pt));
	if (!pt)
		return NAN;
	size_t k = 0;
	pt[k++] = (struct pt){0, 0};
	for (size_t i = 0; i < n; i++) {
		double tp = (double)c[i].tp, fn = (double)c[i].fn;
		if (criterion == 1)
			tp += (double)c[i].tp_late;
		else
			fn += (double)c[i].tp_late;
		double neg = (double)(c[i].fp + c[i].tn);
		pt[k++] = (struct pt){neg > 0 ? (double)c[i].fp / neg : 0,
			tp + fn > 0 ? tp / (tp + fn) : 0};
	}
	pt[k++] = (struct pt){1, 1};
	/* Sort the threshold points only; (0,0) stays first and (1,1) last,
	 * as the study appends them around the sorted curve. */
	qsort(pt + 1, n, sizeof(*pt), cmp_pt);
	double auc = 0;
	for (size_t i = 1; i < k; i++)
		auc += (pt[i].x - pt[i - 1].x) * (pt[i].y + pt[i - 1].y) / 2;
	free(pt);
	return auc;
}

double
vmft_auc(const struct vmft_set *set, float *const *scores, long p,
    int criterion, int cat, const float *thr, size_t nthr)
{
	struct vmft_counts *c = malloc((nthr ? nthr : 1) * sizeof(*c));
	if (!c)
		return NAN;
	for (size_t i = 0; i < nthr; i++)
		vmft_sum(set, scores, cat, thr[i], p, &c[i]);
	double auc = vmft_auc_counts(c, nthr, criterion);
	free(c);
	return auc;
}

/* What decides a run's counts at any threshold: the largest score of each
 * pre-fault chunk, of [L-1, F) and of [F, end] (-inf where empty).  The
 * counts only change at these values, so sweeping them is exact. */
static float
max_of(const float *s, long a, long b)
{
	float m = -INFINITY;
	for (long i = a; i <= b; i++)
		if (s[i] > m) /* NaN never alarms, never counts */
			m = s[i];
	return m;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

double
vmft_auc_exact(const struct vmft_set *set, float *const *scores, long p,
    int criterion, int cat)
{
	/* Per run: its chunk maxima, then the [L-1,F) and [F,end] maxima. */
	size_t cap = 0, n = 0;
	for (size_t k = 0; k < set->nruns; k++)
		if (counted(&set->runs[k], scores[k], cat))
			cap += (size_t)set->runs[k].label / CHUNK + 4;
	float *v = malloc((cap ? cap : 1) * sizeof(float));
	long *nch = malloc((set->nruns ? set->nruns : 1) * sizeof(long));
	float *vals = malloc((cap ? cap : 1) * sizeof(float));
	if (!v || !nch || !vals) {
		free(v);
		free(nch);
		free(vals);
		return NAN;
	}
	for (size_t k = 0; k < set->nruns; k++) {
		const struct vmft_run *r = &set->runs[k];
		const float *s = scores[k];
		nch[k] = -1;
		if (!counted(r, s, cat))
			continue;
		long nr = (long)r->nrows, L = r->label, F = r->failure;
		long lo = p + 1 < 0 ? 0 : p + 1, hi = L - 2 > nr - 1 ? nr - 1 : L - 2;
		nch[k] = 0;
		for (long i = lo; i <= hi;) {
			long end = (i / CHUNK + 1) * CHUNK - 1;
			if (end > hi)
				end = hi;
			v[n++] = max_of(s, i, end);
			nch[k]++;
			i = end + 1;
		}
		v[n++] = max_of(s, L - 1 < 0 ? 0 : L - 1, (F > nr ? nr : F) - 1);
		v[n++] = max_of(s, F < 0 ? 0 : F, nr - 1);
	}
	size_t nv = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > -INFINITY)
			vals[nv++] = v[i];
	qsort(vals, nv, sizeof(float), cmp_float);
	size_t nu = 0;
	for (size_t i = 0; i < nv; i++)
		if (!nu || vals[i] != vals[nu - 1])
			vals[nu++] = vals[i];
	struct vmft_counts *c = malloc((nu ? nu : 1) * sizeof(*c));
	if (!c) {
		free(v);
		free(nch);
		free(vals);
		return NAN;
	}
	for (size_t t = 0; t < nu; t++) {
		float th = vals[t];
		memset(&c[t], 0, sizeof(c[t]));
		size_t j = 0;
		for (size_t k = 0; k < set->nruns; k++) {
			if (nch[k] < 0)
				continue;
			for (long q = 0; q < nch[k]; q++, j++)
				if (v[j] >= th)
					c[t].fp++;
				else
					c[t].tn++;
			float mtp = v[j++], mlate = v[j++];
			if (mtp >= th)
				c[t].tp++;
			else if (mlate >= th)
				c[t].tp_late++;
			else
				c[t].fn++;
		}
	}
	double auc = vmft_auc_counts(c, nu, criterion);
	free(c);
	free(v);
	free(nch);
	free(vals);
	return auc;
}
