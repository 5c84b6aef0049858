/*
 * loghub.c - vigil-replay loghub DIR [--rules FILE] [--dump DATASET]
 *
 * Runs core/drain over the 16 Loghub 2k logs and scores it against the
 * benchmark's ground truth (DIR/<ds>/<ds>_2k.log_structured.csv, columns
 * EventId and EventTemplate):
 *   GA  grouping accuracy: a line is right when the set of lines mined into
 *       its template equals the set of lines of its ground-truth event;
 *   PA  parsing accuracy: a line is right when its template's final text
 *       equals the ground-truth template string.
 * Everything per dataset is data in the rules file (default
 * tools/replay/loghub.rules): the log format that cuts the header from the
 * content, and the miner configuration (masking, threshold, depth).  The
 * reference figures are read from DIR/REFERENCE.md when present.
 *
 * Prints one row per dataset and last "average GA=<x> PA=<y>".  Exit 0 when
 * every dataset ran, 1 if one could not be read, 2 for usage errors.
 *
 * Limits: static buffers (a log of MAX_FILE bytes, MAX_LINES lines, a
 * format of MAX_FEL elements); larger inputs are refused with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drain.h"
#include "err.h"
#include "replay.h"

#define MAX_FILE (4u << 20)
#define MAX_LINES 4096
#define MAX_FEL 64
#define MAX_RULES_FILE 65536
#define MAX_SECTIONS 64
#define MAX_NAME 32
#define TPL_TEXT 8192

/* ---- files ---------------------------------------------------------------- */

static char logbuf[MAX_FILE], csvbuf[MAX_FILE], rulesbuf[MAX_RULES_FILE];
static char refbuf[MAX_RULES_FILE];

static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	int big = !feof(f);
	fclose(f);
	if (big) {
		fprintf(stderr, "loghub: %s is larger than %zu bytes\n", path, cap);
		return -1;
	}
	buf[n] = 0;
	return (long)n;
}

/* Split buf in place into lines (LF, a trailing CR dropped). */
static size_t
split_lines(char *buf, size_t n, char **lines, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		char *b = buf + i;
		while (i < n && buf[i] != '\n')
			i++;
		size_t e = (size_t)(buf + i - b);
		if (i < n)
			buf[i++] = 0;
		if (e && b[e - 1] == '\r')
			b[e - 1] = 0;
		lines[k++] = b;
	}
	return k;
}

/* ---- the log format ---------------------------------------------------------
 * The benchmark's format strings: <Field> matches lazily, a run of spaces
 * matches one or more blanks, \x is the literal x, ( ... )? is optional,
 * any other character is itself.  Matching backtracks like the regex the
 * benchmark builds from it, with a failure memo so a bad line stays cheap. */

enum { FEL_FIELD, FEL_LIT, FEL_WS, FEL_OPT, FEL_END };
struct fel {
	int kind;
	char c;       /* FEL_LIT */
	int content;  /* FEL_FIELD: is <Content> */
	int end;      /* FEL_OPT: index of its FEL_END */
};
struct format {
	struct fel el[MAX_FEL];
	int n;
};

static int
format_compile(struct format *f, const char *s)
{
	int stack[8], sp = 0;
	f->n = 0;
	while (*s) {
		if (f->n >= MAX_FEL - 1)
			return -1;
		struct fel *e = &f->el[f->n];
		memset(e, 0, sizeof(*e));
		if (*s == '<') {
			const char *g = strchr(s, '>');
			if (!g)
				return -1;
			e->kind = FEL_FIELD;
			e->content = (g - s - 1 == 7 && !strncmp(s + 1, "Content", 7));
			s = g + 1;
		} else if (*s == ' ') {
			e->kind = FEL_WS;
			while (*s == ' ')
				s++;
		} else if (*s == '\\' && s[1]) {
			e->kind = FEL_LIT;
			e->c = s[1];
			s += 2;
		} else if (*s == '(') {
			if (sp == 8)
				return -1;
			e->kind = FEL_OPT;
			stack[sp++] = f->n;
			s++;
		} else if (*s == ')' && s[1] == '?') {
			if (sp == 0)
				return -1;
			e->kind = FEL_END;
			f->el[stack[--sp]].end = f->n;
			s += 2;
		} else {
			e->kind = FEL_LIT;
			e->c = *s++;
		}
		f->n++;
	}
	return sp == 0 ? 0 : -1;
}

static unsigned char memo[MAX_FEL * (TPL_TEXT + 1)];

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

static int
fmatch(const struct format *f, int k, const char *s, size_t n, size_t i,
    size_t *cb, size_t *ce)
{
	if (k == f->n)
		return i == n;
	unsigned char *m = &memo[(size_t)k * (n + 1) + i];
	if (*m)
		return 0;
	const struct fel *e = &f->el[k];
	int ok = 0;
	switch (e->kind) {
	case FEL_FIELD:
		for (size_t j = i; j <= n && !ok; j++) {
			if (fmatch(f, k + 1, s, n, j, cb, ce)) {
				if (e->content) {
					*cb = i;
					*ce = j;
				}
				ok = 1;
			}
		}
		break;
	case FEL_LIT:
		ok = i < n && s[i] == e->c && fmatch(f, k + 1, s, n, i + 1, cb, ce);
		break;
	case FEL_WS: {
		size_t j = i;
		while (j < n && is_ws(s[j]))
			j++;
		for (; j > i && !ok; j--) /* greedy, then give back */
			ok = fmatch(f, k + 1, s, n, j, cb, ce);
		break;
	}
	case FEL_OPT:
		ok = fmatch(f, k + 1, s, n, i, cb, ce) ||
		    fmatch(f, e->end + 1, s, n, i, cb, ce);
		break;
	case FEL_END:
		ok = fmatch(f, k + 1, s, n, i, cb, ce);
		break;
	}
	if (!ok)
		*m = 1;
	return ok;
}

/* The content of one line; the whole (stripped) line if it does not
 * match.  Returns 1 on a match. */
static int
content_of(const struct format *f, const char *line, const char **cs,
    size_t *cn)
{
	size_t n = strlen(line), b = 0;
	while (b < n && is_ws(line[b]))
		b++;
	while (n > b && is_ws(line[n - 1]))
		n--;
	line += b;
	n -= b;
	*cs = line;
	*cn = n;
	if (n > TPL_TEXT)
		return 0;
	memset(memo, 0, (size_t)f->n * (n + 1));
	size_t cb = 0, ce = n;
	if (!fmatch(f, 0, line, n, 0, &cb, &ce))
		return 0;
	*cs = line + cb;
	*cn = ce - cb;
	return 1;
}

/* ---- ground truth ------------------------------------------------------------ */

/* Decode CSV field number col of row (quotes, "" escapes) into out. */
static int
csv_field(const char *row, int col, char *out, size_t cap)
{
	int c = 0;
	const char *p = row;
	size_t o = 0;
	for (;;) {
		int q = (*p == '"');
		if (q)
			p++;
		while (*p) {
			if (q && *p == '"') {
				if (p[1] == '"') {
					if (c == col && o + 1 < cap)
						out[o++] = '"';
					p += 2;
					continue;
				}
				p++;
				q = 0;
				continue;
			}
			if (!q && *p == ',')
				break;
			if (c == col && o + 1 < cap)
				out[o++] = *p;
			p++;
		}
		if (c == col) {
			out[o] = 0;
			return 0;
		}
		if (!*p)
			return -1;
		p++;
		c++;
	}
}

static int
csv_col(const char *header, const char *name)
{
	char f[64];
	for (int c = 0; c < 64; c++) {
		if (csv_field(header, c, f, sizeof(f)) < 0)
			return -1;
		if (!strcmp(f, name))
			return c;
	}
	return -1;
}

/* ---- rules file ---------------------------------------------------------------- */

struct section {
	char name[MAX_NAME];
	const char *body; /* lines after the [name] line */
	size_t len;
};

static size_t
sections(char *text, size_t n, struct section *sec, size_t max,
    const char **common, size_t *common_len)
{
	size_t k = 0, i = 0;
	*common = text;
	*common_len = n;
	while (i < n) {
		char *b = text + i;
		while (i < n && text[i] != '\n')
			i++;
		if (i < n)
			i++;
		if (*b != '[')
			continue;
		char *e = memchr(b, ']', (size_t)(text + i - b));
		if (!e || e - b - 1 >= MAX_NAME)
			continue;
		if (k == 0)
			*common_len = (size_t)(b - text);
		else
			sec[k - 1].len = (size_t)(b - sec[k - 1].body);
		if (k == max)
			break;
		memcpy(sec[k].name, b + 1, (size_t)(e - b - 1));
		sec[k].name[e - b - 1] = 0;
		sec[k].body = text + i;
		sec[k].len = n - i;
		k++;
	}
	return k;
}

/* The section's "format" line; the other lines go to cfgtext. */
static int
section_split(const struct section *s, char *fmt, size_t fcap, char *cfgtext,
    size_t ccap, size_t *clen)
{
	size_t i = 0, o = 0;
	fmt[0] = 0;
	while (i < s->len) {
		const char *b = s->body + i;
		while (i < s->len && s->body[i] != '\n')
			i++;
		size_t l = (size_t)(s->body + i - b);
		if (i < s->len)
			i++;
		if (l >= 7 && !strncmp(b, "format ", 7)) {
			size_t fl = l - 7;
			while (fl && (b[7 + fl - 1] == '\r'))
				fl--;
			if (fl >= fcap)
				return -1;
			memcpy(fmt, b + 7, fl);
			fmt[fl] = 0;
			/* keep line numbers: an empty line in its place */
			l = 0;
		}
		if (o + l + 1 >= ccap)
			return -1;
		memcpy(cfgtext + o, b, l);
		o += l;
		cfgtext[o++] = '\n';
	}
	*clen = o;
	return 0;
}

/* Reference GA for a dataset from REFERENCE.md ("| HDFS | 0.9975 | ..."),
 * or -1. */
static double
ref_ga(const char *ref, const char *name)
{
	char pat[MAX_NAME + 8];
	if ((size_t)snprintf(pat, sizeof(pat), "\n| %s | ", name) >= sizeof(pat))
		return -1;
	const char *p = ref, *last = NULL;
	while ((p = strstr(p, pat)) != NULL) {
		last = p;
		p++;
	}
	if (!last)
		return -1;
	char *end;
	double v = strtod(last + strlen(pat), &end);
	return end == last + strlen(pat) ? -1 : v;
}

/* ---- one dataset ------------------------------------------------------------ */

static struct drain miner;
static char *loglines[MAX_LINES], *csvlines[MAX_LINES + 1];
static int mined[MAX_LINES], gt[MAX_LINES];
static char gtid[MAX_LINES][32];
static char gttpl[MAX_LINES][TPL_TEXT / 4];
static char text[TPL_TEXT], field[TPL_TEXT];
static unsigned gtsize[MAX_LINES], minesize[VIGIL_DRAIN_MAX_TEMPLATES];

struct score {
	size_t lines, templates, nomatch, content_diff;
	double ga, pa;
};

static int
run_one(const char *dir, const struct section *sec, const char *common,
    size_t common_len, const char *dump, struct score *sc)
{
	char path[1024], fmtstr[512];
	static char cfgtext[MAX_RULES_FILE];
	size_t clen;
	struct format fmt;
	struct drain_cfg cfg;
	unsigned errline = 0;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if (common_len >= sizeof(cfgtext))
		return -1;
	memcpy(cfgtext, common, common_len);
	if (section_split(sec, fmtstr, sizeof(fmtstr), cfgtext + common_len,
	        sizeof(cfgtext) - common_len, &clen) < 0 ||
	    format_compile(&fmt, fmtstr) < 0 || fmt.n == 0) {
		fprintf(stderr, "loghub: [%s]: bad or missing format\n", sec->name);
		return -1;
	}
	drain_cfg_default(&cfg);
	rc = drain_cfg_parse(&cfg, cfgtext, common_len + clen, &errline);
	if (rc < 0) {
		fprintf(stderr, "loghub: [%s]: rules line %u (of the common part and"
		    " section): %s\n", sec->name, errline, vigil_strerror(rc));
		return -1;
	}
	if ((rc = drain_init(&miner, &cfg)) < 0) {
		fprintf(stderr, "loghub: [%s]: %s\n", sec->name, vigil_strerror(rc));
		return -1;
	}

	long ln = -1, cn = -1;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s_2k.log", dir,
	        sec->name, sec->name) < sizeof(path))
		ln = slurp(path, logbuf, sizeof(logbuf));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s_2k.log_structured.csv",
	        dir, sec->name, sec->name) < sizeof(path))
		cn = slurp(path, csvbuf, sizeof(csvbuf));
	if (ln < 0 || cn < 0) {
		fprintf(stderr, "loghub: cannot read %s/%s\n", dir, sec->name);
		return -1;
	}
	size_t nlog = split_lines(logbuf, (size_t)ln, loglines, MAX_LINES);
	size_t ncsv = split_lines(csvbuf, (size_t)cn, csvlines, MAX_LINES + 1);
	while (nlog && !*loglines[nlog - 1])
		nlog--;
	while (ncsv && !*csvlines[ncsv - 1])
		ncsv--;
	if (ncsv < 1 || ncsv - 1 != nlog) {
		fprintf(stderr, "loghub: [%s]: %zu log lines, %zu truth rows\n",
		    sec->name, nlog, ncsv ? ncsv - 1 : 0);
		return -1;
	}
	int c_content = csv_col(csvlines[0], "Content");
	int c_id = csv_col(csvlines[0], "EventId");
	int c_tpl = csv_col(csvlines[0], "EventTemplate");
	if (c_id < 0 || c_tpl < 0) {
		fprintf(stderr, "loghub: [%s]: no EventId/EventTemplate\n",
		    sec->name);
		return -1;
	}

	/* Mine. */
	size_t ngt = 0;
	for (size_t i = 0; i < nlog; i++) {
		const char *cs;
		size_t cl;
		if (!content_of(&fmt, loglines[i], &cs, &cl))
			sc->nomatch++;
		if (c_content >= 0 &&
		    csv_field(csvlines[i + 1], c_content, field, sizeof(field)) == 0 &&
		    (strlen(field) != cl || memcmp(field, cs, cl) != 0))
			sc->content_diff++;
		mined[i] = drain_add(&miner, cs, cl);
		if (mined[i] < 0 || mined[i] == DRAIN_ID_OVERFLOW) {
			fprintf(stderr, "loghub: [%s]: line %zu: %s\n", sec->name, i + 1,
			    vigil_strerror(mined[i]));
			return -1;
		}
		if (csv_field(csvlines[i + 1], c_id, gtid[i], sizeof(gtid[i])) < 0 ||
		    csv_field(csvlines[i + 1], c_tpl, gttpl[i], sizeof(gttpl[i])) < 0) {
			fprintf(stderr, "loghub: [%s]: truth row %zu malformed\n",
			    sec->name, i + 1);
			return -1;
		}
		/* Dense ground-truth group numbers. */
		size_t g;
		for (g = 0; g < i; g++)
			if (!strcmp(gtid[g], gtid[i]))
				break;
		gt[i] = g < i ? gt[g] : (int)ngt++;
	}

	/* Scores.  No eviction happens on 2,000 lines, so each id names one
	 * template for the whole run. */
	memset(gtsize, 0, sizeof(gtsize));
	memset(minesize, 0, sizeof(minesize));
	for (size_t i = 0; i < nlog; i++) {
		gtsize[gt[i]]++;
		minesize[DRAIN_SLOT(mined[i])]++;
	}
	size_t ga = 0, pa = 0;
	for (size_t g = 0; g < ngt; g++) {
		int m = -1, one = 1;
		for (size_t i = 0; i < nlog && one; i++) {
			if (gt[i] != (int)g)
				continue;
			if (m < 0)
				m = mined[i];
			else if (mined[i] != m)
				one = 0;
		}
		if (one && m >= 0 && minesize[DRAIN_SLOT(m)] == gtsize[g])
			ga += gtsize[g];
	}
	for (size_t i = 0; i < nlog; i++) {
		drain_text(&miner, mined[i], text, sizeof(text));
		if (!strcmp(text, gttpl[i]))
			pa++;
		if (dump && !strcmp(dump, sec->name))
			printf("%s\t%d\t%s\t%s\n", gtid[i], mined[i], text, gttpl[i]);
	}
	struct drain_stats st;
	drain_stats(&miner, &st);
	sc->lines = nlog;
	sc->templates = st.templates;
	sc->ga = (double)ga / (double)nlog;
	sc->pa = (double)pa / (double)nlog;
	return 0;
}

int
replay_loghub(int argc, char **argv)
{
	const char *dir = NULL, *rules = "tools/replay/loghub.rules", *dump = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc)
			rules = argv[++i];
		else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
			dump = argv[++i];
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir) {
		fprintf(stderr, "usage: vigil-replay loghub DIR [--rules FILE] "
		    "[--dump DATASET]\n");
		return 2;
	}
	long rn = slurp(rules, rulesbuf, sizeof(rulesbuf));
	if (rn < 0) {
		fprintf(stderr, "loghub: cannot read rules %s\n", rules);
		return 2;
	}
	char refpath[1024];
	if ((size_t)snprintf(refpath, sizeof(refpath), "%s/REFERENCE.md", dir) >=
	        sizeof(refpath) ||
	    slurp(refpath, refbuf, sizeof(refbuf)) < 0)
		refbuf[0] = 0;

	static struct section sec[MAX_SECTIONS];
	const char *common;
	size_t common_len;
	size_t ns = sections(rulesbuf, (size_t)rn, sec, MAX_SECTIONS, &common,
	    &common_len);
	if (ns == 0) {
		fprintf(stderr, "loghub: no [dataset] sections in %s\n", rules);
		return 2;
	}
	if (!dump)
		printf("%-12s %6s %5s %7s %7s %7s %s\n", "dataset", "lines", "tpls",
		    "GA", "PA", "refGA", "");
	double sga = 0, spa = 0;
	int n = 0, bad = 0;
	for (size_t i = 0; i < ns; i++) {
		struct score sc;
		if (run_one(dir, &sec[i], common, common_len, dump, &sc) < 0) {
			bad = 1;
			continue;
		}
		double ref = ref_ga(refbuf, sec[i].name);
		if (!dump) {
			printf("%-12s %6zu %5zu %7.4f %7.4f ", sec[i].name, sc.lines,
			    sc.templates, sc.ga, sc.pa);
			if (ref >= 0)
				printf("%7.4f %s", ref, sc.ga + 1e-9 >= ref ? "ok" : "BELOW");
			else
				printf("%7s", "-");
			if (sc.nomatch)
				printf(" (%zu lines off format)", sc.nomatch);
			if (sc.content_diff)
				printf(" (%zu contents differ from truth)", sc.content_diff);
			printf("\n");
		}
		sga += sc.ga;
		spa += sc.pa;
		n++;
	}
	if (!dump && n)
		printf("average GA=%.4f PA=%.4f\n", sga / n, spa / n);
	return bad;
}
