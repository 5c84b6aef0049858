/*
 * arena.c - first-fit allocator over one static region (see arena.h).
 *
 * Block layout: a 16-byte header {size | USED, prev_size} followed by the
 * payload.  size counts the header and is a multiple of 16; prev_size is
 * the size of the physically preceding block (0 for the first), so free
 * can merge with both neighbours in O(1).  Free blocks keep next/prev
 * links of the free list in their payload, so the smallest block is 32
 * bytes.  The free list is kept in address order, which keeps first fit
 * from fragmenting the low end.
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

static alignas(ALIGN) unsigned char heap[VIGIL_ARENA_BYTES];
static struct blk *free_list;
static int ready, sealed;
static struct arena_stats st;

#define BSIZE(b) ((b)->size & ~USED)
#define END (heap + sizeof(heap) / ALIGN * ALIGN)

static void
setup(void)
{
	struct blk *b = (struct blk *)(void *)heap;
	b->size = (size_t)(END - heap);
	b->prev_size = 0;
	b->next = b->prev = NULL;
	free_list = b;
	st.capacity = b->size;
	ready = 1;
}

static struct blk *
next_phys(struct blk *b)
{
	unsigned char *n = (unsigned char *)b + BSIZE(b);
	return n < END ? (struct blk *)(void *)n : NULL;
}

static void
list_remove(struct blk *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		free_list = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Insert in address order. */
static void
list_insert(struct blk *b)
{
	struct blk *p = NULL, *c = free_list;
	while (c && c < b) {
		p = c;
		c = c->next;
	}
	b->prev = p;
	b->next = c;
	if (p)
		p->next = b;
	else
		free_list = b;
	if (c)
		c->prev = b;
}

static size_t
block_for(size_t n)
{
	if (n > sizeof(heap))
		return 0;
	size_t need = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return need < MIN_BLOCK ? MIN_BLOCK : need;
}

/* Cut b down to need bytes, returning the tail to the free list. */
static void
split(struct blk *b, size_t need)
{
	size_t have = BSIZE(b);
	if (have - need < MIN_BLOCK)
		return;
	struct blk *t = (struct blk *)(void *)((unsigned char *)b + need);
	t->size = have - need;
	t->prev_size = need;
	b->size = need | (b->size & USED);
	struct blk *n = next_phys(t);
	if (n)
		n->prev_size = t->size;
	/* Merge the tail with a free successor, if any. */
	if (n && !(n->size & USED)) {
		list_remove(n);
		t->size += n->size;
		struct blk *nn = next_phys(t);
		if (nn)
			nn->prev_size = t->size;
	}
	list_insert(t);
}

static void
note_alloc(size_t sz)
{
	st.allocs++;
	st.live_blocks++;
	st.used += sz;
	if (st.used > st.high_water)
		st.high_water = st.used;
	if (sealed)
		st.allocs_after_seal++;
}

void *
arena_malloc(size_t n)
{
	if (!ready)
		setup();
	size_t need = block_for(n);
	if (need == 0) {
		st.failures++;
		return NULL;
	}
	for (struct blk *b = free_list; b; b = b->next) {
		if (b->size < need)
			continue;
		list_remove(b);
		b->size |= USED;
		split(b, need);
		note_alloc(BSIZE(b));
		return (unsigned char *)b + HDR;
	}
	st.failures++;
	return NULL;
}

void *
arena_calloc(size_t count, size_t n)
{
	if (n && count > (size_t)-1 / n) {
		st.failures++;
		return NULL;
	}
	void *p = arena_malloc(count * n);
	if (p)
		memset(p, 0, count * n);
	return p;
}

static int
owned(const void *p)
{
	const unsigned char *c = p;
	return c >= heap + HDR && c < END;
}

void
arena_free(void *p)
{
	if (!p || !owned(p))
		return;
	struct blk *b = (struct blk *)(void *)((unsigned char *)p - HDR);
	if (!(b->size & USED))
		return; /* double free: ignore rather than corrupt the list */
	b->size &= ~USED;
	st.frees++;
	st.live_blocks--;
	st.used -= b->size;
	struct blk *n = next_phys(b);
	if (n && !(n->size & USED)) {
		list_remove(n);
		b->size += n->size;
	}
	if (b->prev_size) {
		struct blk *pb = (struct blk *)(void *)((unsigned char *)b -
		    b->prev_size);
		if (!(pb->size & USED)) {
			list_remove(pb);
			pb->size += b->size;
			b = pb;
		}
	}
	n = next_phys(b);
	if (n)
		n->prev_size = b->size;
	list_insert(b);
}

void *
arena_realloc(void *p, size_t n)
{
	if (!p)
		return arena_malloc(n);
	if (n == 0) {
		arena_free(p);
		return NULL;
	}
	if (!owned(p))
		return NULL;
	struct blk *b = (struct blk *)(void *)((unsigned char *)p - HDR);
	size_t need = block_for(n), have = BSIZE(b);
	if (need == 0) {
		st.failures++;
		return NULL;
	}
	if (need <= have) {
		st.used -= have;
		split(b, need);
		st.used += BSIZE(b);
		return p;
	}
	struct blk *nx = next_phys(b);
	if (nx && !(nx->size & USED) && have + nx->size >= need) {
		list_remove(nx);
		b->size += nx->size;
		struct blk *nn = next_phys(b);
		if (nn)
			nn->prev_size = BSIZE(b);
		st.used -= have;
		split(b, need);
		st.used += BSIZE(b);
		if (st.used > st.high_water)
			st.high_water = st.used;
		st.allocs++;
		if (sealed)
			st.allocs_after_seal++;
		return p;
	}
	void *q = arena_malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have - HDR);
	arena_free(p);
	return q;
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
	if (!ready)
		setup();
	*out = st;
}

/*
 * The static build links with -Wl,--wrap=malloc,... so that libc's own
 * allocations (getpwnam, stdio buffers, ...) come from the arena too.
 * aligned_alloc and friends are refused: nothing vigil links uses them,
 * and a silent fallback would hide it if something started to.
 */
#ifndef VIGIL_NO_WRAP
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t c, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_aligned_alloc(size_t a, size_t n);
int __wrap_posix_memalign(void **p, size_t a, size_t n);
void *__wrap_memalign(size_t a, size_t n);

void *__wrap_malloc(size_t n) { return arena_malloc(n); }
void *__wrap_calloc(size_t c, size_t n) { return arena_calloc(c, n); }
void *__wrap_realloc(void *p, size_t n) { return arena_realloc(p, n); }
void __wrap_free(void *p) { arena_free(p); }

void *
__wrap_aligned_alloc(size_t a, size_t n)
{
	if (a <= ALIGN)
		return arena_malloc(n);
	st.failures++;
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
