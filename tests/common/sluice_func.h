/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_FUNC_H
#define SLUICE_FUNC_H

/*
 * What the functional tests (tests/func: one DPDK process on ring ports and
 * virtual devices) share: reference frames read from pcap files, mbufs built
 * from them and frames read back out of mbufs, mismatches collected and
 * counted, the data plane's test clock, ring ports, and loops that poll a
 * condition with a bound in time.
 *
 * Compiled (sluice_func.c) into every functional test. Every call is for the
 * test's main thread unless it says otherwise; calls that check something
 * fail the current cmocka test (so the EAL must be up and a test running).
 * Include after <cmocka.h>.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

struct sluice_config;
struct sluice_test_ring_ports;

/* ---- the process ------------------------------------------------------------------ */

/*
 * Initialise the EAL with the `argc` arguments `argv` (argv[0] the program's
 * name), then create the ring ports `ports` (NULL: none). For main(), before
 * the tests run. Returns 0, or -1 once it has said on stderr what failed.
 */
int sluice_test_eal_init(int argc, char **argv, const struct sluice_test_ring_ports *ports);

/*
 * The tenant file tests/func/cases/`file`, loaded (no overlay) and
 * validated. Fails the test, after printing the loader's diagnostics, if it
 * does not load. Release it with sluice_config_free().
 */
struct sluice_config *sluice_test_config_load(const char *file);

/* ---- frames --------------------------------------------------------------------- */

/*
 * Frames in memory: `n` of them, frame i is `len[i]` bytes at `data[i]`.
 * Room for `cap` frames of `frame_max` bytes each.
 */
struct sluice_test_frames {
	unsigned int n;
	unsigned int cap;
	uint32_t frame_max;
	uint32_t *len;
	uint8_t **data;
};

/*
 * An empty set with room for `cap` frames of up to `frame_max` bytes, all in
 * one allocation: release it with free(). Fails the test if out of memory.
 */
struct sluice_test_frames *sluice_test_frames_new(unsigned int cap, uint32_t frame_max);

/*
 * Replace the frames of `f` with those of the pcap file `path` (as written by
 * scapy: little endian, microsecond stamps, link type Ethernet). Fails the
 * test if the file cannot be opened, its header is not that, a frame was
 * captured short (captured length not the wire length), or there are more
 * than f->cap frames or one longer than f->frame_max.
 */
void sluice_test_pcap_load(const char *path, struct sluice_test_frames *f);

/*
 * Append the bytes of `m` (any number of segments) to `f` as one frame, and
 * free `m`. Fails the test if `f` is full or `m` longer than f->frame_max.
 */
void sluice_test_frames_add(struct sluice_test_frames *f, struct rte_mbuf *m);

/*
 * An mbuf from `mp` holding the `len` bytes at `data`: one segment, or, with
 * `seg` nonzero, a chain whose segments hold `seg` bytes each (the last the
 * rest). Fails the test if the pool is empty or a segment has no room.
 */
struct rte_mbuf *sluice_test_mbuf(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
				  uint32_t seg);

/* Print `n` bytes at `d` to stderr in hex, 32 a line, under the heading `what`. */
void sluice_test_hexdump(const char *what, const uint8_t *d, uint32_t n);

/* ---- mismatches ---------------------------------------------------------------- */

/*
 * A test that compares many frames or counters reports every difference
 * before it fails: sluice_test_mismatch() prints "MISMATCH: " and the
 * message to stderr and counts it; the test asserts at its end that
 * sluice_test_mismatches() is 0. sluice_test_mismatch_reset() sets the
 * count to 0 (at the start of each test). Main thread only.
 */
void sluice_test_mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned int sluice_test_mismatches(void);
void sluice_test_mismatch_reset(void);

/* ---- the test clock -------------------------------------------------------------- */

/*
 * A clock for sluice_dp_opts.clock: it stands still at the value the test
 * sets (in TSC cycles) and moves only when the test moves it, so meters,
 * timeouts and aging are deterministic; or it follows the TSC, for tests
 * whose workers run on their own lcores. `arg` is unused. Safe from any
 * thread; the setters may be called while workers read the clock.
 */
uint64_t sluice_test_clock(void *arg);

/* Stop the clock at `tsc` (the clock no longer follows the TSC). */
void sluice_test_clock_set(uint64_t tsc);

/* Move the stopped clock on by `cycles`. */
void sluice_test_clock_advance(uint64_t cycles);

/* The value the stopped clock stands at. */
uint64_t sluice_test_clock_get(void);

/* Follow the TSC (true) or stand still at the last value set (false). */
void sluice_test_clock_follow_tsc(bool follow);

/* ---- ring ports ------------------------------------------------------------------ */

/*
 * Ports of the ring PMD whose rings the test owns: it enqueues frames on a
 * port's RX rings for the data plane to receive, and dequeues what the data
 * plane sent from its TX rings.
 */
struct sluice_test_ring_ports {
	/* Prefix of the rings', ports' and pool's names (unique in the process). */
	const char *name;
	uint16_t nb_ports;
	uint16_t nb_rxq, nb_txq;       /* queues per port */
	unsigned int rx_size, tx_size; /* entries per ring, powers of 2 */
	/* Every TX queue of a port onto the same (multi-producer) ring. */
	bool tx_one_ring;
	/*
	 * Out: the rings, RX queue q of port p at rx[p * nb_rxq + q]; TX queue
	 * q at tx[p * nb_txq + q], or at tx[p] with tx_one_ring. The caller's
	 * arrays, of that many entries.
	 */
	struct rte_ring **rx, **tx;
};

/*
 * Create the rings and the ports, configure and start them. The ports must be
 * the process's first: they get ids 0 to nb_ports - 1, which the tests' tenant
 * files name. Returns 0; -ENOMEM if a ring or the pool the RX queues are set up
 * with cannot be created; -EEXIST if the ports did not get those ids; -EIO if
 * configuring or starting a port failed. For main(), before the tests run:
 * what was created stays until rte_eal_cleanup().
 */
int sluice_test_ring_ports_create(const struct sluice_test_ring_ports *o);

/* ---- polling with a bound ---------------------------------------------------------- */

/* The TSC `seconds` from now. */
static inline uint64_t sluice_test_deadline(double seconds)
{
	return rte_rdtsc() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
}

/*
 * Wait for a condition: evaluate `cond`, and while it is false and less than
 * `seconds` (TSC time) have passed, run `step` (one poll of a worker, a
 * pause...) and evaluate it again. The expression's value is the last value
 * of `cond`: false if time ran out. `cond` may do work itself, as a comma
 * expression, when that must come before each check; `step` may be (void)0.
 * Any thread (GNU C statement expression).
 */
#define SLUICE_TEST_WAIT(cond, seconds, step)                                                      \
	__extension__({                                                                            \
		uint64_t sluice_wait_end_ = sluice_test_deadline(seconds);                         \
		bool sluice_wait_ok_;                                                              \
		while (!(sluice_wait_ok_ = (cond)) && rte_rdtsc() < sluice_wait_end_)              \
			step;                                                                      \
		sluice_wait_ok_;                                                                   \
	})

#endif /* SLUICE_FUNC_H */
