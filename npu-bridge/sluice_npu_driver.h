/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_NPU_DRIVER_H
#define SLUICE_NPU_DRIVER_H

/**
 * @file
 * What an NPU backend implements (the shape of DPDK's ethdev_driver.h and
 * mldev's driver ops). Users of a device include sluice_npu.h only; this
 * header is for backends and the generic layer (npu-bridge/device/npu.c).
 *
 * The generic layer parses the spec string "DRIVER[,key=value...]" into a
 * struct sluice_npu_args (syntax only: at most SLUICE_NPU_ARGS_MAX keys, no
 * empty key, no key twice), finds the backend whose name is DRIVER, and calls
 * its open(). Every other call of sluice_npu.h is dispatched to the backend
 * unchanged, after the generic layer has refused a NULL device or NULL
 * out-pointers with -EINVAL. The burst calls are dispatched through the
 * function pointers cached in struct sluice_npu_dev (one indirect call per
 * burst, none per op) and are not checked at all: they are the hot path.
 *
 * A backend:
 * - rejects every key it does not know with EINVAL (open() returns -EINVAL);
 * - returns 0 or -errno from commands, a count from bursts, exactly as
 *   sluice_npu.h documents for the call it implements;
 * - owns dev->priv from a successful open() until close().
 */

#include <stdbool.h>
#include <stdint.h>

#include "sluice_npu.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most key=value pairs in a spec string, and the longest spec string. */
#define SLUICE_NPU_ARGS_MAX 16
#define SLUICE_NPU_SPEC_MAX 1024

/** A parsed spec string. Strings point into `buf` (NUL-terminated copies). */
struct sluice_npu_args {
	const char *driver;
	unsigned int nb;
	struct {
		const char *key;
		const char *val; /**< "" for "key=" */
	} kv[SLUICE_NPU_ARGS_MAX];
	char buf[SLUICE_NPU_SPEC_MAX];
};

typedef uint16_t (*sluice_npu_burst_t)(void *priv, uint16_t ctx, struct sluice_npu_op **ops,
				       uint16_t n);

/**
 * A backend. Members other than name, open, close and the bursts may be
 * NULL: the call then returns -ENOTSUP (stats: -ENOTSUP too).
 */
struct sluice_npu_driver {
	const char *name;

	/** Set dev->priv; @return 0 or -EINVAL, -ENOMEM, -ENODEV. */
	int (*open)(struct sluice_npu_dev *dev, const struct sluice_npu_args *args);
	/** Stop the device and free dev->priv. */
	void (*close)(struct sluice_npu_dev *dev);
	int (*info_get)(const struct sluice_npu_dev *dev, struct sluice_npu_info *info);
	int (*mem_get)(const struct sluice_npu_dev *dev, struct sluice_npu_mem *m);
	int (*mem_set_iova)(struct sluice_npu_dev *dev, uint64_t iova);

	int (*model_load)(struct sluice_npu_dev *dev, const void *blob, size_t len, uint16_t *id);
	int (*model_unload)(struct sluice_npu_dev *dev, uint16_t id);
	int (*model_info_get)(const struct sluice_npu_dev *dev, uint16_t id,
			      struct sluice_npu_model_info *info);

	int (*ctx_create)(struct sluice_npu_dev *dev, const struct sluice_npu_ctx_conf *conf,
			  uint16_t *ctx);
	int (*ctx_destroy)(struct sluice_npu_dev *dev, uint16_t ctx);
	int (*ctx_reset)(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op **ops,
			 uint16_t n);
	int (*ctx_window)(const struct sluice_npu_dev *dev, uint16_t ctx, uint64_t *addr,
			  uint64_t *size);
	int (*ctx_grant)(struct sluice_npu_dev *dev, uint16_t ctx, uint64_t addr, uint64_t len);

	/** Hot path: called with dev->priv; must not lock, allocate or make a syscall. */
	sluice_npu_burst_t enqueue_burst;
	sluice_npu_burst_t dequeue_burst;

	int (*stats_get)(const struct sluice_npu_dev *dev, uint16_t ctx,
			 struct sluice_npu_stats *st);
	int (*fault_inject)(struct sluice_npu_dev *dev, uint16_t ctx,
			    const struct sluice_npu_fault *f);
};

/** The device handle the generic layer hands out. */
struct sluice_npu_dev {
	/* Read on every burst: first. */
	sluice_npu_burst_t enqueue_burst;
	sluice_npu_burst_t dequeue_burst;
	void *priv;
	const struct sluice_npu_driver *drv;
};

/* ---- Helpers for backends' open() ----------------------------------------- */

/**
 * Parse a size: decimal digits with an optional K, M or G suffix (powers of
 * 1024). @return 0, or -EINVAL (empty, junk, overflow).
 */
int sluice_npu_parse_size(const char *s, uint64_t *out);

/** Parse a decimal unsigned integer no larger than `max`. @return 0 or -EINVAL. */
int sluice_npu_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* ---- In-tree backends ------------------------------------------------------ */

/** The software NPU (npu-bridge/device/swnpu*.c), always built. */
extern const struct sluice_npu_driver sluice_swnpu_driver;

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_NPU_DRIVER_H */
