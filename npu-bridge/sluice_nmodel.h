/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_NMODEL_H
#define SLUICE_NMODEL_H

/**
 * @file
 * The int8 model format the software NPU runs ("SNM", docs/npu-model.md) and
 * its executor. Plain C, no DPDK: unit tests and fuzzers reach it without
 * EAL, and tools/npu_model.py implements the same integer arithmetic as the
 * reference the tests compare against, bit for bit.
 *
 * A model is a preprocessing step done on the device (any 8-bit frame of
 * 1 or 3 channels -> grayscale -> area-resized to the model's input grid ->
 * normalised and quantised to int8) followed by a stack of int8 layers
 * (fully connected, ReLU) with int32 accumulators and fixed-point
 * requantisation. Its output is the last layer's int32 scores, one per class.
 *
 * Blobs are untrusted (a tenant uploads them): sluice_nmodel_parse() checks
 * every length, count and dimension before anything is read through them,
 * and a parsed model can be run on any input geometry it accepts without
 * reading or writing outside the buffers given.
 *
 * Threads: a parsed model is immutable; any number of threads may run it at
 * once, each with its own scratch buffer.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest layer width, and most layers. */
#define SLUICE_NMODEL_WIDTH_MAX 1024
#define SLUICE_NMODEL_LAYERS_MAX 8
/** Largest input frame the preprocessing takes (each side). */
#define SLUICE_NMODEL_FRAME_MAX 4096

struct sluice_nmodel;

struct sluice_nmodel_desc {
	char name[32];
	uint16_t grid_w, grid_h;    /**< preprocessing output grid (8 x 8 for digits) */
	uint16_t nb_classes;
	uint16_t nb_layers;
	uint64_t macs;              /**< multiply-accumulates per inference, preprocessing excluded */
	size_t scratch_bytes;       /**< scratch sluice_nmodel_run() needs */
	size_t weight_bytes;        /**< bytes of weights and biases (device memory it takes) */
};

/**
 * Parse and validate a blob. The model copies what it needs; `blob` may be
 * freed afterwards.
 * @return the model, or NULL with errno = EINVAL (and a reason, without
 *         position, in `why` when it is not NULL) or ENOMEM.
 */
struct sluice_nmodel *sluice_nmodel_parse(const void *blob, size_t len, char *why,
					  size_t why_len);

void sluice_nmodel_free(struct sluice_nmodel *m);

void sluice_nmodel_describe(const struct sluice_nmodel *m, struct sluice_nmodel_desc *d);

/**
 * Run one inference.
 * @param in       w * h * c bytes, row-major, channels interleaved (c is 1 or 3)
 * @param scores   nb_classes int32 scores, host byte order
 * @param scratch  scratch_bytes of caller memory
 * @return 0, or -EINVAL (w or h below the grid or above
 *         SLUICE_NMODEL_FRAME_MAX, c not 1 or 3).
 */
int sluice_nmodel_run(const struct sluice_nmodel *m, const uint8_t *in, uint32_t w, uint32_t h,
		      uint32_t c, int32_t *scores, void *scratch);

/** Index of the highest score; the lowest index wins a tie. */
uint16_t sluice_nmodel_argmax(const int32_t *scores, uint16_t n);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_NMODEL_H */
