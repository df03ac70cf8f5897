"""JSON Web Keys: publishing public keys, naming them by thumbprint, pinning each key to its algorithms,
and a cached JWKS fetched from a URL (an external authorization server, a client's `jwks_uri`)."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, SECP384R1, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from oke.bounded_http import TooLarge, read_within
from oke.errors import Unauthorized

logger = logging.getLogger(__name__)
#: A call to a key set or an authorization server (the token checks wait on it), its answer read whole within it
#: (`oke.bounded_http`): a server that trickles its answer holds a check no longer.
FETCH_SECONDS = 30.0
#: The most bytes of such an answer: a key set of a few keys, an introspection, is some KB.
KEYS_MAX_BYTES = 64 * 1024

PublicKey = Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey
#: RSA keys sign with either padding; never an HMAC or `none`: a public key is never taken for a shared secret.
_RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
_EC = {SECP256R1.name: "ES256", SECP384R1.name: "ES384"}
#: The members of each key type that its RFC 7638 thumbprint covers.
_THUMBPRINT = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


def algorithms_for(key: PublicKey) -> list[str]:
    """The only algorithms a token signed with `key` may name (no algorithm confusion)."""
    if isinstance(key, Ed25519PublicKey):
        return ["EdDSA"]
    if isinstance(key, EllipticCurvePublicKey) and key.curve.name in _EC:
        return [_EC[key.curve.name]]
    if isinstance(key, RSAPublicKey) and key.key_size >= 2048:
        return list(_RSA)
    raise ValueError("unsupported key: use Ed25519, EC P-256/P-384 or RSA of 2048 bits or more")


def public_jwk(key: PublicKey, kid: str | None = None) -> dict[str, Any]:
    """The JWK of `key` with its `kid` (its thumbprint when none is given), `use` and `alg`."""
    if isinstance(key, Ed25519PublicKey):
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(key, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
    alg = algorithms_for(key)[0]
    return jwk | {"kid": kid or thumbprint(jwk), "use": "sig", "alg": alg}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: a key's name that both sides compute alike, so that no `kid` needs to be agreed."""
    members = {name: jwk[name] for name in _THUMBPRINT[jwk["kty"]]}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def parse_jwks(document: Any) -> dict[str, PublicKey]:
    """The signing keys of a JWKS by `kid`; keys without one are named by thumbprint, others are skipped."""
    keys: dict[str, PublicKey] = {}
    for jwk in document.get("keys", []) if isinstance(document, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig" or jwk.get("kty") not in _THUMBPRINT:
            continue
        try:
            key = jwt.PyJWK(jwk).key
            algorithms_for(key)
        except (jwt.PyJWKError, ValueError, TypeError, KeyError):
            continue
        keys[str(jwk.get("kid") or thumbprint(jwk))] = key
    return keys


def load_public_pem(pem: bytes) -> dict[str, Any]:
    """A JWKS holding the PEM public key of a client (`oke clients add --public-key`)."""
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey):
        raise ValueError("unsupported key type")
    return {"keys": [public_jwk(key)]}


def load_private_pem(pem: str) -> tuple[Any, str, str]:
    """A private key in PEM, with its `kid` (the thumbprint of its public key) and the algorithm it signs with."""
    key = load_pem_private_key(pem.encode("ascii"), password=None)
    public = key.public_key()
    if not isinstance(public, Ed25519PublicKey | EllipticCurvePublicKey | RSAPublicKey):
        raise ValueError("unsupported key type")
    jwk = public_jwk(public)
    return key, jwk["kid"], jwk["alg"]


def new_private_pem() -> str:
    """A new Ed25519 private key in PEM (PKCS #8)."""
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return pem.decode("ascii")


class JwksCache:
    """The keys published at a JWKS URL, kept for `ttl_seconds`; a `kid` not among them refetches the set,
    but at most once per `min_interval_seconds`, so tokens with made-up key ids cannot hammer the URL."""

    def __init__(
        self,
        http: httpx.Client,
        url: str,
        *,
        ttl_seconds: float = 3600,
        min_interval_seconds: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._ttl = ttl_seconds
        self._min_interval = min_interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None

    def key(self, kid: str | None) -> PublicKey:
        """The key named `kid` (or the only key, when the token names none); `Unauthorized` when unknown."""
        with self._lock:
            now = self._clock()
            stale = self._fetched_at is None or now - self._fetched_at >= self._ttl
            unknown = kid not in self._keys if kid else len(self._keys) != 1
            may_refetch = self._fetched_at is None or now - self._fetched_at >= self._min_interval
            if stale or (unknown and may_refetch):
                self._fetch(now)
            if kid is None:
                if len(self._keys) != 1:
                    raise Unauthorized("the token names no key (kid)")
                return next(iter(self._keys.values()))
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        return key

    def _fetch(self, now: float) -> None:
        self._fetched_at = now
        request = self._http.build_request("GET", self.url, headers={"accept": "application/json"})
        try:
            response = read_within(self._http, request, FETCH_SECONDS, KEYS_MAX_BYTES, errors_cut_at=KEYS_MAX_BYTES)
            response.raise_for_status()
            self._keys = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError, TooLarge) as error:
            logger.warning("keys at %s could not be fetched: %s", self.url, type(error).__name__)
            if not self._keys:
                raise Unauthorized("the signing keys cannot be fetched") from None
