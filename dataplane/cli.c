/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show` output and the interactive prompt (rte_cmdline), in testpmd's
 * words so an operator's fingers already know them.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_ethdev.h>

#include "sluice_app.h"

void sluice_show_port_stats(struct sluice_app *app, FILE *out)
{
	uint16_t port;

	for (port = 0; port < sluice_dp_nb_ports(app->dp); port++) {
		struct sluice_port_stats st;
		char name[RTE_ETH_NAME_MAX_LEN] = "";

		rte_eth_dev_get_name_by_port(port, name);
		sluice_dp_port_stats(app->dp, port, &st);
		fprintf(out,
			"  ######## port %u (%s) ########\n"
			"  RX-packets: %-12" PRIu64 " RX-bytes: %-14" PRIu64 " RX-missed: %-10" PRIu64
			" RX-nombuf: %" PRIu64 "\n"
			"  TX-packets: %-12" PRIu64 " TX-errors: %" PRIu64 "\n",
			port, name, st.rx_pkts, st.rx_bytes, st.hw_imissed, st.hw_rx_nombuf,
			st.tx_pkts, st.hw_oerrors);
	}
	for (port = 0; port < sluice_dp_nb_workers(app->dp); port++) {
		struct sluice_worker_stats ws = { 0 };

		sluice_dp_worker_stats(app->dp, port, &ws);
		fprintf(out,
			"  worker %u (lcore %u): RX %" PRIu64 "  TX %" PRIu64 "  dropped %" PRIu64
			"  bursts %" PRIu64 "\n",
			port, ws.lcore, ws.rx_pkts, ws.tx_pkts, ws.drops, ws.bursts);
	}
}

int sluice_show_port_info(struct sluice_app *app, uint16_t port, FILE *out)
{
	struct rte_eth_dev_info info;
	struct rte_eth_link link;
	struct rte_ether_addr mac;
	char name[RTE_ETH_NAME_MAX_LEN] = "";
	char macs[RTE_ETHER_ADDR_FMT_SIZE];

	if (port >= sluice_dp_nb_ports(app->dp) || rte_eth_dev_info_get(port, &info) != 0) {
		fprintf(out, "no port %u (ports 0..%u)\n", port, sluice_dp_nb_ports(app->dp) - 1);
		return -EINVAL;
	}
	rte_eth_dev_get_name_by_port(port, name);
	rte_eth_macaddr_get(port, &mac);
	rte_ether_format_addr(macs, sizeof(macs), &mac);
	rte_eth_link_get_nowait(port, &link);
	fprintf(out,
		"  port %u: %s, driver %s, MAC %s\n"
		"  link %s, %u Mbps, %s duplex\n"
		"  queues: %u rx / %u tx in use (max %u / %u), RSS offloads 0x%" PRIx64 "\n",
		port, name, info.driver_name, macs, link.link_status ? "up" : "down",
		link.link_speed, link.link_duplex ? "full" : "half", info.nb_rx_queues,
		info.nb_tx_queues, info.max_rx_queues, info.max_tx_queues,
		info.flow_type_rss_offloads);
	return 0;
}

static void fmt_match(char *buf, size_t n, const struct sluice_match *m)
{
	char port[16];

	if (m->port == SLUICE_PORT_ANY)
		snprintf(port, sizeof(port), "any");
	else
		snprintf(port, sizeof(port), "%u", m->port);
	switch (m->kind) {
	case SLUICE_MATCH_PORT:
		snprintf(buf, n, "port %s", port);
		break;
	case SLUICE_MATCH_VLAN:
		snprintf(buf, n, "port %s vlan %u", port, m->vlan);
		break;
	case SLUICE_MATCH_QINQ:
		snprintf(buf, n, "port %s qinq %u.%u", port, m->vlan, m->inner_vlan);
		break;
	case SLUICE_MATCH_VNI:
		snprintf(buf, n, "port %s vni %u", port, m->vni);
		break;
	}
}

int sluice_show_tenant(struct sluice_app *app, const char *name, FILE *out)
{
	const struct sluice_config *cfg = sluice_dp_config(app->dp);
	uint32_t i, j;
	bool found = false;

	if (name == NULL)
		fprintf(out, "  %-24s %8s %8s %16s %16s\n", "tenant", "flows", "rules", "packets",
			"bytes");
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *t = &cfg->tenants[i];
		struct sluice_ctr c = { 0, 0 };

		if (name != NULL && strcmp(name, t->name) != 0)
			continue;
		found = true;
		sluice_dp_tenant_stats(app->dp, t->name, &c);
		if (name == NULL) {
			fprintf(out, "  %-24s %8u %8u %16" PRIu64 " %16" PRIu64 "\n", t->name,
				t->nb_flows, t->nb_rules, c.pkts, c.bytes);
			continue;
		}
		fprintf(out, "  tenant %s: %" PRIu64 " packets, %" PRIu64 " bytes\n", t->name, c.pkts,
			c.bytes);
		for (j = 0; j < t->nb_matches; j++) {
			char buf[64];

			fmt_match(buf, sizeof(buf), &t->matches[j]);
			fprintf(out, "    match %s\n", buf);
		}
		fprintf(out, "    %u flows, %u rules, %u NPU contexts\n", t->nb_flows, t->nb_rules,
			t->nb_npu_contexts);
	}
	if (name != NULL && !found) {
		fprintf(out, "no tenant '%s'\n", name);
		return -ENOENT;
	}
	return 0;
}

static void fmt_addr(char *buf, size_t n, uint8_t family, const uint8_t *a, uint8_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (len == 0) {
		snprintf(buf, n, "any");
		return;
	}
	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, ip, sizeof(ip));
	if (len == (family == 4 ? 32 : 128))
		snprintf(buf, n, "%s", ip);
	else
		snprintf(buf, n, "%s/%u", ip, len);
}

static void fmt_actions(char *buf, size_t n, const struct sluice_actions *a)
{
	size_t o = 0;

	buf[0] = '\0';
#define APPEND(...) (o += (size_t)snprintf(buf + o, o < n ? n - o : 0, __VA_ARGS__))
	if (a->flags & SLUICE_ACT_DECAP)
		APPEND("vxlan_decap,");
	if (a->flags & SLUICE_ACT_METER)
		APPEND("meter,");
	if (a->flags & SLUICE_ACT_ENCAP)
		APPEND("vxlan_encap(vni %u),", a->encap.vni);
	if (a->flags & SLUICE_ACT_COUNT)
		APPEND("count,");
	if (a->flags & SLUICE_ACT_FORWARD)
		APPEND("forward %u", a->port);
	if (a->flags & SLUICE_ACT_DROP)
		APPEND("drop");
	if (a->flags & SLUICE_ACT_TO_NPU)
		APPEND("to_npu %s", a->npu_context);
#undef APPEND
}

static void show_flow(struct sluice_app *app, const struct sluice_tenant *t, char kind,
		      const struct sluice_flow *f, FILE *out)
{
	const struct sluice_flow_match *m = &f->match;
	char src[64], dst[64], sp[16], dp[16], act[128], proto[8];
	struct sluice_flow_stats st;

	memset(&st, 0, sizeof(st));
	sluice_dp_flow_stats(app->dp, t->name, kind, f->name, &st);
	fmt_addr(src, sizeof(src), m->family, m->src, m->src_len);
	fmt_addr(dst, sizeof(dst), m->family, m->dst, m->dst_len);
	sluice_model_format_ports(m->sport_lo, m->sport_hi, sp, sizeof(sp));
	sluice_model_format_ports(m->dport_lo, m->dport_hi, dp, sizeof(dp));
	fmt_actions(act, sizeof(act), &f->actions);
	if (m->proto_any)
		snprintf(proto, sizeof(proto), "any");
	else
		snprintf(proto, sizeof(proto), "%u", m->proto);
	fprintf(out, "  %-4s %-16s %5u %-5s %-22s %-22s %-11s %-11s %10" PRIu64 "  %s",
		kind == 'f' ? "flow" : "rule", f->name, f->priority, proto, src, dst, sp, dp,
		st.hits.pkts, act);
	if (f->actions.flags & SLUICE_ACT_METER)
		fprintf(out, "  [green %" PRIu64 " yellow %" PRIu64 " red %" PRIu64 "]", st.color[0],
			st.color[1], st.color[2]);
	fputc('\n', out);
}

int sluice_show_flows(struct sluice_app *app, const char *tenant, FILE *out)
{
	const struct sluice_tenant *t = sluice_config_tenant(sluice_dp_config(app->dp), tenant);
	uint32_t i;

	if (t == NULL) {
		fprintf(out, "no tenant '%s'\n", tenant);
		return -ENOENT;
	}
	fprintf(out, "  %-4s %-16s %5s %-5s %-22s %-22s %-11s %-11s %10s  %s\n", "kind", "name",
		"prio", "proto", "src", "dst", "sport", "dport", "hits", "actions");
	for (i = 0; i < t->nb_flows; i++)
		show_flow(app, t, 'f', &t->flows[i], out);
	for (i = 0; i < t->nb_rules; i++)
		show_flow(app, t, 'r', &t->rules[i], out);
	return 0;
}

void sluice_show_drops(struct sluice_app *app, FILE *out)
{
	uint64_t drops[SLUICE_DROP_MAX];
	unsigned int k;

	sluice_dp_drop_stats(app->dp, drops);
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		fprintf(out, "  %-20s %16" PRIu64 "  %s\n", sluice_drop_name(k), drops[k],
			sluice_drop_desc(k));
}

void sluice_show_stages(struct sluice_app *app, FILE *out)
{
	double cyc[SLUICE_STAGE_MAX], total = 0;
	unsigned int k;

	sluice_dp_stage_cycles(app->dp, cyc);
	fprintf(out, "  cycles/packet:");
	for (k = 0; k < SLUICE_STAGE_MAX; k++) {
		fprintf(out, " %s %.1f", sluice_stage_name(k), cyc[k]);
		total += cyc[k];
	}
	fprintf(out, " total %.1f\n", total);
}

void sluice_show_vnics(struct sluice_app *app, FILE *out)
{
	const struct sluice_config *cfg = sluice_dp_config(app->dp);
	struct sluice_l2_stats l2;
	uint32_t i, j;

	fprintf(out, "  %-24s %-16s %5s %5s %14s %14s\n", "tenant", "vnic", "port", "link",
		"rx-packets", "tx-packets");
	for (i = 0; i < cfg->nb_tenants; i++)
		for (j = 0; j < cfg->tenants[i].nb_vnics; j++) {
			const char *t = cfg->tenants[i].name, *v = cfg->tenants[i].vnics[j].name;
			struct sluice_vnic_stats st;

			if (sluice_dp_vnic_stats(app->dp, t, v, &st) != 0)
				continue;
			fprintf(out, "  %-24s %-16s %5u %5s %14" PRIu64 " %14" PRIu64 "\n", t, v,
				st.port, st.link_up ? "up" : "down", st.rx_pkts, st.tx_pkts);
		}
	sluice_dp_l2_stats(app->dp, &l2);
	fprintf(out,
		"  L2: %" PRIu64 " vNIC MACs, %" PRIu64 " learned now; since start %" PRIu64
		" learned, %" PRIu64 " moved, %" PRIu64 " aged, %" PRIu64 " refused, %" PRIu64
		" flooded\n",
		l2.static_macs, l2.learned_macs, l2.learned, l2.moved, l2.aged,
		l2.learn_full + l2.learn_lost, l2.flooded);
}

/* ---- rte_cmdline glue ------------------------------------------------------ */

#define KW(st, f, s) TOKEN_STRING_INITIALIZER(struct st, f, s)

struct r_words {
	cmdline_fixed_string_t w0, w1, w2, w3;
};
struct r_num {
	cmdline_fixed_string_t w0, w1, w2;
	uint16_t n;
};

static struct sluice_app *cli_app;

#define CMD(id, help, fn, ...)                                                                      \
	static cmdline_parse_inst_t id = {                                                          \
		.f = fn, .data = NULL, .help_str = help, .tokens = { __VA_ARGS__, NULL },           \
	}

static void on_show_port_stats(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_port_stats(cli_app, stdout);
}

static void on_show_port_info(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_port_info(cli_app, ((struct r_num *)r)->n, stdout);
}

static void on_show_tenants(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_tenant(cli_app, NULL, stdout);
}

static void on_show_tenant(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_tenant(cli_app, ((struct r_words *)r)->w2, stdout);
}

static void on_show_flows(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_flows(cli_app, ((struct r_words *)r)->w2, stdout);
}

static void on_show_drops(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_drops(cli_app, stdout);
}

static void on_show_stages(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_stages(cli_app, stdout);
}

static void on_show_npu(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_dp_npu_show(cli_app->dp, stdout);
}

static void on_show_vnics(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_show_vnics(cli_app, stdout);
}

static void on_clear(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_dp_clear_stats(cli_app->dp);
	printf("  all counters cleared\n");
}

static void on_set_fwd(void *r, struct cmdline *cl, void *d)
{
	enum sluice_fwd_mode mode;

	RTE_SET_USED(cl), RTE_SET_USED(d);
	if (sluice_fwd_mode_parse(((struct r_words *)r)->w2, &mode) == 0) {
		sluice_dp_set_fwd_mode(cli_app->dp, mode);
		printf("  forwarding mode: %s\n", sluice_fwd_mode_name(mode));
	}
}

static void on_start(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_dp_set_forwarding(cli_app->dp, true);
	printf("  forwarding started (%s)\n", sluice_fwd_mode_name(sluice_dp_fwd_mode(cli_app->dp)));
}

static void on_stop(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	sluice_dp_set_forwarding(cli_app->dp, false);
	printf("  forwarding stopped\n");
	sluice_show_port_stats(cli_app, stdout);
}

static void on_reload(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(cl), RTE_SET_USED(d);
	if (sluice_app_reload(cli_app, ((struct r_words *)r)->w2, stdout) == 0)
		printf("  tenants reloaded from %s\n", ((struct r_words *)r)->w2);
}

static void on_quit(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(d);
	atomic_store(&cli_app->quit, true);
	cmdline_quit(cl);
}

static void on_help(void *r, struct cmdline *cl, void *d)
{
	RTE_SET_USED(r), RTE_SET_USED(cl), RTE_SET_USED(d);
	printf("  show port stats all        per-port packet counters\n"
	       "  show port info N           driver, MAC, link, queues of port N\n"
	       "  show tenant [NAME]         tenants, or one tenant's matches and counters\n"
	       "  show flows TENANT          a tenant's flows and rules with hits and meter colours\n"
	       "  show drops                 packets dropped, by reason\n"
	       "  show stages                sampled cycles per packet per stage\n"
	       "  show npu                   the NPU device and every context's counters\n"
	       "  show vnic                  vNICs: port, guest attached, counters; L2 tables\n"
	       "  clear port stats all       zero every counter\n"
	       "  set fwd tenant|io|macswap  forwarding mode\n"
	       "  start | stop               forwarding on or off (ports stay up)\n"
	       "  reload tenants FILE        load FILE and apply it without stopping traffic\n"
	       "  quit                       stop and exit\n"
	       "  TAB completes keywords; '?' lists what may come next.\n");
}

static cmdline_parse_token_string_t t_show = KW(r_words, w0, "show");
static cmdline_parse_token_string_t t_port = KW(r_words, w1, "port");
static cmdline_parse_token_string_t t_stats = KW(r_words, w2, "stats");
static cmdline_parse_token_string_t t_all = KW(r_words, w3, "all");
static cmdline_parse_token_string_t t_clear = KW(r_words, w0, "clear");
static cmdline_parse_token_string_t n_show = KW(r_num, w0, "show");
static cmdline_parse_token_string_t n_port = KW(r_num, w1, "port");
static cmdline_parse_token_string_t n_info = KW(r_num, w2, "info");
static cmdline_parse_token_num_t n_n = TOKEN_NUM_INITIALIZER(struct r_num, n, RTE_UINT16);
static cmdline_parse_token_string_t t_tenant = KW(r_words, w1, "tenant");
static cmdline_parse_token_string_t t_flows = KW(r_words, w1, "flows");
static cmdline_parse_token_string_t t_any2 = KW(r_words, w2, NULL);
static cmdline_parse_token_string_t t_drops = KW(r_words, w1, "drops");
static cmdline_parse_token_string_t t_stages = KW(r_words, w1, "stages");
static cmdline_parse_token_string_t t_npu = KW(r_words, w1, "npu");
static cmdline_parse_token_string_t t_vnic = KW(r_words, w1, "vnic");
static cmdline_parse_token_string_t t_set = KW(r_words, w0, "set");
static cmdline_parse_token_string_t t_fwd = KW(r_words, w1, "fwd");
static cmdline_parse_token_string_t t_mode = KW(r_words, w2, "tenant#io#macswap#mac");
static cmdline_parse_token_string_t t_start = KW(r_words, w0, "start");
static cmdline_parse_token_string_t t_stop = KW(r_words, w0, "stop");
static cmdline_parse_token_string_t t_reload = KW(r_words, w0, "reload");
static cmdline_parse_token_string_t t_tenants = KW(r_words, w1, "tenants");
static cmdline_parse_token_string_t t_quit = KW(r_words, w0, "quit");
static cmdline_parse_token_string_t t_help = KW(r_words, w0, "help");

CMD(c_show_port_stats, "show port stats all: per-port packet counters", on_show_port_stats,
    (void *)&t_show, (void *)&t_port, (void *)&t_stats, (void *)&t_all);
CMD(c_show_port_info, "show port info N: driver, MAC, link, queues", on_show_port_info, (void *)&n_show,
    (void *)&n_port, (void *)&n_info, (void *)&n_n);
CMD(c_show_tenants, "show tenant: all tenants with counters", on_show_tenants, (void *)&t_show, (void *)&t_tenant);
CMD(c_show_tenant, "show tenant NAME: one tenant", on_show_tenant, (void *)&t_show, (void *)&t_tenant, (void *)&t_any2);
CMD(c_show_flows, "show flows TENANT: flows and rules with counters", on_show_flows, (void *)&t_show,
    (void *)&t_flows, (void *)&t_any2);
CMD(c_show_drops, "show drops: drops by reason", on_show_drops, (void *)&t_show, (void *)&t_drops);
CMD(c_show_stages, "show stages: cycles per packet per stage", on_show_stages, (void *)&t_show, (void *)&t_stages);
CMD(c_show_npu, "show npu: NPU device and contexts", on_show_npu, (void *)&t_show, (void *)&t_npu);
CMD(c_show_vnics, "show vnic: vNICs and L2 tables", on_show_vnics, (void *)&t_show, (void *)&t_vnic);
CMD(c_clear, "clear port stats all: zero every counter", on_clear, (void *)&t_clear, (void *)&t_port, (void *)&t_stats,
    (void *)&t_all);
CMD(c_set_fwd, "set fwd tenant|io|macswap: forwarding mode", on_set_fwd, (void *)&t_set, (void *)&t_fwd, (void *)&t_mode);
CMD(c_start, "start: forwarding on", on_start, (void *)&t_start);
CMD(c_stop, "stop: forwarding off, print port stats", on_stop, (void *)&t_stop);
CMD(c_reload, "reload tenants FILE: apply a tenant file at runtime", on_reload, (void *)&t_reload,
    (void *)&t_tenants, (void *)&t_any2);
CMD(c_quit, "quit: exit", on_quit, (void *)&t_quit);
CMD(c_help, "help: list commands", on_help, (void *)&t_help);

static cmdline_parse_ctx_t cli_ctx[] = {
	&c_show_port_stats, &c_show_port_info, &c_show_tenants, &c_show_tenant, &c_show_flows,
	&c_show_drops, &c_show_stages, &c_show_npu, &c_show_vnics, &c_clear, &c_set_fwd, &c_start, &c_stop, &c_reload,
	&c_quit, &c_help, NULL,
};

struct cmdline *sluice_cli_new(struct sluice_app *app)
{
	cli_app = app;
	return cmdline_stdin_new(cli_ctx, "sluice> ");
}
