/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the tenant file loader: any input must either load
 * or fail with diagnostics, never crash, hang or leak.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Icontrol tests/fuzz/fuzz_loader.c \
 *         control/model.c control/loader.c -lyaml
 *   ./a.out tests/fuzz/corpus/loader
 */
#include <stddef.h>
#include <stdint.h>

#include "sluice_loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int resolve(const char *name, uint16_t *port, void *arg)
{
	(void)arg;
	if (name[0] == 'p' && name[1] >= '0' && name[1] <= '9' && name[2] == '\0') {
		*port = (uint16_t)(name[1] - '0');
		return 0;
	}
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Alternate options on the first byte, so both port paths are reached. */
	struct sluice_load_opts opts = {
	    .sz = sizeof(opts),
	    .nb_ports = size && (data[0] & 1) ? 8 : 0,
	    .resolve_port = size && (data[0] & 2) ? resolve : NULL,
	};
	struct sluice_config *cfg = NULL;
	struct sluice_diags diags;

	if (sluice_config_load_buf("fuzz.yaml", (const char *)data, size, &opts, &cfg, &diags) == 0)
		sluice_config_free(cfg);
	return 0;
}
