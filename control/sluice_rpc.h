/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef SLUICE_RPC_H
#define SLUICE_RPC_H

/**
 * @file
 * JSON-RPC 2.0 control plane: a registry of methods, the request dispatcher,
 * and the server that carries requests over Unix sockets. Method reference,
 * framing and error codes for users: docs/rpc.md.
 *
 * Shape (SPDK's): each method is one table entry naming its parameters (each
 * with a decoder, where it lands in a params struct, and whether it is
 * required), a handler, and flags. The dispatcher parses the request, checks
 * the caller may call the method, decodes the params into a zeroed struct,
 * resolves the tenant the call works on, and runs the handler. A handler
 * only decodes what the table could not, calls sluice_model_*() (where every
 * semantic check lives, shared with the tenant file loader) and encodes a
 * result.
 *
 * Changes are all or nothing: a SLUICE_RPC_WRITE method edits a clone of the
 * running configuration (sluice_config_clone()); only when the handler and
 * then ops.apply (the data plane's sluice_dp_apply(), which publishes tables
 * with RCU) both succeed does the clone become the running configuration.
 * On any error the running configuration is untouched.
 *
 * Scope: every request comes with the caller's scope. NULL is the admin
 * socket, which may call every method. A tenant name is a tenant's socket:
 * only methods flagged SLUICE_RPC_TENANT_OK, and only on that tenant's
 * objects (the tenant a method works on is implied by the socket; naming
 * another is refused with SLUICE_RPC_E_DENIED, whether or not it exists).
 *
 * Threads: sluice_rpc_handle() may be called from any thread; requests are
 * serialised on the configuration lock (opts.lock), which the application
 * also takes around its own configuration changes (the interactive prompt's
 * reload) and around readers of the running configuration. ops callbacks run
 * with that lock held.
 *
 * Untrusted input: requests on tenant sockets come from tenants. A request
 * is parsed once by jansson (duplicate keys refused), every field's type and
 * range is checked by its decoder before use, unknown fields are refused,
 * and names are bounded before they reach the model.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice_loader.h"
#include "sluice_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest request (one line) the server accepts, newline excluded. */
#define SLUICE_RPC_MSG_MAX (1u << 20)

/**
 * Error codes in responses. The first five are JSON-RPC 2.0's; the others
 * are Sluice's, in the range the spec leaves to implementations. Every error
 * carries data {"field": KEY, "reason": TEXT}: the field to fix ("" when the
 * request as a whole is at fault) and a sentence saying what is wrong.
 */
enum sluice_rpc_code {
	SLUICE_RPC_PARSE_ERROR = -32700,      /**< not JSON */
	SLUICE_RPC_INVALID_REQUEST = -32600,  /**< JSON, but not a request (or too large) */
	SLUICE_RPC_METHOD_NOT_FOUND = -32601, /**< no such method */
	SLUICE_RPC_INVALID_PARAMS =
	    -32602, /**< a param missing, unknown, of the wrong type or form */
	SLUICE_RPC_INTERNAL_ERROR = -32603, /**< out of memory, a callback missing */
	SLUICE_RPC_E_INVALID = -32001,	    /**< the model refused a value (EINVAL) */
	SLUICE_RPC_E_EXISTS = -32002,	    /**< the object exists (EEXIST) */
	SLUICE_RPC_E_NOT_FOUND = -32003,    /**< no such object (ENOENT) */
	SLUICE_RPC_E_LIMIT = -32004,	    /**< a limit reached (ENOSPC) */
	SLUICE_RPC_E_DENIED = -32005,	    /**< outside the caller's scope */
	SLUICE_RPC_E_APPLY = -32006,	    /**< the data plane did not take the change */
	SLUICE_RPC_E_BUSY = -32007,	    /**< too many clients; sent before closing */
	SLUICE_RPC_E_TIMEOUT = -32008,	    /**< idle too long; sent before closing */
	SLUICE_RPC_E_IO = -32009,	    /**< a file could not be written */
	SLUICE_RPC_E_IN_USE = -32010,	    /**< the object is still in use (EBUSY) */
};

/** What npu_model_add and npu_model_list show of a model (sluice_npu.h's model info). */
struct sluice_rpc_npu_model {
	uint16_t classes;
	uint64_t macs;		     /**< multiply-accumulates per inference */
	uint32_t in_max_w, in_max_h; /**< largest input frame it takes */
	bool gray, rgb;		     /**< input pixel formats it takes */
};

/** Device faults npu_fault injects (sluice_npu.h's enum sluice_npu_fault_kind). */
enum sluice_rpc_npu_fault {
	SLUICE_RPC_NPU_FAULT_NONE = 0,
	SLUICE_RPC_NPU_FAULT_TIMEOUT,
	SLUICE_RPC_NPU_FAULT_ERROR,
	SLUICE_RPC_NPU_FAULT_FULL,
};

/** What vnic_list and vnic_get show of a running vNIC (sluice_dp.h's struct sluice_vnic_stats). */
struct sluice_rpc_vnic_state {
	/** Its ethdev port. */
	uint16_t port;
	/** A guest is attached (the vhost-user device is running). */
	bool link_up;
	/** Data plane counters: frames from the guest, their bytes, frames to it. */
	uint64_t rx_pkts, rx_bytes, tx_pkts;
	/** The vhost port's own counters; hw_oerrors: the guest's ring was full. */
	uint64_t hw_ipackets, hw_opackets, hw_oerrors;
};

/** Short name of a code ("Invalid params"), or "Unknown error". */
const char *sluice_rpc_code_name(int code);

/** What the RPC needs from the application. */
struct sluice_rpc_ops {
	/** The running configuration (never NULL). Required. */
	const struct sluice_config *(*config)(void *arg);
	/**
	 * Make `cfg` the running configuration (the caller keeps `cfg`).
	 * Required. @return 0, or -errno with err filled; on error nothing changed.
	 */
	int (*apply)(void *arg, const struct sluice_config *cfg, struct sluice_err *err);
	/**
	 * Counters as a JSON object (a new reference): every counter when
	 * `tenant` is NULL, else only that tenant's (nothing shared with other
	 * tenants). Optional: without it `stats` fails with an internal error.
	 * @return the object, or NULL (errno set).
	 */
	json_t *(*stats)(void *arg, const char *tenant);
	/** Ports as a JSON array of objects with at least "port" and "name". Optional. */
	json_t *(*ports)(void *arg);
	/** Resolves port names written in params. Optional: numbers only. */
	sluice_port_resolver_t resolve_port;
	/**
	 * Load model `ref` of `cfg` (a clone, not yet applied) through the NPU
	 * bridge as applying `cfg` would, and describe it. Optional: without
	 * it npu_model_add and npu_model_list fail with an internal error.
	 * @return 0, or -errno with err filled (field "file" for the blob).
	 */
	int (*npu_model)(void *arg, const struct sluice_config *cfg,
			 const struct sluice_npu_model_ref *ref, struct sluice_rpc_npu_model *info,
			 struct sluice_err *err);
	/**
	 * A context's bridge counters as a JSON object (a new reference), or
	 * NULL with errno ENOENT (not on the device: no model, or not applied)
	 * or ENOMEM. Optional: npu_context_get then shows "stats": null.
	 */
	json_t *(*npu_stats)(void *arg, const char *tenant, const char *name);
	/**
	 * Inject a device fault into a tenant's context (kind NONE clears).
	 * Optional: without it npu_fault fails with an internal error.
	 * @return 0, -ENOENT (not on the device), -EINVAL (count 0 with a kind
	 *         other than none).
	 */
	int (*npu_fault)(void *arg, const char *tenant, const char *name,
			 enum sluice_rpc_npu_fault kind, uint32_t count);
	/**
	 * A running vNIC's port, link state and counters (since its port was
	 * created). Optional: vnic_list and vnic_get then show "port", "link"
	 * and "stats" as null.
	 * @return 0, or -ENOENT (the data plane runs no port for it).
	 */
	int (*vnic_state)(void *arg, const char *tenant, const char *name,
			  struct sluice_rpc_vnic_state *st);
	void *arg;
};

struct sluice_rpc_opts {
	/** sizeof(struct sluice_rpc_opts). */
	size_t sz;
	struct sluice_rpc_ops ops;
	/** The configuration lock (see Threads above); NULL: one of its own. */
	pthread_mutex_t *lock;
	/**
	 * The directory the data plane confines vNIC sockets to (its
	 * opts.vnic_dir), copied; NULL: none. A tenant's socket may add a vNIC
	 * only when it is set, and only with a socket inside it: tenants do not
	 * pick paths on the host (the admin socket's vNICs are checked by the
	 * data plane when applied).
	 */
	const char *vnic_dir;
};

struct sluice_rpc;

/**
 * Create a dispatcher with every built-in method registered (docs/rpc.md).
 * @return it, or NULL with errno: EINVAL (opts NULL, sz too small, unknown
 *         trailing fields not zero, ops.config or ops.apply NULL), ENOMEM.
 */
struct sluice_rpc *sluice_rpc_new(const struct sluice_rpc_opts *opts);

/** Free a dispatcher. NULL is a no-op. No request may be in flight. */
void sluice_rpc_free(struct sluice_rpc *rpc);

/**
 * Handle one request: `len` bytes of JSON (no framing).
 *
 * @param scope  NULL for the admin socket, else the caller's tenant name.
 * @return the response, a NUL-terminated compact JSON text without a newline
 *         that the caller frees; or NULL with errno 0 for a notification (a
 *         request without "id", which is run but answered by nothing), or
 *         NULL with errno ENOMEM.
 */
char *sluice_rpc_handle(struct sluice_rpc *rpc, const char *scope, const char *req, size_t len);

/**
 * An error response to a request the server could not even read (too large,
 * too many clients, idle): id null. Same return contract as
 * sluice_rpc_handle().
 */
char *sluice_rpc_error_text(int code, const char *field, const char *reason);

/**
 * Tell the RPC that the running configuration changed by another way than
 * an RPC call (a tenant file reloaded from the prompt), so that the server
 * brings its tenant sockets in line. Call with the configuration lock held,
 * or at any time from the thread that owns it; any thread.
 */
void sluice_rpc_config_changed(struct sluice_rpc *rpc);

/** Bumped after every change of the running configuration (RPC or not). */
uint64_t sluice_rpc_generation(struct sluice_rpc *rpc);

/** The configuration lock (opts.lock, or the RPC's own). */
pthread_mutex_t *sluice_rpc_lock(struct sluice_rpc *rpc);

/**
 * Names of the running configuration's tenants, taken under the lock: a
 * NULL-terminated array the caller frees with free() (one allocation).
 * @return it, or NULL with errno ENOMEM.
 */
char **sluice_rpc_tenant_names(struct sluice_rpc *rpc);

/* ---- Registry: adding methods ---------------------------------------------- */

/**
 * One request being handled. Decoders and handlers receive it; the fields
 * above the line are theirs to read (and `result` to set).
 */
struct sluice_rpc_req {
	struct sluice_rpc *rpc;
	/**
	 * SLUICE_RPC_WRITE methods: a private clone of the running configuration,
	 * to edit; applied when the handler returns 0. Other methods: the running
	 * configuration, which they must not modify.
	 */
	struct sluice_config *cfg;
	/** The tenant named by the method's tenant_key (in cfg), or NULL. */
	struct sluice_tenant *tenant;
	/** The caller's scope: NULL admin, else its tenant. */
	const char *scope;
	/** Set by the handler: the result (a reference it gives away); NULL means true. */
	json_t *result;
	/* ---- private to the dispatcher -------------------------------------- */
	const struct sluice_rpc_ops *ops;
	char path[160];
	int code;
	char field[224];
	char reason[256];
	char at[160];
};

/**
 * A decoder: check `v` and store it at `out`. On error it calls
 * sluice_rpc_fail() (the field is the current path) and returns its value.
 * @return 0, or negative.
 */
typedef int (*sluice_rpc_decode_t)(struct sluice_rpc_req *req, const json_t *v, void *out);

/** One key of an object: its decoder, where it lands, whether it must be there. */
struct sluice_rpc_param {
	const char *name;
	sluice_rpc_decode_t decode;
	size_t offset;
	bool required;
};

#define SLUICE_RPC_PARAM(name_, decode_, type_, field_, required_)                                 \
	{                                                                                          \
		.name = (name_), .decode = (decode_), .offset = offsetof(type_, field_),           \
		.required = (required_)                                                            \
	}

enum sluice_rpc_flags {
	/** Tenant sockets may call it (the admin socket may call everything). */
	SLUICE_RPC_TENANT_OK = 1u << 0,
	/** Edits req->cfg, a clone; the dispatcher applies it after. */
	SLUICE_RPC_WRITE = 1u << 1,
	/** With tenant_key: the admin socket may leave the tenant out (req->tenant NULL). */
	SLUICE_RPC_TENANT_OPTIONAL = 1u << 2,
};

struct sluice_rpc_method {
	const char *name;
	/** One line for rpc_methods and sluicectl. */
	const char *summary;
	const struct sluice_rpc_param *params;
	unsigned int nb_params;
	/** Size of the struct params decode into (zeroed before decoding); 0: none. */
	size_t params_size;
	int (*handler)(struct sluice_rpc_req *req, void *params);
	/** OR of enum sluice_rpc_flags. */
	unsigned int flags;
	/**
	 * The param that names the tenant the call works on ("tenant", or
	 * "name" for tenant_get/tenant_del), or NULL. The dispatcher decodes
	 * it (not the table): required on the admin socket, implied by a
	 * tenant socket and refused there if it names another; the tenant must
	 * exist in req->cfg and is given as req->tenant.
	 */
	const char *tenant_key;
};

/**
 * Register `n` methods (the table must outlive the dispatcher). All or none.
 * @return 0, -EEXIST (a name already registered), -EINVAL (a method without
 *         name or handler), -ENOMEM.
 */
int sluice_rpc_register(struct sluice_rpc *rpc, const struct sluice_rpc_method *m, unsigned int n);

/**
 * Record an error for the response and return -1, for `return sluice_rpc_fail(...)`.
 * `field` is relative to the current path ("" or NULL: the path itself).
 */
int sluice_rpc_fail(struct sluice_rpc_req *req, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * Record a model error (rc a -errno from sluice_model_*() or ops.apply):
 * the code from rc (-EINVAL, -EEXIST, -ENOENT, -ENOSPC, -EBUSY; -ENOMEM is internal),
 * field and reason from err. @return -1.
 */
int sluice_rpc_fail_model(struct sluice_rpc_req *req, int rc, const struct sluice_err *err);

/**
 * Decode an object against a param table into `out`: refuses a non-object,
 * unknown keys (naming the expected ones), missing required keys, and the
 * first value its decoder refuses. `what` names the object in messages
 * ("params", "match"...); `skip` is a key to leave alone (or NULL).
 * @return 0 or -1 (error recorded).
 */
int sluice_rpc_decode_object(struct sluice_rpc_req *req, const json_t *obj, const char *what,
			     const struct sluice_rpc_param *p, unsigned int n, const char *skip,
			     void *out);

/** Append ".key" (or "[i]" when key is NULL) to the path; @return the mark to pop to. */
size_t sluice_rpc_path_push(struct sluice_rpc_req *req, const char *key, unsigned int i);
void sluice_rpc_path_pop(struct sluice_rpc_req *req, size_t mark);

/*
 * Decoders for the common types; out points at the type in brackets.
 * Integers must be JSON integers in range (not strings, not reals).
 */
/** A name [char[SLUICE_NAME_MAX]]: a string shorter than SLUICE_NAME_MAX, no NUL. */
int sluice_rpc_decode_name(struct sluice_rpc_req *req, const json_t *v, void *out);
/** A string [const char *, borrowed from the request]. */
int sluice_rpc_decode_string(struct sluice_rpc_req *req, const json_t *v, void *out);
/** [uint32_t] 0..UINT32_MAX. */
int sluice_rpc_decode_u32(struct sluice_rpc_req *req, const json_t *v, void *out);
/** Any JSON value [const json_t *, borrowed]. */
int sluice_rpc_decode_json(struct sluice_rpc_req *req, const json_t *v, void *out);
/** A port [uint16_t]: 0..SLUICE_PORT_MAX, or a name given to ops.resolve_port. */
int sluice_rpc_decode_port(struct sluice_rpc_req *req, const json_t *v, void *out);
/** An ingress match [struct sluice_match], as in tenant files: {port, vlan, inner_vlan, vni}. */
int sluice_rpc_decode_match(struct sluice_rpc_req *req, const json_t *v, void *out);
/** An exact flow's match [struct sluice_flow_match]: proto, src, dst, sport, dport, all required.
 */
int sluice_rpc_decode_flow_match(struct sluice_rpc_req *req, const json_t *v, void *out);
/** A rule's match [struct sluice_flow_match]: family, proto, src, dst, sport, dport, all optional.
 */
int sluice_rpc_decode_rule_match(struct sluice_rpc_req *req, const json_t *v, void *out);
/** An action list, or one action [struct sluice_actions], as in tenant files. */
int sluice_rpc_decode_actions(struct sluice_rpc_req *req, const json_t *v, void *out);
/**
 * An NPU context [struct sluice_npu_context], as in tenant files: a name
 * (declared only), or an object {name, model, input, weight, priority,
 * quota_fps, batch, queue_depth, window, result}; keys left out get
 * sluice_model_npu_context_init()'s defaults. Ranges are the model's to check.
 */
int sluice_rpc_decode_npu_context(struct sluice_rpc_req *req, const json_t *v, void *out);
/**
 * A vNIC [struct sluice_vnic], as in tenant files: {name, socket, mode,
 * queues, mac}; name, socket and mac required, mode "server" (default) or
 * "client", queues default 1. The socket's length and the MAC's syntax are
 * checked here; everything else (paths, ranges, uniqueness) is the model's.
 */
int sluice_rpc_decode_vnic(struct sluice_rpc_req *req, const json_t *v, void *out);
/**
 * An uplink [struct sluice_uplink], as in tenant files: {port} (untagged),
 * {port, vlan}, or {port, vxlan: {src_mac, dst_mac, src_ip, dst_ip, vni,
 * udp_src, udp_dst, ttl}}. Whether the tenant has the match it needs is the
 * model's to check.
 */
int sluice_rpc_decode_uplink(struct sluice_rpc_req *req, const json_t *v, void *out);

/*
 * Encoders: the same shapes, so that what a listing returns can be sent back
 * as params. @return a new reference, or NULL (out of memory).
 */
json_t *sluice_rpc_encode_match(const struct sluice_match *m);
json_t *sluice_rpc_encode_actions(const struct sluice_actions *a);
/** A flow (exact) or rule: {name, [priority,] match, actions}. */
json_t *sluice_rpc_encode_flow(const struct sluice_flow *f, bool exact);
/** An NPU context: its name alone when declared only, else the object. */
json_t *sluice_rpc_encode_npu_context(const struct sluice_npu_context *c);
/** A vNIC: {name, socket, mode, queues, mac}. */
json_t *sluice_rpc_encode_vnic(const struct sluice_vnic *v);
/** An uplink as decoded above; JSON null for SLUICE_UPLINK_NONE. */
json_t *sluice_rpc_encode_uplink(const struct sluice_uplink *u);
/** A whole tenant, as tenant_add takes it. */
json_t *sluice_rpc_encode_tenant(const struct sluice_tenant *t);

/* ---- Server ---------------------------------------------------------------- */

/**
 * Log callback: one line, no newline. `priority` is syslog's: LOG_INFO for
 * connections, LOG_NOTICE for refusals and cut-offs.
 */
typedef void (*sluice_rpc_log_t)(void *arg, int priority, const char *line);

struct sluice_rpc_server_opts {
	/** sizeof(struct sluice_rpc_server_opts). */
	size_t sz;
	/**
	 * Directory of the sockets: DIR/admin.sock, and DIR/tenant-NAME.sock for
	 * every tenant of the running configuration (created and removed as
	 * tenants come and go). Created with mode 0755 if missing. Required.
	 */
	const char *dir;
	/** No tenant sockets: only admin.sock. */
	bool no_tenant_sockets;
	/** Clients at once, all sockets together; 0: 64. One more is told so and closed. */
	uint32_t max_clients;
	/** Largest request in bytes; 0: SLUICE_RPC_MSG_MAX. Larger: an error, then closed. */
	uint32_t max_msg;
	/**
	 * A client is closed (after an error response when it can take one)
	 * when this many milliseconds pass without it completing a request or
	 * taking output; 0: 30000.
	 */
	uint32_t idle_ms;
	/**
	 * Largest response; 0: 64 MiB. A larger one is replaced by an error
	 * asking for a narrower request (flow_list's offset and limit).
	 */
	uint32_t max_out;
	/** Where connections, refusals and cut-offs are logged; NULL: nowhere. */
	sluice_rpc_log_t log;
	void *log_arg;
};

struct sluice_rpc_server;

/**
 * Create the sockets and start the server thread.
 *
 * Sockets are bound, set to mode 0600 (owned by this process's user) and
 * only then listened on, so no one connects before the mode is set. A stale
 * socket at a path is replaced; a live one (another server answers on
 * admin.sock) fails with EADDRINUSE.
 * The peer of every connection is read with SO_PEERCRED: on the admin
 * socket a peer whose uid is neither 0 nor this process's is refused.
 *
 * @return the server, or NULL with errno: EINVAL (bad opts), ENAMETOOLONG
 *         (a socket path does not fit sun_path), or the failing call's errno.
 */
struct sluice_rpc_server *sluice_rpc_server_start(struct sluice_rpc *rpc,
						  const struct sluice_rpc_server_opts *opts);

/**
 * Stop the thread, close every client, remove the sockets this server
 * created (not the directory). Requests in flight finish first. NULL: no-op.
 */
void sluice_rpc_server_stop(struct sluice_rpc_server *srv);

/** Server counters (tests). */
struct sluice_rpc_server_stats {
	uint64_t accepted;
	uint64_t requests;
	uint64_t refused_busy;	 /**< over max_clients */
	uint64_t refused_peer;	 /**< admin socket, foreign uid */
	uint64_t cut_oversize;	 /**< request over max_msg */
	uint64_t cut_idle;	 /**< idle_ms passed */
	uint64_t too_large;	 /**< responses over max_out, replaced by an error */
	uint64_t cut_scope;	 /**< its tenant was deleted */
	uint32_t clients;	 /**< connected now */
	uint32_t tenant_sockets; /**< listening now */
};

/** @return 0. Any thread. */
int sluice_rpc_server_stats(struct sluice_rpc_server *srv, struct sluice_rpc_server_stats *st);

/* ---- Client ---------------------------------------------------------------- */

/**
 * Connect to a socket (blocking, for sluicectl and tests).
 * @return a file descriptor, or -errno.
 */
int sluice_rpc_connect(const char *path);

/**
 * Send one request and wait for its response (the next line).
 * @param params  may be NULL; borrowed.
 * @param timeout_ms  0: wait forever.
 * @return the parsed response object (a new reference), or NULL with errno:
 *         EPIPE/ECONNRESET (closed), ETIMEDOUT, EPROTO (not a JSON object),
 *         EMSGSIZE (over 256 MiB), ENOMEM.
 */
json_t *sluice_rpc_call(int fd, const char *method, json_t *params, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_RPC_H */
