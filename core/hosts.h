/*
 * hosts.h - the rack's configured hypervisor hosts and their counters.
 *
 * A host is identified only by the source address its syslog arrives
 * from, never by the hostname written inside a message (that is recorded
 * for display).  The table is fixed: VIGIL_MAX_HOSTS hosts with up to
 * VIGIL_MAX_HOST_ADDRS addresses each.  Adding past either limit fails
 * with VIGIL_ENOSPC; the config loader reports it with the line number.
 *
 * Does not: resolve names, do I/O, or keep time itself (times come in).
 */
#ifndef VIGIL_HOSTS_H
#define VIGIL_HOSTS_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* An IPv4 or IPv6 address in network byte order.  IPv4-mapped IPv6
 * addresses are stored as IPv4 so that a dual-stack socket matches an
 * IPv4 host entry. */
struct hosts_addr {
	uint8_t family; /* 4 or 6; 0 = unset */
	uint8_t bytes[16];
};

/* One entry of a host's top-templates table (see hosts_count_template). */
struct hosts_top {
	int32_t id;      /* Drain template id */
	uint32_t pad;
	uint64_t count;  /* messages counted for it (may overestimate) */
	uint64_t error;  /* by at most this much */
};

struct hosts_counters {
	uint64_t messages;      /* accepted messages */
	uint64_t bytes;         /* their bytes, before truncation */
	uint64_t severity[8];   /* by syslog severity 0 (emerg) .. 7 (debug) */
	uint64_t parse_errors;  /* messages with a malformed header (flags) */
	uint64_t truncated;     /* messages cut to VIGIL_MAX_MSG */
	int64_t last_seen_s;    /* arrival time of the last message; 0 = never */
	char last_hostname[VIGIL_MAX_HOSTNAME + 1]; /* as the message said */
	struct hosts_top top[VIGIL_HOST_TOP_TEMPLATES]; /* unordered */
	uint32_t ntop;
	uint64_t top_replaced;  /* entries replaced because the table was full */
};

struct hosts_entry {
	char name[VIGIL_MAX_NAME + 1];
	struct hosts_addr addr[VIGIL_MAX_HOST_ADDRS];
	unsigned naddr;
	struct hosts_counters c;
};

struct hosts {
	struct hosts_entry h[VIGIL_MAX_HOSTS];
	unsigned n;
};

/* Empties the table. */
void hosts_init(struct hosts *t);

/* Adds a host named name (NUL-terminated, 1..VIGIL_MAX_NAME characters
 * from [A-Za-z0-9._-]).  Returns its index, VIGIL_EINVAL for a bad name
 * or a duplicate, VIGIL_ENOSPC when the table is full. */
int hosts_add(struct hosts *t, const char *name);

/* Adds a source address to host idx.  VIGIL_ENOSPC past
 * VIGIL_MAX_HOST_ADDRS, VIGIL_EINVAL if another host already has it. */
int hosts_add_addr(struct hosts *t, int idx, const struct hosts_addr *a);

/* The index of the host that owns address a, or VIGIL_ENOENT. */
int hosts_lookup(const struct hosts *t, const struct hosts_addr *a);

/* The index of the host called name, or VIGIL_ENOENT. */
int hosts_find(const struct hosts *t, const char *name);

/* Parses a numeric IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1") address
 * of len bytes.  Returns 0 or VIGIL_EADDR. */
int hosts_parse_addr(const char *s, size_t len, struct hosts_addr *out);

/* Writes a printable form of a into buf (at least 46 bytes). */
void hosts_format_addr(const struct hosts_addr *a, char *buf, size_t cap);

/* Carries the counters of every host in old that has the same name in
 * t over to t (used by a configuration reload). */
void hosts_carry_counters(struct hosts *t, const struct hosts *old);

/* Counts one message of template id for host idx in its bounded
 * top-templates table (Space-Saving: when the table is full the entry
 * with the smallest count is replaced, and the newcomer inherits that
 * count as its error bound, counted in top_replaced). */
void hosts_count_template(struct hosts *t, int idx, int32_t id);

/* Zeroes every host's counters. */
void hosts_reset_counters(struct hosts *t);

#endif /* VIGIL_HOSTS_H */
