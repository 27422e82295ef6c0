/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SNM parser and int8 executor. The format and the arithmetic are specified
 * in docs/npu-model.md; tools/npu_model.py is the reference.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_nmodel.h"

#define SNM_HEADER_LEN 64u
#define SNM_LAYER_LEN 32u
#define SNM_VERSION 1u
#define SNM_KIND_FC 1u
#define SNM_ACT_NONE 0u
#define SNM_ACT_RELU 1u
#define SNM_BIAS_MAX (1 << 30)
#define SNM_NAME_LEN 32u

struct nlayer {
	uint16_t in, out;
	uint8_t relu;
	uint8_t shift;
	int32_t mult;
	const int8_t *w;  /* [out][in] */
	const int32_t *b; /* [out] */
};

struct sluice_nmodel {
	struct sluice_nmodel_desc desc;
	uint16_t in_mult;
	uint8_t in_shift;
	int16_t in_zero;
	uint16_t act_max; /* widest activation vector, input included */
	struct nlayer layer[SLUICE_NMODEL_LAYERS_MAX];
	/* biases (int32, first) then weights follow, in one allocation */
	int32_t data[];
};

/* The blob need not be aligned: read fields bytewise, little-endian. */
static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void say(char *why, size_t why_len, const char *reason)
{
	if (why != NULL && why_len > 0)
		snprintf(why, why_len, "%s", reason);
}

/* [off, off + n) inside [start, total), without overflow. */
static bool in_data(uint32_t off, uint32_t n, size_t start, size_t total)
{
	return off >= start && off <= total && n <= total - off;
}

/* Parsed layer table entry, before its data is copied. */
struct lent {
	uint16_t in, out;
	uint8_t act, shift;
	int32_t mult;
	uint32_t w_off, b_off;
};

/* p: a copy of the header; len: the blob's length (at least the header's). */
static const char *check_header(const uint8_t *p, size_t len)
{
	uint16_t gw, gh, nb_classes, nb_layers;
	size_t nul;
	int16_t in_zero;

	if (memcmp(p, "SNM\0", 4) != 0)
		return "bad magic (not an SNM model)";
	if (rd16(p + 4) != SNM_VERSION)
		return "unsupported version";
	if (rd16(p + 6) != SNM_HEADER_LEN)
		return "header length is not 64";
	if (rd32(p + 8) != len)
		return "blob length does not match the header's total length";
	nul = strnlen((const char *)p + 12, SNM_NAME_LEN);
	if (nul == SNM_NAME_LEN)
		return "name is not NUL-terminated";
	if (nul == 0)
		return "name is empty";
	for (size_t i = 0; i < nul; i++)
		if (p[12 + i] < 0x20 || p[12 + i] > 0x7e)
			return "name has a character outside printable ASCII";
	for (size_t i = nul; i < SNM_NAME_LEN; i++)
		if (p[12 + i] != 0)
			return "name padding after the NUL is not zero";
	if (p[55] != 0 || rd16(p + 58) != 0 || rd32(p + 60) != 0)
		return "reserved header field is not zero";
	gw = rd16(p + 44);
	gh = rd16(p + 46);
	nb_classes = rd16(p + 48);
	nb_layers = rd16(p + 50);
	in_zero = (int16_t)rd16(p + 56);
	if (nb_layers < 1 || nb_layers > SLUICE_NMODEL_LAYERS_MAX)
		return "layer count out of range (1..8)";
	if (nb_classes < 1 || nb_classes > SLUICE_NMODEL_WIDTH_MAX)
		return "class count out of range (1..1024)";
	if (gw == 0 || gh == 0)
		return "grid side is zero";
	if ((uint32_t)gw * gh > SLUICE_NMODEL_WIDTH_MAX)
		return "grid has more than 1024 cells";
	if (p[54] < 1 || p[54] > 24)
		return "input shift out of range (1..24)";
	if (in_zero < -128 || in_zero > 127)
		return "input zero point out of range (-128..127)";
	if (SNM_HEADER_LEN + (size_t)SNM_LAYER_LEN * nb_layers > len)
		return "layer table runs past the end of the blob";
	return NULL;
}

static const char *check_layer(const uint8_t *p, size_t len, size_t data_start, uint32_t prev_out,
			       bool first, bool last, uint16_t nb_classes, struct lent *e)
{
	uint32_t w_len, b_len;

	e->in = rd16(p);
	e->out = rd16(p + 2);
	e->act = p[5];
	e->shift = p[6];
	e->mult = (int32_t)rd32(p + 8);
	e->w_off = rd32(p + 12);
	w_len = rd32(p + 16);
	e->b_off = rd32(p + 20);
	b_len = rd32(p + 24);

	if (p[4] != SNM_KIND_FC)
		return "layer kind is not fully connected";
	if (p[7] != 0 || rd32(p + 28) != 0)
		return "reserved layer field is not zero";
	if (e->in < 1 || e->in > SLUICE_NMODEL_WIDTH_MAX || e->out < 1 ||
	    e->out > SLUICE_NMODEL_WIDTH_MAX)
		return "layer width out of range (1..1024)";
	if (e->in != prev_out)
		return first ? "first layer input is not grid_w * grid_h"
			     : "layer input is not the previous layer's output";
	if (last && e->out != nb_classes)
		return "last layer output is not nb_classes";
	if (e->act != SNM_ACT_NONE && e->act != SNM_ACT_RELU)
		return "activation unknown";
	if (last) {
		if (e->act != SNM_ACT_NONE || e->mult != 0 || e->shift != 0)
			return "last layer has an activation or requantisation";
	} else {
		if (e->mult <= 0)
			return "hidden layer multiplier not positive";
		if (e->shift < 1 || e->shift > 62)
			return "hidden layer shift out of range (1..62)";
	}
	if (w_len != (uint32_t)e->in * e->out)
		return "weights length is not in * out";
	if (!in_data(e->w_off, w_len, data_start, len))
		return "weights outside the data area of the blob";
	if (b_len != 4u * e->out)
		return "biases length is not 4 * out";
	if (!in_data(e->b_off, b_len, data_start, len))
		return "biases outside the data area of the blob";
	return NULL;
}

/*
 * The blob may sit in memory its owner can still write (device memory a
 * tenant shares): the header and the layer table are copied before they are
 * checked, weights and biases are copied once into the model and the biases
 * checked there, and nothing is read from the blob twice.
 */
struct sluice_nmodel *sluice_nmodel_parse(const void *blob, size_t len, char *why, size_t why_len)
{
	uint8_t hdr[SNM_HEADER_LEN], tab[SNM_LAYER_LEN * SLUICE_NMODEL_LAYERS_MAX];
	struct lent ent[SLUICE_NMODEL_LAYERS_MAX];
	const uint8_t *p = blob;
	struct sluice_nmodel *m;
	const char *err;
	uint16_t nb_layers, nb_classes, act_max;
	size_t data_start, nbias = 0, nweight = 0, scratch;
	uint32_t prev_out;
	int32_t *bias;
	int8_t *wt;

	say(why, why_len, "");
	if (p == NULL || len < SNM_HEADER_LEN) {
		err = "blob shorter than the 64-byte header";
		goto out_refuse;
	}
	memcpy(hdr, p, SNM_HEADER_LEN);
	err = check_header(hdr, len);
	if (err != NULL)
		goto out_refuse;
	nb_classes = rd16(hdr + 48);
	nb_layers = rd16(hdr + 50);
	data_start = SNM_HEADER_LEN + (size_t)SNM_LAYER_LEN * nb_layers;
	memcpy(tab, p + SNM_HEADER_LEN, SNM_LAYER_LEN * (size_t)nb_layers);
	prev_out = (uint32_t)rd16(hdr + 44) * rd16(hdr + 46);
	act_max = (uint16_t)prev_out;
	for (uint16_t k = 0; k < nb_layers; k++) {
		err = check_layer(tab + SNM_LAYER_LEN * k, len, data_start, prev_out, k == 0,
				  k == nb_layers - 1, nb_classes, &ent[k]);
		if (err != NULL)
			goto out_refuse;
		prev_out = ent[k].out;
		if (k < nb_layers - 1 && ent[k].out > act_max)
			act_max = ent[k].out;
		nbias += ent[k].out;
		nweight += (size_t)ent[k].in * ent[k].out;
	}

	/* Biases first: int32-aligned after the struct. */
	m = calloc(1, sizeof(*m) + nbias * sizeof(int32_t) + nweight);
	if (m == NULL)
		return NULL;
	memcpy(m->desc.name, hdr + 12, SNM_NAME_LEN);
	m->desc.grid_w = rd16(hdr + 44);
	m->desc.grid_h = rd16(hdr + 46);
	m->desc.nb_classes = nb_classes;
	m->desc.nb_layers = nb_layers;
	m->in_mult = rd16(hdr + 52);
	m->in_shift = hdr[54];
	m->in_zero = (int16_t)rd16(hdr + 56);
	m->act_max = act_max;
	bias = m->data;
	wt = (int8_t *)(m->data + nbias);
	for (uint16_t k = 0; k < nb_layers; k++) {
		struct nlayer *l = &m->layer[k];
		size_t nw = (size_t)ent[k].in * ent[k].out;

		l->in = ent[k].in;
		l->out = ent[k].out;
		l->relu = ent[k].act == SNM_ACT_RELU;
		l->shift = ent[k].shift;
		l->mult = ent[k].mult;
		for (uint32_t o = 0; o < l->out; o++) {
			bias[o] = (int32_t)rd32(p + ent[k].b_off + 4 * o);
			/* keeps |acc| below 2^31 (docs/npu-model.md, Ranges) */
			if (bias[o] < -SNM_BIAS_MAX || bias[o] > SNM_BIAS_MAX) {
				err = "bias out of range (-2^30..2^30)";
				goto out_free_model;
			}
		}
		memcpy(wt, p + ent[k].w_off, nw);
		l->b = bias;
		l->w = wt;
		bias += l->out;
		wt += nw;
		m->desc.macs += nw;
		m->desc.weight_bytes += nw + 4 * (size_t)l->out;
	}
	/* Scratch: alignment slack, per-column cell sums, two activation vectors. */
	scratch = 8 + (size_t)m->desc.grid_w * sizeof(uint64_t) + 2 * (size_t)act_max;
	m->desc.scratch_bytes = (scratch + 63) & ~(size_t)63;
	return m;

out_free_model:
	free(m);
out_refuse:
	say(why, why_len, err);
	errno = EINVAL;
	return NULL;
}

void sluice_nmodel_free(struct sluice_nmodel *m)
{
	free(m);
}

void sluice_nmodel_describe(const struct sluice_nmodel *m, struct sluice_nmodel_desc *d)
{
	*d = m->desc;
}

static inline uint32_t gray3(const uint8_t *px)
{
	return (77u * px[0] + 150u * px[1] + 29u * px[2] + 128u) >> 8;
}

/* Gray, area resize and input quantisation into x[grid_h * grid_w]. */
static void preprocess(const struct sluice_nmodel *m, const uint8_t *in, uint32_t w, uint32_t h,
		       uint32_t c, int8_t *x, uint64_t *sum)
{
	const uint32_t gw = m->desc.grid_w, gh = m->desc.grid_h;
	const int32_t rnd = 1 << (m->in_shift - 1);

	for (uint32_t i = 0; i < gh; i++) {
		uint32_t y0 = i * h / gh, y1 = (i + 1) * h / gh;

		memset(sum, 0, gw * sizeof(*sum));
		for (uint32_t y = y0; y < y1; y++) {
			const uint8_t *row = in + (size_t)y * w * c;

			for (uint32_t j = 0; j < gw; j++) {
				uint32_t x0 = j * w / gw, x1 = (j + 1) * w / gw;
				uint32_t s = 0; /* a row of a cell: at most 4096 * 255 */

				if (c == 1) {
					for (uint32_t xx = x0; xx < x1; xx++)
						s += row[xx];
				} else {
					for (uint32_t xx = x0; xx < x1; xx++)
						s += gray3(row + 3 * xx);
				}
				sum[j] += s;
			}
		}
		for (uint32_t j = 0; j < gw; j++) {
			uint64_t cnt = (uint64_t)(y1 - y0) * ((j + 1) * w / gw - j * w / gw);
			int32_t g = (int32_t)((sum[j] + cnt / 2) / cnt);
			int32_t q = ((g * (int32_t)m->in_mult + rnd) >> m->in_shift) + m->in_zero;

			x[i * gw + j] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
		}
	}
}

static inline int32_t dot(const int8_t *restrict w, const int8_t *restrict x, uint32_t n)
{
	int32_t acc = 0;

	for (uint32_t i = 0; i < n; i++)
		acc += (int32_t)w[i] * x[i];
	return acc;
}

int sluice_nmodel_run(const struct sluice_nmodel *m, const uint8_t *in, uint32_t w, uint32_t h,
		      uint32_t c, int32_t *scores, void *scratch)
{
	uint64_t *sum;
	int8_t *x, *y, *t;
	uint16_t k;

	if (m == NULL || in == NULL || scores == NULL || scratch == NULL)
		return -EINVAL;
	if (c != 1 && c != 3)
		return -EINVAL;
	if (w < m->desc.grid_w || h < m->desc.grid_h || w > SLUICE_NMODEL_FRAME_MAX ||
	    h > SLUICE_NMODEL_FRAME_MAX)
		return -EINVAL;

	/* Callers' scratch need not be aligned; scratch_bytes has room for this. */
	sum = (uint64_t *)(((uintptr_t)scratch + 7) & ~(uintptr_t)7);
	x = (int8_t *)(sum + m->desc.grid_w);
	y = x + m->act_max;
	preprocess(m, in, w, h, c, x, sum);

	for (k = 0; k + 1 < m->desc.nb_layers; k++) {
		const struct nlayer *l = &m->layer[k];
		const int64_t rnd = (int64_t)1 << (l->shift - 1);
		const int32_t lo = l->relu ? 0 : -128;

		for (uint32_t o = 0; o < l->out; o++) {
			int32_t acc = l->b[o] + dot(l->w + (size_t)o * l->in, x, l->in);
			/* |acc| < 2^31, mult < 2^31, so the product and rounding fit;
			 * >> of a negative value is arithmetic (floor) with gcc and clang. */
			int64_t v = ((int64_t)acc * l->mult + rnd) >> l->shift;

			y[o] = (int8_t)(v < lo ? lo : v > 127 ? 127 : v);
		}
		t = x;
		x = y;
		y = t;
	}
	for (uint32_t o = 0; o < m->layer[k].out; o++)
		scores[o] = m->layer[k].b[o] +
			    dot(m->layer[k].w + (size_t)o * m->layer[k].in, x, m->layer[k].in);
	return 0;
}

uint16_t sluice_nmodel_argmax(const int32_t *scores, uint16_t n)
{
	uint16_t best = 0;

	for (uint16_t i = 1; i < n; i++)
		if (scores[i] > scores[best])
			best = i;
	return best;
}
