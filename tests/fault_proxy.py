"""A reverse proxy on loopback that a test puts between TP and a real peer (TA, DR), to make the peer fail on cue.

A test scripts what the next OOAPI requests (paths under `/ooapi`) meet, one `Fault` each: an error
answer (a `500` with a problem, a `429` with `Retry-After`), a slow answer (forwarded at once, so the
peer has applied it, but answered after the client gave up), a dropped connection, a `HANG` (never
answered, until the proxy stops), or `garbage` (any status with a body that is not what the client
expects: HTML, truncated JSON); or it holds the peer `down` (every OOAPI request answered `503`) or
`hanging` (every one a `HANG`) until it lets go. Anything else is forwarded unchanged, but for the query
parameters named in `ignored_query` (a peer that ignores an optional `expand`, say); the token endpoint
always is. Every request is recorded with its answer, to assert count and order.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from starlette.types import Receive, Scope, Send

from tests.servers import free_port, running

PROBLEM_JSON = "application/problem+json"
#: Headers that belong to one hop, not to the message.
HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"})


@dataclass(frozen=True)
class Fault:
    """What one OOAPI request meets instead of being forwarded plainly (all defaults: forwarded)."""

    #: Answer this status (with a problem body) without forwarding.
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    problem: dict[str, Any] | None = None
    #: Forward, then hold the peer's answer back this many seconds.
    delay: float = 0.0
    #: Close the connection without an answer, without forwarding.
    drop: bool = False
    #: Never answer (until the proxy stops), without forwarding.
    hang: bool = False
    #: With `status`: answer this body (of `content_type`) instead of a problem.
    body: bytes | None = None
    content_type: str = PROBLEM_JSON


PASS = Fault()
DROP = Fault(drop=True)
HANG = Fault(hang=True)


def error(status: int = 500, *, problem: dict[str, Any] | None = None, **headers: str) -> Fault:
    """An error answer; header names with `_` for `-` (`retry_after="1"`)."""
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    return Fault(status=status, headers=named, problem=problem)


def garbage(body: bytes, content_type: str = "application/json", status: int = 200) -> Fault:
    """An answer whose body is not what was asked for (HTML, truncated JSON, not JSON at all)."""
    return Fault(status=status, body=body, content_type=content_type)


def slow(seconds: float) -> Fault:
    return Fault(delay=seconds)


@dataclass(frozen=True)
class Seen:
    """One request the proxy got: when (`time.monotonic()`), what, and what it answered (None: dropped)."""

    at: float
    method: str
    path: str
    body: Any
    answered: int | None
    #: Whether the peer got the request (it may have applied it even when the client saw no answer).
    forwarded: bool
    #: Who says they called.
    user_agent: str | None = None


class _Dropped(Response):
    """Starts an answer and breaks off: the client sees the connection close mid-message."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
        raise ConnectionAbortedError("fault proxy: connection dropped on purpose")


class FaultProxy:
    """The proxy for one test: `app` to serve (`tests.servers.running`), `next(...)` and `down` to script it."""

    def __init__(self, target: str, *, ignored_query: frozenset[str] = frozenset()) -> None:
        self.target = target.rstrip("/")
        self.ignored_query = ignored_query
        #: Where the proxy listens, once `serving`.
        self.url = ""
        #: While set, every OOAPI request not scripted by `next` is answered 503 (the peer is down).
        self.down = False
        #: While set, every OOAPI request not scripted by `next` meets `HANG` (the peer takes it and never answers).
        self.hanging = False
        self._faults: deque[Fault] = deque()
        self._seen: list[Seen | None] = []  # None: still being answered
        self._paths: list[str] = []  # of each request in `_seen`
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # lets a hanging request go when the proxy stops
        self.app = FastAPI(openapi_url=None)
        methods = ["GET", "PUT", "PATCH", "POST", "DELETE"]
        self.app.add_api_route("/{path:path}", self._handle, methods=methods, include_in_schema=False)

    def next(self, *faults: Fault) -> None:
        """What the next OOAPI requests meet, one fault each, in order (after any still queued)."""
        with self._lock:
            self._faults.extend(faults)

    def seen(self, *, containing: str = "/ooapi/") -> list[Seen]:
        """The requests whose path contains `containing` (by default: every OOAPI request), in arrival order."""
        with self._lock:
            return [seen for seen in self._seen if seen is not None and containing in seen.path]

    def in_flight(self, *, containing: str = "") -> int:
        """How many requests (whose path contains `containing`) have arrived and are not answered yet."""
        with self._lock:
            return sum(seen is None and containing in path for seen, path in zip(self._seen, self._paths, strict=True))

    @contextmanager
    def serving(self) -> Iterator[FaultProxy]:
        """The proxy on a free loopback port (its base URL in `url`) until the block ends."""
        self._stopping.clear()
        with running(self.app, free_port()) as self.url:
            try:
                yield self
            finally:
                self._stopping.set()

    def _arrived(self, path: str) -> tuple[int, Fault]:
        """Where the request's record goes (in arrival order), and what it meets."""
        with self._lock:
            self._seen.append(None)
            self._paths.append(path)
            return len(self._seen) - 1, self._fault(path)

    def _fault(self, path: str) -> Fault:
        if not path.startswith("/ooapi/"):
            return PASS
        if self._faults:
            return self._faults.popleft()
        if self.hanging:
            return HANG
        return error(503) if self.down else PASS

    async def _handle(self, request: Request) -> Response:
        arrived, content = time.monotonic(), await request.body()
        path = request.url.path
        index, fault = self._arrived(path)
        agent = request.headers.get("user-agent")
        body = json.loads(content) if content and request.headers.get("content-type", "").endswith("json") else None
        response: Response
        if fault.hang:  # recorded as unanswered at once: the client gives up long before the proxy lets go
            with self._lock:
                self._seen[index] = Seen(arrived, request.method, path, body, None, False, agent)
            while not self._stopping.is_set():
                await asyncio.sleep(0.05)
            return _Dropped()
        if fault.drop:
            response, forwarded = _Dropped(), False
        elif fault.status is not None:
            problem = fault.problem or {"title": "Injected by the fault proxy", "status": str(fault.status)}
            answer = json.dumps(problem).encode() if fault.body is None else fault.body
            response = Response(answer, fault.status, fault.headers, media_type=fault.content_type)
            forwarded = False
        else:
            response, forwarded = await self._forward(request, content), True
            await asyncio.sleep(fault.delay)
        answered = None if fault.drop else response.status_code
        with self._lock:
            self._seen[index] = Seen(arrived, request.method, path, body, answered, forwarded, agent)
        return response

    async def _forward(self, request: Request, content: bytes) -> Response:
        headers = {name: value for name, value in request.headers.items() if name not in HOP_HEADERS}
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(
                request.method,
                self.target + request.url.path,
                params=[(k, v) for k, v in request.query_params.multi_items() if k not in self.ignored_query],
                content=content,
                headers=headers,
            )
        kept = {name: value for name, value in answer.headers.items() if name not in HOP_HEADERS}
        return Response(answer.content, answer.status_code, kept)
