/*
 * virsh.h - the text of virsh: parsers for its output, builders for its
 * command lines, and the domain-name check that stands between the two.
 *
 * What it does:
 *   - parses the output of `virsh list --all`, `virsh dominfo DOM`,
 *     `virsh domstate DOM`, `virsh domjobinfo DOM` and `virsh freecell
 *     --all` as libvirt 9 prints them in the C locale (checked against the
 *     real virsh on the test driver; domjobinfo against virsh's own format
 *     strings: `%-17s %-12llu ms`, sizes as `%.3lf` plus B/KiB/.../EiB);
 *   - checks domain names against a strict character set (virsh_name_ok)
 *     and target addresses (virsh_target_ok); a name that fails is refused
 *     and counted, never copied where a command could see it;
 *   - builds the command lines jobs.c sends, from checked values only.
 *
 * Free memory comes from `virsh freecell --all`: the "Total:" line, in
 * KiB, the sum of every NUMA cell's free memory.  It is chosen over
 * `virsh nodememstats` because every libvirt driver answers it (the test
 * driver too) and because it counts only free pages, not page cache, which
 * errs on the side of refusing a target rather than overfilling one.
 * Plain `virsh freecell` (one "Total:" line) parses the same.
 *
 * What it does not do: run anything, allocate, or trust its input: every
 * parser takes (bytes, length), need not see a NUL, and answers
 * VIGIL_EPARSE for output it does not recognise (an error message, a
 * translated locale, garbage).  The transport should run virsh with
 * LC_ALL=C; translated labels are not matched, so a translated output
 * fails to parse instead of being misread.
 *
 * Limits: VIGIL_MAX_VMS domains per list (more are dropped, counted),
 * VIGIL_MAX_DOMNAME bytes per name, VIGIL_MAX_TARGET per target address.
 */
#ifndef VIGIL_VIRSH_H
#define VIGIL_VIRSH_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* Domain states as virsh prints them. */
enum virsh_state {
	VIRSH_ST_UNKNOWN = 0, /* text not recognised */
	VIRSH_ST_NOSTATE,     /* "no state" */
	VIRSH_ST_RUNNING,     /* "running" */
	VIRSH_ST_IDLE,        /* "idle" (blocked on a resource) */
	VIRSH_ST_PAUSED,      /* "paused" */
	VIRSH_ST_SHUTDOWN,    /* "in shutdown" */
	VIRSH_ST_SHUTOFF,     /* "shut off" */
	VIRSH_ST_CRASHED,     /* "crashed" */
	VIRSH_ST_PMSUSPENDED, /* "pmsuspended" */
	VIRSH_ST_COUNT
};

/* The state's name ("running", "unknown"); never NULL. */
const char *virsh_state_name(int state);

/* One domain of a host.  id is -1 for an inactive domain.  Memory and
 * CPUs are 0 until a dominfo is applied (virsh_list_apply); max_kib is
 * UINT64_MAX when dominfo said "no limit". */
struct virsh_dom {
	char name[VIGIL_MAX_DOMNAME + 1]; /* passed virsh_name_ok */
	int32_t id;
	uint8_t state;      /* enum virsh_state */
	uint8_t has_info;   /* a dominfo was applied */
	uint16_t vcpus;
	uint64_t max_kib;
	uint64_t used_kib;
};

/* `virsh list --all`. */
struct virsh_list {
	struct virsh_dom dom[VIGIL_MAX_VMS];
	uint32_t n;
	uint32_t refused;  /* rows whose name failed virsh_name_ok */
	uint32_t dropped;  /* valid rows past VIGIL_MAX_VMS */
	uint32_t bad_rows; /* rows that did not parse */
	/* The last refused name, for a log line only: bytes outside printable
	 * ASCII and shell-special characters shown as '?', cut to fit. */
	char refused_shown[VIGIL_MAX_DOMNAME + 1];
};

/* `virsh dominfo DOM`. */
struct virsh_dominfo {
	char name[VIGIL_MAX_DOMNAME + 1]; /* "" unless name_ok */
	uint8_t name_ok;    /* the "Name:" line was present and passed */
	uint8_t state;      /* enum virsh_state */
	uint8_t persistent; /* 1 yes, 0 no or unknown */
	uint8_t pad;
	int32_t id;         /* -1 inactive */
	uint16_t vcpus;
	uint64_t max_kib;   /* UINT64_MAX: "no limit" */
	uint64_t used_kib;
};

/* Job types of `virsh domjobinfo`. */
enum virsh_jobtype {
	VIRSH_JOB_UNKNOWN = 0,
	VIRSH_JOB_NONE,      /* "None": no job */
	VIRSH_JOB_BOUNDED,   /* "Bounded" */
	VIRSH_JOB_UNBOUNDED, /* "Unbounded": a live migration runs */
	VIRSH_JOB_COMPLETED, /* "Completed" (--completed) */
	VIRSH_JOB_FAILED,    /* "Failed" */
	VIRSH_JOB_CANCELLED  /* "Cancelled" */
};

/* Fields seen in a domjobinfo (virsh_jobinfo.seen bits). */
#define VIRSH_JI_ELAPSED   0x0001u
#define VIRSH_JI_DATA      0x0002u /* data processed/remaining/total */
#define VIRSH_JI_MEM       0x0004u /* memory processed/remaining/total */
#define VIRSH_JI_BPS       0x0008u
#define VIRSH_JI_DIRTY     0x0010u
#define VIRSH_JI_ITER      0x0020u
#define VIRSH_JI_POSTCOPY  0x0040u /* postcopy requests */
#define VIRSH_JI_OP        0x0080u
#define VIRSH_JI_OP_OUT    0x0100u /* operation is "Outgoing migration" */
#define VIRSH_JI_DOWNTIME  0x0200u /* expected or total downtime */
#define VIRSH_JI_THROTTLE  0x0400u /* auto-converge throttle */

/* `virsh domjobinfo DOM`.  Sizes in bytes (virsh prints three decimals
 * of a binary unit, so they are exact to 0.1 %), times in ms. */
struct virsh_jobinfo {
	uint8_t type;          /* enum virsh_jobtype */
	uint8_t throttle_pct;  /* auto-converge CPU throttle */
	uint16_t pad;
	uint32_t seen;         /* VIRSH_JI_* */
	uint64_t elapsed_ms;
	uint64_t data_processed, data_remaining, data_total;
	uint64_t mem_processed, mem_remaining, mem_total;
	uint64_t mem_bps;      /* bytes per second */
	uint64_t dirty_rate;   /* pages per second */
	uint64_t page_size;
	uint64_t iteration;
	uint64_t postcopy_reqs;
	uint64_t downtime_ms;
};

/* 1 if name[0..len) is a domain name vigil will put in a command: 1 to
 * VIGIL_MAX_DOMNAME bytes of [A-Za-z0-9._-], not starting with '-' (an
 * option) or '.'.  Everything else (blanks, quotes, $, `, ;, UTF-8, ...)
 * answers 0. */
int virsh_name_ok(const char *name, size_t len);

/* 1 if t[0..len) is a usable migration target: 1 to VIGIL_MAX_TARGET
 * bytes of [A-Za-z0-9._-:], an optional "user@" of [A-Za-z0-9._-], or an
 * IPv6 literal in brackets; not starting with '-'. */
int virsh_target_ok(const char *t, size_t len);

/* Parses `virsh list --all` into out (cleared first).  Rows are matched
 * by their trailing state, so a name with blanks is still recognised (and
 * refused).  Returns 0 (an empty list is fine), or VIGIL_EPARSE when the
 * header is missing.  Rows past VIGIL_MAX_VMS, refused names and
 * malformed rows are counted in out. */
int virsh_parse_list(const char *s, size_t len, struct virsh_list *out);

/* Parses `virsh dominfo DOM`.  State and both memory lines are required:
 * VIGIL_EPARSE otherwise or on a malformed number. */
int virsh_parse_dominfo(const char *s, size_t len, struct virsh_dominfo *out);

/* Copies a dominfo's memory, CPUs and state into the list entry of the
 * same name.  Returns 0, or VIGIL_ENOENT when the list has no such domain
 * (or the dominfo's name was refused). */
int virsh_list_apply(struct virsh_list *l, const struct virsh_dominfo *di);

/* Parses `virsh domstate DOM` (with or without --reason) into *state.
 * Returns 0 (state VIRSH_ST_UNKNOWN for text it does not know) or
 * VIGIL_EPARSE for empty output. */
int virsh_parse_domstate(const char *s, size_t len, int *state);

/* Parses `virsh domjobinfo DOM` (also --completed).  "Job type:" is
 * required; a field it knows with a malformed value is VIGIL_EPARSE;
 * fields it does not know are skipped. */
int virsh_parse_jobinfo(const char *s, size_t len, struct virsh_jobinfo *out);

/* Parses `virsh freecell --all` (or plain `virsh freecell`): the Total
 * line, in KiB.  VIGIL_EPARSE when absent or malformed. */
int virsh_parse_freecell(const char *s, size_t len, uint64_t *free_kib);

/* Finds the last line of s that starts with "error: " (virsh prints a
 * general line, then the specific cause).  Sets *line and *n to the text after
 * "error: " and returns 1, or returns 0. */
int virsh_error_line(const char *s, size_t len, const char **line, size_t *n);

/* ---- building text --------------------------------------------------- */

/* A bounded string under construction.  Always NUL-terminated; cut is
 * set when something did not fit (the text then ends where it stopped). */
struct virsh_buf {
	char *p;
	size_t cap, len;
	int cut;
};

void virsh_buf_init(struct virsh_buf *b, char *p, size_t cap);
void virsh_buf_str(struct virsh_buf *b, const char *s);
void virsh_buf_mem(struct virsh_buf *b, const char *s, size_t n);
void virsh_buf_u64(struct virsh_buf *b, uint64_t v);
/* Appends v/1000 with one decimal ("12.3"), for seconds from ms. */
void virsh_buf_ms(struct virsh_buf *b, uint64_t ms);
/* Appends s[0..n) for display: printable ASCII except shell-special
 * characters as is, everything else as '?'. */
void virsh_buf_shown(struct virsh_buf *b, const char *s, size_t n);

/* Command options for virsh_cmd_migrate. */
#define VIRSH_MIG_AUTOCONVERGE 1u
#define VIRSH_MIG_POSTCOPY     2u

/* Writes "virsh migrate --live --persistent --undefinesource
 * [--auto-converge] [--postcopy] DOM qemu+ssh://TARGET/system" into
 * buf[0..cap).  Returns its length, or VIGIL_EINVAL when dom or target
 * fails its check, VIGIL_E2BIG when it does not fit (nothing usable is
 * left in buf then). */
int virsh_cmd_migrate(char *buf, size_t cap, const char *dom,
    const char *target, unsigned opts);

/* Writes "virsh VERB DOM" (VERB one of "domjobinfo", "migrate-postcopy",
 * "domjobabort", "domstate", "dominfo"; any other is VIGIL_EINVAL).
 * Returns the length, VIGIL_EINVAL or VIGIL_E2BIG as above. */
int virsh_cmd_dom(char *buf, size_t cap, const char *verb, const char *dom);

#endif /* VIGIL_VIRSH_H */
