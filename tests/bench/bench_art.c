/*
 * bench_art.c - ART detector throughput and per-stream state size.
 *
 *   bench: art_steps_per_s <n> steps/s        a NAB series (machine
 *       temperature, 22,695 rows, NAB convention), replayed several times;
 *       every raw step counted (most are inside a down-sampling block)
 *   bench: art_worst_steps_per_s <n> steps/s  worst case: no down-sampling
 *       (probation 104) and a full category table (streaming mode; a
 *       random walk, which keeps showing new shapes and new extremes, so
 *       the table fills and every step replaces a category)
 *   bench: art_state_bytes <n> bytes          sizeof(struct art)
 *
 * Falls back to a synthetic series if ../shared/data is missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "art.h"

#define MAXN 32768
#define PASSES 20

static double xs[MAXN];
static struct art det;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
load(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f))
		while (n < MAXN && fgets(line, sizeof(line), f)) {
			char *c = strchr(line, ',');

			if (c)
				xs[n++] = strtod(c + 1, NULL);
		}
	fclose(f);
	return n;
}

int
main(void)
{
	struct art_cfg cfg;
	double t0, t, s, sink = 0, mn, mx;
	uint64_t steps = 0;
	int n = load("../shared/data/nab/data/realKnownCause/"
	             "machine_temperature_system_failure.csv");

	if (n == 0) {
		printf("bench_art: NAB data missing, synthetic series\n");
		n = 22695;
		for (int i = 0; i < n; i++)
			xs[i] = 80 + 10 * sin(i / 40.0) + (i % 7) * 0.3 +
			    (i > 20000 ? 30 : 0);
	}
	mn = mx = xs[0];
	for (int i = 1; i < n; i++) {
		mn = fmin(mn, xs[i]);
		mx = fmax(mx, xs[i]);
	}
	art_cfg_default(&cfg, 1);
	cfg.probation = 750;
	cfg.dmin[0] = mn;
	cfg.dmax[0] = mx;
	t0 = now();
	for (int p = 0; p < PASSES; p++) {
		if (art_init(&det, &cfg))
			return 1;
		for (int i = 0; i < n; i++) {
			art_step(&det, &xs[i], &s);
			sink += s;
		}
		steps += (uint64_t)n;
	}
	t = now() - t0;
	printf("bench_art: %llu steps, %.3f s, categories %u, checksum %.6f\n",
	    (unsigned long long)steps, t, det.st.cats_hwm, sink);
	printf("bench: art_steps_per_s %.0f steps/s\n", (double)steps / t);

	/* Worst case: every step scored against a full table.  (Uniform
	 * noise no longer fills it: its values stay inside the learned range
	 * and the boxes soon cover them.) */
	cfg.mode = ART_STREAMING;
	cfg.probation = 104;
	if (art_init(&det, &cfg))
		return 1;
	{
		uint32_t r = 1;
		uint64_t k = 0;
		double walk = 0;

		for (int i = 0; i < 200000 && det.ncat < VIGIL_ART_MAX_CATS;
		     i++) {
			r = r * 1103515245u + 12345u;
			walk += (double)((r >> 8) & 0xffff) - 32767.5;
			art_step(&det, &walk, &s);
		}
		t0 = now();
		for (k = 0; k < 100000; k++) {
			r = r * 1103515245u + 12345u;
			walk += (double)((r >> 8) & 0xffff) - 32767.5;
			art_step(&det, &walk, &s);
			sink += s;
		}
		t = now() - t0;
		printf("bench_art: worst case %u categories, replaced %llu\n",
		    det.ncat, (unsigned long long)det.st.replaced);
		printf("bench: art_worst_steps_per_s %.0f steps/s\n",
		    (double)k / t);
	}
	printf("bench: art_state_bytes %zu bytes\n", sizeof(struct art));
	return sink < 0;
}
