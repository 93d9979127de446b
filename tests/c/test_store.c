/*
 * The token store, the request log and the device flow's poll callback through the C ABI, against
 * the local mock server over real sockets: a profile on disk (mode 0600, the client secret only
 * when asked), a client from its config, a refresh that saves the rotated refresh token, ten
 * threads and four processes (fork) on one expired profile making one refresh request, request
 * options that go with the refresh and a cancel flag that ends the wait for another caller's lock,
 * logout and deletion, the profile list (nothing secret), a token source backed by a profile, log
 * lines with every secret redacted, and the poll callback (pending, slow_down, a stop).
 *
 * Environment: TOKENKIT_TEST_SERVER (http://127.0.0.1:PORT of the mock server, tools/mock-server).
 * Prints "N passed, N failed"; exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http_get.h"
#include "tokenkit.h"
#include "check.h"

static const char *server;
static char store_dir[256];
static int next_code;

static char *url(const char *path) {
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s%s", server, path);
    return b;
}

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }

static int same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* A count in the object `section` of the mock server's GET /stats; 0 when absent, -1 on failure. */
static long stat_in(const char *section, const char *name) {
    static char body[1 << 16];
    if (http_get(url("/stats"), NULL, 0, body, sizeof body) != 200) return -1;
    char key[256];
    snprintf(key, sizeof key, "\"%s\":{", section);
    const char *from = strstr(body, key);
    if (!from) return -1;
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = strstr(from, key);
    return at ? strtol(at + strlen(key), NULL, 10) : 0;
}

static long refreshes(void) { return stat_in("by_grant", "refresh_token"); }

/* The whole file, NUL-terminated, in `buf`; its length, or -1. */
static long read_file(const char *path, char *buf, size_t size) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (long)n;
}

static char *profile_path(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s.json", store_dir, name);
    return path;
}

/* A config for the mock server: `id` with `secret` (client_secret_post), `token_path` as token
 * endpoint, and the other endpoints. */
static tokenkit_config *config_for(const char *token_path, const char *id, const char *secret) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_token_endpoint(config, url(token_path), &err);
    if (!s) s = tokenkit_config_set_client_id(config, id, &err);
    if (!s) s = tokenkit_config_set_client_secret(config, secret, &err);
    if (!s) s = tokenkit_config_set_authorization_endpoint(config, url("/authorize"), &err);
    if (!s) s = tokenkit_config_set_device_authorization_endpoint(config, url("/device_authorization"), &err);
    if (!s) s = tokenkit_config_set_revocation_endpoint(config, url("/revoke"), &err);
    CHECK(s == TOKENKIT_STATUS_OK, "config_for: %s", msg(err));
    tokenkit_error_free(err);
    return config;
}

static tokenkit_client *client_of(const tokenkit_config *config) {
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    CHECK(tokenkit_client_new(config, &client, &err) == TOKENKIT_STATUS_OK, "client_new: %s", msg(err));
    tokenkit_error_free(err);
    return client;
}

/* A token from a fresh code whose access token lives `seconds`. */
static tokenkit_token *token_expiring_in(const tokenkit_client *client, const char *seconds) {
    char code[64];
    snprintf(code, sizeof code, "code-c-store-%d-%d", (int)getpid(), next_code++);
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_add_param(o, "mock_expires_in", seconds, NULL);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    CHECK(tokenkit_client_exchange_code(client, code, o, &token, &err) == 0, "exchange: %s", msg(err));
    tokenkit_request_options_free(o);
    tokenkit_error_free(err);
    return token;
}

static tokenkit_store *open_store(void) {
    tokenkit_store *store = NULL;
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_open(store_dir, &store, &err) == 0 && store, "store_open: %s", msg(err));
    tokenkit_error_free(err);
    return store;
}

/* ---- profiles on disk ---- */

static void test_profile_file(void) {
    tokenkit_store *store = open_store();
    CHECK(same(tokenkit_store_dir(store), store_dir), "store_dir %s", tokenkit_store_dir(store));
    CHECK(tokenkit_store_dir(NULL) == NULL, "store_dir(NULL)");
    tokenkit_config *config = config_for("/token", "demo-client", "demo-secret");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, "work", config, NULL, 0, &err) == 0, "save_profile: %s", msg(err));

    struct stat st;
    CHECK(stat(profile_path("work"), &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", (unsigned)(st.st_mode & 0777));
    char text[8192];
    CHECK(read_file(profile_path("work"), text, sizeof text) > 0, "read the profile");
    CHECK(!strstr(text, "demo-secret"), "the secret was saved: %s", text);
    CHECK(strstr(text, "\"tokenkit_profile\":1") && strstr(text, "\"client_id\":\"demo-client\"") &&
              strstr(text, "\"token\":null"), "profile %s", text);

    /* The config from the profile has no secret: client_secret_post refuses it... */
    tokenkit_config *loaded = NULL;
    CHECK(tokenkit_store_config(store, "work", &loaded, &err) == 0 && loaded, "store_config: %s", msg(err));
    tokenkit_client *client = NULL;
    CHECK(tokenkit_client_new(loaded, &client, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "no secret, no client");
    tokenkit_error_free(err);
    err = NULL;
    /* ...until the program adds it: then the client works against the server. */
    CHECK(tokenkit_config_set_client_secret(loaded, "demo-secret", NULL) == 0, "set secret");
    client = client_of(loaded);
    tokenkit_token *token = token_expiring_in(client, "3600");
    CHECK(token && !strncmp(tokenkit_token_access_token(token), "at-", 3), "a token from the profile's client");
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(loaded);

    /* With the secret, when asked: the client needs nothing more. */
    CHECK(tokenkit_store_save_profile(store, "work", config, NULL, 1, &err) == 0, "save with secret: %s", msg(err));
    CHECK(read_file(profile_path("work"), text, sizeof text) > 0 && strstr(text, "demo-secret"), "secret saved");
    loaded = NULL;
    CHECK(tokenkit_store_config(store, "work", &loaded, &err) == 0, "store_config: %s", msg(err));
    client = client_of(loaded);
    token = token_expiring_in(client, "3600");
    CHECK(token != NULL, "client from a profile with its secret");
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(loaded);

    /* Bad names, missing profiles and NULLs: INVALID_ARGUMENT, outputs untouched. */
    const char *bad[] = {"", "../escape", ".hidden", "a/b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        loaded = NULL;
        CHECK(tokenkit_store_config(store, bad[i], &loaded, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT && !loaded,
              "bad name %s", bad[i]);
        CHECK(tokenkit_store_save_profile(store, bad[i], config, NULL, 0, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT,
              "save bad name %s", bad[i]);
    }
    CHECK(tokenkit_store_config(store, "absent", &loaded, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
              strstr(msg(err), "no profile absent"), "absent: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    CHECK(tokenkit_store_config(NULL, "work", &loaded, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL store");
    CHECK(tokenkit_store_config(store, NULL, &loaded, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL name");
    CHECK(tokenkit_store_config(store, "work", NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL out");
    CHECK(tokenkit_store_save_profile(store, "work", NULL, NULL, 0, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL config");
    tokenkit_store *none = NULL;
    CHECK(tokenkit_store_open(NULL, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL out of open");
    CHECK(tokenkit_store_open("", &none, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT && !none, "empty dir");
    tokenkit_store_free(NULL);

    CHECK(tokenkit_store_delete_profile(store, "work", NULL, NULL) == 0, "delete");
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* ---- refreshing through the store ---- */

static void test_rotated_refresh_token_is_saved(void) {
    tokenkit_store *store = open_store();
    tokenkit_config *config = config_for("/token", "rotating-client", "rotating-secret");
    tokenkit_client *client = client_of(config);
    tokenkit_token *initial = token_expiring_in(client, "30"); /* within the 60 s skew */
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, "rot", config, initial, 0, &err) == 0, "save: %s", msg(err));

    long before = refreshes();
    tokenkit_token *fresh = NULL;
    CHECK(tokenkit_store_token(store, "rot", client, 60000, NULL, &fresh, &err) == 0 && fresh, "store_token: %s", msg(err));
    CHECK(refreshes() == before + 1, "refreshes: %ld", refreshes() - before);
    const char *old_rt = tokenkit_token_refresh_token(initial);
    const char *new_rt = tokenkit_token_refresh_token(fresh);
    CHECK(new_rt && !same(new_rt, old_rt), "the server rotates: %s", new_rt ? new_rt : "(none)");
    CHECK(!same(tokenkit_token_access_token(fresh), tokenkit_token_access_token(initial)), "a new access token");

    tokenkit_token *saved = NULL;
    CHECK(tokenkit_store_saved_token(store, "rot", &saved, &err) == 0 && saved, "saved_token: %s", msg(err));
    CHECK(same(tokenkit_token_refresh_token(saved), new_rt), "the rotated refresh token is saved");
    tokenkit_token_free(saved);

    /* Fresh now: no request. */
    tokenkit_token *again = NULL;
    CHECK(tokenkit_store_token(store, "rot", client, 60000, NULL, &again, &err) == 0, "again: %s", msg(err));
    CHECK(same(tokenkit_token_access_token(again), tokenkit_token_access_token(fresh)), "the saved token");
    CHECK(refreshes() == before + 1, "a fresh token refreshed");
    tokenkit_token_free(again);

    /* The old refresh token is spent. */
    tokenkit_token *reused = NULL;
    CHECK(tokenkit_client_refresh(client, old_rt, NULL, &reused, &err) == TOKENKIT_STATUS_OAUTH_ERROR &&
              same(tokenkit_error_oauth_error(err), "invalid_grant"), "old refresh token: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    /* Negative skew and NULLs. */
    CHECK(tokenkit_store_token(store, "rot", client, -1, NULL, &again, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "negative skew");
    CHECK(tokenkit_store_token(store, "rot", NULL, 0, NULL, &again, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL client");
    CHECK(tokenkit_store_token(store, "rot", client, 0, NULL, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL out");

    /* A profile without a token: sign in again. */
    CHECK(tokenkit_store_save_profile(store, "empty", config, NULL, 0, NULL) == 0, "save empty");
    again = NULL;
    CHECK(tokenkit_store_token(store, "empty", client, 60000, NULL, &again, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
              !again && strstr(msg(err), "has no token"), "no token: %s", msg(err));
    tokenkit_error_free(err);

    tokenkit_store_delete_profile(store, "rot", NULL, NULL);
    tokenkit_store_delete_profile(store, "empty", NULL, NULL);
    tokenkit_token_free(fresh);
    tokenkit_token_free(initial);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* A profile "name" whose token (expiring in 30 s, so stale within the 60 s skew) refreshes
 * through /held/N/3000/KEY/token: the endpoint holds each request until N have arrived or 3 s
 * have passed, so one refresh in flight shows as one request whatever the timing. */
static void save_held_profile(const char *name, const char *key, int n) {
    char path[128];
    snprintf(path, sizeof path, "/held/%d/3000/%s/token", n, key);
    tokenkit_store *store = open_store();
    tokenkit_config *config = config_for(path, "demo-client", "demo-secret");
    tokenkit_config *minting = config_for("/token", "demo-client", "demo-secret");
    tokenkit_client *minter = client_of(minting);
    tokenkit_token *initial = token_expiring_in(minter, "30");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, name, config, initial, 1, &err) == 0, "save %s: %s", name, msg(err));
    tokenkit_error_free(err);
    tokenkit_token_free(initial);
    tokenkit_client_free(minter);
    tokenkit_config_free(minting);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* What a separate process would do: a store and a client of its own, then a fresh token. The
 * access token is copied into `out` (at most 255 bytes); returns the status. */
static tokenkit_status fresh_access_token(const char *name, char out[256]) {
    tokenkit_store *store = NULL;
    tokenkit_config *config = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_status s = tokenkit_store_open(store_dir, &store, NULL);
    if (!s) s = tokenkit_store_config(store, name, &config, NULL);
    if (!s) s = tokenkit_client_new(config, &client, NULL);
    if (!s) s = tokenkit_store_token(store, name, client, 60000, NULL, &token, NULL);
    snprintf(out, 256, "%s", s ? "" : tokenkit_token_access_token(token));
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
    return s;
}

enum { THREADS = 10, PROCESSES = 4 };

struct asker { pthread_barrier_t *start; tokenkit_status status; char access_token[256]; };

static void *ask_main(void *arg) {
    struct asker *a = arg;
    pthread_barrier_wait(a->start);
    a->status = fresh_access_token("threads", a->access_token);
    return NULL;
}

static void test_threads_refresh_once(void) {
    char key[64];
    snprintf(key, sizeof key, "c-store-threads-%d", (int)getpid());
    save_held_profile("threads", key, THREADS);
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, THREADS);
    pthread_t threads[THREADS];
    struct asker askers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        askers[i].start = &start;
        pthread_create(&threads[i], NULL, ask_main, &askers[i]);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);
    CHECK(stat_in("held", key) == 1, "refresh requests from %d threads: %ld", THREADS, stat_in("held", key));
    for (int i = 0; i < THREADS; i++) {
        CHECK(askers[i].status == 0 && askers[i].access_token[0], "thread %d: status %d", i, askers[i].status);
        CHECK(same(askers[i].access_token, askers[0].access_token), "thread %d got another token", i);
    }
    tokenkit_store *store = open_store();
    tokenkit_token *saved = NULL;
    CHECK(tokenkit_store_saved_token(store, "threads", &saved, NULL) == 0 && saved &&
              same(tokenkit_token_access_token(saved), askers[0].access_token), "the shared token is saved");
    tokenkit_token_free(saved);
    tokenkit_store_delete_profile(store, "threads", NULL, NULL);
    tokenkit_store_free(store);
}

/* Processes share one refresh through the profile's file lock. Each child writes its access token
 * to a pipe and exits with its status; under valgrind or ASan each child's own leak check decides
 * its exit status too. */
static void test_processes_refresh_once(void) {
    char key[64];
    snprintf(key, sizeof key, "c-store-procs-%d", (int)getpid());
    save_held_profile("procs", key, PROCESSES);
    int pipes[PROCESSES][2];
    pid_t children[PROCESSES];
    fflush(NULL);
    for (int i = 0; i < PROCESSES; i++) {
        CHECK(pipe(pipes[i]) == 0, "pipe");
        children[i] = fork();
        if (children[i] == 0) {
            char token[256];
            tokenkit_status s = fresh_access_token("procs", token);
            ssize_t written = write(pipes[i][1], token, strlen(token) + 1);
            exit(s == 0 && written > 0 ? 0 : 10 + (int)s);
        }
        close(pipes[i][1]);
    }
    char tokens[PROCESSES][256];
    for (int i = 0; i < PROCESSES; i++) {
        ssize_t n = read(pipes[i][0], tokens[i], sizeof tokens[i] - 1);
        tokens[i][n > 0 ? n : 0] = '\0';
        close(pipes[i][0]);
        int status = 0;
        waitpid(children[i], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d exited %d", i, WEXITSTATUS(status));
    }
    CHECK(stat_in("held", key) == 1, "refresh requests from %d processes: %ld", PROCESSES, stat_in("held", key));
    for (int i = 0; i < PROCESSES; i++) {
        CHECK(tokens[i][0] && same(tokens[i], tokens[0]), "process %d got %s, process 0 %s", i, tokens[i], tokens[0]);
    }
    tokenkit_store *store = open_store();
    tokenkit_store_delete_profile(store, "procs", NULL, NULL);
    tokenkit_store_free(store);
}

/* The request options go with the refresh (here a parameter the server reads), and their cancel
 * flag ends the wait for the lock another caller holds while its refresh is held at the server. */
struct holder { const char *name; tokenkit_status status; };
static void *hold_main(void *arg) {
    struct holder *h = arg;
    char token[256];
    h->status = fresh_access_token(h->name, token);
    return NULL;
}

static void *trigger_after_300ms(void *cancel) {
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    tokenkit_cancel_trigger(cancel);
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_token_options(void) {
    tokenkit_store *store = open_store();
    tokenkit_config *config = config_for("/token", "demo-client", "demo-secret");
    tokenkit_client *client = client_of(config);
    tokenkit_token *initial = token_expiring_in(client, "30");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, "opts", config, initial, 0, &err) == 0, "save: %s", msg(err));
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_add_param(o, "mock_expires_in", "7200", NULL);
    tokenkit_token *fresh = NULL;
    int64_t expires_in = 0;
    CHECK(tokenkit_store_token(store, "opts", client, 60000, o, &fresh, &err) == 0 && fresh, "with options: %s", msg(err));
    CHECK(fresh && tokenkit_token_expires_in(fresh, &expires_in) && expires_in == 7200, "expires_in %lld",
          (long long)expires_in);
    tokenkit_token_free(fresh);
    tokenkit_request_options_free(o);

    /* A cancel flag raised before the call: a stale profile is not refreshed. */
    char key[64];
    snprintf(key, sizeof key, "c-store-cancel-%d", (int)getpid());
    save_held_profile("held", key, 2); /* one caller alone is held the full 3 s */
    tokenkit_cancel *cancel = tokenkit_cancel_new();
    o = tokenkit_request_options_new();
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    tokenkit_cancel_trigger(cancel);
    fresh = NULL;
    CHECK(tokenkit_store_token(store, "held", client, 60000, o, &fresh, &err) == TOKENKIT_STATUS_CANCELLED && !fresh,
          "cancelled before: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_request_options_free(o);
    tokenkit_cancel_free(cancel);

    /* Another caller holds the lock while its refresh is held at the server: a flag raised after
     * 300 ms ends this caller's wait for the lock well before the 3 s are over. */
    struct holder holder = {"held", -1};
    pthread_t thread;
    pthread_create(&thread, NULL, hold_main, &holder);
    /* The holder's request has arrived: it holds the profile's lock until the server answers. */
    while (stat_in("held", key) < 1) nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    cancel = tokenkit_cancel_new();
    o = tokenkit_request_options_new();
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    double start = now_s();
    pthread_t trigger;
    pthread_create(&trigger, NULL, trigger_after_300ms, cancel);
    tokenkit_client *held_client = NULL;
    tokenkit_config *held_config = NULL;
    CHECK(tokenkit_store_config(store, "held", &held_config, NULL) == 0, "held config");
    held_client = client_of(held_config);
    CHECK(tokenkit_store_token(store, "held", held_client, 60000, o, &fresh, &err) == TOKENKIT_STATUS_CANCELLED,
          "cancelled while waiting for the lock: %s", msg(err));
    double took = now_s() - start;
    CHECK(took < 2.0, "the wait ended after %.1f s", took);
    pthread_join(trigger, NULL);
    pthread_join(thread, NULL);
    CHECK(holder.status == 0, "the holder refreshed: %d", holder.status);
    CHECK(stat_in("held", key) == 1, "one refresh: %ld", stat_in("held", key));
    tokenkit_error_free(err);
    tokenkit_request_options_free(o);
    tokenkit_cancel_free(cancel);
    tokenkit_client_free(held_client);
    tokenkit_config_free(held_config);

    tokenkit_store_delete_profile(store, "opts", NULL, NULL);
    tokenkit_store_delete_profile(store, "held", NULL, NULL);
    tokenkit_token_free(initial);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* ---- logout, deletion, the list ---- */

static void test_remove_delete_and_list(void) {
    tokenkit_store *store = open_store();
    tokenkit_config *config = config_for("/token", "demo-client", "demo-secret");
    tokenkit_client *client = client_of(config);
    tokenkit_token *token = token_expiring_in(client, "3600");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, "b-list", config, token, 0, &err) == 0, "save: %s", msg(err));
    CHECK(tokenkit_store_save_profile(store, "a-list", config, NULL, 0, &err) == 0, "save: %s", msg(err));

    char *json = NULL;
    CHECK(tokenkit_store_profiles(store, &json, &err) == 0 && json, "profiles: %s", msg(err));
    if (json) {
        const char *a = strstr(json, "\"name\":\"a-list\""), *b = strstr(json, "\"name\":\"b-list\"");
        CHECK(json[0] == '[' && a && b && a < b, "sorted by name: %s", json);
        CHECK(strstr(json, "\"has_token\":true") && strstr(json, "\"has_refresh_token\":true") &&
                  strstr(json, "\"expires_at\":") && strstr(json, "\"client_id\":\"demo-client\""), "fields: %s", json);
        CHECK(!strstr(json, "demo-secret") && !strstr(json, tokenkit_token_access_token(token)) &&
                  !strstr(json, tokenkit_token_refresh_token(token)), "a secret in the list: %s", json);
    }
    tokenkit_string_free(json);
    CHECK(tokenkit_store_profiles(store, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL out");

    /* save_token into an existing profile, and not into a missing one. */
    CHECK(tokenkit_store_save_token(store, "a-list", token, &err) == 0, "save_token: %s", msg(err));
    CHECK(tokenkit_store_save_token(store, "absent", token, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "absent");
    CHECK(tokenkit_store_save_token(store, "a-list", NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL token");

    /* Logout: the token comes back for revocation; the client settings stay. */
    tokenkit_token *removed = NULL;
    CHECK(tokenkit_store_remove_token(store, "b-list", &removed, &err) == 0 && removed, "remove: %s", msg(err));
    CHECK(same(tokenkit_token_access_token(removed), tokenkit_token_access_token(token)), "the removed token");
    tokenkit_token_free(removed);
    tokenkit_token *saved = (tokenkit_token *)1;
    CHECK(tokenkit_store_saved_token(store, "b-list", &saved, &err) == 0 && saved == NULL, "no token left");
    removed = (tokenkit_token *)1;
    CHECK(tokenkit_store_remove_token(store, "b-list", &removed, &err) == 0 && removed == NULL, "nothing to remove");
    CHECK(tokenkit_store_remove_token(store, "a-list", NULL, &err) == 0, "remove without out: %s", msg(err));
    tokenkit_config *still = NULL;
    CHECK(tokenkit_store_config(store, "b-list", &still, NULL) == 0, "the settings stay");
    tokenkit_config_free(still);

    uint8_t existed = 7;
    CHECK(tokenkit_store_delete_profile(store, "b-list", &existed, &err) == 0 && existed == 1, "delete: %d", existed);
    CHECK(tokenkit_store_delete_profile(store, "b-list", &existed, &err) == 0 && existed == 0, "again: %d", existed);
    CHECK(tokenkit_store_delete_profile(store, "a-list", NULL, &err) == 0, "delete without existed");
    CHECK(tokenkit_store_delete_profile(store, "../x", &existed, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "bad name");
    CHECK(access(profile_path("b-list"), F_OK) != 0, "the file is gone");
    json = NULL;
    CHECK(tokenkit_store_profiles(store, &json, &err) == 0 && same(json, "[]"), "empty list: %s", json);
    tokenkit_string_free(json);
    tokenkit_error_free(err);

    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* ---- a token source backed by a profile ---- */

struct changes { pthread_mutex_t lock; int calls; };
static void count_change(void *user_data, const tokenkit_token *token) {
    (void)token;
    struct changes *ch = user_data;
    pthread_mutex_lock(&ch->lock);
    ch->calls++;
    pthread_mutex_unlock(&ch->lock);
}

static void test_source_from_store(void) {
    tokenkit_store *store = open_store();
    tokenkit_config *config = config_for("/token", "rotating-client", "rotating-secret");
    tokenkit_client *client = client_of(config);
    tokenkit_token *initial = token_expiring_in(client, "30");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_store_save_profile(store, "src", config, initial, 0, &err) == 0, "save: %s", msg(err));

    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0};
    tokenkit_source_options *so = tokenkit_source_options_new();
    tokenkit_source_options_set_on_change(so, count_change, &ch, NULL);
    tokenkit_source *source = NULL;
    CHECK(tokenkit_source_from_store(client, store, "src", so, &source, &err) == 0 && source, "from_store: %s", msg(err));
    tokenkit_store_free(store); /* the source keeps its own reference */

    long before = refreshes();
    tokenkit_token *token = NULL;
    CHECK(tokenkit_source_token(source, &token, &err) == 0 && token, "source_token: %s", msg(err));
    CHECK(refreshes() == before + 1 && ch.calls == 1, "refreshes %ld, on_change %d", refreshes() - before, ch.calls);
    CHECK(!same(tokenkit_token_access_token(token), tokenkit_token_access_token(initial)), "refreshed");

    /* Saved in the profile: another source (another process) takes it up without a request. */
    store = open_store();
    tokenkit_token *saved = NULL;
    CHECK(tokenkit_store_saved_token(store, "src", &saved, NULL) == 0 && saved &&
              same(tokenkit_token_access_token(saved), tokenkit_token_access_token(token)) &&
              same(tokenkit_token_refresh_token(saved), tokenkit_token_refresh_token(token)), "saved by the source");
    tokenkit_token_free(saved);
    tokenkit_source *other = NULL;
    CHECK(tokenkit_source_from_store(client, store, "src", NULL, &other, &err) == 0, "second source: %s", msg(err));
    char *at = NULL;
    CHECK(tokenkit_source_access_token(other, &at, &err) == 0 && same(at, tokenkit_token_access_token(token)),
          "the other source's token: %s", msg(err));
    CHECK(refreshes() == before + 1, "the other source refreshed");
    tokenkit_string_free(at);

    /* A refresh forced through one source goes through the store: the other sees it. */
    tokenkit_token *forced = NULL;
    CHECK(tokenkit_source_refresh(source, &forced, &err) == 0, "refresh: %s", msg(err));
    saved = NULL;
    CHECK(tokenkit_store_saved_token(store, "src", &saved, NULL) == 0 && saved &&
              same(tokenkit_token_refresh_token(saved), tokenkit_token_refresh_token(forced)), "forced refresh saved");
    tokenkit_token_free(saved);
    tokenkit_token_free(forced);

    tokenkit_source *none = NULL;
    CHECK(tokenkit_source_from_store(client, store, "absent", NULL, &none, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT &&
              !none, "absent profile");
    CHECK(tokenkit_source_from_store(client, NULL, "src", NULL, &none, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL store");
    CHECK(tokenkit_source_from_store(NULL, store, "src", NULL, &none, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL client");
    tokenkit_error_free(err);

    tokenkit_store_delete_profile(store, "src", NULL, NULL);
    tokenkit_source_free(other);
    tokenkit_source_free(source);
    tokenkit_source_options_free(so);
    tokenkit_token_free(token);
    tokenkit_token_free(initial);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
}

/* ---- the request log ---- */

struct log { pthread_mutex_t lock; pthread_t thread; int lines, level2, other_thread; char text[1 << 15]; };

static void record_line(void *user_data, int32_t level, const char *line) {
    struct log *log = user_data;
    pthread_mutex_lock(&log->lock);
    log->lines++;
    log->level2 += level == 2;
    log->other_thread += !pthread_equal(pthread_self(), log->thread);
    size_t used = strlen(log->text);
    snprintf(log->text + used, sizeof log->text - used, "%d %s\n", level, line);
    pthread_mutex_unlock(&log->lock);
}

static void test_log(void) {
    struct log log;
    memset(&log, 0, sizeof log);
    pthread_mutex_init(&log.lock, NULL);
    log.thread = pthread_self();
    tokenkit_config *config = config_for("/token", "demo-client", "demo-secret");
    tokenkit_error *err = NULL;
    CHECK(tokenkit_config_set_log(config, 2, record_line, &log, &err) == 0, "set_log: %s", msg(err));
    tokenkit_client *client = client_of(config);
    char code[64];
    snprintf(code, sizeof code, "code-c-log-%d", (int)getpid());
    tokenkit_token *token = NULL;
    CHECK(tokenkit_client_exchange_code(client, code, NULL, &token, &err) == 0, "exchange: %s", msg(err));
    tokenkit_token *refreshed = NULL;
    CHECK(tokenkit_client_refresh(client, tokenkit_token_refresh_token(token), NULL, &refreshed, &err) == 0,
          "refresh: %s", msg(err));
    CHECK(log.lines >= 4 && log.level2 > 0, "%d lines, %d at level 2:\n%s", log.lines, log.level2, log.text);
    CHECK(log.other_thread == 0, "%d lines on another thread", log.other_thread);
    CHECK(strstr(log.text, "POST") && strstr(log.text, url("/token")), "the request is logged:\n%s", log.text);
    CHECK(strstr(log.text, "[redacted]") != NULL, "secrets are marked:\n%s", log.text);
    const char *secrets[] = {"demo-secret", code, tokenkit_token_access_token(token), tokenkit_token_refresh_token(token),
                             tokenkit_token_access_token(refreshed)};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        CHECK(secrets[i] && !strstr(log.text, secrets[i]), "%s is in the log:\n%s", secrets[i], log.text);
    }
    tokenkit_token_free(refreshed);
    tokenkit_token_free(token);
    tokenkit_client_free(client);

    /* Level 1: requests only. 0 turns it off, and then the function may be NULL. */
    memset(log.text, 0, sizeof log.text);
    log.lines = log.level2 = 0;
    CHECK(tokenkit_config_set_log(config, 1, record_line, &log, NULL) == 0, "level 1");
    client = client_of(config);
    token = token_expiring_in(client, "3600");
    CHECK(log.lines > 0 && log.level2 == 0, "level 1: %d lines, %d at level 2", log.lines, log.level2);
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    CHECK(tokenkit_config_set_log(config, 0, NULL, NULL, NULL) == 0, "off");
    client = client_of(config);
    int lines = log.lines;
    token = token_expiring_in(client, "3600");
    CHECK(log.lines == lines, "logged when off");
    tokenkit_token_free(token);
    tokenkit_client_free(client);

    CHECK(tokenkit_config_set_log(config, 3, record_line, &log, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "level 3");
    CHECK(tokenkit_config_set_log(config, -1, record_line, &log, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "level -1");
    CHECK(tokenkit_config_set_log(config, 1, NULL, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL function");
    CHECK(tokenkit_config_set_log(NULL, 0, NULL, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL config");
    tokenkit_config_free(config);
    pthread_mutex_destroy(&log.lock);
}

/* ---- the device flow's poll callback ---- */

struct polls { int calls, stop_after; char outcomes[256]; int64_t last_interval_ms; };

static int32_t on_poll(void *user_data, const char *outcome, int64_t interval_ms) {
    struct polls *p = user_data;
    p->calls++;
    size_t used = strlen(p->outcomes);
    snprintf(p->outcomes + used, sizeof p->outcomes - used, "%s ", outcome);
    p->last_interval_ms = interval_ms;
    return p->stop_after && p->calls >= p->stop_after;
}

static int32_t quiet_prompt(void *user_data, const tokenkit_device_authorization *authorization) {
    (void)user_data;
    (void)authorization;
    return 0;
}

static tokenkit_status device(const tokenkit_client *client, const char *behavior, struct polls *polls,
                              tokenkit_token **token, tokenkit_error **err) {
    tokenkit_device_options *o = tokenkit_device_options_new();
    tokenkit_device_options_set_on_prompt(o, quiet_prompt, NULL, NULL);
    tokenkit_device_options_add_param(o, "mock_behavior", behavior, NULL);
    CHECK(tokenkit_device_options_set_on_poll(o, on_poll, polls, NULL) == 0, "set_on_poll");
    tokenkit_status s = tokenkit_client_device_flow(client, o, token, err);
    tokenkit_device_options_free(o);
    return s;
}

static void test_on_poll(void) {
    tokenkit_config *config = config_for("/token", "public-client", "unused");
    tokenkit_config_set_client_secret(config, NULL, NULL);
    tokenkit_config_set_auth_method(config, TOKENKIT_AUTH_METHOD_NONE, NULL);
    tokenkit_client *client = client_of(config);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;

    /* approve: one authorization_pending, then the token. */
    struct polls polls = {0};
    CHECK(device(client, "approve", &polls, &token, &err) == 0 && token, "approve: %s", msg(err));
    CHECK(polls.calls == 1 && same(polls.outcomes, "authorization_pending ") && polls.last_interval_ms == 1000,
          "polls %d: %s, %lld ms", polls.calls, polls.outcomes, (long long)polls.last_interval_ms);
    tokenkit_token_free(token);
    token = NULL;

    /* slow_down: the interval grows by 5 s (RFC 8628 §3.5). */
    memset(&polls, 0, sizeof polls);
    CHECK(device(client, "slow_down", &polls, &token, &err) == 0, "slow_down: %s", msg(err));
    CHECK(polls.calls == 1 && same(polls.outcomes, "slow_down ") && polls.last_interval_ms == 6000,
          "polls %d: %s, %lld ms", polls.calls, polls.outcomes, (long long)polls.last_interval_ms);
    tokenkit_token_free(token);
    token = NULL;

    /* Non-zero stops the flow: CANCELLED, and no further poll. */
    memset(&polls, 0, sizeof polls);
    polls.stop_after = 1;
    long before = stat_in("by_grant", "device_code");
    CHECK(device(client, "never", &polls, &token, &err) == TOKENKIT_STATUS_CANCELLED && !token, "stop: %s", msg(err));
    CHECK(polls.calls == 1, "polls after the stop: %d", polls.calls);
    CHECK(stat_in("by_grant", "device_code") == before + 1, "one poll");
    tokenkit_error_free(err);
    err = NULL;

    tokenkit_device_options *o = tokenkit_device_options_new();
    CHECK(tokenkit_device_options_set_on_poll(o, NULL, NULL, &err) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL function");
    CHECK(tokenkit_device_options_set_on_poll(NULL, on_poll, NULL, NULL) == TOKENKIT_STATUS_INVALID_ARGUMENT, "NULL options");
    tokenkit_device_options_free(o);
    tokenkit_error_free(err);
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
    snprintf(store_dir, sizeof store_dir, "/tmp/tokenkit-c-store-XXXXXX");
    if (!mkdtemp(store_dir)) {
        perror("mkdtemp");
        return 2;
    }
    /* The processes first, while this one has made no thread a child could inherit half-way. */
    test_processes_refresh_once();
    test_profile_file();
    test_rotated_refresh_token_is_saved();
    test_threads_refresh_once();
    test_token_options();
    test_remove_delete_and_list();
    test_source_from_store();
    test_log();
    test_on_poll();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", store_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", store_dir);
    printf("test_store: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
