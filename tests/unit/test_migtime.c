/* test_migtime.c - migration-time estimates: the least-squares fit, the
 * stored models, link scaling, the upper estimate and evacuation. */
#include <math.h>

#include "unit.h"
#include "../../core/err.h"
#include "../../core/migtime.h"

#define NEAR(a, b, eps) (fabs((double)(a) - (double)(b)) <= (eps))

TEST(migtime_fit_recovers_an_exact_line)
{
	struct migtime_fit f;
	struct migtime_model m;

	migtime_fit_init(&f);
	for (int mib = 1024; mib <= 8192; mib *= 2)
		migtime_fit_add(&f, mib, 5000 + 2.5 * mib, 100, 900);
	CHECK_EQ(migtime_fit_done(&f, &m), 0);
	CHECK_EQ(m.n, 4);
	CHECK(NEAR(m.a_ms, 5000, 1e-6));
	CHECK(NEAR(m.b_ms_per_mib, 2.5, 1e-9));
	CHECK(NEAR(m.s_ms, 0, 1e-6));
	CHECK(NEAR(m.r2, 1, 1e-12));
	CHECK(NEAR(m.fixed_ms, 100, 1e-9));
	CHECK(NEAR(m.ref_mbps, 900, 1e-9));
}

TEST(migtime_fit_residuals_and_r2)
{
	/* y = 10 + x with residuals +1, -1, -1, +1: slope 1, intercept 10,
	 * SSE 4, s = sqrt(4 / 2), R^2 = 1 - 4 / SST. */
	static const double x[4] = {0, 1, 2, 3}, e[4] = {1, -1, -1, 1};
	struct migtime_fit f;
	struct migtime_model m;
	double sst = 0, my = 0;

	migtime_fit_init(&f);
	for (int i = 0; i < 4; i++) {
		migtime_fit_add(&f, x[i], 10 + x[i] + e[i], 0, 1);
		my += (10 + x[i] + e[i]) / 4;
	}
	for (int i = 0; i < 4; i++)
		sst += (10 + x[i] + e[i] - my) * (10 + x[i] + e[i] - my);
	CHECK_EQ(migtime_fit_done(&f, &m), 0);
	CHECK(NEAR(m.b_ms_per_mib, 1, 1e-12));
	CHECK(NEAR(m.a_ms, 10, 1e-12));
	CHECK(NEAR(m.s_ms, sqrt(2.0), 1e-12));
	CHECK(NEAR(m.r2, 1 - 4 / sst, 1e-12));
}

TEST(migtime_fit_refuses_too_few_or_one_size)
{
	struct migtime_fit f;
	struct migtime_model m;

	migtime_fit_init(&f);
	migtime_fit_add(&f, 1024, 10000, 0, 900);
	migtime_fit_add(&f, 2048, 20000, 0, 900);
	CHECK_EQ(migtime_fit_done(&f, &m), VIGIL_EINVAL);
	CHECK_EQ(m.n, 0);
	migtime_fit_init(&f);
	for (int i = 0; i < 5; i++)
		migtime_fit_add(&f, 4096, 10000 + i, 0, 900);
	CHECK_EQ(migtime_fit_done(&f, &m), VIGIL_EINVAL);
}

TEST(migtime_stored_models_are_sane)
{
	for (int k = 0; k < MIGTIME_NMODES; k++) {
		const struct migtime_model *m = migtime_default(k);
		CHECK(m != NULL);
		CHECK(migtime_mode_name(k) != NULL);
		CHECK(m->n >= 28);
		CHECK(m->a_ms > 0 && m->b_ms_per_mib > 0 && m->s_ms > 0);
		CHECK(m->r2 > 0 && m->r2 < 1);
		CHECK(m->fixed_ms > 0 && m->fixed_ms < m->a_ms);
		CHECK(m->ref_mbps > 800 && m->ref_mbps < 1000);
	}
	CHECK(migtime_default(MIGTIME_NMODES) == NULL);
	CHECK(migtime_default((enum migtime_mode)-1) == NULL);
	CHECK(migtime_mode_name(MIGTIME_NMODES) == NULL);
	/* Measured: post-copy beat pre-copy at every size. */
	CHECK(migtime_estimate_ms(MIGTIME_POSTCOPY, 8192, 0, 0) <
	    migtime_estimate_ms(MIGTIME_PRECOPY, 8192, 0, 0));
}

TEST(migtime_estimate_is_the_line_rounded_up)
{
	const struct migtime_model *m = migtime_default(MIGTIME_PRECOPY);
	double line = m->a_ms + m->b_ms_per_mib * 8192;
	uint64_t t = migtime_estimate_ms(MIGTIME_PRECOPY, 8192, 0, 0);

	CHECK(t >= line && t < line + 1);
	uint64_t u = migtime_estimate_ms(MIGTIME_PRECOPY, 8192, 0, 1);
	CHECK(u >= line + MIGTIME_UPPER_K * m->s_ms &&
	    u < line + MIGTIME_UPPER_K * m->s_ms + 1);
	/* Grows with memory. */
	CHECK(migtime_estimate_ms(MIGTIME_PRECOPY, 16384, 0, 0) > t);
	/* Bad mode: 0. */
	CHECK_EQ(migtime_estimate_ms(MIGTIME_NMODES, 8192, 0, 0), 0);
	CHECK_EQ(migtime_model_ms(NULL, 8192, 0, 0), 0);
}

TEST(migtime_link_scales_the_transfer_part_only)
{
	struct migtime_model m = {1000, 1, 10, 0.9, 100, 1000, 30};

	/* 1000 + 1024 = 2024 ms at 1000 Mbit/s: 100 fixed + 1924 moving. */
	CHECK_EQ(migtime_model_ms(&m, 1024, 0, 0), 2024);
	CHECK_EQ(migtime_model_ms(&m, 1024, 1000, 0), 2024);
	CHECK_EQ(migtime_model_ms(&m, 1024, 10000, 0), 100 + 193); /* 192.4 */
	CHECK_EQ(migtime_model_ms(&m, 1024, 500, 0), 100 + 3848);
	/* The upper estimate adds K residual errors before scaling. */
	CHECK_EQ(migtime_model_ms(&m, 1024, 500, 1),
	    100 + (uint64_t)ceil((1924 + MIGTIME_UPPER_K * 10) * 2));
}

TEST(migtime_evacuate_adds_transfers_and_one_fixed_part_per_wave)
{
	struct migtime_model m = {1000, 1, 10, 0.9, 100, 1000, 30};
	const uint32_t vm[4] = {1024, 1024, 1024, 1024};

	/* Each VM moves 1924 ms of data; the link carries them one after
	 * the other whatever the parallelism. */
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 1, 2, 0, 0), 2024);
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 4, 1, 0, 0), 4 * 2024);
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 4, 2, 0, 0),
	    4 * 1924 + 2 * 100);
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 4, 4, 0, 0), 4 * 1924 + 100);
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 3, 2, 0, 0),
	    3 * 1924 + 2 * 100);
	/* 0 means the default cap (2). */
	CHECK_EQ(migtime_model_evacuate_ms(&m, vm, 4, 0, 0, 0),
	    migtime_model_evacuate_ms(&m, vm, 4, MIGTIME_PARALLEL_DEFAULT, 0,
	        0));
	/* Never faster than the slowest VM alone, never slower than one by
	 * one. */
	uint64_t e = migtime_evacuate_ms(vm, 4, 2, MIGTIME_PRECOPY, 0, 0);
	uint64_t one = migtime_estimate_ms(MIGTIME_PRECOPY, 1024, 0, 0);
	CHECK(e >= one && e <= 4 * one);
	CHECK_EQ(migtime_evacuate_ms(vm, 0, 2, MIGTIME_PRECOPY, 0, 0), 0);
	CHECK_EQ(migtime_evacuate_ms(NULL, 4, 2, MIGTIME_PRECOPY, 0, 0), 0);
	CHECK_EQ(migtime_evacuate_ms(vm, 4, 2, MIGTIME_NMODES, 0, 0), 0);
}
