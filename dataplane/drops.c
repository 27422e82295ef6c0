/* SPDX-License-Identifier: BSD-3-Clause */
#include "sluice_drops.h"

static const char *const drop_names[] = {
#define SLUICE_DROP_NAME(e, n, d) [SLUICE_DROP_##e] = n,
	SLUICE_DROP_LIST(SLUICE_DROP_NAME)
#undef SLUICE_DROP_NAME
};

static const char *const drop_descs[] = {
#define SLUICE_DROP_DESC(e, n, d) [SLUICE_DROP_##e] = d,
	SLUICE_DROP_LIST(SLUICE_DROP_DESC)
#undef SLUICE_DROP_DESC
};

const char *sluice_drop_name(unsigned int reason)
{
	return reason < SLUICE_DROP_MAX ? drop_names[reason] : "unknown";
}

const char *sluice_drop_desc(unsigned int reason)
{
	return reason < SLUICE_DROP_MAX ? drop_descs[reason] : "unknown";
}
