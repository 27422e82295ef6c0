/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice: EAL arguments, then `--`, then application arguments, as
 * dpdk-testpmd takes them.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_socket.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "sluice_app.h"
#include "sluice_loader.h"
#include "sluice_rpc.h"

static struct sluice_app app = { .cfg_lock = PTHREAD_MUTEX_INITIALIZER };

struct args {
	const char *tenants;
	const char *stats_json;
	const char *rpc_dir;
	bool interactive;
	unsigned int stats_period;
	uint64_t gen_pps;
	struct sluice_dp_opts dp;
};

static void usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [options]\n"
	       "\n"
	       "  --tenants FILE        tenant file (YAML) to apply at start\n"
	       "  -i, --interactive     interactive prompt (type 'help')\n"
	       "  --fwd-mode MODE       tenant (default), io or macswap\n"
	       "  --nb-cores N          worker lcores (default: every worker lcore)\n"
	       "  --rxq N, --txq N      queues per port (default: one per worker)\n"
	       "  --rxd N, --txd N      descriptors per queue (default 1024)\n"
	       "  --burst N             RX burst, 1..%u (default 32)\n"
	       "  --total-num-mbufs N   mbufs in the pool (default: sized from ports and queues)\n"
	       "  --vxlan-port N        UDP port parsed as VXLAN (default 4789)\n"
	       "  --stats-period S      print live stats every S seconds (default 0: off)\n"
	       "  --gen PPS             add port gen0, a built-in traffic source offering PPS\n"
	       "                        frames/s built from the tenant file\n"
	       "  --stats-json FILE     write every counter as JSON to FILE at exit\n"
	       "  --npu SPEC            NPU device, e.g. swnpu,mem=256M,profile=hailo8\n"
	       "                        (overrides the tenant file's npu.device; default swnpu)\n"
	       "  --npu-copy MODE       how frames reach NPU memory: cpu, dmadev (needs\n"
	       "                        --vdev dma_skeleton0... and --iova-mode=va) or zerocopy\n"
	       "                        (packets received into NPU memory; --iova-mode=va)\n"
	       "  --rpc-dir DIR         serve JSON-RPC (sluicectl) on DIR/admin.sock and\n"
	       "                        DIR/tenant-NAME.sock per tenant (default: off)\n"
	       "  --vnic-dir DIR        vNIC sockets must be in DIR (default: any absolute path)\n"
	       "  --mac-age S           learned MACs age out after S seconds (default 300)\n"
	       "  --help                this text\n"
	       "\n"
	       "Ports are every ethdev EAL found (e.g. --vdev net_null0), numbered in order.\n"
	       "Example:\n"
	       "  %s -l 0-1 --no-pci --vdev net_null0 --vdev net_null1 -- \\\n"
	       "      --tenants configs/example.yaml --gen 1000000 --stats-period 1\n",
	       prog, SLUICE_DP_BURST_MAX, prog);
}

static int parse_uint(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || s[0] == '-' || *v < lo || *v > hi) {
		fprintf(stderr, "sluice: %s: '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n", opt,
			s, lo, hi);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_TENANTS = 256, OPT_FWD_MODE, OPT_NB_CORES, OPT_RXQ, OPT_TXQ, OPT_RXD, OPT_TXD,
	OPT_BURST, OPT_MBUFS, OPT_VXLAN_PORT, OPT_STATS_PERIOD, OPT_GEN, OPT_STATS_JSON, OPT_RPC_DIR, OPT_HELP,
	OPT_NPU, OPT_NPU_COPY, OPT_VNIC_DIR, OPT_MAC_AGE,
};

static const struct option long_opts[] = {
	{ "tenants", required_argument, NULL, OPT_TENANTS },
	{ "interactive", no_argument, NULL, 'i' },
	{ "fwd-mode", required_argument, NULL, OPT_FWD_MODE },
	{ "nb-cores", required_argument, NULL, OPT_NB_CORES },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "total-num-mbufs", required_argument, NULL, OPT_MBUFS },
	{ "vxlan-port", required_argument, NULL, OPT_VXLAN_PORT },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "gen", required_argument, NULL, OPT_GEN },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "rpc-dir", required_argument, NULL, OPT_RPC_DIR },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "npu", required_argument, NULL, OPT_NPU },
	{ "npu-copy", required_argument, NULL, OPT_NPU_COPY },
	{ "vnic-dir", required_argument, NULL, OPT_VNIC_DIR },
	{ "mac-age", required_argument, NULL, OPT_MAC_AGE },
	{ NULL, 0, NULL, 0 },
};

/* @return 0, 1 for --help, or -EINVAL. */
static int parse_args(int argc, char **argv, struct args *a)
{
	uint64_t v;
	int c;

	memset(a, 0, sizeof(*a));
	a->dp.sz = sizeof(a->dp);
	optind = 1;
	while ((c = getopt_long(argc, argv, "i", long_opts, NULL)) != -1) {
		const char *o = optind > 1 ? argv[optind - 1] : "";
		int ret = 0;

		switch (c) {
		case OPT_TENANTS:
			a->tenants = optarg;
			break;
		case 'i':
			a->interactive = true;
			break;
		case OPT_FWD_MODE:
			if (sluice_fwd_mode_parse(optarg, &a->dp.fwd_mode) != 0) {
				fprintf(stderr, "sluice: --fwd-mode: '%s' is not tenant, io or macswap\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_NB_CORES:
			ret = parse_uint("--nb-cores", optarg, 1, SLUICE_DP_WORKERS, &v);
			a->dp.nb_workers = (uint16_t)v;
			break;
		case OPT_RXQ:
		case OPT_TXQ:
			ret = parse_uint(c == OPT_RXQ ? "--rxq" : "--txq", optarg, 1, 64, &v);
			*(c == OPT_RXQ ? &a->dp.nb_rxq : &a->dp.nb_txq) = (uint16_t)v;
			break;
		case OPT_RXD:
		case OPT_TXD:
			ret = parse_uint(c == OPT_RXD ? "--rxd" : "--txd", optarg, 32, 16384, &v);
			*(c == OPT_RXD ? &a->dp.nb_rxd : &a->dp.nb_txd) = (uint16_t)v;
			break;
		case OPT_BURST:
			ret = parse_uint("--burst", optarg, 1, SLUICE_DP_BURST_MAX, &v);
			a->dp.burst = (uint16_t)v;
			break;
		case OPT_MBUFS:
			ret = parse_uint("--total-num-mbufs", optarg, 1024, UINT32_MAX, &v);
			a->dp.nb_mbufs = (uint32_t)v;
			break;
		case OPT_VXLAN_PORT:
			ret = parse_uint("--vxlan-port", optarg, 1, UINT16_MAX, &v);
			a->dp.vxlan_port = (uint16_t)v;
			break;
		case OPT_STATS_PERIOD:
			ret = parse_uint("--stats-period", optarg, 0, 86400, &v);
			a->stats_period = (unsigned int)v;
			break;
		case OPT_GEN:
			ret = parse_uint("--gen", optarg, 1, 100000000, &v);
			a->gen_pps = v;
			break;
		case OPT_STATS_JSON:
			a->stats_json = optarg;
			break;
		case OPT_NPU:
			a->dp.npu_device = optarg;
			break;
		case OPT_NPU_COPY:
			if (sluice_npu_copy_parse(optarg, &a->dp.npu_copy) != 0) {
				fprintf(stderr, "sluice: --npu-copy: '%s' is not cpu, dmadev or zerocopy\n",
					optarg);
				return -EINVAL;
			}
			a->dp.npu_copy_set = true;
			break;
		case OPT_RPC_DIR:
			a->rpc_dir = optarg;
			break;
		case OPT_HELP:
			return 1;
		case OPT_VNIC_DIR:
			a->dp.vnic_dir = optarg;
			break;
		case OPT_MAC_AGE:
			ret = parse_uint("--mac-age", optarg, 1, 86400, &v);
			a->dp.mac_age_s = (uint32_t)v;
			break;
		default:
			fprintf(stderr, "sluice: unknown option '%s' (see --help)\n", o);
			return -EINVAL;
		}
		if (ret)
			return ret;
	}
	if (optind < argc) {
		fprintf(stderr, "sluice: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* --help anywhere among the application arguments: answer before EAL wants hugepages. */
static bool wants_help(int argc, char **argv)
{
	int i;
	bool app_args = false;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			app_args = true;
		else if ((app_args || i == 1) && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0))
			return true;
	}
	return false;
}

/* Ethdev names, plus "gen0" for the traffic source (its ethdev is "net_ring_gen0"). */
int sluice_app_resolve_port(const char *name, uint16_t *port, void *arg)
{
	struct sluice_app *a = arg;

	if (a->gen != NULL && strcmp(name, "gen0") == 0) {
		*port = sluice_gen_port(a->gen);
		return 0;
	}
	return rte_eth_dev_get_port_by_name(name, port) == 0 ? 0 : -ENOENT;
}

int sluice_app_reload(struct sluice_app *a, const char *path, FILE *out)
{
	struct sluice_load_opts lo = {
		.sz = sizeof(lo),
		.nb_ports = sluice_dp_nb_ports(a->dp),
		.resolve_port = sluice_app_resolve_port,
		.resolve_arg = a,
	};
	struct sluice_diags diags;
	struct sluice_config *cfg;
	struct sluice_err err;
	uint32_t i;
	int ret;

	ret = sluice_config_load_file(path, &lo, &cfg, &diags);
	if (ret < 0) {
		for (i = 0; i < diags.count; i++)
			fprintf(out, "%s\n", diags.items[i].text);
		if (diags.dropped)
			fprintf(out, "%s: %u more errors not shown\n", path, diags.dropped);
		fprintf(out, "%s: not applied; the running configuration is unchanged\n", path);
		return ret;
	}
	ret = sluice_dp_apply(a->dp, cfg, &err);
	if (ret < 0) {
		fprintf(out, "%s: %s%s%s; not applied, the running configuration is unchanged\n", path,
			err.field, err.field[0] ? ": " : "", err.msg);
	} else {
		snprintf(a->tenants, sizeof(a->tenants), "%s", path);
		if (a->gen)
			sluice_gen_set_config(a->gen, cfg);
		if (a->rpc)
			sluice_rpc_config_changed(a->rpc);
	}
	sluice_config_free(cfg);
	return ret;
}

static void on_signal(int sig)
{
	RTE_SET_USED(sig);
	atomic_store(&app.quit, true);
}

/* The built-in source's cameras: digit frames sent, results back, right or not. */
static void print_cameras(struct sluice_app *a)
{
	struct sluice_gen_npu_stats cam;

	if (a->gen == NULL)
		return;
	sluice_gen_npu_stats(a->gen, &cam);
	if (cam.cameras == 0)
		return;
	printf("  gen0 cameras: %u, frames sent %" PRIu64 " (%" PRIu64 " packets, %" PRIu64
	       " not sent: ring full), results %" PRIu64 ": %" PRIu64 " right digit, %" PRIu64
	       " wrong, %" PRIu64 " failed\n",
	       cam.cameras, cam.frames, cam.pkts, cam.refused, cam.results, cam.correct, cam.wrong,
	       cam.failed);
}

static void print_live(struct sluice_app *a, bool tty, double secs)
{
	static uint64_t last_rx[SLUICE_DP_PORTS], last_tx[SLUICE_DP_PORTS];
	const struct sluice_config *cfg = sluice_dp_config(a->dp);
	uint64_t drops[SLUICE_DROP_MAX];
	uint16_t port;
	uint32_t i;
	unsigned int k;

	if (tty)
		printf("\033[2J\033[1;1H");
	printf("sluice: %u workers, mode %s, %s\n", sluice_dp_nb_workers(a->dp),
	       sluice_fwd_mode_name(sluice_dp_fwd_mode(a->dp)),
	       sluice_dp_forwarding(a->dp) ? "forwarding" : "stopped");
	printf("  %-4s %-16s %14s %12s %14s %12s\n", "port", "name", "rx-packets", "rx-pps",
	       "tx-packets", "tx-pps");
	for (port = 0; port < sluice_dp_nb_ports(a->dp); port++) {
		struct sluice_port_stats st;
		char name[RTE_ETH_NAME_MAX_LEN] = "";

		sluice_dp_port_stats(a->dp, port, &st);
		rte_eth_dev_get_name_by_port(port, name);
		printf("  %-4u %-16s %14" PRIu64 " %12.0f %14" PRIu64 " %12.0f\n", port, name,
		       st.rx_pkts, (double)(st.rx_pkts - last_rx[port]) / secs, st.tx_pkts,
		       (double)(st.tx_pkts - last_tx[port]) / secs);
		last_rx[port] = st.rx_pkts;
		last_tx[port] = st.tx_pkts;
	}
	printf("  %-24s %16s %16s\n", "tenant", "packets", "bytes");
	for (i = 0; i < cfg->nb_tenants; i++) {
		struct sluice_ctr c = { 0, 0 };

		sluice_dp_tenant_stats(a->dp, cfg->tenants[i].name, &c);
		printf("  %-24s %16" PRIu64 " %16" PRIu64 "\n", cfg->tenants[i].name, c.pkts, c.bytes);
	}
	sluice_dp_drop_stats(a->dp, drops);
	printf("  drops:");
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		if (drops[k])
			printf(" %s=%" PRIu64, sluice_drop_name(k), drops[k]);
	printf("\n");
	print_cameras(a);
	fflush(stdout);
}

static void print_final(struct sluice_app *a)
{
	printf("\n---------------------- final statistics ----------------------\n");
	sluice_show_port_stats(a, stdout);
	sluice_show_tenant(a, NULL, stdout);
	printf("  drops by reason:\n");
	sluice_show_drops(a, stdout);
	sluice_show_stages(a, stdout);
	sluice_dp_npu_show(a->dp, stdout);
	if (a->gen) {
		uint64_t sent, refused, returned;

		sluice_gen_stats(a->gen, &sent, &refused, &returned);
		printf("  gen0: offered %" PRIu64 ", refused (ring full) %" PRIu64
		       ", received back %" PRIu64 "\n", sent, refused, returned);
		print_cameras(a);
	}
	fflush(stdout);
}

static void run(struct sluice_app *a, struct cmdline *cl, unsigned int period)
{
	uint64_t hz = rte_get_tsc_hz(), next = rte_rdtsc() + period * hz, last = rte_rdtsc();
	bool tty = isatty(STDOUT_FILENO) && cl == NULL;
	/*
	 * The source refills its 1,024-frame rings each round: 200 us keeps up to
	 * millions of frames a second. Without it, 1 ms is enough for MAC learning
	 * and stats, and costs the CPU this thread shares (with control threads
	 * and, next to a VM, the guest) a fifth of the wakeups.
	 */
	const struct timespec nap = { 0, a->gen ? 200000 : 1000000 };
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	while (!atomic_load(&a->quit)) {
		bool input = false;
		int i;

		/* Wait out the nap, or less when the prompt has input. */
		if (cl != NULL)
			input = ppoll(&pfd, 1, &nap, NULL) > 0 && !(pfd.revents & POLLNVAL);
		if (!input && (cl == NULL || pfd.revents & POLLNVAL))
			nanosleep(&nap, NULL);
		/* The prompt, live stats and the source read or change the configuration. */
		pthread_mutex_lock(&a->cfg_lock);
		for (i = 0; input && i < 64; i++) {
			int st = cmdline_poll(cl);

			if (st < 0 || st == RDLINE_EXITED) {
				atomic_store(&a->quit, true);
				break;
			}
		}
		if (a->gen)
			sluice_gen_tick(a->gen);
		/* Retired NPU contexts go once nothing uses them. */
		sluice_dp_npu_reap(a->dp);
		sluice_dp_service(a->dp);
		if (period && rte_rdtsc() >= next) {
			uint64_t now = rte_rdtsc();

			print_live(a, tty, (double)(now - last) / (double)hz);
			last = now;
			next = now + period * hz;
		}
		pthread_mutex_unlock(&a->cfg_lock);
	}
}

int main(int argc, char **argv)
{
	struct cmdline *cl = NULL;
	unsigned int leaked;
	struct args a;
	int ret, n;

	if (wants_help(argc, argv)) {
		usage(argv[0]);
		return 0;
	}
	n = rte_eal_init(argc, argv);
	if (n < 0)
		rte_exit(EXIT_FAILURE, "cannot initialise EAL (see above); sluice --help for usage\n");
	argv[n] = argv[0];
	ret = parse_args(argc - n, argv + n, &a);
	if (ret != 0) {
		if (ret > 0)
			usage(argv[0]);
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (a.gen_pps) {
		uint16_t workers = a.dp.nb_workers ? a.dp.nb_workers :
			(uint16_t)RTE_MAX(rte_lcore_count() - 1, 1u);

		app.gen = sluice_gen_create("gen0", a.dp.nb_rxq ? a.dp.nb_rxq : workers, a.gen_pps);
		if (app.gen == NULL)
			rte_exit(EXIT_FAILURE, "cannot create the traffic source: %s\n",
				 strerror(errno));
	}
	app.dp = sluice_dp_create(&a.dp);
	if (app.dp == NULL)
		rte_exit(EXIT_FAILURE, "cannot start the data plane: %s\n", strerror(errno));
	if (a.tenants && sluice_app_reload(&app, a.tenants, stderr) != 0) {
		sluice_dp_destroy(app.dp);
		sluice_gen_destroy(app.gen);
		rte_eal_cleanup();
		return 1;
	}
	if (sluice_dp_telemetry_register(app.dp) != 0)
		fprintf(stderr, "sluice: telemetry commands not registered (telemetry disabled?)\n");
	ret = sluice_dp_launch(app.dp);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "cannot launch workers: %s\n", strerror(-ret));
	app.vnic_dir = a.dp.vnic_dir;
	if (a.rpc_dir && sluice_app_rpc_start(&app, a.rpc_dir) != 0) {
		sluice_dp_join(app.dp);
		sluice_dp_destroy(app.dp);
		sluice_gen_destroy(app.gen);
		rte_eal_cleanup();
		return 1;
	}
	printf("sluice: %u ports, %u workers, mode %s, tenants %s\n", sluice_dp_nb_ports(app.dp),
	       sluice_dp_nb_workers(app.dp), sluice_fwd_mode_name(sluice_dp_fwd_mode(app.dp)),
	       a.tenants ? a.tenants : "(none: everything is dropped as no_tenant)");
	fflush(stdout);

	if (a.interactive) {
		cl = sluice_cli_new(&app);
		if (cl == NULL)
			rte_exit(EXIT_FAILURE, "cannot open the prompt\n");
	}
	run(&app, cl, a.stats_period);
	if (cl)
		cmdline_stdin_exit(cl);

	sluice_app_rpc_stop(&app);
	/*
	 * The source offers no more; let the workers take what it already queued
	 * (at most a second), so every frame it offered is counted somewhere.
	 */
	if (app.gen && sluice_dp_forwarding(app.dp)) {
		uint64_t until = rte_rdtsc() + rte_get_tsc_hz();

		while (sluice_gen_pending(app.gen) > 0 && rte_rdtsc() < until)
			rte_delay_us_sleep(1000);
	}
	sluice_dp_join(app.dp);
	if (app.gen)
		sluice_gen_drain(app.gen);
	print_final(&app);
	if (a.stats_json) {
		FILE *f = fopen(a.stats_json, "w");

		if (f == NULL || sluice_dp_stats_json(app.dp, f) != 0)
			fprintf(stderr, "sluice: cannot write %s: %s\n", a.stats_json, strerror(errno));
		if (f)
			fclose(f);
	}
	/* Every mbuf must be back in its pool once the ports are closed: a leak fails the run. */
	leaked = sluice_dp_destroy(app.dp);
	leaked += sluice_gen_destroy(app.gen);
	rte_eal_cleanup();
	if (leaked > 0) {
		fprintf(stderr, "sluice: %u mbufs were not returned to their pools\n", leaked);
		return 3;
	}
	printf("sluice: stopped, every mbuf back in its pool\n");
	return 0;
}
