/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_BRIDGE_PRIV_H
#define SLUICE_BRIDGE_PRIV_H

/* Bridge internals shared by bridge.c, ingest.c and sched.c. */

#include <pthread.h>
#include <stdatomic.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ring.h>

#include "sluice_bridge.h"

/* Headers kept from a frame's first packet, for a result back to its sender. */
#define HDR_MAX 160
#define SLOT_NONE UINT32_MAX
#define DMA_DESC 4096
#define DMA_FIFO 8192
#define RESULT_RING 1024
#define SCRATCH_MAX 9216
#define INGEST_MAX 64

enum slot_state {
	SLOT_FREE = 0,
	SLOT_ASSEMBLING,
	SLOT_READY,      /* in the ready ring or the scheduler's queue */
	SLOT_INFLIGHT,   /* on the device */
	SLOT_TIMED_OUT,  /* given up on; the device still holds the op */
};

/* A frame buffer's bookkeeping (host memory; the pixels are in the window). */
struct slot {
	uint32_t frame;
	uint32_t ssrc;
	uint64_t first_tsc;
	uint64_t ready_tsc;
	uint64_t submit_tsc;
	uint16_t worker;
	uint16_t port;
	uint8_t state;
	bool zc;              /* zero copy: the frame is a gather list of mbufs' runs */
	uint16_t nb_zc;       /* mbufs the frame holds (zero copy) */
	uint16_t nb_segs;     /* gather list entries */
	uint8_t hdr_len;      /* 0: no reply headers (too long) */
	uint8_t family;
	uint8_t nb_vlans;
	uint16_t l3_off, l4_off, inner_off;
	uint16_t dport;           /* the frame's UDP destination port, host order */
	uint32_t pkt_flags;
	uint8_t hdr[HDR_MAX];
};

/* Counters one worker writes for one context. */
struct ctx_wstats {
	uint64_t ctr[SLUICE_BRIDGE_CTR_MAX];
	uint64_t asm_err[SLUICE_ASM_ERR_MAX];
} __rte_cache_aligned;

/* Counters the scheduler writes. */
struct ctx_sstats {
	uint64_t ctr[SLUICE_BRIDGE_CTR_MAX];
	uint64_t hist[SLUICE_BRIDGE_HIST];
} __rte_cache_aligned;

/* The scheduler's own view of a context. */
struct ctx_sched {
	uint32_t *q;          /* ready slots taken off the ring, FIFO [depth] */
	uint32_t q_head, q_len;
	uint32_t *fly;        /* slots on the device, in submission order [depth] */
	uint32_t fly_head, fly_len;
	int64_t deficit;
	bool turn;            /* its DRR turn is in progress */
	uint64_t busy_round;  /* the device refused its ops in this round */
	uint64_t tokens;      /* quota, in frames x tsc_hz */
	uint64_t tokens_max;
	uint64_t last_refill;
	uint32_t quarantined; /* timed-out slots the device still holds */
} __rte_cache_aligned;

struct bctx {
	/* Identity. */
	char tenant[SLUICE_NAME_MAX];
	struct sluice_npu_context conf;
	uint32_t serial;
	uint32_t index;       /* in b->ctx[] */
	uint16_t dev_ctx;
	uint16_t model;       /* index in b->models[] */
	uint16_t model_id;    /* device model id */
	uint16_t nb_classes;

	/* Geometry and the window. */
	struct sluice_asm_geom geom;
	uint32_t frame_bytes;
	uint32_t in_stride, out_stride, out_bytes;
	uint32_t depth;
	uint64_t win_addr, win_size;
	uint8_t *win_va;      /* host view of win_addr */
	uint64_t win_iova;
	uint32_t out_off;     /* first output slot, from win_addr */
	uint32_t seg_off;     /* zero copy: first slot's gather list, from win_addr */
	struct rte_mbuf **zc_mbufs; /* zero copy: [depth][SLUICE_NPU_SEGS_MAX] */

	struct rte_ring *free_ring;
	struct rte_ring *ready_ring;
	struct slot *slots;               /* [depth] */
	struct sluice_npu_op *ops;        /* [depth] */

	/* Lifecycle. */
	_Atomic bool dying;
	uint64_t dying_epoch;  /* b->epoch when it was retired */
	_Atomic bool sched_done;
	uint64_t removed_round;
	bool removed;          /* taken out of b->ctx[] */
	bool kept;             /* named by the last prepare */
	bool fresh;            /* made by the last prepare */

	struct ctx_sched sch;
	struct ctx_sstats ss;
	struct ctx_wstats ws[SLUICE_BRIDGE_WORKERS];
	/* Counters of the contexts this one replaced, and at its creation. */
	struct sluice_bridge_ctx_stats base;
};

/* Per-worker stream state. */
/* 8-byte aligned and a multiple of 8: rte_hash_crc reads keys 8 bytes at a time. */
struct flow_key {
	uint32_t serial;
	uint8_t family;
	uint8_t pad[3];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport, dport;
	uint32_t pad2;
} __rte_aligned(8);

struct bflow {
	struct sluice_asm_flow track;
	struct bctx *ctx;          /* NULL: entry unused */
	uint32_t slot;             /* the open frame's, or SLOT_NONE */
	uint32_t open_idx;         /* index in the worker's open list */
	uint32_t refused_frame;
	bool refused;              /* later packets of refused_frame are refused too */
	uint64_t last_tsc;
	struct flow_key key;
};

/* A deferred action, run once DMA copies up to `seq` have completed. */
enum fifo_kind { FIFO_FREE = 1, FIFO_READY, FIFO_RELEASE };
struct fifo_ent {
	uint64_t seq;
	uint8_t kind;
	uint32_t slot;
	void *ptr;                 /* mbuf, or struct bctx */
};

struct bworker {
	uint16_t id;
	struct rte_hash *flows_h;
	struct bflow *flows;       /* [nb_flows], by hash position */
	uint32_t nb_flows;
	uint32_t *open;            /* positions of flows with an open frame */
	uint32_t nb_open;
	uint32_t sweep_pos;
	uint64_t next_sweep;
	uint64_t seen_epoch;
	_Atomic uint64_t acked_epoch;
	struct rte_ring *results;  /* scheduler -> this worker */

	/* DMA. */
	int16_t dma_dev;
	uint64_t dma_submitted, dma_completed;
	bool dma_pending;          /* copies enqueued but not submitted */
	struct fifo_ent *fifo;     /* [DMA_FIFO] */
	uint32_t fifo_head, fifo_len;
	uint64_t dma_fallback, dma_errors;

	struct rte_mbuf *to_free[INGEST_MAX];
	uint8_t scratch[SCRATCH_MAX];
} __rte_cache_aligned;

struct bmodel {
	char name[SLUICE_NAME_MAX];
	char file[SLUICE_NPU_PATH_MAX];
	uint16_t id;
	bool loaded;
	uint32_t users;            /* contexts, dying ones included */
	struct sluice_npu_model_info info;
};

struct sluice_bridge {
	struct sluice_bridge_opts opts;
	uint64_t tsc_hz;
	uint64_t frame_timeout_tsc, flow_idle_tsc, op_timeout_tsc, sweep_tsc;
	uint16_t dev_inflight;

	/* The device. */
	struct sluice_npu_dev *dev;
	char dev_spec[SLUICE_NPU_SPEC_MAX];
	enum sluice_npu_copy copy;
	struct sluice_npu_mem mem;
	bool extmem;               /* device memory registered with EAL */
	/* Zero copy: the packet buffers' region (a context that runs nothing) and pool. */
	uint16_t rx_ctx;
	uint64_t rx_addr, rx_size;
	struct rte_mempool *rx_pool;
	struct bmodel models[SLUICE_NPU_MODELS_MAX];

	/* Contexts: the scheduler walks ctx[]; control keeps all (dying ones too). */
	struct bctx *_Atomic ctx[SLUICE_NPU_CTX_MAX];
	_Atomic uint32_t ctx_hi;   /* highest index used + 1 */
	struct bctx *all[SLUICE_NPU_CTX_MAX * 2];
	uint32_t nb_all;
	uint32_t next_serial;
	_Atomic uint64_t epoch;    /* bumped when contexts are retired */

	/* Scheduler. */
	_Atomic uint64_t round;
	_Atomic bool in_round;
	uint32_t rr[SLUICE_NPU_PRIORITY_MAX + 1];
	uint32_t inflight;
	pthread_t service;
	bool service_running;
	_Atomic bool service_quit;

	struct bworker *w;         /* [nb_workers] */
};

static inline uint64_t bridge_now(const struct sluice_bridge *b)
{
	return b->opts.clock ? b->opts.clock(b->opts.clock_arg) : rte_rdtsc();
}

/* ingest.c */
void bridge_worker_release_all(struct sluice_bridge *b, struct bworker *w);
void bridge_slot_free(struct bctx *c, uint32_t slot);

/* sched.c */
void bridge_sched_drop_ctx(struct sluice_bridge *b, struct bctx *c);

/* bridge.c */
bool bridge_workers_released(const struct sluice_bridge *b, const struct bctx *c);
void bridge_ctx_totals(const struct sluice_bridge *b, const struct bctx *c,
		       struct sluice_bridge_ctx_stats *st);

#endif /* SLUICE_BRIDGE_PRIV_H */
