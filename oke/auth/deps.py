"""FastAPI dependencies that turn a Bearer token into a `Caller` and guard endpoints by scope."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from oke.auth.caller import Caller, ClientRole
from oke.auth.ratelimit import RateLimiter
from oke.auth.tokens import TokenIssuer
from oke.errors import Forbidden, Unauthorized
from oke.observability.context import identify


async def authenticate(request: Request) -> Caller:
    """The caller, within its rate limit (`rate_limit_per_second`): counted per client, so after authentication."""
    caller = await token_caller(request)
    identify(caller.client_id, caller.tenant)  # the request's log lines name them from now on
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)  # apps without build_app: none
    if limiter is not None:
        limiter.take(caller.client_id)
    return caller


async def token_caller(request: Request) -> Caller:
    """The caller named by the request's Bearer token (RFC 6750 §2.1).

    Async: verifying an own token is quick CPU work (and cached), not worth a trip through the thread
    pool; only asking an external authorization server (JWKS, introspection) goes there.
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing Bearer token")
    tokens: TokenIssuer = request.app.state.tokens
    token = token.strip()
    known = tokens.cached(token)
    if known is not None:
        return known
    if tokens.external is None:
        return tokens.verify(token)
    return await run_in_threadpool(tokens.verify, token)


CallerDep = Annotated[Caller, Depends(authenticate)]


def allow(caller: Caller, roles: Collection[ClientRole], scope: str | None, refused: str) -> Caller:
    """`caller`, if its role is one of `roles` and it holds `scope` (None: checked already); else 403 Forbidden.

    Every server's guard, so all say no alike: `refused` is the detail for a client of another role
    (`{role}` stands for its role), a client of the right role without `scope` hears which one it needs.
    """
    if caller.role not in roles:
        raise Forbidden(refused.format(role=caller.role))
    if scope is not None and not caller.has_scope(scope):
        raise Forbidden(f"needs scope {scope}")
    return caller
