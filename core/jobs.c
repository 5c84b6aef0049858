/*
 * jobs.c - the migration job state machine (see jobs.h).
 *
 * Two command slots: mig holds the migrate for the whole migration, ctl
 * one short command at a time.  Each command gets a fresh sequence number
 * so a late result for a command the job gave up on cannot be taken for
 * the answer to a newer one.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "jobs.h"

static const char *const state_names[] = {"idle", "migrating", "postcopy",
    "aborting", "confirming", "done", "failed"};
static const char *const kind_names[JOBS_CMD_COUNT] = {"none", "migrate",
    "domjobinfo", "migrate-postcopy", "domjobabort", "domstate"};
static const char *const trig_names[] = {"none", "time budget",
    "iteration budget", "no progress"};

const char *
jobs_state_name(int state)
{
	return state >= 0 && state <= JOBS_FAILED ? state_names[state]
	                                          : "unknown";
}

const char *
jobs_kind_name(int kind)
{
	return kind >= 0 && kind < JOBS_CMD_COUNT ? kind_names[kind] : "unknown";
}

void
jobs_cfg_default(struct jobs_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->poll_ms = 1000;
	cfg->cmd_timeout_ms = 30000;
	cfg->max_ms = 120000;
	cfg->max_iter = 30;
	cfg->stall_polls = 10;
	cfg->finish_ms = 120000;
	cfg->auto_converge = 1;
	cfg->confirm_tries = 5;
}

int
jobs_over(const struct jobs_job *j)
{
	return j->state == JOBS_DONE || j->state == JOBS_FAILED;
}

/* ---- history ----------------------------------------------------------- */

static struct jobs_event *
event_new(struct jobs_job *j, uint64_t now, struct virsh_buf *b)
{
	if (j->nhist >= VIGIL_JOB_HISTORY)
		j->st.events_lost++;
	struct jobs_event *e = &j->hist[j->nhist % VIGIL_JOB_HISTORY];
	j->nhist++;
	memset(e, 0, sizeof(*e));
	e->t_ms = now;
	e->state = j->state;
	virsh_buf_init(b, e->text, sizeof(e->text));
	return e;
}

static void
event(struct jobs_job *j, uint64_t now, const char *a, const char *b2)
{
	struct virsh_buf b;
	event_new(j, now, &b);
	virsh_buf_str(&b, a);
	if (b2)
		virsh_buf_str(&b, b2);
}

const struct jobs_event *
jobs_event_at(const struct jobs_job *j, uint32_t i)
{
	uint32_t kept = j->nhist < VIGIL_JOB_HISTORY ? j->nhist
	                                             : VIGIL_JOB_HISTORY;
	if (i >= kept)
		return NULL;
	return &j->hist[(j->nhist - 1 - i) % VIGIL_JOB_HISTORY];
}

/* A command's output: stdout and stderr. */
struct res {
	const char *out, *err;
	size_t outlen, errlen;
};

/* Appends a command's outcome for a reason: virsh's last error line, or
 * the exit status, or the transport error. */
static void
outcome(struct virsh_buf *b, int status, const struct res *r)
{
	const char *e;
	size_t n;

	if (status < 0) {
		virsh_buf_str(b, vigil_strerror(status));
		return;
	}
	virsh_buf_str(b, "exit ");
	virsh_buf_u64(b, (uint64_t)status);
	if (virsh_error_line(r->err, r->errlen, &e, &n) ||
	    virsh_error_line(r->out, r->outlen, &e, &n)) {
		virsh_buf_str(b, ": ");
		virsh_buf_shown(b, e, n);
	}
}

/* ---- ending ------------------------------------------------------------ */

static void
finish(struct jobs_job *j, int state, int err, uint64_t now)
{
	j->state = (uint8_t)state;
	if (err && !j->err)
		j->err = err;
	j->t_end = now;
	j->mig.seq = 0;
	j->ctl.seq = 0;
	j->want = JOBS_CMD_NONE;
	j->need_migrate = 0;
	struct virsh_buf b;
	event_new(j, now, &b);
	virsh_buf_str(&b, state == JOBS_DONE ? "done: " : "failed: ");
	virsh_buf_str(&b, j->reason);
}

/* Fails the job; the reason is built by the caller in j->reason. */
static void
fail(struct jobs_job *j, int err, uint64_t now)
{
	finish(j, JOBS_FAILED, err, now);
}

static void
reason_start(struct jobs_job *j, struct virsh_buf *b)
{
	virsh_buf_init(b, j->reason, sizeof(j->reason));
}

/* ---- start ------------------------------------------------------------- */

static int
cfg_ok(const struct jobs_cfg *c)
{
	return c->poll_ms > 0 && c->cmd_timeout_ms > 0 && c->max_ms > 0 &&
	    c->finish_ms > 0;
}

static size_t
blen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int
jobs_start(struct jobs_job *j, const struct jobs_cfg *cfg,
    const struct jobs_spec *spec, uint64_t now)
{
	struct virsh_buf b;

	memset(j, 0, sizeof(*j));
	j->next_seq = 1;
	j->t_start = now;
	reason_start(j, &b);
	const char *why = NULL;
	if (cfg == NULL || !cfg_ok(cfg))
		why = "refused: bad configuration";
	else if (spec == NULL ||
	    !virsh_name_ok(spec->dom, blen(spec->dom, sizeof(spec->dom))))
		why = "refused: domain name fails the check";
	else if (!virsh_target_ok(spec->target,
	             blen(spec->target, sizeof(spec->target))))
		why = "refused: target address fails the check";
	else if (spec->src == spec->dst)
		why = "refused: source and target are the same host";
	if (why) {
		virsh_buf_str(&b, why);
		fail(j, VIGIL_EINVAL, now);
		return VIGIL_EINVAL;
	}
	j->cfg = *cfg;
	j->spec = *spec;
	j->state = JOBS_MIGRATING;
	j->need_migrate = 1;
	j->confirm_left = cfg->confirm_tries ? cfg->confirm_tries : 1;
	j->best_remaining = UINT64_MAX;
	struct virsh_buf e;
	event_new(j, now, &e);
	virsh_buf_str(&e, "start ");
	virsh_buf_str(&e, spec->dom);
	virsh_buf_str(&e, " host ");
	virsh_buf_u64(&e, spec->src);
	virsh_buf_str(&e, " -> ");
	virsh_buf_u64(&e, spec->dst);
	if (spec->postcopy)
		virsh_buf_str(&e, " (post-copy allowed)");
	return 0;
}

/* ---- the budget -------------------------------------------------------- */

/* The pre-copy budget is spent: switch to post-copy when allowed and the
 * migration has been seen running (libvirt refuses it earlier), else
 * abort. */
static void
spend(struct jobs_job *j, int trig, uint64_t now)
{
	if (j->trigger != JOBS_TRIG_NONE || j->state != JOBS_MIGRATING)
		return;
	j->trigger = (uint8_t)trig;
	j->t_budget_spent = now;
	struct virsh_buf b;
	event_new(j, now, &b);
	virsh_buf_str(&b, trig_names[trig]);
	virsh_buf_str(&b, " spent after ");
	virsh_buf_ms(&b, now - j->t_start);
	virsh_buf_str(&b, " s: ");
	if (j->spec.postcopy && j->active_seen) {
		j->want = JOBS_CMD_POSTCOPY;
		virsh_buf_str(&b, "post-copy");
	} else {
		j->want = JOBS_CMD_ABORT;
		j->state = JOBS_ABORTING;
		virsh_buf_str(&b, "abort");
	}
}

/* ---- results ----------------------------------------------------------- */

static void
on_migrate(struct jobs_job *j, int status, const struct res *r,
    uint64_t now)
{
	struct virsh_buf b;

	j->mig.seq = 0;
	if (status == 0) {
		j->state = JOBS_CONFIRMING;
		/* A domjobinfo still out is of no use now; its late result will
		 * be ignored. */
		j->ctl.seq = 0;
		j->want = JOBS_CMD_NONE;
		j->next_poll = now;
		event_new(j, now, &b);
		virsh_buf_str(&b, "migrate exit 0 after ");
		virsh_buf_ms(&b, now - j->t_start);
		virsh_buf_str(&b, " s");
		return;
	}
	reason_start(j, &b);
	if (j->state == JOBS_POSTCOPY)
		virsh_buf_str(&b, "post-copy failed (VM may be paused): ");
	else if (j->trigger != JOBS_TRIG_NONE) {
		virsh_buf_str(&b, "aborted (");
		virsh_buf_str(&b, trig_names[j->trigger]);
		virsh_buf_str(&b, ", VM stays on source): ");
	} else if (status > 0)
		virsh_buf_str(&b, "migrate failed (VM stays on source): ");
	else
		virsh_buf_str(&b, "migrate lost (VM location unknown): ");
	outcome(&b, status, r);
	fail(j, status < 0 ? status : VIGIL_EIO, now);
}

static void
on_jobinfo(struct jobs_job *j, int status, const struct res *r,
    uint64_t now)
{
	struct virsh_jobinfo ji;

	if (status != 0 || virsh_parse_jobinfo(r->out, r->outlen, &ji) != 0) {
		j->st.poll_errors++;
		return;
	}
	j->st.polls++;
	j->last = ji;
	j->last_ms = now;
	int running = (ji.type == VIRSH_JOB_UNBOUNDED ||
	                  ji.type == VIRSH_JOB_BOUNDED) &&
	    (!(ji.seen & VIRSH_JI_OP) || (ji.seen & VIRSH_JI_OP_OUT));
	if (!running)
		return;
	if (!j->active_seen) {
		j->active_seen = 1;
		event(j, now, "migration running", NULL);
	}
	if (j->state != JOBS_MIGRATING || j->trigger != JOBS_TRIG_NONE)
		return;
	if (ji.seen & VIRSH_JI_MEM) {
		if (ji.mem_remaining < j->best_remaining) {
			j->best_remaining = ji.mem_remaining;
			j->stall = 0;
		} else {
			j->stall++;
		}
	}
	if (j->cfg.max_iter && (ji.seen & VIRSH_JI_ITER) &&
	    ji.iteration > j->cfg.max_iter)
		spend(j, JOBS_TRIG_ITER, now);
	else if (j->cfg.stall_polls && j->stall >= j->cfg.stall_polls)
		spend(j, JOBS_TRIG_STALL, now);
}

static void
on_postcopy(struct jobs_job *j, int status, const struct res *r,
    uint64_t now)
{
	struct virsh_buf b;

	event_new(j, now, &b);
	if (status == 0) {
		j->state = JOBS_POSTCOPY;
		j->postcopied = 1;
		j->want = JOBS_CMD_NONE;
		virsh_buf_str(&b, "switched to post-copy");
		return;
	}
	/* Refused (or lost): pre-copy goes on over budget, so abort. */
	j->state = JOBS_ABORTING;
	j->want = JOBS_CMD_ABORT;
	virsh_buf_str(&b, "migrate-postcopy ");
	outcome(&b, status, r);
	virsh_buf_str(&b, "; abort");
}

static void
on_abort(struct jobs_job *j, int status, const struct res *r,
    uint64_t now)
{
	struct virsh_buf b;

	event_new(j, now, &b);
	virsh_buf_str(&b, "domjobabort ");
	outcome(&b, status, r);
	/* A lost abort is sent again (the hard deadline bounds this); a
	 * refused one means the job already ended: the migrate will say how. */
	if (status < 0 && j->mig.seq != 0)
		j->want = JOBS_CMD_ABORT;
}

static void
on_domstate(struct jobs_job *j, int status, const struct res *r,
    uint64_t now)
{
	struct virsh_buf b;
	int st = VIRSH_ST_UNKNOWN;

	if (status == 0 && virsh_parse_domstate(r->out, r->outlen, &st) == 0 &&
	    st == VIRSH_ST_RUNNING) {
		reason_start(j, &b);
		virsh_buf_str(&b, "running on host ");
		virsh_buf_u64(&b, j->spec.dst);
		virsh_buf_str(&b, " after ");
		virsh_buf_ms(&b, now - j->t_start);
		virsh_buf_str(&b, j->postcopied ? " s (post-copy)" : " s");
		finish(j, JOBS_DONE, 0, now);
		return;
	}
	j->st.confirm_errors++;
	if (j->confirm_left > 0)
		j->confirm_left--;
	if (j->confirm_left == 0) {
		reason_start(j, &b);
		virsh_buf_str(&b, "not running on target: ");
		if (status == 0) {
			virsh_buf_str(&b, "domstate ");
			virsh_buf_str(&b, virsh_state_name(st));
		} else {
			outcome(&b, status, r);
		}
		fail(j, VIGIL_EIO, now);
		return;
	}
	j->next_poll = now + j->cfg.poll_ms;
}

int
jobs_on_result(struct jobs_job *j, uint32_t seq, int status, const char *out,
    size_t outlen, const char *err, size_t errlen, uint64_t now)
{
	struct res r = {out, err, out ? outlen : 0, err ? errlen : 0};
	if (seq == 0 || jobs_over(j)) {
		j->st.stray++;
		return VIGIL_ENOENT;
	}
	if (status == VIGIL_ETIMEDOUT)
		j->st.timeouts++;
	if (j->mig.seq == seq) {
		on_migrate(j, status, &r, now);
		return 0;
	}
	if (j->ctl.seq != seq) {
		j->st.stray++;
		return VIGIL_ENOENT;
	}
	int kind = j->ctl.kind;
	j->ctl.seq = 0;
	switch (kind) {
	case JOBS_CMD_JOBINFO:
		on_jobinfo(j, status, &r, now);
		break;
	case JOBS_CMD_POSTCOPY:
		on_postcopy(j, status, &r, now);
		break;
	case JOBS_CMD_ABORT:
		on_abort(j, status, &r, now);
		break;
	case JOBS_CMD_DOMSTATE:
		on_domstate(j, status, &r, now);
		break;
	default:
		break;
	}
	return 0;
}

/* ---- next command ------------------------------------------------------ */

static int
emit(struct jobs_job *j, struct jobs_slot *slot, int kind, uint16_t host,
    uint32_t timeout_ms, uint64_t now, struct jobs_cmd *out)
{
	int n;

	if (kind == JOBS_CMD_MIGRATE)
		n = virsh_cmd_migrate(out->text, sizeof(out->text), j->spec.dom,
		    j->spec.target,
		    (j->cfg.auto_converge ? VIRSH_MIG_AUTOCONVERGE : 0u) |
		        (j->spec.postcopy ? VIRSH_MIG_POSTCOPY : 0u));
	else
		n = virsh_cmd_dom(out->text, sizeof(out->text), kind_names[kind],
		    j->spec.dom);
	/* The spec was checked and VIGIL_MAX_CMD is checked against the
	 * longest command in limits.h, so this cannot fail; if it did, the
	 * job ends rather than run a cut command. */
	if (n < 0) {
		struct virsh_buf b;
		reason_start(j, &b);
		virsh_buf_str(&b, "cannot build command");
		fail(j, n, now);
		return JOBS_NEXT_END;
	}
	out->len = (uint32_t)n;
	out->kind = (uint8_t)kind;
	out->host = host;
	out->timeout_ms = timeout_ms;
	out->seq = j->next_seq++;
	if (j->next_seq == 0)
		j->next_seq = 1;
	slot->seq = out->seq;
	slot->kind = (uint8_t)kind;
	slot->deadline = now + timeout_ms;
	return JOBS_NEXT_CMD;
}

/* The migrate's hard time limit: the budget plus the time to finish. */
static uint32_t
mig_limit(const struct jobs_job *j)
{
	uint64_t t = (uint64_t)j->cfg.max_ms + j->cfg.finish_ms;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static void
wake_min(uint64_t *w, uint64_t t)
{
	if (*w == 0 || t < *w)
		*w = t;
}

int
jobs_next(struct jobs_job *j, uint64_t now, struct jobs_cmd *out)
{
	memset(out, 0, offsetof(struct jobs_cmd, text));
	out->text[0] = 0;
	if (j->state == JOBS_IDLE || jobs_over(j))
		return JOBS_NEXT_END;

	/* Watchdogs. */
	if (j->ctl.seq != 0 && now >= j->ctl.deadline)
		jobs_on_result(j, j->ctl.seq, VIGIL_ETIMEDOUT, NULL, 0, NULL, 0,
		    now);
	if (j->mig.seq != 0 && now >= j->mig.deadline) {
		struct virsh_buf b;
		j->st.timeouts++;
		reason_start(j, &b);
		virsh_buf_str(&b, "migrate did not end within ");
		virsh_buf_ms(&b, mig_limit(j));
		virsh_buf_str(&b, " s (VM location unknown)");
		fail(j, VIGIL_ETIMEDOUT, now);
	}
	if (jobs_over(j))
		return JOBS_NEXT_END;

	if (j->need_migrate) {
		j->need_migrate = 0;
		j->t_start = now;
		j->next_poll = now + j->cfg.poll_ms;
		event(j, now, "migrate sent", NULL);
		return emit(j, &j->mig, JOBS_CMD_MIGRATE, j->spec.src,
		    mig_limit(j), now, out);
	}

	uint64_t budget = j->t_start + j->cfg.max_ms;
	if (j->state == JOBS_MIGRATING && now >= budget)
		spend(j, JOBS_TRIG_TIME, now);

	if (j->ctl.seq == 0 && j->want != JOBS_CMD_NONE) {
		int kind = j->want;
		j->want = JOBS_CMD_NONE;
		return emit(j, &j->ctl, kind, j->spec.src, j->cfg.cmd_timeout_ms,
		    now, out);
	}
	if (j->ctl.seq == 0 && now >= j->next_poll) {
		j->next_poll = now + j->cfg.poll_ms;
		if (j->state == JOBS_CONFIRMING)
			return emit(j, &j->ctl, JOBS_CMD_DOMSTATE, j->spec.dst,
			    j->cfg.cmd_timeout_ms, now, out);
		if (j->mig.seq != 0)
			return emit(j, &j->ctl, JOBS_CMD_JOBINFO, j->spec.src,
			    j->cfg.cmd_timeout_ms, now, out);
	}

	uint64_t w = 0;
	if (j->ctl.seq != 0)
		wake_min(&w, j->ctl.deadline);
	else
		wake_min(&w, j->next_poll);
	if (j->mig.seq != 0)
		wake_min(&w, j->mig.deadline);
	if (j->state == JOBS_MIGRATING && j->trigger == JOBS_TRIG_NONE)
		wake_min(&w, budget);
	out->wake_ms = w;
	return JOBS_NEXT_WAIT;
}
