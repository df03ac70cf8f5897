"""Tokens of an external authorization server, served by a tiny fake AS on loopback (real HTTP): its JWKS
and its RFC 7662 introspection endpoint. The token's client must be registered here (role, tenant)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from oke import __version__
from oke.auth import jwk, scopes
from oke.auth.assertions import ClientAssertions
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.deps import CallerDep
from oke.auth.external import ExternalTokens, external_tokens
from oke.auth.jwk import public_jwk
from oke.auth.secrets import basic_authorization
from oke.auth.tokens import TokenIssuer
from oke.bounded_http import bounded_client
from oke.config import Settings
from oke.errors import Unauthorized
from oke.web.problems import install_problem_handlers
from tests.api_client import claims_now
from tests.servers import free_port, running, trickling_headers

AS_ISSUER = "https://as.example.org"
AUDIENCE = "https://tp.example.org/ooapi"
RESOURCE = ("tp-resource", "introspection secret 1234")


@dataclass
class FakeAs:
    """The authorization server's state: its keys (kid: key), what it answers about opaque tokens, its calls."""

    url: str = ""
    keys: dict[str, Any] = field(default_factory=dict)
    opaque: dict[str, dict[str, Any]] = field(default_factory=dict)
    jwks_fetches: int = 0
    introspections: int = 0
    #: The `User-Agent` of every call.
    agents: set[str | None] = field(default_factory=set)

    def sign(self, kid: str, **changes: Any) -> str:
        now = int(time.time())
        claims = {"iss": AS_ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "client_id": "ta-1"}
        claims |= {"scope": f"{scopes.FLOW_0} {scopes.FLOW_2_3_4} {scopes.PLANNING}"} | changes
        return jwt.encode({k: v for k, v in claims.items() if v is not None}, self.keys[kid], "ES256", {"kid": kid})

    def add_key(self, kid: str) -> None:
        self.keys[kid] = generate_private_key(SECP256R1())


@pytest.fixture
def fake_as() -> Iterator[FakeAs]:
    state = FakeAs()
    state.add_key("as-1")
    app = FastAPI()

    @app.get("/jwks")
    def jwks(request: Request) -> dict[str, Any]:
        state.jwks_fetches += 1
        state.agents.add(request.headers.get("user-agent"))
        return {"keys": [public_jwk(key.public_key(), kid) for kid, key in state.keys.items()]}

    @app.post("/introspect")
    async def introspect(request: Request) -> JSONResponse:
        state.agents.add(request.headers.get("user-agent"))
        if request.headers.get("authorization") != basic_authorization(*RESOURCE):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        state.introspections += 1
        token = parse_qs((await request.body()).decode())["token"][0]
        return JSONResponse(state.opaque.get(token, {"active": False}))

    port = free_port()
    with running(app, port) as url:
        state.url = url
        yield state


@pytest.fixture
def registered(session_factory: sessionmaker[Session], ta_client: tuple[str, str]) -> str:
    return ta_client[0]  # ta-1 with flow-0 and flow-2-3-4, tenant roc-a


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def _issuer(session_factory: sessionmaker[Session], external: ExternalTokens) -> TokenIssuer:
    return TokenIssuer(session_factory, issuer="https://tp.example.org", ttl_seconds=300, external=external)


def _jwks_checked(
    session_factory: sessionmaker[Session], fake_as: FakeAs, http: httpx.Client, clock: Callable[[], float]
) -> TokenIssuer:
    """Tokens checked against the fake AS's JWKS, refetched for an unknown kid once a minute of `clock` at most."""
    external = ExternalTokens(
        session_factory,
        http=http,
        jwks_url=f"{fake_as.url}/jwks",
        issuer=AS_ISSUER,
        audience=AUDIENCE,
        jwks_min_interval_seconds=60,
        jwks_clock=clock,
    )
    return _issuer(session_factory, external)


@pytest.fixture
def by_jwks(session_factory: sessionmaker[Session], fake_as: FakeAs, http: httpx.Client) -> TokenIssuer:
    return _jwks_checked(session_factory, fake_as, http, clock=lambda: 0.0)


@pytest.fixture
def by_introspection(session_factory: sessionmaker[Session], fake_as: FakeAs, http: httpx.Client) -> TokenIssuer:
    external = ExternalTokens(
        session_factory, http=http, introspection_url=f"{fake_as.url}/introspect", introspection_client=RESOURCE
    )
    return _issuer(session_factory, external)


def test_a_token_of_the_as_stands_for_the_registered_client(
    by_jwks: TokenIssuer, fake_as: FakeAs, registered: str
) -> None:
    caller = by_jwks.verify(fake_as.sign("as-1"))
    assert (caller.client_id, caller.role, caller.tenant) == ("ta-1", ClientRole.ta, "roc-a")
    # The AS granted the planning API too, but the client here holds only flow-0 and flow-2-3-4.
    assert caller.scopes == {scopes.FLOW_0, scopes.FLOW_2_3_4}


def test_sub_names_the_client_when_client_id_is_missing(by_jwks: TokenIssuer, fake_as: FakeAs, registered: str) -> None:
    assert by_jwks.verify(fake_as.sign("as-1", client_id=None, sub="ta-1")).client_id == "ta-1"


def test_own_tokens_still_count_beside_the_as(by_jwks: TokenIssuer, fake_as: FakeAs, registered: str) -> None:
    from tests.unit.auth.test_auth_tokens import CALLER

    own, _ = by_jwks.issue(CALLER, CALLER.scopes)
    assert by_jwks.verify(own).client_id == "ta-1"
    assert fake_as.jwks_fetches == 0


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"iss": "https://evil.example.org"}, "wrong issuer"),
        ({"aud": "https://ta.example.org"}, "wrong audience"),
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"nbf": timedelta(minutes=10)}, "not valid yet"),
        ({"client_id": "nobody"}, "not registered here"),
        ({"client_id": None}, "names no client"),
    ],
)
def test_a_bad_token_of_the_as_is_refused(
    by_jwks: TokenIssuer, fake_as: FakeAs, registered: str, changes: dict[str, Any], detail: str
) -> None:
    with pytest.raises(Unauthorized, match=detail):
        by_jwks.verify(fake_as.sign("as-1", **claims_now(changes)))


def test_a_token_signed_with_a_key_the_as_does_not_publish_is_refused(
    by_jwks: TokenIssuer, fake_as: FakeAs, registered: str
) -> None:
    token = fake_as.sign("as-1")
    fake_as.keys["as-1"] = generate_private_key(SECP256R1())  # same kid, another key
    forged = fake_as.sign("as-1")
    fake_as.keys.clear()
    fake_as.add_key("as-1")
    with pytest.raises(Unauthorized, match="invalid signature"):
        by_jwks.verify(forged)
    with pytest.raises(Unauthorized, match="invalid signature"):
        by_jwks.verify(token)


def test_a_new_key_of_the_as_is_fetched_but_unknown_kids_do_not_hammer_it(
    session_factory: sessionmaker[Session], fake_as: FakeAs, http: httpx.Client, registered: str
) -> None:
    now = [0.0]
    tokens = _jwks_checked(session_factory, fake_as, http, clock=lambda: now[0])
    tokens.verify(fake_as.sign("as-1"))
    assert fake_as.jwks_fetches == 1
    fake_as.add_key("as-2")  # the AS rotates
    for _ in range(5):
        now[0] += 11
        with pytest.raises(Unauthorized, match="unknown signing key"):
            tokens.verify(_with_kid(fake_as, "made-up"))
    assert fake_as.jwks_fetches == 1  # within the minimum interval
    now[0] = 60
    assert tokens.verify(fake_as.sign("as-2")).client_id == "ta-1"
    assert fake_as.jwks_fetches == 2


def test_oke_names_itself_to_the_as_and_to_a_clients_jwks_url(
    session_factory: sessionmaker[Session], fake_as: FakeAs, registered: str
) -> None:
    """`User-Agent: oke/<version>` on the calls the servers make to check a token or a client assertion, as on
    every other outbound call (tests/e2e/test_chain_user_agent.py)."""
    settings = Settings(
        auth_jwks_url=f"{fake_as.url}/jwks",
        auth_issuer=AS_ISSUER,
        auth_audience=AUDIENCE,
        auth_introspection_url=f"{fake_as.url}/introspect",
        auth_introspection_client_id=RESOURCE[0],
        auth_introspection_client_secret=RESOURCE[1],
    )
    external, assertions = external_tokens(settings, session_factory), ClientAssertions()
    assert external is not None
    try:
        issuer = _issuer(session_factory, external)
        issuer.verify(fake_as.sign("as-1"))
        with pytest.raises(Unauthorized):
            issuer.verify("an opaque token the AS does not know")
        assert fake_as.jwks_fetches == 1 and fake_as.introspections == 1
        with session_factory() as session:
            jwks_url = settings.auth_jwks_url
            ClientRegistry(session).add(
                role=ClientRole.ta, tenant="roc-a", scopes=[scopes.FLOW_0], client_id="k", jwks_url=jwks_url
            )
            claims = {"iss": "k", "sub": "k", "aud": AUDIENCE, "exp": int(time.time()) + 60, "jti": "once"}
            assertion = jwt.encode(claims, fake_as.keys["as-1"], "ES256", {"kid": "as-1"})
            assert assertions.authenticate(session, assertion, audiences=[AUDIENCE]).client_id == "k"
    finally:  # the servers' own clients live as long as the process
        external._http.close()
        if assertions._http is not None:
            assertions._http.close()
    assert fake_as.jwks_fetches == 2
    assert fake_as.agents == {f"oke/{__version__}"}


def _with_kid(fake_as: FakeAs, kid: str) -> str:
    fake_as.keys[kid] = generate_private_key(SECP256R1())
    token = fake_as.sign(kid)
    del fake_as.keys[kid]
    return token


def test_an_opaque_token_is_introspected_and_the_answer_cached(
    by_introspection: TokenIssuer, fake_as: FakeAs, registered: str
) -> None:
    exp = int(time.time()) + 300
    fake_as.opaque["opaque-1"] = {"active": True, "client_id": "ta-1", "scope": scopes.FLOW_2_3_4, "exp": exp}
    caller = by_introspection.verify("opaque-1")
    assert (caller.client_id, caller.tenant, caller.scopes) == ("ta-1", "roc-a", frozenset({scopes.FLOW_2_3_4}))
    assert by_introspection.verify("opaque-1") == caller
    assert fake_as.introspections == 1


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        ({"active": False}, "not active"),
        ({"active": True, "client_id": "ta-1", "exp": int(time.time()) - 120}, "token expired"),
        ({"active": True, "client_id": "nobody"}, "not registered here"),
        ({"active": "yes", "client_id": "ta-1"}, "not active"),
    ],
)
def test_an_introspection_that_does_not_vouch_is_refused(
    by_introspection: TokenIssuer, fake_as: FakeAs, registered: str, answer: dict[str, Any], detail: str
) -> None:
    fake_as.opaque["opaque-2"] = answer
    with pytest.raises(Unauthorized, match=detail):
        by_introspection.verify("opaque-2")


def test_introspection_needs_the_resource_servers_credentials(
    session_factory: sessionmaker[Session], fake_as: FakeAs, http: httpx.Client, registered: str
) -> None:
    external = ExternalTokens(
        session_factory,
        http=http,
        introspection_url=f"{fake_as.url}/introspect",
        introspection_client=("tp-resource", "a wrong secret 12345"),
    )
    fake_as.opaque["opaque-3"] = {"active": True, "client_id": "ta-1"}
    with pytest.raises(Unauthorized, match="cannot be checked"):
        _issuer(session_factory, external).verify("opaque-3")


def test_through_http_an_as_token_is_accepted_and_a_bad_one_is_a_401_problem(
    by_jwks: TokenIssuer, fake_as: FakeAs, registered: str
) -> None:
    app = FastAPI()
    app.state.tokens = by_jwks
    install_problem_handlers(app)

    @app.get("/who")
    async def who(caller: CallerDep) -> str:
        return caller.client_id

    with running(app, free_port()) as url, httpx.Client(base_url=url) as http:
        assert http.get("/who", headers={"authorization": f"Bearer {fake_as.sign('as-1')}"}).json() == "ta-1"
        refused = http.get("/who", headers={"authorization": f"Bearer {fake_as.sign('as-1', aud='x')}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["www-authenticate"].startswith("Bearer")


def test_settings_for_a_jwks_need_the_issuer_and_audience(session_factory: sessionmaker[Session]) -> None:
    assert external_tokens(Settings(), session_factory) is None
    with pytest.raises(ValueError, match="auth_issuer"):
        external_tokens(Settings(auth_jwks_url="https://as.example.org/jwks"), session_factory)
    configured = Settings(
        auth_introspection_url="https://as.example.org/introspect",
        auth_introspection_client_id="tp",
        auth_introspection_client_secret="s" * 16,
    )
    assert external_tokens(configured, session_factory) is not None


def test_a_key_set_that_trickles_its_answer_ends_at_the_fetchs_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found in review: the keys of a `private_key_jwt` client (a vendor's URL) and the introspection were fetched
    with httpx's per-read timeout only: a host trickling its answer held the token check for ever."""
    monkeypatch.setattr(jwk, "FETCH_SECONDS", 1.0)
    with trickling_headers(seconds=10) as base, bounded_client(timeout=httpx.Timeout(5, connect=5)) as http:
        started = time.monotonic()
        with pytest.raises(Unauthorized, match="the signing keys cannot be fetched"):
            jwk.JwksCache(http, f"{base}/jwks").key("k-1")
        assert time.monotonic() - started < 4
