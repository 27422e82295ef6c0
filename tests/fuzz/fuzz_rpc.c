/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the JSON-RPC dispatcher: the input is one request,
 * run against a small running configuration by the admin socket or by
 * tenant a's (the first byte chooses). Beyond "no crash, no leak":
 *  - every request that is not a notification gets exactly one response, a
 *    JSON-RPC 2.0 object with a result or an error;
 *  - a request that fails changes nothing (the configuration saved before
 *    and after is the same, and apply was not called);
 *  - on tenant a's socket, tenant b is never changed;
 *  - whatever a request leaves running saves as a tenant file that loads
 *    back and saves again to the same bytes.
 *
 *   see run.sh; seeds in tests/fuzz/corpus/rpc/
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_loader.h"
#include "sluice_rpc.h"
#include "sluice_save.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sluice_config *running;
static unsigned int applies;

static const struct sluice_config *stub_config(void *arg)
{
	(void)arg;
	return running;
}

static int stub_apply(void *arg, const struct sluice_config *cfg, struct sluice_err *err)
{
	struct sluice_config *c = sluice_config_clone(cfg);

	(void)arg;
	(void)err;
	if (c == NULL)
		return -ENOMEM;
	sluice_config_free(running);
	running = c;
	applies++;
	return 0;
}

static json_t *stub_stats(void *arg, const char *tenant)
{
	(void)arg;
	return json_pack("{s:s?}", "tenant", tenant);
}

static json_t *stub_ports(void *arg)
{
	(void)arg;
	return json_pack("[{s:i,s:s}]", "port", 0, "name", "p0");
}

static int stub_resolve(const char *name, uint16_t *port, void *arg)
{
	(void)arg;
	if (name[0] == 'p' && name[1] >= '0' && name[1] <= '7' && name[2] == '\0') {
		*port = (uint16_t)(name[1] - '0');
		return 0;
	}
	return -ENOENT;
}

static const char base[] =
    "tenants:\n"
    "  - name: a\n"
    "    match: [{port: 0}, {port: 1, vlan: 5}]\n"
    "    npu_contexts: [c]\n"
    "    flows: [{name: f, match: {proto: tcp, src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: "
    "2}, actions: [count, {forward: 1}]}]\n"
    "    rules: [{name: r, priority: 3, match: {dport: 53}, actions: {to_npu: c}}]\n"
    "  - name: b\n"
    "    match: [{vni: 7}]\n";

static char *save(const struct sluice_config *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL || sluice_config_save(cfg, f) != 0)
		abort();
	fclose(f);
	return buf;
}

static char *tenant_json(const char *name)
{
	const struct sluice_tenant *t = sluice_config_tenant(running, name);
	json_t *j = t ? sluice_rpc_encode_tenant(t) : NULL;
	char *s = j ? json_dumps(j, JSON_COMPACT) : strdup("none");

	json_decref(j);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sluice_rpc *rpc;
	struct sluice_load_opts lo = {.sz = sizeof(lo), .nb_ports = 8};
	const char *scope = size && (data[0] & 1) ? "a" : NULL;
	char *before, *after, *b_before, *b_after, *resp, *again;
	size_t lb, la, l2;
	struct sluice_config *back;
	unsigned int applies_before;
	json_t *r;

	if (rpc == NULL) {
		struct sluice_rpc_opts o = {
		    .sz = sizeof(o),
		    .ops = {.config = stub_config,
			    .apply = stub_apply,
			    .stats = stub_stats,
			    .ports = stub_ports,
			    .resolve_port = stub_resolve},
		    /* Tenant sockets may add vNICs under it: the seeds' paths. */
		    .vnic_dir = "/run/sluice/vnic",
		};

		rpc = sluice_rpc_new(&o);
		if (rpc == NULL)
			abort();
	}
	if (sluice_config_load_buf("base", base, strlen(base), &lo, &running, NULL) != 0)
		abort();
	if (size)
		data++, size--;
	before = save(running, &lb);
	b_before = tenant_json("b");
	applies_before = applies;

	errno = 0;
	resp = sluice_rpc_handle(rpc, scope, (const char *)data, size);
	if (resp == NULL) {
		/* A notification; or no memory, which libFuzzer's malloc limit may cause. */
		if (errno != 0 && errno != ENOMEM)
			abort();
		r = NULL;
	} else {
		json_t *err;

		r = json_loads(resp, 0, NULL);
		if (!json_is_object(r) || strchr(resp, '\n') != NULL)
			abort();
		if (!json_is_string(json_object_get(r, "jsonrpc")) ||
		    strcmp(json_string_value(json_object_get(r, "jsonrpc")), "2.0") != 0)
			abort();
		err = json_object_get(r, "error");
		if ((err == NULL) == (json_object_get(r, "result") == NULL))
			abort();
		if (err != NULL) {
			json_t *d = json_object_get(err, "data");

			if (!json_is_integer(json_object_get(err, "code")) ||
			    !json_is_string(json_object_get(d, "field")) ||
			    !json_is_string(json_object_get(d, "reason")))
				abort();
			/* A failed call changes nothing. */
			if (applies != applies_before)
				abort();
		}
	}
	after = save(running, &la);
	if (applies == applies_before && (la != lb || memcmp(before, after, la) != 0))
		abort();
	b_after = tenant_json("b");
	if (scope != NULL && strcmp(b_before, b_after) != 0)
		abort();
	/* What runs saves, loads back, saves the same. */
	if (sluice_config_load_buf("saved", after, la, &lo, &back, NULL) != 0)
		abort();
	again = save(back, &l2);
	if (l2 != la || memcmp(again, after, la) != 0)
		abort();
	free(again);
	sluice_config_free(back);
	free(b_before);
	free(b_after);
	free(before);
	free(after);
	json_decref(r);
	free(resp);
	sluice_config_free(running);
	running = NULL;
	return 0;
}
