"""The request a log line belongs to: its id, and the client and tenant once the token is verified."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestContext:
    """Mutable, so that what authentication learns reaches the access line written after the response."""

    request_id: str
    client: str | None = None
    tenant: str | None = None


_CURRENT: ContextVar[RequestContext | None] = ContextVar("oke_request", default=None)


def begin_request(request_id: str) -> RequestContext:
    """The context of a new request, current in its task (and the threads it hands work to) from now on.

    Never reset: each request runs in a task of its own, and the error handlers outside the middleware
    still log with the request's id.
    """
    context = RequestContext(request_id)
    _CURRENT.set(context)
    return context


def current_request() -> RequestContext | None:
    return _CURRENT.get()


def identify(client: str, tenant: str) -> None:
    """Called once a request's client is authenticated: its later log lines name the client and tenant."""
    context = _CURRENT.get()
    if context is not None:
        context.client, context.tenant = client, tenant
