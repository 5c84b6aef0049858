/*
 * fuzz_mask.c - the rule parser and the masking scanners on arbitrary
 * bytes, with the tiny limits.
 *
 * The input is configuration text, a NUL byte, then a line to mask.  The
 * text goes through drain_cfg_parse (which hands "mask" lines to
 * mask_add); whatever it accepts must pass mask_check, and masking the
 * line into a small buffer must stay inside it, be deterministic, and
 * copy the line unchanged when there are no rules.  The output cut at the
 * small buffer must be the start of the whole output, and the quick tests
 * (mask.h) may only rule out rules that cannot match: with them emptied,
 * so that every candidate rule runs its scanner, the output is the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "err.h"
#include "mask.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct drain_cfg cfg;
	static struct mask_set slow;
	static uint8_t out[64 + 8], out2[sizeof(out)], whole[8192];
	struct mask_result r, r2, rw;
	const uint8_t *z = memchr(data, 0, size);
	size_t tl = z ? (size_t)(z - data) : size;
	const uint8_t *line = z ? z + 1 : data + size;
	size_t ll = (size_t)(data + size - line);
	unsigned errline = 0;

	drain_cfg_default(&cfg);
	int rc = drain_cfg_parse(&cfg, (const char *)data, tl, &errline);
	if (rc != 0 && rc != VIGIL_ECONFIG && rc != VIGIL_ENOSPC &&
	    rc != VIGIL_E2BIG)
		abort();
	if (rc != 0 && errline == 0)
		abort();
	if (cfg.mask.n > VIGIL_MASK_MAX_RULES || mask_check(&cfg.mask) != 0)
		abort();
	/* Guard bytes catch a write past the given capacity. */
	memset(out, 0xA5, sizeof(out));
	mask_apply(&cfg.mask, line, ll, out, 64, &r);
	for (size_t i = 64; i < sizeof(out); i++)
		if (out[i] != 0xA5)
			abort();
	if (r.len > 64 || (r.truncated && ll == 0))
		abort();
	mask_apply(&cfg.mask, line, ll, out2, 64, &r2);
	if (r2.len != r.len || r2.masked != r.masked ||
	    memcmp(out, out2, r.len) != 0)
		abort();
	if (cfg.mask.n == 0 && (r.masked || memcmp(out, line, r.len) != 0 ||
	                           r.len != (ll < 64 ? ll : 64)))
		abort();
	/* Each input byte gives at most one replacement's worth of output. */
	enum { WIDE = VIGIL_MASK_MAX_LIT > 3 ? VIGIL_MASK_MAX_LIT : 3 };
	if (ll > sizeof(whole) / WIDE)
		return 0;
	mask_apply(&cfg.mask, line, ll, whole, sizeof(whole), &rw);
	if (rw.truncated || r.truncated != (rw.len > 64) || r.len > rw.len ||
	    memcmp(out, whole, r.len) != 0 || r.masked > rw.masked)
		abort();
	slow = cfg.mask;
	slow.q_any = ~0u;
	slow.q_word = 0;
	slow.q_sign = 0;
	mask_apply(&slow, line, ll, out2, 64, &r2);
	if (r2.len != r.len || r2.masked != r.masked ||
	    r2.truncated != r.truncated || memcmp(out, out2, r.len) != 0)
		abort();
	return 0;
}
