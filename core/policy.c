/*
 * policy.c - the rack's migration policy (see policy.h).
 *
 * One step looks at every host in a fixed order and touches only fixed
 * tables; the work per step is O(hosts * VMs * hosts).  Everything that
 * is "in flight" for the caps and for target room is counted from the
 * flight and recommendation tables, never kept as a separate running sum
 * that could drift.
 */
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "policy.h"

#define KIB_PER_GIB 1048576u

/* Reasons an evacuation is blocked (policy_host.block_code). */
enum {
	BLK_NONE = 0,
	BLK_COOLDOWN,
	BLK_NO_INV,
	BLK_MEM_UNKNOWN,
	BLK_NO_TARGET,
	BLK_CAP_HOST,
	BLK_CAP_RACK,
	BLK_NO_SLOT,
	BLK_RECS_FULL
};

static const char *const kind_names[POLICY_D_COUNT] = {"quarantine",
    "release", "migrate", "recommend", "dry-run", "confirm", "expire",
    "blocked", "breaker-open", "breaker-close", "done", "failed", "refused"};
static const char *const mode_names[] = {"auto", "manual", "dry-run"};

const char *
policy_kind_name(int kind)
{
	return kind >= 0 && kind < POLICY_D_COUNT ? kind_names[kind] : "unknown";
}

const char *
policy_mode_name(int mode)
{
	return mode >= 0 && mode <= POLICY_DRYRUN ? mode_names[mode] : "unknown";
}

void
policy_cfg_default(struct policy_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = POLICY_AUTO;
	cfg->postcopy = 0;
	cfg->max_per_host = 2;
	cfg->max_per_rack = 4 < VIGIL_MAX_JOBS ? 4 : VIGIL_MAX_JOBS;
	cfg->breaker_n = 2;
	cfg->cooldown_ms = 600000;
	cfg->rec_ttl_ms = 900000;
	cfg->est_fixed_ms = 5000;
	cfg->est_ms_per_gib = 1250;
	cfg->headroom_kib = KIB_PER_GIB;
}

int
policy_cfg_check(const struct policy_cfg *cfg)
{
	if (cfg->mode > POLICY_DRYRUN || cfg->max_per_host == 0 ||
	    cfg->max_per_rack == 0 || cfg->max_per_rack > VIGIL_MAX_JOBS ||
	    cfg->max_per_host > cfg->max_per_rack || cfg->rec_ttl_ms == 0)
		return VIGIL_EINVAL;
	return 0;
}

int
policy_init(struct policy *p, const struct policy_cfg *cfg, uint32_t nhosts)
{
	memset(p, 0, sizeof(*p));
	if (cfg == NULL || policy_cfg_check(cfg) != 0 || nhosts == 0 ||
	    nhosts > VIGIL_MAX_HOSTS)
		return VIGIL_EINVAL;
	p->cfg = *cfg;
	p->nhosts = nhosts;
	p->next_rec = 1;
	return 0;
}

int
policy_set_mode(struct policy *p, int mode)
{
	if (mode < POLICY_AUTO || mode > POLICY_DRYRUN)
		return VIGIL_EINVAL;
	p->cfg.mode = (uint8_t)mode;
	return 0;
}

/* ---- decisions --------------------------------------------------------- */

static void
decide(struct policy *p, struct virsh_buf *b, int kind, uint64_t now,
    uint32_t src, uint32_t dst, uint32_t slot, uint32_t rec, const char *vm)
{
	if (p->nd >= VIGIL_MAX_DECISIONS)
		p->st.decisions_lost++;
	struct policy_decision *d = &p->d[p->nd % VIGIL_MAX_DECISIONS];
	p->nd++;
	p->st.decisions++;
	memset(d, 0, sizeof(*d));
	d->seq = p->nd;
	d->kind = (uint8_t)kind;
	d->slot = (uint8_t)slot;
	d->src = (uint16_t)src;
	d->dst = (uint16_t)dst;
	d->rec = rec;
	d->t_ms = now;
	if (vm)
		memcpy(d->vm, vm, strlen(vm) + 1);
	virsh_buf_init(b, d->reason, sizeof(d->reason));
}

const struct policy_decision *
policy_decision_at(const struct policy *p, uint32_t i)
{
	uint32_t kept = p->nd < VIGIL_MAX_DECISIONS ? p->nd : VIGIL_MAX_DECISIONS;
	if (i >= kept)
		return NULL;
	return &p->d[(p->nd - 1 - i) % VIGIL_MAX_DECISIONS];
}

static void
host_str(struct virsh_buf *b, uint32_t h)
{
	virsh_buf_str(b, "host ");
	virsh_buf_u64(b, h);
}

/* ---- inputs ------------------------------------------------------------ */

int
policy_set_health(struct policy *p, uint32_t h, int health,
    uint32_t fail_in_s, uint64_t now)
{
	if (h >= p->nhosts || health < HEALTH_HEALTHY || health > HEALTH_SEVERE)
		return VIGIL_EINVAL;
	p->h[h].health = (uint8_t)health;
	p->h[h].fail_in_s = fail_in_s;
	p->h[h].health_ms = now;
	return 0;
}

int
policy_set_inventory(struct policy *p, uint32_t h,
    const struct virsh_list *inv, uint64_t now)
{
	if (h >= p->nhosts || inv == NULL || inv->n > VIGIL_MAX_VMS)
		return VIGIL_EINVAL;
	struct policy_host *ph = &p->h[h];
	ph->inv = *inv;
	ph->have_inv = 1;
	/* virsh_parse_list only keeps checked names; a list built some other
	 * way gets the same check here, so nothing unchecked is ever used. */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < inv->n; i++) {
		const struct virsh_dom *d = &inv->dom[i];
		const char *z = memchr(d->name, 0, sizeof(d->name));
		if (z == NULL || !virsh_name_ok(d->name, (size_t)(z - d->name))) {
			ph->inv.refused++;
			ph->inv.refused_shown[0] = 0;
			continue;
		}
		ph->inv.dom[kept++] = *d;
	}
	ph->inv.n = kept;
	p->st.names_refused += ph->inv.refused;
	if (ph->inv.refused != ph->last_refused) {
		ph->last_refused = ph->inv.refused;
		if (ph->inv.refused > 0) {
			struct virsh_buf b;
			decide(p, &b, POLICY_D_REFUSED, now, h, POLICY_NOHOST,
			    POLICY_NOSLOT, 0, NULL);
			virsh_buf_u64(&b, ph->inv.refused);
			virsh_buf_str(&b, " domain name(s) refused, never used; last: ");
			virsh_buf_str(&b, ph->inv.refused_shown);
		}
	}
	return 0;
}

int
policy_set_free(struct policy *p, uint32_t h, uint64_t free_kib,
    uint64_t now)
{
	if (h >= p->nhosts)
		return VIGIL_EINVAL;
	struct policy_host *ph = &p->h[h];
	ph->free_kib = free_kib;
	ph->free_ms = now;
	ph->have_free = 1;
	/* The reading includes whatever landed before it. */
	ph->landed_kib = 0;
	return 0;
}

/* ---- counting ---------------------------------------------------------- */

static uint32_t
flights_busy(const struct policy *p)
{
	uint32_t n = 0;
	for (uint32_t k = 0; k < VIGIL_MAX_JOBS; k++)
		n += p->f[k].busy;
	return n;
}

static uint32_t
recs_used(const struct policy *p)
{
	uint32_t n = 0;
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++)
		n += p->rec[r].id != 0;
	return n;
}

/* Migrations from host h: in flight, plus recommendations when with_recs
 * (a recommendation holds its place until confirmed or dropped). */
static uint32_t
out_count(const struct policy *p, uint32_t h, int with_recs)
{
	uint32_t n = 0;
	for (uint32_t k = 0; k < VIGIL_MAX_JOBS; k++)
		n += p->f[k].busy && p->f[k].src == h;
	if (with_recs)
		for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++)
			n += p->rec[r].id != 0 && p->rec[r].src == h;
	return n;
}

/* Migrations to t and the memory they hold there; skip_rec is a
 * recommendation not to count (the one being confirmed). */
static uint32_t
in_count(const struct policy *p, uint32_t t, uint32_t skip_rec,
    uint64_t *kib)
{
	uint32_t n = 0;
	uint64_t m = 0;
	for (uint32_t k = 0; k < VIGIL_MAX_JOBS; k++)
		if (p->f[k].busy && p->f[k].dst == t) {
			n++;
			m += p->f[k].mem_kib;
		}
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++)
		if (p->rec[r].id != 0 && p->rec[r].id != skip_rec &&
		    p->rec[r].dst == t) {
			n++;
			m += p->rec[r].mem_kib;
		}
	*kib = m;
	return n;
}

static int
has_vm(const struct policy *p, uint32_t h, const char *name)
{
	for (uint32_t k = 0; k < VIGIL_MAX_JOBS; k++)
		if (p->f[k].busy && p->f[k].src == h &&
		    strcmp(p->f[k].dom, name) == 0)
			return 1;
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++)
		if (p->rec[r].id != 0 && p->rec[r].src == h &&
		    strcmp(p->rec[r].dom, name) == 0)
			return 1;
	return 0;
}

/* Memory a VM needs on its target: its maximum (what it may balloon up
 * to), or its current size when the maximum is "no limit"; 0 unknown. */
static uint64_t
need_kib(const struct virsh_dom *d)
{
	if (!d->has_info)
		return 0;
	if (d->max_kib != UINT64_MAX && d->max_kib > 0)
		return d->max_kib;
	return d->used_kib;
}

static int
movable(const struct virsh_dom *d)
{
	return d->state == VIRSH_ST_RUNNING || d->state == VIRSH_ST_IDLE ||
	    d->state == VIRSH_ST_PAUSED;
}

static uint32_t
estimate(const struct policy *p, const struct virsh_dom *d, uint64_t need,
    policy_est_fn est, void *ctx)
{
	uint32_t ms = est ? est(d, ctx) : 0;
	if (ms)
		return ms;
	uint64_t v = p->cfg.est_fixed_ms +
	    (uint64_t)p->cfg.est_ms_per_gib * (need / 1024) / 1024;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int
breaker_tripped(const struct policy *p)
{
	uint32_t bad = 0;
	for (uint32_t h = 0; h < p->nhosts; h++)
		bad += p->h[h].health >= HEALTH_MODERATE;
	return bad > p->cfg.breaker_n;
}

/* The best target for need KiB from src, or -1. */
static int
choose_target(const struct policy *p, uint32_t src, uint64_t need,
    uint32_t skip_rec, uint64_t now)
{
	int best = -1;
	uint32_t best_in = 0;
	uint64_t best_room = 0;

	for (uint32_t t = 0; t < p->nhosts; t++) {
		const struct policy_host *ph = &p->h[t];
		if (t == src || ph->health != HEALTH_HEALTHY || ph->quarantined ||
		    now < ph->cool_until || now < ph->target_after ||
		    !ph->have_free)
			continue;
		uint64_t held;
		uint32_t in = in_count(p, t, skip_rec, &held);
		uint64_t used = held + ph->landed_kib;
		uint64_t room = ph->free_kib > used ? ph->free_kib - used : 0;
		if (room < need || room - need < p->cfg.headroom_kib)
			continue;
		if (best < 0 || in < best_in ||
		    (in == best_in && room > best_room)) {
			best = (int)t;
			best_in = in;
			best_room = room;
		}
	}
	return best;
}

/* ---- acting ------------------------------------------------------------ */

/* Logs that host h's evacuation is blocked, once per (code, arg): the
 * first VM it happens to is named, not every one (they alternate). */
static void
blocked(struct policy *p, uint32_t h, int code, uint32_t arg, uint64_t now,
    const char *vm, const char *why, uint64_t n)
{
	struct policy_host *ph = &p->h[h];
	if (ph->block_code == code && ph->block_arg == arg)
		return;
	ph->block_code = (uint8_t)code;
	ph->block_arg = arg;
	struct virsh_buf b;
	decide(p, &b, POLICY_D_BLOCKED, now, h, POLICY_NOHOST, POLICY_NOSLOT, 0,
	    vm);
	virsh_buf_str(&b, why);
	if (n != UINT64_MAX)
		virsh_buf_u64(&b, n);
}

static void
say_estimate(struct virsh_buf *b, uint32_t est, int known, uint64_t left,
    uint64_t finish)
{
	virsh_buf_str(b, "est ");
	virsh_buf_ms(b, est);
	if (!known) {
		virsh_buf_str(b, " s, no failure time predicted");
		return;
	}
	virsh_buf_str(b, finish <= left ? " s, fits: done by " : " s, may not finish: done by ");
	virsh_buf_ms(b, finish);
	virsh_buf_str(b, " s of ");
	virsh_buf_ms(b, left);
	virsh_buf_str(b, " s left");
}

static uint32_t
free_slot(const struct policy *p)
{
	for (uint32_t k = 0; k < VIGIL_MAX_JOBS; k++)
		if (!p->f[k].busy)
			return k;
	return POLICY_NOSLOT;
}

static void
start(struct policy *p, uint32_t k, uint32_t src, uint32_t dst,
    const char *dom, uint64_t need, uint32_t est, uint64_t now,
    struct policy_cmd *out)
{
	struct policy_flight *f = &p->f[k];
	memset(f, 0, sizeof(*f));
	f->busy = 1;
	f->src = (uint16_t)src;
	f->dst = (uint16_t)dst;
	f->mem_kib = need;
	f->started = now;
	memcpy(f->dom, dom, strlen(dom) + 1);
	memset(out, 0, sizeof(*out));
	out->slot = (uint8_t)k;
	out->postcopy = p->cfg.postcopy;
	out->src = (uint16_t)src;
	out->dst = (uint16_t)dst;
	out->est_ms = est;
	out->mem_kib = need;
	memcpy(out->dom, dom, strlen(dom) + 1);
	p->st.started++;
	uint32_t n = flights_busy(p);
	if (n > p->st.flights_hwm)
		p->st.flights_hwm = n;
}

static uint32_t
make_rec(struct policy *p, int dry, uint32_t src, uint32_t dst,
    const char *dom, uint64_t need, uint32_t est, uint64_t now)
{
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++) {
		struct policy_rec *rc = &p->rec[r];
		if (rc->id != 0)
			continue;
		memset(rc, 0, sizeof(*rc));
		rc->id = p->next_rec++;
		if (p->next_rec == 0)
			p->next_rec = 1;
		rc->dry = (uint8_t)dry;
		rc->src = (uint16_t)src;
		rc->dst = (uint16_t)dst;
		rc->est_ms = est;
		rc->mem_kib = need;
		rc->made_ms = now;
		memcpy(rc->dom, dom, strlen(dom) + 1);
		p->st.recs_made++;
		uint32_t n = recs_used(p);
		if (n > p->st.recs_hwm)
			p->st.recs_hwm = n;
		return rc->id;
	}
	p->st.recs_full++;
	return 0;
}

static void
drop_rec(struct policy *p, struct policy_rec *rc, uint64_t now,
    const char *why)
{
	if (!rc->dry) {
		struct virsh_buf b;
		decide(p, &b, POLICY_D_EXPIRE, now, rc->src, rc->dst,
		    POLICY_NOSLOT, rc->id, rc->dom);
		virsh_buf_str(&b, "recommendation #");
		virsh_buf_u64(&b, rc->id);
		virsh_buf_str(&b, " dropped: ");
		virsh_buf_str(&b, why);
		p->st.recs_expired++;
	}
	memset(rc, 0, sizeof(*rc));
}

/* ---- the step ---------------------------------------------------------- */

struct cand {
	uint16_t vm;
	uint32_t est;
	uint64_t need;
};

/* Quarantine follows health; leaving it starts a cool-down. */
static void
quarantine(struct policy *p, uint64_t now)
{
	for (uint32_t h = 0; h < p->nhosts; h++) {
		struct policy_host *ph = &p->h[h];
		int bad = ph->health >= HEALTH_MODERATE;
		struct virsh_buf b;
		if (bad && !ph->quarantined) {
			ph->quarantined = 1;
			decide(p, &b, POLICY_D_QUARANTINE, now, h, POLICY_NOHOST,
			    POLICY_NOSLOT, 0, NULL);
			virsh_buf_str(&b, health_name(ph->health));
			virsh_buf_str(&b, ph->health == HEALTH_SEVERE
			        ? ": quarantined and evacuated"
			        : ": quarantined, never a migration target");
		} else if (!bad && ph->quarantined) {
			ph->quarantined = 0;
			/* Only as a target: a host that turns bad again is
			 * evacuated at once. */
			ph->target_after = now + p->cfg.cooldown_ms;
			ph->block_code = BLK_NONE;
			decide(p, &b, POLICY_D_RELEASE, now, h, POLICY_NOHOST,
			    POLICY_NOSLOT, 0, NULL);
			virsh_buf_str(&b, health_name(ph->health));
			virsh_buf_str(&b, " again: a target after a cool-down of ");
			virsh_buf_ms(&b, p->cfg.cooldown_ms);
			virsh_buf_str(&b, " s");
		}
	}
}

/* Recommendations that expired or no longer apply. */
static void
expire(struct policy *p, uint64_t now)
{
	for (uint32_t r = 0; r < VIGIL_MAX_RECS; r++) {
		struct policy_rec *rc = &p->rec[r];
		if (rc->id == 0)
			continue;
		if (now - rc->made_ms >= p->cfg.rec_ttl_ms || now < rc->made_ms)
			drop_rec(p, rc, now, "expired");
		else if (p->h[rc->src].health != HEALTH_SEVERE)
			drop_rec(p, rc, now, "source no longer severe");
	}
}

/* Time left before host h's predicted failure; 0 when unknown. */
static int
time_left(const struct policy_host *ph, uint64_t now, uint64_t *left)
{
	if (ph->fail_in_s == 0)
		return 0;
	uint64_t due = ph->health_ms + (uint64_t)ph->fail_in_s * 1000;
	*left = due > now ? due - now : 0;
	return 1;
}

/* Evacuates host h as far as the caps allow.  Returns -1 when the rack
 * is full (stop every host), else 0. */
static int
evacuate(struct policy *p, uint32_t h, uint64_t now, policy_est_fn est,
    void *ctx, struct policy_cmd *out, uint32_t max, uint32_t *nout)
{
	struct policy_host *ph = &p->h[h];
	struct cand c[VIGIL_MAX_VMS];
	uint32_t nc = 0;

	if (now < ph->cool_until) {
		p->st.cooldown++;
		blocked(p, h, BLK_COOLDOWN, 0, now, NULL,
		    "cooling down after a failure; ms left: ", ph->cool_until - now);
		return 0;
	}
	if (!ph->have_inv) {
		blocked(p, h, BLK_NO_INV, 0, now, NULL, "no inventory yet",
		    UINT64_MAX);
		return 0;
	}
	for (uint32_t i = 0; i < ph->inv.n && i < VIGIL_MAX_VMS; i++) {
		const struct virsh_dom *d = &ph->inv.dom[i];
		if (!movable(d) || has_vm(p, h, d->name))
			continue;
		uint64_t need = need_kib(d);
		if (need == 0) {
			p->st.mem_unknown++;
			blocked(p, h, BLK_MEM_UNKNOWN, 0, now, d->name,
			    "memory not known yet", UINT64_MAX);
			continue;
		}
		struct cand x = {(uint16_t)i, estimate(p, d, need, est, ctx), need};
		/* Insertion by estimate, then name: the shortest first. */
		uint32_t j = nc++;
		while (j > 0 && (c[j - 1].est > x.est ||
		                    (c[j - 1].est == x.est &&
		                        strcmp(ph->inv.dom[c[j - 1].vm].name,
		                            d->name) > 0))) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = x;
	}

	uint64_t left = 0;
	int known = time_left(ph, now, &left);
	uint64_t lane[VIGIL_MAX_JOBS] = {0};
	uint32_t nlanes = p->cfg.max_per_host;
	int manual = p->cfg.mode != POLICY_AUTO;

	for (uint32_t i = 0; i < nc; i++) {
		const struct virsh_dom *d = &ph->inv.dom[c[i].vm];
		/* Lane schedule: the VM starts when the earliest lane frees. */
		uint32_t l = 0;
		for (uint32_t k = 1; k < nlanes; k++)
			if (lane[k] < lane[l])
				l = k;
		uint64_t finish = lane[l] + c[i].est;

		if (out_count(p, h, 1) >= p->cfg.max_per_host) {
			p->st.cap_host++;
			blocked(p, h, BLK_CAP_HOST, 0, now, NULL,
			    "host cap reached: in flight ", out_count(p, h, 1));
			return 0;
		}
		if (flights_busy(p) + recs_used(p) >= p->cfg.max_per_rack) {
			p->st.cap_rack++;
			blocked(p, h, BLK_CAP_RACK, 0, now, NULL,
			    "rack cap reached: in flight ", p->cfg.max_per_rack);
			return -1;
		}
		uint32_t k = POLICY_NOSLOT;
		if (!manual) {
			k = free_slot(p);
			if (k == POLICY_NOSLOT) {
				p->st.no_slot++;
				blocked(p, h, BLK_NO_SLOT, 0, now, NULL,
				    "no free job slot", UINT64_MAX);
				return -1;
			}
			if (*nout >= max)
				return -1;
		}
		int t = choose_target(p, h, c[i].need, 0, now);
		if (t < 0) {
			p->st.no_target++;
			blocked(p, h, BLK_NO_TARGET, 0, now, d->name,
			    "no healthy target with room; MiB needed: ",
			    (c[i].need + p->cfg.headroom_kib) / 1024);
			continue;
		}
		lane[l] = finish;

		struct virsh_buf b;
		if (!manual) {
			start(p, k, h, (uint32_t)t, d->name, c[i].need, c[i].est, now,
			    &out[(*nout)++]);
			decide(p, &b, POLICY_D_MIGRATE, now, h, (uint32_t)t, k, 0,
			    d->name);
			virsh_buf_str(&b, "evacuate: ");
		} else {
			int dry = p->cfg.mode == POLICY_DRYRUN;
			uint32_t id = make_rec(p, dry, h, (uint32_t)t, d->name,
			    c[i].need, c[i].est, now);
			if (id == 0) {
				blocked(p, h, BLK_RECS_FULL, 0, now, NULL,
				    "recommendation table full", UINT64_MAX);
				return -1;
			}
			decide(p, &b, dry ? POLICY_D_DRYRUN : POLICY_D_RECOMMEND, now,
			    h, (uint32_t)t, POLICY_NOSLOT, dry ? 0 : id, d->name);
			if (dry) {
				virsh_buf_str(&b, "dry-run would migrate ");
				virsh_buf_str(&b, d->name);
				virsh_buf_str(&b, " to ");
				host_str(&b, (uint32_t)t);
				virsh_buf_str(&b, ": ");
			} else {
				virsh_buf_str(&b, "recommend #");
				virsh_buf_u64(&b, id);
				virsh_buf_str(&b, ": ");
			}
		}
		say_estimate(&b, c[i].est, known, left, finish);
		ph->block_code = BLK_NONE;
	}
	return 0;
}

int
policy_step(struct policy *p, uint64_t now, policy_est_fn est, void *ctx,
    struct policy_cmd *out, uint32_t max)
{
	uint32_t nout = 0;
	struct virsh_buf b;

	if (out == NULL)
		max = 0;
	expire(p, now);

	uint32_t bad = 0;
	for (uint32_t h = 0; h < p->nhosts; h++)
		bad += p->h[h].health >= HEALTH_MODERATE;
	if (bad > p->cfg.breaker_n) {
		if (!p->breaker_open) {
			p->breaker_open = 1;
			p->st.breaker_trips++;
			decide(p, &b, POLICY_D_BREAKER_OPEN, now, POLICY_NOHOST,
			    POLICY_NOHOST, POLICY_NOSLOT, 0, NULL);
			virsh_buf_u64(&b, bad);
			virsh_buf_str(&b, " hosts moderate or severe at once (limit ");
			virsh_buf_u64(&b, p->cfg.breaker_n);
			virsh_buf_str(&b, "): acting on none");
		}
		return 0;
	}
	if (p->breaker_open) {
		p->breaker_open = 0;
		decide(p, &b, POLICY_D_BREAKER_CLOSE, now, POLICY_NOHOST,
		    POLICY_NOHOST, POLICY_NOSLOT, 0, NULL);
		virsh_buf_u64(&b, bad);
		virsh_buf_str(&b, " hosts moderate or severe: acting again");
	}
	quarantine(p, now);

	/* Severe hosts, nearest predicted failure first (unknown last). */
	uint16_t order[VIGIL_MAX_HOSTS];
	uint64_t due[VIGIL_MAX_HOSTS];
	uint32_t n = 0;
	for (uint32_t h = 0; h < p->nhosts; h++) {
		if (p->h[h].health != HEALTH_SEVERE)
			continue;
		uint64_t left = 0;
		uint64_t key = time_left(&p->h[h], now, &left) ? left : UINT64_MAX;
		uint32_t j = n++;
		while (j > 0 && due[j - 1] > key) {
			order[j] = order[j - 1];
			due[j] = due[j - 1];
			j--;
		}
		order[j] = (uint16_t)h;
		due[j] = key;
	}
	for (uint32_t i = 0; i < n; i++)
		if (evacuate(p, order[i], now, est, ctx, out, max, &nout) < 0)
			break;
	return (int)nout;
}

int
policy_confirm(struct policy *p, uint32_t id, uint64_t now,
    struct policy_cmd *out)
{
	struct policy_rec *rc = NULL;
	struct virsh_buf b;

	for (uint32_t r = 0; r < VIGIL_MAX_RECS && id != 0; r++)
		if (p->rec[r].id == id)
			rc = &p->rec[r];
	if (rc == NULL)
		return VIGIL_ENOENT;
	if (rc->dry || breaker_tripped(p) || p->breaker_open)
		return VIGIL_EACCES;
	if (now - rc->made_ms >= p->cfg.rec_ttl_ms || now < rc->made_ms) {
		drop_rec(p, rc, now, "expired");
		return VIGIL_ENOENT;
	}
	uint32_t src = rc->src;
	const struct policy_host *ph = &p->h[src];
	int listed = 0;
	for (uint32_t i = 0; i < ph->inv.n && i < VIGIL_MAX_VMS; i++)
		if (strcmp(ph->inv.dom[i].name, rc->dom) == 0 &&
		    movable(&ph->inv.dom[i]))
			listed = 1;
	if (ph->health != HEALTH_SEVERE || !listed) {
		drop_rec(p, rc, now, ph->health != HEALTH_SEVERE
		        ? "source no longer severe"
		        : "VM no longer listed on the source");
		return VIGIL_ENOENT;
	}
	if (out_count(p, src, 0) >= p->cfg.max_per_host ||
	    flights_busy(p) >= p->cfg.max_per_rack)
		return VIGIL_ENOSPC;
	uint32_t k = free_slot(p);
	int t = choose_target(p, src, rc->mem_kib, rc->id, now);
	if (k == POLICY_NOSLOT || t < 0)
		return VIGIL_ENOSPC;
	struct policy_rec copy = *rc;
	memset(rc, 0, sizeof(*rc));
	start(p, k, src, (uint32_t)t, copy.dom, copy.mem_kib, copy.est_ms, now,
	    out);
	p->st.recs_confirmed++;
	decide(p, &b, POLICY_D_CONFIRM, now, src, (uint32_t)t, k, copy.id,
	    copy.dom);
	virsh_buf_str(&b, "confirmed #");
	virsh_buf_u64(&b, copy.id);
	virsh_buf_str(&b, ": migrate to ");
	host_str(&b, (uint32_t)t);
	return 0;
}

const struct policy_rec *
policy_rec_find(const struct policy *p, uint32_t id)
{
	for (uint32_t r = 0; r < VIGIL_MAX_RECS && id != 0; r++)
		if (p->rec[r].id == id)
			return &p->rec[r];
	return NULL;
}

/* Moves a VM's inventory entry from src to dst (dst gets it when it has
 * room; its next inventory says the truth either way). */
static void
move_vm(struct policy *p, uint32_t src, uint32_t dst, const char *dom)
{
	struct virsh_list *s = &p->h[src].inv, *d = &p->h[dst].inv;
	for (uint32_t i = 0; i < s->n && i < VIGIL_MAX_VMS; i++) {
		if (strcmp(s->dom[i].name, dom) != 0)
			continue;
		struct virsh_dom vm = s->dom[i];
		memmove(&s->dom[i], &s->dom[i + 1],
		    (s->n - i - 1) * sizeof(s->dom[0]));
		s->n--;
		memset(&s->dom[s->n], 0, sizeof(s->dom[0]));
		if (d->n < VIGIL_MAX_VMS) {
			vm.state = VIRSH_ST_RUNNING;
			d->dom[d->n++] = vm;
		}
		return;
	}
}

int
policy_job_end(struct policy *p, uint32_t k, int ok, const char *why,
    uint64_t now)
{
	struct virsh_buf b;

	if (k >= VIGIL_MAX_JOBS || !p->f[k].busy)
		return VIGIL_ENOENT;
	struct policy_flight f = p->f[k];
	memset(&p->f[k], 0, sizeof(p->f[k]));
	decide(p, &b, ok ? POLICY_D_DONE : POLICY_D_FAILED, now, f.src, f.dst,
	    k, 0, f.dom);
	if (ok) {
		p->st.done++;
		p->h[f.dst].landed_kib += f.mem_kib;
		move_vm(p, f.src, f.dst, f.dom);
		virsh_buf_str(&b, "moved in ");
		virsh_buf_ms(&b, now - f.started);
		virsh_buf_str(&b, " s");
	} else {
		p->st.failed++;
		p->h[f.src].cool_until = now + p->cfg.cooldown_ms;
		p->h[f.dst].cool_until = now + p->cfg.cooldown_ms;
		virsh_buf_str(&b, "not moved, both hosts cool down: ");
		if (why)
			virsh_buf_shown(&b, why, strlen(why));
	}
	p->h[f.src].block_code = BLK_NONE;
	return 0;
}
