/*
 * loadgen.c - syslog load generator for vigild's ingest benchmark and
 * tests.
 *
 *   loadgen -p PORT [-a ADDR] [-m udp|tcp|tcp-lf] [-n N] [-k K] [-r RATE]
 *           [-f 5424|3164|mix] [-H HOSTNAME] [-s SEED]
 *
 * What it does: K sender threads, each with its own socket (so its own
 * source port and TCP connection), send N messages in all to ADDR:PORT,
 * as fast as they can or at RATE messages per second in all.  Messages
 * look like a hypervisor's syslog: kernel (KVM, bridge, EDAC, NVMe, MCE),
 * libvirtd, QEMU, Open vSwitch, sshd, smartd and systemd lines with
 * varying numbers, 150 to 250 bytes each, in RFC 5424 or RFC 3164 format
 * or a mix of both.  UDP sends one message per datagram (sendmmsg(2) in
 * batches); "tcp" frames with octet counting (RFC 6587 section 3.4.1),
 * "tcp-lf" with a trailing LF (section 3.4.2).
 *
 * Each sender formats a pool of distinct messages before the clock starts
 * and cycles through it, so that the generator spends its time in the
 * kernel, not in snprintf: on a small machine the senders share the CPUs
 * with the receiver being measured.
 *
 * It prints one line on standard output:
 *   loadgen: mode=udp senders=4 sent=N bytes=B errors=E t0=S.NNNNNNNNN
 *            elapsed=S rate=R
 * t0 is the wall-clock time (CLOCK_REALTIME) just before the first send,
 * so a script can time the receiver from that moment; elapsed and rate
 * are the senders' own view (for UDP, what the kernel accepted, not what
 * the receiver kept).  errors counts failed sends that were retried.
 *
 * What it does not do: receive anything, check delivery, resolve names
 * (ADDR is a numeric IPv4 or IPv6 address) or shape bursts beyond the
 * average rate.  Exit status: 0 all sent, 1 a sender failed (connection
 * refused or reset), 2 usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg(2) */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* At most this many sender threads. */
#define MAX_SENDERS 64
/* Distinct messages formatted per sender before the run; the pool is
 * cycled.  Costs POOL_MSGS * MSG_CAP bytes per sender. */
#define POOL_MSGS 2048
/* Room for one formatted message with its octet-count prefix. */
#define MSG_CAP 320
/* Datagrams per sendmmsg(2) call. */
#define UDP_BATCH 32
/* Messages per write(2) on TCP (about 14 KiB). */
#define TCP_BATCH 64

enum mode { MODE_UDP, MODE_TCP_OC, MODE_TCP_LF };
enum fmt { FMT_5424, FMT_3164, FMT_MIX };

struct opts {
	struct sockaddr_storage dst;
	socklen_t dstlen;
	enum mode mode;
	enum fmt fmt;
	uint64_t n;
	unsigned k;
	double rate;            /* messages per second in all; 0: flat out */
	const char *hostname;
	uint64_t seed;
};

struct sender {
	pthread_t th;
	unsigned idx;
	uint64_t quota;         /* messages this sender sends */
	uint64_t sent;
	uint64_t bytes;
	uint64_t errors;
	int failed;
	char *pool;             /* POOL_MSGS framed messages, back to back */
	size_t off[POOL_MSGS + 1];
};

static struct opts o;
static struct sender senders[MAX_SENDERS];
static pthread_barrier_t start_barrier;
static struct timespec t_start;

/* ---- message pool ------------------------------------------------------ */

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64*: fast, deterministic per seed, good enough for
	 * varying numbers in log lines. */
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static unsigned
pick(uint64_t *s, unsigned n)
{
	return (unsigned)(rnd(s) % n);
}

/* One message text (after the header); returns the facility*8+severity
 * and the application name and PID through the pointers. */
static int
gen_text(uint64_t *s, char *buf, size_t cap, const char **app, int *pid,
    double uptime)
{
	unsigned long up_s = (unsigned long)uptime;
	unsigned long up_us = (unsigned long)((uptime - (double)up_s) * 1e6);
	/* Weights: mostly kernel and libvirt, as on a busy hypervisor. */
	unsigned t = pick(s, 16);

	*pid = 0;
	*app = "kernel";
	switch (t) {
	case 0:
	case 1:
		snprintf(buf, cap, "[%lu.%06lu] kvm [%u]: vcpu%u, guest rIP: "
		    "0xffffffff%08x unhandled rdmsr: 0x%x data 0x0",
		    up_s, up_us, 1000 + pick(s, 60000), pick(s, 32),
		    (unsigned)rnd(s), 0x600 + pick(s, 0x200));
		return 0 * 8 + 4;
	case 2:
	case 3:
		snprintf(buf, cap, "[%lu.%06lu] br0: port %u(vnet%u) entered "
		    "%s state (virbr%u, mtu %u, link speed %u Mbps)", up_s,
		    up_us, 1 + pick(s, 40), pick(s, 200),
		    pick(s, 2) ? "forwarding" : "blocking", pick(s, 4),
		    pick(s, 2) ? 1500 : 9000, pick(s, 2) ? 10000 : 25000);
		return 0 * 8 + 6;
	case 4:
		snprintf(buf, cap, "[%lu.%06lu] EDAC MC%u: 1 CE memory read "
		    "error on CPU_SrcID#%u_Ha#0_Chan#%u_DIMM#%u (channel:%u "
		    "slot:0 page:0x%x offset:0x0 grain:32)", up_s, up_us,
		    pick(s, 2), pick(s, 2), pick(s, 4), pick(s, 2), pick(s, 4),
		    pick(s, 0x400000));
		return 0 * 8 + 3;
	case 5:
		snprintf(buf, cap, "[%lu.%06lu] blk_update_request: I/O error, "
		    "dev nvme%un1, sector %u op 0x1:(WRITE) flags 0x800 "
		    "phys_seg %u prio class 0", up_s, up_us, pick(s, 4),
		    (unsigned)rnd(s) >> 4, 1 + pick(s, 32));
		return 0 * 8 + 4;
	case 6:
		snprintf(buf, cap, "[%lu.%06lu] mce: [Hardware Error]: Machine "
		    "check events logged (bank %u, status 0x%016" PRIx64 ")",
		    up_s, up_us, pick(s, 24), rnd(s));
		return 0 * 8 + 2;
	case 7:
	case 8:
		*app = "libvirtd";
		*pid = 1000 + (int)pick(s, 4000);
		snprintf(buf, cap, "%u: error : qemuMonitorIO:%u : internal "
		    "error: End of file from qemu monitor (vm=instance-%08x, "
		    "fd=%u)", pick(s, 100000), 500 + pick(s, 200),
		    (unsigned)rnd(s), 20 + pick(s, 200));
		return 3 * 8 + 3;
	case 9:
	case 10:
		*app = "libvirtd";
		*pid = 1000 + (int)pick(s, 4000);
		snprintf(buf, cap, "%u: warning : "
		    "qemuDomainObjBeginJobInternal:%u : Cannot start job "
		    "(query, none) for domain instance-%08x; current job is "
		    "(async nested, migration out) for (%us, %us)",
		    pick(s, 100000), 9000 + pick(s, 900),
		    (unsigned)rnd(s), pick(s, 120), pick(s, 120));
		return 3 * 8 + 4;
	case 11:
		*app = "qemu-system-x86_64";
		*pid = 10000 + (int)pick(s, 50000);
		snprintf(buf, cap, "terminating on signal 15 from pid %u "
		    "(/usr/sbin/libvirtd) for domain instance-%08x "
		    "(uuid %08x-%04x-4%03x-a%03x-%012" PRIx64 ")",
		    1000 + pick(s, 4000), (unsigned)rnd(s), (unsigned)rnd(s),
		    pick(s, 0x10000), pick(s, 0x1000), pick(s, 0x1000),
		    rnd(s) >> 16);
		return 3 * 8 + 5;
	case 12:
		*app = "ovs-vswitchd";
		*pid = 900 + (int)pick(s, 100);
		snprintf(buf, cap, "ovs|%05u|bridge|INFO|bridge br-int: added "
		    "interface tap%08x-%02x on port %u (mac fa:16:3e:%02x:%02x:"
		    "%02x)", pick(s, 100000), (unsigned)rnd(s), pick(s, 256),
		    1 + pick(s, 500), pick(s, 256), pick(s, 256), pick(s, 256));
		return 3 * 8 + 6;
	case 13:
		*app = "sshd";
		*pid = 20000 + (int)pick(s, 40000);
		snprintf(buf, cap, "Accepted publickey for root from "
		    "10.77.%u.%u port %u ssh2: ECDSA SHA256:%016" PRIx64
		    "%016" PRIx64 "%011" PRIx64, pick(s, 256), 1 + pick(s, 254),
		    32768 + pick(s, 28000), rnd(s), rnd(s), rnd(s) >> 20);
		return 10 * 8 + 6;
	case 14:
		*app = "smartd";
		*pid = 800 + (int)pick(s, 100);
		snprintf(buf, cap, "Device: /dev/sd%c [SAT], SMART Usage "
		    "Attribute: 194 Temperature_Celsius changed from %u to %u "
		    "(serial S%08X, %u power-on hours)", 'a' + (int)pick(s, 8),
		    28 + pick(s, 20), 28 + pick(s, 20), (unsigned)rnd(s),
		    pick(s, 50000));
		return 3 * 8 + 6;
	default:
		*app = "systemd";
		*pid = 1;
		snprintf(buf, cap, "session-%u.scope: Deactivated "
		    "successfully. Consumed %u.%03us CPU time, %u.%uM "
		    "memory peak, %u.%uM memory swap peak.", pick(s, 100000),
		    pick(s, 30), pick(s, 1000), pick(s, 200), pick(s, 10),
		    pick(s, 20), pick(s, 10));
		return 3 * 8 + 6;
	}
}

/* One whole message (header and text) into buf; returns its length. */
static size_t
gen_message(uint64_t *s, unsigned i, char *buf, size_t cap)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	char text[256];
	const char *app;
	int pid, n;
	time_t now = time(NULL) + (time_t)(i / 64);
	struct tm tm;
	gmtime_r(&now, &tm);
	int pri = gen_text(s, text, sizeof(text), &app, &pid,
	    86400.0 + (double)i * 0.0173);
	int rfc5424 = o.fmt == FMT_5424 || (o.fmt == FMT_MIX && (i & 1));

	if (rfc5424) {
		char procid[16];
		if (pid)
			snprintf(procid, sizeof(procid), "%d", pid);
		else
			snprintf(procid, sizeof(procid), "-");
		n = snprintf(buf, cap, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d."
		    "%06uZ %s %s %s - - %s", pri, tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, pick(s, 1000000), o.hostname, app, procid, text);
	} else if (pid) {
		n = snprintf(buf, cap, "<%d>%s %2d %02d:%02d:%02d %s %s[%d]: "
		    "%s", pri, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, o.hostname, app, pid, text);
	} else {
		n = snprintf(buf, cap, "<%d>%s %2d %02d:%02d:%02d %s %s: %s",
		    pri, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec, o.hostname, app, text);
	}
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Formats the sender's pool, framed for the mode, back to back. */
static int
build_pool(struct sender *sd)
{
	uint64_t s = o.seed * 0x9e3779b97f4a7c15ULL + sd->idx + 1;
	char m[MSG_CAP];

	sd->pool = malloc((size_t)POOL_MSGS * MSG_CAP);
	if (!sd->pool)
		return -1;
	size_t at = 0;
	for (unsigned i = 0; i < POOL_MSGS; i++) {
		size_t len = gen_message(&s, i, m, sizeof(m) - 16);
		sd->off[i] = at;
		if (o.mode == MODE_TCP_OC)
			at += (size_t)sprintf(sd->pool + at, "%zu ", len);
		memcpy(sd->pool + at, m, len);
		at += len;
		if (o.mode == MODE_TCP_LF)
			sd->pool[at++] = '\n';
	}
	sd->off[POOL_MSGS] = at;
	return 0;
}

/* ---- sending ----------------------------------------------------------- */

static double
ts_sub(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) +
	    (double)(a->tv_nsec - b->tv_nsec) / 1e9;
}

/* Sleeps until this sender is due to send its message number 'sent'
 * (rate mode only). */
static void
pace(uint64_t sent)
{
	if (o.rate <= 0)
		return;
	double per = o.rate / o.k;     /* this sender's share */
	double due = (double)sent / per;
	struct timespec t = t_start;
	t.tv_sec += (time_t)due;
	t.tv_nsec += (long)((due - (double)(time_t)due) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) ==
	    EINTR)
		;
}

static int
open_socket(int type)
{
	int fd = socket(o.dst.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&o.dst, o.dstlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
send_udp(struct sender *sd, int fd)
{
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	unsigned at = 0;

	memset(mm, 0, sizeof(mm));
	while (sd->sent < sd->quota) {
		uint64_t left = sd->quota - sd->sent;
		unsigned b = left < UDP_BATCH ? (unsigned)left : UDP_BATCH;
		pace(sd->sent);
		for (unsigned j = 0; j < b; j++) {
			unsigned i = (at + j) % POOL_MSGS;
			iov[j].iov_base = sd->pool + sd->off[i];
			iov[j].iov_len = sd->off[i + 1] - sd->off[i];
			mm[j].msg_hdr.msg_iov = &iov[j];
			mm[j].msg_hdr.msg_iovlen = 1;
		}
		int r = sendmmsg(fd, mm, b, 0);
		if (r < 0) {
			/* ECONNREFUSED (an ICMP error from an earlier
			 * datagram) and ENOBUFS are transient here. */
			sd->errors++;
			if (errno != ECONNREFUSED && errno != ENOBUFS &&
			    errno != EAGAIN && errno != EINTR) {
				sd->failed = 1;
				return;
			}
			if (sd->errors > 1000000) {
				sd->failed = 1;
				return;
			}
			sched_yield();
			continue;
		}
		for (int j = 0; j < r; j++)
			sd->bytes += iov[j].iov_len;
		sd->sent += (uint64_t)r;
		at = (at + (unsigned)r) % POOL_MSGS;
	}
}

static int
write_all(int fd, const char *p, size_t n, uint64_t *errors)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				(*errors)++;
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
send_tcp(struct sender *sd, int fd)
{
	unsigned at = 0;

	while (sd->sent < sd->quota) {
		uint64_t left = sd->quota - sd->sent;
		unsigned b = left < TCP_BATCH ? (unsigned)left : TCP_BATCH;
		if (at + b > POOL_MSGS)
			b = POOL_MSGS - at;    /* one contiguous run */
		pace(sd->sent);
		size_t len = sd->off[at + b] - sd->off[at];
		if (write_all(fd, sd->pool + sd->off[at], len, &sd->errors) <
		    0) {
			sd->failed = 1;
			return;
		}
		sd->bytes += len;
		sd->sent += b;
		at = (at + b) % POOL_MSGS;
	}
}

static void *
sender_main(void *arg)
{
	struct sender *sd = arg;
	int tcp = o.mode != MODE_UDP;
	int fd = open_socket(tcp ? SOCK_STREAM : SOCK_DGRAM);

	if (fd < 0) {
		fprintf(stderr, "loadgen: sender %u: connect: %s\n", sd->idx,
		    strerror(errno));
		sd->failed = 1;
	}
	/* Everyone starts together, so that t0 is the first send. */
	pthread_barrier_wait(&start_barrier);
	if (fd < 0)
		return NULL;
	if (tcp)
		send_tcp(sd, fd);
	else
		send_udp(sd, fd);
	if (sd->failed)
		fprintf(stderr, "loadgen: sender %u: send: %s\n", sd->idx,
		    strerror(errno));
	if (tcp)
		shutdown(fd, SHUT_WR);
	close(fd);
	return NULL;
}

/* ---- options ----------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen -p PORT [-a ADDR] [-m udp|tcp|tcp-lf] [-n N] "
	    "[-k K]\n"
	    "               [-r RATE] [-f 5424|3164|mix] [-H HOSTNAME] "
	    "[-s SEED]\n"
	    "  -a ADDR   numeric IPv4/IPv6 destination (127.0.0.1)\n"
	    "  -m MODE   udp, tcp (octet-counted) or tcp-lf (udp)\n"
	    "  -n N      messages in all (100000)\n"
	    "  -k K      concurrent senders, 1..%d (4)\n"
	    "  -r RATE   messages per second in all; 0 = flat out (0)\n"
	    "  -f FMT    RFC 5424, RFC 3164 or a mix (mix)\n"
	    "  -H NAME   HOSTNAME field of the messages (hv01)\n"
	    "  -s SEED   seed of the message mix (1)\n", MAX_SENDERS);
	exit(2);
}

static uint64_t
num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		usage();
	return (uint64_t)v;
}

static void
parse_args(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	long port = -1;
	int c;

	o.mode = MODE_UDP;
	o.fmt = FMT_MIX;
	o.n = 100000;
	o.k = 4;
	o.hostname = "hv01";
	o.seed = 1;
	while ((c = getopt(argc, argv, "a:p:m:n:k:r:f:H:s:")) != -1) {
		switch (c) {
		case 'a': addr = optarg; break;
		case 'p': port = (long)num(optarg); break;
		case 'n': o.n = num(optarg); break;
		case 'k': o.k = (unsigned)num(optarg); break;
		case 'r': o.rate = (double)num(optarg); break;
		case 's': o.seed = num(optarg); break;
		case 'H': o.hostname = optarg; break;
		case 'm':
			if (!strcmp(optarg, "udp"))
				o.mode = MODE_UDP;
			else if (!strcmp(optarg, "tcp"))
				o.mode = MODE_TCP_OC;
			else if (!strcmp(optarg, "tcp-lf"))
				o.mode = MODE_TCP_LF;
			else
				usage();
			break;
		case 'f':
			if (!strcmp(optarg, "5424"))
				o.fmt = FMT_5424;
			else if (!strcmp(optarg, "3164"))
				o.fmt = FMT_3164;
			else if (!strcmp(optarg, "mix"))
				o.fmt = FMT_MIX;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc || port < 1 || port > 65535 || o.k < 1 ||
	    o.k > MAX_SENDERS || strlen(o.hostname) > 64)
		usage();
	memset(&o.dst, 0, sizeof(o.dst));
	struct sockaddr_in *s4 = (void *)&o.dst;
	struct sockaddr_in6 *s6 = (void *)&o.dst;
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		o.dstlen = sizeof(*s4);
	} else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		o.dstlen = sizeof(*s6);
	} else {
		fprintf(stderr, "loadgen: %s: not a numeric address\n", addr);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	static const char *const mode_name[] = {"udp", "tcp", "tcp-lf"};
	struct timespec t_end, wall;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	for (unsigned i = 0; i < o.k; i++) {
		senders[i].idx = i;
		senders[i].quota = o.n / o.k + (i < o.n % o.k);
		if (build_pool(&senders[i]) < 0) {
			fprintf(stderr, "loadgen: out of memory\n");
			return 1;
		}
	}
	pthread_barrier_init(&start_barrier, NULL, o.k + 1);
	for (unsigned i = 0; i < o.k; i++)
		if (pthread_create(&senders[i].th, NULL, sender_main,
		    &senders[i]) != 0) {
			fprintf(stderr, "loadgen: cannot start a thread\n");
			return 1;
		}
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	pthread_barrier_wait(&start_barrier);

	uint64_t sent = 0, bytes = 0, errors = 0;
	int failed = 0;
	for (unsigned i = 0; i < o.k; i++) {
		pthread_join(senders[i].th, NULL);
		sent += senders[i].sent;
		bytes += senders[i].bytes;
		errors += senders[i].errors;
		failed |= senders[i].failed;
		free(senders[i].pool);
	}
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	double el = ts_sub(&t_end, &t_start);
	printf("loadgen: mode=%s senders=%u sent=%" PRIu64 " bytes=%" PRIu64
	    " errors=%" PRIu64 " t0=%lld.%09ld elapsed=%.6f rate=%.0f\n",
	    mode_name[o.mode], o.k, sent, bytes, errors,
	    (long long)wall.tv_sec, wall.tv_nsec, el,
	    el > 0 ? (double)sent / el : 0.0);
	return failed ? 1 : 0;
}
