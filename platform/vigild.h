/*
 * vigild.h - the daemon's state, shared by the platform modules.
 *
 * There is exactly one struct vigild (vigild_state, static storage).  The
 * loop callbacks in platform/ read and update it; the status channel reads
 * it to answer the NOC.  Nothing here is allocated at run time.
 */
#ifndef VIGIL_VIGILD_H
#define VIGIL_VIGILD_H

#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "ingest.h"

/* Transport counters of the syslog listeners. */
struct net_stats {
	uint64_t udp_datagrams;     /* datagrams read */
	uint64_t udp_batches;       /* recvmmsg calls that returned data */
	uint64_t udp_truncated;     /* datagrams longer than the limit */
	uint64_t udp_errors;        /* receive errors */
	uint64_t udp_naps;          /* reads paused for a batch to build */
	uint64_t udp_ring_full;     /* reader waits: the loop was behind */
	uint64_t tcp_accepted;      /* connections accepted and served */
	uint64_t tcp_refused;       /* accepted and closed: all slots in use */
	uint64_t tcp_unknown_source;/* accepted and closed: source not configured */
	uint64_t tcp_closed_idle;   /* closed by the idle timeout */
	uint64_t tcp_closed_frame;  /* closed on malformed framing */
	uint64_t tcp_closed_peer;   /* closed by the peer or on error */
	uint64_t tcp_messages;      /* messages framed */
	uint64_t tcp_truncated;     /* messages cut to the limit */
	uint64_t tcp_bytes;         /* bytes read */
	uint32_t tcp_open;          /* connections open now */
	uint32_t tcp_open_high;     /* most open at once */
};

/* Status channel counters (kept by platform/status.c). */
struct status_stats {
	uint64_t requests;          /* well-formed requests answered */
	uint64_t refused_acl;       /* from outside the NOC allow-list */
	uint64_t bad_requests;      /* undecodable or oversized */
	uint64_t auth_failures;     /* bad HMAC on a state-changing request */
	uint64_t replays;           /* stale timestamp or reused nonce */
	uint64_t udp_too_big;       /* reply did not fit a datagram */
	uint64_t counter_resets;    /* authenticated counter resets done */
	uint32_t tcp_open;
	uint64_t tcp_refused;       /* all status connection slots in use */
};

struct vigild {
	struct vigil_config cfg;
	struct ingest ingest;
	/* Estimated time to evacuate each host's VMs (0: not known yet),
	 * refreshed from the inventory. */
	uint32_t evacuate_s[VIGIL_MAX_HOSTS];
	struct net_stats net;
	struct status_stats status;
	uv_loop_t *loop;
	uint64_t start_ms;          /* uv_now at start, for uptime */
	int64_t start_wall_s;       /* wall clock at start */
	uint64_t reloads;           /* successful SIGHUP reloads */
	uint64_t reload_failures;   /* refused configs at SIGHUP */
};

extern struct vigild vigild_state;

/* Wall-clock seconds since the epoch (the one place vigild reads it). */
int64_t vigild_wall_s(void);

#endif /* VIGIL_VIGILD_H */
