/*
 * migfit.c - vigil-replay migfit DIR [--check]
 *
 * Re-fits core/migtime's stored lines from the raw QMP `query-migrate`
 * records of the VMFT-LAD live-migration measurements: DIR is the data
 * folder (the one holding evaluation/time-analysis/...), and every
 * completed run of DIR/evaluation/time-analysis/migration-time-analysis/
 * data/<mode>/migration_status_ram<MiB>_cores1.log is one point (memory
 * size from the file name; total-time, setup-time + downtime and ram.mbps
 * from the record).  The per-size <MiB>.csv files are not used: they drop
 * some runs and carry four downtimes divided by ten.
 *
 * Prints per mode the fit, its quality (R^2, residual standard error,
 * smallest and largest residual, how many runs lie under the upper
 * estimate), the mean measured time per size beside the line, a C
 * initialiser for core/migtime.c, and the estimates for one 8 GiB VM and
 * for evacuating four 8 GiB VMs two at a time.  --check: exit 1 unless
 * every re-fitted constant equals the stored one to 5 parts in 10^4 (the
 * stored ones carry 6 significant digits).
 *
 * Exit 0, 1 (unreadable data, or --check failed), 2 (usage).
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migtime.h"

#define MAX_RUNS 256
#define MAX_LINE 65536
#define SUBDIR "evaluation/time-analysis/migration-time-analysis/data"

struct run {
	double mib, total, fixed, mbps;
};

static const char *const mode_dir[MIGTIME_NMODES] = {
	[MIGTIME_PRECOPY] = "Vanilla_PreCopy",
	[MIGTIME_POSTCOPY] = "Vanilla_Postcopy",
	[MIGTIME_XBZRLE] = "XBZRLE_Enabled_Precopy",
};

/* The number after "key": in line, or NAN when absent.  The keys looked
 * up are unique in a query-migrate record ("downtime" is distinct from
 * "downtime-bytes" because the closing quote is part of the key). */
static double
field(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = strstr(line, pat);
	if (!p)
		return NAN;
	p += strlen(pat);
	char *end;
	double v = strtod(p, &end);
	return end == p ? NAN : v;
}

/* Append the completed runs of one log file to r[*n]. */
static int
read_log(const char *path, double mib, struct run *r, size_t *n)
{
	static char line[MAX_LINE];
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "migfit: cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		/* The query-migrate answer is the last object on its line,
		 * after the QMP greeting and the capabilities answer. */
		const char *q = strstr(line, "\"total-time\"");
		if (!q || !strstr(line, "\"status\": \"completed\""))
			continue;
		double total = field(line, "total-time");
		double setup = field(line, "setup-time");
		double down = field(line, "downtime");
		double mbps = field(line, "mbps");
		if (isnan(total) || isnan(setup) || isnan(down) || isnan(mbps)) {
			fprintf(stderr, "migfit: %s: record without a field\n",
			    path);
			fclose(f);
			return -1;
		}
		if (*n >= MAX_RUNS) {
			fprintf(stderr, "migfit: more than %d runs\n", MAX_RUNS);
			fclose(f);
			return -1;
		}
		r[(*n)++] = (struct run){mib, total, setup + down, mbps};
	}
	fclose(f);
	return 0;
}

static int
cmp_run(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	if (x->mib != y->mib)
		return x->mib < y->mib ? -1 : 1;
	return 0;
}

/* Every run of one mode, sorted by size. */
static int
read_mode(const char *dir, enum migtime_mode m, struct run *r, size_t *n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", dir, SUBDIR, mode_dir[m]);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "migfit: cannot open %s\n", path);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	*n = 0;
	while (rc == 0 && (e = readdir(d))) {
		unsigned mib;
		int end = 0;
		if (sscanf(e->d_name, "migration_status_ram%u_cores1.log%n",
		        &mib, &end) != 1 || end == 0 || e->d_name[end] != 0)
			continue;
		char file[8192];
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		rc = read_log(file, mib, r, n);
	}
	closedir(d);
	if (rc == 0 && *n == 0) {
		fprintf(stderr, "migfit: no runs in %s\n", path);
		rc = -1;
	}
	qsort(r, *n, sizeof(*r), cmp_run);
	return rc;
}

static int
near(double a, double b)
{
	double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return fabs(a - b) <= 5e-4 * scale + 1e-9;
}

static int
same_model(const struct migtime_model *x, const struct migtime_model *y)
{
	return x->n == y->n && near(x->a_ms, y->a_ms) &&
	    near(x->b_ms_per_mib, y->b_ms_per_mib) && near(x->s_ms, y->s_ms) &&
	    fabs(x->r2 - y->r2) < 5e-4 && near(x->fixed_ms, y->fixed_ms) &&
	    near(x->ref_mbps, y->ref_mbps);
}

static void
report(enum migtime_mode m, const struct run *r, size_t n,
    const struct migtime_model *fit)
{
	double rmin = INFINITY, rmax = -INFINITY;
	size_t under = 0;
	for (size_t i = 0; i < n; i++) {
		double line = fit->a_ms + fit->b_ms_per_mib * r[i].mib;
		double res = r[i].total - line;
		rmin = res < rmin ? res : rmin;
		rmax = res > rmax ? res : rmax;
		if (r[i].total <= line + MIGTIME_UPPER_K * fit->s_ms)
			under++;
	}
	printf("%s: n=%u a_ms=%.6g b_ms_per_mib=%.6g R2=%.4f s_ms=%.6g "
	       "resid_ms=[%.0f,%.0f] under_upper=%zu/%zu fixed_ms=%.6g "
	       "ref_mbps=%.6g\n",
	    migtime_mode_name(m), fit->n, fit->a_ms, fit->b_ms_per_mib, fit->r2,
	    fit->s_ms, rmin, rmax, under, n, fit->fixed_ms, fit->ref_mbps);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		double sum = 0, lo = INFINITY, hi = -INFINITY;
		for (; j < n && r[j].mib == r[i].mib; j++) {
			sum += r[j].total;
			lo = r[j].total < lo ? r[j].total : lo;
			hi = r[j].total > hi ? r[j].total : hi;
		}
		printf("  %6.0f MiB: %zu runs, mean %.0f ms [%.0f..%.0f], "
		       "line %llu ms, upper %llu ms\n",
		    r[i].mib, j - i, sum / (double)(j - i), lo, hi,
		    (unsigned long long)migtime_model_ms(fit, (uint32_t)r[i].mib, 0,
		        0),
		    (unsigned long long)migtime_model_ms(fit, (uint32_t)r[i].mib, 0,
		        1));
		i = j;
	}
	const uint32_t four[4] = {8192, 8192, 8192, 8192};
	printf("  one 8 GiB VM: %llu ms (upper %llu); four 8 GiB VMs, "
	       "parallel 2: %llu ms (upper %llu)\n",
	    (unsigned long long)migtime_model_ms(fit, 8192, 0, 0),
	    (unsigned long long)migtime_model_ms(fit, 8192, 0, 1),
	    (unsigned long long)migtime_model_evacuate_ms(fit, four, 4, 2, 0, 0),
	    (unsigned long long)migtime_model_evacuate_ms(fit, four, 4, 2, 0, 1));
	printf("  initialiser: {%.6g, %.6g, %.6g, %.4f, %.6g, %.6g, %u}\n",
	    fit->a_ms, fit->b_ms_per_mib, fit->s_ms, fit->r2, fit->fixed_ms,
	    fit->ref_mbps, fit->n);
}

int replay_migfit(int argc, char **argv);

int
replay_migfit(int argc, char **argv)
{
	const char *dir = NULL;
	int check = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			check = 1;
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else {
			fprintf(stderr, "usage: vigil-replay migfit DIR [--check]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "usage: vigil-replay migfit DIR [--check]\n");
		return 2;
	}
	static struct run r[MAX_RUNS];
	int bad = 0;
	for (int m = 0; m < MIGTIME_NMODES; m++) {
		size_t n;
		if (read_mode(dir, (enum migtime_mode)m, r, &n) != 0)
			return 1;
		struct migtime_fit acc;
		struct migtime_model fit;
		migtime_fit_init(&acc);
		for (size_t i = 0; i < n; i++)
			migtime_fit_add(&acc, r[i].mib, r[i].total, r[i].fixed,
			    r[i].mbps);
		if (migtime_fit_done(&acc, &fit) != 0) {
			fprintf(stderr, "migfit: %s: cannot fit\n",
			    migtime_mode_name((enum migtime_mode)m));
			return 1;
		}
		report((enum migtime_mode)m, r, n, &fit);
		int same = same_model(&fit, migtime_default((enum migtime_mode)m));
		printf("  stored constants: %s\n", same ? "match" : "DIFFER");
		bad |= !same;
	}
	if (check && bad) {
		fprintf(stderr, "migfit: the stored constants differ from the "
		                "fit\n");
		return 1;
	}
	return 0;
}
