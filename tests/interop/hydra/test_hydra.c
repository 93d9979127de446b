/*
 * The C ABI against Ory Hydra v2.3.0, a second real authorization server of another lineage than
 * oidc-provider, on loopback: discovery with the issuer check, code exchange (client_secret_post,
 * client_secret_basic, a public client with PKCE), code reuse, refresh with rotation (one refresh
 * for 8 threads through a token source) and the rotated-out refresh token refused, client
 * credentials, a wrong secret, introspection on Hydra's admin port, revocation, and loopback sign-in
 * with a tampered state and a denied consent (the "browser" is tests/interop/hydra/get-code.mjs).
 * Where Hydra departs from an RFC, the test records what the server does, names the RFC, and
 * asserts what tokenkit does.
 *
 * Environment (tests/interop/hydra/run.sh sets it): TOKENKIT_HYDRA_ISSUER, TOKENKIT_HYDRA_ADMIN_URL
 * and TOKENKIT_HYDRA_DIR (the folder holding get-code.mjs). Prints "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tokenkit.h"
#include "../../c/check.h"
#include "../source_race.h"

extern char **environ;

static const char *issuer, *dir;
static char introspection_endpoint[512];
#define CALLBACK "http://127.0.0.1/callback"

static const char *msg(const tokenkit_error *err) { return err ? tokenkit_error_message(err) : "(no error)"; }
static const char *oauth(const tokenkit_error *err) {
    const char *e = err ? tokenkit_error_oauth_error(err) : NULL;
    return e ? e : "(none)";
}
static int streq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* A client of Hydra from discovery, plus the introspection endpoint on the admin port, which Hydra
 * lists in no metadata. */
static tokenkit_client *discovered(const char *id, const char *secret, int method) {
    tokenkit_config *config = tokenkit_config_new();
    tokenkit_client *client = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_set_client_id(config, id, &err);
    if (!s) s = tokenkit_config_set_auth_method(config, method, &err);
    if (!s && secret) s = tokenkit_config_set_client_secret(config, secret, &err);
    if (!s) s = tokenkit_config_discover(config, issuer, NULL, NULL, &err);
    if (!s) s = tokenkit_config_set_introspection_endpoint(config, introspection_endpoint, &err);
    if (!s) s = tokenkit_client_new(config, &client, &err);
    CHECK(s == 0, "discovered client %s: %s", id, msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
    return client;
}

/* Whether Hydra says the token is active: 1, 0, or -1 when introspection failed. */
static int active(const tokenkit_client *client, const char *token) {
    tokenkit_introspection *info = NULL;
    tokenkit_error *err = NULL;
    int result = -1;
    if (tokenkit_client_introspect(client, token, NULL, &info, &err) == 0) result = tokenkit_introspection_active(info);
    else fprintf(stderr, "introspection failed: %s\n", msg(err));
    tokenkit_introspection_free(info);
    tokenkit_error_free(err);
    return result;
}

/* Runs the login and consent for the client's authorization URL and exchanges the code; the
 * code is left in `code` for a second try. */
static tokenkit_status code_grant(const tokenkit_client *client, const char *scope, int send_verifier, char *code,
                                  size_t code_size, tokenkit_token **token, tokenkit_error **err) {
    tokenkit_authorization *auth = NULL;
    tokenkit_request_options *o = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(o, CALLBACK, NULL);
    tokenkit_request_options_set_scope(o, scope, NULL);
    tokenkit_status s = tokenkit_client_authorization_request(client, o, &auth, err);
    tokenkit_request_options_free(o);
    if (s) return s;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "node '%s/get-code.mjs' --url '%s'", dir, tokenkit_authorization_url(auth));
    code[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (p) {
        if (!fgets(code, (int)code_size, p)) code[0] = '\0';
        pclose(p);
    }
    code[strcspn(code, "\r\n")] = '\0';
    CHECK(code[0], "get-code gave a code");
    tokenkit_request_options *exchange = tokenkit_request_options_new();
    tokenkit_request_options_set_redirect_uri(exchange, CALLBACK, NULL);
    if (send_verifier) tokenkit_request_options_set_code_verifier(exchange, tokenkit_authorization_code_verifier(auth), NULL);
    s = tokenkit_client_exchange_code(client, code, exchange, token, err);
    tokenkit_request_options_free(exchange);
    tokenkit_authorization_free(auth);
    return s;
}

static void test_discovery(void) {
    tokenkit_config *config = tokenkit_config_new();
    char *metadata = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_config_discover(config, issuer, NULL, &metadata, &err);
    CHECK(s == 0, "discover: %s", msg(err));
    char want[600];
    snprintf(want, sizeof want, "\"issuer\":\"%s\"", issuer);
    CHECK(metadata && strstr(metadata, want), "metadata names the issuer");
    CHECK(metadata && strstr(metadata, "\"revocation_endpoint\"") && !strstr(metadata, "\"introspection_endpoint\""),
          "Hydra lists revocation but not introspection");
    tokenkit_string_free(metadata);
    tokenkit_error_free(err);
    err = NULL;
    /* RFC 8414 §3.3: the document must name exactly the issuer asked for. */
    char other[600];
    snprintf(other, sizeof other, "%s/", issuer);
    s = tokenkit_config_discover(config, other, NULL, NULL, &err);
    CHECK(s == TOKENKIT_STATUS_PROTOCOL_ERROR && strstr(msg(err), "RFC 8414"), "another issuer: %s %s",
          tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    tokenkit_config_free(config);
}

static void test_code_exchange(void) {
    struct { const char *id, *secret; int method; } clients[] = {
        {"tk-post", "tk-post-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST},
        {"tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC},
        {"tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE},
    };
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        tokenkit_client *client = discovered(clients[i].id, clients[i].secret, clients[i].method);
        tokenkit_token *token = NULL;
        tokenkit_error *err = NULL;
        char code[512];
        tokenkit_status s = code_grant(client, "openid offline_access read", 1, code, sizeof code, &token, &err);
        CHECK(s == 0, "exchange (%s): %s", clients[i].id, msg(err));
        CHECK(tokenkit_token_refresh_token(token) && tokenkit_token_id_token(token), "refresh and id tokens (%s)", clients[i].id);
        /* Hydra sends "bearer"; the type is case-insensitive (RFC 6749 §5.1). */
        CHECK(streq(tokenkit_token_token_type(token), "Bearer"), "token_type %s", tokenkit_token_token_type(token));
        CHECK(streq(tokenkit_token_scope(token), "openid offline_access read"), "scope %s", tokenkit_token_scope(token));
        char at[512];
        snprintf(at, sizeof at, "%s", token ? tokenkit_token_access_token(token) : "");
        tokenkit_token_free(token);
        token = NULL;

        /* The same code again: the server's invalid_grant, and the code in no message. */
        tokenkit_request_options *o = tokenkit_request_options_new();
        tokenkit_request_options_set_redirect_uri(o, CALLBACK, NULL);
        s = tokenkit_client_exchange_code(client, code, o, &token, &err);
        tokenkit_request_options_free(o);
        CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "invalid_grant") && tokenkit_error_http_status(err) == 400,
              "reused code (%s): %s %s", clients[i].id, tokenkit_status_name(s), msg(err));
        CHECK(!strstr(msg(err), code), "the code is in the message");
        tokenkit_error_free(err);
        err = NULL;
        /* Hydra also revokes what the code gave (RFC 6749 §4.1.2 says it SHOULD). */
        tokenkit_client *introspector = discovered("tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
        CHECK(active(introspector, at) == 0, "reuse revoked the first access token (%s)", clients[i].id);
        tokenkit_client_free(introspector);

        if (clients[i].method == TOKENKIT_AUTH_METHOD_NONE) {
            /* Hydra requires PKCE of a public client: without the verifier the code is refused. */
            s = code_grant(client, "read", 0, code, sizeof code, &token, &err);
            CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "invalid_grant"), "no verifier: %s %s",
                  tokenkit_status_name(s), msg(err));
            tokenkit_token_free(token);
            tokenkit_error_free(err);
        }
        tokenkit_client_free(client);
    }
}

static void test_refresh_rotation(void) {
    tokenkit_client *client = discovered("tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    char code[512], rt0[512], rt1[512], at1[512];
    tokenkit_status s = code_grant(client, "openid offline_access read write", 1, code, sizeof code, &token, &err);
    CHECK(s == 0, "exchange: %s", msg(err));
    snprintf(rt0, sizeof rt0, "%s", token && tokenkit_token_refresh_token(token) ? tokenkit_token_refresh_token(token) : "");
    tokenkit_token_free(token);
    token = NULL;

    /* RFC 6749 §6 lets a refresh narrow the scope; Hydra ignores `scope` and keeps the granted one.
     * tokenkit sends it and reports the scope the server granted. */
    tokenkit_request_options *narrower = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(narrower, "read", NULL);
    s = tokenkit_client_refresh(client, rt0, narrower, &token, &err);
    tokenkit_request_options_free(narrower);
    CHECK(s == 0, "refresh: %s", msg(err));
    CHECK(streq(tokenkit_token_scope(token), "openid offline_access read write"), "Hydra kept the whole scope: %s",
          token ? tokenkit_token_scope(token) : "");
    snprintf(rt1, sizeof rt1, "%s", token && tokenkit_token_refresh_token(token) ? tokenkit_token_refresh_token(token) : "");
    CHECK(rt1[0] && strcmp(rt1, rt0), "the refresh token rotated");
    tokenkit_token_free(token);
    token = NULL;

    /* A token source from the rotated refresh token: of 8 threads asking at once, one refreshes,
     * and the next rotation reaches the callback. */
    struct changes ch = {PTHREAD_MUTEX_INITIALIZER, 0, ""};
    tokenkit_source_options *so = tokenkit_source_options_new();
    tokenkit_source_options_set_refresh_token(so, rt1, NULL);
    tokenkit_source_options_set_on_change(so, on_change, &ch, NULL);
    tokenkit_source *source = NULL;
    s = tokenkit_source_new(client, NULL, so, &source, &err);
    tokenkit_source_options_free(so);
    CHECK(s == 0, "source: %s", msg(err));
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) pthread_create(&threads[i], NULL, race, source);
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(threads[i], &r);
        ok += r == (void *)0;
    }
    CHECK(ok == 8, "%d of 8 threads got a token", ok);
    CHECK(ch.calls == 1 && ch.rt[0] && strcmp(ch.rt, rt1), "one refresh, rotated: %d callbacks", ch.calls);
    char *access = NULL;
    s = tokenkit_source_access_token(source, &access, &err);
    CHECK(s == 0 && access, "source access token: %s", msg(err));
    snprintf(at1, sizeof at1, "%s", access ? access : "");
    tokenkit_string_free(access);
    CHECK(active(client, at1) == 1, "the source's access token is active");

    /* The rotated-out refresh token is refused... */
    s = tokenkit_client_refresh(client, rt1, NULL, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "invalid_grant"), "rotated-out refresh token: %s %s",
          tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    err = NULL;
    /* ...and Hydra treats the replay as theft (RFC 9700 §4.14.2): the whole grant is revoked, so
     * the source's next refresh fails with the server's invalid_grant. */
    CHECK(active(client, at1) == 0, "the replay revoked the source's access token");
    s = tokenkit_source_refresh(source, NULL, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "invalid_grant"), "source after the replay: %s %s",
          tokenkit_status_name(s), msg(err));
    tokenkit_error_free(err);
    tokenkit_source_free(source);
    tokenkit_client_free(client);
}

static void test_client_credentials_and_revocation(void) {
    tokenkit_client *basic = discovered("tk-basic", "tk-basic-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC);
    tokenkit_client *post = discovered("tk-post", "tk-post-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_request_options *scope = tokenkit_request_options_new();
    tokenkit_request_options_set_scope(scope, "read write", NULL);
    tokenkit_status s = tokenkit_client_client_credentials(basic, scope, &token, &err);
    CHECK(s == 0 && streq(tokenkit_token_scope(token), "read write"), "client credentials: %s", msg(err));
    char at[512];
    snprintf(at, sizeof at, "%s", token ? tokenkit_token_access_token(token) : "");
    tokenkit_token_free(token);
    token = NULL;

    /* A wrong secret, by Basic and in the body: invalid_client with 401. */
    int methods[] = {TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC, TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST};
    for (size_t i = 0; i < 2; i++) {
        tokenkit_client *wrong = discovered(i ? "tk-post" : "tk-basic", "WRONG-SECRET", methods[i]);
        s = tokenkit_client_client_credentials(wrong, scope, &token, &err);
        CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "invalid_client") && tokenkit_error_http_status(err) == 401,
              "wrong secret (%s): %s %s", i ? "post" : "basic", tokenkit_status_name(s), msg(err));
        CHECK(!strstr(msg(err), "WRONG-SECRET"), "the secret is in the message");
        tokenkit_error_free(err);
        err = NULL;
        tokenkit_client_free(wrong);
    }
    tokenkit_request_options_free(scope);
    /* RFC 6749 §5.2: a 401 for a client that authenticated with Basic MUST carry WWW-Authenticate.
     * Hydra's has none; tokenkit reads the error from the body all the same (above). */
    char cmd[1024], headers[4096] = "";
    snprintf(cmd, sizeof cmd, "curl -sS -o /dev/null -D - -u tk-basic:WRONG-SECRET -d grant_type=client_credentials '%s/oauth2/token'",
             issuer);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(headers, 1, sizeof headers - 1, p) : 0;
    if (p) pclose(p);
    headers[n] = '\0';
    for (char *c = headers; *c; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    CHECK(!strncmp(headers, "http/1.1 401", 12) && !strstr(headers, "\nwww-authenticate:"),
          "Hydra's Basic 401 changed: %.40s", headers);

    /* Introspection on the admin port. */
    tokenkit_introspection *info = NULL;
    tokenkit_request_options *hint = tokenkit_request_options_new();
    tokenkit_request_options_set_token_type_hint(hint, "access_token", NULL);
    s = tokenkit_client_introspect(basic, at, hint, &info, &err);
    CHECK(s == 0 && tokenkit_introspection_active(info) == 1, "introspect: %s", msg(err));
    CHECK(streq(tokenkit_introspection_client_id(info), "tk-basic") && streq(tokenkit_introspection_scope(info), "read write"),
          "introspection: client_id and scope");
    int64_t exp = 0, iat = 0;
    CHECK(tokenkit_introspection_exp(info, &exp) == 1 && tokenkit_introspection_iat(info, &iat) == 1 && exp > iat,
          "exp %lld iat %lld", (long long)exp, (long long)iat);
    tokenkit_introspection_free(info);

    /* RFC 7009 §2.1: the server refuses to revoke a token issued to another client. Hydra answers
     * 200 and keeps the token; tokenkit reports the success it was told of (RFC 7009 §2.2). */
    s = tokenkit_client_revoke(post, at, hint, &err);
    CHECK(s == 0, "revoke another client's token: %s %s", tokenkit_status_name(s), msg(err));
    CHECK(active(basic, at) == 1, "Hydra left the other client's token active");
    /* An invalid token: success (RFC 7009 §2.2). */
    s = tokenkit_client_revoke(basic, "ory_at_not-a-token", NULL, &err);
    CHECK(s == 0, "revoke an invalid token: %s", msg(err));
    s = tokenkit_client_revoke(basic, at, hint, &err);
    CHECK(s == 0, "revoke: %s", msg(err));
    CHECK(active(basic, at) == 0, "revoked: inactive");
    tokenkit_request_options_free(hint);
    tokenkit_error_free(err);
    tokenkit_client_free(post);
    tokenkit_client_free(basic);
}

/* The browser: get-code.mjs with its output in a file, started by the sign-in's open_url. */
struct browser { const char *mode; char out[64]; pid_t pid; };
static int32_t open_url(void *user_data, const char *url) {
    struct browser *b = user_data;
    char script[1024];
    snprintf(script, sizeof script, "%s/get-code.mjs", dir);
    char *argv[] = {"node", script, "--url", (char *)url, (char *)b->mode, NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, b->out, O_WRONLY | O_TRUNC, 0);
    if (posix_spawnp(&b->pid, "node", &actions, NULL, argv, environ) != 0) b->pid = -1;
    posix_spawn_file_actions_destroy(&actions);
    return b->pid > 0 ? 0 : 1; /* no browser: stop the sign-in */
}

/* Signs in with the browser in `mode`; its output lines go to `lines`. */
static tokenkit_status sign_in(tokenkit_client *client, const char *mode, char lines[2][256], tokenkit_token **token,
                               tokenkit_error **err) {
    struct browser b = {mode, "", -1};
    snprintf(b.out, sizeof b.out, "/tmp/tk-hydra-browser-XXXXXX");
    int fd = mkstemp(b.out);
    if (fd >= 0) close(fd);
    tokenkit_sign_in_options *o = tokenkit_sign_in_options_new();
    tokenkit_status s = tokenkit_sign_in_options_set_open_url(o, open_url, &b, err);
    if (!s) s = tokenkit_sign_in_options_set_scope(o, "openid offline_access read", err);
    if (!s) s = tokenkit_sign_in_options_set_timeout_ms(o, 30000, err);
    if (!s) s = tokenkit_client_sign_in(client, o, token, err);
    if (b.pid > 0) waitpid(b.pid, NULL, 0);
    tokenkit_sign_in_options_free(o);
    FILE *f = fopen(b.out, "r");
    for (int i = 0; i < 2; i++) {
        lines[i][0] = '\0';
        if (f && !fgets(lines[i], 256, f)) lines[i][0] = '\0';
    }
    if (f) fclose(f);
    unlink(b.out);
    return s;
}

static void test_sign_in(void) {
    tokenkit_client *public_client = discovered("tk-public", NULL, TOKENKIT_AUTH_METHOD_NONE);
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    char lines[2][256];
    /* A redirect with a tampered state first: the listener refuses it and keeps waiting; then the
     * real one. Hydra sends no iss: RFC 9207 is optional, and its metadata promises none. */
    tokenkit_status s = sign_in(public_client, "--tamper-state", lines, &token, &err);
    CHECK(s == 0, "sign-in (public, PKCE): %s", msg(err));
    CHECK(!strncmp(lines[0], "HTTP 400 ", 9) && strstr(lines[0], "not the one the application is waiting for"),
          "tampered state refused: %s", lines[0]);
    CHECK(!strncmp(lines[1], "HTTP 200 ", 9), "then the real redirect: %s", lines[1]);
    CHECK(tokenkit_token_refresh_token(token) && tokenkit_token_id_token(token), "sign-in token");
    tokenkit_token_free(token);
    token = NULL;

    s = sign_in(public_client, "--deny", lines, &token, &err);
    CHECK(s == TOKENKIT_STATUS_OAUTH_ERROR && streq(oauth(err), "access_denied"), "denied: %s %s", tokenkit_status_name(s),
          msg(err));
    CHECK(!strncmp(lines[0], "HTTP 400 ", 9), "denied: the listener answered %s", lines[0]);
    tokenkit_error_free(err);
    err = NULL;
    tokenkit_client_free(public_client);

    tokenkit_client *post = discovered("tk-post", "tk-post-secret", TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST);
    s = sign_in(post, "--follow", lines, &token, &err);
    CHECK(s == 0 && tokenkit_token_access_token(token), "sign-in (client_secret_post): %s", msg(err));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    tokenkit_client_free(post);
}

int main(void) {
    issuer = getenv("TOKENKIT_HYDRA_ISSUER");
    const char *admin = getenv("TOKENKIT_HYDRA_ADMIN_URL");
    dir = getenv("TOKENKIT_HYDRA_DIR");
    if (!issuer || !admin || !dir) {
        fprintf(stderr, "set TOKENKIT_HYDRA_ISSUER, TOKENKIT_HYDRA_ADMIN_URL and TOKENKIT_HYDRA_DIR "
                        "(see tests/interop/hydra/run.sh)\n");
        return 2;
    }
    snprintf(introspection_endpoint, sizeof introspection_endpoint, "%s/admin/oauth2/introspect", admin);
    test_discovery();
    test_code_exchange();
    test_refresh_rotation();
    test_client_credentials_and_revocation();
    test_sign_in();
    printf("test_hydra: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
