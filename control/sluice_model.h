/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_MODEL_H
#define SLUICE_MODEL_H

/**
 * @file
 * The tenant model: tenants, how their traffic is recognised on ingress, their
 * flows and wildcard rules, and the actions those take.
 *
 * This is plain C with no DPDK dependency, so unit tests reach it without
 * hugepages. The tenant file loader (sluice_loader.h) and the JSON-RPC server
 * both build a configuration only through the sluice_model_*() calls below:
 * every semantic check lives here, once.
 *
 * Threading: a struct sluice_config is owned by one control thread. The data
 * plane never reads it; it reads tables compiled from it (dataplane/table.h).
 *
 * Errors: every sluice_model_*() command returns 0 or a negative errno and, on
 * failure, fills a struct sluice_err naming the offending field by the key it
 * has in the tenant file and in RPC params (for example "vlan" or "dport"), so
 * a caller that knows where that key was written can point at it. A failed
 * call leaves the configuration exactly as it was.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Longest name (tenant, flow, rule, NPU context), including the NUL. */
#define SLUICE_NAME_MAX 32
/** Port number meaning "any port" (only VNI matches may use it). */
#define SLUICE_PORT_ANY UINT16_MAX
/** Highest port number a tenant file may name. */
#define SLUICE_PORT_MAX 63
/** Highest VLAN ID (0 and 4095 are reserved by 802.1Q). */
#define SLUICE_VLAN_MAX 4094
/** Highest VXLAN network identifier (24 bits). */
#define SLUICE_VNI_MAX 0xffffff
/** Most NPU contexts one tenant declares. */
#define SLUICE_NPU_CONTEXTS_MAX 64
/** Highest wildcard-rule priority; a higher number wins. */
#define SLUICE_PRIORITY_MAX 8191
/** Most tenants one configuration holds (tenant ids fit 16 bits). */
#define SLUICE_TENANTS_MAX 4096
/** Most wildcard rules in one configuration, all tenants together. */
#define SLUICE_RULES_MAX 65535
/** Most exact flows in one configuration, all tenants together. */
#define SLUICE_FLOWS_MAX (1u << 21)
/** Default VXLAN UDP destination port (IANA). */
#define SLUICE_VXLAN_PORT 4789
/** Size of a vhost-user socket path buffer, including the NUL (sun_path). */
#define SLUICE_VNIC_PATH_MAX 108
/** Most queue pairs of one vNIC. */
#define SLUICE_VNIC_QUEUES_MAX 8
/** Most vNICs in one configuration, all tenants together. */
#define SLUICE_VNICS_MAX 256
/** Longest ethdev name of a vNIC ("net_vhost_<tenant>_<vnic>"), excluding the NUL. */
#define SLUICE_VNIC_DEV_NAME_MAX 63

/** Where an object was written in its source (1-based); 0 when unknown. */
struct sluice_pos {
	uint32_t line;
	uint32_t column;
};

/** What a failed model call reports. */
struct sluice_err {
	/** Key of the offending field ("vlan", "dport", "actions"...), or "" for the object. */
	char field[32];
	/** Human-readable reason, no trailing newline, no position. */
	char msg[224];
};

/**
 * Fill *err (when not NULL) with `field` and the printf-formatted reason, for
 * any layer that reports through a struct sluice_err. @return rc, so that a
 * refusal is one statement: `return sluice_err_set(err, -EINVAL, "vlan", ...)`.
 */
int sluice_err_set(struct sluice_err *err, int rc, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- Tenant ingress match ------------------------------------------------ */

/**
 * How a frame is given to a tenant. The most specific match wins:
 * VNI, then QinQ (port, S-tag, C-tag), then VLAN (port, outer tag), then port
 * (every frame on the port that nothing more specific claimed).
 */
enum sluice_match_kind {
	SLUICE_MATCH_PORT = 0,
	SLUICE_MATCH_VLAN,
	SLUICE_MATCH_QINQ,
	SLUICE_MATCH_VNI,
};

struct sluice_match {
	enum sluice_match_kind kind;
	/** Ingress port; SLUICE_PORT_ANY only with SLUICE_MATCH_VNI. */
	uint16_t port;
	/** Outer VLAN ID (VLAN) or S-tag (QinQ), 1..SLUICE_VLAN_MAX. */
	uint16_t vlan;
	/** C-tag (QinQ only), 1..SLUICE_VLAN_MAX. */
	uint16_t inner_vlan;
	/** VXLAN network identifier (VNI only), 0..SLUICE_VNI_MAX. */
	uint32_t vni;
	struct sluice_pos pos;
};

/* ---- Actions ------------------------------------------------------------- */

/**
 * Action flags. Non-terminal actions run in this order: vxlan_decap, meter,
 * vxlan_encap, count. Exactly one terminal action ends the list: forward,
 * drop or to_npu.
 */
enum sluice_action_flag {
	SLUICE_ACT_DECAP = 1u << 0,
	SLUICE_ACT_METER = 1u << 1,
	SLUICE_ACT_ENCAP = 1u << 2,
	SLUICE_ACT_COUNT = 1u << 3,
	SLUICE_ACT_FORWARD = 1u << 4,
	SLUICE_ACT_DROP = 1u << 5,
	SLUICE_ACT_TO_NPU = 1u << 6,
	/**
	 * Deliver by the tenant's L2 table: to one of its vNICs, to its uplink
	 * (tagged or encapsulated as struct sluice_uplink says), or flooded to
	 * all of them. Frames from the uplink lose the tenant's VLAN tag or
	 * VXLAN header first. Cannot be combined with vxlan_decap or vxlan_encap.
	 */
	SLUICE_ACT_SWITCH = 1u << 7,
};

#define SLUICE_ACT_TERMINAL                                                                        \
	(SLUICE_ACT_FORWARD | SLUICE_ACT_DROP | SLUICE_ACT_TO_NPU | SLUICE_ACT_SWITCH)
/** Every action flag. */
#define SLUICE_ACT_ALL (SLUICE_ACT_SWITCH * 2 - 1)

/** An action as tenant files and JSON-RPC name it. */
struct sluice_action_name {
	const char *name;
	uint32_t flag;	/**< SLUICE_ACT_* */
	bool has_value; /**< written `name: value` (`{"name": value}`), else a plain name */
};

/** The action called `name`, or NULL. */
const struct sluice_action_name *sluice_model_action_find(const char *name);

/** VXLAN encapsulation over an IPv4 underlay. Addresses in network order. */
struct sluice_vxlan_encap {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	uint32_t src_ip;
	uint32_t dst_ip;
	/** Outer UDP source port; 0: derived from a hash of the inner flow (RFC 7348). */
	uint16_t udp_src;
	/** Outer UDP destination port; 0 means SLUICE_VXLAN_PORT. */
	uint16_t udp_dst;
	uint32_t vni;
	/** Outer TTL; 0 means 64. */
	uint8_t ttl;
};

/** Two-rate three-colour marker (RFC 2698), colour blind. Rates in bytes/s, bursts in bytes. */
struct sluice_meter {
	uint64_t cir;
	uint64_t pir;
	uint64_t cbs;
	uint64_t pbs;
};

struct sluice_actions {
	/** OR of enum sluice_action_flag. */
	uint32_t flags;
	/** Egress port for SLUICE_ACT_FORWARD. */
	uint16_t port;
	struct sluice_vxlan_encap encap;
	struct sluice_meter meter;
	/** NPU context name for SLUICE_ACT_TO_NPU; must be one of the tenant's. */
	char npu_context[SLUICE_NAME_MAX];
};

/* ---- Flows and rules ----------------------------------------------------- */

/**
 * What a flow or rule matches on the packet's IP 5-tuple (the inner one for
 * VXLAN traffic). Addresses are in network order; an IPv4 address occupies
 * addr[0..3]. Port ranges are inclusive.
 */
struct sluice_flow_match {
	/** 4 or 6. */
	uint8_t family;
	/** IP protocol number; ignored when proto_any. */
	uint8_t proto;
	bool proto_any;
	uint8_t src_len; /**< prefix length; 32 or 128 for exact flows */
	uint8_t dst_len;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
};

/**
 * A flow (exact 5-tuple, in a tenant's "flows") or a rule (wildcard, in its
 * "rules"). Exact flows are looked up first and always win over rules; among
 * rules the highest priority wins, and of equal priorities the one written
 * first.
 */
struct sluice_flow {
	char name[SLUICE_NAME_MAX];
	/** Rules only: 0..SLUICE_PRIORITY_MAX, higher wins. */
	uint32_t priority;
	struct sluice_flow_match match;
	struct sluice_actions actions;
	struct sluice_pos pos;
};

/* ---- NPU ----------------------------------------------------------------- */

/** Most models the npu section lists. */
#define SLUICE_NPU_MODEL_REFS_MAX 64
/** Longest device spec and model file path, including the NUL. */
#define SLUICE_NPU_SPEC_MAX 128
#define SLUICE_NPU_PATH_MAX 256
/** Largest frame side an NPU context takes. */
#define SLUICE_NPU_SIDE_MAX 4096
#define SLUICE_NPU_WEIGHT_MAX 100
/** Highest scheduling priority; a higher number is served first. */
#define SLUICE_NPU_PRIORITY_MAX 7
#define SLUICE_NPU_QUEUE_DEPTH_MAX 1024
#define SLUICE_NPU_QUEUE_DEPTH_DEFAULT 16
#define SLUICE_NPU_QUOTA_MAX 1000000
#define SLUICE_NPU_BATCH_TIMEOUT_MAX_US 1000000
/** Largest memory window of one context, bytes. */
#define SLUICE_NPU_WINDOW_MAX (1ull << 32)

/** How frame payload reaches NPU memory (the same for every context). */
enum sluice_npu_copy {
	SLUICE_NPU_COPY_CPU = 0,    /**< the worker copies it (rte_memcpy) */
	SLUICE_NPU_COPY_DMADEV,     /**< a DMA engine copies it (rte_dmadev) */
	SLUICE_NPU_COPY_ZEROCOPY,   /**< packets are received into NPU memory */
};

/** A model blob the device loads, named for contexts to use. */
struct sluice_npu_model_ref {
	char name[SLUICE_NAME_MAX];
	/** Path of the blob; the loader makes a relative one relative to the tenant file. */
	char file[SLUICE_NPU_PATH_MAX];
	struct sluice_pos pos;
};

/** The host's NPU: one device per process. Written by the host operator. */
struct sluice_npu_section {
	/** Device spec as sluice_npu_open() takes it; "" means "swnpu". */
	char device[SLUICE_NPU_SPEC_MAX];
	enum sluice_npu_copy copy;
	struct sluice_npu_model_ref *models;
	uint32_t nb_models;
	/* Private to the model. */
	uint32_t cap_models;
};

/** Stream formats (values are sluice_asm.h's enum sluice_asm_fmt). */
enum sluice_npu_format {
	SLUICE_NPU_FMT_RFC4175 = 1,  /**< RTP raw video, RFC 4175 */
	SLUICE_NPU_FMT_TENSOR = 2,   /**< Sluice's tensor-over-UDP */
};

/** Pixel formats: the value is the bytes per pixel (sluice_asm.h's enum sluice_asm_pix). */
enum sluice_npu_pixel {
	SLUICE_NPU_PIX_GRAY8 = 1,
	SLUICE_NPU_PIX_RGB8 = 3,
};

/** What a context's frames look like on the wire. */
struct sluice_npu_input {
	enum sluice_npu_format format;
	enum sluice_npu_pixel pixel;
	uint16_t width, height;      /**< 1..SLUICE_NPU_SIDE_MAX */
	/** RFC 4175 only: the RTP payload type (96..127), or 0 for any. */
	uint8_t payload_type;
};

/** Where a context's result messages go. */
struct sluice_npu_result_dest {
	/**
	 * true (the default): back to each frame's sender, out of the port the
	 * frame came in on, with the first packet's addresses and UDP ports
	 * swapped. false: to the fields below.
	 */
	bool to_sender;
	uint16_t port;
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint32_t src_ip;             /**< IPv4, network order */
	uint32_t dst_ip;
	uint16_t sport;              /**< 0: the frames' UDP destination port */
	uint16_t dport;
};

/**
 * A tenant's NPU context: a model run on the tenant's frames in its own
 * device context and memory window. A context declared by name only (no
 * model) exists for to_npu to name; its packets are dropped as
 * npu_not_attached.
 */
struct sluice_npu_context {
	char name[SLUICE_NAME_MAX];
	/** One of the npu section's models, or "" for a context declared by name only. */
	char model[SLUICE_NAME_MAX];
	struct sluice_npu_input input;
	/** Share of the device among contexts of one priority under load, 1..100. */
	uint8_t weight;
	/** 0..SLUICE_NPU_PRIORITY_MAX; higher is served first. */
	uint8_t priority;
	/** Most frames inferred per second; 0 = no quota. */
	uint32_t quota_fps;
	/** Submit when this many frames are ready (1..queue_depth)... */
	uint16_t batch_threshold;
	/** ...or when the oldest ready frame has waited this long (0: never waits). */
	uint32_t batch_timeout_us;
	/** Frames assembling, queued and in flight at once (1..SLUICE_NPU_QUEUE_DEPTH_MAX). */
	uint16_t queue_depth;
	/** Memory window, bytes; 0 = sized by the bridge from queue_depth and the model. */
	uint64_t window;
	struct sluice_npu_result_dest result;
	struct sluice_pos pos;
};

/* ---- vNICs and the uplink ------------------------------------------------- */

/** Who creates a vNIC's vhost-user socket. */
enum sluice_vnic_mode {
	/**
	 * Sluice listens on the socket and QEMU connects (QEMU's chardev in
	 * client mode, with reconnect=N to survive a sluice restart).
	 */
	SLUICE_VNIC_SERVER = 0,
	/** QEMU listens (server=on); sluice connects, and reconnects when QEMU restarts. */
	SLUICE_VNIC_CLIENT,
};

/**
 * A tenant VM's virtio-net NIC, served over vhost-user. It belongs to exactly
 * one tenant: every frame it sends is that tenant's, and it receives only
 * that tenant's frames.
 */
struct sluice_vnic {
	char name[SLUICE_NAME_MAX];
	/** Socket path: absolute, printable, no "." or ".." components, unique. */
	char socket[SLUICE_VNIC_PATH_MAX];
	enum sluice_vnic_mode mode;
	/** Queue pairs, 1..SLUICE_VNIC_QUEUES_MAX. */
	uint16_t queues;
	/**
	 * The guest's MAC address: unicast, non-zero, unique on the host. It is
	 * a static entry of the tenant's L2 table (never learned elsewhere).
	 */
	uint8_t mac[6];
	struct sluice_pos pos;
};

/** How a tenant's L2 domain reaches the uplink. */
enum sluice_uplink_kind {
	/** No uplink: the tenant's vNICs only reach each other. */
	SLUICE_UPLINK_NONE = 0,
	/** Untagged on a port the tenant matches whole ({port: P}). */
	SLUICE_UPLINK_PORT,
	/** Tagged with the VLAN of one of the tenant's matches ({port: P, vlan: V}). */
	SLUICE_UPLINK_VLAN,
	/** VXLAN-encapsulated, with the VNI of one of the tenant's matches. */
	SLUICE_UPLINK_VXLAN,
};

/**
 * The egress side of a tenant's uplink. The ingress side is the tenant's
 * match with the same port and VLAN (or VNI): frames it claims and that the
 * tenant switches lose the tag (or outer headers) and go to a vNIC.
 */
struct sluice_uplink {
	enum sluice_uplink_kind kind;
	/** Egress port. */
	uint16_t port;
	/** SLUICE_UPLINK_VLAN: the tag pushed on egress. */
	uint16_t vlan;
	/** SLUICE_UPLINK_VXLAN: the outer headers; vxlan.vni is the tenant's VNI. */
	struct sluice_vxlan_encap vxlan;
	struct sluice_pos pos;
};

/* ---- Tenants ------------------------------------------------------------- */

struct sluice_tenant {
	char name[SLUICE_NAME_MAX];
	struct sluice_match *matches;
	uint32_t nb_matches;
	/** Exact flows. */
	struct sluice_flow *flows;
	uint32_t nb_flows;
	/** Wildcard rules. */
	struct sluice_flow *rules;
	uint32_t nb_rules;
	/** What a frame of this tenant that no flow or rule matches gets (default: drop). */
	struct sluice_actions default_actions;
	/** The tenant's NPU contexts. */
	struct sluice_npu_context *npu_contexts;
	uint32_t nb_npu_contexts;
	/** The tenant's vNICs. */
	struct sluice_vnic *vnics;
	uint32_t nb_vnics;
	/** Where switched frames leave for the network (kind NONE: nowhere). */
	struct sluice_uplink uplink;
	struct sluice_pos pos;
	/* Private to the model: capacities of the arrays above, and tsearch(3)
	 * roots indexing flow 5-tuples, flow names and rule names so that adds
	 * check duplicates in O(log n). */
	uint32_t cap_matches, cap_flows, cap_rules, cap_npu_contexts, cap_vnics;
	void *flow_tuples, *flow_names, *rule_names;
};

struct sluice_config {
	struct sluice_tenant *tenants;
	uint32_t nb_tenants;
	uint32_t cap_tenants;
	/** Ports that exist (port numbers 0..nb_ports-1); 0 disables the check. */
	uint16_t nb_ports;
	/** The NPU device and its models (zero: default device, no models). */
	struct sluice_npu_section npu;
	/* Private to the model: tsearch(3) root indexing every tenant's ingress
	 * matches, and upper bounds of the flow and rule totals (deletes through
	 * sluice_model_flow_del() cannot lower them; a recount does). */
	void *match_index;
	uint32_t nb_flows_bound, nb_rules_bound;
};

/**
 * Create an empty configuration.
 *
 * @param nb_ports  ports the data plane has; match and forward ports are
 *                  checked against it. 0 disables that check (unit tests).
 * @return the configuration, or NULL with errno = ENOMEM.
 */
struct sluice_config *sluice_config_new(uint16_t nb_ports);

/** Free a configuration and everything it owns. NULL is a no-op. */
void sluice_config_free(struct sluice_config *cfg);

/**
 * Deep-copy a configuration (RPC edits a copy, then swaps it in whole).
 * @return the copy, or NULL with errno = ENOMEM.
 */
struct sluice_config *sluice_config_clone(const struct sluice_config *cfg);

/** Find a tenant by name. @return it, or NULL. */
struct sluice_tenant *sluice_config_tenant(const struct sluice_config *cfg, const char *name);

/** Total exact flows and rules over all tenants. */
uint32_t sluice_config_nb_flows(const struct sluice_config *cfg);
uint32_t sluice_config_nb_rules(const struct sluice_config *cfg);

/**
 * Add a tenant with no matches or flows yet, default action drop.
 *
 * @return 0, or -EINVAL (name empty, too long, or not [A-Za-z0-9_.-]),
 *         -EEXIST (name taken), -ENOSPC (SLUICE_TENANTS_MAX), -ENOMEM.
 *         On success *out (if not NULL) points at the tenant; the pointer is
 *         valid until the next sluice_model_tenant_add() or _del().
 */
int sluice_model_tenant_add(struct sluice_config *cfg, const char *name, struct sluice_pos pos,
			    struct sluice_tenant **out, struct sluice_err *err);

/**
 * Delete a tenant and all its objects.
 * @return 0, or -ENOENT.
 */
int sluice_model_tenant_del(struct sluice_config *cfg, const char *name, struct sluice_err *err);

/**
 * Add an ingress match to a tenant. Checks: kind-specific fields in range,
 * port exists (or SLUICE_PORT_ANY for VNI), and no tenant (this one
 * included) already has the same match.
 * @return 0, or -EINVAL, -EEXIST (field "" and msg naming the tenant that
 *         has it), -ENOMEM.
 */
int sluice_model_match_add(struct sluice_config *cfg, struct sluice_tenant *t,
			   const struct sluice_match *m, struct sluice_err *err);

/**
* Remove an ingress match from a tenant: the one equal to `m` in the fields
 * its kind uses (as sluice_model_match_add() stored it).
 * @return 0, or -ENOENT (field "match", msg naming the match).
 */
int sluice_model_match_del(struct sluice_config *cfg, struct sluice_tenant *t,
			   const struct sluice_match *m, struct sluice_err *err);

/**
 * Check what must hold of a whole tenant once all its objects are in, which
 * no single add can check: at least one ingress match. The loader calls it
 * for each tenant of a file; the RPC after a call that creates a tenant or
 * removes a match.
 * @return 0 or -EINVAL (field "match").
 */
int sluice_model_tenant_check(const struct sluice_tenant *t, struct sluice_err *err);

/**
 * Declare an NPU context by name only (no model): to_npu may name it, and its
 * packets are dropped as npu_not_attached.
 * @return 0, or -EINVAL (bad name), -EEXIST, -ENOSPC
 *         (SLUICE_NPU_CONTEXTS_MAX), -ENOMEM.
 */
int sluice_model_npu_context_add(struct sluice_tenant *t, const char *name,
				 struct sluice_err *err);

/**
 * Fill `c` with the defaults a context gets for every key it does not give:
 * no model, gray8, weight 1, priority 0, no quota, batch threshold 1 and no
 * timeout, queue depth SLUICE_NPU_QUEUE_DEPTH_DEFAULT, window sized by the
 * bridge, results back to the sender.
 */
void sluice_model_npu_context_init(struct sluice_npu_context *c);

/**
 * Add a context to a tenant. Checks: name; the model is one of the npu
 * section's (add models first); a context without a model has every other
 * field at its default; input format and pixel known, width and height in
 * 1..SLUICE_NPU_SIDE_MAX, payload type 0 or 96..127 and only for RFC 4175;
 * weight 1..100; priority 0..7; quota_fps <= SLUICE_NPU_QUOTA_MAX;
 * queue_depth 1..SLUICE_NPU_QUEUE_DEPTH_MAX; batch threshold 1..queue_depth;
 * batch timeout <= SLUICE_NPU_BATCH_TIMEOUT_MAX_US; a window, when given,
 * holds queue_depth frames and is at most SLUICE_NPU_WINDOW_MAX; an explicit
 * result destination has an existing port, non-zero MACs (source not
 * multicast), non-zero IPv4 addresses and a destination port.
 * Whether the model takes the frames is checked when the data plane applies
 * the configuration (it needs the model loaded).
 * @return 0, or -EINVAL, -EEXIST, -ENOSPC, -ENOMEM.
 */
int sluice_model_npu_context_define(const struct sluice_config *cfg, struct sluice_tenant *t,
				    const struct sluice_npu_context *c, struct sluice_err *err);

/**
 * Delete a context. @return 0, -ENOENT, or -EBUSY while a flow, rule or the
 * tenant default sends to it (msg names which).
 */
int sluice_model_npu_context_del(struct sluice_tenant *t, const char *name,
				 struct sluice_err *err);

/** A tenant's context by name, or NULL. */
const struct sluice_npu_context *sluice_model_npu_context_find(const struct sluice_tenant *t,
								const char *name);

/**
 * Set the NPU device spec and copy mode. `device` "" means "swnpu"; it must
 * be printable and shorter than SLUICE_NPU_SPEC_MAX (the device checks its
 * keys when it is opened).
 * @return 0 or -EINVAL.
 */
int sluice_model_npu_set(struct sluice_config *cfg, const char *device, enum sluice_npu_copy copy,
			 struct sluice_err *err);

/**
 * Add a model to the npu section. Checks: name, file non-empty and shorter
 * than SLUICE_NPU_PATH_MAX. The blob itself is read and validated when the
 * data plane applies the configuration.
 * @return 0, or -EINVAL, -EEXIST (name taken), -ENOSPC
 *         (SLUICE_NPU_MODEL_REFS_MAX), -ENOMEM.
 */
int sluice_model_npu_model_add(struct sluice_config *cfg, const struct sluice_npu_model_ref *m,
			       struct sluice_err *err);

/** Delete a model. @return 0, -ENOENT, or -EBUSY while a context uses it. */
int sluice_model_npu_model_del(struct sluice_config *cfg, const char *name,
			       struct sluice_err *err);

/** Names: "cpu", "dmadev", "zerocopy"; "rfc4175", "tensor"; "gray8", "rgb8". */
const char *sluice_npu_copy_name(enum sluice_npu_copy copy);
const char *sluice_npu_format_name(enum sluice_npu_format fmt);
const char *sluice_npu_pixel_name(enum sluice_npu_pixel pix);
/** Parse those names. @return 0 or -EINVAL. */
int sluice_npu_copy_parse(const char *s, enum sluice_npu_copy *copy);
int sluice_npu_format_parse(const char *s, enum sluice_npu_format *fmt);
int sluice_npu_pixel_parse(const char *s, enum sluice_npu_pixel *pix);

/**
 * Check an action set on its own and against its tenant: exactly one terminal
 * action; forward port exists; encap fields set (VNI in range, non-zero
 * addresses); meter CIR <= PIR, CIR > 0, CBS > 0, PBS > 0; to_npu names one of
 * the tenant's contexts; decap and encap each at most once; switch with
 * neither decap nor encap.
 * @return 0 or -EINVAL.
 */
int sluice_model_actions_check(const struct sluice_config *cfg, const struct sluice_tenant *t,
			       const struct sluice_actions *a, struct sluice_err *err);

/**
 * Set the tenant's default actions (for frames no flow or rule matches).
 * @return 0 or -EINVAL.
 */
int sluice_model_default_set(struct sluice_config *cfg, struct sluice_tenant *t,
			     const struct sluice_actions *a, struct sluice_err *err);

/**
 * Add an exact flow. The match must be a full 5-tuple: family 4 or 6, a
 * protocol (not any), host prefixes (/32 or /128), single ports (lo == hi).
 * An empty name is replaced by "flowN": N is the flow's index in the tenant,
 * or the next number whose name is free.
 * @return 0, or -EINVAL, -EEXIST (same name, or same 5-tuple in this
 *         tenant), -ENOSPC (SLUICE_FLOWS_MAX), -ENOMEM.
 */
int sluice_model_flow_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_flow *f, struct sluice_err *err);

/**
 * Add a wildcard rule. Checks: family 4 or 6, prefix lengths in range,
 * lo <= hi for port ranges, priority <= SLUICE_PRIORITY_MAX, actions.
 * An empty name is replaced by "ruleN", N chosen as for flows.
 * @return 0, or -EINVAL, -EEXIST (same name in this tenant), -ENOSPC
 *         (SLUICE_RULES_MAX), -ENOMEM.
 */
int sluice_model_rule_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_flow *r, struct sluice_err *err);

/** Delete a flow or rule by name. @return 0 or -ENOENT. */
int sluice_model_flow_del(struct sluice_tenant *t, const char *name, struct sluice_err *err);
int sluice_model_rule_del(struct sluice_tenant *t, const char *name, struct sluice_err *err);

/**
 * Add a vNIC to a tenant. Checks: name valid and unique in the tenant;
 * socket absolute, shorter than SLUICE_VNIC_PATH_MAX, printable, without
 * "." or ".." components, and used by no other vNIC; mode known; queues in
 * 1..SLUICE_VNIC_QUEUES_MAX; mac non-zero, unicast and no other vNIC's; the
 * ethdev name sluice_vnic_dev_name() gives fits SLUICE_VNIC_DEV_NAME_MAX and
 * is no other vNIC's; at most SLUICE_VNICS_MAX in the configuration.
 * @return 0, or -EINVAL, -EEXIST (name, socket, mac or ethdev name taken;
 *         the message names the holder), -ENOSPC, -ENOMEM.
 */
int sluice_model_vnic_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_vnic *v, struct sluice_err *err);

/** Delete a vNIC by name. @return 0 or -ENOENT. */
int sluice_model_vnic_del(struct sluice_tenant *t, const char *name, struct sluice_err *err);

/** Find a tenant's vNIC by name. @return it, or NULL. */
const struct sluice_vnic *sluice_tenant_vnic(const struct sluice_tenant *t, const char *name);

/**
 * Set (or, with kind SLUICE_UPLINK_NONE, remove) the tenant's uplink. The
 * tenant must already have the match that brings the uplink's frames back:
 * {port: P} for PORT, {port: P, vlan: V} for VLAN, {vni: N} or
 * {port: P, vni: N} for VXLAN (vxlan.vni = N, and the encap fields as for
 * the vxlan_encap action).
 * @return 0 or -EINVAL.
 */
int sluice_model_uplink_set(struct sluice_config *cfg, struct sluice_tenant *t,
			    const struct sluice_uplink *u, struct sluice_err *err);

/**
 * The ethdev name of a vNIC: "net_vhost_<tenant>_<vnic>" (the vhost PMD
 * claims names that start with net_vhost).
 * @return its length, or -ENAMETOOLONG when it does not fit `sz` or is
 *         longer than SLUICE_VNIC_DEV_NAME_MAX.
 */
int sluice_vnic_dev_name(const char *tenant, const char *vnic, char *buf, size_t sz);

/** "server" or "client". */
const char *sluice_vnic_mode_name(enum sluice_vnic_mode mode);

/** Name of an uplink kind ("none", "port", "vlan", "vxlan"). */
const char *sluice_uplink_kind_name(enum sluice_uplink_kind kind);

/**
 * Parse an address with an optional prefix ("10.0.0.0/8", "2001:db8::1",
 * "any" for /0) into family, bytes and length. "any" gives family 0 (either);
 * an address without a prefix gives /32 or /128. Host bits are not checked
 * here (rules reject them).
 * @return 0 or -EINVAL.
 */
int sluice_model_parse_prefix(const char *s, uint8_t *family, uint8_t addr[16], uint8_t *len);

/**
 * Parse a port range: "80", "1024-65535" (inclusive), or "any" (0-65535).
 * Numbers are decimal or 0x-hexadecimal. Low > high is not checked here
 * (rules and flows reject it with a message).
 * @return 0, -EINVAL (not a port, a range or any), or -ERANGE (a number
 *         above 65535).
 */
int sluice_model_parse_ports(const char *s, uint16_t *lo, uint16_t *hi);

/** Parse "aa:bb:cc:dd:ee:ff". @return 0 or -EINVAL. */
int sluice_model_parse_mac(const char *s, uint8_t mac[6]);

/** Parse a protocol: "tcp", "udp", "icmp", "icmpv6", "any" or a number 0..255. @return 0 or -EINVAL. */
int sluice_model_parse_proto(const char *s, uint8_t *proto, bool *any);

/*
 * Formatters: the inverse of the parsers above, in the canonical form the
 * tenant file writer and the RPC listings use (parsing it back gives the same
 * value). Each writes a NUL-terminated string into buf, truncated to n.
 */

/** Buffer size that fits any formatted prefix. */
#define SLUICE_FMT_PREFIX_MAX 48

/** "any" for /0, the bare address for a host (/32, /128), else "addr/len". */
void sluice_model_format_prefix(uint8_t family, const uint8_t addr[16], uint8_t len, char *buf,
				size_t n);
/** "any" for 0-65535, "80" for one port, else "lo-hi". */
void sluice_model_format_ports(uint16_t lo, uint16_t hi, char *buf, size_t n);
/** "any", "tcp", "udp", "icmp", "icmpv6", or the number. */
void sluice_model_format_proto(uint8_t proto, bool any, char *buf, size_t n);
/** "aa:bb:cc:dd:ee:ff", lower case. */
void sluice_model_format_mac(const uint8_t mac[6], char *buf, size_t n);

/** Name of a match kind ("port", "vlan", "qinq", "vni"). */
const char *sluice_match_kind_name(enum sluice_match_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_MODEL_H */
