/* test_mask.c - masking scanners, their options, the rule parser and its
 * limits. */
#include "unit.h"

#include "../../core/err.h"
#include "../../core/mask.h"

static struct mask_set m;

/* Mask s with one or more rules (newline-separated) and return the text. */
static const char *
masked(const char *rules, const char *s)
{
	static char out[512];
	struct mask_result r;
	mask_init(&m);
	const char *p = rules;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		CHECK_EQ(mask_add(&m, p, n), 0);
		p += n + (e != NULL);
	}
	mask_apply(&m, (const unsigned char *)s, strlen(s), (unsigned char *)out,
	    sizeof(out) - 1, &r);
	CHECK(!r.truncated);
	out[r.len] = 0;
	return out;
}

TEST(mask_num_and_sign)
{
	CHECK_STR(masked("num", "took 12 ms, -3 left"), "took <*> ms, -<*> left");
	CHECK_STR(masked("num sign", "took 12 ms, -3 left"),
	    "took <*> ms, <*> left");
	CHECK_STR(masked("num", "v2 a1b"), "v<*> a<*>b");
}

TEST(mask_bounds_word_and_alnum)
{
	CHECK_STR(masked("num bound=alnum", "a1 2b 3 x_4 (5)"),
	    "a1 2b <*> x_<*> (<*>)");
	CHECK_STR(masked("num bound=word", "a1 2b 3 x_4 (5)"),
	    "a1 2b <*> x_4 (<*>)");
}

TEST(mask_ipv4_variants)
{
	CHECK_STR(masked("ipv4", "from 10.0.0.1:22 x"), "from <*>:22 x");
	CHECK_STR(masked("ipv4 port", "from 10.0.0.1:22 x"), "from <*> x");
	CHECK_STR(masked("ipv4 octet bound=alnum", "1234.1.1.1 1.2.3.4"),
	    "1234.1.1.1 <*>");
	CHECK_STR(masked("ipv4 list", "hosts 1.1.1.1,2.2.2.2, ok"), "hosts <*> ok");
	CHECK_STR(masked("ipv4 port optpre=/", "peer /10.1.1.1:3888 up"),
	    "peer <*> up");
	CHECK_STR(masked("ipv4", "1.2.3 only"), "1.2.3 only");
}

TEST(mask_hex_ids_and_sequences)
{
	CHECK_STR(masked("hex bound=alnum", "at 0x1f2E, 0xg"), "at <*>, 0xg");
	CHECK_STR(masked("colonhex bound=alnum", "mac 52:54:00:ab:cd:ef ok"),
	    "mac <*> ok");
	CHECK_STR(masked("colonhex bound=alnum", "time 12:34:56"), "time 12:34:56");
	CHECK_STR(masked("hexseq group=6 count=3 bound=alnum",
	              "k abcdef 012345 fedcba z"), "k <*> z");
	CHECK_STR(masked("hexseq group=4 exact count=4 case=upper bound=alnum",
	              "d 0123 4567 89AB CDEF e"), "d <*> e");
	CHECK_STR(masked("uuid", "vm 4f1c2a9e-1b2c-4d5e-8f90-a1b2c3d4e5f6 up"),
	    "vm <*> up");
	CHECK_STR(masked("run class=xdigit min=4 bound=word", "id beef 12 cafe1"),
	    "id <*> 12 <*>");
}

TEST(mask_colonhex_min_one_takes_a_single_group)
{
	CHECK_STR(masked("colonhex min=1 bound=alnum", "id ab x"), "id <*> x");
	CHECK_STR(masked("colonhex min=1 bound=alnum", "ab:cd: x"), "<*>: x");
	CHECK_STR(masked("colonhex bound=alnum", "id ab x"), "id ab x");
}

TEST(mask_unbound_rules_match_inside_words)
{
	CHECK_STR(masked("ipv4", "x1.2.3.4y z"), "x<*>y z");
	CHECK_STR(masked("colonhex", "mac=ab:cd:ef:01xyz"), "mac=<*>xyz");
	CHECK_STR(masked("hexseq group=2 count=2", "zz0a1b2c"), "zz<*>");
	CHECK_STR(masked("run class=digit min=2", "ab1c23d"), "ab1c<*>d");
}

TEST(mask_words_longer_than_the_quick_tables)
{
	char hex[2 * MASK_QLEN + 16], want[sizeof(hex)];
	memset(hex, 'a', 2 * MASK_QLEN);
	hex[2 * MASK_QLEN] = 0;
	snprintf(want, sizeof(want), "%s", hex);
	CHECK_STR(masked("run class=xdigit min=64 bound=alnum", hex), "<*>");
	CHECK_STR(masked("run class=xdigit min=65 bound=alnum", hex), want);
	CHECK_STR(masked("hexseq group=8 count=8 bound=alnum", hex), "<*>");
	CHECK_STR(masked("hexseq group=8 count=9 bound=alnum", hex), want);
	hex[2 * MASK_QLEN - 1] = 'g';
	CHECK_STR(masked("run class=xdigit min=40", hex), "<*>g");
	CHECK_STR(masked("run class=xdigit min=40 bound=alnum", hex), hex);
}

TEST(mask_cut_output_is_the_start_of_the_whole)
{
	static const char *const rules[] = {
		"ipv4 port", "num sign bound=alnum", "paren pre=\" \" with=\"\"",
		"quoted after=\"cmd \"", "num with=LONGER",
	};
	static const char line[] = "cmd \"x y\" at 10.0.0.1:22 (5 KB) -7 a1 9";
	unsigned char whole[256], cut[256];
	struct mask_result rw, rc;
	mask_init(&m);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		CHECK_EQ(mask_add(&m, rules[i], strlen(rules[i])), 0);
	mask_apply(&m, (const unsigned char *)line, strlen(line), whole,
	    sizeof(whole), &rw);
	CHECK(!rw.truncated);
	CHECK_MEM(whole, rw.len, "cmd <*> at <*> <*> aLONGER <*>");
	for (size_t cap = 0; cap <= rw.len; cap++) {
		memset(cut, 0xA5, sizeof(cut));
		mask_apply(&m, (const unsigned char *)line, strlen(line), cut,
		    cap, &rc);
		CHECK_EQ(rc.truncated, cap < rw.len);
		CHECK(rc.len <= cap);
		CHECK(memcmp(cut, whole, rc.len) == 0);
		CHECK_EQ(cut[cap], 0xA5);
	}
}

TEST(mask_names_paths_times_sizes)
{
	CHECK_STR(masked("dotted min=3", "org.apache.Foo a.b x"), "<*> a.b x");
	CHECK_STR(masked("dotted min=2 port", "host.example:80 up"), "<*> up");
	CHECK_STR(masked("path", "open /var/log/x-1 now"), "open <*> now");
	CHECK_STR(masked("time min=3 max=3", "at 12:34:56:78"), "at <*>:78");
	CHECK_STR(masked("time", "at 12:34"), "at <*>");
	CHECK_STR(masked("size bound=word", "5 KB and B but BB"),
	    "5 <*> and <*> but BB");
	CHECK_STR(masked("size strict", "5 KB and B"), "5 <*> and B");
}

TEST(mask_literals_and_replacement)
{
	CHECK_STR(masked("num pre=blk_ sign", "blk_-42 blk_7 blk"),
	    "<*> <*> blk");
	CHECK_STR(masked("num pre=< post=\" sec\"", "lifetime <1 sec"),
	    "lifetime <*>");
	CHECK_STR(masked("rest pre=0x eat", "a 0x12 b"), "a <*>b");
	CHECK_STR(masked("quoted after=\"executed cmd \"", "executed cmd \"ls -l\""),
	    "executed cmd <*>");
	CHECK_STR(masked("quoted after=\"executed cmd \"", "said \"hi\""),
	    "said \"hi\"");
	CHECK_STR(masked("paren pre=\" \" with=\"\"", "5 bytes (5 KB) sent"),
	    "5 bytes sent");
	CHECK_STR(masked("num with=N", "a 1"), "a N");
}

/* Drain3's masks (firmware/drain.rules) run one regex after the other,
 * and a look-behind reads the text its regex runs on: for the number rule
 * a '-' after a digit is no sign, even when that digit was masked.  The
 * results below are Python's re.sub over drain3.ini's expressions. */
#define DRAIN3_MASKS                                                           \
	"colonhex bound=alnum\n"                                               \
	"ipv4 octet bound=alnum\n"                                             \
	"hexseq group=6 count=3 bound=alnum\n"                                 \
	"hexseq group=4 exact count=4 case=upper bound=alnum\n"                \
	"hex bound=alnum\n"                                                    \
	"num sign bound=alnum"

TEST(mask_left_boundary_reads_the_input_as_drain3)
{
	CHECK_STR(masked(DRAIN3_MASKS, "linux/5.15.0-97-generic #107-Ubuntu"),
	    "linux/<*>.<*>.<*>-<*>-generic #<*>-Ubuntu");
	CHECK_STR(masked(DRAIN3_MASKS, "10-20"), "<*>-<*>");
	CHECK_STR(masked(DRAIN3_MASKS, "2024-03-04 11:48:17,627 - x"),
	    "<*>-<*>-<*> <*>:<*>:<*>,<*> - x");
	CHECK_STR(masked(DRAIN3_MASKS, "a-1 x=-5 (+7) 5-+3 1--2"),
	    "a-<*> x=<*> (<*>) <*>-<*> <*>-<*>");
	/* The number rule runs after the address and hex rules, so it meets
	 * their replacement, which ends in '>', not the digit. */
	CHECK_STR(masked(DRAIN3_MASKS, "1.2.3.4-5 0x1f-3 ab:cd:ef:01-7"),
	    "<*><*> <*><*> <*><*>");
	/* ... and a rule before them sees the input. */
	CHECK_STR(masked("num sign bound=alnum\nhex bound=alnum", "0x1f-3"),
	    "<*>-<*>");
	CHECK_STR(masked("num sign bound=word", "7-1 x_-2 _-3"),
	    "<*>-<*> x_-<*> _-<*>");
}

TEST(mask_left_boundary_after_a_replacement_text)
{
	/* A later rule sees the replacement's last byte ... */
	CHECK_STR(masked("hex bound=alnum with=X\nnum sign bound=alnum",
	              "0x1f-3"), "X-<*>");
	CHECK_STR(masked("hex bound=alnum with=#\nnum sign bound=alnum",
	              "0x1f-3"), "#<*>");
	/* ... or, when the match is deleted, what came before it. */
	CHECK_STR(masked("paren with=\"\"\nnum sign bound=alnum",
	              "a(x)-5 b((y)-6 (z)-7"), "a-<*> b-<*> <*>");
	/* A rule before the deleting one ran on the text with the match. */
	CHECK_STR(masked("num sign bound=alnum\nparen with=\"\"", "1(x)-5"),
	    "<*><*>");
}

TEST(mask_rules_are_tried_in_order)
{
	CHECK_STR(masked("ipv4\nnum", "1.2.3.4 5"), "<*> <*>");
	CHECK_STR(masked("num\nipv4", "1.2.3.4 5"), "<*>.<*>.<*>.<*> <*>");
}

TEST(mask_output_is_cut_at_capacity)
{
	unsigned char out[8];
	struct mask_result r;
	mask_init(&m);
	CHECK_EQ(mask_add(&m, "num", 3), 0);
	mask_apply(&m, (const unsigned char *)"1 2 3 4", 7, out, sizeof(out), &r);
	CHECK(r.truncated);
	CHECK(r.len <= sizeof(out));
	CHECK_EQ(r.masked, 2);
	CHECK_MEM(out, r.len, "<*> <*> ");
}

TEST(mask_parser_refuses_malformed_rules)
{
	static const char *const bad[] = {
		"", "nosuch", "num port", "run", "run class=nosuch",
		"num bound=sideways", "num pre=", "num min=x", "ipv4 exact",
		"num pre=\"unterminated", "hexseq group=0", "num bogus=1",
		"run class=digit min=5 max=2", "colonhex case=mixed",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mask_init(&m);
		CHECK_EQ(mask_add(&m, bad[i], strlen(bad[i])), VIGIL_ECONFIG);
		CHECK_EQ(m.n, 0);
	}
}

TEST(mask_literal_longer_than_limit_is_refused)
{
	char rule[VIGIL_MASK_MAX_LIT + 16];
	memcpy(rule, "num pre=", 8);
	memset(rule + 8, 'a', VIGIL_MASK_MAX_LIT + 1);
	mask_init(&m);
	CHECK_EQ(mask_add(&m, rule, 8 + VIGIL_MASK_MAX_LIT + 1), VIGIL_E2BIG);
	CHECK_EQ(mask_add(&m, rule, 8 + VIGIL_MASK_MAX_LIT), 0);
}

TEST(mask_rule_table_full_is_refused)
{
	mask_init(&m);
	for (int i = 0; i < VIGIL_MASK_MAX_RULES; i++)
		CHECK_EQ(mask_add(&m, "num", 3), 0);
	CHECK_EQ(mask_add(&m, "num", 3), VIGIL_ENOSPC);
	CHECK_EQ(m.n, VIGIL_MASK_MAX_RULES);
}

TEST(mask_check_refuses_bad_sets)
{
	mask_init(&m);
	CHECK_EQ(mask_add(&m, "num", 3), 0);
	CHECK_EQ(mask_check(&m), 0);
	m.rule[0].kind = 200;
	CHECK_EQ(mask_check(&m), VIGIL_ECORRUPT);
	m.rule[0].kind = MASK_NUM;
	m.rule[0].pre_len = VIGIL_MASK_MAX_LIT + 1;
	CHECK_EQ(mask_check(&m), VIGIL_ECORRUPT);
	m.rule[0].pre_len = 0;
	m.n = VIGIL_MASK_MAX_RULES + 1;
	CHECK_EQ(mask_check(&m), VIGIL_ECORRUPT);
}
