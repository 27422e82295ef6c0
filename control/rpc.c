/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON-RPC dispatcher: request envelope, method registry, scope, param
 * decoding, the clone-edit-apply cycle, and responses. Requests are
 * untrusted (tenant sockets): jansson parses them, every member is checked
 * here before a handler sees anything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice_rpc.h"
#include "rpc_priv.h"

struct sluice_rpc {
	struct sluice_rpc_ops ops;
	pthread_mutex_t own_lock;
	pthread_mutex_t *lock;
	const struct sluice_rpc_method **methods;
	unsigned int nb_methods, cap_methods;
	_Atomic uint64_t generation;
	char *vnic_dir;
};

static const struct {
	int code;
	const char *name;
} code_names[] = {
    {SLUICE_RPC_PARSE_ERROR, "Parse error"},
    {SLUICE_RPC_INVALID_REQUEST, "Invalid Request"},
    {SLUICE_RPC_METHOD_NOT_FOUND, "Method not found"},
    {SLUICE_RPC_INVALID_PARAMS, "Invalid params"},
    {SLUICE_RPC_INTERNAL_ERROR, "Internal error"},
    {SLUICE_RPC_E_INVALID, "Invalid value"},
    {SLUICE_RPC_E_EXISTS, "Already exists"},
    {SLUICE_RPC_E_NOT_FOUND, "Not found"},
    {SLUICE_RPC_E_LIMIT, "Limit reached"},
    {SLUICE_RPC_E_DENIED, "Permission denied"},
    {SLUICE_RPC_E_APPLY, "Not applied"},
    {SLUICE_RPC_E_BUSY, "Too many clients"},
    {SLUICE_RPC_E_TIMEOUT, "Timed out"},
    {SLUICE_RPC_E_IO, "I/O error"},
    {SLUICE_RPC_E_IN_USE, "In use"},
};

const char *sluice_rpc_code_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (code_names[i].code == code)
			return code_names[i].name;
	return "Unknown error";
}

/* ---- Errors and paths ------------------------------------------------------ */

bool rpc_opts_known(const void *opts, size_t known, size_t sz)
{
	size_t i;

	if (sz < known)
		return false;
	for (i = known; i < sz; i++)
		if (((const uint8_t *)opts)[i] != 0)
			return false;
	return true;
}

const char *rpc_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a fractional number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int sluice_rpc_fail(struct sluice_rpc_req *req, int code, const char *field, const char *fmt, ...)
{
	va_list ap;

	/* The first error wins: it is the one the caller can fix first. */
	if (req->code != 0)
		return -1;
	req->code = code;
	if (field != NULL && field[0] != '\0')
		snprintf(req->field, sizeof(req->field), "%s%s%s", req->path,
			 req->path[0] ? "." : "", field);
	else
		snprintf(req->field, sizeof(req->field), "%s", req->path);
	va_start(ap, fmt);
	vsnprintf(req->reason, sizeof(req->reason), fmt, ap);
	va_end(ap);
	return -1;
}

int sluice_rpc_fail_model(struct sluice_rpc_req *req, int rc, const struct sluice_err *err)
{
	int code;

	switch (rc) {
	case -EINVAL:
		code = SLUICE_RPC_E_INVALID;
		break;
	case -EEXIST:
		code = SLUICE_RPC_E_EXISTS;
		break;
	case -ENOENT:
		code = SLUICE_RPC_E_NOT_FOUND;
		break;
	case -ENOSPC:
		code = SLUICE_RPC_E_LIMIT;
		break;
	case -EBUSY:
		code = SLUICE_RPC_E_IN_USE;
		break;
	default:
		code = SLUICE_RPC_INTERNAL_ERROR;
		break;
	}
	if (req->code != 0)
		return -1;
	req->code = code;
	/* The model names its own key; where it sits in the params goes in "at". */
	snprintf(req->field, sizeof(req->field), "%s", err->field);
	snprintf(req->at, sizeof(req->at), "%s", req->path);
	if (err->msg[0] != '\0')
		snprintf(req->reason, sizeof(req->reason), "%s", err->msg);
	else
		snprintf(req->reason, sizeof(req->reason), "%s", strerror(-rc));
	return -1;
}

size_t sluice_rpc_path_push(struct sluice_rpc_req *req, const char *key, unsigned int i)
{
	size_t mark = strlen(req->path), room = sizeof(req->path) - mark;

	if (key != NULL)
		snprintf(req->path + mark, room, "%s%s", mark ? "." : "", key);
	else
		snprintf(req->path + mark, room, "[%u]", i);
	return mark;
}

void sluice_rpc_path_pop(struct sluice_rpc_req *req, size_t mark)
{
	if (mark < sizeof(req->path))
		req->path[mark] = '\0';
}

/* ---- Decoders --------------------------------------------------------------- */

int sluice_rpc_decode_object(struct sluice_rpc_req *req, const json_t *obj, const char *what,
			     const struct sluice_rpc_param *p, unsigned int n, const char *skip,
			     void *out)
{
	const char *key;
	json_t *v;
	unsigned int i;
	char buf[RPC_QUOTE_MAX];

	if (!json_is_object(obj))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s must be an object, got %s", what, rpc_type_name(obj));
	json_object_foreach((json_t *)obj, key, v)
	{
		if (skip != NULL && strcmp(key, skip) == 0)
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(key, p[i].name) == 0)
				break;
		if (i == n) {
			char expected[200] = "";
			size_t o = 0;

			for (i = 0; i < n && o < sizeof(expected); i++)
				o += (size_t)snprintf(expected + o, sizeof(expected) - o, "%s%s",
						      i ? ", " : "", p[i].name);
			if (skip != NULL && o < sizeof(expected))
				snprintf(expected + o, sizeof(expected) - o, "%s%s", n ? ", " : "",
					 skip);
			model_quote(key, strlen(key), buf);
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, buf,
					       "unknown field '%s' in %s (expected %s)", buf, what,
					       expected[0] ? expected : "none");
		}
	}
	for (i = 0; i < n; i++) {
		size_t mark;
		int rc;

		v = json_object_get(obj, p[i].name);
		if (v == NULL) {
			if (p[i].required)
				return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, p[i].name,
						       "missing field '%s' in %s", p[i].name, what);
			continue;
		}
		mark = sluice_rpc_path_push(req, p[i].name, 0);
		rc = p[i].decode(req, v, (char *)out + p[i].offset);
		sluice_rpc_path_pop(req, mark);
		if (rc < 0)
			return -1;
	}
	return 0;
}

const char *rpc_key(const struct sluice_rpc_req *req)
{
	const char *dot = strrchr(req->path, '.');

	return dot ? dot + 1 : req->path;
}

int sluice_rpc_decode_name(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected a name (a string), got %s", rpc_key(req),
				       rpc_type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s contains a NUL character", rpc_key(req));
	if (len >= SLUICE_NAME_MAX)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s' is longer than %d characters", rpc_key(req),
				       model_quote(s, len, buf), SLUICE_NAME_MAX - 1);
	/* Zero-filled: the model compares and copies names whole. */
	memset(out, 0, SLUICE_NAME_MAX);
	memcpy(out, s, len);
	return 0;
}

int sluice_rpc_decode_string(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	if (!json_is_string(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected a string, got %s", rpc_key(req),
				       rpc_type_name(v));
	if (strlen(json_string_value(v)) != json_string_length(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s contains a NUL character", rpc_key(req));
	*(const char **)out = json_string_value(v);
	return 0;
}

int rpc_decode_uint(struct sluice_rpc_req *req, const json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected an integer, got %s", rpc_key(req),
				       rpc_type_name(v));
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > max)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s %lld out of range 0..%llu", rpc_key(req), (long long)n,
				       (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

int sluice_rpc_decode_u32(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	uint64_t n = 0;

	if (rpc_decode_uint(req, v, UINT32_MAX, &n) < 0)
		return -1;
	*(uint32_t *)out = (uint32_t)n;
	return 0;
}

int sluice_rpc_decode_json(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	(void)req;
	*(const json_t **)out = v;
	return 0;
}

int sluice_rpc_decode_port(struct sluice_rpc_req *req, const json_t *v, void *out)
{
	char buf[RPC_QUOTE_MAX];
	uint64_t n = 0;
	uint16_t port;

	if (json_is_integer(v)) {
		/* Checked here: the model reads 65535 as "any port". */
		if (rpc_decode_uint(req, v, SLUICE_PORT_MAX, &n) < 0)
			return -1;
		*(uint16_t *)out = (uint16_t)n;
		return 0;
	}
	if (!json_is_string(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s: expected a port number or name, got %s", rpc_key(req),
				       rpc_type_name(v));
	model_quote(json_string_value(v), json_string_length(v), buf);
	if (req->ops->resolve_port == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s': port names are not available; use a number",
				       rpc_key(req), buf);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    req->ops->resolve_port(json_string_value(v), &port, req->ops->arg) != 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s' not found (port_list shows the ports)",
				       rpc_key(req), buf);
	if (port > SLUICE_PORT_MAX)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, NULL,
				       "%s '%s' is number %u, out of range 0..%u", rpc_key(req),
				       buf, port, SLUICE_PORT_MAX);
	*(uint16_t *)out = port;
	return 0;
}

/* ---- Registry --------------------------------------------------------------- */

static const struct sluice_rpc_method *method_find(const struct sluice_rpc *rpc, const char *name)
{
	unsigned int i;

	for (i = 0; i < rpc->nb_methods; i++)
		if (strcmp(rpc->methods[i]->name, name) == 0)
			return rpc->methods[i];
	return NULL;
}

int sluice_rpc_register(struct sluice_rpc *rpc, const struct sluice_rpc_method *m, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (m[i].name == NULL || m[i].handler == NULL ||
		    (m[i].nb_params != 0 && m[i].params == NULL))
			return -EINVAL;
		if (method_find(rpc, m[i].name) != NULL)
			return -EEXIST;
		for (j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return -EEXIST;
	}
	if (rpc->nb_methods + n > rpc->cap_methods) {
		unsigned int cap = rpc->nb_methods + n + 16;
		const struct sluice_rpc_method **p =
		    realloc(rpc->methods, cap * sizeof(*rpc->methods));

		if (p == NULL)
			return -ENOMEM;
		rpc->methods = p;
		rpc->cap_methods = cap;
	}
	for (i = 0; i < n; i++)
		rpc->methods[rpc->nb_methods++] = &m[i];
	return 0;
}

/* rpc_methods: the registry itself, as the caller's scope sees it. */
static int do_rpc_methods(struct sluice_rpc_req *req, void *params)
{
	struct sluice_rpc *rpc = req->rpc;
	json_t *list = json_array();
	unsigned int i, j;

	(void)params;
	if (list == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL, "out of memory");
	for (i = 0; i < rpc->nb_methods; i++) {
		const struct sluice_rpc_method *m = rpc->methods[i];
		json_t *ps = json_array(), *o;

		if (req->scope != NULL && !(m->flags & SLUICE_RPC_TENANT_OK)) {
			json_decref(ps);
			continue;
		}
		if (m->tenant_key != NULL)
			json_array_append_new(
			    ps, json_pack("{s:s,s:b}", "name", m->tenant_key, "required",
					  req->scope == NULL &&
					      !(m->flags & SLUICE_RPC_TENANT_OPTIONAL)));
		for (j = 0; j < m->nb_params; j++)
			json_array_append_new(ps, json_pack("{s:s,s:b}", "name", m->params[j].name,
							    "required", m->params[j].required));
		o = json_pack("{s:s,s:s,s:o,s:b,s:b}", "name", m->name, "summary",
			      m->summary ? m->summary : "", "params", ps, "tenant_ok",
			      (m->flags & SLUICE_RPC_TENANT_OK) != 0, "writes",
			      (m->flags & SLUICE_RPC_WRITE) != 0);
		if (o == NULL || json_array_append_new(list, o) != 0) {
			json_decref(list);
			return sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL,
					       "out of memory");
		}
	}
	req->result = list;
	return 0;
}

static const struct sluice_rpc_method core_methods[] = {
    {
	.name = "rpc_methods",
	.summary = "list the methods this socket may call, with their params",
	.handler = do_rpc_methods,
	.flags = SLUICE_RPC_TENANT_OK,
    },
};

/* ---- Life cycle ------------------------------------------------------------- */

struct sluice_rpc *sluice_rpc_new(const struct sluice_rpc_opts *opts)
{
	struct sluice_rpc *rpc;
	int rc;

	if (opts == NULL || !rpc_opts_known(opts, sizeof(*opts), opts->sz)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts->ops.config == NULL || opts->ops.apply == NULL) {
		errno = EINVAL;
		return NULL;
	}
	rpc = calloc(1, sizeof(*rpc));
	if (rpc == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	rpc->ops = opts->ops;
	if (opts->vnic_dir != NULL) {
		rpc->vnic_dir = strdup(opts->vnic_dir);
		if (rpc->vnic_dir == NULL) {
			free(rpc);
			errno = ENOMEM;
			return NULL;
		}
	}
	pthread_mutex_init(&rpc->own_lock, NULL);
	rpc->lock = opts->lock ? opts->lock : &rpc->own_lock;
	rc = sluice_rpc_register(rpc, core_methods, 1);
	if (rc == 0)
		rc = rpc_model_register(rpc);
	if (rc < 0) {
		sluice_rpc_free(rpc);
		errno = -rc;
		return NULL;
	}
	return rpc;
}

void sluice_rpc_free(struct sluice_rpc *rpc)
{
	if (rpc == NULL)
		return;
	free(rpc->methods);
	free(rpc->vnic_dir);
	pthread_mutex_destroy(&rpc->own_lock);
	free(rpc);
}

void sluice_rpc_config_changed(struct sluice_rpc *rpc)
{
	atomic_fetch_add(&rpc->generation, 1);
}

uint64_t sluice_rpc_generation(struct sluice_rpc *rpc)
{
	return atomic_load(&rpc->generation);
}

const char *rpc_vnic_dir(const struct sluice_rpc *rpc)
{
	return rpc->vnic_dir;
}

pthread_mutex_t *sluice_rpc_lock(struct sluice_rpc *rpc)
{
	return rpc->lock;
}

char **sluice_rpc_tenant_names(struct sluice_rpc *rpc)
{
	const struct sluice_config *cfg;
	char **names;
	uint32_t i, n;

	pthread_mutex_lock(rpc->lock);
	cfg = rpc->ops.config(rpc->ops.arg);
	n = cfg->nb_tenants;
	/* One block: the pointers, then the names. */
	names = malloc((n + 1) * sizeof(char *) + (size_t)n * SLUICE_NAME_MAX);
	if (names != NULL) {
		char *s = (char *)(names + n + 1);

		for (i = 0; i < n; i++, s += SLUICE_NAME_MAX) {
			memcpy(s, cfg->tenants[i].name, SLUICE_NAME_MAX);
			names[i] = s;
		}
		names[n] = NULL;
	}
	pthread_mutex_unlock(rpc->lock);
	if (names == NULL)
		errno = ENOMEM;
	return names;
}

/* ---- Responses -------------------------------------------------------------- */

static char *dump(json_t *resp)
{
	char *s;

	if (resp == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	s = json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(resp);
	if (s == NULL)
		errno = ENOMEM;
	return s;
}

static json_t *error_object(int code, const char *field, const char *reason, const char *at)
{
	json_t *data = json_pack("{s:s,s:s}", "field", field, "reason", reason);

	if (data != NULL && at != NULL && at[0] != '\0')
		json_object_set_new(data, "at", json_string(at));
	return json_pack("{s:i,s:s,s:o}", "code", code, "message", sluice_rpc_code_name(code),
			 "data", data);
}

static char *error_response(json_t *id, int code, const char *field, const char *reason,
			    const char *at)
{
	json_t *err = error_object(code, field, reason, at);

	if (err == NULL)
		return dump(NULL);
	return dump(json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			      "error", err));
}

char *sluice_rpc_error_text(int code, const char *field, const char *reason)
{
	return error_response(NULL, code, field ? field : "", reason ? reason : "", NULL);
}

/* ---- Dispatch --------------------------------------------------------------- */

/* The envelope: jsonrpc "2.0", method, optional id and params, nothing else. */
static int envelope(struct sluice_rpc_req *req, json_t *msg, json_t **id, const char **method,
		    json_t **params)
{
	static const char *const members[] = {"jsonrpc", "method", "params", "id"};
	const char *key, *ver;
	char buf[RPC_QUOTE_MAX];
	json_t *v;
	size_t i;

	*id = NULL;
	if (json_is_array(msg))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, NULL,
				       "batch requests are not supported; send one request "
				       "per line");
	if (!json_is_object(msg))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, NULL,
				       "a request is an object, got %s", rpc_type_name(msg));
	v = json_object_get(msg, "id");
	if (v != NULL && !json_is_string(v) && !json_is_integer(v) && !json_is_null(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, "id",
				       "id must be a string, an integer or null, got %s",
				       rpc_type_name(v));
	*id = v;
	json_object_foreach(msg, key, v)
	{
		for (i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (strcmp(key, members[i]) == 0)
				break;
		if (i == sizeof(members) / sizeof(members[0])) {
			model_quote(key, strlen(key), buf);
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, buf,
					       "unknown member '%s' in the request (expected "
					       "jsonrpc, method, params, id)",
					       buf);
		}
	}
	v = json_object_get(msg, "jsonrpc");
	ver = json_string_value(v);
	if (ver == NULL || strcmp(ver, "2.0") != 0)
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, "jsonrpc",
				       "jsonrpc must be the string \"2.0\"");
	v = json_object_get(msg, "method");
	if (!json_is_string(v))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_REQUEST, "method",
				       v ? "method must be a string, got %s"
					 : "missing member 'method'%s",
				       v ? rpc_type_name(v) : "");
	*method = json_string_value(v);
	*params = json_object_get(msg, "params");
	if (*params != NULL && !json_is_object(*params))
		return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, "params",
				       "params must be an object of named params, got %s",
				       rpc_type_name(*params));
	return 0;
}

/* The tenant a method works on: named by tenant_key, implied by a tenant socket. */
static int resolve_tenant(struct sluice_rpc_req *req, const struct sluice_rpc_method *m,
			  json_t *params)
{
	char name[SLUICE_NAME_MAX], buf[RPC_QUOTE_MAX];
	json_t *v = params ? json_object_get(params, m->tenant_key) : NULL;
	size_t mark;

	if (v == NULL) {
		if (req->scope == NULL) {
			if (m->flags & SLUICE_RPC_TENANT_OPTIONAL)
				return 0;
			return sluice_rpc_fail(req, SLUICE_RPC_INVALID_PARAMS, m->tenant_key,
					       "missing field '%s' in params (the tenant)",
					       m->tenant_key);
		}
		snprintf(name, sizeof(name), "%s", req->scope);
	} else {
		mark = sluice_rpc_path_push(req, m->tenant_key, 0);
		if (sluice_rpc_decode_name(req, v, name) < 0)
			return -1;
		sluice_rpc_path_pop(req, mark);
		if (req->scope != NULL && strcmp(name, req->scope) != 0)
			return sluice_rpc_fail(req, SLUICE_RPC_E_DENIED, m->tenant_key,
					       "this socket belongs to tenant '%s'; it cannot "
					       "reach tenant '%s'",
					       req->scope, model_quote(name, strlen(name), buf));
	}
	req->tenant = sluice_config_tenant(req->cfg, name);
	if (req->tenant == NULL)
		return sluice_rpc_fail(req, SLUICE_RPC_E_NOT_FOUND, m->tenant_key,
				       "no tenant '%s' (tenant_list shows them)",
				       model_quote(name, strlen(name), buf));
	return 0;
}

/* Everything between the envelope and the response, under the configuration lock. */
static void run_method(struct sluice_rpc *rpc, struct sluice_rpc_req *req,
		       const struct sluice_rpc_method *m, json_t *params)
{
	const struct sluice_config *running;
	struct sluice_config *clone = NULL;
	struct sluice_err err;
	void *p = NULL;
	int rc;

	if (m->params_size != 0) {
		p = calloc(1, m->params_size);
		if (p == NULL) {
			sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL, "out of memory");
			return;
		}
	}
	pthread_mutex_lock(rpc->lock);
	running = rpc->ops.config(rpc->ops.arg);
	if (m->flags & SLUICE_RPC_WRITE) {
		clone = sluice_config_clone(running);
		if (clone == NULL) {
			sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL, "out of memory");
			goto out_unlock;
		}
		req->cfg = clone;
	} else {
		/* Read-only methods only read it (see sluice_rpc_req). */
		req->cfg = (struct sluice_config *)(uintptr_t)running;
	}
	if (m->tenant_key != NULL && resolve_tenant(req, m, params) < 0)
		goto out_free_clone;
	if (params != NULL || m->nb_params != 0) {
		json_t *empty = NULL;

		if (params == NULL)
			params = empty = json_object();
		rc = sluice_rpc_decode_object(req, params, "params", m->params, m->nb_params,
					      m->tenant_key, p);
		json_decref(empty);
		if (rc < 0)
			goto out_free_clone;
	}
	if (m->handler(req, p) < 0 || req->code != 0) {
		/* A handler that failed without saying why is still a failure. */
		if (req->code == 0)
			sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, NULL, "%s failed", m->name);
		goto out_free_clone;
	}
	if (clone != NULL) {
		memset(&err, 0, sizeof(err));
		rc = rpc->ops.apply(rpc->ops.arg, clone, &err);
		if (rc < 0) {
			req->path[0] = '\0';
			if (rc == -ENOMEM)
				sluice_rpc_fail(req, SLUICE_RPC_INTERNAL_ERROR, err.field,
						"out of memory; nothing changed");
			else
				sluice_rpc_fail(req, SLUICE_RPC_E_APPLY, err.field,
						"the data plane refused the change: %s; nothing "
						"changed",
						err.msg[0] ? err.msg : strerror(-rc));
			goto out_free_clone;
		}
		atomic_fetch_add(&rpc->generation, 1);
	}
out_free_clone:
	sluice_config_free(clone);
out_unlock:
	pthread_mutex_unlock(rpc->lock);
	req->cfg = NULL;
	req->tenant = NULL;
	free(p);
}

char *sluice_rpc_handle(struct sluice_rpc *rpc, const char *scope, const char *text, size_t len)
{
	struct sluice_rpc_req *req;
	const struct sluice_rpc_method *m;
	json_t *msg, *id = NULL, *params = NULL, *resp;
	json_error_t jerr;
	const char *method = NULL;
	char buf[RPC_QUOTE_MAX], *out;
	bool notification;

	req = calloc(1, sizeof(*req));
	if (req == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	req->rpc = rpc;
	req->scope = scope;
	req->ops = &rpc->ops;
	msg = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (msg == NULL) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s (at byte %d)", jerr.text, jerr.position);
		free(req);
		return error_response(NULL, SLUICE_RPC_PARSE_ERROR, "", reason, NULL);
	}
	if (envelope(req, msg, &id, &method, &params) < 0)
		goto out_respond;
	notification = id == NULL;
	m = method_find(rpc, method);
	if (m == NULL) {
		sluice_rpc_fail(req, SLUICE_RPC_METHOD_NOT_FOUND, "method",
				"no method '%s' (rpc_methods lists them)",
				model_quote(method, strlen(method), buf));
	} else if (scope != NULL && !(m->flags & SLUICE_RPC_TENANT_OK)) {
		sluice_rpc_fail(req, SLUICE_RPC_E_DENIED, "method",
				"%s needs the admin socket; this one belongs to tenant '%s'",
				m->name, scope);
	} else {
		run_method(rpc, req, m, params);
	}
	if (notification) {
		json_decref(req->result);
		json_decref(msg);
		free(req);
		errno = 0;
		return NULL;
	}
out_respond:
	if (req->code != 0) {
		json_decref(req->result);
		out = error_response(id, req->code, req->field, req->reason, req->at);
	} else {
		resp = json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result",
				 req->result ? req->result : json_true());
		out = dump(resp);
	}
	json_decref(msg);
	free(req);
	return out;
}
