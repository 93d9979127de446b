/*
 * The one list of what the tool offers: its commands and its options, with the help text that
 * `tokenkit help`, `COMMAND --help` and the man page (tokenkit.1) print. The parser refuses an
 * option a command does not take, so each command's help lists exactly what it accepts.
 */
#include <string.h>

#include "cli.h"

/* Which commands take which options. Every client command takes every endpoint flag, so one
 * script's flags serve all its commands; each command asks only for the endpoints it calls. */
#define TOKEN_GRANTS "exchange refresh client-credentials authorize device"
#define CLIENT_COMMANDS TOKEN_GRANTS " revoke introspect login"
#define NETWORK_COMMANDS CLIENT_COMMANDS " discover token logout"
#define PROFILE_COMMANDS CLIENT_COMMANDS " token logout"

const struct command COMMANDS[] = {
    {"login", "sign in and save the profile and its token in the store",
     "[--profile P] [--device [--open]] [client and endpoint options]",
     "Signs in through the browser (the authorization code flow with PKCE on a loopback redirect) or,\n"
     "with --device, the device flow, then saves the profile: the endpoints, client id and auth\n"
     "method given (or those already saved in the profile) and the token. The client secret is saved\n"
     "only with --save-secret; otherwise `token` and `logout` read TOKENKIT_CLIENT_SECRET again.\n"
     "Prints nothing on stdout; says on stderr where it saved the profile.",
     run_login},
    {"token", "print a valid access token of a profile, refreshing it when needed",
     "[--profile P] [--skew-ms N]",
     "Prints only the access token of the profile, on one line: the saved one while it is fresh,\n"
     "else a new one from the saved refresh token, saved before it is printed. Processes that ask\n"
     "at once share one refresh (the profile is locked while it refreshes), so any number of\n"
     "scripts may run `curl -H \"Authorization: Bearer $(tokenkit token)\"` together.",
     run_token},
    {"logout", "revoke the profile's token and delete it from the store",
     "[--profile P]",
     "Revokes the saved refresh token (or the access token when there is none) at the profile's\n"
     "revocation endpoint, when it has one, then deletes the token; the profile's client settings\n"
     "stay for the next login. When revocation fails the token is deleted all the same, and the\n"
     "exit status says why revocation failed.",
     run_logout},
    {"profiles", "list the profiles in the store (nothing secret)",
     "[--json]",
     "Lists each profile: its name, client id, token endpoint and the state of its token (valid\n"
     "until when, expired, none; whether a refresh token is saved). With --json, a JSON array.",
     run_profiles},
    {"exchange", "exchange an authorization code for a token",
     "[--code-file F | --code C] [--redirect-uri U] [--code-verifier V] [options]",
     "The Works with Nest sample's request: POSTs the code (TOKENKIT_CODE, --code-file or --code)\n"
     "with the client's credentials to the token endpoint and prints the token response.",
     run_request},
    {"refresh", "get a new token with a refresh token",
     "[--refresh-token-file F | --refresh-token T] [--scope S] [client options]",
     "Sends the refresh token (TOKENKIT_REFRESH_TOKEN, --refresh-token-file or --refresh-token) and\n"
     "prints the token response.",
     run_request},
    {"client-credentials", "get a token for the client itself",
     "[--scope S] [client options]",
     "The client credentials grant (RFC 6749 section 4.4): prints the token response.",
     run_request},
    {"authorize", "sign in through the browser and print the token",
     "[--scope S] [--port N] [--wait-ms N] [--no-browser] [client options]",
     "The authorization code flow with PKCE and state on a loopback redirect: prints the URL to open\n"
     "on stderr on a line of its own (and opens it unless --no-browser), waits on\n"
     "http://127.0.0.1:PORT for the redirect, exchanges the code and prints the token response.",
     run_request},
    {"device", "sign in with the device flow and print the token",
     "[--scope S] [--open] [client options]",
     "The device flow (RFC 8628): shows the verification URI and the user code on stderr, then a\n"
     "line that says it is waiting and how long the code stays valid (updated in place on a\n"
     "terminal), polls, and prints the token response.",
     run_request},
    {"revoke", "revoke a token",
     "[--token-file F | --token T] [--token-type-hint H] [client options]",
     "Revokes the token (TOKENKIT_TOKEN, --token-file or --token) at the revocation endpoint\n"
     "(RFC 7009) and says so on stderr.",
     run_request},
    {"introspect", "ask the server whether a token is active",
     "[--token-file F | --token T] [--token-type-hint H] [client options]",
     "Introspects the token (given as to revoke) at the introspection endpoint (RFC 7662) and\n"
     "prints the JSON answer.",
     run_request},
    {"discover", "print an issuer's metadata",
     "--issuer URL",
     "Fetches the issuer's metadata (RFC 8414, or OpenID Connect Discovery) and prints it.",
     run_request},
    {"help", "print the help of a command, or this overview",
     "[COMMAND]",
     "Prints the help of COMMAND, or the overview of every command.",
     NULL},
};
const size_t COMMAND_COUNT = sizeof COMMANDS / sizeof COMMANDS[0];

const struct option_spec OPTIONS[] = {
    {"profile", "P", "the store profile (default: default); with a request command, its saved\n"
                     "settings fill the flags not given", PROFILE_COMMANDS, O_PROFILE},
    {"store", "DIR", "the token store's directory (default: $TOKENKIT_STORE, else\n"
                     "$XDG_CONFIG_HOME/tokenkit, else ~/.config/tokenkit)", PROFILE_COMMANDS " profiles", O_STORE},
    {"token-url", "URL", "the token endpoint", CLIENT_COMMANDS, O_TOKEN_URL},
    {"authorization-url", "URL", "the authorization endpoint", CLIENT_COMMANDS, O_AUTHZ_URL},
    {"device-url", "URL", "the device authorization endpoint", CLIENT_COMMANDS, O_DEVICE_URL},
    {"revocation-url", "URL", "the revocation endpoint", CLIENT_COMMANDS, O_REVOKE_URL},
    {"introspection-url", "URL", "the introspection endpoint", CLIENT_COMMANDS, O_INTROSPECT_URL},
    {"issuer", "URL", "discover every endpoint from the issuer (RFC 8414 / OpenID Connect)",
     CLIENT_COMMANDS " discover", O_ISSUER},
    {"preset", "NAME", "nest or google-nest (with --project-id ID)", CLIENT_COMMANDS, O_PRESET},
    {"project-id", "ID", "the Device Access project id of the google-nest preset", CLIENT_COMMANDS, O_PROJECT},
    {"client-id", "ID", "the client id (required, unless the profile has it)", CLIENT_COMMANDS, O_CLIENT_ID},
    {"auth-method", "M", "post (default: client_secret_post), basic (client_secret_basic),\n"
                         "or none (a public client, no secret)", CLIENT_COMMANDS, O_AUTH},
    {"client-secret", "S", "the client secret; avoid it: other users can see it in `ps`. Prefer\n"
                           "TOKENKIT_CLIENT_SECRET", CLIENT_COMMANDS, O_CLIENT_SECRET},
    {"save-secret", NULL, "save the client secret in the profile (a 0600 file); without it, it is\n"
                          "never saved", "login", O_SAVE_SECRET},
    {"device", NULL, "sign in with the device flow instead of the browser", "login", O_DEVICE},
    {"code", "CODE", "the authorization code; avoid it: other users can see it in `ps`", "exchange", O_CODE},
    {"code-file", "PATH", "read the code from PATH (- for stdin)", "exchange", O_CODE_FILE},
    {"redirect-uri", "U", "the redirect URI the code was sent to", "exchange", O_REDIRECT},
    {"code-verifier", "V", "the PKCE code verifier", "exchange", O_VERIFIER},
    {"refresh-token", "T", "the refresh token; avoid it: other users can see it in `ps`", "refresh", O_REFRESH},
    {"refresh-token-file", "PATH", "read the refresh token from PATH (- for stdin)", "refresh", O_REFRESH_FILE},
    {"token", "T", "the token; avoid it: other users can see it in `ps`", "revoke introspect", O_TOKEN},
    {"token-file", "PATH", "read the token from PATH (- for stdin)", "revoke introspect", O_TOKEN_FILE},
    {"token-type-hint", "H", "access_token or refresh_token", "revoke introspect", O_HINT},
    {"scope", "S", "the scope asked for", "refresh client-credentials authorize device login", O_SCOPE},
    {"port", "N", "the loopback port of the redirect (default: any free port)", "authorize login", O_PORT},
    {"wait-ms", "N", "how long to wait for the browser (default 300000)", "authorize login", O_WAIT},
    {"no-browser", NULL, "do not open a browser; only print the URL", "authorize login", O_NO_BROWSER},
    {"open", NULL, "open the device flow's verification page in the browser", "device login", O_OPEN},
    {"skew-ms", "N", "refresh when the token expires within N ms (default 60000)", "token", O_SKEW},
    {"json", NULL, "print the profiles as a JSON array", "profiles", O_JSON},
    {"param", "NAME=VALUE", "an extra form or authorization parameter (repeatable)",
     TOKEN_GRANTS " introspect discover login", O_PARAM},
    {"ca-file", "PEM", "trust the CA certificates in this PEM file (instead of the system's)",
     NETWORK_COMMANDS, O_CA},
    {"timeout-ms", "N", "the deadline of each call to the server, retries and the waits between\n"
                        "them included (default 30000)", NETWORK_COMMANDS, O_TIMEOUT},
    {"attempt-timeout-ms", "N", "a bound on each attempt within that deadline (default: none)",
     NETWORK_COMMANDS, O_ATTEMPT_TIMEOUT},
    {"connect-timeout-ms", "N", "the bound on opening each connection (default 10000)", NETWORK_COMMANDS,
     O_CONNECT_TIMEOUT},
    {"retries", "N", "retries on transport errors, 5xx and 429 (default 3; 0 turns them off)", NETWORK_COMMANDS,
     O_RETRIES},
    {"verbose", NULL, "-v: each request's method, URL, status, time and retry decision on\n"
                      "stderr; -vv: its headers and form body too; secrets as [redacted]",
     NETWORK_COMMANDS, O_VERBOSE},
    {"help", NULL, "-h: this command's help", "*", O_HELP},
    {"version", NULL, "print the version", "*", O_VERSION},
};
const size_t OPTION_COUNT = sizeof OPTIONS / sizeof OPTIONS[0];

const char ENVIRONMENT_HELP[] =
    "TOKENKIT_CLIENT_SECRET  the client secret (required by post and basic, unless saved)\n"
    "TOKENKIT_CODE           the authorization code (exchange), instead of --code\n"
    "TOKENKIT_REFRESH_TOKEN  the refresh token (refresh), instead of --refresh-token\n"
    "TOKENKIT_TOKEN          the token to revoke or introspect, instead of --token\n"
    "TOKENKIT_STORE          the token store's directory\n"
    "XDG_CONFIG_HOME         the store is $XDG_CONFIG_HOME/tokenkit when TOKENKIT_STORE is unset\n";

const char OUTPUT_HELP[] =
    "On success the token response (or the introspection or metadata) is printed as JSON on\n"
    "stdout, on one line, and the exit status is 0; `token` prints the access token alone. On\n"
    "failure one line on stderr names the error kind and, when the server sent them, the OAuth\n"
    "error and error_description; a network error names the host, port and path that failed.\n"
    "Control characters the server sent are escaped: \\xNN (C0, DEL) or \\u{NN} (U+0080 to\n"
    "U+009F) in messages, \\u00NN inside JSON strings. Ctrl-C (SIGINT) or SIGTERM cancels.\n";

const char EXIT_HELP[] =
    "0  success\n"
    "2  usage error or invalid argument (also: no such profile, sign in again)\n"
    "3  the server answered with an OAuth error (e.g. invalid_grant, access_denied)\n"
    "4  transport error, timeout or TLS error\n"
    "5  protocol error or HTTP error (bad JSON, no access_token, a 500 page, a wrong state)\n"
    "6  insecure URL refused (plain http:// to a host that is not loopback)\n"
    "7  cancelled (Ctrl-C or SIGTERM)\n";

const char FILES_HELP[] =
    "$TOKENKIT_STORE/NAME.json (by default ~/.config/tokenkit/NAME.json): a profile, mode 0600,\n"
    "in a directory of mode 0700; NAME.lock beside it is locked while a process refreshes.\n";

const struct command *find_command(const char *name) {
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (!strcmp(COMMANDS[i].name, name)) return &COMMANDS[i];
    return NULL;
}

/* Whether `spec` is in the space-separated list of commands that take it. */
int option_applies(const struct option_spec *spec, const struct command *command) {
    if (!strcmp(spec->commands, "*")) return 1;
    if (!command) return 0;
    size_t n = strlen(command->name);
    for (const char *p = spec->commands; (p = strstr(p, command->name)) != NULL; p += n) {
        int starts = p == spec->commands || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends) return 1;
    }
    return 0;
}
