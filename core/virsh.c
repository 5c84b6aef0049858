/*
 * virsh.c - virsh output parsers, command builders and the name check.
 *
 * Every parser walks (bytes, length) line by line with explicit bounds;
 * none reads past len or needs a NUL.  Numbers are unsigned decimal and
 * overflow is malformed input, never wrapped.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "virsh.h"

/* ---- small text helpers ------------------------------------------------ */

struct line {
	const char *p;
	size_t n;
};

/* Next line of s[*at..len) without its "\n" (and "\r"); 0 at the end. */
static int
next_line(const char *s, size_t len, size_t *at, struct line *l)
{
	if (*at >= len)
		return 0;
	const char *b = s + *at;
	const char *e = memchr(b, '\n', len - *at);
	size_t n = e ? (size_t)(e - b) : len - *at;
	*at += n + (e ? 1 : 0);
	if (n > 0 && b[n - 1] == '\r')
		n--;
	l->p = b;
	l->n = n;
	return 1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(struct line *l)
{
	while (l->n > 0 && is_blank(l->p[0])) {
		l->p++;
		l->n--;
	}
	while (l->n > 0 && (is_blank(l->p[l->n - 1]) || l->p[l->n - 1] == '\r'))
		l->n--;
}

static int
eq(const struct line *l, const char *s)
{
	size_t n = strlen(s);
	return l->n == n && memcmp(l->p, s, n) == 0;
}

static int
starts(const struct line *l, const char *s)
{
	size_t n = strlen(s);
	return l->n >= n && memcmp(l->p, s, n) == 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads an unsigned decimal at l (at least one digit) and advances past
 * it.  Returns 0, or -1 on no digit or overflow. */
static int
take_u64(struct line *l, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0;

	while (i < l->n && is_digit(l->p[i])) {
		unsigned d = (unsigned)(l->p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
		i++;
	}
	if (i == 0)
		return -1;
	l->p += i;
	l->n -= i;
	*v = x;
	return 0;
}

static void
skip_blanks(struct line *l)
{
	while (l->n > 0 && is_blank(l->p[0])) {
		l->p++;
		l->n--;
	}
}

/* The whole (trimmed) value is one decimal, optionally followed by a
 * blank and the given unit word (unit NULL: nothing may follow). */
static int
value_u64(struct line v, const char *unit, uint64_t *out)
{
	trim(&v);
	if (take_u64(&v, out) != 0)
		return -1;
	skip_blanks(&v);
	if (unit == NULL)
		return v.n == 0 ? 0 : -1;
	return eq(&v, unit) ? 0 : -1;
}

/* "1.234 GiB" as virsh's vshPrettyCapacity prints it: a decimal with up
 * to three fraction digits used (more are read and ignored), a blank,
 * and B, KiB, MiB, GiB, TiB, PiB or EiB; suffix is appended to the unit
 * ("/s" for bandwidth).  Bytes, rounded down; overflow is malformed. */
static int
value_size(struct line v, const char *suffix, uint64_t *out)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB"};
	uint64_t ip, frac = 0;
	unsigned digits = 0;

	trim(&v);
	if (take_u64(&v, &ip) != 0)
		return -1;
	if (v.n > 0 && v.p[0] == '.') {
		v.p++;
		v.n--;
		if (v.n == 0 || !is_digit(v.p[0]))
			return -1;
		while (v.n > 0 && is_digit(v.p[0])) {
			if (digits < 3) {
				frac = frac * 10 + (uint64_t)(v.p[0] - '0');
				digits++;
			}
			v.p++;
			v.n--;
		}
	}
	while (digits < 3) {
		frac *= 10;
		digits++;
	}
	if (v.n == 0 || !is_blank(v.p[0]))
		return -1;
	skip_blanks(&v);
	size_t sl = strlen(suffix);
	if (v.n < sl || memcmp(v.p + v.n - sl, suffix, sl) != 0)
		return -1;
	v.n -= sl;
	for (unsigned u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (!eq(&v, units[u]))
			continue;
		uint64_t mult = (uint64_t)1 << (10 * u);
		if (ip > UINT64_MAX / mult)
			return -1;
		uint64_t whole = ip * mult;
		/* frac < 1000: split mult so the product cannot overflow. */
		uint64_t part = (mult / 1000) * frac + (mult % 1000) * frac / 1000;
		if (part > UINT64_MAX - whole)
			return -1;
		*out = whole + part;
		return 0;
	}
	return -1;
}

/* Splits "Label:   value" at the first ':'.  0, or -1 without a colon. */
static int
split_label(const struct line *l, struct line *label, struct line *value)
{
	const char *c = memchr(l->p, ':', l->n);
	if (c == NULL)
		return -1;
	label->p = l->p;
	label->n = (size_t)(c - l->p);
	trim(label);
	value->p = c + 1;
	value->n = l->n - (size_t)(c + 1 - l->p);
	trim(value);
	return 0;
}

/* ---- names ------------------------------------------------------------- */

static int
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int
virsh_name_ok(const char *name, size_t len)
{
	if (name == NULL || len == 0 || len > VIGIL_MAX_DOMNAME)
		return 0;
	if (name[0] == '-' || name[0] == '.')
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!name_char(name[i]))
			return 0;
	return 1;
}

int
virsh_target_ok(const char *t, size_t len)
{
	size_t i = 0;

	if (t == NULL || len == 0 || len > VIGIL_MAX_TARGET)
		return 0;
	/* Optional user@. */
	const char *at = memchr(t, '@', len);
	if (at != NULL) {
		size_t ul = (size_t)(at - t);
		if (!virsh_name_ok(t, ul))
			return 0;
		i = ul + 1;
		if (i == len)
			return 0;
	}
	if (t[i] == '[') {
		/* [IPv6] and an optional :port. */
		size_t j = i + 1;
		while (j < len && t[j] != ']') {
			char c = t[j];
			if (!(is_digit(c) || (c >= 'a' && c <= 'f') ||
			        (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
				return 0;
			j++;
		}
		if (j == len || j == i + 1)
			return 0;
		i = j + 1;
		if (i == len)
			return 1;
		if (t[i] != ':')
			return 0;
		i++;
		if (i == len)
			return 0;
		for (; i < len; i++)
			if (!is_digit(t[i]))
				return 0;
		return 1;
	}
	if (t[i] == '-' || t[i] == '.' || t[i] == ':')
		return 0;
	size_t colons = 0;
	for (; i < len; i++) {
		if (t[i] == ':') {
			/* host:port, digits after the one colon */
			if (++colons > 1 || i + 1 == len)
				return 0;
			continue;
		}
		if (colons ? !is_digit(t[i]) : !name_char(t[i]))
			return 0;
	}
	return 1;
}

/* ---- states ------------------------------------------------------------ */

static const char *const state_names[VIRSH_ST_COUNT] = {
	"unknown", "no state", "running", "idle", "paused", "in shutdown",
	"shut off", "crashed", "pmsuspended"};

const char *
virsh_state_name(int state)
{
	return state >= 0 && state < VIRSH_ST_COUNT ? state_names[state]
	                                            : "unknown";
}

static int
state_of(const struct line *l)
{
	for (int s = 1; s < VIRSH_ST_COUNT; s++)
		if (eq(l, state_names[s]))
			return s;
	/* Older libvirt called VIR_DOMAIN_BLOCKED "blocked". */
	if (eq(l, "blocked"))
		return VIRSH_ST_IDLE;
	return VIRSH_ST_UNKNOWN;
}

/* ---- list -------------------------------------------------------------- */

static void
shown(char *dst, size_t cap, const char *s, size_t n)
{
	struct virsh_buf b;
	virsh_buf_init(&b, dst, cap);
	virsh_buf_shown(&b, s, n);
}

/* Splits a row's "NAME   STATE" by its trailing state.  A known state
 * wins (the longest that matches after a blank); otherwise the last word
 * is taken as an unknown state. */
static int
split_row(const struct line *rest, struct line *name, int *state)
{
	for (int s = 1; s < VIRSH_ST_COUNT + 1; s++) {
		const char *sn = s < VIRSH_ST_COUNT ? state_names[s] : "blocked";
		size_t sl = strlen(sn);
		if (rest->n < sl + 2)
			continue;
		const char *tail = rest->p + rest->n - sl;
		if (memcmp(tail, sn, sl) != 0 || !is_blank(tail[-1]))
			continue;
		name->p = rest->p;
		name->n = rest->n - sl;
		trim(name);
		if (name->n == 0)
			continue;
		*state = s < VIRSH_ST_COUNT ? s : VIRSH_ST_IDLE;
		return 0;
	}
	size_t i = rest->n;
	while (i > 0 && !is_blank(rest->p[i - 1]))
		i--;
	if (i == 0)
		return -1;
	name->p = rest->p;
	name->n = i;
	trim(name);
	if (name->n == 0)
		return -1;
	*state = VIRSH_ST_UNKNOWN;
	return 0;
}

int
virsh_parse_list(const char *s, size_t len, struct virsh_list *out)
{
	struct line l;
	size_t at = 0;
	int header = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return VIGIL_EPARSE;
	while (next_line(s, len, &at, &l)) {
		struct line t = l;
		trim(&t);
		if (t.n == 0)
			continue;
		if (!header) {
			/* " Id   Name   State" (older: " Id    Name    State"). */
			struct line h = t;
			if (!starts(&h, "Id") || h.n < 3 || !is_blank(h.p[2]))
				return VIGIL_EPARSE;
			h.p += 2;
			h.n -= 2;
			skip_blanks(&h);
			if (!starts(&h, "Name"))
				return VIGIL_EPARSE;
			h.p += 4;
			h.n -= 4;
			skip_blanks(&h);
			if (!eq(&h, "State"))
				return VIGIL_EPARSE;
			header = 1;
			continue;
		}
		if (t.p[0] == '-') {
			/* The dashed rule under the header, or "-" for the Id of an
			 * inactive domain: a rule is dashes only. */
			size_t i = 0;
			while (i < t.n && t.p[i] == '-')
				i++;
			if (i == t.n && i > 1)
				continue;
		}
		/* Id: digits or "-". */
		int32_t id = -1;
		if (t.p[0] == '-') {
			t.p++;
			t.n--;
		} else {
			uint64_t v;
			if (take_u64(&t, &v) != 0 || v > INT32_MAX) {
				out->bad_rows++;
				continue;
			}
			id = (int32_t)v;
		}
		if (t.n == 0 || !is_blank(t.p[0])) {
			out->bad_rows++;
			continue;
		}
		skip_blanks(&t);
		struct line name;
		int st;
		if (split_row(&t, &name, &st) != 0) {
			out->bad_rows++;
			continue;
		}
		if (!virsh_name_ok(name.p, name.n)) {
			out->refused++;
			shown(out->refused_shown, sizeof(out->refused_shown), name.p,
			    name.n);
			continue;
		}
		if (out->n == VIGIL_MAX_VMS) {
			out->dropped++;
			continue;
		}
		struct virsh_dom *d = &out->dom[out->n++];
		memcpy(d->name, name.p, name.n);
		d->name[name.n] = 0;
		d->id = id;
		d->state = (uint8_t)st;
	}
	return header ? 0 : VIGIL_EPARSE;
}

/* ---- dominfo ----------------------------------------------------------- */

int
virsh_parse_dominfo(const char *s, size_t len, struct virsh_dominfo *out)
{
	struct line l, label, v;
	size_t at = 0;
	int have_state = 0, have_max = 0, have_used = 0;

	memset(out, 0, sizeof(*out));
	out->id = -1;
	if (s == NULL)
		return VIGIL_EPARSE;
	while (next_line(s, len, &at, &l)) {
		if (split_label(&l, &label, &v) != 0)
			continue;
		if (eq(&label, "Id")) {
			uint64_t x;
			if (eq(&v, "-"))
				out->id = -1;
			else if (value_u64(v, NULL, &x) == 0 && x <= INT32_MAX)
				out->id = (int32_t)x;
			else
				return VIGIL_EPARSE;
		} else if (eq(&label, "Name")) {
			if (virsh_name_ok(v.p, v.n)) {
				memcpy(out->name, v.p, v.n);
				out->name[v.n] = 0;
				out->name_ok = 1;
			}
		} else if (eq(&label, "State")) {
			out->state = (uint8_t)state_of(&v);
			have_state = 1;
		} else if (eq(&label, "CPU(s)")) {
			uint64_t x;
			if (value_u64(v, NULL, &x) != 0 || x > UINT16_MAX)
				return VIGIL_EPARSE;
			out->vcpus = (uint16_t)x;
		} else if (eq(&label, "Max memory")) {
			if (eq(&v, "no limit"))
				out->max_kib = UINT64_MAX;
			else if (value_u64(v, "KiB", &out->max_kib) != 0)
				return VIGIL_EPARSE;
			have_max = 1;
		} else if (eq(&label, "Used memory")) {
			if (value_u64(v, "KiB", &out->used_kib) != 0)
				return VIGIL_EPARSE;
			have_used = 1;
		} else if (eq(&label, "Persistent")) {
			out->persistent = eq(&v, "yes");
		}
	}
	return have_state && have_max && have_used ? 0 : VIGIL_EPARSE;
}

int
virsh_list_apply(struct virsh_list *l, const struct virsh_dominfo *di)
{
	if (!di->name_ok)
		return VIGIL_ENOENT;
	for (uint32_t i = 0; i < l->n; i++) {
		struct virsh_dom *d = &l->dom[i];
		if (strcmp(d->name, di->name) != 0)
			continue;
		d->state = di->state;
		d->max_kib = di->max_kib;
		d->used_kib = di->used_kib;
		d->vcpus = di->vcpus;
		d->has_info = 1;
		return 0;
	}
	return VIGIL_ENOENT;
}

/* ---- domstate ---------------------------------------------------------- */

int
virsh_parse_domstate(const char *s, size_t len, int *state)
{
	struct line l;
	size_t at = 0;

	*state = VIRSH_ST_UNKNOWN;
	if (s == NULL)
		return VIGIL_EPARSE;
	while (next_line(s, len, &at, &l)) {
		trim(&l);
		if (l.n == 0)
			continue;
		/* "running (booted)" with --reason: drop the reason. */
		if (l.p[l.n - 1] == ')') {
			for (size_t i = l.n; i > 1; i--) {
				if (l.p[i - 1] == '(' && is_blank(l.p[i - 2])) {
					l.n = i - 1;
					trim(&l);
					break;
				}
			}
		}
		*state = state_of(&l);
		return 0;
	}
	return VIGIL_EPARSE;
}

/* ---- domjobinfo -------------------------------------------------------- */

static int
jobtype_of(const struct line *v)
{
	static const struct {
		const char *s;
		int t;
	} types[] = {
		{"None", VIRSH_JOB_NONE}, {"Bounded", VIRSH_JOB_BOUNDED},
		{"Unbounded", VIRSH_JOB_UNBOUNDED},
		{"Completed", VIRSH_JOB_COMPLETED}, {"Failed", VIRSH_JOB_FAILED},
		{"Cancelled", VIRSH_JOB_CANCELLED},
	};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (eq(v, types[i].s))
			return types[i].t;
	return VIRSH_JOB_UNKNOWN;
}

int
virsh_parse_jobinfo(const char *s, size_t len, struct virsh_jobinfo *out)
{
	/* Size-valued fields: label, where, the bit it sets. */
	static const struct {
		const char *label;
		size_t off;
		uint32_t bit;
	} sizes[] = {
		{"Data processed", offsetof(struct virsh_jobinfo, data_processed),
		    VIRSH_JI_DATA},
		{"Data remaining", offsetof(struct virsh_jobinfo, data_remaining),
		    VIRSH_JI_DATA},
		{"Data total", offsetof(struct virsh_jobinfo, data_total),
		    VIRSH_JI_DATA},
		{"Memory processed", offsetof(struct virsh_jobinfo, mem_processed),
		    VIRSH_JI_MEM},
		{"Memory remaining", offsetof(struct virsh_jobinfo, mem_remaining),
		    VIRSH_JI_MEM},
		{"Memory total", offsetof(struct virsh_jobinfo, mem_total),
		    VIRSH_JI_MEM},
	};
	/* Counters: label, unit word (NULL: none), where, bit. */
	static const struct {
		const char *label, *unit;
		size_t off;
		uint32_t bit;
	} counts[] = {
		{"Time elapsed", "ms", offsetof(struct virsh_jobinfo, elapsed_ms),
		    VIRSH_JI_ELAPSED},
		{"Dirty rate", "pages/s", offsetof(struct virsh_jobinfo, dirty_rate),
		    VIRSH_JI_DIRTY},
		{"Page size", "bytes", offsetof(struct virsh_jobinfo, page_size), 0},
		{"Iteration", NULL, offsetof(struct virsh_jobinfo, iteration),
		    VIRSH_JI_ITER},
		{"Postcopy requests", NULL,
		    offsetof(struct virsh_jobinfo, postcopy_reqs), VIRSH_JI_POSTCOPY},
		{"Expected downtime", "ms",
		    offsetof(struct virsh_jobinfo, downtime_ms), VIRSH_JI_DOWNTIME},
		{"Total downtime", "ms", offsetof(struct virsh_jobinfo, downtime_ms),
		    VIRSH_JI_DOWNTIME},
	};
	struct line l, label, v;
	size_t at = 0;
	int have_type = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return VIGIL_EPARSE;
	while (next_line(s, len, &at, &l)) {
		if (split_label(&l, &label, &v) != 0)
			continue;
		if (eq(&label, "Job type")) {
			out->type = (uint8_t)jobtype_of(&v);
			have_type = 1;
			continue;
		}
		if (eq(&label, "Operation")) {
			out->seen |= VIRSH_JI_OP;
			if (eq(&v, "Outgoing migration"))
				out->seen |= VIRSH_JI_OP_OUT;
			continue;
		}
		if (eq(&label, "Memory bandwidth")) {
			if (value_size(v, "/s", &out->mem_bps) != 0)
				return VIGIL_EPARSE;
			out->seen |= VIRSH_JI_BPS;
			continue;
		}
		if (eq(&label, "Auto converge throttle")) {
			uint64_t x;
			if (value_u64(v, NULL, &x) != 0 || x > 100)
				return VIGIL_EPARSE;
			out->throttle_pct = (uint8_t)x;
			out->seen |= VIRSH_JI_THROTTLE;
			continue;
		}
		int done = 0;
		for (size_t i = 0; !done && i < sizeof(sizes) / sizeof(sizes[0]);
		     i++) {
			if (!eq(&label, sizes[i].label))
				continue;
			uint64_t x;
			if (value_size(v, "", &x) != 0)
				return VIGIL_EPARSE;
			memcpy((char *)out + sizes[i].off, &x, sizeof(x));
			out->seen |= sizes[i].bit;
			done = 1;
		}
		for (size_t i = 0; !done && i < sizeof(counts) / sizeof(counts[0]);
		     i++) {
			if (!eq(&label, counts[i].label))
				continue;
			uint64_t x;
			if (value_u64(v, counts[i].unit, &x) != 0)
				return VIGIL_EPARSE;
			memcpy((char *)out + counts[i].off, &x, sizeof(x));
			out->seen |= counts[i].bit;
			done = 1;
		}
	}
	return have_type ? 0 : VIGIL_EPARSE;
}

/* ---- freecell ---------------------------------------------------------- */

int
virsh_parse_freecell(const char *s, size_t len, uint64_t *free_kib)
{
	struct line l, label, v;
	size_t at = 0;

	*free_kib = 0;
	if (s == NULL)
		return VIGIL_EPARSE;
	while (next_line(s, len, &at, &l)) {
		if (split_label(&l, &label, &v) != 0 || !eq(&label, "Total"))
			continue;
		return value_u64(v, "KiB", free_kib) == 0 ? 0 : VIGIL_EPARSE;
	}
	return VIGIL_EPARSE;
}

int
virsh_error_line(const char *s, size_t len, const char **line, size_t *n)
{
	struct line l;
	size_t at = 0;
	int found = 0;

	if (s == NULL)
		return 0;
	while (next_line(s, len, &at, &l)) {
		if (!starts(&l, "error: "))
			continue;
		struct line t = {l.p + 7, l.n - 7};
		trim(&t);
		if (t.n == 0)
			continue;
		*line = t.p;
		*n = t.n;
		found = 1;
	}
	return found;
}

/* ---- building text ----------------------------------------------------- */

void
virsh_buf_init(struct virsh_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->cut = cap == 0;
	if (cap > 0)
		p[0] = 0;
}

void
virsh_buf_mem(struct virsh_buf *b, const char *s, size_t n)
{
	if (b->cap == 0)
		return;
	size_t room = b->cap - 1 - b->len;
	if (n > room) {
		n = room;
		b->cut = 1;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void
virsh_buf_str(struct virsh_buf *b, const char *s)
{
	virsh_buf_mem(b, s, strlen(s));
}

void
virsh_buf_u64(struct virsh_buf *b, uint64_t v)
{
	char d[20];
	size_t i = sizeof(d);
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	virsh_buf_mem(b, d + i, sizeof(d) - i);
}

void
virsh_buf_ms(struct virsh_buf *b, uint64_t ms)
{
	virsh_buf_u64(b, ms / 1000);
	char d[2] = {'.', (char)('0' + ms % 1000 / 100)};
	virsh_buf_mem(b, d, 2);
}

void
virsh_buf_shown(struct virsh_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !b->cut; i++) {
		char c = s[i];
		/* Printable ASCII, minus what a shell or a terminal would act
		 * on if someone pasted the log line. */
		if (c < 0x20 || c > 0x7e || c == '`' || c == '$' || c == '\\' ||
		    c == '"' || c == '\'')
			c = '?';
		virsh_buf_mem(b, &c, 1);
	}
}

/* strlen, but looking at no more than max bytes (C11 has no strnlen). */
static size_t
blen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int
virsh_cmd_migrate(char *buf, size_t cap, const char *dom, const char *target,
    unsigned opts)
{
	struct virsh_buf b;

	if (dom == NULL || target == NULL ||
	    !virsh_name_ok(dom, blen(dom, VIGIL_MAX_DOMNAME + 1)) ||
	    !virsh_target_ok(target, blen(target, VIGIL_MAX_TARGET + 1)))
		return VIGIL_EINVAL;
	virsh_buf_init(&b, buf, cap);
	virsh_buf_str(&b, "virsh migrate --live --persistent --undefinesource");
	if (opts & VIRSH_MIG_AUTOCONVERGE)
		virsh_buf_str(&b, " --auto-converge");
	if (opts & VIRSH_MIG_POSTCOPY)
		virsh_buf_str(&b, " --postcopy");
	virsh_buf_str(&b, " ");
	virsh_buf_str(&b, dom);
	/* An IPv6 literal's brackets are a shell glob: quote that URI (the
	 * checked characters hold no quote). */
	int q = strchr(target, '[') != NULL;
	virsh_buf_str(&b, q ? " 'qemu+ssh://" : " qemu+ssh://");
	virsh_buf_str(&b, target);
	virsh_buf_str(&b, q ? "/system'" : "/system");
	if (b.cut) {
		if (cap > 0)
			buf[0] = 0;
		return VIGIL_E2BIG;
	}
	return (int)b.len;
}

int
virsh_cmd_dom(char *buf, size_t cap, const char *verb, const char *dom)
{
	static const char *const verbs[] = {"domjobinfo", "migrate-postcopy",
	    "domjobabort", "domstate", "dominfo"};
	struct virsh_buf b;
	size_t i;

	if (verb == NULL || dom == NULL ||
	    !virsh_name_ok(dom, blen(dom, VIGIL_MAX_DOMNAME + 1)))
		return VIGIL_EINVAL;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i]) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return VIGIL_EINVAL;
	virsh_buf_init(&b, buf, cap);
	virsh_buf_str(&b, "virsh ");
	virsh_buf_str(&b, verbs[i]);
	virsh_buf_str(&b, " ");
	virsh_buf_str(&b, dom);
	if (b.cut) {
		if (cap > 0)
			buf[0] = 0;
		return VIGIL_E2BIG;
	}
	return (int)b.len;
}
