/*
 * vigilctl.c - the NOC client and operator CLI of vigild's status
 * channel (proto/vigil.proto).
 *
 *   vigilctl [-s ADDR:PORT] [--udp] [--json] [-t SECONDS] [-k KEYFILE]
 *            [--page N] status | summary | hosts | templates [HOST] |
 *            migrations | reset-counters | evacuate HOST | clear HOST |
 *            mode auto|manual|dry-run | confirm ID
 *
 * Talks TCP (varint length-delimited frames) by default, or UDP (one
 * datagram each way) with --udp.  Host lists come in pages; vigilctl
 * asks for the next page until it has them all and prints each page as
 * it arrives, so it stores no more than one reply.
 *
 * reset-counters, evacuate, clear, mode and confirm are signed commands:
 * they need the NOC key, read from
 * the file named by -k or by the environment variable
 * VIGIL_NOC_KEY_FILE.  The file holds the same hex string as vigild's
 * `noc_key` directive (32..128 hex digits = 16..64 bytes); leading and
 * trailing whitespace is ignored.  Keep it readable by its owner only.
 *
 * Exit status: 0 ok; 1 refused or failed (an error reply, or the
 * connection closed without a reply); 2 usage error (including a missing
 * or malformed key file); 3 cannot connect, or timeout.
 *
 * Does not: retry (a UDP request that gets no answer is a timeout), or
 * sign replies (they are not signed by the protocol).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "err.h"
#include "hosts.h"

#define DEFAULT_SERVER "127.0.0.1:5515"
#define DEFAULT_TIMEOUT_S 5
#define NONCE_LEN 16
#define KEYFILE_MAX 1024      /* bytes read from a key file */

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_CONN = 3 };

static struct {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int udp, json;
	int timeout_ms;
	uint32_t page;           /* hosts per request; 0 = as many as fit */
	const char *keyfile;
} opt;

static int fd = -1;
static uint64_t next_id;
static uint8_t sbuf[VIGIL_STATUS_MAX_FRAME + CODEC_VARINT_MAX];
static uint8_t rbuf[VIGIL_STATUS_MAX_FRAME + CODEC_VARINT_MAX];
static vigil_Request req;
static vigil_Reply rep;
static vigil_Command cmd;

/* ---- output ------------------------------------------------------------- */

/* One table per stats message: field name (as in the .proto, so that
 * the JSON keys equal the protobuf field names) and where it lives. */
struct fdesc {
	const char *name;
	size_t off;
	int is32;
};
#define F64(T, f) {#f, offsetof(T, f), 0}
#define F32(T, f) {#f, offsetof(T, f), 1}

static const struct fdesc ingest_f[] = {
	F64(vigil_IngestStats, received), F64(vigil_IngestStats, accepted),
	F64(vigil_IngestStats, unknown_source),
	F64(vigil_IngestStats, truncated),
	F64(vigil_IngestStats, parse_errors), F64(vigil_IngestStats, empty),
};
static const struct fdesc net_f[] = {
	F64(vigil_NetStats, udp_datagrams), F64(vigil_NetStats, udp_batches),
	F64(vigil_NetStats, udp_truncated), F64(vigil_NetStats, udp_errors),
	F64(vigil_NetStats, tcp_accepted), F64(vigil_NetStats, tcp_refused),
	F64(vigil_NetStats, tcp_unknown_source),
	F64(vigil_NetStats, tcp_closed_idle),
	F64(vigil_NetStats, tcp_closed_frame),
	F64(vigil_NetStats, tcp_closed_peer), F64(vigil_NetStats, tcp_messages),
	F64(vigil_NetStats, tcp_truncated), F64(vigil_NetStats, tcp_bytes),
	F32(vigil_NetStats, tcp_open), F32(vigil_NetStats, tcp_open_high),
	F64(vigil_NetStats, udp_naps), F64(vigil_NetStats, udp_ring_full),
};
static const struct fdesc status_f[] = {
	F64(vigil_StatusStats, requests), F64(vigil_StatusStats, refused_acl),
	F64(vigil_StatusStats, bad_requests),
	F64(vigil_StatusStats, auth_failures), F64(vigil_StatusStats, replays),
	F64(vigil_StatusStats, udp_too_big),
	F64(vigil_StatusStats, counter_resets),
	F32(vigil_StatusStats, tcp_open), F64(vigil_StatusStats, tcp_refused),
	F64(vigil_StatusStats, tcp_closed_idle),
	F64(vigil_StatusStats, udp_dropped_busy),
	F64(vigil_StatusStats, nonces_busy),
	F32(vigil_StatusStats, nonces_used),
	F32(vigil_StatusStats, nonces_high),
};
static const struct fdesc arena_f[] = {
	F64(vigil_ArenaStats, capacity), F64(vigil_ArenaStats, used),
	F64(vigil_ArenaStats, high_water), F64(vigil_ArenaStats, allocs),
	F64(vigil_ArenaStats, frees), F64(vigil_ArenaStats, failures),
	F64(vigil_ArenaStats, allocs_after_seal),
	F64(vigil_ArenaStats, live_blocks),
};
static const struct fdesc drain_f[] = {
	F64(vigil_DrainStats, lines), F64(vigil_DrainStats, matched),
	F64(vigil_DrainStats, created), F64(vigil_DrainStats, evicted),
	F64(vigil_DrainStats, overflow), F64(vigil_DrainStats, long_lines),
	F64(vigil_DrainStats, token_overflow),
	F32(vigil_DrainStats, templates), F32(vigil_DrainStats, templates_high),
	F32(vigil_DrainStats, nodes), F32(vigil_DrainStats, pool_bytes),
};
static const struct fdesc ssh_f[] = {
	F64(vigil_SshStats, connects), F64(vigil_SshStats, connect_failures),
	F64(vigil_SshStats, hostkey_mismatch),
	F64(vigil_SshStats, hostkey_unknown),
	F64(vigil_SshStats, known_hosts_bad),
	F64(vigil_SshStats, auth_failures),
	F64(vigil_SshStats, step_timeouts),
	F64(vigil_SshStats, keepalive_dead), F64(vigil_SshStats, drops),
	F64(vigil_SshStats, execs), F64(vigil_SshStats, exec_ok),
	F64(vigil_SshStats, exec_nonzero), F64(vigil_SshStats, exec_errors),
	F64(vigil_SshStats, exec_timeouts),
	F64(vigil_SshStats, refused_not_ready),
	F64(vigil_SshStats, refused_no_slot), F64(vigil_SshStats, nomem),
	F64(vigil_SshStats, warm_opened), F64(vigil_SshStats, warm_used),
	F64(vigil_SshStats, warm_lost), F32(vigil_SshStats, channels_open),
	F32(vigil_SshStats, channels_high),
	F32(vigil_SshStats, channels_warm), F32(vigil_SshStats, write_us_max),
	F32(vigil_SshStats, connect_ms_max),
};
#define NF(a) (sizeof(a) / sizeof(a[0]))

static uint64_t
fval(const void *msg, const struct fdesc *f)
{
	const char *p = (const char *)msg + f->off;
	if (f->is32) {
		uint32_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* A JSON string: quotes, backslashes and control bytes escaped; other
 * bytes (hostnames from log messages may hold anything) pass through. */
static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
json_fields(const char *name, const void *msg, const struct fdesc *f,
    size_t n)
{
	printf("\"%s\": {", name);
	for (size_t i = 0; i < n; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", f[i].name,
		    fval(msg, &f[i]));
	printf("}");
}

static void
text_fields(const char *name, const void *msg, const struct fdesc *f,
    size_t n)
{
	printf("%-8s", name);
	for (size_t i = 0; i < n; i++) {
		if (i && i % 5 == 0)
			printf("\n%-8s", "");
		printf(" %s=%" PRIu64, f[i].name, fval(msg, &f[i]));
	}
	printf("\n");
}

static void
fmt_time(int64_t t, char *buf, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(buf, cap, "-");
		return;
	}
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
print_summary(const vigil_Summary *s)
{
	if (opt.json) {
		printf("\"summary\": {\"version\": ");
		json_str(s->version);
		printf(", \"uptime_ms\": %" PRIu64 ", \"wall_s\": %" PRId64
		    ", \"start_wall_s\": %" PRId64 ", \"hosts_configured\": %"
		    PRIu32 ", \"reloads\": %" PRIu64 ", \"reload_failures\": %"
		    PRIu64 ", ", s->uptime_ms, s->wall_s, s->start_wall_s,
		    s->hosts_configured, s->reloads, s->reload_failures);
		json_fields("ingest", &s->ingest, ingest_f, NF(ingest_f));
		printf(", ");
		json_fields("net", &s->net, net_f, NF(net_f));
		printf(", ");
		json_fields("status", &s->status, status_f, NF(status_f));
		printf(", ");
		json_fields("arena", &s->arena, arena_f, NF(arena_f));
		printf(", ");
		json_fields("drain", &s->drain, drain_f, NF(drain_f));
		if (s->has_ssh) {
			printf(", ");
			json_fields("ssh", &s->ssh, ssh_f, NF(ssh_f));
		}
		printf("}");
		return;
	}
	char now[32];
	uint64_t up = s->uptime_ms / 1000;
	fmt_time(s->wall_s, now, sizeof(now));
	printf("vigild %s, up %" PRIu64 "d %02" PRIu64 ":%02" PRIu64 ":%02"
	    PRIu64 ", clock %s, %" PRIu32 " hosts, %" PRIu64 " reloads (%"
	    PRIu64 " refused)\n", s->version, up / 86400, up / 3600 % 24,
	    up / 60 % 60, up % 60, now, s->hosts_configured, s->reloads,
	    s->reload_failures);
	text_fields("ingest", &s->ingest, ingest_f, NF(ingest_f));
	text_fields("syslog", &s->net, net_f, NF(net_f));
	text_fields("status", &s->status, status_f, NF(status_f));
	text_fields("arena", &s->arena, arena_f, NF(arena_f));
	text_fields("drain", &s->drain, drain_f, NF(drain_f));
	if (s->has_ssh)
		text_fields("ssh", &s->ssh, ssh_f, NF(ssh_f));
}

/* Width of the host name column: the longest name of the first page. */
static int name_w = 16;

static void
print_hosts_header(const vigil_HostsPage *pg)
{
	if (opt.json) {
		printf("\"hosts\": [");
		return;
	}
	for (pb_size_t i = 0; i < pg->hosts_count; i++) {
		const char *nm = pg->hosts[i].name;
		int n = (int)strnlen(nm, sizeof(pg->hosts[i].name));
		if (n > name_w)
			name_w = n;
	}
	printf("%-*s %-8s %5s %6s %10s %12s %6s %6s %6s %6s %6s %6s %6s %6s "
	    "%6s %6s %-20s %-16s %s\n", name_w, "HOST", "HEALTH", "SCORE",
	    "EVAC_S", "MESSAGES", "BYTES", "EMERG",
	    "ALERT",
	    "CRIT", "ERR", "WARN", "NOTICE", "INFO", "DEBUG", "PARSE", "TRUNC",
	    "LAST_SEEN", "LAST_HOSTNAME", "ADDRESSES");
}

static void
print_host(const vigil_HostStats *h, int first)
{
	char seen[32];
	if (opt.json) {
		printf("%s{\"name\": ", first ? "" : ", ");
		json_str(h->name);
		printf(", \"addresses\": [");
		for (pb_size_t i = 0; i < h->addresses_count; i++) {
			printf("%s", i ? ", " : "");
			json_str(h->addresses[i]);
		}
		printf("], \"messages\": %" PRIu64 ", \"bytes\": %" PRIu64
		    ", \"severity\": [", h->messages, h->bytes);
		for (pb_size_t i = 0; i < h->severity_count; i++)
			printf("%s%" PRIu64, i ? ", " : "", h->severity[i]);
		printf("], \"parse_errors\": %" PRIu64 ", \"truncated\": %"
		    PRIu64
		    ", \"last_seen\": %" PRId64 ", \"last_hostname\": ",
		    h->parse_errors, h->truncated, h->last_seen);
		json_str(h->last_hostname);
		printf(", \"health\": \"%s\", \"score\": %.4f, \"alarms\": %"
		    PRIu64 ", \"novel_templates\": %" PRIu64
		    ", \"evacuate_s\": %" PRIu32 ", \"reasons\": [",
		    health_name(h->health), h->score, h->alarms,
		    h->novel_templates, h->evacuate_s);
		for (pb_size_t i = 0; i < h->reasons_count; i++) {
			printf("%s{\"template_id\": %" PRId32 ", \"weight\": "
			    "%.2f, \"at_ms\": %" PRId64 ", \"text\": ",
			    i ? ", " : "", h->reasons[i].template_id,
			    h->reasons[i].weight, h->reasons[i].at_ms);
			json_str(h->reasons[i].text);
			printf("}");
		}
		printf("]}");
		return;
	}
	uint64_t sev[8] = {0};
	for (pb_size_t i = 0; i < h->severity_count && i < 8; i++)
		sev[i] = h->severity[i];
	fmt_time(h->last_seen, seen, sizeof(seen));
	char evac[16] = "-";
	if (h->evacuate_s)
		snprintf(evac, sizeof(evac), "%" PRIu32, h->evacuate_s);
	printf("%-*s %-8s %5.2f %6s %10" PRIu64 " %12" PRIu64, name_w,
	    h->name, health_name(h->health), h->score, evac, h->messages,
	    h->bytes);
	for (int i = 0; i < 8; i++)
		printf(" %6" PRIu64, sev[i]);
	printf(" %6" PRIu64 " %6" PRIu64 " %-20s ", h->parse_errors,
	    h->truncated, seen);
	/* A hostname from a log message is shown, not interpreted: no
	 * control bytes reach the terminal. */
	char hn[sizeof(h->last_hostname)];
	size_t j = 0;
	for (const char *p = h->last_hostname; *p && j + 1 < sizeof(hn); p++)
		hn[j++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
	hn[j] = 0;
	printf("%-16s ", j ? hn : "-");
	for (pb_size_t i = 0; i < h->addresses_count; i++)
		printf("%s%s", i ? "," : "", h->addresses[i]);
	printf("\n");
	/* Why: the templates that raised the score (already printable). */
	for (pb_size_t i = 0; i < h->reasons_count && h->health; i++)
		printf("%*s reason: +%.2f template %" PRId32 ": %s\n", name_w,
		    "", h->reasons[i].weight, h->reasons[i].template_id,
		    h->reasons[i].text);
}

/* ---- transport ---------------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes.  Returns 0,
 * or EX_CONN on timeout or error (reported). */
static int
wait_fd(short events, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			fprintf(stderr, "vigilctl: timed out\n");
			return EX_CONN;
		}
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "vigilctl: poll: %s\n",
			    strerror(errno));
			return EX_CONN;
		}
	}
}

static int
open_socket(int64_t deadline)
{
	fd = socket(opt.addr.ss_family, (opt.udp ? SOCK_DGRAM : SOCK_STREAM) |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vigilctl: socket: %s\n", strerror(errno));
		return EX_CONN;
	}
	/* UDP too: a connected socket only takes datagrams from the server
	 * and reports ICMP port-unreachable as ECONNREFUSED. */
	if (connect(fd, (struct sockaddr *)&opt.addr, opt.addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		fprintf(stderr, "vigilctl: connect: %s\n", strerror(errno));
		return EX_CONN;
	}
	int r = wait_fd(POLLOUT, deadline);
	if (r)
		return r;
	int err = 0;
	socklen_t el = sizeof(err);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		fprintf(stderr, "vigilctl: connect: %s\n", strerror(err));
		return EX_CONN;
	}
	return 0;
}

static int
send_all(const uint8_t *p, size_t n, int64_t deadline)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = wait_fd(POLLOUT, deadline);
			if (r)
				return r;
			continue;
		}
		fprintf(stderr, "vigilctl: send: %s\n", strerror(errno));
		return errno == ECONNREFUSED ? EX_CONN : EX_FAIL;
	}
	return 0;
}

/* Reads one reply frame (TCP) or datagram (UDP) into rep. */
static int
recv_reply(int64_t deadline)
{
	size_t have = 0, hl = 0, bl = 0;
	for (;;) {
		if (!opt.udp && have) {
			int r = codec_frame_header(rbuf, have, &hl, &bl);
			if (r < 0) {
				fprintf(stderr, "vigilctl: malformed reply "
				    "frame\n");
				return EX_FAIL;
			}
			if (r == 1 && have >= hl + bl)
				break;
		}
		int r = wait_fd(POLLIN, deadline);
		if (r)
			return r;
		ssize_t n = recv(fd, rbuf + have, sizeof(rbuf) - have, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			fprintf(stderr, "vigilctl: recv: %s\n",
			    strerror(errno));
			return errno == ECONNREFUSED ? EX_CONN : EX_FAIL;
		}
		if (n == 0) {
			fprintf(stderr, "vigilctl: connection closed by vigild "
			    "without a reply (not in its noc_allow list?)\n");
			return EX_FAIL;
		}
		if (opt.udp) {
			hl = 0;
			bl = (size_t)n;
			if (bl > VIGIL_STATUS_UDP_MAX) {
				fprintf(stderr, "vigilctl: oversized reply "
				    "datagram\n");
				return EX_FAIL;
			}
			break;
		}
		have += (size_t)n;
	}
	if (codec_decode_reply(rbuf + hl, bl, &rep) < 0) {
		fprintf(stderr, "vigilctl: undecodable reply\n");
		return EX_FAIL;
	}
	return 0;
}

/* Sends req (its id set here) and reads the matching reply into rep.
 * Returns 0 or an exit status; an error result in the reply is reported
 * and gives EX_FAIL. */
static int
roundtrip(void)
{
	int64_t deadline = now_ms() + opt.timeout_ms;
	size_t n = 0;
	int r;

	req.version = CODEC_PROTOCOL;
	req.id = ++next_id;
	if (fd < 0 && (r = open_socket(deadline)) != 0)
		return r;
	uint8_t *body = sbuf + CODEC_VARINT_MAX;
	if (codec_encode_request(&req, body, VIGIL_STATUS_MAX_FRAME, &n) < 0) {
		fprintf(stderr, "vigilctl: request too large\n");
		return EX_FAIL;
	}
	uint8_t *start = body;
	if (!opt.udp) {
		uint8_t hdr[CODEC_VARINT_MAX];
		size_t h = codec_frame_put(hdr, (uint32_t)n);
		start = body - h;
		memcpy(start, hdr, h);
	}
	if ((r = send_all(start, (size_t)(body + n - start), deadline)) != 0)
		return r;
	for (;;) {
		if ((r = recv_reply(deadline)) != 0)
			return r;
		/* A late UDP reply to an earlier request is skipped. */
		if (rep.id == req.id)
			break;
		if (!opt.udp) {
			fprintf(stderr, "vigilctl: reply out of order\n");
			return EX_FAIL;
		}
	}
	if (rep.result != vigil_Result_RESULT_OK) {
		fprintf(stderr, "vigilctl: refused: %s%s%s\n",
		    codec_result_name(rep.result), rep.error[0] ? ": " : "",
		    rep.error[0] ? rep.error : "");
		return EX_FAIL;
	}
	return 0;
}

/* ---- commands ----------------------------------------------------------- */

/* Asks for summary and/or every page of hosts and prints them. */
static int
query(int want_summary, int want_hosts)
{
	uint32_t first = 0, total = 0;
	int r, printed = 0;

	if (opt.json)
		printf("{");
	memset(&req, 0, sizeof(req));
	if (want_summary && want_hosts) {
		req.which_body = vigil_Request_status_tag;
		req.body.status.has_hosts = true;
		req.body.status.hosts.max_hosts = opt.page;
	} else if (want_summary) {
		req.which_body = vigil_Request_summary_tag;
	} else {
		req.which_body = vigil_Request_hosts_tag;
		req.body.hosts.max_hosts = opt.page;
	}
	if ((r = roundtrip()) != 0)
		return r;
	if (want_summary) {
		if (!rep.has_summary) {
			fprintf(stderr, "vigilctl: reply without a summary\n");
			return EX_FAIL;
		}
		print_summary(&rep.summary);
		if (want_hosts)
			printf(opt.json ? ", " : "\n");
	}
	if (!want_hosts) {
		if (opt.json)
			printf("}\n");
		return 0;
	}
	print_hosts_header(&rep.hosts);
	for (;;) {
		if (!rep.has_hosts || rep.hosts.first != first) {
			fprintf(stderr, "vigilctl: reply without the hosts "
			    "asked for\n");
			return EX_FAIL;
		}
		total = rep.hosts.total;
		for (pb_size_t i = 0; i < rep.hosts.hosts_count; i++)
			print_host(&rep.hosts.hosts[i], printed++ == 0);
		first += rep.hosts.hosts_count;
		if (first >= total)
			break;
		if (rep.hosts.hosts_count == 0) {
			/* No progress: the table shrank under us, or a broken
			 * server.  Stop rather than loop. */
			fprintf(stderr, "vigilctl: host list ended early "
			    "(%" PRIu32 " of %" PRIu32 ")\n", first, total);
			return EX_FAIL;
		}
		memset(&req, 0, sizeof(req));
		req.which_body = vigil_Request_hosts_tag;
		req.body.hosts.first = first;
		req.body.hosts.max_hosts = opt.page;
		if ((r = roundtrip()) != 0)
			return r;
	}
	if (opt.json)
		printf("]}\n");
	return 0;
}

/* Reads the key file: one hex string of 32..128 digits, whitespace
 * around it ignored.  Returns the key length, or -1 (reported). */
static long
read_key(const char *path, uint8_t key[VIGIL_MAX_PSK])
{
	char buf[KEYFILE_MAX + 1];
	int kfd = open(path, O_RDONLY | O_CLOEXEC);
	if (kfd < 0) {
		fprintf(stderr, "vigilctl: key file %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	ssize_t n = read(kfd, buf, sizeof(buf));
	close(kfd);
	if (n < 0 || n > KEYFILE_MAX) {
		fprintf(stderr, "vigilctl: key file %s: %s\n", path,
		    n < 0 ? strerror(errno) : "too large");
		return -1;
	}
	size_t b = 0, e = (size_t)n;
	while (b < e && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\n' ||
	    buf[b] == '\r'))
		b++;
	while (e > b && (buf[e - 1] == ' ' || buf[e - 1] == '\t' ||
	    buf[e - 1] == '\n' || buf[e - 1] == '\r'))
		e--;
	int klen = auth_parse_key(buf + b, e - b, key, VIGIL_MAX_PSK);
	memset(buf, 0, sizeof(buf));
	if (klen < 0) {
		fprintf(stderr, "vigilctl: key file %s: expected 32 to %d hex "
		    "digits (as noc_key in vigil.conf)\n", path,
		    2 * VIGIL_MAX_PSK);
		return -1;
	}
	return klen;
}

static int
random_bytes(uint8_t *p, size_t n)
{
	int rfd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return -1;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(rfd, p + got, n - got);
		if (r <= 0) {
			close(rfd);
			return -1;
		}
		got += (size_t)r;
	}
	close(rfd);
	return 0;
}

/* Signs cmd (its action already set) with the NOC key and sends it.
 * what names the command in messages.  Returns 0 or an exit status. */
static int
send_signed(const char *what)
{
	uint8_t key[VIGIL_MAX_PSK];
	const char *path = opt.keyfile ? opt.keyfile :
	    getenv("VIGIL_NOC_KEY_FILE");
	if (!path || !path[0]) {
		fprintf(stderr, "vigilctl: %s needs the NOC key: "
		    "-k KEYFILE or VIGIL_NOC_KEY_FILE\n", what);
		return EX_USAGE;
	}
	long klen = read_key(path, key);
	if (klen < 0)
		return EX_USAGE;

	cmd.timestamp = (int64_t)time(NULL);
	cmd.nonce.size = NONCE_LEN;
	if (random_bytes(cmd.nonce.bytes, NONCE_LEN) < 0) {
		fprintf(stderr, "vigilctl: cannot read /dev/urandom\n");
		return EX_FAIL;
	}
	memset(&req, 0, sizeof(req));
	req.which_body = vigil_Request_command_tag;
	int r = codec_sign_command(&cmd, key, (size_t)klen, &req.body.command);
	memset(key, 0, sizeof(key));
	if (r < 0) {
		fprintf(stderr, "vigilctl: command too large\n");
		return EX_FAIL;
	}
	if ((r = roundtrip()) != 0)
		return r;
	if (opt.json)
		printf("{\"result\": \"ok\", \"done_at\": %" PRId64 "}\n",
		    rep.command.done_at);
	else
		printf("%s: done\n", what);
	return 0;
}

static int
reset_counters(void)
{
	memset(&cmd, 0, sizeof(cmd));
	cmd.which_action = vigil_Command_reset_counters_tag;
	return send_signed("reset-counters");
}

/* evacuate HOST, clear HOST, mode MODE, confirm ID. */
static int
evac_command(const char *command, const char *arg)
{
	memset(&cmd, 0, sizeof(cmd));
	if (!arg) {
		fprintf(stderr, "vigilctl: %s needs an argument\n", command);
		return EX_USAGE;
	}
	if (!strcmp(command, "evacuate") || !strcmp(command, "clear")) {
		size_t n = strlen(arg);
		if (n >= sizeof(cmd.action.evacuate.host)) {
			fprintf(stderr, "vigilctl: host name too long\n");
			return EX_USAGE;
		}
		cmd.which_action = vigil_Command_evacuate_tag;
		memcpy(cmd.action.evacuate.host, arg, n + 1);
		cmd.action.evacuate.clear = command[0] == 'c';
	} else if (!strcmp(command, "mode")) {
		cmd.which_action = vigil_Command_set_mode_tag;
		if (!strcmp(arg, "auto"))
			cmd.action.set_mode.mode = vigil_Mode_MODE_AUTO;
		else if (!strcmp(arg, "manual"))
			cmd.action.set_mode.mode = vigil_Mode_MODE_MANUAL;
		else if (!strcmp(arg, "dry-run"))
			cmd.action.set_mode.mode = vigil_Mode_MODE_DRY_RUN;
		else {
			fprintf(stderr, "vigilctl: mode: auto, manual or "
			    "dry-run\n");
			return EX_USAGE;
		}
	} else {
		char *end;
		unsigned long id = strtoul(arg, &end, 10);
		if (!*arg || *end || id == 0 || id > UINT32_MAX) {
			fprintf(stderr, "vigilctl: confirm: expected a "
			    "recommendation id\n");
			return EX_USAGE;
		}
		cmd.which_action = vigil_Command_confirm_tag;
		cmd.action.confirm.id = (uint32_t)id;
	}
	return send_signed(command);
}

static const char *
mode_name(vigil_Mode m)
{
	return m == vigil_Mode_MODE_AUTO ? "auto" : m == vigil_Mode_MODE_MANUAL ?
	    "manual" : m == vigil_Mode_MODE_DRY_RUN ? "dry-run" : "off";
}

/* Jobs, recommendations and the latest decisions. */
static int
migrations(void)
{
	int r;

	memset(&req, 0, sizeof(req));
	req.which_body = vigil_Request_migrations_tag;
	req.body.migrations.max_decisions = opt.page;
	if ((r = roundtrip()) != 0)
		return r;
	if (!rep.has_migrations) {
		fprintf(stderr, "vigilctl: reply without migrations\n");
		return EX_FAIL;
	}
	const vigil_MigrationsPage *pg = &rep.migrations;
	if (opt.json) {
		printf("{\"mode\": \"%s\", \"breaker_open\": %s, \"started\": %"
		    PRIu64 ", \"done\": %" PRIu64 ", \"failed\": %" PRIu64
		    ", \"alarm_to_command_us_last\": %" PRIu32
		    ", \"alarm_to_command_us_max\": %" PRIu32 ", \"jobs\": [",
		    mode_name(pg->mode), pg->breaker_open ? "true" : "false",
		    pg->started, pg->done, pg->failed,
		    pg->alarm_to_command_us_last, pg->alarm_to_command_us_max);
		for (pb_size_t i = 0; i < pg->jobs_count; i++) {
			const vigil_Job *j = &pg->jobs[i];
			printf("%s{\"slot\": %" PRIu32 ", \"state\": ",
			    i ? ", " : "", j->slot);
			json_str(j->state);
			printf(", \"vm\": ");
			json_str(j->vm);
			printf(", \"source\": ");
			json_str(j->source);
			printf(", \"target\": ");
			json_str(j->target);
			printf(", \"elapsed_ms\": %" PRIu64 ", \"memory_remaining\": %"
			    PRIu64 ", \"memory_total\": %" PRIu64
			    ", \"iteration\": %" PRIu32 ", \"reason\": ",
			    j->elapsed_ms, j->memory_remaining, j->memory_total,
			    j->iteration);
			json_str(j->reason);
			printf("}");
		}
		printf("], \"recommendations\": [");
		for (pb_size_t i = 0; i < pg->recommendations_count; i++) {
			const vigil_Recommendation *c = &pg->recommendations[i];
			printf("%s{\"id\": %" PRIu32 ", \"dry_run\": %s, \"vm\": ",
			    i ? ", " : "", c->id, c->dry_run ? "true" : "false");
			json_str(c->vm);
			printf(", \"source\": ");
			json_str(c->source);
			printf(", \"target\": ");
			json_str(c->target);
			printf(", \"estimate_s\": %" PRIu32 "}", c->estimate_s);
		}
		printf("], \"decisions\": [");
		for (pb_size_t i = 0; i < pg->decisions_count; i++) {
			const vigil_Decision *d = &pg->decisions[i];
			printf("%s{\"seq\": %" PRIu32 ", \"at_ms\": %" PRIu64
			    ", \"kind\": ", i ? ", " : "", d->seq, d->at_ms);
			json_str(d->kind);
			printf(", \"vm\": ");
			json_str(d->vm);
			printf(", \"source\": ");
			json_str(d->source);
			printf(", \"target\": ");
			json_str(d->target);
			printf(", \"reason\": ");
			json_str(d->reason);
			printf("}");
		}
		printf("]}\n");
		return 0;
	}
	printf("mode %s%s; %" PRIu64 " started, %" PRIu64 " done, %" PRIu64
	    " failed; alarm to command %" PRIu32 " us (max %" PRIu32 ")\n",
	    mode_name(pg->mode), pg->breaker_open ? " (BREAKER OPEN: acting "
	    "on no host)" : "", pg->started, pg->done, pg->failed,
	    pg->alarm_to_command_us_last, pg->alarm_to_command_us_max);
	if (pg->jobs_count)
		printf("%-4s %-10s %-20s %-12s %-12s %9s %6s %12s  %s\n", "JOB",
		    "STATE", "VM", "FROM", "TO", "ELAPSED_S", "ITER",
		    "REMAINING_MB", "REASON");
	for (pb_size_t i = 0; i < pg->jobs_count; i++) {
		const vigil_Job *j = &pg->jobs[i];
		printf("%-4" PRIu32 " %-10s %-20s %-12s %-12s %9.1f %6" PRIu32
		    " %12" PRIu64 "  %s\n", j->slot, j->state, j->vm, j->source,
		    j->target, (double)j->elapsed_ms / 1000, j->iteration,
		    j->memory_remaining >> 20, j->reason);
	}
	if (pg->recommendations_count)
		printf("recommendations (vigilctl confirm ID):\n");
	for (pb_size_t i = 0; i < pg->recommendations_count; i++) {
		const vigil_Recommendation *c = &pg->recommendations[i];
		printf("  %" PRIu32 "%s: %s from %s to %s (about %" PRIu32 " s)\n",
		    c->id, c->dry_run ? " (dry run)" : "", c->vm, c->source,
		    c->target, c->estimate_s);
	}
	if (pg->decisions_count)
		printf("decisions, newest first:\n");
	for (pb_size_t i = 0; i < pg->decisions_count; i++) {
		const vigil_Decision *d = &pg->decisions[i];
		printf("  %5" PRIu32 " %-10s %s%s%s%s%s%s%s: %s\n", d->seq, d->kind,
		    d->vm, d->vm[0] ? " " : "", d->source[0] ? "from " : "",
		    d->source, d->target[0] ? " to " : "", d->target,
		    "", d->reason);
	}
	return 0;
}

/* The most frequent templates of one host, or of the rack. */
static int
templates(const char *host)
{
	int r;

	memset(&req, 0, sizeof(req));
	req.which_body = vigil_Request_templates_tag;
	if (host) {
		size_t n = strlen(host);
		if (n >= sizeof(req.body.templates.host)) {
			fprintf(stderr, "vigilctl: host name too long\n");
			return EX_USAGE;
		}
		memcpy(req.body.templates.host, host, n + 1);
	}
	req.body.templates.max = opt.page;
	if ((r = roundtrip()) != 0)
		return r;
	if (!rep.has_templates) {
		fprintf(stderr, "vigilctl: reply without templates\n");
		return EX_FAIL;
	}
	const vigil_TemplatesPage *pg = &rep.templates;
	if (opt.json) {
		printf("{\"host\": ");
		json_str(pg->host);
		printf(", \"live\": %" PRIu32 ", \"templates\": [", pg->live);
		for (pb_size_t i = 0; i < pg->templates_count; i++) {
			const vigil_TemplateStat *t = &pg->templates[i];
			printf("%s{\"id\": %" PRId32 ", \"count\": %" PRIu64
			    ", \"error\": %" PRIu64 ", \"text\": ", i ? ", " : "",
			    t->id, t->count, t->error);
			json_str(t->text);
			printf(", \"text_cut\": %s}", t->text_cut ? "true" : "false");
		}
		printf("]}\n");
		return 0;
	}
	printf("templates of %s (%" PRIu32 " live in the miner)\n",
	    pg->host[0] ? pg->host : "the rack", pg->live);
	printf("%8s %12s  %s\n", "id", "count", "template");
	for (pb_size_t i = 0; i < pg->templates_count; i++) {
		const vigil_TemplateStat *t = &pg->templates[i];
		char cnt[32];
		if (t->error)
			snprintf(cnt, sizeof(cnt), "<=%" PRIu64, t->count);
		else
			snprintf(cnt, sizeof(cnt), "%" PRIu64, t->count);
		printf("%8" PRId32 " %12s  %s%s\n", t->id, cnt, t->text,
		    t->text_cut ? "..." : "");
	}
	return 0;
}

/* ---- options ------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vigilctl [options] COMMAND\n"
	    "commands:\n"
	    "  status          summary and every host's counters\n"
	    "  summary         version, uptime and global counters\n"
	    "  hosts           per-host counters\n"
	    "  templates [HOST] the most frequent log templates of HOST, or\n"
	    "                  of the whole rack (--page N: at most N)\n"
	    "  migrations      evacuation mode, jobs in flight with their\n"
	    "                  progress, recommendations, latest decisions\n"
	    "signed commands (need the NOC key):\n"
	    "  reset-counters  zero the ingest and syslog counters\n"
	    "  evacuate HOST   move HOST's VMs away (treat it as severe)\n"
	    "  clear HOST      give HOST back to its predicted health\n"
	    "  mode auto|manual|dry-run   the evacuation mode\n"
	    "  confirm ID      start recommendation ID (manual mode)\n"
	    "options:\n"
	    "  -s ADDR:PORT    vigild's status address (default %s;\n"
	    "                  IPv6 as [ADDR]:PORT)\n"
	    "  --udp           one datagram each way instead of TCP\n"
	    "  --json          JSON output (keys: the protobuf field names)\n"
	    "  -t SECONDS      connect and reply timeout (default %d)\n"
	    "  --page N        at most N hosts per request (default: as many\n"
	    "                  as fit a frame)\n"
	    "  -k KEYFILE      the NOC key: a file holding the hex string of\n"
	    "                  vigild's noc_key (default:\n"
	    "                  $VIGIL_NOC_KEY_FILE)\n"
	    "  -h, --help      this text\n"
	    "  -V, --version   version\n"
	    "exit: 0 ok, 1 refused or failed, 2 usage, 3 cannot connect or "
	    "timeout\n", DEFAULT_SERVER, DEFAULT_TIMEOUT_S);
}

static int
parse_server(const char *s)
{
	const char *colon;
	char host[64];
	size_t hl;
	struct hosts_addr a;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -1;
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
	}
	host[hl] = 0;
	if (hosts_parse_addr(host, hl, &a) < 0)
		return -1;
	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		return -1;
	memset(&opt.addr, 0, sizeof(opt.addr));
	if (a.family == 4) {
		struct sockaddr_in *s4 = (void *)&opt.addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a.bytes, 4);
		opt.addrlen = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (void *)&opt.addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		memcpy(&s6->sin6_addr, a.bytes, 16);
		opt.addrlen = sizeof(*s6);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *server = DEFAULT_SERVER, *command = NULL, *arg = NULL;

	opt.timeout_ms = DEFAULT_TIMEOUT_S * 1000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EX_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("vigilctl %s (status protocol %d)\n",
			    VIGIL_VERSION, CODEC_PROTOCOL);
			return EX_OK;
		} else if (!strcmp(a, "--udp")) {
			opt.udp = 1;
		} else if (!strcmp(a, "--json")) {
			opt.json = 1;
		} else if (!strcmp(a, "-s") && i + 1 < argc) {
			server = argv[++i];
		} else if (!strcmp(a, "-k") && i + 1 < argc) {
			opt.keyfile = argv[++i];
		} else if (!strcmp(a, "--page") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 1000000) {
				fprintf(stderr, "vigilctl: --page: a positive "
				    "number\n");
				return EX_USAGE;
			}
			opt.page = (uint32_t)n;
		} else if (!strcmp(a, "-t") && i + 1 < argc) {
			char *end;
			long t = strtol(argv[++i], &end, 10);
			if (*end || t < 1 || t > 3600) {
				fprintf(stderr, "vigilctl: -t: 1 to 3600 "
				    "seconds\n");
				return EX_USAGE;
			}
			opt.timeout_ms = (int)t * 1000;
		} else if (a[0] == '-') {
			fprintf(stderr, "vigilctl: unknown option '%s'\n", a);
			usage(stderr);
			return EX_USAGE;
		} else if (!command) {
			command = a;
		} else if (!arg && (!strcmp(command, "templates") ||
		    !strcmp(command, "evacuate") || !strcmp(command, "clear") ||
		    !strcmp(command, "mode") || !strcmp(command, "confirm"))) {
			arg = a;
		} else {
			fprintf(stderr, "vigilctl: unexpected argument "
			    "'%s'\n", a);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (!command) {
		usage(stderr);
		return EX_USAGE;
	}
	if (parse_server(server) < 0) {
		fprintf(stderr, "vigilctl: -s: expected ADDRESS:PORT or "
		    "[IPV6]:PORT, got '%s'\n", server);
		return EX_USAGE;
	}
	int r;
	if (!strcmp(command, "status"))
		r = query(1, 1);
	else if (!strcmp(command, "summary"))
		r = query(1, 0);
	else if (!strcmp(command, "hosts"))
		r = query(0, 1);
	else if (!strcmp(command, "templates"))
		r = templates(arg);
	else if (!strcmp(command, "reset-counters"))
		r = reset_counters();
	else if (!strcmp(command, "migrations"))
		r = migrations();
	else if (!strcmp(command, "evacuate") || !strcmp(command, "clear") ||
	    !strcmp(command, "mode") || !strcmp(command, "confirm"))
		r = evac_command(command, arg);
	else {
		fprintf(stderr, "vigilctl: unknown command '%s'\n", command);
		usage(stderr);
		r = EX_USAGE;
	}
	fflush(stdout);
	if (fd >= 0)
		close(fd);
	return r;
}
