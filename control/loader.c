/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tenant files are untrusted (tenant admins write them): every node's type is
 * checked before use, numbers are range-checked before they are narrowed, and
 * the walk follows the schema, so its depth is bounded whatever the input.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <yaml.h>

#include "sluice_loader.h"
#include "sluice_model_priv.h"

struct loader {
	const char *name;
	/* Directory relative model files are taken from ("" : the current one). */
	const char *base_dir;
	yaml_document_t doc;
	struct sluice_load_opts opts;
	struct sluice_config *cfg;
	struct sluice_diags *diags;
	unsigned int nb_errors;
	bool nomem;
};

/* A mapping's value for one schema key, and the key node (for positions). */
struct kv {
	yaml_node_t *key;
	yaml_node_t *val;
};

static void diag_at(struct loader *ld, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag_at(struct loader *ld, uint32_t line, uint32_t col, const char *fmt, ...)
{
	struct sluice_diags *d = ld->diags;
	struct sluice_diag *it;
	char reason[288];
	va_list ap;

	ld->nb_errors++;
	if (d == NULL)
		return;
	if (d->count >= SLUICE_DIAG_MAX) {
		d->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	it = &d->items[d->count++];
	it->line = line;
	it->column = col;
	if (line == 0)
		snprintf(it->text, sizeof(it->text), "%s: %s", ld->name, reason);
	else
		snprintf(it->text, sizeof(it->text), "%s:%u:%u: %s", ld->name, line, col, reason);
}

#define diag(ld, node, ...)                                                                        \
	diag_at(ld, (uint32_t)(node)->start_mark.line + 1,                                         \
		(uint32_t)(node)->start_mark.column + 1, __VA_ARGS__)

static yaml_node_t *node_at(struct loader *ld, int idx)
{
	return yaml_document_get_node(&ld->doc, idx);
}

static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

/* Scalar text, quoted for a message: printable, at most 40 bytes. */
static const char *quote(const yaml_node_t *n, char buf[48])
{
	return model_quote((const char *)n->data.scalar.value, n->data.scalar.length, buf);
}

static bool is_null(const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0);
}

/* A scalar as a C string; NULL (diagnosed) if it is not one. */
static const char *get_str(struct loader *ld, const char *key, yaml_node_t *v)
{
	if (v->type != YAML_SCALAR_NODE) {
		diag(ld, v, "%s: expected a scalar, got %s", key, type_name(v));
		return NULL;
	}
	if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length) {
		diag(ld, v, "%s contains a NUL character", key);
		return NULL;
	}
	return (const char *)v->data.scalar.value;
}

/* Copy a name into a fixed field; the model checks its characters. */
static int get_name(struct loader *ld, const char *key, const char *what, yaml_node_t *v,
		    char out[SLUICE_NAME_MAX])
{
	const char *s = get_str(ld, key, v);
	char buf[48];

	if (s == NULL)
		return -EINVAL;
	if (strlen(s) >= SLUICE_NAME_MAX) {
		diag(ld, v, "%s name '%s' is longer than %d characters", what, quote(v, buf),
		     SLUICE_NAME_MAX - 1);
		return -EINVAL;
	}
	memset(out, 0, SLUICE_NAME_MAX);
	memcpy(out, s, strlen(s));
	return 0;
}

/* Decimal or 0x-hexadecimal, no sign; -ERANGE past 64 bits. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10, d;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/*
 * A number that must fit `max` (its C type); lo..hi is the range the model
 * enforces, quoted when the value does not even fit the type so that the
 * message reads the same whichever layer rejects it.
 */
static int get_uint(struct loader *ld, const char *key, yaml_node_t *v, uint64_t max, uint64_t lo,
		    uint64_t hi, uint64_t *out)
{
	const char *s = get_str(ld, key, v);
	char buf[48];
	int rc;

	if (s == NULL)
		return -EINVAL;
	rc = parse_u64(s, out);
	if (rc == -EINVAL) {
		diag(ld, v, "%s '%s' is not a number", key, quote(v, buf));
		return rc;
	}
	if (rc < 0 || *out > max) {
		diag(ld, v, "%s %s out of range %llu..%llu", key, quote(v, buf),
		     (unsigned long long)lo, (unsigned long long)hi);
		return -EINVAL;
	}
	return 0;
}

/* A port by number or, through opts->resolve_port, by name. */
static int get_port(struct loader *ld, const char *key, const char *label, yaml_node_t *v,
		    uint16_t *port)
{
	const char *s = get_str(ld, key, v);
	char buf[48];
	uint64_t n;

	if (s == NULL)
		return -EINVAL;
	if (s[0] == '\0') {
		diag(ld, v, "%s: expected a port number or name", key);
		return -EINVAL;
	}
	if (s[0] >= '0' && s[0] <= '9') {
		/* Checked here too: the model reads 65535 as "any port". */
		if (get_uint(ld, label, v, SLUICE_PORT_MAX, 0, SLUICE_PORT_MAX, &n) < 0)
			return -EINVAL;
		*port = (uint16_t)n;
		return 0;
	}
	if (ld->opts.resolve_port == NULL) {
		diag(ld, v, "port names need a running data plane; use a number");
		return -EINVAL;
	}
	if (ld->opts.resolve_port(s, port, ld->opts.resolve_arg) != 0) {
		diag(ld, v, "%s '%s' not found", label, quote(v, buf));
		return -EINVAL;
	}
	if (*port > SLUICE_PORT_MAX) {
		diag(ld, v, "%s '%s' is number %u, out of range 0..%u", label, quote(v, buf), *port,
		     SLUICE_PORT_MAX);
		return -EINVAL;
	}
	return 0;
}

/*
 * Look up the schema keys of a mapping (keys[] is NULL-terminated, out[] as
 * long). Unknown, duplicate and non-scalar keys are diagnosed.
 * @return the number of errors.
 */
static unsigned int get_keys(struct loader *ld, yaml_node_t *map, const char *what,
			     const char *const *keys, struct kv *out)
{
	unsigned int i, nkeys, errors = 0;
	yaml_node_pair_t *p;
	char expected[160] = "", buf[48];

	for (nkeys = 0; keys[nkeys] != NULL; nkeys++)
		out[nkeys].key = out[nkeys].val = NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node_at(ld, p->key);
		const char *s;

		if (k->type != YAML_SCALAR_NODE) {
			diag(ld, k, "%s keys must be scalars, got %s", what, type_name(k));
			errors++;
			continue;
		}
		s = (const char *)k->data.scalar.value;
		for (i = 0; i < nkeys; i++)
			if (strcmp(s, keys[i]) == 0)
				break;
		if (i == nkeys) {
			for (i = 0; i < nkeys; i++)
				snprintf(expected + strlen(expected),
					 sizeof(expected) - strlen(expected), "%s%s", i ? ", " : "",
					 keys[i]);
			diag(ld, k, "unknown key '%s' in %s (expected %s)", quote(k, buf), what,
			     expected);
			errors++;
		} else if (out[i].key != NULL) {
			diag(ld, k, "duplicate key '%s' in %s", keys[i], what);
			errors++;
		} else {
			out[i].key = k;
			out[i].val = node_at(ld, p->value);
		}
	}
	return errors;
}

static bool need_type(struct loader *ld, const char *key, yaml_node_t *v, yaml_node_type_t type)
{
	static const char *const names[] = {
	    [YAML_SCALAR_NODE] = "a scalar",
	    [YAML_SEQUENCE_NODE] = "a list",
	    [YAML_MAPPING_NODE] = "a mapping",
	};

	if (v->type == type)
		return true;
	diag(ld, v, "%s: expected %s, got %s", key, names[type], type_name(v));
	return false;
}

/* Sequence items, or none for an empty value; false (diagnosed) otherwise. */
static bool get_list(struct loader *ld, const char *key, yaml_node_t *v, yaml_node_item_t **first,
		     yaml_node_item_t **end)
{
	*first = *end = NULL;
	if (is_null(v))
		return true;
	if (!need_type(ld, key, v, YAML_SEQUENCE_NODE))
		return false;
	*first = v->data.sequence.items.start;
	*end = v->data.sequence.items.top;
	return true;
}

/*
 * Where a model error points: the key it names, searched breadth-first
 * under `obj` to `depth` levels, else `obj` itself.
 */
static yaml_node_t *find_key_at(struct loader *ld, yaml_node_t *n, const char *field, int depth)
{
	yaml_node_t *hit = NULL;

	if (n->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *p;

		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top && !hit; p++) {
			yaml_node_t *k = node_at(ld, p->key);

			if (depth == 0 && k->type == YAML_SCALAR_NODE &&
			    strcmp((const char *)k->data.scalar.value, field) == 0)
				hit = k;
			else if (depth > 0)
				hit = find_key_at(ld, node_at(ld, p->value), field, depth - 1);
		}
	} else if (n->type == YAML_SEQUENCE_NODE && depth > 0) {
		yaml_node_item_t *i;

		for (i = n->data.sequence.items.start; i < n->data.sequence.items.top && !hit; i++)
			hit = find_key_at(ld, node_at(ld, *i), field, depth - 1);
	}
	return hit;
}

static void model_error(struct loader *ld, yaml_node_t *obj, int max_depth, int rc,
			const struct sluice_err *err)
{
	yaml_node_t *at = NULL;
	int d;

	if (rc == -ENOMEM) {
		ld->nomem = true;
		return;
	}
	for (d = 0; err->field[0] != '\0' && d <= max_depth && at == NULL; d++)
		at = find_key_at(ld, obj, err->field, d);
	diag(ld, at ? at : obj, "%s", err->msg);
}

/* ---- Actions -------------------------------------------------------------- */

static const char *const meter_keys[] = {"cir", "pir", "cbs", "pbs", NULL};
static const char *const encap_keys[] = {"src_mac", "dst_mac", "src_ip", "dst_ip", "vni",
					 "udp_src", "udp_dst", "ttl",	 NULL};

static unsigned int need_keys(struct loader *ld, yaml_node_t *map, const char *what,
			      const char *const *keys, const struct kv *kv, unsigned int nb)
{
	unsigned int i, errors = 0;

	for (i = 0; i < nb; i++) {
		if (kv[i].key == NULL) {
			diag(ld, map, "missing key '%s' in %s", keys[i], what);
			errors++;
		}
	}
	return errors;
}

static int parse_meter(struct loader *ld, yaml_node_t *v, struct sluice_meter *m)
{
	uint64_t *fields[] = {&m->cir, &m->pir, &m->cbs, &m->pbs};
	struct kv kv[4];
	unsigned int i, errors;

	if (!need_type(ld, "meter", v, YAML_MAPPING_NODE))
		return -EINVAL;
	errors = get_keys(ld, v, "meter", meter_keys, kv);
	errors += need_keys(ld, v, "meter", meter_keys, kv, 4);
	for (i = 0; i < 4; i++)
		if (kv[i].val != NULL && get_uint(ld, meter_keys[i], kv[i].val, UINT64_MAX, 0,
						  UINT64_MAX, fields[i]) < 0)
			errors++;
	return errors ? -EINVAL : 0;
}

static int get_ipv4(struct loader *ld, const char *key, yaml_node_t *v, uint32_t *ip)
{
	const char *s = get_str(ld, key, v);
	char buf[48];

	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, ip) != 1) {
		diag(ld, v, "%s '%s' is not an IPv4 address", key, quote(v, buf));
		return -EINVAL;
	}
	return 0;
}

static int parse_encap(struct loader *ld, yaml_node_t *v, struct sluice_vxlan_encap *e)
{
	struct kv kv[8];
	unsigned int i, errors;
	char buf[48];
	uint64_t n;

	if (!need_type(ld, "vxlan_encap", v, YAML_MAPPING_NODE))
		return -EINVAL;
	errors = get_keys(ld, v, "vxlan_encap", encap_keys, kv);
	errors += need_keys(ld, v, "vxlan_encap", encap_keys, kv, 5);
	for (i = 0; i < 2; i++) {
		const char *s;

		if (kv[i].val == NULL)
			continue;
		s = get_str(ld, encap_keys[i], kv[i].val);
		if (s == NULL) {
			errors++;
		} else if (sluice_model_parse_mac(s, i ? e->dst_mac : e->src_mac) < 0) {
			diag(ld, kv[i].val, "%s '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
			     encap_keys[i], quote(kv[i].val, buf));
			errors++;
		}
	}
	if (kv[2].val && get_ipv4(ld, "src_ip", kv[2].val, &e->src_ip) < 0)
		errors++;
	if (kv[3].val && get_ipv4(ld, "dst_ip", kv[3].val, &e->dst_ip) < 0)
		errors++;
	if (kv[4].val) {
		if (get_uint(ld, "vni", kv[4].val, UINT32_MAX, 0, SLUICE_VNI_MAX, &n) < 0)
			errors++;
		e->vni = (uint32_t)n;
	}
	for (i = 5; i < 7; i++) {
		if (kv[i].val == NULL)
			continue;
		if (get_uint(ld, encap_keys[i], kv[i].val, UINT16_MAX, 0, UINT16_MAX, &n) < 0)
			errors++;
		*(i == 5 ? &e->udp_src : &e->udp_dst) = (uint16_t)n;
	}
	if (kv[7].val) {
		if (get_uint(ld, "ttl", kv[7].val, UINT8_MAX, 0, UINT8_MAX, &n) < 0)
			errors++;
		e->ttl = (uint8_t)n;
	}
	return errors ? -EINVAL : 0;
}

/* One action: a scalar name, or a mapping of one name to its value. */
static int parse_action(struct loader *ld, yaml_node_t *item, struct sluice_actions *a)
{
	yaml_node_t *k = item, *v = NULL;
	const struct sluice_action_name *an;
	char buf[48];
	int rc = 0;

	if (item->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *p = item->data.mapping.pairs.start;
		size_t n = (size_t)(item->data.mapping.pairs.top - p);

		if (n != 1) {
			diag(ld, item, "an action mapping must have exactly one key, got %zu", n);
			return -EINVAL;
		}
		k = node_at(ld, p->key);
		v = node_at(ld, p->value);
	}
	if (k->type != YAML_SCALAR_NODE) {
		diag(ld, k, "action: expected a name or a one-key mapping, got %s", type_name(k));
		return -EINVAL;
	}
	an = sluice_model_action_find((const char *)k->data.scalar.value);
	if (an == NULL) {
		diag(ld, k,
		     "unknown action '%s' (expected count, drop, forward, meter, switch, to_npu, "
		     "vxlan_decap or vxlan_encap)",
		     quote(k, buf));
		return -EINVAL;
	}
	if (an->has_value && v == NULL) {
		diag(ld, k, "action '%s' needs a value (%s: ...)", an->name, an->name);
		return -EINVAL;
	}
	if (!an->has_value && v != NULL) {
		diag(ld, k, "action '%s' takes no value; write it as a plain name", an->name);
		return -EINVAL;
	}
	if (a->flags & an->flag) {
		diag(ld, k, "duplicate action '%s'", an->name);
		return -EINVAL;
	}
	switch (an->flag) {
	case SLUICE_ACT_FORWARD:
		rc = get_port(ld, "forward", "forward port", v, &a->port);
		break;
	case SLUICE_ACT_METER:
		rc = parse_meter(ld, v, &a->meter);
		break;
	case SLUICE_ACT_ENCAP:
		rc = parse_encap(ld, v, &a->encap);
		break;
	case SLUICE_ACT_TO_NPU:
		rc = get_name(ld, "to_npu", "npu context", v, a->npu_context);
		break;
	}
	/* Set even on error, so that a later duplicate is still reported. */
	a->flags |= an->flag;
	return rc;
}

/* An action list, or a single action given on its own. */
static int parse_actions(struct loader *ld, yaml_node_t *v, struct sluice_actions *a)
{
	yaml_node_item_t *it;
	unsigned int errors = 0;

	memset(a, 0, sizeof(*a));
	if (v->type != YAML_SEQUENCE_NODE)
		return parse_action(ld, v, a);
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
		if (parse_action(ld, node_at(ld, *it), a) < 0)
			errors++;
	return errors ? -EINVAL : 0;
}

/* ---- Flows and rules ------------------------------------------------------ */

static const char *const flow_match_keys[] = {"proto", "src", "dst", "sport", "dport", NULL};
static const char *const rule_match_keys[] = {"family", "proto", "src", "dst",
					      "sport",	"dport", NULL};

static int get_prefix(struct loader *ld, const char *key, yaml_node_t *v, uint8_t *family,
		      uint8_t addr[16], uint8_t *len)
{
	const char *s = get_str(ld, key, v);
	const char *slash;
	char buf[48], abuf[48];
	uint8_t f, l;

	if (s == NULL)
		return -EINVAL;
	if (sluice_model_parse_prefix(s, family, addr, len) == 0)
		return 0;
	slash = strchr(s, '/');
	if (slash != NULL && (size_t)(slash - s) < sizeof(abuf)) {
		memcpy(abuf, s, (size_t)(slash - s));
		abuf[slash - s] = '\0';
		if (sluice_model_parse_prefix(abuf, &f, addr, &l) == 0 && f != 0) {
			diag(ld, v, "%s '%s' has a bad prefix length (0..%u)", key, quote(v, buf),
			     l);
			return -EINVAL;
		}
	}
	diag(ld, v, "%s '%s' is not an IPv4 or IPv6 address or prefix", key, quote(v, buf));
	return -EINVAL;
}

static int get_port_range(struct loader *ld, const char *key, yaml_node_t *v, uint16_t *lo,
			  uint16_t *hi)
{
	const char *s = get_str(ld, key, v);
	char buf[48];
	int rc;

	if (s == NULL)
		return -EINVAL;
	rc = sluice_model_parse_ports(s, lo, hi);
	if (rc == -EINVAL)
		diag(ld, v, "%s '%s' is not a port, a range LO-HI or any", key, quote(v, buf));
	else if (rc < 0)
		diag(ld, v, "%s %s out of range 0..65535", key, quote(v, buf));
	return rc < 0 ? -EINVAL : 0;
}

static const char *family_name(uint8_t f)
{
	return f == 4 ? "IPv4" : "IPv6";
}

static int parse_flow_match(struct loader *ld, yaml_node_t *v, bool exact,
			    struct sluice_flow_match *m)
{
	const char *const *keys = exact ? flow_match_keys : rule_match_keys;
	const char *what = exact ? "flow match" : "rule match";
	struct kv kv[6], *fam, *proto, *src, *dst, *sport, *dport;
	uint8_t sf = 0, df = 0, family = 0;
	unsigned int errors;
	char buf[48];

	if (!need_type(ld, "match", v, YAML_MAPPING_NODE))
		return -EINVAL;
	errors = get_keys(ld, v, what, keys, kv);
	if (exact) {
		errors += need_keys(ld, v, what, keys, kv, 5);
		fam = NULL;
		proto = &kv[0];
	} else {
		fam = &kv[0];
		proto = &kv[1];
	}
	src = proto + 1;
	dst = proto + 2;
	sport = proto + 3;
	dport = proto + 4;

	memset(m, 0, sizeof(*m));
	m->proto_any = true;
	m->sport_hi = m->dport_hi = UINT16_MAX;
	if (fam && fam->val) {
		const char *s = get_str(ld, "family", fam->val);

		if (s == NULL)
			errors++;
		else if (strcmp(s, "ipv4") == 0)
			family = 4;
		else if (strcmp(s, "ipv6") == 0)
			family = 6;
		else
			errors++, diag(ld, fam->val, "family '%s' is not ipv4 or ipv6",
				       quote(fam->val, buf));
	}
	if (proto->val) {
		const char *s = get_str(ld, "proto", proto->val);

		if (s == NULL)
			errors++;
		else if (sluice_model_parse_proto(s, &m->proto, &m->proto_any) < 0)
			errors++, diag(ld, proto->val,
				       "proto '%s' is not tcp, udp, icmp, icmpv6, any or 0..255",
				       quote(proto->val, buf));
	}
	if (src->val && get_prefix(ld, "src", src->val, &sf, m->src, &m->src_len) < 0)
		errors++;
	if (dst->val && get_prefix(ld, "dst", dst->val, &df, m->dst, &m->dst_len) < 0)
		errors++;
	/* One family per match: the struct cannot express a mix. */
	if (family && sf && sf != family) {
		diag(ld, src->val, "src '%s' is %s but family is ipv%u", quote(src->val, buf),
		     family_name(sf), family);
		errors++;
	} else if (family && df && df != family) {
		diag(ld, dst->val, "dst '%s' is %s but family is ipv%u", quote(dst->val, buf),
		     family_name(df), family);
		errors++;
	} else if (sf && df && sf != df) {
		diag(ld, dst->val, "dst '%s' is %s but src is %s", quote(dst->val, buf),
		     family_name(df), family_name(sf));
		errors++;
	}
	m->family = family ? family : sf ? sf : df ? df : 4;
	if (sport->val && get_port_range(ld, "sport", sport->val, &m->sport_lo, &m->sport_hi) < 0)
		errors++;
	if (dport->val && get_port_range(ld, "dport", dport->val, &m->dport_lo, &m->dport_hi) < 0)
		errors++;
	return errors ? -EINVAL : 0;
}

static const char *const flow_keys[] = {"name", "match", "actions", NULL};
static const char *const rule_keys[] = {"name", "priority", "match", "actions", NULL};

static void load_flow(struct loader *ld, struct sluice_tenant *t, yaml_node_t *v, bool exact)
{
	const char *what = exact ? "flow" : "rule";
	const char *const *keys = exact ? flow_keys : rule_keys;
	struct kv kv[4], *name = &kv[0], *prio, *match, *actions;
	struct sluice_flow f;
	struct sluice_err err;
	unsigned int errors;
	uint64_t n;
	int rc;

	if (!need_type(ld, what, v, YAML_MAPPING_NODE))
		return;
	memset(&f, 0, sizeof(f));
	errors = get_keys(ld, v, what, keys, kv);
	prio = exact ? NULL : &kv[1];
	match = exact ? &kv[1] : &kv[2];
	actions = match + 1;
	if (match->key == NULL)
		errors++, diag(ld, v, "missing key 'match' in %s", what);
	if (actions->key == NULL)
		errors++, diag(ld, v, "missing key 'actions' in %s", what);
	if (name->val && get_name(ld, "name", what, name->val, f.name) < 0)
		errors++;
	if (prio && prio->val) {
		if (get_uint(ld, "priority", prio->val, UINT32_MAX, 0, SLUICE_PRIORITY_MAX, &n) < 0)
			errors++;
		f.priority = (uint32_t)n;
	}
	if (match->val && parse_flow_match(ld, match->val, exact, &f.match) < 0)
		errors++;
	if (actions->val && parse_actions(ld, actions->val, &f.actions) < 0)
		errors++;
	if (errors)
		return;
	f.pos.line = (uint32_t)v->start_mark.line + 1;
	f.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = exact ? sluice_model_flow_add(ld->cfg, t, &f, &err)
		   : sluice_model_rule_add(ld->cfg, t, &f, &err);
	if (rc < 0)
		model_error(ld, v, 4, rc, &err);
}

/* ---- NPU ------------------------------------------------------------------ */

static const char *const npu_keys[] = {"device", "copy", "models", NULL};
static const char *const model_keys[] = {"name", "file", NULL};
static const char *const ctx_keys[] = {"name",	   "model",	  "input",  "weight",
				       "priority", "quota_fps",	  "batch",  "queue_depth",
				       "window",   "result",	  NULL};
static const char *const input_keys[] = {"format", "pixel", "width", "height", "payload_type",
					 NULL};
static const char *const batch_keys[] = {"threshold", "timeout_us", NULL};
static const char *const result_keys[] = {"port",   "dst_mac", "src_mac", "src_ip",
					  "dst_ip", "sport",   "dport",	  NULL};

/* Model files are named relative to the tenant file that names them. */
static int model_path(struct loader *ld, yaml_node_t *v, const char *file, char *out)
{
	int n;

	if (file[0] == '/' || ld->base_dir == NULL || ld->base_dir[0] == '\0')
		n = snprintf(out, SLUICE_NPU_PATH_MAX, "%s", file);
	else
		n = snprintf(out, SLUICE_NPU_PATH_MAX, "%s/%s", ld->base_dir, file);
	if (n < 0 || n >= SLUICE_NPU_PATH_MAX) {
		diag(ld, v, "file path is longer than %d characters", SLUICE_NPU_PATH_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

static void load_model_ref(struct loader *ld, yaml_node_t *v)
{
	struct kv kv[2];
	struct sluice_npu_model_ref m;
	struct sluice_err err;
	const char *file = NULL;
	unsigned int errors;
	int rc;

	if (!need_type(ld, "model", v, YAML_MAPPING_NODE))
		return;
	memset(&m, 0, sizeof(m));
	errors = get_keys(ld, v, "model", model_keys, kv);
	errors += need_keys(ld, v, "model", model_keys, kv, 2);
	if (kv[0].val && get_name(ld, "name", "model", kv[0].val, m.name) < 0)
		errors++;
	if (kv[1].val && ((file = get_str(ld, "file", kv[1].val)) == NULL ||
			  (file[0] != '\0' && model_path(ld, kv[1].val, file, m.file) < 0)))
		errors++;
	if (errors)
		return;
	m.pos.line = (uint32_t)v->start_mark.line + 1;
	m.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_npu_model_add(ld->cfg, &m, &err);
	if (rc < 0)
		model_error(ld, v, 0, rc, &err);
}

static void load_npu(struct loader *ld, yaml_node_t *v)
{
	struct kv kv[3];
	enum sluice_npu_copy copy = SLUICE_NPU_COPY_CPU;
	yaml_node_item_t *it, *end;
	struct sluice_err err;
	const char *device = "", *s;
	unsigned int errors;
	char buf[48];
	int rc;

	if (!need_type(ld, "npu", v, YAML_MAPPING_NODE))
		return;
	errors = get_keys(ld, v, "npu", npu_keys, kv);
	if (kv[0].val && (device = get_str(ld, "device", kv[0].val)) == NULL)
		errors++;
	if (kv[1].val) {
		s = get_str(ld, "copy", kv[1].val);
		if (s == NULL)
			errors++;
		else if (sluice_npu_copy_parse(s, &copy) < 0)
			errors++, diag(ld, kv[1].val, "copy '%s' is not cpu, dmadev or zerocopy",
				       quote(kv[1].val, buf));
	}
	if (errors == 0) {
		rc = sluice_model_npu_set(ld->cfg, device, copy, &err);
		if (rc < 0)
			model_error(ld, v, 0, rc, &err);
	}
	if (kv[2].val && get_list(ld, "models", kv[2].val, &it, &end))
		for (; it < end; it++)
			load_model_ref(ld, node_at(ld, *it));
}

static int parse_npu_input(struct loader *ld, yaml_node_t *v, struct sluice_npu_input *in)
{
	struct kv kv[5];
	unsigned int errors;
	const char *s;
	char buf[48];
	uint64_t n;

	if (!need_type(ld, "input", v, YAML_MAPPING_NODE))
		return -EINVAL;
	errors = get_keys(ld, v, "input", input_keys, kv);
	if (kv[0].key == NULL)
		errors++, diag(ld, v, "missing key 'format' in input");
	if (kv[2].key == NULL)
		errors++, diag(ld, v, "missing key 'width' in input");
	if (kv[3].key == NULL)
		errors++, diag(ld, v, "missing key 'height' in input");
	if (kv[0].val) {
		s = get_str(ld, "format", kv[0].val);
		if (s == NULL)
			errors++;
		else if (sluice_npu_format_parse(s, &in->format) < 0)
			errors++, diag(ld, kv[0].val, "format '%s' is not rfc4175 or tensor",
				       quote(kv[0].val, buf));
	}
	if (kv[1].val) {
		s = get_str(ld, "pixel", kv[1].val);
		if (s == NULL)
			errors++;
		else if (sluice_npu_pixel_parse(s, &in->pixel) < 0)
			errors++, diag(ld, kv[1].val, "pixel '%s' is not gray8 or rgb8",
				       quote(kv[1].val, buf));
	}
	if (kv[2].val) {
		if (get_uint(ld, "width", kv[2].val, UINT16_MAX, 1, SLUICE_NPU_SIDE_MAX, &n) < 0)
			errors++;
		in->width = (uint16_t)n;
	}
	if (kv[3].val) {
		if (get_uint(ld, "height", kv[3].val, UINT16_MAX, 1, SLUICE_NPU_SIDE_MAX, &n) < 0)
			errors++;
		in->height = (uint16_t)n;
	}
	if (kv[4].val) {
		if (get_uint(ld, "payload_type", kv[4].val, UINT8_MAX, 96, 127, &n) < 0)
			errors++;
		in->payload_type = (uint8_t)n;
	}
	return errors ? -EINVAL : 0;
}

static int parse_npu_batch(struct loader *ld, yaml_node_t *v, struct sluice_npu_context *c)
{
	struct kv kv[2];
	unsigned int errors;
	uint64_t n;

	if (!need_type(ld, "batch", v, YAML_MAPPING_NODE))
		return -EINVAL;
	errors = get_keys(ld, v, "batch", batch_keys, kv);
	if (kv[0].val) {
		if (get_uint(ld, "threshold", kv[0].val, UINT16_MAX, 1, SLUICE_NPU_QUEUE_DEPTH_MAX,
			     &n) < 0)
			errors++;
		c->batch_threshold = (uint16_t)n;
	}
	if (kv[1].val) {
		if (get_uint(ld, "timeout_us", kv[1].val, UINT32_MAX, 0,
			     SLUICE_NPU_BATCH_TIMEOUT_MAX_US, &n) < 0)
			errors++;
		c->batch_timeout_us = (uint32_t)n;
	}
	return errors ? -EINVAL : 0;
}

static int get_mac(struct loader *ld, const char *key, yaml_node_t *v, uint8_t mac[6])
{
	const char *s = get_str(ld, key, v);
	char buf[48];

	if (s == NULL)
		return -EINVAL;
	if (sluice_model_parse_mac(s, mac) < 0) {
		diag(ld, v, "%s '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)", key, quote(v, buf));
		return -EINVAL;
	}
	return 0;
}

static int parse_npu_result(struct loader *ld, yaml_node_t *v, struct sluice_npu_result_dest *r)
{
	struct kv kv[7];
	unsigned int errors;
	char buf[48];
	uint64_t n;

	if (v->type == YAML_SCALAR_NODE) {
		if (strcmp((const char *)v->data.scalar.value, "sender") == 0) {
			r->to_sender = true;
			return 0;
		}
		diag(ld, v, "result '%s' is not sender or a mapping (port, dst_mac, src_mac, "
			    "src_ip, dst_ip, dport)",
		     quote(v, buf));
		return -EINVAL;
	}
	if (!need_type(ld, "result", v, YAML_MAPPING_NODE))
		return -EINVAL;
	r->to_sender = false;
	errors = get_keys(ld, v, "result", result_keys, kv);
	errors += need_keys(ld, v, "result", result_keys, kv, 5);
	if (kv[6].key == NULL)
		errors++, diag(ld, v, "missing key 'dport' in result");
	if (kv[0].val && get_port(ld, "port", "result port", kv[0].val, &r->port) < 0)
		errors++;
	if (kv[1].val && get_mac(ld, "dst_mac", kv[1].val, r->dst_mac) < 0)
		errors++;
	if (kv[2].val && get_mac(ld, "src_mac", kv[2].val, r->src_mac) < 0)
		errors++;
	if (kv[3].val && get_ipv4(ld, "src_ip", kv[3].val, &r->src_ip) < 0)
		errors++;
	if (kv[4].val && get_ipv4(ld, "dst_ip", kv[4].val, &r->dst_ip) < 0)
		errors++;
	if (kv[5].val) {
		if (get_uint(ld, "sport", kv[5].val, UINT16_MAX, 0, UINT16_MAX, &n) < 0)
			errors++;
		r->sport = (uint16_t)n;
	}
	if (kv[6].val) {
		if (get_uint(ld, "dport", kv[6].val, UINT16_MAX, 1, UINT16_MAX, &n) < 0)
			errors++;
		r->dport = (uint16_t)n;
	}
	return errors ? -EINVAL : 0;
}

/* One npu_contexts entry: a name (declared only), or a mapping (a context with a model). */
static void load_npu_context(struct loader *ld, struct sluice_tenant *t, yaml_node_t *v)
{
	struct kv kv[10];
	struct sluice_npu_context c;
	struct sluice_err err;
	unsigned int errors;
	const char *s;
	uint64_t n;
	int rc;

	if (v->type == YAML_SCALAR_NODE) {
		s = get_str(ld, "npu_contexts", v);
		if (s == NULL)
			return;
		rc = sluice_model_npu_context_add(t, s, &err);
		if (rc < 0)
			model_error(ld, v, 0, rc, &err);
		return;
	}
	if (!need_type(ld, "npu context", v, YAML_MAPPING_NODE))
		return;
	sluice_model_npu_context_init(&c);
	errors = get_keys(ld, v, "npu context", ctx_keys, kv);
	if (kv[0].key == NULL)
		errors++, diag(ld, v, "missing key 'name' in npu context");
	if (kv[1].key != NULL && kv[2].key == NULL)
		errors++, diag(ld, v, "missing key 'input' in npu context");
	if (kv[0].val && get_name(ld, "name", "npu context", kv[0].val, c.name) < 0)
		errors++;
	if (kv[1].val && get_name(ld, "model", "model", kv[1].val, c.model) < 0)
		errors++;
	if (kv[2].val && parse_npu_input(ld, kv[2].val, &c.input) < 0)
		errors++;
	if (kv[3].val) {
		if (get_uint(ld, "weight", kv[3].val, UINT8_MAX, 1, SLUICE_NPU_WEIGHT_MAX, &n) < 0)
			errors++;
		c.weight = (uint8_t)n;
	}
	if (kv[4].val) {
		if (get_uint(ld, "priority", kv[4].val, UINT8_MAX, 0, SLUICE_NPU_PRIORITY_MAX, &n) < 0)
			errors++;
		c.priority = (uint8_t)n;
	}
	if (kv[5].val) {
		if (get_uint(ld, "quota_fps", kv[5].val, UINT32_MAX, 0, SLUICE_NPU_QUOTA_MAX, &n) < 0)
			errors++;
		c.quota_fps = (uint32_t)n;
	}
	if (kv[6].val && parse_npu_batch(ld, kv[6].val, &c) < 0)
		errors++;
	if (kv[7].val) {
		if (get_uint(ld, "queue_depth", kv[7].val, UINT16_MAX, 1, SLUICE_NPU_QUEUE_DEPTH_MAX,
			     &n) < 0)
			errors++;
		c.queue_depth = (uint16_t)n;
	}
	if (kv[8].val) {
		if (get_uint(ld, "window", kv[8].val, UINT64_MAX, 0, SLUICE_NPU_WINDOW_MAX, &n) < 0)
			errors++;
		c.window = n;
	}
	if (kv[9].val && parse_npu_result(ld, kv[9].val, &c.result) < 0)
		errors++;
	if (errors)
		return;
	c.pos.line = (uint32_t)v->start_mark.line + 1;
	c.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_npu_context_define(ld->cfg, t, &c, &err);
	if (rc < 0)
		model_error(ld, v, 2, rc, &err);
}

/* ---- Tenants -------------------------------------------------------------- */

static const char *const match_keys[] = {"port", "vlan", "inner_vlan", "vni", NULL};

static void load_match(struct loader *ld, struct sluice_tenant *t, yaml_node_t *v)
{
	struct kv kv[4], *port = &kv[0], *vlan = &kv[1], *inner = &kv[2], *vni = &kv[3];
	struct sluice_match m;
	struct sluice_err err;
	unsigned int errors;
	uint64_t n;
	int rc;

	if (!need_type(ld, "match", v, YAML_MAPPING_NODE))
		return;
	memset(&m, 0, sizeof(m));
	m.port = SLUICE_PORT_ANY;
	errors = get_keys(ld, v, "match", match_keys, kv);
	if (port->val && get_port(ld, "port", "port", port->val, &m.port) < 0)
		errors++;
	if (vlan->val) {
		if (get_uint(ld, "vlan", vlan->val, UINT16_MAX, 1, SLUICE_VLAN_MAX, &n) < 0)
			errors++;
		m.vlan = (uint16_t)n;
	}
	if (inner->val) {
		if (get_uint(ld, "inner_vlan", inner->val, UINT16_MAX, 1, SLUICE_VLAN_MAX, &n) < 0)
			errors++;
		m.inner_vlan = (uint16_t)n;
	}
	if (vni->val) {
		if (get_uint(ld, "vni", vni->val, UINT32_MAX, 0, SLUICE_VNI_MAX, &n) < 0)
			errors++;
		m.vni = (uint32_t)n;
	}
	/* Which keys are present picks the kind; the struct cannot hold a mix. */
	if (vni->key) {
		m.kind = SLUICE_MATCH_VNI;
		if (vlan->key || inner->key)
			errors++, diag(ld, vlan->key ? vlan->key : inner->key,
				       "%s cannot be combined with vni",
				       vlan->key ? "vlan" : "inner_vlan");
	} else if (port->key == NULL) {
		errors++, diag(ld, v, "match needs a port or a vni");
	} else if (inner->key && vlan->key == NULL) {
		errors++, diag(ld, inner->key, "inner_vlan needs vlan (the outer S-tag)");
	} else {
		m.kind = inner->key  ? SLUICE_MATCH_QINQ
			 : vlan->key ? SLUICE_MATCH_VLAN
				     : SLUICE_MATCH_PORT;
	}
	if (errors)
		return;
	m.pos.line = (uint32_t)v->start_mark.line + 1;
	m.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_match_add(ld->cfg, t, &m, &err);
	if (rc < 0)
		model_error(ld, v, 0, rc, &err);
}

/* ---- vNICs and the uplink ------------------------------------------------- */

static const char *const vnic_keys[] = {"name", "socket", "mode", "queues", "mac", NULL};

static void load_vnic(struct loader *ld, struct sluice_tenant *t, yaml_node_t *v)
{
	struct kv kv[5], *name = &kv[0], *sock = &kv[1], *mode = &kv[2], *queues = &kv[3],
			 *mac = &kv[4];
	struct sluice_vnic n;
	struct sluice_err err;
	unsigned int errors;
	const char *s;
	char buf[48];
	uint64_t q;
	int rc;

	if (!need_type(ld, "vnic", v, YAML_MAPPING_NODE))
		return;
	memset(&n, 0, sizeof(n));
	n.queues = 1;
	errors = get_keys(ld, v, "vnic", vnic_keys, kv);
	if (name->key == NULL)
		errors++, diag(ld, v, "missing key 'name' in vnic");
	if (sock->key == NULL)
		errors++, diag(ld, v, "missing key 'socket' in vnic");
	if (mac->key == NULL)
		errors++, diag(ld, v, "missing key 'mac' in vnic");
	if (name->val && get_name(ld, "name", "vnic", name->val, n.name) < 0)
		errors++;
	if (sock->val && (s = get_str(ld, "socket", sock->val)) != NULL) {
		if (strlen(s) >= sizeof(n.socket))
			errors++, diag(ld, sock->val, "socket path is longer than %d characters",
				       SLUICE_VNIC_PATH_MAX - 1);
		else
			memcpy(n.socket, s, strlen(s));
	} else if (sock->val) {
		errors++;
	}
	if (mode->val && (s = get_str(ld, "mode", mode->val)) != NULL) {
		if (strcmp(s, "server") == 0)
			n.mode = SLUICE_VNIC_SERVER;
		else if (strcmp(s, "client") == 0)
			n.mode = SLUICE_VNIC_CLIENT;
		else
			errors++, diag(ld, mode->val, "mode '%s' is not server or client",
				       quote(mode->val, buf));
	} else if (mode->val) {
		errors++;
	}
	if (queues->val) {
		if (get_uint(ld, "queues", queues->val, UINT16_MAX, 1, SLUICE_VNIC_QUEUES_MAX, &q) < 0)
			errors++;
		n.queues = (uint16_t)q;
	}
	if (mac->val && (s = get_str(ld, "mac", mac->val)) != NULL) {
		if (sluice_model_parse_mac(s, n.mac) < 0)
			errors++, diag(ld, mac->val, "mac '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				       quote(mac->val, buf));
	} else if (mac->val) {
		errors++;
	}
	if (errors)
		return;
	n.pos.line = (uint32_t)v->start_mark.line + 1;
	n.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_vnic_add(ld->cfg, t, &n, &err);
	if (rc < 0)
		model_error(ld, v, 0, rc, &err);
}

static const char *const uplink_keys[] = {"port", "vlan", "vxlan", NULL};

static void load_uplink(struct loader *ld, struct sluice_tenant *t, yaml_node_t *v)
{
	struct kv kv[3], *port = &kv[0], *vlan = &kv[1], *vxlan = &kv[2];
	struct sluice_uplink u;
	struct sluice_err err;
	unsigned int errors;
	uint64_t n;
	int rc;

	if (!need_type(ld, "uplink", v, YAML_MAPPING_NODE))
		return;
	memset(&u, 0, sizeof(u));
	errors = get_keys(ld, v, "uplink", uplink_keys, kv);
	if (port->key == NULL)
		errors++, diag(ld, v, "missing key 'port' in uplink");
	if (port->val && get_port(ld, "port", "uplink port", port->val, &u.port) < 0)
		errors++;
	u.kind = SLUICE_UPLINK_PORT;
	if (vlan->val) {
		u.kind = SLUICE_UPLINK_VLAN;
		if (get_uint(ld, "vlan", vlan->val, UINT16_MAX, 1, SLUICE_VLAN_MAX, &n) < 0)
			errors++;
		u.vlan = (uint16_t)n;
	}
	if (vxlan->val) {
		u.kind = SLUICE_UPLINK_VXLAN;
		if (vlan->key)
			errors++, diag(ld, vxlan->key, "vxlan cannot be combined with vlan");
		if (parse_encap(ld, vxlan->val, &u.vxlan) < 0)
			errors++;
	}
	if (errors)
		return;
	u.pos.line = (uint32_t)v->start_mark.line + 1;
	u.pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_uplink_set(ld->cfg, t, &u, &err);
	if (rc < 0)
		model_error(ld, v, 1, rc, &err);
}

static const char *const tenant_keys[] = {"name",  "match", "default", "npu_contexts", "flows",
					  "rules", "vnics", "uplink",  NULL};

static void load_tenant(struct loader *ld, yaml_node_t *v)
{
	struct kv kv[8], *name = &kv[0], *match = &kv[1], *def = &kv[2], *ctxs = &kv[3],
			 *vnics = &kv[6], *uplink = &kv[7];
	yaml_node_item_t *it, *end;
	bool has_vnics = false;
	struct sluice_tenant *t;
	struct sluice_actions a;
	struct sluice_pos pos;
	struct sluice_err err;
	const char *s;
	int rc;

	if (!need_type(ld, "tenant", v, YAML_MAPPING_NODE))
		return;
	get_keys(ld, v, "tenant", tenant_keys, kv);
	if (name->val == NULL) {
		diag(ld, v, "missing key 'name' in tenant");
		return;
	}
	s = get_str(ld, "name", name->val);
	if (s == NULL)
		return;
	pos.line = (uint32_t)v->start_mark.line + 1;
	pos.column = (uint32_t)v->start_mark.column + 1;
	rc = sluice_model_tenant_add(ld->cfg, s, pos, &t, &err);
	if (rc < 0) {
		/* The tenant's objects have nowhere to go: skip them. */
		model_error(ld, v, 0, rc, &err);
		return;
	}

	/* Contexts first: actions anywhere in the tenant may name them. */
	if (ctxs->val && get_list(ld, "npu_contexts", ctxs->val, &it, &end))
		for (; it < end; it++)
			load_npu_context(ld, t, node_at(ld, *it));
	/* A tenant with vNICs is recognised by its vNIC ports: no match needed. */
	if (vnics->val && get_list(ld, "vnics", vnics->val, &it, &end))
		for (has_vnics = it < end; it < end; it++)
			load_vnic(ld, t, node_at(ld, *it));
	/* No match at all: the model's whole-tenant check says so (none loaded yet). */
	if (match->val == NULL) {
		if (!has_vnics && sluice_model_tenant_check(t, &err) < 0)
			diag(ld, v, "%s", err.msg);
	} else if (get_list(ld, "match", match->val, &it, &end)) {
		if (it == end && !has_vnics && sluice_model_tenant_check(t, &err) < 0)
			diag(ld, match->val, "%s", err.msg);
		for (; it < end; it++)
			load_match(ld, t, node_at(ld, *it));
	}
	if (uplink->val)
		load_uplink(ld, t, uplink->val);
	if (def->val && parse_actions(ld, def->val, &a) == 0) {
		rc = sluice_model_default_set(ld->cfg, t, &a, &err);
		if (rc < 0)
			model_error(ld, def->val, 3, rc, &err);
	} else if (def->val == NULL && has_vnics) {
		/* A tenant with vNICs switches what no flow or rule claims. */
		memset(&a, 0, sizeof(a));
		a.flags = SLUICE_ACT_SWITCH;
		sluice_model_default_set(ld->cfg, t, &a, NULL);
	}
	if (kv[4].val && get_list(ld, "flows", kv[4].val, &it, &end))
		for (; it < end; it++)
			load_flow(ld, t, node_at(ld, *it), true);
	if (kv[5].val && get_list(ld, "rules", kv[5].val, &it, &end))
		for (; it < end; it++)
			load_flow(ld, t, node_at(ld, *it), false);
}

/* ---- Documents ------------------------------------------------------------ */

/*
 * In a document without aliases every node but the root has exactly one
 * parent; an alias shows as a second reference. Rejecting them keeps the
 * walk linear in the file size (no "billion laughs") and free of cycles.
 */
static bool has_alias(struct loader *ld)
{
	yaml_node_t *start = ld->doc.nodes.start, *n;
	size_t nb = (size_t)(ld->doc.nodes.top - start);
	uint8_t *refs = calloc(nb + 1, 1);
	bool found = false;

	if (refs == NULL) {
		ld->nomem = true;
		return true;
	}
	refs[1] = 1; /* the root */
	for (n = start; n < ld->doc.nodes.top && !found; n++) {
		int idx[2], k, nref = 0;
		yaml_node_item_t *i = NULL, *iend = NULL;
		yaml_node_pair_t *p = NULL, *pend = NULL;

		if (n->type == YAML_SEQUENCE_NODE) {
			i = n->data.sequence.items.start;
			iend = n->data.sequence.items.top;
		} else if (n->type == YAML_MAPPING_NODE) {
			p = n->data.mapping.pairs.start;
			pend = n->data.mapping.pairs.top;
		}
		while (!found && ((i && i < iend) || (p && p < pend))) {
			nref = 0;
			if (i)
				idx[nref++] = *i++;
			else
				idx[nref++] = p->key, idx[nref++] = p->value, p++;
			for (k = 0; k < nref; k++) {
				if (refs[idx[k]]++) {
					diag(ld, node_at(ld, idx[k]),
					     "anchors and aliases are not supported (this node is "
					     "used again by an alias)");
					found = true;
					break;
				}
			}
		}
	}
	free(refs);
	return found;
}

static void load_root(struct loader *ld)
{
	static const char *const root_keys[] = {"tenants", "npu", NULL};
	yaml_node_t *root = yaml_document_get_root_node(&ld->doc);
	yaml_node_item_t *it, *end;
	struct kv kv[2];

	if (root == NULL) {
		diag_at(ld, 1, 1, "file is empty; expected a mapping with key 'tenants'");
		return;
	}
	if (has_alias(ld))
		return;
	if (root->type != YAML_MAPPING_NODE) {
		diag(ld, root, "expected a mapping with key 'tenants', got %s", type_name(root));
		return;
	}
	get_keys(ld, root, "file", root_keys, kv);
	/* Models first, wherever the section is: contexts name them. */
	if (kv[1].val != NULL)
		load_npu(ld, kv[1].val);
	if (kv[0].val == NULL) {
		diag(ld, root, "missing key 'tenants'");
		return;
	}
	if (!get_list(ld, "tenants", kv[0].val, &it, &end))
		return;
	for (; it < end && !ld->nomem; it++)
		load_tenant(ld, node_at(ld, *it));
}

/* libyaml reports reader errors by byte offset only. */
static void offset_to_pos(const char *buf, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n')
			(*line)++, *col = 1;
		else
			(*col)++;
	}
}

static int syntax_error(struct loader *ld, yaml_parser_t *p, const char *buf, size_t len)
{
	uint32_t line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return -ENOMEM;
	case YAML_READER_ERROR:
		offset_to_pos(buf, len, p->problem_offset, &line, &col);
		diag_at(ld, line, col, "%s", p->problem);
		break;
	default:
		line = (uint32_t)p->problem_mark.line + 1;
		col = (uint32_t)p->problem_mark.column + 1;
		if (p->context != NULL)
			diag_at(ld, line, col, "%s (%s at %zu:%zu)", p->problem, p->context,
				p->context_mark.line + 1, p->context_mark.column + 1);
		else
			diag_at(ld, line, col, "%s", p->problem ? p->problem : "syntax error");
		break;
	}
	return -EINVAL;
}

/* Stable: diagnostics at one position keep the order they were found in. */
static void diags_sort(struct sluice_diags *d)
{
	uint32_t i, j;

	for (i = 1; i < d->count; i++) {
		struct sluice_diag tmp = d->items[i];

		for (j = i; j > 0 && (d->items[j - 1].line > tmp.line ||
				      (d->items[j - 1].line == tmp.line &&
				       d->items[j - 1].column > tmp.column));
		     j--)
			d->items[j] = d->items[j - 1];
		d->items[j] = tmp;
	}
}

/* Accept an opts struct of any size: known fields copied, unknown ones must be 0. */
static int opts_copy(struct sluice_load_opts *dst, const struct sluice_load_opts *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL)
		return 0;
	if (src->sz < sizeof(src->sz))
		return -EINVAL;
	for (i = sizeof(*dst); i < src->sz; i++)
		if (((const uint8_t *)src)[i] != 0)
			return -EINVAL;
	memcpy(dst, src, src->sz < sizeof(*dst) ? src->sz : sizeof(*dst));
	return 0;
}

static int load_buf_at(const char *name, const char *base_dir, const char *buf, size_t len,
		       const struct sluice_load_opts *opts, struct sluice_config **out,
		       struct sluice_diags *diags)
{
	struct loader ld = {.name = name ? name : "<buffer>", .base_dir = base_dir, .diags = diags};
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = 0;

	if (diags != NULL)
		diags->count = diags->dropped = 0;
	if (opts_copy(&ld.opts, opts) < 0) {
		diag_at(&ld, 0, 0, "bad struct sluice_load_opts (sz %zu)", opts->sz);
		return -EINVAL;
	}
	if (len > SLUICE_LOAD_SIZE_MAX) {
		diag_at(&ld, 0, 0, "file is larger than %u MiB", SLUICE_LOAD_SIZE_MAX >> 20);
		return -EFBIG;
	}
	ld.cfg = sluice_config_new(ld.opts.nb_ports);
	if (ld.cfg == NULL)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		rc = -ENOMEM;
		goto out_free_config;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)(buf ? buf : ""), len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		rc = syntax_error(&ld, &parser, buf, len);
		goto out_delete_parser;
	}
	load_root(&ld);
	/* A second document would be silently ignored: refuse it. */
	if (!ld.nomem) {
		if (!yaml_parser_load(&parser, &extra)) {
			rc = syntax_error(&ld, &parser, buf, len);
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r != NULL)
				diag(&ld, r, "only one YAML document is allowed per file");
			yaml_document_delete(&extra);
		}
	}
	yaml_document_delete(&ld.doc);
	if (rc == 0 && ld.nomem)
		rc = -ENOMEM;
	else if (rc == 0 && ld.nb_errors != 0)
		rc = -EINVAL;
out_delete_parser:
	yaml_parser_delete(&parser);
out_free_config:
	if (diags != NULL)
		diags_sort(diags);
	if (rc < 0) {
		if (rc == -ENOMEM)
			diag_at(&ld, 0, 0, "out of memory");
		sluice_config_free(ld.cfg);
		return rc;
	}
	*out = ld.cfg;
	return 0;
}

int sluice_config_load_buf(const char *name, const char *buf, size_t len,
			   const struct sluice_load_opts *opts, struct sluice_config **out,
			   struct sluice_diags *diags)
{
	return load_buf_at(name, NULL, buf, len, opts, out, diags);
}

int sluice_config_load_file(const char *path, const struct sluice_load_opts *opts,
			    struct sluice_config **out, struct sluice_diags *diags)
{
	struct loader ld = {.name = path, .diags = diags};
	size_t len = 0, cap = 0;
	char *buf = NULL, *p;
	FILE *f;
	int rc;

	if (diags != NULL)
		diags->count = diags->dropped = 0;
	f = fopen(path, "rb");
	if (f == NULL) {
		rc = -errno;
		diag_at(&ld, 0, 0, "cannot open: %s", strerror(-rc));
		return rc;
	}
	/* Read to EOF rather than trust st_size: the path may be a pipe. */
	for (;;) {
		size_t n;

		if (len == cap) {
			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > SLUICE_LOAD_SIZE_MAX + 1)
				cap = SLUICE_LOAD_SIZE_MAX + 1;
			p = realloc(buf, cap);
			if (p == NULL) {
				rc = -ENOMEM;
				goto out_close;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0 || len > SLUICE_LOAD_SIZE_MAX)
			break;
	}
	if (ferror(f)) {
		rc = -EIO;
		diag_at(&ld, 0, 0, "read error");
		goto out_close;
	}
	if (len > SLUICE_LOAD_SIZE_MAX) {
		rc = -EFBIG;
		diag_at(&ld, 0, 0, "file is larger than %u MiB", SLUICE_LOAD_SIZE_MAX >> 20);
		goto out_close;
	}
	{
		/* Model files are named relative to this file: absolute, so a saved copy agrees. */
		const char *slash = strrchr(path, '/');
		char dir[2 * SLUICE_NPU_PATH_MAX], cwd[SLUICE_NPU_PATH_MAX];
		size_t dlen = slash == NULL ? 0 : slash == path ? 1 : (size_t)(slash - path);
		size_t at = 0;

		if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL) {
			at = strlen(cwd);
			memcpy(dir, cwd, at);
			if (dlen)
				dir[at++] = '/';
		}
		if (at + dlen >= sizeof(dir))
			at = dlen = 0; /* too long: model paths then fail as too long themselves */
		memcpy(dir + at, path, dlen);
		dir[at + dlen] = '\0';
		rc = load_buf_at(path, dir, buf, len, opts, out, diags);
	}
out_close:
	fclose(f);
	free(buf);
	return rc;
}
