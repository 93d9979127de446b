// C shims between tokenkit's callback types and the Go trampolines of callbacks.go. A Go callback
// crosses as a runtime/cgo.Handle, an integer: it is passed here as uintptr_t and handed to
// tokenkit as the `void *user_data` it gives back; no Go pointer is ever passed to C.
// header_test.go checks these against include/tokenkit.h.

#ifndef TOKENKIT_GO_CALLBACKS_H
#define TOKENKIT_GO_CALLBACKS_H

#include <stdint.h>

#include "tokenkit.h"

// tokenkit_sign_in_options_set_open_url with the Go open_url trampoline.
tokenkit_status tkgo_sign_in_options_set_open_url(tokenkit_sign_in_options *options, uintptr_t handle,
                                                  tokenkit_error **err);

// tokenkit_device_options_set_on_prompt with the Go on_prompt trampoline.
tokenkit_status tkgo_device_options_set_on_prompt(tokenkit_device_options *options, uintptr_t handle,
                                                  tokenkit_error **err);

// tokenkit_source_options_set_on_change with the Go on_change trampoline.
tokenkit_status tkgo_source_options_set_on_change(tokenkit_source_options *options, uintptr_t handle,
                                                  tokenkit_error **err);

// tokenkit_device_options_set_on_poll with the Go on_poll trampoline.
tokenkit_status tkgo_device_options_set_on_poll(tokenkit_device_options *options, uintptr_t handle,
                                                tokenkit_error **err);

// tokenkit_config_set_log with the Go log trampoline (level 0 turns the log off).
tokenkit_status tkgo_config_set_log(tokenkit_config *config, int32_t level, uintptr_t handle, tokenkit_error **err);

#endif
