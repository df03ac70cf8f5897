"""`private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9): a client proves who it
is with a short-lived JWT signed by its own private key, so no shared secret exists to leak."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from oke import USER_AGENT
from oke.auth.caller import Caller
from oke.auth.clients import ClientRegistry, caller_of
from oke.auth.jwk import JwksCache, PublicKey, algorithms_for, parse_jwks
from oke.auth.tokens import reason
from oke.bounded_http import bounded_client
from oke.errors import Unauthorized
from oke.store.base import utcnow
from oke.store.tables.auth import MAX_JTI, OAuthClient, UsedAssertion

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: An assertion may live this long at most: its `jti` is remembered until it expires.
MAX_LIFETIME_SECONDS = 600
LEEWAY_SECONDS = 30


class ClientAssertions:
    """Checks client assertions for one token endpoint; keeps the keys of clients that publish them."""

    def __init__(self, http: httpx.Client | None = None) -> None:
        self._http = http
        self._lock = threading.Lock()
        self._caches: dict[str, JwksCache] = {}

    def authenticate(self, session: Session, assertion: str, *, audiences: list[str]) -> Caller:
        """The client the assertion proves, its `jti` spent in `session` (the caller commits); `Unauthorized`."""
        try:
            claimed = jwt.decode(assertion, options={"verify_signature": False})
            kid = jwt.get_unverified_header(assertion).get("kid")
        except jwt.InvalidTokenError:
            raise Unauthorized("malformed client assertion") from None
        client_id = claimed.get("sub")
        client = ClientRegistry(session).get(client_id) if isinstance(client_id, str) else None
        if client is None or client.disabled or not (client.jwks or client.jwks_url):
            raise Unauthorized("unknown client, or one without public keys")
        key = self._key(client, kid if isinstance(kid, str) else None)
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=algorithms_for(key),
                audience=audiences,
                issuer=client.client_id,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "jti"]},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized(f"client assertion: {reason(error)}") from None
        expires = float(claims["exp"])
        if expires > time.time() + MAX_LIFETIME_SECONDS:
            raise Unauthorized(f"client assertion: lives longer than {MAX_LIFETIME_SECONDS} s")
        _spend(session, client.client_id, str(claims["jti"]), expires)
        return caller_of(client)

    def _key(self, client: OAuthClient, kid: str | None) -> PublicKey:
        if client.jwks_url:
            return self._cache(client.jwks_url).key(kid)
        keys = parse_jwks(json.loads(client.jwks or "{}"))
        key = keys.get(kid) if kid else next(iter(keys.values())) if len(keys) == 1 else None
        if key is None:
            raise Unauthorized("client assertion: unknown signing key")
        return key

    def _cache(self, url: str) -> JwksCache:
        with self._lock:
            if url not in self._caches:
                if self._http is None:
                    timeout = httpx.Timeout(10.0, connect=5.0)
                    self._http = bounded_client(timeout=timeout, headers={"user-agent": USER_AGENT})
                self._caches[url] = JwksCache(self._http, url)
            return self._caches[url]


def _spend(session: Session, client_id: str, jti: str, expires: float) -> None:
    """Record the assertion's `jti`, refusing one seen before or too long to remember; forget those that expired."""
    if len(jti) > MAX_JTI:
        raise Unauthorized(f"client assertion: jti is longer than {MAX_JTI} characters")
    session.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < utcnow()))
    try:
        with session.begin_nested():
            until = datetime.fromtimestamp(expires + LEEWAY_SECONDS, UTC)
            session.add(UsedAssertion(client_id=client_id, jti=jti, expires_at=until))
    except IntegrityError:
        raise Unauthorized("client assertion: already used (jti)") from None


def assertion_claims(client_id: str, audience: str, lifetime_seconds: int = 60) -> dict[str, Any]:
    """The claims of a client assertion `client_id` makes for the token endpoint `audience`."""
    now = int(time.time())
    return {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": secrets.token_urlsafe(16),
    }
