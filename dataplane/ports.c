/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethdev setup: every port gets nb_rxq RX and nb_txq TX queues on the shared
 * pool, RSS over IP/UDP/TCP where the port offers it, promiscuous mode.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "sluice_dp_priv.h"

static int port_setup(struct sluice_dp *dp, uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = dp->opts.nb_rxd ? dp->opts.nb_rxd : 1024;
	uint16_t nb_txd = dp->opts.nb_txd ? dp->opts.nb_txd : 1024;
	int socket = rte_eth_dev_socket_id(port);
	uint16_t q;
	int ret;

	if (socket < 0)
		socket = (int)rte_socket_id();
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0)
		return ret;
	if (dp->nb_rxq > info.max_rx_queues || dp->nb_txq > info.max_tx_queues) {
		RTE_LOG(ERR, USER1, "port %u (%s): %u rx / %u tx queues asked, it has %u / %u\n",
			port, info.driver_name, dp->nb_rxq, dp->nb_txq, info.max_rx_queues,
			info.max_tx_queues);
		return -EINVAL;
	}
	if (dp->nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) &
			info.flow_type_rss_offloads;
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	ret = rte_eth_dev_configure(port, dp->nb_rxq, dp->nb_txq, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	for (q = 0; q < dp->nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, (unsigned int)socket, NULL, dp->pool);
		if (ret != 0)
			return ret;
	}
	for (q = 0; q < dp->nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, (unsigned int)socket, NULL);
		if (ret != 0)
			return ret;
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0)
		return ret;
	/* Not every virtual device has a promiscuous mode; that is fine. */
	rte_eth_promiscuous_enable(port);
	return 0;
}

int dp_ports_setup(struct sluice_dp *dp)
{
	uint16_t port;
	int ret;

	for (port = 0; port < dp->nb_ports; port++) {
		ret = port_setup(dp, port);
		if (ret != 0) {
			RTE_LOG(ERR, USER1, "port %u: setup failed: %s\n", port, rte_strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void dp_ports_close(struct sluice_dp *dp)
{
	uint16_t port;

	for (port = 0; port < dp->nb_ports; port++) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}
