/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_APP_H
#define SLUICE_APP_H

/**
 * @file
 * The launcher's state, shared by main.c and the interactive prompt
 * (cli.c). Main lcore only.
 */

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include <cmdline.h>

#include "sluice_dp.h"
#include "sluice_gen.h"

struct sluice_rpc;
struct sluice_rpc_server;

struct sluice_app {
	struct sluice_dp *dp;
	struct sluice_gen *gen;        /* NULL without --gen */
	char tenants[PATH_MAX];        /* last file loaded */
	atomic_bool quit;
	/*
	 * Held by whoever changes or reads the running configuration: the main
	 * loop (prompt, live stats, traffic source) and the RPC server's thread.
	 */
	pthread_mutex_t cfg_lock;
	const char *vnic_dir;          /* --vnic-dir, or NULL: tenant sockets add no vNICs */
	struct sluice_rpc *rpc;        /* NULL without --rpc-dir */
	struct sluice_rpc_server *rpc_srv;
};

/**
 * Load a tenant file and apply it. Errors are printed to `out` as
 * FILE:LINE:COLUMN: reason; the running configuration is then kept.
 * Call with cfg_lock held.
 * @return 0, or -errno.
 */
int sluice_app_reload(struct sluice_app *app, const char *path, FILE *out);

/** Port names in tenant files and RPC params: ethdev names, and "gen0". */
int sluice_app_resolve_port(const char *name, uint16_t *port, void *app);

/**
 * Serve JSON-RPC in `dir` (admin.sock and a socket per tenant) on a thread
 * of its own. @return 0 or -errno (message printed to stderr).
 */
int sluice_app_rpc_start(struct sluice_app *app, const char *dir);

/** Stop serving and remove the sockets. No-op when not started. */
void sluice_app_rpc_stop(struct sluice_app *app);

void sluice_show_port_stats(struct sluice_app *app, FILE *out);
int sluice_show_port_info(struct sluice_app *app, uint16_t port, FILE *out);
/** `name` NULL: one line per tenant. @return 0 or -ENOENT. */
int sluice_show_tenant(struct sluice_app *app, const char *name, FILE *out);
int sluice_show_flows(struct sluice_app *app, const char *tenant, FILE *out);
void sluice_show_drops(struct sluice_app *app, FILE *out);
void sluice_show_stages(struct sluice_app *app, FILE *out);
/** vNICs (port, guest attached, counters) and the L2 tables' counters. */
void sluice_show_vnics(struct sluice_app *app, FILE *out);

/** The interactive prompt on stdin/stdout. @return it, or NULL. */
struct cmdline *sluice_cli_new(struct sluice_app *app);

#endif /* SLUICE_APP_H */
