/*
 * tokenkit.hpp: the C++17 interface to tokenkit, header-only, over the C ABI of tokenkit.h. It
 * adds no OAuth rule of its own: every call forwards to the tokenkit_* function of the same name.
 *
 *   tokenkit::Client client(tokenkit::Config()
 *                               .set_token_endpoint("https://api.home.nest.com/oauth2/access_token")
 *                               .set_client_id(client_id)
 *                               .set_client_secret(client_secret));
 *   tokenkit::Token token = client.exchange_code(code);
 *   std::cout << token.access_token() << " expires in " << token.expires_in()->count() << " s\n";
 *
 * Conventions:
 * - Ownership: each class owns one tokenkit handle and frees it in its destructor (RAII). Objects
 *   are movable, not copyable; a moved-from object may only be destroyed or assigned to.
 *   native() lends the C handle, release() (on owning classes) hands it over.
 * - Errors: a failed call throws tokenkit::Error, which carries the kind (tokenkit::Status), the
 *   message, the HTTP status and the OAuth error, error_description and error_uri. A _new function
 *   that runs out of memory throws std::bad_alloc. A std::string holding a NUL byte is refused
 *   with Status::invalid_argument (C strings would end there).
 * - Strings: accessors copy into std::string; absent values are std::nullopt. Strings the library
 *   zeroizes (secrets) are copied into ordinary std::string objects, which are not.
 * - Callbacks (sign-in's open_url, the device prompt and poll, a token source's on_change, a
 *   config's log) are std::function objects. An exception thrown by one does not cross the C
 *   library: it stops the sign-in or device flow (on_change and the log cannot stop anything) and
 *   is rethrown by the call that ran the callback, on the same thread. The log is kept by the
 *   Config and by every Client and Source made from it, as long as the library may call it.
 * - Threading is that of tokenkit.h: Client, Source, Store and Cancel may be shared between threads,
 *   options and Config are filled from one thread, results are immutable.
 * - Client's constructor and exchange_code() check tokenkit_abi_version() == TOKENKIT_ABI_VERSION.
 *
 * Link with the library as for C: `pkg-config --cflags --libs tokenkit` or CMake's
 * tokenkit::tokenkit. Compile as C++17 or later.
 */

#ifndef TOKENKIT_HPP
#define TOKENKIT_HPP

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "tokenkit.h"

namespace tokenkit {

/// The kind of a failure, numbered as tokenkit_status (never `ok` in an Error).
enum class Status : std::int32_t {
    ok = TOKENKIT_STATUS_OK,
    invalid_argument = TOKENKIT_STATUS_INVALID_ARGUMENT,
    oauth_error = TOKENKIT_STATUS_OAUTH_ERROR,
    http_error = TOKENKIT_STATUS_HTTP_ERROR,
    transport_error = TOKENKIT_STATUS_TRANSPORT_ERROR,
    timeout = TOKENKIT_STATUS_TIMEOUT,
    tls_error = TOKENKIT_STATUS_TLS_ERROR,
    protocol_error = TOKENKIT_STATUS_PROTOCOL_ERROR,
    insecure = TOKENKIT_STATUS_INSECURE,
    internal_error = TOKENKIT_STATUS_INTERNAL_ERROR,
    cancelled = TOKENKIT_STATUS_CANCELLED,
};

/// Client authentication (RFC 6749 §2.3.1), as tokenkit_auth_method.
enum class AuthMethod : std::int32_t {
    client_secret_post = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST,
    client_secret_basic = TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC,
    none = TOKENKIT_AUTH_METHOD_NONE,
};

/// How tokens are revoked, as tokenkit_revocation_style.
enum class RevocationStyle : std::int32_t {
    rfc7009 = TOKENKIT_REVOCATION_STYLE_RFC7009,
    nest_delete = TOKENKIT_REVOCATION_STYLE_NEST_DELETE,
};

/// The stable lower-case name of a status ("oauth_error"), tokenkit_status_name().
inline const char *status_name(Status status) noexcept {
    return tokenkit_status_name(static_cast<std::int32_t>(status));
}

/// The library's ABI version, tokenkit_abi_version().
inline std::uint32_t abi_version() noexcept { return tokenkit_abi_version(); }

/// The library's version, e.g. "0.2.0", tokenkit_version().
inline std::string version() { return tokenkit_version(); }

/// A failed call: what tokenkit_error says, copied, so the exception owns no native memory.
class Error : public std::runtime_error {
public:
    /// Copies `err` (NULL gives the status's name as the message).
    Error(Status status, const tokenkit_error *err)
        : std::runtime_error(err ? tokenkit_error_message(err) : status_name(status)),
          kind_(err ? static_cast<Status>(tokenkit_error_kind(err)) : status),
          http_status_(tokenkit_error_http_status(err)),
          oauth_error_(copy(tokenkit_error_oauth_error(err))),
          oauth_error_description_(copy(tokenkit_error_oauth_error_description(err))),
          oauth_error_uri_(copy(tokenkit_error_oauth_error_uri(err))),
          body_(copy(tokenkit_error_body(err))) {}

    /// An error this header detects itself (a NUL byte in a string, an ABI mismatch).
    Error(Status status, const std::string &message) : std::runtime_error(message), kind_(status) {}

    /// The kind, tokenkit_error_kind().
    Status kind() const noexcept { return kind_; }
    /// The HTTP status of the server's answer, or 0 when none arrived, tokenkit_error_http_status().
    std::int32_t http_status() const noexcept { return http_status_; }
    /// The OAuth `error` the server sent, tokenkit_error_oauth_error().
    const std::optional<std::string> &oauth_error() const noexcept { return oauth_error_; }
    /// tokenkit_error_oauth_error_description().
    const std::optional<std::string> &oauth_error_description() const noexcept { return oauth_error_description_; }
    /// tokenkit_error_oauth_error_uri().
    const std::optional<std::string> &oauth_error_uri() const noexcept { return oauth_error_uri_; }
    /// The body of the server's error answer, the request's secrets redacted, tokenkit_error_body().
    const std::optional<std::string> &body() const noexcept { return body_; }

private:
    static std::optional<std::string> copy(const char *s) {
        return s ? std::optional<std::string>(s) : std::nullopt;
    }

    Status kind_;
    std::int32_t http_status_ = 0;
    std::optional<std::string> oauth_error_;
    std::optional<std::string> oauth_error_description_;
    std::optional<std::string> oauth_error_uri_;
    std::optional<std::string> body_;
};

/// Throws Error(internal_error) unless the library is of the ABI this header describes.
inline void check_abi() {
    if (tokenkit_abi_version() != TOKENKIT_ABI_VERSION) {
        throw Error(Status::internal_error, "libtokenkit has ABI version " + std::to_string(tokenkit_abi_version()) +
                                                " but tokenkit.hpp was compiled for ABI version " +
                                                std::to_string(TOKENKIT_ABI_VERSION));
    }
}

namespace detail {

template <typename T, void (*Free)(T *)>
struct deleter {
    void operator()(T *p) const noexcept { Free(p); }
};

/// Owns a tokenkit handle and frees it with its one _free function.
template <typename T, void (*Free)(T *)>
using handle = std::unique_ptr<T, deleter<T, Free>>;

using error_handle = handle<tokenkit_error, tokenkit_error_free>;
using string_handle = handle<char, tokenkit_string_free>;

/// A _new function's result: NULL only when memory ran out.
template <typename T>
T *allocated(T *p) {
    if (!p) throw std::bad_alloc();
    return p;
}

/// The C string of a std::string argument; one holding a NUL byte is refused.
inline const char *c_str(const std::string &s, const char *name) {
    if (s.find('\0') != std::string::npos) {
        throw Error(Status::invalid_argument, std::string(name) + " contains a NUL byte");
    }
    return s.c_str();
}

inline const char *c_str(const std::optional<std::string> &s, const char *name) {
    return s ? c_str(*s, name) : nullptr;
}

/// A borrowed `const char *` accessor's value: NULL ("absent") as "" or as std::nullopt.
inline std::string string(const char *s) { return s ? std::string(s) : std::string(); }
inline std::optional<std::string> optional_string(const char *s) {
    return s ? std::optional<std::string>(s) : std::nullopt;
}

/// Copies a string handed out through a `char **` output and frees (zeroizes) the library's copy.
inline std::string take(string_handle s) { return s ? std::string(s.get()) : std::string(); }

inline std::chrono::system_clock::time_point unix_time(std::int64_t seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

/// An exception a callback threw, held on its thread until the call that ran it returns.
inline std::exception_ptr &callback_exception() noexcept {
    thread_local std::exception_ptr pending;
    return pending;
}

inline void rethrow_callback_exception() {
    if (std::exception_ptr e = std::exchange(callback_exception(), nullptr)) std::rethrow_exception(e);
}

/// Turns a failed status into an Error (or rethrows a callback's exception), after the caller
/// has taken ownership of every output.
inline void raise(tokenkit_status status, tokenkit_error *raw) {
    error_handle err(raw);
    rethrow_callback_exception();
    if (status != TOKENKIT_STATUS_OK) throw Error(static_cast<Status>(status), err.get());
}

/// Runs `call(err)`, a fallible call with no output.
template <typename Call>
void check(Call &&call) {
    tokenkit_error *err = nullptr;
    tokenkit_status status = call(&err);
    raise(status, err);
}

/// Runs `call(out, err)` and returns its output, owned.
template <typename T, void (*Free)(T *), typename Call>
handle<T, Free> make(Call &&call) {
    T *out = nullptr;
    tokenkit_error *err = nullptr;
    tokenkit_status status = call(&out, &err);
    handle<T, Free> owned(out);
    raise(status, err);
    return owned;
}

/// Runs `call(out, err)` with a `char **` output and returns a copy of the string.
template <typename Call>
std::string make_string(Call &&call) {
    return take(make<char, tokenkit_string_free>(std::forward<Call>(call)));
}

/// Calls a callback, keeping any exception it throws for rethrow_callback_exception(); 0 to go
/// on, 1 to stop the call.
template <typename F>
std::int32_t guard(F &&f) noexcept {
    try {
        f();
        return 0;
    } catch (...) {
        callback_exception() = std::current_exception();
        return 1;
    }
}

/// A result read through a borrowed handle (a callback's argument, or what `owning` owns).
template <typename T>
class view {
public:
    explicit view(const T *borrowed) noexcept : handle_(borrowed) {}
    const T *native() const noexcept { return handle_; }

protected:
    const T *handle_;
};

/// A View that owns its handle: moves hand it over, release() gives it up to the caller, and the
/// destructor frees it.
template <typename View, typename T, void (*Free)(T *)>
class owning : public View {
public:
    explicit owning(T *owned) noexcept : View(owned), owned_(owned) {}
    owning(owning &&other) noexcept : View(other.handle_), owned_(std::move(other.owned_)) { other.handle_ = nullptr; }
    owning &operator=(owning &&other) noexcept {
        if (this != &other) {
            owned_ = std::move(other.owned_);
            this->handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    /// Hands the handle over; the caller frees it with the matching tokenkit_*_free().
    T *release() noexcept {
        this->handle_ = nullptr;
        return owned_.release();
    }

private:
    handle<T, Free> owned_;
};

/// What every settings object (options, Config) shares: its handle, and setters that forward to
/// a fallible C setter, throw when it refuses the value, and return the object for chaining.
template <typename Self, typename T, void (*Free)(T *)>
class settings {
public:
    const T *native() const noexcept { return handle_.get(); }

protected:
    explicit settings(T *made) : handle_(allocated(made)) {}
    T *get() const noexcept { return handle_.get(); }
    template <typename Call>
    Self &set(Call &&call) {
        check(std::forward<Call>(call));
        return static_cast<Self &>(*this);
    }
    /// set() for a C setter that takes the handle, `args` (already C values) and the error.
    template <typename Setter, typename... Args>
    Self &set_with(Setter setter, Args... args) {
        return set([&](tokenkit_error **err) { return setter(get(), args..., err); });
    }

private:
    handle<T, Free> handle_;
};

}  // namespace detail

/// A cancellation flag (tokenkit_cancel): hand it to options with set_cancel(), trigger() it from
/// any thread. The options keep their own reference, so it may be destroyed once handed over.
class Cancel {
public:
    Cancel() : cancel_(detail::allocated(tokenkit_cancel_new())) {}
    /// Raises the flag: calls using it end with Status::cancelled. tokenkit_cancel_trigger().
    void trigger() const noexcept { tokenkit_cancel_trigger(cancel_.get()); }
    const tokenkit_cancel *native() const noexcept { return cancel_.get(); }

private:
    detail::handle<tokenkit_cancel, tokenkit_cancel_free> cancel_;
};

/// A token, borrowed (as in a source's on_change callback): valid while the call lasts.
class TokenView : public detail::view<tokenkit_token> {
public:
    using view::view;

    /// tokenkit_token_access_token().
    std::string access_token() const { return detail::string(tokenkit_token_access_token(handle_)); }
    /// "Bearer" when the server sent none, tokenkit_token_token_type().
    std::string token_type() const { return detail::string(tokenkit_token_token_type(handle_)); }
    /// tokenkit_token_refresh_token().
    std::optional<std::string> refresh_token() const {
        return detail::optional_string(tokenkit_token_refresh_token(handle_));
    }
    /// tokenkit_token_scope().
    std::optional<std::string> scope() const { return detail::optional_string(tokenkit_token_scope(handle_)); }
    /// tokenkit_token_id_token().
    std::optional<std::string> id_token() const { return detail::optional_string(tokenkit_token_id_token(handle_)); }
    /// The lifetime the server sent, tokenkit_token_expires_in().
    std::optional<std::chrono::seconds> expires_in() const {
        std::int64_t seconds = 0;
        if (!tokenkit_token_expires_in(handle_, &seconds)) return std::nullopt;
        return std::chrono::seconds(seconds);
    }
    /// The absolute expiry, tokenkit_token_expires_at().
    std::optional<std::chrono::system_clock::time_point> expires_at() const {
        std::int64_t seconds = 0;
        if (!tokenkit_token_expires_at(handle_, &seconds)) return std::nullopt;
        return detail::unix_time(seconds);
    }
    /// The whole response as a JSON object, tokenkit_token_json().
    std::string json() const { return detail::string(tokenkit_token_json(handle_)); }
    /// The saved format for Token::from_json() (it holds secrets), tokenkit_token_to_json().
    std::string to_json() const {
        return detail::make_string(
            [&](char **out, tokenkit_error **err) { return tokenkit_token_to_json(handle_, out, err); });
    }
};

/// A token, owned (tokenkit_token, freed with tokenkit_token_free(), which zeroizes it).
class Token : public detail::owning<TokenView, tokenkit_token, tokenkit_token_free> {
public:
    /// Takes ownership of a tokenkit_token.
    using owning::owning;

    /// Reads tokenkit's saved format or any JSON object with an access_token,
    /// tokenkit_token_from_json().
    static Token from_json(const std::string &json) {
        return Token(detail::make<tokenkit_token, tokenkit_token_free>([&](tokenkit_token **out, tokenkit_error **err) {
                         return tokenkit_token_from_json(detail::c_str(json, "json"), out, err);
                     }).release());
    }
};

/// The optional parts of a request (tokenkit_request_options): fill from one thread, then pass to
/// any number of concurrent calls.
class RequestOptions
    : public detail::settings<RequestOptions, tokenkit_request_options, tokenkit_request_options_free> {
public:
    RequestOptions() : settings(tokenkit_request_options_new()) {}

    /// tokenkit_request_options_set_scope().
    RequestOptions &set_scope(const std::string &scope) {
        return set_with(tokenkit_request_options_set_scope, detail::c_str(scope, "scope"));
    }
    /// tokenkit_request_options_set_redirect_uri().
    RequestOptions &set_redirect_uri(const std::string &redirect_uri) {
        return set_with(tokenkit_request_options_set_redirect_uri, detail::c_str(redirect_uri, "redirect_uri"));
    }
    /// The PKCE verifier for a code exchange, tokenkit_request_options_set_code_verifier().
    RequestOptions &set_code_verifier(const std::string &code_verifier) {
        return set_with(tokenkit_request_options_set_code_verifier, detail::c_str(code_verifier, "code_verifier"));
    }
    /// tokenkit_request_options_set_token_type_hint().
    RequestOptions &set_token_type_hint(const std::string &hint) {
        return set_with(tokenkit_request_options_set_token_type_hint, detail::c_str(hint, "hint"));
    }
    /// tokenkit_request_options_add_param().
    RequestOptions &add_param(const std::string &name, const std::string &value) {
        return set_with(tokenkit_request_options_add_param, detail::c_str(name, "name"), detail::c_str(value, "value"));
    }
    /// tokenkit_request_options_set_cancel().
    RequestOptions &set_cancel(const Cancel &cancel) {
        return set_with(tokenkit_request_options_set_cancel, cancel.native());
    }
};

/// A client's settings (tokenkit_config). Every setter checks its value at once and throws when
/// it is refused, leaving the config unchanged. Fill it from one thread; Client copies it.
class Config : public detail::settings<Config, tokenkit_config, tokenkit_config_free> {
public:
    /// Receives the request log: `level` 1 (a request, a retry) or 2 (headers, form body), and
    /// the line, every secret written as "[redacted]". Called on the thread that makes the
    /// request, by any thread using a client made from this config, so it must be thread-safe.
    using Log = std::function<void(std::int32_t level, const std::string &line)>;

    Config() : settings(tokenkit_config_new()) {}

    /// https://, or http:// to a loopback address, tokenkit_config_set_token_endpoint().
    Config &set_token_endpoint(const std::string &url) {
        return set_with(tokenkit_config_set_token_endpoint, detail::c_str(url, "url"));
    }
    /// tokenkit_config_set_authorization_endpoint().
    Config &set_authorization_endpoint(const std::string &url) {
        return set_with(tokenkit_config_set_authorization_endpoint, detail::c_str(url, "url"));
    }
    /// tokenkit_config_set_device_authorization_endpoint().
    Config &set_device_authorization_endpoint(const std::string &url) {
        return set_with(tokenkit_config_set_device_authorization_endpoint, detail::c_str(url, "url"));
    }
    /// tokenkit_config_set_revocation_endpoint().
    Config &set_revocation_endpoint(const std::string &url) {
        return set_with(tokenkit_config_set_revocation_endpoint, detail::c_str(url, "url"));
    }
    /// tokenkit_config_set_introspection_endpoint().
    Config &set_introspection_endpoint(const std::string &url) {
        return set_with(tokenkit_config_set_introspection_endpoint, detail::c_str(url, "url"));
    }
    /// tokenkit_config_set_client_id().
    Config &set_client_id(const std::string &client_id) {
        return set_with(tokenkit_config_set_client_id, detail::c_str(client_id, "client_id"));
    }
    /// The secret, or std::nullopt to clear it, tokenkit_config_set_client_secret().
    Config &set_client_secret(const std::optional<std::string> &client_secret) {
        return set_with(tokenkit_config_set_client_secret, detail::c_str(client_secret, "client_secret"));
    }
    /// tokenkit_config_set_auth_method().
    Config &set_auth_method(AuthMethod method) {
        return set_with(tokenkit_config_set_auth_method, static_cast<std::int32_t>(method));
    }
    /// tokenkit_config_set_connect_timeout_ms().
    Config &set_connect_timeout(std::chrono::milliseconds timeout) {
        return set_with(tokenkit_config_set_connect_timeout_ms, timeout.count());
    }
    /// The deadline of a whole call, retries included, tokenkit_config_set_timeout_ms().
    Config &set_timeout(std::chrono::milliseconds timeout) {
        return set_with(tokenkit_config_set_timeout_ms, timeout.count());
    }
    /// tokenkit_config_set_attempt_timeout_ms().
    Config &set_attempt_timeout(std::chrono::milliseconds timeout) {
        return set_with(tokenkit_config_set_attempt_timeout_ms, timeout.count());
    }
    /// tokenkit_config_set_max_response_bytes().
    Config &set_max_response_bytes(std::int64_t max_bytes) {
        return set_with(tokenkit_config_set_max_response_bytes, max_bytes);
    }
    /// tokenkit_config_set_max_idle_connections_per_host().
    Config &set_max_idle_connections_per_host(std::int32_t count) {
        return set_with(tokenkit_config_set_max_idle_connections_per_host, count);
    }
    /// tokenkit_config_set_user_agent().
    Config &set_user_agent(const std::string &user_agent) {
        return set_with(tokenkit_config_set_user_agent, detail::c_str(user_agent, "user_agent"));
    }
    /// Trusts the CA certificates of a PEM file (and then only those), tokenkit_config_add_ca_file().
    Config &add_ca_file(const std::string &path) {
        return set_with(tokenkit_config_add_ca_file, detail::c_str(path, "path"));
    }
    /// tokenkit_config_set_revocation_style().
    Config &set_revocation_style(RevocationStyle style) {
        return set_with(tokenkit_config_set_revocation_style, static_cast<std::int32_t>(style));
    }
    /// tokenkit_config_set_retry(); max_retries 0 turns retrying off.
    Config &set_retry(std::int32_t max_retries, std::chrono::milliseconds base_delay,
                      std::chrono::milliseconds max_delay) {
        return set_with(tokenkit_config_set_retry, max_retries, base_delay.count(), max_delay.count());
    }
    /// "nest" or "google-nest" (with its project id), tokenkit_config_apply_preset().
    Config &apply_preset(const std::string &name, const std::optional<std::string> &project_id = std::nullopt) {
        return set_with(tokenkit_config_apply_preset, detail::c_str(name, "name"),
                        detail::c_str(project_id, "project_id"));
    }
    /// Fetches the issuer's metadata and sets the endpoints from it; returns the document.
    /// tokenkit_config_discover(). Blocks.
    std::string discover(const std::string &issuer) { return discover(issuer, nullptr); }
    /// As discover(issuer), cancellable through the options' cancel flag.
    std::string discover(const std::string &issuer, const RequestOptions &options) {
        return discover(issuer, options.native());
    }
    /// Sends the request log up to `level` (1 requests and retries, 2 also headers) to `log`;
    /// level 0 turns it off. tokenkit_config_set_log(). Clients made afterwards keep the function.
    Config &set_log(std::int32_t level, Log log) {
        auto callback = level > 0 ? std::make_shared<const Log>(std::move(log)) : nullptr;
        detail::check([&](tokenkit_error **err) {
            return tokenkit_config_set_log(get(), level, callback ? &Config::log_trampoline : nullptr,
                                           const_cast<Log *>(callback.get()), err);
        });
        log_ = std::move(callback);
        return *this;
    }
    /// The log function, shared with the clients made from this config (null when off).
    const std::shared_ptr<const Log> &log() const noexcept { return log_; }
    using settings::native;
    tokenkit_config *native() noexcept { return get(); }

private:
    friend class Store;
    /// Takes ownership of a tokenkit_config (Store::config()).
    explicit Config(tokenkit_config *owned) : settings(owned) {}
    std::string discover(const std::string &issuer, const tokenkit_request_options *options) {
        return detail::make_string([&](char **out, tokenkit_error **err) {
            return tokenkit_config_discover(get(), detail::c_str(issuer, "issuer"), options, out, err);
        });
    }
    static void log_trampoline(void *user_data, std::int32_t level, const char *line) noexcept {
        (void)detail::guard([&] { (*static_cast<const Log *>(user_data))(level, line ? line : ""); });
    }
    std::shared_ptr<const Log> log_;
};

/// An authorization URL with its state and PKCE verifier (tokenkit_authorization), owned.
class Authorization : public detail::owning<detail::view<tokenkit_authorization>, tokenkit_authorization,
                                            tokenkit_authorization_free> {
public:
    /// Takes ownership of a tokenkit_authorization.
    using owning::owning;
    /// Where to send the user, tokenkit_authorization_url().
    std::string url() const { return detail::string(tokenkit_authorization_url(handle_)); }
    /// What the redirect must carry back, tokenkit_authorization_state().
    std::string state() const { return detail::string(tokenkit_authorization_state(handle_)); }
    /// For RequestOptions::set_code_verifier(), tokenkit_authorization_code_verifier().
    std::string code_verifier() const { return detail::string(tokenkit_authorization_code_verifier(handle_)); }
};

/// A device authorization response, borrowed (the device prompt's argument).
class DeviceAuthorizationView : public detail::view<tokenkit_device_authorization> {
public:
    using view::view;
    /// The code the user types, tokenkit_device_authorization_user_code().
    std::string user_code() const { return detail::string(tokenkit_device_authorization_user_code(handle_)); }
    /// tokenkit_device_authorization_verification_uri().
    std::string verification_uri() const {
        return detail::string(tokenkit_device_authorization_verification_uri(handle_));
    }
    /// tokenkit_device_authorization_verification_uri_complete().
    std::optional<std::string> verification_uri_complete() const {
        return detail::optional_string(tokenkit_device_authorization_verification_uri_complete(handle_));
    }
    /// tokenkit_device_authorization_expires_in().
    std::chrono::seconds expires_in() const {
        return std::chrono::seconds(tokenkit_device_authorization_expires_in(handle_));
    }
    /// tokenkit_device_authorization_interval().
    std::chrono::seconds interval() const {
        return std::chrono::seconds(tokenkit_device_authorization_interval(handle_));
    }
};

/// A device authorization response, owned (tokenkit_device_authorization).
class DeviceAuthorization : public detail::owning<DeviceAuthorizationView, tokenkit_device_authorization,
                                                  tokenkit_device_authorization_free> {
public:
    /// Takes ownership of a tokenkit_device_authorization.
    using owning::owning;
};

/// An introspection response (RFC 7662, tokenkit_introspection), owned.
class Introspection : public detail::owning<detail::view<tokenkit_introspection>, tokenkit_introspection,
                                            tokenkit_introspection_free> {
public:
    /// Takes ownership of a tokenkit_introspection.
    using owning::owning;
    /// tokenkit_introspection_active().
    bool active() const noexcept { return tokenkit_introspection_active(handle_) != 0; }
    /// `exp`, tokenkit_introspection_exp().
    std::optional<std::chrono::system_clock::time_point> exp() const {
        std::int64_t seconds = 0;
        if (!tokenkit_introspection_exp(handle_, &seconds)) return std::nullopt;
        return detail::unix_time(seconds);
    }
    /// `iat`, tokenkit_introspection_iat().
    std::optional<std::chrono::system_clock::time_point> iat() const {
        std::int64_t seconds = 0;
        if (!tokenkit_introspection_iat(handle_, &seconds)) return std::nullopt;
        return detail::unix_time(seconds);
    }
    /// tokenkit_introspection_scope().
    std::optional<std::string> scope() const { return detail::optional_string(tokenkit_introspection_scope(handle_)); }
    /// tokenkit_introspection_client_id().
    std::optional<std::string> client_id() const {
        return detail::optional_string(tokenkit_introspection_client_id(handle_));
    }
    /// tokenkit_introspection_username().
    std::optional<std::string> username() const {
        return detail::optional_string(tokenkit_introspection_username(handle_));
    }
    /// tokenkit_introspection_token_type().
    std::optional<std::string> token_type() const {
        return detail::optional_string(tokenkit_introspection_token_type(handle_));
    }
    /// tokenkit_introspection_sub().
    std::optional<std::string> sub() const { return detail::optional_string(tokenkit_introspection_sub(handle_)); }
    /// The whole response, tokenkit_introspection_json().
    std::string json() const { return detail::string(tokenkit_introspection_json(handle_)); }
};

/// The settings of a loopback sign-in (tokenkit_sign_in_options). open_url is required.
class SignInOptions : public detail::settings<SignInOptions, tokenkit_sign_in_options, tokenkit_sign_in_options_free> {
public:
    /// Opens the authorization URL in the user's browser and returns promptly; throwing stops the
    /// sign-in, and Client::sign_in() rethrows the exception.
    using OpenUrl = std::function<void(const std::string &url)>;

    SignInOptions() : settings(tokenkit_sign_in_options_new()) {}

    /// tokenkit_sign_in_options_set_open_url().
    SignInOptions &set_open_url(OpenUrl open_url) {
        auto callback = std::make_unique<OpenUrl>(std::move(open_url));
        detail::check([&](tokenkit_error **err) {
            return tokenkit_sign_in_options_set_open_url(get(), &SignInOptions::trampoline, callback.get(), err);
        });
        open_url_ = std::move(callback);
        return *this;
    }
    /// 0 (the default) picks a free port, tokenkit_sign_in_options_set_port().
    SignInOptions &set_port(std::int32_t port) {
        return set_with(tokenkit_sign_in_options_set_port, port);
    }
    /// tokenkit_sign_in_options_set_scope().
    SignInOptions &set_scope(const std::string &scope) {
        return set_with(tokenkit_sign_in_options_set_scope, detail::c_str(scope, "scope"));
    }
    /// A parameter of the authorization URL, tokenkit_sign_in_options_add_param().
    SignInOptions &add_param(const std::string &name, const std::string &value) {
        return set_with(tokenkit_sign_in_options_add_param, detail::c_str(name, "name"), detail::c_str(value, "value"));
    }
    /// How long the user has, tokenkit_sign_in_options_set_timeout_ms().
    SignInOptions &set_timeout(std::chrono::milliseconds timeout) {
        return set_with(tokenkit_sign_in_options_set_timeout_ms, timeout.count());
    }
    /// tokenkit_sign_in_options_set_cancel().
    SignInOptions &set_cancel(const Cancel &cancel) {
        return set_with(tokenkit_sign_in_options_set_cancel, cancel.native());
    }

private:
    static std::int32_t trampoline(void *user_data, const char *url) noexcept {
        return detail::guard([&] { (*static_cast<const OpenUrl *>(user_data))(url ? url : ""); });
    }
    std::unique_ptr<OpenUrl> open_url_;
};

/// The settings of a device flow (RFC 8628, tokenkit_device_options). Client::device_flow() needs
/// the prompt.
class DeviceOptions : public detail::settings<DeviceOptions, tokenkit_device_options, tokenkit_device_options_free> {
public:
    /// Shows the user code and verification URI; throwing stops the flow, and
    /// Client::device_flow() rethrows the exception.
    using Prompt = std::function<void(const DeviceAuthorizationView &authorization)>;
    /// Told after each poll that did not end the flow: `outcome` "authorization_pending",
    /// "slow_down" or "retrying", and the wait before the next poll. Returning false stops the
    /// flow (Status::cancelled); throwing stops it too, and the call rethrows the exception.
    using OnPoll = std::function<bool(const std::string &outcome, std::chrono::milliseconds interval)>;

    DeviceOptions() : settings(tokenkit_device_options_new()) {}

    /// tokenkit_device_options_set_on_prompt().
    DeviceOptions &set_on_prompt(Prompt on_prompt) {
        auto callback = std::make_unique<Prompt>(std::move(on_prompt));
        detail::check([&](tokenkit_error **err) {
            return tokenkit_device_options_set_on_prompt(get(), &DeviceOptions::trampoline, callback.get(), err);
        });
        on_prompt_ = std::move(callback);
        return *this;
    }
    /// tokenkit_device_options_set_on_poll(); used by device_flow() and device_poll().
    DeviceOptions &set_on_poll(OnPoll on_poll) {
        auto callback = std::make_unique<OnPoll>(std::move(on_poll));
        detail::check([&](tokenkit_error **err) {
            return tokenkit_device_options_set_on_poll(get(), &DeviceOptions::poll_trampoline, callback.get(), err);
        });
        on_poll_ = std::move(callback);
        return *this;
    }
    /// tokenkit_device_options_set_scope().
    DeviceOptions &set_scope(const std::string &scope) {
        return set_with(tokenkit_device_options_set_scope, detail::c_str(scope, "scope"));
    }
    /// Sent with the authorization request and every poll, tokenkit_device_options_add_param().
    DeviceOptions &add_param(const std::string &name, const std::string &value) {
        return set_with(tokenkit_device_options_add_param, detail::c_str(name, "name"), detail::c_str(value, "value"));
    }
    /// tokenkit_device_options_set_pkce().
    DeviceOptions &set_pkce(bool pkce) {
        return set_with(tokenkit_device_options_set_pkce, pkce ? 1 : 0);
    }
    /// tokenkit_device_options_set_cancel().
    DeviceOptions &set_cancel(const Cancel &cancel) {
        return set_with(tokenkit_device_options_set_cancel, cancel.native());
    }

private:
    static std::int32_t trampoline(void *user_data, const tokenkit_device_authorization *authorization) noexcept {
        return detail::guard(
            [&] { (*static_cast<const Prompt *>(user_data))(DeviceAuthorizationView(authorization)); });
    }
    static std::int32_t poll_trampoline(void *user_data, const char *outcome, std::int64_t interval_ms) noexcept {
        bool go_on = false;
        std::int32_t thrown = detail::guard([&] {
            go_on = (*static_cast<const OnPoll *>(user_data))(outcome ? outcome : "",
                                                              std::chrono::milliseconds(interval_ms));
        });
        return thrown || !go_on;
    }
    std::unique_ptr<Prompt> on_prompt_;
    std::unique_ptr<OnPoll> on_poll_;
};

/// The settings of a token source (tokenkit_source_options).
class SourceOptions : public detail::settings<SourceOptions, tokenkit_source_options, tokenkit_source_options_free> {
public:
    /// Told about each new token (to store a rotated refresh token), on the thread whose call
    /// refreshed; calls never overlap. An exception is rethrown by that call, after the source
    /// has kept the new token.
    using OnChange = std::function<void(const TokenView &token)>;

    SourceOptions() : settings(tokenkit_source_options_new()) {}

    /// tokenkit_source_options_set_skew_ms().
    SourceOptions &set_skew(std::chrono::milliseconds skew) {
        return set_with(tokenkit_source_options_set_skew_ms, skew.count());
    }
    /// tokenkit_source_options_set_on_change(). The source keeps the function.
    SourceOptions &set_on_change(OnChange on_change) {
        auto callback = std::make_shared<const OnChange>(std::move(on_change));
        detail::check([&](tokenkit_error **err) {
            return tokenkit_source_options_set_on_change(get(), &SourceOptions::trampoline,
                                                         const_cast<OnChange *>(callback.get()), err);
        });
        on_change_ = std::move(callback);
        return *this;
    }
    /// tokenkit_source_options_set_refresh_token().
    SourceOptions &set_refresh_token(const std::string &refresh_token) {
        return set_with(tokenkit_source_options_set_refresh_token, detail::c_str(refresh_token, "refresh_token"));
    }
    /// The callback, shared with the sources made with these options.
    const std::shared_ptr<const OnChange> &on_change() const noexcept { return on_change_; }

private:
    static void trampoline(void *user_data, const tokenkit_token *token) noexcept {
        detail::guard([&] { (*static_cast<const OnChange *>(user_data))(TokenView(token)); });
    }
    std::shared_ptr<const OnChange> on_change_;
};

/// A token client (tokenkit_client): one server, one set of credentials, one connection pool.
/// Share it between threads; every call blocks its thread.
class Client {
public:
    /// Checks the ABI, then tokenkit_client_new() (the config is copied).
    explicit Client(const Config &config) : log_(config.log()) {
        check_abi();
        client_ = detail::make<tokenkit_client, tokenkit_client_free>(
            [&](tokenkit_client **out, tokenkit_error **err) {
                return tokenkit_client_new(config.native(), out, err);
            });
    }

    /// Exchanges an authorization code (RFC 6749 §4.1.3), tokenkit_client_exchange_code().
    Token exchange_code(const std::string &code) const { return exchange_code(code, nullptr); }
    Token exchange_code(const std::string &code, const RequestOptions &options) const {
        return exchange_code(code, options.native());
    }
    /// Uses a refresh token (RFC 6749 §6), tokenkit_client_refresh().
    Token refresh(const std::string &refresh_token) const { return refresh(refresh_token, nullptr); }
    Token refresh(const std::string &refresh_token, const RequestOptions &options) const {
        return refresh(refresh_token, options.native());
    }
    /// Client credentials grant (RFC 6749 §4.4), tokenkit_client_client_credentials().
    Token client_credentials() const { return client_credentials(nullptr); }
    Token client_credentials(const RequestOptions &options) const { return client_credentials(options.native()); }
    /// Revokes a token (RFC 7009 or Nest's DELETE), tokenkit_client_revoke().
    void revoke(const std::string &token) const { revoke(token, nullptr); }
    void revoke(const std::string &token, const RequestOptions &options) const { revoke(token, options.native()); }
    /// Asks the introspection endpoint (RFC 7662), tokenkit_client_introspect().
    Introspection introspect(const std::string &token) const { return introspect(token, nullptr); }
    Introspection introspect(const std::string &token, const RequestOptions &options) const {
        return introspect(token, options.native());
    }
    /// An authorization URL with state and PKCE; sends nothing.
    /// tokenkit_client_authorization_request().
    Authorization authorization_request() const { return authorization_request(nullptr); }
    Authorization authorization_request(const RequestOptions &options) const {
        return authorization_request(options.native());
    }
    /// Signs the user in through the browser and a loopback redirect (RFC 8252),
    /// tokenkit_client_sign_in().
    Token sign_in(const SignInOptions &options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_sign_in(client_.get(), options.native(), out, err);
        });
    }
    /// Requests a device code (RFC 8628 §3.1), tokenkit_client_device_authorize().
    DeviceAuthorization device_authorize() const { return device_authorize(nullptr); }
    DeviceAuthorization device_authorize(const DeviceOptions &options) const {
        return device_authorize(options.native());
    }
    /// Polls until the user approves, denies or the code expires, tokenkit_client_device_poll().
    Token device_poll(const DeviceAuthorizationView &authorization) const {
        return device_poll(authorization, nullptr);
    }
    Token device_poll(const DeviceAuthorizationView &authorization, const DeviceOptions &options) const {
        return device_poll(authorization, options.native());
    }
    /// The whole device flow with the options' prompt, tokenkit_client_device_flow().
    Token device_flow(const DeviceOptions &options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_device_flow(client_.get(), options.native(), out, err);
        });
    }
    const tokenkit_client *native() const noexcept { return client_.get(); }

private:
    template <typename Call>
    static Token token(Call &&call) {
        return Token(detail::make<tokenkit_token, tokenkit_token_free>(std::forward<Call>(call)).release());
    }
    Token exchange_code(const std::string &code, const tokenkit_request_options *options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_exchange_code(client_.get(), detail::c_str(code, "code"), options, out, err);
        });
    }
    Token refresh(const std::string &refresh_token, const tokenkit_request_options *options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_refresh(client_.get(), detail::c_str(refresh_token, "refresh_token"), options, out,
                                           err);
        });
    }
    Token client_credentials(const tokenkit_request_options *options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_client_credentials(client_.get(), options, out, err);
        });
    }
    void revoke(const std::string &token, const tokenkit_request_options *options) const {
        detail::check([&](tokenkit_error **err) {
            return tokenkit_client_revoke(client_.get(), detail::c_str(token, "token"), options, err);
        });
    }
    Introspection introspect(const std::string &token, const tokenkit_request_options *options) const {
        return Introspection(detail::make<tokenkit_introspection, tokenkit_introspection_free>(
                                 [&](tokenkit_introspection **out, tokenkit_error **err) {
                                     return tokenkit_client_introspect(client_.get(), detail::c_str(token, "token"),
                                                                       options, out, err);
                                 })
                                 .release());
    }
    Authorization authorization_request(const tokenkit_request_options *options) const {
        return Authorization(detail::make<tokenkit_authorization, tokenkit_authorization_free>(
                                 [&](tokenkit_authorization **out, tokenkit_error **err) {
                                     return tokenkit_client_authorization_request(client_.get(), options, out, err);
                                 })
                                 .release());
    }
    DeviceAuthorization device_authorize(const tokenkit_device_options *options) const {
        return DeviceAuthorization(detail::make<tokenkit_device_authorization, tokenkit_device_authorization_free>(
                                       [&](tokenkit_device_authorization **out, tokenkit_error **err) {
                                           return tokenkit_client_device_authorize(client_.get(), options, out, err);
                                       })
                                       .release());
    }
    Token device_poll(const DeviceAuthorizationView &authorization, const tokenkit_device_options *options) const {
        return token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_client_device_poll(client_.get(), authorization.native(), options, out, err);
        });
    }
    friend class Source;
    // Declared first, so destroyed after the client that calls it.
    std::shared_ptr<const Config::Log> log_;
    detail::handle<tokenkit_client, tokenkit_client_free> client_;
};

/// A directory of profiles (tokenkit_store): per profile a client's settings and its token, in
/// `<dir>/<name>.json` (mode 0600); processes sharing a profile refresh it once. Share it between
/// threads. Sources made from it keep what they need of it.
class Store {
public:
    /// Opens the store in the default place ($TOKENKIT_STORE, else $XDG_CONFIG_HOME/tokenkit, else
    /// ~/.config/tokenkit), tokenkit_store_open().
    Store() : Store(nullptr) {}
    /// Opens the store in `dir`, made (mode 0700) if missing, tokenkit_store_open().
    explicit Store(const std::string &dir) : Store(detail::c_str(dir, "dir")) {}

    /// The store's directory, tokenkit_store_dir().
    std::string dir() const { return detail::string(tokenkit_store_dir(store_.get())); }
    /// Saves profile `name` from `config` (the client secret only with `with_secret`), with no
    /// token yet, replacing one of that name. tokenkit_store_save_profile().
    void save_profile(const std::string &name, const Config &config, bool with_secret = false) const {
        save_profile(name, config, nullptr, with_secret);
    }
    /// As save_profile(name, config, with_secret), with `token`.
    void save_profile(const std::string &name, const Config &config, const TokenView &token,
                      bool with_secret = false) const {
        save_profile(name, config, token.native(), with_secret);
    }
    /// The profile's client settings, to complete (a secret, timeouts, a log) before Client(config).
    /// tokenkit_store_config().
    Config config(const std::string &name) const {
        return Config(detail::make<tokenkit_config, tokenkit_config_free>([&](tokenkit_config **out, tokenkit_error **err) {
                          return tokenkit_store_config(store_.get(), detail::c_str(name, "name"), out, err);
                      }).release());
    }
    /// A fresh token of the profile, refreshed through `client` (once for all threads and
    /// processes asking) when within `skew` of expiry, and saved. tokenkit_store_token().
    Token token(const std::string &name, const Client &client,
                std::chrono::milliseconds skew = std::chrono::seconds(60)) const {
        return token(name, client, skew, nullptr);
    }
    /// As above, `options` going with the refresh; their cancel flag also ends the wait for
    /// another process's refresh.
    Token token(const std::string &name, const Client &client, std::chrono::milliseconds skew,
                const RequestOptions &options) const {
        return token(name, client, skew, options.native());
    }
    Token token(const std::string &name, const Client &client, std::chrono::milliseconds skew,
                const tokenkit_request_options *options) const {
        return Token(detail::make<tokenkit_token, tokenkit_token_free>([&](tokenkit_token **out, tokenkit_error **err) {
                         return tokenkit_store_token(store_.get(), detail::c_str(name, "name"), client.native(),
                                                     skew.count(), options, out, err);
                     }).release());
    }
    /// The saved token as it is, with no request; std::nullopt when there is none.
    /// tokenkit_store_saved_token().
    std::optional<Token> saved_token(const std::string &name) const {
        return optional_token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_store_saved_token(store_.get(), detail::c_str(name, "name"), out, err);
        });
    }
    /// Saves `token` in the existing profile (after a sign-in), tokenkit_store_save_token().
    void save_token(const std::string &name, const TokenView &token) const {
        detail::check([&](tokenkit_error **err) {
            return tokenkit_store_save_token(store_.get(), detail::c_str(name, "name"), token.native(), err);
        });
    }
    /// Removes the profile's token (a logout) and returns it, to revoke; std::nullopt when there
    /// was none. tokenkit_store_remove_token().
    std::optional<Token> remove_token(const std::string &name) const {
        return optional_token([&](tokenkit_token **out, tokenkit_error **err) {
            return tokenkit_store_remove_token(store_.get(), detail::c_str(name, "name"), out, err);
        });
    }
    /// Deletes the profile; false when there was none. tokenkit_store_delete_profile().
    bool delete_profile(const std::string &name) const {
        std::uint8_t existed = 0;
        detail::check([&](tokenkit_error **err) {
            return tokenkit_store_delete_profile(store_.get(), detail::c_str(name, "name"), &existed, err);
        });
        return existed != 0;
    }
    /// Every profile as a JSON array, nothing secret: `name`, `client_id`, `has_token`,
    /// `has_refresh_token`, and `token_endpoint`, `expires_at` or `problem`. tokenkit_store_profiles().
    std::string profiles() const {
        return detail::make_string(
            [&](char **out, tokenkit_error **err) { return tokenkit_store_profiles(store_.get(), out, err); });
    }
    const tokenkit_store *native() const noexcept { return store_.get(); }

private:
    explicit Store(const char *dir) {
        store_ = detail::make<tokenkit_store, tokenkit_store_free>(
            [&](tokenkit_store **out, tokenkit_error **err) { return tokenkit_store_open(dir, out, err); });
    }
    void save_profile(const std::string &name, const Config &config, const tokenkit_token *token,
                      bool with_secret) const {
        detail::check([&](tokenkit_error **err) {
            return tokenkit_store_save_profile(store_.get(), detail::c_str(name, "name"), config.native(), token,
                                               with_secret ? 1 : 0, err);
        });
    }
    template <typename Call>
    static std::optional<Token> optional_token(Call &&call) {
        auto token = detail::make<tokenkit_token, tokenkit_token_free>(std::forward<Call>(call));
        if (!token) return std::nullopt;
        return Token(token.release());
    }
    detail::handle<tokenkit_store, tokenkit_store_free> store_;
};

/// Hands out a valid access token, refreshing it (once for any number of threads) near expiry
/// (tokenkit_source). Share it between threads. It keeps what it needs of the client.
class Source {
public:
    /// tokenkit_source_new() with the defaults (skew 60 s, no callback).
    Source(const Client &client, const Token &token) : Source(client, &token, nullptr) {}
    /// tokenkit_source_new().
    Source(const Client &client, const Token &token, const SourceOptions &options) : Source(client, &token, &options) {}
    /// A source with no token yet: the options' refresh token is used on first use.
    Source(const Client &client, const SourceOptions &options) : Source(client, nullptr, &options) {}

    /// Reads what to_json() saved, tokenkit_source_from_json().
    static Source from_json(const Client &client, const std::string &json) { return from_json(client, json, nullptr); }
    static Source from_json(const Client &client, const std::string &json, const SourceOptions &options) {
        return from_json(client, json, &options);
    }
    /// A source backed by profile `name` of `store`: it starts from the saved token and refreshes
    /// through the store (once across processes), tokenkit_source_from_store().
    static Source from_store(const Client &client, const Store &store, const std::string &name) {
        return from_store(client, store, name, nullptr);
    }
    static Source from_store(const Client &client, const Store &store, const std::string &name,
                             const SourceOptions &options) {
        return from_store(client, store, name, &options);
    }

    /// A valid token, refreshed first when needed, tokenkit_source_token().
    Token token() const {
        return Token(detail::make<tokenkit_token, tokenkit_token_free>([&](tokenkit_token **out, tokenkit_error **err) {
                         return tokenkit_source_token(source_.get(), out, err);
                     }).release());
    }
    /// Only the access token, tokenkit_source_access_token().
    std::string access_token() const {
        return detail::make_string(
            [&](char **out, tokenkit_error **err) { return tokenkit_source_access_token(source_.get(), out, err); });
    }
    /// The access token copied into `buffer` without allocating, tokenkit_source_access_token_copy():
    /// returns its length; written (NUL-terminated) only when `capacity` is greater than that.
    std::int64_t access_token_copy(char *buffer, std::int64_t capacity) const {
        std::int64_t length = 0;
        detail::check([&](tokenkit_error **err) {
            return tokenkit_source_access_token_copy(source_.get(), buffer, capacity, &length, err);
        });
        return length;
    }
    /// Refreshes now, whatever the expiry, tokenkit_source_refresh().
    Token refresh() const {
        return Token(detail::make<tokenkit_token, tokenkit_token_free>([&](tokenkit_token **out, tokenkit_error **err) {
                         return tokenkit_source_refresh(source_.get(), out, err);
                     }).release());
    }
    /// The state to save for from_json() (it holds secrets), tokenkit_source_to_json().
    std::string to_json() const {
        return detail::make_string(
            [&](char **out, tokenkit_error **err) { return tokenkit_source_to_json(source_.get(), out, err); });
    }
    const tokenkit_source *native() const noexcept { return source_.get(); }

private:
    Source(const Client &client, const Token *token, const SourceOptions *options)
        : log_(client.log_), on_change_(options ? options->on_change() : nullptr) {
        source_ = detail::make<tokenkit_source, tokenkit_source_free>([&](tokenkit_source **out, tokenkit_error **err) {
            return tokenkit_source_new(client.native(), token ? token->native() : nullptr,
                                       options ? options->native() : nullptr, out, err);
        });
    }
    Source(tokenkit_source *source, const Client &client, const SourceOptions *options) noexcept
        : log_(client.log_), on_change_(options ? options->on_change() : nullptr), source_(source) {}
    static Source from_json(const Client &client, const std::string &json, const SourceOptions *options) {
        auto source = detail::make<tokenkit_source, tokenkit_source_free>(
            [&](tokenkit_source **out, tokenkit_error **err) {
                return tokenkit_source_from_json(client.native(), detail::c_str(json, "json"),
                                                 options ? options->native() : nullptr, out, err);
            });
        return Source(source.release(), client, options);
    }
    static Source from_store(const Client &client, const Store &store, const std::string &name,
                             const SourceOptions *options) {
        auto source = detail::make<tokenkit_source, tokenkit_source_free>(
            [&](tokenkit_source **out, tokenkit_error **err) {
                return tokenkit_source_from_store(client.native(), store.native(), detail::c_str(name, "name"),
                                                  options ? options->native() : nullptr, out, err);
            });
        return Source(source.release(), client, options);
    }
    // Declared first, so destroyed after the source that calls them (the client's log goes on
    // being called by the source's refreshes).
    std::shared_ptr<const Config::Log> log_;
    std::shared_ptr<const SourceOptions::OnChange> on_change_;
    detail::handle<tokenkit_source, tokenkit_source_free> source_;
};

/// The Works with Nest sample's request (tokenkit_exchange_request); no client_secret: a public
/// client.
struct ExchangeRequest {
    std::string token_endpoint;
    std::string code;
    std::string client_id;
    std::optional<std::string> client_secret;
};

/// Exchanges a code in one call (a client made and freed each time), tokenkit_exchange_code().
inline Token exchange_code(const ExchangeRequest &request) {
    check_abi();
    tokenkit_exchange_request native{};
    native.token_endpoint = detail::c_str(request.token_endpoint, "token_endpoint");
    native.code = detail::c_str(request.code, "code");
    native.client_id = detail::c_str(request.client_id, "client_id");
    native.client_secret = detail::c_str(request.client_secret, "client_secret");
    return Token(detail::make<tokenkit_token, tokenkit_token_free>([&](tokenkit_token **out, tokenkit_error **err) {
                     return tokenkit_exchange_code(&native, out, err);
                 }).release());
}

}  // namespace tokenkit

#endif  // TOKENKIT_HPP
