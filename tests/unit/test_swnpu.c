/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the NPU device API on swnpu (npu-bridge/sluice_npu.h): the
 * device runs on its own thread, so every wait is a bounded poll of a
 * condition (a dequeue, a counter) that fails the test at its deadline.
 * Inference results are compared with sluice_nmodel_run() on the same input
 * and with the numpy reference's scores (tests/unit/nmodel_vectors.bin).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_test.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sluice_nmodel.h"
#include "sluice_npu.h"

#define DEADLINE_NS (5ull * 1000000000ull)
#define PAGE 4096u
#define MODEL_PATH SLUICE_SRC_DIR "/models/digits.snm"

static uint8_t *blob;
static size_t blob_len;
static struct sluice_nmodel *ref;
static struct sluice_nmodel_desc ref_desc;
static void *ref_scratch;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int group_setup(void **state)
{
	FILE *f = fopen(MODEL_PATH, "rb");
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		return -1;
	blob_len = (size_t)len;
	blob = malloc(blob_len);
	if (blob == NULL || fread(blob, 1, blob_len, f) != blob_len)
		return -1;
	fclose(f);
	ref = sluice_nmodel_parse(blob, blob_len, NULL, 0);
	if (ref == NULL)
		return -1;
	sluice_nmodel_describe(ref, &ref_desc);
	ref_scratch = malloc(ref_desc.scratch_bytes + 1);
	return sluice_test_fd_setup(state);
}

static int group_teardown(void **state)
{
	(void)state;
	sluice_nmodel_free(ref);
	free(ref_scratch);
	free(blob);
	return 0;
}

static struct sluice_npu_dev *dev_open(const char *spec)
{
	struct sluice_npu_dev *dev = sluice_npu_open(spec);

	if (dev == NULL)
		fail_msg("sluice_npu_open(%s): %s", spec, strerror(errno));
	return dev;
}

static uint8_t *dev_va(struct sluice_npu_dev *dev)
{
	struct sluice_npu_mem m;

	assert_int_equal(sluice_npu_mem(dev, &m), 0);
	return m.va;
}

static uint16_t ctx_new(struct sluice_npu_dev *dev, uint64_t win, uint16_t ring, uint64_t *addr)
{
	struct sluice_npu_ctx_conf conf = {.sz = sizeof(conf), .win_size = win, .ring_size = ring};
	uint64_t size;
	uint16_t ctx;

	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &ctx), 0);
	if (addr != NULL) {
		assert_int_equal(sluice_npu_ctx_window(dev, ctx, addr, &size), 0);
		assert_int_equal(size, (win + PAGE - 1) / PAGE * PAGE);
	}
	return ctx;
}

static uint16_t model_new(struct sluice_npu_dev *dev)
{
	uint16_t id;

	assert_int_equal(sluice_npu_model_load(dev, blob, blob_len, &id), 0);
	return id;
}

static struct sluice_npu_op op_make(uint16_t model, uint16_t w, uint16_t h, uint8_t c, uint64_t in,
				    uint64_t out)
{
	struct sluice_npu_op op = {
	    .model_id = model,
	    .in_w = w,
	    .in_h = h,
	    .in_c = c,
	    .in_addr = in,
	    .out_addr = out,
	    .out_len = ref_desc.nb_classes * 4u,
	    .status = 12345,
	};

	return op;
}

static void fill_random(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Dequeue until `want` ops came back; fail at the deadline. */
static void drain(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op **out,
		  uint16_t want)
{
	uint64_t end = now_ns() + DEADLINE_NS;
	uint16_t got = 0;

	while (got < want) {
		got += sluice_npu_dequeue_burst(dev, ctx, out + got, (uint16_t)(want - got));
		if (got < want && now_ns() > end)
			fail_msg("ctx %u: %u of %u ops completed before the deadline", ctx, got,
				 want);
		sched_yield();
	}
}

/* Enqueue one op, wait for it, return its status. */
static int32_t run_one(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op *op)
{
	struct sluice_npu_op *back;

	assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, &op, 1), 1);
	drain(dev, ctx, &back, 1);
	assert_ptr_equal(back, op);
	return op->status;
}

static void ref_run(const uint8_t *in, uint32_t w, uint32_t h, uint32_t c, int32_t *scores)
{
	assert_int_equal(sluice_nmodel_run(ref, in, w, h, c, scores, ref_scratch), 0);
}

static struct sluice_npu_stats stats(struct sluice_npu_dev *dev, uint16_t ctx)
{
	struct sluice_npu_stats st;

	assert_int_equal(sluice_npu_stats_get(dev, ctx, &st), 0);
	return st;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/*
 * An SNM blob as docs/npu-model.md lays it out: a grid_w x grid_h grid and
 * fully connected layers of the given widths (widths[0] = grid cells, the
 * last = classes), ReLU on hidden layers, small pseudo-random weights.
 * Returns a malloc'd blob.
 */
static uint8_t *model_build(uint16_t gw, uint16_t gh, const uint16_t *widths, uint16_t nb_layers,
			    size_t *len)
{
	size_t total = 64 + 32u * nb_layers, off;
	unsigned int seed = 7;
	uint8_t *b;

	for (uint16_t k = 0; k < nb_layers; k++)
		total += ((size_t)widths[k] * widths[k + 1] + 3) / 4 * 4 + 4u * widths[k + 1];
	b = calloc(1, total);
	assert_non_null(b);
	memcpy(b, "SNM", 4);
	put16(b + 4, 1);
	put16(b + 6, 64);
	put32(b + 8, (uint32_t)total);
	snprintf((char *)b + 12, 32, "built-%ux%u-%u", gw, gh, nb_layers);
	put16(b + 44, gw);
	put16(b + 46, gh);
	put16(b + 48, widths[nb_layers]);
	put16(b + 50, nb_layers);
	put16(b + 52, 32639); /* x = round(G * 127 / 255), as digits */
	b[54] = 16;
	off = 64 + 32u * nb_layers;
	for (uint16_t k = 0; k < nb_layers; k++) {
		uint8_t *l = b + 64 + 32u * k;
		uint32_t in = widths[k], out = widths[k + 1], wl = in * out;
		bool last = k == nb_layers - 1;

		put16(l, (uint16_t)in);
		put16(l + 2, (uint16_t)out);
		l[4] = 1;
		l[5] = last ? 0 : 1;
		l[6] = last ? 0 : 24;
		put32(l + 8, last ? 0 : 1u << 20);
		put32(l + 12, (uint32_t)off);
		put32(l + 16, wl);
		for (uint32_t i = 0; i < wl; i++) {
			seed = seed * 1103515245u + 12345u;
			b[off + i] = (uint8_t)((int)((seed >> 16) % 17) - 8);
		}
		off += (wl + 3) / 4 * 4;
		put32(l + 20, (uint32_t)off);
		put32(l + 24, 4 * out);
		for (uint32_t o = 0; o < out; o++)
			put32(b + off + 4 * o, (uint32_t)((int32_t)(o * 37 % 200) - 100));
		off += 4 * out;
	}
	*len = total;
	return b;
}

/* ---- Open, info, memory ------------------------------------------------------ */

static void test_open_errors(void **state)
{
	static const struct {
		const char *spec;
		int err;
	} bad[] = {
	    {"", EINVAL},
	    {"nosuch", ENODEV},
	    {"nosuch,mem=1M", ENODEV},
	    {",mem=1M", EINVAL},
	    {"swnpu,bogus=1", EINVAL},
	    {"swnpu,mem", EINVAL},
	    {"swnpu,=1M", EINVAL},
	    {"swnpu,mem=1M,mem=2M", EINVAL},
	    {"swnpu,mem=12x", EINVAL},
	    {"swnpu,mem=", EINVAL},
	    {"swnpu,mem=0", EINVAL},
	    {"swnpu,mem=5000", EINVAL},
	    {"swnpu,mem=99999999999999999999", EINVAL},
	    {"swnpu,mem=1T", EINVAL},
	    {"swnpu,profile=", EINVAL},
	    {"swnpu,profile=/nonexistent/profile", EINVAL},
	    {"swnpu,cpu=-1", EINVAL},
	    {"swnpu,cpu=100000", EINVAL},
	    {"swnpu,poll_us=x", EINVAL},
	    {"swnpu,poll_us=2000000", EINVAL},
	};
	(void)state;

	errno = 0;
	assert_null(sluice_npu_open(NULL));
	assert_int_equal(errno, EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		if (sluice_npu_open(bad[i].spec) != NULL)
			fail_msg("%s opened", bad[i].spec);
		if (errno != bad[i].err)
			fail_msg("%s: errno %d, want %d", bad[i].spec, errno, bad[i].err);
	}
	sluice_npu_close(NULL);
}

static void test_info(void **state)
{
	struct sluice_npu_info info;
	struct sluice_npu_dev *dev;
	(void)state;

	dev = dev_open("swnpu,mem=1M,profile=hailo8,poll_us=10,cpu=0");
	assert_int_equal(sluice_npu_info_get(dev, &info), 0);
	assert_string_equal(info.driver, "swnpu");
	assert_int_equal(info.mem_size, 1u << 20);
	assert_int_equal(info.max_contexts, 256);
	assert_int_equal(info.max_models, 64);
	assert_int_equal(info.max_ring, 1024);
	assert_int_equal(info.max_segs, 256);
	assert_string_equal(info.profile, "hailo8");
	assert_int_equal(sluice_npu_info_get(dev, NULL), -EINVAL);
	assert_int_equal(sluice_npu_info_get(NULL, &info), -EINVAL);
	sluice_npu_close(dev);

	dev = dev_open("swnpu");
	assert_int_equal(sluice_npu_info_get(dev, &info), 0);
	assert_int_equal(info.mem_size, 64u << 20);
	assert_string_equal(info.profile, "none");
	sluice_npu_close(dev);
}

static void test_mem_view(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=256K");
	struct sluice_npu_mem m;
	uint8_t *other;
	(void)state;

	assert_int_equal(sluice_npu_mem(dev, &m), 0);
	assert_non_null(m.va);
	assert_int_equal(m.size, 256u << 10);
	assert_int_equal(m.iova, 0);
	assert_true(m.fd >= 0);
	assert_int_equal(sluice_npu_mem_set_iova(dev, 0x12340000), 0);
	assert_int_equal(sluice_npu_mem(dev, &m), 0);
	assert_int_equal(m.iova, 0x12340000);
	/* Fresh device memory is zero, and the fd maps the same bytes. */
	for (size_t i = 0; i < m.size; i++)
		if (((uint8_t *)m.va)[i] != 0)
			fail_msg("byte %zu is %u", i, ((uint8_t *)m.va)[i]);
	other = mmap(NULL, m.size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
	assert_true(other != MAP_FAILED);
	((uint8_t *)m.va)[4097] = 0x5a;
	assert_int_equal(other[4097], 0x5a);
	other[m.size - 1] = 0xa5;
	assert_int_equal(((uint8_t *)m.va)[m.size - 1], 0xa5);
	munmap(other, m.size);
	assert_int_equal(sluice_npu_mem(dev, NULL), -EINVAL);
	sluice_npu_close(dev);
}

/* ---- Contexts ---------------------------------------------------------------- */

static void test_ctx_windows(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_ctx_conf conf = {
	    .sz = sizeof(conf), .win_size = 256 << 10, .ring_size = 4};
	uint64_t addr[4], a, sz;
	uint8_t *va = dev_va(dev);
	uint16_t ctx[4], c;
	(void)state;

	for (int i = 0; i < 4; i++) {
		ctx[i] = ctx_new(dev, 256 << 10, 4, &addr[i]);
		/* First fit: windows are laid end to end. */
		assert_int_equal(addr[i], (uint64_t)i * (256 << 10));
	}
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -ENOSPC);
	conf.win_size = 1;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -ENOSPC);

	/* A destroyed window is zeroed and handed out again. */
	memset(va + addr[1], 0x77, 256 << 10);
	assert_int_equal(sluice_npu_ctx_destroy(dev, ctx[1]), 0);
	assert_int_equal(sluice_npu_ctx_destroy(dev, ctx[1]), -ENOENT);
	assert_int_equal(sluice_npu_ctx_window(dev, ctx[1], &a, &sz), -ENOENT);
	for (size_t i = 0; i < (256 << 10); i++)
		if (va[addr[1] + i] != 0)
			fail_msg("byte %zu of the freed window is %u", i, va[addr[1] + i]);
	/* Sizes round up to 4 KiB: 5000 takes 8 KiB at the freed window's start. */
	c = ctx_new(dev, 5000, 4, &a);
	assert_int_equal(a, addr[1]);
	assert_int_equal(sluice_npu_ctx_destroy(dev, c), 0);

	/* Bad configurations. */
	conf = (struct sluice_npu_ctx_conf){.sz = sizeof(conf), .win_size = 4096, .ring_size = 3};
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -EINVAL);
	conf.ring_size = 1;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -EINVAL);
	conf.ring_size = 2048;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -EINVAL);
	conf.ring_size = 4;
	conf.win_size = 0;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -EINVAL);
	conf.win_size = 4096;
	conf.sz = offsetof(struct sluice_npu_ctx_conf, ring_size);
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -EINVAL);
	{
		/* A newer caller's larger struct: accepted only with its tail zero. */
		struct {
			struct sluice_npu_ctx_conf conf;
			uint64_t more;
		} big = {.conf = {.sz = sizeof(big), .win_size = 4096, .ring_size = 4}, .more = 1};

		assert_int_equal(sluice_npu_ctx_create(dev, &big.conf, &c), -EINVAL);
		big.more = 0;
		assert_int_equal(sluice_npu_ctx_create(dev, &big.conf, &c), 0);
		assert_int_equal(sluice_npu_ctx_destroy(dev, c), 0);
	}
	assert_int_equal(sluice_npu_ctx_create(dev, NULL, &c), -EINVAL);
	assert_int_equal(sluice_npu_ctx_destroy(dev, 999), -ENOENT);
	sluice_npu_close(dev);
}

static void test_ctx_slots(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=2M");
	struct sluice_npu_ctx_conf conf = {.sz = sizeof(conf), .win_size = 4096, .ring_size = 2};
	uint16_t c;
	(void)state;

	for (unsigned int i = 0; i < SLUICE_NPU_CTX_MAX; i++) {
		assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), 0);
		assert_int_equal(c, i);
	}
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -ENOSPC);
	assert_int_equal(sluice_npu_ctx_destroy(dev, 77), 0);
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), 0);
	assert_int_equal(c, 77);
	for (unsigned int i = 0; i < SLUICE_NPU_CTX_MAX; i++)
		assert_int_equal(sluice_npu_ctx_destroy(dev, (uint16_t)i), 0);
	sluice_npu_close(dev);
}

/* ---- Ops: order, ring full, inference ------------------------------------------ */

static void test_order_and_ring_full(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_op op[10], *ptr[10], *back[10];
	uint16_t model = model_new(dev), ctx;
	uint8_t *va = dev_va(dev);
	struct sluice_npu_stats st;
	uint64_t win, end;
	(void)state;

	ctx = ctx_new(dev, 64 << 10, 8, &win);
	for (int i = 0; i < 10; i++) {
		fill_random(va + win + i * 64, 64, (unsigned int)i);
		op[i] = op_make(model, 8, 8, 1, win + i * 64, win + 32768 + i * 64);
		op[i].user_data = 1000 + i;
		ptr[i] = &op[i];
	}
	assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, ptr, 10), 8);
	assert_int_equal(stats(dev, ctx).ring_full, 1);
	/* Completed or not, eight ops are the device's until dequeued. */
	end = now_ns() + DEADLINE_NS;
	while (stats(dev, ctx).completed_ok != 8) {
		if (now_ns() > end)
			fail_msg("ops did not complete");
		sched_yield();
	}
	assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, ptr + 8, 2), 0);
	assert_int_equal(stats(dev, ctx).ring_full, 2);

	drain(dev, ctx, back, 8);
	for (int i = 0; i < 8; i++) {
		int32_t want[SLUICE_NMODEL_WIDTH_MAX];

		assert_ptr_equal(back[i], &op[i]);
		assert_int_equal(back[i]->user_data, 1000 + i);
		assert_int_equal(back[i]->status, 0);
		ref_run(va + win + i * 64, 8, 8, 1, want);
		assert_memory_equal(va + win + 32768 + i * 64, want, ref_desc.nb_classes * 4u);
	}
	assert_int_equal(sluice_npu_dequeue_burst(dev, ctx, back, 10), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, ptr + 8, 2), 2);
	drain(dev, ctx, back, 2);
	assert_ptr_equal(back[0], &op[8]);
	assert_ptr_equal(back[1], &op[9]);
	st = stats(dev, ctx);
	assert_int_equal(st.enqueued, 10);
	assert_int_equal(st.dequeued, 10);
	assert_int_equal(st.completed_ok, 10);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.ring_full, 2);
	/* Bursts on a context that does not exist take nothing. */
	assert_int_equal(sluice_npu_enqueue_burst(dev, 200, ptr, 1), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, 60000, ptr, 1), 0);
	assert_int_equal(sluice_npu_dequeue_burst(dev, 200, back, 1), 0);
	sluice_npu_close(dev);
}

/* Frames of several geometries, contiguous and gathered, against the reference. */
static void test_inference(void **state)
{
	static const struct {
		uint16_t w, h;
		uint8_t c;
	} geo[] = {{8, 8, 1}, {9, 13, 1}, {28, 28, 3}, {640, 480, 1}, {320, 240, 3}};
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=16M");
	uint16_t model = model_new(dev), ctx;
	struct sluice_npu_model_info mi;
	uint8_t *va = dev_va(dev);
	uint64_t win;
	(void)state;

	assert_int_equal(sluice_npu_model_info_get(dev, model, &mi), 0);
	assert_string_equal(mi.name, ref_desc.name);
	assert_int_equal(mi.nb_classes, ref_desc.nb_classes);
	assert_int_equal(mi.out_bytes, ref_desc.nb_classes * 4u);
	assert_int_equal(mi.macs, ref_desc.macs);
	assert_int_equal(mi.in_max_w, SLUICE_NMODEL_FRAME_MAX);
	assert_int_equal(mi.in_max_h, SLUICE_NMODEL_FRAME_MAX);
	assert_int_equal(mi.in_channels_mask, (1 << 1) | (1 << 3));

	ctx = ctx_new(dev, 8 << 20, 16, &win);
	for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
		uint32_t len = (uint32_t)geo[g].w * geo[g].h * geo[g].c;
		uint64_t in = win, out = win + (4 << 20), segs = out + 4096;
		uint64_t frame2 = win + (2 << 20); /* the gathered copy */
		int32_t want[SLUICE_NMODEL_WIDTH_MAX];
		struct sluice_npu_seg *sl = (struct sluice_npu_seg *)(va + segs);
		struct sluice_npu_op op;
		uint32_t nb = 0, off = 0;

		fill_random(va + in, len, (unsigned int)g * 77u + 1);
		ref_run(va + in, geo[g].w, geo[g].h, geo[g].c, want);

		op = op_make(model, geo[g].w, geo[g].h, geo[g].c, in, out);
		assert_int_equal(run_one(dev, ctx, &op), 0);
		assert_memory_equal(va + out, want, mi.out_bytes);

		/* The same frame cut into uneven pieces listed back to front, each
		 * piece stored at a scattered place, as packets land in buffers. */
		while (off < len) {
			uint32_t piece = len / 128 + 1 + (nb * 37u + 11u) % 1500u;

			if (piece > len - off)
				piece = len - off;
			sl[nb].addr = frame2 + off + nb * 64u;
			sl[nb].len = piece;
			sl[nb].dst_off = off;
			memcpy(va + sl[nb].addr, va + in + off, piece);
			off += piece;
			nb++;
		}
		assert_true(nb > 1 && nb <= SLUICE_NPU_SEGS_MAX);
		for (uint32_t i = 0; i < nb / 2; i++) {
			struct sluice_npu_seg t = sl[i];

			sl[i] = sl[nb - 1 - i];
			sl[nb - 1 - i] = t;
		}
		memset(va + out, 0, mi.out_bytes);
		op = op_make(model, geo[g].w, geo[g].h, geo[g].c, 0, out);
		op.nb_segs = (uint16_t)nb;
		op.segs_addr = segs;
		assert_int_equal(run_one(dev, ctx, &op), 0);
		assert_memory_equal(va + out, want, mi.out_bytes);
	}

	/* A gather list with a hole: the hole reads as zeros, never as the
	 * previous op's input. */
	{
		uint8_t frame[16 * 16];
		int32_t want[SLUICE_NMODEL_WIDTH_MAX];
		struct sluice_npu_seg *sl = (struct sluice_npu_seg *)(va + win + 4096);
		struct sluice_npu_op op;

		fill_random(va + win + 8192, sizeof(frame), 99);
		memcpy(frame, va + win + 8192, sizeof(frame));
		memset(frame + 100, 0, 56);
		sl[0] =
		    (struct sluice_npu_seg){.addr = win + 8192 + 156, .len = 100, .dst_off = 156};
		sl[1] = (struct sluice_npu_seg){.addr = win + 8192, .len = 100, .dst_off = 0};
		ref_run(frame, 16, 16, 1, want);
		op = op_make(model, 16, 16, 1, 0, win + 65536);
		op.nb_segs = 2;
		op.segs_addr = win + 4096;
		assert_int_equal(run_one(dev, ctx, &op), 0);
		assert_memory_equal(va + win + 65536, want, mi.out_bytes);
	}
	assert_int_equal(stats(dev, ctx).errors, 0);
	sluice_npu_close(dev);
}

/*
 * tests/unit/nmodel_vectors.bin: frames with the scores of the numpy
 * reference (tools/npu_model.py). Through the device in bursts of 32, every
 * other op gathered from pieces listed back to front.
 */
static void test_reference_vectors(void **state)
{
	struct sluice_npu_op op[32], *ptr[32], *back[32];
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=4M");
	uint16_t model = model_new(dev), ctx;
	uint8_t *va = dev_va(dev), *file, *p, *end;
	const uint8_t *want[32];
	uint32_t count, done = 0;
	uint64_t win;
	size_t len;
	(void)state;

	file = sluice_test_read_file(SLUICE_SRC_DIR "/tests/unit/nmodel_vectors.bin", &len);
	assert_true(len > 0);
	assert_memory_equal(file, "SNV1", 4);
	count = get32(file + 4);
	assert_int_equal(count, 300);
	p = file + 8;
	end = file + len;
	ctx = ctx_new(dev, 2 << 20, 32, &win);
	while (done < count) {
		uint16_t n = 0;

		for (; n < 32 && done + n < count; n++) {
			uint16_t w = (uint16_t)(p[0] | p[1] << 8), h = (uint16_t)(p[2] | p[3] << 8);
			uint16_t nb_scores = (uint16_t)(p[6] | p[7] << 8);
			uint32_t flen = (uint32_t)w * h * p[4];
			uint64_t in = win + n * 8192u, out = win + (1 << 20) + n * 4096u;

			assert_true(p + 8 + flen + 4u * nb_scores <= end);
			assert_int_equal(nb_scores, ref_desc.nb_classes);
			op[n] = op_make(model, w, h, p[4], in, out);
			memcpy(va + in, p + 8, flen);
			if (n % 2 == 1) {
				uint64_t pieces = win + (512 << 10) + n * 8192u;
				uint64_t list = win + (1536 << 10) + n * 4096u;
				struct sluice_npu_seg *sl = (struct sluice_npu_seg *)(va + list);
				uint16_t nb = (uint16_t)((flen + 96) / 97);

				for (uint16_t i = 0; i < nb; i++) {
					uint32_t o = i * 97u, l = flen - o < 97 ? flen - o : 97;

					sl[nb - 1 - i].addr = pieces + o + i * 8u;
					sl[nb - 1 - i].len = l;
					sl[nb - 1 - i].dst_off = o;
					memcpy(va + pieces + o + i * 8u, p + 8 + o, l);
				}
				memset(va + in, 0, flen);
				op[n].in_addr = 0;
				op[n].nb_segs = nb;
				op[n].segs_addr = list;
			}
			want[n] = p + 8 + flen;
			ptr[n] = &op[n];
			p += 8 + flen + 4u * nb_scores;
		}
		assert_int_equal(sluice_npu_enqueue_burst(dev, ctx, ptr, n), n);
		drain(dev, ctx, back, n);
		for (uint16_t i = 0; i < n; i++) {
			assert_ptr_equal(back[i], &op[i]);
			assert_int_equal(op[i].status, 0);
			for (uint16_t k = 0; k < ref_desc.nb_classes; k++) {
				int32_t got;

				memcpy(&got, va + op[i].out_addr + 4u * k, 4);
				if (got != (int32_t)get32(want[i] + 4u * k))
					fail_msg("vector %u score %u: %d, reference %d", done + i,
						 k, got, (int32_t)get32(want[i] + 4u * k));
			}
		}
		done += n;
	}
	assert_ptr_equal(p, end);
	assert_int_equal(stats(dev, ctx).completed_ok, count);
	free(file);
	sluice_npu_close(dev);
}

/*
 * The 899 test digits of tests/unit/nmodel_digits.bin, as 8 x 8 gray frames
 * on one context and 32 x 32 RGB frames on another, bursts interleaved:
 * each prediction is the reference's, and as many are right.
 */
static void test_digits(void **state)
{
	struct sluice_npu_op op[2][32], *ptr[2][32], *back[32];
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=4M");
	uint16_t model = model_new(dev), ctx[2];
	uint8_t *va = dev_va(dev), *file;
	uint32_t count, right_ref, right[2] = {0, 0};
	uint64_t win[2];
	size_t len;
	(void)state;

	file = sluice_test_read_file(SLUICE_SRC_DIR "/tests/unit/nmodel_digits.bin", &len);
	assert_true(len > 0);
	assert_memory_equal(file, "SND1", 4);
	count = get32(file + 4);
	right_ref = get32(file + 8);
	assert_int_equal(len, 12 + (size_t)count * 66);
	for (int c = 0; c < 2; c++)
		ctx[c] = ctx_new(dev, 1 << 20, 32, &win[c]);
	for (uint32_t base = 0; base < count; base += 32) {
		uint16_t n = (uint16_t)(count - base < 32 ? count - base : 32);

		for (int c = 0; c < 2; c++) {
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *d = file + 12 + (size_t)(base + i) * 66;
				uint64_t in = win[c] + i * 4096u;
				uint16_t side = c == 0 ? 8 : 32;

				for (uint32_t y = 0; y < side; y++)
					for (uint32_t x = 0; x < side; x++) {
						uint8_t v = d[(y * 8 / side) * 8 + x * 8 / side];
						uint8_t px = (uint8_t)((v * 255 + 8) / 16);

						if (c == 0)
							va[in + y * 8 + x] = px;
						else
							memset(va + in + (y * 32 + x) * 3, px, 3);
					}
				op[c][i] = op_make(model, side, side, c == 0 ? 1 : 3, in,
						   win[c] + (512 << 10) + i * 64u);
				ptr[c][i] = &op[c][i];
			}
			assert_int_equal(sluice_npu_enqueue_burst(dev, ctx[c], ptr[c], n), n);
		}
		for (int c = 0; c < 2; c++) {
			drain(dev, ctx[c], back, n);
			for (uint16_t i = 0; i < n; i++) {
				const uint8_t *d = file + 12 + (size_t)(base + i) * 66;
				int32_t scores[SLUICE_NMODEL_WIDTH_MAX];
				uint16_t pred;

				assert_int_equal(op[c][i].status, 0);
				memcpy(scores, va + op[c][i].out_addr, 4u * ref_desc.nb_classes);
				pred = sluice_nmodel_argmax(scores, ref_desc.nb_classes);
				if (pred != d[65])
					fail_msg("digit %u ctx %d: predicted %u, reference %u",
						 base + i, c, pred, d[65]);
				right[c] += pred == d[64];
			}
		}
	}
	assert_int_equal(right[0], right_ref);
	assert_int_equal(right[1], right_ref);
	free(file);
	sluice_npu_close(dev);
}

/* A model built per docs/npu-model.md: 1024 classes (4 KiB of scores), a
 * 32 x 32 grid, 2 MiB of weights held in device memory. */
static void test_built_model(void **state)
{
	static const uint16_t widths[] = {1024, 1024, 1024};
	uint8_t *big = NULL, *va;
	struct sluice_nmodel_desc bd;
	struct sluice_nmodel *bref;
	struct sluice_npu_model_info mi;
	struct sluice_npu_ctx_conf conf = {.sz = sizeof(conf), .ring_size = 4};
	struct sluice_npu_dev *dev;
	struct sluice_npu_op op;
	uint64_t wpages, wa;
	uint16_t id, c;
	int32_t *want;
	void *scratch;
	size_t len;
	(void)state;

	big = model_build(32, 32, widths, 2, &len);
	bref = sluice_nmodel_parse(big, len, NULL, 0);
	assert_non_null(bref);
	sluice_nmodel_describe(bref, &bd);
	assert_int_equal(bd.nb_classes, 1024);
	assert_int_equal(bd.macs, 2 * 1024 * 1024);
	wpages = (bd.weight_bytes + PAGE - 1) / PAGE;

	dev = dev_open("swnpu,mem=4M");
	va = dev_va(dev);
	assert_int_equal(sluice_npu_model_load(dev, big, len, &id), 0);
	assert_int_equal(sluice_npu_model_info_get(dev, id, &mi), 0);
	assert_string_equal(mi.name, "built-32x32-2");
	assert_int_equal(mi.out_bytes, 4096);
	assert_int_equal(mi.macs, bd.macs);
	/* What is left of device memory, and not a page more. */
	conf.win_size = ((4 << 20) / PAGE - wpages + 1) * PAGE;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -ENOSPC);
	conf.win_size -= PAGE;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), 0);
	assert_int_equal(sluice_npu_ctx_window(dev, c, &wa, &(uint64_t){0}), 0);

	fill_random(va + wa, 64 * 48 * 3, 11);
	want = malloc(4096);
	scratch = malloc(bd.scratch_bytes);
	assert_int_equal(sluice_nmodel_run(bref, va + wa, 64, 48, 3, want, scratch), 0);
	op = op_make(id, 64, 48, 3, wa, wa + 4 * PAGE);
	op.out_len = 4095;
	assert_int_equal(run_one(dev, c, &op), -EINVAL);
	op.out_len = 4096;
	assert_int_equal(run_one(dev, c, &op), 0);
	assert_memory_equal(va + wa + 4 * PAGE, want, 4096);
	/* The last 4 bytes of the window are one byte short for the scores. */
	op = op_make(id, 64, 48, 3, wa, wa + conf.win_size - 4095);
	op.out_len = 4096;
	assert_int_equal(run_one(dev, c, &op), -EFAULT);
	sluice_npu_close(dev);

	/* With the hailo8 profile, its MACs show in device_ns: ceil(2 * macs / 26000). */
	dev = dev_open("swnpu,mem=8M,profile=hailo8");
	assert_int_equal(sluice_npu_model_load(dev, big, len, &id), 0);
	c = ctx_new(dev, 1 << 20, 4, &wa);
	op = op_make(id, 32, 32, 1, wa, wa + 4 * PAGE);
	op.out_len = 4096;
	assert_int_equal(run_one(dev, c, &op), 0);
	assert_int_equal(op.device_ns, 500000 + 50000 + (2 * bd.macs + 25999) / 26000);
	assert_int_equal(op.device_ns, 500000 + 50000 + 162);
	sluice_npu_close(dev);

	free(want);
	free(scratch);
	sluice_nmodel_free(bref);
	free(big);
}

/* ---- Window enforcement -------------------------------------------------------- */

static void assert_all(const uint8_t *p, size_t len, uint8_t v, const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			fail_msg("%s: byte %zu is 0x%02x, want 0x%02x", what, i, p[i], v);
}

static void test_window_faults(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	uint16_t model = model_new(dev), a, b;
	uint8_t *va = dev_va(dev);
	uint64_t wa, wb, wsz = 64 << 10;
	struct sluice_npu_seg *sl;
	struct sluice_npu_op op;
	struct sluice_npu_stats st;
	uint32_t outb = ref_desc.nb_classes * 4u;
	int faults = 0;
	(void)state;

	a = ctx_new(dev, wsz, 8, &wa);
	b = ctx_new(dev, wsz, 8, &wb);
	assert_int_equal(wb, wa + wsz); /* neighbours */
	memset(va + wb, 0xa5, wsz);
	fill_random(va + wa, 64, 5);
	memset(va + wa + 4096, 0x5a, 4096); /* A's output area */

	/* Input in B's window. */
	op = op_make(model, 8, 8, 1, wb, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	/* Input straddling A's end into B. */
	op = op_make(model, 8, 8, 1, wb - 32, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	/* Input past the end of device memory, and wrapping around 2^64. */
	op = op_make(model, 8, 8, 1, 1u << 20, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	op = op_make(model, 8, 8, 1, UINT64_MAX - 10, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	assert_all(va + wa + 4096, 4096, 0x5a, "A's output after refused inputs");

	/* Output in B's window, and straddling A's end. */
	op = op_make(model, 8, 8, 1, wa, wb + 128);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	op = op_make(model, 8, 8, 1, wa, wb - outb + 4);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;

	/* Gather: one segment of three in B; then the list itself in B. */
	sl = (struct sluice_npu_seg *)(va + wa + 8192);
	sl[0] = (struct sluice_npu_seg){.addr = wa, .len = 20, .dst_off = 0};
	sl[1] = (struct sluice_npu_seg){.addr = wb + 100, .len = 20, .dst_off = 20};
	sl[2] = (struct sluice_npu_seg){.addr = wa + 40, .len = 24, .dst_off = 40};
	op = op_make(model, 8, 8, 1, 0, wa + 4096);
	op.nb_segs = 3;
	op.segs_addr = wa + 8192;
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	sl[1].addr = wa + 20;
	memcpy(va + wb + 512, sl, 3 * sizeof(*sl)); /* B's bytes, restored below */
	op.segs_addr = wb + 512;
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	faults++;
	memset(va + wb + 512, 0xa5, 3 * sizeof(*sl));
	assert_all(va + wa + 4096, 4096, 0x5a, "A's output after refused gathers");

	/* The same list inside A is fine. */
	op.segs_addr = wa + 8192;
	assert_int_equal(run_one(dev, a, &op), 0);

	st = stats(dev, a);
	assert_int_equal(st.window_faults, faults);
	assert_int_equal(st.errors, faults);
	assert_int_equal(st.completed_ok, 1);
	st = stats(dev, b);
	assert_int_equal(st.window_faults, 0);
	assert_int_equal(st.enqueued, 0);
	assert_all(va + wb, wsz, 0xa5, "B's window");
	st = stats(dev, UINT16_MAX);
	assert_int_equal(st.window_faults, faults);
	sluice_npu_close(dev);
}

static void test_grant(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	uint16_t model = model_new(dev), a;
	uint8_t *va = dev_va(dev);
	uint64_t wa, rx = 512 << 10; /* outside every window */
	uint32_t outb = ref_desc.nb_classes * 4u;
	int32_t want[SLUICE_NMODEL_WIDTH_MAX];
	static uint8_t rx_copy[8192];
	struct sluice_npu_seg *sl;
	struct sluice_npu_op op;
	(void)state;

	a = ctx_new(dev, 64 << 10, 8, &wa);
	fill_random(va + rx, 8192, 3);
	ref_run(va + rx, 32, 32, 1, want);

	op = op_make(model, 32, 32, 1, rx, wa);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 8192), 0);
	op = op_make(model, 32, 32, 1, rx, wa);
	assert_int_equal(run_one(dev, a, &op), 0);
	assert_memory_equal(va + wa, want, outb);

	/* Zero-copy: the gather list in the window, the pieces in the grant. */
	sl = (struct sluice_npu_seg *)(va + wa + 4096);
	sl[0] = (struct sluice_npu_seg){.addr = rx + 512, .len = 512, .dst_off = 512};
	sl[1] = (struct sluice_npu_seg){.addr = rx, .len = 512, .dst_off = 0};
	memset(va + wa, 0, outb);
	op = op_make(model, 32, 32, 1, 0, wa);
	op.nb_segs = 2;
	op.segs_addr = wa + 4096;
	assert_int_equal(run_one(dev, a, &op), 0);
	assert_memory_equal(va + wa, want, outb);

	/* Read-only: writing the scores into the grant is refused, bytes kept. */
	op = op_make(model, 32, 32, 1, wa + 8192, rx + 4096);
	memcpy(va + wa + 8192, va + rx, 1024);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	fill_random(rx_copy, sizeof(rx_copy), 3);
	assert_memory_equal(va + rx, rx_copy, sizeof(rx_copy));
	/* A range running off the grant's end is refused too. */
	op = op_make(model, 32, 32, 1, rx + 8192 - 512, wa);
	assert_int_equal(run_one(dev, a, &op), -EFAULT);
	assert_int_equal(stats(dev, a).window_faults, 3);

	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 0), -EINVAL);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, 1 << 20, 1), -EINVAL);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, (1 << 20) - 4096, 4097), -EINVAL);
	assert_int_equal(sluice_npu_ctx_grant(dev, 9, rx, 1), -ENOENT);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 1), 0);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 2), 0);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 3), 0);
	assert_int_equal(sluice_npu_ctx_grant(dev, a, rx, 4), -ENOSPC);
	sluice_npu_close(dev);
}

/* ---- Models -------------------------------------------------------------------- */

static void test_bad_ops(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	uint16_t model = model_new(dev), a;
	uint8_t *va = dev_va(dev);
	struct sluice_npu_seg *sl;
	struct sluice_npu_op op;
	struct sluice_npu_stats st;
	uint64_t wa;
	int bad = 0;
	(void)state;

	a = ctx_new(dev, 64 << 10, 8, &wa);
	memset(va + wa + 4096, 0x5a, 4096);
	op = op_make(63, 8, 8, 1, wa, wa + 4096); /* free slot */
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(1000, 8, 8, 1, wa, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(model, 8, 8, 2, wa, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(model, (uint16_t)(ref_desc.grid_w - 1), 8, 1, wa, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(model, 8, 4097, 1, wa, wa + 4096);
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(model, 8, 8, 1, wa, wa + 4096);
	op.out_len = ref_desc.nb_classes * 4u - 1;
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	op = op_make(model, 8, 8, 1, 0, wa + 4096);
	op.nb_segs = SLUICE_NPU_SEGS_MAX + 1;
	op.segs_addr = wa + 8192;
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	/* Segments that write past the input, or are empty. */
	sl = (struct sluice_npu_seg *)(va + wa + 8192);
	sl[0] = (struct sluice_npu_seg){.addr = wa, .len = 60, .dst_off = 0};
	sl[1] = (struct sluice_npu_seg){.addr = wa, .len = 5, .dst_off = 60};
	op.nb_segs = 2;
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	sl[1] = (struct sluice_npu_seg){.addr = wa, .len = 1, .dst_off = UINT32_MAX};
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	sl[1] = (struct sluice_npu_seg){.addr = wa, .len = 0, .dst_off = 60};
	assert_int_equal(run_one(dev, a, &op), -EINVAL);
	bad++;
	assert_all(va + wa + 4096, 4096, 0x5a, "output after refused ops");
	st = stats(dev, a);
	assert_int_equal(st.errors, bad);
	assert_int_equal(st.window_faults, 0);
	assert_int_equal(st.completed_ok, 0);
	sluice_npu_close(dev);
}

static void test_models(void **state)
{
	static const uint8_t junk[64];
	struct sluice_npu_dev *dev;
	struct sluice_npu_ctx_conf conf = {.sz = sizeof(conf), .ring_size = 2};
	struct sluice_npu_model_info mi;
	uint64_t wpages = (ref_desc.weight_bytes + PAGE - 1) / PAGE;
	uint16_t id, c;
	char spec[64];
	(void)state;

	/* Weights take device memory outside every window. */
	snprintf(spec, sizeof(spec), "swnpu,mem=%luK", (unsigned long)(wpages + 4) * 4);
	dev = dev_open(spec);
	assert_int_equal(sluice_npu_model_load(dev, junk, sizeof(junk), &id), -EINVAL);
	assert_int_equal(sluice_npu_model_load(dev, blob, blob_len - 1, &id), -EINVAL);
	assert_int_equal(sluice_npu_model_load(dev, NULL, 0, &id), -EINVAL);
	id = model_new(dev);
	assert_int_equal(id, 0);
	conf.win_size = 5 * PAGE;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), -ENOSPC);
	conf.win_size = 4 * PAGE;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), 0);
	assert_int_equal(sluice_npu_model_load(dev, blob, blob_len, &id), -ENOSPC);
	assert_int_equal(sluice_npu_ctx_destroy(dev, c), 0);
	/* Unloading gives the memory back. */
	assert_int_equal(sluice_npu_model_unload(dev, 0), 0);
	assert_int_equal(sluice_npu_model_unload(dev, 0), -ENOENT);
	assert_int_equal(sluice_npu_model_info_get(dev, 0, &mi), -ENOENT);
	conf.win_size = (wpages + 4) * PAGE;
	assert_int_equal(sluice_npu_ctx_create(dev, &conf, &c), 0);
	assert_int_equal(sluice_npu_ctx_destroy(dev, c), 0);
	sluice_npu_close(dev);

	/* 64 slots. */
	dev = dev_open("swnpu,mem=64M");
	for (unsigned int i = 0; i < SLUICE_NPU_MODELS_MAX; i++) {
		assert_int_equal(sluice_npu_model_load(dev, blob, blob_len, &id), 0);
		assert_int_equal(id, i);
	}
	assert_int_equal(sluice_npu_model_load(dev, blob, blob_len, &id), -ENOSPC);
	assert_int_equal(sluice_npu_model_unload(dev, 17), 0);
	assert_int_equal(sluice_npu_model_load(dev, blob, blob_len, &id), 0);
	assert_int_equal(id, 17);
	assert_int_equal(sluice_npu_model_unload(dev, 64), -ENOENT);
	assert_int_equal(sluice_npu_model_info_get(dev, 64, &mi), -ENOENT);
	sluice_npu_close(dev);
}

/* ---- Faults -------------------------------------------------------------------- */

static void test_fault_timeout(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_fault f = {.kind = SLUICE_NPU_FAULT_TIMEOUT, .count = 1};
	uint16_t model = model_new(dev), a;
	struct sluice_npu_op op[2], *ptr[2] = {&op[0], &op[1]}, *back[2];
	uint8_t *va = dev_va(dev);
	struct sluice_npu_stats st;
	uint64_t wa;
	(void)state;

	a = ctx_new(dev, 64 << 10, 4, &wa);
	memset(va + wa + 4096, 0x5a, 8192);
	op[0] = op_make(model, 8, 8, 1, wa, wa + 4096);
	op[1] = op_make(model, 8, 8, 1, wa, wa + 8192);
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 2), 2);
	/* In order: op 1 completing means op 0 was taken and swallowed. */
	drain(dev, a, back, 1);
	assert_ptr_equal(back[0], &op[1]);
	assert_int_equal(op[1].status, 0);
	assert_int_equal(sluice_npu_dequeue_burst(dev, a, back, 2), 0);
	assert_int_equal(op[0].status, 12345);
	assert_all(va + wa + 4096, 4096, 0x5a, "a dropped op's output");
	st = stats(dev, a);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.completed_ok, 1);
	assert_int_equal(st.errors, 0);
	/* The model has an op in flight until the context goes. */
	assert_int_equal(sluice_npu_model_unload(dev, model), -EBUSY);
	assert_int_equal(sluice_npu_ctx_destroy(dev, a), 0);
	assert_int_equal(op[0].status, -ECANCELED);
	assert_int_equal(stats(dev, UINT16_MAX).errors, 1);
	assert_int_equal(stats(dev, UINT16_MAX).dropped, 1);
	assert_int_equal(sluice_npu_model_unload(dev, model), 0);
	sluice_npu_close(dev);
}

/*
 * A reset hands back every op the device holds: a posted but undequeued
 * completion with its status, swallowed ops cancelled; then the rings are
 * empty, every slot free, and the window and model still serve new ops.
 */
static void test_ctx_reset(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_fault f = {.kind = SLUICE_NPU_FAULT_TIMEOUT, .count = 2};
	uint16_t model = model_new(dev), a;
	struct sluice_npu_op op[4], *ptr[4] = {&op[0], &op[1], &op[2], &op[3]}, *back[4], nop;
	int32_t want[16];
	uint8_t *va = dev_va(dev);
	uint64_t wa, end;
	(void)state;

	a = ctx_new(dev, 64 << 10, 4, &wa);
	fill_random(va + wa, 64, 7);
	for (int i = 0; i < 4; i++)
		op[i] = op_make(model, 8, 8, 1, wa, wa + 4096 + (uint64_t)i * 1024);
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 4), 4);
	/* Ops 0 and 1 are swallowed; wait (bounded) until 2 and 3 are posted, not dequeued. */
	end = now_ns() + DEADLINE_NS;
	while (stats(dev, a).completed_ok < 2 && now_ns() < end)
		sched_yield();
	assert_int_equal(stats(dev, a).completed_ok, 2);
	/* The ring is full: nothing more goes in until the reset. */
	nop = op_make(model, 8, 8, 1, wa, wa + 8192);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, (struct sluice_npu_op *[]){&nop}, 1), 0);

	assert_int_equal(sluice_npu_ctx_reset(dev, a, back, 3), -ENOSPC);
	assert_int_equal(sluice_npu_ctx_reset(dev, a, NULL, 4), -EINVAL);
	assert_int_equal(sluice_npu_ctx_reset(dev, 200, back, 4), -ENOENT);
	assert_int_equal(sluice_npu_ctx_reset(dev, a, back, 4), 4);
	/* The posted completions first, in order, then the cancelled ops by slot. */
	assert_ptr_equal(back[0], &op[2]);
	assert_ptr_equal(back[1], &op[3]);
	assert_int_equal(op[2].status, 0);
	assert_int_equal(op[3].status, 0);
	assert_true(op[0].status == -ECANCELED && op[1].status == -ECANCELED);
	assert_true((back[2] == &op[0] && back[3] == &op[1]) ||
		    (back[2] == &op[1] && back[3] == &op[0]));
	ref_run(va + wa, 8, 8, 1, want);
	assert_memory_equal(va + wa + 4096 + 2 * 1024, want, ref_desc.nb_classes * 4u);
	assert_int_equal(stats(dev, a).errors, 2);
	assert_int_equal(stats(dev, a).dropped, 2);
	assert_int_equal(sluice_npu_dequeue_burst(dev, a, back, 4), 0);
	assert_int_equal(sluice_npu_ctx_reset(dev, a, back, 4), 0);

	/* Four slots again, the same window and model: four ops, four right answers. */
	for (int i = 0; i < 4; i++)
		op[i] = op_make(model, 8, 8, 1, wa, wa + 12288 + (uint64_t)i * 1024);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 4), 4);
	drain(dev, a, back, 4);
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(back[i], &op[i]);
		assert_int_equal(op[i].status, 0);
		assert_memory_equal(va + wa + 12288 + (uint64_t)i * 1024, want,
				    ref_desc.nb_classes * 4u);
	}
	assert_int_equal(stats(dev, a).completed_ok, 6);
	/* No op in flight: the model unloads once the context is gone. */
	assert_int_equal(sluice_npu_ctx_destroy(dev, a), 0);
	assert_int_equal(sluice_npu_model_unload(dev, model), 0);
	sluice_npu_close(dev);
}

static void test_fault_error(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_fault f = {.kind = SLUICE_NPU_FAULT_ERROR, .count = 2};
	uint16_t model = model_new(dev), a;
	struct sluice_npu_op op[3], *ptr[3] = {&op[0], &op[1], &op[2]}, *back[3];
	uint8_t *va = dev_va(dev);
	struct sluice_npu_stats st;
	uint64_t wa;
	(void)state;

	a = ctx_new(dev, 64 << 10, 4, &wa);
	memset(va + wa + 4096, 0x5a, 4096);
	for (int i = 0; i < 3; i++)
		op[i] = op_make(model, 8, 8, 1, wa, wa + 4096 + (uint64_t)i * 1024);
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 3), 3);
	drain(dev, a, back, 3);
	assert_int_equal(op[0].status, -EIO);
	assert_int_equal(op[1].status, -EIO);
	assert_int_equal(op[2].status, 0);
	assert_all(va + wa + 4096, 2048, 0x5a, "failed ops' output");
	st = stats(dev, a);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.completed_ok, 1);
	assert_int_equal(st.window_faults, 0);
	sluice_npu_close(dev);
}

static void test_fault_full(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M");
	struct sluice_npu_fault f = {.kind = SLUICE_NPU_FAULT_FULL, .count = 2};
	uint16_t model = model_new(dev), a;
	struct sluice_npu_op op, *ptr = &op, *back;
	struct sluice_npu_stats st;
	uint64_t wa;
	(void)state;

	a = ctx_new(dev, 64 << 10, 4, &wa);
	op = op_make(model, 8, 8, 1, wa, wa + 4096);
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, &ptr, 1), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, &ptr, 1), 0);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, &ptr, 1), 1);
	drain(dev, a, &back, 1);
	st = stats(dev, a);
	assert_int_equal(st.ring_full, 2);
	assert_int_equal(st.enqueued, 1);
	/* Kind NONE clears what is left. */
	f.count = 5;
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	f.kind = SLUICE_NPU_FAULT_NONE;
	f.count = 0;
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), 0);
	assert_int_equal(run_one(dev, a, &op), 0);
	assert_int_equal(stats(dev, a).ring_full, 2);

	f.kind = SLUICE_NPU_FAULT_TIMEOUT;
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), -EINVAL);
	f.kind = (enum sluice_npu_fault_kind)42;
	f.count = 1;
	assert_int_equal(sluice_npu_fault_inject(dev, a, &f), -EINVAL);
	f.kind = SLUICE_NPU_FAULT_FULL;
	assert_int_equal(sluice_npu_fault_inject(dev, 100, &f), -ENOENT);
	assert_int_equal(sluice_npu_fault_inject(dev, a, NULL), -EINVAL);
	sluice_npu_close(dev);
}

/* ---- Profile files -------------------------------------------------------------- */

/* (Re)write the device profile file at `path` with `text`. */
static void profile_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A new profile file with `text`; `path`, a mkstemp() template, becomes its name. */
static void profile_new(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	profile_write(path, text);
}

/* ---- Context destroy with ops in flight ------------------------------------------ */

static void test_destroy_inflight(void **state)
{
	char path[] = "/tmp/swnpu-profile-XXXXXX", spec[128];
	struct sluice_npu_op op[3], *ptr[3] = {&op[0], &op[1], &op[2]};
	struct sluice_npu_dev *dev;
	uint64_t wa, wa2;
	uint16_t model, a;
	uint8_t *va;
	(void)state;

	/* Ops that take a modelled second each are still in flight when destroyed. */
	profile_new(path, "fixed_ns=1000000000\ngops=1000\n");
	snprintf(spec, sizeof(spec), "swnpu,mem=1M,profile=%s", path);
	dev = dev_open(spec);
	unlink(path);
	va = dev_va(dev);
	model = model_new(dev);
	a = ctx_new(dev, 64 << 10, 4, &wa);
	for (int i = 0; i < 3; i++)
		op[i] = op_make(model, 8, 8, 1, wa, wa + 4096 + (uint64_t)i * 1024);
	memset(va + wa, 0x33, 64 << 10);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 3), 3);
	assert_int_equal(sluice_npu_ctx_destroy(dev, a), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(op[i].status, -ECANCELED);
		assert_int_equal(op[i].device_ns, 0);
	}
	assert_int_equal(stats(dev, UINT16_MAX).errors, 3);
	assert_int_equal(stats(dev, UINT16_MAX).enqueued, 3);
	assert_int_equal(sluice_npu_stats_get(dev, a, &(struct sluice_npu_stats){0}), -ENOENT);
	a = ctx_new(dev, 64 << 10, 4, &wa2);
	assert_int_equal(wa2, wa);
	assert_all(va + wa, 64 << 10, 0, "a recycled window");
	sluice_npu_close(dev);
}

/* ---- Timing model ---------------------------------------------------------------- */

#define T_FIXED 2000000ull
#define T_SWITCH 3000000ull
#define T_GOPS 1ull

static void test_timing(void **state)
{
	char path[] = "/tmp/swnpu-profile-XXXXXX", spec[128];
	struct sluice_npu_op op[6], *ptr[6], *back[6];
	uint64_t compute = 2 * ref_desc.macs / T_GOPS, cost = T_FIXED + compute, t0, t1;
	struct sluice_npu_info info;
	struct sluice_npu_dev *dev;
	uint16_t model, a, b;
	uint64_t wa, wb;
	char text[160];
	(void)state;

	snprintf(
	    text, sizeof(text),
	    "# a slow test chip\nname = slowchip\nfixed_ns=%llu\n  switch_ns = %llu\ngops=%llu\n",
	    T_FIXED, T_SWITCH, T_GOPS);
	profile_new(path, text);
	snprintf(spec, sizeof(spec), "swnpu,mem=1M,poll_us=0,profile=%s", path);
	dev = dev_open(spec);
	assert_int_equal(sluice_npu_info_get(dev, &info), 0);
	assert_string_equal(info.profile, "slowchip");
	model = model_new(dev);
	a = ctx_new(dev, 64 << 10, 8, &wa);
	b = ctx_new(dev, 64 << 10, 8, &wb);
	for (int i = 0; i < 6; i++)
		ptr[i] = &op[i];

	/* Five ops of A in one doorbell: the switch to A is paid once, and the
	 * single engine serves them back to back. */
	for (int i = 0; i < 5; i++)
		op[i] = op_make(model, 8, 8, 1, wa, wa + 4096 + (uint64_t)i * 64);
	t0 = now_ns();
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 5), 5);
	drain(dev, a, back, 5);
	t1 = now_ns();
	for (int i = 0; i < 5; i++) {
		assert_ptr_equal(back[i], &op[i]);
		assert_int_equal(op[i].status, 0);
		assert_int_equal(op[i].device_ns, (i == 0 ? T_SWITCH : 0) + cost);
	}
	if (t1 - t0 < T_SWITCH + 5 * cost)
		fail_msg("5 ops took %llu ns, the model says at least %llu",
			 (unsigned long long)(t1 - t0), (unsigned long long)(T_SWITCH + 5 * cost));
	assert_int_equal(stats(dev, a).ctx_switches, 1);
	assert_int_equal(stats(dev, a).busy_ns, T_SWITCH + 5 * cost);

	/* B, then A again: each pays the switch on its first op. */
	op[0] = op_make(model, 8, 8, 1, wb, wb + 4096);
	op[1] = op_make(model, 8, 8, 1, wb, wb + 4160);
	t0 = now_ns();
	assert_int_equal(sluice_npu_enqueue_burst(dev, b, ptr, 2), 2);
	drain(dev, b, back, 2);
	assert_int_equal(op[0].device_ns, T_SWITCH + cost);
	assert_int_equal(op[1].device_ns, cost);
	op[2] = op_make(model, 8, 8, 1, wa, wa + 4096);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr + 2, 1), 1);
	drain(dev, a, back, 1);
	t1 = now_ns();
	assert_int_equal(op[2].device_ns, T_SWITCH + cost);
	if (t1 - t0 < 2 * T_SWITCH + 3 * cost)
		fail_msg("B then A took %llu ns, the model says at least %llu",
			 (unsigned long long)(t1 - t0),
			 (unsigned long long)(2 * T_SWITCH + 3 * cost));
	assert_int_equal(stats(dev, a).ctx_switches, 2);
	assert_int_equal(stats(dev, b).ctx_switches, 1);
	assert_int_equal(stats(dev, b).busy_ns, T_SWITCH + 2 * cost);

	/* Refused ops take no engine time and report none. */
	op[3] = op_make(model, 8, 8, 1, wb, wa + 4096);
	assert_int_equal(run_one(dev, a, &op[3]), -EFAULT);
	assert_int_equal(op[3].device_ns, 0);
	assert_int_equal(stats(dev, a).busy_ns, 2 * T_SWITCH + 6 * cost);

	/* A new context in A's old slot is another context: it pays the switch. */
	assert_int_equal(sluice_npu_ctx_destroy(dev, a), 0);
	assert_int_equal(ctx_new(dev, 64 << 10, 8, &wa), a);
	op[4] = op_make(model, 8, 8, 1, wa, wa + 4096);
	assert_int_equal(run_one(dev, a, &op[4]), 0);
	assert_int_equal(op[4].device_ns, T_SWITCH + cost);
	assert_int_equal(stats(dev, a).ctx_switches, 1);
	sluice_npu_close(dev);

	/* Profile files: unknown keys and a missing rate are refused. */
	profile_write(path, "gops=5\ncolour=blue\n");
	errno = 0;
	assert_null(sluice_npu_open(spec));
	assert_int_equal(errno, EINVAL);
	profile_write(path, "fixed_ns=5\n");
	assert_null(sluice_npu_open(spec));
	profile_write(path, "gops=0\n");
	assert_null(sluice_npu_open(spec));
	profile_write(path, "gops=1\nfixed_ns=2000000000\n");
	assert_null(sluice_npu_open(spec));
	unlink(path);
}

/* The built-in hailo8 profile's numbers, as docs/npu-device.md states them. */
static void test_timing_hailo8(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=1M,profile=hailo8");
	uint64_t compute = (2 * ref_desc.macs + 26000 - 1) / 26000;
	struct sluice_npu_op op[2], *ptr[2] = {&op[0], &op[1]}, *back[2];
	uint16_t model = model_new(dev), a;
	uint64_t wa;
	(void)state;

	a = ctx_new(dev, 64 << 10, 4, &wa);
	op[0] = op_make(model, 8, 8, 1, wa, wa + 4096);
	op[1] = op_make(model, 8, 8, 1, wa, wa + 8192);
	assert_int_equal(sluice_npu_enqueue_burst(dev, a, ptr, 2), 2);
	drain(dev, a, back, 2);
	assert_int_equal(op[0].device_ns, 500000 + 50000 + compute);
	assert_int_equal(op[1].device_ns, 50000 + compute);
	sluice_npu_close(dev);
}

/* Without a profile, device_ns is the time the device really spent. */
static void test_timing_none(void **state)
{
	struct sluice_npu_dev *dev = dev_open("swnpu,mem=4M");
	uint16_t model = model_new(dev), a;
	struct sluice_npu_op op;
	uint64_t wa, t0, t1;
	(void)state;

	a = ctx_new(dev, 2 << 20, 4, &wa);
	op = op_make(model, 640, 480, 3, wa, wa + (1 << 20));
	t0 = now_ns();
	assert_int_equal(run_one(dev, a, &op), 0);
	t1 = now_ns();
	assert_true(op.device_ns > 0);
	assert_true(op.device_ns <= t1 - t0);
	assert_int_equal(stats(dev, a).busy_ns, op.device_ns);
	assert_int_equal(stats(dev, a).ctx_switches, 1);
	sluice_npu_close(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_errors),	  cmocka_unit_test(test_info),
	    cmocka_unit_test(test_mem_view),	  cmocka_unit_test(test_ctx_windows),
	    cmocka_unit_test(test_ctx_slots),	  cmocka_unit_test(test_order_and_ring_full),
	    cmocka_unit_test(test_inference),	  cmocka_unit_test(test_reference_vectors),
	    cmocka_unit_test(test_digits),	  cmocka_unit_test(test_built_model),
	    cmocka_unit_test(test_window_faults), cmocka_unit_test(test_grant),
	    cmocka_unit_test(test_bad_ops),	  cmocka_unit_test(test_models),
	    cmocka_unit_test(test_fault_timeout), cmocka_unit_test(test_ctx_reset),
	    cmocka_unit_test(test_fault_error),
	    cmocka_unit_test(test_fault_full),	  cmocka_unit_test(test_destroy_inflight),
	    cmocka_unit_test(test_timing),	  cmocka_unit_test(test_timing_hailo8),
	    cmocka_unit_test(test_timing_none),	  SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
