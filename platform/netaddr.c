/*
 * netaddr.c - socket address conversions (see netaddr.h).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

void
netaddr_from_sockaddr(const struct sockaddr *sa, struct hosts_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		a->family = 4;
		memcpy(a->bytes, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = 4;
			memcpy(a->bytes, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = 6;
			memcpy(a->bytes, &s6->sin6_addr, 16);
		}
	}
}

socklen_t
netaddr_to_sockaddr(const struct config_listen *l, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (l->addr.family == 4) {
		struct sockaddr_in *s4 = (void *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->port);
		memcpy(&s4->sin_addr, l->addr.bytes, 4);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (void *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(l->port);
	memcpy(&s6->sin6_addr, l->addr.bytes, 16);
	return sizeof(*s6);
}

void
netaddr_listen_name(const struct config_listen *l, char *buf, size_t cap)
{
	char a[64];
	hosts_format_addr(&l->addr, a, sizeof(a));
	snprintf(buf, cap, l->addr.family == 6 ? "[%s]:%u" : "%s:%u", a,
	    (unsigned)l->port);
}

int
netaddr_listen_eq(const struct config_listen *a, const struct config_listen *b)
{
	return a->enabled == b->enabled && a->port == b->port &&
	    memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}
