/* test_drain.c - the Drain miner: matching, merging, every overflow path,
 * snapshots, and stability on replayed traffic.  Written in terms of the
 * limit macros so it passes with the default and the tiny limits. */
#include "unit.h"

#include <stdint.h>

#include "../../core/drain.h"
#include "../../core/err.h"

static struct drain d, d2;
static unsigned char snap[sizeof(struct drain) + 4096];
static char text[VIGIL_DRAIN_MAX_LINE * 4 + 64];

static void
init_with(struct drain *m, const char *rules)
{
	struct drain_cfg cfg;
	unsigned line = 0;
	drain_cfg_default(&cfg);
	CHECK_EQ(drain_cfg_parse(&cfg, rules, strlen(rules), &line), 0);
	CHECK_EQ(drain_init(m, &cfg), 0);
}

static int
add(struct drain *m, const char *line)
{
	return drain_add(m, line, strlen(line));
}

static const char *
tpl(struct drain *m, int id)
{
	CHECK(drain_text(m, id, text, sizeof(text)) >= 0);
	return text;
}

static struct drain_stats
stats(struct drain *m)
{
	struct drain_stats st;
	drain_stats(m, &st);
	return st;
}

/* The n-th of many distinct one-word lines (no digits: each gets its own
 * tree child while there is room). */
static const char *
word(unsigned n)
{
	static char w[16];
	unsigned i = 0;
	w[i++] = 'w';
	do {
		w[i++] = (char)('a' + n % 26);
		n /= 26;
	} while (n && i < sizeof(w) - 1);
	w[i] = 0;
	return w;
}

TEST(drain_same_line_same_id)
{
	init_with(&d, "");
	int a = add(&d, "disk sda failed");
	CHECK(a >= 0);
	CHECK_EQ(add(&d, "disk sda failed"), a);
	CHECK_STR(tpl(&d, a), "disk sda failed");
	uint64_t n = 0;
	CHECK_EQ(drain_count(&d, a, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(stats(&d).matched, 1);
	CHECK_EQ(stats(&d).created, 1);
}

TEST(drain_first_ids_are_dense_from_zero)
{
	init_with(&d, "");
	CHECK_EQ(add(&d, "alpha"), 0);
	CHECK_EQ(add(&d, "beta gamma"), 1);
	CHECK_EQ(drain_id_at(&d, 1), 1);
	CHECK_EQ(drain_id_at(&d, VIGIL_DRAIN_MAX_TEMPLATES - 1),
	    VIGIL_DRAIN_MAX_TEMPLATES > 2 ? VIGIL_ENOENT : 1);
}

TEST(drain_similar_lines_merge_into_wildcard)
{
	init_with(&d, "sim 0.5\n");
	int a = add(&d, "session opened for alice");
	int b = add(&d, "session opened for bob");
	CHECK_EQ(a, b);
	CHECK_STR(tpl(&d, a), "session opened for <*>");
	/* Below the threshold: a new template. */
	int c = add(&d, "session closed by timer");
	CHECK(c != a);
}

TEST(drain_token_count_separates_templates)
{
	init_with(&d, "");
	int a = add(&d, "link up");
	int b = add(&d, "link up now");
	CHECK(a != b);
}

TEST(drain_masking_applies_before_clustering)
{
	init_with(&d, "mask ipv4 port\nmask num bound=alnum\n");
	int a = add(&d, "connect from 10.0.0.1:22 after 5 tries");
	int b = add(&d, "connect from 192.168.1.20:2222 after 17 tries");
	CHECK_EQ(a, b);
	CHECK_STR(tpl(&d, a), "connect from <*> after <*> tries");
	CHECK(stats(&d).masked >= 4);
}

TEST(drain_delimiters_are_configurable)
{
	init_with(&d, "delims \" =\"\n");
	int a = add(&d, "state=up");
	CHECK_STR(tpl(&d, a), "state up");
}

TEST(drain_without_delimiters_a_line_is_one_token)
{
	struct drain_cfg cfg;
	drain_cfg_default(&cfg);
	memset(cfg.delim, 0, sizeof(cfg.delim));
	CHECK_EQ(drain_init(&d, &cfg), 0);
	int a = add(&d, "link up");
	CHECK_EQ(add(&d, "link up"), a);
	CHECK(add(&d, "link dn") != a);
	CHECK_STR(tpl(&d, a), "link up");
}

TEST(drain_tokens_of_equal_length_differ_by_bytes)
{
	init_with(&d, "sim 1\n");
	int a = add(&d, "user alice in");
	int b = add(&d, "user bobby in");
	CHECK(a != b);
	CHECK_STR(tpl(&d, a), "user alice in");
	CHECK_STR(tpl(&d, b), "user bobby in");
	/* Below the threshold they merge, the differing word first. */
	init_with(&d, "sim 0.5\n");
	a = add(&d, "user alice logged in");
	CHECK_EQ(add(&d, "user bobby logged in"), a);
	CHECK_STR(tpl(&d, a), "user <*> logged in");
}

TEST(drain_replayed_lines_never_add_templates)
{
	/* A line that is an instance of its template joins it even below the
	 * threshold: its template became mostly "<*>" after merging. */
	init_with(&d, "sim 0.9\ndepth 3\n");
	int a = add(&d, "a b c d e f g h");
	(void)add(&d, "a b c d e f g x");
	int c = add(&d, "a b c d e f g h");
	CHECK_EQ(a, c);
	CHECK_EQ(stats(&d).created, stats(&d).templates);
}

TEST(drain_table_full_evicts_lru)
{
	int id[VIGIL_DRAIN_MAX_TEMPLATES];
	init_with(&d, "sim 0.9\n");
	for (unsigned i = 0; i < VIGIL_DRAIN_MAX_TEMPLATES; i++) {
		id[i] = add(&d, word(i));
		CHECK_EQ(DRAIN_SLOT(id[i]), i);
	}
	CHECK_EQ(stats(&d).templates, VIGIL_DRAIN_MAX_TEMPLATES);
	CHECK_EQ(stats(&d).evicted, 0);
	/* Touch the oldest so the second oldest becomes least recent. */
	CHECK_EQ(add(&d, word(0)), id[0]);
	int n = add(&d, word(VIGIL_DRAIN_MAX_TEMPLATES));
	CHECK(n >= 0 && n != DRAIN_ID_OVERFLOW);
	CHECK_EQ(stats(&d).evicted, 1);
	CHECK_EQ(stats(&d).templates, VIGIL_DRAIN_MAX_TEMPLATES);
	uint32_t victim = VIGIL_DRAIN_MAX_TEMPLATES > 1 ? 1 : 0;
	/* The evicted id is dead; its slot came back with a new generation. */
	CHECK_EQ(drain_text(&d, id[victim], text, sizeof(text)), VIGIL_ENOENT);
	CHECK_EQ(DRAIN_SLOT(n), victim);
	CHECK(n != id[victim]);
	if (victim != 0)
		CHECK_STR(tpl(&d, id[0]), word(0));
	CHECK_STR(tpl(&d, n), word(VIGIL_DRAIN_MAX_TEMPLATES));
}

TEST(drain_table_full_overflow_mode_answers_overflow_id)
{
	init_with(&d, "sim 0.9\nfull overflow\n");
	for (unsigned i = 0; i < VIGIL_DRAIN_MAX_TEMPLATES; i++)
		CHECK(add(&d, word(i)) >= 0);
	CHECK_EQ(add(&d, word(VIGIL_DRAIN_MAX_TEMPLATES)), DRAIN_ID_OVERFLOW);
	CHECK_EQ(stats(&d).overflow, 1);
	CHECK_EQ(stats(&d).evicted, 0);
	CHECK_EQ(drain_text(&d, DRAIN_ID_OVERFLOW, text, sizeof(text)),
	    VIGIL_ENOENT);
	/* Known lines still map. */
	CHECK_EQ(add(&d, word(0)), 0);
}

TEST(drain_pool_full_compacts_then_evicts)
{
	/* One-token lines of the longest length: each record is about
	 * VIGIL_DRAIN_MAX_LINE bytes, so the pool fills before the table
	 * whenever it holds fewer records than there are template slots. */
	static char line[VIGIL_DRAIN_MAX_LINE + 1];
	unsigned per = (unsigned)(VIGIL_DRAIN_POOL_BYTES /
	    (VIGIL_DRAIN_MAX_LINE + 16));
	unsigned k = per + 2;
	init_with(&d, "sim 0.9\n");
	for (unsigned i = 0; i < k; i++) {
		memset(line, 'x', VIGIL_DRAIN_MAX_LINE);
		memcpy(line, word(i), strlen(word(i)));
		CHECK(drain_add(&d, line, VIGIL_DRAIN_MAX_LINE) >= 0);
	}
	struct drain_stats st = stats(&d);
	CHECK(st.pool_bytes <= VIGIL_DRAIN_POOL_BYTES);
	CHECK(st.pool_hwm <= VIGIL_DRAIN_POOL_BYTES);
	CHECK_EQ(st.created, k);
	if (per + 2 > VIGIL_DRAIN_MAX_TEMPLATES || per < VIGIL_DRAIN_MAX_TEMPLATES)
		CHECK(st.evicted >= 1);
	CHECK(st.compactions >= (st.evicted ? 1u : 0u));
	CHECK_EQ(st.templates + st.evicted, k);
	/* The newest survived intact. */
	memset(line, 'x', VIGIL_DRAIN_MAX_LINE);
	memcpy(line, word(k - 1), strlen(word(k - 1)));
	int id = drain_add(&d, line, VIGIL_DRAIN_MAX_LINE);
	CHECK_EQ(stats(&d).created, k);
	CHECK_EQ(drain_text(&d, id, text, sizeof(text)), VIGIL_DRAIN_MAX_LINE);
}

TEST(drain_nodes_full_evicts)
{
	/* Depth 5 keys two tokens: distinct first words need new nodes. */
	init_with(&d, "depth 5\nsim 0.9\n");
	unsigned k = VIGIL_DRAIN_MAX_NODES + 2;
	for (unsigned i = 0; i < k; i++) {
		char l[64];
		snprintf(l, sizeof(l), "%s %s", word(i), word(i + 1000));
		CHECK(add(&d, l) >= 0);
	}
	struct drain_stats st = stats(&d);
	CHECK(st.nodes <= VIGIL_DRAIN_MAX_NODES);
	CHECK(st.nodes_hwm <= VIGIL_DRAIN_MAX_NODES);
	CHECK(st.evicted >= 1);
	CHECK_EQ(st.templates + st.evicted, k);
}

TEST(drain_children_limit_routes_to_wildcard)
{
	init_with(&d, "children 3\nsim 0.9\n");
	/* Two word children and the "<*>" child fill the node; the third new
	 * word goes to "<*>" and still gets its own template there. */
	int a = add(&d, "alpha x");
	int b = add(&d, "beta x");
	int c = add(&d, "gamma y");
	int e = add(&d, "delta z");
	CHECK(a != b && b != c && c != e);
	CHECK(stats(&d).nodes <= 1 + 1 + 3);
}

TEST(drain_too_many_tokens_keeps_rest_as_last_token)
{
	char line[VIGIL_DRAIN_MAX_LINE];
	size_t n = 0;
	init_with(&d, "");
	for (unsigned i = 0; i < VIGIL_DRAIN_MAX_TOKENS + 3 && n + 3 < sizeof(line);
	    i++) {
		line[n++] = 'a' + (char)(i % 26);
		line[n++] = ' ';
	}
	int id = drain_add(&d, line, n);
	CHECK(id >= 0);
	CHECK_EQ(stats(&d).token_overflow, 1);
	CHECK_EQ(stats(&d).tokens_hwm, VIGIL_DRAIN_MAX_TOKENS);
	/* The same line maps to the same template. */
	CHECK_EQ(drain_add(&d, line, n), id);
	/* The rendered text keeps every word. */
	CHECK_EQ(drain_text(&d, id, text, sizeof(text)), (int)n - 1);
}

TEST(drain_long_line_is_cut_and_counted)
{
	static char line[VIGIL_DRAIN_MAX_LINE + 100];
	memset(line, 'q', sizeof(line));
	init_with(&d, "");
	int id = drain_add(&d, line, sizeof(line));
	CHECK(id >= 0);
	CHECK_EQ(stats(&d).long_lines, 1);
	CHECK_EQ(drain_text(&d, id, text, sizeof(text)), VIGIL_DRAIN_MAX_LINE);
}

TEST(drain_masked_text_longer_than_limit_is_cut)
{
	/* Each one-digit number becomes three bytes. */
	static char line[VIGIL_DRAIN_MAX_LINE];
	for (size_t i = 0; i < sizeof(line); i++)
		line[i] = (i % 2) ? ' ' : '7';
	init_with(&d, "mask num\n");
	CHECK(drain_add(&d, line, sizeof(line)) >= 0);
	CHECK_EQ(stats(&d).mask_truncated, 1);
}

TEST(drain_text_reports_full_length_when_cut)
{
	char small[8];
	init_with(&d, "");
	int id = add(&d, "a rather long line");
	CHECK_EQ(drain_text(&d, id, small, sizeof(small)), 18);
	CHECK_STR(small, "a rathe");
	CHECK_EQ(drain_text(&d, -1, small, sizeof(small)), VIGIL_ENOENT);
}

TEST(drain_empty_and_null_lines)
{
	init_with(&d, "");
	int a = drain_add(&d, "", 0);
	CHECK(a >= 0);
	CHECK_EQ(drain_add(&d, NULL, 0), a);
	CHECK_EQ(drain_add(&d, "   ", 3), a);
	CHECK_EQ(drain_add(&d, NULL, 3), VIGIL_EINVAL);
	CHECK_STR(tpl(&d, a), "");
}

TEST(drain_reset_forgets_everything)
{
	init_with(&d, "sim 0.7\n");
	CHECK(add(&d, "one two") >= 0);
	drain_reset(&d);
	CHECK_EQ(stats(&d).templates, 0);
	CHECK_EQ(stats(&d).lines, 0);
	CHECK_EQ(d.cfg.sim_permille, 700);
	CHECK_EQ(add(&d, "three"), 0);
}

/* ---- configuration ---- */

TEST(drain_cfg_parse_reports_line)
{
	struct drain_cfg cfg;
	unsigned line = 0;
	drain_cfg_default(&cfg);
	const char *t = "# c\nsim 0.39\ndepth 6  # trailing\nbogus 1\n";
	CHECK_EQ(drain_cfg_parse(&cfg, t, strlen(t), &line), VIGIL_ECONFIG);
	CHECK_EQ(line, 4);
	CHECK_EQ(cfg.sim_permille, 390);
	CHECK_EQ(cfg.depth, 6);
	static const char *const bad[] = {
		"sim 1.5", "sim x", "sim 0.1234", "depth 2", "depth 99",
		"children 1", "full maybe", "wildsim yes", "delims abc",
		"mask nosuchkind", "mask num bogus",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		drain_cfg_default(&cfg);
		CHECK(drain_cfg_parse(&cfg, bad[i], strlen(bad[i]), NULL) < 0);
	}
}

TEST(drain_init_refuses_bad_cfg)
{
	struct drain_cfg cfg;
	drain_cfg_default(&cfg);
	cfg.depth = 2;
	CHECK_EQ(drain_init(&d, &cfg), VIGIL_EINVAL);
	CHECK_EQ(d.cfg.depth, 4); /* the defaults */
	CHECK_EQ(drain_init(&d, NULL), VIGIL_EINVAL);
	CHECK(add(&d, "still works") >= 0);
}

TEST(drain_firmware_rules_parse)
{
	static char buf[16384];
	FILE *f = fopen("firmware/drain.rules", "r");
	if (!f) {
		fprintf(stderr, "skipped: run from the repository root\n");
		return;
	}
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct drain_cfg cfg;
	unsigned line = 0;
	drain_cfg_default(&cfg);
	int rc = drain_cfg_parse(&cfg, buf, n, &line);
	if (VIGIL_MASK_MAX_RULES >= 8) {
		CHECK_EQ(rc, 0);
		CHECK_EQ(drain_init(&d, &cfg), 0);
		int a = add(&d, "qemu: vm 4f1c2a9e-1b2c-4d5e-8f90-a1b2c3d4e5f6 "
		                "from 10.1.2.3 pid=42 mac 52:54:00:12:34:56");
		CHECK_STR(tpl(&d, a), "qemu: vm <*> from <*> pid=<*> mac <*>");
	}
}

/* ---- snapshots ---- */

static void
fill(struct drain *m)
{
	init_with(m, "sim 0.5\nmask num bound=alnum\n");
	CHECK(add(m, "disk 1 failed") >= 0);
	CHECK(add(m, "disk 2 failed") >= 0);
	CHECK(add(m, "fan speed low") >= 0);
	CHECK(add(m, "fan speed high") >= 0);
	CHECK(add(m, "temperature 71 C on cpu 3") >= 0);
}

static size_t
take(struct drain *m)
{
	size_t len = 0;
	CHECK(drain_snapshot_size() <= sizeof(snap));
	CHECK_EQ(drain_snapshot(m, snap, sizeof(snap), &len), 0);
	CHECK_EQ(len, drain_snapshot_size());
	return len;
}

static void
check_empty(struct drain *m)
{
	CHECK_EQ(stats(m).templates, 0);
	CHECK_EQ(drain_text(m, 0, text, sizeof(text)), VIGIL_ENOENT);
	CHECK_EQ(add(m, "after refusal"), 0);
}

TEST(drain_snapshot_round_trip_keeps_ids)
{
	fill(&d);
	size_t len = take(&d);
	CHECK_EQ(drain_snapshot(&d, snap, len - 1, NULL), VIGIL_E2BIG);
	CHECK_EQ(drain_snapshot(&d, snap, len, &len), 0);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len), 0);
	for (uint32_t s = 0; s < VIGIL_DRAIN_MAX_TEMPLATES; s++) {
		int id = drain_id_at(&d, s);
		CHECK_EQ(drain_id_at(&d2, s), id);
		if (id < 0)
			continue;
		char a[256];
		uint64_t c1 = 0, c2 = 0;
		CHECK(drain_text(&d, id, a, sizeof(a)) >= 0);
		CHECK_STR(tpl(&d2, id), a);
		CHECK_EQ(drain_count(&d, id, &c1), 0);
		CHECK_EQ(drain_count(&d2, id, &c2), 0);
		CHECK_EQ(c1, c2);
	}
	/* Both continue the same way. */
	const char *more[] = {"disk 9 failed", "fan speed zero", "new event here",
	    "temperature 12 C on cpu 0", "other thing"};
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ(add(&d2, more[i]), add(&d, more[i]));
	CHECK_EQ(stats(&d2).templates, stats(&d).templates);
}

TEST(drain_restore_refuses_flipped_byte)
{
	fill(&d);
	size_t len = take(&d);
	/* Anywhere: header, state, checksum. */
	size_t at[] = {3, 60, len / 2, len - 20, len - 1};
	for (size_t i = 0; i < 5; i++) {
		snap[at[i]] ^= 0x10;
		int rc = drain_restore(&d2, &d.cfg, snap, len);
		CHECK(rc == VIGIL_ECORRUPT || rc == VIGIL_EPARSE ||
		    rc == VIGIL_EVERSION);
		check_empty(&d2);
		snap[at[i]] ^= 0x10;
	}
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len), 0);
}

TEST(drain_restore_refuses_truncated)
{
	fill(&d);
	size_t len = take(&d);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len - 1), VIGIL_ECORRUPT);
	check_empty(&d2);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, 10), VIGIL_EPARSE);
	CHECK_EQ(drain_restore(&d2, &d.cfg, NULL, 0), VIGIL_EPARSE);
	check_empty(&d2);
}

TEST(drain_restore_refuses_foreign_and_other_versions)
{
	fill(&d);
	size_t len = take(&d);
	uint32_t v;
	memcpy(snap, "NOTDRAIN", 8);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len), VIGIL_EPARSE);
	check_empty(&d2);
	len = take(&d);
	memcpy(&v, snap + 8, 4); /* version */
	v++;
	memcpy(snap + 8, &v, 4);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len), VIGIL_EVERSION);
	check_empty(&d2);
	len = take(&d);
	memcpy(&v, snap + 16, 4); /* VIGIL_DRAIN_MAX_TEMPLATES */
	v *= 2;
	memcpy(snap + 16, &v, 4);
	CHECK_EQ(drain_restore(&d2, &d.cfg, snap, len), VIGIL_EVERSION);
	check_empty(&d2);
}

TEST(drain_restore_refuses_other_tree_shape)
{
	fill(&d);
	size_t len = take(&d);
	struct drain_cfg cfg = d.cfg;
	cfg.depth = 5;
	CHECK_EQ(drain_restore(&d2, &cfg, snap, len), VIGIL_ECONFIG);
	CHECK_EQ(d2.cfg.depth, 5);
	check_empty(&d2);
	/* Masking and threshold may change. */
	cfg = d.cfg;
	cfg.sim_permille = 900;
	mask_init(&cfg.mask);
	CHECK_EQ(drain_restore(&d2, &cfg, snap, len), 0);
	CHECK_EQ(d2.cfg.sim_permille, 900);
}

/* A checksum only catches accidents: a state with a valid checksum but
 * broken indices must be refused as well. */
TEST(drain_restore_refuses_bad_indices_with_valid_checksum)
{
	static const struct {
		size_t off;
		uint32_t val;
	} pokes[] = {
		{offsetof(struct drain, lru_head), 12345},
		{offsetof(struct drain, pool_used), VIGIL_DRAIN_POOL_BYTES + 8},
		{offsetof(struct drain, nlive), 2},
		{offsetof(struct drain, tpl) + offsetof(struct drain_tpl, leaf), 0},
		{offsetof(struct drain, tpl) + offsetof(struct drain_tpl, rec), 4},
		{offsetof(struct drain, tpl) + offsetof(struct drain_tpl, leaf_next),
		    0},
		{offsetof(struct drain, tpl) + offsetof(struct drain_tpl, lru_prev),
		    0},
		{offsetof(struct drain, node) + sizeof(struct drain_node) +
		        offsetof(struct drain_node, parent), 7},
		{offsetof(struct drain, pool) + 4, 0},
		{offsetof(struct drain, pool) + 8, 0},
	};
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		fill(&d);
		memcpy((unsigned char *)&d + pokes[i].off, &pokes[i].val, 4);
		size_t len = take(&d);
		int rc = drain_restore(&d2, &d.cfg, snap, len);
		if (rc != VIGIL_ECORRUPT)
			fprintf(stderr, "poke %zu: %d\n", i, rc);
		CHECK_EQ(rc, VIGIL_ECORRUPT);
		check_empty(&d2);
	}
}

/* ---- stability on replayed traffic ---- */

static size_t
load_hdfs(char *buf, size_t cap)
{
	FILE *f = fopen("../shared/data/loghub/HDFS/HDFS_2k.log", "rb");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
replay(struct drain *m, const char *buf, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const char *b = buf + i, *e = memchr(b, '\n', n - i);
		size_t l = e ? (size_t)(e - b) : n - i;
		CHECK(drain_add(m, b, l) >= 0);
		i += l + 1;
	}
}

static void
stable(const char *rules)
{
	static char buf[1 << 20];
	size_t n = load_hdfs(buf, sizeof(buf));
	if (n == 0 || VIGIL_DRAIN_MAX_TEMPLATES < 64 ||
	    VIGIL_DRAIN_MAX_LINE < 4096) {
		fprintf(stderr, "skipped: no HDFS_2k.log or tiny limits\n");
		return;
	}
	init_with(&d, rules);
	replay(&d, buf, n);
	struct drain_stats first = stats(&d);
	for (int pass = 1; pass < 500; pass++)
		replay(&d, buf, n);
	struct drain_stats last = stats(&d);
	CHECK_EQ(last.lines, first.lines * 500);
	CHECK_EQ(last.created, first.created);
	CHECK_EQ(last.templates, first.templates);
	CHECK_EQ(last.evicted, 0);
}

/* Whole lines (header included) with the appliance's masking. */
TEST(drain_hdfs_x500_stable_appliance_rules)
{
	stable("sim 0.4\ndelims \" \\t\\r\\n_\"\nwildsim on\n"
	       "mask colonhex bound=alnum\nmask ipv4 octet bound=alnum\n"
	       "mask hex bound=alnum\nmask num sign bound=alnum\n");
}

/* No masking at all: the reference's worst case (17 -> 1,514 clusters);
 * here the instance rule keeps it flat. */
TEST(drain_hdfs_x500_stable_without_masking)
{
	stable("sim 0.5\n");
}
