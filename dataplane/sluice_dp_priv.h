/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_DP_PRIV_H
#define SLUICE_DP_PRIV_H

/*
 * Data plane internals shared by table.c, worker.c, ports.c and stats.c.
 * Nothing outside dataplane/ includes this.
 */

#include <pthread.h>
#include <stdatomic.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>

#include "sluice_bridge.h"
#include "sluice_dp.h"
#include "sluice_parse.h"

/* Tenant lookup keys (QinQ and VNI) in table->ext_tenant. */
enum ext_kind { EXT_QINQ = 1, EXT_VNI = 2 };
struct ext_key {
	uint8_t kind;
	uint8_t pad;
	uint16_t port;  /* SLUICE_PORT_ANY for VNI on any port */
	uint16_t vlan;
	uint16_t inner_vlan;
	uint32_t vni;
};

/* Exact-flow keys: the tenant is part of the key, so tenants never collide. */
struct flow4_key {
	uint16_t tenant;
	uint8_t proto;
	uint8_t pad;
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
};

struct flow6_key {
	uint16_t tenant;
	uint8_t proto;
	uint8_t pad;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

/*
 * ACL search keys. rte_acl reads fields in network order; the first field
 * must be one byte, the others are grouped in 4-byte words.
 */
struct acl4_key {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t tenant; /* big endian */
	uint32_t src;
	uint32_t dst;
	uint16_t sport;
	uint16_t dport;
};

struct acl6_key {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t tenant;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

#define VXLAN_HDR_LEN (14 + 20 + 8 + 8)

/*
 * A compiled action, one per tenant default, exact flow and rule. Indexes:
 * [0, nb_tenants) are tenant defaults, then exact flows, then rules.
 */
struct dp_action {
	uint32_t flags;     /* enum sluice_action_flag */
	uint16_t port;
	uint16_t tenant;
	uint32_t meter;     /* index in per-worker meters, when SLUICE_ACT_METER */
	uint32_t encap;     /* index in table->encap, when SLUICE_ACT_ENCAP */
	/* SLUICE_ACT_TO_NPU: the bridge's context, NULL when it has no model. */
	struct sluice_bridge_ctx *npu;
};

/* VXLAN header template: outer Ethernet, IPv4, UDP, VXLAN. */
struct dp_encap {
	uint8_t hdr[VXLAN_HDR_LEN];
	/* IPv4 header checksum of the template with total length 0, not inverted. */
	uint32_t ip_csum_base;
	bool derive_sport;
} __rte_cache_aligned;

struct dp_meter {
	struct rte_meter_trtcm m;
	uint64_t color[3];
};

/* What one worker writes for one table: never shared with another worker. */
struct dp_table_worker {
	struct sluice_ctr *tenant;   /* [nb_tenants] */
	struct sluice_ctr *action;   /* [nb_actions], for actions with count */
	struct dp_meter *meters;     /* [nb_meters] */
} __rte_cache_aligned;

/* Identity of an action for folding counters across reloads. */
struct dp_action_id {
	char kind;                   /* 'd', 'f', 'r' */
	char name[SLUICE_NAME_MAX];
};

struct dp_table {
	uint16_t nb_tenants;
	uint32_t nb_actions;
	uint32_t nb_meters;
	uint32_t nb_encaps;
	uint32_t first_flow;         /* action index of the first exact flow */
	uint32_t first_rule;

	/* Tenant lookup: port, VLAN (arrays), QinQ and VNI (hash). 0 = none, else idx+1. */
	uint16_t port_tenant[SLUICE_DP_PORTS];
	uint16_t (*vlan_tenant)[4096];  /* [SLUICE_DP_PORTS][4096], NULL if no VLAN match */
	struct rte_hash *ext_tenant;
	bool has_qinq;
	bool has_vni;

	struct rte_hash *flow4;
	struct rte_hash *flow6;
	struct rte_acl_ctx *acl4;
	struct rte_acl_ctx *acl6;

	struct dp_action *actions;
	struct dp_encap *encaps;
	struct rte_meter_trtcm_profile *meter_profiles;
	uint32_t *meter_action;      /* [nb_meters] action owning each meter */

	struct dp_table_worker w[SLUICE_DP_WORKERS];

	/* Control-side only: names for stats and folding, and the base counts. */
	char (*tenant_names)[SLUICE_NAME_MAX];
	struct dp_action_id *action_ids;
	struct sluice_ctr *base_tenant;
	struct sluice_ctr *base_action;
	uint64_t (*base_color)[3];   /* [nb_meters] */
	uint16_t nb_workers;
	uint64_t generation;
};

/* Per-worker counters not tied to a table. */
struct dp_worker_stats {
	uint64_t rx_pkts[SLUICE_DP_PORTS];
	uint64_t rx_bytes[SLUICE_DP_PORTS];
	uint64_t tx_pkts[SLUICE_DP_PORTS];
	uint64_t drops[SLUICE_DROP_MAX];
	uint64_t stage_cyc[SLUICE_STAGE_MAX];
	uint64_t stage_pkts;
	uint64_t bursts;
} __rte_cache_aligned;

struct dp_rxq {
	uint16_t port;
	uint16_t queue;
};

struct dp_worker {
	struct sluice_dp *dp;
	uint16_t id;
	unsigned int lcore;
	uint16_t txq;
	uint16_t nb_rxq;
	struct dp_rxq rxq[SLUICE_DP_PORTS * 4];
	struct rte_eth_dev_tx_buffer *txb[SLUICE_DP_PORTS];
	uint64_t next_drain;
	uint64_t bursts_seen;
	struct dp_worker_stats st;
} __rte_cache_aligned;

struct sluice_dp {
	struct sluice_dp_opts opts;
	struct rte_mempool *pool;
	uint16_t nb_ports;
	uint16_t nb_workers;
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t burst;
	uint16_t vxlan_port;
	uint64_t drain_tsc;
	struct rte_rcu_qsbr *qsbr;

	/* Published to workers. */
	struct dp_table *_Atomic table;
	_Atomic bool forwarding;
	_Atomic bool quit;
	_Atomic int fwd_mode;
	bool launched;

	struct dp_worker *workers;   /* [nb_workers] */
	struct sluice_bridge *bridge;

	/* Control side. */
	pthread_mutex_t lock;        /* control threads only: apply, stats readers */
	struct sluice_config *cfg;
	uint64_t generation;
	/* Counter values at the last clear, subtracted on read. */
	struct dp_worker_stats zero;
	struct sluice_port_stats port_zero[SLUICE_DP_PORTS];
};

/* table.c */
struct dp_table *dp_table_build(struct sluice_dp *dp, const struct sluice_config *cfg,
				struct sluice_err *err);
void dp_table_free(struct dp_table *t);
/* Fold `old`'s counters into `nt` by name; called after the grace period. */
void dp_table_fold(struct dp_table *nt, const struct dp_table *old);
/* Sum an action's counters over workers plus its base. */
void dp_table_action_stats(const struct dp_table *t, uint32_t action, struct sluice_flow_stats *st);
void dp_table_tenant_stats(const struct dp_table *t, uint16_t tenant, struct sluice_ctr *st);
void dp_table_clear(struct dp_table *t);

/* The data plane's time, in TSC units: the test clock when one is set. */
static inline uint64_t dp_now(const struct sluice_dp *dp)
{
	return dp->opts.clock ? dp->opts.clock(dp->opts.clock_arg) : rte_rdtsc();
}

/* worker.c */
int dp_worker_main(void *arg);

/* ports.c */
int dp_ports_setup(struct sluice_dp *dp);
void dp_ports_close(struct sluice_dp *dp);

#endif /* SLUICE_DP_PRIV_H */
