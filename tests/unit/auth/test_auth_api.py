from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import quote_plus, urlencode

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from oke.auth import scopes
from oke.auth.api import token_router
from oke.auth.assertions import ASSERTION_TYPE, assertion_claims
from oke.auth.caller import Caller, ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.deps import CallerDep, allow
from oke.auth.jwk import public_jwk
from oke.auth.tokens import TokenIssuer
from oke.errors import Forbidden, OkeError

pytestmark = pytest.mark.anyio

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def client(session_factory: sessionmaker[Session], tokens: TokenIssuer) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.state.session_factory = session_factory
    app.state.tokens = tokens
    app.include_router(token_router())

    @app.exception_handler(OkeError)
    async def problem(_: Request, error: OkeError) -> JSONResponse:  # as the web layer does
        return JSONResponse({"title": error.title, "detail": error.detail}, status_code=error.status)

    @app.get("/flow-2-3-4")
    async def guarded(caller: CallerDep) -> str:
        refused = "a {role} client has no access; a TA client has"
        return allow(caller, {ClientRole.ta}, scopes.FLOW_2_3_4, refused).client_id

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://tp") as http:
        yield http


def _basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"authorization": f"Basic {base64.b64encode(pair).decode()}"} | FORM


async def test_basic_credentials_buy_a_token_with_all_the_clients_scopes(
    client: httpx.AsyncClient, ta_client: tuple[str, str]
) -> None:
    answer = await client.post("/oauth2/token", content="grant_type=client_credentials", headers=_basic(*ta_client))
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == f"{scopes.FLOW_0} {scopes.FLOW_2_3_4}"
    guarded = await client.get("/flow-2-3-4", headers={"authorization": f"Bearer {body['access_token']}"})
    assert guarded.json() == "ta-1"


async def test_credentials_are_form_decoded(client: httpx.AsyncClient, session_factory: sessionmaker[Session]) -> None:
    client_id, secret = "ta:odd id", "a secret with + and % and :"
    with session_factory() as session:
        ClientRegistry(session).add(
            role=ClientRole.ta, tenant="t", scopes=[scopes.FLOW_0], client_id=client_id, secret=secret
        )
        session.commit()
    answer = await client.post(
        "/oauth2/token", content="grant_type=client_credentials", headers=_basic(client_id, secret)
    )
    assert answer.status_code == 200


async def test_a_subset_of_scopes_may_be_asked(client: httpx.AsyncClient, ta_client: tuple[str, str]) -> None:
    answer = await client.post(
        "/oauth2/token", content=f"grant_type=client_credentials&scope={scopes.FLOW_0}", headers=_basic(*ta_client)
    )
    assert answer.json()["scope"] == scopes.FLOW_0
    guarded = await client.get("/flow-2-3-4", headers={"authorization": f"Bearer {answer.json()['access_token']}"})
    assert guarded.status_code == 403
    assert guarded.json()["detail"] == f"needs scope {scopes.FLOW_2_3_4}"


def test_allow_refuses_another_role_before_looking_at_scopes() -> None:
    caller = Caller("dr-1", ClientRole.dr, "roc-a", "dr", frozenset({scopes.FLOW_2_3_4}))
    with pytest.raises(Forbidden) as refused:
        allow(caller, {ClientRole.ta}, scopes.FLOW_2_3_4, "a {role} client has no access; a TA client has")
    assert refused.value.detail == "a dr client has no access; a TA client has"
    assert allow(caller, {ClientRole.dr}, None, "unused") is caller  # None: the scope was checked already


@pytest.mark.parametrize(
    ("body", "authorization", "status", "error"),
    [
        ("grant_type=client_credentials", "wrong secret", 401, "invalid_client"),
        ("grant_type=client_credentials", None, 401, "invalid_client"),
        ("grant_type=client_credentials", "Basic !!!", 401, "invalid_client"),
        ("grant_type=password", "right", 400, "unsupported_grant_type"),
        ("scope=x", "right", 400, "invalid_request"),
        ("grant_type=client_credentials&grant_type=client_credentials", "right", 400, "invalid_request"),
        (f"grant_type=client_credentials&scope={scopes.PLANNING}", "right", 400, "invalid_scope"),
    ],
)
async def test_errors_follow_rfc_6749(
    client: httpx.AsyncClient, ta_client: tuple[str, str], body: str, authorization: str | None, status: int, error: str
) -> None:
    client_id, secret = ta_client
    headers = {
        "right": _basic(client_id, secret),
        "wrong secret": _basic(client_id, secret + "x"),
        "Basic !!!": {"authorization": "Basic !!!"} | FORM,
        None: FORM,
    }[authorization]
    answer = await client.post("/oauth2/token", content=body, headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert answer.headers["cache-control"] == "no-store"
    assert ("www-authenticate" in answer.headers) == (status == 401)


async def test_the_body_must_be_a_form(client: httpx.AsyncClient, ta_client: tuple[str, str]) -> None:
    headers = _basic(*ta_client) | {"content-type": "application/json"}
    answer = await client.post("/oauth2/token", content='{"grant_type": "client_credentials"}', headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize("authorization", [None, "Bearer", "Basic dGEtMTp4", "Bearer not-a-token"])
async def test_guarded_endpoints_need_a_valid_bearer_token(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    assert (await client.get("/flow-2-3-4", headers=headers)).status_code == 401


async def test_the_jwks_is_public_and_names_the_key_of_the_tokens(
    client: httpx.AsyncClient, ta_client: tuple[str, str]
) -> None:
    token = await _token(client, _basic(*ta_client))
    answer = await client.get("/oauth2/jwks")
    assert answer.status_code == 200
    assert [key["kid"] for key in answer.json()["keys"]] == [jwt.get_unverified_header(token)["kid"]]


# private_key_jwt (RFC 7523): a client registered with its public key signs an assertion instead of a secret.

KEY = Ed25519PrivateKey.generate()
AUDIENCE = "https://tp.example.org/oauth2/token"


@pytest.fixture
def key_client(session_factory: sessionmaker[Session]) -> str:
    with session_factory() as session:
        ClientRegistry(session).add(
            role=ClientRole.ta,
            tenant="roc-a",
            scopes=[scopes.FLOW_2_3_4],
            client_id="ta-key",
            jwks={"keys": [public_jwk(KEY.public_key())]},
        )
        session.commit()
    return "ta-key"


def _assertion(client_id: str = "ta-key", key: Any = KEY, **changes: Any) -> str:
    claims = assertion_claims(client_id, AUDIENCE) | changes
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": public_jwk(KEY.public_key())["kid"]})


def _asserting(assertion: str) -> str:
    return urlencode(
        {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion}
    )


async def _token(
    client: httpx.AsyncClient, headers: dict[str, str], body: str = "grant_type=client_credentials"
) -> str:
    answer = await client.post("/oauth2/token", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def test_a_signed_client_assertion_buys_a_token(client: httpx.AsyncClient, key_client: str) -> None:
    token = await _token(client, FORM, _asserting(_assertion()))
    guarded = await client.get("/flow-2-3-4", headers={"authorization": f"Bearer {token}"})
    assert guarded.json() == "ta-key"


async def test_an_assertion_is_spent_once(client: httpx.AsyncClient, key_client: str) -> None:
    assertion = _assertion()
    await _token(client, FORM, _asserting(assertion))
    again = await client.post("/oauth2/token", content=_asserting(assertion), headers=FORM)
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")
    assert "already used" in again.json()["error_description"]


@pytest.mark.parametrize(
    ("assertion", "description"),
    [
        (lambda: _assertion(aud="https://elsewhere.example.org/oauth2/token"), "wrong audience"),
        (lambda: _assertion(exp=int(time.time()) - 60), "token expired"),
        (lambda: _assertion(exp=int(time.time()) + 3600), "lives longer"),
        (lambda: _assertion(iss="ta-1"), "wrong issuer"),
        (lambda: _assertion(key=Ed25519PrivateKey.generate()), "invalid signature"),
        (lambda: _assertion("ta-1"), "without public keys"),
        (lambda: _assertion("nobody"), "unknown client"),
        (lambda: _assertion(jti=None), "jti"),
        (lambda: _assertion(jti="j" * 257), "jti is longer than 256"),  # a key of the spent ones: PostgreSQL's 500
        (lambda: "not-a-jwt", "malformed"),
    ],
)
async def test_a_bad_assertion_is_invalid_client(
    client: httpx.AsyncClient,
    key_client: str,
    ta_client: tuple[str, str],
    assertion: Callable[[], str],
    description: str,
) -> None:
    answer = await client.post("/oauth2/token", content=_asserting(assertion()), headers=FORM)
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
    assert description in answer.json()["error_description"]
    assert "www-authenticate" in answer.headers


async def test_one_authentication_method_at_a_time(
    client: httpx.AsyncClient, key_client: str, ta_client: tuple[str, str]
) -> None:
    both = await client.post("/oauth2/token", content=_asserting(_assertion()), headers=_basic(*ta_client))
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")
    wrong_type = _asserting(_assertion()).replace("jwt-bearer", "saml2-bearer")
    answer = await client.post("/oauth2/token", content=wrong_type, headers=FORM)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_request")


async def test_a_client_with_a_key_has_no_secret_to_guess(client: httpx.AsyncClient, key_client: str) -> None:
    for secret in ("", "x" * 16):
        answer = await client.post(
            "/oauth2/token", content="grant_type=client_credentials", headers=_basic(key_client, secret)
        )
        assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")
