/*
 * A tiny HTTP/1.1 GET for the tests, over loopback only: plays the browser in sign-in tests and
 * reads the mock server's /stats; and a free loopback port. Not part of tokenkit.
 */
#ifndef TOKENKIT_TEST_HTTP_GET_H
#define TOKENKIT_TEST_HTTP_GET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A loopback port nobody listens on (bound, read, closed): for a refused connection, or a
 * sign-in listener on a port of the test's choosing. */
static inline int unused_loopback_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    return ntohs(addr.sin_port);
}

/* GETs an http://127.0.0.1:PORT/... URL. Returns the status (or -1) and copies the Location
 * header and the body (NUL-terminated, truncated to fit) when the buffers are not NULL. */
static int http_get(const char *url, char *location, size_t location_size, char *body, size_t body_size) {
    int port = 0;
    char path[4096];
    if (sscanf(url, "http://127.0.0.1:%d%4095s", &port, path) != 2) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return -1; }
    char request[4400];
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path, port);
    if (write(fd, request, (size_t)n) != n) { close(fd); return -1; }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t got;
    while (len < cap && (got = read(fd, buf + len, cap - len)) > 0) len += (size_t)got;
    close(fd);
    buf[len] = '\0';
    int status = -1;
    sscanf(buf, "HTTP/1.%*d %d", &status);
    char *headers_end = strstr(buf, "\r\n\r\n");
    if (location && location_size) {
        location[0] = '\0';
        char *loc = strstr(buf, "\r\nLocation: ");
        if (!loc) loc = strstr(buf, "\r\nlocation: ");
        if (loc && (!headers_end || loc < headers_end)) {
            loc += 12;
            size_t l = strcspn(loc, "\r\n");
            if (l >= location_size) l = location_size - 1;
            memcpy(location, loc, l);
            location[l] = '\0';
        }
    }
    if (body && body_size) {
        const char *b = headers_end ? headers_end + 4 : "";
        snprintf(body, body_size, "%s", b);
    }
    free(buf);
    return status;
}

#endif
