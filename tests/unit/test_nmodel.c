/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SNM parser and int8 executor against the reference (tools/npu_model.py):
 * the committed model, test vectors with the reference's exact scores, the
 * digits test split, input geometry, argmax ties, and the bad-blob table
 * (nmodel_bad_inputs.md). Frames, blobs and scratch are allocated to their
 * exact size so that under ASan any read or write past them is reported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_nmodel.h"
#include "sluice_test.h"

#define MODEL_PATH SLUICE_SRC_DIR "/models/digits.snm"
#define VECTORS_PATH SLUICE_SRC_DIR "/tests/unit/nmodel_vectors.bin"
#define DIGITS_PATH SLUICE_SRC_DIR "/tests/unit/nmodel_digits.bin"
#define BAD_DOC_PATH SLUICE_SRC_DIR "/tests/unit/nmodel_bad_inputs.md"
#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* The committed model's layout (docs/npu-model.md). */
#define MODEL_LEN 2664u
#define L0 64u /* layer table entries */
#define L1 96u
#define L0_BIAS 2176u
#define L1_BIAS 2624u
/* Reference accuracy of models/digits.snm on the 899-digit test split. */
#define DIGITS_TEST 899u
#define DIGITS_CORRECT 868u

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put(uint8_t *p, unsigned int size, uint32_t v)
{
	for (unsigned int i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static struct sluice_nmodel *load_model(struct sluice_nmodel_desc *d)
{
	char why[128];
	size_t len;
	uint8_t *blob = sluice_test_read_file(MODEL_PATH, &len);
	struct sluice_nmodel *m = sluice_nmodel_parse(blob, len, why, sizeof(why));

	if (m == NULL)
		fail_msg("models/digits.snm refused: %s", why);
	free(blob); /* the model keeps its own copy */
	sluice_nmodel_describe(m, d);
	return m;
}

static void *scratch_alloc(const struct sluice_nmodel_desc *d)
{
	void *s = malloc(d->scratch_bytes);

	assert_non_null(s);
	return s;
}

/* Run on a copy of the frame that is exactly w * h * c bytes. */
static int run_exact(const struct sluice_nmodel *m, const uint8_t *frame, uint32_t w, uint32_t h,
		     uint32_t c, int32_t *scores, void *scratch)
{
	size_t n = (size_t)w * h * c;
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, frame, n);
	rc = sluice_nmodel_run(m, copy, w, h, c, scores, scratch);
	free(copy);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The committed model
 */

static void test_describe(void **state)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m = load_model(&d);

	(void)state;
	assert_string_equal(d.name, "digits-mlp-64-32-10");
	assert_int_equal(d.grid_w, 8);
	assert_int_equal(d.grid_h, 8);
	assert_int_equal(d.nb_classes, 10);
	assert_int_equal(d.nb_layers, 2);
	assert_int_equal(d.macs, 64 * 32 + 32 * 10);
	assert_int_equal(d.weight_bytes, 64 * 32 + 4 * 32 + 32 * 10 + 4 * 10);
	/* 8 alignment slack + 8 column sums + 2 x 64 activations, rounded to 64 */
	assert_int_equal(d.scratch_bytes, 256);
	sluice_nmodel_free(m);
}

/* ---------------------------------------------------------------------------
 * Test vectors: frames of several sizes, gray and RGB, with the reference's
 * exact scores (tools/npu_model.py vectors).
 */

/* Runs every vector of a file on the model; returns the vector count. */
static uint32_t check_vectors(const struct sluice_nmodel *m, const char *path, uint32_t *sizes_seen,
			      uint32_t *rgb)
{
	struct sluice_nmodel_desc d;
	size_t len, off = 8;
	uint8_t *f = sluice_test_read_file(path, &len);
	uint8_t *scratch;
	uint32_t count, i;
	int32_t scores[SLUICE_NMODEL_WIDTH_MAX + 1];

	sluice_nmodel_describe(m, &d);
	scratch = malloc(d.scratch_bytes + 1);
	assert_non_null(scratch);
	assert_true(len >= 8 && memcmp(f, "SNV1", 4) == 0);
	count = get32(f + 4);
	for (i = 0; i < count; i++) {
		uint32_t w, h, c, ns, k;
		size_t fb;

		assert_true(off + 8 <= len);
		w = get16(f + off);
		h = get16(f + off + 2);
		c = f[off + 4];
		ns = get16(f + off + 6);
		off += 8;
		fb = (size_t)w * h * c;
		assert_int_equal(ns, d.nb_classes);
		assert_true(off + fb + 4 * ns <= len);
		memset(scores, 0x5a, sizeof(scores));
		/* every other vector on a scratch buffer that is not 8-byte aligned */
		assert_int_equal(run_exact(m, f + off, w, h, c, scores, scratch + (i & 1)), 0);
		for (k = 0; k < ns; k++)
			if (scores[k] != (int32_t)get32(f + off + fb + 4 * k))
				fail_msg("%s: vector %u (%ux%ux%u): score %u is %d, reference %d",
					 path, i, w, h, c, k, scores[k],
					 (int32_t)get32(f + off + fb + 4 * k));
		assert_int_equal(scores[ns], 0x5a5a5a5a); /* nothing past nb_classes */
		*sizes_seen |= (w == 8 && h == 8) | (w == 32 && h == 32) << 1 |
			       (w == 64 && h == 48) << 2;
		*rgb += c == 3;
		off += fb + 4 * ns;
	}
	assert_int_equal(off, len);
	free(scratch);
	free(f);
	return count;
}

static void test_vectors(void **state)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m = load_model(&d);
	uint32_t sizes_seen = 0, rgb = 0, count;

	(void)state;
	count = check_vectors(m, VECTORS_PATH, &sizes_seen, &rgb);
	assert_int_equal(count, 300);
	assert_int_equal(sizes_seen, 7);
	assert_int_equal(rgb, count / 2);
	sluice_nmodel_free(m);
}

/*
 * Random valid models (tools/npu_model.py synth): 1 to 4 layers, odd grids,
 * non-zero input zero points, saturating inputs, hidden layers without ReLU,
 * biases of +-2^30, weights of -128, on random frames.
 */
static void test_synth_vectors(void **state)
{
	uint32_t sizes_seen = 0, rgb = 0, count = 0, layers = 0;
	char path[512];

	(void)state;
	for (unsigned int i = 0; i < 8; i++) {
		struct sluice_nmodel_desc d;
		struct sluice_nmodel *m;
		char why[128];
		uint8_t *blob;
		size_t len;

		snprintf(path, sizeof(path), "%s/tests/unit/nmodel_synth/synth%u.snm", SLUICE_SRC_DIR,
			 i);
		blob = sluice_test_read_file(path, &len);
		m = sluice_nmodel_parse(blob, len, why, sizeof(why));
		if (m == NULL)
			fail_msg("%s refused: %s", path, why);
		free(blob);
		sluice_nmodel_describe(m, &d);
		assert_int_equal(d.nb_layers, 1 + i % 4);
		layers |= 1u << d.nb_layers;
		snprintf(path, sizeof(path), "%s/tests/unit/nmodel_synth/synth%u.vec", SLUICE_SRC_DIR,
			 i);
		count += check_vectors(m, path, &sizes_seen, &rgb);
		sluice_nmodel_free(m);
	}
	assert_int_equal(count, 8 * 16);
	assert_int_equal(rgb, count / 2);
	assert_int_equal(layers, 0x1e);
}

/* ---------------------------------------------------------------------------
 * The digits test split: the C executor predicts what the reference does on
 * every digit, as an 8 x 8 gray frame and as a 32 x 32 RGB frame (each pixel
 * a 4 x 4 block), and gets the reference's exact count right.
 */

static void digit_frame(const uint8_t *px, uint32_t k, uint32_t c, uint8_t *frame)
{
	for (uint32_t y = 0; y < 8 * k; y++)
		for (uint32_t x = 0; x < 8 * k; x++)
			for (uint32_t ch = 0; ch < c; ch++)
				frame[(y * 8 * k + x) * c + ch] =
					(uint8_t)((px[(y / k) * 8 + x / k] * 255u + 8) / 16);
}

static void test_digits_accuracy(void **state)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m = load_model(&d);
	void *scratch = scratch_alloc(&d);
	size_t len;
	uint8_t *f = sluice_test_read_file(DIGITS_PATH, &len);
	uint8_t gray[64], rgb[32 * 32 * 3];
	uint32_t n, i, right_gray = 0, right_rgb = 0;
	int32_t scores[10];

	(void)state;
	assert_true(len >= 12 && memcmp(f, "SND1", 4) == 0);
	n = get32(f + 4);
	assert_int_equal(n, DIGITS_TEST);
	assert_int_equal(get32(f + 8), DIGITS_CORRECT);
	assert_int_equal(len, 12 + (size_t)n * 66);
	for (i = 0; i < n; i++) {
		const uint8_t *rec = f + 12 + (size_t)i * 66;
		uint8_t label = rec[64], ref = rec[65];
		uint16_t pred;

		digit_frame(rec, 1, 1, gray);
		assert_int_equal(run_exact(m, gray, 8, 8, 1, scores, scratch), 0);
		pred = sluice_nmodel_argmax(scores, 10);
		if (pred != ref)
			fail_msg("digit %u: predicted %u, reference %u", i, pred, ref);
		right_gray += pred == label;

		digit_frame(rec, 4, 3, rgb);
		assert_int_equal(run_exact(m, rgb, 32, 32, 3, scores, scratch), 0);
		pred = sluice_nmodel_argmax(scores, 10);
		assert_int_equal(pred, ref);
		right_rgb += pred == label;
	}
	assert_int_equal(right_gray, DIGITS_CORRECT);
	assert_int_equal(right_rgb, DIGITS_CORRECT);
	assert_true(right_gray * 100 >= n * 95);
	free(f);
	free(scratch);
	sluice_nmodel_free(m);
}

/* ---------------------------------------------------------------------------
 * Input geometry
 */

static void test_geometry(void **state)
{
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m = load_model(&d);
	void *scratch = scratch_alloc(&d);
	uint8_t *big = malloc(4096u * 4096u);
	int32_t scores[10], ref[10];
	uint8_t small[8 * 8 * 3];

	(void)state;
	assert_non_null(big);
	memset(small, 0, sizeof(small));
	assert_int_equal(sluice_nmodel_run(m, small, 7, 8, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 7, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 0, 0, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 0, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 2, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 4, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, big, 4097, 8, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, big, 8, 4097, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, big, UINT32_MAX, 8, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(NULL, small, 8, 8, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, NULL, 8, 8, 1, scores, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 1, NULL, scratch), -EINVAL);
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 1, scores, NULL), -EINVAL);

	/* The largest frame, all white: every cell sums 512 x 512 x 255 (and one
	 * 1 x 1 grid cell would sum 4096^2 x 255); same cells as 8 x 8 white. */
	memset(small, 255, sizeof(small));
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 1, ref, scratch), 0);
	memset(big, 255, 4096u * 4096u);
	assert_int_equal(sluice_nmodel_run(m, big, 4096, 4096, 1, scores, scratch), 0);
	assert_memory_equal(scores, ref, sizeof(ref));
	assert_int_equal(sluice_nmodel_run(m, big, 4096, 8, 1, scores, scratch), 0);
	assert_memory_equal(scores, ref, sizeof(ref));
	assert_int_equal(sluice_nmodel_run(m, big, 8, 4096, 1, scores, scratch), 0);
	assert_memory_equal(scores, ref, sizeof(ref));
	assert_int_equal(sluice_nmodel_run(m, small, 8, 8, 3, scores, scratch), 0);
	assert_memory_equal(scores, ref, sizeof(ref));
	free(big);
	free(scratch);
	sluice_nmodel_free(m);
}

static void test_argmax(void **state)
{
	const int32_t tie[] = { 3, 7, 7, -1 };
	const int32_t last[] = { INT32_MIN, INT32_MIN, INT32_MAX };
	const int32_t neg[] = { -5, -3, -3, -9 };
	const int32_t same[] = { INT32_MIN, INT32_MIN, INT32_MIN };
	const int32_t one[] = { 42 };

	(void)state;
	assert_int_equal(sluice_nmodel_argmax(tie, 4), 1);
	assert_int_equal(sluice_nmodel_argmax(tie, 1), 0);
	assert_int_equal(sluice_nmodel_argmax(last, 3), 2);
	assert_int_equal(sluice_nmodel_argmax(neg, 4), 1);
	assert_int_equal(sluice_nmodel_argmax(same, 3), 0);
	assert_int_equal(sluice_nmodel_argmax(one, 1), 0);
	assert_int_equal(sluice_nmodel_argmax(one, 0), 0);
}

/* ---------------------------------------------------------------------------
 * Bad blobs: the committed model with fields poked, cut or extended; each
 * refused with errno EINVAL and the exact reason listed in
 * nmodel_bad_inputs.md.
 */

struct poke {
	uint32_t off;
	uint8_t size; /* 0 ends the list */
	uint32_t val;
};

struct bad_blob {
	const char *name;
	long len;       /* -1: the model's length; longer pads with zeros */
	bool fix_total; /* write len into the header's total length */
	struct poke poke[3];
	const char *why;
	const char *name32; /* when set: the 32 name bytes */
};

#define R_SHORT "blob shorter than the 64-byte header"
#define R_TOTAL "blob length does not match the header's total length"
#define R_TABLE "layer table runs past the end of the blob"
#define R_WOUT "weights outside the data area of the blob"
#define R_BOUT "biases outside the data area of the blob"
#define R_LAST "last layer has an activation or requantisation"
#define R_WIDTH "layer width out of range (1..1024)"
#define R_RESH "reserved header field is not zero"
#define R_RESL "reserved layer field is not zero"

static const struct bad_blob bad_blobs[] = {
	{ "empty", 0, false, { { 0 } }, R_SHORT },
	{ "header_63", 63, false, { { 0 } }, R_SHORT },
	{ "bad_magic", -1, false, { { 0, 1, 'X' } }, "bad magic (not an SNM model)" },
	{ "magic_nul", -1, false, { { 3, 1, '1' } }, "bad magic (not an SNM model)" },
	{ "version_0", -1, false, { { 4, 2, 0 } }, "unsupported version" },
	{ "version_2", -1, false, { { 4, 2, 2 } }, "unsupported version" },
	{ "header_len_32", -1, false, { { 6, 2, 32 } }, "header length is not 64" },
	{ "total_plus_1", -1, false, { { 8, 4, MODEL_LEN + 1 } }, R_TOTAL },
	{ "total_huge", -1, false, { { 8, 4, UINT32_MAX } }, R_TOTAL },
	{ "trailing_byte", MODEL_LEN + 1, false, { { 0 } }, R_TOTAL },
	{ "truncated_1", MODEL_LEN - 1, false, { { 0 } }, R_TOTAL },
	{ "name_unterminated", -1, false, { { 0 } }, "name is not NUL-terminated",
	  "0123456789abcdef0123456789abcdef" },
	{ "name_empty", -1, false, { { 12, 1, 0 } }, "name is empty" },
	{ "name_control", -1, false, { { 12, 1, 0x07 } },
	  "name has a character outside printable ASCII" },
	{ "name_high", -1, false, { { 13, 1, 0x80 } },
	  "name has a character outside printable ASCII" },
	{ "name_padding", -1, false, { { 43, 1, 'x' } }, "name padding after the NUL is not zero" },
	{ "reserved_55", -1, false, { { 55, 1, 1 } }, R_RESH },
	{ "reserved_58", -1, false, { { 58, 2, 0x100 } }, R_RESH },
	{ "reserved_60", -1, false, { { 63, 1, 0x80 } }, R_RESH },
	{ "layers_0", -1, false, { { 50, 2, 0 } }, "layer count out of range (1..8)" },
	{ "layers_9", -1, false, { { 50, 2, 9 } }, "layer count out of range (1..8)" },
	{ "layers_65535", -1, false, { { 50, 2, 0xffff } }, "layer count out of range (1..8)" },
	{ "classes_0", -1, false, { { 48, 2, 0 } }, "class count out of range (1..1024)" },
	{ "classes_1025", -1, false, { { 48, 2, 1025 } }, "class count out of range (1..1024)" },
	{ "classes_9", -1, false, { { 48, 2, 9 } }, "last layer output is not nb_classes" },
	{ "grid_w_0", -1, false, { { 44, 2, 0 } }, "grid side is zero" },
	{ "grid_h_0", -1, false, { { 46, 2, 0 } }, "grid side is zero" },
	{ "grid_33x32", -1, false, { { 44, 2, 33 }, { 46, 2, 32 } }, "grid has more than 1024 cells" },
	{ "grid_65535", -1, false, { { 44, 2, 0xffff }, { 46, 2, 0xffff } },
	  "grid has more than 1024 cells" },
	{ "grid_8x7", -1, false, { { 46, 2, 7 } }, "first layer input is not grid_w * grid_h" },
	{ "in_shift_0", -1, false, { { 54, 1, 0 } }, "input shift out of range (1..24)" },
	{ "in_shift_25", -1, false, { { 54, 1, 25 } }, "input shift out of range (1..24)" },
	{ "in_zero_128", -1, false, { { 56, 2, 128 } }, "input zero point out of range (-128..127)" },
	{ "in_zero_-129", -1, false, { { 56, 2, 0xff7f } },
	  "input zero point out of range (-128..127)" },
	{ "header_only", 64, true, { { 0 } }, R_TABLE },
	{ "table_cut", 95, true, { { 0 } }, R_TABLE },
	{ "layers_8_table", 200, true, { { 50, 2, 8 } }, R_TABLE },
	{ "l0_kind_0", -1, false, { { L0 + 4, 1, 0 } }, "layer kind is not fully connected" },
	{ "l1_kind_2", -1, false, { { L1 + 4, 1, 2 } }, "layer kind is not fully connected" },
	{ "l0_reserved_7", -1, false, { { L0 + 7, 1, 1 } }, R_RESL },
	{ "l1_reserved_28", -1, false, { { L1 + 31, 1, 1 } }, R_RESL },
	{ "l0_in_0", -1, false, { { L0, 2, 0 } }, R_WIDTH },
	{ "l0_out_0", -1, false, { { L0 + 2, 2, 0 } }, R_WIDTH },
	{ "l1_out_1025", -1, false, { { L1 + 2, 2, 1025 } }, R_WIDTH },
	{ "l0_in_63", -1, false, { { L0, 2, 63 } }, "first layer input is not grid_w * grid_h" },
	{ "l1_in_31", -1, false, { { L1, 2, 31 } }, "layer input is not the previous layer's output" },
	{ "l0_out_31", -1, false, { { L0 + 2, 2, 31 }, { L0 + 16, 4, 64 * 31 }, { L0 + 24, 4, 124 } },
	  "layer input is not the previous layer's output" },
	{ "l1_out_9", -1, false, { { L1 + 2, 2, 9 } }, "last layer output is not nb_classes" },
	{ "l0_act_2", -1, false, { { L0 + 5, 1, 2 } }, "activation unknown" },
	{ "l1_act_2", -1, false, { { L1 + 5, 1, 2 } }, "activation unknown" },
	{ "l1_relu", -1, false, { { L1 + 5, 1, 1 } }, R_LAST },
	{ "l1_mult_1", -1, false, { { L1 + 8, 4, 1 } }, R_LAST },
	{ "l1_shift_1", -1, false, { { L1 + 6, 1, 1 } }, R_LAST },
	{ "l0_mult_0", -1, false, { { L0 + 8, 4, 0 } }, "hidden layer multiplier not positive" },
	{ "l0_mult_neg", -1, false, { { L0 + 8, 4, 0x80000000u } },
	  "hidden layer multiplier not positive" },
	{ "l0_shift_0", -1, false, { { L0 + 6, 1, 0 } }, "hidden layer shift out of range (1..62)" },
	{ "l0_shift_63", -1, false, { { L0 + 6, 1, 63 } }, "hidden layer shift out of range (1..62)" },
	{ "l0_wlen_2047", -1, false, { { L0 + 16, 4, 2047 } }, "weights length is not in * out" },
	{ "l0_woff_table", -1, false, { { L0 + 12, 4, 127 } }, R_WOUT },
	{ "l0_woff_zero", -1, false, { { L0 + 12, 4, 0 } }, R_WOUT },
	{ "l0_woff_end", -1, false, { { L0 + 12, 4, MODEL_LEN - 2047 } }, R_WOUT },
	{ "l0_woff_past", -1, false, { { L0 + 12, 4, MODEL_LEN + 1 } }, R_WOUT },
	{ "l0_woff_wrap", -1, false, { { L0 + 12, 4, UINT32_MAX - 100 } }, R_WOUT },
	{ "l1_blen_36", -1, false, { { L1 + 24, 4, 36 } }, "biases length is not 4 * out" },
	{ "l1_boff_end", -1, false, { { L1 + 20, 4, MODEL_LEN - 39 } }, R_BOUT },
	{ "l1_boff_wrap", -1, false, { { L1 + 20, 4, UINT32_MAX - 3 } }, R_BOUT },
	{ "l1_boff_table", -1, false, { { L1 + 20, 4, 100 } }, R_BOUT },
	{ "l1_bias_big", -1, false, { { L1_BIAS, 4, (1u << 30) + 1 } },
	  "bias out of range (-2^30..2^30)" },
	{ "l1_bias_small", -1, false, { { L1_BIAS + 36, 4, (uint32_t)-(1 << 30) - 1 } },
	  "bias out of range (-2^30..2^30)" },
	{ "l1_bias_min", -1, false, { { L1_BIAS, 4, 0x80000000u } },
	  "bias out of range (-2^30..2^30)" },
	{ "l0_bias_big", -1, false, { { L0_BIAS + 124, 4, 0x7fffffffu } },
	  "bias out of range (-2^30..2^30)" },
	{ "l0_bias_big_l1_in_31", -1, false, { { L0_BIAS, 4, (1u << 30) + 1 }, { L1, 2, 31 } },
	  "layer input is not the previous layer's output" },
};

static uint8_t *make_blob(const uint8_t *model, const struct bad_blob *b, size_t *len)
{
	size_t n = b->len < 0 ? MODEL_LEN : (size_t)b->len;
	uint8_t *blob = calloc(1, n ? n : 1);

	assert_non_null(blob);
	memcpy(blob, model, n < MODEL_LEN ? n : MODEL_LEN);
	if (b->fix_total)
		put(blob + 8, 4, (uint32_t)n);
	if (b->name32 != NULL)
		memcpy(blob + 12, b->name32, 32);
	for (unsigned int i = 0; i < DIM(b->poke) && b->poke[i].size; i++) {
		assert_true(b->poke[i].off + b->poke[i].size <= n);
		put(blob + b->poke[i].off, b->poke[i].size, b->poke[i].val);
	}
	*len = n;
	return blob;
}

static void expect_refused(const uint8_t *blob, size_t len, const char *name, const char *why)
{
	struct sluice_nmodel *m;
	char got[128];

	errno = 0;
	memset(got, 'z', sizeof(got));
	m = sluice_nmodel_parse(blob, len, got, sizeof(got));
	if (m != NULL)
		fail_msg("%s (%zu bytes): accepted, expected \"%s\"", name, len, why);
	assert_int_equal(errno, EINVAL);
	if (strcmp(got, why) != 0)
		fail_msg("%s (%zu bytes): \"%s\", expected \"%s\"", name, len, got, why);
}

static uint8_t *committed(void)
{
	size_t len;
	uint8_t *model = sluice_test_read_file(MODEL_PATH, &len);

	/* The table's offsets assume this layout. */
	assert_int_equal(len, MODEL_LEN);
	assert_int_equal(get32(model + L0 + 12), 128);
	assert_int_equal(get32(model + L0 + 20), L0_BIAS);
	assert_int_equal(get32(model + L1 + 20), L1_BIAS);
	return model;
}

static void test_bad_blobs(void **state)
{
	uint8_t *model = committed();
	size_t i, len;

	(void)state;
	for (i = 0; i < DIM(bad_blobs); i++) {
		uint8_t *blob = make_blob(model, &bad_blobs[i], &len);

		expect_refused(blob, len, bad_blobs[i].name, bad_blobs[i].why);
		free(blob);
	}
	free(model);
}

/* The edits column of nmodel_bad_inputs.md for an entry. */
static void format_edits(const struct bad_blob *b, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (b->len >= 0)
		n += (size_t)snprintf(buf + n, size - n, " len=%ld", b->len);
	if (b->fix_total)
		n += (size_t)snprintf(buf + n, size - n, " total=len");
	if (b->name32 != NULL)
		n += (size_t)snprintf(buf + n, size - n, " name=\"%.32s\"", b->name32);
	for (unsigned int i = 0; i < DIM(b->poke) && b->poke[i].size; i++)
		n += (size_t)snprintf(buf + n, size - n, " u%u@%u=%u", b->poke[i].size * 8u,
				      b->poke[i].off, b->poke[i].val);
	assert_true(n < size);
	if (n == 0)
		snprintf(buf, size, " -");
}

/* Each table entry is in the document, with the same edits and reason. */
static void test_bad_blobs_documented(void **state)
{
	size_t len, i;
	char *doc = sluice_test_read_file(BAD_DOC_PATH, &len);
	char edits[160];

	(void)state;
	for (i = 0; i < DIM(bad_blobs); i++) {
		const char *row, *eol;

		row = sluice_test_doc_row(doc, "nmodel_bad_inputs.md", bad_blobs[i].name, &eol);
		format_edits(&bad_blobs[i], edits, sizeof(edits));
		if (!sluice_test_doc_cell(row, eol, edits + 1))
			fail_msg("nmodel_bad_inputs.md: %s should have edits %s", bad_blobs[i].name,
				 edits + 1);
		if (!sluice_test_doc_cell(row, eol, bad_blobs[i].why))
			fail_msg("nmodel_bad_inputs.md: %s should say %s", bad_blobs[i].name,
				 bad_blobs[i].why);
	}
	free(doc);
}

/*
 * Cut the model at every byte, keeping its total length (refused for the
 * length) and writing the cut length into the header (refused for whatever
 * region the cut reaches first: the layer table, then each layer's weights
 * and biases in the order they lie).
 */
static void test_truncate_every_byte(void **state)
{
	uint8_t *model = committed();
	uint8_t *blob;
	size_t n;

	(void)state;
	for (n = 0; n < MODEL_LEN; n++) {
		const char *why = n < 64 ? R_SHORT : R_TOTAL;

		blob = malloc(n ? n : 1);
		assert_non_null(blob);
		memcpy(blob, model, n);
		expect_refused(blob, n, "truncated", why);
		if (n >= 64) {
			put(blob + 8, 4, (uint32_t)n);
			if (n < 128)
				why = R_TABLE;
			else if (n < 128 + 2048)
				why = R_WOUT;
			else if (n < L1_BIAS - 320 + 0u)
				why = R_BOUT;
			else if (n < L1_BIAS)
				why = R_WOUT;
			else
				why = R_BOUT;
			expect_refused(blob, n, "truncated, total fixed", why);
		}
		free(blob);
	}
	free(model);
}

/* Limits that are allowed are accepted: the edges of each range. */
static void test_edges_accepted(void **state)
{
	static const struct bad_blob ok[] = {
		{ "bias_max", -1, false, { { L1_BIAS, 4, 1u << 30 } }, NULL },
		{ "bias_min", -1, false, { { L1_BIAS, 4, (uint32_t)-(1 << 30) } }, NULL },
		{ "shift_62", -1, false, { { L0 + 6, 1, 62 } }, NULL },
		{ "shift_1", -1, false, { { L0 + 6, 1, 1 } }, NULL },
		{ "mult_max", -1, false, { { L0 + 8, 4, INT32_MAX } }, NULL },
		{ "in_shift_24", -1, false, { { 54, 1, 24 }, { 52, 2, 0xffff } }, NULL },
		{ "in_zero_-128", -1, false, { { 56, 2, 0xff80 } }, NULL },
		{ "in_zero_127", -1, false, { { 56, 2, 127 } }, NULL },
		{ "grid_4x16", -1, false, { { 44, 2, 4 }, { 46, 2, 16 } }, NULL },
		{ "name_31", -1, false, { { 0 } }, NULL, " ~0123456789abcdef0123456789ab~\0" },
		{ "hidden_no_relu", -1, false, { { L0 + 5, 1, 0 } }, NULL },
		{ "padding_after_data", MODEL_LEN + 3, true, { { 0 } }, NULL },
	};
	uint8_t *model = committed();
	uint8_t frame[16 * 16 * 3];
	int32_t scores[10];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 37 + 11);
	for (i = 0; i < DIM(ok); i++) {
		uint8_t *blob = make_blob(model, &ok[i], &len);
		struct sluice_nmodel_desc d;
		struct sluice_nmodel *m;
		char why[128];
		void *scratch;

		m = sluice_nmodel_parse(blob, len, why, sizeof(why));
		if (m == NULL)
			fail_msg("%s refused: %s", ok[i].name, why);
		assert_string_equal(why, "");
		free(blob);
		sluice_nmodel_describe(m, &d);
		scratch = scratch_alloc(&d);
		assert_int_equal(run_exact(m, frame, 16, 16, 3, scores, scratch), 0);
		free(scratch);
		sluice_nmodel_free(m);
	}
	free(model);
}

/* A NULL or short `why` is fine. */
static void test_why_buffer(void **state)
{
	uint8_t blob[8] = { 0 };
	char why[8];

	(void)state;
	errno = 0;
	assert_null(sluice_nmodel_parse(blob, sizeof(blob), NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(sluice_nmodel_parse(blob, sizeof(blob), why, sizeof(why)));
	assert_string_equal(why, "blob sh");
	assert_null(sluice_nmodel_parse(NULL, 100, why, sizeof(why)));
	assert_string_equal(why, "blob sh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_synth_vectors),
		cmocka_unit_test(test_digits_accuracy),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_argmax),
		cmocka_unit_test(test_bad_blobs),
		cmocka_unit_test(test_bad_blobs_documented),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_edges_accepted),
		cmocka_unit_test(test_why_buffer),
		SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
