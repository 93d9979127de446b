/*
 * The C ABI against the local mock server over a real socket: success, every error kind, NULL and
 * invalid inputs, a dripping server, a redirect that is not followed, an oversize body, TLS with an
 * extra CA, and 8 threads sharing one client for 1,000 requests.
 *
 * Environment: TOKENKIT_TEST_SERVER (http://127.0.0.1:PORT of examples/mock_server.rs),
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

#include "tokenkit.h"
#include "check.h"

static const char *server;
static char url_buf[512];

static const char *url(const char *path) {
    snprintf(url_buf, sizeof url_buf, "%s%s", server, path);
    return url_buf;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A fresh single-use code the mock server accepts once. */
static const char *fresh_code(void) {
    static char buf[64];
    static unsigned counter;
    snprintf(buf, sizeof buf, "code-c-%ld-%u", (long)getpid(), ++counter);
    return buf;
}

static tokenkit_client *make_client(const char *endpoint, const char *id, const char *secret, int method,
                                    uint64_t timeout_ms) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, endpoint, &err);
    if (!s) s = tokenkit_config_set_client_id(config, id, &err);
    if (!s) s = tokenkit_config_set_auth_method(config, method, &err);
    if (!s && secret) s = tokenkit_config_set_client_secret(config, secret, &err);
    if (!s && timeout_ms) s = tokenkit_config_set_timeout_ms(config, timeout_ms, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "make_client(%s): %s", endpoint, tokenkit_error_message(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

static tokenkit_client *demo_client(const char *path) {
    return make_client(url(path), "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
}

/* Exchanges `code` at `path`; returns the status and keeps token/err for inspection. */
static tokenkit_status exchange_at(const char *path, const char *code, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_client *client = demo_client(path);
    tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, NULL, NULL, token, err);
    tokenkit_client_free(client);
    return s;
}

static int str_eq(char *owned, const char *expected) {
    int eq = owned && expected && !strcmp(owned, expected);
    if (!eq) fprintf(stderr, "  got %s, want %s\n", owned ? owned : "(null)", expected ? expected : "(null)");
    tokenkit_string_free(owned);
    return eq;
}

static int starts_with(char *owned, const char *prefix) {
    int ok = owned && !strncmp(owned, prefix, strlen(prefix));
    if (!ok) fprintf(stderr, "  got %s, want prefix %s\n", owned ? owned : "(null)", prefix);
    tokenkit_string_free(owned);
    return ok;
}

static int contains(char *owned, const char *needle) {
    int ok = owned && strstr(owned, needle);
    if (!ok) fprintf(stderr, "  %s does not contain %s\n", owned ? owned : "(null)", needle);
    tokenkit_string_free(owned);
    return ok;
}

static int cstr_eq(const char *borrowed, const char *expected) {
    return borrowed && !strcmp(borrowed, expected);
}

static void test_version(void) {
    CHECK(strlen(tokenkit_version()) > 0, "empty version");
    CHECK(tokenkit_abi_version() == TOKENKIT_ABI_VERSION, "abi %u", tokenkit_abi_version());
    CHECK(cstr_eq(tokenkit_status_name(TOKENKIT_STATUS_OAUTH_ERROR), "oauth_error"), "status name");
    CHECK(cstr_eq(tokenkit_status_name(1234), "unknown"), "unknown status name");
}

static void test_exchange_success_and_reuse(void) {
    const char *code = fresh_code();
    tokenkit_client *client = demo_client("/token");
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    time_t before = time(NULL);
    tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "exchange: %s", tokenkit_error_message(err));
    CHECK(err == NULL, "err written on success");
    CHECK(starts_with(tokenkit_token_access_token(token), "at-"), "access_token");
    CHECK(str_eq(tokenkit_token_token_type(token), "Bearer"), "token_type");
    CHECK(tokenkit_token_expires_in(token) == 3600, "expires_in %lld", (long long)tokenkit_token_expires_in(token));
    int64_t at = tokenkit_token_expires_at(token);
    CHECK(at >= before + 3600 && at <= time(NULL) + 3600, "expires_at %lld", (long long)at);
    CHECK(starts_with(tokenkit_token_refresh_token(token), "rt-"), "refresh_token");
    CHECK(str_eq(tokenkit_token_scope(token), "read"), "scope");
    CHECK(tokenkit_token_id_token(token) == NULL, "no id_token");
    CHECK(contains(tokenkit_token_json(token), "\"access_token\":\"at-"), "json");
    tokenkit_token_free(token);
    tokenkit_error_free(err);

    /* A code is single-use: the server refuses it the second time, as an OAuth error. */
    token = NULL;
    err = NULL;
    s = tokenkit_client_exchange_code(client, code, NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "reuse status %d", s);
    CHECK(token == NULL, "token written on failure");
    CHECK(tokenkit_error_kind(err) == TOKENKIT_STATUS_OAUTH_ERROR, "kind");
    CHECK(cstr_eq(tokenkit_error_oauth_error(err), "invalid_grant"), "oauth error %s", tokenkit_error_oauth_error(err));
    CHECK(cstr_eq(tokenkit_error_oauth_error_description(err), "authorization code was already used"), "description");
    CHECK(tokenkit_error_oauth_error_uri(err) == NULL, "no uri");
    CHECK(tokenkit_error_http_status(err) == 400, "http %d", tokenkit_error_http_status(err));
    CHECK(strstr(tokenkit_error_message(err), "invalid_grant") != NULL, "message %s", tokenkit_error_message(err));
    CHECK(strstr(tokenkit_error_body(err), "invalid_grant") != NULL, "body");
    CHECK(strstr(tokenkit_error_message(err), code) == NULL, "the code leaked into the message");
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

static void test_refresh_and_client_credentials(void) {
    tokenkit_client *client = demo_client("/token");
    tokenkit_token *token = NULL, *refreshed = NULL, *cc = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "exchange: %s", tokenkit_error_message(err));
    char *rt = tokenkit_token_refresh_token(token);
    s = tokenkit_client_refresh(client, rt, NULL, NULL, &refreshed, &err);
    CHECK(s == 0, "refresh: %s", tokenkit_error_message(err));
    CHECK(starts_with(tokenkit_token_access_token(refreshed), "at-"), "refreshed access token");
    CHECK(tokenkit_token_refresh_token(refreshed) == NULL, "server sent no new refresh token");
    s = tokenkit_client_refresh(client, "rt-unknown", NULL, NULL, &refreshed, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && cstr_eq(tokenkit_error_oauth_error(err), "invalid_grant"), "bad refresh %d", s);
    tokenkit_error_free(err);
    err = NULL;

    s = tokenkit_client_client_credentials(client, "read write", NULL, &cc, &err);
    CHECK(s == 0, "client_credentials: %s", tokenkit_error_message(err));
    CHECK(str_eq(tokenkit_token_scope(cc), "read write"), "scope");
    CHECK(tokenkit_token_refresh_token(cc) == NULL, "no refresh token");
    tokenkit_string_free(rt);
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
    tokenkit_status s = tokenkit_client_exchange_code(basic, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "basic: %s", tokenkit_error_message(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(basic);

    tokenkit_client *public_client = make_client(url("/token"), "public-client", NULL, TOKENKIT_AUTH_METHOD_NONE, 0);
    s = tokenkit_client_exchange_code(public_client, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "none: %s", tokenkit_error_message(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(public_client);

    /* A wrong secret is the server's invalid_client, and the secret is in no message. */
    tokenkit_client *wrong = make_client(url("/token"), "demo-client", "WRONG-SECRET-123",
                                         TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    s = tokenkit_client_exchange_code(wrong, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "wrong secret %d", s);
    CHECK(cstr_eq(tokenkit_error_oauth_error(err), "invalid_client"), "invalid_client");
    CHECK(tokenkit_error_http_status(err) == 401, "401");
    CHECK(!strstr(tokenkit_error_message(err), "WRONG-SECRET"), "secret leaked");
    tokenkit_error_free(err);
    tokenkit_client_free(wrong);
}

/* What went over the wire, as the mock server's /echo saw it. */
static void test_wire_format(void) {
    tokenkit_client *client = make_client(url("/echo"), "CLIENT_ID", "CLIENT_SECRET",
                                          TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, "AUTH_CODE", NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "echo: %s", tokenkit_error_message(err));
    char *json = tokenkit_token_json(token);
    CHECK(json && strstr(json, "\"request_body\":\"code=AUTH_CODE&client_id=CLIENT_ID&client_secret=CLIENT_SECRET"
                               "&grant_type=authorization_code\""), "Nest form fields: %s", json);
    CHECK(json && strstr(json, "\"accept\":\"application/json\""), "Accept: %s", json);
    CHECK(json && strstr(json, "\"content_type\":\"application/x-www-form-urlencoded\""), "Content-Type: %s", json);
    CHECK(json && strstr(json, "\"user_agent\":\"tokenkit/"), "User-Agent: %s", json);
    CHECK(json && strstr(json, "\"authorization\":\"\""), "no Authorization header: %s", json);
    tokenkit_string_free(json);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* client_secret_basic: "id:secret" form-encoded, then base64 (RFC 6749 §2.3.1). */
    client = make_client(url("/echo"), "my id", "p@ss:w", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC, 0);
    tokenkit_params *params = tokenkit_params_new();
    CHECK(tokenkit_params_add(params, "resource", "https://api.example", NULL) == 0, "params_add");
    s = tokenkit_client_client_credentials(client, NULL, params, &token, &err);
    CHECK(s == 0, "basic echo: %s", tokenkit_error_message(err));
    json = tokenkit_token_json(token);
    /* base64("my+id:p%40ss%3Aw") */
    CHECK(json && strstr(json, "\"authorization\":\"Basic bXkraWQ6cCU0MHNzJTNBdw==\""), "Basic: %s", json);
    CHECK(json && strstr(json, "\"request_body\":\"grant_type=client_credentials&resource=https%3A%2F%2Fapi.example\""),
          "body: %s", json);
    tokenkit_string_free(json);
    tokenkit_token_free(token);
    tokenkit_params_free(params);
    tokenkit_client_free(client);
}

static void test_one_call(void) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_exchange_code(url("/token"), fresh_code(), "demo-client", "demo-secret", &token, &err);
    CHECK(s == 0, "one call: %s", tokenkit_error_message(err));
    CHECK(starts_with(tokenkit_token_access_token(token), "at-"), "token");
    tokenkit_token_free(token);
    token = NULL;
    s = tokenkit_exchange_code("http://api.home.nest.com/oauth2/access_token", "c", "id", "s", &token, &err);
    CHECK(s == TOKENKIT_STATUS_INSECURE && token == NULL, "insecure one call %d", s);
    CHECK(strstr(tokenkit_error_message(err), "https") != NULL, "insecure message %s", tokenkit_error_message(err));
    tokenkit_error_free(err);
}

/* Each fault mode of the mock server, and the status a C caller sees. */
static void test_fault_modes(void) {
    struct { const char *path; tokenkit_status want; int http; const char *oauth; } cases[] = {
        {"/fault/500", TOKENKIT_STATUS_HTTP_ERROR, 500, NULL},
        {"/fault/503", TOKENKIT_STATUS_HTTP_ERROR, 503, NULL},
        {"/fault/notjson400", TOKENKIT_STATUS_HTTP_ERROR, 400, NULL},
        {"/fault/malformed", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/not-object", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/no-access-token", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/nul", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/oversize", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/oversize-chunked", TOKENKIT_STATUS_PROTOCOL_ERROR, 200, NULL},
        {"/fault/error200", TOKENKIT_STATUS_OAUTH_ERROR, 200, "invalid_grant"},
        {"/fault/nest-error", TOKENKIT_STATUS_OAUTH_ERROR, 400, "oauth2_error"},
        {"/fault/close", TOKENKIT_STATUS_TRANSPORT_ERROR, 0, NULL},
        {"/nothing-here", TOKENKIT_STATUS_OAUTH_ERROR, 404, "not_found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        tokenkit_status s = exchange_at(cases[i].path, fresh_code(), &token, &err);
        CHECK(s == cases[i].want, "%s: status %s, want %s (%s)", cases[i].path, tokenkit_status_name(s),
              tokenkit_status_name(cases[i].want), tokenkit_error_message(err));
        CHECK(token == NULL, "%s: token on failure", cases[i].path);
        CHECK(tokenkit_error_http_status(err) == cases[i].http, "%s: http %d", cases[i].path, tokenkit_error_http_status(err));
        if (cases[i].oauth)
            CHECK(cstr_eq(tokenkit_error_oauth_error(err), cases[i].oauth), "%s: oauth", cases[i].path);
        else
            CHECK(tokenkit_error_oauth_error(err) == NULL, "%s: no oauth error", cases[i].path);
        CHECK(strlen(tokenkit_error_message(err)) > 0, "%s: message", cases[i].path);
        tokenkit_error_free(err);
    }
}

/* Shapes real servers send that must be accepted. */
static void test_tolerated_responses(void) {
    struct { const char *path; const char *access_token; const char *token_type; int64_t expires_in; const char *scope; } cases[] = {
        {"/fault/nest", "c.twC2qmock", "Bearer", 315360000, NULL},
        {"/fault/form", "gho_mock", "Bearer", -1, "repo,gist"},
        {"/fault/textplain", "gho_mock", "Bearer", -1, "repo,gist"},
        {"/fault/string-expires", "az-mock", "Bearer", 3599, NULL},
        {"/fault/null-expires", "n-mock", "Bearer", -1, NULL},
        {"/fault/created", "created-mock", "Bearer", 120, NULL},
        {"/fault/gzip", "gz-mock", "Bearer", 300, "a b"},
        {"/fault/extra-fields", "x-mock", "Bearer", 3600, "openid profile"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        tokenkit_status s = exchange_at(cases[i].path, fresh_code(), &token, &err);
        CHECK(s == 0, "%s: %s", cases[i].path, tokenkit_error_message(err));
        CHECK(str_eq(tokenkit_token_access_token(token), cases[i].access_token), "%s: access_token", cases[i].path);
        CHECK(str_eq(tokenkit_token_token_type(token), cases[i].token_type), "%s: token_type", cases[i].path);
        CHECK(tokenkit_token_expires_in(token) == cases[i].expires_in, "%s: expires_in %lld", cases[i].path,
              (long long)tokenkit_token_expires_in(token));
        if (cases[i].scope) CHECK(str_eq(tokenkit_token_scope(token), cases[i].scope), "%s: scope", cases[i].path);
        tokenkit_token_free(token);
        tokenkit_error_free(err);
    }
    tokenkit_token *token = NULL;
    exchange_at("/fault/extra-fields", fresh_code(), &token, NULL);
    CHECK(str_eq(tokenkit_token_id_token(token), "eyJhbGciOiJub25lIn0.e30."), "id_token");
    CHECK(contains(tokenkit_token_json(token), "\"custom\":{\"nested\":[1,2]}"), "raw json keeps custom fields");
    tokenkit_token_free(token);
}

/* A 307 from the token endpoint is reported, not followed: the code is still unused afterwards. */
static void test_redirect_not_followed(void) {
    char code[64];
    snprintf(code, sizeof code, "%s", fresh_code());
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = exchange_at("/fault/redirect", code, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == 307, "redirect: %d %s", s,
          tokenkit_error_message(err));
    tokenkit_error_free(err);
    err = NULL;
    s = exchange_at("/token", code, &token, &err);
    CHECK(s == 0, "the code reached /token through the redirect: %s", tokenkit_error_message(err));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
}

static void test_timeouts(void) {
    const char *paths[] = {"/fault/slow", "/fault/hang"};
    for (int i = 0; i < 2; i++) {
        tokenkit_client *client = make_client(url(paths[i]), "demo-client", "demo-secret",
                                              TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 1500);
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        double start = now_s();
        tokenkit_status s = tokenkit_client_exchange_code(client, fresh_code(), NULL, NULL, NULL, &token, &err);
        double took = now_s() - start;
        CHECK(s == TOKENKIT_STATUS_TIMEOUT, "%s: status %s (%s)", paths[i], tokenkit_status_name(s), tokenkit_error_message(err));
        /* Generous bound: valgrind is slow, but a drip of 64 bytes at 1/s would take 64 s. */
        CHECK(took >= 1.4 && took < 10.0, "%s: took %.1f s for a 1.5 s timeout", paths[i], took);
        tokenkit_error_free(err);
        tokenkit_client_free(client);
    }
}

static void test_transport_errors(void) {
    /* A port nobody listens on: bind, read the port, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&addr, sizeof addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    close(fd);
    char closed[128];
    snprintf(closed, sizeof closed, "http://127.0.0.1:%d/token", ntohs(addr.sin_port));
    tokenkit_client *client = make_client(closed, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 0);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TRANSPORT_ERROR, "refused: %s (%s)", tokenkit_status_name(s), tokenkit_error_message(err));
    CHECK(tokenkit_error_http_status(err) == 0, "no http status");
    tokenkit_error_free(err);
    tokenkit_client_free(client);

    /* HTTPS to a plain-HTTP server fails the TLS handshake. */
    char https[512];
    snprintf(https, sizeof https, "https%s/token", server + 4);
    client = make_client(https, "demo-client", "demo-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST, 5000);
    err = NULL;
    s = tokenkit_client_exchange_code(client, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TLS_ERROR, "tls: %s (%s)", tokenkit_status_name(s), tokenkit_error_message(err));
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
    tokenkit_status s = tokenkit_client_exchange_code(untrusted, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TLS_ERROR, "unknown CA: %s (%s)", tokenkit_status_name(s), tokenkit_error_message(err));
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
    CHECK(s == 0, "config with CA: %s", tokenkit_error_message(err));
    s = tokenkit_client_exchange_code(client, fresh_code(), NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "TLS exchange: %s", tokenkit_error_message(err));
    CHECK(starts_with(tokenkit_token_access_token(token), "tls-"), "TLS token");
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
}

static void expect_invalid(tokenkit_status s, tokenkit_error *err, const char *names, int line) {
    int ok = s == TOKENKIT_STATUS_INVALID_ARGUMENT && tokenkit_error_kind(err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
             strstr(tokenkit_error_message(err), names) != NULL;
    if (ok) passed++;
    else {
        failed++;
        fprintf(stderr, "FAIL line %d: want INVALID_ARGUMENT naming %s, got %s: %s\n", line, names,
                tokenkit_status_name(s), tokenkit_error_message(err));
    }
    tokenkit_error_free(err);
}
#define EXPECT_INVALID(call, names)           \
    do {                                      \
        tokenkit_error *e_ = NULL;            \
        tokenkit_status s_ = call;            \
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
    EXPECT_INVALID(tokenkit_config_set_client_id(config, "", &e_), "client_id is empty");
    EXPECT_INVALID(tokenkit_config_set_client_id(config, NULL, &e_), "client_id is NULL");
    EXPECT_INVALID(tokenkit_config_set_client_secret(config, bad_utf8, &e_), "client_secret");
    EXPECT_INVALID(tokenkit_config_set_auth_method(config, 7, &e_), "auth_method");
    EXPECT_INVALID(tokenkit_config_set_timeout_ms(config, 0, &e_), "timeout_ms");
    EXPECT_INVALID(tokenkit_config_set_connect_timeout_ms(config, 0, &e_), "connect_timeout_ms");
    EXPECT_INVALID(tokenkit_config_set_max_response_bytes(config, 0, &e_), "max_response_bytes");
    EXPECT_INVALID(tokenkit_config_set_user_agent(config, "a\r\nX-Evil: 1", &e_), "user_agent");
    EXPECT_INVALID(tokenkit_config_add_ca_file(config, "/nonexistent.pem", &e_), "ca_file");
    EXPECT_INVALID(tokenkit_client_new(NULL, &client, &e_), "config is NULL");
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "client_id is empty");
    CHECK(client == NULL, "client written on failure");

    CHECK(tokenkit_config_set_client_id(config, "demo-client", NULL) == 0, "err may be NULL");
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "client_secret is required");
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    EXPECT_INVALID(tokenkit_client_new(config, &client, &e_), "token_endpoint");
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    EXPECT_INVALID(tokenkit_client_new(config, NULL, &e_), "out is NULL");
    CHECK(tokenkit_client_new(config, &client, NULL) == 0, "client_new");
    tokenkit_config_free(config);

    EXPECT_INVALID(tokenkit_client_exchange_code(NULL, "c", NULL, NULL, NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, NULL, NULL, NULL, NULL, &token, &e_), "code is NULL");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "", NULL, NULL, NULL, &token, &e_), "code is empty");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, bad_utf8, NULL, NULL, NULL, &token, &e_), "code is not valid UTF-8");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "c", bad_utf8, NULL, NULL, &token, &e_), "redirect_uri");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "c", NULL, "short", NULL, &token, &e_), "code_verifier");
    EXPECT_INVALID(tokenkit_client_exchange_code(client, "c", NULL, NULL, NULL, NULL, &e_), "out is NULL");
    EXPECT_INVALID(tokenkit_client_refresh(client, NULL, NULL, NULL, &token, &e_), "refresh_token is NULL");
    EXPECT_INVALID(tokenkit_client_refresh(NULL, "r", NULL, NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, bad_utf8, NULL, &token, &e_), "scope");
    EXPECT_INVALID(tokenkit_client_client_credentials(NULL, NULL, NULL, &token, &e_), "client is NULL");
    EXPECT_INVALID(tokenkit_exchange_code(NULL, "c", "id", "s", &token, &e_), "token_url is NULL");
    EXPECT_INVALID(tokenkit_exchange_code(url("/token"), "c", "", "s", &token, &e_), "client_id is empty");
    EXPECT_INVALID(tokenkit_exchange_code("::", "c", "id", "s", &token, &e_), "token_url");

    tokenkit_params *params = tokenkit_params_new();
    EXPECT_INVALID(tokenkit_params_add(NULL, "a", "b", &e_), "params is NULL");
    EXPECT_INVALID(tokenkit_params_add(params, NULL, "b", &e_), "name is NULL");
    EXPECT_INVALID(tokenkit_params_add(params, "", "b", &e_), "name is empty");
    EXPECT_INVALID(tokenkit_params_add(params, "a", bad_utf8, &e_), "value");
    CHECK(tokenkit_params_add(params, "grant_type", "password", NULL) == 0, "add");
    EXPECT_INVALID(tokenkit_client_client_credentials(client, NULL, params, &token, &e_), "grant_type");
    tokenkit_params_free(params);
    CHECK(token == NULL, "token written on failure");
    tokenkit_client_free(client);

    /* Accessors and frees take NULL. */
    CHECK(tokenkit_token_access_token(NULL) == NULL && tokenkit_token_json(NULL) == NULL, "NULL token accessors");
    CHECK(tokenkit_token_expires_in(NULL) == -1 && tokenkit_token_expires_at(NULL) == -1, "NULL token expiry");
    CHECK(tokenkit_error_message(NULL) != NULL && tokenkit_error_http_status(NULL) == 0, "NULL error accessors");
    CHECK(tokenkit_error_oauth_error(NULL) == NULL && tokenkit_error_body(NULL) == NULL, "NULL error oauth");
    tokenkit_token_free(NULL);
    tokenkit_error_free(NULL);
    tokenkit_client_free(NULL);
    tokenkit_config_free(NULL);
    tokenkit_params_free(NULL);
    tokenkit_string_free(NULL);
}

#define THREADS 8
#define PER_THREAD 125

struct worker { tokenkit_client *client; int ok; };

static void *worker_main(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        if (tokenkit_client_client_credentials(w->client, "read", NULL, &token, &err) == TOKENKIT_STATUS_OK) {
            char *at = tokenkit_token_access_token(token);
            if (at && !strncmp(at, "at-", 3)) w->ok++;
            tokenkit_string_free(at);
        }
        tokenkit_token_free(token);
        tokenkit_error_free(err);
    }
    return NULL;
}

static void test_threads_share_one_client(void) {
    tokenkit_client *client = demo_client("/token");
    pthread_t threads[THREADS];
    struct worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i].client = client;
        workers[i].ok = 0;
        pthread_create(&threads[i], NULL, worker_main, &workers[i]);
    }
    int total = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        total += workers[i].ok;
    }
    CHECK(total == THREADS * PER_THREAD, "%d of %d requests succeeded", total, THREADS * PER_THREAD);
    tokenkit_client_free(client);
}

int main(void) {
    server = getenv("TOKENKIT_TEST_SERVER");
    if (!server || strncmp(server, "http://", 7)) {
        fprintf(stderr, "set TOKENKIT_TEST_SERVER to the mock server's http://127.0.0.1:PORT\n");
        return 2;
    }
    test_version();
    test_exchange_success_and_reuse();
    test_refresh_and_client_credentials();
    test_auth_methods();
    test_wire_format();
    test_one_call();
    test_fault_modes();
    test_tolerated_responses();
    test_redirect_not_followed();
    test_timeouts();
    test_transport_errors();
    test_tls_with_ca_file();
    test_bad_input();
    test_threads_share_one_client();
    printf("test_abi: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
