/*
 * hosts.c - fixed host table, source-address matching, address parsing.
 */
#include <string.h>

#include "err.h"
#include "hosts.h"

void
hosts_init(struct hosts *t)
{
	memset(t, 0, sizeof(*t));
}

static int
name_ok(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char c = name[n];
		if (n == VIGIL_MAX_NAME)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return n > 0;
}

int
hosts_find(const struct hosts *t, const char *name)
{
	for (unsigned i = 0; i < t->n; i++)
		if (strcmp(t->h[i].name, name) == 0)
			return (int)i;
	return VIGIL_ENOENT;
}

int
hosts_add(struct hosts *t, const char *name)
{
	if (!name_ok(name) || hosts_find(t, name) >= 0)
		return VIGIL_EINVAL;
	if (t->n == VIGIL_MAX_HOSTS)
		return VIGIL_ENOSPC;
	struct hosts_entry *e = &t->h[t->n];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, strlen(name) + 1);
	return (int)t->n++;
}

static int
addr_eq(const struct hosts_addr *a, const struct hosts_addr *b)
{
	if (a->family != b->family)
		return 0;
	return memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

int
hosts_lookup(const struct hosts *t, const struct hosts_addr *a)
{
	for (unsigned i = 0; i < t->n; i++)
		for (unsigned j = 0; j < t->h[i].naddr; j++)
			if (addr_eq(&t->h[i].addr[j], a))
				return (int)i;
	return VIGIL_ENOENT;
}

int
hosts_add_addr(struct hosts *t, int idx, const struct hosts_addr *a)
{
	if (idx < 0 || (unsigned)idx >= t->n ||
	    (a->family != 4 && a->family != 6))
		return VIGIL_EINVAL;
	if (hosts_lookup(t, a) >= 0)
		return VIGIL_EINVAL;
	struct hosts_entry *e = &t->h[idx];
	if (e->naddr == VIGIL_MAX_HOST_ADDRS)
		return VIGIL_ENOSPC;
	e->addr[e->naddr++] = *a;
	return 0;
}

static int
parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			/* "01" is refused: some stacks read it as octal. */
			if (digits == 1 && v == 0)
				return VIGIL_EADDR;
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return VIGIL_EADDR;
			digits++;
			i++;
		}
		if (digits == 0)
			return VIGIL_EADDR;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return VIGIL_EADDR;
			i++;
		}
	}
	return i == len ? 0 : VIGIL_EADDR;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 4291 section 2.2 text forms, including "::" and a trailing dotted
 * IPv4 part. */
static int
parse_v6(const char *s, size_t len, uint8_t out[16])
{
	uint16_t w[8];
	int nw = 0, gap = -1;
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
		if (i == len)
			goto done;
	} else if (len >= 1 && s[0] == ':') {
		return VIGIL_EADDR;
	}
	for (;;) {
		size_t start = i;
		unsigned v = 0;
		while (i < len && hexval(s[i]) >= 0 && i - start < 4)
			v = v * 16 + (unsigned)hexval(s[i++]);
		if (i < len && s[i] == '.') {
			/* Embedded IPv4 in the last 32 bits. */
			uint8_t v4[4];
			if (nw > 6 || parse_v4(s + start, len - start, v4) < 0)
				return VIGIL_EADDR;
			w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
			w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		if (i == start || nw == 8)
			return VIGIL_EADDR;
		w[nw++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return VIGIL_EADDR;
		i++;
		if (i < len && s[i] == ':') {
			if (gap >= 0)
				return VIGIL_EADDR;
			gap = nw;
			i++;
			if (i == len)
				break;
		} else if (i == len) {
			return VIGIL_EADDR;
		}
	}
done:
	if (gap < 0 && nw != 8)
		return VIGIL_EADDR;
	if (gap >= 0 && nw > 7)
		return VIGIL_EADDR;
	memset(out, 0, 16);
	int tail = gap < 0 ? 0 : nw - gap;
	int head = nw - tail;
	for (int k = 0; k < head; k++) {
		out[2 * k] = (uint8_t)(w[k] >> 8);
		out[2 * k + 1] = (uint8_t)w[k];
	}
	for (int k = 0; k < tail; k++) {
		int pos = 8 - tail + k;
		out[2 * pos] = (uint8_t)(w[head + k] >> 8);
		out[2 * pos + 1] = (uint8_t)w[head + k];
	}
	return 0;
}

int
hosts_parse_addr(const char *s, size_t len, struct hosts_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || len == 0 || len > 45)
		return VIGIL_EADDR;
	if (memchr(s, ':', len)) {
		if (parse_v6(s, len, out->bytes) < 0)
			return VIGIL_EADDR;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0xff, 0xff};
		if (memcmp(out->bytes, mapped, 12) == 0) {
			memmove(out->bytes, out->bytes + 12, 4);
			memset(out->bytes + 4, 0, 12);
			out->family = 4;
		} else {
			out->family = 6;
		}
		return 0;
	}
	if (parse_v4(s, len, out->bytes) < 0)
		return VIGIL_EADDR;
	out->family = 4;
	return 0;
}

/* Appends the decimal form of v; returns the new position. */
static size_t
put_dec(char *buf, size_t pos, size_t cap, unsigned v)
{
	char tmp[4];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < 4);
	while (n && pos + 1 < cap)
		buf[pos++] = tmp[--n];
	return pos;
}

void
hosts_format_addr(const struct hosts_addr *a, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t pos = 0;

	if (cap == 0)
		return;
	if (a->family == 4) {
		for (int i = 0; i < 4; i++) {
			pos = put_dec(buf, pos, cap, a->bytes[i]);
			if (i < 3 && pos + 1 < cap)
				buf[pos++] = '.';
		}
	} else if (a->family == 6) {
		/* Plain form without "::" compression: unambiguous, and only
		 * used in log lines and the status channel. */
		for (int i = 0; i < 8; i++) {
			unsigned v = (unsigned)a->bytes[2 * i] << 8 | a->bytes[2 * i + 1];
			int started = 0;
			for (int sh = 12; sh >= 0; sh -= 4) {
				unsigned d = (v >> sh) & 15;
				if (d || started || sh == 0) {
					if (pos + 1 < cap)
						buf[pos++] = hex[d];
					started = 1;
				}
			}
			if (i < 7 && pos + 1 < cap)
				buf[pos++] = ':';
		}
	} else if (cap > 1) {
		buf[pos++] = '?';
	}
	buf[pos] = '\0';
}

void
hosts_carry_counters(struct hosts *t, const struct hosts *old)
{
	for (unsigned i = 0; i < t->n; i++) {
		int j = hosts_find(old, t->h[i].name);
		if (j >= 0)
			t->h[i].c = old->h[j].c;
	}
}

void
hosts_reset_counters(struct hosts *t)
{
	for (unsigned i = 0; i < t->n; i++)
		memset(&t->h[i].c, 0, sizeof(t->h[i].c));
}

void
hosts_count_template(struct hosts *t, int idx, int32_t id)
{
	if (idx < 0 || (unsigned)idx >= t->n)
		return;
	struct hosts_counters *c = &t->h[idx].c;
	uint32_t min = 0;
	for (uint32_t i = 0; i < c->ntop; i++) {
		if (c->top[i].id == id) {
			c->top[i].count++;
			return;
		}
		if (c->top[i].count < c->top[min].count)
			min = i;
	}
	if (c->ntop < VIGIL_HOST_TOP_TEMPLATES) {
		struct hosts_top *e = &c->top[c->ntop++];
		e->id = id;
		e->count = 1;
		e->error = 0;
		return;
	}
	struct hosts_top *e = &c->top[min];
	e->id = id;
	e->error = e->count;
	e->count++;
	c->top_replaced++;
}
