/*
 * ingest.h - what happens to one received syslog message, as pure code.
 *
 * platform/ hands over the bytes of one message (after UDP datagram
 * boundaries or RFC 6587 framing), the source address and the arrival
 * time.  ingest finds the configured host by source address (unknown
 * sources are counted and dropped), parses the message and updates the
 * host's counters.  Later stages (templates, features, detectors) hang off
 * this step, so the daemon and the offline replay run the same code.
 *
 * Does not: read sockets, trust the hostname inside a message, or keep
 * time itself.
 */
#ifndef VIGIL_INGEST_H
#define VIGIL_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"
#include "syslog.h"

struct ingest_stats {
	uint64_t received;       /* messages handed to ingest_message */
	uint64_t accepted;       /* from a configured host */
	uint64_t unknown_source; /* dropped: source address not configured */
	uint64_t truncated;      /* cut to the message limit by the receiver */
	uint64_t parse_errors;   /* accepted, but with a malformed header */
	uint64_t empty;          /* accepted, but with no content */
};

struct ingest {
	struct hosts hosts;
	struct syslog_cfg syslog;
	struct ingest_stats stats;
};

/* The result of one message, for the caller's logging and tests. */
struct ingest_result {
	int host;                /* host index, or VIGIL_ENOENT */
	struct syslog_msg msg;   /* views into the caller's buffer */
};

/* Sets up ingest over a host table (copied) and zeroes the counters. */
void ingest_init(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg);

/* Replaces the host table and parser settings (configuration reload),
 * keeping the counters of hosts that keep their names and the global
 * counters. */
void ingest_reconfigure(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg);

/* Handles one message: buf/len are the bytes kept (at most the message
 * limit), orig_len what the sender sent, truncated 1 when they differ.
 * now_s is the arrival time.  Returns 0 when accepted, VIGIL_ENOENT when
 * the source is not configured (counted, dropped).  res may be NULL. */
int ingest_message(struct ingest *in, const struct hosts_addr *src,
    const char *buf, size_t len, size_t orig_len, int truncated,
    int64_t now_s, struct ingest_result *res);

/* Zeroes every counter (global and per host). */
void ingest_reset_counters(struct ingest *in);

#endif /* VIGIL_INGEST_H */
