/*
 * include/tokenkit.h as every supported compiler mode sees it: `make check-header-matrix` builds
 * this file with -Wall -Wextra -pedantic -Werror as C99, C11 and C17, and (as C++) C++11, C++17 and
 * C++20, links it to the library and runs it. It uses each kind of declaration the header has:
 * the enums and their constants, the callback types, the request struct, options objects, and a
 * call that fails without touching the network (an insecure URL).
 */
#include "tokenkit.h"
#include "tokenkit.h" /* the include guard holds */

#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#define NO_POINTER nullptr
#else
#define NO_POINTER NULL
#endif

static int32_t open_url(void *user_data, const char *url) {
    (void)user_data;
    (void)url;
    return 0;
}

static int32_t show_code(void *user_data, const struct tokenkit_device_authorization *authorization) {
    (void)user_data;
    return tokenkit_device_authorization_user_code(authorization) ? 0 : 1;
}

static void on_change(void *user_data, const struct tokenkit_token *token) {
    (void)user_data;
    (void)token;
}

int main(void) {
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) return 1;
    tokenkit_open_url_fn open_url_fn = open_url;
    tokenkit_device_prompt_fn prompt_fn = show_code;
    tokenkit_token_changed_fn change_fn = on_change;
    tokenkit_error *err = NO_POINTER;
    tokenkit_token *token = NO_POINTER;
    int failures = 0;

    tokenkit_config *config = tokenkit_config_new();
    tokenkit_status s = tokenkit_config_set_auth_method(config, TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC, &err);
    if (s == TOKENKIT_STATUS_OK) s = tokenkit_config_set_revocation_style(config, TOKENKIT_REVOCATION_STYLE_NEST_DELETE, &err);
    if (s == TOKENKIT_STATUS_OK) s = tokenkit_config_set_timeout_ms(config, INT64_C(10000), &err);
    failures += s != TOKENKIT_STATUS_OK;
    tokenkit_config_free(config);

    tokenkit_sign_in_options *sign_in = tokenkit_sign_in_options_new();
    tokenkit_device_options *device = tokenkit_device_options_new();
    tokenkit_source_options *source = tokenkit_source_options_new();
    failures += tokenkit_sign_in_options_set_open_url(sign_in, open_url_fn, NO_POINTER, NO_POINTER) != TOKENKIT_STATUS_OK;
    failures += tokenkit_device_options_set_on_prompt(device, prompt_fn, NO_POINTER, NO_POINTER) != TOKENKIT_STATUS_OK;
    failures += tokenkit_source_options_set_on_change(source, change_fn, NO_POINTER, NO_POINTER) != TOKENKIT_STATUS_OK;
    tokenkit_sign_in_options_free(sign_in);
    tokenkit_device_options_free(device);
    tokenkit_source_options_free(source);

#if !defined(__cplusplus) || __cplusplus >= 202002L
    /* Every member named: g++ -Wextra warns about one left out in C++20 (gcc does not in C). */
    tokenkit_exchange_request request = {
        .token_endpoint = "http://example.com/token",
        .code = "c",
        .client_id = "id",
        .client_secret = NO_POINTER,
    };
#else
    tokenkit_exchange_request request;
    memset(&request, 0, sizeof request);
    request.token_endpoint = "http://example.com/token";
    request.code = "c";
    request.client_id = "id";
#endif
    s = tokenkit_exchange_code(&request, &token, &err);
    failures += s != TOKENKIT_STATUS_INSECURE || token != NO_POINTER || tokenkit_error_kind(err) != TOKENKIT_STATUS_INSECURE;
    int64_t seconds = 0;
    failures += tokenkit_token_expires_in(token, &seconds) != 0;
    tokenkit_error_free(err);

    switch (s) {
    case TOKENKIT_STATUS_INSECURE: break;
    default: failures++;
    }
    printf("%s: %s\n", tokenkit_status_name(s), failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
