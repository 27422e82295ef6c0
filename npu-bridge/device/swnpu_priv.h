/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SWNPU_PRIV_H
#define SWNPU_PRIV_H

/*
 * swnpu internals, shared by its files only. The BAR layout below is the
 * device's "hardware" interface (docs/npu-device.md draws it); everything
 * else is either host-driver state (struct swnpu_hctx, driven by the
 * context's thread) or device-internal state (struct swnpu_dctx and the
 * engine, driven by the device thread).
 */

#include <assert.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice_npu.h"
#include "sluice_nmodel.h"

#define SWNPU_PAGE 4096u
#define SWNPU_RING_MAX 1024u
#define SWNPU_GRANTS_MAX 4u
#define SWNPU_MEM_DEFAULT (64ull << 20)
#define SWNPU_MEM_MAX (64ull << 30)
#define SWNPU_POLL_US_DEFAULT 50u
/* How long the device thread sleeps once it has polled poll_us for nothing,
 * and how close a modelled completion must be for it to spin instead (a
 * nanosleep overshoots by tens of microseconds). */
#define SWNPU_NAP_NS 200000u
#define SWNPU_SPIN_NS 250000u
/* Largest input frame, bytes (what the preprocessing accepts). */
#define SWNPU_IN_MAX ((uint64_t)SLUICE_NMODEL_FRAME_MAX * SLUICE_NMODEL_FRAME_MAX * 3)

/* ---- BAR layout ------------------------------------------------------------ */

/* Submission descriptor: 64 bytes, host byte order. */
struct swnpu_desc {
	uint64_t in_addr;
	uint64_t segs_addr;
	uint64_t out_addr;
	uint32_t out_len;
	uint16_t model_id;
	uint16_t in_w;
	uint16_t in_h;
	uint8_t in_c;
	uint8_t flags; /* SWNPU_DF_* */
	uint16_t nb_segs;
	uint16_t tag; /* host's handle for the op, echoed in the completion */
	uint8_t rsvd[20];
};
static_assert(sizeof(struct swnpu_desc) == 64, "descriptor is 64 bytes");

/* Injected faults travel in the descriptor: the device acts them out. */
#define SWNPU_DF_DROP 0x01  /* take the op, never complete it */
#define SWNPU_DF_ERROR 0x02 /* complete with -EIO */

/* Completion entry: 16 bytes. */
struct swnpu_cqe {
	uint16_t tag;
	uint16_t rsvd;
	int32_t status;
	uint32_t device_ns;
	uint32_t rsvd2;
};
static_assert(sizeof(struct swnpu_cqe) == 16, "completion is 16 bytes");

/* One context's registers: each index alone on its cache line (the host
 * writes the first two, the device the last two). Free-running 32-bit
 * indexes; a ring slot is index & (ring_size - 1). */
struct swnpu_regs {
	alignas(64) _Atomic uint32_t sq_tail; /* doorbell */
	alignas(64) _Atomic uint32_t cq_head;
	alignas(64) _Atomic uint32_t sq_head;
	alignas(64) _Atomic uint32_t cq_tail;
};
static_assert(sizeof(struct swnpu_regs) == 256, "register block is 256 bytes");

#define SWNPU_REGS_OFF(mem) (mem)
#define SWNPU_REGS_LEN ((uint64_t)SLUICE_NPU_CTX_MAX * sizeof(struct swnpu_regs))
#define SWNPU_RING_SLOT                                                                            \
	((uint64_t)SWNPU_RING_MAX * (sizeof(struct swnpu_desc) + sizeof(struct swnpu_cqe)))
#define SWNPU_RINGS_OFF(mem) ((mem) + SWNPU_REGS_LEN)
#define SWNPU_BAR_LEN(mem) (SWNPU_RINGS_OFF(mem) + SLUICE_NPU_CTX_MAX * SWNPU_RING_SLOT)

/* ---- Timing profile -------------------------------------------------------- */

struct swnpu_profile {
	char name[16];
	bool enabled;	    /* false: "none" */
	uint64_t fixed_ns;  /* per inference */
	uint64_t switch_ns; /* when the engine moves to another context */
	uint64_t gops;	    /* int8 ops per ns (1 MAC = 2 ops) */
};

/* "none", "hailo8" or a file path. @return 0 or -EINVAL. */
int swnpu_profile_load(const char *what, struct swnpu_profile *p);
/* Engine time for `macs` multiply-accumulates: ceil(2 * macs / gops). */
uint64_t swnpu_profile_compute_ns(const struct swnpu_profile *p, uint64_t macs);

/* ---- Device memory allocator (first fit over a sorted free list) -------------- */

struct swnpu_extent {
	uint64_t addr, len;
};

struct swnpu_alloc {
	uint64_t size;
	unsigned int nb;
	/* Free extents never outnumber allocations + 1. */
	struct swnpu_extent free[2 * (SLUICE_NPU_CTX_MAX + SLUICE_NPU_MODELS_MAX) + 2];
};

void swnpu_alloc_init(struct swnpu_alloc *a, uint64_t size);
/* len a multiple of SWNPU_PAGE. @return 0 or -ENOSPC. */
int swnpu_alloc_get(struct swnpu_alloc *a, uint64_t len, uint64_t *addr);
void swnpu_alloc_put(struct swnpu_alloc *a, uint64_t addr, uint64_t len);
uint64_t swnpu_alloc_free_bytes(const struct swnpu_alloc *a);

/* ---- Models ------------------------------------------------------------------ */

enum { SWNPU_MODEL_FREE = 0, SWNPU_MODEL_LIVE, SWNPU_MODEL_DEAD };

struct swnpu_model {
	_Atomic int state;
	struct sluice_nmodel *nm;
	struct sluice_nmodel_desc desc;
	void *scratch;	    /* the device thread's, one per model */
	uint64_t addr, len; /* weights' place in device memory */
	uint32_t out_bytes;
	uint64_t compute_ns;
};

/* ---- Contexts ---------------------------------------------------------------- */

/* A counter one thread writes and any thread reads: no locked instruction. */
typedef _Atomic uint64_t swnpu_cnt;

static inline void swnpu_cnt_add(swnpu_cnt *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline uint64_t swnpu_cnt_get(const swnpu_cnt *c)
{
	return atomic_load_explicit((swnpu_cnt *)(uintptr_t)c, memory_order_relaxed);
}

struct swnpu_shadow {
	struct sluice_npu_op *op;
	uint16_t model_id;
};

/* Host driver side of a context: the context's thread owns it. */
struct swnpu_hctx {
	alignas(64) struct swnpu_regs *regs;
	struct swnpu_desc *sq;
	struct swnpu_cqe *cq;
	uint32_t size, mask;
	uint32_t sq_tail, cq_head;
	struct swnpu_shadow *shadow; /* tag -> op */
	uint16_t *free_tags;	     /* stack of unused tags */
	uint32_t nb_free;
	bool live;
	/* kind << 32 | count, written by the control thread, consumed here. */
	alignas(64) _Atomic uint64_t fault;
	alignas(64) swnpu_cnt enqueued;
	swnpu_cnt dequeued;
	swnpu_cnt ring_full;
	/* Ops in flight per model (model_unload's -EBUSY). */
	_Atomic uint32_t model_inflight[SLUICE_NPU_MODELS_MAX];
};

struct swnpu_pending {
	uint64_t post_at; /* ns, CLOCK_MONOTONIC; 0: now */
	uint16_t tag;
	int32_t status;
	uint32_t device_ns;
};

/* Device side of a context: configured by the control thread before the
 * context's bit is published in swnpu.active, then the device thread's. The
 * window and grants live here, not in the BAR: whoever maps the BAR can
 * not widen them. */
struct swnpu_dctx {
	alignas(64) struct swnpu_regs *regs;
	struct swnpu_desc *sq;
	struct swnpu_cqe *cq;
	uint32_t size, mask;
	uint32_t gen; /* bumped per create: a new context in a reused slot is another context */
	uint64_t win_lo, win_hi;
	struct swnpu_extent grants[SWNPU_GRANTS_MAX];
	_Atomic uint32_t nb_grants;
	uint32_t sq_head, cq_tail;
	struct swnpu_pending *pend; /* [size], FIFO */
	uint32_t pend_head, pend_tail;
	alignas(64) swnpu_cnt completed_ok;
	swnpu_cnt errors;
	swnpu_cnt window_faults;
	swnpu_cnt dropped;
	swnpu_cnt busy_ns;
	swnpu_cnt ctx_switches;
};

struct swnpu {
	/* BAR */
	int fd;
	uint8_t *bar;
	uint64_t bar_len;
	uint64_t mem_size;
	uint64_t iova;

	struct swnpu_profile prof;
	int cpu; /* -1: unpinned */
	uint64_t poll_ns;

	/* Device thread */
	pthread_t thread;
	bool thread_started;
	_Atomic bool stop;
	alignas(64) _Atomic uint64_t epoch;		  /* bumped once per device loop */
	_Atomic uint64_t active[SLUICE_NPU_CTX_MAX / 64]; /* contexts the device serves */
	uint64_t engine_free; /* modelled time the engine is free again */
	uint64_t last_ctx;    /* gen << 16 | slot of the context the engine ran last */
	uint8_t *gather;      /* device-internal input buffer (zero-copy ops) */
	struct sluice_npu_seg segs[SLUICE_NPU_SEGS_MAX];

	/* Control */
	struct swnpu_alloc alloc;
	_Atomic bool ctx_used[SLUICE_NPU_CTX_MAX]; /* read by stats_get() from any thread */
	uint64_t win_addr[SLUICE_NPU_CTX_MAX], win_len[SLUICE_NPU_CTX_MAX];
	struct swnpu_model models[SLUICE_NPU_MODELS_MAX];
	struct sluice_npu_stats retired; /* destroyed contexts' totals */

	struct swnpu_hctx host[SLUICE_NPU_CTX_MAX];
	struct swnpu_dctx dev[SLUICE_NPU_CTX_MAX];
};

/* The device thread (swnpu_engine.c). */
void *swnpu_engine_main(void *arg);
/* Wait until the device thread has started two fresh loops: whatever it read
 * before the caller's last store is no longer in use. */
void swnpu_engine_quiesce(struct swnpu *sw);
uint64_t swnpu_now_ns(void);

#endif /* SWNPU_PRIV_H */
