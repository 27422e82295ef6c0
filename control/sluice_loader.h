/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_LOADER_H
#define SLUICE_LOADER_H

/**
 * @file
 * The tenant file loader: YAML (libyaml) in, struct sluice_config out.
 *
 * The schema is documented in docs/tenant-file.md. The loader checks syntax
 * and types (unknown keys, wrong scalar types, numbers that do not parse) and
 * passes every object to the sluice_model_*() calls, which do all semantic
 * checks; a model error is reported at the position of the key it names.
 *
 * Every error in the file is reported, not just the first, each formatted as
 * "FILE:LINE:COLUMN: reason" (1-based), or "FILE: reason" when the error has
 * no position (the file cannot be read). Diagnostics are sorted by position.
 * On any error nothing is returned: the caller's running configuration is
 * untouched.
 *
 * Tenant files come from tenant admins and are not trusted: input is capped at
 * SLUICE_LOAD_SIZE_MAX bytes, and YAML anchors and aliases are rejected (they
 * would let a small file expand without bound).
 *
 * Thread safety: none needed; each call uses only its own state.
 */

#include <stdint.h>

#include "sluice_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest tenant file accepted. */
#define SLUICE_LOAD_SIZE_MAX (16u << 20)

/** Most diagnostics kept; further ones are counted in `dropped`. */
#define SLUICE_DIAG_MAX 64

struct sluice_diag {
	uint32_t line;
	uint32_t column;
	/** "FILE:LINE:COLUMN: reason", NUL-terminated. */
	char text[320];
};

struct sluice_diags {
	uint32_t count;
	uint32_t dropped;
	struct sluice_diag items[SLUICE_DIAG_MAX];
};

/**
 * Resolve a port written by name in a tenant file (for example "net_ring0")
 * to its number. Numbers are never passed here.
 * @return 0 and *port set, or -ENOENT.
 */
typedef int (*sluice_port_resolver_t)(const char *name, uint16_t *port, void *arg);

struct sluice_load_opts {
	/** sizeof(struct sluice_load_opts), for forward compatibility. */
	size_t sz;
	/** Ports that exist; 0 disables the check. */
	uint16_t nb_ports;
	/** Resolves port names; NULL: only numbers are accepted. */
	sluice_port_resolver_t resolve_port;
	void *resolve_arg;
};

/**
 * Load a tenant file.
 *
 * @param path   file to read; it is named in every diagnostic.
 * @param opts   may be NULL (no port check, numbers only).
 * @param out    on success, a new configuration the caller frees.
 * @param diags  filled with every error found; may be NULL.
 * @return 0; -EINVAL if the file has errors (see diags) or opts is bad
 *         (opts->sz too small, or unknown trailing fields non-zero);
 *         -EFBIG if it is larger than SLUICE_LOAD_SIZE_MAX; -ENOENT/-EACCES/...
 *         if it cannot be opened (one diagnostic says so); -ENOMEM.
 */
int sluice_config_load_file(const char *path, const struct sluice_load_opts *opts,
			    struct sluice_config **out, struct sluice_diags *diags);

/**
 * Load a tenant file from memory; `name` is used in diagnostics.
 * Same contract as sluice_config_load_file().
 */
int sluice_config_load_buf(const char *name, const char *buf, size_t len,
			   const struct sluice_load_opts *opts, struct sluice_config **out,
			   struct sluice_diags *diags);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_LOADER_H */
