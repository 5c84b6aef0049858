/*
 * sshprobe.c - drives platform/ssh.c on a libuv loop for the integration
 * tests (tests/integration/test_ssh.sh).  Built like vigild: static musl,
 * libuv and libc on the fixed arena, libssh2 and mbedTLS on its SSH zone,
 * the arena sealed once start-up is over.
 *
 *   sshprobe [options] ACTION...
 *     -a ADDR -P PORT -u USER -k PRIVKEY [-p PUBKEY] -K KNOWN_HOSTS
 *     -t MS        command timeout (default 10000)
 *     -s MS        step timeout; -A S keepalive interval;
 *     -b MS / -B MS backoff min / max
 *     -W N         warm channels (default VIGIL_SSH_WARM; 0: none)
 *
 *   Actions run in order:
 *     wait-ready[:MS]    until the session is READY (fails the probe if not)
 *     wait-down[:MS]     until a connect attempt has failed (for refusals)
 *     wait-idle[:MS]     until no command holds a channel and, on a READY
 *                        session, the warm channels are open
 *     run:CMD            one command, waits for its result
 *     par:N:CMD          N copies at once (refusals are printed), waits
 *     two:MS:CMD         CMD, then MS later, without running the loop in
 *                        between, CMD again; waits for both
 *     repeat:N:CMD       N in sequence, prints a summary line (with the
 *                        percentiles of written_us)
 *     cycle:N:CMD        N times: CMD (which drops the session), wait-ready;
 *                        prints the SSH zone in use after each reconnect
 *     cancel:CMD         starts CMD and cancels it at once
 *     timeout:MS         sets the command timeout
 *     sleep:MS           runs the loop for MS
 *     mark               prints the SSH zone's bytes in use
 *     stats              prints the counters
 *     close              ssh_close, runs the loop, prints the zone
 *
 * Output: one line per event, "key=value" fields, for the test to grep.
 * Exit status: 0, 1 when a wait timed out, 2 on bad usage.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "arena.h"
#include "err.h"
#include "log.h"
#include "ssh.h"

#define MAX_PENDING 64
#define MAX_REPEAT 4096 /* execs whose written_us repeat ranks */

static uv_loop_t loop;
static uv_timer_t guard;
static int guard_fired;
static uint32_t timeout_ms = 10000;
static uint32_t warm_want = VIGIL_SSH_WARM;
static int pending;
static uint32_t last_written_us;

/* Printing without stdio buffers: nothing here may allocate. */
static void
out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
out(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	ssize_t w = write(1, line, (size_t)n);
	(void)w;
}

/* Up to max bytes of s, printable ASCII kept, the rest as \xNN. */
static void
escape(const char *s, size_t n, char *dst, size_t cap, size_t max)
{
	size_t o = 0;
	for (size_t i = 0; i < n && i < max && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			dst[o++] = (char)c;
		else
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", c);
	}
	dst[o] = 0;
}

static size_t
ssh_used(void)
{
	struct arena_stats a;
	arena_zone_stats(ARENA_SSH, &a);
	return (size_t)a.used;
}

static void
on_result(void *ctx, const struct ssh_result *r)
{
	char o[700], e[700];
	escape(r->out, r->outlen, o, sizeof(o), 160);
	escape(r->err, r->errlen, e, sizeof(e), 160);
	out("result tag=%s status=%d err=%s flags=%s%s%s%s outlen=%zu "
	    "errlen=%zu written_us=%u started_us=%u elapsed_ms=%u out=\"%s\" "
	    "errtext=\"%s\"", (const char *)ctx, r->status,
	    r->status < 0 ? vigil_errname(r->status) : "-",
	    r->flags & SSH_STARTED ? "S" : "", r->flags & SSH_SIGNALED ? "K" : "",
	    r->flags & SSH_OUT_TRUNCATED ? "O" : "",
	    r->flags & SSH_ERR_TRUNCATED ? "E" : "", r->outlen, r->errlen,
	    r->written_us, r->started_us, r->elapsed_ms, o, e);
	last_written_us = r->written_us;
	pending--;
}

static void
guard_cb(uv_timer_t *t)
{
	(void)t;
	guard_fired = 1;
}

/* Runs the loop until cond() or ms pass.  Returns cond()'s last value. */
static int
run_until(int (*cond)(void), uint64_t ms)
{
	guard_fired = 0;
	uv_timer_start(&guard, guard_cb, ms, 0);
	while (!cond() && !guard_fired)
		uv_run(&loop, UV_RUN_ONCE);
	uv_timer_stop(&guard);
	return cond();
}

static int
is_ready(void)
{
	return ssh_host_state(0) == SSH_ST_READY;
}

static uint64_t fails_at_start;
static int
has_failed(void)
{
	struct ssh_stats s;
	ssh_stats(0, &s);
	return s.connect_failures + s.drops > fails_at_start;
}

static int
none_pending(void)
{
	return pending == 0;
}

static int
idle(void)
{
	struct ssh_stats s;
	ssh_stats(0, &s);
	return s.channels_open == 0 && (ssh_host_state(0) != SSH_ST_READY ||
	    s.channels_warm >= warm_want);
}

static int
never(void)
{
	return 0;
}

static void
print_stats(void)
{
	struct ssh_stats s;
	struct arena_stats m, z;
	ssh_stats(0, &s);
	arena_get_stats(&m);
	arena_zone_stats(ARENA_SSH, &z);
	out("stats state=%d connects=%llu connect_failures=%llu "
	    "hostkey_mismatch=%llu hostkey_unknown=%llu known_hosts_bad=%llu "
	    "known_hosts_skipped=%llu auth_failures=%llu step_timeouts=%llu "
	    "keepalive_dead=%llu drops=%llu retired=%llu keepalives=%llu "
	    "execs=%llu exec_ok=%llu exec_nonzero=%llu exec_errors=%llu "
	    "exec_timeouts=%llu exec_canceled=%llu refused_not_ready=%llu "
	    "refused_no_slot=%llu truncated=%llu bytes_in=%llu bytes_out=%llu "
	    "wire_in=%llu wire_out=%llu nomem=%llu warm_opened=%llu "
	    "warm_used=%llu warm_lost=%llu channels_open=%u channels_high=%u "
	    "channels_warm=%u write_us_last=%u write_us_max=%u "
	    "connect_ms_last=%u connect_ms_max=%u first_err=%s",
	    ssh_host_state(0),
	    (unsigned long long)s.connects, (unsigned long long)s.connect_failures,
	    (unsigned long long)s.hostkey_mismatch,
	    (unsigned long long)s.hostkey_unknown,
	    (unsigned long long)s.known_hosts_bad,
	    (unsigned long long)s.known_hosts_skipped,
	    (unsigned long long)s.auth_failures,
	    (unsigned long long)s.step_timeouts,
	    (unsigned long long)s.keepalive_dead, (unsigned long long)s.drops,
	    (unsigned long long)s.retired, (unsigned long long)s.keepalives,
	    (unsigned long long)s.execs, (unsigned long long)s.exec_ok,
	    (unsigned long long)s.exec_nonzero,
	    (unsigned long long)s.exec_errors,
	    (unsigned long long)s.exec_timeouts,
	    (unsigned long long)s.exec_canceled,
	    (unsigned long long)s.refused_not_ready,
	    (unsigned long long)s.refused_no_slot,
	    (unsigned long long)s.truncated, (unsigned long long)s.bytes_in,
	    (unsigned long long)s.bytes_out, (unsigned long long)s.wire_in,
	    (unsigned long long)s.wire_out, (unsigned long long)s.nomem,
	    (unsigned long long)s.warm_opened, (unsigned long long)s.warm_used,
	    (unsigned long long)s.warm_lost, s.channels_open, s.channels_high,
	    s.channels_warm, s.write_us_last, s.write_us_max,
	    s.connect_ms_last, s.connect_ms_max,
	    vigil_errname(ssh_host_error(0)));
	out("arena main_used=%llu main_allocs_after_seal=%llu main_failures=%llu "
	    "ssh_used=%llu ssh_high_water=%llu ssh_allocs=%llu ssh_failures=%llu "
	    "ssh_live_blocks=%llu",
	    (unsigned long long)m.used, (unsigned long long)m.allocs_after_seal,
	    (unsigned long long)m.failures, (unsigned long long)z.used,
	    (unsigned long long)z.high_water, (unsigned long long)z.allocs,
	    (unsigned long long)z.failures, (unsigned long long)z.live_blocks);
}

/* Starts one command; prints a refusal.  Returns 1 if started. */
static int
start(const char *cmd, const char *tag)
{
	int h = ssh_exec(0, cmd, timeout_ms, on_result, (void *)tag);
	if (h < 0) {
		out("refused tag=%s err=%s", tag, vigil_errname(h));
		return 0;
	}
	pending++;
	return 1;
}

static int
wait_results(void)
{
	/* Every command has its own timeout; the guard only catches a
	 * module that would never answer. */
	if (!run_until(none_pending, (uint64_t)timeout_ms + 30000)) {
		out("error: results missing (%d pending)", pending);
		return 1;
	}
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The q-th quantile (nearest rank below) of v[0..n-1], sorted. */
static uint32_t
quantile(const uint32_t *v, size_t n, double q)
{
	return n ? v[(size_t)((double)(n - 1) * q)] : 0;
}

static long
num(const char *s, const char **rest)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (rest)
		*rest = *e == ':' ? e + 1 : e;
	return v;
}

static int
action(const char *a)
{
	static char tags[MAX_PENDING][24];
	const char *rest;
	long n;
	if (strncmp(a, "wait-ready", 10) == 0) {
		n = a[10] == ':' ? num(a + 11, NULL) : 15000;
		if (!run_until(is_ready, (uint64_t)n)) {
			out("notready state=%d err=%s", ssh_host_state(0),
			    vigil_errname(ssh_host_error(0)));
			return 1;
		}
		struct ssh_stats s;
		ssh_stats(0, &s);
		out("ready connect_ms=%u", s.connect_ms_last);
		return 0;
	}
	if (strncmp(a, "wait-down", 9) == 0) {
		n = a[9] == ':' ? num(a + 10, NULL) : 15000;
		if (!run_until(has_failed, (uint64_t)n)) {
			out("notdown state=%d", ssh_host_state(0));
			return 1;
		}
		out("down state=%d err=%s", ssh_host_state(0),
		    vigil_errname(ssh_host_error(0)));
		return 0;
	}
	if (strncmp(a, "wait-idle", 9) == 0) {
		n = a[9] == ':' ? num(a + 10, NULL) : 15000;
		uint64_t t0 = uv_now(&loop);
		int ok = run_until(idle, (uint64_t)n);
		out("%s after_ms=%llu", ok ? "idle" : "notidle",
		    (unsigned long long)(uv_now(&loop) - t0));
		return !ok;
	}
	if (strncmp(a, "run:", 4) == 0) {
		if (start(a + 4, "run"))
			return wait_results();
		return 0;
	}
	if (strncmp(a, "cancel:", 7) == 0) {
		int h = ssh_exec(0, a + 7, timeout_ms, on_result, (void *)"cancel");
		int rc = h >= 0 ? ssh_cancel(h) : h;
		out("cancel rc=%s again=%s", vigil_errname(rc),
		    vigil_errname(h >= 0 ? ssh_cancel(h) : h));
		return 0;
	}
	if (strncmp(a, "par:", 4) == 0) {
		n = num(a + 4, &rest);
		if (n < 1 || n > MAX_PENDING)
			return 2;
		for (long i = 0; i < n; i++) {
			snprintf(tags[i], sizeof(tags[i]), "par%d", (int)i);
			start(rest, tags[i]);
		}
		return wait_results();
	}
	if (strncmp(a, "two:", 4) == 0) {
		n = num(a + 4, &rest);
		if (n < 0 || n > 10000)
			return 2;
		start(rest, "two0");
		struct timespec ts = {n / 1000, (n % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		start(rest, "two1");
		return wait_results();
	}
	if (strncmp(a, "repeat:", 7) == 0) {
		static uint32_t w[MAX_REPEAT];
		n = num(a + 7, &rest);
		if (n < 1 || n > MAX_REPEAT)
			return 2;
		struct ssh_stats s0, s1;
		ssh_stats(0, &s0);
		uint64_t t0 = uv_hrtime();
		uint64_t wsum = 0;
		for (long i = 0; i < n; i++) {
			if (!start(rest, "rep"))
				return 1;
			if (wait_results())
				return 1;
			w[i] = last_written_us;
			wsum += w[i];
		}
		ssh_stats(0, &s1);
		qsort(w, (size_t)n, sizeof(w[0]), cmp_u32);
		out("repeat n=%ld ok=%llu errors=%llu total_ms=%llu write_us_avg=%llu "
		    "write_us_p50=%u write_us_p90=%u write_us_p99=%u "
		    "write_us_max=%u warm_used=%llu ssh_used=%zu", n,
		    (unsigned long long)(s1.exec_ok - s0.exec_ok),
		    (unsigned long long)(s1.exec_errors - s0.exec_errors),
		    (unsigned long long)((uv_hrtime() - t0) / 1000000u),
		    (unsigned long long)(wsum / (uint64_t)n),
		    quantile(w, (size_t)n, 0.50), quantile(w, (size_t)n, 0.90),
		    quantile(w, (size_t)n, 0.99), w[n - 1],
		    (unsigned long long)(s1.warm_used - s0.warm_used), ssh_used());
		return 0;
	}
	if (strncmp(a, "cycle:", 6) == 0) {
		n = num(a + 6, &rest);
		size_t lo = (size_t)-1, hi = 0, first = 0, last = 0;
		uint64_t cms = 0;
		for (long i = 0; i < n; i++) {
			if (start(rest, "cycle") && wait_results())
				return 1;
			if (!run_until(is_ready, 15000)) {
				out("notready cycle=%ld err=%s", i,
				    vigil_errname(ssh_host_error(0)));
				return 1;
			}
			/* Let the old session's last packets settle. */
			run_until(idle, 1000);
			size_t u = ssh_used();
			struct ssh_stats s;
			ssh_stats(0, &s);
			cms += s.connect_ms_last;
			if (i == 0)
				first = u;
			last = u;
			lo = u < lo ? u : lo;
			hi = u > hi ? u : hi;
		}
		out("cycle n=%ld ssh_used_first=%zu ssh_used_last=%zu "
		    "ssh_used_min=%zu ssh_used_max=%zu connect_ms_avg=%llu", n,
		    first, last, lo, hi,
		    (unsigned long long)(n ? cms / (uint64_t)n : 0));
		return 0;
	}
	if (strncmp(a, "timeout:", 8) == 0) {
		timeout_ms = (uint32_t)num(a + 8, NULL);
		return 0;
	}
	if (strncmp(a, "sleep:", 6) == 0) {
		run_until(never, (uint64_t)num(a + 6, NULL));
		return 0;
	}
	if (strcmp(a, "mark") == 0) {
		out("mark ssh_used=%zu", ssh_used());
		return 0;
	}
	if (strcmp(a, "stats") == 0) {
		print_stats();
		return 0;
	}
	if (strcmp(a, "close") == 0) {
		ssh_close();
		uv_run(&loop, UV_RUN_NOWAIT);
		out("closed ssh_used=%zu", ssh_used());
		return 0;
	}
	out("error: unknown action %s", a);
	return 2;
}

int
main(int argc, char **argv)
{
	struct ssh_host_cfg hc = {.name = "probe", .addr = "127.0.0.1",
	    .port = 22};
	struct ssh_cfg cfg = {0};
	char pubpath[512] = "";
	int c;

	while ((c = getopt(argc, argv, "a:P:u:k:p:K:t:s:A:b:B:W:v")) != -1) {
		switch (c) {
		case 'a': hc.addr = optarg; break;
		case 'P': hc.port = (uint16_t)atoi(optarg); break;
		case 'u': hc.user = optarg; break;
		case 'k': hc.privkey = optarg; break;
		case 'p': hc.pubkey = optarg; break;
		case 'K': hc.known_hosts = optarg; break;
		case 't': timeout_ms = (uint32_t)atoi(optarg); break;
		case 's': cfg.step_ms = (uint32_t)atoi(optarg); break;
		case 'A': cfg.keepalive_s = (uint32_t)atoi(optarg); break;
		case 'b': cfg.backoff_min_ms = (uint32_t)atoi(optarg); break;
		case 'B': cfg.backoff_max_ms = (uint32_t)atoi(optarg); break;
		case 'W':
			warm_want = (uint32_t)atoi(optarg);
			if (warm_want > VIGIL_SSH_MAX_CHANNELS)
				warm_want = VIGIL_SSH_MAX_CHANNELS;
			cfg.warm = warm_want ? warm_want : SSH_WARM_NONE;
			break;
		case 'v': vlog_set_level(VLOG_DEBUG); break;
		default:
			out("usage: sshprobe [-a addr] [-P port] -u user -k key "
			    "[-p key.pub] -K known_hosts [-t ms] ACTION...");
			return 2;
		}
	}
	if (!hc.privkey || !hc.user || !hc.known_hosts) {
		out("error: -u, -k and -K are required");
		return 2;
	}
	if (!hc.pubkey) {
		snprintf(pubpath, sizeof(pubpath), "%s.pub", hc.privkey);
		hc.pubkey = pubpath;
	}

	/* Start-up, as vigild does it: libuv on the arena, then seal. */
	if (uv_replace_allocator(arena_malloc, arena_realloc, arena_calloc,
	    arena_free) < 0 || uv_loop_init(&loop) < 0) {
		out("error: loop");
		return 1;
	}
	uv_timer_init(&loop, &guard);
	int rc = ssh_init(&loop, &cfg);
	if (rc == 0)
		rc = ssh_host_add(0, &hc);
	if (rc) {
		out("error: setup %s", vigil_errname(rc));
		return 1;
	}
	uv_run(&loop, UV_RUN_NOWAIT);
	arena_seal();

	int status = 0;
	for (int i = optind; i < argc && status == 0; i++)
		status = action(argv[i]);

	/* Leave as vigild does: everything closed, both zones accounted. */
	ssh_close();
	uv_close((uv_handle_t *)&guard, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	struct arena_stats m, z;
	arena_get_stats(&m);
	arena_zone_stats(ARENA_SSH, &z);
	out("exit status=%d main_allocs_after_seal=%llu ssh_used=%llu "
	    "ssh_live_blocks=%llu loop_close=%s", status,
	    (unsigned long long)m.allocs_after_seal, (unsigned long long)z.used,
	    (unsigned long long)z.live_blocks,
	    uv_loop_close(&loop) == 0 ? "ok" : "busy");
	return status;
}
