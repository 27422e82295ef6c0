/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_GEN_H
#define SLUICE_GEN_H

/**
 * @file
 * The built-in traffic source: a ring-backed ethdev ("gen0") whose RX queues
 * the control thread fills, at a set rate, with frames built from the tenant
 * file — one per exact flow and rule (up to 16 each per tenant), one per
 * tenant that no flow matches, and one that no tenant claims — so that a
 * default run shows every path moving. A to_npu flow or rule whose NPU
 * context takes RFC 4175 video (and a model) gets a camera instead: 30 frames
 * a second of handwritten digits in the context's geometry, RTP raw video
 * split into whole lines, whose result messages are read back and checked
 * against the digit sent. A camera keeps its RTP sequence, timestamp and
 * SSRC across sluice_gen_set_config() while its tenant, match and rule
 * tuple stay the same, so a configuration change does not restart its stream. What the data plane transmits to
 * the generator's port is counted and freed.
 *
 * It is a demo and soak source, not a benchmark peer: it runs on the main
 * lcore between other work. Control thread only.
 */

#include <stdint.h>

#include "sluice_model.h"

struct sluice_gen;

/**
 * Create the generator's port. Call after rte_eal_init() and before
 * sluice_dp_create(), so the data plane configures it like any port.
 *
 * @param name       ethdev name, e.g. "gen0".
 * @param nb_queues  RX/TX queues (the data plane's rx queue count).
 * @param pps        frames per second to offer.
 * @return the generator, or NULL with errno.
 */
struct sluice_gen *sluice_gen_create(const char *name, uint16_t nb_queues, uint64_t pps);

/** Port id of the generator's ethdev. */
uint16_t sluice_gen_port(const struct sluice_gen *gen);

/**
 * Rebuild the frames from a configuration (after every apply).
 * @return number of distinct frames (0 if no tenant is reachable from the port).
 */
unsigned int sluice_gen_set_config(struct sluice_gen *gen, const struct sluice_config *cfg);

/** Offer the frames due since the last call; free what came back. */
void sluice_gen_tick(struct sluice_gen *gen);

/** Frames offered, frames that the RX rings refused (full), frames received back. */
void sluice_gen_stats(const struct sluice_gen *gen, uint64_t *sent, uint64_t *refused,
		      uint64_t *returned);

/** Frames offered and still in the port's RX rings (not yet received by a worker). */
unsigned int sluice_gen_pending(const struct sluice_gen *gen);

/** The cameras' counters: frames and packets sent, results read back. */
struct sluice_gen_npu_stats {
	unsigned int cameras;
	uint64_t frames;    /**< frames offered whole */
	uint64_t pkts;      /**< their packets */
	uint64_t refused;   /**< frames the RX ring had no room for (not sent) */
	uint64_t results;   /**< result messages received back */
	uint64_t correct;   /**< results whose class is the digit sent */
	uint64_t wrong;     /**< results with another class */
	uint64_t failed;    /**< results with a non-zero status */
};

void sluice_gen_npu_stats(const struct sluice_gen *gen, struct sluice_gen_npu_stats *st);

/**
 * Take back what the data plane transmitted to the source and has not been
 * read yet (counted as returned, camera results read), as a tick does,
 * without offering more. Call it after the workers stopped and before the
 * data plane is destroyed: those mbufs are the data plane's.
 */
void sluice_gen_drain(struct sluice_gen *gen);

/**
 * Free the rings (and what the data plane never took from them) and the pool,
 * after the data plane closed the port. NULL is a no-op.
 *
 * @return the source's mbufs that were not back in its pool (logged); 0
 *         unless one leaked.
 */
unsigned int sluice_gen_destroy(struct sluice_gen *gen);

#endif /* SLUICE_GEN_H */
