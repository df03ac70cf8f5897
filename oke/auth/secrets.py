"""Client secrets: generated at random and stored only as scrypt hashes, so a leaked table reveals none."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote_plus

_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_HASH_BYTES = 32


def generate_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """`scrypt$n$r$p$salt$hash` (base64); the parameters travel along so they can be raised later."""
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_HASH_BYTES)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_secret(secret: str, hashed: str) -> bool:
    """Constant-time comparison; a malformed hash verifies nothing."""
    try:
        scheme, n, r, p, salt, expected = hashed.split("$")
        if scheme != "scrypt":
            return False
        salt_bytes = base64.b64decode(salt, validate=True)
        expected_bytes = base64.b64decode(expected, validate=True)
        digest = hashlib.scrypt(
            secret.encode(), salt=salt_bytes, n=int(n), r=int(r), p=int(p), dklen=len(expected_bytes)
        )
    except ValueError:  # bad split, number or base64, parameters scrypt refuses, unencodable secret
        return False
    return hmac.compare_digest(digest, expected_bytes)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def basic_authorization(client_id: str, secret: str) -> str:
    """The `client_secret_basic` header; RFC 6749 §2.3.1: both are form-encoded before they are joined."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")
