/*
 * frame.c - RFC 6587 framing of one syslog TCP stream.
 *
 * What it does: a small state machine fed chunks of any size.  At the
 * start of each message the first byte chooses the framing (RFC 6587
 * §3.4: a digit means octet counting, anything else is LF-terminated).
 * A message that arrives whole in one chunk is handed out in place; one
 * cut across chunks is assembled in buf, one memcpy per chunk.
 * LF-delimited messages are searched with memchr, so the cost is linear
 * in the bytes fed and independent of how the stream is cut into chunks.
 *
 * What it does not do: parse messages, allocate, or look at the bytes of a
 * message beyond finding its end.
 *
 * Limits: see frame.h.  Everything beyond VIGIL_MAX_MSG bytes of a message
 * is consumed and dropped; a malformed octet count is sticky.
 */
#include <string.h>

#include "err.h"
#include "frame.h"

enum {
	FRAME_S_START = 0, /* between messages: next byte picks the framing */
	FRAME_S_COUNT,     /* reading the digits of MSG-LEN */
	FRAME_S_OCTETS,    /* an octet-counted body; want = octets left */
	FRAME_S_LF         /* reading an LF-terminated message */
};

/* Forget the message being assembled (not the stats, not the error). */
static void
clear_msg(struct frame *f)
{
	f->state = FRAME_S_START;
	f->ndigits = 0;
	f->want = 0;
	f->orig_len = 0;
	f->len = 0;
	f->cr_pending = 0;
}

void
frame_init(struct frame *f)
{
	if (f == NULL)
		return;
	/* Only the control words and stats: buf needs no clearing because
	 * nothing reads it beyond f->len. */
	clear_msg(f);
	f->err = 0;
	memset(&f->stats, 0, sizeof f->stats);
}

/* Keep what fits of n more message bytes; n counts toward orig_len either
 * way, which is what tells a truncated message from a full-length one. */
static void
append(struct frame *f, const char *s, size_t n)
{
	size_t room = sizeof f->buf - f->len;
	size_t k = n < room ? n : room;

	if (k > 0)
		memcpy(f->buf + f->len, s, k);
	f->len += k;
	f->orig_len += n;
}

/* Hand out the message and get ready for the next one: the len bytes at
 * p, which are either the ones assembled in buf (they stay there until
 * the next call overwrites them) or, for a message that arrived whole in
 * one chunk, the caller's own bytes, not copied (see frame.h). */
static void
emit(struct frame *f, int octet, const char *p, size_t len,
    const char **msg, size_t *msg_len, int *truncated)
{
	*msg = p;
	*msg_len = len;
	*truncated = f->orig_len > sizeof f->buf;
	f->stats.messages++;
	if (octet)
		f->stats.octet_counted++;
	else
		f->stats.lf_delimited++;
	if (*truncated)
		f->stats.truncated++;
	if (f->orig_len > f->stats.longest)
		f->stats.longest = f->orig_len;
	clear_msg(f);
}

int
frame_feed(struct frame *f, const char *data, size_t len, size_t *used,
    const char **msg, size_t *msg_len, int *truncated)
{
	size_t i = 0;

	if (used != NULL)
		*used = 0;
	if (msg != NULL)
		*msg = NULL;
	if (msg_len != NULL)
		*msg_len = 0;
	if (truncated != NULL)
		*truncated = 0;
	if (f == NULL || used == NULL || msg == NULL || msg_len == NULL ||
	    truncated == NULL || (data == NULL && len > 0))
		return VIGIL_EINVAL;
	if (f->err != 0) {
		/* The connection is being closed; swallow whatever is still
		 * in flight so a caller's loop always ends. */
		*used = len;
		f->stats.bytes += len;
		return f->err;
	}

	while (i < len) {
		unsigned char c = (unsigned char)data[i];

		switch (f->state) {
		case FRAME_S_START:
			/* Nothing consumed here: the byte is read again in the
			 * state it selects. */
			f->state = (c >= '0' && c <= '9') ? FRAME_S_COUNT
			                                  : FRAME_S_LF;
			break;

		case FRAME_S_COUNT:
			if (c >= '0' && c <= '9') {
				/* MSG-LEN = NONZERO-DIGIT *DIGIT (RFC 6587
				 * §3.4.1): a leading zero is not a count. */
				if ((f->ndigits == 0 && c == '0') ||
				    f->ndigits >= VIGIL_MAX_OCTET_DIGITS)
					goto malformed;
				f->want = f->want * 10u + (uint64_t)(c - '0');
				f->ndigits++;
				i++;
			} else if (c == ' ' && f->ndigits > 0) {
				f->state = FRAME_S_OCTETS;
				i++;
			} else {
				goto malformed;
			}
			break;

		case FRAME_S_OCTETS: {
			size_t avail = len - i;
			/* Cast is safe: the value is at most avail. */
			size_t take = f->want < (uint64_t)avail
			    ? (size_t)f->want : avail;

			if (f->orig_len == 0 && take == f->want) {
				/* Whole in this chunk: hand out a view. */
				const char *p = data + i;
				size_t k = take < sizeof f->buf
				    ? take : sizeof f->buf;

				f->orig_len = take;
				i += take;
				emit(f, 1, p, k, msg, msg_len, truncated);
				f->stats.bytes += i;
				*used = i;
				return 1;
			}
			append(f, data + i, take);
			i += take;
			f->want -= take;
			if (f->want == 0) {
				emit(f, 1, f->buf, f->len, msg, msg_len,
				    truncated);
				f->stats.bytes += i;
				*used = i;
				return 1;
			}
			break;
		}

		case FRAME_S_LF: {
			const char *s = data + i;
			const char *lf = memchr(s, '\n', len - i);
			size_t seg = lf != NULL ? (size_t)(lf - s) : len - i;
			size_t n = seg;

			/* A CR held back at the end of the previous chunk is
			 * content if anything but the LF follows it. */
			if (f->cr_pending && n > 0) {
				append(f, "\r", 1);
				f->cr_pending = 0;
			}
			if (lf == NULL) {
				/* Hold back a final CR: it may be the CR of
				 * CRLF, split across chunks. */
				if (s[n - 1] == '\r') {
					n--;
					f->cr_pending = 1;
				}
				append(f, s, n);
				i += seg;
				break;
			}
			if (n > 0 && s[n - 1] == '\r')
				n--;
			f->cr_pending = 0;
			i += seg + 1;
			if (f->orig_len == 0 && n > 0) {
				/* Whole in this chunk: hand out a view. */
				f->orig_len = n;
				emit(f, 0, s, n < sizeof f->buf ? n
				    : sizeof f->buf, msg, msg_len, truncated);
				f->stats.bytes += i;
				*used = i;
				return 1;
			}
			append(f, s, n);
			if (f->orig_len == 0) {
				/* Lone LF or CRLF: keep-alives and blank
				 * lines, nothing to parse (RFC 6587 has no
				 * empty messages). */
				f->stats.empty++;
				clear_msg(f);
				break;
			}
			emit(f, 0, f->buf, f->len, msg, msg_len, truncated);
			f->stats.bytes += i;
			*used = i;
			return 1;
		}

		default:
			/* Our own invariant: state only takes the values
			 * above.  A corrupt copied-in struct is treated as a
			 * broken stream rather than asserted. */
			goto malformed;
		}
	}
	f->stats.bytes += i;
	*used = i;
	return 0;

malformed:
	i++;
	f->err = VIGIL_EFRAME;
	f->stats.malformed++;
	f->stats.bytes += i;
	*used = i;
	clear_msg(f);
	return VIGIL_EFRAME;
}

int
frame_finish(struct frame *f, const char **msg, size_t *msg_len,
    int *truncated)
{
	if (msg != NULL)
		*msg = NULL;
	if (msg_len != NULL)
		*msg_len = 0;
	if (truncated != NULL)
		*truncated = 0;
	if (f == NULL || msg == NULL || msg_len == NULL || truncated == NULL)
		return VIGIL_EINVAL;
	if (f->err != 0)
		return f->err;

	switch (f->state) {
	case FRAME_S_COUNT:
		f->stats.incomplete++;
		break;
	case FRAME_S_OCTETS:
		f->stats.incomplete++;
		if (f->orig_len == 0)
			break;
		/* The sender went away mid-message (it may have crashed:
		 * its last words matter), so deliver what arrived, marked
		 * as cut. */
		emit(f, 1, f->buf, f->len, msg, msg_len, truncated);
		*truncated = 1;
		return 1;
	case FRAME_S_LF:
		/* A pending CR at the very end is dropped like the CR of a
		 * CRLF: it ends the message. */
		if (f->orig_len == 0) {
			if (f->cr_pending)
				f->stats.empty++;
			break;
		}
		emit(f, 0, f->buf, f->len, msg, msg_len, truncated);
		return 1;
	default:
		break;
	}
	clear_msg(f);
	return 0;
}
