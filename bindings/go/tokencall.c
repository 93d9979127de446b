// See tokencall.h.

#include "tokencall.h"

#include <string.h>

int32_t tkgo_take_token(tokenkit_token *token, char *buf, size_t cap, tkgo_token_fields *fields) {
    const char *values[6] = {
        tokenkit_token_access_token(token), tokenkit_token_token_type(token),
        tokenkit_token_refresh_token(token), tokenkit_token_scope(token),
        tokenkit_token_id_token(token),     tokenkit_token_json(token),
    };
    size_t lens[6];
    size_t total = 0;
    for (int i = 0; i < 6; i++) {
        lens[i] = values[i] == NULL ? 0 : strlen(values[i]);
        total += lens[i];
    }
    if (total > cap) {
        return 0;
    }
    size_t at = 0;
    for (int i = 0; i < 6; i++) {
        fields->len[i] = values[i] == NULL ? -1 : (int64_t)lens[i];
        memcpy(buf + at, values[i] == NULL ? "" : values[i], lens[i]);
        at += lens[i];
    }
    fields->has_expires_in = tokenkit_token_expires_in(token, &fields->expires_in);
    fields->has_expires_at = tokenkit_token_expires_at(token, &fields->expires_at);
    tokenkit_token_free(token);
    return 1;
}

tokenkit_status tkgo_request_token(int32_t which, const tokenkit_client *client, const char *arg,
                                   tokenkit_request_options *options, const tokenkit_cancel *cancel,
                                   char *buf, size_t cap, tkgo_token_fields *fields, tokenkit_token **left,
                                   tokenkit_error **err) {
    tokenkit_token *token = NULL;
    tokenkit_request_options *own = NULL;
    tokenkit_status status;
    *left = NULL;
    if (which < TKGO_EXCHANGE_CODE || which > TKGO_CLIENT_CREDENTIALS) {
        return TOKENKIT_STATUS_INVALID_ARGUMENT;
    }
    if (cancel != NULL) {
        if (options == NULL && (options = own = tokenkit_request_options_new()) == NULL) {
            return TOKENKIT_STATUS_INTERNAL_ERROR;
        }
        status = tokenkit_request_options_set_cancel(options, cancel, err);
        if (status != TOKENKIT_STATUS_OK) {
            tokenkit_request_options_free(own);
            return status;
        }
    }
    switch (which) {
    case TKGO_EXCHANGE_CODE:
        status = tokenkit_client_exchange_code(client, arg, options, &token, err);
        break;
    case TKGO_REFRESH:
        status = tokenkit_client_refresh(client, arg, options, &token, err);
        break;
    default: /* TKGO_CLIENT_CREDENTIALS, the last one checked above */
        status = tokenkit_client_client_credentials(client, options, &token, err);
        break;
    }
    tokenkit_request_options_free(own);
    if (status == TOKENKIT_STATUS_OK && !tkgo_take_token(token, buf, cap, fields)) {
        *left = token;
    }
    return status;
}
