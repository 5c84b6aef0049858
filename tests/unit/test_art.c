/* test_art.c - the ART detector: configuration checks, probation, scoring
 * of obvious anomalies, non-finite input, the full category table, state
 * snapshots, streaming range expansion, multivariate input, and step-for-
 * step agreement with ARTime's published scores on one NAB series. */
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
			x = 1e300; /* after probation: expands */
		CHECK_EQ(art_step(&A, &x, &s), 0);
		CHECK(s >= 0 && s <= 1);
	}
	CHECK(A.st.nonfinite > 0);
	CHECK(A.st.clamped > 0);
	CHECK(A.st.expansions > 0);
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
