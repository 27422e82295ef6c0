/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_MODEL_PRIV_H
#define SLUICE_MODEL_PRIV_H

/*
 * Checks model.c shares with the model's other files (vnic.c). Same
 * contract as the public calls: 0 or -errno, *err filled on failure.
 */

#include <stdint.h>

#include "sluice_model.h"

/* Name of kind `what` in key `field`: 1..31 characters of [A-Za-z0-9_.-]. */
int model_check_name(const char *what, const char *field, const char *s, struct sluice_err *err);

/* Port in 0..SLUICE_PORT_MAX and, when cfg->nb_ports is set, existing. */
int model_check_port(const struct sluice_config *cfg, uint16_t port, const char *field,
		     const char *label, struct sluice_err *err);

/* At most 40 bytes of `s`, non-printable ones as '?', for messages. */
const char *model_printable(const char *s, char buf[48]);

#endif /* SLUICE_MODEL_PRIV_H */
