package main

// The ceiling beside the Go rows: a binding over tokenkit's C ABI, which blocks the calling
// thread, doing nothing of its own. Each request is one cgo call that makes the C ABI's request
// and frees the token, with no copy, no Go string, no context and no lock, so what separates it
// from net/http is what a blocking cgo call costs Go's scheduler (a goroutine in C holds its
// thread, and with more goroutines than processors the runtime hands processors to other threads
// and takes them back) against goroutines parked on the netpoller.

/*
#cgo pkg-config: tokenkit-static
#include <stdlib.h>
#include "tokenkit.h"

static int ceiling_request(const struct tokenkit_client *client) {
	struct tokenkit_token *token = NULL;
	tokenkit_status status = tokenkit_client_client_credentials(client, NULL, &token, NULL);
	tokenkit_token_free(token);
	return status;
}

// The bench's client as newTokenkit makes it; NULL when a setting is refused.
static struct tokenkit_client *ceiling_client(const char *url, const char *ca_file) {
	struct tokenkit_config *config = tokenkit_config_new();
	struct tokenkit_client *client = NULL;
	if (tokenkit_config_set_token_endpoint(config, url, NULL) == TOKENKIT_STATUS_OK &&
	    tokenkit_config_set_client_id(config, "demo-client", NULL) == TOKENKIT_STATUS_OK &&
	    tokenkit_config_set_client_secret(config, "demo-secret", NULL) == TOKENKIT_STATUS_OK &&
	    (ca_file == NULL || tokenkit_config_add_ca_file(config, ca_file, NULL) == TOKENKIT_STATUS_OK)) {
		tokenkit_client_new(config, &client, NULL);
	}
	tokenkit_config_free(config);
	return client;
}
*/
import "C"

import (
	"strconv"
	"unsafe"
)

type ceilingClient struct{ native *C.struct_tokenkit_client }

func newCeiling(tokenURL, caFile string) ceilingClient {
	url := C.CString(tokenURL)
	defer C.free(unsafe.Pointer(url))
	var ca *C.char
	if caFile != "" {
		ca = C.CString(caFile)
		defer C.free(unsafe.Pointer(ca))
	}
	native := C.ceiling_client(url, ca)
	if native == nil {
		panic("ceiling: the C ABI refused the bench's client")
	}
	return ceilingClient{native}
}

func (c ceilingClient) request() int {
	if status := C.ceiling_request(c.native); status != C.TOKENKIT_STATUS_OK {
		panic("ceiling: request failed with status " + strconv.Itoa(int(status)))
	}
	return 1
}

func (c ceilingClient) close() { C.tokenkit_client_free(c.native) }
