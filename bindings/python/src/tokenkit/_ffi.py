"""The C ABI of include/tokenkit.h through ctypes: where the library is found, one declaration per
function (checked against the header by tests/test_header.py), and the small conversions every
call needs. Nothing here knows OAuth.

ctypes releases the GIL for the duration of every foreign call made through a CDLL, so a request
in one thread lets the others run; callbacks from the library take the GIL back by themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
import os
import sys
from ctypes import POINTER, byref, c_char, c_char_p, c_int32, c_int64, c_uint8, c_uint32, c_void_p
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from . import _errors

#: The ABI version this binding is written for: TOKENKIT_ABI_VERSION of include/tokenkit.h.
ABI_VERSION = 2

# The header's enum constants this binding uses (tokenkit_status is tokenkit.ErrorKind);
# tests/test_header.py checks each against include/tokenkit.h.
TOKENKIT_AUTH_METHOD_CLIENT_SECRET_POST = 0
TOKENKIT_AUTH_METHOD_CLIENT_SECRET_BASIC = 1
TOKENKIT_AUTH_METHOD_NONE = 2
TOKENKIT_REVOCATION_STYLE_RFC7009 = 0
TOKENKIT_REVOCATION_STYLE_NEST_DELETE = 1

if sys.platform == "darwin":
    LIBRARY_FILE = "libtokenkit.dylib"
elif sys.platform == "win32":
    LIBRARY_FILE = "tokenkit.dll"
else:
    LIBRARY_FILE = "libtokenkit.so"


# The opaque types of the header. Pointers to distinct types let ctypes refuse, at the call, a
# token where a client is expected.
class tokenkit_authorization(ctypes.Structure):
    pass


class tokenkit_cancel(ctypes.Structure):
    pass


class tokenkit_client(ctypes.Structure):
    pass


class tokenkit_config(ctypes.Structure):
    pass


class tokenkit_device_authorization(ctypes.Structure):
    pass


class tokenkit_device_options(ctypes.Structure):
    pass


class tokenkit_error(ctypes.Structure):
    pass


class tokenkit_introspection(ctypes.Structure):
    pass


class tokenkit_request_options(ctypes.Structure):
    pass


class tokenkit_sign_in_options(ctypes.Structure):
    pass


class tokenkit_source(ctypes.Structure):
    pass


class tokenkit_source_options(ctypes.Structure):
    pass


class tokenkit_store(ctypes.Structure):
    pass


class tokenkit_token(ctypes.Structure):
    pass


class tokenkit_exchange_request(ctypes.Structure):
    _fields_ = [
        ("token_endpoint", c_char_p),
        ("code", c_char_p),
        ("client_id", c_char_p),
        ("client_secret", c_char_p),
    ]


P = POINTER
tokenkit_device_prompt_fn = ctypes.CFUNCTYPE(c_int32, c_void_p, P(tokenkit_device_authorization))
tokenkit_open_url_fn = ctypes.CFUNCTYPE(c_int32, c_void_p, c_char_p)
tokenkit_token_changed_fn = ctypes.CFUNCTYPE(None, c_void_p, P(tokenkit_token))
tokenkit_device_poll_fn = ctypes.CFUNCTYPE(c_int32, c_void_p, c_char_p, c_int64)
tokenkit_log_fn = ctypes.CFUNCTYPE(None, c_void_p, c_int32, c_char_p)

# C types, named as the header writes them.
status = c_int32  # tokenkit_status, an int32_t enum
cstr = c_char_p  # const char *: a borrowed string in, or a lent one out (copied to bytes by ctypes)
ERR = P(P(tokenkit_error))
STR_OUT = P(P(c_char))  # char **: a string the caller frees with tokenkit_string_free

Signature = Tuple[Any, Tuple[Any, ...]]

# Every function of the header: name -> (result type, argument types).
FUNCTIONS: Dict[str, Signature] = {
    "tokenkit_abi_version": (c_uint32, ()),
    "tokenkit_version": (cstr, ()),
    "tokenkit_status_name": (cstr, (c_int32,)),
    "tokenkit_string_free": (None, (P(c_char),)),
    # errors
    "tokenkit_error_kind": (status, (P(tokenkit_error),)),
    "tokenkit_error_message": (cstr, (P(tokenkit_error),)),
    "tokenkit_error_http_status": (c_int32, (P(tokenkit_error),)),
    "tokenkit_error_oauth_error": (cstr, (P(tokenkit_error),)),
    "tokenkit_error_oauth_error_description": (cstr, (P(tokenkit_error),)),
    "tokenkit_error_oauth_error_uri": (cstr, (P(tokenkit_error),)),
    "tokenkit_error_body": (cstr, (P(tokenkit_error),)),
    "tokenkit_error_free": (None, (P(tokenkit_error),)),
    # cancel flags
    "tokenkit_cancel_new": (P(tokenkit_cancel), ()),
    "tokenkit_cancel_trigger": (None, (P(tokenkit_cancel),)),
    "tokenkit_cancel_free": (None, (P(tokenkit_cancel),)),
    # config
    "tokenkit_config_new": (P(tokenkit_config), ()),
    "tokenkit_config_free": (None, (P(tokenkit_config),)),
    "tokenkit_config_set_token_endpoint": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_authorization_endpoint": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_device_authorization_endpoint": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_revocation_endpoint": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_introspection_endpoint": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_client_id": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_client_secret": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_auth_method": (status, (P(tokenkit_config), c_int32, ERR)),
    "tokenkit_config_set_connect_timeout_ms": (status, (P(tokenkit_config), c_int64, ERR)),
    "tokenkit_config_set_timeout_ms": (status, (P(tokenkit_config), c_int64, ERR)),
    "tokenkit_config_set_attempt_timeout_ms": (status, (P(tokenkit_config), c_int64, ERR)),
    "tokenkit_config_set_max_response_bytes": (status, (P(tokenkit_config), c_int64, ERR)),
    "tokenkit_config_set_max_idle_connections_per_host": (status, (P(tokenkit_config), c_int32, ERR)),
    "tokenkit_config_set_user_agent": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_add_ca_file": (status, (P(tokenkit_config), cstr, ERR)),
    "tokenkit_config_set_revocation_style": (status, (P(tokenkit_config), c_int32, ERR)),
    "tokenkit_config_set_retry": (status, (P(tokenkit_config), c_int32, c_int64, c_int64, ERR)),
    "tokenkit_config_apply_preset": (status, (P(tokenkit_config), cstr, cstr, ERR)),
    "tokenkit_config_discover": (
        status,
        (P(tokenkit_config), cstr, P(tokenkit_request_options), STR_OUT, ERR),
    ),
    "tokenkit_config_set_log": (status, (P(tokenkit_config), c_int32, tokenkit_log_fn, c_void_p, ERR)),
    # client
    "tokenkit_client_new": (status, (P(tokenkit_config), P(P(tokenkit_client)), ERR)),
    "tokenkit_client_free": (None, (P(tokenkit_client),)),
    "tokenkit_client_exchange_code": (
        status,
        (P(tokenkit_client), cstr, P(tokenkit_request_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_client_refresh": (
        status,
        (P(tokenkit_client), cstr, P(tokenkit_request_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_client_client_credentials": (
        status,
        (P(tokenkit_client), P(tokenkit_request_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_client_revoke": (status, (P(tokenkit_client), cstr, P(tokenkit_request_options), ERR)),
    "tokenkit_client_introspect": (
        status,
        (P(tokenkit_client), cstr, P(tokenkit_request_options), P(P(tokenkit_introspection)), ERR),
    ),
    "tokenkit_client_authorization_request": (
        status,
        (P(tokenkit_client), P(tokenkit_request_options), P(P(tokenkit_authorization)), ERR),
    ),
    "tokenkit_client_sign_in": (
        status,
        (P(tokenkit_client), P(tokenkit_sign_in_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_client_device_authorize": (
        status,
        (P(tokenkit_client), P(tokenkit_device_options), P(P(tokenkit_device_authorization)), ERR),
    ),
    "tokenkit_client_device_poll": (
        status,
        (
            P(tokenkit_client),
            P(tokenkit_device_authorization),
            P(tokenkit_device_options),
            P(P(tokenkit_token)),
            ERR,
        ),
    ),
    "tokenkit_client_device_flow": (
        status,
        (P(tokenkit_client), P(tokenkit_device_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_exchange_code": (status, (P(tokenkit_exchange_request), P(P(tokenkit_token)), ERR)),
    # request options
    "tokenkit_request_options_new": (P(tokenkit_request_options), ()),
    "tokenkit_request_options_free": (None, (P(tokenkit_request_options),)),
    "tokenkit_request_options_set_scope": (status, (P(tokenkit_request_options), cstr, ERR)),
    "tokenkit_request_options_set_redirect_uri": (status, (P(tokenkit_request_options), cstr, ERR)),
    "tokenkit_request_options_set_code_verifier": (status, (P(tokenkit_request_options), cstr, ERR)),
    "tokenkit_request_options_set_token_type_hint": (status, (P(tokenkit_request_options), cstr, ERR)),
    "tokenkit_request_options_add_param": (status, (P(tokenkit_request_options), cstr, cstr, ERR)),
    "tokenkit_request_options_set_cancel": (
        status,
        (P(tokenkit_request_options), P(tokenkit_cancel), ERR),
    ),
    # sign-in options
    "tokenkit_sign_in_options_new": (P(tokenkit_sign_in_options), ()),
    "tokenkit_sign_in_options_free": (None, (P(tokenkit_sign_in_options),)),
    "tokenkit_sign_in_options_set_open_url": (
        status,
        (P(tokenkit_sign_in_options), tokenkit_open_url_fn, c_void_p, ERR),
    ),
    "tokenkit_sign_in_options_set_port": (status, (P(tokenkit_sign_in_options), c_int32, ERR)),
    "tokenkit_sign_in_options_set_scope": (status, (P(tokenkit_sign_in_options), cstr, ERR)),
    "tokenkit_sign_in_options_add_param": (status, (P(tokenkit_sign_in_options), cstr, cstr, ERR)),
    "tokenkit_sign_in_options_set_timeout_ms": (status, (P(tokenkit_sign_in_options), c_int64, ERR)),
    "tokenkit_sign_in_options_set_cancel": (
        status,
        (P(tokenkit_sign_in_options), P(tokenkit_cancel), ERR),
    ),
    # device options and authorizations
    "tokenkit_device_options_new": (P(tokenkit_device_options), ()),
    "tokenkit_device_options_free": (None, (P(tokenkit_device_options),)),
    "tokenkit_device_options_set_on_prompt": (
        status,
        (P(tokenkit_device_options), tokenkit_device_prompt_fn, c_void_p, ERR),
    ),
    "tokenkit_device_options_set_on_poll": (
        status,
        (P(tokenkit_device_options), tokenkit_device_poll_fn, c_void_p, ERR),
    ),
    "tokenkit_device_options_set_scope": (status, (P(tokenkit_device_options), cstr, ERR)),
    "tokenkit_device_options_add_param": (status, (P(tokenkit_device_options), cstr, cstr, ERR)),
    "tokenkit_device_options_set_pkce": (status, (P(tokenkit_device_options), c_uint8, ERR)),
    "tokenkit_device_options_set_cancel": (status, (P(tokenkit_device_options), P(tokenkit_cancel), ERR)),
    "tokenkit_device_authorization_user_code": (cstr, (P(tokenkit_device_authorization),)),
    "tokenkit_device_authorization_verification_uri": (cstr, (P(tokenkit_device_authorization),)),
    "tokenkit_device_authorization_verification_uri_complete": (cstr, (P(tokenkit_device_authorization),)),
    "tokenkit_device_authorization_expires_in": (c_int64, (P(tokenkit_device_authorization),)),
    "tokenkit_device_authorization_interval": (c_int64, (P(tokenkit_device_authorization),)),
    "tokenkit_device_authorization_free": (None, (P(tokenkit_device_authorization),)),
    # authorization requests
    "tokenkit_authorization_url": (cstr, (P(tokenkit_authorization),)),
    "tokenkit_authorization_state": (cstr, (P(tokenkit_authorization),)),
    "tokenkit_authorization_code_verifier": (cstr, (P(tokenkit_authorization),)),
    "tokenkit_authorization_free": (None, (P(tokenkit_authorization),)),
    # introspection
    "tokenkit_introspection_active": (c_uint8, (P(tokenkit_introspection),)),
    "tokenkit_introspection_exp": (c_uint8, (P(tokenkit_introspection), P(c_int64))),
    "tokenkit_introspection_iat": (c_uint8, (P(tokenkit_introspection), P(c_int64))),
    "tokenkit_introspection_scope": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_client_id": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_username": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_token_type": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_sub": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_json": (cstr, (P(tokenkit_introspection),)),
    "tokenkit_introspection_free": (None, (P(tokenkit_introspection),)),
    # tokens
    "tokenkit_token_access_token": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_token_type": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_expires_in": (c_uint8, (P(tokenkit_token), P(c_int64))),
    "tokenkit_token_expires_at": (c_uint8, (P(tokenkit_token), P(c_int64))),
    "tokenkit_token_refresh_token": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_scope": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_id_token": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_json": (cstr, (P(tokenkit_token),)),
    "tokenkit_token_to_json": (status, (P(tokenkit_token), STR_OUT, ERR)),
    "tokenkit_token_from_json": (status, (cstr, P(P(tokenkit_token)), ERR)),
    "tokenkit_token_free": (None, (P(tokenkit_token),)),
    # token sources
    "tokenkit_source_options_new": (P(tokenkit_source_options), ()),
    "tokenkit_source_options_free": (None, (P(tokenkit_source_options),)),
    "tokenkit_source_options_set_skew_ms": (status, (P(tokenkit_source_options), c_int64, ERR)),
    "tokenkit_source_options_set_on_change": (
        status,
        (P(tokenkit_source_options), tokenkit_token_changed_fn, c_void_p, ERR),
    ),
    "tokenkit_source_options_set_refresh_token": (status, (P(tokenkit_source_options), cstr, ERR)),
    "tokenkit_source_new": (
        status,
        (P(tokenkit_client), P(tokenkit_token), P(tokenkit_source_options), P(P(tokenkit_source)), ERR),
    ),
    "tokenkit_source_from_json": (
        status,
        (P(tokenkit_client), cstr, P(tokenkit_source_options), P(P(tokenkit_source)), ERR),
    ),
    "tokenkit_source_token": (status, (P(tokenkit_source), P(P(tokenkit_token)), ERR)),
    "tokenkit_source_access_token": (status, (P(tokenkit_source), STR_OUT, ERR)),
    "tokenkit_source_access_token_copy": (
        status,
        (P(tokenkit_source), P(c_char), c_int64, P(c_int64), ERR),
    ),
    "tokenkit_source_refresh": (status, (P(tokenkit_source), P(P(tokenkit_token)), ERR)),
    "tokenkit_source_to_json": (status, (P(tokenkit_source), STR_OUT, ERR)),
    "tokenkit_source_free": (None, (P(tokenkit_source),)),
    "tokenkit_source_from_store": (
        status,
        (P(tokenkit_client), P(tokenkit_store), cstr, P(tokenkit_source_options), P(P(tokenkit_source)), ERR),
    ),
    # the token store
    "tokenkit_store_open": (status, (cstr, P(P(tokenkit_store)), ERR)),
    "tokenkit_store_dir": (cstr, (P(tokenkit_store),)),
    "tokenkit_store_save_profile": (
        status,
        (P(tokenkit_store), cstr, P(tokenkit_config), P(tokenkit_token), c_uint8, ERR),
    ),
    "tokenkit_store_config": (status, (P(tokenkit_store), cstr, P(P(tokenkit_config)), ERR)),
    "tokenkit_store_token": (
        status,
        (P(tokenkit_store), cstr, P(tokenkit_client), c_int64, P(tokenkit_request_options), P(P(tokenkit_token)), ERR),
    ),
    "tokenkit_store_saved_token": (status, (P(tokenkit_store), cstr, P(P(tokenkit_token)), ERR)),
    "tokenkit_store_save_token": (status, (P(tokenkit_store), cstr, P(tokenkit_token), ERR)),
    "tokenkit_store_remove_token": (status, (P(tokenkit_store), cstr, P(P(tokenkit_token)), ERR)),
    "tokenkit_store_delete_profile": (status, (P(tokenkit_store), cstr, P(c_uint8), ERR)),
    "tokenkit_store_profiles": (status, (P(tokenkit_store), STR_OUT, ERR)),
    "tokenkit_store_free": (None, (P(tokenkit_store),)),
}

# Functions added to ABI 2 after its first release: a library built before them still loads, and
# the binding does without (tests/test_header.py checks that the list stays short and true).
OPTIONAL = frozenset({"tokenkit_source_access_token_copy"})


def _candidates() -> List[Tuple[str, Optional[Path], Optional[str]]]:
    """Where the library is looked for, in order: (description, a path, or a name for dlopen)."""
    here = Path(__file__).resolve().parent
    found: List[Tuple[str, Optional[Path], Optional[str]]] = [
        ("bundled", here / "_native" / LIBRARY_FILE, None)
    ]
    for parent in here.parents:
        # A checkout: the package's source tree, or an install inside it (a virtualenv).
        if (parent / "include" / "tokenkit.h").is_file():
            found.append(("checkout", parent / "target" / "release" / LIBRARY_FILE, None))
            break
    system = ctypes.util.find_library("tokenkit")
    names = ([system] if system else []) + ["libtokenkit.so.2", LIBRARY_FILE]
    for name in dict.fromkeys(names):
        found.append(("system loader", None, name))
    return found


def _open() -> Tuple[ctypes.CDLL, str]:
    env = os.environ.get("TOKENKIT_LIBRARY")
    if env:
        try:
            return ctypes.CDLL(env), env
        except OSError as e:
            raise ImportError(f"tokenkit: cannot load the native library TOKENKIT_LIBRARY={env}: {e}") from None
    tried = ["TOKENKIT_LIBRARY: not set"]
    for what, path, name in _candidates():
        if path is not None and not path.is_file():
            tried.append(f"{what}: {path}: no such file")
            continue
        target = str(path) if path is not None else str(name)
        try:
            return ctypes.CDLL(target), target
        except OSError as e:
            tried.append(f"{what}: {target}: {e}")
    raise ImportError(
        f"tokenkit: the native library {LIBRARY_FILE} was not found. Tried:\n  "
        + "\n  ".join(tried)
        + "\nInstall tokenkit-oauth from a wheel (it carries the library), build it in a checkout with "
        "`make lib`, or set TOKENKIT_LIBRARY to the library's path."
    )


def _declare(dll: ctypes.CDLL, path: str) -> Any:
    missing = []
    for name, (restype, argtypes) in FUNCTIONS.items():
        try:
            fn = getattr(dll, name)
        except AttributeError:
            if name not in OPTIONAL:
                missing.append(name)
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    if missing:
        raise ImportError(f"tokenkit: the native library {path} lacks {', '.join(missing)}: it is not ABI {ABI_VERSION}")
    version = int(dll.tokenkit_abi_version())
    if version != ABI_VERSION:
        raise ImportError(
            f"tokenkit: the native library {path} has ABI version {version}, but this package "
            f"needs ABI version {ABI_VERSION}: install the tokenkit-oauth matching the library"
        )
    return dll


_dll, library_path = _open()
# Any: ctypes has no types for functions declared at run time; the wrappers below give them types.
lib: Any = _declare(_dll, library_path)


def has(name: str) -> bool:
    """Whether the loaded library has the function (for those in OPTIONAL)."""
    return hasattr(_dll, name)


# ---- conversions --------------------------------------------------------------------------------

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def text(name: str, value: object) -> bytes:
    """A required string argument as the NUL-terminated UTF-8 the ABI takes."""
    if not isinstance(value, str):
        raise _errors.ArgumentTypeError(f"{name} must be a str, not {_type_name(value)}")
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        # `from None`: the encoder's message quotes part of the value, which may be a secret.
        raise _errors.InvalidArgumentError(f"{name} is not valid Unicode (it holds a lone surrogate)") from None
    if b"\0" in data:
        raise _errors.InvalidArgumentError(f"{name} contains a NUL byte")
    return data


def optional_text(name: str, value: object) -> Optional[bytes]:
    """An optional string argument: None stays None (unset, NULL)."""
    return None if value is None else text(name, value)


def path_text(name: str, value: object) -> bytes:
    """A file path (str or os.PathLike) as a string argument."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
        if isinstance(value, bytes):
            value = os.fsdecode(value)
    return text(name, value)


def integer(name: str, value: object, maximum: int = INT64_MAX) -> int:
    """An integer argument within the C type's range (the library judges its sign and bounds)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _errors.ArgumentTypeError(f"{name} must be an int, not {_type_name(value)}")
    if not -maximum - 1 <= value <= maximum:
        raise _errors.InvalidArgumentError(f"{name} is out of range")
    return value


Duration = Union[int, float, timedelta]


def millis(name: str, value: object) -> int:
    """A duration in seconds (int, float or timedelta) as whole milliseconds, rounded away from
    zero so that no non-zero duration becomes 0 (a negative one is the library's to refuse)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise _errors.ArgumentTypeError(f"{name} must be a number of seconds or a timedelta, not {_type_name(value)}")
    if math.isnan(seconds) or math.isinf(seconds):
        raise _errors.InvalidArgumentError(f"{name} must be a finite number of seconds")
    ms = seconds * 1000.0
    whole = math.ceil(ms) if ms > 0 else math.floor(ms)
    if not -INT64_MAX - 1 <= whole <= INT64_MAX:
        raise _errors.InvalidArgumentError(f"{name} is out of range")
    return int(whole)


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def string(value: Optional[bytes]) -> Optional[str]:
    """A lent `const char *` (ctypes already copied it into bytes) as str; None for NULL."""
    return None if value is None else value.decode("utf-8", "replace")


def take_string(ptr: Any) -> Optional[str]:
    """A `char **` output as str, then freed (zeroized) with tokenkit_string_free."""
    if not ptr:
        return None
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.tokenkit_string_free(ptr)


def str_out() -> Any:
    """A place for a `char **` output."""
    return P(c_char)()


def error_out() -> Any:
    """A place for the `tokenkit_error **` of a fallible call."""
    return P(tokenkit_error)()


def check(code: int, err: Any) -> None:
    """Raises the error of a failed call (and frees the native error); nothing for OK."""
    if code != 0:
        raise _errors.from_native(code, err)


def call(fn: Callable[..., int], *args: Any) -> None:
    """Calls a fallible function whose last argument is its `tokenkit_error **`."""
    err = P(tokenkit_error)()
    code = fn(*args, byref(err))
    if code != 0:
        raise _errors.from_native(code, err)


_errors.bind(lib)
