/* test_config.c - the configuration parser (firmware/config.c, which is
 * pure and so tested directly). */
#include "unit.h"
#include "../../core/err.h"
#include "../../firmware/config.c"

static struct vigil_config cfg;
static struct config_errors errs;

static int
parse(const char *text)
{
	return config_parse(text, strlen(text), &cfg, &errs);
}

TEST(config_minimal_file_parses)
{
	CHECK_EQ(parse("syslog_udp 127.0.0.1:5514\nhost a 127.0.0.1\n"), 0);
	CHECK_EQ(cfg.syslog_udp.enabled, 1);
	CHECK_EQ(cfg.syslog_udp.port, 5514);
	CHECK_EQ(cfg.syslog_tcp.enabled, 0);
	CHECK_EQ(cfg.hosts.n, 1);
	CHECK_EQ(cfg.tcp_idle_s, 300);
	CHECK_EQ(cfg.max_msg, VIGIL_MAX_MSG);
}

TEST(config_every_directive)
{
	const char *t =
	    "# comment\n"
	    "  user vigil   # trailing comment\r\n"
	    "pidfile /run/vigild.pid\n"
	    "log_file /var/log/vigild.log\n"
	    "syslog_udp [::1]:514\n"
	    "syslog_tcp 0.0.0.0:514\n"
	    "status_tcp 127.0.0.1:5515\n"
	    "status_udp off\n"
	    "tcp_idle_timeout 30\n"
	    "max_tcp_connections 1\n"
	    "max_message 480\n"
	    "time_source message\n"
	    "syslog_timezone -0130\n"
	    "noc_allow 10.0.0.0/8\n"
	    "noc_key 00112233445566778899aabbccddeeff\n"
	    "host hvA 10.77.42.1\n";
	CHECK_EQ(parse(t), 0);
	CHECK_STR(cfg.user, "vigil");
	CHECK_STR(cfg.pidfile, "/run/vigild.pid");
	CHECK_EQ(cfg.syslog_udp.addr.family, 6);
	CHECK_EQ(cfg.syslog_udp.port, 514);
	CHECK_EQ(cfg.status_udp.enabled, 0);
	CHECK_EQ(cfg.tcp_idle_s, 30);
	CHECK_EQ(cfg.max_msg, 480);
	CHECK_EQ(cfg.time_from_message, 1);
	CHECK_EQ(cfg.tz_offset_s, -5400);
	CHECK_EQ(cfg.psk_len, 16);
	CHECK_EQ(cfg.psk[15], 0xff);
	CHECK(cfg.nnoc >= 1);
}

TEST(config_errors_name_their_lines)
{
	const char *t =
	    "syslog_udp 127.0.0.1:5514\n"
	    "bogus 1\n"
	    "\n"
	    "syslog_tcp 127.0.0.1:99999\n"
	    "host bad;name 10.0.0.1\n"
	    "noc_key abc\n";
	CHECK_EQ(parse(t), VIGIL_ECONFIG);
	CHECK(errs.n >= 4);
	CHECK_EQ(errs.e[0].line, 2);
	CHECK(strstr(errs.e[0].msg, "unknown directive") != NULL);
	CHECK_EQ(errs.e[1].line, 4);
	CHECK_EQ(errs.e[2].line, 5);
	CHECK_EQ(errs.e[3].line, 6);
}

TEST(config_capacities_beyond_limits_are_errors)
{
	char t[VIGIL_MAX_CONFIG];
	size_t n = 0;
	n += (size_t)snprintf(t + n, sizeof(t) - n, "syslog_udp 127.0.0.1:1\n");
	for (int i = 0; i <= VIGIL_MAX_HOSTS && n < sizeof(t) - 64; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, "host h%d 10.0.%d.1\n",
		    i, i);
	CHECK_EQ(config_parse(t, n, &cfg, &errs), VIGIL_ECONFIG);
	CHECK(strstr(errs.e[0].msg, "VIGIL_MAX_HOSTS") != NULL);
	CHECK_EQ(parse("syslog_udp 127.0.0.1:1\nmax_tcp_connections 100000\n"),
	    VIGIL_ECONFIG);
	CHECK_EQ(parse("syslog_udp 127.0.0.1:1\nmax_message 100\n"),
	    VIGIL_ECONFIG);
}

TEST(config_long_lines_nul_and_huge_files_refused)
{
	char t[VIGIL_MAX_CONFIG_LINE + 64];
	memset(t, 'x', sizeof(t));
	CHECK_EQ(config_parse(t, sizeof(t), &cfg, &errs), VIGIL_ECONFIG);
	CHECK(strstr(errs.e[0].msg, "VIGIL_MAX_CONFIG_LINE") != NULL);
	const char nul[] = "syslog_udp 127.0.0.1:1\nuser a\0b\n";
	CHECK_EQ(config_parse(nul, sizeof(nul) - 1, &cfg, &errs), VIGIL_ECONFIG);
	CHECK_EQ(errs.e[0].line, 2);
	CHECK_EQ(config_parse(t, VIGIL_MAX_CONFIG + 1, &cfg, &errs),
	    VIGIL_ECONFIG);
}

TEST(config_needs_a_syslog_listener)
{
	CHECK_EQ(parse("host a 127.0.0.1\n"), VIGIL_ECONFIG);
	CHECK(strstr(errs.e[0].msg, "no syslog listener") != NULL);
}

TEST(config_many_errors_are_counted_beyond_those_described)
{
	char t[4096];
	size_t n = 0;
	for (int i = 0; i < VIGIL_MAX_CONFIG_ERRORS + 5; i++)
		n += (size_t)snprintf(t + n, sizeof(t) - n, "x%d\n", i);
	CHECK_EQ(config_parse(t, n, &cfg, &errs), VIGIL_ECONFIG);
	CHECK_EQ(errs.n, VIGIL_MAX_CONFIG_ERRORS);
	CHECK(errs.total > errs.n);
}

TEST(config_noc_allow_list_prefixes)
{
	struct hosts_addr a;
	CHECK_EQ(parse("syslog_udp 127.0.0.1:1\nnoc_allow 10.1.0.0/16\n"), 0);
	hosts_parse_addr("10.1.200.3", 10, &a);
	CHECK_EQ(config_noc_allowed(&cfg, &a), 1);
	hosts_parse_addr("10.2.0.1", 8, &a);
	CHECK_EQ(config_noc_allowed(&cfg, &a), 0);
	hosts_parse_addr("::1", 3, &a);
	CHECK_EQ(config_noc_allowed(&cfg, &a), 0);
}

TEST(config_predict_parameters)
{
	CHECK_EQ(parse("syslog_udp 127.0.0.1:5514\n"
	    "predict w_other 0.2\n"
	    "predict severe 0.8\n"
	    "predict hold_s 60\n"), 0);
	CHECK(cfg.predict.w_other > 0.19 && cfg.predict.w_other < 0.21);
	CHECK(cfg.predict.t_severe > 0.79 && cfg.predict.t_severe < 0.81);
	CHECK_EQ(cfg.predict.hold_ms, 60000);
	/* Unknown parameter, bad value, missing value: each on its line. */
	CHECK_EQ(parse("syslog_udp 127.0.0.1:5514\n"
	    "predict nosuch 1\n"
	    "predict tau_s abc\n"
	    "predict tau_s\n"), VIGIL_ECONFIG);
	CHECK_EQ(errs.e[0].line, 2);
	CHECK(strstr(errs.e[0].msg, "unknown parameter") != NULL);
	CHECK_EQ(errs.e[1].line, 3);
	CHECK_EQ(errs.e[2].line, 4);
	/* Thresholds out of order are refused, naming the line that broke
	 * them, unless a later line mends them. */
	CHECK_EQ(parse("syslog_udp 127.0.0.1:5514\n"
	    "predict moderate 0.9\n"), VIGIL_ECONFIG);
	CHECK_EQ(errs.e[0].line, 2);
	CHECK_EQ(parse("syslog_udp 127.0.0.1:5514\n"
	    "predict moderate 0.9\n"
	    "predict severe 0.95\n"), 0);
}
