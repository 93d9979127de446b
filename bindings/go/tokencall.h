// One cgo call per token request. A goroutine that comes back from a blocking cgo call has to win
// a P again, and so does every cgo call it makes after that: with 8 goroutines on 2 cores, a
// request followed by the ten small calls that copy a token out ran at about 0.75x of the request
// alone. So the request, the copy of the token's fields into a Go buffer, and the free of the
// native token are one call here. Nothing in the buffer is a Go pointer; the buffer is wiped by
// the Go side once it has copied the fields.

#ifndef TOKENKIT_GO_TOKENCALL_H
#define TOKENKIT_GO_TOKENCALL_H

#include <stddef.h>
#include <stdint.h>

#include "tokenkit.h"

// Which request tkgo_request_token makes.
enum tkgo_request {
    TKGO_EXCHANGE_CODE = 0,  // tokenkit_client_exchange_code(client, arg, options)
    TKGO_REFRESH = 1,        // tokenkit_client_refresh(client, arg, options)
    TKGO_CLIENT_CREDENTIALS = 2,  // tokenkit_client_client_credentials(client, options)
};

// Where a token's fields went: lengths of access_token, token_type, refresh_token, scope,
// id_token and the server's JSON, one after the other in the buffer (-1: absent), and the expiry.
typedef struct tkgo_token_fields {
    int64_t len[6];
    int64_t expires_in;
    int64_t expires_at;
    uint8_t has_expires_in;
    uint8_t has_expires_at;
} tkgo_token_fields;

// Copies the fields of token into buf (cap bytes) and frees the token: returns 1. When they do
// not fit, copies nothing, leaves the token alone and returns 0.
int32_t tkgo_take_token(tokenkit_token *token, char *buf, size_t cap, tkgo_token_fields *fields);

// Makes the request `which` on client, then takes the token as tkgo_take_token does. options
// may be NULL; a cancel flag that is not NULL is put in options, or in options made for this call
// and freed after it. On success *left is NULL, or the token whose fields did not fit in buf (the
// caller copies and frees it). Returns the request's status; on failure *err is set as by the
// request (INTERNAL_ERROR without one if memory for the options ran out).
tokenkit_status tkgo_request_token(int32_t which, const tokenkit_client *client, const char *arg,
                                   tokenkit_request_options *options, const tokenkit_cancel *cancel,
                                   char *buf, size_t cap, tkgo_token_fields *fields, tokenkit_token **left,
                                   tokenkit_error **err);

#endif
