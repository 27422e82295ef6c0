/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generic NPU layer: spec string -> backend, and dispatch. Checks that
 * need no backend knowledge (NULL handles and out-pointers) live here once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_npu_driver.h"

static const struct sluice_npu_driver *const drivers[] = {
    &sluice_swnpu_driver,
};

static const struct sluice_npu_driver *driver_find(const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

/* "DRIVER[,key=value...]": syntax only, the backend judges keys and values. */
static int args_parse(const char *spec, struct sluice_npu_args *a)
{
	size_t len = strnlen(spec, SLUICE_NPU_SPEC_MAX);
	char *tok;

	if (len == 0 || len >= SLUICE_NPU_SPEC_MAX)
		return -EINVAL;
	memcpy(a->buf, spec, len + 1);
	a->nb = 0;
	/* Not strtok_r: it would fold ",," into one separator. */
	a->driver = a->buf;
	tok = strchr(a->buf, ',');
	if (tok != NULL)
		*tok++ = '\0';
	if (a->driver[0] == '\0')
		return -EINVAL;
	while (tok != NULL) {
		char *next = strchr(tok, ','), *eq;

		if (next != NULL)
			*next++ = '\0';
		eq = strchr(tok, '=');
		if (eq == NULL || eq == tok || a->nb == SLUICE_NPU_ARGS_MAX)
			return -EINVAL;
		*eq = '\0';
		for (unsigned int i = 0; i < a->nb; i++)
			if (strcmp(a->kv[i].key, tok) == 0)
				return -EINVAL;
		a->kv[a->nb].key = tok;
		a->kv[a->nb].val = eq + 1;
		a->nb++;
		tok = next;
	}
	return 0;
}

struct sluice_npu_dev *sluice_npu_open(const char *spec)
{
	const struct sluice_npu_driver *drv;
	struct sluice_npu_args *args;
	struct sluice_npu_dev *dev;
	int rc;

	if (spec == NULL) {
		errno = EINVAL;
		return NULL;
	}
	args = malloc(sizeof(*args));
	if (args == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rc = args_parse(spec, args);
	if (rc < 0)
		goto out_free_args;
	drv = driver_find(args->driver);
	if (drv == NULL) {
		rc = -ENODEV;
		goto out_free_args;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		rc = -ENOMEM;
		goto out_free_args;
	}
	dev->drv = drv;
	dev->enqueue_burst = drv->enqueue_burst;
	dev->dequeue_burst = drv->dequeue_burst;
	rc = drv->open(dev, args);
	if (rc < 0)
		goto out_free_dev;
	free(args);
	return dev;

out_free_dev:
	free(dev);
out_free_args:
	free(args);
	errno = -rc;
	return NULL;
}

void sluice_npu_close(struct sluice_npu_dev *dev)
{
	if (dev == NULL)
		return;
	dev->drv->close(dev);
	free(dev);
}

#define DISPATCH(dev, op, ...)                                                                     \
	((dev) == NULL		  ? -EINVAL                                                        \
	 : (dev)->drv->op == NULL ? -ENOTSUP                                                       \
				  : (dev)->drv->op((dev), __VA_ARGS__))

int sluice_npu_info_get(const struct sluice_npu_dev *dev, struct sluice_npu_info *info)
{
	if (info == NULL)
		return -EINVAL;
	return DISPATCH(dev, info_get, info);
}

int sluice_npu_mem(const struct sluice_npu_dev *dev, struct sluice_npu_mem *m)
{
	if (m == NULL)
		return -EINVAL;
	return DISPATCH(dev, mem_get, m);
}

int sluice_npu_mem_set_iova(struct sluice_npu_dev *dev, uint64_t iova)
{
	return DISPATCH(dev, mem_set_iova, iova);
}

int sluice_npu_model_load(struct sluice_npu_dev *dev, const void *blob, size_t len,
			  uint16_t *model_id)
{
	if (blob == NULL || model_id == NULL)
		return -EINVAL;
	return DISPATCH(dev, model_load, blob, len, model_id);
}

int sluice_npu_model_unload(struct sluice_npu_dev *dev, uint16_t model_id)
{
	return DISPATCH(dev, model_unload, model_id);
}

int sluice_npu_model_info_get(const struct sluice_npu_dev *dev, uint16_t model_id,
			      struct sluice_npu_model_info *info)
{
	if (info == NULL)
		return -EINVAL;
	return DISPATCH(dev, model_info_get, model_id, info);
}

int sluice_npu_ctx_create(struct sluice_npu_dev *dev, const struct sluice_npu_ctx_conf *conf,
			  uint16_t *ctx)
{
	if (conf == NULL || ctx == NULL)
		return -EINVAL;
	return DISPATCH(dev, ctx_create, conf, ctx);
}

int sluice_npu_ctx_destroy(struct sluice_npu_dev *dev, uint16_t ctx)
{
	return DISPATCH(dev, ctx_destroy, ctx);
}

int sluice_npu_ctx_reset(struct sluice_npu_dev *dev, uint16_t ctx, struct sluice_npu_op **ops,
			 uint16_t n)
{
	if (ops == NULL && n > 0)
		return -EINVAL;
	return DISPATCH(dev, ctx_reset, ctx, ops, n);
}

int sluice_npu_ctx_window(const struct sluice_npu_dev *dev, uint16_t ctx, uint64_t *addr,
			  uint64_t *size)
{
	if (addr == NULL || size == NULL)
		return -EINVAL;
	return DISPATCH(dev, ctx_window, ctx, addr, size);
}

int sluice_npu_ctx_grant(struct sluice_npu_dev *dev, uint16_t ctx, uint64_t addr, uint64_t len)
{
	return DISPATCH(dev, ctx_grant, ctx, addr, len);
}

uint16_t sluice_npu_enqueue_burst(struct sluice_npu_dev *dev, uint16_t ctx,
				  struct sluice_npu_op **ops, uint16_t n)
{
	return dev->enqueue_burst(dev->priv, ctx, ops, n);
}

uint16_t sluice_npu_dequeue_burst(struct sluice_npu_dev *dev, uint16_t ctx,
				  struct sluice_npu_op **ops, uint16_t n)
{
	return dev->dequeue_burst(dev->priv, ctx, ops, n);
}

int sluice_npu_stats_get(const struct sluice_npu_dev *dev, uint16_t ctx,
			 struct sluice_npu_stats *st)
{
	if (st == NULL)
		return -EINVAL;
	return DISPATCH(dev, stats_get, ctx, st);
}

int sluice_npu_fault_inject(struct sluice_npu_dev *dev, uint16_t ctx,
			    const struct sluice_npu_fault *f)
{
	if (f == NULL)
		return -EINVAL;
	return DISPATCH(dev, fault_inject, ctx, f);
}

/* ---- Helpers for backends ----------------------------------------------- */

int sluice_npu_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int sluice_npu_parse_size(const char *s, uint64_t *out)
{
	char digits[24];
	unsigned int shift = 0;
	size_t len;
	uint64_t v;

	if (s == NULL)
		return -EINVAL;
	len = strnlen(s, sizeof(digits));
	if (len == 0 || len >= sizeof(digits))
		return -EINVAL;
	memcpy(digits, s, len + 1);
	switch (digits[len - 1]) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	default:
		break;
	}
	if (shift != 0)
		digits[len - 1] = '\0';
	if (sluice_npu_parse_u64(digits, UINT64_MAX >> shift, &v) < 0)
		return -EINVAL;
	*out = v << shift;
	return 0;
}
