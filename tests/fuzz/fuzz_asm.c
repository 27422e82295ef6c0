/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the frame assembler (sluice_asm.h): parse and track
 * over a sequence of packets of one flow.
 *
 * Input:
 *   byte 0     bit 0: tensor (else RFC 4175); bit 1: RGB8 (else GRAY8)
 *   byte 1, 2  width - 1, height - 1 (1..256)
 *   byte 3, 4  reorder window, big-endian, modulo SLUICE_ASM_WINDOW_MAX + 1
 *   byte 5     RTP payload type the stream expects (bit 7: any)
 *   then records: 2-byte big-endian length, then that many bytes (fewer if
 *   the input ends); length 0xffff instead abandons the open frame.
 *
 * Each packet is its own allocation of exactly its length, so ASan reports a
 * read past it. Beyond memory safety the harness checks the contract: refusal
 * reasons belong to the step that gave them, every segment lies within the
 * packet and the frame, verdicts agree with the flow's state, and (tensor,
 * whose chunks tile the frame) a complete frame had every byte written
 * exactly once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_asm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define HDR 6
#define ABANDON 0xffff

static void check_pkt(const struct sluice_asm_pkt *p, uint32_t len, uint32_t fb)
{
	uint32_t i, sum = 0;

	CHECK(p->nb_segs <= SLUICE_ASM_SEGS_MAX);
	for (i = 0; i < p->nb_segs; i++) {
		const struct sluice_asm_seg *s = &p->seg[i];

		CHECK(s->len > 0);
		CHECK((uint32_t)s->src_off + s->len <= len);
		CHECK(s->len <= fb && s->dst_off <= fb - s->len);
		sum += s->len;
	}
	CHECK(sum == p->bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sluice_asm_geom g;
	struct sluice_asm_flow f;
	uint8_t *frame, *written;
	uint32_t fb, i;
	size_t pos = HDR;

	if (size < HDR)
		return 0;
	memset(&g, 0, sizeof(g));
	g.fmt = data[0] & 1 ? SLUICE_ASM_TENSOR : SLUICE_ASM_RFC4175;
	g.pix = data[0] & 2 ? SLUICE_ASM_RGB8 : SLUICE_ASM_GRAY8;
	g.width = (uint16_t)(data[1] + 1);
	g.height = (uint16_t)(data[2] + 1);
	g.window = (uint16_t)(((uint32_t)data[3] << 8 | data[4]) % (SLUICE_ASM_WINDOW_MAX + 1));
	g.payload_type = data[5] & 0x80 ? 0 : data[5];
	CHECK(sluice_asm_geom_check(&g) == 0);
	fb = sluice_asm_frame_bytes(&g);
	frame = malloc(fb);
	written = calloc(fb, 1);
	CHECK(frame != NULL && written != NULL);
	sluice_asm_flow_reset(&f);

	while (pos + 2 <= size) {
		uint32_t len = (uint32_t)data[pos] << 8 | data[pos + 1], v;
		struct sluice_asm_pkt p;
		enum sluice_asm_err e, te;
		bool was_open = f.open;
		uint8_t *pkt;

		pos += 2;
		if (len == ABANDON) {
			sluice_asm_flow_abandon(&f);
			CHECK(!f.open);
			continue;
		}
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		pkt = malloc(len ? len : 1);
		CHECK(pkt != NULL);
		memcpy(pkt, data + pos, len);
		pos += len;

		e = sluice_asm_parse(&g, pkt, len, &p);
		CHECK(e < SLUICE_ASM_ERR_MAX && sluice_asm_err_name(e) != NULL);
		CHECK(e != SLUICE_ASM_ERR_LATE && e != SLUICE_ASM_ERR_DUPLICATE &&
		      e != SLUICE_ASM_ERR_WINDOW && e != SLUICE_ASM_ERR_OVERFLOW);
		if (g.fmt == SLUICE_ASM_TENSOR)
			CHECK(e < SLUICE_ASM_ERR_RTP_VERSION || e >= SLUICE_ASM_ERR_TENSOR_MAGIC);
		else
			CHECK(e < SLUICE_ASM_ERR_TENSOR_MAGIC);
		if (e != SLUICE_ASM_ERR_NONE) {
			free(pkt);
			continue;
		}
		check_pkt(&p, len, fb);

		v = sluice_asm_track(&f, &g, &p, &te);
		if (v == 0) {
			CHECK(te == SLUICE_ASM_ERR_LATE || te == SLUICE_ASM_ERR_DUPLICATE ||
			      te == SLUICE_ASM_ERR_WINDOW || te == SLUICE_ASM_ERR_OVERFLOW ||
			      (g.fmt == SLUICE_ASM_TENSOR && te == SLUICE_ASM_ERR_TENSOR_CHUNK));
			CHECK(f.open == was_open);
			free(pkt);
			continue;
		}
		CHECK(te == SLUICE_ASM_ERR_NONE);
		CHECK(v & SLUICE_ASM_COPY);
		/* A new frame abandons exactly an open one; otherwise the packet joins it. */
		if (v & SLUICE_ASM_NEW_FRAME)
			CHECK(((v & SLUICE_ASM_ABANDONED) != 0) == was_open);
		else
			CHECK(was_open && !(v & SLUICE_ASM_ABANDONED));
		if (v & SLUICE_ASM_NEW_FRAME)
			memset(written, 0, fb);
		for (i = 0; i < p.nb_segs; i++) {
			uint32_t j;

			memcpy(frame + p.seg[i].dst_off, pkt + p.seg[i].src_off, p.seg[i].len);
			for (j = 0; j < p.seg[i].len; j++)
				if (written[p.seg[i].dst_off + j] < 255)
					written[p.seg[i].dst_off + j]++;
		}
		if (v & SLUICE_ASM_COMPLETE) {
			CHECK(!f.open);
			if (g.fmt == SLUICE_ASM_TENSOR)
				for (i = 0; i < fb; i++)
					CHECK(written[i] == 1);
		} else {
			CHECK(f.open && f.bytes <= fb);
		}
		free(pkt);
	}
	free(frame);
	free(written);
	return 0;
}
