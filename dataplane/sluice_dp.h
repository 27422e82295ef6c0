/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_DP_H
#define SLUICE_DP_H

/**
 * @file
 * The data plane: ports, per-lcore workers, and the tables they classify
 * with. One struct sluice_dp per process.
 *
 * Threads:
 *  - one control thread (the launcher's main lcore, or a test) calls every
 *    function here except sluice_dp_worker_poll();
 *  - telemetry callbacks read stats from DPDK's telemetry thread; they take
 *    the control mutex, never a worker;
 *  - workers (one per worker lcore) run sluice_dp_worker_loop(), or a test
 *    calls sluice_dp_worker_poll() for one iteration. Workers take no lock,
 *    make no syscall and allocate nothing: they read the published table,
 *    count into their own cache-aligned counters, and report an RCU
 *    quiescent state once per iteration.
 *
 * Tables are compiled from a struct sluice_config by sluice_dp_apply(),
 * published with one atomic store, and the old table is freed after an RCU
 * grace period (rte_rcu_qsbr); its counters are folded into the new table's
 * tenants and flows of the same names, so counters survive reloads.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "sluice_drops.h"
#include "sluice_model.h"
#include "sluice_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Most ports the data plane drives (port ids 0..SLUICE_DP_PORTS-1), vNICs
 * included: DPDK's own limit in Debian's build (RTE_MAX_ETHPORTS).
 */
#define SLUICE_DP_PORTS 32
/** Most worker lcores. */
#define SLUICE_DP_WORKERS 32
/** Largest RX burst. */
#define SLUICE_DP_BURST_MAX 64

/** Forwarding modes, as testpmd names them. */
enum sluice_fwd_mode {
	/** Full pipeline: parse, tenant, flow, actions. */
	SLUICE_FWD_TENANT = 0,
	/** Port 2k <-> 2k+1 untouched (testpmd "io"): a baseline. */
	SLUICE_FWD_IO,
	/** As io, with source and destination MAC swapped (testpmd "macswap"). */
	SLUICE_FWD_MACSWAP,
};

/** Stages whose cost is sampled (cycles per packet). */
#define SLUICE_STAGE_LIST(X)                                                                       \
	X(RX, "rx")                                                                                \
	X(PARSE, "parse")                                                                          \
	X(TENANT, "tenant")                                                                        \
	X(FLOW, "flow")                                                                            \
	X(ACL, "acl")                                                                              \
	X(ACTION, "action")                                                                        \
	X(L2, "l2")                                                                                \
	X(TX, "tx")

enum sluice_stage {
#define SLUICE_STAGE_ENUM(e, n) SLUICE_STAGE_##e,
	SLUICE_STAGE_LIST(SLUICE_STAGE_ENUM)
#undef SLUICE_STAGE_ENUM
	SLUICE_STAGE_MAX
};

const char *sluice_stage_name(unsigned int stage);
const char *sluice_fwd_mode_name(enum sluice_fwd_mode mode);
/** @return 0 and *mode set, or -EINVAL. */
int sluice_fwd_mode_parse(const char *s, enum sluice_fwd_mode *mode);

struct sluice_dp_opts {
	/** sizeof(struct sluice_dp_opts). */
	size_t sz;
	/** Worker lcores; 0 = every worker lcore EAL gave us (up to SLUICE_DP_WORKERS). */
	uint16_t nb_workers;
	/** RX and TX queues per port; 0 = nb_workers. */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	/** Descriptors per queue; 0 = 1024. */
	uint16_t nb_rxd;
	uint16_t nb_txd;
	/** RX burst size, 1..SLUICE_DP_BURST_MAX; 0 = 32. */
	uint16_t burst;
	/** mbufs in the pool; 0 = sized from ports, queues and workers. */
	uint32_t nb_mbufs;
	/** TX drain period in microseconds; 0 = 100. */
	uint32_t drain_us;
	/** UDP destination port parsed as VXLAN; 0 = 4789. */
	uint16_t vxlan_port;
	enum sluice_fwd_mode fwd_mode;
	/**
	 * Time source for meters and the drain timer, in TSC units, read once per
	 * burst; NULL = rte_rdtsc(). Tests use it to drive meters exactly.
	 */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
	/** Do not configure or start ports (tests that set them up themselves). */
	bool ports_preconfigured;
	/** NPU device spec overriding the configuration's (--npu); NULL: the configuration's. */
	const char *npu_device;
	/** NPU copy mode overriding the configuration's (--npu-copy) when npu_copy_set. */
	bool npu_copy_set;
	enum sluice_npu_copy npu_copy;
	/** NPU bridge tunables, 0 for their defaults (sluice_bridge.h's struct sluice_bridge_opts). */
	uint32_t npu_frame_timeout_us;
	uint32_t npu_op_timeout_us;
	uint16_t npu_dev_inflight;
	uint32_t npu_flows_max;
	/**
	 * Ports 0..nb_ports-1 are the data plane's fixed ports (uplinks);
	 * 0 = every ethdev that exists at creation. vNIC ports come on top.
	 */
	uint16_t nb_ports;
	/** Seconds a learned MAC lives without a frame from it; 0 = 300. */
	uint32_t mac_age_s;
	/** Most MACs one tenant may have learned at once; 0 = 1024. */
	uint32_t mac_learn_max;
	/**
	 * Directory every vNIC socket must be in (tenant files are not trusted
	 * to name paths); NULL = any absolute path.
	 */
	const char *vnic_dir;
};

struct sluice_dp;

/**
 * Create the data plane: the mbuf pool, every ethdev port configured with
 * its queues (RSS where the port offers it) and started, the RCU variable,
 * an empty table (every packet dropped as no_tenant).
 *
 * Workers are the EAL worker lcores in order; worker i polls RX queue q of
 * every port where q % nb_workers == i, and transmits on TX queue i.
 *
 * @return the data plane, or NULL with errno: EINVAL (bad option, no port,
 *         too few lcores or queues), ENOMEM, or the port's error.
 */
struct sluice_dp *sluice_dp_create(const struct sluice_dp_opts *opts);

/**
 * Stop workers, remove vNICs, stop ports, free everything. NULL is a no-op.
 *
 * @return the mbufs that were not back in the pool when it was freed (logged
 *         with the pool's name); 0 unless something leaked one. Mbufs parked
 *         in rings sluice does not own (the generator's) count as leaked:
 *         drain those first (sluice_gen_drain()).
 */
unsigned int sluice_dp_destroy(struct sluice_dp *dp);

/** The mbuf pool (tests count its free mbufs). */
struct rte_mempool *sluice_dp_pool(const struct sluice_dp *dp);
uint16_t sluice_dp_nb_workers(const struct sluice_dp *dp);
/** Fixed ports (0..n-1, the uplinks); vNIC ports come on top (sluice_dp_vnic_stats()). */
uint16_t sluice_dp_nb_ports(const struct sluice_dp *dp);

/**
 * Compile `cfg` into new tables and publish them. The workers switch at
 * their next iteration; the call returns after the grace period, when the
 * old table is freed. `cfg` stays the caller's; the data plane keeps a copy
 * for `show` commands.
 *
 * vNICs: a vNIC of `cfg` the data plane does not run gets its net_vhost
 * port ("net_vhost_<tenant>_<vnic>", sluice_vnic_dev_name()) created and
 * started before the table that uses it is published; one that `cfg` drops,
 * or changes (socket, mode, queues), first leaves a published table and is
 * then stopped and removed. A vNIC kept as it was keeps its port, its guest
 * connection and its learned MACs. A server-mode socket left by a process
 * that died (nothing listens on it) is removed first.
 *
 * @return 0; -EINVAL (a port or action the data plane cannot do, message in
 *         err), -EACCES (a vNIC socket outside opts.vnic_dir), -EADDRINUSE
 *         (another process serves a vNIC socket), -EEXIST (something else is
 *         at the socket path), -ENOSPC (no port id left), -ENOMEM, or a
 *         DPDK error. On error the running table stays, except that vNICs
 *         `cfg` drops or changes are already gone.
 */
int sluice_dp_apply(struct sluice_dp *dp, const struct sluice_config *cfg,
		    struct sluice_err *err);

/** The configuration last applied (never NULL; empty before the first apply). */
const struct sluice_config *sluice_dp_config(const struct sluice_dp *dp);

/**
 * The NPU bridge (sluice_bridge.h): tests drive its scheduler with
 * sluice_bridge_service_poll() while workers are not launched, and read its
 * counters. Launched workers run with its service thread.
 */
struct sluice_bridge *sluice_dp_bridge(struct sluice_dp *dp);

/**
 * Destroy retired NPU contexts that nothing uses any more (under the apply
 * lock; never waits). The launcher calls it from its main loop.
 * @return retired contexts still waiting.
 */
unsigned int sluice_dp_npu_reap(struct sluice_dp *dp);

struct sluice_npu_model_info;
struct sluice_npu_fault;
struct sluice_bridge_ctx_stats;

/** sluice_bridge_model_describe(), under the apply lock (the RPC's npu_model_add and _list). */
int sluice_dp_npu_model_describe(struct sluice_dp *dp, const struct sluice_config *cfg,
				 const struct sluice_npu_model_ref *ref,
				 struct sluice_npu_model_info *info, struct sluice_err *err);

/** sluice_bridge_fault_inject(), under the apply lock (the RPC's npu_fault). */
int sluice_dp_npu_fault(struct sluice_dp *dp, const char *tenant, const char *name,
			const struct sluice_npu_fault *f);

/** sluice_bridge_ctx_stats(), under the apply lock. */
int sluice_dp_npu_ctx_stats(struct sluice_dp *dp, const char *tenant, const char *name,
			    struct sluice_bridge_ctx_stats *st);

/** `show npu`, under the apply lock. */
void sluice_dp_npu_show(struct sluice_dp *dp, FILE *out);

/** Launch a worker on each worker lcore, and the NPU scheduler's thread. @return 0, -EALREADY, or -errno. */
int sluice_dp_launch(struct sluice_dp *dp);
/** Ask workers and the NPU scheduler's thread to exit and wait for them. @return 0. */
int sluice_dp_join(struct sluice_dp *dp);

/** Forwarding on/off (testpmd start/stop); workers keep running either way. */
void sluice_dp_set_forwarding(struct sluice_dp *dp, bool on);
bool sluice_dp_forwarding(const struct sluice_dp *dp);
void sluice_dp_set_fwd_mode(struct sluice_dp *dp, enum sluice_fwd_mode mode);
enum sluice_fwd_mode sluice_dp_fwd_mode(const struct sluice_dp *dp);

/**
 * One iteration of worker `worker`: poll its RX queues once, process, drain
 * TX if due. For tests that drive a worker from their own thread, which is
 * an RCU reader only during the call: sluice_dp_apply() from the same thread
 * between polls does not wait on it. Never while that worker is launched.
 * @return packets received.
 */
uint32_t sluice_dp_worker_poll(struct sluice_dp *dp, uint16_t worker);

/** Flush every TX buffer of `worker` now (tests, shutdown). */
void sluice_dp_worker_flush(struct sluice_dp *dp, uint16_t worker);

/** What the classifier decided for one packet. */
struct sluice_verdict {
	char tenant[SLUICE_NAME_MAX];
	/** 'f' exact flow, 'r' rule, 'd' the tenant default. */
	char kind;
	/** Flow or rule name; "default" for the tenant default. */
	char name[SLUICE_NAME_MAX];
};

/**
 * Classify one parsed packet arriving on `port` with the running table,
 * through the same stages the workers run (tenant, exact flow, rules,
 * default). Counts nothing. Control thread (tests, a packet trace command).
 * @return 0 and *v set, or -ENOENT when no tenant claims the packet.
 */
int sluice_dp_classify(struct sluice_dp *dp, uint16_t port, const struct sluice_pkt *p,
		       struct sluice_verdict *v);

/* ---- Counters ------------------------------------------------------------ */

struct sluice_port_stats {
	uint64_t rx_pkts, rx_bytes;
	uint64_t tx_pkts;
	/**
	 * From the ethdev itself (rte_eth_stats_get). A vNIC's frames to the guest
	 * do not go through its PMD (workers enqueue them with rte_vhost): for a
	 * vNIC, hw_opackets and hw_oerrors are the frames the guest's ring took
	 * and had no room for, as sluice counted them (the PMD's own stay 0).
	 */
	uint64_t hw_ipackets, hw_opackets, hw_imissed, hw_ierrors, hw_oerrors, hw_rx_nombuf;
};

struct sluice_ctr {
	uint64_t pkts;
	uint64_t bytes;
};

struct sluice_flow_stats {
	struct sluice_ctr hits;
	/** Meter colours (green, yellow, red), when the flow has a meter. */
	uint64_t color[3];
};

/**
 * Port counters since start or the last clear; for a vNIC's port, since the
 * port was created. @return 0, or -EINVAL (not a fixed port nor a running
 * vNIC's).
 */
int sluice_dp_port_stats(struct sluice_dp *dp, uint16_t port, struct sluice_port_stats *st);

/** One worker lcore's own counters (all ports), since start. */
struct sluice_worker_stats {
	unsigned int lcore;
	uint64_t rx_pkts;
	uint64_t tx_pkts;
	uint64_t drops;   /**< all reasons */
	uint64_t bursts;  /**< non-empty RX bursts */
};

/** @return 0, or -EINVAL for a worker that does not exist. */
int sluice_dp_worker_stats(struct sluice_dp *dp, uint16_t worker, struct sluice_worker_stats *st);

/** Drop counters by reason (array of SLUICE_DROP_MAX), since the last clear. */
void sluice_dp_drop_stats(struct sluice_dp *dp, uint64_t drops[SLUICE_DROP_MAX]);

/** A tenant's counters (packets classified to it). @return 0 or -ENOENT. */
int sluice_dp_tenant_stats(struct sluice_dp *dp, const char *tenant, struct sluice_ctr *st);

/**
 * A flow's or rule's counters. `kind` is 'f' (flow), 'r' (rule) or 'd' (the
 * tenant default). Hits are counted for flows with the count action, colours
 * for flows with a meter. @return 0 or -ENOENT.
 */
int sluice_dp_flow_stats(struct sluice_dp *dp, const char *tenant, char kind, const char *name,
			 struct sluice_flow_stats *st);

/** Cycles per packet per stage, sampled; entries 0 when nothing sampled. */
void sluice_dp_stage_cycles(struct sluice_dp *dp, double cyc[SLUICE_STAGE_MAX]);

/** Zero every counter above (ports, drops, tenants, flows, stages). */
void sluice_dp_clear_stats(struct sluice_dp *dp);

/** Write every counter as one JSON object (tests, --stats-json). @return 0 or -errno. */
int sluice_dp_stats_json(struct sluice_dp *dp, FILE *out);

/* ---- vNICs and L2 switching ----------------------------------------------- */

/**
 * Control-plane housekeeping: learn the MACs workers saw, age those not seen
 * for opts.mac_age_s. Call it from the control thread every millisecond or
 * so (the launcher's main loop does); until it runs, frames to a new MAC are
 * flooded within its tenant. Takes the control mutex.
 */
void sluice_dp_service(struct sluice_dp *dp);

struct sluice_vnic_stats {
	/** The vNIC's ethdev port. */
	uint16_t port;
	/** A guest is attached (vhost-user device running). */
	bool link_up;
	/** Data plane counters: frames from the guest, frames to it. */
	uint64_t rx_pkts, rx_bytes, tx_pkts;
	/**
	 * hw_ipackets: the vhost port's own count (rte_eth_stats_get). hw_opackets,
	 * hw_oerrors: frames the guest's ring took, and refused because it was
	 * full, as sluice_port_stats has them (since the port's creation or the
	 * last clear).
	 */
	uint64_t hw_ipackets, hw_opackets, hw_oerrors;
};

/**
 * One vNIC's state and counters (since its port was created).
 * @return 0, or -ENOENT (no such tenant or vNIC running).
 */
int sluice_dp_vnic_stats(struct sluice_dp *dp, const char *tenant, const char *vnic,
			 struct sluice_vnic_stats *st);

struct sluice_l2_stats {
	/** MACs in the L2 tables now: the vNICs' own, and learned ones. */
	uint64_t static_macs, learned_macs;
	/** Since start: MACs learned, moved to another port, aged out. */
	uint64_t learned, moved, aged;
	/** Learning refused: a tenant's quota (opts.mac_learn_max) or the table full. */
	uint64_t learn_full;
	/** Learn requests lost (a worker's request ring was full). */
	uint64_t learn_lost;
	/** Switched frames flooded (broadcast, multicast, unknown unicast). */
	uint64_t flooded;
};

void sluice_dp_l2_stats(struct sluice_dp *dp, struct sluice_l2_stats *st);

/**
 * Where a tenant's L2 table sends frames for `mac`: `vnic` gets the vNIC's
 * name, or "" for the uplink; *is_static whether it is a vNIC's own MAC.
 * @return 0, or -ENOENT (no such tenant, or the MAC is unknown: flooded).
 */
int sluice_dp_l2_lookup(struct sluice_dp *dp, const char *tenant, const uint8_t mac[6],
			char vnic[SLUICE_NAME_MAX], bool *is_static);

/** Register /sluice/... telemetry commands. @return 0 or -errno. */
int sluice_dp_telemetry_register(struct sluice_dp *dp);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_DP_H */
