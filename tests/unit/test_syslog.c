/* test_syslog.c - RFC 3164 / RFC 5424 parsing: real-world formats, dates,
 * and every malformed case we could think of.  Written against the limit
 * macros so it passes with default and tiny limits. */
#include <stdint.h>

#include "unit.h"
#include "../../core/err.h"
#include "../../core/syslog.h"

/* 2024-03-05T12:00:00Z: the receiver's clock in most tests. */
#define NOW INT64_C(1709640000)

static struct syslog_msg
parse_n(const char *s, size_t n, int64_t now)
{
	struct syslog_msg m;

	CHECK_EQ(syslog_parse(NULL, s, n, now, &m), 0);
	/* Whatever the input, every view lies inside it. */
	const char *e = s + n;
	CHECK(m.host >= s && m.host + m.host_len <= e);
	CHECK(m.app >= s && m.app + m.app_len <= e);
	CHECK(m.procid >= s && m.procid + m.procid_len <= e);
	CHECK(m.msgid >= s && m.msgid + m.msgid_len <= e);
	CHECK(m.sd >= s && m.sd + m.sd_len <= e);
	CHECK(m.text >= s && m.text + m.text_len <= e);
	CHECK(m.severity >= 0 && m.severity <= 7);
	CHECK_EQ(m.pri, m.facility * 8 + m.severity);
	return m;
}

static struct syslog_msg
parse(const char *s)
{
	return parse_n(s, strlen(s), NOW);
}

static struct syslog_msg
parse_at(const char *s, int64_t now)
{
	return parse_n(s, strlen(s), now);
}

/* ---- calendar ------------------------------------------------------------ */

TEST(syslog_days_from_civil_known_dates)
{
	CHECK_EQ(syslog_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ(syslog_days_from_civil(1969, 12, 31), -1);
	CHECK_EQ(syslog_days_from_civil(2000, 3, 1), 11017);
	CHECK_EQ(syslog_days_from_civil(2024, 2, 29), 19782);
	CHECK_EQ(syslog_days_from_civil(2024, 3, 1), 19783);
	CHECK_EQ(syslog_days_from_civil(9999, 12, 31), 2932896);
	CHECK_EQ(syslog_days_from_civil(0, 3, 1), -719468);
}

/* ---- real-world formats -------------------------------------------------- */

TEST(syslog_logger_rfc3164_with_pid)
{
	/* util-linux 2.38 `logger --rfc3164 -i -t myapp -d` */
	struct syslog_msg m = parse_at(
	    "<13>Nov 22 03:56:54 vm myapp[9167]: hello world",
	    INT64_C(1795319814) + 10);

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_EQ(m.pri, 13);
	CHECK_EQ(m.facility, 1);
	CHECK_EQ(m.severity, 5);
	CHECK_EQ(m.time_s, INT64_C(1795319814));
	CHECK_EQ(m.time_us, 0);
	CHECK_MEM(m.host, m.host_len, "vm");
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_MEM(m.procid, m.procid_len, "9167");
	CHECK_EQ(m.msgid_len, 0);
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "hello world");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_logger_rfc3164_tcp_line)
{
	/* `logger --rfc3164 -T`: LF-terminated, the framer leaves no LF but
	 * the parser must also cope when one is left. */
	struct syslog_msg m = parse_at(
	    "<13>Nov 22 03:56:54 vm myapp: hello tcp\n", INT64_C(1795319814));

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_MEM(m.host, m.host_len, "vm");
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_EQ(m.procid_len, 0);
	CHECK_MEM(m.text, m.text_len, "hello tcp");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_logger_rfc5424_time_quality)
{
	struct syslog_msg m = parse("<13>1 2026-11-22T03:56:54.010178+00:00 vm "
	                            "myapp 9168 - [timeQuality tzKnown=\"1\" "
	                            "isSynced=\"0\"] hello world");

	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_EQ(m.pri, 13);
	CHECK_EQ(m.time_s, INT64_C(1795319814));
	CHECK_EQ(m.time_us, 10178);
	CHECK_MEM(m.host, m.host_len, "vm");
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_MEM(m.procid, m.procid_len, "9168");
	CHECK_EQ(m.msgid_len, 0);
	CHECK_MEM(m.sd, m.sd_len,
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"]");
	CHECK_MEM(m.text, m.text_len, "hello world");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_logger_rfc5424_sd_params_with_escape)
{
	/* logger --rfc5424 --msgid ID47 --sd-id exampleSDID@32473
	 * --sd-param iut="3" --sd-param eventSource="App\"x" */
	struct syslog_msg m = parse(
	    "<13>1 2026-11-22T03:56:54.012621+00:00 vm myapp - ID47 "
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"][exampleSDID@32473 "
	    "iut=\"3\" eventSource=\"App\\\"x\"] hello");

	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_EQ(m.time_us, 12621);
	CHECK_EQ(m.procid_len, 0);
	CHECK_EQ(m.msgid_len, 4 < VIGIL_MAX_MSGID ? 4 : VIGIL_MAX_MSGID);
	CHECK(memcmp(m.msgid, "ID47", m.msgid_len) == 0);
	CHECK_MEM(m.sd, m.sd_len,
	    "[timeQuality tzKnown=\"1\" isSynced=\"0\"][exampleSDID@32473 "
	    "iut=\"3\" eventSource=\"App\\\"x\"]");
	CHECK_MEM(m.text, m.text_len, "hello");
	CHECK_EQ(m.flags & SYSLOG_F_BADSD, 0);
}

TEST(syslog_logger_rfc5424_notime_notq)
{
	/* logger --rfc5424=notq,notime */
	struct syslog_msg m = parse("<13>1 - vm myapp - - - hello");

	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_EQ(m.time_s, INT64_MIN);
	CHECK(m.flags & SYSLOG_F_NOTIME);
	CHECK_MEM(m.host, m.host_len, "vm");
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "hello");
	CHECK_EQ(m.flags, SYSLOG_F_NOTIME);
}

TEST(syslog_logger_rfc5424_nohost)
{
	struct syslog_msg m = parse("<13>1 2026-11-22T03:56:54.031820+00:00 - "
	                            "myapp - - [timeQuality tzKnown=\"1\" "
	                            "isSynced=\"0\"] hello");

	CHECK_EQ(m.host_len, 0);
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_MEM(m.text, m.text_len, "hello");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_rsyslog_forward_format_rfc3339_in_3164)
{
	/* RSYSLOG_ForwardFormat: high-precision RFC 3339 date in a BSD
	 * header. */
	struct syslog_msg m = parse("<30>2024-03-05T14:22:01.123456+01:00 "
	                            "host01 systemd[1]: Started Session 3.");

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_EQ(m.facility, 3);
	CHECK_EQ(m.severity, 6);
	CHECK_EQ(m.time_s, INT64_C(1709644921));
	CHECK_EQ(m.time_us, 123456);
	CHECK_MEM(m.host, m.host_len, "host01");
	CHECK_MEM(m.app, m.app_len, "systemd");
	CHECK_MEM(m.procid, m.procid_len, "1");
	CHECK_MEM(m.text, m.text_len, "Started Session 3.");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_rsyslog_protocol23_format)
{
	/* RSYSLOG_SyslogProtocol23Format ends with a LF. */
	struct syslog_msg m = parse(
	    "<30>1 2024-03-05T14:22:01.123456+01:00 "
	    "host01 systemd 1 - - Started Session 3.\n");

	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_EQ(m.time_s, INT64_C(1709644921));
	CHECK_EQ(m.time_us, 123456);
	CHECK_MEM(m.host, m.host_len, "host01");
	CHECK_MEM(m.app, m.app_len, "systemd");
	CHECK_MEM(m.procid, m.procid_len, "1");
	CHECK_EQ(m.msgid_len, 0);
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "Started Session 3.");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_rsyslog_traditional_forward_with_tz_offset)
{
	/* RSYSLOG_TraditionalForwardFormat from a host on UTC+1. */
	struct syslog_cfg cfg = { .tz_offset_s = 3600 };
	struct syslog_msg m;
	const char *s = "<30>Mar  5 14:22:01 host01 kernel: [ 12.345678] "
	                "usb 1-1: new device";

	CHECK_EQ(syslog_parse(&cfg, s, strlen(s), NOW, &m), 0);
	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_EQ(m.time_s, INT64_C(1709644921));
	CHECK_MEM(m.host, m.host_len, "host01");
	CHECK_MEM(m.app, m.app_len, "kernel");
	CHECK_MEM(m.text, m.text_len, "[ 12.345678] usb 1-1: new device");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_busybox_without_hostname)
{
	/* busybox syslogd forwards "<PRI>Mmm dd hh:mm:ss tag: msg". */
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 root: hello there");

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_EQ(m.time_s, INT64_C(1709648521));
	CHECK_EQ(m.host_len, 0);
	CHECK_MEM(m.app, m.app_len, "root");
	CHECK_MEM(m.text, m.text_len, "hello there");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_busybox_tag_with_pid_without_hostname)
{
	struct syslog_msg m = parse("<86>Mar  5 14:22:01 sshd[123]: Accepted "
	                            "publickey for root");

	CHECK_EQ(m.host_len, 0);
	CHECK_MEM(m.app, m.app_len, "sshd");
	CHECK_MEM(m.procid, m.procid_len, "123");
	CHECK_MEM(m.text, m.text_len, "Accepted publickey for root");
	CHECK_EQ(m.facility, 10);
	CHECK_EQ(m.severity, 6);
}

TEST(syslog_rfc3164_example_from_rfc)
{
	struct syslog_msg m = parse_at("<34>Oct 11 22:14:15 mymachine su: 'su "
	                               "root' failed for lonvick on /dev/pts/8",
	    INT64_C(1065910455) + 3600);

	CHECK_EQ(m.time_s, INT64_C(1065910455));
	CHECK_EQ(m.facility, 4);
	CHECK_EQ(m.severity, 2);
	CHECK_MEM(m.host, m.host_len, "mymachine");
	CHECK_MEM(m.app, m.app_len, "su");
	CHECK_MEM(m.text, m.text_len,
	    "'su root' failed for lonvick on /dev/pts/8");
}

TEST(syslog_rfc5424_example_with_bom)
{
	struct syslog_msg m = parse("<34>1 2003-10-11T22:14:15.003Z "
	                            "mymachine.example.com su - ID47 - "
	                            "\xEF\xBB\xBF'su root' failed");

	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_EQ(m.time_s, INT64_C(1065910455));
	CHECK_EQ(m.time_us, 3000);
	CHECK_MEM(m.app, m.app_len, "su");
	CHECK_EQ(m.procid_len, 0);
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "'su root' failed");
	CHECK_EQ(m.flags & ~SYSLOG_F_LONGFIELD, SYSLOG_F_BOM);
	if (strlen("mymachine.example.com") <= VIGIL_MAX_HOSTNAME) {
		CHECK_MEM(m.host, m.host_len, "mymachine.example.com");
		CHECK_EQ(m.flags, SYSLOG_F_BOM);
	} else {
		CHECK_EQ(m.host_len, VIGIL_MAX_HOSTNAME);
		CHECK(m.flags & SYSLOG_F_LONGFIELD);
	}
}

TEST(syslog_rfc5424_negative_offset_microseconds)
{
	/* RFC 5424 §6.2.3.1 example 5: 05:14:15.000003-07:00. */
	struct syslog_msg m = parse("<165>1 2003-08-24T05:14:15.000003-07:00 "
	                            "192.0.2.1 myproc 8710 - - %% It's time");

	CHECK_EQ(m.facility, 20);
	CHECK_EQ(m.severity, 5);
	CHECK_EQ(m.time_s, INT64_C(1061727255));
	CHECK_EQ(m.time_us, 3);
	CHECK_MEM(m.host, m.host_len, "192.0.2.1");
	CHECK_MEM(m.text, m.text_len, "%% It's time");
}

TEST(syslog_rfc3339_lowercase_and_nanoseconds)
{
	struct syslog_msg m = parse("<13>1 2003-10-11t22:14:15.123456789z h a "
	                            "- - - x");

	CHECK_EQ(m.time_s, INT64_C(1065910455));
	CHECK_EQ(m.time_us, 123456);
	CHECK_EQ(m.flags & SYSLOG_F_NOTIME, 0);
}

TEST(syslog_rfc3164_fraction_and_explicit_year)
{
	struct syslog_msg m = parse("<13>Mar  5 14:22:01.250 h app: x");

	CHECK_EQ(m.time_s, INT64_C(1709648521));
	CHECK_EQ(m.time_us, 250000);
	m = parse_at("<13>Dec 31 2016 23:59:59 h app: x", NOW);
	CHECK_EQ(m.time_s, INT64_C(1483228799));
	CHECK_MEM(m.host, m.host_len, "h");
}

TEST(syslog_leap_second_accepted)
{
	struct syslog_msg m = parse("<13>1 2016-12-31T23:59:60Z h a - - - x");

	CHECK_EQ(m.time_s, INT64_C(1483228799) + 1);
}

TEST(syslog_rfc3164_host_ipv4_and_ipv6)
{
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 10.0.0.1 app: x");

	CHECK_MEM(m.host, m.host_len, "10.0.0.1");
	CHECK_MEM(m.app, m.app_len, "app");
	m = parse("<13>Mar  5 14:22:01 fe80::1 app: x");
	CHECK_MEM(m.host, m.host_len, "fe80::1");
}

TEST(syslog_rfc3164_no_tag_is_text)
{
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 host just some words");

	CHECK_MEM(m.host, m.host_len, "host");
	CHECK_EQ(m.app_len, 0);
	CHECK_MEM(m.text, m.text_len, "just some words");
}

TEST(syslog_rfc3164_url_is_not_a_tag)
{
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 host http://x/y z");

	CHECK_EQ(m.app_len, 0);
	CHECK_MEM(m.text, m.text_len, "http://x/y z");
}

TEST(syslog_rfc3164_no_timestamp_keeps_tag)
{
	struct syslog_msg m = parse("<13>myapp: no date here");

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK(m.flags & SYSLOG_F_NOTIME);
	CHECK_EQ(m.time_s, INT64_MIN);
	CHECK_EQ(m.host_len, 0);
	CHECK_MEM(m.app, m.app_len, "myapp");
	CHECK_MEM(m.text, m.text_len, "no date here");
}

TEST(syslog_hostname_is_recorded_as_written)
{
	/* Even a name that is not ours is only recorded (never trusted). */
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 localhost app: x");

	CHECK_MEM(m.host, m.host_len, "localhost");
}

/* ---- PRI ----------------------------------------------------------------- */

TEST(syslog_no_pri_with_date_is_3164)
{
	struct syslog_msg m = parse("Mar  5 14:22:01 host app: x");

	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_EQ(m.flags, SYSLOG_F_NOPRI);
	CHECK_EQ(m.pri, 13);
	CHECK_EQ(m.severity, 5);
	CHECK_MEM(m.host, m.host_len, "host");
	CHECK_MEM(m.text, m.text_len, "x");
}

TEST(syslog_no_pri_garbage_is_raw)
{
	struct syslog_msg m = parse("hello world");

	CHECK_EQ(m.format, SYSLOG_FMT_RAW);
	CHECK(m.flags & SYSLOG_F_NOPRI);
	CHECK_EQ(m.pri, 13);
	CHECK_EQ(m.severity, 5);
	CHECK_MEM(m.text, m.text_len, "hello world");
}

TEST(syslog_pri_over_191_is_bad)
{
	struct syslog_msg m = parse("<192>Mar  5 14:22:01 host app: x");

	CHECK_EQ(m.format, SYSLOG_FMT_RAW);
	CHECK(m.flags & SYSLOG_F_BADPRI);
	CHECK_EQ(m.pri, 13);
	CHECK_EQ(m.severity, 5);
	CHECK_MEM(m.text, m.text_len, "<192>Mar  5 14:22:01 host app: x");
}

TEST(syslog_pri_malformed_variants)
{
	static const char *bad[] = { "<>x", "<1234>x", "<013>x", "<00>x", "<13",
		"<1a>x", "<", "<-1>x", "< 13>x", "<999999999999999999999>x" };

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct syslog_msg m = parse(bad[k]);

		CHECK_EQ(m.format, SYSLOG_FMT_RAW);
		CHECK(m.flags & SYSLOG_F_BADPRI);
		CHECK_EQ(m.severity, 5);
		CHECK_MEM(m.text, m.text_len, bad[k]);
	}
}

TEST(syslog_pri_extremes_0_and_191)
{
	struct syslog_msg m = parse("<0>1 - h a - - - x");

	CHECK_EQ(m.pri, 0);
	CHECK_EQ(m.facility, 0);
	CHECK_EQ(m.severity, 0);
	m = parse("<191>1 - h a - - - x");
	CHECK_EQ(m.facility, 23);
	CHECK_EQ(m.severity, 7);
	CHECK_EQ(m.flags & SYSLOG_F_BADPRI, 0);
}

/* ---- bytes --------------------------------------------------------------- */

TEST(syslog_nul_bytes_flagged_and_kept)
{
	static const char s[] = "<13>Mar  5 14:22:01 h app: a\0b";
	struct syslog_msg m = parse_n(s, sizeof s - 1, NOW);

	CHECK(m.flags & SYSLOG_F_NUL);
	CHECK_EQ(m.text_len, 3);
	CHECK(memcmp(m.text, "a\0b", 3) == 0);
}

TEST(syslog_trailing_nul_trimmed_not_flagged)
{
	static const char s[] = "<13>Mar  5 14:22:01 h app: ab\0\0";
	struct syslog_msg m = parse_n(s, sizeof s - 1, NOW);

	CHECK_EQ(m.flags & SYSLOG_F_NUL, 0);
	CHECK_MEM(m.text, m.text_len, "ab");
}

/* The byte checks read eight bytes at a time: a NUL or a byte >= 0x80 is
 * seen at every offset and in every tail length, and a high byte in the
 * header alone does not make the (ASCII) text invalid. */
TEST(syslog_nul_and_high_bytes_seen_at_every_offset)
{
	static const char head[] = "<13>1 - h a - - - ";
	char buf[64];
	size_t hl = sizeof head - 1;

	for (size_t tl = 1; tl <= 24; tl++) {
		for (size_t at = 0; at < tl; at++) {
			struct syslog_msg m;

			memcpy(buf, head, hl);
			memset(buf + hl, 'a', tl);
			m = parse_n(buf, hl + tl, NOW);
			CHECK_EQ(m.flags & (SYSLOG_F_NUL | SYSLOG_F_BADUTF8), 0);
			buf[hl + at] = '\0';
			buf[hl + tl] = 'z'; /* past the end: never read */
			m = parse_n(buf, hl + tl, NOW);
			CHECK_EQ(m.flags & SYSLOG_F_NUL,
			    at + 1 < tl ? SYSLOG_F_NUL : 0u);
			buf[hl + at] = (char)0xFF;
			m = parse_n(buf, hl + tl, NOW);
			CHECK(m.flags & SYSLOG_F_BADUTF8);
			CHECK_EQ(m.flags & SYSLOG_F_NUL, 0);
		}
	}
	struct syslog_msg m = parse("<13>1 - h\xC3\xA9 a - - - ascii text");
	CHECK_EQ(m.flags & SYSLOG_F_BADUTF8, 0);
}

TEST(syslog_invalid_utf8_flagged)
{
	static const char *bad[] = { "\xC3\x28", "\xC0\xAF", "\xED\xA0\x80",
		"\xF4\x90\x80\x80", "ok \xE2\x82", "\xFF", "\x80",
		"\xF8\x88\x80\x80\x80" };
	char buf[64];

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(buf, sizeof buf, "<13>1 - h a - - - %s", bad[k]);
		struct syslog_msg m = parse(buf);

		CHECK(m.flags & SYSLOG_F_BADUTF8);
		CHECK_MEM(m.text, m.text_len, bad[k]);
	}
}

TEST(syslog_valid_utf8_not_flagged)
{
	struct syslog_msg m = parse("<13>1 - h a - - - h\xC3\xA9llo "
	                            "\xE2\x82\xAC \xF0\x9D\x84\x9E "
	                            "\xEF\xBF\xBD");

	CHECK_EQ(m.flags & SYSLOG_F_BADUTF8, 0);
}

TEST(syslog_bom_in_3164_stripped)
{
	struct syslog_msg m = parse(
	    "<13>Mar  5 14:22:01 h app: \xEF\xBB\xBFhi");

	CHECK(m.flags & SYSLOG_F_BOM);
	CHECK_MEM(m.text, m.text_len, "hi");
}

TEST(syslog_empty_inputs)
{
	static const char *empty[] = { "", "\n", "\r\n", "   ", "<13>",
		"<13>Mar  5 14:22:01 h app:", "<13>1 - h a - - -", "\t \t" };

	for (size_t k = 0; k < sizeof empty / sizeof empty[0]; k++) {
		struct syslog_msg m = parse(empty[k]);

		CHECK(m.flags & SYSLOG_F_EMPTY);
		CHECK_EQ(m.severity, 5);
	}
	struct syslog_msg m;
	CHECK_EQ(syslog_parse(NULL, NULL, 0, NOW, &m), 0);
	CHECK_EQ(m.format, SYSLOG_FMT_RAW);
	CHECK_EQ(m.flags, SYSLOG_F_EMPTY | SYSLOG_F_NOPRI | SYSLOG_F_NOTIME);
	CHECK_EQ(m.text_len, 0);
}

TEST(syslog_crlf_trimmed)
{
	struct syslog_msg m = parse("<13>Mar  5 14:22:01 h app: x\r\n");

	CHECK_MEM(m.text, m.text_len, "x");
	CHECK_EQ(m.flags, 0);
}

TEST(syslog_null_arguments_einval)
{
	struct syslog_msg m;

	CHECK_EQ(syslog_parse(NULL, "x", 1, NOW, NULL), VIGIL_EINVAL);
	CHECK_EQ(syslog_parse(NULL, NULL, 1, NOW, &m), VIGIL_EINVAL);
}

TEST(syslog_trim_strips_lf_cr_nul_only)
{
	CHECK_EQ(syslog_trim("ab\r\n\0\n", 6), 2);
	CHECK_EQ(syslog_trim("ab \t", 4), 4);
	CHECK_EQ(syslog_trim("\n\n", 2), 0);
	CHECK_EQ(syslog_trim(NULL, 0), 0);
	CHECK_EQ(syslog_trim("a\nb", 3), 3);
}

/* ---- structured data ----------------------------------------------------- */

TEST(syslog_sd_escapes_inside_values)
{
	struct syslog_msg m = parse("<13>1 - h a - - [x@1 k=\"a\\\"]b\\\\\" "
	                            "z=\"]\"][y@2] msg");

	CHECK_EQ(m.flags & SYSLOG_F_BADSD, 0);
	CHECK_MEM(m.sd, m.sd_len, "[x@1 k=\"a\\\"]b\\\\\" z=\"]\"][y@2]");
	CHECK_MEM(m.text, m.text_len, "msg");
}

TEST(syslog_sd_only_no_msg)
{
	struct syslog_msg m = parse("<13>1 - h a - - [a@1 b=\"c\"]");

	CHECK_MEM(m.sd, m.sd_len, "[a@1 b=\"c\"]");
	CHECK_EQ(m.text_len, 0);
	CHECK_EQ(m.flags, SYSLOG_F_NOTIME | SYSLOG_F_EMPTY);
}

TEST(syslog_sd_unterminated_value_becomes_text)
{
	struct syslog_msg m = parse("<13>1 - h a - - [x@1 k=\"v] hello");

	CHECK(m.flags & SYSLOG_F_BADSD);
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "[x@1 k=\"v] hello");
}

TEST(syslog_sd_bad_second_element_keeps_first)
{
	struct syslog_msg m = parse("<13>1 - h a - - [a@1 k=\"v\"][b@1 k=v] m");

	CHECK(m.flags & SYSLOG_F_BADSD);
	CHECK_MEM(m.sd, m.sd_len, "[a@1 k=\"v\"]");
	CHECK_MEM(m.text, m.text_len, "[b@1 k=v] m");
}

TEST(syslog_sd_missing_treated_as_text)
{
	struct syslog_msg m = parse("<13>1 - h a - - hello world");

	CHECK(m.flags & SYSLOG_F_BADSD);
	CHECK_EQ(m.sd_len, 0);
	CHECK_MEM(m.text, m.text_len, "hello world");
}

TEST(syslog_sd_malformed_variants)
{
	static const char *bad[] = { "[]", "[ a]", "[a", "[a b]", "[a b=]",
		"[a b=\"c\"", "[a b=\"c\"x]", "[a]x", "-x",
		"[a=b]", "[a b=\"c\"]]", "[a  b=\"c\"]",
		/* 33 characters: SD-NAME is at most 32 */
		"[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]" };
	char buf[128];

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(buf, sizeof buf, "<13>1 - h a - - %s", bad[k]);
		struct syslog_msg m = parse(buf);

		CHECK(m.flags & SYSLOG_F_BADSD);
		/* The bad part is text: nothing silently lost. */
		CHECK(m.sd_len + m.text_len >= strlen(bad[k]) - 1);
	}
}

TEST(syslog_sd_name_of_32_is_fine)
{
	struct syslog_msg m = parse("<13>1 - h a - - "
	                            "[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa] x");

	CHECK_EQ(m.flags & SYSLOG_F_BADSD, 0);
	CHECK_MEM(m.text, m.text_len, "x");
}

TEST(syslog_huge_sd_linear)
{
	/* 1 MiB of elements: a quadratic scan would time out. */
	static char buf[1 << 20];
	const char *head = "<13>1 - h a - - ";
	const char *el = "[e@1 k=\"v\\\"\"]";
	size_t hl = strlen(head), el_len = strlen(el), n = hl, count = 0;

	memcpy(buf, head, hl);
	while (n + el_len + 8 < sizeof buf) {
		memcpy(buf + n, el, el_len);
		n += el_len;
		count++;
	}
	memcpy(buf + n, " tail", 5);
	n += 5;
	for (int rep = 0; rep < 20; rep++) {
		struct syslog_msg m = parse_n(buf, n, NOW);

		CHECK_EQ(m.flags & SYSLOG_F_BADSD, 0);
		CHECK_EQ(m.sd_len, count * el_len);
		CHECK_MEM(m.text, m.text_len, "tail");
	}
}

TEST(syslog_huge_unterminated_sd_flagged_linear)
{
	/* An open quote running to the end of a huge message, after many
	 * good elements, and a huge run of '[': flagged, the bad part is
	 * text. */
	static char buf[1 << 20];
	const char *head = "<13>1 - h a - - [ok@1][bad@1 k=\"";
	size_t hl = strlen(head);

	memcpy(buf, head, hl);
	memset(buf + hl, 'x', sizeof buf - hl);
	for (int rep = 0; rep < 20; rep++) {
		struct syslog_msg m = parse_n(buf, sizeof buf, NOW);

		CHECK(m.flags & SYSLOG_F_BADSD);
		CHECK_MEM(m.sd, m.sd_len, "[ok@1]");
		CHECK_EQ(m.text_len, sizeof buf - hl + strlen("[bad@1 k=\""));
	}
	memcpy(buf, "<13>1 - h a - - ", 16);
	memset(buf + 16, '[', sizeof buf - 16);
	struct syslog_msg m = parse_n(buf, sizeof buf, NOW);
	CHECK(m.flags & SYSLOG_F_BADSD);
	CHECK_EQ(m.text_len, sizeof buf - 16);
}

/* ---- RFC 5424 header ----------------------------------------------------- */

TEST(syslog_rfc5424_short_header)
{
	static const char *bad[] = { "<13>1 ", "<13>1 -", "<13>1 - host",
		"<13>1 - host app", "<13>1 - host app 12", "<13>1 - h a 1 id",
		"<13>1 - h a 1 id " };

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct syslog_msg m = parse(bad[k]);

		CHECK_EQ(m.format, SYSLOG_FMT_5424);
		CHECK(m.flags & SYSLOG_F_BADHDR);
		CHECK_EQ(m.text_len, 0);
	}
	struct syslog_msg m = parse("<13>1 - host app");
	CHECK_MEM(m.host, m.host_len, "host");
	CHECK_MEM(m.app, m.app_len, "app");
}

TEST(syslog_rfc5424_double_space_flags_header)
{
	struct syslog_msg m = parse("<13>1 -  app - - - x");

	CHECK(m.flags & SYSLOG_F_BADHDR);
}

TEST(syslog_rfc5424_long_fields_cut)
{
	char buf[1024], host[300], app[100], pid[200], mid[64];

	memset(host, 'h', VIGIL_MAX_HOSTNAME + 1);
	host[VIGIL_MAX_HOSTNAME + 1] = 0;
	memset(app, 'a', VIGIL_MAX_APPNAME + 1);
	app[VIGIL_MAX_APPNAME + 1] = 0;
	memset(pid, 'p', VIGIL_MAX_PROCID + 1);
	pid[VIGIL_MAX_PROCID + 1] = 0;
	memset(mid, 'm', VIGIL_MAX_MSGID + 1);
	mid[VIGIL_MAX_MSGID + 1] = 0;
	snprintf(buf, sizeof buf, "<13>1 - %s %s %s %s - text", host, app, pid,
	    mid);
	struct syslog_msg m = parse(buf);

	CHECK(m.flags & SYSLOG_F_LONGFIELD);
	CHECK_EQ(m.host_len, VIGIL_MAX_HOSTNAME);
	CHECK_EQ(m.app_len, VIGIL_MAX_APPNAME);
	CHECK_EQ(m.procid_len, VIGIL_MAX_PROCID);
	CHECK_EQ(m.msgid_len, VIGIL_MAX_MSGID);
	CHECK_MEM(m.text, m.text_len, "text");
}

TEST(syslog_rfc5424_fields_at_limit_not_flagged)
{
	char buf[1024], host[300], app[100];

	memset(host, 'h', VIGIL_MAX_HOSTNAME);
	host[VIGIL_MAX_HOSTNAME] = 0;
	memset(app, 'a', VIGIL_MAX_APPNAME);
	app[VIGIL_MAX_APPNAME] = 0;
	snprintf(buf, sizeof buf, "<13>1 - %s %s - - - t", host, app);
	struct syslog_msg m = parse(buf);

	CHECK_EQ(m.flags & SYSLOG_F_LONGFIELD, 0);
	CHECK_EQ(m.host_len, VIGIL_MAX_HOSTNAME);
	CHECK_EQ(m.app_len, VIGIL_MAX_APPNAME);
}

TEST(syslog_rfc3164_long_host_and_tag_cut)
{
	char buf[1024], host[300], tag[100];

	memset(host, 'h', VIGIL_MAX_HOSTNAME + 1);
	host[VIGIL_MAX_HOSTNAME + 1] = 0;
	memset(tag, 't', VIGIL_MAX_APPNAME + 5);
	tag[VIGIL_MAX_APPNAME + 5] = 0;
	snprintf(buf, sizeof buf, "<13>Mar  5 14:22:01 %s %s[1]: body", host,
	    tag);
	struct syslog_msg m = parse(buf);

	CHECK(m.flags & SYSLOG_F_LONGFIELD);
	CHECK_EQ(m.host_len, VIGIL_MAX_HOSTNAME);
	CHECK_EQ(m.app_len, VIGIL_MAX_APPNAME);
	CHECK_MEM(m.procid, m.procid_len, "1");
	CHECK_MEM(m.text, m.text_len, "body");
}

/* ---- dates --------------------------------------------------------------- */

TEST(syslog_invalid_dates_notime_no_crash)
{
	static const char *bad[] = {
		"<13>Feb 30 10:00:00 h app: x", "<13>Mar  5 25:00:00 h app: x",
		"<13>Mar  5 10:60:00 h app: x", "<13>Mar  5 10:00:61 h app: x",
		"<13>Foo  5 10:00:00 h app: x", "<13>Mar 32 10:00:00 h app: x",
		"<13>Mar  0 10:00:00 h app: x", "<13>Apr 31 10:00:00 h app: x",
		"<13>Mar  5 10:00 h app: x", "<13>Mar  5 1:00:00 h app: x",
		"<13>2024-02-30T10:00:00Z h app: x",
		"<13>2023-02-29T10:00:00Z h app: x",
		"<13>2024-13-01T10:00:00Z h app: x",
		"<13>2024-03-05T10:00:00+24:00 h app: x",
		"<13>2024-03-05T10:00:00+01:60 h app: x",
		"<13>2024-03-05T10:00:00+0100 h app: x",
		"<13>2024-03-05 10:00:00 h app: x",
		"<13>1 2024-02-30T10:00:00Z h a - - - x",
		"<13>1 2024-03-05T24:00:00Z h a - - - x",
		"<13>1 2024-03-05T10:00:00.Z h a - - - x",
		"<13>1 2024-03-05T10:00:00Zjunk h a - - - x",
		"<13>1 2024-3-5T10:00:00Z h a - - - x",
		"<13>1 20240305T100000Z h a - - - x",
	};

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		struct syslog_msg m = parse(bad[k]);

		if (!(m.flags & SYSLOG_F_NOTIME))
			fprintf(stderr, "accepted: %s\n", bad[k]);
		CHECK(m.flags & SYSLOG_F_NOTIME);
		CHECK_EQ(m.time_s, INT64_MIN);
		CHECK(m.text_len > 0);
	}
	/* A 5424 message with a bad date keeps its other fields. */
	struct syslog_msg m = parse("<13>1 2024-02-30T10:00:00Z h a - - - x");
	CHECK_MEM(m.host, m.host_len, "h");
	CHECK_MEM(m.text, m.text_len, "x");
}

TEST(syslog_year_dec31_received_after_new_year_stays_in_old_year)
{
	/* Received 2025-01-01T00:00:05Z. */
	struct syslog_msg m = parse_at("<13>Dec 31 23:59:59 h app: x",
	    INT64_C(1735689605));

	CHECK_EQ(m.time_s, INT64_C(1735689599));
}

TEST(syslog_year_jan1_received_before_new_year_goes_forward)
{
	/* Sender's clock slightly ahead: received 2024-12-31T23:59:58Z. */
	struct syslog_msg m = parse_at("<13>Jan  1 00:00:01 h app: x",
	    INT64_C(1735689598));

	CHECK_EQ(m.time_s, INT64_C(1735689601));
}

TEST(syslog_year_feb29_only_in_leap_year)
{
	struct syslog_msg m = parse_at("<13>Feb 29 12:00:00 h app: x",
	    INT64_C(1709251200)); /* 2024-03-01 */

	CHECK_EQ(m.time_s, INT64_C(1709208000));
	m = parse_at("<13>Feb 29 12:00:00 h app: x",
	    INT64_C(1654041600)); /* 2022-06-01: no leap year within one */
	CHECK(m.flags & SYSLOG_F_NOTIME);
	CHECK_EQ(m.format, SYSLOG_FMT_3164);
	CHECK_MEM(m.text, m.text_len, "Feb 29 12:00:00 h app: x");
}

TEST(syslog_year_new_year_with_tz_offset)
{
	/* Sender on UTC-5 writes Dec 31 20:00:00 local = Jan 1 01:00Z; we
	 * receive it at 2025-01-01T01:00:05Z. */
	struct syslog_cfg cfg = { .tz_offset_s = -5 * 3600 };
	struct syslog_msg m;
	const char *s = "<13>Dec 31 20:00:00 h app: x";

	CHECK_EQ(syslog_parse(&cfg, s, strlen(s), INT64_C(1735693205), &m), 0);
	CHECK_EQ(m.time_s, INT64_C(1735693200));
}

TEST(syslog_extreme_clock_and_offset_no_crash)
{
	static const int64_t nows[] = { INT64_MIN, -1, 0, INT64_MAX,
		INT64_C(253402300799) };
	static const int64_t tzs[] = { INT64_MIN, INT64_MAX, 0, -50400 };

	for (size_t a = 0; a < 5; a++)
		for (size_t b = 0; b < 4; b++) {
			struct syslog_cfg cfg = { .tz_offset_s = tzs[b] };
			struct syslog_msg m;
			const char *s = "<13>Jan  1 00:00:00 h app: x";

			CHECK_EQ(syslog_parse(&cfg, s, strlen(s), nows[a], &m),
			    0);
			CHECK_MEM(m.app, m.app_len, "app");
		}
}

TEST(syslog_truncated_prefixes_never_crash)
{
	/* Every prefix of a full message, parsed from an exact-size copy. */
	const char *full = "<165>1 2003-08-24T05:14:15.000003-07:00 "
	                   "192.0.2.1 myproc 8710 ID [a@1 b=\"c\\\"\"][d@2] "
	                   "\xEF\xBB\xBFhi";
	size_t n = strlen(full);

	for (size_t k = 0; k <= n; k++) {
		char *c = malloc(k + 1);

		CHECK(c != NULL);
		memcpy(c, full, k);
		(void)parse_n(c, k, NOW);
		free(c);
	}
	full = "<13>Mar  5 14:22:01.5 host01 app[12]: hi";
	n = strlen(full);
	for (size_t k = 0; k <= n; k++) {
		char *c = malloc(k + 1);

		CHECK(c != NULL);
		memcpy(c, full, k);
		(void)parse_n(c, k, NOW);
		free(c);
	}
}
