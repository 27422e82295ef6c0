/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bridge object: the device, its DMA channels and models, and the
 * lifecycle of contexts (prepare, commit, reap). Control thread only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_dmadev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "bridge_priv.h"

static const char *const ctr_names[] = {
#define CTR_NAME(e, n, d) [SLUICE_BRIDGE_CTR_##e] = n,
	SLUICE_BRIDGE_CTR_LIST(CTR_NAME)
#undef CTR_NAME
};

static const char *const ctr_descs[] = {
#define CTR_DESC(e, n, d) [SLUICE_BRIDGE_CTR_##e] = d,
	SLUICE_BRIDGE_CTR_LIST(CTR_DESC)
#undef CTR_DESC
};

const char *sluice_bridge_ctr_name(unsigned int ctr)
{
	return ctr < SLUICE_BRIDGE_CTR_MAX ? ctr_names[ctr] : "unknown";
}

const char *sluice_bridge_ctr_desc(unsigned int ctr)
{
	return ctr < SLUICE_BRIDGE_CTR_MAX ? ctr_descs[ctr] : "unknown";
}

static uint64_t us_to_tsc(uint64_t hz, uint32_t us, uint32_t dflt)
{
	return hz * (us ? us : dflt) / 1000000;
}

/* ---- Creation --------------------------------------------------------------- */

static int worker_init(struct sluice_bridge *b, struct bworker *w, uint16_t id)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = b->opts.flows_max ? b->opts.flows_max : 4096,
		.key_len = sizeof(struct flow_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
	};
	int32_t max;

	w->id = id;
	w->dma_dev = -1;
	snprintf(name, sizeof(name), "sl_bf%u_%p", id, (void *)b);
	w->flows_h = rte_hash_create(&hp);
	if (w->flows_h == NULL)
		return -rte_errno;
	max = rte_hash_max_key_id(w->flows_h);
	if (max < 0)
		return -EINVAL;
	w->nb_flows = (uint32_t)max + 1;
	w->flows = rte_zmalloc("sl_bflows", sizeof(*w->flows) * w->nb_flows, RTE_CACHE_LINE_SIZE);
	w->open = rte_zmalloc("sl_bopen", sizeof(*w->open) * w->nb_flows, RTE_CACHE_LINE_SIZE);
	w->fifo = rte_zmalloc("sl_bfifo", sizeof(*w->fifo) * DMA_FIFO, RTE_CACHE_LINE_SIZE);
	snprintf(name, sizeof(name), "sl_br%u_%p", id, (void *)b);
	w->results = rte_ring_create(name, RESULT_RING, (int)rte_socket_id(),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->flows == NULL || w->open == NULL || w->fifo == NULL || w->results == NULL)
		return -ENOMEM;
	return 0;
}

static void worker_fini(struct bworker *w)
{
	struct rte_mbuf *m;

	if (w->results != NULL)
		while (rte_ring_dequeue(w->results, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	rte_ring_free(w->results);
	rte_hash_free(w->flows_h);
	rte_free(w->flows);
	rte_free(w->open);
	rte_free(w->fifo);
}

struct sluice_bridge *sluice_bridge_create(const struct sluice_bridge_opts *opts)
{
	struct sluice_bridge *b;
	uint16_t i;
	int ret;

	if (opts == NULL || opts->sz < sizeof(*opts) || opts->nb_workers == 0 ||
	    opts->nb_workers > SLUICE_BRIDGE_WORKERS ||
	    (opts->pool == NULL && !(opts->copy_set && opts->copy == SLUICE_NPU_COPY_ZEROCOPY)) ||
	    (opts->copy_set && (unsigned int)opts->copy > SLUICE_NPU_COPY_ZEROCOPY)) {
		errno = EINVAL;
		return NULL;
	}
	b = rte_zmalloc("sl_bridge", sizeof(*b), RTE_CACHE_LINE_SIZE);
	if (b == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	b->opts = *opts;
	b->rx_ctx = UINT16_MAX;
	b->tsc_hz = rte_get_tsc_hz();
	b->frame_timeout_tsc = us_to_tsc(b->tsc_hz, opts->frame_timeout_us, 100000);
	b->flow_idle_tsc = us_to_tsc(b->tsc_hz, opts->flow_idle_us, 10000000);
	b->op_timeout_tsc = us_to_tsc(b->tsc_hz, opts->op_timeout_us, 1000000);
	b->sweep_tsc = RTE_MAX(b->frame_timeout_tsc / 8, b->tsc_hz / 100000);
	b->dev_inflight = opts->dev_inflight ? opts->dev_inflight : 8;
	b->w = rte_zmalloc("sl_bworkers", sizeof(*b->w) * opts->nb_workers, RTE_CACHE_LINE_SIZE);
	if (b->w == NULL) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < opts->nb_workers; i++) {
		ret = worker_init(b, &b->w[i], i);
		if (ret < 0)
			goto out_free;
	}
	return b;

out_free:
	sluice_bridge_destroy(b);
	errno = -ret;
	return NULL;
}

/* ---- The device and DMA --------------------------------------------------------- */

static void dma_close(struct sluice_bridge *b)
{
	uint16_t i;

	for (i = 0; i < b->opts.nb_workers; i++) {
		if (b->w[i].dma_dev < 0)
			continue;
		rte_dma_stop(b->w[i].dma_dev);
		b->w[i].dma_dev = -1;
	}
	if (b->extmem) {
		rte_extmem_unregister(b->mem.va, b->mem.size);
		b->extmem = false;
	}
}

/*
 * Device memory becomes a DMA target: registered with EAL as external
 * memory, mapped for VFIO-bound engines, and its IOVA told to the device.
 * Software engines (dma_skeleton) and software ports use process addresses:
 * IOVA must be VA.
 */
static int mem_register(struct sluice_bridge *b, const char *mode, struct sluice_err *err)
{
	long pg = sysconf(_SC_PAGESIZE);
	int ret;

	if (rte_eal_iova_mode() != RTE_IOVA_VA)
		return sluice_err_set(
		    err, -EINVAL, "copy",
		    "%s copy needs --iova-mode=va (NPU memory has no physical address "
		    "here)",
		    mode);
	if (pg <= 0 || (uintptr_t)b->mem.va % (uintptr_t)pg || b->mem.size % (uint64_t)pg)
		return sluice_err_set(err, -EINVAL, "copy", "NPU memory is not page aligned");
	ret = rte_extmem_register(b->mem.va, b->mem.size, NULL, 0, (size_t)pg);
	if (ret != 0 && rte_errno != EEXIST)
		return sluice_err_set(err, -rte_errno, "copy",
				      "cannot register NPU memory with EAL: %s",
				      rte_strerror(rte_errno));
	b->extmem = ret == 0;
	if (rte_vfio_is_enabled("vfio") &&
	    rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD, (uint64_t)(uintptr_t)b->mem.va,
				       (uint64_t)(uintptr_t)b->mem.va, b->mem.size) != 0)
		RTE_LOG(WARNING, USER1, "npu: VFIO DMA map of NPU memory failed\n");
	ret = sluice_npu_mem_set_iova(b->dev, (uint64_t)(uintptr_t)b->mem.va);
	if (ret < 0)
		return sluice_err_set(err, ret, "copy", "the device refused its IOVA");
	b->mem.iova = (uint64_t)(uintptr_t)b->mem.va;
	return 0;
}

static int dma_setup(struct sluice_bridge *b, struct sluice_err *err)
{
	uint16_t i = 0;
	int16_t id;
	int ret;

	if (rte_dma_count_avail() < b->opts.nb_workers)
		return sluice_err_set(
		    err, -EINVAL, "copy",
		    "dmadev copy needs a DMA device per worker: %u workers, %u DMA "
		    "devices (add --vdev dma_skeleton0,...)",
		    b->opts.nb_workers, rte_dma_count_avail());
	ret = mem_register(b, "dmadev", err);
	if (ret < 0)
		goto out_close;
	RTE_DMA_FOREACH_DEV(id) {
		struct rte_dma_conf dc = { .nb_vchans = 1 };
		struct rte_dma_vchan_conf vc = { .direction = RTE_DMA_DIR_MEM_TO_MEM };
		struct rte_dma_info info;

		if (i == b->opts.nb_workers)
			break;
		ret = rte_dma_info_get(id, &info);
		if (ret == 0 && !(info.dev_capa & RTE_DMA_CAPA_MEM_TO_MEM))
			continue;
		vc.nb_desc = RTE_MIN(DMA_DESC, info.max_desc);
		if (ret == 0)
			ret = rte_dma_configure(id, &dc);
		if (ret == 0)
			ret = rte_dma_vchan_setup(id, 0, &vc);
		if (ret == 0)
			ret = rte_dma_start(id);
		if (ret != 0) {
			sluice_err_set(err, ret, "copy", "DMA device %s: cannot start it (%s)",
				       info.dev_name, rte_strerror(-ret));
			goto out_close;
		}
		b->w[i++].dma_dev = id;
	}
	if (i < b->opts.nb_workers) {
		ret = sluice_err_set(err, -EINVAL, "copy",
				     "dmadev copy: only %u DMA devices copy memory to "
				     "memory, %u workers need one each",
				     i, b->opts.nb_workers);
		goto out_close;
	}
	return 0;

out_close:
	dma_close(b);
	return ret < 0 ? ret : -EINVAL;
}

static int device_open(struct sluice_bridge *b, const struct sluice_config *cfg,
		       struct sluice_err *err)
{
	const char *spec = b->opts.device ? b->opts.device :
			   cfg->npu.device[0] ? cfg->npu.device : "swnpu";
	enum sluice_npu_copy copy = b->opts.copy_set ? b->opts.copy : cfg->npu.copy;
	int ret;

	if (copy == SLUICE_NPU_COPY_ZEROCOPY)
		return sluice_err_set(
		    err, -EINVAL, "copy",
		    "copy zerocopy is chosen when sluice starts (--npu-copy zerocopy): "
		    "packets must be received into NPU memory");
	b->dev = sluice_npu_open(spec);
	if (b->dev == NULL)
		return sluice_err_set(err, errno ? -errno : -EINVAL, "device",
				      "cannot open npu device '%s': %s", spec, strerror(errno));
	snprintf(b->dev_spec, sizeof(b->dev_spec), "%s", spec);
	b->copy = copy;
	ret = sluice_npu_mem(b->dev, &b->mem);
	if (ret == 0 && copy == SLUICE_NPU_COPY_DMADEV)
		ret = dma_setup(b, err);
	if (ret < 0) {
		if (err && err->msg[0] == '\0')
			sluice_err_set(err, ret, "device", "npu device '%s': %s", spec,
				       strerror(-ret));
		sluice_npu_close(b->dev);
		b->dev = NULL;
		return ret;
	}
	RTE_LOG(INFO, USER1, "npu: device %s open, copy %s\n", spec, sluice_npu_copy_name(copy));
	return 0;
}

struct rte_mempool *sluice_bridge_rx_pool(struct sluice_bridge *b, uint32_t nb_mbufs)
{
	const char *spec = b->opts.device ? b->opts.device : "swnpu";
	uint16_t elt = RTE_MBUF_DEFAULT_BUF_SIZE;
	struct sluice_npu_ctx_conf cc = { .sz = sizeof(cc), .ring_size = 2 };
	struct rte_pktmbuf_extmem ext;
	struct sluice_err err = { .msg = "" };
	char name[RTE_MEMPOOL_NAMESIZE];
	int ret;

	if (!(b->opts.copy_set && b->opts.copy == SLUICE_NPU_COPY_ZEROCOPY) || b->rx_pool != NULL ||
	    b->dev != NULL || nb_mbufs == 0) {
		errno = EINVAL;
		return NULL;
	}
	b->dev = sluice_npu_open(spec);
	if (b->dev == NULL)
		return NULL;
	snprintf(b->dev_spec, sizeof(b->dev_spec), "%s", spec);
	b->copy = SLUICE_NPU_COPY_ZEROCOPY;
	ret = sluice_npu_mem(b->dev, &b->mem);
	if (ret == 0)
		ret = mem_register(b, "zerocopy", &err);
	if (ret < 0)
		goto out_close;
	/* The packet buffers: a context of their own, so the device allocator keeps them apart. */
	cc.win_size = (uint64_t)nb_mbufs * elt;
	ret = sluice_npu_ctx_create(b->dev, &cc, &b->rx_ctx);
	if (ret == 0)
		ret = sluice_npu_ctx_window(b->dev, b->rx_ctx, &b->rx_addr, &b->rx_size);
	if (ret < 0)
		goto out_close;
	ext.buf_ptr = (uint8_t *)b->mem.va + b->rx_addr;
	ext.buf_iova = b->mem.iova + b->rx_addr;
	ext.buf_len = (size_t)nb_mbufs * elt;
	ext.elt_size = elt;
	snprintf(name, sizeof(name), "sl_zc_%p", (void *)b);
	b->rx_pool = rte_pktmbuf_pool_create_extbuf(name, nb_mbufs, 256, 0,
						    (uint16_t)(elt - 0), (int)rte_socket_id(), &ext, 1);
	if (b->rx_pool == NULL) {
		ret = -rte_errno;
		goto out_close;
	}
	b->opts.pool = b->rx_pool;
	RTE_LOG(INFO, USER1, "npu: device %s open, copy zerocopy, %u packet buffers in NPU memory\n",
		spec, nb_mbufs);
	return b->rx_pool;

out_close:
	if (err.msg[0])
		RTE_LOG(ERR, USER1, "npu: %s\n", err.msg);
	if (b->rx_ctx != UINT16_MAX)
		sluice_npu_ctx_destroy(b->dev, b->rx_ctx);
	b->rx_ctx = UINT16_MAX;
	dma_close(b);
	sluice_npu_close(b->dev);
	b->dev = NULL;
	errno = ret == -ENOSPC ? ENOSPC : ret < 0 ? -ret : EINVAL;
	return NULL;
}

/* ---- Models --------------------------------------------------------------------- */

static int model_find(const struct sluice_bridge *b, const char *name, const char *file)
{
	unsigned int i;

	for (i = 0; i < SLUICE_NPU_MODELS_MAX; i++)
		if (b->models[i].loaded && strcmp(b->models[i].name, name) == 0 &&
		    strcmp(b->models[i].file, file) == 0)
			return (int)i;
	return -1;
}

/* Blobs are bounded: a model larger than this is refused before it is read. */
#define MODEL_FILE_MAX (64u << 20)

static int model_load(struct sluice_bridge *b, const struct sluice_npu_model_ref *ref,
		      struct sluice_err *err)
{
	struct bmodel *m = NULL;
	unsigned int i;
	uint8_t *blob;
	long len;
	FILE *f;
	int ret;

	for (i = 0; i < SLUICE_NPU_MODELS_MAX && m == NULL; i++)
		if (!b->models[i].loaded)
			m = &b->models[i];
	if (m == NULL)
		return sluice_err_set(err, -ENOSPC, "models", "model '%s': no model slot left",
				      ref->name);
	f = fopen(ref->file, "rb");
	if (f == NULL)
		return sluice_err_set(err, -errno, "file", "model '%s': cannot open %s: %s",
				      ref->name, ref->file, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return sluice_err_set(err, -EIO, "file", "model '%s': cannot read %s", ref->name,
				      ref->file);
	}
	if ((unsigned long)len > MODEL_FILE_MAX) {
		fclose(f);
		return sluice_err_set(err, -EFBIG, "file", "model '%s': %s is larger than %u MiB",
				      ref->name, ref->file, MODEL_FILE_MAX >> 20);
	}
	blob = malloc((size_t)len + 1);
	if (blob == NULL) {
		fclose(f);
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	}
	if (fread(blob, 1, (size_t)len, f) != (size_t)len) {
		free(blob);
		fclose(f);
		return sluice_err_set(err, -EIO, "file", "model '%s': cannot read %s", ref->name,
				      ref->file);
	}
	fclose(f);
	ret = sluice_npu_model_load(b->dev, blob, (size_t)len, &m->id);
	free(blob);
	if (ret < 0)
		return sluice_err_set(err, ret, "file", "model '%s': the device refused %s: %s",
				      ref->name, ref->file,
				      ret == -EINVAL ? "not a valid model blob" : strerror(-ret));
	ret = sluice_npu_model_info_get(b->dev, m->id, &m->info);
	if (ret < 0) {
		sluice_npu_model_unload(b->dev, m->id);
		return sluice_err_set(err, ret, "file", "model '%s': no info from the device",
				      ref->name);
	}
	snprintf(m->name, sizeof(m->name), "%s", ref->name);
	snprintf(m->file, sizeof(m->file), "%s", ref->file);
	m->users = 0;
	m->loaded = true;
	return (int)(m - b->models);
}

int sluice_bridge_model_describe(struct sluice_bridge *b, const struct sluice_config *cfg,
				 const struct sluice_npu_model_ref *ref,
				 struct sluice_npu_model_info *info, struct sluice_err *err)
{
	int mi, ret;

	if (err)
		memset(err, 0, sizeof(*err));
	if (b->dev == NULL) {
		ret = device_open(b, cfg, err);
		if (ret < 0)
			return ret;
	}
	mi = model_find(b, ref->name, ref->file);
	if (mi < 0 && (mi = model_load(b, ref, err)) < 0)
		return mi;
	*info = b->models[mi].info;
	/* Only a context keeps a model on the device. */
	if (b->models[mi].users == 0 && sluice_npu_model_unload(b->dev, b->models[mi].id) == 0)
		b->models[mi].loaded = false;
	return 0;
}

/* ---- Contexts ------------------------------------------------------------------- */

static void ctx_free(struct sluice_bridge *b, struct bctx *c)
{
	uint32_t i;

	if (b->dev != NULL && c->dev_ctx != UINT16_MAX)
		sluice_npu_ctx_destroy(b->dev, c->dev_ctx);
	/* Zero copy: frames still holding packets (assembling, queued, given up on). */
	for (i = 0; c->zc_mbufs != NULL && c->slots != NULL && i < c->depth; i++)
		if (c->slots[i].nb_zc)
			rte_pktmbuf_free_bulk(&c->zc_mbufs[(size_t)i * SLUICE_NPU_SEGS_MAX],
					      c->slots[i].nb_zc);
	rte_free(c->zc_mbufs);
	if (c->model != UINT16_MAX && b->models[c->model].users > 0)
		b->models[c->model].users--;
	rte_ring_free(c->free_ring);
	rte_ring_free(c->ready_ring);
	rte_free(c->slots);
	rte_free(c->ops);
	rte_free(c->sch.q);
	rte_free(c->sch.fly);
	rte_free(c);
}

/* Settings that make a context a different one (anything but its position). */
static bool ctx_same(const struct bctx *c, const char *tenant, const struct sluice_npu_context *n)
{
	struct sluice_npu_context a = c->conf, x = *n;

	a.pos = x.pos = (struct sluice_pos){ 0, 0 };
	return strcmp(c->tenant, tenant) == 0 && memcmp(&a, &x, sizeof(a)) == 0;
}

static int ctx_check_model(const struct bmodel *m, const char *tenant,
			   const struct sluice_npu_context *n, struct sluice_err *err)
{
	const struct sluice_npu_model_info *mi = &m->info;
	unsigned int ch = (unsigned int)n->input.pixel;

	if (n->input.width > mi->in_max_w || n->input.height > mi->in_max_h)
		return sluice_err_set(
		    err, -EINVAL, "width",
		    "tenant '%s' npu context '%s': model '%s' takes frames up to %ux%u, "
		    "not %ux%u",
		    tenant, n->name, m->name, mi->in_max_w, mi->in_max_h, n->input.width,
		    n->input.height);
	if (!(mi->in_channels_mask & (1u << ch)))
		return sluice_err_set(
		    err, -EINVAL, "pixel",
		    "tenant '%s' npu context '%s': model '%s' does not take %s frames", tenant,
		    n->name, m->name, sluice_npu_pixel_name(n->input.pixel));
	if (mi->nb_classes == 0 || mi->nb_classes > 1024 ||
	    mi->out_bytes < 4u * mi->nb_classes)
		return sluice_err_set(
		    err, -EINVAL, "model",
		    "tenant '%s' npu context '%s': model '%s' has %u classes in %u "
		    "output bytes; results carry 1..1024 int32 scores",
		    tenant, n->name, m->name, mi->nb_classes, mi->out_bytes);
	return 0;
}

static int ring_new(struct rte_ring **r, const char *what, uint32_t serial, uint32_t depth)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "sl_%s%u", what, serial);
	*r = rte_ring_create(name, depth, (int)rte_socket_id(), RING_F_EXACT_SZ);
	return *r ? 0 : -rte_errno;
}

static int ctx_create(struct sluice_bridge *b, const char *tenant,
		      const struct sluice_npu_context *n, uint16_t model, struct bctx **out,
		      struct sluice_err *err)
{
	const struct bmodel *m = &b->models[model];
	struct sluice_npu_ctx_conf cc = { .sz = sizeof(cc) };
	struct sluice_npu_info info;
	struct bctx *c;
	uint64_t need;
	uint32_t i;
	int ret;

	ret = ctx_check_model(m, tenant, n, err);
	if (ret < 0)
		return ret;
	c = rte_zmalloc("sl_bctx", sizeof(*c), RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	snprintf(c->tenant, sizeof(c->tenant), "%s", tenant);
	c->conf = *n;
	c->serial = ++b->next_serial;
	c->dev_ctx = UINT16_MAX;
	c->model = UINT16_MAX;
	c->model_id = m->id;
	c->nb_classes = m->info.nb_classes;
	c->geom.fmt = (enum sluice_asm_fmt)n->input.format;
	c->geom.pix = (enum sluice_asm_pix)n->input.pixel;
	c->geom.width = n->input.width;
	c->geom.height = n->input.height;
	c->geom.payload_type = n->input.payload_type;
	if (sluice_asm_geom_check(&c->geom) != 0) {
		ret = sluice_err_set(err, -EINVAL, "input",
				     "tenant '%s' npu context '%s': the frame "
				     "assembler refuses this input",
				     tenant, n->name);
		goto out_free;
	}
	c->frame_bytes = sluice_asm_frame_bytes(&c->geom);
	c->depth = n->queue_depth;
	c->in_stride = RTE_ALIGN_CEIL(c->frame_bytes, 64u);
	c->out_bytes = m->info.out_bytes;
	c->out_stride = RTE_ALIGN_CEIL(c->out_bytes, 64u);
	c->out_off = c->depth * c->in_stride;
	need = (uint64_t)c->depth * (c->in_stride + c->out_stride);
	if (b->copy == SLUICE_NPU_COPY_ZEROCOPY) {
		/* Each slot's gather list, in the window: the device reads it there. */
		c->seg_off = (uint32_t)need;
		need += (uint64_t)c->depth * SLUICE_NPU_SEGS_MAX * sizeof(struct sluice_npu_seg);
	}
	need = RTE_ALIGN_CEIL(need, 4096ull);
	if (n->window != 0 && n->window < need) {
		ret = sluice_err_set(err, -EINVAL, "window",
				     "tenant '%s' npu context '%s': window %" PRIu64
				     " is too small: %u "
				     "frames and their results need %" PRIu64 " bytes",
				     tenant, n->name, n->window, c->depth, need);
		goto out_free;
	}
	ret = sluice_npu_info_get(b->dev, &info);
	if (ret < 0)
		goto out_dev_err;
	cc.win_size = n->window ? n->window : need;
	cc.ring_size = (uint16_t)RTE_MIN(rte_align32pow2(RTE_MAX(c->depth, 2u)), info.max_ring);
	ret = sluice_npu_ctx_create(b->dev, &cc, &c->dev_ctx);
	if (ret < 0) {
		c->dev_ctx = UINT16_MAX;
		goto out_dev_err;
	}
	ret = sluice_npu_ctx_window(b->dev, c->dev_ctx, &c->win_addr, &c->win_size);
	if (ret < 0 || c->win_addr + c->win_size > b->mem.size || c->win_size < need) {
		ret = ret < 0 ? ret : -EIO;
		goto out_dev_err;
	}
	c->win_va = (uint8_t *)b->mem.va + c->win_addr;
	c->win_iova = b->mem.iova + c->win_addr;
	if (b->copy == SLUICE_NPU_COPY_ZEROCOPY) {
		/* Ops read packet buffers (read-only) where the ports put them. */
		ret = sluice_npu_ctx_grant(b->dev, c->dev_ctx, b->rx_addr, b->rx_size);
		if (ret < 0)
			goto out_dev_err;
		c->zc_mbufs = rte_zmalloc("sl_bzc", sizeof(*c->zc_mbufs) * c->depth *
					  SLUICE_NPU_SEGS_MAX, RTE_CACHE_LINE_SIZE);
		if (c->zc_mbufs == NULL) {
			ret = sluice_err_set(err, -ENOMEM, "", "out of memory");
			goto out_free;
		}
	}
	c->slots = rte_zmalloc("sl_bslots", sizeof(*c->slots) * c->depth, RTE_CACHE_LINE_SIZE);
	c->ops = rte_zmalloc("sl_bops", sizeof(*c->ops) * c->depth, RTE_CACHE_LINE_SIZE);
	c->sch.q = rte_zmalloc("sl_bq", sizeof(uint32_t) * c->depth, 0);
	c->sch.fly = rte_zmalloc("sl_bfly", sizeof(uint32_t) * c->depth, 0);
	if (c->slots == NULL || c->ops == NULL || c->sch.q == NULL || c->sch.fly == NULL) {
		ret = sluice_err_set(err, -ENOMEM, "", "out of memory");
		goto out_free;
	}
	if ((ret = ring_new(&c->free_ring, "bfree", c->serial, c->depth)) < 0 ||
	    (ret = ring_new(&c->ready_ring, "bready", c->serial, c->depth)) < 0) {
		sluice_err_set(err, ret, "", "cannot create the context's rings: %s",
			       strerror(-ret));
		goto out_free;
	}
	for (i = 0; i < c->depth; i++) {
		struct sluice_npu_op *op = &c->ops[i];

		op->model_id = c->model_id;
		op->in_w = n->input.width;
		op->in_h = n->input.height;
		op->in_c = (uint8_t)n->input.pixel;
		op->in_addr = c->win_addr + (uint64_t)i * c->in_stride;
		op->out_addr = c->win_addr + c->out_off + (uint64_t)i * c->out_stride;
		op->out_len = c->out_stride;
		op->user_data = i;
		rte_ring_enqueue(c->free_ring, (void *)(uintptr_t)i);
	}
	/* A quota's bucket holds a batch, or 10 ms of frames. */
	if (n->quota_fps) {
		uint64_t burst = RTE_MAX((uint64_t)n->batch_threshold, (uint64_t)n->quota_fps / 100);

		c->sch.tokens_max = burst * b->tsc_hz;
		c->sch.tokens = c->sch.tokens_max;
	}
	c->model = model;
	b->models[model].users++;
	*out = c;
	return 0;

out_dev_err:
	sluice_err_set(err, ret, ret == -ENOSPC ? "window" : "",
		       "tenant '%s' npu context '%s': the device "
		       "cannot make it: %s",
		       tenant, n->name,
		       ret == -ENOSPC ? "no device memory or context left" : strerror(-ret));
out_free:
	ctx_free(b, c);
	return ret;
}

static struct bctx *ctx_find_live(struct sluice_bridge *b, const char *tenant, const char *name)
{
	uint32_t i;

	for (i = 0; i < b->nb_all; i++) {
		struct bctx *c = b->all[i];

		if (!atomic_load(&c->dying) && strcmp(c->tenant, tenant) == 0 &&
		    strcmp(c->conf.name, name) == 0)
			return c;
	}
	return NULL;
}

static bool needs_device(const struct sluice_config *cfg)
{
	uint32_t i, j;

	for (i = 0; i < cfg->nb_tenants; i++)
		for (j = 0; j < cfg->tenants[i].nb_npu_contexts; j++)
			if (cfg->tenants[i].npu_contexts[j].model[0] != '\0')
				return true;
	return false;
}

static int slot_index_free(struct sluice_bridge *b)
{
	unsigned int i;

	for (i = 0; i < SLUICE_NPU_CTX_MAX; i++)
		if (atomic_load(&b->ctx[i]) == NULL) {
			uint32_t k;
			bool taken = false;

			/* A removed context may still be reaped from this index. */
			for (k = 0; k < b->nb_all && !taken; k++)
				taken = b->all[k]->index == i && !b->all[k]->removed;
			if (!taken)
				return (int)i;
		}
	return -1;
}

/* Undo the contexts made by a failed or aborted prepare: nothing saw them but the scheduler. */
static void retire(struct sluice_bridge *b, struct bctx *c)
{
	atomic_store(&c->dying, true);
	c->dying_epoch = atomic_fetch_add(&b->epoch, 1) + 1;
}

int sluice_bridge_prepare(struct sluice_bridge *b, const struct sluice_config *cfg,
			  struct sluice_err *err)
{
	uint32_t i, j, k;
	int ret = 0;

	for (i = 0; i < b->nb_all; i++)
		b->all[i]->kept = b->all[i]->fresh = false;
	if (!needs_device(cfg))
		return 0;
	if (b->dev == NULL) {
		ret = device_open(b, cfg, err);
		if (ret < 0)
			return ret;
	} else {
		if (b->opts.device == NULL && cfg->npu.device[0] &&
		    strcmp(cfg->npu.device, b->dev_spec) != 0)
			return sluice_err_set(err, -EINVAL, "device",
					      "npu device '%s' is open; '%s' takes a restart",
					      b->dev_spec, cfg->npu.device);
		if (!b->opts.copy_set && cfg->npu.copy != b->copy)
			return sluice_err_set(
			    err, -EINVAL, "copy", "copy %s is in force; %s takes a restart",
			    sluice_npu_copy_name(b->copy), sluice_npu_copy_name(cfg->npu.copy));
	}
	for (i = 0; i < cfg->nb_tenants && ret == 0; i++) {
		const struct sluice_tenant *t = &cfg->tenants[i];

		for (j = 0; j < t->nb_npu_contexts && ret == 0; j++) {
			const struct sluice_npu_context *n = &t->npu_contexts[j];
			const struct sluice_npu_model_ref *ref = NULL;
			struct bctx *c;
			int mi, idx;

			if (n->model[0] == '\0')
				continue;
			c = ctx_find_live(b, t->name, n->name);
			if (c != NULL && ctx_same(c, t->name, n)) {
				c->kept = true;
				continue;
			}
			for (k = 0; k < cfg->npu.nb_models && ref == NULL; k++)
				if (strcmp(cfg->npu.models[k].name, n->model) == 0)
					ref = &cfg->npu.models[k];
			if (ref == NULL) {
				ret = sluice_err_set(err, -EINVAL, "model",
						     "model '%s' is not one of the npu "
						     "section's models",
						     n->model);
				break;
			}
			mi = model_find(b, ref->name, ref->file);
			if (mi < 0 && (mi = model_load(b, ref, err)) < 0) {
				ret = mi;
				break;
			}
			idx = slot_index_free(b);
			if (idx < 0 || b->nb_all == RTE_DIM(b->all)) {
				ret = sluice_err_set(err, -ENOSPC, "npu_contexts",
						     "too many npu contexts "
						     "(limit %u)",
						     SLUICE_NPU_CTX_MAX);
				break;
			}
			ret = ctx_create(b, t->name, n, (uint16_t)mi, &c, err);
			if (ret < 0)
				break;
			c->fresh = true;
			c->index = (uint32_t)idx;
			b->all[b->nb_all++] = c;
			/* Visible to the scheduler now, to workers once a table names it. */
			atomic_store(&b->ctx[idx], c);
			if ((uint32_t)idx >= atomic_load(&b->ctx_hi))
				atomic_store(&b->ctx_hi, (uint32_t)idx + 1);
		}
	}
	if (ret < 0)
		sluice_bridge_abort(b);
	return ret;
}

int sluice_bridge_fault_inject(struct sluice_bridge *b, const char *tenant, const char *name,
			       const struct sluice_npu_fault *f)
{
	struct bctx *c = ctx_find_live(b, tenant, name);

	if (c == NULL || b->dev == NULL || c->dev_ctx == UINT16_MAX)
		return -ENOENT;
	return sluice_npu_fault_inject(b->dev, c->dev_ctx, f);
}

struct sluice_bridge_ctx *sluice_bridge_ctx_lookup(struct sluice_bridge *b, const char *tenant,
						   const char *name)
{
	uint32_t i;

	for (i = 0; i < b->nb_all; i++) {
		struct bctx *c = b->all[i];

		if ((c->kept || c->fresh) && !atomic_load(&c->dying) &&
		    strcmp(c->tenant, tenant) == 0 && strcmp(c->conf.name, name) == 0)
			return (struct sluice_bridge_ctx *)c;
	}
	return NULL;
}

void sluice_bridge_commit(struct sluice_bridge *b)
{
	uint32_t i;

	for (i = 0; i < b->nb_all; i++) {
		struct bctx *c = b->all[i];

		if (!c->kept && !c->fresh && !atomic_load(&c->dying))
			retire(b, c);
		c->kept = c->fresh = false;
	}
}

void sluice_bridge_abort(struct sluice_bridge *b)
{
	uint32_t i;

	for (i = 0; i < b->nb_all; i++) {
		struct bctx *c = b->all[i];

		if (c->fresh)
			retire(b, c);
		c->kept = c->fresh = false;
	}
}

/* Fold a reaped context's counters into its successor (same tenant and name). */
static void fold_into_successor(struct sluice_bridge *b, const struct bctx *old)
{
	struct sluice_bridge_ctx_stats st;
	struct bctx *n = ctx_find_live(b, old->tenant, old->conf.name);
	unsigned int k;

	if (n == NULL)
		return;
	bridge_ctx_totals(b, old, &st);
	for (k = 0; k < SLUICE_BRIDGE_CTR_MAX; k++)
		n->base.ctr[k] += st.ctr[k];
	for (k = 0; k < SLUICE_ASM_ERR_MAX; k++)
		n->base.asm_err[k] += st.asm_err[k];
	for (k = 0; k < SLUICE_BRIDGE_HIST; k++)
		n->base.hist[k] += st.hist[k];
}

static bool workers_acked(const struct sluice_bridge *b, uint64_t epoch)
{
	uint16_t i;

	for (i = 0; i < b->opts.nb_workers; i++)
		if (atomic_load(&b->w[i].acked_epoch) < epoch)
			return false;
	return true;
}

unsigned int sluice_bridge_reap(struct sluice_bridge *b)
{
	unsigned int waiting = 0;
	uint32_t i = 0, k;

	while (i < b->nb_all) {
		struct bctx *c = b->all[i];

		if (!atomic_load(&c->dying)) {
			i++;
			continue;
		}
		if (!c->removed) {
			/* The scheduler drains it once workers let go; then it leaves ctx[]. */
			if (!atomic_load(&c->sched_done)) {
				waiting++;
				i++;
				continue;
			}
			atomic_store(&b->ctx[c->index], NULL);
			c->removed_round = atomic_load(&b->round);
			c->removed = true;
		}
		/* A scheduler round that began before the removal may still hold it. */
		if (atomic_load(&b->in_round) && atomic_load(&b->round) == c->removed_round) {
			waiting++;
			i++;
			continue;
		}
		fold_into_successor(b, c);
		ctx_free(b, c);
		b->all[i] = b->all[--b->nb_all];
	}
	for (k = 0; k < SLUICE_NPU_MODELS_MAX; k++) {
		struct bmodel *m = &b->models[k];

		if (m->loaded && m->users == 0 && sluice_npu_model_unload(b->dev, m->id) == 0)
			m->loaded = false;
	}
	return waiting;
}

/* Whether workers have let go of a dying context (the scheduler asks). */
bool bridge_workers_released(const struct sluice_bridge *b, const struct bctx *c)
{
	return workers_acked(b, c->dying_epoch);
}

unsigned int sluice_bridge_destroy(struct sluice_bridge *b)
{
	unsigned int leaked = 0;
	uint16_t i;
	uint32_t k;

	if (b == NULL)
		return 0;
	sluice_bridge_service_stop(b);
	if (b->w != NULL) {
		for (i = 0; i < b->opts.nb_workers; i++)
			bridge_worker_release_all(b, &b->w[i]);
	}
	for (k = 0; k < b->nb_all; k++) {
		bridge_sched_drop_ctx(b, b->all[k]);
		ctx_free(b, b->all[k]);
	}
	b->nb_all = 0;
	for (k = 0; k < SLUICE_NPU_MODELS_MAX; k++)
		if (b->models[k].loaded)
			sluice_npu_model_unload(b->dev, b->models[k].id);
	if (b->w != NULL)
		for (i = 0; i < b->opts.nb_workers; i++)
			worker_fini(&b->w[i]);
	/* Zero copy: every packet buffer is back (ports closed, results freed) before its memory goes. */
	if (b->rx_pool != NULL) {
		leaked = rte_mempool_in_use_count(b->rx_pool);
		if (leaked > 0)
			RTE_LOG(ERR, USER1, "npu: mempool %s: %u mbufs not returned\n",
				b->rx_pool->name, leaked);
	}
	rte_mempool_free(b->rx_pool);
	if (b->dev != NULL) {
		if (b->rx_ctx != UINT16_MAX)
			sluice_npu_ctx_destroy(b->dev, b->rx_ctx);
		dma_close(b);
		sluice_npu_close(b->dev);
	}
	rte_free(b->w);
	rte_free(b);
	return leaked;
}

struct sluice_npu_dev *sluice_bridge_device(struct sluice_bridge *b)
{
	return b->dev;
}

enum sluice_npu_copy sluice_bridge_copy_mode(const struct sluice_bridge *b)
{
	return b->copy;
}
