/*
 * syslog_net.c - syslog over UDP and TCP (see syslog_net.h).
 *
 * UDP: the socket is ours (not a uv_udp_t) so that one recvmmsg(2) fills
 * VIGIL_UDP_BATCH fixed slots of max_message bytes; MSG_TRUNC reports
 * datagrams that were longer, which are kept truncated and counted.  One
 * batch per wake-up bounds the work of a callback; epoll is level
 * triggered, so the rest is read on the next turn of the loop.
 *
 * TCP: a fixed pool of connections, each with its RFC 6587 framer.  A
 * connection beyond the pool, or from a source that is not configured,
 * is accepted and closed at once and counted.  A once-a-second sweep
 * closes idle connections.
 */
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec.h"
#include "err.h"
#include "evac.h"
#include "frame.h"
#include "log.h"
#include "netaddr.h"
#include "syslog_net.h"

#define READ_CHUNK 16384   /* bytes read per TCP read callback */
#define REJECT_SLOTS 4     /* handles for accept-then-close */
#define UDP_RCVBUF (4 << 20)

struct conn {
	uv_tcp_t h;
	struct frame fr;
	char rbuf[READ_CHUNK];
	struct hosts_addr peer;
	uint64_t last_ms;
	int in_use;
	int closing;
};

static struct vigild *vd;
static int udp_fd = -1;
static uv_poll_t udp_poll;
static uv_timer_t udp_nap;
static int udp_on;
static char udp_buf[VIGIL_UDP_BATCH][VIGIL_MAX_MSG];
static struct mmsghdr udp_msgs[VIGIL_UDP_BATCH];
static struct iovec udp_iov[VIGIL_UDP_BATCH];
static struct sockaddr_storage udp_from[VIGIL_UDP_BATCH];

static uv_tcp_t tcp_listener;
static int tcp_on;
static struct conn conns[VIGIL_MAX_TCP_CONN];
static uv_tcp_t rejects[REJECT_SLOTS];
static int reject_busy[REJECT_SLOTS];
static int pending_reject;
static uv_timer_t sweep;
static int sweep_on;
static uv_timer_t health;

/* Drops the trailing LF, CR and NUL bytes many UDP senders append. */
static size_t
trim_tail(const char *p, size_t n)
{
	while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == '\0'))
		n--;
	return n;
}

/* A host's health changed: log it, with the template that moved it up (an
 * alarm when it became severe), and tell the evacuation. */
static void
report(int host, const struct predict_event *ev)
{
	const struct predict_host *p = &vd->ingest.predict.h[host];
	const char *name = vd->ingest.hosts.h[host].name;
	char text[160] = "";
	int up = ev->to > ev->from;

	if (up && p->nreasons) {
		const struct predict_reason *why =
		    &p->reason[(p->nreasons - 1) % VIGIL_PREDICT_REASONS];
		if (drain_text(&vd->ingest.drain, why->tid, text,
		    sizeof(text)) < 0)
			text[0] = 0;
		codec_put_printable(text, sizeof(text), text);
	}
	vlog(ev->to == HEALTH_SEVERE ? VLOG_ERR : up ? VLOG_WARN : VLOG_NOTICE,
	    "%s host %s: %s -> %s, score %.2f at message %llu%s%s%s",
	    ev->to == HEALTH_SEVERE ? "ALARM" : "health", name,
	    health_name(ev->from), health_name(ev->to), ev->score,
	    (unsigned long long)vd->ingest.hosts.h[host].c.messages,
	    text[0] ? " (new: \"" : "", text, text[0] ? "\")" : "");
	evac_health(host, ev->from, ev->to);
}

/* One message into ingest. */
static void
deliver(const struct hosts_addr *src, const char *m, size_t n, size_t orig,
    int trunc, int64_t now)
{
	struct ingest_result r;

	if (ingest_message(&vd->ingest, src, m, n, orig, trunc, now, &r) == 0 &&
	    r.ev.changed)
		report(r.host, &r.ev);
}

/* Once a second, with arrival time: a host that has fallen silent still
 * steps down (hysteresis).  With message time a host's clock moves only
 * with its messages. */
static void
health_cb(uv_timer_t *t)
{
	struct predict_event ev;

	(void)t;
	if (vd->ingest.time_from_message)
		return;
	int64_t now_ms = vigild_wall_s() * 1000;
	for (unsigned h = 0; h < vd->ingest.hosts.n; h++) {
		predict_tick(&vd->ingest.predict, h, now_ms, &ev);
		if (ev.changed)
			report((int)h, &ev);
	}
}

static void udp_cb(uv_poll_t *h, int status, int events);

static void
udp_wake(uv_timer_t *t)
{
	(void)t;
	uv_poll_start(&udp_poll, UV_READABLE, udp_cb);
}

static void
udp_cb(uv_poll_t *h, int status, int events)
{
	(void)h;
	if (status < 0 || !(events & UV_READABLE))
		return;
	unsigned cap = vd->cfg.max_msg;
	for (int i = 0; i < VIGIL_UDP_BATCH; i++) {
		udp_iov[i].iov_base = udp_buf[i];
		udp_iov[i].iov_len = cap;
		memset(&udp_msgs[i].msg_hdr, 0, sizeof(udp_msgs[i].msg_hdr));
		udp_msgs[i].msg_hdr.msg_iov = &udp_iov[i];
		udp_msgs[i].msg_hdr.msg_iovlen = 1;
		udp_msgs[i].msg_hdr.msg_name = &udp_from[i];
		udp_msgs[i].msg_hdr.msg_namelen = sizeof(udp_from[i]);
	}
	/* MSG_TRUNC makes msg_len the datagram's real length. */
	int n = recvmmsg(udp_fd, udp_msgs, VIGIL_UDP_BATCH,
	    MSG_DONTWAIT | MSG_TRUNC, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			vd->net.udp_errors++;
		return;
	}
	if (n == 0)
		return;
	vd->net.udp_batches++;
	if (n < VIGIL_UDP_BATCH / 2) {
		/* A trickle: nap so the next read takes a batch (see limits.h). */
		uv_poll_stop(&udp_poll);
		uv_timer_start(&udp_nap, udp_wake, VIGIL_UDP_NAP_MS, 0);
		vd->net.udp_naps++;
	}
	int64_t now = vigild_wall_s();
	for (int i = 0; i < n; i++) {
		struct hosts_addr src;
		size_t orig = udp_msgs[i].msg_len, len = orig;
		int trunc = 0;
		if (len > cap || (udp_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			len = cap;
			trunc = 1;
			vd->net.udp_truncated++;
		}
		vd->net.udp_datagrams++;
		netaddr_from_sockaddr((struct sockaddr *)&udp_from[i], &src);
		deliver(&src, udp_buf[i], trim_tail(udp_buf[i], len), orig,
		    trunc, now);
	}
}

static int
udp_start(void)
{
	struct sockaddr_storage ss;
	char name[80];
	const struct config_listen *l = &vd->cfg.syslog_udp;
	socklen_t sl = netaddr_to_sockaddr(l, &ss);
	int one = 1, rcv = UDP_RCVBUF;

	netaddr_listen_name(l, name, sizeof(name));
	udp_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (udp_fd < 0) {
		vlog(VLOG_ERR, "syslog udp %s: socket: %s", name, strerror(errno));
		return VIGIL_EIO;
	}
	setsockopt(udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* A larger kernel buffer absorbs bursts while the loop is busy; the
	 * kernel caps it at net.core.rmem_max. */
	setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(udp_fd, (struct sockaddr *)&ss, sl) < 0) {
		vlog(VLOG_ERR, "syslog udp %s: bind: %s", name, strerror(errno));
		close(udp_fd);
		udp_fd = -1;
		return VIGIL_EADDR;
	}
	uv_timer_init(vd->loop, &udp_nap);
	if (uv_poll_init_socket(vd->loop, &udp_poll, udp_fd) < 0 ||
	    uv_poll_start(&udp_poll, UV_READABLE, udp_cb) < 0) {
		vlog(VLOG_ERR, "syslog udp %s: cannot watch the socket", name);
		close(udp_fd);
		udp_fd = -1;
		return VIGIL_EIO;
	}
	udp_on = 1;
	vlog(VLOG_INFO, "syslog udp listening on %s", name);
	return 0;
}

static void
conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->in_use = 0;
	c->closing = 0;
	vd->net.tcp_open--;
}

static void
conn_close(struct conn *c, uint64_t *counter)
{
	if (c->closing)
		return;
	const char *m;
	size_t n;
	int trunc;
	/* A last LF-less message is still a message (RFC 6587 section 3.4.2
	 * senders close after it). */
	if (frame_finish(&c->fr, &m, &n, &trunc) == 1)
		deliver(&c->peer, m, n, n, trunc, vigild_wall_s());
	if (counter)
		(*counter)++;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void
conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = h->data;
	(void)hint;
	buf->base = c->rbuf;
	buf->len = sizeof(c->rbuf);
}

static void
conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	if (nread < 0) {
		conn_close(c, &vd->net.tcp_closed_peer);
		return;
	}
	if (nread == 0)
		return;
	c->last_ms = uv_now(vd->loop);
	vd->net.tcp_bytes += (uint64_t)nread;
	const char *p = buf->base;
	size_t left = (size_t)nread;
	int64_t now = vigild_wall_s();
	unsigned cap = vd->cfg.max_msg;
	while (left) {
		const char *m;
		size_t used = 0, n;
		int trunc = 0;
		int r = frame_feed(&c->fr, p, left, &used, &m, &n, &trunc);
		p += used;
		left -= used;
		if (r == VIGIL_EFRAME) {
			char a[64];
			hosts_format_addr(&c->peer, a, sizeof(a));
			vlog(VLOG_NOTICE, "syslog tcp from %s: malformed framing, "
			    "closing", a);
			conn_close(c, &vd->net.tcp_closed_frame);
			return;
		}
		if (r != 1) {
			if (used == 0)
				break; /* defensive: the framer always progresses */
			continue;
		}
		size_t orig = n;
		if (n > cap) {
			n = cap;
			trunc = 1;
		}
		vd->net.tcp_messages++;
		if (trunc)
			vd->net.tcp_truncated++;
		deliver(&c->peer, m, n, orig, trunc, now);
	}
}

static int reject_one(uint64_t *counter);

static void
reject_closed(uv_handle_t *h)
{
	reject_busy[(uv_tcp_t *)h - rejects] = 0;
	if (pending_reject) {
		/* libuv stops watching the listener until the waiting
		 * connection is accepted; take it now. */
		pending_reject = 0;
		reject_one(&vd->net.tcp_refused);
	}
}

/* Accepts the waiting connection only to close it.  Returns 0, or -1 if
 * no reject handle is free (the accept is retried when one frees up). */
static int
reject_one(uint64_t *counter)
{
	for (int i = 0; i < REJECT_SLOTS; i++) {
		if (reject_busy[i])
			continue;
		uv_tcp_init(vd->loop, &rejects[i]);
		reject_busy[i] = 1;
		if (uv_accept((uv_stream_t *)&tcp_listener,
		    (uv_stream_t *)&rejects[i]) == 0 && counter)
			(*counter)++;
		uv_close((uv_handle_t *)&rejects[i], reject_closed);
		return 0;
	}
	pending_reject = 1;
	return -1;
}

static void
on_connection(uv_stream_t *server, int status)
{
	(void)server;
	if (status < 0)
		return;
	struct conn *c = NULL;
	unsigned limit = vd->cfg.max_tcp_conn;
	for (unsigned i = 0; i < limit && i < VIGIL_MAX_TCP_CONN; i++) {
		if (!conns[i].in_use) {
			c = &conns[i];
			break;
		}
	}
	if (!c) {
		static uint64_t last_log;
		if (vd->net.tcp_refused == 0 ||
		    uv_now(vd->loop) - last_log > 60000) {
			vlog(VLOG_WARN, "syslog tcp: all %u connection "
			    "slots in use, refusing (counted)", limit);
			last_log = uv_now(vd->loop);
		}
		reject_one(&vd->net.tcp_refused);
		return;
	}
	uv_tcp_init(vd->loop, &c->h);
	c->h.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		c->in_use = 1;
		vd->net.tcp_open++;
		conn_close(c, &vd->net.tcp_closed_peer);
		return;
	}
	c->in_use = 1;
	vd->net.tcp_open++;
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	uv_tcp_getpeername(&c->h, (struct sockaddr *)&ss, &sl);
	netaddr_from_sockaddr((struct sockaddr *)&ss, &c->peer);
	if (hosts_lookup(&vd->ingest.hosts, &c->peer) < 0) {
		conn_close(c, &vd->net.tcp_unknown_source);
		return;
	}
	vd->net.tcp_accepted++;
	if (vd->net.tcp_open > vd->net.tcp_open_high)
		vd->net.tcp_open_high = vd->net.tcp_open;
	frame_init(&c->fr);
	c->last_ms = uv_now(vd->loop);
	uv_tcp_nodelay(&c->h, 1);
	uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read);
}

static void
sweep_cb(uv_timer_t *t)
{
	(void)t;
	uint64_t now = uv_now(vd->loop), idle = (uint64_t)vd->cfg.tcp_idle_s * 1000;
	for (int i = 0; i < VIGIL_MAX_TCP_CONN; i++)
		if (conns[i].in_use && !conns[i].closing &&
		    now - conns[i].last_ms >= idle)
			conn_close(&conns[i], &vd->net.tcp_closed_idle);
}

static int
tcp_start(void)
{
	struct sockaddr_storage ss;
	char name[80];
	const struct config_listen *l = &vd->cfg.syslog_tcp;

	netaddr_to_sockaddr(l, &ss);
	netaddr_listen_name(l, name, sizeof(name));
	uv_tcp_init(vd->loop, &tcp_listener);
	int r = uv_tcp_bind(&tcp_listener, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&tcp_listener, 128, on_connection);
	if (r < 0) {
		vlog(VLOG_ERR, "syslog tcp %s: %s", name, uv_strerror(r));
		uv_close((uv_handle_t *)&tcp_listener, NULL);
		return VIGIL_EADDR;
	}
	tcp_on = 1;
	uv_timer_init(vd->loop, &sweep);
	uv_timer_start(&sweep, sweep_cb, 1000, 1000);
	sweep_on = 1;
	vlog(VLOG_INFO, "syslog tcp listening on %s (RFC 6587, at most %u "
	    "connections)", name, vd->cfg.max_tcp_conn);
	return 0;
}

int
syslog_net_start(struct vigild *state)
{
	vd = state;
	uv_timer_init(vd->loop, &health);
	uv_timer_start(&health, health_cb, 1000, 1000);
	if (vd->cfg.syslog_udp.enabled && udp_start() < 0)
		return VIGIL_EADDR;
	if (vd->cfg.syslog_tcp.enabled && tcp_start() < 0)
		return VIGIL_EADDR;
	return 0;
}

static int
listen_eq(const struct config_listen *a, const struct config_listen *b)
{
	return a->enabled == b->enabled && a->port == b->port &&
	    memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

void
syslog_net_reload(struct vigild *state, const struct vigil_config *old)
{
	vd = state;
	if (!listen_eq(&old->syslog_udp, &vd->cfg.syslog_udp) ||
	    !listen_eq(&old->syslog_tcp, &vd->cfg.syslog_tcp))
		vlog(VLOG_WARN, "reload: syslog listen addresses changed; "
		    "they take effect at the next restart");
	/* Connections beyond a lowered limit stay until they close. */
}

void
syslog_net_close(void)
{
	uv_close((uv_handle_t *)&health, NULL);
	if (udp_on) {
		uv_poll_stop(&udp_poll);
		uv_close((uv_handle_t *)&udp_poll, NULL);
		uv_close((uv_handle_t *)&udp_nap, NULL);
		close(udp_fd);
		udp_fd = -1;
		udp_on = 0;
	}
	if (tcp_on) {
		uv_close((uv_handle_t *)&tcp_listener, NULL);
		tcp_on = 0;
	}
	if (sweep_on) {
		uv_close((uv_handle_t *)&sweep, NULL);
		sweep_on = 0;
	}
	for (int i = 0; i < VIGIL_MAX_TCP_CONN; i++)
		if (conns[i].in_use)
			conn_close(&conns[i], NULL);
}
