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
#ifndef VIGIL_MAX_PROCID
#define VIGIL_MAX_PROCID 128
#endif
#ifndef VIGIL_MAX_MSGID
#define VIGIL_MAX_MSGID 32
#endif

/* Most digits accepted in an RFC 6587 octet count.  Costs nothing (the
 * framer skips what it does not keep); bounds how far a peer can make a
 * connection skip: 8 digits is just under 100 MB.  A longer count is a
 * malformed frame: counted, and the connection is closed.  Must be able to
 * write VIGIL_MAX_MSG. */
#ifndef VIGIL_MAX_OCTET_DIGITS
#define VIGIL_MAX_OCTET_DIGITS 8
#endif

/* Datagrams per recvmmsg(2) of the UDP reader thread.  Costs
 * VIGIL_UDP_BATCH * VIGIL_MAX_MSG bytes of slots. */
#ifndef VIGIL_UDP_BATCH
#define VIGIL_UDP_BATCH 32
#endif

/* The ring between the UDP reader thread and the loop: each datagram takes
 * its length plus a 40-byte header, so the default holds some 20,000
 * typical lines, tens of milliseconds at full rate.  When it is full the
 * reader waits and the kernel's socket buffer fills. */
#ifndef VIGIL_UDP_RING_BYTES
#define VIGIL_UDP_RING_BYTES (4u << 20)
#endif

/* Datagrams the loop delivers from the ring in one turn; bounds the work
 * of a callback so that TCP, status and timers get their turn. */
#ifndef VIGIL_UDP_TURN
#define VIGIL_UDP_TURN 512
#endif

/* After a UDP read that returned fewer than half a batch, reading pauses
 * this many milliseconds so the next recvmmsg finds a full batch: one
 * wake-up per datagram costs more CPU than parsing it.  Adds at most this
 * latency; the socket buffer (4 MiB) holds several ms of line rate. */
#ifndef VIGIL_UDP_NAP_MS
#define VIGIL_UDP_NAP_MS 1
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

/* Templates tracked per host for "vigilctl templates HOST": the most
 * frequent ones, kept with the Space-Saving algorithm (each entry's count
 * overestimates by at most its recorded error).  Costs 24 bytes per entry
 * per host.  A new template when the table is full replaces the entry with
 * the smallest count. */
#ifndef VIGIL_HOST_TOP_TEMPLATES
#define VIGIL_HOST_TOP_TEMPLATES 32
#endif

/* Longest host name in the config (a DNS label is 63, a name 253). */
#ifndef VIGIL_MAX_NAME
#define VIGIL_MAX_NAME 64
#endif

/* ---- status channel ---------------------------------------------------- */

/* Largest status request or reply frame, in bytes.  UDP replies are capped
 * at VIGIL_STATUS_UDP_MAX so they fit one unfragmented datagram; a reply
 * that does not fit is answered with an error telling the client to use
 * TCP.  A larger request is refused and the connection closed.  A TCP
 * host list that does not fit one frame is sent in pages (the client asks
 * for the rest).  Costs 2 * VIGIL_STATUS_MAX_FRAME per status connection
 * (a receive and a reply buffer: 256 KiB for 8 connections) plus one
 * UDP datagram each way. */
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
 * and with a nonce not seen in that window.  A nonce is forgotten once its
 * request's timestamp has left the window (a replay would be refused by
 * time).  When every slot holds a nonce that is still live, a new command
 * is refused (RESULT_BUSY, counted) rather than forgetting one that could
 * be replayed: the table is sized for far more authenticated requests per
 * window than a NOC sends.  Costs VIGIL_MAX_NONCES * (VIGIL_AUTH_NONCE_MAX
 * + 16) bytes (12 KiB at 256). */
#ifndef VIGIL_MAX_NONCES
#define VIGIL_MAX_NONCES 256
#endif
#ifndef VIGIL_AUTH_WINDOW_S
#define VIGIL_AUTH_WINDOW_S 60
#endif

/* Longest nonce accepted in an authenticated request, bytes (the protocol
 * allows 8..32; vigil.options bounds the wire field to 32).  A longer nonce
 * is refused as a bad request. */
#ifndef VIGIL_AUTH_NONCE_MAX
#define VIGIL_AUTH_NONCE_MAX 32
#endif

/* Seconds a status TCP connection may stay idle (no complete request)
 * before vigild closes it (counted).  Bounds how long a slot can be held
 * by a client that connects and says nothing. */
#ifndef VIGIL_STATUS_IDLE_S
#define VIGIL_STATUS_IDLE_S 10
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

/* Longest file path in the config (pid file, log file, snapshot, keys). */
#ifndef VIGIL_MAX_PATH
#define VIGIL_MAX_PATH 256
#endif

/* Config errors remembered and reported by `vigild -t`; later errors are
 * counted but not described. */
#ifndef VIGIL_MAX_CONFIG_ERRORS
#define VIGIL_MAX_CONFIG_ERRORS 16
#endif

/* ---- Drain template miner ---------------------------------------------- */
/* (section owned by core/drain and core/mask) */

/* Templates the miner keeps (one miner for the whole rack).  Each slot
 * costs 40 bytes plus its record in the token pool below.  When all are in
 * use a new template evicts the least recently used one (counted; its id
 * is retired, see drain.h), or, with "full overflow" in the rules, the
 * line is answered with DRAIN_ID_OVERFLOW (counted). */
#ifndef VIGIL_DRAIN_MAX_TEMPLATES
#define VIGIL_DRAIN_MAX_TEMPLATES 4096
#endif

/* Tokens per line.  A line with more tokens keeps its first
 * VIGIL_DRAIN_MAX_TOKENS - 1 tokens and the whole rest of the line as one
 * last token (counted).  Costs 16 bytes of stack per token in drain_add. */
#ifndef VIGIL_DRAIN_MAX_TOKENS
#define VIGIL_DRAIN_MAX_TOKENS 128
#endif

/* Longest line the miner looks at, in bytes, before and after masking.
 * Longer input is cut to this length (counted).  Costs a buffer of this
 * size on the stack of drain_add. */
#ifndef VIGIL_DRAIN_MAX_LINE
#define VIGIL_DRAIN_MAX_LINE 4096
#endif

/* Token storage: one pool of bytes holding every template's token hashes,
 * lengths and text (8 + 6 bytes per token + the text, rounded to 8; plus 8
 * spare bytes at the end).
 * Loghub's templates average under 200 bytes, so 1 MiB holds the template
 * table about 1.3 times over.  When it is full the pool is compacted, and
 * if that is not enough the least recently used templates are evicted
 * (counted) until the new record fits. */
#ifndef VIGIL_DRAIN_POOL_BYTES
#define VIGIL_DRAIN_POOL_BYTES (1024u * 1024u)
#endif

/* Parse-tree nodes (root, one per token count, one per key token).  24
 * bytes each plus two hash-index slots of 4 bytes.  A template needs at
 * most depth - 2 of them; when none is free the least recently used
 * templates are evicted (counted) until their nodes are released. */
#ifndef VIGIL_DRAIN_MAX_NODES
#define VIGIL_DRAIN_MAX_NODES (2u * VIGIL_DRAIN_MAX_TEMPLATES)
#endif

/* Deepest parse tree a configuration may ask for (depth d keys a template
 * on its token count and its first d - 3 tokens; the benchmark uses 3..6).
 * A deeper configuration is refused. */
#ifndef VIGIL_DRAIN_MAX_DEPTH
#define VIGIL_DRAIN_MAX_DEPTH 8
#endif

/* Masking rules per configuration, and the longest literal (pre=, post=,
 * after=, with=) in one rule.  Each rule costs 4 * VIGIL_MASK_MAX_LIT + 18
 * bytes in the configuration, which also holds about 2 KiB of tables
 * derived from the rules.  More rules or longer literals are refused with
 * the line number. */
#ifndef VIGIL_MASK_MAX_RULES
#define VIGIL_MASK_MAX_RULES 16
#endif
#ifndef VIGIL_MASK_MAX_LIT
#define VIGIL_MASK_MAX_LIT 16
#endif

/* Impossible Drain combinations. */
#if VIGIL_DRAIN_MAX_TEMPLATES < 1 || VIGIL_DRAIN_MAX_TEMPLATES > 65536
#error "VIGIL_DRAIN_MAX_TEMPLATES must be 1..65536"
#endif
#if VIGIL_DRAIN_MAX_TOKENS < 2 || VIGIL_DRAIN_MAX_TOKENS > 4096
#error "VIGIL_DRAIN_MAX_TOKENS must be 2..4096"
#endif
#if VIGIL_DRAIN_MAX_LINE < 16 || VIGIL_DRAIN_MAX_LINE > 65535
#error "VIGIL_DRAIN_MAX_LINE must be 16..65535 (token lengths are 16-bit)"
#endif
#if VIGIL_DRAIN_MAX_DEPTH < 3 || VIGIL_DRAIN_MAX_DEPTH > 16
#error "VIGIL_DRAIN_MAX_DEPTH must be 3..16"
#endif
#if VIGIL_DRAIN_MAX_NODES < VIGIL_DRAIN_MAX_DEPTH
#error "VIGIL_DRAIN_MAX_NODES must hold at least one full path of the tree"
#endif
/* The largest template record (every token of the longest line) must fit
 * in an empty pool, so eviction always ends with room. */
#if VIGIL_DRAIN_POOL_BYTES < 16 + 6 * VIGIL_DRAIN_MAX_TOKENS + VIGIL_DRAIN_MAX_LINE
#error "VIGIL_DRAIN_POOL_BYTES cannot hold one template of the longest line"
#endif
#if VIGIL_DRAIN_POOL_BYTES > 0x7ffffff0u
#error "VIGIL_DRAIN_POOL_BYTES must stay below 2 GiB"
#endif
#if VIGIL_MASK_MAX_RULES < 1 || VIGIL_MASK_MAX_RULES > 32
#error "VIGIL_MASK_MAX_RULES must be 1..32"
#endif
#if VIGIL_MASK_MAX_LIT < 1 || VIGIL_MASK_MAX_LIT > 255
#error "VIGIL_MASK_MAX_LIT must be 1..255"
#endif

/* ---- ART detector ------------------------------------------------------ */
/* (section owned by core/art) */

/* Values per step one ART stream accepts (1 for a metric series, a log
 * feature vector per window otherwise).  Every stream pays for the maximum:
 * each unit adds 2 * VIGIL_ART_MAX_CATS floats to the category table
 * (4 KiB at 512 categories) plus ~2 KiB of warm-up and median state.
 * art_init refuses a larger dim. */
#ifndef VIGIL_ART_MAX_DIM
#define VIGIL_ART_MAX_DIM 16
#endif

/* ART categories per stream.  Each costs 4 * 2 * (16 + dim_max) bytes of
 * float weights plus 16 bytes of bookkeeping (136 KiB at 512 with dim_max
 * 16; the whole per-stream state is about 200 KiB).  When full, the
 * category that was least recently the best match is replaced, and
 * counted.  512 fills on NAB only on its one long drifting series, at no
 * cost to the score. */
#ifndef VIGIL_ART_MAX_CATS
#define VIGIL_ART_MAX_CATS 512
#endif

/* Probation (warm-up) length bounds, raw steps.  The down-sampling factor
 * is probation / 104, so the warm-up buffer never exceeds 208 feature
 * vectors whatever the probation; the bounds only keep the factor sane
 * (at most 10 raw steps per scored step) and leave enough warm-up steps
 * (at least 4 feature windows) to estimate the vigilance.  art_init refuses
 * values outside. */
#ifndef VIGIL_ART_MIN_PROBATION
#define VIGIL_ART_MIN_PROBATION 32
#endif
#ifndef VIGIL_ART_MAX_PROBATION
#define VIGIL_ART_MAX_PROBATION 1100
#endif

/* Largest input magnitude used as is; larger finite values are clamped and
 * counted so that range arithmetic cannot overflow. */
#ifndef VIGIL_ART_MAX_ABS
#define VIGIL_ART_MAX_ABS 1e150
#endif
#if VIGIL_ART_MAX_DIM < 1 || VIGIL_ART_MAX_CATS < 2
#error "ART needs at least one input dimension and two categories"
#endif
#if VIGIL_ART_MIN_PROBATION < 32 || \
    VIGIL_ART_MAX_PROBATION < VIGIL_ART_MIN_PROBATION
#error "ART probation bounds: need 32 <= MIN_PROBATION <= MAX_PROBATION"
#endif

/* ---- features and prediction --------------------------------------- */
/* (section owned by core/features and core/predict) */

/* Values in one host's feature vector per window (see features.h).  Fixed
 * by the feature set.  The ART detector sees the first
 * min(VIGIL_FEAT_DIM, VIGIL_ART_MAX_DIM) of them. */
#define VIGIL_FEAT_DIM 6

/* Templates whose novelty is remembered per host: one 4-byte entry per
 * Drain template slot, so a host knows exactly which of the miner's live
 * templates it has sent (VIGIL_DRAIN_MAX_TEMPLATES * 4 bytes per host).
 * A slot the miner reuses carries a new id, which is new to every host. */
#define VIGIL_FEAT_KNOWN VIGIL_DRAIN_MAX_TEMPLATES

/* Templates named as the reasons of a host's state (the latest novel
 * templates that raised its score).  16 bytes each per host; older reasons
 * are overwritten. */
#ifndef VIGIL_PREDICT_REASONS
#define VIGIL_PREDICT_REASONS 4
#endif

/* Strikes remembered per host for the N-strike confirmation of severe.
 * 8 bytes each; the configured N may not exceed it. */
#ifndef VIGIL_PREDICT_MAX_STRIKES
#define VIGIL_PREDICT_MAX_STRIKES 8
#endif

/* ---- migration --------------------------------------------------------- */
/* (section owned by core/virsh, core/jobs and core/policy) */

/* Domains kept per host from `virsh list --all` (and so per host in the
 * policy's inventory).  Each costs about 100 bytes per host in the policy
 * (200 KiB for 32 hosts at 64).  Rows past the limit are dropped and
 * counted (virsh_list.dropped); a VM that is not listed is never moved. */
#ifndef VIGIL_MAX_VMS
#define VIGIL_MAX_VMS 64
#endif

/* Longest domain name accepted, in bytes.  A longer name is refused and
 * counted like a name with a character outside [A-Za-z0-9._-]: it never
 * reaches a command line. */
#ifndef VIGIL_MAX_DOMNAME
#define VIGIL_MAX_DOMNAME 64
#endif

/* Longest migration target address (the configured "host", "user@host"
 * or "[v6]" put into qemu+ssh://TARGET/system).  A longer one is refused
 * by jobs_start. */
#ifndef VIGIL_MAX_TARGET
#define VIGIL_MAX_TARGET 128
#endif

/* Longest command line a job builds, with its NUL.  Checked below against
 * the longest migrate command, so a command is never cut. */
#ifndef VIGIL_MAX_CMD
#define VIGIL_MAX_CMD 384
#endif

/* Migration jobs in flight at once in the rack (the job table the daemon
 * keeps, about 2.5 KiB each).  The policy's rack cap may not exceed it;
 * when every slot is busy the policy starts nothing more (counted). */
#ifndef VIGIL_MAX_JOBS
#define VIGIL_MAX_JOBS 8
#endif

/* Events kept per job for `vigilctl migrations` (a ring of VIGIL_JOB_
 * EVENT_TEXT + 16 bytes each); older events are overwritten and counted.
 * Periodic progress polls are not events, only their outcome is. */
#ifndef VIGIL_JOB_HISTORY
#define VIGIL_JOB_HISTORY 16
#endif
#ifndef VIGIL_JOB_EVENT_TEXT
#define VIGIL_JOB_EVENT_TEXT 96
#endif

/* Bytes of a reason string (a policy decision, a job's failure).  Longer
 * reasons are cut, never overflow. */
#ifndef VIGIL_MAX_REASON
#define VIGIL_MAX_REASON 160
#endif

/* Policy decisions kept for display (a ring of about VIGIL_MAX_REASON +
 * VIGIL_MAX_DOMNAME + 32 bytes each, 33 KiB at 128); the oldest is
 * overwritten and counted. */
#ifndef VIGIL_MAX_DECISIONS
#define VIGIL_MAX_DECISIONS 128
#endif

/* Recommendations waiting for an operator (manual mode) or remembered so
 * a dry run logs each would-be migration once.  When full, no new one is
 * made (counted) until one is confirmed or expires. */
#ifndef VIGIL_MAX_RECS
#define VIGIL_MAX_RECS 16
#endif

#if VIGIL_MAX_VMS < 1 || VIGIL_MAX_JOBS < 1 || VIGIL_MAX_DECISIONS < 1 || \
    VIGIL_MAX_RECS < 1 || VIGIL_JOB_HISTORY < 1
#error "migration tables need at least one slot each"
#endif
#if VIGIL_MAX_DOMNAME < 1 || VIGIL_MAX_DOMNAME > 255 || VIGIL_MAX_TARGET < 1
#error "VIGIL_MAX_DOMNAME must be 1..255 and VIGIL_MAX_TARGET at least 1"
#endif
/* "virsh migrate" and every option is 78 bytes, " qemu+ssh://" and
 * "/system" 19 more, and the NUL. */
#if VIGIL_MAX_CMD < 98 + VIGIL_MAX_DOMNAME + VIGIL_MAX_TARGET
#error "VIGIL_MAX_CMD cannot hold the longest migrate command"
#endif
#if VIGIL_MAX_REASON < 32 || VIGIL_JOB_EVENT_TEXT < 16
#error "VIGIL_MAX_REASON must be at least 32 and VIGIL_JOB_EVENT_TEXT 16"
#endif
#if VIGIL_MAX_HOSTS > 65535 || VIGIL_MAX_JOBS > 255
#error "jobs and policy keep host indices in 16 bits and job slots in 8"
#endif

/* ---- impossible combinations ------------------------------------------- */

#if (VIGIL_UDP_RING_BYTES & (VIGIL_UDP_RING_BYTES - 1)) != 0 || \
    VIGIL_UDP_RING_BYTES > (1u << 30) || VIGIL_UDP_RING_BYTES < 4 * VIGIL_MAX_MSG
#error "VIGIL_UDP_RING_BYTES must be a power of two, at most 1 GiB and at least 4 * VIGIL_MAX_MSG"
#endif
#if VIGIL_MAX_MSG < 480
#error "VIGIL_MAX_MSG must be at least 480 (RFC 3164 minimum)"
#endif
#if VIGIL_STATUS_UDP_MAX > VIGIL_STATUS_MAX_FRAME
#error "VIGIL_STATUS_UDP_MAX cannot exceed VIGIL_STATUS_MAX_FRAME"
#endif
#if VIGIL_MAX_HOSTS < 1 || VIGIL_MAX_HOST_ADDRS < 1
#error "need room for at least one host with one address"
#endif

/* ---- SSH --------------------------------------------------------------- */
/* (section owned by platform/ssh; one session per host, VIGIL_MAX_HOSTS) */

/* Exec channels open at once on one host's session: the commands that can
 * run there concurrently (a migrate, its domjobinfo polls, an abort, an
 * inventory).  Each costs VIGIL_SSH_MAX_OUT + VIGIL_SSH_MAX_ERR +
 * VIGIL_SSH_MAX_CMD + ~100 bytes of static storage per host (about 37 KiB,
 * 1.2 MiB per channel over 32 hosts) plus its libssh2 state in the SSH
 * zone.  When all are busy ssh_exec refuses with VIGIL_ENOSPC (counted);
 * nothing is queued.  Must not exceed sshd's MaxSessions (10 by
 * default), or the server refuses the extra channels.  Warm channels
 * (below) are among these, in slots no command uses. */
#ifndef VIGIL_SSH_MAX_CHANNELS
#define VIGIL_SSH_MAX_CHANNELS 4
#endif

/* Channels each READY session keeps open ahead of need ("warm"), so that
 * a command is written at once instead of after sshd confirms a new
 * channel (one round trip: 0.1 ms idle, up to 10 ms on a loaded host).
 * 2 is the policy's default max_per_host: both migrations an alarm starts
 * on one host find one.  They take free channel slots only (a command
 * takes a warm slot over), so they cost no slot; each costs about 0.8 KiB of
 * libssh2 state in the SSH zone and an idle session in sshd.  When none
 * is left a command opens its own channel; a warm channel the server
 * closes is replaced.  0 turns them off. */
#ifndef VIGIL_SSH_WARM
#if VIGIL_SSH_MAX_CHANNELS < 2
#define VIGIL_SSH_WARM VIGIL_SSH_MAX_CHANNELS
#else
#define VIGIL_SSH_WARM 2
#endif
#endif

/* Bytes of stdout and of stderr kept per command.  `virsh domjobinfo` is
 * under 1 KiB, `virsh list --all` about 60 bytes per domain, `virsh
 * dominfo` under 1 KiB; a per-host `virsh domstats` of many domains needs
 * the filter options.  Output past the limit is read and dropped, the
 * result is flagged truncated and counted. */
#ifndef VIGIL_SSH_MAX_OUT
#define VIGIL_SSH_MAX_OUT 32768
#endif
#ifndef VIGIL_SSH_MAX_ERR
#define VIGIL_SSH_MAX_ERR 4096
#endif

/* Longest command line sent, with its NUL.  ssh_exec refuses a longer one
 * (VIGIL_E2BIG).  Costs that much per channel. */
#ifndef VIGIL_SSH_MAX_CMD
#define VIGIL_SSH_MAX_CMD 512
#endif

/* The receive window offered per channel, bytes: how much the server may
 * send that libssh2 holds in the SSH zone before it is read.  Output is
 * read as it arrives, so this bounds memory, not the output size; it
 * also caps throughput at one window per round trip (64 MB/s at 0.5 ms). */
#ifndef VIGIL_SSH_WINDOW
#define VIGIL_SSH_WINDOW 32768
#endif

/* Channel bytes read per channel per wake-up, so one chatty command
 * cannot starve the loop; the rest is read on the next turn. */
#ifndef VIGIL_SSH_READ_BUDGET
#define VIGIL_SSH_READ_BUDGET 65536
#endif

/* Largest key file (public or private) and known_hosts file read, bytes.
 * Costs one static buffer of each (shared by all hosts: files are read at
 * each connection attempt).  An ECDSA P-521 private key in OpenSSH format
 * is under 1 KiB; a known_hosts line about 200 bytes.  A larger file
 * fails that host's connection (logged, counted). */
#ifndef VIGIL_SSH_MAX_KEYFILE
#define VIGIL_SSH_MAX_KEYFILE 4096
#endif
#ifndef VIGIL_SSH_MAX_KNOWN_HOSTS
#define VIGIL_SSH_MAX_KNOWN_HOSTS 65536
#endif

/* The SSH zone of the arena (platform/arena.h): everything libssh2 and
 * mbedTLS allocate, for every session.  Measured with libssh2 1.10 and
 * mbedTLS 2.28 against OpenSSH 9.2: 57 KiB per idle READY session, 64 KiB
 * at the peak of a connection (key exchange), 107 KiB while a command
 * streams 1 MiB (what waits unread is bounded by VIGIL_SSH_WINDOW per
 * channel), so 4 MiB holds 32 busy sessions.  Exhaustion makes a libssh2
 * call fail (counted in nomem): that session fails and reconnects after
 * its backoff, the others go on. */
#ifndef VIGIL_SSH_ARENA_BYTES
#define VIGIL_SSH_ARENA_BYTES (4u * 1024u * 1024u)
#endif

/* Defaults of struct ssh_cfg (platform/ssh.h), in ms or s.  STEP bounds
 * each connect step (TCP, handshake, authentication), a channel open and
 * a channel close; EXEC is the command timeout when the caller gives 0;
 * a session that receives nothing for KEEPALIVE_S * KEEPALIVE_MISSES
 * seconds, keepalives included, is dropped and reconnected. */
#ifndef VIGIL_SSH_STEP_MS
#define VIGIL_SSH_STEP_MS 10000
#endif
#ifndef VIGIL_SSH_EXEC_MS
#define VIGIL_SSH_EXEC_MS 60000
#endif
#ifndef VIGIL_SSH_KEEPALIVE_S
#define VIGIL_SSH_KEEPALIVE_S 15
#endif
#ifndef VIGIL_SSH_KEEPALIVE_MISSES
#define VIGIL_SSH_KEEPALIVE_MISSES 3
#endif
#ifndef VIGIL_SSH_BACKOFF_MIN_MS
#define VIGIL_SSH_BACKOFF_MIN_MS 500
#endif
#ifndef VIGIL_SSH_BACKOFF_MAX_MS
#define VIGIL_SSH_BACKOFF_MAX_MS 60000
#endif

#if VIGIL_SSH_MAX_CHANNELS < 1 || VIGIL_SSH_MAX_CHANNELS > 255
#error "VIGIL_SSH_MAX_CHANNELS must be 1..255 (handles keep it in 8 bits)"
#endif
#if VIGIL_SSH_WARM < 0 || VIGIL_SSH_WARM > VIGIL_SSH_MAX_CHANNELS
#error "VIGIL_SSH_WARM must be 0..VIGIL_SSH_MAX_CHANNELS"
#endif
#if VIGIL_MAX_HOSTS > 2048
#error "SSH handles keep the host index in 11 bits"
#endif
#if VIGIL_SSH_MAX_OUT < 64 || VIGIL_SSH_MAX_ERR < 64
#error "VIGIL_SSH_MAX_OUT and VIGIL_SSH_MAX_ERR must be at least 64"
#endif
#if defined(VIGIL_MAX_CMD) && VIGIL_SSH_MAX_CMD < VIGIL_MAX_CMD
#error "VIGIL_SSH_MAX_CMD cannot hold the longest command a job builds"
#endif
#if VIGIL_SSH_WINDOW < 4096 || VIGIL_SSH_READ_BUDGET < 4096
#error "VIGIL_SSH_WINDOW and VIGIL_SSH_READ_BUDGET must be at least 4096"
#endif
#if VIGIL_SSH_ARENA_BYTES < 262144
#error "VIGIL_SSH_ARENA_BYTES cannot hold one session (256 KiB at least)"
#endif
#if VIGIL_SSH_BACKOFF_MIN_MS < 1 || VIGIL_SSH_BACKOFF_MAX_MS < VIGIL_SSH_BACKOFF_MIN_MS
#error "SSH backoff: need 1 <= BACKOFF_MIN_MS <= BACKOFF_MAX_MS"
#endif

#endif /* VIGIL_LIMITS_H */
