/*
 * err.h - vigil's one error-code family.
 *
 * Fallible functions return int: 0 for success, or a negative VIGIL_E*
 * code from the table below.  errno values, libuv's UV_E* and libssh2's
 * LIBSSH2_ERROR_* are translated in platform/ and never passed through, so
 * one int never carries two families of codes.
 */
#ifndef VIGIL_ERR_H
#define VIGIL_ERR_H

/* X(name, value, message) */
#define VIGIL_ERRNO_MAP(X)                                                     \
	X(EINVAL, -1, "invalid argument")                                          \
	X(ENOSPC, -2, "table full")                                                \
	X(E2BIG, -3, "input larger than the limit")                                \
	X(EPARSE, -4, "malformed input")                                           \
	X(EFRAME, -5, "malformed frame")                                           \
	X(EAGAIN, -6, "need more input")                                           \
	X(ENOMEM, -7, "arena exhausted")                                           \
	X(EIO, -8, "input/output error")                                           \
	X(ENOENT, -9, "not found")                                                 \
	X(EACCES, -10, "not allowed")                                              \
	X(EAUTH, -11, "authentication failed")                                     \
	X(EREPLAY, -12, "replayed or stale request")                               \
	X(EVERSION, -13, "unsupported version")                                    \
	X(ECORRUPT, -14, "corrupt data")                                           \
	X(ECONFIG, -15, "configuration error")                                     \
	X(EADDR, -16, "address error")                                             \
	X(ETIMEDOUT, -17, "timed out")                                             \
	X(ECLOSED, -18, "connection closed")                                       \
	X(EHOSTKEY, -19, "host key mismatch")                                      \
	X(EUNSUPP, -20, "unsupported")                                             \
	X(ENOTCONN, -21, "not connected")

enum vigil_err {
#define VIGIL_ERR_ENUM(name, value, msg) VIGIL_##name = (value),
	VIGIL_ERRNO_MAP(VIGIL_ERR_ENUM)
#undef VIGIL_ERR_ENUM
};

/* The message for an error code; never NULL ("unknown error" for codes
 * outside the table, "ok" for 0). */
const char *vigil_strerror(int err);

/* The symbolic name ("VIGIL_ENOSPC"), never NULL. */
const char *vigil_errname(int err);

#endif /* VIGIL_ERR_H */
