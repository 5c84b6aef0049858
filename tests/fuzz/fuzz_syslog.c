/*
 * fuzz_syslog.c - syslog_parse() on arbitrary bytes.
 *
 * Checks, for every input: it returns 0; every view lies inside the input
 * and within its limit; PRI, facility, severity, time and flags are
 * consistent; a RAW message's text is the whole (trimmed) input; parsing
 * is deterministic.  libFuzzer hands us an exact-size heap copy, so ASan
 * catches any read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syslog.h"

#define ALL_FLAGS                                                      \
	(SYSLOG_F_NOPRI | SYSLOG_F_BADPRI | SYSLOG_F_NOTIME | SYSLOG_F_BOM | \
	    SYSLOG_F_BADUTF8 | SYSLOG_F_NUL | SYSLOG_F_LONGFIELD |          \
	    SYSLOG_F_BADSD | SYSLOG_F_EMPTY | SYSLOG_F_BADHDR)

/* Years 0000..9999 with any offset: the widest time a date can give. */
#define T_MIN (INT64_C(-62167219200) - 2 * 86400)
#define T_MAX (INT64_C(253402300799) + 2 * 86400)

static void
inside(const char *base, size_t n, const char *p, size_t len, size_t max)
{
	volatile unsigned char sink = 0;

	if (len > max)
		abort();
	if (len == 0)
		return;
	if (p < base || p + len > base + n)
		abort();
	for (size_t k = 0; k < len; k++)
		sink ^= (unsigned char)p[k]; /* touch: ASan checks each byte */
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t nows[] = { 0, INT64_C(1709640000),
		INT64_C(1735689599), INT64_C(253402300799), INT64_MIN,
		INT64_MAX, -1 };
	static const int64_t tzs[] = { 0, -18000, 50400, INT64_MIN, 3600 };
	const char *s = (const char *)data;
	struct syslog_cfg cfg = { .tz_offset_s = tzs[size % 5] };
	int64_t now = nows[size % 7];
	struct syslog_msg m, m2;

	if (syslog_parse(&cfg, s, size, now, &m) != 0)
		abort();
	if (m.format < SYSLOG_FMT_RAW || m.format > SYSLOG_FMT_5424)
		abort();
	if (m.severity < 0 || m.severity > 7 || m.facility < 0 ||
	    m.facility > 23 || m.pri != m.facility * 8 + m.severity)
		abort();
	if ((m.flags & ~ALL_FLAGS) != 0)
		abort();
	if ((m.flags & (SYSLOG_F_NOPRI | SYSLOG_F_BADPRI)) && m.pri != 13)
		abort();
	if ((m.time_s == INT64_MIN) != ((m.flags & SYSLOG_F_NOTIME) != 0))
		abort();
	if (m.time_s != INT64_MIN && (m.time_s < T_MIN || m.time_s > T_MAX))
		abort();
	if (m.time_us < 0 || m.time_us > 999999)
		abort();
	inside(s, size, m.host, m.host_len, VIGIL_MAX_HOSTNAME);
	inside(s, size, m.app, m.app_len, VIGIL_MAX_APPNAME);
	inside(s, size, m.procid, m.procid_len, VIGIL_MAX_PROCID);
	inside(s, size, m.msgid, m.msgid_len, VIGIL_MAX_MSGID);
	inside(s, size, m.sd, m.sd_len, size);
	inside(s, size, m.text, m.text_len, size);
	if (m.format == SYSLOG_FMT_RAW) {
		size_t t = syslog_trim(s, size);
		size_t bom = (m.flags & SYSLOG_F_BOM) ? 3 : 0;

		if (m.text != s + bom || m.text_len + bom != t)
			abort();
	}
	if (m.sd_len > 0 && m.sd[0] != '[')
		abort();
	if (m.text_len > 0 && m.text + m.text_len > s + syslog_trim(s, size))
		abort();

	if (syslog_parse(&cfg, s, size, now, &m2) != 0 ||
	    memcmp(&m, &m2, sizeof m) != 0)
		abort();
	return 0;
}
