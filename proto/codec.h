/*
 * codec.h - the status protocol's thin encode/decode layer over nanopb
 * (see vigil.proto for the protocol itself).
 *
 * Maps vigild's read-only state (a codec_view of counters and the host
 * table) to the generated structs, frames TCP messages with a varint
 * length, and checks signed commands (MAC, freshness) through core/auth.
 * Shared by vigild (platform/status.c), vigilctl and the fuzz target.
 *
 * Does not: do I/O, read clocks, or allocate (nanopb is built without
 * malloc; every field is bounded by vigil.options).  The generated
 * structs are large (a vigil_Reply is about 23 KiB): callers keep them in
 * static storage.
 */
#ifndef VIGIL_CODEC_H
#define VIGIL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "vigil.pb.h"

#include "arena.h"
#include "auth.h"
#include "ingest.h"
#include "vigild.h"

#define CODEC_PROTOCOL 1     /* PROTOCOL_VERSION_1 */
#define CODEC_VARINT_MAX 5   /* bytes of a frame length prefix */

/* What a summary reports.  Pointers are borrowed for the call only. */
struct codec_view {
	const char *version;
	uint64_t uptime_ms;
	int64_t wall_s;
	int64_t start_wall_s;
	uint64_t reloads;
	uint64_t reload_failures;
	const struct ingest *ingest;
	const struct net_stats *net;
	const struct status_stats *status;
	const struct auth_stats *auth;
	const struct arena_stats *arena;
	uint64_t status_closed_idle;   /* status TCP closed for idleness */
	uint64_t udp_dropped_busy;     /* UDP replies dropped: send busy */
};

/* Reads a TCP frame header from the n bytes at p.  Returns 1 with the
 * header length and the body length set; 0 when more bytes are needed;
 * VIGIL_EFRAME for a varint longer than CODEC_VARINT_MAX bytes;
 * VIGIL_E2BIG for a body longer than VIGIL_STATUS_MAX_FRAME. */
int codec_frame_header(const uint8_t *p, size_t n, size_t *hdr_len,
    size_t *body_len);

/* Writes the varint of len to p (CODEC_VARINT_MAX bytes of room);
 * returns the bytes written. */
size_t codec_frame_put(uint8_t *p, uint32_t len);

/* Decodes n bytes into *req (overwritten).  Returns 0 or VIGIL_EPARSE
 * (malformed, or a field beyond its bound). */
int codec_decode_request(const uint8_t *p, size_t n, vigil_Request *req);
int codec_decode_reply(const uint8_t *p, size_t n, vigil_Reply *rep);

/* Encodes into cap bytes at p, setting *len.  Returns 0 or VIGIL_E2BIG
 * (nothing useful in p then). */
int codec_encode_request(const vigil_Request *req, uint8_t *p, size_t cap,
    size_t *len);

/* Encodes a reply into cap bytes at p.  If it does not fit and
 * shrink_hosts is set, hosts are dropped from the end of the page until
 * it fits (the client asks for the rest with HostsQuery.first).  Returns
 * 0, or VIGIL_E2BIG when it cannot fit. */
int codec_encode_reply(vigil_Reply *rep, uint8_t *p, size_t cap,
    size_t *len, int shrink_hosts);

/* Fills a summary from the view. */
void codec_fill_summary(vigil_Summary *s, const struct codec_view *v);

/* Copies a NUL-terminated string into a field of cap bytes, cut to fit
 * and NUL-terminated, with every byte outside printable ASCII shown as
 * '?' (text from a log or a hypervisor may hold anything; a protobuf
 * string must be UTF-8, and a terminal must not see control bytes).  dst
 * may be src. */
void codec_put_printable(char *dst, size_t cap, const char *src);

/* Fills a page of the hosts of in, with their counters and health: from
 * index first, at most max hosts (0 = as many as the page holds).  A first
 * beyond the table gives an empty page; total always says how many there
 * are.  evacuate_s (per host index, may be NULL) is each host's estimated
 * evacuation time. */
void codec_fill_hosts(vigil_HostsPage *pg, const struct ingest *in,
    const uint32_t *evacuate_s, uint32_t first, uint32_t max);

/* Fills sc with the encoding of cmd and its MAC under key (see
 * SignedCommand in vigil.proto).  Returns 0 or VIGIL_E2BIG. */
int codec_sign_command(const vigil_Command *cmd, const uint8_t *key,
    size_t key_len, vigil_SignedCommand *sc);

/* Checks a signed command: MAC (auth_verify), decoding, a known action,
 * then timestamp and nonce (auth_fresh, which remembers the nonce).
 * Returns the vigil_Result to answer with; *cmd holds the decoded
 * command when it is RESULT_OK. */
vigil_Result codec_check_command(struct auth *a, const vigil_SignedCommand *sc,
    int64_t now_s, vigil_Command *cmd);

/* Fills a page of the most frequent templates, most frequent first, at
 * most max (0 or more than the page holds: as many as it holds): of host
 * idx's bounded table, or of the whole miner when idx < 0. */
void codec_fill_templates(vigil_TemplatesPage *pg, const struct ingest *in,
    int idx, uint32_t max);

/* A short name for a result ("ok", "auth", ...), never NULL. */
const char *codec_result_name(int result);

#endif /* VIGIL_CODEC_H */
