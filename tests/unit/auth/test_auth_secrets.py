from __future__ import annotations

import pytest

from oke.auth.secrets import generate_secret, hash_secret, verify_secret


def test_a_hash_verifies_its_secret_only() -> None:
    secret = generate_secret()
    hashed = hash_secret(secret)
    assert hashed.startswith("scrypt$16384$8$1$")
    assert secret not in hashed
    assert verify_secret(secret, hashed)
    assert not verify_secret(secret + "x", hashed)


def test_hashes_are_salted() -> None:
    assert hash_secret("same secret") != hash_secret("same secret")


def test_generated_secrets_are_long_and_distinct() -> None:
    assert len(generate_secret()) >= 43
    assert generate_secret() != generate_secret()


@pytest.mark.parametrize(
    "hashed",
    [
        "",
        "plain",
        "bcrypt$16384$8$1$c2FsdA==$aGFzaA==",
        "scrypt$16384$8$1$c2FsdA==",
        "scrypt$x$8$1$c2FsdA==$aGFzaA==",
        "scrypt$1000$8$1$c2FsdA==$aGFzaA==",
        "scrypt$16384$8$1$not base64!$aGFzaA==",
        "scrypt$16384$8$1$c2FsdA==$",
        "scrypt$1073741824$8$1$c2FsdA==$aGFzaA==",
    ],
)
def test_a_malformed_hash_verifies_nothing(hashed: str) -> None:
    assert not verify_secret("secret", hashed)
