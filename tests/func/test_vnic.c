/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functional tests of vNICs: one DPDK process in which sluice serves
 * vhost-user ports and net_virtio_user ports play the guests, plus a ring
 * port as the uplink. Frames and counters come from vnic_vectors.py (scapy);
 * every output frame is compared byte for byte and every counter exactly.
 * Guests leave and come back, sluice is torn down and started again, and a
 * vNIC's queues are spread over two workers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice_func.h"
#include "sluice_test.h"

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_udp.h>
#include <rte_vhost.h>

#include "sluice_dp.h"
#include "sluice_drops.h"
#include "sluice_loader.h"
#include "sluice_model.h"

#ifndef SLUICE_VECTORS
#error "SLUICE_VECTORS (directory of the generated pcaps) must be defined"
#endif
#ifndef SLUICE_SRC_DIR
#error "SLUICE_SRC_DIR must be defined"
#endif

#define CASES SLUICE_SRC_DIR "/tests/func/cases/"
#define RING_SZ 1024
#define MAX_FRAMES 64
#define FRAME_MAX 2048
#define POLL_MAX 100000
#define WAIT_S 10

static struct rte_ring *up_rx, *up_tx;
static struct rte_mempool *guest_pool;
static char sock_dir[64];

/* ---- errors: collect every mismatch, fail once --------------------------------- */

static void expect_u64(const char *what, uint64_t got, uint64_t exp)
{
	if (got != exp)
		sluice_test_mismatch("%s: got %" PRIu64 ", expected %" PRIu64, what, got, exp);
}

/* ---- frames ------------------------------------------------------------------- */

#define frames_new() sluice_test_frames_new(MAX_FRAMES, FRAME_MAX)

static struct rte_mbuf *mbuf_from(const uint8_t *data, uint32_t len)
{
	return sluice_test_mbuf(guest_pool, data, len, 0);
}

/* `got` must be `exp` frame for frame, in order (ordered) or as a multiset. */
static void frames_compare(const char *what, const struct sluice_test_frames *got,
			   const struct sluice_test_frames *exp, bool ordered)
{
	bool used[MAX_FRAMES] = {false};
	unsigned int i, j;

	if (got->n != exp->n)
		sluice_test_mismatch("%s: %u frames, expected %u", what, got->n, exp->n);
	for (i = 0; i < got->n; i++) {
		bool found = false;

		for (j = ordered ? i : 0; j < exp->n && (ordered ? j == i : true) && !found; j++)
			if (!used[j] && got->len[i] == exp->len[j] &&
			    memcmp(got->data[i], exp->data[j], got->len[i]) == 0)
				found = used[j] = true;
		if (!found) {
			sluice_test_mismatch("%s: frame %u differs from the reference", what, i);
			sluice_test_hexdump("sent", got->data[i], got->len[i]);
			if (i < exp->n)
				sluice_test_hexdump("expected", exp->data[i], exp->len[i]);
		}
	}
}

/* ---- guests: net_virtio_user ports ----------------------------------------------- */

struct guest {
	const char *tenant;
	const char *name;
	uint16_t queues;
	bool server;            /* virtio_user listens (the vNIC is in client mode) */
	bool running;
	uint16_t port;
	const char *devargs;    /* more virtio_user devargs: the features it negotiates */
	uint64_t tx_offloads;   /* offloads the guest asks of its port on TX */
};

static struct guest guests[] = {
	{"acme", "a1", 1, false, false, 0},  {"acme", "a2", 1, false, false, 0},
	{"acme", "a3", 1, false, false, 0},  {"bravo", "b1", 1, false, false, 0},
	{"multi", "mq", 2, false, false, 0}, {"multi", "sq", 1, false, false, 0},
	{"cli", "c1", 1, true, false, 0},
	{"feat", "p1", 1, false, false, 0, ",packed_vq=1,mrg_rxbuf=0,in_order=1", 0},
	{"feat", "p2", 1, false, false, 0, ",mrg_rxbuf=1",
	 RTE_ETH_TX_OFFLOAD_UDP_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM},
};

static struct guest *guest(const char *name)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(guests); i++)
		if (strcmp(guests[i].name, name) == 0)
			return &guests[i];
	fail_msg("no guest %s", name);
	return NULL;
}

static void guest_start(struct guest *g)
{
	struct rte_eth_conf conf = {0};
	char args[256], dev[64];
	uint16_t q;

	snprintf(dev, sizeof(dev), "net_virtio_user_%s", g->name);
	snprintf(args, sizeof(args), "%s,path=%s/%s.sock,queues=%u%s%s%s", dev, sock_dir, g->name,
		 g->queues, g->queues > 1 ? ",cq=1" : "", g->server ? ",server=1" : "",
		 g->devargs ? g->devargs : "");
	assert_int_equal(rte_dev_probe(args), 0);
	assert_int_equal(rte_eth_dev_get_port_by_name(dev, &g->port), 0);
	/* A listening guest takes its backend back on the link interrupt. */
	conf.intr_conf.lsc = g->server;
	conf.txmode.offloads = g->tx_offloads;
	assert_int_equal(rte_eth_dev_configure(g->port, g->queues, g->queues, &conf), 0);
	for (q = 0; q < g->queues; q++) {
		assert_int_equal(rte_eth_rx_queue_setup(g->port, q, 256, (unsigned int)rte_socket_id(),
							NULL, guest_pool),
				 0);
		assert_int_equal(rte_eth_tx_queue_setup(g->port, q, 256, (unsigned int)rte_socket_id(),
							NULL),
				 0);
	}
	assert_int_equal(rte_eth_dev_start(g->port), 0);
	g->running = true;
}

static void guest_stop(struct guest *g)
{
	char dev[64];

	if (!g->running)
		return;
	snprintf(dev, sizeof(dev), "net_virtio_user_%s", g->name);
	assert_int_equal(rte_eth_dev_stop(g->port), 0);
	assert_int_equal(rte_eth_dev_close(g->port), 0);
	assert_int_equal(rte_eal_hotplug_remove("vdev", dev), 0);
	g->running = false;
}

static bool vnic_link(struct sluice_dp *dp, const struct guest *g)
{
	struct sluice_vnic_stats st;

	return sluice_dp_vnic_stats(dp, g->tenant, g->name, &st) == 0 && st.link_up;
}

/* Poll (bounded) until sluice sees the guest attached, or detached. */
static void wait_link(struct sluice_dp *dp, const struct guest *g, bool up)
{
	if (!SLUICE_TEST_WAIT(vnic_link(dp, g) == up, WAIT_S, rte_pause()))
		fail_msg("vnic %s: link still %s after %d s", g->name, up ? "down" : "up", WAIT_S);
}

/* ---- data plane --------------------------------------------------------------------- */


static struct sluice_dp *dp_new(uint16_t workers)
{
	struct sluice_dp_opts o = {
		.sz = sizeof(o),
		.nb_workers = workers,
		.nb_rxq = 1,
		.nb_txq = workers,
		.nb_mbufs = 4095,
		.clock = sluice_test_clock,
		.ports_preconfigured = true,
		.nb_ports = 1,
		.mac_age_s = 60,
		.vnic_dir = sock_dir,
	};
	struct sluice_dp *dp;

	sluice_test_mismatch_reset();
	sluice_test_clock_set(rte_rdtsc());
	dp = sluice_dp_create(&o);
	if (dp == NULL)
		fail_msg("sluice_dp_create: %s", strerror(errno));
	return dp;
}

static void dp_end(struct sluice_dp *dp)
{
	struct rte_mempool *mp = sluice_dp_pool(dp);
	struct rte_mbuf *m;

	while (rte_ring_dequeue(up_tx, (void **)&m) == 0)
		sluice_test_mismatch("a frame left on the uplink"), rte_pktmbuf_free(m);
	assert_int_equal(rte_ring_count(up_rx), 0);
	/* Every mbuf is back: none stuck in a vhost port or a handoff ring. */
	assert_int_equal(rte_mempool_avail_count(mp), mp->size);
	sluice_dp_destroy(dp);
	assert_int_equal(sluice_test_mismatches(), 0);
}

/* Load a case file with @DIR@ replaced by the socket directory. */
static struct sluice_config *load(const char *file)
{
	char path[512], *buf, *out, *p;
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;
	size_t len, n = 0;
	unsigned int i;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s%s", CASES, file);
	f = fopen(path, "r");
	assert_non_null(f);
	buf = calloc(1, 65536);
	out = calloc(1, 65536 * 2);
	assert_true(buf && out);
	len = fread(buf, 1, 65535, f);
	fclose(f);
	for (p = buf; p < buf + len;) {
		if (strncmp(p, "@DIR@", 5) == 0) {
			n += (size_t)sprintf(out + n, "%s", sock_dir);
			p += 5;
		} else {
			out[n++] = *p++;
		}
	}
	rc = sluice_config_load_buf(path, out, n, NULL, &cfg, &d);
	for (i = 0; rc != 0 && i < d.count; i++)
		fprintf(stderr, "%s\n", d.items[i].text);
	assert_int_equal(rc, 0);
	free(buf);
	free(out);
	return cfg;
}

static int apply_file(struct sluice_dp *dp, const char *file, struct sluice_err *err)
{
	struct sluice_config *cfg = load(file);
	struct sluice_err e;
	int rc = sluice_dp_apply(dp, cfg, err ? err : &e);

	if (rc != 0 && err == NULL)
		fprintf(stderr, "apply %s: %s: %s\n", file, e.field, e.msg);
	sluice_config_free(cfg);
	return rc;
}

/* What sluice received from an endpoint so far. */
static uint64_t ep_rx(struct sluice_dp *dp, const char *ep)
{
	struct sluice_port_stats ps;
	struct sluice_vnic_stats vs;

	if (strcmp(ep, "up") == 0) {
		assert_int_equal(sluice_dp_port_stats(dp, 0, &ps), 0);
		return ps.rx_pkts;
	}
	assert_int_equal(sluice_dp_vnic_stats(dp, guest(ep)->tenant, ep, &vs), 0);
	return vs.rx_pkts;
}

/* One frame in at `ep`; worker 0 polled until sluice has it, then flushed. */
static void inject(struct sluice_dp *dp, const char *ep, const uint8_t *data, uint32_t len)
{
	struct rte_mbuf *m = mbuf_from(data, len);
	uint64_t before = ep_rx(dp, ep);
	unsigned int n;

	if (strcmp(ep, "up") == 0)
		assert_int_equal(rte_ring_enqueue(up_rx, m), 0);
	else
		assert_int_equal(rte_eth_tx_burst(guest(ep)->port, 0, &m, 1), 1);
	for (n = 0; ep_rx(dp, ep) == before && n < POLL_MAX; n++)
		sluice_dp_worker_poll(dp, 0);
	if (ep_rx(dp, ep) == before)
		fail_msg("sluice never received the frame sent at %s", ep);
	sluice_dp_worker_flush(dp, 0);
}

/* Every frame waiting at an endpoint (a guest's RX queue q, or the uplink's TX ring). */
static void collect(const char *ep, uint16_t q, struct sluice_test_frames *out)
{
	struct rte_mbuf *pkts[32];
	uint16_t n, i;

	out->n = 0;
	if (strcmp(ep, "up") == 0) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(up_tx, (void **)&m) == 0)
			sluice_test_frames_add(out, m);
		return;
	}
	if (!guest(ep)->running)
		return;
	do {
		n = rte_eth_rx_burst(guest(ep)->port, q, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++)
			sluice_test_frames_add(out, pkts[i]);
	} while (n > 0);
}

static void path_of(char *buf, size_t n, const char *step, const char *what)
{
	snprintf(buf, n, "%s/vnic_%s_%s", SLUICE_VECTORS, step, what);
}

static void check_expect(struct sluice_dp *dp, const char *step)
{
	uint64_t drops[SLUICE_DROP_MAX], exp_drops[SLUICE_DROP_MAX] = {0};
	char path[512], line[256], a[64], b[64], c[64], d[64], what[256];
	unsigned long long x, y;
	struct sluice_l2_stats l2;
	unsigned int k;
	FILE *fp;

	path_of(path, sizeof(path), step, "expect.txt");
	fp = fopen(path, "r");
	assert_non_null(fp);
	sluice_dp_l2_stats(dp, &l2);
	while (fgets(line, sizeof(line), fp)) {
		struct sluice_flow_stats fs;
		struct sluice_vnic_stats vs;
		struct sluice_port_stats ps;
		struct sluice_ctr ct;

		if (sscanf(line, "drop %63s %llu", a, &x) == 2) {
			for (k = 0; k < SLUICE_DROP_MAX && strcmp(sluice_drop_name(k), a) != 0; k++)
				;
			assert_true(k < SLUICE_DROP_MAX);
			exp_drops[k] = x;
		} else if (sscanf(line, "ep %63s %llu %llu", a, &x, &y) == 3) {
			uint64_t rx, tx;

			if (strcmp(a, "up") == 0) {
				assert_int_equal(sluice_dp_port_stats(dp, 0, &ps), 0);
				rx = ps.rx_pkts, tx = ps.tx_pkts;
			} else if (sluice_dp_vnic_stats(dp, guest(a)->tenant, a, &vs) == 0) {
				rx = vs.rx_pkts, tx = vs.tx_pkts;
			} else {
				rx = tx = 0;
				if (x || y)
					sluice_test_mismatch("%s: vnic %s not running", step, a);
			}
			snprintf(what, sizeof(what), "%s: %s rx", step, a);
			expect_u64(what, rx, x);
			snprintf(what, sizeof(what), "%s: %s tx", step, a);
			expect_u64(what, tx, y);
		} else if (sscanf(line, "absent %63s", a) == 1) {
			if (sluice_dp_vnic_stats(dp, guest(a)->tenant, a, &vs) != -ENOENT)
				sluice_test_mismatch("%s: vnic %s still running", step, a);
		} else if (sscanf(line, "tenant %63s %llu %llu", a, &x, &y) == 3) {
			assert_int_equal(sluice_dp_tenant_stats(dp, a, &ct), 0);
			snprintf(what, sizeof(what), "%s: tenant %s pkts", step, a);
			expect_u64(what, ct.pkts, x);
			snprintf(what, sizeof(what), "%s: tenant %s bytes", step, a);
			expect_u64(what, ct.bytes, y);
		} else if (sscanf(line, "flow %63s %63s %63s %llu %llu", a, b, c, &x, &y) == 5) {
			assert_int_equal(sluice_dp_flow_stats(dp, a, b[0], c, &fs), 0);
			snprintf(what, sizeof(what), "%s: %s %s %s pkts", step, a, b, c);
			expect_u64(what, fs.hits.pkts, x);
			snprintf(what, sizeof(what), "%s: %s %s %s bytes", step, a, b, c);
			expect_u64(what, fs.hits.bytes, y);
		} else if (sscanf(line, "l2 %63s %llu", a, &x) == 2) {
			static const char *const names[] = {"static_macs", "learned_macs", "learned",
							    "moved", "aged", "flooded"};
			const uint64_t vals[] = {l2.static_macs, l2.learned_macs, l2.learned,
						 l2.moved, l2.aged, l2.flooded};

			for (k = 0; k < RTE_DIM(names) && strcmp(names[k], a) != 0; k++)
				;
			assert_true(k < RTE_DIM(names));
			snprintf(what, sizeof(what), "%s: l2 %s", step, a);
			expect_u64(what, vals[k], x);
		} else if (sscanf(line, "lookup %63s %63s %63s %63s", a, b, c, d) == 4) {
			char vnic[SLUICE_NAME_MAX];
			uint8_t mac[6];
			bool st = false;
			int rc;

			assert_int_equal(sluice_model_parse_mac(b, mac), 0);
			rc = sluice_dp_l2_lookup(dp, a, mac, vnic, &st);
			if (strcmp(c, "none") == 0) {
				if (rc != -ENOENT)
					sluice_test_mismatch("%s: %s %s: rc %d, expected unknown",
							     step, a, b, rc);
			} else if (rc != 0 || strcmp(vnic, strcmp(c, "uplink") ? c : "") != 0 ||
				   st != (strcmp(d, "static") == 0)) {
				sluice_test_mismatch("%s: %s %s: rc %d -> '%s' %s, expected %s %s",
						     step, a, b, rc, rc ? "" : vnic,
						     st ? "static" : "learned", c, d);
			}
		} else {
			fail_msg("%s: bad line %s", path, line);
		}
	}
	fclose(fp);
	sluice_dp_drop_stats(dp, drops);
	for (k = 0; k < SLUICE_DROP_MAX; k++) {
		snprintf(what, sizeof(what), "%s: drops %s", step, sluice_drop_name(k));
		expect_u64(what, drops[k], exp_drops[k]);
	}
}

static const char *const endpoints[] = {"up", "a1", "a2", "a3", "b1"};

/* Inject a step's frames in order, compare every endpoint's output, check counters. */
static void run_step(struct sluice_dp *dp, const char *step)
{
	struct sluice_test_frames *in = frames_new(), *got = frames_new(), *exp = frames_new();
	char path[512], ep[16], what[64];
	unsigned int i;
	FILE *fp;

	path_of(path, sizeof(path), step, "in.pcap");
	sluice_test_pcap_load(path, in);
	path_of(path, sizeof(path), step, "in.txt");
	fp = fopen(path, "r");
	assert_non_null(fp);
	for (i = 0; i < in->n; i++) {
		assert_int_equal(fscanf(fp, "%15s", ep), 1);
		inject(dp, ep, in->data[i], in->len[i]);
	}
	fclose(fp);
	for (i = 0; i < RTE_DIM(endpoints); i++) {
		snprintf(path, sizeof(path), "%s/vnic_%s_out_%s.pcap", SLUICE_VECTORS, step,
			 endpoints[i]);
		sluice_test_pcap_load(path, exp);
		collect(endpoints[i], 0, got);
		snprintf(what, sizeof(what), "%s: at %s", step, endpoints[i]);
		frames_compare(what, got, exp, true);
	}
	check_expect(dp, step);
	free(in);
	free(got);
	free(exp);
}

/* ---- cases ------------------------------------------------------------------------------ */

/*
 * Two tenants, three vNICs, an uplink (VLAN for one, VXLAN for the other):
 * switching, flooding, learning, moves, aging, every refusal by name, a
 * guest leaving and coming back, and a reload that adds and removes vNICs
 * while the others keep their guests and learned MACs.
 */
static void test_switching(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	struct sluice_vnic_stats vs;

	(void)state;
	assert_int_equal(apply_file(dp, "vnic.yaml", NULL), 0);
	guest_start(guest("a1"));
	guest_start(guest("a2"));
	guest_start(guest("b1"));
	wait_link(dp, guest("a1"), true);
	wait_link(dp, guest("a2"), true);
	wait_link(dp, guest("b1"), true);
	assert_int_equal(sluice_dp_vnic_stats(dp, "acme", "a3", &vs), -ENOENT);
	assert_int_equal(sluice_dp_vnic_stats(dp, "bravo", "a1", &vs), -ENOENT);

	run_step(dp, "first");
	sluice_dp_service(dp);
	run_step(dp, "second");
	sluice_dp_service(dp);
	run_step(dp, "third");
	/* Past the age time: the next service forgets every learned MAC. */
	sluice_test_clock_advance(61 * rte_get_tsc_hz());
	sluice_dp_service(dp);
	run_step(dp, "aged");

	/* A guest leaves: frames to it are refused, the others carry on; it comes back. */
	guest_stop(guest("a2"));
	wait_link(dp, guest("a2"), false);
	run_step(dp, "down");
	guest_start(guest("a2"));
	wait_link(dp, guest("a2"), true);
	run_step(dp, "back");
	sluice_dp_service(dp);

	/*
	 * Reload: a3 comes, b1 goes; a1 and a2 keep their ports and guests. (b1's
	 * guest leaves first: virtio_user cannot stop once its backend is gone.
	 * test_client_restart removes vNICs with guests attached.)
	 */
	guest_stop(guest("b1"));
	wait_link(dp, guest("b1"), false);
	assert_int_equal(sluice_dp_vnic_stats(dp, "acme", "a1", &vs), 0);
	assert_int_equal(apply_file(dp, "vnic_reload.yaml", NULL), 0);
	assert_true(vnic_link(dp, guest("a1")) && vnic_link(dp, guest("a2")));
	guest_start(guest("a3"));
	wait_link(dp, guest("a3"), true);
	run_step(dp, "reload");

	guest_stop(guest("a1"));
	guest_stop(guest("a2"));
	guest_stop(guest("a3"));
	dp_end(dp);
	/* The server sockets went with their vNICs. */
	assert_int_equal(access("/tmp", F_OK), 0);
	{
		char p[128];

		snprintf(p, sizeof(p), "%s/a1.sock", sock_dir);
		assert_int_equal(access(p, F_OK), -1);
	}
}

/* A frame built here, to a guest or the uplink. */
static uint32_t frame(uint8_t *buf, const char *dst, const char *src, uint8_t fill)
{
	uint8_t mac[6];

	memset(buf, fill, 60);
	assert_int_equal(sluice_model_parse_mac(dst, mac), 0);
	memcpy(buf, mac, 6);
	assert_int_equal(sluice_model_parse_mac(src, mac), 0);
	memcpy(buf + 6, mac, 6);
	buf[12] = 0x88; /* local experimental ethertype 0x88b5 */
	buf[13] = 0xb5;
	return 60;
}

static void expect_one(const char *ep, uint16_t q, const uint8_t *data, uint32_t len)
{
	struct sluice_test_frames *got = frames_new(), *exp = frames_new();

	exp->n = 1;
	exp->len[0] = len;
	memcpy(exp->data[0], data, len);
	collect(ep, q, got);
	frames_compare(ep, got, exp, true);
	free(got);
	free(exp);
}

/*
 * A vNIC in client mode (QEMU's socket is the server): sluice torn down and
 * started again connects again by itself, with no change on the guest's side.
 */
static void test_client_restart(void **state)
{
	struct sluice_dp *dp;
	struct sluice_vnic_stats vs;
	uint8_t f[64];
	uint32_t len;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		dp = dp_new(1);
		/* sluice's vhost client retries every second until the guest listens. */
		assert_int_equal(apply_file(dp, "vnic_client.yaml", NULL), 0);
		if (round == 0)
			guest_start(guest("c1")); /* returns once sluice has connected */
		wait_link(dp, guest("c1"), true);
		len = frame(f, "02:00:00:00:0d:09", "02:00:00:00:0c:01", (uint8_t)round);
		inject(dp, "up", f, len);
		expect_one("c1", 0, f, len);
		len = frame(f, "02:00:00:00:0c:01", "02:00:00:00:0d:09", (uint8_t)(0x10 + round));
		inject(dp, "c1", f, len);
		expect_one("up", 0, f, len);
		assert_int_equal(sluice_dp_vnic_stats(dp, "cli", "c1", &vs), 0);
		assert_int_equal(vs.rx_pkts, 1);
		assert_int_equal(vs.tx_pkts, 1);
		assert_true(vs.link_up);
		dp_end(dp);
	}
	guest_stop(guest("c1"));
}

/*
 * A switch-only tenant alone on its uplink port: the port's frames are read
 * up to their VLAN tags, so a frame whose IP header is bad still reaches the
 * guest (as through any L2 switch), while bad tags are refused as before.
 * With a tenant that has rules on another VLAN of the port, the port is
 * parsed whole again and the same frame is refused.
 */
static void test_uplink_tags_only(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	uint64_t drops[SLUICE_DROP_MAX];
	struct sluice_test_frames *got = frames_new();
	uint8_t bad_ip[64], three[64], untagged[64];
	uint32_t len;
	int round;

	(void)state;
	/* VLAN 100 to a1, IPv4 claiming 256 bytes in a 64-byte frame. */
	len = frame(bad_ip, "02:00:00:00:0a:01", "02:00:00:00:0c:01", 0x11);
	memmove(bad_ip + 16, bad_ip + 12, len - 12);
	bad_ip[12] = 0x81, bad_ip[13] = 0x00, bad_ip[14] = 0x00, bad_ip[15] = 100;
	bad_ip[16] = 0x08, bad_ip[17] = 0x00, bad_ip[18] = 0x45, bad_ip[19] = 0x00;
	bad_ip[20] = 0x01, bad_ip[21] = 0x00;
	len += 4;
	memcpy(untagged, bad_ip, 12);
	memcpy(untagged + 12, bad_ip + 16, len - 16);
	/* Three 802.1Q tags. */
	memcpy(three, bad_ip, len);
	three[16] = 0x81, three[17] = 0x00, three[18] = 0x00, three[19] = 100;
	three[20] = 0x81, three[21] = 0x00;

	for (round = 0; round < 2; round++) {
		assert_int_equal(apply_file(dp, round ? "vnic_tags_rules.yaml" : "vnic_tags.yaml",
					    NULL), 0);
		if (round == 0)
			guest_start(guest("a1"));
		wait_link(dp, guest("a1"), true);
		sluice_dp_clear_stats(dp);
		inject(dp, "up", bad_ip, len);
		inject(dp, "up", three, len);
		collect("a1", 0, got);
		if (round == 0) {
			assert_int_equal(got->n, 1);
			assert_int_equal(got->len[0], len - 4);
			assert_memory_equal(got->data[0], untagged, len - 4);
		} else {
			assert_int_equal(got->n, 0);
		}
		sluice_dp_drop_stats(dp, drops);
		assert_int_equal(drops[SLUICE_DROP_VLAN_TOO_MANY], 1);
		assert_int_equal(drops[SLUICE_DROP_IPV4_BAD_LEN], round);
	}
	guest_stop(guest("a1"));
	free(got);
	dp_end(dp);
}

/*
 * A guest that does not take its frames: its receive ring fills, the rest
 * are refused (tx_full), and the vNIC's counters say which went where
 * (sluice enqueues to the guest itself, past the vhost PMD's counters).
 */
static void test_guest_ring_full(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	struct sluice_vnic_stats vs;
	struct sluice_port_stats ps;
	uint64_t drops[SLUICE_DROP_MAX];
	struct sluice_test_frames *got = frames_new();
	unsigned int i, n = 0, sent = 600, avail;
	uint8_t f[64];
	uint32_t len;

	(void)state;
	avail = rte_mempool_avail_count(guest_pool);
	assert_int_equal(apply_file(dp, "vnic_tags.yaml", NULL), 0);
	guest_start(guest("a1"));
	wait_link(dp, guest("a1"), true);
	for (i = 0; i < sent; i++) {
		len = frame(f, "02:00:00:00:0a:01", "02:00:00:00:0c:01", (uint8_t)i);
		memmove(f + 16, f + 12, len - 12);
		f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 100;
		f[20] = (uint8_t)(i >> 8); /* every frame its own */
		inject(dp, "up", f, len + 4);
	}
	for (;;) {
		struct rte_mbuf *pkts[32];
		uint16_t k = rte_eth_rx_burst(guest("a1")->port, 0, pkts, RTE_DIM(pkts));

		if (k == 0)
			break;
		n += k;
		rte_pktmbuf_free_bulk(pkts, k);
	}
	assert_int_equal(sluice_dp_vnic_stats(dp, "acme", "a1", &vs), 0);
	assert_int_equal(sluice_dp_port_stats(dp, vs.port, &ps), 0);
	sluice_dp_drop_stats(dp, drops);
	fprintf(stderr, "guest ring: %u of %u frames taken\n", n, sent);
	/* 256 descriptors: the ring takes at most that many, and takes some. */
	assert_true(n > 0 && n <= 256);
	assert_int_equal(vs.tx_pkts, n);
	assert_int_equal(vs.hw_opackets, n);
	assert_int_equal(vs.hw_oerrors, sent - n);
	assert_int_equal(ps.hw_opackets, n);
	assert_int_equal(ps.hw_oerrors, sent - n);
	assert_int_equal(drops[SLUICE_DROP_TX_FULL], sent - n);
	/* Taken again once the guest has read its ring. */
	len = frame(f, "02:00:00:00:0a:01", "02:00:00:00:0c:01", 0x77);
	memmove(f + 16, f + 12, len - 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 100;
	inject(dp, "up", f, len + 4);
	collect("a1", 0, got);
	assert_int_equal(got->n, 1);
	assert_int_equal(sluice_dp_vnic_stats(dp, "acme", "a1", &vs), 0);
	assert_int_equal(vs.hw_opackets, n + 1);
	guest_stop(guest("a1"));
	/* The frames came from the test's pool: every one back, refused or not. */
	assert_int_equal(rte_mempool_avail_count(guest_pool), avail);
	free(got);
	dp_end(dp);
}

/*
 * Two workers: a two-queue vNIC's queues go to one worker each; a
 * single-queue vNIC is sent to by the worker without a queue of its own
 * through a ring that the queue's owner drains.
 */
static void test_multiqueue(void **state)
{
	struct sluice_dp *dp = dp_new(2);
	struct sluice_worker_stats w0, w1;
	struct sluice_vnic_stats vs;
	struct sluice_test_frames *got = frames_new(), *exp = frames_new();
	struct rte_mbuf *m;
	uint32_t len;
	unsigned int n;

	(void)state;
	assert_int_equal(apply_file(dp, "vnic_multi.yaml", NULL), 0);
	guest_start(guest("mq"));
	guest_start(guest("sq"));
	wait_link(dp, guest("mq"), true);
	wait_link(dp, guest("sq"), true);

	/* mq sends one frame for sq on each of its queues. */
	exp->n = 2;
	for (n = 0; n < 2; n++) {
		exp->len[n] = len = frame(exp->data[n], "02:00:00:00:0e:02", "02:00:00:00:0e:01",
					  (uint8_t)(0x20 + n));
		m = mbuf_from(exp->data[n], len);
		assert_int_equal(rte_eth_tx_burst(guest("mq")->port, (uint16_t)n, &m, 1), 1);
	}
	/* Worker 1 polls mq's queue 1 only; it has no queue of sq's: the frame waits in a ring. */
	for (n = 0; n < POLL_MAX; n++) {
		assert_int_equal(sluice_dp_worker_stats(dp, 1, &w1), 0);
		if (w1.rx_pkts == 1)
			break;
		sluice_dp_worker_poll(dp, 1);
	}
	sluice_dp_worker_flush(dp, 1);
	assert_int_equal(sluice_dp_worker_stats(dp, 0, &w0), 0);
	assert_int_equal(w1.rx_pkts, 1);
	assert_int_equal(w0.rx_pkts, 0);
	collect("sq", 0, got);
	assert_int_equal(got->n, 0);
	/* Worker 0 polls mq's queue 0, and sends both on sq's only queue. */
	for (n = 0; n < POLL_MAX; n++) {
		assert_int_equal(sluice_dp_worker_stats(dp, 0, &w0), 0);
		if (w0.rx_pkts == 1)
			break;
		sluice_dp_worker_poll(dp, 0);
	}
	sluice_dp_worker_poll(dp, 0); /* drains the ring if the first poll was before */
	sluice_dp_worker_flush(dp, 0);
	assert_int_equal(w0.rx_pkts, 1);
	collect("sq", 0, got);
	frames_compare("sq", got, exp, false);
	assert_int_equal(sluice_dp_vnic_stats(dp, "multi", "sq", &vs), 0);
	assert_int_equal(vs.tx_pkts, 2);
	assert_int_equal(sluice_dp_worker_stats(dp, 0, &w0), 0);
	assert_int_equal(sluice_dp_worker_stats(dp, 1, &w1), 0);
	assert_int_equal(w0.tx_pkts + w1.tx_pkts, 2);

	/* sq's queue is worker 1's; it reaches mq on its own queue 1. */
	exp->n = 1;
	exp->len[0] = len = frame(exp->data[0], "02:00:00:00:0e:01", "02:00:00:00:0e:02", 0x30);
	m = mbuf_from(exp->data[0], len);
	assert_int_equal(rte_eth_tx_burst(guest("sq")->port, 0, &m, 1), 1);
	for (n = 0; n < POLL_MAX; n++) {
		assert_int_equal(sluice_dp_worker_stats(dp, 1, &w1), 0);
		if (w1.rx_pkts == 2)
			break;
		sluice_dp_worker_poll(dp, 1);
	}
	sluice_dp_worker_flush(dp, 1);
	collect("mq", 0, got);
	assert_int_equal(got->n, 0);
	collect("mq", 1, got);
	frames_compare("mq queue 1", got, exp, true);

	guest_stop(guest("mq"));
	guest_stop(guest("sq"));
	free(got);
	free(exp);
	dp_end(dp);
}

/* A UDP/IPv4 frame of `len` bytes; its UDP checksum only over the pseudo-header when `partial`. */
static uint32_t udp_frame(uint8_t *buf, uint32_t len, const char *dst, const char *src,
			  bool partial)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint32_t i;

	frame(buf, dst, src, 0);
	buf[12] = 0x08;
	buf[13] = 0x00;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(len - 14));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 15, 0, 2));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 15, 0, 9));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(40000);
	udp->dst_port = rte_cpu_to_be_16(7);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(len - 34));
	udp->dgram_cksum = 0;
	for (i = 42; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	udp->dgram_cksum = partial ? rte_ipv4_phdr_cksum(ip, RTE_MBUF_F_TX_IPV4 |
							     RTE_MBUF_F_TX_UDP_CKSUM)
				   : rte_ipv4_udptcp_cksum(ip, udp);
	return len;
}

/*
 * Guests negotiate what they like of what sluice offers: a packed ring
 * without mergeable buffers (p1) and a split ring with them (p2) exchange
 * small and full-size frames byte for byte. p2 offloads its UDP checksum
 * (virtio-net's NEEDS_CSUM): the frame leaves the uplink, and reaches p1,
 * with the checksum complete.
 */
static void test_features(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	struct sluice_vnic_stats vs;
	struct rte_mbuf *m;
	uint8_t f[FRAME_MAX], full[FRAME_MAX];
	uint32_t len;

	(void)state;
	assert_int_equal(apply_file(dp, "vnic_features.yaml", NULL), 0);
	guest_start(guest("p1"));
	guest_start(guest("p2"));
	wait_link(dp, guest("p1"), true);
	wait_link(dp, guest("p2"), true);

	len = frame(f, "02:00:00:00:0f:02", "02:00:00:00:0f:01", 0x41);
	inject(dp, "p1", f, len);
	expect_one("p2", 0, f, len);
	len = frame(f, "02:00:00:00:0f:01", "02:00:00:00:0f:02", 0x42);
	inject(dp, "p2", f, len);
	expect_one("p1", 0, f, len);
	len = udp_frame(f, 1514, "02:00:00:00:0f:02", "02:00:00:00:0f:01", false);
	inject(dp, "p1", f, len);
	expect_one("p2", 0, f, len);
	len = udp_frame(f, 1514, "02:00:00:00:0f:01", "02:00:00:00:0f:02", false);
	inject(dp, "p2", f, len);
	expect_one("p1", 0, f, len);

	/* Checksum offload: to a MAC nobody has, so flooded to the uplink and p1. */
	len = udp_frame(f, 300, "02:00:00:00:0f:77", "02:00:00:00:0f:02", true);
	udp_frame(full, 300, "02:00:00:00:0f:77", "02:00:00:00:0f:02", false);
	assert_memory_not_equal(f + 40, full + 40, 2);
	m = mbuf_from(f, len);
	m->l2_len = 14;
	m->l3_len = 20;
	m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_UDP_CKSUM;
	{
		uint64_t before = ep_rx(dp, "p2");
		unsigned int n;

		assert_int_equal(rte_eth_tx_burst(guest("p2")->port, 0, &m, 1), 1);
		for (n = 0; ep_rx(dp, "p2") == before && n < POLL_MAX; n++)
			sluice_dp_worker_poll(dp, 0);
		assert_int_equal(ep_rx(dp, "p2"), before + 1);
		sluice_dp_worker_flush(dp, 0);
	}
	expect_one("up", 0, full, len);
	expect_one("p1", 0, full, len);

	assert_int_equal(sluice_dp_vnic_stats(dp, "feat", "p2", &vs), 0);
	assert_int_equal(vs.rx_pkts, 3);
	assert_int_equal(vs.tx_pkts, 2);
	assert_int_equal(sluice_dp_vnic_stats(dp, "feat", "p1", &vs), 0);
	assert_int_equal(vs.rx_pkts, 2);
	assert_int_equal(vs.tx_pkts, 3);
	guest_stop(guest("p1"));
	guest_stop(guest("p2"));
	dp_end(dp);
}

/* Sockets sluice must not take: outside its directory, someone else's, not a socket. */
static void test_socket_refusals(void **state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sluice_dp *dp = dp_new(1);
	struct sluice_config *cfg;
	struct sluice_err err;
	struct sluice_vnic v;
	struct sluice_tenant *t;
	char expect[256];
	int fd;

	(void)state;
	cfg = sluice_config_new(0);
	assert_int_equal(sluice_model_tenant_add(cfg, "t", (struct sluice_pos){0, 0}, &t, &err), 0);
	memset(&v, 0, sizeof(v));
	snprintf(v.name, sizeof(v.name), "v");
	v.queues = 1;
	assert_int_equal(sluice_model_parse_mac("02:00:00:00:0f:01", v.mac), 0);

	snprintf(v.socket, sizeof(v.socket), "/tmp/elsewhere.sock");
	assert_int_equal(sluice_model_vnic_add(cfg, t, &v, &err), 0);
	assert_int_equal(sluice_dp_apply(dp, cfg, &err), -EACCES);
	snprintf(expect, sizeof(expect),
		 "vnic 'v' of tenant 't': socket '/tmp/elsewhere.sock' is not in %s", sock_dir);
	assert_string_equal(err.msg, expect);
	assert_string_equal(err.field, "socket");

	/* A listening socket: another process serves it. */
	assert_int_equal(sluice_model_vnic_del(t, "v", &err), 0);
	snprintf(v.socket, sizeof(v.socket), "%s/busy.sock", sock_dir);
	assert_int_equal(sluice_model_vnic_add(cfg, t, &v, &err), 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", v.socket);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(sluice_dp_apply(dp, cfg, &err), -EADDRINUSE);
	snprintf(expect, sizeof(expect), "socket '%s' is served by another process", v.socket);
	assert_string_equal(err.msg, expect);
	/* Closed, it is a leftover: removed, and the vNIC comes up. */
	close(fd);
	assert_int_equal(sluice_dp_apply(dp, cfg, &err), 0);
	assert_int_equal(sluice_dp_vnic_stats(dp, "t", "v", &(struct sluice_vnic_stats){0}), 0);

	/* A regular file is never removed. */
	assert_int_equal(sluice_model_vnic_del(t, "v", &err), 0);
	snprintf(v.socket, sizeof(v.socket), "%s/file", sock_dir);
	assert_int_equal(sluice_model_vnic_add(cfg, t, &v, &err), 0);
	fd = open(v.socket, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sluice_dp_apply(dp, cfg, &err), -EEXIST);
	snprintf(expect, sizeof(expect), "socket '%s' exists and is not a socket", v.socket);
	assert_string_equal(err.msg, expect);
	assert_int_equal(access(v.socket, F_OK), 0);
	unlink(v.socket);
	/* The failed apply removed the busy.sock vNIC it replaced; the table has no vNIC. */
	assert_int_equal(sluice_dp_vnic_stats(dp, "t", "v", &(struct sluice_vnic_stats){0}), -ENOENT);
	sluice_config_free(cfg);
	dp_end(dp);
}

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
	char *eal[] = {argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
		       "--no-telemetry", "--lcores", "0@0,1@1,2@1", "--log-level", "lib.eal:error",
		       "--log-level", "pmd.net.vhost:warning", "--log-level", "lib.vhost.*:critical",
		       "--log-level", "pmd.net.virtio.*:critical"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switching),
		cmocka_unit_test(test_client_restart),
		cmocka_unit_test(test_uplink_tags_only),
		cmocka_unit_test(test_guest_ring_full),
		cmocka_unit_test(test_multiqueue),
		cmocka_unit_test(test_socket_refusals),
		cmocka_unit_test(test_features),
		SLUICE_TEST_FDS_UNCHANGED,
	};
	/* The uplink is port 0; two TX queues (two workers) onto one multi-producer ring. */
	const struct sluice_test_ring_ports uplink = {
		.name = "up", .nb_ports = 1, .nb_rxq = 1, .nb_txq = 2, .tx_one_ring = true,
		.rx_size = RING_SZ, .tx_size = RING_SZ, .rx = &up_rx, .tx = &up_tx,
	};
	int ret;

	(void)argc;
	/* A guest (virtio_user) whose vNIC went away writes to a closed socket without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(sock_dir, sizeof(sock_dir), "/tmp/sluice-vnic-%d", (int)getpid());
	if (mkdir(sock_dir, 0700) != 0 && errno != EEXIST)
		return 1;
	if (sluice_test_eal_init((int)RTE_DIM(eal), eal, &uplink) != 0)
		return 1;
	guest_pool = rte_pktmbuf_pool_create("guest", 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     (int)rte_socket_id());
	if (guest_pool == NULL) {
		fprintf(stderr, "cannot create the guests' pool\n");
		return 1;
	}
	/*
	 * The vhost library opens its event thread's pipes with the first socket
	 * it serves, once per process: have that happen before the descriptors
	 * are counted.
	 */
	{
		char warm[128];

		snprintf(warm, sizeof(warm), "%s/warm.sock", sock_dir);
		if (rte_vhost_driver_register(warm, 0) != 0 || rte_vhost_driver_start(warm) != 0 ||
		    rte_vhost_driver_unregister(warm) != 0)
			return 1;
		unlink(warm);
	}
	ret = cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
	rte_eal_cleanup();
	rmdir(sock_dir);
	return ret;
}
