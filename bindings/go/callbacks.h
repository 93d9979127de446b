// C shims between tokenkit's callback types and the Go trampolines of callbacks.go. A Go callback
// crosses as a runtime/cgo.Handle, an integer: it is passed here as uintptr_t (0 for none) and
// handed to tokenkit as the `void *user_data` it gives back; no Go pointer is ever passed to C.

#ifndef TOKENKIT_GO_CALLBACKS_H
#define TOKENKIT_GO_CALLBACKS_H

#include <stdint.h>

#include "tokenkit.h"

// tokenkit_client_sign_in_loopback with the Go open_url trampoline.
tokenkit_status tkgo_sign_in_loopback(const tokenkit_client *client, const char *scope,
                                      const tokenkit_params *params, uint16_t port, uint64_t timeout_ms,
                                      uintptr_t open_url, const tokenkit_cancel *cancel,
                                      tokenkit_token **out, tokenkit_error **err);

// tokenkit_client_device_flow with the Go show trampoline.
tokenkit_status tkgo_device_flow(const tokenkit_client *client, const char *scope, const tokenkit_params *params,
                                 uintptr_t show, const tokenkit_cancel *cancel, tokenkit_token **out,
                                 tokenkit_error **err);

// tokenkit_source_new and _from_json with the Go on_change trampoline (none for 0).
tokenkit_status tkgo_source_new(const tokenkit_client *client, const tokenkit_token *token,
                                const char *refresh_token, int64_t skew_seconds, uintptr_t on_change,
                                tokenkit_source **out, tokenkit_error **err);
tokenkit_status tkgo_source_from_json(const tokenkit_client *client, const char *json, int64_t skew_seconds,
                                      uintptr_t on_change, tokenkit_source **out, tokenkit_error **err);

#endif
