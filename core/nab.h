/*
 * nab.h - the Numenta Anomaly Benchmark (NAB v1.1) scoring rules, as pure
 * arithmetic over caller-provided arrays.
 *
 * Does: the probationary length, the scaled sigmoid, per-row TP/FP values
 * from labelled windows, the corpus-wide threshold sweep for one cost
 * profile, and the normalisation against the null and perfect detectors.
 * Does not: read files, parse timestamps or JSON (tools/replay/nab.c does),
 * allocate, or keep state between calls.
 * Limits: none of its own; every array is the caller's and its length is
 * passed in.  Window and row counts are 32-bit.
 */
#ifndef VIGIL_NAB_H
#define VIGIL_NAB_H

#include <stddef.h>
#include <stdint.h>

/* Cost profile (NAB's config/profiles.json). */
struct nab_profile {
	double tp, fp, fn;
};

#define NAB_NPROFILES 3
/* standard, reward_low_FP_rate, reward_low_FN_rate, in that order. */
extern const struct nab_profile nab_profiles[NAB_NPROFILES];
extern const char *const nab_profile_names[NAB_NPROFILES];

/* One labelled window as 0-based row indices, inclusive: lo <= hi. */
struct nab_window {
	uint32_t lo, hi;
};

/* One scored row pooled for the threshold sweep: its detector score, its
 * unweighted value u (in a window: S(y)/S(-1) > 0; outside: S(y) or -1,
 * in [-1,0]) and its window's corpus-wide index, or -1 outside windows. */
struct nab_row {
	double score;
	double u;
	int32_t wid;
};

/* Rows NAB ignores at the start of a file of n rows:
 * min(floor(0.15 n), 750). */
uint32_t nab_probation(uint64_t n);

/* NAB's scaled sigmoid: 2 / (1 + e^(5y)) - 1 for y <= 3, else -1. */
double nab_sigmoid(double y);

/* Unweighted values of the n rows of one file with nwin windows (sorted,
 * non-overlapping, inside 0..n-1).  u[i] and wid[i] (window index, local
 * to the file, or -1) are written for every row; the caller drops the
 * probation rows.  Returns 0, or VIGIL_EINVAL for unsorted, overlapping or
 * out-of-range windows (then u and wid are unspecified). */
int nab_row_values(uint32_t n, const struct nab_window *win, uint32_t nwin,
    double *u, int32_t *wid);

/* Sort rows by score, highest first, in place (heap sort: no allocation,
 * O(n log n); the order of equal scores is unspecified and irrelevant). */
void nab_sort_rows(struct nab_row *r, size_t n);

/* Sweep thresholds over rows sorted by nab_sort_rows (all non-probation
 * rows of the corpus; nwin windows in all): at 1.1 (nothing detected) and
 * at every distinct score, detecting every row >= the threshold.  Keeps the
 * best raw score, the higher threshold on ties.  best is caller scratch of
 * nwin doubles.  Writes *thr and *raw; returns 0, or VIGIL_EINVAL if a row
 * names a window >= nwin. */
int nab_sweep(const struct nab_row *r, size_t n, uint32_t nwin,
    const struct nab_profile *p, double *best, double *thr, double *raw);

/* Raw score of the rows at one threshold (detect score >= thr); same
 * arguments as nab_sweep. */
int nab_score_at(const struct nab_row *r, size_t n, uint32_t nwin,
    const struct nab_profile *p, double thr, double *best, double *raw);

/* 100 * (raw - null) / (perfect - null), with perfect = tp * nwin and
 * null = -fn * nwin. */
double nab_normalise(double raw, uint32_t nwin, const struct nab_profile *p);

#endif /* VIGIL_NAB_H */
