/*
 * syslog_net.c - syslog over UDP and TCP (see syslog_net.h).
 *
 * UDP: one reader thread does nothing but recvmmsg(2) into
 * VIGIL_UDP_BATCH fixed slots and copy each datagram, with its source
 * address, into a fixed ring (VIGIL_UDP_RING_BYTES); it wakes the loop
 * with a uv_async.  The loop parses, mines and counts as for every other
 * input.  The kernel's receive work, a good half of what a datagram
 * costs, thus runs beside the loop instead of in it.  When the ring is
 * full the reader waits and the kernel's socket buffer takes the rest, as
 * with a busy loop.  MSG_TRUNC reports datagrams longer than a slot;
 * they and those over max_message are kept truncated and counted.
 *
 * TCP: a fixed pool of connections, each with its RFC 6587 framer.  A
 * connection beyond the pool, or from a source that is not configured,
 * is accepted and closed at once and counted.  A once-a-second sweep
 * closes idle connections.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "err.h"
#include "evac.h"
#include "frame.h"
#include "log.h"
#include "netaddr.h"
#include "syslog_net.h"
#include "tcplisten.h"

#define READ_CHUNK 16384   /* bytes read per TCP read callback */
#define UDP_RCVBUF (4 << 20)
#define UDP_STOP_MS 200      /* the reader's receive timeout */
#define UDP_STACK (64 << 10) /* the reader's stack: it calls little */

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
/* UDP.  The reader thread owns the socket and the batch slots below; it
 * copies each datagram into the ring as one record and publishes its
 * write position.  The loop owns everything else and publishes its read
 * position.  Positions only grow; a record never straddles the ring's
 * end (a record of size 0 says "go on at the start"). */
struct udp_rec {
	uint32_t size; /* bytes of the record, header included, 8-aligned */
	uint32_t len;  /* datagram bytes stored after the header */
	uint32_t orig; /* the datagram's real length */
	uint32_t pad;
	struct hosts_addr src;
};
#define UDP_REC_HDR ((sizeof(struct udp_rec) + 7u) & ~(size_t)7u)
static int udp_fd = -1;
static int udp_on, udp_running;
static pthread_t udp_thread;
static uv_async_t udp_async;
static char udp_buf[VIGIL_UDP_BATCH][VIGIL_MAX_MSG];
static struct mmsghdr udp_msgs[VIGIL_UDP_BATCH];
static struct iovec udp_iov[VIGIL_UDP_BATCH];
static struct sockaddr_storage udp_from[VIGIL_UDP_BATCH];
static _Alignas(8) unsigned char udp_ring[VIGIL_UDP_RING_BYTES];
/* Ring positions, modulo 2^32 (the ring's size divides it): 32-bit
 * atomics are lock-free on every target, 64-bit ones are not on armel.
 * They start two rings short of the wrap (as the kernel's jiffies start
 * short of theirs), so every run, and every test, goes across it. */
#define UDP_POS0 ((uint32_t)0 - 2u * VIGIL_UDP_RING_BYTES)
static _Atomic uint32_t udp_wr = UDP_POS0, udp_rd = UDP_POS0;
static _Atomic int udp_quit;
/* The reader's counters; the loop adds what they grew by to vd->net. */
static _Atomic uint32_t udp_reads, udp_errs, udp_naps, udp_full;
static uint32_t seen_reads, seen_errs, seen_naps, seen_full;

static struct tcplisten tcp_listener;
static struct conn conns[VIGIL_MAX_TCP_CONN];
static uv_timer_t sweep;
static int sweep_on;
static uv_timer_t health;

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

/* ---- UDP ----------------------------------------------------------------- */

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Points each slot's header at its buffer and address; once, at start. */
static void
udp_slots(void)
{
	for (int i = 0; i < VIGIL_UDP_BATCH; i++) {
		udp_iov[i].iov_base = udp_buf[i];
		udp_iov[i].iov_len = VIGIL_MAX_MSG;
		memset(&udp_msgs[i].msg_hdr, 0, sizeof(udp_msgs[i].msg_hdr));
		udp_msgs[i].msg_hdr.msg_iov = &udp_iov[i];
		udp_msgs[i].msg_hdr.msg_iovlen = 1;
		udp_msgs[i].msg_hdr.msg_name = &udp_from[i];
	}
}

/* One recvmmsg(2) into the slots: blocks until a datagram is there (or
 * the receive timeout), then takes what else is queued (MSG_WAITFORONE).
 * MSG_TRUNC makes msg_len the datagram's real length.  The kernel sets
 * msg_len, msg_flags and msg_namelen; only the last is an input too. */
static int
udp_read(void)
{
	for (int i = 0; i < VIGIL_UDP_BATCH; i++)
		udp_msgs[i].msg_hdr.msg_namelen = sizeof(udp_from[i]);
	return recvmmsg(udp_fd, udp_msgs, VIGIL_UDP_BATCH,
	    MSG_WAITFORONE | MSG_TRUNC, NULL);
}

/* Append datagram i to the ring at *w, waiting while the ring is full.
 * Returns 0, or -1 when asked to quit. */
static int
udp_put(int i, uint32_t *w)
{
	size_t len = udp_msgs[i].msg_len;
	if (len > VIGIL_MAX_MSG)
		len = VIGIL_MAX_MSG;
	uint32_t need = (uint32_t)((UDP_REC_HDR + len + 7u) & ~(size_t)7u);
	uint32_t at = *w % VIGIL_UDP_RING_BYTES;
	uint32_t pad = VIGIL_UDP_RING_BYTES - at < need
	    ? VIGIL_UDP_RING_BYTES - at : 0;
	/* Unsigned differences: right across the 2^32 wrap. */
	while ((uint32_t)(*w + pad + need - atomic_load_explicit(&udp_rd,
	    memory_order_acquire)) > VIGIL_UDP_RING_BYTES) {
		/* The loop is behind: what is published is taken first. */
		atomic_store_explicit(&udp_wr, *w, memory_order_release);
		uv_async_send(&udp_async);
		atomic_fetch_add(&udp_full, 1);
		if (atomic_load(&udp_quit))
			return -1;
		nap_ms(VIGIL_UDP_NAP_MS);
	}
	if (pad) {
		/* Not enough room before the end: a size-0 record there. */
		((struct udp_rec *)(udp_ring + at))->size = 0;
		*w += pad;
		at = 0;
	}
	struct udp_rec *r = (struct udp_rec *)(udp_ring + at);
	r->size = (uint32_t)need;
	r->len = (uint32_t)len;
	r->orig = udp_msgs[i].msg_hdr.msg_flags & MSG_TRUNC &&
	    udp_msgs[i].msg_len <= VIGIL_MAX_MSG
	    ? VIGIL_MAX_MSG + 1u : (uint32_t)udp_msgs[i].msg_len;
	netaddr_from_sockaddr((struct sockaddr *)&udp_from[i], &r->src);
	memcpy(udp_ring + at + UDP_REC_HDR, udp_buf[i], len);
	*w += need;
	return 0;
}

/* The reader thread: moves datagrams from the kernel into the ring and
 * wakes the loop.  It touches nothing else of vigild's: no state, no
 * log, no allocation.  The socket's receive timeout bounds how long a
 * stop can go unseen. */
static void *
udp_reader(void *arg)
{
	uint32_t w = atomic_load(&udp_wr);
	(void)arg;
	while (!atomic_load(&udp_quit)) {
		int n = udp_read();
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && !atomic_load(&udp_quit)) {
				atomic_fetch_add(&udp_errs, 1);
				uv_async_send(&udp_async); /* counters */
				nap_ms(VIGIL_UDP_NAP_MS); /* not a busy loop */
			}
			continue;
		}
		atomic_fetch_add(&udp_reads, 1);
		uint32_t before = w;
		for (int i = 0; i < n; i++)
			if (udp_put(i, &w) < 0)
				return NULL;
		/* The loop is only woken when it has taken everything
		 * before this batch: otherwise it is still at work and sees
		 * the new write position when it looks again at the end of
		 * its turn.  (Both sides store, then load, sequentially
		 * consistent: one of them sees the other.) */
		atomic_store(&udp_wr, w);
		if ((int32_t)(atomic_load(&udp_rd) - before) >= 0)
			uv_async_send(&udp_async);
		if (n < VIGIL_UDP_BATCH / 2) {
			/* A trickle: nap so the next read takes a batch and
			 * the loop wakes once for it (see limits.h). */
			atomic_fetch_add(&udp_naps, 1);
			nap_ms(VIGIL_UDP_NAP_MS);
		}
	}
	return NULL;
}

/* Add what a reader counter grew by since the loop last looked. */
static void
fold(uint64_t *dst, _Atomic uint32_t *src, uint32_t *seen)
{
	uint32_t v = atomic_load_explicit(src, memory_order_relaxed);
	*dst += (uint32_t)(v - *seen);
	*seen = v;
}

/* The loop's side: deliver what the reader published, at most
 * VIGIL_UDP_TURN datagrams per turn of the loop (then it wakes itself
 * for the rest), handing the space back as it goes. */
static void
udp_async_cb(uv_async_t *h)
{
	uint32_t w = atomic_load_explicit(&udp_wr, memory_order_acquire);
	uint32_t r = atomic_load_explicit(&udp_rd, memory_order_relaxed);
	unsigned cap = vd->cfg.max_msg, k = 0;
	int64_t now = vigild_wall_s();

	(void)h;
	while (r != w && k < VIGIL_UDP_TURN) {
		uint32_t at = r % VIGIL_UDP_RING_BYTES;
		const struct udp_rec *rec =
		    (const struct udp_rec *)(udp_ring + at);
		if (rec->size == 0) {
			r += VIGIL_UDP_RING_BYTES - at;
			continue;
		}
		const char *m = (const char *)udp_ring + at + UDP_REC_HDR;
		size_t len = rec->len;
		int trunc = 0;
		if (rec->orig > cap) {
			len = len < cap ? len : cap;
			trunc = 1;
			vd->net.udp_truncated++;
		}
		vd->net.udp_datagrams++;
		/* The trailing LF, CR and NUL bytes many senders append are
		 * dropped by syslog_parse (syslog_trim). */
		deliver(&rec->src, m, len, rec->orig, trunc, now);
		r += rec->size;
		if (++k % VIGIL_UDP_BATCH == 0)
			atomic_store_explicit(&udp_rd, r,
			    memory_order_release);
	}
	atomic_store(&udp_rd, r);
	fold(&vd->net.udp_batches, &udp_reads, &seen_reads);
	fold(&vd->net.udp_errors, &udp_errs, &seen_errs);
	fold(&vd->net.udp_naps, &udp_naps, &seen_naps);
	fold(&vd->net.udp_ring_full, &udp_full, &seen_full);
	if (r != atomic_load(&udp_wr))
		uv_async_send(&udp_async); /* the rest on the next turn */
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
	udp_fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (udp_fd < 0) {
		vlog(VLOG_ERR, "syslog udp %s: socket: %s", name, strerror(errno));
		return VIGIL_EIO;
	}
	setsockopt(udp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* A larger kernel buffer absorbs bursts while the loop is busy; the
	 * kernel caps it at net.core.rmem_max. */
	setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* The reader blocks in recvmmsg; this bounds how long it can miss
	 * a stop. */
	struct timeval tmo = {0, UDP_STOP_MS * 1000};
	setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (bind(udp_fd, (struct sockaddr *)&ss, sl) < 0) {
		vlog(VLOG_ERR, "syslog udp %s: bind: %s", name, strerror(errno));
		close(udp_fd);
		udp_fd = -1;
		return VIGIL_EADDR;
	}
	if (uv_async_init(vd->loop, &udp_async, udp_async_cb) < 0) {
		vlog(VLOG_ERR, "syslog udp %s: cannot set up its wake-up", name);
		close(udp_fd);
		udp_fd = -1;
		return VIGIL_EIO;
	}
	udp_slots();
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

/* A connection accepted only to be closed: no slot free. */
static void
refused(const struct hosts_addr *a)
{
	(void)a;
	vd->net.tcp_refused++;
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
		tcplisten_refuse(&tcp_listener);
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
	tcplisten_peer(&c->h, &c->peer);
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
	char name[80];

	if (tcplisten_start(&tcp_listener, vd->loop, &vd->cfg.syslog_tcp, 128,
	    on_connection, refused, "syslog tcp", name, sizeof(name)) < 0)
		return VIGIL_EADDR;
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

int
syslog_net_run(void)
{
	sigset_t all, old;
	pthread_attr_t a;
	int r;

	if (!udp_on || udp_running)
		return 0;
	/* Signals are the loop's: the reader starts with them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, UDP_STACK);
	r = pthread_create(&udp_thread, &a, udp_reader, NULL);
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		vlog(VLOG_ERR, "syslog udp: cannot start the reader thread: %s",
		    strerror(r));
		return VIGIL_EIO;
	}
	udp_running = 1;
	return 0;
}

void
syslog_net_reload(struct vigild *state, const struct vigil_config *old)
{
	vd = state;
	if (!netaddr_listen_eq(&old->syslog_udp, &vd->cfg.syslog_udp) ||
	    !netaddr_listen_eq(&old->syslog_tcp, &vd->cfg.syslog_tcp))
		vlog(VLOG_WARN, "reload: syslog listen addresses changed; "
		    "they take effect at the next restart");
	/* Connections beyond a lowered limit stay until they close. */
}

void
syslog_net_close(void)
{
	uv_close((uv_handle_t *)&health, NULL);
	if (udp_running) {
		atomic_store(&udp_quit, 1);
		/* Wakes a reader blocked in recvmmsg at once (the receive
		 * timeout would, later). */
		shutdown(udp_fd, SHUT_RD);
		pthread_join(udp_thread, NULL);
		udp_running = 0;
	}
	if (udp_on) {
		uv_close((uv_handle_t *)&udp_async, NULL);
		close(udp_fd);
		udp_fd = -1;
		udp_on = 0;
	}
	tcplisten_close(&tcp_listener);
	if (sweep_on) {
		uv_close((uv_handle_t *)&sweep, NULL);
		sweep_on = 0;
	}
	for (int i = 0; i < VIGIL_MAX_TCP_CONN; i++)
		if (conns[i].in_use)
			conn_close(&conns[i], NULL);
}
