/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame assembler: RFC 4175 and tensor-over-UDP parsing, per-flow frame
 * tracking. Wire formats and rules: sluice_asm.h, docs/npu-ingest.md.
 * Every read of the payload is preceded by a bounds check against `len`.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sluice_asm.h"

#define RTP_HDR 12u
#define RFC4175_EXT_SEQ 2u
#define RFC4175_LINE_HDR 6u

#define TENSOR_MAGIC 0x534c544eu /* "SLTN" */
#define TENSOR_VERSION 1u
#define TENSOR_FLAG_LAST 0x01u
#define TENSOR_DTYPE_U8 1u

#define SIDE_MAX 4096u
#define WINDOW_DEFAULT 64u

static const char *const err_names[] = {
#define SLUICE_ASM_ERR_NAME(e, n, d) n,
	SLUICE_ASM_ERR_LIST(SLUICE_ASM_ERR_NAME)
#undef SLUICE_ASM_ERR_NAME
};

static const char *const err_descs[] = {
#define SLUICE_ASM_ERR_DESC(e, n, d) d,
	SLUICE_ASM_ERR_LIST(SLUICE_ASM_ERR_DESC)
#undef SLUICE_ASM_ERR_DESC
};

const char *sluice_asm_err_name(unsigned int err)
{
	return err < SLUICE_ASM_ERR_MAX ? err_names[err] : NULL;
}

const char *sluice_asm_err_desc(unsigned int err)
{
	return err < SLUICE_ASM_ERR_MAX ? err_descs[err] : NULL;
}

uint32_t sluice_asm_frame_bytes(const struct sluice_asm_geom *g)
{
	return (uint32_t)g->width * g->height * (uint32_t)g->pix;
}

int sluice_asm_geom_check(const struct sluice_asm_geom *g)
{
	if (g == NULL)
		return -EINVAL;
	if (g->fmt != SLUICE_ASM_RFC4175 && g->fmt != SLUICE_ASM_TENSOR)
		return -EINVAL;
	if (g->pix != SLUICE_ASM_GRAY8 && g->pix != SLUICE_ASM_RGB8)
		return -EINVAL;
	if (g->width == 0 || g->width > SIDE_MAX || g->height == 0 || g->height > SIDE_MAX)
		return -EINVAL;
	/* A 7-bit field can never carry a larger payload type. */
	if (g->payload_type > 127)
		return -EINVAL;
	if (g->window > SLUICE_ASM_WINDOW_MAX)
		return -EINVAL;
	return 0;
}

static inline uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)((uint16_t)b[0] << 8 | b[1]);
}

static inline uint32_t rd32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static enum sluice_asm_err parse_rfc4175(const struct sluice_asm_geom *g, const uint8_t *b,
					 uint32_t len, struct sluice_asm_pkt *p)
{
	uint32_t hdr, end, pos, pg = (uint32_t)g->pix;
	uint16_t len_of[SLUICE_ASM_SEGS_MAX];
	uint32_t dst_of[SLUICE_ASM_SEGS_MAX];
	unsigned int n, i;
	uint32_t sum;

	if (len < RTP_HDR)
		return SLUICE_ASM_ERR_SHORT;
	if (b[0] >> 6 != 2)
		return SLUICE_ASM_ERR_RTP_VERSION;
	if (g->payload_type != 0 && (b[1] & 0x7f) != g->payload_type)
		return SLUICE_ASM_ERR_RTP_PAYLOAD_TYPE;
	hdr = RTP_HDR + 4u * (b[0] & 0x0f);
	if (hdr > len)
		return SLUICE_ASM_ERR_RTP_HDR_LEN;
	if (b[0] & 0x10) {
		if (hdr + 4 > len)
			return SLUICE_ASM_ERR_RTP_HDR_LEN;
		hdr += 4 + 4u * rd16(b + hdr + 2);
		if (hdr > len)
			return SLUICE_ASM_ERR_RTP_HDR_LEN;
	}
	end = len;
	if (b[0] & 0x20) {
		/* The count includes itself and must leave the header alone. */
		if (hdr == len || b[len - 1] == 0 || b[len - 1] > len - hdr)
			return SLUICE_ASM_ERR_RTP_HDR_LEN;
		end = len - b[len - 1];
	}
	/* A UDP payload is under 64 KiB; src_off is 16 bits. */
	if (end > UINT16_MAX)
		return SLUICE_ASM_ERR_RFC4175_LENGTH;
	if (end - hdr < RFC4175_EXT_SEQ + RFC4175_LINE_HDR)
		return SLUICE_ASM_ERR_RFC4175_NO_LINES;

	pos = hdr + RFC4175_EXT_SEQ;
	for (n = 0;; n++) {
		uint16_t l, line, off;

		if (n == SLUICE_ASM_SEGS_MAX)
			return SLUICE_ASM_ERR_RFC4175_TOO_MANY_LINES;
		if (pos + RFC4175_LINE_HDR > end)
			return SLUICE_ASM_ERR_RFC4175_LENGTH;
		l = rd16(b + pos);
		line = rd16(b + pos + 2);
		off = rd16(b + pos + 4);
		pos += RFC4175_LINE_HDR;
		if (line & 0x8000)
			return SLUICE_ASM_ERR_RFC4175_FIELD;
		if (line >= g->height)
			return SLUICE_ASM_ERR_RFC4175_LINE;
		if (l % pg != 0)
			return SLUICE_ASM_ERR_RFC4175_LENGTH;
		if ((uint32_t)(off & 0x7fff) + l / pg > g->width)
			return SLUICE_ASM_ERR_RFC4175_OFFSET;
		len_of[n] = l;
		dst_of[n] = ((uint32_t)line * g->width + (off & 0x7fff)) * pg;
		if (!(off & 0x8000))
			break;
	}
	n++;

	/* At most 16 x 65535: no overflow. *p is written only for a good packet. */
	for (sum = 0, i = 0; i < n; i++)
		sum += len_of[i];
	if (sum > end - pos)
		return SLUICE_ASM_ERR_RFC4175_LENGTH;
	p->nb_segs = 0;
	for (i = 0; i < n; i++) {
		/* Zero-length lines are legal and carry nothing to copy. */
		if (len_of[i] != 0) {
			struct sluice_asm_seg *s = &p->seg[p->nb_segs++];

			s->dst_off = dst_of[i];
			s->src_off = (uint16_t)pos;
			s->len = len_of[i];
		}
		pos += len_of[i];
	}

	p->frame = rd32(b + 4);
	p->seq = (uint32_t)rd16(b + hdr) << 16 | rd16(b + 2);
	p->last = (b[1] & 0x80) != 0;
	p->nb_chunks = 0;
	p->ssrc = rd32(b + 8);
	p->bytes = sum;
	return SLUICE_ASM_ERR_NONE;
}

/* Tensor header, all fields big-endian (docs/npu-ingest.md). */
#define T_MAGIC 0
#define T_VERSION 4
#define T_FLAGS 5
#define T_DTYPE 6
#define T_CHANNELS 7
#define T_WIDTH 8
#define T_HEIGHT 10
#define T_FRAME 12
#define T_INDEX 16
#define T_COUNT 18
#define T_OFFSET 20
#define T_LENGTH 24
#define T_RESERVED 26
#define T_HDR 28u

static enum sluice_asm_err parse_tensor(const struct sluice_asm_geom *g, const uint8_t *b,
					uint32_t len, struct sluice_asm_pkt *p)
{
	uint32_t total = sluice_asm_frame_bytes(g);
	uint32_t off, plen;
	uint16_t idx, cnt;
	bool last;

	if (len < T_HDR)
		return SLUICE_ASM_ERR_SHORT;
	if (rd32(b + T_MAGIC) != TENSOR_MAGIC || b[T_VERSION] != TENSOR_VERSION ||
	    (b[T_FLAGS] & ~TENSOR_FLAG_LAST) != 0 || rd16(b + T_RESERVED) != 0)
		return SLUICE_ASM_ERR_TENSOR_MAGIC;
	if (b[T_DTYPE] != TENSOR_DTYPE_U8 || b[T_CHANNELS] != (uint8_t)g->pix ||
	    rd16(b + T_WIDTH) != g->width || rd16(b + T_HEIGHT) != g->height)
		return SLUICE_ASM_ERR_TENSOR_SHAPE;
	idx = rd16(b + T_INDEX);
	cnt = rd16(b + T_COUNT);
	off = rd32(b + T_OFFSET);
	plen = rd16(b + T_LENGTH);
	last = (b[T_FLAGS] & TENSOR_FLAG_LAST) != 0;
	if (cnt == 0 || idx >= cnt || last != (idx == cnt - 1))
		return SLUICE_ASM_ERR_TENSOR_CHUNK;
	/* The length field catches a datagram cut short on the way. */
	if (plen == 0 || plen != len - T_HDR)
		return SLUICE_ASM_ERR_TENSOR_CHUNK;
	/*
	 * Chunks tile the frame: chunk i of a frame cut in chunks of L bytes
	 * is [i * L, i * L + L), the last one ends the frame and holds 1..L
	 * bytes. So chunks never overlap, and "every chunk" means every byte.
	 */
	if (last) {
		if (off > total || plen != total - off)
			return SLUICE_ASM_ERR_TENSOR_CHUNK;
		if (idx > 0 && (off % idx != 0 || off / idx < plen))
			return SLUICE_ASM_ERR_TENSOR_CHUNK;
	} else {
		if ((uint64_t)idx * plen != off || (uint64_t)(cnt - 1) * plen >= total ||
		    (uint64_t)cnt * plen < total)
			return SLUICE_ASM_ERR_TENSOR_CHUNK;
	}

	p->frame = rd32(b + T_FRAME);
	p->seq = idx;
	p->last = last;
	p->nb_chunks = cnt;
	p->ssrc = 0;
	p->nb_segs = 1;
	p->bytes = plen;
	p->seg[0].dst_off = off;
	p->seg[0].src_off = (uint16_t)T_HDR;
	p->seg[0].len = (uint16_t)plen;
	return SLUICE_ASM_ERR_NONE;
}

enum sluice_asm_err sluice_asm_parse(const struct sluice_asm_geom *g, const uint8_t *payload,
				     uint32_t len, struct sluice_asm_pkt *p)
{
	if (g->fmt == SLUICE_ASM_TENSOR)
		return parse_tensor(g, payload, len, p);
	return parse_rfc4175(g, payload, len, p);
}

/* ---------------------------------------------------------------------------
 * Tracking. `seen` is a ring of SLUICE_ASM_WINDOW_MAX bits indexed by the low
 * bits of the sequence number; it holds the window behind f->top.
 */

#define RING_MASK (SLUICE_ASM_WINDOW_MAX - 1u)

static inline bool seen_get(const struct sluice_asm_flow *f, uint32_t s)
{
	s &= RING_MASK;
	return (f->seen[s / 64] >> (s % 64)) & 1;
}

static inline void seen_set(struct sluice_asm_flow *f, uint32_t s)
{
	s &= RING_MASK;
	f->seen[s / 64] |= (uint64_t)1 << (s % 64);
}

static inline void seen_clear(struct sluice_asm_flow *f, uint32_t s)
{
	s &= RING_MASK;
	f->seen[s / 64] &= ~((uint64_t)1 << (s % 64));
}

/* Serial number arithmetic (RFC 1982): a is after b within half the space. */
static inline bool serial_after(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(a - b) < 0x80000000u;
}

static inline uint32_t window_of(const struct sluice_asm_geom *g)
{
	if (g->window == 0)
		return WINDOW_DEFAULT;
	return g->window > SLUICE_ASM_WINDOW_MAX ? SLUICE_ASM_WINDOW_MAX : g->window;
}

void sluice_asm_flow_reset(struct sluice_asm_flow *f)
{
	memset(f, 0, sizeof(*f));
}

static void flow_close(struct sluice_asm_flow *f)
{
	f->open = false;
	f->any_closed = true;
	f->last_closed = f->frame;
}

void sluice_asm_flow_abandon(struct sluice_asm_flow *f)
{
	if (f->open)
		flow_close(f);
}

/* Tensor chunks tile the frame, so all its bytes means every chunk. */
static bool flow_complete(const struct sluice_asm_flow *f, const struct sluice_asm_geom *g)
{
	return f->bytes == sluice_asm_frame_bytes(g) && (g->fmt == SLUICE_ASM_TENSOR || f->have_last);
}

/* Tensor: the chunk length L of the packet's frame, 0 for a one-chunk frame. */
static uint32_t chunk_len(const struct sluice_asm_pkt *p)
{
	if (!p->last)
		return p->seg[0].len;
	return p->seq ? p->seg[0].dst_off / p->seq : 0;
}

static uint32_t refuse(enum sluice_asm_err *err, enum sluice_asm_err e)
{
	*err = e;
	return 0;
}

uint32_t sluice_asm_track(struct sluice_asm_flow *f, const struct sluice_asm_geom *g,
			  const struct sluice_asm_pkt *p, enum sluice_asm_err *err)
{
	uint32_t total = sluice_asm_frame_bytes(g);
	uint32_t w = window_of(g);
	uint32_t v = SLUICE_ASM_COPY;
	bool restart;

	*err = SLUICE_ASM_ERR_NONE;
	/* RFC 3550: a new SSRC is a new source, its numbering unrelated to the old one. */
	restart = g->fmt == SLUICE_ASM_RFC4175 && (f->open || f->any_closed) && p->ssrc != f->ssrc;

	if (f->open && p->frame == f->frame && !restart) {
		uint32_t ahead = p->seq - f->top, behind = f->top - p->seq, s;

		/* With the frame size, the chunk length fixes the count too. */
		if (g->fmt == SLUICE_ASM_TENSOR && chunk_len(p) != f->chunk_len)
			return refuse(err, SLUICE_ASM_ERR_TENSOR_CHUNK);
		if (serial_after(p->seq, f->top) ? ahead > w : behind >= w)
			return refuse(err, SLUICE_ASM_ERR_WINDOW);
		if (!serial_after(p->seq, f->top) && seen_get(f, p->seq))
			return refuse(err, SLUICE_ASM_ERR_DUPLICATE);
		if (p->bytes > total - f->bytes)
			return refuse(err, SLUICE_ASM_ERR_OVERFLOW);
		if (serial_after(p->seq, f->top)) {
			if (ahead >= SLUICE_ASM_WINDOW_MAX)
				memset(f->seen, 0, sizeof(f->seen));
			else
				for (s = f->top + 1; s != p->seq; s++)
					seen_clear(f, s);
			f->top = p->seq;
		}
	} else {
		if (!restart && f->open && !serial_after(p->frame, f->frame))
			return refuse(err, SLUICE_ASM_ERR_LATE);
		if (!restart && !f->open && f->any_closed && !serial_after(p->frame, f->last_closed))
			return refuse(err, SLUICE_ASM_ERR_LATE);
		if (p->bytes > total)
			return refuse(err, SLUICE_ASM_ERR_OVERFLOW);
		v |= SLUICE_ASM_NEW_FRAME;
		/* A complete frame is closed at once, so an open one is incomplete. */
		if (f->open)
			v |= SLUICE_ASM_ABANDONED;
		f->open = true;
		f->have_last = false;
		f->frame = p->frame;
		f->top = p->seq;
		f->bytes = 0;
		f->chunk_len = g->fmt == SLUICE_ASM_TENSOR ? chunk_len(p) : 0;
		f->ssrc = p->ssrc;
		memset(f->seen, 0, sizeof(f->seen));
	}
	seen_set(f, p->seq);
	f->bytes += p->bytes;
	f->have_last = f->have_last || p->last;
	if (flow_complete(f, g)) {
		flow_close(f);
		v |= SLUICE_ASM_COMPLETE;
	}
	return v;
}
