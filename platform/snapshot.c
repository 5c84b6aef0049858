/*
 * snapshot.c - atomic save and checked load of the template miner (see
 * snapshot.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "snapshot.h"

/* drain_snapshot_size() is sizeof(struct drain) plus a header and a
 * checksum; the slack covers both and is checked at run time. */
#define SNAP_SLACK 4096
static _Alignas(8) unsigned char buf[sizeof(struct drain) + SNAP_SLACK];

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
snapshot_save(const char *path, const struct drain *d)
{
	char tmp[VIGIL_MAX_PATH + 8], dir[VIGIL_MAX_PATH];
	size_t len;

	if (drain_snapshot(d, buf, sizeof(buf), &len) < 0) {
		vlog(VLOG_ERR, "snapshot: buffer smaller than the miner");
		return VIGIL_EIO;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		vlog(VLOG_ERR, "snapshot %s: %s", tmp, strerror(errno));
		return VIGIL_EIO;
	}
	if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
		vlog(VLOG_ERR, "snapshot %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return VIGIL_EIO;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		vlog(VLOG_ERR, "snapshot %s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return VIGIL_EIO;
	}
	/* The rename is durable only once the directory is synced. */
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	vlog(VLOG_DEBUG, "snapshot %s: %zu bytes", path, len);
	return 0;
}

int
snapshot_load(const char *path, struct drain *d, const struct drain_cfg *cfg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			vlog(VLOG_INFO, "snapshot %s: none yet; starting with no "
			    "templates", path);
			return VIGIL_ENOENT;
		}
		vlog(VLOG_ERR, "snapshot %s: %s; starting with no templates", path,
		    strerror(errno));
		return VIGIL_EIO;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf))
			break;
	}
	close(fd);
	int r = drain_restore(d, cfg, buf, len);
	if (r < 0) {
		vlog(VLOG_ERR, "snapshot %s refused (%s); starting with no "
		    "templates", path, vigil_strerror(r));
		return r;
	}
	struct drain_stats st;
	drain_stats(d, &st);
	vlog(VLOG_NOTICE, "snapshot %s: %u templates restored", path,
	    st.templates);
	return 0;
}
