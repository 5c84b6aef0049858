/*
 * frame.h - RFC 6587 framing of a syslog TCP stream, one struct per
 * connection.
 *
 * What it does: cuts a byte stream, delivered in chunks of any size, into
 * messages.  The framing is recognised per message (RFC 6587 §3.4): a
 * message that starts with a digit is octet-counted ("MSG-LEN SP MSG",
 * §3.4.1); anything else is non-transparent, ended by LF (§3.4.2), and a CR
 * just before that LF is dropped.  Empty LF-delimited messages (a lone LF
 * or CRLF) are skipped and counted.
 *
 * What it does not do: parse the message (core/syslog), read sockets, or
 * accept NUL as a trailer (a NUL is message content here; syslog_parse()
 * flags it).
 *
 * Limits: a message longer than VIGIL_MAX_MSG is cut to VIGIL_MAX_MSG
 * bytes, delivered flagged as truncated and counted; the rest of it is
 * skipped so the stream stays in sync.  An octet count with a leading zero,
 * more than VIGIL_MAX_OCTET_DIGITS digits or not followed by SP is a
 * malformed frame: counted, and the caller must close the connection (the
 * error is sticky).  The struct is flat (no pointers) and can be copied
 * with memcpy; it costs VIGIL_MAX_MSG bytes plus a few words.
 */
#ifndef VIGIL_FRAME_H
#define VIGIL_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

#if VIGIL_MAX_OCTET_DIGITS < 1 || VIGIL_MAX_OCTET_DIGITS > 18
#error "VIGIL_MAX_OCTET_DIGITS must be 1..18 (the count is kept in 64 bits)"
#endif
#if (VIGIL_MAX_MSG >= 10 && VIGIL_MAX_OCTET_DIGITS < 2) ||                     \
    (VIGIL_MAX_MSG >= 100 && VIGIL_MAX_OCTET_DIGITS < 3) ||                    \
    (VIGIL_MAX_MSG >= 1000 && VIGIL_MAX_OCTET_DIGITS < 4) ||                   \
    (VIGIL_MAX_MSG >= 10000 && VIGIL_MAX_OCTET_DIGITS < 5) ||                  \
    (VIGIL_MAX_MSG >= 100000 && VIGIL_MAX_OCTET_DIGITS < 6) ||                 \
    (VIGIL_MAX_MSG >= 1000000 && VIGIL_MAX_OCTET_DIGITS < 7) ||                \
    (VIGIL_MAX_MSG >= 10000000 && VIGIL_MAX_OCTET_DIGITS < 8)
#error "VIGIL_MAX_OCTET_DIGITS cannot write VIGIL_MAX_MSG"
#endif

/* Counters of one connection (add them up per listener if wanted). */
struct frame_stats {
	uint64_t messages;      /* delivered by frame_feed and frame_finish */
	uint64_t octet_counted; /* ... of which octet-counted */
	uint64_t lf_delimited;  /* ... of which LF-delimited */
	uint64_t truncated;     /* ... of which over VIGIL_MAX_MSG, cut */
	uint64_t empty;         /* lone LF / CRLF skipped */
	uint64_t malformed;     /* malformed frames (connection to be closed) */
	uint64_t incomplete;    /* message cut short by the end of the stream */
	uint64_t bytes;         /* bytes consumed */
	uint64_t longest;       /* high-water mark: longest, before any cut */
};

/* Framer state.  Flat and memcpy-able; the fields other than stats are
 * private. */
struct frame {
	uint32_t state;     /* FRAME_S_* in frame.c */
	uint32_t ndigits;   /* digits of the octet count read so far */
	uint64_t want;      /* octet count / octets still to read */
	uint64_t orig_len;  /* length of the current message before any cut */
	size_t len;         /* bytes of the current message in buf */
	int cr_pending;     /* LF mode: a CR was seen and not yet stored */
	int err;            /* sticky first error (VIGIL_EFRAME) or 0 */
	char buf[VIGIL_MAX_MSG];
	struct frame_stats stats;
};

/* Reset f for a new connection (state and counters).  Never fails. */
void frame_init(struct frame *f);

/*
 * Feed len bytes of the stream.  Consumes as much of data as it can,
 * stores the count in *used (always > 0 when len > 0) and returns:
 *   1  a complete message is ready: *msg / *msg_len point into f->buf,
 *      or into data itself when the message arrived whole in this call
 *      (valid until the next call on f and while data is unchanged),
 *      *msg_len <= VIGIL_MAX_MSG, and
 *      *truncated is 1 when the original message was longer than
 *      VIGIL_MAX_MSG (the rest is skipped, the stream stays in sync);
 *   0  all of data consumed, need more (*msg NULL, *msg_len 0);
 *   VIGIL_EFRAME  malformed framing: the connection must be closed.
 *      Counted once in stats.malformed; sticky (later calls consume
 *      everything and return VIGIL_EFRAME again without counting);
 *   VIGIL_EINVAL  a NULL pointer (data may be NULL when len is 0).
 * The caller loops:
 *   while (len) { r = frame_feed(f, p, len, &used, &m, &n, &t);
 *                 p += used; len -= used; if (r < 0) close; ... }
 * data is only read, never kept beyond the message handed out.
 */
int frame_feed(struct frame *f, const char *data, size_t len, size_t *used,
    const char **msg, size_t *msg_len, int *truncated);

/*
 * At connection close.  Returns 1 with the final LF-delimited message that
 * had no trailing LF (if any), or with the part received of an
 * octet-counted message cut short (flagged *truncated and counted in
 * stats.incomplete); 0 when there is nothing to deliver (an unfinished
 * octet count is counted in stats.incomplete); VIGIL_EFRAME after a
 * malformed frame; VIGIL_EINVAL for NULL pointers.  Afterwards the
 * message state is empty (stats and a sticky error are kept); call
 * frame_init() before using f for another connection.
 */
int frame_finish(struct frame *f, const char **msg, size_t *msg_len,
    int *truncated);

#endif /* VIGIL_FRAME_H */
