"""tokenkit for httpx: :class:`BearerAuth`, an ``httpx.Auth`` that sends a token source's access
token, for ``httpx.Client`` and ``httpx.AsyncClient`` alike.

    import httpx, tokenkit.httpx
    async with httpx.AsyncClient(auth=tokenkit.httpx.BearerAuth(source)) as http:
        await http.get("https://api.example.com/things")

Importing this module imports httpx (``pip install 'tokenkit-oauth[httpx]'``); ``import tokenkit``
alone does not.
"""

from __future__ import annotations

from typing import Any, AsyncGenerator, Generator, Union

try:
    import httpx
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("tokenkit.httpx needs httpx: pip install 'tokenkit-oauth[httpx]'") from e

from . import _bearer, aio
from ._source import TokenSource

__all__ = ["BearerAuth"]


class BearerAuth(httpx.Auth):
    """Sets ``Authorization: Bearer <access token>`` from ``source`` (a
    :class:`tokenkit.TokenSource` or a :class:`tokenkit.aio.TokenSource`), which refreshes the
    token when it is about to expire. With an ``httpx.AsyncClient`` the source is asked on a
    worker thread (:mod:`tokenkit.aio`), so a refresh never blocks the event loop. When the server
    answers 401 with ``WWW-Authenticate: Bearer error="invalid_token"`` (RFC 6750 §3.1), the
    source is refreshed once (unless another request already refreshed it) and the request is
    sent once more."""

    requires_request_body = True  # the request may be sent twice

    def __init__(self, source: Union[TokenSource, aio.TokenSource, Any]) -> None:
        self.source: TokenSource = _bearer.sync_source(source)
        self._aio = aio.TokenSource.wrap(self.source)

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = _bearer.bearer(self.source.access_token())
        response = yield request
        if _bearer.wants_new_token(response.status_code, response.headers.get("WWW-Authenticate")):
            rejected = _bearer.sent_token(request.headers.get("Authorization"))
            token = _bearer.token_after_rejection(self.source, rejected)
            request.headers["Authorization"] = _bearer.bearer(token)
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = _bearer.bearer(await self._aio.access_token())
        response = yield request
        if _bearer.wants_new_token(response.status_code, response.headers.get("WWW-Authenticate")):
            rejected = _bearer.sent_token(request.headers.get("Authorization"))
            token = await aio._run(
                self._aio._executor, _bearer.token_after_rejection, self.source, rejected, cancellable=False
            )
            request.headers["Authorization"] = _bearer.bearer(token)
            yield request
