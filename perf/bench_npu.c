/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One measurement of the NPU bridge's ingest path for perf/bench_npu.py:
 * RFC 4175 frames into one worker core, reassembled into NPU memory by the
 * CPU or by a DMA engine, or gathered where they were received (zero copy:
 * the packets are built in the NPU-memory pool, as a port would receive
 * them); or, as the bound, a plain memcpy of the same payload runs into a
 * buffer of the same kind on the same core.
 *
 *   bench_npu EAL-ARGS -- --mode memcpy|cpu|dmadev|zerocopy --model FILE
 *             [--width W] [--height H] [--pixel 1|3] [--payload BYTES]
 *             [--warmup S] [--seconds S]
 *
 * Prints one JSON object. The worker is the only thread on lcore 1; the
 * traffic source (main lcore) re-sends the same mbufs, rewriting only their
 * RTP timestamps and sequence numbers, so it costs the worker nothing. The
 * device fails every op at once (an injected fault), so the device's
 * inference is not what is measured: frames are assembled, queued, handed
 * to the device and answered; the payload bytes moved are what count.
 */
#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_ring.h>

#include "sluice_bridge.h"
#include "sluice_dp.h"
#include "sluice_loader.h"

#define FRAMES 64          /* frames in one burst */
#define PKTS_MAX 4096      /* packets per frame at most */
#define DEPTH 128          /* the context's buffers: two bursts */

struct pkt_tmpl {
	struct rte_mbuf *m;
	uint32_t pix_off, pix_len[16], pix_src[16];
	unsigned int nb_runs;
};

struct frame {
	unsigned int n;
	struct pkt_tmpl p[PKTS_MAX];
};

static struct frame *frames;
static unsigned int width = 640, height = 480, bpp = 1, payload = 1200;
static double warmup_s = 1.0, seconds = 3.0;

static void die(const char *what)
{
	fprintf(stderr, "bench_npu: %s\n", what);
	exit(2);
}

/* One RFC 4175 frame cut into packets of at most `payload` RTP payload bytes. */
static void frame_build(struct rte_mempool *mp, struct frame *f, unsigned int k)
{
	unsigned int line = 0, off = 0;

	f->n = 0;
	while (line < height) {
		struct { unsigned int len, line, off; } h[16];
		uint8_t buf[9000], *p, *data;
		struct pkt_tmpl *t = &f->p[f->n];
		unsigned int room = payload - 2, nh = 0, k2, len;

		if (f->n == PKTS_MAX)
			die("frame needs too many packets");
		/* The line headers first, then the pixels after them. */
		while (line < height && nh < 16 && room >= 6 + bpp) {
			unsigned int npx;

			room -= 6;
			npx = RTE_MIN(width - off, room / bpp);
			h[nh].len = npx * bpp;
			h[nh].line = line;
			h[nh++].off = off;
			room -= npx * bpp;
			off += npx;
			if (off == width) {
				line++;
				off = 0;
			}
		}
		memset(buf, 0, 42 + 14);
		p = buf + 42 + 14;
		for (k2 = 0; k2 < nh; k2++, p += 6) {
			p[0] = (uint8_t)(h[k2].len >> 8), p[1] = (uint8_t)h[k2].len;
			p[2] = (uint8_t)(h[k2].line >> 8), p[3] = (uint8_t)h[k2].line;
			p[4] = (uint8_t)((h[k2].off >> 8) | (k2 + 1 < nh ? 0x80 : 0));
			p[5] = (uint8_t)h[k2].off;
		}
		data = p;
		t->nb_runs = nh;
		for (k2 = 0; k2 < nh; k2++) {
			t->pix_src[k2] = (uint32_t)(data - buf);
			t->pix_len[k2] = h[k2].len;
			memset(data, (int)(k * 31 + f->n + k2), h[k2].len);
			data += h[k2].len;
		}
		len = (unsigned int)(data - buf);
		/* Ethernet, IPv4 10.0.0.1 -> 10.0.0.2, UDP 40000 -> 5004, RTP. */
		buf[0] = 2, buf[5] = 0x0b, buf[6] = 2, buf[11] = 0x0a, buf[12] = 8;
		buf[14] = 0x45;
		buf[16] = (uint8_t)((len - 14) >> 8), buf[17] = (uint8_t)(len - 14);
		buf[22] = 64, buf[23] = 17;
		buf[26] = 10, buf[29] = 1, buf[30] = 10, buf[33] = 2;
		buf[34] = 0x9c, buf[35] = 0x40, buf[36] = 0x13, buf[37] = 0x8c;
		buf[38] = (uint8_t)((len - 34) >> 8), buf[39] = (uint8_t)(len - 34);
		buf[42] = 0x80;
		buf[43] = (uint8_t)(96 | (line >= height ? 0x80 : 0));
		buf[50] = 0x51, buf[51] = 0xce, buf[53] = 1; /* SSRC */
		t->m = rte_pktmbuf_alloc(mp);
		if (t->m == NULL || rte_pktmbuf_append(t->m, (uint16_t)len) == NULL)
			die("out of mbufs");
		memcpy(rte_pktmbuf_mtod(t->m, void *), buf, len);
		f->n++;
	}
}

/* ---- memcpy: the bound ---------------------------------------------------------- */

static _Atomic bool stop;
static uint64_t copied;

static int memcpy_main(void *arg)
{
	uint8_t *dst = arg;
	uint64_t bytes = 0;
	unsigned int k = 0, slot = 0;
	size_t frame_bytes = (size_t)width * height * bpp;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		struct frame *f = &frames[k];
		uint8_t *d = dst + slot * frame_bytes;
		size_t at = 0;
		unsigned int i, r;

		for (i = 0; i < f->n; i++) {
			const uint8_t *src = rte_pktmbuf_mtod(f->p[i].m, const uint8_t *);

			for (r = 0; r < f->p[i].nb_runs; r++) {
				rte_memcpy(d + at, src + f->p[i].pix_src[r], f->p[i].pix_len[r]);
				at += f->p[i].pix_len[r];
			}
		}
		bytes += at;
		k = (k + 1) % FRAMES;
		slot = (slot + 1) % DEPTH;
	}
	copied = bytes;
	return 0;
}

static void run_memcpy(void)
{
	size_t sz = (size_t)width * height * bpp * DEPTH;
	int fd = memfd_create("bench-dst", 0);
	uint64_t t0, t1;
	uint8_t *dst;

	/* The same kind of memory as swnpu's BAR: a shared memfd mapping. */
	if (fd < 0 || ftruncate(fd, (off_t)sz) != 0)
		die("memfd");
	dst = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (dst == MAP_FAILED)
		die("mmap");
	memset(dst, 0, sz);
	atomic_store(&stop, false);
	t0 = rte_rdtsc();
	rte_eal_remote_launch(memcpy_main, dst, rte_get_next_lcore(-1, 1, 0));
	rte_delay_us_sleep((unsigned int)((warmup_s + seconds) * 1e6));
	atomic_store(&stop, true);
	rte_eal_mp_wait_lcore();
	t1 = rte_rdtsc();
	printf("{\"mode\":\"memcpy\",\"frame_bytes\":%u,\"frames_per_s\":%.1f,\"gbytes_per_s\":%.4f}\n",
	       width * height * bpp,
	       (double)copied / (width * height * bpp) / ((double)(t1 - t0) / rte_get_tsc_hz()),
	       (double)copied / 1e9 / ((double)(t1 - t0) / rte_get_tsc_hz()));
	munmap(dst, sz);
	close(fd);
}

/* ---- the bridge ----------------------------------------------------------------- */

static struct rte_ring *rx, *tx;

static void drain_tx(void)
{
	struct rte_mbuf *m[64];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(tx, (void **)m, 64, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
}

/* Re-send frame k if the bridge is done with all of its mbufs. */
static bool resend(struct frame *f, uint32_t ts, uint32_t *seq)
{
	struct rte_mbuf *burst[PKTS_MAX];
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (rte_mbuf_refcnt_read(f->p[i].m) != 1)
			return false;
	if (rte_ring_free_count(rx) < f->n)
		return false;
	for (i = 0; i < f->n; i++) {
		uint8_t *r = rte_pktmbuf_mtod_offset(f->p[i].m, uint8_t *, 42);
		uint32_t s = (*seq)++;

		r[2] = (uint8_t)(s >> 8), r[3] = (uint8_t)s;
		r[12] = (uint8_t)(s >> 24), r[13] = (uint8_t)(s >> 16);
		r[4] = (uint8_t)(ts >> 24), r[5] = (uint8_t)(ts >> 16);
		r[6] = (uint8_t)(ts >> 8), r[7] = (uint8_t)ts;
		/* The bridge frees its reference; this one keeps the mbuf for the next round. */
		rte_mbuf_refcnt_update(f->p[i].m, 1);
		burst[i] = f->p[i].m;
	}
	if (rte_ring_enqueue_bulk(rx, (void **)burst, f->n, NULL) != f->n)
		die("rx ring");
	return true;
}

static uint64_t lost(const struct sluice_bridge_ctx_stats *now,
		     const struct sluice_bridge_ctx_stats *then)
{
	return now->ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] - then->ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] +
	       now->ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] -
	       then->ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] +
	       now->ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT] - then->ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT];
}

static void run_bridge(enum sluice_npu_copy copy, const char *model)
{
	struct sluice_dp_opts o = {
		.sz = sizeof(o), .nb_workers = 1, .nb_rxq = 1, .nb_txq = 1, .nb_mbufs = 65535,
		.ports_preconfigured = true, .npu_copy_set = true, .npu_copy = copy,
		.npu_device = "swnpu,mem=512M",
	};
	struct sluice_npu_fault fault = { .kind = SLUICE_NPU_FAULT_ERROR, .count = UINT32_MAX };
	struct sluice_bridge_ctx_stats s0, s1, sb;
	struct sluice_config *cfg = NULL;
	struct sluice_diags d;
	struct sluice_err err;
	struct sluice_dp *dp;
	uint64_t t0, t1, hz = rte_get_tsc_hz(), end, busy = 0, bursts = 0;
	uint32_t ts = 0, seq = 0;
	unsigned int k = 0, i;
	bool measuring;
	char yaml[1024];

	dp = sluice_dp_create(&o);
	if (dp == NULL)
		die("sluice_dp_create");
	snprintf(yaml, sizeof(yaml),
		 "npu: {models: [{name: m, file: %s}]}\n"
		 "tenants:\n"
		 "  - name: cam\n"
		 "    match: [{port: 0}]\n"
		 "    npu_contexts:\n"
		 "      - {name: v, model: m, input: {format: rfc4175, pixel: %s, width: %u, "
		 "height: %u}, queue_depth: %u}\n"
		 "    default: {to_npu: v}\n",
		 model, bpp == 3 ? "rgb8" : "gray8", width, height, DEPTH);
	if (sluice_config_load_buf("bench", yaml, strlen(yaml), NULL, &cfg, &d) != 0)
		die(d.count ? d.items[0].text : "config");
	if (sluice_dp_apply(dp, cfg, &err) != 0) {
		fprintf(stderr, "bench_npu: %s: %s\n", err.field, err.msg);
		exit(2);
	}
	sluice_config_free(cfg);
	if (sluice_bridge_ctx_stats(sluice_dp_bridge(dp), "cam", "v", &s0) != 0 ||
	    sluice_npu_fault_inject(sluice_bridge_device(sluice_dp_bridge(dp)), s0.dev_ctx,
				    &fault) != 0)
		die("fault");
	for (k = 0; k < FRAMES; k++)
		frame_build(sluice_dp_pool(dp), &frames[k], k);
	if (sluice_dp_launch(dp) != 0)
		die("launch");
	/*
	 * Bursts: all FRAMES frames' packets at once into the RX ring, then wait
	 * for their FRAMES results. The worker never waits for the source within
	 * a burst, so bytes over time inside bursts is its own rate. The first
	 * bursts warm up (page faults in NPU memory, caches).
	 */
	end = rte_rdtsc() + (uint64_t)(warmup_s * hz);
	measuring = false;
	for (;;) {
		uint64_t b0, now;
		unsigned int got = 0, tries;

		now = rte_rdtsc();
		if (!measuring && now >= end) {
			sluice_bridge_ctx_stats(sluice_dp_bridge(dp), "cam", "v", &s0);
			measuring = true;
			end = now + (uint64_t)(seconds * hz);
		} else if (measuring && now >= end) {
			break;
		}
		b0 = rte_rdtsc();
		for (k = 0; k < FRAMES; k++) {
			for (tries = 0; !resend(&frames[k], ts, &seq); tries++)
				if (tries > 1000000)
					die("the bridge kept the mbufs");
			ts += 3000;
		}
		sluice_bridge_ctx_stats(sluice_dp_bridge(dp), "cam", "v", &sb);
		while (got < FRAMES) {
			struct rte_mbuf *m[64];
			unsigned int n = rte_ring_dequeue_burst(tx, (void **)m, 64, NULL);

			if (n == 0) {
				struct sluice_bridge_ctx_stats sn;

				sched_yield();
				/* A frame refused or lost gets no result: it ends the burst all the same. */
				sluice_bridge_ctx_stats(sluice_dp_bridge(dp), "cam", "v", &sn);
				if (got + lost(&sn, &sb) >= FRAMES)
					break;
				if (rte_rdtsc() - b0 > 10 * hz)
					die("no results");
				continue;
			}
			rte_pktmbuf_free_bulk(m, n);
			got += n;
		}
		if (measuring) {
			busy += rte_rdtsc() - b0;
			bursts++;
		}
	}
	sluice_bridge_ctx_stats(sluice_dp_bridge(dp), "cam", "v", &s1);
	t0 = 0;
	t1 = busy;
	sluice_dp_join(dp);
	drain_tx();
	{
		double secs = (double)(t1 - t0) / hz;
		uint64_t fr = s1.ctr[SLUICE_BRIDGE_CTR_FRAMES_COMPLETE] -
			      s0.ctr[SLUICE_BRIDGE_CTR_FRAMES_COMPLETE];
		uint64_t by = s1.ctr[SLUICE_BRIDGE_CTR_BYTES_MOVED] - s0.ctr[SLUICE_BRIDGE_CTR_BYTES_MOVED];

		double cyc[SLUICE_STAGE_MAX], total = 0;
		unsigned int st;

		sluice_dp_stage_cycles(dp, cyc);
		for (st = 0; st < SLUICE_STAGE_MAX; st++)
			total += cyc[st];
		printf("{\"mode\":\"%s\",\"frame_bytes\":%u,\"frames_per_s\":%.1f,"
		       "\"gbytes_per_s\":%.4f,\"refused\":%" PRIu64 ",\"incomplete\":%" PRIu64
		       ",\"bad\":%" PRIu64 ",\"pkts_per_frame\":%u,\"cycles_per_pkt\":%.1f,"
		       "\"action_cycles_per_pkt\":%.1f,\"bursts\":%" PRIu64 ",\"bytes_per_pkt\":%.1f,"
		       "\"tsc_hz\":%" PRIu64 ",\"gathered\":%" PRIu64 ",\"zc_copied\":%" PRIu64 "}\n",
		       sluice_npu_copy_name(copy), width * height * bpp, fr / secs, by / 1e9 / secs,
		       s1.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED] - s0.ctr[SLUICE_BRIDGE_CTR_FRAMES_REFUSED],
		       s1.ctr[SLUICE_BRIDGE_CTR_FRAMES_INCOMPLETE] +
			       s1.ctr[SLUICE_BRIDGE_CTR_FRAMES_TIMED_OUT],
		       s1.ctr[SLUICE_BRIDGE_CTR_PKTS_BAD], frames[0].n, total,
		       cyc[SLUICE_STAGE_ACTION], bursts, (double)width * height * bpp / frames[0].n,
		       hz,
		       s1.ctr[SLUICE_BRIDGE_CTR_FRAMES_GATHERED] - s0.ctr[SLUICE_BRIDGE_CTR_FRAMES_GATHERED],
		       s1.ctr[SLUICE_BRIDGE_CTR_ZC_COPIED] - s0.ctr[SLUICE_BRIDGE_CTR_ZC_COPIED]);
	}
	/* Wait for the worker's last DMA completions before the mbufs go. */
	for (i = 0; i < 1000; i++)
		sluice_dp_worker_poll(dp, 0);
	for (k = 0; k < FRAMES; k++)
		for (i = 0; i < frames[k].n; i++)
			rte_pktmbuf_free(frames[k].p[i].m);
	sluice_dp_destroy(dp);
}

int main(int argc, char **argv)
{
	const char *mode = "cpu", *model = NULL;
	struct rte_mempool *mp;
	int n, i;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		die("cannot initialise EAL");
	/* Options come in pairs: NAME VALUE. */
	for (i = n + 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL)
			die("option without a value");
		if (strcmp(a, "--mode") == 0)
			mode = v;
		else if (strcmp(a, "--model") == 0)
			model = v;
		else if (strcmp(a, "--width") == 0)
			width = (unsigned int)atoi(v);
		else if (strcmp(a, "--height") == 0)
			height = (unsigned int)atoi(v);
		else if (strcmp(a, "--pixel") == 0)
			bpp = (unsigned int)atoi(v);
		else if (strcmp(a, "--payload") == 0)
			payload = (unsigned int)atoi(v);
		else if (strcmp(a, "--warmup") == 0)
			warmup_s = atof(v);
		else if (strcmp(a, "--seconds") == 0)
			seconds = atof(v);
		else
			die("unknown option");
	}
	if (rte_lcore_count() < 2 || width == 0 || height == 0 || (bpp != 1 && bpp != 3) ||
	    payload < 64 || payload > 8000)
		die("needs 2 lcores and a sane geometry");
	frames = calloc(FRAMES, sizeof(*frames));
	rx = rte_ring_create("bench_rx", 16384, (int)rte_socket_id(), 0);
	tx = rte_ring_create("bench_tx", 16384, (int)rte_socket_id(), 0);
	if (frames == NULL || rx == NULL || tx == NULL)
		die("out of memory");
	if (strcmp(mode, "memcpy") == 0) {
		mp = rte_pktmbuf_pool_create("bench_mp", 65535, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					     (int)rte_socket_id());
		if (mp == NULL)
			die("pool");
		for (i = 0; i < FRAMES; i++)
			frame_build(mp, &frames[i], (unsigned int)i);
		run_memcpy();
	} else {
		struct rte_mempool *dummy = rte_pktmbuf_pool_create("bench_dummy", 63, 0, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
		struct rte_eth_conf conf;
		enum sluice_npu_copy copy = SLUICE_NPU_COPY_CPU;
		int port;

		if (model == NULL || sluice_npu_copy_parse(mode, &copy) != 0)
			die("--mode memcpy|cpu|dmadev|zerocopy and --model FILE");
		port = rte_eth_from_rings("bench0", &rx, 1, &tx, 1, (unsigned int)rte_socket_id());
		memset(&conf, 0, sizeof(conf));
		if (port < 0 || dummy == NULL || rte_eth_dev_configure((uint16_t)port, 1, 1, &conf) ||
		    rte_eth_rx_queue_setup((uint16_t)port, 0, 1024, (unsigned int)rte_socket_id(),
					   NULL, dummy) ||
		    rte_eth_tx_queue_setup((uint16_t)port, 0, 1024, (unsigned int)rte_socket_id(),
					   NULL) ||
		    rte_eth_dev_start((uint16_t)port))
			die("ring port");
		run_bridge(copy, model);
	}
	rte_eal_cleanup();
	return 0;
}
