"""NUL characters in a request's path or query are refused up front: they have no place in OOAPI text, and
PostgreSQL cannot compare or store them (it would fail the query: a 500 instead of a 400)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from oke.errors import FieldError, InvalidContent
from oke.web.problems import error_response

REASON = "contains a NUL character (\\u0000)"


class RefuseNul:
    """Answers 400 problem+json to a request whose path or query string holds a NUL (raw or `%00`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            where = "/path" if "\x00" in scope["path"] else "/query" if b"%00" in query or b"\x00" in query else None
            if where is not None:
                await error_response(InvalidContent(FieldError(where, REASON)))(scope, receive, send)
                return
        await self.app(scope, receive, send)
