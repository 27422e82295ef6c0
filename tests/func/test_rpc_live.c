/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Changes over JSON-RPC while traffic flows: one DPDK process, ring ports,
 * the data plane's worker driven from this thread with a steady stream of
 * frames, and a client thread applying 1,000 flow and tenant changes through
 * the real server socket (each one published by sluice_dp_apply() with RCU).
 *
 * Every frame carries its sequence number. The poll it was processed in is
 * known (each poll takes everything injected before it), and the client
 * records, for every change, how many polls had completed before it sent the
 * request (B) and after the answer came (A). A frame processed in a poll
 * before B must take the old path, after A the new one, in between either:
 * each frame is checked against exactly that, each is seen once, and
 * nothing is dropped.
 *
 *   t0      match port 0, default forward 2
 *   fK      (50 of them) an exact UDP flow of t0: forward 1
 *   vV      (10 of them) match port 0 VLAN V+1, default forward 3
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sluice_func.h"
#include "sluice_test.h"

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sluice_dp.h"
#include "sluice_rpc.h"

#define NPORTS 4
#define RING_SZ 1024
#define NFLOWS 50
#define NVLANS 10
#define NSTREAMS (NFLOWS + NVLANS)
#define PER_POLL 12 /* frames per poll: every stream once in NSTREAMS / PER_POLL polls */
#define CYCLES 250  /* x 4 changes = 1,000 */
#define MAX_PKTS (64u << 20)
#define FRAME_LEN 64
#define TAIL_POLLS 200
#define SETTLE_POLLS (3 * NSTREAMS / PER_POLL)
#define WAIT_S 60

static struct rte_ring *rx_ring[NPORTS], *tx_ring[NPORTS];

/* ---- the data plane and the RPC around it --------------------------------------- */

static struct sluice_dp *dp;

static const struct sluice_config *ops_config(void *arg)
{
	(void)arg;
	return sluice_dp_config(dp);
}

static int ops_apply(void *arg, const struct sluice_config *cfg, struct sluice_err *err)
{
	(void)arg;
	return sluice_dp_apply(dp, cfg, err);
}

/* ---- the change log --------------------------------------------------------------- */

struct change {
	uint16_t stream;
	uint8_t port;	 /* where the stream goes once the change is in */
	uint64_t before; /* polls completed before the request was sent */
	uint64_t after;	 /* polls completed after the answer came */
};

static struct change changes[4 * CYCLES];
static _Atomic uint64_t polls_done;
static _Atomic bool client_done;
static char client_error[512];
static char sock_path[128];

static int client_call(int fd, const char *method, json_t *params, unsigned int i)
{
	json_t *r = sluice_rpc_call(fd, method, params, 30000);

	json_decref(params);
	if (r == NULL || json_object_get(r, "error") != NULL) {
		char *s = r ? json_dumps(r, 0) : NULL;

		snprintf(client_error, sizeof(client_error), "change %u (%s): %s", i, method,
			 s ? s : strerror(errno));
		free(s);
		json_decref(r);
		return -1;
	}
	json_decref(r);
	return 0;
}

static void *client_main(void *arg)
{
	int fd = sluice_rpc_connect(sock_path);
	const struct timespec nap = {0, 20000};
	unsigned int i, n = 0;

	(void)arg;
	if (fd < 0) {
		snprintf(client_error, sizeof(client_error), "connect: %s", strerror(-fd));
		atomic_store(&client_done, true);
		return NULL;
	}
	for (i = 0; i < CYCLES; i++) {
		unsigned int k = i % NFLOWS, v = i % NVLANS, step;
		char name[16], src[32];

		snprintf(src, sizeof(src), "10.0.0.%u", k + 1);
		for (step = 0; step < 4; step++) {
			struct change *c = &changes[n];
			json_t *p;
			const char *m;

			if (step % 2 == 0)
				snprintf(name, sizeof(name), "f%u", k);
			else
				snprintf(name, sizeof(name), "v%u", v);
			switch (step) {
			case 0:
				m = "flow_add";
				p = json_pack("{s:s,s:s,s:{s:s,s:s,s:s,s:i,s:i},s:{s:i}}", "tenant",
					      "t0", "name", name, "match", "proto", "udp", "src",
					      src, "dst", "10.0.1.1", "sport", 1000 + k, "dport",
					      2000, "actions", "forward", 1);
				c->stream = (uint16_t)k, c->port = 1;
				break;
			case 1:
				m = "tenant_add";
				p = json_pack("{s:s,s:[{s:i,s:i}],s:{s:i}}", "name", name, "match",
					      "port", 0, "vlan", v + 1, "default", "forward", 3);
				c->stream = (uint16_t)(NFLOWS + v), c->port = 3;
				break;
			case 2:
				m = "flow_del";
				p = json_pack("{s:s,s:s}", "tenant", "t0", "name", name);
				c->stream = (uint16_t)k, c->port = 2;
				break;
			default:
				m = "tenant_del";
				p = json_pack("{s:s}", "name", name);
				c->stream = (uint16_t)(NFLOWS + v), c->port = 2;
				break;
			}
			c->before = atomic_load(&polls_done);
			if (client_call(fd, m, p, n) < 0)
				goto out;
			c->after = atomic_load(&polls_done);
			n++;
			/*
			 * Let a few polls run on the new table before the next change, so
			 * that every state is seen by every stream (on two busy cores an
			 * apply may otherwise fall between two polls and its successor
			 * follow before the next one). Bounded.
			 */
			if (!SLUICE_TEST_WAIT(atomic_load(&polls_done) >= c->after + SETTLE_POLLS,
					      10, nanosleep(&nap, NULL))) {
				snprintf(client_error, sizeof(client_error),
					 "change %u: no poll for 10 s", n - 1);
				goto out;
			}
		}
	}
out:
	close(fd);
	atomic_store(&client_done, true);
	return NULL;
}

/* ---- frames ---------------------------------------------------------------------- */

/* Stream s, sequence number seq in the last four bytes. */
static struct rte_mbuf *frame(struct rte_mempool *mp, unsigned int s, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	size_t l2 = s < NFLOWS ? 14 : 18;
	uint16_t ip_len = (uint16_t)(FRAME_LEN - l2);

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, FRAME_LEN);
	assert_non_null(p);
	memset(p, 0, FRAME_LEN);
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (s < NFLOWS) {
		p[12] = 0x08;
	} else {
		p[12] = 0x81;
		p[15] = (uint8_t)(s - NFLOWS + 1); /* VLAN ID */
		p[16] = 0x08;
	}
	ip = (struct rte_ipv4_hdr *)(p + l2);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = 17;
	if (s < NFLOWS)
		ip->src_addr = rte_cpu_to_be_32(0x0a000000u | (s + 1));
	else
		ip->src_addr = rte_cpu_to_be_32(0x0a010001u | ((s - NFLOWS) << 8));
	ip->dst_addr = rte_cpu_to_be_32(0x0a000101u);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(s < NFLOWS ? 1000 + s : 3000));
	udp->dst_port = rte_cpu_to_be_16(2000);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len - 20));
	memcpy(p + FRAME_LEN - 4, &seq, 4);
	return m;
}

static uint8_t *seen; /* [seq]: output port + 1, 0 not seen */
static uint64_t dup_frames, stray_frames;

static void drain_tx(void)
{
	struct rte_mbuf *m;
	unsigned int port;

	for (port = 0; port < NPORTS; port++)
		while (rte_ring_dequeue(tx_ring[port], (void **)&m) == 0) {
			uint32_t seq;

			if (m->pkt_len != FRAME_LEN) {
				stray_frames++;
			} else {
				memcpy(&seq, rte_pktmbuf_mtod_offset(m, uint8_t *, FRAME_LEN - 4),
				       4);
				if (seq >= MAX_PKTS)
					stray_frames++;
				else if (seen[seq])
					dup_frames++;
				else
					seen[seq] = (uint8_t)(port + 1);
			}
			rte_pktmbuf_free(m);
		}
}

/*
 * One step of the stream: PER_POLL frames in, one poll, collect. `tail` counts
 * the polls after the client is done.
 */
static void stream_poll(struct rte_mempool *mp, uint32_t *injected, unsigned int *tail)
{
	unsigned int k;

	for (k = 0; k < PER_POLL && *injected < MAX_PKTS; k++, (*injected)++)
		assert_int_equal(
		    rte_ring_enqueue(rx_ring[0], frame(mp, *injected % NSTREAMS, *injected)), 0);
	sluice_dp_worker_poll(dp, 0);
	/* Everything injected was taken by this poll: frame -> poll is exact. */
	assert_int_equal(rte_ring_count(rx_ring[0]), 0);
	atomic_fetch_add(&polls_done, 1);
	sluice_dp_worker_flush(dp, 0);
	drain_tx();
	if (atomic_load(&client_done))
		(*tail)++;
}

/* ---- the test ---------------------------------------------------------------------- */

static void test_live_changes(void **state)
{
	struct sluice_dp_opts o = {
	    .sz = sizeof(o),
	    .nb_workers = 1,
	    .nb_rxq = 1,
	    .nb_txq = 1,
	    .nb_mbufs = 4095,
	    .burst = 64,
	    .ports_preconfigured = true,
	};
	struct sluice_rpc_opts ro = {
	    .sz = sizeof(ro),
	    .ops = {.config = ops_config, .apply = ops_apply},
	};
	struct sluice_rpc_server_opts so = {.sz = sizeof(so), .no_tenant_sockets = true};
	struct sluice_rpc *rpc;
	struct sluice_rpc_server *srv;
	struct sluice_config *cfg;
	struct sluice_tenant *t0;
	struct sluice_actions fwd2 = {.flags = SLUICE_ACT_FORWARD, .port = 2};
	struct sluice_match m0 = {.kind = SLUICE_MATCH_PORT, .port = 0};
	struct sluice_err err;
	uint64_t drops[SLUICE_DROP_MAX], in_window = 0, per_port[NPORTS] = {0};
	uint32_t injected = 0, seq;
	uint8_t state_now[NSTREAMS];
	unsigned int next_change[NSTREAMS] = {0}, i, k, tail = 0, n_changes;
	static unsigned int list[NSTREAMS][64], nlist[NSTREAMS];
	bool saw_new[NSTREAMS] = {false}, saw_old[NSTREAMS] = {false};
	struct rte_mempool *mp;
	char dir[] = "/tmp/sluice-live-XXXXXX";
	pthread_t th;
	cpu_set_t mine, other;
	int fds = sluice_test_fd_count();

	(void)state;
	seen = calloc(MAX_PKTS, 1);
	assert_non_null(seen);
	dp = sluice_dp_create(&o);
	assert_non_null(dp);
	mp = sluice_dp_pool(dp);
	cfg = sluice_config_new(NPORTS);
	assert_int_equal(sluice_model_tenant_add(cfg, "t0", (struct sluice_pos){0, 0}, &t0, &err),
			 0);
	assert_int_equal(sluice_model_match_add(cfg, t0, &m0, &err), 0);
	assert_int_equal(sluice_model_default_set(cfg, t0, &fwd2, &err), 0);
	assert_int_equal(sluice_dp_apply(dp, cfg, &err), 0);
	sluice_config_free(cfg);

	rpc = sluice_rpc_new(&ro);
	assert_non_null(rpc);
	assert_non_null(mkdtemp(dir));
	so.dir = dir;
	/*
	 * This thread busy-polls on lcore 0's CPU; threads it creates inherit that
	 * CPU and would only run when the scheduler preempts it. The server and
	 * the client get the other one (lcore 1's, unused: no worker is launched).
	 */
	CPU_ZERO(&other);
	CPU_SET(1, &other);
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(mine), &mine), 0);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(other), &other), 0);
	srv = sluice_rpc_server_start(rpc, &so);
	assert_non_null(srv);
	snprintf(sock_path, sizeof(sock_path), "%s/admin.sock", dir);
	assert_int_equal(pthread_create(&th, NULL, client_main, NULL), 0);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(mine), &mine), 0);

	/* The stream: PER_POLL frames, one poll, collect; until the client is done and then some.
	 */
	SLUICE_TEST_WAIT(tail >= TAIL_POLLS, WAIT_S, stream_poll(mp, &injected, &tail));
	assert_true(tail == TAIL_POLLS);
	assert_true(injected < MAX_PKTS); /* the stream never stopped early */
	pthread_join(th, NULL);
	if (client_error[0])
		fail_msg("client: %s", client_error);
	sluice_dp_worker_flush(dp, 0);
	drain_tx();

	/* Every frame once, none elsewhere, nothing dropped. */
	assert_int_equal(dup_frames, 0);
	assert_int_equal(stray_frames, 0);
	sluice_dp_drop_stats(dp, drops);
	for (i = 0; i < SLUICE_DROP_MAX; i++)
		if (drops[i] != 0)
			fail_msg("drop %s: %" PRIu64, sluice_drop_name(i), drops[i]);
	{
		struct sluice_port_stats ps;

		assert_int_equal(sluice_dp_port_stats(dp, 0, &ps), 0);
		assert_int_equal(ps.rx_pkts, injected);
	}

	/* Each frame went where the table of its poll sent it: old or new around a change. */
	n_changes = 4 * CYCLES;
	for (i = 0; i < NSTREAMS; i++)
		state_now[i] = 2;
	for (i = 0; i < n_changes; i++) {
		unsigned int s = changes[i].stream;

		assert_true(nlist[s] < sizeof(list[s]) / sizeof(list[s][0]));
		list[s][nlist[s]++] = i;
	}
	for (seq = 0; seq < injected; seq++) {
		unsigned int s = seq % NSTREAMS;
		uint64_t poll = seq / PER_POLL;
		uint8_t got = seen[seq] ? (uint8_t)(seen[seq] - 1) : 0xff;
		bool ok = false;

		if (got == 0xff)
			fail_msg("frame %u (stream %u, poll %" PRIu64 ") was lost", seq, s, poll);
		per_port[got]++;
		/* Changes of this stream that completed before this poll could have started. */
		for (;;) {
			const struct change *c =
			    next_change[s] < nlist[s] ? &changes[list[s][next_change[s]]] : NULL;

			if (c == NULL) {
				ok = got == state_now[s];
				break;
			}
			if (poll < c->before) {
				ok = got == state_now[s];
				break;
			}
			if (poll <= c->after) {
				ok = got == state_now[s] || got == c->port;
				in_window++;
				break;
			}
			state_now[s] = c->port;
			next_change[s]++;
		}
		if (!ok)
			fail_msg("frame %u (stream %u, poll %" PRIu64
				 ") went to port %u, expected %u",
				 seq, s, poll, got, state_now[s]);
		if (got == 2)
			saw_old[s] = true;
		else
			saw_new[s] = true;
	}
	printf("live: %u frames over %" PRIu64 " polls while %u changes were applied; "
	       "%" PRIu64 " frames in flight during a change; ports 1/2/3: %" PRIu64 "/%" PRIu64
	       "/%" PRIu64 "\n",
	       injected, atomic_load(&polls_done), n_changes, in_window, per_port[1], per_port[2],
	       per_port[3]);
	assert_int_equal(per_port[0], 0);
	assert_int_equal(per_port[1] + per_port[2] + per_port[3], injected);
	/* The test tested something: every stream took both paths, frames crossed changes. */
	for (i = 0; i < NSTREAMS; i++)
		if (!saw_old[i] || !saw_new[i]) {
			for (k = 0; k < nlist[i]; k++)
				fprintf(stderr,
					"  change %u: port %u before %" PRIu64 " after %" PRIu64
					"\n",
					list[i][k], changes[list[i][k]].port,
					changes[list[i][k]].before, changes[list[i][k]].after);
			fail_msg("stream %u: old path %d, new path %d", i, saw_old[i], saw_new[i]);
		}
	assert_true(in_window > 0);

	/* The final state: every flow and extra tenant gone again. */
	assert_int_equal(sluice_dp_config(dp)->nb_tenants, 1);
	assert_int_equal(sluice_dp_config(dp)->tenants[0].nb_flows, 0);
	sluice_rpc_server_stop(srv);
	sluice_rpc_free(rpc);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(rte_mempool_avail_count(mp), mp->size);
	sluice_dp_destroy(dp);
	free(seen);
	sluice_test_assert_fds(fds);
}

int main(int argc, char **argv)
{
	char *eal[] = {argv[0],	       "--no-huge",	 "-m",	     "256",	"--no-pci",
		       "--no-shconf",  "--no-telemetry", "--lcores", "0@0,1@1", "--log-level",
		       "lib.eal:error"};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_live_changes),
	};
	/* Room in the TX rings for everything a poll sends while the test checks. */
	const struct sluice_test_ring_ports ports = {
	    .name = "lp", .nb_ports = NPORTS, .nb_rxq = 1, .nb_txq = 1,
	    .rx_size = RING_SZ, .tx_size = RING_SZ * 4, .rx = rx_ring, .tx = tx_ring,
	};
	int ret;

	(void)argc;
	if (sluice_test_eal_init((int)RTE_DIM(eal), eal, &ports) != 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
