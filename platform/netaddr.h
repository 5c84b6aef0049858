/*
 * netaddr.h - between the socket API's addresses and vigil's own
 * (struct hosts_addr, struct config_listen), for every listener.
 */
#ifndef VIGIL_NETADDR_H
#define VIGIL_NETADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"
#include "hosts.h"

/* A peer's address; IPv4-mapped IPv6 is folded to IPv4 so that a
 * dual-stack socket matches an IPv4 host or allow-list entry. */
void netaddr_from_sockaddr(const struct sockaddr *sa, struct hosts_addr *a);

/* The socket address of a configured listener; returns its length. */
socklen_t netaddr_to_sockaddr(const struct config_listen *l,
    struct sockaddr_storage *ss);

/* 1 when two configured listeners are the same (on or off, address and
 * port): a reload compares them. */
int netaddr_listen_eq(const struct config_listen *a,
    const struct config_listen *b);

/* "192.0.2.1:514" or "[2001:db8::1]:514", for log lines. */
void netaddr_listen_name(const struct config_listen *l, char *buf,
    size_t cap);

#endif /* VIGIL_NETADDR_H */
