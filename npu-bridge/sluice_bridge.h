/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_BRIDGE_H
#define SLUICE_BRIDGE_H

/**
 * @file
 * The NPU bridge: tenants' frames arrive as packets, are reassembled
 * directly in NPU memory, are inferred in the tenant's own device context,
 * and one result message per frame goes back (docs/npu-results.md).
 *
 * Pieces and who runs them:
 *
 *  - Contexts (control thread). sluice_bridge_prepare() opens the device on
 *    first need, loads the models the configuration names, and creates a
 *    device context for each tenant context that has a model: a memory
 *    window holding `queue_depth` input slots and as many output slots, a
 *    free ring and a ready ring of slot numbers. A context whose tenant,
 *    name and settings are unchanged is kept across applies; the others are
 *    retired once the data plane has published a table without them
 *    (sluice_bridge_commit()) and destroyed by sluice_bridge_reap() when no
 *    worker, queue or device op refers to them any more.
 *
 *  - Ingest (each worker, from its action stage, one call per burst).
 *    Packets go through sluice_asm_parse() and sluice_asm_track() with
 *    per-flow state kept in the worker's own rte_hash keyed by (context,
 *    5-tuple), preallocated. A packet that starts a frame takes a slot from
 *    the context's free ring; with none free the frame is refused whole
 *    (`npu_queue_full`: its packets are dropped and counted, never queued
 *    without a buffer). Payload runs are moved into the slot by the worker
 *    (copy "cpu") or by the worker's rte_dmadev channel (copy "dmadev",
 *    completions polled; mbufs freed and frames queued only after their
 *    copies completed), or not moved at all (copy "zerocopy": packets are
 *    received into NPU memory, sluice_bridge_rx_pool(); the frame's op
 *    carries a gather list of the payload runs, in the context's window,
 *    and the mbufs stay with the frame until its op completes; a frame of
 *    more runs than a gather list holds, or a packet not in NPU memory, is
 *    copied into the slot instead). A complete frame's slot goes to the context's ready
 *    ring. A frame left incomplete when a newer one begins, or for longer
 *    than the frame timeout, is abandoned and its slot returned.
 *
 *  - Scheduler (one thread: the bridge's service thread, or a test calling
 *    sluice_bridge_service_poll()). Takes ready frames by priority (higher
 *    first), then by weight within a priority (deficit round robin, quantum
 *    = weight frames), within each context's quota (token bucket of
 *    quota_fps) and batching (a context submits when `threshold` frames are
 *    ready or its oldest ready frame has waited `timeout_us`). It keeps at
 *    most `dev_inflight` ops on the device, so that its choice, not the
 *    device's queues, decides who goes next. It dequeues completions, gives
 *    up on ops older than the op timeout (a device fault: the result says
 *    so and the slot stays out of use until the device returns the op),
 *    builds the result message as an mbuf, returns the slot, and hands the
 *    message to the worker that ingested the frame through that worker's
 *    result ring.
 *
 *  - Results out (each worker, sluice_bridge_worker_poll() once per loop):
 *    result mbufs come back to be transmitted on the worker's own TX queue.
 *    The same call polls DMA completions, abandons timed-out frames, and
 *    drops the worker's references to retired contexts.
 *
 * Threads and locks: workers take no lock, make no syscall and allocate
 * nothing here; each worker's flow table, DMA channel and result ring are
 * its own. The scheduler is one thread. Every other call is the control
 * thread's (the data plane's apply lock serialises them); stats readers may
 * run on any control-side thread.
 *
 * Clock: every time (frame and op timeouts, batching, quotas, latency) is
 * read from opts.clock, in TSC units, as the data plane's.
 *
 * Errors: commands return 0 or -errno (and fill a struct sluice_err naming
 * the tenant file key at fault, as sluice_model.h does); constructors NULL
 * with errno; bursts a count.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "sluice_asm.h"
#include "sluice_drops.h"
#include "sluice_model.h"
#include "sluice_npu.h"
#include "sluice_parse.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most workers the bridge serves (as the data plane). */
#define SLUICE_BRIDGE_WORKERS 32
/** Latency histogram buckets: bucket k counts latencies in [2^k, 2^(k+1)) ns (k = 0: [0, 2)). */
#define SLUICE_BRIDGE_HIST 48

/** Per-context counters; names are what `show npu`, the stats JSON and telemetry print. */
#define SLUICE_BRIDGE_CTR_LIST(X)                                                                  \
	X(PKTS, "pkts", "packets sent to the context by to_npu")                                  \
	X(PKTS_BAD, "pkts_bad", "packets refused: not_udp plus the assembler's reasons below")   \
	X(NOT_UDP, "not_udp", "packets that are not a whole UDP datagram (TCP, fragments)")      \
	X(PKTS_REFUSED, "pkts_refused", "packets of refused frames (npu_queue_full)")             \
	X(BYTES_MOVED, "bytes_moved", "payload bytes moved into NPU memory")                      \
	X(FRAMES_IN, "frames_in", "frames started: given a buffer")                                \
	X(FRAMES_REFUSED, "frames_refused", "frames refused whole: no free buffer (npu_queue_full)") \
	X(FRAMES_COMPLETE, "frames_complete", "frames assembled whole and queued for the device")  \
	X(FRAMES_INCOMPLETE, "frames_incomplete", "frames abandoned incomplete when a newer one began") \
	X(FRAMES_TIMED_OUT, "frames_timed_out", "frames abandoned incomplete after the frame timeout") \
	X(FRAMES_INFERRED, "frames_inferred", "frames the device inferred")                       \
	X(FRAMES_ERRORS, "frames_errors", "frames the device failed (error, window fault, timeout)") \
	X(FRAMES_CANCELLED, "frames_cancelled", "queued frames dropped because the context went away") \
	X(RESULTS_SENT, "results_sent", "result messages handed to a worker to transmit")          \
	X(RESULTS_DROPPED, "results_dropped", "result messages lost: no mbuf or a full result ring") \
	X(OP_TIMEOUTS, "op_timeouts", "ops the device did not complete within the op timeout")   \
	X(LATE_COMPLETIONS, "late_completions", "timed-out ops the device returned later")         \
	X(CTX_RESETS, "ctx_resets", "queue resets that took back the buffers of timed-out ops")    \
	X(DEVICE_BUSY, "device_busy", "enqueues the device refused (its ring was full)")           \
	X(BATCHES, "batches", "enqueue bursts")                                                    \
	X(FRAMES_GATHERED, "frames_gathered", "frames sent as gather lists of packet buffers (zero copy)") \
	X(ZC_COPIED, "zc_copied", "zero copy frames copied instead (too many runs, a packet elsewhere)")

enum sluice_bridge_ctr {
#define SLUICE_BRIDGE_CTR_ENUM(e, n, d) SLUICE_BRIDGE_CTR_##e,
	SLUICE_BRIDGE_CTR_LIST(SLUICE_BRIDGE_CTR_ENUM)
#undef SLUICE_BRIDGE_CTR_ENUM
	SLUICE_BRIDGE_CTR_MAX
};

/** Counter name ("frames_in"), or "unknown". */
const char *sluice_bridge_ctr_name(unsigned int ctr);
const char *sluice_bridge_ctr_desc(unsigned int ctr);

struct sluice_bridge;
/** A context as the data plane's tables hold it (opaque). */
struct sluice_bridge_ctx;

struct sluice_bridge_opts {
	/** sizeof(struct sluice_bridge_opts). */
	size_t sz;
	/** Workers that call ingest and worker_poll, 1..SLUICE_BRIDGE_WORKERS. */
	uint16_t nb_workers;
	/**
	 * Pool result messages are allocated from (the data plane's). NULL with
	 * copy "zerocopy": the pool is then sluice_bridge_rx_pool()'s.
	 */
	struct rte_mempool *pool;
	/** Device spec that overrides the configuration's (--npu), or NULL. */
	const char *device;
	/** Copy mode that overrides the configuration's (--npu-copy) when copy_set. */
	bool copy_set;
	enum sluice_npu_copy copy;
	/** Streams each worker tracks at once; 0 = 4096. */
	uint32_t flows_max;
	/** An incomplete frame idle this long is abandoned; 0 = 100000 (100 ms). */
	uint32_t frame_timeout_us;
	/** A stream idle this long (no open frame) is forgotten; 0 = 10 s. */
	uint32_t flow_idle_us;
	/** An op the device has not completed after this long has failed; 0 = 1 s. */
	uint32_t op_timeout_us;
	/** Most ops on the device at once, all contexts together; 0 = 8. */
	uint16_t dev_inflight;
	/** Time source in TSC units (see the file comment); NULL = rte_rdtsc(). */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
};

/**
 * Create the bridge: per-worker flow tables and result rings. The device is
 * not opened until a configuration needs it.
 * @return the bridge, or NULL with errno: EINVAL (bad option), ENOMEM, or
 *         rte_hash's / rte_ring's error.
 */
struct sluice_bridge *sluice_bridge_create(const struct sluice_bridge_opts *opts);

/**
 * Zero copy: open the device now (opts.device, or "swnpu"; its memory must
 * hold the pool beside the contexts' windows), reserve a region of its memory
 * for packet buffers (a device context of its own that runs no op, whose
 * window every tenant context is granted read-only), and make a mempool of
 * `nb_mbufs` mbufs whose data buffers are there (rte_pktmbuf_pool_create_extbuf).
 * The data plane receives into it. Needs --iova-mode=va. Control thread,
 * before any prepare; once.
 * @return the pool, or NULL with errno: EINVAL (not zerocopy, already made,
 *         IOVA is not VA), ENOSPC (device memory), ENODEV, ENOMEM.
 */
struct rte_mempool *sluice_bridge_rx_pool(struct sluice_bridge *b, uint32_t nb_mbufs);

/**
 * Stop the service thread, free every mbuf the bridge holds, destroy every
 * context, close the DMA channels and the device. Workers must have
 * stopped, and with zero copy every port using the pool must be closed.
 * NULL is a no-op.
 *
 * @return with zero copy, the packet buffers that were not back in the pool
 *         in NPU memory when it was freed (each pool with any is logged); 0
 *         otherwise. Non-zero means an mbuf leaked.
 */
unsigned int sluice_bridge_destroy(struct sluice_bridge *b);

/* ---- Applying a configuration (control thread) ---------------------------- */

/**
 * First half of an apply, before the data plane builds its new table:
 * open the device (first time), load the models contexts use, create the
 * contexts that are new or changed, and check each against its model.
 * New contexts are not reachable by workers until a table naming them is
 * published.
 * @return 0; -EINVAL with err (field "device", "copy", "file", "model",
 *         "width", "window"... and a message naming the tenant and context),
 *         -ENOSPC (device memory or contexts), -ENOMEM, -ENODEV (no such
 *         driver), or the device's error. On error nothing changed.
 */
int sluice_bridge_prepare(struct sluice_bridge *b, const struct sluice_config *cfg,
			  struct sluice_err *err);

/**
 * The handle the data plane's table keeps for a tenant's context: one made
 * or kept by the last prepare. NULL when the context has no model (its
 * packets are then dropped as npu_not_attached) or does not exist.
 */
struct sluice_bridge_ctx *sluice_bridge_ctx_lookup(struct sluice_bridge *b, const char *tenant,
						   const char *name);

/**
 * Second half, after the data plane published the table built against the
 * last prepare and waited for its grace period: contexts that prepare did
 * not keep are retired.
 */
void sluice_bridge_commit(struct sluice_bridge *b);

/** Undo the last prepare (its table was not published): its new contexts are retired. */
void sluice_bridge_abort(struct sluice_bridge *b);

/**
 * Destroy retired contexts nothing refers to any more, and unload models no
 * context uses. Never waits. Call it after commit and now and then (the
 * launcher's main loop does).
 * @return retired contexts still waiting.
 */
unsigned int sluice_bridge_reap(struct sluice_bridge *b);

/**
 * Load one model of `cfg`'s npu section the way prepare loads it (the same
 * file reading and device validation; the device is opened with cfg's
 * device and copy mode if it is not open yet) and describe it. A model no
 * context uses is unloaded again before returning; one already loaded is
 * only described. Control thread (the apply lock held).
 * @return 0 and *info; or -errno with err: prepare's device errors, and for
 *         the blob field "file": -ENOENT/-EACCES (cannot open), -EIO, -EFBIG,
 *         -EINVAL (not a valid model blob), -ENOSPC (no model slot or device
 *         memory).
 */
int sluice_bridge_model_describe(struct sluice_bridge *b, const struct sluice_config *cfg,
				 const struct sluice_npu_model_ref *ref,
				 struct sluice_npu_model_info *info, struct sluice_err *err);

/**
 * Inject a device fault (sluice_npu_fault_inject()) into the device context
 * of a tenant's live context (the soak run, tests). Control thread.
 * @return 0, -ENOENT (no live context of that tenant and name: none with a
 *         model, or not applied yet), -EINVAL (the device refused the fault:
 *         a kind other than none with count 0, or an unknown kind).
 */
int sluice_bridge_fault_inject(struct sluice_bridge *b, const char *tenant, const char *name,
			       const struct sluice_npu_fault *f);

/* ---- Workers ----------------------------------------------------------------- */

/** One to_npu packet, as the worker's action stage found it. */
struct sluice_bridge_pkt {
	struct rte_mbuf *m;
	struct sluice_bridge_ctx *ctx;
	const struct sluice_pkt *meta;   /**< the parser's view of it */
	uint16_t port;                   /**< ingress port */
	/** Set by ingest: SLUICE_DROP_NONE (the bridge took the mbuf) or why it was refused. */
	uint8_t drop;
};

/**
 * Ingest a burst of to_npu packets on worker `worker` (lcore-local: the
 * worker's own call, never concurrent with another call for the same
 * worker). Taken mbufs are the bridge's (freed after their payload moved);
 * refused ones stay the caller's, with pk[i].drop set to
 * SLUICE_DROP_NPU_QUEUE_FULL, SLUICE_DROP_NPU_BAD_PACKET (the reason is
 * counted on the context) or SLUICE_DROP_NPU_FLOW_LIMIT.
 * @return packets taken.
 */
uint16_t sluice_bridge_ingest(struct sluice_bridge *b, uint16_t worker,
			      struct sluice_bridge_pkt *pk, uint16_t n, uint64_t now);

/**
 * Worker housekeeping, once per loop iteration: poll DMA completions,
 * abandon frames past the frame timeout, forget idle streams, release
 * retired contexts, and return up to `n` result messages to transmit (each
 * mbuf's `port` is its egress port).
 * @return result mbufs written to out[].
 */
uint16_t sluice_bridge_worker_poll(struct sluice_bridge *b, uint16_t worker, uint64_t now,
				   struct rte_mbuf **out, uint16_t n);

/* ---- The scheduler ------------------------------------------------------------- */

/**
 * Start the service thread that runs the scheduler (it naps when there is
 * nothing to do). @return 0, -EALREADY, or -errno.
 */
int sluice_bridge_service_start(struct sluice_bridge *b);
/** Stop it and wait for it. No-op when not running. */
void sluice_bridge_service_stop(struct sluice_bridge *b);
/**
 * One scheduler round from the caller's thread (tests; never while the
 * service thread runs). @return frames submitted plus ops completed.
 */
unsigned int sluice_bridge_service_poll(struct sluice_bridge *b);

/* ---- Counters ------------------------------------------------------------------ */

struct sluice_bridge_ctx_stats {
	uint64_t ctr[SLUICE_BRIDGE_CTR_MAX];
	/** Packets the assembler refused, by enum sluice_asm_err (index 0 unused). */
	uint64_t asm_err[SLUICE_ASM_ERR_MAX];
	/** Latency, first packet of a frame seen to its result handed to a worker. */
	uint64_t hist[SLUICE_BRIDGE_HIST];
	/** Upper bounds of the buckets holding the 50th and 99th percentiles, ns (0: no samples). */
	uint64_t p50_ns, p99_ns;
	/** Frames queued or in flight now. */
	uint32_t queued, inflight;
	/** The device's own counters of this context (window faults...). */
	struct sluice_npu_stats dev;
	/** Device context and model ids (tests that craft ops at the device). */
	uint16_t dev_ctx;
	uint16_t model_id;
};

/**
 * A context's counters, since it was first created (carried across
 * replacements by tenant and name). @return 0 or -ENOENT.
 */
int sluice_bridge_ctx_stats(struct sluice_bridge *b, const char *tenant, const char *name,
			    struct sluice_bridge_ctx_stats *st);

/** The device, once open (tests, `show npu`), or NULL. */
struct sluice_npu_dev *sluice_bridge_device(struct sluice_bridge *b);
/** The copy mode in force (meaningful once the device is open). */
enum sluice_npu_copy sluice_bridge_copy_mode(const struct sluice_bridge *b);

/** `show npu`: the device, then every context's counters. */
void sluice_bridge_show(struct sluice_bridge *b, FILE *out);
/** The "npu" member of the stats JSON: an object. @return 0 or -EIO. */
int sluice_bridge_stats_json(struct sluice_bridge *b, FILE *out);
struct rte_tel_data;
/**
 * Fill a telemetry reply (/sluice/npu): a dict of "tenant/context" -> dict of
 * counters. The caller serialises it with applies. @return 0 or -ENOMEM.
 */
int sluice_bridge_telemetry(struct sluice_bridge *b, struct rte_tel_data *d);

/* ---- Result messages (docs/npu-results.md) ------------------------------------ */

#define SLUICE_RESULT_MAGIC 0x534c4e52u /* "SLNR" */
#define SLUICE_RESULT_VERSION 1
/** Bytes before the scores. */
#define SLUICE_RESULT_HDR_LEN 64

/** Status of a result message. */
enum sluice_result_status {
	SLUICE_RESULT_OK = 0,
	SLUICE_RESULT_DEVICE_ERROR = 1,  /**< the device failed the op (-EIO and others) */
	SLUICE_RESULT_TIMEOUT = 2,       /**< the op did not complete within the op timeout */
	SLUICE_RESULT_WINDOW_FAULT = 3,  /**< the op touched memory outside its window */
	SLUICE_RESULT_INVALID = 4,       /**< the device refused the op's geometry or model */
};

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_BRIDGE_H */
