/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON-RPC server: one thread, poll() over the listening sockets and
 * every client, all non-blocking. Framing: one request per line, one
 * response per line (jansson's compact output never holds a raw newline).
 *
 * Clients are untrusted (tenant sockets): a request is read into a buffer
 * capped at max_msg, and one that does not end within it is answered with an
 * error and the client cut off; a client that neither completes a request
 * nor takes its output for idle_ms is cut off; past max_clients a new client
 * is told so and closed. A request is only handed to the dispatcher once its
 * newline has arrived, so a client that disconnects mid-request changes
 * nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>

#include "sluice_rpc.h"
#include "rpc_priv.h"

#define READ_CHUNK (64 * 1024)
/* Requests run per client per round, so one client cannot starve the others. */
#define ROUND_REQUESTS 16
/* Accepts per listener per round, for the same reason. */
#define ROUND_ACCEPTS 16
/* How often the thread looks for tenants that came or went, at most. */
#define SYNC_MS 50
/* How long a client being closed may keep sending before it is closed anyway. */
#define DRAIN_MS 2000

struct listener {
	int fd;
	bool admin;
	char tenant[SLUICE_NAME_MAX];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct client {
	int fd;
	bool admin;
	bool closing;  /* close once the output is sent */
	bool draining; /* output sent and shut: discard input until EOF */
	bool dead;
	char scope[SLUICE_NAME_MAX];
	uint64_t deadline; /* ms, CLOCK_MONOTONIC */
	char *in;
	size_t in_len, in_cap, scan;
	char *out;
	size_t out_len, out_off;
};

struct sluice_rpc_server {
	struct sluice_rpc *rpc;
	struct sluice_rpc_server_opts opts;
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_t thread;
	int wake[2];
	struct listener *ls;
	unsigned int nb_ls, cap_ls;
	struct client *cl;
	unsigned int nb_cl, cap_cl;
	uint64_t gen_seen;
	uint64_t next_sync;
	bool synced;
	pthread_mutex_t stats_lock;
	struct sluice_rpc_server_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void logf_(struct sluice_rpc_server *srv, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(struct sluice_rpc_server *srv, int prio, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (srv->opts.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	srv->opts.log(srv->opts.log_arg, prio, line);
}

#define COUNT(srv, field, n)                                                                       \
	do {                                                                                       \
		pthread_mutex_lock(&(srv)->stats_lock);                                            \
		(srv)->st.field += (n);                                                            \
		pthread_mutex_unlock(&(srv)->stats_lock);                                          \
	} while (0)

/* ---- Sockets -------------------------------------------------------------------- */

/* DIR/admin.sock or DIR/tenant-NAME.sock; -ENAMETOOLONG if it does not fit n. */
static int sock_path(const struct sluice_rpc_server *srv, const char *tenant, char *out, size_t n)
{
	const char *parts[] = {srv->dir, tenant ? "/tenant-" : "/admin.sock", tenant ? tenant : "",
			       tenant ? ".sock" : ""};
	size_t i, len = 0;

	for (i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);

		if (len + l >= n)
			return -ENAMETOOLONG;
		memcpy(out + len, parts[i], l);
		len += l;
	}
	out[len] = '\0';
	return 0;
}

/* A socket that answers at `path` belongs to a live server. */
static bool path_alive(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return alive;
}

static int listen_at(const char *path, int *out)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, rc;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) != 0 && errno != ENOENT) {
		rc = -errno;
		goto out_close;
	}
	/* Mode before listen(): until then every connect() is refused. */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || chmod(path, 0600) != 0 ||
	    listen(fd, 64) != 0) {
		rc = -errno;
		unlink(path);
		goto out_close;
	}
	*out = fd;
	return 0;
out_close:
	close(fd);
	return rc;
}

static int listener_add(struct sluice_rpc_server *srv, const char *tenant)
{
	struct listener *l;
	int rc;

	if (srv->nb_ls == srv->cap_ls) {
		unsigned int cap = srv->cap_ls ? srv->cap_ls * 2 : 8;
		struct listener *p = realloc(srv->ls, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		srv->ls = p;
		srv->cap_ls = cap;
	}
	l = &srv->ls[srv->nb_ls];
	memset(l, 0, sizeof(*l));
	l->admin = tenant == NULL;
	if (tenant != NULL)
		snprintf(l->tenant, sizeof(l->tenant), "%s", tenant);
	rc = sock_path(srv, tenant, l->path, sizeof(l->path));
	if (rc == 0)
		rc = listen_at(l->path, &l->fd);
	if (rc < 0)
		return rc;
	srv->nb_ls++;
	return 0;
}

static void listener_close(struct listener *l)
{
	close(l->fd);
	unlink(l->path);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_listener(const void *a, const void *b)
{
	const struct listener *x = a, *y = b;

	if (x->admin != y->admin)
		return x->admin ? -1 : 1;
	return strcmp(x->tenant, y->tenant);
}

/* Tenant sockets in line with the running configuration's tenants. */
static void tenants_sync(struct sluice_rpc_server *srv)
{
	struct listener key = {.admin = false};
	char **names;
	unsigned int i, j, n = 0;
	uint64_t gen = sluice_rpc_generation(srv->rpc);

	if (srv->synced && gen == srv->gen_seen)
		return;
	names = sluice_rpc_tenant_names(srv->rpc);
	if (names == NULL)
		return; /* try again next round */
	srv->gen_seen = gen;
	srv->synced = true;
	while (names[n] != NULL)
		n++;
	qsort(names, n, sizeof(*names), cmp_name);
	/* Gone: close the socket and cut off its clients (their scope is no more). */
	for (i = 0; i < srv->nb_ls;) {
		struct listener *l = &srv->ls[i];
		char *name = l->tenant;

		if (l->admin || bsearch(&name, names, n, sizeof(*names), cmp_name) != NULL) {
			i++;
			continue;
		}
		for (j = 0; j < srv->nb_cl; j++)
			if (!srv->cl[j].admin && strcmp(srv->cl[j].scope, l->tenant) == 0 &&
			    !srv->cl[j].dead) {
				srv->cl[j].dead = true;
				COUNT(srv, cut_scope, 1);
			}
		logf_(srv, LOG_NOTICE, "tenant %s is gone: socket %s removed", l->tenant, l->path);
		listener_close(l);
		srv->ls[i] = srv->ls[--srv->nb_ls];
	}
	/* New: a socket each. */
	qsort(srv->ls, srv->nb_ls, sizeof(*srv->ls), cmp_listener);
	for (i = 0; i < n; i++) {
		int rc;

		snprintf(key.tenant, sizeof(key.tenant), "%s", names[i]);
		if (bsearch(&key, srv->ls, srv->nb_ls, sizeof(*srv->ls), cmp_listener) != NULL)
			continue;
		rc = listener_add(srv, names[i]);
		if (rc < 0)
			logf_(srv, LOG_NOTICE, "tenant %s: no socket: %s", names[i], strerror(-rc));
		/* Keep the array sorted for the next lookups. */
		qsort(srv->ls, srv->nb_ls, sizeof(*srv->ls), cmp_listener);
	}
	free(names);
	pthread_mutex_lock(&srv->stats_lock);
	srv->st.tenant_sockets = srv->nb_ls - 1;
	pthread_mutex_unlock(&srv->stats_lock);
}

/* ---- Clients ----------------------------------------------------------------------- */

/* Best effort, for a client about to be closed: one line if the socket takes it. */
static void say_and_close(int fd, int code, const char *reason)
{
	char *s = sluice_rpc_error_text(code, "", reason);

	if (s != NULL) {
		size_t len = strlen(s);

		s[len] = '\n';
		(void)!send(fd, s, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		free(s);
	}
	close(fd);
}

/* @return whether a connection came (taken or refused); false: none waiting. */
static bool accept_one(struct sluice_rpc_server *srv, struct listener *l)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return false;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		close(fd);
		return true;
	}
	/* The file mode already keeps others out; this holds if someone loosens it. */
	if (l->admin && cred.uid != 0 && cred.uid != geteuid()) {
		logf_(srv, LOG_NOTICE, "admin.sock: refused pid %d uid %u (not root, not uid %u)",
		      (int)cred.pid, (unsigned int)cred.uid, (unsigned int)geteuid());
		/* Counted first: the client may read its EOF and ask for the counters. */
		COUNT(srv, refused_peer, 1);
		say_and_close(fd, SLUICE_RPC_E_DENIED,
			      "the admin socket is for its owner and root");
		return true;
	}
	if (srv->nb_cl >= srv->opts.max_clients) {
		COUNT(srv, refused_busy, 1);
		say_and_close(fd, SLUICE_RPC_E_BUSY, "too many clients; try again later");
		return true;
	}
	if (srv->nb_cl == srv->cap_cl) {
		unsigned int cap = srv->cap_cl ? srv->cap_cl * 2 : 8;
		struct client *p = realloc(srv->cl, cap * sizeof(*p));

		if (p == NULL) {
			close(fd);
			return true;
		}
		srv->cl = p;
		srv->cap_cl = cap;
	}
	c = &srv->cl[srv->nb_cl++];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->admin = l->admin;
	snprintf(c->scope, sizeof(c->scope), "%s", l->tenant);
	c->deadline = now_ms() + srv->opts.idle_ms;
	logf_(srv, LOG_INFO, "%s%s: pid %d uid %u connected", l->admin ? "admin" : "tenant ",
	      l->admin ? "" : l->tenant, (int)cred.pid, (unsigned int)cred.uid);
	COUNT(srv, accepted, 1);
	return true;
}

static int queue_out(struct sluice_rpc_server *srv, struct client *c, char *resp)
{
	size_t len = strlen(resp);

	if (len > srv->opts.max_out) {
		char reason[160];

		snprintf(reason, sizeof(reason),
			 "the response is %zu bytes, over the limit of %u; ask for less "
			 "(flow_list and rule_list take offset and limit)",
			 len, srv->opts.max_out);
		free(resp);
		resp = sluice_rpc_error_text(SLUICE_RPC_INTERNAL_ERROR, "", reason);
		COUNT(srv, too_large, 1);
		if (resp == NULL)
			return -ENOMEM;
		len = strlen(resp);
	}
	/* The output buffer is empty here: requests wait while a response is pending. */
	free(c->out);
	resp[len] = '\n';
	c->out = resp;
	c->out_len = len + 1;
	c->out_off = 0;
	return 0;
}

/* Send what the socket takes. @return true when everything is out. */
static bool flush(struct sluice_rpc_server *srv, struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return false;
			c->dead = true;
			return false;
		}
		c->out_off += (size_t)n;
		c->deadline = now_ms() + srv->opts.idle_ms;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return true;
}

static void oversize(struct sluice_rpc_server *srv, struct client *c)
{
	char reason[128], *s;

	snprintf(reason, sizeof(reason),
		 "request larger than %u bytes (or no newline at its end); nothing was done",
		 srv->opts.max_msg);
	s = sluice_rpc_error_text(SLUICE_RPC_INVALID_REQUEST, "", reason);
	c->in_len = c->scan = 0;
	c->closing = true;
	COUNT(srv, cut_oversize, 1);
	logf_(srv, LOG_NOTICE, "client cut off: %s", reason);
	if (s == NULL || queue_out(srv, c, s) < 0)
		c->dead = true;
}

/* Run the complete requests in the buffer, while their responses go out. */
static void run_requests(struct sluice_rpc_server *srv, struct client *c)
{
	unsigned int k;

	for (k = 0; k < ROUND_REQUESTS && !c->dead && !c->closing; k++) {
		char *nl, *resp;
		size_t len;

		if (c->out != NULL && !flush(srv, c))
			return;
		/* c->in is NULL until the client sent something. */
		nl =
		    c->scan < c->in_len ? memchr(c->in + c->scan, '\n', c->in_len - c->scan) : NULL;
		if (nl == NULL) {
			c->scan = c->in_len;
			if (c->in_len > srv->opts.max_msg)
				oversize(srv, c);
			return;
		}
		len = (size_t)(nl - c->in);
		if (len > srv->opts.max_msg) {
			oversize(srv, c);
			return;
		}
		if (len > 0 && c->in[len - 1] == '\r')
			len--;
		if (len > 0) {
			errno = 0;
			resp = sluice_rpc_handle(srv->rpc, c->admin ? NULL : c->scope, c->in, len);
			COUNT(srv, requests, 1);
			if (resp != NULL && queue_out(srv, c, resp) < 0)
				c->dead = true;
			else if (resp == NULL && errno == ENOMEM)
				c->dead = true;
		}
		c->in_len -= (size_t)(nl + 1 - c->in);
		memmove(c->in, nl + 1, c->in_len);
		c->scan = 0;
		c->deadline = now_ms() + srv->opts.idle_ms;
	}
	if (c->out != NULL)
		flush(srv, c);
}

static void read_client(struct sluice_rpc_server *srv, struct client *c)
{
	size_t limit = (size_t)srv->opts.max_msg + 2; /* the request, "\r\n" */
	ssize_t n;

	if (c->in_cap < limit && c->in_cap - c->in_len < READ_CHUNK) {
		size_t cap = c->in_cap ? c->in_cap * 2 : READ_CHUNK;
		char *p;

		if (cap > limit)
			cap = limit;
		p = realloc(c->in, cap);
		if (p == NULL) {
			c->dead = true;
			return;
		}
		c->in = p;
		c->in_cap = cap;
	}
	if (c->in_len == c->in_cap) {
		oversize(srv, c);
		return;
	}
	n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* Gone; a partial request dies with it, unrun. */
		c->dead = true;
		return;
	}
	if (n > 0)
		c->in_len += (size_t)n;
}

/* Read and drop what a client being closed still sends. */
static void drain(struct client *c)
{
	char scratch[4096];
	unsigned int k;

	for (k = 0; k < 64; k++) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->dead = true;
			return;
		}
		if (n < 0)
			return;
	}
}

static bool has_pending_line(const struct client *c)
{
	return !c->dead && !c->closing && c->out == NULL && c->scan < c->in_len &&
	       memchr(c->in + c->scan, '\n', c->in_len - c->scan) != NULL;
}

static void client_free(struct client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
}

/* ---- The thread -------------------------------------------------------------------- */

static void *server_main(void *arg)
{
	struct sluice_rpc_server *srv = arg;
	struct pollfd *pfd = NULL;
	size_t cap_pfd = 0;

	for (;;) {
		uint64_t now = now_ms(), next;
		unsigned int i, nls, ncl;
		size_t n = 0;
		int timeout = SYNC_MS;

		if (!srv->opts.no_tenant_sockets && now >= srv->next_sync) {
			tenants_sync(srv);
			srv->next_sync = now + SYNC_MS;
		}
		if (cap_pfd < 1 + srv->nb_ls + srv->nb_cl) {
			size_t cap = 1 + srv->nb_ls + srv->nb_cl + 16;
			struct pollfd *p = realloc(pfd, cap * sizeof(*p));

			if (p == NULL) {
				/* Try again shortly rather than spin. */
				poll(NULL, 0, 10);
				continue;
			}
			pfd = p;
			cap_pfd = cap;
		}
		pfd[n++] = (struct pollfd){.fd = srv->wake[0], .events = POLLIN};
		for (i = 0; i < srv->nb_ls; i++)
			pfd[n++] = (struct pollfd){.fd = srv->ls[i].fd, .events = POLLIN};
		for (i = 0; i < srv->nb_cl; i++) {
			struct client *c = &srv->cl[i];

			pfd[n++] = (struct pollfd){
			    .fd = c->fd,
			    .events = c->out			   ? POLLOUT
				      : c->closing && !c->draining ? 0
								   : POLLIN,
			};
			if (has_pending_line(c))
				timeout = 0;
			next = c->deadline > now ? c->deadline - now : 0;
			if ((int)next < timeout)
				timeout = (int)next;
		}
		nls = srv->nb_ls;
		ncl = srv->nb_cl;
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN)
			break;
		for (i = 0; i < ncl; i++) {
			struct client *c = &srv->cl[i];
			short re = pfd[1 + nls + i].revents;

			if (c->dead)
				continue;
			if (re & POLLOUT)
				flush(srv, c);
			else if (c->draining && (re & (POLLIN | POLLHUP | POLLERR)))
				drain(c);
			else if (re & (POLLIN | POLLHUP | POLLERR))
				read_client(srv, c);
			if (!c->dead && !c->closing)
				run_requests(srv, c);
		}
		for (i = 0; i < nls && i < srv->nb_ls; i++) {
			unsigned int k;

			if (!(pfd[1 + i].revents & POLLIN))
				continue;
			for (k = 0; k < ROUND_ACCEPTS && accept_one(srv, &srv->ls[i]); k++)
				;
		}
		/* Cut off the idle; drop the dead. */
		now = now_ms();
		for (i = 0; i < srv->nb_cl;) {
			struct client *c = &srv->cl[i];

			/*
			 * Its answer sent: shut our side and read what it still sends until it
			 * closes (bounded by the deadline). Closing with unread input would
			 * send a reset, and the peer might lose the answer.
			 */
			if (!c->dead && c->closing && c->out == NULL && !c->draining) {
				shutdown(c->fd, SHUT_WR);
				c->draining = true;
				if (c->deadline > now + DRAIN_MS)
					c->deadline = now + DRAIN_MS;
			}
			if (!c->dead && c->draining && now >= c->deadline)
				c->dead = true;
			if (!c->dead && now >= c->deadline) {
				logf_(srv, LOG_NOTICE, "client cut off: idle for %u ms",
				      srv->opts.idle_ms);
				COUNT(srv, cut_idle, 1);
				if (c->out == NULL) {
					char reason[96];

					snprintf(reason, sizeof(reason),
						 "no complete request for %u ms; closing",
						 srv->opts.idle_ms);
					say_and_close(c->fd, SLUICE_RPC_E_TIMEOUT, reason);
					c->fd = -1;
				}
				c->dead = true;
			}
			if (c->dead) {
				if (c->fd >= 0)
					client_free(c);
				else
					free(c->in), free(c->out);
				srv->cl[i] = srv->cl[--srv->nb_cl];
				continue;
			}
			i++;
		}
		pthread_mutex_lock(&srv->stats_lock);
		srv->st.clients = srv->nb_cl;
		pthread_mutex_unlock(&srv->stats_lock);
	}
	free(pfd);
	return NULL;
}

/* ---- Life cycle --------------------------------------------------------------------- */

struct sluice_rpc_server *sluice_rpc_server_start(struct sluice_rpc *rpc,
						  const struct sluice_rpc_server_opts *opts)
{
	struct sluice_rpc_server *srv;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t i;
	int rc;

	if (rpc == NULL || opts == NULL || !rpc_opts_known(opts, sizeof(*opts), opts->sz) ||
	    opts->dir == NULL || opts->dir[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		return NULL;
	srv->rpc = rpc;
	srv->opts = *opts;
	srv->opts.dir = srv->dir;
	if (!srv->opts.max_clients)
		srv->opts.max_clients = 64;
	if (!srv->opts.max_msg)
		srv->opts.max_msg = SLUICE_RPC_MSG_MAX;
	if (!srv->opts.idle_ms)
		srv->opts.idle_ms = 30000;
	if (!srv->opts.max_out)
		srv->opts.max_out = 64u << 20;
	pthread_mutex_init(&srv->stats_lock, NULL);
	srv->wake[0] = srv->wake[1] = -1;
	if ((size_t)snprintf(srv->dir, sizeof(srv->dir), "%s", opts->dir) >= sizeof(srv->dir)) {
		rc = -ENAMETOOLONG;
		goto out_free;
	}
	/* Room for the longest tenant socket name, so that none fails later. */
	{
		char longest[SLUICE_NAME_MAX];

		memset(longest, 'x', sizeof(longest) - 1);
		longest[sizeof(longest) - 1] = '\0';
		rc = sock_path(srv, opts->no_tenant_sockets ? NULL : longest, path, sizeof(path));
		if (rc < 0)
			goto out_free;
	}
	if (mkdir(srv->dir, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		goto out_free;
	}
	sock_path(srv, NULL, path, sizeof(path));
	if (path_alive(path)) {
		rc = -EADDRINUSE;
		goto out_free;
	}
	rc = listener_add(srv, NULL);
	if (rc < 0)
		goto out_free;
	if (pipe2(srv->wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = -errno;
		goto out_close;
	}
	if (!srv->opts.no_tenant_sockets) {
		tenants_sync(srv);
		srv->next_sync = now_ms() + SYNC_MS;
	}
	rc = -pthread_create(&srv->thread, NULL, server_main, srv);
	if (rc < 0)
		goto out_close;
	return srv;

out_close:
	for (i = 0; i < srv->nb_ls; i++)
		listener_close(&srv->ls[i]);
	if (srv->wake[0] >= 0)
		close(srv->wake[0]), close(srv->wake[1]);
out_free:
	free(srv->ls);
	pthread_mutex_destroy(&srv->stats_lock);
	free(srv);
	errno = -rc;
	return NULL;
}

void sluice_rpc_server_stop(struct sluice_rpc_server *srv)
{
	unsigned int i;

	if (srv == NULL)
		return;
	(void)!write(srv->wake[1], "x", 1);
	pthread_join(srv->thread, NULL);
	for (i = 0; i < srv->nb_cl; i++)
		client_free(&srv->cl[i]);
	for (i = 0; i < srv->nb_ls; i++)
		listener_close(&srv->ls[i]);
	close(srv->wake[0]);
	close(srv->wake[1]);
	free(srv->cl);
	free(srv->ls);
	pthread_mutex_destroy(&srv->stats_lock);
	free(srv);
}

int sluice_rpc_server_stats(struct sluice_rpc_server *srv, struct sluice_rpc_server_stats *st)
{
	pthread_mutex_lock(&srv->stats_lock);
	*st = srv->st;
	pthread_mutex_unlock(&srv->stats_lock);
	return 0;
}
