/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* tdestroy() */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_model.h"
#include "sluice_model_priv.h"

int sluice_err_set(struct sluice_err *err, int rc, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return rc;
	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* Packed exact 5-tuple: family, proto, src[16], dst[16], sport, dport. */
#define TUPLE_LEN 38

struct tuple_key {
	uint8_t b[TUPLE_LEN];
	char name[SLUICE_NAME_MAX]; /* the flow holding it, for messages */
};

struct match_key {
	uint32_t kind, port, vlan, inner_vlan, vni;
	char tenant[SLUICE_NAME_MAX]; /* the tenant holding it, for messages */
};

static const struct sluice_action_name action_names[] = {
    {"count", SLUICE_ACT_COUNT, false},	      {"drop", SLUICE_ACT_DROP, false},
    {"vxlan_decap", SLUICE_ACT_DECAP, false}, {"forward", SLUICE_ACT_FORWARD, true},
    {"meter", SLUICE_ACT_METER, true},	      {"vxlan_encap", SLUICE_ACT_ENCAP, true},
    {"to_npu", SLUICE_ACT_TO_NPU, true},      {"switch", SLUICE_ACT_SWITCH, false},
};

const struct sluice_action_name *sluice_model_action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++)
		if (strcmp(name, action_names[i].name) == 0)
			return &action_names[i];
	return NULL;
}

const char *model_quote(const char *s, size_t len, char buf[MODEL_QUOTE_MAX])
{
	size_t i;

	for (i = 0; i < len && i < 40; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (len > 40)
		memcpy(&buf[i], "...", 3), i += 3;
	buf[i] = '\0';
	return buf;
}

/* Names from RPC are arbitrary bytes: quoted (41: enough to know there are more). */
static const char *printable(const char *s, char buf[MODEL_QUOTE_MAX])
{
	return model_quote(s, strnlen(s, 41), buf);
}

static int check_name(const char *what, const char *field, const char *s, struct sluice_err *err)
{
	char buf[48];
	size_t i, len;

	if (s == NULL || s[0] == '\0')
		return sluice_err_set(err, -EINVAL, field, "%s name is empty", what);
	len = strnlen(s, SLUICE_NAME_MAX);
	if (len >= SLUICE_NAME_MAX)
		return sluice_err_set(err, -EINVAL, field,
				      "%s name '%s' is longer than %d characters", what,
				      printable(s, buf), SLUICE_NAME_MAX - 1);
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return sluice_err_set(err, -EINVAL, field,
					      "%s name '%s' has a character outside [A-Za-z0-9_.-]",
					      what, printable(s, buf));
	}
	return 0;
}

/* Grow *arr to hold one more element of `size` bytes. */
static int grow(void **arr, uint32_t *cap, uint32_t nb, size_t size)
{
	uint32_t ncap;
	void *p;

	if (nb < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	p = realloc(*arr, (size_t)ncap * size);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int cmp_tuple(const void *a, const void *b)
{
	return memcmp(((const struct tuple_key *)a)->b, ((const struct tuple_key *)b)->b,
		      TUPLE_LEN);
}

static int cmp_match(const void *pa, const void *pb)
{
	const struct match_key *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->vlan != b->vlan)
		return a->vlan < b->vlan ? -1 : 1;
	if (a->inner_vlan != b->inner_vlan)
		return a->inner_vlan < b->inner_vlan ? -1 : 1;
	if (a->vni != b->vni)
		return a->vni < b->vni ? -1 : 1;
	return 0;
}

static void tuple_pack(const struct sluice_flow_match *m, struct tuple_key *k)
{
	memset(k, 0, sizeof(*k));
	k->b[0] = m->family;
	k->b[1] = m->proto;
	memcpy(&k->b[2], m->src, 16);
	memcpy(&k->b[18], m->dst, 16);
	k->b[34] = m->sport_lo >> 8;
	k->b[35] = m->sport_lo & 0xff;
	k->b[36] = m->dport_lo >> 8;
	k->b[37] = m->dport_lo & 0xff;
}

static void match_pack(const struct sluice_match *m, const char *tenant, struct match_key *k)
{
	memset(k, 0, sizeof(*k));
	k->kind = m->kind;
	k->port = m->port;
	if (m->kind == SLUICE_MATCH_VLAN || m->kind == SLUICE_MATCH_QINQ)
		k->vlan = m->vlan;
	if (m->kind == SLUICE_MATCH_QINQ)
		k->inner_vlan = m->inner_vlan;
	if (m->kind == SLUICE_MATCH_VNI)
		k->vni = m->vni;
	snprintf(k->tenant, sizeof(k->tenant), "%s", tenant);
}

/* Insert a copy of `key` into a tree; -EEXIST leaves the tree unchanged. */
static int index_add(void **root, const void *key, size_t size,
		     int (*cmp)(const void *, const void *))
{
	void *copy = malloc(size);
	void **slot;

	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, key, size);
	slot = tsearch(copy, root, cmp);
	if (slot == NULL || *slot != copy) {
		free(copy);
		return slot == NULL ? -ENOMEM : -EEXIST;
	}
	return 0;
}

static void index_del(void **root, const void *key, int (*cmp)(const void *, const void *))
{
	void **slot = tfind(key, root, cmp);
	void *stored;

	if (slot == NULL)
		return;
	stored = *slot;
	tdelete(key, root, cmp);
	free(stored);
}

static const void *index_find(void *const *root, const void *key,
			      int (*cmp)(const void *, const void *))
{
	void **slot = tfind(key, root, cmp);

	return slot ? *slot : NULL;
}

static void describe_match(const struct sluice_match *m, char *buf, size_t sz)
{
	switch (m->kind) {
	case SLUICE_MATCH_PORT:
		snprintf(buf, sz, "port %u", m->port);
		break;
	case SLUICE_MATCH_VLAN:
		snprintf(buf, sz, "port %u vlan %u", m->port, m->vlan);
		break;
	case SLUICE_MATCH_QINQ:
		snprintf(buf, sz, "port %u vlan %u inner_vlan %u", m->port, m->vlan, m->inner_vlan);
		break;
	case SLUICE_MATCH_VNI:
		if (m->port == SLUICE_PORT_ANY)
			snprintf(buf, sz, "vni %u", m->vni);
		else
			snprintf(buf, sz, "port %u vni %u", m->port, m->vni);
		break;
	}
}

static int check_port(const struct sluice_config *cfg, uint16_t port, const char *field,
		      const char *label, struct sluice_err *err)
{
	if (port > SLUICE_PORT_MAX)
		return sluice_err_set(err, -EINVAL, field, "%s %u out of range 0..%u", label, port,
				      SLUICE_PORT_MAX);
	if (cfg->nb_ports != 0 && port >= cfg->nb_ports)
		return sluice_err_set(err, -EINVAL, field, "%s %u does not exist (ports are 0..%u)",
				      label, port, cfg->nb_ports - 1u);
	return 0;
}

static int check_vlan(uint16_t vlan, const char *field, struct sluice_err *err)
{
	if (vlan < 1 || vlan > SLUICE_VLAN_MAX)
		return sluice_err_set(err, -EINVAL, field, "%s %u out of range 1..%u", field, vlan,
				      SLUICE_VLAN_MAX);
	return 0;
}

static int check_vni(uint32_t vni, struct sluice_err *err)
{
	if (vni > SLUICE_VNI_MAX)
		return sluice_err_set(err, -EINVAL, "vni", "vni %u out of range 0..%u", vni,
				      SLUICE_VNI_MAX);
	return 0;
}

/* ---- Configuration ------------------------------------------------------ */

struct sluice_config *sluice_config_new(uint16_t nb_ports)
{
	struct sluice_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	cfg->nb_ports = nb_ports;
	return cfg;
}

static void tenant_release(struct sluice_tenant *t)
{
	free(t->matches);
	free(t->flows);
	free(t->rules);
	free(t->npu_contexts);
	free(t->vnics);
	tdestroy(t->flow_tuples, free);
	tdestroy(t->flow_names, free);
	tdestroy(t->rule_names, free);
}

void sluice_config_free(struct sluice_config *cfg)
{
	uint32_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nb_tenants; i++)
		tenant_release(&cfg->tenants[i]);
	free(cfg->tenants);
	free(cfg->npu.models);
	tdestroy(cfg->match_index, free);
	free(cfg);
}

static void *memdup(const void *p, size_t n)
{
	void *q;

	if (n == 0 || p == NULL)
		return NULL;
	q = malloc(n);
	if (q != NULL)
		memcpy(q, p, n);
	return q;
}

/* Build a copied tenant's indexes from its arrays (which are known valid). */
static int tenant_reindex(struct sluice_config *cfg, struct sluice_tenant *t)
{
	struct tuple_key tk;
	struct match_key mk;
	uint32_t i;
	int rc;

	for (i = 0; i < t->nb_matches; i++) {
		match_pack(&t->matches[i], t->name, &mk);
		rc = index_add(&cfg->match_index, &mk, sizeof(mk), cmp_match);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < t->nb_flows; i++) {
		tuple_pack(&t->flows[i].match, &tk);
		memcpy(tk.name, t->flows[i].name, sizeof(tk.name));
		rc = index_add(&t->flow_tuples, &tk, sizeof(tk), cmp_tuple);
		if (rc == 0)
			rc = index_add(&t->flow_names, t->flows[i].name, SLUICE_NAME_MAX, cmp_str);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < t->nb_rules; i++) {
		rc = index_add(&t->rule_names, t->rules[i].name, SLUICE_NAME_MAX, cmp_str);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct sluice_config *sluice_config_clone(const struct sluice_config *cfg)
{
	struct sluice_config *c = sluice_config_new(cfg->nb_ports);
	uint32_t i;

	if (c == NULL)
		return NULL;
	c->npu = cfg->npu;
	c->npu.models = memdup(cfg->npu.models, cfg->npu.nb_models * sizeof(*cfg->npu.models));
	c->npu.cap_models = cfg->npu.nb_models;
	if (cfg->npu.nb_models && c->npu.models == NULL)
		goto out_free_config;
	if (cfg->nb_tenants != 0) {
		c->tenants = calloc(cfg->nb_tenants, sizeof(*c->tenants));
		if (c->tenants == NULL)
			goto out_free_config;
		c->cap_tenants = cfg->nb_tenants;
	}
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *s = &cfg->tenants[i];
		struct sluice_tenant *t = &c->tenants[i];

		*t = *s;
		t->matches = memdup(s->matches, s->nb_matches * sizeof(*s->matches));
		t->flows = memdup(s->flows, s->nb_flows * sizeof(*s->flows));
		t->rules = memdup(s->rules, s->nb_rules * sizeof(*s->rules));
		t->npu_contexts =
		    memdup(s->npu_contexts, s->nb_npu_contexts * sizeof(*s->npu_contexts));
		t->vnics = memdup(s->vnics, s->nb_vnics * sizeof(*s->vnics));
		t->cap_vnics = s->nb_vnics;
		t->cap_matches = s->nb_matches;
		t->cap_flows = s->nb_flows;
		t->cap_rules = s->nb_rules;
		t->cap_npu_contexts = s->nb_npu_contexts;
		t->flow_tuples = t->flow_names = t->rule_names = NULL;
		c->nb_tenants = i + 1;
		if ((s->nb_matches && t->matches == NULL) || (s->nb_flows && t->flows == NULL) ||
		    (s->nb_rules && t->rules == NULL) ||
		    (s->nb_npu_contexts && t->npu_contexts == NULL) ||
		    (s->nb_vnics && t->vnics == NULL))
			goto out_free_config;
		if (tenant_reindex(c, t) < 0)
			goto out_free_config;
	}
	c->nb_flows_bound = sluice_config_nb_flows(c);
	c->nb_rules_bound = sluice_config_nb_rules(c);
	return c;

out_free_config:
	sluice_config_free(c);
	errno = ENOMEM;
	return NULL;
}

static int tenant_index(const struct sluice_config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->nb_tenants; i++)
		if (strncmp(cfg->tenants[i].name, name, SLUICE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

struct sluice_tenant *sluice_config_tenant(const struct sluice_config *cfg, const char *name)
{
	int i = tenant_index(cfg, name);

	return i < 0 ? NULL : &cfg->tenants[i];
}

uint32_t sluice_config_nb_flows(const struct sluice_config *cfg)
{
	uint32_t i, n = 0;

	for (i = 0; i < cfg->nb_tenants; i++)
		n += cfg->tenants[i].nb_flows;
	return n;
}

uint32_t sluice_config_nb_rules(const struct sluice_config *cfg)
{
	uint32_t i, n = 0;

	for (i = 0; i < cfg->nb_tenants; i++)
		n += cfg->tenants[i].nb_rules;
	return n;
}

/* ---- Tenants -------------------------------------------------------------- */

int sluice_model_tenant_add(struct sluice_config *cfg, const char *name, struct sluice_pos pos,
			    struct sluice_tenant **out, struct sluice_err *err)
{
	struct sluice_tenant *t;
	int rc;

	rc = check_name("tenant", "name", name, err);
	if (rc < 0)
		return rc;
	if (tenant_index(cfg, name) >= 0)
		return sluice_err_set(err, -EEXIST, "name", "tenant '%s' already exists", name);
	if (cfg->nb_tenants >= SLUICE_TENANTS_MAX)
		return sluice_err_set(err, -ENOSPC, "", "too many tenants (limit %u)",
				      SLUICE_TENANTS_MAX);
	if (grow((void **)&cfg->tenants, &cfg->cap_tenants, cfg->nb_tenants, sizeof(*t)) < 0)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	t = &cfg->tenants[cfg->nb_tenants++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->default_actions.flags = SLUICE_ACT_DROP;
	t->pos = pos;
	if (out != NULL)
		*out = t;
	return 0;
}

int sluice_model_tenant_del(struct sluice_config *cfg, const char *name, struct sluice_err *err)
{
	struct sluice_tenant *t;
	struct match_key mk;
	char buf[48];
	int i = tenant_index(cfg, name);
	uint32_t j;

	if (i < 0)
		return sluice_err_set(err, -ENOENT, "name", "no tenant '%s'", printable(name, buf));
	t = &cfg->tenants[i];
	for (j = 0; j < t->nb_matches; j++) {
		match_pack(&t->matches[j], t->name, &mk);
		index_del(&cfg->match_index, &mk, cmp_match);
	}
	cfg->nb_flows_bound -= t->nb_flows;
	cfg->nb_rules_bound -= t->nb_rules;
	tenant_release(t);
	memmove(t, t + 1, (cfg->nb_tenants - (uint32_t)i - 1) * sizeof(*t));
	cfg->nb_tenants--;
	return 0;
}

int sluice_model_match_add(struct sluice_config *cfg, struct sluice_tenant *t,
			   const struct sluice_match *m, struct sluice_err *err)
{
	const struct match_key *owner;
	struct match_key mk;
	char desc[64];
	int rc;

	switch (m->kind) {
	case SLUICE_MATCH_PORT:
	case SLUICE_MATCH_VLAN:
	case SLUICE_MATCH_QINQ:
		rc = check_port(cfg, m->port, "port", "port", err);
		if (rc == 0 && m->kind != SLUICE_MATCH_PORT)
			rc = check_vlan(m->vlan, "vlan", err);
		if (rc == 0 && m->kind == SLUICE_MATCH_QINQ)
			rc = check_vlan(m->inner_vlan, "inner_vlan", err);
		break;
	case SLUICE_MATCH_VNI:
		rc = m->port == SLUICE_PORT_ANY ? 0 : check_port(cfg, m->port, "port", "port", err);
		if (rc == 0)
			rc = check_vni(m->vni, err);
		break;
	default:
		return sluice_err_set(err, -EINVAL, "", "unknown match kind %d", (int)m->kind);
	}
	if (rc < 0)
		return rc;

	match_pack(m, t->name, &mk);
	owner = index_find(&cfg->match_index, &mk, cmp_match);
	if (owner != NULL) {
		describe_match(m, desc, sizeof(desc));
		return sluice_err_set(err, -EEXIST, "", "tenant '%s' already matches %s",
				      owner->tenant, desc);
	}
	if (grow((void **)&t->matches, &t->cap_matches, t->nb_matches, sizeof(*m)) < 0 ||
	    index_add(&cfg->match_index, &mk, sizeof(mk), cmp_match) < 0)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	/* memcpy, not assignment: copies padding too, so copies compare bytewise. */
	memcpy(&t->matches[t->nb_matches], m, sizeof(*m));
	t->matches[t->nb_matches].vlan = (uint16_t)mk.vlan;
	t->matches[t->nb_matches].inner_vlan = (uint16_t)mk.inner_vlan;
	t->matches[t->nb_matches].vni = mk.vni;
	t->nb_matches++;
	return 0;
}

int sluice_model_match_del(struct sluice_config *cfg, struct sluice_tenant *t,
			   const struct sluice_match *m, struct sluice_err *err)
{
	struct match_key mk, k;
	char desc[64];
	uint32_t j;

	match_pack(m, t->name, &mk);
	for (j = 0; j < t->nb_matches; j++) {
		match_pack(&t->matches[j], t->name, &k);
		if (cmp_match(&k, &mk) == 0)
			break;
	}
	if (j == t->nb_matches) {
		describe_match(m, desc, sizeof(desc));
		return sluice_err_set(err, -ENOENT, "match", "tenant '%s' has no match %s", t->name,
				      desc);
	}
	index_del(&cfg->match_index, &mk, cmp_match);
	memmove(&t->matches[j], &t->matches[j + 1],
		(t->nb_matches - j - 1) * sizeof(*t->matches));
	t->nb_matches--;
	return 0;
}

int sluice_model_tenant_check(const struct sluice_tenant *t, struct sluice_err *err)
{
	/* A tenant with vNICs is recognised by its vNIC ports. */
	if (t->nb_matches == 0 && t->nb_vnics == 0)
		return sluice_err_set(
		    err, -EINVAL, "match",
		    "tenant '%s' has no match; give at least one (e.g. {port: 0})", t->name);
	return 0;
}

/* ---- NPU contexts and models ---------------------------------------------- */

static bool mac_is_zero(const uint8_t mac[6])
{
	return (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0;
}

void sluice_model_npu_context_init(struct sluice_npu_context *c)
{
	memset(c, 0, sizeof(*c));
	c->input.pixel = SLUICE_NPU_PIX_GRAY8;
	c->weight = 1;
	c->batch_threshold = 1;
	c->queue_depth = SLUICE_NPU_QUEUE_DEPTH_DEFAULT;
	c->result.to_sender = true;
}

static int npu_ctx_index(const struct sluice_tenant *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->nb_npu_contexts; i++)
		if (strncmp(t->npu_contexts[i].name, name, SLUICE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

const struct sluice_npu_context *sluice_model_npu_context_find(const struct sluice_tenant *t,
								const char *name)
{
	int i = npu_ctx_index(t, name);

	return i < 0 ? NULL : &t->npu_contexts[i];
}

static int npu_model_index(const struct sluice_config *cfg, const char *name)
{
	uint32_t i;

	for (i = 0; i < cfg->npu.nb_models; i++)
		if (strncmp(cfg->npu.models[i].name, name, SLUICE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

/* Every field but the name at its default (field by field: callers' padding is theirs). */
static bool npu_ctx_is_bare(const struct sluice_npu_context *c)
{
	const struct sluice_npu_result_dest *r = &c->result;
	const struct sluice_npu_input *in = &c->input;

	return in->format == 0 && in->pixel == SLUICE_NPU_PIX_GRAY8 && in->width == 0 &&
	       in->height == 0 && in->payload_type == 0 && c->weight == 1 && c->priority == 0 &&
	       c->quota_fps == 0 && c->batch_threshold == 1 && c->batch_timeout_us == 0 &&
	       c->queue_depth == SLUICE_NPU_QUEUE_DEPTH_DEFAULT && c->window == 0 && r->to_sender;
}

static int check_result_dest(const struct sluice_config *cfg, const struct sluice_npu_result_dest *r,
			     struct sluice_err *err)
{
	int rc;

	if (r->to_sender)
		return 0;
	rc = check_port(cfg, r->port, "port", "result port", err);
	if (rc < 0)
		return rc;
	if (mac_is_zero(r->dst_mac))
		return sluice_err_set(err, -EINVAL, "dst_mac",
				      "dst_mac must not be 00:00:00:00:00:00");
	if (mac_is_zero(r->src_mac))
		return sluice_err_set(err, -EINVAL, "src_mac",
				      "src_mac must not be 00:00:00:00:00:00");
	if (r->src_mac[0] & 1)
		return sluice_err_set(err, -EINVAL, "src_mac",
				      "src_mac must not be a multicast address");
	if (r->src_ip == 0)
		return sluice_err_set(err, -EINVAL, "src_ip", "src_ip must not be 0.0.0.0");
	if (r->dst_ip == 0)
		return sluice_err_set(err, -EINVAL, "dst_ip", "dst_ip must not be 0.0.0.0");
	if (r->dport == 0)
		return sluice_err_set(err, -EINVAL, "dport", "dport must not be 0");
	return 0;
}

static int check_npu_input(const struct sluice_npu_input *in, struct sluice_err *err)
{
	if (in->format != SLUICE_NPU_FMT_RFC4175 && in->format != SLUICE_NPU_FMT_TENSOR)
		return sluice_err_set(err, -EINVAL, "format", "format %d is not rfc4175 or tensor",
				      (int)in->format);
	if (in->pixel != SLUICE_NPU_PIX_GRAY8 && in->pixel != SLUICE_NPU_PIX_RGB8)
		return sluice_err_set(err, -EINVAL, "pixel", "pixel %d is not gray8 or rgb8",
				      (int)in->pixel);
	if (in->width < 1 || in->width > SLUICE_NPU_SIDE_MAX)
		return sluice_err_set(err, -EINVAL, "width", "width %u out of range 1..%u",
				      in->width, SLUICE_NPU_SIDE_MAX);
	if (in->height < 1 || in->height > SLUICE_NPU_SIDE_MAX)
		return sluice_err_set(err, -EINVAL, "height", "height %u out of range 1..%u",
				      in->height, SLUICE_NPU_SIDE_MAX);
	if (in->format == SLUICE_NPU_FMT_TENSOR && in->payload_type != 0)
		return sluice_err_set(err, -EINVAL, "payload_type",
				      "payload_type applies to rfc4175 input only");
	if (in->payload_type != 0 && (in->payload_type < 96 || in->payload_type > 127))
		return sluice_err_set(err, -EINVAL, "payload_type",
				      "payload_type %u out of range 96..127 (or 0 for any)",
				      in->payload_type);
	return 0;
}

static int check_npu_context(const struct sluice_config *cfg, const struct sluice_npu_context *c,
			     struct sluice_err *err)
{
	uint64_t frame, need;
	char buf[48];
	int rc;

	if (c->model[0] == '\0') {
		if (!npu_ctx_is_bare(c))
			return sluice_err_set(
			    err, -EINVAL, "model",
			    "npu context '%s' has no model; a context without one takes "
			    "only a name",
			    c->name);
		return 0;
	}
	if (memchr(c->model, '\0', SLUICE_NAME_MAX) == NULL || npu_model_index(cfg, c->model) < 0) {
		memcpy(buf, c->model, SLUICE_NAME_MAX);
		buf[SLUICE_NAME_MAX - 1] = '\0';
		return sluice_err_set(err, -EINVAL, "model",
				      "model '%s' is not one of the npu section's models",
				      printable(buf, buf));
	}
	rc = check_npu_input(&c->input, err);
	if (rc < 0)
		return rc;
	if (c->weight < 1 || c->weight > SLUICE_NPU_WEIGHT_MAX)
		return sluice_err_set(err, -EINVAL, "weight", "weight %u out of range 1..%u",
				      c->weight, SLUICE_NPU_WEIGHT_MAX);
	if (c->priority > SLUICE_NPU_PRIORITY_MAX)
		return sluice_err_set(err, -EINVAL, "priority", "priority %u out of range 0..%u",
				      c->priority, SLUICE_NPU_PRIORITY_MAX);
	if (c->quota_fps > SLUICE_NPU_QUOTA_MAX)
		return sluice_err_set(err, -EINVAL, "quota_fps", "quota_fps %u out of range 0..%u",
				      c->quota_fps, SLUICE_NPU_QUOTA_MAX);
	if (c->queue_depth < 1 || c->queue_depth > SLUICE_NPU_QUEUE_DEPTH_MAX)
		return sluice_err_set(err, -EINVAL, "queue_depth",
				      "queue_depth %u out of range 1..%u", c->queue_depth,
				      SLUICE_NPU_QUEUE_DEPTH_MAX);
	if (c->batch_threshold < 1 || c->batch_threshold > c->queue_depth)
		return sluice_err_set(err, -EINVAL, "threshold",
				      "threshold %u out of range 1..%u (the queue_depth)",
				      c->batch_threshold, c->queue_depth);
	if (c->batch_timeout_us > SLUICE_NPU_BATCH_TIMEOUT_MAX_US)
		return sluice_err_set(err, -EINVAL, "timeout_us",
				      "timeout_us %u out of range 0..%u", c->batch_timeout_us,
				      SLUICE_NPU_BATCH_TIMEOUT_MAX_US);
	frame = (uint64_t)c->input.width * c->input.height * (uint64_t)c->input.pixel;
	need = frame * c->queue_depth;
	if (c->window > SLUICE_NPU_WINDOW_MAX)
		return sluice_err_set(err, -EINVAL, "window", "window %llu out of range 0..%llu",
				      (unsigned long long)c->window,
				      (unsigned long long)SLUICE_NPU_WINDOW_MAX);
	if (c->window != 0 && c->window < need)
		return sluice_err_set(
		    err, -EINVAL, "window",
		    "window %llu is too small for queue_depth %u frames of %llu bytes "
		    "(at least %llu)",
		    (unsigned long long)c->window, c->queue_depth, (unsigned long long)frame,
		    (unsigned long long)need);
	return check_result_dest(cfg, &c->result, err);
}

static int npu_ctx_insert(struct sluice_tenant *t, const struct sluice_npu_context *c,
			  const char *field, struct sluice_err *err)
{
	if (npu_ctx_index(t, c->name) >= 0)
		return sluice_err_set(err, -EEXIST, field, "npu context '%s' already declared",
				      c->name);
	if (t->nb_npu_contexts >= SLUICE_NPU_CONTEXTS_MAX)
		return sluice_err_set(err, -ENOSPC, field, "too many npu contexts (limit %u)",
				      SLUICE_NPU_CONTEXTS_MAX);
	if (grow((void **)&t->npu_contexts, &t->cap_npu_contexts, t->nb_npu_contexts,
		 sizeof(*t->npu_contexts)) < 0)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	/* memcpy of a zero-padded name: copies of the table compare bytewise. */
	memcpy(&t->npu_contexts[t->nb_npu_contexts], c, sizeof(*c));
	memset(t->npu_contexts[t->nb_npu_contexts].name, 0, SLUICE_NAME_MAX);
	memcpy(t->npu_contexts[t->nb_npu_contexts].name, c->name, strlen(c->name));
	t->nb_npu_contexts++;
	return 0;
}

int sluice_model_npu_context_add(struct sluice_tenant *t, const char *name, struct sluice_err *err)
{
	struct sluice_npu_context c;
	int rc;

	rc = check_name("npu context", "npu_contexts", name, err);
	if (rc < 0)
		return rc;
	sluice_model_npu_context_init(&c);
	memcpy(c.name, name, strlen(name));
	return npu_ctx_insert(t, &c, "npu_contexts", err);
}

int sluice_model_npu_context_define(const struct sluice_config *cfg, struct sluice_tenant *t,
				    const struct sluice_npu_context *c, struct sluice_err *err)
{
	int rc;

	if (memchr(c->name, '\0', SLUICE_NAME_MAX) == NULL)
		return sluice_err_set(err, -EINVAL, "name",
				      "npu context name is longer than %d characters",
				      SLUICE_NAME_MAX - 1);
	rc = check_name("npu context", "name", c->name, err);
	if (rc == 0)
		rc = check_npu_context(cfg, c, err);
	if (rc < 0)
		return rc;
	return npu_ctx_insert(t, c, "name", err);
}

/* The first flow, rule or default of `t` that sends to context `name`, for -EBUSY. */
static const char *npu_ctx_user(const struct sluice_tenant *t, const char *name, char *kind)
{
	uint32_t i;

	for (i = 0; i < t->nb_flows; i++)
		if ((t->flows[i].actions.flags & SLUICE_ACT_TO_NPU) &&
		    strncmp(t->flows[i].actions.npu_context, name, SLUICE_NAME_MAX) == 0)
			return *kind = 'f', t->flows[i].name;
	for (i = 0; i < t->nb_rules; i++)
		if ((t->rules[i].actions.flags & SLUICE_ACT_TO_NPU) &&
		    strncmp(t->rules[i].actions.npu_context, name, SLUICE_NAME_MAX) == 0)
			return *kind = 'r', t->rules[i].name;
	if ((t->default_actions.flags & SLUICE_ACT_TO_NPU) &&
	    strncmp(t->default_actions.npu_context, name, SLUICE_NAME_MAX) == 0)
		return *kind = 'd', "default";
	return NULL;
}

int sluice_model_npu_context_del(struct sluice_tenant *t, const char *name, struct sluice_err *err)
{
	const char *user;
	char buf[48], kind;
	int i = npu_ctx_index(t, name);

	if (i < 0)
		return sluice_err_set(err, -ENOENT, "name", "no npu context '%s' in tenant '%s'",
				      printable(name, buf), t->name);
	user = npu_ctx_user(t, name, &kind);
	if (user != NULL) {
		if (kind == 'd')
			return sluice_err_set(err, -EBUSY, "name",
					      "npu context '%s' is used by tenant '%s' default",
					      name, t->name);
		return sluice_err_set(err, -EBUSY, "name", "npu context '%s' is used by %s '%s'",
				      name, kind == 'f' ? "flow" : "rule", user);
	}
	memmove(&t->npu_contexts[i], &t->npu_contexts[i + 1],
		(t->nb_npu_contexts - (uint32_t)i - 1) * sizeof(*t->npu_contexts));
	t->nb_npu_contexts--;
	return 0;
}

int sluice_model_npu_set(struct sluice_config *cfg, const char *device, enum sluice_npu_copy copy,
			 struct sluice_err *err)
{
	char buf[48];
	size_t i, len;

	len = strnlen(device, SLUICE_NPU_SPEC_MAX);
	if (len >= SLUICE_NPU_SPEC_MAX)
		return sluice_err_set(err, -EINVAL, "device",
				      "device '%s' is longer than %d characters",
				      printable(device, buf), SLUICE_NPU_SPEC_MAX - 1);
	for (i = 0; i < len; i++)
		if (device[i] <= 0x20 || device[i] >= 0x7f)
			return sluice_err_set(
			    err, -EINVAL, "device",
			    "device '%s' has a space or a non-printable character",
			    printable(device, buf));
	if ((unsigned int)copy > SLUICE_NPU_COPY_ZEROCOPY)
		return sluice_err_set(err, -EINVAL, "copy",
				      "copy %d is not cpu, dmadev or zerocopy", (int)copy);
	memset(cfg->npu.device, 0, sizeof(cfg->npu.device));
	memcpy(cfg->npu.device, device, len);
	cfg->npu.copy = copy;
	return 0;
}

int sluice_model_npu_model_add(struct sluice_config *cfg, const struct sluice_npu_model_ref *m,
			       struct sluice_err *err)
{
	struct sluice_npu_model_ref *dst;
	size_t len, i;
	int rc;

	if (memchr(m->name, '\0', SLUICE_NAME_MAX) == NULL)
		return sluice_err_set(err, -EINVAL, "name",
				      "model name is longer than %d characters",
				      SLUICE_NAME_MAX - 1);
	rc = check_name("model", "name", m->name, err);
	if (rc < 0)
		return rc;
	len = strnlen(m->file, SLUICE_NPU_PATH_MAX);
	if (len == 0)
		return sluice_err_set(err, -EINVAL, "file", "model '%s' has an empty file",
				      m->name);
	if (len >= SLUICE_NPU_PATH_MAX)
		return sluice_err_set(err, -EINVAL, "file",
				      "model '%s' file is longer than %d characters", m->name,
				      SLUICE_NPU_PATH_MAX - 1);
	for (i = 0; i < len; i++)
		if (m->file[i] < 0x20 || m->file[i] >= 0x7f)
			return sluice_err_set(err, -EINVAL, "file",
					      "model '%s' file has a non-printable character",
					      m->name);
	if (npu_model_index(cfg, m->name) >= 0)
		return sluice_err_set(err, -EEXIST, "name", "model '%s' already exists", m->name);
	if (cfg->npu.nb_models >= SLUICE_NPU_MODEL_REFS_MAX)
		return sluice_err_set(err, -ENOSPC, "models", "too many models (limit %u)",
				      SLUICE_NPU_MODEL_REFS_MAX);
	if (grow((void **)&cfg->npu.models, &cfg->npu.cap_models, cfg->npu.nb_models,
		 sizeof(*m)) < 0)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	dst = &cfg->npu.models[cfg->npu.nb_models++];
	memset(dst, 0, sizeof(*dst));
	memcpy(dst->name, m->name, strlen(m->name));
	memcpy(dst->file, m->file, len);
	dst->pos = m->pos;
	return 0;
}

int sluice_model_npu_model_del(struct sluice_config *cfg, const char *name, struct sluice_err *err)
{
	int i = npu_model_index(cfg, name);
	uint32_t k, j;
	char buf[48];

	if (i < 0)
		return sluice_err_set(err, -ENOENT, "name", "no model '%s'", printable(name, buf));
	for (k = 0; k < cfg->nb_tenants; k++)
		for (j = 0; j < cfg->tenants[k].nb_npu_contexts; j++)
			if (strncmp(cfg->tenants[k].npu_contexts[j].model, name, SLUICE_NAME_MAX) == 0)
				return sluice_err_set(
				    err, -EBUSY, "name",
				    "model '%s' is used by npu context '%s' of tenant '%s'", name,
				    cfg->tenants[k].npu_contexts[j].name, cfg->tenants[k].name);
	memmove(&cfg->npu.models[i], &cfg->npu.models[i + 1],
		(cfg->npu.nb_models - (uint32_t)i - 1) * sizeof(*cfg->npu.models));
	cfg->npu.nb_models--;
	return 0;
}

static const char *const copy_names[] = {"cpu", "dmadev", "zerocopy"};
static const char *const format_names[] = {[SLUICE_NPU_FMT_RFC4175] = "rfc4175",
					   [SLUICE_NPU_FMT_TENSOR] = "tensor"};
static const char *const pixel_names[] = {[SLUICE_NPU_PIX_GRAY8] = "gray8",
					  [SLUICE_NPU_PIX_RGB8] = "rgb8"};
#define NAMES_DIM(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n && names[v] != NULL ? names[v] : "unknown";
}

static int name_parse(const char *const *names, size_t n, const char *s, int *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(s, names[i]) == 0) {
			*v = (int)i;
			return 0;
		}
	return -EINVAL;
}

const char *sluice_npu_copy_name(enum sluice_npu_copy copy)
{
	return name_of(copy_names, NAMES_DIM(copy_names), (int)copy);
}

const char *sluice_npu_format_name(enum sluice_npu_format fmt)
{
	return name_of(format_names, NAMES_DIM(format_names), (int)fmt);
}

const char *sluice_npu_pixel_name(enum sluice_npu_pixel pix)
{
	return name_of(pixel_names, NAMES_DIM(pixel_names), (int)pix);
}

int sluice_npu_copy_parse(const char *s, enum sluice_npu_copy *copy)
{
	int v, rc = name_parse(copy_names, NAMES_DIM(copy_names), s, &v);

	if (rc == 0)
		*copy = (enum sluice_npu_copy)v;
	return rc;
}

int sluice_npu_format_parse(const char *s, enum sluice_npu_format *fmt)
{
	int v, rc = name_parse(format_names, NAMES_DIM(format_names), s, &v);

	if (rc == 0)
		*fmt = (enum sluice_npu_format)v;
	return rc;
}

int sluice_npu_pixel_parse(const char *s, enum sluice_npu_pixel *pix)
{
	int v, rc = name_parse(pixel_names, NAMES_DIM(pixel_names), s, &v);

	if (rc == 0)
		*pix = (enum sluice_npu_pixel)v;
	return rc;
}

/* ---- Actions -------------------------------------------------------------- */

int sluice_model_actions_check(const struct sluice_config *cfg, const struct sluice_tenant *t,
			       const struct sluice_actions *a, struct sluice_err *err)
{
	static const char *const terminal_names[] = {"forward", "drop", "to_npu", "switch"};
	uint32_t term = a->flags & SLUICE_ACT_TERMINAL;
	char names[64] = "";
	unsigned int i;
	int rc;

	if (a->flags & ~SLUICE_ACT_ALL)
		return sluice_err_set(err, -EINVAL, "actions", "unknown action flags 0x%x",
				      a->flags & ~SLUICE_ACT_ALL);
	if (term == 0)
		return sluice_err_set(
		    err, -EINVAL, "actions",
		    "no terminal action (one of forward, drop, to_npu or switch is required)");
	if (term & (term - 1)) {
		for (i = 0; i < 4; i++)
			if (term & (SLUICE_ACT_FORWARD << i))
				snprintf(names + strlen(names), sizeof(names) - strlen(names),
					 "%s%s", names[0] ? " and " : "", terminal_names[i]);
		return sluice_err_set(err, -EINVAL, "actions",
				      "more than one terminal action (%s); give exactly one",
				      names);
	}
	/* The tenant's uplink decides how switched frames are wrapped. */
	if ((a->flags & SLUICE_ACT_SWITCH) && (a->flags & (SLUICE_ACT_DECAP | SLUICE_ACT_ENCAP)))
		return sluice_err_set(
		    err, -EINVAL, "switch",
		    "switch cannot be combined with %s (the tenant's uplink says how "
		    "switched frames are wrapped)",
		    (a->flags & SLUICE_ACT_DECAP) ? "vxlan_decap" : "vxlan_encap");
	if (a->flags & SLUICE_ACT_FORWARD) {
		rc = check_port(cfg, a->port, "forward", "forward port", err);
		if (rc < 0)
			return rc;
	}
	if (a->flags & SLUICE_ACT_METER) {
		const struct sluice_meter *m = &a->meter;

		if (m->cir == 0)
			return sluice_err_set(err, -EINVAL, "cir", "cir must be greater than 0");
		if (m->cir > m->pir)
			return sluice_err_set(err, -EINVAL, "cir", "cir %llu exceeds pir %llu",
					      (unsigned long long)m->cir,
					      (unsigned long long)m->pir);
		if (m->cbs == 0)
			return sluice_err_set(err, -EINVAL, "cbs", "cbs must be greater than 0");
		if (m->pbs == 0)
			return sluice_err_set(err, -EINVAL, "pbs", "pbs must be greater than 0");
	}
	if (a->flags & SLUICE_ACT_ENCAP) {
		const struct sluice_vxlan_encap *e = &a->encap;

		rc = check_vni(e->vni, err);
		if (rc < 0)
			return rc;
		if (mac_is_zero(e->src_mac))
			return sluice_err_set(err, -EINVAL, "src_mac",
					      "src_mac must not be 00:00:00:00:00:00");
		if (e->src_mac[0] & 1)
			return sluice_err_set(err, -EINVAL, "src_mac",
					      "src_mac must not be a multicast address");
		if (mac_is_zero(e->dst_mac))
			return sluice_err_set(err, -EINVAL, "dst_mac",
					      "dst_mac must not be 00:00:00:00:00:00");
		if (e->src_ip == 0)
			return sluice_err_set(err, -EINVAL, "src_ip", "src_ip must not be 0.0.0.0");
		if (e->dst_ip == 0)
			return sluice_err_set(err, -EINVAL, "dst_ip", "dst_ip must not be 0.0.0.0");
	}
	if (a->flags & SLUICE_ACT_TO_NPU) {
		char buf[48];

		for (i = 0; i < t->nb_npu_contexts; i++)
			if (strncmp(t->npu_contexts[i].name, a->npu_context, SLUICE_NAME_MAX) == 0)
				return 0;
		memcpy(buf, a->npu_context, SLUICE_NAME_MAX);
		buf[SLUICE_NAME_MAX - 1] = '\0';
		return sluice_err_set(err, -EINVAL, "to_npu",
				      "npu context '%s' is not declared by tenant '%s'",
				      printable(buf, buf), t->name);
	}
	return 0;
}

int sluice_model_default_set(struct sluice_config *cfg, struct sluice_tenant *t,
			     const struct sluice_actions *a, struct sluice_err *err)
{
	int rc = sluice_model_actions_check(cfg, t, a, err);

	if (rc < 0)
		return rc;
	memcpy(&t->default_actions, a, sizeof(*a));
	return 0;
}

/* ---- Flows and rules ------------------------------------------------------ */

static bool bits_beyond(const uint8_t addr[16], unsigned int len)
{
	unsigned int i;

	for (i = len / 8; i < 16; i++) {
		uint8_t mask = (i == len / 8) ? (uint8_t)(0xff >> (len % 8)) : 0xff;

		if (addr[i] & mask)
			return true;
	}
	return false;
}

static const char *addr_str(uint8_t family, const uint8_t addr[16], char buf[INET6_ADDRSTRLEN])
{
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, INET6_ADDRSTRLEN) == NULL)
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static int check_prefix(uint8_t family, const uint8_t addr[16], uint8_t len, bool exact,
			const char *field, struct sluice_err *err)
{
	unsigned int max = family == 4 ? 32 : 128;
	char buf[INET6_ADDRSTRLEN];

	if (len > max)
		return sluice_err_set(err, -EINVAL, field, "%s prefix length %u out of range 0..%u",
				      field, len, max);
	if (exact && len != max) {
		if (len == 0)
			return sluice_err_set(
			    err, -EINVAL, field,
			    "%s any is not allowed in an exact flow; give a host address", field);
		return sluice_err_set(
		    err, -EINVAL, field,
		    "%s %s/%u is not a host address; exact flows need /%u (use a rule)", field,
		    addr_str(family, addr, buf), len, max);
	}
	if (bits_beyond(addr, len))
		return sluice_err_set(err, -EINVAL, field,
				      "%s %s/%u has bits set beyond the prefix length", field,
				      addr_str(family, addr, buf), len);
	return 0;
}

static int check_ports(uint16_t lo, uint16_t hi, bool exact, const char *field,
		       struct sluice_err *err)
{
	if (lo > hi)
		return sluice_err_set(err, -EINVAL, field, "%s range %u-%u is empty (low > high)",
				      field, lo, hi);
	if (exact && lo != hi)
		return sluice_err_set(
		    err, -EINVAL, field,
		    "%s %u-%u is a range; an exact flow needs one port (use a rule)", field, lo,
		    hi);
	return 0;
}

static int check_flow_match(const struct sluice_flow_match *m, bool exact, struct sluice_err *err)
{
	int rc;

	if (m->family != 4 && m->family != 6)
		return sluice_err_set(err, -EINVAL, "family", "family %u is not 4 or 6", m->family);
	if (exact && m->proto_any)
		return sluice_err_set(err, -EINVAL, "proto",
				      "proto any is not allowed in an exact flow; give a protocol");
	rc = check_prefix(m->family, m->src, m->src_len, exact, "src", err);
	if (rc == 0)
		rc = check_prefix(m->family, m->dst, m->dst_len, exact, "dst", err);
	if (rc == 0)
		rc = check_ports(m->sport_lo, m->sport_hi, exact, "sport", err);
	if (rc == 0)
		rc = check_ports(m->dport_lo, m->dport_hi, exact, "dport", err);
	return rc;
}

/* Validate the name of a new flow or rule, or pick "<kind>N" for an empty one. */
static int entry_name(const char *kind, void *const *names, const char *in, uint32_t n,
		      char out[SLUICE_NAME_MAX], struct sluice_err *err)
{
	char buf[SLUICE_NAME_MAX];
	int rc;

	if (memchr(in, '\0', SLUICE_NAME_MAX) == NULL)
		return sluice_err_set(err, -EINVAL, "name", "%s name is longer than %d characters",
				      kind, SLUICE_NAME_MAX - 1);
	if (in[0] != '\0') {
		rc = check_name(kind, "name", in, err);
		if (rc < 0)
			return rc;
		if (index_find(names, in, cmp_str) != NULL)
			return sluice_err_set(err, -EEXIST, "name", "%s '%s' already exists", kind,
					      in);
		memcpy(out, in, SLUICE_NAME_MAX);
		return 0;
	}
	/* Bounded: at most as many names taken as entries exist. */
	do {
		memset(buf, 0, sizeof(buf));
		snprintf(buf, sizeof(buf), "%s%u", kind, n++);
	} while (index_find(names, buf, cmp_str) != NULL);
	memcpy(out, buf, SLUICE_NAME_MAX);
	return 0;
}

int sluice_model_flow_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_flow *f, struct sluice_err *err)
{
	const struct tuple_key *dup;
	struct tuple_key tk;
	char name[SLUICE_NAME_MAX];
	int rc;

	if (cfg->nb_flows_bound >= SLUICE_FLOWS_MAX) {
		cfg->nb_flows_bound = sluice_config_nb_flows(cfg);
		if (cfg->nb_flows_bound >= SLUICE_FLOWS_MAX)
			return sluice_err_set(err, -ENOSPC, "", "too many flows (limit %u)",
					      SLUICE_FLOWS_MAX);
	}
	rc = entry_name("flow", &t->flow_names, f->name, t->nb_flows, name, err);
	if (rc == 0)
		rc = check_flow_match(&f->match, true, err);
	if (rc == 0)
		rc = sluice_model_actions_check(cfg, t, &f->actions, err);
	if (rc < 0)
		return rc;
	tuple_pack(&f->match, &tk);
	memcpy(tk.name, name, sizeof(tk.name));
	dup = index_find(&t->flow_tuples, &tk, cmp_tuple);
	if (dup != NULL)
		return sluice_err_set(err, -EEXIST, "match",
				      "flow '%s' has the same 5-tuple as flow '%s'", name,
				      dup->name);

	if (grow((void **)&t->flows, &t->cap_flows, t->nb_flows, sizeof(*f)) < 0)
		goto out_nomem;
	if (index_add(&t->flow_tuples, &tk, sizeof(tk), cmp_tuple) < 0)
		goto out_nomem;
	if (index_add(&t->flow_names, name, sizeof(name), cmp_str) < 0)
		goto out_del_tuple;
	memcpy(&t->flows[t->nb_flows], f, sizeof(*f));
	memcpy(t->flows[t->nb_flows].name, name, SLUICE_NAME_MAX);
	t->flows[t->nb_flows].priority = 0;
	t->nb_flows++;
	cfg->nb_flows_bound++;
	return 0;

out_del_tuple:
	index_del(&t->flow_tuples, &tk, cmp_tuple);
out_nomem:
	return sluice_err_set(err, -ENOMEM, "", "out of memory");
}

int sluice_model_rule_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_flow *r, struct sluice_err *err)
{
	char name[SLUICE_NAME_MAX];
	int rc;

	if (cfg->nb_rules_bound >= SLUICE_RULES_MAX) {
		cfg->nb_rules_bound = sluice_config_nb_rules(cfg);
		if (cfg->nb_rules_bound >= SLUICE_RULES_MAX)
			return sluice_err_set(err, -ENOSPC, "", "too many rules (limit %u)",
					      SLUICE_RULES_MAX);
	}
	rc = entry_name("rule", &t->rule_names, r->name, t->nb_rules, name, err);
	if (rc < 0)
		return rc;
	if (r->priority > SLUICE_PRIORITY_MAX)
		return sluice_err_set(err, -EINVAL, "priority", "priority %u out of range 0..%u",
				      r->priority, SLUICE_PRIORITY_MAX);
	rc = check_flow_match(&r->match, false, err);
	if (rc == 0)
		rc = sluice_model_actions_check(cfg, t, &r->actions, err);
	if (rc < 0)
		return rc;

	if (grow((void **)&t->rules, &t->cap_rules, t->nb_rules, sizeof(*r)) < 0 ||
	    index_add(&t->rule_names, name, sizeof(name), cmp_str) < 0)
		return sluice_err_set(err, -ENOMEM, "", "out of memory");
	memcpy(&t->rules[t->nb_rules], r, sizeof(*r));
	memcpy(t->rules[t->nb_rules].name, name, SLUICE_NAME_MAX);
	t->nb_rules++;
	cfg->nb_rules_bound++;
	return 0;
}

static int entry_find(const struct sluice_flow *arr, uint32_t nb, const char *name)
{
	uint32_t i;

	for (i = 0; i < nb; i++)
		if (strncmp(arr[i].name, name, SLUICE_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

int sluice_model_flow_del(struct sluice_tenant *t, const char *name, struct sluice_err *err)
{
	struct tuple_key tk;
	char buf[48];
	int i = entry_find(t->flows, t->nb_flows, name);

	if (i < 0)
		return sluice_err_set(err, -ENOENT, "name", "no flow '%s' in tenant '%s'",
				      printable(name, buf), t->name);
	tuple_pack(&t->flows[i].match, &tk);
	index_del(&t->flow_tuples, &tk, cmp_tuple);
	index_del(&t->flow_names, t->flows[i].name, cmp_str);
	memmove(&t->flows[i], &t->flows[i + 1],
		(t->nb_flows - (uint32_t)i - 1) * sizeof(*t->flows));
	t->nb_flows--;
	return 0;
}

int sluice_model_rule_del(struct sluice_tenant *t, const char *name, struct sluice_err *err)
{
	char buf[48];
	int i = entry_find(t->rules, t->nb_rules, name);

	if (i < 0)
		return sluice_err_set(err, -ENOENT, "name", "no rule '%s' in tenant '%s'",
				      printable(name, buf), t->name);
	index_del(&t->rule_names, t->rules[i].name, cmp_str);
	/* Keep file order: it breaks ties between equal priorities. */
	memmove(&t->rules[i], &t->rules[i + 1],
		(t->nb_rules - (uint32_t)i - 1) * sizeof(*t->rules));
	t->nb_rules--;
	return 0;
}

/* ---- Parsers -------------------------------------------------------------- */

int sluice_model_parse_prefix(const char *s, uint8_t *family, uint8_t addr[16], uint8_t *len)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, plen = 0;
	uint8_t fam;

	memset(addr, 0, 16);
	if (strcmp(s, "any") == 0) {
		*family = 0;
		*len = 0;
		return 0;
	}
	if (alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1) {
		fam = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, addr) == 1) {
		fam = 6;
		max = 128;
	} else {
		memset(addr, 0, 16);
		return -EINVAL;
	}
	if (slash == NULL) {
		plen = max;
	} else {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3)
			goto out_bad;
		for (; *p != '\0'; p++) {
			if (*p < '0' || *p > '9')
				goto out_bad;
			plen = plen * 10 + (unsigned int)(*p - '0');
		}
		if (plen > max)
			goto out_bad;
	}
	*family = fam;
	*len = (uint8_t)plen;
	return 0;

out_bad:
	memset(addr, 0, 16);
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sluice_model_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t out[6];
	int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, out, 6);
	return 0;
}

int sluice_model_parse_proto(const char *s, uint8_t *proto, bool *any)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}};
	unsigned int i, n = 0;

	if (strcmp(s, "any") == 0) {
		*proto = 0;
		*any = true;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].num;
			*any = false;
			return 0;
		}
	}
	if (s[0] == '\0' || strlen(s) > 3)
		return -EINVAL;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	if (n > 255)
		return -EINVAL;
	*proto = (uint8_t)n;
	*any = false;
	return 0;
}

/* Decimal or 0x-hexadecimal, as tenant files write numbers. */
static int parse_port_number(const char *s, size_t len, uint16_t *out)
{
	unsigned int base = 10, d;
	uint32_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2;
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		int h = hexval(s[i]);

		if (h < 0 || (unsigned int)h >= base)
			return -EINVAL;
		d = (unsigned int)h;
		v = v * base + d;
		if (v > UINT16_MAX) {
			/* Keep reading: a later bad character makes it -EINVAL. */
			for (i++; i < len; i++)
				if (hexval(s[i]) < 0 || (unsigned int)hexval(s[i]) >= base)
					return -EINVAL;
			return -ERANGE;
		}
	}
	*out = (uint16_t)v;
	return 0;
}

int sluice_model_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint16_t a, b;
	int ra, rb;

	if (strcmp(s, "any") == 0) {
		*lo = 0;
		*hi = UINT16_MAX;
		return 0;
	}
	if (dash == NULL) {
		ra = rb = parse_port_number(s, strlen(s), &a);
		b = a;
	} else {
		ra = parse_port_number(s, (size_t)(dash - s), &a);
		rb = parse_port_number(dash + 1, strlen(dash + 1), &b);
	}
	if (ra == -EINVAL || rb == -EINVAL)
		return -EINVAL;
	if (ra < 0 || rb < 0)
		return -ERANGE;
	*lo = a;
	*hi = b;
	return 0;
}

void sluice_model_format_prefix(uint8_t family, const uint8_t addr[16], uint8_t len, char *buf,
				size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (len == 0 || (family != 4 && family != 6)) {
		snprintf(buf, n, "any");
		return;
	}
	addr_str(family, addr, ip);
	if (len == (family == 4 ? 32 : 128))
		snprintf(buf, n, "%s", ip);
	else
		snprintf(buf, n, "%s/%u", ip, len);
}

void sluice_model_format_ports(uint16_t lo, uint16_t hi, char *buf, size_t n)
{
	if (lo == 0 && hi == UINT16_MAX)
		snprintf(buf, n, "any");
	else if (lo == hi)
		snprintf(buf, n, "%u", lo);
	else
		snprintf(buf, n, "%u-%u", lo, hi);
}

void sluice_model_format_proto(uint8_t proto, bool any, char *buf, size_t n)
{
	const char *name = any ? "any" : proto == 6 ? "tcp" : proto == 17 ? "udp"
				 : proto == 1 ? "icmp" : proto == 58 ? "icmpv6" : NULL;

	if (name != NULL)
		snprintf(buf, n, "%s", name);
	else
		snprintf(buf, n, "%u", proto);
}

void sluice_model_format_mac(const uint8_t mac[6], char *buf, size_t n)
{
	snprintf(buf, n, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

const char *sluice_match_kind_name(enum sluice_match_kind kind)
{
	switch (kind) {
	case SLUICE_MATCH_PORT:
		return "port";
	case SLUICE_MATCH_VLAN:
		return "vlan";
	case SLUICE_MATCH_QINQ:
		return "qinq";
	case SLUICE_MATCH_VNI:
		return "vni";
	}
	return "unknown";
}

/* ---- For the model's other files (sluice_model_priv.h) ------------------- */

int model_check_name(const char *what, const char *field, const char *s, struct sluice_err *err)
{
	return check_name(what, field, s, err);
}

int model_check_port(const struct sluice_config *cfg, uint16_t port, const char *field,
		     const char *label, struct sluice_err *err)
{
	return check_port(cfg, port, field, label, err);
}

const char *model_printable(const char *s, char buf[MODEL_QUOTE_MAX])
{
	return printable(s, buf);
}
