/*
 * The OAuth capabilities through the C ABI against the local mock server over real sockets:
 * authorization URLs, loopback sign-in (success, denied consent, wrong state, wrong iss, timeout,
 * cancel), the device flow (pending, slow_down, denied, expired, deadline, cancel), the token
 * source (a 16-thread refresh race that makes exactly one refresh request, a rotated refresh token
 * reaching the callback, save and load), revocation (RFC 7009 and Nest's DELETE), introspection,
 * discovery (issuer checks), retries (a 503 then success on refresh; a 503 on a code exchange that
 * is not retried; 429 with Retry-After) and presets.
 *
 * Environment: TOKENKIT_TEST_SERVER (http://127.0.0.1:PORT of examples/mock_server.rs).
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

static int has(char *owned, const char *needle) {
    int ok = owned && strstr(owned, needle);
    if (!ok) fprintf(stderr, "  %s does not contain %s\n", owned ? owned : "(null)", needle);
    tokenkit_string_free(owned);
    return ok;
}

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }

/* A count from the mock server's GET /stats, e.g. "refresh_token" (under by_grant) or "revocations". */
static long stat_count(const char *name) {
    static char body[1 << 16];
    if (http_get(url("/stats"), NULL, 0, body, sizeof body) != 200) return -1;
    char key[128];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *scope = strstr(body, "\"by_grant\"");
    const char *at = scope ? strstr(scope, key) : NULL;
    if (!at) at = strstr(body, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
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
    if (!s && retries >= 0) s = tokenkit_config_set_retry(config, (uint32_t)retries, 50, 2000, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == TOKENKIT_STATUS_OK, "client_for: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

static tokenkit_client *demo(void) { return client_for("/token", "demo-client", "demo-secret", -1); }

static tokenkit_params *params_of(const char *name, const char *value) {
    tokenkit_params *p = tokenkit_params_new();
    tokenkit_params_add(p, name, value, NULL);
    return p;
}

/* ---- authorization URL ---- */

static void test_authorization_request(void) {
    tokenkit_client *client = demo();
    tokenkit_authorization *auth = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_authorization_request(client, "http://127.0.0.1:9/callback", "read", NULL, &auth, &err);
    CHECK(s == 0, "authorization_request: %s", msg(err));
    char *u = tokenkit_authorization_url(auth);
    char *state = tokenkit_authorization_state(auth);
    char *verifier = tokenkit_authorization_code_verifier(auth);
    CHECK(u && !strncmp(u, url("/authorize?response_type=code&client_id=demo-client&redirect_uri="), strlen(url("/authorize?response_type=code&client_id=demo-client&redirect_uri="))), "url %s", u);
    CHECK(u && strstr(u, "code_challenge_method=S256") && strstr(u, state), "url %s", u);
    CHECK(verifier && strlen(verifier) == 43, "verifier %s", verifier);
    tokenkit_string_free(u);
    tokenkit_string_free(state);
    tokenkit_string_free(verifier);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(client);
}

/* ---- loopback sign-in: the "browser" is a thread that GETs the URL and follows the redirect ---- */

struct browser { char url[4096]; int browse; };

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

static void open_url(void *user_data, const char *u) {
    int *browse = user_data;
    if (*browse == 2) stalled_fd = stall_listener(u); /* someone else gets there first */
    if (!*browse) return; /* the user never comes back */
    struct browser *b = malloc(sizeof *b);
    snprintf(b->url, sizeof b->url, "%s", u);
    pthread_t t;
    pthread_create(&t, NULL, browse_main, b);
    pthread_detach(t);
}

static tokenkit_status sign_in(tokenkit_client *client, const char *behavior, int browse, uint64_t timeout_ms,
                               tokenkit_cancel *cancel, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_params *p = behavior ? params_of("mock_behavior", behavior) : NULL;
    tokenkit_status s = tokenkit_client_sign_in_loopback(client, "read", p, 0, timeout_ms, open_url, &browse, cancel, token, err);
    tokenkit_params_free(p);
    return s;
}

struct canceller { tokenkit_cancel *cancel; double after; };
static void *cancel_main(void *arg) {
    struct canceller *c = arg;
    struct timespec pause = {(time_t)c->after, (long)((c->after - (time_t)c->after) * 1e9)};
    nanosleep(&pause, NULL);
    tokenkit_cancel_trigger(c->cancel);
    return NULL;
}

static void test_loopback_sign_in(void) {
    tokenkit_client *client = demo();
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;

    tokenkit_status s = sign_in(client, NULL, 1, 20000, NULL, &token, &err);
    CHECK(s == 0, "sign in: %s", msg(err));
    CHECK(has(tokenkit_token_access_token(token), "at-"), "signed-in token");
    CHECK(has(tokenkit_token_json(token), "\"scope\":\"read\""), "scope from the authorization request");
    tokenkit_token_free(token);
    token = NULL;

    struct { const char *behavior; tokenkit_status want; const char *oauth; const char *words; } cases[] = {
        {"deny", TOKENKIT_STATUS_OAUTH_ERROR, "access_denied", "access_denied"},
        {"wrong-state", TOKENKIT_STATUS_PROTOCOL_ERROR, NULL, "state"},
        {"no-code", TOKENKIT_STATUS_PROTOCOL_ERROR, NULL, "neither a code nor an error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tokenkit_error *e = NULL;
        s = sign_in(client, cases[i].behavior, 1, 20000, NULL, &token, &e);
        CHECK(s == cases[i].want, "%s: %s (%s)", cases[i].behavior, tokenkit_status_name(s), msg(e));
        CHECK(token == NULL, "%s: token", cases[i].behavior);
        if (cases[i].oauth) CHECK(e && tokenkit_error_oauth_error(e) && !strcmp(tokenkit_error_oauth_error(e), cases[i].oauth), "%s oauth", cases[i].behavior);
        CHECK(strstr(msg(e), cases[i].words) != NULL, "%s: message %s", cases[i].behavior, msg(e));
        tokenkit_error_free(e);
    }

    /* A connection that says one byte and stalls holds the listener 5 s at most. */
    double stall_start = now_s();
    s = sign_in(client, NULL, 2, 30000, NULL, &token, &err);
    CHECK(s == 0, "sign in past a stalled connection: %s", msg(err));
    CHECK(stalled_fd >= 0 && now_s() - stall_start < 15, "took %.1f s", now_s() - stall_start);
    if (stalled_fd >= 0) close(stalled_fd);
    tokenkit_token_free(token);
    token = NULL;

    /* Nobody comes back: the deadline passes, and the listener is closed (a second sign-in works). */
    double start = now_s();
    s = sign_in(client, NULL, 0, 700, NULL, &token, &err);
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
    s = sign_in(client, NULL, 0, 30000, cancel, &token, &err);
    pthread_join(t, NULL);
    CHECK(s == TOKENKIT_STATUS_CANCELLED, "cancel: %s", tokenkit_status_name(s));
    CHECK(now_s() - start < 5, "cancel took %.1f s", now_s() - start);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_cancel_free(cancel);

    CHECK(tokenkit_client_sign_in_loopback(client, NULL, NULL, 0, 1000, NULL, NULL, NULL, &token, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL open_url");
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
    if (!s) s = tokenkit_config_discover(config, server, NULL, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "discovered client: %s", msg(err));
    tokenkit_config_free(config);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_token *token = NULL;
    s = sign_in(client, NULL, 1, 20000, NULL, &token, &err);
    CHECK(s == 0, "sign in with iss: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    const char *bad[] = {"wrong-iss", "no-iss"};
    for (int i = 0; i < 2; i++) {
        tokenkit_error *e = NULL;
        s = sign_in(client, bad[i], 1, 20000, NULL, &token, &e);
        CHECK(s == TOKENKIT_STATUS_PROTOCOL_ERROR && strstr(msg(e), "iss"), "%s: %s %s", bad[i], tokenkit_status_name(s), msg(e));
        tokenkit_error_free(e);
    }
    tokenkit_client_free(client);
}

/* ---- device flow ---- */

struct shown { int calls; char user_code[64]; char uri[256]; };

static void show_code(void *user_data, const tokenkit_device_authorization *auth) {
    struct shown *shown = user_data;
    char *code = tokenkit_device_authorization_user_code(auth);
    char *uri = tokenkit_device_authorization_verification_uri(auth);
    shown->calls++;
    snprintf(shown->user_code, sizeof shown->user_code, "%s", code ? code : "");
    snprintf(shown->uri, sizeof shown->uri, "%s", uri ? uri : "");
    tokenkit_string_free(code);
    tokenkit_string_free(uri);
}

static tokenkit_status device(tokenkit_client *client, const char *behavior, const char *expires_in, tokenkit_cancel *cancel,
                              struct shown *shown, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_params *p = tokenkit_params_new();
    tokenkit_params_add(p, "mock_behavior", behavior, NULL);
    if (expires_in) tokenkit_params_add(p, "mock_expires_in", expires_in, NULL);
    tokenkit_status s = tokenkit_client_device_flow(client, "read", p, show_code, shown, cancel, token, err);
    tokenkit_params_free(p);
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
    CHECK(has(tokenkit_token_refresh_token(token), "rt-"), "device token has a refresh token");
    CHECK(now_s() - start >= 1.9, "pending then approved needs two polls 1 s apart: %.1f s", now_s() - start);
    tokenkit_token_free(token);
    token = NULL;

    /* slow_down adds 5 s to the 1 s interval: the second poll comes >= 6 s after the first. */
    start = now_s();
    s = device(client, "slow_down", NULL, NULL, &shown, &token, &err);
    CHECK(s == 0, "device slow_down: %s", msg(err));
    CHECK(now_s() - start >= 6.9, "slow_down honoured: %.1f s", now_s() - start);
    tokenkit_token_free(token);
    token = NULL;

    /* Google's misspelling. */
    shown.uri[0] = '\0';
    s = device(client, "google", NULL, NULL, &shown, &token, &err);
    CHECK(s == 0 && strstr(shown.uri, "/device"), "verification_url: %s %s", msg(err), shown.uri);
    tokenkit_token_free(token);
    token = NULL;

    const char *stops[][2] = {{"deny", "access_denied"}, {"expire", "expired_token"}};
    for (int i = 0; i < 2; i++) {
        tokenkit_error *e = NULL;
        s = device(client, stops[i][0], NULL, NULL, &shown, &token, &e);
        CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && e && !strcmp(tokenkit_error_oauth_error(e), stops[i][1]), "%s: %s %s",
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
    tokenkit_cancel_free(cancel);
    tokenkit_client_free(client);
}

/* ---- token source ---- */

struct changes { pthread_mutex_t lock; int calls; char last_refresh_token[128]; };

static void on_change(void *user_data, const tokenkit_token *token) {
    struct changes *ch = user_data;
    char *rt = tokenkit_token_refresh_token(token);
    pthread_mutex_lock(&ch->lock);
    ch->calls++;
    snprintf(ch->last_refresh_token, sizeof ch->last_refresh_token, "%s", rt ? rt : "");
    pthread_mutex_unlock(&ch->lock);
    tokenkit_string_free(rt);
}

static tokenkit_token *code_token(tokenkit_client *client, const char *code, const char *expires_in) {
    tokenkit_params *p = params_of("mock_expires_in", expires_in);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_client_exchange_code(client, code, NULL, NULL, p, &token, &err);
    CHECK(s == 0, "exchange %s: %s", code, msg(err));
    tokenkit_error_free(err);
    tokenkit_params_free(p);
    return token;
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

static void test_token_source(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-src-%d-1", (int)getpid());
    /* Expires within the 60 s skew: the first use must refresh. */
    tokenkit_token *initial = code_token(client, code, "30");
    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tokenkit_source *source = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_source_new(client, initial, NULL, -1, on_change, &ch, &source, &err);
    CHECK(s == 0, "source_new: %s", msg(err));
    char *initial_rt = tokenkit_token_refresh_token(initial);
    tokenkit_token_free(initial);
    tokenkit_client_free(client); /* the source keeps its own reference */

    long before = stat_count("refresh_token");
    enum { RACERS = 16 };
    pthread_t threads[RACERS];
    struct racer racers[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i].source = source;
        pthread_create(&threads[i], NULL, race_main, &racers[i]);
    }
    int ok = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        ok += racers[i].ok;
    }
    CHECK(ok == RACERS, "%d of %d threads got a token", ok, RACERS);
    CHECK(stat_count("refresh_token") - before == 1, "refresh requests: %ld", stat_count("refresh_token") - before);
    CHECK(ch.calls == 1, "on_change calls %d", ch.calls);
    /* demo-client's refresh responses carry no refresh token: the old one is kept. */
    CHECK(initial_rt && !strcmp(ch.last_refresh_token, initial_rt), "kept refresh token %s vs %s", ch.last_refresh_token, initial_rt);

    /* A fresh token is served from the cache: no request. */
    before = stat_count("token_requests");
    for (int i = 0; i < 50; i++) {
        char *at = NULL;
        tokenkit_source_access_token(source, &at, NULL);
        tokenkit_string_free(at);
    }
    CHECK(stat_count("token_requests") == before, "cached token made requests");

    /* Saved and loaded: the new source carries on with the same refresh token. */
    char *json = NULL;
    CHECK(tokenkit_source_to_json(source, &json, NULL) == 0 && json && strstr(json, initial_rt), "to_json %s", json);
    tokenkit_client *client2 = demo();
    tokenkit_source *loaded = NULL;
    s = tokenkit_source_from_json(client2, json, -1, NULL, NULL, &loaded, &err);
    CHECK(s == 0, "from_json: %s", msg(err));
    tokenkit_token *forced = NULL;
    s = tokenkit_source_refresh(loaded, &forced, &err);
    CHECK(s == 0 && forced, "forced refresh: %s", msg(err));
    tokenkit_token_free(forced);
    tokenkit_string_free(json);
    tokenkit_source_free(loaded);

    /* From a refresh token alone. */
    tokenkit_source *bare = NULL;
    s = tokenkit_source_new(client2, NULL, initial_rt, -1, NULL, NULL, &bare, &err);
    char *at = NULL;
    CHECK(s == 0 && tokenkit_source_access_token(bare, &at, &err) == 0 && at, "refresh-token-only source: %s", msg(err));
    tokenkit_string_free(at);
    tokenkit_source_free(bare);
    s = tokenkit_source_new(client2, NULL, NULL, -1, NULL, NULL, &bare, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT, "source needs something");
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_client_free(client2);
    tokenkit_string_free(initial_rt);
    tokenkit_source_free(source);

    /* A rotating server: every refresh brings a new refresh token, and the callback sees it. */
    tokenkit_client *rot = client_for("/token", "rotating-client", "rotating-secret", -1);
    snprintf(code, sizeof code, "code-src-%d-2", (int)getpid());
    initial = code_token(rot, code, "3600");
    char *first_rt = tokenkit_token_refresh_token(initial);
    struct changes rc = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    s = tokenkit_source_new(rot, initial, NULL, -1, on_change, &rc, &source, &err);
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
    tokenkit_string_free(first_rt);
    tokenkit_source_free(source);
    tokenkit_client_free(rot);
    tokenkit_error_free(err);
}

/* on_change asking its own source for a token gets an error, not a deadlock. */
struct reentry { tokenkit_source *source; tokenkit_status status; };
static void reenter(void *user_data, const tokenkit_token *token) {
    (void)token;
    struct reentry *r = user_data;
    char *at = NULL;
    tokenkit_error *err = NULL;
    r->status = tokenkit_source_access_token(r->source, &at, &err);
    tokenkit_string_free(at);
    tokenkit_error_free(err);
}

static void test_token_source_reentry(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-reenter-%d", (int)getpid());
    tokenkit_token *initial = code_token(client, code, "3600");
    struct reentry r = {NULL, TOKENKIT_STATUS_OK};
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_source_new(client, initial, NULL, -1, reenter, &r, &r.source, &err);
    CHECK(s == 0, "source: %s", msg(err));
    s = tokenkit_source_refresh(r.source, NULL, &err);
    CHECK(s == 0, "refresh: %s", msg(err));
    CHECK(r.status == TOKENKIT_STATUS_INVALID_ARGUMENT, "re-entry gave %s", tokenkit_status_name(r.status));
    char *at = NULL;
    CHECK(tokenkit_source_access_token(r.source, &at, NULL) == 0 && at, "the source still works afterwards");
    tokenkit_string_free(at);
    tokenkit_token_free(initial);
    tokenkit_source_free(r.source);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
}

/* ---- revocation and introspection ---- */

static void test_revoke_and_introspect(void) {
    tokenkit_client *client = demo();
    char code[64];
    snprintf(code, sizeof code, "code-rev-%d", (int)getpid());
    tokenkit_token *token = code_token(client, code, "3600");
    char *at = tokenkit_token_access_token(token);
    char *rt = tokenkit_token_refresh_token(token);
    tokenkit_introspection *info = NULL;
    tokenkit_error *err = NULL;

    tokenkit_status s = tokenkit_client_introspect(client, at, "access_token", &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1, "active: %s", msg(err));
    CHECK(has(tokenkit_introspection_client_id(info), "demo-client"), "client_id");
    CHECK(has(tokenkit_introspection_scope(info), "read"), "scope");
    CHECK(tokenkit_introspection_exp(info) > time(NULL), "exp");
    CHECK(has(tokenkit_introspection_json(info), "\"active\":true"), "json");
    tokenkit_introspection_free(info);
    info = NULL;

    s = tokenkit_client_revoke(client, at, "access_token", &err);
    CHECK(s == 0, "revoke: %s", msg(err));
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "inactive after revoke");
    tokenkit_introspection_free(info);
    s = tokenkit_client_revoke(client, rt, "refresh_token", &err);
    CHECK(s == 0, "revoke refresh token: %s", msg(err));
    tokenkit_token *refreshed = NULL;
    s = tokenkit_client_refresh(client, rt, NULL, NULL, &refreshed, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR, "revoked refresh token refused: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_revoke(client, "never-issued", NULL, &err);
    CHECK(s == 0, "unknown token revokes fine (RFC 7009 §2.2): %s", msg(err));
    s = tokenkit_client_revoke(client, at, "bogus_hint", &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && !strcmp(tokenkit_error_oauth_error(err), "unsupported_token_type"), "bad hint");
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_string_free(at);
    tokenkit_string_free(rt);
    tokenkit_token_free(token);

    /* No endpoint configured: a clear invalid argument. */
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_config_set_token_endpoint(config, url("/token"), NULL);
    tokenkit_config_set_client_id(config, "demo-client", NULL);
    tokenkit_config_set_client_secret(config, "demo-secret", NULL);
    tokenkit_client *bare = NULL;
    tokenkit_client_new(config, &bare, NULL);
    s = tokenkit_client_revoke(bare, "t", NULL, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && strstr(msg(err), "revocation_endpoint"), "no endpoint: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    /* Works with Nest: DELETE <endpoint>/<token>. */
    snprintf(code, sizeof code, "code-nest-%d", (int)getpid());
    token = code_token(client, code, "3600");
    at = tokenkit_token_access_token(token);
    tokenkit_config_set_revocation_endpoint(config, url("/oauth2/access_tokens"), NULL);
    tokenkit_config_set_revocation_style(config, TOKENKIT_REVOCATION_NEST_DELETE, NULL);
    tokenkit_client *nest = NULL;
    tokenkit_client_new(config, &nest, NULL);
    s = tokenkit_client_revoke(nest, at, NULL, &err);
    CHECK(s == 0, "Nest DELETE: %s", msg(err));
    s = tokenkit_client_revoke(nest, "never-issued", NULL, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR || s == TOKENKIT_STATUS_OAUTH_ERROR, "unknown token is a 404: %s", tokenkit_status_name(s));
    CHECK(tokenkit_error_http_status(err) == 404, "404: %d", tokenkit_error_http_status(err));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "inactive after DELETE");
    tokenkit_introspection_free(info);
    tokenkit_string_free(at);
    tokenkit_token_free(token);
    tokenkit_client_free(nest);
    tokenkit_client_free(bare);
    tokenkit_config_free(config);
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
        tokenkit_status s = tokenkit_config_discover(config, url(cases[i].issuer), &metadata, &err);
        CHECK(s == cases[i].want, "discover %s: %s (%s)", cases[i].issuer, tokenkit_status_name(s), msg(err));
        if (s == 0) {
            CHECK(metadata && strstr(metadata, "\"device_authorization_endpoint\""), "metadata %s", metadata);
            /* The discovered endpoints work: a client credentials grant through them. */
            tokenkit_client *client = NULL;
            tokenkit_token *token = NULL;
            tokenkit_config_set_client_id(config, "demo-client", NULL);
            tokenkit_config_set_client_secret(config, "demo-secret", NULL);
            CHECK(tokenkit_client_new(config, &client, &err) == 0, "client from discovery: %s", msg(err));
            CHECK(tokenkit_client_client_credentials(client, NULL, NULL, &token, &err) == 0, "grant via discovery: %s", msg(err));
            tokenkit_token_free(token);
            tokenkit_client_free(client);
        }
        if (cases[i].want == TOKENKIT_STATUS_PROTOCOL_ERROR && !strcmp(cases[i].issuer, "/evil"))
            CHECK(strstr(msg(err), "issuer") != NULL, "mismatch named: %s", msg(err));
        tokenkit_string_free(metadata);
        tokenkit_error_free(err);
        tokenkit_config_free(config);
    }
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_error *err = NULL;
    CHECK(tokenkit_config_discover(config, "http://as.example.com", NULL, &err) == TOKENKIT_STATUS_INSECURE, "insecure issuer");
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
    char *rt = tokenkit_token_refresh_token(first);
    tokenkit_token_free(first);
    tokenkit_client_free(client);
    snprintf(path, sizeof path, "/flaky/1/refresh-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    tokenkit_status s = tokenkit_client_refresh(client, rt, NULL, NULL, &token, &err);
    CHECK(s == 0, "refresh after a 503: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* The same 503 on a code exchange is reported, not retried: the code is still unused after. */
    snprintf(path, sizeof path, "/flaky/1/code-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    snprintf(code, sizeof code, "code-noretry-%d", pid);
    s = tokenkit_client_exchange_code(client, code, NULL, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR && tokenkit_error_http_status(err) == 503, "code exchange 503: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    err = NULL;
    s = tokenkit_client_exchange_code(client, code, NULL, NULL, NULL, &token, &err);
    CHECK(s == 0, "the code was not spent by a retry: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* 429 with Retry-After: 1 is waited out. */
    snprintf(path, sizeof path, "/flaky429/1/cc-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 3);
    double start = now_s();
    s = tokenkit_client_client_credentials(client, NULL, NULL, &token, &err);
    CHECK(s == 0 && now_s() - start >= 0.9, "429 then success after %.1f s: %s", now_s() - start, msg(err));
    tokenkit_token_free(token);
    token = NULL;
    tokenkit_client_free(client);

    /* Retries off: the 503 comes straight back. */
    snprintf(path, sizeof path, "/flaky/1/off-%d/token", pid);
    client = client_for(path, "demo-client", "demo-secret", 0);
    s = tokenkit_client_client_credentials(client, NULL, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_HTTP_ERROR, "retries off: %s", tokenkit_status_name(s));
    tokenkit_error_free(err);
    tokenkit_client_free(client);
    tokenkit_string_free(rt);
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
    CHECK(tokenkit_client_authorization_request(client, "https://www.google.com", NULL, NULL, &auth, &err) == 0, "auth url");
    char *u = tokenkit_authorization_url(auth);
    CHECK(u && strstr(u, "https://nestservices.google.com/partnerconnections/my-project/auth?") == u, "%s", u);
    CHECK(u && strstr(u, "access_type=offline") && strstr(u, "prompt=consent") && strstr(u, "sdm.service"), "%s", u);
    tokenkit_string_free(u);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(client);
    CHECK(tokenkit_config_apply_preset(config, "nest", NULL, &err) == 0, "nest");
    client = NULL;
    tokenkit_client_new(config, &client, NULL);
    auth = NULL;
    tokenkit_client_authorization_request(client, NULL, NULL, NULL, &auth, NULL);
    u = tokenkit_authorization_url(auth);
    CHECK(u && !strncmp(u, "https://home.nest.com/login/oauth2?client_id=id&state=", 54), "%s", u);
    tokenkit_string_free(u);
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
    test_authorization_request();
    test_loopback_sign_in();
    test_loopback_iss_check();
    test_device_flow();
    test_token_source();
    test_token_source_reentry();
    test_revoke_and_introspect();
    test_discovery();
    test_retries();
    test_presets();
    printf("test_flows: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
