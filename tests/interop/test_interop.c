/*
 * Every OAuth capability of the C ABI against oidc-provider, a certified authorization server that
 * nobody on this project wrote, on loopback: discovery, loopback sign-in with PKCE and the RFC 9207
 * iss check (the "browser" is tests/interop/get-code.mjs), denied consent, the device flow, code
 * exchange and reuse, client credentials with each auth method, the token source with rotating
 * refresh tokens, revocation and introspection.
 *
 * Environment: TOKENKIT_INTEROP_ISSUER (the provider's issuer URL) and TOKENKIT_INTEROP_DIR (the
 * folder holding get-code.mjs). Prints "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tokenkit.h"
#include "../c/check.h"

extern char **environ;

static const char *issuer, *dir;

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }

/* Runs `node get-code.mjs ARGS...` in the background (stdout discarded); returns its pid. */
static pid_t spawn_get_code(const char *a1, const char *a2, const char *a3, const char *a4) {
    char script[1024];
    snprintf(script, sizeof script, "%s/get-code.mjs", dir);
    char *argv[] = {"node", script, (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1, 0);
    pid_t pid = -1;
    if (posix_spawnp(&pid, "node", &actions, NULL, argv, environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    return pid;
}

static void reap(pid_t pid) {
    if (pid > 0) waitpid(pid, NULL, 0);
}

static tokenkit_client *discovered(const char *id, const char *secret, int method) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_client_id(config, id, &err);
    if (!s) s = tokenkit_config_set_auth_method(config, method, &err);
    if (!s && secret) s = tokenkit_config_set_client_secret(config, secret, &err);
    if (!s) s = tokenkit_config_discover(config, issuer, NULL, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "discovered client %s: %s", id, msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

/* The browser: get-code.mjs logs in, consents (or denies), and follows the redirect to our listener. */
struct browser { const char *mode; pid_t pid; };
static void open_url(void *user_data, const char *url) {
    struct browser *b = user_data;
    b->pid = spawn_get_code("--url", url, b->mode, NULL);
}

static tokenkit_status sign_in(tokenkit_client *client, const char *mode, tokenkit_token **token, tokenkit_error **err) {
    struct browser b = {mode, -1};
    tokenkit_params *p = tokenkit_params_new();
    tokenkit_params_add(p, "prompt", "consent", NULL);
    tokenkit_status s = tokenkit_client_sign_in_loopback(client, "openid offline_access read", p, 0, 60000, open_url, &b, NULL, token, err);
    reap(b.pid);
    tokenkit_params_free(p);
    return s;
}

static void test_discovery(void) {
    tokenkit_config *config = tokenkit_config_new();
    char *metadata = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_discover(config, issuer, &metadata, &err);
    CHECK(s == 0, "discover: %s", msg(err));
    CHECK(metadata && strstr(metadata, "\"revocation_endpoint\"") && strstr(metadata, "\"introspection_endpoint\""), "metadata");
    tokenkit_string_free(metadata);
    tokenkit_error_free(err);
    err = NULL;
    char wrong[512];
    snprintf(wrong, sizeof wrong, "%s/", issuer);
    s = tokenkit_config_discover(config, wrong, NULL, &err);
    CHECK(s != 0, "an issuer that is not exactly the provider's is refused");
    tokenkit_error_free(err);
    tokenkit_config_free(config);
}

static void test_sign_in_and_code_grant(void) {
    tokenkit_client *public_client = discovered("tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = sign_in(public_client, "--follow", &token, &err);
    CHECK(s == 0, "loopback sign-in (public, PKCE, iss): %s", msg(err));
    char *rt = tokenkit_token_refresh_token(token);
    CHECK(rt != NULL, "refresh token");
    tokenkit_string_free(rt);
    tokenkit_token_free(token);
    token = NULL;

    s = sign_in(public_client, "--deny", &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && err && !strcmp(tokenkit_error_oauth_error(err), "access_denied"), "denied: %s %s",
          tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_client_free(public_client);

    tokenkit_client *confidential = discovered("tk-post", "tk-post-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST);
    s = sign_in(confidential, "--follow", &token, &err);
    CHECK(s == 0, "loopback sign-in (client_secret_post): %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;

    /* A code minted by hand, exchanged once, then refused. */
    tokenkit_authorization *auth = NULL;
    tokenkit_client_authorization_request(confidential, "http://127.0.0.1/callback", "openid read", NULL, &auth, &err);
    char *url = tokenkit_authorization_url(auth);
    char *verifier = tokenkit_authorization_code_verifier(auth);
    char cmd[8192], code[512] = "";
    snprintf(cmd, sizeof cmd, "node '%s/get-code.mjs' --url '%s'", dir, url);
    FILE *p = popen(cmd, "r");
    if (p) {
        if (!fgets(code, sizeof code, p)) code[0] = '\0';
        pclose(p);
    }
    code[strcspn(code, "\r\n")] = '\0';
    CHECK(code[0], "get-code gave a code");
    s = tokenkit_client_exchange_code(confidential, code, "http://127.0.0.1/callback", verifier, NULL, &token, &err);
    CHECK(s == 0, "exchange: %s", msg(err));
    tokenkit_token_free(token);
    token = NULL;
    s = tokenkit_client_exchange_code(confidential, code, "http://127.0.0.1/callback", verifier, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && !strcmp(tokenkit_error_oauth_error(err), "invalid_grant"), "reused code: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_string_free(url);
    tokenkit_string_free(verifier);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(confidential);
}

static void approve_device(void *user_data, const tokenkit_device_authorization *auth) {
    char *user_code = tokenkit_device_authorization_user_code(auth);
    *(pid_t *)user_data = spawn_get_code("--issuer", issuer, "--user-code", user_code);
    tokenkit_string_free(user_code);
}

static void test_device_flow(void) {
    tokenkit_client *client = discovered("tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    pid_t approver = -1;
    tokenkit_status s = tokenkit_client_device_flow(client, "openid offline_access read", NULL, approve_device, &approver, NULL, &token, &err);
    reap(approver);
    CHECK(s == 0, "device flow: %s", msg(err));
    char *at = tokenkit_token_access_token(token);
    CHECK(at && strlen(at) > 10, "device token");
    tokenkit_string_free(at);
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

struct changes { pthread_mutex_t lock; int calls; char rt[256]; };
static void on_change(void *user_data, const tokenkit_token *token) {
    struct changes *ch = user_data;
    char *rt = tokenkit_token_refresh_token(token);
    pthread_mutex_lock(&ch->lock);
    ch->calls++;
    snprintf(ch->rt, sizeof ch->rt, "%s", rt ? rt : "");
    pthread_mutex_unlock(&ch->lock);
    tokenkit_string_free(rt);
}

static void *race(void *arg) {
    tokenkit_token *token = NULL;
    tokenkit_status s = tokenkit_source_token((tokenkit_source *)arg, &token, NULL);
    tokenkit_token_free(token);
    return (void *)(intptr_t)s;
}

static void test_source_revoke_introspect(void) {
    tokenkit_client *client = discovered("tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = sign_in(client, "--follow", &token, &err);
    CHECK(s == 0, "sign-in (client_secret_basic): %s", msg(err));
    char *first_rt = tokenkit_token_refresh_token(token);

    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tokenkit_source *source = NULL;
    tokenkit_token_free(token);
    token = NULL;
    /* A source from the refresh token alone: the first of 16 threads asking at once refreshes, the
     * others share its token; the rotated refresh token reaches the callback. */
    s = tokenkit_source_new(client, NULL, first_rt, -1, on_change, &ch, &source, &err);
    pthread_t threads[16];
    for (int i = 0; i < 16; i++) pthread_create(&threads[i], NULL, race, source);
    int ok = 0;
    for (int i = 0; i < 16; i++) {
        void *r;
        pthread_join(threads[i], &r);
        ok += r == (void *)0;
    }
    CHECK(ok == 16, "%d of 16 threads refreshed", ok);
    CHECK(ch.calls == 1, "one refresh, %d callbacks", ch.calls);
    CHECK(ch.rt[0] && first_rt && strcmp(ch.rt, first_rt), "rotated refresh token reached the callback");

    /* Introspection sees it, revocation ends it. */
    char *at = NULL;
    s = tokenkit_source_access_token(source, &at, &err);
    tokenkit_introspection *info = NULL;
    s = tokenkit_client_introspect(client, at, "access_token", &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1, "introspect active: %s", msg(err));
    tokenkit_introspection_free(info);
    info = NULL;
    s = tokenkit_client_revoke(client, at, "access_token", &err);
    CHECK(s == 0, "revoke: %s", msg(err));
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "introspect after revoke: %s", msg(err));
    tokenkit_introspection_free(info);
    s = tokenkit_client_revoke(client, ch.rt, "refresh_token", &err);
    CHECK(s == 0, "revoke refresh token: %s", msg(err));
    s = tokenkit_source_refresh(source, NULL, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && !strcmp(tokenkit_error_oauth_error(err), "invalid_grant"), "refresh after revoke: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    token = NULL;
    s = tokenkit_client_client_credentials(client, "read write", NULL, &token, &err);
    CHECK(s == 0, "client credentials (basic): %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_string_free(at);
    tokenkit_string_free(first_rt);
    tokenkit_source_free(source);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
}

int main(void) {
    issuer = getenv("TOKENKIT_INTEROP_ISSUER");
    dir = getenv("TOKENKIT_INTEROP_DIR");
    if (!issuer || !dir) {
        fprintf(stderr, "set TOKENKIT_INTEROP_ISSUER and TOKENKIT_INTEROP_DIR (see tests/interop/run.sh)\n");
        return 2;
    }
    test_discovery();
    test_sign_in_and_code_grant();
    test_device_flow();
    test_source_revoke_introspect();
    printf("test_interop: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
