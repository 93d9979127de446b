/*
 * The requests: one client per run, built from the flags (over a profile's saved settings when
 * --profile is given), the sign-in and device prompts, the request log of -v, and Ctrl-C.
 *
 * Ctrl-C (SIGINT) or SIGTERM cancels the request or wait in progress through a tokenkit_cancel:
 * exit status 7.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

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
void watch_signals(const tokenkit_cancel *cancel) {
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
void open_in_browser(const char *url) {
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

/* The sign-in URL on a line of its own, and where the CLI waits for the browser to come back:
 * the redirect_uri the URL carries (http://127.0.0.1:PORT/...). */
static int32_t on_url(void *user_data, const char *url) {
    const struct options *o = user_data;
    fputs("Open this URL in a browser to sign in:\n", stderr);
    put_text(stderr, url);
    fputc('\n', stderr);
    const char *redirect = strstr(url, "redirect_uri=http%3A%2F%2F127.0.0.1%3A");
    if (redirect) {
        redirect += strlen("redirect_uri=http%3A%2F%2F127.0.0.1%3A");
        size_t digits = strspn(redirect, "0123456789");
        fprintf(stderr, "Waiting for the browser on http://127.0.0.1:%.*s (Ctrl-C cancels)\n", (int)digits, redirect);
    }
    fflush(stderr);
    if (!o->no_browser) open_in_browser(url);
    return 0;
}

/* The device flow's live prompt: the code and where to enter it, then a line that says it is
 * waiting and for how long the code stays valid. On a terminal the line is rewritten after each
 * poll; elsewhere (a log, a pipe) it is written once, and only changes (slow_down, a failed
 * poll) add lines. */
struct device_prompt {
    const struct options *o;
    int tty;          /* stderr is a terminal */
    int line_open;    /* the waiting line is on the screen without its newline */
    time_t expires_at;
};

static void end_waiting_line(struct device_prompt *p) {
    if (p->line_open) {
        fputs("\r\033[K", stderr);
        fflush(stderr); /* no newline: out before whatever stdout prints next */
    }
    p->line_open = 0;
}

static void show_waiting(struct device_prompt *p) {
    long left = (long)(p->expires_at - time(NULL));
    if (left < 0) left = 0;
    if (p->tty) {
        fprintf(stderr, "\r\033[KWaiting for approval: the code expires in %ld:%02ld (Ctrl-C cancels)", left / 60, left % 60);
        p->line_open = 1;
    } else {
        fprintf(stderr, "Waiting for approval: the code expires in %ld min %ld s (Ctrl-C cancels)\n", left / 60, left % 60);
    }
    fflush(stderr);
}

static int32_t on_device_code(void *user_data, const tokenkit_device_authorization *auth) {
    struct device_prompt *p = user_data;
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
    if (p->o->open_browser) open_in_browser(complete ? complete : tokenkit_device_authorization_verification_uri(auth));
    p->expires_at = time(NULL) + tokenkit_device_authorization_expires_in(auth);
    show_waiting(p);
    return 0;
}

static int32_t on_poll(void *user_data, const char *outcome, int64_t interval_ms) {
    struct device_prompt *p = user_data;
    long seconds = (long)((interval_ms + 999) / 1000);
    if (!strcmp(outcome, "slow_down")) {
        end_waiting_line(p);
        fprintf(stderr, "The server asked to poll less often: every %ld s now\n", seconds);
    } else if (!strcmp(outcome, "retrying")) {
        end_waiting_line(p);
        fprintf(stderr, "A poll failed; trying again in %ld s\n", seconds);
    }
    if (p->tty) show_waiting(p); /* a log gets no repeat of the waiting line */
    return 0;
}

/* -v and -vv: the library's request log on stderr, already redacted. */
static void log_line(void *user_data, int32_t level, const char *line) {
    (void)user_data;
    (void)level;
    fputs("tokenkit: ", stderr);
    put_text(stderr, line);
    fputc('\n', stderr);
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

tokenkit_status sign_in(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
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

tokenkit_status device_flow(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
                            tokenkit_error **err) {
    struct device_prompt prompt = {.o = o, .tty = isatty(STDERR_FILENO)};
    tokenkit_device_options *d = tokenkit_device_options_new();
    tokenkit_status s = tokenkit_device_options_set_on_prompt(d, on_device_code, &prompt, err);
    if (!s) s = tokenkit_device_options_set_on_poll(d, on_poll, &prompt, err);
    if (!s) s = tokenkit_device_options_set_cancel(d, o->cancel, err);
    if (!s && o->scope) s = tokenkit_device_options_set_scope(d, o->scope, err);
    if (!s) s = add_params(o, add_device_param, d, err);
    if (!s) s = tokenkit_client_device_flow(client, d, token, err);
    end_waiting_line(&prompt);
    tokenkit_device_options_free(d);
    return s;
}

/* Whether a command calls the token endpoint: every command but revoke, introspect and discover
 * (authorize, device and login end with a token request). */
static int uses_token_endpoint(const char *command) {
    return strcmp(command, "revoke") && strcmp(command, "introspect") && strcmp(command, "discover");
}

/* The auth method's number for --auth-method's word; -1 for an unknown word. */
static int auth_method(const char *word) {
    if (!word || !strcmp(word, "post")) return TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST;
    if (!strcmp(word, "basic")) return TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC;
    if (!strcmp(word, "none")) return TOKENKIT_AUTH_METHOD_NONE;
    return -1;
}

/* Puts the command line's settings into `config` (fresh, or a profile's saved settings, which a
 * flag overrides). The client secret is set when there is one: a profile may hold its own. */
tokenkit_status configure(const struct options *o, tokenkit_config *config, const tokenkit_request_options *discovery,
                          char **metadata, tokenkit_error **err) {
    tokenkit_status s = TOKENKIT_STATUS_OK;
    int auth = auth_method(o->auth_method);
    if (o->preset) s = tokenkit_config_apply_preset(config, o->preset, o->project_id, err);
    if (!s && o->token_url) s = tokenkit_config_set_token_endpoint(config, o->token_url, err);
    if (!s && o->client_id) s = tokenkit_config_set_client_id(config, o->client_id, err);
    if (!s && (o->auth_method || (!o->preset && !o->profile))) s = tokenkit_config_set_auth_method(config, auth, err);
    if (!s && o->client_secret && auth != TOKENKIT_AUTH_METHOD_NONE)
        s = tokenkit_config_set_client_secret(config, o->client_secret, err);
    if (!s && o->ca_file) s = tokenkit_config_add_ca_file(config, o->ca_file, err);
    if (!s && o->timeout_ms) s = tokenkit_config_set_timeout_ms(config, o->timeout_ms, err);
    if (!s && o->attempt_timeout_ms) s = tokenkit_config_set_attempt_timeout_ms(config, o->attempt_timeout_ms, err);
    if (!s && o->connect_timeout_ms) s = tokenkit_config_set_connect_timeout_ms(config, o->connect_timeout_ms, err);
    if (!s && o->retries_set) s = tokenkit_config_set_retry(config, (int32_t)o->retries, 200, 10000, err);
    if (!s && o->verbose) s = tokenkit_config_set_log(config, o->verbose, log_line, NULL, err);
    if (!s && o->issuer) s = tokenkit_config_discover(config, o->issuer, discovery, metadata, err);
    if (!s && o->authorization_url) s = tokenkit_config_set_authorization_endpoint(config, o->authorization_url, err);
    if (!s && o->device_url) s = tokenkit_config_set_device_authorization_endpoint(config, o->device_url, err);
    if (!s && o->revocation_url) s = tokenkit_config_set_revocation_endpoint(config, o->revocation_url, err);
    if (!s && o->introspection_url) s = tokenkit_config_set_introspection_endpoint(config, o->introspection_url, err);
    return s;
}

/* A fresh config, or the saved settings of the --profile given, for configure() to complete. */
tokenkit_status base_config(const struct options *o, tokenkit_store *store, tokenkit_config **config,
                            tokenkit_error **err) {
    if (store && o->profile) return tokenkit_store_config(store, o->profile, config, err);
    *config = tokenkit_config_new();
    return *config ? TOKENKIT_STATUS_OK : TOKENKIT_STATUS_INTERNAL_ERROR;
}

/* exchange, refresh, client-credentials, authorize, device, revoke, introspect, discover. */
int run_request(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_store *store = NULL;
    tokenkit_config *config = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_introspection *introspection = NULL;
    char *metadata = NULL;
    const char *c = o->command->name;
    int discover = !strcmp(c, "discover");
    /* Discovery takes only the cancel flag; the command's own settings go with its request. */
    tokenkit_request_options *discovery = tokenkit_request_options_new();
    tokenkit_request_options *request = tokenkit_request_options_new();
    tokenkit_status status = discovery && request ? TOKENKIT_STATUS_OK : TOKENKIT_STATUS_INTERNAL_ERROR;
    if (!status && o->profile) status = tokenkit_store_open(o->store, &store, &err);
    if (!status) status = base_config(o, store, &config, &err);
    if (!status) status = tokenkit_request_options_set_cancel(discovery, o->cancel, &err);
    /* The discover command's settings go to the discovery, which refuses them like any call. */
    if (!status && strcmp(c, "authorize") && strcmp(c, "device"))
        status = request_options(o, discover ? discovery : request, &err);
    if (!status) status = configure(o, config, discovery, discover ? &metadata : NULL, &err);
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
    tokenkit_store_free(store);
    tokenkit_error_free(err);
    return code;
}

static char message[256]; /* a usage error's text, when it names something */

/* The endpoint a command calls that nothing supplies, named by its flag (in a usage error); NULL
 * when none is missing. --issuer may supply every endpoint (the library then names one the
 * metadata lacks), a preset the token, authorization and revocation endpoints. */
static const char *missing_endpoint(const struct options *o) {
    const char *c = o->command->name, *flag = NULL;
    int from_preset = 1;
    int authorize = !strcmp(c, "authorize") || (!strcmp(c, "login") && !o->device);
    int device = !strcmp(c, "device") || (!strcmp(c, "login") && o->device);
    if (authorize && !o->authorization_url) {
        flag = "--authorization-url";
    } else if (device && !o->device_url) {
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

/* What a command needs beyond the client; NULL when the options are complete. With a profile,
 * the saved settings may supply the client id and the endpoints, and the library names what is
 * still missing. */
const char *missing(const struct options *o) {
    const char *c = o->command->name;
    if (!strcmp(c, "discover")) return o->issuer ? NULL : "discover needs --issuer";
    if (auth_method(o->auth_method) < 0) return "--auth-method must be post, basic or none";
    if (!o->profile && !o->client_id) return "--client-id is required";
    const char *endpoint = o->profile ? NULL : missing_endpoint(o);
    if (endpoint) return endpoint;
    if (!strcmp(c, "exchange") && !o->code) return "exchange needs the code: TOKENKIT_CODE, --code-file or --code";
    if (!strcmp(c, "refresh") && !o->refresh_token)
        return "refresh needs the refresh token: TOKENKIT_REFRESH_TOKEN, --refresh-token-file or --refresh-token";
    if ((!strcmp(c, "revoke") || !strcmp(c, "introspect")) && !o->token)
        return "revoke and introspect need the token: TOKENKIT_TOKEN, --token-file or --token";
    if (o->port > 65535) return "--port must be at most 65535";
    return NULL;
}
