/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functional tests of the data plane: one DPDK process, four ring ports whose
 * rings this test owns. Input frames and the expected output frames are built
 * by scapy (tests/func/vectors.py), which also writes the counters each step
 * must leave (SCN_STEP_expect.txt). The test injects the frames, drives the
 * worker (from this thread, or on real lcores), and compares every output
 * frame byte for byte and every counter exactly.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sluice_func.h"
#include "sluice_test.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

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

#define NPORTS 4
#define NQ 2
#define RING_SZ 1024
#define MAX_FRAMES 256
#define FRAME_MAX 2048
/* Bounds for loops that wait for a condition. */
#define POLL_MAX 10000
#define WAIT_S 10

static struct rte_ring *rx_ring[NPORTS][NQ], *tx_ring[NPORTS][NQ];
/* Descriptors open when the data plane was created (none may be left behind). */
static int fds_before;

/* ---- errors: collect every mismatch of a case, fail once at the end ---------- */

static void expect_u64(const char *what, const char *name, uint64_t got, uint64_t exp)
{
	if (got != exp)
		sluice_test_mismatch("%s %s: got %" PRIu64 ", expected %" PRIu64, what, name, got,
				     exp);
}

/* ---- pcap files (written by vectors.py: little endian, Ethernet) ------------ */

/* Frames of a pcap file or of a port's output. */
#define frames_new() sluice_test_frames_new(MAX_FRAMES, FRAME_MAX)

static void vec_path(char *buf, size_t n, const char *scn, const char *step, const char *what,
		     int port)
{
	if (port >= 0)
		snprintf(buf, n, "%s/%s_%s_%s_p%d.pcap", SLUICE_VECTORS, scn, step, what, port);
	else
		snprintf(buf, n, "%s/%s_%s_%s", SLUICE_VECTORS, scn, step, what);
}

/* ---- data plane setup ----------------------------------------------------- */

static struct sluice_dp *dp_new(uint16_t workers)
{
	struct sluice_dp_opts o = {
		.sz = sizeof(o),
		.nb_workers = workers,
		.nb_rxq = NQ,
		.nb_txq = NQ,
		.nb_mbufs = 4095,
		.clock = sluice_test_clock,
		.ports_preconfigured = true,
	};
	struct sluice_dp *dp;

	sluice_test_mismatch_reset();
	fds_before = sluice_test_fd_count();
	sluice_test_clock_set(rte_rdtsc());
	dp = sluice_dp_create(&o);
	if (dp == NULL)
		fail_msg("sluice_dp_create: %s", strerror(errno));
	assert_int_equal(sluice_dp_nb_ports(dp), NPORTS);
	return dp;
}

static void rings_assert_empty(void)
{
	unsigned int p, q;

	for (p = 0; p < NPORTS; p++)
		for (q = 0; q < NQ; q++) {
			assert_int_equal(rte_ring_count(rx_ring[p][q]), 0);
			assert_int_equal(rte_ring_count(tx_ring[p][q]), 0);
		}
}

/* Every mbuf back in the pool, every ring empty; then the data plane goes. */
static void dp_end(struct sluice_dp *dp)
{
	struct rte_mempool *mp = sluice_dp_pool(dp);

	rings_assert_empty();
	assert_int_equal(rte_mempool_avail_count(mp), mp->size);
	sluice_dp_destroy(dp);
	assert_int_equal(sluice_test_mismatches(), 0);
	sluice_test_assert_fds(fds_before);
}

struct apply_job {
	struct sluice_dp *dp;
	const struct sluice_config *cfg;
	struct sluice_err err;
	int rc;
	_Atomic bool done;
};

static void *apply_thread(void *arg)
{
	struct apply_job *j = arg;

	j->rc = sluice_dp_apply(j->dp, j->cfg, &j->err);
	atomic_store(&j->done, true);
	return NULL;
}

/*
 * Apply a tenant file from another thread while this one keeps polling
 * worker 0, so every apply also runs concurrently with a reader (the RCU
 * wait must cover the poll in flight). With launched workers, apply directly.
 */
static int apply_file(struct sluice_dp *dp, const char *file, bool launched,
		      struct sluice_err *err)
{
	struct sluice_config *cfg = sluice_test_config_load(file);
	struct apply_job j = { .dp = dp, .cfg = cfg };
	pthread_t th;

	if (launched) {
		j.rc = sluice_dp_apply(dp, cfg, &j.err);
	} else {
		assert_int_equal(pthread_create(&th, NULL, apply_thread, &j), 0);
		SLUICE_TEST_WAIT(atomic_load(&j.done), WAIT_S, sluice_dp_worker_poll(dp, 0));
		assert_true(atomic_load(&j.done));
		pthread_join(th, NULL);
	}
	if (err)
		*err = j.err;
	sluice_config_free(cfg);
	return j.rc;
}

/* ---- traffic -------------------------------------------------------------- */

/*
 * Inject SCN_STEP_in_pP.pcap on every port. queues == 1: everything on queue
 * 0, port after port, worker 0 polled from here until the ring is empty (so
 * outputs come in the order vectors.py wrote them). queues == 2: frames
 * alternate between queues 0 and 1, nobody polls here (launched workers).
 * Returns the number of frames injected.
 */
static unsigned int inject(struct sluice_dp *dp, const char *scn, const char *step,
			   unsigned int queues, uint32_t seg, bool poll)
{
	struct sluice_test_frames *f = frames_new();
	char path[512];
	unsigned int p, i, total = 0, n;

	for (p = 0; p < NPORTS; p++) {
		vec_path(path, sizeof(path), scn, step, "in", (int)p);
		sluice_test_pcap_load(path, f);
		for (i = 0; i < f->n; i++) {
			struct rte_mbuf *m =
			    sluice_test_mbuf(sluice_dp_pool(dp), f->data[i], f->len[i], seg);

			if (seg && f->len[i] > seg)
				assert_true(m->nb_segs >= 2 && m->data_len == seg);
			assert_int_equal(rte_ring_enqueue(rx_ring[p][i % queues], m), 0);
		}
		total += f->n;
		for (n = 0; poll && rte_ring_count(rx_ring[p][0]) > 0 && n < POLL_MAX; n++)
			sluice_dp_worker_poll(dp, 0);
		if (poll)
			assert_int_equal(rte_ring_count(rx_ring[p][0]), 0);
	}
	if (poll)
		sluice_dp_worker_flush(dp, 0);
	free(f);
	return total;
}

/* Dequeue every frame transmitted on `port` (both TX queues), linearised. */
static void collect(uint16_t port, struct sluice_test_frames *out)
{
	struct rte_mbuf *m;
	unsigned int q;

	out->n = 0;
	for (q = 0; q < NQ; q++)
		while (rte_ring_dequeue(tx_ring[port][q], (void **)&m) == 0)
			sluice_test_frames_add(out, m);
}

struct mask {
	int port;
	uint32_t off, len;
};

static int frame_cmp(const struct sluice_test_frames *a, unsigned int i,
		     const struct sluice_test_frames *b, unsigned int j, const struct mask *mk)
{
	uint32_t k;

	if (a->len[i] != b->len[j])
		return a->len[i] < b->len[j] ? -1 : 1;
	for (k = 0; k < a->len[i]; k++) {
		if (mk && k >= mk->off && k < mk->off + mk->len)
			continue;
		if (a->data[i][k] != b->data[j][k])
			return a->data[i][k] < b->data[j][k] ? -1 : 1;
	}
	return 0;
}

/*
 * Compare what port `port` sent with SCN_STEP_out_pP.pcap: in order, or as a
 * multiset (two workers: queues interleave).
 */
static void compare_port(const char *scn, const char *step, uint16_t port, bool ordered,
			 const struct mask *mk)
{
	struct sluice_test_frames *exp = frames_new(), *got = frames_new();
	bool used[MAX_FRAMES] = { false };
	char path[512];
	unsigned int i, j;

	vec_path(path, sizeof(path), scn, step, "out", port);
	sluice_test_pcap_load(path, exp);
	collect(port, got);
	if (got->n != exp->n)
		sluice_test_mismatch("%s/%s port %u: %u frames sent, expected %u", scn, step, port,
				     got->n, exp->n);
	for (i = 0; i < got->n; i++) {
		bool found = false;

		if (ordered) {
			found = i < exp->n && frame_cmp(got, i, exp, i, mk) == 0;
			j = i;
		} else {
			for (j = 0; j < exp->n && !found; j++)
				if (!used[j] && frame_cmp(got, i, exp, j, mk) == 0)
					found = used[j] = true;
			j = i;
		}
		if (!found) {
			sluice_test_mismatch("%s/%s port %u: frame %u differs from the reference",
					     scn, step, port, i);
			sluice_test_hexdump("sent", got->data[i], got->len[i]);
			if (j < exp->n)
				sluice_test_hexdump("expected", exp->data[j], exp->len[j]);
		}
	}
	if (mk) {
		/* A hashed UDP source port: in the ephemeral range, the same for one flow. */
		for (i = 0; i < got->n; i++) {
			uint16_t v = (uint16_t)(got->data[i][mk->off] << 8 | got->data[i][mk->off + 1]);
			uint16_t v0 = (uint16_t)(got->data[0][mk->off] << 8 | got->data[0][mk->off + 1]);

			if (v < 49152)
				sluice_test_mismatch(
				    "%s/%s port %u frame %u: hashed udp_src %u below 49152", scn,
				    step, port, i, v);
			if (v != v0)
				sluice_test_mismatch(
				    "%s/%s port %u frame %u: udp_src %u, frame 0 had %u", scn, step,
				    port, i, v, v0);
		}
	}
	free(exp);
	free(got);
}

/* Check every counter line of SCN_STEP_expect.txt; return the masks it lists. */
static unsigned int check_expect(struct sluice_dp *dp, const char *scn, const char *step,
				 struct mask *masks, unsigned int nmask)
{
	uint64_t drops[SLUICE_DROP_MAX], exp_drops[SLUICE_DROP_MAX] = { 0 };
	char path[512], line[256], a[64], b[64], c[64];
	unsigned long long x, y, z, w;
	unsigned int k, nm = 0;
	FILE *fp;

	vec_path(path, sizeof(path), scn, step, "expect.txt", -1);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), fp)) {
		struct sluice_flow_stats fs;
		struct sluice_port_stats ps;
		struct sluice_ctr ct;
		char name[200];
		int rc;

		if (sscanf(line, "drop %63s %llu", a, &x) == 2) {
			for (k = 0; k < SLUICE_DROP_MAX; k++)
				if (strcmp(sluice_drop_name(k), a) == 0)
					break;
			if (k == SLUICE_DROP_MAX)
				fail_msg("%s: unknown drop reason %s", path, a);
			exp_drops[k] = x;
		} else if (sscanf(line, "port %63s %llu %llu %llu", a, &x, &y, &z) == 4) {
			uint16_t p = (uint16_t)atoi(a);

			assert_int_equal(sluice_dp_port_stats(dp, p, &ps), 0);
			snprintf(name, sizeof(name), "%s/%s port %u", scn, step, p);
			expect_u64("rx_pkts", name, ps.rx_pkts, x);
			expect_u64("rx_bytes", name, ps.rx_bytes, y);
			expect_u64("tx_pkts", name, ps.tx_pkts, z);
		} else if (sscanf(line, "tenant %63s %llu %llu", a, &x, &y) == 3) {
			snprintf(name, sizeof(name), "%s/%s tenant %s", scn, step, a);
			rc = sluice_dp_tenant_stats(dp, a, &ct);
			if (rc != 0)
				sluice_test_mismatch("%s: rc %d", name, rc);
			expect_u64("pkts", name, ct.pkts, x);
			expect_u64("bytes", name, ct.bytes, y);
		} else if (sscanf(line, "absent %63s", a) == 1) {
			rc = sluice_dp_tenant_stats(dp, a, &ct);
			if (rc != -ENOENT)
				sluice_test_mismatch("%s/%s tenant %s: rc %d, expected -ENOENT",
						     scn, step, a, rc);
		} else if (sscanf(line, "flow %63s %63s %63s %llu %llu", a, b, c, &x, &y) == 5) {
			snprintf(name, sizeof(name), "%s/%s %s %s %s", scn, step, a, b, c);
			rc = sluice_dp_flow_stats(dp, a, b[0], c, &fs);
			if (rc != 0)
				sluice_test_mismatch("%s: rc %d", name, rc);
			expect_u64("hits.pkts", name, fs.hits.pkts, x);
			expect_u64("hits.bytes", name, fs.hits.bytes, y);
		} else if (sscanf(line, "color %63s %63s %63s %llu %llu %llu", a, b, c, &x, &y,
				  &z) == 6) {
			snprintf(name, sizeof(name), "%s/%s %s %s %s", scn, step, a, b, c);
			rc = sluice_dp_flow_stats(dp, a, b[0], c, &fs);
			if (rc != 0)
				sluice_test_mismatch("%s: rc %d", name, rc);
			expect_u64("green", name, fs.color[0], x);
			expect_u64("yellow", name, fs.color[1], y);
			expect_u64("red", name, fs.color[2], z);
		} else if (sscanf(line, "mask %llu %llu %llu", &x, &y, &w) == 3) {
			assert_true(nm < nmask);
			masks[nm].port = (int)x;
			masks[nm].off = (uint32_t)y;
			masks[nm++].len = (uint32_t)w;
		} else {
			fail_msg("%s: bad line %s", path, line);
		}
	}
	fclose(fp);
	sluice_dp_drop_stats(dp, drops);
	for (k = 0; k < SLUICE_DROP_MAX; k++) {
		char name[128];

		snprintf(name, sizeof(name), "%s/%s %s", scn, step, sluice_drop_name(k));
		expect_u64("drops", name, drops[k], exp_drops[k]);
	}
	return nm;
}

/* Outputs of every port, then every counter. */
static void verify(struct sluice_dp *dp, const char *scn, const char *step, bool ordered)
{
	struct mask masks[NPORTS];
	unsigned int nm, i;
	uint16_t p;

	nm = check_expect(dp, scn, step, masks, NPORTS);
	for (p = 0; p < NPORTS; p++) {
		const struct mask *mk = NULL;

		for (i = 0; i < nm; i++)
			if (masks[i].port == p)
				mk = &masks[i];
		compare_port(scn, step, p, ordered, mk);
	}
}

/* One worker driven from here: apply (if file), inject, compare. */
static void run_step(struct sluice_dp *dp, const char *file, const char *scn, const char *step,
		     uint32_t seg)
{
	if (file != NULL)
		assert_int_equal(apply_file(dp, file, false, NULL), 0);
	inject(dp, scn, step, 1, seg, true);
	verify(dp, scn, step, true);
}

/* ---- cases ---------------------------------------------------------------- */

/* 1. Tenants by port, VLAN, QinQ, VNI; isolation; no_tenant, no_flow, drop, to_npu. */
static void test_classify(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "classify.yaml", "classify", "main", 0);
	dp_end(dp);
}

/* 2. Wildcard rules: priorities, order, exact beats rule, range and prefix edges. */
static void test_rules(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "rules.yaml", "rules", "main", 0);
	dp_end(dp);
}

/* 3. VXLAN encap byte for byte; a hashed source port. */
static void test_encap(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "encap.yaml", "encap", "main", 0);
	dp_end(dp);
	dp = dp_new(1);
	run_step(dp, "encap.yaml", "encaphash", "main", 0);
	dp_end(dp);
}

/* 4. VXLAN decap, and decap then encap with another VNI. */
static void test_decap(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "decap.yaml", "decap", "main", 0);
	dp_end(dp);
}

/* 5. Malformed frames: each its named counter, nothing sent. */
static void test_malformed(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "malformed.yaml", "malformed", "main", 0);
	dp_end(dp);
}

/* 6. trTCM with a frozen, then advanced clock. */
static void test_meter(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	assert_int_equal(apply_file(dp, "meter.yaml", false, NULL), 0);
	/* The meters were set up at apply time with the TSC: start the clock after. */
	sluice_test_clock_set(rte_rdtsc());
	run_step(dp, NULL, "meter", "frozen", 0);
	sluice_test_clock_advance(rte_get_tsc_hz());
	run_step(dp, NULL, "meter", "later", 0);
	dp_end(dp);
}

/* 7. Headers spanning segments of 20 bytes. */
static void test_multiseg(void **state)
{
	struct sluice_dp *dp = dp_new(1);

	(void)state;
	run_step(dp, "classify.yaml", "msclassify", "main", 20);
	dp_end(dp);
	dp = dp_new(1);
	run_step(dp, "encap.yaml", "msencap", "main", 20);
	dp_end(dp);
	dp = dp_new(1);
	run_step(dp, "decap.yaml", "msdecap", "main", 20);
	dp_end(dp);
}

/* 8. Reload: counters carried by name, traffic follows the new table; a failed apply changes nothing. */
static void test_reload(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	struct sluice_err err;

	(void)state;
	run_step(dp, "reload_a.yaml", "reload", "a", 0);
	run_step(dp, "reload_b.yaml", "reload", "b", 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(apply_file(dp, "reload_bad.yaml", false, &err), -EINVAL);
	assert_string_equal(err.field, "forward");
	assert_non_null(strstr(err.msg, "port 9"));
	/* The running configuration is still B. */
	assert_non_null(sluice_config_tenant(sluice_dp_config(dp), "keep"));
	assert_null(sluice_config_tenant(sluice_dp_config(dp), "gone"));
	run_step(dp, NULL, "reload", "bad", 0);
	dp_end(dp);
}

/* Frames the ports received (their counters), and frames waiting in their TX rings. */
static void port_totals(struct sluice_dp *dp, uint64_t *rx, uint64_t *tx)
{
	struct sluice_port_stats ps;
	unsigned int p, q;

	*rx = *tx = 0;
	for (p = 0; p < NPORTS; p++) {
		assert_int_equal(sluice_dp_port_stats(dp, (uint16_t)p, &ps), 0);
		*rx += ps.rx_pkts;
		for (q = 0; q < NQ; q++)
			*tx += rte_ring_count(tx_ring[p][q]);
	}
}

/* 9. Two workers on lcores 1 and 2, input over two queues: same outputs (as multisets), same counters. */
static void two_workers(const char *file, const char *scn)
{
	struct sluice_dp *dp = dp_new(2);
	struct sluice_test_frames *f = frames_new();
	uint64_t rx, tx;
	unsigned int injected, expected = 0, p, q;
	char path[512];

	assert_int_equal(sluice_dp_nb_workers(dp), 2);
	assert_int_equal(apply_file(dp, file, true, NULL), 0);
	for (p = 0; p < NPORTS; p++) {
		vec_path(path, sizeof(path), scn, "main", "out", (int)p);
		sluice_test_pcap_load(path, f);
		expected += f->n;
	}
	free(f);
	sluice_test_clock_follow_tsc(true); /* the workers' drain timer must run */
	assert_int_equal(sluice_dp_launch(dp), 0);
	injected = inject(dp, scn, "main", 2, 0, false);
	SLUICE_TEST_WAIT((port_totals(dp, &rx, &tx), rx >= injected && tx >= expected), WAIT_S,
			 rte_pause());
	assert_int_equal(sluice_dp_join(dp), 0);
	assert_int_equal(rx, injected);
	assert_int_equal(tx, expected);
	/* Each worker received on its own queue. */
	for (p = 0; p < NPORTS; p++)
		for (q = 0; q < NQ; q++)
			assert_int_equal(rte_ring_count(rx_ring[p][q]), 0);
	/* Per-lcore counters: both workers worked, and they add up to the port totals. */
	{
		struct sluice_worker_stats w0, w1;

		assert_int_equal(sluice_dp_worker_stats(dp, 0, &w0), 0);
		assert_int_equal(sluice_dp_worker_stats(dp, 1, &w1), 0);
		assert_int_equal(sluice_dp_worker_stats(dp, 2, &w1), -EINVAL);
		assert_int_equal(sluice_dp_worker_stats(dp, 1, &w1), 0);
		assert_true(w0.rx_pkts > 0 && w1.rx_pkts > 0);
		assert_int_equal(w0.rx_pkts + w1.rx_pkts, injected);
		assert_int_equal(w0.tx_pkts + w1.tx_pkts, expected);
		assert_int_not_equal(w0.lcore, w1.lcore);
	}
	verify(dp, scn, "main", false);
	dp_end(dp);
}

static void test_two_workers(void **state)
{
	(void)state;
	two_workers("classify.yaml", "classify");
	two_workers("rules.yaml", "rules");
}

/*
 * sluice_dp.h lets a test drive a worker with sluice_dp_worker_poll() from the
 * control thread, and sluice_dp_apply() "returns after the grace period".
 * Once worker 0 has been polled, sluice_dp_apply() from the same thread must
 * still return (nothing else can report worker 0 quiescent). Bounded: after
 * 3 s the helper thread is released by polling, and the test fails.
 */
static void test_apply_after_worker_poll(void **state)
{
	struct sluice_dp *dp = dp_new(1);
	struct apply_job j = { .dp = dp };
	struct sluice_config *cfg;
	pthread_t th;
	bool returned;

	(void)state;
	sluice_dp_worker_poll(dp, 0);
	cfg = sluice_test_config_load("classify.yaml");
	j.cfg = cfg;
	assert_int_equal(pthread_create(&th, NULL, apply_thread, &j), 0);
	returned = SLUICE_TEST_WAIT(atomic_load(&j.done), 3, rte_pause());
	/* Release the helper either way so the process can go on. */
	SLUICE_TEST_WAIT(atomic_load(&j.done), WAIT_S, sluice_dp_worker_poll(dp, 0));
	assert_true(atomic_load(&j.done));
	pthread_join(th, NULL);
	assert_int_equal(j.rc, 0);
	sluice_config_free(cfg);
	dp_end(dp);
	if (!returned)
		fail_msg("sluice_dp_apply() blocked after sluice_dp_worker_poll() on the same thread: "
			 "the poll's rte_rcu_qsbr_quiescent() left worker 0 counted online, and "
			 "apply's rte_rcu_qsbr_check(wait=true) waits for it forever");
}

/* ---- main ----------------------------------------------------------------- */

int main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "512", "--no-pci", "--no-shconf",
			"--no-telemetry", "--lcores", "0@0,1@1,2@1", "--log-level", "lib.eal:error" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_encap),
		cmocka_unit_test(test_decap),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_meter),
		cmocka_unit_test(test_multiseg),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_two_workers),
		cmocka_unit_test(test_apply_after_worker_poll),
	};
	/* Port numbers in the tenant files are these. */
	const struct sluice_test_ring_ports ports = {
		.name = "tp", .nb_ports = NPORTS, .nb_rxq = NQ, .nb_txq = NQ,
		.rx_size = RING_SZ, .tx_size = RING_SZ, .rx = &rx_ring[0][0], .tx = &tx_ring[0][0],
	};
	int ret;

	(void)argc;
	if (sluice_test_eal_init((int)RTE_DIM(eal), eal, &ports) != 0)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
