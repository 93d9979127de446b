/*
 * The Works with Nest sample, in C with tokenkit: exchange an authorization code for a token.
 *
 *   exchange_code TOKEN_URL CLIENT_ID CODE      (client secret from TOKENKIT_CLIENT_SECRET)
 */
#include <stdio.h>
#include <stdlib.h>

#include "tokenkit.h"

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s TOKEN_URL CLIENT_ID CODE\n", argv[0]);
        return 2;
    }
    tokenkit_token *token = NULL;
    tokenkit_error *err = NULL;
    tokenkit_status status = tokenkit_exchange_code(argv[1], argv[3], argv[2],
                                                    getenv("TOKENKIT_CLIENT_SECRET"), &token, &err);
    if (status != TOKENKIT_STATUS_OK) {
        const char *oauth = tokenkit_error_oauth_error(err);
        fprintf(stderr, "%s: %s\n", oauth ? oauth : tokenkit_status_name(status), tokenkit_error_message(err));
        tokenkit_error_free(err);
        return 1;
    }
    char *access_token = tokenkit_token_access_token(token);
    printf("access_token=%s expires_in=%lld\n", access_token, (long long)tokenkit_token_expires_in(token));
    tokenkit_string_free(access_token);
    tokenkit_token_free(token);
    return 0;
}
