/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_RPC_PRIV_H
#define SLUICE_RPC_PRIV_H

/* Shared by rpc.c, rpc_model.c and rpc_server.c; nothing else includes it. */

#include "sluice_model_priv.h"
#include "sluice_rpc.h"

/* A quoted excerpt of untrusted text (model_quote()). */
#define RPC_QUOTE_MAX MODEL_QUOTE_MAX
/*
 * An options struct of `sz` bytes (its first member) that this build knows as
 * `known` bytes: at least that long, and anything past it (a newer caller's
 * fields) zero.
 */
bool rpc_opts_known(const void *opts, size_t known, size_t sz);
/* "an object", "a string"... */
const char *rpc_type_name(const json_t *v);
/* The last key of the current path, for messages ("sport"). */
const char *rpc_key(const struct sluice_rpc_req *req);
/* A JSON integer in 0..max. */
int rpc_decode_uint(struct sluice_rpc_req *req, const json_t *v, uint64_t max, uint64_t *out);

/* opts.vnic_dir, or NULL. */
const char *rpc_vnic_dir(const struct sluice_rpc *rpc);

/* rpc_model.c: the tenant model's methods. */
int rpc_model_register(struct sluice_rpc *rpc);

#endif /* SLUICE_RPC_PRIV_H */
