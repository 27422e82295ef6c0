/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The classifier: tenant precedence (VNI, QinQ, VLAN, port), exact flows
 * over rules, rule priorities and ties, range and prefix edges, IPv6
 * prefixes across 32-bit ACL words, tenant isolation. EAL runs without
 * hugepages; packets are parsed-packet structs, so no traffic is involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "sluice_test.h"
#include <rte_eal.h>

#include "sluice_dp.h"
#include "sluice_loader.h"

static struct sluice_dp *dp;

static void apply_yaml(const char *yaml)
{
	struct sluice_load_opts lo = { .sz = sizeof(lo), .nb_ports = sluice_dp_nb_ports(dp) };
	struct sluice_diags diags;
	struct sluice_config *cfg = NULL;
	struct sluice_err err;
	uint32_t i;
	int ret;

	ret = sluice_config_load_buf("t.yaml", yaml, strlen(yaml), &lo, &cfg, &diags);
	for (i = 0; ret != 0 && i < diags.count; i++)
		print_error("%s\n", diags.items[i].text);
	assert_int_equal(ret, 0);
	ret = sluice_dp_apply(dp, cfg, &err);
	if (ret != 0)
		print_error("apply: %s: %s\n", err.field, err.msg);
	assert_int_equal(ret, 0);
	sluice_config_free(cfg);
}

/* The parsed fields of an IPv4 (family 4) or IPv6 (family 6) packet with ports. */
static struct sluice_pkt pkt_ip(uint8_t family, uint8_t proto, const char *src, const char *dst,
				uint16_t sport, uint16_t dport)
{
	int af = family == 4 ? AF_INET : AF_INET6;
	struct sluice_pkt p;

	memset(&p, 0, sizeof(p));
	p.flags = SLUICE_PKT_IP | SLUICE_PKT_L4;
	p.family = family;
	p.proto = proto;
	assert_int_equal(inet_pton(af, src, p.src), 1);
	assert_int_equal(inet_pton(af, dst, p.dst), 1);
	p.sport = sport;
	p.dport = dport;
	return p;
}

#define pkt4(...) pkt_ip(4, __VA_ARGS__)
#define pkt6(...) pkt_ip(6, __VA_ARGS__)

/* Assert the verdict as "tenant/kind/name", e.g. "acme/r/dns". */
static void expect(uint16_t port, const struct sluice_pkt *p, const char *want)
{
	struct sluice_verdict v;
	char got[96];

	if (sluice_dp_classify(dp, port, p, &v) != 0)
		snprintf(got, sizeof(got), "none");
	else
		snprintf(got, sizeof(got), "%s/%c/%s", v.tenant, v.kind, v.name);
	assert_string_equal(got, want);
}

static void test_tenant_precedence(void **state)
{
	struct sluice_pkt p = pkt4(17, "10.0.0.1", "10.0.0.2", 1, 2);

	(void)state;
	apply_yaml("tenants:\n"
		   "  - {name: P, match: [{port: 0}]}\n"
		   "  - {name: V, match: [{port: 0, vlan: 100}]}\n"
		   "  - {name: Q, match: [{port: 0, vlan: 100, inner_vlan: 200}]}\n"
		   "  - {name: N, match: [{vni: 5000}]}\n"
		   "  - {name: N1, match: [{port: 1, vni: 5000}]}\n"
		   "  - {name: V1, match: [{port: 1, vlan: 7}]}\n");
	expect(0, &p, "P/d/default");
	p.nb_vlans = 1;
	p.outer_vlan = 100;
	expect(0, &p, "V/d/default");
	p.outer_vlan = 300; /* unclaimed VLAN falls back to the port's tenant */
	expect(0, &p, "P/d/default");
	p.nb_vlans = 2;
	p.outer_vlan = 100;
	p.inner_vlan = 200;
	expect(0, &p, "Q/d/default");
	p.inner_vlan = 201; /* unclaimed C-tag: the S-tag's VLAN tenant */
	expect(0, &p, "V/d/default");
	p.nb_vlans = 0;
	p.flags |= SLUICE_PKT_VXLAN;
	p.vni = 5000;
	expect(0, &p, "N/d/default");
	expect(1, &p, "N1/d/default"); /* a port-specific VNI match beats the any-port one */
	p.vni = 5001;
	expect(0, &p, "P/d/default");
	expect(1, &p, "none"); /* port 1 has no untagged tenant */
	p.flags &= ~SLUICE_PKT_VXLAN;
	p.nb_vlans = 1;
	p.outer_vlan = 7;
	expect(1, &p, "V1/d/default");
	expect(0, &p, "P/d/default"); /* VLAN 7 is V1's on port 1 only */
	expect(2, &p, "none");
}

static const char *rules_yaml =
	"tenants:\n"
	"  - name: A\n"
	"    match: [{port: 0}]\n"
	"    flows:\n"
	"      - {name: exact, match: {proto: tcp, src: 10.1.2.3, dst: 10.9.9.9, sport: 1000, dport: 80}, actions: [{forward: 1}]}\n"
	"    rules:\n"
	"      - {name: wide, priority: 1, match: {src: 10.0.0.0/8}, actions: [{forward: 1}]}\n"
	"      - {name: narrow, priority: 5, match: {src: 10.1.0.0/16}, actions: [{forward: 1}]}\n"
	"      - {name: tie-first, priority: 3, match: {dst: 192.168.0.0/24}, actions: [{forward: 1}]}\n"
	"      - {name: tie-second, priority: 3, match: {dst: 192.168.0.0/16}, actions: [{forward: 1}]}\n"
	"      - {name: web, priority: 7, match: {proto: tcp, dst: 172.16.0.0/12, dport: 80-89}, actions: [{forward: 1}]}\n"
	"      - {name: udp-any, priority: 6, match: {proto: udp, dst: 172.16.0.0/12}, actions: [{forward: 1}]}\n"
	"  - name: B\n"
	"    match: [{port: 1}]\n"
	"    flows:\n"
	"      - {name: exact, match: {proto: tcp, src: 10.1.2.3, dst: 10.9.9.9, sport: 1000, dport: 80}, actions: [drop]}\n"
	"    rules:\n"
	"      - {name: wide, priority: 1, match: {src: 10.0.0.0/8}, actions: [drop]}\n";

static void test_rule_priorities(void **state)
{
	struct sluice_pkt p;

	(void)state;
	apply_yaml(rules_yaml);
	p = pkt4(6, "10.1.2.3", "10.9.9.9", 1000, 80);
	expect(0, &p, "A/f/exact"); /* exact beats the priority-5 rule */
	p.sport = 1001;
	expect(0, &p, "A/r/narrow"); /* higher priority of two overlapping rules */
	p = pkt4(6, "10.2.0.1", "10.9.9.9", 1, 1);
	expect(0, &p, "A/r/wide");
	p = pkt4(6, "11.0.0.1", "10.9.9.9", 1, 1);
	expect(0, &p, "A/d/default");
	p = pkt4(6, "11.0.0.1", "192.168.0.5", 1, 1);
	expect(0, &p, "A/r/tie-first"); /* equal priorities: the one written first */
	p = pkt4(6, "11.0.0.1", "192.168.1.5", 1, 1);
	expect(0, &p, "A/r/tie-second");
	/* Prefix edges of 172.16.0.0/12 and port range edges 80-89. */
	p = pkt4(6, "11.0.0.1", "172.16.0.0", 1, 80);
	expect(0, &p, "A/r/web");
	p = pkt4(6, "11.0.0.1", "172.31.255.255", 1, 89);
	expect(0, &p, "A/r/web");
	p = pkt4(6, "11.0.0.1", "172.32.0.0", 1, 80);
	expect(0, &p, "A/d/default");
	p = pkt4(6, "11.0.0.1", "172.15.255.255", 1, 80);
	expect(0, &p, "A/d/default");
	p = pkt4(6, "11.0.0.1", "172.16.0.1", 1, 79);
	expect(0, &p, "A/d/default");
	p = pkt4(6, "11.0.0.1", "172.16.0.1", 1, 90);
	expect(0, &p, "A/d/default");
	p = pkt4(17, "11.0.0.1", "172.16.0.1", 1, 80); /* protocol decides */
	expect(0, &p, "A/r/udp-any");
	/* Tenant isolation: B has the same exact 5-tuple and an overlapping rule. */
	p = pkt4(6, "10.1.2.3", "10.9.9.9", 1000, 80);
	expect(1, &p, "B/f/exact");
	p.sport = 1001;
	expect(1, &p, "B/r/wide");
	p = pkt4(6, "11.0.0.1", "192.168.0.5", 1, 1);
	expect(1, &p, "B/d/default");
}

static void test_ipv6(void **state)
{
	struct sluice_pkt p;

	(void)state;
	apply_yaml("tenants:\n"
		   "  - name: S\n"
		   "    match: [{port: 0}]\n"
		   "    flows:\n"
		   "      - {name: e6, match: {proto: udp, src: '2001:db8::1', dst: '2001:db8::2', sport: 5, dport: 6}, actions: [{forward: 1}]}\n"
		   "    rules:\n"
		   "      - {name: p33, priority: 1, match: {src: '2001:db8::/33'}, actions: [{forward: 1}]}\n"
		   "      - {name: p65, priority: 2, match: {src: '2001:db8:0:0:8000::/65'}, actions: [{forward: 1}]}\n"
		   "      - {name: p127, priority: 3, match: {src: '2001:db8::ff00/127'}, actions: [{forward: 1}]}\n"
		   "      - {name: v4, priority: 9, match: {family: ipv4}, actions: [{forward: 1}]}\n");
	p = pkt6(17, "2001:db8::1", "2001:db8::2", 5, 6);
	expect(0, &p, "S/f/e6");
	p.dport = 7;
	expect(0, &p, "S/r/p33");
	p = pkt6(17, "2001:db8:7fff:ffff::1", "::1", 1, 1); /* inside /33 */
	expect(0, &p, "S/r/p33");
	p = pkt6(17, "2001:db8:8000::1", "::1", 1, 1); /* bit 33 set: outside */
	expect(0, &p, "S/d/default");
	p = pkt6(17, "2001:db8::8000:0:0:1", "::1", 1, 1); /* bit 65 set: in /65 */
	expect(0, &p, "S/r/p65");
	p = pkt6(17, "2001:db8::7fff:0:0:1", "::1", 1, 1); /* bit 65 clear: only /33 */
	expect(0, &p, "S/r/p33");
	p = pkt6(17, "2001:db8::ff01", "::1", 1, 1);
	expect(0, &p, "S/r/p127");
	p = pkt6(17, "2001:db8::ff02", "::1", 1, 1);
	expect(0, &p, "S/r/p33");
	p = pkt4(17, "1.2.3.4", "5.6.7.8", 1, 1); /* families never mix */
	expect(0, &p, "S/r/v4");
}

static void test_non_ip_and_empty(void **state)
{
	struct sluice_pkt p;

	(void)state;
	apply_yaml(rules_yaml);
	memset(&p, 0, sizeof(p)); /* ARP and the like: the tenant default */
	expect(0, &p, "A/d/default");
	apply_yaml("tenants: []\n");
	p = pkt4(6, "10.1.2.3", "10.9.9.9", 1000, 80);
	expect(0, &p, "none");
}

int main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			"--no-telemetry", "--log-level", "lib.eal:error", "-l", "0",
			"--vdev", "net_null0,no-rx=1", "--vdev", "net_null1,no-rx=1",
			"--vdev", "net_null2,no-rx=1" };
	struct sluice_dp_opts o = { .sz = sizeof(o), .nb_workers = 1, .nb_rxd = 64, .nb_txd = 64,
				    .nb_mbufs = 2048 };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tenant_precedence),
		cmocka_unit_test(test_rule_priorities),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_non_ip_and_empty),
		SLUICE_TEST_FDS_UNCHANGED,
	};
	int ret;

	(void)argc;
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	dp = sluice_dp_create(&o);
	if (dp == NULL) {
		fprintf(stderr, "data plane: %s\n", strerror(errno));
		return 1;
	}
	ret = cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
	sluice_dp_destroy(dp);
	rte_eal_cleanup();
	return ret;
}
