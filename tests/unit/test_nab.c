/* test_nab.c - NAB scoring rules: probation, sigmoid, per-row values, the
 * threshold sweep (and its tie rule), sorting and normalisation. */
#include <math.h>

#include "unit.h"
#include "../../core/err.h"
#include "../../core/nab.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

TEST(nab_probation_is_15_percent_capped_at_750)
{
	CHECK_EQ(nab_probation(1000), 150);
	CHECK_EQ(nab_probation(1127), 169);
	CHECK_EQ(nab_probation(4032), 604);
	CHECK_EQ(nab_probation(5000), 750);
	CHECK_EQ(nab_probation(22695), 750);
	CHECK_EQ(nab_probation(0), 0);
}

TEST(nab_sigmoid_shape)
{
	CHECK(NEAR(nab_sigmoid(0), 0));
	CHECK(NEAR(nab_sigmoid(-1), 2 / (1 + exp(-5.0)) - 1));
	CHECK(nab_sigmoid(0.5) < 0);
	CHECK(NEAR(nab_sigmoid(3.0), 2 / (1 + exp(15.0)) - 1));
	CHECK(nab_sigmoid(3.01) == -1);
}

TEST(nab_row_values_inside_before_and_after_windows)
{
	struct nab_window w[2] = {{10, 14}, {30, 31}};
	double u[40];
	int32_t id[40];

	CHECK_EQ(nab_row_values(40, w, 2, u, id), 0);
	CHECK(u[0] == -1 && id[0] == -1);
	CHECK(u[9] == -1 && id[9] == -1);
	/* Left edge is worth exactly one TP, the right edge about 0.2. */
	CHECK(NEAR(u[10], 1.0) && id[10] == 0);
	CHECK(NEAR(u[14], nab_sigmoid(-0.2) / nab_sigmoid(-1)) && id[14] == 0);
	CHECK(u[11] < u[10] && u[12] < u[11]);
	/* After a window: S(|i - R| / (W - 1)), from the preceding window. */
	CHECK(NEAR(u[15], nab_sigmoid(1.0 / 4)) && id[15] == -1);
	CHECK(NEAR(u[29], nab_sigmoid(15.0 / 4)));
	CHECK(NEAR(u[30], 1.0) && id[30] == 1);
	CHECK(NEAR(u[32], nab_sigmoid(1.0)));
}

TEST(nab_row_values_rejects_bad_windows)
{
	struct nab_window over[2] = {{10, 14}, {14, 20}};
	struct nab_window back[1] = {{5, 4}};
	struct nab_window out[1] = {{5, 40}};
	double u[40];
	int32_t id[40];

	CHECK_EQ(nab_row_values(40, over, 2, u, id), VIGIL_EINVAL);
	CHECK_EQ(nab_row_values(40, back, 1, u, id), VIGIL_EINVAL);
	CHECK_EQ(nab_row_values(40, out, 1, u, id), VIGIL_EINVAL);
}

TEST(nab_sort_rows_descending)
{
	struct nab_row r[7] = {
	    {0.3, 0, -1}, {0.9, 0, -1}, {0.1, 0, -1}, {0.9, 0, -1},
	    {0.5, 0, -1}, {0.0, 0, -1}, {0.7, 0, -1},
	};

	nab_sort_rows(r, 7);
	for (int i = 1; i < 7; i++)
		CHECK(r[i - 1].score >= r[i].score);
	CHECK(r[0].score == 0.9 && r[6].score == 0.0);
	nab_sort_rows(r, 0);
	nab_sort_rows(r, 1);
}

TEST(nab_sweep_best_threshold_counts_tp_fp_fn)
{
	/* Two windows.  Window 0 caught early (u 1.0) at 0.8 and late at
	 * 0.6; window 1 only at 0.2; one FP at 0.5 (full -1). */
	struct nab_row r[5] = {
	    {0.8, 1.0, 0}, {0.6, 0.3, 0}, {0.5, -1.0, -1},
	    {0.2, 0.9, 1}, {0.0, -1.0, -1},
	};
	const struct nab_profile *p = &nab_profiles[0];
	double best[2], thr, raw;

	nab_sort_rows(r, 5);
	CHECK_EQ(nab_sweep(r, 5, 2, p, best, &thr, &raw), 0);
	/* At 0.2: 1.0 + 0.9 - 0.11 = 1.79; at 0.8: 1.0 - 1 = 0. */
	CHECK(thr == 0.2);
	CHECK(NEAR(raw, 1.79));
	CHECK_EQ(nab_score_at(r, 5, 2, p, 0.8, best, &raw), 0);
	CHECK(NEAR(raw, 0.0));
	CHECK_EQ(nab_score_at(r, 5, 2, p, 1.1, best, &raw), 0);
	CHECK(NEAR(raw, -2.0));
	/* Low-FN profile doubles the miss. */
	CHECK_EQ(nab_score_at(r, 5, 2, &nab_profiles[2], 1.1, best, &raw), 0);
	CHECK(NEAR(raw, -4.0));
}

TEST(nab_sweep_tie_keeps_higher_threshold)
{
	/* Lowering the threshold from 0.9 to 0.4 adds one row outside any
	 * window whose value is 0 (right after a window): same total. */
	struct nab_row r[2] = {{0.4, 0.0, -1}, {0.9, 1.0, 0}};
	double best[1], thr, raw;

	nab_sort_rows(r, 2);
	CHECK_EQ(nab_sweep(r, 2, 1, &nab_profiles[0], best, &thr, &raw), 0);
	CHECK(thr == 0.9);
	CHECK(NEAR(raw, 1.0));
}

TEST(nab_sweep_rejects_unknown_window)
{
	struct nab_row r[1] = {{0.5, 1.0, 3}};
	double best[2], thr, raw;

	CHECK_EQ(nab_sweep(r, 1, 2, &nab_profiles[0], best, &thr, &raw),
	    VIGIL_EINVAL);
}

TEST(nab_normalise_null_and_perfect)
{
	const struct nab_profile *s = &nab_profiles[0], *fn = &nab_profiles[2];

	CHECK(NEAR(nab_normalise(-116, 116, s), 0));
	CHECK(NEAR(nab_normalise(116, 116, s), 100));
	CHECK(fabs(nab_normalise(57.66075157860638, 116, s) - 74.8538) < 1e-4);
	CHECK(NEAR(nab_normalise(-232, 116, fn), 0));
	CHECK(NEAR(nab_normalise(116, 116, fn), 100));
}
