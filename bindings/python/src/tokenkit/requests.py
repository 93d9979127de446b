"""tokenkit for requests: :class:`BearerAuth`, a ``requests.auth.AuthBase`` that sends a token
source's access token.

    import requests, tokenkit.requests
    session = requests.Session()
    session.auth = tokenkit.requests.BearerAuth(source)
    session.get("https://api.example.com/things")

Importing this module imports requests (``pip install 'tokenkit-oauth[requests]'``);
``import tokenkit`` alone does not.
"""

from __future__ import annotations

from typing import Any, Optional, Union

try:
    import requests
    import requests.auth
    from requests.cookies import extract_cookies_to_jar
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("tokenkit.requests needs requests: pip install 'tokenkit-oauth[requests]'") from e

from . import _bearer
from ._source import TokenSource

__all__ = ["BearerAuth"]


class BearerAuth(requests.auth.AuthBase):
    """Sets ``Authorization: Bearer <access token>`` from ``source`` (a
    :class:`tokenkit.TokenSource`, or a :class:`tokenkit.aio.TokenSource`'s ``sync``), which
    refreshes the token when it is about to expire. When the server answers 401 with
    ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1), the source is refreshed
    once (unless another request already refreshed it) and the request is sent once more; the 401
    is then in ``response.history``. Thread-safe, like the source: share one between threads."""

    def __init__(self, source: Union[TokenSource, Any]) -> None:
        self.source: TokenSource = _bearer.sync_source(source)

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = _bearer.bearer(self.source.access_token())
        position: Optional[int]
        try:
            position = r.body.tell()  # type: ignore[union-attr]
        except (AttributeError, OSError):
            position = None
        setattr(r, "_tokenkit_body_position", position)
        r.register_hook("response", self._retry_once)  # type: ignore[no-untyped-call]
        return r

    def _retry_once(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        request = response.request
        if getattr(request, "_tokenkit_retried", False) or not _bearer.wants_new_token(
            response.status_code, response.headers.get("WWW-Authenticate")
        ):
            return response
        rejected = _bearer.sent_token(request.headers.get("Authorization"))
        token = _bearer.token_after_rejection(self.source, rejected)
        response.content  # read it, so that the connection can be reused
        response.close()
        retry = request.copy()
        retry.headers["Authorization"] = _bearer.bearer(token)
        setattr(retry, "_tokenkit_retried", True)
        position = getattr(request, "_tokenkit_body_position", None)
        if position is not None:
            retry.body.seek(position)  # type: ignore[union-attr]
        jar = getattr(retry, "_cookies", None)
        if jar is not None:
            extract_cookies_to_jar(jar, request, response.raw)  # type: ignore[no-untyped-call]
            retry.prepare_cookies(jar)
        again: requests.Response = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
