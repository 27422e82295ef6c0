/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the tenant file writer (control/sluice_save.h): load, save,
 * load the output, save again. The two configurations must be equal object
 * for object (positions aside) and the two outputs byte-identical.
 */
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
#include <sys/stat.h>

#include "sluice_loader.h"
#include "sluice_save.h"

#ifndef SLUICE_SRC_DIR
#error "SLUICE_SRC_DIR must be defined"
#endif

static int resolve(const char *name, uint16_t *port, void *arg)
{
	static const char *const names[] = {"gen0", "net_null0", "net_null1"};
	unsigned int i;

	(void)arg;
	for (i = 0; i < 3; i++)
		if (strcmp(name, names[i]) == 0) {
			*port = (uint16_t)i;
			return 0;
		}
	return -ENOENT;
}

static const struct sluice_load_opts opts = {
    .sz = sizeof(opts),
    .resolve_port = resolve,
};

static struct sluice_config *load_buf(const char *name, const char *buf, size_t len)
{
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;
	unsigned int i;
	int rc = sluice_config_load_buf(name, buf, len, &opts, &cfg, &d);

	for (i = 0; rc != 0 && i < d.count; i++)
		fprintf(stderr, "%s\n", d.items[i].text);
	if (rc != 0)
		fprintf(stderr, "---- %s ----\n%.*s\n", name, (int)len, buf);
	assert_int_equal(rc, 0);
	return cfg;
}

static char *save(const struct sluice_config *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(sluice_config_save(cfg, f), 0);
	fclose(f);
	return buf;
}

/* Equal ignoring source positions; arrays compared bytewise (the model zero-fills). */
static void assert_model_equal(const struct sluice_config *a, const struct sluice_config *b)
{
	uint32_t i, j;

	assert_int_equal(a->nb_tenants, b->nb_tenants);
	assert_string_equal(a->npu.device, b->npu.device);
	assert_int_equal(a->npu.copy, b->npu.copy);
	assert_int_equal(a->npu.nb_models, b->npu.nb_models);
	for (i = 0; i < a->npu.nb_models; i++) {
		assert_string_equal(a->npu.models[i].name, b->npu.models[i].name);
		assert_string_equal(a->npu.models[i].file, b->npu.models[i].file);
	}
	for (i = 0; i < a->nb_tenants; i++) {
		const struct sluice_tenant *x = &a->tenants[i], *y = &b->tenants[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->nb_matches, y->nb_matches);
		assert_int_equal(x->nb_flows, y->nb_flows);
		assert_int_equal(x->nb_rules, y->nb_rules);
		assert_int_equal(x->nb_npu_contexts, y->nb_npu_contexts);
		assert_memory_equal(&x->default_actions, &y->default_actions,
				    sizeof(x->default_actions));
		for (j = 0; j < x->nb_npu_contexts; j++) {
			struct sluice_npu_context c = x->npu_contexts[j], d = y->npu_contexts[j];

			c.pos = d.pos = (struct sluice_pos){0, 0};
			if (memcmp(&c, &d, sizeof(c)) != 0)
				fail_msg("tenant %s: npu context '%s' differs after a round trip",
					 x->name, c.name);
		}
		assert_int_equal(x->nb_vnics, y->nb_vnics);
		for (j = 0; j < x->nb_vnics; j++) {
			struct sluice_vnic v = x->vnics[j], w = y->vnics[j];

			v.pos = w.pos = (struct sluice_pos){0, 0};
			if (memcmp(&v, &w, sizeof(v)) != 0)
				fail_msg("tenant %s: vnic '%s' differs after a round trip", x->name,
					 v.name);
		}
		{
			struct sluice_uplink u = x->uplink, v = y->uplink;

			u.pos = v.pos = (struct sluice_pos){0, 0};
			if (memcmp(&u, &v, sizeof(u)) != 0)
				fail_msg("tenant %s: uplink differs after a round trip", x->name);
		}
		for (j = 0; j < x->nb_matches; j++) {
			struct sluice_match m = x->matches[j], n = y->matches[j];

			m.pos = n.pos = (struct sluice_pos){0, 0};
			assert_memory_equal(&m, &n, sizeof(m));
		}
		for (j = 0; j < x->nb_flows + x->nb_rules; j++) {
			struct sluice_flow f =
			    j < x->nb_flows ? x->flows[j] : x->rules[j - x->nb_flows];
			struct sluice_flow g =
			    j < x->nb_flows ? y->flows[j] : y->rules[j - y->nb_flows];

			f.pos = g.pos = (struct sluice_pos){0, 0};
			if (memcmp(&f, &g, sizeof(f)) != 0)
				fail_msg("tenant %s: %s '%s' differs after a round trip", x->name,
					 j < x->nb_flows ? "flow" : "rule", f.name);
		}
	}
}

/* load(src) -> save -> load -> save: equal models, identical bytes. */
static void round_trip(const char *name, const char *src, size_t len)
{
	struct sluice_config *a = load_buf(name, src, len), *b;
	size_t l1, l2;
	char *s1, *s2;

	s1 = save(a, &l1);
	b = load_buf("saved.yaml", s1, l1);
	assert_model_equal(a, b);
	s2 = save(b, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	free(s1);
	free(s2);
	sluice_config_free(a);
	sluice_config_free(b);
}

static void test_example(void **state)
{
	size_t len;
	char *src = sluice_test_read_file(SLUICE_SRC_DIR "/configs/example.yaml", &len);

	(void)state;
	round_trip("example.yaml", src, len);
	free(src);
}

/* Every tenant file the functional tests use (the broken ones aside). */
/* vNICs, every kind of uplink and the switch action load back the same. */
static void test_vnics(void **state)
{
	static const char yaml[] =
	    "tenants:\n"
	    "  - name: a\n"
	    "    match: [{port: 0, vlan: 100}]\n"
	    "    vnics:\n"
	    "      - {name: a1, socket: /run/sluice/a1.sock, mac: \"02:00:00:00:0a:01\"}\n"
	    "      - {name: a2, socket: /run/sluice/a2.sock, mode: client, queues: 2,\n"
	    "         mac: \"02:00:00:00:0a:02\"}\n"
	    "    uplink: {port: 0, vlan: 100}\n"
	    "    default: [count, switch]\n"
	    "  - name: b\n"
	    "    match: [{vni: 5000}]\n"
	    "    vnics: [{name: b1, socket: /run/sluice/b1.sock, mac: \"02:00:00:00:0b:01\"}]\n"
	    "    uplink:\n"
	    "      port: 0\n"
	    "      vxlan: {src_mac: \"02:00:00:00:ff:01\", dst_mac: \"02:00:00:00:ff:02\",\n"
	    "              src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 5000, udp_src: 49152}\n"
	    "    default: switch\n"
	    "  - name: c\n"
	    "    match: [{port: 1}]\n"
	    "    vnics: [{name: c1, socket: /run/sluice/c1.sock, mac: \"02:00:00:00:0c:01\"}]\n"
	    "    uplink: {port: 1}\n"
	    "    default: switch\n"
	    "  - name: d\n"
	    "    vnics: [{name: d1, socket: /run/sluice/d1.sock, mac: \"02:00:00:00:0d:01\"}]\n"
	    "    default: switch\n";

	(void)state;
	round_trip("vnics.yaml", yaml, strlen(yaml));
	{
		struct sluice_config *cfg = load_buf("vnics.yaml", yaml, strlen(yaml));
		char *out = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);

		assert_non_null(f);
		assert_int_equal(sluice_config_save(cfg, f), 0);
		fclose(f);
		/* What was there is written: every vNIC, every uplink kind, switch. */
		assert_non_null(strstr(out, "mode: client, queues: 2, mac: \"02:00:00:00:0a:02\"}"));
		assert_non_null(strstr(out, "uplink: {port: 0, vlan: 100}"));
		assert_non_null(strstr(out, "uplink: {port: 1}"));
		assert_non_null(strstr(out, "uplink: {port: 0, vxlan: {src_mac: \"02:00:00:00:ff:01\""));
		assert_non_null(strstr(out, "default: [count, switch]"));
		assert_non_null(strstr(out, "/run/sluice/d1.sock"));
		free(out);
		sluice_config_free(cfg);
	}
}

/*
 * What vnic_add over RPC leaves: vNICs on a tenant whose default is an
 * explicit drop (tenant_add made it without vNICs). It must load back as
 * drop, not as the switch a tenant file's vNICs imply without a default.
 */
static void test_vnics_default_drop(void **state)
{
	static const char yaml[] =
	    "tenants:\n"
	    "  - name: a\n"
	    "    match: [{port: 0}]\n"
	    "    vnics: [{name: a1, socket: /run/vnic/a1.sock, mac: \"02:00:00:00:0a:01\"}]\n"
	    "    default: drop\n"
	    "  - name: b\n"
	    "    match: []\n"
	    "    vnics: [{name: b1, socket: /run/vnic/b1.sock, queues: 8, mac: "
	    "\"02:00:00:00:0b:01\"}]\n"
	    "    default: [count, drop]\n";
	struct sluice_config *cfg;
	size_t len;
	char *out;

	(void)state;
	round_trip("drop.yaml", yaml, strlen(yaml));
	cfg = load_buf("drop.yaml", yaml, strlen(yaml));
	out = save(cfg, &len);
	assert_non_null(strstr(out, "    vnics:\n      - {name: \"a1\", socket: '/run/vnic/a1.sock', "
				    "mode: server, queues: 1, mac: \"02:00:00:00:0a:01\"}\n"
				    "    default: [drop]\n"));
	assert_non_null(strstr(out, "  - name: \"b\"\n    match: []\n"));
	sluice_config_free(cfg);
	cfg = load_buf("saved.yaml", out, len);
	assert_int_equal(sluice_config_tenant(cfg, "a")->default_actions.flags, SLUICE_ACT_DROP);
	assert_int_equal(sluice_config_tenant(cfg, "b")->default_actions.flags,
			 SLUICE_ACT_COUNT | SLUICE_ACT_DROP);
	assert_int_equal(sluice_config_tenant(cfg, "b")->vnics[0].queues, 8);
	sluice_config_free(cfg);
	free(out);
}

static void test_func_cases(void **state)
{
	static const char *const files[] = {"classify", "decap",      "encap",    "launcher",
					    "malformed", "meter",     "reload_a",   "reload_b",
					    "rules",     "npu",       "npu_reload", "npu_share",
					    "gst"};
	char path[512];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *src;

		snprintf(path, sizeof(path), SLUICE_SRC_DIR "/tests/func/cases/%s.yaml", files[i]);
		src = sluice_test_read_file(path, &len);
		round_trip(files[i], src, len);
		free(src);
	}
}

/* Every construct of the schema, with values at the edges of their ranges. */
static void test_all_constructs(void **state)
{
	static const char yaml[] =
	    "tenants:\n"
	    "  - name: acme\n"
	    "    match:\n"
	    "      - {port: 0}\n"
	    "      - {port: 0, vlan: 4094}\n"
	    "      - {port: 0, vlan: 1, inner_vlan: 200}\n"
	    "      - {vni: 16777215}\n"
	    "      - {port: 63, vni: 0}\n"
	    "    npu_contexts: [ctx0, ctx.1-x_y]\n"
	    "    default: {to_npu: ctx.1-x_y}\n"
	    "    flows:\n"
	    "      - name: web\n"
	    "        match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 0, dport: 65535}\n"
	    "        actions: [count, {forward: 63}]\n"
	    "      - match: {proto: 17, src: '2001:db8::1', dst: '::', sport: 1, dport: 2}\n"
	    "        actions: drop\n"
	    "      - match: {proto: 255, src: '::ffff:1.2.3.4', dst: '::', sport: 3, dport: 2}\n"
	    "        actions: [count, drop]\n"
	    "    rules:\n"
	    "      - name: dns\n"
	    "        priority: 8191\n"
	    "        match: {family: ipv4, proto: udp, src: 10.0.0.0/8, dst: any, sport: "
	    "1024-65535, dport: 53}\n"
	    "        actions:\n"
	    "          - forward: 1\n"
	    "          - count\n"
	    "          - vxlan_encap: {src_mac: \"02:00:00:00:00:01\", dst_mac: "
	    "\"ff:ff:ff:ff:ff:ff\",\n"
	    "                          src_ip: 192.0.2.1, dst_ip: 255.255.255.255, vni: 16777215,\n"
	    "                          udp_src: 65535, udp_dst: 8472, ttl: 255}\n"
	    "          - meter: {cir: 1, pir: 9223372036854775807, cbs: 1, pbs: 0xffffffff}\n"
	    "          - vxlan_decap\n"
	    "      - match: {family: ipv6}\n"
	    "        actions: [{vxlan_encap: {src_mac: \"02:00:00:00:00:01\", dst_mac: "
	    "\"02:00:00:00:00:02\", src_ip: 192.0.2.1, dst_ip: 192.0.2.2, vni: 7}}, {to_npu: "
	    "ctx0}]\n"
	    "      - match: {dst: '2001:db8::/32', sport: any, proto: icmpv6}\n"
	    "        actions: [drop]\n"
	    "      - match: {src: 0.0.0.0/0, dst: 192.168.1.128/25, proto: icmp, sport: 0-0}\n"
	    "        actions: [drop]\n"
	    "  - name: \"9\"\n"
	    "    match: [{port: 2}]\n"
	    "    default: [count, drop]\n"
	    "  - name: null\n"
	    "    match: [{port: 3}]\n"
	    "  - name: \"-x\"\n"
	    "    match: [{port: 4}]\n";

	(void)state;
	round_trip("all.yaml", yaml, strlen(yaml));
}

/* The npu section and contexts with models, every field away from its default. */
static void test_npu(void **state)
{
	static const char yaml[] =
	    "npu:\n"
	    "  device: \"swnpu,mem=64M,profile=/p/it's.profile\"\n"
	    "  copy: dmadev\n"
	    "  models:\n"
	    "    - {name: digits, file: \"/m/digits.snm\"}\n"
	    "    - {name: o'k, file: \"rel/o'k.snm\"}\n"
	    "tenants:\n"
	    "  - name: acme\n"
	    "    match: [{port: 0}]\n"
	    "    npu_contexts:\n"
	    "      - bare\n"
	    "      - name: cam\n"
	    "        model: digits\n"
	    "        input: {format: rfc4175, pixel: rgb8, width: 4096, height: 1, payload_type: 127}\n"
	    "        weight: 100\n"
	    "        priority: 7\n"
	    "        quota_fps: 1000000\n"
	    "        batch: {threshold: 1024, timeout_us: 1000000}\n"
	    "        queue_depth: 1024\n"
	    "        window: 4294967296\n"
	    "        result: {port: 63, dst_mac: \"ff:ff:ff:ff:ff:ff\", src_mac: \"02:00:00:00:00:01\",\n"
	    "                 src_ip: 10.0.0.1, dst_ip: 255.255.255.255, sport: 65535, dport: 1}\n"
	    "      - {name: t, model: digits, input: {format: tensor, width: 1, height: 4096}}\n"
	    "    default: {to_npu: cam}\n";
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;

	(void)state;
	/* A name with a quote is not a model name: the file's quote is what is escaped. */
	assert_int_equal(sluice_config_load_buf("t.yaml", yaml, strlen(yaml), NULL, &cfg, &d),
			 -EINVAL);
	assert_string_equal(d.items[0].text,
			    "t.yaml:6:8: model name 'o'k' has a character outside [A-Za-z0-9_.-]");
	{
		char *ok = strdup(yaml), *q = strstr(ok, "name: o'k");

		assert_non_null(q);
		memcpy(q, "name: o_k", 9);
		round_trip("npu.yaml", ok, strlen(ok));
		free(ok);
	}
}

static void test_empty(void **state)
{
	static const char yaml[] = "tenants: []\n";
	struct sluice_config *cfg = sluice_config_new(0);
	size_t len;
	char *s;

	(void)state;
	s = save(cfg, &len);
	/* Two comment lines, then the empty list. */
	assert_non_null(strstr(s, "\ntenants: []\n"));
	free(s);
	sluice_config_free(cfg);
	round_trip("empty.yaml", yaml, strlen(yaml));
}

/* The exact text, so that a change of form is a deliberate one. */
static void test_exact_form(void **state)
{
	static const char yaml[] =
	    "tenants:\n"
	    "  - name: a\n"
	    "    match: [{port: 1, vlan: 10}, {vni: 5}]\n"
	    "    npu_contexts: [c]\n"
	    "    flows:\n"
	    "      - match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: 2}\n"
	    "        actions: [{forward: 1}, count]\n"
	    "    rules:\n"
	    "      - {name: r, priority: 3, match: {dport: 53-54}, actions: [{to_npu: c}]}\n";
	static const char want[] =
	    "# Sluice tenant file, written by the running data plane (config_save).\n"
	    "# Schema: docs/tenant-file.md. Ports are numbers.\n"
	    "tenants:\n"
	    "  - name: \"a\"\n"
	    "    match:\n"
	    "      - {port: 1, vlan: 10}\n"
	    "      - {vni: 5}\n"
	    "    npu_contexts: [\"c\"]\n"
	    "    default: [drop]\n"
	    "    flows:\n"
	    "      - name: \"flow0\"\n"
	    "        match: {proto: tcp, src: \"10.0.0.1\", dst: \"10.0.0.2\", sport: 1, dport: "
	    "2}\n"
	    "        actions: [count, {forward: 1}]\n"
	    "    rules:\n"
	    "      - name: \"r\"\n"
	    "        priority: 3\n"
	    "        match: {family: ipv4, proto: any, src: \"any\", dst: \"any\", sport: any, "
	    "dport: "
	    "53-54}\n"
	    "        actions: [{to_npu: \"c\"}]\n";
	struct sluice_config *cfg = load_buf("form.yaml", yaml, strlen(yaml));
	size_t len;
	char *s = save(cfg, &len);

	(void)state;
	assert_string_equal(s, want);
	free(s);
	sluice_config_free(cfg);
}

static void test_save_file(void **state)
{
	static const char yaml[] = "tenants:\n  - {name: a, match: [{port: 0}]}\n";
	char dir[] = "/tmp/sluice-save-XXXXXX", path[128], bad[160];
	struct sluice_config *cfg = load_buf("f.yaml", yaml, strlen(yaml)), *back;
	struct sluice_diags d;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/saved.yaml", dir);
	assert_int_equal(sluice_config_save_file(cfg, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(sluice_config_load_file(path, NULL, &back, &d), 0);
	assert_model_equal(cfg, back);
	sluice_config_free(back);
	/* A directory that does not exist: an error, and nothing left behind. */
	snprintf(bad, sizeof(bad), "%s/nope/saved.yaml", dir);
	assert_int_equal(sluice_config_save_file(cfg, bad), -ENOENT);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0); /* empty: no temporary file was left */
	sluice_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_func_cases),
	    cmocka_unit_test(test_all_constructs),
	    cmocka_unit_test(test_vnics),
	    cmocka_unit_test(test_vnics_default_drop),
	    cmocka_unit_test(test_npu), cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_exact_form),
	    cmocka_unit_test(test_save_file),
	    SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
