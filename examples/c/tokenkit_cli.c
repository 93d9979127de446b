/*
 * tokenkit: the Works with Nest sample's curl command as a real tool.
 *
 *   tokenkit exchange --token-url URL --client-id ID --code CODE [options]
 *   tokenkit refresh --token-url URL --client-id ID --refresh-token T [--scope S] [options]
 *   tokenkit client-credentials --token-url URL --client-id ID [--scope S] [options]
 *
 * The client secret comes from TOKENKIT_CLIENT_SECRET, so it never shows in `ps`.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenkit.h"

enum exit_status {
    EXIT_OK = 0,
    EXIT_USAGE = 2,      /* bad usage or invalid argument */
    EXIT_OAUTH = 3,      /* the server sent an OAuth error */
    EXIT_TRANSPORT = 4,  /* transport, timeout or TLS */
    EXIT_PROTOCOL = 5,   /* protocol or HTTP error */
    EXIT_INSECURE = 6,   /* plain http:// to a host that is not loopback */
    EXIT_INTERNAL = 70,
};

static const char USAGE[] =
    "usage: tokenkit COMMAND --token-url URL --client-id ID [options]\n"
    "\n"
    "commands:\n"
    "  exchange            exchange an authorization code: --code CODE [--redirect-uri U]\n"
    "                      [--code-verifier V]\n"
    "  refresh             use a refresh token: --refresh-token T [--scope S]\n"
    "  client-credentials  client credentials grant: [--scope S]\n"
    "\n"
    "options:\n"
    "  --token-url URL       the token endpoint (https://, or http:// to 127.0.0.1, ::1, localhost)\n"
    "  --client-id ID        the client id\n"
    "  --auth-method M       post (default: client_secret_post), basic (client_secret_basic),\n"
    "                        or none (a public client, no secret)\n"
    "  --ca-file PEM         also trust the CA certificates in this PEM file\n"
    "  --timeout-ms N        overall timeout of the request (default 30000)\n"
    "  --connect-timeout-ms N  connect timeout (default 10000)\n"
    "  --param NAME=VALUE    an extra form parameter (repeatable)\n"
    "  --client-secret S     the client secret; avoid it: other users can see it in `ps`.\n"
    "                        Prefer the environment variable TOKENKIT_CLIENT_SECRET.\n"
    "  -h, --help            this help\n"
    "  --version             print the library version\n"
    "\n"
    "environment:\n"
    "  TOKENKIT_CLIENT_SECRET  the client secret (required by post and basic)\n"
    "\n"
    "output:\n"
    "  On success the token response is printed as JSON on stdout and the exit status is 0.\n"
    "  On failure one line on stderr names the error kind and, when the server sent them, the\n"
    "  OAuth error and error_description.\n"
    "\n"
    "exit status:\n"
    "  0  success\n"
    "  2  usage error or invalid argument\n"
    "  3  the server answered with an OAuth error (e.g. invalid_grant)\n"
    "  4  transport error, timeout or TLS error\n"
    "  5  protocol error or HTTP error (bad JSON, no access_token, a 500 page)\n"
    "  6  insecure URL refused (plain http:// to a host that is not loopback)\n";

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
    default: return EXIT_INTERNAL;
    }
}

/* One line on stderr: kind, OAuth error and description when present, message. */
static int report(tokenkit_status status, const tokenkit_error *err) {
    const char *oauth = tokenkit_error_oauth_error(err);
    const char *description = tokenkit_error_oauth_error_description(err);
    int http = tokenkit_error_http_status(err);
    fprintf(stderr, "tokenkit: %s", tokenkit_status_name(status));
    if (oauth) fprintf(stderr, ": %s", oauth);
    if (description) fprintf(stderr, ": %s", description);
    if (http) fprintf(stderr, " (HTTP %d)", http);
    if (!oauth) fprintf(stderr, ": %s", err ? tokenkit_error_message(err) : "");
    fputc('\n', stderr);
    return exit_for(status);
}

static int usage_error(const char *message) {
    fprintf(stderr, "tokenkit: invalid_argument: %s\n(run tokenkit --help)\n", message);
    return EXIT_USAGE;
}

struct options {
    const char *command, *token_url, *client_id, *client_secret, *auth_method, *ca_file;
    const char *code, *redirect_uri, *code_verifier, *refresh_token, *scope;
    unsigned long long timeout_ms, connect_timeout_ms;
    int secret_from_flag;
};

static int parse_ms(const char *text, unsigned long long *out) {
    char *end = NULL;
    unsigned long long v = strtoull(text, &end, 10);
    if (!*text || *end || v == 0) return -1;
    *out = v;
    return 0;
}

static int run(const struct options *o, tokenkit_params *params) {
    tokenkit_error *err = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_status status;
    int auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST;

    if (!o->auth_method || !strcmp(o->auth_method, "post")) auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST;
    else if (!strcmp(o->auth_method, "basic")) auth = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC;
    else if (!strcmp(o->auth_method, "none")) auth = TOKENKIT_AUTH_METHOD_NONE;
    else return usage_error("--auth-method must be post, basic or none");

    tokenkit_config *config = tokenkit_config_new();
    status = tokenkit_config_set_token_endpoint(config, o->token_url, &err);
    if (!status) status = tokenkit_config_set_client_id(config, o->client_id, &err);
    if (!status) status = tokenkit_config_set_auth_method(config, auth, &err);
    if (!status && auth != TOKENKIT_AUTH_METHOD_NONE) status = tokenkit_config_set_client_secret(config, o->client_secret, &err);
    if (!status && o->ca_file) status = tokenkit_config_add_ca_file(config, o->ca_file, &err);
    if (!status && o->timeout_ms) status = tokenkit_config_set_timeout_ms(config, o->timeout_ms, &err);
    if (!status && o->connect_timeout_ms) status = tokenkit_config_set_connect_timeout_ms(config, o->connect_timeout_ms, &err);
    if (!status) status = tokenkit_client_new(config, &client, &err);
    tokenkit_config_free(config);

    if (!status) {
        if (!strcmp(o->command, "exchange"))
            status = tokenkit_client_exchange_code(client, o->code, o->redirect_uri, o->code_verifier, params, &token, &err);
        else if (!strcmp(o->command, "refresh"))
            status = tokenkit_client_refresh(client, o->refresh_token, o->scope, params, &token, &err);
        else
            status = tokenkit_client_client_credentials(client, o->scope, params, &token, &err);
    }

    int code = EXIT_OK;
    if (status) {
        code = report(status, err);
    } else {
        char *json = tokenkit_token_json(token);
        if (json) printf("%s\n", json);
        tokenkit_string_free(json);
    }
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_error_free(err);
    return code;
}

int main(int argc, char **argv) {
    enum { O_TOKEN_URL = 256, O_CLIENT_ID, O_CLIENT_SECRET, O_AUTH, O_CA, O_TIMEOUT, O_CONNECT_TIMEOUT,
           O_CODE, O_REDIRECT, O_VERIFIER, O_REFRESH, O_SCOPE, O_PARAM, O_VERSION };
    static const struct option long_options[] = {
        {"token-url", required_argument, 0, O_TOKEN_URL},
        {"client-id", required_argument, 0, O_CLIENT_ID},
        {"client-secret", required_argument, 0, O_CLIENT_SECRET},
        {"auth-method", required_argument, 0, O_AUTH},
        {"ca-file", required_argument, 0, O_CA},
        {"timeout-ms", required_argument, 0, O_TIMEOUT},
        {"connect-timeout-ms", required_argument, 0, O_CONNECT_TIMEOUT},
        {"code", required_argument, 0, O_CODE},
        {"redirect-uri", required_argument, 0, O_REDIRECT},
        {"code-verifier", required_argument, 0, O_VERIFIER},
        {"refresh-token", required_argument, 0, O_REFRESH},
        {"scope", required_argument, 0, O_SCOPE},
        {"param", required_argument, 0, O_PARAM},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION},
        {0, 0, 0, 0},
    };
    struct options o;
    memset(&o, 0, sizeof o);
    tokenkit_params *params = tokenkit_params_new();
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
        switch (opt) {
        case O_TOKEN_URL: o.token_url = optarg; break;
        case O_CLIENT_ID: o.client_id = optarg; break;
        case O_CLIENT_SECRET: o.client_secret = optarg; o.secret_from_flag = 1; break;
        case O_AUTH: o.auth_method = optarg; break;
        case O_CA: o.ca_file = optarg; break;
        case O_TIMEOUT:
            if (parse_ms(optarg, &o.timeout_ms)) { result = usage_error("--timeout-ms takes a positive number"); goto done; }
            break;
        case O_CONNECT_TIMEOUT:
            if (parse_ms(optarg, &o.connect_timeout_ms)) { result = usage_error("--connect-timeout-ms takes a positive number"); goto done; }
            break;
        case O_CODE: o.code = optarg; break;
        case O_REDIRECT: o.redirect_uri = optarg; break;
        case O_VERIFIER: o.code_verifier = optarg; break;
        case O_REFRESH: o.refresh_token = optarg; break;
        case O_SCOPE: o.scope = optarg; break;
        case O_PARAM: {
            char *eq = strchr(optarg, '=');
            if (!eq) { result = usage_error("--param takes NAME=VALUE"); goto done; }
            *eq = '\0';
            tokenkit_error *err = NULL;
            tokenkit_status s = tokenkit_params_add(params, optarg, eq + 1, &err);
            *eq = '=';
            if (s) { result = report(s, err); tokenkit_error_free(err); goto done; }
            break;
        }
        case 'h': fputs(USAGE, stdout); goto done;
        case O_VERSION: printf("tokenkit %s\n", tokenkit_version()); goto done;
        default: result = usage_error("unknown option or missing value"); goto done;
        }
    }
    if (!o.command) { result = usage_error("missing command (exchange, refresh or client-credentials)"); goto done; }
    if (optind < argc) { result = usage_error("unexpected argument after the options"); goto done; }
    if (strcmp(o.command, "exchange") && strcmp(o.command, "refresh") && strcmp(o.command, "client-credentials")) {
        result = usage_error("unknown command (exchange, refresh or client-credentials)");
        goto done;
    }
    if (!o.token_url) { result = usage_error("--token-url is required"); goto done; }
    if (!o.client_id) { result = usage_error("--client-id is required"); goto done; }
    if (!strcmp(o.command, "exchange") && !o.code) { result = usage_error("exchange needs --code"); goto done; }
    if (!strcmp(o.command, "refresh") && !o.refresh_token) { result = usage_error("refresh needs --refresh-token"); goto done; }
    if (o.secret_from_flag)
        fprintf(stderr, "tokenkit: warning: --client-secret is visible to other users of this machine; "
                        "use TOKENKIT_CLIENT_SECRET instead\n");
    else
        o.client_secret = getenv("TOKENKIT_CLIENT_SECRET");
    if (o.auth_method && !strcmp(o.auth_method, "none")) o.client_secret = NULL;
    else if (!o.client_secret || !*o.client_secret) {
        result = usage_error("set TOKENKIT_CLIENT_SECRET (or use --auth-method none for a public client)");
        goto done;
    }
    result = run(&o, params);
done:
    tokenkit_params_free(params);
    return result;
}
