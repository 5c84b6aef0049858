/*
 * features.c - per-host novelty and window features (see features.h).
 */
#include <math.h>
#include <string.h>

#include "features.h"

void
features_reset(struct features_host *h)
{
	memset(h, 0, sizeof(*h));
	h->win_start_ms = INT64_MIN;
}

static void
window_close(struct features_host *h, double vec[VIGIL_FEAT_DIM])
{
	double n = h->n ? (double)h->n : 1.0;

	vec[0] = log1p((double)h->n) / log1p(1e4);
	if (vec[0] > 1.0)
		vec[0] = 1.0;
	vec[1] = h->n_new / n;
	vec[2] = h->n_kern / n;
	vec[3] = h->n_err / n;
	vec[4] = h->n_warn / n;
	vec[5] = h->n ? h->n_distinct / n : 0.0;
	h->windows++;
	h->n = h->n_new = h->n_kern = h->n_err = h->n_warn = 0;
	h->n_distinct = 0;
	memset(h->win_ids, 0, sizeof(h->win_ids));
}

/* Counts tid once per window in a small open table (ids stored + 1). */
static void
window_distinct(struct features_host *h, int32_t tid)
{
	uint32_t i = (uint32_t)tid * 2654435761u % FEAT_WIN_TEMPLATES;

	for (uint32_t k = 0; k < FEAT_WIN_TEMPLATES; k++) {
		int32_t *e = &h->win_ids[(i + k) % FEAT_WIN_TEMPLATES];
		if (*e == tid + 1)
			return;
		if (*e == 0) {
			*e = tid + 1;
			h->n_distinct++;
			return;
		}
	}
}

int
features_observe(struct features_host *h, int64_t window_ms, int32_t tid,
    int facility, int severity, int64_t t_ms, double vec[VIGIL_FEAT_DIM],
    int *closed)
{
	int is_new = 0;

	*closed = 0;
	if (h->win_start_ms == INT64_MIN)
		h->win_start_ms = t_ms;
	if (t_ms - h->win_start_ms >= window_ms) {
		window_close(h, vec);
		*closed = 1;
		/* The next window starts on the grid when the gap was short,
		 * at this message after a long silence. */
		int64_t next = h->win_start_ms + window_ms;
		h->win_start_ms = t_ms - next < window_ms ? next : t_ms;
	} else if (t_ms < h->win_start_ms) {
		/* Time went backwards (clock step, out-of-order sender):
		 * the window restarts here rather than waiting for it. */
		h->win_start_ms = t_ms;
	}
	h->n++;
	if (facility == 0)
		h->n_kern++;
	if (severity <= 3)
		h->n_err++;
	else if (severity == 4)
		h->n_warn++;
	if (tid < 0 || tid == INT32_MAX) /* none, or the miner's overflow id */
		return 0;
	uint32_t slot = (uint32_t)tid % VIGIL_FEAT_KNOWN;
	if (h->known[slot] != tid + 1) {
		h->known[slot] = tid + 1;
		h->novel++;
		h->n_new++;
		is_new = 1;
	}
	window_distinct(h, tid);
	return is_new;
}
