/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the tenant file loader (control/sluice_loader.h): every
 * construct of the schema, and every diagnostic with its exact text and
 * position. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "sluice_loader.h"

#define POISON ((struct sluice_config *)(uintptr_t)0x5a5a)

static int fake_resolve(const char *name, uint16_t *port, void *arg)
{
	static const char *const names[] = {"gen0", "net_null0", "net_null1"};
	unsigned int i;

	(*(unsigned int *)arg)++;
	for (i = 0; i < 3; i++) {
		if (strcmp(name, names[i]) == 0) {
			*port = (uint16_t)i;
			return 0;
		}
	}
	if (strcmp(name, "huge") == 0) {
		*port = 100;
		return 0;
	}
	return -ENOENT;
}

static int load(const char *yaml, const struct sluice_load_opts *opts, struct sluice_config **out,
		struct sluice_diags *d)
{
	return sluice_config_load_buf("t.yaml", yaml, strlen(yaml), opts, out, d);
}

/* Load a file that must fail with exactly these diagnostics (NULL-terminated). */
static void expect_opts(const char *yaml, const struct sluice_load_opts *opts,
			const char *const *msgs)
{
	struct sluice_config *cfg = POISON;
	struct sluice_diags d;
	unsigned int i, n;
	int rc;

	rc = load(yaml, opts, &cfg, &d);
	for (n = 0; msgs[n] != NULL; n++)
		;
	for (i = 0; i < d.count; i++)
		if (d.count != n || strcmp(d.items[i].text, msgs[i]) != 0)
			break;
	if (i < d.count) /* show them all, for the failure report */
		for (i = 0; i < d.count; i++)
			print_message("got: %s\n", d.items[i].text);
	assert_int_equal(rc, -EINVAL);
	assert_ptr_equal(cfg, POISON);
	assert_int_equal(d.count, n);
	assert_int_equal(d.dropped, 0);
	for (i = 0; i < n; i++)
		assert_string_equal(d.items[i].text, msgs[i]);
}

#define expect(yaml, ...) expect_opts(yaml, NULL, (const char *const[]){__VA_ARGS__, NULL})

static struct sluice_config *load_ok(const char *yaml, const struct sluice_load_opts *opts)
{
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;
	unsigned int i;
	int rc = load(yaml, opts, &cfg, &d);

	for (i = 0; i < d.count; i++)
		print_message("unexpected: %s\n", d.items[i].text);
	assert_int_equal(rc, 0);
	assert_int_equal(d.count, 0);
	assert_non_null(cfg);
	return cfg;
}

/* A tenant with a match, for tests about what follows. */
#define T0 "tenants:\n  - name: acme\n    match: [{port: 0}]\n"

/* ---- valid files ---------------------------------------------------------- */

/* The demo's ports: net_null0, net_null1, then the traffic source gen0. */
static int demo_ports(const char *name, uint16_t *port, void *arg)
{
	static const char *const names[] = {"net_null0", "net_null1", "gen0"};
	uint16_t i;

	(void)arg;
	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*port = i;
			return 0;
		}
	return -ENOENT;
}

static void test_example(void **state)
{
	struct sluice_load_opts opts = {.sz = sizeof(opts), .nb_ports = 3, .resolve_port = demo_ports};
	struct sluice_config *cfg = NULL;
	const struct sluice_tenant *t;
	struct sluice_diags d;

	(void)state;
	assert_int_equal(
	    sluice_config_load_file(SLUICE_SRC_DIR "/configs/example.yaml", &opts, &cfg, &d), 0);
	assert_int_equal(d.count, 0);
	assert_int_equal(cfg->nb_tenants, 4);

	t = sluice_config_tenant(cfg, "acme");
	assert_non_null(t);
	assert_int_equal(t->nb_matches, 1);
	assert_int_equal(t->matches[0].kind, SLUICE_MATCH_VLAN);
	assert_int_equal(t->matches[0].port, 2);
	assert_int_equal(t->matches[0].vlan, 100);
	assert_true(t->nb_flows >= 2);
	assert_true(t->nb_rules >= 1);
	assert_true(t->rules[0].actions.flags & SLUICE_ACT_METER);
	assert_int_equal(t->rules[0].actions.flags & SLUICE_ACT_TERMINAL, SLUICE_ACT_FORWARD);
	assert_int_equal(t->rules[0].actions.port, 0);

	t = sluice_config_tenant(cfg, "globex");
	assert_non_null(t);
	assert_int_equal(t->matches[0].vlan, 200);
	assert_true(t->rules[0].actions.flags & SLUICE_ACT_ENCAP);
	assert_int_equal(t->rules[0].actions.port, 1);

	t = sluice_config_tenant(cfg, "initech");
	assert_non_null(t);
	assert_int_equal(t->matches[0].kind, SLUICE_MATCH_VNI);
	assert_int_equal(t->matches[0].port, SLUICE_PORT_ANY);
	assert_int_equal(t->matches[0].vni, 5000);
	assert_true(t->rules[0].actions.flags & SLUICE_ACT_DECAP);
	assert_int_equal(t->rules[0].actions.port, 0);

	t = sluice_config_tenant(cfg, "hooli");
	assert_non_null(t);
	assert_int_equal(t->nb_npu_contexts, 1);
	assert_string_equal(t->npu_contexts[0].model, "digits");
	assert_int_equal(t->npu_contexts[0].input.width, 32);
	assert_string_equal(t->rules[0].actions.npu_context, "digits");
	assert_string_equal(cfg->npu.device, "swnpu");
	sluice_config_free(cfg);
}

static void test_all_constructs(void **state)
{
	static const char yaml[] =
	    "# every construct of the schema\n"
	    "tenants:\n"
	    "  - name: acme\n"
	    "    match:\n"
	    "      - {port: 0}\n"
	    "      - {port: 0, vlan: 100}\n"
	    "      - {port: 0, vlan: 100, inner_vlan: 200}\n"
	    "      - {vni: 5000}\n"
	    "      - {port: 1, vni: 0x1389}\n"
	    "    npu_contexts: [ctx0, ctx1]\n"
	    "    default: {to_npu: ctx1}\n"
	    "    flows:\n"
	    "      - name: web\n"
	    "        match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1234, dport: 80}\n"
	    "        actions: [count, {forward: 1}]\n"
	    "      - match: {proto: 17, src: '2001:db8::1', dst: '2001:db8::2', sport: 1, dport: "
	    "2}\n"
	    "        actions: drop\n"
	    "    rules:\n"
	    "      - name: dns\n"
	    "        priority: 10\n"
	    "        match: {family: ipv4, proto: udp, src: 10.0.0.0/8, dst: any, sport: "
	    "1024-65535, dport: 53}\n"
	    "        actions:\n"
	    "          - vxlan_decap\n"
	    "          - meter: {cir: 1000000, pir: 2000000, cbs: 10000, pbs: 20000}\n"
	    "          - vxlan_encap: {src_mac: \"02:00:00:00:00:01\", dst_mac: "
	    "\"02:00:00:00:00:02\",\n"
	    "                          src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 42,\n"
	    "                          udp_src: 1000, udp_dst: 8472, ttl: 16}\n"
	    "          - count\n"
	    "          - forward: 1\n"
	    "      - match: {family: ipv6}\n"
	    "        actions: [{vxlan_encap: {src_mac: \"02:00:00:00:00:01\", dst_mac: "
	    "\"02:00:00:00:00:02\", src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 7}}, {to_npu: "
	    "ctx0}]\n"
	    "      - match: {dst: '2001:db8::/32', sport: any}\n"
	    "        actions: [drop]\n"
	    "  - name: empty\n"
	    "    match: [{port: 2}]\n"
	    "    default: [count, drop]\n"
	    "    flows:\n"
	    "    rules: []\n";
	struct sluice_config *cfg = load_ok(yaml, NULL);
	const struct sluice_tenant *t = &cfg->tenants[0];
	const struct sluice_flow *f;
	const struct sluice_actions *a;
	uint8_t ip[16] = {10};

	(void)state;
	assert_int_equal(cfg->nb_tenants, 2);
	assert_string_equal(t->name, "acme");
	assert_int_equal(t->pos.line, 3);
	assert_int_equal(t->pos.column, 5);
	assert_int_equal(t->nb_matches, 5);
	assert_int_equal(t->matches[0].kind, SLUICE_MATCH_PORT);
	assert_int_equal(t->matches[1].kind, SLUICE_MATCH_VLAN);
	assert_int_equal(t->matches[1].vlan, 100);
	assert_int_equal(t->matches[2].kind, SLUICE_MATCH_QINQ);
	assert_int_equal(t->matches[2].inner_vlan, 200);
	assert_int_equal(t->matches[3].kind, SLUICE_MATCH_VNI);
	assert_int_equal(t->matches[3].port, SLUICE_PORT_ANY);
	assert_int_equal(t->matches[4].port, 1);
	assert_int_equal(t->matches[4].vni, 5001);
	assert_int_equal(t->matches[4].pos.line, 9);
	assert_int_equal(t->matches[4].pos.column, 9);
	assert_int_equal(t->nb_npu_contexts, 2);
	assert_string_equal(t->npu_contexts[1].name, "ctx1");
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_TO_NPU);
	assert_string_equal(t->default_actions.npu_context, "ctx1");

	assert_int_equal(t->nb_flows, 2);
	f = &t->flows[0];
	assert_string_equal(f->name, "web");
	assert_int_equal(f->pos.line, 13);
	assert_int_equal(f->match.family, 4);
	assert_int_equal(f->match.proto, 6);
	assert_false(f->match.proto_any);
	assert_int_equal(f->match.src_len, 32);
	assert_int_equal(f->match.src[3], 1);
	assert_int_equal(f->match.dst[3], 2);
	assert_int_equal(f->match.sport_lo, 1234);
	assert_int_equal(f->match.sport_hi, 1234);
	assert_int_equal(f->match.dport_lo, 80);
	assert_int_equal(f->actions.flags, SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD);
	assert_int_equal(f->actions.port, 1);
	f = &t->flows[1];
	assert_string_equal(f->name, "flow1");
	assert_int_equal(f->match.family, 6);
	assert_int_equal(f->match.proto, 17);
	assert_int_equal(f->match.src_len, 128);
	assert_int_equal(f->actions.flags, SLUICE_ACT_DROP);

	assert_int_equal(t->nb_rules, 3);
	f = &t->rules[0];
	assert_string_equal(f->name, "dns");
	assert_int_equal(f->priority, 10);
	assert_int_equal(f->match.family, 4);
	assert_int_equal(f->match.proto, 17);
	assert_int_equal(f->match.src_len, 8);
	assert_memory_equal(f->match.src, ip, 16);
	assert_int_equal(f->match.dst_len, 0);
	assert_int_equal(f->match.sport_lo, 1024);
	assert_int_equal(f->match.sport_hi, 65535);
	assert_int_equal(f->match.dport_lo, 53);
	assert_int_equal(f->match.dport_hi, 53);
	a = &f->actions;
	assert_int_equal(a->flags, SLUICE_ACT_DECAP | SLUICE_ACT_METER | SLUICE_ACT_ENCAP |
				       SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD);
	assert_int_equal(a->meter.cir, 1000000);
	assert_int_equal(a->meter.pir, 2000000);
	assert_int_equal(a->meter.cbs, 10000);
	assert_int_equal(a->meter.pbs, 20000);
	assert_int_equal(a->encap.src_mac[5], 1);
	assert_int_equal(a->encap.dst_mac[5], 2);
	assert_int_equal(a->encap.src_ip, htonl(0xc0000201));
	assert_int_equal(a->encap.dst_ip, htonl(0xc0000202));
	assert_int_equal(a->encap.vni, 42);
	assert_int_equal(a->encap.udp_src, 1000);
	assert_int_equal(a->encap.udp_dst, 8472);
	assert_int_equal(a->encap.ttl, 16);
	f = &t->rules[1];
	assert_string_equal(f->name, "rule1");
	assert_int_equal(f->priority, 0);
	assert_int_equal(f->match.family, 6);
	assert_true(f->match.proto_any);
	assert_int_equal(f->match.sport_lo, 0);
	assert_int_equal(f->match.sport_hi, 65535);
	/* Optional encap fields default to 0: derived port, 4789, TTL 64. */
	assert_int_equal(f->actions.encap.udp_src, 0);
	assert_int_equal(f->actions.encap.udp_dst, 0);
	assert_int_equal(f->actions.encap.ttl, 0);
	assert_int_equal(f->actions.flags, SLUICE_ACT_ENCAP | SLUICE_ACT_TO_NPU);
	assert_string_equal(f->actions.npu_context, "ctx0");
	assert_int_equal(t->rules[2].match.family, 6); /* from dst */

	t = &cfg->tenants[1];
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_COUNT | SLUICE_ACT_DROP);
	assert_int_equal(t->nb_flows, 0);
	assert_int_equal(t->nb_rules, 0);
	sluice_config_free(cfg);
}

static void test_empty_tenants(void **state)
{
	struct sluice_config *cfg;

	(void)state;
	cfg = load_ok("tenants: []\n", NULL);
	assert_int_equal(cfg->nb_tenants, 0);
	sluice_config_free(cfg);
	cfg = load_ok("# nothing yet\ntenants:\n", NULL);
	assert_int_equal(cfg->nb_tenants, 0);
	sluice_config_free(cfg);
	/* A tenant without "default" drops. */
	cfg = load_ok(T0, NULL);
	assert_int_equal(cfg->tenants[0].default_actions.flags, SLUICE_ACT_DROP);
	sluice_config_free(cfg);
}

static void test_port_names(void **state)
{
	unsigned int calls = 0;
	struct sluice_load_opts opts = {
	    .sz = sizeof(opts), .nb_ports = 3, .resolve_port = fake_resolve, .resolve_arg = &calls};
	struct sluice_config *cfg;

	(void)state;
	cfg = load_ok("tenants:\n"
		      "  - name: acme\n"
		      "    match: [{port: gen0, vlan: 5}, {port: 2}]\n"
		      "    default: {forward: net_null1}\n",
		      &opts);
	assert_int_equal(calls, 2);
	assert_int_equal(cfg->tenants[0].matches[0].port, 0);
	assert_int_equal(cfg->tenants[0].matches[1].port, 2);
	assert_int_equal(cfg->tenants[0].default_actions.port, 2);
	sluice_config_free(cfg);

	expect_opts("tenants:\n"
		    "  - name: acme\n"
		    "    match: [{port: eth7}, {port: huge}, {port: 3}]\n"
		    "    default: {forward: nic9}\n",
		    &opts,
		    (const char *const[]){
			"t.yaml:3:20: port 'eth7' not found",
			"t.yaml:3:34: port 'huge' is number 100, out of range 0..63",
			"t.yaml:3:42: port 3 does not exist (ports are 0..2)",
			"t.yaml:4:24: forward port 'nic9' not found",
			NULL,
		    });
	/* Without a resolver only numbers work. */
	expect("tenants:\n  - name: acme\n    match: [{port: gen0}]\n",
	       "t.yaml:3:20: port names need a running data plane; use a number");
}

/* ---- errors --------------------------------------------------------------- */

static void test_syntax_errors(void **state)
{
	(void)state;
	expect("tenants:\n  - name: a\n   match: x\n",
	       "t.yaml:3:4: did not find expected '-' indicator (while parsing a block "
	       "collection at 2:3)");
	expect(
	    "tenants: [a, b\n",
	    "t.yaml:2:1: did not find expected ',' or ']' (while parsing a flow sequence at 1:10)");
	expect("tenants:\n  - name: \"a\xff\"\n", "t.yaml:2:13: invalid leading UTF-8 octet");
	expect("tenants: [\t]\n\ttenants:\n",
	       "t.yaml:2:1: found character that cannot start any token (while scanning for the "
	       "next token at 2:1)");
}

static void test_document_errors(void **state)
{
	(void)state;
	expect("", "t.yaml:1:1: file is empty; expected a mapping with key 'tenants'");
	expect("# only a comment\n",
	       "t.yaml:1:1: file is empty; expected a mapping with key 'tenants'");
	expect("- a\n", "t.yaml:1:1: expected a mapping with key 'tenants', got a list");
	expect("tenant: []\n", "t.yaml:1:1: unknown key 'tenant' in file (expected tenants, npu)",
	       "t.yaml:1:1: missing key 'tenants'");
	expect("tenants: {name: a}\n", "t.yaml:1:10: tenants: expected a list, got a mapping");
	expect("tenants: []\n---\ntenants: []\n",
	       "t.yaml:3:1: only one YAML document is allowed per file");
	expect("tenants:\n  - &a {name: a, match: [{port: 0}]}\n  - *a\n",
	       "t.yaml:2:5: anchors and aliases are not supported (this node is used again by "
	       "an alias)");
	expect("tenants: []\ntenants: []\n", "t.yaml:2:1: duplicate key 'tenants' in file");
}

static void test_type_errors(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - acme\n"
	       "  - name: [a]\n"
	       "    match: [{port: 0}]\n"
	       "  - name: b\n"
	       "    match: {port: 0}\n"
	       "  - name: c\n"
	       "    match: [[1], {port: {a: 1}, vlan: [2]}, {[x]: 1, port: 1}]\n"
	       "    flows: x\n"
	       "    rules: [[], {name: r, match: [], actions: {}}]\n",
	       "t.yaml:2:5: tenant: expected a mapping, got a scalar",
	       "t.yaml:3:11: name: expected a scalar, got a list",
	       "t.yaml:6:12: match: expected a list, got a mapping",
	       "t.yaml:8:13: match: expected a mapping, got a list",
	       "t.yaml:8:25: port: expected a scalar, got a mapping",
	       "t.yaml:8:39: vlan: expected a scalar, got a list",
	       "t.yaml:8:46: match keys must be scalars, got a list",
	       "t.yaml:9:12: flows: expected a list, got a scalar",
	       "t.yaml:10:13: rule: expected a mapping, got a list",
	       "t.yaml:10:34: match: expected a mapping, got a list",
	       "t.yaml:10:47: an action mapping must have exactly one key, got 0");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - name: acme\n"
	       "    match: [{port: 0, vlna: 3}]\n"
	       "    flow: []\n"
	       "    rules:\n"
	       "      - prio: 3\n"
	       "        match: {proto: tcp, sport: 1, port: 2}\n"
	       "        actions: [{meter: {cir: 1, pir: 1, cbs: 1, pbs: 1, ebs: 1}}, drop]\n",
	       "t.yaml:3:23: unknown key 'vlna' in match (expected port, vlan, inner_vlan, vni)",
	       "t.yaml:4:5: unknown key 'flow' in tenant (expected name, match, default, "
	       "npu_contexts, flows, rules, vnics, uplink)",
	       "t.yaml:6:9: unknown key 'prio' in rule (expected name, priority, match, actions)",
	       "t.yaml:7:39: unknown key 'port' in rule match (expected family, proto, src, dst, "
	       "sport, dport)",
	       "t.yaml:8:60: unknown key 'ebs' in meter (expected cir, pir, cbs, pbs)");
}

static void test_number_errors(void **state)
{
	(void)state;
	expect(T0 "    rules:\n"
		  "      - priority: high\n"
		  "        match: {sport: -1, dport: 99999999999999999999999}\n"
		  "        actions: [{meter: {cir: 1e6, pir: 0x, cbs: 18446744073709551616, pbs: "
		  "1}}, drop]\n"
		  "      - priority: 4294967296\n"
		  "        match: {dport: 70000-70001}\n"
		  "        actions: [drop]\n"
		  "  - name: b\n"
		  "    match: [{port: 0, vlan: 65536}, {port: 1, vlan: 1, inner_vlan: x}, {vni: "
		  "0x1000000}, {vni: 4294967296}]\n",
	       "t.yaml:5:19: priority 'high' is not a number",
	       "t.yaml:6:24: sport '-1' is not a port, a range LO-HI or any",
	       "t.yaml:6:35: dport 99999999999999999999999 out of range 0..65535",
	       "t.yaml:7:33: cir '1e6' is not a number", "t.yaml:7:43: pir '0x' is not a number",
	       "t.yaml:7:52: cbs 18446744073709551616 out of range 0..18446744073709551615",
	       "t.yaml:8:19: priority 4294967296 out of range 0..8191",
	       "t.yaml:9:24: dport 70000-70001 out of range 0..65535",
	       "t.yaml:12:29: vlan 65536 out of range 1..4094",
	       "t.yaml:12:68: inner_vlan 'x' is not a number",
	       "t.yaml:12:73: vni 16777216 out of range 0..16777215",
	       "t.yaml:12:96: vni 4294967296 out of range 0..16777215");
}

static void test_tenant_errors(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - name: acme\n"
	       "    match: [{port: 0, vlan: 100}]\n"
	       "  - name: acme\n"
	       "    match: [{port: 1}]\n"
	       "  - name: bad name\n"
	       "  - match: [{port: 2}]\n"
	       "  - name: globex\n"
	       "  - name: initech\n"
	       "    match: []\n"
	       "  - name: hooli\n"
	       "    match: [{port: 0, vlan: 100}, {port: 0, vlan: 4095}, {vlan: 3}, {vni: 1, vlan: "
	       "2},\n"
	       "            {port: 1, inner_vlan: 2}, {port: 64}]\n",
	       "t.yaml:4:5: tenant 'acme' already exists",
	       "t.yaml:6:5: tenant name 'bad name' has a character outside [A-Za-z0-9_.-]",
	       "t.yaml:7:5: missing key 'name' in tenant",
	       "t.yaml:8:5: tenant 'globex' has no match; give at least one (e.g. {port: 0})",
	       "t.yaml:10:12: tenant 'initech' has no match; give at least one (e.g. {port: 0})",
	       "t.yaml:12:13: tenant 'acme' already matches port 0 vlan 100",
	       "t.yaml:12:45: vlan 4095 out of range 1..4094",
	       "t.yaml:12:58: match needs a port or a vni",
	       "t.yaml:12:78: vlan cannot be combined with vni",
	       "t.yaml:13:23: inner_vlan needs vlan (the outer S-tag)",
	       "t.yaml:13:46: port 64 out of range 0..63");
}

static void test_nb_ports(void **state)
{
	struct sluice_load_opts opts = {.sz = sizeof(opts), .nb_ports = 2};

	(void)state;
	expect_opts("tenants:\n"
		    "  - name: acme\n"
		    "    match: [{port: 2}, {port: 1, vni: 9}]\n"
		    "    default: {forward: 2}\n",
		    &opts,
		    (const char *const[]){
			"t.yaml:3:14: port 2 does not exist (ports are 0..1)",
			"t.yaml:4:15: forward port 2 does not exist (ports are 0..1)",
			NULL,
		    });
}

static void test_flow_errors(void **state)
{
	(void)state;
	expect(
	    T0 "    flows:\n"
	       "      - name: web\n"
	       "        match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1234, dport: 80}\n"
	       "        actions: [forward: 1]\n"
	       "      - name: web2\n"
	       "        match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1234, dport: 80}\n"
	       "        actions: [forward: 1]\n"
	       "      - name: web\n"
	       "        match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: 80}\n"
	       "        actions: [forward: 1]\n"
	       "      - match: {proto: any, src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: 80}\n"
	       "        actions: [drop]\n"
	       "      - match: {proto: tcp, src: 10.0.0.0/8, dst: 10.0.0.2, sport: 1, dport: 80}\n"
	       "        actions: [drop]\n"
	       "      - match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1-2, dport: 80}\n"
	       "        actions: [drop]\n"
	       "      - match: {proto: tcp, src: 10.0.0.1, dst: '::1', sport: 1, dport: 80}\n"
	       "        actions: [drop]\n"
	       "      - match: {proto: tcp, src: 10.0.0.1}\n"
	       "      - name: this-name-is-much-too-long-for-a-flow\n"
	       "        match: {proto: gre, src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: 80}\n"
	       "        actions: [drop]\n",
	    "t.yaml:9:9: flow 'web2' has the same 5-tuple as flow 'web'",
	    "t.yaml:11:9: flow 'web' already exists",
	    "t.yaml:14:17: proto any is not allowed in an exact flow; give a protocol",
	    "t.yaml:16:29: src 10.0.0.0/8 is not a host address; exact flows need /32 (use a rule)",
	    "t.yaml:18:59: sport 1-2 is a range; an exact flow needs one port (use a rule)",
	    "t.yaml:20:49: dst '::1' is IPv6 but src is IPv4",
	    "t.yaml:22:9: missing key 'actions' in flow",
	    "t.yaml:22:16: missing key 'dst' in flow match",
	    "t.yaml:22:16: missing key 'sport' in flow match",
	    "t.yaml:22:16: missing key 'dport' in flow match",
	    "t.yaml:23:15: flow name 'this-name-is-much-too-long-for-a-flow' is longer than 31 "
	    "characters",
	    "t.yaml:24:24: proto 'gre' is not tcp, udp, icmp, icmpv6, any or 0..255");
}

static void test_rule_errors(void **state)
{
	(void)state;
	expect(T0 "    rules:\n"
		  "      - {name: ok, match: {}, actions: [drop]}\n"
		  "      - name: r1\n"
		  "        match: {sport: 2000-1000}\n"
		  "        actions: [drop]\n"
		  "      - match: {src: 10.0.0.0/33, dst: 10.0.0.0.0, sport: 1-2-3}\n"
		  "        actions: [drop]\n"
		  "      - match: {src: 10.1.2.3/8}\n"
		  "        actions: [drop]\n"
		  "      - match: {family: ipv6, src: 10.0.0.0/8}\n"
		  "        actions: [drop]\n"
		  "      - match: {family: ip4}\n"
		  "        actions: [drop]\n"
		  "      - priority: 8192\n"
		  "        match: {}\n"
		  "        actions: [drop]\n"
		  "      - name: ok\n"
		  "        match: {}\n"
		  "        actions: [drop]\n",
	       "t.yaml:7:17: sport range 2000-1000 is empty (low > high)",
	       "t.yaml:9:22: src '10.0.0.0/33' has a bad prefix length (0..32)",
	       "t.yaml:9:40: dst '10.0.0.0.0' is not an IPv4 or IPv6 address or prefix",
	       "t.yaml:9:59: sport '1-2-3' is not a port, a range LO-HI or any",
	       "t.yaml:11:17: src 10.1.2.3/8 has bits set beyond the prefix length",
	       "t.yaml:13:36: src '10.0.0.0/8' is IPv4 but family is ipv6",
	       "t.yaml:15:25: family 'ip4' is not ipv4 or ipv6",
	       "t.yaml:17:9: priority 8192 out of range 0..8191",
	       "t.yaml:20:9: rule 'ok' already exists");
}

static void test_action_errors(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - name: acme\n"
	       "    match: [{port: 0}]\n"
	       "    npu_contexts: [ctx0, ctx0, 'bad ctx']\n"
	       "    rules:\n"
	       "      - actions: [count, {forward: 1}, drop]\n"
	       "        match: {}\n"
	       "      - actions: [count]\n"
	       "        match: {}\n"
	       "      - actions: [{to_npu: ctx1}]\n"
	       "        match: {}\n"
	       "      - actions: [{meter: {cir: 2000000, pir: 1000000, cbs: 1, pbs: 1}}, drop]\n"
	       "        match: {}\n"
	       "      - actions: [count, count, fwd, forward, {drop: 1}, {a: 1, b: 2}, [x], "
	       "{meter: {cir: 1}}]\n"
	       "        match: {}\n"
	       "      - actions: [{vxlan_encap: {src_mac: 0:0:0:0:0:1, dst_mac: "
	       "\"00:00:00:00:00:00\", src_ip: '::1', dst_ip: 1.2.3.4, vni: 1}}, drop]\n"
	       "        match: {}\n"
	       "      - actions: [{vxlan_encap: {src_mac: \"02:00:00:00:00:01\", dst_mac: "
	       "\"00:00:00:00:00:00\", src_ip: 1.2.3.4, dst_ip: 1.2.3.4, vni: 1}}, drop]\n"
	       "        match: {}\n"
	       "      - actions: [{to_npu: this-context-name-is-far-too-long}]\n"
	       "        match: {}\n"
	       "    default: [count]\n",
	       "t.yaml:4:26: npu context 'ctx0' already declared",
	       "t.yaml:4:32: npu context name 'bad ctx' has a character outside [A-Za-z0-9_.-]",
	       "t.yaml:6:9: more than one terminal action (forward and drop); give exactly one",
	       "t.yaml:8:9: no terminal action (one of forward, drop, to_npu or switch is required)",
	       "t.yaml:10:20: npu context 'ctx1' is not declared by tenant 'acme'",
	       "t.yaml:12:28: cir 2000000 exceeds pir 1000000",
	       "t.yaml:14:26: duplicate action 'count'",
	       "t.yaml:14:33: unknown action 'fwd' (expected count, drop, forward, meter, switch, "
	       "to_npu, vxlan_decap or vxlan_encap)",
	       "t.yaml:14:38: action 'forward' needs a value (forward: ...)",
	       "t.yaml:14:48: action 'drop' takes no value; write it as a plain name",
	       "t.yaml:14:58: an action mapping must have exactly one key, got 2",
	       "t.yaml:14:72: action: expected a name or a one-key mapping, got a list",
	       "t.yaml:14:85: missing key 'pir' in meter",
	       "t.yaml:14:85: missing key 'cbs' in meter",
	       "t.yaml:14:85: missing key 'pbs' in meter",
	       "t.yaml:16:43: src_mac '0:0:0:0:0:1' is not a MAC address (aa:bb:cc:dd:ee:ff)",
	       "t.yaml:16:94: src_ip '::1' is not an IPv4 address",
	       "t.yaml:18:64: dst_mac must not be 00:00:00:00:00:00",
	       "t.yaml:20:28: npu context name 'this-context-name-is-far-too-long' is longer "
	       "than 31 characters",
	       "t.yaml:22:14: no terminal action (one of forward, drop, to_npu or switch is required)");
}

/* ---- NPU ------------------------------------------------------------------ */

static void test_npu_valid(void **state)
{
	static const char yaml[] =
	    "tenants:\n"
	    "  - name: acme\n"
	    "    match: [{port: 0}]\n"
	    "    npu_contexts:\n"
	    "      - old\n"
	    "      - name: cam\n"
	    "        model: digits\n"
	    "        input: {format: rfc4175, pixel: rgb8, width: 64, height: 48, payload_type: 96}\n"
	    "        weight: 3\n"
	    "        priority: 7\n"
	    "        quota_fps: 30\n"
	    "        batch: {threshold: 4, timeout_us: 2000}\n"
	    "        queue_depth: 8\n"
	    "        window: 0x100000\n"
	    "        result: {port: 1, dst_mac: \"02:00:00:00:00:0b\", src_mac: \"02:00:00:00:00:0a\",\n"
	    "                 src_ip: 10.0.0.1, dst_ip: 10.0.0.2, sport: 7000, dport: 9000}\n"
	    "      - {name: tens, model: digits, input: {format: tensor, width: 8, height: 8},\n"
	    "         result: sender}\n"
	    "    default: {to_npu: cam}\n"
	    "npu:\n"
	    "  device: swnpu,mem=64M\n"
	    "  copy: dmadev\n"
	    "  models:\n"
	    "    - {name: digits, file: /abs/digits.snm}\n"
	    "    - {name: rel, file: rel.snm}\n";
	struct sluice_config *cfg = load_ok(yaml, NULL);
	const struct sluice_tenant *t = &cfg->tenants[0];
	const struct sluice_npu_context *c;

	(void)state;
	assert_string_equal(cfg->npu.device, "swnpu,mem=64M");
	assert_int_equal(cfg->npu.copy, SLUICE_NPU_COPY_DMADEV);
	assert_int_equal(cfg->npu.nb_models, 2);
	assert_string_equal(cfg->npu.models[0].file, "/abs/digits.snm");
	/* From a buffer, a relative file stays relative (to the current directory). */
	assert_string_equal(cfg->npu.models[1].file, "rel.snm");
	assert_int_equal(cfg->npu.models[1].pos.line, 25);
	assert_int_equal(t->nb_npu_contexts, 3);
	c = &t->npu_contexts[0];
	assert_string_equal(c->name, "old");
	assert_string_equal(c->model, "");
	c = &t->npu_contexts[1];
	assert_string_equal(c->name, "cam");
	assert_string_equal(c->model, "digits");
	assert_int_equal(c->input.format, SLUICE_NPU_FMT_RFC4175);
	assert_int_equal(c->input.pixel, SLUICE_NPU_PIX_RGB8);
	assert_int_equal(c->input.width, 64);
	assert_int_equal(c->input.height, 48);
	assert_int_equal(c->input.payload_type, 96);
	assert_int_equal(c->weight, 3);
	assert_int_equal(c->priority, 7);
	assert_int_equal(c->quota_fps, 30);
	assert_int_equal(c->batch_threshold, 4);
	assert_int_equal(c->batch_timeout_us, 2000);
	assert_int_equal(c->queue_depth, 8);
	assert_int_equal(c->window, 0x100000);
	assert_false(c->result.to_sender);
	assert_int_equal(c->result.port, 1);
	assert_int_equal(c->result.dst_mac[5], 0x0b);
	assert_int_equal(c->result.src_mac[5], 0x0a);
	assert_int_equal(c->result.src_ip, htonl(0x0a000001));
	assert_int_equal(c->result.dst_ip, htonl(0x0a000002));
	assert_int_equal(c->result.sport, 7000);
	assert_int_equal(c->result.dport, 9000);
	assert_int_equal(c->pos.line, 6);
	assert_int_equal(c->pos.column, 9);
	c = &t->npu_contexts[2];
	assert_int_equal(c->input.format, SLUICE_NPU_FMT_TENSOR);
	assert_int_equal(c->input.pixel, SLUICE_NPU_PIX_GRAY8);
	assert_int_equal(c->weight, 1);
	assert_int_equal(c->queue_depth, SLUICE_NPU_QUEUE_DEPTH_DEFAULT);
	assert_int_equal(c->batch_threshold, 1);
	assert_true(c->result.to_sender);
	assert_string_equal(t->default_actions.npu_context, "cam");
	sluice_config_free(cfg);
}

static void test_npu_errors(void **state)
{
	(void)state;
	expect("npu:\n"
	       "  device: [x]\n"
	       "  copy: fast\n"
	       "  modls: []\n"
	       "  models:\n"
	       "    - {name: digits, file: d.snm}\n"
	       "    - {name: digits, file: e.snm}\n"
	       "    - {file: f.snm}\n"
	       "    - {name: empty, file: ''}\n"
	       "    - nope\n"
	       "tenants:\n"
	       "  - name: acme\n"
	       "    match: [{port: 0}]\n"
	       "    npu_contexts:\n"
	       "      - {name: a, model: digits}\n"
	       "      - {name: b, model: nosuch, input: {format: rfc4175, width: 8, height: 8}}\n"
	       "      - {name: c, model: digits, input: {format: h264, pixel: yuv, width: 8, height: 8, payload_type: 300}}\n"
	       "      - {name: d, model: digits, input: {format: tensor, width: 8, height: 8, payload_type: 96}}\n"
	       "      - {name: e, model: digits, input: {format: rfc4175, width: 8, height: 8},\n"
	       "         batch: {timeout: 1}, queue_depth: 70000, window: 0x10000000000000000, colour: red}\n"
	       "      - {name: f, model: digits, input: {format: rfc4175, width: 8, height: 8}, batch: {threshold: 20}}\n"
	       "      - {name: g, model: digits, input: {format: rfc4175, width: 32, height: 32}, window: 1000}\n"
	       "      - {name: h, model: digits, input: {format: rfc4175, width: 8, height: 8}, result: back}\n"
	       "      - {name: i, model: digits, input: {format: rfc4175, width: 8, height: 8},\n"
	       "         result: {port: 0, dst_mac: \"00:00:00:00:00:00\", src_mac: \"02:00:00:00:00:01\", src_ip: 10.0.0.1, dst_ip: 10.0.0.2, dport: 1}}\n"
	       "      - {name: j, model: digits, input: {format: rfc4175, width: 8, height: 8}, result: {port: 0, dport: 70000}}\n"
	       "      - {name: k, weight: 2}\n"
	       "      - {model: digits}\n"
	       "      - [x]\n"
	       "      - {name: l, model: digits, input: {format: rfc4175, width: 0, height: 8}}\n"
	       "      - {name: m, model: digits, input: {format: rfc4175, width: 8, height: 8}, weight: 0}\n"
	       "      - {name: n, model: digits, input: {format: rfc4175, width: 8, height: 8}, priority: 8}\n"
	       "      - {name: o, model: digits, input: {format: rfc4175, width: 8, height: 8}, queue_depth: 0}\n",
	       "t.yaml:2:11: device: expected a scalar, got a list",
	       "t.yaml:3:9: copy 'fast' is not cpu, dmadev or zerocopy",
	       "t.yaml:4:3: unknown key 'modls' in npu (expected device, copy, models)",
	       "t.yaml:7:8: model 'digits' already exists",
	       "t.yaml:8:7: missing key 'name' in model",
	       "t.yaml:9:21: model 'empty' has an empty file",
	       "t.yaml:10:7: model: expected a mapping, got a scalar",
	       "t.yaml:15:9: missing key 'input' in npu context",
	       "t.yaml:16:19: model 'nosuch' is not one of the npu section's models",
	       "t.yaml:17:50: format 'h264' is not rfc4175 or tensor",
	       "t.yaml:17:63: pixel 'yuv' is not gray8 or rgb8",
	       "t.yaml:17:103: payload_type 300 out of range 96..127",
	       "t.yaml:18:79: payload_type applies to rfc4175 input only",
	       "t.yaml:20:18: unknown key 'timeout' in batch (expected threshold, timeout_us)",
	       "t.yaml:20:44: queue_depth 70000 out of range 1..1024",
	       "t.yaml:20:59: window 0x10000000000000000 out of range 0..4294967296",
	       "t.yaml:20:80: unknown key 'colour' in npu context (expected name, model, input, weight, "
	       "priority, quota_fps, batch, queue_depth, window, result)",
	       "t.yaml:21:89: threshold 20 out of range 1..16 (the queue_depth)",
	       "t.yaml:22:83: window 1000 is too small for queue_depth 16 frames of 1024 bytes (at least 16384)",
	       "t.yaml:23:89: result 'back' is not sender or a mapping (port, dst_mac, src_mac, src_ip, dst_ip, dport)",
	       "t.yaml:25:28: dst_mac must not be 00:00:00:00:00:00",
	       "t.yaml:26:89: missing key 'dst_mac' in result",
	       "t.yaml:26:89: missing key 'src_mac' in result",
	       "t.yaml:26:89: missing key 'src_ip' in result",
	       "t.yaml:26:89: missing key 'dst_ip' in result",
	       "t.yaml:26:106: dport 70000 out of range 1..65535",
	       "t.yaml:27:9: npu context 'k' has no model; a context without one takes only a name",
	       "t.yaml:28:9: missing key 'name' in npu context",
	       "t.yaml:28:9: missing key 'input' in npu context",
	       "t.yaml:29:9: npu context: expected a mapping, got a list",
	       "t.yaml:30:59: width 0 out of range 1..4096",
	       "t.yaml:31:81: weight 0 out of range 1..100",
	       "t.yaml:32:81: priority 8 out of range 0..7",
	       "t.yaml:33:81: queue_depth 0 out of range 1..1024");
}

/* A relative model file is taken from the tenant file's directory. */
static void test_npu_model_path(void **state)
{
	struct sluice_load_opts opts = {.sz = sizeof(opts), .nb_ports = 3, .resolve_port = demo_ports};
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;

	(void)state;
	assert_int_equal(
	    sluice_config_load_file(SLUICE_SRC_DIR "/configs/example.yaml", &opts, &cfg, &d), 0);
	assert_int_equal(cfg->npu.nb_models, 1);
	assert_string_equal(cfg->npu.models[0].name, "digits");
	assert_string_equal(cfg->npu.models[0].file, SLUICE_SRC_DIR "/configs/../models/digits.snm");
	sluice_config_free(cfg);
}

/* ---- limits and the API --------------------------------------------------- */

static void test_many_errors(void **state)
{
	struct sluice_config *cfg = POISON;
	struct sluice_diags d;
	char *yaml = malloc(64 * 1024), *p = yaml;
	unsigned int i;

	(void)state;
	if (yaml == NULL) {
		fail_msg("out of memory");
		return; /* cmocka's fail_msg is not declared noreturn */
	}
	p += sprintf(p, "tenants:\n");
	for (i = 0; i < 100; i++)
		p += snprintf(p, (size_t)(yaml + 64 * 1024 - p), "  - {name: t%u, match: [{port: 0, vlan: 4095}]}\n", i);
	assert_int_equal(load(yaml, NULL, &cfg, &d), -EINVAL);
	assert_ptr_equal(cfg, POISON);
	assert_int_equal(d.count, SLUICE_DIAG_MAX);
	assert_int_equal(d.dropped, 100 - SLUICE_DIAG_MAX);
	assert_string_equal(d.items[0].text, "t.yaml:2:34: vlan 4095 out of range 1..4094");
	assert_int_equal(d.items[63].line, 65);
	assert_int_equal(d.items[63].column, 35); /* "t63" */
	/* Diagnostics are optional. */
	assert_int_equal(load(yaml, NULL, &cfg, NULL), -EINVAL);
	assert_ptr_equal(cfg, POISON);
	free(yaml);
}

static void test_api(void **state)
{
	struct sluice_load_opts opts = {.sz = sizeof(opts)};
	struct {
		struct sluice_load_opts o;
		uint64_t future;
	} big = {.o = {.sz = sizeof(big)}};
	struct sluice_config *cfg = POISON;
	struct sluice_diags d;
	char *huge;

	(void)state;
	assert_int_equal(sluice_config_load_file("/nonexistent/t.yaml", NULL, &cfg, &d), -ENOENT);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.items[0].text,
			    "/nonexistent/t.yaml: cannot open: No such file or directory");
	assert_int_equal(d.items[0].line, 0);

	opts.sz = 4;
	assert_int_equal(load(T0, &opts, &cfg, &d), -EINVAL);
	assert_string_equal(d.items[0].text, "t.yaml: bad struct sluice_load_opts (sz 4)");
	/* A newer caller's struct is fine while its extra fields are zero. */
	cfg = load_ok(T0, &big.o);
	sluice_config_free(cfg);
	cfg = POISON;
	big.future = 1;
	assert_int_equal(load(T0, &big.o, &cfg, &d), -EINVAL);
	assert_ptr_equal(cfg, POISON);

	huge = calloc(1, SLUICE_LOAD_SIZE_MAX + 2);
	assert_non_null(huge);
	memset(huge, ' ', SLUICE_LOAD_SIZE_MAX + 1);
	assert_int_equal(
	    sluice_config_load_buf("big.yaml", huge, SLUICE_LOAD_SIZE_MAX + 1, NULL, &cfg, &d),
	    -EFBIG);
	assert_string_equal(d.items[0].text, "big.yaml: file is larger than 16 MiB");
	free(huge);
	assert_ptr_equal(cfg, POISON);
}

/* 1,000 tenants, 100,000 exact flows, 1,000 rules: catches quadratic work. */
static void test_scale(void **state)
{
	size_t cap = 16 << 20, len = 0;
	char *yaml = malloc(cap);
	struct sluice_config *cfg;
	struct timespec t0, t1;
	unsigned int t, i;
	double secs;

	(void)state;
	if (yaml == NULL) {
		fail_msg("out of memory");
		return; /* cmocka's fail_msg is not declared noreturn */
	}
	len += (size_t)snprintf(yaml + len, cap - len, "tenants:\n");
	for (t = 0; t < 1000; t++) {
		/* Half the flows in one tenant, so per-tenant checks see 50,050. */
		unsigned int nb = t == 0 ? 50050 : 50;

		len += (size_t)snprintf(yaml + len, cap - len,
				       "- name: t%u\n  match: [{port: 0, vlan: %u}]\n  flows:\n", t,
				       t + 1);
		for (i = 0; i < nb; i++)
			len += (size_t)snprintf(
			    yaml + len, cap - len,
			    "  - {match: {proto: tcp, src: 10.0.%u.%u, dst: 10.1.0.1, "
			    "sport: %u, dport: 80}, actions: [count, {forward: 1}]}\n",
			    i >> 8 & 0xff, i & 0xff, i >> 16);
		len += (size_t)snprintf(
		    yaml + len, cap - len,
		    "  rules:\n  - {match: {proto: udp, dport: 53}, actions: [drop]}\n");
		assert_true(len < cap - (1 << 20));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cfg = load_ok(yaml, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_message("loaded %zu bytes, %u flows, %u rules in %.3f s\n", len,
		      sluice_config_nb_flows(cfg), sluice_config_nb_rules(cfg), secs);
	assert_int_equal(cfg->nb_tenants, 1000);
	assert_int_equal(sluice_config_nb_flows(cfg), 100000);
	assert_int_equal(sluice_config_nb_rules(cfg), 1000);
	sluice_config_free(cfg);
	free(yaml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),	  cmocka_unit_test(test_all_constructs),
	    cmocka_unit_test(test_empty_tenants), cmocka_unit_test(test_port_names),
	    cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_document_errors),
	    cmocka_unit_test(test_type_errors),	  cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_number_errors), cmocka_unit_test(test_tenant_errors),
	    cmocka_unit_test(test_nb_ports),	  cmocka_unit_test(test_flow_errors),
	    cmocka_unit_test(test_rule_errors),	  cmocka_unit_test(test_action_errors),
	    cmocka_unit_test(test_npu_valid), cmocka_unit_test(test_npu_errors),
	    cmocka_unit_test(test_npu_model_path),
	    cmocka_unit_test(test_many_errors),	  cmocka_unit_test(test_api),
	    cmocka_unit_test(test_scale),
		SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
