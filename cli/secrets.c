/*
 * The client secret, the code and the tokens: each from its environment variable, its file (or
 * stdin) or its flag, one way only; a flag's value is copied and wiped from argv at once (so `ps`
 * shows it no longer), files are read with read(2) (no stdio buffer keeps a copy), and every copy
 * is wiped before the process exits.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Overwrites `len` bytes at `p` in a way the compiler cannot drop as a dead store. */
void wipe(void *p, size_t len) {
    volatile unsigned char *v = p;
    while (len--) *v++ = 0;
}

/* A copy of our own of a secret; `*size` gets the bytes to wipe. NULL if memory ran out. */
char *copy_secret(const char *text, size_t *size) {
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy) memcpy(copy, text, len + 1);
    *size = len + 1;
    return copy;
}


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
const char *settle_secrets(const char *command, struct secret *secrets, size_t count) {
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

void free_secret(char *value, size_t size) {
    if (!value) return;
    wipe(value, size);
    free(value);
}
