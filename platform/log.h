/*
 * log.h - vigild's log lines.
 *
 * One line per event: "2026-11-22T03:49:58Z vigild[pid]: LEVEL: text".
 * Written with write(2) to stderr or to the configured log file (opened
 * at start-up and at SIGHUP), so logging never allocates.  Lines longer
 * than VLOG_LINE bytes are cut.  Repeated identical events in hot paths
 * are rate-limited by their callers (counters carry the full story).
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#define VLOG_LINE 512

enum vlog_level { VLOG_ERR = 3, VLOG_WARN = 4, VLOG_NOTICE = 5, VLOG_INFO = 6, VLOG_DEBUG = 7 };

/* Opens path for appending (NULL or "" = stderr).  Returns 0 or a
 * negative VIGIL_E* code; on failure logging stays where it was. */
int vlog_open(const char *path);
void vlog_set_level(int level);
void vlog(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* VIGIL_LOG_H */
