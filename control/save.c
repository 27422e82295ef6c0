/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tenant file writer. Flow style, one object per line: short enough to
 * read, and a canonical form, so that save(load(save(x))) == save(x).
 * Everything that may hold a ':' (addresses, MACs) is double-quoted; YAML 1.1
 * would read some of them otherwise (base 60, or a mapping key).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "sluice_save.h"

static void put_name(FILE *out, const char *name)
{
	/* Bounded: names in the model are NUL-terminated within SLUICE_NAME_MAX. */
	fprintf(out, "\"%.*s\"", SLUICE_NAME_MAX - 1, name);
}

/* Single-quoted (YAML escapes only the quote itself): the model keeps these printable. */
static void put_str(FILE *out, const char *s, size_t max)
{
	size_t i;

	fputc('\'', out);
	for (i = 0; i < max && s[i] != '\0'; i++) {
		if (s[i] == '\'')
			fputc('\'', out);
		fputc(s[i], out);
	}
	fputc('\'', out);
}

static void put_ipv4(FILE *out, uint32_t ip)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &ip, buf, sizeof(buf));
	fprintf(out, "\"%s\"", buf);
}

static void put_match(FILE *out, const struct sluice_match *m)
{
	fputc('{', out);
	if (m->port != SLUICE_PORT_ANY)
		fprintf(out, "port: %u", m->port);
	switch (m->kind) {
	case SLUICE_MATCH_PORT:
		break;
	case SLUICE_MATCH_VLAN:
		fprintf(out, ", vlan: %u", m->vlan);
		break;
	case SLUICE_MATCH_QINQ:
		fprintf(out, ", vlan: %u, inner_vlan: %u", m->vlan, m->inner_vlan);
		break;
	case SLUICE_MATCH_VNI:
		fprintf(out, "%svni: %u", m->port != SLUICE_PORT_ANY ? ", " : "", m->vni);
		break;
	}
	fputc('}', out);
}

static void put_actions(FILE *out, const struct sluice_actions *a)
{
	const char *sep = "";
	char mac[2][24];

	fputc('[', out);
	if (a->flags & SLUICE_ACT_DECAP)
		fprintf(out, "%svxlan_decap", sep), sep = ", ";
	if (a->flags & SLUICE_ACT_METER)
		fprintf(out,
			"%s{meter: {cir: %" PRIu64 ", pir: %" PRIu64 ", cbs: %" PRIu64
			", pbs: %" PRIu64 "}}",
			sep, a->meter.cir, a->meter.pir, a->meter.cbs, a->meter.pbs),
		    sep = ", ";
	if (a->flags & SLUICE_ACT_ENCAP) {
		const struct sluice_vxlan_encap *e = &a->encap;

		sluice_model_format_mac(e->src_mac, mac[0], sizeof(mac[0]));
		sluice_model_format_mac(e->dst_mac, mac[1], sizeof(mac[1]));
		fprintf(out, "%s{vxlan_encap: {src_mac: \"%s\", dst_mac: \"%s\", src_ip: ", sep,
			mac[0], mac[1]);
		put_ipv4(out, e->src_ip);
		fputs(", dst_ip: ", out);
		put_ipv4(out, e->dst_ip);
		fprintf(out, ", vni: %u, udp_src: %u, udp_dst: %u, ttl: %u}}", e->vni, e->udp_src,
			e->udp_dst, e->ttl);
		sep = ", ";
	}
	if (a->flags & SLUICE_ACT_COUNT)
		fprintf(out, "%scount", sep), sep = ", ";
	if (a->flags & SLUICE_ACT_FORWARD)
		fprintf(out, "%s{forward: %u}", sep, a->port);
	if (a->flags & SLUICE_ACT_DROP)
		fprintf(out, "%sdrop", sep);
	if (a->flags & SLUICE_ACT_SWITCH)
		fprintf(out, "%sswitch", sep);
	if (a->flags & SLUICE_ACT_TO_NPU) {
		fprintf(out, "%s{to_npu: ", sep);
		put_name(out, a->npu_context);
		fputc('}', out);
	}
	fputc(']', out);
}

static void put_flow(FILE *out, const struct sluice_flow *f, bool exact)
{
	const struct sluice_flow_match *m = &f->match;
	char src[SLUICE_FMT_PREFIX_MAX], dst[SLUICE_FMT_PREFIX_MAX], sp[16], dp[16], proto[8];

	sluice_model_format_prefix(m->family, m->src, m->src_len, src, sizeof(src));
	sluice_model_format_prefix(m->family, m->dst, m->dst_len, dst, sizeof(dst));
	sluice_model_format_ports(m->sport_lo, m->sport_hi, sp, sizeof(sp));
	sluice_model_format_ports(m->dport_lo, m->dport_hi, dp, sizeof(dp));
	sluice_model_format_proto(m->proto, m->proto_any, proto, sizeof(proto));
	fputs("      - name: ", out);
	put_name(out, f->name);
	fputc('\n', out);
	if (!exact)
		fprintf(out, "        priority: %u\n", f->priority);
	fputs("        match: {", out);
	if (!exact)
		fprintf(out, "family: ipv%u, ", m->family);
	fprintf(out, "proto: %s, src: \"%s\", dst: \"%s\", sport: %s, dport: %s}\n", proto, src,
		dst, sp, dp);
	fputs("        actions: ", out);
	put_actions(out, &f->actions);
	fputc('\n', out);
}

static void put_npu_context(FILE *out, const struct sluice_npu_context *c)
{
	const struct sluice_npu_result_dest *r = &c->result;
	char mac[2][24];

	if (c->model[0] == '\0') {
		put_name(out, c->name);
		return;
	}
	fputs("{name: ", out);
	put_name(out, c->name);
	fputs(", model: ", out);
	put_name(out, c->model);
	fprintf(out,
		", input: {format: %s, pixel: %s, width: %u, height: %u, payload_type: %u}, "
		"weight: %u, priority: %u, quota_fps: %u, batch: {threshold: %u, timeout_us: %u}, "
		"queue_depth: %u, window: %" PRIu64 ", result: ",
		sluice_npu_format_name(c->input.format), sluice_npu_pixel_name(c->input.pixel),
		c->input.width, c->input.height, c->input.payload_type, c->weight, c->priority,
		c->quota_fps, c->batch_threshold, c->batch_timeout_us, c->queue_depth, c->window);
	if (r->to_sender) {
		fputs("sender}", out);
		return;
	}
	sluice_model_format_mac(r->dst_mac, mac[0], sizeof(mac[0]));
	sluice_model_format_mac(r->src_mac, mac[1], sizeof(mac[1]));
	fprintf(out, "{port: %u, dst_mac: \"%s\", src_mac: \"%s\", src_ip: ", r->port, mac[0],
		mac[1]);
	put_ipv4(out, r->src_ip);
	fputs(", dst_ip: ", out);
	put_ipv4(out, r->dst_ip);
	fprintf(out, ", sport: %u, dport: %u}}", r->sport, r->dport);
}

static void put_vxlan(FILE *out, const struct sluice_vxlan_encap *e)
{
	char mac[2][24];

	sluice_model_format_mac(e->src_mac, mac[0], sizeof(mac[0]));
	sluice_model_format_mac(e->dst_mac, mac[1], sizeof(mac[1]));
	fprintf(out, "{src_mac: \"%s\", dst_mac: \"%s\", src_ip: ", mac[0], mac[1]);
	put_ipv4(out, e->src_ip);
	fputs(", dst_ip: ", out);
	put_ipv4(out, e->dst_ip);
	fprintf(out, ", vni: %u, udp_src: %u, udp_dst: %u, ttl: %u}", e->vni, e->udp_src,
		e->udp_dst, e->ttl);
}

static void put_vnics(FILE *out, const struct sluice_tenant *t)
{
	const struct sluice_uplink *u = &t->uplink;
	char mac[24];
	uint32_t i;

	if (t->nb_vnics != 0)
		fputs("    vnics:\n", out);
	for (i = 0; i < t->nb_vnics; i++) {
		const struct sluice_vnic *v = &t->vnics[i];

		sluice_model_format_mac(v->mac, mac, sizeof(mac));
		fputs("      - {name: ", out);
		put_name(out, v->name);
		fputs(", socket: ", out);
		put_str(out, v->socket, sizeof(v->socket));
		fprintf(out, ", mode: %s, queues: %u, mac: \"%s\"}\n",
			v->mode == SLUICE_VNIC_CLIENT ? "client" : "server", v->queues, mac);
	}
	switch (u->kind) {
	case SLUICE_UPLINK_NONE:
		break;
	case SLUICE_UPLINK_PORT:
		fprintf(out, "    uplink: {port: %u}\n", u->port);
		break;
	case SLUICE_UPLINK_VLAN:
		fprintf(out, "    uplink: {port: %u, vlan: %u}\n", u->port, u->vlan);
		break;
	case SLUICE_UPLINK_VXLAN:
		fprintf(out, "    uplink: {port: %u, vxlan: ", u->port);
		put_vxlan(out, &u->vxlan);
		fputs("}\n", out);
		break;
	}
}

static void put_tenant(FILE *out, const struct sluice_tenant *t)
{
	bool models = false;
	uint32_t i;

	fputs("  - name: ", out);
	put_name(out, t->name);
	fputs("\n    match:", out);
	if (t->nb_matches == 0)
		fputs(" []", out);
	for (i = 0; i < t->nb_matches; i++) {
		fputs("\n      - ", out);
		put_match(out, &t->matches[i]);
	}
	fputc('\n', out);
	for (i = 0; i < t->nb_npu_contexts; i++)
		models |= t->npu_contexts[i].model[0] != '\0';
	if (t->nb_npu_contexts != 0 && !models) {
		/* Contexts declared by name only: one line, as before contexts had models. */
		fputs("    npu_contexts: [", out);
		for (i = 0; i < t->nb_npu_contexts; i++) {
			if (i)
				fputs(", ", out);
			put_name(out, t->npu_contexts[i].name);
		}
		fputs("]\n", out);
	} else if (t->nb_npu_contexts != 0) {
		fputs("    npu_contexts:\n", out);
		for (i = 0; i < t->nb_npu_contexts; i++) {
			fputs("      - ", out);
			put_npu_context(out, &t->npu_contexts[i]);
			fputc('\n', out);
		}
	}
	put_vnics(out, t);
	fputs("    default: ", out);
	put_actions(out, &t->default_actions);
	fputc('\n', out);
	if (t->nb_flows != 0)
		fputs("    flows:\n", out);
	for (i = 0; i < t->nb_flows; i++)
		put_flow(out, &t->flows[i], true);
	if (t->nb_rules != 0)
		fputs("    rules:\n", out);
	for (i = 0; i < t->nb_rules; i++)
		put_flow(out, &t->rules[i], false);
}

int sluice_config_save(const struct sluice_config *cfg, FILE *out)
{
	uint32_t i;

	fputs("# Sluice tenant file, written by the running data plane (config_save).\n"
	      "# Schema: docs/tenant-file.md. Ports are numbers.\n",
	      out);
	if (cfg->npu.device[0] || cfg->npu.copy != SLUICE_NPU_COPY_CPU || cfg->npu.nb_models) {
		fputs("npu:\n", out);
		if (cfg->npu.device[0]) {
			fputs("  device: ", out);
			put_str(out, cfg->npu.device, sizeof(cfg->npu.device));
			fputc('\n', out);
		}
		fprintf(out, "  copy: %s\n", sluice_npu_copy_name(cfg->npu.copy));
		fputs(cfg->npu.nb_models ? "  models:\n" : "  models: []\n", out);
		for (i = 0; i < cfg->npu.nb_models; i++) {
			fputs("    - {name: ", out);
			put_name(out, cfg->npu.models[i].name);
			fputs(", file: ", out);
			put_str(out, cfg->npu.models[i].file, sizeof(cfg->npu.models[i].file));
			fputs("}\n", out);
		}
	}
	fputs(cfg->nb_tenants ? "tenants:\n" : "tenants: []\n", out);
	for (i = 0; i < cfg->nb_tenants; i++)
		put_tenant(out, &cfg->tenants[i]);
	return ferror(out) ? -EIO : 0;
}

int sluice_config_save_file(const struct sluice_config *cfg, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		rc = -errno;
		close(fd);
		goto out_unlink;
	}
	rc = sluice_config_save(cfg, f);
	if (rc == 0 && fflush(f) != 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc == 0)
		return 0;
out_unlink:
	unlink(tmp);
	return rc;
}
