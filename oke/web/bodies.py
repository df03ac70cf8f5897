"""Request bodies: JSON only, within the size limit, parsed once."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute

from oke.errors import FieldError, InvalidContent, PayloadTooLarge, UnsupportedMediaType
from oke.ooapi.problems import pointer
from oke.store.history import Inbound
from oke.web.unfit import unfit_path

JSON_TYPES = ("application/json", "application/merge-patch+json")
#: The content type each write must carry where a role is strict about it (RFC 7396 for PATCH).
WRITE_TYPES = {"PUT": "application/json", "PATCH": "application/merge-patch+json"}
#: No OOAPI document nests deeper than a dozen levels; deeper bodies are refused before any code
#: recurses over them.
MAX_DEPTH = 64


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        return await request.body()  # the server reads no more than the declared length
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def check_json_content_type(request: Request) -> None:
    media_type = _media_type(request)
    if media_type not in JSON_TYPES:
        given = f"content type {media_type} is not accepted" if media_type else "the request has no Content-Type"
        raise UnsupportedMediaType(f"{given}; send {' or '.join(JSON_TYPES)}")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; anything else is a 400 naming what is wrong."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidContent(FieldError("", f"malformed JSON: {exc}")) from None
    if not isinstance(document, dict):
        raise InvalidContent(FieldError("", "the body must be a JSON object"))
    check_document(document, raw)
    return document


def check_document(document: dict[str, Any], raw: bytes | None = None) -> None:
    """`InvalidContent` for a JSON object nested deeper than `MAX_DEPTH` or holding a NUL character: refused before
    any code recurses over it or a database is asked to store it. `raw`, the JSON text it was parsed from, spares
    the search for a NUL where the text has none."""
    _check_depth(document)
    if raw is None or b"\\u0000" in raw:
        _refuse_nul(document)


def check_received(path: str, document: dict[str, Any]) -> None:
    """The checks a message a peer sends passes before any service sees it (`RefuseUnfitText` on its path,
    `check_document` on its body), made of a document oke read from a peer at `path` (`GET`, the path as the
    peer would send it, ids unquoted): `InvalidContent` naming what is wrong."""
    if (unfit := unfit_path(path)) is not None:
        raise InvalidContent(unfit)
    check_document(document)


def _check_depth(document: dict[str, Any]) -> None:
    level: list[Any] = [document]
    for _ in range(MAX_DEPTH):
        level = [child for node in level for child in _children(node) if isinstance(child, (dict, list))]
        if not level:
            return
    raise InvalidContent(FieldError("", f"the body nests deeper than {MAX_DEPTH} levels"))


def _children(node: dict[str, Any] | list[Any]) -> Iterable[Any]:
    return node.values() if isinstance(node, dict) else node


def _refuse_nul(value: Any, path: tuple[str | int, ...] = ()) -> None:
    """A NUL character (\\u0000) has no place in OOAPI text, and PostgreSQL cannot store it."""
    if isinstance(value, str) and "\x00" in value:
        raise InvalidContent(FieldError(pointer(path), "contains a NUL character (\\u0000)"))
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if "\x00" in str(key):
            raise InvalidContent(FieldError(pointer((*path, key)), "the member name contains a NUL character"))
        _refuse_nul(item, (*path, key))


async def json_object_body(request: Request) -> tuple[dict[str, Any], str]:
    """FastAPI dependency: the JSON object of the request and its text as received."""
    check_json_content_type(request)
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    document = parse_json_object(raw)
    return document, raw.decode("utf-8")


class _OrjsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = orjson.loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route whose body parameter FastAPI parses as `parse_json_object` does, not with the standard library:
    a number beyond 64 bits becomes a float there, where `json.loads` keeps an int no JSON column can store."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return handle


async def inbound_message(request: Request, *, strict_type: bool = False) -> Inbound:
    """The message a write carries, as the history keeps it. With `strict_type`, a PUT must be
    application/json and a PATCH application/merge-patch+json (`WRITE_TYPES`)."""
    if strict_type:
        wanted, media_type = WRITE_TYPES[request.method], _media_type(request)
        if media_type != wanted:
            raise UnsupportedMediaType(f"a {request.method} body is {wanted}, not {media_type or 'untyped'}")
    document, raw = await json_object_body(request)
    return Inbound(method=request.method, path=request.scope["path"], body=document, raw=raw)


async def recorded_message(request: Request) -> Inbound:
    """A write of oke's own APIs (planning, operator) as the history keeps it, for the audit: its JSON
    object body if it has one, and the query string with the path (a run's `seed`)."""
    raw = await read_body(request, request.app.state.settings.max_body_bytes)
    document = parse_json_object(raw) if raw.strip() else {}
    query = request.scope.get("query_string", b"").decode("latin-1")
    path = request.scope["path"] + (f"?{query}" if query else "")
    return Inbound(method=request.method, path=path[:512], body=document, raw=raw.decode("utf-8"))
