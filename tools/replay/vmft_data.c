/*
 * vmft_data.c - loading the VMFT-LAD runs and rebuilding them as syslog
 * lines (see vmft.h).
 *
 * The readers are for exactly the shapes the data folder has: CSV with
 * optional double-quoted fields ("" inside is one quote), and the flat
 * two-level metadata JSON { "run": { "key": number | "string", ... } }.
 * Anything else is refused with the file and line.  Memory is malloc'd
 * per run and freed by vmft_free.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "syslog.h"
#include "vmft.h"

#define MAX_ID 65535u

static const char *const cat_names[VMFT_NCAT] = {
	"benign", "oom", "hdd", "cpu", "buffer-io",
};

const char *
vmft_cat_name(enum vmft_cat c)
{
	return (unsigned)c < VMFT_NCAT ? cat_names[c] : "?";
}

/* ---- files -------------------------------------------------------------- */

/* The whole file, NUL-terminated, or NULL (with errno). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	while (b) {
		n += fread(b + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		char *nb = realloc(b, cap * 2);
		if (!nb) {
			free(b);
			b = NULL;
			break;
		}
		b = nb;
		cap *= 2;
	}
	int err = ferror(f);
	fclose(f);
	if (!b || err) {
		free(b);
		errno = err ? EIO : ENOMEM;
		return NULL;
	}
	b[n] = 0;
	if (len)
		*len = n;
	return b;
}

/* A message to err, or none when err is NULL. */
static void
say(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(FILE *err, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return;
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
}

/* buf[0..len) as a NUL-terminated copy (a NUL inside ends the text, as
 * it does for slurp's callers), or NULL with errno. */
static char *
dup_buf(const char *buf, size_t len)
{
	char *b = malloc(len + 1);
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		memcpy(b, buf, len);
	b[len] = 0;
	return b;
}

/* Next line of a buffer: returns its start and NUL-terminates it (a CR
 * before the LF is dropped); *p moves past it.  NULL at the end. */
static char *
next_line(char **p)
{
	char *s = *p;
	if (!*s)
		return NULL;
	char *e = strchr(s, '\n');
	if (e) {
		*e = 0;
		*p = e + 1;
	} else {
		*p = s + strlen(s);
		e = *p;
	}
	if (e > s && e[-1] == '\r')
		e[-1] = 0;
	return s;
}

/* Split one CSV line in place into at most max fields; quoted fields are
 * unquoted ("" -> "). Returns the field count, or -1 for a bad quote. */
static int
csv_split(char *s, char **f, int max)
{
	int n = 0;
	for (;;) {
		if (n == max)
			return -1;
		if (*s == '"') {
			char *w = ++s;
			f[n++] = w;
			for (;;) {
				if (!*s)
					return -1;
				if (*s == '"') {
					if (s[1] == '"') {
						*w++ = '"';
						s += 2;
						continue;
					}
					s++;
					break;
				}
				*w++ = *s++;
			}
			if (*s && *s != ',')
				return -1;
			int more = *s == ',';
			*w = 0;
			if (!more)
				return n;
			s++;
		} else {
			f[n++] = s;
			char *c = strchr(s, ',');
			if (!c)
				return n;
			*c = 0;
			s = c + 1;
		}
	}
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *e;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &e, 10);
	if (errno || *e || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS[.f{1,6}]" (or 'T' between) to wall-clock
 * microseconds; *digits gets the fraction's digit count. */
static int
parse_ts(const char *s, int64_t *us, int *digits)
{
	/* The exact shape first: sscanf alone would take signs and blanks
	 * ("2024-01-01 -1:00:00"). */
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	for (int k = 0; shape[k]; k++) {
		char c = s[k];
		if (shape[k] == 'd' ? c < '0' || c > '9' :
		    shape[k] == ' ' ? c != ' ' && c != 'T' : c != shape[k])
			return -1;
	}
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
	        &sec, &n) != 6 || n != 19)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	int64_t frac = 0;
	int nd = 0;
	s += 19;
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nd++) {
			if (nd >= 6)
				return -1;
			frac = frac * 10 + (*s - '0');
		}
		if (nd == 0)
			return -1;
	}
	if (*s)
		return -1;
	for (int k = nd; k < 6; k++)
		frac *= 10;
	*us = ((syslog_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	           sec) * 1000000) + frac;
	*digits = nd;
	return 0;
}

int
vmft_ts_text(const struct vmft_run *r, int64_t ts_us, char *buf, size_t cap)
{
	int64_t sec = ts_us / 1000000, frac = ts_us % 1000000;
	if (frac < 0) {
		frac += 1000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	char f[16] = "";
	gmtime_r(&t, &tm);
	if (r->ts_text_fmt == 3)
		snprintf(f, sizeof(f), ".%03ld", (long)(frac / 1000));
	else if (r->ts_text_fmt == 6)
		snprintf(f, sizeof(f), ".%06ld", (long)frac);
	return snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d%s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, f);
}

/* ---- metadata: { "run": { "key": value, ... }, ... } -------------------- */

struct jp {
	const char *s, *path;
};

static void
jws(struct jp *j)
{
	while (*j->s == ' ' || *j->s == '\n' || *j->s == '\r' || *j->s == '\t')
		j->s++;
}

/* A JSON string without escapes other than \" and \\ (the metadata has
 * none) into out[cap]; returns 0 or -1. */
static int
jstr(struct jp *j, char *out, size_t cap)
{
	jws(j);
	if (*j->s != '"')
		return -1;
	size_t n = 0;
	for (j->s++; *j->s != '"'; j->s++) {
		char c = *j->s;
		if (!c)
			return -1;
		if (c == '\\') {
			c = *++j->s;
			if (c != '"' && c != '\\' && c != '/')
				return -1;
		}
		if (n + 1 < cap)
			out[n++] = c;
		else
			return -1;
	}
	j->s++;
	out[n] = 0;
	return 0;
}

static int
jchar(struct jp *j, char c)
{
	jws(j);
	if (*j->s != c)
		return -1;
	j->s++;
	return 0;
}

/* The metadata in buf (NUL-terminated, freed here); path names it in
 * messages. */
static int
parse_meta(char *buf, const char *path, FILE *err,
    struct vmft_meta **out, size_t *nout)
{
	struct jp j = {buf, path};
	struct vmft_meta *m = NULL;
	size_t n = 0, cap = 0;
	char key[256], sval[256];
	if (jchar(&j, '{'))
		goto bad;
	jws(&j);
	if (*j.s == '}')
		j.s++;
	else
		for (;;) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				void *nm = realloc(m, cap * sizeof(*m));
				if (!nm)
					goto bad;
				m = nm;
			}
			struct vmft_meta *e = &m[n];
			memset(e, 0, sizeof(*e));
			e->label = e->failure = -1;
			if (jstr(&j, e->name, sizeof(e->name)) || jchar(&j, ':') ||
			    jchar(&j, '{'))
				goto bad;
			jws(&j);
			if (*j.s == '}')
				j.s++;
			else
				for (;;) {
					if (jstr(&j, key, sizeof(key)) || jchar(&j, ':'))
						goto bad;
					jws(&j);
					if (*j.s == '"') {
						if (jstr(&j, sval, sizeof(sval)))
							goto bad;
					} else {
						char *end;
						errno = 0;
						long v = strtol(j.s, &end, 10);
						if (end == j.s || errno)
							goto bad;
						j.s = end;
						if (!strcmp(key, "label_region"))
							e->label = v;
						else if (!strcmp(key, "failure_point"))
							e->failure = v;
					}
					jws(&j);
					if (*j.s == ',') {
						j.s++;
						continue;
					}
					if (jchar(&j, '}'))
						goto bad;
					break;
				}
			n++;
			jws(&j);
			if (*j.s == ',') {
				j.s++;
				continue;
			}
			if (jchar(&j, '}'))
				goto bad;
			break;
		}
	jws(&j);
	if (*j.s)
		goto bad;
	free(buf);
	*out = m;
	*nout = n;
	return 0;
bad:
	say(err, "vmft: %s: unexpected JSON at byte %ld\n", path,
	    (long)(j.s - buf));
	free(buf);
	free(m);
	return -1;
}

int
vmft_parse_metadata(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_meta **out, size_t *nout)
{
	char *b = dup_buf(buf, len);
	if (!b) {
		say(err, "vmft: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return parse_meta(b, name, err, out, nout);
}

static int
read_meta(const char *path, struct vmft_meta **out, size_t *nout)
{
	char *buf = slurp(path, NULL);
	if (!buf) {
		fprintf(stderr, "vmft: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return parse_meta(buf, path, stderr, out, nout);
}

/* ---- templates, harness ids, programs ------------------------------------ */

/* templates.csv in buf (NUL-terminated, freed here). */
static int
parse_templates(char *buf, const char *path, FILE *err,
    struct vmft_set *set)
{
	char *p = buf, *line;
	/* One pass into (id, text) pairs pointing into buf, then the table. */
	size_t n = 0, cap = 0;
	struct {
		unsigned long id;
		const char *text;
	} *e = NULL;
	int lno = 0;
	set->ntmpl = 0;
	while ((line = next_line(&p))) {
		char *f[3];
		unsigned long id;
		if (++lno == 1 || !*line)
			continue; /* header */
		if (csv_split(line, f, 3) != 3 || parse_uint(f[0], MAX_ID, &id))
			goto bad;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			void *ne = realloc(e, cap * sizeof(*e));
			if (!ne)
				goto bad;
			e = ne;
		}
		e[n].id = id;
		e[n++].text = f[2];
		if (id + 1 > set->ntmpl)
			set->ntmpl = id + 1;
	}
	set->tmpl = calloc(set->ntmpl + 1, sizeof(char *));
	set->prog = calloc(set->ntmpl + 1, sizeof(char *));
	set->harness = calloc(set->ntmpl + 1, 1);
	if (!set->tmpl || !set->prog || !set->harness)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (set->tmpl[e[i].id] || !(set->tmpl[e[i].id] = strdup(e[i].text))) {
			say(err, "vmft: %s: id %lu twice\n", path, e[i].id);
			lno = 0;
			goto bad;
		}
	free(e);
	free(buf);
	return 0;
bad:
	say(err, "vmft: %s:%d: malformed\n", path, lno);
	free(e);
	free(buf);
	return -1;
}

int
vmft_parse_templates(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set)
{
	char *b = dup_buf(buf, len);
	if (!b) {
		say(err, "vmft: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return parse_templates(b, name, err, set);
}

static int
read_templates(const char *dir, struct vmft_set *set)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/templates.csv", dir);
	char *buf = slurp(path, NULL);
	if (!buf) {
		fprintf(stderr, "vmft: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return parse_templates(buf, path, stderr, set);
}

/* id,text... CSV with a header in buf (NUL-terminated, freed here):
 * calls fn(set, id, second field). */
static int
parse_id_csv(char *buf, const char *path, FILE *err, struct vmft_set *set,
    int (*fn)(struct vmft_set *, unsigned long, const char *))
{
	char *p = buf, *line;
	int lno = 0;
	while ((line = next_line(&p))) {
		char *f[4];
		unsigned long id;
		if (++lno == 1 || !*line)
			continue;
		int nf = csv_split(line, f, 4);
		if (nf < 2 || parse_uint(f[0], MAX_ID, &id) || fn(set, id, f[1])) {
			say(err, "vmft: %s:%d: malformed\n", path, lno);
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int
read_id_csv(const char *path, struct vmft_set *set,
    int (*fn)(struct vmft_set *, unsigned long, const char *))
{
	char *buf = slurp(path, NULL);
	if (!buf) {
		fprintf(stderr, "vmft: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return parse_id_csv(buf, path, stderr, set, fn);
}

static int
set_harness(struct vmft_set *set, unsigned long id, const char *why)
{
	(void)why;
	if (id >= set->ntmpl)
		return -1;
	set->harness[id] = 1;
	return 0;
}

static int
set_prog(struct vmft_set *set, unsigned long id, const char *prog)
{
	if (id >= set->ntmpl || !*prog)
		return -1;
	free(set->prog[id]);
	return (set->prog[id] = strdup(prog)) ? 0 : -1;
}

static int
parse_id_buf(const char *buf, size_t len, const char *name, FILE *err,
    struct vmft_set *set,
    int (*fn)(struct vmft_set *, unsigned long, const char *))
{
	char *b = dup_buf(buf, len);
	if (!b) {
		say(err, "vmft: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return parse_id_csv(b, name, err, set, fn);
}

int
vmft_parse_harness(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set)
{
	return parse_id_buf(buf, len, name, err, set, set_harness);
}

int
vmft_parse_programs(const char *buf, size_t len, const char *name,
    FILE *err, struct vmft_set *set)
{
	return parse_id_buf(buf, len, name, err, set, set_prog);
}

static int
starts(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static int
ends(const char *s, const char *p)
{
	size_t n = strlen(s), k = strlen(p);
	return n >= k && !strcmp(s + n - k, p);
}

/* The program of a template that sample_template_programs.csv does not
 * list: the data README's rules (kernel, CRON, sshd, systemd,
 * systemd-networkd), then shapes that name their program unmistakably
 * (marked "beyond the README"), otherwise the generic "daemon". */
static const char *
guess_prog(const char *t)
{
	static const char *const sysd_start[] = {"Started ", "Stopped ",
		"Starting ", "Stopping ", "Reached target ", "Listening on ",
		"Finished ", "Closed ", "Created slice ", "Removed slice ",
		"Mounting ", "Mounted ", "Unmounting ", "Condition check "};
	static const char *const sysd_end[] = {"Succeeded.",
		" Deactivated successfully.", " CPU time."};
	static const char *const sshd_start[] = {"Accepted ", "Invalid user ",
		"Received disconnect from ", "Disconnected from user ",
		"Server listening on ", "PAM <:NUM:> more authentication ",
		"pam <:*:> check pass;"};

	if (starts(t, "[<:NUM:>.<:NUM:>]") || starts(t, "[ <:NUM:>.<:NUM:>]"))
		return "kernel";
	/* The cron daemon itself writes "(CRON) INFO ..." and "(root)
	 * RELOAD"; the job runner CRON the rest (as sample.log has it). */
	if (starts(t, "(CRON) INFO") || starts(t, "(root) RELOAD"))
		return "cron";
	if (starts(t, "(root) ") && ends(t, " (root)"))
		return "crontab"; /* "(root) BEGIN EDIT (root)" */
	if (starts(t, "(root) CMD") || starts(t, "(CRON)") ||
	    (starts(t, "pam <:*:> session ")))
		return "CRON";
	if (starts(t, "Failed password") ||
	    (starts(t, "Connection ") && ends(t, "[preauth]")) ||
	    starts(t, "pam <:*:> authentication failure"))
		return "sshd";
	/* Beyond the README: sshd's other lines. */
	for (size_t i = 0; i < sizeof(sshd_start) / sizeof(*sshd_start); i++)
		if (starts(t, sshd_start[i]))
			return "sshd";
	if (starts(t, "Failed <:*:> for "))
		return "sshd";
	for (size_t i = 0; i < sizeof(sysd_start) / sizeof(*sysd_start); i++)
		if (starts(t, sysd_start[i]))
			return "systemd";
	for (size_t i = 0; i < sizeof(sysd_end) / sizeof(*sysd_end); i++)
		if (ends(t, sysd_end[i]))
			return "systemd";
	/* "unit.service: ..." is systemd speaking about one of its units. */
	const char *colon = strstr(t, ": ");
	const char *sp = strchr(t, ' ');
	if (colon && colon + 1 == sp) {
		static const char *const units[] = {".service", ".scope",
			".mount", ".socket", ".timer", ".slice", ".target"};
		for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
			size_t k = strlen(units[i]);
			if ((size_t)(colon - t) > k && !strncmp(colon - k, units[i], k))
				return "systemd";
		}
	}
	if (strstr(t, " Scheduled restart job") ||
	    starts(t, "This usually indicates unclean termination"))
		return "systemd";
	/* The shadow-utils tools by what each of them logs. */
	if (starts(t, "delete user ") || starts(t, "removed group ") ||
	    starts(t, "removed shadow group "))
		return "userdel";
	if (starts(t, "new user: ") || starts(t, "new group: ") ||
	    starts(t, "group added to ") || starts(t, "failed adding user "))
		return "useradd";
	if (starts(t, "lock user ") || starts(t, "unlock user ") ||
	    starts(t, "changed user ") || (starts(t, "add '") &&
	    strstr(t, "group '")))
		return "usermod";
	if (strstr(t, "Unknown interface index") || strstr(t, "Unknown index"))
		return "networkd-dispatcher";
	if (ends(t, " Link UP") || ends(t, " Link DOWN") ||
	    strstr(t, " Gained ") || starts(t, "Gained ") ||
	    ends(t, " Lost carrier"))
		return "systemd-networkd";
	/* Beyond the README: sudo's, D-Bus's, snapd's and rsyslogd's own
	 * unmistakable shapes. */
	if (strstr(t, " : TTY=") || (strchr(t, ';') && strstr(t, "COMMAND=")))
		return "sudo";
	if (starts(t, "[system] "))
		return "dbus-daemon";
	if (starts(t, "[origin software=\"rsyslogd\"") ||
	    strstr(t, "https://www.rsyslog.com/e/"))
		return "rsyslogd";
	const char *go = strstr(t, ".go:<:NUM:>: ");
	if (go && strchr(t, ' ') == go + strlen(".go:<:NUM:>:"))
		return "snapd";
	return "daemon";
}

/* ---- runs ----------------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A run CSV of len bytes in buf (NUL-terminated, freed here). */
static int
parse_run(char *buf, size_t len, const char *path, FILE *err,
    const struct vmft_set *set, struct vmft_run *r)
{
	char *p = buf, *line;
	size_t cap = len / 20 + 16, n = 0;
	int lno = 0, fmt = -1;
	r->rows = malloc(cap * sizeof(*r->rows));
	uint32_t *seen = calloc(set->ntmpl, sizeof(uint32_t));
	if (!r->rows || !seen)
		goto bad;
	while ((line = next_line(&p))) {
		char *f[3];
		unsigned long id;
		int digits;
		int64_t ts;
		if (++lno == 1) {
			if (strcmp(line, "timestamp,value"))
				goto bad;
			continue;
		}
		if (!*line)
			continue;
		if (csv_split(line, f, 3) != 2 || parse_ts(f[0], &ts, &digits) ||
		    parse_uint(f[1], MAX_ID, &id) || id >= set->ntmpl)
			goto bad;
		if (fmt < 0)
			fmt = digits;
		if (n == cap) {
			cap *= 2;
			struct vmft_row *nr = realloc(r->rows, cap * sizeof(*nr));
			if (!nr)
				goto bad;
			r->rows = nr;
		}
		r->rows[n] = (struct vmft_row){ts, (uint16_t)id,
			set->harness[id], (uint8_t)(seen[id] % 3)};
		seen[id]++;
		n++;
	}
	r->nrows = n;
	r->ts_text_fmt = (char)(fmt < 0 ? 0 : fmt);
	free(seen);
	free(buf);
	return 0;
bad:
	say(err, "vmft: %s:%d: malformed\n", path, lno);
	free(seen);
	free(buf);
	free(r->rows);
	r->rows = NULL;
	return -1;
}

int
vmft_parse_run_csv(const char *buf, size_t len, const char *name,
    FILE *err, const struct vmft_set *set, struct vmft_run *r)
{
	char *b = dup_buf(buf, len);
	if (!b) {
		say(err, "vmft: %s: %s\n", name, strerror(errno));
		return -1;
	}
	return parse_run(b, len, name, err, set, r);
}

static int
read_run(const char *path, const struct vmft_set *set, struct vmft_run *r)
{
	size_t len;
	char *buf = slurp(path, &len);
	if (!buf) {
		fprintf(stderr, "vmft: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return parse_run(buf, len, path, stderr, set, r);
}

static int
load_cat(const char *dir, enum vmft_cat c, struct vmft_set *set,
    size_t *cap)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/data/%s", dir, cat_names[c]);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "vmft: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char **names = NULL;
	size_t nn = 0, ncap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".csv"))
			continue;
		if (nn == ncap) {
			ncap = ncap ? ncap * 2 : 256;
			char **nw = realloc(names, ncap * sizeof(*names));
			if (!nw) {
				rc = -1;
				break;
			}
			names = nw;
		}
		if (!(names[nn] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		nn++;
	}
	closedir(d);
	struct vmft_meta *m = NULL;
	size_t nm = 0;
	char mpath[4200];
	snprintf(mpath, sizeof(mpath), "%s/dataset_metadata.json", path);
	if (rc == 0)
		rc = read_meta(mpath, &m, &nm);
	if (rc == 0 && nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	for (size_t i = 0; rc == 0 && i < nn; i++) {
		size_t l = strlen(names[i]) - 4;
		struct vmft_meta *me = NULL;
		for (size_t k = 0; k < nm; k++)
			if (strlen(m[k].name) == l &&
			    !strncmp(m[k].name, names[i], l)) {
				me = &m[k];
				break;
			}
		if (l >= sizeof(set->runs[0].name)) {
			fprintf(stderr, "vmft: %s/%s: name too long\n", path,
			    names[i]);
			rc = -1;
			break;
		}
		if (c != VMFT_BENIGN && (!me || me->label < 0 || me->failure < 0)) {
			fprintf(stderr, "vmft: %s/%s: no labels in the metadata, "
			                "skipped\n", path, names[i]);
			continue;
		}
		if (*cap == set->nruns) {
			*cap = *cap ? *cap * 2 : 256;
			struct vmft_run *nr = realloc(set->runs, *cap * sizeof(*nr));
			if (!nr) {
				rc = -1;
				break;
			}
			set->runs = nr;
		}
		struct vmft_run *r = &set->runs[set->nruns];
		memset(r, 0, sizeof(*r));
		r->cat = c;
		memcpy(r->name, names[i], l);
		r->name[l] = 0;
		r->label = me && c != VMFT_BENIGN ? me->label : 0;
		r->failure = me && c != VMFT_BENIGN ? me->failure : 0;
		char fpath[8300];
		snprintf(fpath, sizeof(fpath), "%s/%s", path, names[i]);
		if (read_run(fpath, set, r)) {
			rc = -1;
			break;
		}
		if (c != VMFT_BENIGN && (r->failure < r->label ||
		                            (size_t)r->failure >= r->nrows)) {
			fprintf(stderr, "vmft: %s: L=%ld F=%ld outside its %zu "
			                "rows\n", fpath, r->label, r->failure,
			    r->nrows);
			free(r->rows);
			rc = -1;
			break;
		}
		set->nruns++;
	}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	free(m);
	return rc;
}

void
vmft_free(struct vmft_set *set)
{
	for (size_t i = 0; i < set->nruns; i++)
		free(set->runs[i].rows);
	free(set->runs);
	for (size_t i = 0; i < set->ntmpl; i++) {
		if (set->tmpl)
			free(set->tmpl[i]);
		if (set->prog)
			free(set->prog[i]);
	}
	free(set->tmpl);
	free(set->prog);
	free(set->harness);
	memset(set, 0, sizeof(*set));
}

int
vmft_load(const char *dir, struct vmft_set *set)
{
	char path[4096];
	size_t cap = 0;
	memset(set, 0, sizeof(*set));
	if (read_templates(dir, set))
		goto bad;
	snprintf(path, sizeof(path), "%s/harness_templates.csv", dir);
	if (read_id_csv(path, set, set_harness))
		goto bad;
	snprintf(path, sizeof(path), "%s/sample_template_programs.csv", dir);
	if (read_id_csv(path, set, set_prog))
		goto bad;
	for (size_t id = 0; id < set->ntmpl; id++)
		if (set->tmpl[id] && !set->prog[id] &&
		    !(set->prog[id] = strdup(guess_prog(set->tmpl[id]))))
			goto bad;
	for (int c = 0; c < VMFT_NCAT; c++)
		if (load_cat(dir, (enum vmft_cat)c, set, &cap))
			goto bad;
	return 0;
bad:
	vmft_free(set);
	return -1;
}

/* ---- rendering ------------------------------------------------------------ */

#define VMFT_NVOCAB 12
/* Letters and a trailing digit, each with a letter beyond 'f' early on:
 * no value is a number, a hex word or part of a hex sequence, and a
 * miner's tree sends every value of a position down the same branch
 * (a token with a digit is a wildcard key in Drain). */
static const char *const vocab[VMFT_NVOCAB] = {"eth0", "vnet0", "tap3",
	"br0", "virbr0", "sda1", "sdb2", "vda1", "loop7", "veth4", "bond0",
	"dm3"};

static uint64_t
fnv_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
fnv_u32(uint64_t h, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
		(unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	return fnv_bytes(h, b, 4);
}

static uint64_t
place_hash(const char *run, unsigned id, unsigned k, unsigned occ3)
{
	uint64_t h = fnv_bytes(0xcbf29ce484222325ull, run, strlen(run) + 1);
	h = fnv_u32(h, id);
	h = fnv_u32(h, k);
	return fnv_u32(h, occ3);
}

/* splitmix64: more words from one hash. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* A growing output: len counts what was wanted, buf gets what fits. */
struct out {
	char *buf;
	size_t cap, len;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->cap) {
		size_t room = o->cap - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
putf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct out *o, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* NUL-terminate; the length written (what fitted, at most cap - 1). */
static size_t
finish(struct out *o)
{
	if (!o->cap)
		return 0;
	size_t n = o->len < o->cap ? o->len : o->cap - 1;
	o->buf[n] = 0;
	return n;
}

static const struct {
	const char *text;
	char kind;
} places[] = {
	{"<:NUM:>", 'N'}, {"<:HEX:>", 'H'}, {"<:IP:>", 'I'}, {"<:ID:>", 'D'},
	{"<:SEQ:>", 'S'}, {"<:CMD:>", 'C'}, {"<:*:>", '*'},
};

/* The placeholder at s, or 0; *len gets its length. */
static char
place_at(const char *s, size_t *len)
{
	if (s[0] != '<' || s[1] != ':')
		return 0;
	for (size_t i = 0; i < sizeof(places) / sizeof(*places); i++) {
		size_t l = strlen(places[i].text);
		if (!strncmp(s, places[i].text, l)) {
			*len = l;
			return places[i].kind;
		}
	}
	return 0;
}

static void
message(struct out *o, const struct vmft_set *set, const char *run,
    unsigned id, unsigned occ3, int64_t uptime_us)
{
	const char *t = id < set->ntmpl ? set->tmpl[id] : NULL;
	if (!t) {
		putf(o, "vmft template %u", id);
		return;
	}
	unsigned k = 0;
	if (uptime_us < 0)
		uptime_us = 0;
	/* The kernel's "[%5lu.%06lu]" uptime prefix. */
	if (starts(t, "[ <:NUM:>.<:NUM:>]")) {
		int64_t u = uptime_us % 10000000000ll;
		putf(o, "[%5u.%06u]", (unsigned)(u / 1000000),
		    (unsigned)(u % 1000000));
		t += strlen("[ <:NUM:>.<:NUM:>]");
		k = 2;
	} else if (starts(t, "[<:NUM:>.<:NUM:>]")) {
		int64_t u = uptime_us + 10000000000ll;
		putf(o, "[%u.%06u]", (unsigned)(u / 1000000),
		    (unsigned)(u % 1000000));
		t += strlen("[<:NUM:>.<:NUM:>]");
		k = 2;
	}
	const char *start = set->tmpl[id];
	while (*t) {
		size_t pl;
		char kind = place_at(t, &pl);
		if (!kind) {
			const char *n = t + 1;
			while (*n && *n != '<')
				n++;
			put(o, t, (size_t)(n - t));
			t = n;
			continue;
		}
		uint64_t h = place_hash(run, id, k, occ3);
		switch (kind) {
		case 'N': {
			int colon = (t > start && t[-1] == ':') || t[pl] == ':';
			putf(o, "%u", (unsigned)(h % (colon ? 10 : 1000)));
			break;
		}
		case 'H':
			putf(o, "0x%08x", (unsigned)(h & 0xffffffffu));
			break;
		case 'I':
			putf(o, "10.22.%u.%u", (unsigned)(1 + (h >> 8) % 254),
			    (unsigned)(1 + h % 254));
			break;
		case 'D':
			putf(o, "52:54:00:%02x:%02x:%02x", (unsigned)(h >> 16 & 0xff),
			    (unsigned)(h >> 8 & 0xff), (unsigned)(h & 0xff));
			break;
		case 'S': {
			uint64_t x = h;
			for (int w = 0; w < 4; w++) {
				x = mix(x);
				putf(o, w ? " %016llx" : "%016llx", (unsigned long long)x);
			}
			break;
		}
		case 'C':
			putf(o, "\"%s\"", vocab[h % VMFT_NVOCAB]);
			break;
		default: {
			uint64_t h0 = place_hash(run, id, k, 0);
			const char *w = vocab[(h0 % VMFT_NVOCAB + 5u * occ3) %
			    VMFT_NVOCAB];
			put(o, w, strlen(w));
			break;
		}
		}
		k++;
		t += pl;
	}
}

size_t
vmft_render_message(const struct vmft_set *set, const char *run,
    unsigned id, unsigned occ3, int64_t uptime_us, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};
	message(&o, set, run, id, occ3 % 3, uptime_us);
	return finish(&o);
}

static int
facility(const char *prog)
{
	if (!strcmp(prog, "kernel"))
		return 0;
	if (!strcmp(prog, "sshd") || !strcmp(prog, "sudo"))
		return 10; /* authpriv */
	if (!strcmp(prog, "CRON"))
		return 9;
	return 3; /* daemon */
}

size_t
vmft_render(const struct vmft_set *set, const struct vmft_run *r, size_t i,
    const char *host, int fmt, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};
	if (i >= r->nrows) {
		return finish(&o);
	}
	const struct vmft_row *row = &r->rows[i];
	const char *prog = row->id < set->ntmpl && set->prog[row->id] ?
	    set->prog[row->id] : "daemon";
	time_t t = (time_t)(row->ts_us / 1000000);
	unsigned frac = (unsigned)(row->ts_us % 1000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[64];
	if (fmt == VMFT_FMT_3164) {
		static const char mon[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
			"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		snprintf(ts, sizeof(ts), "%s %2d %02d:%02d:%02d", mon[tm.tm_mon],
		    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	} else {
		int n = snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		if (r->ts_text_fmt == 3)
			n += snprintf(ts + n, sizeof(ts) - (size_t)n, ".%03u",
			    frac / 1000);
		else if (r->ts_text_fmt == 6)
			n += snprintf(ts + n, sizeof(ts) - (size_t)n, ".%06u", frac);
		snprintf(ts + n, sizeof(ts) - (size_t)n, "+05:30");
	}
	/* PID: none where the real lines have none, 1 for systemd. */
	unsigned pid = 0;
	if (!strcmp(prog, "systemd"))
		pid = 1;
	else if (strcmp(prog, "kernel") && strcmp(prog, "rsyslogd")) {
		uint64_t h = fnv_bytes(0xcbf29ce484222325ull, r->name,
		    strlen(r->name) + 1);
		h = fnv_bytes(h, prog, strlen(prog));
		pid = 300 + (unsigned)(h % 60000);
	}
	int pri = facility(prog) * 8 + 6;
	if (fmt == VMFT_FMT_5424) {
		putf(&o, "<%d>1 %s %s %s ", pri, ts, host, prog);
		if (pid)
			putf(&o, "%u - - ", pid);
		else
			put(&o, "- - - ", 6);
	} else {
		if (fmt == VMFT_FMT_3164)
			putf(&o, "<%d>", pri);
		putf(&o, "%s %s %s", ts, host, prog);
		if (pid)
			putf(&o, "[%u]", pid);
		put(&o, ": ", 2);
	}
	/* Kernel uptime: 150 s at the run's first row, growing with time. */
	int64_t up = 150000000ll + (row->ts_us - r->rows[0].ts_us);
	message(&o, set, r->name, row->id, row->occ3, up);
	return finish(&o);
}
