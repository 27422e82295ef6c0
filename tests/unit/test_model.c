/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the tenant model (control/sluice_model.h): every check, its
 * exact message and field, and that a failed call changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_model_test.h"
#include "sluice_test.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "sluice_model.h"

static struct sluice_actions fwd(uint16_t port)
{
	struct sluice_actions a = {.flags = SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD, .port = port};

	return a;
}

static struct sluice_flow flow(const char *name, const char *src, const char *dst, uint16_t sport,
			       uint16_t dport)
{
	struct sluice_flow f;
	uint8_t fam;

	memset(&f, 0, sizeof(f));
	snprintf(f.name, sizeof(f.name), "%s", name);
	assert_int_equal(
	    sluice_model_parse_prefix(src, &f.match.family, f.match.src, &f.match.src_len), 0);
	assert_int_equal(sluice_model_parse_prefix(dst, &fam, f.match.dst, &f.match.dst_len), 0);
	f.match.proto = 6;
	f.match.sport_lo = f.match.sport_hi = sport;
	f.match.dport_lo = f.match.dport_hi = dport;
	f.actions = fwd(1);
	return f;
}

static struct sluice_flow rule(const char *name, const char *src, uint32_t prio)
{
	struct sluice_flow r;

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	assert_int_equal(
	    sluice_model_parse_prefix(src, &r.match.family, r.match.src, &r.match.src_len), 0);
	if (r.match.family == 0)
		r.match.family = 4;
	r.match.proto_any = true;
	r.match.sport_hi = r.match.dport_hi = UINT16_MAX;
	r.priority = prio;
	r.actions.flags = SLUICE_ACT_DROP;
	return r;
}

/* ---- tenants -------------------------------------------------------------- */

static struct sluice_config *g_cfg;
static const char *g_name;

static int call_tenant_add(struct sluice_err *e)
{
	return sluice_model_tenant_add(g_cfg, g_name, sluice_test_no_pos, NULL, e);
}

static void test_tenant_add(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_pos pos = {3, 5};
	struct sluice_tenant *t;
	struct sluice_err err;

	(void)state;
	assert_int_equal(sluice_model_tenant_add(cfg, "acme.web_1-x", pos, &t, &err), 0);
	assert_string_equal(t->name, "acme.web_1-x");
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_DROP);
	assert_int_equal(t->pos.line, 3);
	assert_int_equal(t->pos.column, 5);
	assert_ptr_equal(sluice_config_tenant(cfg, "acme.web_1-x"), t);
	assert_null(sluice_config_tenant(cfg, "nope"));

	g_cfg = cfg;
	g_name = "acme.web_1-x";
	sluice_assert_err(call_tenant_add, -EEXIST, "name", "tenant 'acme.web_1-x' already exists");
	g_name = "";
	sluice_assert_err(call_tenant_add, -EINVAL, "name", "tenant name is empty");
	g_name = "a b";
	sluice_assert_err(call_tenant_add, -EINVAL, "name",
			  "tenant name 'a b' has a character outside [A-Za-z0-9_.-]");
	g_name = "tab\there";
	sluice_assert_err(call_tenant_add, -EINVAL, "name",
			  "tenant name 'tab?here' has a character outside [A-Za-z0-9_.-]");
	g_name = "abcdefghijklmnopqrstuvwxyz0123456";
	sluice_assert_err(
	    call_tenant_add, -EINVAL, "name",
	    "tenant name 'abcdefghijklmnopqrstuvwxyz0123456' is longer than 31 characters");
	g_name = "abcdefghijklmnopqrstuvwxyz01234"; /* exactly 31 */
	assert_int_equal(call_tenant_add(&err), 0);
	assert_int_equal(cfg->nb_tenants, 2);
	sluice_config_free(cfg);
}

static void test_tenant_limit(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	char name[16];
	unsigned int i;

	(void)state;
	for (i = 0; i < SLUICE_TENANTS_MAX; i++) {
		snprintf(name, sizeof(name), "t%u", i);
		assert_int_equal(sluice_model_tenant_add(cfg, name, sluice_test_no_pos, NULL, NULL),
				 0);
	}
	g_cfg = cfg;
	g_name = "onemore";
	sluice_assert_err(call_tenant_add, -ENOSPC, "", "too many tenants (limit 4096)");
	sluice_config_free(cfg);
}

static void test_tenant_del(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_match m = {.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 100};
	struct sluice_tenant *t;
	struct sluice_flow f = flow("", "10.0.0.1", "10.0.0.2", 1, 2);
	struct sluice_err err;

	(void)state;
	t = sluice_test_tenant(cfg, "a");
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	sluice_test_tenant(cfg, "b");
	sluice_test_tenant(cfg, "c");

	g_cfg = cfg;
	assert_int_equal(sluice_model_tenant_del(cfg, "nope", &err), -ENOENT);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.msg, "no tenant 'nope'");
	assert_int_equal(sluice_model_tenant_del(cfg, "a", &err), 0);
	assert_int_equal(cfg->nb_tenants, 2);
	assert_string_equal(cfg->tenants[0].name, "b");
	assert_string_equal(cfg->tenants[1].name, "c");
	assert_int_equal(sluice_config_nb_flows(cfg), 0);
	/* The deleted tenant's match is free again. */
	t = sluice_config_tenant(cfg, "c");
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	sluice_config_free(cfg);
	sluice_config_free(NULL);
}

/* ---- ingress matches ------------------------------------------------------ */

static struct sluice_tenant *g_t;
static struct sluice_match g_m;

static int call_match_add(struct sluice_err *e)
{
	return sluice_model_match_add(g_cfg, g_t, &g_m, e);
}

static void test_match(void **state)
{
	struct sluice_config *cfg = sluice_config_new(3);
	struct sluice_tenant *a, *b;
	struct sluice_match ms[] = {
	    {.kind = SLUICE_MATCH_PORT, .port = 0},
	    {.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 100},
	    {.kind = SLUICE_MATCH_QINQ, .port = 0, .vlan = 100, .inner_vlan = 200},
	    {.kind = SLUICE_MATCH_VNI, .port = SLUICE_PORT_ANY, .vni = 5000},
	    {.kind = SLUICE_MATCH_VNI, .port = 1, .vni = 5000},
	    {.kind = SLUICE_MATCH_VNI, .port = 2, .vni = SLUICE_VNI_MAX},
	    /* Fields the kind does not use are ignored and cleared. */
	    {.kind = SLUICE_MATCH_PORT, .port = 1, .vlan = 7, .vni = 9},
	};
	struct sluice_err err;
	unsigned int i;

	(void)state;
	a = sluice_test_tenant(cfg, "acme");
	b = sluice_test_tenant(cfg, "globex");
	a = sluice_config_tenant(cfg, "acme");
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		assert_int_equal(sluice_model_match_add(cfg, i < 3 ? a : b, &ms[i], &err), 0);
	assert_int_equal(a->nb_matches, 3);
	assert_int_equal(b->nb_matches, 4);
	assert_int_equal(b->matches[3].vlan, 0);
	assert_int_equal(b->matches[3].vni, 0);

	g_cfg = cfg;
	g_t = b;
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 100};
	sluice_assert_err(call_match_add, -EEXIST, "",
			  "tenant 'acme' already matches port 0 vlan 100");
	g_t = a;
	sluice_assert_err(call_match_add, -EEXIST, "",
			  "tenant 'acme' already matches port 0 vlan 100");
	g_m = (struct sluice_match){
	    .kind = SLUICE_MATCH_QINQ, .port = 0, .vlan = 100, .inner_vlan = 200};
	sluice_assert_err(call_match_add, -EEXIST, "",
			  "tenant 'acme' already matches port 0 vlan 100 inner_vlan 200");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_VNI, .port = SLUICE_PORT_ANY, .vni = 5000};
	sluice_assert_err(call_match_add, -EEXIST, "", "tenant 'globex' already matches vni 5000");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_VNI, .port = 1, .vni = 5000};
	sluice_assert_err(call_match_add, -EEXIST, "",
			  "tenant 'globex' already matches port 1 vni 5000");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_PORT, .port = 0};
	sluice_assert_err(call_match_add, -EEXIST, "", "tenant 'acme' already matches port 0");

	g_m = (struct sluice_match){.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 4095};
	sluice_assert_err(call_match_add, -EINVAL, "vlan", "vlan 4095 out of range 1..4094");
	g_m.vlan = 0;
	sluice_assert_err(call_match_add, -EINVAL, "vlan", "vlan 0 out of range 1..4094");
	g_m = (struct sluice_match){
	    .kind = SLUICE_MATCH_QINQ, .port = 0, .vlan = 5, .inner_vlan = 4095};
	sluice_assert_err(call_match_add, -EINVAL, "inner_vlan",
			  "inner_vlan 4095 out of range 1..4094");
	g_m = (struct sluice_match){
	    .kind = SLUICE_MATCH_VNI, .port = SLUICE_PORT_ANY, .vni = SLUICE_VNI_MAX + 1};
	sluice_assert_err(call_match_add, -EINVAL, "vni", "vni 16777216 out of range 0..16777215");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_PORT, .port = 64};
	sluice_assert_err(call_match_add, -EINVAL, "port", "port 64 out of range 0..63");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_PORT, .port = SLUICE_PORT_ANY};
	sluice_assert_err(call_match_add, -EINVAL, "port", "port 65535 out of range 0..63");
	g_m = (struct sluice_match){.kind = SLUICE_MATCH_VLAN, .port = 3, .vlan = 1};
	sluice_assert_err(call_match_add, -EINVAL, "port",
			  "port 3 does not exist (ports are 0..2)");
	g_m = (struct sluice_match){.kind = 9};
	sluice_assert_err(call_match_add, -EINVAL, "", "unknown match kind 9");
	/* Failed calls changed nothing. */
	assert_int_equal(a->nb_matches, 3);
	assert_int_equal(b->nb_matches, 4);

	assert_string_equal(sluice_match_kind_name(SLUICE_MATCH_PORT), "port");
	assert_string_equal(sluice_match_kind_name(SLUICE_MATCH_VLAN), "vlan");
	assert_string_equal(sluice_match_kind_name(SLUICE_MATCH_QINQ), "qinq");
	assert_string_equal(sluice_match_kind_name(SLUICE_MATCH_VNI), "vni");
	assert_string_equal(sluice_match_kind_name((enum sluice_match_kind)7), "unknown");
	sluice_config_free(cfg);
}

/* ---- NPU contexts and actions --------------------------------------------- */

static void test_npu_context(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme");
	struct sluice_err err;
	char name[16];
	unsigned int i;

	(void)state;
	assert_int_equal(sluice_model_npu_context_add(t, "ctx0", &err), 0);
	assert_int_equal(sluice_model_npu_context_add(t, "ctx0", &err), -EEXIST);
	assert_string_equal(err.field, "npu_contexts");
	assert_string_equal(err.msg, "npu context 'ctx0' already declared");
	assert_int_equal(sluice_model_npu_context_add(t, "c/1", &err), -EINVAL);
	assert_string_equal(err.msg,
			    "npu context name 'c/1' has a character outside [A-Za-z0-9_.-]");
	for (i = 1; i < SLUICE_NPU_CONTEXTS_MAX; i++) {
		snprintf(name, sizeof(name), "ctx%u", i);
		assert_int_equal(sluice_model_npu_context_add(t, name, &err), 0);
	}
	assert_int_equal(sluice_model_npu_context_add(t, "more", &err), -ENOSPC);
	assert_string_equal(err.msg, "too many npu contexts (limit 64)");
	assert_int_equal(t->nb_npu_contexts, SLUICE_NPU_CONTEXTS_MAX);
	sluice_config_free(cfg);
}

static struct sluice_actions g_a;
static struct sluice_npu_context g_c;

static int call_define(struct sluice_err *e)
{
	return sluice_model_npu_context_define(g_cfg, g_t, &g_c, e);
}

static struct sluice_npu_context digits_ctx(const char *name)
{
	struct sluice_npu_context c;

	sluice_model_npu_context_init(&c);
	snprintf(c.name, sizeof(c.name), "%s", name);
	strcpy(c.model, "digits");
	c.input.format = SLUICE_NPU_FMT_RFC4175;
	c.input.pixel = SLUICE_NPU_PIX_GRAY8;
	c.input.width = 32;
	c.input.height = 32;
	c.input.payload_type = 96;
	return c;
}

/* Every check of a context with a model, its field and its exact text. */
static void test_npu_define(void **state)
{
	struct sluice_npu_model_ref m = {.name = "digits", .file = "models/digits.snm"};
	struct sluice_err err;
	struct sluice_npu_context ok;

	(void)state;
	g_cfg = sluice_config_new(2);
	g_t = sluice_test_tenant(g_cfg, "acme");
	g_c = digits_ctx("cam0");
	sluice_assert_err(call_define, -EINVAL, "model",
			  "model 'digits' is not one of the npu section's models");
	assert_int_equal(g_t->nb_npu_contexts, 0);
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), 0);
	assert_int_equal(call_define(&err), 0);
	sluice_assert_err(call_define, -EEXIST, "name", "npu context 'cam0' already declared");
	assert_int_equal(g_t->nb_npu_contexts, 1);
	ok = digits_ctx("cam1");

#define BAD(stmt, fld, text)                                                                       \
	do {                                                                                       \
		g_c = ok;                                                                          \
		stmt;                                                                              \
		sluice_assert_err(call_define, -EINVAL, fld, text);                                \
	} while (0)
	BAD(strcpy(g_c.name, "c 1"), "name", "npu context name 'c 1' has a character outside [A-Za-z0-9_.-]");
	BAD(g_c.name[0] = '\0', "name", "npu context name is empty");
	BAD(memset(g_c.name, 'a', sizeof(g_c.name)), "name", "npu context name is longer than 31 characters");
	BAD(g_c.model[0] = '\0', "model", "npu context 'cam1' has no model; a context without one takes only a name");
	BAD(g_c.input.format = 0, "format", "format 0 is not rfc4175 or tensor");
	BAD(g_c.input.pixel = 2, "pixel", "pixel 2 is not gray8 or rgb8");
	BAD(g_c.input.width = 0, "width", "width 0 out of range 1..4096");
	BAD(g_c.input.height = 4097, "height", "height 4097 out of range 1..4096");
	BAD(g_c.input.payload_type = 95, "payload_type", "payload_type 95 out of range 96..127 (or 0 for any)");
	BAD(g_c.input.payload_type = 128, "payload_type", "payload_type 128 out of range 96..127 (or 0 for any)");
	BAD(g_c.input.format = SLUICE_NPU_FMT_TENSOR, "payload_type", "payload_type applies to rfc4175 input only");
	BAD(g_c.weight = 0, "weight", "weight 0 out of range 1..100");
	BAD(g_c.weight = 101, "weight", "weight 101 out of range 1..100");
	BAD(g_c.priority = 8, "priority", "priority 8 out of range 0..7");
	BAD(g_c.quota_fps = 1000001, "quota_fps", "quota_fps 1000001 out of range 0..1000000");
	BAD(g_c.queue_depth = 0, "queue_depth", "queue_depth 0 out of range 1..1024");
	BAD(g_c.queue_depth = 1025, "queue_depth", "queue_depth 1025 out of range 1..1024");
	BAD(g_c.batch_threshold = 17, "threshold", "threshold 17 out of range 1..16 (the queue_depth)");
	BAD(g_c.batch_threshold = 0, "threshold", "threshold 0 out of range 1..16 (the queue_depth)");
	BAD(g_c.batch_timeout_us = 1000001, "timeout_us", "timeout_us 1000001 out of range 0..1000000");
	BAD(g_c.window = 16383, "window", "window 16383 is too small for queue_depth 16 frames of 1024 bytes (at least 16384)");
	BAD(g_c.window = (1ull << 32) + 1, "window", "window 4294967297 out of range 0..4294967296");
	g_c = ok;
	g_c.result.to_sender = false;
	g_c.result.port = 0;
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:0b", g_c.result.dst_mac), 0);
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:0a", g_c.result.src_mac), 0);
	g_c.result.src_ip = htonl(0x0a000001);
	g_c.result.dst_ip = htonl(0x0a000002);
	g_c.result.dport = 9000;
	ok = g_c;
	BAD(g_c.result.port = 2, "port", "result port 2 does not exist (ports are 0..1)");
	BAD(g_c.result.port = 64, "port", "result port 64 out of range 0..63");
	BAD(memset(g_c.result.dst_mac, 0, 6), "dst_mac", "dst_mac must not be 00:00:00:00:00:00");
	BAD(memset(g_c.result.src_mac, 0, 6), "src_mac", "src_mac must not be 00:00:00:00:00:00");
	BAD(g_c.result.src_mac[0] = 1, "src_mac", "src_mac must not be a multicast address");
	BAD(g_c.result.src_ip = 0, "src_ip", "src_ip must not be 0.0.0.0");
	BAD(g_c.result.dst_ip = 0, "dst_ip", "dst_ip must not be 0.0.0.0");
	BAD(g_c.result.dport = 0, "dport", "dport must not be 0");
#undef BAD
	/* Nothing above was added. */
	assert_int_equal(g_t->nb_npu_contexts, 1);
	g_c = ok;
	g_c.window = 16384;
	assert_int_equal(call_define(&err), 0);
	assert_int_equal(g_t->nb_npu_contexts, 2);
	assert_memory_equal(&g_t->npu_contexts[1].result, &ok.result, sizeof(ok.result));
	assert_int_equal(g_t->npu_contexts[1].window, 16384);
	assert_ptr_equal(sluice_model_npu_context_find(g_t, "cam1"), &g_t->npu_contexts[1]);
	assert_null(sluice_model_npu_context_find(g_t, "cam2"));
	/* A context by name only is a bare one: defaults, no model. */
	assert_int_equal(sluice_model_npu_context_add(g_t, "plain", &err), 0);
	assert_string_equal(g_t->npu_contexts[2].model, "");
	assert_int_equal(g_t->npu_contexts[2].queue_depth, SLUICE_NPU_QUEUE_DEPTH_DEFAULT);
	assert_true(g_t->npu_contexts[2].result.to_sender);
	sluice_config_free(g_cfg);
	g_cfg = NULL;
	g_t = NULL;
}

static int call_npu_set(struct sluice_err *e)
{
	return sluice_model_npu_set(g_cfg, (const char *)g_a.npu_context, (enum sluice_npu_copy)g_a.port, e);
}

/* The npu section: device, copy mode, models; deleting what is in use. */
static void test_npu_section(void **state)
{
	struct sluice_npu_model_ref m = {.name = "digits", .file = "m.snm"};
	struct sluice_actions a = {.flags = SLUICE_ACT_TO_NPU, .npu_context = "cam0"};
	struct sluice_config *c;
	struct sluice_err err;
	enum sluice_npu_copy copy;
	enum sluice_npu_format fmt;
	enum sluice_npu_pixel pix;
	char big[SLUICE_NPU_PATH_MAX + 8];
	unsigned int i;

	(void)state;
	g_cfg = sluice_config_new(0);
	assert_int_equal(sluice_model_npu_set(g_cfg, "swnpu,mem=64M,profile=hailo8",
					      SLUICE_NPU_COPY_DMADEV, &err), 0);
	assert_string_equal(g_cfg->npu.device, "swnpu,mem=64M,profile=hailo8");
	assert_int_equal(g_cfg->npu.copy, SLUICE_NPU_COPY_DMADEV);
	memset(&g_a, 0, sizeof(g_a));
	strcpy(g_a.npu_context, "sw npu");
	sluice_assert_err(call_npu_set, -EINVAL, "device",
			  "device 'sw npu' has a space or a non-printable character");
	strcpy(g_a.npu_context, "swnpu");
	g_a.port = 3;
	sluice_assert_err(call_npu_set, -EINVAL, "copy", "copy 3 is not cpu, dmadev or zerocopy");
	assert_int_equal(g_cfg->npu.copy, SLUICE_NPU_COPY_DMADEV);

	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), 0);
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), -EEXIST);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.msg, "model 'digits' already exists");
	strcpy(m.name, "x/y");
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), -EINVAL);
	assert_string_equal(err.msg, "model name 'x/y' has a character outside [A-Za-z0-9_.-]");
	strcpy(m.name, "other");
	m.file[0] = '\0';
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), -EINVAL);
	assert_string_equal(err.field, "file");
	assert_string_equal(err.msg, "model 'other' has an empty file");
	memset(big, 'f', sizeof(big));
	memcpy(m.file, big, sizeof(m.file));
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), -EINVAL);
	assert_string_equal(err.msg, "model 'other' file is longer than 255 characters");
	strcpy(m.file, "o.snm");
	for (i = 1; i < SLUICE_NPU_MODEL_REFS_MAX; i++) {
		snprintf(m.name, sizeof(m.name), "m%u", i);
		assert_int_equal(sluice_model_npu_model_add(g_cfg, &m, &err), 0);
	}
	assert_int_equal(sluice_model_npu_model_add(g_cfg, &(struct sluice_npu_model_ref){
		.name = "last", .file = "l"}, &err), -ENOSPC);
	assert_string_equal(err.msg, "too many models (limit 64)");

	/* A context uses the model, a rule and the default use the context. */
	g_t = sluice_test_tenant(g_cfg, "acme");
	g_c = digits_ctx("cam0");
	assert_int_equal(call_define(&err), 0);
	assert_int_equal(sluice_model_default_set(g_cfg, g_t, &a, &err), 0);
	assert_int_equal(sluice_model_npu_model_del(g_cfg, "digits", &err), -EBUSY);
	assert_string_equal(err.msg, "model 'digits' is used by npu context 'cam0' of tenant 'acme'");
	assert_int_equal(sluice_model_npu_context_del(g_t, "cam0", &err), -EBUSY);
	assert_string_equal(err.msg, "npu context 'cam0' is used by tenant 'acme' default");

	/* A clone is deep: it has its own models and contexts. */
	c = sluice_config_clone(g_cfg);
	assert_non_null(c);
	assert_string_equal(c->npu.device, "swnpu,mem=64M,profile=hailo8");
	assert_int_equal(c->npu.nb_models, SLUICE_NPU_MODEL_REFS_MAX);
	assert_ptr_not_equal(c->npu.models, g_cfg->npu.models);
	assert_memory_equal(c->npu.models, g_cfg->npu.models,
			    SLUICE_NPU_MODEL_REFS_MAX * sizeof(*c->npu.models));
	assert_memory_equal(c->tenants[0].npu_contexts, g_t->npu_contexts, sizeof(g_c));
	assert_int_equal(sluice_model_npu_model_del(c, "m5", &err), 0);
	assert_int_equal(c->npu.nb_models, SLUICE_NPU_MODEL_REFS_MAX - 1);
	assert_string_equal(c->npu.models[5].name, "m6");
	assert_int_equal(g_cfg->npu.nb_models, SLUICE_NPU_MODEL_REFS_MAX);
	sluice_config_free(c);

	a.flags = SLUICE_ACT_DROP;
	assert_int_equal(sluice_model_default_set(g_cfg, g_t, &a, &err), 0);
	assert_int_equal(sluice_model_npu_context_del(g_t, "nope", &err), -ENOENT);
	assert_string_equal(err.msg, "no npu context 'nope' in tenant 'acme'");
	assert_int_equal(sluice_model_npu_context_del(g_t, "cam0", &err), 0);
	assert_int_equal(g_t->nb_npu_contexts, 0);
	assert_int_equal(sluice_model_npu_model_del(g_cfg, "digits", &err), 0);
	assert_int_equal(sluice_model_npu_model_del(g_cfg, "digits", &err), -ENOENT);
	assert_string_equal(err.msg, "no model 'digits'");
	sluice_config_free(g_cfg);
	g_cfg = NULL;
	g_t = NULL;

	/* Names both ways. */
	assert_int_equal(sluice_npu_copy_parse("zerocopy", &copy), 0);
	assert_int_equal(copy, SLUICE_NPU_COPY_ZEROCOPY);
	assert_int_equal(sluice_npu_copy_parse("dma", &copy), -EINVAL);
	assert_string_equal(sluice_npu_copy_name(SLUICE_NPU_COPY_DMADEV), "dmadev");
	assert_string_equal(sluice_npu_copy_name((enum sluice_npu_copy)9), "unknown");
	assert_int_equal(sluice_npu_format_parse("tensor", &fmt), 0);
	assert_int_equal(fmt, SLUICE_NPU_FMT_TENSOR);
	assert_int_equal(sluice_npu_format_parse("unknown", &fmt), -EINVAL);
	assert_string_equal(sluice_npu_format_name(SLUICE_NPU_FMT_RFC4175), "rfc4175");
	assert_string_equal(sluice_npu_format_name((enum sluice_npu_format)0), "unknown");
	assert_int_equal(sluice_npu_pixel_parse("rgb8", &pix), 0);
	assert_int_equal(pix, SLUICE_NPU_PIX_RGB8);
	assert_int_equal(sluice_npu_pixel_parse("rgb", &pix), -EINVAL);
	assert_string_equal(sluice_npu_pixel_name(SLUICE_NPU_PIX_GRAY8), "gray8");
}


static int call_actions_check(struct sluice_err *e)
{
	return sluice_model_actions_check(g_cfg, g_t, &g_a, e);
}

static struct sluice_actions encap_ok(void)
{
	struct sluice_actions a = {.flags = SLUICE_ACT_ENCAP | SLUICE_ACT_FORWARD, .port = 2};

	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:01", a.encap.src_mac), 0);
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:00:02", a.encap.dst_mac), 0);
	a.encap.src_ip = htonl(0xc0000201);
	a.encap.dst_ip = htonl(0xc0000202);
	a.encap.vni = 42;
	return a;
}

static void test_actions(void **state)
{
	struct sluice_config *cfg = sluice_config_new(3);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme");
	struct sluice_actions ok[] = {
	    {.flags = SLUICE_ACT_DROP},
	    {.flags = SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD, .port = 2},
	    {.flags = SLUICE_ACT_DECAP | SLUICE_ACT_TO_NPU, .npu_context = "ctx0"},
	    {.flags = SLUICE_ACT_METER | SLUICE_ACT_DROP, .meter = {1, 1, 1, 1}},
	    encap_ok(),
	};
	struct sluice_err err;
	unsigned int i;

	(void)state;
	assert_int_equal(sluice_model_npu_context_add(t, "ctx0", &err), 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(sluice_model_actions_check(cfg, t, &ok[i], &err), 0);

	g_cfg = cfg;
	g_t = t;
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_COUNT};
	sluice_assert_err(
	    call_actions_check, -EINVAL, "actions",
	    "no terminal action (one of forward, drop, to_npu or switch is required)");
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_FORWARD | SLUICE_ACT_DROP};
	sluice_assert_err(call_actions_check, -EINVAL, "actions",
			  "more than one terminal action (forward and drop); give exactly one");
	g_a.flags = SLUICE_ACT_FORWARD | SLUICE_ACT_DROP | SLUICE_ACT_TO_NPU;
	sluice_assert_err(
	    call_actions_check, -EINVAL, "actions",
	    "more than one terminal action (forward and drop and to_npu); give exactly one");
	g_a.flags = SLUICE_ACT_DROP | 0x100;
	sluice_assert_err(call_actions_check, -EINVAL, "actions", "unknown action flags 0x100");
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_FORWARD, .port = 64};
	sluice_assert_err(call_actions_check, -EINVAL, "forward",
			  "forward port 64 out of range 0..63");
	g_a.port = 3;
	sluice_assert_err(call_actions_check, -EINVAL, "forward",
			  "forward port 3 does not exist (ports are 0..2)");
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_METER | SLUICE_ACT_DROP,
				      .meter = {2000000, 1000000, 1, 1}};
	sluice_assert_err(call_actions_check, -EINVAL, "cir", "cir 2000000 exceeds pir 1000000");
	g_a.meter = (struct sluice_meter){0, 1, 1, 1};
	sluice_assert_err(call_actions_check, -EINVAL, "cir", "cir must be greater than 0");
	g_a.meter = (struct sluice_meter){1, 1, 0, 1};
	sluice_assert_err(call_actions_check, -EINVAL, "cbs", "cbs must be greater than 0");
	g_a.meter = (struct sluice_meter){1, 1, 1, 0};
	sluice_assert_err(call_actions_check, -EINVAL, "pbs", "pbs must be greater than 0");
	g_a = encap_ok();
	g_a.encap.vni = SLUICE_VNI_MAX + 1;
	sluice_assert_err(call_actions_check, -EINVAL, "vni",
			  "vni 16777216 out of range 0..16777215");
	g_a = encap_ok();
	memset(g_a.encap.src_mac, 0, 6);
	sluice_assert_err(call_actions_check, -EINVAL, "src_mac",
			  "src_mac must not be 00:00:00:00:00:00");
	g_a.encap.src_mac[0] = 1;
	sluice_assert_err(call_actions_check, -EINVAL, "src_mac",
			  "src_mac must not be a multicast address");
	g_a = encap_ok();
	memset(g_a.encap.dst_mac, 0, 6);
	sluice_assert_err(call_actions_check, -EINVAL, "dst_mac",
			  "dst_mac must not be 00:00:00:00:00:00");
	g_a = encap_ok();
	g_a.encap.src_ip = 0;
	sluice_assert_err(call_actions_check, -EINVAL, "src_ip", "src_ip must not be 0.0.0.0");
	g_a = encap_ok();
	g_a.encap.dst_ip = 0;
	sluice_assert_err(call_actions_check, -EINVAL, "dst_ip", "dst_ip must not be 0.0.0.0");
	g_a = (struct sluice_actions){.flags = SLUICE_ACT_TO_NPU, .npu_context = "ctx9"};
	sluice_assert_err(call_actions_check, -EINVAL, "to_npu",
			  "npu context 'ctx9' is not declared by tenant 'acme'");

	/* default_set checks, then stores. */
	assert_int_equal(sluice_model_default_set(cfg, t, &g_a, &err), -EINVAL);
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_DROP);
	assert_int_equal(sluice_model_default_set(cfg, t, &ok[1], &err), 0);
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD);
	assert_int_equal(t->default_actions.port, 2);
	sluice_config_free(cfg);
}

/* ---- flows and rules ------------------------------------------------------ */

static struct sluice_flow g_f;

static int call_flow_add(struct sluice_err *e)
{
	return sluice_model_flow_add(g_cfg, g_t, &g_f, e);
}

static int call_rule_add(struct sluice_err *e)
{
	return sluice_model_rule_add(g_cfg, g_t, &g_f, e);
}

static void test_flow_add(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme"), *u;
	struct sluice_flow f;
	struct sluice_err err;

	(void)state;
	f = flow("web", "10.0.0.1", "10.0.0.2", 1234, 80);
	f.pos = (struct sluice_pos){7, 9};
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	f = flow("", "10.0.0.1", "10.0.0.2", 1234, 81);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	f = flow("", "2001:db8::1", "2001:db8::2", 1, 2);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	assert_int_equal(t->nb_flows, 3);
	assert_string_equal(t->flows[0].name, "web");
	assert_int_equal(t->flows[0].pos.line, 7);
	assert_string_equal(t->flows[1].name, "flow1");
	assert_string_equal(t->flows[2].name, "flow2");
	assert_int_equal(t->flows[2].match.family, 6);
	assert_int_equal(t->flows[2].match.src_len, 128);
	/* The same 5-tuple is fine in another tenant. */
	u = sluice_test_tenant(cfg, "globex");
	t = sluice_config_tenant(cfg, "acme");
	f = flow("web", "10.0.0.1", "10.0.0.2", 1234, 80);
	assert_int_equal(sluice_model_flow_add(cfg, u, &f, &err), 0);
	assert_int_equal(sluice_config_nb_flows(cfg), 4);

	g_cfg = cfg;
	g_t = t;
	g_f = flow("web", "10.0.0.9", "10.0.0.2", 1, 1);
	sluice_assert_err(call_flow_add, -EEXIST, "name", "flow 'web' already exists");
	g_f = flow("web2", "10.0.0.1", "10.0.0.2", 1234, 80);
	sluice_assert_err(call_flow_add, -EEXIST, "match",
			  "flow 'web2' has the same 5-tuple as flow 'web'");
	g_f = flow("", "10.0.0.1", "10.0.0.2", 1234, 80);
	sluice_assert_err(call_flow_add, -EEXIST, "match",
			  "flow 'flow3' has the same 5-tuple as flow 'web'");
	g_f = flow("bad name", "10.0.0.1", "10.0.0.2", 1, 1);
	sluice_assert_err(call_flow_add, -EINVAL, "name",
			  "flow name 'bad name' has a character outside [A-Za-z0-9_.-]");
	g_f = flow("x", "10.0.0.1", "10.0.0.2", 1, 1);
	memset(g_f.name, 'a', sizeof(g_f.name));
	sluice_assert_err(call_flow_add, -EINVAL, "name", "flow name is longer than 31 characters");
	g_f = flow("x", "10.0.0.0/24", "10.0.0.2", 1, 1);
	sluice_assert_err(
	    call_flow_add, -EINVAL, "src",
	    "src 10.0.0.0/24 is not a host address; exact flows need /32 (use a rule)");
	g_f = flow("x", "10.0.0.1", "any", 1, 1);
	sluice_assert_err(call_flow_add, -EINVAL, "dst",
			  "dst any is not allowed in an exact flow; give a host address");
	g_f = flow("x", "10.0.0.1", "10.0.0.2", 1, 1);
	g_f.match.proto_any = true;
	sluice_assert_err(call_flow_add, -EINVAL, "proto",
			  "proto any is not allowed in an exact flow; give a protocol");
	g_f = flow("x", "10.0.0.1", "10.0.0.2", 1, 1);
	g_f.match.dport_hi = 5;
	sluice_assert_err(call_flow_add, -EINVAL, "dport",
			  "dport 1-5 is a range; an exact flow needs one port (use a rule)");
	g_f = flow("x", "10.0.0.1", "10.0.0.2", 1, 1);
	g_f.match.family = 5;
	sluice_assert_err(call_flow_add, -EINVAL, "family", "family 5 is not 4 or 6");
	g_f = flow("x", "10.0.0.1", "10.0.0.2", 1, 1);
	g_f.actions.flags = SLUICE_ACT_COUNT;
	sluice_assert_err(
	    call_flow_add, -EINVAL, "actions",
	    "no terminal action (one of forward, drop, to_npu or switch is required)");
	assert_int_equal(t->nb_flows, 3);
	sluice_config_free(cfg);
}

static void test_flow_del(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme");
	struct sluice_flow f;
	struct sluice_err err;

	(void)state;
	f = flow("", "10.0.0.1", "10.0.0.2", 1, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	f = flow("", "10.0.0.1", "10.0.0.2", 2, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	f = flow("", "10.0.0.1", "10.0.0.2", 3, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);

	assert_int_equal(sluice_model_flow_del(t, "flow9", &err), -ENOENT);
	assert_string_equal(err.field, "name");
	assert_string_equal(err.msg, "no flow 'flow9' in tenant 'acme'");
	assert_int_equal(sluice_model_flow_del(t, "flow0", &err), 0);
	assert_int_equal(t->nb_flows, 2);
	assert_string_equal(t->flows[0].name, "flow1");
	assert_string_equal(t->flows[1].name, "flow2");
	/* Both its name and its 5-tuple are free again; the next default
	 * name skips the taken "flow2". */
	f = flow("", "10.0.0.1", "10.0.0.2", 1, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	assert_string_equal(t->flows[2].name, "flow3");
	f = flow("flow0", "10.0.0.1", "10.0.0.2", 9, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);

	f = rule("dns", "any", 1);
	assert_int_equal(sluice_model_rule_add(cfg, t, &f, &err), 0);
	f = rule("", "any", 1);
	assert_int_equal(sluice_model_rule_add(cfg, t, &f, &err), 0);
	assert_int_equal(sluice_model_rule_del(t, "nope", &err), -ENOENT);
	assert_string_equal(err.msg, "no rule 'nope' in tenant 'acme'");
	assert_int_equal(sluice_model_rule_del(t, "dns", &err), 0);
	assert_int_equal(t->nb_rules, 1);
	assert_string_equal(t->rules[0].name, "rule1");
	f = rule("dns", "any", 1);
	assert_int_equal(sluice_model_rule_add(cfg, t, &f, &err), 0);
	sluice_config_free(cfg);
}

static void test_rule_add(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "acme");
	struct sluice_flow r;
	struct sluice_err err;

	(void)state;
	r = rule("dns", "10.0.0.0/8", SLUICE_PRIORITY_MAX);
	assert_int_equal(sluice_model_rule_add(cfg, t, &r, &err), 0);
	r = rule("", "2001:db8::/32", 0);
	assert_int_equal(sluice_model_rule_add(cfg, t, &r, &err), 0);
	r = rule("", "any", 0);
	assert_int_equal(sluice_model_rule_add(cfg, t, &r, &err), 0);
	assert_string_equal(t->rules[1].name, "rule1");
	assert_string_equal(t->rules[2].name, "rule2");
	assert_int_equal(t->rules[0].priority, SLUICE_PRIORITY_MAX);
	assert_int_equal(sluice_config_nb_rules(cfg), 3);

	g_cfg = cfg;
	g_t = t;
	g_f = rule("dns", "any", 0);
	sluice_assert_err(call_rule_add, -EEXIST, "name", "rule 'dns' already exists");
	g_f = rule("x", "any", SLUICE_PRIORITY_MAX + 1);
	sluice_assert_err(call_rule_add, -EINVAL, "priority", "priority 8192 out of range 0..8191");
	g_f = rule("x", "10.0.0.1/8", 0);
	sluice_assert_err(call_rule_add, -EINVAL, "src",
			  "src 10.0.0.1/8 has bits set beyond the prefix length");
	g_f = rule("x", "any", 0);
	g_f.match.dst_len = 33;
	sluice_assert_err(call_rule_add, -EINVAL, "dst", "dst prefix length 33 out of range 0..32");
	g_f = rule("x", "any", 0);
	g_f.match.sport_lo = 2000;
	g_f.match.sport_hi = 1000;
	sluice_assert_err(call_rule_add, -EINVAL, "sport",
			  "sport range 2000-1000 is empty (low > high)");
	g_f = rule("x", "any", 0);
	g_f.actions.flags = SLUICE_ACT_DROP | SLUICE_ACT_METER;
	sluice_assert_err(call_rule_add, -EINVAL, "cir", "cir must be greater than 0");
	assert_int_equal(t->nb_rules, 3);
	sluice_config_free(cfg);
}

static void test_rule_limit(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_tenant *t = sluice_test_tenant(cfg, "a"), *u;
	struct sluice_flow r = rule("", "any", 0);
	struct sluice_err err;
	unsigned int i;

	(void)state;
	u = sluice_test_tenant(cfg, "b");
	t = sluice_config_tenant(cfg, "a");
	for (i = 0; i < SLUICE_RULES_MAX; i++)
		assert_int_equal(sluice_model_rule_add(cfg, i & 1 ? t : u, &r, &err), 0);
	g_cfg = cfg;
	g_t = t;
	g_f = r;
	sluice_assert_err(call_rule_add, -ENOSPC, "", "too many rules (limit 65535)");
	/* A delete through the tenant alone frees room. */
	assert_int_equal(sluice_model_rule_del(t, "rule0", &err), 0);
	assert_int_equal(sluice_model_rule_add(cfg, t, &r, &err), 0);
	sluice_assert_err(call_rule_add, -ENOSPC, "", "too many rules (limit 65535)");
	assert_int_equal(sluice_model_tenant_del(cfg, "b", &err), 0);
	t = sluice_config_tenant(cfg, "a");
	g_t = t;
	assert_int_equal(call_rule_add(&err), 0);
	sluice_config_free(cfg);
}

/* ---- clone ---------------------------------------------------------------- */

static void assert_flows_equal(const struct sluice_flow *a, const struct sluice_flow *b, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		assert_string_equal(a[i].name, b[i].name);
		assert_int_equal(a[i].priority, b[i].priority);
		assert_memory_equal(&a[i].match, &b[i].match, sizeof(a[i].match));
		assert_memory_equal(&a[i].actions, &b[i].actions, sizeof(a[i].actions));
		assert_memory_equal(&a[i].pos, &b[i].pos, sizeof(a[i].pos));
	}
}

static void test_clone(void **state)
{
	struct sluice_config *cfg = sluice_config_new(4), *c;
	struct sluice_match m;
	struct sluice_tenant *t, *ct;
	struct sluice_flow f;
	struct sluice_err err;
	uint32_t i;

	(void)state;
	/* memset: the copies are compared bytewise, padding included. */
	memset(&m, 0, sizeof(m));
	m.kind = SLUICE_MATCH_QINQ;
	m.port = 1;
	m.vlan = 10;
	m.inner_vlan = 20;
	sluice_test_tenant(cfg, "empty");
	t = sluice_test_tenant(cfg, "acme");
	assert_int_equal(sluice_model_match_add(cfg, t, &m, &err), 0);
	assert_int_equal(sluice_model_npu_context_add(t, "ctx0", &err), 0);
	f = flow("web", "10.0.0.1", "10.0.0.2", 1, 80);
	assert_int_equal(sluice_model_flow_add(cfg, t, &f, &err), 0);
	f = rule("dns", "10.0.0.0/8", 5);
	memset(&f.actions, 0, sizeof(f.actions));
	f.actions.flags = SLUICE_ACT_TO_NPU;
	strcpy(f.actions.npu_context, "ctx0");
	assert_int_equal(sluice_model_rule_add(cfg, t, &f, &err), 0);
	assert_int_equal(sluice_model_default_set(cfg, t, &f.actions, &err), 0);

	c = sluice_config_clone(cfg);
	assert_non_null(c);
	assert_int_equal(c->nb_ports, 4);
	assert_int_equal(c->nb_tenants, cfg->nb_tenants);
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *a = &cfg->tenants[i], *b = &c->tenants[i];

		assert_string_equal(a->name, b->name);
		assert_int_equal(a->nb_matches, b->nb_matches);
		assert_int_equal(a->nb_flows, b->nb_flows);
		assert_int_equal(a->nb_rules, b->nb_rules);
		assert_int_equal(a->nb_npu_contexts, b->nb_npu_contexts);
		if (a->nb_matches) {
			assert_memory_equal(a->matches, b->matches,
					    a->nb_matches * sizeof(*a->matches));
			assert_ptr_not_equal(a->matches, b->matches);
		}
		if (a->nb_npu_contexts)
			assert_memory_equal(a->npu_contexts, b->npu_contexts,
					    a->nb_npu_contexts * sizeof(*a->npu_contexts));
		assert_flows_equal(a->flows, b->flows, a->nb_flows);
		assert_flows_equal(a->rules, b->rules, a->nb_rules);
		assert_memory_equal(&a->default_actions, &b->default_actions,
				    sizeof(a->default_actions));
	}
	/* The copy has its own indexes: its duplicates are still caught, and
	 * edits to it leave the original alone. */
	ct = sluice_config_tenant(c, "empty");
	assert_int_equal(sluice_model_match_add(c, ct, &m, &err), -EEXIST);
	assert_string_equal(err.msg, "tenant 'acme' already matches port 1 vlan 10 inner_vlan 20");
	ct = sluice_config_tenant(c, "acme");
	f = flow("other", "10.0.0.1", "10.0.0.2", 1, 80);
	assert_int_equal(sluice_model_flow_add(c, ct, &f, &err), -EEXIST);
	f = rule("dns", "any", 0);
	assert_int_equal(sluice_model_rule_add(c, ct, &f, &err), -EEXIST);
	assert_int_equal(sluice_model_tenant_del(c, "acme", &err), 0);
	assert_int_equal(cfg->nb_tenants, 2);
	assert_int_equal(sluice_config_tenant(cfg, "acme")->nb_flows, 1);
	sluice_config_free(c);

	c = sluice_config_new(0);
	ct = NULL;
	sluice_config_free(cfg);
	cfg = sluice_config_clone(c);
	assert_non_null(cfg);
	assert_int_equal(cfg->nb_tenants, 0);
	sluice_config_free(cfg);
	sluice_config_free(c);
}

/* ---- parsers -------------------------------------------------------------- */

static void test_parsers(void **state)
{
	uint8_t fam = 9, addr[16], len = 9, mac[6], proto = 9;
	static const uint8_t v4[16] = {10, 1, 0, 0};
	bool any = false;

	(void)state;
	assert_int_equal(sluice_model_parse_prefix("10.1.0.0/16", &fam, addr, &len), 0);
	assert_int_equal(fam, 4);
	assert_int_equal(len, 16);
	assert_memory_equal(addr, v4, 16);
	assert_int_equal(sluice_model_parse_prefix("10.1.0.0", &fam, addr, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(sluice_model_parse_prefix("2001:db8::/32", &fam, addr, &len), 0);
	assert_int_equal(fam, 6);
	assert_int_equal(len, 32);
	assert_int_equal(addr[0], 0x20);
	assert_int_equal(addr[1], 0x01);
	assert_int_equal(sluice_model_parse_prefix("::1", &fam, addr, &len), 0);
	assert_int_equal(len, 128);
	assert_int_equal(sluice_model_parse_prefix("any", &fam, addr, &len), 0);
	assert_int_equal(fam, 0);
	assert_int_equal(len, 0);
	assert_int_equal(sluice_model_parse_prefix("10.0.0.0/0", &fam, addr, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(sluice_model_parse_prefix("10.0.0.0/33", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("::/129", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("10.0.0.0/", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("10.0.0.0/8x", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("10.0.0.256", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("", &fam, addr, &len), -EINVAL);
	assert_int_equal(sluice_model_parse_prefix("host.example", &fam, addr, &len), -EINVAL);

	assert_int_equal(sluice_model_parse_mac("02:0a:FF:00:00:01", mac), 0);
	assert_int_equal(mac[1], 0x0a);
	assert_int_equal(mac[2], 0xff);
	assert_int_equal(sluice_model_parse_mac("02:0a:ff:00:00", mac), -EINVAL);
	assert_int_equal(sluice_model_parse_mac("02-0a-ff-00-00-01", mac), -EINVAL);
	assert_int_equal(sluice_model_parse_mac("02:0a:fg:00:00:01", mac), -EINVAL);
	assert_int_equal(sluice_model_parse_mac("02:0a:ff:00:00:01:", mac), -EINVAL);

	assert_int_equal(sluice_model_parse_proto("tcp", &proto, &any), 0);
	assert_int_equal(proto, 6);
	assert_false(any);
	assert_int_equal(sluice_model_parse_proto("udp", &proto, &any), 0);
	assert_int_equal(proto, 17);
	assert_int_equal(sluice_model_parse_proto("icmp", &proto, &any), 0);
	assert_int_equal(proto, 1);
	assert_int_equal(sluice_model_parse_proto("icmpv6", &proto, &any), 0);
	assert_int_equal(proto, 58);
	assert_int_equal(sluice_model_parse_proto("47", &proto, &any), 0);
	assert_int_equal(proto, 47);
	assert_int_equal(sluice_model_parse_proto("any", &proto, &any), 0);
	assert_true(any);
	assert_int_equal(sluice_model_parse_proto("256", &proto, &any), -EINVAL);
	assert_int_equal(sluice_model_parse_proto("TCP", &proto, &any), -EINVAL);
	assert_int_equal(sluice_model_parse_proto("", &proto, &any), -EINVAL);
	assert_int_equal(sluice_model_parse_proto("-1", &proto, &any), -EINVAL);
}

/* ---- match delete, whole-tenant check -------------------------------------- */

static void test_match_del(void **state)
{
	struct sluice_config *cfg = sluice_config_new(0);
	struct sluice_match vlan = {.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 100};
	struct sluice_match vni = {.kind = SLUICE_MATCH_VNI, .port = SLUICE_PORT_ANY, .vni = 7};
	/* Fields the kind does not use do not take part in the lookup. */
	struct sluice_match vlan_noise = {.kind = SLUICE_MATCH_VLAN, .port = 0, .vlan = 100,
					  .inner_vlan = 5, .vni = 9};
	struct sluice_tenant *a, *b;
	struct sluice_err err;

	(void)state;
	a = sluice_test_tenant(cfg, "a");
	assert_int_equal(sluice_model_tenant_check(a, &err), -EINVAL);
	assert_string_equal(err.field, "match");
	assert_string_equal(err.msg, "tenant 'a' has no match; give at least one (e.g. {port: 0})");
	assert_int_equal(sluice_model_match_add(cfg, a, &vlan, &err), 0);
	assert_int_equal(sluice_model_match_add(cfg, a, &vni, &err), 0);
	assert_int_equal(sluice_model_tenant_check(a, &err), 0);

	vlan.vlan = 101;
	assert_int_equal(sluice_model_match_del(cfg, a, &vlan, &err), -ENOENT);
	assert_string_equal(err.field, "match");
	assert_string_equal(err.msg, "tenant 'a' has no match port 0 vlan 101");
	assert_int_equal(a->nb_matches, 2);
	assert_int_equal(sluice_model_match_del(cfg, a, &vlan_noise, &err), 0);
	assert_int_equal(a->nb_matches, 1);
	assert_int_equal(a->matches[0].kind, SLUICE_MATCH_VNI);
	/* The index forgot it too: another tenant may take it now, but not the VNI. */
	b = sluice_test_tenant(cfg, "b");
	a = sluice_config_tenant(cfg, "a");
	vlan.vlan = 100;
	assert_int_equal(sluice_model_match_add(cfg, b, &vlan, &err), 0);
	assert_int_equal(sluice_model_match_add(cfg, b, &vni, &err), -EEXIST);
	assert_int_equal(sluice_model_match_del(cfg, b, &vni, &err), -ENOENT);
	assert_string_equal(err.msg, "tenant 'b' has no match vni 7");
	assert_int_equal(sluice_model_match_del(cfg, a, &vni, &err), 0);
	assert_int_equal(a->nb_matches, 0);
	assert_int_equal(sluice_model_tenant_check(a, &err), -EINVAL);
	assert_int_equal(sluice_model_match_add(cfg, b, &vni, &err), 0);
	sluice_config_free(cfg);
}

static void test_ports_and_formats(void **state)
{
	static const struct {
		const char *in;
		int rc;
		uint16_t lo, hi;
	} ports[] = {
	    {"80", 0, 80, 80},		{"0", 0, 0, 0},		   {"65535", 0, 65535, 65535},
	    {"1024-65535", 0, 1024, 65535}, {"any", 0, 0, 65535}, {"0x50", 0, 80, 80},
	    {"90-80", 0, 90, 80},	{"65536", -ERANGE, 0, 0}, {"1-70000", -ERANGE, 0, 0},
	    {"", -EINVAL, 0, 0},	{"-", -EINVAL, 0, 0},	   {"1-", -EINVAL, 0, 0},
	    {"-1", -EINVAL, 0, 0},	{"80x", -EINVAL, 0, 0},	   {"0x", -EINVAL, 0, 0},
	    {"99999x", -EINVAL, 0, 0},	{"1-2-3", -EINVAL, 0, 0},  {"ANY", -EINVAL, 0, 0},
	    {" 80", -EINVAL, 0, 0},	{"8a", -EINVAL, 0, 0},
	};
	uint8_t a4[16] = {10, 1, 0, 0}, a6[16] = {0x20, 0x01, 0x0d, 0xb8}, fam, back[16], len;
	uint8_t mac[6] = {0x02, 0xab, 0, 0, 0x10, 0xff}, mac2[6], proto;
	char buf[SLUICE_FMT_PREFIX_MAX];
	unsigned int i;
	bool any;

	(void)state;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		uint16_t lo = 7, hi = 7;
		int rc = sluice_model_parse_ports(ports[i].in, &lo, &hi);

		if (rc != ports[i].rc)
			fail_msg("parse_ports('%s') = %d, expected %d", ports[i].in, rc, ports[i].rc);
		assert_int_equal(lo, rc == 0 ? ports[i].lo : 7);
		assert_int_equal(hi, rc == 0 ? ports[i].hi : 7);
	}

	sluice_model_format_prefix(4, a4, 16, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.0/16");
	sluice_model_format_prefix(4, a4, 32, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.0");
	sluice_model_format_prefix(4, a4, 0, buf, sizeof(buf));
	assert_string_equal(buf, "any");
	sluice_model_format_prefix(6, a6, 32, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::/32");
	sluice_model_format_prefix(6, a6, 128, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::");
	/* Parsing the canonical form gives the value back. */
	assert_int_equal(sluice_model_parse_prefix("2001:db8::/32", &fam, back, &len), 0);
	assert_memory_equal(back, a6, 16);

	sluice_model_format_ports(0, 65535, buf, sizeof(buf));
	assert_string_equal(buf, "any");
	sluice_model_format_ports(53, 53, buf, sizeof(buf));
	assert_string_equal(buf, "53");
	sluice_model_format_ports(1024, 65535, buf, sizeof(buf));
	assert_string_equal(buf, "1024-65535");
	sluice_model_format_ports(0, 0, buf, sizeof(buf));
	assert_string_equal(buf, "0");

	for (i = 0; i < 256; i++) {
		sluice_model_format_proto((uint8_t)i, false, buf, sizeof(buf));
		assert_int_equal(sluice_model_parse_proto(buf, &proto, &any), 0);
		assert_int_equal(proto, i);
		assert_false(any);
	}
	sluice_model_format_proto(6, false, buf, sizeof(buf));
	assert_string_equal(buf, "tcp");
	sluice_model_format_proto(58, false, buf, sizeof(buf));
	assert_string_equal(buf, "icmpv6");
	sluice_model_format_proto(47, false, buf, sizeof(buf));
	assert_string_equal(buf, "47");
	sluice_model_format_proto(6, true, buf, sizeof(buf));
	assert_string_equal(buf, "any");

	sluice_model_format_mac(mac, buf, sizeof(buf));
	assert_string_equal(buf, "02:ab:00:00:10:ff");
	assert_int_equal(sluice_model_parse_mac(buf, mac2), 0);
	assert_memory_equal(mac, mac2, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tenant_add),	cmocka_unit_test(test_tenant_limit),
	    cmocka_unit_test(test_tenant_del),	cmocka_unit_test(test_match),
	    cmocka_unit_test(test_npu_context), cmocka_unit_test(test_npu_define),
	    cmocka_unit_test(test_npu_section), cmocka_unit_test(test_actions),
	    cmocka_unit_test(test_flow_add),	cmocka_unit_test(test_flow_del),
	    cmocka_unit_test(test_rule_add),	cmocka_unit_test(test_rule_limit),
	    cmocka_unit_test(test_clone),	cmocka_unit_test(test_parsers),
	    cmocka_unit_test(test_match_del), cmocka_unit_test(test_ports_and_formats),
		SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
