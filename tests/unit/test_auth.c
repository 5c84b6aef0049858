/* test_auth.c - MAC check, time window and nonce table of core/auth. */
#include <stdint.h>

#include "unit.h"
#include "../../core/auth.h"
#include "../../core/err.h"

static struct auth a;
static const uint8_t key[32] = "0123456789abcdef0123456789abcdef";
static const uint8_t cmd[] = "\x08\x01\x12\x08nonce..!R\x00";
#define NOW ((int64_t)1800000000)

static void
nonce_of(unsigned i, uint8_t n[AUTH_NONCE_MIN])
{
	memset(n, 0, AUTH_NONCE_MIN);
	memcpy(n, &i, sizeof(i));
}

TEST(auth_mac_is_hmac_of_label_and_command)
{
	uint8_t m[AUTH_MAC_LEN], want[AUTH_MAC_LEN], buf[64];
	auth_mac(key, sizeof(key), cmd, sizeof(cmd), m);
	memcpy(buf, "vigil-cmd-v1", 12);
	memcpy(buf + 12, cmd, sizeof(cmd));
	hmac_sha256(key, sizeof(key), buf, 12 + sizeof(cmd), want);
	CHECK(memcmp(m, want, sizeof(m)) == 0);
}

TEST(auth_verify_accepts_right_mac)
{
	uint8_t m[AUTH_MAC_LEN];
	auth_init(&a, key, sizeof(key));
	auth_mac(key, sizeof(key), cmd, sizeof(cmd), m);
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m)), 0);
	CHECK_EQ(a.stats.bad_mac, 0);
}

TEST(auth_verify_refuses_without_key)
{
	uint8_t m[AUTH_MAC_LEN] = {0};
	auth_init(&a, NULL, 0);
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m)), VIGIL_EACCES);
	CHECK_EQ(a.stats.no_key, 1);
}

TEST(auth_verify_refuses_wrong_short_or_missing_mac)
{
	uint8_t m[AUTH_MAC_LEN], c2[sizeof(cmd)];
	auth_init(&a, key, sizeof(key));
	auth_mac(key, sizeof(key), cmd, sizeof(cmd), m);
	m[AUTH_MAC_LEN - 1] ^= 1;
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m)), VIGIL_EAUTH);
	m[AUTH_MAC_LEN - 1] ^= 1;
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m) - 1),
	    VIGIL_EAUTH);
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), NULL, 0), VIGIL_EAUTH);
	/* The MAC covers every command byte. */
	memcpy(c2, cmd, sizeof(cmd));
	c2[3] ^= 0x40;
	CHECK_EQ(auth_verify(&a, c2, sizeof(c2), m, sizeof(m)), VIGIL_EAUTH);
	/* Another key gives another MAC. */
	uint8_t k2[sizeof(key)];
	memcpy(k2, key, sizeof(key));
	k2[0] ^= 1;
	auth_mac(k2, sizeof(k2), cmd, sizeof(cmd), m);
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m)), VIGIL_EAUTH);
	CHECK_EQ(a.stats.bad_mac, 5);
}

TEST(auth_mac_equal_compares_every_byte)
{
	uint8_t x[AUTH_MAC_LEN], y[AUTH_MAC_LEN];
	memset(x, 0xa5, sizeof(x));
	memcpy(y, x, sizeof(y));
	CHECK_EQ(auth_mac_equal(x, y, sizeof(x)), 1);
	for (size_t i = 0; i < sizeof(x); i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			y[i] ^= (uint8_t)(1u << bit);
			CHECK_EQ(auth_mac_equal(x, y, sizeof(x)), 0);
			y[i] ^= (uint8_t)(1u << bit);
		}
	}
	CHECK_EQ(auth_mac_equal(x, y, 0), 1);
}

TEST(auth_set_key_refuses_oversized_key_and_removes_it)
{
	uint8_t big[VIGIL_MAX_PSK + 1], m[AUTH_MAC_LEN] = {0};
	memset(big, 7, sizeof(big));
	auth_init(&a, key, sizeof(key));
	CHECK_EQ(auth_set_key(&a, big, sizeof(big)), VIGIL_EINVAL);
	CHECK_EQ(a.key_len, 0);
	CHECK_EQ(auth_verify(&a, cmd, sizeof(cmd), m, sizeof(m)), VIGIL_EACCES);
	CHECK_EQ(auth_set_key(&a, big, VIGIL_MAX_PSK), 0);
	CHECK_EQ(a.key_len, VIGIL_MAX_PSK);
}

TEST(auth_fresh_accepts_once_then_refuses_replay)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	nonce_of(1, n);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), 0);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), VIGIL_EREPLAY);
	CHECK_EQ(auth_fresh(&a, NOW + 5, n, sizeof(n), NOW + 10), VIGIL_EREPLAY);
	CHECK_EQ(a.stats.accepted, 1);
	CHECK_EQ(a.stats.replayed, 2);
	CHECK_EQ(a.stats.nonces_used, 1);
}

TEST(auth_fresh_window_bounds_are_inclusive)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	nonce_of(1, n);
	CHECK_EQ(auth_fresh(&a, NOW - VIGIL_AUTH_WINDOW_S, n, sizeof(n), NOW), 0);
	nonce_of(2, n);
	CHECK_EQ(auth_fresh(&a, NOW + VIGIL_AUTH_WINDOW_S, n, sizeof(n), NOW), 0);
	nonce_of(3, n);
	CHECK_EQ(auth_fresh(&a, NOW - VIGIL_AUTH_WINDOW_S - 1, n, sizeof(n), NOW),
	    VIGIL_EREPLAY);
	CHECK_EQ(auth_fresh(&a, NOW + VIGIL_AUTH_WINDOW_S + 1, n, sizeof(n), NOW),
	    VIGIL_EREPLAY);
	CHECK_EQ(a.stats.stale, 2);
}

TEST(auth_fresh_extreme_timestamps_are_stale_not_overflow)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	nonce_of(1, n);
	CHECK_EQ(auth_fresh(&a, INT64_MIN, n, sizeof(n), NOW), VIGIL_EREPLAY);
	CHECK_EQ(auth_fresh(&a, INT64_MAX, n, sizeof(n), NOW), VIGIL_EREPLAY);
	CHECK_EQ(auth_fresh(&a, 0, n, sizeof(n), NOW), VIGIL_EREPLAY);
	CHECK_EQ(a.stats.stale, 3);
	CHECK_EQ(a.stats.nonces_used, 0);
}

TEST(auth_fresh_refuses_nonce_length_outside_bounds)
{
	uint8_t n[VIGIL_AUTH_NONCE_MAX + 1];
	memset(n, 1, sizeof(n));
	auth_init(&a, key, sizeof(key));
	CHECK_EQ(auth_fresh(&a, NOW, n, AUTH_NONCE_MIN - 1, NOW), VIGIL_EINVAL);
	CHECK_EQ(auth_fresh(&a, NOW, n, 0, NOW), VIGIL_EINVAL);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), VIGIL_EINVAL);
	CHECK_EQ(a.stats.bad_nonce, 3);
	CHECK_EQ(auth_fresh(&a, NOW, n, VIGIL_AUTH_NONCE_MAX, NOW), 0);
	/* A longer nonce with the same prefix is another nonce. */
	CHECK_EQ(auth_fresh(&a, NOW, n, AUTH_NONCE_MIN, NOW), 0);
}

TEST(auth_nonce_forgotten_after_its_timestamp_leaves_window)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	nonce_of(9, n);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), 0);
	/* Still live one window later: replay refused (by nonce). */
	CHECK_EQ(auth_fresh(&a, NOW + VIGIL_AUTH_WINDOW_S, n, sizeof(n),
	    NOW + VIGIL_AUTH_WINDOW_S), VIGIL_EREPLAY);
	/* The original command is stale from now on, so the nonce can go;
	 * the same nonce under a new timestamp is a new command. */
	int64_t later = NOW + VIGIL_AUTH_WINDOW_S + 1;
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), later), VIGIL_EREPLAY);
	CHECK_EQ(auth_fresh(&a, later, n, sizeof(n), later), 0);
	CHECK_EQ(a.stats.nonces_used, 1);
}

TEST(auth_table_full_of_live_nonces_refuses_new_commands)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	for (unsigned i = 0; i < VIGIL_MAX_NONCES; i++) {
		nonce_of(i, n);
		/* Spread timestamps so that the first one expires first. */
		CHECK_EQ(auth_fresh(&a, NOW + (i ? 1 : 0), n, sizeof(n), NOW), 0);
	}
	CHECK_EQ(a.stats.nonces_used, VIGIL_MAX_NONCES);
	CHECK_EQ(a.stats.nonces_high, VIGIL_MAX_NONCES);
	nonce_of(VIGIL_MAX_NONCES, n);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), VIGIL_ENOSPC);
	CHECK_EQ(a.stats.full, 1);
	/* Nothing was forgotten: every remembered nonce is still refused. */
	for (unsigned i = 0; i < VIGIL_MAX_NONCES; i++) {
		nonce_of(i, n);
		CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), VIGIL_EREPLAY);
	}
	/* Once the first nonce's command is out of the window its slot is
	 * reused; the others are still live and still refused. */
	int64_t t = NOW + VIGIL_AUTH_WINDOW_S + 1;
	nonce_of(VIGIL_MAX_NONCES, n);
	CHECK_EQ(auth_fresh(&a, t, n, sizeof(n), t), 0);
	CHECK_EQ(a.stats.nonces_used, VIGIL_MAX_NONCES);
	if (VIGIL_MAX_NONCES > 1) {
		nonce_of(1, n);
		CHECK_EQ(auth_fresh(&a, t, n, sizeof(n), t), VIGIL_EREPLAY);
	}
	nonce_of(VIGIL_MAX_NONCES + 1, n);
	CHECK_EQ(auth_fresh(&a, t, n, sizeof(n), t), VIGIL_ENOSPC);
	CHECK_EQ(a.stats.full, 2);
	CHECK_EQ(a.stats.nonces_high, VIGIL_MAX_NONCES);
}

TEST(auth_set_key_keeps_nonces_and_counters)
{
	uint8_t n[AUTH_NONCE_MIN];
	auth_init(&a, key, sizeof(key));
	nonce_of(5, n);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), 0);
	CHECK_EQ(auth_set_key(&a, key, 16), 0);
	CHECK_EQ(auth_fresh(&a, NOW, n, sizeof(n), NOW), VIGIL_EREPLAY);
	CHECK_EQ(a.stats.accepted, 1);
}

TEST(auth_parse_key_accepts_hex_and_refuses_bad_lengths_and_digits)
{
	uint8_t k[VIGIL_MAX_PSK];
	const char *ok = "00112233445566778899AABBccddeeff";
	CHECK_EQ(auth_parse_key(ok, strlen(ok), k, sizeof(k)), 16);
	CHECK_EQ(k[0], 0x00);
	CHECK_EQ(k[10], 0xaa);
	CHECK_EQ(k[15], 0xff);
	CHECK_EQ(auth_parse_key(ok, 30, k, sizeof(k)), VIGIL_EINVAL);
	CHECK_EQ(auth_parse_key(ok, 31, k, sizeof(k)), VIGIL_EINVAL);
	const char *bad = "0011223344556677889900aabbccddgg";
	CHECK_EQ(auth_parse_key(bad, strlen(bad), k, sizeof(k)),
	    VIGIL_EINVAL);
	char lng[2 * VIGIL_MAX_PSK + 3];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CHECK_EQ(auth_parse_key(lng, strlen(lng), k, sizeof(k)),
	    VIGIL_EINVAL);
}
