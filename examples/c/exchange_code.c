/*
 * The Works with Nest sample, in C with tokenkit: exchange an authorization code for a token.
 *
 *   exchange_code TOKEN_ENDPOINT CLIENT_ID CODE   (client secret from TOKENKIT_CLIENT_SECRET;
 *                                                 unset: a public client)
 */
#include <stdio.h>
#include <stdlib.h>

#include "tokenkit.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s TOKEN_ENDPOINT CLIENT_ID CODE\n", argv[0]);
        return 2;
    }
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) {
        fprintf(stderr, "libtokenkit has ABI %u, this program needs %d\n", tokenkit_abi_version(), TOKENKIT_ABI_VERSION);
        return 2;
    }
    /* By field name, so no two strings can be swapped unnoticed. */
    tokenkit_exchange_request request = {
        .token_endpoint = argv[1],
        .client_id = argv[2],
        .code = argv[3],
        .client_secret = getenv("TOKENKIT_CLIENT_SECRET"),
    };
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status status = tokenkit_exchange_code(&request, &token, &err);
    if (status != TOKENKIT_STATUS_OK) {
        const char *oauth = tokenkit_error_oauth_error(err);
        fprintf(stderr, "%s: %s\n", oauth ? oauth : tokenkit_status_name(status), tokenkit_error_message(err));
        tokenkit_error_free(err);
        return 1;
    }
    /* Borrowed from the token: valid until tokenkit_token_free(), never freed separately. */
    int64_t expires_in = 0;
    if (tokenkit_token_expires_in(token, &expires_in))
        printf("access_token=%s expires_in=%lld\n", tokenkit_token_access_token(token), (long long)expires_in);
    else
        printf("access_token=%s\n", tokenkit_token_access_token(token));
    tokenkit_token_free(token); /* zeroizes the token */
    return 0;
}
