/*
 * heartbeat.c - the lab guest's workload: dirty memory, print a heartbeat.
 *
 *   heartbeat MIB [RATE]
 *
 * Allocates MIB MiB and keeps rewriting it, one byte per 4 KiB page, so
 * that a live migration has to send those pages again and again.  RATE
 * caps the dirtying at RATE MiB per second (0 or absent: as fast as the
 * CPU goes, which under TCG outruns a throttled migration and makes one
 * that never converges).  Once per second of guest monotonic time it
 * prints
 *
 *   vigil-lab heartbeat N dirtied=M
 *
 * on standard output (the serial console when run as the guest's init),
 * N counting up from 0 and M the MiB of the buffer swept so far, so a
 * test can see the guest keep running (and dirtying) across a migration.  The first
 * line, "vigil-lab start ...", comes once the buffer is allocated and
 * zeroed.
 *
 * It also checks what it reads back: every page must still hold the value
 * of the previous pass.  A page that a migration lost (sent before a
 * write and never sent again) shows up as
 *
 *   vigil-lab corrupt page P: expected X, found Y
 *
 * once per bad page (at most 16 lines per pass), so a test can tell a
 * guest that survived a migration intact from one that merely runs.
 *
 * It runs until killed; as the guest's PID 1 it never exits on its own.
 * Built static (musl-gcc -static) for a disk-less initramfs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096u
#define MIB (1024u * 1024u)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_until(double t)
{
	double d = t - now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	unsigned long mib, rate, chunks = 0, beat = 0, i, nchunks;
	unsigned char *buf;
	unsigned char val = 1;
	unsigned reported = 0;
	double start, next_beat;

	if (argc < 2) {
		fprintf(stderr, "usage: heartbeat MIB [RATE]\n");
		return 2;
	}
	mib = strtoul(argv[1], NULL, 10);
	rate = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	nchunks = mib ? mib : 1;
	buf = malloc(nchunks * MIB);
	if (buf == NULL) {
		printf("vigil-lab error: cannot allocate %lu MiB\n", mib);
		fflush(stdout);
		for (;;)
			pause_until(now() + 3600);
	}
	memset(buf, 0, nchunks * MIB);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vigil-lab start mib=%lu rate=%lu\n", mib, rate);
	start = now();
	next_beat = start;
	for (;;) {
		unsigned char *c = buf + (chunks % nchunks) * MIB;

		if (mib > 0) {
			/* Pass k writes k (mod 256) into the first byte of
			 * every page, so a page must hold k - 1 before. */
			unsigned char want = (unsigned char)(val - 1);

			for (i = 0; i < MIB; i += PAGE) {
				if (c[i] != want && reported < 16) {
					printf("vigil-lab corrupt page %lu: "
					    "expected %u, found %u\n",
					    (unsigned long)((c + i - buf) / PAGE),
					    want, c[i]);
					reported++;
				}
				c[i] = val;
			}
			if (chunks % nchunks == nchunks - 1) {
				val++;
				reported = 0;
			}
		}
		chunks++;
		if (mib == 0) {
			pause_until(next_beat);
		} else if (rate > 0) {
			/* Sleep until the next MiB is due, but wake for the
			 * heartbeat. */
			double due = start + (double)chunks / (double)rate;

			pause_until(due < next_beat ? due : next_beat);
		}
		if (now() >= next_beat) {
			printf("vigil-lab heartbeat %lu dirtied=%lu\n", beat++,
			    mib ? chunks : 0);
			next_beat += 1.0;
			/* After a long stop (a paused guest), do not print a
			 * burst: resume from now. */
			if (next_beat < now())
				next_beat = now() + 1.0;
		}
	}
}
