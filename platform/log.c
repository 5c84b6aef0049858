/*
 * log.c - timestamped log lines written with write(2) (see log.h).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

static int log_fd = 2;
static int log_level = VLOG_INFO;

int
vlog_open(const char *path)
{
	if (!path || !*path) {
		if (log_fd > 2)
			close(log_fd);
		log_fd = 2;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return VIGIL_EIO;
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
	return 0;
}

void
vlog_set_level(int level)
{
	log_level = level;
}

void
vlog(int level, const char *fmt, ...)
{
	static const char *names[] = {"emerg", "alert", "crit", "error",
	    "warning", "notice", "info", "debug"};
	char line[VLOG_LINE];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02dZ vigild[%d]: %s: ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (int)getpid(), names[level & 7]);
	if (n < 0)
		return;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	/* One write per line keeps lines whole when several processes share
	 * the file (O_APPEND). */
	ssize_t w = write(log_fd, line, len);
	(void)w;
}
