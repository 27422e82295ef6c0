/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluicectl: the JSON-RPC control plane from a shell. Readable tables by
 * default, the raw result with --json. Exit status: 0 done, 1 the server
 * refused (the message says what to fix), 2 usage, 3 cannot connect or the
 * connection broke. Method reference: docs/rpc.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sluice_rpc.h"

#define DEFAULT_SOCK "/run/sluice/admin.sock"

enum { EXIT_OK = 0, EXIT_RPC = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

static const char *sock_path;
static bool json_out;
static int timeout_ms = 30000;
static int fd = -1;

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: sluicectl [-s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS]\n"
	    "\n"
	    "  -s, --socket SOCKET  admin.sock, or a tenant's tenant-NAME.sock\n"
	    "                       (default: $SLUICE_RPC_SOCK, else " DEFAULT_SOCK ")\n"
	    "  -j, --json           print the JSON result instead of a table\n"
	    "  -t, --timeout S      seconds to wait for an answer (default 30)\n"
	    "\n"
	    "Commands:\n"
	    "  tenant list | show NAME | del NAME\n"
	    "  tenant add NAME MATCH... [default=ACTIONS]\n"
	    "  tenant add NAME --file FILE.json    a whole tenant (as 'tenant show NAME --json')\n"
	    "  match add|del TENANT MATCH\n"
	    "  default set TENANT ACTIONS\n"
	    "  flow list TENANT | show TENANT NAME | del TENANT NAME\n"
	    "  flow add TENANT [name=N] proto=P src=ADDR dst=ADDR sport=N dport=N actions=ACTIONS\n"
	    "  rule list TENANT | show TENANT NAME | del TENANT NAME\n"
	    "  rule add TENANT [name=N] [priority=N] [family=ipv4|ipv6] [proto=P] [src=PREFIX]\n"
	    "           [dst=PREFIX] [sport=RANGE] [dport=RANGE] actions=ACTIONS\n"
	    "  npu context list [TENANT] | show TENANT NAME | del TENANT NAME\n"
	    "  npu context add TENANT NAME|JSON|--file FILE.json  a name (declared only), or\n"
	    "                                      a context object as in tenant files\n"
	    "  npu model list | add NAME FILE | del NAME\n"
	    "  vnic list [TENANT] | show TENANT NAME | del TENANT NAME\n"
	    "  vnic add TENANT name=N socket=PATH mac=MAC [mode=server|client] [queues=N]\n"
	    "  vnic add TENANT JSON|--file FILE.json  a vnic object as in tenant files\n"
	    "  uplink show TENANT | del TENANT\n"
	    "  uplink set TENANT port=P[,vlan=V]\n"
	    "  uplink set TENANT port=P vxlan=SRC_MAC/DST_MAC/SRC_IP/DST_IP/VNI[/UDP_SRC/...]\n"
	    "  port list\n"
	    "  stats [TENANT]\n"
	    "  config save FILE                    the running configuration as a tenant file\n"
	    "                                      ('-': standard output)\n"
	    "  methods                             what this socket may call\n"
	    "  call METHOD [PARAMS]                any method, PARAMS a JSON object\n"
	    "\n"
	    "  MATCH    port=P[,vlan=V[,inner_vlan=C]] or vni=N[,port=P]\n"
	    "  ACTIONS  comma-separated: count, drop, vxlan_decap, forward=PORT, to_npu=CONTEXT,\n"
	    "           meter=CIR/PIR/CBS/PBS,\n"
	    "           vxlan_encap=SRC_MAC/DST_MAC/SRC_IP/DST_IP/VNI[/UDP_SRC/UDP_DST/TTL]\n"
	    "  Numbers are numbers; everything else is sent as a string.\n"
	    "\n"
	    "Exit status: 0 done, 1 refused by the server, 2 usage, 3 cannot connect.\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluicectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (sluicectl --help for usage)\n");
	return EXIT_USAGE;
}

/* ---- Talking to the server ----------------------------------------------------- */

/* The result of a call (a new reference), or NULL with *rc set and the error printed. */
static json_t *call(const char *method, json_t *params, int *rc)
{
	json_t *resp, *err, *res;

	if (fd < 0) {
		fd = sluice_rpc_connect(sock_path);
		if (fd < 0) {
			fprintf(stderr,
				"sluicectl: cannot connect to %s: %s (is sluice running with "
				"--rpc-dir?)\n",
				sock_path, strerror(-fd));
			*rc = EXIT_CONNECT;
			json_decref(params);
			return NULL;
		}
	}
	resp = sluice_rpc_call(fd, method, params, timeout_ms);
	json_decref(params);
	if (resp == NULL) {
		fprintf(stderr, "sluicectl: %s: no answer from %s: %s\n", method, sock_path,
			strerror(errno));
		*rc = EXIT_CONNECT;
		return NULL;
	}
	err = json_object_get(resp, "error");
	if (err != NULL) {
		json_t *data = json_object_get(err, "data");
		const char *field = json_string_value(json_object_get(data, "field"));
		const char *reason = json_string_value(json_object_get(data, "reason"));
		const char *at = json_string_value(json_object_get(data, "at"));

		if (json_out) {
			json_dumpf(err, stderr, JSON_INDENT(2));
			fputc('\n', stderr);
		} else {
			fprintf(stderr, "sluicectl: %s: %s", method,
				reason ? reason
				       : json_string_value(json_object_get(err, "message")));
			/* Where to look: the path in the params, then the model's key. */
			at = at ? at : "";
			field = field ? field : "";
			if (at[0] || field[0])
				fprintf(stderr, " [%s%s%s]", at, at[0] && field[0] ? "." : "",
					field);
			fprintf(stderr, " (%s, code %" JSON_INTEGER_FORMAT ")\n",
				json_string_value(json_object_get(err, "message")),
				json_integer_value(json_object_get(err, "code")));
		}
		json_decref(resp);
		*rc = EXIT_RPC;
		return NULL;
	}
	res = json_incref(json_object_get(resp, "result"));
	json_decref(resp);
	*rc = EXIT_OK;
	return res;
}

static void print_json(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

/* ---- Arguments to JSON ------------------------------------------------------------ */

static json_t *value(const char *s)
{
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i > 0 && s[i] == '\0' && i < 19)
		return json_integer(strtoll(s, NULL, 10));
	return json_string(s);
}

/* "a=1,b=x" into an object. @return it, or NULL (usage error printed). */
static json_t *kv_list(const char *what, const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	json_t *o = json_object();

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL) {
			usage_error("%s '%s': expected KEY=VALUE", what, tok);
			json_decref(o);
			o = NULL;
			break;
		}
		*eq = '\0';
		json_object_set_new(o, tok, value(eq + 1));
	}
	free(copy);
	return o;
}

/* Split "a/b/c" into at most n parts. @return how many. */
static int split(char *s, char sep, char **parts, int n)
{
	int k = 0;

	parts[k++] = s;
	for (; *s && k < n; s++)
		if (*s == sep) {
			*s = '\0';
			parts[k++] = s + 1;
		}
	return k;
}

/* SRC_MAC/DST_MAC/SRC_IP/DST_IP/VNI[/UDP_SRC/UDP_DST/TTL]; NULL: usage error printed. */
static json_t *encap(const char *what, char *s)
{
	static const char *const keys[] = {"src_mac", "dst_mac", "src_ip",  "dst_ip",
					   "vni",     "udp_src", "udp_dst", "ttl"};
	json_t *e;
	char *p[8];
	int i, n;

	n = split(s, '/', p, 8);
	if (n < 5) {
		usage_error("%s=SRC_MAC/DST_MAC/SRC_IP/DST_IP/VNI[/UDP_SRC/UDP_DST/TTL], got %s=%s",
			    what, what, s);
		return NULL;
	}
	e = json_object();
	for (i = 0; i < n; i++)
		json_object_set_new(e, keys[i], value(p[i]));
	return e;
}

static json_t *actions(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	json_t *l = json_array();

	for (tok = strtok_r(copy, ",", &save); tok && l; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *p[8];

		if (eq == NULL) {
			json_array_append_new(l, json_string(tok));
			continue;
		}
		*eq++ = '\0';
		if (strcmp(tok, "meter") == 0) {
			if (split(eq, '/', p, 4) != 4) {
				usage_error("meter=CIR/PIR/CBS/PBS, got meter=%s", eq);
				json_decref(l);
				l = NULL;
				break;
			}
			json_array_append_new(l, json_pack("{s:{s:o,s:o,s:o,s:o}}", "meter", "cir",
							   value(p[0]), "pir", value(p[1]), "cbs",
							   value(p[2]), "pbs", value(p[3])));
		} else if (strcmp(tok, "vxlan_encap") == 0) {
			json_t *e = encap("vxlan_encap", eq);

			if (e == NULL) {
				json_decref(l);
				l = NULL;
				break;
			}
			json_array_append_new(l, json_pack("{s:o}", "vxlan_encap", e));
		} else {
			json_array_append_new(l, json_pack("{s:o}", tok, value(eq)));
		}
	}
	free(copy);
	return l;
}

/* ---- Formatting results ---------------------------------------------------------- */

static void fmt_scalar(char *buf, size_t n, const json_t *v)
{
	if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		snprintf(buf, n, "-");
}

/* Actions back in the syntax they are typed in. */
static void fmt_actions(char *buf, size_t n, const json_t *l)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(l) && o < n; i++) {
		const json_t *a = json_array_get(l, i);
		const char *sep = i ? "," : "";

		if (json_is_string(a)) {
			o += (size_t)snprintf(buf + o, n - o, "%s%s", sep, json_string_value(a));
		} else {
			const char *k = json_object_iter_key(json_object_iter((json_t *)a));
			const json_t *v = json_object_get(a, k);
			char val[160];

			if (strcmp(k, "meter") == 0)
				snprintf(val, sizeof(val),
					 "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT
					 "/%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
					 json_integer_value(json_object_get(v, "cir")),
					 json_integer_value(json_object_get(v, "pir")),
					 json_integer_value(json_object_get(v, "cbs")),
					 json_integer_value(json_object_get(v, "pbs")));
			else if (strcmp(k, "vxlan_encap") == 0)
				snprintf(val, sizeof(val),
					 "%s/%s/%s/%s/%" JSON_INTEGER_FORMAT
					 "/%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT
					 "/%" JSON_INTEGER_FORMAT,
					 json_string_value(json_object_get(v, "src_mac")),
					 json_string_value(json_object_get(v, "dst_mac")),
					 json_string_value(json_object_get(v, "src_ip")),
					 json_string_value(json_object_get(v, "dst_ip")),
					 json_integer_value(json_object_get(v, "vni")),
					 json_integer_value(json_object_get(v, "udp_src")),
					 json_integer_value(json_object_get(v, "udp_dst")),
					 json_integer_value(json_object_get(v, "ttl")));
			else
				fmt_scalar(val, sizeof(val), v);
			o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", sep, k, val);
		}
	}
}

static void fmt_match(char *buf, size_t n, const json_t *m)
{
	static const char *const keys[] = {"port", "vlan", "inner_vlan", "vni"};
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < 4 && o < n; i++) {
		const json_t *v = json_object_get(m, keys[i]);

		if (v != NULL)
			o += (size_t)snprintf(buf + o, n - o, "%s%s=%" JSON_INTEGER_FORMAT,
					      o ? "," : "", keys[i], json_integer_value(v));
	}
}

/* An uplink back in the syntax of `uplink set`: port=P[,vlan=V] or port=P vxlan=.../... */
static void fmt_uplink(char *buf, size_t n, const json_t *u)
{
	const json_t *x = json_object_get(u, "vxlan");

	if (!json_is_object(u))
		snprintf(buf, n, "-");
	else if (json_object_get(u, "vlan") != NULL)
		snprintf(buf, n, "port=%" JSON_INTEGER_FORMAT ",vlan=%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "port")),
			 json_integer_value(json_object_get(u, "vlan")));
	else if (x != NULL)
		snprintf(buf, n,
			 "port=%" JSON_INTEGER_FORMAT " vxlan=%s/%s/%s/%s/%" JSON_INTEGER_FORMAT
			 "/%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "port")),
			 json_string_value(json_object_get(x, "src_mac")),
			 json_string_value(json_object_get(x, "dst_mac")),
			 json_string_value(json_object_get(x, "src_ip")),
			 json_string_value(json_object_get(x, "dst_ip")),
			 json_integer_value(json_object_get(x, "vni")),
			 json_integer_value(json_object_get(x, "udp_src")),
			 json_integer_value(json_object_get(x, "udp_dst")),
			 json_integer_value(json_object_get(x, "ttl")));
	else
		snprintf(buf, n, "port=%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(u, "port")));
}

static void print_tenants(const json_t *l)
{
	size_t i;

	printf("%-24s %7s %8s %6s %8s  %s\n", "TENANT", "MATCHES", "FLOWS", "RULES", "CONTEXTS",
	       "DEFAULT");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *t = json_array_get(l, i);
		char def[256];

		fmt_actions(def, sizeof(def), json_object_get(t, "default"));
		printf("%-24s %7" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT
		       " %6" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "  %s\n",
		       json_string_value(json_object_get(t, "name")),
		       json_integer_value(json_object_get(t, "matches")),
		       json_integer_value(json_object_get(t, "flows")),
		       json_integer_value(json_object_get(t, "rules")),
		       json_integer_value(json_object_get(t, "npu_contexts")), def);
	}
}

static void print_flows(const json_t *l, bool rules)
{
	size_t i;

	if (rules)
		printf("%-20s %5s %-6s %-6s %-24s %-11s %-24s %-11s %s\n", "RULE", "PRIO", "FAMILY",
		       "PROTO", "SRC", "SPORT", "DST", "DPORT", "ACTIONS");
	else
		printf("%-20s %-6s %-24s %-11s %-24s %-11s %s\n", "FLOW", "PROTO", "SRC", "SPORT",
		       "DST", "DPORT", "ACTIONS");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *f = json_array_get(l, i), *m = json_object_get(f, "match");
		char proto[16], sp[16], dp[16], acts[512];

		fmt_scalar(proto, sizeof(proto), json_object_get(m, "proto"));
		fmt_scalar(sp, sizeof(sp), json_object_get(m, "sport"));
		fmt_scalar(dp, sizeof(dp), json_object_get(m, "dport"));
		fmt_actions(acts, sizeof(acts), json_object_get(f, "actions"));
		if (rules)
			printf("%-20s %5" JSON_INTEGER_FORMAT
			       " %-6s %-6s %-24s %-11s %-24s %-11s %s\n",
			       json_string_value(json_object_get(f, "name")),
			       json_integer_value(json_object_get(f, "priority")),
			       json_string_value(json_object_get(m, "family")), proto,
			       json_string_value(json_object_get(m, "src")), sp,
			       json_string_value(json_object_get(m, "dst")), dp, acts);
		else
			printf("%-20s %-6s %-24s %-11s %-24s %-11s %s\n",
			       json_string_value(json_object_get(f, "name")), proto,
			       json_string_value(json_object_get(m, "src")), sp,
			       json_string_value(json_object_get(m, "dst")), dp, acts);
	}
}

static void print_tenant(const json_t *t)
{
	const json_t *l = json_object_get(t, "match");
	char buf[512];
	size_t i;

	printf("tenant %s\n", json_string_value(json_object_get(t, "name")));
	for (i = 0; i < json_array_size(l); i++) {
		fmt_match(buf, sizeof(buf), json_array_get(l, i));
		printf("  match         %s\n", buf);
	}
	l = json_object_get(t, "npu_contexts");
	printf("  npu_contexts ");
	for (i = 0; i < json_array_size(l); i++)
		printf(" %s", json_string_value(json_array_get(l, i)));
	printf("%s\n", json_array_size(l) ? "" : " -");
	l = json_object_get(t, "vnics");
	if (json_array_size(l) != 0) {
		printf("  vnics        ");
		for (i = 0; i < json_array_size(l); i++)
			printf(" %s",
			       json_string_value(json_object_get(json_array_get(l, i), "name")));
		printf("\n");
	}
	if (json_is_object(json_object_get(t, "uplink"))) {
		fmt_uplink(buf, sizeof(buf), json_object_get(t, "uplink"));
		printf("  uplink        %s\n", buf);
	}
	fmt_actions(buf, sizeof(buf), json_object_get(t, "default"));
	printf("  default       %s\n\n", buf);
	print_flows(json_object_get(t, "flows"), false);
	printf("\n");
	print_flows(json_object_get(t, "rules"), true);
}

static void print_counters(const char *kind, const json_t *o)
{
	const char *name;
	json_t *c;

	json_object_foreach((json_t *)o, name, c)
	{
		printf("  %-4s %-24s %16" JSON_INTEGER_FORMAT " %16" JSON_INTEGER_FORMAT, kind,
		       name, json_integer_value(json_object_get(c, "pkts")),
		       json_integer_value(json_object_get(c, "bytes")));
		if (json_object_get(c, "green"))
			printf("  green %" JSON_INTEGER_FORMAT " yellow %" JSON_INTEGER_FORMAT
			       " red %" JSON_INTEGER_FORMAT,
			       json_integer_value(json_object_get(c, "green")),
			       json_integer_value(json_object_get(c, "yellow")),
			       json_integer_value(json_object_get(c, "red")));
		printf("\n");
	}
}

static void print_stats(const json_t *s, bool detail)
{
	const json_t *ports = json_object_get(s, "ports"), *drops = json_object_get(s, "drops");
	const char *name;
	json_t *t;
	size_t i;

	if (ports != NULL) {
		printf("%-5s %16s %16s %16s\n", "PORT", "RX-PACKETS", "RX-BYTES", "TX-PACKETS");
		for (i = 0; i < json_array_size(ports); i++) {
			const json_t *p = json_array_get(ports, i);

			printf("%-5" JSON_INTEGER_FORMAT " %16" JSON_INTEGER_FORMAT
			       " %16" JSON_INTEGER_FORMAT " %16" JSON_INTEGER_FORMAT "\n",
			       json_integer_value(json_object_get(p, "port")),
			       json_integer_value(json_object_get(p, "rx_pkts")),
			       json_integer_value(json_object_get(p, "rx_bytes")),
			       json_integer_value(json_object_get(p, "tx_pkts")));
		}
		printf("\n");
	}
	if (drops != NULL) {
		json_t *v;
		bool any = false;

		printf("DROPS:");
		json_object_foreach((json_t *)drops, name, v) if (json_integer_value(v) != 0)
		{
			printf(" %s=%" JSON_INTEGER_FORMAT, name, json_integer_value(v));
			any = true;
		}
		printf("%s\n\n", any ? "" : " none");
	}
	printf("%-24s %16s %16s\n", "TENANT", "PACKETS", "BYTES");
	json_object_foreach(json_object_get(s, "tenants"), name, t)
	{
		printf("%-24s %16" JSON_INTEGER_FORMAT " %16" JSON_INTEGER_FORMAT "\n", name,
		       json_integer_value(json_object_get(t, "pkts")),
		       json_integer_value(json_object_get(t, "bytes")));
		if (detail) {
			json_t *d = json_object_get(t, "default");

			if (d != NULL)
				printf("  %-4s %-24s %16" JSON_INTEGER_FORMAT
				       " %16" JSON_INTEGER_FORMAT "\n",
				       "dflt", "default",
				       json_integer_value(json_object_get(d, "pkts")),
				       json_integer_value(json_object_get(d, "bytes")));
			print_counters("flow", json_object_get(t, "flows"));
			print_counters("rule", json_object_get(t, "rules"));
		}
	}
}

/* ---- Commands --------------------------------------------------------------------- */

/* Call, then print the result as JSON or with `table`. */
static int run(const char *method, json_t *params, void (*table)(const json_t *))
{
	int rc;
	json_t *res = call(method, params, &rc);

	if (res == NULL)
		return rc;
	if (json_out)
		print_json(res);
	else if (table != NULL)
		table(res);
	json_decref(res);
	return EXIT_OK;
}

static void print_flow_list(const json_t *r)
{
	print_flows(json_object_get(r, "flows"), false);
}

static void print_rule_list(const json_t *r)
{
	print_flows(json_object_get(r, "rules"), true);
}

static void print_one_flow(const json_t *f)
{
	json_t *l = json_array();

	json_array_append((json_t *)l, (json_t *)f);
	print_flows(l, json_object_get(f, "priority") != NULL);
	json_decref(l);
}

static void print_added(const json_t *r)
{
	printf("%s\n", json_string_value(json_object_get(r, "name")));
}

static void print_ports(const json_t *l)
{
	size_t i;

	printf("%-5s %s\n", "PORT", "NAME");
	for (i = 0; i < json_array_size(l); i++)
		printf("%-5" JSON_INTEGER_FORMAT " %s\n",
		       json_integer_value(json_object_get(json_array_get(l, i), "port")),
		       json_string_value(json_object_get(json_array_get(l, i), "name")));
}

static void print_stats_all(const json_t *s)
{
	print_stats(s, false);
}

static void print_stats_one(const json_t *s)
{
	print_stats(s, true);
}

static void print_methods(const json_t *l)
{
	size_t i, j;

	for (i = 0; i < json_array_size(l); i++) {
		const json_t *m = json_array_get(l, i), *ps = json_object_get(m, "params");

		printf("%-12s", json_string_value(json_object_get(m, "name")));
		for (j = 0; j < json_array_size(ps); j++) {
			const json_t *p = json_array_get(ps, j);
			bool req = json_is_true(json_object_get(p, "required"));

			printf(" %s%s%s", req ? "" : "[",
			       json_string_value(json_object_get(p, "name")), req ? "" : "]");
		}
		printf("\n              %s\n", json_string_value(json_object_get(m, "summary")));
	}
}

/* key=value arguments of flow add / rule add into params. */
static json_t *entry_params(const char *tenant, int argc, char **argv, bool rule)
{
	static const char *const match_keys[] = {"family", "proto", "src", "dst", "sport", "dport"};
	json_t *p = json_pack("{s:s,s:{}}", "tenant", tenant, "match");
	int i;

	for (i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t k;
		bool done = false;

		if (eq == NULL) {
			usage_error("'%s': expected KEY=VALUE", argv[i]);
			json_decref(p);
			return NULL;
		}
		*eq = '\0';
		for (k = rule ? 0 : 1; k < 6 && !done; k++)
			if (strcmp(argv[i], match_keys[k]) == 0) {
				json_object_set_new(json_object_get(p, "match"), argv[i],
						    value(eq + 1));
				done = true;
			}
		if (done)
			continue;
		if (strcmp(argv[i], "actions") == 0) {
			json_t *a = actions(eq + 1);

			if (a == NULL) {
				json_decref(p);
				return NULL;
			}
			json_object_set_new(p, "actions", a);
		} else {
			/* name, priority, or something the server will name as unknown */
			json_object_set_new(p, argv[i], value(eq + 1));
		}
	}
	return p;
}

static json_t *read_json_file(const char *path)
{
	json_error_t je;
	json_t *v = json_load_file(path, 0, &je);

	if (v == NULL)
		fprintf(stderr, "sluicectl: %s:%d:%d: %s\n", path, je.line, je.column, je.text);
	return v;
}

static int cmd_tenant(int argc, char **argv)
{
	json_t *p, *l;
	int i;

	if (argc < 1)
		return usage_error("tenant: list, show, add or del?");
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return run("tenant_list", NULL, print_tenants);
	if (strcmp(argv[0], "show") == 0 && argc == 2)
		return run("tenant_get", json_pack("{s:s}", "name", argv[1]), print_tenant);
	if (strcmp(argv[0], "del") == 0 && argc == 2)
		return run("tenant_del", json_pack("{s:s}", "name", argv[1]), NULL);
	if (strcmp(argv[0], "add") != 0 || argc < 2)
		return usage_error("tenant: list | show NAME | add NAME ... | del NAME");
	if (argc == 4 && strcmp(argv[2], "--file") == 0) {
		p = read_json_file(argv[3]);
		if (p == NULL)
			return EXIT_USAGE;
		json_object_set_new(p, "name", json_string(argv[1]));
		return run("tenant_add", p, NULL);
	}
	p = json_pack("{s:s,s:[]}", "name", argv[1], "match");
	l = json_object_get(p, "match");
	for (i = 2; i < argc; i++) {
		json_t *m;

		if (strncmp(argv[i], "default=", 8) == 0) {
			json_t *a = actions(argv[i] + 8);

			if (a == NULL) {
				json_decref(p);
				return EXIT_USAGE;
			}
			json_object_set_new(p, "default", a);
			continue;
		}
		m = kv_list("match", argv[i]);
		if (m == NULL) {
			json_decref(p);
			return EXIT_USAGE;
		}
		json_array_append_new(l, m);
	}
	return run("tenant_add", p, NULL);
}

static int cmd_match(int argc, char **argv)
{
	json_t *m;

	if (argc != 3 || (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "del") != 0))
		return usage_error("match add|del TENANT MATCH");
	m = kv_list("match", argv[2]);
	if (m == NULL)
		return EXIT_USAGE;
	return run(argv[0][0] == 'a' ? "match_add" : "match_del",
		   json_pack("{s:s,s:o}", "tenant", argv[1], "match", m), NULL);
}

static int cmd_default(int argc, char **argv)
{
	json_t *a;

	if (argc != 3 || strcmp(argv[0], "set") != 0)
		return usage_error("default set TENANT ACTIONS");
	a = actions(argv[2]);
	if (a == NULL)
		return EXIT_USAGE;
	return run("default_set", json_pack("{s:s,s:o}", "tenant", argv[1], "actions", a), NULL);
}

static int cmd_entry(int argc, char **argv, bool rule)
{
	char method[16];
	const char *kind = rule ? "rule" : "flow";
	json_t *p;

	if (argc < 2)
		return usage_error(
		    "%s: list TENANT | show TENANT NAME | add TENANT ... | del TENANT "
		    "NAME",
		    kind);
	if (strcmp(argv[0], "list") == 0 && argc == 2) {
		snprintf(method, sizeof(method), "%s_list", kind);
		return run(method, json_pack("{s:s}", "tenant", argv[1]),
			   rule ? print_rule_list : print_flow_list);
	}
	if ((strcmp(argv[0], "show") == 0 || strcmp(argv[0], "del") == 0) && argc == 3) {
		bool show = argv[0][0] == 's';

		snprintf(method, sizeof(method), "%s_%s", kind, show ? "get" : "del");
		return run(method, json_pack("{s:s,s:s}", "tenant", argv[1], "name", argv[2]),
			   show ? print_one_flow : NULL);
	}
	if (strcmp(argv[0], "add") != 0)
		return usage_error("%s: list, show, add or del?", kind);
	p = entry_params(argv[1], argc - 2, argv + 2, rule);
	if (p == NULL)
		return EXIT_USAGE;
	snprintf(method, sizeof(method), "%s_add", kind);
	return run(method, p, print_added);
}

/* ---- NPU ---------------------------------------------------------------------- */

static const char *ctx_model(const json_t *c)
{
	return json_is_string(c) ? "-" : json_string_value(json_object_get(c, "model"));
}

static json_int_t ctx_num(const json_t *c, const char *key)
{
	return json_integer_value(json_object_get(c, key));
}

static void print_npu_contexts(const json_t *l)
{
	size_t i;

	printf("%-16s %-16s %-12s %-18s %4s %6s %7s %5s\n", "TENANT", "NAME", "MODEL", "INPUT",
	       "PRIO", "WEIGHT", "QUOTA", "DEPTH");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *e = json_array_get(l, i), *c = json_object_get(e, "context");
		const json_t *in = json_object_get(c, "input");
		char input[48] = "-";

		if (!json_is_string(c)) {
			snprintf(input, sizeof(input),
				 "%s %s %" JSON_INTEGER_FORMAT "x%" JSON_INTEGER_FORMAT,
				 json_string_value(json_object_get(in, "format")),
				 json_string_value(json_object_get(in, "pixel")),
				 ctx_num(in, "width"), ctx_num(in, "height"));
			printf("%-16s %-16s %-12s %-18s %4" JSON_INTEGER_FORMAT
			       " %6" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT
			       " %5" JSON_INTEGER_FORMAT "\n",
			       json_string_value(json_object_get(e, "tenant")),
			       json_string_value(json_object_get(c, "name")), ctx_model(c), input,
			       ctx_num(c, "priority"), ctx_num(c, "weight"),
			       ctx_num(c, "quota_fps"), ctx_num(c, "queue_depth"));
		} else {
			printf("%-16s %-16s %-12s %-18s %4s %6s %7s %5s\n",
			       json_string_value(json_object_get(e, "tenant")),
			       json_string_value(c), "-", "-", "-", "-", "-", "-");
		}
	}
}

static void print_npu_context(const json_t *r)
{
	const json_t *c = json_object_get(r, "context"), *st = json_object_get(r, "stats"), *v;
	const char *key;
	json_t *l = json_array();
	char *s;

	json_array_append(l, (json_t *)r);
	print_npu_contexts(l);
	json_decref(l);
	if (!json_is_string(c)) {
		s = json_dumps(json_object_get(c, "batch"), JSON_COMPACT);
		printf("\nbatch %s, window %" JSON_INTEGER_FORMAT ", result ", s,
		       ctx_num(c, "window"));
		free(s);
		s = json_dumps(json_object_get(c, "result"), JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%s\n", s);
		free(s);
	}
	if (!json_is_object(st)) {
		printf("\nno counters: not on the device\n");
		return;
	}
	printf("\n");
	json_object_foreach((json_t *)st, key, v)
	{
		if (json_is_integer(v))
			printf("  %-20s %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(v));
	}
	v = json_object_get(st, "device");
	if (json_is_object(v)) {
		const json_t *d;

		printf("  device:\n");
		json_object_foreach((json_t *)v, key, d)
		    printf("    %-18s %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(d));
	}
}

static void print_npu_models(const json_t *l)
{
	size_t i;

	printf("%-16s %7s %12s  %s\n", "NAME", "CLASSES", "MACS", "FILE");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *m = json_array_get(l, i);

		if (json_object_get(m, "error") != NULL)
			printf("%-16s %7s %12s  %s (%s)\n",
			       json_string_value(json_object_get(m, "name")), "?", "?",
			       json_string_value(json_object_get(m, "file")),
			       json_string_value(json_object_get(m, "error")));
		else
			printf("%-16s %7" JSON_INTEGER_FORMAT " %12" JSON_INTEGER_FORMAT "  %s\n",
			       json_string_value(json_object_get(m, "name")), ctx_num(m, "classes"),
			       ctx_num(m, "macs"), json_string_value(json_object_get(m, "file")));
	}
}

static void print_npu_model(const json_t *m)
{
	json_t *l = json_array();

	json_array_append(l, (json_t *)m);
	print_npu_models(l);
	json_decref(l);
}

static int cmd_npu_context(int argc, char **argv)
{
	json_t *c;

	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2)
		return run("npu_context_list",
			   argc == 2 ? json_pack("{s:s}", "tenant", argv[1]) : NULL,
			   print_npu_contexts);
	if (argc == 3 && strcmp(argv[0], "show") == 0)
		return run("npu_context_get",
			   json_pack("{s:s,s:s}", "tenant", argv[1], "name", argv[2]),
			   print_npu_context);
	if (argc == 3 && strcmp(argv[0], "del") == 0)
		return run("npu_context_del",
			   json_pack("{s:s,s:s}", "tenant", argv[1], "name", argv[2]), NULL);
	if (strcmp(argc ? argv[0] : "", "add") != 0 || argc < 3 || argc > 4)
		return usage_error("npu context list [TENANT] | show TENANT NAME | "
				   "add TENANT NAME|JSON|--file FILE | del TENANT NAME");
	if (argc == 4 && strcmp(argv[2], "--file") == 0) {
		c = read_json_file(argv[3]);
		if (c == NULL)
			return EXIT_USAGE;
	} else if (argc == 3 && argv[2][0] == '{') {
		json_error_t je;

		c = json_loads(argv[2], 0, &je);
		if (c == NULL)
			return usage_error("npu context add: %s", je.text);
	} else if (argc == 3) {
		c = json_string(argv[2]);
	} else {
		return usage_error("npu context add TENANT NAME|JSON|--file FILE");
	}
	return run("npu_context_add", json_pack("{s:s,s:o}", "tenant", argv[1], "context", c),
		   print_added);
}

static int cmd_npu_model(int argc, char **argv)
{
	char path[PATH_MAX];

	if (argc == 1 && strcmp(argv[0], "list") == 0)
		return run("npu_model_list", NULL, print_npu_models);
	if (argc == 2 && strcmp(argv[0], "del") == 0)
		return run("npu_model_del", json_pack("{s:s}", "name", argv[1]), NULL);
	if (argc != 3 || strcmp(argv[0], "add") != 0)
		return usage_error("npu model list | add NAME FILE | del NAME");
	/* The data plane opens it: send it absolute (as seen from here, the same host). */
	if (realpath(argv[2], path) == NULL) {
		fprintf(stderr, "sluicectl: %s: %s\n", argv[2], strerror(errno));
		return EXIT_USAGE;
	}
	return run("npu_model_add", json_pack("{s:s,s:s}", "name", argv[1], "file", path),
		   print_npu_model);
}

static int cmd_npu(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "context") == 0)
		return cmd_npu_context(argc - 1, argv + 1);
	if (argc >= 1 && strcmp(argv[0], "model") == 0)
		return cmd_npu_model(argc - 1, argv + 1);
	return usage_error("npu: context or model?");
}

/* ---- vNICs and the uplink ------------------------------------------------------------ */

static void print_vnics(const json_t *l)
{
	size_t i;

	printf("%-16s %-16s %-6s %6s %-17s %4s %4s %14s %14s  %s\n", "TENANT", "NAME", "MODE",
	       "QUEUES", "MAC", "PORT", "LINK", "RX-PACKETS", "TX-PACKETS", "SOCKET");
	for (i = 0; i < json_array_size(l); i++) {
		const json_t *e = json_array_get(l, i), *v = json_object_get(e, "vnic");
		const json_t *st = json_object_get(e, "stats");
		char port[8], link[8], rx[24], tx[24];

		fmt_scalar(port, sizeof(port), json_object_get(e, "port"));
		fmt_scalar(link, sizeof(link), json_object_get(e, "link"));
		fmt_scalar(rx, sizeof(rx), json_object_get(st, "rx_pkts"));
		fmt_scalar(tx, sizeof(tx), json_object_get(st, "tx_pkts"));
		printf("%-16s %-16s %-6s %6" JSON_INTEGER_FORMAT " %-17s %4s %4s %14s %14s  %s\n",
		       json_string_value(json_object_get(e, "tenant")),
		       json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "mode")),
		       json_integer_value(json_object_get(v, "queues")),
		       json_string_value(json_object_get(v, "mac")), port, link, rx, tx,
		       json_string_value(json_object_get(v, "socket")));
	}
}

static void print_vnic(const json_t *e)
{
	const json_t *st = json_object_get(e, "stats"), *v;
	json_t *l = json_array();
	const char *key;

	json_array_append(l, (json_t *)e);
	print_vnics(l);
	json_decref(l);
	printf("\ndev %s\n", json_string_value(json_object_get(e, "dev")));
	if (!json_is_object(st)) {
		printf("no counters: the data plane runs no port for it\n");
		return;
	}
	json_object_foreach((json_t *)st, key, v)
	    printf("  %-14s %" JSON_INTEGER_FORMAT "\n", key, json_integer_value(v));
}

static void print_uplink(const json_t *r)
{
	char buf[256];

	fmt_uplink(buf, sizeof(buf), json_object_get(r, "uplink"));
	printf("%s\n", buf);
}

static int cmd_vnic(int argc, char **argv)
{
	json_t *v;
	int i;

	if (argc >= 1 && strcmp(argv[0], "list") == 0 && argc <= 2)
		return run("vnic_list", argc == 2 ? json_pack("{s:s}", "tenant", argv[1]) : NULL,
			   print_vnics);
	if (argc == 3 && strcmp(argv[0], "show") == 0)
		return run("vnic_get", json_pack("{s:s,s:s}", "tenant", argv[1], "name", argv[2]),
			   print_vnic);
	if (argc == 3 && strcmp(argv[0], "del") == 0)
		return run("vnic_del", json_pack("{s:s,s:s}", "tenant", argv[1], "name", argv[2]),
			   NULL);
	if (strcmp(argc ? argv[0] : "", "add") != 0 || argc < 3)
		return usage_error("vnic list [TENANT] | show TENANT NAME | "
				   "add TENANT KEY=VALUE...|JSON|--file FILE | del TENANT NAME");
	if (argc == 4 && strcmp(argv[2], "--file") == 0) {
		v = read_json_file(argv[3]);
		if (v == NULL)
			return EXIT_USAGE;
	} else if (argc == 3 && argv[2][0] == '{') {
		json_error_t je;

		v = json_loads(argv[2], 0, &je);
		if (v == NULL)
			return usage_error("vnic add: %s", je.text);
	} else {
		v = json_object();
		for (i = 2; i < argc; i++) {
			char *eq = strchr(argv[i], '=');

			if (eq == NULL) {
				json_decref(v);
				return usage_error("vnic add: '%s': expected KEY=VALUE", argv[i]);
			}
			*eq = '\0';
			json_object_set_new(v, argv[i], value(eq + 1));
		}
	}
	return run("vnic_add", json_pack("{s:s,s:o}", "tenant", argv[1], "vnic", v), print_added);
}

static int cmd_uplink(int argc, char **argv)
{
	json_t *u, *x;

	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return run("uplink_get", json_pack("{s:s}", "tenant", argv[1]), print_uplink);
	if (argc == 2 && strcmp(argv[0], "del") == 0)
		return run("uplink_del", json_pack("{s:s}", "tenant", argv[1]), NULL);
	if (argc < 3 || argc > 4 || strcmp(argv[0], "set") != 0)
		return usage_error("uplink show TENANT | set TENANT port=P[,vlan=V] [vxlan=...] | "
				   "del TENANT");
	u = kv_list("uplink", argv[2]);
	if (u == NULL)
		return EXIT_USAGE;
	if (argc == 4) {
		if (strncmp(argv[3], "vxlan=", 6) != 0) {
			json_decref(u);
			return usage_error("uplink set: '%s': expected vxlan=...", argv[3]);
		}
		x = encap("vxlan", argv[3] + 6);
		if (x == NULL) {
			json_decref(u);
			return EXIT_USAGE;
		}
		json_object_set_new(u, "vxlan", x);
	}
	return run("uplink_set", json_pack("{s:s,s:o}", "tenant", argv[1], "uplink", u), NULL);
}

static int cmd_config(int argc, char **argv)
{
	json_t *res;
	const char *text;
	char tmp[4096];
	FILE *f;
	int rc;

	if (argc != 2 || strcmp(argv[0], "save") != 0)
		return usage_error("config save FILE");
	res = call("config_save", NULL, &rc);
	if (res == NULL)
		return rc;
	text = json_string_value(json_object_get(res, "yaml"));
	if (strcmp(argv[1], "-") == 0) {
		fputs(text, stdout);
		json_decref(res);
		return EXIT_OK;
	}
	/* Replace the file whole: a reader never sees half of it. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	f = fopen(tmp, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, argv[1]) != 0) {
		fprintf(stderr, "sluicectl: cannot write %s: %s\n", argv[1], strerror(errno));
		unlink(tmp);
		json_decref(res);
		return EXIT_RPC;
	}
	json_decref(res);
	return EXIT_OK;
}

static int cmd_call(int argc, char **argv)
{
	json_t *p = NULL;
	json_error_t je;

	if (argc < 1 || argc > 2)
		return usage_error("call METHOD [PARAMS]");
	if (argc == 2) {
		p = json_loads(argv[1], 0, &je);
		if (!json_is_object(p)) {
			json_decref(p);
			return usage_error("call: PARAMS must be a JSON object: %s",
					   je.text[0] ? je.text : "not an object");
		}
	}
	/* The raw result, whatever the method. */
	json_out = true;
	return run(argv[0], p, NULL);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd;
	char *end;
	long t;
	int c, rc;

	sock_path = getenv("SLUICE_RPC_SOCK");
	if (sock_path == NULL || sock_path[0] == '\0')
		sock_path = DEFAULT_SOCK;
	while ((c = getopt_long(argc, argv, "+s:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json_out = true;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*end != '\0' || t < 1 || t > 3600)
				return usage_error("--timeout: '%s' is not 1..3600 seconds",
						   optarg);
			timeout_ms = (int)t * 1000;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return usage_error("unknown option");
		}
	}
	if (optind >= argc)
		return usage_error("no command");
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "tenant") == 0)
		rc = cmd_tenant(argc, argv);
	else if (strcmp(cmd, "match") == 0)
		rc = cmd_match(argc, argv);
	else if (strcmp(cmd, "default") == 0)
		rc = cmd_default(argc, argv);
	else if (strcmp(cmd, "flow") == 0)
		rc = cmd_entry(argc, argv, false);
	else if (strcmp(cmd, "rule") == 0)
		rc = cmd_entry(argc, argv, true);
	else if (strcmp(cmd, "port") == 0 && argc == 1 && strcmp(argv[0], "list") == 0)
		rc = run("port_list", NULL, print_ports);
	else if (strcmp(cmd, "stats") == 0 && argc <= 1)
		rc = run("stats", argc ? json_pack("{s:s}", "tenant", argv[0]) : NULL,
			 argc ? print_stats_one : print_stats_all);
	else if (strcmp(cmd, "config") == 0)
		rc = cmd_config(argc, argv);
	else if (strcmp(cmd, "npu") == 0)
		rc = cmd_npu(argc, argv);
	else if (strcmp(cmd, "vnic") == 0)
		rc = cmd_vnic(argc, argv);
	else if (strcmp(cmd, "uplink") == 0)
		rc = cmd_uplink(argc, argv);
	else if (strcmp(cmd, "methods") == 0 && argc == 0)
		rc = run("rpc_methods", NULL, print_methods);
	else if (strcmp(cmd, "call") == 0)
		rc = cmd_call(argc, argv);
	else
		rc = usage_error("unknown command '%s'", cmd);
	if (fd >= 0)
		close(fd);
	return rc;
}
