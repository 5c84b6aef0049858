/*
 * fuzz_art.c - arbitrary float streams through core/art: NaN, infinities,
 * constants, huge jumps, any dimension and mode.  The detector must never
 * crash, never fail a step on a valid stream, and never return a score
 * outside [0,1].
 *
 * Input layout: byte 0 picks the mode and dimension, byte 1 the probation
 * length, byte 2 the category cap, byte 3 the given range, byte 4 the
 * streaming expansion delay (low nibble) and the record margin (high
 * nibble: 0 = off, else up to 0.6; with byte 2's top bit, ARTime's exact
 * behaviour); the rest is read as doubles, or as small integers scaled by
 * a jump factor (so that constant runs and plain level shifts are reached
 * as easily as bit-level oddities).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "art.h"

static struct art det;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct art_cfg cfg;
	struct art_stats st;
	double x[VIGIL_ART_MAX_DIM];
	uint32_t dim;
	int raw;

	if (size < 5)
		return 0;
	dim = 1 + (data[0] >> 2) % VIGIL_ART_MAX_DIM;
	art_cfg_default(&cfg, dim);
	cfg.mode = data[0] & 1 ? ART_STREAMING : ART_RANGE_GIVEN;
	raw = (data[0] >> 1) & 1;
	cfg.probation = VIGIL_ART_MIN_PROBATION +
	    (uint32_t)data[1] * 4 % (VIGIL_ART_MAX_PROBATION -
	                                VIGIL_ART_MIN_PROBATION + 1);
	cfg.cap = data[2] % 2 ? 2 + data[2] % (VIGIL_ART_MAX_CATS - 1) : 0;
	for (uint32_t d = 0; d < dim; d++) {
		cfg.dmin[d] = -(double)(data[3] & 0x0f);
		cfg.dmax[d] = (double)(data[3] >> 4);
	}
	cfg.expand_after = 1 + (data[4] & 0x0f);
	cfg.record_margin = (double)(data[4] >> 4) * 0.04;
	cfg.artime = (data[2] & 0x80) != 0;
	if (art_init(&det, &cfg) != 0)
		abort();
	data += 5;
	size -= 5;
	/* Loop the input so that even short inputs get past probation. */
	for (int rep = 0; rep < 64; rep++) {
		size_t off = 0;

		while (off < size) {
			for (uint32_t d = 0; d < dim; d++) {
				if (raw && off + 8 <= size) {
					memcpy(&x[d], data + off, 8);
					off += 8;
				} else if (off < size) {
					x[d] = (double)(int8_t)data[off] *
					    (data[off] & 0x80 ? 1e6 : 1.0);
					off++;
				} else {
					x[d] = 0;
				}
			}
			double s = -1;

			if (art_step(&det, x, &s) != 0)
				abort();
			if (!(s >= 0.0 && s <= 1.0))
				abort();
		}
		if (size == 0)
			break;
	}
	art_stats(&det, &st);
	if (st.cats > (cfg.cap ? cfg.cap : VIGIL_ART_MAX_CATS))
		abort();
	if (st.records > st.anomalies ||
	    ((cfg.artime || cfg.record_margin == 0) && st.records != 0))
		abort();
	for (uint32_t d = 0; d < dim; d++)
		if (!(det.lo[d] <= det.hi[d]))
			abort();
	return 0;
}
