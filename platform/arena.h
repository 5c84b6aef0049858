/*
 * arena.h - the one fixed heap of the process.
 *
 * VIGIL_ARENA_BYTES are reserved in static storage.  libuv
 * (uv_replace_allocator), libssh2 (libssh2_session_init_ex), mbedTLS
 * (mbedtls_platform_set_calloc_free) and, in the static build, libc's own
 * malloc family (-Wl,--wrap) all allocate from it.  Exhaustion returns
 * NULL and is counted; the arena never grows.
 *
 * After start-up vigild calls arena_seal(); every allocation after that
 * is counted in allocs_after_seal, which the status channel reports and
 * the tests require to stay 0 under traffic.
 *
 * Allocator: first fit over an address-ordered free list with boundary
 * tags and immediate coalescing; 16-byte alignment, 16 bytes of overhead
 * per block.  Single-threaded, like the loop that uses it.
 */
#ifndef VIGIL_ARENA_H
#define VIGIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena_stats {
	uint64_t capacity;          /* bytes reserved */
	uint64_t used;              /* bytes in live blocks, with headers */
	uint64_t high_water;        /* the most ever used */
	uint64_t allocs;            /* successful allocations (incl. realloc) */
	uint64_t frees;
	uint64_t failures;          /* allocations refused: arena exhausted */
	uint64_t allocs_after_seal; /* allocations after start-up ended */
	uint64_t live_blocks;
};

void *arena_malloc(size_t n);
void *arena_calloc(size_t count, size_t n);
void *arena_realloc(void *p, size_t n);
void arena_free(void *p);

/* Marks the end of start-up (see above).  arena_unseal() for tests. */
void arena_seal(void);
void arena_unseal(void);
void arena_get_stats(struct arena_stats *st);

#endif /* VIGIL_ARENA_H */
