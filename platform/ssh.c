/*
 * ssh.c - SSH sessions and exec channels on the loop (see ssh.h).
 *
 * Each host is one small state machine driven by host_step(), which runs
 * when the host's socket is ready (uv_poll), when its one timer fires
 * (deadlines, backoff, keepalives) and after ssh_exec() (the timer with a
 * zero timeout, so callbacks never run inside ssh_exec).  host_step() calls
 * libssh2 until every call answers LIBSSH2_ERROR_EAGAIN, then re-arms the
 * poll for the directions libssh2 is blocked on and the timer for the
 * earliest deadline.
 *
 * libssh2 1.10 in non-blocking mode has rules that shape this file:
 *
 *   - Every libssh2 call may read the socket and queue packets meant for
 *     other channels.  Epoll will not report those bytes again, so a step
 *     repeats its pass over the channels until a pass reads nothing new
 *     from the socket (counted by our recv callback).
 *   - A packet that the kernel took only in part must be completed by
 *     calling the same function again before anything else is sent
 *     (otherwise LIBSSH2_ERROR_BAD_USE, and some libssh2 functions keep
 *     such packets on their stack).  So nothing is sent unless the socket's
 *     send queue has room (TIOCOUTQ), the channel whose call blocked on
 *     output ("the writer") is driven first, and BAD_USE ends the session.
 *   - Channel opens keep their state in the session: one at a time.
 *   - libssh2_channel_process_startup(), waiting for the answer to its
 *     exec request, fails (-1) when the packet it reads is the answer to
 *     another channel's request.  With several requests in flight it
 *     therefore runs with the recv callback answering EAGAIN: it finds its
 *     answer in the queue, which pump() fills.
 *   - libssh2 has no public call that only reads the transport.  The
 *     library's own _libssh2_transport_read() (exported, used by its
 *     libssh2_poll) drains the socket when no channel is reading, and
 *     _libssh2_packet_ask() removes the replies to our keepalives, which
 *     libssh2 queues and never frees (REQUEST_SUCCESS/FAILURE).  Both are
 *     declared below and pinned to the libssh2 versions checked.
 *   - libssh2_channel_free() after a close waits for the server's CLOSE,
 *     but stops at the first packet that arrives for the session; sshd
 *     sends no CLOSE while the command runs, so a channel given up on is
 *     freed after a keepalive (sent for that purpose) is answered.  Late
 *     packets for it are dropped by libssh2 (channel ids are never reused
 *     within a session).
 *
 * Warm channels: a READY session keeps up to cfg.warm channels open ahead
 * of need, in slots no command uses, so that ssh_exec() writes the exec
 * request itself, before it returns, instead of waiting one CHANNEL_OPEN
 * round trip through sshd; the step then opens the next one.  A warm slot
 * has no caller (nothing is delivered for it, channels_open leaves it out)
 * and a command takes it over in any state: open (the request goes out at
 * once), opening (the open on its way is the command's), or being closed
 * after the server closed it (the command opens a channel once the old one
 * is freed).  Its open and its close have the step deadline; a warm
 * channel that the server refuses (MaxSessions) or closes is counted and
 * replaced after WARM_RETRY_MS (OpenSSH 9.2 leaves unused session
 * channels open, ChannelTimeout included; other servers may not); a
 * retiring session closes its own.
 *
 * Memory: all of libssh2's and mbedTLS's allocations come from ARENA_SSH
 * (zeroed: libssh2 1.10 hands mbedTLS a PEM buffer whose last byte it
 * never sets).  Key files and known_hosts are read with read(2) into
 * static buffers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>
#include <mbedtls/platform.h>

#include "arena.h"
#include "err.h"
#include "log.h"
#include "ssh.h"

#if LIBSSH2_VERSION_NUM < 0x010a00 || LIBSSH2_VERSION_NUM >= 0x010c00
#error "ssh.c relies on libssh2 1.10/1.11 internals: check the notes above"
#endif
#if !defined(MBEDTLS_PLATFORM_MEMORY)
#error "mbedTLS must be built with MBEDTLS_PLATFORM_MEMORY (tools/deps.sh)"
#endif

/* libssh2 internals (see the notes at the top). */
int _libssh2_transport_read(LIBSSH2_SESSION *session);
int _libssh2_packet_ask(LIBSSH2_SESSION *session, unsigned char packet_type,
    unsigned char **data, size_t *data_len, int match_ofs,
    const unsigned char *match_buf, size_t match_len);
#define MSG_UNIMPLEMENTED 3
#define MSG_REQUEST_SUCCESS 81
#define MSG_REQUEST_FAILURE 82
#define MSG_CHANNEL_SUCCESS 99
#define MSG_CHANNEL_FAILURE 100

#define NCH VIGIL_SSH_MAX_CHANNELS
#define READ_CHUNK 16384      /* bytes asked of libssh2 per read call */
#define ROOM_BYTES 2048       /* free send queue needed before a send */
#define ROOM_RETRY_MS 5       /* retry when the send queue is full */
#define POKE_MS 2100          /* libssh2 sends keepalives >= 2 s apart */
#define MAX_PASSES 8          /* passes of one step (see the notes) */
#define MAX_PACKETS 256       /* packets pumped per pass */
#define WARM_RETRY_MS 2000    /* after a warm channel was refused or lost */
#define HANDLE_HOST_SHIFT 8
#define HANDLE_GEN_SHIFT 19
#define HANDLE_GEN_MASK 0xfffu

/* Channel states, in order. */
enum {
	CH_FREE = 0,
	CH_QUEUED,    /* waiting to open (one open at a time) */
	CH_OPENING,   /* libssh2_channel_open_ex */
	CH_WARM,      /* open, waiting for a command (warm slots only) */
	CH_EXEC,      /* the exec request */
	CH_READ,      /* stdout and stderr until both end */
	CH_WAITCLOSE, /* the server's CLOSE, after which the status is final */
	CH_STATUS,    /* read the exit status, deliver */
	CH_CLOSE      /* libssh2_channel_free */
};

/* Connect phases. */
enum { P_TCP, P_HANDSHAKE, P_AUTH };

struct chan {
	uint8_t state;
	uint8_t abandoned;    /* delivered or canceled: only close it */
	uint8_t out_eof, err_eof;
	uint8_t late;         /* abandoned and not closed in time */
	uint8_t warm;         /* opened ahead, no command (see the notes) */
	uint8_t requeue;      /* a command waits for the old channel's close */
	uint8_t early;        /* ssh_exec got the exec answer early_rc */
	int early_rc;
	uint16_t gen;
	unsigned flags;
	LIBSSH2_CHANNEL *ch;
	ssh_exec_cb cb;
	void *ctx;
	uint64_t seq;         /* submission order */
	uint64_t t0_ns;       /* ssh_exec call */
	uint64_t deadline;    /* loop ms: the caller's timeout */
	uint64_t close_deadline;
	uint32_t written_us, started_us;
	size_t cmdlen, outlen, errlen;
	char cmd[VIGIL_SSH_MAX_CMD];
	char out[VIGIL_SSH_MAX_OUT + 1];
	char err[VIGIL_SSH_MAX_ERR + 1];
};

struct host {
	int state;            /* enum ssh_state */
	int phase;
	int fd;
	int poll_on;          /* poll handle initialised, not closing */
	int poll_closing;
	int poll_events;
	int revents;          /* events of the poll callback being served */
	int writer;           /* channel whose send blocked half-way, or -1 */
	int opening;          /* channel being opened, or -1 */
	int no_room;          /* a send waited for the send queue */
	int more;             /* work left by a bounded step */
	int in_step, kicked;
	int first_err;        /* sticky until READY */
	int logged_err;       /* last error logged, to log each cause once */
	uv_poll_t poll;
	uv_timer_t timer;
	LIBSSH2_SESSION *s;
	uint64_t step_deadline;
	uint64_t retry_at;
	uint64_t warm_retry_at; /* no warm open before (loop ms) */
	uint32_t backoff_ms;
	uint64_t tcp_start;
	uint64_t last_rx;     /* loop ms of the last bytes received */
	uint64_t ka_sent;     /* loop ms of the last keepalive */
	uint64_t rx_reads;    /* recv calls that returned data */
	uint64_t tx_ns;       /* first send of the current exec request */
	int no_read;          /* recv answers EAGAIN (see exec_request) */
	uint64_t seq;
	struct sockaddr_storage sa;
	socklen_t salen;
	uint16_t port;
	char name[VIGIL_MAX_NAME + 1];
	char addr[INET6_ADDRSTRLEN];
	char user[VIGIL_MAX_NAME + 1];
	char pubkey[VIGIL_MAX_PATH + 1];
	char privkey[VIGIL_MAX_PATH + 1];
	char known_hosts[VIGIL_MAX_PATH + 1];
	/* The private key during authentication (libssh2 signs from it on a
	 * later call than the first), wiped afterwards. */
	char priv[VIGIL_SSH_MAX_KEYFILE + 1];
	size_t privlen;
	struct ssh_stats st;
	struct chan ch[NCH];
};

static struct {
	uv_loop_t *loop;
	struct ssh_cfg cfg;
	int libssh2_on;
} M;
static struct host hosts[VIGIL_MAX_HOSTS];
/* Shared scratch: files are read and used within one call. */
static char pub_buf[VIGIL_SSH_MAX_KEYFILE + 1];
static char kh_buf[VIGIL_SSH_MAX_KNOWN_HOSTS + 1];
static char discard[READ_CHUNK];

static void host_step(struct host *h);
static void rearm(struct host *h);
static void poll_cb(uv_poll_t *p, int status, int events);

/* ---- allocators ---------------------------------------------------- */

static void *
ssh_alloc(size_t n, void **abstract)
{
	void *p = arena_zone_calloc(ARENA_SSH, 1, n);
	if (!p && abstract && *abstract)
		((struct host *)*abstract)->st.nomem++;
	return p;
}

static void *
ssh_realloc(void *p, size_t n, void **abstract)
{
	void *q = arena_zone_realloc(ARENA_SSH, p, n);
	if (!q && n && abstract && *abstract)
		((struct host *)*abstract)->st.nomem++;
	return q;
}

static void
ssh_free(void *p, void **abstract)
{
	(void)abstract;
	arena_free(p);
}

static void *
tls_calloc(size_t count, size_t n)
{
	return arena_zone_calloc(ARENA_SSH, count, n);
}

/* ---- socket callbacks: count what is received ---------------------- */

static ssize_t
sock_recv(libssh2_socket_t fd, void *buf, size_t len, int flags,
    void **abstract)
{
	struct host *h = *abstract;
	if (h->no_read)
		return -EAGAIN;
	ssize_t n = recv(fd, buf, len, flags);
	/* EINTR too: the poll reports the socket again. */
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	if (n > 0) {
		/* Acknowledge at once: sshd does not set TCP_NODELAY on
		 * sessions without a pty, so a reply of its queued behind an
		 * unacknowledged segment would wait for our delayed ACK (40
		 * ms on Linux).  The kernel clears the flag by itself, so it
		 * is set again after every read. */
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		h->rx_reads++;
		h->st.wire_in += (uint64_t)n;
		h->last_rx = uv_now(M.loop);
	}
	return n;
}

static ssize_t
sock_send(libssh2_socket_t fd, const void *buf, size_t len, int flags,
    void **abstract)
{
	struct host *h = *abstract;
	ssize_t n = send(fd, buf, len, flags);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	if (n > 0 && !h->tx_ns)
		h->tx_ns = uv_hrtime();
	h->st.wire_out += (uint64_t)n;
	return n;
}

/* ---- small helpers ------------------------------------------------- */

static uint64_t
now_ms(void)
{
	return uv_now(M.loop);
}

static uint32_t
since_us(uint64_t t0_ns)
{
	uint64_t d = (uv_hrtime() - t0_ns) / 1000u;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

/* Zeroes memory the compiler may not skip (private keys). */
static void
wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

/* libssh2 error codes onto vigil's. */
static int
map_err(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_ALLOC:
		return VIGIL_ENOMEM;
	case LIBSSH2_ERROR_TIMEOUT:
	case LIBSSH2_ERROR_SOCKET_TIMEOUT:
		return VIGIL_ETIMEDOUT;
	case LIBSSH2_ERROR_SOCKET_SEND:
	case LIBSSH2_ERROR_SOCKET_RECV:
	case LIBSSH2_ERROR_SOCKET_DISCONNECT:
	case LIBSSH2_ERROR_BANNER_RECV:
	case LIBSSH2_ERROR_BANNER_SEND:
		return VIGIL_ECLOSED;
	case LIBSSH2_ERROR_AUTHENTICATION_FAILED:
	case LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED:
		return VIGIL_EAUTH;
	case LIBSSH2_ERROR_CHANNEL_FAILURE:
	case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
	case LIBSSH2_ERROR_REQUEST_DENIED:
		return VIGIL_EACCES;
	case LIBSSH2_ERROR_METHOD_NOT_SUPPORTED:
	case LIBSSH2_ERROR_KEX_FAILURE:
		return VIGIL_EUNSUPP;
	default:
		return VIGIL_EIO;
	}
}

/* Errors that end one channel and leave the session usable. */
static int
chan_error(int rc)
{
	switch (rc) {
	case LIBSSH2_ERROR_CHANNEL_FAILURE:
	case LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
	case LIBSSH2_ERROR_CHANNEL_CLOSED:
	case LIBSSH2_ERROR_CHANNEL_EOF_SENT:
	case LIBSSH2_ERROR_CHANNEL_UNKNOWN:
	case LIBSSH2_ERROR_CHANNEL_OUTOFORDER:
	case LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED:
	case LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED:
	case LIBSSH2_ERROR_REQUEST_DENIED:
	case LIBSSH2_ERROR_INVAL:
		return 1;
	default:
		return 0;
	}
}

static const char *
ssh_errmsg(struct host *h)
{
	char *msg = NULL;
	if (!h->s)
		return "";
	libssh2_session_last_error(h->s, &msg, NULL, 0);
	return msg ? msg : "";
}

/* Reads a whole small file into buf (NUL-terminated, at most cap - 1
 * bytes).  Returns 0, VIGIL_EIO or VIGIL_E2BIG. */
static int
read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return VIGIL_EIO;
	size_t n = 0;
	int rc = 0;
	for (;;) {
		/* One byte more than fits tells a full buffer from a file too
		 * large for it. */
		char extra;
		char *dst = n < cap - 1 ? buf + n : &extra;
		size_t want = n < cap - 1 ? cap - 1 - n : 1;
		ssize_t r = read(fd, dst, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? VIGIL_EIO : 0;
			break;
		}
		if (dst == &extra) {
			rc = VIGIL_E2BIG;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return rc;
}

/* Room for one more control packet in the socket's send queue (see the
 * notes at the top: a send must never stop half-way). */
static int
room(struct host *h, int idx)
{
	int queued = 0, sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);
	if (h->writer >= 0 && h->writer != idx)
		goto none;
	if (idx >= 0 && h->writer == idx)
		return 1; /* finishing its own packet */
	/* TIOCOUTQ is SIOCOUTQ on Linux: bytes not yet acknowledged. */
	if (ioctl(h->fd, TIOCOUTQ, &queued) < 0 ||
	    getsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) < 0)
		return 1; /* cannot tell: let the send report it */
	if (queued + ROOM_BYTES <= sndbuf / 2)
		return 1;
none:
	h->no_room = 1;
	return 0;
}

/* Notes which channel, if any, left a packet half-sent. */
static void
note_writer(struct host *h, int idx)
{
	if (libssh2_session_block_directions(h->s) &
	    LIBSSH2_SESSION_BLOCK_OUTBOUND)
		h->writer = idx;
	else if (h->writer == idx)
		h->writer = -1;
}

static void
log_fail(struct host *h, int err, const char *what, const char *detail)
{
	if (err == h->logged_err)
		return; /* the same cause again: the counters say it */
	h->logged_err = err;
	vlog(VLOG_ERR, "ssh %s (%s:%u): %s: %s%s%s", h->name, h->addr,
	    (unsigned)h->port, what, vigil_strerror(err),
	    detail && *detail ? ": " : "", detail ? detail : "");
}

/* ---- results ------------------------------------------------------- */

static int
handle_of(struct host *h, struct chan *c)
{
	return (int)(((unsigned)c->gen << HANDLE_GEN_SHIFT) |
	    ((unsigned)(h - hosts) << HANDLE_HOST_SHIFT) |
	    (unsigned)(c - h->ch));
}

/* Hands the result to the caller (once) and leaves the channel to be
 * closed. */
static void
deliver(struct host *h, struct chan *c, int status)
{
	if (c->abandoned || c->warm)
		return;
	c->abandoned = 1;
	c->close_deadline = now_ms() + M.cfg.step_ms;
	struct ssh_result r = {
		.handle = handle_of(h, c),
		.host = (int)(h - hosts),
		.status = status,
		.flags = c->flags,
		.out = c->out,
		.outlen = c->outlen,
		.err = c->err,
		.errlen = c->errlen,
		.written_us = c->written_us,
		.started_us = c->started_us,
		.elapsed_ms = since_us(c->t0_ns) / 1000u,
	};
	c->out[c->outlen] = 0;
	c->err[c->errlen] = 0;
	if (status == 0)
		h->st.exec_ok++;
	else if (status > 0)
		h->st.exec_nonzero++;
	else
		h->st.exec_errors++;
	if (c->flags & (SSH_OUT_TRUNCATED | SSH_ERR_TRUNCATED))
		h->st.truncated++;
	/* The caller's code allocates (if at all) from the main zone. */
	int z = arena_libc_zone(ARENA_MAIN);
	c->cb(c->ctx, &r);
	arena_libc_zone(z);
}

static void
release(struct host *h, struct chan *c)
{
	if (h->opening == c - h->ch)
		h->opening = -1;
	if (h->writer == c - h->ch)
		h->writer = -1;
	if (!c->warm)
		h->st.channels_open--;
	c->state = CH_FREE;
	c->warm = 0;
	c->requeue = 0;
	c->ch = NULL;
	c->cb = NULL;
	c->ctx = NULL;
}

/* ---- session teardown and failure ---------------------------------- */

static void
poll_closed(uv_handle_t *hd)
{
	struct host *h = hd->data;
	h->poll_closing = 0;
}

/* Frees the session and the socket.  Channels keep their state for the
 * caller to finish. */
static void
teardown(struct host *h, int graceful)
{
	if (h->s) {
		if (graceful && h->writer < 0 && room(h, -1))
			libssh2_session_disconnect_ex(h->s,
			    SSH_DISCONNECT_BY_APPLICATION, "vigild closing",
			    "");
		/* After shutdown every send fails at once, so the frees below
		 * cannot wait for the network. */
		shutdown(h->fd, SHUT_RDWR);
		for (int i = 0; i < NCH; i++) {
			if (h->ch[i].ch) {
				libssh2_channel_free(h->ch[i].ch);
				h->ch[i].ch = NULL;
			}
		}
		if (libssh2_session_free(h->s) != 0)
			vlog(VLOG_ERR, "ssh %s: libssh2 kept its session",
			    h->name);
		h->s = NULL;
	}
	if (h->poll_on) {
		uv_poll_stop(&h->poll);
		h->poll_closing = 1;
		h->poll_on = 0;
		uv_close((uv_handle_t *)&h->poll, poll_closed);
	}
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	h->poll_events = 0;
	h->writer = -1;
	h->opening = -1;
	h->no_room = 0;
	h->more = 0;
	wipe(h->priv, sizeof(h->priv));
	h->privlen = 0;
}

/* Ends every channel that still has a caller with err, and frees the
 * slots.  Runs after the session is gone. */
static void
end_channels(struct host *h, int err)
{
	for (int i = 0; i < NCH; i++) {
		struct chan *c = &h->ch[i];
		if (c->state == CH_FREE)
			continue;
		deliver(h, c, err);
		release(h, c);
	}
}

/* The attempt or the session failed: count, log, free, and come back
 * after the backoff. */
static void
session_fail(struct host *h, int err, const char *what, const char *detail)
{
	uint64_t now = now_ms();
	if (h->state == SSH_ST_CONNECTING)
		h->st.connect_failures++;
	else
		h->st.drops++;
	if (!h->first_err)
		h->first_err = err;
	log_fail(h, err, what, detail);
	teardown(h, 0);
	h->state = SSH_ST_BACKOFF;
	h->retry_at = now + h->backoff_ms;
	vlog(VLOG_DEBUG, "ssh %s: reconnecting in %u ms", h->name,
	    (unsigned)h->backoff_ms);
	h->backoff_ms = h->backoff_ms >= M.cfg.backoff_max_ms / 2 ?
	    M.cfg.backoff_max_ms : h->backoff_ms * 2;
	end_channels(h, VIGIL_ECLOSED);
}

/* ---- connecting ---------------------------------------------------- */

static int
hostkey_bits(int type)
{
	switch (type) {
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
		return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	default:
		return 0;
	}
}

/* "SHA256:..." as OpenSSH prints it (base64 without padding). */
static void
fingerprint(struct host *h, char *out, size_t cap)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *d = (const unsigned char *)libssh2_hostkey_hash(
	    h->s, LIBSSH2_HOSTKEY_HASH_SHA256);
	size_t o = 0;
	snprintf(out, cap, "SHA256:");
	o = strlen(out);
	if (!d)
		return;
	for (int i = 0; i < 32 && o + 5 < cap; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		int n = 32 - i < 3 ? 32 - i : 3;
		if (n > 1)
			v |= (unsigned)d[i + 1] << 8;
		if (n > 2)
			v |= d[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (n > 1)
			out[o++] = b64[(v >> 6) & 63];
		if (n > 2)
			out[o++] = b64[v & 63];
	}
	out[o] = 0;
}

/* Could this known_hosts line name our host?  Hashed names always might;
 * plain ones only if they contain the address.  Keeps the other hosts'
 * lines out of libssh2's memory. */
static int
line_may_match(const struct host *h, const char *l, size_t n)
{
	if (n >= 3 && memcmp(l, "|1|", 3) == 0)
		return 1;
	size_t f = 0, al = strlen(h->addr);
	while (f < n && l[f] != ' ' && l[f] != '\t')
		f++;
	for (size_t i = 0; i + al <= f; i++)
		if (memcmp(l + i, h->addr, al) == 0)
			return 1;
	return 0;
}

/* Strict host key check against the host's known_hosts.  Returns 0 or a
 * VIGIL_E* code (logged, counted). */
static int
check_hostkey(struct host *h)
{
	size_t klen = 0, flen = 0;
	int ktype = 0;
	char fp[64];
	const char *key = libssh2_session_hostkey(h->s, &klen, &ktype);
	if (!key) {
		log_fail(h, VIGIL_EIO, "no host key", ssh_errmsg(h));
		return VIGIL_EIO;
	}
	int rc = read_file(h->known_hosts, kh_buf, sizeof(kh_buf), &flen);
	if (rc) {
		h->st.known_hosts_bad++;
		log_fail(h, VIGIL_ECONFIG, "known_hosts unusable",
		    h->known_hosts);
		return VIGIL_ECONFIG;
	}
	LIBSSH2_KNOWNHOSTS *kh = libssh2_knownhost_init(h->s);
	if (!kh)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < flen;) {
		size_t e = i;
		while (e < flen && kh_buf[e] != '\n')
			e++;
		const char *l = kh_buf + i;
		size_t n = e - i;
		i = e + 1;
		while (n && (*l == ' ' || *l == '\t')) {
			l++;
			n--;
		}
		if (n && l[n - 1] == '\r')
			n--;
		if (!n || *l == '#' || !line_may_match(h, l, n))
			continue;
		/* libssh2 expects the newline (fgets style): without it, it
		 * drops the key's last character when a newline follows. */
		if (libssh2_knownhost_readline(kh, l, n + (l[n] == '\n'),
		    LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
			h->st.known_hosts_skipped++; /* a marker, a new type */
	}
	struct libssh2_knownhost *found = NULL;
	int bits = hostkey_bits(ktype);
	int r = bits ? libssh2_knownhost_checkp(kh, h->addr, h->port, key, klen,
	    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | bits,
	    &found) : LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
	libssh2_knownhost_free(kh);
	fingerprint(h, fp, sizeof(fp));
	switch (r) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		h->st.hostkey_mismatch++;
		if (h->logged_err != VIGIL_EHOSTKEY)
			vlog(VLOG_ERR, "ssh %s (%s:%u): HOST KEY CHANGED: "
			    "server offers %s, %s says otherwise; refusing to "
			    "connect", h->name, h->addr, (unsigned)h->port, fp,
			    h->known_hosts);
		h->logged_err = VIGIL_EHOSTKEY;
		return VIGIL_EHOSTKEY;
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		h->st.hostkey_unknown++;
		if (h->logged_err != VIGIL_EHOSTKEY)
			vlog(VLOG_ERR, "ssh %s (%s:%u): unknown host key %s "
			    "(no ECDSA key for it in %s); refusing to connect",
			    h->name, h->addr, (unsigned)h->port, fp,
			    h->known_hosts);
		h->logged_err = VIGIL_EHOSTKEY;
		return VIGIL_EHOSTKEY;
	default:
		log_fail(h, VIGIL_EIO, "host key check failed", ssh_errmsg(h));
		return VIGIL_EIO;
	}
}

/* Algorithms offered (see ssh.h); libssh2 drops names it lacks. */
static int
set_methods(struct host *h)
{
	static const struct {
		int type;
		const char *list;
	} pref[] = {
		{LIBSSH2_METHOD_KEX,
		    "ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521"},
		{LIBSSH2_METHOD_HOSTKEY, "ecdsa-sha2-nistp256,"
		    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"},
		{LIBSSH2_METHOD_CRYPT_CS, "aes256-ctr,aes192-ctr,aes128-ctr"},
		{LIBSSH2_METHOD_CRYPT_SC, "aes256-ctr,aes192-ctr,aes128-ctr"},
		{LIBSSH2_METHOD_MAC_CS, "hmac-sha2-256,hmac-sha2-512"},
		{LIBSSH2_METHOD_MAC_SC, "hmac-sha2-256,hmac-sha2-512"},
		{LIBSSH2_METHOD_COMP_CS, "none"},
		{LIBSSH2_METHOD_COMP_SC, "none"},
	};
	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++) {
		if (libssh2_session_method_pref(h->s, pref[i].type,
		    pref[i].list) != 0) {
			log_fail(h, VIGIL_EUNSUPP, "algorithms", pref[i].list);
			return VIGIL_EUNSUPP;
		}
	}
	return 0;
}

static int
poll_watch(struct host *h, int events)
{
	if (!h->poll_on || events == h->poll_events)
		return 0;
	h->poll_events = events;
	if (!events)
		return uv_poll_stop(&h->poll);
	return uv_poll_start(&h->poll, events, poll_cb);
}

/* Starts a TCP connection.  Failures go to session_fail. */
static void
connect_start(struct host *h)
{
	uint64_t now = now_ms();
	if (h->poll_closing) {
		/* The previous poll handle must finish closing first. */
		h->retry_at = now + 1;
		return;
	}
	h->state = SSH_ST_CONNECTING;
	h->phase = P_TCP;
	h->tcp_start = now;
	h->step_deadline = now + M.cfg.step_ms;
	h->fd = socket(h->sa.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		session_fail(h, VIGIL_EIO, "socket", strerror(errno));
		return;
	}
	int one = 1;
	/* Exec requests are single small packets: send them at once. */
	setsockopt(h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(h->fd, (struct sockaddr *)&h->sa, h->salen) < 0 &&
	    errno != EINPROGRESS) {
		session_fail(h, VIGIL_ENOTCONN, "connect", strerror(errno));
		return;
	}
	if (uv_poll_init_socket(M.loop, &h->poll, h->fd) < 0) {
		session_fail(h, VIGIL_EIO, "poll", "cannot watch the socket");
		return;
	}
	h->poll.data = h;
	h->poll_on = 1;
	h->poll_events = 0;
	poll_watch(h, UV_WRITABLE);
}

static void
ready(struct host *h, uint64_t now)
{
	uint32_t ms = (uint32_t)(now - h->tcp_start);
	h->state = SSH_ST_READY;
	h->backoff_ms = M.cfg.backoff_min_ms;
	h->first_err = 0;
	h->logged_err = 0;
	h->st.connects++;
	h->st.connect_ms_last = ms;
	if (ms > h->st.connect_ms_max)
		h->st.connect_ms_max = ms;
	h->last_rx = now;
	h->ka_sent = now;
	/* Another pass of the step opens the warm channels. */
	h->warm_retry_at = now;
	h->kicked = 1;
	vlog(VLOG_INFO, "ssh %s: connected to %s:%u as %s in %u ms "
	    "(%s, %s, %s)", h->name, h->addr, (unsigned)h->port, h->user,
	    (unsigned)ms,
	    libssh2_session_methods(h->s, LIBSSH2_METHOD_KEX),
	    libssh2_session_methods(h->s, LIBSSH2_METHOD_HOSTKEY),
	    libssh2_session_methods(h->s, LIBSSH2_METHOD_CRYPT_CS));
}

/* Reads the key pair for the authentication about to start. */
static int
load_keys(struct host *h, size_t *publen)
{
	int rc = read_file(h->pubkey, pub_buf, sizeof(pub_buf), publen);
	if (!rc)
		rc = read_file(h->privkey, h->priv, sizeof(h->priv),
		    &h->privlen);
	if (rc)
		log_fail(h, VIGIL_ECONFIG, "cannot read the key pair",
		    rc == VIGIL_E2BIG ? "file too large" : strerror(errno));
	return rc ? VIGIL_ECONFIG : 0;
}

static void
connect_step(struct host *h, uint64_t now)
{
	static const char *const phase_name[] = {"TCP connect", "handshake",
	    "authentication"};
	int rc;
	if (now >= h->step_deadline) {
		h->st.step_timeouts++;
		session_fail(h, VIGIL_ETIMEDOUT, phase_name[h->phase], NULL);
		return;
	}
	switch (h->phase) {
	case P_TCP: {
		int e = 0;
		socklen_t l = sizeof(e);
		if (!(h->revents & (UV_WRITABLE | UV_DISCONNECT)))
			return;
		if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
			e = errno;
		if (e) {
			session_fail(h, e == ETIMEDOUT ? VIGIL_ETIMEDOUT :
			    VIGIL_ENOTCONN, "connect", strerror(e));
			return;
		}
		h->s = libssh2_session_init_ex(ssh_alloc, ssh_free,
		    ssh_realloc, h);
		if (!h->s) {
			h->st.nomem++;
			session_fail(h, VIGIL_ENOMEM, "session", NULL);
			return;
		}
		libssh2_session_set_blocking(h->s, 0);
		libssh2_session_callback_set(h->s, LIBSSH2_CALLBACK_RECV,
		    (void *)sock_recv);
		libssh2_session_callback_set(h->s, LIBSSH2_CALLBACK_SEND,
		    (void *)sock_send);
		/* Keepalives are timed here; libssh2's own interval (2 s, its
		 * minimum) only spaces the pokes.  want_reply: the answer
		 * proves the server, not only its kernel, is alive. */
		libssh2_keepalive_config(h->s, 1, 2);
		if ((rc = set_methods(h)) != 0) {
			session_fail(h, rc, "algorithms", NULL);
			return;
		}
		h->phase = P_HANDSHAKE;
		h->step_deadline = now + M.cfg.step_ms;
	}
		/* fall through */
	case P_HANDSHAKE:
		rc = libssh2_session_handshake(h->s, h->fd);
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		if (rc) {
			session_fail(h, map_err(rc), "handshake",
			    ssh_errmsg(h));
			return;
		}
		if ((rc = check_hostkey(h)) != 0) {
			session_fail(h, rc, "host key", NULL);
			return;
		}
		size_t publen = 0;
		if ((rc = load_keys(h, &publen)) != 0) {
			session_fail(h, rc, "keys", NULL);
			return;
		}
		h->phase = P_AUTH;
		h->step_deadline = now + M.cfg.step_ms;
		/* The public key is read on this first call only. */
		rc = libssh2_userauth_publickey_frommemory(h->s, h->user,
		    strlen(h->user), pub_buf, publen, h->priv, h->privlen,
		    NULL);
		goto auth_result;
	case P_AUTH:
		rc = libssh2_userauth_publickey_frommemory(h->s, h->user,
		    strlen(h->user), pub_buf, 0, h->priv, h->privlen, NULL);
	auth_result:
		if (rc == LIBSSH2_ERROR_EAGAIN)
			return;
		wipe(h->priv, sizeof(h->priv));
		h->privlen = 0;
		if (rc) {
			int err = map_err(rc);
			if (rc == LIBSSH2_ERROR_FILE ||
			    rc == LIBSSH2_ERROR_KEYFILE_AUTH_FAILED) {
				err = VIGIL_ECONFIG; /* our key did not parse */
			} else if (err == VIGIL_EAUTH) {
				h->st.auth_failures++;
			}
			session_fail(h, err, "public key authentication",
			    ssh_errmsg(h));
			return;
		}
		ready(h, now);
		return;
	}
}

/* ---- channels ------------------------------------------------------ */

/* Signal name to number (Linux), for exit-signal. */
static int
sig_number(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int num;
	} t[] = {{"HUP", 1}, {"INT", 2}, {"QUIT", 3}, {"ILL", 4}, {"ABRT", 6},
	    {"FPE", 8}, {"KILL", 9}, {"USR1", 10}, {"SEGV", 11}, {"USR2", 12},
	    {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].name) == n && memcmp(t[i].name, s, n) == 0)
			return t[i].num;
	return -1;
}

static int
exit_status(struct host *h, struct chan *c)
{
	char *sig = NULL;
	size_t siglen = 0;
	libssh2_channel_get_exit_signal(c->ch, &sig, &siglen, NULL, NULL, NULL,
	    NULL);
	if (sig) {
		int n = sig_number(sig, siglen);
		libssh2_free(h->s, sig);
		c->flags |= SSH_SIGNALED;
		return n > 0 ? 128 + n : 255;
	}
	/* OpenSSH sends exit-status or exit-signal before its CLOSE. */
	return libssh2_channel_get_exit_status(c->ch) & 0xff;
}

/* Reads what stdout and stderr have, within the budget.  Returns 0, or a
 * libssh2 error. */
static int
read_streams(struct host *h, struct chan *c, int *moved)
{
	size_t budget = VIGIL_SSH_READ_BUDGET;
	for (int stream = 0; stream < 2; stream++) {
		uint8_t *eof = stream ? &c->err_eof : &c->out_eof;
		char *buf = stream ? c->err : c->out;
		size_t *len = stream ? &c->errlen : &c->outlen;
		size_t cap = stream ? VIGIL_SSH_MAX_ERR : VIGIL_SSH_MAX_OUT;
		unsigned tflag = stream ? SSH_ERR_TRUNCATED : SSH_OUT_TRUNCATED;
		while (!*eof) {
			if (!budget) {
				h->more = 1;
				return 0;
			}
			/* Reading may send a window adjustment. */
			if (!room(h, (int)(c - h->ch)))
				return 0;
			char *dst = buf + *len;
			size_t want = cap - *len;
			if (want == 0) {
				/* Read and drop: the command must not block. */
				dst = discard;
				want = sizeof(discard);
			}
			if (want > READ_CHUNK)
				want = READ_CHUNK;
			if (want > budget)
				want = budget;
			ssize_t n = libssh2_channel_read_ex(c->ch, stream ?
			    SSH_EXTENDED_DATA_STDERR : 0, dst, want);
			note_writer(h, (int)(c - h->ch));
			if (n == LIBSSH2_ERROR_EAGAIN)
				break;
			if (n < 0)
				return (int)n;
			if (n == 0) {
				*eof = 1;
				*moved = 1;
				break;
			}
			*moved = 1;
			budget -= (size_t)n;
			h->st.bytes_in += (uint64_t)n;
			if (dst == discard)
				c->flags |= tflag;
			else
				*len += (size_t)n;
		}
	}
	return 0;
}

/* Sends, or goes on with, channel idx's exec request; notes when it is
 * written.  Returns what libssh2_channel_process_startup answered. */
static int
exec_request(struct host *h, int idx)
{
	struct chan *c = &h->ch[idx];
	/* The time of the call's first send(): the call goes on to wait for
	 * the answer, and on a busy host the scheduler may run sshd before
	 * this process checks the socket, so the call can return long after
	 * the request left.  (The first send is the request's: nothing else
	 * is half-sent, see room().)
	 *
	 * The call must not read the socket: waiting for its answer, libssh2
	 * 1.10 reads packets and, when one is the answer to another channel's
	 * request, fails this one (-1, "Failed waiting for channel success").
	 * With several requests in flight (two commands started at once) that
	 * happens, and it would end the session.  So the call only looks in
	 * the queue, which pump() fills. */
	h->tx_ns = 0;
	h->no_read = 1;
	int rc = libssh2_channel_process_startup(c->ch, "exec", 4, c->cmd,
	    (unsigned)c->cmdlen);
	h->no_read = 0;
	note_writer(h, idx);
	if (!c->written_us && h->tx_ns && h->writer != idx &&
	    (rc == 0 || rc == LIBSSH2_ERROR_EAGAIN)) {
		/* The request is in the kernel, on its way. */
		uint64_t us = h->tx_ns > c->t0_ns ?
		    (h->tx_ns - c->t0_ns) / 1000u : 0;
		c->written_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		if (!c->written_us)
			c->written_us = 1;
		h->st.write_us_last = c->written_us;
		if (c->written_us > h->st.write_us_max)
			h->st.write_us_max = c->written_us;
		h->st.bytes_out += c->cmdlen;
	}
	return rc;
}

/* A warm channel was refused or closed by the server: count it, and open
 * the next one later (a server that closes idle channels at once must not
 * make a loop of it). */
static void
warm_gone(struct host *h)
{
	h->st.warm_lost++;
	h->warm_retry_at = now_ms() + WARM_RETRY_MS;
	vlog(VLOG_DEBUG, "ssh %s: warm channel refused or closed by the "
	    "server", h->name);
}

/* Advances channel idx as far as it goes now.  Returns 0, or a libssh2
 * error that ends the whole session.  *moved is set on any progress. */
static int
run_chan(struct host *h, int idx, int *moved)
{
	struct chan *c = &h->ch[idx];
	int rc;
	for (;;) {
		int st = c->state;
		if (c->abandoned && h->writer != idx) {
			/* Given up: skip straight to closing (an open or a
			 * half-sent packet must still finish first). */
			if (st == CH_QUEUED) {
				release(h, c);
				*moved = 1;
				return 0;
			}
			if (st == CH_EXEC || st == CH_READ ||
			    st == CH_WAITCLOSE || st == CH_STATUS)
				c->state = st = CH_CLOSE;
		}
		switch (st) {
		case CH_FREE:
		case CH_QUEUED:
			return 0;
		case CH_OPENING: {
			if (!room(h, idx))
				return 0;
			LIBSSH2_CHANNEL *ch = libssh2_channel_open_ex(h->s,
			    "session", 7, VIGIL_SSH_WINDOW,
			    LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
			note_writer(h, idx);
			if (!ch) {
				rc = libssh2_session_last_errno(h->s);
				if (rc == LIBSSH2_ERROR_EAGAIN)
					return 0;
				h->opening = -1;
				if (!chan_error(rc))
					return rc;
				if (c->warm)
					warm_gone(h);
				deliver(h, c, map_err(rc));
				release(h, c);
				*moved = 1;
				return 0;
			}
			h->opening = -1;
			c->ch = ch;
			if (c->warm) {
				c->state = CH_WARM;
				h->st.warm_opened++;
			} else {
				c->state = CH_EXEC;
			}
			*moved = 1;
			break;
		}
		case CH_WARM:
			/* Idle until ssh_exec takes it, unless the server closed
			 * it (or sent EOF) or the session retires. */
			if (h->state == SSH_ST_READY &&
			    libssh2_channel_eof(c->ch) == 0)
				return 0;
			if (h->state == SSH_ST_READY)
				warm_gone(h);
			c->state = CH_CLOSE;
			c->close_deadline = now_ms() + M.cfg.step_ms;
			*moved = 1;
			break;
		case CH_EXEC:
			if (c->early) {
				/* ssh_exec sent it and got this answer. */
				c->early = 0;
				rc = c->early_rc;
			} else {
				if (!room(h, idx))
					return 0;
				rc = exec_request(h, idx);
			}
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			*moved = 1;
			if (rc) {
				if (!chan_error(rc))
					return rc;
				deliver(h, c, map_err(rc));
				c->state = CH_CLOSE;
				break;
			}
			c->flags |= SSH_STARTED;
			if (!c->started_us)
				c->started_us = since_us(c->t0_ns);
			c->state = CH_READ;
			break;
		case CH_READ:
			rc = read_streams(h, c, moved);
			if (rc) {
				if (!chan_error(rc))
					return rc;
				deliver(h, c, map_err(rc));
				c->state = CH_CLOSE;
				break;
			}
			if (!c->out_eof || !c->err_eof)
				return 0;
			/* Both streams ended: EOF, or a CLOSE without one. */
			c->state = libssh2_channel_eof(c->ch) ? CH_WAITCLOSE :
			    CH_STATUS;
			break;
		case CH_WAITCLOSE:
			rc = libssh2_channel_wait_closed(c->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			*moved = 1;
			if (rc && !chan_error(rc))
				return rc;
			c->state = CH_STATUS;
			break;
		case CH_STATUS:
			deliver(h, c, exit_status(h, c));
			c->state = CH_CLOSE;
			*moved = 1;
			break;
		case CH_CLOSE:
			if (!room(h, idx))
				return 0;
			rc = libssh2_channel_free(c->ch);
			note_writer(h, idx);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 0;
			/* 0, or an error after which it was freed anyway. */
			c->ch = NULL;
			*moved = 1;
			if (c->requeue && !c->abandoned) {
				/* A command took this slot while its warm
				 * channel was being closed: now it opens its
				 * own. */
				c->requeue = 0;
				c->state = CH_QUEUED;
				return 0;
			}
			release(h, c);
			return 0;
		default:
			return 0;
		}
	}
}

/* Reads everything the socket has into libssh2's queue, bounded.
 * Returns 0 or a libssh2 error. */
static int
pump(struct host *h)
{
	int rc, n = 0;
	while ((rc = _libssh2_transport_read(h->s)) > 0) {
		if (++n == MAX_PACKETS) {
			h->more = 1;
			return 0;
		}
	}
	return rc == LIBSSH2_ERROR_EAGAIN ? 0 : rc;
}

/* Drops queued replies nobody will ask for (see the notes at the top). */
static void
purge(struct host *h)
{
	static const unsigned char always[] = {MSG_REQUEST_SUCCESS,
	    MSG_REQUEST_FAILURE, MSG_UNIMPLEMENTED};
	unsigned char *d;
	size_t dl;
	for (size_t i = 0; i < sizeof(always); i++)
		while (_libssh2_packet_ask(h->s, always[i], &d, &dl, 0, NULL,
		    0) == 0)
			libssh2_free(h->s, d);
	/* CHANNEL_SUCCESS/FAILURE answer exec requests: stale unless one
	 * waits (a channel given up on before its answer). */
	for (int i = 0; i < NCH; i++)
		if (h->ch[i].state == CH_EXEC)
			return;
	while (_libssh2_packet_ask(h->s, MSG_CHANNEL_SUCCESS, &d, &dl, 0, NULL,
	    0) == 0 || _libssh2_packet_ask(h->s, MSG_CHANNEL_FAILURE, &d, &dl,
	    0, NULL, 0) == 0)
		libssh2_free(h->s, d);
}

/* The keepalive period in ms; never below the pokes' spacing. */
static uint64_t
ka_interval(void)
{
	uint64_t ms = (uint64_t)M.cfg.keepalive_s * 1000u;
	return ms < POKE_MS ? POKE_MS : ms;
}

static void
keepalive(struct host *h, uint64_t now)
{
	int next = 0;
	if (now - h->ka_sent < POKE_MS || !room(h, -1))
		return;
	/* A failed send is not retried before the next period: a broken
	 * socket shows in the next read, silence in the dead check. */
	h->ka_sent = now;
	if (libssh2_keepalive_send(h->s, &next) == 0)
		h->st.keepalives++;
}

static void
retire(struct host *h, const char *why)
{
	if (h->state != SSH_ST_READY)
		return;
	h->state = SSH_ST_RETIRING;
	h->st.retired++;
	vlog(VLOG_WARN, "ssh %s: retiring the session (%s); reconnecting "
	    "once its commands end", h->name, why);
}

/* One pass over an authenticated session.  Returns 0 or a libssh2 error
 * that ends it; *moved as in run_chan. */
static int
ready_pass(struct host *h, uint64_t now, int *moved)
{
	int rc, waiting_close = 0;
	/* 1. A half-sent packet first. */
	if (h->writer >= 0 && (rc = run_chan(h, h->writer, moved)) != 0)
		return rc;
	/* 2. Channels being freed before the pump: a close that waits on the
	 *    server ends with the next packet read (see the notes). */
	for (int i = 0; i < NCH; i++)
		if (h->ch[i].state == CH_CLOSE &&
		    (rc = run_chan(h, i, moved)) != 0)
			return rc;
	/* 3. Everything that arrived. */
	if ((rc = pump(h)) != 0)
		return rc;
	purge(h);
	/* 4. Deadlines, then every channel. */
	for (int i = 0; i < NCH; i++) {
		struct chan *c = &h->ch[i];
		if (c->state == CH_FREE)
			continue;
		if (!c->abandoned && !c->warm && now >= c->deadline) {
			h->st.exec_timeouts++;
			deliver(h, c, VIGIL_ETIMEDOUT);
			*moved = 1;
		}
		/* Closes, and the opens of warm channels, have the step
		 * deadline. */
		if ((c->abandoned || (c->warm && c->state != CH_WARM)) &&
		    c->state != CH_QUEUED && !c->late &&
		    now >= c->close_deadline) {
			c->late = 1;
			h->st.step_timeouts++;
			retire(h, "a channel did not open or close in time");
		}
		if ((rc = run_chan(h, i, moved)) != 0)
			return rc;
		if (c->state == CH_CLOSE)
			waiting_close = 1;
	}
	/* 5. The oldest queued command opens next. */
	if (h->opening < 0) {
		int best = -1;
		for (int i = 0; i < NCH; i++)
			if (h->ch[i].state == CH_QUEUED && (best < 0 ||
			    h->ch[i].seq < h->ch[best].seq))
				best = i;
		if (best >= 0) {
			h->ch[best].state = CH_OPENING;
			h->opening = best;
			*moved = 1;
			if ((rc = run_chan(h, best, moved)) != 0)
				return rc;
		}
	}
	/* 6. Then a warm channel, if one is missing and a slot is free. */
	if (h->opening < 0 && h->state == SSH_ST_READY &&
	    now >= h->warm_retry_at) {
		int warm = 0, slot = -1;
		for (int i = 0; i < NCH; i++) {
			const struct chan *c = &h->ch[i];
			if (c->warm && (c->state == CH_OPENING ||
			    c->state == CH_WARM))
				warm++;
			else if (c->state == CH_FREE && slot < 0)
				slot = i;
		}
		if (warm < (int)M.cfg.warm && slot >= 0) {
			struct chan *c = &h->ch[slot];
			uint16_t gen = c->gen;
			memset(c, 0, offsetof(struct chan, out));
			c->gen = gen;
			c->warm = 1;
			c->state = CH_OPENING;
			c->close_deadline = now + M.cfg.step_ms;
			h->opening = slot;
			*moved = 1;
			if ((rc = run_chan(h, slot, moved)) != 0)
				return rc;
		}
	}
	/* 7. Keepalives: on schedule, or to end a close that waits. */
	if (now - h->ka_sent >= ka_interval() || waiting_close)
		keepalive(h, now);
	return 0;
}

static void
ready_step(struct host *h, uint64_t now)
{
	int rc = 0;
	uint64_t dead = ka_interval() * VIGIL_SSH_KEEPALIVE_MISSES;
	h->more = 0;
	h->no_room = 0;
	for (int pass = 0;; pass++) {
		uint64_t rx = h->rx_reads;
		int moved = 0;
		if ((rc = ready_pass(h, now, &moved)) != 0)
			break;
		/* Again while the pass read new bytes: they may hold packets
		 * for channels already visited. */
		if (h->rx_reads == rx && !moved)
			break;
		if (pass + 1 == MAX_PASSES) {
			h->more = 1;
			break;
		}
	}
	if (rc) {
		if (rc == LIBSSH2_ERROR_ALLOC)
			h->st.nomem++;
		session_fail(h, map_err(rc), "session lost", ssh_errmsg(h));
		return;
	}
	if (now - h->last_rx >= dead) {
		h->st.keepalive_dead++;
		session_fail(h, VIGIL_ETIMEDOUT, "no answer to keepalives",
		    NULL);
		return;
	}
	if (h->state == SSH_ST_RETIRING) {
		for (int i = 0; i < NCH; i++)
			if (h->ch[i].state != CH_FREE && !h->ch[i].abandoned &&
			    !h->ch[i].warm)
				return;
		/* Only abandoned and warm channels are left: start afresh
		 * now. */
		teardown(h, 1);
		end_channels(h, VIGIL_ECLOSED);
		h->state = SSH_ST_BACKOFF;
		h->retry_at = now;
	}
}

/* ---- the step, the timer and the poll ------------------------------ */

static void
host_step(struct host *h)
{
	if (h->in_step) {
		h->kicked = 1;
		return;
	}
	h->in_step = 1;
	/* What libc allocates inside libssh2 and mbedTLS is theirs. */
	int z = arena_libc_zone(ARENA_SSH);
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		uint64_t now = now_ms();
		h->kicked = 0;
		switch (h->state) {
		case SSH_ST_BACKOFF:
			if (now >= h->retry_at)
				connect_start(h);
			break;
		case SSH_ST_CONNECTING:
			connect_step(h, now);
			break;
		case SSH_ST_READY:
		case SSH_ST_RETIRING:
			ready_step(h, now);
			break;
		default:
			break;
		}
		h->revents = 0;
		if (!h->kicked)
			break;
	}
	arena_libc_zone(z);
	h->in_step = 0;
	rearm(h);
}

static void
timer_cb(uv_timer_t *t)
{
	host_step(t->data);
}

static void
poll_cb(uv_poll_t *p, int status, int events)
{
	struct host *h = p->data;
	if (status < 0) {
		/* A socket error (libuv has stopped the watcher): let SO_ERROR
		 * or libssh2 report it. */
		h->poll_events = 0;
		events = UV_READABLE | UV_WRITABLE;
	}
	h->revents = events;
	host_step(h);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void
rearm(struct host *h)
{
	uint64_t now = now_ms(), due = UINT64_MAX;
	int ev = 0;
	switch (h->state) {
	case SSH_ST_BACKOFF:
		due = h->retry_at;
		break;
	case SSH_ST_CONNECTING:
		due = h->step_deadline;
		if (h->phase == P_TCP)
			ev = UV_WRITABLE;
		else
			ev = UV_READABLE;
		break;
	case SSH_ST_READY:
	case SSH_ST_RETIRING:
		ev = UV_READABLE;
		due = min_u64(h->ka_sent + ka_interval(),
		    h->last_rx + ka_interval() * VIGIL_SSH_KEEPALIVE_MISSES);
		for (int i = 0; i < NCH; i++) {
			const struct chan *c = &h->ch[i];
			if (c->state == CH_FREE || c->state == CH_WARM)
				continue;
			if (!c->abandoned && !c->warm)
				due = min_u64(due, c->deadline);
			else
				due = min_u64(due, c->close_deadline);
			if (c->state == CH_CLOSE)
				due = min_u64(due, h->ka_sent + POKE_MS);
		}
		/* A warm channel refused or lost is replaced then (if one is
		 * still missing: the step checks). */
		if (h->state == SSH_ST_READY && h->warm_retry_at > now)
			due = min_u64(due, h->warm_retry_at);
		if (h->more)
			due = now;
		if (h->no_room)
			due = min_u64(due, now + ROOM_RETRY_MS);
		break;
	default:
		uv_timer_stop(&h->timer);
		return;
	}
	if (h->s && (libssh2_session_block_directions(h->s) &
	    LIBSSH2_SESSION_BLOCK_OUTBOUND))
		ev |= UV_WRITABLE;
	if (h->poll_on && poll_watch(h, ev) < 0)
		vlog(VLOG_ERR, "ssh %s: cannot watch the socket", h->name);
	/* At least 1 ms: libuv 1.44 runs a timer restarted with 0 from its
	 * own callback again at once, in the same loop turn, for ever. */
	uv_timer_start(&h->timer, timer_cb, due > now + 1 ? due - now : 1, 0);
}

static void
kick(struct host *h)
{
	if (h->in_step) {
		h->kicked = 1;
		return;
	}
	uv_timer_start(&h->timer, timer_cb, 0, 0);
}

/* ---- API ----------------------------------------------------------- */

int
ssh_init(uv_loop_t *loop, const struct ssh_cfg *cfg)
{
	if (!loop || M.loop)
		return VIGIL_EINVAL;
	struct ssh_cfg d = {VIGIL_SSH_STEP_MS, VIGIL_SSH_KEEPALIVE_S,
	    VIGIL_SSH_BACKOFF_MIN_MS, VIGIL_SSH_BACKOFF_MAX_MS, VIGIL_SSH_WARM};
	if (cfg) {
		if (cfg->step_ms)
			d.step_ms = cfg->step_ms;
		if (cfg->keepalive_s)
			d.keepalive_s = cfg->keepalive_s;
		if (cfg->backoff_min_ms)
			d.backoff_min_ms = cfg->backoff_min_ms;
		if (cfg->backoff_max_ms)
			d.backoff_max_ms = cfg->backoff_max_ms;
		if (cfg->warm)
			d.warm = cfg->warm == SSH_WARM_NONE ? 0 : cfg->warm;
	}
	if (d.warm > NCH)
		d.warm = NCH;
	if (d.keepalive_s < 2)
		d.keepalive_s = 2; /* libssh2's minimum */
	if (d.backoff_max_ms < d.backoff_min_ms)
		d.backoff_max_ms = d.backoff_min_ms;
	/* mbedTLS first: libssh2_init seeds its random generator with it. */
	mbedtls_platform_set_calloc_free(tls_calloc, arena_free);
	int z = arena_libc_zone(ARENA_SSH);
	int rc = libssh2_init(0);
	arena_libc_zone(z);
	if (rc != 0) {
		vlog(VLOG_ERR, "ssh: libssh2_init failed (%d)", rc);
		return VIGIL_EIO;
	}
	M.loop = loop;
	M.cfg = d;
	M.libssh2_on = 1;
	return 0;
}

static int
copy_str(char *dst, size_t cap, const char *src)
{
	if (!src || !*src)
		return VIGIL_EINVAL;
	size_t n = strlen(src);
	if (n >= cap)
		return VIGIL_E2BIG;
	memcpy(dst, src, n + 1);
	return 0;
}

int
ssh_host_add(int idx, const struct ssh_host_cfg *hc)
{
	if (!M.loop || idx < 0 || idx >= VIGIL_MAX_HOSTS || !hc ||
	    hosts[idx].state != SSH_ST_UNUSED)
		return VIGIL_EINVAL;
	struct host *h = &hosts[idx];
	const char *name = hc->name && *hc->name ? hc->name : "?";
	int rc;
	memset(h, 0, sizeof(*h));
	h->fd = -1;
	h->writer = -1;
	h->opening = -1;
	snprintf(h->name, sizeof(h->name), "%s", name);
	if ((rc = copy_str(h->user, sizeof(h->user), hc->user)) != 0 ||
	    (rc = copy_str(h->pubkey, sizeof(h->pubkey), hc->pubkey)) != 0 ||
	    (rc = copy_str(h->privkey, sizeof(h->privkey), hc->privkey)) != 0 ||
	    (rc = copy_str(h->known_hosts, sizeof(h->known_hosts),
	    hc->known_hosts)) != 0) {
		vlog(VLOG_ERR, "ssh %s: user, key or known_hosts %s", name,
		    rc == VIGIL_E2BIG ? "too long" : "missing");
		return rc;
	}
	/* A numeric address, kept as inet_ntop writes it: the form OpenSSH
	 * puts in known_hosts. */
	h->port = hc->port ? hc->port : 22;
	memset(&h->sa, 0, sizeof(h->sa));
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->sa;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->sa;
	if (hc->addr && inet_pton(AF_INET, hc->addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(h->port);
		h->salen = sizeof(*s4);
		inet_ntop(AF_INET, &s4->sin_addr, h->addr, sizeof(h->addr));
	} else if (hc->addr && inet_pton(AF_INET6, hc->addr, &s6->sin6_addr) ==
	    1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(h->port);
		h->salen = sizeof(*s6);
		inet_ntop(AF_INET6, &s6->sin6_addr, h->addr, sizeof(h->addr));
	} else {
		vlog(VLOG_ERR, "ssh %s: address \"%s\" is not numeric", name,
		    hc->addr ? hc->addr : "");
		return VIGIL_EADDR;
	}
	/* Check the files now, so a typo shows at start-up. */
	size_t n;
	const char *bad = NULL;
	if ((rc = read_file(h->known_hosts, kh_buf, sizeof(kh_buf), &n)) != 0)
		bad = h->known_hosts;
	else if ((rc = read_file(h->privkey, h->priv, sizeof(h->priv),
	    &n)) != 0)
		bad = h->privkey;
	else if ((rc = read_file(h->pubkey, pub_buf, sizeof(pub_buf), &n)) != 0)
		bad = h->pubkey;
	wipe(h->priv, sizeof(h->priv));
	if (bad) {
		vlog(VLOG_ERR, "ssh %s: cannot read %s: %s", name, bad,
		    rc == VIGIL_E2BIG ? "file too large" : strerror(errno));
		return rc;
	}
	if (strncmp(pub_buf, "ecdsa-sha2-nistp", 16) != 0) {
		vlog(VLOG_ERR, "ssh %s: %s is not an ECDSA key; libssh2 1.10 "
		    "on mbedTLS can only use ECDSA with current OpenSSH",
		    name, h->pubkey);
		return VIGIL_EUNSUPP;
	}
	for (int i = 0; i < NCH; i++)
		h->ch[i].gen = (uint16_t)(i + 1);
	h->backoff_ms = M.cfg.backoff_min_ms;
	uv_timer_init(M.loop, &h->timer);
	h->timer.data = h;
	h->state = SSH_ST_BACKOFF;
	h->retry_at = 0;
	/* The first attempt starts now, so its socket is watched before
	 * start-up ends (libuv sizes its watcher table then). */
	int z = arena_libc_zone(ARENA_SSH);
	connect_start(h);
	arena_libc_zone(z);
	rearm(h);
	return 0;
}

int
ssh_exec(int host, const char *cmd, uint32_t timeout_ms, ssh_exec_cb cb,
    void *ctx)
{
	if (!M.loop || host < 0 || host >= VIGIL_MAX_HOSTS || !cmd || !*cmd ||
	    !cb || hosts[host].state == SSH_ST_UNUSED)
		return VIGIL_EINVAL;
	struct host *h = &hosts[host];
	size_t n = strnlen(cmd, VIGIL_SSH_MAX_CMD);
	if (n >= VIGIL_SSH_MAX_CMD)
		return VIGIL_E2BIG;
	if (h->state != SSH_ST_READY) {
		h->st.refused_not_ready++;
		return VIGIL_ENOTCONN;
	}
	/* The best slot: a warm channel that is open (no round trip), one
	 * being opened (the open is on its way), a free slot (open one), or
	 * a warm slot whose channel the server closed (open one once it is
	 * freed). */
	int idx = -1, rank = 0;
	for (int i = 0; i < NCH; i++) {
		const struct chan *x = &h->ch[i];
		int r;
		if (x->state == CH_FREE)
			r = 2;
		else if (!x->warm)
			continue;
		else if (x->state == CH_WARM && libssh2_channel_eof(x->ch) == 0)
			r = 4;
		else if (x->state == CH_OPENING)
			r = 3;
		else
			r = 1;
		if (r > rank) {
			rank = r;
			idx = i;
		}
	}
	if (idx < 0) {
		h->st.refused_no_slot++;
		return VIGIL_ENOSPC;
	}
	struct chan *c = &h->ch[idx];
	LIBSSH2_CHANNEL *ch = c->ch;
	int was = c->state;
	uint16_t gen = (uint16_t)((c->gen + NCH) & HANDLE_GEN_MASK);
	memset(c, 0, offsetof(struct chan, out));
	c->gen = gen;
	c->ch = ch;
	switch (rank) {
	case 4:
		c->state = CH_EXEC;
		h->st.warm_used++;
		break;
	case 3:
		c->state = CH_OPENING; /* h->opening is idx already */
		break;
	case 2:
		c->state = CH_QUEUED;
		break;
	default:
		if (was == CH_WARM)
			warm_gone(h);
		c->state = CH_CLOSE;
		c->requeue = 1;
		break;
	}
	c->cb = cb;
	c->ctx = ctx;
	c->seq = ++h->seq;
	c->t0_ns = uv_hrtime();
	c->deadline = now_ms() + (timeout_ms ? timeout_ms : VIGIL_SSH_EXEC_MS);
	memcpy(c->cmd, cmd, n + 1);
	c->cmdlen = n;
	h->st.execs++;
	if (++h->st.channels_open > h->st.channels_high)
		h->st.channels_high = h->st.channels_open;
	/* On a warm channel the request goes out now, unless a packet is
	 * half-sent or the send queue is full (then the step sends it), or
	 * this runs inside the step (a callback), which sends it before it
	 * returns.  Its answer waits for the step. */
	if (c->state == CH_EXEC && !h->in_step) {
		int z = arena_libc_zone(ARENA_SSH);
		if (room(h, idx)) {
			int rc = exec_request(h, idx);
			if (rc != LIBSSH2_ERROR_EAGAIN) {
				c->early = 1;
				c->early_rc = rc;
				if (rc == 0)
					c->started_us = since_us(c->t0_ns);
			}
		}
		arena_libc_zone(z);
	}
	kick(h);
	return handle_of(h, c);
}

int
ssh_cancel(int handle)
{
	if (handle < 0 || !M.loop)
		return VIGIL_ENOENT;
	unsigned u = (unsigned)handle;
	unsigned hi = (u >> HANDLE_HOST_SHIFT) & 0x7ffu, ci = u & 0xffu;
	if (hi >= VIGIL_MAX_HOSTS || ci >= NCH)
		return VIGIL_ENOENT;
	struct host *h = &hosts[hi];
	struct chan *c = &h->ch[ci];
	if (c->state == CH_FREE || c->abandoned || c->warm ||
	    c->gen != ((u >> HANDLE_GEN_SHIFT) & HANDLE_GEN_MASK))
		return VIGIL_ENOENT;
	c->abandoned = 1;
	c->close_deadline = now_ms() + M.cfg.step_ms;
	h->st.exec_canceled++;
	if (c->state == CH_QUEUED)
		release(h, c); /* nothing on the wire yet */
	kick(h);
	return 0;
}

int
ssh_host_state(int idx)
{
	if (idx < 0 || idx >= VIGIL_MAX_HOSTS)
		return SSH_ST_UNUSED;
	return hosts[idx].state;
}

int
ssh_host_error(int idx)
{
	if (idx < 0 || idx >= VIGIL_MAX_HOSTS)
		return 0;
	return hosts[idx].first_err;
}

/* Host h's counters, with the warm channels counted now. */
static void
host_stats(const struct host *h, struct ssh_stats *st)
{
	*st = h->st;
	st->channels_warm = 0;
	for (int i = 0; i < NCH; i++)
		if (h->ch[i].warm && h->ch[i].state == CH_WARM)
			st->channels_warm++;
}

void
ssh_stats(int idx, struct ssh_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (idx >= 0) {
		if (idx < VIGIL_MAX_HOSTS)
			host_stats(&hosts[idx], st);
		return;
	}
	for (int i = 0; i < VIGIL_MAX_HOSTS; i++) {
		struct ssh_stats one;
		const struct ssh_stats *s = &one;
		if (hosts[i].state == SSH_ST_UNUSED)
			continue;
		host_stats(&hosts[i], &one);
#define SUM(f) st->f += s->f
#define HI(f) st->f = s->f > st->f ? s->f : st->f
		SUM(connects); SUM(connect_failures); SUM(hostkey_mismatch);
		SUM(hostkey_unknown); SUM(known_hosts_bad);
		SUM(known_hosts_skipped); SUM(auth_failures);
		SUM(step_timeouts); SUM(keepalive_dead); SUM(drops);
		SUM(retired); SUM(keepalives); SUM(execs); SUM(exec_ok);
		SUM(exec_nonzero); SUM(exec_errors); SUM(exec_timeouts);
		SUM(exec_canceled); SUM(refused_not_ready);
		SUM(refused_no_slot); SUM(truncated); SUM(bytes_in);
		SUM(bytes_out); SUM(wire_in); SUM(wire_out); SUM(nomem);
		SUM(warm_opened); SUM(warm_used); SUM(warm_lost);
		SUM(channels_open); SUM(channels_high); SUM(channels_warm);
		HI(write_us_last); HI(write_us_max); HI(connect_ms_last);
		HI(connect_ms_max);
#undef SUM
#undef HI
	}
}

void
ssh_close(void)
{
	if (!M.loop)
		return;
	int z = arena_libc_zone(ARENA_SSH);
	for (int i = 0; i < VIGIL_MAX_HOSTS; i++) {
		struct host *h = &hosts[i];
		if (h->state == SSH_ST_UNUSED)
			continue;
		h->state = SSH_ST_CLOSING;
		teardown(h, 1);
		end_channels(h, VIGIL_ECLOSED);
		uv_timer_stop(&h->timer);
		uv_close((uv_handle_t *)&h->timer, NULL);
		h->state = SSH_ST_UNUSED;
	}
	if (M.libssh2_on)
		libssh2_exit();
	arena_libc_zone(z);
	M.libssh2_on = 0;
	M.loop = NULL;
}
