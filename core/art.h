/*
 * art.h - online anomaly detector of the ARTime family: one flat state per
 * stream, one score in [0,1] per step.
 *
 * What it does.  Each step takes a vector of `dim` raw values (one value
 * per step for a metric series, one feature vector per window for a log
 * stream) and returns an anomaly score.  The pipeline, per stream:
 *
 *   1. Down-sampling: raw steps are grouped in blocks of `sstep`; only the
 *      last step of a block is scored, the others return 0.  Per dimension
 *      the block value is the block maximum, or the minimum when that is
 *      farther from a running average (keeps downward spikes), or the block
 *      mean when the spike is small (< 10 % of the mean).
 *   2. Normalisation to [0,1] on a range that is either given up front
 *      (ART_RANGE_GIVEN, NAB's convention: every NAB detector receives the
 *      whole file's minimum and maximum) or learned causally
 *      (ART_STREAMING: the probation period's range, widened by a headroom
 *      on each side; values outside it are clamped, and only when a
 *      dimension stays outside for cfg.expand_after consecutive scored
 *      steps - a level shift, not a spike - does its range expand to cover
 *      them; on each expansion every stored normalised quantity - category
 *      boxes, the feature window, the median histogram - is mapped exactly
 *      onto the new range, so what was learned keeps its meaning).
 *   3. Snapping to an approximate running median (values close to the
 *      median become the median), kept on a histogram of ART_LEVELS+1
 *      levels.  ARTime also quantises the value itself to those levels;
 *      vigil keeps it continuous (see art.c).
 *   4. Features over a window of ART_WIN down-sampled steps of a summary
 *      value (dim 1: the value; dim > 1: the mean of the dimensions):
 *      the min-max normalised 3-level Haar transform of the window's shape
 *      (8 values), the window itself (8 values), and for dim > 1 each
 *      dimension's current normalised value (dim values).  Complement
 *      coded: the ART input has 2 * (16 + (dim > 1 ? dim : 0)) components.
 *   5. Dual-vigilance fuzzy ART with fast learning.  Match of a category
 *      = (|min(I,w)| / |w|)^3 * energy^2, where energy measures how far
 *      the current value(s) fall outside the category's box (dim > 1: the
 *      worst dimension).  Above the upper vigilance every matching
 *      category learns; between the two a new category joins the best
 *      one's cluster; below the lower one a new cluster is born and that
 *      is an anomaly candidate.
 *   6. Vigilances start at a value estimated once, at the end of
 *      probation, from how well the probation features cluster, then
 *      adapt online (upper: mean match; lower: towards the recent minimum
 *      match or down by the recent shortfall).  After a report nothing is
 *      reported for ART_MASK steps (a refractory span; ARTime instead
 *      re-reports when markedly less similar), and after a vigilance
 *      change or a new cluster, new clusters are reported only when
 *      markedly less similar than the last report until ART_MASK quiet
 *      steps have passed.  The score mixes the distance below both
 *      vigilances and the energy term, clipped to [0,1].
 *   7. Records (vigil, by default for dim 1): a raw value beyond
 *      everything the stream has seen, by more than cfg.record_margin of
 *      the span seen so far, is reported at once with score 1, on its own
 *      raw step, without waiting for the down-sampling block or the ART;
 *      then nothing is reported for ART_MASK scored steps.  This needs no
 *      range and no look-ahead, so the detection of new extremes does not
 *      depend on the normalisation.
 *
 * With dim == 1, ART_RANGE_GIVEN, cfg.artime set and a category cap that
 * is not reached, this is ARTime (NAB scoreboard 74.85) step for step
 * (checked against its published scores).  vigil's default differs by the
 * refractory span, a long mean-match horizon, continuous (unquantised)
 * values and the record reports; art.c records what was measured.
 *
 * Multivariate input (dim > 1, e.g. per-host log features per window):
 * each dimension is normalised and median-snapped on its own;
 * the window features are built from their mean, and each dimension's
 * current value is a feature of its own, so one dimension leaving its
 * usual range lowers the energy term even when the mean barely moves.  In
 * streaming mode a range expansion of one dimension is mapped exactly onto
 * that dimension's features and approximately (as if the dimension sat at
 * the mean) onto the mean's window.  Records, when cfg.record_margin
 * turns them on, are per dimension.
 *
 * What it does not do: no allocation, no I/O, no clock.  Time is the step
 * count.  It does not know about windows, hosts or alarms: the score goes
 * to core/predict.
 *
 * Limits.  Categories are a fixed table of VIGIL_ART_MAX_CATS entries (a
 * cfg may ask for fewer); when full, the least recently best-matching
 * category is replaced, counted in stats.replaced.  Inputs that are NaN or
 * infinite are counted and replaced by the dimension's last finite value
 * (0 before any); finite values beyond +-VIGIL_ART_MAX_ABS are clamped and
 * counted, so no range arithmetic can overflow.  The score is always in
 * [0,1].  All warm-up storage is inside the struct; sizeof(struct art) is
 * the whole per-stream cost.
 */
#ifndef VIGIL_ART_H
#define VIGIL_ART_H

#include <stdbool.h>
#include <stdint.h>

#include "limits.h"

/* Algorithm constants (ARTime's defaults; not capacities). */
#define ART_WIN 8      /* feature window, down-sampled steps */
#define ART_WPP 13     /* windows per probation period */
#define ART_LEVELS 80  /* quantisation levels (81 bins) */
#define ART_MASK 12    /* masking length, down-sampled steps */

/* Feature count for a given input dimension, and its maximum. */
#define ART_NFEAT(dim) (2 * ART_WIN + ((dim) > 1 ? (dim) : 0))
#define ART_MAX_FEAT ART_NFEAT(VIGIL_ART_MAX_DIM)
/* Down-sampled probation steps never exceed this (see art_init). */
#define ART_MAX_TW (2 * ART_WIN * ART_WPP)

enum art_mode {
	ART_RANGE_GIVEN = 0, /* cfg.dmin/dmax are the input's range */
	ART_STREAMING = 1    /* range learned from what has been seen */
};

struct art_cfg {
	uint32_t dim;       /* 1..VIGIL_ART_MAX_DIM values per step */
	uint32_t mode;      /* enum art_mode */
	uint32_t probation; /* raw steps of warm-up, VIGIL_ART_MIN_PROBATION..
	                     * VIGIL_ART_MAX_PROBATION; NAB uses
	                     * min(floor(0.15 N), 750) */
	uint32_t cap;       /* categories, 2..VIGIL_ART_MAX_CATS; 0 = max */
	/* ART_RANGE_GIVEN only: range per dimension (dmax >= dmin). */
	double dmin[VIGIL_ART_MAX_DIM];
	double dmax[VIGIL_ART_MAX_DIM];
	/* ART_STREAMING only: headroom added on each side of the probation
	 * range, and on the far side of a range expansion, as a fraction of
	 * the span (art_cfg_default: see art.c); a range expands after
	 * expand_after consecutive scored steps outside it (1..1000000; 1 =
	 * at once), values outside are clamped until then. */
	double headroom;
	double expand_headroom;
	uint32_t expand_after;
	/* Records (ignored with artime): report a raw value beyond the
	 * stream's running minimum or maximum by more than this fraction of
	 * their distance; 0..10, 0 = off (art_cfg_default: on for dim 1,
	 * off for vectors, see art.c). */
	double record_margin;
	/* The upper vigilance follows the mean best match: over all steps
	 * (0, ARTime) or, for long-running streams, over roughly the last
	 * mean_horizon * TW down-sampled steps (exponential forgetting). */
	uint32_t mean_horizon;
	/* true: ARTime's exact behaviour (re-reports inside the masking span,
	 * all-time mean match; mean_horizon ignored), for reproduction.
	 * false (default): vigil's refractory masking, see art.c. */
	bool artime;
};

struct art_stats {
	uint64_t steps;       /* art_step calls that returned 0 */
	uint64_t ds_steps;    /* down-sampled (scored) steps */
	uint64_t nonfinite;   /* input values NaN/inf, replaced */
	uint64_t clamped;     /* input values beyond VIGIL_ART_MAX_ABS */
	uint64_t out_of_range; /* values outside the range, clamped */
	uint64_t expansions;  /* ART_STREAMING: range expansions */
	uint64_t records;     /* record reports (included in anomalies) */
	uint64_t created;     /* categories created */
	uint64_t replaced;    /* categories replaced: table full */
	uint64_t resonances;  /* steps where existing categories learned */
	uint64_t new_clusters; /* steps below the lower vigilance */
	uint64_t anomalies;   /* steps with a non-zero score */
	uint32_t cats;        /* categories in use now */
	uint32_t cats_hwm;    /* high-water mark of cats */
	double rho_lb, rho_ub; /* current vigilances */
};

/* Detection state of one stream.  Flat: no pointers, may be copied with
 * memcpy, snapshotted and restored. */
struct art {
	struct art_cfg cfg;
	uint32_t nfeat, ncomp;   /* features, ART input components (2*nfeat) */
	uint32_t pp, sstep, tw;  /* probation (even), down-sampling, TW */
	uint32_t cap;
	uint64_t i;              /* raw steps seen */
	uint64_t k;              /* down-sampled steps seen */
	uint64_t now;            /* ART calls, for LRU stamps */
	bool range_ok;           /* ART_STREAMING: range established */

	/* Down-sampling block and spike selection, per dimension. */
	uint32_t bn;
	double bsum[VIGIL_ART_MAX_DIM], bmax[VIGIL_ART_MAX_DIM];
	double bmin[VIGIL_ART_MAX_DIM], ema[VIGIL_ART_MAX_DIM];
	double last[VIGIL_ART_MAX_DIM]; /* last finite input */

	/* Normalisation range per dimension; ART_STREAMING: consecutive
	 * scored steps outside it, and their extremes. */
	double lo[VIGIL_ART_MAX_DIM], hi[VIGIL_ART_MAX_DIM];
	uint32_t out_run[VIGIL_ART_MAX_DIM];
	double out_lo[VIGIL_ART_MAX_DIM], out_hi[VIGIL_ART_MAX_DIM];

	/* Records: running raw extremes per dimension, the raw step of the
	 * last record report and the scored step it fell in. */
	bool record_on;
	double rmin[VIGIL_ART_MAX_DIM], rmax[VIGIL_ART_MAX_DIM];
	uint64_t rec_i, rec_k;

	/* Approximate running median of quantised levels, per dimension. */
	uint32_t bin[VIGIL_ART_MAX_DIM][ART_LEVELS + 1];
	uint32_t med[VIGIL_ART_MAX_DIM], below[VIGIL_ART_MAX_DIM];
	uint32_t above[VIGIL_ART_MAX_DIM];
	uint64_t nmed; /* samples in the median histograms */

	double fw[ART_WIN];             /* summary window, oldest first */
	double cur[VIGIL_ART_MAX_DIM];  /* current snapped values */

	/* Warm-up: block values, then features, of the TW probation steps. */
	double warm[ART_MAX_TW][ART_MAX_FEAT];
	double typ[ART_MAX_TW];
	uint16_t order[ART_MAX_TW];

	/* Fuzzy ART categories: lower bounds then complements. */
	float w[VIGIL_ART_MAX_CATS][2 * ART_MAX_FEAT];
	double wsum[VIGIL_ART_MAX_CATS];    /* |w| per category */
	uint64_t stamp[VIGIL_ART_MAX_CATS]; /* last time best match */
	uint32_t ncat;
	double rho_lb, rho_ub;

	/* Detection state. */
	uint64_t last_a, last_rho;
	uint32_t quiet;
	bool mask_cat;
	double last_a_sim;
	double hist_sum, hist_last;
	uint32_t hist_n;
	double sim_w[ART_MAX_TW / 2 + 1];
	double diff_w[ART_MAX_TW + 1];
	uint32_t sim_pos, diff_pos;
	double mean_a;
	uint64_t n_a, horizon;

	struct art_stats st;
};

/* Fill cfg with defaults for `dim` inputs: ART_RANGE_GIVEN with range
 * [0,1], probation 750, cap VIGIL_ART_MAX_CATS, streaming headrooms and
 * expansion delay, record margin.
 * Never fails (dim is stored as given; art_init validates it). */
void art_cfg_default(struct art_cfg *cfg, uint32_t dim);

/* Initialise a stream from cfg (copied; the caller keeps cfg).  Returns 0,
 * or VIGIL_EINVAL for a dim, probation, cap, range, headroom, expansion
 * delay or record margin out of bounds (then *a is zeroed and unusable).
 * Never allocates. */
int art_init(struct art *a, const struct art_cfg *cfg);

/* Forget everything learned; keep the configuration. */
void art_reset(struct art *a);

/* One raw step: x holds cfg.dim values (any doubles, NaN and infinities
 * included: counted and replaced).  *score receives the anomaly score in
 * [0,1]; it is 0 during probation and whenever nothing new was seen, and
 * inside a down-sampling block unless the step is a record.  Returns 0,
 * or VIGIL_EINVAL if a, x or score is NULL or a was not initialised.  When
 * the category table is full the least recently best-matching category is
 * replaced and counted (stats.replaced); the step still succeeds. */
int art_step(struct art *a, const double *x, double *score);

/* Copy the counters (plus current categories and vigilances) to out. */
void art_stats(const struct art *a, struct art_stats *out);

#endif /* VIGIL_ART_H */
