/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the JSON-RPC server (control/rpc_server.c) over real Unix
 * sockets in a temporary directory, with the stub application of
 * test_rpc.c's kind: socket modes, tenant sockets coming and going, scope,
 * framing, oversized and partial requests, too many clients, idle and slow
 * clients, and a client that disconnects mid-request. Waits are polls with a
 * bound, never bare sleeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sluice_model_test.h"
#include "sluice_test.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "sluice_loader.h"
#include "sluice_rpc.h"

/* Paths here are built from a short mkdtemp() name; GCC cannot know that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define WAIT_MS 5000
#define IDLE_MS 300

static struct {
	struct sluice_config *running;
	unsigned int applies;
} app;

static const struct sluice_config *stub_config(void *arg)
{
	(void)arg;
	return app.running;
}

static int stub_apply(void *arg, const struct sluice_config *cfg, struct sluice_err *err)
{
	int rc = sluice_test_config_replace(&app.running, cfg);

	(void)arg;
	(void)err;
	if (rc == 0)
		app.applies++;
	return rc;
}

static const char base_yaml[] =
    "tenants:\n"
    "  - {name: a, match: [{port: 0}], flows: [{name: f1, match: {proto: tcp, "
    "src: 10.0.0.1, dst: 10.0.0.2, sport: 1, dport: 2}, actions: drop}]}\n"
    "  - {name: b, match: [{port: 1}]}\n";

static struct sluice_rpc *rpc;
static struct sluice_rpc_server *srv;
static char dir[64];
static unsigned int logged;

static void count_log(void *arg, int prio, const char *line)
{
	(void)arg;
	(void)prio;
	(void)line;
	logged++;
}

static struct sluice_rpc_server *start(const char *d, uint32_t max_out)
{
	struct sluice_rpc_server_opts so = {
	    .sz = sizeof(so),
	    .dir = d,
	    .max_clients = 4,
	    .max_msg = 4096,
	    .idle_ms = IDLE_MS,
	    .max_out = max_out,
	    .log = count_log,
	};

	return sluice_rpc_server_start(rpc, &so);
}

static int setup(void **state)
{
	struct sluice_rpc_opts o = {
	    .sz = sizeof(o),
	    .ops = {.config = stub_config, .apply = stub_apply},
	};
	struct sluice_diags d;

	(void)state;
	memset(&app, 0, sizeof(app));
	if (sluice_config_load_buf("b.yaml", base_yaml, strlen(base_yaml), NULL, &app.running,
				   &d) != 0)
		return -1;
	rpc = sluice_rpc_new(&o);
	snprintf(dir, sizeof(dir), "/tmp/sluice-srv-XXXXXX");
	if (rpc == NULL || mkdtemp(dir) == NULL)
		return -1;
	srv = start(dir, 0);
	return srv ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sluice_rpc_server_stop(srv);
	srv = NULL;
	/* The server removed its sockets: the directory is empty. */
	if (rmdir(dir) != 0)
		fail_msg("%s not empty after stop: %s", dir, strerror(errno));
	sluice_rpc_free(rpc);
	sluice_config_free(app.running);
	return 0;
}

/* ---- helpers -------------------------------------------------------------------- */

static char *sock(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int conn(const char *name)
{
	int fd = sluice_rpc_connect(sock(name));

	if (fd < 0)
		fail_msg("connect %s: %s", name, strerror(-fd));
	return fd;
}

static uint64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void send_all(int fd, const char *s, size_t len)
{
	assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* One line from fd (without the newline), or NULL at EOF; fails after WAIT_MS. */
static char *read_line(int fd)
{
	static char buf[1 << 16];
	size_t got = 0;
	uint64_t end = ms() + WAIT_MS;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (ms() >= end)
			fail_msg("no line within %d ms", WAIT_MS);
		if (poll(&p, 1, 100) <= 0)
			continue;
		/* One byte at a time: never read past the line. */
		n = recv(fd, buf + got, 1, 0);
		if (n == 0)
			return NULL;
		if (n < 0) {
			if (errno == ECONNRESET)
				return NULL;
			fail_msg("recv: %s", strerror(errno));
		}
		if (buf[got] == '\n') {
			buf[got] = '\0';
			return buf;
		}
		assert_true(++got < sizeof(buf));
	}
}

static bool at_eof(int fd)
{
	return read_line(fd) == NULL;
}

static void expect_error_line(int fd, int code, const char *reason)
{
	char *line = read_line(fd);
	json_t *r, *e;

	assert_non_null(line);
	r = json_loads(line, 0, NULL);
	assert_non_null(r);
	assert_true(json_is_null(json_object_get(r, "id")));
	e = json_object_get(r, "error");
	assert_int_equal(json_integer_value(json_object_get(e, "code")), code);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(e, "data"), "reason")), reason);
	json_decref(r);
}

static json_t *call_ok(int fd, const char *method, const char *params)
{
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	json_t *r = sluice_rpc_call(fd, method, p, WAIT_MS), *res;

	json_decref(p);
	if (r == NULL)
		fail_msg("%s: %s", method, strerror(errno));
	if (json_object_get(r, "error")) {
		char *s = json_dumps(r, 0);

		fail_msg("%s: %s", method, s);
	}
	res = json_incref(json_object_get(r, "result"));
	json_decref(r);
	return res;
}

static int call_code(int fd, const char *method, const char *params)
{
	json_t *p = params ? json_loads(params, 0, NULL) : NULL;
	json_t *r = sluice_rpc_call(fd, method, p, WAIT_MS);
	int code;

	json_decref(p);
	assert_non_null(r);
	code = (int)json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
	json_decref(r);
	return code;
}

static struct sluice_rpc_server_stats stats(void)
{
	struct sluice_rpc_server_stats st;

	assert_int_equal(sluice_rpc_server_stats(srv, &st), 0);
	return st;
}

/* Poll a condition for up to WAIT_MS. */
#define WAIT_FOR(cond)                                                                             \
	do {                                                                                       \
		uint64_t end_ = ms() + WAIT_MS;                                                    \
		while (!(cond) && ms() < end_)                                                     \
			poll(NULL, 0, 5);                                                          \
		if (!(cond))                                                                       \
			fail_msg("not within %d ms: %s", WAIT_MS, #cond);                          \
	} while (0)

static bool exists(const char *name)
{
	struct stat st;

	return stat(sock(name), &st) == 0;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_sockets(void **state)
{
	const char *names[] = {"admin.sock", "tenant-a.sock", "tenant-b.sock"};
	struct stat st;
	unsigned int i;
	json_t *r;
	int fd;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(stat(sock(names[i]), &st), 0);
		assert_true(S_ISSOCK(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0600);
		assert_int_equal(st.st_uid, geteuid());
	}
	assert_int_equal(stats().tenant_sockets, 2);
	fd = conn("admin.sock");
	r = call_ok(fd, "tenant_list", NULL);
	assert_int_equal(json_array_size(r), 2);
	json_decref(r);
	close(fd);
	WAIT_FOR(stats().clients == 0);
	assert_int_equal(stats().accepted, 1);
	assert_int_equal(stats().requests, 1);
	assert_true(logged >= 1);
}

static void test_scope(void **state)
{
	int a, b, adm;
	json_t *r;

	(void)state;
	a = conn("tenant-a.sock");
	b = conn("tenant-b.sock");
	adm = conn("admin.sock");
	r = call_ok(a, "tenant_list", NULL);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "name")), "a");
	json_decref(r);
	/* A's socket cannot list, change or delete B's objects. */
	assert_int_equal(call_code(a, "flow_list", "{\"tenant\":\"b\"}"), SLUICE_RPC_E_DENIED);
	assert_int_equal(
	    call_code(a, "rule_add", "{\"tenant\":\"b\",\"match\":{},\"actions\":\"drop\"}"),
	    SLUICE_RPC_E_DENIED);
	assert_int_equal(call_code(a, "tenant_del", "{\"name\":\"b\"}"), SLUICE_RPC_E_DENIED);
	assert_int_equal(call_code(b, "flow_del", "{\"tenant\":\"a\",\"name\":\"f1\"}"),
			 SLUICE_RPC_E_DENIED);
	assert_int_equal(app.applies, 0);
	/* Its own, yes. */
	json_decref(call_ok(b, "rule_add", "{\"match\":{},\"actions\":\"drop\"}"));
	assert_int_equal(app.applies, 1);
	assert_int_equal(sluice_config_tenant(app.running, "b")->nb_rules, 1);

	/* Tenants come and go: their sockets too; a gone tenant's clients are cut off. */
	json_decref(call_ok(adm, "tenant_del", "{\"name\":\"b\"}"));
	WAIT_FOR(!exists("tenant-b.sock"));
	assert_true(at_eof(b));
	assert_int_equal(stats().cut_scope, 1);
	json_decref(call_ok(adm, "tenant_add", "{\"name\":\"c\",\"match\":[{\"port\":5}]}"));
	WAIT_FOR(exists("tenant-c.sock"));
	close(b);
	b = conn("tenant-c.sock");
	r = call_ok(b, "tenant_get", NULL);
	assert_string_equal(json_string_value(json_object_get(r, "name")), "c");
	json_decref(r);

	/* A change made elsewhere (the prompt's reload) is picked up when told. */
	pthread_mutex_lock(sluice_rpc_lock(rpc));
	assert_int_equal(
	    sluice_model_tenant_add(app.running, "d", (struct sluice_pos){0, 0}, NULL, NULL), 0);
	sluice_rpc_config_changed(rpc);
	pthread_mutex_unlock(sluice_rpc_lock(rpc));
	WAIT_FOR(exists("tenant-d.sock"));
	assert_int_equal(stats().tenant_sockets, 3);
	close(a);
	close(b);
	close(adm);
}

static void test_framing(void **state)
{
	static const char three[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\"}\n"
	    "\r\n"
	    "{\"jsonrpc\":\"2.0\",\"method\":\"flow_del\",\"params\":{\"tenant\":\"a\",\"name\":"
	    "\"f1\"}}\r\n"
	    "nonsense\n"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"flow_list\",\"params\":{\"tenant\":"
	    "\"a\"}}"
	    "\n";
	json_t *r;
	char *line;
	int fd;

	(void)state;
	fd = conn("admin.sock");
	/* Sent at once: answered in order; a blank line and a notification get no line. */
	send_all(fd, three, strlen(three));
	line = read_line(fd);
	r = json_loads(line, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	json_decref(r);
	line = read_line(fd);
	r = json_loads(line, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 SLUICE_RPC_PARSE_ERROR);
	json_decref(r);
	line = read_line(fd);
	r = json_loads(line, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(r, "id")), "x");
	/* The notification ran before it. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "result"), "total")),
			 0);
	json_decref(r);
	assert_int_equal(app.applies, 1);
	close(fd);
}

/* The answer to a request over 4096 bytes. */
static void expect_oversize(int fd)
{
	expect_error_line(fd, SLUICE_RPC_INVALID_REQUEST,
			  "request larger than 4096 bytes (or no newline at its end); nothing was "
			  "done");
}

/* `len` bytes of `buf` on a new connection: refused as over the limit, the connection closed. */
static void send_oversize(const char *buf, size_t len)
{
	int fd = conn("admin.sock");

	send_all(fd, buf, len);
	expect_oversize(fd);
	assert_true(at_eof(fd));
	close(fd);
}

static void test_oversize(void **state)
{
	char *big = malloc(5000);
	int fd;

	(void)state;
	memset(big, ' ', 5000);
	/* No newline within max_msg: an error, then the client is closed. */
	send_oversize(big, 5000);
	/* A whole line over the limit, the same. */
	big[4999] = '\n';
	send_oversize(big, 5000);
	/* One byte over, the newline within what is read: the same. */
	big[4097] = '\n';
	send_oversize(big, 4098);
	free(big);
	/*
	 * Far over, with more still coming after the answer: the server reads and drops
	 * the rest until we close, so the answer is not lost to a reset.
	 */
	big = malloc(150000);
	memset(big, ' ', 150000);
	fd = conn("admin.sock");
	send_all(fd, big, 150000);
	expect_oversize(fd);
	send_all(fd, big, 1000);
	assert_true(at_eof(fd));
	close(fd);
	free(big);
	assert_int_equal(stats().cut_oversize, 4);
	/* Exactly at the limit: fine. */
	{
		char *req = malloc(4097);
		const char *head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tenant_list\"}";
		json_t *r;

		memset(req, ' ', 4096);
		memcpy(req, head, strlen(head));
		req[4096] = '\n';
		fd = conn("admin.sock");
		send_all(fd, req, 4097);
		r = json_loads(read_line(fd), 0, NULL);
		assert_true(json_is_array(json_object_get(r, "result")));
		json_decref(r);
		close(fd);
		free(req);
	}
}

static void test_many_clients(void **state)
{
	int fds[4], extra, i;
	json_t *r;

	(void)state;
	for (i = 0; i < 4; i++)
		fds[i] = conn(i % 2 ? "tenant-a.sock" : "admin.sock");
	WAIT_FOR(stats().clients == 4);
	extra = conn("admin.sock");
	expect_error_line(extra, SLUICE_RPC_E_BUSY, "too many clients; try again later");
	assert_true(at_eof(extra));
	close(extra);
	assert_int_equal(stats().refused_busy, 1);
	/* Those already in are served. */
	for (i = 0; i < 4; i++) {
		r = call_ok(fds[i], "tenant_list", NULL);
		assert_int_equal(json_array_size(r), i % 2 ? 1 : 2);
		json_decref(r);
	}
	close(fds[0]);
	WAIT_FOR(stats().clients == 3);
	extra = conn("admin.sock");
	r = call_ok(extra, "tenant_list", NULL);
	json_decref(r);
	close(extra);
	for (i = 1; i < 4; i++)
		close(fds[i]);
}

static void test_idle_and_slow(void **state)
{
	uint64_t t0;
	int fd, i;
	char reason[96];
	json_t *r;

	(void)state;
	snprintf(reason, sizeof(reason), "no complete request for %d ms; closing", IDLE_MS);
	/* Idle: cut off after idle_ms. */
	fd = conn("admin.sock");
	t0 = ms();
	expect_error_line(fd, SLUICE_RPC_E_TIMEOUT, reason);
	assert_true(ms() - t0 >= IDLE_MS - 10);
	assert_true(at_eof(fd));
	close(fd);
	/* Slow: a byte every 50 ms never completes a request; cut off all the same. */
	fd = conn("admin.sock");
	t0 = ms();
	for (i = 0; i < 40; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (send(fd, "{", 1, MSG_NOSIGNAL) != 1 || poll(&p, 1, 50) > 0)
			break;
	}
	expect_error_line(fd, SLUICE_RPC_E_TIMEOUT, reason);
	assert_true(ms() - t0 < IDLE_MS + 1000);
	close(fd);
	assert_int_equal(stats().cut_idle, 2);
	/* A client that keeps completing requests stays. */
	fd = conn("tenant-a.sock");
	for (i = 0; i < 4; i++) {
		poll(NULL, 0, IDLE_MS / 2);
		r = call_ok(fd, "flow_list", NULL);
		json_decref(r);
	}
	close(fd);
	assert_int_equal(stats().cut_idle, 2);
}

static void test_disconnect_mid_request(void **state)
{
	static const char part[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"flow_del\","
				   "\"params\":{\"tenant\":\"a\",\"name\":\"f1\"}}";
	uint64_t req;
	int fd;
	json_t *r;

	(void)state;
	req = stats().requests;
	fd = conn("admin.sock");
	/* Everything but the newline, then gone. */
	send_all(fd, part, strlen(part));
	WAIT_FOR(stats().clients == 1);
	close(fd);
	WAIT_FOR(stats().clients == 0);
	assert_int_equal(stats().requests, req);
	assert_int_equal(app.applies, 0);
	assert_int_equal(sluice_config_tenant(app.running, "a")->nb_flows, 1);
	/* A complete request whose sender leaves before the answer still ran. */
	fd = conn("admin.sock");
	send_all(fd, part, strlen(part));
	send_all(fd, "\n", 1);
	shutdown(fd, SHUT_RDWR);
	close(fd);
	WAIT_FOR(app.applies == 1);
	fd = conn("admin.sock");
	r = call_ok(fd, "flow_list", "{\"tenant\":\"a\"}");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 0);
	json_decref(r);
	close(fd);
}

static void test_too_large_response(void **state)
{
	struct sluice_rpc_server *small;
	char d2[64], path[128], big[8192];
	json_t *p, *r;
	int fd, i;

	(void)state;
	snprintf(d2, sizeof(d2), "%s/small", dir);
	small = start(d2, 600);
	assert_non_null(small);
	snprintf(path, sizeof(path), "%s/admin.sock", d2);
	fd = sluice_rpc_connect(path);
	assert_true(fd >= 0);
	for (i = 0; i < 20; i++) {
		snprintf(big, sizeof(big),
			 "{\"tenant\":\"a\",\"match\":{\"proto\":\"udp\",\"src\":\"10.0.0.%d\","
			 "\"dst\":\"10.0.1.1\",\"sport\":1,\"dport\":2},\"actions\":\"drop\"}",
			 i);
		p = json_loads(big, 0, NULL);
		r = sluice_rpc_call(fd, "flow_add", p, WAIT_MS);
		assert_null(json_object_get(r, "error"));
		json_decref(r);
		json_decref(p);
	}
	p = json_pack("{s:s}", "tenant", "a");
	r = sluice_rpc_call(fd, "flow_list", p, WAIT_MS);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
			 SLUICE_RPC_INTERNAL_ERROR);
	assert_non_null(strstr(json_string_value(json_object_get(
				   json_object_get(json_object_get(r, "error"), "data"), "reason")),
			       "take offset and limit"));
	json_decref(r);
	json_object_set_new(p, "limit", json_integer(2));
	r = sluice_rpc_call(fd, "flow_list", p, WAIT_MS);
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "flows")),
			 2);
	json_decref(r);
	json_decref(p);
	close(fd);
	sluice_rpc_server_stop(small);
	assert_int_equal(rmdir(d2), 0);
}

static void test_start_errors(void **state)
{
	struct sluice_rpc_server_opts so = {.sz = sizeof(so), .dir = dir};
	char longdir[120], stale[128];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct sluice_rpc_server *s2;
	int fd;

	(void)state;
	/* The directory is in use by a live server. */
	assert_null(sluice_rpc_server_start(rpc, &so));
	assert_int_equal(errno, EADDRINUSE);
	so.dir = NULL;
	assert_null(sluice_rpc_server_start(rpc, &so));
	assert_int_equal(errno, EINVAL);
	memset(longdir, 'x', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	so.dir = longdir;
	assert_null(sluice_rpc_server_start(rpc, &so));
	assert_int_equal(errno, ENAMETOOLONG);
	/* Room for admin.sock but not for the longest tenant socket name. */
	snprintf(longdir, sizeof(longdir), "%s/%.60s", dir,
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy");
	assert_null(sluice_rpc_server_start(rpc, &so));
	assert_int_equal(errno, ENAMETOOLONG);
	so.no_tenant_sockets = true;
	s2 = sluice_rpc_server_start(rpc, &so);
	assert_non_null(s2);
	sluice_rpc_server_stop(s2);
	assert_int_equal(rmdir(longdir), 0);

	/* A stale socket (its server died) is replaced. */
	snprintf(stale, sizeof(stale), "%s/stale", dir);
	assert_int_equal(mkdir(stale, 0700), 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/admin.sock", stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	close(fd);
	so.dir = stale;
	so.no_tenant_sockets = false;
	s2 = sluice_rpc_server_start(rpc, &so);
	assert_non_null(s2);
	fd = sluice_rpc_connect(a.sun_path);
	assert_true(fd >= 0);
	json_decref(call_ok(fd, "tenant_list", NULL));
	close(fd);
	sluice_rpc_server_stop(s2);
	assert_int_equal(rmdir(stale), 0);
	so.sz = sizeof(so) - 1;
	assert_null(sluice_rpc_server_start(rpc, &so));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(sluice_rpc_connect("/nonexistent/x.sock"), -ENOENT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_sockets),
	    T(test_scope),
	    T(test_framing),
	    T(test_oversize),
	    T(test_many_clients),
	    T(test_idle_and_slow),
	    T(test_disconnect_mid_request),
	    T(test_too_large_response),
	    T(test_start_errors),
	    SLUICE_TEST_FDS_UNCHANGED,
	};

	return cmocka_run_group_tests(tests, sluice_test_fd_setup, NULL);
}
