/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers of the functional tests: see sluice_func.h. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "sluice_func.h"
#include "sluice_loader.h"
#include "sluice_model.h"

#ifndef SLUICE_SRC_DIR
#error "SLUICE_SRC_DIR must be defined"
#endif

/* ---- the process ---- */

int sluice_test_eal_init(int argc, char **argv, const struct sluice_test_ring_ports *ports)
{
	int rc;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "cannot initialise EAL\n");
		return -1;
	}
	rc = ports ? sluice_test_ring_ports_create(ports) : 0;
	if (rc != 0) {
		fprintf(stderr, "cannot create the ring ports: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

struct sluice_config *sluice_test_config_load(const char *file)
{
	char path[512];
	struct sluice_diags d;
	struct sluice_config *cfg = NULL;
	unsigned int i;
	int rc;

	snprintf(path, sizeof(path), "%s/tests/func/cases/%s", SLUICE_SRC_DIR, file);
	rc = sluice_config_load_file(path, NULL, &cfg, &d);
	for (i = 0; rc != 0 && i < d.count; i++)
		fprintf(stderr, "%s\n", d.items[i].text);
	assert_int_equal(rc, 0);
	assert_non_null(cfg);
	return cfg;
}

/* ---- frames ---- */

struct sluice_test_frames *sluice_test_frames_new(unsigned int cap, uint32_t frame_max)
{
	size_t hdr =
	    sizeof(struct sluice_test_frames) + cap * (sizeof(uint32_t) + sizeof(uint8_t *));
	struct sluice_test_frames *f = calloc(1, hdr + (size_t)cap * frame_max);
	uint8_t *bytes;
	unsigned int i;

	assert_non_null(f);
	f->cap = cap;
	f->frame_max = frame_max;
	f->data = (uint8_t **)(f + 1);
	f->len = (uint32_t *)(f->data + cap);
	bytes = (uint8_t *)f + hdr;
	for (i = 0; i < cap; i++)
		f->data[i] = bytes + (size_t)i * frame_max;
	return f;
}

void sluice_test_pcap_load(const char *path, struct sluice_test_frames *f)
{
	FILE *fp = fopen(path, "rb");
	uint32_t gh[6], rh[4];

	if (fp == NULL)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	f->n = 0;
	assert_int_equal(fread(gh, 4, 6, fp), 6);
	assert_int_equal(gh[0], 0xa1b2c3d4);
	assert_int_equal(gh[5], 1); /* DLT_EN10MB */
	while (fread(rh, 4, 4, fp) == 4) {
		assert_true(f->n < f->cap);
		assert_true(rh[2] == rh[3] && rh[2] <= f->frame_max);
		f->len[f->n] = rh[2];
		assert_int_equal(fread(f->data[f->n], 1, rh[2], fp), rh[2]);
		f->n++;
	}
	fclose(fp);
}

void sluice_test_frames_add(struct sluice_test_frames *f, struct rte_mbuf *m)
{
	const void *d;

	assert_true(f->n < f->cap);
	assert_true(m->pkt_len <= f->frame_max);
	d = rte_pktmbuf_read(m, 0, m->pkt_len, f->data[f->n]);
	assert_non_null(d);
	if (d != f->data[f->n])
		memcpy(f->data[f->n], d, m->pkt_len);
	f->len[f->n++] = m->pkt_len;
	rte_pktmbuf_free(m);
}

struct rte_mbuf *sluice_test_mbuf(struct rte_mempool *mp, const uint8_t *data, uint32_t len,
				  uint32_t seg)
{
	struct rte_mbuf *head = NULL;
	uint32_t off = 0;

	do {
		uint32_t n = len - off;
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *p;

		assert_non_null(m);
		if (seg && n > seg)
			n = seg;
		p = rte_pktmbuf_append(m, (uint16_t)n);
		assert_non_null(p);
		memcpy(p, data + off, n);
		off += n;
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	} while (off < len);
	return head;
}

void sluice_test_hexdump(const char *what, const uint8_t *d, uint32_t n)
{
	uint32_t i;

	fprintf(stderr, "  %s (%u bytes):", what, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n    ", d[i]);
	fprintf(stderr, "\n");
}

/* ---- mismatches ---- */

static unsigned int nerr;

void sluice_test_mismatch(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "MISMATCH: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	nerr++;
}

unsigned int sluice_test_mismatches(void)
{
	return nerr;
}

void sluice_test_mismatch_reset(void)
{
	nerr = 0;
}

/* ---- the test clock ---- */

static _Atomic uint64_t clock_now;
static _Atomic bool clock_tsc;

uint64_t sluice_test_clock(void *arg)
{
	(void)arg;
	return atomic_load(&clock_tsc) ? rte_rdtsc() : atomic_load(&clock_now);
}

void sluice_test_clock_set(uint64_t tsc)
{
	atomic_store(&clock_now, tsc);
	atomic_store(&clock_tsc, false);
}

void sluice_test_clock_advance(uint64_t cycles)
{
	atomic_fetch_add(&clock_now, cycles);
}

uint64_t sluice_test_clock_get(void)
{
	return atomic_load(&clock_now);
}

void sluice_test_clock_follow_tsc(bool follow)
{
	atomic_store(&clock_tsc, follow);
}

/* ---- ring ports ---- */

static int ring_port_start(const struct sluice_test_ring_ports *o, uint16_t p,
			   struct rte_mempool *pool)
{
	unsigned int socket = (unsigned int)rte_socket_id();
	struct rte_eth_conf conf;
	uint16_t q;

	memset(&conf, 0, sizeof(conf));
	if (rte_eth_dev_configure(p, o->nb_rxq, o->nb_txq, &conf) != 0)
		return -EIO;
	for (q = 0; q < o->nb_rxq; q++)
		if (rte_eth_rx_queue_setup(p, q, (uint16_t)o->rx_size, socket, NULL, pool) != 0)
			return -EIO;
	for (q = 0; q < o->nb_txq; q++)
		if (rte_eth_tx_queue_setup(p, q, (uint16_t)o->tx_size, socket, NULL) != 0)
			return -EIO;
	return rte_eth_dev_start(p) == 0 ? 0 : -EIO;
}

int sluice_test_ring_ports_create(const struct sluice_test_ring_ports *o)
{
	int socket = (int)rte_socket_id();
	struct rte_ring *txq[RTE_MAX_QUEUES_PER_PORT];
	struct rte_mempool *pool;
	char name[RTE_RING_NAMESIZE];
	uint16_t p, q;
	int rc;

	if (o->nb_txq > RTE_MAX_QUEUES_PER_PORT)
		return -EINVAL;
	/* The ring PMD never allocates, but ethdev wants a pool for RX queue setup. */
	snprintf(name, sizeof(name), "%s_pool", o->name);
	pool = rte_pktmbuf_pool_create(name, 63, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool == NULL)
		return -ENOMEM;
	for (p = 0; p < o->nb_ports; p++) {
		struct rte_ring **rx = &o->rx[p * o->nb_rxq];
		struct rte_ring **tx = o->tx_one_ring ? &o->tx[p] : &o->tx[p * o->nb_txq];

		for (q = 0; q < o->nb_rxq; q++) {
			snprintf(name, sizeof(name), "%s_rx%u_%u", o->name, p, q);
			rx[q] = rte_ring_create(name, o->rx_size, socket, 0);
			if (rx[q] == NULL)
				return -ENOMEM;
		}
		for (q = 0; q < (o->tx_one_ring ? 1 : o->nb_txq); q++) {
			snprintf(name, sizeof(name), "%s_tx%u_%u", o->name, p, q);
			tx[q] = rte_ring_create(name, o->tx_size, socket, 0);
			if (tx[q] == NULL)
				return -ENOMEM;
		}
		for (q = 0; q < o->nb_txq; q++)
			txq[q] = tx[o->tx_one_ring ? 0 : q];
		snprintf(name, sizeof(name), "%s%u", o->name, p);
		rc = rte_eth_from_rings(name, rx, o->nb_rxq, txq, o->nb_txq, (unsigned int)socket);
		if (rc != (int)p)
			return -EEXIST;
		rc = ring_port_start(o, p, pool);
		if (rc != 0)
			return rc;
	}
	return 0;
}
