"""FastAPI dependencies that turn a Bearer token into a `Caller` and guard endpoints by scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from oke.auth.caller import Caller
from oke.auth.tokens import TokenIssuer
from oke.errors import Forbidden, Unauthorized


async def authenticate(request: Request) -> Caller:
    """The caller named by the request's Bearer token (RFC 6750 §2.1).

    Async: verification is quick CPU work (and cached), not worth a trip through the thread pool.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing Bearer token")
    tokens: TokenIssuer = request.app.state.tokens
    return tokens.verify(token.strip())


CallerDep = Annotated[Caller, Depends(authenticate)]


def require_scope(*scopes: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency granting callers that hold any of `scopes`: `Depends(require_scope(FLOW_0))`."""
    needed = " or ".join(scopes)

    # Async: a set test does not deserve a trip through the thread pool.
    async def check(caller: CallerDep) -> Caller:
        if not caller.has_scope(*scopes):
            raise Forbidden(f"needs scope {needed}")
        return caller

    return check
