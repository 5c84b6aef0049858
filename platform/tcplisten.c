/*
 * tcplisten.c - the listening side of the TCP servers (see tcplisten.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "log.h"
#include "netaddr.h"
#include "tcplisten.h"

int
tcplisten_start(struct tcplisten *t, uv_loop_t *loop,
    const struct config_listen *l, int backlog, uv_connection_cb cb,
    void (*refused)(const struct hosts_addr *), const char *what,
    char *name, size_t name_cap)
{
	struct sockaddr_storage ss;

	memset(t, 0, sizeof(*t));
	t->refused = refused;
	netaddr_to_sockaddr(l, &ss);
	netaddr_listen_name(l, name, name_cap);
	uv_tcp_init(loop, &t->h);
	int r = uv_tcp_bind(&t->h, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&t->h, backlog, cb);
	if (r < 0) {
		vlog(VLOG_ERR, "%s %s: %s", what, name, uv_strerror(r));
		uv_close((uv_handle_t *)&t->h, NULL);
		return VIGIL_EADDR;
	}
	t->on = 1;
	return 0;
}

void
tcplisten_peer(uv_tcp_t *h, struct hosts_addr *a)
{
	struct sockaddr_storage ss;
	int sl = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	uv_tcp_getpeername(h, (struct sockaddr *)&ss, &sl);
	netaddr_from_sockaddr((struct sockaddr *)&ss, a);
}

static void
reject_closed(uv_handle_t *h)
{
	struct tcplisten *t = h->data;

	t->busy[(uv_tcp_t *)h - t->rejects] = 0;
	if (t->pending && t->on) {
		/* The listener is not watched until the waiting connection
		 * is accepted: take it now. */
		t->pending = 0;
		tcplisten_refuse(t);
	}
}

void
tcplisten_refuse(struct tcplisten *t)
{
	for (int i = 0; i < TCPLISTEN_REJECTS; i++) {
		if (t->busy[i])
			continue;
		uv_tcp_init(t->h.loop, &t->rejects[i]);
		t->rejects[i].data = t;
		t->busy[i] = 1;
		if (uv_accept((uv_stream_t *)&t->h,
		    (uv_stream_t *)&t->rejects[i]) == 0) {
			struct hosts_addr a;

			tcplisten_peer(&t->rejects[i], &a);
			if (t->refused)
				t->refused(&a);
		}
		uv_close((uv_handle_t *)&t->rejects[i], reject_closed);
		return;
	}
	t->pending = 1;
}

void
tcplisten_close(struct tcplisten *t)
{
	if (!t->on)
		return;
	uv_close((uv_handle_t *)&t->h, NULL);
	t->on = 0;
	t->pending = 0;
}
