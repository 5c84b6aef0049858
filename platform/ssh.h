/*
 * ssh.h - SSH command execution on the libuv loop (libssh2, non-blocking).
 *
 * What it does: keeps one persistent SSH session per configured host and
 * runs commands on it, several at once, each on its own exec channel:
 *
 *   - the socket is a non-blocking TCP socket watched by a uv_poll_t;
 *     libssh2 runs in non-blocking mode and every call that answers
 *     LIBSSH2_ERROR_EAGAIN is repeated when the socket is ready in the
 *     direction libssh2_session_block_directions() names;
 *   - every step has a deadline on a uv timer (libssh2 has none in this
 *     mode): TCP connect, handshake, authentication, opening a channel,
 *     the command itself (the caller's timeout), closing a channel;
 *   - warm channels: a READY session keeps up to cfg.warm channels
 *     (VIGIL_SSH_WARM) opened ahead of need, in slots no command uses;
 *     ssh_exec() hands the command to one and writes the exec request
 *     before it returns, so a command does not wait for sshd to confirm a
 *     new channel (one round trip, milliseconds on a loaded host); the
 *     next warm channel is opened in the background.  Without a warm
 *     channel (all taken, or the server closed it) a command opens its own
 *     channel, as it would without them.  Warm channels take free slots
 *     only, so all VIGIL_SSH_MAX_CHANNELS remain for commands; sshd counts
 *     them against MaxSessions like any channel;
 *   - keepalives (keepalive@openssh.com with want-reply) on the same
 *     timer; a session that hears nothing for VIGIL_SSH_KEEPALIVE_MISSES
 *     intervals is declared dead;
 *   - a lost or failed session is reconnected with exponential backoff
 *     (VIGIL_SSH_BACKOFF_MIN_MS doubling up to VIGIL_SSH_BACKOFF_MAX_MS,
 *     reset by a successful authentication);
 *   - strict host keys: the server's key must be in the host's
 *     known_hosts file (OpenSSH format, plain or hashed names, "[addr]:port"
 *     for other ports than 22); an unknown or a changed key refuses the
 *     connection, logs an error line and counts;
 *   - public-key authentication with an ECDSA key pair (OpenSSH files);
 *   - only strong algorithms are offered: ecdh-sha2-nistp256/384/521 key
 *     exchange, ECDSA host keys, aes256/192/128-ctr, hmac-sha2-256/512,
 *     no compression.  (libssh2 1.10 on mbedTLS has no curve25519, no
 *     Ed25519, no AES-GCM and signs RSA with SHA-1 only, which modern
 *     OpenSSH refuses: ECDSA is the one usable key type.)
 *
 * Memory: every byte libssh2 and mbedTLS allocate comes from the arena's
 * ARENA_SSH zone (libssh2_session_init_ex, mbedtls_platform_set_calloc_
 * free), and libc allocations made inside libssh2 calls too (see arena.h);
 * key and known_hosts files are read with read(2) into fixed buffers, so
 * nothing here touches the main zone after start-up.  Each channel owns
 * fixed stdout/stderr buffers (VIGIL_SSH_MAX_OUT / VIGIL_SSH_MAX_ERR); more
 * output is read and dropped so the remote command never blocks, and the
 * result is flagged (SSH_OUT_TRUNCATED / SSH_ERR_TRUNCATED) and counted.
 *
 * What it does not do: build or check command lines (the caller passes
 * text it built from validated values; it is sent as is), resolve names
 * (addresses are numeric), keep commands alive across a lost session (a
 * command whose session drops ends with VIGIL_ECLOSED and is not
 * retried: only the caller knows whether running it twice is safe), or
 * kill a remote command: libssh2 1.10 cannot send the "signal" request,
 * so a command that times out (or is canceled) is reported at once, its
 * channel is closed from our side and its slot freed within a keepalive
 * round trip, while sshd lets the command run to its end (a `virsh
 * migrate` must be stopped with `virsh domjobabort`).  Should a channel
 * still not be freed after VIGIL_SSH_STEP_MS, the session is retired: no
 * new commands, reconnected once its other commands end.
 *
 * Threading: single-threaded, on the loop given to ssh_init().  Callbacks
 * run from loop callbacks, never from inside ssh_exec() or ssh_cancel().
 */
#ifndef VIGIL_SSH_H
#define VIGIL_SSH_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "limits.h"

/* Timing and retry settings; zero fields take the VIGIL_SSH_* defaults of
 * limits.h. */
struct ssh_cfg {
	uint32_t step_ms;        /* deadline of each connect step, channel
	                          * open and close */
	uint32_t keepalive_s;    /* keepalive interval */
	uint32_t backoff_min_ms; /* first reconnect delay */
	uint32_t backoff_max_ms; /* reconnect delay cap */
	uint32_t warm;           /* warm channels per session (at most
	                          * VIGIL_SSH_MAX_CHANNELS); SSH_WARM_NONE
	                          * for none */
};
#define SSH_WARM_NONE UINT32_MAX

/* One host's SSH endpoint.  Every string is copied; lengths are bounded
 * by VIGIL_MAX_NAME (name, user) and VIGIL_MAX_PATH (paths). */
struct ssh_host_cfg {
	const char *name;        /* for log lines */
	const char *addr;        /* numeric IPv4 or IPv6 address */
	uint16_t port;           /* 0 means 22 */
	const char *user;
	const char *pubkey;      /* OpenSSH public key file (ecdsa-sha2-*) */
	const char *privkey;     /* its private key, unencrypted */
	const char *known_hosts; /* OpenSSH known_hosts file */
};

/* Result flags. */
#define SSH_OUT_TRUNCATED 0x1u /* stdout was longer than VIGIL_SSH_MAX_OUT */
#define SSH_ERR_TRUNCATED 0x2u /* stderr was longer than VIGIL_SSH_MAX_ERR */
#define SSH_SIGNALED      0x4u /* the command died of a signal */
#define SSH_STARTED       0x8u /* the server accepted the exec request: on
                                * an error the command may have run, or
                                * may still be running */

/* What a command did.  out/err point into the channel's buffers and are
 * valid only during the callback; each is followed by a NUL, but the
 * output itself may contain NUL bytes: use the lengths. */
struct ssh_result {
	int handle;          /* as ssh_exec returned it */
	int host;
	/* Exit status 0..255; 128 + n when killed by signal n (SSH_SIGNALED;
	 * 255 + SSH_SIGNALED for a signal name it does not know); or a
	 * negative VIGIL_E* code:
	 *   VIGIL_ETIMEDOUT  the caller's timeout passed (counted);
	 *   VIGIL_ECLOSED    the session was lost or closed under it;
	 *   VIGIL_EACCES     the server refused the channel or the exec;
	 *   VIGIL_ENOMEM     the SSH zone of the arena was exhausted;
	 *   VIGIL_EIO        any other SSH failure. */
	int status;
	unsigned flags;      /* SSH_* above */
	const char *out;
	size_t outlen;
	const char *err;
	size_t errlen;
	/* Microseconds from the ssh_exec call until the exec request was
	 * written to the socket (the send() carrying it returned; within
	 * ssh_exec on a warm channel), and until the server accepted it (0
	 * when it never was), and milliseconds until this callback. */
	uint32_t written_us;
	uint32_t started_us;
	uint32_t elapsed_ms;
};

typedef void (*ssh_exec_cb)(void *ctx, const struct ssh_result *r);

/* Session states (ssh_host_state). */
enum ssh_state {
	SSH_ST_UNUSED = 0,   /* no host at this index */
	SSH_ST_BACKOFF,      /* waiting to reconnect */
	SSH_ST_CONNECTING,   /* TCP, handshake, host key, authentication */
	SSH_ST_READY,        /* authenticated: ssh_exec accepted */
	SSH_ST_RETIRING,     /* finishing its commands before a reconnect */
	SSH_ST_CLOSING       /* being torn down */
};

/* Counters, per host and summed over hosts (ssh_stats). */
struct ssh_stats {
	uint64_t connects;         /* sessions authenticated */
	uint64_t connect_failures; /* attempts that did not reach READY */
	uint64_t hostkey_mismatch; /* key differs from known_hosts: refused */
	uint64_t hostkey_unknown;  /* host or key type not in known_hosts */
	uint64_t known_hosts_bad;  /* known_hosts unreadable or too large */
	uint64_t known_hosts_skipped; /* lines libssh2 could not parse */
	uint64_t auth_failures;    /* public key refused by the server */
	uint64_t step_timeouts;    /* a connect, open or close step too slow */
	uint64_t keepalive_dead;   /* sessions silent past the keepalives */
	uint64_t drops;            /* READY sessions lost */
	uint64_t retired;          /* sessions retired (channel stuck) */
	uint64_t keepalives;       /* keepalive requests sent */
	uint64_t execs;            /* commands accepted by ssh_exec */
	uint64_t exec_ok;          /* ended with exit status 0 */
	uint64_t exec_nonzero;     /* ended with another status or signal */
	uint64_t exec_errors;      /* ended with a negative code */
	uint64_t exec_timeouts;    /* of which: caller's timeout */
	uint64_t exec_canceled;    /* ssh_cancel */
	uint64_t refused_not_ready;/* ssh_exec: no READY session */
	uint64_t refused_no_slot;  /* ssh_exec: every channel busy */
	uint64_t truncated;        /* results with a truncated output */
	uint64_t bytes_in;         /* channel data read (stdout + stderr) */
	uint64_t bytes_out;        /* command bytes sent */
	uint64_t wire_in;          /* bytes received on the sockets */
	uint64_t wire_out;         /* bytes sent on the sockets */
	uint64_t nomem;            /* libssh2 calls failed for memory */
	uint64_t warm_opened;      /* warm channels opened */
	uint64_t warm_used;        /* commands given an open warm channel */
	uint64_t warm_lost;        /* warm channels the server refused or
	                            * closed */
	uint32_t channels_open;    /* channel slots commands use now */
	uint32_t channels_high;    /* most in use at once */
	uint32_t channels_warm;    /* warm channels open and waiting now */
	uint32_t write_us_last;    /* ssh_exec to request written, last */
	uint32_t write_us_max;
	uint32_t connect_ms_last;  /* TCP connect to READY, last */
	uint32_t connect_ms_max;
};

/* Prepares the module on loop: libssh2's global state and mbedTLS's
 * allocator (both on ARENA_SSH).  Call once, at start-up, before the
 * arena is sealed.  cfg may be NULL (defaults).  Returns 0 or
 * VIGIL_EIO (libssh2_init failed, logged). */
int ssh_init(uv_loop_t *loop, const struct ssh_cfg *cfg);

/* Configures host idx (0 <= idx < VIGIL_MAX_HOSTS) and starts its first
 * connection attempt.  The key and known_hosts files are read now to check
 * them, and again at every connection attempt (so they may be replaced
 * without a restart).  Returns 0, or:
 *   VIGIL_EINVAL  idx out of range or in use, a missing field, ssh_init
 *                 not called;
 *   VIGIL_E2BIG   a string or a file longer than its limit;
 *   VIGIL_EADDR   addr is not a numeric IPv4/IPv6 address;
 *   VIGIL_EIO     a file cannot be read;
 *   VIGIL_EUNSUPP the public key is not ECDSA (see above).
 * Each error is logged with the host's name. */
int ssh_host_add(int idx, const struct ssh_host_cfg *hc);

/* Runs cmd (at most VIGIL_SSH_MAX_CMD - 1 bytes, sent as is) on host's
 * session, with timeout_ms from now (0 = VIGIL_SSH_EXEC_MS) for the whole
 * command: opening the channel, running, reading every byte, the exit
 * status.  On an open warm channel the exec request is written to the
 * socket before this returns (called from one of this host's callbacks:
 * before that step ends; with the socket's send queue busy: once it has
 * room).  cb(ctx, result) is called exactly once, later, from the loop,
 * unless the handle is canceled first.  Returns a handle >= 0, or:
 *   VIGIL_EINVAL   bad host, empty cmd or cb NULL;
 *   VIGIL_E2BIG    cmd too long;
 *   VIGIL_ENOTCONN no READY session now (connecting, backoff, retiring);
 *   VIGIL_ENOSPC   all VIGIL_SSH_MAX_CHANNELS channels are busy with
 *                  commands.
 * Refusals are counted; nothing is queued. */
int ssh_exec(int host, const char *cmd, uint32_t timeout_ms, ssh_exec_cb cb,
    void *ctx);

/* Gives up a command: its callback will not be called, its channel is
 * closed (see "What it does not do").  Returns 0, or VIGIL_ENOENT when
 * the handle is not pending (finished, canceled, or never valid). */
int ssh_cancel(int handle);

/* enum ssh_state of host idx (SSH_ST_UNUSED for a bad index). */
int ssh_host_state(int idx);

/* The first error that ended the host's last failed attempt or session
 * (sticky until the next READY), 0 if none. */
int ssh_host_error(int idx);

/* Counters of host idx (zeros for a bad index), or, with idx < 0, summed
 * over every host (channels_* and *_last/_max: sum and max). */
void ssh_stats(int idx, struct ssh_stats *st);

/* Stops everything: every pending command ends with VIGIL_ECLOSED, every
 * session is disconnected and freed, every handle closed (the loop must
 * run once more for the close callbacks), libssh2's global state freed.
 * After the loop has run, the ARENA_SSH zone is back to what it was
 * before ssh_init. */
void ssh_close(void);

#endif /* VIGIL_SSH_H */
