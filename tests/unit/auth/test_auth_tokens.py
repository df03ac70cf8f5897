from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oke.auth import scopes
from oke.auth.caller import Caller, ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.tokens import CLIENT_RECHECK_SECONDS, TokenIssuer, list_keys, prune_keys, rotate_key
from oke.errors import Unauthorized
from oke.store.base import utcnow
from oke.store.tables.auth import SigningKey
from tests.api_client import claims_now

CALLER = Caller(
    client_id="ta-1",
    role=ClientRole.ta,
    tenant="roc-a",
    peer="ta-vendor",
    scopes=frozenset({scopes.FLOW_0, scopes.FLOW_2_3_4}),
)


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "https://tp.example.org",
        "aud": "https://tp.example.org",
        "sub": "ta-1",
        "iat": now,
        "exp": now + 60,
        "jti": "j",
        "scope": scopes.FLOW_0,
        "role": "ta",
        "tenant": "roc-a",
        "peer": "ta-1",
    }
    return claims | changes


def _stored_key(session_factory: sessionmaker[Session]) -> tuple[str, Any]:
    with session_factory() as session:
        row = session.scalars(select(SigningKey)).one()
        return row.kid, load_pem_private_key(row.private_pem.encode(), password=None)


def test_a_token_names_its_caller_and_granted_scopes(tokens: TokenIssuer) -> None:
    token, expires_in = tokens.issue(CALLER, frozenset({scopes.FLOW_0}))
    assert expires_in == 300
    assert tokens.verify(token) == Caller(
        client_id="ta-1", role=ClientRole.ta, tenant="roc-a", peer="ta-vendor", scopes=frozenset({scopes.FLOW_0})
    )
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"


def test_the_key_is_made_once_and_shared_through_the_database(
    tokens: TokenIssuer, session_factory: sessionmaker[Session]
) -> None:
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    other_process = TokenIssuer(session_factory, issuer=tokens.issuer, ttl_seconds=300)
    assert other_process.verify(token).client_id == "ta-1"
    with session_factory() as session:
        assert len(session.scalars(select(SigningKey)).all()) == 1


def test_verification_needs_no_database_once_keys_and_the_client_are_cached(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tokens.verify(tokens.issue(CALLER, CALLER.scopes)[0]).client_id == "ta-1"
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    monkeypatch.setattr(tokens, "_session_factory", None)
    assert tokens.verify(token).client_id == "ta-1"


@pytest.mark.parametrize("how", ["removed", "disabled"])
def test_a_token_of_a_client_removed_or_disabled_since_is_refused_within_the_recheck(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Found in an operator's drill: a removed client's token was taken until it expired, an hour later."""
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    assert tokens.verify(token).client_id == "ta-1"
    with session_factory() as session:
        if how == "removed":
            ClientRegistry(session).remove("ta-1")
        else:
            client = ClientRegistry(session).get("ta-1")
            assert client is not None
            client.disabled = True
        session.commit()
    assert tokens.verify(token).client_id == "ta-1"  # still trusted for a while: no query per call

    later = time.monotonic() + CLIENT_RECHECK_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)

    with pytest.raises(Unauthorized, match="client 'ta-1' is removed or disabled"):
        tokens.verify(token)


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"exp": int(time.time()) - 10}, "token expired"),
        ({"iss": "https://elsewhere.example.org"}, "wrong issuer"),
        ({"aud": "https://elsewhere.example.org"}, "wrong audience"),
    ],
)
def test_bad_claims_are_refused(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], changes: dict[str, Any], detail: str
) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    kid, key = _stored_key(session_factory)
    token = jwt.encode(_claims(**changes), key, algorithm="EdDSA", headers={"kid": kid})
    with pytest.raises(Unauthorized, match=detail):
        tokens.verify(token)


def test_a_missing_claim_is_refused(tokens: TokenIssuer, session_factory: sessionmaker[Session]) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    kid, key = _stored_key(session_factory)
    claims = _claims()
    del claims["tenant"]
    with pytest.raises(Unauthorized, match="tenant"):
        tokens.verify(jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid}))


def test_another_issuers_token_is_refused(tokens: TokenIssuer, session_factory: sessionmaker[Session]) -> None:
    token, _ = TokenIssuer(session_factory, issuer="https://ta.example.org", ttl_seconds=60).issue(
        CALLER, CALLER.scopes
    )
    with pytest.raises(Unauthorized, match="wrong issuer|wrong audience"):
        tokens.verify(token)


def test_a_tampered_signature_is_refused(tokens: TokenIssuer) -> None:
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    head, body, signature = token.split(".")
    forged = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    with pytest.raises(Unauthorized, match="invalid signature"):
        tokens.verify(f"{head}.{body}.{forged}")


def test_a_tampered_payload_is_refused(tokens: TokenIssuer) -> None:
    token, _ = tokens.issue(CALLER, frozenset({scopes.FLOW_0}))
    head, _, signature = token.split(".")
    body = jwt.utils.base64url_encode(jwt.utils.force_bytes('{"scope": "oke-planning"}')).decode()
    with pytest.raises(Unauthorized, match="invalid signature"):
        tokens.verify(f"{head}.{body}.{signature}")


def test_a_key_of_someone_else_is_refused(tokens: TokenIssuer) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    token = jwt.encode(_claims(), Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "stranger"})
    with pytest.raises(Unauthorized, match="unknown signing key"):
        tokens.verify(token)


def test_a_token_another_server_issued_is_named_as_such(tokens: TokenIssuer) -> None:
    """A vendor who sends TA's token to TP learns whose token it is, not only that the key is unknown."""
    tokens.issue(CALLER, CALLER.scopes)
    claims = _claims(iss="https://ta.example.org", aud="https://ta.example.org")
    token = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "ta-key"})
    with pytest.raises(Unauthorized, match="the token is 'https://ta.example.org'.s, not this server's"):
        tokens.verify(token)


def test_an_unsigned_token_is_refused(tokens: TokenIssuer, session_factory: sessionmaker[Session]) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    kid, _ = _stored_key(session_factory)
    token = jwt.encode(_claims(), None, algorithm="none", headers={"kid": kid})
    with pytest.raises(Unauthorized, match="unsupported algorithm"):
        tokens.verify(token)


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c"])
def test_garbage_is_refused(tokens: TokenIssuer, token: str) -> None:
    with pytest.raises(Unauthorized, match="malformed token"):
        tokens.verify(token)


def test_a_retired_key_verifies_nothing_and_a_new_one_signs(
    tokens: TokenIssuer, session_factory: sessionmaker[Session]
) -> None:
    old, _ = tokens.issue(CALLER, CALLER.scopes)
    with session_factory() as session:
        session.scalars(select(SigningKey)).one().retired_at = utcnow()
        session.commit()
    fresh = TokenIssuer(session_factory, issuer=tokens.issuer, ttl_seconds=60)
    with pytest.raises(Unauthorized, match="unknown signing key"):
        fresh.verify(old)
    new, _ = fresh.issue(CALLER, CALLER.scopes)
    assert jwt.get_unverified_header(new)["kid"] != jwt.get_unverified_header(old)["kid"]


def test_a_key_made_elsewhere_is_found_by_reloading(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens.verify(tokens.issue(CALLER, CALLER.scopes)[0])
    with session_factory() as session:
        session.scalars(select(SigningKey)).one().retired_at = utcnow()
        session.commit()
    elsewhere, _ = TokenIssuer(session_factory, issuer=tokens.issuer, ttl_seconds=60).issue(CALLER, CALLER.scopes)
    with pytest.raises(Unauthorized, match="unknown signing key"):
        tokens.verify(elsewhere)  # reloaded too recently
    monkeypatch.setattr("oke.auth.tokens.RELOAD_SECONDS", 0.0)
    assert tokens.verify(elsewhere).client_id == "ta-1"


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"nbf": timedelta(minutes=2)}, "not valid yet"),
        ({"iat": timedelta(minutes=2)}, "not valid yet"),
    ],
)
def test_a_token_not_valid_yet_is_refused(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], changes: dict[str, Any], detail: str
) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    kid, key = _stored_key(session_factory)
    with pytest.raises(Unauthorized, match=detail):
        tokens.verify(jwt.encode(_claims(**claims_now(changes)), key, algorithm="EdDSA", headers={"kid": kid}))


def test_an_hmac_token_keyed_with_the_public_key_is_refused(
    tokens: TokenIssuer, session_factory: sessionmaker[Session]
) -> None:
    """Algorithm confusion: the public key (published in the JWKS) used as an HMAC secret."""
    tokens.issue(CALLER, CALLER.scopes)
    kid, key = _stored_key(session_factory)
    public = jwt.utils.base64url_decode(tokens.jwks()["keys"][0]["x"])
    header = jwt.utils.base64url_encode(f'{{"alg":"HS256","typ":"JWT","kid":"{kid}"}}'.encode())
    body = jwt.utils.base64url_encode(json.dumps(_claims()).encode())
    signature = jwt.utils.base64url_encode(hmac.new(public, header + b"." + body, hashlib.sha256).digest())
    with pytest.raises(Unauthorized, match="unsupported algorithm"):
        tokens.verify(b".".join([header, body, signature]).decode())


def test_a_token_without_a_key_id_is_refused(tokens: TokenIssuer, session_factory: sessionmaker[Session]) -> None:
    tokens.issue(CALLER, CALLER.scopes)
    _, key = _stored_key(session_factory)
    with pytest.raises(Unauthorized, match="unknown signing key"):
        tokens.verify(jwt.encode(_claims(), key, algorithm="EdDSA"))


def test_the_jwks_verifies_the_tokens(tokens: TokenIssuer) -> None:
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    (jwk,) = tokens.jwks()["keys"]
    assert jwk.keys() == {"kty", "crv", "x", "kid", "use", "alg"}  # no private part
    assert jwk["kid"] == jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["EdDSA"], audience=tokens.issuer)
    assert claims["sub"] == "ta-1"


def test_after_rotation_the_new_key_signs_and_the_old_one_verifies_until_its_tokens_expired(
    tokens: TokenIssuer, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tokens.issue(CALLER, CALLER.scopes)[0]
    assert tokens.verify(old).client_id == "ta-1"
    with session_factory() as session:
        rotate_key(session, ttl_seconds=tokens.ttl_seconds)
        session.commit()
    monkeypatch.setattr("oke.auth.tokens.RELOAD_SECONDS", 0.0)  # as a running server does after a while
    new = tokens.issue(CALLER, CALLER.scopes)[0]
    old_kid, new_kid = (jwt.get_unverified_header(t)["kid"] for t in (old, new))
    assert old_kid != new_kid
    assert [key["kid"] for key in tokens.jwks()["keys"]] == [new_kid, old_kid]
    assert tokens.cached(old) is not None  # the hot path survives the reload
    assert TokenIssuer(session_factory, issuer=tokens.issuer, ttl_seconds=300).verify(old).client_id == "ta-1"
    with session_factory() as session:
        assert prune_keys(session) == []
        assert [key.kid for key in list_keys(session) if key.verifies_until is None] == [new_kid]


def test_a_replaced_key_past_its_last_token_verifies_nothing_and_is_pruned(
    tokens: TokenIssuer, session_factory: sessionmaker[Session]
) -> None:
    old = tokens.issue(CALLER, CALLER.scopes)[0]
    with session_factory() as session:
        rotate_key(session, ttl_seconds=tokens.ttl_seconds)
        for key in list_keys(session):
            if key.verifies_until is not None:
                key.verifies_until = utcnow() - timedelta(seconds=1)
        session.commit()
    fresh = TokenIssuer(session_factory, issuer=tokens.issuer, ttl_seconds=300)
    with pytest.raises(Unauthorized, match="unknown signing key"):
        fresh.verify(old)
    with session_factory() as session:
        assert prune_keys(session) == [jwt.get_unverified_header(old)["kid"]]
        session.commit()
        assert len(list_keys(session)) == 1


def test_the_hot_path_skips_the_signature_check(tokens: TokenIssuer, monkeypatch: pytest.MonkeyPatch) -> None:
    """A token verified before is found in the cache: no header read, no signature checked. (Not timed: a loaded
    machine makes the hot path slow, not wrong.)"""
    token, _ = tokens.issue(CALLER, CALLER.scopes)
    caller = tokens.verify(token)
    monkeypatch.setattr(tokens, "_verify", None)  # anything past the cache fails
    assert [tokens.verify(token) for _ in range(1000)] == [caller] * 1000
