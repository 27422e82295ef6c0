/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane object: creation, table publication with RCU, worker
 * launch, and counters for the control side.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_telemetry.h>

#include "sluice_dp_priv.h"

static const char *const stage_names[] = {
#define SLUICE_STAGE_NAME(e, n) [SLUICE_STAGE_##e] = n,
	SLUICE_STAGE_LIST(SLUICE_STAGE_NAME)
#undef SLUICE_STAGE_NAME
};

const char *sluice_stage_name(unsigned int stage)
{
	return stage < SLUICE_STAGE_MAX ? stage_names[stage] : "unknown";
}

static const char *const mode_names[] = {
	[SLUICE_FWD_TENANT] = "tenant",
	[SLUICE_FWD_IO] = "io",
	[SLUICE_FWD_MACSWAP] = "macswap",
};

const char *sluice_fwd_mode_name(enum sluice_fwd_mode mode)
{
	return (unsigned int)mode < RTE_DIM(mode_names) ? mode_names[mode] : "unknown";
}

int sluice_fwd_mode_parse(const char *s, enum sluice_fwd_mode *mode)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(mode_names); i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*mode = (enum sluice_fwd_mode)i;
			return 0;
		}
	if (strcmp(s, "mac") == 0) {
		*mode = SLUICE_FWD_MACSWAP;
		return 0;
	}
	return -EINVAL;
}

/* Learn requests one worker may have queued between two services. */
#define LEARN_RING_SIZE 4096

static int workers_init(struct sluice_dp *dp)
{
	static unsigned int instance;
	char name[RTE_RING_NAMESIZE];
	uint16_t i, port;

	dp->workers = rte_zmalloc("sl_workers", sizeof(*dp->workers) * dp->nb_workers,
				  RTE_CACHE_LINE_SIZE);
	if (dp->workers == NULL)
		return -ENOMEM;
	instance++;
	for (i = 0; i < dp->nb_workers; i++) {
		struct dp_worker *w = &dp->workers[i];

		w->dp = dp;
		w->id = i;
		snprintf(name, sizeof(name), "sl_learn_%u_%u", instance, i);
		w->learn = rte_ring_create_elem(name, 16, LEARN_RING_SIZE, (int)rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->learn == NULL)
			return -ENOMEM;
		/* Every port id, vNICs to come included: each worker its own TX queue. */
		for (port = 0; port < SLUICE_DP_PORTS; port++) {
			w->txq_of[port] = i;
			w->txb[port] = rte_zmalloc_socket("sl_txb", RTE_ETH_TX_BUFFER_SIZE(dp->burst), 0,
							  (int)rte_socket_id());
			if (w->txb[port] == NULL)
				return -ENOMEM;
			/* A plain array of dp->burst frames: dp_tx_flush() sends it and counts. */
			rte_eth_tx_buffer_init(w->txb[port], dp->burst);
		}
		if (rte_rcu_qsbr_thread_register(dp->qsbr, i) != 0)
			return -EINVAL;
	}
	return 0;
}

static void workers_free(struct sluice_dp *dp)
{
	uint16_t i, port;

	if (dp->workers == NULL)
		return;
	for (i = 0; i < dp->nb_workers; i++) {
		for (port = 0; port < SLUICE_DP_PORTS; port++)
			rte_free(dp->workers[i].txb[port]);
		rte_ring_free(dp->workers[i].learn);
	}
	rte_free(dp->workers);
	dp->workers = NULL;
}

static int opts_check(struct sluice_dp *dp, const struct sluice_dp_opts *o)
{
	unsigned int lcores = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 1;

	if (o == NULL || o->sz < sizeof(*o))
		return -EINVAL;
	dp->opts = *o;
	dp->nb_ports = o->nb_ports ? o->nb_ports : rte_eth_dev_count_avail();
	if (dp->nb_ports == 0 || dp->nb_ports > SLUICE_DP_PORTS) {
		RTE_LOG(ERR, USER1, "%u ports; sluice drives 1 to %u\n", dp->nb_ports,
			SLUICE_DP_PORTS);
		return -EINVAL;
	}
	dp->nb_workers = o->nb_workers ? o->nb_workers : (uint16_t)RTE_MIN(lcores, SLUICE_DP_WORKERS);
	dp->nb_rxq = o->nb_rxq ? o->nb_rxq : dp->nb_workers;
	dp->nb_txq = o->nb_txq ? o->nb_txq : dp->nb_workers;
	dp->burst = o->burst ? o->burst : 32;
	dp->vxlan_port = o->vxlan_port ? o->vxlan_port : SLUICE_VXLAN_PORT;
	dp->drain_tsc = (rte_get_tsc_hz() + 999999) / 1000000 * (o->drain_us ? o->drain_us : 100);
	dp->age_tsc = rte_get_tsc_hz() * (o->mac_age_s ? o->mac_age_s : 300);
	dp->learn_max = o->mac_learn_max ? o->mac_learn_max : 1024;
	if (dp->nb_workers > SLUICE_DP_WORKERS || dp->burst > SLUICE_DP_BURST_MAX ||
	    dp->nb_rxq > 64) {
		RTE_LOG(ERR, USER1, "too many workers, queues, or too large a burst\n");
		return -EINVAL;
	}
	if (dp->nb_txq < dp->nb_workers) {
		RTE_LOG(ERR, USER1, "%u tx queues for %u workers: each worker needs its own\n",
			dp->nb_txq, dp->nb_workers);
		return -EINVAL;
	}
	if (dp->nb_rxq < dp->nb_workers)
		RTE_LOG(WARNING, USER1, "%u rx queues for %u workers: some workers stay idle\n",
			dp->nb_rxq, dp->nb_workers);
	atomic_store(&dp->fwd_mode, o->fwd_mode);
	return 0;
}

struct sluice_dp *sluice_dp_create(const struct sluice_dp_opts *opts)
{
	struct sluice_config *empty;
	struct sluice_dp *dp;
	struct sluice_err err;
	struct dp_table *t;
	uint32_t nb_mbufs;
	uint16_t port;
	bool zerocopy;
	size_t sz;
	int ret;

	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return NULL;
	pthread_mutex_init(&dp->lock, NULL);
	ret = opts_check(dp, opts);
	if (ret < 0)
		goto out_free_dp;
	nb_mbufs = opts->nb_mbufs;
	if (nb_mbufs == 0)
		nb_mbufs = dp->nb_ports * (dp->nb_rxq * (opts->nb_rxd ? opts->nb_rxd : 1024u) +
					   dp->nb_txq * (opts->nb_txd ? opts->nb_txd : 1024u)) +
			   dp->nb_workers * dp->nb_ports * 2 * dp->burst + 8192;
	/* Zero copy receives into NPU memory: the bridge (and its device) come first. */
	zerocopy = opts->npu_copy_set && opts->npu_copy == SLUICE_NPU_COPY_ZEROCOPY;
	if (!zerocopy) {
		dp->pool = rte_pktmbuf_pool_create("sluice_mbuf", nb_mbufs, 256, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
		if (dp->pool == NULL) {
			ret = -rte_errno;
			goto out_free_dp;
		}
	}
	sz = rte_rcu_qsbr_get_memsize(dp->nb_workers);
	dp->qsbr = rte_zmalloc("sl_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->nb_workers) != 0) {
		ret = -ENOMEM;
		goto out_free_pool;
	}
	ret = workers_init(dp);
	if (ret < 0)
		goto out_free_workers;
	for (port = 0; port < SLUICE_DP_PORTS; port++)
		atomic_init(&dp->vhost_vid[port], -1);
	{
		struct sluice_bridge_opts bo = {
			.sz = sizeof(bo),
			.nb_workers = dp->nb_workers,
			.pool = dp->pool,
			.device = opts->npu_device,
			.copy_set = opts->npu_copy_set,
			.copy = opts->npu_copy,
			.flows_max = opts->npu_flows_max,
			.frame_timeout_us = opts->npu_frame_timeout_us,
			.op_timeout_us = opts->npu_op_timeout_us,
			.dev_inflight = opts->npu_dev_inflight,
			.clock = opts->clock,
			.clock_arg = opts->clock_arg,
		};

		dp->bridge = sluice_bridge_create(&bo);
		if (dp->bridge == NULL) {
			ret = -errno;
			goto out_free_workers;
		}
		if (zerocopy) {
			dp->pool = sluice_bridge_rx_pool(dp->bridge, nb_mbufs);
			if (dp->pool == NULL) {
				ret = -errno;
				goto out_free_workers;
			}
		}
	}
	if (!opts->ports_preconfigured) {
		ret = dp_ports_setup(dp);
		if (ret < 0)
			goto out_free_workers;
	}
	empty = sluice_config_new(dp->nb_ports);
	if (empty == NULL) {
		ret = -ENOMEM;
		goto out_close_ports;
	}
	t = dp_table_build(dp, empty, &err);
	if (t == NULL) {
		ret = -errno;
		sluice_config_free(empty);
		goto out_close_ports;
	}
	dp->cfg = empty;
	atomic_store(&dp->table, t);
	atomic_store(&dp->forwarding, true);
	return dp;

out_close_ports:
	if (!opts->ports_preconfigured)
		dp_ports_close(dp);
out_free_workers:
	sluice_bridge_destroy(dp->bridge); /* and a zero-copy pool with it */
	workers_free(dp);
	rte_free(dp->qsbr);
out_free_pool:
	if (!zerocopy)
		rte_mempool_free(dp->pool);
out_free_dp:
	free(dp);
	errno = -ret;
	return NULL;
}

unsigned int sluice_dp_destroy(struct sluice_dp *dp)
{
	unsigned int leaked;

	if (dp == NULL)
		return 0;
	sluice_dp_join(dp);
	/*
	 * vNIC ports, then the fixed ports (their queues give their mbufs back),
	 * then the bridge (the mbufs and result rings it holds; with zero copy,
	 * the pool itself and the NPU memory it lives in), then the pool.
	 */
	dp_vnics_remove_all(dp);
	if (!dp->opts.ports_preconfigured)
		dp_ports_close(dp);
	leaked = sluice_bridge_destroy(dp->bridge);
	dp_table_free(atomic_load(&dp->table));
	sluice_config_free(dp->cfg);
	workers_free(dp);
	rte_free(dp->qsbr);
	if (!(dp->opts.npu_copy_set && dp->opts.npu_copy == SLUICE_NPU_COPY_ZEROCOPY)) {
		/* Tests that keep their ports count the pool themselves before this. */
		if (!dp->opts.ports_preconfigured) {
			leaked = rte_mempool_in_use_count(dp->pool);
			if (leaked > 0)
				RTE_LOG(ERR, USER1, "mempool %s: %u mbufs not returned\n",
					dp->pool->name, leaked);
		}
		rte_mempool_free(dp->pool);
	}
	pthread_mutex_destroy(&dp->lock);
	free(dp);
	return leaked;
}

struct rte_mempool *sluice_dp_pool(const struct sluice_dp *dp)
{
	return dp->pool;
}

uint16_t sluice_dp_nb_workers(const struct sluice_dp *dp)
{
	return dp->nb_workers;
}

uint16_t sluice_dp_nb_ports(const struct sluice_dp *dp)
{
	return dp->nb_ports;
}

const struct sluice_config *sluice_dp_config(const struct sluice_dp *dp)
{
	return dp->cfg;
}

/* Publish `t`, wait out the grace period, free the old table. dp->lock held. */
static void publish(struct sluice_dp *dp, struct dp_table *t)
{
	struct dp_table *old = atomic_load(&dp->table);
	uint64_t token;

	/* Before the switch: nothing learns meanwhile (learning needs dp->lock). */
	dp_l2_carry(dp, t, old);
	old = atomic_exchange_explicit(&dp->table, t, memory_order_acq_rel);
	/* Wait until every online worker has passed a quiescent state. */
	token = rte_rcu_qsbr_start(dp->qsbr);
	rte_rcu_qsbr_check(dp->qsbr, token, true);
	dp_table_fold(t, old);
	dp_table_free(old);
}

int sluice_dp_apply(struct sluice_dp *dp, const struct sluice_config *cfg, struct sluice_err *err)
{
	struct sluice_config *copy;
	struct dp_table *t;
	uint32_t added = 0;
	int ret;

	if (err)
		memset(err, 0, sizeof(*err));
	copy = sluice_config_clone(cfg);
	if (copy == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&dp->lock);
	/* vNICs dropped or changed leave a published table before their ports go. */
	if (dp_vnics_retire(dp, cfg) != 0) {
		t = dp_table_build(dp, dp->cfg, err);
		if (t == NULL) {
			ret = -errno;
			dp_vnics_unretire(dp);
			goto out_unlock;
		}
		publish(dp, t);
		dp_vnics_remove_retired(dp);
	}
	/* NPU contexts before the table: its to_npu actions point at them. */
	ret = sluice_bridge_prepare(dp->bridge, cfg, err);
	if (ret < 0)
		goto out_unlock;
	ret = dp_vnics_add(dp, cfg, err, &added);
	if (ret < 0)
		goto out_abort;
	t = dp_table_build(dp, cfg, err);
	if (t == NULL) {
		ret = -errno;
		dp_vnics_remove_added(dp, added);
		goto out_abort;
	}
	publish(dp, t);
	/* No worker reaches a context the new table dropped: retire them. */
	sluice_bridge_commit(dp->bridge);
	sluice_bridge_reap(dp->bridge);
	sluice_config_free(dp->cfg);
	dp->cfg = copy;
	copy = NULL;
	ret = 0;
	goto out_unlock;
out_abort:
	sluice_bridge_abort(dp->bridge);
	sluice_bridge_reap(dp->bridge);
out_unlock:
	pthread_mutex_unlock(&dp->lock);
	sluice_config_free(copy);
	return ret;
}

void sluice_dp_service(struct sluice_dp *dp)
{
	pthread_mutex_lock(&dp->lock);
	dp_l2_service(dp, dp_now(dp));
	pthread_mutex_unlock(&dp->lock);
}

int sluice_dp_launch(struct sluice_dp *dp)
{
	unsigned int lcore;
	uint16_t i = 0;
	int ret;

	if (dp->launched)
		return -EALREADY;
	if (rte_lcore_count() - 1 < dp->nb_workers) {
		RTE_LOG(ERR, USER1, "%u workers need %u worker lcores, EAL gave %u\n",
			dp->nb_workers, dp->nb_workers, rte_lcore_count() - 1);
		return -EINVAL;
	}
	atomic_store(&dp->quit, false);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == dp->nb_workers)
			break;
		dp->workers[i].lcore = lcore;
		ret = rte_eal_remote_launch(dp_worker_main, &dp->workers[i], lcore);
		if (ret != 0) {
			atomic_store(&dp->quit, true);
			rte_eal_mp_wait_lcore();
			return ret;
		}
		i++;
	}
	ret = sluice_bridge_service_start(dp->bridge);
	if (ret != 0) {
		atomic_store(&dp->quit, true);
		rte_eal_mp_wait_lcore();
		return ret;
	}
	dp->launched = true;
	return 0;
}

int sluice_dp_join(struct sluice_dp *dp)
{
	uint16_t i;

	if (!dp->launched)
		return 0;
	atomic_store(&dp->quit, true);
	for (i = 0; i < dp->nb_workers; i++)
		rte_eal_wait_lcore(dp->workers[i].lcore);
	sluice_bridge_service_stop(dp->bridge);
	dp->launched = false;
	return 0;
}

struct sluice_bridge *sluice_dp_bridge(struct sluice_dp *dp)
{
	return dp->bridge;
}

unsigned int sluice_dp_npu_reap(struct sluice_dp *dp)
{
	unsigned int n;

	pthread_mutex_lock(&dp->lock);
	n = sluice_bridge_reap(dp->bridge);
	pthread_mutex_unlock(&dp->lock);
	return n;
}

void sluice_dp_npu_show(struct sluice_dp *dp, FILE *out)
{
	pthread_mutex_lock(&dp->lock);
	sluice_bridge_show(dp->bridge, out);
	pthread_mutex_unlock(&dp->lock);
}

int sluice_dp_npu_model_describe(struct sluice_dp *dp, const struct sluice_config *cfg,
				 const struct sluice_npu_model_ref *ref,
				 struct sluice_npu_model_info *info, struct sluice_err *err)
{
	int rc;

	pthread_mutex_lock(&dp->lock);
	rc = sluice_bridge_model_describe(dp->bridge, cfg, ref, info, err);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int sluice_dp_npu_fault(struct sluice_dp *dp, const char *tenant, const char *name,
			const struct sluice_npu_fault *f)
{
	int rc;

	pthread_mutex_lock(&dp->lock);
	rc = sluice_bridge_fault_inject(dp->bridge, tenant, name, f);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

int sluice_dp_npu_ctx_stats(struct sluice_dp *dp, const char *tenant, const char *name,
			    struct sluice_bridge_ctx_stats *st)
{
	int rc;

	pthread_mutex_lock(&dp->lock);
	rc = sluice_bridge_ctx_stats(dp->bridge, tenant, name, st);
	pthread_mutex_unlock(&dp->lock);
	return rc;
}

void sluice_dp_set_forwarding(struct sluice_dp *dp, bool on)
{
	atomic_store(&dp->forwarding, on);
}

bool sluice_dp_forwarding(const struct sluice_dp *dp)
{
	return atomic_load(&dp->forwarding);
}

void sluice_dp_set_fwd_mode(struct sluice_dp *dp, enum sluice_fwd_mode mode)
{
	atomic_store(&dp->fwd_mode, mode);
}

enum sluice_fwd_mode sluice_dp_fwd_mode(const struct sluice_dp *dp)
{
	return (enum sluice_fwd_mode)atomic_load(&dp->fwd_mode);
}
