/*
 * nab.c - `vigil-replay nab`: run core/art over the Numenta Anomaly
 * Benchmark and score it with core/nab.
 *
 *   vigil-replay nab DIR --out RESULTS [--streaming] [--cap N] [--artime]
 *       [--horizon N] [--probation N] [--detector NAME] [--pad X]
 *       [--headroom X] [--expand-headroom X] [--expand-after N]
 *       [--record-margin X]
 *   vigil-replay nab DIR --score-published FILE
 *
 * DIR is NAB's data directory (data/, labels/combined_windows.json).  The
 * first form runs every series listed in the labels file through one
 * detector per series (NAB's convention: the series' minimum and maximum
 * are given; --streaming: the detector learns its range causally), writes
 * RESULTS/<det>/<category>/<det>_<file>.csv (timestamp,value,
 * anomaly_score,label), and scores the corpus.  The second form scores a
 * list of published non-zero rows (file,row,timestamp,anomaly_score; every
 * other row is 0) instead of running a detector.
 *
 * The other options set the detector's configuration (struct art_cfg) for
 * sensitivity sweeps: --cap, --horizon (mean_horizon), --probation (raw
 * steps; default NAB's own min(floor(0.15 N), 750)), --headroom,
 * --expand-headroom, --expand-after, --record-margin; --artime runs
 * ARTime's exact behaviour.  --pad X widens the given range by X times its
 * span on each side (NAB convention only), to measure how much the score
 * depends on the exact range.
 *
 * Output: one line per profile, then
 *   NAB standard=<x> reward_low_FP=<y> reward_low_FN=<z>
 *
 * Limits: at most MAX_FILES series, MAX_ROWS rows per series, MAX_POOL
 * rows in all, MAX_WIN windows in all; a larger input is refused with a
 * message (exit 1).  Static buffers only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "art.h"
#include "err.h"
#include "nab.h"
#include "replay.h"

#define MAX_FILES 128
#define MAX_WIN 512
#define MAX_ROWS 65536
#define MAX_POOL (1u << 20)
#define MAX_PATH 1024
#define TS_LEN 20 /* "YYYY-MM-DD HH:MM:SS" + NUL */
#define VAL_LEN 32
#define JSON_MAX (1u << 20)

struct series {
	char name[256]; /* "category/file.csv" */
	uint32_t win0, nwin; /* into wins[] / wts[] */
};

static struct series files[MAX_FILES];
static uint32_t nfiles;
static char wts[MAX_WIN][2][TS_LEN]; /* window timestamps */
static struct nab_window wins[MAX_WIN];
static uint32_t nwins;

static char ts[MAX_ROWS][TS_LEN];
static char vals[MAX_ROWS][VAL_LEN];
static double xs[MAX_ROWS];
static double scores[MAX_ROWS];
static double uval[MAX_ROWS];
static int32_t wid[MAX_ROWS];
static struct nab_row pool[MAX_POOL];
static size_t npool;
static double best[MAX_WIN];
static char jbuf[JSON_MAX];
static struct art det;

/* ---- labels: a reader for exactly combined_windows.json's shape -------- */

/* { "cat/file.csv": [ [ "ts", "ts" ], ... ], ... }.  Strings at depth 1 are
 * file names; at depth 3 they are window edges, in pairs. */
static int
read_windows(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;
	int depth = 0, edge = 0;

	if (!f) {
		fprintf(stderr, "nab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(jbuf, 1, sizeof(jbuf) - 1, f);
	fclose(f);
	if (n == sizeof(jbuf) - 1) {
		fprintf(stderr, "nab: %s: larger than %u bytes\n", path,
		    JSON_MAX);
		return -1;
	}
	jbuf[n] = 0;
	for (size_t i = 0; i < n; i++) {
		char c = jbuf[i], *s, *e;
		size_t len;

		if (c == '{' || c == '[') {
			depth++;
			continue;
		}
		if (c == '}' || c == ']') {
			depth--;
			continue;
		}
		if (c != '"')
			continue;
		s = jbuf + i + 1;
		e = strchr(s, '"');
		if (!e)
			goto bad;
		len = (size_t)(e - s);
		i = (size_t)(e - jbuf);
		if (depth == 1) {
			if (nfiles == MAX_FILES || len >= sizeof(files[0].name))
				goto bad;
			memcpy(files[nfiles].name, s, len);
			files[nfiles].name[len] = 0;
			files[nfiles].win0 = nwins;
			files[nfiles].nwin = 0;
			nfiles++;
		} else if (depth == 3 && nfiles) {
			/* Timestamps compare as text, cut to the seconds. */
			if (len < TS_LEN - 1 || nwins == MAX_WIN)
				goto bad;
			memcpy(wts[nwins][edge], s, TS_LEN - 1);
			wts[nwins][edge][TS_LEN - 1] = 0;
			if (edge) {
				nwins++;
				files[nfiles - 1].nwin++;
			}
			edge ^= 1;
		} else {
			goto bad;
		}
	}
	if (depth != 0 || edge)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "nab: %s: unexpected shape\n", path);
	return -1;
}

/* ---- series ------------------------------------------------------------ */

/* Read DIR/data/<name>: rows into ts/vals/xs.  Returns the row count or
 * -1. */
static long
read_series(const char *dir, const char *name)
{
	char path[MAX_PATH], line[256];
	FILE *f;
	long n = 0;

	if (snprintf(path, sizeof(path), "%s/data/%s", dir, name) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "nab: path too long\n");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "nab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!fgets(line, sizeof(line), f)) /* header */
		goto bad;
	while (fgets(line, sizeof(line), f)) {
		char *comma = strchr(line, ','), *end;
		size_t vl;

		if (line[0] == '\n' || line[0] == '\r' || line[0] == 0)
			continue;
		if (!comma || comma - line < TS_LEN - 1 || n == MAX_ROWS)
			goto bad;
		memcpy(ts[n], line, TS_LEN - 1);
		ts[n][TS_LEN - 1] = 0;
		vl = strcspn(comma + 1, "\r\n");
		if (vl == 0 || vl >= VAL_LEN)
			goto bad;
		memcpy(vals[n], comma + 1, vl);
		vals[n][vl] = 0;
		xs[n] = strtod(vals[n], &end);
		if (end == vals[n])
			goto bad;
		n++;
	}
	fclose(f);
	return n;
bad:
	fprintf(stderr, "nab: %s: malformed or too long (row %ld)\n", path, n);
	fclose(f);
	return -1;
}

/* Turn file fi's window timestamps into row ranges. */
static int
map_windows(uint32_t fi, long n)
{
	const struct series *s = &files[fi];

	for (uint32_t w = s->win0; w < s->win0 + s->nwin; w++) {
		long lo = -1, hi = -1;

		for (long i = 0; i < n; i++) {
			if (strcmp(ts[i], wts[w][0]) >= 0 &&
			    strcmp(ts[i], wts[w][1]) <= 0) {
				if (lo < 0)
					lo = i;
				hi = i;
			}
		}
		if (lo < 0) {
			fprintf(stderr, "nab: %s: window %s has no rows\n",
			    s->name, wts[w][0]);
			return -1;
		}
		wins[w].lo = (uint32_t)lo;
		wins[w].hi = (uint32_t)hi;
	}
	if (nab_row_values((uint32_t)n, &wins[s->win0], s->nwin, uval, wid)) {
		fprintf(stderr, "nab: %s: bad windows\n", s->name);
		return -1;
	}
	return 0;
}

/* Add file fi's scored (non-probation) rows to the pool. */
static int
pool_rows(uint32_t fi, long n)
{
	uint32_t prob = nab_probation((uint64_t)n);

	for (long i = prob; i < n; i++) {
		if (npool == MAX_POOL) {
			fprintf(stderr, "nab: more than %u rows\n", MAX_POOL);
			return -1;
		}
		pool[npool].score = scores[i];
		pool[npool].u = uval[i];
		pool[npool].wid = wid[i] < 0 ? -1 :
		    (int32_t)files[fi].win0 + wid[i];
		npool++;
	}
	return 0;
}

static int
mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "nab: mkdir %s: %s\n", path,
			    strerror(errno));
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return 0;
}

static int
write_results(const char *out, const char *detname, uint32_t fi, long n)
{
	char path[MAX_PATH], cat[256];
	const char *name = files[fi].name, *slash = strchr(name, '/');
	FILE *f;

	if (!slash || (size_t)(slash - name) >= sizeof(cat))
		return -1;
	memcpy(cat, name, (size_t)(slash - name));
	cat[slash - name] = 0;
	if (snprintf(path, sizeof(path), "%s/%s/%s/%s_%s", out, detname, cat,
	        detname, slash + 1) >= (int)sizeof(path) ||
	    mkdirs(path))
		return -1;
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "nab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "timestamp,value,anomaly_score,label\n");
	for (long i = 0; i < n; i++)
		fprintf(f, "%s,%s,%.6f,%d\n", ts[i], vals[i], scores[i],
		    wid[i] >= 0);
	if (fclose(f)) {
		fprintf(stderr, "nab: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

/* ---- detector ----------------------------------------------------------- */

struct opts {
	int streaming, artime;
	uint32_t cap, horizon, probation, expand_after;
	double headroom, expand_headroom, pad, record_margin;
	int have_hr, have_ehr, have_hz, have_ea, have_rm;
};

static int
run_detector(const struct opts *o, long n, struct art_stats *st)
{
	struct art_cfg cfg;
	double mn = xs[0], mx = xs[0];
	int rc;

	for (long i = 1; i < n; i++) {
		if (xs[i] < mn)
			mn = xs[i];
		if (xs[i] > mx)
			mx = xs[i];
	}
	art_cfg_default(&cfg, 1);
	cfg.mode = o->streaming ? ART_STREAMING : ART_RANGE_GIVEN;
	/* The probation is the benchmark's rule (rows it never scores), the
	 * same in both modes; only the NAB mode sees the file's range. */
	cfg.probation = o->probation ? o->probation :
	                               nab_probation((uint64_t)n);
	cfg.cap = o->cap;
	cfg.artime = o->artime != 0;
	if (o->have_hz)
		cfg.mean_horizon = o->horizon;
	if (!o->streaming) {
		cfg.dmin[0] = mn - o->pad * (mx - mn);
		cfg.dmax[0] = mx + o->pad * (mx - mn);
	}
	if (o->have_hr)
		cfg.headroom = o->headroom;
	if (o->have_ehr)
		cfg.expand_headroom = o->expand_headroom;
	if (o->have_ea)
		cfg.expand_after = o->expand_after;
	if (o->have_rm)
		cfg.record_margin = o->record_margin;
	rc = art_init(&det, &cfg);
	if (rc)
		return rc;
	for (long i = 0; i < n; i++) {
		rc = art_step(&det, &xs[i], &scores[i]);
		if (rc)
			return rc;
	}
	art_stats(&det, st);
	return 0;
}

/* ---- published rows ----------------------------------------------------- */

/* Set scores[] of series `name` (n rows) from the published non-zero rows
 * file. */
static int
load_published(const char *path, const char *name, long n)
{
	char line[512];
	FILE *f = fopen(path, "r");
	size_t nl = strlen(name);

	if (!f) {
		fprintf(stderr, "nab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(scores, 0, sizeof(scores[0]) * (size_t)n);
	if (!fgets(line, sizeof(line), f))
		goto bad;
	while (fgets(line, sizeof(line), f)) {
		char *p, *q;
		long row;

		if (strncmp(line, name, nl) != 0 || line[nl] != ',')
			continue;
		row = strtol(line + nl + 1, &p, 10);
		if (*p != ',' || row < 0 || row >= n)
			goto bad;
		q = strchr(p + 1, ',');
		if (!q)
			goto bad;
		scores[row] = strtod(q + 1, &p);
		if (p == q + 1)
			goto bad;
	}
	fclose(f);
	return 0;
bad:
	fprintf(stderr, "nab: %s: malformed line: %s", path, line);
	fclose(f);
	return -1;
}

/* ---- main --------------------------------------------------------------- */

static int
usage(void)
{
	fprintf(stderr,
	    "usage: vigil-replay nab DIR --out RESULTS [--streaming] "
	    "[--cap N] [--artime]\n"
	    "           [--horizon N] [--probation N] [--detector NAME] "
	    "[--pad X]\n"
	    "           [--headroom X] [--expand-headroom X] "
	    "[--expand-after N]\n"
	    "           [--record-margin X]\n"
	    "       vigil-replay nab DIR --score-published FILE\n");
	return 2;
}

int
replay_nab(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL, *pub = NULL, *detname = NULL;
	char path[MAX_PATH];
	struct opts o;
	double norm[NAB_NPROFILES];
	uint64_t replaced = 0, expansions = 0, records = 0;
	uint32_t maxcats = 0;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--probation") && i + 1 < argc)
			o.probation = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--pad") && i + 1 < argc)
			o.pad = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--artime"))
			o.artime = 1;
		else if (!strcmp(argv[i], "--streaming"))
			o.streaming = 1;
		else if (!strcmp(argv[i], "--score-published") && i + 1 < argc)
			pub = argv[++i];
		else if (!strcmp(argv[i], "--detector") && i + 1 < argc)
			detname = argv[++i];
		else if (!strcmp(argv[i], "--cap") && i + 1 < argc)
			o.cap = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--horizon") && i + 1 < argc) {
			o.horizon = (uint32_t)strtoul(argv[++i], NULL, 10);
			o.have_hz = 1;
		} else if (!strcmp(argv[i], "--headroom") && i + 1 < argc) {
			o.headroom = strtod(argv[++i], NULL);
			o.have_hr = 1;
		} else if (!strcmp(argv[i], "--expand-headroom") &&
		    i + 1 < argc) {
			o.expand_headroom = strtod(argv[++i], NULL);
			o.have_ehr = 1;
		} else if (!strcmp(argv[i], "--expand-after") &&
		    i + 1 < argc) {
			o.expand_after = (uint32_t)strtoul(argv[++i], NULL, 10);
			o.have_ea = 1;
		} else if (!strcmp(argv[i], "--record-margin") &&
		    i + 1 < argc) {
			o.record_margin = strtod(argv[++i], NULL);
			o.have_rm = 1;
		} else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			return usage();
	}
	if (!dir || (!out && !pub) || (out && pub))
		return usage();
	if (!detname)
		detname = pub ? "published" : o.streaming ? "vigil_streaming" :
		                                            "vigil";

	if (snprintf(path, sizeof(path), "%s/labels/combined_windows.json",
	        dir) >= (int)sizeof(path) ||
	    read_windows(path))
		return 1;
	for (uint32_t fi = 0; fi < nfiles; fi++) {
		long n = read_series(dir, files[fi].name);
		struct art_stats st;
		int rc;

		if (n <= 0 || map_windows(fi, n))
			return 1;
		if (pub) {
			if (load_published(pub, files[fi].name, n))
				return 1;
		} else {
			rc = run_detector(&o, n, &st);
			if (rc) {
				fprintf(stderr, "nab: %s: detector: %s\n",
				    files[fi].name, vigil_strerror(rc));
				return 1;
			}
			replaced += st.replaced;
			expansions += st.expansions;
			records += st.records;
			if (st.cats_hwm > maxcats)
				maxcats = st.cats_hwm;
			if (write_results(out, detname, fi, n))
				return 1;
		}
		if (pool_rows(fi, n))
			return 1;
	}
	if (!pub)
		printf("nab: %u series, %zu scored rows, %u windows; "
		       "categories max %u, replaced %llu, "
		       "range expansions %llu, records %llu\n",
		    nfiles, npool, nwins, maxcats, (unsigned long long)replaced,
		    (unsigned long long)expansions,
		    (unsigned long long)records);
	nab_sort_rows(pool, npool);
	for (int p = 0; p < NAB_NPROFILES; p++) {
		double thr, raw;

		if (nab_sweep(pool, npool, nwins, &nab_profiles[p], best, &thr,
		        &raw))
			return 1;
		norm[p] = nab_normalise(raw, nwins, &nab_profiles[p]);
		printf("profile %s: threshold %.6f raw %.4f score %.2f\n",
		    nab_profile_names[p], thr, raw, norm[p]);
	}
	printf("NAB standard=%.2f reward_low_FP=%.2f reward_low_FN=%.2f\n",
	    norm[0], norm[1], norm[2]);
	return 0;
}
