/*
 * drain.c - the Drain template miner on fixed tables (see drain.h).
 *
 * Does: mask, tokenise, route down the parse tree, match or create a
 * template, evict the least recently used template when a table is full,
 * snapshot and restore.  Does not: allocate, do I/O, read a clock.
 *
 * Storage.  Templates are slots in tpl[]; each owns one record in the byte
 * pool:
 *     u32 owner slot | u32 record bytes | u32 hash[ntok] | u16 len[ntok]
 *     | text of the literal tokens, back to back
 * A "<*>" token has hash 0 and length 0 (real hashes are never 0).  A line
 * is compared with a template by token lengths, then bytes, read 8 at a
 * time (the pool keeps 8 spare bytes at its end, and the line buffer 8
 * zeros after the line); a line's tokens are hashed only where the tree
 * needs a key, or when they become a template.  Merging only turns tokens
 * into "<*>", so a record shrinks in place; eviction leaves a hole.  When
 * the pool end is reached the records are slid down (compaction, one
 * linear walk: each record names its owner).  Tree nodes live in node[],
 * found by (parent, key) through the open-addressing index nidx[] (linear
 * probing, backward-shift deletion).  Node keys are 64-bit token hashes
 * without the text: a collision (2^-64 per pair) can only put two words in
 * one leaf, where templates are compared byte for byte.
 */
#include "drain.h"

#include <string.h>

#include "err.h"

#define NONE UINT32_MAX
#define NT VIGIL_DRAIN_MAX_TEMPLATES
#define HASHN DRAIN_NODE_HASH_
#define HMASK (HASHN - 1u)
/* Largest generation such that every id stays below DRAIN_ID_OVERFLOW. */
#define GEN_MAX ((uint32_t)((INT32_MAX - 1 - (NT - 1)) / NT))

#define CLS_DELIM 1u
#define CLS_DIGIT 2u

#define SNAP_MAGIC "VGDRAIN"
/* 2: the masking tables and the pool's spare bytes changed the layout. */
#define SNAP_VERSION 2u

#if VIGIL_DRAIN_MAX_NODES > 524288
#error "VIGIL_DRAIN_MAX_NODES above 524288 needs a larger node index"
#endif

/* A token of the line being mined. */
struct tok {
	uint64_t h;   /* 0 for a masked "<*>"; only for the key tokens */
	uint16_t off; /* in the (masked) line */
	uint16_t len;
	uint8_t digit;
	uint8_t wild;
};

/* ---- small helpers ------------------------------------------------------ */

static uint32_t
ld32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}
static void
st32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static uint32_t
ld16(const unsigned char *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}
static void
st16(unsigned char *p, uint32_t v)
{
	uint16_t x = (uint16_t)v;
	memcpy(p, &x, 2);
}

/* Eight bytes, the first one lowest (as on the little-endian machines
 * vigil runs on; swapped elsewhere so that the values agree). */
static uint64_t
ld64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The first n (< 8) bytes of an ld64 value. */
static uint64_t
first(uint64_t v, size_t n)
{
	return v & ((1ull << (8 * n)) - 1);
}

/* a[0..n) == b[0..n), eight bytes at a time: both may be read up to seven
 * bytes past n (the line buffer and the pool have that slack). */
static int
same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (; n >= 8; a += 8, b += 8, n -= 8)
		if (ld64(a) != ld64(b))
			return 0;
	return n == 0 || first(ld64(a) ^ ld64(b), n) == 0;
}

static uint32_t
rec_size(uint32_t ntok, uint32_t nbytes)
{
	return (8u + 6u * ntok + nbytes + 7u) & ~7u;
}

/* Token hash: 8 bytes at a time, then a final avalanche.  Never 0 in its
 * low 32 bits, since 0 means "<*>".  p may be read up to seven bytes past
 * n. */
static uint64_t
hash_tok(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull * (n + 1);
	while (n >= 8) {
		h = (h ^ ld64(p)) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	if (n)
		h = (h ^ first(ld64(p), n)) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	if ((uint32_t)h == 0)
		h |= 1;
	return h;
}

static unsigned
nkeys(const struct drain *d, unsigned ntok)
{
	unsigned k = d->cfg.depth - 3u;
	return k < ntok ? k : ntok;
}

static int
id_of(const struct drain *d, uint32_t x)
{
	return (int)(d->tpl[x].gen * (uint32_t)NT + x);
}

/* Slot of a live id, or NONE. */
static uint32_t
slot_of(const struct drain *d, int id)
{
	if (id < 0 || id == DRAIN_ID_OVERFLOW)
		return NONE;
	uint32_t x = (uint32_t)id % NT, g = (uint32_t)id / NT;
	if (!d->tpl[x].live || d->tpl[x].gen != g)
		return NONE;
	return x;
}

/* ---- configuration -------------------------------------------------------- */

static void
delim_set(uint8_t *bm, unsigned c)
{
	bm[(c & 255u) >> 3] |= (uint8_t)(1u << (c & 7u));
}

void
drain_cfg_default(struct drain_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sim_permille = 400;
	cfg->max_children = 100;
	cfg->depth = 4;
	cfg->full = DRAIN_FULL_EVICT;
	for (const char *p = " \t\r\n\v\f"; *p; p++)
		delim_set(cfg->delim, (unsigned char)*p);
	mask_init(&cfg->mask);
}

static int
cfg_ok(const struct drain_cfg *cfg)
{
	return cfg->sim_permille <= 1000 && cfg->max_children >= 2 &&
	    cfg->depth >= 3 && cfg->depth <= VIGIL_DRAIN_MAX_DEPTH &&
	    cfg->full <= DRAIN_FULL_OVERFLOW && cfg->wild_sim <= 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Small unsigned decimal, or -1. */
static long
parse_uint(const char *s, size_t n)
{
	long v = 0;
	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "0.39" -> 390; at most three decimals; -1 if malformed or above 1. */
static long
parse_permille(const char *s, size_t n)
{
	size_t i = 0;
	long v = 0, scale = 1000;
	if (i < n && s[i] >= '0' && s[i] <= '9')
		v = (s[i++] - '0') * 1000;
	else if (!(n > 1 && s[0] == '.'))
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		if (i == n)
			return -1;
		for (; i < n; i++) {
			if (s[i] < '0' || s[i] > '9' || scale == 1)
				return -1;
			scale /= 10;
			v += (s[i] - '0') * scale;
		}
	}
	return i == n && v <= 1000 ? v : -1;
}

static int
parse_delims(struct drain_cfg *cfg, const char *s, size_t n)
{
	uint8_t bm[32];
	if (n < 3 || s[0] != '"' || s[n - 1] != '"')
		return VIGIL_ECONFIG;
	memset(bm, 0, sizeof(bm));
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned c = (unsigned char)s[i];
		if (c == '\\') {
			if (i + 2 >= n)
				return VIGIL_ECONFIG;
			c = (unsigned char)s[++i];
			c = c == 't' ? '\t' : c == 'r' ? '\r' : c == 'n' ? '\n'
			    : c == 'v' ? '\v' : c == 'f' ? '\f' : c;
		}
		delim_set(bm, c);
	}
	memcpy(cfg->delim, bm, sizeof(bm));
	return 0;
}

static int
parse_line(struct drain_cfg *cfg, const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && !is_blank(s[k]))
		k++;
	const char *v = s + k;
	size_t vn = n - k;
	while (vn && is_blank(*v)) {
		v++;
		vn--;
	}
	long x;
	if (word_is(s, k, "sim")) {
		if ((x = parse_permille(v, vn)) < 0)
			return VIGIL_ECONFIG;
		cfg->sim_permille = (uint16_t)x;
	} else if (word_is(s, k, "depth")) {
		x = parse_uint(v, vn);
		if (x < 3 || x > VIGIL_DRAIN_MAX_DEPTH)
			return VIGIL_ECONFIG;
		cfg->depth = (uint8_t)x;
	} else if (word_is(s, k, "children")) {
		x = parse_uint(v, vn);
		if (x < 2 || x > 65535)
			return VIGIL_ECONFIG;
		cfg->max_children = (uint16_t)x;
	} else if (word_is(s, k, "delims")) {
		return parse_delims(cfg, v, vn);
	} else if (word_is(s, k, "full")) {
		if (word_is(v, vn, "evict"))
			cfg->full = DRAIN_FULL_EVICT;
		else if (word_is(v, vn, "overflow"))
			cfg->full = DRAIN_FULL_OVERFLOW;
		else
			return VIGIL_ECONFIG;
	} else if (word_is(s, k, "wildsim")) {
		if (word_is(v, vn, "on"))
			cfg->wild_sim = 1;
		else if (word_is(v, vn, "off"))
			cfg->wild_sim = 0;
		else
			return VIGIL_ECONFIG;
	} else if (word_is(s, k, "mask")) {
		return mask_add(&cfg->mask, v, vn);
	} else {
		return VIGIL_ECONFIG;
	}
	return 0;
}

int
drain_cfg_parse(struct drain_cfg *cfg, const char *text, size_t len,
    unsigned *errline)
{
	size_t i = 0;
	unsigned lineno = 0;
	while (i < len) {
		size_t b = i, e;
		while (i < len && text[i] != '\n')
			i++;
		e = i;
		if (i < len)
			i++;
		lineno++;
		while (b < e && is_blank(text[b]))
			b++;
		/* A '#' after a blank and outside quotes starts a comment. */
		int q = 0;
		for (size_t j = b; j < e; j++) {
			if (q && text[j] == '\\') {
				j++;
			} else if (text[j] == '"') {
				q = !q;
			} else if (!q && text[j] == '#' &&
			    (j == b || is_blank(text[j - 1]))) {
				e = j;
				break;
			}
		}
		while (e > b && is_blank(text[e - 1]))
			e--;
		if (b == e)
			continue;
		int rc = parse_line(cfg, text + b, e - b);
		if (rc < 0) {
			if (errline)
				*errline = lineno;
			return rc;
		}
	}
	return 0;
}

/* ---- init --------------------------------------------------------------- */

static void
derive(struct drain *d)
{
	for (unsigned c = 0; c < 256; c++) {
		uint8_t v = 0;
		if (d->cfg.delim[c >> 3] & (1u << (c & 7u)))
			v |= CLS_DELIM;
		if (c - '0' < 10u)
			v |= CLS_DIGIT;
		d->cls[c] = v;
	}
	mask_compile(&d->cfg.mask);
}

/* Empty tables; keeps cfg and cls. */
static void
clear(struct drain *d)
{
	memset(&d->st, 0, sizeof(d->st));
	memset(d->tpl, 0, sizeof(d->tpl));
	memset(d->node, 0, sizeof(d->node));
	memset(d->nidx, 0, sizeof(d->nidx));
	for (uint32_t x = 0; x < NT; x++)
		d->tpl[x].lru_next = x + 1 < NT ? x + 1 : NONE;
	d->free_tpl = 0;
	d->lru_head = d->lru_tail = NONE;
	/* Node 0 is the root, always in use. */
	d->node[0].used = 1;
	d->node[0].parent = NONE;
	d->node[0].head = NONE;
	for (uint32_t n = 1; n < VIGIL_DRAIN_MAX_NODES; n++)
		d->node[n].parent = n + 1 < VIGIL_DRAIN_MAX_NODES ? n + 1 : NONE;
	d->free_node = VIGIL_DRAIN_MAX_NODES > 1 ? 1 : NONE;
	d->nnodes = 1;
	d->nlive = 0;
	d->pool_used = d->pool_live = 0;
	d->st.nodes = d->st.nodes_hwm = 1;
}

int
drain_init(struct drain *d, const struct drain_cfg *cfg)
{
	int rc = 0;
	memset(d, 0, sizeof(*d));
	if (cfg) {
		d->cfg = *cfg;
		if (!cfg_ok(&d->cfg) || mask_check(&d->cfg.mask) < 0)
			rc = VIGIL_EINVAL;
	} else {
		rc = VIGIL_EINVAL;
	}
	if (rc < 0)
		drain_cfg_default(&d->cfg);
	derive(d);
	clear(d);
	return rc;
}

void
drain_reset(struct drain *d)
{
	clear(d);
}

void
drain_stats(const struct drain *d, struct drain_stats *out)
{
	*out = d->st;
}

/* ---- tokens ------------------------------------------------------------- */

static int
is_wild(const uint8_t *s, size_t n)
{
	return n == 3 && s[0] == '<' && s[1] == '*' && s[2] == '>';
}

/* Token s[b..e).  Its hash and whether it has a digit matter only for the
 * tree's key tokens (key); templates compare lengths and bytes. */
static inline void
set_tok(const struct drain *d, struct tok *t, const uint8_t *s, size_t b,
    size_t e, int key)
{
	t->off = (uint16_t)b;
	t->len = (uint16_t)(e - b);
	t->wild = (uint8_t)is_wild(s + b, e - b);
	t->digit = 0;
	t->h = 0;
	if (key) {
		for (size_t i = b; i < e; i++)
			t->digit |= (d->cls[s[i]] & CLS_DIGIT) != 0;
		if (!t->wild)
			t->h = hash_tok(s + b, e - b);
	}
}

/* A delimiter byte, or -1 if there is none. */
static int
a_delim(const struct drain *d)
{
	for (unsigned w = 0; w < 32; w++)
		if (d->cfg.delim[w])
			return (int)(8 * w +
			    (unsigned)__builtin_ctz(d->cfg.delim[w]));
	return -1;
}

/* Split s[0..n) at delimiters; s[n] is a delimiter (a sentinel).  The
 * last slot takes the rest of the line when there are more tokens than
 * slots. */
static unsigned
tokenize(struct drain *d, const uint8_t *s, size_t n, struct tok *t)
{
	const uint8_t *cls = d->cls;
	unsigned k = 0, keys = d->cfg.depth - 3u;
	size_t i = 0;
	for (;;) {
		while (i < n && (cls[s[i]] & CLS_DELIM))
			i++;
		if (i >= n)
			break;
		size_t b = i;
		if (k == VIGIL_DRAIN_MAX_TOKENS - 1) {
			size_t e = n;
			while (e > b && (cls[s[e - 1]] & CLS_DELIM))
				e--;
			for (; i < e; i++)
				if (cls[s[i]] & CLS_DELIM) {
					d->st.token_overflow++;
					break;
				}
			set_tok(d, &t[k], s, b, e, k < keys);
			return k + 1;
		}
		while (!(cls[s[++i]] & CLS_DELIM))
			;
		set_tok(d, &t[k], s, b, i, k < keys);
		k++;
		i++; /* s[i] is a delimiter */
	}
	return k;
}

/* ---- tree --------------------------------------------------------------- */

static uint32_t
nslot(uint32_t parent, uint64_t key)
{
	uint64_t h = (key ^ ((uint64_t)parent * 0x9e3779b97f4a7c15ull)) *
	    0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 40) & HMASK;
}

static uint32_t
node_find(const struct drain *d, uint32_t parent, uint64_t key)
{
	/* The index is at least twice the node count: a probe always ends
	 * at an empty slot. */
	for (uint32_t s = nslot(parent, key);; s = (s + 1) & HMASK) {
		uint32_t v = d->nidx[s];
		if (!v)
			return NONE;
		const struct drain_node *n = &d->node[v - 1];
		if (n->parent == parent && n->key == key)
			return v - 1;
	}
}

static void
nidx_put(struct drain *d, uint32_t n)
{
	uint32_t s = nslot(d->node[n].parent, d->node[n].key);
	while (d->nidx[s])
		s = (s + 1) & HMASK;
	d->nidx[s] = n + 1;
}

static void
nidx_del(struct drain *d, uint32_t n)
{
	uint32_t s = nslot(d->node[n].parent, d->node[n].key);
	while (d->nidx[s] != n + 1)
		s = (s + 1) & HMASK;
	uint32_t hole = s;
	for (;;) {
		s = (s + 1) & HMASK;
		uint32_t v = d->nidx[s];
		if (!v)
			break;
		uint32_t home = nslot(d->node[v - 1].parent, d->node[v - 1].key);
		/* Move the entry back if the hole lies on its probe path. */
		if (((s - home) & HMASK) >= ((s - hole) & HMASK)) {
			d->nidx[hole] = v;
			hole = s;
		}
	}
	d->nidx[hole] = 0;
}

static uint32_t
node_new(struct drain *d, uint32_t parent, uint64_t key)
{
	uint32_t n = d->free_node;
	if (n == NONE)
		return NONE;
	struct drain_node *p = &d->node[parent], *c = &d->node[n];
	d->free_node = c->parent;
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->parent = parent;
	c->head = NONE;
	c->level = (uint8_t)(p->level + 1);
	c->used = 1;
	p->nchild++;
	if (key == 0 && p->level >= 1)
		p->has_wild = 1;
	nidx_put(d, n);
	if (++d->nnodes > d->st.nodes_hwm)
		d->st.nodes_hwm = d->nnodes;
	d->st.nodes = d->nnodes;
	return n;
}

/* Free n and its ancestors while they hold nothing. */
static void
node_release(struct drain *d, uint32_t n)
{
	while (n != 0 && d->node[n].nchild == 0 && d->node[n].head == NONE) {
		struct drain_node *c = &d->node[n];
		uint32_t p = c->parent;
		nidx_del(d, n);
		d->node[p].nchild--;
		if (c->key == 0 && d->node[p].level >= 1)
			d->node[p].has_wild = 0;
		c->used = 0;
		c->parent = d->free_node;
		d->free_node = n;
		d->nnodes--;
		n = p;
	}
	d->st.nodes = d->nnodes;
}

static uint32_t
find_leaf(const struct drain *d, const struct tok *t, unsigned ntok)
{
	uint32_t n = node_find(d, 0, ntok);
	unsigned keys = nkeys(d, ntok);
	for (unsigned i = 0; i < keys && n != NONE; i++) {
		uint32_t c = NONE;
		if (!t[i].digit && !t[i].wild)
			c = node_find(d, n, t[i].h);
		if (c == NONE)
			c = node_find(d, n, 0);
		n = c;
	}
	return n;
}

/* Find or create the leaf for a new template (Drain's addSeqToPrefixTree:
 * a word with a digit goes to "<*>"; so does a new word when the node has
 * no room left besides the one kept for "<*>").  The caller made sure
 * enough nodes are free. */
static uint32_t
make_leaf(struct drain *d, const struct tok *t, unsigned ntok)
{
	uint32_t n = node_find(d, 0, ntok);
	if (n == NONE && (n = node_new(d, 0, ntok)) == NONE)
		return NONE;
	unsigned keys = nkeys(d, ntok);
	for (unsigned i = 0; i < keys; i++) {
		uint64_t key = t[i].digit ? 0 : t[i].h;
		uint32_t c = node_find(d, n, key);
		if (c == NONE && key != 0) {
			const struct drain_node *p = &d->node[n];
			if (p->nchild + (p->has_wild ? 0u : 1u) >= d->cfg.max_children) {
				key = 0;
				c = node_find(d, n, 0);
			}
		}
		if (c == NONE)
			c = node_new(d, n, key);
		if (c == NONE) {
			node_release(d, n);
			return NONE;
		}
		n = c;
	}
	return n;
}

/* ---- LRU ------------------------------------------------------------------ */

static void
lru_unlink(struct drain *d, uint32_t x)
{
	struct drain_tpl *t = &d->tpl[x];
	if (t->lru_prev != NONE)
		d->tpl[t->lru_prev].lru_next = t->lru_next;
	else
		d->lru_head = t->lru_next;
	if (t->lru_next != NONE)
		d->tpl[t->lru_next].lru_prev = t->lru_prev;
	else
		d->lru_tail = t->lru_prev;
}

static void
lru_push(struct drain *d, uint32_t x)
{
	struct drain_tpl *t = &d->tpl[x];
	t->lru_prev = NONE;
	t->lru_next = d->lru_head;
	if (d->lru_head != NONE)
		d->tpl[d->lru_head].lru_prev = x;
	else
		d->lru_tail = x;
	d->lru_head = x;
}

/* ---- templates ------------------------------------------------------------ */

static void
evict(struct drain *d, uint32_t x)
{
	struct drain_tpl *t = &d->tpl[x];
	uint32_t leaf = t->leaf, *pp = &d->node[leaf].head;
	lru_unlink(d, x);
	while (*pp != x)
		pp = &d->tpl[*pp].leaf_next;
	*pp = t->leaf_next;
	st32(d->pool + t->rec, NONE);
	d->pool_live -= rec_size(t->ntok, t->nbytes);
	t->live = 0;
	t->count = 0;
	if (t->gen >= GEN_MAX) {
		t->gen = 0;
		d->st.gen_wraps++;
	} else {
		t->gen++;
	}
	t->lru_next = d->free_tpl;
	d->free_tpl = x;
	d->nlive--;
	d->st.templates = d->nlive;
	d->st.evicted++;
	d->st.pool_bytes = d->pool_live;
	node_release(d, leaf);
}

/* Slide live records to the start of the pool. */
static void
compact(struct drain *d)
{
	uint32_t r = 0, w = 0;
	while (r < d->pool_used) {
		uint32_t owner = ld32(d->pool + r), cap = ld32(d->pool + r + 4);
		if (owner < NT && d->tpl[owner].live && d->tpl[owner].rec == r) {
			struct drain_tpl *t = &d->tpl[owner];
			uint32_t sz = rec_size(t->ntok, t->nbytes);
			if (w != r)
				memmove(d->pool + w, d->pool + r, sz);
			st32(d->pool + w + 4, sz);
			t->rec = w;
			w += sz;
		}
		r += cap;
	}
	d->pool_used = w;
	d->st.compactions++;
}

/* Compare line tokens with template x.  Returns the positions counted
 * similar; *diff gets the literal positions that differ, *par the "<*>"
 * positions.  Stops early (returning 0) once more than maxdiff differ. */
static unsigned
compare(const struct drain *d, uint32_t x, const uint8_t *s,
    const struct tok *t, unsigned ntok, unsigned maxdiff, unsigned *diff,
    unsigned *par)
{
	const unsigned char *hs = d->pool + d->tpl[x].rec + 8;
	const unsigned char *ls = hs + 4 * ntok, *tx = ls + 2 * ntok;
	unsigned same = 0, df = 0, pr = 0;
	uint32_t toff = 0;
	for (unsigned i = 0; i < ntok; i++) {
		/* Length 0 is "<*>", and so is hash 0 (check_state). */
		uint32_t tl = ld16(ls + 2 * i);
		if (tl == 0) {
			pr++;
			same += t[i].wild & d->cfg.wild_sim;
			continue;
		}
		if (tl == t[i].len && same_bytes(tx + toff, s + t[i].off, tl)) {
			same++;
		} else if (++df > maxdiff) {
			*diff = df;
			return 0;
		}
		toff += tl;
	}
	*diff = df;
	*par = pr;
	return same;
}

/* Turn every literal of x that differs from the line into "<*>". */
static void
merge(struct drain *d, uint32_t x, const uint8_t *s, const struct tok *t,
    unsigned ntok)
{
	struct drain_tpl *tp = &d->tpl[x];
	unsigned char *hs = d->pool + tp->rec + 8;
	unsigned char *ls = hs + 4 * ntok, *tx = ls + 2 * ntok;
	uint32_t r = 0, w = 0, old = rec_size(ntok, tp->nbytes);
	for (unsigned i = 0; i < ntok; i++) {
		uint32_t tl = ld16(ls + 2 * i);
		if (tl == 0)
			continue;
		if (tl == t[i].len && memcmp(tx + r, s + t[i].off, tl) == 0) {
			if (w != r)
				memmove(tx + w, tx + r, tl);
			w += tl;
		} else {
			st32(hs + 4 * i, 0);
			st16(ls + 2 * i, 0);
		}
		r += tl;
	}
	tp->nbytes = (uint16_t)w;
	d->pool_live -= old - rec_size(ntok, w);
	d->st.pool_bytes = d->pool_live;
}

/* Drain's fastMatch over one leaf, plus the instance rule (drain.h). */
static uint32_t
match(struct drain *d, uint32_t leaf, const uint8_t *s, const struct tok *t,
    unsigned ntok, unsigned *ndiff)
{
	uint32_t best = NONE;
	unsigned bsame = 0, bpar = 0, bdiff = 0, seen = 0;
	/* Fewest similar positions that pass the threshold. */
	unsigned need = (unsigned)(((uint32_t)d->cfg.sim_permille * ntok + 999) /
	    1000);
	for (uint32_t x = d->node[leaf].head; x != NONE;
	    x = d->tpl[x].leaf_next) {
		unsigned diff, par = 0, same;
		seen++;
		/* Past ntok - need differences only an instance (0 differences)
		 * could pass, and it has none. */
		same = compare(d, x, s, t, ntok, ntok - need, &diff, &par);
		if (diff > ntok - need)
			continue;
		if (diff != 0 && same < need)
			continue;
		if (best == NONE || same > bsame || (same == bsame && par > bpar)) {
			best = x;
			bsame = same;
			bpar = par;
			bdiff = diff;
		}
	}
	if (seen > d->st.leaf_hwm)
		d->st.leaf_hwm = seen;
	*ndiff = bdiff;
	return best;
}

static int
create(struct drain *d, const uint8_t *s, const struct tok *t, unsigned ntok,
    uint32_t nbytes)
{
	uint32_t need = rec_size(ntok, nbytes);
	unsigned nodes = nkeys(d, ntok) + 1;
	for (;;) {
		if (d->free_tpl != NONE &&
		    VIGIL_DRAIN_POOL_BYTES - d->pool_live >= need &&
		    VIGIL_DRAIN_MAX_NODES - d->nnodes >= nodes)
			break;
		if (d->cfg.full == DRAIN_FULL_OVERFLOW || d->lru_tail == NONE) {
			d->st.overflow++;
			return DRAIN_ID_OVERFLOW;
		}
		evict(d, d->lru_tail);
	}
	if (VIGIL_DRAIN_POOL_BYTES - d->pool_used < need)
		compact(d);
	uint32_t leaf = make_leaf(d, t, ntok);
	if (leaf == NONE) { /* cannot happen: nodes were reserved above */
		d->st.overflow++;
		return DRAIN_ID_OVERFLOW;
	}
	uint32_t x = d->free_tpl;
	struct drain_tpl *tp = &d->tpl[x];
	d->free_tpl = tp->lru_next;

	unsigned char *rec = d->pool + d->pool_used;
	unsigned char *hs = rec + 8, *ls = hs + 4 * ntok, *tx = ls + 2 * ntok;
	st32(rec, x);
	st32(rec + 4, need);
	uint32_t w = 0;
	for (unsigned i = 0; i < ntok; i++) {
		if (t[i].wild) {
			st32(hs + 4 * i, 0);
			st16(ls + 2 * i, 0);
			continue;
		}
		st32(hs + 4 * i, (uint32_t)hash_tok(s + t[i].off, t[i].len));
		st16(ls + 2 * i, t[i].len);
		memcpy(tx + w, s + t[i].off, t[i].len);
		w += t[i].len;
	}
	tp->rec = d->pool_used;
	tp->ntok = (uint16_t)ntok;
	tp->nbytes = (uint16_t)w;
	tp->count = 1;
	tp->live = 1;
	tp->leaf = leaf;
	tp->leaf_next = NONE;
	/* Append: Drain compares a leaf's templates in creation order. */
	uint32_t *pp = &d->node[leaf].head;
	while (*pp != NONE)
		pp = &d->tpl[*pp].leaf_next;
	*pp = x;
	lru_push(d, x);
	d->pool_used += need;
	d->pool_live += need;
	d->nlive++;
	d->st.created++;
	d->st.templates = d->nlive;
	if (d->nlive > d->st.templates_hwm)
		d->st.templates_hwm = d->nlive;
	d->st.pool_bytes = d->pool_live;
	if (d->pool_live > d->st.pool_hwm)
		d->st.pool_hwm = d->pool_live;
	return id_of(d, x);
}

int
drain_add(struct drain *d, const char *line, size_t len)
{
	/* The line, a delimiter, and eight zeros for reads eight bytes wide. */
	uint8_t buf[VIGIL_DRAIN_MAX_LINE + 9];
	struct tok t[VIGIL_DRAIN_MAX_TOKENS];
	const uint8_t *s = buf;
	size_t n = len;

	if (!line && len)
		return VIGIL_EINVAL;
	d->st.lines++;
	if (n > VIGIL_DRAIN_MAX_LINE) {
		n = VIGIL_DRAIN_MAX_LINE;
		d->st.long_lines++;
	}
	if (d->cfg.mask.n && n) {
		struct mask_result mr;
		mask_apply(&d->cfg.mask, (const uint8_t *)line, n, buf,
		    VIGIL_DRAIN_MAX_LINE, &mr);
		if (mr.truncated)
			d->st.mask_truncated++;
		d->st.masked += mr.masked;
		n = mr.len;
	} else if (n) {
		memcpy(buf, line, n);
	}
	int delim = a_delim(d);
	buf[n] = (uint8_t)delim;
	memset(buf + n + 1, 0, 8);
	unsigned ntok = 0;
	if (delim >= 0)
		ntok = tokenize(d, s, n, t);
	else if (n) /* no delimiters: the line is one token */
		set_tok(d, &t[ntok++], s, 0, n, 1);
	if (ntok > d->st.tokens_hwm)
		d->st.tokens_hwm = ntok;
	uint32_t leaf = find_leaf(d, t, ntok);
	if (leaf != NONE) {
		unsigned diff;
		uint32_t x = match(d, leaf, s, t, ntok, &diff);
		if (x != NONE) {
			if (diff)
				merge(d, x, s, t, ntok);
			d->tpl[x].count++;
			if (d->lru_head != x) {
				lru_unlink(d, x);
				lru_push(d, x);
			}
			d->st.matched++;
			return id_of(d, x);
		}
	}
	uint32_t nbytes = 0;
	for (unsigned i = 0; i < ntok; i++)
		nbytes += t[i].wild ? 0u : t[i].len;
	return create(d, s, t, ntok, nbytes);
}

/* ---- accessors ------------------------------------------------------------ */

int
drain_text(const struct drain *d, int id, char *buf, size_t cap)
{
	uint32_t x = slot_of(d, id);
	if (x == NONE) {
		if (cap)
			buf[0] = 0;
		return VIGIL_ENOENT;
	}
	const struct drain_tpl *tp = &d->tpl[x];
	unsigned ntok = tp->ntok;
	const unsigned char *hs = d->pool + tp->rec + 8;
	const unsigned char *ls = hs + 4 * ntok, *tx = ls + 2 * ntok;
	size_t o = 0;
	uint32_t toff = 0;
	for (unsigned i = 0; i < ntok; i++) {
		const char *p = "<*>";
		size_t l = 3;
		if (ld32(hs + 4 * i) != 0) {
			p = (const char *)tx + toff;
			l = ld16(ls + 2 * i);
			toff += (uint32_t)l;
		}
		if (i > 0) {
			if (o + 1 < cap)
				buf[o] = ' ';
			o++;
		}
		for (size_t j = 0; j < l; j++, o++)
			if (o + 1 < cap)
				buf[o] = p[j];
	}
	if (cap)
		buf[o < cap ? o : cap - 1] = 0;
	return o > INT32_MAX ? INT32_MAX : (int)o;
}

int
drain_count(const struct drain *d, int id, uint64_t *count)
{
	uint32_t x = slot_of(d, id);
	if (x == NONE)
		return VIGIL_ENOENT;
	*count = d->tpl[x].count;
	return 0;
}

int
drain_id_at(const struct drain *d, uint32_t slot)
{
	if (slot >= NT || !d->tpl[slot].live)
		return VIGIL_ENOENT;
	return id_of(d, slot);
}

/* ---- snapshot ------------------------------------------------------------- */

/* Everything that must agree for the state bytes to mean the same. */
struct snap_hdr {
	char magic[8];
	uint32_t version;
	uint32_t state_bytes;
	uint32_t templates, tokens, line, pool, nodes, hashn, depth;
	uint32_t rules, lit, pad;
};

static uint64_t
checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 0x243f6a8885a308d3ull ^ n, w;
	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	while (n--) {
		h = (h ^ *p++) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static void
snap_hdr_fill(struct snap_hdr *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, SNAP_MAGIC, 8);
	h->version = SNAP_VERSION;
	h->state_bytes = (uint32_t)sizeof(struct drain);
	h->templates = VIGIL_DRAIN_MAX_TEMPLATES;
	h->tokens = VIGIL_DRAIN_MAX_TOKENS;
	h->line = VIGIL_DRAIN_MAX_LINE;
	h->pool = VIGIL_DRAIN_POOL_BYTES;
	h->nodes = VIGIL_DRAIN_MAX_NODES;
	h->hashn = HASHN;
	h->depth = VIGIL_DRAIN_MAX_DEPTH;
	h->rules = VIGIL_MASK_MAX_RULES;
	h->lit = VIGIL_MASK_MAX_LIT;
}

size_t
drain_snapshot_size(void)
{
	return sizeof(struct snap_hdr) + sizeof(struct drain) + 8;
}

int
drain_snapshot(const struct drain *d, void *buf, size_t cap, size_t *len)
{
	struct snap_hdr h;
	unsigned char *b = buf;
	size_t need = drain_snapshot_size();
	if (len)
		*len = 0;
	if (!buf || cap < need)
		return VIGIL_E2BIG;
	snap_hdr_fill(&h);
	memcpy(b, &h, sizeof(h));
	memcpy(b + sizeof(h), d, sizeof(*d));
	uint64_t c = checksum(b, need - 8);
	memcpy(b + need - 8, &c, 8);
	if (len)
		*len = need;
	return 0;
}

/* Check every index of a state that came from outside and rebuild what can
 * be derived (node index, child counts, node free list).  0 or ECORRUPT. */
static int
check_state(struct drain *d)
{
	static const uint32_t nn = VIGIL_DRAIN_MAX_NODES;
	uint8_t seen[(NT + 7) / 8];
	uint32_t live = 0, keys = d->cfg.depth - 3u;

	if (d->pool_used > VIGIL_DRAIN_POOL_BYTES || d->pool_used % 8 ||
	    d->nlive > NT)
		return VIGIL_ECORRUPT;
	/* Nodes: shape, then the derived index and counts. */
	struct drain_node *root = &d->node[0];
	if (!root->used || root->level != 0)
		return VIGIL_ECORRUPT;
	root->parent = NONE;
	memset(d->nidx, 0, sizeof(d->nidx));
	d->nnodes = 1;
	for (uint32_t n = 0; n < nn; n++) {
		d->node[n].nchild = 0;
		d->node[n].has_wild = 0;
	}
	for (uint32_t n = 1; n < nn; n++) {
		struct drain_node *c = &d->node[n];
		if (!c->used)
			continue;
		if (c->used != 1 || c->parent >= nn || !d->node[c->parent].used ||
		    c->level != d->node[c->parent].level + 1 ||
		    c->level > keys + 1)
			return VIGIL_ECORRUPT;
		if (c->level == 1 && c->key > VIGIL_DRAIN_MAX_TOKENS)
			return VIGIL_ECORRUPT;
		if (c->head != NONE && c->head >= NT)
			return VIGIL_ECORRUPT;
		struct drain_node *p = &d->node[c->parent];
		if (p->nchild == UINT16_MAX ||
		    (p->level >= 1 && p->nchild >= d->cfg.max_children))
			return VIGIL_ECORRUPT;
		if (node_find(d, c->parent, c->key) != NONE)
			return VIGIL_ECORRUPT; /* two nodes with one key */
		p->nchild++;
		if (c->key == 0 && p->level >= 1)
			p->has_wild = 1;
		nidx_put(d, n);
		d->nnodes++;
	}
	if (root->head != NONE)
		return VIGIL_ECORRUPT;
	d->free_node = NONE;
	for (uint32_t n = nn; n-- > 1;) {
		struct drain_node *c = &d->node[n];
		if (c->used) {
			/* An empty node would never be freed. */
			if (c->nchild == 0 && c->head == NONE)
				return VIGIL_ECORRUPT;
			if (c->nchild != 0 && c->head != NONE)
				return VIGIL_ECORRUPT;
			continue;
		}
		c->parent = d->free_node;
		d->free_node = n;
	}
	/* Templates: fields, leaf level, and that the leaf is theirs. */
	for (uint32_t x = 0; x < NT; x++) {
		struct drain_tpl *t = &d->tpl[x];
		if (t->gen > GEN_MAX || t->live > 1)
			return VIGIL_ECORRUPT;
		if (!t->live)
			continue;
		live++;
		/* A template exists because a line made it: its count is at
		 * least 1, and drain_count() promises that to callers. */
		if (t->count == 0 || t->ntok > VIGIL_DRAIN_MAX_TOKENS ||
		    t->nbytes > VIGIL_DRAIN_MAX_LINE || t->leaf >= nn ||
		    !d->node[t->leaf].used ||
		    d->node[t->leaf].level != 1 + nkeys(d, t->ntok))
			return VIGIL_ECORRUPT;
		uint32_t a = t->leaf;
		while (d->node[a].level > 1)
			a = d->node[a].parent;
		if (d->node[a].key != t->ntok)
			return VIGIL_ECORRUPT;
		if (t->rec > d->pool_used ||
		    d->pool_used - t->rec < rec_size(t->ntok, t->nbytes))
			return VIGIL_ECORRUPT;
	}
	if (live != d->nlive)
		return VIGIL_ECORRUPT;
	/* Leaf lists: each live template exactly once, in its own leaf. */
	memset(seen, 0, sizeof(seen));
	uint32_t listed = 0;
	for (uint32_t n = 1; n < nn; n++) {
		if (!d->node[n].used)
			continue;
		for (uint32_t x = d->node[n].head; x != NONE;
		    x = d->tpl[x].leaf_next) {
			if (x >= NT || !d->tpl[x].live || d->tpl[x].leaf != n ||
			    (seen[x >> 3] & (1u << (x & 7))))
				return VIGIL_ECORRUPT;
			seen[x >> 3] |= (uint8_t)(1u << (x & 7));
			listed++;
		}
	}
	if (listed != live)
		return VIGIL_ECORRUPT;
	/* LRU list: consistent links, every live template once (a repeat
	 * would break the back links, see the step bound). */
	uint32_t prev = NONE, steps = 0;
	for (uint32_t x = d->lru_head; x != NONE; x = d->tpl[x].lru_next) {
		if (x >= NT || !d->tpl[x].live || d->tpl[x].lru_prev != prev ||
		    ++steps > live)
			return VIGIL_ECORRUPT;
		prev = x;
	}
	if (steps != live || d->lru_tail != prev)
		return VIGIL_ECORRUPT;
	/* Pool: walkable, each live record reached at its own offset. */
	uint32_t r = 0, owned = 0, need = 0;
	while (r < d->pool_used) {
		if (d->pool_used - r < 8)
			return VIGIL_ECORRUPT;
		uint32_t owner = ld32(d->pool + r), cap = ld32(d->pool + r + 4);
		if (cap < 8 || cap % 8 || cap > d->pool_used - r)
			return VIGIL_ECORRUPT;
		if (owner != NONE) {
			if (owner >= NT)
				return VIGIL_ECORRUPT;
			struct drain_tpl *t = &d->tpl[owner];
			if (t->live && t->rec == r) {
				uint32_t sz = rec_size(t->ntok, t->nbytes);
				if (sz > cap)
					return VIGIL_ECORRUPT;
				const unsigned char *hs = d->pool + r + 8;
				const unsigned char *ls = hs + 4u * t->ntok;
				uint32_t sum = 0;
				for (unsigned i = 0; i < t->ntok; i++) {
					uint32_t l = ld16(ls + 2 * i);
					if ((ld32(hs + 4 * i) == 0) != (l == 0))
						return VIGIL_ECORRUPT;
					sum += l;
				}
				if (sum != t->nbytes)
					return VIGIL_ECORRUPT;
				owned++;
				need += sz;
			}
		}
		r += cap;
	}
	if (owned != live)
		return VIGIL_ECORRUPT;
	d->pool_live = need;
	/* Free template list: kept (its order decides the next ids, so a
	 * restored miner goes on exactly as the saved one would), each free
	 * slot exactly once. */
	memset(seen, 0, sizeof(seen));
	steps = 0;
	for (uint32_t x = d->free_tpl; x != NONE; x = d->tpl[x].lru_next) {
		if (x >= NT || d->tpl[x].live || (seen[x >> 3] & (1u << (x & 7))))
			return VIGIL_ECORRUPT;
		seen[x >> 3] |= (uint8_t)(1u << (x & 7));
		steps++;
	}
	if (steps != NT - live)
		return VIGIL_ECORRUPT;
	d->st.templates = live;
	d->st.nodes = d->nnodes;
	d->st.pool_bytes = d->pool_live;
	return 0;
}

int
drain_restore(struct drain *d, const struct drain_cfg *cfg, const void *buf,
    size_t len)
{
	struct snap_hdr h, want;
	const unsigned char *b = buf;
	int rc;

	if (!cfg || !cfg_ok(cfg)) {
		drain_init(d, NULL);
		return VIGIL_EINVAL;
	}
	rc = drain_init(d, cfg);
	if (rc < 0)
		return rc;
	if (!buf || len < sizeof(h) || memcmp(b, SNAP_MAGIC, 8) != 0)
		return VIGIL_EPARSE;
	memcpy(&h, b, sizeof(h));
	snap_hdr_fill(&want);
	if (h.version != SNAP_VERSION)
		return VIGIL_EVERSION;
	if (memcmp(&h, &want, sizeof(h)) != 0)
		return VIGIL_EVERSION; /* built with other limits */
	if (len != drain_snapshot_size())
		return VIGIL_ECORRUPT;
	uint64_t c;
	memcpy(&c, b + len - 8, 8);
	if (c != checksum(b, len - 8))
		return VIGIL_ECORRUPT;
	memcpy(d, b + sizeof(h), sizeof(*d));
	rc = VIGIL_ECORRUPT;
	if (cfg_ok(&d->cfg) && mask_check(&d->cfg.mask) == 0) {
		rc = VIGIL_ECONFIG;
		if (d->cfg.depth == cfg->depth &&
		    d->cfg.max_children == cfg->max_children) {
			rc = check_state(d);
		}
	}
	if (rc < 0) {
		drain_init(d, cfg);
		return rc;
	}
	d->cfg = *cfg;
	derive(d);
	return 0;
}
