"""The token endpoint (RFC 6749 §4.4, client credentials grant; clients authenticate with
`client_secret_basic` or `private_key_jwt`, RFC 7523) and the JWKS that verifies the tokens it issues."""

from __future__ import annotations

import base64
import logging
from functools import partial
from urllib.parse import parse_qs, unquote_plus

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import State

from oke.auth.assertions import ASSERTION_TYPE, ClientAssertions
from oke.auth.caller import Caller
from oke.auth.clients import ClientRegistry
from oke.auth.ratelimit import RateLimiter
from oke.auth.tokens import TokenIssuer
from oke.errors import Unauthorized
from oke.observability.context import identify

logger = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
#: Client authentications checked at once: a scrypt hash takes about 50 ms of CPU and 16 MiB, so a flood of
#: token requests waits its turn instead of taking every thread and that much memory per thread.
HASHING_AT_ONCE = 4


class _OAuthError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(_NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="oke"'
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=headers)


def token_router() -> APIRouter:
    router = APIRouter(tags=["oauth2"])
    assertions = ClientAssertions()
    hashing = CapacityLimiter(HASHING_AT_ONCE)

    @router.post("/oauth2/token", summary="Access token (client credentials grant)")
    async def token(request: Request) -> JSONResponse:
        failures: RateLimiter | None = getattr(request.app.state, "token_failures", None)
        address = request.client.host if request.client is not None else ""
        if failures is not None:
            failures.admit(address, "too many failed client authentications from this address")
        body = await request.body()
        # Hashing the secret and a first key load are blocking work: keep them off the event loop.
        call = partial(
            _token,
            request.app.state,
            assertions,
            request.headers.get("content-type", ""),
            request.headers.get("authorization", ""),
            body,
        )
        response = await anyio.to_thread.run_sync(call, limiter=hashing)
        if response.status_code == 401 and failures is not None:
            failures.spend(address)
        return response

    @router.get("/oauth2/jwks", summary="The public keys that verify this server's tokens (JWK Set)")
    def jwks(request: Request) -> JSONResponse:
        tokens: TokenIssuer = request.app.state.tokens
        # Short: after `oke keys rotate` verifiers see the new key soon (and refetch on an unknown kid anyway).
        return JSONResponse(tokens.jwks(), headers={"Cache-Control": "public, max-age=60"})

    return router


def _token(
    state: State, assertions: ClientAssertions, content_type: str, authorization: str, body: bytes
) -> JSONResponse:
    tokens: TokenIssuer = state.tokens
    try:
        form = _form(content_type, body)
        if "grant_type" not in form:
            raise _OAuthError("invalid_request", "grant_type is missing")
        if form["grant_type"] != "client_credentials":
            raise _OAuthError("unsupported_grant_type", "only client_credentials is supported")
        if "client_assertion" in form or "client_assertion_type" in form:
            caller = _asserted_client(state, assertions, form, authorization)
        else:
            caller = _client(state, authorization)
        scopes = _granted(caller, form.get("scope"))
        identify(caller.client_id, caller.tenant)
    except _OAuthError as error:
        return error.response()
    access_token, expires_in = tokens.issue(caller, scopes)
    answer = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": " ".join(sorted(scopes)),
    }
    return JSONResponse(answer, headers=_NO_STORE)


def _form(content_type: str, body: bytes) -> dict[str, str]:
    if content_type.split(";")[0].strip().lower() != _FORM:
        raise _OAuthError("invalid_request", f"the body must be {_FORM}")
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=16)
    except ValueError:
        raise _OAuthError("invalid_request", "malformed form body") from None
    if repeated := sorted(name for name, values in fields.items() if len(values) > 1):
        raise _OAuthError("invalid_request", f"repeated parameters: {', '.join(repeated)}")
    return {name: values[0] for name, values in fields.items()}


def _client(state: State, authorization: str) -> Caller:
    scheme, _, encoded = authorization.partition(" ")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode() if scheme.lower() == "basic" else ""
    except ValueError:
        decoded = ""
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise _OAuthError("invalid_client", "authenticate with HTTP Basic (client_secret_basic)", 401)
    # RFC 6749 §2.3.1: both are form-encoded before they are joined.
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    with state.session_factory() as session:
        caller = ClientRegistry(session).authenticate(client_id, secret)
    if caller is None:
        logger.warning("client authentication failed for %r", client_id)
        raise _OAuthError("invalid_client", "unknown client or wrong secret", 401)
    return caller


def _asserted_client(state: State, assertions: ClientAssertions, form: dict[str, str], authorization: str) -> Caller:
    """The client a `private_key_jwt` assertion proves (RFC 7523 §3)."""
    if authorization:
        raise _OAuthError("invalid_request", "use one client authentication method, not two")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        raise _OAuthError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}, with a client_assertion")
    tokens: TokenIssuer = state.tokens
    try:
        with state.session_factory() as session, session.begin():
            return assertions.authenticate(
                session, form["client_assertion"], audiences=[tokens.token_url, tokens.issuer]
            )
    except Unauthorized as error:
        logger.warning("client authentication (private_key_jwt) failed: %s", error)
        raise _OAuthError("invalid_client", str(error), 401) from None


def _granted(caller: Caller, scope: str | None) -> frozenset[str]:
    """The requested scopes, all of the client's when none are asked; never more than the client's."""
    requested = frozenset(scope.split()) if scope else caller.scopes
    if excess := requested - caller.scopes:
        raise _OAuthError("invalid_scope", f"not granted to this client: {', '.join(sorted(excess))}")
    return requested
