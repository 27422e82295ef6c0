/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vNICs and uplinks in the tenant model. Socket paths, MACs and ethdev names
 * are unique on the host, so they are checked against every tenant: a linear
 * scan, bounded by SLUICE_VNICS_MAX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_model.h"
#include "sluice_model_priv.h"

static const char *mac_str(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

int sluice_vnic_dev_name(const char *tenant, const char *vnic, char *buf, size_t sz)
{
	int n = snprintf(buf, sz, "net_vhost_%s_%s", tenant, vnic);

	if (n < 0 || (size_t)n >= sz || n > SLUICE_VNIC_DEV_NAME_MAX)
		return -ENAMETOOLONG;
	return n;
}

const char *sluice_vnic_mode_name(enum sluice_vnic_mode mode)
{
	return mode == SLUICE_VNIC_SERVER ? "server" : mode == SLUICE_VNIC_CLIENT ? "client" : "unknown";
}

const char *sluice_uplink_kind_name(enum sluice_uplink_kind kind)
{
	static const char *const names[] = {"none", "port", "vlan", "vxlan"};

	return (unsigned int)kind < 4 ? names[kind] : "unknown";
}

const struct sluice_vnic *sluice_tenant_vnic(const struct sluice_tenant *t, const char *name)
{
	uint32_t i;

	for (i = 0; i < t->nb_vnics; i++)
		if (strncmp(t->vnics[i].name, name, SLUICE_NAME_MAX) == 0)
			return &t->vnics[i];
	return NULL;
}

/*
 * The path reaches a devargs string ("iface=PATH,queues=N") and the file
 * system: a restricted alphabet keeps ',' and '=' out, and whole components
 * keep it from walking up.
 */
static int check_socket(const char *s, struct sluice_err *err)
{
	char buf[48];
	size_t i, len;
	const char *c;

	if (memchr(s, '\0', SLUICE_VNIC_PATH_MAX) == NULL)
		return sluice_err_set(err, -EINVAL, "socket",
				      "socket path is longer than %d characters",
				      SLUICE_VNIC_PATH_MAX - 1);
	len = strlen(s);
	if (len == 0)
		return sluice_err_set(err, -EINVAL, "socket", "socket path is empty");
	if (s[0] != '/')
		return sluice_err_set(err, -EINVAL, "socket", "socket '%s' is not an absolute path",
				      model_printable(s, buf));
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '.' || ch == '-' || ch == '+' || ch == '/'))
			return sluice_err_set(
			    err, -EINVAL, "socket",
			    "socket '%s' has a character outside [A-Za-z0-9_.+/-]",
			    model_printable(s, buf));
	}
	for (c = s; c != NULL && *c != '\0'; c = strchr(c + 1, '/')) {
		const char *next = strchr(c + 1, '/');
		size_t clen = next ? (size_t)(next - c - 1) : strlen(c + 1);

		if (clen == 0)
			return sluice_err_set(err, -EINVAL, "socket",
					      "socket '%s' has an empty component",
					      model_printable(s, buf));
		if ((clen == 1 && c[1] == '.') || (clen == 2 && c[1] == '.' && c[2] == '.'))
			return sluice_err_set(err, -EINVAL, "socket",
					      "socket '%s' has a '.' or '..' component",
					      model_printable(s, buf));
	}
	return 0;
}

/* Host-wide uniqueness of socket, MAC and ethdev name. */
static int check_unique(const struct sluice_config *cfg, const struct sluice_tenant *t,
			const struct sluice_vnic *v, struct sluice_err *err)
{
	char name[SLUICE_VNIC_DEV_NAME_MAX + 1], other[SLUICE_VNIC_DEV_NAME_MAX + 1], mac[18];
	uint32_t i, j;

	if (sluice_vnic_dev_name(t->name, v->name, name, sizeof(name)) < 0)
		return sluice_err_set(
		    err, -EINVAL, "name",
		    "vnic ethdev name 'net_vhost_%s_%s' is longer than %d characters; "
		    "shorten the tenant or vnic name",
		    t->name, v->name, SLUICE_VNIC_DEV_NAME_MAX);
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *o = &cfg->tenants[i];

		for (j = 0; j < o->nb_vnics; j++) {
			const struct sluice_vnic *w = &o->vnics[j];

			if (strcmp(w->socket, v->socket) == 0)
				return sluice_err_set(
				    err, -EEXIST, "socket",
				    "socket '%s' is already used by vnic '%s' of tenant '%s'",
				    v->socket, w->name, o->name);
			if (memcmp(w->mac, v->mac, 6) == 0)
				return sluice_err_set(err, -EEXIST, "mac",
						      "mac %s is already vnic '%s' of tenant '%s'",
						      mac_str(v->mac, mac), w->name, o->name);
			if (o != t && sluice_vnic_dev_name(o->name, w->name, other, sizeof(other)) > 0 &&
			    strcmp(name, other) == 0)
				return sluice_err_set(
				    err, -EEXIST, "name",
				    "vnic ethdev name '%s' is also tenant '%s' vnic '%s'; "
				    "rename one",
				    name, o->name, w->name);
		}
	}
	return 0;
}

static uint32_t nb_vnics(const struct sluice_config *cfg)
{
	uint32_t i, n = 0;

	for (i = 0; i < cfg->nb_tenants; i++)
		n += cfg->tenants[i].nb_vnics;
	return n;
}

int sluice_model_vnic_add(struct sluice_config *cfg, struct sluice_tenant *t,
			  const struct sluice_vnic *v, struct sluice_err *err)
{
	struct sluice_vnic *n;
	int rc;

	if (nb_vnics(cfg) >= SLUICE_VNICS_MAX)
		return sluice_err_set(err, -ENOSPC, "", "too many vnics (limit %u)",
				      SLUICE_VNICS_MAX);
	if (memchr(v->name, '\0', SLUICE_NAME_MAX) == NULL)
		return sluice_err_set(err, -EINVAL, "name",
				      "vnic name is longer than %d characters",
				      SLUICE_NAME_MAX - 1);
	rc = model_check_name("vnic", "name", v->name, err);
	if (rc < 0)
		return rc;
	if (sluice_tenant_vnic(t, v->name) != NULL)
		return sluice_err_set(err, -EEXIST, "name", "vnic '%s' already exists", v->name);
	rc = check_socket(v->socket, err);
	if (rc < 0)
		return rc;
	if (v->mode != SLUICE_VNIC_SERVER && v->mode != SLUICE_VNIC_CLIENT)
		return sluice_err_set(err, -EINVAL, "mode", "mode %d is not server or client",
				      (int)v->mode);
	if (v->queues < 1 || v->queues > SLUICE_VNIC_QUEUES_MAX)
		return sluice_err_set(err, -EINVAL, "queues", "queues %u out of range 1..%u",
				      v->queues, SLUICE_VNIC_QUEUES_MAX);
	if ((v->mac[0] | v->mac[1] | v->mac[2] | v->mac[3] | v->mac[4] | v->mac[5]) == 0)
		return sluice_err_set(err, -EINVAL, "mac", "mac must not be 00:00:00:00:00:00");
	if (v->mac[0] & 1)
		return sluice_err_set(err, -EINVAL, "mac", "mac must not be a multicast address");
	rc = check_unique(cfg, t, v, err);
	if (rc < 0)
		return rc;
	if (t->nb_vnics == t->cap_vnics) {
		uint32_t cap = t->cap_vnics ? t->cap_vnics * 2 : 4;

		n = realloc(t->vnics, cap * sizeof(*n));
		if (n == NULL)
			return sluice_err_set(err, -ENOMEM, "", "out of memory");
		t->vnics = n;
		t->cap_vnics = cap;
	}
	n = &t->vnics[t->nb_vnics++];
	/* Zero-filled strings, so that copies compare bytewise. */
	memset(n, 0, sizeof(*n));
	memcpy(n->name, v->name, strlen(v->name));
	memcpy(n->socket, v->socket, strlen(v->socket));
	n->mode = v->mode;
	n->queues = v->queues;
	memcpy(n->mac, v->mac, 6);
	n->pos = v->pos;
	return 0;
}

int sluice_model_vnic_del(struct sluice_tenant *t, const char *name, struct sluice_err *err)
{
	const struct sluice_vnic *v = sluice_tenant_vnic(t, name);
	char buf[48];
	uint32_t i;

	if (v == NULL)
		return sluice_err_set(err, -ENOENT, "name", "no vnic '%s' in tenant '%s'",
				      model_printable(name, buf), t->name);
	i = (uint32_t)(v - t->vnics);
	memmove(&t->vnics[i], &t->vnics[i + 1], (t->nb_vnics - i - 1) * sizeof(*t->vnics));
	t->nb_vnics--;
	return 0;
}

static bool has_match(const struct sluice_tenant *t, enum sluice_match_kind kind, uint16_t port,
		      uint16_t vlan, uint32_t vni)
{
	uint32_t i;

	for (i = 0; i < t->nb_matches; i++) {
		const struct sluice_match *m = &t->matches[i];

		if (m->kind != kind)
			continue;
		if (kind == SLUICE_MATCH_VNI && m->vni == vni &&
		    (m->port == port || m->port == SLUICE_PORT_ANY))
			return true;
		if (kind == SLUICE_MATCH_PORT && m->port == port)
			return true;
		if (kind == SLUICE_MATCH_VLAN && m->port == port && m->vlan == vlan)
			return true;
	}
	return false;
}

int sluice_model_uplink_set(struct sluice_config *cfg, struct sluice_tenant *t,
			    const struct sluice_uplink *u, struct sluice_err *err)
{
	int rc;

	switch (u->kind) {
	case SLUICE_UPLINK_NONE:
		memset(&t->uplink, 0, sizeof(t->uplink));
		return 0;
	case SLUICE_UPLINK_PORT:
	case SLUICE_UPLINK_VLAN:
	case SLUICE_UPLINK_VXLAN:
		break;
	default:
		return sluice_err_set(err, -EINVAL, "uplink", "unknown uplink kind %d",
				      (int)u->kind);
	}
	rc = model_check_port(cfg, u->port, "port", "uplink port", err);
	if (rc < 0)
		return rc;
	if (u->kind == SLUICE_UPLINK_PORT && !has_match(t, SLUICE_MATCH_PORT, u->port, 0, 0))
		return sluice_err_set(
		    err, -EINVAL, "port",
		    "uplink port %u untagged needs the tenant's match {port: %u}, which "
		    "brings its frames back",
		    u->port, u->port);
	if (u->kind == SLUICE_UPLINK_VLAN) {
		if (u->vlan < 1 || u->vlan > SLUICE_VLAN_MAX)
			return sluice_err_set(err, -EINVAL, "vlan", "vlan %u out of range 1..%u",
					      u->vlan, SLUICE_VLAN_MAX);
		if (!has_match(t, SLUICE_MATCH_VLAN, u->port, u->vlan, 0))
			return sluice_err_set(
			    err, -EINVAL, "vlan",
			    "uplink vlan %u needs the tenant's match {port: %u, vlan: %u}, "
			    "which brings its frames back",
			    u->vlan, u->port, u->vlan);
	}
	if (u->kind == SLUICE_UPLINK_VXLAN) {
		/* The same checks as the vxlan_encap action's. */
		struct sluice_actions a = {.flags = SLUICE_ACT_ENCAP | SLUICE_ACT_DROP,
					   .encap = u->vxlan};

		rc = sluice_model_actions_check(cfg, t, &a, err);
		if (rc < 0)
			return rc;
		if (!has_match(t, SLUICE_MATCH_VNI, u->port, 0, u->vxlan.vni))
			return sluice_err_set(
			    err, -EINVAL, "vni",
			    "uplink vni %u needs the tenant's match {vni: %u} (or {port: %u, "
			    "vni: %u}), which brings its frames back",
			    u->vxlan.vni, u->vxlan.vni, u->port, u->vxlan.vni);
	}
	memset(&t->uplink, 0, sizeof(t->uplink));
	t->uplink.kind = u->kind;
	t->uplink.port = u->port;
	if (u->kind == SLUICE_UPLINK_VLAN)
		t->uplink.vlan = u->vlan;
	if (u->kind == SLUICE_UPLINK_VXLAN)
		memcpy(&t->uplink.vxlan, &u->vxlan, sizeof(u->vxlan));
	t->uplink.pos = u->pos;
	return 0;
}
