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

#include "drain.h"
#include "hosts.h"
#include "predict.h"
#include "syslog.h"

struct ingest_stats {
	uint64_t received;       /* messages handed to ingest_message */
	uint64_t accepted;       /* from a configured host */
	uint64_t unknown_source; /* dropped: source address not configured */
	uint64_t truncated;      /* cut to the message limit by the receiver */
	uint64_t parse_errors;   /* accepted, but with a malformed header */
	uint64_t empty;          /* accepted, but with no content */
};

/* One Drain miner serves the whole rack, so a template has one id on
 * every host; each host counts its own templates (hosts_count_template). */
struct ingest {
	struct hosts hosts;
	struct syslog_cfg syslog;
	struct ingest_stats stats;
	struct drain drain;
	struct predict predict;
	int time_from_message;   /* detector clock: 1 message time, 0 arrival */
};

/* The result of one message, for the caller's logging and tests. */
struct ingest_result {
	int host;                /* host index, or VIGIL_ENOENT */
	int template_id;         /* Drain template of the text, or VIGIL_E* */
	int64_t t_ms;            /* the detector's time of this message */
	struct predict_event ev; /* the host's score and any state change */
	struct syslog_msg msg;   /* views into the caller's buffer */
};

/* Sets up ingest over a host table (copied), an empty miner with dcfg,
 * and zeroes the counters.  Returns 0 or VIGIL_EINVAL for a bad dcfg (the
 * miner then runs on Drain's defaults). */
int ingest_init(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg, const struct drain_cfg *dcfg);

/* Sets up prediction for the hosts (all reset to healthy, knowing
 * nothing) and where its clock comes from: the time written in each
 * message (time_from_message 1; a message without one uses its arrival)
 * or the arrival time.  Returns 0 or VIGIL_EINVAL for a bad pcfg, which
 * leaves prediction as it was. */
int ingest_predict_init(struct ingest *in, const struct predict_cfg *pcfg,
    int time_from_message);

/* Replaces the host table and parser settings (configuration reload),
 * keeping the counters of hosts that keep their names, the global
 * counters and the miner.  A host keeps its prediction state when it keeps
 * its name and its place in the table; others start afresh. */
void ingest_reconfigure(struct ingest *in, const struct hosts *hosts,
    const struct syslog_cfg *scfg);

/* Handles one message: buf/len are the bytes kept (at most the message
 * limit), orig_len what the sender sent, truncated 1 when they differ.
 * now_s is the arrival time.  Returns 0 when accepted, VIGIL_ENOENT when
 * the source is not configured (counted, dropped).  res may be NULL. */
int ingest_message(struct ingest *in, const struct hosts_addr *src,
    const char *buf, size_t len, size_t orig_len, int truncated,
    int64_t now_s, struct ingest_result *res);

/* Zeroes every counter (global and per host); templates are kept. */
void ingest_reset_counters(struct ingest *in);

#endif /* VIGIL_INGEST_H */
