/*
 * status.c - the NOC status channel (see status.h).
 *
 * TCP: a fixed pool of connections, each with a receive buffer of one
 * maximal frame and a reply buffer of one maximal frame.  A connection
 * answers one request at a time: reading stops while a reply is being
 * written, so the receive buffer never overflows and a pipelining client
 * is served in order.  Beyond the pool a connection is accepted and
 * closed at once (counted); so is one from outside the allow-list.  A
 * once-a-second sweep closes connections that sent no complete request
 * for VIGIL_STATUS_IDLE_S seconds, including ones whose reply the peer
 * does not read.
 *
 * UDP: one static receive buffer one byte larger than the datagram limit,
 * so that an oversized request is seen (and refused) rather than cut.
 * Replies go out with uv_udp_try_send from one static buffer: nothing is
 * in flight after the call, so the buffer is free for the next request;
 * a reply the socket cannot take at once is dropped and counted.
 *
 * The protocol logic is answer(): decode (proto/codec), dispatch, encode.
 */
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "arena.h"
#include "auth.h"
#include "codec.h"
#include "err.h"
#include "evac.h"
#include "log.h"
#include "netaddr.h"
#include "status.h"
#include "tcplisten.h"

#define LOG_EVERY_MS 60000    /* rate limit of repeated warnings */
#define FRAME_BUF (VIGIL_STATUS_MAX_FRAME + CODEC_VARINT_MAX)

struct conn {
	uv_tcp_t h;
	uv_write_t wr;
	struct hosts_addr peer;
	uint64_t last_ms;         /* connect or last complete request */
	size_t rlen;              /* bytes waiting in rbuf */
	int in_use, closing, reading, writing;
	uint8_t rbuf[FRAME_BUF];
	uint8_t wbuf[FRAME_BUF];
};

static struct vigild *vd;
static struct auth auth;
static struct config_listen bound_tcp, bound_udp;

static struct tcplisten listener;
static struct conn conns[VIGIL_MAX_STATUS_CONN];
static uv_timer_t sweep;
static int sweep_on;

static uv_udp_t udp;
static int udp_on;
static uint8_t udp_rbuf[VIGIL_STATUS_UDP_MAX + 1];
static uint8_t udp_wbuf[VIGIL_STATUS_UDP_MAX];

/* Counters not (yet) in struct status_stats. */
static uint64_t closed_idle, udp_dropped_busy;

/* One request is handled at a time (the loop is single-threaded), so the
 * large generated structs live here once. */
static vigil_Request req;
static vigil_Reply rep;
static vigil_Command cmd;

/* Logs a refusal at most once a minute per kind; the counters carry the
 * full story. */
static void
log_limited(uint64_t *last, const char *what, const struct hosts_addr *a)
{
	uint64_t now = uv_now(vd->loop);
	if (*last && now - *last < LOG_EVERY_MS)
		return;
	*last = now ? now : 1;
	char buf[64];
	hosts_format_addr(a, buf, sizeof(buf));
	vlog(VLOG_WARN, "status: %s from %s (further ones counted, logged "
	    "once a minute)", what, buf);
}

static void
set_result(vigil_Result r)
{
	rep.result = r;
	if (r != vigil_Result_RESULT_OK) {
		const char *m = codec_result_name(r);
		size_t n = strnlen(m, sizeof(rep.error) - 1);
		memcpy(rep.error, m, n);
		rep.error[n] = 0;
	}
}

static void
fill_summary(void)
{
	struct arena_stats as;
	struct codec_view v = {
		.version = VIGIL_VERSION,
		.uptime_ms = uv_now(vd->loop) - vd->start_ms,
		.wall_s = vigild_wall_s(),
		.start_wall_s = vd->start_wall_s,
		.reloads = vd->reloads,
		.reload_failures = vd->reload_failures,
		.ingest = &vd->ingest,
		.net = &vd->net,
		.status = &vd->status,
		.auth = &auth.stats,
		.arena = &as,
		.status_closed_idle = closed_idle,
		.udp_dropped_busy = udp_dropped_busy,
	};
	arena_get_stats(&as);
	codec_fill_summary(&rep.summary, &v);
	rep.summary.has_ssh = evac_fill_ssh(&rep.summary.ssh);
	rep.has_summary = true;
}

static void
fill_hosts(const vigil_HostsQuery *q)
{
	codec_fill_hosts(&rep.hosts, &vd->ingest, vd->evacuate_s, q->first,
	    q->max_hosts);
	rep.has_hosts = true;
}

static void
fill_templates(const vigil_TemplatesQuery *q)
{
	int idx = -1;
	if (q->host[0]) {
		idx = hosts_find(&vd->ingest.hosts, q->host);
		if (idx < 0) {
			/* The name is not echoed: it is the client's bytes. */
			set_result(vigil_Result_RESULT_BAD_REQUEST);
			snprintf(rep.error, sizeof(rep.error), "no such host");
			return;
		}
	}
	codec_fill_templates(&rep.templates, &vd->ingest, idx, q->max);
	rep.has_templates = true;
}

/* The one state change so far: zero the ingest and syslog transport
 * counters.  The open-connection gauge is live state, not a counter. */
static void
reset_counters(void)
{
	uint32_t open = vd->net.tcp_open;
	ingest_reset_counters(&vd->ingest);
	memset(&vd->net, 0, sizeof(vd->net));
	vd->net.tcp_open = open;
	vd->net.tcp_open_high = open;
	vd->status.counter_resets++;
}

static void
run_command(const struct hosts_addr *peer)
{
	static uint64_t last_auth_log, last_replay_log;
	int64_t now = vigild_wall_s();
	vigil_Result r = codec_check_command(&auth, &req.body.command, now,
	    &cmd);

	switch (r) {
	case vigil_Result_RESULT_OK:
		break;
	case vigil_Result_RESULT_NO_KEY:
	case vigil_Result_RESULT_AUTH:
		vd->status.auth_failures++;
		log_limited(&last_auth_log, "command refused: bad or missing "
		    "MAC or no key", peer);
		set_result(r);
		return;
	case vigil_Result_RESULT_REPLAY:
		vd->status.replays++;
		log_limited(&last_replay_log, "command refused: replayed or "
		    "stale", peer);
		set_result(r);
		return;
	case vigil_Result_RESULT_BAD_REQUEST:
		vd->status.bad_requests++;
		set_result(r);
		return;
	default: /* unsupported action, nonce table busy (counted in auth) */
		set_result(r);
		return;
	}
	char a[64], why[sizeof(rep.error)] = "";
	int rc = 0;
	hosts_format_addr(peer, a, sizeof(a));
	switch (cmd.which_action) {
	case vigil_Command_reset_counters_tag:
		reset_counters();
		vlog(VLOG_NOTICE, "status: counters reset by NOC %s", a);
		break;
	case vigil_Command_evacuate_tag:
		vlog(VLOG_NOTICE, "status: evacuate request from NOC %s", a);
		rc = evac_cmd_evacuate(cmd.action.evacuate.host,
		    cmd.action.evacuate.clear, why, sizeof(why));
		break;
	case vigil_Command_set_mode_tag:
		vlog(VLOG_NOTICE, "status: mode request from NOC %s", a);
		rc = cmd.action.set_mode.mode == vigil_Mode_MODE_OFF ?
		    VIGIL_EINVAL : evac_cmd_mode((int)cmd.action.set_mode.mode,
		    why, sizeof(why));
		if (cmd.action.set_mode.mode == vigil_Mode_MODE_OFF)
			snprintf(why, sizeof(why), "mode off needs a restart");
		break;
	case vigil_Command_confirm_tag:
		vlog(VLOG_NOTICE, "status: confirm request from NOC %s", a);
		rc = evac_cmd_confirm(cmd.action.confirm.id, why, sizeof(why));
		break;
	default:
		rc = VIGIL_EINVAL;
		snprintf(why, sizeof(why), "unknown command");
		break;
	}
	if (rc < 0) {
		set_result(vigil_Result_RESULT_BAD_REQUEST);
		snprintf(rep.error, sizeof(rep.error), "%s", why);
		return;
	}
	rep.has_command = true;
	rep.command.done_at = now;
}

/*
 * Answers the n-byte request at p into cap bytes at out.  Returns the
 * reply length, or -1 when the request gets no answer (undecodable:
 * counted; the TCP caller closes the connection).  udp selects the
 * datagram rule: a reply that does not fit is replaced by RESULT_USE_TCP
 * instead of a shorter page of hosts.
 */
static long
answer(const uint8_t *p, size_t n, int is_udp, const struct hosts_addr *peer,
    uint8_t *out, size_t cap)
{
	size_t len = 0;

	if (codec_decode_request(p, n, &req) < 0) {
		vd->status.bad_requests++;
		return -1;
	}
	vd->status.requests++;
	memset(&rep, 0, sizeof(rep));
	rep.version = CODEC_PROTOCOL;
	rep.id = req.id;
	if (req.version > CODEC_PROTOCOL) {
		set_result(vigil_Result_RESULT_VERSION);
	} else {
		switch (req.which_body) {
		case vigil_Request_summary_tag:
			fill_summary();
			break;
		case vigil_Request_hosts_tag:
			fill_hosts(&req.body.hosts);
			break;
		case vigil_Request_status_tag:
			fill_summary();
			fill_hosts(&req.body.status.hosts);
			break;
		case vigil_Request_templates_tag:
			fill_templates(&req.body.templates);
			break;
		case vigil_Request_migrations_tag:
			evac_fill(&rep.migrations,
			    req.body.migrations.max_decisions);
			rep.has_migrations = true;
			break;
		case vigil_Request_command_tag:
			run_command(peer);
			break;
		default:
			set_result(vigil_Result_RESULT_UNSUPPORTED);
			break;
		}
	}
	if (codec_encode_reply(&rep, out, cap, &len, !is_udp) == 0)
		return (long)len;
	/* Too large: over UDP by the datagram rule; over TCP it cannot
	 * happen (codec.c asserts a summary and a host fit a frame). */
	uint64_t id = rep.id;
	memset(&rep, 0, sizeof(rep));
	rep.version = CODEC_PROTOCOL;
	rep.id = id;
	set_result(vigil_Result_RESULT_USE_TCP);
	if (is_udp)
		vd->status.udp_too_big++;
	if (codec_encode_reply(&rep, out, cap, &len, 0) < 0)
		return -1;
	return (long)len;
}

/* ---- TCP ---------------------------------------------------------------- */

static void
conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	c->in_use = 0;
	c->closing = 0;
	vd->status.tcp_open--;
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_close((uv_handle_t *)&c->h, conn_closed);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void process(struct conn *c);

static void
conn_written(uv_write_t *w, int status)
{
	struct conn *c = w->data;
	c->writing = 0;
	if (status < 0 || c->closing) {
		conn_close(c);
		return;
	}
	/* Requests the client pipelined are already in rbuf. */
	process(c);
	if (!c->writing && !c->closing && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->h, conn_alloc,
		    conn_read) < 0)
			conn_close(c);
		else
			c->reading = 1;
	}
}

/* Answers every complete frame in c->rbuf, one at a time. */
static void
process(struct conn *c)
{
	while (!c->writing && !c->closing) {
		size_t hl = 0, bl = 0;
		int r = codec_frame_header(c->rbuf, c->rlen, &hl, &bl);
		if (r == 0)
			return;
		if (r < 0) {
			/* Oversized or malformed length: the stream cannot be
			 * resynchronised. */
			vd->status.bad_requests++;
			conn_close(c);
			return;
		}
		if (hl + bl > c->rlen)
			return;
		long n = answer(c->rbuf + hl, bl, 0, &c->peer,
		    c->wbuf + CODEC_VARINT_MAX, VIGIL_STATUS_MAX_FRAME);
		memmove(c->rbuf, c->rbuf + hl + bl, c->rlen - hl - bl);
		c->rlen -= hl + bl;
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->last_ms = uv_now(vd->loop);
		/* The length prefix goes right before the reply. */
		uint8_t hdr[CODEC_VARINT_MAX];
		size_t h = codec_frame_put(hdr, (uint32_t)n);
		uint8_t *start = c->wbuf + CODEC_VARINT_MAX - h;
		memcpy(start, hdr, h);
		uv_buf_t b = uv_buf_init((char *)start,
		    (unsigned)(h + (size_t)n));
		if (c->reading) {
			uv_read_stop((uv_stream_t *)&c->h);
			c->reading = 0;
		}
		c->wr.data = c;
		if (uv_write(&c->wr, (uv_stream_t *)&c->h, &b, 1,
		    conn_written) < 0) {
			conn_close(c);
			return;
		}
		c->writing = 1;
	}
}

static void
conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = h->data;
	(void)hint;
	/* Never empty: a partial frame is at most FRAME_BUF - 1 bytes, since
	 * a complete header bounds the body and an incomplete one is shorter
	 * than CODEC_VARINT_MAX. */
	buf->base = (char *)c->rbuf + c->rlen;
	buf->len = sizeof(c->rbuf) - c->rlen;
}

static void
conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->rlen += (size_t)nread;
	process(c);
}

/* A connection accepted only to be closed: outside the allow-list, or
 * no slot free. */
static void
refused(const struct hosts_addr *a)
{
	static uint64_t last_log;

	if (!config_noc_allowed(&vd->cfg, a)) {
		vd->status.refused_acl++;
	} else {
		vd->status.tcp_refused++;
		log_limited(&last_log, "all status connection slots in use; "
		    "refusing a connection", a);
	}
}

static void
on_connection(uv_stream_t *server, int status)
{
	static uint64_t last_acl_log;
	struct conn *c = NULL;

	if (status < 0)
		return;
	for (int i = 0; i < VIGIL_MAX_STATUS_CONN; i++) {
		if (!conns[i].in_use) {
			c = &conns[i];
			break;
		}
	}
	if (!c) {
		tcplisten_refuse(&listener);
		return;
	}
	uv_tcp_init(vd->loop, &c->h);
	c->h.data = c;
	c->in_use = 1;
	c->rlen = 0;
	c->reading = c->writing = 0;
	vd->status.tcp_open++;
	if (uv_accept(server, (uv_stream_t *)&c->h) < 0) {
		conn_close(c);
		return;
	}
	tcplisten_peer(&c->h, &c->peer);
	if (!config_noc_allowed(&vd->cfg, &c->peer)) {
		vd->status.refused_acl++;
		log_limited(&last_acl_log, "tcp connection refused (not in "
		    "noc_allow)", &c->peer);
		conn_close(c);
		return;
	}
	c->last_ms = uv_now(vd->loop);
	uv_tcp_nodelay(&c->h, 1);
	if (uv_read_start((uv_stream_t *)&c->h, conn_alloc, conn_read) < 0) {
		conn_close(c);
		return;
	}
	c->reading = 1;
}

static void
sweep_cb(uv_timer_t *t)
{
	(void)t;
	uint64_t now = uv_now(vd->loop);
	uint64_t idle = (uint64_t)VIGIL_STATUS_IDLE_S * 1000;
	for (int i = 0; i < VIGIL_MAX_STATUS_CONN; i++) {
		struct conn *c = &conns[i];
		if (c->in_use && !c->closing && now - c->last_ms >= idle) {
			closed_idle++;
			conn_close(c);
		}
	}
}

static int
tcp_start(void)
{
	char name[80];

	if (tcplisten_start(&listener, vd->loop, &vd->cfg.status_tcp, 16,
	    on_connection, refused, "status tcp", name, sizeof(name)) < 0)
		return VIGIL_EADDR;
	uv_timer_init(vd->loop, &sweep);
	uv_timer_start(&sweep, sweep_cb, 1000, 1000);
	sweep_on = 1;
	vlog(VLOG_INFO, "status tcp listening on %s (at most %u connections)",
	    name, (unsigned)VIGIL_MAX_STATUS_CONN);
	return 0;
}

/* ---- UDP ---------------------------------------------------------------- */

static void
udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	(void)h;
	(void)hint;
	buf->base = (char *)udp_rbuf;
	buf->len = sizeof(udp_rbuf);
}

static void
udp_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
    const struct sockaddr *from, unsigned flags)
{
	static uint64_t last_acl_log;
	struct hosts_addr peer;
	(void)h;
	(void)buf;

	if (nread < 0 || !from)
		return; /* a receive error, or nothing more to read */
	netaddr_from_sockaddr(from, &peer);
	if (!config_noc_allowed(&vd->cfg, &peer)) {
		vd->status.refused_acl++;
		log_limited(&last_acl_log, "udp request refused (not in "
		    "noc_allow)", &peer);
		return;
	}
	if ((size_t)nread > VIGIL_STATUS_UDP_MAX || (flags & UV_UDP_PARTIAL)) {
		vd->status.bad_requests++;
		return;
	}
	long n = answer(udp_rbuf, (size_t)nread, 1, &peer, udp_wbuf,
	    sizeof(udp_wbuf));
	if (n < 0)
		return;
	uv_buf_t b = uv_buf_init((char *)udp_wbuf, (unsigned)n);
	int r = uv_udp_try_send(&udp, &b, 1, from);
	if (r < 0)
		udp_dropped_busy++;
}

static int
udp_start(void)
{
	struct sockaddr_storage ss;
	char name[80];
	const struct config_listen *l = &vd->cfg.status_udp;

	netaddr_to_sockaddr(l, &ss);
	netaddr_listen_name(l, name, sizeof(name));
	uv_udp_init(vd->loop, &udp);
	int r = uv_udp_bind(&udp, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_udp_recv_start(&udp, udp_alloc, udp_recv);
	if (r < 0) {
		vlog(VLOG_ERR, "status udp %s: %s", name, uv_strerror(r));
		uv_close((uv_handle_t *)&udp, NULL);
		return VIGIL_EADDR;
	}
	udp_on = 1;
	vlog(VLOG_INFO, "status udp listening on %s", name);
	return 0;
}

/* ---- life cycle --------------------------------------------------------- */

int
status_start(struct vigild *state)
{
	vd = state;
	auth_init(&auth, NULL, 0);
	if (auth_set_key(&auth, vd->cfg.psk, vd->cfg.psk_len) < 0)
		vlog(VLOG_ERR, "status: noc_key longer than %u bytes; commands "
		    "refused", (unsigned)VIGIL_MAX_PSK);
	bound_tcp = vd->cfg.status_tcp;
	bound_udp = vd->cfg.status_udp;
	if (vd->cfg.status_tcp.enabled && tcp_start() < 0)
		return VIGIL_EADDR;
	if (vd->cfg.status_udp.enabled && udp_start() < 0)
		return VIGIL_EADDR;
	if (!vd->cfg.psk_len)
		vlog(VLOG_INFO, "status: no noc_key; commands will be refused");
	return 0;
}

int
status_reload(struct vigild *state)
{
	vd = state;
	if (auth_set_key(&auth, vd->cfg.psk, vd->cfg.psk_len) < 0)
		vlog(VLOG_ERR, "reload: noc_key longer than %u bytes; commands "
		    "refused", (unsigned)VIGIL_MAX_PSK);
	if (!netaddr_listen_eq(&bound_tcp, &vd->cfg.status_tcp) ||
	    !netaddr_listen_eq(&bound_udp, &vd->cfg.status_udp))
		vlog(VLOG_WARN, "reload: status listen addresses changed; they "
		    "take effect at the next restart");
	return 0;
}

void
status_close(void)
{
	tcplisten_close(&listener);
	if (sweep_on) {
		uv_close((uv_handle_t *)&sweep, NULL);
		sweep_on = 0;
	}
	if (udp_on) {
		uv_close((uv_handle_t *)&udp, NULL);
		udp_on = 0;
	}
	for (int i = 0; i < VIGIL_MAX_STATUS_CONN; i++)
		if (conns[i].in_use)
			conn_close(&conns[i]);
	memset(&auth, 0, sizeof(auth)); /* the key does not outlive the loop */
}
