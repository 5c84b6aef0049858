/* test_art.c - the ART detector: configuration checks, probation, scoring
 * of obvious anomalies, record reports, non-finite input, the full category
 * table, state snapshots, streaming clamping and range expansion,
 * multivariate input, and step-for-step agreement with ARTime's published
 * scores on one NAB series. */
#include <math.h>
#include <stdint.h>

#include "unit.h"
#include "../../core/art.h"
#include "../../core/err.h"

static struct art A, B;

/* A deterministic pseudo-random sequence in [0,1). */
static uint32_t rng = 12345;
static double
urand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (double)((rng >> 8) & 0xffffff) / 16777216.0;
}

/* A daily-like pattern: period 96, with a little noise. */
static double
pattern(uint64_t i)
{
	return 50.0 + 20.0 * sin(2 * 3.14159265358979 * (double)(i % 96) / 96) +
	    urand();
}

static void
cfg1(struct art_cfg *c, uint32_t mode)
{
	art_cfg_default(c, 1);
	c->mode = mode;
	c->probation = 600;
	c->dmin[0] = 0;
	c->dmax[0] = 200;
}

TEST(art_init_rejects_bad_config)
{
	struct art_cfg c;

	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	c.dim = 0;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.dim = VIGIL_ART_MAX_DIM + 1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	cfg1(&c, ART_RANGE_GIVEN);
	c.probation = VIGIL_ART_MIN_PROBATION - 1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.probation = VIGIL_ART_MAX_PROBATION + 1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	cfg1(&c, ART_RANGE_GIVEN);
	c.cap = VIGIL_ART_MAX_CATS + 1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.cap = 1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	cfg1(&c, ART_RANGE_GIVEN);
	c.dmax[0] = -1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.dmax[0] = NAN;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	cfg1(&c, 7);
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	cfg1(&c, ART_RANGE_GIVEN);
	c.record_margin = -0.1;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.record_margin = NAN;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.record_margin = 11;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.record_margin = 0;
	CHECK_EQ(art_init(&A, &c), 0);
	cfg1(&c, ART_STREAMING);
	c.expand_after = 0;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.expand_after = 1000001;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	c.expand_after = 1;
	CHECK_EQ(art_init(&A, &c), 0);
	c.headroom = NAN;
	CHECK_EQ(art_init(&A, &c), VIGIL_EINVAL);
	CHECK_EQ(art_init(NULL, &c), VIGIL_EINVAL);
	CHECK_EQ(art_init(&A, NULL), VIGIL_EINVAL);
}

TEST(art_step_rejects_null_and_uninitialised)
{
	struct art_cfg c;
	double x = 1, s = -1;

	memset(&A, 0, sizeof(A));
	CHECK_EQ(art_step(&A, &x, &s), VIGIL_EINVAL);
	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	CHECK_EQ(art_step(NULL, &x, &s), VIGIL_EINVAL);
	CHECK_EQ(art_step(&A, NULL, &s), VIGIL_EINVAL);
	CHECK_EQ(art_step(&A, &x, NULL), VIGIL_EINVAL);
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 0);
}

TEST(art_probation_scores_zero)
{
	struct art_cfg c;
	uint64_t first;

	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	/* ARTime's first possible report is down-sampled step TW + 1. */
	first = ((uint64_t)A.tw + 1) * A.sstep;
	CHECK_EQ(A.sstep, 5);
	CHECK_EQ(A.tw, 120);
	for (uint64_t i = 1; i < first; i++) {
		double x = i == first / 2 ? 190.0 : pattern(i), s = -1;

		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s == 0);
	}
	CHECK_EQ(A.st.anomalies, 0);
	CHECK(A.rho_ub > 0 && A.rho_ub <= 1);
}

TEST(art_level_shift_is_reported)
{
	struct art_cfg c;
	double s, top = 0;
	uint64_t at = 3000;

	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	for (uint64_t i = 1; i < at; i++) {
		double x = pattern(i);

		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	for (uint64_t i = at; i < at + 100; i++) {
		double x = pattern(i) + 100;

		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s >= 0 && s <= 1);
		if (s > top)
			top = s;
	}
	CHECK(top > 0.3);
	CHECK(A.st.anomalies >= 1);
}

TEST(art_reports_are_separated_by_the_refractory_span)
{
	struct art_cfg c;
	uint64_t last = 0, reports = 0;
	double s;

	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	for (uint64_t i = 1; i < 20000; i++) {
		/* Bursts of noise and level jumps: many new clusters. */
		double x = pattern(i) + ((i / 300) % 3) * 40 +
		    ((i / 1000) % 2) * 60 * urand();

		CHECK_EQ(art_step(&A, &x, &s), 0);
		if (s > 0) {
			if (reports)
				CHECK(i - last > (uint64_t)ART_MASK * A.sstep);
			last = i;
			reports++;
		}
	}
	CHECK(reports >= 2);
	CHECK(A.st.records >= 1); /* records keep the span too */
	CHECK_EQ(reports, A.st.anomalies);
}

TEST(art_constant_stream_never_reports)
{
	struct art_cfg c;
	double x = 42, s;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(art_init(&A, &c), 0);
	for (int i = 0; i < 5000; i++) {
		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s == 0);
	}
	CHECK_EQ(A.st.anomalies, 0);
	CHECK_EQ(A.st.expansions, 0);
}

TEST(art_nonfinite_input_counted_and_score_in_range)
{
	struct art_cfg c;
	double s;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(art_init(&A, &c), 0);
	for (int i = 0; i < 4000; i++) {
		double x = pattern((uint64_t)i);

		if (i % 97 == 0)
			x = NAN;
		else if (i % 89 == 0)
			x = (i & 1) ? INFINITY : -INFINITY;
		else if (i > 1000 && i % 83 == 0)
			x = 1e300; /* after probation: a clamped spike */
		else if (i > 3000 && i < 3100)
			x = -1e300; /* a long run: expands to -MAX_ABS */
		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s >= 0 && s <= 1);
	}
	CHECK(A.st.nonfinite > 0);
	CHECK(A.st.clamped > 0);
	CHECK(A.st.out_of_range > 0);
	CHECK(A.st.records > 0);
	CHECK_EQ(A.st.expansions, 1);
	CHECK(A.lo[0] == -VIGIL_ART_MAX_ABS);
	CHECK(A.hi[0] < 1e3);
}

TEST(art_table_full_replaces_least_recent)
{
	struct art_cfg c;
	struct art_stats st;
	double s;

	cfg1(&c, ART_RANGE_GIVEN);
	c.cap = VIGIL_ART_MAX_CATS < 8 ? VIGIL_ART_MAX_CATS : 8;
	CHECK_EQ(art_init(&A, &c), 0);
	for (int i = 0; i < 6000; i++) {
		double x = 200 * urand();

		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s >= 0 && s <= 1);
	}
	art_stats(&A, &st);
	CHECK_EQ(st.cats, c.cap);
	CHECK_EQ(st.cats_hwm, c.cap);
	CHECK(st.replaced > 0);
	CHECK(st.created >= st.replaced + c.cap);
}

TEST(art_state_copy_continues_identically)
{
	struct art_cfg c;
	double s1, s2;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(art_init(&A, &c), 0);
	for (uint64_t i = 1; i < 2000; i++) {
		double x = pattern(i);

		CHECK_EQ(art_step(&A, &x, &s1), 0);
	}
	memcpy(&B, &A, sizeof(A));
	for (uint64_t i = 2000; i < 6000; i++) {
		double x = pattern(i) + (i > 4000 ? 60 : 0);

		CHECK_EQ(art_step(&A, &x, &s1), 0);
		CHECK_EQ(art_step(&B, &x, &s2), 0);
		CHECK(s1 == s2);
	}
	CHECK(memcmp(&A, &B, sizeof(A)) == 0);
}

TEST(art_reset_equals_fresh_init)
{
	struct art_cfg c;
	double s;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(art_init(&A, &c), 0);
	CHECK_EQ(art_init(&B, &c), 0);
	for (uint64_t i = 1; i < 3000; i++) {
		double x = pattern(i);

		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	art_reset(&A);
	CHECK(memcmp(&A, &B, sizeof(A)) == 0);
}

/* Warm a given-range stream up on the pattern; returns the next raw step,
 * chosen so that it is not the end of a down-sampling block. */
static uint64_t
warm_pattern(struct art *a, uint64_t n)
{
	double s;
	uint64_t i;

	for (i = 1; i < n || i % a->sstep != 1; i++) {
		double x = pattern(i);

		CHECK_EQ(art_step(a, &x, &s), 0);
	}
	return i;
}

TEST(art_record_reported_on_its_own_raw_step)
{
	struct art_cfg c;
	double s, x;
	uint64_t i, an, span = (uint64_t)ART_MASK * 5;

	cfg1(&c, ART_RANGE_GIVEN);
	CHECK_EQ(art_init(&A, &c), 0);
	CHECK_EQ(A.sstep, 5);
	i = warm_pattern(&A, 3000);
	CHECK_EQ(A.st.records, 0);
	an = A.st.anomalies;
	/* Within the margin beyond the running maximum: not a record. */
	x = A.rmax[0] + 0.5 * c.record_margin * (A.rmax[0] - A.rmin[0]);
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 0);
	CHECK_EQ(A.st.records, 0);
	/* Beyond it: reported at once, mid-block, with score 1. */
	x = A.rmax[0] + 2 * c.record_margin * (A.rmax[0] - A.rmin[0]);
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 1.0);
	CHECK_EQ(A.st.records, 1);
	CHECK_EQ(A.st.anomalies, an + 1);
	CHECK_EQ(A.rec_i, i + 1);
	i += 2;
	/* A lower record right after it is inside the refractory span. */
	x = A.rmin[0] - 10;
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 0);
	CHECK_EQ(A.st.records, 1);
	/* ... and reported once no report (record or ART) is that close. */
	for (i++; i % 5 != 1 || i - A.rec_i <= span ||
	     i - A.last_a * 5 <= span; i++) {
		x = pattern(i);
		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	x = A.rmin[0] - 10;
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 1.0);
	CHECK_EQ(A.st.records, 2);
}

TEST(art_records_off_with_zero_margin_or_artime)
{
	struct art_cfg c;
	double s, x = 500;

	/* On by default for a metric series, off for a feature vector. */
	art_cfg_default(&c, 1);
	CHECK(c.record_margin > 0);
	if (VIGIL_ART_MAX_DIM > 1) {
		art_cfg_default(&c, 2);
		CHECK(c.record_margin == 0);
	}

	cfg1(&c, ART_RANGE_GIVEN);
	c.record_margin = 0;
	CHECK_EQ(art_init(&A, &c), 0);
	(void)warm_pattern(&A, 3000);
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 0);
	CHECK_EQ(A.st.records, 0);
	cfg1(&c, ART_RANGE_GIVEN);
	c.artime = true;
	CHECK_EQ(art_init(&A, &c), 0);
	(void)warm_pattern(&A, 3000);
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 0);
	CHECK_EQ(A.st.records, 0);
}

TEST(art_record_not_reported_during_probation)
{
	struct art_cfg c;
	double s;

	double x;
	uint64_t i;

	cfg1(&c, ART_RANGE_GIVEN);
	c.dmax[0] = 1e4;
	CHECK_EQ(art_init(&A, &c), 0);
	for (i = 1; i <= (uint64_t)A.tw * A.sstep; i++) {
		/* A new maximum every step. */
		x = (double)i;
		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s == 0);
	}
	CHECK_EQ(A.st.records, 0);
	/* The first step after the warm-up reports one. */
	x = 2.0 * (double)i;
	CHECK_EQ(art_step(&A, &x, &s), 0);
	CHECK(s == 1.0);
	CHECK_EQ(A.st.records, 1);
}

TEST(art_streaming_clamps_a_spike_and_expands_on_a_shift)
{
	struct art_cfg c;
	double s, lo, hi, x;
	uint64_t i, n;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(c.expand_after, ART_WIN);
	CHECK_EQ(art_init(&A, &c), 0);
	i = warm_pattern(&A, 3000);
	lo = A.lo[0];
	hi = A.hi[0];
	CHECK(hi > lo);
	/* A spike shorter than expand_after scored steps is clamped. */
	for (n = 0; n < (uint64_t)(c.expand_after - 1) * A.sstep; n++, i++) {
		x = hi + 1000;
		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	CHECK_EQ(A.st.expansions, 0);
	CHECK(A.st.out_of_range == c.expand_after - 1);
	CHECK(A.lo[0] == lo && A.hi[0] == hi);
	for (n = 0; n < 40 * (uint64_t)A.sstep; n++, i++) {
		x = pattern(i);
		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	CHECK_EQ(A.st.expansions, 0);
	/* A shift that lasts expand_after scored steps expands the range to
	 * the farthest value of the run. */
	for (n = 0; n < (uint64_t)c.expand_after * A.sstep; n++, i++) {
		x = hi + 1000 + (double)n;
		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	CHECK_EQ(A.st.expansions, 1);
	CHECK(A.lo[0] == lo);
	CHECK(A.hi[0] >= hi + 1000 + (double)(c.expand_after - 1) * A.sstep);
}

TEST(art_streaming_expands_and_reports_new_extreme)
{
	struct art_cfg c;
	double s, top = 0;

	cfg1(&c, ART_STREAMING);
	CHECK_EQ(art_init(&A, &c), 0);
	for (uint64_t i = 1; i < 3000; i++) {
		double x = pattern(i);

		CHECK_EQ(art_step(&A, &x, &s), 0);
	}
	CHECK_EQ(A.st.expansions, 0);
	for (uint64_t i = 3000; i < 3100; i++) {
		double x = pattern(i) + 500;

		CHECK_EQ(art_step(&A, &x, &s), 0);
		if (s > top)
			top = s;
	}
	CHECK(A.st.expansions >= 1);
	CHECK(top > 0.3);
	/* The range now covers the new level. */
	CHECK(A.hi[0] >= 550);
}

TEST(art_multidim_reports_shift_in_one_dimension)
{
	struct art_cfg c;
	uint32_t dim = VIGIL_ART_MAX_DIM < 4 ? VIGIL_ART_MAX_DIM : 4;
	double x[VIGIL_ART_MAX_DIM], s, top = 0;

	art_cfg_default(&c, dim);
	c.mode = ART_STREAMING;
	c.probation = 400;
	CHECK_EQ(art_init(&A, &c), 0);
	CHECK_EQ(A.nfeat, ART_NFEAT(dim));
	for (uint64_t i = 1; i < 4000; i++) {
		for (uint32_t d = 0; d < dim; d++)
			x[d] = pattern(i + 10 * d) * (d + 1);
		if (i >= 3500)
			x[dim - 1] += 300;
		CHECK_EQ(art_step(&A, x, &s), 0);
		CHECK(s >= 0 && s <= 1);
		if (i >= 3500 && s > top)
			top = s;
	}
	CHECK(top > 0.3);
}

/* ARTime's published scores for one NAB series (every other row is 0),
 * reproduced step for step with the file's range given up front.  Needs a
 * table that the series never fills (it reaches 426 categories). */
TEST(art_reproduces_published_artime_scores)
{
	const char *data = "../shared/data/nab/data/realKnownCause/"
	                   "machine_temperature_system_failure.csv";
	const char *pub = "../shared/data/nab/results/"
	                  "ARTime_nonzero_scores.csv";
	static double xs[32768], want[32768];
	char line[512];
	struct art_cfg c;
	int n = 0, nz = 0, match = 0;
	double mn, mx;
	FILE *f;

	if (VIGIL_ART_MAX_CATS < 512) {
		printf("skipped: needs VIGIL_ART_MAX_CATS >= 512\n");
		return;
	}
	f = fopen(data, "r");
	if (!f) {
		printf("skipped: %s missing\n", data);
		return;
	}
	CHECK(fgets(line, sizeof(line), f) != NULL);
	while (n < 32768 && fgets(line, sizeof(line), f)) {
		char *comma = strchr(line, ',');

		CHECK(comma != NULL);
		xs[n++] = strtod(comma + 1, NULL);
	}
	fclose(f);
	CHECK_EQ(n, 22695);
	f = fopen(pub, "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		const char *name = "realKnownCause/"
		                   "machine_temperature_system_failure.csv,";
		char *p;
		long row;

		if (strncmp(line, name, strlen(name)) != 0)
			continue;
		row = strtol(line + strlen(name), &p, 10);
		CHECK(row >= 0 && row < n);
		want[row] = strtod(strchr(p + 1, ',') + 1, NULL);
	}
	fclose(f);

	mn = mx = xs[0];
	for (int i = 1; i < n; i++) {
		mn = fmin(mn, xs[i]);
		mx = fmax(mx, xs[i]);
	}
	art_cfg_default(&c, 1);
	c.probation = 750;
	c.dmin[0] = mn;
	c.dmax[0] = mx;
	c.artime = true; /* ARTime's masking and all-time mean */
	CHECK_EQ(art_init(&A, &c), 0);
	for (int i = 0; i < n; i++) {
		double s;

		CHECK_EQ(art_step(&A, &xs[i], &s), 0);
		if (want[i] != 0)
			nz++;
		if (fabs(s - want[i]) <= 1.5e-6)
			match++;
		else
			fprintf(stderr, "row %d: %.6f, published %.6f\n", i, s,
			    want[i]);
	}
	CHECK_EQ(nz, 27);
	CHECK_EQ(match, n);
	CHECK_EQ(A.st.replaced, 0);
	CHECK_EQ(A.st.cats_hwm, 426);
}
