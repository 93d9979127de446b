package dev.tokenkit;

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
 * {@link PointerByReference}s, which start as NULL.
 */
interface LibTokenKit extends Library {
    /** The ABI this binding was written for: {@code TOKENKIT_ABI_VERSION}. */
    int ABI_VERSION = 1;

    int STATUS_OK = 0;

    String tokenkit_version();

    int tokenkit_abi_version();

    String tokenkit_status_name(int status);

    void tokenkit_string_free(Pointer s);

    // tokenkit_client

    int tokenkit_client_new(Pointer config, PointerByReference out, PointerByReference err);

    int tokenkit_client_exchange_code(Pointer client, Pointer code, Pointer redirectUri, Pointer codeVerifier,
            Pointer params, PointerByReference out, PointerByReference err);

    int tokenkit_client_refresh(Pointer client, Pointer refreshToken, Pointer scope, Pointer params,
            PointerByReference out, PointerByReference err);

    int tokenkit_client_client_credentials(Pointer client, Pointer scope, Pointer params,
            PointerByReference out, PointerByReference err);

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

    void tokenkit_config_free(Pointer config);

    // tokenkit_error: accessors return strings borrowed from the error.

    int tokenkit_error_kind(Pointer err);

    String tokenkit_error_message(Pointer err);

    int tokenkit_error_http_status(Pointer err);

    String tokenkit_error_oauth_error(Pointer err);

    String tokenkit_error_oauth_error_description(Pointer err);

    String tokenkit_error_oauth_error_uri(Pointer err);

    String tokenkit_error_body(Pointer err);

    void tokenkit_error_free(Pointer err);

    // tokenkit_params

    Pointer tokenkit_params_new();

    int tokenkit_params_add(Pointer params, Pointer name, Pointer value, PointerByReference err);

    void tokenkit_params_free(Pointer params);

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
