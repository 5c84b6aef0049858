/*
 * nab.c - NAB v1.1 scoring (see nab.h).  The rules and their quirks (the
 * FP value after a window depends only on the preceding window; ties in
 * the sweep keep the higher threshold) are NAB's; each is noted where it
 * is applied.
 */
#include <math.h>

#include "err.h"
#include "nab.h"

const struct nab_profile nab_profiles[NAB_NPROFILES] = {
	{1.0, 0.11, 1.0},
	{1.0, 0.22, 1.0},
	{1.0, 0.11, 2.0},
};
const char *const nab_profile_names[NAB_NPROFILES] = {
	"standard",
	"reward_low_FP_rate",
	"reward_low_FN_rate",
};

uint32_t
nab_probation(uint64_t n)
{
	uint64_t p = (uint64_t)floor(0.15 * (double)n);

	return p < 750 ? (uint32_t)p : 750;
}

double
nab_sigmoid(double y)
{
	if (y > 3.0)
		return -1.0;
	return 2.0 / (1.0 + exp(5.0 * y)) - 1.0;
}

int
nab_row_values(uint32_t n, const struct nab_window *win, uint32_t nwin,
    double *u, int32_t *wid)
{
	double s1 = nab_sigmoid(-1.0);
	uint32_t w = 0;
	int have = 0; /* a window has ended before this row */

	for (uint32_t j = 0; j < nwin; j++) {
		if (win[j].lo > win[j].hi || win[j].hi >= n)
			return VIGIL_EINVAL;
		if (j && win[j].lo <= win[j - 1].hi)
			return VIGIL_EINVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		while (w < nwin && i > win[w].hi) {
			w++;
			have = 1;
		}
		if (w < nwin && i >= win[w].lo) {
			double width = (double)win[w].hi - win[w].lo + 1;
			double y = -((double)win[w].hi - i + 1) / width;

			u[i] = nab_sigmoid(y) / s1;
			wid[i] = (int32_t)w;
		} else if (!have) {
			/* Before the file's first window: a full FP. */
			u[i] = -1.0;
			wid[i] = -1;
		} else {
			/* After a window: only the preceding one matters. */
			const struct nab_window *pw = &win[w - 1];
			double wd = (double)pw->hi - pw->lo;
			double y = wd > 0 ? (double)(i - pw->hi) / wd : 4.0;

			u[i] = nab_sigmoid(y);
			wid[i] = -1;
		}
	}
	return 0;
}

static int
lower(const struct nab_row *a, const struct nab_row *b)
{
	return a->score < b->score; /* heap root = lowest score */
}

static void
sift(struct nab_row *r, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		struct nab_row t;

		if (c >= n)
			return;
		if (c + 1 < n && lower(&r[c + 1], &r[c]))
			c++;
		if (!lower(&r[c], &r[root]))
			return;
		t = r[c];
		r[c] = r[root];
		r[root] = t;
		root = c;
	}
}

void
nab_sort_rows(struct nab_row *r, size_t n)
{
	/* A min-heap on score; popping the minimum to the end leaves the
	 * array in descending order. */
	for (size_t i = n / 2; i-- > 0;)
		sift(r, i, n);
	for (size_t end = n; end > 1; end--) {
		struct nab_row t = r[0];

		r[0] = r[end - 1];
		r[end - 1] = t;
		sift(r, 0, end - 1);
	}
}

/* Detect row r: update the running total and the window's best value. */
static void
detect(const struct nab_row *r, const struct nab_profile *p, double *best,
    double *total)
{
	double v;

	if (r->wid < 0) {
		*total += p->fp * r->u;
		return;
	}
	v = p->tp * r->u;
	if (best[r->wid] < 0) {
		*total += v + p->fn; /* the window stops being a miss */
		best[r->wid] = v;
	} else if (v > best[r->wid]) {
		*total += v - best[r->wid];
		best[r->wid] = v;
	}
}

static int
check(const struct nab_row *r, size_t n, uint32_t nwin, double *best)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].wid >= (int64_t)nwin)
			return VIGIL_EINVAL;
	for (uint32_t w = 0; w < nwin; w++)
		best[w] = -1.0; /* not detected; TP values are > 0 */
	return 0;
}

int
nab_sweep(const struct nab_row *r, size_t n, uint32_t nwin,
    const struct nab_profile *p, double *best, double *thr, double *raw)
{
	double total = -p->fn * nwin, top;
	size_t i = 0;
	int rc = check(r, n, nwin, best);

	if (rc)
		return rc;
	top = total;
	*thr = 1.1;
	while (i < n) {
		double s = r[i].score;

		while (i < n && r[i].score == s)
			detect(&r[i++], p, best, &total);
		/* Strictly better only: on ties NAB keeps the higher
		 * threshold, which was seen first. */
		if (total > top) {
			top = total;
			*thr = s;
		}
	}
	*raw = top;
	return 0;
}

int
nab_score_at(const struct nab_row *r, size_t n, uint32_t nwin,
    const struct nab_profile *p, double thr, double *best, double *raw)
{
	double total = -p->fn * nwin;
	int rc = check(r, n, nwin, best);

	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (r[i].score >= thr)
			detect(&r[i], p, best, &total);
	*raw = total;
	return 0;
}

double
nab_normalise(double raw, uint32_t nwin, const struct nab_profile *p)
{
	double perfect = p->tp * nwin, null = -p->fn * nwin;

	if (perfect == null)
		return 0.0;
	return 100.0 * (raw - null) / (perfect - null);
}
