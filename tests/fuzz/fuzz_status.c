/*
 * fuzz_status.c - arbitrary bytes into the status request path: TCP frame
 * header, request decoding, the signed-command check (MAC, command
 * decoding, time window and nonce table), and reply encoding with host
 * paging into a buffer of fuzzer-chosen size.  Nothing may crash, read
 * out of bounds or loop; the checks below state the invariants.
 *
 * Since random bytes never carry a valid MAC, the input is also signed
 * with the test key and checked as a command, so that the Command
 * decoder and the replay checks see fuzzed timestamps and nonces.
 *
 * Needs the nanopb runtime and the generated code: see
 * FUZZ_EXTRA_fuzz_status in the Makefile.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec.h"
#include "err.h"

#define NOW ((int64_t)1800000000)

static struct auth a;
static struct hosts hosts;
static struct ingest in;
static vigil_Request req;
static vigil_Reply rep;
static vigil_Command cmd;
static vigil_SignedCommand sc;
static uint8_t out[VIGIL_STATUS_MAX_FRAME];
static const uint8_t key[32] = "fuzz key: 32 bytes for the HMAC";
static int ready;

static void
setup(void)
{
	auth_init(&a, key, sizeof(key));
	hosts_init(&hosts);
	for (int i = 0; i < VIGIL_MAX_HOSTS; i++) {
		char name[VIGIL_MAX_NAME + 1];
		struct hosts_addr ad = {.family = 6};
		memset(name, 'h', VIGIL_MAX_NAME);
		name[VIGIL_MAX_NAME] = 0;
		name[0] = (char)('a' + i % 26);
		name[1] = (char)('a' + i / 26 % 26);
		int h = hosts_add(&hosts, name);
		assert(h >= 0);
		for (int j = 0; j < VIGIL_MAX_HOST_ADDRS; j++) {
			memset(ad.bytes, 0xfe, sizeof(ad.bytes));
			ad.bytes[14] = (uint8_t)i;
			ad.bytes[15] = (uint8_t)j;
			hosts_add_addr(&hosts, h, &ad);
		}
	}
	/* The largest page: every host with the longest strings, reasons
	 * whose templates are the longest lines the miner keeps, one of
	 * them retired (evicted from the tiny miner). */
	struct syslog_cfg scfg = {0};
	struct drain_cfg dcfg;
	char line[VIGIL_DRAIN_MAX_LINE];
	drain_cfg_default(&dcfg);
	assert(ingest_init(&in, &hosts, &scfg, &dcfg) == 0);
	for (unsigned h = 0; h < in.hosts.n; h++) {
		in.hosts.h[h].c.messages = UINT64_MAX;
		memset(in.hosts.h[h].c.last_hostname, 'x', VIGIL_MAX_HOSTNAME);
		for (int k = 0; k <= VIGIL_PREDICT_REASONS; k++) {
			memset(line, 'a' + k, sizeof(line));
			line[0] = (char)('a' + (int)h % 26);
			int id = drain_add(&in.drain, line, sizeof(line));
			predict_observe(&in.predict, h, id, 0, 3,
			    (int64_t)k * 1000, NULL);
		}
	}
	ready = 1;
}

static void
check_command(const vigil_SignedCommand *s, int64_t now)
{
	vigil_Result r = codec_check_command(&a, s, now, &cmd);
	assert(r >= vigil_Result_RESULT_OK && r <= vigil_Result_RESULT_BUSY);
	if (r == vigil_Result_RESULT_OK) {
		assert(cmd.nonce.size >= AUTH_NONCE_MIN);
		assert(cmd.nonce.size <= VIGIL_AUTH_NONCE_MAX);
		assert(cmd.timestamp >= now - VIGIL_AUTH_WINDOW_S &&
		    cmd.timestamp <= now + VIGIL_AUTH_WINDOW_S);
		/* The same command again is a replay. */
		assert(codec_check_command(&a, s, now, &cmd) ==
		    vigil_Result_RESULT_REPLAY);
	}
	assert(a.stats.nonces_used <= VIGIL_MAX_NONCES);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t hl = 0, bl = 0, len = 0;

	if (!ready)
		setup();

	int f = codec_frame_header(data, size, &hl, &bl);
	assert(f == 0 || f == 1 || f == VIGIL_EFRAME || f == VIGIL_E2BIG);
	if (f == 1)
		assert(hl <= CODEC_VARINT_MAX && bl <= VIGIL_STATUS_MAX_FRAME);

	/* The time moves with the input so that the window and the nonce
	 * table's expiry are exercised too. */
	int64_t now = NOW + (size ? data[0] % 4 * VIGIL_AUTH_WINDOW_S : 0);

	if (codec_decode_request(data, size, &req) == 0) {
		if (req.which_body == vigil_Request_command_tag)
			check_command(&req.body.command, now);
		memset(&rep, 0, sizeof(rep));
		rep.id = req.id;
		if (req.which_body == vigil_Request_hosts_tag) {
			const vigil_HostsQuery *q = &req.body.hosts;
			codec_fill_hosts(&rep.hosts, &in, NULL, q->first,
			    q->max_hosts);
			rep.has_hosts = true;
			assert(rep.hosts.hosts_count <= in.hosts.n);
		}
		/* A reply into a buffer of input-chosen size: paging shrinks
		 * it or it is refused, never overflows. */
		size_t cap = (size_t)(req.id % sizeof(out));
		if (codec_encode_reply(&rep, out, cap, &len, 1) == 0)
			assert(len <= cap);
	}

	/* The input as the bytes of a command, correctly signed. */
	if (size <= sizeof(sc.command.bytes)) {
		memset(&sc, 0, sizeof(sc));
		memcpy(sc.command.bytes, data, size);
		sc.command.size = (pb_size_t)size;
		auth_mac(key, sizeof(key), data, size, sc.mac.bytes);
		sc.mac.size = AUTH_MAC_LEN;
		check_command(&sc, now);
		/* One flipped MAC bit is always refused. */
		sc.mac.bytes[size % AUTH_MAC_LEN] ^= 1;
		assert(codec_check_command(&a, &sc, now, &cmd) ==
		    vigil_Result_RESULT_AUTH);
	}
	return 0;
}
