/*
 * features.h - what the detectors see of one host's log stream.
 *
 * Per message: whether its template is new on this host (never sent by
 * it before), and the message's source class (kernel or not).  Per time
 * window: a fixed vector of VIGIL_FEAT_DIM values in [0, 1]:
 *
 *   0  message rate: log(1 + n) / log(1 + 10^4)
 *   1  templates new on the host, as a share of the window: new / n
 *   2  kernel messages (facility kern), as a share
 *   3  error or worse (severity 0..3), as a share
 *   4  warnings (severity 4), as a share
 *   5  distinct templates in the window / n (1 = every line different)
 *
 * Windows are closed by the message time that passes their end; a gap
 * with no messages closes one window (its silence is in the next rate).
 * Pure code: times come from the caller.
 */
#ifndef VIGIL_FEATURES_H
#define VIGIL_FEATURES_H

#include <stdint.h>

#include "limits.h"

/* Distinct templates counted per window (for value 5); more are counted as
 * repeats.  A small open table, cleared per window. */
#define FEAT_WIN_TEMPLATES 64

struct features_host {
	/* known[slot] = template id + 1 last seen in that Drain slot. */
	int32_t known[VIGIL_FEAT_KNOWN];
	uint64_t novel;          /* templates new on this host, all time */
	uint64_t windows;        /* windows closed */
	int64_t win_start_ms;    /* INT64_MIN before the first message */
	uint32_t n, n_new, n_kern, n_err, n_warn, n_distinct;
	int32_t win_ids[FEAT_WIN_TEMPLATES];
};

/* Resets one host: nothing known, no window open. */
void features_reset(struct features_host *h);

/* Accounts one message of template tid (>= 0, or negative for a line with
 * no template, which only counts in the rate) at t_ms.  Returns 1 when
 * the template is new on this host, else 0.  When the message closes a
 * window, *closed is set to 1 and vec receives that window's values;
 * otherwise *closed is 0.  window_ms > 0. */
int features_observe(struct features_host *h, int64_t window_ms, int32_t tid,
    int facility, int severity, int64_t t_ms, double vec[VIGIL_FEAT_DIM],
    int *closed);

#endif /* VIGIL_FEATURES_H */
