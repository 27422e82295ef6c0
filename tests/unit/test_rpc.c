/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the JSON-RPC dispatcher (control/sluice_rpc.h), without a
 * data plane: ops.apply is a stub that records what it was given and can be
 * told to refuse. Every method's success, its decoding errors with the exact
 * code, field and reason, and for every failed call proof that nothing
 * changed (the running configuration saved as YAML before and after, and no
 * apply).
 */
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
#include <unistd.h>

#include "sluice_loader.h"
#include "sluice_nmodel.h"
#include "sluice_rpc.h"
#include "sluice_save.h"

/* ---- the stub application --------------------------------------------------- */

static struct {
	struct sluice_config *running;
	unsigned int applies;
	int refuse; /* apply returns this when non-zero */
	unsigned int stats_calls;
	char stats_tenant[SLUICE_NAME_MAX];
	/* NPU hooks: the last fault, and what the fault hook returns. */
	unsigned int faults;
	char fault_ctx[2 * SLUICE_NAME_MAX];
	enum sluice_rpc_npu_fault fault_kind;
	uint32_t fault_count;
	int fault_rc;
} app;

static const struct sluice_config *stub_config(void *arg)
{
	(void)arg;
	return app.running;
}

static int stub_apply(void *arg, const struct sluice_config *cfg, struct sluice_err *err)
{
	int rc;

	(void)arg;
	if (app.refuse) {
		snprintf(err->field, sizeof(err->field), "forward");
		snprintf(err->msg, sizeof(err->msg), "port 3 has no TX queue");
		return app.refuse;
	}
	rc = sluice_test_config_replace(&app.running, cfg);
	if (rc == 0)
		app.applies++;
	return rc;
}

static json_t *stub_stats(void *arg, const char *tenant)
{
	(void)arg;
	app.stats_calls++;
	snprintf(app.stats_tenant, sizeof(app.stats_tenant), "%s", tenant ? tenant : "(all)");
	return json_pack("{s:s}", "scope", app.stats_tenant);
}

static json_t *stub_ports(void *arg)
{
	(void)arg;
	return json_pack("[{s:i,s:s},{s:i,s:s}]", "port", 0, "name", "p0", "port", 1, "name", "p1");
}

static int stub_resolve(const char *name, uint16_t *port, void *arg)
{
	(void)arg;
	if (name[0] == 'p' && name[1] >= '0' && name[1] <= '3' && name[2] == '\0') {
		*port = (uint16_t)(name[1] - '0');
		return 0;
	}
	if (strcmp(name, "big") == 0) {
		*port = 100;
		return 0;
	}
	return -ENOENT;
}

/*
 * The NPU model hook: the real model parser (sluice_nmodel.h) on the file,
 * as the device does it, with the bridge's messages for refusals.
 */
static int stub_npu_model(void *arg, const struct sluice_config *cfg,
			  const struct sluice_npu_model_ref *ref, struct sluice_rpc_npu_model *out,
			  struct sluice_err *err)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m;
	static char blob[1 << 20];
	size_t len;
	FILE *f;

	(void)arg;
	(void)cfg;
	f = fopen(ref->file, "rb");
	if (f == NULL) {
		int e = errno;

		snprintf(err->field, sizeof(err->field), "file");
		snprintf(err->msg, sizeof(err->msg), "model '%s': cannot open %.120s: %s",
			 ref->name, ref->file, strerror(e));
		return -e;
	}
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	m = sluice_nmodel_parse(blob, len, NULL, 0);
	if (m == NULL) {
		snprintf(err->field, sizeof(err->field), "file");
		snprintf(err->msg, sizeof(err->msg),
			 "model '%s': the device refused %.120s: not a valid model blob", ref->name,
			 ref->file);
		return -EINVAL;
	}
	sluice_nmodel_describe(m, &d);
	sluice_nmodel_free(m);
	out->classes = d.nb_classes;
	out->macs = d.macs;
	out->in_max_w = out->in_max_h = SLUICE_NMODEL_FRAME_MAX;
	out->gray = out->rgb = true;
	return 0;
}

static json_t *stub_npu_stats(void *arg, const char *tenant, const char *name)
{
	(void)arg;
	return json_pack("{s:s,s:s,s:i}", "tenant", tenant, "name", name, "frames_in", 42);
}

static int stub_npu_fault(void *arg, const char *tenant, const char *name,
			  enum sluice_rpc_npu_fault kind, uint32_t count)
{
	(void)arg;
	if (app.fault_rc)
		return app.fault_rc;
	app.faults++;
	snprintf(app.fault_ctx, sizeof(app.fault_ctx), "%s/%s", tenant, name);
	app.fault_kind = kind;
	app.fault_count = count;
	return 0;
}

/* vNIC state: fixed counters; vm1 has a guest; tenant b's vNICs run no port. */
static int stub_vnic_state(void *arg, const char *tenant, const char *name,
			   struct sluice_rpc_vnic_state *st)
{
	(void)arg;
	if (strcmp(tenant, "b") == 0)
		return -ENOENT;
	st->port = 7;
	st->link_up = strcmp(name, "vm1") == 0;
	st->rx_pkts = 11;
	st->rx_bytes = 22;
	st->tx_pkts = 33;
	st->hw_ipackets = 44;
	st->hw_opackets = 55;
	st->hw_oerrors = 66;
	return 0;
}

static const char base_yaml[] =
    "tenants:\n"
    "  - name: a\n"
    "    match: [{port: 0}]\n"
    "    npu_contexts: [ctx]\n"
    "    flows:\n"
    "      - {name: f1, match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1000, dport: "
    "80}, actions: [count, {forward: 1}]}\n"
    "    rules:\n"
    "      - {name: r1, priority: 5, match: {proto: udp, dport: 53}, actions: drop}\n"
    "  - name: b\n"
    "    match: [{port: 1, vlan: 10}]\n"
    "    flows:\n"
    "      - {name: bf, match: {proto: udp, src: 10.9.0.1, dst: 10.9.0.2, sport: 1, dport: 2}, "
    "actions: drop}\n";

static struct sluice_rpc *rpc;

/* The dispatcher over the stub application; vnic_dir as the launcher's --vnic-dir. */
static struct sluice_rpc *stub_rpc(const char *vnic_dir)
{
	struct sluice_rpc_opts o = {
	    .sz = sizeof(o),
	    .ops =
		{
		    .config = stub_config,
		    .apply = stub_apply,
		    .stats = stub_stats,
		    .ports = stub_ports,
		    .resolve_port = stub_resolve,
		    .npu_model = stub_npu_model,
		    .npu_stats = stub_npu_stats,
		    .npu_fault = stub_npu_fault,
		    .vnic_state = stub_vnic_state,
		},
	    .vnic_dir = vnic_dir,
	};

	return sluice_rpc_new(&o);
}

static int setup(void **state)
{
	struct sluice_load_opts lo = {.sz = sizeof(lo), .nb_ports = 4};
	struct sluice_diags d;

	(void)state;
	memset(&app, 0, sizeof(app));
	if (sluice_config_load_buf("base.yaml", base_yaml, strlen(base_yaml), &lo, &app.running,
				   &d) != 0)
		return -1;
	rpc = stub_rpc(NULL);
	return rpc ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sluice_rpc_free(rpc);
	sluice_config_free(app.running);
	app.running = NULL;
	return 0;
}

/* ---- calling it --------------------------------------------------------------- */

static char *running_yaml(void)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(sluice_config_save(app.running, f), 0);
	fclose(f);
	return buf;
}

/* Raw request text in, parsed response out (NULL for no response). */
static json_t *raw(const char *scope, const char *text)
{
	char *out = sluice_rpc_handle(rpc, scope, text, strlen(text));
	json_error_t je;
	json_t *r;

	if (out == NULL) {
		assert_int_equal(errno, 0);
		return NULL;
	}
	assert_null(strchr(out, '\n'));
	r = json_loads(out, 0, &je);
	if (r == NULL)
		fail_msg("response is not JSON: %s", out);
	free(out);
	assert_string_equal(json_string_value(json_object_get(r, "jsonrpc")), "2.0");
	return r;
}

static json_t *request(const char *scope, const char *method, const char *params)
{
	char text[8192];

	if (params != NULL)
		snprintf(text, sizeof(text),
			 "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\",\"params\":%s}", method,
			 params);
	else
		snprintf(text, sizeof(text), "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"%s\"}",
			 method);
	return raw(scope, text);
}

static json_t *last_result;

/* A call that must succeed; returns its result (valid until the next call). */
static json_t *ok_in(const char *scope, const char *method, const char *params)
{
	json_t *r = request(scope, method, params);

	if (json_object_get(r, "error") != NULL) {
		char *s = json_dumps(r, 0);

		fail_msg("%s %s: %s", method, params ? params : "", s);
	}
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 7);
	json_decref(last_result);
	last_result = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return last_result;
}

#define ok(method, params) ok_in(NULL, method, params)

/* A response's error; checks every part of it. */
static void check_error(json_t *r, int code, const char *field, const char *reason,
			const char *what)
{
	json_t *e = json_object_get(r, "error"), *d;

	if (e == NULL) {
		char *s = json_dumps(r, 0);

		fail_msg("%s: succeeded, expected error %d: %s", what, code, s);
	}
	assert_null(json_object_get(r, "result"));
	d = json_object_get(e, "data");
	if (json_integer_value(json_object_get(e, "code")) != code ||
	    strcmp(json_string_value(json_object_get(d, "field")), field) != 0 ||
	    strcmp(json_string_value(json_object_get(d, "reason")), reason) != 0) {
		char *s = json_dumps(e, 0);

		fail_msg("%s:\n  got      %s\n  expected code %d field '%s' reason '%s'", what, s,
			 code, field, reason);
	}
	assert_string_equal(json_string_value(json_object_get(e, "message")),
			    sluice_rpc_code_name(code));
}

/* A call that must fail exactly so, and change nothing. */
static void err_in(const char *scope, const char *method, const char *params, int code,
		   const char *field, const char *reason)
{
	char *before = running_yaml(), *after, what[256];
	unsigned int applies = app.applies;
	json_t *r = request(scope, method, params);

	snprintf(what, sizeof(what), "%s %s", method, params ? params : "");
	check_error(r, code, field, reason, what);
	json_decref(r);
	after = running_yaml();
	assert_string_equal(before, after);
	assert_int_equal(app.applies, applies);
	free(before);
	free(after);
}

#define err(m, p, c, f, r) err_in(NULL, m, p, c, f, r)
#define INVALID_PARAMS SLUICE_RPC_INVALID_PARAMS

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* ---- the envelope ---------------------------------------------------------------- */

static void raw_err(const char *text, int code, const char *field, const char *reason)
{
	char *before = running_yaml(), *after;
	json_t *r = raw(NULL, text);

	check_error(r, code, field, reason, text);
	assert_true(json_is_null(json_object_get(r, "id")) ||
		    json_integer_value(json_object_get(r, "id")) == 1);
	json_decref(r);
	after = running_yaml();
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_envelope(void **state)
{
	json_t *r;

	(void)state;
	raw_err("", SLUICE_RPC_PARSE_ERROR, "", "unexpected token near end of file (at byte 0)");
	raw_err("{\"jsonrpc\":\"2.0\",", SLUICE_RPC_PARSE_ERROR, "",
		"string or '}' expected near end of file (at byte 17)");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"tenant_list\"}",
		SLUICE_RPC_PARSE_ERROR, "", "duplicate object key near '\"id\"' (at byte 28)");
	raw_err("{\"jsonrpc\":\"2.0\"} {}", SLUICE_RPC_PARSE_ERROR, "",
		"end of file expected near '{' (at byte 19)");
	raw_err("\"\\u00ff\xff\"", SLUICE_RPC_PARSE_ERROR, "",
		"unable to decode byte 0xff near '\"\\u00ff' (at byte 7)");
	raw_err("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\"}]",
		SLUICE_RPC_INVALID_REQUEST, "",
		"batch requests are not supported; send one request per line");
	raw_err("42", SLUICE_RPC_INVALID_REQUEST, "", "a request is an object, got an integer");
	raw_err("{\"id\":1,\"method\":\"tenant_list\"}", SLUICE_RPC_INVALID_REQUEST, "jsonrpc",
		"jsonrpc must be the string \"2.0\"");
	raw_err("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"tenant_list\"}",
		SLUICE_RPC_INVALID_REQUEST, "jsonrpc", "jsonrpc must be the string \"2.0\"");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1}", SLUICE_RPC_INVALID_REQUEST, "method",
		"missing member 'method'");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", SLUICE_RPC_INVALID_REQUEST, "method",
		"method must be a string, got an integer");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"tenant_list\"}",
		SLUICE_RPC_INVALID_REQUEST, "id",
		"id must be a string, an integer or null, got an object");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\",\"extra\":1}",
		SLUICE_RPC_INVALID_REQUEST, "extra",
		"unknown member 'extra' in the request (expected jsonrpc, method, params, id)");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\",\"params\":[1]}",
		INVALID_PARAMS, "params", "params must be an object of named params, got an array");
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\\u0001x\"}",
		SLUICE_RPC_METHOD_NOT_FOUND, "method",
		"no method 'nope?x' (rpc_methods lists them)");
	/* A method without params refuses any. */
	raw_err("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\",\"params\":{\"x\":1}}",
		INVALID_PARAMS, "x", "unknown field 'x' in params (expected none)");

	/* The id comes back as it was sent. */
	r = raw(NULL, "{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"tenant_list\"}");
	assert_string_equal(str(r, "id"), "abc");
	json_decref(r);
	r = raw(NULL, "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tenant_list\"}");
	assert_true(json_is_null(json_object_get(r, "id")));
	assert_true(json_is_array(json_object_get(r, "result")));
	json_decref(r);
	r = raw(NULL, "{\"id\":-9007199254740993,\"method\":\"x\",\"jsonrpc\":\"2.0\"}");
	assert_int_equal(num(r, "id"), -9007199254740993LL);
	json_decref(r);

	/* A notification runs, and nothing answers, whether it worked or not. */
	assert_null(raw(NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"flow_del\",\"params\":"
			      "{\"tenant\":\"a\",\"name\":\"f1\"}}"));
	assert_int_equal(app.applies, 1);
	assert_int_equal(sluice_config_tenant(app.running, "a")->nb_flows, 0);
	assert_null(raw(NULL, "{\"jsonrpc\":\"2.0\",\"method\":\"flow_del\",\"params\":"
			      "{\"tenant\":\"a\",\"name\":\"f1\"}}"));
	assert_int_equal(app.applies, 1);
}

static void test_rpc_methods(void **state)
{
	json_t *l, *m;
	size_t i, n;

	(void)state;
	l = ok("rpc_methods", NULL);
	n = json_array_size(l);
	assert_int_equal(n, 34);
	for (i = 0; i < n; i++) {
		m = json_array_get(l, i);
		if (strcmp(str(m, "name"), "flow_add") == 0) {
			json_t *ps = json_object_get(m, "params");

			assert_true(json_is_true(json_object_get(m, "writes")));
			assert_true(json_is_true(json_object_get(m, "tenant_ok")));
			assert_int_equal(json_array_size(ps), 4);
			assert_string_equal(str(json_array_get(ps, 0), "name"), "tenant");
			assert_true(
			    json_is_true(json_object_get(json_array_get(ps, 0), "required")));
			assert_string_equal(str(json_array_get(ps, 1), "name"), "name");
			assert_true(
			    json_is_false(json_object_get(json_array_get(ps, 1), "required")));
		}
	}
	/* A tenant's socket sees only what it may call; "tenant" is implied there. */
	l = ok_in("a", "rpc_methods", NULL);
	n = json_array_size(l);
	assert_int_equal(n, 26);
	for (i = 0; i < n; i++) {
		m = json_array_get(l, i);
		assert_true(json_is_true(json_object_get(m, "tenant_ok")));
		assert_string_not_equal(str(m, "name"), "tenant_add");
		assert_string_not_equal(str(m, "name"), "npu_fault");
		assert_string_not_equal(str(m, "name"), "npu_model_add");
		assert_string_not_equal(str(m, "name"), "npu_model_del");
		if (strcmp(str(m, "name"), "flow_add") == 0)
			assert_true(json_is_false(json_object_get(
			    json_array_get(json_object_get(m, "params"), 0), "required")));
	}
}

/* ---- tenants --------------------------------------------------------------------- */

static void test_tenant_list_get(void **state)
{
	json_t *l, *t;

	(void)state;
	l = ok("tenant_list", NULL);
	assert_int_equal(json_array_size(l), 2);
	t = json_array_get(l, 0);
	assert_string_equal(str(t, "name"), "a");
	assert_int_equal(num(t, "matches"), 1);
	assert_int_equal(num(t, "flows"), 1);
	assert_int_equal(num(t, "rules"), 1);
	assert_int_equal(num(t, "npu_contexts"), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(t, "default"), 0)),
			    "drop");
	assert_string_equal(str(json_array_get(l, 1), "name"), "b");

	t = ok("tenant_get", "{\"name\":\"b\"}");
	assert_string_equal(str(t, "name"), "b");
	assert_int_equal(num(json_array_get(json_object_get(t, "match"), 0), "port"), 1);
	assert_int_equal(num(json_array_get(json_object_get(t, "match"), 0), "vlan"), 10);
	assert_string_equal(str(json_array_get(json_object_get(t, "flows"), 0), "name"), "bf");

	err("tenant_get", NULL, INVALID_PARAMS, "name",
	    "missing field 'name' in params (the tenant)");
	err("tenant_get", "{}", INVALID_PARAMS, "name",
	    "missing field 'name' in params (the tenant)");
	err("tenant_get", "{\"name\":\"zz\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no tenant 'zz' (tenant_list shows them)");
	err("tenant_get", "{\"name\":3}", INVALID_PARAMS, "name",
	    "name: expected a name (a string), got an integer");
	/* jansson refuses NUL in strings: names never carry one. */
	err("tenant_get", "{\"name\":\"a\\u0000b\"}", SLUICE_RPC_PARSE_ERROR, "",
	    "\\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"' (at byte 73)");
	err("tenant_get", "{\"name\":\"abcdefghijklmnopqrstuvwxyz0123456789\"}", INVALID_PARAMS,
	    "name", "name 'abcdefghijklmnopqrstuvwxyz0123456789' is longer than 31 characters");
	err("tenant_get", "{\"name\":\"a\",\"flows\":1}", INVALID_PARAMS, "flows",
	    "unknown field 'flows' in params (expected name)");
}

static const char full_tenant[] =
    "{\"name\":\"c\",\"match\":[{\"port\":2},{\"port\":\"p3\",\"vlan\":5,\"inner_vlan\":6},"
    "{\"vni\":77}],"
    "\"npu_contexts\":[\"n0\",\"n1\"],\"default\":[\"count\",{\"to_npu\":\"n1\"}],"
    "\"flows\":[{\"match\":{\"proto\":\"tcp\",\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\","
    "\"sport\":1,\"dport\":\"2\"},\"actions\":{\"forward\":\"p2\"}},"
    "{\"name\":\"x\",\"match\":{\"proto\":47,\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\","
    "\"sport\":0,\"dport\":65535},\"actions\":\"drop\"}],"
    "\"rules\":[{\"name\":\"enc\",\"priority\":8191,\"match\":{\"family\":\"ipv4\","
    "\"dst\":\"172.16.0.0/12\",\"sport\":\"1024-65535\"},\"actions\":[\"vxlan_decap\","
    "{\"meter\":{\"cir\":1,\"pir\":2,\"cbs\":3,\"pbs\":4}},{\"vxlan_encap\":{\"src_mac\":"
    "\"02:00:00:00:00:01\",\"dst_mac\":\"02:00:00:00:00:02\",\"src_ip\":\"192.0.2.1\","
    "\"dst_ip\":\"192.0.2.2\",\"vni\":200,\"ttl\":9}},\"count\",{\"forward\":0}]}]}";

static void test_tenant_add(void **state)
{
	json_t *t, *got;
	char *text;
	struct sluice_tenant *c;

	(void)state;
	t = ok("tenant_add", full_tenant);
	assert_string_equal(str(t, "name"), "c");
	assert_int_equal(app.applies, 1);
	c = sluice_config_tenant(app.running, "c");
	assert_non_null(c);
	assert_int_equal(c->nb_matches, 3);
	assert_int_equal(c->matches[1].kind, SLUICE_MATCH_QINQ);
	assert_int_equal(c->matches[1].port, 3);
	assert_int_equal(c->matches[2].port, SLUICE_PORT_ANY);
	assert_int_equal(c->nb_flows, 2);
	assert_string_equal(c->flows[0].name, "flow0");
	assert_int_equal(c->flows[0].match.family, 6);
	assert_int_equal(c->flows[0].actions.port, 2);
	assert_int_equal(c->flows[1].match.proto, 47);
	assert_int_equal(c->rules[0].priority, 8191);
	assert_int_equal(c->rules[0].match.sport_lo, 1024);
	assert_int_equal(c->rules[0].actions.encap.ttl, 9);
	assert_int_equal(c->rules[0].actions.flags, SLUICE_ACT_DECAP | SLUICE_ACT_METER |
							SLUICE_ACT_ENCAP | SLUICE_ACT_COUNT |
							SLUICE_ACT_FORWARD);
	assert_string_equal(c->default_actions.npu_context, "n1");

	/* tenant_get gives what tenant_add takes: delete, add it back, same tenant. */
	got = ok("tenant_get", "{\"name\":\"c\"}");
	text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
	ok("tenant_del", "{\"name\":\"c\"}");
	assert_null(sluice_config_tenant(app.running, "c"));
	ok("tenant_add", text);
	got = ok("tenant_get", "{\"name\":\"c\"}");
	{
		char *again = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);

		assert_string_equal(text, again);
		free(again);
	}
	free(text);
	assert_int_equal(app.applies, 3);
}

static void test_tenant_add_errors(void **state)
{
	(void)state;
	err("tenant_add", NULL, INVALID_PARAMS, "name", "missing field 'name' in params");
	err("tenant_add", "{\"name\":\"a\",\"match\":[{\"port\":3}]}", SLUICE_RPC_E_EXISTS, "name",
	    "tenant 'a' already exists");
	err("tenant_add", "{\"name\":\"a b\",\"match\":[{\"port\":3}]}", SLUICE_RPC_E_INVALID,
	    "name", "tenant name 'a b' has a character outside [A-Za-z0-9_.-]");
	err("tenant_add", "{\"name\":\"\",\"match\":[{\"port\":3}]}", SLUICE_RPC_E_INVALID, "name",
	    "tenant name is empty");
	/* No match: the model's whole-tenant check, as for a tenant file. */
	err("tenant_add", "{\"name\":\"c\"}", SLUICE_RPC_E_INVALID, "match",
	    "tenant 'c' has no match; give at least one (e.g. {port: 0})");
	err("tenant_add", "{\"name\":\"c\",\"match\":[]}", SLUICE_RPC_E_INVALID, "match",
	    "tenant 'c' has no match; give at least one (e.g. {port: 0})");
	err("tenant_add", "{\"name\":\"c\",\"match\":{\"port\":3}}", INVALID_PARAMS, "match",
	    "match: expected an array, got an object");
	/* A match another tenant has: the model names it. */
	err("tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":3},{\"port\":1,\"vlan\":10}]}",
	    SLUICE_RPC_E_EXISTS, "", "tenant 'b' already matches port 1 vlan 10");
	/* Errors deep inside: the path to the offending key. */
	err("tenant_add",
	    "{\"name\":\"c\",\"match\":[{\"port\":3}],\"flows\":[{\"match\":{\"proto\":\"tcp\","
	    "\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"sport\":1,\"dport\":2},\"actions\":"
	    "\"drop\"},{\"match\":{\"proto\":\"tcp\",\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\","
	    "\"sport\":1,\"dport\":[2]},\"actions\":\"drop\"}]}",
	    INVALID_PARAMS, "flows[1].match.dport",
	    "dport: expected a port (an integer) or a string \"LO-HI\" or \"any\", got an array");
	err("tenant_add",
	    "{\"name\":\"c\",\"match\":[{\"port\":3}],\"rules\":[{\"match\":{},\"actions\":"
	    "[\"drop\",{\"forward\":1}]}]}",
	    SLUICE_RPC_E_INVALID, "actions",
	    "more than one terminal action (forward and drop); give exactly one");
	err("tenant_add",
	    "{\"name\":\"c\",\"match\":[{\"port\":3}],\"default\":{\"to_npu\":\"ctx\"}}",
	    SLUICE_RPC_E_INVALID, "to_npu", "npu context 'ctx' is not declared by tenant 'c'");
	err("tenant_add",
	    "{\"name\":\"c\",\"match\":[{\"port\":3}],\"npu_contexts\":[\"x\",\"x\"]}",
	    SLUICE_RPC_E_EXISTS, "npu_contexts", "npu context 'x' already declared");
	err("tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":3}],\"npu_contexts\":[7]}",
	    INVALID_PARAMS, "npu_contexts[0]",
	    "npu_contexts[0]: expected a name or an object, got an integer");
	err("tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":3}],\"colour\":1}", INVALID_PARAMS,
	    "colour",
	    "unknown field 'colour' in params (expected name, match, npu_contexts, default, flows, "
	    "rules, vnics, uplink)");
	err("tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":3}],\"flows\":[{\"matc\":{}}]}",
	    INVALID_PARAMS, "flows[0].matc",
	    "unknown field 'matc' in flow (expected name, match, actions)");
	err("tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":3}],\"flows\":[{\"actions\":1}]}",
	    INVALID_PARAMS, "flows[0].match", "missing field 'match' in flow");
	/* Where a model error sits in the params comes in data.at. */
	{
		json_t *r =
		    request(NULL, "tenant_add",
			    "{\"name\":\"c\",\"match\":[{\"port\":3}],\"rules\":[{\"match\":{}"
			    ",\"actions\":\"drop\"},{\"priority\":9000,\"match\":{},"
			    "\"actions\":\"drop\"}]}");

		check_error(r, SLUICE_RPC_E_INVALID, "priority",
			    "priority 9000 out of range 0..8191", "rule priority");
		assert_string_equal(str(json_object_get(json_object_get(r, "error"), "data"), "at"),
				    "rules[1]");
		json_decref(r);
	}
	assert_int_equal(app.applies, 0);
}

static void test_tenant_del(void **state)
{
	(void)state;
	err("tenant_del", "{\"name\":\"zz\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no tenant 'zz' (tenant_list shows them)");
	err("tenant_del", "{}", INVALID_PARAMS, "name",
	    "missing field 'name' in params (the tenant)");
	ok("tenant_del", "{\"name\":\"a\"}");
	assert_null(sluice_config_tenant(app.running, "a"));
	assert_int_equal(app.running->nb_tenants, 1);
	/* Its match is free for another tenant now. */
	ok("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0}}");
	assert_int_equal(app.applies, 2);
}

/* ---- matches and defaults -------------------------------------------------------------- */

static void test_match(void **state)
{
	struct sluice_tenant *b;

	(void)state;
	ok("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":2,\"vlan\":4094,\"inner_vlan\":1}}");
	ok("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":\"p3\",\"vni\":5}}");
	b = sluice_config_tenant(app.running, "b");
	assert_int_equal(b->nb_matches, 3);
	assert_int_equal(b->matches[1].kind, SLUICE_MATCH_QINQ);
	assert_int_equal(b->matches[2].kind, SLUICE_MATCH_VNI);
	assert_int_equal(b->matches[2].port, 3);
	ok("match_del", "{\"tenant\":\"b\",\"match\":{\"port\":1,\"vlan\":10}}");
	b = sluice_config_tenant(app.running, "b");
	assert_int_equal(b->nb_matches, 2);
	assert_int_equal(app.applies, 3);

	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0}}", SLUICE_RPC_E_EXISTS, "",
	    "tenant 'a' already matches port 0");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0,\"vlan\":5000}}",
	    SLUICE_RPC_E_INVALID, "vlan", "vlan 5000 out of range 1..4094");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0,\"vlan\":70000}}", INVALID_PARAMS,
	    "match.vlan", "vlan 70000 out of range 0..65535");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":64}}", INVALID_PARAMS, "match.port",
	    "port 64 out of range 0..63");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":-1}}", INVALID_PARAMS, "match.port",
	    "port -1 out of range 0..63");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":1.5}}", INVALID_PARAMS,
	    "match.port", "port: expected a port number or name, got a fractional number");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":\"nope\"}}", INVALID_PARAMS,
	    "match.port", "port 'nope' not found (port_list shows the ports)");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":\"big\"}}", INVALID_PARAMS,
	    "match.port", "port 'big' is number 100, out of range 0..63");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"vlan\":3}}", INVALID_PARAMS, "match",
	    "match needs a port or a vni");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"vni\":3,\"vlan\":3}}", INVALID_PARAMS,
	    "match.vlan", "vlan cannot be combined with vni");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0,\"inner_vlan\":3}}",
	    INVALID_PARAMS, "match.inner_vlan", "inner_vlan needs vlan (the outer S-tag)");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"vni\":16777216}}", SLUICE_RPC_E_INVALID,
	    "vni", "vni 16777216 out of range 0..16777215");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"port\":0,\"vlan\":\"5\"}}", INVALID_PARAMS,
	    "match.vlan", "vlan: expected an integer, got a string");
	err("match_add", "{\"tenant\":\"b\",\"match\":{\"prot\":0}}", INVALID_PARAMS, "match.prot",
	    "unknown field 'prot' in match (expected port, vlan, inner_vlan, vni)");
	err("match_add", "{\"tenant\":\"b\",\"match\":[]}", INVALID_PARAMS, "match",
	    "match must be an object, got an array");
	err("match_add", "{\"tenant\":\"b\"}", INVALID_PARAMS, "match",
	    "missing field 'match' in params");
	err("match_add", "{\"match\":{\"port\":2}}", INVALID_PARAMS, "tenant",
	    "missing field 'tenant' in params (the tenant)");
	err("match_del", "{\"tenant\":\"b\",\"match\":{\"port\":0}}", SLUICE_RPC_E_NOT_FOUND,
	    "match", "tenant 'b' has no match port 0");
	/* Not the last one: a tenant without a match cannot be saved or loaded. */
	err("match_del", "{\"tenant\":\"a\",\"match\":{\"port\":0}}", SLUICE_RPC_E_INVALID, "match",
	    "tenant 'a' has no match; give at least one (e.g. {port: 0})");
}

static void test_default_and_actions(void **state)
{
	struct sluice_tenant *a;

	(void)state;
	ok("default_set", "{\"tenant\":\"a\",\"actions\":[\"count\",{\"forward\":3}]}");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->default_actions.flags, SLUICE_ACT_COUNT | SLUICE_ACT_FORWARD);
	assert_int_equal(a->default_actions.port, 3);
	ok("default_set", "{\"tenant\":\"a\",\"actions\":{\"to_npu\":\"ctx\"}}");
	ok("default_set", "{\"tenant\":\"a\",\"actions\":\"drop\"}");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->default_actions.flags, SLUICE_ACT_DROP);
	assert_int_equal(app.applies, 3);

#define DEF(acts) "{\"tenant\":\"a\",\"actions\":" acts "}"
	err("default_set", DEF("[]"), SLUICE_RPC_E_INVALID, "actions",
	    "no terminal action (one of forward, drop, to_npu or switch is required)");
	err("default_set", DEF("[\"count\"]"), SLUICE_RPC_E_INVALID, "actions",
	    "no terminal action (one of forward, drop, to_npu or switch is required)");
	err("default_set", DEF("[\"drop\",\"jump\"]"), INVALID_PARAMS, "actions[1]",
	    "unknown action 'jump' (expected count, drop, forward, meter, switch, to_npu, vxlan_decap or "
	    "vxlan_encap)");
	err("default_set", DEF("[\"drop\",\"drop\"]"), INVALID_PARAMS, "actions[1]",
	    "duplicate action 'drop'");
	err("default_set", DEF("\"forward\""), INVALID_PARAMS, "actions",
	    "action 'forward' needs a value ({\"forward\": ...})");
	err("default_set", DEF("{\"drop\":1}"), INVALID_PARAMS, "actions",
	    "action 'drop' takes no value; write it as a plain string");
	err("default_set", DEF("[{\"drop\":null,\"count\":null}]"), INVALID_PARAMS, "actions[0]",
	    "an action object must have exactly one key, got 2");
	err("default_set", DEF("[7]"), INVALID_PARAMS, "actions[0]",
	    "action: expected a name or a one-key object, got an integer");
	err("default_set", DEF("{\"forward\":9}"), SLUICE_RPC_E_INVALID, "forward",
	    "forward port 9 does not exist (ports are 0..3)");
	err("default_set", DEF("{\"forward\":true}"), INVALID_PARAMS, "actions.forward",
	    "forward: expected a port number or name, got a boolean");
	err("default_set", DEF("{\"to_npu\":\"other\"}"), SLUICE_RPC_E_INVALID, "to_npu",
	    "npu context 'other' is not declared by tenant 'a'");
	err("default_set", DEF("[{\"meter\":{\"cir\":1,\"pir\":2,\"cbs\":3}},\"drop\"]"),
	    INVALID_PARAMS, "actions[0].meter.pbs", "missing field 'pbs' in meter");
	err("default_set", DEF("[{\"meter\":{\"cir\":-1,\"pir\":2,\"cbs\":3,\"pbs\":4}},\"drop\"]"),
	    INVALID_PARAMS, "actions[0].meter.cir", "cir -1 out of range 0..9223372036854775807");
	err("default_set", DEF("[{\"meter\":{\"cir\":3,\"pir\":2,\"cbs\":3,\"pbs\":4}},\"drop\"]"),
	    SLUICE_RPC_E_INVALID, "cir", "cir 3 exceeds pir 2");
	err("default_set",
	    DEF("[{\"meter\":{\"cir\":1,\"pir\":2,\"cbs\":3,\"pbs\":4,\"x\":1}},"
		"\"drop\"]"),
	    INVALID_PARAMS, "actions[0].meter.x",
	    "unknown field 'x' in meter (expected cir, pir, cbs, pbs)");
	err("default_set",
	    DEF("[{\"vxlan_encap\":{\"src_mac\":\"02:00:00:00:00:0g\",\"dst_mac\":"
		"\"02:00:00:00:00:02\",\"src_ip\":\"1.1.1.1\",\"dst_ip\":\"2.2.2.2\",\"vni\":1}},"
		"\"drop\"]"),
	    INVALID_PARAMS, "actions[0].vxlan_encap.src_mac",
	    "src_mac '02:00:00:00:00:0g' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	err("default_set",
	    DEF("[{\"vxlan_encap\":{\"src_mac\":\"02:00:00:00:00:01\",\"dst_mac\":"
		"\"02:00:00:00:00:02\",\"src_ip\":\"1.1.1\",\"dst_ip\":\"2.2.2.2\",\"vni\":1}},"
		"\"drop\"]"),
	    INVALID_PARAMS, "actions[0].vxlan_encap.src_ip",
	    "src_ip '1.1.1' is not an IPv4 address");
	err("default_set",
	    DEF("[{\"vxlan_encap\":{\"src_mac\":\"02:00:00:00:00:01\",\"dst_mac\":"
		"\"02:00:00:00:00:02\",\"src_ip\":\"1.1.1.1\",\"dst_ip\":\"0.0.0.0\",\"vni\":1}},"
		"\"drop\"]"),
	    SLUICE_RPC_E_INVALID, "dst_ip", "dst_ip must not be 0.0.0.0");
	err("default_set",
	    DEF("[{\"vxlan_encap\":{\"src_mac\":\"02:00:00:00:00:01\",\"dst_mac\":"
		"\"02:00:00:00:00:02\",\"src_ip\":\"1.1.1.1\",\"dst_ip\":\"2.2.2.2\",\"vni\":1,"
		"\"ttl\":256}},\"drop\"]"),
	    INVALID_PARAMS, "actions[0].vxlan_encap.ttl", "ttl 256 out of range 0..255");
	err("default_set",
	    DEF("[{\"vxlan_encap\":{\"src_mac\":\"02:00:00:00:00:01\",\"dst_mac\":"
		"\"02:00:00:00:00:02\",\"src_ip\":\"1.1.1.1\",\"dst_ip\":\"2.2.2.2\"}},\"drop\"]"),
	    INVALID_PARAMS, "actions[0].vxlan_encap.vni", "missing field 'vni' in vxlan_encap");
	err("default_set", "{\"tenant\":\"a\"}", INVALID_PARAMS, "actions",
	    "missing field 'actions' in params");
#undef DEF
}

/* ---- flows and rules ------------------------------------------------------------------ */

#define FLOW(extra, match, acts)                                                                   \
	"{\"tenant\":\"a\"" extra ",\"match\":" match ",\"actions\":" acts "}"
#define M5(proto, src, dst, sp, dp)                                                                \
	"{\"proto\":" proto ",\"src\":" src ",\"dst\":" dst ",\"sport\":" sp ",\"dport\":" dp "}"
#define GOOD M5("\"udp\"", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6")

static void test_flows(void **state)
{
	json_t *r, *l;
	struct sluice_tenant *a;

	(void)state;
	r = ok("flow_add", FLOW("", GOOD, "[\"count\",{\"forward\":\"p2\"}]"));
	/* Named by the model: index 1 in the tenant. */
	assert_string_equal(str(r, "name"), "flow1");
	r = ok("flow_add", FLOW(",\"name\":\"six\"",
				M5("\"tcp\"", "\"::1\"", "\"::2\"", "\"65535\"", "0"), "\"drop\""));
	assert_string_equal(str(r, "name"), "six");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->nb_flows, 3);
	assert_int_equal(a->flows[2].match.family, 6);
	assert_int_equal(a->flows[2].match.sport_lo, 65535);
	assert_int_equal(app.applies, 2);

	r = ok("flow_get", "{\"tenant\":\"a\",\"name\":\"flow1\"}");
	assert_string_equal(str(r, "name"), "flow1");
	assert_string_equal(str(json_object_get(r, "match"), "proto"), "udp");
	assert_string_equal(str(json_object_get(r, "match"), "src"), "10.1.1.1");
	assert_int_equal(num(json_object_get(r, "match"), "sport"), 5);
	assert_null(json_object_get(json_object_get(r, "match"), "family"));
	assert_int_equal(num(json_array_get(json_object_get(r, "actions"), 1), "forward"), 2);
	assert_null(json_object_get(r, "priority"));

	r = ok("flow_list", "{\"tenant\":\"a\"}");
	assert_int_equal(num(r, "total"), 3);
	l = json_object_get(r, "flows");
	assert_int_equal(json_array_size(l), 3);
	assert_string_equal(str(json_array_get(l, 0), "name"), "f1");
	assert_string_equal(str(json_array_get(l, 2), "name"), "six");
	r = ok("flow_list", "{\"tenant\":\"a\",\"offset\":1,\"limit\":1}");
	assert_int_equal(num(r, "total"), 3);
	assert_int_equal(num(r, "offset"), 1);
	l = json_object_get(r, "flows");
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(str(json_array_get(l, 0), "name"), "flow1");
	r = ok("flow_list", "{\"tenant\":\"a\",\"offset\":2,\"limit\":10}");
	assert_int_equal(json_array_size(json_object_get(r, "flows")), 1);
	r = ok("flow_list", "{\"tenant\":\"a\",\"offset\":4000000000}");
	assert_int_equal(json_array_size(json_object_get(r, "flows")), 0);

	ok("flow_del", "{\"tenant\":\"a\",\"name\":\"f1\"}");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->nb_flows, 2);
	assert_string_equal(a->flows[0].name, "flow1");

	err("flow_del", "{\"tenant\":\"a\",\"name\":\"f1\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no flow 'f1' in tenant 'a'");
	err("flow_get", "{\"tenant\":\"a\",\"name\":\"f1\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no flow 'f1' in tenant 'a'");
	err("flow_del", "{\"tenant\":\"a\"}", INVALID_PARAMS, "name",
	    "missing field 'name' in params");
	err("flow_list", "{\"tenant\":\"a\",\"limit\":-1}", INVALID_PARAMS, "limit",
	    "limit -1 out of range 0..4294967295");
	err("flow_add", FLOW("", GOOD, "\"drop\""), SLUICE_RPC_E_EXISTS, "match",
	    "flow 'flow2' has the same 5-tuple as flow 'flow1'");
	err("flow_add",
	    FLOW(",\"name\":\"six\"", M5("\"udp\"", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "7"),
		 "\"drop\""),
	    SLUICE_RPC_E_EXISTS, "name", "flow 'six' already exists");
	err("flow_add", "{\"tenant\":\"a\",\"actions\":\"drop\"}", INVALID_PARAMS, "match",
	    "missing field 'match' in params");
	err("flow_add",
	    FLOW("", "{\"proto\":\"udp\",\"src\":\"10.1.1.1\",\"dst\":\"10.1.1.2\",\"sport\":5}",
		 "\"drop\""),
	    INVALID_PARAMS, "match.dport", "missing field 'dport' in flow match");
	err("flow_add",
	    FLOW("", M5("\"udp\"", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6"), "\"drop\"") "x",
	    SLUICE_RPC_PARSE_ERROR, "", "'}' expected near 'x' (at byte 163)");
	err("flow_add",
	    FLOW("", M5("\"sctp\"", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.proto",
	    "proto 'sctp' is not tcp, udp, icmp, icmpv6, any or 0..255");
	err("flow_add", FLOW("", M5("256", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.proto", "proto 256 out of range 0..255");
	err("flow_add",
	    FLOW("", M5("\"any\"", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    SLUICE_RPC_E_INVALID, "proto",
	    "proto any is not allowed in an exact flow; give a protocol");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.1\"", "\"::2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.dst", "dst is IPv6 but src is IPv4");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.0/24\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    SLUICE_RPC_E_INVALID, "src",
	    "src 10.1.1.0/24 is not a host address; exact flows need /32 (use a rule)");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.1/33\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.src", "src '10.1.1.1/33' has a bad prefix length (0..32)");
	err("flow_add", FLOW("", M5("6", "\"host\"", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.src", "src 'host' is not an IPv4 or IPv6 address or prefix");
	err("flow_add", FLOW("", M5("6", "10", "\"10.1.1.2\"", "5", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.src",
	    "src: expected an address or prefix (a string), got an integer");
	err("flow_add",
	    FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "\"5-6\"", "6"), "\"drop\""),
	    SLUICE_RPC_E_INVALID, "sport",
	    "sport 5-6 is a range; an exact flow needs one port (use a rule)");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "70000", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.sport", "sport 70000 out of range 0..65535");
	err("flow_add",
	    FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "\"70000\"", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.sport", "sport 70000 out of range 0..65535");
	err("flow_add",
	    FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "\"http\"", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.sport", "sport 'http' is not a port, a range LO-HI or any");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "5.0", "6"), "\"drop\""),
	    INVALID_PARAMS, "match.sport",
	    "sport: expected a port (an integer) or a string \"LO-HI\" or \"any\", got a "
	    "fractional "
	    "number");
	err("flow_add", FLOW("", M5("6", "\"10.1.1.1\"", "\"10.1.1.2\"", "5", "6"), "\"drop\"") "}",
	    SLUICE_RPC_PARSE_ERROR, "", "end of file expected near '}' (at byte 160)");
	err("flow_add", FLOW(",\"name\":\"a/b\"", GOOD, "\"drop\""), SLUICE_RPC_E_INVALID, "name",
	    "flow name 'a/b' has a character outside [A-Za-z0-9_.-]");
	err("flow_add", FLOW(",\"priority\":1", GOOD, "\"drop\""), INVALID_PARAMS, "priority",
	    "unknown field 'priority' in params (expected name, match, actions, tenant)");
	err("flow_add",
	    FLOW("",
		 "{\"family\":\"ipv4\",\"proto\":6,\"src\":\"1.1.1.1\","
		 "\"dst\":\"1.1.1.2\",\"sport\":1,\"dport\":2}",
		 "\"drop\""),
	    INVALID_PARAMS, "match.family",
	    "unknown field 'family' in flow match (expected proto, src, dst, sport, dport)");
	err("flow_add", FLOW("", GOOD, "{\"forward\":4}"), SLUICE_RPC_E_INVALID, "forward",
	    "forward port 4 does not exist (ports are 0..3)");
	err("flow_add", "{\"tenant\":\"zz\",\"match\":{},\"actions\":\"drop\"}",
	    SLUICE_RPC_E_NOT_FOUND, "tenant", "no tenant 'zz' (tenant_list shows them)");
	err("flow_add", "{\"tenant\":5,\"match\":{},\"actions\":\"drop\"}", INVALID_PARAMS,
	    "tenant", "tenant: expected a name (a string), got an integer");
}

static void test_rules(void **state)
{
	json_t *r;
	struct sluice_tenant *a;

	(void)state;
	r = ok("rule_add", "{\"tenant\":\"a\",\"match\":{\"dst\":\"2001:db8::/32\"},\"actions\":"
			   "\"drop\"}");
	assert_string_equal(str(r, "name"), "rule1");
	ok("rule_add",
	   "{\"tenant\":\"a\",\"name\":\"hi\",\"priority\":8191,\"match\":"
	   "{\"family\":\"ipv6\",\"proto\":\"any\",\"sport\":\"any\",\"dport\":\"1-2\"},"
	   "\"actions\":[\"count\",{\"forward\":0}]}");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->nb_rules, 3);
	assert_int_equal(a->rules[1].match.family, 6);
	assert_int_equal(a->rules[1].match.dst_len, 32);
	assert_int_equal(a->rules[2].priority, 8191);
	assert_true(a->rules[2].match.proto_any);
	assert_int_equal(a->rules[2].match.dport_hi, 2);

	r = ok("rule_get", "{\"tenant\":\"a\",\"name\":\"hi\"}");
	assert_int_equal(num(r, "priority"), 8191);
	assert_string_equal(str(json_object_get(r, "match"), "family"), "ipv6");
	assert_string_equal(str(json_object_get(r, "match"), "proto"), "any");
	assert_string_equal(str(json_object_get(r, "match"), "src"), "any");
	assert_string_equal(str(json_object_get(r, "match"), "sport"), "any");
	assert_string_equal(str(json_object_get(r, "match"), "dport"), "1-2");
	r = ok("rule_list", "{\"tenant\":\"a\"}");
	assert_int_equal(num(r, "total"), 3);
	assert_string_equal(str(json_array_get(json_object_get(r, "rules"), 0), "name"), "r1");
	ok("rule_del", "{\"tenant\":\"a\",\"name\":\"r1\"}");
	a = sluice_config_tenant(app.running, "a");
	assert_int_equal(a->nb_rules, 2);
	assert_string_equal(a->rules[0].name, "rule1");
	assert_int_equal(app.applies, 3);

	err("rule_del", "{\"tenant\":\"a\",\"name\":\"r1\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no rule 'r1' in tenant 'a'");
	err("rule_get", "{\"tenant\":\"a\",\"name\":\"f1\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no rule 'f1' in tenant 'a'");
	err("rule_add", "{\"tenant\":\"a\",\"priority\":8192,\"match\":{},\"actions\":\"drop\"}",
	    SLUICE_RPC_E_INVALID, "priority", "priority 8192 out of range 0..8191");
	err("rule_add", "{\"tenant\":\"a\",\"priority\":\"1\",\"match\":{},\"actions\":\"drop\"}",
	    INVALID_PARAMS, "priority", "priority: expected an integer, got a string");
	err("rule_add",
	    "{\"tenant\":\"a\",\"match\":{\"family\":\"ipv4\",\"src\":\"::/0\"},"
	    "\"actions\":\"drop\"}",
	    INVALID_PARAMS, "match.src", "src is IPv6 but family is ipv4");
	err("rule_add", "{\"tenant\":\"a\",\"match\":{\"family\":\"ipv5\"},\"actions\":\"drop\"}",
	    INVALID_PARAMS, "match.family", "family 'ipv5' is not ipv4 or ipv6");
	err("rule_add",
	    "{\"tenant\":\"a\",\"match\":{\"src\":\"10.1.2.3/8\"},\"actions\":\"drop\"}",
	    SLUICE_RPC_E_INVALID, "src", "src 10.1.2.3/8 has bits set beyond the prefix length");
	err("rule_add", "{\"tenant\":\"a\",\"match\":{\"dport\":\"9-8\"},\"actions\":\"drop\"}",
	    SLUICE_RPC_E_INVALID, "dport", "dport range 9-8 is empty (low > high)");
	err("rule_add", "{\"tenant\":\"a\",\"name\":\"hi\",\"match\":{},\"actions\":\"drop\"}",
	    SLUICE_RPC_E_EXISTS, "name", "rule 'hi' already exists");
	err("rule_add", "{\"tenant\":\"a\",\"match\":{}}", INVALID_PARAMS, "actions",
	    "missing field 'actions' in params");
}

/* ---- ports, counters, saving, refusals ------------------------------------------------ */

static void test_ports_stats(void **state)
{
	json_t *r;

	(void)state;
	r = ok("port_list", NULL);
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(str(json_array_get(r, 1), "name"), "p1");
	r = ok("stats", NULL);
	assert_string_equal(str(r, "scope"), "(all)");
	r = ok("stats", "{\"tenant\":\"b\"}");
	assert_string_equal(str(r, "scope"), "b");
	r = ok_in("a", "stats", NULL);
	assert_string_equal(str(r, "scope"), "a");
	assert_int_equal(app.stats_calls, 3);
	err("stats", "{\"tenant\":\"zz\"}", SLUICE_RPC_E_NOT_FOUND, "tenant",
	    "no tenant 'zz' (tenant_list shows them)");
	err_in("a", "stats", "{\"tenant\":\"b\"}", SLUICE_RPC_E_DENIED, "tenant",
	       "this socket belongs to tenant 'a'; it cannot reach tenant 'b'");
	assert_int_equal(app.stats_calls, 3);
	assert_int_equal(app.applies, 0);
}

static void test_config_save(void **state)
{
	char dir[] = "/tmp/sluice-rpc-XXXXXX", path[128], params[256], *want;
	struct sluice_config *back;
	struct sluice_diags d;
	json_t *r;

	(void)state;
	want = running_yaml();
	r = ok("config_save", NULL);
	assert_string_equal(str(r, "yaml"), want);
	free(want);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/saved.yaml", dir);
	snprintf(params, sizeof(params), "{\"path\":\"%s\"}", path);
	r = ok("config_save", params);
	assert_string_equal(str(r, "path"), path);
	assert_int_equal(sluice_config_load_file(path, NULL, &back, &d), 0);
	assert_int_equal(back->nb_tenants, 2);
	assert_int_equal(sluice_config_tenant(back, "a")->nb_rules, 1);
	sluice_config_free(back);
	assert_int_equal(unlink(path), 0);
	snprintf(params, sizeof(params), "{\"path\":\"%s/no/such.yaml\"}", dir);
	snprintf(path, sizeof(path), "cannot write %s/no/such.yaml: No such file or directory",
		 dir);
	err("config_save", params, SLUICE_RPC_E_IO, "path", path);
	assert_int_equal(rmdir(dir), 0);
	err("config_save", "{\"path\":\"rel.yaml\"}", INVALID_PARAMS, "path",
	    "path must be absolute (it is opened by the data plane, not by you); or leave it out "
	    "to get the text");
	err("config_save", "{\"path\":1}", INVALID_PARAMS, "path",
	    "path: expected a string, got an integer");
	assert_int_equal(app.applies, 0);
}

static void test_apply_refused(void **state)
{
	(void)state;
	app.refuse = -EINVAL;
	err("flow_add", FLOW("", GOOD, "\"drop\""), SLUICE_RPC_E_APPLY, "forward",
	    "the data plane refused the change: port 3 has no TX queue; nothing changed");
	err("tenant_del", "{\"name\":\"b\"}", SLUICE_RPC_E_APPLY, "forward",
	    "the data plane refused the change: port 3 has no TX queue; nothing changed");
	app.refuse = -ENOMEM;
	err("rule_del", "{\"tenant\":\"a\",\"name\":\"r1\"}", SLUICE_RPC_INTERNAL_ERROR, "forward",
	    "out of memory; nothing changed");
	app.refuse = 0;
	ok("rule_del", "{\"tenant\":\"a\",\"name\":\"r1\"}");
	assert_int_equal(app.applies, 1);
}

/* ---- scope: a tenant's socket reaches its own objects only ------------------------------ */

static void test_scope(void **state)
{
	static const char *const admin_only[] = {"tenant_add",	  "tenant_del",	 "match_add",
						 "match_del",	  "config_save", "npu_model_add",
						 "npu_model_del", "npu_fault"};
	static const char *const other[][2] = {
	    {"tenant_get", "{\"name\":\"b\"}"},
	    {"flow_list", "{\"tenant\":\"b\"}"},
	    {"flow_get", "{\"tenant\":\"b\",\"name\":\"bf\"}"},
	    {"flow_del", "{\"tenant\":\"b\",\"name\":\"bf\"}"},
	    {"flow_add", "{\"tenant\":\"b\",\"match\":{},\"actions\":\"drop\"}"},
	    {"rule_list", "{\"tenant\":\"b\"}"},
	    {"rule_add", "{\"tenant\":\"b\",\"match\":{},\"actions\":\"drop\"}"},
	    {"rule_del", "{\"tenant\":\"b\",\"name\":\"x\"}"},
	    {"rule_get", "{\"tenant\":\"b\",\"name\":\"x\"}"},
	    {"default_set", "{\"tenant\":\"b\",\"actions\":\"drop\"}"},
	    {"stats", "{\"tenant\":\"b\"}"},
	    {"npu_context_list", "{\"tenant\":\"b\"}"},
	    {"npu_context_get", "{\"tenant\":\"b\",\"name\":\"ctx\"}"},
	    {"npu_context_add", "{\"tenant\":\"b\",\"context\":\"x\"}"},
	    {"npu_context_del", "{\"tenant\":\"b\",\"name\":\"x\"}"},
	    /* One that does not exist: the same answer, nothing learnt. */
	    {"flow_list", "{\"tenant\":\"nosuch\"}"},
	};
	char reason[160];
	json_t *r;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(admin_only) / sizeof(admin_only[0]); i++) {
		snprintf(reason, sizeof(reason),
			 "%s needs the admin socket; this one belongs to tenant 'a'",
			 admin_only[i]);
		err_in("a", admin_only[i], "{\"name\":\"a\"}", SLUICE_RPC_E_DENIED, "method",
		       reason);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		json_t *p = json_loads(other[i][1], 0, NULL);
		const char *who = str(p, "tenant") ? str(p, "tenant") : str(p, "name");

		snprintf(reason, sizeof(reason),
			 "this socket belongs to tenant 'a'; it cannot reach tenant '%s'", who);
		err_in("a", other[i][0], other[i][1], SLUICE_RPC_E_DENIED,
		       str(p, "tenant") ? "tenant" : "name", reason);
		json_decref(p);
	}
	/* Its own objects, with the tenant implied or named. */
	r = ok_in("a", "tenant_list", NULL);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "name"), "a");
	r = ok_in("a", "tenant_get", NULL);
	assert_string_equal(str(r, "name"), "a");
	r = ok_in("a", "flow_add", "{\"match\":" GOOD ",\"actions\":\"drop\"}");
	assert_string_equal(str(r, "name"), "flow1");
	ok_in("a", "flow_del", "{\"tenant\":\"a\",\"name\":\"f1\"}");
	r = ok_in("a", "flow_list", NULL);
	assert_int_equal(num(r, "total"), 1);
	ok_in("b", "flow_del", "{\"name\":\"bf\"}");
	assert_int_equal(sluice_config_tenant(app.running, "a")->nb_flows, 1);
	assert_int_equal(sluice_config_tenant(app.running, "b")->nb_flows, 0);
	assert_int_equal(app.applies, 3);
	/* A tenant's socket whose tenant is gone reaches nothing. */
	err_in("zz", "flow_list", NULL, SLUICE_RPC_E_NOT_FOUND, "tenant",
	       "no tenant 'zz' (tenant_list shows them)");
	r = ok_in("zz", "tenant_list", NULL);
	assert_int_equal(json_array_size(r), 0);
}

/* ---- the registry: one more method is one table entry and a thin handler ------------- */

struct echo_p {
	uint32_t n;
};

static int do_echo(struct sluice_rpc_req *req, void *params)
{
	struct echo_p *p = params;

	if (p->n == 13)
		return sluice_rpc_fail(req, SLUICE_RPC_E_INVALID, "n", "13 is unlucky");
	req->result =
	    json_pack("{s:i,s:s}", "n", p->n, "tenant", req->tenant ? req->tenant->name : "");
	return 0;
}

static int do_silent_fail(struct sluice_rpc_req *req, void *params)
{
	(void)req;
	(void)params;
	return -1;
}

static const struct sluice_rpc_param echo_params[] = {
    SLUICE_RPC_PARAM("n", sluice_rpc_decode_u32, struct echo_p, n, true),
};

static const struct sluice_rpc_method extra[] = {
    {"echo", "test", echo_params, 1, sizeof(struct echo_p), do_echo, SLUICE_RPC_TENANT_OK,
     "tenant"},
    {"silent", "test", NULL, 0, 0, do_silent_fail, SLUICE_RPC_WRITE, NULL},
};

/* ---- NPU contexts, models and faults ------------------------------------------ */

#define DIGITS SLUICE_SRC_DIR "/models/digits.snm"
#define CAM                                                                                        \
	"{\"name\":\"cam\",\"model\":\"digits\",\"input\":{\"format\":\"rfc4175\",\"pixel\":"      \
	"\"rgb8\",\"width\":64,\"height\":48,\"payload_type\":96},\"weight\":5,\"priority\":3,"    \
	"\"quota_fps\":30,\"batch\":{\"threshold\":2,\"timeout_us\":500},\"queue_depth\":8,"       \
	"\"result\":{\"port\":\"p2\",\"dst_mac\":\"02:00:00:00:00:02\",\"src_mac\":"               \
	"\"02:00:00:00:00:01\",\"src_ip\":\"10.0.0.1\",\"dst_ip\":\"10.0.0.2\",\"dport\":"         \
	"9000}}"

static void npu_ctx_err(const char *ctx, int code, const char *field, const char *reason)
{
	char p[2048];

	snprintf(p, sizeof(p), "{\"tenant\":\"a\",\"context\":%s}", ctx);
	err("npu_context_add", p, code, field, reason);
}

static void test_npu_models(void **state)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m;
	static char blob[1 << 20];
	size_t len;
	FILE *f;
	json_t *r;

	(void)state;
	/* The reference: the committed blob described by the parser itself. */
	f = fopen(DIGITS, "rb");
	assert_non_null(f);
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	m = sluice_nmodel_parse(blob, len, NULL, 0);
	assert_non_null(m);
	sluice_nmodel_describe(m, &d);
	sluice_nmodel_free(m);
	assert_int_equal(d.nb_classes, 10);

	r = ok("npu_model_list", NULL);
	assert_int_equal(json_array_size(r), 0);
	r = ok("npu_model_add", "{\"name\":\"digits\",\"file\":\"" DIGITS "\"}");
	assert_string_equal(str(r, "name"), "digits");
	assert_string_equal(str(r, "file"), DIGITS);
	assert_int_equal(num(r, "classes"), 10);
	assert_int_equal(num(r, "macs"), (json_int_t)d.macs);
	assert_int_equal(app.applies, 1);
	assert_int_equal(app.running->npu.nb_models, 1);
	/* Tenants see the models too (to name them), with the same fields. */
	r = ok_in("b", "npu_model_list", NULL);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "name"), "digits");
	assert_int_equal(num(json_array_get(r, 0), "classes"), 10);
	assert_int_equal(num(json_array_get(r, 0), "macs"), (json_int_t)d.macs);

	err("npu_model_add", "{\"name\":\"digits\",\"file\":\"" DIGITS "\"}", SLUICE_RPC_E_EXISTS,
	    "name", "model 'digits' already exists");
	err("npu_model_add", "{\"name\":\"x\",\"file\":\"models/digits.snm\"}", INVALID_PARAMS,
	    "file", "file must be an absolute path (the data plane opens it)");
	err("npu_model_add", "{\"name\":\"x\",\"file\":\"/nonexistent/m.snm\"}",
	    SLUICE_RPC_E_INVALID, "file",
	    "model 'x': cannot open /nonexistent/m.snm: No such file or directory");
	err("npu_model_add", "{\"name\":\"x\",\"file\":\"" SLUICE_SRC_DIR "/README.md\"}",
	    SLUICE_RPC_E_INVALID, "file",
	    "model 'x': the device refused " SLUICE_SRC_DIR "/README.md: not a valid model blob");
	err("npu_model_add", "{\"name\":\"x\"}", INVALID_PARAMS, "file",
	    "missing field 'file' in params");
	err("npu_model_add", "{\"name\":\"x\",\"file\":7}", INVALID_PARAMS, "file",
	    "file: expected a string, got an integer");
	err("npu_model_del", "{\"name\":\"nope\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no model 'nope'");

	/* In use: refused with who uses it, then free once the context goes. */
	ok("npu_context_add", "{\"tenant\":\"a\",\"context\":" CAM "}");
	err("npu_model_del", "{\"name\":\"digits\"}", SLUICE_RPC_E_IN_USE, "name",
	    "model 'digits' is used by npu context 'cam' of tenant 'a'");
	ok("npu_context_del", "{\"tenant\":\"a\",\"name\":\"cam\"}");
	ok("npu_model_del", "{\"name\":\"digits\"}");
	assert_int_equal(app.running->npu.nb_models, 0);
	assert_int_equal(app.applies, 4);
}

static void test_npu_contexts(void **state)
{
	json_t *r, *c, *want;
	char *yaml;
	struct sluice_load_opts lo = {.sz = sizeof(lo), .nb_ports = 4};
	struct sluice_config *back;
	struct sluice_diags d;

	(void)state;
	ok("npu_model_add", "{\"name\":\"digits\",\"file\":\"" DIGITS "\"}");
	r = ok("npu_context_add", "{\"tenant\":\"a\",\"context\":" CAM "}");
	assert_string_equal(str(r, "name"), "cam");
	/* get: the context as it was given, with every default filled, and counters. */
	r = ok("npu_context_get", "{\"tenant\":\"a\",\"name\":\"cam\"}");
	assert_string_equal(str(r, "tenant"), "a");
	want = json_loads(CAM, 0, NULL);
	json_object_set_new(json_object_get(want, "result"), "port", json_integer(2));
	json_object_set_new(json_object_get(want, "result"), "sport", json_integer(0));
	json_object_set_new(want, "window", json_integer(0));
	c = json_object_get(r, "context");
	if (!json_equal(c, want))
		fail_msg("npu_context_get: %s", json_dumps(c, JSON_SORT_KEYS));
	json_decref(want);
	assert_int_equal(num(json_object_get(r, "stats"), "frames_in"), 42);
	assert_string_equal(str(json_object_get(r, "stats"), "name"), "cam");
	/* A context declared by name only: a string, no counters. */
	r = ok("npu_context_get", "{\"tenant\":\"a\",\"name\":\"ctx\"}");
	assert_string_equal(json_string_value(json_object_get(r, "context")), "ctx");
	assert_true(json_is_null(json_object_get(r, "stats")));
	/* Defaults for what is left out. */
	ok_in("a", "npu_context_add",
	      "{\"context\":{\"name\":\"small\",\"model\":\"digits\",\"input\":{\"format\":"
	      "\"tensor\",\"width\":8,\"height\":8}}}");
	r = json_object_get(ok("npu_context_get", "{\"tenant\":\"a\",\"name\":\"small\"}"),
			    "context");
	assert_string_equal(str(json_object_get(r, "input"), "pixel"), "gray8");
	assert_int_equal(num(r, "weight"), 1);
	assert_int_equal(num(r, "priority"), 0);
	assert_int_equal(num(r, "queue_depth"), SLUICE_NPU_QUEUE_DEPTH_DEFAULT);
	assert_int_equal(num(json_object_get(r, "batch"), "threshold"), 1);
	assert_string_equal(json_string_value(json_object_get(r, "result")), "sender");
	assert_null(json_object_get(json_object_get(r, "input"), "payload_type"));
	ok_in("b", "npu_context_add", "{\"context\":\"bctx\"}");

	/* list: the admin sees every tenant's, a tenant its own. */
	r = ok("npu_context_list", NULL);
	assert_int_equal(json_array_size(r), 4);
	assert_string_equal(str(json_array_get(r, 3), "tenant"), "b");
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 3), "context")),
			    "bctx");
	r = ok_in("a", "npu_context_list", NULL);
	assert_int_equal(json_array_size(r), 3);
	assert_string_equal(str(json_object_get(json_array_get(r, 1), "context"), "name"), "cam");
	r = ok_in("b", "npu_context_list", NULL);
	assert_int_equal(json_array_size(r), 1);
	/* b cannot see, delete or fault a's contexts; naming a is refused, and its own
	 * namespace has no "cam". */
	err_in("b", "npu_context_get", "{\"name\":\"cam\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	       "no npu context 'cam' in tenant 'b'");
	err_in("b", "npu_context_del", "{\"name\":\"cam\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	       "no npu context 'cam' in tenant 'b'");
	err_in("b", "npu_context_del", "{\"tenant\":\"a\",\"name\":\"cam\"}", SLUICE_RPC_E_DENIED,
	       "tenant", "this socket belongs to tenant 'b'; it cannot reach tenant 'a'");
	err_in("b", "npu_fault",
	       "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"error\",\"count\":1}",
	       SLUICE_RPC_E_DENIED, "method",
	       "npu_fault needs the admin socket; this one belongs to tenant 'b'");

	/* Errors: the decoder's for shapes, the model's for values, nothing changed. */
	npu_ctx_err(CAM, SLUICE_RPC_E_EXISTS, "name", "npu context 'cam' already declared");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"nope\",\"input\":{\"format\":\"tensor\","
		    "\"width\":8,\"height\":8}}",
		    SLUICE_RPC_E_INVALID, "model",
		    "model 'nope' is not one of the npu section's models");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\",\"weight\":0,\"input\":{\"format\":"
		    "\"tensor\",\"width\":8,\"height\":8}}",
		    SLUICE_RPC_E_INVALID, "weight", "weight 0 out of range 1..100");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\",\"weight\":300,\"input\":{\"format\":"
		    "\"tensor\",\"width\":8,\"height\":8}}",
		    INVALID_PARAMS, "context.weight", "weight 300 out of range 0..255");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\"}", INVALID_PARAMS, "context.input",
		    "missing field 'input' in npu context (a context with a model needs it)");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\",\"input\":{\"format\":\"h264\","
		    "\"width\":8,\"height\":8}}",
		    INVALID_PARAMS, "context.input.format",
		    "format 'h264' is not rfc4175 or tensor");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\",\"input\":{\"format\":\"tensor\","
		    "\"width\":8,\"height\":8},\"result\":\"back\"}",
		    INVALID_PARAMS, "context.result",
		    "result 'back' is not sender or an object (port, dst_mac, src_mac, src_ip, "
		    "dst_ip, dport)");
	npu_ctx_err("{\"name\":\"x\",\"model\":\"digits\",\"input\":{\"format\":\"tensor\","
		    "\"width\":8,\"height\":8},\"batch\":{\"size\":2}}",
		    INVALID_PARAMS, "context.batch.size",
		    "unknown field 'size' in batch (expected threshold, timeout_us)");
	npu_ctx_err("7", INVALID_PARAMS, "context",
		    "context: expected a name or an object, got an "
		    "integer");
	err("npu_context_add", "{\"tenant\":\"a\"}", INVALID_PARAMS, "context",
	    "missing field 'context' in params");

	/* The data plane refusing (the model does not take the frames): nothing changes. */
	app.refuse = -EINVAL;
	npu_ctx_err("\"y\"", SLUICE_RPC_E_APPLY, "forward",
		    "the data plane refused the change: port 3 has no TX queue; nothing changed");
	app.refuse = 0;

	/* del: in use by the default, then free. */
	ok("default_set", "{\"tenant\":\"a\",\"actions\":{\"to_npu\":\"cam\"}}");
	err("npu_context_del", "{\"tenant\":\"a\",\"name\":\"cam\"}", SLUICE_RPC_E_IN_USE, "name",
	    "npu context 'cam' is used by tenant 'a' default");
	err("npu_context_del", "{\"tenant\":\"a\",\"name\":\"nope\"}", SLUICE_RPC_E_NOT_FOUND,
	    "name", "no npu context 'nope' in tenant 'a'");

	/* tenant_get gives the contexts whole, and config_save's text loads back the same. */
	r = ok("tenant_get", "{\"name\":\"a\"}");
	want = json_incref(r);
	assert_string_equal(str(json_array_get(json_object_get(r, "npu_contexts"), 1), "name"),
			    "cam");
	yaml = running_yaml();
	assert_int_equal(sluice_config_load_buf("saved.yaml", yaml, strlen(yaml), &lo, &back, &d),
			 0);
	r = sluice_rpc_encode_tenant(sluice_config_tenant(back, "a"));
	if (!json_equal(r, want))
		fail_msg("saved and loaded back:\n%s\n%s", json_dumps(r, JSON_SORT_KEYS),
			 json_dumps(want, JSON_SORT_KEYS));
	json_decref(r);
	json_decref(want);
	sluice_config_free(back);
	free(yaml);
	/* tenant_add takes the same shapes. */
	ok("tenant_add",
	   "{\"name\":\"c\",\"match\":[{\"port\":3}],\"npu_contexts\":[\"n\"," CAM "]}");
	r = ok("npu_context_get", "{\"tenant\":\"c\",\"name\":\"cam\"}");
	assert_int_equal(num(json_object_get(r, "context"), "weight"), 5);
}

static void test_npu_fault(void **state)
{
	json_t *r;

	(void)state;
	ok("npu_model_add", "{\"name\":\"digits\",\"file\":\"" DIGITS "\"}");
	ok("npu_context_add", "{\"tenant\":\"a\",\"context\":" CAM "}");
	r = ok("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"timeout\",\"count\":3}");
	assert_string_equal(str(r, "kind"), "timeout");
	assert_int_equal(num(r, "count"), 3);
	assert_int_equal(app.faults, 1);
	assert_string_equal(app.fault_ctx, "a/cam");
	assert_int_equal(app.fault_kind, SLUICE_RPC_NPU_FAULT_TIMEOUT);
	assert_int_equal(app.fault_count, 3);
	ok("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"full\",\"count\":1}");
	assert_int_equal(app.fault_kind, SLUICE_RPC_NPU_FAULT_FULL);
	ok("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"error\",\"count\":2}");
	assert_int_equal(app.fault_kind, SLUICE_RPC_NPU_FAULT_ERROR);
	r = ok("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"none\"}");
	assert_int_equal(num(r, "count"), 0);
	assert_int_equal(app.fault_kind, SLUICE_RPC_NPU_FAULT_NONE);
	assert_int_equal(app.faults, 4);
	/* Not a configuration change. */
	assert_int_equal(app.applies, 2);

	err("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"hang\",\"count\":1}",
	    INVALID_PARAMS, "kind", "kind 'hang' is not timeout, error, full or none");
	err("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"error\"}", INVALID_PARAMS,
	    "count", "kind error needs a count of 1 or more");
	err("npu_fault", "{\"tenant\":\"a\",\"name\":\"ctx\",\"kind\":\"error\",\"count\":1}",
	    SLUICE_RPC_E_INVALID, "name",
	    "npu context 'ctx' has no model: it is not on the device");
	err("npu_fault", "{\"tenant\":\"a\",\"name\":\"nope\",\"kind\":\"error\",\"count\":1}",
	    SLUICE_RPC_E_NOT_FOUND, "name", "no npu context 'nope' in tenant 'a'");
	err("npu_fault", "{\"name\":\"cam\",\"kind\":\"error\",\"count\":1}", INVALID_PARAMS,
	    "tenant", "missing field 'tenant' in params (the tenant)");
	app.fault_rc = -ENOENT;
	err("npu_fault", "{\"tenant\":\"a\",\"name\":\"cam\",\"kind\":\"error\",\"count\":1}",
	    SLUICE_RPC_E_NOT_FOUND, "name", "npu context 'cam' of tenant 'a' is not on the device");
	app.fault_rc = 0;
	assert_int_equal(app.faults, 4);
}

static void test_registry(void **state)
{
	static const struct sluice_rpc_method dup[] = {
	    {"x1", NULL, NULL, 0, 0, do_echo, 0, NULL},
	    {"tenant_list", NULL, NULL, 0, 0, do_echo, 0, NULL},
	};
	static const struct sluice_rpc_method twice[] = {
	    {"x1", NULL, NULL, 0, 0, do_echo, 0, NULL},
	    {"x1", NULL, NULL, 0, 0, do_echo, 0, NULL},
	};
	static const struct sluice_rpc_method bad[] = {{"x1", NULL, NULL, 0, 0, NULL, 0, NULL}};
	struct sluice_rpc_opts o = {.sz = sizeof(o)};
	json_t *r;

	(void)state;
	assert_int_equal(sluice_rpc_register(rpc, extra, 2), 0);
	assert_int_equal(sluice_rpc_register(rpc, extra, 1), -EEXIST);
	assert_int_equal(sluice_rpc_register(rpc, dup, 2), -EEXIST);
	assert_int_equal(sluice_rpc_register(rpc, twice, 2), -EEXIST);
	assert_int_equal(sluice_rpc_register(rpc, bad, 1), -EINVAL);
	err("x1", NULL, SLUICE_RPC_METHOD_NOT_FOUND, "method",
	    "no method 'x1' (rpc_methods lists them)");

	r = ok_in("b", "echo", "{\"n\":5}");
	assert_int_equal(num(r, "n"), 5);
	assert_string_equal(str(r, "tenant"), "b");
	err("echo", "{\"tenant\":\"a\",\"n\":13}", SLUICE_RPC_E_INVALID, "n", "13 is unlucky");
	err("echo", "{\"tenant\":\"a\",\"n\":\"5\"}", INVALID_PARAMS, "n",
	    "n: expected an integer, got a string");
	err("silent", NULL, SLUICE_RPC_INTERNAL_ERROR, "", "silent failed");
	r = ok("rpc_methods", NULL);
	assert_int_equal(json_array_size(r), 36);

	/* Options are checked. */
	assert_null(sluice_rpc_new(NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(sluice_rpc_new(&o));
	assert_int_equal(errno, EINVAL);
	o.ops.config = stub_config;
	o.ops.apply = stub_apply;
	o.sz = sizeof(o) - 1;
	assert_null(sluice_rpc_new(&o));
	assert_int_equal(errno, EINVAL);
	o.sz = sizeof(o);
	sluice_rpc_free(sluice_rpc_new(&o));
	sluice_rpc_free(NULL);
}

static void test_generation(void **state)
{
	uint64_t g = sluice_rpc_generation(rpc);
	char **names;

	(void)state;
	ok("tenant_list", NULL);
	assert_int_equal(sluice_rpc_generation(rpc), g);
	err("flow_del", "{\"tenant\":\"a\",\"name\":\"nope\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no flow 'nope' in tenant 'a'");
	assert_int_equal(sluice_rpc_generation(rpc), g);
	ok("flow_del", "{\"tenant\":\"a\",\"name\":\"f1\"}");
	assert_int_equal(sluice_rpc_generation(rpc), g + 1);
	sluice_rpc_config_changed(rpc);
	assert_int_equal(sluice_rpc_generation(rpc), g + 2);
	names = sluice_rpc_tenant_names(rpc);
	assert_non_null(names);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "b");
	assert_null(names[2]);
	free(names);
	assert_ptr_not_equal(sluice_rpc_lock(rpc), NULL);
}

static void test_code_names(void **state)
{
	(void)state;
	assert_string_equal(sluice_rpc_code_name(-32700), "Parse error");
	assert_string_equal(sluice_rpc_code_name(-32005), "Permission denied");
	assert_string_equal(sluice_rpc_code_name(1), "Unknown error");
	{
		char *s = sluice_rpc_error_text(SLUICE_RPC_E_BUSY, NULL, "too many");

		assert_string_equal(s,
				    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32007,"
				    "\"message\":\"Too many clients\",\"data\":{\"field\":\"\","
				    "\"reason\":\"too many\"}}}");
		free(s);
	}
}

/* ---- vNICs and uplinks ------------------------------------------------------------------ */

#define VNIC(tenant, body) "{\"tenant\":\"" tenant "\",\"vnic\":{" body "}}"
#define VM1 "\"name\":\"vm1\",\"socket\":\"/run/vnic/a-vm1.sock\",\"mac\":\"02:00:00:00:0a:01\""

static void vnic_err(const char *body, int code, const char *field, const char *reason)
{
	char params[512];

	snprintf(params, sizeof(params), "{\"tenant\":\"a\",\"vnic\":{%s}}", body);
	err("vnic_add", params, code, field, reason);
}

static void test_vnic_add(void **state)
{
	const struct sluice_tenant *t;
	const struct sluice_vnic *v;
	json_t *r;

	(void)state;
	r = ok("vnic_add", VNIC("a", VM1));
	assert_string_equal(str(r, "name"), "vm1");
	r = ok("vnic_add",
	       VNIC("a", "\"name\":\"vm2\",\"socket\":\"/run/vnic/a-vm2.sock\","
			 "\"mode\":\"client\",\"queues\":4,\"mac\":\"02:00:00:00:0A:02\""));
	assert_string_equal(str(r, "name"), "vm2");
	assert_int_equal(app.applies, 2);
	t = sluice_config_tenant(app.running, "a");
	assert_int_equal(t->nb_vnics, 2);
	v = sluice_tenant_vnic(t, "vm1");
	assert_string_equal(v->socket, "/run/vnic/a-vm1.sock");
	assert_int_equal(v->mode, SLUICE_VNIC_SERVER);
	assert_int_equal(v->queues, 1);
	v = sluice_tenant_vnic(t, "vm2");
	assert_int_equal(v->mode, SLUICE_VNIC_CLIENT);
	assert_int_equal(v->queues, 4);
	assert_memory_equal(v->mac, ((uint8_t[6]){2, 0, 0, 0, 0x0a, 2}), 6);
	/* The tenant's default is its own: vnic_add does not change it. */
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_DROP);

	/* Params: the decoder's words, as the tenant file loader's. */
	err("vnic_add", "{\"tenant\":\"a\"}", INVALID_PARAMS, "vnic",
	    "missing field 'vnic' in params");
	err("vnic_add", "{\"vnic\":{" VM1 "}}", INVALID_PARAMS, "tenant",
	    "missing field 'tenant' in params (the tenant)");
	err("vnic_add", VNIC("zz", VM1), SLUICE_RPC_E_NOT_FOUND, "tenant",
	    "no tenant 'zz' (tenant_list shows them)");
	err("vnic_add", "{\"tenant\":\"a\",\"vnic\":\"vm3\"}", INVALID_PARAMS, "vnic",
	    "vnic must be an object, got a string");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\","
		 "\"colour\":1",
		 INVALID_PARAMS, "vnic.colour",
		 "unknown field 'colour' in vnic (expected name, socket, mode, queues, mac)");
	vnic_err("\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\"", INVALID_PARAMS,
		 "vnic.name", "missing field 'name' in vnic");
	vnic_err("\"name\":\"vm3\",\"mac\":\"02:00:00:00:0a:03\"", INVALID_PARAMS, "vnic.socket",
		 "missing field 'socket' in vnic");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\"", INVALID_PARAMS, "vnic.mac",
		 "missing field 'mac' in vnic");
	vnic_err(
	    "\"name\":\"abcdefghijklmnopqrstuvwxyz0123456789\",\"socket\":\"/run/vnic/x.sock\","
	    "\"mac\":\"02:00:00:00:0a:03\"",
	    INVALID_PARAMS, "vnic.name",
	    "name 'abcdefghijklmnopqrstuvwxyz0123456789' is longer than 31 characters");
	vnic_err("\"name\":\"vm3\",\"socket\":7,\"mac\":\"02:00:00:00:0a:03\"", INVALID_PARAMS,
		 "vnic.socket", "socket: expected a socket path (a string), got an integer");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/"
		 "0123456789012345678901234567890123456789012345678901234567890123456789"
		 "012345678901234567890123456.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 INVALID_PARAMS, "vnic.socket", "socket path is longer than 107 characters");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a\"",
		 INVALID_PARAMS, "vnic.mac",
		 "mac '02:00:00:00:0a' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\","
		 "\"mode\":\"both\"",
		 INVALID_PARAMS, "vnic.mode", "mode 'both' is not server or client");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\","
		 "\"queues\":-1",
		 INVALID_PARAMS, "vnic.queues", "queues -1 out of range 0..65535");
	/* The model's checks, the same as for tenant files. */
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\","
		 "\"queues\":9",
		 SLUICE_RPC_E_INVALID, "queues", "queues 9 out of range 1..8");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\","
		 "\"queues\":0",
		 SLUICE_RPC_E_INVALID, "queues", "queues 0 out of range 1..8");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"00:00:00:00:00:00\"",
		 SLUICE_RPC_E_INVALID, "mac", "mac must not be 00:00:00:00:00:00");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"03:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "mac", "mac must not be a multicast address");
	vnic_err("\"name\":\"vm3\",\"socket\":\"\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "socket", "socket path is empty");
	vnic_err("\"name\":\"vm3\",\"socket\":\"run/x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "socket", "socket 'run/x.sock' is not an absolute path");
	vnic_err(
	    "\"name\":\"vm3\",\"socket\":\"/run/vnic/../x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
	    SLUICE_RPC_E_INVALID, "socket",
	    "socket '/run/vnic/../x.sock' has a '.' or '..' component");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run//x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "socket", "socket '/run//x.sock' has an empty component");
	vnic_err("\"name\":\"vm3\",\"socket\":\"/run/x,queues=8\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "socket",
		 "socket '/run/x,queues=8' has a character outside [A-Za-z0-9_.+/-]");
	vnic_err("\"name\":\"v m\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "name",
		 "vnic name 'v m' has a character outside [A-Za-z0-9_.-]");
	vnic_err("\"name\":\"\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_INVALID, "name", "vnic name is empty");
	/* Duplicates: in the tenant, and across tenants (socket, MAC). */
	vnic_err("\"name\":\"vm1\",\"socket\":\"/run/vnic/x.sock\",\"mac\":\"02:00:00:00:0a:03\"",
		 SLUICE_RPC_E_EXISTS, "name", "vnic 'vm1' already exists");
	err("vnic_add",
	    VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/a-vm2.sock\","
		      "\"mac\":\"02:00:00:00:0b:01\""),
	    SLUICE_RPC_E_EXISTS, "socket",
	    "socket '/run/vnic/a-vm2.sock' is already used by vnic 'vm2' of tenant 'a'");
	err("vnic_add",
	    VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/b1.sock\","
		      "\"mac\":\"02:00:00:00:0a:01\""),
	    SLUICE_RPC_E_EXISTS, "mac",
	    "mac 02:00:00:00:0a:01 is already vnic 'vm1' of tenant 'a'");
	/* The data plane refusing it (a socket outside --vnic-dir, say): nothing changed. */
	app.refuse = -EACCES;
	err("vnic_add",
	    VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/b1.sock\","
		      "\"mac\":\"02:00:00:00:0b:01\""),
	    SLUICE_RPC_E_APPLY, "forward",
	    "the data plane refused the change: port 3 has no TX queue; nothing changed");
	app.refuse = 0;
	assert_int_equal(sluice_config_tenant(app.running, "b")->nb_vnics, 0);
	assert_int_equal(app.applies, 2);
}

/* Ethdev names: "net_vhost_<tenant>_<vnic>" fits 63 characters and is unique. */
static void test_vnic_dev_names(void **state)
{
	(void)state;
	ok("tenant_add", "{\"name\":\"x\",\"match\":[{\"port\":2}]}");
	ok("tenant_add", "{\"name\":\"x_y\",\"match\":[{\"port\":3}],\"vnics\":[{\"name\":\"z\","
			 "\"socket\":\"/run/vnic/xy-z.sock\",\"mac\":\"02:00:00:00:0c:01\"}]}");
	err("vnic_add",
	    VNIC("x", "\"name\":\"y_z\",\"socket\":\"/run/vnic/x-yz.sock\","
		      "\"mac\":\"02:00:00:00:0c:02\""),
	    SLUICE_RPC_E_EXISTS, "name",
	    "vnic ethdev name 'net_vhost_x_y_z' is also tenant 'x_y' vnic 'z'; rename one");
	ok("tenant_add", "{\"name\":\"tenant-with-a-rather-long-name\",\"match\":[{\"port\":1}]}");
	err("vnic_add",
	    VNIC("tenant-with-a-rather-long-name",
		 "\"name\":\"and-a-long-vnic-name-as-well\",\"socket\":\"/run/vnic/l.sock\","
		 "\"mac\":\"02:00:00:00:0c:03\""),
	    SLUICE_RPC_E_INVALID, "name",
	    "vnic ethdev name 'net_vhost_tenant-with-a-rather-long-name_and-a-long-vnic-name-as-"
	    "well' is longer than 63 characters; shorten the tenant or vnic name");
}

static void test_vnic_list_get_del(void **state)
{
	json_t *l, *e, *v, *st;

	(void)state;
	ok("vnic_add", VNIC("a", VM1));
	ok("vnic_add", VNIC("a", "\"name\":\"vm2\",\"socket\":\"/run/vnic/a-vm2.sock\","
				 "\"mode\":\"client\",\"queues\":2,\"mac\":\"02:00:00:00:0a:02\""));
	ok("vnic_add", VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/b1.sock\","
				 "\"mac\":\"02:00:00:00:0b:01\""));
	l = ok("vnic_list", NULL);
	assert_int_equal(json_array_size(l), 3);
	e = json_array_get(l, 0);
	assert_string_equal(str(e, "tenant"), "a");
	assert_string_equal(str(e, "dev"), "net_vhost_a_vm1");
	assert_int_equal(num(e, "port"), 7);
	assert_string_equal(str(e, "link"), "up");
	v = json_object_get(e, "vnic");
	assert_int_equal(json_object_size(v), 5);
	assert_string_equal(str(v, "name"), "vm1");
	assert_string_equal(str(v, "socket"), "/run/vnic/a-vm1.sock");
	assert_string_equal(str(v, "mode"), "server");
	assert_int_equal(num(v, "queues"), 1);
	assert_string_equal(str(v, "mac"), "02:00:00:00:0a:01");
	st = json_object_get(e, "stats");
	assert_int_equal(json_object_size(st), 6);
	assert_int_equal(num(st, "rx_pkts"), 11);
	assert_int_equal(num(st, "rx_bytes"), 22);
	assert_int_equal(num(st, "tx_pkts"), 33);
	assert_int_equal(num(st, "hw_ipackets"), 44);
	assert_int_equal(num(st, "hw_opackets"), 55);
	assert_int_equal(num(st, "hw_oerrors"), 66);
	e = json_array_get(l, 1);
	assert_string_equal(str(e, "link"), "down");
	assert_string_equal(str(json_object_get(e, "vnic"), "mode"), "client");
	assert_int_equal(num(json_object_get(e, "vnic"), "queues"), 2);
	/* No port in the data plane for it: null, not zeros. */
	e = json_array_get(l, 2);
	assert_string_equal(str(e, "tenant"), "b");
	assert_true(json_is_null(json_object_get(e, "port")));
	assert_true(json_is_null(json_object_get(e, "link")));
	assert_true(json_is_null(json_object_get(e, "stats")));
	l = ok("vnic_list", "{\"tenant\":\"b\"}");
	assert_int_equal(json_array_size(l), 1);
	assert_string_equal(str(json_object_get(json_array_get(l, 0), "vnic"), "name"), "b1");
	err("vnic_list", "{\"tenant\":\"zz\"}", SLUICE_RPC_E_NOT_FOUND, "tenant",
	    "no tenant 'zz' (tenant_list shows them)");

	e = ok("vnic_get", "{\"tenant\":\"a\",\"name\":\"vm2\"}");
	assert_string_equal(str(e, "dev"), "net_vhost_a_vm2");
	assert_string_equal(str(json_object_get(e, "vnic"), "socket"), "/run/vnic/a-vm2.sock");
	err("vnic_get", "{\"tenant\":\"a\",\"name\":\"nope\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no vnic 'nope' in tenant 'a'");
	err("vnic_get", "{\"tenant\":\"a\"}", INVALID_PARAMS, "name",
	    "missing field 'name' in params");

	/* What vnic_list shows goes back to vnic_add as it is. */
	e = json_deep_copy(
	    json_object_get(ok("vnic_get", "{\"tenant\":\"a\",\"name\":\"vm2\"}"), "vnic"));
	ok("vnic_del", "{\"tenant\":\"a\",\"name\":\"vm2\"}");
	assert_null(sluice_tenant_vnic(sluice_config_tenant(app.running, "a"), "vm2"));
	{
		char *p = json_dumps(e, JSON_COMPACT), params[512];

		snprintf(params, sizeof(params), "{\"tenant\":\"a\",\"vnic\":%s}", p);
		ok("vnic_add", params);
		free(p);
	}
	json_decref(e);
	assert_int_equal(sluice_tenant_vnic(sluice_config_tenant(app.running, "a"), "vm2")->queues,
			 2);
	assert_int_equal(app.applies, 5);

	err("vnic_del", "{\"tenant\":\"a\",\"name\":\"nope\"}", SLUICE_RPC_E_NOT_FOUND, "name",
	    "no vnic 'nope' in tenant 'a'");
	err("vnic_del", "{\"tenant\":\"a\",\"name\":5}", INVALID_PARAMS, "name",
	    "name: expected a name (a string), got an integer");
	err("vnic_del", "{\"name\":\"vm1\"}", INVALID_PARAMS, "tenant",
	    "missing field 'tenant' in params (the tenant)");
	/* A tenant known by its vNICs alone keeps at least one. */
	ok("tenant_add", "{\"name\":\"v\",\"vnics\":[{\"name\":\"only\",\"socket\":"
			 "\"/run/vnic/v.sock\",\"mac\":\"02:00:00:00:0d:01\"}]}");
	err("vnic_del", "{\"tenant\":\"v\",\"name\":\"only\"}", SLUICE_RPC_E_INVALID, "match",
	    "tenant 'v' has no match; give at least one (e.g. {port: 0})");
	app.refuse = -EBUSY;
	err("vnic_del", "{\"tenant\":\"a\",\"name\":\"vm1\"}", SLUICE_RPC_E_APPLY, "forward",
	    "the data plane refused the change: port 3 has no TX queue; nothing changed");
	app.refuse = 0;
}

/* tenant_add takes vnics and an uplink; tenant_get gives them back in that shape. */
static void test_tenant_vnics(void **state)
{
	const struct sluice_tenant *t;
	char *before, *after, *text;
	json_t *r;

	(void)state;
	r = ok("tenant_add",
	       "{\"name\":\"v\",\"match\":[{\"port\":2,\"vlan\":30}],\"vnics\":[{\"name\":\"vm1\","
	       "\"socket\":\"/run/vnic/v1.sock\",\"mac\":\"02:00:00:00:0d:01\"},{\"name\":\"vm2\","
	       "\"socket\":\"/run/vnic/v2.sock\",\"mode\":\"client\",\"queues\":8,"
	       "\"mac\":\"02:00:00:00:0d:02\"}],\"uplink\":{\"port\":\"p2\",\"vlan\":30}}");
	assert_string_equal(str(r, "name"), "v");
	t = sluice_config_tenant(app.running, "v");
	assert_int_equal(t->nb_vnics, 2);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(t->uplink.port, 2);
	assert_int_equal(t->uplink.vlan, 30);
	/* As in tenant files: vNICs and no default switch. */
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_SWITCH);
	r = ok("tenant_list", NULL);
	assert_int_equal(num(json_array_get(r, 2), "vnics"), 2);
	assert_int_equal(num(json_array_get(r, 0), "vnics"), 0);

	r = ok("tenant_get", "{\"name\":\"v\"}");
	assert_int_equal(json_array_size(json_object_get(r, "vnics")), 2);
	assert_string_equal(str(json_array_get(json_object_get(r, "vnics"), 1), "mode"), "client");
	assert_int_equal(num(json_object_get(r, "uplink"), "vlan"), 30);
	assert_null(json_object_get(ok("tenant_get", "{\"name\":\"a\"}"), "uplink"));
	/* Deleted and added back from what tenant_get gave: the same configuration. */
	r = ok("tenant_get", "{\"name\":\"v\"}");
	text = json_dumps(r, JSON_COMPACT);
	before = running_yaml();
	ok("tenant_del", "{\"name\":\"v\"}");
	ok("tenant_add", text);
	after = running_yaml();
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(text);

	/* Errors inside the lists say where. */
	err("tenant_add",
	    "{\"name\":\"w\",\"vnics\":[{\"name\":\"w1\",\"socket\":\"/run/vnic/w.sock\","
	    "\"mac\":\"zz\"}]}",
	    INVALID_PARAMS, "vnics[0].mac", "mac 'zz' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	err("tenant_add", "{\"name\":\"w\",\"vnics\":{}}", INVALID_PARAMS, "vnics",
	    "vnics: expected an array, got an object");
	err("tenant_add",
	    "{\"name\":\"w\",\"vnics\":[{\"name\":\"w1\",\"socket\":\"/run/vnic/v1.sock\","
	    "\"mac\":\"02:00:00:00:0e:01\"}]}",
	    SLUICE_RPC_E_EXISTS, "socket",
	    "socket '/run/vnic/v1.sock' is already used by vnic 'vm1' of tenant 'v'");
	err("tenant_add",
	    "{\"name\":\"w\",\"vnics\":[{\"name\":\"w1\",\"socket\":\"/run/vnic/w.sock\","
	    "\"mac\":\"02:00:00:00:0e:01\"}],\"uplink\":{\"port\":3}}",
	    SLUICE_RPC_E_INVALID, "port",
	    "uplink port 3 untagged needs the tenant's match {port: 3}, which brings its frames "
	    "back");
	err("tenant_add", "{\"name\":\"w\",\"vnics\":[]}", SLUICE_RPC_E_INVALID, "match",
	    "tenant 'w' has no match; give at least one (e.g. {port: 0})");
}

#define ENCAP                                                                                      \
	"{\"src_mac\":\"02:00:00:00:ff:01\",\"dst_mac\":\"02:00:00:00:ff:02\",\"src_ip\":"         \
	"\"192.0.2.1\",\"dst_ip\":\"192.0.2.2\",\"vni\":5000,\"udp_src\":49152}"

static void test_uplink(void **state)
{
	const struct sluice_tenant *t;
	json_t *r, *u;

	(void)state;
	r = ok("uplink_get", "{\"tenant\":\"b\"}");
	assert_string_equal(str(r, "tenant"), "b");
	assert_true(json_is_null(json_object_get(r, "uplink")));
	ok("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":10}}");
	t = sluice_config_tenant(app.running, "b");
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(t->uplink.port, 1);
	assert_int_equal(t->uplink.vlan, 10);
	u = json_object_get(ok("uplink_get", "{\"tenant\":\"b\"}"), "uplink");
	assert_int_equal(json_object_size(u), 2);
	assert_int_equal(num(u, "port"), 1);
	assert_int_equal(num(u, "vlan"), 10);
	ok("uplink_set", "{\"tenant\":\"a\",\"uplink\":{\"port\":\"p0\"}}");
	assert_int_equal(sluice_config_tenant(app.running, "a")->uplink.kind, SLUICE_UPLINK_PORT);
	ok("match_add", "{\"tenant\":\"a\",\"match\":{\"vni\":5000}}");
	ok("uplink_set", "{\"tenant\":\"a\",\"uplink\":{\"port\":1,\"vxlan\":" ENCAP "}}");
	t = sluice_config_tenant(app.running, "a");
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VXLAN);
	assert_int_equal(t->uplink.vxlan.vni, 5000);
	assert_int_equal(t->uplink.vxlan.udp_src, 49152);
	u = json_object_get(ok("uplink_get", "{\"tenant\":\"a\"}"), "uplink");
	assert_int_equal(num(u, "port"), 1);
	assert_string_equal(str(json_object_get(u, "vxlan"), "dst_ip"), "192.0.2.2");
	assert_int_equal(num(json_object_get(u, "vxlan"), "vni"), 5000);
	assert_int_equal(app.applies, 4);

	err("uplink_set", "{\"tenant\":\"b\"}", INVALID_PARAMS, "uplink",
	    "missing field 'uplink' in params");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":\"p1\"}", INVALID_PARAMS, "uplink",
	    "uplink must be an object, got a string");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"vlan\":10}}", INVALID_PARAMS,
	    "uplink.port", "missing field 'port' in uplink");
	err("uplink_set",
	    "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":10,\"vxlan\":" ENCAP "}}",
	    INVALID_PARAMS, "uplink.vxlan", "vxlan cannot be combined with vlan");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":\"10\"}}",
	    INVALID_PARAMS, "uplink.vlan", "vlan: expected an integer, got a string");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"tag\":10}}", INVALID_PARAMS,
	    "uplink.tag", "unknown field 'tag' in uplink (expected port, vlan, vxlan)");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vxlan\":{\"vni\":1}}}",
	    INVALID_PARAMS, "uplink.vxlan.src_mac", "missing field 'src_mac' in vxlan");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1}}", SLUICE_RPC_E_INVALID,
	    "port",
	    "uplink port 1 untagged needs the tenant's match {port: 1}, which brings its frames "
	    "back");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":11}}",
	    SLUICE_RPC_E_INVALID, "vlan",
	    "uplink vlan 11 needs the tenant's match {port: 1, vlan: 11}, which brings its frames "
	    "back");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":0}}",
	    SLUICE_RPC_E_INVALID, "vlan", "vlan 0 out of range 1..4094");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":9}}", SLUICE_RPC_E_INVALID,
	    "port", "uplink port 9 does not exist (ports are 0..3)");
	err("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vxlan\":" ENCAP "}}",
	    SLUICE_RPC_E_INVALID, "vni",
	    "uplink vni 5000 needs the tenant's match {vni: 5000} (or {port: 1, vni: 5000}), which "
	    "brings its frames back");
	err("uplink_set", "{\"tenant\":\"zz\",\"uplink\":{\"port\":1}}", SLUICE_RPC_E_NOT_FOUND,
	    "tenant", "no tenant 'zz' (tenant_list shows them)");

	ok("uplink_del", "{\"tenant\":\"b\"}");
	assert_int_equal(sluice_config_tenant(app.running, "b")->uplink.kind, SLUICE_UPLINK_NONE);
	assert_true(
	    json_is_null(json_object_get(ok("uplink_get", "{\"tenant\":\"b\"}"), "uplink")));
	err("uplink_del", "{\"tenant\":\"b\"}", SLUICE_RPC_E_NOT_FOUND, "uplink",
	    "tenant 'b' has no uplink");
	err("uplink_del", "{\"tenant\":\"b\",\"port\":1}", INVALID_PARAMS, "port",
	    "unknown field 'port' in params (expected tenant)");
}

/* A tenant's socket: its own vNICs and uplink only, sockets in --vnic-dir, nothing of others. */
static void test_vnic_scope(void **state)
{
	static const char *const other[][2] = {
	    {"vnic_add", VNIC("b", "\"name\":\"x\",\"socket\":\"/run/vnic/x.sock\","
				   "\"mac\":\"02:00:00:00:0a:09\"")},
	    {"vnic_del", "{\"tenant\":\"b\",\"name\":\"b1\"}"},
	    {"vnic_get", "{\"tenant\":\"b\",\"name\":\"b1\"}"},
	    {"vnic_list", "{\"tenant\":\"b\"}"},
	    {"uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":10}}"},
	    {"uplink_del", "{\"tenant\":\"b\"}"},
	    {"uplink_get", "{\"tenant\":\"b\"}"},
	    {"vnic_list", "{\"tenant\":\"nosuch\"}"},
	};
	char reason[160];
	unsigned int i;
	json_t *l;

	(void)state;
	ok("vnic_add", VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/b1.sock\","
				 "\"mac\":\"02:00:00:00:0b:01\""));
	ok("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":10}}");
	/* Without --vnic-dir a tenant picks no path on the host. */
	err_in("a", "vnic_add", "{\"vnic\":{" VM1 "}}", SLUICE_RPC_E_DENIED, "vnic.socket",
	       "a tenant's socket may add vnics only when sluice confines their sockets to a "
	       "directory (--vnic-dir); ask the operator");
	sluice_rpc_free(rpc);
	rpc = stub_rpc("/run/vnic");
	assert_non_null(rpc);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		json_t *p = json_loads(other[i][1], 0, NULL);

		snprintf(reason, sizeof(reason),
			 "this socket belongs to tenant 'a'; it cannot reach tenant '%s'",
			 str(p, "tenant"));
		err_in("a", other[i][0], other[i][1], SLUICE_RPC_E_DENIED, "tenant", reason);
		json_decref(p);
	}
	err_in(
	    "a", "vnic_add",
	    "{\"vnic\":{\"name\":\"x\",\"socket\":\"/tmp/x.sock\",\"mac\":\"02:00:00:00:0a:09\"}}",
	    SLUICE_RPC_E_DENIED, "vnic.socket",
	    "socket '/tmp/x.sock' is not in /run/vnic (a tenant's vnics must be)");
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnicx/x.sock\",\"mac\":"
	       "\"02:00:00:00:0a:09\"}}",
	       SLUICE_RPC_E_DENIED, "vnic.socket",
	       "socket '/run/vnicx/x.sock' is not in /run/vnic (a tenant's vnics must be)");
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnic\",\"mac\":\"02:00:00:00:0a:09\"}}",
	       SLUICE_RPC_E_DENIED, "vnic.socket",
	       "socket '/run/vnic' is not in /run/vnic (a tenant's vnics must be)");
	/* Another tenant's socket, MAC or ethdev name: in use, the holder unnamed. */
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnic/b1.sock\",\"mac\":"
	       "\"02:00:00:00:0a:09\"}}",
	       SLUICE_RPC_E_EXISTS, "socket", "socket '/run/vnic/b1.sock' is already in use");
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnic/x.sock\",\"mac\":"
	       "\"02:00:00:00:0b:01\"}}",
	       SLUICE_RPC_E_EXISTS, "mac", "mac 02:00:00:00:0b:01 is already in use");
	ok("tenant_add", "{\"name\":\"a_v\",\"match\":[{\"port\":3}],\"vnics\":[{\"name\":\"m\","
			 "\"socket\":\"/run/vnic/av-m.sock\",\"mac\":\"02:00:00:00:0c:01\"}]}");
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"v_m\",\"socket\":\"/run/vnic/x.sock\",\"mac\":"
	       "\"02:00:00:00:0a:09\"}}",
	       SLUICE_RPC_E_EXISTS, "name",
	       "vnic ethdev name 'net_vhost_a_v_m' is already in use; choose another vnic name");
	/* Its own: added, listed, and its own duplicates named in full. */
	ok_in("a", "vnic_add", "{\"vnic\":{" VM1 "}}");
	ok_in("a", "vnic_add",
	      VNIC("a", "\"name\":\"vm2\",\"socket\":\"/run/vnic/a-vm2.sock\","
			"\"mac\":\"02:00:00:00:0a:02\""));
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnic/a-vm1.sock\",\"mac\":"
	       "\"02:00:00:00:0a:09\"}}",
	       SLUICE_RPC_E_EXISTS, "socket",
	       "socket '/run/vnic/a-vm1.sock' is already used by vnic 'vm1' of tenant 'a'");
	err_in("a", "vnic_add",
	       "{\"vnic\":{\"name\":\"x\",\"socket\":\"/run/vnic/x.sock\",\"mac\":"
	       "\"02:00:00:00:0a:01\"}}",
	       SLUICE_RPC_E_EXISTS, "mac",
	       "mac 02:00:00:00:0a:01 is already vnic 'vm1' of tenant 'a'");
	err_in("a", "vnic_add", "{\"vnic\":{" VM1 "}}", SLUICE_RPC_E_EXISTS, "name",
	       "vnic 'vm1' already exists");
	l = ok_in("a", "vnic_list", NULL);
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(str(json_array_get(l, 0), "tenant"), "a");
	assert_string_equal(str(json_array_get(l, 1), "tenant"), "a");
	ok_in("a", "vnic_get", "{\"name\":\"vm2\"}");
	ok_in("a", "vnic_del", "{\"name\":\"vm2\"}");
	ok_in("a", "uplink_set", "{\"uplink\":{\"port\":0}}");
	assert_int_equal(ok_in("a", "uplink_get", NULL) != NULL, 1);
	ok_in("a", "uplink_del", NULL);
	/* Tenant b untouched throughout. */
	assert_int_equal(sluice_config_tenant(app.running, "b")->nb_vnics, 1);
	assert_int_equal(sluice_config_tenant(app.running, "b")->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(sluice_config_tenant(app.running, "a")->nb_vnics, 1);
	assert_int_equal(app.applies, 8);
}

/* config_save writes what the RPC made, and it loads back to the same configuration. */
static void test_vnic_save(void **state)
{
	struct sluice_load_opts lo = {.sz = sizeof(lo), .nb_ports = 4};
	struct sluice_config *back;
	struct sluice_diags d;
	const struct sluice_tenant *t;
	char *saved, *again;
	FILE *f;
	size_t len;

	(void)state;
	ok("vnic_add", VNIC("a", VM1));
	ok("vnic_add", VNIC("b", "\"name\":\"b1\",\"socket\":\"/run/vnic/b1.sock\",\"mode\":"
				 "\"client\",\"queues\":3,\"mac\":\"02:00:00:00:0b:01\""));
	ok("uplink_set", "{\"tenant\":\"b\",\"uplink\":{\"port\":1,\"vlan\":10}}");
	ok("tenant_add", "{\"name\":\"v\",\"vnics\":[{\"name\":\"only\",\"socket\":"
			 "\"/run/vnic/v.sock\",\"mac\":\"02:00:00:00:0d:01\"}]}");
	saved = strdup(str(ok("config_save", NULL), "yaml"));
	assert_non_null(strstr(saved, "    vnics:\n      - {name: \"vm1\", socket: "
				      "'/run/vnic/a-vm1.sock', mode: server, queues: 1, mac: "
				      "\"02:00:00:00:0a:01\"}\n"));
	assert_non_null(strstr(saved, "mode: client, queues: 3, mac: \"02:00:00:00:0b:01\"}\n"
				      "    uplink: {port: 1, vlan: 10}\n"));
	assert_int_equal(sluice_config_load_buf("saved.yaml", saved, strlen(saved), &lo, &back, &d),
			 0);
	/* The same model: vNICs, uplink, and defaults (a's drop stays drop). */
	t = sluice_config_tenant(back, "a");
	assert_int_equal(t->nb_vnics, 1);
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_DROP);
	assert_memory_equal(&t->vnics[0], &sluice_config_tenant(app.running, "a")->vnics[0],
			    offsetof(struct sluice_vnic, pos));
	t = sluice_config_tenant(back, "b");
	assert_int_equal(t->vnics[0].queues, 3);
	assert_int_equal(t->vnics[0].mode, SLUICE_VNIC_CLIENT);
	assert_int_equal(t->uplink.kind, SLUICE_UPLINK_VLAN);
	assert_int_equal(t->uplink.vlan, 10);
	t = sluice_config_tenant(back, "v");
	assert_int_equal(t->nb_matches, 0);
	assert_int_equal(t->default_actions.flags, SLUICE_ACT_SWITCH);
	f = open_memstream(&again, &len);
	assert_int_equal(sluice_config_save(back, f), 0);
	fclose(f);
	assert_string_equal(saved, again);
	sluice_config_free(back);
	free(saved);
	free(again);
}

static void test_end(void **state)
{
	(void)state;
	json_decref(last_result);
	last_result = NULL;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_envelope),
	    T(test_rpc_methods),
	    T(test_tenant_list_get),
	    T(test_tenant_add),
	    T(test_tenant_add_errors),
	    T(test_tenant_del),
	    T(test_match),
	    T(test_default_and_actions),
	    T(test_flows),
	    T(test_rules),
	    T(test_ports_stats),
	    T(test_config_save),
	    T(test_apply_refused),
	    T(test_scope),
	    T(test_npu_models),
	    T(test_npu_contexts),
	    T(test_npu_fault),
	    T(test_vnic_add),
	    T(test_vnic_dev_names),
	    T(test_vnic_list_get_del),
	    T(test_tenant_vnics),
	    T(test_uplink),
	    T(test_vnic_scope),
	    T(test_vnic_save),
	    T(test_registry),
	    T(test_generation),
	    T(test_code_names),
	    cmocka_unit_test(test_end),
	    SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
