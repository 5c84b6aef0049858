/*
 * evac.c - evacuating failing hosts (see evac.h).
 *
 * Everything runs on the loop: a health change calls the policy at once,
 * and a job the policy starts writes its migrate command on an open SSH
 * channel in the same callback.  A 200 ms tick drives the jobs' waits
 * (domjobinfo polls, watchdogs) and the policy's timers; an inventory
 * timer refreshes each host's VMs and free memory.
 */
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "err.h"
#include "evac.h"
#include "jobs.h"
#include "log.h"
#include "migtime.h"
#include "policy.h"
#include "ssh.h"
#include "virsh.h"

#define TICK_MS 200
#define LOCALE "LC_ALL=C "
#define CMD_CAP (VIGIL_MAX_CMD + sizeof(LOCALE))

/* One command in flight on SSH for a job. */
struct pend {
	int used;
	int k;            /* job slot */
	uint32_t seq;     /* the job's command sequence number */
	uint8_t kind;     /* enum jobs_kind */
	uint64_t exec_ns; /* when ssh_exec was called */
	int handle;
};

/* One host's inventory refresh: list, then dominfo of each VM, then
 * freecell. */
enum { INV_IDLE, INV_LIST, INV_DOMINFO, INV_FREE };
struct inv {
	int step;
	uint32_t i;
	int handle;
	uint32_t refused_logged; /* refused names last reported */
	struct virsh_list list;
};

static struct vigild *vd;
static int on;
static uv_loop_t *loop;
static uv_timer_t tick, inv_timer;
static struct policy pol;
static struct jobs_cfg jcfg;
static struct jobs_job jobs[VIGIL_MAX_JOBS];
static uint8_t job_live[VIGIL_MAX_JOBS];
static uint64_t job_alarm_ns[VIGIL_MAX_JOBS]; /* the alarm behind a job */
static struct pend pend[2 * VIGIL_MAX_JOBS];
static struct inv inv[VIGIL_MAX_HOSTS];
static char target[VIGIL_MAX_HOSTS][VIGIL_MAX_TARGET + 1];
static uint8_t forced[VIGIL_MAX_HOSTS];     /* operator: evacuate */
static uint64_t alarm_ns[VIGIL_MAX_HOSTS];  /* last severe verdict */
static uint32_t logged;                     /* decisions logged so far */
static uint32_t a2c_last_us, a2c_max_us;

static void drive(int k);

static uint64_t
now_ms(void)
{
	return uv_now(loop);
}

static const char *
host_name(uint32_t h)
{
	return h < vd->ingest.hosts.n ? vd->ingest.hosts.h[h].name : "-";
}

/* Logs the policy's decisions made since the last call. */
static void
log_decisions(void)
{
	while (logged < pol.nd) {
		logged++;
		const struct policy_decision *d =
		    policy_decision_at(&pol, pol.nd - logged);
		if (!d)
			continue;
		int k = d->kind;
		int lvl = k == POLICY_D_BREAKER_OPEN || k == POLICY_D_FAILED ||
		    k == POLICY_D_REFUSED ? VLOG_ERR : k == POLICY_D_BLOCKED ?
		    VLOG_WARN : VLOG_NOTICE;
		vlog(lvl, "evacuation: %s%s%s%s%s%s%s: %s", policy_kind_name(k),
		    d->vm[0] ? " " : "", d->vm,
		    d->src != POLICY_NOHOST ? " from " : "",
		    d->src != POLICY_NOHOST ? host_name(d->src) : "",
		    d->dst != POLICY_NOHOST ? " to " : "",
		    d->dst != POLICY_NOHOST ? host_name(d->dst) : "", d->reason);
	}
}

/* Estimated migration time of one VM: the testbed's pre-copy line, upper
 * estimate (a deadline needs the safe side). */
static uint32_t
estimate(const struct virsh_dom *vm, void *ctx)
{
	(void)ctx;
	uint64_t kib = vm->max_kib ? vm->max_kib : vm->used_kib;
	uint64_t ms = migtime_estimate_ms(MIGTIME_PRECOPY,
	    (uint32_t)(kib / 1024), 0, 1);
	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}

/* Starts the jobs of policy commands.  by_alarm: they follow an alarm
 * directly (auto mode), so their alarm-to-command time is measured; an
 * operator's confirmation is not. */
static void
start_cmds(const struct policy_cmd *c, int n, int by_alarm)
{
	for (int i = 0; i < n; i++) {
		struct jobs_spec sp;
		memset(&sp, 0, sizeof(sp));
		sp.src = c[i].src;
		sp.dst = c[i].dst;
		sp.postcopy = c[i].postcopy;
		memcpy(sp.dom, c[i].dom, sizeof(sp.dom));
		memcpy(sp.target, target[c[i].dst], sizeof(sp.target));
		int k = c[i].slot;
		if (k >= VIGIL_MAX_JOBS)
			continue;
		if (jobs_start(&jobs[k], &jcfg, &sp, now_ms()) < 0) {
			policy_job_end(&pol, (uint32_t)k, 0, "job refused its spec",
			    now_ms());
			continue;
		}
		job_live[k] = 1;
		job_alarm_ns[k] = by_alarm ? alarm_ns[c[i].src] : 0;
		vlog(VLOG_NOTICE, "job %d: migrating %s from %s to %s", k,
		    sp.dom, host_name(sp.src), host_name(sp.dst));
		drive(k);
	}
}

static void
step(void)
{
	struct policy_cmd c[VIGIL_MAX_JOBS];
	int n = policy_step(&pol, now_ms(), estimate, NULL, c, VIGIL_MAX_JOBS);
	log_decisions();
	if (n > 0)
		start_cmds(c, n, 1);
	log_decisions();
}

/* ---- jobs on SSH ---------------------------------------------------- */

static void
on_job_result(void *ctx, const struct ssh_result *r)
{
	struct pend *p = ctx;
	int k = p->k;
	p->used = 0;
	if (p->kind == JOBS_CMD_MIGRATE && r->written_us && job_alarm_ns[k]) {
		uint64_t us = (p->exec_ns - job_alarm_ns[k]) / 1000 +
		    r->written_us;
		a2c_last_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		if (a2c_last_us > a2c_max_us)
			a2c_max_us = a2c_last_us;
		vlog(VLOG_INFO, "job %d: migrate command written %u us after "
		    "the alarm (%u us to the SSH call, %u us to the socket)", k,
		    a2c_last_us, (unsigned)((p->exec_ns - job_alarm_ns[k]) /
		    1000), (unsigned)r->written_us);
	}
	if (!job_live[k])
		return;
	jobs_on_result(&jobs[k], p->seq, r->status, r->out, r->outlen, r->err,
	    r->errlen, now_ms());
	drive(k);
}

static struct pend *
pend_get(void)
{
	for (size_t i = 0; i < sizeof(pend) / sizeof(pend[0]); i++)
		if (!pend[i].used)
			return &pend[i];
	return NULL;
}

/* Runs job k's commands until it waits or ends. */
static void
drive(int k)
{
	struct jobs_cmd c;
	char text[CMD_CAP];

	while (job_live[k]) {
		int r = jobs_next(&jobs[k], now_ms(), &c);
		if (r == JOBS_NEXT_WAIT)
			return;
		if (r == JOBS_NEXT_END) {
			int ok = jobs[k].state == JOBS_DONE;
			job_live[k] = 0;
			vlog(ok ? VLOG_NOTICE : VLOG_ERR, "job %d: %s %s: %s", k,
			    jobs[k].spec.dom, ok ? "moved" : "not moved",
			    jobs[k].reason);
			policy_job_end(&pol, (uint32_t)k, ok, jobs[k].reason,
			    now_ms());
			log_decisions();
			step();
			return;
		}
		struct pend *p = pend_get();
		int h = VIGIL_ENOSPC;
		snprintf(text, sizeof(text), LOCALE "%s", c.text);
		if (p) {
			p->used = 1;
			p->k = k;
			p->seq = c.seq;
			p->kind = c.kind;
			p->exec_ns = uv_hrtime();
			h = ssh_exec(c.host, text, c.timeout_ms, on_job_result, p);
			if (h < 0)
				p->used = 0;
			else
				p->handle = h;
		}
		if (h < 0) /* not sent: the job hears it as a transport error */
			jobs_on_result(&jobs[k], c.seq, h, NULL, 0, NULL, 0,
			    now_ms());
	}
}

/* ---- inventory -------------------------------------------------------- */

static void inv_next(uint32_t h);

static void
inv_done(uint32_t h, const char *why)
{
	struct inv *v = &inv[h];
	if (why)
		vlog(VLOG_WARN, "inventory of %s: %s", host_name(h), why);
	v->step = INV_IDLE;
}

static void
on_inv_result(void *ctx, const struct ssh_result *r)
{
	uint32_t h = (uint32_t)((struct inv *)ctx - inv);
	struct inv *v = &inv[h];
	if (r->status != 0) {
		inv_done(h, r->status < 0 ? vigil_strerror(r->status) :
		    "virsh failed");
		return;
	}
	switch (v->step) {
	case INV_LIST:
		if (virsh_parse_list(r->out, r->outlen, &v->list) < 0) {
			inv_done(h, "virsh list: output not understood");
			return;
		}
		if (v->list.refused != v->refused_logged)
			vlog(v->list.refused ? VLOG_ERR : VLOG_NOTICE,
			    "inventory of %s: refused %u domain name(s) outside "
			    "[A-Za-z0-9._-]%s%s%s", host_name(h), v->list.refused,
			    v->list.refused ? ", e.g. \"" : "",
			    v->list.refused_shown, v->list.refused ? "\"" : "");
		v->refused_logged = v->list.refused;
		v->step = INV_DOMINFO;
		v->i = 0;
		break;
	case INV_DOMINFO: {
		struct virsh_dominfo di;
		if (virsh_parse_dominfo(r->out, r->outlen, &di) == 0)
			virsh_list_apply(&v->list, &di);
		v->i++;
		break;
	}
	case INV_FREE: {
		uint64_t kib;
		if (virsh_parse_freecell(r->out, r->outlen, &kib) == 0)
			policy_set_free(&pol, h, kib, now_ms());
		policy_set_inventory(&pol, h, &v->list, now_ms());
		uint32_t mib[VIGIL_MAX_VMS];
		size_t n = 0;
		for (uint32_t i = 0; i < v->list.n; i++)
			if (v->list.dom[i].state == VIRSH_ST_RUNNING)
				mib[n++] = (uint32_t)((v->list.dom[i].max_kib ?
				    v->list.dom[i].max_kib :
				    v->list.dom[i].used_kib) / 1024);
		uint64_t ms = migtime_evacuate_ms(mib, n,
		    pol.cfg.max_per_host, MIGTIME_PRECOPY, 0, 1);
		vd->evacuate_s[h] = (uint32_t)((ms + 999) / 1000);
		inv_done(h, NULL);
		step();
		return;
	}
	default:
		return;
	}
	inv_next(h);
}

/* Issues host h's next inventory command. */
static void
inv_next(uint32_t h)
{
	struct inv *v = &inv[h];
	char cmd[VIGIL_MAX_CMD], text[CMD_CAP];

	if (v->step == INV_DOMINFO && v->i >= v->list.n)
		v->step = INV_FREE;
	if (v->step == INV_LIST)
		snprintf(cmd, sizeof(cmd), "virsh list --all");
	else if (v->step == INV_FREE)
		snprintf(cmd, sizeof(cmd), "virsh freecell --all");
	else if (virsh_cmd_dom(cmd, sizeof(cmd), "dominfo",
	    v->list.dom[v->i].name) < 0) {
		inv_done(h, "dominfo command refused");
		return;
	}
	snprintf(text, sizeof(text), LOCALE "%s", cmd);
	v->handle = ssh_exec((int)h, text, jcfg.cmd_timeout_ms, on_inv_result,
	    v);
	if (v->handle < 0)
		inv_done(h, NULL); /* not connected now: next round */
}

static void
on_inv_timer(uv_timer_t *t)
{
	(void)t;
	for (uint32_t h = 0; h < vd->ingest.hosts.n; h++) {
		if (inv[h].step != INV_IDLE ||
		    ssh_host_state((int)h) != SSH_ST_READY)
			continue;
		inv[h].step = INV_LIST;
		inv_next(h);
	}
}

static void
on_tick(uv_timer_t *t)
{
	(void)t;
	for (int k = 0; k < VIGIL_MAX_JOBS; k++)
		if (job_live[k])
			drive(k);
	step();
}

/* ---- set-up ------------------------------------------------------------ */

static int
effective(uint32_t h)
{
	return forced[h] ? HEALTH_SEVERE : vd->ingest.predict.h[h].state;
}

int
evac_start(struct vigild *v)
{
	struct vigil_config *c = &v->cfg;
	char pub[VIGIL_MAX_PATH + 8], addr[64];

	vd = v;
	loop = v->loop;
	if (c->evac_mode == CONFIG_EVAC_OFF)
		return 0;
	jcfg = c->jobs;
	if (policy_init(&pol, &c->policy, c->hosts.n ? c->hosts.n : 1) < 0 ||
	    policy_set_mode(&pol, c->evac_mode) < 0) {
		vlog(VLOG_ERR, "evacuation: bad policy settings");
		return -1;
	}
	if (ssh_init(loop, NULL) < 0)
		return -1;
	snprintf(pub, sizeof(pub), "%s.pub", c->ssh_key);
	for (uint32_t h = 0; h < c->hosts.n; h++) {
		const struct config_ssh *s = &c->ssh[h];
		if (s->addr[0])
			snprintf(addr, sizeof(addr), "%s", s->addr);
		else
			hosts_format_addr(&c->hosts.h[h].addr[0], addr,
			    sizeof(addr));
		if (s->target[0])
			snprintf(target[h], sizeof(target[h]), "%s", s->target);
		else if (strchr(addr, ':'))
			snprintf(target[h], sizeof(target[h]), "[%s]", addr);
		else
			snprintf(target[h], sizeof(target[h]), "%s", addr);
		struct ssh_host_cfg hc = {
			.name = c->hosts.h[h].name, .addr = addr,
			.port = s->port ? s->port : 22, .user = c->ssh_user,
			.pubkey = pub, .privkey = c->ssh_key,
			.known_hosts = c->known_hosts,
		};
		if (ssh_host_add((int)h, &hc) < 0)
			return -1;
	}
	uv_timer_init(loop, &tick);
	uv_timer_init(loop, &inv_timer);
	uv_timer_start(&tick, on_tick, TICK_MS, TICK_MS);
	/* The first inventory soon after the sessions are up. */
	uv_timer_start(&inv_timer, on_inv_timer, 1000,
	    (uint64_t)c->inventory_s * 1000);
	on = 1;
	vlog(VLOG_NOTICE, "evacuation: %s, %u hosts, at most %u migrations "
	    "per host and %u per rack, breaker above %u hosts",
	    policy_mode_name(c->evac_mode), c->hosts.n, c->policy.max_per_host,
	    c->policy.max_per_rack, c->policy.breaker_n);
	return 0;
}

void
evac_reload(struct vigild *v, const struct vigil_config *old)
{
	struct vigil_config *c = &v->cfg;
	if (!on) {
		if (c->evac_mode != CONFIG_EVAC_OFF)
			vlog(VLOG_WARN, "reload: evacuation starts at the next "
			    "restart");
		return;
	}
	if (c->evac_mode == CONFIG_EVAC_OFF) {
		vlog(VLOG_WARN, "reload: evacuation stays %s until the next "
		    "restart", policy_mode_name(pol.cfg.mode));
		return;
	}
	pol.cfg.max_per_host = c->policy.max_per_host;
	pol.cfg.max_per_rack = c->policy.max_per_rack;
	pol.cfg.cooldown_ms = c->policy.cooldown_ms;
	pol.cfg.breaker_n = c->policy.breaker_n;
	pol.cfg.postcopy = c->policy.postcopy;
	policy_set_mode(&pol, c->evac_mode);
	jcfg = c->jobs;
	if (strcmp(old->ssh_key, c->ssh_key) || strcmp(old->known_hosts,
	    c->known_hosts) || strcmp(old->ssh_user, c->ssh_user) ||
	    memcmp(old->ssh, c->ssh, sizeof(c->ssh)))
		vlog(VLOG_WARN, "reload: SSH settings apply at the next restart");
	step();
}

void
evac_stop(void)
{
	if (!on)
		return;
	on = 0;
	uv_timer_stop(&tick);
	uv_timer_stop(&inv_timer);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_close((uv_handle_t *)&inv_timer, NULL);
	for (int k = 0; k < VIGIL_MAX_JOBS; k++)
		if (job_live[k])
			vlog(VLOG_WARN, "job %d: %s left running on %s at stop",
			    k, jobs[k].spec.dom, host_name(jobs[k].spec.src));
	memset(job_live, 0, sizeof(job_live));
	ssh_close();
}

void
evac_health(int host, int from, int to)
{
	(void)from;
	if (!on || host < 0 || (uint32_t)host >= pol.nhosts)
		return;
	if (to == HEALTH_SEVERE)
		alarm_ns[host] = uv_hrtime();
	policy_set_health(&pol, (uint32_t)host, effective((uint32_t)host), 0,
	    now_ms());
	step();
}

/* ---- commands ------------------------------------------------------------ */

int
evac_cmd_evacuate(const char *name, int clear, char *why, size_t cap)
{
	int h = hosts_find(&vd->ingest.hosts, name);
	if (!on) {
		snprintf(why, cap, "evacuation is off");
		return VIGIL_EACCES;
	}
	if (h < 0) {
		snprintf(why, cap, "no such host");
		return VIGIL_ENOENT;
	}
	forced[h] = !clear;
	if (!clear)
		alarm_ns[h] = uv_hrtime();
	vlog(VLOG_NOTICE, "evacuation of %s %s by the NOC", host_name(
	    (uint32_t)h), clear ? "cleared" : "requested");
	policy_set_health(&pol, (uint32_t)h, effective((uint32_t)h), 0,
	    now_ms());
	step();
	return 0;
}

int
evac_cmd_mode(int mode, char *why, size_t cap)
{
	if (!on) {
		snprintf(why, cap, "evacuation is off");
		return VIGIL_EACCES;
	}
	if (policy_set_mode(&pol, mode) < 0) {
		snprintf(why, cap, "bad mode");
		return VIGIL_EINVAL;
	}
	vlog(VLOG_NOTICE, "evacuation: mode %s set by the NOC",
	    policy_mode_name(mode));
	step();
	return 0;
}

int
evac_cmd_confirm(uint32_t id, char *why, size_t cap)
{
	struct policy_cmd c;
	if (!on) {
		snprintf(why, cap, "evacuation is off");
		return VIGIL_EACCES;
	}
	int r = policy_confirm(&pol, id, now_ms(), &c);
	log_decisions();
	if (r == VIGIL_ENOENT)
		snprintf(why, cap, "no such recommendation (or it no longer "
		    "applies)");
	else if (r == VIGIL_EACCES)
		snprintf(why, cap, "a dry-run entry, or the breaker is open");
	else if (r == VIGIL_ENOSPC)
		snprintf(why, cap, "no target or no room now; still pending");
	if (r < 0)
		return r;
	start_cmds(&c, 1, 0);
	return 0;
}

/* ---- status ------------------------------------------------------------- */

int
evac_fill_ssh(vigil_SshStats *s)
{
	struct ssh_stats st;

	memset(s, 0, sizeof(*s));
	if (!on)
		return 0;
	ssh_stats(-1, &st);
	s->connects = st.connects;
	s->connect_failures = st.connect_failures;
	s->hostkey_mismatch = st.hostkey_mismatch;
	s->hostkey_unknown = st.hostkey_unknown;
	s->known_hosts_bad = st.known_hosts_bad;
	s->auth_failures = st.auth_failures;
	s->step_timeouts = st.step_timeouts;
	s->keepalive_dead = st.keepalive_dead;
	s->drops = st.drops;
	s->execs = st.execs;
	s->exec_ok = st.exec_ok;
	s->exec_nonzero = st.exec_nonzero;
	s->exec_errors = st.exec_errors;
	s->exec_timeouts = st.exec_timeouts;
	s->refused_not_ready = st.refused_not_ready;
	s->refused_no_slot = st.refused_no_slot;
	s->nomem = st.nomem;
	s->warm_opened = st.warm_opened;
	s->warm_used = st.warm_used;
	s->warm_lost = st.warm_lost;
	s->channels_open = st.channels_open;
	s->channels_high = st.channels_high;
	s->channels_warm = st.channels_warm;
	s->write_us_max = st.write_us_max;
	s->connect_ms_max = st.connect_ms_max;
	return 1;
}

void
evac_fill(vigil_MigrationsPage *pg, uint32_t max_decisions)
{
	memset(pg, 0, sizeof(*pg));
	if (!on) {
		pg->mode = vigil_Mode_MODE_OFF;
		return;
	}
	pg->mode = (vigil_Mode)pol.cfg.mode;
	pg->breaker_open = pol.breaker_open;
	pg->started = pol.st.started;
	pg->done = pol.st.done;
	pg->failed = pol.st.failed;
	pg->alarm_to_command_us_last = a2c_last_us;
	pg->alarm_to_command_us_max = a2c_max_us;
	uint64_t now = now_ms();
	for (int k = 0; k < VIGIL_MAX_JOBS && pg->jobs_count <
	    pb_arraysize(vigil_MigrationsPage, jobs); k++) {
		const struct jobs_job *j = &jobs[k];
		if (j->state == JOBS_IDLE)
			continue;
		vigil_Job *o = &pg->jobs[pg->jobs_count++];
		o->slot = (uint32_t)k;
		codec_put_printable(o->state, sizeof(o->state),
		    jobs_state_name(j->state));
		codec_put_printable(o->vm, sizeof(o->vm), j->spec.dom);
		codec_put_printable(o->source, sizeof(o->source),
		    host_name(j->spec.src));
		codec_put_printable(o->target, sizeof(o->target),
		    host_name(j->spec.dst));
		o->elapsed_ms = (j->t_end ? j->t_end : now) - j->t_start;
		o->memory_remaining = j->last.mem_remaining;
		o->memory_total = j->last.mem_total;
		o->iteration = j->last.iteration;
		codec_put_printable(o->reason, sizeof(o->reason), j->reason);
	}
	for (int i = 0; i < VIGIL_MAX_RECS && pg->recommendations_count <
	    pb_arraysize(vigil_MigrationsPage, recommendations); i++) {
		const struct policy_rec *r = &pol.rec[i];
		if (!r->id)
			continue;
		vigil_Recommendation *o =
		    &pg->recommendations[pg->recommendations_count++];
		o->id = r->id;
		o->dry_run = r->dry;
		codec_put_printable(o->vm, sizeof(o->vm), r->dom);
		codec_put_printable(o->source, sizeof(o->source),
		    host_name(r->src));
		codec_put_printable(o->target, sizeof(o->target),
		    host_name(r->dst));
		o->estimate_s = (r->est_ms + 999) / 1000;
	}
	uint32_t cap = pb_arraysize(vigil_MigrationsPage, decisions);
	if (max_decisions && max_decisions < cap)
		cap = max_decisions;
	for (uint32_t i = 0; pg->decisions_count < cap; i++) {
		const struct policy_decision *d = policy_decision_at(&pol, i);
		if (!d)
			break;
		vigil_Decision *o = &pg->decisions[pg->decisions_count++];
		o->seq = d->seq;
		o->at_ms = d->t_ms;
		codec_put_printable(o->kind, sizeof(o->kind),
		    policy_kind_name(d->kind));
		codec_put_printable(o->vm, sizeof(o->vm), d->vm);
		codec_put_printable(o->source, sizeof(o->source),
		    d->src != POLICY_NOHOST ?
		    host_name(d->src) : "");
		codec_put_printable(o->target, sizeof(o->target),
		    d->dst != POLICY_NOHOST ?
		    host_name(d->dst) : "");
		codec_put_printable(o->reason, sizeof(o->reason), d->reason);
	}
}
