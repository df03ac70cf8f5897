"""Text in a request's path or query that oke could never store is refused up front, with 400 at `/path` or
`/query`, before any service compares or stores it (PostgreSQL would fail the statement: a 5xx instead of a 400):

- a NUL character (raw or `%00`): it has no place in OOAPI text, and PostgreSQL can neither compare nor store it;
- a path segment longer than an id may be (`MAX_ID`): every segment of oke's paths is a fixed word or an id, and
  an id is a key of oke's tables (a body's ids are bounded alike, by the wire models).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from oke.errors import FieldError, InvalidContent
from oke.ooapi.common import MAX_ID
from oke.web.problems import error_response

NUL = "contains a NUL character (\\u0000)"
TOO_LONG = f"has a segment longer than {MAX_ID} characters: no id of OKE is"


class RefuseUnfitText:
    """Answers 400 problem+json to a request whose path or query string oke could not store (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refusal := _unfit(scope)) is not None:
            await error_response(InvalidContent(refusal))(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _unfit(scope: Scope) -> FieldError | None:
    query: bytes = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        return FieldError("/query", NUL)
    return unfit_path(scope["path"])


def unfit_path(path: str) -> FieldError | None:
    """Why oke could not store the ids of `path` (a NUL character, a segment longer than `MAX_ID`), or None:
    also asked of the path at a peer of each object oke reads there (`bodies.check_received`)."""
    if "\x00" in path:
        return FieldError("/path", NUL)
    if any(len(segment) > MAX_ID for segment in path.split("/")):
        return FieldError("/path", TOO_LONG)
    return None
