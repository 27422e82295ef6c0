/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vNIC ports: a net_vhost ethdev per vNIC, created and removed at run time.
 * DPDK's vhost library reaches guest memory only through its translation of
 * guest addresses, which takes a length and fails on anything unmapped: the
 * guest (untrusted) never makes sluice touch memory outside its regions.
 *
 * A port is in a published table only between its start and its stop; its
 * link state (guest attached or not) is written by the vhost thread into
 * dp->link_up, which workers read without waiting for anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_dev.h>
#include <rte_eth_vhost.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_vhost.h>

#include "sluice_dp_priv.h"

/*
 * Guests are never offered segmentation offload: sluice neither segments nor
 * forwards 64 KiB frames. The vhost PMD starts the socket inside configure,
 * so these are cleared microseconds after it listens; a guest that
 * negotiated in that window and sends a GSO frame anyway sees it dropped
 * (vnic_gso). Checksum offload is handled by the PMD (it completes partial
 * checksums of the frames it receives).
 */
#define REFUSED_FEATURES                                                                           \
	((1ULL << VIRTIO_NET_F_GSO) | (1ULL << VIRTIO_NET_F_HOST_TSO4) |                           \
	 (1ULL << VIRTIO_NET_F_HOST_TSO6) | (1ULL << VIRTIO_NET_F_HOST_UFO) |                       \
	 (1ULL << VIRTIO_NET_F_HOST_ECN))

#define TX_RING_SIZE 1024

uint16_t dp_vnic_port(const struct sluice_dp *dp, const char *tenant, const char *name)
{
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++) {
		const struct dp_vnic *v = &dp->vnics[p];

		if (v->used && !v->retiring && strcmp(v->tenant, tenant) == 0 &&
		    strcmp(v->name, name) == 0)
			return p;
	}
	return UINT16_MAX;
}

static bool same_vnic(const struct dp_vnic *d, const struct sluice_vnic *v)
{
	return strcmp(d->socket, v->socket) == 0 && d->mode == v->mode && d->queues == v->queues;
}

unsigned int dp_vnics_retire(struct sluice_dp *dp, const struct sluice_config *cfg)
{
	unsigned int n = 0;
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++) {
		struct dp_vnic *d = &dp->vnics[p];
		const struct sluice_tenant *t;
		const struct sluice_vnic *v;

		if (!d->used)
			continue;
		t = sluice_config_tenant(cfg, d->tenant);
		v = t ? sluice_tenant_vnic(t, d->name) : NULL;
		d->retiring = v == NULL || !same_vnic(d, v);
		n += d->retiring;
	}
	return n;
}

void dp_vnics_unretire(struct sluice_dp *dp)
{
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++)
		dp->vnics[p].retiring = false;
}

/*
 * The vhost PMD calls this from its new_device and destroy_device (vhost
 * thread), after its own queues start or stop and before the library goes
 * on. Workers send to the guest with the device id themselves (port_send):
 * going down, no worker may still use the old id when this returns.
 */
static int on_lsc(uint16_t port, enum rte_eth_event_type ev, void *arg, void *param)
{
	struct sluice_dp *dp = arg;
	struct rte_eth_link link;
	int vid;

	RTE_SET_USED(ev);
	RTE_SET_USED(param);
	if (port >= SLUICE_DP_PORTS || rte_eth_link_get_nowait(port, &link) != 0)
		return 0;
	if (link.link_status == RTE_ETH_LINK_UP) {
		vid = rte_eth_vhost_get_vid_from_port_id(port);
		atomic_store(&dp->vhost_vid[port], vid);
		atomic_store(&dp->link_up[port], vid >= 0);
	} else {
		atomic_store(&dp->link_up[port], false);
		atomic_store(&dp->vhost_vid[port], -1);
		rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
	}
	return 0;
}

static void rings_free(struct sluice_dp *dp, struct dp_vnic *d)
{
	struct rte_mbuf *m;
	uint16_t q, i;

	for (i = 0; i < dp->nb_workers; i++) {
		dp->workers[i].tx_ring[d->port] = NULL;
		dp->workers[i].tx_vhost[d->port] = false;
	}
	for (q = 0; q < SLUICE_VNIC_QUEUES_MAX; q++) {
		if (d->txr[q] == NULL)
			continue;
		/* Handed over but never sent: no worker can see the ring any more. */
		while (rte_ring_dequeue(d->txr[q], (void **)&m) == 0) {
			dp->workers[0].st.drops[SLUICE_DROP_TX_FULL]++;
			rte_pktmbuf_free(m);
		}
		rte_ring_free(d->txr[q]);
		d->txr[q] = NULL;
	}
}

static void port_remove(struct sluice_dp *dp, struct dp_vnic *d)
{
	unsigned int tries;

	atomic_store(&dp->link_up[d->port], false);
	atomic_store(&dp->vhost_vid[d->port], -1);
	/* -EAGAIN while the vhost thread runs the callback: it returns soon. */
	for (tries = 0; tries < 100000; tries++)
		if (rte_eth_dev_callback_unregister(d->port, RTE_ETH_EVENT_INTR_LSC, on_lsc, dp) !=
		    -EAGAIN)
			break;
	rte_eth_dev_stop(d->port);
	rte_eth_dev_close(d->port);
	rte_eal_hotplug_remove("vdev", d->dev);
	rings_free(dp, d);
	memset(d, 0, sizeof(*d));
}

void dp_vnics_remove_retired(struct sluice_dp *dp)
{
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++)
		if (dp->vnics[p].used && dp->vnics[p].retiring)
			port_remove(dp, &dp->vnics[p]);
}

void dp_vnics_remove_added(struct sluice_dp *dp, uint32_t added)
{
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++)
		if (added & (1u << p) && dp->vnics[p].used)
			port_remove(dp, &dp->vnics[p]);
}

/*
 * A server socket left behind by a sluice that died would make bind() fail:
 * remove it when nothing listens on it. Anything else at the path is the
 * operator's to sort out.
 */
static int socket_clear(const char *path, struct sluice_err *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		sluice_err_set(err, 0, "socket", "socket '%s' exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		sluice_err_set(err, 0, "socket", "socket '%s' is served by another process", path);
		return -EADDRINUSE;
	}
	if (unlink(path) != 0)
		return -errno;
	return 0;
}

static int port_setup(struct sluice_dp *dp, struct dp_vnic *d)
{
	struct rte_eth_conf conf = {0};
	uint16_t q, i;
	int ret;

	ret = rte_eth_dev_configure(d->port, d->queues, d->queues, &conf);
	if (ret != 0)
		return ret;
	/* The socket exists from configure on: clear what guests must not negotiate now. */
	rte_vhost_driver_disable_features(d->socket, REFUSED_FEATURES);
	for (q = 0; q < d->queues; q++) {
		ret = rte_eth_rx_queue_setup(d->port, q, 0, (unsigned int)rte_socket_id(), NULL,
					     dp->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(d->port, q, 0, (unsigned int)rte_socket_id(),
						     NULL);
		if (ret != 0)
			return ret;
	}
	/* Worker i transmits on queue i; workers beyond the queues hand over through a ring. */
	for (i = 0; i < dp->nb_workers; i++) {
		struct dp_worker *w = &dp->workers[i];

		w->tx_ring[d->port] = NULL;
		w->tx_vhost[d->port] = true;
		w->txq_of[d->port] = i < d->queues ? i : UINT16_MAX;
		if (i < d->queues)
			continue;
		q = i % d->queues;
		if (d->txr[q] == NULL) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "sl_txr_%u_%u", d->port, q);
			d->txr[q] = rte_ring_create(name, TX_RING_SIZE, (int)rte_socket_id(),
						    RING_F_SC_DEQ);
			if (d->txr[q] == NULL)
				return -rte_errno;
		}
		w->tx_ring[d->port] = d->txr[q];
	}
	ret = rte_eth_dev_callback_register(d->port, RTE_ETH_EVENT_INTR_LSC, on_lsc, dp);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_start(d->port);
	if (ret != 0)
		return ret;
	/* A guest may have attached before the callback was there. */
	on_lsc(d->port, RTE_ETH_EVENT_INTR_LSC, dp, NULL);
	return 0;
}

static int vnic_create(struct sluice_dp *dp, const struct sluice_tenant *t,
		       const struct sluice_vnic *v, struct sluice_err *err, uint32_t *added)
{
	char devargs[512], dev[SLUICE_VNIC_DEV_NAME_MAX + 1];
	struct dp_vnic *d;
	uint16_t port;
	int ret;

	if (sluice_vnic_dev_name(t->name, v->name, dev, sizeof(dev)) < 0) {
		sluice_err_set(err, 0, "name", "vnic '%s' of tenant '%s': ethdev name too long",
			       v->name, t->name);
		return -EINVAL;
	}
	if (dp->opts.vnic_dir != NULL) {
		size_t n = strlen(dp->opts.vnic_dir);

		if (strncmp(v->socket, dp->opts.vnic_dir, n) != 0 || v->socket[n] != '/') {
			sluice_err_set(err, 0, "socket",
				       "vnic '%s' of tenant '%s': socket '%s' is not in %s",
				       v->name, t->name, v->socket, dp->opts.vnic_dir);
			return -EACCES;
		}
	}
	if (v->mode == SLUICE_VNIC_SERVER) {
		ret = socket_clear(v->socket, err);
		if (ret < 0) {
			if (err && err->msg[0] == '\0')
				sluice_err_set(err, 0, "socket", "socket '%s': %s", v->socket,
					       strerror(-ret));
			return ret;
		}
	}
	snprintf(devargs, sizeof(devargs), "%s,iface=%s,queues=%u,client=%d", dev, v->socket,
		 v->queues, v->mode == SLUICE_VNIC_CLIENT);
	ret = rte_dev_probe(devargs);
	if (ret == 0 && rte_eth_dev_get_port_by_name(dev, &port) != 0)
		ret = -ENODEV;
	if (ret != 0) {
		sluice_err_set(err, 0, "", "vnic '%s' of tenant '%s': cannot create %s: %s",
			       v->name, t->name, dev, rte_strerror(-ret));
		return ret;
	}
	if (port >= SLUICE_DP_PORTS) {
		rte_eal_hotplug_remove("vdev", dev);
		sluice_err_set(err, 0, "",
			       "vnic '%s' of tenant '%s': no port left (sluice drives %u)", v->name,
			       t->name, SLUICE_DP_PORTS);
		return -ENOSPC;
	}
	d = &dp->vnics[port];
	memset(d, 0, sizeof(*d));
	d->used = true;
	snprintf(d->tenant, sizeof(d->tenant), "%s", t->name);
	snprintf(d->name, sizeof(d->name), "%s", v->name);
	snprintf(d->dev, sizeof(d->dev), "%s", dev);
	snprintf(d->socket, sizeof(d->socket), "%s", v->socket);
	d->mode = v->mode;
	d->queues = v->queues;
	d->port = port;
	d->first_worker = dp->vnic_rr++ % dp->nb_workers;
	*added |= 1u << port;
	dp_port_stats_restart(dp, port);
	ret = port_setup(dp, d);
	if (ret != 0) {
		sluice_err_set(err, 0, "", "vnic '%s' of tenant '%s': cannot start %s: %s", v->name,
			       t->name, dev, rte_strerror(-ret));
		return ret;
	}
	return 0;
}

int dp_vnics_add(struct sluice_dp *dp, const struct sluice_config *cfg, struct sluice_err *err,
		 uint32_t *added)
{
	uint32_t i, j;
	int ret;

	*added = 0;
	for (i = 0; i < cfg->nb_tenants; i++) {
		const struct sluice_tenant *t = &cfg->tenants[i];

		for (j = 0; j < t->nb_vnics; j++) {
			if (dp_vnic_port(dp, t->name, t->vnics[j].name) != UINT16_MAX)
				continue;
			ret = vnic_create(dp, t, &t->vnics[j], err, added);
			if (ret < 0) {
				dp_vnics_remove_added(dp, *added);
				*added = 0;
				return ret;
			}
		}
	}
	return 0;
}

void dp_vnics_remove_all(struct sluice_dp *dp)
{
	uint16_t p;

	for (p = 0; p < SLUICE_DP_PORTS; p++)
		if (dp->vnics[p].used)
			port_remove(dp, &dp->vnics[p]);
}
