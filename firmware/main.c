/*
 * main.c - vigild: options, configuration, start-up, signals, shutdown.
 *
 * Start-up order: read and check the config, hand the fixed arena to
 * libuv, bind every socket, detach (-d), drop to the configured user,
 * seal the arena, run the loop.  SIGTERM/SIGINT stop cleanly (every
 * handle closed, the arena back to its start-up level); SIGHUP re-reads
 * the config file and applies it without dropping connections or
 * counters, or keeps the old one if the new one has an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "config.h"
#include "evac.h"
#include "err.h"
#include "log.h"
#include "snapshot.h"
#include "status.h"
#include "syslog_net.h"
#include "vigild.h"

extern const char vigil_default_conf[];
extern const size_t vigil_default_conf_len;
extern const char vigil_default_drain_rules[];
extern const size_t vigil_default_drain_rules_len;

struct vigild vigild_state;

static uv_loop_t loop;
static uv_signal_t sig_term, sig_int, sig_hup;
static uv_timer_t snap_timer;
static int snap_timer_on;
static struct drain_cfg drain_cfg;
static const char *config_path; /* NULL: the embedded default */
static char conf_buf[VIGIL_MAX_CONFIG + 1];
static struct vigil_config reload_cfg, old_cfg;
static struct config_errors cerrs;
static int stopping;
static uint64_t arena_base; /* bytes held by process-wide registrations */

int64_t
vigild_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vigild [-c FILE] [-d] [-t] [-v]\n"
	    "  -c FILE   configuration file (default: the embedded default:\n"
	    "            syslog on 127.0.0.1:5514 UDP+TCP from 127.0.0.1 as host\n"
	    "            'localhost', status on 127.0.0.1:5515)\n"
	    "  -d        run as a daemon (detach; log to log_file)\n"
	    "  -t        check the configuration and exit (0 ok, 1 errors)\n"
	    "  -v        verbose (debug) logging\n"
	    "  -p        print the embedded default configuration and exit\n"
	    "  -h, --help     this text\n"
	    "  -V, --version  version\n"
	    "signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration\n"
	    "exit: 0 clean stop, 1 configuration error, 2 usage, 3 start-up "
	    "failure\n");
}

/* Reads the config file (or takes the default) into conf_buf.  Returns
 * its length, or -1 with a message on stderr / in the log. */
static long
read_config(const char *path)
{
	if (!path) {
		memcpy(conf_buf, vigil_default_conf, vigil_default_conf_len);
		return (long)vigil_default_conf_len;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		vlog(VLOG_ERR, "config %s: %s", path, strerror(errno));
		return -1;
	}
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, conf_buf + len, sizeof(conf_buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vlog(VLOG_ERR, "config %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(conf_buf))
			break;
	}
	close(fd);
	if (len > VIGIL_MAX_CONFIG) {
		vlog(VLOG_ERR, "config %s: larger than %u bytes", path,
		    (unsigned)VIGIL_MAX_CONFIG);
		return -1;
	}
	return (long)len;
}

/* Loads and parses; prints each error as FILE:LINE: message. */
static int
load_config(const char *path, struct vigil_config *cfg)
{
	long len = read_config(path);
	if (len < 0)
		return VIGIL_ECONFIG;
	int r = config_parse(conf_buf, (size_t)len, cfg, &cerrs);
	if (r < 0) {
		const char *name = path ? path : "(default)";
		for (unsigned i = 0; i < cerrs.n; i++) {
			if (cerrs.e[i].line)
				vlog(VLOG_ERR, "%s:%u: %s", name, cerrs.e[i].line,
				    cerrs.e[i].msg);
			else
				vlog(VLOG_ERR, "%s: %s", name, cerrs.e[i].msg);
		}
		if (cerrs.total > cerrs.n)
			vlog(VLOG_ERR, "%s: and %u more errors", name,
			    cerrs.total - cerrs.n);
	}
	return r;
}

/* Reads and parses the Drain rules (the file named by drain_rules, or the
 * embedded firmware/drain.rules) into drain_cfg. */
static int
load_drain_rules(const char *path)
{
	const char *text = vigil_default_drain_rules;
	size_t len = vigil_default_drain_rules_len;
	unsigned line = 0;

	if (path[0]) {
		long n = read_config(path);
		if (n < 0)
			return VIGIL_ECONFIG;
		text = conf_buf;
		len = (size_t)n;
	}
	drain_cfg_default(&drain_cfg);
	int r = drain_cfg_parse(&drain_cfg, text, len, &line);
	if (r < 0) {
		vlog(VLOG_ERR, "%s:%u: drain rules: %s",
		    path[0] ? path : "(embedded drain.rules)", line,
		    vigil_strerror(r));
		return VIGIL_ECONFIG;
	}
	return 0;
}

static void
save_snapshot(void)
{
	const char *path = vigild_state.cfg.snapshot_file;
	if (path[0])
		snapshot_save(path, &vigild_state.ingest.drain);
}

static void
on_snap_timer(uv_timer_t *t)
{
	(void)t;
	save_snapshot();
}

static void
stop_loop(void)
{
	if (stopping)
		return;
	stopping = 1;
	save_snapshot();
	if (snap_timer_on)
		uv_close((uv_handle_t *)&snap_timer, NULL);
	syslog_net_close();
	status_close();
	evac_stop();
	uv_close((uv_handle_t *)&sig_term, NULL);
	uv_close((uv_handle_t *)&sig_int, NULL);
	uv_close((uv_handle_t *)&sig_hup, NULL);
}

static void
reload(void)
{
	struct vigild *vd = &vigild_state;

	if (!config_path) {
		vlog(VLOG_NOTICE, "reload: running on the embedded default; "
		    "nothing to reload");
		return;
	}
	if (load_config(config_path, &reload_cfg) < 0) {
		vd->reload_failures++;
		vlog(VLOG_ERR, "reload: %s refused; keeping the running "
		    "configuration", config_path);
		return;
	}
	old_cfg = vd->cfg;
	vd->cfg = reload_cfg;
	struct syslog_cfg scfg = {.tz_offset_s = vd->cfg.tz_offset_s};
	ingest_reconfigure(&vd->ingest, &vd->cfg.hosts, &scfg);
	if (memcmp(&old_cfg.predict, &vd->cfg.predict, sizeof(old_cfg.predict)) ||
	    old_cfg.time_from_message != vd->cfg.time_from_message) {
		(void)ingest_predict_init(&vd->ingest, &vd->cfg.predict,
		    vd->cfg.time_from_message);
		vlog(VLOG_NOTICE, "reload: prediction parameters changed; "
		    "every host starts learning afresh");
	}
	syslog_net_reload(vd, &old_cfg);
	evac_reload(vd, &old_cfg);
	status_reload(vd);
	if (strcmp(old_cfg.log_file, vd->cfg.log_file) != 0 ||
	    vd->cfg.log_file[0])
		if (vlog_open(vd->cfg.log_file) < 0)
			vlog(VLOG_ERR, "reload: cannot open log file %s",
			    vd->cfg.log_file);
	if (strcmp(old_cfg.drain_rules, vd->cfg.drain_rules) != 0 ||
	    strcmp(old_cfg.snapshot_file, vd->cfg.snapshot_file) != 0)
		vlog(VLOG_WARN, "reload: drain_rules / snapshot_file changes take "
		    "effect at the next restart");
	vd->reloads++;
	vlog(VLOG_NOTICE, "reload: %s applied (%u hosts)", config_path,
	    vd->cfg.hosts.n);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	(void)h;
	if (signum == SIGHUP) {
		reload();
		return;
	}
	vlog(VLOG_NOTICE, "%s: stopping", signum == SIGTERM ? "SIGTERM" :
	    "SIGINT");
	stop_loop();
}

/*
 * libuv keeps its fd watchers in an array indexed by fd and reallocates
 * it when a larger fd first appears.  Registering the largest fd vigild
 * can reach during start-up grows the array once, so that accepting
 * connections later never allocates.
 */
static int
pregrow_watchers(void)
{
	uv_poll_t p;
	int hi = 64 + VIGIL_MAX_TCP_CONN + VIGIL_MAX_STATUS_CONN + 16;
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return VIGIL_EIO;
	int fd = dup3(s, hi, O_CLOEXEC);
	close(s);
	if (fd < 0)
		return VIGIL_EIO;
	int r = uv_poll_init_socket(&loop, &p, fd);
	if (r == 0) {
		uv_poll_start(&p, UV_READABLE, NULL);
		uv_poll_stop(&p);
		uv_close((uv_handle_t *)&p, NULL);
		uv_run(&loop, UV_RUN_NOWAIT);
	}
	close(fd);
	return r < 0 ? VIGIL_EIO : 0;
}

static int
drop_privileges(const char *user)
{
	if (!user[0] || geteuid() != 0)
		return 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		vlog(VLOG_ERR, "user %s: no such user", user);
		return VIGIL_ECONFIG;
	}
	if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0) {
		vlog(VLOG_ERR, "cannot drop to user %s: %s", user, strerror(errno));
		return VIGIL_EACCES;
	}
	if (setuid(0) == 0) {
		vlog(VLOG_ERR, "dropped to %s but could regain root", user);
		return VIGIL_EACCES;
	}
	vlog(VLOG_INFO, "running as user %s (uid %d)", user, (int)pw->pw_uid);
	return 0;
}

static int
daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return VIGIL_EIO;
	if (pid > 0)
		_exit(0);
	setsid();
	pid = fork();
	if (pid < 0)
		return VIGIL_EIO;
	if (pid > 0)
		_exit(0);
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (!vigild_state.cfg.log_file[0])
			dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (chdir("/") < 0)
		return VIGIL_EIO;
	return uv_loop_fork(&loop) < 0 ? VIGIL_EIO : 0;
}

static void
write_pidfile(const char *path)
{
	char buf[32];
	if (!path[0])
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		vlog(VLOG_WARN, "pidfile %s: %s", path, strerror(errno));
		return;
	}
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n)
		vlog(VLOG_WARN, "pidfile %s: short write", path);
	close(fd);
}

static void
log_arena(const char *when)
{
	struct arena_stats a;
	arena_get_stats(&a);
	vlog(VLOG_INFO, "arena %s: %llu of %llu bytes in use (high water %llu), "
	    "%llu allocations after start-up, %llu refused", when,
	    (unsigned long long)(a.used - arena_base),
	    (unsigned long long)a.capacity, (unsigned long long)a.high_water,
	    (unsigned long long)a.allocs_after_seal,
	    (unsigned long long)a.failures);
}

int
main(int argc, char **argv)
{
	struct vigild *vd = &vigild_state;
	int check_only = 0, detach = 0;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("vigild %s (%s)\n", VIGIL_VERSION, VIGIL_GITREV);
			return 0;
		} else if (!strcmp(a, "-p")) {
			fwrite(vigil_default_conf, 1, vigil_default_conf_len, stdout);
			return 0;
		} else if (!strcmp(a, "-c") && i + 1 < argc) {
			config_path = argv[++i];
		} else if (!strcmp(a, "-t")) {
			check_only = 1;
		} else if (!strcmp(a, "-d")) {
			detach = 1;
		} else if (!strcmp(a, "-f")) {
			detach = 0;
		} else if (!strcmp(a, "-v")) {
			vlog_set_level(VLOG_DEBUG);
		} else {
			fprintf(stderr, "vigild: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}

	if (load_config(config_path, &vd->cfg) < 0 ||
	    load_drain_rules(vd->cfg.drain_rules) < 0)
		return 1;
	if (check_only) {
		printf("%s: configuration ok (%u hosts)\n",
		    config_path ? config_path : "(default)", vd->cfg.hosts.n);
		return 0;
	}
	if (vd->cfg.log_file[0] && vlog_open(vd->cfg.log_file) < 0) {
		vlog(VLOG_ERR, "log file %s: cannot open", vd->cfg.log_file);
		return 3;
	}

	/* From here on libuv allocates only from the fixed arena.  The first
	 * loop libuv makes registers a process-wide fork handler, which musl
	 * allocates and never frees; a throwaway loop gets that done first, so
	 * that the arena's use at exit can be held to exactly zero. */
	struct arena_stats as;
	if (uv_replace_allocator(arena_malloc, arena_realloc, arena_calloc,
	    arena_free) < 0 || uv_loop_init(&loop) < 0 ||
	    uv_loop_close(&loop) < 0) {
		vlog(VLOG_ERR, "cannot set up the event loop");
		return 3;
	}
	arena_get_stats(&as);
	arena_base = as.used;
	if (uv_loop_init(&loop) < 0) {
		vlog(VLOG_ERR, "cannot set up the event loop");
		return 3;
	}
	vd->loop = &loop;
	vd->start_ms = uv_now(&loop);
	vd->start_wall_s = vigild_wall_s();
	struct syslog_cfg scfg = {.tz_offset_s = vd->cfg.tz_offset_s};
	if (ingest_init(&vd->ingest, &vd->cfg.hosts, &scfg, &drain_cfg) < 0)
		vlog(VLOG_WARN, "drain rules out of range; using Drain's defaults");
	/* The config parser checked the prediction parameters. */
	(void)ingest_predict_init(&vd->ingest, &vd->cfg.predict,
	    vd->cfg.time_from_message);
	if (vd->cfg.snapshot_file[0])
		snapshot_load(vd->cfg.snapshot_file, &vd->ingest.drain, &drain_cfg);

	vlog(VLOG_NOTICE, "vigild %s starting: %s, %u hosts", VIGIL_VERSION,
	    config_path ? config_path : "embedded default config",
	    vd->cfg.hosts.n);
	if (pregrow_watchers() < 0 || syslog_net_start(vd) < 0 ||
	    status_start(vd) < 0 || evac_start(vd) < 0) {
		vlog(VLOG_ERR, "start-up failed");
		return 3;
	}
	if (vd->cfg.snapshot_file[0] && vd->cfg.snapshot_interval_s) {
		uint64_t ms = (uint64_t)vd->cfg.snapshot_interval_s * 1000;
		uv_timer_init(&loop, &snap_timer);
		uv_timer_start(&snap_timer, on_snap_timer, ms, ms);
		snap_timer_on = 1;
	}
	uv_signal_init(&loop, &sig_term);
	uv_signal_init(&loop, &sig_int);
	uv_signal_init(&loop, &sig_hup);
	uv_signal_start(&sig_term, on_signal, SIGTERM);
	uv_signal_start(&sig_int, on_signal, SIGINT);
	uv_signal_start(&sig_hup, on_signal, SIGHUP);

	if (detach && daemonize() < 0) {
		vlog(VLOG_ERR, "cannot detach");
		return 3;
	}
	write_pidfile(vd->cfg.pidfile);
	if (drop_privileges(vd->cfg.user) < 0 || syslog_net_run() < 0)
		return 3;

	/* One turn of the loop lets libuv finish its own set-up (signal
	 * pipe, first epoll registration) before the arena is sealed. */
	uv_run(&loop, UV_RUN_NOWAIT);
	arena_seal();
	log_arena("after start-up");
	vlog(VLOG_NOTICE, "ready");

	uv_run(&loop, UV_RUN_DEFAULT);

	arena_unseal();
	int r = uv_loop_close(&loop);
	log_arena("at exit");
	if (r < 0)
		vlog(VLOG_WARN, "loop closed with handles still open");
	if (vd->cfg.pidfile[0])
		unlink(vd->cfg.pidfile);
	vlog(VLOG_NOTICE, "stopped: %llu messages accepted, %llu dropped from "
	    "unknown sources", (unsigned long long)vd->ingest.stats.accepted,
	    (unsigned long long)vd->ingest.stats.unknown_source);
	return 0;
}
