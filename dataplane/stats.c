/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters for the control side. Workers own their counters and only ever
 * add to them; readers sum over workers (a 64-bit load is atomic on every
 * target DPDK supports) and subtract the values saved at the last clear.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_telemetry.h>

#include "sluice_dp_priv.h"

static void worker_sum(const struct sluice_dp *dp, struct dp_worker_stats *s)
{
	uint16_t i, k;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < dp->nb_workers; i++) {
		const struct dp_worker_stats *w = &dp->workers[i].st;

		for (k = 0; k < SLUICE_DP_PORTS; k++) {
			s->rx_pkts[k] += w->rx_pkts[k];
			s->rx_bytes[k] += w->rx_bytes[k];
			s->tx_pkts[k] += w->tx_pkts[k];
			s->tx_missed[k] += w->tx_missed[k];
		}
		for (k = 0; k < SLUICE_DROP_MAX; k++)
			s->drops[k] += w->drops[k];
		for (k = 0; k < SLUICE_STAGE_MAX; k++)
			s->stage_cyc[k] += w->stage_cyc[k];
		s->stage_pkts += w->stage_pkts;
		s->bursts += w->bursts;
		s->l2_flooded += w->l2_flooded;
		s->l2_learn_lost += w->l2_learn_lost;
	}
}

static bool port_exists(const struct sluice_dp *dp, uint16_t port)
{
	return port < dp->nb_ports || (port < SLUICE_DP_PORTS && dp->vnics[port].used);
}

void dp_port_stats_restart(struct sluice_dp *dp, uint16_t port)
{
	struct dp_worker_stats s;

	worker_sum(dp, &s);
	dp->zero.rx_pkts[port] = s.rx_pkts[port];
	dp->zero.rx_bytes[port] = s.rx_bytes[port];
	dp->zero.tx_pkts[port] = s.tx_pkts[port];
	dp->zero.tx_missed[port] = s.tx_missed[port];
	memset(&dp->port_zero[port], 0, sizeof(dp->port_zero[port]));
}

int sluice_dp_port_stats(struct sluice_dp *dp, uint16_t port, struct sluice_port_stats *st)
{
	struct dp_worker_stats s;
	struct rte_eth_stats hw;
	const struct sluice_port_stats *z;

	if (!port_exists(dp, port))
		return -EINVAL;
	z = &dp->port_zero[port];
	worker_sum(dp, &s);
	memset(st, 0, sizeof(*st));
	st->rx_pkts = s.rx_pkts[port] - dp->zero.rx_pkts[port];
	st->rx_bytes = s.rx_bytes[port] - dp->zero.rx_bytes[port];
	st->tx_pkts = s.tx_pkts[port] - dp->zero.tx_pkts[port];
	if (rte_eth_stats_get(port, &hw) == 0) {
		st->hw_ipackets = hw.ipackets - z->hw_ipackets;
		st->hw_opackets = hw.opackets - z->hw_opackets;
		st->hw_imissed = hw.imissed - z->hw_imissed;
		st->hw_ierrors = hw.ierrors - z->hw_ierrors;
		st->hw_oerrors = hw.oerrors - z->hw_oerrors;
		st->hw_rx_nombuf = hw.rx_nombuf - z->hw_rx_nombuf;
	}
	/* A vNIC's transmit bypasses its PMD (port_send): what went to the guest is ours to count. */
	if (dp->vnics[port].used) {
		st->hw_opackets = st->tx_pkts;
		st->hw_oerrors = s.tx_missed[port] - dp->zero.tx_missed[port];
	}
	return 0;
}

int sluice_dp_worker_stats(struct sluice_dp *dp, uint16_t worker, struct sluice_worker_stats *st)
{
	const struct dp_worker *w;
	unsigned int k;

	if (worker >= dp->nb_workers)
		return -EINVAL;
	w = &dp->workers[worker];
	memset(st, 0, sizeof(*st));
	st->lcore = w->lcore;
	for (k = 0; k < SLUICE_DP_PORTS; k++) {
		st->rx_pkts += w->st.rx_pkts[k];
		st->tx_pkts += w->st.tx_pkts[k];
	}
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		st->drops += w->st.drops[k];
	st->bursts = w->st.bursts;
	return 0;
}

void sluice_dp_drop_stats(struct sluice_dp *dp, uint64_t drops[SLUICE_DROP_MAX])
{
	struct dp_worker_stats s;
	unsigned int k;

	worker_sum(dp, &s);
	for (k = 0; k < SLUICE_DROP_MAX; k++)
		drops[k] = s.drops[k] - dp->zero.drops[k];
}

static int tenant_index(const struct dp_table *t, const char *name)
{
	uint16_t i;

	for (i = 0; i < t->nb_tenants; i++)
		if (strcmp(t->tenant_names[i], name) == 0)
			return i;
	return -ENOENT;
}

int sluice_dp_tenant_stats(struct sluice_dp *dp, const char *tenant, struct sluice_ctr *st)
{
	const struct dp_table *t;
	int ti, ret = 0;

	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	ti = tenant_index(t, tenant);
	if (ti < 0)
		ret = ti;
	else
		dp_table_tenant_stats(t, (uint16_t)ti, st);
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

int sluice_dp_flow_stats(struct sluice_dp *dp, const char *tenant, char kind, const char *name,
			 struct sluice_flow_stats *st)
{
	const struct dp_table *t;
	int ti, ret = -ENOENT;
	uint32_t i;

	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	ti = tenant_index(t, tenant);
	for (i = 0; ti >= 0 && i < t->nb_actions; i++) {
		if (t->actions[i].tenant != ti || t->action_ids[i].kind != kind ||
		    (kind != 'd' && strcmp(t->action_ids[i].name, name) != 0))
			continue;
		dp_table_action_stats(t, i, st);
		ret = 0;
		break;
	}
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

void sluice_dp_stage_cycles(struct sluice_dp *dp, double cyc[SLUICE_STAGE_MAX])
{
	struct dp_worker_stats s;
	uint64_t pkts;
	unsigned int k;

	worker_sum(dp, &s);
	pkts = s.stage_pkts - dp->zero.stage_pkts;
	for (k = 0; k < SLUICE_STAGE_MAX; k++)
		cyc[k] = pkts ? (double)(s.stage_cyc[k] - dp->zero.stage_cyc[k]) / (double)pkts : 0;
}

void sluice_dp_clear_stats(struct sluice_dp *dp)
{
	struct sluice_port_stats ps;
	uint16_t port;

	pthread_mutex_lock(&dp->lock);
	worker_sum(dp, &dp->zero);
	for (port = 0; port < SLUICE_DP_PORTS; port++) {
		struct rte_eth_stats hw;

		if (!port_exists(dp, port))
			continue;

		memset(&ps, 0, sizeof(ps));
		if (rte_eth_stats_get(port, &hw) == 0) {
			ps.hw_ipackets = hw.ipackets;
			ps.hw_opackets = hw.opackets;
			ps.hw_imissed = hw.imissed;
			ps.hw_ierrors = hw.ierrors;
			ps.hw_oerrors = hw.oerrors;
			ps.hw_rx_nombuf = hw.rx_nombuf;
		}
		dp->port_zero[port] = ps;
	}
	dp_table_clear(atomic_load(&dp->table));
	memset(&dp->l2_st, 0, sizeof(dp->l2_st));
	pthread_mutex_unlock(&dp->lock);
}

/* ---- vNICs and L2 ------------------------------------------------------------ */

int sluice_dp_vnic_stats(struct sluice_dp *dp, const char *tenant, const char *vnic,
			 struct sluice_vnic_stats *st)
{
	struct sluice_port_stats ps;
	uint16_t port;
	int ret = -ENOENT;

	pthread_mutex_lock(&dp->lock);
	port = dp_vnic_port(dp, tenant, vnic);
	if (port != UINT16_MAX && sluice_dp_port_stats(dp, port, &ps) == 0) {
		struct rte_eth_stats hw;

		memset(st, 0, sizeof(*st));
		st->port = port;
		st->link_up = atomic_load(&dp->link_up[port]);
		st->rx_pkts = ps.rx_pkts;
		st->rx_bytes = ps.rx_bytes;
		st->tx_pkts = ps.tx_pkts;
		if (rte_eth_stats_get(port, &hw) == 0)
			st->hw_ipackets = hw.ipackets;
		/* Sent past the PMD (see sluice_dp_port_stats). */
		st->hw_opackets = ps.hw_opackets;
		st->hw_oerrors = ps.hw_oerrors;
		ret = 0;
	}
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

void sluice_dp_l2_stats(struct sluice_dp *dp, struct sluice_l2_stats *st)
{
	struct dp_worker_stats s;
	const struct dp_table *t;
	uint16_t i;

	memset(st, 0, sizeof(*st));
	worker_sum(dp, &s);
	st->flooded = s.l2_flooded - dp->zero.l2_flooded;
	st->learn_lost = s.l2_learn_lost - dp->zero.l2_learn_lost;
	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	for (i = 0; i < t->nb_tenants; i++) {
		st->static_macs += t->l2->tenants[i].nb_vnics;
		st->learned_macs += t->l2->tenants[i].nb_learned;
	}
	st->learned = dp->l2_st.learned;
	st->moved = dp->l2_st.moved;
	st->aged = dp->l2_st.aged;
	st->learn_full = dp->l2_st.learn_full;
	pthread_mutex_unlock(&dp->lock);
}

int sluice_dp_l2_lookup(struct sluice_dp *dp, const char *tenant, const uint8_t mac[6],
			char vnic[SLUICE_NAME_MAX], bool *is_static)
{
	const struct dp_table *t;
	const struct dp_l2_entry *e;
	uint64_t key;
	int32_t pos;
	int ti, ret = -ENOENT;

	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	ti = tenant_index(t, tenant);
	if (ti < 0 || t->l2->mac == NULL)
		goto out_unlock;
	key = dp_l2_key((uint16_t)ti, mac);
	pos = rte_hash_lookup(t->l2->mac, &key);
	if (pos < 0)
		goto out_unlock;
	e = &t->l2->entries[pos];
	if (atomic_load(&e->dest) == L2_DEST_UPLINK)
		vnic[0] = '\0';
	else
		snprintf(vnic, SLUICE_NAME_MAX, "%s", dp->vnics[atomic_load(&e->dest)].name);
	*is_static = e->is_static;
	ret = 0;
out_unlock:
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

static void json_ctr(FILE *out, const char *name, const struct sluice_flow_stats *fs, bool meter,
		     bool comma)
{
	fprintf(out, "%s\"%s\":{\"pkts\":%" PRIu64 ",\"bytes\":%" PRIu64, comma ? "," : "", name,
		fs->hits.pkts, fs->hits.bytes);
	if (meter)
		fprintf(out, ",\"green\":%" PRIu64 ",\"yellow\":%" PRIu64 ",\"red\":%" PRIu64,
			fs->color[0], fs->color[1], fs->color[2]);
	fputc('}', out);
}

/* Names are [A-Za-z0-9_.-] (the model checks), so they need no JSON escaping. */
int sluice_dp_stats_json(struct sluice_dp *dp, FILE *out)
{
	uint64_t drops[SLUICE_DROP_MAX];
	double cyc[SLUICE_STAGE_MAX];
	const struct dp_table *t;
	uint16_t port, ti;
	unsigned int k;

	fputs("{\"ports\":[", out);
	for (port = 0; port < dp->nb_ports; port++) {
		struct sluice_port_stats ps;

		sluice_dp_port_stats(dp, port, &ps);
		fprintf(out,
			"%s{\"port\":%u,\"rx_pkts\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
			",\"tx_pkts\":%" PRIu64 ",\"hw_ipackets\":%" PRIu64 ",\"hw_opackets\":%" PRIu64
			",\"hw_imissed\":%" PRIu64 ",\"hw_rx_nombuf\":%" PRIu64 "}",
			port ? "," : "", port, ps.rx_pkts, ps.rx_bytes, ps.tx_pkts, ps.hw_ipackets,
			ps.hw_opackets, ps.hw_imissed, ps.hw_rx_nombuf);
	}
	fputs("],\"vnics\":[", out);
	for (port = 0, k = 0; port < SLUICE_DP_PORTS; port++) {
		const struct dp_vnic *v = &dp->vnics[port];
		struct sluice_port_stats ps;

		if (!v->used || sluice_dp_port_stats(dp, port, &ps) != 0)
			continue;
		fprintf(out,
			"%s{\"tenant\":\"%s\",\"vnic\":\"%s\",\"port\":%u,\"link\":%s,\"rx_pkts\":%" PRIu64
			",\"rx_bytes\":%" PRIu64 ",\"tx_pkts\":%" PRIu64 "}",
			k++ ? "," : "", v->tenant, v->name, port,
			atomic_load(&dp->link_up[port]) ? "true" : "false", ps.rx_pkts, ps.rx_bytes,
			ps.tx_pkts);
	}
	{
		struct sluice_l2_stats l2;

		sluice_dp_l2_stats(dp, &l2);
		fprintf(out,
			"],\"l2\":{\"static_macs\":%" PRIu64 ",\"learned_macs\":%" PRIu64
			",\"learned\":%" PRIu64 ",\"moved\":%" PRIu64 ",\"aged\":%" PRIu64
			",\"learn_full\":%" PRIu64 ",\"learn_lost\":%" PRIu64 ",\"flooded\":%" PRIu64 "}",
			l2.static_macs, l2.learned_macs, l2.learned, l2.moved, l2.aged, l2.learn_full,
			l2.learn_lost, l2.flooded);
	}
	fputs(",\"workers\":[", out);
	for (k = 0; k < dp->nb_workers; k++) {
		struct sluice_worker_stats ws = { 0 };

		sluice_dp_worker_stats(dp, (uint16_t)k, &ws);
		fprintf(out,
			"%s{\"worker\":%u,\"lcore\":%u,\"rx_pkts\":%" PRIu64 ",\"tx_pkts\":%" PRIu64
			",\"drops\":%" PRIu64 ",\"bursts\":%" PRIu64 "}",
			k ? "," : "", k, ws.lcore, ws.rx_pkts, ws.tx_pkts, ws.drops, ws.bursts);
	}
	fputs("],\"drops\":{", out);
	sluice_dp_drop_stats(dp, drops);
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		fprintf(out, "%s\"%s\":%" PRIu64, k > 1 ? "," : "", sluice_drop_name(k), drops[k]);
	fputs("},\"stages\":{", out);
	sluice_dp_stage_cycles(dp, cyc);
	for (k = 0; k < SLUICE_STAGE_MAX; k++)
		fprintf(out, "%s\"%s\":%.1f", k ? "," : "", sluice_stage_name(k), cyc[k]);
	fputs("},\"tenants\":{", out);
	pthread_mutex_lock(&dp->lock);
	t = atomic_load(&dp->table);
	for (ti = 0; ti < t->nb_tenants; ti++) {
		struct sluice_flow_stats fs;
		struct sluice_ctr c;
		const char *sect[] = { "default", "flows", "rules" };
		const char kinds[] = { 'd', 'f', 'r' };
		unsigned int s;
		uint32_t i;

		dp_table_tenant_stats(t, ti, &c);
		fprintf(out, "%s\"%s\":{\"pkts\":%" PRIu64 ",\"bytes\":%" PRIu64, ti ? "," : "",
			t->tenant_names[ti], c.pkts, c.bytes);
		for (s = 0; s < 3; s++) {
			bool first = true;

			if (s > 0)
				fprintf(out, ",\"%s\":{", sect[s]);
			for (i = 0; i < t->nb_actions; i++) {
				const struct dp_action *a = &t->actions[i];

				if (a->tenant != ti || t->action_ids[i].kind != kinds[s])
					continue;
				dp_table_action_stats(t, i, &fs);
				json_ctr(out, s ? t->action_ids[i].name : "default", &fs,
					 a->flags & SLUICE_ACT_METER, s ? !first : true);
				first = false;
			}
			if (s > 0)
				fputc('}', out);
		}
		fputc('}', out);
	}
	fputs("},\"npu\":", out);
	sluice_bridge_stats_json(dp->bridge, out);
	pthread_mutex_unlock(&dp->lock);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

/* ---- Telemetry: DPDK's own thread calls these. --------------------------- */

static struct sluice_dp *tel_dp;

static int tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t drops[SLUICE_DROP_MAX];
	unsigned int k;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	sluice_dp_drop_stats(tel_dp, drops);
	rte_tel_data_start_dict(d);
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		rte_tel_data_add_dict_u64(d, sluice_drop_name(k), drops[k]);
	return 0;
}

static int tel_stages(const char *cmd, const char *params, struct rte_tel_data *d)
{
	double cyc[SLUICE_STAGE_MAX];
	unsigned int k;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	sluice_dp_stage_cycles(tel_dp, cyc);
	rte_tel_data_start_dict(d);
	/* Telemetry in 22.11 has no floating point: tenths of a cycle. */
	for (k = 0; k < SLUICE_STAGE_MAX; k++)
		rte_tel_data_add_dict_u64(d, sluice_stage_name(k), (uint64_t)(cyc[k] * 10 + 0.5));
	return 0;
}

static int tel_tenants(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct dp_table *t;
	uint16_t ti;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&tel_dp->lock);
	t = atomic_load(&tel_dp->table);
	for (ti = 0; ti < t->nb_tenants; ti++) {
		struct sluice_ctr c;

		dp_table_tenant_stats(t, ti, &c);
		rte_tel_data_add_dict_u64(d, t->tenant_names[ti], c.pkts);
	}
	pthread_mutex_unlock(&tel_dp->lock);
	return 0;
}

static int tel_npu(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pthread_mutex_lock(&tel_dp->lock);
	ret = sluice_bridge_telemetry(tel_dp->bridge, d);
	pthread_mutex_unlock(&tel_dp->lock);
	return ret;
}

/* Every mempool of the process (the data plane's, the generator's, the NPU
 * bridge's): in use = size minus what the ring and the lcore caches hold. Read
 * without stopping the workers, so a cache may be counted mid-change: a
 * reading is exact only to a cache's size. For soak runs (perf/soak.py). */
static void tel_mempool_one(struct rte_mempool *mp, void *arg)
{
	struct rte_tel_data *d = arg;

	rte_tel_data_add_dict_u64(d, mp->name, rte_mempool_in_use_count(mp));
}

static int tel_mempools(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	rte_mempool_walk(tel_mempool_one, d);
	return 0;
}

int sluice_dp_telemetry_register(struct sluice_dp *dp)
{
	int ret;

	tel_dp = dp;
	ret = rte_telemetry_register_cmd("/sluice/drops", tel_drops,
					 "Packets dropped, by reason. No parameters");
	if (ret == 0)
		ret = rte_telemetry_register_cmd("/sluice/stages", tel_stages,
						 "Sampled tenths of TSC cycles per packet, by stage");
	if (ret == 0)
		ret = rte_telemetry_register_cmd("/sluice/tenants", tel_tenants,
						 "Packets classified to each tenant");
	if (ret == 0)
		ret = rte_telemetry_register_cmd("/sluice/npu", tel_npu,
						 "NPU contexts' counters, by tenant/context");
	if (ret == 0)
		ret = rte_telemetry_register_cmd("/sluice/mempools", tel_mempools,
						 "Objects in use in each mempool (mbufs: in use)");
	return ret;
}
