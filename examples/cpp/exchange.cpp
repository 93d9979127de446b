// The Works with Nest sample in C++, with tokenkit.hpp: RAII handles free every native object on
// every path, and failures are exceptions that carry the error kind and the OAuth fields.
//
//   exchange TOKEN_ENDPOINT CLIENT_ID CODE [REDIRECT_URI]   (client secret from TOKENKIT_CLIENT_SECRET;
//                                                           unset: a public client)
//
// Prints the token response JSON; on failure one line "KIND: OAUTH_ERROR or message" and exit 1.
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "tokenkit.hpp"

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: " << argv[0] << " TOKEN_ENDPOINT CLIENT_ID CODE [REDIRECT_URI]\n";
        return 2;
    }
    try {
        tokenkit::Config config;
        config.set_token_endpoint(argv[1]).set_client_id(argv[2]);
        if (const char *secret = std::getenv("TOKENKIT_CLIENT_SECRET"))
            config.set_client_secret(std::string(secret));
        else
            config.set_auth_method(tokenkit::AuthMethod::none);
        tokenkit::Client client(config);  // checks the library's ABI version first

        tokenkit::RequestOptions options;
        if (argc == 5) options.set_redirect_uri(argv[4]);
        tokenkit::Token token = client.exchange_code(argv[3], options);

        // The saved format (it holds secrets: store it as such) reads back to the same token.
        if (tokenkit::Token::from_json(token.to_json()).access_token() != token.access_token()) return 1;
        std::cout << token.json() << "\n";
    } catch (const tokenkit::Error &e) {
        std::cerr << tokenkit::status_name(e.kind()) << ": " << e.oauth_error().value_or(e.what()) << "\n";
        return 1;
    } catch (const std::exception &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
