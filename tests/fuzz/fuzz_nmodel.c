/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the SNM model parser and executor: any blob must be
 * refused with a reason or parse into a model that runs on a small frame
 * without reading or writing outside its buffers, and whose scores are the
 * same on a second run (run() keeps no state).
 *
 * Random edits nearly always break the total length first, so each input is
 * also parsed with its total_len field set to its size.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Inpu-bridge \
 *         tests/fuzz/fuzz_nmodel.c npu-bridge/model/nmodel.c
 *   ./a.out tests/fuzz/corpus/nmodel
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_nmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *blob, size_t len)
{
	int32_t scores[SLUICE_NMODEL_WIDTH_MAX], again[SLUICE_NMODEL_WIDTH_MAX];
	struct sluice_nmodel_desc d;
	struct sluice_nmodel *m;
	uint32_t w, h, c;
	uint8_t *frame;
	void *scratch;
	char why[96];

	m = sluice_nmodel_parse(blob, len, why, sizeof(why));
	if (m == NULL) {
		if (why[0] == '\0')
			abort(); /* every refusal says why */
		return;
	}
	sluice_nmodel_describe(m, &d);
	if (d.nb_classes < 1 || d.nb_classes > SLUICE_NMODEL_WIDTH_MAX ||
	    (uint32_t)d.grid_w * d.grid_h > SLUICE_NMODEL_WIDTH_MAX)
		abort();
	/* Exactly sized, so ASan sees any overrun. */
	scratch = malloc(d.scratch_bytes);
	c = len & 1 ? 3 : 1;
	w = d.grid_w + 5;
	h = d.grid_h + 3;
	frame = malloc((size_t)w * h * c);
	if (scratch == NULL || frame == NULL)
		abort();
	for (size_t i = 0; i < (size_t)w * h * c; i++)
		frame[i] = (uint8_t)(i * 97 + 13);
	if (sluice_nmodel_run(m, frame, w, h, c, scores, scratch) != 0 ||
	    sluice_nmodel_run(m, frame, w, h, c, again, scratch) != 0 ||
	    memcmp(scores, again, d.nb_classes * sizeof(int32_t)) != 0)
		abort();
	if (sluice_nmodel_argmax(scores, d.nb_classes) >= d.nb_classes)
		abort();
	if (sluice_nmodel_run(m, frame, d.grid_w - 1u, h, c, scores, scratch) != -EINVAL)
		abort();
	free(frame);
	free(scratch);
	sluice_nmodel_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	check(data, size);
	if (size < 12)
		return 0;
	copy = malloc(size);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[8] = (uint8_t)size;
	copy[9] = (uint8_t)(size >> 8);
	copy[10] = (uint8_t)(size >> 16);
	copy[11] = (uint8_t)(size >> 24);
	check(copy, size);
	free(copy);
	return 0;
}
