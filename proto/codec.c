/*
 * codec.c - status protocol encode/decode (see codec.h).
 */
#include <string.h>

#include <pb_decode.h>
#include <pb_encode.h>

#include "codec.h"
#include "err.h"

/* The wire bounds in vigil.options must hold what core/limits.h allows. */
_Static_assert(pb_membersize(vigil_HostStats, name) >= VIGIL_MAX_NAME + 1,
    "vigil.options: HostStats.name max_size below VIGIL_MAX_NAME + 1");
_Static_assert(pb_arraysize(vigil_HostStats, addresses) >=
    VIGIL_MAX_HOST_ADDRS,
    "vigil.options: HostStats.addresses max_count below VIGIL_MAX_HOST_ADDRS");
_Static_assert(pb_membersize(vigil_HostStats, addresses[0]) >= 46,
    "vigil.options: HostStats.addresses max_size below an IPv6 address");
_Static_assert(pb_membersize(vigil_HostStats, last_hostname) >=
    VIGIL_MAX_HOSTNAME + 1,
    "vigil.options: HostStats.last_hostname below VIGIL_MAX_HOSTNAME + 1");
_Static_assert(pb_arraysize(vigil_HostStats, severity) == 8,
    "vigil.options: HostStats.severity must hold 8 counts");
_Static_assert(sizeof(((vigil_Command_nonce_t *)0)->bytes) >=
    VIGIL_AUTH_NONCE_MAX,
    "vigil.options: Command.nonce max_size below VIGIL_AUTH_NONCE_MAX");
_Static_assert(sizeof(((vigil_SignedCommand_mac_t *)0)->bytes) ==
    AUTH_MAC_LEN, "vigil.options: SignedCommand.mac must be 32 bytes");
/* A reply with a summary always fits a datagram (the Reply header with a
 * full error text is under 128 bytes), and a summary with one host always
 * fits a TCP frame, so that paging always makes progress. */
_Static_assert(vigil_Summary_size + 128 <= VIGIL_STATUS_UDP_MAX,
    "a summary must fit one status datagram");
_Static_assert(vigil_Summary_size + vigil_HostStats_size + 160 <=
    VIGIL_STATUS_MAX_FRAME, "a summary and one host must fit a frame");
_Static_assert(VIGIL_STATUS_MAX_FRAME <= 0x7fffffff,
    "frame lengths are 32-bit varints");

int
codec_frame_header(const uint8_t *p, size_t n, size_t *hdr_len,
    size_t *body_len)
{
	uint64_t v = 0;
	for (size_t i = 0; i < CODEC_VARINT_MAX; i++) {
		if (i == n)
			return 0;
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			if (v > VIGIL_STATUS_MAX_FRAME)
				return VIGIL_E2BIG;
			*hdr_len = i + 1;
			*body_len = (size_t)v;
			return 1;
		}
	}
	return VIGIL_EFRAME;
}

size_t
codec_frame_put(uint8_t *p, uint32_t len)
{
	size_t i = 0;
	while (len >= 0x80) {
		p[i++] = (uint8_t)(len | 0x80);
		len >>= 7;
	}
	p[i++] = (uint8_t)len;
	return i;
}

int
codec_decode_request(const uint8_t *p, size_t n, vigil_Request *req)
{
	pb_istream_t is = pb_istream_from_buffer(p, n);
	/* pb_decode zeroes the struct first: nothing from an earlier request
	 * survives. */
	return pb_decode(&is, vigil_Request_fields, req) ? 0 : VIGIL_EPARSE;
}

int
codec_decode_reply(const uint8_t *p, size_t n, vigil_Reply *rep)
{
	pb_istream_t is = pb_istream_from_buffer(p, n);
	return pb_decode(&is, vigil_Reply_fields, rep) ? 0 : VIGIL_EPARSE;
}

int
codec_encode_request(const vigil_Request *req, uint8_t *p, size_t cap,
    size_t *len)
{
	pb_ostream_t os = pb_ostream_from_buffer(p, cap);
	if (!pb_encode(&os, vigil_Request_fields, req))
		return VIGIL_E2BIG;
	*len = os.bytes_written;
	return 0;
}

int
codec_encode_reply(vigil_Reply *rep, uint8_t *p, size_t cap, size_t *len,
    int shrink_hosts)
{
	size_t size = 0;
	if (!pb_get_encoded_size(&size, vigil_Reply_fields, rep))
		return VIGIL_E2BIG;
	/* Sizing is an encode into a counting stream: cheap for a reply of a
	 * few KiB, and at most one pass per host of the page. */
	while (size > cap && shrink_hosts && rep->has_hosts &&
	    rep->hosts.hosts_count > 0) {
		rep->hosts.hosts_count--;
		if (!pb_get_encoded_size(&size, vigil_Reply_fields, rep))
			return VIGIL_E2BIG;
	}
	/* The oldest decisions go first, on any transport. */
	while (size > cap && rep->has_migrations &&
	    rep->migrations.decisions_count > 0) {
		rep->migrations.decisions_count--;
		if (!pb_get_encoded_size(&size, vigil_Reply_fields, rep))
			return VIGIL_E2BIG;
	}
	if (size > cap)
		return VIGIL_E2BIG;
	pb_ostream_t os = pb_ostream_from_buffer(p, cap);
	if (!pb_encode(&os, vigil_Reply_fields, rep))
		return VIGIL_E2BIG;
	*len = os.bytes_written;
	return 0;
}

/* Copies a NUL-terminated string into a fixed field, cutting it to fit
 * (the static assertions above make cuts impossible for vigil's own
 * strings). */
static void
put_str(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Like put_str, but bytes outside printable ASCII become '?': a hostname
 * comes from a log message and may hold anything, while a protobuf
 * string must be UTF-8 (other decoders refuse the whole reply). */
void
codec_put_printable(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)src[i];
		dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[n] = 0;
}

/* Inserts (id, count, error) into the page's list, kept sorted by count,
 * descending; drops the smallest when the list holds cap entries. */
static void
top_insert(vigil_TemplatesPage *pg, uint32_t cap, int32_t id, uint64_t count,
    uint64_t error)
{
	pb_size_t n = pg->templates_count;
	if (n == cap && (n == 0 || pg->templates[n - 1].count >= count))
		return;
	pb_size_t i = n < cap ? n : n - 1;
	while (i > 0 && pg->templates[i - 1].count < count) {
		pg->templates[i] = pg->templates[i - 1];
		i--;
	}
	memset(&pg->templates[i], 0, sizeof(pg->templates[i]));
	pg->templates[i].id = id;
	pg->templates[i].count = count;
	pg->templates[i].error = error;
	if (n < cap)
		pg->templates_count++;
}

void
codec_fill_templates(vigil_TemplatesPage *pg, const struct ingest *in,
    int idx, uint32_t max)
{
	static char text[VIGIL_DRAIN_MAX_LINE + 1];
	const uint32_t room = sizeof(pg->templates) / sizeof(pg->templates[0]);
	uint32_t cap = max == 0 || max > room ? room : max;
	struct drain_stats st;

	memset(pg, 0, sizeof(*pg));
	drain_stats(&in->drain, &st);
	pg->live = st.templates;
	if (idx >= 0 && (unsigned)idx < in->hosts.n) {
		const struct hosts_counters *c = &in->hosts.h[idx].c;
		put_str(pg->host, sizeof(pg->host), in->hosts.h[idx].name);
		for (uint32_t i = 0; i < c->ntop; i++)
			top_insert(pg, cap, c->top[i].id, c->top[i].count,
			    c->top[i].error);
	} else {
		for (uint32_t slot = 0; slot < VIGIL_DRAIN_MAX_TEMPLATES; slot++) {
			int id = drain_id_at(&in->drain, slot);
			uint64_t count;
			if (id >= 0 && drain_count(&in->drain, id, &count) == 0)
				top_insert(pg, cap, id, count, 0);
		}
	}
	for (pb_size_t i = 0; i < pg->templates_count; i++) {
		vigil_TemplateStat *t = &pg->templates[i];
		int n = drain_text(&in->drain, t->id, text, sizeof(text));
		if (n < 0) {
			/* Evicted from the miner since the host counted it. */
			put_str(t->text, sizeof(t->text), "(evicted)");
			continue;
		}
		codec_put_printable(t->text, sizeof(t->text), text);
		t->text_cut = (size_t)n >= sizeof(t->text);
	}
}

void
codec_fill_summary(vigil_Summary *s, const struct codec_view *v)
{
	memset(s, 0, sizeof(*s));
	put_str(s->version, sizeof(s->version), v->version ? v->version : "");
	s->uptime_ms = v->uptime_ms;
	s->wall_s = v->wall_s;
	s->start_wall_s = v->start_wall_s;
	s->reloads = v->reloads;
	s->reload_failures = v->reload_failures;
	if (v->ingest) {
		struct drain_stats d;
		drain_stats(&v->ingest->drain, &d);
		s->has_drain = true;
		s->drain.lines = d.lines;
		s->drain.matched = d.matched;
		s->drain.created = d.created;
		s->drain.evicted = d.evicted;
		s->drain.overflow = d.overflow;
		s->drain.long_lines = d.long_lines;
		s->drain.token_overflow = d.token_overflow;
		s->drain.templates = d.templates;
		s->drain.templates_high = d.templates_hwm;
		s->drain.nodes = d.nodes;
		s->drain.pool_bytes = d.pool_bytes;
		const struct ingest_stats *i = &v->ingest->stats;
		s->hosts_configured = v->ingest->hosts.n;
		s->has_ingest = true;
		s->ingest.received = i->received;
		s->ingest.accepted = i->accepted;
		s->ingest.unknown_source = i->unknown_source;
		s->ingest.truncated = i->truncated;
		s->ingest.parse_errors = i->parse_errors;
		s->ingest.empty = i->empty;
	}
	if (v->net) {
		const struct net_stats *n = v->net;
		s->has_net = true;
		s->net.udp_datagrams = n->udp_datagrams;
		s->net.udp_batches = n->udp_batches;
		s->net.udp_truncated = n->udp_truncated;
		s->net.udp_errors = n->udp_errors;
		s->net.tcp_accepted = n->tcp_accepted;
		s->net.tcp_refused = n->tcp_refused;
		s->net.tcp_unknown_source = n->tcp_unknown_source;
		s->net.tcp_closed_idle = n->tcp_closed_idle;
		s->net.tcp_closed_frame = n->tcp_closed_frame;
		s->net.tcp_closed_peer = n->tcp_closed_peer;
		s->net.tcp_messages = n->tcp_messages;
		s->net.tcp_truncated = n->tcp_truncated;
		s->net.tcp_bytes = n->tcp_bytes;
		s->net.tcp_open = n->tcp_open;
		s->net.tcp_open_high = n->tcp_open_high;
		s->net.udp_naps = n->udp_naps;
		s->net.udp_ring_full = n->udp_ring_full;
	}
	if (v->status) {
		const struct status_stats *st = v->status;
		s->has_status = true;
		s->status.requests = st->requests;
		s->status.refused_acl = st->refused_acl;
		s->status.bad_requests = st->bad_requests;
		s->status.auth_failures = st->auth_failures;
		s->status.replays = st->replays;
		s->status.udp_too_big = st->udp_too_big;
		s->status.counter_resets = st->counter_resets;
		s->status.tcp_open = st->tcp_open;
		s->status.tcp_refused = st->tcp_refused;
		s->status.tcp_closed_idle = v->status_closed_idle;
		s->status.udp_dropped_busy = v->udp_dropped_busy;
		if (v->auth) {
			s->status.nonces_busy = v->auth->full;
			s->status.nonces_used = v->auth->nonces_used;
			s->status.nonces_high = v->auth->nonces_high;
		}
	}
	if (v->arena) {
		const struct arena_stats *a = v->arena;
		s->has_arena = true;
		s->arena.capacity = a->capacity;
		s->arena.used = a->used;
		s->arena.high_water = a->high_water;
		s->arena.allocs = a->allocs;
		s->arena.frees = a->frees;
		s->arena.failures = a->failures;
		s->arena.allocs_after_seal = a->allocs_after_seal;
		s->arena.live_blocks = a->live_blocks;
	}
}

static void
fill_health(vigil_HostStats *h, const struct ingest *in, uint32_t idx)
{
	const struct predict_host *p = &in->predict.h[idx];
	uint32_t cap = pb_arraysize(vigil_HostStats, reasons);

	h->health = (vigil_Health)p->state;
	h->score = (float)p->score;
	h->health_since = p->state_ms == INT64_MIN ? 0 : p->state_ms;
	h->alarms = p->alarms;
	h->novel_templates = p->f.novel;
	for (uint32_t k = 0; k < p->nreasons && k < VIGIL_PREDICT_REASONS &&
	    h->reasons_count < cap; k++) {
		const struct predict_reason *r = &p->reason[(p->nreasons - 1 -
		    k) % VIGIL_PREDICT_REASONS];
		vigil_Reason *o = &h->reasons[h->reasons_count++];
		char text[VIGIL_DRAIN_MAX_LINE + 1];
		o->template_id = r->tid;
		o->weight = r->weight;
		o->at_ms = r->t_ms;
		if (drain_text(&in->drain, r->tid, text, sizeof(text)) < 0)
			snprintf(text, sizeof(text), "(template retired)");
		codec_put_printable(o->text, sizeof(o->text), text);
	}
}

static void
fill_host(vigil_HostStats *h, const struct hosts_entry *e)
{
	memset(h, 0, sizeof(*h));
	put_str(h->name, sizeof(h->name), e->name);
	for (unsigned i = 0; i < e->naddr && i < VIGIL_MAX_HOST_ADDRS; i++) {
		char a[64];
		hosts_format_addr(&e->addr[i], a, sizeof(a));
		put_str(h->addresses[i], sizeof(h->addresses[i]), a);
		h->addresses_count++;
	}
	h->messages = e->c.messages;
	h->bytes = e->c.bytes;
	h->severity_count = 8;
	for (int i = 0; i < 8; i++)
		h->severity[i] = e->c.severity[i];
	h->parse_errors = e->c.parse_errors;
	h->truncated = e->c.truncated;
	h->last_seen = e->c.last_seen_s;
	codec_put_printable(h->last_hostname, sizeof(h->last_hostname),
	    e->c.last_hostname);
}

void
codec_fill_hosts(vigil_HostsPage *pg, const struct ingest *in,
    const uint32_t *evacuate_s, uint32_t first, uint32_t max)
{
	const struct hosts *t = &in->hosts;
	uint32_t cap = pb_arraysize(vigil_HostsPage, hosts);

	pg->total = t->n;
	pg->first = first;
	pg->hosts_count = 0;
	if (max == 0 || max > cap)
		max = cap;
	for (uint32_t i = first; i < t->n && pg->hosts_count < max; i++) {
		vigil_HostStats *h = &pg->hosts[pg->hosts_count++];
		fill_host(h, &t->h[i]);
		fill_health(h, in, i);
		h->evacuate_s = evacuate_s ? evacuate_s[i] : 0;
	}
}

int
codec_sign_command(const vigil_Command *cmd, const uint8_t *key,
    size_t key_len, vigil_SignedCommand *sc)
{
	memset(sc, 0, sizeof(*sc));
	pb_ostream_t os = pb_ostream_from_buffer(sc->command.bytes,
	    sizeof(sc->command.bytes));
	if (!pb_encode(&os, vigil_Command_fields, cmd))
		return VIGIL_E2BIG;
	sc->command.size = (pb_size_t)os.bytes_written;
	auth_mac(key, key_len, sc->command.bytes, sc->command.size,
	    sc->mac.bytes);
	sc->mac.size = AUTH_MAC_LEN;
	return 0;
}

vigil_Result
codec_check_command(struct auth *a, const vigil_SignedCommand *sc,
    int64_t now_s, vigil_Command *cmd)
{
	/* The MAC first: nothing of an unauthenticated command is decoded
	 * or remembered. */
	int r = auth_verify(a, sc->command.bytes, sc->command.size,
	    sc->mac.bytes, sc->mac.size);
	if (r == VIGIL_EACCES)
		return vigil_Result_RESULT_NO_KEY;
	if (r < 0)
		return vigil_Result_RESULT_AUTH;
	pb_istream_t is = pb_istream_from_buffer(sc->command.bytes,
	    sc->command.size);
	if (!pb_decode(&is, vigil_Command_fields, cmd))
		return vigil_Result_RESULT_BAD_REQUEST;
	/* An action this vigild does not know must not use up the nonce. */
	if (cmd->which_action != vigil_Command_reset_counters_tag &&
	    cmd->which_action != vigil_Command_evacuate_tag &&
	    cmd->which_action != vigil_Command_set_mode_tag &&
	    cmd->which_action != vigil_Command_confirm_tag)
		return vigil_Result_RESULT_UNSUPPORTED;
	r = auth_fresh(a, cmd->timestamp, cmd->nonce.bytes, cmd->nonce.size,
	    now_s);
	if (r == VIGIL_EINVAL)
		return vigil_Result_RESULT_BAD_REQUEST;
	if (r == VIGIL_EREPLAY)
		return vigil_Result_RESULT_REPLAY;
	if (r == VIGIL_ENOSPC)
		return vigil_Result_RESULT_BUSY;
	return vigil_Result_RESULT_OK;
}

const char *
codec_result_name(int result)
{
	static const char *const names[] = {
		"ok", "bad request", "unsupported protocol version",
		"unsupported request", "reply too large for UDP; use TCP",
		"no key configured", "authentication failed",
		"replayed or stale request", "busy: too many recent commands",
	};
	if (result < 0 || (size_t)result >= sizeof(names) / sizeof(names[0]))
		return "unknown result";
	return names[result];
}
