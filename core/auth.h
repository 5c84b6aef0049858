/*
 * auth.h - authentication of state-changing NOC requests: HMAC-SHA256
 * under the pre-shared key, a time window and a table of used nonces.
 *
 * A command (the serialized bytes of a vigil.Command, see
 * proto/vigil.proto) is accepted when
 *   1. a key is set,
 *   2. its MAC is HMAC-SHA256(key, AUTH_LABEL || command), compared in
 *      constant time (auth_verify),
 *   3. its timestamp is within VIGIL_AUTH_WINDOW_S seconds of our clock,
 *      and its nonce (AUTH_NONCE_MIN..VIGIL_AUTH_NONCE_MAX bytes) was not
 *      used by another accepted command whose timestamp is still inside
 *      the window (auth_fresh, which then remembers the nonce).
 * The MAC is checked before anything else so that unauthenticated input
 * can never fill the nonce table.
 *
 * Limits: VIGIL_MAX_NONCES nonces are remembered.  A nonce is forgotten
 * once its timestamp is more than the window behind our clock.  When all
 * slots hold live nonces a new command is refused (VIGIL_ENOSPC, counted)
 * instead of forgetting a nonce that could still be replayed.  If our
 * clock steps back, entries stay until the clock passes them again.
 *
 * Does not: read a clock (now_s comes in), decode protobuf, or keep the
 * key anywhere but in the struct.  The struct has no pointers.
 */
#ifndef VIGIL_AUTH_H
#define VIGIL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "limits.h"
#include "sha256.h"

#define AUTH_MAC_LEN SHA256_LEN
#define AUTH_NONCE_MIN 8
/* Prefixed to the command bytes before they are MACed: binds the key's
 * use to this purpose and protocol version. */
#define AUTH_LABEL "vigil-cmd-v1"
#define AUTH_LABEL_LEN 12

#if VIGIL_AUTH_NONCE_MAX < AUTH_NONCE_MIN || VIGIL_AUTH_NONCE_MAX > 255
#error "VIGIL_AUTH_NONCE_MAX must be 8..255"
#endif
#if VIGIL_MAX_NONCES < 1 || VIGIL_AUTH_WINDOW_S < 1
#error "need at least one nonce slot and a window of a second"
#endif

struct auth_stats {
	uint64_t accepted;   /* commands that passed every check */
	uint64_t no_key;     /* refused: no key configured */
	uint64_t bad_mac;    /* refused: MAC missing, short or wrong */
	uint64_t bad_nonce;  /* refused: nonce length outside the bounds */
	uint64_t stale;      /* refused: timestamp outside the window */
	uint64_t replayed;   /* refused: nonce already used in the window */
	uint64_t full;       /* refused: every nonce slot still live */
	uint32_t nonces_used;/* nonces remembered now */
	uint32_t nonces_high;/* the most remembered at once */
};

struct auth_nonce {
	int64_t ts;          /* the accepted command's timestamp */
	uint8_t len;         /* 0: slot free */
	uint8_t b[VIGIL_AUTH_NONCE_MAX];
};

struct auth {
	uint8_t key[VIGIL_MAX_PSK];
	size_t key_len;      /* 0: no key, every command refused */
	struct auth_nonce nonces[VIGIL_MAX_NONCES];
	struct auth_stats stats;
};

/* Decodes the NOC key as written in vigil.conf (noc_key) and in
 * vigilctl's key file: 32 to 2 * VIGIL_MAX_PSK hex digits, an even count.
 * Returns the key's length in bytes (written to key, cap >= VIGIL_MAX_PSK)
 * or VIGIL_EINVAL. */
int auth_parse_key(const char *hex, size_t n, uint8_t *key, size_t cap);

/* Empties the nonce table, zeroes the counters and sets the key (see
 * auth_set_key). */
void auth_init(struct auth *a, const uint8_t *key, size_t key_len);

/* Replaces the key (configuration reload), keeping nonces and counters.
 * key_len 0 removes it.  Returns 0, or VIGIL_EINVAL for a key longer than
 * VIGIL_MAX_PSK (the key is then removed: commands are refused). */
int auth_set_key(struct auth *a, const uint8_t *key, size_t key_len);

/* Writes HMAC-SHA256(key, AUTH_LABEL || cmd) to out.  For clients and
 * tests; auth_verify uses it. */
void auth_mac(const uint8_t *key, size_t key_len, const uint8_t *cmd,
    size_t n, uint8_t out[AUTH_MAC_LEN]);

/* 1 if the n bytes at x and y are equal.  The time taken depends only on
 * n, not on where they differ. */
int auth_mac_equal(const uint8_t *x, const uint8_t *y, size_t n);

/* Checks the MAC of n command bytes.  Returns 0, VIGIL_EACCES when no key
 * is set, VIGIL_EAUTH when mac_len is not AUTH_MAC_LEN or the MAC is
 * wrong.  Counted in stats; nothing is remembered. */
int auth_verify(struct auth *a, const uint8_t *cmd, size_t n,
    const uint8_t *mac, size_t mac_len);

/* Checks an authenticated command's timestamp ts and nonce against our
 * clock now_s and remembers the nonce.  Call only after auth_verify
 * returned 0 for the same command.  Returns 0; VIGIL_EINVAL for a nonce
 * length outside AUTH_NONCE_MIN..VIGIL_AUTH_NONCE_MAX; VIGIL_EREPLAY for
 * a timestamp outside the window or a nonce already used in it;
 * VIGIL_ENOSPC when every slot holds a live nonce (nothing forgotten).
 * Every refusal is counted in stats. */
int auth_fresh(struct auth *a, int64_t ts, const uint8_t *nonce,
    size_t len, int64_t now_s);

#endif /* VIGIL_AUTH_H */
