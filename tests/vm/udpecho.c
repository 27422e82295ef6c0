/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A UDP echo for the test guests (busybox has no UDP client or server).
 *   udpecho serve PORT          echo every datagram back to its sender, forever
 *   udpecho send IP PORT TEXT   send TEXT, wait 2 s for the echo; print it;
 *                               exit 0 if it came back unchanged, 1 if not
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int serve(int fd, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char buf[2048];

	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("bind");
		return 1;
	}
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static int send_one(int fd, const char *ip, int port, const char *text)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct timeval tv = {.tv_sec = 2};
	char buf[2048];
	ssize_t n;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return 2;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, text, strlen(text), 0, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("sendto");
		return 1;
	}
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		printf("no reply\n");
		return 1;
	}
	buf[n] = '\0';
	printf("reply %s\n", buf);
	return strcmp(buf, text) != 0;
}

int main(int argc, char **argv)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return 1;
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(fd, atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_one(fd, argv[2], atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: udpecho serve PORT | udpecho send IP PORT TEXT\n");
	return 2;
}
