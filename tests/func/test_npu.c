/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Functional tests of the NPU bridge: one DPDK process, four ring ports,
 * the software NPU, the committed digits model. Frames come from
 * npu_vectors.py (scapy, the sklearn digits test split); every result
 * message Sluice sends must equal the reference executor's (tools/
 * npu_model.py) byte for byte in class and scores, and every counter must
 * say exactly what the vectors say. The worker and the scheduler are driven
 * from this thread, so every step is deterministic; the clock is the test's.
 * Copy modes "cpu" and "dmadev" (dma_skeleton) run the same vectors.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#include "sluice_bridge.h"
#include "sluice_dp.h"
#include "sluice_loader.h"
#include "sluice_npu.h"

#ifndef SLUICE_VECTORS
#error "SLUICE_VECTORS (directory of the generated vectors) must be defined"
#endif
#ifndef SLUICE_SRC_DIR
#error "SLUICE_SRC_DIR must be defined"
#endif

#define NPORTS 4
#define RING_SZ 4096
#define MAX_FRAMES 8192
#define FRAME_MAX 1600
#define CHUNK 48
#define WAIT_S 20

static struct rte_ring *rx_ring[NPORTS], *tx_ring[NPORTS];
static int fds_before;
/* The data plane of the running test, destroyed by the teardown if the test failed. */
static struct sluice_dp *cur_dp;

/* ---- pcaps ------------------------------------------------------------------- */

/* The pcap of a scenario's input or expected output at a port. */
static struct sluice_test_frames *npu_pcap(const char *scn, const char *what, unsigned int port)
{
	struct sluice_test_frames *f = sluice_test_frames_new(MAX_FRAMES, FRAME_MAX);
	char path[512];

	snprintf(path, sizeof(path), "%s/npu_%s_%s_p%u.pcap", SLUICE_VECTORS, scn, what, port);
	sluice_test_pcap_load(path, f);
	return f;
}

/* ---- the data plane ----------------------------------------------------------- */

static struct sluice_dp *dp_new_opts(enum sluice_npu_copy copy, const char *device,
				     uint16_t inflight, bool real_clock)
{
	struct sluice_dp_opts o = {
		.sz = sizeof(o),
		.nb_workers = 1,
		.nb_rxq = 1,
		.nb_txq = 1,
		.nb_mbufs = 16383,
		.clock = sluice_test_clock,
		.ports_preconfigured = true,
		.npu_copy_set = true,
		.npu_copy = copy,
		.npu_frame_timeout_us = real_clock ? 0 : 1000,
		.npu_device = device,
		.npu_dev_inflight = inflight,
	};
	struct sluice_dp *dp;

	sluice_test_mismatch_reset();
	fds_before = sluice_test_fd_count();
	sluice_test_clock_set(rte_get_tsc_hz() * 1000);
	sluice_test_clock_follow_tsc(real_clock);
	dp = sluice_dp_create(&o);
	if (dp == NULL)
		fail_msg("sluice_dp_create: %s", strerror(errno));
	cur_dp = dp;
	return dp;
}

static struct sluice_dp *dp_new(enum sluice_npu_copy copy)
{
	/* Zero copy opens the device at start: room for the packet buffers beside the windows. */
	return dp_new_opts(copy, copy == SLUICE_NPU_COPY_ZEROCOPY ? "swnpu,mem=128M" : NULL, 0,
			   false);
}

static void drive(struct sluice_dp *dp);

static void dp_end(struct sluice_dp *dp)
{
	struct rte_mempool *mp = sluice_dp_pool(dp);
	unsigned int p;

	for (p = 0; p < NPORTS; p++) {
		assert_int_equal(rte_ring_count(rx_ring[p]), 0);
		assert_int_equal(rte_ring_count(tx_ring[p]), 0);
	}
	/* Every mbuf is back once the last DMA completions are seen. */
	SLUICE_TEST_WAIT(rte_mempool_avail_count(mp) == mp->size, WAIT_S, drive(dp));
	if (rte_mempool_avail_count(mp) != mp->size)
		for (p = 0; p < NPORTS; p++)
			fprintf(stderr, "port %u: rx %u tx %u\n", p, rte_ring_count(rx_ring[p]),
				rte_ring_count(tx_ring[p]));
	assert_int_equal(rte_mempool_avail_count(mp), mp->size);
	sluice_dp_destroy(dp);
	cur_dp = NULL;
	assert_int_equal(sluice_test_mismatches(), 0);
	sluice_test_assert_fds(fds_before);
}

static int apply(struct sluice_dp *dp, const char *file, struct sluice_err *err)
{
	struct sluice_config *cfg = sluice_test_config_load(file);
	int rc = sluice_dp_apply(dp, cfg, err);
	sluice_config_free(cfg);
	return rc;
}

/* One round of everything: worker RX and housekeeping, a scheduler round, the results out. */
static void drive(struct sluice_dp *dp)
{
	sluice_dp_worker_poll(dp, 0);
	sluice_bridge_service_poll(sluice_dp_bridge(dp));
	sluice_dp_worker_poll(dp, 0);
}

/* A context's counters, which must be there. */
static void ctx_stats(struct sluice_dp *dp, const char *tenant, const char *ctx,
		      struct sluice_bridge_ctx_stats *st)
{
	assert_int_equal(sluice_bridge_ctx_stats(sluice_dp_bridge(dp), tenant, ctx, st), 0);
}

static unsigned int tx_count(void)
{
	unsigned int p, n = 0;

	for (p = 0; p < NPORTS; p++)
		n += rte_ring_count(tx_ring[p]);
	return n;
}

/* Drive until `want` frames were transmitted (bounded in time). */
static void drive_until(struct sluice_dp *dp, unsigned int want)
{
	SLUICE_TEST_WAIT((drive(dp), sluice_dp_worker_flush(dp, 0), tx_count() >= want), WAIT_S,
			 (void)0);
	if (tx_count() != want)
		sluice_test_mismatch("%u frames transmitted, expected %u", tx_count(), want);
}

/* Free what the ports sent. @return how many frames. */
static unsigned int drain_tx(void)
{
	struct rte_mbuf *m;
	unsigned int p, n = 0;

	for (p = 0; p < NPORTS; p++)
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			rte_pktmbuf_free(m);
			n++;
		}
	return n;
}

static const char *const all_ctxs[][2] = {
	{ "cam", "gray" }, { "cam", "tensor" }, { "cam", "small" }, { "cam2", "rgb" },
};

/*
 * Whether a complete frame of these contexts has not yet been through the
 * device (its DMA copies, the queue, the op): inferred, failed or (with
 * `cancelled`) cancelled.
 */
static bool frames_pending(struct sluice_dp *dp, const char *const (*ctxs)[2], unsigned int n,
			   bool cancelled)
{
	bool busy = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct sluice_bridge_ctx_stats st;

		if (sluice_bridge_ctx_stats(sluice_dp_bridge(dp), ctxs[i][0], ctxs[i][1], &st) != 0)
			continue;
		busy |= st.ctr[SLUICE_BRIDGE_CTR_FRAMES_COMPLETE] !=
			st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED] +
			    st.ctr[SLUICE_BRIDGE_CTR_FRAMES_ERRORS] +
			    (cancelled ? st.ctr[SLUICE_BRIDGE_CTR_FRAMES_CANCELLED] : 0);
	}
	return busy;
}

/*
 * Drive until every complete frame has been through the device: the sender
 * pauses so that no frame is refused for want of a buffer. Bounded in time.
 */
static void quiesce(struct sluice_dp *dp)
{
	assert_true(SLUICE_TEST_WAIT(
	    (drive(dp), !frames_pending(dp, all_ctxs, RTE_DIM(all_ctxs), true)), WAIT_S, (void)0));
}

/* As quiesce(), for the sharing tests' tenants; what they send is freed. */
static void quiesce_share(struct sluice_dp *dp)
{
	static const char *const share_ctxs[][2] = { { "a", "t" }, { "b", "t" } };

	assert_true(SLUICE_TEST_WAIT((drive(dp), sluice_dp_worker_flush(dp, 0), drain_tx(),
				      !frames_pending(dp, share_ctxs, RTE_DIM(share_ctxs), false)),
				     WAIT_S, (void)0));
}

/*
 * Inject a scenario's frames, CHUNK packets at a time (fewer than fill a
 * context's buffers); after each chunk, drive until quiet (schedule) or
 * only let the worker take the packets (not schedule).
 */
/* Pool the injected packets come from (NULL: the data plane's). */
static struct rte_mempool *inject_pool;

static unsigned int inject(struct sluice_dp *dp, const char *scn, bool schedule)
{
	struct rte_mempool *mp = inject_pool ? inject_pool : sluice_dp_pool(dp);
	unsigned int p, i, total = 0, k;

	for (p = 0; p < NPORTS; p++) {
		struct sluice_test_frames *f = npu_pcap(scn, "in", p);

		for (i = 0; i < f->n; i++) {
			struct rte_mbuf *m = sluice_test_mbuf(mp, f->data[i], f->len[i], 0);

			assert_int_equal(rte_ring_enqueue(rx_ring[p], m), 0);
			if ((i + 1) % CHUNK == 0 || i + 1 == f->n) {
				for (k = 0; k < 1000 && rte_ring_count(rx_ring[p]) > 0; k++)
					sluice_dp_worker_poll(dp, 0);
				assert_int_equal(rte_ring_count(rx_ring[p]), 0);
				if (schedule)
					quiesce(dp);
			}
		}
		total += f->n;
		free(f);
	}
	return total;
}

/* ---- results ------------------------------------------------------------------- */

/* Where the result message starts in a frame (its length says: 64 + 40 bytes). */
static uint32_t payload_off(uint32_t len)
{
	return len - (SLUICE_RESULT_HDR_LEN + 4 * 10);
}

/* The IP and UDP checksums are right (the test recomputes them). */
static bool checksums_ok(const uint8_t *d, uint32_t len)
{
	uint32_t l3 = (d[12] == 0x81 && d[13] == 0x00) ? 18 : 14;
	uint8_t buf[FRAME_MAX];
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(buf + l3);

	uint32_t udp_len, sum;

	memcpy(buf, d, len);
	udp_len = len - l3 - (uint32_t)sizeof(*ip);
	/* Pseudo-header (addresses, protocol, length) plus the datagram sums to 0xffff. */
	sum = rte_raw_cksum(&ip->src_addr, 8) + rte_cpu_to_be_16(IPPROTO_UDP) +
	      rte_cpu_to_be_16((uint16_t)udp_len) +
	      rte_raw_cksum(buf + l3 + sizeof(*ip), udp_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return rte_raw_cksum(ip, sizeof(*ip)) == 0xffff && sum == 0xffff;
}

/* Equal but for the UDP checksum and the result's device_ns and latency_ns. */
static bool result_eq(const uint8_t *a, uint32_t la, const uint8_t *b, uint32_t lb)
{
	uint32_t off = payload_off(la), k;

	if (la != lb || la < SLUICE_RESULT_HDR_LEN + 8)
		return false;
	for (k = 0; k < la; k++) {
		if ((k >= off - 2 && k < off) || (k >= off + 20 && k < off + 32))
			continue;
		if (a[k] != b[k])
			return false;
	}
	return true;
}

struct labels {
	unsigned int n;
	uint32_t frame[2048];
	uint8_t label[2048];
	unsigned int ref_correct, ref_total;
};

/* Compare what each port sent with the expected results (any order); count correct digits. */
static unsigned int compare_results(const char *scn, const struct labels *lb)
{
	unsigned int p, i, j, correct = 0;

	for (p = 0; p < NPORTS; p++) {
		struct sluice_test_frames *exp = npu_pcap(scn, "out", p);
		bool *used = calloc(exp->n + 1, 1);
		struct rte_mbuf *m;
		unsigned int got = 0;

		assert_non_null(used);
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			uint8_t d[FRAME_MAX];
			uint32_t len = m->pkt_len, off;
			bool found = false;

			assert_true(len <= FRAME_MAX);
			memcpy(d, rte_pktmbuf_read(m, 0, len, d), len);
			rte_pktmbuf_free(m);
			got++;
			if (!checksums_ok(d, len))
				sluice_test_mismatch(
				    "%s port %u: result %u has a bad IP or UDP checksum", scn, p,
				    got);
			for (j = 0; j < exp->n && !found; j++)
				if (!used[j] && result_eq(d, len, exp->data[j], exp->len[j]))
					found = used[j] = true;
			if (!found) {
				sluice_test_mismatch(
				    "%s port %u: result %u matches no reference result", scn, p,
				    got);
				sluice_test_hexdump("sent", d, len);
				continue;
			}
			off = payload_off(len);
			for (i = 0; lb != NULL && i < lb->n; i++) {
				uint32_t fr = (uint32_t)d[off + 8] << 24 | (uint32_t)d[off + 9] << 16 |
					      (uint32_t)d[off + 10] << 8 | d[off + 11];
				uint16_t cls = (uint16_t)(d[off + 16] << 8 | d[off + 17]);

				if (lb->frame[i] == fr) {
					correct += cls == lb->label[i];
					break;
				}
			}
		}
		if (got != exp->n)
			sluice_test_mismatch("%s port %u: %u results, expected %u", scn, p, got,
					     exp->n);
		free(used);
		free(exp);
	}
	return correct;
}

/* Check the scenario's counters: listed ones exactly, the others zero. */
static void check_expect(struct sluice_dp *dp, const char *scn, struct labels *lb)
{
	static const char *const ctxs[][2] = {
		{ "cam", "gray" }, { "cam", "tensor" }, { "cam", "small" }, { "cam2", "rgb" },
	};
	uint64_t want[RTE_DIM(ctxs)][SLUICE_BRIDGE_CTR_MAX] = { { 0 } };
	uint64_t want_asm[RTE_DIM(ctxs)][SLUICE_ASM_ERR_MAX] = { { 0 } };
	uint64_t drops[SLUICE_DROP_MAX], want_drop[SLUICE_DROP_MAX] = { 0 };
	char path[512], line[256], a[64], b[64], c[64];
	unsigned long long v, w;
	unsigned int i, k;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/npu_%s_expect.txt", SLUICE_VECTORS, scn);
	fp = fopen(path, "r");
	assert_non_null(fp);
	if (lb)
		memset(lb, 0, sizeof(*lb));
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "ctx %63s %63s %63s %llu", a, b, c, &v) == 4 ||
		    sscanf(line, "asm %63s %63s %63s %llu", a, b, c, &v) == 4) {
			bool is_asm = line[0] == 'a';

			for (i = 0; i < RTE_DIM(ctxs); i++)
				if (strcmp(ctxs[i][0], a) == 0 && strcmp(ctxs[i][1], b) == 0)
					break;
			assert_true(i < RTE_DIM(ctxs));
			for (k = 0; k < (is_asm ? SLUICE_ASM_ERR_MAX : SLUICE_BRIDGE_CTR_MAX); k++)
				if (strcmp(is_asm ? sluice_asm_err_name(k) : sluice_bridge_ctr_name(k),
					   c) == 0)
					break;
			if (k == (is_asm ? SLUICE_ASM_ERR_MAX : SLUICE_BRIDGE_CTR_MAX))
				fail_msg("%s: unknown counter %s", path, c);
			if (is_asm)
				want_asm[i][k] = v;
			else
				want[i][k] = v;
		} else if (sscanf(line, "drop %63s %llu", a, &v) == 2) {
			for (k = 0; k < SLUICE_DROP_MAX; k++)
				if (strcmp(sluice_drop_name(k), a) == 0)
					break;
			assert_true(k < SLUICE_DROP_MAX);
			want_drop[k] = v;
		} else if (sscanf(line, "label %llu %llu", &v, &w) == 2) {
			assert_non_null(lb);
			lb->frame[lb->n] = (uint32_t)v;
			lb->label[lb->n++] = (uint8_t)w;
		} else if (sscanf(line, "reference %llu %llu", &v, &w) == 2) {
			lb->ref_correct = (unsigned int)v;
			lb->ref_total = (unsigned int)w;
		} else {
			fail_msg("%s: bad line %s", path, line);
		}
	}
	fclose(fp);
	for (i = 0; i < RTE_DIM(ctxs); i++) {
		struct sluice_bridge_ctx_stats st;

		ctx_stats(dp, ctxs[i][0], ctxs[i][1], &st);
		for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++) {
			/* How the scheduler groups frames into bursts depends on timing;
			 * how frames reached NPU memory depends on the copy mode (checked apart). */
			if (k == SLUICE_BRIDGE_CTR_BATCHES || k == SLUICE_BRIDGE_CTR_DEVICE_BUSY ||
			    k == SLUICE_BRIDGE_CTR_FRAMES_GATHERED || k == SLUICE_BRIDGE_CTR_ZC_COPIED)
				continue;
			if (st.ctr[k] != want[i][k])
				sluice_test_mismatch(
				    "%s: %s/%s %s = %" PRIu64 ", expected %" PRIu64, scn,
				    ctxs[i][0], ctxs[i][1], sluice_bridge_ctr_name(k), st.ctr[k],
				    want[i][k]);
		}
		for (k = 1; k < SLUICE_ASM_ERR_MAX; k++)
			if (st.asm_err[k] != want_asm[i][k])
				sluice_test_mismatch(
				    "%s: %s/%s %s = %" PRIu64 ", expected %" PRIu64, scn,
				    ctxs[i][0], ctxs[i][1], sluice_asm_err_name(k), st.asm_err[k],
				    want_asm[i][k]);
		if (st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED] && !st.ctr[SLUICE_BRIDGE_CTR_BATCHES])
			sluice_test_mismatch("%s: %s/%s inferred frames in no batch", scn,
					     ctxs[i][0], ctxs[i][1]);
		if (st.dev.window_faults != 0)
			sluice_test_mismatch("%s: %s/%s window faults %" PRIu64, scn, ctxs[i][0],
					     ctxs[i][1], st.dev.window_faults);
	}
	sluice_dp_drop_stats(dp, drops);
	for (k = 1; k < SLUICE_DROP_MAX; k++)
		if (drops[k] != want_drop[k])
			sluice_test_mismatch("%s: drop %s = %" PRIu64 ", expected %" PRIu64, scn,
					     sluice_drop_name(k), drops[k], want_drop[k]);
}

/* ---- cases ------------------------------------------------------------------------ */

static unsigned int expected_results(const char *scn)
{
	unsigned int p, n = 0;

	for (p = 0; p < NPORTS; p++) {
		struct sluice_test_frames *f = npu_pcap(scn, "out", p);

		n += f->n;
		free(f);
	}
	return n;
}

/* The digits test split, 32x32 gray: every result the reference's; its accuracy exactly. */
static void digits(enum sluice_npu_copy copy)
{
	struct sluice_dp *dp = dp_new(copy);
	struct sluice_err err;
	struct labels *lb = calloc(1, sizeof(*lb));
	unsigned int correct;

	assert_non_null(lb);
	assert_int_equal(apply(dp, "npu.yaml", &err), 0);
	assert_int_equal(sluice_bridge_copy_mode(sluice_dp_bridge(dp)), copy);
	inject(dp, "digits", true);
	drive_until(dp, expected_results("digits"));
	check_expect(dp, "digits", lb);
	correct = compare_results("digits", lb);
	fprintf(stderr, "digits (%s copy): %u / %u correct, the reference %u\n",
		sluice_npu_copy_name(copy), correct, lb->n, lb->ref_correct);
	assert_int_equal(lb->n, lb->ref_total);
	assert_int_equal(correct, lb->ref_correct);
	assert_true(correct * 100 >= 95 * lb->n);
	{
		struct sluice_bridge_ctx_stats st;

		/* Zero copy gathered every frame from the packet buffers; the others none. */
		ctx_stats(dp, "cam", "gray", &st);
		assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_GATHERED],
				 copy == SLUICE_NPU_COPY_ZEROCOPY ? lb->n : 0);
		assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_ZC_COPIED], 0);
	}
	free(lb);
	dp_end(dp);
}

static void test_digits_cpu(void **state)
{
	(void)state;
	digits(SLUICE_NPU_COPY_CPU);
}

static void test_digits_dmadev(void **state)
{
	(void)state;
	digits(SLUICE_NPU_COPY_DMADEV);
}

static void test_digits_zerocopy(void **state)
{
	(void)state;
	digits(SLUICE_NPU_COPY_ZEROCOPY);
}

/* RGB frames on a VLAN (kept in the reply), tensor frames, a bare context, bad packets. */
static void mixed(enum sluice_npu_copy copy)
{
	struct sluice_dp *dp = dp_new(copy);

	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	inject(dp, "mixed", true);
	drive_until(dp, expected_results("mixed"));
	check_expect(dp, "mixed", NULL);
	compare_results("mixed", NULL);
	dp_end(dp);
}

static void test_mixed(void **state)
{
	(void)state;
	mixed(SLUICE_NPU_COPY_CPU);
	mixed(SLUICE_NPU_COPY_DMADEV);
	mixed(SLUICE_NPU_COPY_ZEROCOPY);
}

/* A lost packet: the frame is abandoned when the next begins, or after the frame timeout. */
static void loss(enum sluice_npu_copy copy)
{
	struct sluice_dp *dp = dp_new(copy);
	struct sluice_bridge_ctx_stats st;
	unsigned int k;

	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	inject(dp, "loss", true);
	drive_until(dp, expected_results("loss"));
	ctx_stats(dp, "cam", "gray", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE], 1);
	/* The last frame is still open: nothing times out while the clock stands still. */
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT], 0);
	for (k = 0; k < 10; k++)
		drive(dp);
	ctx_stats(dp, "cam", "gray", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT], 0);
	/* 2 ms later (the timeout is 1 ms) it is abandoned and its buffer returned. */
	sluice_test_clock_advance(2 * rte_get_tsc_hz() / 1000);
	for (k = 0; k < 2; k++)
		drive(dp);
	check_expect(dp, "loss", NULL);
	compare_results("loss", NULL);
	ctx_stats(dp, "cam", "gray", &st);
	assert_int_equal(st.queued + st.inflight, 0);
	/* Every frame sent is accounted: inferred, incomplete or timed out. */
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] +
				 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] +
				 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT],
			 10);
	dp_end(dp);
}

static void test_loss(void **state)
{
	(void)state;
	loss(SLUICE_NPU_COPY_CPU);
	loss(SLUICE_NPU_COPY_DMADEV);
	loss(SLUICE_NPU_COPY_ZEROCOPY);
}

/* A full queue refuses frames whole at ingress; each frame is accounted. */
static void full(enum sluice_npu_copy copy)
{
	struct sluice_dp *dp = dp_new(copy);
	struct sluice_bridge_ctx_stats st;
	uint64_t drops[SLUICE_DROP_MAX];

	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	/* Nobody schedules: 4 buffers fill, the other 6 frames are refused. */
	inject(dp, "full", false);
	sluice_dp_drop_stats(dp, drops);
	assert_int_equal(drops[SLUICE_DROP_NPU_QUEUE_FULL], 30);
	ctx_stats(dp, "cam", "small", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED], 6);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_COMPLETE], 4);
	/* In DMA mode the last frame may wait for its copies: one poll more. */
	sluice_dp_worker_poll(dp, 0);
	ctx_stats(dp, "cam", "small", &st);
	assert_int_equal(st.queued, 4);
	drive_until(dp, expected_results("full"));
	check_expect(dp, "full", NULL);
	compare_results("full", NULL);
	/* The buffers came back: the next frames are taken. */
	inject(dp, "full2", true);
	drive_until(dp, expected_results("full2"));
	check_expect(dp, "full2", NULL);
	compare_results("full2", NULL);
	ctx_stats(dp, "cam", "small", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] +
				 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] +
				 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE],
			 12);
	dp_end(dp);
}

/*
 * Zero copy with packets that are not in NPU memory (another pool, as a port
 * that does not receive into it): the frames are copied instead, and their
 * results are the same.
 */
static void test_zerocopy_fallback(void **state)
{
	struct sluice_dp *dp = dp_new(SLUICE_NPU_COPY_ZEROCOPY);
	struct sluice_bridge_ctx_stats st;
	struct rte_mempool *mp;

	(void)state;
	mp = rte_pktmbuf_pool_create("npu_elsewhere", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	assert_non_null(mp);
	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	inject_pool = mp;
	inject(dp, "full2", true);
	inject_pool = NULL;
	drive_until(dp, expected_results("full2"));
	compare_results("full2", NULL);
	ctx_stats(dp, "cam", "small", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_ZC_COPIED], 2);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_GATHERED], 0);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 2);
	assert_int_equal(rte_mempool_avail_count(mp), mp->size);
	dp_end(dp);
	rte_mempool_free(mp);
}

static void test_full(void **state)
{
	(void)state;
	full(SLUICE_NPU_COPY_CPU);
	full(SLUICE_NPU_COPY_DMADEV);
	full(SLUICE_NPU_COPY_ZEROCOPY);
}

/* Wait (bounded) for one completion of a crafted op on a device context. */
static int32_t run_op(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op *op)
{
	struct sluice_npu_op *done = NULL;

	assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, &op, 1), 1);
	SLUICE_TEST_WAIT(sluice_npu_dequeue_burst(dev, ctx, &done, 1) != 0, WAIT_S, rte_pause());
	assert_ptr_equal(done, op);
	return done->status;
}

/*
 * One context cannot reach another's memory: an op of the gray context that
 * reads from, then writes to, the tensor context's window completes with
 * -EFAULT, the gray context's window_faults counts both, and the tensor
 * window is unchanged.
 */
static void test_isolation(void **state)
{
	struct sluice_dp *dp = dp_new(SLUICE_NPU_COPY_CPU);
	struct sluice_bridge_ctx_stats a, b;
	struct sluice_npu_dev *dev;
	struct sluice_npu_mem mem;
	uint64_t wa, sa, wb, sb;
	struct sluice_npu_op op;
	uint8_t *before;

	(void)state;
	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	dev = sluice_bridge_device(sluice_dp_bridge(dp));
	assert_non_null(dev);
	assert_int_equal(sluice_npu_mem(dev, &mem), 0);
	ctx_stats(dp, "cam", "gray", &a);
	ctx_stats(dp, "cam", "tensor", &b);
	assert_int_not_equal(a.dev_ctx, b.dev_ctx);
	assert_int_equal(sluice_npu_ctx_window(dev, a.dev_ctx, &wa, &sa), 0);
	assert_int_equal(sluice_npu_ctx_window(dev, b.dev_ctx, &wb, &sb), 0);
	assert_true(wb >= wa + sa || wa >= wb + sb);
	before = malloc(sb);
	assert_non_null(before);
	memset((uint8_t *)mem.va + wb, 0x5a, sb);
	memcpy(before, (uint8_t *)mem.va + wb, sb);

	memset(&op, 0, sizeof(op));
	op.model_id = a.model_id;
	op.in_w = 32;
	op.in_h = 32;
	op.in_c = 1;
	op.in_addr = wb;                 /* the neighbour's frame */
	op.out_addr = wa + sa - 4096;
	op.out_len = 4096;
	op.user_data = 1;
	assert_int_equal(run_op(dev, a.dev_ctx, &op), -EFAULT);
	op.in_addr = wa;
	op.out_addr = wb;                /* the neighbour's memory as output */
	op.user_data = 2;
	assert_int_equal(run_op(dev, a.dev_ctx, &op), -EFAULT);
	ctx_stats(dp, "cam", "gray", &a);
	ctx_stats(dp, "cam", "tensor", &b);
	assert_int_equal(a.dev.window_faults, 2);
	assert_int_equal(b.dev.window_faults, 0);
	assert_memory_equal((uint8_t *)mem.va + wb, before, sb);
	/* Inside its own window the same op runs. */
	op.in_addr = wa;
	op.out_addr = wa + sa - 4096;
	op.user_data = 3;
	assert_int_equal(run_op(dev, a.dev_ctx, &op), 0);
	free(before);
	dp_end(dp);
}

/*
 * Reload: an unchanged context is kept (its counters and buffers go on), a
 * changed one is replaced (its counters carried over), a removed one is
 * destroyed once nothing uses it, and a context without a model drops.
 */
static void test_reload(void **state)
{
	struct sluice_dp *dp = dp_new(SLUICE_NPU_COPY_CPU);
	struct sluice_bridge_ctx_stats g0, g1, t0, t1, r;
	struct sluice_bridge *br;
	struct sluice_err err;
	unsigned int k;

	(void)state;
	br = sluice_dp_bridge(dp);
	assert_int_equal(apply(dp, "npu.yaml", NULL), 0);
	inject(dp, "mixed", true);
	drive_until(dp, expected_results("mixed"));
	compare_results("mixed", NULL);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "gray", &g0), 0);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "tensor", &t0), 0);
	assert_int_equal(apply(dp, "npu_reload.yaml", &err), 0);
	/* rgb is retired: gone once the worker and the scheduler let go. */
	for (k = 0; k < 100 && sluice_dp_npu_reap(dp) > 0; k++)
		drive(dp);
	assert_int_equal(sluice_dp_npu_reap(dp), 0);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam2", "rgb", &r), -ENOENT);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "gray", &g1), 0);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "tensor", &t1), 0);
	assert_int_equal(g1.dev_ctx, g0.dev_ctx);                 /* kept */
	assert_int_not_equal(t1.dev_ctx, t0.dev_ctx);             /* replaced */
	for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++) {
		assert_int_equal(g1.ctr[k], g0.ctr[k]);
		assert_int_equal(t1.ctr[k], t0.ctr[k]);
	}
	/*
	 * The same frames again. The kept gray context kept its streams: their
	 * frames are old now, every packet refused as late. The new tensor
	 * context starts afresh and infers them all; cam2 is gone (no_tenant).
	 */
	inject(dp, "mixed", true);
	drive_until(dp, 40);
	drain_tx();
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "gray", &g1), 0);
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "tensor", &t1), 0);
	assert_int_equal(g1.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT], g0.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT]);
	assert_int_equal(g1.asm_err[SLUICE_ASM_ERR_LATE],
			 g0.ctr[SLUICE_BRIDGE_CTR_PKTS] - g0.ctr[SLUICE_BRIDGE_CTR_PKTS_BAD]);
	assert_int_equal(t1.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT], 2 * t0.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT]);
	/* A configuration naming a model that is not there changes nothing. */
	assert_int_equal(apply(dp, "npu_bad.yaml", &err), -ENOENT);
	assert_string_equal(err.field, "file");
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_int_equal(sluice_bridge_ctx_stats(br, "cam", "gray", &g0), 0);
	assert_int_equal(g0.dev_ctx, g1.dev_ctx);
	dp_end(dp);
}


/* ---- sharing the device ------------------------------------------------------------ */

#define SHARE_W 32
#define SHARE_H 32
#define SHARE_FRAME (SHARE_W * SHARE_H)

/* One tensor chunk of a 32x32 gray frame as an Ethernet/IPv4/UDP packet to port 6000. */
static struct rte_mbuf *tensor_pkt(struct rte_mempool *mp, uint8_t src, uint32_t fid,
				   uint16_t idx, uint16_t count)
{
	static const uint8_t mac_s[6] = { 2, 0, 0, 0, 0, 0x0a }, mac_d[6] = { 2, 0, 0, 0, 0, 0x0b };
	uint16_t chunk = SHARE_FRAME / count, plen = 28 + chunk, k;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(42 + plen));
	memset(p, 0, 42 + plen);
	memcpy(p, mac_d, 6);
	memcpy(p + 6, mac_s, 6);
	p[12] = 0x08;
	p[14] = 0x45;
	p[16] = (uint8_t)((20 + 8 + plen) >> 8);
	p[17] = (uint8_t)(20 + 8 + plen);
	p[22] = 64;
	p[23] = 17;
	p[26] = 10, p[29] = src;            /* 10.0.0.src -> 10.0.0.100 */
	p[30] = 10, p[33] = 100;
	p[34] = 0x9c, p[35] = 0x40;          /* sport 40000 */
	p[36] = 0x17, p[37] = 0x70;          /* dport 6000 */
	p[38] = (uint8_t)((8 + plen) >> 8);
	p[39] = (uint8_t)(8 + plen);
	p += 42;
	memcpy(p, "SLTN", 4);
	p[4] = 1;
	p[5] = idx + 1 == count ? 1 : 0;
	p[6] = 1;
	p[7] = 1;
	p[9] = SHARE_W;
	p[11] = SHARE_H;
	p[12] = (uint8_t)(fid >> 24), p[13] = (uint8_t)(fid >> 16);
	p[14] = (uint8_t)(fid >> 8), p[15] = (uint8_t)fid;
	p[17] = (uint8_t)idx;
	p[19] = (uint8_t)count;
	p[20 + 2] = (uint8_t)((idx * chunk) >> 8), p[20 + 3] = (uint8_t)(idx * chunk);
	p[24] = (uint8_t)(chunk >> 8), p[25] = (uint8_t)chunk;
	for (k = 0; k < chunk; k++)
		p[28 + k] = (uint8_t)(fid * 7 + idx * chunk + k);
	return m;
}

/* A sender that keeps `port`'s RX ring stocked with whole frames (flooding). */
struct flooder {
	unsigned int port;
	uint32_t next_fid;
	uint64_t frames;
	/* The context's counters when it started: frames, results (accounting is per run). */
	uint64_t base_frames, base_results;
};

static void flood(struct sluice_dp *dp, struct flooder *f, unsigned int keep)
{
	while (rte_ring_count(rx_ring[f->port]) < keep) {
		struct rte_mbuf *m = tensor_pkt(sluice_dp_pool(dp), (uint8_t)(1 + f->port),
						f->next_fid++, 0, 1);

		assert_non_null(m);
		assert_int_equal(rte_ring_enqueue(rx_ring[f->port], m), 0);
		f->frames++;
	}
}

static unsigned int drain_port(unsigned int port)
{
	struct rte_mbuf *m[64];
	unsigned int n, total = 0;

	while ((n = rte_ring_dequeue_burst(tx_ring[port], (void **)m, 64, NULL)) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

static uint64_t inferred(struct sluice_dp *dp, const char *tenant)
{
	struct sluice_bridge_ctx_stats st;

	ctx_stats(dp, tenant, "t", &st);
	return st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED];
}

static void share_end(struct sluice_dp *dp, struct flooder *f, unsigned int nf)
{
	unsigned int i, k;

	/* Stop sending; once everything has come back, every frame is accounted. */
	for (k = 0; k < 100000; k++) {
		bool rx = false;

		for (i = 0; i < nf; i++)
			rx |= rte_ring_count(rx_ring[f[i].port]) > 0;
		if (!rx)
			break;
		drive(dp);
	}
	quiesce_share(dp);
	for (i = 0; i < nf; i++) {
		struct sluice_bridge_ctx_stats st;

		drain_port(f[i].port);
		ctx_stats(dp, f[i].port ? "b" : "a", "t", &st);
		assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] +
					 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] +
					 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] +
					 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT] - f[i].base_frames,
				 f[i].frames);
		assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED] - f[i].base_results,
				 st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] - f[i].base_results);
	}
}

/*
 * Two tenants, weights 3 and 1, both sending more than the device infers
 * (5,000 frames/s): over a second of saturation the device serves them 3:1.
 */
static void test_share_weights(void **state)
{
	char spec[512];
	struct sluice_dp *dp;
	struct flooder f[2] = { { .port = 0 }, { .port = 1 } };
	uint64_t a0, b0, a1, b1, end;
	double ratio;
	unsigned int i;

	(void)state;
	snprintf(spec, sizeof(spec), "swnpu,mem=32M,profile=%s/tests/func/cases/npu_5k.profile",
		 SLUICE_SRC_DIR);
	dp = dp_new_opts(SLUICE_NPU_COPY_CPU, spec, 0, true);
	assert_int_equal(apply(dp, "npu_share.yaml", NULL), 0);
	/* Warm up until both queues are full, then measure. */
	end = rte_rdtsc() + rte_get_tsc_hz() / 5;
	while (rte_rdtsc() < end) {
		for (i = 0; i < 2; i++)
			flood(dp, &f[i], 64);
		drive(dp);
		drain_port(0), drain_port(1);
	}
	a0 = inferred(dp, "a");
	b0 = inferred(dp, "b");
	end = rte_rdtsc() + rte_get_tsc_hz();
	while (rte_rdtsc() < end) {
		for (i = 0; i < 2; i++)
			flood(dp, &f[i], 64);
		drive(dp);
		drain_port(0), drain_port(1);
	}
	a1 = inferred(dp, "a") - a0;
	b1 = inferred(dp, "b") - b0;
	ratio = (double)a1 / (double)(b1 ? b1 : 1);
	fprintf(stderr, "weights 3:1 under saturation: a %" PRIu64 ", b %" PRIu64
		" frames inferred in 1 s, ratio %.3f; sent a %" PRIu64 " b %" PRIu64 "\n",
		a1, b1, ratio, f[0].frames, f[1].frames);
	/* Enough frames that one DRR quantum (3 or 1) is well inside 5%. */
	assert_true(a1 + b1 >= 400);
	assert_true(ratio >= 3 * 0.95 && ratio <= 3 * 1.05);
	share_end(dp, f, 2);
	dp_end(dp);
}

/* Frame latencies (ns) of the results on `port`, appended to lat[]. */
static void collect_latency(unsigned int port, uint64_t *lat, unsigned int *n, unsigned int max)
{
	struct rte_mbuf *m;

	while (rte_ring_dequeue(tx_ring[port], (void **)&m) == 0) {
		uint8_t buf[64];
		const uint8_t *r = rte_pktmbuf_read(m, 42, 64, buf);
		uint64_t v = 0;
		unsigned int k;

		assert_non_null(r);
		assert_int_equal(r[5], SLUICE_RESULT_OK);
		for (k = 0; k < 8; k++)
			v = v << 8 | r[24 + k];
		if (*n < max)
			lat[(*n)++] = v;
		rte_pktmbuf_free(m);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

#define PACED_FRAMES 200
#define PACED_ROUNDS 7

/*
 * A well-behaved tenant sends a frame every 5 ms, its 4 chunks 1 ms apart
 * (a camera spreads a frame over its frame time); its frames' latencies
 * (first packet to result, from the result messages), alone, then beside a
 * tenant that floods the device. Equal weights and priorities, one op on
 * the device at a time: a frame waits at most for the op in progress.
 */
static uint64_t frames_accounted(struct sluice_dp *dp, const char *tenant)
{
	struct sluice_bridge_ctx_stats st;

	ctx_stats(dp, tenant, "t", &st);
	return st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] + st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] +
	       st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] + st.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT];
}

static uint64_t frames_accounted(struct sluice_dp *dp, const char *tenant);

static void paced_run(struct sluice_dp *dp, bool with_flood, uint64_t *lat, unsigned int *nlat)
{
	/* The flood's frame ids go on across runs: its stream would see old ids as late. */
	static uint32_t flood_fid;
	struct flooder fl = { .port = 1, .next_fid = flood_fid,
			      .base_frames = frames_accounted(dp, "b"),
			      .base_results = inferred(dp, "b") };
	uint64_t hz = rte_get_tsc_hz(), t0, next, base = frames_accounted(dp, "a");
	unsigned int n = 0, frame = 0, chunk = 0;
	static uint32_t fid = 1;

	t0 = rte_rdtsc() + hz / 100;
	next = t0;
	/* Until every frame sent is accounted (the machine may stall a frame out). */
	while (frame < PACED_FRAMES || frames_accounted(dp, "a") - base < PACED_FRAMES) {
		uint64_t now = rte_rdtsc();

		if (frame < PACED_FRAMES && now >= next) {
			struct rte_mbuf *m = tensor_pkt(sluice_dp_pool(dp), 1, fid, (uint16_t)chunk, 4);

			assert_non_null(m);
			assert_int_equal(rte_ring_enqueue(rx_ring[0], m), 0);
			if (++chunk == 4) {
				chunk = 0;
				fid++;
				frame++;
				next = t0 + (uint64_t)frame * hz / 200;
			} else {
				next += hz / 1000;
			}
		}
		if (with_flood)
			flood(dp, &fl, 32);
		drive(dp);
		sluice_dp_worker_flush(dp, 0);
		collect_latency(0, lat + *nlat, &n, PACED_FRAMES);
		drain_port(1);
		if (now > t0 + 60 * hz)
			fail_msg("paced tenant: %u frames sent, %u results", frame, n);
	}
	sluice_dp_worker_flush(dp, 0);
	collect_latency(0, lat + *nlat, &n, PACED_FRAMES);
	*nlat += n;
	if (with_flood) {
		struct flooder fls[1] = { fl };

		flood_fid = fl.next_fid;
		share_end(dp, fls, 1);
	}
}

static uint64_t pct(uint64_t *lat, unsigned int n, unsigned int p)
{
	qsort(lat, n, sizeof(lat[0]), cmp_u64);
	return lat[(n * p + 99) / 100 - 1];
}

/*
 * A well-behaved tenant's latency beside a flood, against alone: a
 * measurement, so a benchmark's business (perf/npu_latency.sh runs it with
 * SLUICE_NPU_LATENCY=1 and reports the ratio), never a test's verdict; the
 * plain test run skips it. Rounds alternate alone / beside the flood, so the
 * machine's noise falls on both alike; each side's p99 is the best of its
 * rounds' p99s: on a shared machine a round can lose milliseconds to other
 * jobs, and the least disturbed round of each side shows what sluice does.
 */
static void test_share_latency(void **state)
{
	static uint64_t lat[PACED_FRAMES];
	uint64_t a99[PACED_ROUNDS], f99[PACED_ROUNDS], a50[PACED_ROUNDS], f50[PACED_ROUNDS];
	struct sluice_config *cfg = NULL;
	uint64_t fb, am, fm;
	struct sluice_dp *dp;
	unsigned int r, n;
	char spec[512];

	(void)state;
	if (getenv("SLUICE_NPU_LATENCY") == NULL)
		skip();
	snprintf(spec, sizeof(spec), "swnpu,mem=32M,profile=%s/tests/func/cases/npu_20k.profile",
		 SLUICE_SRC_DIR);
	dp = dp_new_opts(SLUICE_NPU_COPY_CPU, spec, 1, true);
	cfg = sluice_test_config_load("npu_share.yaml");
	/* Equal shares; room for a stalled machine's backlog. */
	cfg->tenants[0].npu_contexts[0].weight = 1;
	cfg->tenants[0].npu_contexts[0].queue_depth = 64;
	assert_int_equal(sluice_dp_apply(dp, cfg, NULL), 0);
	sluice_config_free(cfg);
	fb = inferred(dp, "b");
	for (r = 0; r < PACED_ROUNDS; r++) {
		n = 0;
		paced_run(dp, false, lat, &n);
		assert_true(n * 2 >= PACED_FRAMES); /* a stalled machine may cost a few */
		a50[r] = pct(lat, n, 50);
		a99[r] = pct(lat, n, 99);
		n = 0;
		paced_run(dp, true, lat, &n);
		assert_true(n * 2 >= PACED_FRAMES);
		f50[r] = pct(lat, n, 50);
		f99[r] = pct(lat, n, 99);
		fprintf(stderr, "round %u: alone p50 %" PRIu64 " p99 %" PRIu64 " us; flood p50 %" PRIu64
			" p99 %" PRIu64 " us\n", r, a50[r] / 1000, a99[r] / 1000, f50[r] / 1000,
			f99[r] / 1000);
	}
	qsort(a99, PACED_ROUNDS, sizeof(a99[0]), cmp_u64);
	qsort(f99, PACED_ROUNDS, sizeof(f99[0]), cmp_u64);
	am = a99[0];
	fm = f99[0];
	fprintf(stderr, "well-behaved tenant p99 latency (best of %u rounds; medians %" PRIu64
		" and %" PRIu64 " us): alone %" PRIu64 " us, beside a flood %" PRIu64
		" us (%+.1f%%); the flood got %" PRIu64 " frames inferred\n",
		PACED_ROUNDS, a99[PACED_ROUNDS / 2] / 1000, f99[PACED_ROUNDS / 2] / 1000,
		am / 1000, fm / 1000, 100.0 * ((double)fm / (double)am - 1),
		inferred(dp, "b") - fb);
	assert_true(inferred(dp, "b") - fb > PACED_FRAMES);   /* the flood did run */
	qsort(a50, PACED_ROUNDS, sizeof(a50[0]), cmp_u64);
	qsort(f50, PACED_ROUNDS, sizeof(f50[0]), cmp_u64);
	if (am * 2 > a50[PACED_ROUNDS / 2] * 3 || fm * 2 > f50[PACED_ROUNDS / 2] * 3) {
		/*
		 * A side whose best round still has a p99 over 1.5x its median: other
		 * jobs stall this machine by milliseconds (the frames' own spread is
		 * 3 ms), more than what is measured. A scheduler that made the paced
		 * tenant wait would move its median too, and not be excused here.
		 */
		fprintf(stderr, "NOISY: the machine is too busy to measure latency (p50/best p99: "
			"alone %" PRIu64 "/%" PRIu64 " us, flood %" PRIu64 "/%" PRIu64 " us)\n",
			a50[PACED_ROUNDS / 2] / 1000, am / 1000, f50[PACED_ROUNDS / 2] / 1000,
			fm / 1000);
	} else {
		fprintf(stderr, "RATIO flood/alone p99 %.3f (alone %" PRIu64 " us, flood %" PRIu64
			" us)\n", (double)fm / (double)am, am / 1000, fm / 1000);
	}
	dp_end(dp);
}


/* ---- scheduling order, batching, quotas ------------------------------------------- */

/* One round: the ports (0: tenant a, 1: tenant b) of the results it sent, appended to order. */
static void result_round(struct sluice_dp *dp, char *order, unsigned int *got, unsigned int n)
{
	unsigned int p;

	drive(dp);
	sluice_dp_worker_flush(dp, 0);
	/* One op on the device at a time: at most one new result per round. */
	for (p = 0; p < 2; p++) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0) {
			assert_true(*got < n);
			order[(*got)++] = (char)('a' + p);
			rte_pktmbuf_free(m);
		}
	}
}

/* Ports (0: tenant a, 1: tenant b) of the next `n` results, in the order they were sent. */
static void result_order(struct sluice_dp *dp, char *order, unsigned int n)
{
	unsigned int got = 0;

	SLUICE_TEST_WAIT(got >= n, WAIT_S, result_round(dp, order, &got, n));
	order[got] = '\0';
}

static void queue_frames(struct sluice_dp *dp, unsigned int port, unsigned int n, uint32_t *fid)
{
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = tensor_pkt(sluice_dp_pool(dp), (uint8_t)(1 + port), (*fid)++, 0, 1);

		assert_non_null(m);
		assert_int_equal(rte_ring_enqueue(rx_ring[port], m), 0);
	}
	for (k = 0; k < 100 && rte_ring_count(rx_ring[port]); k++)
		sluice_dp_worker_poll(dp, 0);
	assert_int_equal(rte_ring_count(rx_ring[port]), 0);
}

/*
 * With one op on the device at a time, the order of results is the
 * scheduler's order: a higher priority drains first; equal priorities with
 * weights 3 and 1 alternate exactly three of a's to one of b's.
 */
static void test_sched_order(void **state)
{
	struct sluice_config *cfg = NULL;
	struct sluice_dp *dp;
	uint32_t fa = 1, fb = 1;
	char order[64];

	(void)state;
	dp = dp_new_opts(SLUICE_NPU_COPY_CPU, NULL, 1, false);
	cfg = sluice_test_config_load("npu_share.yaml");
	cfg->tenants[0].npu_contexts[0].priority = 1;
	assert_int_equal(sluice_dp_apply(dp, cfg, NULL), 0);
	/* b's frames queue first; a's, of higher priority, still go first. */
	queue_frames(dp, 1, 8, &fb);
	queue_frames(dp, 0, 8, &fa);
	result_order(dp, order, 16);
	assert_string_equal(order, "aaaaaaaabbbbbbbb");

	/* Equal priorities, weights 3:1: deficit round robin, quantum = weight. */
	cfg->tenants[0].npu_contexts[0].priority = 0;
	assert_int_equal(sluice_dp_apply(dp, cfg, NULL), 0);
	sluice_config_free(cfg);
	for (unsigned int k = 0; k < 10 && sluice_dp_npu_reap(dp) > 0; k++)
		drive(dp);
	queue_frames(dp, 0, 12, &fa);
	queue_frames(dp, 1, 12, &fb);
	result_order(dp, order, 24);
	/* a's replacement context sits after b's in the table: b's turn comes first. */
	assert_string_equal(order, "baaabaaabaaabaaabbbbbbbb");
	drain_tx();
	dp_end(dp);
}

/*
 * Batching: threshold 4 frames or 1 ms. Three frames wait while the clock
 * stands still; the fourth sends all four in one burst; a lone fifth goes
 * once the clock has moved past its timeout.
 */
static void test_batch(void **state)
{
	struct sluice_config *cfg = NULL;
	struct sluice_bridge_ctx_stats st;
	struct sluice_dp *dp;
	uint32_t fa = 1;
	unsigned int k;

	(void)state;
	dp = dp_new(SLUICE_NPU_COPY_CPU);
	cfg = sluice_test_config_load("npu_share.yaml");
	cfg->tenants[0].npu_contexts[0].batch_threshold = 4;
	cfg->tenants[0].npu_contexts[0].batch_timeout_us = 1000;
	assert_int_equal(sluice_dp_apply(dp, cfg, NULL), 0);
	sluice_config_free(cfg);
	queue_frames(dp, 0, 3, &fa);
	for (k = 0; k < 50; k++)
		drive(dp);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_BATCHES], 0);
	assert_int_equal(st.queued, 3);
	queue_frames(dp, 0, 1, &fa);
	drive_until(dp, 4);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_BATCHES], 1);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 4);
	drain_tx();
	queue_frames(dp, 0, 1, &fa);
	for (k = 0; k < 50; k++)
		drive(dp);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.queued, 1);
	sluice_test_clock_advance(rte_get_tsc_hz() / 1000 - 1);
	for (k = 0; k < 50; k++)
		drive(dp);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.queued, 1);                 /* 1 ms less a tick: still waits */
	sluice_test_clock_advance(1);
	drive_until(dp, 1);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_BATCHES], 2);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 5);
	drain_tx();
	dp_end(dp);
}

/*
 * A quota of 50 frames/s on a flooding tenant, on the test clock: over 2000
 * steps of 1 ms it gets its full bucket's one frame at the first step, then
 * one per 20 ms of the 1999 ms after: 100 frames inferred.
 */
static void test_quota(void **state)
{
	struct sluice_config *cfg = NULL;
	struct sluice_bridge_ctx_stats st;
	struct flooder f = { .port = 0 };
	struct sluice_dp *dp;
	uint64_t hz = rte_get_tsc_hz();
	unsigned int step;

	(void)state;
	dp = dp_new(SLUICE_NPU_COPY_CPU);
	cfg = sluice_test_config_load("npu_share.yaml");
	cfg->tenants[0].npu_contexts[0].quota_fps = 50;
	assert_int_equal(sluice_dp_apply(dp, cfg, NULL), 0);
	sluice_config_free(cfg);
	/*
	 * 2 s in steps of 1 ms; at each, the tenant has more frames than it may
	 * send, and the (real-time) device finishes what it was given before the
	 * clock moves on, so only the quota limits.
	 */
	for (step = 0; step < 2000; step++) {
		flood(dp, &f, 4);
		SLUICE_TEST_WAIT((drive(dp), ctx_stats(dp, "a", "t", &st), st.inflight == 0),
				 WAIT_S, (void)0);
		drain_port(0);
		sluice_test_clock_advance(hz / 1000);
	}
	for (step = 0; step < 50; step++)
		drive(dp);
	sluice_dp_worker_flush(dp, 0);
	drain_port(0);
	ctx_stats(dp, "a", "t", &st);
	fprintf(stderr, "quota 50 fps over 2 s: %" PRIu64 " frames inferred of %" PRIu64 " sent\n",
		st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], f.frames);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 100);
	/* Stop sending: what waits goes at the quota's pace; every frame is accounted. */
	while (st.queued > 0) {
		sluice_test_clock_advance(hz / 50);
		drive(dp);
		sluice_dp_worker_flush(dp, 0);
		drain_port(0);
		ctx_stats(dp, "a", "t", &st);
	}
	quiesce_share(dp);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_RESULTS_SENT] +
				 st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED],
			 f.frames);
	dp_end(dp);
}


/* Statuses of the results on port 0, in order, as digits ("0" ok, "1" device error...). */
static void result_statuses(char *out, unsigned int max)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while (rte_ring_dequeue(tx_ring[0], (void **)&m) == 0) {
		uint8_t buf[64];
		const uint8_t *r = rte_pktmbuf_read(m, 42, 64, buf);

		assert_non_null(r);
		assert_true(n + 1 < max);
		out[n++] = (char)('0' + r[5]);
		/* A failed frame has no class and no scores. */
		if (r[5] != SLUICE_RESULT_OK)
			assert_int_equal(r[16] << 8 | r[17], 0xffff);
		rte_pktmbuf_free(m);
	}
	out[n] = '\0';
}

/*
 * Device faults: ops failed by the device come back as results with status
 * "device error"; an op the device swallows is given up after the op
 * timeout (status "timeout"), and once nothing else is in flight the
 * context's queues are reset, which takes its buffer back.
 */
static void test_device_faults(void **state)
{
	struct sluice_npu_fault fault = { .kind = SLUICE_NPU_FAULT_ERROR, .count = 2 };
	struct sluice_bridge_ctx_stats st;
	struct sluice_dp *dp;
	uint32_t fa = 1;
	char stat[64];
	unsigned int k;

	(void)state;
	dp = dp_new(SLUICE_NPU_COPY_CPU);
	assert_int_equal(apply(dp, "npu_share.yaml", NULL), 0);
	/* The RPC's way in: by tenant and context name. */
	assert_int_equal(sluice_dp_npu_fault(dp, "a", "nosuch", &fault), -ENOENT);
	assert_int_equal(sluice_dp_npu_fault(dp, "zz", "t", &fault), -ENOENT);
	fault.count = 0;
	assert_int_equal(sluice_dp_npu_fault(dp, "a", "t", &fault), -EINVAL);
	fault.count = 2;
	assert_int_equal(sluice_dp_npu_fault(dp, "a", "t", &fault), 0);
	queue_frames(dp, 0, 3, &fa);
	drive_until(dp, 3);
	result_statuses(stat, sizeof(stat));
	assert_string_equal(stat, "110");
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_ERRORS], 2);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 1);
	assert_int_equal(st.dev.errors, 2);

	fault.kind = SLUICE_NPU_FAULT_TIMEOUT;
	fault.count = 1;
	assert_int_equal(sluice_npu_fault_inject(sluice_bridge_device(sluice_dp_bridge(dp)),
						 st.dev_ctx, &fault), 0);
	queue_frames(dp, 0, 1, &fa);
	/* Until the device has taken the op and swallowed it (bounded). */
	for (k = 0; k < 1000000; k++) {
		drive(dp);
		ctx_stats(dp, "a", "t", &st);
		if (st.dev.dropped == 1)
			break;
	}
	assert_int_equal(st.dev.dropped, 1);
	assert_int_equal(tx_count(), 0);
	assert_int_equal(st.inflight, 1);
	/* The op timeout (1 s) passes on the test clock. */
	sluice_test_clock_advance(rte_get_tsc_hz() + 1);
	drive_until(dp, 1);
	result_statuses(stat, sizeof(stat));
	assert_string_equal(stat, "2");
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_OP_TIMEOUTS], 1);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_ERRORS], 3);
	assert_int_equal(st.inflight, 0);
	/* The reset took the hung op back (cancelled: a device error), not a late completion. */
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_CTX_RESETS], 1);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_LATE_COMPLETIONS], 0);
	assert_int_equal(st.dev.errors, 3);
	assert_int_equal(st.dev.dropped, 1);
	/* All 16 buffers are free again: 16 frames, 16 results, none refused. */
	queue_frames(dp, 0, 16, &fa);
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED], 0);
	drive_until(dp, 16);
	result_statuses(stat, sizeof(stat));
	assert_string_equal(stat, "0000000000000000");
	ctx_stats(dp, "a", "t", &st);
	assert_int_equal(st.ctr[SLUICE_BRIDGE_CTR_FRAMES_INFERRED], 17);
	dp_end(dp);
}

/* npu_model_add's check: the bridge's own loader, the device validating the blob. */
static void test_model_describe(void **state)
{
	const struct sluice_config *cfg;
	struct sluice_npu_model_ref ref = { .name = "x" };
	struct sluice_npu_model_info mi;
	struct sluice_err err;
	struct sluice_dp *dp;

	(void)state;
	dp = dp_new(SLUICE_NPU_COPY_CPU);
	assert_int_equal(apply(dp, "npu_share.yaml", NULL), 0);
	cfg = sluice_dp_config(dp);
	assert_true(cfg->npu.nb_models > 0);
	assert_int_equal(sluice_dp_npu_model_describe(dp, cfg, &cfg->npu.models[0], &mi, &err), 0);
	assert_int_equal(mi.nb_classes, 10);
	assert_true(mi.macs > 0);
	/* Not a model: refused, with the file named. */
	snprintf(ref.file, sizeof(ref.file), "%s/README.md", SLUICE_SRC_DIR);
	assert_int_equal(sluice_dp_npu_model_describe(dp, cfg, &ref, &mi, &err), -EINVAL);
	assert_string_equal(err.field, "file");
	assert_non_null(strstr(err.msg, "not a valid model blob"));
	snprintf(ref.file, sizeof(ref.file), "/nonexistent/m.snm");
	assert_int_equal(sluice_dp_npu_model_describe(dp, cfg, &ref, &mi, &err), -ENOENT);
	assert_string_equal(err.field, "file");
	/* In use by a context: described again, and left loaded for it. */
	assert_int_equal(sluice_dp_npu_model_describe(dp, cfg, &cfg->npu.models[0], &mi, &err), 0);
	dp_end(dp);
}

/* ---- main ------------------------------------------------------------------------- */

/* After a failed test: free its data plane and empty the rings, so the next test starts clean. */
static int teardown(void **state)
{
	struct rte_mbuf *m;
	unsigned int p;

	(void)state;
	if (cur_dp != NULL) {
		for (p = 0; p < NPORTS; p++)
			while (rte_ring_dequeue(rx_ring[p], (void **)&m) == 0 ||
			       rte_ring_dequeue(tx_ring[p], (void **)&m) == 0)
				rte_pktmbuf_free(m);
		sluice_dp_destroy(cur_dp);
		cur_dp = NULL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci", "--no-shconf",
			"--no-telemetry", "--lcores", "0@0,1@1", "--iova-mode=va",
			"--vdev", "dma_skeleton0", "--log-level", "lib.eal:error" };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_digits_cpu, teardown),
		cmocka_unit_test_teardown(test_model_describe, teardown),
		cmocka_unit_test_teardown(test_digits_dmadev, teardown),
		cmocka_unit_test_teardown(test_digits_zerocopy, teardown),
		cmocka_unit_test_teardown(test_mixed, teardown),
		cmocka_unit_test_teardown(test_loss, teardown),
		cmocka_unit_test_teardown(test_full, teardown),
		cmocka_unit_test_teardown(test_zerocopy_fallback, teardown),
		cmocka_unit_test_teardown(test_isolation, teardown),
		cmocka_unit_test_teardown(test_reload, teardown),
		cmocka_unit_test_teardown(test_sched_order, teardown),
		cmocka_unit_test_teardown(test_batch, teardown),
		cmocka_unit_test_teardown(test_quota, teardown),
		cmocka_unit_test_teardown(test_device_faults, teardown),
		cmocka_unit_test_teardown(test_share_weights, teardown),
		cmocka_unit_test_teardown(test_share_latency, teardown),
	};
	const struct sluice_test_ring_ports ports = {
		.name = "np", .nb_ports = NPORTS, .nb_rxq = 1, .nb_txq = 1,
		.rx_size = RING_SZ, .tx_size = RING_SZ, .rx = rx_ring, .tx = tx_ring,
	};
	int ret;

	(void)argc;
	if (sluice_test_eal_init((int)RTE_DIM(eal), eal, &ports) != 0)
		return 1;
	/* SLUICE_TEST_FILTER=test_share* runs a subset (cmocka's pattern). */
	if (getenv("SLUICE_TEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("SLUICE_TEST_FILTER"));
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
