/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_DP_PRIV_H
#define SLUICE_DP_PRIV_H

/*
 * Data plane internals shared by table.c, worker.c, ports.c and stats.c.
 * Nothing outside dataplane/ includes this.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_meter.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

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

	/* vNIC ports: their tenant, whatever a frame carries. */
	bool port_owned[SLUICE_DP_PORTS];
	/*
	 * vNIC ports whose tenant never looks past the MACs (no flows, no rules,
	 * no encap or decap, no hashed VXLAN source port): frames from them are
	 * switched, so only their Ethernet header is checked (dp_parse_l2only).
	 */
	bool port_l2only[SLUICE_DP_PORTS];
	/*
	 * Shared ports (not vNICs) on which every tenant a frame can belong to
	 * (by port, VLAN or QinQ; no VNI matched anywhere) only switches and
	 * never looks past the MACs: the parse stage reads their tags only
	 * (sluice_parse_l2), an IP header behind them is neither read nor checked.
	 */
	bool port_tags_only[SLUICE_DP_PORTS];
	struct dp_l2 *l2;

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
	uint64_t tx_missed[SLUICE_DP_PORTS]; /* vNICs: the guest's ring had no room (also tx_full) */
	uint64_t drops[SLUICE_DROP_MAX];
	uint64_t stage_cyc[SLUICE_STAGE_MAX];
	uint64_t stage_pkts;
	uint64_t bursts;
	uint64_t l2_flooded;         /* switched frames flooded (broadcast, multicast, unknown) */
	uint64_t l2_learn_lost;      /* learn requests the full learn ring refused */
} __rte_cache_aligned;

struct dp_rxq {
	uint16_t port;
	uint16_t queue;
};

/* The worker's direct-mapped L2 cache (l2.c): key -> position in the table's entries. */
#define DP_L2_CACHE_BITS 10
struct dp_l2_cache_slot {
	uint64_t key;
	uint32_t pos;
	uint32_t gen;                /* low 32 bits of the table generation */
};

struct dp_worker {
	struct sluice_dp *dp;
	uint16_t id;
	unsigned int lcore;
	/*
	 * How this worker transmits on each port, set by the control thread
	 * before the port first appears in a published table, fixed for the
	 * port's life: its own TX queue, or (a vNIC with fewer queue pairs
	 * than workers) a ring to the worker that owns one.
	 */
	uint16_t txq_of[SLUICE_DP_PORTS];
	struct rte_ring *tx_ring[SLUICE_DP_PORTS];
	/* vNIC ports: frames go to the guest with rte_vhost_enqueue_burst() (dp_tx_flush). */
	bool tx_vhost[SLUICE_DP_PORTS];
	struct rte_eth_dev_tx_buffer *txb[SLUICE_DP_PORTS];
	struct rte_ring *learn;      /* L2 learn requests to the control thread */
	uint64_t table_gen;          /* generation of the table last used */
	uint64_t next_drain;
	uint64_t bursts_seen;
	struct dp_worker_stats st;
	struct dp_l2_cache_slot l2_cache[1u << DP_L2_CACHE_BITS];
} __rte_cache_aligned;

/* Burst-local state, on the worker's stack. */
struct burst {
	uint16_t n;
	uint16_t port;
	uint16_t nb_switch;          /* packets whose action is switch */
	struct rte_mbuf *pkts[SLUICE_DP_BURST_MAX];
	struct sluice_pkt meta[SLUICE_DP_BURST_MAX];
	uint16_t tenant[SLUICE_DP_BURST_MAX];
	uint32_t action[SLUICE_DP_BURST_MAX];
	uint16_t out_port[SLUICE_DP_BURST_MAX];
	uint16_t nb_drop;
	struct rte_mbuf *drop[SLUICE_DP_BURST_MAX];
	/* to_npu packets, handed to the bridge in one call after the action stage. */
	uint16_t nb_npu;
	struct sluice_bridge_pkt npu[SLUICE_DP_BURST_MAX];
};

/* out_port of a packet the L2 stage must place. */
#define DP_OUT_SWITCH (UINT16_MAX - 1)

static inline void dp_drop(struct dp_worker *w, struct burst *b, struct rte_mbuf *m,
			   enum sluice_drop why)
{
	w->st.drops[why]++;
	b->drop[b->nb_drop++] = m;
}

/* Send what the worker buffered for `port` (worker.c). */
void dp_tx_flush(struct dp_worker *w, uint16_t port);

/* Queue one packet for `port`: buffered on the worker's own queue, or handed over. */
static inline void dp_tx(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	if (likely(w->tx_ring[port] == NULL)) {
		struct rte_eth_dev_tx_buffer *b = w->txb[port];

		b->pkts[b->length++] = m;
		if (b->length == b->size)
			dp_tx_flush(w, port);
	} else if (unlikely(rte_ring_mp_enqueue(w->tx_ring[port], m) != 0)) {
		w->st.drops[SLUICE_DROP_TX_FULL]++;
		rte_pktmbuf_free(m);
	}
}

/* ---- vNICs and L2 switching (vnic.c, l2.c) ---------------------------------- */

/* Destination of an L2 entry that is not a vNIC port. */
#define L2_DEST_UPLINK (UINT16_MAX - 1)
/* Tenant index of the host-wide table of vNIC MACs (cross-tenant checks). */
#define L2_HOST UINT16_MAX

/*
 * One L2 entry, at the position rte_hash gives its key. Readers take an
 * entry only when its tag is their key (acquire): the control thread writes
 * dest, then the tag (release), so a reused position never shows a stale
 * destination for a new key.
 */
struct dp_l2_entry {
	_Atomic uint64_t tag;        /* the key's 8 bytes */
	_Atomic uint16_t dest;       /* vNIC port, or L2_DEST_UPLINK */
	uint8_t is_static;
	_Atomic uint64_t seen;       /* dp_now() of its last frame (learned entries) */
};

/*
 * An L2 key's 8 bytes: the tenant (2, little endian), then the MAC. Built
 * from two loads and shifts: assembling it in memory stalls store forwarding.
 */
static inline uint64_t dp_l2_key(uint16_t tenant, const uint8_t *mac)
{
	uint32_t lo;
	uint16_t hi;

	memcpy(&lo, mac, 4);
	memcpy(&hi, mac + 4, 2);
	return rte_cpu_to_le_64((uint64_t)tenant | (uint64_t)rte_le_to_cpu_32(lo) << 16 |
				(uint64_t)rte_le_to_cpu_16(hi) << 48);
}

/* A tenant's L2 domain in one table. */
struct dp_l2_tenant {
	uint16_t nb_vnics;
	uint16_t *vnic_ports;        /* [nb_vnics]: the flood list */
	uint8_t uplink_kind;         /* enum sluice_uplink_kind */
	uint16_t uplink_port;
	uint16_t uplink_vlan;        /* host order */
	uint32_t uplink_vni;
	uint32_t nb_learned;         /* control side */
	struct dp_encap encap;       /* SLUICE_UPLINK_VXLAN */
};

/* A drained handoff ring: worker-owned TX queue `queue` of `port`. */
struct dp_drain {
	uint16_t port;
	uint16_t queue;
	struct rte_ring *ring;
};

struct dp_l2 {
	struct rte_hash *mac;        /* (tenant, MAC) and (L2_HOST, MAC) -> entries[] */
	struct dp_l2_entry *entries;
	uint32_t nb_entries;
	uint16_t nb_tenants;
	struct dp_l2_tenant *tenants; /* [nb_tenants] */
	uint16_t vnic_tenant[SLUICE_DP_PORTS]; /* tenant + 1 of each vNIC port; 0 otherwise */
	/* Per worker: RX queues to poll and handoff rings to drain. */
	uint16_t nb_rxq[SLUICE_DP_WORKERS];
	struct dp_rxq *rxq[SLUICE_DP_WORKERS];
	uint16_t nb_drain[SLUICE_DP_WORKERS];
	struct dp_drain *drain[SLUICE_DP_WORKERS];
};

/* A vNIC port the data plane runs; control thread only, but for link_up. */
struct dp_vnic {
	bool used;
	bool retiring;               /* out of the next table, then removed */
	char tenant[SLUICE_NAME_MAX];
	char name[SLUICE_NAME_MAX];
	char dev[SLUICE_VNIC_DEV_NAME_MAX + 1];
	char socket[SLUICE_VNIC_PATH_MAX];
	enum sluice_vnic_mode mode;
	uint16_t queues;
	uint16_t port;
	uint16_t first_worker;       /* queue q is polled by worker (first_worker + q) % nb_workers */
	struct rte_ring *txr[SLUICE_VNIC_QUEUES_MAX]; /* handoff rings, when shared */
};

/* Control-side L2 counters. */
struct dp_l2_ctl_stats {
	uint64_t learned;
	uint64_t moved;
	uint64_t aged;
	uint64_t learn_full;
};

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

	/* vNIC ports by port id; link_up is written by the vhost thread. */
	struct dp_vnic vnics[SLUICE_DP_PORTS];
	_Atomic bool link_up[SLUICE_DP_PORTS];
	/*
	 * The guest's vhost device id while one is attached, else -1: set before
	 * link_up, cleared after it by the vhost thread, which then waits for
	 * the workers (RCU) before the library may free the device.
	 */
	_Atomic int vhost_vid[SLUICE_DP_PORTS];
	uint16_t vnic_rr;            /* spreads vNICs' first queues over workers */
	struct dp_l2_ctl_stats l2_st;
	uint64_t next_age;
	uint64_t age_tsc;
	uint32_t learn_max;

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

/* stats.c: a new port (a vNIC taking a port id) starts its counters at zero. */
void dp_port_stats_restart(struct sluice_dp *dp, uint16_t port);

/* The data plane's time, in TSC units: the test clock when one is set. */
static inline uint64_t dp_now(const struct sluice_dp *dp)
{
	return dp->opts.clock ? dp->opts.clock(dp->opts.clock_arg) : rte_rdtsc();
}

/* worker.c */
int dp_worker_main(void *arg);
enum sluice_drop dp_vxlan_encap(const struct dp_encap *e, struct rte_mbuf *m,
				const struct sluice_pkt *p, bool strip_vlans);

/* table.c */
void dp_encap_build(struct dp_encap *e, const struct sluice_vxlan_encap *v);

/* l2.c: the L2 part of a table, the switch stage, learning and aging. */
int dp_l2_build(struct sluice_dp *dp, struct dp_table *t, const struct sluice_config *cfg,
		struct sluice_err *err);
void dp_l2_free(struct dp_l2 *l2);
/* Carry learned entries of `old` over to `nt` (same tenant and vNIC names). */
void dp_l2_carry(struct sluice_dp *dp, struct dp_table *nt, const struct dp_table *old);
void dp_l2_stage(struct sluice_dp *dp, struct dp_worker *w, const struct dp_table *t,
		 struct burst *b, uint64_t now);
/* The parse stage for a port_l2only port: an Ethernet header, nothing more. */
void dp_parse_l2only(struct dp_worker *w, struct burst *b);
/* Drain learn rings, age entries. Control thread, dp->lock held. */
void dp_l2_service(struct sluice_dp *dp, uint64_t now);

/*
 * vnic.c: vNIC ports. Control thread, dp->lock held. An apply retires the
 * ports `cfg` drops or changes (they leave the next table), removes them
 * once no worker can see them, then adds the ports `cfg` has and the data
 * plane lacks before the table that uses them is built.
 */
/* Mark retiring the ports `cfg` drops or changes. @return how many. */
unsigned int dp_vnics_retire(struct sluice_dp *dp, const struct sluice_config *cfg);
void dp_vnics_unretire(struct sluice_dp *dp);
/* Remove retiring ports; none may be in a table a worker can still see. */
void dp_vnics_remove_retired(struct sluice_dp *dp);
/* Create the ports `cfg` has and the data plane lacks; on error none of them is left. */
int dp_vnics_add(struct sluice_dp *dp, const struct sluice_config *cfg, struct sluice_err *err,
		 uint32_t *added);
/* Remove the ports the last dp_vnics_add() created (its table was not published). */
void dp_vnics_remove_added(struct sluice_dp *dp, uint32_t added);
/* Remove every vNIC port (data plane destroyed, workers joined). */
void dp_vnics_remove_all(struct sluice_dp *dp);
/* The port of a tenant's running vNIC (not retiring), or UINT16_MAX. */
uint16_t dp_vnic_port(const struct sluice_dp *dp, const char *tenant, const char *name);

/* ports.c */
int dp_ports_setup(struct sluice_dp *dp);
void dp_ports_close(struct sluice_dp *dp);

#endif /* SLUICE_DP_PRIV_H */
