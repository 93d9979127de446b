// See callbacks.h. The trampolines only convert user_data back to the handle; the Go side does the
// rest, recovering any panic so that it never unwinds through the library's frames.

#include "callbacks.h"

#include "_cgo_export.h"

static void open_url(void *user_data, const char *url) {
    tkgoOpenURL((uintptr_t)user_data, (char *)url);
}

static void show(void *user_data, const tokenkit_device_authorization *authorization) {
    tkgoShowDeviceCode((uintptr_t)user_data, (tokenkit_device_authorization *)authorization);
}

static void on_change(void *user_data, const tokenkit_token *token) {
    tkgoTokenChanged((uintptr_t)user_data, (tokenkit_token *)token);
}

tokenkit_status tkgo_sign_in_loopback(const tokenkit_client *client, const char *scope,
                                      const tokenkit_params *params, uint16_t port, uint64_t timeout_ms,
                                      uintptr_t open_url_handle, const tokenkit_cancel *cancel,
                                      tokenkit_token **out, tokenkit_error **err) {
    return tokenkit_client_sign_in_loopback(client, scope, params, port, timeout_ms,
                                            open_url_handle ? open_url : NULL, (void *)open_url_handle,
                                            cancel, out, err);
}

tokenkit_status tkgo_device_flow(const tokenkit_client *client, const char *scope, const tokenkit_params *params,
                                 uintptr_t show_handle, const tokenkit_cancel *cancel, tokenkit_token **out,
                                 tokenkit_error **err) {
    return tokenkit_client_device_flow(client, scope, params, show_handle ? show : NULL, (void *)show_handle,
                                       cancel, out, err);
}

tokenkit_status tkgo_source_new(const tokenkit_client *client, const tokenkit_token *token,
                                const char *refresh_token, int64_t skew_seconds, uintptr_t on_change_handle,
                                tokenkit_source **out, tokenkit_error **err) {
    return tokenkit_source_new(client, token, refresh_token, skew_seconds, on_change_handle ? on_change : NULL,
                               (void *)on_change_handle, out, err);
}

tokenkit_status tkgo_source_from_json(const tokenkit_client *client, const char *json, int64_t skew_seconds,
                                      uintptr_t on_change_handle, tokenkit_source **out, tokenkit_error **err) {
    return tokenkit_source_from_json(client, json, skew_seconds, on_change_handle ? on_change : NULL,
                                     (void *)on_change_handle, out, err);
}
