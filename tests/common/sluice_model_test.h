/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_MODEL_TEST_H
#define SLUICE_MODEL_TEST_H

/*
 * Helpers of the unit tests of the tenant model (control/sluice_model.h) and
 * of what serves it (the RPC): the exact error a call must report, tenants to
 * hang things on, and a stand-in for the data plane's running configuration.
 * Include after <cmocka.h>.
 */

#include <errno.h>
#include <string.h>

#include "sluice_model.h"

/*
 * Call `call(&err)`, where `call` is a function of one struct sluice_err *
 * (a wrapper around the model call under test), and fail the test unless it
 * returned `rc` and set err.field to `fld` and err.msg to `text` exactly.
 * err starts filled with garbage, so a call that leaves it unset fails.
 */
#define sluice_assert_err(call, rc, fld, text)                                                     \
	do {                                                                                       \
		struct sluice_err e_;                                                              \
		memset(&e_, 0x55, sizeof(e_));                                                     \
		assert_int_equal((call)(&e_), rc);                                                 \
		assert_string_equal(e_.field, fld);                                                \
		assert_string_equal(e_.msg, text);                                                 \
	} while (0)

/* No position in a tenant file (for calls made by the RPC or a test). */
static const struct sluice_pos sluice_test_no_pos;

/* Add a tenant `name` to `cfg` (no matches, no default); fail the test if refused. */
static inline struct sluice_tenant *sluice_test_tenant(struct sluice_config *cfg, const char *name)
{
	struct sluice_tenant *t = NULL;
	struct sluice_err err;

	assert_int_equal(sluice_model_tenant_add(cfg, name, sluice_test_no_pos, &t, &err), 0);
	assert_non_null(t);
	return t;
}

/*
 * What a stand-in data plane does with a configuration it is given: keep a
 * copy of `cfg` as *running, freeing the one before. Returns 0, or -ENOMEM
 * (and *running unchanged) if the copy cannot be made.
 */
static inline int sluice_test_config_replace(struct sluice_config **running,
					     const struct sluice_config *cfg)
{
	struct sluice_config *c = sluice_config_clone(cfg);

	if (c == NULL)
		return -ENOMEM;
	sluice_config_free(*running);
	*running = c;
	return 0;
}

#endif /* SLUICE_MODEL_TEST_H */
