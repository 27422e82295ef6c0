/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame assembler unit tests (sluice_asm.h), no EAL.
 *
 * Packets are built by the helpers below from a reference frame: each line
 * segment's bytes are the reference frame's bytes at the segment's place, so
 * a frame assembled from the parser's segments equals the reference only if
 * every dst_off/src_off/len is exact. Every packet is handed to the parser in
 * a heap block of exactly its length, so under ASan a read past `len` fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_test.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_asm.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define PKT_MAX 2048
#define PKTS_MAX 4096

#define NF SLUICE_ASM_NEW_FRAME
#define AB SLUICE_ASM_ABANDONED
#define CP SLUICE_ASM_COPY
#define CO SLUICE_ASM_COMPLETE

/* ---------------------------------------------------------------------------
 * Geometries and reference frames
 */

static struct sluice_asm_geom geom(enum sluice_asm_fmt fmt, enum sluice_asm_pix pix, uint16_t w,
				   uint16_t h, uint16_t window)
{
	struct sluice_asm_geom g = {
		.fmt = fmt, .pix = pix, .width = w, .height = h,
		.payload_type = fmt == SLUICE_ASM_RFC4175 ? 96 : 0, .window = window,
	};

	assert_int_equal(sluice_asm_geom_check(&g), 0);
	return g;
}

/* Deterministic bytes that differ per frame (seed) and per position. */
static uint8_t *ref_frame(const struct sluice_asm_geom *g, uint32_t seed)
{
	uint32_t n = sluice_asm_frame_bytes(g), i, x = seed * 2654435761u + 1;
	uint8_t *f = malloc(n);

	assert_non_null(f);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		f[i] = (uint8_t)x;
	}
	return f;
}

/* ---------------------------------------------------------------------------
 * Packet builders
 */

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

/* Where a built packet's parts end: what the truncation tests expect from. */
struct layout {
	uint32_t hdr;       /* RTP header with CSRCs and extension */
	uint32_t lines_end; /* after the last line header */
	uint32_t data_end;  /* after the last line's data */
};

struct rtp {
	uint8_t version; /* 0 means 2 */
	uint8_t pt;      /* 0 means 96 */
	uint8_t cc;
	int ext_words; /* < 0: no header extension */
	uint8_t pad;   /* padding bytes, count byte included; 0: none */
	bool marker;
	uint32_t seq; /* extended: the high half goes in the RFC 4175 header */
	uint32_t ts;
	uint32_t ssrc;
};

/* One line header as sent: raw 16-bit fields (F bit in line); C is added. */
struct line {
	uint16_t len;
	uint16_t line;
	uint16_t off;
};

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

static uint32_t rtp_header(uint8_t *b, const struct rtp *r)
{
	uint32_t n = 12, i;

	b[0] = (uint8_t)((r->version ? r->version : 2) << 6 | (r->pad ? 0x20 : 0) |
			 (r->ext_words >= 0 ? 0x10 : 0) | r->cc);
	b[1] = (uint8_t)((r->marker ? 0x80 : 0) | (r->pt ? r->pt : 96));
	put16(b + 2, (uint16_t)r->seq);
	put32(b + 4, r->ts);
	put32(b + 8, r->ssrc);
	for (i = 0; i < r->cc; i++, n += 4)
		put32(b + n, 0xc5c00000u + i);
	if (r->ext_words >= 0) {
		put16(b + n, 0xbede);
		put16(b + n + 2, (uint16_t)r->ext_words);
		n += 4;
		for (i = 0; i < (uint32_t)r->ext_words * 4; i++)
			b[n++] = (uint8_t)(0xe0 + i);
	}
	return n;
}

/*
 * An RFC 4175 packet: header, extended sequence number, the n line headers
 * (C set on all but the last), the lines' bytes taken from `ref` (or filler
 * where a header is deliberately out of the frame), then padding.
 */
static void build_rtp(struct pkt *k, const struct sluice_asm_geom *g, const uint8_t *ref,
		      const struct rtp *r, const struct line *l, unsigned int n, struct layout *lo)
{
	uint32_t pg = (uint32_t)g->pix, fb = sluice_asm_frame_bytes(g), p, i, j;

	p = rtp_header(k->b, r);
	if (lo != NULL)
		lo->hdr = p;
	put16(k->b + p, (uint16_t)(r->seq >> 16));
	p += 2;
	for (i = 0; i < n; i++, p += 6) {
		put16(k->b + p, l[i].len);
		put16(k->b + p + 2, l[i].line);
		put16(k->b + p + 4, (uint16_t)(l[i].off | (i + 1 < n ? 0x8000 : 0)));
	}
	if (lo != NULL)
		lo->lines_end = p;
	for (i = 0; i < n; i++) {
		uint32_t dst = ((uint32_t)(l[i].line & 0x7fff) * g->width + (l[i].off & 0x7fff)) * pg;

		assert_true(p + l[i].len <= PKT_MAX);
		for (j = 0; j < l[i].len; j++)
			k->b[p + j] = ref != NULL && dst + j < fb ? ref[dst + j] : (uint8_t)(0xa5 ^ j);
		p += l[i].len;
	}
	if (lo != NULL)
		lo->data_end = p;
	for (i = 0; i < r->pad; i++)
		k->b[p++] = i + 1u == r->pad ? r->pad : 0;
	k->len = p;
}

/*
 * A whole frame the way rtpvrawpay cuts it: pixels in raster order, as many
 * line segments per packet as fit in `room` payload bytes (after the RTP
 * header), lines split across packets. Marker on the last packet.
 */
static unsigned int rtp_packetize(struct pkt *out, unsigned int max, const struct sluice_asm_geom *g,
				  const uint8_t *ref, uint32_t room, struct rtp r)
{
	uint32_t pg = (uint32_t)g->pix, line = 0, off = 0, seq = r.seq;
	unsigned int n = 0;

	while (line < g->height) {
		struct line l[SLUICE_ASM_SEGS_MAX];
		uint32_t left = room - 2;
		unsigned int nl = 0;

		while (line < g->height && nl < SLUICE_ASM_SEGS_MAX && left >= 6 + pg) {
			uint32_t px = g->width - off;

			if (px > (left - 6) / pg)
				px = (left - 6) / pg;
			l[nl].len = (uint16_t)(px * pg);
			l[nl].line = (uint16_t)line;
			l[nl].off = (uint16_t)off;
			nl++;
			left -= 6 + px * pg;
			off += px;
			if (off == g->width) {
				off = 0;
				line++;
			}
		}
		assert_true(n < max);
		r.seq = seq++;
		r.marker = line == g->height;
		build_rtp(&out[n++], g, ref, &r, l, nl, NULL);
	}
	return n;
}

struct tensor {
	uint32_t magic; /* 0 means "SLTN" */
	uint8_t version; /* 0 means 1 */
	uint8_t flags;   /* 0xff: derive LAST from index and count */
	uint8_t dtype;   /* 0 means u8 (1) */
	uint8_t channels;
	uint16_t width, height;
	uint32_t frame;
	uint16_t index, count;
	uint32_t offset;
	uint16_t length;   /* the header's field */
	uint16_t reserved;
	uint32_t payload;  /* bytes actually carried */
};

#define T_HDR 28u

static void build_tensor(struct pkt *k, const uint8_t *ref, uint32_t fb, const struct tensor *t)
{
	uint32_t i;

	put32(k->b, t->magic ? t->magic : 0x534c544eu);
	k->b[4] = t->version ? t->version : 1;
	k->b[5] = t->flags != 0xff ? t->flags : (t->index + 1 == t->count ? 1 : 0);
	k->b[6] = t->dtype ? t->dtype : 1;
	k->b[7] = t->channels;
	put16(k->b + 8, t->width);
	put16(k->b + 10, t->height);
	put32(k->b + 12, t->frame);
	put16(k->b + 16, t->index);
	put16(k->b + 18, t->count);
	put32(k->b + 20, t->offset);
	put16(k->b + 24, t->length);
	put16(k->b + 26, t->reserved);
	assert_true(T_HDR + t->payload <= PKT_MAX);
	for (i = 0; i < t->payload; i++)
		k->b[T_HDR + i] = t->offset + i < fb ? ref[t->offset + i] : 0x5a;
	k->len = T_HDR + t->payload;
}

/* A frame cut into chunks of `chunk` bytes (the last one shorter), in index order. */
static unsigned int tensor_packetize(struct pkt *out, unsigned int max,
				     const struct sluice_asm_geom *g, const uint8_t *ref,
				     uint32_t chunk, uint32_t frame)
{
	uint32_t fb = sluice_asm_frame_bytes(g), cnt = (fb + chunk - 1) / chunk, i;

	assert_true(cnt <= max);
	for (i = 0; i < cnt; i++) {
		uint32_t len = i + 1 < cnt ? chunk : fb - i * chunk;
		struct tensor t = {
			.flags = 0xff, .channels = (uint8_t)g->pix, .width = g->width,
			.height = g->height, .frame = frame, .index = (uint16_t)i,
			.count = (uint16_t)cnt, .offset = i * chunk, .length = (uint16_t)len,
			.payload = len,
		};

		build_tensor(&out[i], ref, fb, &t);
	}
	return cnt;
}

/* RTP fields of a test stream's packet: no header extension, SSRC 0x5eed0001. */
static struct rtp rtp_at(uint32_t seq, uint32_t ts)
{
	struct rtp r = { .ext_words = -1, .seq = seq, .ts = ts, .ssrc = 0x5eed0001 };

	return r;
}

/*
 * A whole frame in the geometry's format, cut as a sender cuts it. RFC 4175
 * (rtp_packetize): `size` bytes of payload a packet after the RTP header,
 * sequence numbers from `id`, timestamp `ts`. Tensor (tensor_packetize):
 * chunks of `size` bytes of frame `id`; `ts` is not used.
 */
static unsigned int packetize(struct pkt *out, unsigned int max, const struct sluice_asm_geom *g,
			      const uint8_t *ref, uint32_t size, uint32_t id, uint32_t ts)
{
	if (g->fmt == SLUICE_ASM_TENSOR)
		return tensor_packetize(out, max, g, ref, size, id);
	return rtp_packetize(out, max, g, ref, size, rtp_at(id, ts));
}

/* ---------------------------------------------------------------------------
 * Feeding packets: parse from an exact-size copy, track, copy the segments.
 */

struct rx {
	struct sluice_asm_flow flow;
	struct sluice_asm_geom g;
	uint8_t *frame;         /* the open frame's buffer */
	unsigned int completed; /* frames completed */
	unsigned int abandoned;
	enum sluice_asm_err err; /* of the last packet */
};

static void rx_init(struct rx *rx, const struct sluice_asm_geom *g)
{
	memset(rx, 0, sizeof(*rx));
	rx->g = *g;
	sluice_asm_flow_reset(&rx->flow);
	rx->frame = malloc(sluice_asm_frame_bytes(g));
	assert_non_null(rx->frame);
}

static void rx_fini(struct rx *rx)
{
	free(rx->frame);
}

static enum sluice_asm_err parse_exact(const struct sluice_asm_geom *g, const uint8_t *b,
				       uint32_t len, struct sluice_asm_pkt *p)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum sluice_asm_err e;

	assert_non_null(copy);
	memcpy(copy, b, len);
	memset(p, 0xcc, sizeof(*p));
	e = sluice_asm_parse(g, copy, len, p);
	free(copy);
	/* A refused packet leaves *p alone. */
	if (e != SLUICE_ASM_ERR_NONE) {
		const uint8_t *raw = (const uint8_t *)p;
		size_t i;

		for (i = 0; i < sizeof(*p); i++)
			if (raw[i] != 0xcc)
				fail_msg("%s: byte %zu of *p written", sluice_asm_err_name(e), i);
	}
	return e;
}

/* Parse and track one packet; its verdict, or 0 with rx->err set. */
static uint32_t rx_feed(struct rx *rx, const struct pkt *k)
{
	uint32_t fb = sluice_asm_frame_bytes(&rx->g), v, i, sum = 0;
	struct sluice_asm_pkt p;

	rx->err = parse_exact(&rx->g, k->b, k->len, &p);
	if (rx->err != SLUICE_ASM_ERR_NONE)
		return 0;
	assert_true(p.nb_segs <= SLUICE_ASM_SEGS_MAX);
	for (i = 0; i < p.nb_segs; i++) {
		assert_true(p.seg[i].src_off + p.seg[i].len <= k->len);
		assert_true(p.seg[i].len <= fb && p.seg[i].dst_off <= fb - p.seg[i].len);
		sum += p.seg[i].len;
	}
	assert_int_equal(sum, p.bytes);
	v = sluice_asm_track(&rx->flow, &rx->g, &p, &rx->err);
	if (v == 0) {
		assert_int_not_equal(rx->err, SLUICE_ASM_ERR_NONE);
		return 0;
	}
	assert_int_equal(rx->err, SLUICE_ASM_ERR_NONE);
	assert_true(v & CP);
	if (v & AB)
		rx->abandoned++;
	if (v & NF)
		memset(rx->frame, 0xee, fb);
	for (i = 0; i < p.nb_segs; i++)
		memcpy(rx->frame + p.seg[i].dst_off, k->b + p.seg[i].src_off, p.seg[i].len);
	if (v & CO)
		rx->completed++;
	return v;
}

/* Feed and check the verdict (and the reason when refused). */
#define FEED(rx, k, verdict, reason)                                                               \
	do {                                                                                       \
		uint32_t v_ = rx_feed((rx), (k));                                                  \
		if (v_ != (uint32_t)(verdict) || (rx)->err != (reason))                            \
			fail_msg("line %d: verdict %#x (%s), want %#x (%s)", __LINE__, v_,         \
				 sluice_asm_err_name((rx)->err), (unsigned int)(verdict),          \
				 sluice_asm_err_name(reason));                                     \
	} while (0)

#define OK SLUICE_ASM_ERR_NONE

static void assert_frame(const struct rx *rx, const uint8_t *ref)
{
	assert_memory_equal(rx->frame, ref, sluice_asm_frame_bytes(&rx->g));
}

/* ---------------------------------------------------------------------------
 * Names and geometry
 */

static void test_err_names(void **state)
{
	(void)state;
	assert_int_equal(SLUICE_ASM_ERR_NONE, 0);
	assert_string_equal(sluice_asm_err_name(SLUICE_ASM_ERR_NONE), "none");
	assert_string_equal(sluice_asm_err_name(SLUICE_ASM_ERR_RFC4175_LINE), "rfc4175_bad_line");
	assert_string_equal(sluice_asm_err_name(SLUICE_ASM_ERR_OVERFLOW), "asm_overflow");
	assert_string_equal(sluice_asm_err_desc(SLUICE_ASM_ERR_RFC4175_FIELD),
			    "field bit set: interlaced video is not supported");
	assert_null(sluice_asm_err_name(SLUICE_ASM_ERR_MAX));
	assert_null(sluice_asm_err_desc(SLUICE_ASM_ERR_MAX));
	assert_null(sluice_asm_err_name(~0u));
}

static void test_geom(void **state)
{
	struct sluice_asm_geom ok = {
		.fmt = SLUICE_ASM_RFC4175, .pix = SLUICE_ASM_RGB8, .width = 4096, .height = 4096,
		.payload_type = 127, .window = SLUICE_ASM_WINDOW_MAX,
	};
	struct sluice_asm_geom g;

	(void)state;
	assert_int_equal(sluice_asm_geom_check(&ok), 0);
	assert_int_equal(sluice_asm_frame_bytes(&ok), 4096u * 4096 * 3);
	g = ok;
	g.fmt = SLUICE_ASM_TENSOR;
	g.pix = SLUICE_ASM_GRAY8;
	g.width = 1;
	g.height = 1;
	g.window = 0;
	g.payload_type = 0;
	assert_int_equal(sluice_asm_geom_check(&g), 0);
	assert_int_equal(sluice_asm_frame_bytes(&g), 1);
	assert_int_equal(sluice_asm_geom_check(NULL), -EINVAL);
#define BAD(field, value)                                                                          \
	do {                                                                                       \
		g = ok;                                                                            \
		g.field = value;                                                                   \
		assert_int_equal(sluice_asm_geom_check(&g), -EINVAL);                              \
	} while (0)
	BAD(fmt, 0);
	BAD(fmt, 3);
	BAD(pix, 0);
	BAD(pix, 2);
	BAD(pix, 4);
	BAD(width, 0);
	BAD(width, 4097);
	BAD(height, 0);
	BAD(height, 4097);
	BAD(payload_type, 128);
	BAD(window, SLUICE_ASM_WINDOW_MAX + 1);
#undef BAD
}

/* ---------------------------------------------------------------------------
 * Frames in either format
 */

/*
 * All 720 orders of a frame's 6 packets (Heap's algorithm), a new frame for
 * each: every one completes, none is abandoned. Frame after frame, `id`
 * goes on (RFC 4175: the sequence number after the last packet; tensor: the
 * next frame id) and the timestamp moves 3000 on.
 */
static void check_permutations(const struct sluice_asm_geom *g, uint32_t seed, uint32_t size,
			       uint32_t id, uint32_t ts)
{
	static struct pkt k[8];
	uint8_t *ref = ref_frame(g, seed);
	unsigned int idx[6] = { 0, 1, 2, 3, 4, 5 }, c[6] = { 0 }, n, i, perms = 0;
	struct rx rx;

	rx_init(&rx, g);
	for (i = 0;;) {
		unsigned int j;

		n = packetize(k, DIM(k), g, ref, size, id, ts);
		assert_int_equal(n, 6);
		for (j = 0; j < n; j++)
			FEED(&rx, &k[idx[j]], (j == 0 ? NF : 0) | CP | (j + 1 == n ? CO : 0), OK);
		assert_frame(&rx, ref);
		perms++;
		id += g->fmt == SLUICE_ASM_TENSOR ? 1 : n;
		ts += 3000;
		while (i < 6 && c[i] >= i) {
			c[i] = 0;
			i++;
		}
		if (i == 6)
			break;
		if (i % 2 == 0) {
			unsigned int t = idx[0];

			idx[0] = idx[i];
			idx[i] = t;
		} else {
			unsigned int t = idx[c[i]];

			idx[c[i]] = idx[i];
			idx[i] = t;
		}
		c[i]++;
		i = 0;
	}
	assert_int_equal(perms, 720);
	assert_int_equal(rx.completed, 720);
	assert_int_equal(rx.abandoned, 0);
	rx_fini(&rx);
	free(ref);
}

/*
 * A frame of 64 packets fed in reverse completes with g's window (64), and
 * with a window of 63 the oldest packet is refused and the frame stays open.
 * Frame `id1` at `ts1`, then `id2` at `ts2` (see packetize()).
 */
static void check_reverse_window(struct sluice_asm_geom g, uint32_t seed, uint32_t size,
				 uint32_t id1, uint32_t ts1, uint32_t id2, uint32_t ts2)
{
	static struct pkt k[PKTS_MAX];
	uint8_t *ref = ref_frame(&g, seed);
	unsigned int n, i;
	struct rx rx;

	n = packetize(k, PKTS_MAX, &g, ref, size, id1, ts1);
	assert_int_equal(n, 64);
	rx_init(&rx, &g);
	for (i = 0; i < n; i++)
		FEED(&rx, &k[n - 1 - i], (i == 0 ? NF : 0) | CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref);

	g.window = 63;
	rx_fini(&rx);
	rx_init(&rx, &g);
	n = packetize(k, PKTS_MAX, &g, ref, size, id2, ts2);
	for (i = 0; i + 1 < n; i++)
		FEED(&rx, &k[n - 1 - i], (i == 0 ? NF : 0) | CP, OK);
	FEED(&rx, &k[0], 0, SLUICE_ASM_ERR_WINDOW);
	assert_true(rx.flow.open);
	rx_fini(&rx);
	free(ref);
}

/*
 * Feed packets k[0, n) with each block of `block` reversed (the tail block
 * too): every packet is within block - 1 of the newest. One frame, so the
 * first opens it and the last completes it.
 */
static void feed_blocks_reversed(struct rx *rx, const struct pkt *k, unsigned int n,
				 unsigned int block)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		unsigned int start = i / block * block;
		unsigned int end = start + block < n ? start + block : n;

		FEED(rx, &k[end - 1 - (i - start)], (i == 0 ? NF : 0) | CP | (i + 1 == n ? CO : 0),
		     OK);
	}
}

/*
 * A frame of `want` packets, more than the sequence ring holds, completes
 * reordered in blocks of 16 (g's window), then the next in order: frame
 * `id1` at `ts1`, then `id2` at `ts2` (see packetize()).
 */
static void check_long(const struct sluice_asm_geom *g, uint32_t seed, uint32_t size,
		       unsigned int want, uint32_t id1, uint32_t ts1, uint32_t id2, uint32_t ts2)
{
	static struct pkt k[PKTS_MAX];
	uint8_t *ref = ref_frame(g, seed);
	unsigned int n;
	struct rx rx;

	n = packetize(k, PKTS_MAX, g, ref, size, id1, ts1);
	assert_int_equal(n, want);
	rx_init(&rx, g);
	feed_blocks_reversed(&rx, k, n, 16);
	assert_frame(&rx, ref);
	n = packetize(k, PKTS_MAX, g, ref, size, id2, ts2);
	feed_blocks_reversed(&rx, k, n, 1);
	assert_frame(&rx, ref);
	rx_fini(&rx);
	free(ref);
}

/* ---------------------------------------------------------------------------
 * RFC 4175: frames
 */

static void check_in_order(enum sluice_asm_pix pix, uint16_t w, uint16_t h, uint32_t room,
			   unsigned int want_pkts)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, pix, w, h, 0);
	static struct pkt k[PKTS_MAX];
	uint8_t *ref = ref_frame(&g, 1);
	unsigned int n, i;
	struct rx rx;

	n = rtp_packetize(k, PKTS_MAX, &g, ref, room, rtp_at(100, 9000));
	assert_int_equal(n, want_pkts);
	rx_init(&rx, &g);
	for (i = 0; i < n; i++)
		FEED(&rx, &k[i], (i == 0 ? NF : 0) | CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref);
	assert_int_equal(rx.completed, 1);
	/* Every packet again: all late, the frame is closed. */
	for (i = 0; i < n; i++)
		FEED(&rx, &k[i], 0, SLUICE_ASM_ERR_LATE);
	rx_fini(&rx);
	free(ref);
}

static void test_rfc_in_order(void **state)
{
	(void)state;
	/* 32x8 gray, 60-byte payloads: 2 segments, 46 bytes a packet, split mid-line. */
	check_in_order(SLUICE_ASM_GRAY8, 32, 8, 60, 6);
	/* 20x6 RGB: 360 bytes, 100-byte payloads hold 2 segments of 15 and 29 px. */
	check_in_order(SLUICE_ASM_RGB8, 20, 6, 100, 5);
	/* Many short lines per packet (16 segments max). */
	check_in_order(SLUICE_ASM_GRAY8, 2, 64, 1400, 4);
	/* One packet holds the frame. */
	check_in_order(SLUICE_ASM_RGB8, 3, 2, 1400, 1);
}

/* Several lines in one packet and lines split across packets: offsets exact. */
static void test_rfc_lines(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_RGB8, 10, 4, 0);
	uint8_t *ref = ref_frame(&g, 2);
	struct sluice_asm_pkt p;
	struct layout lo;
	struct pkt k;
	struct rtp r = rtp_at(7, 1);
	/* line 0 whole, line 1 px 0-3, then (next packet) line 1 px 4-9, line 3, line 2 */
	const struct line a[] = { { 30, 0, 0 }, { 12, 1, 0 } };
	const struct line b[] = { { 18, 1, 4 }, { 30, 3, 0 }, { 0, 2, 10 }, { 30, 2, 0 } };
	struct rx rx;

	(void)state;
	build_rtp(&k, &g, ref, &r, a, 2, &lo);
	assert_int_equal(parse_exact(&g, k.b, k.len, &p), OK);
	assert_int_equal(p.nb_segs, 2);
	assert_int_equal(p.bytes, 42);
	assert_int_equal(p.frame, 1);
	assert_int_equal(p.seq, 7);
	assert_int_equal(p.ssrc, 0x5eed0001);
	assert_false(p.last);
	assert_int_equal(p.seg[0].dst_off, 0);
	assert_int_equal(p.seg[0].src_off, 12 + 2 + 12);
	assert_int_equal(p.seg[0].len, 30);
	assert_int_equal(p.seg[1].dst_off, 30);
	assert_int_equal(p.seg[1].src_off, 12 + 2 + 12 + 30);
	assert_int_equal(p.seg[1].len, 12);

	rx_init(&rx, &g);
	FEED(&rx, &k, NF | CP, OK);
	r.seq = 0x00010008; /* ext seq 1, RTP seq 8 */
	r.marker = true;
	build_rtp(&k, &g, ref, &r, b, 4, &lo);
	assert_int_equal(parse_exact(&g, k.b, k.len, &p), OK);
	/* The zero-length line is checked but yields no segment. */
	assert_int_equal(p.nb_segs, 3);
	assert_int_equal(p.bytes, 78);
	assert_int_equal(p.seq, 0x00010008);
	assert_true(p.last);
	assert_int_equal(p.seg[0].dst_off, 42);
	assert_int_equal(p.seg[0].src_off, 12 + 2 + 24);
	assert_int_equal(p.seg[1].dst_off, 90);
	assert_int_equal(p.seg[1].src_off, 12 + 2 + 24 + 18);
	assert_int_equal(p.seg[2].dst_off, 60);
	assert_int_equal(p.seg[2].src_off, 12 + 2 + 24 + 48);
	assert_int_equal(p.seg[2].len, 30);
	/* 0x10008 - 7 is beyond the default window of 64. */
	FEED(&rx, &k, 0, SLUICE_ASM_ERR_WINDOW);
	r.seq = 8;
	build_rtp(&k, &g, ref, &r, b, 4, &lo);
	FEED(&rx, &k, CP | CO, OK);
	assert_frame(&rx, ref);
	rx_fini(&rx);
	free(ref);
}

/* Headers the RTP fixed header can carry: CSRCs, extension, padding, marker. */
static void test_rfc_rtp_options(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 8, 2, 0);
	uint8_t *ref = ref_frame(&g, 3);
	const struct line all[] = { { 8, 0, 0 }, { 8, 1, 0 } };
	struct sluice_asm_pkt p;
	struct layout lo;
	struct pkt k;
	struct rtp r = rtp_at(1, 2);
	struct rx rx;

	(void)state;
	r.cc = 15;
	r.ext_words = 3;
	r.pad = 255;
	r.marker = true;
	build_rtp(&k, &g, ref, &r, all, 2, &lo);
	assert_int_equal(lo.hdr, 12 + 60 + 4 + 12);
	assert_int_equal(k.len, lo.data_end + 255);
	assert_int_equal(parse_exact(&g, k.b, k.len, &p), OK);
	assert_int_equal(p.nb_segs, 2);
	assert_int_equal(p.seg[0].src_off, lo.lines_end);
	assert_int_equal(p.seg[1].src_off, lo.lines_end + 8);
	rx_init(&rx, &g);
	FEED(&rx, &k, NF | CP | CO, OK);
	assert_frame(&rx, ref);

	/* Padding of exactly 1 byte; a zero-length extension. */
	r.cc = 0;
	r.ext_words = 0;
	r.pad = 1;
	r.ts = 3;
	build_rtp(&k, &g, ref, &r, all, 2, &lo);
	assert_int_equal(lo.hdr, 16);
	FEED(&rx, &k, NF | CP | CO, OK);
	assert_frame(&rx, ref);

	/* Bytes after the last line's data (before any padding) are ignored. */
	r.pad = 0;
	r.ts = 4;
	build_rtp(&k, &g, ref, &r, all, 2, &lo);
	k.b[k.len++] = 0x77;
	k.b[k.len++] = 0x78;
	assert_int_equal(parse_exact(&g, k.b, k.len, &p), OK);
	assert_int_equal(p.bytes, 16);
	FEED(&rx, &k, NF | CP | CO, OK);

	/* Payload type 0 in the geometry accepts any. */
	g.payload_type = 0;
	r.pt = 33;
	build_rtp(&k, &g, ref, &r, all, 2, &lo);
	assert_int_equal(parse_exact(&g, k.b, k.len, &p), OK);
	rx_fini(&rx);
	free(ref);
}

static void test_rfc_permutations(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 16, 6, 0);

	(void)state;
	/* 24-byte payloads: 6 packets. Near the top of both spaces, so frames and
	 * sequence numbers wrap. */
	check_permutations(&g, 4, 24, 0xfffffff0u, 0xffff0000u);
}

/* A reversed frame of W packets completes with window W, not with W - 1. */
static void test_rfc_reverse_window(void **state)
{
	(void)state;
	/* 24-byte payloads: 16 bytes of line each, 64 packets. */
	check_reverse_window(geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 64, 16, 64), 5, 24, 0xffe0,
			     77, 0xffe0, 78);
}

/*
 * Frames of more packets than the sequence ring (SLUICE_ASM_WINDOW_MAX)
 * complete in order and with reordering inside the window: the window
 * slides, and ring slots reused from 1024 packets back are not duplicates.
 */
static void test_long_frames(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_RGB8, 320, 240, 16);

	(void)state;
	/* 200-byte payloads: one 64-pixel segment (192 bytes) each, 1200 packets. */
	check_long(&g, 6, 200, 1200, 0xfffffe00u, 0, 0xfffffe00u + 1200, 3000);
	/* Tensor: 64x64x3 in 8-byte chunks, 1536 of them. */
	g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_RGB8, 64, 64, 16);
	check_long(&g, 7, 8, 1536, 5, 0, 6, 0);
}

static void test_rfc_marker_first(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 32, 8, 0);
	static struct pkt k[8];
	uint8_t *ref = ref_frame(&g, 7);
	unsigned int n, i;
	struct rx rx;

	(void)state;
	n = rtp_packetize(k, DIM(k), &g, ref, 60, rtp_at(10, 10));
	assert_int_equal(n, 6);
	assert_true(k[5].b[1] & 0x80);
	rx_init(&rx, &g);
	FEED(&rx, &k[5], NF | CP, OK);
	for (i = 0; i < 4; i++)
		FEED(&rx, &k[i], CP, OK);
	FEED(&rx, &k[4], CP | CO, OK);
	assert_frame(&rx, ref);

	/* Every byte but no marker: not complete; the next frame abandons it. */
	k[5].b[1] &= 0x7f;
	for (i = 0; i < n; i++)
		k[i].b[7] = 11; /* ts 11 */
	for (i = 0; i < n; i++)
		FEED(&rx, &k[i], (i == 0 ? NF : 0) | CP, OK);
	assert_int_equal(rx.flow.bytes, 256);
	n = rtp_packetize(k, DIM(k), &g, ref, 60, rtp_at(10 + n, 12));
	FEED(&rx, &k[0], NF | AB | CP, OK);
	assert_int_equal(rx.abandoned, 1);
	rx_fini(&rx);
	free(ref);
}

static void test_rfc_loss(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 32, 8, 0);
	static struct pkt f1[8], f2[8];
	uint8_t *ref1 = ref_frame(&g, 8), *ref2 = ref_frame(&g, 9);
	unsigned int n, i;
	struct rx rx;

	(void)state;
	n = rtp_packetize(f1, DIM(f1), &g, ref1, 60, rtp_at(0xfffe, 0xfffffc00u));
	rtp_packetize(f2, DIM(f2), &g, ref2, 60, rtp_at(0xfffe + n, 0xfffffc00u + 3000));
	rx_init(&rx, &g);
	/* Frame 1 loses its third packet. */
	for (i = 0; i < n; i++)
		if (i != 2)
			FEED(&rx, &f1[i], (i == 0 ? NF : 0) | CP, OK);
	assert_int_equal(rx.completed, 0);
	/* Frame 2's first packet (timestamp wrapped past 0) abandons frame 1. */
	FEED(&rx, &f2[0], NF | AB | CP, OK);
	/* The lost packet turns up: late. */
	FEED(&rx, &f1[2], 0, SLUICE_ASM_ERR_LATE);
	for (i = 1; i < n; i++)
		FEED(&rx, &f2[i], CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref2);
	assert_int_equal(rx.abandoned, 1);
	assert_int_equal(rx.completed, 1);
	FEED(&rx, &f1[0], 0, SLUICE_ASM_ERR_LATE);

	/* The caller abandons an open frame: its packets are late, the next frame is not AB. */
	n = rtp_packetize(f1, DIM(f1), &g, ref1, 60, rtp_at(500, 6000));
	rtp_packetize(f2, DIM(f2), &g, ref2, 60, rtp_at(500 + n, 9000));
	FEED(&rx, &f1[0], NF | CP, OK);
	sluice_asm_flow_abandon(&rx.flow);
	sluice_asm_flow_abandon(&rx.flow);
	FEED(&rx, &f1[1], 0, SLUICE_ASM_ERR_LATE);
	FEED(&rx, &f2[0], NF | CP, OK);
	assert_int_equal(rx.abandoned, 1);
	rx_fini(&rx);
	free(ref1);
	free(ref2);
}

static void test_rfc_duplicate_late_window(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 8, 8, 4);
	uint8_t *ref = ref_frame(&g, 10);
	struct rtp r = rtp_at(0xfffffffeu, 500);
	struct pkt k[8], other;
	unsigned int i;
	struct rx rx;

	(void)state;
	/* One line per packet, sequence numbers wrap from 0xfffffffe to 5. */
	for (i = 0; i < 8; i++) {
		const struct line l = { 8, (uint16_t)i, 0 };

		r.seq = 0xfffffffeu + i;
		r.marker = i == 7;
		build_rtp(&k[i], &g, ref, &r, &l, 1, NULL);
	}
	rx_init(&rx, &g);
	FEED(&rx, &k[0], NF | CP, OK);
	FEED(&rx, &k[0], 0, SLUICE_ASM_ERR_DUPLICATE);
	/* Newest is seq 0xfffffffe: +5 is more than the window (4) ahead. */
	FEED(&rx, &k[5], 0, SLUICE_ASM_ERR_WINDOW);
	FEED(&rx, &k[4], CP, OK); /* +4: the edge of the window */
	FEED(&rx, &k[4], 0, SLUICE_ASM_ERR_DUPLICATE);
	/* Newest is now 2 (k[4]): k[0] is 4 behind, out of the window (it was seen). */
	FEED(&rx, &k[0], 0, SLUICE_ASM_ERR_WINDOW);
	FEED(&rx, &k[1], CP, OK); /* 3 behind */
	FEED(&rx, &k[1], 0, SLUICE_ASM_ERR_DUPLICATE);
	FEED(&rx, &k[3], CP, OK);
	FEED(&rx, &k[2], CP, OK);
	FEED(&rx, &k[2], 0, SLUICE_ASM_ERR_DUPLICATE);
	assert_int_equal(rx.flow.bytes, 40);
	/* An older timestamp while the frame is open: late. */
	r.ts = 499;
	build_rtp(&other, &g, ref, &r, (const struct line[]){ { 8, 0, 0 } }, 1, NULL);
	FEED(&rx, &other, 0, SLUICE_ASM_ERR_LATE);
	/* Overflow: seq 6 carries line 0 again; the frame holds 24 more bytes than it has. */
	r.ts = 500;
	r.seq = 0x6;
	build_rtp(&other, &g, ref, &r, (const struct line[]){ { 8, 0, 0 }, { 8, 1, 0 }, { 8, 2, 0 },
							      { 8, 3, 0 } }, 4, NULL);
	FEED(&rx, &other, 0, SLUICE_ASM_ERR_OVERFLOW);
	for (i = 5; i < 8; i++)
		FEED(&rx, &k[i], CP | (i == 7 ? CO : 0), OK);
	assert_frame(&rx, ref);
	FEED(&rx, &k[6], 0, SLUICE_ASM_ERR_LATE);
	/* A first packet bigger than the frame: refused, nothing opened. */
	r.ts = 501;
	r.seq = 100;
	{
		struct line l[9];

		for (i = 0; i < 9; i++)
			l[i] = (struct line){ 8, (uint16_t)(i % 8), 0 };
		build_rtp(&other, &g, ref, &r, l, 9, NULL);
	}
	FEED(&rx, &other, 0, SLUICE_ASM_ERR_OVERFLOW);
	assert_false(rx.flow.open);
	rx_fini(&rx);
	free(ref);
}

/* A new SSRC is a new source: its frame opens whatever its timestamp. */
static void test_rfc_ssrc_change(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 32, 8, 0);
	static struct pkt k[8];
	uint8_t *ref = ref_frame(&g, 11);
	struct rtp r = rtp_at(40, 90000);
	unsigned int n, i;
	struct rx rx;

	(void)state;
	rx_init(&rx, &g);
	n = rtp_packetize(k, DIM(k), &g, ref, 60, r);
	FEED(&rx, &k[0], NF | CP, OK);
	r.ssrc = 0x5eed0002;
	r.ts = 10; /* older, but another source */
	n = rtp_packetize(k, DIM(k), &g, ref, 60, r);
	FEED(&rx, &k[0], NF | AB | CP, OK);
	for (i = 1; i < n; i++)
		FEED(&rx, &k[i], CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref);
	/* Back to the first source after a closed frame: new again. */
	r.ssrc = 0x5eed0001;
	n = rtp_packetize(k, DIM(k), &g, ref, 60, r);
	FEED(&rx, &k[0], NF | CP, OK);
	rx_fini(&rx);
	free(ref);
}

/* ---------------------------------------------------------------------------
 * RFC 4175 from GStreamer's rtpvrawpay (tests/unit/data, capture_gst.py)
 */

struct capture {
	uint8_t *buf;
	size_t len;
};

static struct capture read_data(const char *name)
{
	char path[512];
	struct capture c;

	snprintf(path, sizeof(path), SLUICE_SRC_DIR "/tests/unit/data/%s", name);
	c.buf = sluice_test_read_file(path, &c.len);
	assert_true(c.len > 0);
	return c;
}

/* Records: 4-byte big-endian length, then the UDP payload. */
static unsigned int split_records(const struct capture *c, struct pkt *out, unsigned int max)
{
	size_t pos = 0;
	unsigned int n = 0;

	while (pos < c->len) {
		uint32_t len;

		assert_true(pos + 4 <= c->len);
		len = (uint32_t)c->buf[pos] << 24 | (uint32_t)c->buf[pos + 1] << 16 |
		      (uint32_t)c->buf[pos + 2] << 8 | c->buf[pos + 3];
		pos += 4;
		assert_true(len <= PKT_MAX && pos + len <= c->len && n < max);
		memcpy(out[n].b, c->buf + pos, len);
		out[n++].len = len;
		pos += len;
	}
	return n;
}

static void check_gst(const char *name, unsigned int frames, unsigned int per_frame,
		      bool reverse)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_RGB8, 64, 48, 0);
	uint32_t fb = sluice_asm_frame_bytes(&g);
	static struct pkt k[256];
	struct capture pk, raw;
	char file[256];
	unsigned int n, fr, i;
	struct rx rx;

	snprintf(file, sizeof(file), "%s.bin", name);
	pk = read_data(file);
	snprintf(file, sizeof(file), "%s.raw", name);
	raw = read_data(file);
	assert_int_equal(raw.len, (size_t)frames * fb);
	n = split_records(&pk, k, DIM(k));
	assert_int_equal(n, frames * per_frame);
	rx_init(&rx, &g);
	for (fr = 0; fr < frames; fr++) {
		for (i = 0; i < per_frame; i++) {
			unsigned int j = fr * per_frame + (reverse ? per_frame - 1 - i : i);

			/* rtpvrawpay marks exactly the frame's last packet. */
			assert_int_equal((k[j].b[1] & 0x80) != 0, j % per_frame == per_frame - 1);
			FEED(&rx, &k[j], (i == 0 ? NF : 0) | CP | (i + 1 == per_frame ? CO : 0),
			     OK);
		}
		assert_memory_equal(rx.frame, raw.buf + (size_t)fr * fb, fb);
	}
	assert_int_equal(rx.completed, frames);
	assert_int_equal(rx.abandoned, 0);
	rx_fini(&rx);
	free(pk.buf);
	free(raw.buf);
}

static void test_gst_rtpvrawpay(void **state)
{
	(void)state;
	/* 1400-byte packets: 7 whole lines each, 7 packets a frame. */
	check_gst("gst_rgb_64x48", 2, 7, false);
	check_gst("gst_rgb_64x48", 2, 7, true);
	/* 500-byte packets: lines split across packets, 20 packets a frame. */
	check_gst("gst_rgb_64x48_mtu500", 3, 20, false);
	check_gst("gst_rgb_64x48_mtu500", 3, 20, true);
}

/* ---------------------------------------------------------------------------
 * Tensor over UDP: frames
 */

static void test_tensor_in_order(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_RGB8, 20, 10, 0);
	static struct pkt k[64];
	uint8_t *ref = ref_frame(&g, 20);
	struct sluice_asm_pkt p;
	unsigned int n, i;
	struct rx rx;

	(void)state;
	n = tensor_packetize(k, DIM(k), &g, ref, 128, 0xfffffffeu);
	assert_int_equal(n, 5); /* 600 bytes: 4 x 128 + 88 */
	assert_int_equal(parse_exact(&g, k[4].b, k[4].len, &p), OK);
	assert_int_equal(p.frame, 0xfffffffeu);
	assert_int_equal(p.seq, 4);
	assert_int_equal(p.nb_chunks, 5);
	assert_true(p.last);
	assert_int_equal(p.ssrc, 0);
	assert_int_equal(p.nb_segs, 1);
	assert_int_equal(p.bytes, 88);
	assert_int_equal(p.seg[0].dst_off, 512);
	assert_int_equal(p.seg[0].src_off, T_HDR);
	assert_int_equal(p.seg[0].len, 88);
	rx_init(&rx, &g);
	for (i = 0; i < n; i++)
		FEED(&rx, &k[i], (i == 0 ? NF : 0) | CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref);
	FEED(&rx, &k[2], 0, SLUICE_ASM_ERR_LATE);
	/* Frame ids wrap: 0xffffffff and 0 are newer. */
	for (i = 0; i < 2; i++) {
		unsigned int j;

		n = tensor_packetize(k, DIM(k), &g, ref, 600, 0xffffffffu + i);
		assert_int_equal(n, 1);
		FEED(&rx, &k[0], NF | CP | CO, OK);
		for (j = 0; j < 2; j++) {
			n = tensor_packetize(k, DIM(k), &g, ref, 600, 0xfffffffeu + i + j);
			FEED(&rx, &k[0], 0, SLUICE_ASM_ERR_LATE);
		}
	}
	rx_fini(&rx);
	free(ref);
}

static void test_tensor_permutations(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_GRAY8, 10, 6, 0);

	(void)state;
	/* 60 bytes in chunks of 11: 6 chunks. */
	check_permutations(&g, 21, 11, 0x7ffffff0u, 0);
	/* Reversed 64 chunks: within the default window of 64, not within 63. */
	check_reverse_window(geom(SLUICE_ASM_TENSOR, SLUICE_ASM_GRAY8, 64, 8, 0), 22, 8, 1, 0, 2,
			     0);
}

static void test_tensor_loss_dup(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_RGB8, 8, 4, 0);
	static struct pkt f1[8], f2[8];
	uint8_t *ref1 = ref_frame(&g, 23), *ref2 = ref_frame(&g, 24);
	struct pkt odd;
	unsigned int n, i;
	struct rx rx;

	(void)state;
	n = tensor_packetize(f1, DIM(f1), &g, ref1, 20, 41);
	assert_int_equal(n, 5);
	tensor_packetize(f2, DIM(f2), &g, ref2, 20, 42);
	rx_init(&rx, &g);
	FEED(&rx, &f1[4], NF | CP, OK); /* last chunk first */
	FEED(&rx, &f1[4], 0, SLUICE_ASM_ERR_DUPLICATE);
	FEED(&rx, &f1[0], CP, OK);
	FEED(&rx, &f1[0], 0, SLUICE_ASM_ERR_DUPLICATE);
	FEED(&rx, &f1[1], CP, OK);
	/* Chunk 2 is lost; frame 42 abandons 41. */
	FEED(&rx, &f2[0], NF | AB | CP, OK);
	FEED(&rx, &f1[2], 0, SLUICE_ASM_ERR_LATE);
	FEED(&rx, &f1[3], 0, SLUICE_ASM_ERR_LATE);
	/* A chunk whose count is not its frame's (it tiles a 6-chunk frame). */
	{
		struct tensor t = {
			.flags = 0xff, .channels = 3, .width = 8, .height = 4, .frame = 42,
			.index = 1, .count = 6, .offset = 16, .length = 16, .payload = 16,
		};

		build_tensor(&odd, ref2, 96, &t);
		FEED(&rx, &odd, 0, SLUICE_ASM_ERR_TENSOR_CHUNK);
		/* Five chunks of 23 bytes tile 96 too, but the frame's chunks are 20. */
		t.count = 5;
		t.offset = 23;
		t.length = 23;
		t.payload = 23;
		build_tensor(&odd, ref2, 96, &t);
		FEED(&rx, &odd, 0, SLUICE_ASM_ERR_TENSOR_CHUNK);
		/* A chunk that would overlap chunk 0: refused by the parser. */
		t.offset = 0;
		build_tensor(&odd, ref2, 96, &t);
		FEED(&rx, &odd, 0, SLUICE_ASM_ERR_TENSOR_CHUNK);
	}
	for (i = 1; i < n; i++)
		FEED(&rx, &f2[i], CP | (i + 1 == n ? CO : 0), OK);
	assert_frame(&rx, ref2);
	assert_int_equal(rx.abandoned, 1);
	assert_int_equal(rx.completed, 1);
	rx_fini(&rx);
	free(ref1);
	free(ref2);
}

/* Chunks tile the frame: a frame's chunks all have its chunk length, the last one ends it. */
static void test_tensor_tiling(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_GRAY8, 4, 4, 0);
	uint8_t *ref = ref_frame(&g, 25);
	struct tensor t = {
		.flags = 0xff, .channels = 1, .width = 4, .height = 4, .frame = 1, .count = 2,
		.length = 8, .payload = 8,
	};
	struct pkt a8, a9, b8, b10;
	struct rx rx;

	(void)state;
	build_tensor(&a8, ref, 16, &t); /* [0, 8) of chunks of 8 */
	t.length = t.payload = 9;
	build_tensor(&a9, ref, 16, &t); /* [0, 9) of chunks of 9 */
	t.index = 1;
	t.offset = 8;
	t.length = t.payload = 8;
	build_tensor(&b8, ref, 16, &t); /* [8, 16): last of chunks of 8 */
	t.offset = 10;
	t.length = t.payload = 6;
	build_tensor(&b10, ref, 16, &t); /* [10, 16): last of chunks of 10 */
	rx_init(&rx, &g);
	FEED(&rx, &a8, NF | CP, OK);
	FEED(&rx, &b10, 0, SLUICE_ASM_ERR_TENSOR_CHUNK);
	FEED(&rx, &b8, CP | CO, OK);
	assert_frame(&rx, ref);
	/* Last chunk first, then a first chunk of another length. */
	a8.b[15] = b8.b[15] = a9.b[15] = 2; /* frame id 2 */
	FEED(&rx, &b8, NF | CP, OK);
	FEED(&rx, &a9, 0, SLUICE_ASM_ERR_TENSOR_CHUNK);
	FEED(&rx, &a8, CP | CO, OK);
	assert_frame(&rx, ref);
	rx_fini(&rx);
	free(ref);
}

/* ---------------------------------------------------------------------------
 * Malformed headers: the table of tests/unit/asm_bad_inputs.md
 */

enum { G_GRAY, G_RGB, G_TENSOR };

static struct sluice_asm_geom table_geom(int which)
{
	switch (which) {
	case G_GRAY:
		return geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 8, 4, 0);
	case G_RGB:
		return geom(SLUICE_ASM_RFC4175, SLUICE_ASM_RGB8, 4, 2, 0);
	default:
		return geom(SLUICE_ASM_TENSOR, SLUICE_ASM_RGB8, 4, 2, 0);
	}
}

/* RTP v2, PT 96, seq 1, ts 3000, SSRC 0x12345678; ext seq 0. */
#define RTP "80 60 0001 00000bb8 12345678 "
#define ESEQ "0000 "
#define D8 "0011223344556677 "
#define H1 "0001 0000 8000 " /* 1 byte of line 0 at 0, C set */
#define H4 H1 H1 H1 H1
#define H16 H4 H4 H4 H4
/* Tensor "SLTN" v1, last, u8, 3 channels, 4x2, frame 7, chunk 0 of 1, offset 0, 24 bytes. */
#define TH "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000 "
#define T24 D8 D8 D8

struct bad_input {
	const char *name;
	int geom;
	const char *hex;
	enum sluice_asm_err err;
};

static const struct bad_input bad_inputs[] = {
	/* The valid packets the others are made from. */
	{ "gray_ok", G_GRAY, RTP ESEQ "0008 0000 0000" D8, SLUICE_ASM_ERR_NONE },
	{ "rgb_ok", G_RGB, RTP ESEQ "000c 0001 0000" D8 "8899aabb", SLUICE_ASM_ERR_NONE },
	{ "tensor_ok", G_TENSOR, TH T24, SLUICE_ASM_ERR_NONE },

	{ "empty", G_GRAY, "", SLUICE_ASM_ERR_SHORT },
	{ "rtp_11", G_GRAY, "80 60 0001 00000bb8 123456", SLUICE_ASM_ERR_SHORT },
	{ "rtp_version_0", G_GRAY, "00 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_VERSION },
	{ "rtp_version_1", G_GRAY, "40 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_VERSION },
	{ "rtp_version_3", G_GRAY, "c0 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_VERSION },
	{ "rtp_pt_97", G_GRAY, "80 61 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_PAYLOAD_TYPE },
	{ "rtp_pt_97_marker", G_GRAY, "80 e1 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_PAYLOAD_TYPE },
	{ "rtp_csrc_cut", G_GRAY, "81 60 0001 00000bb8 12345678 000000", SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_csrc_15_past_end", G_GRAY, "8f 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_ext_header_cut", G_GRAY, "90 60 0001 00000bb8 12345678 bede00",
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_ext_one_word_cut", G_GRAY, "90 60 0001 00000bb8 12345678 bede0001 000000",
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_ext_len_ffff", G_GRAY, "90 60 0001 00000bb8 12345678 bedeffff" ESEQ "0008 0000 0000" D8,
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_pad_no_room", G_GRAY, "a0 60 0001 00000bb8 12345678", SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_pad_zero", G_GRAY, "a0 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8 "00",
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_pad_past_header", G_GRAY, "a0 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8 "18",
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_pad_into_csrc", G_GRAY, "a1 60 0001 00000bb8 12345678 00000000 02",
	  SLUICE_ASM_ERR_RTP_HDR_LEN },
	{ "rtp_pad_whole_payload", G_GRAY, "a0 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8 "11",
	  SLUICE_ASM_ERR_RFC4175_NO_LINES },
	{ "rtp_pad_into_data", G_GRAY, "a0 60 0001 00000bb8 12345678" ESEQ "0008 0000 0000" D8 "02",
	  SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "no_payload", G_GRAY, RTP, SLUICE_ASM_ERR_RFC4175_NO_LINES },
	{ "ext_seq_only", G_GRAY, RTP ESEQ, SLUICE_ASM_ERR_RFC4175_NO_LINES },
	{ "line_header_cut", G_GRAY, RTP ESEQ "0008 0000 00", SLUICE_ASM_ERR_RFC4175_NO_LINES },
	{ "continuation_header_cut", G_GRAY, RTP ESEQ "0001 0000 8000 0001 00", SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "continuation_no_header", G_GRAY, RTP ESEQ "0001 0000 8000 00", SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "lines_16_continued", G_GRAY, RTP ESEQ H16, SLUICE_ASM_ERR_RFC4175_TOO_MANY_LINES },
	{ "lines_17", G_GRAY, RTP ESEQ H16 "0001 0000 0000" D8 D8 "00",
	  SLUICE_ASM_ERR_RFC4175_TOO_MANY_LINES },
	{ "length_past_packet", G_GRAY, RTP ESEQ "0008 0000 0000 00112233445566",
	  SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "lengths_sum_past_packet", G_GRAY, RTP ESEQ "0008 0000 8000 0008 0001 0000" D8 "00112233445566",
	  SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "rgb_length_not_pgroup", G_RGB, RTP ESEQ "0004 0000 0000" D8, SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "rgb_second_length_not_pgroup", G_RGB, RTP ESEQ "0003 0000 8000 0002 0001 0000" D8,
	  SLUICE_ASM_ERR_RFC4175_LENGTH },
	{ "line_eq_height", G_GRAY, RTP ESEQ "0008 0004 0000" D8, SLUICE_ASM_ERR_RFC4175_LINE },
	{ "line_7fff", G_GRAY, RTP ESEQ "0008 7fff 0000" D8, SLUICE_ASM_ERR_RFC4175_LINE },
	{ "second_line_past_height", G_GRAY, RTP ESEQ "0001 0000 8000 0001 0009 0000 0011",
	  SLUICE_ASM_ERR_RFC4175_LINE },
	{ "offset_plus_length_past_width", G_GRAY, RTP ESEQ "0008 0000 0001" D8,
	  SLUICE_ASM_ERR_RFC4175_OFFSET },
	{ "offset_past_width_empty", G_GRAY, RTP ESEQ "0000 0000 0009", SLUICE_ASM_ERR_RFC4175_OFFSET },
	{ "offset_7fff", G_GRAY, RTP ESEQ "0001 0000 7fff 00", SLUICE_ASM_ERR_RFC4175_OFFSET },
	{ "rgb_offset_past_width", G_RGB, RTP ESEQ "0006 0000 0003 001122334455",
	  SLUICE_ASM_ERR_RFC4175_OFFSET },
	{ "field_bit", G_GRAY, RTP ESEQ "0008 8000 0000" D8, SLUICE_ASM_ERR_RFC4175_FIELD },
	{ "field_bit_second_line", G_GRAY, RTP ESEQ "0008 0000 8000 0008 8001 0000" D8 D8,
	  SLUICE_ASM_ERR_RFC4175_FIELD },

	{ "tensor_empty", G_TENSOR, "", SLUICE_ASM_ERR_SHORT },
	{ "tensor_27", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 00",
	  SLUICE_ASM_ERR_SHORT },
	{ "tensor_magic", G_TENSOR, "534c544f 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_MAGIC },
	{ "tensor_version_0", G_TENSOR, "534c544e 00 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_MAGIC },
	{ "tensor_version_2", G_TENSOR, "534c544e 02 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_MAGIC },
	{ "tensor_flags_reserved", G_TENSOR, "534c544e 01 81 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_MAGIC },
	{ "tensor_reserved_field", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0100" T24,
	  SLUICE_ASM_ERR_TENSOR_MAGIC },
	{ "tensor_dtype_0", G_TENSOR, "534c544e 01 01 00 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_SHAPE },
	{ "tensor_dtype_2", G_TENSOR, "534c544e 01 01 02 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_SHAPE },
	{ "tensor_channels_1", G_TENSOR, "534c544e 01 01 01 01 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_SHAPE },
	{ "tensor_width_5", G_TENSOR, "534c544e 01 01 01 03 0005 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_SHAPE },
	{ "tensor_height_1", G_TENSOR, "534c544e 01 01 01 03 0004 0001 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_SHAPE },
	{ "tensor_count_0", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0000 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_index_eq_count", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0001 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_count_past_bytes", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0000 0019 00000000 0001 0000 00",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_last_flag_missing", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_last_flag_not_last", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0002 00000000 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_length_0", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0000 0000",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_length_past_packet", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0019 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_length_short_of_packet", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0017 0000" T24,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_length_one_short_of_packet", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000000 0018 0000" T24 "00",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_offset_past_frame", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000018 0001 0000 00",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_offset_plus_length_past_frame", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 00000011 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_offset_wraps", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0000 0001 fffffffc 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_middle_ok", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0001 0003 00000008 0008 0000" D8,
	  SLUICE_ASM_ERR_NONE },
	{ "tensor_last_ok", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0002 0003 00000010 0008 0000" D8,
	  SLUICE_ASM_ERR_NONE },
	{ "tensor_offset_not_index_times_length", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0001 0003 00000007 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_count_too_small", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0000 0002 00000000 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_count_too_large", G_TENSOR, "534c544e 01 00 01 03 0004 0002 00000007 0000 0004 00000000 0008 0000" D8,
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_last_short_of_end", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0002 0003 00000010 0007 0000 00112233445566",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_last_offset_not_multiple", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0002 0003 00000011 0007 0000 00112233445566",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
	{ "tensor_last_longer_than_chunk", G_TENSOR, "534c544e 01 01 01 03 0004 0002 00000007 0001 0002 00000004 0014 0000" D8 D8 "8899aabb",
	  SLUICE_ASM_ERR_TENSOR_CHUNK },
};

static void test_bad_inputs(void **state)
{
	unsigned int seen[SLUICE_ASM_ERR_MAX] = { 0 };
	uint8_t b[PKT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < DIM(bad_inputs); i++) {
		struct sluice_asm_geom g = table_geom(bad_inputs[i].geom);
		uint32_t n = (uint32_t)sluice_test_hex_decode(bad_inputs[i].hex, b, sizeof(b));
		struct sluice_asm_pkt p;
		enum sluice_asm_err e = parse_exact(&g, b, n, &p);

		if (e != bad_inputs[i].err)
			fail_msg("%s (%u bytes): %s, want %s", bad_inputs[i].name, n,
				 sluice_asm_err_name(e), sluice_asm_err_name(bad_inputs[i].err));
		seen[e]++;
	}
	/* Every parse-time reason is exercised. */
	for (i = SLUICE_ASM_ERR_NONE; i <= SLUICE_ASM_ERR_TENSOR_CHUNK; i++)
		if (seen[i] == 0)
			fail_msg("no bad input gives %s", sluice_asm_err_name((unsigned int)i));
}

/* Each table entry is in the document with the same counter, and vice versa. */
static void test_bad_inputs_documented(void **state)
{
	char *doc = sluice_test_read_file(SLUICE_SRC_DIR "/tests/unit/asm_bad_inputs.md", NULL);
	const char *row;
	size_t i, rows = 0;

	(void)state;
	for (i = 0; i < DIM(bad_inputs); i++) {
		const char *name = sluice_asm_err_name(bad_inputs[i].err), *eol;

		row = sluice_test_doc_row(doc, "asm_bad_inputs.md", bad_inputs[i].name, &eol);
		if (!sluice_test_doc_cell(row, eol, name))
			fail_msg("asm_bad_inputs.md: %s should say %s", bad_inputs[i].name, name);
	}
	for (row = doc; (row = strstr(row, "\n| `")) != NULL; row++)
		rows++;
	assert_int_equal(rows, DIM(bad_inputs));
	free(doc);
}

/* ---------------------------------------------------------------------------
 * Every packet cut at every length: the reason follows from where the cut is.
 */

/* What the parser must say about a packet whose bytes end at `end` (padding removed). */
static enum sluice_asm_err rtp_expect(const struct layout *lo, uint32_t end)
{
	if (end < 12)
		return SLUICE_ASM_ERR_SHORT;
	if (end < lo->hdr)
		return SLUICE_ASM_ERR_RTP_HDR_LEN;
	if (end - lo->hdr < 8)
		return SLUICE_ASM_ERR_RFC4175_NO_LINES;
	if (end < lo->data_end)
		return SLUICE_ASM_ERR_RFC4175_LENGTH;
	return SLUICE_ASM_ERR_NONE;
}

static void check_cuts_rtp(const struct sluice_asm_geom *g, const struct rtp *r,
			   const struct line *l, unsigned int nl)
{
	uint8_t *ref = ref_frame(g, 30);
	struct sluice_asm_pkt p;
	struct layout lo;
	struct pkt k;
	uint32_t cut;

	build_rtp(&k, g, ref, r, l, nl, &lo);
	for (cut = 0; cut <= k.len; cut++) {
		enum sluice_asm_err want, got = parse_exact(g, k.b, cut, &p);

		if (cut < 12) {
			want = SLUICE_ASM_ERR_SHORT;
		} else if (r->pad == 0) {
			want = rtp_expect(&lo, cut);
		} else {
			/* The padding count is whatever byte the cut left last. */
			uint8_t c = k.b[cut - 1];

			if (cut < lo.hdr)
				want = SLUICE_ASM_ERR_RTP_HDR_LEN;
			else if (cut == lo.hdr || c == 0 || c > cut - lo.hdr)
				want = SLUICE_ASM_ERR_RTP_HDR_LEN;
			else
				want = rtp_expect(&lo, cut - c);
		}
		if (got != want)
			fail_msg("cut at %u of %u: %s, want %s", cut, k.len, sluice_asm_err_name(got),
				 sluice_asm_err_name(want));
		if (got == SLUICE_ASM_ERR_NONE) {
			unsigned int i;

			assert_int_equal(p.nb_segs, nl);
			for (i = 0; i < nl; i++)
				assert_int_equal(p.seg[i].len, l[i].len);
		}
	}
	free(ref);
}

static void test_cut_every_byte_rtp(void **state)
{
	struct sluice_asm_geom gray = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 8, 4, 0);
	struct sluice_asm_geom rgb = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_RGB8, 4, 3, 0);
	const struct line three[] = { { 5, 0, 3 }, { 8, 1, 0 }, { 2, 2, 0 } };
	const struct line rgb_l[] = { { 6, 0, 2 }, { 12, 1, 0 }, { 3, 2, 3 } };
	struct line many[SLUICE_ASM_SEGS_MAX];
	struct rtp r = rtp_at(9, 9);
	unsigned int i;

	(void)state;
	check_cuts_rtp(&gray, &r, three, 3);
	check_cuts_rtp(&rgb, &r, rgb_l, 3);
	r.cc = 2;
	r.ext_words = 2;
	check_cuts_rtp(&gray, &r, three, 3);
	check_cuts_rtp(&rgb, &r, rgb_l, 3);
	r.pad = 4;
	check_cuts_rtp(&gray, &r, three, 3);
	r.pad = 40;
	check_cuts_rtp(&rgb, &r, rgb_l, 3);
	r = rtp_at(9, 9);
	for (i = 0; i < SLUICE_ASM_SEGS_MAX; i++)
		many[i] = (struct line){ 2, (uint16_t)(i % 4), (uint16_t)(i % 4 * 2) };
	check_cuts_rtp(&gray, &r, many, SLUICE_ASM_SEGS_MAX);
}

static void test_cut_every_byte_tensor(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_TENSOR, SLUICE_ASM_RGB8, 5, 3, 0);
	static struct pkt k[4];
	uint8_t *ref = ref_frame(&g, 31);
	struct sluice_asm_pkt p;
	unsigned int n, i;
	uint32_t cut;

	(void)state;
	n = tensor_packetize(k, DIM(k), &g, ref, 20, 3);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		for (cut = 0; cut <= k[i].len; cut++) {
			enum sluice_asm_err want = cut < T_HDR ? SLUICE_ASM_ERR_SHORT
					   : cut < k[i].len ? SLUICE_ASM_ERR_TENSOR_CHUNK
							    : SLUICE_ASM_ERR_NONE;
			enum sluice_asm_err got = parse_exact(&g, k[i].b, cut, &p);

			if (got != want)
				fail_msg("chunk %u cut at %u: %s, want %s", i, cut,
					 sluice_asm_err_name(got), sluice_asm_err_name(want));
		}
	}
	free(ref);
}

/* A UDP payload can't exceed 64 KiB; a longer buffer is refused, not wrapped into src_off. */
static void test_oversized(void **state)
{
	struct sluice_asm_geom g = geom(SLUICE_ASM_RFC4175, SLUICE_ASM_GRAY8, 8, 4, 0);
	const struct line l = { 8, 0, 0 };
	struct rtp r = rtp_at(1, 1);
	struct sluice_asm_pkt p;
	uint32_t len = 70000;
	uint8_t *b = calloc(1, len);
	struct pkt k;

	(void)state;
	assert_non_null(b);
	build_rtp(&k, &g, NULL, &r, &l, 1, NULL);
	memcpy(b, k.b, k.len);
	assert_int_equal(sluice_asm_parse(&g, b, 65535, &p), SLUICE_ASM_ERR_NONE);
	assert_int_equal(sluice_asm_parse(&g, b, 65536, &p), SLUICE_ASM_ERR_RFC4175_LENGTH);
	/* Padding that brings the payload back under 64 KiB is fine. */
	b[0] |= 0x20;
	b[65536 + 100 - 1] = 100;
	assert_int_equal(sluice_asm_parse(&g, b, 65536 + 100, &p), SLUICE_ASM_ERR_RFC4175_LENGTH);
	b[65536 + 101 - 1] = 102;
	assert_int_equal(sluice_asm_parse(&g, b, 65536 + 101, &p), SLUICE_ASM_ERR_NONE);
	assert_int_equal(p.bytes, 8);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_names),
		cmocka_unit_test(test_geom),
		cmocka_unit_test(test_rfc_in_order),
		cmocka_unit_test(test_rfc_lines),
		cmocka_unit_test(test_rfc_rtp_options),
		cmocka_unit_test(test_rfc_permutations),
		cmocka_unit_test(test_rfc_reverse_window),
		cmocka_unit_test(test_long_frames),
		cmocka_unit_test(test_rfc_marker_first),
		cmocka_unit_test(test_rfc_loss),
		cmocka_unit_test(test_rfc_duplicate_late_window),
		cmocka_unit_test(test_rfc_ssrc_change),
		cmocka_unit_test(test_gst_rtpvrawpay),
		cmocka_unit_test(test_tensor_in_order),
		cmocka_unit_test(test_tensor_permutations),
		cmocka_unit_test(test_tensor_loss_dup),
		cmocka_unit_test(test_tensor_tiling),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_bad_inputs_documented),
		cmocka_unit_test(test_cut_every_byte_rtp),
		cmocka_unit_test(test_cut_every_byte_tensor),
		cmocka_unit_test(test_oversized),
		SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
