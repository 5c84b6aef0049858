/* test_virsh.c - virsh output parsers on output captured from the real
 * virsh (libvirt 9.0, test driver, C locale), hostile domain names, and
 * the command builders.  Written against the limit macros so it passes
 * with the default and the tiny limits. */
#include "unit.h"

#include <stdint.h>

#include "../../core/err.h"
#include "../../core/virsh.h"

static struct virsh_list l;

/* `virsh -c test:///default list --all`. */
static const char list_default[] =
    " Id   Name   State\n"
    "----------------------\n"
    " 1    test   running\n"
    "\n";

/* A test-driver node with hostile names, after `destroy web-01` and
 * `suspend "a b"` (the UTF-8 name is padded by its byte count). */
static const char list_hostile[] =
    " Id   Name                                                                         State\n"
    "---------------------------------------------------------------------------------------------\n"
    " 2    a b                                                                          paused\n"
    " 3    h\xc3\xa9llo-w\xc3\xb6rld-\xc3\xbcn\xc3\xaf" "code                                                          running\n"
    " 4    $(x)                                                                         running\n"
    " 5    a;rm -rf x                                                                   running\n"
    " 6    `x`                                                                          running\n"
    " 7    a-very-long-domain-name-that-exceeds-the-sixty-four-byte-limit-of-vigil-xx   running\n"
    " -    web-01                                                                       shut off\n"
    "\n";

/* `virsh -c test:///default dominfo test`. */
static const char dominfo_test[] =
    "Id:             1\n"
    "Name:           test\n"
    "UUID:           6695eb01-f6a4-8304-79aa-97f2502e193f\n"
    "OS Type:        linux\n"
    "State:          running\n"
    "CPU(s):         2\n"
    "CPU time:       1796236835.9s\n"
    "Max memory:     8388608 KiB\n"
    "Used memory:    2097152 KiB\n"
    "Persistent:     yes\n"
    "Autostart:      disable\n"
    "Managed save:   no\n"
    "Security model: testSecurity\n"
    "Security DOI:   \n"
    "Security label: libvirt-test (enforcing)\n"
    "\n";

/* A live migration's domjobinfo, laid out with virsh 9.0's format strings
 * ("%-17s %-12llu ms", "%-17s %-.3lf %s", ...). */
static const char jobinfo_running[] =
    "Job type:         Unbounded   \n"
    "Operation:        Outgoing migration\n"
    "Time elapsed:     12035        ms\n"
    "Data processed:   1.236 GiB\n"
    "Data remaining:   512.500 MiB\n"
    "Data total:       8.016 GiB\n"
    "Memory processed: 1.236 GiB\n"
    "Memory remaining: 512.500 MiB\n"
    "Memory total:     8.016 GiB\n"
    "Memory bandwidth: 104.857 MiB/s\n"
    "Dirty rate:       18250        pages/s\n"
    "Page size:        4096         bytes\n"
    "Iteration:        3           \n"
    "Postcopy requests: 0           \n"
    "Constant pages:   1664307     \n"
    "Normal pages:     322153      \n"
    "Normal data:      1.229 GiB\n"
    "Expected downtime: 300          ms\n"
    "Setup time:       14           ms\n"
    "Auto converge throttle: 20           \n";

static int
parse_list(const char *s)
{
	return virsh_parse_list(s, strlen(s), &l);
}

TEST(virsh_list_real_default_driver)
{
	CHECK_EQ(parse_list(list_default), 0);
	CHECK_EQ(l.n, 1);
	CHECK_STR(l.dom[0].name, "test");
	CHECK_EQ(l.dom[0].id, 1);
	CHECK_EQ(l.dom[0].state, VIRSH_ST_RUNNING);
	CHECK_EQ(l.refused, 0);
	CHECK_EQ(l.bad_rows, 0);
}

TEST(virsh_list_hostile_names_refused_and_counted)
{
	CHECK_EQ(parse_list(list_hostile), 0);
	/* Only web-01 is usable: "a b", UTF-8, "$(x)", "a;rm -rf x", "`x`"
	 * and the 74-byte name are refused. */
	CHECK_EQ(l.refused, 6);
	CHECK_EQ(l.bad_rows, 0);
	CHECK_EQ(l.n, 1);
	CHECK_STR(l.dom[0].name, "web-01");
	CHECK_EQ(l.dom[0].id, -1);
	CHECK_EQ(l.dom[0].state, VIRSH_ST_SHUTOFF);
	/* The sample shown in a log has no shell-active characters. */
	CHECK(strchr(l.refused_shown, '`') == NULL);
	CHECK(strchr(l.refused_shown, '$') == NULL);
	CHECK(strlen(l.refused_shown) <= VIGIL_MAX_DOMNAME);
}

TEST(virsh_list_states_and_old_layout)
{
	const char *s =
	    " Id    Name                           State\n"
	    "----------------------------------------------------\n"
	    " 3     db1                            idle\n"
	    " 4     db2                            in shutdown\n"
	    " -     db3                            crashed\n"
	    " 5     db4                            pmsuspended\n"
	    " 6     db5                            no state\n"
	    " 7     db6                            blocked\n"
	    " 8     db7                            brand new state\n";
	CHECK_EQ(parse_list(s), 0);
	/* The unknown "brand new state" leaves "db7 ... brand new" as the
	 * name, which is refused. */
	CHECK_EQ(l.refused, 1);
	uint32_t want = VIGIL_MAX_VMS < 6 ? VIGIL_MAX_VMS : 6;
	CHECK_EQ(l.n, want);
	CHECK_EQ(l.dropped, 6 - want);
	int st[6] = {VIRSH_ST_IDLE, VIRSH_ST_SHUTDOWN, VIRSH_ST_CRASHED,
	    VIRSH_ST_PMSUSPENDED, VIRSH_ST_NOSTATE, VIRSH_ST_IDLE};
	for (uint32_t i = 0; i < l.n; i++)
		CHECK_EQ(l.dom[i].state, st[i]);
	CHECK_EQ(l.dom[0].id, 3);
	CHECK_STR(l.dom[0].name, "db1");
}

TEST(virsh_list_unknown_state_takes_last_word)
{
	CHECK_EQ(parse_list(" Id Name State\n 1 vm1 weird\n"), 0);
	CHECK_EQ(l.n, 1);
	CHECK_STR(l.dom[0].name, "vm1");
	CHECK_EQ(l.dom[0].state, VIRSH_ST_UNKNOWN);
}

TEST(virsh_list_full_table_drops_and_counts)
{
	static char buf[64 * (VIGIL_MAX_VMS + 4) + 64];
	size_t n = 0;
	n += (size_t)sprintf(buf + n, " Id   Name   State\n---\n");
	for (int i = 0; i < VIGIL_MAX_VMS + 3; i++)
		n += (size_t)sprintf(buf + n, " %d    vm%d   running\n", i + 1, i);
	CHECK_EQ(virsh_parse_list(buf, n, &l), 0);
	CHECK_EQ(l.n, VIGIL_MAX_VMS);
	CHECK_EQ(l.dropped, 3);
	char last[16];
	sprintf(last, "vm%d", VIGIL_MAX_VMS - 1);
	CHECK_STR(l.dom[VIGIL_MAX_VMS - 1].name, last);
	CHECK_EQ(l.dom[VIGIL_MAX_VMS - 1].id, VIGIL_MAX_VMS);
}

TEST(virsh_list_refuses_error_output_and_garbage)
{
	CHECK_EQ(parse_list("error: failed to connect to the hypervisor\n"),
	    VIGIL_EPARSE);
	CHECK_EQ(parse_list(""), VIGIL_EPARSE);
	CHECK_EQ(parse_list(" Id Name\n"), VIGIL_EPARSE);
	CHECK_EQ(virsh_parse_list(NULL, 0, &l), VIGIL_EPARSE);
	/* Header, then rows that are not rows. */
	CHECK_EQ(parse_list(" Id Name State\nx y z\n 1\n 12345678901 a running\n"
	                    " 1 running\n"),
	    0);
	CHECK_EQ(l.n, 0);
	CHECK_EQ(l.bad_rows, 4);
	/* An empty list is fine. */
	CHECK_EQ(parse_list(" Id   Name   State\n--------\n\n"), 0);
	CHECK_EQ(l.n, 0);
}

TEST(virsh_list_crlf_and_no_final_newline)
{
	const char *s = " Id   Name   State\r\n-----\r\n 1    test   running";
	CHECK_EQ(parse_list(s), 0);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.dom[0].state, VIRSH_ST_RUNNING);
}

TEST(virsh_name_check)
{
	static const char *const bad[] = {"a;rm -rf /", "$(x)", "`x`", "a b",
	    "-x", ".x", "", "x\n", "h\xc3\xa9llo", "a'b", "a\"b", "a|b", "a&b",
	    "a>b", "a*b", "a/b", "a\\b", "\t"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!virsh_name_ok(bad[i], strlen(bad[i])));
	CHECK(virsh_name_ok("web-01", 6));
	CHECK(virsh_name_ok("a.b_c-D9", 8));
	char longn[VIGIL_MAX_DOMNAME + 2];
	memset(longn, 'a', sizeof(longn));
	CHECK(virsh_name_ok(longn, VIGIL_MAX_DOMNAME));
	CHECK(!virsh_name_ok(longn, VIGIL_MAX_DOMNAME + 1));
	/* A NUL inside the length is refused too. */
	CHECK(!virsh_name_ok("ab\0c", 4));
	CHECK(!virsh_name_ok(NULL, 3));
}

TEST(virsh_target_check)
{
	static const char *const good[] = {"10.0.0.2", "hv-b", "root@hv-b",
	    "hv-b.example.net:2222", "[2001:db8::2]", "root@[2001:db8::2]:22"};
	static const char *const bad[] = {"", "-oProxyCommand=x", "a b",
	    "h;x", "$(x)", "[2001:db8::2", "[]", "[g::1]", "h:", "h:x",
	    "h:1:2", "@h", "u@", "[::1]x", "[::1]:", ":22", ".h", "h/x"};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(virsh_target_ok(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!virsh_target_ok(bad[i], strlen(bad[i])));
}

TEST(virsh_dominfo_real)
{
	struct virsh_dominfo di;
	CHECK_EQ(virsh_parse_dominfo(dominfo_test, strlen(dominfo_test), &di),
	    0);
	CHECK(di.name_ok);
	CHECK_STR(di.name, "test");
	CHECK_EQ(di.id, 1);
	CHECK_EQ(di.state, VIRSH_ST_RUNNING);
	CHECK_EQ(di.vcpus, 2);
	CHECK_EQ(di.max_kib, 8388608);
	CHECK_EQ(di.used_kib, 2097152);
	CHECK_EQ(di.persistent, 1);

	/* Applied to the list entry of the same name. */
	CHECK_EQ(parse_list(list_default), 0);
	CHECK_EQ(virsh_list_apply(&l, &di), 0);
	CHECK(l.dom[0].has_info);
	CHECK_EQ(l.dom[0].max_kib, 8388608);
	CHECK_EQ(l.dom[0].vcpus, 2);
}

TEST(virsh_dominfo_inactive_no_limit_and_hostile_name)
{
	const char *s = "Id:             -\n"
	                "Name:           $(reboot)\n"
	                "State:          shut off\n"
	                "CPU(s):         1\n"
	                "Max memory:     no limit\n"
	                "Used memory:    1048576 KiB\n";
	struct virsh_dominfo di;
	CHECK_EQ(virsh_parse_dominfo(s, strlen(s), &di), 0);
	CHECK_EQ(di.id, -1);
	CHECK(!di.name_ok);
	CHECK_STR(di.name, "");
	CHECK_EQ(di.state, VIRSH_ST_SHUTOFF);
	CHECK(di.max_kib == UINT64_MAX);
	CHECK_EQ(parse_list(list_default), 0);
	CHECK_EQ(virsh_list_apply(&l, &di), VIGIL_ENOENT);
}

TEST(virsh_dominfo_malformed)
{
	struct virsh_dominfo di;
	const char *missing = "State: running\nMax memory: 1 KiB\n";
	CHECK_EQ(virsh_parse_dominfo(missing, strlen(missing), &di),
	    VIGIL_EPARSE);
	const char *bad = "State: running\nMax memory: 1 MiB\nUsed memory: 1 KiB\n";
	CHECK_EQ(virsh_parse_dominfo(bad, strlen(bad), &di), VIGIL_EPARSE);
	const char *ovf = "State: running\nMax memory: 99999999999999999999 KiB\n"
	                  "Used memory: 1 KiB\n";
	CHECK_EQ(virsh_parse_dominfo(ovf, strlen(ovf), &di), VIGIL_EPARSE);
	const char *err = "error: failed to get domain 'x'\n";
	CHECK_EQ(virsh_parse_dominfo(err, strlen(err), &di), VIGIL_EPARSE);
}

TEST(virsh_domstate_real)
{
	int st = -1;
	CHECK_EQ(virsh_parse_domstate("running\n\n", 9, &st), 0);
	CHECK_EQ(st, VIRSH_ST_RUNNING);
	const char *r = "running (unknown)\n\n";
	CHECK_EQ(virsh_parse_domstate(r, strlen(r), &st), 0);
	CHECK_EQ(st, VIRSH_ST_RUNNING);
	const char *o = "shut off\n\n";
	CHECK_EQ(virsh_parse_domstate(o, strlen(o), &st), 0);
	CHECK_EQ(st, VIRSH_ST_SHUTOFF);
	const char *p = "paused (post-copy)\n";
	CHECK_EQ(virsh_parse_domstate(p, strlen(p), &st), 0);
	CHECK_EQ(st, VIRSH_ST_PAUSED);
	CHECK_EQ(virsh_parse_domstate("\n\n", 2, &st), VIGIL_EPARSE);
	const char *e = "error: failed to get domain 'x'\n";
	CHECK_EQ(virsh_parse_domstate(e, strlen(e), &st), 0);
	CHECK_EQ(st, VIRSH_ST_UNKNOWN);
}

TEST(virsh_jobinfo_running_migration)
{
	struct virsh_jobinfo ji;
	CHECK_EQ(virsh_parse_jobinfo(jobinfo_running, strlen(jobinfo_running),
	             &ji),
	    0);
	CHECK_EQ(ji.type, VIRSH_JOB_UNBOUNDED);
	CHECK(ji.seen & VIRSH_JI_OP_OUT);
	CHECK_EQ(ji.elapsed_ms, 12035);
	/* 512.500 MiB and 8.016 GiB, to the byte virsh's rounding allows. */
	CHECK_EQ(ji.mem_remaining, 537395200);
	CHECK_EQ(ji.data_remaining, 537395200);
	CHECK_EQ(ji.mem_total, 8607114461ull);
	CHECK_EQ(ji.mem_bps, 109950533);
	CHECK_EQ(ji.dirty_rate, 18250);
	CHECK_EQ(ji.page_size, 4096);
	CHECK_EQ(ji.iteration, 3);
	CHECK_EQ(ji.postcopy_reqs, 0);
	CHECK_EQ(ji.downtime_ms, 300);
	CHECK_EQ(ji.throttle_pct, 20);
	CHECK((ji.seen & (VIRSH_JI_MEM | VIRSH_JI_ITER | VIRSH_JI_ELAPSED)) ==
	    (VIRSH_JI_MEM | VIRSH_JI_ITER | VIRSH_JI_ELAPSED));
}

TEST(virsh_jobinfo_none_and_units)
{
	struct virsh_jobinfo ji;
	const char *none = "Job type:         None        \n\n";
	CHECK_EQ(virsh_parse_jobinfo(none, strlen(none), &ji), 0);
	CHECK_EQ(ji.type, VIRSH_JOB_NONE);
	CHECK_EQ(ji.seen, 0);
	const char *u = "Job type: Completed\n"
	                "Memory remaining: 0.000 B\n"
	                "Memory processed: 1.5 KiB\n"
	                "Memory total:     15.999 EiB\n"
	                "Data processed: 3 TiB\n";
	CHECK_EQ(virsh_parse_jobinfo(u, strlen(u), &ji), 0);
	CHECK_EQ(ji.type, VIRSH_JOB_COMPLETED);
	CHECK_EQ(ji.mem_remaining, 0);
	CHECK_EQ(ji.mem_processed, 1536);
	CHECK_EQ(ji.data_processed, 3ull << 40);
	CHECK(ji.mem_total == 18445591152204944769ull);
	/* 16 EiB does not fit 64 bits. */
	const char *o = "Job type: Unbounded\nMemory total: 16.000 EiB\n";
	CHECK_EQ(virsh_parse_jobinfo(o, strlen(o), &ji), VIGIL_EPARSE);
}

TEST(virsh_jobinfo_malformed)
{
	struct virsh_jobinfo ji;
	static const char *const bad[] = {
	    "",
	    "error: this function is not supported by the connection driver\n",
	    "Job type: Unbounded\nTime elapsed: abc ms\n",
	    "Job type: Unbounded\nTime elapsed: 12 s\n",
	    "Job type: Unbounded\nMemory remaining: 1.2.3 MiB\n",
	    "Job type: Unbounded\nMemory remaining: 1. MiB\n",
	    "Job type: Unbounded\nMemory remaining: 12 XiB\n",
	    "Job type: Unbounded\nMemory remaining: 12MiB\n",
	    "Job type: Unbounded\nIteration: -1\n",
	    "Job type: Unbounded\nAuto converge throttle: 101\n",
	    "Job type: Unbounded\nMemory bandwidth: 1.000 MiB\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(virsh_parse_jobinfo(bad[i], strlen(bad[i]), &ji),
		    VIGIL_EPARSE);
	/* Unknown labels and unknown types are not errors. */
	const char *odd = "Job type: Sideways\nShiny new field: 12 widgets\n";
	CHECK_EQ(virsh_parse_jobinfo(odd, strlen(odd), &ji), 0);
	CHECK_EQ(ji.type, VIRSH_JOB_UNKNOWN);
}

TEST(virsh_freecell_real)
{
	uint64_t kib = 0;
	const char *all = "    0:       2048 KiB\n"
	                  "    1:       4096 KiB\n"
	                  "--------------------\n"
	                  "Total:       6144 KiB\n\n";
	CHECK_EQ(virsh_parse_freecell(all, strlen(all), &kib), 0);
	CHECK_EQ(kib, 6144);
	const char *one = "Total: 3072 KiB\n\n";
	CHECK_EQ(virsh_parse_freecell(one, strlen(one), &kib), 0);
	CHECK_EQ(kib, 3072);
	const char *err = "error: An error occurred, but the cause is unknown\n";
	CHECK_EQ(virsh_parse_freecell(err, strlen(err), &kib), VIGIL_EPARSE);
	const char *bad = "Total: lots KiB\n";
	CHECK_EQ(virsh_parse_freecell(bad, strlen(bad), &kib), VIGIL_EPARSE);
}

TEST(virsh_error_line_is_the_last_one)
{
	const char *s = "error: Failed to migrate\n"
	                "error: operation aborted: job 'migration out' canceled "
	                "by client\n";
	const char *e = NULL;
	size_t n = 0;
	CHECK(virsh_error_line(s, strlen(s), &e, &n));
	CHECK_MEM(e, n,
	    "operation aborted: job 'migration out' canceled by client");
	CHECK(!virsh_error_line("fine\n", 5, &e, &n));
}

TEST(virsh_cmd_builders)
{
	char buf[VIGIL_MAX_CMD];
	int n = virsh_cmd_migrate(buf, sizeof(buf), "web-01", "10.77.42.2",
	    VIRSH_MIG_AUTOCONVERGE | VIRSH_MIG_POSTCOPY);
	CHECK(n > 0);
	CHECK_STR(buf, "virsh migrate --live --persistent --undefinesource "
	               "--auto-converge --postcopy web-01 "
	               "qemu+ssh://10.77.42.2/system");
	CHECK_EQ((size_t)n, strlen(buf));
	n = virsh_cmd_migrate(buf, sizeof(buf), "web-01", "[2001:db8::2]", 0);
	CHECK_STR(buf, "virsh migrate --live --persistent --undefinesource "
	               "web-01 'qemu+ssh://[2001:db8::2]/system'");
	CHECK_EQ(virsh_cmd_migrate(buf, sizeof(buf), "a;rm -rf /", "h", 0),
	    VIGIL_EINVAL);
	CHECK_EQ(virsh_cmd_migrate(buf, sizeof(buf), "x", "h -oX", 0),
	    VIGIL_EINVAL);
	CHECK_EQ(virsh_cmd_migrate(buf, 20, "x", "h", 0), VIGIL_E2BIG);
	CHECK_STR(buf, "");
	CHECK(virsh_cmd_dom(buf, sizeof(buf), "domjobabort", "web-01") > 0);
	CHECK_STR(buf, "virsh domjobabort web-01");
	CHECK_EQ(virsh_cmd_dom(buf, sizeof(buf), "destroy", "web-01"),
	    VIGIL_EINVAL);
	CHECK_EQ(virsh_cmd_dom(buf, sizeof(buf), "domstate", "`x`"),
	    VIGIL_EINVAL);
	/* The longest name and target fit VIGIL_MAX_CMD. */
	char dom[VIGIL_MAX_DOMNAME + 1], tgt[VIGIL_MAX_TARGET + 1];
	memset(dom, 'd', VIGIL_MAX_DOMNAME);
	dom[VIGIL_MAX_DOMNAME] = 0;
	memset(tgt, 't', VIGIL_MAX_TARGET);
	tgt[VIGIL_MAX_TARGET] = 0;
	CHECK(virsh_cmd_migrate(buf, sizeof(buf), dom, tgt,
	          VIRSH_MIG_AUTOCONVERGE | VIRSH_MIG_POSTCOPY) > 0);
}

TEST(virsh_buf_cuts_and_counts)
{
	char small[8];
	struct virsh_buf b;
	virsh_buf_init(&b, small, sizeof(small));
	virsh_buf_str(&b, "abc");
	virsh_buf_u64(&b, 12345);
	CHECK_STR(small, "abc1234");
	CHECK(b.cut);
	virsh_buf_init(&b, small, sizeof(small));
	virsh_buf_ms(&b, 12345);
	CHECK_STR(small, "12.3");
	virsh_buf_init(&b, small, sizeof(small));
	virsh_buf_shown(&b, "a`$\x01\xff", 5);
	CHECK_STR(small, "a????");
}
