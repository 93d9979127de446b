"""What the requests and httpx integrations share: when a resource server's 401 asks for a new
token (RFC 6750 §3.1), and getting one from a token source."""

from __future__ import annotations

import re
from typing import Dict, Iterator, Optional, Tuple, Union

from . import _errors
from ._source import TokenSource

# RFC 9110 §11: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_SCHEME = re.compile(rf"[\s,]*({_TOKEN})(?=[\s,]|$)")
_TOKEN68 = re.compile(r"\s+[A-Za-z0-9._~+/-]+=*(?=\s*(?:,|$))")
_PARAM = re.compile(rf'[\s,]*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))')
_QUOTED_PAIR = re.compile(r"\\(.)")


def challenges(header: str) -> Iterator[Tuple[str, Dict[str, str]]]:
    """The challenges of a WWW-Authenticate value: (scheme in lower case, its parameters with
    lower-case names). Stops at the first thing that is not a challenge."""
    pos = 0
    while pos < len(header):
        scheme = _SCHEME.match(header, pos)
        if scheme is None:
            return
        pos = scheme.end()
        params: Dict[str, str] = {}
        token68 = _TOKEN68.match(header, pos)
        if token68 is not None:
            pos = token68.end()
        else:
            while True:
                param = _PARAM.match(header, pos)
                if param is None:
                    break
                quoted, bare = param.group(2), param.group(3)
                value = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else bare
                params.setdefault(param.group(1).lower(), value)
                pos = param.end()
        yield scheme.group(1).lower(), params


def wants_new_token(status_code: int, www_authenticate: Optional[str]) -> bool:
    """A 401 whose Bearer challenge says error="invalid_token": the token was revoked or
    expired early, so one refresh and one retry may help (any other 401 would fail again)."""
    if status_code != 401 or not www_authenticate:
        return False
    return any(
        scheme == "bearer" and params.get("error") == "invalid_token"
        for scheme, params in challenges(www_authenticate)
    )


def sync_source(source: object) -> TokenSource:
    """The tokenkit.TokenSource behind a source given to an integration."""
    inner = getattr(source, "sync", source)
    if not isinstance(inner, TokenSource):
        raise _errors.ArgumentTypeError(
            f"source must be a tokenkit.TokenSource or tokenkit.aio.TokenSource, not {type(source).__name__}"
        )
    return inner


def token_after_rejection(source: TokenSource, rejected: str) -> str:
    """A new access token after the server rejected `rejected`: the source is refreshed, unless
    another request already did it since (then its token is used, with no second refresh)."""
    current = source.access_token()
    if current != rejected:
        return current
    return source.refresh().access_token


def bearer(token: str) -> str:
    return "Bearer " + token


def sent_token(authorization: Union[str, bytes, None]) -> str:
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    return (authorization or "")[len("Bearer ") :]
