/*
 * fuzz_drain.c - the Drain miner on arbitrary bytes, with the tiny limits.
 *
 * The first byte picks the configuration (threshold, depth, children, full
 * mode, wildsim) and the mode:
 *   lines     every '\n'-separated piece of the rest is mined; each answer
 *             must be a live id whose text renders, or DRAIN_ID_OVERFLOW;
 *             the counters must stay within the limits; a snapshot must
 *             restore to a miner that answers the same for every slot and
 *             then mines the same ids;
 *   state     the rest overwrites part of a valid miner's state, which is
 *             then snapshotted (so the checksum is right) and restored:
 *             the index checks must refuse or accept it without crashing,
 *             and an accepted state must keep working.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "err.h"

static struct drain a, b;
static unsigned char snap[sizeof(struct drain) + 256];
static char t1[VIGIL_DRAIN_MAX_LINE * 4 + 16], t2[sizeof(t1)];

static const char rules[] =
    "mask ipv4 port bound=alnum\n"
    "mask uuid\n"
    "mask hex bound=alnum\n"
    "mask num sign bound=alnum\n"
    "mask paren pre=\" \" with=\"\"\n";

static void
config(struct drain_cfg *cfg, uint8_t k)
{
	drain_cfg_default(cfg);
	if (drain_cfg_parse(cfg, rules, sizeof(rules) - 1, NULL) != 0)
		abort();
	cfg->sim_permille = (uint16_t)((k & 3) * 300);
	cfg->depth = (uint8_t)(3 + ((k >> 2) & 3) % (VIGIL_DRAIN_MAX_DEPTH - 2));
	cfg->max_children = (uint16_t)(2 + ((k >> 4) & 1));
	cfg->full = (k >> 5) & 1;
	cfg->wild_sim = (k >> 6) & 1;
}

static void
check_id(struct drain *d, int id)
{
	if (id == DRAIN_ID_OVERFLOW)
		return;
	if (id < 0)
		abort();
	int n = drain_text(d, id, t1, sizeof(t1));
	if (n < 0 || (size_t)n >= sizeof(t1))
		abort();
	uint64_t c = 0;
	if (drain_count(d, id, &c) != 0 || c == 0)
		abort();
}

/* Gauges within the limits; with exact, the counters add up too (not
 * after a state was poked: counters are not checked on restore). */
static void
check_stats(struct drain *d, int exact)
{
	struct drain_stats st;
	drain_stats(d, &st);
	if (st.templates > VIGIL_DRAIN_MAX_TEMPLATES ||
	    st.nodes > VIGIL_DRAIN_MAX_NODES ||
	    st.pool_bytes > VIGIL_DRAIN_POOL_BYTES)
		abort();
	if (exact && (st.tokens_hwm > VIGIL_DRAIN_MAX_TOKENS ||
	        st.templates + st.evicted != st.created))
		abort();
}

static void
mine(struct drain *d, const uint8_t *p, size_t n, int *ids, size_t max,
    size_t *nids)
{
	size_t i = 0, k = 0;
	while (i <= n) {
		const uint8_t *e = memchr(p + i, '\n', n - i);
		size_t l = e ? (size_t)(e - (p + i)) : n - i;
		int id = drain_add(d, (const char *)p + i, l);
		check_id(d, id);
		if (k < max)
			ids[k++] = id;
		i += l + 1;
	}
	check_stats(d, 1);
	*nids = k;
}

static void
same_slots(struct drain *x, struct drain *y)
{
	for (uint32_t s = 0; s < VIGIL_DRAIN_MAX_TEMPLATES; s++) {
		int i1 = drain_id_at(x, s), i2 = drain_id_at(y, s);
		if (i1 != i2)
			abort();
		if (i1 < 0)
			continue;
		int l1 = drain_text(x, i1, t1, sizeof(t1));
		int l2 = drain_text(y, i2, t2, sizeof(t2));
		if (l1 != l2 || l1 < 0 || memcmp(t1, t2, (size_t)l1) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drain_cfg cfg;
	size_t len, n1, n2;
	int ids1[64], ids2[64];

	if (size < 1)
		return 0;
	int state_mode = data[0] >> 7;
	config(&cfg, data[0]);
	if (drain_init(&a, &cfg) != 0)
		abort();
	data++;
	size--;

	if (!state_mode) {
		/* lines */
		size_t half = size / 2;
		mine(&a, data, half, ids1, 64, &n1);
		if (drain_snapshot(&a, snap, sizeof(snap), &len) != 0)
			abort();
		if (drain_restore(&b, &cfg, snap, len) != 0)
			abort();
		same_slots(&a, &b);
		mine(&a, data + half, size - half, ids1, 64, &n1);
		mine(&b, data + half, size - half, ids2, 64, &n2);
		if (n1 != n2 || memcmp(ids1, ids2, n1 * sizeof(int)) != 0)
			abort();
		return 0;
	}

	/* state */
	static const char *const seed[] = {"disk 1 failed", "disk 2 failed",
	    "fan speed low", "fan a b c d e f g h i j", "x"};
	for (size_t i = 0; i < 5; i++)
		check_id(&a, drain_add(&a, seed[i], strlen(seed[i])));
	if (size >= 4) {
		uint32_t off32;
		memcpy(&off32, data, 4);
		size_t off = off32 % sizeof(struct drain);
		size_t l = size - 4;
		if (l > sizeof(struct drain) - off)
			l = sizeof(struct drain) - off;
		memcpy((unsigned char *)&a + off, data + 4, l);
	}
	if (drain_snapshot(&a, snap, sizeof(snap), &len) != 0)
		abort();
	int rc = drain_restore(&b, &cfg, snap, len);
	if (rc != 0 && rc != VIGIL_ECORRUPT && rc != VIGIL_ECONFIG)
		abort();
	if (rc != 0) {
		/* Refused: empty. */
		struct drain_stats st;
		drain_stats(&b, &st);
		if (st.templates != 0 || drain_id_at(&b, 0) != VIGIL_ENOENT)
			abort();
	}
	for (uint32_t s = 0; s < VIGIL_DRAIN_MAX_TEMPLATES; s++) {
		int id = drain_id_at(&b, s);
		if (id >= 0)
			check_id(&b, id);
	}
	for (size_t i = 0; i < 5; i++)
		check_id(&b, drain_add(&b, seed[i], strlen(seed[i])));
	check_stats(&b, 0);
	return 0;
}
