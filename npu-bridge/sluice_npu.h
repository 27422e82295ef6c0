/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_NPU_H
#define SLUICE_NPU_H

/**
 * @file
 * NPU device API, shaped like DPDK's mldev (23.03+, not in DPDK 22.11):
 * a device with memory, contexts (each a queue pair bound to a memory
 * window), models, and bursts of ops enqueued and dequeued per context.
 * Backends implement the ops table in sluice_npu_driver.h; `swnpu` (a
 * software NPU that behaves like a PCIe accelerator) is always built, real
 * backends (HailoRT, CUDA) build only where their SDK is found.
 *
 * Device memory. The device owns `mem_size` bytes of memory (on swnpu: a BAR
 * in shared memory). Device addresses ("addr") are offsets into it. The host
 * reaches it through sluice_npu_mem(): a virtual address and an IOVA, so a
 * DMA engine (rte_dmadev) or a port's RX pool can write there directly.
 *
 * Contexts. A context is the unit of isolation (one per tenant NPU context):
 * a memory window [win_addr, win_addr + win_size) of device memory, and a
 * submission and a completion ring with a doorbell. The device enforces the
 * window like an IOMMU: an op whose input, output or gather list is not
 * wholly inside its context's window (or inside a read-only region granted
 * to the context with sluice_npu_ctx_grant()) completes with -EFAULT and the
 * context's `window_faults` counter moves. Models are loaded into device
 * memory outside every window; an op names one by id.
 *
 * Threads. One control thread opens, configures and closes the device. Each
 * context is driven by one thread at a time (enqueue, dequeue); different
 * contexts may be driven from different threads without locks. stats_get()
 * may be called from any thread. No call here allocates or makes a syscall
 * on the enqueue/dequeue path.
 *
 * Errors: commands return 0 or -errno; constructors NULL with errno; bursts
 * a count.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most contexts a device exposes. */
#define SLUICE_NPU_CTX_MAX 256
/** Most models loaded at once. */
#define SLUICE_NPU_MODELS_MAX 64
/** Most gather segments in one op. */
#define SLUICE_NPU_SEGS_MAX 256

struct sluice_npu_dev;

struct sluice_npu_info {
	char driver[16];         /**< "swnpu", "hailort"... */
	uint64_t mem_size;       /**< device memory, bytes */
	uint16_t max_contexts;
	uint16_t max_models;
	uint16_t max_ring;       /**< largest ring_size a context may have */
	uint16_t max_segs;       /**< largest gather list */
	/** Timing profile in force ("none" when ops complete as fast as the host computes). */
	char profile[16];
};

/**
 * Open a device from a spec string "DRIVER[,key=value...]", for example
 * "swnpu,mem=256M,profile=hailo8,cpu=1". Keys are the driver's; unknown keys
 * fail with EINVAL. swnpu keys: mem (device memory, K/M/G suffixes, default
 * 64M), profile (timing model: none, hailo8, or a path to a profile file;
 * default none), cpu (CPU the device thread is pinned to; default unpinned),
 * poll_us (how long the device thread busy-polls before it naps; default 50).
 * @return the device, or NULL with errno (EINVAL, ENOMEM, ENODEV: no such driver).
 */
struct sluice_npu_dev *sluice_npu_open(const char *spec);

/** Stop the device and free it; every context and model goes. NULL is a no-op. */
void sluice_npu_close(struct sluice_npu_dev *dev);

int sluice_npu_info_get(const struct sluice_npu_dev *dev, struct sluice_npu_info *info);

/** The host's view of device memory. */
struct sluice_npu_mem {
	void *va;          /**< host virtual address of device address 0 */
	uint64_t iova;     /**< IOVA of device address 0 (for rte_dmadev); 0 until DMA-mapped */
	uint64_t size;
	int fd;            /**< memfd backing it (another process may map it), or -1 */
};

/** @return 0 or -EINVAL. */
int sluice_npu_mem(const struct sluice_npu_dev *dev, struct sluice_npu_mem *m);

/**
 * Record the IOVA under which device memory is DMA-mapped (the caller has
 * registered it with rte_extmem_register() and rte_dev_dma_map() or knows
 * VA == IOVA). @return 0 or -EINVAL.
 */
int sluice_npu_mem_set_iova(struct sluice_npu_dev *dev, uint64_t iova);

/* ---- Models -------------------------------------------------------------- */

struct sluice_npu_model_info {
	char name[32];
	uint32_t in_max_w, in_max_h; /**< largest input frame the model's preprocessing takes */
	uint8_t in_channels_mask;    /**< bit c set: c channels accepted (1 gray, 3 RGB) */
	uint32_t out_bytes;          /**< bytes one op writes at out_addr */
	uint16_t nb_classes;
	uint64_t macs;               /**< multiply-accumulates per inference (timing model) */
};

/**
 * Load a model blob (format: docs/npu-model.md, parsed and fully validated
 * here: a blob comes from a tenant and is untrusted) into device memory.
 * @return 0 and *model_id, or -EINVAL (bad blob), -ENOSPC (no model slot or
 *         device memory), -ENOMEM.
 */
int sluice_npu_model_load(struct sluice_npu_dev *dev, const void *blob, size_t len,
			  uint16_t *model_id);
/** @return 0, -ENOENT, or -EBUSY while a context has ops of it in flight. */
int sluice_npu_model_unload(struct sluice_npu_dev *dev, uint16_t model_id);
int sluice_npu_model_info_get(const struct sluice_npu_dev *dev, uint16_t model_id,
			      struct sluice_npu_model_info *info);

/* ---- Contexts ------------------------------------------------------------ */

struct sluice_npu_ctx_conf {
	size_t sz;               /**< sizeof(struct sluice_npu_ctx_conf) */
	uint64_t win_size;       /**< memory window, bytes (rounded up to 4 KiB) */
	uint16_t ring_size;      /**< ring entries, power of 2, 2..max_ring */
};

/**
 * Create a context: carve its window out of device memory (zeroed) and set
 * up its rings. @return 0 and *ctx, or -EINVAL, -ENOSPC (no context slot or
 * no device memory left for the window).
 */
int sluice_npu_ctx_create(struct sluice_npu_dev *dev, const struct sluice_npu_ctx_conf *conf,
			  uint16_t *ctx);

/**
 * Destroy a context. The caller must have stopped driving it (no enqueue or
 * dequeue on it, from any thread, during or after the call). Every op the
 * device still holds is handed back here, not by a dequeue: its status and
 * device_ns are set in the caller's op struct, to the completion already
 * posted for it if there is one, else to -ECANCELED and 0 (ops still queued
 * or running, and ops swallowed by an injected timeout); cancelled ops count
 * in `errors`. The window is zeroed and returned to device memory, and the
 * context's counters are folded into the device total.
 * @return 0 or -ENOENT.
 */
int sluice_npu_ctx_destroy(struct sluice_npu_dev *dev, uint16_t ctx);

/** A context's window: device address and size. @return 0 or -ENOENT. */
int sluice_npu_ctx_window(const struct sluice_npu_dev *dev, uint16_t ctx, uint64_t *addr,
			  uint64_t *size);

/**
 * Let a context's ops read (never write) [addr, addr + len) of device memory
 * besides its window: the zero-copy RX region its packets land in.
 * @return 0, -ENOENT, -EINVAL (range outside device memory), -ENOSPC (4 grants per context).
 */
int sluice_npu_ctx_grant(struct sluice_npu_dev *dev, uint16_t ctx, uint64_t addr, uint64_t len);

/* ---- Ops ----------------------------------------------------------------- */

/** One gather segment: `len` bytes at device address `addr` go to input byte `dst_off`. */
struct sluice_npu_seg {
	uint64_t addr;
	uint32_t len;
	uint32_t dst_off;
};

/** Completion status of an op (op->status). */
enum sluice_npu_status {
	SLUICE_NPU_OK = 0,
	/* Others are negative errno values: -EFAULT (outside the window),
	 * -EINVAL (bad model id, geometry, lengths), -EIO (device error,
	 * injected), -ECANCELED (context destroyed), -ETIMEDOUT (set by the
	 * caller when it gives up on an op; the device never reports it). */
};

/**
 * One inference request. The input is a frame of in_w x in_h pixels of
 * in_c channels, 8 bits each, row-major, channels interleaved:
 * in_w * in_h * in_c bytes, either contiguous at in_addr (nb_segs == 0) or
 * gathered from the nb_segs segments described by the array of struct
 * sluice_npu_seg at device address segs_addr (zero-copy). The device writes
 * the model's out_bytes at out_addr (out_len must be at least that).
 * The op struct lives in host memory and belongs to the device from a
 * successful enqueue until it is dequeued; the device copies what it needs
 * into its submission ring at enqueue.
 */
struct sluice_npu_op {
	uint16_t model_id;
	uint16_t in_w, in_h;
	uint8_t in_c;
	uint16_t nb_segs;
	uint64_t in_addr;
	uint64_t segs_addr;
	uint64_t out_addr;
	uint32_t out_len;
	/** Set at dequeue: 0 or a negative errno (enum sluice_npu_status). */
	int32_t status;
	/** Set at dequeue: device time the op took, ns (timing model included;
	 * 0 for an op the device refused). */
	uint32_t device_ns;
	/** The caller's, untouched. */
	uint64_t user_data;
};

/**
 * Enqueue ops on a context's submission ring and ring its doorbell once.
 * @return how many were taken (fewer when the ring is full or a fault
 *         injects "full"); the rest stay the caller's.
 */
uint16_t sluice_npu_enqueue_burst(struct sluice_npu_dev *dev, uint16_t ctx,
				  struct sluice_npu_op **ops, uint16_t n);

/**
 * Dequeue completed ops, in completion order, with status and device_ns set.
 * @return how many.
 */
uint16_t sluice_npu_dequeue_burst(struct sluice_npu_dev *dev, uint16_t ctx,
				  struct sluice_npu_op **ops, uint16_t n);

/**
 * Reset a context's queues, as a driver does after an op timed out (a hung
 * command holds its ring slot and never completes by itself). The device
 * stops looking at the context; every op it still holds is handed back, as
 * by sluice_npu_ctx_destroy() (the completion already posted for it, else
 * -ECANCELED, counted in `errors`), and listed in `ops`; the rings start
 * empty and the context goes on with its window, grants, model and counters.
 * Called by the thread that drives the context, like the bursts, but not on
 * a hot path: it waits (sleeping) for the device to let go of the context.
 *
 * @param ops room for `n` pointers; n >= the context's queue_depth always
 *        suffices.
 * @return the number of ops handed back, or -ENOENT, -EINVAL (ops NULL with
 *         n > 0), -ENOSPC (more ops held than n: none handed back, nothing
 *         reset), -ENOTSUP.
 */
int sluice_npu_ctx_reset(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op **ops,
			 uint16_t n);

/* ---- Counters and faults ------------------------------------------------- */

struct sluice_npu_stats {
	uint64_t enqueued;
	uint64_t dequeued;
	uint64_t completed_ok;
	uint64_t errors;         /**< completions with status != 0 */
	uint64_t window_faults;  /**< -EFAULT completions */
	uint64_t ring_full;      /**< enqueue bursts cut short by a full ring (incl. injected) */
	uint64_t dropped;        /**< ops swallowed by an injected timeout */
	uint64_t busy_ns;        /**< device time spent on this context's ops */
	uint64_t ctx_switches;   /**< times the device switched to this context */
};

/** One context's counters, or the device total with ctx == UINT16_MAX. @return 0 or -ENOENT. */
int sluice_npu_stats_get(const struct sluice_npu_dev *dev, uint16_t ctx,
			 struct sluice_npu_stats *st);

enum sluice_npu_fault_kind {
	SLUICE_NPU_FAULT_NONE = 0,
	/** The op is taken and never completes: like a hung command it keeps its
	 * ring slot (and its model busy) until the context is reset or destroyed. */
	SLUICE_NPU_FAULT_TIMEOUT,
	SLUICE_NPU_FAULT_ERROR,     /**< the op completes with -EIO */
	SLUICE_NPU_FAULT_FULL,      /**< an enqueue burst takes nothing, as if the ring were full */
};

struct sluice_npu_fault {
	enum sluice_npu_fault_kind kind;
	/** TIMEOUT, ERROR: the next `count` ops enqueued on the context; FULL:
	 * its next `count` enqueue bursts. Kind NONE (count ignored) clears;
	 * another kind with count 0 is -EINVAL. A new fault replaces the old. */
	uint32_t count;
};

/** Inject a fault into a context (tests, the soak run). @return 0, -ENOENT, -EINVAL. */
int sluice_npu_fault_inject(struct sluice_npu_dev *dev, uint16_t ctx,
			    const struct sluice_npu_fault *f);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_NPU_H */
