/*
 * fuzz_virsh.c - every virsh output parser, the name and target checks,
 * and a migration job fed arbitrary command results, with the tiny limits.
 *
 * The first byte picks the mode; the rest is the input:
 *   0 list      virsh_parse_list: every kept name passes virsh_name_ok,
 *               counts stay within the table, the shown sample is safe;
 *   1 dominfo   virsh_parse_dominfo, then applied to a parsed list;
 *   2 domstate  virsh_parse_domstate;
 *   3 jobinfo   virsh_parse_jobinfo;
 *   4 freecell  virsh_parse_freecell and virsh_error_line;
 *   5 names     virsh_name_ok / virsh_target_ok on the bytes, and the
 *               command builders: what they accept must build a command
 *               of only safe characters;
 *   6.. job     a job is started and every command it asks for is
 *               answered from the input ('\x1e'-separated records: a
 *               status byte, a time step byte, then the output): its
 *               commands must stay well-formed and it must end by its
 *               hard deadline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jobs.h"
#include "virsh.h"

static struct virsh_list l;
static struct jobs_job job;

static void
check_shown(const char *s, size_t cap)
{
	size_t n = strlen(s);
	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '$' || s[i] == '`')
			abort();
}

static void
check_list(int rc)
{
	if (rc != 0 && rc != VIGIL_EPARSE)
		abort();
	if (l.n > VIGIL_MAX_VMS)
		abort();
	for (uint32_t i = 0; i < l.n; i++) {
		const struct virsh_dom *d = &l.dom[i];
		size_t n = strlen(d->name);
		if (!virsh_name_ok(d->name, n) || d->state >= VIRSH_ST_COUNT)
			abort();
	}
	check_shown(l.refused_shown, sizeof(l.refused_shown));
}

/* A command line holds only what the checks allow. */
static void
check_cmd(const char *s, size_t n)
{
	if (n != strlen(s) || n >= VIGIL_MAX_CMD || strncmp(s, "virsh ", 6) != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(" ._-:/@[]+'", c) != NULL;
		if (!ok || c == 0)
			abort();
	}
}

static void
names(const uint8_t *p, size_t n)
{
	char buf[VIGIL_MAX_CMD];
	char dom[VIGIL_MAX_DOMNAME + 1], tgt[VIGIL_MAX_TARGET + 1];
	size_t half = n / 2;
	const char *a = (const char *)p, *b = (const char *)p + half;

	int dok = virsh_name_ok(a, half);
	int tok = virsh_target_ok(b, n - half);
	if (dok && (half > VIGIL_MAX_DOMNAME || memchr(a, 0, half)))
		abort();
	if (tok && (n - half > VIGIL_MAX_TARGET || memchr(b, 0, n - half)))
		abort();
	if (half > VIGIL_MAX_DOMNAME || n - half > VIGIL_MAX_TARGET)
		return;
	memcpy(dom, a, half);
	dom[half] = 0;
	memcpy(tgt, b, n - half);
	tgt[n - half] = 0;
	/* The builders take C strings: judge them on what they see. */
	dok = virsh_name_ok(dom, strlen(dom));
	tok = virsh_target_ok(tgt, strlen(tgt));
	int r = virsh_cmd_migrate(buf, sizeof(buf), dom, tgt,
	    VIRSH_MIG_AUTOCONVERGE | VIRSH_MIG_POSTCOPY);
	if ((r >= 0) != (dok && tok))
		abort();
	if (r >= 0)
		check_cmd(buf, (size_t)r);
	r = virsh_cmd_dom(buf, sizeof(buf), "domjobinfo", dom);
	if ((r >= 0) != dok)
		abort();
	if (r >= 0)
		check_cmd(buf, (size_t)r);
}

static void
drive_job(uint8_t mode, const uint8_t *p, size_t n)
{
	struct jobs_cfg cfg;
	struct jobs_spec spec;
	struct jobs_cmd cmd;
	uint64_t now = 1000;

	jobs_cfg_default(&cfg);
	cfg.poll_ms = 100;
	cfg.cmd_timeout_ms = 1000;
	cfg.max_ms = 5000;
	cfg.finish_ms = 3000;
	cfg.stall_polls = (uint32_t)(mode & 3);
	cfg.max_iter = (uint32_t)((mode >> 2) & 7);
	memset(&spec, 0, sizeof(spec));
	spec.src = 0;
	spec.dst = 1;
	spec.postcopy = mode & 0x20 ? 1 : 0;
	strcpy(spec.dom, "web-01");
	strcpy(spec.target, "10.0.0.2");
	if (jobs_start(&job, &cfg, &spec, now) != 0)
		abort();

	uint32_t pending[2] = {0, 0};
	size_t i = 0;
	for (int round = 0; round < 10000; round++) {
		int r = jobs_next(&job, now, &cmd);
		if (r == JOBS_NEXT_END)
			break;
		if (r == JOBS_NEXT_CMD) {
			check_cmd(cmd.text, cmd.len);
			if (cmd.kind == JOBS_CMD_MIGRATE)
				pending[0] = cmd.seq;
			else
				pending[1] = cmd.seq;
			continue;
		}
		if (r != JOBS_NEXT_WAIT || cmd.wake_ms <= now)
			abort();
		/* Answer something from the input, or let time pass. */
		if (i < n) {
			const uint8_t *e = memchr(p + i, 0x1e, n - i);
			size_t len = e ? (size_t)(e - (p + i)) : n - i;
			const uint8_t *rec = p + i;
			i += len + 1;
			if (len >= 2) {
				int status = rec[0] < 0x80 ? rec[0] % 4
				                           : -(int)(rec[0] % 21) - 1;
				now += rec[1] * 10u;
				uint32_t which = pending[rec[0] & 0x40 ? 0 : 1];
				jobs_on_result(&job, which, status,
				    (const char *)rec + 2, len - 2,
				    (const char *)rec + 2, len - 2, now);
				continue;
			}
		}
		now = cmd.wake_ms;
	}
	if (!jobs_over(&job))
		abort();
	/* Everything ends by the migrate's hard deadline, plus what
	 * confirming takes, plus one input time step per answer. */
	if (job.t_end > job.t_start + cfg.max_ms + cfg.finish_ms +
	        (uint64_t)(cfg.confirm_tries + 2) *
	            (cfg.cmd_timeout_ms + cfg.poll_ms + 2550))
		abort();
	check_shown(job.reason, sizeof(job.reason));
	for (uint32_t k = 0; k < VIGIL_JOB_HISTORY; k++) {
		const struct jobs_event *ev = jobs_event_at(&job, k);
		if (ev && strlen(ev->text) >= sizeof(ev->text))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const char *s = (const char *)data + 1;
	size_t n = size - 1;

	switch (mode % 8) {
	case 0:
		check_list(virsh_parse_list(s, n, &l));
		break;
	case 1: {
		struct virsh_dominfo di;
		int rc = virsh_parse_dominfo(s, n, &di);
		if (rc != 0 && rc != VIGIL_EPARSE)
			abort();
		if (di.name_ok && !virsh_name_ok(di.name, strlen(di.name)))
			abort();
		static const char li[] = " Id Name State\n 1 web-01 running\n";
		check_list(virsh_parse_list(li, sizeof(li) - 1, &l));
		if (rc == 0) {
			rc = virsh_list_apply(&l, &di);
			if (rc != 0 && rc != VIGIL_ENOENT)
				abort();
		}
		break;
	}
	case 2: {
		int st = -1;
		int rc = virsh_parse_domstate(s, n, &st);
		if ((rc != 0 && rc != VIGIL_EPARSE) || st < 0 ||
		    st >= VIRSH_ST_COUNT)
			abort();
		break;
	}
	case 3: {
		struct virsh_jobinfo ji;
		int rc = virsh_parse_jobinfo(s, n, &ji);
		if ((rc != 0 && rc != VIGIL_EPARSE) || ji.type > VIRSH_JOB_CANCELLED ||
		    ji.throttle_pct > 100)
			abort();
		break;
	}
	case 4: {
		uint64_t kib;
		int rc = virsh_parse_freecell(s, n, &kib);
		if (rc != 0 && rc != VIGIL_EPARSE)
			abort();
		const char *e;
		size_t en;
		if (virsh_error_line(s, n, &e, &en) &&
		    (e < s || e + en > s + n || en == 0))
			abort();
		break;
	}
	case 5:
		names(data + 1, n);
		break;
	default:
		drive_job(mode, data + 1, n);
		break;
	}
	return 0;
}
