"""Self-contained Bearer tokens: Ed25519-signed JWTs, verified without a database round trip."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oke.auth.caller import Caller, ClientRole
from oke.errors import Unauthorized
from oke.store.tables.auth import SigningKey

ALGORITHM = "EdDSA"
#: A token naming an unknown key reloads the keys (another process may have made it) at most this often.
RELOAD_SECONDS = 30.0
_REQUIRED = ["iss", "aud", "sub", "iat", "exp", "jti", "scope", "role", "tenant", "peer"]
_FAILURES: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidSignatureError, "invalid signature"),
    (jwt.InvalidAlgorithmError, "unsupported algorithm"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.ImmatureSignatureError, "token issued in the future"),
]

VERIFIED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class _Keys:
    """One consistent snapshot of the non-retired keys; replaced whole, never changed."""

    signing_kid: str
    signing_key: Ed25519PrivateKey
    public: dict[str, Ed25519PublicKey]
    loaded_at: float


class TokenIssuer:
    """Issues and verifies this server's access tokens; `aud` is the issuer itself."""

    def __init__(self, session_factory: sessionmaker[Session], *, issuer: str, ttl_seconds: int) -> None:
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._keys: _Keys | None = None
        #: Tokens already verified, with their expiry and the key snapshot that verified them: a
        #: peer reuses one token for many calls, and a signature check costs more than the rest of a call.
        self._verified: dict[str, tuple[Caller, float, _Keys]] = {}

    def issue(self, caller: Caller, scopes: frozenset[str]) -> tuple[str, int]:
        """A token for `caller` and its lifetime; `scopes` must already be checked against the client's."""
        keys = self._current()
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.issuer,
            "sub": caller.client_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": secrets.token_urlsafe(16),
            "scope": " ".join(sorted(scopes)),
            "role": caller.role.value,
            "tenant": caller.tenant,
            "peer": caller.peer,
        }
        token = jwt.encode(claims, keys.signing_key, algorithm=ALGORITHM, headers={"kid": keys.signing_kid})
        return token, self.ttl_seconds

    def verify(self, token: str) -> Caller:
        """The caller a valid token names; `Unauthorized` saying what is wrong otherwise."""
        known = self._verified.get(token)
        if known is not None and known[1] > time.time() and known[2] is self._keys:
            return known[0]
        caller, expires = self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        assert self._keys is not None
        self._verified[token] = (caller, expires, self._keys)
        return caller

    def _verify(self, token: str) -> tuple[Caller, float]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError:
            raise Unauthorized("malformed token") from None
        key = self._public_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise Unauthorized("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=self.issuer,
                options={"require": _REQUIRED},
            )
        except jwt.InvalidTokenError as error:
            raise Unauthorized(_reason(error)) from None
        return _caller(claims), float(claims["exp"])

    def _public_key(self, kid: str) -> Ed25519PublicKey | None:
        keys = self._current()
        if kid not in keys.public and time.monotonic() - keys.loaded_at >= RELOAD_SECONDS:
            keys = self._current(stale=keys)
        return keys.public.get(kid)

    def _current(self, *, stale: _Keys | None = None) -> _Keys:
        """The cached keys, loaded on first use or when they are still `stale`."""
        keys = self._keys
        if keys is not None and keys is not stale:
            return keys
        with self._lock:
            if self._keys is None or self._keys is stale:
                self._keys = self._load()
            return self._keys

    def _load(self) -> _Keys:
        """The non-retired keys; the newest signs. The first load makes a key if there is none."""
        with self._session_factory() as session, session.begin():
            rows = list(
                session.scalars(
                    select(SigningKey)
                    .where(SigningKey.retired_at.is_(None), SigningKey.algorithm == ALGORITHM)
                    .order_by(SigningKey.created_at, SigningKey.kid)
                )
            )
            if not rows:
                rows.append(_new_key())
                session.add(rows[0])
            private = {row.kid: _private_key(row.private_pem) for row in rows}
            newest = rows[-1].kid
        return _Keys(
            signing_kid=newest,
            signing_key=private[newest],
            public={kid: key.public_key() for kid, key in private.items()},
            loaded_at=time.monotonic(),
        )


def _new_key() -> SigningKey:
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return SigningKey(kid=secrets.token_urlsafe(12), algorithm=ALGORITHM, private_pem=pem.decode("ascii"))


def _private_key(pem: str) -> Ed25519PrivateKey:
    key = load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("signing key is not Ed25519")
    return key


def _reason(error: jwt.InvalidTokenError) -> str:
    for kind, reason in _FAILURES:
        if isinstance(error, kind):
            return reason
    return f"invalid token: {error}"


def _caller(claims: dict[str, Any]) -> Caller:
    try:
        return Caller(
            client_id=str(claims["sub"]),
            role=ClientRole(claims["role"]),
            tenant=str(claims["tenant"]),
            peer=str(claims["peer"]),
            scopes=frozenset(str(claims["scope"]).split()),
        )
    except ValueError:
        raise Unauthorized("invalid token: unknown role") from None
