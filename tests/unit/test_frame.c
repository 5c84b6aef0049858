/* test_frame.c - RFC 6587 framing: both framings, per-message recognition,
 * truncation that keeps the stream in sync, malformed counts, and
 * independence from how the stream is cut into chunks.  Written against
 * the limit macros so it passes with default and tiny limits. */
#include <stdint.h>

#include "unit.h"
#include "../../core/err.h"
#include "../../core/frame.h"
#include "../../core/syslog.h"

#define MAXOUT 64

/* What a stream produced: messages (copied), their truncation flags, and
 * the last return code. */
struct out {
	size_t n;
	char msg[MAXOUT][VIGIL_MAX_MSG + 1];
	size_t len[MAXOUT];
	int trunc[MAXOUT];
	int err;
	int finished; /* frame_finish delivered the last message */
};

static struct frame fr;
static struct out o1, o2;

/* A message is a view into fr.buf or, when it arrived whole, into the
 * bytes of the call that returned it (in[0..in_len)), never elsewhere. */
static void
take(struct out *o, const char *m, size_t n, int t, const char *in,
    size_t in_len)
{
	CHECK(o->n < MAXOUT);
	CHECK(n <= VIGIL_MAX_MSG);
	CHECK((m >= fr.buf && m + n <= fr.buf + sizeof fr.buf) ||
	    (in != NULL && m >= in && m + n <= in + in_len));
	memcpy(o->msg[o->n], m, n);
	o->msg[o->n][n] = 0;
	o->len[o->n] = n;
	o->trunc[o->n] = t;
	o->n++;
}

/* Feed s[0..n) in chunks of `chunk` bytes (0: all at once), then close. */
static void
run(struct out *o, const char *s, size_t n, size_t chunk)
{
	memset(o, 0, sizeof *o);
	frame_init(&fr);
	for (size_t off = 0; off < n;) {
		size_t len = chunk == 0 || n - off < chunk ? n - off : chunk;
		const char *p = s + off;

		off += len;
		while (len > 0) {
			const char *m;
			size_t ml, used;
			int t, r = frame_feed(&fr, p, len, &used, &m, &ml, &t);

			CHECK(used > 0 && used <= len);
			if (r == 1)
				take(o, m, ml, t, p, used);
			p += used;
			len -= used;
			if (r < 0) {
				o->err = r;
				return;
			} else if (r == 0) {
				CHECK_EQ(len, 0);
			}
		}
	}
	{
		const char *m;
		size_t ml;
		int t, r = frame_finish(&fr, &m, &ml, &t);

		if (r == 1) {
			take(o, m, ml, t, NULL, 0);
			o->finished = 1;
		}
		CHECK(r == 0 || r == 1);
	}
}

static void
same(const struct out *a, const struct out *b)
{
	CHECK_EQ(a->n, b->n);
	CHECK_EQ(a->err, b->err);
	for (size_t k = 0; k < a->n; k++) {
		CHECK_EQ(a->len[k], b->len[k]);
		CHECK(memcmp(a->msg[k], b->msg[k], a->len[k]) == 0);
		CHECK_EQ(a->trunc[k], b->trunc[k]);
	}
}

#define RUN(o, lit, chunk) run((o), (lit), sizeof(lit) - 1, (chunk))

TEST(frame_lf_single_message)
{
	RUN(&o1, "<13>hello\n", 0);
	CHECK_EQ(o1.n, 1);
	CHECK_STR(o1.msg[0], "<13>hello");
	CHECK_EQ(o1.trunc[0], 0);
	CHECK_EQ(fr.stats.messages, 1);
	CHECK_EQ(fr.stats.lf_delimited, 1);
	CHECK_EQ(fr.stats.octet_counted, 0);
	CHECK_EQ(fr.stats.bytes, 10);
}

TEST(frame_crlf_drops_cr)
{
	RUN(&o1, "<13>a\r\n<13>b\r\n", 0);
	CHECK_EQ(o1.n, 2);
	CHECK_STR(o1.msg[0], "<13>a");
	CHECK_STR(o1.msg[1], "<13>b");
}

TEST(frame_inner_cr_kept_only_final_dropped)
{
	RUN(&o1, "a\rb\r\r\n", 0);
	CHECK_EQ(o1.n, 1);
	CHECK_STR(o1.msg[0], "a\rb\r");
}

TEST(frame_lone_lf_and_crlf_skipped_and_counted)
{
	RUN(&o1, "\n\r\n\n<13>x\n\r\n", 0);
	CHECK_EQ(o1.n, 1);
	CHECK_STR(o1.msg[0], "<13>x");
	CHECK_EQ(fr.stats.empty, 4);
	CHECK_EQ(fr.stats.messages, 1);
}

TEST(frame_octet_counted_messages)
{
	RUN(&o1, "3 abc5 hello", 0);
	CHECK_EQ(o1.n, 2);
	CHECK_STR(o1.msg[0], "abc");
	CHECK_STR(o1.msg[1], "hello");
	CHECK_EQ(o1.finished, 0);
	CHECK_EQ(fr.stats.octet_counted, 2);
}

TEST(frame_octet_body_may_hold_lf_and_nul)
{
	static const char s[] = "5 a\nb\0c";

	run(&o1, s, sizeof s - 1, 0);
	CHECK_EQ(o1.n, 1);
	CHECK_EQ(o1.len[0], 5);
	CHECK(memcmp(o1.msg[0], "a\nb\0c", 5) == 0);
}

TEST(frame_logger_octet_count_rfc5424)
{
	/* util-linux logger --rfc5424 --octet-count -T, as captured. */
	static const char s[] = "100 <13>1 2026-11-22T03:56:54.019236+00:00 vm "
	                        "myapp - - [timeQuality tzKnown=\"1\" "
	                        "isSynced=\"0\"] hello tcp";
	struct syslog_msg m;

	run(&o1, s, sizeof s - 1, 0);
	CHECK_EQ(o1.n, 1);
	CHECK_EQ(o1.len[0], 100);
	CHECK_EQ(syslog_parse(NULL, o1.msg[0], o1.len[0], INT64_C(1795319814),
	             &m), 0);
	CHECK_EQ(m.format, SYSLOG_FMT_5424);
	CHECK_MEM(m.text, m.text_len, "hello tcp");
}

TEST(frame_logger_octet_count_rfc3164)
{
	static const char s[] = "39 <13>Nov 22 03:56:54 vm myapp: hello tcp"
	                        "39 <13>Nov 22 03:56:55 vm myapp: hello tcp";

	run(&o1, s, sizeof s - 1, 0);
	CHECK_EQ(o1.n, 2);
	CHECK_STR(o1.msg[1], "<13>Nov 22 03:56:55 vm myapp: hello tcp");
}

TEST(frame_framing_recognised_per_message)
{
	/* LF, octet, LF, octet with a trailing LF (skipped as empty). */
	RUN(&o1, "<13>a\n3 <1>b\n<13>c\n2 xy\n", 0);
	CHECK_EQ(o1.n, 5);
	CHECK_STR(o1.msg[0], "<13>a");
	CHECK_STR(o1.msg[1], "<1>");
	CHECK_STR(o1.msg[2], "b");
	CHECK_STR(o1.msg[3], "<13>c");
	CHECK_STR(o1.msg[4], "xy");
	/* "3 <1>" took 3 octets; "b\n" is then an LF message.  The LF after
	 * "2 xy" is an empty LF message. */
	CHECK_EQ(fr.stats.messages, 5);
	CHECK_EQ(fr.stats.octet_counted, 2);
	CHECK_EQ(fr.stats.lf_delimited, 3);
	CHECK_EQ(fr.stats.empty, 1);
}

TEST(frame_every_chunking_gives_same_messages)
{
	static char s[4 * VIGIL_MAX_MSG];
	size_t n = 0;
	const char *parts[] = { "<13>a\r\n", "\n", "12 <13>abcdefgh", "\r\n",
		"<14>x\ry\n", "1 z", "<15>tail-without-lf" };

	for (size_t k = 0; k < 6; k++) {
		memcpy(s + n, parts[k], strlen(parts[k]));
		n += strlen(parts[k]);
	}
	memset(s + n, 'L', VIGIL_MAX_MSG + 3); /* one over-long LF line */
	n += VIGIL_MAX_MSG + 3;
	s[n++] = '\r';
	s[n++] = '\n';
	memcpy(s + n, parts[6], strlen(parts[6]));
	n += strlen(parts[6]);

	run(&o1, s, n, 0);
	CHECK_EQ(o1.n, 6);
	CHECK_STR(o1.msg[1], "<13>abcdefgh");
	CHECK_STR(o1.msg[2], "<14>x\ry");
	CHECK_STR(o1.msg[3], "z");
	CHECK_EQ(o1.trunc[4], 1);
	CHECK_EQ(o1.len[4], VIGIL_MAX_MSG);
	CHECK_STR(o1.msg[5], "<15>tail-without-lf");
	CHECK_EQ(fr.stats.empty, 2);
	for (size_t chunk = 1; chunk <= 17; chunk++) {
		run(&o2, s, n, chunk);
		same(&o1, &o2);
	}
}

TEST(frame_cr_split_across_chunks)
{
	RUN(&o1, "abc\r\nd\r\n", 4); /* "abc\r" | "\nd\r\n" */
	CHECK_EQ(o1.n, 2);
	CHECK_STR(o1.msg[0], "abc");
	RUN(&o1, "abc\rx\n", 4); /* "abc\r" | "x\n": the CR is content */
	CHECK_EQ(o1.n, 1);
	CHECK_STR(o1.msg[0], "abc\rx");
	RUN(&o1, "\r\n", 1);
	CHECK_EQ(o1.n, 0);
	CHECK_EQ(fr.stats.empty, 1);
}

TEST(frame_lf_line_over_limit_truncated_in_sync)
{
	static char s[VIGIL_MAX_MSG + 200];
	size_t n = VIGIL_MAX_MSG + 100;

	memset(s, 'a', n);
	s[n++] = '\n';
	memcpy(s + n, "next\n", 5);
	n += 5;
	run(&o1, s, n, 0);
	CHECK_EQ(o1.n, 2);
	CHECK_EQ(o1.len[0], VIGIL_MAX_MSG);
	CHECK_EQ(o1.trunc[0], 1);
	CHECK_STR(o1.msg[1], "next");
	CHECK_EQ(o1.trunc[1], 0);
	CHECK_EQ(fr.stats.truncated, 1);
	CHECK_EQ(fr.stats.longest, VIGIL_MAX_MSG + 100);
}

TEST(frame_lf_line_exactly_at_limit_not_truncated)
{
	static char s[VIGIL_MAX_MSG + 8];
	size_t n = VIGIL_MAX_MSG;

	memset(s, 'a', n);
	s[n++] = '\r';
	s[n++] = '\n';
	for (size_t chunk = 0; chunk < 3; chunk++) {
		/* Chunks that end right after the CR, as well as whole. */
		run(&o1, s, n, chunk == 0 ? 0 : VIGIL_MAX_MSG + chunk);
		CHECK_EQ(o1.n, 1);
		CHECK_EQ(o1.len[0], VIGIL_MAX_MSG);
		CHECK_EQ(o1.trunc[0], 0);
		CHECK_EQ(fr.stats.truncated, 0);
	}
	/* One byte more is truncated. */
	memset(s, 'a', VIGIL_MAX_MSG + 1);
	s[VIGIL_MAX_MSG + 1] = '\n';
	run(&o1, s, VIGIL_MAX_MSG + 2, 0);
	CHECK_EQ(o1.trunc[0], 1);
	CHECK_EQ(o1.len[0], VIGIL_MAX_MSG);
}

TEST(frame_octet_count_over_limit_truncated_in_sync)
{
	static char s[2 * VIGIL_MAX_MSG + 64];
	size_t body = VIGIL_MAX_MSG + 100;
	int n = snprintf(s, sizeof s, "%zu ", body);

	memset(s + n, 'b', body);
	n += (int)body;
	memcpy(s + n, "4 next", 6);
	n += 6;
	for (size_t chunk = 0; chunk < 4; chunk++) {
		run(&o1, s, (size_t)n, chunk * 7);
		CHECK_EQ(o1.n, 2);
		CHECK_EQ(o1.len[0], VIGIL_MAX_MSG);
		CHECK_EQ(o1.trunc[0], 1);
		CHECK_STR(o1.msg[1], "next");
		CHECK_EQ(fr.stats.truncated, 1);
		CHECK_EQ(fr.stats.malformed, 0);
	}
}

TEST(frame_octet_count_leading_zero_malformed_and_sticky)
{
	const char *m;
	size_t ml, used;
	int t;

	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, "03 abc", 6, &used, &m, &ml, &t),
	    VIGIL_EFRAME);
	CHECK_EQ(used, 1);
	CHECK_EQ(fr.stats.malformed, 1);
	CHECK_EQ(frame_feed(&fr, "3 abc\n", 6, &used, &m, &ml, &t),
	    VIGIL_EFRAME);
	CHECK_EQ(used, 6);
	CHECK_EQ(fr.stats.malformed, 1);
	CHECK_EQ(fr.stats.messages, 0);
	CHECK_EQ(frame_finish(&fr, &m, &ml, &t), VIGIL_EFRAME);
	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, "0 ", 2, &used, &m, &ml, &t), VIGIL_EFRAME);
}

TEST(frame_octet_count_too_many_digits_malformed)
{
	char s[64];
	int n;

	memset(s, '9', VIGIL_MAX_OCTET_DIGITS + 1);
	s[VIGIL_MAX_OCTET_DIGITS + 1] = ' ';
	n = VIGIL_MAX_OCTET_DIGITS + 2;
	run(&o1, s, (size_t)n, 0);
	CHECK_EQ(o1.err, VIGIL_EFRAME);
	CHECK_EQ(fr.stats.malformed, 1);
	/* Exactly the maximum number of digits is a count. */
	memset(s, '9', VIGIL_MAX_OCTET_DIGITS);
	s[VIGIL_MAX_OCTET_DIGITS] = ' ';
	s[VIGIL_MAX_OCTET_DIGITS + 1] = 'x';
	run(&o1, s, VIGIL_MAX_OCTET_DIGITS + 2, 0);
	CHECK_EQ(o1.err, 0);
	CHECK_EQ(fr.stats.malformed, 0);
}

TEST(frame_digits_not_followed_by_space_malformed)
{
	static const char *bad[] = { "12abc", "12\n", "1\t<13>", "7-", "12\0" };

	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		run(&o1, bad[k], strlen(bad[k]) + (k == 4), 0);
		CHECK_EQ(o1.err, VIGIL_EFRAME);
		CHECK_EQ(fr.stats.malformed, 1);
		CHECK_EQ(o1.n, 0);
	}
}

TEST(frame_malformed_after_good_messages_keeps_them)
{
	RUN(&o1, "<13>a\n2 bc12x", 0);
	CHECK_EQ(o1.n, 2);
	CHECK_EQ(o1.err, VIGIL_EFRAME);
	CHECK_EQ(fr.stats.messages, 2);
	CHECK_EQ(fr.stats.malformed, 1);
}

TEST(frame_truncated_octet_count_at_close)
{
	RUN(&o1, "12", 0);
	CHECK_EQ(o1.n, 0);
	CHECK_EQ(fr.stats.incomplete, 1);
	RUN(&o1, "12 ", 0);
	CHECK_EQ(o1.n, 0);
	CHECK_EQ(fr.stats.incomplete, 1);
	RUN(&o1, "12 <13>ab", 0);
	CHECK_EQ(o1.n, 1);
	CHECK_STR(o1.msg[0], "<13>ab");
	CHECK_EQ(o1.trunc[0], 1);
	CHECK_EQ(fr.stats.incomplete, 1);
	CHECK_EQ(fr.stats.truncated, 0);
}

TEST(frame_finish_delivers_last_line_without_lf)
{
	RUN(&o1, "<13>a\n<13>last", 0);
	CHECK_EQ(o1.n, 2);
	CHECK_EQ(o1.finished, 1);
	CHECK_STR(o1.msg[1], "<13>last");
	RUN(&o1, "<13>last\r", 0);
	CHECK_STR(o1.msg[0], "<13>last");
	RUN(&o1, "", 0);
	CHECK_EQ(o1.n, 0);
	RUN(&o1, "\r", 0);
	CHECK_EQ(o1.n, 0);
	CHECK_EQ(fr.stats.empty, 1);
}

TEST(frame_nul_bytes_are_content)
{
	static const char s[] = "a\0b\n";

	run(&o1, s, sizeof s - 1, 0);
	CHECK_EQ(o1.n, 1);
	CHECK_EQ(o1.len[0], 3);
}

TEST(frame_zero_length_feed_and_null_arguments)
{
	const char *m;
	size_t ml, used = 99;
	int t;

	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, NULL, 0, &used, &m, &ml, &t), 0);
	CHECK_EQ(used, 0);
	CHECK_EQ(frame_feed(&fr, NULL, 1, &used, &m, &ml, &t), VIGIL_EINVAL);
	CHECK_EQ(frame_feed(NULL, "x", 1, &used, &m, &ml, &t), VIGIL_EINVAL);
	CHECK_EQ(frame_feed(&fr, "x", 1, NULL, &m, &ml, &t), VIGIL_EINVAL);
	CHECK_EQ(frame_finish(&fr, NULL, &ml, &t), VIGIL_EINVAL);
	CHECK_EQ(fr.stats.malformed, 0);
}

TEST(frame_state_is_memcpyable_mid_message)
{
	static struct frame a, b;
	const char *m;
	size_t ml, used;
	int t;

	frame_init(&a);
	CHECK_EQ(frame_feed(&a, "10 <13>a", 8, &used, &m, &ml, &t), 0);
	memcpy(&b, &a, sizeof a);
	memset(&a, 0xAA, sizeof a); /* the copy must not depend on a */
	CHECK_EQ(frame_feed(&b, "bcdef", 5, &used, &m, &ml, &t), 1);
	CHECK_MEM(m, ml, "<13>abcdef");
	CHECK(m == b.buf);
}

TEST(frame_message_valid_until_next_call)
{
	const char *m;
	size_t ml, used;
	int t;

	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, "<13>one\n<13>two\n", 16, &used, &m, &ml, &t),
	    1);
	CHECK_EQ(used, 8);
	CHECK_MEM(m, ml, "<13>one");
	CHECK_EQ(frame_feed(&fr, "<13>two\n", 8, &used, &m, &ml, &t), 1);
	CHECK_MEM(m, ml, "<13>two");
}

TEST(frame_whole_message_is_a_view_split_one_is_copied)
{
	static char s[VIGIL_MAX_MSG + 64];
	const char *m;
	size_t ml, used, n;
	int t;

	/* Whole in the chunk: handed out in place, both framings. */
	frame_init(&fr);
	const char *in = "7 <13>abc<13>lf\r\n";
	CHECK_EQ(frame_feed(&fr, in, strlen(in), &used, &m, &ml, &t), 1);
	CHECK(m == in + 2);
	CHECK_MEM(m, ml, "<13>abc");
	CHECK_EQ(frame_feed(&fr, in + used, strlen(in) - used, &used, &m, &ml,
	    &t), 1);
	CHECK(m == in + 9);
	CHECK_MEM(m, ml, "<13>lf");
	CHECK_EQ(t, 0);

	/* Over the limit but whole: the view is cut and flagged. */
	n = (size_t)snprintf(s, sizeof s, "%u ", VIGIL_MAX_MSG + 5);
	memset(s + n, 'x', VIGIL_MAX_MSG + 5);
	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, s, n + VIGIL_MAX_MSG + 5, &used, &m, &ml, &t),
	    1);
	CHECK_EQ(used, n + VIGIL_MAX_MSG + 5);
	CHECK(m == s + n);
	CHECK_EQ(ml, VIGIL_MAX_MSG);
	CHECK_EQ(t, 1);
	CHECK_EQ(fr.stats.truncated, 1);

	/* Split across two calls: assembled in buf. */
	frame_init(&fr);
	CHECK_EQ(frame_feed(&fr, "<13>sp", 6, &used, &m, &ml, &t), 0);
	CHECK_EQ(frame_feed(&fr, "lit\n", 4, &used, &m, &ml, &t), 1);
	CHECK(m == fr.buf);
	CHECK_MEM(m, ml, "<13>split");
}

TEST(frame_many_messages_counted)
{
	static char s[1 << 16];
	size_t n = 0, k = 0;

	frame_init(&fr);
	while (n + 16 < sizeof s) {
		memcpy(s + n, k % 2 ? "5 <1>ab" : "<1>abc\n", 7);
		n += 7;
		k++;
	}
	size_t off = 0, got = 0;
	while (off < n) {
		const char *m;
		size_t ml, used;
		int t, r;

		r = frame_feed(&fr, s + off, n - off, &used, &m, &ml, &t);

		CHECK(used > 0);
		off += used;
		if (r == 1) {
			CHECK(ml == 5 || ml == 6);
			got++;
		}
	}
	CHECK_EQ(got, k);
	CHECK_EQ(fr.stats.messages, k);
	CHECK_EQ(fr.stats.octet_counted, k / 2);
	CHECK_EQ(fr.stats.bytes, n);
}
