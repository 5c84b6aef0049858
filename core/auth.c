/*
 * auth.c - MAC check, time window and nonce table (see auth.h).
 *
 * The nonce table is scanned linearly: VIGIL_MAX_NONCES is small, and
 * the scan happens only for commands whose MAC was already verified, so
 * outsiders cannot make vigild do it.  Each scan also frees the entries
 * whose timestamp has left the window.
 */
#include <string.h>

#include "auth.h"
#include "err.h"

int
auth_set_key(struct auth *a, const uint8_t *key, size_t key_len)
{
	memset(a->key, 0, sizeof(a->key));
	a->key_len = 0;
	if (key_len > sizeof(a->key))
		return VIGIL_EINVAL;
	if (key_len)
		memcpy(a->key, key, key_len);
	a->key_len = key_len;
	return 0;
}

void
auth_init(struct auth *a, const uint8_t *key, size_t key_len)
{
	memset(a, 0, sizeof(*a));
	(void)auth_set_key(a, key, key_len);
}

void
auth_mac(const uint8_t *key, size_t key_len, const uint8_t *cmd, size_t n,
    uint8_t out[AUTH_MAC_LEN])
{
	struct hmac_sha256 h;
	hmac_sha256_init(&h, key, key_len);
	hmac_sha256_update(&h, AUTH_LABEL, AUTH_LABEL_LEN);
	hmac_sha256_update(&h, cmd, n);
	hmac_sha256_final(&h, out);
}

int
auth_mac_equal(const uint8_t *x, const uint8_t *y, size_t n)
{
	/* OR of all differences: no early exit, no data-dependent branch, so
	 * the time does not tell an attacker how many leading bytes of a
	 * forged MAC were right. */
	unsigned d = 0;
	for (size_t i = 0; i < n; i++)
		d |= (unsigned)(x[i] ^ y[i]);
	return (int)(1 & ((d - 1) >> 8));
}

int
auth_verify(struct auth *a, const uint8_t *cmd, size_t n, const uint8_t *mac,
    size_t mac_len)
{
	uint8_t want[AUTH_MAC_LEN];

	if (a->key_len == 0) {
		a->stats.no_key++;
		return VIGIL_EACCES;
	}
	auth_mac(a->key, a->key_len, cmd, n, want);
	/* The length is public (it is on the wire); only the content needs a
	 * constant-time comparison. */
	if (mac_len != AUTH_MAC_LEN || !mac ||
	    !auth_mac_equal(want, mac, AUTH_MAC_LEN)) {
		a->stats.bad_mac++;
		return VIGIL_EAUTH;
	}
	return 0;
}

/* 1 if t lies within the window around now.  Written without t - now so
 * that a hostile int64 timestamp cannot overflow; now itself is a sane
 * clock reading. */
static int
in_window(int64_t t, int64_t now)
{
	return t >= now - VIGIL_AUTH_WINDOW_S && t <= now + VIGIL_AUTH_WINDOW_S;
}

int
auth_fresh(struct auth *a, int64_t ts, const uint8_t *nonce, size_t len,
    int64_t now_s)
{
	if (len < AUTH_NONCE_MIN || len > VIGIL_AUTH_NONCE_MAX) {
		a->stats.bad_nonce++;
		return VIGIL_EINVAL;
	}
	if (!in_window(ts, now_s)) {
		a->stats.stale++;
		return VIGIL_EREPLAY;
	}
	int seen = 0;
	struct auth_nonce *free_slot = NULL;
	for (unsigned i = 0; i < VIGIL_MAX_NONCES; i++) {
		struct auth_nonce *e = &a->nonces[i];
		/* A nonce whose command is older than the window can go: a
		 * replay of that command is refused by its timestamp. */
		if (e->len && e->ts < now_s - VIGIL_AUTH_WINDOW_S) {
			e->len = 0;
			a->stats.nonces_used--;
		}
		if (!e->len) {
			if (!free_slot)
				free_slot = e;
			continue;
		}
		if (e->len == len && memcmp(e->b, nonce, len) == 0)
			seen = 1;
	}
	if (seen) {
		a->stats.replayed++;
		return VIGIL_EREPLAY;
	}
	if (!free_slot) {
		a->stats.full++;
		return VIGIL_ENOSPC;
	}
	free_slot->ts = ts;
	free_slot->len = (uint8_t)len;
	memcpy(free_slot->b, nonce, len);
	a->stats.nonces_used++;
	if (a->stats.nonces_used > a->stats.nonces_high)
		a->stats.nonces_high = a->stats.nonces_used;
	a->stats.accepted++;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
auth_parse_key(const char *hex, size_t n, uint8_t *key, size_t cap)
{
	if (n % 2 || n < 32 || n / 2 > VIGIL_MAX_PSK || n / 2 > cap)
		return VIGIL_EINVAL;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);
		if (hi < 0 || lo < 0)
			return VIGIL_EINVAL;
		key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}
