/* test_sha256.c - SHA-256 (FIPS 180-4 examples) and HMAC-SHA256 (RFC 4231
 * test cases 1-7). */
#include "unit.h"
#include "../../core/sha256.h"

/* Hex string of the first n bytes of d, in buf (2n+1 bytes). */
static const char *
hex(const uint8_t *d, size_t n, char *buf)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = digits[d[i] >> 4];
		buf[2 * i + 1] = digits[d[i] & 15];
	}
	buf[2 * n] = 0;
	return buf;
}

static const char *
sha(const char *msg)
{
	static char buf[2 * SHA256_LEN + 1];
	uint8_t d[SHA256_LEN];
	sha256_digest(msg, strlen(msg), d);
	return hex(d, sizeof(d), buf);
}

static const char *
mac(const void *key, size_t klen, const char *msg, size_t outlen)
{
	static char buf[2 * SHA256_LEN + 1];
	uint8_t d[SHA256_LEN];
	hmac_sha256(key, klen, msg, strlen(msg), d);
	return hex(d, outlen, buf);
}

TEST(sha256_fips_one_block_abc)
{
	CHECK_STR(sha("abc"), "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_empty_message)
{
	CHECK_STR(sha(""), "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}

TEST(sha256_fips_two_blocks_padding_spills)
{
	/* 56 bytes: the length no longer fits the first block. */
	CHECK_STR(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	CHECK_STR(sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(sha256_million_a_in_odd_chunks)
{
	static char chunk[997];
	char buf[2 * SHA256_LEN + 1];
	uint8_t d[SHA256_LEN];
	struct sha256 s;
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&s);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		sha256_update(&s, chunk, n);
		left -= n;
	}
	sha256_final(&s, d);
	CHECK_STR(hex(d, sizeof(d), buf), "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

TEST(sha256_split_updates_equal_one_shot)
{
	uint8_t msg[200], one[SHA256_LEN], split[SHA256_LEN];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof(msg); n++) {
		sha256_digest(msg, n, one);
		for (size_t cut = 0; cut <= n; cut += 13) {
			struct sha256 s;
			sha256_init(&s);
			sha256_update(&s, msg, cut);
			sha256_update(&s, NULL, 0);
			sha256_update(&s, msg + cut, n - cut);
			sha256_final(&s, split);
			CHECK(memcmp(one, split, sizeof(one)) == 0);
		}
	}
}

TEST(hmac_rfc4231_case1_and_2)
{
	uint8_t k1[20];
	memset(k1, 0x0b, sizeof(k1));
	CHECK_STR(mac(k1, sizeof(k1), "Hi There", SHA256_LEN),
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	CHECK_STR(mac("Jefe", 4, "what do ya want for nothing?", SHA256_LEN),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(hmac_rfc4231_case3_and_4_binary_data)
{
	uint8_t k[25];
	char d[51];
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	d[50] = 0;
	CHECK_STR(mac(k, 20, d, SHA256_LEN),
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k[i] = (uint8_t)(i + 1);
	memset(d, 0xcd, 50);
	CHECK_STR(mac(k, 25, d, SHA256_LEN),
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST(hmac_rfc4231_case5_truncated)
{
	uint8_t k[20];
	memset(k, 0x0c, sizeof(k));
	CHECK_STR(mac(k, sizeof(k), "Test With Truncation", 16),
	    "a3b6167473100ee06e0c796c2955552b");
}

TEST(hmac_rfc4231_case6_and_7_key_longer_than_block)
{
	uint8_t k[131];
	memset(k, 0xaa, sizeof(k));
	CHECK_STR(mac(k, sizeof(k),
	    "Test Using Larger Than Block-Size Key - Hash Key First", SHA256_LEN),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	CHECK_STR(mac(k, sizeof(k),
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.", SHA256_LEN),
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(hmac_incremental_equals_one_shot)
{
	const char *msg = "vigil-cmd-v1 and some command bytes";
	uint8_t a[SHA256_LEN], b[SHA256_LEN];
	struct hmac_sha256 h;
	hmac_sha256("k", 1, msg, strlen(msg), a);
	hmac_sha256_init(&h, "k", 1);
	hmac_sha256_update(&h, msg, 12);
	hmac_sha256_update(&h, msg + 12, strlen(msg) - 12);
	hmac_sha256_final(&h, b);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
}
