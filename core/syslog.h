/*
 * syslog.h - parse one syslog message (RFC 3164 or RFC 5424) into a view.
 *
 * What it does: given the bytes of exactly one message (one UDP datagram,
 * or one message cut out of a TCP stream by core/frame), it finds the PRI,
 * the timestamp (converted to UTC seconds + microseconds), the HOSTNAME,
 * the APP-NAME / TAG, PROCID, MSGID, the raw STRUCTURED-DATA and the free
 * text, and flags everything that was odd about the message.
 *
 * What it does not do: framing (core/frame), copying (every field is a
 * view into the caller's buffer), decoding of structured-data parameters,
 * or trusting anything: the HOSTNAME is recorded as written and must never
 * be used to decide which host sent the message (the source address does
 * that).  It never fails on any input: garbage becomes a SYSLOG_FMT_RAW
 * message whose text is the whole input.
 *
 * Limits: a field longer than VIGIL_MAX_HOSTNAME, VIGIL_MAX_APPNAME,
 * VIGIL_MAX_PROCID or VIGIL_MAX_MSGID is cut to that length and the
 * message is flagged SYSLOG_F_LONGFIELD.  The work is linear in the
 * message length whatever the input (structured data included) and uses a
 * constant amount of stack.
 */
#ifndef VIGIL_SYSLOG_H
#define VIGIL_SYSLOG_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"

enum syslog_format {
	SYSLOG_FMT_RAW = 0,  /* not recognisably syslog: all of it is text */
	SYSLOG_FMT_3164 = 1, /* BSD syslog, also with an RFC 3339 date */
	SYSLOG_FMT_5424 = 2  /* "<PRI>1 ..." */
};

/* Flags: what was odd about a message.  Several may be set at once. */
/* No <PRI>: the default pri 13 (user.notice) is used, RFC 3164 §4.3.3. */
#define SYSLOG_F_NOPRI     0x0001u
/* PRI present but malformed or > 191; the whole input is text. */
#define SYSLOG_F_BADPRI    0x0002u
/* No parseable timestamp (time_s is INT64_MIN). */
#define SYSLOG_F_NOTIME    0x0004u
/* MSG started with a UTF-8 BOM (stripped from text). */
#define SYSLOG_F_BOM       0x0008u
/* text is not valid UTF-8. */
#define SYSLOG_F_BADUTF8   0x0010u
/* The message contained NUL bytes (kept; trailing ones are trimmed). */
#define SYSLOG_F_NUL       0x0020u
/* A header field exceeded its VIGIL_MAX_* limit and was cut. */
#define SYSLOG_F_LONGFIELD 0x0040u
/* Malformed STRUCTURED-DATA: sd holds the well-formed elements before
 * the fault, text starts at the first malformed one. */
#define SYSLOG_F_BADSD     0x0080u
/* text is empty or nothing but whitespace. */
#define SYSLOG_F_EMPTY     0x0100u
/* RFC 5424 header ended before STRUCTURED-DATA, or had an empty field. */
#define SYSLOG_F_BADHDR    0x0200u

/* The default PRI of a message without one (RFC 3164 §4.3.3: user.notice). */
#define SYSLOG_DEFAULT_PRI 13

/* One parsed message.  Every pointer is a view into the buffer given to
 * syslog_parse() and is valid as long as that buffer is; a field that is
 * absent (or NILVALUE "-") is an empty view (len 0, pointer to the start
 * of the buffer, NULL when the buffer is NULL).  The struct holds no state
 * of its own, so it may be copied freely. */
struct syslog_msg {
	int format;   /* enum syslog_format */
	int pri;      /* 0..191; 13 with NOPRI or BADPRI */
	int facility; /* pri / 8 */
	int severity; /* pri % 8: always 0..7 (5 with NOPRI or BADPRI) */
	int64_t time_s;  /* seconds since the epoch (UTC), or INT64_MIN */
	int32_t time_us; /* fraction, microseconds (0 when no time) */
	const char *host;   /* as written; never trusted for identity */
	size_t host_len;
	const char *app;    /* 3164 TAG without [pid] / 5424 APP-NAME */
	size_t app_len;
	const char *procid; /* 3164 "[pid]" contents / 5424 PROCID */
	size_t procid_len;
	const char *msgid;  /* 5424 MSGID; empty for 3164 */
	size_t msgid_len;
	const char *sd;     /* raw well-formed STRUCTURED-DATA; empty if "-" */
	size_t sd_len;
	const char *text;   /* the free-form message, BOM stripped */
	size_t text_len;
	unsigned flags;     /* SYSLOG_F_* */
};

struct syslog_cfg {
	/* Offset of the senders' local time from UTC, in seconds, applied to
	 * dates that carry no zone (RFC 3164 "Mmm dd hh:mm:ss").  0 = UTC.
	 * Values beyond +-26 hours are clamped to that. */
	int64_t tz_offset_s;
};

/*
 * Parse one message of len bytes (no framing; trailing LF, CR and NUL bytes
 * are ignored, see syslog_trim()).  now_s is the receiver's clock (UTC
 * seconds), used only to pick the year of RFC 3164 dates: the year that
 * puts the date closest to now, so a "Dec 31 23:59" message received just
 * after New Year lands in the old year and a "Jan  1 00:00" one received
 * just before it lands in the new year.  now_s outside years 1970..9999 is
 * clamped to them.
 *
 * cfg may be NULL (UTC).  buf may be NULL only when len is 0.  out is
 * filled completely; its views point into buf.
 *
 * Returns 0 with a best-effort view and flags for every input (a message
 * that is not syslog at all is SYSLOG_FMT_RAW with the whole input as
 * text); VIGIL_EINVAL only for a NULL out or a NULL buf with len > 0.
 */
int syslog_parse(const struct syslog_cfg *cfg, const char *buf, size_t len,
    int64_t now_s, struct syslog_msg *out);

/* The length of buf without its trailing LF, CR and NUL bytes (what a UDP
 * datagram or a framed message usually ends with).  buf may be NULL when
 * len is 0.  Never reads outside buf[0..len). */
size_t syslog_trim(const char *buf, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date (y, m 1..12, d);
 * exact for every year in +-2^31.  Exported for tests and for other core
 * modules that need calendar arithmetic without libc time functions. */
int64_t syslog_days_from_civil(int64_t y, int m, int d);

#endif /* VIGIL_SYSLOG_H */
