/*
 * The tokenkit CLI's shared declarations: the parsed options, the command and option tables
 * (cli/table.c, the one list of what the tool offers: parsing, help and the man page read it),
 * and the functions each file offers the others.
 *
 *   main.c     parses the command line against the tables and runs the command
 *   table.c    the commands and the options, with their help text
 *   help.c     `tokenkit help [COMMAND]`, `COMMAND --help`, the man page, usage errors
 *   output.c   what reaches the terminal: server text escaped, JSON on one line, error lines
 *   secrets.c  the client secret, code and tokens: from a variable, a file or a flag; wiped
 *   flows.c    the requests: one client per run, the sign-in and device prompts, Ctrl-C
 *   profiles.c login, token, logout and profiles on the token store
 */
#ifndef TOKENKIT_CLI_H
#define TOKENKIT_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tokenkit.h"

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

/* What the command line gave. Strings point into argv (or into the secrets' own copies). */
struct options {
    const struct command *command;
    const char *client_id, *client_secret, *auth_method, *ca_file;
    const char *token_url, *authorization_url, *device_url, *revocation_url, *introspection_url;
    const char *issuer, *preset, *project_id;
    const char *code, *redirect_uri, *code_verifier, *refresh_token, *scope, *token, *token_type_hint;
    const char *profile, *store;
    int64_t timeout_ms, attempt_timeout_ms, connect_timeout_ms, wait_ms, port, retries, skew_ms;
    int secret_from_flag, no_browser, open_browser, retries_set, skew_set, device, save_secret, json, verbose;
    const char *params[64]; /* NAME=VALUE, as given */
    size_t param_count;
    tokenkit_cancel *cancel;
};

/* One command: its name, what it does in a line, its usage line's arguments, a paragraph for its
 * own help, and the function that runs it. */
struct command {
    const char *name;
    const char *summary;
    const char *synopsis;
    const char *description;
    int (*run)(struct options *o);
};

/* One option: its long name (without --), its argument's name (NULL for a switch), its help,
 * and the commands that take it (names separated by spaces; "*" for every command). */
struct option_spec {
    const char *name;
    const char *arg;
    const char *help;
    const char *commands;
    int id;
};

enum option_id {
    O_TOKEN_URL = 1, O_AUTHZ_URL, O_DEVICE_URL, O_REVOKE_URL, O_INTROSPECT_URL, O_ISSUER, O_PRESET, O_PROJECT,
    O_CLIENT_ID, O_CLIENT_SECRET, O_AUTH, O_CA, O_TIMEOUT, O_ATTEMPT_TIMEOUT, O_CONNECT_TIMEOUT, O_RETRIES,
    O_CODE, O_CODE_FILE, O_REDIRECT, O_VERIFIER, O_REFRESH, O_REFRESH_FILE, O_SCOPE, O_TOKEN, O_TOKEN_FILE,
    O_HINT, O_PORT, O_WAIT, O_NO_BROWSER, O_OPEN, O_PARAM, O_PROFILE, O_STORE, O_DEVICE, O_SAVE_SECRET,
    O_SKEW, O_JSON, O_VERBOSE, O_HELP, O_VERSION,
};

extern const struct command COMMANDS[];
extern const size_t COMMAND_COUNT;
extern const struct option_spec OPTIONS[];
extern const size_t OPTION_COUNT;
extern const char ENVIRONMENT_HELP[], OUTPUT_HELP[], EXIT_HELP[], FILES_HELP[];

/* table.c */
const struct command *find_command(const char *name);
int option_applies(const struct option_spec *spec, const struct command *command);

/* help.c */
void print_overview(FILE *f);
void print_command_help(FILE *f, const struct command *c);
void print_man_page(FILE *f);
int usage_error(const struct command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *closest(const char *word, const char *const *candidates, size_t count);

/* output.c */
void put_text(FILE *f, const char *text);
void put_json(FILE *f, const char *json);
int exit_for(tokenkit_status status);
int report(tokenkit_status status, const tokenkit_error *err);

/* secrets.c */
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
void wipe(void *p, size_t len);
char *copy_secret(const char *text, size_t *size);
const char *settle_secrets(const char *command, struct secret *secrets, size_t count);
void free_secret(char *value, size_t size);

/* flows.c */
void watch_signals(const tokenkit_cancel *cancel);
void open_in_browser(const char *url);
int run_request(struct options *o);
tokenkit_status base_config(const struct options *o, tokenkit_store *store, tokenkit_config **config,
                            tokenkit_error **err);
tokenkit_status configure(const struct options *o, tokenkit_config *config, const tokenkit_request_options *discovery,
                          char **metadata, tokenkit_error **err);
tokenkit_status sign_in(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
                        tokenkit_error **err);
tokenkit_status device_flow(const struct options *o, const tokenkit_client *client, tokenkit_token **token,
                            tokenkit_error **err);
const char *missing(const struct options *o);

/* profiles.c */
int run_login(struct options *o);
int run_token(struct options *o);
int run_logout(struct options *o);
int run_profiles(struct options *o);

#endif
