"""The ASGI middleware every oke app runs: a request id, the HTTP metrics and the access log line.

Plain ASGI rather than Starlette's `BaseHTTPMiddleware`, which runs the app in a task of its own and copies
every message through a stream: flow 3 ingest pays a middleware on every request (about 10 µs here).
"""

from __future__ import annotations

import logging
import os
import re
from time import perf_counter

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oke.observability.context import begin_request
from oke.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

REQUEST_ID_HEADER = b"x-request-id"
#: The route label of a path no route matches: one value, however many paths are tried.
UNMATCHED = "unmatched"
#: An incoming request id is kept when it looks like one (a UUID, a trace id); anything else is replaced.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")
#: Any other method a client makes up is counted as `OTHER`: a label value per invented method would grow
#: the metrics without end.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "OTHER"

access_log = logging.getLogger("oke.access")


class ObservabilityMiddleware:
    """Counts and times every HTTP request by route template, and answers with its `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        #: The counter and histogram of each (method, route, status) seen: `labels()` costs microseconds.
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        request_id = _incoming_id(scope) or os.urandom(16).hex()
        begin_request(request_id)
        echoed = (REQUEST_ID_HEADER, request_id.encode())
        status = 500  # unless an answer starts: the app failed before it could give one

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else OTHER
            route = route_template(scope)
            key = (method, route, status)
            if (series := self._series.get(key)) is None:
                series = self._series[key] = (
                    HTTP_REQUESTS.labels(method, route, str(status)),
                    HTTP_DURATION.labels(method, route),
                )
            series[0].inc()
            series[1].observe(seconds)
            if access_log.isEnabledFor(logging.INFO):
                fields = {"method": method, "route": route, "status": status, "duration_ms": round(seconds * 1000, 2)}
                access_log.info("%s %s %d", method, route, status, extra=fields)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            return value.decode() if _SANE_ID.fullmatch(value) else None
    return None


def route_template(scope: Scope) -> str:
    """The template of the route that took the request, prefixes included; never the path asked for.

    FastAPI (0.16x) includes a router without copying its routes: the route in the scope lacks the router's
    prefix, and the route as included (prefix and all) is in FastAPI's part of the scope. Its own pages
    (`/docs`, `/openapi.json`) leave only their endpoint there.
    """
    included = scope.get("fastapi", {}).get("effective_route_context")
    for route in (included, scope.get("route")):
        path = getattr(route, "path", None)
        if isinstance(path, str) and path:
            return path
    endpoint = scope.get("endpoint")
    if endpoint is not None:
        for route in getattr(scope.get("router"), "routes", ()):
            if getattr(route, "endpoint", None) is endpoint:
                return str(route.path)
    return UNMATCHED
