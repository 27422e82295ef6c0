/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of vNICs, uplinks and the switch action in the tenant model
 * (control/sluice_model.h) and the tenant file loader: every check with its
 * exact message, field and position, and that a failed call changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_model_test.h"
#include "sluice_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "sluice_loader.h"
#include "sluice_model.h"

static struct sluice_vnic vnic(const char *name, const char *sock, const char *mac)
{
	struct sluice_vnic v;

	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "%s", name);
	snprintf(v.socket, sizeof(v.socket), "%s", sock);
	v.queues = 1;
	assert_int_equal(sluice_model_parse_mac(mac, v.mac), 0);
	return v;
}

static struct sluice_config *g_cfg;
static struct sluice_tenant *g_t;
static struct sluice_vnic g_v;
static struct sluice_uplink g_u;

static int call_vnic_add(struct sluice_err *e)
{
	return sluice_model_vnic_add(g_cfg, g_t, &g_v, e);
}

static int call_uplink_set(struct sluice_err *e)
{
	return sluice_model_uplink_set(g_cfg, g_t, &g_u, e);
}

/* ---- model: vNICs --------------------------------------------------------- */

static void test_vnic_add(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *acme = sluice_test_tenant(cfg, "acme"),
			     *globex = sluice_test_tenant(cfg, "globex");
	struct sluice_err err;
	char name[80];

	(void)state;
	g_cfg = cfg;
	g_v = vnic("vm1", "/run/sluice/acme-vm1.sock", "02:00:00:00:01:01");
	g_v.mode = SLUICE_VNIC_CLIENT;
	g_v.queues = 2;
	g_v.pos = (struct sluice_pos){7, 9};
	g_t = acme;
	assert_int_equal(call_vnic_add(&err), 0);
	assert_int_equal(acme->nb_vnics, 1);
	assert_string_equal(acme->vnics[0].name, "vm1");
	assert_string_equal(acme->vnics[0].socket, "/run/sluice/acme-vm1.sock");
	assert_int_equal(acme->vnics[0].mode, SLUICE_VNIC_CLIENT);
	assert_int_equal(acme->vnics[0].queues, 2);
	assert_int_equal(acme->vnics[0].pos.line, 7);
	assert_ptr_equal(sluice_tenant_vnic(acme, "vm1"), &acme->vnics[0]);
	assert_null(sluice_tenant_vnic(acme, "vm2"));

	/* Names, sockets, MACs: unique in the tenant and on the host. */
	sluice_assert_err(call_vnic_add, -EEXIST, "name", "vnic 'vm1' already exists");
	g_v = vnic("vm2", "/run/sluice/acme-vm1.sock", "02:00:00:00:01:02");
	sluice_assert_err(
	    call_vnic_add, -EEXIST, "socket",
	    "socket '/run/sluice/acme-vm1.sock' is already used by vnic 'vm1' of tenant "
	    "'acme'");
	g_t = globex;
	g_v = vnic("vm1", "/run/sluice/globex-vm1.sock", "02:00:00:00:01:01");
	sluice_assert_err(call_vnic_add, -EEXIST, "mac",
			  "mac 02:00:00:00:01:01 is already vnic 'vm1' of tenant 'acme'");
	/* Same vNIC name in another tenant is fine. */
	g_v.mac[5] = 0x11;
	assert_int_equal(call_vnic_add(&err), 0);

	/* Each field's own checks. */
	g_t = acme;
	g_v = vnic("", "/s", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "name", "vnic name is empty");
	g_v = vnic("a b", "/s", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "name",
			  "vnic name 'a b' has a character outside [A-Za-z0-9_.-]");
	memset(g_v.name, 'x', sizeof(g_v.name));
	sluice_assert_err(call_vnic_add, -EINVAL, "name", "vnic name is longer than 31 characters");
	g_v = vnic("vm3", "", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket", "socket path is empty");
	g_v = vnic("vm3", "run/x.sock", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket 'run/x.sock' is not an absolute path");
	g_v = vnic("vm3", "/tmp/a,client=1", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket '/tmp/a,client=1' has a character outside [A-Za-z0-9_.+/-]");
	g_v = vnic("vm3", "/tmp/../etc/x", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket '/tmp/../etc/x' has a '.' or '..' component");
	g_v = vnic("vm3", "/tmp/./x", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket '/tmp/./x' has a '.' or '..' component");
	g_v = vnic("vm3", "/tmp//x", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket '/tmp//x' has an empty component");
	g_v = vnic("vm3", "/tmp/x/", "02:00:00:00:00:09");
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket '/tmp/x/' has an empty component");
	g_v = vnic("vm3", "/tmp/..x/.y", "02:00:00:00:00:09"); /* dots inside names are fine */
	assert_int_equal(call_vnic_add(&err), 0);
	assert_int_equal(sluice_model_vnic_del(acme, "vm3", &err), 0);
	g_v = vnic("vm3", "/s", "02:00:00:00:00:09");
	memset(g_v.socket, 'a', sizeof(g_v.socket));
	g_v.socket[0] = '/';
	sluice_assert_err(call_vnic_add, -EINVAL, "socket",
			  "socket path is longer than 107 characters");
	g_v = vnic("vm3", "/s", "02:00:00:00:00:09");
	g_v.mode = (enum sluice_vnic_mode)7;
	sluice_assert_err(call_vnic_add, -EINVAL, "mode", "mode 7 is not server or client");
	g_v.mode = SLUICE_VNIC_SERVER;
	g_v.queues = 0;
	sluice_assert_err(call_vnic_add, -EINVAL, "queues", "queues 0 out of range 1..8");
	g_v.queues = 9;
	sluice_assert_err(call_vnic_add, -EINVAL, "queues", "queues 9 out of range 1..8");
	g_v = vnic("vm3", "/s", "00:00:00:00:00:00");
	sluice_assert_err(call_vnic_add, -EINVAL, "mac", "mac must not be 00:00:00:00:00:00");
	g_v = vnic("vm3", "/s", "01:00:5e:00:00:01");
	sluice_assert_err(call_vnic_add, -EINVAL, "mac", "mac must not be a multicast address");
	assert_int_equal(acme->nb_vnics, 1);

	/* The ethdev name must fit DPDK's device names, and be the host's only one. */
	assert_int_equal(sluice_vnic_dev_name("acme", "vm1", name, sizeof(name)), 18);
	assert_string_equal(name, "net_vhost_acme_vm1");
	g_t = sluice_test_tenant(cfg, "a-tenant-with-a-name-of-thirty1");
	g_v = vnic("a-vnic-with-a-long-name-too", "/s", "02:00:00:00:00:09");
	sluice_assert_err(
	    call_vnic_add, -EINVAL, "name",
	    "vnic ethdev name 'net_vhost_a-tenant-with-a-name-of-thirty1_a-vnic-with-a-long-"
	    "name-too' is longer than 63 characters; shorten the tenant or vnic name");
	g_t = sluice_test_tenant(cfg, "a_b");
	g_v = vnic("c", "/s1", "02:00:00:00:00:0a");
	assert_int_equal(call_vnic_add(&err), 0);
	g_t = sluice_test_tenant(cfg, "a");
	g_v = vnic("b_c", "/s2", "02:00:00:00:00:0b");
	sluice_assert_err(
	    call_vnic_add, -EEXIST, "name",
	    "vnic ethdev name 'net_vhost_a_b_c' is also tenant 'a_b' vnic 'c'; rename one");
	sluice_config_free(cfg);
}

static void test_vnic_limit_del_clone(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0), *c;
	struct sluice_tenant *t = sluice_test_tenant(cfg, "big");
	struct sluice_err err;
	char sock[32], mac[18];
	unsigned int i;

	(void)state;
	for (i = 0; i < SLUICE_VNICS_MAX; i++) {
		char name[16];

		snprintf(name, sizeof(name), "v%u", i);
		snprintf(sock, sizeof(sock), "/s/%u", i);
		snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", i >> 8, i & 0xff);
		g_v = vnic(name, sock, mac);
		assert_int_equal(sluice_model_vnic_add(cfg, t, &g_v, &err), 0);
	}
	g_cfg = cfg;
	g_t = sluice_test_tenant(cfg, "more");
	g_v = vnic("x", "/s/x", "02:00:00:01:00:00");
	sluice_assert_err(call_vnic_add, -ENOSPC, "", "too many vnics (limit 256)");

	/* Delete keeps the order of the rest, and frees the name, socket and MAC. */
	assert_int_equal(sluice_model_vnic_del(t, "v1", &err), 0);
	assert_int_equal(t->nb_vnics, SLUICE_VNICS_MAX - 1);
	assert_string_equal(t->vnics[0].name, "v0");
	assert_string_equal(t->vnics[1].name, "v2");
	assert_int_equal(sluice_model_vnic_del(t, "v1", &err), -ENOENT);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.msg, "no vnic 'v1' in tenant 'big'");
	g_v = vnic("v1", "/s/1", "02:00:00:00:00:01");
	assert_int_equal(call_vnic_add(&err), 0);

	/* A clone holds its own copy, byte for byte. */
	g_u.kind = SLUICE_UPLINK_NONE;
	c = sluice_config_clone(cfg);
	assert_non_null(c);
	assert_int_equal(c->tenants[0].nb_vnics, t->nb_vnics);
	assert_ptr_not_equal(c->tenants[0].vnics, t->vnics);
	assert_memory_equal(c->tenants[0].vnics, t->vnics, t->nb_vnics * sizeof(*t->vnics));
	assert_int_equal(sluice_model_vnic_del(&c->tenants[0], "v0", &err), 0);
	assert_string_equal(t->vnics[0].name, "v0");
	sluice_config_free(c);
	assert_int_equal(sluice_model_tenant_del(cfg, "big", &err), 0);
	sluice_config_free(cfg);
}

/* ---- model: uplinks and the switch action ---------------------------------- */

static struct sluice_match match(enum sluice_match_kind kind, uint16_t port, uint16_t vlan,
				 uint32_t vni)
{
	struct sluice_match m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.port = port;
	m.vlan = vlan;
	m.vni = vni;
	return m;
}

static void test_uplink(void **state)
{
	struct sluice_config *cfg = sluice_config_new(2);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme");
	struct sluice_match m;
	struct sluice_err err;

	(void)state;
	g_cfg = cfg;
	g_t = t;
	memset(&g_u, 0, sizeof(g_u));
	g_u.kind = SLUICE_UPLINK_VLAN;
	g_u.port = 1;
	g_u.vlan = 100;
	sluice_assert_err(
	    call_uplink_set, -EINVAL, "vlan",
	    "uplink vlan 100 needs the tenant's match {port: 1, vlan: 100}, which brings its "
	    "frames back");
	m = match(SLUICE_MATCH_VLAN, 1, 100, 0);
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	assert_int_equal(call_uplink_set(&err), 0);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(t->uplink.vlan, 100);
	g_u.vlan = 0;
	sluice_assert_err(call_uplink_set, -EINVAL, "vlan", "vlan 0 out of range 1..4094");
	g_u.vlan = 100;
	g_u.port = 2;
	sluice_assert_err(call_uplink_set, -EINVAL, "port",
			  "uplink port 2 does not exist (ports are 0..1)");
	g_u.port = 0;
	g_u.kind = SLUICE_UPLINK_PORT;
	sluice_assert_err(
	    call_uplink_set, -EINVAL, "port",
	    "uplink port 0 untagged needs the tenant's match {port: 0}, which brings its "
	    "frames back");
	m = match(SLUICE_MATCH_PORT, 0, 0, 0);
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	assert_int_equal(call_uplink_set(&err), 0);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_PORT);
	assert_int_equal(t->uplink.vlan, 0);

	g_u.kind = SLUICE_UPLINK_VXLAN;
	g_u.port = 1;
	g_u.vxlan.vni = 42;
	sluice_assert_err(call_uplink_set, -EINVAL, "src_mac",
			  "src_mac must not be 00:00:00:00:00:00");
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:01", g_u.vxlan.src_mac), 0);
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:02", g_u.vxlan.dst_mac), 0);
	g_u.vxlan.src_ip = htonl(0xc0000201);
	g_u.vxlan.dst_ip = htonl(0xc0000202);
	sluice_assert_err(
	    call_uplink_set, -EINVAL, "vni",
	    "uplink vni 42 needs the tenant's match {vni: 42} (or {port: 1, vni: 42}), which "
	    "brings its frames back");
	/* The failed calls left the PORT uplink in place. */
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_PORT);
	m = match(SLUICE_MATCH_VNI, SLUICE_PORT_ANY, 0, 42);
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	assert_int_equal(call_uplink_set(&err), 0);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VXLAN);
	assert_int_equal(t->uplink.vxlan.vni, 42);
	g_u.kind = (enum sluice_uplink_kind)9;
	sluice_assert_err(call_uplink_set, -EINVAL, "uplink", "unknown uplink kind 9");
	g_u.kind = SLUICE_UPLINK_NONE;
	assert_int_equal(call_uplink_set(&err), 0);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_NONE);
	assert_string_equal(sluice_uplink_kind_name(SLUICE_UPLINK_VXLAN), "vxlan");
	assert_string_equal(sluice_vnic_mode_name(SLUICE_VNIC_CLIENT), "client");
	sluice_config_free(cfg);
}

static struct sluice_actions g_a;

static int call_actions_check(struct sluice_err *e)
{
	return sluice_model_actions_check(g_cfg, g_t, &g_a, e);
}

static void test_switch_action(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);

	(void)state;
	g_cfg = cfg;
	g_t = sluice_test_tenant(cfg, "acme");
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_COUNT | SLUICE_ACT_METER |
						SLUICE_ACT_SWITCH,
				      .meter = {1, 1, 1, 1}};
	assert_int_equal(call_actions_check(NULL), 0);
	g_a.flags = SLUICE_ACT_SWITCH | SLUICE_ACT_DROP;
	sluice_assert_err(call_actions_check, -EINVAL, "actions",
			  "more than one terminal action (drop and switch); give exactly one");
	g_a.flags = SLUICE_ACT_SWITCH | SLUICE_ACT_DECAP;
	sluice_assert_err(
	    call_actions_check, -EINVAL, "switch",
	    "switch cannot be combined with vxlan_decap (the tenant's uplink says how "
	    "switched frames are wrapped)");
	g_a.flags = SLUICE_ACT_SWITCH | SLUICE_ACT_ENCAP;
	sluice_assert_err(
	    call_actions_check, -EINVAL, "switch",
	    "switch cannot be combined with vxlan_encap (the tenant's uplink says how "
	    "switched frames are wrapped)");
	g_a.flags = SLUICE_ACT_SWITCH << 1 | SLUICE_ACT_DROP;
	sluice_assert_err(call_actions_check, -EINVAL, "actions", "unknown action flags 0x100");
	sluice_config_free(cfg);
}

/* ---- loader ----------------------------------------------------------------- */

#define POISON ((struct sluice_config *)(uintptr_t)0x5a5a)

static void expect_msgs(const char *yaml, const char *const *msgs)
{
	struct sluice_config *cfg = POISON;
	struct sluice_diags d;
	unsigned int i, n;
	int rc;

	rc = sluice_config_load_buf("t.yaml", yaml, strlen(yaml), NULL, &cfg, &d);
	for (n = 0; msgs[n] != NULL; n++)
		;
	for (i = 0; i < d.count; i++)
		if (d.count != n || strcmp(d.items[i].text, msgs[i]) != 0)
			break;
	if (i < d.count)
		for (i = 0; i < d.count; i++)
			print_message("got: %s\n", d.items[i].text);
	assert_int_equal(rc, -EINVAL);
	assert_ptr_equal(cfg, POISON);
	assert_int_equal(d.count, n);
	for (i = 0; i < n; i++)
		assert_string_equal(d.items[i].text, msgs[i]);
}

#define expect(yaml, ...) expect_msgs(yaml, (const char *const[]){__VA_ARGS__, NULL})

static struct sluice_config *load_ok(const char *yaml)
{
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;
	unsigned int i;
	int rc;

	rc = sluice_config_load_buf("t.yaml", yaml, strlen(yaml), NULL, &cfg, &d);
	for (i = 0; rc != 0 && i < d.count; i++)
		print_message("%s\n", d.items[i].text);
	assert_int_equal(rc, 0);
	return cfg;
}

static void test_load_vnics(void **state)
{
	static const uint8_t mac1[6] = {2, 0, 0, 0, 1, 1}, mac2[6] = {2, 0, 0, 0, 1, 2};
	struct sluice_config *cfg;
	const struct sluice_tenant *t;

	(void)state;
	cfg = load_ok("tenants:\n"
		      "  - name: acme\n"
		      "    match: [{port: 0, vlan: 100}]\n"
		      "    uplink: {port: 0, vlan: 100}\n"
		      "    vnics:\n"
		      "      - {name: vm1, socket: /run/s/vm1, mac: \"02:00:00:00:01:01\"}\n"
		      "      - name: vm2\n"
		      "        socket: /run/s/vm2\n"
		      "        mode: client\n"
		      "        queues: 4\n"
		      "        mac: \"02:00:00:00:01:02\"\n"
		      "  - name: lonely\n"
		      "    vnics: [{name: a, socket: /run/s/a, mac: \"02:00:00:00:02:01\"}]\n"
		      "  - name: vx\n"
		      "    match: [{vni: 42}]\n"
		      "    vnics: []\n"
		      "    uplink:\n"
		      "      port: 1\n"
		      "      vxlan: {src_mac: \"02:00:00:00:00:01\", dst_mac: \"02:00:00:00:00:02\",\n"
		      "              src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 42}\n"
		      "    default: [count, switch]\n");
	assert_int_equal(cfg->nb_tenants, 3);
	t = &cfg->tenants[0];
	assert_int_equal(t->nb_vnics, 2);
	assert_string_equal(t->vnics[0].name, "vm1");
	assert_string_equal(t->vnics[0].socket, "/run/s/vm1");
	assert_int_equal(t->vnics[0].mode, SLUICE_VNIC_SERVER);
	assert_int_equal(t->vnics[0].queues, 1);
	assert_memory_equal(t->vnics[0].mac, mac1, 6);
	assert_int_equal(t->vnics[0].pos.line, 6);
	assert_int_equal(t->vnics[0].pos.column, 9);
	assert_int_equal(t->vnics[1].mode, SLUICE_VNIC_CLIENT);
	assert_int_equal(t->vnics[1].queues, 4);
	assert_memory_equal(t->vnics[1].mac, mac2, 6);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(t->uplink.port, 0);
	assert_int_equal(t->uplink.vlan, 100);
	assert_int_equal(t->uplink.pos.line, 4);
	/* A tenant with vNICs and no default switches. */
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_SWITCH);
	t = &cfg->tenants[1];
	assert_int_equal(t->nb_matches, 0);
	assert_int_equal(t->nb_vnics, 1);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_NONE);
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_SWITCH);
	t = &cfg->tenants[2];
	assert_int_equal(t->nb_vnics, 0);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VXLAN);
	assert_int_equal(t->uplink.port, 1);
	assert_int_equal(t->uplink.vxlan.vni, 42);
	assert_int_equal(t->uplink.vxlan.dst_ip, htonl(0xc0000202));
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_COUNT | SLUICE_ACT_SWITCH);
	sluice_config_free(cfg);

	/* No vNICs: the default stays drop. */
	cfg = load_ok("tenants: [{name: a, match: [{port: 0}], uplink: {port: 0}}]\n");
	assert_int_equal(cfg->tenants[0].default_actions.flags, SLUICE_ACT_DROP);
	assert_int_equal(cfg->tenants[0].uplink.kind, SLUICE_UPLINK_PORT);
	sluice_config_free(cfg);
}

static void test_load_vnic_errors(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - name: acme\n"
	       "    vnics:\n"
	       "      - {name: vm1, socket: /s/1, mac: \"02:00:00:00:01:01\", mode: both}\n"
	       "      - {socket: [a], queues: 0, mac: \"02:00:00:00:01\"}\n"
	       "      - {name: vm1, sockt: /s/2, mac: \"02:00:00:00:01:02\"}\n"
	       "      - {name: vm3, socket: /s/1, mac: \"02:00:00:00:01:03\", queues: 9}\n"
	       "      - {name: vm4, socket: /s/4, mac: \"02:00:00:00:01:04\", queues: 2}\n"
	       "      - {name: vm5, socket: /s/5, mac: \"02:00:00:00:01:04\"}\n"
	       "      - {name: vm6, socket: \"/s/6,client=1\", mac: \"02:00:00:00:01:06\"}\n"
	       "      - {name: vm4, socket: /s/7, mac: \"02:00:00:00:01:07\"}\n"
	       "      - {name: vm8, socket: /s/8, mac: \"03:00:00:00:01:08\"}\n"
	       "      - plain\n"
	       "  - name: none\n"
	       "    vnics: {}\n",
	       "t.yaml:4:67: mode 'both' is not server or client",
	       "t.yaml:5:9: missing key 'name' in vnic",
	       /* queues 0 is the model's to refuse: never reached, the vnic has errors */
	       "t.yaml:5:18: socket: expected a scalar, got a list",
	       "t.yaml:5:39: mac '02:00:00:00:01' is not a MAC address (aa:bb:cc:dd:ee:ff)",
	       "t.yaml:6:9: missing key 'socket' in vnic",
	       "t.yaml:6:21: unknown key 'sockt' in vnic (expected name, socket, mode, queues, mac)",
	       /* the model checks queues before the socket's uniqueness */
	       "t.yaml:7:61: queues 9 out of range 1..8",
	       "t.yaml:9:35: mac 02:00:00:00:01:04 is already vnic 'vm4' of tenant 'acme'",
	       "t.yaml:10:21: socket '/s/6,client=1' has a character outside [A-Za-z0-9_.+/-]",
	       "t.yaml:11:10: vnic 'vm4' already exists",
	       "t.yaml:12:35: mac must not be a multicast address",
	       "t.yaml:13:9: vnic: expected a mapping, got a scalar",
	       "t.yaml:14:5: tenant 'none' has no match; give at least one (e.g. {port: 0})",
	       "t.yaml:15:12: vnics: expected a list, got a mapping");
}

static void test_load_uplink_errors(void **state)
{
	(void)state;
	expect("tenants:\n"
	       "  - name: acme\n"
	       "    match: [{port: 0, vlan: 100}, {vni: 7}]\n"
	       "    uplink: {port: 0, vlan: 200}\n"
	       "  - name: b\n"
	       "    match: [{port: 1}]\n"
	       "    uplink: {vlan: 5000, vxlan: {vni: 7}, prt: 1}\n"
	       "  - name: c\n"
	       "    match: [{port: 2, vni: 9}]\n"
	       "    uplink:\n"
	       "      port: 2\n"
	       "      vxlan: {src_mac: \"02:00:00:00:00:01\", dst_mac: \"02:00:00:00:00:02\",\n"
	       "              src_ip: 192.0.2.1, dst_ip: 0.0.0.0, vni: 9}\n"
	       "  - name: d\n"
	       "    match: [{port: 3, vni: 9}]\n"
	       "    uplink:\n"
	       "      port: 4\n"
	       "      vxlan: {src_mac: \"02:00:00:00:00:01\", dst_mac: \"02:00:00:00:00:02\",\n"
	       "              src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 9}\n"
	       "  - name: e\n"
	       "    match: [{port: 5}]\n"
	       "    uplink: [5]\n"
	       "    default: [switch, vxlan_decap]\n",
	       "t.yaml:4:23: uplink vlan 200 needs the tenant's match {port: 0, vlan: 200}, which "
	       "brings its frames back",
	       /* vlan 5000 is the model's to refuse: never reached, the uplink has errors */
	       "t.yaml:7:13: missing key 'port' in uplink",
	       "t.yaml:7:26: vxlan cannot be combined with vlan",
	       "t.yaml:7:33: missing key 'src_mac' in vxlan_encap",
	       "t.yaml:7:33: missing key 'dst_mac' in vxlan_encap",
	       "t.yaml:7:33: missing key 'src_ip' in vxlan_encap",
	       "t.yaml:7:33: missing key 'dst_ip' in vxlan_encap",
	       "t.yaml:7:43: unknown key 'prt' in uplink (expected port, vlan, vxlan)",
	       "t.yaml:13:34: dst_ip must not be 0.0.0.0",
	       "t.yaml:19:53: uplink vni 9 needs the tenant's match {vni: 9} (or {port: 4, vni: "
	       "9}), which brings its frames back",
	       "t.yaml:22:13: uplink: expected a mapping, got a list",
	       "t.yaml:23:14: switch cannot be combined with vxlan_decap (the tenant's uplink says "
	       "how switched frames are wrapped)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vnic_add),	     cmocka_unit_test(test_vnic_limit_del_clone),
	    cmocka_unit_test(test_uplink),	     cmocka_unit_test(test_switch_action),
	    cmocka_unit_test(test_load_vnics),	     cmocka_unit_test(test_load_vnic_errors),
	    cmocka_unit_test(test_load_uplink_errors), SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
