/* test_policy.c - the rack policy: evacuation order, target choice,
 * quarantine, caps, cool-down, circuit breaker, modes, hostile names and
 * full tables.  Written against the limit macros so it passes with the
 * default and the tiny limits (tiny: 2 hosts, 3 VMs per host, 2 job slots,
 * 1 recommendation, 4 decisions); the few rules that need three hosts
 * are checked only where there are three. */
#include "unit.h"

#include <stdint.h>

#include "../../core/err.h"
#include "../../core/policy.h"

#define GIB 1048576ull /* KiB */
#define NH (VIGIL_MAX_HOSTS < 4 ? VIGIL_MAX_HOSTS : 4)
#define MAXC 16

static struct policy p;
static struct policy_cmd cmd[MAXC];

static struct policy_cfg
cfg(void)
{
	struct policy_cfg c;
	policy_cfg_default(&c);
	c.max_per_host = 2;
	c.max_per_rack = VIGIL_MAX_JOBS < 4 ? VIGIL_MAX_JOBS : 4;
	c.cooldown_ms = 60000;
	c.rec_ttl_ms = 100000;
	c.breaker_n = 2;
	c.headroom_kib = GIB;
	return c;
}

static void
init(const struct policy_cfg *c)
{
	CHECK_EQ(policy_init(&p, c, NH), 0);
	for (uint32_t h = 0; h < NH; h++)
		CHECK_EQ(policy_set_free(&p, h, 0, 0), 0);
}

/* Host h runs VMs named names[i] of gib[i] GiB (gib 0: no dominfo yet). */
static void
inv(uint32_t h, const char *const *names, const uint64_t *gib, uint32_t n,
    uint64_t now)
{
	struct virsh_list l;
	memset(&l, 0, sizeof(l));
	for (uint32_t i = 0; i < n; i++) {
		if (l.n == VIGIL_MAX_VMS) {
			l.dropped++;
			continue;
		}
		struct virsh_dom *d = &l.dom[l.n++];
		strcpy(d->name, names[i]);
		d->id = (int32_t)i + 1;
		d->state = VIRSH_ST_RUNNING;
		d->has_info = gib[i] != 0;
		d->max_kib = gib[i] * GIB;
		d->used_kib = gib[i] * GIB;
		d->vcpus = 1;
	}
	CHECK_EQ(policy_set_inventory(&p, h, &l, now), 0);
}

static int
step(uint64_t now)
{
	int n = policy_step(&p, now, NULL, NULL, cmd, MAXC);
	CHECK(n >= 0);
	return n;
}

/* The newest decision of this kind, or NULL. */
static const struct policy_decision *
last_of(int kind)
{
	const struct policy_decision *d;
	for (uint32_t i = 0; (d = policy_decision_at(&p, i)) != NULL; i++)
		if (d->kind == kind)
			return d;
	return NULL;
}

static uint32_t
count_of(int kind)
{
	const struct policy_decision *d;
	uint32_t n = 0;
	for (uint32_t i = 0; (d = policy_decision_at(&p, i)) != NULL; i++)
		n += d->kind == kind;
	return n;
}

/* s starts with want, or with as much of it as VIGIL_MAX_REASON kept. */
static int
starts(const char *s, const char *want)
{
	size_t n = strlen(s), w = strlen(want);
	if (n == VIGIL_MAX_REASON - 1 && n < w)
		w = n;
	return strncmp(s, want, w) == 0;
}

static const char *const abc[] = {"vm-a", "vm-b", "vm-c"};
static const uint64_t abc_gib[] = {4, 1, 2};

TEST(policy_severe_evacuates_smallest_first)
{
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, abc, abc_gib, 3, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	CHECK_EQ(step(0), 0); /* all healthy: nothing */
	CHECK_EQ(policy_set_health(&p, 0, HEALTH_SEVERE, 0, 1000), 0);
	int n = step(1000);
	/* Host cap 2: vm-b (1 GiB) then vm-c (2 GiB). */
	CHECK_EQ(n, 2);
	CHECK_STR(cmd[0].dom, "vm-b");
	CHECK_EQ(cmd[0].src, 0);
	CHECK(cmd[0].dst != 0);
	CHECK(cmd[0].slot != cmd[1].slot);
	CHECK_STR(cmd[1].dom, "vm-c");
	CHECK_EQ(cmd[0].mem_kib, 1 * GIB);
	CHECK_EQ(cmd[0].est_ms, 5000 + 1250);
	CHECK(p.h[0].quarantined);
	const struct policy_decision *d = last_of(POLICY_D_MIGRATE);
	CHECK(d != NULL);
	CHECK(starts(d->reason, "evacuate: est "));
	CHECK(last_of(POLICY_D_QUARANTINE) != NULL);
	/* Nothing more while both are in flight. */
	CHECK_EQ(step(2000), 0);
	CHECK_EQ(p.st.cap_host, 2);
	CHECK_EQ(count_of(POLICY_D_BLOCKED), 1);
	/* vm-b lands: vm-a goes next, and vm-b is not moved again. */
	CHECK_EQ(policy_job_end(&p, cmd[0].slot, 1, NULL, 20000), 0);
	CHECK_EQ(p.h[0].inv.n, 2);
	n = step(20000);
	CHECK_EQ(n, 1);
	CHECK_STR(cmd[0].dom, "vm-a");
	CHECK_EQ(p.st.started, 3);
	CHECK_EQ(p.st.done, 1);
	CHECK(starts(last_of(POLICY_D_DONE)->reason, "moved in 19.0 s"));
}

TEST(policy_quarantined_host_is_never_a_target)
{
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, abc, abc_gib, 1, 0);
	policy_set_free(&p, 1, 512 * GIB, 0); /* the moderate one: roomy */
	for (uint32_t h = 2; h < NH; h++)
		policy_set_free(&p, h, 2 * GIB, 0); /* healthy, too small */
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	policy_set_health(&p, 1, HEALTH_MODERATE, 0, 0);
	CHECK_EQ(step(0), 0);
	CHECK(p.h[1].quarantined);
	CHECK_EQ(count_of(POLICY_D_QUARANTINE), 2);
	CHECK(p.st.no_target > 0);
	const struct policy_decision *d = last_of(POLICY_D_BLOCKED);
	CHECK(d != NULL);
	CHECK(starts(d->reason, "no healthy target with room"));
	/* A suspect host is no target either. */
	policy_set_health(&p, 1, HEALTH_SUSPECT, 0, 1000);
	CHECK_EQ(step(1000), 0);
	CHECK(!p.h[1].quarantined);
	CHECK(last_of(POLICY_D_RELEASE) != NULL);
	/* Healthy again, but cooling down after its quarantine. */
	policy_set_health(&p, 1, HEALTH_HEALTHY, 0, 2000);
	CHECK_EQ(step(2000), 0);
	CHECK_EQ(step(60999), 0);
	CHECK_EQ(step(61000), 1);
	CHECK_EQ(cmd[0].dst, 1);
}

TEST(policy_target_room_counts_flights_and_landings)
{
	static const char *const two[] = {"big1", "big2"};
	static const uint64_t four[] = {4, 4};
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, two, four, 2, 0);
	/* 8 GiB free: the first 4 GiB VM leaves 4 < 4 + 1 headroom. */
	policy_set_free(&p, 1, 8 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 1);
	CHECK_STR(cmd[0].dom, "big1");
	CHECK_EQ(p.st.no_target, 1);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason,
	    "no healthy target with room; MiB needed: 5120"));
	/* Landed, but no new free reading: still counted as used. */
	CHECK_EQ(policy_job_end(&p, cmd[0].slot, 1, NULL, 10000), 0);
	CHECK_EQ(p.h[1].landed_kib, 4 * GIB);
	CHECK_EQ(step(10000), 0);
	/* Blocked again: logged once after the change (the job's end), not
	 * on every step. */
	CHECK_EQ(step(10500), 0);
	CHECK_EQ(count_of(POLICY_D_BLOCKED), 2);
	CHECK_EQ(p.st.no_target, 3);
	/* A fresh reading replaces the estimate. */
	policy_set_free(&p, 1, 9 * GIB, 11000);
	CHECK_EQ(p.h[1].landed_kib, 0);
	CHECK_EQ(step(11000), 1);
	CHECK_STR(cmd[0].dom, "big2");
}

TEST(policy_target_with_fewest_in_flight)
{
	if (VIGIL_MAX_HOSTS < 3 || VIGIL_MAX_JOBS < 2)
		return; /* needs two targets and two flights */
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, abc, abc_gib, 2, 0);
	policy_set_free(&p, 1, 100 * GIB, 0);
	policy_set_free(&p, 2, 50 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 2);
	/* Most room first, then the one with fewer in flight. */
	CHECK_EQ(cmd[0].dst, 1);
	CHECK_EQ(cmd[1].dst, 2);
}

TEST(policy_host_cap)
{
	struct policy_cfg c = cfg();
	c.max_per_host = 1;
	init(&c);
	inv(0, abc, abc_gib, 3, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 1);
	CHECK_EQ(step(1), 0);
	CHECK_EQ(p.st.cap_host, 2);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason, "host cap reached"));
	CHECK_EQ(count_of(POLICY_D_BLOCKED), 1);
}

TEST(policy_rack_cap)
{
	if (VIGIL_MAX_HOSTS < 3 || VIGIL_MAX_JOBS < 3)
		return; /* needs two sources, a target and three slots */
	struct policy_cfg c = cfg();
	c.max_per_rack = 3;
	init(&c);
	inv(0, abc, abc_gib, 3, 0);
	static const char *const xyz[] = {"vm-x", "vm-y", "vm-z"};
	inv(1, xyz, abc_gib, 3, 0);
	policy_set_free(&p, 2, 256 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	policy_set_health(&p, 1, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 3);
	CHECK_EQ(p.st.cap_rack, 1);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason, "rack cap reached"));
}

TEST(policy_rack_cap_fills_job_slots)
{
	/* Rack cap = every job slot: VMs past it wait. */
	static const char *const many[] = {"m1", "m2", "m3"};
	static const uint64_t one[] = {1, 1, 1};
	struct policy_cfg c = cfg();
	c.max_per_rack = VIGIL_MAX_JOBS;
	c.max_per_host = VIGIL_MAX_JOBS;
	init(&c);
	inv(0, many, one, 3, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	uint32_t vms = VIGIL_MAX_VMS < 3 ? VIGIL_MAX_VMS : 3;
	uint32_t want = vms < VIGIL_MAX_JOBS ? vms : VIGIL_MAX_JOBS;
	/* A caller's out array of one gets one command per step. */
	for (uint32_t i = 0; i < want; i++) {
		CHECK_EQ(policy_step(&p, i, NULL, NULL, &cmd[i], 1), 1);
		CHECK_EQ(cmd[i].slot, i);
	}
	CHECK_EQ(step(want), 0);
	CHECK_EQ(p.st.flights_hwm, want);
	CHECK_EQ(policy_job_end(&p, cmd[0].slot, 0, "x", 100), 0);
	CHECK_EQ(policy_job_end(&p, cmd[0].slot, 0, "x", 100), VIGIL_ENOENT);
}

TEST(policy_cooldown_after_failure)
{
	struct policy_cfg c = cfg();
	c.max_per_host = 1;
	init(&c);
	inv(0, abc, abc_gib, 1, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 1);
	CHECK_EQ(policy_job_end(&p, cmd[0].slot, 0,
	             "aborted (no progress): operation aborted", 5000),
	    0);
	CHECK_EQ(p.st.failed, 1);
	const struct policy_decision *d = last_of(POLICY_D_FAILED);
	CHECK(d != NULL);
	CHECK(starts(d->reason, "not moved, both hosts cool down: aborted"));
	/* The VM is still on the source, but the path rests. */
	CHECK_EQ(p.h[0].inv.n, 1);
	CHECK_EQ(step(6000), 0);
	CHECK_EQ(step(64999), 0);
	CHECK(p.st.cooldown >= 2);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason, "cooling down"));
	CHECK_EQ(step(65000), 1);
	CHECK_STR(cmd[0].dom, "vm-a");
}

TEST(policy_circuit_breaker)
{
	struct policy_cfg c = cfg();
	c.breaker_n = 1;
	init(&c);
	inv(0, abc, abc_gib, 1, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	policy_set_health(&p, 1, HEALTH_MODERATE, 0, 0);
	CHECK_EQ(step(0), 0);
	CHECK_EQ(step(1000), 0);
	CHECK(p.breaker_open);
	CHECK_EQ(p.st.breaker_trips, 1);
	CHECK_EQ(count_of(POLICY_D_BREAKER_OPEN), 1);
	const struct policy_decision *d = last_of(POLICY_D_BREAKER_OPEN);
	CHECK(starts(d->reason, "2 hosts moderate or severe at once (limit 1)"));
	CHECK_EQ(d->src, POLICY_NOHOST);
	/* Acting on none: not even quarantine. */
	CHECK(!p.h[0].quarantined && !p.h[1].quarantined);
	CHECK_EQ(count_of(POLICY_D_QUARANTINE), 0);
	/* Host 1 recovers: the breaker closes and host 0 is evacuated to it
	 * (it was never quarantined, so it needs no cool-down). */
	policy_set_health(&p, 1, HEALTH_HEALTHY, 0, 2000);
	CHECK_EQ(step(2000), 1);
	CHECK(!p.breaker_open);
	CHECK(last_of(POLICY_D_BREAKER_CLOSE) != NULL);
	CHECK_EQ(cmd[0].dst, 1);
}

TEST(policy_manual_recommend_then_confirm)
{
	struct policy_cfg c = cfg();
	c.mode = POLICY_MANUAL;
	init(&c);
	inv(0, abc, abc_gib, 3, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 0);
	uint32_t want = VIGIL_MAX_RECS < 2 ? VIGIL_MAX_RECS : 2;
	CHECK_EQ(p.st.recs_made, want);
	const struct policy_decision *d = last_of(POLICY_D_RECOMMEND);
	CHECK(d != NULL);
	CHECK(d->rec != 0);
	CHECK(starts(d->reason, "recommend #"));
	uint32_t id = d->rec;
	const struct policy_rec *r = policy_rec_find(&p, id);
	CHECK(r != NULL);
	CHECK(!r->dry);
	char dom[VIGIL_MAX_DOMNAME + 1];
	strcpy(dom, r->dom);
	CHECK_STR(dom, d->vm);
	if (VIGIL_MAX_RECS < 2)
		CHECK_EQ(p.st.recs_full, 1);
	/* Nothing runs until confirmed; steps make no duplicates. */
	CHECK_EQ(step(1000), 0);
	CHECK_EQ(p.st.recs_made, want);
	struct policy_cmd one;
	CHECK_EQ(policy_confirm(&p, id, 2000, &one), 0);
	CHECK_STR(one.dom, dom);
	CHECK(policy_rec_find(&p, id) == NULL);
	CHECK_EQ(one.src, 0);
	CHECK_EQ(one.dst, 1);
	CHECK(last_of(POLICY_D_CONFIRM) != NULL);
	CHECK_EQ(p.st.recs_confirmed, 1);
	CHECK_EQ(policy_confirm(&p, id, 2000, &one), VIGIL_ENOENT);
	CHECK_EQ(policy_confirm(&p, 987654, 2000, &one), VIGIL_ENOENT);
	CHECK_EQ(policy_confirm(&p, 0, 2000, &one), VIGIL_ENOENT);
}

TEST(policy_manual_recommendation_expires_and_rechecks)
{
	struct policy_cfg c = cfg();
	c.mode = POLICY_MANUAL;
	init(&c);
	inv(0, abc, abc_gib, 1, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 0);
	uint32_t id = last_of(POLICY_D_RECOMMEND)->rec;
	struct policy_cmd one;
	/* Too late. */
	CHECK_EQ(policy_confirm(&p, id, 100000, &one), VIGIL_ENOENT);
	CHECK(starts(last_of(POLICY_D_EXPIRE)->reason, "recommendation #"));
	/* A new one, then the host recovers: it no longer applies. */
	CHECK_EQ(step(100000), 0);
	id = last_of(POLICY_D_RECOMMEND)->rec;
	policy_set_health(&p, 0, HEALTH_HEALTHY, 0, 100500);
	CHECK_EQ(policy_confirm(&p, id, 101000, &one), VIGIL_ENOENT);
	CHECK_EQ(p.st.recs_expired, 2);
	/* Breaker open: confirmation refused, the recommendation kept. */
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 102000);
	CHECK_EQ(step(200000), 0);
	id = last_of(POLICY_D_RECOMMEND)->rec;
	p.cfg.breaker_n = 0;
	CHECK_EQ(policy_confirm(&p, id, 200100, &one), VIGIL_EACCES);
	CHECK(policy_rec_find(&p, id) != NULL);
	p.cfg.breaker_n = 2;
	/* No target with room now: stays pending. */
	policy_set_free(&p, 1, 1 * GIB, 200200);
	CHECK_EQ(policy_confirm(&p, id, 200300, &one), VIGIL_ENOSPC);
	CHECK(policy_rec_find(&p, id) != NULL);
	policy_set_free(&p, 1, 64 * GIB, 200400);
	CHECK_EQ(policy_confirm(&p, id, 200500, &one), 0);
}

TEST(policy_dry_run_logs_once_and_runs_nothing)
{
	struct policy_cfg c = cfg();
	c.mode = POLICY_DRYRUN;
	init(&c);
	inv(0, abc, abc_gib, 1, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 0);
	const struct policy_decision *d = last_of(POLICY_D_DRYRUN);
	CHECK(d != NULL);
	CHECK(starts(d->reason, "dry-run would migrate vm-a to host 1: est "));
	CHECK_EQ(d->rec, 0);
	CHECK_EQ(d->dst, 1);
	uint32_t nd = p.nd;
	CHECK_EQ(step(1000), 0);
	CHECK_EQ(p.nd, nd);
	CHECK_EQ(p.st.started, 0);
	/* After the lifetime it is logged again. */
	CHECK_EQ(step(100000), 0);
	CHECK_EQ(p.nd, nd + 1);
	CHECK_EQ(last_of(POLICY_D_DRYRUN)->kind, POLICY_D_DRYRUN);
	/* A dry-run entry cannot be confirmed. */
	struct policy_cmd one;
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++)
		if (p.rec[r].id)
			CHECK_EQ(policy_confirm(&p, p.rec[r].id, 100001, &one),
			    VIGIL_EACCES);
}

TEST(policy_hostile_names_refused_counted_never_used)
{
	static const char text[] =
	    " Id   Name           State\n"
	    "----------------------------\n"
	    " 1    a;rm -rf x     running\n"
	    " 2    $(x)           running\n"
	    " 3    `x`            running\n"
	    " 4    a b            running\n"
	    " 5    -x             running\n"
	    " 6    h\xc3\xa9llo   running\n"
	    " 7    good           running\n";
	struct virsh_list l;
	CHECK_EQ(virsh_parse_list(text, strlen(text), &l), 0);
	CHECK_EQ(l.refused, 6);
	CHECK_EQ(l.n, 1);
	struct virsh_dominfo di;
	const char *info = "Name: good\nState: running\nMax memory: 1048576 KiB\n"
	                   "Used memory: 1048576 KiB\n";
	CHECK_EQ(virsh_parse_dominfo(info, strlen(info), &di), 0);
	CHECK_EQ(virsh_list_apply(&l, &di), 0);
	struct policy_cfg c = cfg();
	init(&c);
	CHECK_EQ(policy_set_inventory(&p, 0, &l, 0), 0);
	CHECK_EQ(p.st.names_refused, 6);
	const struct policy_decision *d = last_of(POLICY_D_REFUSED);
	CHECK(d != NULL);
	CHECK(starts(d->reason, "6 domain name(s) refused, never used; last: h"));
	CHECK(strchr(d->reason, '$') == NULL && strchr(d->reason, '`') == NULL);
	/* The same inventory again: counted, not logged again. */
	CHECK_EQ(policy_set_inventory(&p, 0, &l, 1000), 0);
	CHECK_EQ(p.st.names_refused, 12);
	CHECK_EQ(count_of(POLICY_D_REFUSED), 1);
	/* Only the good name ever reaches a command. */
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(2000), 1);
	CHECK_STR(cmd[0].dom, "good");
	/* A list not made by the parser is checked again. */
	struct virsh_list raw;
	memset(&raw, 0, sizeof(raw));
	strcpy(raw.dom[0].name, "$(x)");
	memset(raw.dom[1].name, 'a', sizeof(raw.dom[1].name)); /* no NUL */
	raw.n = VIGIL_MAX_VMS < 2 ? VIGIL_MAX_VMS : 2;
	CHECK_EQ(policy_set_inventory(&p, 1, &raw, 3000), 0);
	CHECK_EQ(p.h[1].inv.n, 0);
	CHECK_EQ(p.h[1].inv.refused, raw.n);
}

TEST(policy_reason_says_whether_it_fits_before_failure)
{
	static const char *const two[] = {"small", "huge"};
	static const uint64_t gib[] = {1, 8};
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, two, gib, 2, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	/* Failure predicted 10 s after the report. */
	policy_set_health(&p, 0, HEALTH_SEVERE, 10, 0);
	CHECK_EQ(step(0), 2);
	CHECK_STR(cmd[0].dom, "small");
	const struct policy_decision *d1 = policy_decision_at(&p, 1);
	const struct policy_decision *d0 = policy_decision_at(&p, 0);
	CHECK_STR(d1->vm, "small");
	CHECK(starts(d1->reason,
	    "evacuate: est 6.2 s, fits: done by 6.2 s of 10.0 s left"));
	CHECK_STR(d0->vm, "huge");
	CHECK(starts(d0->reason, "evacuate: est 15.0 s, may not finish: done "
	                         "by 15.0 s of 10.0 s left"));
}

static uint32_t
reverse_est(const struct virsh_dom *vm, void *ctx)
{
	(void)ctx;
	/* Bigger is faster here (a caller's model may say anything). */
	return (uint32_t)(100000 - vm->max_kib / 1024);
}

TEST(policy_uses_callers_estimate_and_orders_hosts_by_deadline)
{
	struct policy_cfg c = cfg();
	c.max_per_host = 1;
	init(&c);
	inv(0, abc, abc_gib, 3, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(policy_step(&p, 0, reverse_est, NULL, cmd, MAXC), 1);
	CHECK_STR(cmd[0].dom, "vm-a");
	CHECK_EQ(cmd[0].est_ms, 100000 - cmd[0].mem_kib / 1024);
	if (VIGIL_MAX_HOSTS < 3)
		return;
	/* Two severe hosts: the one failing sooner goes first. */
	init(&c);
	static const char *const xy[] = {"vm-x"};
	static const uint64_t g1[] = {1};
	inv(0, abc, abc_gib, 1, 0);
	inv(1, xy, g1, 1, 0);
	policy_set_free(&p, 2, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 600, 0);
	policy_set_health(&p, 1, HEALTH_SEVERE, 60, 0);
	CHECK_EQ(policy_step(&p, 0, NULL, NULL, cmd, 1), 1);
	CHECK_STR(cmd[0].dom, "vm-x");
	CHECK_EQ(policy_step(&p, 0, NULL, NULL, cmd, 1), 1);
	CHECK_STR(cmd[0].dom, "vm-a");
}

TEST(policy_memory_unknown_is_skipped)
{
	static const uint64_t unknown[] = {0};
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, abc, unknown, 1, 0);
	policy_set_free(&p, 1, 64 * GIB, 0);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 0);
	CHECK_EQ(p.st.mem_unknown, 1);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason, "memory not known yet"));
	/* No inventory at all is blocked too. */
	init(&c);
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 0);
	CHECK_EQ(step(0), 0);
	CHECK(starts(last_of(POLICY_D_BLOCKED)->reason, "no inventory yet"));
}

TEST(policy_decision_ring_overwrites_oldest)
{
	struct policy_cfg c = cfg();
	init(&c);
	/* Each health flip is a quarantine or release decision. */
	for (uint32_t i = 0; i < VIGIL_MAX_DECISIONS + 3; i++) {
		policy_set_health(&p, 0, i % 2 ? HEALTH_HEALTHY : HEALTH_MODERATE,
		    0, i * 10);
		step(i * 10);
	}
	CHECK_EQ(p.nd, VIGIL_MAX_DECISIONS + 3);
	CHECK_EQ(p.st.decisions_lost, 3);
	CHECK_EQ(policy_decision_at(&p, 0)->seq, VIGIL_MAX_DECISIONS + 3);
	CHECK_EQ(policy_decision_at(&p, VIGIL_MAX_DECISIONS - 1)->seq, 4);
	CHECK(policy_decision_at(&p, VIGIL_MAX_DECISIONS) == NULL);
	for (uint32_t i = 0; i < VIGIL_MAX_DECISIONS; i++)
		CHECK(strlen(policy_decision_at(&p, i)->reason) <
		    VIGIL_MAX_REASON);
}

TEST(policy_inputs_and_cfg_checked)
{
	struct policy_cfg c = cfg();
	CHECK_EQ(policy_init(&p, &c, 0), VIGIL_EINVAL);
	CHECK_EQ(policy_init(&p, &c, VIGIL_MAX_HOSTS + 1), VIGIL_EINVAL);
	c.max_per_rack = VIGIL_MAX_JOBS + 1;
	CHECK_EQ(policy_cfg_check(&c), VIGIL_EINVAL);
	c = cfg();
	c.max_per_host = (uint16_t)(c.max_per_rack + 1);
	CHECK_EQ(policy_cfg_check(&c), VIGIL_EINVAL);
	c = cfg();
	c.mode = 7;
	CHECK_EQ(policy_cfg_check(&c), VIGIL_EINVAL);
	c = cfg();
	init(&c);
	CHECK_EQ(policy_set_health(&p, NH, HEALTH_SEVERE, 0, 0), VIGIL_EINVAL);
	CHECK_EQ(policy_set_health(&p, 0, 9, 0, 0), VIGIL_EINVAL);
	CHECK_EQ(policy_set_free(&p, NH, 1, 0), VIGIL_EINVAL);
	CHECK_EQ(policy_set_mode(&p, 3), VIGIL_EINVAL);
	CHECK_EQ(policy_set_mode(&p, POLICY_MANUAL), 0);
	CHECK_EQ(policy_job_end(&p, VIGIL_MAX_JOBS, 1, NULL, 0), VIGIL_ENOENT);
	CHECK_STR(policy_kind_name(POLICY_D_DRYRUN), "dry-run");
	CHECK_STR(policy_mode_name(POLICY_MANUAL), "manual");
	CHECK_STR(policy_kind_name(99), "unknown");
}

TEST(policy_released_host_turning_severe_is_evacuated_at_once)
{
	static const char *const one[] = {"vm1"};
	static const uint64_t g1[] = {1};
	struct policy_cfg c = cfg();
	init(&c);
	inv(0, one, g1, 1, 0);
	policy_set_free(&p, 1, 16 * GIB, 0);
	/* Host 0 is quarantined for a while, then released... */
	policy_set_health(&p, 0, HEALTH_MODERATE, 0, 0);
	CHECK_EQ(step(0), 0);
	CHECK(p.h[0].quarantined);
	policy_set_health(&p, 0, HEALTH_HEALTHY, 0, 1000);
	CHECK_EQ(step(1000), 0);
	CHECK(!p.h[0].quarantined);
	/* ...and turns severe within the cool-down: its release cool-down
	 * bars it as a target only, so its VM leaves at once. */
	policy_set_health(&p, 0, HEALTH_SEVERE, 0, 2000);
	CHECK_EQ(step(2000), 1);
	CHECK_EQ(cmd[0].src, 0);
	CHECK_EQ(cmd[0].dst, 1);
}
