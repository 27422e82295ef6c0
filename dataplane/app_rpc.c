/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The launcher's side of the JSON-RPC control plane: what the dispatcher
 * needs from the data plane (the running configuration, apply, counters,
 * ports), all called on the RPC thread with the application's cfg_lock held,
 * so the prompt and the RPC never change the configuration at once. The RPC
 * thread is created from the main lcore and inherits its CPU, which is not a
 * worker's: it never competes with the busy-polling workers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "sluice_app.h"
#include "sluice_bridge.h"
#include "sluice_rpc.h"

static const struct sluice_config *app_config(void *arg)
{
	struct sluice_app *app = arg;

	return sluice_dp_config(app->dp);
}

static int app_apply(void *arg, const struct sluice_config *cfg, struct sluice_err *err)
{
	struct sluice_app *app = arg;
	int rc = sluice_dp_apply(app->dp, cfg, err);

	if (rc == 0 && app->gen != NULL)
		sluice_gen_set_config(app->gen, cfg);
	return rc;
}

/* The counters sluice_dp_stats_json() writes, and only a tenant's for its socket. */
static json_t *app_stats(void *arg, const char *tenant)
{
	struct sluice_app *app = arg;
	json_t *all, *out, *t;
	json_error_t je;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = sluice_dp_stats_json(app->dp, f);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	all = json_loadb(buf, len, 0, &je);
	free(buf);
	if (all == NULL || tenant == NULL)
		return all;
	/* Ports, drops and workers are shared by every tenant: not for one of them. */
	t = json_object_get(json_object_get(all, "tenants"), tenant);
	out = json_pack("{s:{s:O}}", "tenants", tenant, t ? t : json_object());
	json_decref(all);
	return out;
}

static json_t *app_ports(void *arg)
{
	struct sluice_app *app = arg;
	json_t *l = json_array();
	uint16_t port;

	for (port = 0; l != NULL && port < sluice_dp_nb_ports(app->dp); port++) {
		char name[RTE_ETH_NAME_MAX_LEN] = "";
		json_t *p;

		rte_eth_dev_get_name_by_port(port, name);
		p = json_pack("{s:i,s:s}", "port", port, "name", name);
		if (p != NULL && app->gen != NULL && port == sluice_gen_port(app->gen))
			json_object_set_new(p, "alias", json_string("gen0"));
		if (p == NULL || json_array_append_new(l, p) != 0) {
			json_decref(l);
			return NULL;
		}
	}
	return l;
}

/* npu_model_add/_list: the blob through the bridge's own loader, on the device. */
static int app_npu_model(void *arg, const struct sluice_config *cfg,
			 const struct sluice_npu_model_ref *ref, struct sluice_rpc_npu_model *out,
			 struct sluice_err *err)
{
	struct sluice_app *app = arg;
	struct sluice_npu_model_info mi;
	int rc = sluice_dp_npu_model_describe(app->dp, cfg, ref, &mi, err);

	if (rc < 0)
		return rc;
	out->classes = mi.nb_classes;
	out->macs = mi.macs;
	out->in_max_w = mi.in_max_w;
	out->in_max_h = mi.in_max_h;
	out->gray = (mi.in_channels_mask & (1u << 1)) != 0;
	out->rgb = (mi.in_channels_mask & (1u << 3)) != 0;
	return 0;
}

/* npu_context_get: the counters `show npu` prints, for one context. */
static json_t *app_npu_stats(void *arg, const char *tenant, const char *name)
{
	struct sluice_app *app = arg;
	struct sluice_bridge_ctx_stats st;
	json_t *o, *dev;
	unsigned int k;

	if (sluice_dp_npu_ctx_stats(app->dp, tenant, name, &st) < 0) {
		errno = ENOENT;
		return NULL;
	}
	o = json_object();
	dev = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "enqueued", (json_int_t)st.dev.enqueued,
	    "dequeued", (json_int_t)st.dev.dequeued, "completed_ok",
	    (json_int_t)st.dev.completed_ok, "errors", (json_int_t)st.dev.errors, "window_faults",
	    (json_int_t)st.dev.window_faults, "ring_full", (json_int_t)st.dev.ring_full, "dropped",
	    (json_int_t)st.dev.dropped, "busy_ns", (json_int_t)st.dev.busy_ns);
	if (o == NULL || dev == NULL) {
		json_decref(o);
		json_decref(dev);
		errno = ENOMEM;
		return NULL;
	}
	for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
		json_object_set_new(o, sluice_bridge_ctr_name(k),
				    json_integer((json_int_t)st.ctr[k]));
	json_object_set_new(o, "latency_p50_ns", json_integer((json_int_t)st.p50_ns));
	json_object_set_new(o, "latency_p99_ns", json_integer((json_int_t)st.p99_ns));
	json_object_set_new(o, "queued", json_integer(st.queued));
	json_object_set_new(o, "inflight", json_integer(st.inflight));
	json_object_set_new(o, "device", dev);
	return o;
}

static int app_npu_fault(void *arg, const char *tenant, const char *name,
			 enum sluice_rpc_npu_fault kind, uint32_t count)
{
	struct sluice_app *app = arg;
	struct sluice_npu_fault f = {.count = count};

	switch (kind) {
	case SLUICE_RPC_NPU_FAULT_NONE:
		f.kind = SLUICE_NPU_FAULT_NONE;
		break;
	case SLUICE_RPC_NPU_FAULT_TIMEOUT:
		f.kind = SLUICE_NPU_FAULT_TIMEOUT;
		break;
	case SLUICE_RPC_NPU_FAULT_ERROR:
		f.kind = SLUICE_NPU_FAULT_ERROR;
		break;
	case SLUICE_RPC_NPU_FAULT_FULL:
		f.kind = SLUICE_NPU_FAULT_FULL;
		break;
	default:
		return -EINVAL;
	}
	return sluice_dp_npu_fault(app->dp, tenant, name, &f);
}

/* vnic_list, vnic_get: what `show vnic` prints. */
static int app_vnic_state(void *arg, const char *tenant, const char *name,
			  struct sluice_rpc_vnic_state *out)
{
	struct sluice_app *app = arg;
	struct sluice_vnic_stats st;
	int rc = sluice_dp_vnic_stats(app->dp, tenant, name, &st);

	if (rc < 0)
		return rc;
	out->port = st.port;
	out->link_up = st.link_up;
	out->rx_pkts = st.rx_pkts;
	out->rx_bytes = st.rx_bytes;
	out->tx_pkts = st.tx_pkts;
	out->hw_ipackets = st.hw_ipackets;
	out->hw_opackets = st.hw_opackets;
	out->hw_oerrors = st.hw_oerrors;
	return 0;
}

static void app_log(void *arg, int prio, const char *line)
{
	(void)arg;
	if (prio <= LOG_NOTICE)
		RTE_LOG(NOTICE, USER1, "rpc: %s\n", line);
	else
		RTE_LOG(DEBUG, USER1, "rpc: %s\n", line);
}

int sluice_app_rpc_start(struct sluice_app *app, const char *dir)
{
	struct sluice_rpc_opts ro = {
	    .sz = sizeof(ro),
	    .ops =
		{
		    .config = app_config,
		    .apply = app_apply,
		    .stats = app_stats,
		    .ports = app_ports,
		    .resolve_port = sluice_app_resolve_port,
		    .npu_model = app_npu_model,
		    .npu_stats = app_npu_stats,
		    .npu_fault = app_npu_fault,
		    .vnic_state = app_vnic_state,
		    .arg = app,
		},
	    .lock = &app->cfg_lock,
	    .vnic_dir = app->vnic_dir,
	};
	struct sluice_rpc_server_opts so = {
	    .sz = sizeof(so),
	    .dir = dir,
	    .log = app_log,
	};
	int rc;

	app->rpc = sluice_rpc_new(&ro);
	if (app->rpc == NULL) {
		rc = -errno;
		fprintf(stderr, "sluice: --rpc-dir: %s\n", strerror(-rc));
		return rc;
	}
	app->rpc_srv = sluice_rpc_server_start(app->rpc, &so);
	if (app->rpc_srv == NULL) {
		rc = -errno;
		fprintf(stderr, "sluice: --rpc-dir %s: cannot serve there: %s\n", dir,
			strerror(-rc));
		sluice_rpc_free(app->rpc);
		app->rpc = NULL;
		return rc;
	}
	printf("sluice: JSON-RPC on %s/admin.sock (sluicectl -s %s/admin.sock)\n", dir, dir);
	return 0;
}

void sluice_app_rpc_stop(struct sluice_app *app)
{
	sluice_rpc_server_stop(app->rpc_srv);
	sluice_rpc_free(app->rpc);
	app->rpc_srv = NULL;
	app->rpc = NULL;
}
