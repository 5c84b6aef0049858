/*
 * arena.c - first-fit allocator over fixed static zones (see arena.h).
 *
 * Block layout: a 16-byte header {size | USED, prev_size} followed by the
 * payload.  size counts the header and is a multiple of 16; prev_size is
 * the size of the physically preceding block (0 for the first), so free
 * can merge with both neighbours in O(1).  Free blocks keep next/prev
 * links of the free list in their payload, so the smallest block is 32
 * bytes.  Each zone's free list is kept in address order, which keeps
 * first fit from fragmenting the low end.
 */
#include <stdalign.h>
#include <string.h>

#include "arena.h"
#include "limits.h"

#define ALIGN 16u
#define HDR 16u
#define MIN_BLOCK 32u
#define USED ((size_t)1)

struct blk {
	size_t size; /* with USED in bit 0 */
	size_t prev_size;
	/* free blocks only: */
	struct blk *next;
	struct blk *prev;
};

struct zone {
	unsigned char *base;
	unsigned char *end;  /* base + capacity rounded down to ALIGN */
	struct blk *free_list;
	int ready;
	struct arena_stats st;
};

static alignas(ALIGN) unsigned char heap[VIGIL_ARENA_BYTES];
static alignas(ALIGN) unsigned char ssh_heap[VIGIL_SSH_ARENA_BYTES];
static struct zone zones[ARENA_ZONES] = {
	[ARENA_MAIN] = {heap, heap + sizeof(heap) / ALIGN * ALIGN, NULL, 0,
	    {0}},
	[ARENA_SSH] = {ssh_heap, ssh_heap + sizeof(ssh_heap) / ALIGN * ALIGN,
	    NULL, 0, {0}},
};
static int sealed;
static int libc_zone = ARENA_MAIN;

#define BSIZE(b) ((b)->size & ~USED)

static void
setup(struct zone *z)
{
	struct blk *b = (struct blk *)(void *)z->base;
	b->size = (size_t)(z->end - z->base);
	b->prev_size = 0;
	b->next = b->prev = NULL;
	z->free_list = b;
	z->st.capacity = b->size;
	z->ready = 1;
}

static struct zone *
zone_get(int zone)
{
	if (zone < 0 || zone >= ARENA_ZONES)
		return NULL;
	struct zone *z = &zones[zone];
	if (!z->ready)
		setup(z);
	return z;
}

/* The zone a payload pointer belongs to, or NULL for foreign memory. */
static struct zone *
zone_of(const void *p)
{
	const unsigned char *c = p;
	for (int i = 0; i < ARENA_ZONES; i++)
		if (c >= zones[i].base + HDR && c < zones[i].end)
			return zones[i].ready ? &zones[i] : NULL;
	return NULL;
}

static struct blk *
next_phys(const struct zone *z, struct blk *b)
{
	unsigned char *n = (unsigned char *)b + BSIZE(b);
	return n < z->end ? (struct blk *)(void *)n : NULL;
}

static void
list_remove(struct zone *z, struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		z->free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Insert in address order. */
static void
list_insert(struct zone *z, struct blk *b)
{
	struct blk *p = NULL, *c = z->free_list;
	while (c && c < b) {
		p = c;
		c = c->next;
	}
	b->prev = p;
	b->next = c;
	if (p)
		p->next = b;
	else
		z->free_list = b;
	if (c)
		c->prev = b;
}

static size_t
block_for(const struct zone *z, size_t n)
{
	if (n > (size_t)(z->end - z->base))
		return 0;
	size_t need = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return need < MIN_BLOCK ? MIN_BLOCK : need;
}

/* Cut b down to need bytes, returning the tail to the free list. */
static void
split(struct zone *z, struct blk *b, size_t need)
{
	size_t have = BSIZE(b);
	if (have - need < MIN_BLOCK)
		return;
	struct blk *t = (struct blk *)(void *)((unsigned char *)b + need);
	t->size = have - need;
	t->prev_size = need;
	b->size = need | (b->size & USED);
	struct blk *n = next_phys(z, t);
	if (n)
		n->prev_size = t->size;
	/* Merge the tail with a free successor, if any. */
	if (n && !(n->size & USED)) {
		list_remove(z, n);
		t->size += n->size;
		struct blk *nn = next_phys(z, t);
		if (nn)
			nn->prev_size = t->size;
	}
	list_insert(z, t);
}

static void
note_alloc(struct zone *z, size_t sz)
{
	z->st.allocs++;
	z->st.live_blocks++;
	z->st.used += sz;
	if (z->st.used > z->st.high_water)
		z->st.high_water = z->st.used;
	if (sealed)
		z->st.allocs_after_seal++;
}

static void *
zmalloc(struct zone *z, size_t n)
{
	size_t need = block_for(z, n);
	if (need == 0) {
		z->st.failures++;
		return NULL;
	}
	for (struct blk *b = z->free_list; b; b = b->next) {
		if (b->size < need)
			continue;
		list_remove(z, b);
		b->size |= USED;
		split(z, b, need);
		note_alloc(z, BSIZE(b));
		return (unsigned char *)b + HDR;
	}
	z->st.failures++;
	return NULL;
}

static void *
zcalloc(struct zone *z, size_t count, size_t n)
{
	if (n && count > (size_t)-1 / n) {
		z->st.failures++;
		return NULL;
	}
	void *p = zmalloc(z, count * n);
	if (p)
		memset(p, 0, count * n);
	return p;
}

void
arena_free(void *p)
{
	struct zone *z = p ? zone_of(p) : NULL;
	if (!z)
		return;
	struct blk *b = (struct blk *)(void *)((unsigned char *)p - HDR);
	if (!(b->size & USED))
		return; /* double free: ignore rather than corrupt the list */
	b->size &= ~USED;
	z->st.frees++;
	z->st.live_blocks--;
	z->st.used -= b->size;
	struct blk *n = next_phys(z, b);
	if (n && !(n->size & USED)) {
		list_remove(z, n);
		b->size += n->size;
	}
	if (b->prev_size) {
		struct blk *pb = (struct blk *)(void *)((unsigned char *)b -
		    b->prev_size);
		if (!(pb->size & USED)) {
			list_remove(z, pb);
			pb->size += b->size;
			b = pb;
		}
	}
	n = next_phys(z, b);
	if (n)
		n->prev_size = b->size;
	list_insert(z, b);
}

static void *
zrealloc(struct zone *z, void *p, size_t n)
{
	if (!p)
		return zmalloc(z, n);
	if (n == 0) {
		arena_free(p);
		return NULL;
	}
	z = zone_of(p);
	if (!z)
		return NULL;
	struct blk *b = (struct blk *)(void *)((unsigned char *)p - HDR);
	size_t need = block_for(z, n), have = BSIZE(b);
	if (need == 0) {
		z->st.failures++;
		return NULL;
	}
	if (need <= have) {
		z->st.used -= have;
		split(z, b, need);
		z->st.used += BSIZE(b);
		return p;
	}
	struct blk *nx = next_phys(z, b);
	if (nx && !(nx->size & USED) && have + nx->size >= need) {
		list_remove(z, nx);
		b->size += nx->size;
		struct blk *nn = next_phys(z, b);
		if (nn)
			nn->prev_size = BSIZE(b);
		z->st.used -= have;
		split(z, b, need);
		z->st.used += BSIZE(b);
		if (z->st.used > z->st.high_water)
			z->st.high_water = z->st.used;
		z->st.allocs++;
		if (sealed)
			z->st.allocs_after_seal++;
		return p;
	}
	void *q = zmalloc(z, n);
	if (!q)
		return NULL;
	memcpy(q, p, have - HDR);
	arena_free(p);
	return q;
}

void *
arena_malloc(size_t n)
{
	return zmalloc(zone_get(ARENA_MAIN), n);
}

void *
arena_calloc(size_t count, size_t n)
{
	return zcalloc(zone_get(ARENA_MAIN), count, n);
}

void *
arena_realloc(void *p, size_t n)
{
	return zrealloc(zone_get(ARENA_MAIN), p, n);
}

void *
arena_zone_malloc(int zone, size_t n)
{
	struct zone *z = zone_get(zone);
	return z ? zmalloc(z, n) : NULL;
}

void *
arena_zone_calloc(int zone, size_t count, size_t n)
{
	struct zone *z = zone_get(zone);
	return z ? zcalloc(z, count, n) : NULL;
}

void *
arena_zone_realloc(int zone, void *p, size_t n)
{
	struct zone *z = zone_get(zone);
	return z ? zrealloc(z, p, n) : NULL;
}

int
arena_libc_zone(int zone)
{
	int prev = libc_zone;
	if (zone >= 0 && zone < ARENA_ZONES)
		libc_zone = zone;
	return prev;
}

void
arena_seal(void)
{
	sealed = 1;
}

void
arena_unseal(void)
{
	sealed = 0;
}

void
arena_get_stats(struct arena_stats *out)
{
	*out = zone_get(ARENA_MAIN)->st;
}

void
arena_zone_stats(int zone, struct arena_stats *out)
{
	struct zone *z = zone_get(zone);
	if (z)
		*out = z->st;
	else
		memset(out, 0, sizeof(*out));
}

/*
 * The static build links with -Wl,--wrap=malloc,... so that libc's own
 * allocations (getpwnam, stdio buffers, ...) come from the arena too, from
 * the zone arena_libc_zone() chose.  aligned_alloc and friends are
 * refused: nothing vigil links uses them, and a silent fallback would hide
 * it if something started to.
 */
#ifndef VIGIL_NO_WRAP
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t c, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_memalign(size_t a, size_t n);

void *
__wrap_malloc(size_t n)
{
	return arena_zone_malloc(libc_zone, n);
}

void *
__wrap_calloc(size_t c, size_t n)
{
	return arena_zone_calloc(libc_zone, c, n);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return arena_zone_realloc(libc_zone, p, n);
}

void
__wrap_free(void *p)
{
	arena_free(p);
}

void *
__wrap_aligned_alloc(size_t a, size_t n)
{
	if (a <= ALIGN)
		return arena_zone_malloc(libc_zone, n);
	zone_get(libc_zone)->st.failures++;
	return NULL;
}

int
__wrap_posix_memalign(void **p, size_t a, size_t n)
{
	*p = __wrap_aligned_alloc(a, n);
	return *p ? 0 : 12; /* ENOMEM */
}

void *
__wrap_memalign(size_t a, size_t n)
{
	return __wrap_aligned_alloc(a, n);
}
#endif
