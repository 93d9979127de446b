package dev.tokenkit;

import com.sun.jna.Callback;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw C ABI of include/tokenkit.h, one static native method per function, bound by JNA direct
 * mapping ({@code Native.register}, done by {@link NativeLib} once the ABI version matched): a
 * direct call costs a JNI transition, where an interface proxy costs microseconds of reflection.
 * Only the classes of this package call it, after {@link NativeLib#require()}.
 *
 * <p>Mapping rules, checked against the header by {@code HeaderCheckTest}: {@code int32_t},
 * {@code uint32_t} and the enums ({@code tokenkit_status}, ...) are {@code int}; {@code int64_t} is
 * {@code long}; {@code uint8_t} is {@code byte}; no {@code boolean} crosses. Every pointer is a
 * {@link Pointer}: input strings come from {@link CString} (which checks, encodes and zeroizes them),
 * and the borrowed {@code const char *} results are read with {@link NativeStrings#borrowed} while
 * their owner is alive, never freed. {@code T **} outputs are {@link PointerByReference}s (a
 * {@code char **} one is freed by {@link NativeStrings#take}), {@code int64_t *} outputs
 * {@link LongByReference}s, callbacks the {@link Callback} interfaces below, whose
 * {@code user_data} is always NULL: each callback is its own Java object, which knows its context.
 */
final class LibTokenKit {
    /** The ABI this binding was written for: {@code TOKENKIT_ABI_VERSION}. */
    static final int ABI_VERSION = 2;

    static final int STATUS_OK = 0;

    private LibTokenKit() {}

    // Callbacks. A JNA Callback object must stay strongly reachable for as long as the library may
    // call it: for the length of the call that takes it, or until the token source is freed.

    /** {@code tokenkit_open_url_fn}: the URL is borrowed for the call; non-zero stops the sign-in. */
    interface OpenUrlFn extends Callback {
        int invoke(Pointer userData, Pointer url);
    }

    /** {@code tokenkit_device_prompt_fn}: the authorization is borrowed for the call; non-zero stops the flow. */
    interface DevicePromptFn extends Callback {
        int invoke(Pointer userData, Pointer authorization);
    }

    /** {@code tokenkit_token_changed_fn}: the token is borrowed for the call. */
    interface TokenChangedFn extends Callback {
        void invoke(Pointer userData, Pointer token);
    }

    /** {@code tokenkit_device_poll_fn}: the outcome is borrowed for the call; non-zero stops the flow. */
    interface DevicePollFn extends Callback {
        int invoke(Pointer userData, Pointer outcome, long intervalMs);
    }

    /** {@code tokenkit_log_fn}: the line is borrowed for the call. */
    interface LogFn extends Callback {
        void invoke(Pointer userData, int level, Pointer line);
    }

    /** {@code struct tokenkit_exchange_request}, passed by reference; its strings come from {@link CString}. */
    @Structure.FieldOrder({"token_endpoint", "code", "client_id", "client_secret"})
    public static final class ExchangeRequest extends Structure {
        public Pointer token_endpoint;
        public Pointer code;
        public Pointer client_id;
        public Pointer client_secret;
    }

    // Library

    static native int tokenkit_abi_version();

    static native Pointer tokenkit_version();

    static native Pointer tokenkit_status_name(int status);

    static native void tokenkit_string_free(Pointer s);

    static native int tokenkit_exchange_code(ExchangeRequest request, PointerByReference out, PointerByReference err);

    // tokenkit_authorization

    static native Pointer tokenkit_authorization_url(Pointer authorization);

    static native Pointer tokenkit_authorization_state(Pointer authorization);

    static native Pointer tokenkit_authorization_code_verifier(Pointer authorization);

    static native void tokenkit_authorization_free(Pointer authorization);

    // tokenkit_cancel

    static native Pointer tokenkit_cancel_new();

    static native void tokenkit_cancel_trigger(Pointer cancel);

    static native void tokenkit_cancel_free(Pointer cancel);

    // tokenkit_client

    static native int tokenkit_client_new(Pointer config, PointerByReference out, PointerByReference err);

    static native int tokenkit_client_exchange_code(Pointer client, Pointer code, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_client_refresh(Pointer client, Pointer refreshToken, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_client_client_credentials(Pointer client, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_client_revoke(Pointer client, Pointer token, Pointer options, PointerByReference err);

    static native int tokenkit_client_introspect(Pointer client, Pointer token, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_client_authorization_request(Pointer client, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_client_sign_in(Pointer client, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_client_device_authorize(Pointer client, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_client_device_poll(Pointer client, Pointer authorization, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_client_device_flow(Pointer client, Pointer options, PointerByReference out,
            PointerByReference err);

    static native void tokenkit_client_free(Pointer client);

    // tokenkit_config

    static native Pointer tokenkit_config_new();

    static native int tokenkit_config_set_token_endpoint(Pointer config, Pointer url, PointerByReference err);

    static native int tokenkit_config_set_authorization_endpoint(Pointer config, Pointer url, PointerByReference err);

    static native int tokenkit_config_set_device_authorization_endpoint(Pointer config, Pointer url,
            PointerByReference err);

    static native int tokenkit_config_set_revocation_endpoint(Pointer config, Pointer url, PointerByReference err);

    static native int tokenkit_config_set_introspection_endpoint(Pointer config, Pointer url, PointerByReference err);

    static native int tokenkit_config_set_client_id(Pointer config, Pointer clientId, PointerByReference err);

    static native int tokenkit_config_set_client_secret(Pointer config, Pointer clientSecret, PointerByReference err);

    static native int tokenkit_config_set_auth_method(Pointer config, int authMethod, PointerByReference err);

    static native int tokenkit_config_set_connect_timeout_ms(Pointer config, long timeoutMs, PointerByReference err);

    static native int tokenkit_config_set_timeout_ms(Pointer config, long timeoutMs, PointerByReference err);

    static native int tokenkit_config_set_attempt_timeout_ms(Pointer config, long timeoutMs, PointerByReference err);

    static native int tokenkit_config_set_max_response_bytes(Pointer config, long maxBytes, PointerByReference err);

    static native int tokenkit_config_set_max_idle_connections_per_host(Pointer config, int count,
            PointerByReference err);

    static native int tokenkit_config_set_user_agent(Pointer config, Pointer userAgent, PointerByReference err);

    static native int tokenkit_config_add_ca_file(Pointer config, Pointer path, PointerByReference err);

    static native int tokenkit_config_set_revocation_style(Pointer config, int style, PointerByReference err);

    static native int tokenkit_config_set_retry(Pointer config, int maxRetries, long baseDelayMs, long maxDelayMs,
            PointerByReference err);

    static native int tokenkit_config_apply_preset(Pointer config, Pointer name, Pointer projectId,
            PointerByReference err);

    static native int tokenkit_config_discover(Pointer config, Pointer issuer, Pointer options,
            PointerByReference metadataJson, PointerByReference err);

    static native int tokenkit_config_set_log(Pointer config, int level, LogFn log, Pointer userData,
            PointerByReference err);

    static native void tokenkit_config_free(Pointer config);

    // tokenkit_device_authorization: accessors borrow from the authorization.

    static native Pointer tokenkit_device_authorization_user_code(Pointer authorization);

    static native Pointer tokenkit_device_authorization_verification_uri(Pointer authorization);

    static native Pointer tokenkit_device_authorization_verification_uri_complete(Pointer authorization);

    static native long tokenkit_device_authorization_expires_in(Pointer authorization);

    static native long tokenkit_device_authorization_interval(Pointer authorization);

    static native void tokenkit_device_authorization_free(Pointer authorization);

    // tokenkit_error: accessors borrow from the error.

    static native int tokenkit_error_kind(Pointer err);

    static native Pointer tokenkit_error_message(Pointer err);

    static native int tokenkit_error_http_status(Pointer err);

    static native Pointer tokenkit_error_oauth_error(Pointer err);

    static native Pointer tokenkit_error_oauth_error_description(Pointer err);

    static native Pointer tokenkit_error_oauth_error_uri(Pointer err);

    static native Pointer tokenkit_error_body(Pointer err);

    static native void tokenkit_error_free(Pointer err);

    // tokenkit_introspection: accessors borrow from the response.

    static native byte tokenkit_introspection_active(Pointer introspection);

    static native byte tokenkit_introspection_exp(Pointer introspection, LongByReference out);

    static native byte tokenkit_introspection_iat(Pointer introspection, LongByReference out);

    static native Pointer tokenkit_introspection_scope(Pointer introspection);

    static native Pointer tokenkit_introspection_client_id(Pointer introspection);

    static native Pointer tokenkit_introspection_username(Pointer introspection);

    static native Pointer tokenkit_introspection_token_type(Pointer introspection);

    static native Pointer tokenkit_introspection_sub(Pointer introspection);

    static native Pointer tokenkit_introspection_json(Pointer introspection);

    static native void tokenkit_introspection_free(Pointer introspection);

    // tokenkit_request_options

    static native Pointer tokenkit_request_options_new();

    static native int tokenkit_request_options_set_scope(Pointer options, Pointer scope, PointerByReference err);

    static native int tokenkit_request_options_set_redirect_uri(Pointer options, Pointer redirectUri,
            PointerByReference err);

    static native int tokenkit_request_options_set_code_verifier(Pointer options, Pointer codeVerifier,
            PointerByReference err);

    static native int tokenkit_request_options_set_token_type_hint(Pointer options, Pointer hint,
            PointerByReference err);

    static native int tokenkit_request_options_add_param(Pointer options, Pointer name, Pointer value,
            PointerByReference err);

    static native int tokenkit_request_options_set_cancel(Pointer options, Pointer cancel, PointerByReference err);

    static native void tokenkit_request_options_free(Pointer options);

    // tokenkit_sign_in_options

    static native Pointer tokenkit_sign_in_options_new();

    static native int tokenkit_sign_in_options_set_open_url(Pointer options, OpenUrlFn openUrl, Pointer userData,
            PointerByReference err);

    static native int tokenkit_sign_in_options_set_port(Pointer options, int port, PointerByReference err);

    static native int tokenkit_sign_in_options_set_scope(Pointer options, Pointer scope, PointerByReference err);

    static native int tokenkit_sign_in_options_add_param(Pointer options, Pointer name, Pointer value,
            PointerByReference err);

    static native int tokenkit_sign_in_options_set_timeout_ms(Pointer options, long timeoutMs, PointerByReference err);

    static native int tokenkit_sign_in_options_set_cancel(Pointer options, Pointer cancel, PointerByReference err);

    static native void tokenkit_sign_in_options_free(Pointer options);

    // tokenkit_device_options

    static native Pointer tokenkit_device_options_new();

    static native int tokenkit_device_options_set_on_prompt(Pointer options, DevicePromptFn onPrompt,
            Pointer userData, PointerByReference err);

    static native int tokenkit_device_options_set_on_poll(Pointer options, DevicePollFn onPoll, Pointer userData,
            PointerByReference err);

    static native int tokenkit_device_options_set_scope(Pointer options, Pointer scope, PointerByReference err);

    static native int tokenkit_device_options_add_param(Pointer options, Pointer name, Pointer value,
            PointerByReference err);

    static native int tokenkit_device_options_set_pkce(Pointer options, byte pkce, PointerByReference err);

    static native int tokenkit_device_options_set_cancel(Pointer options, Pointer cancel, PointerByReference err);

    static native void tokenkit_device_options_free(Pointer options);

    // tokenkit_source_options

    static native Pointer tokenkit_source_options_new();

    static native int tokenkit_source_options_set_skew_ms(Pointer options, long skewMs, PointerByReference err);

    static native int tokenkit_source_options_set_on_change(Pointer options, TokenChangedFn onChange,
            Pointer userData, PointerByReference err);

    static native int tokenkit_source_options_set_refresh_token(Pointer options, Pointer refreshToken,
            PointerByReference err);

    static native void tokenkit_source_options_free(Pointer options);

    // tokenkit_source

    static native int tokenkit_source_new(Pointer client, Pointer token, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_source_from_json(Pointer client, Pointer json, Pointer options, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_source_from_store(Pointer client, Pointer store, Pointer name, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_source_token(Pointer source, PointerByReference out, PointerByReference err);

    static native int tokenkit_source_access_token(Pointer source, PointerByReference out, PointerByReference err);

    // Not used by TokenSource.accessToken(): a JNA call that copies into a Java buffer needs a
    // second native buffer or array copy, and the one-call-one-free path already meets the 1 us
    // target (make bench).
    static native int tokenkit_source_access_token_copy(Pointer source, Pointer buffer, long capacity,
            LongByReference length, PointerByReference err);

    static native int tokenkit_source_refresh(Pointer source, PointerByReference out, PointerByReference err);

    static native int tokenkit_source_to_json(Pointer source, PointerByReference out, PointerByReference err);

    static native void tokenkit_source_free(Pointer source);

    // tokenkit_token: accessors borrow from the token.

    static native Pointer tokenkit_token_access_token(Pointer token);

    static native Pointer tokenkit_token_token_type(Pointer token);

    static native Pointer tokenkit_token_refresh_token(Pointer token);

    static native Pointer tokenkit_token_scope(Pointer token);

    static native Pointer tokenkit_token_id_token(Pointer token);

    static native Pointer tokenkit_token_json(Pointer token);

    static native byte tokenkit_token_expires_in(Pointer token, LongByReference seconds);

    static native byte tokenkit_token_expires_at(Pointer token, LongByReference unixSeconds);

    static native int tokenkit_token_to_json(Pointer token, PointerByReference out, PointerByReference err);

    static native int tokenkit_token_from_json(Pointer json, PointerByReference out, PointerByReference err);

    static native void tokenkit_token_free(Pointer token);

    // tokenkit_store: thread-safe; the directory is borrowed from the store.

    static native int tokenkit_store_open(Pointer dir, PointerByReference out, PointerByReference err);

    static native Pointer tokenkit_store_dir(Pointer store);

    static native int tokenkit_store_save_profile(Pointer store, Pointer name, Pointer config, Pointer token,
            byte withSecret, PointerByReference err);

    static native int tokenkit_store_config(Pointer store, Pointer name, PointerByReference out, PointerByReference err);

    static native int tokenkit_store_token(Pointer store, Pointer name, Pointer client, long skewMs, Pointer options,
            PointerByReference out, PointerByReference err);

    static native int tokenkit_store_saved_token(Pointer store, Pointer name, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_store_save_token(Pointer store, Pointer name, Pointer token, PointerByReference err);

    static native int tokenkit_store_remove_token(Pointer store, Pointer name, PointerByReference out,
            PointerByReference err);

    static native int tokenkit_store_delete_profile(Pointer store, Pointer name, Pointer existed,
            PointerByReference err);

    static native int tokenkit_store_profiles(Pointer store, PointerByReference out, PointerByReference err);

    static native void tokenkit_store_free(Pointer store);
}
