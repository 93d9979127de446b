/*
 * The commands on the token store: login saves a profile and its token, token prints a fresh
 * access token (refreshing through the store, which locks the profile so that concurrent
 * processes refresh once), logout revokes and deletes the token, profiles lists them. The store
 * and its locking are the library's (tokenkit_store_*); this file only talks to the user.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { DEFAULT_SKEW_MS = 60000 };

/* Whether the library's error message says `words`: the ABI gives the store's causes (no such
 * profile, no revocation endpoint) no status of their own. */
static int says(const tokenkit_error *err, const char *words) {
    return err && strstr(tokenkit_error_message(err), words) != NULL;
}

/* Ends a store command: the error line (with a hint when the profile is missing or needs a new
 * sign-in), everything freed. */
static int fail(const struct options *o, tokenkit_status status, tokenkit_error *err) {
    int code = report(status, err);
    if (says(err, "no profile ") || says(err, "sign in again"))
        fprintf(stderr, "(run tokenkit login --profile %s)\n", o->profile);
    tokenkit_error_free(err);
    return code;
}

/* Whether the profile's file exists (login then starts from its saved settings). */
static int profile_exists(tokenkit_store *store, const char *name) {
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status s = tokenkit_store_saved_token(store, name, &token, &err);
    int exists = s == TOKENKIT_STATUS_OK || (err && !says(err, "no profile ") && !says(err, "profile name"));
    tokenkit_token_free(token);
    tokenkit_error_free(err);
    return exists;
}

/* A config and a client for the profile: its saved settings with the command line's on top (a
 * fresh config when `o->profile` is NULL). A secret from the environment is set when there is one;
 * when the saved profile is a public client, which must have none, it is built again without. */
static tokenkit_status profile_client(struct options *o, tokenkit_store *store, const tokenkit_request_options *discovery,
                                      tokenkit_config **config, tokenkit_client **client, tokenkit_error **err) {
    tokenkit_status s = base_config(o, store, config, err);
    if (!s) s = configure(o, *config, discovery, NULL, err);
    if (!s) s = tokenkit_client_new(*config, client, err);
    if (s == TOKENKIT_STATUS_INVALID_ARGUMENT && o->profile && o->client_secret && !o->auth_method) {
        const char *secret = o->client_secret;
        tokenkit_error *first = *err;
        *err = NULL;
        tokenkit_config_free(*config);
        *config = NULL;
        o->client_secret = NULL;
        s = base_config(o, store, config, err);
        if (!s) s = configure(o, *config, discovery, NULL, err);
        if (!s) s = tokenkit_client_new(*config, client, err);
        o->client_secret = secret;
        if (s) { /* the first error is the one to tell */
            tokenkit_error_free(*err);
            *err = first;
        } else {
            tokenkit_error_free(first);
        }
    }
    return s;
}

int run_login(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_store *store = NULL;
    tokenkit_config *config = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_request_options *discovery = tokenkit_request_options_new();
    tokenkit_status s = discovery ? tokenkit_store_open(o->store, &store, &err) : TOKENKIT_STATUS_INTERNAL_ERROR;
    if (s) {
        tokenkit_request_options_free(discovery);
        return fail(o, s, err);
    }
    /* A new profile needs everything on the command line; a saved one supplies what it holds. */
    int exists = profile_exists(store, o->profile);
    if (!exists) {
        struct options fresh = *o;
        fresh.profile = NULL;
        const char *problem = missing(&fresh);
        if (problem) {
            tokenkit_store_free(store);
            tokenkit_request_options_free(discovery);
            return usage_error(o->command, "%s", problem);
        }
    }
    const char *profile = o->profile;
    if (!exists) o->profile = NULL; /* a fresh config */
    s = tokenkit_request_options_set_cancel(discovery, o->cancel, &err);
    if (!s) s = profile_client(o, store, discovery, &config, &client, &err);
    o->profile = profile;
    if (!s) s = o->device ? device_flow(o, client, &token, &err) : sign_in(o, client, &token, &err);
    if (!s) s = tokenkit_store_save_profile(store, o->profile, config, token, (uint8_t)o->save_secret, &err);
    int code = EXIT_OK;
    if (s) {
        code = fail(o, s, err);
        err = NULL;
    } else {
        fprintf(stderr, "tokenkit: signed in; profile %s saved in %s%s\n", o->profile, tokenkit_store_dir(store),
                o->save_secret ? " (with the client secret)" : "");
    }
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_request_options_free(discovery);
    tokenkit_store_free(store);
    tokenkit_error_free(err);
    return code;
}

/* Whether `token` stays valid for more than `skew_ms` (a token with no known expiry does). */
static int is_fresh(const tokenkit_token *token, int64_t skew_ms) {
    int64_t expires_at = 0;
    if (!tokenkit_token_expires_at(token, &expires_at)) return 1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 + skew_ms < expires_at * 1000;
}

int run_token(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_store *store = NULL;
    tokenkit_config *config = NULL;
    tokenkit_request_options *request = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    int64_t skew_ms = o->skew_set ? o->skew_ms : DEFAULT_SKEW_MS;
    tokenkit_status s = tokenkit_store_open(o->store, &store, &err);
    /* A fresh saved token needs no client (nor the client secret): printed as it is. */
    if (!s) s = tokenkit_store_saved_token(store, o->profile, &token, &err);
    if (!s && !(token && is_fresh(token, skew_ms))) {
        tokenkit_token_free(token);
        token = NULL;
        /* Ctrl-C ends the refresh, or the wait for another process's refresh. */
        request = tokenkit_request_options_new();
        s = request ? tokenkit_request_options_set_cancel(request, o->cancel, &err) : TOKENKIT_STATUS_INTERNAL_ERROR;
        if (!s) s = profile_client(o, store, NULL, &config, &client, &err);
        if (!s) s = tokenkit_store_token(store, o->profile, client, skew_ms, request, &token, &err);
    }
    int code = EXIT_OK;
    if (s) {
        code = fail(o, s, err);
        err = NULL;
    } else {
        fputs(tokenkit_token_access_token(token), stdout);
        putchar('\n');
    }
    tokenkit_token_free(token);
    tokenkit_request_options_free(request);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
    tokenkit_error_free(err);
    return code;
}

/* Whether revocation failed only because the profile names no revocation endpoint. */
static int no_revocation_endpoint(tokenkit_status s, const tokenkit_error *err) {
    return s == TOKENKIT_STATUS_INVALID_ARGUMENT && says(err, "no revocation_endpoint is configured");
}

int run_logout(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_store *store = NULL;
    tokenkit_config *config = NULL;
    tokenkit_client *client = NULL;
    tokenkit_token *token = NULL;
    tokenkit_request_options *request = NULL;
    tokenkit_status s = tokenkit_store_open(o->store, &store, &err);
    if (!s) s = tokenkit_store_saved_token(store, o->profile, &token, &err);
    if (s) {
        tokenkit_store_free(store);
        return fail(o, s, err);
    }
    if (!token) {
        fprintf(stderr, "tokenkit: profile %s holds no token: already logged out\n", o->profile);
        tokenkit_store_free(store);
        return EXIT_OK;
    }
    /* Revoking the refresh token ends the whole grant (RFC 7009 section 2.1). */
    const char *refresh = tokenkit_token_refresh_token(token);
    request = tokenkit_request_options_new();
    s = request ? tokenkit_request_options_set_cancel(request, o->cancel, &err) : TOKENKIT_STATUS_INTERNAL_ERROR;
    if (!s) s = tokenkit_request_options_set_token_type_hint(request, refresh ? "refresh_token" : "access_token", &err);
    if (!s) s = profile_client(o, store, NULL, &config, &client, &err);
    if (!s) s = tokenkit_client_revoke(client, refresh ? refresh : tokenkit_token_access_token(token), request, &err);
    tokenkit_status revoked = s;
    tokenkit_error *revoke_err = err;
    err = NULL;
    /* The token goes whatever the server said: the user asked for it to be gone from here. */
    s = tokenkit_store_remove_token(store, o->profile, NULL, &err);
    int code = EXIT_OK;
    if (s) {
        code = fail(o, s, err);
    } else if (!revoked) {
        fprintf(stderr, "tokenkit: revoked the %s token and deleted it from profile %s\n",
                refresh ? "refresh" : "access", o->profile);
    } else if (no_revocation_endpoint(revoked, revoke_err)) {
        fprintf(stderr, "tokenkit: profile %s has no revocation endpoint; deleted its token here only\n", o->profile);
    } else {
        code = report(revoked, revoke_err);
        fprintf(stderr, "tokenkit: deleted the token from profile %s all the same; it may stay valid at the server\n",
                o->profile);
    }
    tokenkit_error_free(revoke_err);
    tokenkit_request_options_free(request);
    tokenkit_token_free(token);
    tokenkit_client_free(client);
    tokenkit_config_free(config);
    tokenkit_store_free(store);
    return code;
}

/* The JSON value at `p` (a string, number, true/false/null) as text into `out` (string escapes
 * kept but for \" and \\, enough for names, ids and URLs); returns where the value ends. */
static const char *read_value(const char *p, char *out, size_t size) {
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) p++;
            if (n + 1 < size) out[n++] = *p;
        }
        if (*p) p++;
    } else {
        while (*p && !strchr(",}]", *p)) {
            if (n + 1 < size) out[n++] = *p;
            p++;
        }
    }
    out[n] = '\0';
    return p;
}

/* One profile's line from its JSON object (tokenkit_store_profiles()'s flat objects). */
struct profile_row { char name[80], client_id[256], token_endpoint[512], has_token[8], has_refresh[8], expires[24], problem[512]; };

static void print_row(const struct profile_row *r) {
    put_text(stdout, r->name);
    if (*r->problem) {
        fputs("  unreadable: ", stdout);
        put_text(stdout, r->problem);
        putchar('\n');
        return;
    }
    fputs("  client ", stdout);
    put_text(stdout, r->client_id);
    if (strcmp(r->has_token, "true")) {
        fputs("  no token", stdout);
    } else if (*r->expires) {
        time_t at = (time_t)strtoll(r->expires, NULL, 10);
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&at));
        printf("  token %s %s", at > time(NULL) ? "valid until" : "expired at", when);
    } else {
        fputs("  token (no expiry known)", stdout);
    }
    printf("  refresh token %s", strcmp(r->has_refresh, "true") ? "no" : "yes");
    if (*r->token_endpoint) {
        fputs("  ", stdout);
        put_text(stdout, r->token_endpoint);
    }
    putchar('\n');
}

int run_profiles(struct options *o) {
    tokenkit_error *err = NULL;
    tokenkit_store *store = NULL;
    char *json = NULL;
    tokenkit_status s = tokenkit_store_open(o->store, &store, &err);
    if (!s) s = tokenkit_store_profiles(store, &json, &err);
    if (s) {
        tokenkit_store_free(store);
        return fail(o, s, err);
    }
    if (o->json) {
        put_json(stdout, json);
        putchar('\n');
    } else if (!strcmp(json, "[]")) {
        fprintf(stderr, "tokenkit: no profiles in %s (tokenkit login saves one)\n", tokenkit_store_dir(store));
    } else {
        struct profile_row row;
        const char *p = json;
        while ((p = strchr(p, '{')) != NULL) {
            memset(&row, 0, sizeof row);
            p++;
            while (*p && *p != '}') {
                char key[32];
                p = read_value(strchr(p, '"') ? strchr(p, '"') : p, key, sizeof key);
                p = strchr(p, ':');
                if (!p) break;
                p++;
                struct { const char *key; char *field; size_t size; } fields[] = {
                    {"name", row.name, sizeof row.name}, {"client_id", row.client_id, sizeof row.client_id},
                    {"token_endpoint", row.token_endpoint, sizeof row.token_endpoint},
                    {"has_token", row.has_token, sizeof row.has_token},
                    {"has_refresh_token", row.has_refresh, sizeof row.has_refresh},
                    {"expires_at", row.expires, sizeof row.expires}, {"problem", row.problem, sizeof row.problem},
                };
                char scratch[16];
                char *field = scratch;
                size_t size = sizeof scratch;
                for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
                    if (!strcmp(key, fields[i].key)) field = fields[i].field, size = fields[i].size;
                p = read_value(p, field, size);
                if (*p == ',') p++;
            }
            print_row(&row);
        }
    }
    tokenkit_string_free(json);
    tokenkit_store_free(store);
    return EXIT_OK;
}
