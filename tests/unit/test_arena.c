/* test_arena.c - the fixed arena allocator (platform/arena.c, tested
 * directly: it has no dependency beyond libc). */
#define VIGIL_NO_WRAP
#include "unit.h"
#include "../../platform/arena.c"

TEST(arena_alloc_free_returns_to_zero)
{
	struct arena_stats s;
	void *p[64];
	for (int i = 0; i < 64; i++) {
		p[i] = arena_malloc((size_t)(i * 37 + 1));
		CHECK(p[i] != NULL);
		CHECK_EQ((uintptr_t)p[i] % 16, 0);
		memset(p[i], 0xab, (size_t)(i * 37 + 1));
	}
	for (int i = 0; i < 64; i += 2)
		arena_free(p[i]);
	for (int i = 1; i < 64; i += 2)
		arena_free(p[i]);
	arena_get_stats(&s);
	CHECK_EQ(s.used, 0);
	CHECK_EQ(s.live_blocks, 0);
	CHECK(s.high_water > 0);
	/* Everything coalesced back: the whole arena is one block again. */
	void *big = arena_malloc(s.capacity - 16);
	CHECK(big != NULL);
	arena_free(big);
}

TEST(arena_exhaustion_fails_and_counts)
{
	struct arena_stats s;
	void *p = arena_malloc(VIGIL_ARENA_BYTES);
	CHECK(p == NULL);
	arena_get_stats(&s);
	CHECK_EQ(s.failures, 1);
	CHECK(arena_calloc((size_t)-1, 16) == NULL);
	arena_get_stats(&s);
	CHECK_EQ(s.failures, 2);
}

TEST(arena_realloc_grows_in_place_and_moves)
{
	char *a = arena_malloc(100);
	memset(a, 'x', 100);
	char *b = arena_realloc(a, 1000); /* next block is free: in place */
	CHECK(b == a);
	CHECK_EQ(b[99], 'x');
	char *c = arena_malloc(10);
	char *d = arena_realloc(b, 5000); /* blocked by c: moves */
	CHECK(d != NULL);
	CHECK_EQ(d[0], 'x');
	CHECK_EQ(d[99], 'x');
	char *e = arena_realloc(d, 10); /* shrink in place */
	CHECK(e == d);
	arena_free(c);
	arena_free(e);
	struct arena_stats s;
	arena_get_stats(&s);
	CHECK_EQ(s.used, 0);
}

TEST(arena_counts_allocations_after_seal)
{
	struct arena_stats s;
	void *p = arena_malloc(10);
	arena_seal();
	arena_free(p);
	arena_get_stats(&s);
	CHECK_EQ(s.allocs_after_seal, 0);
	p = arena_calloc(2, 10);
	arena_get_stats(&s);
	CHECK_EQ(s.allocs_after_seal, 1);
	arena_unseal();
	arena_free(p);
}

TEST(arena_ignores_foreign_and_double_free)
{
	int local;
	arena_free(&local);
	void *p = arena_malloc(64);
	arena_free(p);
	arena_free(p);
	struct arena_stats s;
	arena_get_stats(&s);
	CHECK_EQ(s.frees, 1);
	CHECK_EQ(s.used, 0);
}

TEST(arena_random_churn_keeps_invariants)
{
	void *slot[128] = {0};
	size_t size[128] = {0};
	unsigned x = 12345;
	for (int it = 0; it < 20000; it++) {
		x = x * 1103515245u + 12345u;
		int k = (int)((x >> 8) % 128);
		if (slot[k]) {
			unsigned char *b = slot[k];
			for (size_t j = 0; j < size[k]; j++)
				CHECK_EQ(b[j], (unsigned char)k);
			if ((x >> 20) & 1) {
				size_t ns = (x >> 4) % 3000 + 1;
				unsigned char *nb = arena_realloc(slot[k], ns);
				CHECK(nb != NULL);
				memset(nb, k, ns);
				slot[k] = nb;
				size[k] = ns;
			} else {
				arena_free(slot[k]);
				slot[k] = NULL;
			}
		} else {
			size[k] = (x >> 4) % 3000 + 1;
			slot[k] = arena_malloc(size[k]);
			CHECK(slot[k] != NULL);
			memset(slot[k], k, size[k]);
		}
	}
	for (int k = 0; k < 128; k++)
		arena_free(slot[k]);
	struct arena_stats s;
	arena_get_stats(&s);
	CHECK_EQ(s.used, 0);
	CHECK_EQ(s.live_blocks, 0);
}
