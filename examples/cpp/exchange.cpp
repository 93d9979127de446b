// The Works with Nest sample in C++: a small RAII wrapper over the tokenkit C ABI, so every handle
// and string is freed on every path, and failures become exceptions.
//
//   exchange TOKEN_URL CLIENT_ID CODE       (client secret from TOKENKIT_CLIENT_SECRET)
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>

#include "tokenkit.h"

namespace tokenkit {

// Owns a tokenkit_* handle and frees it with its matching _free.
template <typename T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const { Free(p); }
};
using Config = std::unique_ptr<tokenkit_config, Deleter<tokenkit_config, tokenkit_config_free>>;
using ClientHandle = std::unique_ptr<tokenkit_client, Deleter<tokenkit_client, tokenkit_client_free>>;
using TokenHandle = std::unique_ptr<tokenkit_token, Deleter<tokenkit_token, tokenkit_token_free>>;
using ErrorHandle = std::unique_ptr<tokenkit_error, Deleter<tokenkit_error, tokenkit_error_free>>;

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

// Copies a string tokenkit returned and frees (zeroizes) the library's copy.
inline std::string take(char *s) {
    std::string out = s ? s : "";
    tokenkit_string_free(s);
    return out;
}

class Client {
public:
    Client(const std::string &token_url, const std::string &client_id, const char *client_secret) {
        Config config(tokenkit_config_new());
        check([&](tokenkit_error **e) { return tokenkit_config_set_token_endpoint(config.get(), token_url.c_str(), e); });
        check([&](tokenkit_error **e) { return tokenkit_config_set_client_id(config.get(), client_id.c_str(), e); });
        check([&](tokenkit_error **e) { return tokenkit_config_set_client_secret(config.get(), client_secret, e); });
        tokenkit_client *raw = nullptr;
        check([&](tokenkit_error **e) { return tokenkit_client_new(config.get(), &raw, e); });
        client_.reset(raw);
    }

    // Returns the token response as JSON.
    std::string exchange_code(const std::string &code) const {
        tokenkit_token *raw = nullptr;
        check([&](tokenkit_error **e) {
            return tokenkit_client_exchange_code(client_.get(), code.c_str(), nullptr, nullptr, nullptr, &raw, e);
        });
        TokenHandle token(raw);
        return take(tokenkit_token_json(token.get()));
    }

private:
    ClientHandle client_;
};

}  // namespace tokenkit

int main(int argc, char **argv) {
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " TOKEN_URL CLIENT_ID CODE\n";
        return 2;
    }
    try {
        tokenkit::Client client(argv[1], argv[2], std::getenv("TOKENKIT_CLIENT_SECRET"));
        std::cout << client.exchange_code(argv[3]) << "\n";
    } catch (const tokenkit::Error &e) {
        std::cerr << tokenkit_status_name(e.status()) << ": "
                  << (e.oauth_error().empty() ? e.what() : e.oauth_error()) << "\n";
        return 1;
    }
    return 0;
}
