// The Works with Nest sample in C++: a small RAII wrapper over the tokenkit C ABI, so every handle
// and string is freed on every path, and failures become exceptions.
//
//   exchange TOKEN_ENDPOINT CLIENT_ID CODE [REDIRECT_URI]   (client secret from TOKENKIT_CLIENT_SECRET)
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "tokenkit.h"

namespace tokenkit {

// Owns a tokenkit_* handle and frees it with its matching _free.
template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using ConfigHandle = std::unique_ptr<tokenkit_config, Deleter<tokenkit_config, tokenkit_config_free>>;
using ClientHandle = std::unique_ptr<tokenkit_client, Deleter<tokenkit_client, tokenkit_client_free>>;
using TokenHandle = std::unique_ptr<tokenkit_token, Deleter<tokenkit_token, tokenkit_token_free>>;
using ErrorHandle = std::unique_ptr<tokenkit_error, Deleter<tokenkit_error, tokenkit_error_free>>;
using RequestOptionsHandle =
    std::unique_ptr<tokenkit_request_options, Deleter<tokenkit_request_options, tokenkit_request_options_free>>;

class Error : public std::runtime_error {
public:
    Error(tokenkit_status status, const tokenkit_error *err)
        : std::runtime_error(tokenkit_error_message(err)), status_(status),
          oauth_error_(tokenkit_error_oauth_error(err) ? tokenkit_error_oauth_error(err) : ""),
          http_status_(tokenkit_error_http_status(err)) {}
    tokenkit_status status() const { return status_; }
    const std::string &oauth_error() const { return oauth_error_; }
    int http_status() const { return http_status_; }

private:
    tokenkit_status status_;
    std::string oauth_error_;
    int http_status_;
};

// Calls a fallible tokenkit function and turns a failure into tokenkit::Error.
template <typename F>
void check(F &&call) {
    tokenkit_error *raw = nullptr;
    tokenkit_status status = call(&raw);
    ErrorHandle err(raw);
    if (status != TOKENKIT_STATUS_OK) throw Error(status, err.get());
}

// Copies a string tokenkit handed out through a `char **` output and frees (zeroizes) the
// library's copy. Borrowed `const char *` accessors are copied with borrowed() instead.
inline std::string take(char *s) {
    std::string out = s ? s : "";
    tokenkit_string_free(s);
    return out;
}

inline std::optional<std::string> borrowed(const char *s) {
    return s ? std::optional<std::string>(s) : std::nullopt;
}

// A token: its strings are borrowed from the handle and copied out on request.
class Token {
public:
    explicit Token(tokenkit_token *raw) : token_(raw) {}
    std::string access_token() const { return tokenkit_token_access_token(token_.get()); }
    std::optional<std::string> refresh_token() const { return borrowed(tokenkit_token_refresh_token(token_.get())); }
    std::optional<std::int64_t> expires_in() const {
        std::int64_t seconds = 0;
        return tokenkit_token_expires_in(token_.get(), &seconds) ? std::optional<std::int64_t>(seconds) : std::nullopt;
    }
    // The whole response as the server sent it.
    std::string json() const { return tokenkit_token_json(token_.get()); }
    // tokenkit's saved format, for Token::from_json after a restart. Holds secrets.
    std::string to_json() const {
        char *raw = nullptr;
        check([&](tokenkit_error **e) { return tokenkit_token_to_json(token_.get(), &raw, e); });
        return take(raw);
    }
    static Token from_json(const std::string &json) {
        tokenkit_token *raw = nullptr;
        check([&](tokenkit_error **e) { return tokenkit_token_from_json(json.c_str(), &raw, e); });
        return Token(raw);
    }

private:
    TokenHandle token_;
};

class Client {
public:
    Client(const std::string &token_endpoint, const std::string &client_id, const char *client_secret) {
        if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION)
            throw std::runtime_error("libtokenkit has ABI " + std::to_string(tokenkit_abi_version()) + ", this program needs " +
                                     std::to_string(TOKENKIT_ABI_VERSION));
        ConfigHandle config(tokenkit_config_new());
        check([&](tokenkit_error **e) { return tokenkit_config_set_token_endpoint(config.get(), token_endpoint.c_str(), e); });
        check([&](tokenkit_error **e) { return tokenkit_config_set_client_id(config.get(), client_id.c_str(), e); });
        if (client_secret) {
            check([&](tokenkit_error **e) { return tokenkit_config_set_client_secret(config.get(), client_secret, e); });
        } else {
            check([&](tokenkit_error **e) { return tokenkit_config_set_auth_method(config.get(), TOKENKIT_AUTH_METHOD_NONE, e); });
        }
        tokenkit_client *raw = nullptr;
        check([&](tokenkit_error **e) { return tokenkit_client_new(config.get(), &raw, e); });
        client_.reset(raw);
    }

    Token exchange_code(const std::string &code, const std::optional<std::string> &redirect_uri = std::nullopt) const {
        RequestOptionsHandle options(tokenkit_request_options_new());
        if (redirect_uri) {
            check([&](tokenkit_error **e) {
                return tokenkit_request_options_set_redirect_uri(options.get(), redirect_uri->c_str(), e);
            });
        }
        tokenkit_token *raw = nullptr;
        check([&](tokenkit_error **e) { return tokenkit_client_exchange_code(client_.get(), code.c_str(), options.get(), &raw, e); });
        return Token(raw);
    }

private:
    ClientHandle client_;
};

}  // namespace tokenkit

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        std::cerr << "usage: " << argv[0] << " TOKEN_ENDPOINT CLIENT_ID CODE [REDIRECT_URI]\n";
        return 2;
    }
    try {
        tokenkit::Client client(argv[1], argv[2], std::getenv("TOKENKIT_CLIENT_SECRET"));
        std::optional<std::string> redirect_uri;
        if (argc == 5) redirect_uri = argv[4];
        tokenkit::Token token = client.exchange_code(argv[3], redirect_uri);
        // The saved format reads back to the same token.
        if (tokenkit::Token::from_json(token.to_json()).access_token() != token.access_token()) return 1;
        std::cout << token.json() << "\n";
    } catch (const tokenkit::Error &e) {
        std::cerr << tokenkit_status_name(e.status()) << ": "
                  << (e.oauth_error().empty() ? e.what() : e.oauth_error()) << "\n";
        return 1;
    } catch (const std::exception &e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
