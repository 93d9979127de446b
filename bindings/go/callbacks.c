// See callbacks.h. The trampolines only convert user_data back to the handle; the Go side does the
// rest, recovering any panic so that it never unwinds through the library's frames.

#include "callbacks.h"

#include "_cgo_export.h"

static int32_t open_url(void *user_data, const char *url) {
    return tkgoOpenURL((uintptr_t)user_data, (char *)url);
}

static int32_t on_prompt(void *user_data, const tokenkit_device_authorization *authorization) {
    return tkgoPrompt((uintptr_t)user_data, (tokenkit_device_authorization *)authorization);
}

static void on_change(void *user_data, const tokenkit_token *token) {
    tkgoTokenChanged((uintptr_t)user_data, (tokenkit_token *)token);
}

static int32_t on_poll(void *user_data, const char *outcome, int64_t interval_ms) {
    return tkgoDevicePoll((uintptr_t)user_data, (char *)outcome, interval_ms);
}

static void on_log(void *user_data, int32_t level, const char *line) {
    tkgoLog((uintptr_t)user_data, level, (char *)line);
}

// A trampoline whose type drifts from tokenkit.h's callback type fails the build here.
_Static_assert(__builtin_types_compatible_p(__typeof__(&open_url), tokenkit_open_url_fn),
               "open_url does not match tokenkit_open_url_fn");
_Static_assert(__builtin_types_compatible_p(__typeof__(&on_prompt), tokenkit_device_prompt_fn),
               "on_prompt does not match tokenkit_device_prompt_fn");
_Static_assert(__builtin_types_compatible_p(__typeof__(&on_change), tokenkit_token_changed_fn),
               "on_change does not match tokenkit_token_changed_fn");
_Static_assert(__builtin_types_compatible_p(__typeof__(&on_poll), tokenkit_device_poll_fn),
               "on_poll does not match tokenkit_device_poll_fn");
_Static_assert(__builtin_types_compatible_p(__typeof__(&on_log), tokenkit_log_fn),
               "on_log does not match tokenkit_log_fn");

tokenkit_status tkgo_sign_in_options_set_open_url(tokenkit_sign_in_options *options, uintptr_t handle,
                                                  tokenkit_error **err) {
    return tokenkit_sign_in_options_set_open_url(options, open_url, (void *)handle, err);
}

tokenkit_status tkgo_device_options_set_on_prompt(tokenkit_device_options *options, uintptr_t handle,
                                                  tokenkit_error **err) {
    return tokenkit_device_options_set_on_prompt(options, on_prompt, (void *)handle, err);
}

tokenkit_status tkgo_source_options_set_on_change(tokenkit_source_options *options, uintptr_t handle,
                                                  tokenkit_error **err) {
    return tokenkit_source_options_set_on_change(options, on_change, (void *)handle, err);
}

tokenkit_status tkgo_device_options_set_on_poll(tokenkit_device_options *options, uintptr_t handle,
                                                tokenkit_error **err) {
    return tokenkit_device_options_set_on_poll(options, on_poll, (void *)handle, err);
}

tokenkit_status tkgo_config_set_log(tokenkit_config *config, int32_t level, uintptr_t handle, tokenkit_error **err) {
    return tokenkit_config_set_log(config, level, on_log, (void *)handle, err);
}
