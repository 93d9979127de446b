/*
 * The OAuth capabilities through the C ABI against the local mock server over real sockets:
 * authorization URLs, loopback sign-in (success, denied consent, wrong state, wrong iss, timeout,
 * cancel, a callback that says stop), the device flow (pending, slow_down, denied, expired,
 * deadline, cancel, a prompt that says stop, authorize and poll by hand), the token source (a
 * 16-thread refresh race that makes exactly one refresh request, a rotated refresh token reaching
 * the callback, save and load, a refresh token alone, skew), revocation (RFC 7009, a 2xx with an
 * error body, and Nest's DELETE), introspection, discovery (issuer checks), retries (a 503 then
 * success on refresh; a 503 on a code exchange that is not retried; 429 with Retry-After) and
 * presets.
 *
 * Environment: TOKENKIT_TEST_SERVER (http://127.0.0.1:PORT of the mock server, tools/mock-server).
 * Prints "N passed, N failed"; exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_get.h"
#include "tokenkit.h"
#include "check.h"

static const char *server;

static char *url(const char *path) {
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

/* Borrowed strings: nothing to free. */
static int has(const char *borrowed, const char *needle) {
    int ok = borrowed && strstr(borrowed, needle);
    if (!ok) fprintf(stderr, "  %s does not contain %s\n", borrowed ? borrowed : "(null)", needle);
    return ok;
}

static int same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }

/* A count from the mock server's GET /stats: `name` inside the object `section` ("by_grant",
 * "held", "paths"), or at the top level when section is NULL. 0 when absent, -1 when /stats failed. */
static long stat_in(const char *section, const char *name) {
    static char body[1 << 16];
    if (http_get(url("/stats"), NULL, 0, body, sizeof body) != 200) return -1;
    char key[256];
    const char *from = body;
    if (section) {
        snprintf(key, sizeof key, "\"%s\":{", section);
        from = strstr(body, key);
        if (!from) return -1;
    }
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = strstr(from, key);
    return at ? strtol(at + strlen(key), NULL, 10) : 0;
}

static long stat_count(const char *name) {
    return stat_in(!strcmp(name, "token_requests") || !strcmp(name, "revocations") ? NULL : "by_grant", name);
}

/* A client of the mock server: demo-client (client_secret_post) unless told otherwise. */
static tokenkit_client *client_for(const char *token_path, const char *id, const char *secret, int retries) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, url(token_path), &err);
    if (!s) s = tokenkit_config_set_client_id(config, id, &err);
    if (!s && secret) s = tokenkit_config_set_client_secret(config, secret, &err);
    else if (!s) s = tokenkit_config_set_auth_method(config, TOKENKIT_AUTH_METHOD_NONE, &err);
    if (!s) s = tokenkit_config_set_authorization_endpoint(config, url("/authorize"), &err);
    if (!s) s = tokenkit_config_set_device_authorization_endpoint(config, url("/device_authorization"), &err);
    if (!s) s = tokenkit_config_set_revocation_endpoint(config, url("/revoke"), &err);
    if (!s) s = tokenkit_config_set_introspection_endpoint(config, url("/introspect"), &err);
    if (!s && retries >= 0) s = tokenkit_config_set_retry(config, retries, 50, 2000, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "client_for: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

static tokenkit_client *demo(void) { return client_for("/token", "demo-client", "demo-secret", -1); }

static tokenkit_request_options *params_of(const char *name, const char *value) {
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_add_param(o, name, value, NULL);
    return o;
}

struct canceller { const tokenkit_cancel *cancel; double after; };
static void *cancel_main(void *arg) {
    struct canceller *c = arg;
    struct timespec pause = {(time_t)c->after, (long)((c->after - (time_t)c->after) * 1e9)};
    nanosleep(&pause, NULL);
    tokenkit_cancel_trigger(c->cancel);
    return NULL;
}

/* ---- authorization URL ---- */

static void test_authorization_request(void) {
    tokenkit_client *client = demo();
    tokenkit_authorization *auth = NULL;
    tokenkit_error *err = NULL;
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(o, "http://127.0.0.1:9/callback", NULL);
    tokenkit_request_options_set_scope(o, "read", NULL);
    tokenkit_request_options_add_param(o, "login_hint", "user@example.com", NULL);
    tokenkit_status s = tokenkit_client_authorization_request(client, o, &auth, &err);
    CHECK(s == 0, "authorization_request: %s", msg(err));
    const char *u = tokenkit_authorization_url(auth);
    const char *state = tokenkit_authorization_state(auth);
    const char *verifier = tokenkit_authorization_code_verifier(auth);
    const char *prefix = url("/authorize?response_type=code&client_id=demo-client&redirect_uri=");
    CHECK(u && !strncmp(u, prefix, strlen(prefix)), "url %s", u);
    CHECK(u && state && strstr(u, "code_challenge_method=S256") && strstr(u, state), "url %s", u);
    CHECK(has(u, "scope=read") && has(u, "login_hint=user%40example.com"), "scope and param in the url");
    CHECK(verifier && strlen(verifier) == 43, "verifier %s", verifier);
    CHECK(state && strlen(state) >= 16, "state %s", state);
    /* Borrowed: the same strings on every call, until the authorization is freed. */
    CHECK(tokenkit_authorization_url(auth) == u && tokenkit_authorization_state(auth) == state &&
              tokenkit_authorization_code_verifier(auth) == verifier, "borrowed strings moved");

    /* Each request has its own state and verifier. */
    tokenkit_authorization *second = NULL;
    CHECK(tokenkit_client_authorization_request(client, o, &second, NULL) == 0, "second request");
    CHECK(!same(tokenkit_authorization_state(second), state) && !same(tokenkit_authorization_code_verifier(second), verifier),
          "state and verifier are fresh");
    tokenkit_authorization_free(second);
    tokenkit_authorization_free(auth);
    tokenkit_request_options_free(o);

    /* No authorization endpoint: named. */
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_client *bare = NULL;
    tokenkit_client_new(config, &bare, NULL);
    auth = NULL;
    s = tokenkit_client_authorization_request(bare, NULL, &auth, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && has(msg(err), "authorization_endpoint") && auth == NULL, "no endpoint: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_client_free(bare);
    tokenkit_config_free(config);
    tokenkit_client_free(client);
}

/* ---- loopback sign-in: the "browser" is a thread that GETs the URL and follows the redirect ---- */

struct browser { char url[4096]; };

/* A local process that connects to the sign-in listener and then says nothing. */
static int stall_listener(const char *auth_url) {
    const char *at = strstr(auth_url, "127.0.0.1%3A");
    if (!at) return -1;
    int port = atoi(at + strlen("127.0.0.1%3A"));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) { close(fd); return -1; }
    if (write(fd, "G", 1) != 1) { close(fd); return -1; }
    return fd;
}

static void *browse_main(void *arg) {
    struct browser *b = arg;
    char location[4096];
    if (http_get(b->url, location, sizeof location, NULL, 0) == 302 && location[0])
        http_get(location, NULL, 0, NULL, 0);
    free(b);
    return NULL;
}

static int stalled_fd = -1;

/* What the "user" does with the URL: 0 never comes back, 1 browses, 2 browses after a stalled
 * connection got there first, 3 refuses (the callback returns non-zero). */
struct user { int behaviour; int calls; char url[4096]; };

static int32_t open_url(void *user_data, const char *u) {
    struct user *user = user_data;
    user->calls++;
    snprintf(user->url, sizeof user->url, "%s", u);
    if (user->behaviour == 3) return 1;
    if (user->behaviour == 2) stalled_fd = stall_listener(u); /* someone else gets there first */
    if (!user->behaviour) return 0;                            /* the user never comes back */
    struct browser *b = malloc(sizeof *b);
    snprintf(b->url, sizeof b->url, "%s", u);
    pthread_t t;
    pthread_create(&t, NULL, browse_main, b);
    pthread_detach(t);
    return 0;
}

static tokenkit_status sign_in(tokenkit_client *client, const char *behavior, struct user *user, int64_t timeout_ms,
                               tokenkit_cancel *cancel, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_sign_in_options *o = tokenkit_sign_in_options_new();
    tokenkit_status s = tokenkit_sign_in_options_set_open_url(o, open_url, user, err);
    if (!s) s = tokenkit_sign_in_options_set_scope(o, "read", err);
    if (!s) s = tokenkit_sign_in_options_set_timeout_ms(o, timeout_ms, err);
    if (!s && behavior) s = tokenkit_sign_in_options_add_param(o, "mock_behavior", behavior, err);
    if (!s && cancel) s = tokenkit_sign_in_options_set_cancel(o, cancel, err);
    if (!s) s = tokenkit_client_sign_in(client, o, token, err);
    tokenkit_sign_in_options_free(o);
    return s;
}

static void test_loopback_sign_in(void) {
    tokenkit_client *client = demo();
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    struct user user = {1, 0, ""};

    tokenkit_status s = sign_in(client, NULL, &user, 20000, NULL, &token, &err);
    CHECK(s == 0, "sign in: %s", msg(err));
    CHECK(user.calls == 1, "open_url called %d times", user.calls);
    CHECK(has(tokenkit_token_access_token(token), "at-"), "signed-in token");
    CHECK(has(tokenkit_token_json(token), "\"scope\":\"read\""), "scope from the authorization request");
    CHECK(has(user.url, "redirect_uri=http%3A%2F%2F127.0.0.1%3A") && has(user.url, "%2Fcallback"), "loopback redirect %s", user.url);
    tokenkit_token_free(token);
    token = NULL;

    /* A redirect with the wrong state is not this sign-in's: the browser gets an error page and the
     * wait goes on (a forged redirect cannot end a sign-in), here until the deadline. */
    struct { const char *behavior; int64_t timeout_ms; tokenkit_status want; const char *oauth; const char *words; } cases[] = {
        {"deny", 20000, TOKENKIT_STATUS_OAUTH_ERROR, "access_denied", "access_denied"},
        {"wrong-state", 1500, TOKENKIT_STATUS_TIMEOUT, NULL, "redirect"},
        {"no-code", 20000, TOKENKIT_STATUS_PROTOCOL_ERROR, NULL, "neither a code nor an error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_error *e = NULL;
        s = sign_in(client, cases[i].behavior, &user, cases[i].timeout_ms, NULL, &token, &e);
        CHECK(s == cases[i].want, "%s: %s (%s)", cases[i].behavior, tokenkit_status_name(s), msg(e));
        CHECK(token == NULL, "%s: token", cases[i].behavior);
        if (cases[i].oauth) CHECK(e && same(tokenkit_error_oauth_error(e), cases[i].oauth), "%s oauth", cases[i].behavior);
        CHECK(strstr(msg(e), cases[i].words) != NULL, "%s: message %s", cases[i].behavior, msg(e));
        tokenkit_error_free(e);
    }

    /* A port of our choosing. */
    int port = unused_loopback_port();
    char want_port[64];
    snprintf(want_port, sizeof want_port, "127.0.0.1%%3A%d%%2Fcallback", port);
    tokenkit_sign_in_options *o = tokenkit_sign_in_options_new();
    tokenkit_sign_in_options_set_open_url(o, open_url, &user, NULL);
    CHECK(tokenkit_sign_in_options_set_port(o, port, &err) == 0, "set_port: %s", msg(err));
    s = tokenkit_client_sign_in(client, o, &token, &err);
    CHECK(s == 0 && has(user.url, want_port), "sign in on port %d: %s %s", port, msg(err), user.url);
    tokenkit_sign_in_options_free(o);
    tokenkit_token_free(token);
    token = NULL;

    /* A connection that says one byte and stalls holds the listener 5 s at most. */
    user.behaviour = 2;
    double stall_start = now_s();
    s = sign_in(client, NULL, &user, 30000, NULL, &token, &err);
    CHECK(s == 0, "sign in past a stalled connection: %s", msg(err));
    CHECK(stalled_fd >= 0 && now_s() - stall_start < 15, "took %.1f s", now_s() - stall_start);
    if (stalled_fd >= 0) close(stalled_fd);
    tokenkit_token_free(token);
    token = NULL;

    /* Nobody comes back: the deadline passes, and the listener is closed (a second sign-in works). */
    user.behaviour = 0;
    double start = now_s();
    s = sign_in(client, NULL, &user, 700, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TIMEOUT, "deadline: %s", tokenkit_status_name(s));
    CHECK(now_s() - start < 5, "deadline took %.1f s", now_s() - start);
    tokenkit_error_free(err);
    err = NULL;

    /* Cancelled from another thread. */
    tokenkit_cancel *cancel = tokenkit_cancel_new();
    struct canceller c = {cancel, 0.3};
    pthread_t t;
    pthread_create(&t, NULL, cancel_main, &c);
    start = now_s();
    s = sign_in(client, NULL, &user, 30000, cancel, &token, &err);
    pthread_join(t, NULL);
    CHECK(s == TOKENKIT_STATUS_CANCELLED, "cancel: %s", tokenkit_status_name(s));
    CHECK(now_s() - start < 5, "cancel took %.1f s", now_s() - start);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_cancel_free(cancel);

    /* The callback says stop: CANCELLED at once, and the listener is closed. */
    user.behaviour = 3;
    user.calls = 0;
    start = now_s();
    s = sign_in(client, NULL, &user, 30000, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_CANCELLED && user.calls == 1 && now_s() - start < 2, "open_url returned 1: %s after %.1f s",
          tokenkit_status_name(s), now_s() - start);
    CHECK(token == NULL, "token on a refused sign-in");
    tokenkit_error_free(err);
    err = NULL;
    user.behaviour = 1;
    s = sign_in(client, NULL, &user, 20000, NULL, &token, &err);
    CHECK(s == 0, "sign in after a refusal: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;

    /* The options (and their callback) are required. */
    CHECK(tokenkit_client_sign_in(client, NULL, &token, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL options");
    tokenkit_error_free(err);
    err = NULL;
    o = tokenkit_sign_in_options_new();
    CHECK(tokenkit_client_sign_in(client, o, &token, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT && has(msg(err), "open_url"),
          "no open_url: %s", msg(err));
    tokenkit_sign_in_options_free(o);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* With the issuer known from discovery, the redirect's iss must match it (RFC 9207). */
static void test_loopback_iss_check(void) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_client_id(config, "demo-client", &err);
    if (!s) s = tokenkit_config_set_client_secret(config, "demo-secret", &err);
    if (!s) s = tokenkit_config_discover(config, server, NULL, NULL, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "discovered client: %s", msg(err));
    tokenkit_config_free(config);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_token *token = NULL;
    struct user user = {1, 0, ""};
    s = sign_in(client, NULL, &user, 20000, NULL, &token, &err);
    CHECK(s == 0, "sign in with iss: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    const char *bad[] = {"wrong-iss", "no-iss"};
    for (int i = 0; i < 2; i++) {
        tokenkit_error *e = NULL;
        s = sign_in(client, bad[i], &user, 20000, NULL, &token, &e);
        CHECK(s == TOKENKIT_STATUS_PROTOCOL_ERROR && strstr(msg(e), "iss"), "%s: %s %s", bad[i], tokenkit_status_name(s), msg(e));
        tokenkit_error_free(e);
    }
    tokenkit_client_free(client);
}

/* ---- device flow ---- */

struct shown { int calls; int refuse; char user_code[64]; char uri[256]; char complete[320]; int64_t interval, expires_in; };

static int32_t show_code(void *user_data, const tokenkit_device_authorization *auth) {
    struct shown *shown = user_data;
    const char *code = tokenkit_device_authorization_user_code(auth);
    const char *uri = tokenkit_device_authorization_verification_uri(auth);
    const char *complete = tokenkit_device_authorization_verification_uri_complete(auth);
    shown->calls++;
    snprintf(shown->user_code, sizeof shown->user_code, "%s", code ? code : "");
    snprintf(shown->uri, sizeof shown->uri, "%s", uri ? uri : "");
    snprintf(shown->complete, sizeof shown->complete, "%s", complete ? complete : "");
    shown->interval = tokenkit_device_authorization_interval(auth);
    shown->expires_in = tokenkit_device_authorization_expires_in(auth);
    return shown->refuse;
}

static tokenkit_device_options *device_options(const char *behavior, const char *expires_in, tokenkit_cancel *cancel,
                                               struct shown *shown) {
    tokenkit_device_options *o = tokenkit_device_options_new();
    if (shown) tokenkit_device_options_set_on_prompt(o, show_code, shown, NULL);
    tokenkit_device_options_set_scope(o, "read", NULL);
    tokenkit_device_options_add_param(o, "mock_behavior", behavior, NULL);
    if (expires_in) tokenkit_device_options_add_param(o, "mock_expires_in", expires_in, NULL);
    if (cancel) tokenkit_device_options_set_cancel(o, cancel, NULL);
    return o;
}

static tokenkit_status device(tokenkit_client *client, const char *behavior, const char *expires_in, tokenkit_cancel *cancel,
                              struct shown *shown, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_device_options *o = device_options(behavior, expires_in, cancel, shown);
    tokenkit_status s = tokenkit_client_device_flow(client, o, token, err);
    tokenkit_device_options_free(o);
    return s;
}

static void test_device_flow(void) {
    tokenkit_client *client = client_for("/token", "public-client", NULL, -1);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    struct shown shown = {0};

    double start = now_s();
    tokenkit_status s = device(client, "approve", NULL, NULL, &shown, &token, &err);
    CHECK(s == 0, "device approve: %s", msg(err));
    CHECK(shown.calls == 1 && strlen(shown.user_code) == 9, "shown %d %s", shown.calls, shown.user_code);
    CHECK(strstr(shown.uri, "/device") != NULL, "verification uri %s", shown.uri);
    CHECK(strstr(shown.complete, "user_code=") != NULL && strstr(shown.complete, shown.user_code), "complete uri %s", shown.complete);
    CHECK(shown.interval == 1 && shown.expires_in > 590 && shown.expires_in <= 600, "interval %lld expires_in %lld",
          (long long)shown.interval, (long long)shown.expires_in);
    CHECK(has(tokenkit_token_refresh_token(token), "rt-"), "device token has a refresh token");
    CHECK(now_s() - start >= 1.9, "pending then approved needs two polls 1 s apart: %.1f s", now_s() - start);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_error_free(err); /* set only when the check above failed */
    err = NULL;

    /* slow_down adds 5 s to the 1 s interval: the second poll comes >= 6 s after the first. */
    start = now_s();
    s = device(client, "slow_down", NULL, NULL, &shown, &token, &err);
    CHECK(s == 0, "device slow_down: %s", msg(err));
    CHECK(now_s() - start >= 6.9, "slow_down honoured: %.1f s", now_s() - start);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_error_free(err); /* set only when the check above failed */
    err = NULL;

    /* Google's misspelling, and no verification_uri_complete. */
    shown.uri[0] = '\0';
    s = device(client, "google", NULL, NULL, &shown, &token, &err);
    CHECK(s == 0 && strstr(shown.uri, "/device"), "verification_url: %s %s", msg(err), shown.uri);
    CHECK(shown.complete[0] == '\0', "no complete uri: %s", shown.complete);
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_error_free(err); /* set only when the check above failed */
    err = NULL;

    const char *stops[][2] = {{"deny", "access_denied"}, {"expire", "expired_token"}};
    for (int i = 0; i < 2; i++) {
        tokenkit_error *e = NULL;
        s = device(client, stops[i][0], NULL, NULL, &shown, &token, &e);
        CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && e && same(tokenkit_error_oauth_error(e), stops[i][1]), "%s: %s %s",
              stops[i][0], tokenkit_status_name(s), msg(e));
        tokenkit_error_free(e);
    }

    /* The user never approves: polling stops at the expires_in deadline. */
    start = now_s();
    s = device(client, "never", "3", NULL, &shown, &token, &err);
    CHECK(s == TOKENKIT_STATUS_TIMEOUT, "deadline: %s %s", tokenkit_status_name(s), msg(err));
    CHECK(now_s() - start < 8, "deadline took %.1f s", now_s() - start);
    tokenkit_error_free(err);
    err = NULL;

    tokenkit_cancel *cancel = tokenkit_cancel_new();
    struct canceller c = {cancel, 1.5};
    pthread_t t;
    pthread_create(&t, NULL, cancel_main, &c);
    start = now_s();
    s = device(client, "never", NULL, cancel, &shown, &token, &err);
    pthread_join(t, NULL);
    CHECK(s == TOKENKIT_STATUS_CANCELLED && now_s() - start < 4, "cancel: %s after %.1f s", tokenkit_status_name(s), now_s() - start);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_cancel_free(cancel);

    /* The prompt says stop: CANCELLED, and no poll is made. */
    long polls = stat_count("device_code");
    shown.refuse = 7;
    shown.calls = 0;
    s = device(client, "approve", NULL, NULL, &shown, &token, &err);
    CHECK(s == TOKENKIT_STATUS_CANCELLED && shown.calls == 1 && token == NULL, "on_prompt returned 7: %s", tokenkit_status_name(s));
    CHECK(stat_count("device_code") == polls, "polled after the prompt said stop: %ld", stat_count("device_code") - polls);
    shown.refuse = 0;
    tokenkit_error_free(err);
    err = NULL;

    /* device_flow needs its options (they hold the callback). */
    CHECK(tokenkit_client_device_flow(client, NULL, &token, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL options");
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_device_options *no_prompt = device_options("approve", NULL, NULL, NULL);
    CHECK(tokenkit_client_device_flow(client, no_prompt, &token, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
              has(msg(err), "on_prompt"), "no on_prompt: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    /* By hand: authorize, show, poll (the same options: mock_behavior goes with the polls too). */
    tokenkit_device_authorization *auth = NULL;
    s = tokenkit_client_device_authorize(client, no_prompt, &auth, &err);
    CHECK(s == 0 && auth, "device_authorize: %s", msg(err));
    const char *user_code = tokenkit_device_authorization_user_code(auth);
    CHECK(user_code && strlen(user_code) == 9 && has(tokenkit_device_authorization_verification_uri(auth), "/device"), "user code");
    CHECK(tokenkit_device_authorization_interval(auth) == 1 && tokenkit_device_authorization_expires_in(auth) > 590, "interval");
    s = tokenkit_client_device_poll(client, auth, no_prompt, &token, &err);
    CHECK(s == 0 && has(tokenkit_token_access_token(token), "at-"), "device_poll: %s", msg(err));
    CHECK(tokenkit_device_authorization_user_code(auth) == user_code, "borrowed user code moved");
    tokenkit_token_free(token);
    token = NULL;
    /* A device code yields its token once. */
    s = tokenkit_client_device_poll(client, auth, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "second poll: %s (%s)", tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_device_authorization_free(auth);
    tokenkit_device_options_free(no_prompt);

    /* PKCE on the device flow (RFC 8628 with RFC 7636): the server accepts it. */
    tokenkit_device_options *pkce = device_options("approve", NULL, NULL, &shown);
    tokenkit_device_options_set_pkce(pkce, 1, NULL);
    s = tokenkit_client_device_flow(client, pkce, &token, &err);
    CHECK(s == 0, "device flow with PKCE: %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_device_options_free(pkce);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

/* ---- token source ---- */

struct changes { pthread_mutex_t lock; int calls; char last_refresh_token[128]; };

static void on_change(void *user_data, const tokenkit_token *token) {
    struct changes *ch = user_data;
    const char *rt = tokenkit_token_refresh_token(token);
    pthread_mutex_lock(&ch->lock);
    ch->calls++;
    snprintf(ch->last_refresh_token, sizeof ch->last_refresh_token, "%s", rt ? rt : "");
    pthread_mutex_unlock(&ch->lock);
}

static tokenkit_token *code_token(tokenkit_client *client, const char *code, const char *expires_in) {
    tokenkit_request_options *o = params_of("mock_expires_in", expires_in);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, code, o, &token, &err);
    CHECK(s == 0, "exchange %s: %s", code, msg(err));
    tokenkit_error_free(err);
    tokenkit_request_options_free(o);
    return token;
}

static tokenkit_source_options *source_options(int64_t skew_ms, struct changes *ch, const char *refresh_token) {
    tokenkit_source_options *o = tokenkit_source_options_new();
    if (skew_ms >= 0) CHECK(tokenkit_source_options_set_skew_ms(o, skew_ms, NULL) == 0, "skew");
    if (ch) CHECK(tokenkit_source_options_set_on_change(o, on_change, ch, NULL) == 0, "on_change");
    if (refresh_token) CHECK(tokenkit_source_options_set_refresh_token(o, refresh_token, NULL) == 0, "refresh_token");
    return o;
}

struct racer { tokenkit_source *source; int ok; };
static void *race_main(void *arg) {
    struct racer *r = arg;
    char *at = NULL;
    tokenkit_error *err = NULL;
    r->ok = tokenkit_source_access_token(r->source, &at, &err) == 0 && at && !strncmp(at, "at-", 3);
    tokenkit_string_free(at);
    tokenkit_error_free(err);
    return NULL;
}

enum { RACERS = 16 };

/* RACERS threads ask `source` for a token at once; returns how many got one. */
static int race(tokenkit_source *source) {
    pthread_t threads[RACERS];
    struct racer racers[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i].source = source;
        racers[i].ok = 0;
        pthread_create(&threads[i], NULL, race_main, &racers[i]);
    }
    int ok = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        ok += racers[i].ok;
    }
    return ok;
}

static void test_token_source(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-src-%d-1", (int)getpid());
    /* Expires within the 60 s skew: the first use must refresh. */
    tokenkit_token *initial = code_token(client, code, "30");
    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tokenkit_source *source = NULL;
    tokenkit_error *err = NULL;
    tokenkit_source_options *so = source_options(-1, &ch, NULL);
    tokenkit_status s = tokenkit_source_new(client, initial, so, &source, &err);
    tokenkit_source_options_free(so); /* the source copied what it needs */
    CHECK(s == 0, "source_new: %s", msg(err));
    char initial_rt[128];
    snprintf(initial_rt, sizeof initial_rt, "%s", tokenkit_token_refresh_token(initial));
    tokenkit_token_free(initial);
    tokenkit_client_free(client); /* the source keeps its own reference */

    long before = stat_count("refresh_token");
    int ok = race(source);
    CHECK(ok == RACERS, "%d of %d threads got a token", ok, RACERS);
    CHECK(stat_count("refresh_token") - before == 1, "refresh requests: %ld", stat_count("refresh_token") - before);
    CHECK(ch.calls == 1, "on_change calls %d", ch.calls);
    /* demo-client's refresh responses carry no refresh token: the old one is kept. */
    CHECK(!strcmp(ch.last_refresh_token, initial_rt), "kept refresh token %s vs %s", ch.last_refresh_token, initial_rt);

    /* A fresh token is served from the cache: no request. */
    before = stat_count("token_requests");
    for (int i = 0; i < 50; i++) {
        char *at = NULL;
        tokenkit_source_access_token(source, &at, NULL);
        tokenkit_string_free(at);
    }
    CHECK(stat_count("token_requests") == before, "cached token made requests");

    /* A token handed out by the source outlives the source, and its strings with it. */
    tokenkit_token *held_token = NULL;
    CHECK(tokenkit_source_token(source, &held_token, &err) == 0, "source_token: %s", msg(err));
    const char *held_at = tokenkit_token_access_token(held_token);

    /* Saved and loaded: the new source carries on with the same refresh token. */
    char *json = NULL;
    CHECK(tokenkit_source_to_json(source, &json, NULL) == 0 && json && strstr(json, initial_rt), "to_json %s", json);
    tokenkit_client *client2 = demo();
    tokenkit_source *loaded = NULL;
    s = tokenkit_source_from_json(client2, json, NULL, &loaded, &err);
    CHECK(s == 0, "from_json: %s", msg(err));
    tokenkit_token *forced = NULL;
    s = tokenkit_source_refresh(loaded, &forced, &err);
    CHECK(s == 0 && forced, "forced refresh: %s", msg(err));
    tokenkit_token_free(forced);
    tokenkit_string_free(json);
    tokenkit_source_free(loaded);
    tokenkit_source_free(source);
    CHECK(held_at && !strncmp(held_at, "at-", 3) && tokenkit_token_access_token(held_token) == held_at,
          "token from a freed source");
    tokenkit_token_free(held_token);

    /* The saved format of tokenkit_token_to_json is read by the source too. */
    tokenkit_token *t = NULL;
    snprintf(code, sizeof code, "code-src-%d-3", (int)getpid());
    t = code_token(client2, code, "3600");
    char *token_json = NULL;
    CHECK(tokenkit_token_to_json(t, &token_json, NULL) == 0, "token_to_json");
    s = tokenkit_source_from_json(client2, token_json, NULL, &loaded, &err);
    char *at = NULL;
    CHECK(s == 0 && tokenkit_source_access_token(loaded, &at, &err) == 0 && same(at, tokenkit_token_access_token(t)),
          "source from token_to_json serves the saved token: %s", msg(err));
    tokenkit_string_free(at);
    at = NULL;
    tokenkit_string_free(token_json);
    tokenkit_source_free(loaded);
    loaded = NULL;

    /* From a refresh token alone, in the options. */
    tokenkit_source *bare = NULL;
    so = source_options(-1, NULL, initial_rt);
    s = tokenkit_source_new(client2, NULL, so, &bare, &err);
    CHECK(s == 0 && tokenkit_source_access_token(bare, &at, &err) == 0 && at, "refresh-token-only source: %s", msg(err));
    tokenkit_string_free(at);
    at = NULL;
    tokenkit_source_free(bare);
    bare = NULL;
    /* A token and a refresh token in the options: the options' refresh token is the one used. */
    s = tokenkit_source_new(client2, t, so, &bare, &err);
    CHECK(s == 0, "token plus options refresh token: %s", msg(err));
    tokenkit_source_free(bare);
    bare = NULL;
    tokenkit_source_options_free(so);
    s = tokenkit_source_new(client2, NULL, NULL, &bare, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && bare == NULL, "source needs something");
    tokenkit_error_free(err);
    err = NULL;
    so = source_options(-1, NULL, "");
    s = tokenkit_source_new(client2, NULL, so, &bare, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && has(msg(err), "refresh_token"), "empty refresh token: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_source_options_free(so);

    /* Saved states without a usable access token: refresh on first use. */
    char saved[512];
    const char *shapes[] = {
        "{\"refresh_token\":\"%s\",\"access_token\":null}",
        "{\"refresh_token\":\"%s\",\"access_token\":\"\"}",
        "{\"refresh_token\":\"%s\"}",
        "{\"access_token\":\"at-stale\",\"expires_at\":\"1000\",\"refresh_token\":\"%s\"}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        snprintf(saved, sizeof saved, shapes[i], initial_rt);
        long refreshes = stat_count("refresh_token");
        s = tokenkit_source_from_json(client2, saved, NULL, &loaded, &err);
        CHECK(s == 0, "from_json(%s): %s", saved, msg(err));
        s = tokenkit_source_access_token(loaded, &at, &err);
        CHECK(s == 0 && at && !strncmp(at, "at-", 3) && strcmp(at, "at-stale"), "%s: first use refreshes: %s", saved, msg(err));
        CHECK(stat_count("refresh_token") - refreshes == 1, "%s: refreshes %ld", saved, stat_count("refresh_token") - refreshes);
        tokenkit_string_free(at);
        at = NULL;
        tokenkit_source_free(loaded);
        loaded = NULL;
    }
    const char *refused[] = {"{}", "not json", "{\"access_token\":null}", "{\"refresh_token\":5}", "{\"access_token\":\"\",\"refresh_token\":\"\"}"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        s = tokenkit_source_from_json(client2, refused[i], NULL, &loaded, &err);
        CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && loaded == NULL, "from_json(%s): %s", refused[i], tokenkit_status_name(s));
        tokenkit_error_free(err);
        err = NULL;
    }
    /* A fresh saved token with an expired one's refresh token: served as saved, no request. */
    s = tokenkit_source_from_json(client2, "{\"access_token\":\"at-saved\",\"expires_at\":\"4102444800\",\"refresh_token\":\"r\"}",
                                  NULL, &loaded, &err);
    long requests = stat_count("token_requests");
    CHECK(s == 0 && tokenkit_source_access_token(loaded, &at, &err) == 0 && same(at, "at-saved"), "string expires_at: %s", msg(err));
    CHECK(stat_count("token_requests") == requests, "a fresh saved token made a request");
    tokenkit_string_free(at);
    at = NULL;
    /* The copy into a caller's buffer: the token and its NUL when they fit, else only the length
     * and an empty string (never a truncated secret). */
    char buf[16];
    int64_t len = -1;
    memset(buf, 'x', sizeof buf);
    CHECK(tokenkit_source_access_token_copy(loaded, buf, 9, &len, &err) == 0 && len == 8 && !strcmp(buf, "at-saved"),
          "copy into 9 bytes: len %lld, %.9s, %s", (long long)len, buf, msg(err));
    memset(buf, 'x', sizeof buf);
    CHECK(tokenkit_source_access_token_copy(loaded, buf, 8, &len, &err) == 0 && len == 8 && buf[0] == 0 && buf[1] == 'x',
          "copy into 8 bytes wrote part of the token: len %lld", (long long)len);
    CHECK(tokenkit_source_access_token_copy(loaded, NULL, 0, &len, &err) == 0 && len == 8, "length only: %lld", (long long)len);
    s = tokenkit_source_access_token_copy(loaded, NULL, 4, &len, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL buffer with capacity 4: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_source_access_token_copy(loaded, buf, -1, &len, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT, "capacity -1: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_source_access_token_copy(loaded, buf, sizeof buf, NULL, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL length: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_source_access_token_copy(NULL, buf, sizeof buf, &len, NULL);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL source: %s", tokenkit_status_name(s));
    CHECK(stat_count("token_requests") == requests, "copying a fresh saved token made a request");
    tokenkit_source_free(loaded);
    loaded = NULL;

    /* Skew: 0 uses a token until it expires; the default 60 s refreshes one with 30 s left. */
    snprintf(code, sizeof code, "code-src-%d-4", (int)getpid());
    tokenkit_token *short_lived = code_token(client2, code, "30");
    so = source_options(0, NULL, NULL);
    s = tokenkit_source_new(client2, short_lived, so, &bare, &err);
    requests = stat_count("token_requests");
    CHECK(s == 0 && tokenkit_source_access_token(bare, &at, &err) == 0 && same(at, tokenkit_token_access_token(short_lived)),
          "skew 0: %s", msg(err));
    CHECK(stat_count("token_requests") == requests, "skew 0 refreshed a token with 30 s left");
    tokenkit_string_free(at);
    at = NULL;
    tokenkit_source_free(bare);
    bare = NULL;
    tokenkit_source_options_free(so);
    so = source_options(40000, NULL, NULL);
    s = tokenkit_source_new(client2, short_lived, so, &bare, &err);
    CHECK(s == 0 && tokenkit_source_access_token(bare, &at, &err) == 0 && !same(at, tokenkit_token_access_token(short_lived)),
          "skew 40 s refreshes a token with 30 s left: %s", msg(err));
    tokenkit_string_free(at);
    at = NULL;
    tokenkit_source_free(bare);
    /* The copy refreshes as the other accessors do. */
    s = tokenkit_source_new(client2, short_lived, so, &bare, &err);
    requests = stat_count("token_requests");
    char fresh[256] = "";
    int64_t fresh_len = 0;
    CHECK(s == 0 && tokenkit_source_access_token_copy(bare, fresh, sizeof fresh, &fresh_len, &err) == 0 &&
              fresh_len == (int64_t)strlen(fresh) && fresh_len > 0 && !same(fresh, tokenkit_token_access_token(short_lived)),
          "copy with skew 40 s refreshes: %s", msg(err));
    CHECK(stat_count("token_requests") == requests + 1, "copy: %ld refreshes, want 1", stat_count("token_requests") - requests);
    tokenkit_source_free(bare);
    tokenkit_source_options_free(so);
    tokenkit_token_free(short_lived);
    tokenkit_token_free(t);

    /* An expired token and no refresh token: a clear error, no request. */
    tokenkit_token *expired = NULL;
    tokenkit_token_from_json("{\"access_token\":\"at-old\",\"expires_at\":1000}", &expired, NULL);
    bare = NULL;
    s = tokenkit_source_new(client2, expired, NULL, &bare, &err);
    CHECK(s == 0, "source from an expired token: %s", msg(err));
    s = tokenkit_source_access_token(bare, &at, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && at == NULL && has(msg(err), "refresh token"), "expired: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_source_free(bare);
    tokenkit_token_free(expired);
    tokenkit_client_free(client2);

    /* A rotating server: every refresh brings a new refresh token, and the callback sees it. */
    tokenkit_client *rot = client_for("/token", "rotating-client", "rotating-secret", -1);
    snprintf(code, sizeof code, "code-src-%d-2", (int)getpid());
    initial = code_token(rot, code, "3600");
    char first_rt[128];
    snprintf(first_rt, sizeof first_rt, "%s", tokenkit_token_refresh_token(initial));
    struct changes rc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    so = source_options(-1, &rc, NULL);
    s = tokenkit_source_new(rot, initial, so, &source, &err);
    tokenkit_source_options_free(so);
    tokenkit_token_free(initial);
    for (int round = 0; round < 2; round++) {
        s = tokenkit_source_refresh(source, NULL, &err);
        CHECK(s == 0, "rotating refresh %d: %s", round, msg(err));
    }
    CHECK(rc.calls == 2 && rc.last_refresh_token[0] && strcmp(rc.last_refresh_token, first_rt), "rotated token reached the callback: %d %s", rc.calls, rc.last_refresh_token);
    json = NULL;
    tokenkit_source_to_json(source, &json, NULL);
    CHECK(json && strstr(json, rc.last_refresh_token), "saved JSON has the rotated token");
    tokenkit_string_free(json);
    tokenkit_source_free(source);
    tokenkit_client_free(rot);
    tokenkit_error_free(err);
}

/* 16 threads against a token endpoint that holds each request until 16 have arrived or 2 s have
 * passed: one refresh in flight means one request, held the full 2 s, and 16 tokens. */
static void test_token_source_single_flight(void) {
    char path[128], key[64];
    snprintf(key, sizeof key, "sf-%d", (int)getpid());
    snprintf(path, sizeof path, "/held/%d/2000/%s/token", RACERS, key);
    tokenkit_client *client = client_for(path, "demo-client", "demo-secret", 0);
    tokenkit_client *minter = demo();
    char code[64];
    snprintf(code, sizeof code, "code-sf-%d", (int)getpid());
    tokenkit_token *initial = code_token(minter, code, "3600");
    tokenkit_source_options *so = source_options(-1, NULL, tokenkit_token_refresh_token(initial));
    tokenkit_source *source = NULL;
    tokenkit_error *err = NULL;
    CHECK(tokenkit_source_new(client, NULL, so, &source, &err) == 0, "source: %s", msg(err));
    double start = now_s();
    int ok = race(source);
    double took = now_s() - start;
    CHECK(ok == RACERS, "%d of %d threads got a token", ok, RACERS);
    CHECK(stat_in("held", key) == 1, "held requests: %ld", stat_in("held", key));
    CHECK(took >= 1.9, "the one request was held %.1f s: others arrived", took);
    tokenkit_source_free(source);
    tokenkit_source_options_free(so);
    tokenkit_token_free(initial);
    tokenkit_client_free(minter);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
}

/* on_change asking its own source for a token gets an error, not a deadlock. */
struct reentry { tokenkit_source *source; tokenkit_status status; int saved; };
static void reenter(void *user_data, const tokenkit_token *token) {
    (void)token;
    struct reentry *r = user_data;
    char *at = NULL, *json = NULL;
    tokenkit_error *err = NULL;
    r->status = tokenkit_source_access_token(r->source, &at, &err);
    tokenkit_string_free(at);
    tokenkit_error_free(err);
    /* to_json is allowed here, to save a rotated refresh token. */
    r->saved = tokenkit_source_to_json(r->source, &json, NULL) == 0 && json;
    tokenkit_string_free(json);
}

static void test_token_source_reentry(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-reenter-%d", (int)getpid());
    tokenkit_token *initial = code_token(client, code, "3600");
    struct reentry r = {NULL, TOKENKIT_STATUS_OK, 0};
    tokenkit_error *err = NULL;
    tokenkit_source_options *so = tokenkit_source_options_new();
    tokenkit_source_options_set_on_change(so, reenter, &r, NULL);
    tokenkit_status s = tokenkit_source_new(client, initial, so, &r.source, &err);
    tokenkit_source_options_free(so);
    CHECK(s == 0, "source: %s", msg(err));
    s = tokenkit_source_refresh(r.source, NULL, &err);
    CHECK(s == 0, "refresh: %s", msg(err));
    CHECK(r.status == TOKENKIT_STATUS_INVALID_ARGUMENT, "re-entry gave %s", tokenkit_status_name(r.status));
    CHECK(r.saved, "to_json inside on_change");
    char *at = NULL;
    CHECK(tokenkit_source_access_token(r.source, &at, NULL) == 0 && at, "the source still works afterwards");
    tokenkit_string_free(at);
    tokenkit_token_free(initial);
    tokenkit_source_free(r.source);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
}

/* ---- revocation and introspection ---- */

static tokenkit_request_options *hint(const char *h) {
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_token_type_hint(o, h, NULL);
    return o;
}

static void test_revoke_and_introspect(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-rev-%d", (int)getpid());
    tokenkit_token *token = code_token(client, code, "3600");
    const char *at = tokenkit_token_access_token(token);
    const char *rt = tokenkit_token_refresh_token(token);
    tokenkit_introspection *info = NULL;
    tokenkit_error *err = NULL;
    tokenkit_request_options *access_hint = hint("access_token"), *refresh_hint = hint("refresh_token"),
                             *bogus_hint = hint("bogus_hint");

    time_t now = time(NULL);
    tokenkit_status s = tokenkit_client_introspect(client, at, access_hint, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1, "active: %s", msg(err));
    CHECK(has(tokenkit_introspection_client_id(info), "demo-client"), "client_id");
    CHECK(has(tokenkit_introspection_scope(info), "read"), "scope");
    CHECK(same(tokenkit_introspection_sub(info), "user-1"), "sub");
    CHECK(same(tokenkit_introspection_token_type(info), "Bearer"), "token_type");
    CHECK(tokenkit_introspection_username(info) == NULL, "no username");
    int64_t exp = -7, iat = -7;
    CHECK(tokenkit_introspection_exp(info, &exp) == 1 && exp > now, "exp %lld", (long long)exp);
    CHECK(tokenkit_introspection_iat(info, &iat) == 1 && iat <= now + 1 && iat > now - 60, "iat %lld", (long long)iat);
    CHECK(tokenkit_introspection_exp(info, NULL) == 1, "exp with NULL out");
    CHECK(has(tokenkit_introspection_json(info), "\"active\":true"), "json");
    CHECK(tokenkit_introspection_json(info) == tokenkit_introspection_json(info), "json is borrowed");
    tokenkit_introspection_free(info);
    info = NULL;
    s = tokenkit_client_introspect(client, rt, refresh_hint, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1 && same(tokenkit_introspection_token_type(info), "refresh_token"),
          "refresh token introspected: %s", msg(err));
    tokenkit_introspection_free(info);
    info = NULL;

    s = tokenkit_client_revoke(client, at, access_hint, &err);
    CHECK(s == 0, "revoke: %s", msg(err));
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "inactive after revoke");
    exp = -7;
    CHECK(tokenkit_introspection_exp(info, &exp) == 0 && exp == -7 && tokenkit_introspection_iat(info, NULL) == 0 &&
              tokenkit_introspection_scope(info) == NULL && tokenkit_introspection_client_id(info) == NULL,
          "an inactive answer has no fields");
    tokenkit_introspection_free(info);
    info = NULL;
    s = tokenkit_client_revoke(client, rt, refresh_hint, &err);
    CHECK(s == 0, "revoke refresh token: %s", msg(err));
    tokenkit_token *refreshed = NULL;
    s = tokenkit_client_refresh(client, rt, NULL, &refreshed, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "revoked refresh token refused: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_revoke(client, "never-issued", NULL, &err);
    CHECK(s == 0, "unknown token revokes fine (RFC 7009 §2.2): %s", msg(err));
    s = tokenkit_client_revoke(client, at, bogus_hint, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && same(tokenkit_error_oauth_error(err), "unsupported_token_type"), "bad hint");
    tokenkit_error_free(err);
    err = NULL;

    /* A server that answers 200 with an error body: still success (RFC 7009 §2.2). */
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_config_set_revocation_endpoint(config, url("/revoke/strict"), NULL);
    tokenkit_client *strict = NULL;
    tokenkit_client_new(config, &strict, NULL);
    long revocations = stat_count("revocations");
    s = tokenkit_client_revoke(strict, "never-issued", NULL, &err);
    CHECK(s == 0, "200 invalid_token from the revocation endpoint is success: %s", msg(err));
    s = tokenkit_client_revoke(strict, at, access_hint, &err);
    CHECK(s == 0, "already revoked: %s", msg(err));
    CHECK(stat_count("revocations") - revocations == 2, "revocations %ld", stat_count("revocations") - revocations);
    tokenkit_client_free(strict);
    tokenkit_token_free(token);

    /* No endpoint configured: a clear invalid argument. */
    tokenkit_config_free(config);
    config = tokenkit_config_new();
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_client *bare = NULL;
    tokenkit_client_new(config, &bare, NULL);
    s = tokenkit_client_revoke(bare, "t", NULL, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && strstr(msg(err), "revocation_endpoint"), "no endpoint: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_introspect(bare, "t", NULL, &info, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && strstr(msg(err), "introspection_endpoint"), "no endpoint: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    /* Works with Nest: DELETE <endpoint>/<token>. */
    snprintf(code, sizeof code, "code-nest-%d", (int)getpid());
    token = code_token(client, code, "3600");
    at = tokenkit_token_access_token(token);
    tokenkit_config_set_revocation_endpoint(config, url("/oauth2/access_tokens"), NULL);
    tokenkit_config_set_revocation_style(config, TOKENKIT_REVOCATION_STYLE_NEST_DELETE, NULL);
    tokenkit_client *nest = NULL;
    tokenkit_client_new(config, &nest, NULL);
    s = tokenkit_client_revoke(nest, at, NULL, &err);
    CHECK(s == 0, "Nest DELETE: %s", msg(err));
    s = tokenkit_client_revoke(nest, "never-issued", NULL, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR, "unknown token is a 404, an HTTP error: %s", tokenkit_status_name(s));
    CHECK(tokenkit_error_http_status(err) == 404, "404: %d", tokenkit_error_http_status(err));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "inactive after DELETE");
    tokenkit_introspection_free(info);
    tokenkit_token_free(token);
    tokenkit_client_free(nest);
    tokenkit_client_free(bare);
    tokenkit_config_free(config);
    tokenkit_request_options_free(access_hint);
    tokenkit_request_options_free(refresh_hint);
    tokenkit_request_options_free(bogus_hint);
    tokenkit_client_free(client);
}

/* ---- discovery ---- */

static void test_discovery(void) {
    struct { const char *issuer; tokenkit_status want; } cases[] = {
        {"", TOKENKIT_STATUS_OK},
        {"/tenant1", TOKENKIT_STATUS_OK},
        {"/evil", TOKENKIT_STATUS_PROTOCOL_ERROR},
        {"/broken", TOKENKIT_STATUS_PROTOCOL_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_config *config = tokenkit_config_new();
        tokenkit_error *err = NULL;
        char *metadata = NULL;
        tokenkit_status s = tokenkit_config_discover(config, url(cases[i].issuer), NULL, &metadata, &err);
        CHECK(s == cases[i].want, "discover %s: %s (%s)", cases[i].issuer, tokenkit_status_name(s), msg(err));
        if (s == 0) {
            CHECK(metadata && strstr(metadata, "\"device_authorization_endpoint\""), "metadata %s", metadata);
            /* The discovered endpoints work: a client credentials grant through them. */
            tokenkit_client *client = NULL;
            tokenkit_token *token = NULL;
            tokenkit_config_set_client_id(config, "demo-client", NULL);
            tokenkit_config_set_client_secret(config, "demo-secret", NULL);
            CHECK(tokenkit_client_new(config, &client, &err) == 0, "client from discovery: %s", msg(err));
            CHECK(tokenkit_client_client_credentials(client, NULL, &token, &err) == 0, "grant via discovery: %s", msg(err));
            tokenkit_token_free(token);
            tokenkit_client_free(client);
        } else {
            CHECK(metadata == NULL, "metadata written on failure");
        }
        if (cases[i].want == TOKENKIT_STATUS_PROTOCOL_ERROR && !strcmp(cases[i].issuer, "/evil"))
            CHECK(strstr(msg(err), "issuer") != NULL, "mismatch named: %s", msg(err));
        tokenkit_string_free(metadata);
        tokenkit_error_free(err);
        tokenkit_config_free(config);
    }
    /* Without the metadata out-parameter, and with options carrying a cancel flag not raised. */
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_error *err = NULL;
    tokenkit_cancel *cancel = tokenkit_cancel_new();
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    CHECK(tokenkit_config_discover(config, server, o, NULL, &err) == 0, "discover with options: %s", msg(err));
    tokenkit_request_options_free(o);
    tokenkit_cancel_free(cancel);
    CHECK(tokenkit_config_discover(config, "http://as.example.com", NULL, NULL, &err) == TOKENKIT_STATUS_INSECURE, "insecure issuer");
    tokenkit_error_free(err);
    tokenkit_config_free(config);
}

/* ---- retries ---- */

static void test_retries(void) {
    char path[128];
    tokenkit_error *err = NULL;
    tokenkit_token *token = NULL;
    int pid = (int)getpid();

    /* A refresh meets one 503, then succeeds on the retry. */
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-retry-%d", pid);
    tokenkit_token *first = code_token(client, code, "3600");
    char rt[128];
    snprintf(rt, sizeof rt, "%s", tokenkit_token_refresh_token(first));
    tokenkit_token_free(first);
    tokenkit_client_free(client);
    snprintf(path, sizeof path, "/flaky/1/refresh-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    tokenkit_status s = tokenkit_client_refresh(client, rt, NULL, &token, &err);
    CHECK(s == 0, "refresh after a 503: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* The same 503 on a code exchange is reported, not retried: the code is still unused after. */
    snprintf(path, sizeof path, "/flaky/1/code-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    snprintf(code, sizeof code, "code-noretry-%d", pid);
    s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == 503, "code exchange 503: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_exchange_code(client, code, NULL, &token, &err);
    CHECK(s == 0, "the code was not spent by a retry: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* 429 with Retry-After: 1 is waited out. */
    snprintf(path, sizeof path, "/flaky429/1/cc-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    double start = now_s();
    s = tokenkit_client_client_credentials(client, NULL, &token, &err);
    CHECK(s == 0 && now_s() - start >= 0.9, "429 then success after %.1f s: %s", now_s() - start, msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* Retries off: the 503 comes straight back. */
    snprintf(path, sizeof path, "/flaky/1/off-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 0);
    s = tokenkit_client_client_credentials(client, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR, "retries off: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

static void test_presets(void) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_error *err = NULL;
    CHECK(tokenkit_config_apply_preset(config, "google-nest", NULL, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "project needed");
    tokenkit_error_free(err);
    err = NULL;
    CHECK(tokenkit_config_apply_preset(config, "google-nest", "my-project", &err) == 0, "google-nest: %s", msg(err));
    tokenkit_config_set_client_id(config, "id", NULL);
    tokenkit_config_set_client_secret(config, "secret", NULL);
    tokenkit_client *client = NULL;
    CHECK(tokenkit_client_new(config, &client, &err) == 0, "client: %s", msg(err));
    tokenkit_authorization *auth = NULL;
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(o, "https://www.google.com", NULL);
    CHECK(tokenkit_client_authorization_request(client, o, &auth, &err) == 0, "auth url: %s", msg(err));
    tokenkit_request_options_free(o);
    const char *u = tokenkit_authorization_url(auth);
    CHECK(u && strstr(u, "https://nestservices.google.com/partnerconnections/my-project/auth?") == u, "%s", u);
    CHECK(u && strstr(u, "access_type=offline") && strstr(u, "prompt=consent") && strstr(u, "sdm.service"), "%s", u);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(client);
    CHECK(tokenkit_config_apply_preset(config, "nest", NULL, &err) == 0, "nest");
    client = NULL;
    tokenkit_client_new(config, &client, NULL);
    auth = NULL;
    tokenkit_client_authorization_request(client, NULL, &auth, NULL);
    u = tokenkit_authorization_url(auth);
    CHECK(u && !strncmp(u, "https://home.nest.com/login/oauth2?client_id=id&state=", 54), "%s", u);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
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
    test_authorization_request();
    test_loopback_sign_in();
    test_loopback_iss_check();
    test_device_flow();
    test_token_source();
    test_token_source_single_flight();
    test_token_source_reentry();
    test_revoke_and_introspect();
    test_discovery();
    test_retries();
    test_presets();
    printf("test_flows: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
