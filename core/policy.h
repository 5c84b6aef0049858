/*
 * policy.h - the rack's migration policy: which VMs leave which host for
 * where, in which mode, within which safety limits.
 *
 * Input, per host, whenever it changes (setters, time passed in):
 *   - health (enum health, from core/predict) and the seconds to its
 *     predicted failure (0 unknown);
 *   - inventory: `virsh list --all` with each domain's dominfo applied
 *     (struct virsh_list; names already checked, refused ones counted);
 *   - free memory (`virsh freecell --all`, KiB).
 * Output of policy_step: commands "start job k: move DOM from src to dst"
 * that the caller feeds to jobs_start(&jobs[k], ...), and reports back
 * with policy_job_end when the job is over.
 *
 * Rules:
 *   - moderate or severe: quarantined, never a migration target; severe:
 *     evacuated.  A host that leaves quarantine is a target again only
 *     after the cool-down.
 *   - a target is healthy (not suspect, moderate or severe), not
 *     quarantined, not cooling down, with a known free memory that still
 *     holds the VM plus the headroom after subtracting the memory of
 *     every migration in flight to it (and of those that landed after its
 *     last free-memory reading); among those, the one with the fewest
 *     migrations in flight to it, then the most room, then the lowest
 *     index.
 *   - order: severe hosts with the nearest predicted failure first; on a
 *     host, the VMs with the shortest estimated migration first (so most
 *     VMs finish), the estimate coming from the caller's function
 *     (core/migtime) or a per-GiB default.  Each decision says whether the
 *     VM is expected to finish before the predicted failure, scheduling
 *     the host's VMs on max_per_host parallel lanes.
 *   - caps: at most max_per_host migrations in flight from one host, at
 *     most max_per_rack in the rack (and VIGIL_MAX_JOBS job slots).
 *   - cool-down (per host): after a failed migration both hosts sit out
 *     cooldown_ms (no new migration from or to them), so a broken path is
 *     not retried in a loop; likewise after leaving quarantine.
 *   - circuit breaker: when more than breaker_n hosts are moderate or
 *     severe at once, the cause is more likely vigil's input than the
 *     hardware: the policy acts on none (no quarantine change, no new
 *     migration, no confirmation) and logs one rack-level alarm until the
 *     count drops again.  Migrations already running go on.
 * Modes:
 *   - auto: commands as above;
 *   - manual: recommendations with ids instead; the operator confirms one
 *     with policy_confirm(id), which re-checks everything and answers the
 *     command.  Unconfirmed ones expire after rec_ttl_ms;
 *   - dry-run: everything but the command: each would-be migration is
 *     logged once ("dry-run would migrate ...") and remembered like a
 *     recommendation (so caps and target room are counted as if it ran)
 *     until it expires.
 * Every decision has a reason (a fixed buffer) and is kept in a ring of
 * VIGIL_MAX_DECISIONS for display.  A blocked evacuation ("no target with
 * room", "host cap") is logged when its cause changes, not every step.
 *
 * What it does not do: I/O, clocks, allocation, running the migration
 * (core/jobs), predicting (core/predict), estimating (core/migtime).
 *
 * Limits: VIGIL_MAX_HOSTS hosts, VIGIL_MAX_VMS VMs per host, VIGIL_MAX_JOBS
 * migrations in flight, VIGIL_MAX_RECS recommendations (when full, new
 * ones wait, counted), VIGIL_MAX_DECISIONS decisions (oldest overwritten,
 * counted).  sizeof(struct policy) is about 230 KiB at the defaults.
 */
#ifndef VIGIL_POLICY_H
#define VIGIL_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"
#include "limits.h"
#include "virsh.h"

enum policy_mode { POLICY_AUTO = 0, POLICY_MANUAL, POLICY_DRYRUN };

#define POLICY_NOHOST 0xffffu
#define POLICY_NOSLOT 0xffu

struct policy_cfg {
	uint8_t mode;            /* enum policy_mode (auto) */
	uint8_t postcopy;        /* jobs may switch to post-copy (0) */
	uint16_t max_per_host;   /* in flight from one host (2) */
	uint16_t max_per_rack;   /* in flight in the rack (4) */
	uint16_t breaker_n;      /* act on none above this many (2) */
	uint32_t cooldown_ms;    /* (600000) */
	uint32_t rec_ttl_ms;     /* recommendation lifetime (900000) */
	uint32_t est_fixed_ms;   /* default estimate: fixed part (5000) */
	uint32_t est_ms_per_gib; /* and per GiB of VM memory (1250) */
	uint64_t headroom_kib;   /* kept free on a target (1 GiB) */
};

/* Estimated migration time of vm in ms (0: use the default estimate). */
typedef uint32_t (*policy_est_fn)(const struct virsh_dom *vm, void *ctx);

enum policy_kind {
	POLICY_D_QUARANTINE = 0, /* host quarantined (moderate or severe) */
	POLICY_D_RELEASE,        /* host out of quarantine (after cool-down) */
	POLICY_D_MIGRATE,        /* auto: job started */
	POLICY_D_RECOMMEND,      /* manual: recommendation made */
	POLICY_D_DRYRUN,         /* dry-run: would migrate */
	POLICY_D_CONFIRM,        /* manual: confirmed, job started */
	POLICY_D_EXPIRE,         /* recommendation dropped */
	POLICY_D_BLOCKED,        /* an evacuation cannot go on now, and why */
	POLICY_D_BREAKER_OPEN,   /* rack-level alarm: acting on none */
	POLICY_D_BREAKER_CLOSE,
	POLICY_D_DONE,           /* job over, VM moved */
	POLICY_D_FAILED,         /* job over, VM not moved */
	POLICY_D_REFUSED,        /* inventory had names that fail the check */
	POLICY_D_COUNT
};

/* One decision, for display. */
struct policy_decision {
	uint32_t seq;      /* 1, 2, ... */
	uint8_t kind;      /* enum policy_kind */
	uint8_t slot;      /* job slot or POLICY_NOSLOT */
	uint16_t src, dst; /* host indices or POLICY_NOHOST */
	uint16_t pad;
	uint32_t rec;      /* recommendation id or 0 */
	uint64_t t_ms;
	char vm[VIGIL_MAX_DOMNAME + 1];
	char reason[VIGIL_MAX_REASON];
};

/* Start job slot k (jobs_start with spec {src, dst, postcopy, dom} and the
 * target address the caller has configured for dst). */
struct policy_cmd {
	uint8_t slot;
	uint8_t postcopy;
	uint16_t src, dst;
	uint16_t pad;
	uint32_t est_ms;
	uint64_t mem_kib;
	char dom[VIGIL_MAX_DOMNAME + 1];
};

/* A host as the policy sees it.  Set through the setters. */
struct policy_host {
	uint8_t health;       /* enum health */
	uint8_t quarantined;
	uint8_t have_inv, have_free;
	uint32_t fail_in_s;   /* to predicted failure at health_ms; 0 unknown */
	uint64_t health_ms;
	uint64_t free_kib, free_ms;
	uint64_t landed_kib;  /* moved here since the last free reading */
	uint64_t cool_until;  /* ms; 0 none: after a failed migration, no
	                       * part in new ones until then */
	uint64_t target_after; /* ms: out of quarantine, a target from then */
	uint16_t out, in;     /* migrations in flight from / to it */
	uint32_t last_refused;
	uint8_t block_code;   /* last blocked reason logged (dedup) */
	uint8_t pad[3];
	uint32_t block_arg;
	struct virsh_list inv;
};

/* A migration in flight.  Internal. */
struct policy_flight {
	uint8_t busy;
	uint8_t pad;
	uint16_t src, dst;
	uint64_t mem_kib, started;
	char dom[VIGIL_MAX_DOMNAME + 1];
};

/* A recommendation (manual) or a remembered dry-run decision. */
struct policy_rec {
	uint32_t id;       /* 0: free */
	uint8_t dry;
	uint8_t pad;
	uint16_t src, dst;
	uint32_t est_ms;
	uint64_t mem_kib, made_ms;
	char dom[VIGIL_MAX_DOMNAME + 1];
};

struct policy_stats {
	uint64_t decisions, decisions_lost;
	uint64_t started, done, failed;
	uint64_t no_target;    /* VMs with no eligible target, per step */
	uint64_t cap_host, cap_rack, no_slot;
	uint64_t cooldown;     /* evacuations held by a cool-down, per step */
	uint64_t mem_unknown;  /* VMs skipped: memory not known yet */
	uint64_t recs_made, recs_confirmed, recs_expired, recs_full;
	uint64_t breaker_trips;
	uint64_t names_refused; /* inventory rows refused (sum of updates) */
	uint32_t flights_hwm, recs_hwm;
};

struct policy {
	struct policy_cfg cfg;
	uint32_t nhosts;
	uint8_t breaker_open;
	uint8_t pad[3];
	uint32_t next_rec;
	uint32_t nd;          /* decisions ever made; ring index % size */
	struct policy_stats st;
	struct policy_host h[VIGIL_MAX_HOSTS];
	struct policy_flight f[VIGIL_MAX_JOBS];
	struct policy_rec rec[VIGIL_MAX_RECS];
	struct policy_decision d[VIGIL_MAX_DECISIONS];
};

/* vigil's defaults (above). */
void policy_cfg_default(struct policy_cfg *cfg);

/* 0, or VIGIL_EINVAL: a mode out of range, a cap of 0, max_per_rack above
 * VIGIL_MAX_JOBS, max_per_host above max_per_rack. */
int policy_cfg_check(const struct policy_cfg *cfg);

/* Empties the policy for nhosts hosts (1..VIGIL_MAX_HOSTS), all healthy
 * with nothing known.  0 or VIGIL_EINVAL (bad cfg or nhosts). */
int policy_init(struct policy *p, const struct policy_cfg *cfg,
    uint32_t nhosts);

/* Changes the mode (decisions already made stand).  0 or VIGIL_EINVAL. */
int policy_set_mode(struct policy *p, int mode);

/* Host h's health (enum health) and seconds to its predicted failure
 * (0 unknown), as of now.  0 or VIGIL_EINVAL. */
int policy_set_health(struct policy *p, uint32_t h, int health,
    uint32_t fail_in_s, uint64_t now);

/* Host h's inventory (copied).  Names are checked again (a list not made
 * by virsh_parse_list may hold anything); refused ones are dropped,
 * counted and logged once per change of the count.  0 or VIGIL_EINVAL. */
int policy_set_inventory(struct policy *p, uint32_t h,
    const struct virsh_list *inv, uint64_t now);

/* Host h's free memory in KiB, read at now.  0 or VIGIL_EINVAL. */
int policy_set_free(struct policy *p, uint32_t h, uint64_t free_kib,
    uint64_t now);

/* Decides at now.  Writes up to max commands into out (auto mode only)
 * and returns how many, or VIGIL_EINVAL.  est may be NULL (default
 * estimate).  Call it after inputs change and after jobs end; commands
 * not written for lack of room in out come on the next call. */
int policy_step(struct policy *p, uint64_t now, policy_est_fn est,
    void *ctx, struct policy_cmd *out, uint32_t max);

/* Confirms recommendation id (manual mode) at now: re-checks the breaker,
 * the source (still severe, VM still listed), a target (chosen again) and
 * the caps.  Returns 0 with *out to start, VIGIL_ENOENT (no such
 * recommendation, or it no longer applies: dropped), VIGIL_EACCES (a
 * dry-run entry, or the breaker is open), or VIGIL_ENOSPC (no target or
 * no cap room right now: it stays pending). */
int policy_confirm(struct policy *p, uint32_t id, uint64_t now,
    struct policy_cmd *out);

/* Job slot k is over: ok 1 moved, 0 not (why: the job's reason, may be
 * NULL).  Frees the slot; a moved VM leaves the source's inventory; a
 * failure starts both hosts' cool-down.  0 or VIGIL_ENOENT (slot not in
 * flight). */
int policy_job_end(struct policy *p, uint32_t k, int ok, const char *why,
    uint64_t now);

/* The i-th most recent decision (0 newest), or NULL. */
const struct policy_decision *policy_decision_at(const struct policy *p,
    uint32_t i);

/* The pending recommendation with this id, or NULL. */
const struct policy_rec *policy_rec_find(const struct policy *p,
    uint32_t id);

/* Names for display; never NULL. */
const char *policy_kind_name(int kind);
const char *policy_mode_name(int mode);

#endif /* VIGIL_POLICY_H */
