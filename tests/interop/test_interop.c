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
#include "source_race.h"

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
    if (!s) s = tokenkit_config_discover(config, issuer, NULL, NULL, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "discovered client %s: %s", id, msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

/* The browser: get-code.mjs logs in, consents (or denies), and follows the redirect to our listener. */
struct browser { const char *mode; pid_t pid; };
static int32_t open_url(void *user_data, const char *url) {
    struct browser *b = user_data;
    b->pid = spawn_get_code("--url", url, b->mode, NULL);
    return b->pid > 0 ? 0 : 1; /* no browser: stop the sign-in */
}

static tokenkit_status sign_in(tokenkit_client *client, const char *mode, tokenkit_token **token, tokenkit_error **err) {
    struct browser b = {mode, -1};
    tokenkit_sign_in_options *o = tokenkit_sign_in_options_new();
    tokenkit_status s = tokenkit_sign_in_options_set_open_url(o, open_url, &b, err);
    if (!s) s = tokenkit_sign_in_options_set_scope(o, "openid offline_access read", err);
    if (!s) s = tokenkit_sign_in_options_add_param(o, "prompt", "consent", err);
    if (!s) s = tokenkit_sign_in_options_set_timeout_ms(o, 60000, err);
    if (!s) s = tokenkit_client_sign_in(client, o, token, err);
    reap(b.pid);
    tokenkit_sign_in_options_free(o);
    return s;
}

static void test_discovery(void) {
    tokenkit_config *config = tokenkit_config_new();
    char *metadata = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_discover(config, issuer, NULL, &metadata, &err);
    CHECK(s == 0, "discover: %s", msg(err));
    CHECK(metadata && strstr(metadata, "\"revocation_endpoint\"") && strstr(metadata, "\"introspection_endpoint\""), "metadata");
    tokenkit_string_free(metadata);
    tokenkit_error_free(err);
    err = NULL;
    char wrong[512];
    snprintf(wrong, sizeof wrong, "%s/", issuer);
    s = tokenkit_config_discover(config, wrong, NULL, NULL, &err);
    CHECK(s != 0, "an issuer that is not exactly the provider's is refused");
    tokenkit_error_free(err);
    err = NULL;
    /* A raised cancel flag stops discovery before it sends anything. */
    tokenkit_cancel *cancel = tokenkit_cancel_new();
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_cancel(o, cancel, NULL);
    tokenkit_cancel_trigger(cancel);
    CHECK(tokenkit_config_discover(config, issuer, o, NULL, &err) == TOKENKIT_STATUS_CANCELLED, "cancelled discovery: %s", msg(err));
    tokenkit_error_free(err);
    tokenkit_request_options_free(o);
    tokenkit_cancel_free(cancel);
    tokenkit_config_free(config);
}

static void test_sign_in_and_code_grant(void) {
    tokenkit_client *public_client = discovered("tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = sign_in(public_client, "--follow", &token, &err);
    CHECK(s == 0, "loopback sign-in (public, PKCE, iss): %s", msg(err));
    CHECK(tokenkit_token_refresh_token(token) != NULL, "refresh token");
    CHECK(tokenkit_token_id_token(token) != NULL, "id_token (openid scope)");
    int64_t expires_in = 0;
    CHECK(tokenkit_token_expires_in(token, &expires_in) == 1 && expires_in > 0, "expires_in %lld", (long long)expires_in);
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
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(o, "http://127.0.0.1/callback", NULL);
    tokenkit_request_options_set_scope(o, "openid read", NULL);
    s = tokenkit_client_authorization_request(confidential, o, &auth, &err);
    CHECK(s == 0, "authorization request: %s", msg(err));
    tokenkit_request_options_free(o);
    const char *url = tokenkit_authorization_url(auth);
    const char *verifier = tokenkit_authorization_code_verifier(auth);
    char cmd[8192], code[512] = "";
    snprintf(cmd, sizeof cmd, "node '%s/get-code.mjs' --url '%s'", dir, url);
    FILE *p = popen(cmd, "r");
    if (p) {
        if (!fgets(code, sizeof code, p)) code[0] = '\0';
        pclose(p);
    }
    code[strcspn(code, "\r\n")] = '\0';
    CHECK(code[0], "get-code gave a code");
    tokenkit_request_options *exchange = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(exchange, "http://127.0.0.1/callback", NULL);
    tokenkit_request_options_set_code_verifier(exchange, verifier, NULL);
    /* A scope on a code exchange is a mistake, refused before the code is spent. */
    tokenkit_request_options *wrong_setting = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(wrong_setting, "read", NULL);
    s = tokenkit_client_exchange_code(confidential, code, wrong_setting, &token, &err);
    CHECK(s == TOKENKIT_STATUS_INVALID_ARGUMENT && strstr(msg(err), "scope"), "scope on an exchange: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_request_options_free(wrong_setting);
    s = tokenkit_client_exchange_code(confidential, code, exchange, &token, &err);
    CHECK(s == 0, "exchange: %s", msg(err));
    /* The saved format reads back. */
    char *saved = NULL;
    tokenkit_token *loaded = NULL;
    CHECK(tokenkit_token_to_json(token, &saved, &err) == 0 && tokenkit_token_from_json(saved, &loaded, &err) == 0 &&
              !strcmp(tokenkit_token_access_token(loaded), tokenkit_token_access_token(token)), "saved token: %s", msg(err));
    tokenkit_string_free(saved);
    tokenkit_token_free(loaded);
    tokenkit_token_free(token);
    token = NULL;
    s = tokenkit_client_exchange_code(confidential, code, exchange, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && !strcmp(tokenkit_error_oauth_error(err), "invalid_grant"), "reused code: %s", msg(err));
    CHECK(!strstr(tokenkit_error_message(err), code) && (!tokenkit_error_body(err) || !strstr(tokenkit_error_body(err), code)),
          "the code is in the error");
    tokenkit_error_free(err);
    tokenkit_request_options_free(exchange);
    tokenkit_authorization_free(auth);
    tokenkit_client_free(confidential);
}

static int32_t approve_device(void *user_data, const tokenkit_device_authorization *auth) {
    *(pid_t *)user_data = spawn_get_code("--issuer", issuer, "--user-code", tokenkit_device_authorization_user_code(auth));
    return *(pid_t *)user_data > 0 ? 0 : 1;
}

static void test_device_flow(void) {
    tokenkit_client *client = discovered("tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    pid_t approver = -1;
    tokenkit_device_options *o = tokenkit_device_options_new();
    tokenkit_device_options_set_on_prompt(o, approve_device, &approver, NULL);
    tokenkit_device_options_set_scope(o, "openid offline_access read", NULL);
    tokenkit_status s = tokenkit_client_device_flow(client, o, &token, &err);
    reap(approver);
    CHECK(s == 0, "device flow: %s", msg(err));
    const char *at = tokenkit_token_access_token(token);
    CHECK(at && strlen(at) > 10, "device token");
    tokenkit_token_free(token);
    tokenkit_device_options_free(o);
    tokenkit_error_free(err);
    tokenkit_client_free(client);
}

static void test_source_revoke_introspect(void) {
    tokenkit_client *client = discovered("tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = sign_in(client, "--follow", &token, &err);
    CHECK(s == 0, "sign-in (client_secret_basic): %s", msg(err));
    char first_rt[256];
    snprintf(first_rt, sizeof first_rt, "%s", token ? tokenkit_token_refresh_token(token) : "");

    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tokenkit_source *source = NULL;
    tokenkit_token_free(token);
    token = NULL;
    /* A source from the refresh token alone: the first of 16 threads asking at once refreshes, the
     * others share its token; the rotated refresh token reaches the callback. */
    tokenkit_source_options *so = tokenkit_source_options_new();
    tokenkit_source_options_set_refresh_token(so, first_rt, NULL);
    tokenkit_source_options_set_on_change(so, on_change, &ch, NULL);
    s = tokenkit_source_new(client, NULL, so, &source, &err);
    tokenkit_source_options_free(so);
    CHECK(s == 0, "source: %s", msg(err));
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
    CHECK(ch.rt[0] && first_rt[0] && strcmp(ch.rt, first_rt), "rotated refresh token reached the callback");

    /* Saved as the refresh token alone with a null access token: loads, and refreshes on use. */
    char saved[640];
    snprintf(saved, sizeof saved, "{\"refresh_token\":\"%s\",\"access_token\":null}", ch.rt);
    tokenkit_source *loaded = NULL;
    s = tokenkit_source_from_json(client, saved, NULL, &loaded, &err);
    CHECK(s == 0, "source from a refresh token with a null access token: %s", msg(err));
    tokenkit_token *reloaded = NULL;
    s = tokenkit_source_token(loaded, &reloaded, &err);
    CHECK(s == 0 && tokenkit_token_refresh_token(reloaded) && strcmp(tokenkit_token_refresh_token(reloaded), ch.rt),
          "refreshed on first use, rotated again: %s", msg(err));
    /* The source follows the rotation: its saved state is the new refresh token, for the rest of
     * this test the first source's (now stale) one is replaced by it. */
    snprintf(ch.rt, sizeof ch.rt, "%s", reloaded ? tokenkit_token_refresh_token(reloaded) : "");
    tokenkit_token_free(reloaded);
    tokenkit_source_free(loaded);

    /* Introspection sees it, revocation ends it. */
    char *at = NULL;
    s = tokenkit_source_access_token(source, &at, &err);
    tokenkit_introspection *info = NULL;
    tokenkit_request_options *access_hint = tokenkit_request_options_new();
    tokenkit_request_options_set_token_type_hint(access_hint, "access_token", NULL);
    s = tokenkit_client_introspect(client, at, access_hint, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1, "introspect active: %s", msg(err));
    int64_t exp = 0, iat = 0;
    CHECK(tokenkit_introspection_exp(info, &exp) == 1 && tokenkit_introspection_iat(info, &iat) == 1 && exp > iat,
          "exp %lld iat %lld", (long long)exp, (long long)iat);
    CHECK(tokenkit_introspection_client_id(info) && !strcmp(tokenkit_introspection_client_id(info), "tk-basic"), "client_id");
    tokenkit_introspection_free(info);
    info = NULL;
    s = tokenkit_client_revoke(client, at, access_hint, &err);
    CHECK(s == 0, "revoke: %s", msg(err));
    s = tokenkit_client_introspect(client, at, NULL, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 0, "introspect after revoke: %s", msg(err));
    tokenkit_introspection_free(info);
    tokenkit_request_options *refresh_hint = tokenkit_request_options_new();
    tokenkit_request_options_set_token_type_hint(refresh_hint, "refresh_token", NULL);
    s = tokenkit_client_revoke(client, ch.rt, refresh_hint, &err);
    CHECK(s == 0, "revoke refresh token: %s", msg(err));
    tokenkit_request_options_free(refresh_hint);
    s = tokenkit_source_refresh(source, NULL, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && !strcmp(tokenkit_error_oauth_error(err), "invalid_grant"), "refresh after revoke: %s", msg(err));
    tokenkit_error_free(err);
    err = NULL;

    token = NULL;
    tokenkit_request_options *scope = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(scope, "read write", NULL);
    s = tokenkit_client_client_credentials(client, scope, &token, &err);
    CHECK(s == 0, "client credentials (basic): %s", msg(err));
    tokenkit_request_options_free(scope);
    tokenkit_request_options_free(access_hint);
    tokenkit_token_free(token);
    tokenkit_string_free(at);
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
