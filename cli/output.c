/*
 * What reaches the terminal. Text from the network (OAuth fields, error messages, the device
 * flow's URI and code, the sign-in URL) has its control characters escaped, so a hostile server
 * can neither clear the screen, retitle the window nor forge a line; JSON stays the same JSON on
 * one line.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "cli.h"

int exit_for(tokenkit_status status) {
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
void put_text(FILE *f, const char *text) {
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
void put_json(FILE *f, const char *json) {
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
int report(tokenkit_status status, const tokenkit_error *err) {
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
