/*
 * fuzz_frame.c - the RFC 6587 framer on an arbitrary byte stream cut into
 * arbitrary chunks.
 *
 * The first two bytes seed the chunk sizes; the rest is the stream.  The
 * stream is framed three times: whole, in pseudo-random chunks and byte by
 * byte.  Checks: every call makes progress (used > 0, used <= len), 0 means
 * all consumed, every message lies in f->buf or (when it arrived whole)
 * in the bytes of the call that returned it, and is at most VIGIL_MAX_MSG
 * bytes, the number of calls is bounded (no infinite loop), and the three
 * runs deliver the same messages with the same counters (framing does not
 * depend on chunking).  Each message is also parsed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame.h"
#include "syslog.h"

struct result {
	uint64_t hash, count, trunc;
	int err;
	struct frame_stats st;
};

static struct frame fr;

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t k = 0; k < n; k++)
		h = (h ^ b[k]) * UINT64_C(0x100000001b3);
	return h;
}

/* in[0..in_len): the bytes the call that returned m consumed (NULL after
 * frame_finish, which can only hand out f->buf). */
static void
deliver(struct result *r, const char *m, size_t n, int t, const char *in,
    size_t in_len)
{
	struct syslog_msg sm;
	int in_buf = m >= fr.buf && m + n <= fr.buf + sizeof fr.buf;
	int in_call = in != NULL && m >= in && m + n <= in + in_len;

	if (m == NULL || n > VIGIL_MAX_MSG || !(in_buf || in_call) ||
	    (t != 0 && t != 1))
		abort();
	r->hash = mix(r->hash, &n, sizeof n);
	r->hash = mix(r->hash, m, n);
	r->hash = mix(r->hash, &t, sizeof t);
	r->count++;
	r->trunc += (uint64_t)t;
	if (syslog_parse(NULL, m, n, INT64_C(1709640000), &sm) != 0)
		abort();
}

/* chunking: 0 whole, 1 byte by byte, else pseudo-random from seed. */
static void
run(const char *s, size_t n, int chunking, uint32_t seed, struct result *r)
{
	size_t off = 0;

	memset(r, 0, sizeof *r);
	r->hash = UINT64_C(0xcbf29ce484222325);
	frame_init(&fr);
	while (off < n) {
		size_t len = n - off, calls = 0;
		const char *p = s + off;

		if (chunking == 1) {
			len = 1;
		} else if (chunking == 2) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			size_t c = 1 + seed % 97u;
			if (c < len)
				len = c;
		}
		off += len;
		while (len > 0) {
			const char *m = NULL;
			size_t ml = 0, used = 0;
			int t = 0;
			int rc = frame_feed(&fr, p, len, &used, &m, &ml, &t);

			/* Each call consumes at least one byte. */
			if (used == 0 || used > len || ++calls > n + 1)
				abort();
			if (rc == 1)
				deliver(r, m, ml, t, p, used);
			p += used;
			len -= used;
			if (rc == 0) {
				if (len != 0 || m != NULL || ml != 0)
					abort();
			} else if (rc == VIGIL_EFRAME) {
				r->err = rc;
				/* Sticky, and still consumes everything. */
				rc = frame_feed(&fr, "1", 1, &used, &m, &ml,
				    &t);
				if (rc != VIGIL_EFRAME || used != 1)
					abort();
				goto out;
			} else if (rc != 1) {
				abort();
			}
		}
	}
	{
		const char *m = NULL;
		size_t ml = 0;
		int t = 0, rc = frame_finish(&fr, &m, &ml, &t);

		if (rc == 1)
			deliver(r, m, ml, t, NULL, 0);
		else if (rc != 0)
			abort();
	}
out:
	r->st = fr.stats;
	r->st.bytes = 0; /* differs after an error: the rest is swallowed */
	if (r->st.longest > (uint64_t)n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b, c;
	uint32_t seed;

	if (size < 2)
		return 0;
	seed = (uint32_t)data[0] << 8 | data[1] | 1u;
	run((const char *)data + 2, size - 2, 0, seed, &a);
	run((const char *)data + 2, size - 2, 1, seed, &b);
	run((const char *)data + 2, size - 2, 2, seed, &c);
	if (memcmp(&a, &b, sizeof a) != 0 || memcmp(&a, &c, sizeof a) != 0)
		abort();
	if (a.st.messages != a.count ||
	    a.st.messages != a.st.octet_counted + a.st.lf_delimited ||
	    a.st.malformed > 1)
		abort();
	return 0;
}
