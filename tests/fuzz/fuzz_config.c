/* fuzz_config.c - arbitrary bytes as a configuration file: the parser
 * never crashes, never reads past the input, and either accepts with
 * every value inside its limits or reports at least one error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vigil_config cfg;
	static struct config_errors errs;

	int r = config_parse((const char *)data, size, &cfg, &errs);
	if (r == 0) {
		if (cfg.hosts.n > VIGIL_MAX_HOSTS || cfg.nnoc > VIGIL_MAX_NOC_ALLOW ||
		    cfg.max_msg > VIGIL_MAX_MSG || cfg.psk_len > VIGIL_MAX_PSK ||
		    cfg.max_tcp_conn > VIGIL_MAX_TCP_CONN)
			abort();
		if (!cfg.syslog_udp.enabled && !cfg.syslog_tcp.enabled)
			abort();
	} else if (r != VIGIL_ECONFIG || errs.total == 0 ||
	    errs.n > VIGIL_MAX_CONFIG_ERRORS) {
		abort();
	}
	return 0;
}
