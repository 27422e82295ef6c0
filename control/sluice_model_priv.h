/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_MODEL_PRIV_H
#define SLUICE_MODEL_PRIV_H

/*
 * Checks model.c shares with the model's other files (vnic.c), and the
 * quoting the loader and the RPC use too. Same contract as the public
 * calls: 0 or -errno, *err filled on failure.
 */

#include <stddef.h>
#include <stdint.h>

#include "sluice_model.h"

/* Name of kind `what` in key `field`: 1..31 characters of [A-Za-z0-9_.-]. */
int model_check_name(const char *what, const char *field, const char *s, struct sluice_err *err);

/* Port in 0..SLUICE_PORT_MAX and, when cfg->nb_ports is set, existing. */
int model_check_port(const struct sluice_config *cfg, uint16_t port, const char *field,
		     const char *label, struct sluice_err *err);

/* A quoted excerpt of untrusted text for messages: at most 40 of its `len`
 * bytes, non-printable ones as '?', "..." when there were more. */
#define MODEL_QUOTE_MAX 48
const char *model_quote(const char *s, size_t len, char buf[MODEL_QUOTE_MAX]);

/* model_quote() of a NUL-terminated string. */
const char *model_printable(const char *s, char buf[MODEL_QUOTE_MAX]);

#endif /* SLUICE_MODEL_PRIV_H */
