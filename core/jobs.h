/*
 * jobs.h - one live migration, as a state machine: events in, commands
 * out.
 *
 * What it does.  A job moves one domain from a source host to a target
 * host with virsh, run on the source host by the caller's transport:
 *
 *   1. `virsh migrate --live --persistent --undefinesource
 *      [--auto-converge] [--postcopy] DOM qemu+ssh://TARGET/system`
 *      (--postcopy only when the job may switch to post-copy: libvirt
 *      refuses migrate-postcopy on a migration started without it);
 *   2. while it runs, `virsh domjobinfo DOM` every poll interval, kept as
 *      the job's progress;
 *   3. when the pre-copy budget is spent (time, iterations, or remaining
 *      memory not shrinking for K polls in a row): `virsh migrate-postcopy
 *      DOM` if post-copy is allowed and a domjobinfo has shown the
 *      migration running, else `virsh domjobabort DOM` (the migrate then
 *      exits 1, "operation aborted", and the VM stays on the source);
 *   4. after the migrate exits 0, `virsh domstate DOM` on the target:
 *      "running" is done.
 * Anything else ends the job failed, with a reason: a migrate exit other
 * than 0 (with virsh's last "error:" line), a command the transport lost
 * or timed out, no "running" on the target after a few tries, or no end
 * of the migrate by the hard deadline.
 *
 * Commands are built only from the job's spec (a domain name that passed
 * virsh_name_ok, a target that passed virsh_target_ok, fixed options):
 * jobs_start refuses anything else.
 *
 * How a caller drives it:
 *
 *   jobs_start(&job, &cfg, &spec, now);
 *   loop:
 *     while ((r = jobs_next(&job, now, &cmd)) == JOBS_NEXT_CMD)
 *         run cmd.text on host cmd.host, at most cmd.timeout_ms, and
 *         later call jobs_on_result(&job, cmd.seq, exit, out, outlen,
 *         err, errlen, now);
 *     if (r == JOBS_NEXT_END) the job is over (jobs_done / job.reason);
 *     else wake up at cmd.wake_ms or when a result comes, and loop.
 *
 * Up to two commands of a job run at once: the migrate itself, and one
 * short command (domjobinfo, migrate-postcopy, domjobabort, domstate).
 * exit is the command's exit status (>= 0) or a negative VIGIL_E* for a
 * transport failure (VIGIL_ETIMEDOUT, VIGIL_ECLOSED, ...).  The job also
 * keeps its own watchdog: a short command with no result after its
 * timeout counts as timed out, and a result for a command the job no
 * longer waits for (an old seq) is ignored and counted.  When a job ends
 * the caller should cancel whatever of it is still running.
 *
 * What it does not do: I/O, clocks (now is passed in, in ms), allocation,
 * choosing VMs or targets (core/policy does), retrying a failed job.
 *
 * Limits: VIGIL_JOB_HISTORY events of VIGIL_JOB_EVENT_TEXT bytes per job
 * (older ones overwritten, counted), VIGIL_MAX_REASON bytes of reason,
 * VIGIL_MAX_CMD bytes per command (checked at compile time).
 */
#ifndef VIGIL_JOBS_H
#define VIGIL_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "virsh.h"

struct jobs_cfg {
	uint32_t poll_ms;        /* domjobinfo interval (default 1000) */
	uint32_t cmd_timeout_ms; /* a short command's time limit (30000) */
	uint32_t max_ms;         /* pre-copy time budget (120000) */
	uint32_t max_iter;       /* pre-copy iterations budget, 0 none (30) */
	uint32_t stall_polls;    /* K polls without a new low of remaining
	                          * memory, 0 none (10) */
	uint32_t finish_ms;      /* after the budget: time for the migrate to
	                          * end, post-copy or abort (120000) */
	uint8_t auto_converge;   /* add --auto-converge (1) */
	uint8_t confirm_tries;   /* domstate attempts on the target (5) */
	uint16_t pad;
};

/* What to move where.  Host indices are the caller's. */
struct jobs_spec {
	uint16_t src, dst;
	uint8_t postcopy; /* may switch to post-copy */
	uint8_t pad[3];
	char dom[VIGIL_MAX_DOMNAME + 1];
	char target[VIGIL_MAX_TARGET + 1]; /* the target as src reaches it */
};

enum jobs_state {
	JOBS_IDLE = 0,   /* never started, or reset */
	JOBS_MIGRATING,  /* migrate running, pre-copy */
	JOBS_POSTCOPY,   /* migrate-postcopy accepted; waiting for the end */
	JOBS_ABORTING,   /* budget spent, domjobabort sent or due */
	JOBS_CONFIRMING, /* migrate exited 0; asking the target */
	JOBS_DONE,       /* running on the target */
	JOBS_FAILED      /* see reason */
};

enum jobs_kind {
	JOBS_CMD_NONE = 0,
	JOBS_CMD_MIGRATE,
	JOBS_CMD_JOBINFO,
	JOBS_CMD_POSTCOPY,
	JOBS_CMD_ABORT,
	JOBS_CMD_DOMSTATE,
	JOBS_CMD_COUNT
};

/* Why the pre-copy budget was declared spent. */
enum jobs_trigger {
	JOBS_TRIG_NONE = 0,
	JOBS_TRIG_TIME,  /* max_ms */
	JOBS_TRIG_ITER,  /* max_iter */
	JOBS_TRIG_STALL  /* remaining memory not shrinking */
};

/* jobs_next answers. */
#define JOBS_NEXT_WAIT 0 /* nothing to run now: call again by cmd.wake_ms */
#define JOBS_NEXT_CMD  1 /* run cmd */
#define JOBS_NEXT_END  2 /* the job is over (done or failed) */

/* A command to run. */
struct jobs_cmd {
	uint32_t seq;        /* hand back to jobs_on_result */
	uint8_t kind;        /* enum jobs_kind */
	uint8_t pad;
	uint16_t host;       /* run on this host (spec.src or spec.dst) */
	uint32_t timeout_ms; /* end it after this long, report VIGIL_ETIMEDOUT */
	uint32_t len;        /* strlen(text) */
	uint64_t wake_ms;    /* with JOBS_NEXT_WAIT: call jobs_next again then */
	char text[VIGIL_MAX_CMD];
};

/* One entry of a job's history. */
struct jobs_event {
	uint64_t t_ms;
	uint8_t state; /* the job's state after the event */
	char text[VIGIL_JOB_EVENT_TEXT];
};

/* A command the job waits for.  Internal. */
struct jobs_slot {
	uint32_t seq;  /* 0: free */
	uint8_t kind;
	uint8_t pad[3];
	uint64_t deadline;
};

struct jobs_stats {
	uint32_t polls;        /* domjobinfo results that parsed */
	uint32_t poll_errors;  /* domjobinfo failed, timed out or unparsed */
	uint32_t stray;        /* results for no command the job waits for */
	uint32_t timeouts;     /* commands timed out (transport or watchdog) */
	uint32_t confirm_errors;
	uint32_t events_lost;  /* history entries overwritten */
};

/* A job.  Flat and memcpy-able; keep it in static storage (one per slot
 * of the caller's job table, VIGIL_MAX_JOBS). */
struct jobs_job {
	struct jobs_cfg cfg;
	struct jobs_spec spec;
	uint8_t state;        /* enum jobs_state */
	uint8_t trigger;      /* enum jobs_trigger, once the budget is spent */
	uint8_t need_migrate; /* the migrate is still to be sent */
	uint8_t want;         /* a control command due: JOBS_CMD_POSTCOPY/ABORT */
	uint8_t active_seen;  /* a domjobinfo showed the migration running */
	uint8_t confirm_left;
	uint8_t postcopied;   /* migrate-postcopy was accepted */
	uint8_t pad;
	int err;              /* first error (VIGIL_E*), sticky; 0 ok */
	uint64_t t_start, t_budget_spent, t_end;
	uint64_t next_poll;   /* next domjobinfo (or domstate) due */
	uint32_t next_seq;
	uint32_t stall;       /* polls in a row without a new low */
	uint64_t best_remaining; /* lowest memory remaining seen, bytes */
	struct jobs_slot mig; /* the migrate */
	struct jobs_slot ctl; /* the short command */
	struct virsh_jobinfo last; /* last domjobinfo that parsed */
	uint64_t last_ms;     /* when; 0 never */
	struct jobs_stats st;
	char reason[VIGIL_MAX_REASON]; /* why it failed (or how it went) */
	struct jobs_event hist[VIGIL_JOB_HISTORY];
	uint32_t nhist;       /* events ever recorded; ring index % size */
};

/* vigil's defaults (above). */
void jobs_cfg_default(struct jobs_cfg *cfg);

/* Starts a job at now: checks the spec (virsh_name_ok, virsh_target_ok,
 * src != dst) and the configuration (poll_ms, cmd_timeout_ms, max_ms and
 * finish_ms not 0), copies both, and queues the migrate.  Returns 0, or
 * VIGIL_EINVAL (the job is then left JOBS_FAILED with the reason, so it
 * can still be shown). */
int jobs_start(struct jobs_job *j, const struct jobs_cfg *cfg,
    const struct jobs_spec *spec, uint64_t now);

/* What to do next at now (also runs the watchdogs and the time budget,
 * so call it whenever time has passed).  Returns JOBS_NEXT_CMD with out
 * filled (call again: there may be more), JOBS_NEXT_WAIT with
 * out->wake_ms, or JOBS_NEXT_END. */
int jobs_next(struct jobs_job *j, uint64_t now, struct jobs_cmd *out);

/* The result of command seq: exit >= 0 is its exit status with its
 * stdout out[0..outlen) and stderr err[0..errlen) (either may be NULL,
 * cut, or not text), exit < 0 a transport failure (VIGIL_E*).  Returns 0, or VIGIL_ENOENT for
 * a seq the job does not wait for (counted in st.stray, otherwise
 * ignored). */
int jobs_on_result(struct jobs_job *j, uint32_t seq, int status,
    const char *out, size_t outlen, const char *err, size_t errlen,
    uint64_t now);

/* 1 when the job is over (JOBS_DONE or JOBS_FAILED). */
int jobs_over(const struct jobs_job *j);

/* The i-th most recent history event (0 newest), or NULL. */
const struct jobs_event *jobs_event_at(const struct jobs_job *j, uint32_t i);

/* Names for display; never NULL. */
const char *jobs_state_name(int state);
const char *jobs_kind_name(int kind);

#endif /* VIGIL_JOBS_H */
