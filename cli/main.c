/*
 * tokenkit: the Works with Nest sample's curl command as a real tool, and the rest of OAuth 2.0
 * for clients: sign-in through the browser or the device flow, a shared token store with
 * login / token / logout, revocation, introspection, discovery.
 *
 * This file reads the command line against the tables of table.c and runs the command. Options
 * are matched by their whole name only (no abbreviations: a script's `--cod` must fail, not pick
 * one of --code, --code-file and --code-verifier); an unknown one is named with the closest known
 * one, and one a command does not take is refused. The client secret comes from
 * TOKENKIT_CLIENT_SECRET (or a profile), the code and tokens from variables or files (secrets.c),
 * so none of them shows in `ps`; the CLI's copies are wiped before it exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A decimal number of at most 12 digits (no sign), > 0 unless allow_zero. */
static int parse_number(const char *text, int64_t *out, int allow_zero) {
    if (!*text || strlen(text) > 12 || strspn(text, "0123456789") != strlen(text)) return -1;
    int64_t v = strtoll(text, NULL, 10);
    if (!allow_zero && v == 0) return -1;
    *out = v;
    return 0;
}

static const struct option_spec *find_option(const char *name) {
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (!strcmp(OPTIONS[i].name, name)) return &OPTIONS[i];
    return NULL;
}

/* "unknown option --cod; did you mean --code?": the suggestion comes from the options the
 * command takes. */
static int unknown_option(const struct command *c, const char *name) {
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < OPTION_COUNT && n < sizeof names / sizeof names[0]; i++)
        if (option_applies(&OPTIONS[i], c)) names[n++] = OPTIONS[i].name;
    const char *near = closest(name, names, n);
    if (near) return usage_error(c, "unknown option --%s; did you mean --%s?", name, near);
    return usage_error(c, "unknown option --%s", name);
}

static int unknown_command(const char *name) {
    const char *names[32];
    size_t n = 0;
    for (size_t i = 0; i < COMMAND_COUNT && n < 32; i++) names[n++] = COMMANDS[i].name;
    const char *near = closest(name, names, n);
    if (near) return usage_error(NULL, "unknown command %s; did you mean %s?", name, near);
    return usage_error(NULL, "unknown command %s", name);
}

enum { S_CODE, S_REFRESH, S_TOKEN, S_COUNT };

/* Takes one option's value into `o` (or a secret); returns 0, or the exit status of a usage error. */
static int take(struct options *o, struct secret *secrets, const struct option_spec *spec, char *value,
                char **secret_flag_copy, size_t *secret_flag_size) {
    const struct command *c = o->command;
    struct secret *secret = NULL;
    int file = 0;
    switch (spec->id) {
    case O_TOKEN_URL: o->token_url = value; break;
    case O_AUTHZ_URL: o->authorization_url = value; break;
    case O_DEVICE_URL: o->device_url = value; break;
    case O_REVOKE_URL: o->revocation_url = value; break;
    case O_INTROSPECT_URL: o->introspection_url = value; break;
    case O_ISSUER: o->issuer = value; break;
    case O_PRESET: o->preset = value; break;
    case O_PROJECT: o->project_id = value; break;
    case O_CLIENT_ID: o->client_id = value; break;
    case O_PROFILE: o->profile = value; break;
    case O_STORE: o->store = value; break;
    case O_CLIENT_SECRET:
        /* Our own copy; the one in argv (read by `ps`) is wiped at once. */
        free_secret(*secret_flag_copy, *secret_flag_size);
        *secret_flag_copy = copy_secret(value, secret_flag_size);
        wipe(value, strlen(value));
        if (!*secret_flag_copy) return EXIT_INTERNAL;
        o->client_secret = *secret_flag_copy;
        o->secret_from_flag = 1;
        break;
    case O_AUTH: o->auth_method = value; break;
    case O_CA: o->ca_file = value; break;
    case O_TIMEOUT:
        if (parse_number(value, &o->timeout_ms, 0)) return usage_error(c, "--timeout-ms takes a positive number");
        break;
    case O_ATTEMPT_TIMEOUT:
        if (parse_number(value, &o->attempt_timeout_ms, 0))
            return usage_error(c, "--attempt-timeout-ms takes a positive number");
        break;
    case O_CONNECT_TIMEOUT:
        if (parse_number(value, &o->connect_timeout_ms, 0))
            return usage_error(c, "--connect-timeout-ms takes a positive number");
        break;
    case O_WAIT:
        if (parse_number(value, &o->wait_ms, 0)) return usage_error(c, "--wait-ms takes a positive number");
        break;
    case O_PORT:
        if (parse_number(value, &o->port, 1)) return usage_error(c, "--port takes a number");
        break;
    case O_SKEW:
        if (parse_number(value, &o->skew_ms, 1)) return usage_error(c, "--skew-ms takes a number");
        o->skew_set = 1;
        break;
    case O_RETRIES:
        if (parse_number(value, &o->retries, 1) || o->retries > 100)
            return usage_error(c, "--retries takes a number up to 100");
        o->retries_set = 1;
        break;
    case O_NO_BROWSER: o->no_browser = 1; break;
    case O_OPEN: o->open_browser = 1; break;
    case O_DEVICE: o->device = 1; break;
    case O_SAVE_SECRET: o->save_secret = 1; break;
    case O_JSON: o->json = 1; break;
    case O_VERBOSE: if (o->verbose < 2) o->verbose++; break;
    case O_CODE: secret = &secrets[S_CODE]; break;
    case O_REFRESH: secret = &secrets[S_REFRESH]; break;
    case O_TOKEN: secret = &secrets[S_TOKEN]; break;
    case O_CODE_FILE: secret = &secrets[S_CODE]; file = 1; break;
    case O_REFRESH_FILE: secret = &secrets[S_REFRESH]; file = 1; break;
    case O_TOKEN_FILE: secret = &secrets[S_TOKEN]; file = 1; break;
    case O_REDIRECT: o->redirect_uri = value; break;
    case O_VERIFIER: o->code_verifier = value; break;
    case O_SCOPE: o->scope = value; break;
    case O_HINT: o->token_type_hint = value; break;
    case O_PARAM: {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value || eq - value >= 256) return usage_error(c, "--param takes NAME=VALUE");
        if (o->param_count == sizeof o->params / sizeof o->params[0]) return usage_error(c, "too many --param");
        o->params[o->param_count++] = value;
        break;
    }
    default: return EXIT_INTERNAL;
    }
    if (secret && file) {
        if (secret->path) return usage_error(c, "%s given twice", secret->file_flag);
        secret->path = value;
    } else if (secret) {
        if (secret->from_flag) {
            wipe(value, strlen(value));
            return usage_error(c, "%s given twice", secret->flag);
        }
        secret->from_flag = copy_secret(value, &secret->from_flag_size);
        wipe(value, strlen(value)); /* our copy only: gone from `ps` from now on */
        if (!secret->from_flag) return EXIT_INTERNAL;
    }
    return 0;
}

/* Reads the options after the command. Returns -1 to go on, else the exit status to end with
 * (0 after printing the command's help). */
static int parse(int argc, char **argv, struct options *o, struct secret *secrets, char **secret_flag_copy,
                 size_t *secret_flag_size) {
    const struct command *c = o->command;
    for (int i = 2; i < argc; i++) {
        char *arg = argv[i];
        if (!strcmp(arg, "-h")) arg = "--help";
        if (!strcmp(arg, "-v") || !strcmp(arg, "-vv")) {
            if (!option_applies(find_option("verbose"), c)) return usage_error(c, "%s does not apply to %s", arg, c->name);
            o->verbose = arg[2] ? 2 : (o->verbose < 2 ? o->verbose + 1 : 2);
            continue;
        }
        if (strncmp(arg, "--", 2) || !arg[2]) return usage_error(c, "unexpected argument %s", arg);
        char name[64];
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (len >= sizeof name) len = sizeof name - 1;
        memcpy(name, arg + 2, len);
        name[len] = '\0';
        const struct option_spec *spec = find_option(name);
        if (!spec) return unknown_option(c, name);
        if (!option_applies(spec, c)) return usage_error(c, "--%s does not apply to %s", name, c->name);
        if (spec->id == O_HELP) {
            print_command_help(stdout, c);
            return EXIT_OK;
        }
        if (spec->id == O_VERSION) {
            printf("tokenkit %s\n", tokenkit_version());
            return EXIT_OK;
        }
        char *value = NULL;
        if (spec->arg && eq) value = (char *)eq + 1;
        else if (spec->arg && i + 1 < argc) value = argv[++i];
        else if (spec->arg) return usage_error(c, "--%s needs a value (%s)", name, spec->arg);
        else if (eq) return usage_error(c, "--%s takes no value", name);
        int status = take(o, secrets, spec, value, secret_flag_copy, secret_flag_size);
        if (status) return status;
    }
    return -1;
}

/* Whether a command signs in or uses a saved profile (and so always has a profile name). */
static int uses_store(const struct command *c) {
    return c->run == run_login || c->run == run_token || c->run == run_logout;
}

int main(int argc, char **argv) {
    /* stderr line-buffered instead of unbuffered: each line (the sign-in URL, the device prompt, an
     * error, a log line) reaches a program reading it in one write, never half a URL; a line left
     * open on purpose (the terminal's waiting line) is flushed where it is written. */
    static char stderr_buffer[8192];
    setvbuf(stderr, stderr_buffer, _IOLBF, sizeof stderr_buffer);
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
    int result = EXIT_OK;

    /* The command comes first (tokenkit exchange --code ...); options follow it. */
    if (argc < 2) {
        result = usage_error(NULL, "missing command");
        goto done;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_overview(stdout);
        goto done;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tokenkit %s\n", tokenkit_version());
        goto done;
    }
    if (!strcmp(argv[1], "--man")) {
        print_man_page(stdout);
        goto done;
    }
    if (argv[1][0] == '-') {
        result = usage_error(NULL, "missing command: the command comes first (tokenkit COMMAND [options])");
        goto done;
    }
    o.command = find_command(argv[1]);
    if (!o.command) {
        result = unknown_command(argv[1]);
        goto done;
    }
    if (!o.command->run) { /* help [COMMAND] */
        const struct command *about = argc > 2 ? find_command(argv[2]) : NULL;
        if (argc > 3) result = usage_error(o.command, "help takes one command");
        else if (argc == 3 && !about) result = unknown_command(argv[2]);
        else if (about) print_command_help(stdout, about);
        else print_overview(stdout);
        goto done;
    }
    result = parse(argc, argv, &o, secrets, &secret_flag_copy, &secret_flag_size);
    if (result >= 0) goto done;
    result = EXIT_OK;
    const char *problem = settle_secrets(o.command->name, secrets, S_COUNT);
    if (problem) {
        result = usage_error(o.command, "%s", problem);
        goto done;
    }
    o.code = secrets[S_CODE].value;
    o.refresh_token = secrets[S_REFRESH].value;
    o.token = secrets[S_TOKEN].value;
    if (uses_store(o.command) && !o.profile) o.profile = "default";
    if (o.command->run == run_request) {
        problem = missing(&o);
        if (problem) {
            result = usage_error(o.command, "%s", problem);
            goto done;
        }
    }
    if (o.secret_from_flag)
        fprintf(stderr, "tokenkit: warning: --client-secret is visible to other users of this machine; "
                        "use TOKENKIT_CLIENT_SECRET instead\n");
    else if (getenv("TOKENKIT_CLIENT_SECRET") && *getenv("TOKENKIT_CLIENT_SECRET"))
        o.client_secret = getenv("TOKENKIT_CLIENT_SECRET");
    for (size_t i = 0; i < S_COUNT; i++)
        if (secrets[i].on_command_line)
            fprintf(stderr, "tokenkit: warning: %s is visible to other users of this machine; use %s or %s instead\n",
                    secrets[i].flag, secrets[i].env, secrets[i].file_flag);
    if ((o.auth_method && !strcmp(o.auth_method, "none")) || !strcmp(o.command->name, "discover")) {
        o.client_secret = NULL;
        if (!o.auth_method && !o.profile) o.auth_method = "none";
    } else if (!o.client_secret && !o.profile && o.command->run == run_request) {
        /* A profile may hold its secret; without one the library says what is missing. */
        result = usage_error(o.command, "set TOKENKIT_CLIENT_SECRET (or use --auth-method none for a public client)");
        goto done;
    }
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) {
        fprintf(stderr, "tokenkit: libtokenkit has ABI %u, this program needs %d\n", tokenkit_abi_version(),
                TOKENKIT_ABI_VERSION);
        result = EXIT_INTERNAL;
        goto done;
    }
    o.cancel = tokenkit_cancel_new();
    if (!o.cancel) {
        result = EXIT_INTERNAL;
        goto done;
    }
    watch_signals(o.cancel);
    result = o.command->run(&o);
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
