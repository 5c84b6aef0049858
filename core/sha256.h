/*
 * sha256.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), pure code.
 *
 * Used to authenticate state-changing status requests (core/auth).  The
 * contexts are flat structs: no pointers, no allocation, copyable with
 * memcpy.  Inputs of any length are accepted; the message length is kept
 * in a 64-bit bit counter, as FIPS 180-4 section 5.1.1 allows (inputs of
 * 2^61 bytes or more wrap, far beyond anything vigil hashes).
 *
 * Does not: compare MACs (auth_mac_equal does that in constant time),
 * wipe key material from the stack, or use hardware acceleration.
 */
#ifndef VIGIL_SHA256_H
#define VIGIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_BLOCK 64   /* bytes per compression block */
#define SHA256_LEN 32     /* bytes of a digest */

struct sha256 {
	uint32_t h[8];
	uint64_t len;             /* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK];
	unsigned nbuf;            /* bytes waiting in buf, < SHA256_BLOCK */
};

struct hmac_sha256 {
	struct sha256 inner;
	struct sha256 outer;      /* already fed with the outer key pad */
};

/* Starts a hash. */
void sha256_init(struct sha256 *s);

/* Hashes n more bytes of p (p may be NULL when n is 0). */
void sha256_update(struct sha256 *s, const void *p, size_t n);

/* Writes the digest of everything hashed to out (SHA256_LEN bytes).  The
 * context must be re-initialised before reuse. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);

/* One-shot digest of n bytes of p. */
void sha256_digest(const void *p, size_t n, uint8_t out[SHA256_LEN]);

/* Starts an HMAC with a key of klen bytes; a key longer than the block
 * is hashed first (RFC 2104 section 2).  The context keeps no pointer to
 * key. */
void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t klen);
void hmac_sha256_update(struct hmac_sha256 *h, const void *p, size_t n);
void hmac_sha256_final(struct hmac_sha256 *h, uint8_t out[SHA256_LEN]);

/* One-shot HMAC-SHA256 of n bytes of msg under key. */
void hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
    uint8_t out[SHA256_LEN]);

#endif /* VIGIL_SHA256_H */
