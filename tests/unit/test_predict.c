/* test_predict.c - per-host features, novelty and health. */
#include <math.h>

#include "unit.h"
#include "../../core/err.h"
#include "../../core/features.h"
#include "../../core/predict.h"

static struct predict p;
static struct features_host fh;

#define KERN 0
#define DAEMON 3
#define INFO 6

static void
setup(void (*tweak)(struct predict_cfg *))
{
	struct predict_cfg c;
	predict_cfg_default(&c);
	c.learn_ms = 0; /* most tests watch a host that is already known */
	if (tweak)
		tweak(&c);
	CHECK_EQ(predict_init(&p, &c, 2), 0);
}

static void
learn_one_hour(struct predict_cfg *c)
{
	c->learn_ms = 3600000;
}

TEST(predict_new_host_is_never_more_than_suspect_while_learning)
{
	struct predict_event ev;
	setup(learn_one_hour);
	double s = predict_observe(&p, 0, 1, KERN, INFO, 1000, &ev);
	CHECK(s <= p.cfg.t_suspect);
	CHECK_EQ(p.h[0].state, HEALTH_SUSPECT);
	/* A long silence teaches nothing: one window's worth at most. */
	s = predict_observe(&p, 0, 2, KERN, INFO, 3600000, &ev);
	CHECK(s <= p.cfg.t_suspect);
	/* An hour of watched traffic, then a new kernel template alarms. */
	int64_t t = 3600000;
	for (int i = 0; i < 120; i++)
		predict_observe(&p, 0, 2, KERN, INFO, t += 30000, &ev);
	s = predict_observe(&p, 0, 3, KERN, INFO, t + 1000, &ev);
	CHECK(s >= p.cfg.t_severe);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
}

TEST(features_novelty_per_host_and_per_slot_generation)
{
	double v[VIGIL_FEAT_DIM];
	int closed;
	features_reset(&fh);
	CHECK_EQ(features_observe(&fh, 60000, 5, DAEMON, INFO, 0, v, &closed), 1);
	CHECK_EQ(closed, 0);
	CHECK_EQ(features_observe(&fh, 60000, 5, DAEMON, INFO, 10, v, &closed), 0);
	/* The miner reused slot 5 for another template: a new id, new here. */
	int32_t reused = 5 + VIGIL_DRAIN_MAX_TEMPLATES;
	CHECK_EQ(features_observe(&fh, 60000, reused, DAEMON, INFO, 20, v,
	    &closed), 1);
	/* No template, or the miner's overflow id: never novel. */
	CHECK_EQ(features_observe(&fh, 60000, -1, DAEMON, INFO, 30, v, &closed), 0);
	CHECK_EQ(features_observe(&fh, 60000, INT32_MAX, DAEMON, INFO, 40, v,
	    &closed), 0);
	CHECK_EQ(fh.novel, 2);
}

TEST(features_window_vector_in_unit_range)
{
	double v[VIGIL_FEAT_DIM];
	int closed;
	features_reset(&fh);
	for (int i = 0; i < 10; i++)
		features_observe(&fh, 1000, i % 3, i < 4 ? KERN : DAEMON,
		    i < 2 ? 3 : INFO, i * 10, v, &closed);
	CHECK_EQ(closed, 0);
	/* The next message, past the window, closes it. */
	features_observe(&fh, 1000, 1, DAEMON, INFO, 1500, v, &closed);
	CHECK_EQ(closed, 1);
	for (int i = 0; i < VIGIL_FEAT_DIM; i++)
		CHECK(v[i] >= 0 && v[i] <= 1);
	CHECK(fabs(v[1] - 0.3) < 1e-9);  /* 3 new of 10 */
	CHECK(fabs(v[2] - 0.4) < 1e-9);  /* 4 kernel */
	CHECK(fabs(v[3] - 0.2) < 1e-9);  /* 2 errors */
	CHECK(fabs(v[5] - 0.3) < 1e-9);  /* 3 distinct */
	/* Time going backwards restarts the window, never stalls it. */
	features_observe(&fh, 1000, 1, DAEMON, INFO, 100, v, &closed);
	CHECK_EQ(closed, 0);
	features_observe(&fh, 1000, 1, DAEMON, INFO, 1200, v, &closed);
	CHECK_EQ(closed, 1);
}

TEST(predict_kernel_novelty_is_severe_other_is_suspect)
{
	struct predict_event ev;
	setup(NULL);
	double s = predict_observe(&p, 0, 1, DAEMON, INFO, 1000, &ev);
	CHECK(fabs(s - p.cfg.w_other) < 1e-9);
	CHECK_EQ(ev.changed, 1);
	CHECK_EQ(ev.to, HEALTH_SUSPECT);
	s = predict_observe(&p, 0, 2, KERN, INFO, 2000, &ev);
	CHECK(s >= p.cfg.t_severe);
	CHECK_EQ(ev.to, HEALTH_SEVERE);
	CHECK_EQ(p.h[0].alarms, 1);
	/* The other host is untouched. */
	CHECK_EQ(p.h[1].state, HEALTH_HEALTHY);
	/* Seen again: no new evidence, the score decays. */
	s = predict_observe(&p, 0, 2, KERN, INFO, 2000 + 300000, &ev);
	CHECK(fabs(s - exp(-1.0)) < 1e-6);
	/* Reasons, newest last in the ring. */
	CHECK_EQ(p.h[0].nreasons, 2);
	CHECK_EQ(p.h[0].reason[1].tid, 2);
}

TEST(predict_hysteresis_holds_then_steps_down)
{
	struct predict_event ev;
	setup(NULL);
	predict_observe(&p, 0, 1, KERN, INFO, 0, &ev);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
	/* Long after the evidence decayed, still held until hold_ms. */
	predict_tick(&p, 0, p.cfg.hold_ms - 1, &ev);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
	predict_tick(&p, 0, p.cfg.hold_ms + 1, &ev);
	CHECK_EQ(ev.changed, 1);
	CHECK_EQ(ev.to, HEALTH_HEALTHY);
}

static void
two_strikes(struct predict_cfg *c)
{
	c->strikes = 2;
	c->strike_window_ms = 60000;
}

TEST(predict_n_strikes_confirm_severe)
{
	struct predict_event ev;
	setup(two_strikes);
	double s = predict_observe(&p, 0, 1, KERN, INFO, 0, &ev);
	CHECK(s < p.cfg.t_severe); /* unconfirmed: held below */
	CHECK_EQ(ev.to, HEALTH_MODERATE);
	/* A second strike outside the window does not confirm. */
	predict_observe(&p, 0, 2, KERN, INFO, 120000, &ev);
	CHECK_EQ(p.h[0].state, HEALTH_MODERATE);
	/* A third within the window of the second does. */
	s = predict_observe(&p, 0, 3, KERN, INFO, 150000, &ev);
	CHECK(s >= p.cfg.t_severe);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
}

TEST(predict_many_strikes_wrap_the_ring)
{
	setup(NULL);
	for (int i = 0; i < 3 * VIGIL_PREDICT_MAX_STRIKES; i++)
		predict_observe(&p, 1, i, KERN, INFO, i * 1000, NULL);
	CHECK_EQ(p.h[1].nstrikes, 3 * VIGIL_PREDICT_MAX_STRIKES);
	CHECK_EQ(p.h[1].state, HEALTH_SEVERE);
	CHECK(p.h[1].nreasons > VIGIL_PREDICT_REASONS);
}

TEST(predict_cfg_set_and_check)
{
	struct predict_cfg c;
	predict_cfg_default(&c);
	CHECK_EQ(predict_cfg_check(&c), 0);
	CHECK_EQ(predict_cfg_set(&c, "w_other", 7, "0.25", 4), 0);
	CHECK(fabs(c.w_other - 0.25) < 1e-12);
	CHECK_EQ(predict_cfg_set(&c, "hold_s", 6, "1.5e3", 5), 0);
	CHECK_EQ(c.hold_ms, 1500000);
	CHECK_EQ(predict_cfg_set(&c, "strikes", 7, "2", 1), 0);
	CHECK_EQ(c.strikes, 2);
	CHECK_EQ(predict_cfg_set(&c, "strikes", 7, "2.5", 3), VIGIL_EINVAL);
	CHECK_EQ(predict_cfg_set(&c, "nope", 4, "1", 1), VIGIL_ENOENT);
	const char *bad[] = {"", "-1", "1..2", "1e", "x", "1.0x", ".", "1e999",
	    "1e99999", "9999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(predict_cfg_set(&c, "tau_s", 5, bad[i], strlen(bad[i])),
		    VIGIL_EINVAL);
	predict_cfg_default(&c);
	c.t_moderate = 0.9; /* above severe */
	CHECK_EQ(predict_cfg_check(&c), VIGIL_EINVAL);
	predict_cfg_default(&c);
	c.strikes = VIGIL_PREDICT_MAX_STRIKES + 1;
	CHECK_EQ(predict_cfg_check(&c), VIGIL_EINVAL);
	CHECK_EQ(predict_init(&p, &c, 1), VIGIL_EINVAL);
	predict_cfg_default(&c);
	CHECK_EQ(predict_init(&p, &c, VIGIL_MAX_HOSTS + 1), VIGIL_EINVAL);
}

TEST(predict_art_evidence_is_bounded_by_its_weight)
{
	struct predict_cfg c;
	predict_cfg_default(&c);
	c.learn_ms = 0;
	c.w_art = 0.4;
	c.w_kern = c.w_other = 0;
	CHECK_EQ(predict_init(&p, &c, 1), 0);
	/* A long steady stream, then a burst: ART may raise the score but
	 * never above its weight. */
	for (int64_t t = 0; t < 400LL * 60000; t += 1000)
		predict_observe(&p, 0, (int32_t)(t / 1000 % 5), DAEMON, INFO, t,
		    NULL);
	for (int64_t t = 400LL * 60000; t < 420LL * 60000; t += 10)
		CHECK(predict_observe(&p, 0, (int32_t)(t % 4000), DAEMON, 2, t,
		    NULL) <= 0.4 + 1e-9);
}

TEST(predict_clock_going_back_holds_nothing_from_the_future)
{
	struct predict_event ev;
	setup(NULL);
	predict_observe(&p, 0, 1, KERN, INFO, 10000000, &ev);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
	/* A day earlier: the hold counts from now, not from "later". */
	predict_observe(&p, 0, 1, DAEMON, INFO, 10000000 - 86400000, &ev);
	CHECK_EQ(p.h[0].state, HEALTH_SEVERE);
	predict_tick(&p, 0, 10000000 - 86400000 + p.cfg.hold_ms + 1000, &ev);
	CHECK_EQ(ev.to, HEALTH_HEALTHY);
}
