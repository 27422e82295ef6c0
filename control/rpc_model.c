/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tenant model over JSON-RPC: decoders and encoders for its objects, in
 * the shapes the tenant file uses (docs/tenant-file.md), and one thin
 * handler per method. Syntax is checked here; every semantic check is the
 * model's (sluice_model_*()), exactly as for the tenant file loader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "sluice_rpc.h"
#include "sluice_save.h"
#include "rpc_priv.h"

#define P SLUICE_RPC_PARAM
#define NB(a) ((unsigned int)(sizeof(a) / sizeof((a)[0])))

static const struct sluice_pos no_pos;

static int nomem(struct sluice_rpc_req *req)
{
	return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL, "out of memory");
}

static int dec_u16(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	uint64_t n = 0;

	if (rpc_decode_uint(req, v, UINT16_MAX, &n) < 0)
		return -1;
	*(uint16_t *)out = (uint16_t)n;
	return 0;
}

static int dec_u8(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	uint64_t n = 0;

	if (rpc_decode_uint(req, v, UINT8_MAX, &n) < 0)
		return -1;
	*(uint8_t *)out = (uint8_t)n;
	return 0;
}

static int dec_u64(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	/* JSON integers here are signed 64-bit: INT64_MAX is the largest that parses. */
	return rpc_decode_uint(req, v, INT64_MAX, out);
}

/* ---- Ingress match ---------------------------------------------------------- */

struct match_in {
	uint16_t port;
	uint16_t vlan, inner_vlan;
	uint32_t vni;
};

static const struct sluice_rpc_param match_keys[] = {
    P("port", sluice_rpc_decode_port, struct match_in, port, false),
    P("vlan", dec_u16, struct match_in, vlan, false),
    P("inner_vlan", dec_u16, struct match_in, inner_vlan, false),
    P("vni", sluice_rpc_decode_u32, struct match_in, vni, false),
};

int sluice_rpc_decode_match(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct sluice_match *m = out;
	struct match_in in = {.port = SLUICE_PORT_ANY};
	bool port, vlan, inner, vni;

	if (sluice_rpc_decode_object(req, v, "match", match_keys, NB(match_keys), NULL, &in) < 0)
		return -1;
	port = json_object_get(v, "port") != NULL;
	vlan = json_object_get(v, "vlan") != NULL;
	inner = json_object_get(v, "inner_vlan") != NULL;
	vni = json_object_get(v, "vni") != NULL;
	/* Which keys are present picks the kind, as in tenant files. */
	if (vni && (vlan || inner))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, vlan ? "vlan" : "inner_vlan",
				       "%s cannot be combined with vni",
				       vlan ? "vlan" : "inner_vlan");
	if (!vni && !port)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "match needs a port or a vni");
	if (inner && !vlan)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "inner_vlan",
				       "inner_vlan needs vlan (the outer S-tag)");
	memset(m, 0, sizeof(*m));
	m->kind = vni	  ? SLUICE_MATCH_VNI
		  : inner ? SLUICE_MATCH_QINQ
		  : vlan  ? SLUICE_MATCH_VLAN
			  : SLUICE_MATCH_PORT;
	m->port = in.port;
	m->vlan = in.vlan;
	m->inner_vlan = in.inner_vlan;
	m->vni = in.vni;
	return 0;
}

json_t *sluice_rpc_encode_match(const struct sluice_match *m)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (m->port != SLUICE_PORT_ANY)
		json_object_set_new(o, "port", json_integer(m->port));
	if (m->kind == SLUICE_MATCH_VLAN || m->kind == SLUICE_MATCH_QINQ)
		json_object_set_new(o, "vlan", json_integer(m->vlan));
	if (m->kind == SLUICE_MATCH_QINQ)
		json_object_set_new(o, "inner_vlan", json_integer(m->inner_vlan));
	if (m->kind == SLUICE_MATCH_VNI)
		json_object_set_new(o, "vni", json_integer(m->vni));
	return o;
}

/* ---- Flow and rule matches ---------------------------------------------------- */

struct flow_match_in {
	const json_t *family, *proto, *src, *dst, *sport, *dport;
};

static const struct sluice_rpc_param flow_match_keys[] = {
    P("proto", sluice_rpc_decode_json, struct flow_match_in, proto, true),
    P("src", sluice_rpc_decode_json, struct flow_match_in, src, true),
    P("dst", sluice_rpc_decode_json, struct flow_match_in, dst, true),
    P("sport", sluice_rpc_decode_json, struct flow_match_in, sport, true),
    P("dport", sluice_rpc_decode_json, struct flow_match_in, dport, true),
};

static const struct sluice_rpc_param rule_match_keys[] = {
    P("family", sluice_rpc_decode_json, struct flow_match_in, family, false),
    P("proto", sluice_rpc_decode_json, struct flow_match_in, proto, false),
    P("src", sluice_rpc_decode_json, struct flow_match_in, src, false),
    P("dst", sluice_rpc_decode_json, struct flow_match_in, dst, false),
    P("sport", sluice_rpc_decode_json, struct flow_match_in, sport, false),
    P("dport", sluice_rpc_decode_json, struct flow_match_in, dport, false),
};

/* A string field; key NULL: the value being decoded is the path's last key. */
static int field_str(struct sluice_rpc_req *req, const char *key, const json_t *v,
		     const char *expect, const char **s, char buf[RPC_QUOTE_MAX])
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
				       "%s: expected %s, got %s", key ? key : rpc_key(req), expect,
				       json_is_string(v) ? "a string with a NUL"
							 : rpc_type_name(v));
	*s = json_string_value(v);
	model_quote(*s, json_string_length(v), buf);
	return 0;
}

static int dec_prefix(struct sluice_rpc_req *req, const char *key, const json_t *v, uint8_t *family,
		      uint8_t addr[16], uint8_t *len)
{
	char buf[RPC_QUOTE_MAX], abuf[48];
	const char *s = NULL, *slash;
	uint8_t f, l;

	if (field_str(req, key, v, "an address or prefix (a string)", &s, buf) < 0)
		return -1;
	if (sluice_model_parse_prefix(s, family, addr, len) == 0)
		return 0;
	slash = strchr(s, '/');
	if (slash != NULL && (size_t)(slash - s) < sizeof(abuf)) {
		memcpy(abuf, s, (size_t)(slash - s));
		abuf[slash - s] = '\0';
		if (sluice_model_parse_prefix(abuf, &f, addr, &l) == 0 && f != 0)
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
					       "%s '%s' has a bad prefix length (0..%u)", key, buf,
					       l);
	}
	return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
			       "%s '%s' is not an IPv4 or IPv6 address or prefix", key, buf);
}

static int dec_ports(struct sluice_rpc_req *req, const char *key, const json_t *v, uint16_t *lo,
		     uint16_t *hi)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;
	int rc;

	if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		if (n < 0 || n > UINT16_MAX)
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
					       "%s %lld out of range 0..65535", key, (long long)n);
		*lo = *hi = (uint16_t)n;
		return 0;
	}
	if (field_str(req, key, v, "a port (an integer) or a string \"LO-HI\" or \"any\"", &s,
		      buf) < 0)
		return -1;
	rc = sluice_model_parse_ports(s, lo, hi);
	if (rc == -EINVAL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
				       "%s '%s' is not a port, a range LO-HI or any", key, buf);
	if (rc < 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, key,
				       "%s %s out of range 0..65535", key, buf);
	return 0;
}

static const char *family_name(uint8_t f)
{
	return f == 4 ? "IPv4" : "IPv6";
}

static int dec_flow_match(struct sluice_rpc_req *req, const json_t *v, bool exact,
			  struct sluice_flow_match *m)
{
	struct flow_match_in in = {0};
	uint8_t sf = 0, df = 0, family = 0;
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (sluice_rpc_decode_object(req, v, exact ? "flow match" : "rule match",
				     exact ? flow_match_keys : rule_match_keys,
				     exact ? NB(flow_match_keys) : NB(rule_match_keys), NULL,
				     &in) < 0)
		return -1;
	memset(m, 0, sizeof(*m));
	m->proto_any = true;
	m->sport_hi = m->dport_hi = UINT16_MAX;
	if (in.family != NULL) {
		if (field_str(req, "family", in.family, "\"ipv4\" or \"ipv6\"", &s, buf) < 0)
			return -1;
		if (strcmp(s, "ipv4") == 0)
			family = 4;
		else if (strcmp(s, "ipv6") == 0)
			family = 6;
		else
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "family",
					       "family '%s' is not ipv4 or ipv6", buf);
	}
	if (in.proto != NULL) {
		if (json_is_integer(in.proto)) {
			json_int_t n = json_integer_value(in.proto);

			if (n < 0 || n > 255)
				return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "proto",
						       "proto %lld out of range 0..255",
						       (long long)n);
			m->proto = (uint8_t)n;
			m->proto_any = false;
		} else {
			if (field_str(req, "proto", in.proto, "a protocol name or number", &s,
				      buf) < 0)
				return -1;
			if (sluice_model_parse_proto(s, &m->proto, &m->proto_any) < 0)
				return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "proto",
						       "proto '%s' is not tcp, udp, icmp, icmpv6, "
						       "any or 0..255",
						       buf);
		}
	}
	if (in.src && dec_prefix(req, "src", in.src, &sf, m->src, &m->src_len) < 0)
		return -1;
	if (in.dst && dec_prefix(req, "dst", in.dst, &df, m->dst, &m->dst_len) < 0)
		return -1;
	/* One family per match: the struct cannot express a mix. */
	if (family && sf && sf != family)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "src",
				       "src is %s but family is ipv%u", family_name(sf), family);
	if (family && df && df != family)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "dst",
				       "dst is %s but family is ipv%u", family_name(df), family);
	if (sf && df && sf != df)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "dst",
				       "dst is %s but src is %s", family_name(df), family_name(sf));
	m->family = family ? family : sf ? sf : df ? df : 4;
	if (in.sport && dec_ports(req, "sport", in.sport, &m->sport_lo, &m->sport_hi) < 0)
		return -1;
	if (in.dport && dec_ports(req, "dport", in.dport, &m->dport_lo, &m->dport_hi) < 0)
		return -1;
	return 0;
}

int sluice_rpc_decode_flow_match(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return dec_flow_match(req, v, true, out);
}

int sluice_rpc_decode_rule_match(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return dec_flow_match(req, v, false, out);
}

static json_t *encode_ports(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == hi)
		return json_integer(lo);
	sluice_model_format_ports(lo, hi, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *encode_flow_match(const struct sluice_flow_match *m, bool exact)
{
	char src[SLUICE_FMT_PREFIX_MAX], dst[SLUICE_FMT_PREFIX_MAX], proto[8];
	json_t *o;

	sluice_model_format_prefix(m->family, m->src, m->src_len, src, sizeof(src));
	sluice_model_format_prefix(m->family, m->dst, m->dst_len, dst, sizeof(dst));
	sluice_model_format_proto(m->proto, m->proto_any, proto, sizeof(proto));
	o = json_pack("{s:s,s:s,s:o,s:o}", "src", src, "dst", dst, "sport",
		      encode_ports(m->sport_lo, m->sport_hi), "dport",
		      encode_ports(m->dport_lo, m->dport_hi));
	if (o == NULL)
		return NULL;
	/* A protocol without a name is a number, as params take it. */
	if (!m->proto_any && (proto[0] >= '0' && proto[0] <= '9'))
		json_object_set_new(o, "proto", json_integer(m->proto));
	else
		json_object_set_new(o, "proto", json_string(proto));
	if (!exact)
		json_object_set_new(o, "family", json_string(m->family == 6 ? "ipv6" : "ipv4"));
	return o;
}

/* ---- Actions ---------------------------------------------------------------- */

static const struct sluice_rpc_param meter_keys[] = {
    P("cir", dec_u64, struct sluice_meter, cir, true),
    P("pir", dec_u64, struct sluice_meter, pir, true),
    P("cbs", dec_u64, struct sluice_meter, cbs, true),
    P("pbs", dec_u64, struct sluice_meter, pbs, true),
};

static int dec_mac(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "a MAC address (a string)", &s, buf) < 0)
		return -1;
	if (sluice_model_parse_mac(s, out) < 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
				       rpc_key(req), buf);
	return 0;
}

static int dec_ipv4(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "an IPv4 address (a string)", &s, buf) < 0)
		return -1;
	if (inet_pton(AF_INET, s, out) != 1)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s' is not an IPv4 address", rpc_key(req), buf);
	return 0;
}

static const struct sluice_rpc_param encap_keys[] = {
    P("src_mac", dec_mac, struct sluice_vxlan_encap, src_mac, true),
    P("dst_mac", dec_mac, struct sluice_vxlan_encap, dst_mac, true),
    P("src_ip", dec_ipv4, struct sluice_vxlan_encap, src_ip, true),
    P("dst_ip", dec_ipv4, struct sluice_vxlan_encap, dst_ip, true),
    P("vni", sluice_rpc_decode_u32, struct sluice_vxlan_encap, vni, true),
    P("udp_src", dec_u16, struct sluice_vxlan_encap, udp_src, false),
    P("udp_dst", dec_u16, struct sluice_vxlan_encap, udp_dst, false),
    P("ttl", dec_u8, struct sluice_vxlan_encap, ttl, false),
};

/* One action: a name, or an object of one name to its value. */
static int dec_action(struct sluice_rpc_req *req, const json_t *item, struct sluice_actions *a)
{
	const char *name;
	json_t *v = NULL;
	char buf[RPC_QUOTE_MAX];
	const struct sluice_action_name *an;
	size_t mark;
	int rc = 0;

	if (json_is_object(item)) {
		void *it = json_object_iter((json_t *)item);

		if (json_object_size(item) != 1)
			return sluice_rpc_fail(
			    req, SLUICE_RPC_INVALID_PARAMS, NULL,
			    "an action object must have exactly one key, got %zu",
			    json_object_size(item));
		name = json_object_iter_key(it);
		v = json_object_iter_value(it);
	} else if (json_is_string(item)) {
		name = json_string_value(item);
	} else {
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "action: expected a name or a one-key object, got %s",
				       rpc_type_name(item));
	}
	an = sluice_model_action_find(name);
	if (an == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "unknown action '%s' (expected count, drop, forward, meter, "
				       "switch, to_npu, vxlan_decap or vxlan_encap)",
				       model_quote(name, strlen(name), buf));
	if (an->has_value && v == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "action '%s' needs a value ({\"%s\": ...})", name, name);
	if (!an->has_value && v != NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "action '%s' takes no value; write it as a plain string",
				       name);
	if (a->flags & an->flag)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "duplicate action '%s'", name);
	a->flags |= an->flag;
	if (v == NULL)
		return 0;
	mark = sluice_rpc_path_push(req, an->name, 0);
	switch (an->flag) {
	case SLUICE_ACT_FORWARD:
		rc = sluice_rpc_decode_port(req, v, &a->port);
		break;
	case SLUICE_ACT_METER:
		rc = sluice_rpc_decode_object(req, v, "meter", meter_keys, NB(meter_keys), NULL,
					      &a->meter);
		break;
	case SLUICE_ACT_ENCAP:
		rc = sluice_rpc_decode_object(req, v, "vxlan_encap", encap_keys, NB(encap_keys),
					      NULL, &a->encap);
		break;
	case SLUICE_ACT_TO_NPU:
		rc = sluice_rpc_decode_name(req, v, a->npu_context);
		break;
	}
	sluice_rpc_path_pop(req, mark);
	return rc;
}

int sluice_rpc_decode_actions(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct sluice_actions *a = out;
	size_t i, mark;

	memset(a, 0, sizeof(*a));
	if (!json_is_array(v))
		return dec_action(req, v, a);
	for (i = 0; i < json_array_size(v); i++) {
		int rc;

		mark = sluice_rpc_path_push(req, NULL, (unsigned int)i);
		rc = dec_action(req, json_array_get(v, i), a);
		sluice_rpc_path_pop(req, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static json_t *encode_encap(const struct sluice_vxlan_encap *e)
{
	char ip[2][INET_ADDRSTRLEN], mac[2][24];

	sluice_model_format_mac(e->src_mac, mac[0], sizeof(mac[0]));
	sluice_model_format_mac(e->dst_mac, mac[1], sizeof(mac[1]));
	inet_ntop(AF_INET, &e->src_ip, ip[0], sizeof(ip[0]));
	inet_ntop(AF_INET, &e->dst_ip, ip[1], sizeof(ip[1]));
	return json_pack("{s:s,s:s,s:s,s:s,s:I,s:i,s:i,s:i}", "src_mac", mac[0], "dst_mac", mac[1],
			 "src_ip", ip[0], "dst_ip", ip[1], "vni", (json_int_t)e->vni, "udp_src",
			 e->udp_src, "udp_dst", e->udp_dst, "ttl", e->ttl);
}

json_t *sluice_rpc_encode_actions(const struct sluice_actions *a)
{
	json_t *l = json_array();

	if (l == NULL)
		return NULL;
	/* The order they run in, as the tenant file writer lists them. */
	if (a->flags & SLUICE_ACT_DECAP)
		json_array_append_new(l, json_string("vxlan_decap"));
	if (a->flags & SLUICE_ACT_METER)
		json_array_append_new(
		    l, json_pack("{s:{s:I,s:I,s:I,s:I}}", "meter", "cir", (json_int_t)a->meter.cir,
				 "pir", (json_int_t)a->meter.pir, "cbs", (json_int_t)a->meter.cbs,
				 "pbs", (json_int_t)a->meter.pbs));
	if (a->flags & SLUICE_ACT_ENCAP)
		json_array_append_new(l,
				      json_pack("{s:o}", "vxlan_encap", encode_encap(&a->encap)));
	if (a->flags & SLUICE_ACT_COUNT)
		json_array_append_new(l, json_string("count"));
	if (a->flags & SLUICE_ACT_FORWARD)
		json_array_append_new(l, json_pack("{s:i}", "forward", a->port));
	if (a->flags & SLUICE_ACT_DROP)
		json_array_append_new(l, json_string("drop"));
	if (a->flags & SLUICE_ACT_SWITCH)
		json_array_append_new(l, json_string("switch"));
	if (a->flags & SLUICE_ACT_TO_NPU)
		json_array_append_new(l, json_pack("{s:s#}", "to_npu", a->npu_context,
						   (int)strnlen(a->npu_context, SLUICE_NAME_MAX)));
	return l;
}

/* ---- NPU contexts -------------------------------------------------------------- */

static int dec_npu_format(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "a stream format (a string)", &s, buf) < 0)
		return -1;
	if (sluice_npu_format_parse(s, out) < 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "format '%s' is not rfc4175 or tensor", buf);
	return 0;
}

static int dec_npu_pixel(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "a pixel format (a string)", &s, buf) < 0)
		return -1;
	if (sluice_npu_pixel_parse(s, out) < 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "pixel '%s' is not gray8 or rgb8", buf);
	return 0;
}

static const struct sluice_rpc_param npu_input_keys[] = {
    P("format", dec_npu_format, struct sluice_npu_input, format, true),
    P("pixel", dec_npu_pixel, struct sluice_npu_input, pixel, false),
    P("width", dec_u16, struct sluice_npu_input, width, true),
    P("height", dec_u16, struct sluice_npu_input, height, true),
    P("payload_type", dec_u8, struct sluice_npu_input, payload_type, false),
};

static int dec_npu_input(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return sluice_rpc_decode_object(req, v, "input", npu_input_keys, NB(npu_input_keys), NULL,
					out);
}

static const struct sluice_rpc_param npu_batch_keys[] = {
    P("threshold", dec_u16, struct sluice_npu_context, batch_threshold, false),
    P("timeout_us", sluice_rpc_decode_u32, struct sluice_npu_context, batch_timeout_us, false),
};

static const struct sluice_rpc_param npu_result_keys[] = {
    P("port", sluice_rpc_decode_port, struct sluice_npu_result_dest, port, true),
    P("dst_mac", dec_mac, struct sluice_npu_result_dest, dst_mac, true),
    P("src_mac", dec_mac, struct sluice_npu_result_dest, src_mac, true),
    P("src_ip", dec_ipv4, struct sluice_npu_result_dest, src_ip, true),
    P("dst_ip", dec_ipv4, struct sluice_npu_result_dest, dst_ip, true),
    P("sport", dec_u16, struct sluice_npu_result_dest, sport, false),
    P("dport", dec_u16, struct sluice_npu_result_dest, dport, true),
};

/* "sender", or an explicit destination. */
static int dec_npu_result(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct sluice_npu_result_dest *r = out;

	if (json_is_string(v)) {
		char buf[RPC_QUOTE_MAX];

		if (strcmp(json_string_value(v), "sender") == 0 &&
		    json_string_length(v) == strlen("sender")) {
			r->to_sender = true;
			return 0;
		}
		return sluice_rpc_fail(
		    req, SLUICE_RPC_INVALID_PARAMS, NULL,
		    "result '%s' is not sender or an object (port, dst_mac, src_mac, src_ip, "
		    "dst_ip, dport)",
		    model_quote(json_string_value(v), json_string_length(v), buf));
	}
	memset(r, 0, sizeof(*r));
	return sluice_rpc_decode_object(req, v, "result", npu_result_keys, NB(npu_result_keys),
					NULL, r);
}

/* The context, and its batch object, decoded after the rest. */
struct npu_ctx_in {
	struct sluice_npu_context c;
	const json_t *batch;
};

static const struct sluice_rpc_param npu_ctx_keys[] = {
    P("name", sluice_rpc_decode_name, struct npu_ctx_in, c.name, true),
    P("model", sluice_rpc_decode_name, struct npu_ctx_in, c.model, false),
    P("input", dec_npu_input, struct npu_ctx_in, c.input, false),
    P("weight", dec_u8, struct npu_ctx_in, c.weight, false),
    P("priority", dec_u8, struct npu_ctx_in, c.priority, false),
    P("quota_fps", sluice_rpc_decode_u32, struct npu_ctx_in, c.quota_fps, false),
    P("batch", sluice_rpc_decode_json, struct npu_ctx_in, batch, false),
    P("queue_depth", dec_u16, struct npu_ctx_in, c.queue_depth, false),
    P("window", dec_u64, struct npu_ctx_in, c.window, false),
    P("result", dec_npu_result, struct npu_ctx_in, c.result, false),
};

int sluice_rpc_decode_npu_context(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct npu_ctx_in in;
	size_t mark;
	int rc;

	memset(&in, 0, sizeof(in));
	sluice_model_npu_context_init(&in.c);
	/* A name alone declares the context (no model). */
	if (json_is_string(v)) {
		if (sluice_rpc_decode_name(req, v, in.c.name) < 0)
			return -1;
		memcpy(out, &in.c, sizeof(in.c));
		return 0;
	}
	if (!json_is_object(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected a name or an object, got %s", rpc_key(req),
				       rpc_type_name(v));
	if (sluice_rpc_decode_object(req, v, "npu context", npu_ctx_keys, NB(npu_ctx_keys), NULL,
				     &in) < 0)
		return -1;
	/* As in tenant files: a context with a model says what its frames look like. */
	if (in.c.model[0] != '\0' && json_object_get(v, "input") == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "input",
				       "missing field 'input' in npu context (a context with a "
				       "model needs it)");
	if (in.batch != NULL) {
		mark = sluice_rpc_path_push(req, "batch", 0);
		rc = sluice_rpc_decode_object(req, in.batch, "batch", npu_batch_keys,
					      NB(npu_batch_keys), NULL, &in.c);
		sluice_rpc_path_pop(req, mark);
		if (rc < 0)
			return -1;
	}
	memcpy(out, &in.c, sizeof(in.c));
	return 0;
}

json_t *sluice_rpc_encode_npu_context(const struct sluice_npu_context *c)
{
	const struct sluice_npu_result_dest *r = &c->result;
	char ip[2][INET_ADDRSTRLEN], mac[2][24];
	json_t *o, *in, *res;

	if (c->model[0] == '\0')
		return json_stringn(c->name, strnlen(c->name, SLUICE_NAME_MAX));
	in = json_pack("{s:s,s:s,s:i,s:i}", "format", sluice_npu_format_name(c->input.format),
		       "pixel", sluice_npu_pixel_name(c->input.pixel), "width", c->input.width,
		       "height", c->input.height);
	if (in != NULL && c->input.payload_type != 0)
		json_object_set_new(in, "payload_type", json_integer(c->input.payload_type));
	if (r->to_sender) {
		res = json_string("sender");
	} else {
		sluice_model_format_mac(r->dst_mac, mac[0], sizeof(mac[0]));
		sluice_model_format_mac(r->src_mac, mac[1], sizeof(mac[1]));
		inet_ntop(AF_INET, &r->src_ip, ip[0], sizeof(ip[0]));
		inet_ntop(AF_INET, &r->dst_ip, ip[1], sizeof(ip[1]));
		res = json_pack("{s:i,s:s,s:s,s:s,s:s,s:i,s:i}", "port", r->port, "dst_mac", mac[0],
				"src_mac", mac[1], "src_ip", ip[0], "dst_ip", ip[1], "sport",
				r->sport, "dport", r->dport);
	}
	o = json_pack("{s:s#,s:s#,s:o,s:i,s:i,s:I,s:{s:i,s:I},s:i,s:I,s:o}", "name", c->name,
		      (int)strnlen(c->name, SLUICE_NAME_MAX), "model", c->model,
		      (int)strnlen(c->model, SLUICE_NAME_MAX), "input", in, "weight", c->weight,
		      "priority", c->priority, "quota_fps", (json_int_t)c->quota_fps, "batch",
		      "threshold", c->batch_threshold, "timeout_us",
		      (json_int_t)c->batch_timeout_us, "queue_depth", c->queue_depth, "window",
		      (json_int_t)c->window, "result", res);
	return o;
}

/* ---- vNICs and the uplink --------------------------------------------------------- */

static int dec_vnic_socket(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "a socket path (a string)", &s, buf) < 0)
		return -1;
	/* The loader's words: the model checks the rest of the path. */
	if (json_string_length(v) >= SLUICE_VNIC_PATH_MAX)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "socket path is longer than %d characters",
				       SLUICE_VNIC_PATH_MAX - 1);
	memset(out, 0, SLUICE_VNIC_PATH_MAX);
	memcpy(out, s, json_string_length(v));
	return 0;
}

static int dec_vnic_mode(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s = NULL;

	if (field_str(req, NULL, v, "server or client (a string)", &s, buf) < 0)
		return -1;
	if (strcmp(s, "server") == 0)
		*(enum sluice_vnic_mode *)out = SLUICE_VNIC_SERVER;
	else if (strcmp(s, "client") == 0)
		*(enum sluice_vnic_mode *)out = SLUICE_VNIC_CLIENT;
	else
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "mode '%s' is not server or client", buf);
	return 0;
}

static const struct sluice_rpc_param vnic_keys[] = {
    P("name", sluice_rpc_decode_name, struct sluice_vnic, name, true),
    P("socket", dec_vnic_socket, struct sluice_vnic, socket, true),
    P("mode", dec_vnic_mode, struct sluice_vnic, mode, false),
    P("queues", dec_u16, struct sluice_vnic, queues, false),
    P("mac", dec_mac, struct sluice_vnic, mac, true),
};

int sluice_rpc_decode_vnic(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct sluice_vnic n;

	memset(&n, 0, sizeof(n));
	n.mode = SLUICE_VNIC_SERVER;
	n.queues = 1;
	if (sluice_rpc_decode_object(req, v, "vnic", vnic_keys, NB(vnic_keys), NULL, &n) < 0)
		return -1;
	memcpy(out, &n, sizeof(n));
	return 0;
}

json_t *sluice_rpc_encode_vnic(const struct sluice_vnic *v)
{
	char mac[24];

	sluice_model_format_mac(v->mac, mac, sizeof(mac));
	return json_pack("{s:s#,s:s#,s:s,s:i,s:s}", "name", v->name,
			 (int)strnlen(v->name, SLUICE_NAME_MAX), "socket", v->socket,
			 (int)strnlen(v->socket, SLUICE_VNIC_PATH_MAX), "mode",
			 sluice_vnic_mode_name(v->mode), "queues", v->queues, "mac", mac);
}

static int dec_encap(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return sluice_rpc_decode_object(req, v, "vxlan", encap_keys, NB(encap_keys), NULL, out);
}

static const struct sluice_rpc_param uplink_keys[] = {
    P("port", sluice_rpc_decode_port, struct sluice_uplink, port, true),
    P("vlan", dec_u16, struct sluice_uplink, vlan, false),
    P("vxlan", dec_encap, struct sluice_uplink, vxlan, false),
};

int sluice_rpc_decode_uplink(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	struct sluice_uplink u;
	bool vlan, vxlan;

	memset(&u, 0, sizeof(u));
	if (sluice_rpc_decode_object(req, v, "uplink", uplink_keys, NB(uplink_keys), NULL, &u) < 0)
		return -1;
	/* Which keys are present picks the kind, as in tenant files. */
	vlan = json_object_get(v, "vlan") != NULL;
	vxlan = json_object_get(v, "vxlan") != NULL;
	if (vlan && vxlan)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "vxlan",
				       "vxlan cannot be combined with vlan");
	u.kind = vxlan ? SLUICE_UPLINK_VXLAN : vlan ? SLUICE_UPLINK_VLAN : SLUICE_UPLINK_PORT;
	memcpy(out, &u, sizeof(u));
	return 0;
}

json_t *sluice_rpc_encode_uplink(const struct sluice_uplink *u)
{
	switch (u->kind) {
	case SLUICE_UPLINK_PORT:
		return json_pack("{s:i}", "port", u->port);
	case SLUICE_UPLINK_VLAN:
		return json_pack("{s:i,s:i}", "port", u->port, "vlan", u->vlan);
	case SLUICE_UPLINK_VXLAN:
		return json_pack("{s:i,s:o}", "port", u->port, "vxlan", encode_encap(&u->vxlan));
	default:
		return json_null();
	}
}

json_t *sluice_rpc_encode_flow(const struct sluice_flow *f, bool exact)
{
	json_t *o = json_pack(
	    "{s:s#,s:o,s:o}", "name", f->name, (int)strnlen(f->name, SLUICE_NAME_MAX), "match",
	    encode_flow_match(&f->match, exact), "actions", sluice_rpc_encode_actions(&f->actions));

	if (o != NULL && !exact)
		json_object_set_new(o, "priority", json_integer(f->priority));
	return o;
}

json_t *sluice_rpc_encode_tenant(const struct sluice_tenant *t)
{
	json_t *o, *l;
	uint32_t i;

	o = json_pack("{s:s,s:o}", "name", t->name, "default",
		      sluice_rpc_encode_actions(&t->default_actions));
	if (o == NULL)
		return NULL;
	l = json_array();
	for (i = 0; i < t->nb_matches; i++)
		json_array_append_new(l, sluice_rpc_encode_match(&t->matches[i]));
	json_object_set_new(o, "match", l);
	l = json_array();
	for (i = 0; i < t->nb_npu_contexts; i++)
		json_array_append_new(l, sluice_rpc_encode_npu_context(&t->npu_contexts[i]));
	json_object_set_new(o, "npu_contexts", l);
	l = json_array();
	for (i = 0; i < t->nb_flows; i++)
		json_array_append_new(l, sluice_rpc_encode_flow(&t->flows[i], true));
	json_object_set_new(o, "flows", l);
	l = json_array();
	for (i = 0; i < t->nb_rules; i++)
		json_array_append_new(l, sluice_rpc_encode_flow(&t->rules[i], false));
	json_object_set_new(o, "rules", l);
	l = json_array();
	for (i = 0; i < t->nb_vnics; i++)
		json_array_append_new(l, sluice_rpc_encode_vnic(&t->vnics[i]));
	json_object_set_new(o, "vnics", l);
	/* No uplink: no key, so that the object goes back to tenant_add as it is. */
	if (t->uplink.kind != SLUICE_UPLINK_NONE &&
	    json_object_set_new(o, "uplink", sluice_rpc_encode_uplink(&t->uplink)) != 0) {
		json_decref(o);
		return NULL;
	}
	/* A failed append leaves a short list: report it as out of memory. */
	if (json_array_size(json_object_get(o, "vnics")) != t->nb_vnics ||
	    json_array_size(json_object_get(o, "match")) != t->nb_matches ||
	    json_array_size(json_object_get(o, "flows")) != t->nb_flows ||
	    json_array_size(json_object_get(o, "rules")) != t->nb_rules ||
	    json_array_size(json_object_get(o, "npu_contexts")) != t->nb_npu_contexts) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- Params shared by several methods ------------------------------------------ */

/* A flow or rule as params (flow_add, rule_add, tenant_add's lists): the model's struct. */
static const struct sluice_rpc_param flow_params[] = {
    P("name", sluice_rpc_decode_name, struct sluice_flow, name, false),
    P("match", sluice_rpc_decode_flow_match, struct sluice_flow, match, true),
    P("actions", sluice_rpc_decode_actions, struct sluice_flow, actions, true),
};

static const struct sluice_rpc_param rule_params[] = {
    P("name", sluice_rpc_decode_name, struct sluice_flow, name, false),
    P("priority", sluice_rpc_decode_u32, struct sluice_flow, priority, false),
    P("match", sluice_rpc_decode_rule_match, struct sluice_flow, match, true),
    P("actions", sluice_rpc_decode_actions, struct sluice_flow, actions, true),
};

struct name_p {
	char name[SLUICE_NAME_MAX];
};

static const struct sluice_rpc_param name_params[] = {
    P("name", sluice_rpc_decode_name, struct name_p, name, true),
};

/* ---- Tenants ----------------------------------------------------------------- */

static json_t *tenant_summary(const struct sluice_tenant *t)
{
	return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o}", "name", t->name, "matches",
			 (json_int_t)t->nb_matches, "flows", (json_int_t)t->nb_flows, "rules",
			 (json_int_t)t->nb_rules, "npu_contexts", (json_int_t)t->nb_npu_contexts,
			 "vnics", (json_int_t)t->nb_vnics, "default",
			 sluice_rpc_encode_actions(&t->default_actions));
}

static int do_tenant_list(struct sluice_rpc_req *req, void *params)
{
	json_t *l = json_array();
	uint32_t i;

	(void)params;
	if (l == NULL)
		return nomem(req);
	for (i = 0; i < req->cfg->nb_tenants; i++) {
		const struct sluice_tenant *t = &req->cfg->tenants[i];

		/* A tenant's socket sees its own tenant only. */
		if (req->scope != NULL && strcmp(req->scope, t->name) != 0)
			continue;
		if (json_array_append_new(l, tenant_summary(t)) != 0) {
			json_decref(l);
			return nomem(req);
		}
	}
	req->result = l;
	return 0;
}

static int do_tenant_get(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	req->result = sluice_rpc_encode_tenant(req->tenant);
	return req->result ? 0 : nomem(req);
}

struct tenant_add_p {
	char name[SLUICE_NAME_MAX];
	const json_t *match, *npu_contexts, *def, *flows, *rules, *vnics, *uplink;
};

static int want_array(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	if (!json_is_array(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected an array, got %s", rpc_key(req),
				       rpc_type_name(v));
	*(const json_t **)out = v;
	return 0;
}

static const struct sluice_rpc_param tenant_add_params[] = {
    P("name", sluice_rpc_decode_name, struct tenant_add_p, name, true),
    P("match", want_array, struct tenant_add_p, match, false),
    P("npu_contexts", want_array, struct tenant_add_p, npu_contexts, false),
    P("default", sluice_rpc_decode_json, struct tenant_add_p, def, false),
    P("flows", want_array, struct tenant_add_p, flows, false),
    P("rules", want_array, struct tenant_add_p, rules, false),
    P("vnics", want_array, struct tenant_add_p, vnics, false),
    P("uplink", sluice_rpc_decode_json, struct tenant_add_p, uplink, false),
};

/* Decode every item of `list` with `decode` and hand it to `add`, with its path. */
static int each(struct sluice_rpc_req *req, const char *key, const json_t *list,
		int (*decode)(struct sluice_rpc_req *, const json_t *, void *), size_t size,
		int (*add)(struct sluice_rpc_req *, struct sluice_tenant *, void *),
		struct sluice_tenant *t)
{
	size_t i, k;
	int rc = 0;
	void *item;

	if (list == NULL)
		return 0;
	item = malloc(size);
	if (item == NULL)
		return nomem(req);
	k = sluice_rpc_path_push(req, key, 0);
	for (i = 0; i < json_array_size(list) && rc == 0; i++) {
		size_t mark = sluice_rpc_path_push(req, NULL, (unsigned int)i);

		memset(item, 0, size);
		rc = decode(req, json_array_get(list, i), item);
		if (rc == 0)
			rc = add(req, t, item);
		sluice_rpc_path_pop(req, mark);
	}
	sluice_rpc_path_pop(req, k);
	free(item);
	return rc < 0 ? -1 : 0;
}

/* A context declared by name only, or defined with a model: the loader's two calls. */
static int add_npu_context(struct sluice_rpc_req *req, struct sluice_tenant *t, void *ctx)
{
	const struct sluice_npu_context *c = ctx;
	struct sluice_err err;
	int rc = c->model[0] == '\0' ? sluice_model_npu_context_add(t, c->name, &err)
				     : sluice_model_npu_context_define(req->cfg, t, c, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int add_match(struct sluice_rpc_req *req, struct sluice_tenant *t, void *m)
{
	struct sluice_err err;
	int rc = sluice_model_match_add(req->cfg, t, m, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int add_flow(struct sluice_rpc_req *req, struct sluice_tenant *t, void *f)
{
	struct sluice_err err;
	int rc = sluice_model_flow_add(req->cfg, t, f, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int add_rule(struct sluice_rpc_req *req, struct sluice_tenant *t, void *r)
{
	struct sluice_err err;
	int rc = sluice_model_rule_add(req->cfg, t, r, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int add_vnic(struct sluice_rpc_req *req, struct sluice_tenant *t, void *v)
{
	struct sluice_err err;
	int rc = sluice_model_vnic_add(req->cfg, t, v, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int set_uplink(struct sluice_rpc_req *req, struct sluice_tenant *t, const json_t *v)
{
	struct sluice_uplink u;
	struct sluice_err err;
	size_t mark = sluice_rpc_path_push(req, "uplink", 0);
	int rc = sluice_rpc_decode_uplink(req, v, &u);

	if (rc == 0) {
		rc = sluice_model_uplink_set(req->cfg, t, &u, &err);
		if (rc < 0)
			sluice_rpc_fail_model(req, rc, &err);
	}
	sluice_rpc_path_pop(req, mark);
	return rc < 0 ? -1 : 0;
}

static int dec_flow_obj(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return sluice_rpc_decode_object(req, v, "flow", flow_params, NB(flow_params), NULL, out);
}

static int dec_rule_obj(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	return sluice_rpc_decode_object(req, v, "rule", rule_params, NB(rule_params), NULL, out);
}

/* The whole tenant, in the order the loader takes a tenant file's. */
static int do_tenant_add(struct sluice_rpc_req *req, void *params)
{
	struct tenant_add_p *p = params;
	struct sluice_tenant *t;
	struct sluice_actions a;
	struct sluice_err err;
	size_t mark;
	int rc;

	mark = sluice_rpc_path_push(req, "name", 0);
	rc = sluice_model_tenant_add(req->cfg, p->name, no_pos, &t, &err);
	sluice_rpc_path_pop(req, mark);
	if (rc < 0)
		return sluice_rpc_fail_model(req, rc, &err);
	/* Contexts first: actions anywhere in the tenant may name them. */
	if (each(req, "npu_contexts", p->npu_contexts, sluice_rpc_decode_npu_context,
		 sizeof(struct sluice_npu_context), add_npu_context, t) < 0 ||
	    each(req, "vnics", p->vnics, sluice_rpc_decode_vnic, sizeof(struct sluice_vnic),
		 add_vnic, t) < 0 ||
	    each(req, "match", p->match, sluice_rpc_decode_match, sizeof(struct sluice_match),
		 add_match, t) < 0)
		return -1;
	/* After the matches: the uplink needs the one that brings its frames back. */
	if (p->uplink != NULL && set_uplink(req, t, p->uplink) < 0)
		return -1;
	if (p->def == NULL && t->nb_vnics != 0) {
		/* As in tenant files: a tenant with vNICs switches what nothing claims. */
		memset(&a, 0, sizeof(a));
		a.flags = SLUICE_ACT_SWITCH;
		rc = sluice_model_default_set(req->cfg, t, &a, &err);
		if (rc < 0)
			return sluice_rpc_fail_model(req, rc, &err);
	}
	if (p->def != NULL) {
		mark = sluice_rpc_path_push(req, "default", 0);
		rc = sluice_rpc_decode_actions(req, p->def, &a);
		if (rc == 0) {
			rc = sluice_model_default_set(req->cfg, t, &a, &err);
			if (rc < 0)
				sluice_rpc_fail_model(req, rc, &err);
		}
		sluice_rpc_path_pop(req, mark);
		if (rc < 0)
			return -1;
	}
	if (each(req, "flows", p->flows, dec_flow_obj, sizeof(struct sluice_flow), add_flow, t) <
		0 ||
	    each(req, "rules", p->rules, dec_rule_obj, sizeof(struct sluice_flow), add_rule, t) < 0)
		return -1;
	rc = sluice_model_tenant_check(t, &err);
	if (rc < 0)
		return sluice_rpc_fail_model(req, rc, &err);
	req->result = json_pack("{s:s}", "name", t->name);
	return req->result ? 0 : nomem(req);
}

static int do_tenant_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	char name[SLUICE_NAME_MAX];
	int rc;

	(void)params;
	memcpy(name, req->tenant->name, sizeof(name));
	req->tenant = NULL;
	rc = sluice_model_tenant_del(req->cfg, name, &err);
	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

/* ---- Ingress matches and defaults ------------------------------------------------ */

struct match_p {
	struct sluice_match m;
};

static const struct sluice_rpc_param match_params[] = {
    P("match", sluice_rpc_decode_match, struct match_p, m, true),
};

static int do_match_add(struct sluice_rpc_req *req, void *params)
{
	struct match_p *p = params;
	struct sluice_err err;
	int rc = sluice_model_match_add(req->cfg, req->tenant, &p->m, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int do_match_del(struct sluice_rpc_req *req, void *params)
{
	struct match_p *p = params;
	struct sluice_err err;
	int rc = sluice_model_match_del(req->cfg, req->tenant, &p->m, &err);

	if (rc == 0)
		rc = sluice_model_tenant_check(req->tenant, &err);
	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

struct default_p {
	struct sluice_actions a;
};

static const struct sluice_rpc_param default_params[] = {
    P("actions", sluice_rpc_decode_actions, struct default_p, a, true),
};

static int do_default_set(struct sluice_rpc_req *req, void *params)
{
	struct default_p *p = params;
	struct sluice_err err;
	int rc = sluice_model_default_set(req->cfg, req->tenant, &p->a, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

/* ---- Flows and rules --------------------------------------------------------------- */

static int do_flow_add(struct sluice_rpc_req *req, void *params)
{
	struct sluice_tenant *t = req->tenant;

	if (add_flow(req, t, params) < 0)
		return -1;
	req->result = json_pack("{s:s}", "name", t->flows[t->nb_flows - 1].name);
	return req->result ? 0 : nomem(req);
}

static int do_rule_add(struct sluice_rpc_req *req, void *params)
{
	struct sluice_tenant *t = req->tenant;

	if (add_rule(req, t, params) < 0)
		return -1;
	req->result = json_pack("{s:s}", "name", t->rules[t->nb_rules - 1].name);
	return req->result ? 0 : nomem(req);
}

static int do_flow_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	int rc = sluice_model_flow_del(req->tenant, ((struct name_p *)params)->name, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int do_rule_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	int rc = sluice_model_rule_del(req->tenant, ((struct name_p *)params)->name, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int get_entry(struct sluice_rpc_req *req, const struct sluice_flow *arr, uint32_t nb,
		     const char *name, bool exact)
{
	char buf[RPC_QUOTE_MAX];
	uint32_t i;

	for (i = 0; i < nb; i++)
		if (strncmp(arr[i].name, name, SLUICE_NAME_MAX) == 0) {
			req->result = sluice_rpc_encode_flow(&arr[i], exact);
			return req->result ? 0 : nomem(req);
		}
	return sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, "name", "no %s '%s' in tenant '%s'",
			       exact ? "flow" : "rule", model_quote(name, strlen(name), buf),
			       req->tenant->name);
}

static int do_flow_get(struct sluice_rpc_req *req, void *params)
{
	return get_entry(req, req->tenant->flows, req->tenant->nb_flows,
			 ((struct name_p *)params)->name, true);
}

static int do_rule_get(struct sluice_rpc_req *req, void *params)
{
	return get_entry(req, req->tenant->rules, req->tenant->nb_rules,
			 ((struct name_p *)params)->name, false);
}

struct list_p {
	uint32_t offset;
	uint32_t limit;
};

static const struct sluice_rpc_param list_params[] = {
    P("offset", sluice_rpc_decode_u32, struct list_p, offset, false),
    P("limit", sluice_rpc_decode_u32, struct list_p, limit, false),
};

static int list_entries(struct sluice_rpc_req *req, struct list_p *p, const struct sluice_flow *arr,
			uint32_t nb, bool exact)
{
	uint32_t i, end;
	json_t *l = json_array();

	if (l == NULL)
		return nomem(req);
	/* No limit given: everything from offset on. */
	end = p->limit == 0 || p->limit > nb ? nb : p->limit;
	end = p->offset > nb - end ? nb : p->offset + end;
	for (i = p->offset; i < end; i++)
		if (json_array_append_new(l, sluice_rpc_encode_flow(&arr[i], exact)) != 0) {
			json_decref(l);
			return nomem(req);
		}
	req->result = json_pack("{s:I,s:I,s:o}", "total", (json_int_t)nb, "offset",
				(json_int_t)p->offset, exact ? "flows" : "rules", l);
	return req->result ? 0 : nomem(req);
}

static int do_flow_list(struct sluice_rpc_req *req, void *params)
{
	return list_entries(req, params, req->tenant->flows, req->tenant->nb_flows, true);
}

static int do_rule_list(struct sluice_rpc_req *req, void *params)
{
	return list_entries(req, params, req->tenant->rules, req->tenant->nb_rules, false);
}

/* ---- Ports, counters, saving --------------------------------------------------------- */

static int do_port_list(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	if (req->ops->ports == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL,
				       "port_list is not available (no data plane)");
	req->result = req->ops->ports(req->ops->arg);
	return req->result ? 0 : nomem(req);
}

static int do_stats(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	if (req->ops->stats == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL,
				       "stats are not available (no data plane)");
	req->result = req->ops->stats(req->ops->arg, req->tenant ? req->tenant->name : NULL);
	return req->result ? 0 : nomem(req);
}

struct save_p {
	const char *path;
};

static const struct sluice_rpc_param save_params[] = {
    P("path", sluice_rpc_decode_string, struct save_p, path, false),
};

static int do_config_save(struct sluice_rpc_req *req, void *params)
{
	struct save_p *p = params;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (p->path != NULL) {
		if (p->path[0] != '/')
			return sluice_rpc_fail(
			    req, SLUICE_RPC_INVALID_PARAMS, "path",
			    "path must be absolute (it is opened by the data "
			    "plane, not by you); or leave it out to get the text");
		rc = sluice_config_save_file(req->cfg, p->path);
		if (rc < 0)
			return sluice_rpc_fail(req, SLUICE_RPC_E_IO, "path", "cannot write %s: %s",
					       p->path, strerror(-rc));
		req->result = json_pack("{s:s}", "path", p->path);
		return req->result ? 0 : nomem(req);
	}
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return nomem(req);
	rc = sluice_config_save(req->cfg, f);
	if (fclose(f) != 0 || rc < 0) {
		free(buf);
		return nomem(req);
	}
	req->result = json_pack("{s:s#}", "yaml", buf, (int)len);
	free(buf);
	return req->result ? 0 : nomem(req);
}

/* ---- NPU contexts and models ----------------------------------------------------- */

struct npu_ctx_p {
	struct sluice_npu_context c;
};

static const struct sluice_rpc_param npu_ctx_params[] = {
    P("context", sluice_rpc_decode_npu_context, struct npu_ctx_p, c, true),
};

static int do_npu_context_add(struct sluice_rpc_req *req, void *params)
{
	struct npu_ctx_p *p = params;
	size_t mark = sluice_rpc_path_push(req, "context", 0);
	int rc = add_npu_context(req, req->tenant, &p->c);

	sluice_rpc_path_pop(req, mark);
	if (rc < 0)
		return -1;
	req->result =
	    json_pack("{s:s#}", "name", p->c.name, (int)strnlen(p->c.name, SLUICE_NAME_MAX));
	return req->result ? 0 : nomem(req);
}

static int do_npu_context_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	int rc = sluice_model_npu_context_del(req->tenant, ((struct name_p *)params)->name, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static json_t *npu_ctx_entry(const struct sluice_tenant *t, const struct sluice_npu_context *c)
{
	return json_pack("{s:s,s:o}", "tenant", t->name, "context",
			 sluice_rpc_encode_npu_context(c));
}

/*
 * A list of one kind of a tenant's objects, the request's tenant's or (the
 * admin socket without a tenant) every tenant's: nb() counts a tenant's,
 * entry() makes the j-th one's entry (NULL: no memory).
 */
static int tenants_list(struct sluice_rpc_req *req, uint32_t (*nb)(const struct sluice_tenant *),
			json_t *(*entry)(struct sluice_rpc_req *, const struct sluice_tenant *,
					 uint32_t))
{
	json_t *l = json_array();
	uint32_t i, j;

	if (l == NULL)
		return nomem(req);
	for (i = 0; i < req->cfg->nb_tenants; i++) {
		const struct sluice_tenant *t = &req->cfg->tenants[i];

		if (req->tenant != NULL && req->tenant != t)
			continue;
		for (j = 0; j < nb(t); j++)
			if (json_array_append_new(l, entry(req, t, j)) != 0) {
				json_decref(l);
				return nomem(req);
			}
	}
	req->result = l;
	return 0;
}

static uint32_t nb_npu_contexts(const struct sluice_tenant *t)
{
	return t->nb_npu_contexts;
}

static json_t *npu_ctx_nth(struct sluice_rpc_req *req, const struct sluice_tenant *t, uint32_t j)
{
	(void)req;
	return npu_ctx_entry(t, &t->npu_contexts[j]);
}

static int do_npu_context_list(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	return tenants_list(req, nb_npu_contexts, npu_ctx_nth);
}

static const struct sluice_npu_context *npu_ctx_need(struct sluice_rpc_req *req, const char *name)
{
	const struct sluice_npu_context *c = sluice_model_npu_context_find(req->tenant, name);
	char buf[RPC_QUOTE_MAX];

	if (c == NULL)
		sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, "name",
				"no npu context '%s' in tenant '%s'",
				model_quote(name, strlen(name), buf), req->tenant->name);
	return c;
}

static int do_npu_context_get(struct sluice_rpc_req *req, void *params)
{
	const struct sluice_npu_context *c = npu_ctx_need(req, ((struct name_p *)params)->name);
	json_t *st = NULL;

	if (c == NULL)
		return -1;
	/* Counters exist only for a context on the device; null otherwise. */
	if (c->model[0] != '\0' && req->ops->npu_stats != NULL) {
		errno = 0;
		st = req->ops->npu_stats(req->ops->arg, req->tenant->name, c->name);
		if (st == NULL && errno == ENOMEM)
			return nomem(req);
	}
	req->result = npu_ctx_entry(req->tenant, c);
	if (req->result == NULL) {
		json_decref(st);
		return nomem(req);
	}
	json_object_set_new(req->result, "stats", st ? st : json_null());
	return 0;
}

static json_t *npu_model_entry(const struct sluice_npu_model_ref *m,
			       const struct sluice_rpc_npu_model *info)
{
	json_t *o =
	    json_pack("{s:s#,s:s#}", "name", m->name, (int)strnlen(m->name, SLUICE_NAME_MAX),
		      "file", m->file, (int)strnlen(m->file, SLUICE_NPU_PATH_MAX));

	if (o != NULL && info != NULL) {
		json_object_set_new(o, "classes", json_integer(info->classes));
		json_object_set_new(o, "macs", json_integer((json_int_t)info->macs));
		json_object_set_new(o, "max_width", json_integer(info->in_max_w));
		json_object_set_new(o, "max_height", json_integer(info->in_max_h));
		json_object_set_new(o, "pixels", json_array());
		if (info->gray)
			json_array_append_new(json_object_get(o, "pixels"), json_string("gray8"));
		if (info->rgb)
			json_array_append_new(json_object_get(o, "pixels"), json_string("rgb8"));
	}
	return o;
}

static int do_npu_model_list(struct sluice_rpc_req *req, void *params)
{
	const struct sluice_npu_section *npu = &req->cfg->npu;
	json_t *l = json_array(), *o;
	uint32_t i;

	(void)params;
	if (l == NULL)
		return nomem(req);
	for (i = 0; i < npu->nb_models; i++) {
		struct sluice_rpc_npu_model info;
		struct sluice_err err;
		int rc = -ENOTSUP;

		memset(&err, 0, sizeof(err));
		if (req->ops->npu_model != NULL)
			rc = req->ops->npu_model(req->ops->arg, req->cfg, &npu->models[i], &info,
						 &err);
		o = npu_model_entry(&npu->models[i], rc == 0 ? &info : NULL);
		/* A model the device cannot load any more is listed with the reason. */
		if (o != NULL && rc < 0)
			json_object_set_new(
			    o, "error",
			    json_string(err.msg[0] ? err.msg : "no NPU device to describe it"));
		if (o == NULL || json_array_append_new(l, o) != 0) {
			json_decref(l);
			return nomem(req);
		}
	}
	req->result = l;
	return 0;
}

struct npu_model_p {
	char name[SLUICE_NAME_MAX];
	const char *file;
};

static const struct sluice_rpc_param npu_model_params[] = {
    P("name", sluice_rpc_decode_name, struct npu_model_p, name, true),
    P("file", sluice_rpc_decode_string, struct npu_model_p, file, true),
};

static int do_npu_model_add(struct sluice_rpc_req *req, void *params)
{
	struct npu_model_p *p = params;
	struct sluice_npu_model_ref ref;
	struct sluice_rpc_npu_model info;
	struct sluice_err err;
	int rc;

	if (req->ops->npu_model == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL,
				       "npu_model_add is not available (no NPU bridge)");
	/* Opened by the data plane, whose working directory the caller does not know. */
	if (p->file[0] != '/')
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "file",
				       "file must be an absolute path (the data plane opens it)");
	if (strlen(p->file) >= SLUICE_NPU_PATH_MAX)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "file",
				       "file path is longer than %d characters",
				       SLUICE_NPU_PATH_MAX - 1);
	memset(&ref, 0, sizeof(ref));
	memcpy(ref.name, p->name, sizeof(ref.name));
	memcpy(ref.file, p->file, strlen(p->file));
	rc = sluice_model_npu_model_add(req->cfg, &ref, &err);
	if (rc < 0)
		return sluice_rpc_fail_model(req, rc, &err);
	/* The blob goes through the bridge as a context's model would, before anything uses it. */
	memset(&err, 0, sizeof(err));
	memset(&info, 0, sizeof(info));
	rc = req->ops->npu_model(req->ops->arg, req->cfg, &ref, &info, &err);
	if (rc < 0) {
		if (err.field[0] == '\0')
			snprintf(err.field, sizeof(err.field), "file");
		return sluice_rpc_fail_model(req, rc == -ENOMEM || rc == -ENOSPC ? rc : -EINVAL,
					     &err);
	}
	req->result = npu_model_entry(&ref, &info);
	return req->result ? 0 : nomem(req);
}

static int do_npu_model_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	int rc = sluice_model_npu_model_del(req->cfg, ((struct name_p *)params)->name, &err);

	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

struct npu_fault_p {
	char name[SLUICE_NAME_MAX];
	const char *kind;
	uint32_t count;
};

static const struct sluice_rpc_param npu_fault_params[] = {
    P("name", sluice_rpc_decode_name, struct npu_fault_p, name, true),
    P("kind", sluice_rpc_decode_string, struct npu_fault_p, kind, true),
    P("count", sluice_rpc_decode_u32, struct npu_fault_p, count, false),
};

static int do_npu_fault(struct sluice_rpc_req *req, void *params)
{
	static const char *const kinds[] = {"none", "timeout", "error", "full"};
	struct npu_fault_p *p = params;
	const struct sluice_npu_context *c;
	char buf[RPC_QUOTE_MAX];
	unsigned int k;
	int rc;

	for (k = 0; k < NB(kinds); k++)
		if (strcmp(p->kind, kinds[k]) == 0)
			break;
	if (k == NB(kinds))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "kind",
				       "kind '%s' is not timeout, error, full or none",
				       model_quote(p->kind, strlen(p->kind), buf));
	if (k != SLUICE_RPC_NPU_FAULT_NONE && p->count == 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "count",
				       "kind %s needs a count of 1 or more", kinds[k]);
	c = npu_ctx_need(req, p->name);
	if (c == NULL)
		return -1;
	if (c->model[0] == '\0')
		return sluice_rpc_fail(req, SLUICE_RPC_E_INVALID, "name",
				       "npu context '%s' has no model: it is not on the device",
				       c->name);
	if (req->ops->npu_fault == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL,
				       "npu_fault is not available (no NPU bridge)");
	rc = req->ops->npu_fault(req->ops->arg, req->tenant->name, c->name,
				 (enum sluice_rpc_npu_fault)k, p->count);
	if (rc == -ENOENT)
		return sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, "name",
				       "npu context '%s' of tenant '%s' is not on the device",
				       c->name, req->tenant->name);
	if (rc < 0)
		return sluice_rpc_fail(req, SLUICE_RPC_E_INVALID, NULL,
				       "the device refused the fault: %s", strerror(-rc));
	req->result = json_pack("{s:s,s:s,s:s,s:I}", "tenant", req->tenant->name, "name", c->name,
				"kind", kinds[k], "count",
				(json_int_t)(k == SLUICE_RPC_NPU_FAULT_NONE ? 0 : p->count));
	return req->result ? 0 : nomem(req);
}

/* ---- vNICs and the uplink: methods ---------------------------------------------------- */

struct vnic_p {
	struct sluice_vnic v;
};

static const struct sluice_rpc_param vnic_params[] = {
    P("vnic", sluice_rpc_decode_vnic, struct vnic_p, v, true),
};

/*
 * A tenant's socket: only inside the data plane's vNIC directory, so that a
 * tenant never makes sluice create, remove or connect to a socket elsewhere.
 */
static int vnic_socket_allowed(struct sluice_rpc_req *req, const char *socket)
{
	const char *dir = rpc_vnic_dir(req->rpc);
	size_t n;

	if (req->scope == NULL)
		return 0;
	if (dir == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_E_DENIED, "socket",
				       "a tenant's socket may add vnics only when sluice confines "
				       "their sockets to a directory (--vnic-dir); ask the "
				       "operator");
	n = strlen(dir);
	if (strncmp(socket, dir, n) != 0 || socket[n] != '/')
		return sluice_rpc_fail(req, SLUICE_RPC_E_DENIED, "socket",
				       "socket '%s' is not in %s (a tenant's vnics must be)",
				       socket, dir);
	return 0;
}

/*
 * A tenant's socket learns nothing of other tenants: a socket, MAC or
 * ethdev name another tenant holds is "in use", without its holder.
 */
static void hide_other_tenants(struct sluice_rpc_req *req, const struct sluice_vnic *v,
			       struct sluice_err *err)
{
	const struct sluice_tenant *t = req->tenant;
	char mac[24], dev[SLUICE_VNIC_DEV_NAME_MAX + 1];
	uint32_t i;

	for (i = 0; i < t->nb_vnics; i++)
		if (strcmp(err->field, "socket") == 0 ? strcmp(t->vnics[i].socket, v->socket) == 0
		    : strcmp(err->field, "mac") == 0  ? memcmp(t->vnics[i].mac, v->mac, 6) == 0
						      : strcmp(t->vnics[i].name, v->name) == 0)
			return;
	if (strcmp(err->field, "socket") == 0) {
		snprintf(err->msg, sizeof(err->msg), "socket '%s' is already in use", v->socket);
	} else if (strcmp(err->field, "mac") == 0) {
		sluice_model_format_mac(v->mac, mac, sizeof(mac));
		snprintf(err->msg, sizeof(err->msg), "mac %s is already in use", mac);
	} else {
		sluice_vnic_dev_name(t->name, v->name, dev, sizeof(dev));
		snprintf(err->msg, sizeof(err->msg),
			 "vnic ethdev name '%s' is already in use; choose another vnic name", dev);
	}
}

static int do_vnic_add(struct sluice_rpc_req *req, void *params)
{
	struct vnic_p *p = params;
	struct sluice_err err;
	size_t mark = sluice_rpc_path_push(req, "vnic", 0);
	int rc = vnic_socket_allowed(req, p->v.socket);

	if (rc == 0) {
		rc = sluice_model_vnic_add(req->cfg, req->tenant, &p->v, &err);
		if (rc == -EEXIST && req->scope != NULL)
			hide_other_tenants(req, &p->v, &err);
		if (rc < 0)
			sluice_rpc_fail_model(req, rc, &err);
	}
	sluice_rpc_path_pop(req, mark);
	if (rc < 0)
		return -1;
	req->result =
	    json_pack("{s:s#}", "name", p->v.name, (int)strnlen(p->v.name, SLUICE_NAME_MAX));
	return req->result ? 0 : nomem(req);
}

static int do_vnic_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_err err;
	int rc = sluice_model_vnic_del(req->tenant, ((struct name_p *)params)->name, &err);

	/* Its last vNIC, and no match: nothing would be the tenant's any more. */
	if (rc == 0)
		rc = sluice_model_tenant_check(req->tenant, &err);
	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

/* {tenant, vnic, dev, port, link, stats}: the vNIC as vnic_add takes it, and its state. */
static json_t *vnic_entry(struct sluice_rpc_req *req, const struct sluice_tenant *t,
			  const struct sluice_vnic *v)
{
	struct sluice_rpc_vnic_state st;
	char dev[SLUICE_VNIC_DEV_NAME_MAX + 1] = "";
	json_t *o, *stats;

	sluice_vnic_dev_name(t->name, v->name, dev, sizeof(dev));
	o = json_pack("{s:s,s:o,s:s}", "tenant", t->name, "vnic", sluice_rpc_encode_vnic(v), "dev",
		      dev);
	if (o == NULL)
		return NULL;
	memset(&st, 0, sizeof(st));
	if (req->ops->vnic_state == NULL ||
	    req->ops->vnic_state(req->ops->arg, t->name, v->name, &st) < 0) {
		json_object_set_new(o, "port", json_null());
		json_object_set_new(o, "link", json_null());
		json_object_set_new(o, "stats", json_null());
		return o;
	}
	json_object_set_new(o, "port", json_integer(st.port));
	json_object_set_new(o, "link", json_string(st.link_up ? "up" : "down"));
	stats = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "rx_pkts", (json_int_t)st.rx_pkts,
			  "rx_bytes", (json_int_t)st.rx_bytes, "tx_pkts", (json_int_t)st.tx_pkts,
			  "hw_ipackets", (json_int_t)st.hw_ipackets, "hw_opackets",
			  (json_int_t)st.hw_opackets, "hw_oerrors", (json_int_t)st.hw_oerrors);
	if (json_object_set_new(o, "stats", stats) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static uint32_t nb_vnics(const struct sluice_tenant *t)
{
	return t->nb_vnics;
}

static json_t *vnic_nth(struct sluice_rpc_req *req, const struct sluice_tenant *t, uint32_t j)
{
	return vnic_entry(req, t, &t->vnics[j]);
}

static int do_vnic_list(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	return tenants_list(req, nb_vnics, vnic_nth);
}

static int do_vnic_get(struct sluice_rpc_req *req, void *params)
{
	const char *name = ((struct name_p *)params)->name;
	const struct sluice_vnic *v = sluice_tenant_vnic(req->tenant, name);
	char buf[RPC_QUOTE_MAX];

	if (v == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, "name",
				       "no vnic '%s' in tenant '%s'",
				       model_quote(name, strlen(name), buf), req->tenant->name);
	req->result = vnic_entry(req, req->tenant, v);
	return req->result ? 0 : nomem(req);
}

struct uplink_p {
	const json_t *uplink;
};

static const struct sluice_rpc_param uplink_params[] = {
    P("uplink", sluice_rpc_decode_json, struct uplink_p, uplink, true),
};

static int do_uplink_set(struct sluice_rpc_req *req, void *params)
{
	return set_uplink(req, req->tenant, ((struct uplink_p *)params)->uplink);
}

static int do_uplink_del(struct sluice_rpc_req *req, void *params)
{
	struct sluice_uplink none = {.kind = SLUICE_UPLINK_NONE};
	struct sluice_err err;
	int rc;

	(void)params;
	if (req->tenant->uplink.kind == SLUICE_UPLINK_NONE)
		return sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, "uplink",
				       "tenant '%s' has no uplink", req->tenant->name);
	rc = sluice_model_uplink_set(req->cfg, req->tenant, &none, &err);
	return rc < 0 ? sluice_rpc_fail_model(req, rc, &err) : 0;
}

static int do_uplink_get(struct sluice_rpc_req *req, void *params)
{
	(void)params;
	req->result = json_pack("{s:s,s:o}", "tenant", req->tenant->name, "uplink",
				sluice_rpc_encode_uplink(&req->tenant->uplink));
	return req->result ? 0 : nomem(req);
}

/* ---- The table ------------------------------------------------------------------- */

#define TENANT SLUICE_RPC_TENANT_OK
#define WRITE SLUICE_RPC_WRITE

static const struct sluice_rpc_method model_methods[] = {
    {"tenant_list", "list tenants (a tenant's socket: its own) with object counts", NULL, 0, 0,
     do_tenant_list, TENANT, NULL},
    {"tenant_get", "one tenant in full, in the shape tenant_add takes", NULL, 0, 0, do_tenant_get,
     TENANT, "name"},
    {"tenant_add", "add a tenant with its matches, contexts, default, flows and rules",
     tenant_add_params, NB(tenant_add_params), sizeof(struct tenant_add_p), do_tenant_add, WRITE,
     NULL},
    {"tenant_del", "delete a tenant and everything it has", NULL, 0, 0, do_tenant_del, WRITE,
     "name"},
    {"match_add", "give a tenant one more ingress match", match_params, NB(match_params),
     sizeof(struct match_p), do_match_add, WRITE, "tenant"},
    {"match_del", "take an ingress match from a tenant (not its last)", match_params,
     NB(match_params), sizeof(struct match_p), do_match_del, WRITE, "tenant"},
    {"default_set", "set what a tenant's unmatched frames get", default_params, NB(default_params),
     sizeof(struct default_p), do_default_set, WRITE | TENANT, "tenant"},
    {"flow_add", "add an exact 5-tuple flow", flow_params, NB(flow_params),
     sizeof(struct sluice_flow), do_flow_add, WRITE | TENANT, "tenant"},
    {"flow_del", "delete a flow by name", name_params, NB(name_params), sizeof(struct name_p),
     do_flow_del, WRITE | TENANT, "tenant"},
    {"flow_get", "one flow by name", name_params, NB(name_params), sizeof(struct name_p),
     do_flow_get, TENANT, "tenant"},
    {"flow_list", "a tenant's flows, in order (offset, limit)", list_params, NB(list_params),
     sizeof(struct list_p), do_flow_list, TENANT, "tenant"},
    {"rule_add", "add a wildcard rule", rule_params, NB(rule_params), sizeof(struct sluice_flow),
     do_rule_add, WRITE | TENANT, "tenant"},
    {"rule_del", "delete a rule by name", name_params, NB(name_params), sizeof(struct name_p),
     do_rule_del, WRITE | TENANT, "tenant"},
    {"rule_get", "one rule by name", name_params, NB(name_params), sizeof(struct name_p),
     do_rule_get, TENANT, "tenant"},
    {"rule_list", "a tenant's rules, in order (offset, limit)", list_params, NB(list_params),
     sizeof(struct list_p), do_rule_list, TENANT, "tenant"},
    {"port_list", "the data plane's ports, by number and name", NULL, 0, 0, do_port_list, TENANT,
     NULL},
    {"stats", "counters: all (admin) or one tenant's", NULL, 0, 0, do_stats,
     TENANT | SLUICE_RPC_TENANT_OPTIONAL, "tenant"},
    {"config_save", "the running configuration as a tenant file (text, or to a path)", save_params,
     NB(save_params), sizeof(struct save_p), do_config_save, 0, NULL},
    {"npu_context_add", "add an NPU context to a tenant (a name, or an object as in tenant files)",
     npu_ctx_params, NB(npu_ctx_params), sizeof(struct npu_ctx_p), do_npu_context_add,
     WRITE | TENANT, "tenant"},
    {"npu_context_del", "delete an NPU context no flow, rule or default sends to", name_params,
     NB(name_params), sizeof(struct name_p), do_npu_context_del, WRITE | TENANT, "tenant"},
    {"npu_context_list", "NPU contexts: one tenant's, or (admin) every tenant's", NULL, 0, 0,
     do_npu_context_list, TENANT | SLUICE_RPC_TENANT_OPTIONAL, "tenant"},
    {"npu_context_get", "one NPU context with its bridge counters", name_params, NB(name_params),
     sizeof(struct name_p), do_npu_context_get, TENANT, "tenant"},
    {"npu_model_list", "the npu section's models with classes and MACs", NULL, 0, 0,
     do_npu_model_list, TENANT, NULL},
    {"npu_model_add", "add a model blob, loaded and checked by the device first", npu_model_params,
     NB(npu_model_params), sizeof(struct npu_model_p), do_npu_model_add, WRITE, NULL},
    {"npu_model_del", "delete a model no context uses", name_params, NB(name_params),
     sizeof(struct name_p), do_npu_model_del, WRITE, NULL},
    {"npu_fault", "inject a device fault into a tenant's NPU context (tests, soak)",
     npu_fault_params, NB(npu_fault_params), sizeof(struct npu_fault_p), do_npu_fault, 0, "tenant"},
    {"vnic_add", "add a vNIC (a vhost-user port) to a tenant, as in tenant files", vnic_params,
     NB(vnic_params), sizeof(struct vnic_p), do_vnic_add, WRITE | TENANT, "tenant"},
    {"vnic_del", "delete a vNIC (its guest is disconnected, its socket removed)", name_params,
     NB(name_params), sizeof(struct name_p), do_vnic_del, WRITE | TENANT, "tenant"},
    {"vnic_get", "one vNIC with its port, link state and counters", name_params, NB(name_params),
     sizeof(struct name_p), do_vnic_get, TENANT, "tenant"},
    {"vnic_list", "vNICs with link state and counters: one tenant's, or (admin) all", NULL, 0, 0,
     do_vnic_list, TENANT | SLUICE_RPC_TENANT_OPTIONAL, "tenant"},
    {"uplink_set", "set where a tenant's switched frames meet the network", uplink_params,
     NB(uplink_params), sizeof(struct uplink_p), do_uplink_set, WRITE | TENANT, "tenant"},
    {"uplink_del", "remove a tenant's uplink (its vNICs then reach each other only)", NULL, 0, 0,
     do_uplink_del, WRITE | TENANT, "tenant"},
    {"uplink_get", "a tenant's uplink, or null", NULL, 0, 0, do_uplink_get, TENANT, "tenant"},
};

int rpc_model_register(struct sluice_rpc *rpc)
{
	return sluice_rpc_register(rpc, model_methods, NB(model_methods));
}
