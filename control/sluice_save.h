/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_SAVE_H
#define SLUICE_SAVE_H

/**
 * @file
 * The tenant file writer: struct sluice_config out as YAML in the schema of
 * docs/tenant-file.md, the inverse of sluice_loader.h.
 *
 * Guarantees (tests/unit/test_save.c checks both):
 *  - loading the output with sluice_config_load_*() gives a configuration
 *    equal to the one saved, object for object and in the same order
 *    (source positions aside), provided ports are numbered the same;
 *  - saving that configuration again gives the same bytes.
 *
 * The form is canonical, not a copy of any source file: ports are numbers,
 * every default is written, names, addresses and MACs are quoted, each
 * object is one line, actions are listed in the order they run. Names are
 * [A-Za-z0-9_.-] (the model checks), so quoting never needs escapes.
 *
 * Thread safety: none needed; the configuration is only read.
 */

#include <stdio.h>

#include "sluice_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Write `cfg` as a tenant file to `out`.
 * @return 0, or -EIO when a write to `out` failed (ferror).
 */
int sluice_config_save(const struct sluice_config *cfg, FILE *out);

/**
 * Write `cfg` to `path` atomically: a temporary file in the same directory
 * (mode 0600), flushed to disk, then renamed over `path`. On error `path` is
 * untouched and the temporary file is removed.
 * @return 0, or -errno of the step that failed (open, write, fsync, rename).
 */
int sluice_config_save_file(const struct sluice_config *cfg, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_SAVE_H */
