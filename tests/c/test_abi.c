/*
 * The C ABI against the local mock server over a real socket: success, every error kind, NULL and
 * invalid inputs (with and without an error out-parameter), ownership of borrowed and owned
 * strings, every accessor, the saved-token format, options objects and the settings each call
 * refuses, a dripping server, redirects that are not followed, an oversize body, secrets a server
 * echoes back, cancellation of a request in flight, TLS with an extra CA, and 8 threads sharing one
 * client for 1,000 requests.
 *
 * Environment: TOKENKIT_TEST_SERVER (http://127.0.0.1:PORT of the mock server, tools/mock-server),
 * TOKENKIT_TEST_TLS_URL and TOKENKIT_TEST_CA_FILE (an HTTPS token endpoint on loopback and the PEM
 * of the CA that signed its certificate). Prints "N passed, N failed" and exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_get.h"
#include "tokenkit.h"
#include "check.h"

/* The header this file was written against; a mismatch is a build error, not a crash. */
_Static_assert(TOKENKIT_ABI_VERSION == 2, "tests/c/test_abi.c is written for ABI 2");

static const char *server;

static const char *url(const char *path) {
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s%s", server, path);
    return b;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double seconds) {
    struct timespec pause = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    nanosleep(&pause, NULL);
}

/* A fresh single-use code the mock server accepts once. */
static const char *fresh_code(void) {
    static char bufs[4][64];
    static unsigned counter;
    char *b = bufs[counter % 4];
    snprintf(b, sizeof bufs[0], "code-c-%ld-%u", (long)getpid(), ++counter);
    return b;
}

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }

/* How often the mock server saw `path` (GET /stats "paths"): 0 when never, -1 when /stats failed. */
static long path_hits(const char *path) {
    static char body[1 << 16];
    if (http_get(url("/stats"), NULL, 0, body, sizeof body) != 200) return -1;
    const char *paths = strstr(body, "\"paths\":{");
    if (!paths) return -1;
    char key[512];
    snprintf(key, sizeof key, "\"%s\":", path);
    const char *at = strstr(paths, key);
    return at ? strtol(at + strlen(key), NULL, 10) : 0;
}

static tokenkit_client *make_client(const char *endpoint, const char *id, const char *secret, int method,
                                    int64_t timeout_ms) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, endpoint, &err);
    if (!s) s = tokenkit_config_set_client_id(config, id, &err);
    if (!s) s = tokenkit_config_set_auth_method(config, method, &err);
    if (!s && secret) s = tokenkit_config_set_client_secret(config, secret, &err);
    if (!s && timeout_ms) s = tokenkit_config_set_timeout_ms(config, timeout_ms, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "make_client(%s): %s", endpoint, msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

static tokenkit_client *demo_client(const char *path) {
    return make_client(url(path), "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
}

/* Exchanges `code` at `path`; returns the status and keeps token/err for inspection. */
static tokenkit_status exchange_at(const char *path, const char *code, const tokenkit_request_options *options,
                                   tokenkit_token **token, tokenkit_error **err) {
    tokenkit_client *client = demo_client(path);
    tokenkit_status s = tokenkit_client_exchange_code(client, code, options, token, err);
    tokenkit_client_free(client);
    return s;
}

/* Request options with one extra parameter (NULL name: none). */
static tokenkit_request_options *options_with_param(const char *name, const char *value) {
    tokenkit_request_options *o = tokenkit_request_options_new();
    if (name) CHECK(tokenkit_request_options_add_param(o, name, value, NULL) == 0, "add_param %s", name);
    return o;
}

/* String checks on borrowed strings: nothing to free. */
static int str_eq(const char *borrowed, const char *expected) {
    int eq = borrowed && expected && !strcmp(borrowed, expected);
    if (!eq) fprintf(stderr, "  got %s, want %s\n", borrowed ? borrowed : "(null)", expected ? expected : "(null)");
    return eq;
}

static int starts_with(const char *borrowed, const char *prefix) {
    int ok = borrowed && !strncmp(borrowed, prefix, strlen(prefix));
    if (!ok) fprintf(stderr, "  got %s, want prefix %s\n", borrowed ? borrowed : "(null)", prefix);
    return ok;
}

static int contains(const char *borrowed, const char *needle) {
    int ok = borrowed && strstr(borrowed, needle);
    if (!ok) fprintf(stderr, "  %s does not contain %s\n", borrowed ? borrowed : "(null)", needle);
    return ok;
}

/* NULL (absent) counts as lacking. */
static int lacks(const char *borrowed, const char *needle) {
    int ok = !borrowed || !strstr(borrowed, needle);
    if (!ok) fprintf(stderr, "  %s contains %s\n", borrowed, needle);
    return ok;
}

static void test_version(void) {
    CHECK(strlen(tokenkit_version()) > 0, "empty version");
    CHECK(tokenkit_abi_version() == TOKENKIT_ABI_VERSION, "abi %u, header %d", tokenkit_abi_version(), TOKENKIT_ABI_VERSION);
    CHECK(tokenkit_abi_version() == 2, "abi %u", tokenkit_abi_version());
    const char *names[] = {"ok", "invalid_argument", "oauth_error", "http_error", "transport_error", "timeout",
                           "tls_error", "protocol_error", "insecure", "internal_error", "cancelled"};
    for (int i = 0; i <= TOKENKIT_STATUS_CANCELLED; i++)
        CHECK(str_eq(tokenkit_status_name(i), names[i]), "status name %d", i);
    CHECK(str_eq(tokenkit_status_name(1234), "unknown"), "unknown status name");
    CHECK(str_eq(tokenkit_status_name(-1), "unknown"), "negative status name");
    CHECK(TOKENKIT_REVOCATION_STYLE_RFC7009 == 0 && TOKENKIT_REVOCATION_STYLE_NEST_DELETE == 1, "revocation styles");
    CHECK(TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST == 0 && TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC == 1 &&
              TOKENKIT_AUTH_METHOD_NONE == 2, "auth methods");
}

static void test_exchange_success_and_reuse(void) {
    const char *code = fresh_code();
    tokenkit_client *client = demo_client("/token");
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    time_t before = time(NULL);
    tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "exchange: %s", msg(err));
    CHECK(err == NULL, "err written on success");
    CHECK(starts_with(tokenkit_token_access_token(token), "at-"), "access_token");
    CHECK(str_eq(tokenkit_token_token_type(token), "Bearer"), "token_type");
    int64_t expires_in = -7, at = -7;
    CHECK(tokenkit_token_expires_in(token, &expires_in) == 1 && expires_in == 3600, "expires_in %lld", (long long)expires_in);
    CHECK(tokenkit_token_expires_in(token, NULL) == 1, "expires_in with NULL out");
    CHECK(tokenkit_token_expires_at(token, &at) == 1, "expires_at present");
    CHECK(at >= before + 3600 && at <= time(NULL) + 3600, "expires_at %lld", (long long)at);
    CHECK(tokenkit_token_expires_at(token, NULL) == 1, "expires_at with NULL out");
    CHECK(starts_with(tokenkit_token_refresh_token(token), "rt-"), "refresh_token");
    CHECK(str_eq(tokenkit_token_scope(token), "read"), "scope");
    CHECK(tokenkit_token_id_token(token) == NULL, "no id_token");
    CHECK(contains(tokenkit_token_json(token), "\"access_token\":\"at-"), "json");
    tokenkit_token_free(token);
    tokenkit_error_free(err);

    /* A code is single-use: the server refuses it the second time, as an OAuth error. */
    token = NULL;
    err = NULL;
    s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "reuse status %d", s);
    CHECK(token == NULL, "token written on failure");
    CHECK(tokenkit_error_kind(err) == TOKENKIT_STATUS_OAUTH_ERROR, "kind");
    CHECK(str_eq(tokenkit_error_oauth_error(err), "invalid_grant"), "oauth error");
    CHECK(str_eq(tokenkit_error_oauth_error_description(err), "authorization code was already used"), "description");
    CHECK(tokenkit_error_oauth_error_uri(err) == NULL, "no uri");
    CHECK(tokenkit_error_http_status(err) == 400, "http %d", tokenkit_error_http_status(err));
    CHECK(contains(tokenkit_error_message(err), "invalid_grant"), "message");
    CHECK(contains(tokenkit_error_body(err), "invalid_grant"), "body");
    CHECK(lacks(tokenkit_error_message(err), code), "the code leaked into the message");
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* Borrowed strings stay put until their owner is freed, whatever else happens meanwhile. */
static void test_borrowed_accessors(void) {
    tokenkit_client *client = demo_client("/token");
    tokenkit_token *token = NULL, *other = NULL;
    tokenkit_error *err = NULL;
    CHECK(tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err) == 0, "exchange: %s", msg(err));
    const char *fields[6] = {tokenkit_token_access_token(token), tokenkit_token_token_type(token),
                             tokenkit_token_refresh_token(token), tokenkit_token_scope(token),
                             tokenkit_token_json(token), tokenkit_token_id_token(token)};
    char copies[5][4096];
    for (int i = 0; i < 5; i++) snprintf(copies[i], sizeof copies[i], "%s", fields[i] ? fields[i] : "");

    /* Other objects come and go, and the token's strings are read again. */
    CHECK(tokenkit_client_exchange_code(client, fresh_code(), NULL, &other, &err) == 0, "exchange: %s", msg(err));
    char *saved = NULL;
    CHECK(tokenkit_token_to_json(other, &saved, NULL) == 0, "to_json");
    tokenkit_string_free(saved);
    tokenkit_token_free(other);
    tokenkit_error *e = NULL;
    tokenkit_client_exchange_code(client, "", NULL, &other, &e);
    tokenkit_error_free(e);

    CHECK(tokenkit_token_access_token(token) == fields[0], "access_token moved");
    CHECK(tokenkit_token_token_type(token) == fields[1], "token_type moved");
    CHECK(tokenkit_token_refresh_token(token) == fields[2], "refresh_token moved");
    CHECK(tokenkit_token_scope(token) == fields[3], "scope moved");
    CHECK(tokenkit_token_json(token) == fields[4], "json moved");
    CHECK(tokenkit_token_id_token(token) == NULL && fields[5] == NULL, "id_token absent");
    for (int i = 0; i < 5; i++) CHECK(fields[i] && !strcmp(fields[i], copies[i]), "field %d changed", i);
    tokenkit_token_free(token);

    /* The error's strings too. */
    tokenkit_error *reuse = NULL;
    const char *code = fresh_code();
    tokenkit_client_exchange_code(client, code, NULL, &token, NULL);
    tokenkit_token_free(token);
    token = NULL;
    CHECK(tokenkit_client_exchange_code(client, code, NULL, &token, &reuse) == TOKENKIT_STATUS_OAUTH_ERROR, "reuse");
    const char *m = tokenkit_error_message(reuse), *o = tokenkit_error_oauth_error(reuse),
               *d = tokenkit_error_oauth_error_description(reuse), *b = tokenkit_error_body(reuse);
    char mcopy[1024];
    snprintf(mcopy, sizeof mcopy, "%s", m);
    tokenkit_error *other_err = NULL;
    tokenkit_client_refresh(client, "rt-unknown", NULL, &token, &other_err);
    tokenkit_error_free(other_err);
    CHECK(tokenkit_error_message(reuse) == m && !strcmp(m, mcopy), "message moved");
    CHECK(tokenkit_error_oauth_error(reuse) == o && tokenkit_error_oauth_error_description(reuse) == d &&
              tokenkit_error_body(reuse) == b, "error fields moved");
    tokenkit_error_free(reuse);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* Optional integers: present 0 and absent differ, with no sentinel. */
static void test_optional_ints(void) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_request_options *o = options_with_param("mock_expires_in", "0");
    time_t before = time(NULL);
    CHECK(exchange_at("/token", fresh_code(), o, &token, &err) == 0, "exchange expiring now: %s", msg(err));
    int64_t v = -7;
    CHECK(tokenkit_token_expires_in(token, &v) == 1 && v == 0, "expires_in 0 is present: %lld", (long long)v);
    v = -7;
    CHECK(tokenkit_token_expires_at(token, &v) == 1 && v >= before && v <= time(NULL), "expires_at now: %lld", (long long)v);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_request_options_free(o);

    CHECK(exchange_at("/fault/null-expires", fresh_code(), NULL, &token, &err) == 0, "null expires: %s", msg(err));
    v = -7;
    CHECK(tokenkit_token_expires_in(token, &v) == 0 && v == -7, "expires_in absent, out untouched: %lld", (long long)v);
    CHECK(tokenkit_token_expires_at(token, &v) == 0 && v == -7, "expires_at absent, out untouched: %lld", (long long)v);
    tokenkit_token_free(token);

    CHECK(tokenkit_token_expires_in(NULL, &v) == 0 && tokenkit_token_expires_at(NULL, &v) == 0 && v == -7, "NULL token");
    CHECK(tokenkit_introspection_exp(NULL, &v) == 0 && tokenkit_introspection_iat(NULL, &v) == 0 && v == -7, "NULL introspection");
    CHECK(tokenkit_introspection_active(NULL) == 0, "NULL introspection inactive");
    CHECK(tokenkit_device_authorization_interval(NULL) == -1 && tokenkit_device_authorization_expires_in(NULL) == -1, "NULL device");
    tokenkit_error_free(err);
}

/* tokenkit_token_to_json and _from_json: the saved format's one owner. */
static void round_trip(const char *path, int want_refresh, int want_id) {
    tokenkit_token *token = NULL, *loaded = NULL;
    tokenkit_error *err = NULL;
    CHECK(exchange_at(path, fresh_code(), NULL, &token, &err) == 0, "%s: %s", path, msg(err));
    char *json = NULL, *again = NULL;
    CHECK(tokenkit_token_to_json(token, &json, &err) == 0 && json, "to_json: %s", msg(err));
    CHECK(contains(json, "\"access_token\":") && contains(json, "\"expires_at\":") && lacks(json, "\"expires_in\""),
          "saved format %s", json);
    CHECK(tokenkit_token_from_json(json, &loaded, &err) == 0 && loaded, "from_json: %s", msg(err));
    CHECK(str_eq(tokenkit_token_access_token(loaded), tokenkit_token_access_token(token)), "%s: access_token", path);
    CHECK(str_eq(tokenkit_token_token_type(loaded), tokenkit_token_token_type(token)), "%s: token_type", path);
    if (want_refresh) CHECK(str_eq(tokenkit_token_refresh_token(loaded), tokenkit_token_refresh_token(token)), "%s: rt", path);
    else CHECK(tokenkit_token_refresh_token(loaded) == NULL, "%s: no refresh token", path);
    CHECK(str_eq(tokenkit_token_scope(loaded), tokenkit_token_scope(token)), "%s: scope", path);
    if (want_id) CHECK(str_eq(tokenkit_token_id_token(loaded), tokenkit_token_id_token(token)), "%s: id_token", path);
    else CHECK(tokenkit_token_id_token(loaded) == NULL, "%s: no id_token", path);
    int64_t at1 = 0, at2 = 0, in2 = 0;
    CHECK(tokenkit_token_expires_at(token, &at1) == 1 && tokenkit_token_expires_at(loaded, &at2) == 1 && at1 == at2,
          "%s: expires_at %lld vs %lld", path, (long long)at1, (long long)at2);
    CHECK(tokenkit_token_expires_in(loaded, &in2) == 1 && in2 > 3500 && in2 <= 3600, "%s: time left %lld", path, (long long)in2);
    CHECK(tokenkit_token_to_json(loaded, &again, &err) == 0 && str_eq(again, json), "%s: saved twice differs", path);
    tokenkit_string_free(json);
    tokenkit_string_free(again);
    tokenkit_token_free(token);
    tokenkit_token_free(loaded);
    tokenkit_error_free(err);
}

static void expect_from_json(const char *json, tokenkit_status want, const char *names) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_token_from_json(json, &token, &err);
    CHECK(s == want, "from_json(%s): %s (%s)", json ? json : "NULL", tokenkit_status_name(s), msg(err));
    if (want) CHECK(token == NULL && names && contains(msg(err), names), "from_json(%s) names %s", json, names);
    tokenkit_token_free(token);
    tokenkit_error_free(err);
}

static void test_token_json(void) {
    round_trip("/token", 1, 0);
    round_trip("/fault/extra-fields", 0, 1);

    /* What from_json accepts beyond its own output. */
    tokenkit_token *t = NULL;
    int64_t v = -7;
    CHECK(tokenkit_token_from_json("{\"access_token\":\"a\"}", &t, NULL) == 0, "bare access_token");
    CHECK(str_eq(tokenkit_token_access_token(t), "a") && str_eq(tokenkit_token_token_type(t), "Bearer"), "defaults");
    CHECK(tokenkit_token_expires_at(t, &v) == 0 && tokenkit_token_expires_in(t, &v) == 0 && v == -7, "no expiry");
    CHECK(tokenkit_token_refresh_token(t) == NULL && tokenkit_token_scope(t) == NULL, "absent fields");
    CHECK(contains(tokenkit_token_json(t), "\"access_token\""), "json of a loaded token");
    tokenkit_token_free(t);
    t = NULL;
    CHECK(tokenkit_token_from_json("{\"access_token\":\"a\",\"expires_at\":\"1700000000\",\"custom\":[1]}", &t, NULL) == 0,
          "string expires_at");
    CHECK(tokenkit_token_expires_at(t, &v) == 1 && v == 1700000000, "expires_at %lld", (long long)v);
    CHECK(tokenkit_token_expires_in(t, &v) == 1 && v < 0, "expired: time left %lld", (long long)v);
    tokenkit_token_free(t);
    t = NULL;
    CHECK(tokenkit_token_from_json(" {\"access_token\":\"a\",\"token_type\":\"mac\",\"expires_at\":4102444800,"
                                   "\"refresh_token\":\"r\",\"scope\":\"s t\",\"id_token\":\"i\"} ",
                                   &t, NULL) == 0, "every field");
    CHECK(str_eq(tokenkit_token_token_type(t), "mac") && str_eq(tokenkit_token_refresh_token(t), "r") &&
              str_eq(tokenkit_token_scope(t), "s t") && str_eq(tokenkit_token_id_token(t), "i"), "fields");
    CHECK(tokenkit_token_expires_at(t, &v) == 1 && v == 4102444800LL, "expires_at 2100");
    tokenkit_token_free(t);

    expect_from_json(NULL, TOKENKIT_STATUS_INVALID_ARGUMENT, "json is NULL");
    expect_from_json("not json", TOKENKIT_STATUS_INVALID_ARGUMENT, "saved token");
    expect_from_json("[\"access_token\"]", TOKENKIT_STATUS_INVALID_ARGUMENT, "saved token");
    expect_from_json("{}", TOKENKIT_STATUS_INVALID_ARGUMENT, "access_token");
    expect_from_json("{\"access_token\":\"\"}", TOKENKIT_STATUS_INVALID_ARGUMENT, "access_token");
    expect_from_json("{\"access_token\":null,\"refresh_token\":\"r\"}", TOKENKIT_STATUS_INVALID_ARGUMENT, "access_token");
    expect_from_json("{\"access_token\":5}", TOKENKIT_STATUS_INVALID_ARGUMENT, "access_token");
    expect_from_json("{\"access_token\":\"a\",\"expires_at\":\"soon\"}", TOKENKIT_STATUS_INVALID_ARGUMENT, "expires_at");
    expect_from_json("{\"access_token\":\"a\",\"expires_at\":true}", TOKENKIT_STATUS_INVALID_ARGUMENT, "expires_at");
    expect_from_json("{\"access_token\":\"a\",\"refresh_token\":7}", TOKENKIT_STATUS_INVALID_ARGUMENT, "refresh_token");
    expect_from_json("\xff{}", TOKENKIT_STATUS_INVALID_ARGUMENT, "UTF-8");

    tokenkit_error *err = NULL;
    char *json = NULL;
    CHECK(tokenkit_token_from_json("{\"access_token\":\"a\"}", NULL, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
              contains(msg(err), "out is NULL"), "from_json out NULL");
    tokenkit_error_free(err);
    err = NULL;
    CHECK(tokenkit_token_to_json(NULL, &json, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT && json == NULL &&
              contains(msg(err), "token is NULL"), "to_json NULL token");
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_token_from_json("{\"access_token\":\"a\"}", &t, NULL);
    CHECK(tokenkit_token_to_json(t, NULL, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT && contains(msg(err), "out is NULL"),
          "to_json out NULL");
    tokenkit_token_free(t);
    tokenkit_error_free(err);
}

static void test_refresh_and_client_credentials(void) {
    tokenkit_client *client = demo_client("/token");
    tokenkit_token *token = NULL, *refreshed = NULL, *cc = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err);
    CHECK(s == 0, "exchange: %s", msg(err));
    const char *rt = tokenkit_token_refresh_token(token);
    s = tokenkit_client_refresh(client, rt, NULL, &refreshed, &err);
    CHECK(s == 0, "refresh: %s", msg(err));
    CHECK(starts_with(tokenkit_token_access_token(refreshed), "at-"), "refreshed access token");
    CHECK(tokenkit_token_refresh_token(refreshed) == NULL, "server sent no new refresh token");
    tokenkit_request_options *scoped = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(scoped, "read", NULL);
    tokenkit_token *narrowed = NULL;
    s = tokenkit_client_refresh(client, rt, scoped, &narrowed, &err);
    CHECK(s == 0 && str_eq(tokenkit_token_scope(narrowed), "read"), "refresh with scope: %s", msg(err));
    tokenkit_token_free(narrowed);
    s = tokenkit_client_refresh(client, "rt-unknown", NULL, &refreshed, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && str_eq(tokenkit_error_oauth_error(err), "invalid_grant"), "bad refresh %d", s);
    tokenkit_error_free(err);
    err = NULL;

    tokenkit_request_options_set_scope(scoped, "read write", NULL);
    s = tokenkit_client_client_credentials(client, scoped, &cc, &err);
    CHECK(s == 0, "client_credentials: %s", msg(err));
    CHECK(str_eq(tokenkit_token_scope(cc), "read write"), "scope");
    CHECK(tokenkit_token_refresh_token(cc) == NULL, "no refresh token");
    tokenkit_request_options_free(scoped);
    tokenkit_token_free(token);
    tokenkit_token_free(refreshed);
    tokenkit_token_free(cc);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

static void test_auth_methods(void) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_client *basic = make_client(url("/token"), "basic-client", "basic secret:+&/\xc3\xa9",
                                         TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC, 0);
    tokenkit_status s = tokenkit_client_exchange_code(basic, fresh_code(), NULL, &token, &err);
    CHECK(s == 0, "basic: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(basic);

    tokenkit_client *public_client = make_client(url("/token"), "public-client", NULL, TOKENKIT_AUTH_METHOD_NONE, 0);
    s = tokenkit_client_exchange_code(public_client, fresh_code(), NULL, &token, &err);
    CHECK(s == 0, "none: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(public_client);

    /* A wrong secret is the server's invalid_client, and the secret is in no message. */
    tokenkit_client *wrong = make_client(url("/token"), "demo-client", "WRONG-SECRET-123",
                                         TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    s = tokenkit_client_exchange_code(wrong, fresh_code(), NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "wrong secret %d", s);
    CHECK(str_eq(tokenkit_error_oauth_error(err), "invalid_client"), "invalid_client");
    CHECK(tokenkit_error_http_status(err) == 401, "401");
    CHECK(lacks(tokenkit_error_message(err), "WRONG-SECRET"), "secret leaked");
    tokenkit_error_free(err);
    tokenkit_client_free(wrong);
}

/* What went over the wire, as the mock server's /echo saw it. */
static void test_wire_format(void) {
    tokenkit_client *client = make_client(url("/echo"), "CLIENT_ID", "CLIENT_SECRET",
                                          TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, "AUTH_CODE", NULL, &token, &err);
    CHECK(s == 0, "echo: %s", msg(err));
    const char *json = tokenkit_token_json(token);
    CHECK(contains(json, "\"request_body\":\"code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET"
                         "&grant_type=authorization_code\""), "Nest form fields");
    CHECK(contains(json, "\"accept\":\"application/json\""), "Accept");
    CHECK(contains(json, "\"content_type\":\"application/x-www-form-urlencoded\""), "Content-Type");
    CHECK(contains(json, "\"user_agent\":\"tokenkit/"), "User-Agent");
    CHECK(contains(json, "\"authorization\":\"\""), "no Authorization header");
    tokenkit_token_free(token);
    token = NULL;

    /* redirect_uri, code_verifier and a parameter on a code exchange. */
    tokenkit_request_options *o = tokenkit_request_options_new();
    const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    CHECK(tokenkit_request_options_set_redirect_uri(o, "http://127.0.0.1:9/cb", &err) == 0, "redirect_uri");
    CHECK(tokenkit_request_options_set_code_verifier(o, verifier, &err) == 0, "code_verifier");
    CHECK(tokenkit_request_options_add_param(o, "resource", "https://api.example", &err) == 0, "param");
    s = tokenkit_client_exchange_code(client, "AUTH_CODE", o, &token, &err);
    CHECK(s == 0, "echo with options: %s", msg(err));
    json = tokenkit_token_json(token);
    CHECK(contains(json, "redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"), "redirect_uri sent");
    CHECK(contains(json, "code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "code_verifier sent");
    CHECK(contains(json, "resource=https%3A%2F%2Fapi.example"), "param sent");
    tokenkit_request_options_free(o);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* client_secret_basic: "id:secret" form-encoded, then base64 (RFC 6749 §2.3.1). */
    client = make_client(url("/echo"), "my id", "p@ss:w", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC, 0);
    o = options_with_param("resource", "https://api.example");
    s = tokenkit_client_client_credentials(client, o, &token, &err);
    CHECK(s == 0, "basic echo: %s", msg(err));
    json = tokenkit_token_json(token);
    /* base64("my+id:p%40ss%3Aw") */
    CHECK(contains(json, "\"authorization\":\"Basic bXkraWQ6cCU0MHNzJTNBdw==\""), "Basic");
    CHECK(contains(json, "\"request_body\":\"grant_type=client_credentials&resource=https%3A%2F%2Fapi.example\""), "body");
    tokenkit_token_free(token);
    tokenkit_request_options_free(o);
    tokenkit_client_free(client);
}

static void test_one_call(void) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_exchange_request req = {
        .token_endpoint = url("/token"),
        .code = fresh_code(),
        .client_id = "demo-client",
        .client_secret = "demo-secret",
    };
    tokenkit_status s = tokenkit_exchange_code(&req, &token, &err);
    CHECK(s == 0, "one call: %s", msg(err));
    CHECK(starts_with(tokenkit_token_access_token(token), "at-"), "token");
    tokenkit_token_free(token);
    token = NULL;
    s = tokenkit_exchange_code(&req, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && str_eq(tokenkit_error_oauth_error(err), "invalid_grant"), "reuse: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    /* client_secret NULL: a public client. */
    tokenkit_exchange_request public_req = {.token_endpoint = url("/token"), .code = fresh_code(), .client_id = "public-client"};
    s = tokenkit_exchange_code(&public_req, &token, &err);
    CHECK(s == 0, "public one call: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;

    tokenkit_exchange_request insecure = {.token_endpoint = "http://api.home.nest.com/oauth2/access_token",
                                          .code = "c", .client_id = "id", .client_secret = "s"};
    s = tokenkit_exchange_code(&insecure, &token, &err);
    CHECK(s == TOKENKIT_STATUS_INSECURE && token == NULL, "insecure one call %d", s);
    CHECK(contains(msg(err), "https"), "insecure message");
    tokenkit_error_free(err);
}

/* Each fault mode of the mock server, and the status a C caller sees. */
static void test_fault_modes(void) {
    struct { const char *path; tokenkit_status want; int http; const char *oauth; const char *quote; } cases[] = {
        {"/fault/500", TOKENKIT_STATUS_HTTP_ERROR, 500, NULL, NULL},
        {"/fault/503", TOKENKIT_STATUS_HTTP_ERROR, 503, NULL, NULL},
        {"/fault/notjson400", TOKENKIT_STATUS_HTTP_ERROR, 400, NULL, NULL},
        {"/fault/malformed", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, NULL},
        {"/fault/not-object", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, NULL},
        {"/fault/no-access-token", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, "access_token"},
        {"/fault/nul", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, NULL},
        {"/fault/oversize", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, NULL},
        {"/fault/oversize-chunked", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL, NULL},
        {"/fault/error200", TOKENKIT_STATUS_OAUTH_ERROR, 200, "invalid_grant", "invalid_grant"},
        {"/fault/nest-error", TOKENKIT_STATUS_OAUTH_ERROR, 400, "oauth2_error", "oauth2_error"},
        {"/fault/close", TOKENKIT_STATUS_TRANSPORT_ERROR, 0, NULL, NULL},
        /* A JSON `error` under a status other than 400/401 is an HTTP error that quotes it. */
        {"/nothing-here", TOKENKIT_STATUS_HTTP_ERROR, 404, NULL, "not_found"},
        {"/fault/404-json", TOKENKIT_STATUS_HTTP_ERROR, 404, NULL, "Realm does not exist"},
        {"/fault/405-json", TOKENKIT_STATUS_HTTP_ERROR, 405, NULL, "method_not_allowed"},
        {"/fault/500-json", TOKENKIT_STATUS_HTTP_ERROR, 500, NULL, "server_error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        const char *code = fresh_code();
        tokenkit_status s = exchange_at(cases[i].path, code, NULL, &token, &err);
        /* Whatever the failure, the request's code and client secret appear in no error text. */
        CHECK(lacks(msg(err), code) && lacks(tokenkit_error_body(err), code), "%s: the code in the error", cases[i].path);
        CHECK(lacks(msg(err), "demo-secret") && lacks(tokenkit_error_body(err), "demo-secret"), "%s: the secret in the error",
              cases[i].path);
        CHECK(s == cases[i].want, "%s: status %s, want %s (%s)", cases[i].path, tokenkit_status_name(s),
              tokenkit_status_name(cases[i].want), msg(err));
        CHECK(token == NULL, "%s: token on failure", cases[i].path);
        CHECK(tokenkit_error_kind(err) == cases[i].want, "%s: kind", cases[i].path);
        CHECK(tokenkit_error_http_status(err) == cases[i].http, "%s: http %d", cases[i].path, tokenkit_error_http_status(err));
        if (cases[i].oauth)
            CHECK(str_eq(tokenkit_error_oauth_error(err), cases[i].oauth), "%s: oauth", cases[i].path);
        else
            CHECK(tokenkit_error_oauth_error(err) == NULL, "%s: no oauth error (%s)", cases[i].path, tokenkit_error_oauth_error(err));
        CHECK(strlen(msg(err)) > 0, "%s: message", cases[i].path);
        if (cases[i].quote) CHECK(contains(msg(err), cases[i].quote), "%s: message quotes the server", cases[i].path);
        tokenkit_error_free(err);
    }
}

/* A server that echoes the request back: the request's own secrets come back redacted. */
static void test_secrets_redacted(void) {
    /* Each secret as given and as it goes over the wire, form-encoded. */
    const char *secrets[] = {"S3cret-Echo-77", "p@ss w+rd/&=%"};
    const char *encoded[] = {"S3cret-Echo-77", "p%40ss+w%2Brd%2F%26%3D%25"};
    const char *paths[] = {"/fault/echo-400", "/fault/echo-500", "/fault/echo-500-json"};
    tokenkit_status want[] = {TOKENKIT_STATUS_OAUTH_ERROR, TOKENKIT_STATUS_HTTP_ERROR, TOKENKIT_STATUS_HTTP_ERROR};
    const char *verifier = "Verifier-Echo-0123456789-abcdefghijklmnopqrstu";
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 3; i++) {
            tokenkit_client *client = make_client(url(paths[i]), "demo-client", secrets[k],
                                                  TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
            tokenkit_request_options *o = options_with_param("assertion", "Param-Echo-Value-55");
            tokenkit_request_options_set_code_verifier(o, verifier, NULL);
            tokenkit_token *token = NULL;
            tokenkit_error *err = NULL;
            tokenkit_status s = tokenkit_client_exchange_code(client, "Code-Echo-1234", o, &token, &err);
            CHECK(s == want[i], "%s: %s (%s)", paths[i], tokenkit_status_name(s), msg(err));
            const char *texts[] = {tokenkit_error_message(err), tokenkit_error_body(err),
                                   tokenkit_error_oauth_error_description(err)};
            for (int t = 0; t < 3; t++) {
                CHECK(lacks(texts[t], secrets[k]) && lacks(texts[t], encoded[k]), "%s: client secret in text %d", paths[i], t);
                CHECK(lacks(texts[t], "Code-Echo-1234"), "%s: code in text %d", paths[i], t);
                CHECK(lacks(texts[t], verifier), "%s: verifier in text %d", paths[i], t);
                CHECK(lacks(texts[t], "Param-Echo-Value-55"), "%s: param value in text %d", paths[i], t);
            }
            /* CHANGES.md says "[redacted]"; the core now masks each echoed byte with '*'. Either shows. */
            const char *body = tokenkit_error_body(err);
            CHECK(body && (strstr(body, "[redacted]") || strstr(body, "code=****")),
                  "%s: body shows the redaction", paths[i]);
            CHECK(contains(tokenkit_error_body(err), "client_id=demo-client"), "%s: the rest of the body is kept", paths[i]);
            tokenkit_error_free(err);
            err = NULL;

            /* A refresh token, and a token being revoked, are secrets too. */
            s = tokenkit_client_refresh(client, "Refresh-Echo-9876", NULL, &token, &err);
            CHECK(s == want[i], "%s refresh: %s", paths[i], tokenkit_status_name(s));
            CHECK(lacks(tokenkit_error_message(err), "Refresh-Echo-9876") && lacks(tokenkit_error_body(err), "Refresh-Echo-9876") &&
                      lacks(tokenkit_error_body(err), encoded[k]), "%s: refresh token leaked", paths[i]);
            tokenkit_error_free(err);
            tokenkit_request_options_free(o);
            tokenkit_client_free(client);
        }
    }
}

/* Shapes real servers send that must be accepted. */
static void test_tolerated_responses(void) {
    struct { const char *path; const char *access_token; const char *token_type; int has_expires; int64_t expires_in; const char *scope; } cases[] = {
        {"/fault/nest", "c.twC2qmock", "Bearer", 1, 315360000, NULL},
        {"/fault/form", "gho_mock", "Bearer", 0, 0, "repo,gist"},
        {"/fault/textplain", "gho_mock", "Bearer", 0, 0, "repo,gist"},
        {"/fault/string-expires", "az-mock", "Bearer", 1, 3599, NULL},
        {"/fault/null-expires", "n-mock", "Bearer", 0, 0, NULL},
        {"/fault/created", "created-mock", "Bearer", 1, 120, NULL},
        {"/fault/gzip", "gz-mock", "Bearer", 1, 300, "a b"},
        {"/fault/extra-fields", "x-mock", "Bearer", 1, 3600, "openid profile"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        const char *code = fresh_code();
        tokenkit_status s = exchange_at(cases[i].path, code, NULL, &token, &err);
        /* Whatever the failure, the request's code and client secret appear in no error text. */
        CHECK(lacks(msg(err), code) && lacks(tokenkit_error_body(err), code), "%s: the code in the error", cases[i].path);
        CHECK(lacks(msg(err), "demo-secret") && lacks(tokenkit_error_body(err), "demo-secret"), "%s: the secret in the error",
              cases[i].path);
        CHECK(s == 0, "%s: %s", cases[i].path, msg(err));
        CHECK(str_eq(tokenkit_token_access_token(token), cases[i].access_token), "%s: access_token", cases[i].path);
        CHECK(str_eq(tokenkit_token_token_type(token), cases[i].token_type), "%s: token_type", cases[i].path);
        int64_t expires_in = -7;
        uint8_t has = tokenkit_token_expires_in(token, &expires_in);
        CHECK(has == cases[i].has_expires && (!has || expires_in == cases[i].expires_in), "%s: expires_in %d %lld",
              cases[i].path, has, (long long)expires_in);
        if (cases[i].scope) CHECK(str_eq(tokenkit_token_scope(token), cases[i].scope), "%s: scope", cases[i].path);
        tokenkit_token_free(token);
        tokenkit_error_free(err);
    }
    tokenkit_token *token = NULL;
    exchange_at("/fault/extra-fields", fresh_code(), NULL, &token, NULL);
    CHECK(str_eq(tokenkit_token_id_token(token), "eyJhbGciOiJub25lIn0.e30."), "id_token");
    CHECK(contains(tokenkit_token_json(token), "\"custom\":{\"nested\":[1,2]}"), "raw json keeps custom fields");
    tokenkit_token_free(token);
}

/* A 30x from the token endpoint is reported, not followed: the target never sees the request. */
static void test_redirect_not_followed(void) {
    char code[64];
    snprintf(code, sizeof code, "%s", fresh_code());
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = exchange_at("/fault/redirect", code, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == 307, "redirect: %d %s", s, msg(err));
    tokenkit_error_free(err);
    err = NULL;
    s = exchange_at("/token", code, NULL, &token, &err);
    CHECK(s == 0, "the code reached /token through the redirect: %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_error_free(err);

    const int statuses[] = {301, 302, 303, 307, 308};
    for (int i = 0; i < 5; i++) {
        char target[128], path[192];
        snprintf(target, sizeof target, "/redirect-target-%d-%ld", statuses[i], (long)getpid());
        snprintf(path, sizeof path, "/fault/redirect/%d%s", statuses[i], target);
        tokenkit_client *client = demo_client(path);
        err = NULL;
        token = NULL;
        s = tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err);
        CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == statuses[i], "%d: %s %d (%s)",
              statuses[i], tokenkit_status_name(s), tokenkit_error_http_status(err), msg(err));
        tokenkit_error_free(err);
        err = NULL;
        s = tokenkit_client_refresh(client, "rt-redirected", NULL, &token, &err);
        CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == statuses[i], "%d refresh: %s", statuses[i],
              tokenkit_status_name(s));
        tokenkit_error_free(err);
        CHECK(path_hits(path) == 2, "%d: the redirect endpoint saw %ld requests", statuses[i], path_hits(path));
        CHECK(path_hits(target) == 0, "%d: the redirect target was hit %ld times", statuses[i], path_hits(target));
        tokenkit_client_free(client);
    }
}

static void test_timeouts(void) {
    const char *paths[] = {"/fault/slow", "/fault/hang"};
    for (int i = 0; i < 2; i++) {
        tokenkit_client *client = make_client(url(paths[i]), "demo-client", "demo-secret",
                                              TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 1500);
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        double start = now_s();
        const char *code = fresh_code();
        tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
        double took = now_s() - start;
        CHECK(s == TOKENKIT_STATUS_TIMEOUT, "%s: status %s (%s)", paths[i], tokenkit_status_name(s), msg(err));
        CHECK(lacks(msg(err), code) && lacks(msg(err), "demo-secret"), "%s: a secret in the message", paths[i]);
        /* Generous bound: valgrind is slow, but a drip of 64 bytes at 1/s would take 64 s. */
        CHECK(took >= 1.4 && took < 10.0, "%s: took %.1f s for a 1.5 s timeout", paths[i], took);
        /* The message names the endpoint: host:port and path. */
        CHECK(contains(msg(err), server + 7) && contains(msg(err), paths[i]), "%s: message %s", paths[i], msg(err));
        tokenkit_error_free(err);
        tokenkit_client_free(client);
    }

    /* A bound per attempt leaves room for retries inside the call's deadline. */
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, url("/fault/hang"), &err);
    if (!s) s = tokenkit_config_set_client_id(config, "demo-client", &err);
    if (!s) s = tokenkit_config_set_client_secret(config, "demo-secret", &err);
    if (!s) s = tokenkit_config_set_timeout_ms(config, 30000, &err);
    if (!s) s = tokenkit_config_set_attempt_timeout_ms(config, 400, &err);
    if (!s) s = tokenkit_config_set_retry(config, 2, 10, 20, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "attempt-timeout client: %s", msg(err));
    tokenkit_config_free(config);
    long before = path_hits("/fault/hang");
    tokenkit_token *token = NULL;
    double start = now_s();
    s = tokenkit_client_client_credentials(client, NULL, &token, &err);
    double took = now_s() - start;
    CHECK(s == TOKENKIT_STATUS_TIMEOUT, "attempt timeout: %s (%s)", tokenkit_status_name(s), msg(err));
    CHECK(took >= 1.1 && took < 8.0, "three attempts of 0.4 s took %.1f s", took);
    CHECK(path_hits("/fault/hang") - before == 3, "attempts %ld", path_hits("/fault/hang") - before);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_client_free(client);

    /* The call's deadline covers the waits between retries: Retry-After: 1 five times cannot fit in 1.5 s. */
    char path[128];
    snprintf(path, sizeof path, "/flaky429/5/deadline-%ld/token", (long)getpid());
    config = tokenkit_config_new();
    s = tokenkit_config_set_token_endpoint(config, url(path), &err);
    if (!s) s = tokenkit_config_set_client_id(config, "demo-client", &err);
    if (!s) s = tokenkit_config_set_client_secret(config, "demo-secret", &err);
    if (!s) s = tokenkit_config_set_timeout_ms(config, 1500, &err);
    if (!s) s = tokenkit_config_set_retry(config, 5, 100, 5000, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    tokenkit_config_free(config);
    start = now_s();
    s = tokenkit_client_client_credentials(client, NULL, &token, &err);
    took = now_s() - start;
    CHECK(s == TOKENKIT_STATUS_TIMEOUT || (s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == 429),
          "retries past the deadline: %s (%s)", tokenkit_status_name(s), msg(err));
    CHECK(took < 3.0, "retries stretched a 1.5 s deadline to %.1f s", took);
    CHECK(path_hits(path) < 5, "%ld attempts", path_hits(path));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* ---- cancellation: a tokenkit_cancel raised by another thread stops a request in flight ---- */

struct canceller { const tokenkit_cancel *cancel; double after; pthread_t thread; };

static void *cancel_main(void *arg) {
    struct canceller *c = arg;
    sleep_s(c->after);
    tokenkit_cancel_trigger(c->cancel);
    return NULL;
}

/* A client whose every endpoint hangs, with a 30 s deadline. */
static tokenkit_client *hanging_client(const char *path) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, url(path), &err);
    if (!s) s = tokenkit_config_set_revocation_endpoint(config, url(path), &err);
    if (!s) s = tokenkit_config_set_introspection_endpoint(config, url(path), &err);
    if (!s) s = tokenkit_config_set_client_id(config, "demo-client", &err);
    if (!s) s = tokenkit_config_set_client_secret(config, "demo-secret", &err);
    if (!s) s = tokenkit_config_set_timeout_ms(config, 30000, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "hanging client: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

typedef tokenkit_status (*network_call)(const tokenkit_client *client, const tokenkit_request_options *o, tokenkit_error **err);

static tokenkit_status call_exchange(const tokenkit_client *c, const tokenkit_request_options *o, tokenkit_error **err) {
    tokenkit_token *t = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(c, fresh_code(), o, &t, err);
    tokenkit_token_free(t);
    return s;
}
static tokenkit_status call_refresh(const tokenkit_client *c, const tokenkit_request_options *o, tokenkit_error **err) {
    tokenkit_token *t = NULL;
    tokenkit_status s = tokenkit_client_refresh(c, "rt-cancel", o, &t, err);
    tokenkit_token_free(t);
    return s;
}
static tokenkit_status call_cc(const tokenkit_client *c, const tokenkit_request_options *o, tokenkit_error **err) {
    tokenkit_token *t = NULL;
    tokenkit_status s = tokenkit_client_client_credentials(c, o, &t, err);
    tokenkit_token_free(t);
    return s;
}
static tokenkit_status call_revoke(const tokenkit_client *c, const tokenkit_request_options *o, tokenkit_error **err) {
    return tokenkit_client_revoke(c, "at-cancel", o, err);
}
static tokenkit_status call_introspect(const tokenkit_client *c, const tokenkit_request_options *o, tokenkit_error **err) {
    tokenkit_introspection *i = NULL;
    tokenkit_status s = tokenkit_client_introspect(c, "at-cancel", o, &i, err);
    tokenkit_introspection_free(i);
    return s;
}

static void test_cancel(void) {
    struct { const char *name; network_call call; const char *path; } calls[] = {
        {"exchange (hang)", call_exchange, "/fault/hang"},
        {"exchange (slow)", call_exchange, "/fault/slow"},
        {"refresh", call_refresh, "/fault/hang"},
        {"client credentials", call_cc, "/fault/hang"},
        {"revoke", call_revoke, "/fault/hang"},
        {"introspect", call_introspect, "/fault/hang"},
        /* Held by the server for 30 s unless a second request comes. */
        {"client credentials (held)", call_cc, NULL},
    };
    char held[128];
    snprintf(held, sizeof held, "/held/2/30000/cancel-%ld/token", (long)getpid());
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        tokenkit_client *client = hanging_client(calls[i].path ? calls[i].path : held);
        tokenkit_cancel *cancel = tokenkit_cancel_new();
        tokenkit_request_options *o = tokenkit_request_options_new();
        CHECK(cancel && o && tokenkit_request_options_set_cancel(o, cancel, NULL) == 0, "set_cancel");
        struct canceller c = {cancel, 0.2, 0};
        pthread_create(&c.thread, NULL, cancel_main, &c);
        tokenkit_error *err = NULL;
        double start = now_s();
        tokenkit_status s = calls[i].call(client, o, &err);
        double took = now_s() - start;
        pthread_join(c.thread, NULL);
        CHECK(s == TOKENKIT_STATUS_CANCELLED && tokenkit_error_kind(err) == TOKENKIT_STATUS_CANCELLED,
              "%s: %s after %.2f s (%s)", calls[i].name, tokenkit_status_name(s), took, msg(err));
        CHECK(took >= 0.15 && took < 1.0, "%s: cancelled after %.2f s (trigger at 0.2 s, 30 s deadline)", calls[i].name, took);
        CHECK(strlen(msg(err)) > 0 && tokenkit_error_http_status(err) == 0, "%s: message", calls[i].name);
        tokenkit_error_free(err);

        /* The flag stays raised: the next call with it fails at once, before any request. */
        long before = path_hits(calls[i].path ? calls[i].path : held);
        err = NULL;
        start = now_s();
        s = calls[i].call(client, o, &err);
        CHECK(s == TOKENKIT_STATUS_CANCELLED && now_s() - start < 0.5, "%s again: %s", calls[i].name, tokenkit_status_name(s));
        CHECK(path_hits(calls[i].path ? calls[i].path : held) == before, "%s: a cancelled call sent a request", calls[i].name);
        tokenkit_error_free(err);
        tokenkit_request_options_free(o);
        tokenkit_cancel_free(cancel);
        tokenkit_client_free(client);
    }

    /* The options keep their own reference: the caller's may be freed once handed over. */
    tokenkit_cancel *cancel = tokenkit_cancel_new();
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_cancel_trigger(cancel);
    tokenkit_cancel_trigger(cancel); /* any number of times */
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    tokenkit_cancel_free(cancel);
    tokenkit_client *client = demo_client("/token");
    tokenkit_error *err = NULL;
    CHECK(call_cc(client, o, &err) == TOKENKIT_STATUS_CANCELLED, "cancel freed after set: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    /* Discovery too: of the options only the flag applies. */
    tokenkit_config *config = tokenkit_config_new();
    CHECK(tokenkit_config_discover(config, server, o, NULL, &err) == TOKENKIT_STATUS_CANCELLED, "discover cancelled: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_config_free(config);
    tokenkit_request_options_free(o);

    /* A raised flag also ends a wait between retries (Retry-After: 1). */
    char path[128];
    snprintf(path, sizeof path, "/flaky429/3/cancel-wait-%ld/token", (long)getpid());
    tokenkit_client_free(client);
    client = make_client(url(path), "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 30000);
    cancel = tokenkit_cancel_new();
    o = tokenkit_request_options_new();
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    struct canceller c = {cancel, 0.3, 0};
    pthread_create(&c.thread, NULL, cancel_main, &c);
    double start = now_s();
    tokenkit_status s = call_cc(client, o, &err);
    double took = now_s() - start;
    pthread_join(c.thread, NULL);
    CHECK(s == TOKENKIT_STATUS_CANCELLED && took < 1.0, "cancel in a retry wait: %s after %.2f s", tokenkit_status_name(s), took);
    tokenkit_error_free(err);
    tokenkit_request_options_free(o);
    tokenkit_cancel_free(cancel);
    tokenkit_client_free(client);

    tokenkit_cancel_trigger(NULL);
    tokenkit_cancel_free(NULL);
}

static void test_transport_errors(void) {
    int port = unused_loopback_port();
    char closed[128], hostport[64];
    snprintf(closed, sizeof closed, "http://127.0.0.1:%d/token", port);
    snprintf(hostport, sizeof hostport, "127.0.0.1:%d", port);
    tokenkit_client *client = make_client(closed, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    const char *code = fresh_code();
    tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TRANSPORT_ERROR, "refused: %s (%s)", tokenkit_status_name(s), msg(err));
    CHECK(lacks(msg(err), code) && lacks(msg(err), "demo-secret"), "refused: a secret in the message");
    CHECK(tokenkit_error_http_status(err) == 0, "no http status");
    CHECK(contains(msg(err), hostport) && contains(msg(err), "/token"), "message names the endpoint");
    CHECK(tokenkit_error_body(err) == NULL && tokenkit_error_oauth_error(err) == NULL, "no body");
    tokenkit_error_free(err);
    tokenkit_client_free(client);

    /* HTTPS to a plain-HTTP server fails the TLS handshake. */
    char https[512];
    snprintf(https, sizeof https, "https%s/token", server + 4);
    client = make_client(https, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 5000);
    err = NULL;
    s = tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TLS_ERROR, "tls: %s (%s)", tokenkit_status_name(s), msg(err));
    CHECK(contains(msg(err), server + 7), "TLS message names host:port");
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* A real HTTPS endpoint on loopback, trusted only through the extra CA file. */
static void test_tls_with_ca_file(void) {
    const char *tls_url = getenv("TOKENKIT_TEST_TLS_URL");
    const char *ca_file = getenv("TOKENKIT_TEST_CA_FILE");
    CHECK(tls_url && ca_file, "TOKENKIT_TEST_TLS_URL and TOKENKIT_TEST_CA_FILE must be set");
    if (!tls_url || !ca_file) return;
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;

    tokenkit_client *untrusted = make_client(tls_url, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 5000);
    tokenkit_status s = tokenkit_client_exchange_code(untrusted, fresh_code(), NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TLS_ERROR, "unknown CA: %s (%s)", tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_client_free(untrusted);

    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    s = tokenkit_config_set_token_endpoint(config, tls_url, &err);
    if (!s) s = tokenkit_config_set_client_id(config, "demo-client", &err);
    if (!s) s = tokenkit_config_set_client_secret(config, "demo-secret", &err);
    if (!s) s = tokenkit_config_add_ca_file(config, ca_file, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "config with CA: %s", msg(err));
    s = tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err);
    CHECK(s == 0, "TLS exchange: %s", msg(err));
    CHECK(starts_with(tokenkit_token_access_token(token), "tls-"), "TLS token");
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
}

/* http:// is for loopback only, and exactly: 127.0.0.0/8, [::1], `localhost`. Checked by the setter. */
static void test_loopback_policy(void) {
    const char *insecure[] = {"http://example.com/token", "http://localhost./token", "http://localhost.example.com/token",
                              "http://127.0.0.1.nip.io/token", "http://0x7f.example/token", "http://[::2]/token"};
    tokenkit_config *config = tokenkit_config_new();
    for (size_t i = 0; i < sizeof insecure / sizeof insecure[0]; i++) {
        tokenkit_error *err = NULL;
        tokenkit_status s = tokenkit_config_set_token_endpoint(config, insecure[i], &err);
        CHECK(s == TOKENKIT_STATUS_INSECURE && tokenkit_error_kind(err) == TOKENKIT_STATUS_INSECURE, "%s: %s (%s)",
              insecure[i], tokenkit_status_name(s), msg(err));
        tokenkit_error_free(err);
    }
    const char *loopback[] = {"http://127.0.0.1:1/token", "http://127.1.2.3:1/token", "http://[::1]:1/token",
                              "http://localhost:1/token", "https://example.com/token"};
    for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++) {
        tokenkit_error *err = NULL;
        CHECK(tokenkit_config_set_token_endpoint(config, loopback[i], &err) == 0, "%s: %s", loopback[i], msg(err));
        tokenkit_error_free(err);
    }
    tokenkit_error *err = NULL;
    CHECK(tokenkit_config_set_revocation_endpoint(config, "http://example.com/revoke", &err) == TOKENKIT_STATUS_INSECURE,
          "revocation endpoint policy");
    tokenkit_error_free(err);
    tokenkit_config_free(config);

    /* `localhost` is resolved by tokenkit itself, to the loopback address the server is on. */
    char local[512];
    snprintf(local, sizeof local, "http://localhost:%s/token", strrchr(server, ':') + 1);
    tokenkit_client *client = make_client(local, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 5000);
    tokenkit_token *token = NULL;
    err = NULL;
    CHECK(tokenkit_client_exchange_code(client, fresh_code(), NULL, &token, &err) == 0, "localhost exchange: %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

static void expect_invalid(tokenkit_status s, tokenkit_error *err, const char *names, int line) {
    int ok = s == TOKENKIT_STATUS_INVALID_ARGUMENT && tokenkit_error_kind(err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
             strstr(tokenkit_error_message(err), names) != NULL;
    if (ok) passed++;
    else {
        failed++;
        fprintf(stderr, "FAIL line %d: want INVALID_ARGUMENT naming %s, got %s: %s\n", line, names,
                tokenkit_status_name(s), msg(err));
    }
    tokenkit_error_free(err);
}
#define EXPECT_INVALID(call, names)              \
    do {                                         \
        tokenkit_error *e_ = NULL;               \
        tokenkit_status s_ = call;               \
        expect_invalid(s_, e_, names, __LINE__); \
    } while (0)

static void test_bad_input(void) {
    tokenkit_token *token = NULL;
    tokenkit_client *client = NULL;
    tokenkit_config *config = tokenkit_config_new();
    const char *bad_utf8 = "\xff\xfe";

    EXPECT_INVALID(tokenkit_config_set_token_endpoint(NULL, "https://e/t", &e_), "config");
    EXPECT_INVALID(tokenkit_config_set_token_endpoint(config, NULL, &e_), "token_endpoint");
    EXPECT_INVALID(tokenkit_config_set_token_endpoint(config, bad_utf8, &e_), "token_endpoint is not valid UTF-8");
    EXPECT_INVALID(tokenkit_config_set_token_endpoint(config, "not a url", &e_), "token_endpoint is not a valid URL");
    EXPECT_INVALID(tokenkit_config_set_token_endpoint(config, "https://e/t#frag", &e_), "token_endpoint");
    EXPECT_INVALID(tokenkit_config_set_token_endpoint(config, "https://user:pw@e/t", &e_), "token_endpoint");
    EXPECT_INVALID(tokenkit_config_set_client_id(config, "", &e_), "client_id is empty");
    EXPECT_INVALID(tokenkit_config_set_client_id(config, NULL, &e_), "client_id is NULL");
    EXPECT_INVALID(tokenkit_config_set_client_secret(config, bad_utf8, &e_), "client_secret");
    EXPECT_INVALID(tokenkit_config_set_auth_method(config, 7, &e_), "auth_method");
    EXPECT_INVALID(tokenkit_config_set_auth_method(config, -1, &e_), "auth_method");
    EXPECT_INVALID(tokenkit_config_set_timeout_ms(config, 0, &e_), "timeout must be greater than zero");
    EXPECT_INVALID(tokenkit_config_set_timeout_ms(config, -1, &e_), "timeout");
    EXPECT_INVALID(tokenkit_config_set_connect_timeout_ms(config, 0, &e_), "connect_timeout");
    EXPECT_INVALID(tokenkit_config_set_connect_timeout_ms(config, -5, &e_), "connect_timeout");
    EXPECT_INVALID(tokenkit_config_set_attempt_timeout_ms(config, 0, &e_), "timeout");
    EXPECT_INVALID(tokenkit_config_set_attempt_timeout_ms(config, -1, &e_), "timeout");
    EXPECT_INVALID(tokenkit_config_set_max_response_bytes(config, 0, &e_), "max_response_bytes");
    EXPECT_INVALID(tokenkit_config_set_max_response_bytes(config, -1, &e_), "max_response_bytes");
    EXPECT_INVALID(tokenkit_config_set_max_idle_connections_per_host(config, 0, &e_), "idle");
    EXPECT_INVALID(tokenkit_config_set_max_idle_connections_per_host(config, -3, &e_), "idle");
    EXPECT_INVALID(tokenkit_config_set_retry(config, -1, 200, 1000, &e_), "retries");
    EXPECT_INVALID(tokenkit_config_set_retry(config, 3, -1, 1000, &e_), "delay");
    EXPECT_INVALID(tokenkit_config_set_retry(config, 3, 500, 100, &e_), "delay");
    EXPECT_INVALID(tokenkit_config_set_revocation_style(config, 5, &e_), "revocation style");
    EXPECT_INVALID(tokenkit_config_set_user_agent(config, "a\r\nX-Evil: 1", &e_), "user_agent");
    EXPECT_INVALID(tokenkit_config_set_user_agent(config, NULL, &e_), "user_agent");
    EXPECT_INVALID(tokenkit_config_add_ca_file(config, "/nonexistent.pem", &e_), "ca_file");
    EXPECT_INVALID(tokenkit_config_apply_preset(config, "bogus", NULL, &e_), "preset");
    EXPECT_INVALID(tokenkit_config_discover(NULL, "https://e", NULL, NULL, &e_), "config is NULL");
    EXPECT_INVALID(tokenkit_config_discover(config, NULL, NULL, NULL, &e_), "issuer");
    EXPECT_INVALID(tokenkit_client_new(NULL, &client, &e_), "config is NULL");
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "client_id is empty");
    CHECK(client == NULL, "client written on failure");
    /* Valid values are taken (0 retries turns retrying off; skew 0 is a real value). */
    CHECK(tokenkit_config_set_retry(config, 0, 0, 0, NULL) == 0, "retry 0");
    CHECK(tokenkit_config_set_max_idle_connections_per_host(config, 1, NULL) == 0, "idle 1");
    CHECK(tokenkit_config_set_attempt_timeout_ms(config, 1000, NULL) == 0, "attempt timeout");

    /* client_new checks client_id, then the secret against the method, then the token endpoint. */
    CHECK(tokenkit_config_set_client_id(config, "demo-client", NULL) == 0, "err may be NULL");
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "client_secret is required");
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_config_set_auth_method(config, TOKENKIT_AUTH_METHOD_NONE, NULL);
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "client_secret");
    tokenkit_config_set_auth_method(config, TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, NULL);
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "token_endpoint");
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    EXPECT_INVALID(tokenkit_client_new(config, NULL, &e_), "out is NULL");
    CHECK(tokenkit_client_new(config, &client, NULL) == 0, "client_new");
    tokenkit_config_free(config);

    /* A client with only the endpoint its calls use (Hydra's introspection sits on its admin port,
     * in no metadata): made without a token endpoint; a grant then names the one it lacks. */
    tokenkit_config *only = tokenkit_config_new();
    tokenkit_config_set_client_id(only, "demo-client", NULL);
    tokenkit_config_set_client_secret(only, "demo-secret", NULL);
    tokenkit_config_set_introspection_endpoint(only, url("/introspect"), NULL);
    tokenkit_client *introspector = NULL;
    tokenkit_error *only_err = NULL;
    CHECK(tokenkit_client_new(only, &introspector, &only_err) == 0, "introspection-only client: %s", msg(only_err));
    tokenkit_introspection *info = NULL;
    CHECK(tokenkit_client_introspect(introspector, "not-a-token", NULL, &info, &only_err) == 0 && info &&
              !tokenkit_introspection_active(info),
          "introspection-only client introspects: %s", msg(only_err));
    tokenkit_introspection_free(info);
    tokenkit_token *none = NULL;
    long token_hits = path_hits("/token");
    EXPECT_INVALID(tokenkit_client_exchange_code(introspector, "c", NULL, &none, &e_), "token_endpoint");
    CHECK(none == NULL && path_hits("/token") == token_hits, "a grant without a token endpoint sent a request");
    tokenkit_client_free(introspector);
    tokenkit_config_free(only);

    EXPECT_INVALID(tokenkit_client_exchange_code(NULL, "c", NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, NULL, NULL, &token, &e_), "code is NULL");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "", NULL, &token, &e_), "code is empty");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, bad_utf8, NULL, &token, &e_), "code is not valid UTF-8");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "c", NULL, NULL, &e_), "out is NULL");
    EXPECT_INVALID(tokenkit_client_refresh(client, NULL, NULL, &token, &e_), "refresh_token is NULL");
    EXPECT_INVALID(tokenkit_client_refresh(NULL, "r", NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_client_client_credentials(NULL, NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, NULL, NULL, &e_), "out is NULL");
    EXPECT_INVALID(tokenkit_client_revoke(client, NULL, NULL, &e_), "token is NULL");
    EXPECT_INVALID(tokenkit_client_introspect(client, "t", NULL, NULL, &e_), "out is NULL");

    tokenkit_exchange_request req = {.token_endpoint = url("/token"), .code = "c", .client_id = "id", .client_secret = "s"};
    EXPECT_INVALID(tokenkit_exchange_code(NULL, &token, &e_), "request is NULL");
    req.token_endpoint = NULL;
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "token_endpoint is NULL");
    req.token_endpoint = "::";
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "token_endpoint");
    req.token_endpoint = url("/token");
    req.client_id = "";
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "client_id is empty");
    req.client_id = NULL;
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "client_id is NULL");
    req.client_id = "id";
    req.code = NULL;
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "code is NULL");
    req.code = "c";
    req.client_secret = bad_utf8;
    EXPECT_INVALID(tokenkit_exchange_code(&req, &token, &e_), "client_secret");
    req.client_secret = "s";
    EXPECT_INVALID(tokenkit_exchange_code(&req, NULL, &e_), "out is NULL");

    /* Request options: each setter checks its value... */
    tokenkit_request_options *o = tokenkit_request_options_new();
    CHECK(o != NULL, "request_options_new");
    EXPECT_INVALID(tokenkit_request_options_set_scope(NULL, "s", &e_), "options is NULL");
    EXPECT_INVALID(tokenkit_request_options_set_scope(o, NULL, &e_), "scope is NULL");
    EXPECT_INVALID(tokenkit_request_options_set_scope(o, bad_utf8, &e_), "scope is not valid UTF-8");
    EXPECT_INVALID(tokenkit_request_options_set_redirect_uri(o, "", &e_), "redirect_uri is empty");
    EXPECT_INVALID(tokenkit_request_options_set_redirect_uri(o, bad_utf8, &e_), "redirect_uri");
    EXPECT_INVALID(tokenkit_request_options_set_code_verifier(o, "short", &e_), "code_verifier");
    EXPECT_INVALID(tokenkit_request_options_set_code_verifier(o, NULL, &e_), "code_verifier");
    EXPECT_INVALID(tokenkit_request_options_set_token_type_hint(o, "", &e_), "token_type_hint is empty");
    EXPECT_INVALID(tokenkit_request_options_add_param(NULL, "a", "b", &e_), "options is NULL");
    EXPECT_INVALID(tokenkit_request_options_add_param(o, NULL, "b", &e_), "name is NULL");
    EXPECT_INVALID(tokenkit_request_options_add_param(o, "", "b", &e_), "name is empty");
    EXPECT_INVALID(tokenkit_request_options_add_param(o, "a", bad_utf8, &e_), "value");
    EXPECT_INVALID(tokenkit_request_options_add_param(o, "a", NULL, &e_), "value is NULL");
    EXPECT_INVALID(tokenkit_request_options_set_cancel(o, NULL, &e_), "cancel is NULL");
    /* ...and a name tokenkit sets itself is refused when the request is made. */
    CHECK(tokenkit_request_options_add_param(o, "grant_type", "password", NULL) == 0, "add");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, o, &token, &e_), "grant_type");
    tokenkit_request_options_free(o);
    CHECK(token == NULL, "token written on failure");
    tokenkit_client_free(client);

    /* Sign-in, device and source options. */
    tokenkit_sign_in_options *si = tokenkit_sign_in_options_new();
    EXPECT_INVALID(tokenkit_sign_in_options_set_open_url(si, NULL, NULL, &e_), "open_url is NULL");
    EXPECT_INVALID(tokenkit_sign_in_options_set_port(si, -1, &e_), "port");
    EXPECT_INVALID(tokenkit_sign_in_options_set_port(si, 65536, &e_), "port");
    EXPECT_INVALID(tokenkit_sign_in_options_set_timeout_ms(si, 0, &e_), "timeout");
    EXPECT_INVALID(tokenkit_sign_in_options_set_timeout_ms(si, -1, &e_), "timeout");
    EXPECT_INVALID(tokenkit_sign_in_options_set_scope(si, NULL, &e_), "scope is NULL");
    EXPECT_INVALID(tokenkit_sign_in_options_add_param(si, "", "v", &e_), "name is empty");
    EXPECT_INVALID(tokenkit_sign_in_options_set_cancel(si, NULL, &e_), "cancel is NULL");
    EXPECT_INVALID(tokenkit_sign_in_options_set_port(NULL, 0, &e_), "options is NULL");
    CHECK(tokenkit_sign_in_options_set_port(si, 65535, NULL) == 0 && tokenkit_sign_in_options_set_port(si, 0, NULL) == 0, "ports");
    tokenkit_sign_in_options_free(si);
    tokenkit_device_options *d = tokenkit_device_options_new();
    EXPECT_INVALID(tokenkit_device_options_set_on_prompt(d, NULL, NULL, &e_), "on_prompt is NULL");
    EXPECT_INVALID(tokenkit_device_options_set_scope(d, bad_utf8, &e_), "scope");
    EXPECT_INVALID(tokenkit_device_options_add_param(d, NULL, "v", &e_), "name is NULL");
    EXPECT_INVALID(tokenkit_device_options_set_cancel(d, NULL, &e_), "cancel is NULL");
    EXPECT_INVALID(tokenkit_device_options_set_pkce(NULL, 1, &e_), "options is NULL");
    CHECK(tokenkit_device_options_set_pkce(d, 1, NULL) == 0, "pkce");
    tokenkit_device_options_free(d);
    tokenkit_source_options *so = tokenkit_source_options_new();
    EXPECT_INVALID(tokenkit_source_options_set_skew_ms(so, -1, &e_), "skew");
    EXPECT_INVALID(tokenkit_source_options_set_on_change(so, NULL, NULL, &e_), "on_change is NULL");
    EXPECT_INVALID(tokenkit_source_options_set_refresh_token(so, NULL, &e_), "refresh_token is NULL");
    EXPECT_INVALID(tokenkit_source_options_set_skew_ms(NULL, 0, &e_), "options is NULL");
    CHECK(tokenkit_source_options_set_skew_ms(so, 0, NULL) == 0, "skew 0 is a real value");
    tokenkit_source_options_free(so);

    /* Accessors and frees take NULL. */
    CHECK(tokenkit_token_access_token(NULL) == NULL && tokenkit_token_json(NULL) == NULL, "NULL token accessors");
    CHECK(tokenkit_token_token_type(NULL) == NULL && tokenkit_token_refresh_token(NULL) == NULL &&
              tokenkit_token_scope(NULL) == NULL && tokenkit_token_id_token(NULL) == NULL, "NULL token accessors");
    CHECK(tokenkit_error_message(NULL) != NULL && tokenkit_error_http_status(NULL) == 0, "NULL error accessors");
    CHECK(tokenkit_error_kind(NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL error kind");
    CHECK(tokenkit_error_oauth_error(NULL) == NULL && tokenkit_error_body(NULL) == NULL, "NULL error oauth");
    CHECK(tokenkit_error_oauth_error_description(NULL) == NULL && tokenkit_error_oauth_error_uri(NULL) == NULL, "NULL error");
    CHECK(tokenkit_authorization_url(NULL) == NULL && tokenkit_authorization_state(NULL) == NULL &&
              tokenkit_authorization_code_verifier(NULL) == NULL, "NULL authorization");
    CHECK(tokenkit_device_authorization_user_code(NULL) == NULL && tokenkit_device_authorization_verification_uri(NULL) == NULL &&
              tokenkit_device_authorization_verification_uri_complete(NULL) == NULL, "NULL device authorization");
    CHECK(tokenkit_introspection_json(NULL) == NULL && tokenkit_introspection_scope(NULL) == NULL &&
              tokenkit_introspection_client_id(NULL) == NULL && tokenkit_introspection_sub(NULL) == NULL &&
              tokenkit_introspection_username(NULL) == NULL && tokenkit_introspection_token_type(NULL) == NULL,
          "NULL introspection");
    tokenkit_token_free(NULL);
    tokenkit_error_free(NULL);
    tokenkit_client_free(NULL);
    tokenkit_config_free(NULL);
    tokenkit_request_options_free(NULL);
    tokenkit_sign_in_options_free(NULL);
    tokenkit_device_options_free(NULL);
    tokenkit_source_options_free(NULL);
    tokenkit_source_free(NULL);
    tokenkit_authorization_free(NULL);
    tokenkit_device_authorization_free(NULL);
    tokenkit_introspection_free(NULL);
    tokenkit_string_free(NULL);
}

/* A setting a call does not use is a mistake, refused with INVALID_ARGUMENT before anything is sent. */
static void test_settings_that_do_not_apply(void) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_authorization_endpoint(config, url("/authorize"), NULL);
    tokenkit_config_set_revocation_endpoint(config, url("/revoke"), NULL);
    tokenkit_config_set_introspection_endpoint(config, url("/introspect"), NULL);
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_client *client = NULL;
    CHECK(tokenkit_client_new(config, &client, NULL) == 0, "client");
    tokenkit_token *token = NULL;
    tokenkit_introspection *info = NULL;
    tokenkit_authorization *auth = NULL;

    enum { SCOPE, REDIRECT, VERIFIER, HINT, PARAM };
    tokenkit_request_options *with[5];
    for (int i = 0; i < 5; i++) with[i] = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(with[SCOPE], "read", NULL);
    tokenkit_request_options_set_redirect_uri(with[REDIRECT], "http://127.0.0.1:9/cb", NULL);
    tokenkit_request_options_set_code_verifier(with[VERIFIER], "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", NULL);
    tokenkit_request_options_set_token_type_hint(with[HINT], "access_token", NULL);
    tokenkit_request_options_add_param(with[PARAM], "audience", "x", NULL);

    const char *code = fresh_code();
    long before = path_hits("/token");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, code, with[SCOPE], &token, &e_), "scope does not apply to a code exchange");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, code, with[HINT], &token, &e_), "token_type_hint does not apply");
    EXPECT_INVALID(tokenkit_client_refresh(client, "rt", with[REDIRECT], &token, &e_), "redirect_uri does not apply to a refresh");
    EXPECT_INVALID(tokenkit_client_refresh(client, "rt", with[VERIFIER], &token, &e_), "code_verifier does not apply");
    EXPECT_INVALID(tokenkit_client_refresh(client, "rt", with[HINT], &token, &e_), "token_type_hint does not apply");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, with[REDIRECT], &token, &e_), "redirect_uri does not apply");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, with[HINT], &token, &e_), "token_type_hint does not apply");
    /* A NULL output is refused before the request: the code is not spent on an answer that
     * could not be handed back. */
    EXPECT_INVALID(tokenkit_client_exchange_code(client, code, NULL, NULL, &e_), "out is NULL");
    EXPECT_INVALID(tokenkit_client_refresh(client, "rt", NULL, NULL, &e_), "out is NULL");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, NULL, NULL, &e_), "out is NULL");
    CHECK(path_hits("/token") == before, "a refused call sent a request");
    long revocations = path_hits("/revoke"), introspections = path_hits("/introspect");
    EXPECT_INVALID(tokenkit_client_revoke(client, "t", with[SCOPE], &e_), "scope does not apply to revocation");
    EXPECT_INVALID(tokenkit_client_revoke(client, "t", with[PARAM], &e_), "params does not apply");
    EXPECT_INVALID(tokenkit_client_introspect(client, "t", with[REDIRECT], &info, &e_), "redirect_uri does not apply to introspection");
    EXPECT_INVALID(tokenkit_client_introspect(client, "t", with[VERIFIER], &info, &e_), "code_verifier does not apply");
    EXPECT_INVALID(tokenkit_client_introspect(client, "t", NULL, NULL, &e_), "out is NULL");
    CHECK(path_hits("/revoke") == revocations && path_hits("/introspect") == introspections, "a refused call sent a request");
    EXPECT_INVALID(tokenkit_client_authorization_request(client, with[HINT], &auth, &e_), "token_type_hint does not apply");
    EXPECT_INVALID(tokenkit_client_authorization_request(client, with[VERIFIER], &auth, &e_), "code_verifier does not apply");
    EXPECT_INVALID(tokenkit_config_discover(config, server, with[SCOPE], NULL, &e_), "scope does not apply to discovery");
    CHECK(token == NULL && info == NULL && auth == NULL, "outputs written on failure");
    /* The code was not spent by the refused exchange. */
    tokenkit_error *err = NULL;
    CHECK(tokenkit_client_exchange_code(client, code, NULL, &token, &err) == 0, "code still unused: %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    for (int i = 0; i < 5; i++) tokenkit_request_options_free(with[i]);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
}

static int32_t refuse_url(void *user_data, const char *u) {
    (void)user_data;
    (void)u;
    return 1;
}
static int32_t refuse_prompt(void *user_data, const tokenkit_device_authorization *a) {
    (void)user_data;
    (void)a;
    return 1;
}

/* Every fallible export, on a failing path, with err = NULL: a status comes back, nothing crashes
 * and nothing leaks (valgrind and LeakSanitizer watch). */
static void test_failures_without_err(void) {
    const char *bad_utf8 = "\xff";
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_token *token = NULL;
    tokenkit_client *client = NULL;
#define FAILS(call, want) CHECK((call) == (want), "%s", #call)
    FAILS(tokenkit_config_set_token_endpoint(config, "http://example.com/t", NULL), TOKENKIT_STATUS_INSECURE);
    FAILS(tokenkit_config_set_authorization_endpoint(config, "nope", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_device_authorization_endpoint(config, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_revocation_endpoint(config, bad_utf8, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_introspection_endpoint(config, "http://example.com/i", NULL), TOKENKIT_STATUS_INSECURE);
    FAILS(tokenkit_config_set_client_id(config, "", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_client_secret(config, bad_utf8, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_auth_method(config, 99, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_connect_timeout_ms(config, -1, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_timeout_ms(config, 0, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_attempt_timeout_ms(config, -1, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_max_response_bytes(config, 0, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_max_idle_connections_per_host(config, 0, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_user_agent(config, "a\nb", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_add_ca_file(config, "/nonexistent.pem", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_revocation_style(config, 9, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_set_retry(config, -1, 0, 0, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_apply_preset(config, "google-nest", NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_config_discover(config, url("/evil"), NULL, NULL, NULL), TOKENKIT_STATUS_PROTOCOL_ERROR);
    FAILS(tokenkit_client_new(config, &client, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_client_new(NULL, &client, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_client_new(config, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);

    /* A client whose every endpoint answers 500, or refuses the code. */
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_authorization_endpoint(config, url("/authorize"), NULL);
    tokenkit_config_set_device_authorization_endpoint(config, url("/fault/500"), NULL);
    tokenkit_config_set_revocation_endpoint(config, url("/fault/500"), NULL);
    tokenkit_config_set_introspection_endpoint(config, url("/fault/500"), NULL);
    tokenkit_config_set_retry(config, 0, 0, 0, NULL);
    CHECK(tokenkit_client_new(config, &client, NULL) == 0, "client");
    const char *code = fresh_code();
    tokenkit_client_exchange_code(client, code, NULL, &token, NULL);
    tokenkit_token_free(token);
    token = NULL;
    FAILS(tokenkit_client_exchange_code(client, code, NULL, &token, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    FAILS(tokenkit_client_refresh(client, "rt-unknown", NULL, &token, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_add_param(o, "client_id", "x", NULL); /* tokenkit sets it itself */
    FAILS(tokenkit_client_client_credentials(client, o, &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_client_revoke(client, "t", NULL, NULL), TOKENKIT_STATUS_HTTP_ERROR);
    tokenkit_introspection *info = NULL;
    FAILS(tokenkit_client_introspect(client, "t", NULL, &info, NULL), TOKENKIT_STATUS_HTTP_ERROR);
    tokenkit_authorization *auth = NULL;
    FAILS(tokenkit_client_authorization_request(client, o, &auth, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    tokenkit_device_authorization *da = NULL;
    FAILS(tokenkit_client_device_authorize(client, NULL, &da, NULL), TOKENKIT_STATUS_HTTP_ERROR);
    FAILS(tokenkit_client_device_poll(client, NULL, NULL, &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_client_device_flow(client, NULL, &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    tokenkit_device_options *d = tokenkit_device_options_new();
    tokenkit_device_options_set_on_prompt(d, refuse_prompt, NULL, NULL);
    FAILS(tokenkit_client_device_flow(client, d, &token, NULL), TOKENKIT_STATUS_HTTP_ERROR);
    FAILS(tokenkit_client_sign_in(client, NULL, &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    tokenkit_sign_in_options *si = tokenkit_sign_in_options_new();
    tokenkit_sign_in_options_set_open_url(si, refuse_url, NULL, NULL);
    FAILS(tokenkit_client_sign_in(client, si, &token, NULL), TOKENKIT_STATUS_CANCELLED);
    tokenkit_exchange_request req = {.token_endpoint = "http://example.com/t", .code = "c", .client_id = "id"};
    FAILS(tokenkit_exchange_code(&req, &token, NULL), TOKENKIT_STATUS_INSECURE);
    req.token_endpoint = url("/fault/malformed");
    FAILS(tokenkit_exchange_code(&req, &token, NULL), TOKENKIT_STATUS_PROTOCOL_ERROR);

    FAILS(tokenkit_request_options_set_scope(o, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_request_options_set_redirect_uri(o, "", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_request_options_set_code_verifier(o, "x", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_request_options_set_token_type_hint(o, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_request_options_add_param(o, "", "v", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_request_options_set_cancel(o, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_set_open_url(si, NULL, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_set_port(si, 70000, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_set_scope(si, bad_utf8, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_add_param(si, NULL, "v", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_set_timeout_ms(si, 0, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_sign_in_options_set_cancel(si, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_device_options_set_on_prompt(d, NULL, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_device_options_set_scope(d, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_device_options_add_param(d, "", "v", NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_device_options_set_pkce(NULL, 1, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_device_options_set_cancel(d, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);

    tokenkit_source_options *so = tokenkit_source_options_new();
    FAILS(tokenkit_source_options_set_skew_ms(so, -1, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_options_set_on_change(so, NULL, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_options_set_refresh_token(so, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    tokenkit_source *source = NULL;
    FAILS(tokenkit_source_new(client, NULL, NULL, &source, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_from_json(client, "{}", NULL, &source, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_token(NULL, &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    char *s = NULL;
    FAILS(tokenkit_source_access_token(NULL, &s, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_refresh(NULL, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_source_to_json(NULL, &s, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    /* A source whose refresh token the server refuses: each call fails on the network path. */
    tokenkit_source_options_set_refresh_token(so, "rt-unknown", NULL);
    CHECK(tokenkit_source_new(client, NULL, so, &source, NULL) == 0, "refresh-token source");
    FAILS(tokenkit_source_token(source, &token, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    FAILS(tokenkit_source_access_token(source, &s, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    int64_t copied = -1;
    FAILS(tokenkit_source_access_token_copy(source, NULL, 0, &copied, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    CHECK(copied == -1, "access_token_copy wrote a length on failure");
    FAILS(tokenkit_source_refresh(source, &token, NULL), TOKENKIT_STATUS_OAUTH_ERROR);
    FAILS(tokenkit_source_to_json(source, NULL, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_token_from_json("{\"access_token\":1}", &token, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_token_to_json(NULL, &s, NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
    FAILS(tokenkit_error_kind(NULL), TOKENKIT_STATUS_INVALID_ARGUMENT);
#undef FAILS
    CHECK(token == NULL && info == NULL && auth == NULL && da == NULL && s == NULL, "outputs written on failure");
    tokenkit_source_free(source);
    tokenkit_source_options_free(so);
    tokenkit_sign_in_options_free(si);
    tokenkit_device_options_free(d);
    tokenkit_request_options_free(o);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
}

#define THREADS 8
#define PER_THREAD 125

struct worker { tokenkit_client *client; const tokenkit_request_options *options; int ok; };

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        if (tokenkit_client_client_credentials(w->client, w->options, &token, &err) == TOKENKIT_STATUS_OK) {
            const char *at = tokenkit_token_access_token(token);
            if (at && !strncmp(at, "at-", 3)) w->ok++;
        }
        tokenkit_token_free(token);
        tokenkit_error_free(err);
    }
    return NULL;
}

static void test_threads_share_one_client(void) {
    tokenkit_client *client = demo_client("/token");
    /* One filled options object shared by every thread. */
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(o, "read", NULL);
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].client = client;
        workers[i].options = o;
        workers[i].ok = 0;
        pthread_create(&threads[i], NULL, worker_main, &workers[i]);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += workers[i].ok;
    }
    CHECK(total == THREADS * PER_THREAD, "%d of %d requests succeeded", total, THREADS * PER_THREAD);
    tokenkit_request_options_free(o);
    tokenkit_client_free(client);
}

int main(void) {
    server = getenv("TOKENKIT_TEST_SERVER");
    if (!server || strncmp(server, "http://127.0.0.1:", 17)) {
        fprintf(stderr, "set TOKENKIT_TEST_SERVER to the mock server's http://127.0.0.1:PORT\n");
        return 2;
    }
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) {
        fprintf(stderr, "libtokenkit has ABI %u, this program was built for %d\n", tokenkit_abi_version(), TOKENKIT_ABI_VERSION);
        return 2;
    }
    test_version();
    test_exchange_success_and_reuse();
    test_borrowed_accessors();
    test_optional_ints();
    test_token_json();
    test_refresh_and_client_credentials();
    test_auth_methods();
    test_wire_format();
    test_one_call();
    test_fault_modes();
    test_secrets_redacted();
    test_tolerated_responses();
    test_redirect_not_followed();
    test_timeouts();
    test_cancel();
    test_transport_errors();
    test_tls_with_ca_file();
    test_loopback_policy();
    test_bad_input();
    test_settings_that_do_not_apply();
    test_failures_without_err();
    test_threads_share_one_client();
    printf("test_abi: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
