/*
 * arena.h - the fixed heaps of the process.
 *
 * Two zones are reserved in static storage:
 *
 *   ARENA_MAIN  VIGIL_ARENA_BYTES: libuv (uv_replace_allocator) and, in the
 *               static build, libc's own malloc family (-Wl,--wrap).  It is
 *               sealed after start-up; every allocation after that is
 *               counted in allocs_after_seal, which the status channel
 *               reports and the tests require to stay 0 under traffic.
 *   ARENA_SSH   VIGIL_SSH_ARENA_BYTES: libssh2 (libssh2_session_init_ex)
 *               and mbedTLS (mbedtls_platform_set_calloc_free).  An SSH
 *               session allocates for every packet it receives and for
 *               every reconnect, so this zone is a working heap of fixed
 *               size: its allocations after the seal are expected and
 *               counted in its own stats, and its churn can neither
 *               exhaust nor fragment the main zone.
 *
 * Exhaustion of either returns NULL and is counted; no zone ever grows.
 * arena_malloc/calloc/realloc allocate from the main zone, as before.
 * arena_free and arena_realloc find a block's zone from its address, so a
 * block freed through the "wrong" allocator (libssh2 1.10 frees memory it
 * got from its session allocator with mbedTLS's free) still returns to
 * the zone it came from.
 *
 * Allocator: first fit over an address-ordered free list with boundary
 * tags and immediate coalescing; 16-byte alignment, 16 bytes of overhead
 * per block.  Single-threaded, like the loop that uses it: the one other
 * thread, the UDP reader (syslog_net.c), never allocates.
 */
#ifndef VIGIL_ARENA_H
#define VIGIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

enum arena_zone { ARENA_MAIN = 0, ARENA_SSH = 1, ARENA_ZONES };

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

/* The main zone. */
void *arena_malloc(size_t n);
void *arena_calloc(size_t count, size_t n);
void *arena_realloc(void *p, size_t n);
void arena_free(void *p);

/* Any zone.  realloc keeps the block in the zone it came from (zone is
 * used only when p is NULL); free is arena_free. */
void *arena_zone_malloc(int zone, size_t n);
void *arena_zone_calloc(int zone, size_t count, size_t n);
void *arena_zone_realloc(int zone, void *p, size_t n);

/* Chooses the zone that libc's wrapped malloc family allocates from (the
 * static build) and returns the previous one.  platform/ssh.c switches
 * to ARENA_SSH around its libssh2 calls so that what libc allocates for
 * them (mbedTLS opens /dev/urandom with fopen under musl) is charged to
 * the SSH zone.  libuv and arena_malloc always use the main zone. */
int arena_libc_zone(int zone);

/* Marks the end of start-up (see above), for every zone.  arena_unseal()
 * for tests. */
void arena_seal(void);
void arena_unseal(void);
/* Stats of the main zone. */
void arena_get_stats(struct arena_stats *st);
/* Stats of any zone (an unknown zone reads as all zeros). */
void arena_zone_stats(int zone, struct arena_stats *st);

#endif /* VIGIL_ARENA_H */
