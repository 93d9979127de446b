/*
 * Help and usage errors, all from the tables in table.c: the overview (`tokenkit help`), each
 * command's own page (`tokenkit help COMMAND`, `tokenkit COMMAND --help`) and the man page
 * (`tokenkit --man`, installed as tokenkit.1). A usage error is one line and one hint.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Prints `text` with `indent` spaces before every line but the first. */
static void put_indented(FILE *f, const char *text, int indent) {
    for (const char *p = text; *p; p++) {
        fputc(*p, f);
        if (*p == '\n' && p[1]) fprintf(f, "%*s", indent, "");
    }
}

/* "--name ARG" as the help shows it; --verbose and --help with their short forms. */
static void option_label(char *out, size_t size, const struct option_spec *o) {
    const char *shortform = o->id == O_VERBOSE ? "-v, " : o->id == O_HELP ? "-h, " : "";
    snprintf(out, size, "%s--%s%s%s", shortform, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

static void print_option(FILE *f, const struct option_spec *o) {
    char label[64];
    option_label(label, sizeof label, o);
    if (strlen(label) < 26) fprintf(f, "  %-26s", label);
    else fprintf(f, "  %s\n%28s", label, "");
    put_indented(f, o->help, 28);
    fputc('\n', f);
}

void print_overview(FILE *f) {
    fputs("usage: tokenkit COMMAND [options]\n"
          "\n"
          "OAuth 2.0 tokens from the command line: sign in once with `tokenkit login`, then\n"
          "`tokenkit token` prints a valid access token, refreshed through the shared token store\n"
          "when needed; or make any single token request.\n"
          "\n"
          "commands:\n", f);
    for (size_t i = 0; i < COMMAND_COUNT; i++) fprintf(f, "  %-20s%s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\nRun `tokenkit help COMMAND` or `tokenkit COMMAND --help` for a command's options.\n"
          "Every URL is https://, or http:// to 127.0.0.1, ::1 or localhost.\n"
          "\nenvironment:\n", f);
    fputs("  ", f);
    put_indented(f, ENVIRONMENT_HELP, 2);
    fputs("\noutput:\n  ", f);
    put_indented(f, OUTPUT_HELP, 2);
    fputs("\nexit status:\n  ", f);
    put_indented(f, EXIT_HELP, 2);
}

void print_command_help(FILE *f, const struct command *c) {
    fprintf(f, "usage: tokenkit %s %s\n\n%s\n", c->name, c->synopsis, c->description);
    if (!c->run) return; /* help */
    fputs("\noptions:\n", f);
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (option_applies(&OPTIONS[i], c) && OPTIONS[i].id != O_VERSION) print_option(f, &OPTIONS[i]);
    fputs("\nenvironment:\n  ", f);
    put_indented(f, ENVIRONMENT_HELP, 2);
    fputs("\nexit status:\n  ", f);
    put_indented(f, EXIT_HELP, 2);
}

/* Text for roff: backslashes and hyphens escaped, a line never starting with a control dot. */
static void put_roff(FILE *f, const char *text) {
    int line_start = 1;
    for (const char *p = text; *p; p++) {
        if (line_start && (*p == '.' || *p == '\'')) fputs("\\&", f);
        if (*p == '\\') fputs("\\e", f);
        else if (*p == '-') fputs("\\-", f);
        else fputc(*p, f);
        line_start = *p == '\n';
    }
}

/* A block of lines kept as they are (.nf), for the tables of variables and statuses. */
static void put_roff_block(FILE *f, const char *heading, const char *text) {
    fprintf(f, ".SH %s\n.nf\n", heading);
    put_roff(f, text);
    fputs(".fi\n", f);
}

void print_man_page(FILE *f) {
    fprintf(f, ".TH TOKENKIT 1 \"\" \"tokenkit %s\" \"User Commands\"\n", tokenkit_version());
    fputs(".SH NAME\ntokenkit \\- OAuth 2.0 tokens from the command line\n"
          ".SH SYNOPSIS\n.B tokenkit\n.I COMMAND\n[options]\n"
          ".SH DESCRIPTION\nSign in once with\n.BR \"tokenkit login\" ,\nthen\n.B tokenkit token\n"
          "prints a valid access token, refreshed through the shared token store when needed;\n"
          "or make any single token request. Every URL is https://, or http:// to 127.0.0.1, ::1\n"
          "or localhost.\n"
          ".SH COMMANDS\n", f);
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        const struct command *c = &COMMANDS[i];
        fprintf(f, ".SS \"tokenkit %s ", c->name);
        put_roff(f, c->synopsis);
        fputs("\"\n", f);
        put_roff(f, c->description);
        fputc('\n', f);
        if (!c->run) continue;
        for (size_t j = 0; j < OPTION_COUNT; j++) {
            const struct option_spec *o = &OPTIONS[j];
            if (!option_applies(o, c) || o->id == O_VERSION || o->id == O_HELP) continue;
            char label[64];
            option_label(label, sizeof label, o);
            fputs(".TP\n.B ", f);
            put_roff(f, label);
            fputc('\n', f);
            put_roff(f, o->help);
            fputc('\n', f);
        }
    }
    put_roff_block(f, "ENVIRONMENT", ENVIRONMENT_HELP);
    fputs(".SH OUTPUT\n", f);
    put_roff(f, OUTPUT_HELP);
    put_roff_block(f, "EXIT STATUS", EXIT_HELP);
    put_roff_block(f, "FILES", FILES_HELP);
    fputs(".SH EXAMPLE\n.nf\n"
          "export TOKENKIT_CLIENT_SECRET=...\n"
          "tokenkit login \\-\\-issuer https://auth.example.com \\-\\-client\\-id my\\-app\n"
          "curl \\-H \"Authorization: Bearer $(tokenkit token)\" https://api.example.com/\n"
          "tokenkit logout\n.fi\n", f);
}

/* One line naming the problem, one line saying where help is. Returns EXIT_USAGE. */
int usage_error(const struct command *c, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fputs("tokenkit: invalid_argument: ", stderr);
    vfprintf(stderr, fmt, args);
    va_end(args);
    if (c && c->run) fprintf(stderr, "\n(run tokenkit %s --help)\n", c->name);
    else fputs("\n(run tokenkit help)\n", stderr);
    return EXIT_USAGE;
}

/* The edit distance between two short words (insertions, deletions, substitutions). */
static size_t distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diagonal = up;
        }
    }
    return row[lb];
}

/* The candidate nearest to `word`: one that starts with it (a shortened name), else one within
 * a third of its length in edits; NULL when none is near. */
const char *closest(const char *word, const char *const *candidates, size_t count) {
    const char *best = NULL;
    size_t best_distance = (size_t)-1, len = strlen(word);
    for (size_t i = 0; i < count; i++) {
        if (len >= 3 && !strncmp(candidates[i], word, len)) return candidates[i];
        size_t d = distance(word, candidates[i]);
        if (d < best_distance) {
            best_distance = d;
            best = candidates[i];
        }
    }
    return best_distance <= len / 3 + 1 ? best : NULL;
}
