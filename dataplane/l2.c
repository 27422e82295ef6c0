/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2 switching within a tenant: its vNICs and its uplink.
 *
 * One rte_hash per table holds every tenant's MACs, keyed (tenant, MAC), so
 * a burst of frames of many tenants is one bulk lookup and no key of one
 * tenant can ever match a frame of another. The same hash holds every vNIC's
 * MAC under L2_HOST: a frame for a MAC the tenant does not know is checked
 * there, and refused (vnic_cross_tenant) when another tenant's vNIC has it.
 *
 * Workers only read the hash (lock-free, RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF);
 * they ask the control thread to learn through a per-worker ring, and write
 * nothing shared but an entry's last-seen time. The control thread adds,
 * moves and ages entries; deleted key slots are reused only after an RCU
 * grace period (rte_hash_rcu_qsbr_add on the workers' QSBR variable).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "sluice_dp_priv.h"

struct l2_learn {
	uint64_t key;
	uint16_t dest;
	uint16_t pad;
	uint32_t gen;
};

/* Chunk of a burst looked up at once: two keys per frame. */
#define L2_CHUNK (RTE_HASH_LOOKUP_BULK_MAX / 2)

static inline uint16_t key_tenant(uint64_t key)
{
	return (uint16_t)rte_le_to_cpu_64(key);
}

/* ---- Building ------------------------------------------------------------- */

void dp_l2_free(struct dp_l2 *l2)
{
	unsigned int i;

	if (l2 == NULL)
		return;
	rte_hash_free(l2->mac);
	rte_free(l2->entries);
	if (l2->tenants != NULL)
		for (i = 0; i < l2->nb_tenants; i++)
			rte_free(l2->tenants[i].vnic_ports);
	rte_free(l2->tenants);
	for (i = 0; i < SLUICE_DP_WORKERS; i++) {
		rte_free(l2->rxq[i]);
		rte_free(l2->drain[i]);
	}
	rte_free(l2);
}

/* The host's own entry add: control thread, positions published by tag. */
static int entry_add(struct dp_l2 *l2, uint64_t key, uint16_t dest, bool is_static, uint64_t now)
{
	struct dp_l2_entry *e;
	int32_t pos = rte_hash_add_key(l2->mac, &key);

	if (pos < 0)
		return pos;
	e = &l2->entries[pos];
	e->is_static = is_static;
	atomic_store_explicit(&e->dest, dest, memory_order_relaxed);
	atomic_store_explicit(&e->seen, now, memory_order_relaxed);
	atomic_store_explicit(&e->tag, key, memory_order_release);
	return 0;
}

static int rxq_add(struct dp_l2 *l2, uint16_t worker, uint16_t port, uint16_t queue,
		   uint16_t cap)
{
	if (l2->nb_rxq[worker] >= cap)
		return -ENOSPC;
	l2->rxq[worker][l2->nb_rxq[worker]].port = port;
	l2->rxq[worker][l2->nb_rxq[worker]++].queue = queue;
	return 0;
}

/* Each worker's RX queues: the fixed ports' as before vNICs existed, then the vNICs'. */
static int queues_build(struct sluice_dp *dp, struct dp_l2 *l2, const bool *in_table)
{
	uint16_t cap = (uint16_t)(dp->nb_ports * dp->nb_rxq + SLUICE_DP_PORTS * SLUICE_VNIC_QUEUES_MAX);
	uint16_t w, port, q;
	int ret;

	for (w = 0; w < dp->nb_workers; w++) {
		l2->rxq[w] = rte_zmalloc("sl_rxq", sizeof(*l2->rxq[w]) * cap, RTE_CACHE_LINE_SIZE);
		l2->drain[w] = rte_zmalloc("sl_drain", sizeof(*l2->drain[w]) * SLUICE_DP_PORTS,
					   RTE_CACHE_LINE_SIZE);
		if (l2->rxq[w] == NULL || l2->drain[w] == NULL)
			return -ENOMEM;
	}
	for (port = 0; port < dp->nb_ports; port++)
		for (q = 0; q < dp->nb_rxq; q++)
			if ((ret = rxq_add(l2, q % dp->nb_workers, port, q, cap)) < 0)
				return ret;
	for (port = 0; port < SLUICE_DP_PORTS; port++) {
		const struct dp_vnic *d = &dp->vnics[port];

		if (!in_table[port])
			continue;
		for (q = 0; q < d->queues; q++) {
			ret = rxq_add(l2, (uint16_t)((d->first_worker + q) % dp->nb_workers), port, q,
				      cap);
			if (ret < 0)
				return ret;
			/* Worker q owns TX queue q; it drains what the others hand over. */
			if (d->txr[q] != NULL) {
				struct dp_drain *dr = &l2->drain[q][l2->nb_drain[q]++];

				dr->port = port;
				dr->queue = q;
				dr->ring = d->txr[q];
			}
		}
	}
	return 0;
}

/* Nothing of the tenant's reads the parsed L3/L4 fields of its guests' frames. */
static bool tenant_l2only(const struct sluice_tenant *tn)
{
	const struct sluice_uplink *u = &tn->uplink;

	return tn->nb_flows == 0 && tn->nb_rules == 0 &&
	       !(tn->default_actions.flags & (SLUICE_ACT_DECAP | SLUICE_ACT_ENCAP)) &&
	       !(u->kind == SLUICE_UPLINK_VXLAN && u->vxlan.udp_src == 0);
}

/*
 * ... nor of its frames from a shared port: it switches them, and a VXLAN
 * uplink would need the outer UDP header to take the VNI off.
 */
static bool tenant_tags_only(const struct sluice_tenant *tn)
{
	return tenant_l2only(tn) && (tn->default_actions.flags & SLUICE_ACT_SWITCH) &&
	       tn->uplink.kind != SLUICE_UPLINK_VXLAN;
}

static void count_tenant(uint32_t *nb, uint32_t *bad, const bool *ok, uint16_t ti1)
{
	(*nb)++;
	*bad += !ok[ti1 - 1];
}

/* t->port_tags_only: every tenant that a frame on the port can belong to is tags-only. */
static int ports_tags_only(struct sluice_dp *dp, struct dp_table *t,
			   const struct sluice_config *cfg)
{
	uint32_t nb[SLUICE_DP_PORTS] = { 0 }, bad[SLUICE_DP_PORTS] = { 0 };
	uint32_t i, iter = 0;
	const void *key;
	void *data;
	uint16_t p, v;
	bool *ok;

	if (t->has_vni || cfg->nb_tenants == 0)
		return 0;
	ok = calloc(cfg->nb_tenants, sizeof(*ok));
	if (ok == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->nb_tenants; i++)
		ok[i] = tenant_tags_only(&cfg->tenants[i]);
	for (p = 0; p < dp->nb_ports && p < SLUICE_DP_PORTS; p++) {
		if (t->port_tenant[p])
			count_tenant(&nb[p], &bad[p], ok, t->port_tenant[p]);
		for (v = 0; t->vlan_tenant != NULL && v < 4096; v++)
			if (t->vlan_tenant[p][v])
				count_tenant(&nb[p], &bad[p], ok, t->vlan_tenant[p][v]);
	}
	/* QinQ keys carry their port (never "any": the lookup asks for the frame's port). */
	while (t->has_qinq && rte_hash_iterate(t->ext_tenant, &key, &data, &iter) >= 0) {
		const struct ext_key *k = key;

		if (k->kind == EXT_QINQ && k->port < SLUICE_DP_PORTS)
			count_tenant(&nb[k->port], &bad[k->port], ok,
				     (uint16_t)((uintptr_t)data + 1));
	}
	for (p = 0; p < dp->nb_ports && p < SLUICE_DP_PORTS; p++)
		t->port_tags_only[p] = !t->port_owned[p] && nb[p] > 0 && bad[p] == 0;
	free(ok);
	return 0;
}

static int tenant_build(struct sluice_dp *dp, struct dp_table *t, struct dp_l2 *l2, uint16_t ti,
			const struct sluice_tenant *tn, bool *in_table, struct sluice_err *err)
{
	struct dp_l2_tenant *lt = &l2->tenants[ti];
	const struct sluice_uplink *u = &tn->uplink;
	bool l2only = tenant_l2only(tn);
	uint32_t j;

	lt->vnic_ports = rte_zmalloc("sl_l2vp", sizeof(uint16_t) * (tn->nb_vnics + 1u), 0);
	if (lt->vnic_ports == NULL)
		return -ENOMEM;
	for (j = 0; j < tn->nb_vnics; j++) {
		uint16_t port = dp_vnic_port(dp, tn->name, tn->vnics[j].name);

		if (port == UINT16_MAX)
			continue; /* retiring: this table is the one without it */
		lt->vnic_ports[lt->nb_vnics++] = port;
		l2->vnic_tenant[port] = ti + 1;
		t->port_tenant[port] = ti + 1;
		t->port_owned[port] = true;
		t->port_l2only[port] = l2only;
		in_table[port] = true;
	}
	lt->uplink_kind = (uint8_t)u->kind;
	if (u->kind != SLUICE_UPLINK_NONE) {
		if (u->port >= dp->nb_ports) {
			sluice_err_set(err, 0, "uplink",
				       "tenant '%s': uplink port %u does not exist (the data "
				       "plane has %u)",
				       tn->name, u->port, dp->nb_ports);
			return -EINVAL;
		}
		lt->uplink_port = u->port;
		lt->uplink_vlan = u->vlan;
		lt->uplink_vni = u->vxlan.vni;
		if (u->kind == SLUICE_UPLINK_VXLAN)
			dp_encap_build(&lt->encap, &u->vxlan);
	}
	return 0;
}

int dp_l2_build(struct sluice_dp *dp, struct dp_table *t, const struct sluice_config *cfg,
		struct sluice_err *err)
{
	struct rte_hash_rcu_config rcu = {.v = dp->qsbr, .mode = RTE_HASH_QSBR_MODE_DQ};
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	bool in_table[SLUICE_DP_PORTS] = {false};
	uint32_t i, j, nb_static = 0, nb_switching = 0;
	struct dp_l2 *l2;
	uint64_t now = dp_now(dp);
	int ret;

	l2 = rte_zmalloc("sl_l2", sizeof(*l2), RTE_CACHE_LINE_SIZE);
	if (l2 == NULL)
		return -ENOMEM;
	t->l2 = l2;
	l2->nb_tenants = t->nb_tenants;
	l2->tenants = rte_zmalloc("sl_l2t", sizeof(*l2->tenants) * RTE_MAX(cfg->nb_tenants, 1u),
				  RTE_CACHE_LINE_SIZE);
	if (l2->tenants == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];

		ret = tenant_build(dp, t, l2, (uint16_t)i, tn, in_table, err);
		if (ret < 0)
			return ret;
		nb_static += l2->tenants[i].nb_vnics;
		nb_switching += l2->tenants[i].nb_vnics || tn->uplink.kind != SLUICE_UPLINK_NONE;
	}
	ret = queues_build(dp, l2, in_table);
	if (ret < 0)
		return ret;
	ret = ports_tags_only(dp, t, cfg);
	if (ret < 0)
		return ret;
	if (nb_switching == 0)
		return 0;

	/* Room for every static entry twice and each switching tenant's quota of learned ones. */
	hp.entries = 2 * nb_static + RTE_MIN(nb_switching * dp->learn_max, 1u << 20) + 64;
	hp.entries += hp.entries / 4;
	snprintf(name, sizeof(name), "sl_l2_%" PRIu64, t->generation);
	l2->mac = rte_hash_create(&hp);
	if (l2->mac == NULL)
		return -rte_errno;
	ret = rte_hash_rcu_qsbr_add(l2->mac, &rcu);
	if (ret != 0)
		return ret;
	l2->nb_entries = (uint32_t)rte_hash_max_key_id(l2->mac) + 1;
	l2->entries = rte_zmalloc("sl_l2e", sizeof(*l2->entries) * l2->nb_entries,
				  RTE_CACHE_LINE_SIZE);
	if (l2->entries == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *tn = &cfg->tenants[i];

		for (j = 0; j < tn->nb_vnics; j++) {
			uint16_t port = dp_vnic_port(dp, tn->name, tn->vnics[j].name);

			if (port == UINT16_MAX)
				continue;
			ret = entry_add(l2, dp_l2_key((uint16_t)i, tn->vnics[j].mac), port, true, now);
			if (ret == 0)
				ret = entry_add(l2, dp_l2_key(L2_HOST, tn->vnics[j].mac), port, true,
						now);
			if (ret < 0) {
				sluice_err_set(err, 0, "vnics",
					       "cannot add the MAC of vnic '%s' of tenant "
					       "'%s': %s",
					       tn->vnics[j].name, tn->name, strerror(-ret));
				return ret;
			}
		}
	}
	return 0;
}

static int tenant_by_name(const struct dp_table *t, const char *name)
{
	uint16_t i;

	for (i = 0; i < t->nb_tenants; i++)
		if (strcmp(t->tenant_names[i], name) == 0)
			return i;
	return -1;
}

void dp_l2_carry(struct sluice_dp *dp, struct dp_table *nt, const struct dp_table *old)
{
	const struct dp_l2 *ol = old->l2;
	struct dp_l2 *nl = nt->l2;
	int map[SLUICE_TENANTS_MAX];
	uint32_t iter = 0, i;
	const void *k;
	void *data;
	int32_t pos;

	if (ol == NULL || ol->mac == NULL || nl == NULL || nl->mac == NULL)
		return;
	for (i = 0; i < old->nb_tenants; i++)
		map[i] = ol->tenants[i].nb_learned ? tenant_by_name(nt, old->tenant_names[i]) : -1;
	while ((pos = rte_hash_iterate(ol->mac, &k, &data, &iter)) >= 0) {
		const struct dp_l2_entry *e = &ol->entries[pos];
		uint64_t key;
		uint16_t ti, dest;
		struct dp_l2_tenant *lt;
		int nti;

		memcpy(&key, k, sizeof(key));
		ti = key_tenant(key);
		if (e->is_static || ti == L2_HOST || ti >= old->nb_tenants || map[ti] < 0)
			continue;
		nti = map[ti];
		lt = &nl->tenants[nti];
		dest = atomic_load(&e->dest);
		/* Keep an entry only where it still leads into the same tenant. */
		if (dest == L2_DEST_UPLINK ? lt->uplink_kind == SLUICE_UPLINK_NONE :
					     nl->vnic_tenant[dest] != nti + 1)
			continue;
		if (lt->nb_learned >= dp->learn_max)
			continue;
		key = dp_l2_key((uint16_t)nti, (const uint8_t *)k + 2);
		if (entry_add(nl, key, dest, false, atomic_load(&e->seen)) == 0)
			lt->nb_learned++;
	}
}

void dp_parse_l2only(struct dp_worker *w, struct burst *b)
{
	uint16_t i, k = 0, n = b->n;
	uint64_t bytes = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = b->pkts[i];
		struct sluice_pkt *p = &b->meta[k];

		bytes += m->pkt_len;
		/* The L2 stage reads the MACs from the first segment; it checks data_len. */
		if (unlikely(m->pkt_len < RTE_ETHER_HDR_LEN)) {
			dp_drop(w, b, m, SLUICE_DROP_ETH_TRUNC);
			continue;
		}
		p->flags = 0;
		p->family = 0;
		p->nb_vlans = 0;
		b->pkts[k++] = m;
	}
	w->st.rx_bytes[b->port] += bytes;
	b->n = k;
}

/* ---- Control: learning and aging ------------------------------------------ */

static void learn_apply(struct sluice_dp *dp, const struct dp_table *t, const struct l2_learn *r,
			uint64_t now)
{
	struct dp_l2 *l2 = t->l2;
	uint16_t ti = key_tenant(r->key);
	struct dp_l2_tenant *lt;
	struct dp_l2_entry *e;
	int32_t pos;

	if (ti >= t->nb_tenants)
		return;
	lt = &l2->tenants[ti];
	/* The destination must still be in the tenant (workers checked against the same table). */
	if (r->dest == L2_DEST_UPLINK ? lt->uplink_kind == SLUICE_UPLINK_NONE :
					r->dest >= SLUICE_DP_PORTS || l2->vnic_tenant[r->dest] != ti + 1)
		return;
	pos = rte_hash_lookup(l2->mac, &r->key);
	if (pos >= 0) {
		e = &l2->entries[pos];
		if (e->is_static)
			return;
		if (atomic_load_explicit(&e->dest, memory_order_relaxed) != r->dest) {
			atomic_store_explicit(&e->dest, r->dest, memory_order_relaxed);
			dp->l2_st.moved++;
		}
		atomic_store_explicit(&e->seen, now, memory_order_relaxed);
		return;
	}
	if (lt->nb_learned >= dp->learn_max || entry_add(l2, r->key, r->dest, false, now) < 0) {
		dp->l2_st.learn_full++;
		return;
	}
	lt->nb_learned++;
	dp->l2_st.learned++;
}

static void age(struct sluice_dp *dp, const struct dp_table *t, uint64_t now)
{
	struct dp_l2 *l2 = t->l2;
	uint64_t gone[256];
	uint32_t iter, n, i;
	const void *k;
	void *data;
	int32_t pos;

	/* Delete in batches outside the walk: the walk never sees its own deletes. */
	do {
		n = 0;
		iter = 0;
		while (n < RTE_DIM(gone) && (pos = rte_hash_iterate(l2->mac, &k, &data, &iter)) >= 0) {
			const struct dp_l2_entry *e = &l2->entries[pos];

			if (!e->is_static && now - atomic_load(&e->seen) > dp->age_tsc)
				memcpy(&gone[n++], k, sizeof(gone[0]));
		}
		for (i = 0; i < n; i++) {
			uint16_t ti = key_tenant(gone[i]);

			pos = rte_hash_del_key(l2->mac, &gone[i]);
			if (pos < 0)
				continue;
			/* Workers' caches hold positions: they must see it gone. */
			atomic_store_explicit(&l2->entries[pos].tag, 0, memory_order_release);
			if (ti < t->nb_tenants)
				l2->tenants[ti].nb_learned--;
			dp->l2_st.aged++;
		}
	} while (n == RTE_DIM(gone));
}

void dp_l2_service(struct sluice_dp *dp, uint64_t now)
{
	const struct dp_table *t = atomic_load(&dp->table);
	struct l2_learn reqs[64];
	unsigned int n, i;
	uint16_t w;

	for (w = 0; w < dp->nb_workers; w++) {
		struct rte_ring *r = dp->workers[w].learn;

		/* Bounded: at most the ring's size per call. */
		for (n = 1; n > 0;) {
			n = rte_ring_sc_dequeue_burst_elem(r, reqs, sizeof(reqs[0]), RTE_DIM(reqs),
							   NULL);
			for (i = 0; i < n; i++)
				if (t->l2 != NULL && t->l2->mac != NULL &&
				    reqs[i].gen == (uint32_t)t->generation)
					learn_apply(dp, t, &reqs[i], now);
		}
	}
	if (t->l2 != NULL && t->l2->mac != NULL && now >= dp->next_age) {
		age(dp, t, now);
		dp->next_age = now + RTE_MAX(dp->age_tsc / 16, 1u);
	}
}

/* ---- The switch stage ------------------------------------------------------ */

/*
 * Move the two MACs (12 bytes) by a tag's length, either way: loads first,
 * then stores. Each MAC is stored as 4 + 2 bytes, the way dp_l2_key() loads
 * it right after: a load that spans two stores cannot take its bytes from
 * the store buffer and waits for both to reach the cache.
 */
static inline void macs_move(uint8_t *dst, const uint8_t *src)
{
	uint32_t d0, s0;
	uint16_t d1, s1;

	memcpy(&d0, src, 4);
	memcpy(&d1, src + 4, 2);
	memcpy(&s0, src + 6, 4);
	memcpy(&s1, src + 10, 2);
	memcpy(dst, &d0, 4);
	memcpy(dst + 4, &d1, 2);
	/* Or the compiler sees a 12-byte move and stores 8 + 4 again. */
	rte_compiler_barrier();
	memcpy(dst + 6, &s0, 4);
	memcpy(dst + 10, &s1, 2);
}

/* The tenant's frame from its uplink, without the uplink's tag or outer headers. */
static inline enum sluice_drop uplink_strip(const struct dp_l2_tenant *lt, uint16_t port,
					    struct rte_mbuf *m, const struct sluice_pkt *p)
{
	uint8_t *h;

	switch (lt->uplink_kind) {
	case SLUICE_UPLINK_VXLAN:
		if (!(p->flags & SLUICE_PKT_VXLAN) || p->vni != lt->uplink_vni)
			return SLUICE_DROP_L2_UPLINK_MISMATCH;
		if (m->data_len < p->inner_off + RTE_ETHER_HDR_LEN)
			return SLUICE_DROP_HDR_SPLIT;
		rte_pktmbuf_adj(m, p->inner_off);
		return SLUICE_DROP_NONE;
	case SLUICE_UPLINK_VLAN:
		if (port != lt->uplink_port || p->nb_vlans == 0 || p->outer_vlan != lt->uplink_vlan)
			return SLUICE_DROP_L2_UPLINK_MISMATCH;
		if (m->data_len < RTE_ETHER_HDR_LEN + 4)
			return SLUICE_DROP_HDR_SPLIT;
		h = rte_pktmbuf_mtod(m, uint8_t *);
		macs_move(h + 4, h);
		rte_pktmbuf_adj(m, 4);
		return SLUICE_DROP_NONE;
	case SLUICE_UPLINK_PORT:
		return port == lt->uplink_port ? SLUICE_DROP_NONE : SLUICE_DROP_L2_UPLINK_MISMATCH;
	default:
		return SLUICE_DROP_L2_UPLINK_MISMATCH;
	}
}

/* Tag or encapsulate a frame for the tenant's uplink. */
static inline enum sluice_drop uplink_wrap(const struct dp_l2_tenant *lt, struct rte_mbuf *m,
					   const struct sluice_pkt *p)
{
	uint16_t tag[2];
	uint8_t *h;

	switch (lt->uplink_kind) {
	case SLUICE_UPLINK_VLAN:
		h = (uint8_t *)rte_pktmbuf_prepend(m, 4);
		if (unlikely(h == NULL))
			return SLUICE_DROP_ENCAP_NO_HEADROOM;
		macs_move(h, h + 4);
		tag[0] = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		tag[1] = rte_cpu_to_be_16(lt->uplink_vlan);
		memcpy(h + 2 * RTE_ETHER_ADDR_LEN, tag, sizeof(tag));
		return SLUICE_DROP_NONE;
	case SLUICE_UPLINK_VXLAN:
		/* A guest's own VLAN tags stay inside the tunnel. */
		return dp_vxlan_encap(&lt->encap, m, p, false);
	default:
		return SLUICE_DROP_NONE;
	}
}

static inline const struct dp_l2_entry *entry_at(const struct dp_l2 *l2, int32_t pos,
						 uint64_t key)
{
	const struct dp_l2_entry *e;

	if (pos < 0)
		return NULL;
	e = &l2->entries[pos];
	return atomic_load_explicit(&e->tag, memory_order_acquire) == key ? e : NULL;
}

static inline const struct dp_l2_entry *host_entry(const struct dp_l2 *l2, const uint8_t *mac)
{
	uint64_t key = dp_l2_key(L2_HOST, mac);

	return entry_at(l2, rte_hash_lookup(l2->mac, &key), key);
}

static inline void learn(struct dp_worker *w, uint64_t key, uint16_t dest, uint32_t gen)
{
	struct l2_learn r = {.key = key, .dest = dest, .gen = gen};

	if (rte_ring_sp_enqueue_elem(w->learn, &r, sizeof(r)) != 0)
		w->st.l2_learn_lost++;
}

/* Copies to the tenant's other vNICs that are up; the frame itself to the uplink or the last. */
static void flood(struct sluice_dp *dp, struct dp_worker *w, const struct dp_l2 *l2,
		  const struct dp_l2_tenant *lt, struct burst *b, uint16_t i, uint16_t in)
{
	struct rte_mbuf *m = b->pkts[i], *c;
	bool up = lt->uplink_kind != SLUICE_UPLINK_NONE && in != L2_DEST_UPLINK;
	uint16_t dests[SLUICE_DP_PORTS], nd = 0, j;
	enum sluice_drop why;

	for (j = 0; j < lt->nb_vnics; j++) {
		uint16_t v = lt->vnic_ports[j];

		if (v != in && atomic_load_explicit(&dp->link_up[v], memory_order_relaxed))
			dests[nd++] = v;
	}
	if (nd == 0 && !up) {
		dp_drop(w, b, m, SLUICE_DROP_L2_NO_DEST);
		return;
	}
	w->st.l2_flooded++;
	for (j = 0; j < nd; j++) {
		if (j == nd - 1 && !up) {
			dp_tx(w, dests[j], m);
			return;
		}
		c = rte_pktmbuf_copy(m, dp->pool, 0, UINT32_MAX);
		if (unlikely(c == NULL)) {
			w->st.drops[SLUICE_DROP_L2_FLOOD_NOMBUF]++;
			continue;
		}
		dp_tx(w, dests[j], c);
	}
	RTE_SET_USED(l2);
	why = uplink_wrap(lt, m, &b->meta[i]);
	if (unlikely(why != SLUICE_DROP_NONE))
		dp_drop(w, b, m, why);
	else
		dp_tx(w, lt->uplink_port, m);
}

/*
 * The worker's cache in front of the hash: direct-mapped (key -> position),
 * valid for one table generation. A hit is taken only while the entry at
 * that position still carries the key (deletes clear it), so a cached
 * position never outlives its entry.
 */
static inline uint32_t cache_slot(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - DP_L2_CACHE_BITS));
}

static inline const struct dp_l2_entry *cache_get(const struct dp_worker *w,
						  const struct dp_l2 *l2, uint64_t key,
						  uint32_t gen)
{
	const struct dp_l2_cache_slot *c = &w->l2_cache[cache_slot(key)];

	if (c->key != key || c->gen != gen)
		return NULL;
	return entry_at(l2, (int32_t)c->pos, key);
}

static inline void cache_put(struct dp_worker *w, uint64_t key, int32_t pos, uint32_t gen)
{
	struct dp_l2_cache_slot *c = &w->l2_cache[cache_slot(key)];

	c->key = key;
	c->pos = (uint32_t)pos;
	c->gen = gen;
}

/*
 * Place every packet whose action is switch, and transmit it (in burst
 * order; forwarded packets of the same burst follow in stage_tx).
 */
void dp_l2_stage(struct sluice_dp *dp, struct dp_worker *w, const struct dp_table *t,
		 struct burst *b, uint64_t now)
{
	const struct dp_l2 *l2 = t->l2;
	uint64_t keys[2 * L2_CHUNK];
	const struct dp_l2_entry *ent[2 * L2_CHUNK];
	const void *kp[2 * L2_CHUNK];
	int32_t pos[2 * L2_CHUNK];
	uint16_t miss[2 * L2_CHUNK];
	uint16_t idx[L2_CHUNK], in_of[L2_CHUNK];
	uint64_t refresh = dp->age_tsc >> 4, last_learn = 0;
	uint32_t gen = (uint32_t)t->generation;
	bool from_vnic = l2->vnic_tenant[b->port] != 0;
	uint16_t i = 0, n, k, nm;

	while (i < b->n) {
		/* Gather a chunk: strip what the uplink added, both keys of each frame. */
		for (n = 0, nm = 0; i < b->n && n < L2_CHUNK; i++) {
			struct rte_mbuf *m = b->pkts[i];
			const struct dp_l2_tenant *lt;
			const struct rte_ether_hdr *eth = NULL;
			enum sluice_drop why = SLUICE_DROP_NONE;

			if (i + 2 < b->n)
				rte_prefetch0(rte_pktmbuf_mtod(b->pkts[i + 2], void *));
			if (b->out_port[i] != DP_OUT_SWITCH)
				continue;
			b->out_port[i] = UINT16_MAX; /* stage_tx leaves it to us */
			lt = &l2->tenants[b->tenant[i]];
			if (from_vnic) {
				if (unlikely(m->ol_flags & RTE_MBUF_F_RX_LRO))
					why = SLUICE_DROP_VNIC_GSO;
			} else {
				why = uplink_strip(lt, b->port, m, &b->meta[i]);
			}
			if (why == SLUICE_DROP_NONE && unlikely(m->data_len < RTE_ETHER_HDR_LEN))
				why = SLUICE_DROP_HDR_SPLIT;
			if (why == SLUICE_DROP_NONE) {
				eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
				if (unlikely(!rte_is_unicast_ether_addr(&eth->src_addr) ||
					     rte_is_zero_ether_addr(&eth->src_addr)))
					why = SLUICE_DROP_L2_BAD_SRC;
			}
			if (unlikely(why != SLUICE_DROP_NONE)) {
				dp_drop(w, b, m, why);
				continue;
			}
			keys[2 * n] = dp_l2_key(b->tenant[i], eth->src_addr.addr_bytes);
			keys[2 * n + 1] = dp_l2_key(b->tenant[i], eth->dst_addr.addr_bytes);
			for (k = 2 * n; k < 2 * n + 2; k++) {
				ent[k] = l2->mac ? cache_get(w, l2, keys[k], gen) : NULL;
				if (ent[k] == NULL && l2->mac != NULL) {
					kp[nm] = &keys[k];
					miss[nm++] = k;
				}
			}
			in_of[n] = from_vnic ? b->port : L2_DEST_UPLINK;
			idx[n++] = i;
		}
		if (n == 0)
			break;
		/* What the cache did not have: one bulk lookup, and into the cache. */
		if (nm) {
			rte_hash_lookup_bulk(l2->mac, kp, nm, pos);
			for (k = 0; k < nm; k++) {
				ent[miss[k]] = entry_at(l2, pos[k], keys[miss[k]]);
				if (ent[miss[k]] != NULL)
					cache_put(w, keys[miss[k]], pos[k], gen);
			}
		}

		for (k = 0; k < n; k++) {
			uint16_t pi = idx[k], in = in_of[k], ti = b->tenant[pi], dest;
			const struct dp_l2_tenant *lt = &l2->tenants[ti];
			struct rte_mbuf *m = b->pkts[pi];
			const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
			const struct dp_l2_entry *e;
			enum sluice_drop why;

			/* Source: known where it came from, a move, new, or another vNIC's. */
			e = ent[2 * k];
			if (e != NULL) {
				dest = atomic_load_explicit(&e->dest, memory_order_relaxed);
				if (dest != in) {
					if (e->is_static) {
						dp_drop(w, b, m, SLUICE_DROP_L2_SRC_SPOOF);
						continue;
					}
					learn(w, keys[2 * k], in, gen);
				} else if (!e->is_static &&
					   now - atomic_load_explicit(&e->seen, memory_order_relaxed) >
						   refresh) {
					atomic_store_explicit(&((struct dp_l2_entry *)e)->seen, now,
							      memory_order_relaxed);
				}
			} else if (l2->mac != NULL) {
				if (host_entry(l2, eth->src_addr.addr_bytes) != NULL) {
					dp_drop(w, b, m, SLUICE_DROP_L2_SRC_SPOOF);
					continue;
				}
				if (keys[2 * k] != last_learn)
					learn(w, keys[2 * k], in, gen);
				last_learn = keys[2 * k];
			}

			/* Destination: one port, refused, or everyone. */
			if (!rte_is_unicast_ether_addr(&eth->dst_addr)) {
				flood(dp, w, l2, lt, b, pi, in);
				continue;
			}
			e = ent[2 * k + 1];
			if (e == NULL) {
				e = l2->mac != NULL ? host_entry(l2, eth->dst_addr.addr_bytes) : NULL;
				if (e != NULL && l2->vnic_tenant[e->dest] != ti + 1)
					dp_drop(w, b, m, SLUICE_DROP_VNIC_CROSS_TENANT);
				else
					flood(dp, w, l2, lt, b, pi, in);
				continue;
			}
			dest = atomic_load_explicit(&e->dest, memory_order_relaxed);
			if (dest == in) {
				dp_drop(w, b, m, SLUICE_DROP_L2_SAME_PORT);
			} else if (dest == L2_DEST_UPLINK) {
				why = uplink_wrap(lt, m, &b->meta[pi]);
				if (unlikely(why != SLUICE_DROP_NONE))
					dp_drop(w, b, m, why);
				else
					dp_tx(w, lt->uplink_port, m);
			} else if (unlikely(l2->vnic_tenant[dest] != ti + 1)) {
				/* Never learned so (learn_apply checks); refuse rather than trust. */
				dp_drop(w, b, m, SLUICE_DROP_VNIC_CROSS_TENANT);
			} else if (unlikely(!atomic_load_explicit(&dp->link_up[dest],
								  memory_order_relaxed))) {
				dp_drop(w, b, m, SLUICE_DROP_VNIC_DOWN);
			} else {
				dp_tx(w, dest, m);
			}
		}
	}
}
