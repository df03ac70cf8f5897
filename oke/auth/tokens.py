"""Self-contained Bearer tokens: Ed25519-signed JWTs, verified without a database round trip.

Keys rotate (`oke keys rotate`): the newest key signs, every token names its key (`kid`), a replaced key
verifies until the last token it signed has expired, and the public keys are published as a JWKS.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from oke.auth.caller import Caller, ClientRole
from oke.auth.jwk import new_private_pem, public_jwk
from oke.errors import Unauthorized
from oke.store.base import utcnow
from oke.store.tables.auth import OAuthClient, SigningKey

if TYPE_CHECKING:
    from oke.auth.external import ExternalTokens

ALGORITHM = "EdDSA"
#: A token naming an unknown key reloads the keys (another process may have made it) at most this often;
#: issuing reloads them when they are older, so that a key rotated by `oke keys rotate` signs within this time.
RELOAD_SECONDS = 30.0
_REQUIRED = ["iss", "aud", "sub", "iat", "exp", "jti", "scope", "role", "tenant", "peer"]
_FAILURES: list[tuple[type[jwt.InvalidTokenError], str]] = [
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidSignatureError, "invalid signature"),
    (jwt.InvalidAlgorithmError, "unsupported algorithm"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.ImmatureSignatureError, "token not valid yet"),
]

VERIFIED_CACHE_SIZE = 10_000
#: How long a server trusts that a token's client is still registered and enabled: a client removed or disabled
#: (`oke clients remove`) is refused within this time, not only once its tokens expire (an hour by default).
CLIENT_RECHECK_SECONDS = 30.0


@dataclass(frozen=True)
class _Keys:
    """One consistent snapshot of the non-retired keys; replaced whole, never changed."""

    signing_kid: str
    signing_key: Ed25519PrivateKey
    #: kid: the public key and the moment (epoch seconds) it stops verifying; infinite while it signs.
    public: dict[str, tuple[Ed25519PublicKey, float]]
    loaded_at: float


class TokenIssuer:
    """Issues and verifies this server's access tokens; `aud` is the issuer itself."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        issuer: str,
        ttl_seconds: int,
        external: ExternalTokens | None = None,
    ) -> None:
        self.issuer = issuer
        self.ttl_seconds = ttl_seconds
        #: Where tokens of an external authorization server are checked (`auth_jwks_url`, introspection).
        self.external = external
        self._session_factory = session_factory
        self._lock = threading.Lock()
        self._keys: _Keys | None = None
        #: Tokens already verified, with their expiry and the key that verified them (None: an external
        #: token): a peer reuses one token for many calls, and a signature check costs more than the rest
        #: of a call. An entry counts only while its key is still loaded, so a retired key revokes.
        self._verified: dict[str, tuple[Caller, float, str | None]] = {}
        #: Whether each client that presented a token is registered and enabled, and when that was looked up.
        self._enabled: dict[str, tuple[bool, float]] = {}

    @property
    def token_url(self) -> str:
        """The token endpoint: the audience of client assertions (RFC 7523)."""
        return self.issuer.rstrip("/") + "/oauth2/token"

    def issue(self, caller: Caller, scopes: frozenset[str]) -> tuple[str, int]:
        """A token for `caller` and its lifetime; `scopes` must already be checked against the client's."""
        keys = self._current(max_age=RELOAD_SECONDS)
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

    def cached(self, token: str) -> Caller | None:
        """The caller of a token verified before and not expired since: the hot path, no signature check."""
        known = self._verified.get(token)
        keys = self._keys
        if known is None or known[1] <= time.time():
            return None
        if known[2] is not None and (keys is None or known[2] not in keys.public):
            return None
        self._require_enabled(known[0].client_id)
        return known[0]

    def verify(self, token: str) -> Caller:
        """The caller a valid token names; `Unauthorized` saying what is wrong otherwise.

        Blocking when an external authorization server must be asked (JWKS, introspection).
        """
        known = self.cached(token)
        if known is not None:
            return known
        caller, expires, kid = self._verify(token)
        self._require_enabled(caller.client_id)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (caller, expires, kid)
        return caller

    def _require_enabled(self, client_id: str) -> None:
        """`Unauthorized` for a token of a client removed or disabled since it was issued: looked up at most every
        `CLIENT_RECHECK_SECONDS` per client (one primary-key read), so the hot path stays without a query."""
        now = time.monotonic()
        known = self._enabled.get(client_id)
        if known is None or now - known[1] > CLIENT_RECHECK_SECONDS:
            with self._session_factory() as session:
                client = session.get(OAuthClient, client_id)
            known = self._enabled[client_id] = (client is not None and not client.disabled, now)
        if not known[0]:
            raise Unauthorized(f"client {client_id[:100]!r} is removed or disabled")

    def jwks(self) -> dict[str, Any]:
        """The public keys that verify this server's tokens (RFC 7517 JWK Set), the signing key first."""
        keys = self._current(max_age=RELOAD_SECONDS)
        kids = [keys.signing_kid] + sorted(kid for kid in keys.public if kid != keys.signing_kid)
        return {"keys": [public_jwk(keys.public[kid][0], kid) for kid in kids]}

    def _verify(self, token: str) -> tuple[Caller, float, str | None]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.InvalidTokenError:
            if self.external is not None:  # an opaque token, for introspection
                return *self.external.verify(token), None
            raise Unauthorized("malformed token") from None
        if self.external is not None and issuer != self.issuer:
            return *self.external.verify(token), None
        key = self._public_key(kid) if isinstance(kid, str) else None
        if key is None and isinstance(issuer, str) and issuer != self.issuer:  # most likely a peer's token
            raise Unauthorized(
                f"unknown signing key: the token is {issuer[:100]!r}'s, not this server's ({self.issuer})"
            )
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
            raise Unauthorized(reason(error)) from None
        assert isinstance(kid, str)
        return _caller(claims), float(claims["exp"]), kid

    def _public_key(self, kid: str) -> Ed25519PublicKey | None:
        keys = self._current()
        if kid not in keys.public and time.monotonic() - keys.loaded_at >= RELOAD_SECONDS:
            keys = self._current(stale=keys)
        known = keys.public.get(kid)
        return known[0] if known is not None and time.time() < known[1] else None

    def _current(self, *, stale: _Keys | None = None, max_age: float = math.inf) -> _Keys:
        """The cached keys, loaded on first use, when they are still `stale` or older than `max_age`."""
        keys = self._keys
        if keys is not None and keys is not stale and time.monotonic() - keys.loaded_at < max_age:
            return keys
        with self._lock:
            if self._keys is keys or self._keys is None:
                self._keys = self._load()
            return self._keys

    def _load(self) -> _Keys:
        """The keys that still verify; the newest not replaced signs. A key is made if none signs."""
        with self._session_factory() as session, session.begin():
            rows = list(session.scalars(_verifying(select(SigningKey)).order_by(SigningKey.created_at, SigningKey.kid)))
            signing = [row for row in rows if row.verifies_until is None]
            if not signing:
                signing.append(_new_key())
                rows.append(signing[0])
                session.add(signing[0])
            private = {row.kid: _private_key(row.private_pem) for row in rows}
            until = {row.kid: row.verifies_until.timestamp() if row.verifies_until else math.inf for row in rows}
            newest = signing[-1].kid
        return _Keys(
            signing_kid=newest,
            signing_key=private[newest],
            public={kid: (key.public_key(), until[kid]) for kid, key in private.items()},
            loaded_at=time.monotonic(),
        )


def rotate_key(session: Session, *, ttl_seconds: int) -> SigningKey:
    """Make a new key the signing one, in the caller's transaction; the keys it replaces verify until every
    token they may still sign (running servers pick the new key up within `RELOAD_SECONDS`) has expired."""
    prune_keys(session)
    until = utcnow() + timedelta(seconds=ttl_seconds + RELOAD_SECONDS)
    for row in session.scalars(_verifying(select(SigningKey)).where(SigningKey.verifies_until.is_(None))):
        row.verifies_until = until
    key = _new_key()
    session.add(key)
    session.flush()
    return key


def list_keys(session: Session) -> Sequence[SigningKey]:
    """Every stored key, the oldest first."""
    return session.scalars(select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid)).all()


def prune_keys(session: Session) -> list[str]:
    """Delete the keys that verify nothing any more (retired, or replaced and past their last token)."""
    dead = session.scalars(select(SigningKey.kid).where(~_still_verifies())).all()
    if dead:
        session.execute(delete(SigningKey).where(SigningKey.kid.in_(dead)))
    return list(dead)


def _still_verifies() -> Any:
    return (
        SigningKey.retired_at.is_(None)
        & (SigningKey.algorithm == ALGORITHM)
        & or_(SigningKey.verifies_until.is_(None), SigningKey.verifies_until > utcnow())
    )


def _verifying(query: Any) -> Any:
    return query.where(_still_verifies())


def _new_key() -> SigningKey:
    return SigningKey(kid=secrets.token_urlsafe(12), algorithm=ALGORITHM, private_pem=new_private_pem())


def _private_key(pem: str) -> Ed25519PrivateKey:
    key = load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("signing key is not Ed25519")
    return key


def reason(error: jwt.InvalidTokenError) -> str:
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
