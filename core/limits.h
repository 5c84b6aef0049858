/*
 * limits.h - every capacity vigil has, in one place.
 *
 * Each limit is a compile-time constant that a build may override with -D
 * (the unit tests are built a second time with tiny values so that every
 * table-full path really runs).  Each comment says what the limit bounds,
 * roughly what it costs in memory, and what happens when it is reached.
 * Nothing in vigil grows with its input: when a table is full vigil counts
 * the event and degrades as described here.
 */
#ifndef VIGIL_LIMITS_H
#define VIGIL_LIMITS_H

/* ---- syslog input ------------------------------------------------------ */

/* Longest syslog message kept, in bytes (RFC 5426 asks receivers for at
 * least 2048; RFC 5425 recommends 8192).  Costs one buffer of this size per
 * TCP connection plus one per UDP batch slot.  Longer messages are truncated
 * to this length, counted, and the stream stays in sync. */
#ifndef VIGIL_MAX_MSG
#define VIGIL_MAX_MSG 8192
#endif

/* Longest HOSTNAME / APP-NAME / PROCID / MSGID field kept (RFC 5424 allows
 * 255 / 48 / 128 / 32).  Longer fields are cut and the message is flagged. */
#ifndef VIGIL_MAX_HOSTNAME
#define VIGIL_MAX_HOSTNAME 255
#endif
#ifndef VIGIL_MAX_APPNAME
#define VIGIL_MAX_APPNAME 48
#endif

/* Datagrams read per UDP wake-up (libuv's recvmmsg batch).  Bounds the work
 * of one callback so the loop cannot starve; the rest waits in the kernel's
 * socket buffer.  Costs VIGIL_UDP_BATCH * VIGIL_MAX_MSG bytes. */
#ifndef VIGIL_UDP_BATCH
#define VIGIL_UDP_BATCH 32
#endif

/* Concurrent syslog TCP connections.  Each costs one receive buffer of
 * VIGIL_MAX_MSG + framing slack.  When all are in use a new connection is
 * accepted and closed at once, and counted. */
#ifndef VIGIL_MAX_TCP_CONN
#define VIGIL_MAX_TCP_CONN 64
#endif

/* ---- hosts ------------------------------------------------------------- */

/* Hypervisor hosts in one rack.  Each host costs its counters and, later,
 * its detector state.  A config naming more hosts is refused. */
#ifndef VIGIL_MAX_HOSTS
#define VIGIL_MAX_HOSTS 32
#endif

/* Source addresses one host may send syslog from.  Extra addresses in the
 * config are refused with the line number. */
#ifndef VIGIL_MAX_HOST_ADDRS
#define VIGIL_MAX_HOST_ADDRS 4
#endif

/* Longest host name in the config (a DNS label is 63, a name 253). */
#ifndef VIGIL_MAX_NAME
#define VIGIL_MAX_NAME 64
#endif

/* ---- status channel ---------------------------------------------------- */

/* Largest status request or reply frame, in bytes.  UDP replies are capped
 * at VIGIL_STATUS_UDP_MAX so they fit one unfragmented datagram; a reply
 * that does not fit is answered with an error telling the client to use
 * TCP.  A larger request is refused and the connection closed. */
#ifndef VIGIL_STATUS_MAX_FRAME
#define VIGIL_STATUS_MAX_FRAME 16384
#endif
#ifndef VIGIL_STATUS_UDP_MAX
#define VIGIL_STATUS_UDP_MAX 1200
#endif

/* Concurrent status (NOC) TCP connections; more are accepted, closed and
 * counted. */
#ifndef VIGIL_MAX_STATUS_CONN
#define VIGIL_MAX_STATUS_CONN 8
#endif

/* NOC allow-list entries (address/prefix).  More are refused at config
 * load. */
#ifndef VIGIL_MAX_NOC_ALLOW
#define VIGIL_MAX_NOC_ALLOW 8
#endif

/* Nonces remembered for replay protection of authenticated requests.  A
 * request is accepted only within VIGIL_AUTH_WINDOW_S seconds of our clock
 * and with a nonce not seen in that window.  When the ring is full the
 * oldest nonce is forgotten; that is safe because requests older than the
 * window are refused by time anyway, and the ring is sized for far more
 * authenticated requests per window than a NOC sends. */
#ifndef VIGIL_MAX_NONCES
#define VIGIL_MAX_NONCES 256
#endif
#ifndef VIGIL_AUTH_WINDOW_S
#define VIGIL_AUTH_WINDOW_S 60
#endif

/* Longest pre-shared key, bytes. */
#ifndef VIGIL_MAX_PSK
#define VIGIL_MAX_PSK 64
#endif

/* ---- memory ------------------------------------------------------------ */

/* The fixed arena handed to libuv, libssh2, the crypto library and libc.
 * Reserved once at start-up; exhaustion makes the allocation fail (counted
 * and reported), never grows. */
#ifndef VIGIL_ARENA_BYTES
#define VIGIL_ARENA_BYTES (2u * 1024u * 1024u)
#endif

/* ---- config ------------------------------------------------------------ */

/* Longest config file, bytes, and longest line.  Longer files or lines are
 * refused with a line number. */
#ifndef VIGIL_MAX_CONFIG
#define VIGIL_MAX_CONFIG 65536
#endif
#ifndef VIGIL_MAX_CONFIG_LINE
#define VIGIL_MAX_CONFIG_LINE 512
#endif

/* ---- Drain template miner ---------------------------------------------- */
/* (section owned by core/drain and core/mask) */

/* ---- ART detector ------------------------------------------------------ */
/* (section owned by core/art) */

/* ---- impossible combinations ------------------------------------------- */

#if VIGIL_MAX_MSG < 480
#error "VIGIL_MAX_MSG must be at least 480 (RFC 3164 minimum)"
#endif
#if VIGIL_STATUS_UDP_MAX > VIGIL_STATUS_MAX_FRAME
#error "VIGIL_STATUS_UDP_MAX cannot exceed VIGIL_STATUS_MAX_FRAME"
#endif
#if VIGIL_MAX_HOSTS < 1 || VIGIL_MAX_HOST_ADDRS < 1
#error "need room for at least one host with one address"
#endif

#endif /* VIGIL_LIMITS_H */
