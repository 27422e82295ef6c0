/* SPDX-License-Identifier: BSD-3-Clause */
/* A blocking JSON-RPC client, one request at a time: sluicectl and the tests. */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "sluice_rpc.h"

/* Responses are bounded by the server's max_out; this bounds a rogue server. */
#define RESPONSE_MAX (256u << 20)

int sluice_rpc_connect(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int64_t ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* Wait for `events` on fd until `end` (NULL: forever). @return 0 or -errno. */
static int wait_fd(int fd, short events, const struct timespec *end)
{
	struct pollfd p = {.fd = fd, .events = events};
	int64_t left;
	int rc;

	do {
		left = end ? ms_left(end) : -1;
		if (end && left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, end ? (int)(left > 60000 ? 60000 : left) : -1);
	} while ((rc < 0 && errno == EINTR) || (rc == 0 && end));
	return rc < 0 ? -errno : 0;
}

json_t *sluice_rpc_call(int fd, const char *method, json_t *params, int timeout_ms)
{
	static _Atomic json_int_t next_id = 1;
	struct timespec end, *endp = NULL;
	char *text, *buf = NULL, *nl = NULL;
	size_t len, off = 0, cap = 0, got = 0;
	json_t *req, *resp;
	json_error_t je;
	int rc = 0;

	if (timeout_ms > 0) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += timeout_ms / 1000;
		end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (end.tv_nsec >= 1000000000)
			end.tv_sec++, end.tv_nsec -= 1000000000;
		endp = &end;
	}
	req = json_pack("{s:s,s:I,s:s}", "jsonrpc", "2.0", "id", atomic_fetch_add(&next_id, 1),
			"method", method);
	if (req != NULL && params != NULL && json_object_set(req, "params", params) != 0)
		json_decref(req), req = NULL;
	text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (text == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	len = strlen(text);
	text[len++] = '\n'; /* json_dumps' NUL becomes the frame's newline */
	while (off < len && rc == 0) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n >= 0)
			off += (size_t)n;
		else if (errno == EAGAIN)
			rc = wait_fd(fd, POLLOUT, endp);
		else if (errno != EINTR)
			rc = -errno;
	}
	free(text);
	/* The response is the next line. */
	while (rc == 0 && nl == NULL) {
		ssize_t n;

		if (cap - got < 4096) {
			char *p;

			if (cap >= RESPONSE_MAX) {
				rc = -EMSGSIZE;
				break;
			}
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (p == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = p;
		}
		n = recv(fd, buf + got, cap - got, MSG_DONTWAIT);
		if (n > 0) {
			nl = memchr(buf + got, '\n', (size_t)n);
			got += (size_t)n;
		} else if (n == 0) {
			rc = -ECONNRESET;
		} else if (errno == EAGAIN) {
			rc = wait_fd(fd, POLLIN, endp);
		} else if (errno != EINTR) {
			rc = -errno;
		}
	}
	if (rc < 0) {
		free(buf);
		errno = -rc;
		return NULL;
	}
	resp = json_loadb(buf, (size_t)(nl - buf), 0, &je);
	free(buf);
	if (!json_is_object(resp)) {
		json_decref(resp);
		errno = EPROTO;
		return NULL;
	}
	return resp;
}
