/* test_jobs.c - the migration job state machine, driven the way the daemon
 * drives it: commands out, results in, time passed in.  Outputs are virsh
 * 9.0's formats; the abort message is the one the lab saw.  Written
 * against the limit macros so it passes with the default and the tiny
 * limits. */
#include "unit.h"

#include <stdint.h>

#include "../../core/err.h"
#include "../../core/jobs.h"

static struct jobs_job j;
static struct jobs_cmd c;
static char text[1024];

static const char aborted[] =
    "error: operation aborted: job 'migration out' canceled by client\n";

static struct jobs_cfg
cfg(void)
{
	struct jobs_cfg k;
	jobs_cfg_default(&k);
	k.poll_ms = 1000;
	k.cmd_timeout_ms = 5000;
	k.max_ms = 60000;
	k.max_iter = 30;
	k.stall_polls = 3;
	k.finish_ms = 30000;
	k.confirm_tries = 3;
	return k;
}

static void
start(int postcopy, uint64_t now)
{
	struct jobs_cfg k = cfg();
	struct jobs_spec s;
	memset(&s, 0, sizeof(s));
	s.src = 0;
	s.dst = 1;
	s.postcopy = (uint8_t)postcopy;
	strcpy(s.dom, "web-01");
	strcpy(s.target, "10.77.42.2");
	CHECK_EQ(jobs_start(&j, &k, &s, now), 0);
}

/* The next command must be of this kind; returns its seq. */
static uint32_t
expect(uint64_t now, int kind)
{
	int r = jobs_next(&j, now, &c);
	if (r != JOBS_NEXT_CMD || c.kind != kind)
		fprintf(stderr, "at %llu: want %s, got r=%d kind %s (%s)\n",
		    (unsigned long long)now, jobs_kind_name(kind), r,
		    jobs_kind_name(c.kind), j.reason);
	CHECK_EQ(r, JOBS_NEXT_CMD);
	CHECK_EQ(c.kind, kind);
	CHECK_EQ(c.len, strlen(c.text));
	return c.seq;
}

static void
expect_wait(uint64_t now)
{
	CHECK_EQ(jobs_next(&j, now, &c), JOBS_NEXT_WAIT);
	CHECK(c.wake_ms > now);
}

/* domjobinfo of a running outgoing migration. */
static const char *
info(uint64_t elapsed, uint64_t remaining_mib, uint64_t iter)
{
	sprintf(text,
	    "Job type:         Unbounded   \n"
	    "Operation:        Outgoing migration\n"
	    "Time elapsed:     %-12llu ms\n"
	    "Memory processed: 1.000 GiB\n"
	    "Memory remaining: %llu.000 MiB\n"
	    "Memory total:     4.000 GiB\n"
	    "Iteration:        %-12llu\n",
	    (unsigned long long)elapsed, (unsigned long long)remaining_mib,
	    (unsigned long long)iter);
	return text;
}

static void
res(uint32_t seq, int rc, const char *out, uint64_t now)
{
	CHECK_EQ(jobs_on_result(&j, seq, rc, out, out ? strlen(out) : 0, NULL,
	             0, now),
	    0);
}

static void
res_err(uint32_t seq, int rc, const char *err, uint64_t now)
{
	CHECK_EQ(jobs_on_result(&j, seq, rc, NULL, 0, err, strlen(err), now),
	    0);
}

/* Polls once at now with a running migration's progress. */
static void
poll(uint64_t now, uint64_t remaining_mib, uint64_t iter)
{
	uint32_t s = expect(now, JOBS_CMD_JOBINFO);
	CHECK_EQ(c.host, 0);
	CHECK_STR(c.text, "virsh domjobinfo web-01");
	res(s, 0, info(now, remaining_mib, iter), now + 50);
}

/* The job's reason starts with want, as far as VIGIL_MAX_REASON let it. */
static int
reason_starts(const char *want)
{
	size_t n = strlen(j.reason), w = strlen(want);
	if (n == VIGIL_MAX_REASON - 1 && n < w)
		w = n;
	return n > 0 && strncmp(j.reason, want, w) == 0;
}

static void
confirm_running(uint64_t now)
{
	uint32_t s = expect(now, JOBS_CMD_DOMSTATE);
	CHECK_EQ(c.host, 1);
	CHECK_STR(c.text, "virsh domstate web-01");
	res(s, 0, "running\n\n", now + 20);
	CHECK_EQ(j.state, JOBS_DONE);
	CHECK_EQ(jobs_next(&j, now + 30, &c), JOBS_NEXT_END);
}

TEST(jobs_success)
{
	start(0, 1000);
	uint32_t mig = expect(1000, JOBS_CMD_MIGRATE);
	CHECK_EQ(c.host, 0);
	CHECK_STR(c.text, "virsh migrate --live --persistent --undefinesource "
	                  "--auto-converge web-01 qemu+ssh://10.77.42.2/system");
	CHECK_EQ(c.timeout_ms, 90000);
	expect_wait(1000);
	CHECK_EQ(c.wake_ms, 2000);
	poll(2000, 900, 1);
	expect_wait(2100);
	poll(3000, 300, 1);
	res(mig, 0, "", 3500);
	CHECK_EQ(j.state, JOBS_CONFIRMING);
	confirm_running(3500);
	CHECK(reason_starts("running on host 1 after 2.5 s"));
	CHECK_EQ(j.err, 0);
	CHECK_EQ(j.st.polls, 2);
	CHECK_EQ(j.last.mem_remaining, 300ull << 20);
	CHECK_EQ(j.last.iteration, 1);
	CHECK(j.active_seen);
	CHECK_EQ(j.trigger, JOBS_TRIG_NONE);
}

TEST(jobs_failure_exit)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	res_err(mig, 1, "error: failed to get domain 'web-01'\n", 3700);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK_EQ(j.err, VIGIL_EIO);
	CHECK_EQ(jobs_next(&j, 3800, &c), JOBS_NEXT_END);
	/* The reason ends with virsh's error, as far as it fits. */
	CHECK(reason_starts("migrate failed (VM stays on source): exit 1: "
	                    "failed to get domain ?web-01?"));
}

TEST(jobs_slow_but_converging_is_left_alone)
{
	start(1, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	/* 55 s of slow, steady progress: inside every budget. */
	uint64_t t = 1000;
	for (uint64_t i = 0; i < 55; i++, t += 1000)
		poll(t, 4000 - 70 * i, 1 + i / 3);
	CHECK_EQ(j.trigger, JOBS_TRIG_NONE);
	CHECK_EQ(j.state, JOBS_MIGRATING);
	res(mig, 0, NULL, t);
	confirm_running(t);
	CHECK(strstr(j.reason, "post-copy") == NULL);
	CHECK_EQ(j.st.polls, 55);
}

TEST(jobs_hung_poll_times_out_and_late_answer_is_ignored)
{
	start(0, 0);
	expect(0, JOBS_CMD_MIGRATE);
	uint32_t p1 = expect(1000, JOBS_CMD_JOBINFO);
	CHECK_EQ(c.timeout_ms, 5000);
	/* No answer: nothing else is sent meanwhile, the job wakes at the
	 * deadline. */
	expect_wait(2000);
	CHECK_EQ(c.wake_ms, 6000);
	uint32_t p2 = expect(6000, JOBS_CMD_JOBINFO);
	CHECK(p2 != p1);
	CHECK_EQ(j.st.timeouts, 1);
	CHECK_EQ(j.st.poll_errors, 1);
	/* The first poll's answer arrives now: stray. */
	CHECK_EQ(jobs_on_result(&j, p1, 0, "Job type: None\n", 15, NULL, 0,
	             6100),
	    VIGIL_ENOENT);
	CHECK_EQ(j.st.stray, 1);
	CHECK_EQ(j.st.polls, 0);
	/* A transport timeout on the second one counts the same way. */
	res(p2, VIGIL_ETIMEDOUT, NULL, 11000);
	CHECK_EQ(j.st.timeouts, 2);
	CHECK_EQ(j.state, JOBS_MIGRATING);
}

TEST(jobs_hung_migrate_aborted_then_fails_at_hard_deadline)
{
	start(1, 0);
	expect(0, JOBS_CMD_MIGRATE);
	/* Every poll fails: the job never sees the migration running. */
	uint64_t t = 1000;
	for (; t < 60000; t += 1000) {
		uint32_t s = expect(t, JOBS_CMD_JOBINFO);
		res_err(s, 1, "error: Timed out during operation\n", t + 10);
	}
	/* Time budget spent, no running job seen: abort, not post-copy. */
	uint32_t a = expect(60000, JOBS_CMD_ABORT);
	CHECK_STR(c.text, "virsh domjobabort web-01");
	CHECK_EQ(j.trigger, JOBS_TRIG_TIME);
	CHECK_EQ(j.state, JOBS_ABORTING);
	res(a, 0, "", 60100);
	/* The migrate never ends. */
	int r;
	for (t = 61000; t < 200000; t += 1000) {
		r = jobs_next(&j, t, &c);
		if (r == JOBS_NEXT_END)
			break;
		if (r == JOBS_NEXT_CMD) {
			CHECK_EQ(c.kind, JOBS_CMD_JOBINFO);
			res(c.seq, 1, NULL, t + 10);
		}
	}
	CHECK_EQ(r, JOBS_NEXT_END);
	CHECK_EQ(t, 90000);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK_EQ(j.err, VIGIL_ETIMEDOUT);
	CHECK(reason_starts("migrate did not end within 90.0 s"));
}

TEST(jobs_nonconvergence_switches_to_postcopy)
{
	start(1, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	CHECK(strstr(c.text, " --postcopy web-01 ") != NULL);
	poll(1000, 800, 2);
	/* Remaining memory stops shrinking: stall_polls (3) polls. */
	poll(2000, 800, 3);
	poll(3000, 810, 4);
	CHECK_EQ(j.trigger, JOBS_TRIG_NONE);
	poll(4000, 805, 5);
	CHECK_EQ(j.trigger, JOBS_TRIG_STALL);
	uint32_t pc = expect(4100, JOBS_CMD_POSTCOPY);
	CHECK_STR(c.text, "virsh migrate-postcopy web-01");
	CHECK_EQ(c.host, 0);
	res(pc, 0, "", 4300);
	CHECK_EQ(j.state, JOBS_POSTCOPY);
	/* Polling goes on; no abort ever. */
	poll(5000, 100, 6);
	res(mig, 0, NULL, 5600);
	confirm_running(5600);
	CHECK(reason_starts("running on host 1 after 5.6 s (post-copy)"));
	CHECK(j.postcopied);
}

TEST(jobs_nonconvergence_without_postcopy_aborts)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	CHECK(strstr(c.text, "--postcopy") == NULL);
	poll(1000, 500, 2);
	poll(2000, 500, 3);
	poll(3000, 500, 4);
	poll(4000, 500, 5);
	CHECK_EQ(j.trigger, JOBS_TRIG_STALL);
	CHECK_EQ(j.state, JOBS_ABORTING);
	uint32_t a = expect(4100, JOBS_CMD_ABORT);
	res(a, 0, "", 4200);
	/* libvirt ends the migrate with exit 1; the VM stays on the source. */
	res_err(mig, 1, aborted, 4400);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK(reason_starts("aborted (no progress, VM stays on source): exit 1: "
	                    "operation aborted: job ?migration out? canceled by "
	                    "client"));
	CHECK_EQ(jobs_next(&j, 4500, &c), JOBS_NEXT_END);
}

TEST(jobs_iteration_budget)
{
	start(0, 0);
	expect(0, JOBS_CMD_MIGRATE);
	poll(1000, 900, 30);
	CHECK_EQ(j.trigger, JOBS_TRIG_NONE);
	poll(2000, 800, 31);
	CHECK_EQ(j.trigger, JOBS_TRIG_ITER);
	expect(2000, JOBS_CMD_ABORT);
}

TEST(jobs_time_budget_with_running_job_goes_postcopy)
{
	start(1, 0);
	expect(0, JOBS_CMD_MIGRATE);
	uint64_t t = 1000;
	for (uint64_t i = 0; t < 60000; t += 1000, i++)
		poll(t, 50000 - i * 100, 1);
	expect(60000, JOBS_CMD_POSTCOPY);
	CHECK_EQ(j.trigger, JOBS_TRIG_TIME);
}

TEST(jobs_postcopy_refused_falls_back_to_abort)
{
	start(1, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	for (uint64_t t = 1000; t <= 4000; t += 1000)
		poll(t, 700, t / 1000);
	uint32_t pc = expect(4000, JOBS_CMD_POSTCOPY);
	res_err(pc, 1,
	    "error: internal error: unable to execute QEMU command "
	    "'migrate-start-postcopy': Enable postcopy with "
	    "migrate_set_capability before the start of migration\n",
	    4200);
	CHECK_EQ(j.state, JOBS_ABORTING);
	uint32_t a = expect(4300, JOBS_CMD_ABORT);
	res(a, 0, "", 4400);
	res_err(mig, 1, aborted, 4500);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK(!j.postcopied);
}

TEST(jobs_connection_lost_mid_job)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	poll(1000, 900, 1);
	uint32_t p = expect(2000, JOBS_CMD_JOBINFO);
	res(p, VIGIL_ECLOSED, NULL, 2100);
	CHECK_EQ(j.state, JOBS_MIGRATING);
	res(mig, VIGIL_ECLOSED, NULL, 2100);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK_EQ(j.err, VIGIL_ECLOSED);
	CHECK(reason_starts("migrate lost (VM location unknown): connection "
	                    "closed"));
	CHECK_EQ(jobs_next(&j, 2200, &c), JOBS_NEXT_END);
}

TEST(jobs_confirm_retries_then_fails)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	res(mig, 0, NULL, 800);
	uint32_t s = expect(800, JOBS_CMD_DOMSTATE);
	res(s, 0, "paused (migrating)\n", 850);
	expect_wait(900);
	s = expect(1850, JOBS_CMD_DOMSTATE);
	res_err(s, 1, "error: failed to get domain 'web-01'\n", 1900);
	s = expect(2900, JOBS_CMD_DOMSTATE);
	res(s, 0, "shut off\n", 2950);
	CHECK_EQ(j.state, JOBS_FAILED);
	CHECK_EQ(j.st.confirm_errors, 3);
	CHECK(reason_starts("not running on target: domstate shut off"));
}

TEST(jobs_confirm_drops_poll_in_flight)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	uint32_t p = expect(1000, JOBS_CMD_JOBINFO);
	/* The migrate ends while a domjobinfo is out: confirm at once, and
	 * the poll's late answer (the domain is gone from the source) is
	 * stray. */
	res(mig, 0, NULL, 1200);
	expect(1200, JOBS_CMD_DOMSTATE);
	CHECK_EQ(jobs_on_result(&j, p, 1, NULL, 0, NULL, 0, 1250), VIGIL_ENOENT);
	res(c.seq, 0, "running\n", 1300);
	CHECK_EQ(j.state, JOBS_DONE);
}

TEST(jobs_start_refuses_hostile_spec)
{
	static const char *const names[] = {"a;rm -rf /", "$(x)", "`x`", "a b",
	    "-x", "h\xc3\xa9llo", ""};
	struct jobs_cfg k = cfg();
	struct jobs_spec s;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.dst = 1;
		strcpy(s.dom, names[i]);
		strcpy(s.target, "10.0.0.2");
		CHECK_EQ(jobs_start(&j, &k, &s, 0), VIGIL_EINVAL);
		CHECK_EQ(j.state, JOBS_FAILED);
		CHECK_EQ(j.err, VIGIL_EINVAL);
		CHECK_EQ(jobs_next(&j, 0, &c), JOBS_NEXT_END);
		CHECK_EQ(c.kind, JOBS_CMD_NONE);
		CHECK_STR(c.text, "");
	}
	/* A name filling the whole array, without a NUL, is refused too. */
	memset(&s, 0, sizeof(s));
	s.dst = 1;
	memset(s.dom, 'a', sizeof(s.dom));
	strcpy(s.target, "10.0.0.2");
	CHECK_EQ(jobs_start(&j, &k, &s, 0), VIGIL_EINVAL);
	/* Bad target, same host, bad configuration. */
	memset(&s, 0, sizeof(s));
	s.dst = 1;
	strcpy(s.dom, "ok");
	strcpy(s.target, "10.0.0.2 -oProxyCommand=x");
	CHECK_EQ(jobs_start(&j, &k, &s, 0), VIGIL_EINVAL);
	strcpy(s.target, "10.0.0.2");
	s.dst = 0;
	CHECK_EQ(jobs_start(&j, &k, &s, 0), VIGIL_EINVAL);
	s.dst = 1;
	k.poll_ms = 0;
	CHECK_EQ(jobs_start(&j, &k, &s, 0), VIGIL_EINVAL);
	k = cfg();
	CHECK_EQ(jobs_start(&j, &k, &s, 0), 0);
}

TEST(jobs_history_ring_keeps_newest)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	poll(1000, 900, 1);
	res(mig, 0, NULL, 1500);
	confirm_running(1500);
	/* start, migrate sent, running, migrate exit, done. */
	CHECK_EQ(j.nhist, 5);
	uint32_t kept = 5 < VIGIL_JOB_HISTORY ? 5 : VIGIL_JOB_HISTORY;
	CHECK_EQ(j.st.events_lost, 5 - kept);
	const struct jobs_event *e = jobs_event_at(&j, 0);
	CHECK(e != NULL);
	CHECK_EQ(e->state, JOBS_DONE);
	CHECK(strncmp(e->text, "done: ", 6) == 0);
	CHECK(strlen(e->text) < VIGIL_JOB_EVENT_TEXT);
	CHECK(jobs_event_at(&j, kept - 1) != NULL);
	CHECK(jobs_event_at(&j, kept) == NULL);
	if (kept == 5)
		CHECK(strncmp(jobs_event_at(&j, 4)->text, "start web-01", 12) == 0);
}

TEST(jobs_results_after_end_are_stray)
{
	start(0, 0);
	uint32_t mig = expect(0, JOBS_CMD_MIGRATE);
	res_err(mig, 2, "error: something\n", 100);
	CHECK_EQ(jobs_on_result(&j, mig, 0, NULL, 0, NULL, 0, 200),
	    VIGIL_ENOENT);
	CHECK_EQ(jobs_on_result(&j, 0, 0, NULL, 0, NULL, 0, 200), VIGIL_ENOENT);
	CHECK_EQ(j.st.stray, 2);
	CHECK_EQ(j.state, JOBS_FAILED);
}
