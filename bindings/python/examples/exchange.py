#!/usr/bin/env python3
"""The Works with Nest sample in Python: exchanges an authorization code at a token endpoint and
prints the token response JSON on stdout.

Environment:

    TOKENKIT_TOKEN_URL      the token endpoint, e.g. https://api.home.nest.com/oauth2/access_token
    TOKENKIT_CLIENT_ID      the client id
    TOKENKIT_CLIENT_SECRET  the client secret (not needed with TOKENKIT_AUTH_METHOD=none)
    TOKENKIT_CODE           the authorization code
    TOKENKIT_AUTH_METHOD    optional: post (default), basic or none
    TOKENKIT_CA_FILE        optional: a PEM file of CA certificates to trust (instead of the system's)
    TOKENKIT_REDIRECT_URI   optional: the redirect_uri the code was issued for, when the server wants it repeated

On failure one line on stderr names the error kind and, when the server sent one, the OAuth
error, and the exit status is that of the tokenkit CLI: 2 usage or invalid argument, 3 OAuth
error, 4 transport error, timeout or TLS error, 5 protocol or HTTP error, 6 insecure URL,
7 cancelled (Ctrl-C stops the request).
"""

import json
import os
import sys
import threading

import tokenkit

# Exit statuses of the tokenkit CLI (cli/).
EXIT_USAGE, EXIT_OAUTH, EXIT_TRANSPORT, EXIT_PROTOCOL, EXIT_INSECURE, EXIT_CANCELLED, EXIT_INTERNAL = 2, 3, 4, 5, 6, 7, 70
EXIT_STATUS = {
    tokenkit.ErrorKind.INVALID_ARGUMENT: EXIT_USAGE,
    tokenkit.ErrorKind.OAUTH_ERROR: EXIT_OAUTH,
    tokenkit.ErrorKind.TRANSPORT_ERROR: EXIT_TRANSPORT,
    tokenkit.ErrorKind.TIMEOUT: EXIT_TRANSPORT,
    tokenkit.ErrorKind.TLS_ERROR: EXIT_TRANSPORT,
    tokenkit.ErrorKind.HTTP_ERROR: EXIT_PROTOCOL,
    tokenkit.ErrorKind.PROTOCOL_ERROR: EXIT_PROTOCOL,
    tokenkit.ErrorKind.INSECURE: EXIT_INSECURE,
    tokenkit.ErrorKind.CANCELLED: EXIT_CANCELLED,
}


def main() -> int:
    env = {name: os.environ.get(name, "") for name in ("TOKENKIT_TOKEN_URL", "TOKENKIT_CLIENT_ID", "TOKENKIT_CODE")}
    for name, value in env.items():
        if not value:
            print(f"exchange: invalid_argument: {name} is not set", file=sys.stderr)
            return EXIT_USAGE
    methods = {"": None, "post": "post", "basic": "basic", "none": "none"}
    method = os.environ.get("TOKENKIT_AUTH_METHOD", "")
    if method not in methods:
        print("exchange: invalid_argument: TOKENKIT_AUTH_METHOD must be post, basic or none", file=sys.stderr)
        return EXIT_USAGE

    cancel = tokenkit.Cancel()

    def exchange() -> tokenkit.Token:
        with tokenkit.Client(
            token_url=env["TOKENKIT_TOKEN_URL"],
            client_id=env["TOKENKIT_CLIENT_ID"],
            client_secret=os.environ.get("TOKENKIT_CLIENT_SECRET") or None,
            auth_method=methods[method],
            ca_file=os.environ.get("TOKENKIT_CA_FILE") or None,
        ) as client:
            return client.exchange_code(
                env["TOKENKIT_CODE"], redirect_uri=os.environ.get("TOKENKIT_REDIRECT_URI") or None, cancel=cancel
            )

    try:
        token = run_interruptibly(exchange, cancel)
    except tokenkit.TokenKitError as e:
        return report(e)
    print(json.dumps(token.raw, separators=(",", ":")))
    return 0


def run_interruptibly(call, cancel):
    """Runs call on a thread of its own, so that Ctrl-C reaches this one and cancels the request
    (a native call in the main thread would hold the signal back until it returns)."""
    box = {}
    done = threading.Event()

    def work():
        try:
            box["value"] = call()
        except BaseException as e:  # handed to the main thread
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        cancel.trigger()  # the request stops within about 100 ms: CancelledError
        done.wait()
    if "error" in box:
        raise box["error"]
    return box["value"]


def report(e: tokenkit.TokenKitError) -> int:
    """One line, like the tokenkit CLI: kind, OAuth error and description when the server sent
    them, HTTP status, else the message."""
    line = f"exchange: {e.kind}"
    if e.error:
        line += f": {e.error}"
    if e.error_description:
        line += f": {e.error_description}"
    if e.status_code:
        line += f" (HTTP {e.status_code})"
    if not e.error:
        line += f": {e.message}"
    print(line, file=sys.stderr)
    return EXIT_STATUS.get(e.kind, EXIT_INTERNAL)


if __name__ == "__main__":
    sys.exit(main())
