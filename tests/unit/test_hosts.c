/* test_hosts.c - host table, address parsing and matching. */
#include "unit.h"
#include "../../core/err.h"
#include "../../core/hosts.h"

static struct hosts t;

static struct hosts_addr
addr(const char *s)
{
	struct hosts_addr a;
	CHECK_EQ(hosts_parse_addr(s, strlen(s), &a), 0);
	return a;
}

TEST(hosts_parse_ipv4_and_refuse_bad_forms)
{
	struct hosts_addr a;
	CHECK_EQ(hosts_parse_addr("10.77.42.1", 10, &a), 0);
	CHECK_EQ(a.family, 4);
	CHECK_EQ(a.bytes[0], 10);
	CHECK_EQ(a.bytes[3], 1);
	const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4",
	    "1..2.3", "1.2.3.4 ", "a.b.c.d", "1.2.3.-4"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(hosts_parse_addr(bad[i], strlen(bad[i]), &a), VIGIL_EADDR);
}

TEST(hosts_parse_ipv6_forms)
{
	struct hosts_addr a = addr("::1");
	CHECK_EQ(a.family, 6);
	CHECK_EQ(a.bytes[15], 1);
	a = addr("2001:db8::7:1");
	CHECK_EQ(a.bytes[0], 0x20);
	CHECK_EQ(a.bytes[1], 0x01);
	CHECK_EQ(a.bytes[13], 7);
	CHECK_EQ(a.bytes[15], 1);
	a = addr("::ffff:192.0.2.9"); /* mapped: stored as IPv4 */
	CHECK_EQ(a.family, 4);
	CHECK_EQ(a.bytes[3], 9);
	a = addr("1:2:3:4:5:6:7:8");
	CHECK_EQ(a.bytes[15], 8);
	const char *bad[] = {":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::",
	    ":1:2", "1:", "g::1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ(hosts_parse_addr(bad[i], strlen(bad[i]), &a), VIGIL_EADDR);
}

TEST(hosts_format_round_trip)
{
	char buf[64];
	struct hosts_addr a = addr("192.0.2.200");
	hosts_format_addr(&a, buf, sizeof(buf));
	CHECK_STR(buf, "192.0.2.200");
	a = addr("2001:db8::1");
	hosts_format_addr(&a, buf, sizeof(buf));
	CHECK_STR(buf, "2001:db8:0:0:0:0:0:1");
}

TEST(hosts_lookup_by_source_address_only)
{
	hosts_init(&t);
	int a = hosts_add(&t, "hvA");
	CHECK(a >= 0);
	struct hosts_addr x = addr("10.0.0.1");
	CHECK_EQ(hosts_add_addr(&t, a, &x), 0);
	CHECK_EQ(hosts_lookup(&t, &x), a);
	struct hosts_addr y = addr("10.0.0.2");
	CHECK_EQ(hosts_lookup(&t, &y), VIGIL_ENOENT);
	CHECK_EQ(hosts_find(&t, "hvA"), a);
	CHECK_EQ(hosts_find(&t, "hvB"), VIGIL_ENOENT);
}

TEST(hosts_refuse_bad_names_and_duplicates)
{
	hosts_init(&t);
	CHECK_EQ(hosts_add(&t, ""), VIGIL_EINVAL);
	CHECK_EQ(hosts_add(&t, "a b"), VIGIL_EINVAL);
	CHECK_EQ(hosts_add(&t, "a;rm"), VIGIL_EINVAL);
	CHECK(hosts_add(&t, "ok-1.rack_2") >= 0);
	CHECK_EQ(hosts_add(&t, "ok-1.rack_2"), VIGIL_EINVAL);
	char longname[VIGIL_MAX_NAME + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_EQ(hosts_add(&t, longname), VIGIL_EINVAL);
}

TEST(hosts_table_full_is_refused)
{
	char name[16];
	hosts_init(&t);
	for (int i = 0; i < VIGIL_MAX_HOSTS; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		CHECK_EQ(hosts_add(&t, name), i);
	}
	CHECK_EQ(hosts_add(&t, "onemore"), VIGIL_ENOSPC);
	CHECK_EQ(t.n, VIGIL_MAX_HOSTS);
}

TEST(hosts_address_slots_full_and_shared_address_refused)
{
	char s[32];
	hosts_init(&t);
	int a = hosts_add(&t, "a"), b = hosts_add(&t, "b");
	for (int i = 0; i < VIGIL_MAX_HOST_ADDRS; i++) {
		snprintf(s, sizeof(s), "10.1.0.%d", i + 1);
		struct hosts_addr x = addr(s);
		CHECK_EQ(hosts_add_addr(&t, a, &x), 0);
	}
	struct hosts_addr extra = addr("10.1.1.1");
	CHECK_EQ(hosts_add_addr(&t, a, &extra), VIGIL_ENOSPC);
	struct hosts_addr dup = addr("10.1.0.1");
	CHECK_EQ(hosts_add_addr(&t, b, &dup), VIGIL_EINVAL);
}

TEST(hosts_counters_carry_over_by_name)
{
	static struct hosts old;
	hosts_init(&old);
	hosts_init(&t);
	int o = hosts_add(&old, "keep");
	old.h[o].c.messages = 42;
	hosts_add(&old, "gone");
	hosts_add(&t, "new");
	int k = hosts_add(&t, "keep");
	hosts_carry_counters(&t, &old);
	CHECK_EQ(t.h[k].c.messages, 42);
	CHECK_EQ(t.h[0].c.messages, 0);
	hosts_reset_counters(&t);
	CHECK_EQ(t.h[k].c.messages, 0);
}
