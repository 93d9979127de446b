/*
 * tokenkit: the Works with Nest sample's curl command as a real tool, and the rest of OAuth 2.0
 * for clients: sign-in through the browser, the device flow, revocation, introspection, discovery.
 *
 * The client secret comes from TOKENKIT_CLIENT_SECRET, and the code and tokens from TOKENKIT_CODE,
 * TOKENKIT_REFRESH_TOKEN, TOKENKIT_TOKEN or a file (or stdin), so none of them shows in `ps`; the
 * CLI's copies are zeroed before it exits. Text from the server reaches the terminal with its
 * control characters escaped. Ctrl-C (SIGINT) or SIGTERM cancels the request or wait in progress
 * through a tokenkit_cancel: exit status 7.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tokenkit.h"

extern char **environ;

enum exit_status {
    EXIT_OK = 0,
    EXIT_USAGE = 2,      /* bad usage or invalid argument */
    EXIT_OAUTH = 3,      /* the server sent an OAuth error */
    EXIT_TRANSPORT = 4,  /* transport, timeout or TLS */
    EXIT_PROTOCOL = 5,   /* protocol or HTTP error */
    EXIT_INSECURE = 6,   /* plain http:// to a host that is not loopback */
    EXIT_CANCELLED = 7,  /* cancelled: Ctrl-C or SIGTERM */
    EXIT_INTERNAL = 70,
};

static const char USAGE[] =
    "usage: tokenkit COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  exchange            exchange an authorization code (TOKENKIT_CODE, --code-file F or\n"
    "                      --code C): [--redirect-uri U] [--code-verifier V]\n"
    "  refresh             use a refresh token (TOKENKIT_REFRESH_TOKEN, --refresh-token-file F or\n"
    "                      --refresh-token T): [--scope S]\n"
    "  client-credentials  client credentials grant: [--scope S]\n"
    "  authorize           sign in through the browser (loopback redirect, PKCE, state):\n"
    "                      [--scope S] [--port N] [--wait-ms N] [--no-browser]; the URL to open is\n"
    "                      printed on stderr on a line of its own\n"
    "  device              device flow: prints the verification URI and user code on stderr,\n"
    "                      polls, prints the token: [--scope S]\n"
    "  revoke              revoke a token (TOKENKIT_TOKEN, --token-file F or --token T):\n"
    "                      [--token-type-hint access_token|refresh_token]\n"
    "  introspect          introspect a token (given as to revoke): [--token-type-hint H]; prints\n"
    "                      the JSON\n"
    "  discover            print the issuer's metadata: --issuer URL\n"
    "\n"
    "endpoints (each command asks only for those it calls; give them, or take them from --issuer\n"
    "or --preset; every URL https://, or http:// to 127.0.0.1, ::1, localhost):\n"
    "  --token-url URL           the token endpoint (every command but revoke, introspect, discover)\n"
    "  --authorization-url URL   the authorization endpoint (authorize)\n"
    "  --device-url URL          the device authorization endpoint (device)\n"
    "  --revocation-url URL      the revocation endpoint (revoke)\n"
    "  --introspection-url URL   the introspection endpoint (introspect)\n"
    "  --issuer URL              discover every endpoint from the issuer (RFC 8414 / OpenID Connect)\n"
    "  --preset NAME             nest or google-nest (with --project-id ID)\n"
    "\n"
    "options:\n"
    "  --client-id ID        the client id (required)\n"
    "  --auth-method M       post (default: client_secret_post), basic (client_secret_basic),\n"
    "                        or none (a public client, no secret)\n"
    "  --ca-file PEM         trust the CA certificates in this PEM file (instead of the system's)\n"
    "  --timeout-ms N        the deadline of each call to the server, from the first attempt to the\n"
    "                        last byte of the answer, retries and the waits between them included\n"
    "                        (default 30000)\n"
    "  --attempt-timeout-ms N  a bound on each attempt within that deadline, so that a retry is\n"
    "                        still possible when one attempt hangs (default: none, one attempt may\n"
    "                        use the whole deadline)\n"
    "  --connect-timeout-ms N  the bound on opening each connection (default 10000)\n"
    "  --retries N           retries of refresh, client credentials, polling, revoke, introspect on\n"
    "                        transport errors, 5xx and 429 (default 3; 0 turns them off)\n"
    "  --param NAME=VALUE    an extra form or authorization parameter (repeatable); like every\n"
    "                        setting, refused (exit 2) by a command it does not apply to\n"
    "  --client-secret S     the client secret; avoid it: other users can see it in `ps`.\n"
    "                        Prefer the environment variable TOKENKIT_CLIENT_SECRET.\n"
    "  -h, --help            this help\n"
    "  --version             print the library version\n"
    "\n"
    "the code and the tokens (give each one way only: its variable, its file or its flag):\n"
    "  --code-file PATH, --refresh-token-file PATH, --token-file PATH\n"
    "                        read it from the file PATH, or from stdin for -; one trailing\n"
    "                        newline is dropped, an empty value is refused\n"
    "  --code CODE, --refresh-token T, --token T\n"
    "                        give it as an argument; avoid it: other users can see it in `ps`\n"
    "                        (a warning says so)\n"
    "\n"
    "environment:\n"
    "  TOKENKIT_CLIENT_SECRET  the client secret (required by post and basic)\n"
    "  TOKENKIT_CODE           the authorization code (exchange), instead of --code\n"
    "  TOKENKIT_REFRESH_TOKEN  the refresh token (refresh), instead of --refresh-token\n"
    "  TOKENKIT_TOKEN          the token to revoke or introspect, instead of --token\n"
    "\n"
    "output:\n"
    "  On success the token response (or the introspection or metadata) is printed as JSON on\n"
    "  stdout, on one line, and the exit status is 0. On failure one line on stderr names the\n"
    "  error kind and, when the server sent them, the OAuth error and error_description.\n"
    "  Control characters the server sent are escaped: \\xNN (C0, DEL) or \\u{NN} (U+0080 to\n"
    "  U+009F) in messages, \\u00NN inside JSON strings.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error or invalid argument\n"
    "  3  the server answered with an OAuth error (e.g. invalid_grant, access_denied)\n"
    "  4  transport error, timeout or TLS error\n"
    "  5  protocol error or HTTP error (bad JSON, no access_token, a 500 page, a wrong state)\n"
    "  6  insecure URL refused (plain http:// to a host that is not loopback)\n"
    "  7  cancelled (Ctrl-C or SIGTERM)\n";

static int exit_for(tokenkit_status status) {
    switch (status) {
    case TOKENKIT_STATUS_OK: return EXIT_OK;
    case TOKENKIT_STATUS_INVALID_ARGUMENT: return EXIT_USAGE;
    case TOKENKIT_STATUS_OAUTH_ERROR: return EXIT_OAUTH;
    case TOKENKIT_STATUS_TRANSPORT_ERROR:
    case TOKENKIT_STATUS_TIMEOUT:
    case TOKENKIT_STATUS_TLS_ERROR: return EXIT_TRANSPORT;
    case TOKENKIT_STATUS_HTTP_ERROR:
    case TOKENKIT_STATUS_PROTOCOL_ERROR: return EXIT_PROTOCOL;
    case TOKENKIT_STATUS_INSECURE: return EXIT_INSECURE;
    case TOKENKIT_STATUS_CANCELLED: return EXIT_CANCELLED;
    default: return EXIT_INTERNAL;
    }
}

/* The length (1 to 4) of the valid UTF-8 sequence at `s`, its code point in `*cp`; 0 when `s` does
 * not start one (a stray, overlong or surrogate byte; the NUL ends a sequence early). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp) {
    size_t n;
    uint32_t min;
    if (s[0] < 0x80) { *cp = s[0]; return 1; }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { n = 2; min = 0x80; *cp = s[0] & 0x1Fu; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { n = 3; min = 0x800; *cp = s[0] & 0x0Fu; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { n = 4; min = 0x10000; *cp = s[0] & 0x07u; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        *cp = (*cp << 6) | (s[i] & 0x3Fu);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
    return n;
}

static int is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

/* Text from the network (OAuth fields, error messages, the device flow's URI and user code, the
 * sign-in URL) on its way to the terminal: every control character is escaped, so a hostile server
 * can neither clear the screen, retitle the window nor forge a line. C0 (\n, \r, \t and ESC
 * included), DEL and a byte outside valid UTF-8 become \xNN; U+0080..U+009F (C1) become \u{NN}. */
static void put_text(FILE *f, const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7F) {
            fprintf(f, "\\x%02x", n == 0 ? s[0] : (unsigned)cp);
            s++;
        } else {
            if (is_control(cp)) fprintf(f, "\\u{%02x}", (unsigned)cp);
            else fwrite(s, 1, n, f);
            s += n;
        }
    }
}

/* JSON from the network (the token response, introspection, metadata), as sent but unable to
 * carry a control character to the terminal, and still the same JSON: inside strings C0, DEL and
 * U+0080..U+009F become \u00NN escapes (a byte outside valid UTF-8, which tokenkit never hands
 * out, \ufffd); between tokens each run of whitespace (a pretty-printer's CR, LF, tab) becomes
 * one space, and leading and trailing whitespace goes, so the document is one line. */
static void put_json(FILE *f, const char *json) {
    const unsigned char *s = (const unsigned char *)json;
    size_t len = strlen(json);
    while (len && strchr(" \t\r\n", s[len - 1])) len--;
    while (len && strchr(" \t\r\n", s[0])) { s++; len--; }
    const unsigned char *end = s + len;
    int in_string = 0, escaped = 0;
    while (s < end) {
        uint32_t cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0 || s + n > end) {
            fputs(in_string ? "\\ufffd" : "?", f);
            s++;
            escaped = 0;
            continue;
        }
        if (!in_string && (cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n')) {
            while (s < end && strchr(" \t\r\n", *s)) s++;
            fputc(' ', f);
            continue;
        }
        if (is_control(cp) && in_string) fprintf(f, "\\u%04x", (unsigned)cp);
        else if (is_control(cp)) fprintf(f, "\\x%02x", (unsigned)cp);
        else fwrite(s, 1, n, f);
        if (in_string && !escaped && cp == '"') in_string = 0;
        else if (!in_string && cp == '"') in_string = 1;
        escaped = in_string && !escaped && cp == '\\';
        s += n;
    }
}

/* One line on stderr: kind, OAuth error and description when present, message. */
static int report(tokenkit_status status, const tokenkit_error *err) {
    const char *oauth = tokenkit_error_oauth_error(err);
    const char *description = tokenkit_error_oauth_error_description(err);
    int http = tokenkit_error_http_status(err);
    fprintf(stderr, "tokenkit: %s", tokenkit_status_name(status));
    if (oauth) { fputs(": ", stderr); put_text(stderr, oauth); }
    if (description) { fputs(": ", stderr); put_text(stderr, description); }
    if (http) fprintf(stderr, " (HTTP %d)", http);
    if (!oauth) { fputs(": ", stderr); put_text(stderr, err ? tokenkit_error_message(err) : ""); }
    fputc('\n', stderr);
    return exit_for(status);
}

static int usage_error(const char *message) {
    fprintf(stderr, "tokenkit: invalid_argument: %s\n(run tokenkit --help)\n", message);
    return EXIT_USAGE;
}

struct options {
    const char *command, *client_id, *client_secret, *auth_method, *ca_file;
    const char *token_url, *authorization_url, *device_url, *revocation_url, *introspection_url;
    const char *issuer, *preset, *project_id;
    const char *code, *redirect_uri, *code_verifier, *refresh_token, *scope, *token, *token_type_hint;
    int64_t timeout_ms, attempt_timeout_ms, connect_timeout_ms, wait_ms, port, retries;
    int secret_from_flag, no_browser, retries_set;
    const char *params[64]; /* NAME=VALUE, as given */
    size_t param_count;
    tokenkit_cancel *cancel;
};

/* A decimal number of at most 12 digits (no sign), > 0 unless allow_zero. */
static int parse_number(const char *text, int64_t *out, int allow_zero) {
    if (!*text || strlen(text) > 12 || strspn(text, "0123456789") != strlen(text)) return -1;
    int64_t v = strtoll(text, NULL, 10);
    if (!allow_zero && v == 0) return -1;
    *out = v;
    return 0;
}

/* Ctrl-C and SIGTERM are blocked in every thread and taken here, outside signal context, where
 * raising the cancel flag is safe; the call in progress then returns CANCELLED. */
struct signal_watch { sigset_t signals; const tokenkit_cancel *cancel; };

static void *signal_main(void *arg) {
    struct signal_watch *w = arg;
    int sig = 0;
    if (sigwait(&w->signals, &sig) == 0) {
        fprintf(stderr, "tokenkit: cancelling (signal %d)\n", sig);
        tokenkit_cancel_trigger(w->cancel);
    }
    return NULL;
}

/* Starts the signal thread; the signals stay blocked in the threads created afterwards. A signal
 * ignored when we started (a background job's SIGINT, nohup) stays ignored. */
static void watch_signals(const tokenkit_cancel *cancel) {
    static struct signal_watch w;
    w.cancel = cancel;
    sigemptyset(&w.signals);
    const int watched[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof watched / sizeof watched[0]; i++) {
        struct sigaction current;
        if (sigaction(watched[i], NULL, &current) == 0 && current.sa_handler != SIG_IGN) sigaddset(&w.signals, watched[i]);
    }
    if (pthread_sigmask(SIG_BLOCK, &w.signals, NULL) != 0) return;
    pthread_t thread;
    if (pthread_create(&thread, NULL, signal_main, &w) == 0) pthread_detach(thread);
}

/* Tries the desktop's opener; the URL is printed anyway, so failure is fine. */
static void open_in_browser(const char *url) {
    const char *openers[] = {"xdg-open", "open"};
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none); /* the opener gets Ctrl-C as usual */
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    for (size_t i = 0; i < sizeof openers / sizeof openers[0]; i++) {
        pid_t pid;
        char *argv[] = {(char *)openers[i], (char *)url, NULL};
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 1, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", 1, 0);
        int rc = posix_spawnp(&pid, openers[i], &actions, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc == 0) break; /* the opener runs on its own; it is not waited for */
    }
    posix_spawnattr_destroy(&attr);
}

static int32_t on_url(void *user_data, const char *url) {
    const struct options *o = user_data;
    fputs("Open this URL in a browser to sign in:\n", stderr);
    put_text(stderr, url);
    fputc('\n', stderr);
    fflush(stderr);
    if (!o->no_browser) open_in_browser(url);
    return 0;
}

static int32_t on_device_code(void *user_data, const tokenkit_device_authorization *auth) {
    (void)user_data;
    const char *complete = tokenkit_device_authorization_verification_uri_complete(auth);
    fputs("To sign in, visit ", stderr);
    put_text(stderr, tokenkit_device_authorization_verification_uri(auth));
    fputs(" and enter the code: ", stderr);
    put_text(stderr, tokenkit_device_authorization_user_code(auth));
    fputc('\n', stderr);
    if (complete) {
        fputs("(or open ", stderr);
        put_text(stderr, complete);
        fputs(")\n", stderr);
    }
    fflush(stderr);
    return 0;
}

/* Adds each --param NAME=VALUE through `add` (the options type's _add_param). */
typedef tokenkit_status (*add_param_fn)(void *options, const char *name, const char *value, tokenkit_error **err);

static tokenkit_status add_params(const struct options *o, add_param_fn add, void *options, tokenkit_error **err) {
    tokenkit_status s = TOKENKIT_STATUS_OK;
    for (size_t i = 0; i < o->param_count && !s; i++) {
        char name[256];
        const char *eq = strchr(o->params[i], '=');
        size_t len = (size_t)(eq - o->params[i]);
        if (len >= sizeof name) len = sizeof name - 1;
        memcpy(name, o->params[i], len);
        name[len] = '\0';
        s = add(options, name, eq + 1, err);
    }
    return s;
}
static tokenkit_status add_request_param(void *options, const char *name, const char *value, tokenkit_error **err) {
    return tokenkit_request_options_add_param(options, name, value, err);
}
static tokenkit_status add_sign_in_param(void *options, const char *name, const char *value, tokenkit_error **err) {
    return tokenkit_sign_in_options_add_param(options, name, value, err);
}
static tokenkit_status add_device_param(void *options, const char *name, const char *value, tokenkit_error **err) {
    return tokenkit_device_options_add_param(options, name, value, err);
}

/* The request options of exchange, refresh, client-credentials, revoke and introspect: every
 * setting given on the command line, which the call refuses (exit 2) if it does not apply. */
static tokenkit_status request_options(const struct options *o, tokenkit_request_options *r, tokenkit_error **err) {
    tokenkit_status s = tokenkit_request_options_set_cancel(r, o->cancel, err);
    if (!s && o->scope) s = tokenkit_request_options_set_scope(r, o->scope, err);
    if (!s && o->redirect_uri) s = tokenkit_request_options_set_redirect_uri(r, o->redirect_uri, err);
    if (!s && o->code_verifier) s = tokenkit_request_options_set_code_verifier(r, o->code_verifier, err);
    if (!s && o->token_type_hint) s = tokenkit_request_options_set_token_type_hint(r, o->token_type_hint, err);
    if (!s) s = add_params(o, add_request_param, r, err);
    return s;
}

static tokenkit_status sign_in(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
                               tokenkit_error **err) {
    tokenkit_sign_in_options *si = tokenkit_sign_in_options_new();
    tokenkit_status s = tokenkit_sign_in_options_set_open_url(si, on_url, (void *)o, err);
    if (!s) s = tokenkit_sign_in_options_set_cancel(si, o->cancel, err);
    if (!s) s = tokenkit_sign_in_options_set_port(si, (int32_t)o->port, err);
    if (!s && o->wait_ms) s = tokenkit_sign_in_options_set_timeout_ms(si, o->wait_ms, err);
    if (!s && o->scope) s = tokenkit_sign_in_options_set_scope(si, o->scope, err);
    if (!s) s = add_params(o, add_sign_in_param, si, err);
    if (!s) s = tokenkit_client_sign_in(client, si, token, err);
    tokenkit_sign_in_options_free(si);
    return s;
}

static tokenkit_status device_flow(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
                                   tokenkit_error **err) {
    tokenkit_device_options *d = tokenkit_device_options_new();
    tokenkit_status s = tokenkit_device_options_set_on_prompt(d, on_device_code, NULL, err);
    if (!s) s = tokenkit_device_options_set_cancel(d, o->cancel, err);
    if (!s && o->scope) s = tokenkit_device_options_set_scope(d, o->scope, err);
    if (!s) s = add_params(o, add_device_param, d, err);
    if (!s) s = tokenkit_client_device_flow(client, d, token, err);
    tokenkit_device_options_free(d);
    return s;
}

/* Whether a command calls the token endpoint: every command but revoke, introspect and discover
 * (authorize and device end with a token request). */
static int uses_token_endpoint(const char *command) {
    return strcmp(command, "revoke") && strcmp(command, "introspect") && strcmp(command, "discover");
}

static tokenkit_status configure(const struct options *o, int auth, tokenkit_config *config,
                                 const tokenkit_request_options *discovery, char **metadata, tokenkit_error **err) {
    tokenkit_status s = TOKENKIT_STATUS_OK;
    if (o->preset) s = tokenkit_config_apply_preset(config, o->preset, o->project_id, err);
    if (!s && o->token_url) s = tokenkit_config_set_token_endpoint(config, o->token_url, err);
    if (!s && o->client_id) s = tokenkit_config_set_client_id(config, o->client_id, err);
    if (!s && (o->preset == NULL || o->auth_method)) s = tokenkit_config_set_auth_method(config, auth, err);
    if (!s && auth != TOKENKIT_AUTH_METHOD_NONE) s = tokenkit_config_set_client_secret(config, o->client_secret, err);
    if (!s && o->ca_file) s = tokenkit_config_add_ca_file(config, o->ca_file, err);
    if (!s && o->timeout_ms) s = tokenkit_config_set_timeout_ms(config, o->timeout_ms, err);
    if (!s && o->attempt_timeout_ms) s = tokenkit_config_set_attempt_timeout_ms(config, o->attempt_timeout_ms, err);
    if (!s && o->connect_timeout_ms) s = tokenkit_config_set_connect_timeout_ms(config, o->connect_timeout_ms, err);
    if (!s && o->retries_set) s = tokenkit_config_set_retry(config, (int32_t)o->retries, 200, 10000, err);
    if (!s && o->issuer) s = tokenkit_config_discover(config, o->issuer, discovery, metadata, err);
    if (!s && o->authorization_url) s = tokenkit_config_set_authorization_endpoint(config, o->authorization_url, err);
    if (!s && o->device_url) s = tokenkit_config_set_device_authorization_endpoint(config, o->device_url, err);
    if (!s && o->revocation_url) s = tokenkit_config_set_revocation_endpoint(config, o->revocation_url, err);
    if (!s && o->introspection_url) s = tokenkit_config_set_introspection_endpoint(config, o->introspection_url, err);
    return s;
}

static int run(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_introspection *introspection = NULL;
    char *metadata = NULL;
    int auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST;

    if (!o->auth_method || !strcmp(o->auth_method, "post")) auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST;
    else if (!strcmp(o->auth_method, "basic")) auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC;
    else if (!strcmp(o->auth_method, "none")) auth = TOKENKIT_AUTH_METHOD_NONE;
    else return usage_error("--auth-method must be post, basic or none");

    const char *c = o->command;
    int discover = !strcmp(c, "discover");
    tokenkit_config *config = tokenkit_config_new();
    /* Discovery takes only the cancel flag; the command's own settings go with its request. */
    tokenkit_request_options *discovery = tokenkit_request_options_new();
    tokenkit_request_options *request = tokenkit_request_options_new();
    tokenkit_status status = config && discovery && request ? TOKENKIT_STATUS_OK : TOKENKIT_STATUS_INTERNAL_ERROR;
    if (!status) status = tokenkit_request_options_set_cancel(discovery, o->cancel, &err);
    /* The discover command's settings go to the discovery, which refuses them like any call. */
    if (!status && strcmp(c, "authorize") && strcmp(c, "device"))
        status = request_options(o, discover ? discovery : request, &err);
    if (!status) status = configure(o, auth, config, discovery, discover ? &metadata : NULL, &err);
    if (!status && !discover) status = tokenkit_client_new(config, &client, &err);
    tokenkit_config_free(config);

    if (!status) {
        if (!strcmp(c, "exchange")) status = tokenkit_client_exchange_code(client, o->code, request, &token, &err);
        else if (!strcmp(c, "refresh")) status = tokenkit_client_refresh(client, o->refresh_token, request, &token, &err);
        else if (!strcmp(c, "client-credentials")) status = tokenkit_client_client_credentials(client, request, &token, &err);
        else if (!strcmp(c, "authorize")) status = sign_in(o, client, &token, &err);
        else if (!strcmp(c, "device")) status = device_flow(o, client, &token, &err);
        else if (!strcmp(c, "revoke")) status = tokenkit_client_revoke(client, o->token, request, &err);
        else if (!strcmp(c, "introspect")) status = tokenkit_client_introspect(client, o->token, request, &introspection, &err);
    }

    int code = EXIT_OK;
    if (status) {
        code = report(status, err);
    } else if (token || introspection || metadata) {
        put_json(stdout, token ? tokenkit_token_json(token)
                         : introspection ? tokenkit_introspection_json(introspection) : metadata);
        putchar('\n');
    } else if (!strcmp(c, "revoke")) {
        fprintf(stderr, "tokenkit: revoked\n");
    }
    tokenkit_string_free(metadata);
    tokenkit_introspection_free(introspection);
    tokenkit_token_free(token);
    tokenkit_request_options_free(request);
    tokenkit_request_options_free(discovery);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
    return code;
}

static int is_command(const char *c) {
    const char *commands[] = {"exchange", "refresh", "client-credentials", "authorize", "device",
                              "revoke", "introspect", "discover"};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(c, commands[i])) return 1;
    return 0;
}

/* Overwrites `len` bytes at `p` in a way the compiler cannot drop as a dead store. */
static void wipe(void *p, size_t len) {
    volatile unsigned char *v = p;
    while (len--) *v++ = 0;
}

/* A copy of our own of a secret; `*size` gets the bytes to wipe. NULL if memory ran out. */
static char *copy_secret(const char *text, size_t *size) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy) memcpy(copy, text, len + 1);
    *size = len + 1;
    return copy;
}

/* The code, the refresh token, or the token to revoke or introspect: given by its flag (seen in
 * `ps`, so a warning), its file flag (- for stdin) or its environment variable, one way only. */
struct secret {
    const char *what, *flag, *file_flag, *env, *command, *command2;
    char *from_flag;  /* the flag's value, copied (the argv copy is wiped at once) */
    size_t from_flag_size;
    const char *path; /* the file flag's PATH */
    char *value;      /* the value in use (from_flag, or read from the file or the environment) */
    size_t value_size;
    int on_command_line; /* the value came from the flag: warn */
};

static int takes(const struct secret *s, const char *command) {
    return !strcmp(command, s->command) || (s->command2 && !strcmp(command, s->command2));
}

enum { SECRET_MAX = 64 * 1024 };
static char message[1024]; /* a usage error's text, when it names something */

/* Reads s->path (- for stdin) into s->value through read(2), so no stdio buffer keeps a copy;
 * one trailing newline (LF or CR LF) is dropped. NULL on success, else what went wrong. */
static const char *read_secret(struct secret *s) {
    int from_stdin = !strcmp(s->path, "-");
    int fd = from_stdin ? STDIN_FILENO : open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(message, sizeof message, "cannot read %s %s: %s", s->file_flag, s->path, strerror(errno));
        return message;
    }
    s->value_size = SECRET_MAX + 1;
    s->value = malloc(s->value_size);
    size_t len = 0;
    const char *problem = s->value ? NULL : "out of memory";
    while (!problem) {
        ssize_t got = read(fd, s->value + len, s->value_size - len);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(message, sizeof message, "cannot read %s %s: %s", s->file_flag, s->path, strerror(errno));
            problem = message;
        } else if (got == 0) {
            break;
        } else if ((len += (size_t)got) == s->value_size) {
            snprintf(message, sizeof message, "%s: %s is longer than %d bytes", s->file_flag, s->what, SECRET_MAX);
            problem = message;
        }
    }
    if (!from_stdin) close(fd);
    if (problem) return problem;
    if (len && s->value[len - 1] == '\n') len--;
    if (len && s->value[len - 1] == '\r') len--;
    s->value[len] = '\0';
    if (len == 0 || memchr(s->value, '\0', len)) {
        snprintf(message, sizeof message, "%s: %s is %s", s->file_flag, s->what, len ? "not text (a NUL byte)" : "empty");
        return message;
    }
    return NULL;
}

/* Settles where the command's secret comes from, and refuses the flags of the secrets it does not
 * take; another command's environment variable is ignored. NULL when fine, else a usage error. */
static const char *settle_secrets(const char *command, struct secret *secrets, size_t count) {
    /* Each command takes one secret, so at most one file is read: stdin cannot be asked twice. */
    for (size_t i = 0; i < count; i++) {
        const struct secret *s = &secrets[i];
        if (!takes(s, command) && (s->from_flag || s->path)) {
            snprintf(message, sizeof message, "%s does not apply to %s", s->from_flag ? s->flag : s->file_flag, command);
            return message;
        }
    }
    for (size_t i = 0; i < count; i++) {
        struct secret *s = &secrets[i];
        if (!takes(s, command)) continue;
        const char *env = getenv(s->env);
        if (env && !*env) env = NULL; /* set but empty: as if unset */
        const char *ways[3];
        size_t n = 0;
        if (s->from_flag) ways[n++] = s->flag;
        if (s->path) ways[n++] = s->file_flag;
        if (env) ways[n++] = s->env;
        if (n > 1) {
            snprintf(message, sizeof message, "%s and %s both give %s: give it one way", ways[0], ways[1], s->what);
            return message;
        }
        if (s->from_flag) {
            if (!*s->from_flag) {
                snprintf(message, sizeof message, "%s is empty", s->flag);
                return message;
            }
            s->value = s->from_flag;
            s->value_size = s->from_flag_size;
            s->from_flag = NULL;
            s->on_command_line = 1;
        } else if (s->path) {
            const char *problem = read_secret(s);
            if (problem) return problem;
        } else if (env) {
            s->value = copy_secret(env, &s->value_size);
            if (!s->value) return "out of memory";
        }
    }
    return NULL;
}

static void free_secret(char *value, size_t size) {
    if (!value) return;
    wipe(value, size);
    free(value);
}

/* The endpoint a command calls that nothing supplies, named by its flag (in a usage error); NULL
 * when none is missing. --issuer may supply every endpoint (the library then names one the
 * metadata lacks), a preset the token, authorization and revocation endpoints. */
static const char *missing_endpoint(const struct options *o) {
    const char *c = o->command, *flag = NULL;
    int from_preset = 1;
    if (!strcmp(c, "authorize") && !o->authorization_url) {
        flag = "--authorization-url";
    } else if (!strcmp(c, "device") && !o->device_url) {
        flag = "--device-url";
        from_preset = 0;
    } else if (!strcmp(c, "revoke") && !o->revocation_url) {
        flag = "--revocation-url";
    } else if (!strcmp(c, "introspect") && !o->introspection_url) {
        flag = "--introspection-url";
        from_preset = 0;
    } else if (uses_token_endpoint(c) && !o->token_url) {
        flag = "--token-url";
    }
    if (!flag || o->issuer || (o->preset && from_preset)) return NULL;
    snprintf(message, sizeof message, "%s needs %s (or --issuer%s)", c, flag, from_preset ? ", or --preset" : "");
    return message;
}

/* What each command needs beyond the client; NULL when the options are complete. */
static const char *missing(const struct options *o) {
    const char *c = o->command;
    if (!strcmp(c, "discover")) return o->issuer ? NULL : "discover needs --issuer";
    if (!o->client_id) return "--client-id is required";
    const char *endpoint = missing_endpoint(o);
    if (endpoint) return endpoint;
    if (!strcmp(c, "exchange") && !o->code) return "exchange needs the code: TOKENKIT_CODE, --code-file or --code";
    if (!strcmp(c, "refresh") && !o->refresh_token)
        return "refresh needs the refresh token: TOKENKIT_REFRESH_TOKEN, --refresh-token-file or --refresh-token";
    if ((!strcmp(c, "revoke") || !strcmp(c, "introspect")) && !o->token)
        return "revoke and introspect need the token: TOKENKIT_TOKEN, --token-file or --token";
    if (o->port > 65535) return "--port must be at most 65535";
    return NULL;
}

int main(int argc, char **argv) {
    enum { O_TOKEN_URL = 256, O_CLIENT_ID, O_CLIENT_SECRET, O_AUTH, O_CA, O_TIMEOUT, O_CONNECT_TIMEOUT,
           O_CODE, O_REDIRECT, O_VERIFIER, O_REFRESH, O_SCOPE, O_PARAM, O_VERSION, O_AUTHZ_URL, O_DEVICE_URL,
           O_REVOKE_URL, O_INTROSPECT_URL, O_ISSUER, O_PRESET, O_PROJECT, O_TOKEN, O_HINT, O_PORT, O_WAIT,
           O_NO_BROWSER, O_RETRIES, O_ATTEMPT_TIMEOUT, O_CODE_FILE, O_REFRESH_FILE, O_TOKEN_FILE };
    static const struct option long_options[] = {
        {"token-url", required_argument, 0, O_TOKEN_URL},
        {"authorization-url", required_argument, 0, O_AUTHZ_URL},
        {"device-url", required_argument, 0, O_DEVICE_URL},
        {"revocation-url", required_argument, 0, O_REVOKE_URL},
        {"introspection-url", required_argument, 0, O_INTROSPECT_URL},
        {"issuer", required_argument, 0, O_ISSUER},
        {"preset", required_argument, 0, O_PRESET},
        {"project-id", required_argument, 0, O_PROJECT},
        {"client-id", required_argument, 0, O_CLIENT_ID},
        {"client-secret", required_argument, 0, O_CLIENT_SECRET},
        {"auth-method", required_argument, 0, O_AUTH},
        {"ca-file", required_argument, 0, O_CA},
        {"timeout-ms", required_argument, 0, O_TIMEOUT},
        {"attempt-timeout-ms", required_argument, 0, O_ATTEMPT_TIMEOUT},
        {"connect-timeout-ms", required_argument, 0, O_CONNECT_TIMEOUT},
        {"retries", required_argument, 0, O_RETRIES},
        {"code", required_argument, 0, O_CODE},
        {"code-file", required_argument, 0, O_CODE_FILE},
        {"redirect-uri", required_argument, 0, O_REDIRECT},
        {"code-verifier", required_argument, 0, O_VERIFIER},
        {"refresh-token", required_argument, 0, O_REFRESH},
        {"refresh-token-file", required_argument, 0, O_REFRESH_FILE},
        {"scope", required_argument, 0, O_SCOPE},
        {"token", required_argument, 0, O_TOKEN},
        {"token-file", required_argument, 0, O_TOKEN_FILE},
        {"token-type-hint", required_argument, 0, O_HINT},
        {"port", required_argument, 0, O_PORT},
        {"wait-ms", required_argument, 0, O_WAIT},
        {"no-browser", no_argument, 0, O_NO_BROWSER},
        {"param", required_argument, 0, O_PARAM},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0},
    };
    enum { S_CODE, S_REFRESH, S_TOKEN, S_COUNT };
    struct secret secrets[S_COUNT] = {
        [S_CODE] = {.what = "the code", .flag = "--code", .file_flag = "--code-file", .env = "TOKENKIT_CODE",
                    .command = "exchange"},
        [S_REFRESH] = {.what = "the refresh token", .flag = "--refresh-token", .file_flag = "--refresh-token-file",
                       .env = "TOKENKIT_REFRESH_TOKEN", .command = "refresh"},
        [S_TOKEN] = {.what = "the token", .flag = "--token", .file_flag = "--token-file", .env = "TOKENKIT_TOKEN",
                     .command = "revoke", .command2 = "introspect"},
    };
    char *secret_flag_copy = NULL; /* --client-secret's value, copied */
    size_t secret_flag_size = 0;
    struct options o;
    memset(&o, 0, sizeof o);
    int result = EXIT_OK, opt;

    /* The command comes first (tokenkit exchange --code ...); options follow it. */
    if (argc > 1 && argv[1][0] != '-') {
        o.command = argv[1];
        argv[1] = argv[0];
        argc--;
        argv++;
    }
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+h", long_options, NULL)) != -1) {
        struct secret *secret = NULL;
        switch (opt) {
        case O_TOKEN_URL: o.token_url = optarg; break;
        case O_AUTHZ_URL: o.authorization_url = optarg; break;
        case O_DEVICE_URL: o.device_url = optarg; break;
        case O_REVOKE_URL: o.revocation_url = optarg; break;
        case O_INTROSPECT_URL: o.introspection_url = optarg; break;
        case O_ISSUER: o.issuer = optarg; break;
        case O_PRESET: o.preset = optarg; break;
        case O_PROJECT: o.project_id = optarg; break;
        case O_CLIENT_ID: o.client_id = optarg; break;
        case O_CLIENT_SECRET:
            /* Our own copy; the one in argv (read by `ps`) is wiped at once. */
            free_secret(secret_flag_copy, secret_flag_size);
            secret_flag_copy = copy_secret(optarg, &secret_flag_size);
            wipe(optarg, strlen(optarg));
            if (!secret_flag_copy) { result = EXIT_INTERNAL; goto done; }
            o.client_secret = secret_flag_copy;
            o.secret_from_flag = 1;
            break;
        case O_AUTH: o.auth_method = optarg; break;
        case O_CA: o.ca_file = optarg; break;
        case O_TIMEOUT:
            if (parse_number(optarg, &o.timeout_ms, 0)) { result = usage_error("--timeout-ms takes a positive number"); goto done; }
            break;
        case O_ATTEMPT_TIMEOUT:
            if (parse_number(optarg, &o.attempt_timeout_ms, 0)) { result = usage_error("--attempt-timeout-ms takes a positive number"); goto done; }
            break;
        case O_CONNECT_TIMEOUT:
            if (parse_number(optarg, &o.connect_timeout_ms, 0)) { result = usage_error("--connect-timeout-ms takes a positive number"); goto done; }
            break;
        case O_WAIT:
            if (parse_number(optarg, &o.wait_ms, 0)) { result = usage_error("--wait-ms takes a positive number"); goto done; }
            break;
        case O_PORT:
            if (parse_number(optarg, &o.port, 1)) { result = usage_error("--port takes a number"); goto done; }
            break;
        case O_RETRIES:
            if (parse_number(optarg, &o.retries, 1) || o.retries > 100) { result = usage_error("--retries takes a number up to 100"); goto done; }
            o.retries_set = 1;
            break;
        case O_NO_BROWSER: o.no_browser = 1; break;
        case O_CODE: secret = &secrets[S_CODE]; break;
        case O_REFRESH: secret = &secrets[S_REFRESH]; break;
        case O_TOKEN: secret = &secrets[S_TOKEN]; break;
        case O_CODE_FILE: secret = &secrets[S_CODE]; break;
        case O_REFRESH_FILE: secret = &secrets[S_REFRESH]; break;
        case O_TOKEN_FILE: secret = &secrets[S_TOKEN]; break;
        case O_REDIRECT: o.redirect_uri = optarg; break;
        case O_VERIFIER: o.code_verifier = optarg; break;
        case O_SCOPE: o.scope = optarg; break;
        case O_HINT: o.token_type_hint = optarg; break;
        case O_PARAM: {
            const char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg || eq - optarg >= 256) { result = usage_error("--param takes NAME=VALUE"); goto done; }
            if (o.param_count == sizeof o.params / sizeof o.params[0]) { result = usage_error("too many --param"); goto done; }
            o.params[o.param_count++] = optarg;
            break;
        }
        case 'h': fputs(USAGE, stdout); goto done;
        case O_VERSION: printf("tokenkit %s\n", tokenkit_version()); goto done;
        default: result = usage_error("unknown option or missing value"); goto done;
        }
        if (secret && (opt == O_CODE_FILE || opt == O_REFRESH_FILE || opt == O_TOKEN_FILE)) {
            if (secret->path) {
                snprintf(message, sizeof message, "%s given twice", secret->file_flag);
                result = usage_error(message);
                goto done;
            }
            secret->path = optarg;
        } else if (secret) {
            if (secret->from_flag) {
                wipe(optarg, strlen(optarg));
                snprintf(message, sizeof message, "%s given twice", secret->flag);
                result = usage_error(message);
                goto done;
            }
            secret->from_flag = copy_secret(optarg, &secret->from_flag_size);
            wipe(optarg, strlen(optarg)); /* our copy only: gone from `ps` from now on */
            if (!secret->from_flag) { result = EXIT_INTERNAL; goto done; }
        }
    }
    if (!o.command) { result = usage_error("missing command (see tokenkit --help)"); goto done; }
    if (optind < argc) { result = usage_error("unexpected argument after the options"); goto done; }
    if (!is_command(o.command)) { result = usage_error("unknown command (see tokenkit --help)"); goto done; }
    const char *problem = settle_secrets(o.command, secrets, S_COUNT);
    if (problem) { result = usage_error(problem); goto done; }
    o.code = secrets[S_CODE].value;
    o.refresh_token = secrets[S_REFRESH].value;
    o.token = secrets[S_TOKEN].value;
    problem = missing(&o);
    if (problem) { result = usage_error(problem); goto done; }
    if (o.secret_from_flag)
        fprintf(stderr, "tokenkit: warning: --client-secret is visible to other users of this machine; "
                        "use TOKENKIT_CLIENT_SECRET instead\n");
    else
        o.client_secret = getenv("TOKENKIT_CLIENT_SECRET");
    for (size_t i = 0; i < S_COUNT; i++)
        if (secrets[i].on_command_line)
            fprintf(stderr, "tokenkit: warning: %s is visible to other users of this machine; use %s or %s instead\n",
                    secrets[i].flag, secrets[i].env, secrets[i].file_flag);
    if ((o.auth_method && !strcmp(o.auth_method, "none")) || !strcmp(o.command, "discover")) {
        o.client_secret = NULL;
        if (!o.auth_method) o.auth_method = "none";
    } else if (!o.client_secret || !*o.client_secret) {
        result = usage_error("set TOKENKIT_CLIENT_SECRET (or use --auth-method none for a public client)");
        goto done;
    }
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) {
        fprintf(stderr, "tokenkit: libtokenkit has ABI %u, this program needs %d\n", tokenkit_abi_version(), TOKENKIT_ABI_VERSION);
        result = EXIT_INTERNAL;
        goto done;
    }
    o.cancel = tokenkit_cancel_new();
    if (!o.cancel) { result = EXIT_INTERNAL; goto done; }
    watch_signals(o.cancel);
    result = run(&o);
    tokenkit_cancel_free(o.cancel);
done:
    fflush(stdout); /* stdio's buffer may hold the token response: out before the copies go */
    for (size_t i = 0; i < S_COUNT; i++) {
        free_secret(secrets[i].from_flag, secrets[i].from_flag_size);
        free_secret(secrets[i].value, secrets[i].value_size);
    }
    free_secret(secret_flag_copy, secret_flag_size);
    return result;
}
