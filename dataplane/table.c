/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiles a struct sluice_config into the tables workers read: direct
 * arrays for port and VLAN tenants (one load each), rte_hash for QinQ/VNI
 * tenants and exact flows, rte_acl for wildcard rules, and per-worker meters
 * and counters. A table is immutable once published; only its per-worker
 * counters are written, each by its own worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "sluice_dp_priv.h"

#define ACL4_FIELDS 6
#define ACL6_FIELDS 12
RTE_ACL_RULE_DEF(acl4_rule, ACL4_FIELDS);
RTE_ACL_RULE_DEF(acl6_rule, ACL6_FIELDS);

#define FIELD(t, sz, idx, in, off) \
	{ .type = RTE_ACL_FIELD_TYPE_##t, .size = sz, .field_index = idx, .input_index = in, .offset = off }

static const struct rte_acl_field_def acl4_defs[ACL4_FIELDS] = {
	FIELD(BITMASK, 1, 0, 0, offsetof(struct acl4_key, proto)),
	FIELD(BITMASK, 4, 1, 1, offsetof(struct acl4_key, tenant)),
	FIELD(MASK, 4, 2, 2, offsetof(struct acl4_key, src)),
	FIELD(MASK, 4, 3, 3, offsetof(struct acl4_key, dst)),
	FIELD(RANGE, 2, 4, 4, offsetof(struct acl4_key, sport)),
	FIELD(RANGE, 2, 5, 4, offsetof(struct acl4_key, dport)),
};

static const struct rte_acl_field_def acl6_defs[ACL6_FIELDS] = {
	FIELD(BITMASK, 1, 0, 0, offsetof(struct acl6_key, proto)),
	FIELD(BITMASK, 4, 1, 1, offsetof(struct acl6_key, tenant)),
	FIELD(MASK, 4, 2, 2, offsetof(struct acl6_key, src) + 0),
	FIELD(MASK, 4, 3, 3, offsetof(struct acl6_key, src) + 4),
	FIELD(MASK, 4, 4, 4, offsetof(struct acl6_key, src) + 8),
	FIELD(MASK, 4, 5, 5, offsetof(struct acl6_key, src) + 12),
	FIELD(MASK, 4, 6, 6, offsetof(struct acl6_key, dst) + 0),
	FIELD(MASK, 4, 7, 7, offsetof(struct acl6_key, dst) + 4),
	FIELD(MASK, 4, 8, 8, offsetof(struct acl6_key, dst) + 8),
	FIELD(MASK, 4, 9, 9, offsetof(struct acl6_key, dst) + 12),
	FIELD(RANGE, 2, 10, 10, offsetof(struct acl6_key, sport)),
	FIELD(RANGE, 2, 11, 10, offsetof(struct acl6_key, dport)),
};

static struct rte_hash *hash_new(const char *what, uint64_t gen, uint32_t entries, uint32_t key_len,
				 int socket)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
		.name = name,
		/* rte_hash needs room to spare; the extendable table guarantees every add. */
		.entries = RTE_MAX(entries + entries / 4, 64u),
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "sl_%s_%" PRIu64, what, gen);
	return rte_hash_create(&p);
}

static struct rte_acl_ctx *acl_new(const char *what, uint64_t gen, uint32_t rules, uint32_t nfields,
				   int socket)
{
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param p = {
		.name = name,
		.socket_id = socket,
		.rule_size = RTE_ACL_RULE_SZ(nfields),
		.max_rule_num = rules,
	};

	snprintf(name, sizeof(name), "sl_%s_%" PRIu64, what, gen);
	return rte_acl_create(&p);
}

/* Host-order mask width for word `i` of a prefix of `len` bits. */
static uint32_t word_mask(uint8_t len, unsigned int i)
{
	int bits = (int)len - 32 * (int)i;

	return bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
}

static uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/* Unique rte_acl priority: higher configured priority wins, then the rule written first. */
static int32_t acl_priority(uint32_t prio, uint32_t order)
{
	return (int32_t)(((prio << 16) | (0xfffeu - order)) + 1);
}

static void acl_common(struct rte_acl_field *f, uint16_t tenant, const struct sluice_flow_match *m)
{
	f[0].value.u8 = m->proto_any ? 0 : m->proto;
	f[0].mask_range.u8 = m->proto_any ? 0 : 0xff;
	f[1].value.u32 = tenant;
	f[1].mask_range.u32 = UINT32_MAX;
}

static int acl4_add(struct rte_acl_ctx *ctx, uint16_t tenant, const struct sluice_flow *r,
		    uint32_t order, uint32_t action)
{
	struct acl4_rule rule;
	const struct sluice_flow_match *m = &r->match;

	memset(&rule, 0, sizeof(rule));
	rule.data.category_mask = 1;
	rule.data.priority = acl_priority(r->priority, order);
	rule.data.userdata = action + 1;
	acl_common(rule.field, tenant, m);
	rule.field[2].value.u32 = be32_at(m->src);
	rule.field[2].mask_range.u32 = m->src_len;
	rule.field[3].value.u32 = be32_at(m->dst);
	rule.field[3].mask_range.u32 = m->dst_len;
	rule.field[4].value.u16 = m->sport_lo;
	rule.field[4].mask_range.u16 = m->sport_hi;
	rule.field[5].value.u16 = m->dport_lo;
	rule.field[5].mask_range.u16 = m->dport_hi;
	return rte_acl_add_rules(ctx, (struct rte_acl_rule *)&rule, 1);
}

static int acl6_add(struct rte_acl_ctx *ctx, uint16_t tenant, const struct sluice_flow *r,
		    uint32_t order, uint32_t action)
{
	struct acl6_rule rule;
	const struct sluice_flow_match *m = &r->match;
	unsigned int i;

	memset(&rule, 0, sizeof(rule));
	rule.data.category_mask = 1;
	rule.data.priority = acl_priority(r->priority, order);
	rule.data.userdata = action + 1;
	acl_common(rule.field, tenant, m);
	for (i = 0; i < 4; i++) {
		rule.field[2 + i].value.u32 = be32_at(m->src + 4 * i);
		rule.field[2 + i].mask_range.u32 = word_mask(m->src_len, i);
		rule.field[6 + i].value.u32 = be32_at(m->dst + 4 * i);
		rule.field[6 + i].mask_range.u32 = word_mask(m->dst_len, i);
	}
	rule.field[10].value.u16 = m->sport_lo;
	rule.field[10].mask_range.u16 = m->sport_hi;
	rule.field[11].value.u16 = m->dport_lo;
	rule.field[11].mask_range.u16 = m->dport_hi;
	return rte_acl_add_rules(ctx, (struct rte_acl_rule *)&rule, 1);
}

static int acl_build(struct rte_acl_ctx *ctx, const struct rte_acl_field_def *defs, uint32_t n)
{
	struct rte_acl_config c = { .num_categories = 1, .num_fields = n };

	memcpy(c.defs, defs, n * sizeof(defs[0]));
	return rte_acl_build(ctx, &c);
}

void dp_encap_build(struct dp_encap *e, const struct sluice_vxlan_encap *v)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)e->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint8_t *vx = (uint8_t *)(udp + 1);

	memset(e, 0, sizeof(*e));
	memcpy(eth->dst_addr.addr_bytes, v->dst_mac, 6);
	memcpy(eth->src_addr.addr_bytes, v->src_mac, 6);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = v->ttl ? v->ttl : 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = v->src_ip;
	ip->dst_addr = v->dst_ip;
	e->ip_csum_base = rte_raw_cksum(ip, sizeof(*ip));
	udp->src_port = rte_cpu_to_be_16(v->udp_src);
	udp->dst_port = rte_cpu_to_be_16(v->udp_dst ? v->udp_dst : SLUICE_VXLAN_PORT);
	e->derive_sport = v->udp_src == 0;
	vx[0] = 0x08; /* I flag: VNI valid */
	vx[4] = (uint8_t)(v->vni >> 16);
	vx[5] = (uint8_t)(v->vni >> 8);
	vx[6] = (uint8_t)v->vni;
}

void dp_table_free(struct dp_table *t)
{
	unsigned int i;

	if (t == NULL)
		return;
	rte_hash_free(t->ext_tenant);
	rte_hash_free(t->flow4);
	rte_hash_free(t->flow6);
	rte_acl_free(t->acl4);
	rte_acl_free(t->acl6);
	for (i = 0; i < SLUICE_DP_WORKERS; i++) {
		rte_free(t->w[i].tenant);
		rte_free(t->w[i].action);
		rte_free(t->w[i].meters);
	}
	dp_l2_free(t->l2);
	rte_free(t->vlan_tenant);
	rte_free(t->actions);
	rte_free(t->encaps);
	rte_free(t->meter_profiles);
	free(t->meter_action);
	free(t->tenant_names);
	free(t->action_ids);
	free(t->base_tenant);
	free(t->base_action);
	free(t->base_color);
	rte_free(t);
}

/* Compile one action set; meters and encaps take the next free slot. */
static int action_compile(struct sluice_dp *dp, struct dp_table *t, uint32_t idx, uint16_t tenant,
			  const struct sluice_actions *a, struct sluice_err *err)
{
	struct dp_action *da = &t->actions[idx];
	int ret;

	da->flags = a->flags;
	da->tenant = tenant;
	if (a->flags & SLUICE_ACT_FORWARD) {
		if (a->port >= dp->nb_ports) {
			sluice_err_set(err, 0, "forward",
				       "port %u does not exist (the data plane has %u)", a->port,
				       dp->nb_ports);
			return -EINVAL;
		}
		da->port = a->port;
	}
	if (a->flags & SLUICE_ACT_METER) {
		struct rte_meter_trtcm_params p = {
			.cir = a->meter.cir, .pir = a->meter.pir,
			.cbs = a->meter.cbs, .pbs = a->meter.pbs,
		};

		da->meter = t->nb_meters++;
		t->meter_action[da->meter] = idx;
		ret = rte_meter_trtcm_profile_config(&t->meter_profiles[da->meter], &p);
		if (ret != 0) {
			sluice_err_set(err, 0, "meter", "meter parameters refused (%d)", ret);
			return -EINVAL;
		}
	}
	if (a->flags & SLUICE_ACT_ENCAP) {
		da->encap = t->nb_encaps++;
		dp_encap_build(&t->encaps[da->encap], &a->encap);
	}
	if (a->flags & SLUICE_ACT_TO_NPU)
		da->npu = sluice_bridge_ctx_lookup(dp->bridge, t->tenant_names[tenant],
						   a->npu_context);
	return 0;
}

static int tenant_matches(struct sluice_dp *dp, struct dp_table *t, uint16_t ti,
			  const struct sluice_tenant *tn, struct sluice_err *err)
{
	uint32_t i;

	for (i = 0; i < tn->nb_matches; i++) {
		const struct sluice_match *m = &tn->matches[i];
		struct ext_key k;
		int ret;

		if (m->port != SLUICE_PORT_ANY && m->port >= dp->nb_ports) {
			sluice_err_set(
			    err, 0, "port",
			    "tenant '%s': port %u does not exist (the data plane has %u)", tn->name,
			    m->port, dp->nb_ports);
			return -EINVAL;
		}
		switch (m->kind) {
		case SLUICE_MATCH_PORT:
			t->port_tenant[m->port] = ti + 1;
			break;
		case SLUICE_MATCH_VLAN:
			t->vlan_tenant[m->port][m->vlan] = ti + 1;
			break;
		case SLUICE_MATCH_QINQ:
		case SLUICE_MATCH_VNI:
			memset(&k, 0, sizeof(k));
			k.port = m->port;
			if (m->kind == SLUICE_MATCH_QINQ) {
				k.kind = EXT_QINQ;
				k.vlan = m->vlan;
				k.inner_vlan = m->inner_vlan;
				t->has_qinq = true;
			} else {
				k.kind = EXT_VNI;
				k.vni = m->vni;
				t->has_vni = true;
			}
			ret = rte_hash_add_key_data(t->ext_tenant, &k, (void *)(uintptr_t)ti);
			if (ret < 0)
				return ret;
			break;
		}
	}
	return 0;
}

static int flow_add(struct dp_table *t, uint16_t ti, const struct sluice_flow *f, uint32_t action)
{
	const struct sluice_flow_match *m = &f->match;
	void *data = (void *)(uintptr_t)action;

	if (m->family == 4) {
		struct flow4_key k = {
			.tenant = ti,
			.proto = m->proto,
			.sport = rte_cpu_to_be_16(m->sport_lo),
			.dport = rte_cpu_to_be_16(m->dport_lo),
		};

		memcpy(&k.src, m->src, 4);
		memcpy(&k.dst, m->dst, 4);
		return rte_hash_add_key_data(t->flow4, &k, data);
	} else {
		struct flow6_key k = {
			.tenant = ti,
			.proto = m->proto,
			.sport = rte_cpu_to_be_16(m->sport_lo),
			.dport = rte_cpu_to_be_16(m->dport_lo),
		};

		memcpy(k.src, m->src, 16);
		memcpy(k.dst, m->dst, 16);
		return rte_hash_add_key_data(t->flow6, &k, data);
	}
}

/* Count what the config needs so every array is sized once. */
static void config_sizes(const struct sluice_config *cfg, uint32_t *flows4, uint32_t *flows6,
			 uint32_t *rules4, uint32_t *rules6, uint32_t *meters, uint32_t *encaps,
			 uint32_t *ext, bool *vlans)
{
	uint32_t i, j;

	*flows4 = *flows6 = *rules4 = *rules6 = *meters = *encaps = *ext = 0;
	*vlans = false;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];
		const struct sluice_actions *a = &tn->default_actions;

		*meters += !!(a->flags & SLUICE_ACT_METER);
		*encaps += !!(a->flags & SLUICE_ACT_ENCAP);
		for (j = 0; j < tn->nb_matches; j++) {
			*vlans |= tn->matches[j].kind == SLUICE_MATCH_VLAN;
			*ext += tn->matches[j].kind == SLUICE_MATCH_QINQ ||
				tn->matches[j].kind == SLUICE_MATCH_VNI;
		}
		for (j = 0; j < tn->nb_flows; j++) {
			a = &tn->flows[j].actions;
			*(tn->flows[j].match.family == 4 ? flows4 : flows6) += 1;
			*meters += !!(a->flags & SLUICE_ACT_METER);
			*encaps += !!(a->flags & SLUICE_ACT_ENCAP);
		}
		for (j = 0; j < tn->nb_rules; j++) {
			a = &tn->rules[j].actions;
			*(tn->rules[j].match.family == 4 ? rules4 : rules6) += 1;
			*meters += !!(a->flags & SLUICE_ACT_METER);
			*encaps += !!(a->flags & SLUICE_ACT_ENCAP);
		}
	}
}

static void set_action_id(struct dp_table *t, uint32_t idx, char kind, const char *name)
{
	t->action_ids[idx].kind = kind;
	snprintf(t->action_ids[idx].name, SLUICE_NAME_MAX, "%s", name);
}

static int table_fill(struct sluice_dp *dp, struct dp_table *t, const struct sluice_config *cfg,
		      struct sluice_err *err)
{
	uint32_t i, j, flow_idx = t->first_flow, rule_idx = t->first_rule;
	int ret;

	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];
		uint16_t ti = (uint16_t)i;

		snprintf(t->tenant_names[i], SLUICE_NAME_MAX, "%s", tn->name);
		ret = tenant_matches(dp, t, ti, tn, err);
		if (ret < 0)
			return ret;
		set_action_id(t, i, 'd', "default");
		ret = action_compile(dp, t, i, ti, &tn->default_actions, err);
		if (ret < 0)
			return ret;
		for (j = 0; j < tn->nb_flows; j++, flow_idx++) {
			set_action_id(t, flow_idx, 'f', tn->flows[j].name);
			ret = action_compile(dp, t, flow_idx, ti, &tn->flows[j].actions, err);
			if (ret == 0)
				ret = flow_add(t, ti, &tn->flows[j], flow_idx);
			if (ret < 0)
				return ret;
		}
		for (j = 0; j < tn->nb_rules; j++, rule_idx++) {
			const struct sluice_flow *r = &tn->rules[j];

			set_action_id(t, rule_idx, 'r', r->name);
			ret = action_compile(dp, t, rule_idx, ti, &r->actions, err);
			if (ret < 0)
				return ret;
			ret = r->match.family == 4 ?
				acl4_add(t->acl4, ti, r, rule_idx - t->first_rule, rule_idx) :
				acl6_add(t->acl6, ti, r, rule_idx - t->first_rule, rule_idx);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int table_alloc(struct sluice_dp *dp, struct dp_table *t, const struct sluice_config *cfg)
{
	uint32_t f4, f6, r4, r6, meters, encaps, ext, i;
	int socket = (int)rte_socket_id();
	bool vlans;

	config_sizes(cfg, &f4, &f6, &r4, &r6, &meters, &encaps, &ext, &vlans);
	t->nb_tenants = (uint16_t)cfg->nb_tenants;
	t->first_flow = cfg->nb_tenants;
	t->first_rule = t->first_flow + f4 + f6;
	t->nb_actions = t->first_rule + r4 + r6;

	t->actions = rte_zmalloc_socket("sl_actions", sizeof(*t->actions) * RTE_MAX(t->nb_actions, 1u),
					RTE_CACHE_LINE_SIZE, socket);
	t->encaps = rte_zmalloc_socket("sl_encaps", sizeof(*t->encaps) * RTE_MAX(encaps, 1u),
				       RTE_CACHE_LINE_SIZE, socket);
	t->meter_profiles = rte_zmalloc_socket("sl_mprof",
					       sizeof(*t->meter_profiles) * RTE_MAX(meters, 1u),
					       RTE_CACHE_LINE_SIZE, socket);
	t->meter_action = calloc(RTE_MAX(meters, 1u), sizeof(*t->meter_action));
	t->tenant_names = calloc(RTE_MAX(cfg->nb_tenants, 1u), sizeof(*t->tenant_names));
	t->action_ids = calloc(RTE_MAX(t->nb_actions, 1u), sizeof(*t->action_ids));
	t->base_tenant = calloc(RTE_MAX(cfg->nb_tenants, 1u), sizeof(*t->base_tenant));
	t->base_action = calloc(RTE_MAX(t->nb_actions, 1u), sizeof(*t->base_action));
	t->base_color = calloc(RTE_MAX(meters, 1u), sizeof(*t->base_color));
	if (!t->actions || !t->encaps || !t->meter_profiles || !t->meter_action ||
	    !t->tenant_names || !t->action_ids || !t->base_tenant || !t->base_action ||
	    !t->base_color)
		return -ENOMEM;
	if (vlans) {
		t->vlan_tenant = rte_zmalloc_socket("sl_vlan", sizeof(*t->vlan_tenant) * SLUICE_DP_PORTS,
						    RTE_CACHE_LINE_SIZE, socket);
		if (t->vlan_tenant == NULL)
			return -ENOMEM;
	}
	if (ext && !(t->ext_tenant = hash_new("ext", t->generation, ext, sizeof(struct ext_key), socket)))
		return -rte_errno;
	if (f4 && !(t->flow4 = hash_new("f4", t->generation, f4, sizeof(struct flow4_key), socket)))
		return -rte_errno;
	if (f6 && !(t->flow6 = hash_new("f6", t->generation, f6, sizeof(struct flow6_key), socket)))
		return -rte_errno;
	if (r4 && !(t->acl4 = acl_new("a4", t->generation, r4, ACL4_FIELDS, socket)))
		return -rte_errno;
	if (r6 && !(t->acl6 = acl_new("a6", t->generation, r6, ACL6_FIELDS, socket)))
		return -rte_errno;

	for (i = 0; i < dp->nb_workers; i++) {
		struct dp_table_worker *w = &t->w[i];

		w->tenant = rte_zmalloc_socket("sl_wten",
					       sizeof(*w->tenant) * RTE_MAX(cfg->nb_tenants, 1u),
					       RTE_CACHE_LINE_SIZE, socket);
		w->action = rte_zmalloc_socket("sl_wact", sizeof(*w->action) * RTE_MAX(t->nb_actions, 1u),
					       RTE_CACHE_LINE_SIZE, socket);
		w->meters = rte_zmalloc_socket("sl_wmet", sizeof(*w->meters) * RTE_MAX(meters, 1u),
					       RTE_CACHE_LINE_SIZE, socket);
		if (!w->tenant || !w->action || !w->meters)
			return -ENOMEM;
	}
	return 0;
}

struct dp_table *dp_table_build(struct sluice_dp *dp, const struct sluice_config *cfg,
				struct sluice_err *err)
{
	struct dp_table *t;
	uint32_t i, m;
	uint64_t now;
	int ret;

	if (cfg->nb_tenants > SLUICE_TENANTS_MAX) {
		sluice_err_set(err, 0, "tenants", "%u tenants, at most %u", cfg->nb_tenants,
			       SLUICE_TENANTS_MAX);
		errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("sl_table", sizeof(*t), RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (t == NULL) {
		sluice_err_set(err, 0, "", "out of memory for the table");
		errno = ENOMEM;
		return NULL;
	}
	t->generation = ++dp->generation;
	t->nb_workers = dp->nb_workers;
	ret = table_alloc(dp, t, cfg);
	if (ret < 0) {
		sluice_err_set(err, 0, "", "cannot allocate tables: %s", strerror(-ret));
		goto out_free_table;
	}
	ret = table_fill(dp, t, cfg, err);
	if (ret == 0)
		ret = dp_l2_build(dp, t, cfg, err);
	if (ret < 0) {
		if (err && err->msg[0] == '\0')
			sluice_err_set(err, 0, "", "cannot build tables: %s", strerror(-ret));
		goto out_free_table;
	}
	if ((t->acl4 && (ret = acl_build(t->acl4, acl4_defs, ACL4_FIELDS)) != 0) ||
	    (t->acl6 && (ret = acl_build(t->acl6, acl6_defs, ACL6_FIELDS)) != 0)) {
		sluice_err_set(err, 0, "rules", "cannot build the rule classifier: %s",
			       strerror(-ret));
		goto out_free_table;
	}
	/* Meters start full, at the data plane's time (a test clock need not be the TSC). */
	now = dp_now(dp);
	for (i = 0; i < dp->nb_workers; i++)
		for (m = 0; m < t->nb_meters; m++) {
			struct rte_meter_trtcm *mt = &t->w[i].meters[m].m;

			rte_meter_trtcm_config(mt, &t->meter_profiles[m]);
			mt->time_tc = mt->time_tp = now;
		}
	return t;

out_free_table:
	dp_table_free(t);
	errno = -ret;
	return NULL;
}

void dp_table_tenant_stats(const struct dp_table *t, uint16_t tenant, struct sluice_ctr *st)
{
	unsigned int i;

	*st = t->base_tenant[tenant];
	for (i = 0; i < t->nb_workers; i++) {
		st->pkts += t->w[i].tenant[tenant].pkts;
		st->bytes += t->w[i].tenant[tenant].bytes;
	}
}

static int32_t action_meter(const struct dp_table *t, uint32_t action)
{
	const struct dp_action *a = &t->actions[action];

	return (a->flags & SLUICE_ACT_METER) ? (int32_t)a->meter : -1;
}

void dp_table_action_stats(const struct dp_table *t, uint32_t action, struct sluice_flow_stats *st)
{
	int32_t m = action_meter(t, action);
	unsigned int i, c;

	memset(st, 0, sizeof(*st));
	st->hits = t->base_action[action];
	if (m >= 0)
		memcpy(st->color, t->base_color[m], sizeof(st->color));
	for (i = 0; i < t->nb_workers; i++) {
		st->hits.pkts += t->w[i].action[action].pkts;
		st->hits.bytes += t->w[i].action[action].bytes;
		for (c = 0; m >= 0 && c < 3; c++)
			st->color[c] += t->w[i].meters[m].color[c];
	}
}

/*
 * Clearing cannot write the workers' counters (they own them); it moves the
 * base so that base + sum(workers) reads zero. Unsigned wrap-around is exact.
 */
void dp_table_clear(struct dp_table *t)
{
	struct sluice_flow_stats fs;
	struct sluice_ctr c;
	uint32_t i, k;

	for (i = 0; i < t->nb_tenants; i++) {
		dp_table_tenant_stats(t, (uint16_t)i, &c);
		t->base_tenant[i].pkts -= c.pkts;
		t->base_tenant[i].bytes -= c.bytes;
	}
	for (i = 0; i < t->nb_actions; i++) {
		int32_t m = action_meter(t, i);

		dp_table_action_stats(t, i, &fs);
		t->base_action[i].pkts -= fs.hits.pkts;
		t->base_action[i].bytes -= fs.hits.bytes;
		for (k = 0; m >= 0 && k < 3; k++)
			t->base_color[m][k] -= fs.color[k];
	}
}

/* Key for matching tenants and actions across two tables by name. */
struct fold_key {
	char tenant[SLUICE_NAME_MAX];
	char kind;
	char name[SLUICE_NAME_MAX];
	char pad[3];
};

static void fold_key_set(struct fold_key *k, const char *tenant, char kind, const char *name)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->tenant, sizeof(k->tenant), "%s", tenant);
	k->kind = kind;
	snprintf(k->name, sizeof(k->name), "%s", name);
}

/*
 * Carry counters from `old` to the same-named tenants and flows of `nt`.
 * Called after the grace period: no worker writes `old` any more.
 */
void dp_table_fold(struct dp_table *nt, const struct dp_table *old)
{
	struct rte_hash *h;
	struct fold_key k;
	uint32_t i, c;
	void *data;

	h = hash_new("fold", nt->generation, nt->nb_tenants + nt->nb_actions, sizeof(k),
		     (int)rte_socket_id());
	if (h == NULL)
		return; /* counters restart from zero; nothing else is affected */
	for (i = 0; i < nt->nb_tenants; i++) {
		fold_key_set(&k, nt->tenant_names[i], 't', "");
		rte_hash_add_key_data(h, &k, (void *)(uintptr_t)i);
	}
	for (i = 0; i < nt->nb_actions; i++) {
		fold_key_set(&k, nt->tenant_names[nt->actions[i].tenant], nt->action_ids[i].kind,
			     nt->action_ids[i].name);
		rte_hash_add_key_data(h, &k, (void *)(uintptr_t)i);
	}
	for (i = 0; i < old->nb_tenants; i++) {
		struct sluice_ctr ctr;
		uint32_t ni;

		fold_key_set(&k, old->tenant_names[i], 't', "");
		if (rte_hash_lookup_data(h, &k, &data) < 0)
			continue;
		ni = (uint32_t)(uintptr_t)data;
		dp_table_tenant_stats(old, (uint16_t)i, &ctr);
		nt->base_tenant[ni].pkts += ctr.pkts;
		nt->base_tenant[ni].bytes += ctr.bytes;
	}
	for (i = 0; i < old->nb_actions; i++) {
		struct sluice_flow_stats fs;
		int32_t om, nm;
		uint32_t ni;

		fold_key_set(&k, old->tenant_names[old->actions[i].tenant], old->action_ids[i].kind,
			     old->action_ids[i].name);
		if (rte_hash_lookup_data(h, &k, &data) < 0)
			continue;
		ni = (uint32_t)(uintptr_t)data;
		dp_table_action_stats(old, i, &fs);
		nt->base_action[ni].pkts += fs.hits.pkts;
		nt->base_action[ni].bytes += fs.hits.bytes;
		om = action_meter(old, i);
		nm = action_meter(nt, ni);
		for (c = 0; om >= 0 && nm >= 0 && c < 3; c++)
			nt->base_color[nm][c] += fs.color[c];
	}
	rte_hash_free(h);
}
