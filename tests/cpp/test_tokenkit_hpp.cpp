// tokenkit.hpp against the mock authorization server, over real sockets: every class, the errors
// it throws (kind, HTTP status, OAuth fields), callbacks that throw, moves, and the sample's
// one-call exchange. `make test-cpp` runs it under AddressSanitizer and UBSan.
//
// Environment (scripts/with_servers.sh): TOKENKIT_TEST_SERVER, TOKENKIT_TEST_TLS_URL,
// TOKENKIT_TEST_CA_FILE.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tokenkit.hpp"

namespace {

int failures = 0;
std::string server;

#define CHECK(cond, what)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            ++failures;                                                                        \
            std::cerr << "FAIL " << __func__ << ":" << __LINE__ << ": " << (what) << "\n"; \
        }                                                                                      \
    } while (0)

std::string url(const std::string &path) { return server + path; }

bool starts_with(const std::string &s, const std::string &prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
bool contains(const std::string &s, const std::string &needle) { return s.find(needle) != std::string::npos; }

std::string fresh_code() {
    static int n = 0;
    return "code-cpp-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

// Runs `f`, which must throw tokenkit::Error of `kind`; returns it for further checks.
template <typename F>
std::optional<tokenkit::Error> expect_error(tokenkit::Status kind, F &&f, const std::string &what) {
    try {
        f();
    } catch (const tokenkit::Error &e) {
        CHECK(e.kind() == kind, what + ": kind " + tokenkit::status_name(e.kind()) + ", want " +
                                    tokenkit::status_name(kind) + " (" + e.what() + ")");
        return e;
    } catch (const std::exception &e) {
        CHECK(false, what + ": threw " + e.what() + " instead of tokenkit::Error");
        return std::nullopt;
    }
    CHECK(false, what + ": did not throw");
    return std::nullopt;
}

// GET http://127.0.0.1:PORT/path; returns the status, the Location header and the whole response.
// The browser of the sign-in test, and the reader of the server's /stats.
int http_get(const std::string &target, std::string *location, std::string *whole = nullptr) {
    int port = 0;
    char path[4096] = {0};
    if (std::sscanf(target.c_str(), "http://127.0.0.1:%d%4095s", &port, path) != 2) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    std::string request = std::string("GET ") + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\n\r\n";
    if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
        close(fd);
        return -1;
    }
    std::string response;
    char buf[4096];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<std::size_t>(got));
    close(fd);
    int status = -1;
    std::sscanf(response.c_str(), "HTTP/1.%*d %d", &status);
    if (location) {
        std::size_t at = response.find("\r\nLocation: ");
        if (at == std::string::npos) at = response.find("\r\nlocation: ");
        if (at != std::string::npos) {
            at += 12;
            *location = response.substr(at, response.find("\r\n", at) - at);
        }
    }
    if (whole) *whole = response;
    return status;
}

// A count in the object `section` of the mock server's GET /stats (0 when absent, -1 on failure).
long stat_in(const std::string &section, const std::string &name) {
    std::string response;
    if (http_get(url("/stats"), nullptr, &response) != 200) return -1;
    std::size_t from = response.find("\"" + section + "\":{");
    if (from == std::string::npos) return -1;
    std::size_t at = response.find("\"" + name + "\":", from);
    return at == std::string::npos ? 0 : std::strtol(response.c_str() + at + name.size() + 3, nullptr, 10);
}

tokenkit::Config demo_config(const std::string &id = "demo-client", const char *secret = "demo-secret") {
    tokenkit::Config config;
    config.set_token_endpoint(url("/token"))
        .set_authorization_endpoint(url("/authorize"))
        .set_device_authorization_endpoint(url("/device_authorization"))
        .set_revocation_endpoint(url("/revoke"))
        .set_introspection_endpoint(url("/introspect"))
        .set_client_id(id)
        .set_retry(1, std::chrono::milliseconds(20), std::chrono::milliseconds(200));
    if (secret)
        config.set_client_secret(std::string(secret));
    else
        config.set_auth_method(tokenkit::AuthMethod::none);
    return config;
}

void test_versions() {
    CHECK(tokenkit::abi_version() == TOKENKIT_ABI_VERSION, "abi version");
    CHECK(!tokenkit::version().empty(), "version");
    CHECK(std::string(tokenkit::status_name(tokenkit::Status::oauth_error)) == "oauth_error", "status name");
    tokenkit::check_abi();
}

// The sample: one call, then the same code again is the server's invalid_grant.
void test_one_call_exchange() {
    tokenkit::ExchangeRequest request{url("/token"), fresh_code(), "demo-client", std::string("demo-secret")};
    tokenkit::Token token = tokenkit::exchange_code(request);
    CHECK(starts_with(token.access_token(), "at-"), "access token " + token.access_token());
    CHECK(token.token_type() == "Bearer", "token type " + token.token_type());
    CHECK(token.expires_in() == std::chrono::seconds(3600), "expires_in");
    auto left = *token.expires_at() - std::chrono::system_clock::now();
    CHECK(left > std::chrono::seconds(3500) && left <= std::chrono::seconds(3601), "expires_at");
    CHECK(token.refresh_token().has_value(), "refresh token");
    CHECK(contains(token.json(), "\"access_token\":\"at-"), "json " + token.json());

    auto e = expect_error(tokenkit::Status::oauth_error, [&] { tokenkit::exchange_code(request); }, "reused code");
    if (e) {
        CHECK(e->oauth_error() == std::optional<std::string>("invalid_grant"), "oauth error");
        CHECK(e->http_status() == 400, "http status " + std::to_string(e->http_status()));
        CHECK(e->oauth_error_description().has_value(), "description");
        CHECK(std::string(e->what()).size() > 0, "message");
    }

    // A public client: no secret.
    tokenkit::ExchangeRequest public_request{url("/token"), fresh_code(), "public-client", std::nullopt};
    CHECK(starts_with(tokenkit::exchange_code(public_request).access_token(), "at-"), "public client");
}

void test_config_errors() {
    tokenkit::Config config;
    expect_error(tokenkit::Status::insecure, [&] { config.set_token_endpoint("http://example.com/token"); },
                 "plain http elsewhere");
    expect_error(tokenkit::Status::invalid_argument, [&] { config.set_client_id(""); }, "empty client id");
    expect_error(tokenkit::Status::invalid_argument, [&] { config.set_client_id(std::string("a\0b", 3)); },
                 "NUL in a string");
    expect_error(tokenkit::Status::invalid_argument, [&] { config.set_timeout(std::chrono::milliseconds(-1)); },
                 "negative timeout");
    expect_error(tokenkit::Status::invalid_argument, [&] { config.apply_preset("no-such-provider"); }, "preset");
    expect_error(tokenkit::Status::invalid_argument, [&] { config.add_ca_file("/nonexistent/ca.pem"); }, "CA file");
    config.apply_preset("google-nest", std::string("project-1"));
    config.set_connect_timeout(std::chrono::milliseconds(5000))
        .set_timeout(std::chrono::milliseconds(10000))
        .set_attempt_timeout(std::chrono::milliseconds(4000))
        .set_max_response_bytes(1 << 20)
        .set_max_idle_connections_per_host(4)
        .set_user_agent("tokenkit-hpp-test/1")
        .set_revocation_style(tokenkit::RevocationStyle::rfc7009);
    // No client id yet: the client is refused.
    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Client client(config); }, "no client id");
    config.set_client_id("id").set_client_secret(std::string("secret")).set_client_secret(std::nullopt);
    config.set_auth_method(tokenkit::AuthMethod::client_secret_basic);
    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Client client(config); }, "basic without secret");
}

void test_grants() {
    tokenkit::Client client(demo_config());
    tokenkit::Token token = client.exchange_code(fresh_code());
    CHECK(starts_with(token.access_token(), "at-"), "exchange");

    tokenkit::Token refreshed = client.refresh(*token.refresh_token());
    CHECK(starts_with(refreshed.access_token(), "at-") && refreshed.access_token() != token.access_token(), "refresh");

    tokenkit::Token credentials = client.client_credentials(tokenkit::RequestOptions().set_scope("read write"));
    CHECK(credentials.scope() == std::optional<std::string>("read write"), "client credentials scope");
    CHECK(!credentials.id_token().has_value(), "no id token");

    // A scope on a code exchange is refused, not ignored.
    expect_error(tokenkit::Status::invalid_argument,
                 [&] { client.exchange_code(fresh_code(), tokenkit::RequestOptions().set_scope("read")); },
                 "scope on an exchange");
    expect_error(tokenkit::Status::invalid_argument, [&] { client.exchange_code(std::string("c\0d", 3)); },
                 "NUL in a code");

    // Introspection, revocation, introspection again.
    tokenkit::Introspection info = client.introspect(credentials.access_token());
    CHECK(info.active(), "active before revocation: " + info.json());
    CHECK(info.client_id() == std::optional<std::string>("demo-client"), "introspected client id");
    CHECK(info.scope() == std::optional<std::string>("read write"), "introspected scope");
    CHECK(info.exp().has_value() && *info.exp() > std::chrono::system_clock::now(), "exp");
    (void)info.iat();
    (void)info.username();
    (void)info.sub();
    (void)info.token_type();
    client.revoke(credentials.access_token(), tokenkit::RequestOptions().set_token_type_hint("access_token"));
    CHECK(!client.introspect(credentials.access_token()).active(), "inactive after revocation");
    CHECK(!refreshed.refresh_token().has_value(), "no rotation: the old refresh token stays");
    client.revoke(*token.refresh_token(), tokenkit::RequestOptions().set_token_type_hint("refresh_token"));

    // The saved format reads back to the same token.
    tokenkit::Token back = tokenkit::Token::from_json(token.to_json());
    CHECK(back.access_token() == token.access_token() && back.refresh_token() == token.refresh_token(), "saved format");
    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Token::from_json("not json"); }, "bad JSON");

    // Moves: the handle goes with the object.
    const tokenkit_token *native = token.native();
    tokenkit::Token moved = std::move(token);
    CHECK(moved.native() == native && token.native() == nullptr, "token moved");
    tokenkit::Client other = std::move(client);
    CHECK(other.native() != nullptr && client.native() == nullptr, "client moved");
    tokenkit_token *released = moved.release();
    CHECK(released == native && moved.native() == nullptr, "released");
    tokenkit_token_free(released);
}

void test_http_errors() {
    tokenkit::Config config = demo_config();
    config.set_token_endpoint(url("/fault/500-json"));
    tokenkit::Client client(config);
    auto e = expect_error(tokenkit::Status::http_error, [&] { client.exchange_code(fresh_code()); }, "HTTP 500");
    if (e) {
        CHECK(e->http_status() == 500, "status " + std::to_string(e->http_status()));
        CHECK(e->body() && contains(*e->body(), "server_error"), "body");
        CHECK(!e->oauth_error().has_value(), "no OAuth error on a 500");
    }
    config.set_token_endpoint(url("/fault/malformed"));
    tokenkit::Client malformed(config);
    expect_error(tokenkit::Status::protocol_error, [&] { malformed.exchange_code(fresh_code()); }, "malformed");
}

void test_tls() {
    const char *tls_url = std::getenv("TOKENKIT_TEST_TLS_URL");
    const char *ca = std::getenv("TOKENKIT_TEST_CA_FILE");
    CHECK(tls_url && ca, "TOKENKIT_TEST_TLS_URL and TOKENKIT_TEST_CA_FILE");
    if (!tls_url || !ca) return;
    tokenkit::Config config;
    config.set_token_endpoint(tls_url).set_client_id("demo-client").set_client_secret(std::string("demo-secret"));
    tokenkit::Client untrusted(config);
    expect_error(tokenkit::Status::tls_error, [&] { untrusted.exchange_code(fresh_code()); }, "unknown CA");
    config.add_ca_file(ca);
    CHECK(starts_with(tokenkit::Client(config).exchange_code(fresh_code()).access_token(), "tls-"), "over TLS");
}

void test_discovery() {
    tokenkit::Config config;
    std::string metadata = config.discover(server);
    CHECK(contains(metadata, "\"issuer\""), "metadata " + metadata);
    config.set_client_id("demo-client").set_client_secret(std::string("demo-secret"));
    CHECK(starts_with(tokenkit::Client(config).exchange_code(fresh_code()).access_token(), "at-"), "discovered");
    tokenkit::Config evil;
    expect_error(tokenkit::Status::protocol_error, [&] { evil.discover(url("/evil")); }, "issuer mismatch");
}

void test_cancel() {
    tokenkit::Client client(demo_config());
    tokenkit::RequestOptions options;
    {
        tokenkit::Cancel cancel;
        options.set_cancel(cancel);
        cancel.trigger();
    }  // the options keep their reference to the flag
    expect_error(tokenkit::Status::cancelled, [&] { client.client_credentials(options); }, "cancelled");

    // A flag raised from another thread while the request waits on a server that never answers.
    tokenkit::Config config = demo_config();
    config.set_token_endpoint(url("/fault/hang"));
    tokenkit::Client hanging(config);
    tokenkit::Cancel cancel;
    std::thread trigger([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        cancel.trigger();
    });
    auto start = std::chrono::steady_clock::now();
    expect_error(tokenkit::Status::cancelled,
                 [&] { hanging.exchange_code(fresh_code(), tokenkit::RequestOptions().set_cancel(cancel)); },
                 "cancelled while waiting");
    trigger.join();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3), "cancel is prompt");
}

void test_authorization_request() {
    tokenkit::Client client(demo_config());
    tokenkit::Authorization auth = client.authorization_request(
        tokenkit::RequestOptions().set_redirect_uri("http://127.0.0.1:9/callback").set_scope("read").add_param(
            "login_hint", "user@example.com"));
    CHECK(starts_with(auth.url(), url("/authorize?")), "url " + auth.url());
    CHECK(contains(auth.url(), "state=" + auth.state()) && contains(auth.url(), "code_challenge_method=S256"),
          "state and PKCE in " + auth.url());
    CHECK(auth.code_verifier().size() == 43, "verifier " + auth.code_verifier());
    tokenkit::Authorization second = client.authorization_request();
    CHECK(second.state() != auth.state(), "fresh state");
}

// The "user" follows the URL in a browser: a thread GETs it and the server's redirect.
void test_sign_in() {
    tokenkit::Client client(demo_config());
    std::vector<std::thread> browsers;
    int calls = 0;
    tokenkit::SignInOptions options;
    options.set_open_url([&](const std::string &auth_url) {
               ++calls;
               browsers.emplace_back([auth_url] {
                   std::string location;
                   if (http_get(auth_url, &location) == 302 && !location.empty()) http_get(location, nullptr);
               });
           })
        .set_scope("read")
        .set_timeout(std::chrono::milliseconds(20000))
        .set_port(0);
    tokenkit::Token token = client.sign_in(options);
    for (auto &b : browsers) b.join();
    CHECK(calls == 1, "open_url called once");
    CHECK(starts_with(token.access_token(), "at-"), "signed in");

    // Denied consent: the server's OAuth error.
    browsers.clear();
    tokenkit::SignInOptions denied;
    denied.set_open_url([&](const std::string &auth_url) {
        browsers.emplace_back([auth_url] {
            std::string location;
            if (http_get(auth_url, &location) == 302 && !location.empty()) http_get(location, nullptr);
        });
    });
    denied.add_param("mock_behavior", "deny");
    auto e = expect_error(tokenkit::Status::oauth_error, [&] { client.sign_in(denied); }, "denied");
    for (auto &b : browsers) b.join();
    if (e) CHECK(e->oauth_error() == std::optional<std::string>("access_denied"), "access_denied");

    // A callback that throws stops the sign-in, and its exception comes out of sign_in().
    tokenkit::SignInOptions throwing;
    throwing.set_open_url([](const std::string &) { throw std::runtime_error("no browser here"); });
    try {
        client.sign_in(throwing);
        CHECK(false, "sign_in with a throwing callback returned");
    } catch (const std::runtime_error &e2) {
        CHECK(std::string(e2.what()) == "no browser here", std::string("rethrown: ") + e2.what());
    }
    // Nothing is left pending for the next call on this thread.
    CHECK(starts_with(client.client_credentials().access_token(), "at-"), "next call");

    tokenkit::SignInOptions no_callback;
    expect_error(tokenkit::Status::invalid_argument, [&] { client.sign_in(no_callback); }, "no open_url");
}

void test_device() {
    tokenkit::Client client(demo_config("public-client", nullptr));
    std::string shown;
    tokenkit::DeviceOptions options;
    options.set_on_prompt([&](const tokenkit::DeviceAuthorizationView &auth) {
               shown = auth.user_code();
               CHECK(contains(auth.verification_uri(), "/device"), "verification uri");
               CHECK(auth.verification_uri_complete() && contains(*auth.verification_uri_complete(), shown),
                     "complete uri");
               CHECK(auth.interval() == std::chrono::seconds(1), "interval");
               CHECK(auth.expires_in() > std::chrono::seconds(0), "expires_in");
           })
        .set_scope("read")
        .set_pkce(false)
        .add_param("mock_behavior", "approve");
    tokenkit::Token token = client.device_flow(options);
    CHECK(shown.size() == 9, "user code " + shown);
    CHECK(starts_with(token.access_token(), "at-"), "device token");

    // By hand: authorize, then poll with the same parameters.
    tokenkit::DeviceOptions by_hand;
    by_hand.add_param("mock_behavior", "approve");
    tokenkit::DeviceAuthorization auth = client.device_authorize(by_hand);
    CHECK(auth.user_code().size() == 9, "authorize");
    tokenkit::DeviceAuthorization moved = std::move(auth);
    CHECK(starts_with(client.device_poll(moved, by_hand).access_token(), "at-"), "poll");

    tokenkit::DeviceOptions deny;
    deny.add_param("mock_behavior", "deny").set_on_prompt([](const tokenkit::DeviceAuthorizationView &) {});
    auto e = expect_error(tokenkit::Status::oauth_error, [&] { client.device_flow(deny); }, "denied");
    if (e) CHECK(e->oauth_error() == std::optional<std::string>("access_denied"), "access_denied");

    struct Refused {};
    tokenkit::DeviceOptions refusing;
    refusing.add_param("mock_behavior", "approve").set_on_prompt([](const tokenkit::DeviceAuthorizationView &) {
        throw Refused{};
    });
    bool rethrown = false;
    try {
        client.device_flow(refusing);
    } catch (const Refused &) {
        rethrown = true;
    }
    CHECK(rethrown, "the prompt's exception comes out of device_flow");

    // The poll callback: told of each authorization_pending; false stops the flow.
    std::vector<std::string> outcomes;
    std::chrono::milliseconds interval{0};
    tokenkit::DeviceOptions polled;
    polled.add_param("mock_behavior", "approve")
        .set_on_prompt([](const tokenkit::DeviceAuthorizationView &) {})
        .set_on_poll([&](const std::string &outcome, std::chrono::milliseconds wait) {
            outcomes.push_back(outcome);
            interval = wait;
            return true;
        });
    CHECK(starts_with(client.device_flow(polled).access_token(), "at-"), "device flow with on_poll");
    CHECK(outcomes == std::vector<std::string>{"authorization_pending"} && interval == std::chrono::seconds(1),
          "on_poll saw " + std::to_string(outcomes.size()) + " polls");
    tokenkit::DeviceOptions stopping;
    stopping.add_param("mock_behavior", "never")
        .set_on_prompt([](const tokenkit::DeviceAuthorizationView &) {})
        .set_on_poll([](const std::string &, std::chrono::milliseconds) { return false; });
    expect_error(tokenkit::Status::cancelled, [&] { client.device_flow(stopping); }, "on_poll said stop");
    tokenkit::DeviceOptions poll_throws;
    poll_throws.add_param("mock_behavior", "never")
        .set_on_prompt([](const tokenkit::DeviceAuthorizationView &) {})
        .set_on_poll([](const std::string &, std::chrono::milliseconds) -> bool { throw Refused{}; });
    rethrown = false;
    try {
        client.device_flow(poll_throws);
    } catch (const Refused &) {
        rethrown = true;
    }
    CHECK(rethrown, "on_poll's exception comes out of device_flow");
}

// The store: a profile without its secret, a client from it, one refresh for threads sharing an
// expired profile, the rotated refresh token saved, a source backed by it, logout and deletion.
void test_store() {
    char dir_template[] = "/tmp/tokenkit-hpp-store-XXXXXX";
    std::string dir = mkdtemp(dir_template);
    tokenkit::Store store(dir);
    CHECK(store.dir() == dir, "dir " + store.dir());
    tokenkit::Config rotating = demo_config("rotating-client", "rotating-secret");
    tokenkit::Client minter(rotating);
    tokenkit::Token initial = minter.exchange_code(fresh_code(), tokenkit::RequestOptions().add_param("mock_expires_in", "30"));
    store.save_profile("work", rotating, initial);
    std::string text;
    {
        FILE *f = std::fopen((dir + "/work.json").c_str(), "r");
        char buf[8192];
        std::size_t n = f ? std::fread(buf, 1, sizeof buf, f) : 0;
        if (f) std::fclose(f);
        text.assign(buf, n);
    }
    CHECK(contains(text, "\"tokenkit_profile\":1") && !contains(text, "rotating-secret"), "profile " + text);
    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Client no_secret(store.config("work")); },
                 "no secret saved");

    // Every thread with a client of its own from the profile's config: one refresh.
    long before = stat_in("by_grant", "refresh_token");
    std::vector<std::thread> threads;
    std::vector<std::string> tokens(6);
    for (std::size_t i = 0; i < tokens.size(); i++)
        threads.emplace_back([&, i] {
            tokenkit::Client client(store.config("work").set_client_secret(std::string("rotating-secret")));
            tokens[i] = store.token("work", client).access_token();
        });
    for (auto &t : threads) t.join();
    CHECK(stat_in("by_grant", "refresh_token") == before + 1,
          "refreshes: " + std::to_string(stat_in("by_grant", "refresh_token") - before));
    for (const std::string &t : tokens) CHECK(t == tokens[0] && t != initial.access_token(), "shared token " + t);
    std::optional<tokenkit::Token> saved = store.saved_token("work");
    CHECK(saved && saved->refresh_token() != initial.refresh_token(), "the rotated refresh token is saved");
    // A raised cancel flag in the options: a stale profile is not refreshed; without one the
    // options go with a refresh.
    {
        tokenkit::Client client(store.config("work").set_client_secret(std::string("rotating-secret")));
        tokenkit::Cancel cancel;
        cancel.trigger();
        expect_error(tokenkit::Status::cancelled,
                     [&] {
                         store.token("work", client, std::chrono::hours(2),
                                     tokenkit::RequestOptions().set_cancel(cancel));
                     },
                     "cancelled store token");
        CHECK(store.token("work", client, std::chrono::milliseconds(0), tokenkit::RequestOptions())
                      .access_token() == tokens[0],
              "options without a flag");
        tokenkit::Token longer = store.token("work", client, std::chrono::hours(2),
                                             tokenkit::RequestOptions().add_param("mock_expires_in", "7200"));
        CHECK(longer.expires_in() == std::chrono::seconds(7200), "the options go with the refresh");
        tokens.assign(tokens.size(), longer.access_token());
        saved = store.saved_token("work");
    }

    // A source backed by the profile, and the log of its client.
    std::vector<std::string> lines;
    std::mutex lines_lock;
    tokenkit::Config logged = store.config("work");
    logged.set_client_secret(std::string("rotating-secret")).set_log(2, [&](std::int32_t, const std::string &line) {
        std::lock_guard<std::mutex> hold(lines_lock);
        lines.push_back(line);
    });
    std::optional<tokenkit::Source> source;
    {
        tokenkit::Client client(logged);
        source.emplace(tokenkit::Source::from_store(client, store, "work"));
    }  // the source keeps the client and its log
    CHECK(source->access_token() == tokens[0], "the source starts from the saved token");
    tokenkit::Token forced = source->refresh();
    CHECK(store.saved_token("work")->refresh_token() == forced.refresh_token(), "the source saves through the store");
    CHECK(!lines.empty(), "log lines");
    for (const std::string &line : lines) {
        CHECK(!contains(line, "rotating-secret") && !contains(line, forced.access_token()) &&
                  !contains(line, *saved->refresh_token()) && !contains(line, *forced.refresh_token()),
              "a secret in the log: " + line);
    }
    source.reset();

    std::string profiles = store.profiles();
    CHECK(contains(profiles, "\"name\":\"work\"") && contains(profiles, "\"has_token\":true") &&
              !contains(profiles, forced.access_token()) && !contains(profiles, "rotating-secret"),
          "profiles " + profiles);
    std::optional<tokenkit::Token> removed = store.remove_token("work");
    CHECK(removed && removed->access_token() == forced.access_token(), "removed token");
    CHECK(!store.saved_token("work") && !store.remove_token("work"), "no token left");
    store.save_token("work", forced);
    CHECK(store.saved_token("work")->access_token() == forced.access_token(), "save_token");
    store.save_profile("secret", rotating, true);
    tokenkit::Client with_secret(store.config("secret"));  // nothing to add
    CHECK(store.delete_profile("work") && store.delete_profile("secret") && !store.delete_profile("work"), "deleted");
    CHECK(store.profiles() == "[]", "empty " + store.profiles());
    expect_error(tokenkit::Status::invalid_argument, [&] { store.config("../escape"); }, "bad name");
    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Store(std::string()); }, "empty dir");
    rmdir(dir.c_str());
}

void test_source() {
    tokenkit::Client client(demo_config());
    tokenkit::Token first = client.exchange_code(fresh_code());
    std::atomic<int> changes{0};
    std::string last_seen;
    tokenkit::SourceOptions options;
    options.set_skew(std::chrono::milliseconds(0)).set_on_change([&](const tokenkit::TokenView &token) {
        ++changes;
        last_seen = token.access_token();
    });
    tokenkit::Source source(client, first, options);
    CHECK(source.access_token() == first.access_token(), "cached token");
    CHECK(source.token().access_token() == first.access_token(), "cached token handle");

    tokenkit::Token refreshed = source.refresh();
    CHECK(changes == 1 && last_seen == refreshed.access_token(), "on_change told of the refresh");
    CHECK(refreshed.access_token() != first.access_token(), "refreshed");

    // The copy into the caller's buffer: too small writes nothing, and says how much is needed.
    char small[4] = {'x', 'x', 'x', 'x'};
    std::int64_t length = source.access_token_copy(small, sizeof small);
    CHECK(length == static_cast<std::int64_t>(refreshed.access_token().size()) && small[0] == '\0', "too small");
    std::vector<char> buffer(static_cast<std::size_t>(length) + 1);
    source.access_token_copy(buffer.data(), static_cast<std::int64_t>(buffer.size()));
    CHECK(std::string(buffer.data()) == refreshed.access_token(), "copied");

    // Saved and read back; the restored source refreshes with the same refresh token.
    std::string saved = source.to_json();
    tokenkit::Source restored = tokenkit::Source::from_json(client, saved);
    CHECK(restored.access_token() == refreshed.access_token(), "restored");
    CHECK(starts_with(restored.refresh().access_token(), "at-"), "restored refreshes");

    // From a refresh token alone: the first use refreshes.
    tokenkit::SourceOptions only_refresh;
    only_refresh.set_refresh_token(*client.exchange_code(fresh_code()).refresh_token());
    tokenkit::Source lazy(client, only_refresh);
    CHECK(starts_with(lazy.access_token(), "at-"), "first use refreshes");

    // An exception from on_change comes out of the call that refreshed; the source keeps the token.
    tokenkit::SourceOptions throwing;
    throwing.set_on_change([](const tokenkit::TokenView &) { throw std::logic_error("store failed"); });
    tokenkit::Source noisy = tokenkit::Source::from_json(client, saved, throwing);
    std::string message;
    try {
        noisy.refresh();
    } catch (const std::logic_error &e) {
        message = e.what();
    }
    CHECK(message == "store failed", "on_change exception rethrown: " + message);
    CHECK(starts_with(noisy.access_token(), "at-"), "source still usable");

    // Shared between threads: one source, several readers.
    std::vector<std::thread> readers;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; i++)
        readers.emplace_back([&] {
            for (int j = 0; j < 20; j++)
                if (starts_with(source.access_token(), "at-")) ++ok;
        });
    for (auto &r : readers) r.join();
    CHECK(ok == 80, "threads");

    expect_error(tokenkit::Status::invalid_argument, [&] { tokenkit::Source::from_json(client, "{}"); },
                 "nothing usable");
}

}  // namespace

int main() {
    const char *s = std::getenv("TOKENKIT_TEST_SERVER");
    if (!s) {
        std::cerr << "set TOKENKIT_TEST_SERVER (scripts/with_servers.sh)\n";
        return 2;
    }
    server = s;
    test_versions();
    test_one_call_exchange();
    test_config_errors();
    test_grants();
    test_http_errors();
    test_tls();
    test_discovery();
    test_cancel();
    test_authorization_request();
    test_sign_in();
    test_device();
    test_source();
    test_store();
    if (failures) {
        std::cerr << failures << " check(s) failed\n";
        return 1;
    }
    std::cout << "tokenkit.hpp: all checks passed\n";
    return 0;
}
