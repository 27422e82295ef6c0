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

static void put_tenant(FILE *out, const struct sluice_tenant *t)
{
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
	if (t->nb_npu_contexts != 0) {
		fputs("    npu_contexts: [", out);
		for (i = 0; i < t->nb_npu_contexts; i++) {
			if (i)
				fputs(", ", out);
			put_name(out, t->npu_contexts[i]);
		}
		fputs("]\n", out);
	}
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
