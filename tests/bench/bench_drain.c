/*
 * bench_drain.c - Drain throughput on one core, masking and tokenising
 * included, with the appliance's rules (firmware/drain.rules).
 *
 * Input: the 16 Loghub 2k logs (../shared/data/loghub/<ds>/<ds>_2k.log)
 * concatenated and repeated to at least BENCH_LINES lines, whole lines as
 * they would arrive, all into one miner (as the daemon keeps one for the
 * rack).  Prints:
 *   bench: drain_lines_per_s <n> lines/s
 *   bench: drain_state_bytes <n> bytes     (sizeof(struct drain))
 *   bench: drain_peak_rss <n> bytes        (the process's peak RSS)
 * Run from the repository root.  Without the data it says so and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "drain.h"
#include "err.h"

#define BENCH_LINES 1000000u
#define MAX_BYTES (8u << 20)
#define MAX_LINES 40000u

static const char *const sets[] = {"HDFS", "Hadoop", "Spark", "Zookeeper",
    "BGL", "HPC", "Thunderbird", "Windows", "Linux", "Android", "HealthApp",
    "Apache", "Proxifier", "OpenSSH", "OpenStack", "Mac"};

static struct drain miner;
static char data[MAX_BYTES];
static const char *line[MAX_LINES];
static size_t len[MAX_LINES];

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t
load(void)
{
	size_t used = 0, n = 0;
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		char path[256];
		snprintf(path, sizeof(path), "../shared/data/loghub/%s/%s_2k.log",
		    sets[s], sets[s]);
		FILE *f = fopen(path, "rb");
		if (!f)
			return 0;
		size_t got = fread(data + used, 1, MAX_BYTES - used, f);
		fclose(f);
		size_t i = used, end = used + got;
		while (i < end && n < MAX_LINES) {
			char *e = memchr(data + i, '\n', end - i);
			size_t l = e ? (size_t)(e - (data + i)) : end - i;
			if (l && data[i + l - 1] == '\r')
				l--;
			line[n] = data + i;
			len[n++] = l;
			i += (e ? (size_t)(e - (data + i)) : end - i) + 1;
		}
		used = end;
	}
	return n;
}

int
main(void)
{
	static char rules[16384];
	struct drain_cfg cfg;
	unsigned errline = 0;

	size_t n = load();
	FILE *f = fopen("firmware/drain.rules", "r");
	if (n == 0 || !f) {
		printf("bench_drain: needs ../shared/data/loghub and "
		       "firmware/drain.rules (run from the repository root); "
		       "skipped\n");
		if (f)
			fclose(f);
		return 0;
	}
	size_t rl = fread(rules, 1, sizeof(rules), f);
	fclose(f);
	drain_cfg_default(&cfg);
	int rc = drain_cfg_parse(&cfg, rules, rl, &errline);
	if (rc == 0)
		rc = drain_init(&miner, &cfg);
	if (rc != 0) {
		fprintf(stderr, "bench_drain: firmware/drain.rules line %u: %s\n",
		    errline, vigil_strerror(rc));
		return 1;
	}

	size_t reps = (BENCH_LINES + n - 1) / n, total = reps * n;
	long sink = 0;
	/* One warm-up pass (page faults, first templates), not timed. */
	for (size_t i = 0; i < n; i++)
		sink += drain_add(&miner, line[i], len[i]);
	drain_reset(&miner);
	double t0 = now();
	for (size_t r = 0; r < reps; r++)
		for (size_t i = 0; i < n; i++)
			sink += drain_add(&miner, line[i], len[i]);
	double dt = now() - t0;

	struct drain_stats st;
	drain_stats(&miner, &st);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("bench_drain: %zu lines (%zu x %zu) in %.3f s; %u templates, "
	       "%llu created, %llu evicted, %u nodes, %u pool bytes "
	       "(checksum %ld)\n",
	    total, reps, n, dt, st.templates, (unsigned long long)st.created,
	    (unsigned long long)st.evicted, st.nodes, st.pool_bytes, sink);
	printf("bench: drain_lines_per_s %.0f lines/s\n", (double)total / dt);
	printf("bench: drain_state_bytes %zu bytes\n", sizeof(struct drain));
	printf("bench: drain_peak_rss %ld bytes\n", ru.ru_maxrss * 1024L);
	return 0;
}
