package dev.tokenkit;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw C ABI of include/tokenkit.h, one method per function, in the header's order. Only the
 * classes of this package call it, through {@link NativeLib#get()}.
 *
 * <p>Mapping rules (Mozilla's ffi-support lessons): statuses and enums are {@code int}
 * ({@code int32_t}); {@code uint64_t} is {@code long} and callers never pass a negative one;
 * {@code uint32_t} is {@code int}; no {@code boolean} crosses the ABI. Strings the library returns
 * as {@code char *} are owned by the caller, so they are {@link Pointer}s read and then freed by
 * {@link NativeStrings#take}; strings returned as {@code const char *} are borrowed and may be
 * {@link String}s (decoded as UTF-8, see {@link NativeLib}). Input strings are {@link Pointer}s
 * made by {@link CString}, which checks, encodes and zeroizes them. Out-parameters are
 * {@link PointerByReference}s, which start as NULL. {@code uint16_t} is {@code short} (the port's
 * bits). The three callback types share one shape, {@link BorrowingFn}, whose borrowed argument is
 * a {@link Pointer} read during the call only. Their {@code user_data} is always passed as NULL:
 * each callback is its own Java object, which knows its context.
 */
interface LibTokenKit extends Library {
    /** The ABI this binding was written for: {@code TOKENKIT_ABI_VERSION}. */
    int ABI_VERSION = 1;

    int STATUS_OK = 0;

    String tokenkit_version();

    int tokenkit_abi_version();

    String tokenkit_status_name(int status);

    void tokenkit_string_free(Pointer s);

    // Callbacks. A JNA Callback object must stay strongly reachable for as long as the library may
    // call it: for the length of the call that takes it, or until the token source is freed.

    /**
     * The shape all three tokenkit callbacks share: {@code tokenkit_open_url_fn} (the URL),
     * {@code tokenkit_device_code_fn} (the device authorization) and
     * {@code tokenkit_token_changed_fn} (the token), each with its argument borrowed for the call.
     */
    interface BorrowingFn extends Callback {
        void invoke(Pointer userData, Pointer borrowed);
    }

    // tokenkit_authorization

    int tokenkit_client_authorization_request(Pointer client, Pointer redirectUri, Pointer scope, Pointer params,
            PointerByReference out, PointerByReference err);

    Pointer tokenkit_authorization_url(Pointer auth);

    Pointer tokenkit_authorization_state(Pointer auth);

    Pointer tokenkit_authorization_code_verifier(Pointer auth);

    void tokenkit_authorization_free(Pointer auth);

    int tokenkit_client_sign_in_loopback(Pointer client, Pointer scope, Pointer params, short port, long timeoutMs,
            BorrowingFn openUrl, Pointer userData, Pointer cancel, PointerByReference out, PointerByReference err);

    // tokenkit_cancel

    Pointer tokenkit_cancel_new();

    void tokenkit_cancel_trigger(Pointer cancel);

    void tokenkit_cancel_free(Pointer cancel);

    // tokenkit_client

    int tokenkit_client_new(Pointer config, PointerByReference out, PointerByReference err);

    int tokenkit_client_exchange_code(Pointer client, Pointer code, Pointer redirectUri, Pointer codeVerifier,
            Pointer params, PointerByReference out, PointerByReference err);

    int tokenkit_client_refresh(Pointer client, Pointer refreshToken, Pointer scope, Pointer params,
            PointerByReference out, PointerByReference err);

    int tokenkit_client_client_credentials(Pointer client, Pointer scope, Pointer params,
            PointerByReference out, PointerByReference err);

    int tokenkit_client_revoke(Pointer client, Pointer token, Pointer tokenTypeHint, PointerByReference err);

    void tokenkit_client_free(Pointer client);

    int tokenkit_exchange_code(Pointer tokenUrl, Pointer code, Pointer clientId, Pointer clientSecret,
            PointerByReference out, PointerByReference err);

    // tokenkit_config

    Pointer tokenkit_config_new();

    int tokenkit_config_set_token_endpoint(Pointer config, Pointer url, PointerByReference err);

    int tokenkit_config_set_client_id(Pointer config, Pointer clientId, PointerByReference err);

    int tokenkit_config_set_client_secret(Pointer config, Pointer clientSecret, PointerByReference err);

    int tokenkit_config_set_auth_method(Pointer config, int authMethod, PointerByReference err);

    int tokenkit_config_set_connect_timeout_ms(Pointer config, long timeoutMs, PointerByReference err);

    int tokenkit_config_set_timeout_ms(Pointer config, long timeoutMs, PointerByReference err);

    int tokenkit_config_set_max_response_bytes(Pointer config, long maxBytes, PointerByReference err);

    int tokenkit_config_set_user_agent(Pointer config, Pointer userAgent, PointerByReference err);

    int tokenkit_config_add_ca_file(Pointer config, Pointer path, PointerByReference err);

    int tokenkit_config_set_authorization_endpoint(Pointer config, Pointer url, PointerByReference err);

    int tokenkit_config_set_device_authorization_endpoint(Pointer config, Pointer url, PointerByReference err);

    int tokenkit_config_set_revocation_endpoint(Pointer config, Pointer url, PointerByReference err);

    int tokenkit_config_set_introspection_endpoint(Pointer config, Pointer url, PointerByReference err);

    int tokenkit_config_set_revocation_style(Pointer config, int style, PointerByReference err);

    int tokenkit_config_set_retry(Pointer config, int maxRetries, long baseDelayMs, long maxDelayMs,
            PointerByReference err);

    int tokenkit_config_apply_preset(Pointer config, Pointer name, Pointer projectId, PointerByReference err);

    int tokenkit_config_discover(Pointer config, Pointer issuer, PointerByReference metadataJson,
            PointerByReference err);

    void tokenkit_config_free(Pointer config);

    // tokenkit_device_authorization

    int tokenkit_client_device_authorize(Pointer client, Pointer scope, Pointer params, PointerByReference out,
            PointerByReference err);

    int tokenkit_client_device_poll(Pointer client, Pointer authorization, Pointer cancel, PointerByReference out,
            PointerByReference err);

    int tokenkit_client_device_flow(Pointer client, Pointer scope, Pointer params, BorrowingFn show,
            Pointer userData, Pointer cancel, PointerByReference out, PointerByReference err);

    Pointer tokenkit_device_authorization_user_code(Pointer authorization);

    Pointer tokenkit_device_authorization_verification_uri(Pointer authorization);

    Pointer tokenkit_device_authorization_verification_uri_complete(Pointer authorization);

    long tokenkit_device_authorization_expires_in(Pointer authorization);

    long tokenkit_device_authorization_interval(Pointer authorization);

    void tokenkit_device_authorization_free(Pointer authorization);

    // tokenkit_error: accessors return strings borrowed from the error.

    int tokenkit_error_kind(Pointer err);

    String tokenkit_error_message(Pointer err);

    int tokenkit_error_http_status(Pointer err);

    String tokenkit_error_oauth_error(Pointer err);

    String tokenkit_error_oauth_error_description(Pointer err);

    String tokenkit_error_oauth_error_uri(Pointer err);

    String tokenkit_error_body(Pointer err);

    void tokenkit_error_free(Pointer err);

    // tokenkit_introspection

    int tokenkit_client_introspect(Pointer client, Pointer token, Pointer tokenTypeHint, PointerByReference out,
            PointerByReference err);

    int tokenkit_introspection_active(Pointer introspection);

    long tokenkit_introspection_exp(Pointer introspection);

    Pointer tokenkit_introspection_scope(Pointer introspection);

    Pointer tokenkit_introspection_client_id(Pointer introspection);

    Pointer tokenkit_introspection_sub(Pointer introspection);

    Pointer tokenkit_introspection_json(Pointer introspection);

    void tokenkit_introspection_free(Pointer introspection);

    // tokenkit_params

    Pointer tokenkit_params_new();

    int tokenkit_params_add(Pointer params, Pointer name, Pointer value, PointerByReference err);

    void tokenkit_params_free(Pointer params);

    // tokenkit_source

    int tokenkit_source_new(Pointer client, Pointer token, Pointer refreshToken, long skewSeconds,
            BorrowingFn onChange, Pointer userData, PointerByReference out, PointerByReference err);

    int tokenkit_source_from_json(Pointer client, Pointer json, long skewSeconds, BorrowingFn onChange,
            Pointer userData, PointerByReference out, PointerByReference err);

    int tokenkit_source_token(Pointer source, PointerByReference out, PointerByReference err);

    int tokenkit_source_access_token(Pointer source, PointerByReference out, PointerByReference err);

    int tokenkit_source_refresh(Pointer source, PointerByReference out, PointerByReference err);

    int tokenkit_source_to_json(Pointer source, PointerByReference out, PointerByReference err);

    void tokenkit_source_free(Pointer source);

    // tokenkit_token: string accessors return new strings the caller frees.

    Pointer tokenkit_token_access_token(Pointer token);

    Pointer tokenkit_token_token_type(Pointer token);

    Pointer tokenkit_token_refresh_token(Pointer token);

    Pointer tokenkit_token_scope(Pointer token);

    Pointer tokenkit_token_id_token(Pointer token);

    Pointer tokenkit_token_json(Pointer token);

    long tokenkit_token_expires_in(Pointer token);

    long tokenkit_token_expires_at(Pointer token);

    void tokenkit_token_free(Pointer token);
}
