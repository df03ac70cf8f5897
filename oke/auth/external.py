"""Tokens of an external authorization server: JWTs checked against its JWKS, or opaque tokens asked
about at its RFC 7662 introspection endpoint. The token's `client_id` (else `sub`) must name a client
registered here: that client's role, tenant and peer apply, and its scopes bound those the token grants."""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from sqlalchemy.orm import Session, sessionmaker

from oke import USER_AGENT
from oke.auth.caller import Caller, ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.jwk import FETCH_SECONDS, KEYS_MAX_BYTES, JwksCache, algorithms_for
from oke.auth.secrets import basic_authorization
from oke.auth.tokens import reason
from oke.bounded_http import TooLarge, bounded_client, read_within
from oke.config import Settings
from oke.errors import Unauthorized

logger = logging.getLogger(__name__)

#: Clock skew allowed between this server and the authorization server.
LEEWAY_SECONDS = 30
#: An introspection answer is trusted this long at most (and never beyond the token's `exp`).
INTROSPECTION_CACHE_SECONDS = 60.0
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ExternalTokens:
    """Checks the tokens of one external authorization server; safe to share between threads."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        http: httpx.Client,
        jwks_url: str | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        introspection_url: str | None = None,
        introspection_client: tuple[str, str] | None = None,
        cache_seconds: float = INTROSPECTION_CACHE_SECONDS,
        jwks_min_interval_seconds: float = 30,
        jwks_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`jwks_clock` (monotonic seconds) times the JWKS's refetches: a test moves it on."""
        if jwks_url and not (issuer and audience):
            raise ValueError("auth_jwks_url needs auth_issuer and auth_audience")
        if introspection_url and not introspection_client:
            raise ValueError("auth_introspection_url needs its client id and secret")
        self._session_factory = session_factory
        self._http = http
        self._jwks = (
            JwksCache(http, jwks_url, min_interval_seconds=jwks_min_interval_seconds, clock=jwks_clock)
            if jwks_url
            else None
        )
        self._issuer = issuer
        self._audience = audience
        self._introspection_url = introspection_url
        self._authorization = basic_authorization(*introspection_client) if introspection_client else ""
        self._cache_seconds = cache_seconds

    def verify(self, token: str) -> tuple[Caller, float]:
        """The local caller the token stands for, and until when that answer holds; `Unauthorized` otherwise."""
        if self._jwks is not None and token.count(".") == 2:
            claims = self._decode(token)
            until = float(claims["exp"])
        elif self._introspection_url is not None:
            claims = self._introspect(token)
            until = min(float(claims.get("exp", time.time() + self._cache_seconds)), time.time() + self._cache_seconds)
        else:
            raise Unauthorized("malformed token")
        return self._caller(claims), until

    def _decode(self, token: str) -> dict[str, Any]:
        assert self._jwks is not None
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError:
            raise Unauthorized("malformed token") from None
        key = self._jwks.key(kid if isinstance(kid, str) else None)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=algorithms_for(key),
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized(reason(error)) from None
        return claims

    def _introspect(self, token: str) -> dict[str, Any]:
        assert self._introspection_url is not None
        headers = {"authorization": self._authorization, "accept": "application/json"}
        form = {"token": token, "token_type_hint": "access_token"}
        request = self._http.build_request("POST", self._introspection_url, data=form, headers=headers)
        try:
            response = read_within(self._http, request, FETCH_SECONDS, KEYS_MAX_BYTES, errors_cut_at=KEYS_MAX_BYTES)
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError, TooLarge) as error:
            logger.warning("introspection at %s failed: %s", self._introspection_url, type(error).__name__)
            raise Unauthorized("the token cannot be checked now") from None
        if not isinstance(answer, dict) or answer.get("active") is not True:
            raise Unauthorized("token not active")
        exp = answer.get("exp")
        if exp is not None and (not isinstance(exp, int | float) or exp <= time.time() - LEEWAY_SECONDS):
            raise Unauthorized("token expired")
        if self._issuer and answer.get("iss", self._issuer) != self._issuer:
            raise Unauthorized("wrong issuer")
        audience = answer.get("aud", self._audience)
        if self._audience and self._audience not in (audience if isinstance(audience, list) else [audience]):
            raise Unauthorized("wrong audience")
        return answer

    def _caller(self, claims: dict[str, Any]) -> Caller:
        client_id = claims.get("client_id") or claims.get("sub")
        if not isinstance(client_id, str) or not client_id:
            raise Unauthorized("the token names no client")
        with self._session_factory() as session:
            client = ClientRegistry(session).get(client_id)
            if client is None or client.disabled:
                raise Unauthorized("the token's client is not registered here")
            registered = frozenset(client.scopes.split())
            caller = Caller(
                client_id=client.client_id,
                role=ClientRole(client.role),
                tenant=client.tenant,
                peer=client.peer,
                scopes=_scopes(claims) & registered,
            )
        return caller


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    """`scope` (RFC 8693/9068: space separated) or `scp` (a list, as some servers send)."""
    scope, scp = claims.get("scope"), claims.get("scp")
    if isinstance(scope, str):
        return frozenset(scope.split())
    if isinstance(scp, list):
        return frozenset(str(item) for item in scp)
    return frozenset()


def external_tokens(settings: Settings, session_factory: sessionmaker[Session]) -> ExternalTokens | None:
    """The checker the settings ask for, or None when only this server's own tokens count."""
    if not (settings.auth_jwks_url or settings.auth_introspection_url):
        return None
    secret = settings.auth_introspection_client_secret
    client = (
        (settings.auth_introspection_client_id, secret.get_secret_value())
        if settings.auth_introspection_client_id and secret
        else None
    )
    # Certificates are always verified: against the configured CAs when there are any.
    verify = ssl.create_default_context(cafile=settings.ca_bundle) if settings.ca_bundle else True
    return ExternalTokens(
        session_factory,
        http=bounded_client(timeout=_TIMEOUT, verify=verify, headers={"user-agent": USER_AGENT}),
        jwks_url=settings.auth_jwks_url,
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        introspection_url=settings.auth_introspection_url,
        introspection_client=client,
    )
