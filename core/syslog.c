/*
 * syslog.c - RFC 3164 / RFC 5424 message parser.
 *
 * What it does: one left-to-right pass over a message, producing views of
 * its fields and flags for what was wrong with it (see syslog.h).  Dates
 * are converted to UTC with our own proleptic Gregorian arithmetic, so no
 * libc time function (and no time zone database) is involved: zone-less
 * dates use the configured offset.
 *
 * What it does not do: copy, unescape or validate structured-data values
 * beyond finding where each element ends, decide where a message came
 * from (the HOSTNAME is untrusted text), or fail.
 *
 * Limits: each field view is cut to its VIGIL_MAX_* length (flag
 * SYSLOG_F_LONGFIELD).  Every loop advances through the message and no
 * byte is examined more than a small constant number of times, so the
 * work is linear in the length whatever the input.
 *
 * Heuristics for RFC 3164 (which describes practice rather than a
 * grammar):
 *  - the timestamp is "Mmm dd hh:mm:ss" (dd may be space-padded), with an
 *    optional ".fraction" and an optional "yyyy " before the time, or an
 *    RFC 3339 timestamp (rsyslog's high-precision forwarding formats);
 *  - the word after the timestamp is the HOSTNAME only if it looks like a
 *    host (letters, digits, ". - _ : %", not ending in ':') and is followed
 *    by a space; busybox and many local senders write no hostname, and the
 *    word is then their "tag:";
 *  - the TAG is a run of printable characters ended by ':' (followed by a
 *    space or the end) or by "[pid]"; a word that is neither is text, so a
 *    URL or a plain sentence is not mistaken for a tag.
 */
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "syslog.h"

/* Protocol constants (not capacities). */
#define PRI_MAX 191          /* facility 23 * 8 + severity 7, RFC 5424 §6.2.1 */
#define PRI_DIGITS 3         /* PRIVAL = 1*3DIGIT */
#define SD_NAME_MAX 32       /* SD-NAME = 1*32PRINTUSASCII, RFC 5424 §6.3 */
#define FRAC_DIGITS 6        /* we keep microseconds */
#define SECS_PER_DAY 86400
#define TZ_CLAMP_S (26 * 3600) /* beyond any real UTC offset */
#define NOW_MIN 0            /* 1970-01-01T00:00:00Z */
#define NOW_MAX INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* PRINTUSASCII, RFC 5424 §6: %d33-126. */
static int
is_print(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Read exactly cnt digits at b[i]; -1 if any is missing or not a digit. */
static int
digits(const unsigned char *b, size_t n, size_t i, int cnt)
{
	int v = 0;

	for (int k = 0; k < cnt; k++) {
		if (i + (size_t)k >= n || !is_digit(b[i + (size_t)k]))
			return -1;
		v = v * 10 + (b[i + (size_t)k] - '0');
	}
	return v;
}

/* ---- calendar ------------------------------------------------------------ */

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01.  The year is shifted to start in March so that
 * the leap day is the last day of the (shifted) year; the count is then
 * whole 400-year eras (146097 days each) plus the day of the era. */
int64_t
syslog_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = floor_div(y, 400);
	yoe = y - era * 400;                                  /* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* 0..146096 */
	return era * 146097 + doe - 719468; /* 719468: 0000-03-01 to 1970 */
}

/* The year of a day count (the inverse of the above, year only). */
static int64_t
year_from_days(int64_t days)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153; /* 0 = March ... 11 = February */

	return yoe + era * 400 + (mp >= 10);
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int64_t y, int m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* A broken-down local time, before the zone is applied. */
struct tm_parts {
	int64_t year; /* -1 when the message gave none (RFC 3164) */
	int mon, day, hour, min, sec;
	int32_t us;
};

static int
time_fields_ok(const struct tm_parts *t)
{
	/* sec 60: a leap second (RFC 3339 §5.7); it counts as the next
	 * second, which is what a POSIX clock shows anyway. */
	return t->mon >= 1 && t->mon <= 12 && t->day >= 1 && t->hour <= 23 &&
	    t->min <= 59 && t->sec <= 60 && t->hour >= 0 && t->min >= 0 &&
	    t->sec >= 0;
}

/* Seconds since the epoch of local time t in year y at offset off, or -1
 * in *ok when the day does not exist in that year (Feb 29, Apr 31...). */
static int64_t
epoch_of(const struct tm_parts *t, int64_t y, int64_t off, int *ok)
{
	*ok = y >= 0 && y <= 9999 && t->day <= days_in_month(y, t->mon);
	if (!*ok)
		return 0;
	return syslog_days_from_civil(y, t->mon, t->day) * SECS_PER_DAY +
	    t->hour * 3600 + t->min * 60 + t->sec - off;
}

/* Optional ".digits" at b[*i]: microseconds; digits past the sixth are
 * read and dropped (some senders write nanoseconds). */
static int32_t
fraction(const unsigned char *b, size_t n, size_t *i)
{
	size_t k = *i;
	int32_t us = 0;
	int nd = 0;

	if (k + 1 >= n || b[k] != '.' || !is_digit(b[k + 1]))
		return 0;
	k++;
	while (k < n && is_digit(b[k])) {
		if (nd < FRAC_DIGITS) {
			us = us * 10 + (b[k] - '0');
			nd++;
		}
		k++;
	}
	while (nd++ < FRAC_DIGITS)
		us *= 10;
	*i = k;
	return us;
}

/* "hh:mm:ss" at b[i]; 1 when all three are two digits. */
static int
clock_hms(const unsigned char *b, size_t n, size_t i, struct tm_parts *t)
{
	t->hour = digits(b, n, i, 2);
	t->min = digits(b, n, i + 3, 2);
	t->sec = digits(b, n, i + 6, 2);
	return t->hour >= 0 && t->min >= 0 && t->sec >= 0 && b[i + 2] == ':' &&
	    b[i + 5] == ':';
}

/*
 * RFC 3339 date-time at b[i] (RFC 5424 §6.2.3):
 *   YYYY-MM-DD T hh:mm:ss [.frac] (Z | +hh:mm | -hh:mm)
 * 't' and 'z' are accepted too (RFC 3339 §5.6 allows them).  A missing
 * offset (not allowed by RFC 5424, seen in practice) means local time at
 * cfg's offset.  Returns the bytes used, 0 when it is not a valid date.
 */
static size_t
parse_rfc3339(const unsigned char *b, size_t n, size_t i, int64_t tz,
    int64_t *ts, int32_t *us)
{
	struct tm_parts t;
	size_t k = i;
	int64_t off = tz;
	int ok;

	t.year = digits(b, n, k, 4);
	t.mon = digits(b, n, k + 5, 2);
	t.day = digits(b, n, k + 8, 2);
	if (t.year < 0 || t.mon < 0 || t.day < 0 || b[k + 4] != '-' ||
	    b[k + 7] != '-' || k + 10 >= n || (b[k + 10] != 'T' &&
	    b[k + 10] != 't'))
		return 0;
	k += 11;
	if (k + 8 > n || !clock_hms(b, n, k, &t))
		return 0;
	k += 8;
	t.us = fraction(b, n, &k);
	if (k < n && (b[k] == 'Z' || b[k] == 'z')) {
		off = 0;
		k++;
	} else if (k < n && (b[k] == '+' || b[k] == '-')) {
		int oh = digits(b, n, k + 1, 2), om = digits(b, n, k + 4, 2);

		if (oh < 0 || om < 0 || b[k + 3] != ':' || oh > 23 || om > 59)
			return 0;
		off = (int64_t)oh * 3600 + om * 60;
		if (b[k] == '-')
			off = -off;
		k += 6;
	}
	if (!time_fields_ok(&t))
		return 0;
	*ts = epoch_of(&t, t.year, off, &ok);
	if (!ok)
		return 0;
	*us = t.us;
	return k - i;
}

static int
month_of(const unsigned char *b)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	/* ASCII case folding: senders differ in case. */
	uint32_t key = (uint32_t)(b[0] | 0x20) << 16 |
	    (uint32_t)(b[1] | 0x20) << 8 | (uint32_t)(b[2] | 0x20);

	for (int m = 0; m < 12; m++) {
		const char *p = names + m * 3;

		if (key == ((uint32_t)(unsigned char)p[0] << 16 |
		    (uint32_t)(unsigned char)p[1] << 8 |
		    (uint32_t)(unsigned char)p[2]))
			return m + 1;
	}
	return 0;
}

/*
 * RFC 3164 §4.1.2 "Mmm dd hh:mm:ss" at b[i], also "Mmm d hh:mm:ss" (day
 * not padded), an optional ".frac" after the seconds and an optional
 * "yyyy " before the time (Cisco-style).  Without a year, the year is the
 * one that puts the date closest to now_s: a date just before New Year
 * received just after it stays in the old year, and the other way round.
 * Returns the bytes used, 0 when it is not a valid date.
 */
static size_t
parse_3164_date(const unsigned char *b, size_t n, size_t i, int64_t tz,
    int64_t now_s, int64_t *ts, int32_t *us)
{
	struct tm_parts t;
	size_t k = i;
	int64_t best = 0, best_d = -1;
	int ok;

	if (k + 4 > n || (t.mon = month_of(b + k)) == 0 || b[k + 3] != ' ')
		return 0;
	k += 4;
	if (k < n && b[k] == ' ')
		k++; /* "Jan  5": day padded with a space */
	if (k < n && is_digit(b[k]) && k + 1 < n && is_digit(b[k + 1])) {
		t.day = (b[k] - '0') * 10 + (b[k + 1] - '0');
		k += 2;
	} else if (k < n && is_digit(b[k])) {
		t.day = b[k] - '0';
		k++;
	} else {
		return 0;
	}
	if (k >= n || b[k] != ' ')
		return 0;
	k++;
	t.year = -1;
	if (k + 4 < n && b[k + 4] == ' ' && digits(b, n, k, 4) >= 0) {
		t.year = digits(b, n, k, 4);
		k += 5;
	}
	if (k + 8 > n || !clock_hms(b, n, k, &t))
		return 0;
	k += 8;
	t.us = fraction(b, n, &k);
	if (!time_fields_ok(&t) || t.day > 31)
		return 0;
	if (t.year >= 0) {
		*ts = epoch_of(&t, t.year, tz, &ok);
		if (!ok)
			return 0;
	} else {
		int64_t ny;

		ny = year_from_days(floor_div(now_s + tz, SECS_PER_DAY));

		/* Within 182 days of now in this year: the other years are
		 * at least 365 - 182 days away, so this one is the nearest
		 * (the usual case, decided with one date). */
		best = epoch_of(&t, ny, tz, &ok);
		if (!ok || best - now_s >= 182 * SECS_PER_DAY ||
		    now_s - best >= 182 * SECS_PER_DAY) {
			for (int64_t y = ny - 1; y <= ny + 1; y++) {
				int64_t e = epoch_of(&t, y, tz, &ok);
				int64_t d = e > now_s ? e - now_s : now_s - e;

				if (ok && (best_d < 0 || d < best_d)) {
					best = e;
					best_d = d;
				}
			}
			if (best_d < 0)
				return 0; /* Feb 29, no leap year near now */
		}
		*ts = best;
	}
	*us = t.us;
	return k - i;
}

/* ---- fields -------------------------------------------------------------- */

/* Set a view, cut to max (and flagged) if longer. */
static void
view(const unsigned char *s, size_t len, size_t max, const char **p,
    size_t *plen, unsigned *flags)
{
	if (len > max) {
		len = max;
		*flags |= SYSLOG_F_LONGFIELD;
	}
	*p = (const char *)s;
	*plen = len;
}

/* A 3164 word that may be a HOSTNAME: letters, digits and ". - _ : %"
 * (names, IPv4, IPv6 with zone), not ending in ':' (that is a "tag:"). */
static int
hostlike(const unsigned char *s, size_t len)
{
	if (len == 0 || s[len - 1] == ':')
		return 0;
	for (size_t k = 0; k < len; k++)
		if (!is_alnum(s[k]) && s[k] != '.' && s[k] != '-' &&
		    s[k] != '_' && s[k] != ':' && s[k] != '%')
			return 0;
	return 1;
}

/* A character of a 3164 TAG name: printable, and not what ends a TAG. */
static int
tagchar(unsigned char c)
{
	return is_print(c) && c != ':' && c != '[';
}

/* RFC 3164 after the PRI (at b[i]).  Returns 0, or -1 when nothing
 * syslog-like was found (the caller then makes the message RAW). */
static int
parse_3164(const unsigned char *b, size_t n, size_t i, int64_t now_s,
    int64_t tz, struct syslog_msg *m)
{
	size_t tl, j, k;
	int have_time = 0;

	tl = parse_3164_date(b, n, i, tz, now_s, &m->time_s, &m->time_us);
	if (tl == 0)
		tl = parse_rfc3339(b, n, i, tz, &m->time_s, &m->time_us);
	if (tl > 0 && (i + tl == n || b[i + tl] == ' ')) {
		have_time = 1;
		i += tl;
		while (i < n && b[i] == ' ')
			i++;
	} else {
		m->time_s = INT64_MIN;
		m->time_us = 0;
		m->flags |= SYSLOG_F_NOTIME;
		/* RFC 3164 §4.3.2: without a timestamp, everything after the
		 * PRI is content, but a leading "tag:" is still worth
		 * having.  Without a PRI either, this is not syslog. */
		if (m->flags & SYSLOG_F_NOPRI)
			return -1;
	}
	m->format = SYSLOG_FMT_3164;

	if (have_time) {
		for (j = i; j < n && b[j] != ' '; j++)
			;
		if (j < n && hostlike(b + i, j - i)) {
			view(b + i, j - i, VIGIL_MAX_HOSTNAME, &m->host,
			    &m->host_len, &m->flags);
			i = j;
			while (i < n && b[i] == ' ')
				i++;
		}
	}

	for (j = i; j < n && tagchar(b[j]); j++)
		;
	if (j > i && j < n && b[j] == ':' && (j + 1 == n || b[j + 1] == ' ')) {
		view(b + i, j - i, VIGIL_MAX_APPNAME, &m->app, &m->app_len,
		    &m->flags);
		i = j + 1;
	} else if (j > i && j < n && b[j] == '[') {
		for (k = j + 1; k < n && is_print(b[k]) && b[k] != ']'; k++)
			;
		if (k < n && b[k] == ']' &&
		    (k + 1 == n || b[k + 1] == ' ' ||
		        (b[k + 1] == ':' && (k + 2 == n || b[k + 2] == ' ')))) {
			view(b + i, j - i, VIGIL_MAX_APPNAME, &m->app,
			    &m->app_len, &m->flags);
			view(b + j + 1, k - j - 1, VIGIL_MAX_PROCID, &m->procid,
			    &m->procid_len, &m->flags);
			i = k + 1;
			if (i < n && b[i] == ':')
				i++;
		}
	}
	/* The one space after "tag:" is a separator; more is content. */
	if (m->app_len > 0 && i < n && b[i] == ' ')
		i++;
	m->text = (const char *)b + i;
	m->text_len = n - i;
	return 0;
}

/* SD-NAME characters (RFC 5424 §6.3.2): PRINTUSASCII except = SP ] ". */
static int
sdname_char(unsigned char c)
{
	return is_print(c) && c != '=' && c != ']' && c != '"';
}

/* Length of an SD-NAME at b[*k] (advancing *k), or 0 if it is empty or
 * longer than the RFC allows. */
static size_t
sd_name(const unsigned char *b, size_t n, size_t *k)
{
	size_t s = *k;

	while (*k < n && sdname_char(b[*k]))
		(*k)++;
	return (*k - s >= 1 && *k - s <= SD_NAME_MAX) ? *k - s : 0;
}

/*
 * STRUCTURED-DATA at b[i] (b[i] == '['), RFC 5424 §6.3:
 *   1*( "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]" )
 * with \" \\ \] escapes in values.  Returns the end of the last
 * well-formed element; *bad is set when the data went wrong after it.
 * One pass, each byte looked at once or twice.
 */
static size_t
parse_sd(const unsigned char *b, size_t n, size_t i, int *bad)
{
	size_t k = i, good = i;

	*bad = 1;
	while (k < n && b[k] == '[') {
		k++;
		if (sd_name(b, n, &k) == 0)
			return good;
		for (;;) {
			if (k >= n)
				return good;
			if (b[k] == ']')
				break;
			if (b[k] != ' ')
				return good;
			k++;
			if (sd_name(b, n, &k) == 0)
				return good;
			if (k + 1 >= n || b[k] != '=' || b[k + 1] != '"')
				return good;
			k += 2;
			while (k < n && b[k] != '"') {
				/* Only these three are escapes; any other
				 * backslash is itself (RFC 5424 §6.3.3). */
				if (b[k] == '\\' && k + 1 < n &&
				    (b[k + 1] == '"' || b[k + 1] == '\\' ||
				        b[k + 1] == ']'))
					k++;
				k++;
			}
			if (k >= n)
				return good;
			k++;
		}
		k++;
		good = k;
	}
	/* What follows the last element must be SP MSG or nothing. */
	if (k == n || b[k] == ' ')
		*bad = 0;
	return good;
}

/* RFC 5424 after "<PRI>" at b[i] ("1 ...").  Fills m; never fails. */
static void
parse_5424(const unsigned char *b, size_t n, size_t i, int64_t tz,
    struct syslog_msg *m)
{
	/* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each ended by one SP. */
	static const size_t max[5] = { 0, VIGIL_MAX_HOSTNAME,
		VIGIL_MAX_APPNAME, VIGIL_MAX_PROCID, VIGIL_MAX_MSGID };
	const char **vp[5] = { NULL, &m->host, &m->app, &m->procid, &m->msgid };
	size_t *vl[5] = { NULL, &m->host_len, &m->app_len, &m->procid_len,
		&m->msgid_len };
	int bad;

	m->format = SYSLOG_FMT_5424;
	m->flags |= SYSLOG_F_NOTIME;
	i += 2; /* "1 " */
	for (int f = 0; f < 5; f++) {
		size_t j;

		if (i >= n) {
			m->flags |= SYSLOG_F_BADHDR;
			m->text = (const char *)b + n;
			return;
		}
		for (j = i; j < n && b[j] != ' '; j++)
			;
		if (j == i)
			m->flags |= SYSLOG_F_BADHDR; /* two spaces in a row */
		if (f == 0) {
			int64_t ts;
			int32_t us;

			if (!(j - i == 1 && b[i] == '-') &&
			    parse_rfc3339(b, n, i, tz, &ts, &us) == j - i &&
			    j > i) {
				m->time_s = ts;
				m->time_us = us;
				m->flags &= ~SYSLOG_F_NOTIME;
			}
		} else if (!(j - i == 1 && b[i] == '-')) {
			view(b + i, j - i, max[f], vp[f], vl[f], &m->flags);
		}
		if (j == n) {
			/* The message ended inside the header (even after
			 * MSGID: STRUCTURED-DATA is not optional, RFC 5424
			 * §6), so the header is short. */
			m->flags |= SYSLOG_F_BADHDR;
			m->text = (const char *)b + n;
			return;
		}
		i = j + 1;
	}

	if (i >= n) {
		m->flags |= SYSLOG_F_BADHDR;
		m->text = (const char *)b + n;
		return;
	}
	if (b[i] == '-' && (i + 1 == n || b[i + 1] == ' ')) {
		i += 2;
	} else if (b[i] == '[') {
		size_t good = parse_sd(b, n, i, &bad);

		m->sd = (const char *)b + i;
		m->sd_len = good - i;
		if (bad) {
			/* Keep the good elements; the bad one and all after
			 * it become text, so nothing is silently lost and
			 * the reader sees where it went wrong. */
			m->flags |= SYSLOG_F_BADSD;
			i = good;
		} else {
			i = good + 1;
		}
	} else {
		/* No SD at all where it must be: the sender probably left
		 * it out; its message starts here. */
		m->flags |= SYSLOG_F_BADSD;
	}
	if (i > n)
		i = n;
	m->text = (const char *)b + i;
	m->text_len = n - i;
}

/* ---- message ------------------------------------------------------------- */

#define BYTES_NUL  1u /* scan_bytes: a NUL byte */
#define BYTES_HIGH 2u /* scan_bytes: a byte >= 0x80 */

/* What kinds of bytes s[0..n) holds (BYTES_*), eight at a time: nearly
 * every message is ASCII without NUL, and then this one pass is all the
 * byte-level checking it needs. */
static unsigned
scan_bytes(const unsigned char *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = UINT64_C(0x8080808080808080);
	uint64_t zero = 0, high = 0, w;
	unsigned tail = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		high |= w;
		/* Nonzero exactly when some byte of w is 0 (the borrow can
		 * only mark a byte above a zero one, never invent one). */
		zero |= (w - ones) & ~w;
	}
	for (; i < n; i++) /* the last 0..7 bytes */
		tail |= (s[i] == 0 ? BYTES_NUL : 0u) |
		    (s[i] >= 0x80 ? BYTES_HIGH : 0u);
	return tail | ((zero & highs) ? BYTES_NUL : 0u) |
	    ((high & highs) ? BYTES_HIGH : 0u);
}

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		int more;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			more = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			more = 2;
			if (c == 0xE0)
				lo = 0xA0; /* overlong */
			if (c == 0xED)
				hi = 0x9F; /* surrogates */
		} else if (c >= 0xF0 && c <= 0xF4) {
			more = 3;
			if (c == 0xF0)
				lo = 0x90; /* overlong */
			if (c == 0xF4)
				hi = 0x8F; /* above U+10FFFF */
		} else {
			return 0;
		}
		i++;
		for (int k = 0; k < more; k++, i++) {
			if (i >= n || s[i] < lo || s[i] > hi)
				return 0;
			lo = 0x80;
			hi = 0xBF;
		}
	}
	return 1;
}

size_t
syslog_trim(const char *buf, size_t len)
{
	if (buf == NULL)
		return 0;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == '\0'))
		len--;
	return len;
}

int
syslog_parse(const struct syslog_cfg *cfg, const char *buf, size_t len,
    int64_t now_s, struct syslog_msg *out)
{
	const unsigned char *b = (const unsigned char *)buf;
	int64_t tz = cfg != NULL ? cfg->tz_offset_s : 0;
	size_t n, i = 0;
	unsigned bytes;
	int done = 0;

	if (out == NULL || (buf == NULL && len > 0))
		return VIGIL_EINVAL;

	memset(out, 0, sizeof *out);
	out->format = SYSLOG_FMT_RAW;
	out->pri = SYSLOG_DEFAULT_PRI;
	out->time_s = INT64_MIN;
	/* Empty views point at the start of the buffer, so a caller that
	 * checks "inside the buffer" never sees a stray pointer. */
	out->host = out->app = out->procid = out->msgid = out->sd = buf;
	out->text = buf;
	tz = tz < -TZ_CLAMP_S ? -TZ_CLAMP_S : tz > TZ_CLAMP_S ? TZ_CLAMP_S : tz;
	now_s = now_s < NOW_MIN ? NOW_MIN : now_s > NOW_MAX ? NOW_MAX : now_s;

	n = syslog_trim(buf, len);
	bytes = scan_bytes(b, n);
	if (bytes & BYTES_NUL)
		out->flags |= SYSLOG_F_NUL;

	if (n > 0 && b[0] == '<') {
		int v = 0, nd = 0;

		for (i = 1; i < n && is_digit(b[i]) && nd <= PRI_DIGITS; i++) {
			v = v * 10 + (b[i] - '0');
			nd++;
		}
		/* PRIVAL: 1-3 digits, no leading zero but "<0>", <= 191. */
		if (nd >= 1 && nd <= PRI_DIGITS && i < n && b[i] == '>' &&
		    !(nd > 1 && b[1] == '0') && v <= PRI_MAX) {
			out->pri = v;
			i++;
		} else {
			/* RFC 3164 §4.3.3: an unidentifiable PRI makes the
			 * whole message content under the default PRI. */
			out->flags |= SYSLOG_F_BADPRI;
			i = 0;
			done = 1;
		}
	} else {
		out->flags |= SYSLOG_F_NOPRI;
	}
	out->facility = out->pri >> 3;
	out->severity = out->pri & 7;

	if (!done && !(out->flags & SYSLOG_F_NOPRI) && i + 1 < n &&
	    b[i] == '1' && b[i + 1] == ' ') {
		parse_5424(b, n, i, tz, out);
	} else if (!done && parse_3164(b, n, i, now_s, tz, out) == 0) {
		/* parsed */
	} else {
		out->format = SYSLOG_FMT_RAW;
		out->text = buf;
		out->text_len = n;
	}

	/* Whatever the path (a bad PRI skips the date), no time is NOTIME. */
	if (out->time_s == INT64_MIN) {
		out->time_us = 0;
		out->flags |= SYSLOG_F_NOTIME;
	}

	/* RFC 5424 §6.4: a MSG may start with a BOM to say it is UTF-8.
	 * Other senders copy that, so it is stripped wherever it is. */
	if (out->text_len >= 3 && (unsigned char)out->text[0] == 0xEF &&
	    (unsigned char)out->text[1] == 0xBB &&
	    (unsigned char)out->text[2] == 0xBF) {
		out->text += 3;
		out->text_len -= 3;
		out->flags |= SYSLOG_F_BOM;
	}
	/* The text lies inside b[0..n): pure ASCII there is valid UTF-8. */
	if ((bytes & BYTES_HIGH) &&
	    !utf8_ok((const unsigned char *)out->text, out->text_len))
		out->flags |= SYSLOG_F_BADUTF8;
	{
		size_t k = 0;

		while (k < out->text_len &&
		    is_space((unsigned char)out->text[k]))
			k++;
		if (k == out->text_len)
			out->flags |= SYSLOG_F_EMPTY;
	}
	return 0;
}
