/*
 * mask.c - hand-written masking scanners and their rule parser.
 *
 * Does: parse rules ("ipv4 port"), and copy a line replacing each match
 * with "<*>" in one left-to-right pass (see mask.h for the semantics).
 * Does not: allocate, backtrack, or run a regular-expression engine; each
 * scanner is one forward walk over the bytes it may match.
 * Limits: VIGIL_MASK_MAX_RULES rules of VIGIL_MASK_MAX_LIT-byte literals.
 */
#include "mask.h"

#include <stddef.h>
#include <string.h>

#include "err.h"

/* ---- character classes ---------------------------------------------------
 * One constant table: bit k set when the byte is in enum mask_class k. */

#define CB_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define CB_LOWER(c) ((c) >= 'a' && (c) <= 'z')
#define CB_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define CB_ALPHA(c) (CB_LOWER(c) || CB_UPPER(c))
#define CB_LX(c) (CB_DIGIT(c) || ((c) >= 'a' && (c) <= 'f'))
#define CB_UX(c) (CB_DIGIT(c) || ((c) >= 'A' && (c) <= 'F'))
#define CB_SPACE(c) ((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define CB(c)                                                                  \
	((CB_DIGIT(c) << MASK_C_DIGIT) | ((CB_LX(c) || CB_UX(c)) << MASK_C_XDIGIT) | \
	    (CB_LX(c) << MASK_C_LXDIGIT) | (CB_UX(c) << MASK_C_UXDIGIT) |          \
	    (CB_ALPHA(c) << MASK_C_ALPHA) |                                       \
	    ((CB_ALPHA(c) || CB_DIGIT(c)) << MASK_C_ALNUM) |                       \
	    ((CB_ALPHA(c) || CB_DIGIT(c) || (c) == '_') << MASK_C_WORD) |          \
	    ((CB_ALPHA(c) || CB_DIGIT(c) || (c) == '_' || (c) == '-')              \
	        << MASK_C_WORDH) |                                                \
	    ((!CB_SPACE(c)) << MASK_C_NONSPACE))
#define CB4(c) CB(c), CB(c + 1), CB(c + 2), CB(c + 3)
#define CB16(c) CB4(c), CB4(c + 4), CB4(c + 8), CB4(c + 12)
#define CB64(c) CB16(c), CB16(c + 16), CB16(c + 32), CB16(c + 48)
static const uint16_t ctab[256] = {CB64(0), CB64(64), CB64(128), CB64(192)};

static int
in_class(unsigned cls, unsigned c)
{
	return (ctab[c & 255u] >> cls) & 1u;
}
static int
is_digit(unsigned c)
{
	return in_class(MASK_C_DIGIT, c);
}
static int
is_alnum(unsigned c)
{
	return in_class(MASK_C_ALNUM, c);
}
static int
is_word(unsigned c)
{
	return in_class(MASK_C_WORD, c);
}
static int
is_blank(unsigned c)
{
	return c == ' ' || c == '\t';
}
static int
is_space(unsigned c)
{
	return !in_class(MASK_C_NONSPACE, c);
}

/* Is c a character that breaks a boundary of this mode? */
static int
binds(unsigned bound, unsigned c)
{
	if (bound == MASK_BOUND_WORD)
		return is_word(c);
	if (bound == MASK_BOUND_ALNUM)
		return is_alnum(c);
	return 0;
}

static size_t
run_of(unsigned cls, const uint8_t *s, size_t n, size_t limit)
{
	size_t i = 0;
	while (i < n && (limit == 0 || i < limit) && in_class(cls, s[i]))
		i++;
	return i;
}

static size_t
digits(const uint8_t *s, size_t n)
{
	return run_of(MASK_C_DIGIT, s, n, 0);
}

/* A literal where a blank matches any blank. */
static int
lit_at(const char *lit, size_t len, const uint8_t *s, size_t n)
{
	if (len > n)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned l = (unsigned char)lit[i];
		if (l == ' ' ? !is_blank(s[i]) : l != s[i])
			return 0;
	}
	return 1;
}

/* ---- scanners: body length at s, or -1 -------------------------------- */

#define NOMATCH ((ptrdiff_t)-1)

static ptrdiff_t
ip1(unsigned flags, const uint8_t *s, size_t n)
{
	size_t p = 0;
	for (int part = 0; part < 4; part++) {
		size_t d = run_of(MASK_C_DIGIT, s + p, n - p,
		    (flags & MASK_F_OCTET) ? 3 : 0);
		if (d == 0)
			return NOMATCH;
		p += d;
		if (part < 3) {
			if (p >= n || s[p] != '.')
				return NOMATCH;
			p++;
		}
	}
	return (ptrdiff_t)p;
}

static size_t
port(const uint8_t *s, size_t n, size_t p)
{
	if (p + 1 < n && s[p] == ':' && is_digit(s[p + 1]))
		p += 1 + digits(s + p + 1, n - p - 1);
	return p;
}

static ptrdiff_t
scan_ipv4(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	ptrdiff_t m = ip1(r->flags, s, n);
	if (m < 0)
		return NOMATCH;
	size_t p = (size_t)m;
	if (r->flags & MASK_F_PORT)
		p = port(s, n, p);
	while (r->flags & MASK_F_LIST) {
		size_t q = p;
		if (q < n && s[q] == ',')
			q++;
		if (q == p)
			break;
		p = q; /* the trailing comma belongs to the list */
		m = ip1(r->flags, s + q, n - q);
		if (m < 0)
			break;
		p = q + (size_t)m;
		if (r->flags & MASK_F_PORT)
			p = port(s, n, p);
	}
	return (ptrdiff_t)p;
}

static ptrdiff_t
scan_colonhex(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	size_t p = 0, end = 0;
	unsigned groups = 0;
	for (;;) {
		size_t h = run_of(r->cls, s + p, n - p, 0);
		if (h < 2)
			break;
		groups++;
		end = p + h;
		if (end + 1 < n && s[end] == ':')
			p = end + 1;
		else
			break;
	}
	return groups >= r->min && groups > 0 ? (ptrdiff_t)end : NOMATCH;
}

/* Groups of hex digits, each optionally followed by one space.  A run of
 * k * group digits counts as k groups, as the regex ([0-9a-f]{6,} ?){3,}
 * would split it. */
static ptrdiff_t
scan_hexseq(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	size_t p = 0, end = 0, groups = 0;
	size_t g = r->min ? r->min : 1;
	for (;;) {
		size_t h = run_of(r->cls, s + p, n - p, 0);
		if (h < g || ((r->flags & MASK_F_EXACT) && h % g))
			break;
		groups += h / g;
		end = p + h;
		if (end + 1 < n && s[end] == ' ' && in_class(r->cls, s[end + 1]))
			p = end + 1;
		else
			break;
	}
	return groups >= r->count && groups > 0 ? (ptrdiff_t)end : NOMATCH;
}

static ptrdiff_t
scan_dotted(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	size_t p = 0, end = 0;
	unsigned parts = 0;
	for (;;) {
		size_t w = run_of(MASK_C_WORDH, s + p, n - p, 0);
		if (w == 0)
			break;
		parts++;
		end = p + w;
		if (end + 1 < n && s[end] == '.')
			p = end + 1;
		else
			break;
	}
	if (parts < r->min || parts < 2)
		return NOMATCH;
	if (r->flags & MASK_F_PORT)
		end = port(s, n, end);
	return (ptrdiff_t)end;
}

static ptrdiff_t
scan_path(const uint8_t *s, size_t n)
{
	size_t p = 0;
	while (p < n && s[p] == '/') {
		size_t w = run_of(MASK_C_WORDH, s + p + 1, n - p - 1, 0);
		if (w == 0)
			break;
		p += 1 + w;
	}
	return p ? (ptrdiff_t)p : NOMATCH;
}

static ptrdiff_t
scan_time(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	size_t p = 0, end = 0;
	unsigned fields = 0;
	while (p + 2 <= n && is_digit(s[p]) && is_digit(s[p + 1])) {
		fields++;
		end = p + 2;
		if (r->max && fields >= r->max)
			break;
		if (end + 2 < n && s[end] == ':')
			p = end + 1;
		else
			break;
	}
	return fields >= r->min && fields >= 2 ? (ptrdiff_t)end : NOMATCH;
}

static ptrdiff_t
scan_uuid(const uint8_t *s, size_t n)
{
	static const uint8_t part[5] = {8, 4, 4, 4, 12};
	size_t p = 0;
	for (int k = 0; k < 5; k++) {
		if (k > 0) {
			if (p >= n || s[p] != '-')
				return NOMATCH;
			p++;
		}
		if (run_of(MASK_C_XDIGIT, s + p, n - p, part[k]) != part[k])
			return NOMATCH;
		p += part[k];
	}
	/* A longer hex run is not a UUID. */
	return p < n && in_class(MASK_C_XDIGIT, s[p]) ? NOMATCH : (ptrdiff_t)p;
}

static ptrdiff_t
scan_body(const struct mask_rule *r, const uint8_t *s, size_t n)
{
	size_t p;
	switch (r->kind) {
	case MASK_NUM:
		p = (n && (r->flags & MASK_F_SIGN) && (s[0] == '-' || s[0] == '+'));
		if (p >= n || !is_digit(s[p]))
			return NOMATCH;
		return (ptrdiff_t)(p + digits(s + p, n - p));
	case MASK_RUN:
		p = run_of(r->cls, s, n, r->max);
		return p >= r->min && p > 0 ? (ptrdiff_t)p : NOMATCH;
	case MASK_HEX:
		if (n < 3 || s[0] != '0' || (s[1] | 32u) != 'x')
			return NOMATCH;
		p = run_of(MASK_C_XDIGIT, s + 2, n - 2, 0);
		return p ? (ptrdiff_t)(p + 2) : NOMATCH;
	case MASK_IPV4:
		return scan_ipv4(r, s, n);
	case MASK_COLONHEX:
		return scan_colonhex(r, s, n);
	case MASK_HEXSEQ:
		return scan_hexseq(r, s, n);
	case MASK_DOTTED:
		return scan_dotted(r, s, n);
	case MASK_PATH:
		return scan_path(s, n);
	case MASK_TIME:
		return scan_time(r, s, n);
	case MASK_SIZE:
		p = 0;
		if (n && memchr("KGTM", s[0], 4))
			p = 1;
		else if (r->flags & MASK_F_STRICT)
			return NOMATCH;
		return p < n && s[p] == 'B' ? (ptrdiff_t)(p + 1) : NOMATCH;
	case MASK_REST:
		p = 0;
		while (p < n && !is_space(s[p]))
			p++;
		if (p < r->min)
			return NOMATCH;
		if (r->flags & MASK_F_EAT) {
			if (p >= n)
				return NOMATCH; /* the regex needs its \s */
			p++;
		}
		return (ptrdiff_t)p;
	case MASK_QUOTED:
		if (n < 3 || s[0] != '"')
			return NOMATCH;
		for (p = 2; p < n; p++)
			if (s[p] == '"')
				return (ptrdiff_t)(p + 1);
		return NOMATCH;
	case MASK_UUID:
		return scan_uuid(s, n);
	case MASK_PAREN:
		if (n < 2 || s[0] != '(')
			return NOMATCH;
		for (p = 1; p < n; p++)
			if (s[p] == ')')
				return (ptrdiff_t)(p + 1);
		return NOMATCH;
	default:
		return NOMATCH;
	}
}

/* Length of rule r's match at in[i], given the o bytes already written to
 * out (after= reads them), or 0.  The boundary before the match is not
 * checked here: the caller has already dropped the rules that the byte
 * before binds (see bound_after). */
static size_t
try_rule(const struct mask_rule *r, const uint8_t *in, size_t n, size_t i,
    const uint8_t *out, size_t o)
{
	size_t p = i;
	if (r->after_len) {
		if (o < r->after_len ||
		    !lit_at(r->after, r->after_len, out + o - r->after_len,
		        r->after_len))
			return 0;
	}
	if (r->pre_len) {
		if (lit_at(r->pre, r->pre_len, in + p, n - p))
			p += r->pre_len;
		else if (!(r->flags & MASK_F_OPTPRE))
			return 0;
	}
	ptrdiff_t b = scan_body(r, in + p, n - p);
	if (b < 0)
		return 0;
	p += (size_t)b;
	if (r->post_len) {
		if (!lit_at(r->post, r->post_len, in + p, n - p))
			return 0;
		p += r->post_len;
	}
	if (p < n && binds(r->bound, in[p]))
		return 0;
	return p - i;
}

/* Separators a quick test knows (the byte after a word), as q_sep's
 * index. */
static const uint8_t sep_ix[256] = {[' '] = 1, ['.'] = 2, [':'] = 3, ['-'] = 4};

/* The candidates that pass their quick test at in[i], the start of a word
 * of L alphanumeric bytes that all share the classes A (L == 0: in[i] is
 * not alphanumeric, and only a signed number can be ruled out). */
static uint32_t
quick(const struct mask_set *m, const uint8_t *in, size_t n, size_t i,
    size_t L, unsigned A)
{
	size_t e = i + L, l = L < MASK_QLEN ? L : MASK_QLEN - 1;
	uint32_t sep = 0, fill;
	if (L == 0) /* a signed number needs a digit after its sign */
		return i + 1 < n && is_digit(in[i + 1]) ? ~0u : ~m->q_sign;
	if (e + 1 < n)
		sep = m->q_sep[sep_ix[in[e]]] & m->q_next[ctab[in[e + 1]] & 63u];
	fill = m->q_fill[A & 63u];
	return m->q_any | (fill & m->q_len[l] & (~m->q_short[l] | sep)) |
	    (~fill & m->q_part[l]);
}

/* The rules that cannot begin after byte c, by their boundary. */
static uint32_t
bound_by(const struct mask_set *m, unsigned c)
{
	if (is_alnum(c))
		return m->bound_alnum | m->bound_word;
	return c == '_' ? m->bound_word : 0;
}

/* Where mask_apply writes.  The bytes that stay as they are, in[from..i),
 * are copied in one piece when a match or the end is reached, or before a
 * rule with after= reads out. */
struct sink {
	const struct mask_set *m;
	uint8_t *out;
	size_t cap, o, from;
	uint32_t masked, bound;
	int ok; /* 0 once out is full: the output is cut */
};

/* Copy the short runs between matches (a few to a few dozen bytes) with
 * fixed-size moves: a libc memcpy call costs more than such a copy (musl's
 * x86-64 one starts a string instruction). */
static void
copy_run(uint8_t *d, const uint8_t *p, size_t len)
{
	/* The last piece overlaps the one before instead of a byte tail. */
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8)
			memcpy(d + i, p + i, 8);
		memcpy(d + len - 8, p + len - 8, 8);
	} else if (len >= 4) {
		memcpy(d, p, 4);
		memcpy(d + len - 4, p + len - 4, 4);
	} else if (len >= 2) {
		memcpy(d, p, 2);
		memcpy(d + len - 2, p + len - 2, 2);
	} else if (len) {
		*d = *p;
	}
}

/* Append p[0..len) to the sink.  If it does not fit, a cut text fills out
 * to cap and an uncut one writes nothing; the sink is then full.  A piece
 * cut this way ends where a byte-by-byte copy would have stopped: nothing
 * was matched after that point, since each match copies first. */
static int
put(struct sink *s, const void *p, size_t len, int cut)
{
	size_t room = s->cap - s->o;
	if (len > room) {
		if (cut && room) {
			memcpy(s->out + s->o, p, room);
			s->o = s->cap;
		}
		return s->ok = 0;
	}
	copy_run(s->out + s->o, p, len);
	s->o += len;
	return 1;
}

/* The rules that cannot begin at in[p], right after rule k's match
 * in[i..p) (s->bound: the rules that could not begin at in[i]).  Masking
 * equals applying the rules one after the other, each as a regex on the
 * text the ones before it left (Drain3's order): rules 0..k ran before
 * rule k replaced the match, and a regex's look-behind reads the text it
 * runs on, so they see the input byte before p, not the replacement; the
 * later rules see the replacement's last byte, or, when it is empty, what
 * preceded the match.  So "0-97" is "<*>-<*>" under "num sign", as the
 * sign's look-behind meets the digit. */
static uint32_t
bound_after(const struct sink *s, const uint8_t *in, size_t p, unsigned k)
{
	const struct mask_rule *r = &s->m->rule[k];
	uint32_t upto = ~0u >> (31u - k), later = 0;
	if (r->with_set)
		later = r->with_len ? bound_by(s->m,
		                          (unsigned char)r->with[r->with_len - 1])
		                    : s->bound;
	return (bound_by(s->m, in[p - 1]) & upto) | (later & ~upto);
}

/* Write the bytes before a match at in[i] and rule r's replacement. */
static void
emit(struct sink *s, const uint8_t *in, size_t i, const struct mask_rule *r)
{
	size_t span = i - s->from;
	if (!r->with_set && s->cap - s->o >= span + 3) {
		/* The usual case, without the general copies. */
		uint8_t *w = s->out + s->o;
		copy_run(w, in + s->from, span);
		w[span] = '<';
		w[span + 1] = '*';
		w[span + 2] = '>';
		s->o += span + 3;
	} else if (!put(s, in + s->from, span, 1) ||
	    !put(s, r->with_set ? r->with : "<*>",
	        r->with_set ? r->with_len : 3, 0)) {
		return;
	}
	s->masked++;
}

/* Try the candidate rules at in[i] in order (a rule with after= reads the
 * output, so the sink is brought up to date first); the rules in word
 * match the L bytes of the word at i.  Returns the match length and its
 * rule in *k, or 0 for none (or when out is full: s->ok). */
static size_t
match_at(const struct mask_set *m, const uint8_t *in, size_t n, size_t i,
    size_t L, uint32_t word, uint32_t cand, struct sink *s, unsigned *k)
{
	if ((cand & m->after) && put(s, in + s->from, i - s->from, 1))
		s->from = i;
	while (cand && s->ok) {
		/* Lowest bit first: rules are tried in their order. */
		unsigned b = (unsigned)__builtin_ctz(cand);
		size_t len = ((word >> b) & 1u)
		    ? L
		    : try_rule(&m->rule[b], in, n, i, s->out, s->o);
		cand &= cand - 1;
		if (len) {
			*k = b;
			return len;
		}
	}
	return 0;
}

/* Everything at in[i], where the candidate rules may begin (s->bound: the
 * rules bound by the byte before): find the match, if any, and write it.
 * Returns where the scan goes on, with s->bound for the byte before. */
static size_t __attribute__((noinline))
step(const struct mask_set *m, const uint8_t *in, size_t n, size_t i,
    uint32_t cand, struct sink *s)
{
	unsigned c = in[i], A = ctab[c], b, k = 0;
	uint32_t word = 0, next = c == '_' ? m->bound_word : 0;
	size_t e = i + 1, len; /* e: end of the word at i */
	if ((A >> MASK_C_ALNUM) & 1u) {
		/* The classes all the word's bytes share, for quick. */
		while (e < n && ((b = ctab[in[e]]) >> MASK_C_ALNUM) & 1u) {
			A &= b;
			e++;
		}
		/* These rules match exactly the word, or nothing when a word
		 * boundary meets '_'. */
		word = m->q_word & m->q_fill[A & 63u];
		if (e < n && in[e] == '_')
			word &= ~m->bound_word;
		next = m->bound_alnum | m->bound_word;
	}
	cand &= quick(m, in, n, i, (A >> MASK_C_ALNUM) & 1u ? e - i : 0, A);
	if (cand & -cand & word) {
		len = e - i;
		k = (unsigned)__builtin_ctz(cand);
	} else {
		len = cand ? match_at(m, in, n, i, e - i, word, cand, s, &k) : 0;
	}
	if (len) {
		emit(s, in, i, &m->rule[k]);
		s->bound = bound_after(s, in, i + len, k);
		s->from = i + len;
		return i + len;
	}
	s->bound = next;
	return m->inword ? i + 1 : e;
}

/* One left-to-right scan.  Inside a word only the rules in inword can
 * begin (the others are bound to its edges); when there are none the scan
 * skips to the word's end. */
void
mask_apply(const struct mask_set *m, const uint8_t *in, size_t n,
    uint8_t *out, size_t cap, struct mask_result *r)
{
	struct sink s = {m, out, cap, 0, 0, 0, 0, 1};
	uint32_t bound = 0; /* rules that cannot begin at in[i] */
	size_t i = 0;
	while (i < n) {
		unsigned c = in[i];
		uint32_t cand = m->start[c] & ~bound;
		if (cand) {
			s.bound = bound;
			i = step(m, in, n, i, cand, &s);
			if (!s.ok)
				break;
			bound = s.bound;
		} else if (!is_alnum(c)) {
			bound = c == '_' ? m->bound_word : 0;
			i++;
		} else {
			bound = m->bound_alnum | m->bound_word;
			i++;
			while (!m->inword && i < n && is_alnum(in[i]))
				i++;
		}
	}
	if (s.ok)
		put(&s, in + s.from, n - s.from, 1);
	r->len = s.o;
	r->masked = s.masked;
	r->truncated = !s.ok;
}

/* ---- start table ---------------------------------------------------------- */

static void
add_class(uint32_t *start, uint32_t bit, unsigned cls)
{
	for (unsigned c = 0; c < 256; c++)
		if (in_class(cls, c))
			start[c] |= bit;
}

static void
add_byte(uint32_t *start, uint32_t bit, unsigned c)
{
	if (c == ' ') {
		start[' '] |= bit;
		start['\t'] |= bit;
	} else {
		start[c & 255u] |= bit;
	}
}

static void
add_body(uint32_t *start, uint32_t bit, const struct mask_rule *r)
{
	switch (r->kind) {
	case MASK_NUM:
		add_class(start, bit, MASK_C_DIGIT);
		if (r->flags & MASK_F_SIGN) {
			start['-'] |= bit;
			start['+'] |= bit;
		}
		break;
	case MASK_RUN:
	case MASK_COLONHEX:
	case MASK_HEXSEQ:
		add_class(start, bit, r->cls);
		break;
	case MASK_HEX:
		start['0'] |= bit;
		break;
	case MASK_IPV4:
	case MASK_TIME:
		add_class(start, bit, MASK_C_DIGIT);
		break;
	case MASK_DOTTED:
		add_class(start, bit, MASK_C_WORDH);
		break;
	case MASK_PATH:
		start['/'] |= bit;
		break;
	case MASK_SIZE:
		for (const char *u = "KGTMB"; *u; u++)
			start[(unsigned char)*u] |= bit;
		break;
	case MASK_REST:
		/* An empty body may be followed by a blank (eat) or by the
		 * post= literal: any byte can start it. */
		for (unsigned c = 0; c < 256; c++)
			if (r->min || !is_space(c) || (r->flags & MASK_F_EAT) ||
			    r->post_len)
				start[c] |= bit;
		break;
	case MASK_QUOTED:
		start['"'] |= bit;
		break;
	case MASK_PAREN:
		start['('] |= bit;
		break;
	case MASK_UUID:
		add_class(start, bit, MASK_C_XDIGIT);
		break;
	default:
		break;
	}
}

/* ---- quick tests -----------------------------------------------------------
 * Rule r may match at the start of a word (a run of L bytes of [A-Za-z0-9]
 * sharing the classes A) only if the first run of its body, of class cls,
 * is lo..hi long (hi 0: unbounded) and, when shorter than full, followed
 * by the separator sep and a byte of class next (full NEVER: always).  If
 * A holds cls the run is the whole word; otherwise it stops at a byte of
 * the word, which is no separator, after at most L - 1 bytes: possible
 * only if no separator is needed and the run need not fill the word
 * (whole: the match ends with the run and a boundary follows).  The tables
 * hold these answers as rule sets, by A, by L (longer words get the last
 * entry, which rules out less), and by the two bytes after the word. */

#define NEVER UINT16_MAX

struct quick {
	uint8_t cls, whole, sep, next;
	uint16_t lo, hi, full;
};

/* The quick test of rule r: only for bodies that start at the position
 * (no pre=) with a run of a class within [A-Za-z0-9]; the other scanners
 * fail on their first byte or reach past the word.  Every separator is
 * not alphanumeric. */
static int
quick_of(const struct mask_rule *r, struct quick *q)
{
	memset(q, 0, sizeof(*q));
	q->whole = r->bound != MASK_BOUND_NONE && !r->post_len;
	q->lo = 1;
	if (r->pre_len)
		return 0;
	switch (r->kind) {
	case MASK_NUM:
		q->cls = MASK_C_DIGIT;
		return 1;
	case MASK_RUN:
		q->cls = r->cls;
		q->lo = r->min > 1 ? r->min : 1;
		/* A run cut at max ends inside the word. */
		q->hi = q->whole ? r->max : 0;
		return r->cls <= MASK_C_ALNUM;
	case MASK_IPV4:
		q->cls = MASK_C_DIGIT;
		q->hi = (r->flags & MASK_F_OCTET) ? 3 : 0;
		q->sep = '.';
		q->next = MASK_C_DIGIT;
		q->full = NEVER;
		return 1;
	case MASK_COLONHEX:
		q->cls = r->cls;
		q->lo = 2;
		if (r->min > 1) { /* a second group is needed */
			q->sep = ':';
			q->next = r->cls;
			q->full = NEVER;
		}
		return 1;
	case MASK_HEXSEQ: {
		uint32_t all = (uint32_t)r->min * r->count;
		q->cls = r->cls;
		q->lo = r->min;
		q->sep = ' ';
		q->next = r->cls;
		q->full = (uint16_t)(all < NEVER ? all : NEVER - 1);
		return 1;
	}
	case MASK_HEX: /* "0x" and a digit: three bytes of the word */
		q->cls = MASK_C_ALNUM;
		q->lo = 3;
		return 1;
	case MASK_TIME:
		q->cls = MASK_C_DIGIT;
		q->lo = q->hi = 2;
		q->sep = ':';
		q->next = MASK_C_DIGIT;
		q->full = NEVER;
		return 1;
	case MASK_UUID:
		q->cls = MASK_C_XDIGIT;
		q->lo = q->hi = 8;
		q->sep = '-';
		q->next = MASK_C_XDIGIT;
		q->full = NEVER;
		return 1;
	default:
		return 0;
	}
}

static void
add_quick(struct mask_set *m, uint32_t bit, const struct mask_rule *r)
{
	struct quick q;
	if (r->kind == MASK_NUM && (r->flags & MASK_F_SIGN) && !r->pre_len)
		m->q_sign |= bit;
	if (!quick_of(r, &q)) {
		m->q_any |= bit;
		return;
	}
	/* A number filling the word is the match (the word ends at a byte
	 * that is not a digit, which can only break a word boundary). */
	if (r->kind == MASK_NUM && !r->post_len && !r->after_len)
		m->q_word |= bit;
	for (unsigned a = 0; a < 64; a++) {
		if ((a >> q.cls) & 1u)
			m->q_fill[a] |= bit;
		if (q.sep && ((a >> q.next) & 1u))
			m->q_next[a] |= bit;
	}
	if (q.sep)
		m->q_sep[sep_ix[q.sep]] |= bit;
	for (unsigned l = 1; l < MASK_QLEN - 1; l++) {
		if (l >= q.lo && (!q.hi || l <= q.hi))
			m->q_len[l] |= bit;
		if (l < q.full)
			m->q_short[l] |= bit;
		if (!q.whole && l - 1 >= q.lo && l - 1 >= q.full)
			m->q_part[l] |= bit;
	}
	/* Any longer word: rule out only what holds for every length. */
	if (!q.hi || q.hi >= MASK_QLEN - 1)
		m->q_len[MASK_QLEN - 1] |= bit;
	if (q.full == NEVER)
		m->q_short[MASK_QLEN - 1] |= bit;
	if (!q.whole && q.full != NEVER)
		m->q_part[MASK_QLEN - 1] |= bit;
}

/* ---- compile -------------------------------------------------------------- */

void
mask_compile(struct mask_set *m)
{
	/* Everything after the rules is derived. */
	memset(m->start, 0, sizeof(*m) - offsetof(struct mask_set, start));
	for (uint32_t k = 0; k < m->n && k < VIGIL_MASK_MAX_RULES; k++) {
		const struct mask_rule *r = &m->rule[k];
		uint32_t bit = 1u << k;
		if (r->bound == MASK_BOUND_ALNUM)
			m->bound_alnum |= bit;
		else if (r->bound == MASK_BOUND_WORD)
			m->bound_word |= bit;
		if (r->after_len)
			m->after |= bit;
		if (r->pre_len)
			add_byte(m->start, bit, (unsigned char)r->pre[0]);
		if (!r->pre_len || (r->flags & MASK_F_OPTPRE))
			add_body(m->start, bit, r);
		add_quick(m, bit, r);
	}
	for (unsigned c = 0; c < 256; c++)
		if (is_alnum(c))
			m->inword |= m->start[c] &
			    ~(m->bound_alnum | m->bound_word);
}

void
mask_init(struct mask_set *m)
{
	memset(m, 0, sizeof(*m));
}

/* ---- parsing -------------------------------------------------------------- */

static const char *const kind_names[MASK_KIND_END] = {
	[MASK_NUM] = "num",
	[MASK_RUN] = "run",
	[MASK_HEX] = "hex",
	[MASK_IPV4] = "ipv4",
	[MASK_COLONHEX] = "colonhex",
	[MASK_HEXSEQ] = "hexseq",
	[MASK_DOTTED] = "dotted",
	[MASK_PATH] = "path",
	[MASK_TIME] = "time",
	[MASK_SIZE] = "size",
	[MASK_REST] = "rest",
	[MASK_QUOTED] = "quoted",
	[MASK_PAREN] = "paren",
	[MASK_UUID] = "uuid",
};

static const char *const class_names[MASK_C_END] = {
	[MASK_C_DIGIT] = "digit",
	[MASK_C_XDIGIT] = "xdigit",
	[MASK_C_LXDIGIT] = "lxdigit",
	[MASK_C_UXDIGIT] = "uxdigit",
	[MASK_C_ALPHA] = "alpha",
	[MASK_C_ALNUM] = "alnum",
	[MASK_C_WORD] = "word",
	[MASK_C_WORDH] = "wordh",
	[MASK_C_NONSPACE] = "nonspace",
};

/* Which flags each kind accepts. */
static unsigned
kind_flags(unsigned kind)
{
	switch (kind) {
	case MASK_NUM:
		return MASK_F_SIGN;
	case MASK_IPV4:
		return MASK_F_PORT | MASK_F_OCTET | MASK_F_LIST;
	case MASK_DOTTED:
		return MASK_F_PORT;
	case MASK_HEXSEQ:
		return MASK_F_EXACT;
	case MASK_REST:
		return MASK_F_EAT;
	case MASK_SIZE:
		return MASK_F_STRICT;
	default:
		return 0;
	}
}

static int
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

static int
lookup(const char *const *names, unsigned count, const char *w, size_t n)
{
	for (unsigned i = 0; i < count; i++)
		if (names[i] && word_is(w, n, names[i]))
			return (int)i;
	return -1;
}

/* A small unsigned decimal, or -1. */
static long
number(const char *w, size_t n)
{
	long v = 0;
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)w[i]))
			return -1;
		v = v * 10 + (w[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

/* Decode a value (bare or "quoted") into dst.  Returns its length,
 * VIGIL_E2BIG if longer than cap, VIGIL_ECONFIG if malformed. */
static int
value(const char *v, size_t n, char *dst, size_t cap)
{
	size_t o = 0;
	if (n >= 1 && v[0] == '"') {
		if (n < 2 || v[n - 1] != '"')
			return VIGIL_ECONFIG;
		v++;
		n -= 2;
	}
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == '\\') {
			if (++i >= n)
				return VIGIL_ECONFIG;
			c = v[i] == 't' ? '\t' : v[i];
		}
		if (o >= cap)
			return VIGIL_E2BIG;
		dst[o++] = c;
	}
	return (int)o;
}

/* Next blank-separated word of s[*pos..n), quotes kept together. */
static int
next_word(const char *s, size_t n, size_t *pos, const char **w, size_t *wl)
{
	size_t i = *pos;
	while (i < n && is_space((unsigned char)s[i]))
		i++;
	if (i >= n)
		return 0;
	size_t b = i;
	int quoted = 0;
	while (i < n && (quoted || !is_space((unsigned char)s[i]))) {
		if (s[i] == '\\' && quoted && i + 1 < n)
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		i++;
	}
	*w = s + b;
	*wl = i - b;
	*pos = i;
	return 1;
}

static int
set_option(struct mask_rule *r, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);
	if (!eq) {
		static const struct {
			const char *name;
			unsigned flag;
		} flags[] = {
			{"sign", MASK_F_SIGN}, {"port", MASK_F_PORT},
			{"octet", MASK_F_OCTET}, {"list", MASK_F_LIST},
			{"exact", MASK_F_EXACT}, {"eat", MASK_F_EAT},
			{"strict", MASK_F_STRICT},
		};
		for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
			if (!word_is(w, n, flags[i].name))
				continue;
			if (!(kind_flags(r->kind) & flags[i].flag))
				return VIGIL_ECONFIG;
			r->flags |= (uint8_t)flags[i].flag;
			return 0;
		}
		return VIGIL_ECONFIG;
	}
	size_t kl = (size_t)(eq - w);
	const char *v = eq + 1;
	size_t vl = n - kl - 1;
	int rc;
	long num;
	if (word_is(w, kl, "with")) {
		if ((rc = value(v, vl, r->with, sizeof(r->with))) < 0)
			return rc;
		r->with_len = (uint8_t)rc;
		r->with_set = 1;
		return 0;
	}
	if (word_is(w, kl, "pre") || word_is(w, kl, "optpre")) {
		if ((rc = value(v, vl, r->pre, sizeof(r->pre))) <= 0)
			return rc < 0 ? rc : VIGIL_ECONFIG;
		r->pre_len = (uint8_t)rc;
		if (w[0] == 'o')
			r->flags |= MASK_F_OPTPRE;
		return 0;
	}
	if (word_is(w, kl, "post")) {
		if ((rc = value(v, vl, r->post, sizeof(r->post))) <= 0)
			return rc < 0 ? rc : VIGIL_ECONFIG;
		r->post_len = (uint8_t)rc;
		return 0;
	}
	if (word_is(w, kl, "after")) {
		if ((rc = value(v, vl, r->after, sizeof(r->after))) <= 0)
			return rc < 0 ? rc : VIGIL_ECONFIG;
		r->after_len = (uint8_t)rc;
		return 0;
	}
	if (word_is(w, kl, "bound")) {
		static const char *const b[] = {"none", "word", "alnum"};
		int k = lookup(b, 3, v, vl);
		if (k < 0)
			return VIGIL_ECONFIG;
		r->bound = (uint8_t)k;
		return 0;
	}
	if (word_is(w, kl, "class") || word_is(w, kl, "case")) {
		int k;
		if (w[1] == 'l') {
			if (r->kind != MASK_RUN)
				return VIGIL_ECONFIG;
			k = lookup(class_names, MASK_C_END, v, vl);
		} else {
			if (r->kind != MASK_COLONHEX && r->kind != MASK_HEXSEQ)
				return VIGIL_ECONFIG;
			static const char *const c[] = {"any", "lower", "upper"};
			k = lookup(c, 3, v, vl);
			if (k >= 0)
				k = MASK_C_XDIGIT + k;
		}
		if (k < 0)
			return VIGIL_ECONFIG;
		r->cls = (uint8_t)k;
		return 0;
	}
	num = number(v, vl);
	if (num < 0)
		return VIGIL_ECONFIG;
	if (word_is(w, kl, "min") || word_is(w, kl, "group")) {
		r->min = (uint16_t)num;
		return 0;
	}
	if (word_is(w, kl, "max")) {
		r->max = (uint16_t)num;
		return 0;
	}
	if (word_is(w, kl, "count")) {
		r->count = (uint16_t)num;
		return 0;
	}
	return VIGIL_ECONFIG;
}

static int
rule_ok(const struct mask_rule *r)
{
	if (r->kind < MASK_NUM || r->kind >= MASK_KIND_END ||
	    r->cls >= MASK_C_END || r->bound > MASK_BOUND_ALNUM)
		return 0;
	if (r->flags & ~(kind_flags(r->kind) | MASK_F_OPTPRE))
		return 0;
	if ((r->flags & MASK_F_OPTPRE) && !r->pre_len)
		return 0;
	if (r->pre_len > VIGIL_MASK_MAX_LIT || r->post_len > VIGIL_MASK_MAX_LIT ||
	    r->after_len > VIGIL_MASK_MAX_LIT || r->with_len > VIGIL_MASK_MAX_LIT ||
	    r->with_set > 1 || (!r->with_set && r->with_len))
		return 0;
	if (r->max && r->max < r->min)
		return 0;
	if (r->kind == MASK_HEXSEQ && (r->min == 0 || r->count == 0))
		return 0;
	return 1;
}

int
mask_add(struct mask_set *m, const char *s, size_t n)
{
	struct mask_rule r;
	const char *w;
	size_t wl, pos = 0;
	int k, rc;

	if (m->n >= VIGIL_MASK_MAX_RULES)
		return VIGIL_ENOSPC;
	memset(&r, 0, sizeof(r));
	if (!next_word(s, n, &pos, &w, &wl))
		return VIGIL_ECONFIG;
	k = lookup(kind_names, MASK_KIND_END, w, wl);
	if (k < 0)
		return VIGIL_ECONFIG;
	r.kind = (uint8_t)k;
	/* Defaults that make a bare kind useful (see mask.h). */
	switch (r.kind) {
	case MASK_COLONHEX:
		r.cls = MASK_C_LXDIGIT;
		r.min = 4;
		break;
	case MASK_HEXSEQ:
		r.cls = MASK_C_LXDIGIT;
		r.min = 6;
		r.count = 3;
		break;
	case MASK_DOTTED:
		r.min = 3;
		break;
	case MASK_TIME:
		r.min = 2;
		break;
	case MASK_RUN:
		r.cls = MASK_C_END; /* class= is required */
		r.min = 1;
		break;
	default:
		break;
	}
	while (next_word(s, n, &pos, &w, &wl))
		if ((rc = set_option(&r, w, wl)) < 0)
			return rc;
	if (!rule_ok(&r))
		return VIGIL_ECONFIG;
	m->rule[m->n++] = r;
	mask_compile(m);
	return 0;
}

int
mask_check(struct mask_set *m)
{
	if (m->n > VIGIL_MASK_MAX_RULES)
		return VIGIL_ECORRUPT;
	for (uint32_t i = 0; i < m->n; i++)
		if (!rule_ok(&m->rule[i]))
			return VIGIL_ECORRUPT;
	mask_compile(m);
	return 0;
}
