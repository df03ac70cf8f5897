"""TokenSource: against oke's own token endpoint on loopback, and a mock transport for timing and failures."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from fastapi import FastAPI

from oke.auth import scopes
from oke.auth.api import token_router
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.tokens import TokenIssuer
from oke.client.errors import InvalidPeerAnswer, PeerRefused, PeerUnavailable, reason
from oke.client.oauth import TokenSource
from oke.client.ooapi import OoapiClient
from oke.outbound import http_delivery
from oke.outbox.delivery import OutboundMessage
from oke.store.base import utcnow
from oke.store.engine import make_engine, make_session_factory
from oke.store.migrate import upgrade
from tests.servers import free_port, running

CLIENT_ID = "ta:odd id"
SECRET = "a secret with + and % and : in it"


@pytest.fixture(scope="module")
def token_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oke's own token endpoint, on a migrated SQLite database with one TA client."""
    url = f"sqlite:///{tmp_path_factory.mktemp('oauth') / 'tp.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        ClientRegistry(session).add(
            role=ClientRole.ta,
            tenant="roc-a",
            scopes=[scopes.FLOW_0, scopes.FLOW_2_3_4],
            client_id=CLIENT_ID,
            secret=SECRET,
        )
        session.commit()
    app = FastAPI()
    app.state.session_factory = sessions
    app.state.tokens = TokenIssuer(sessions, issuer="http://tp.test", ttl_seconds=300)
    app.include_router(token_router())
    with running(app, free_port()) as base:
        yield f"{base}/oauth2/token"
    engine.dispose()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Endpoint:
    """A mock token endpoint that counts its calls and answers what the test sets."""

    def __init__(self, answer: Callable[[int], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer or (lambda n: httpx.Response(200, json=_token_answer(f"token-{n}", 300)))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(len(self.requests))

    def source(
        self, clock: Callable[[], float] = time.monotonic, *, scope: str | None = None, renew_before: float = 60
    ) -> TokenSource:
        http = httpx.Client(transport=httpx.MockTransport(self))
        return TokenSource(
            http,
            token_url="https://ta.test/oauth2/token",
            client_id="oke",
            secret=SECRET,
            scope=scope,
            renew_before_seconds=renew_before,
            clock=clock,
        )


def _token_answer(token: str, expires_in: float | None) -> dict[str, object]:
    answer: dict[str, object] = {"access_token": token, "token_type": "Bearer"}
    return answer | ({"expires_in": expires_in} if expires_in is not None else {})


def test_oke_issues_a_token_for_form_encoded_credentials(token_url: str, http: httpx.Client) -> None:
    source = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret=SECRET, scope=scopes.FLOW_2_3_4)
    token = source.token()
    assert token.count(".") == 2  # a JWT
    assert source.token() == token


def test_the_request_is_a_client_credentials_grant_with_basic_auth() -> None:
    endpoint = Endpoint()
    endpoint.source(scope="nl-test-admin-flow-0 nl-test-admin-flow-2-3-4").token()
    (request,) = endpoint.requests
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["authorization"].startswith("Basic ")
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["nl-test-admin-flow-0 nl-test-admin-flow-2-3-4"],
    }


def test_the_token_is_cached_and_renewed_before_it_expires() -> None:
    endpoint, clock = Endpoint(), Clock()
    source = endpoint.source(clock, renew_before=60)
    assert source.token() == "token-1"
    clock.now += 239  # 300 s lifetime, renewed from 240 s on
    assert source.token() == "token-1"
    clock.now += 1
    assert source.token() == "token-2"
    assert len(endpoint.requests) == 2
    assert "scope" not in parse_qs(endpoint.requests[0].content.decode())


def test_a_short_lived_token_is_renewed_halfway() -> None:
    endpoint, clock = Endpoint(lambda n: httpx.Response(200, json=_token_answer(f"token-{n}", 40))), Clock()
    source = endpoint.source(clock, renew_before=60)
    assert source.token() == "token-1"
    clock.now += 19
    assert source.token() == "token-1"
    clock.now += 1
    assert source.token() == "token-2"


def test_a_token_without_expires_in_is_assumed_to_live_five_minutes() -> None:
    endpoint, clock = Endpoint(lambda n: httpx.Response(200, json=_token_answer(f"token-{n}", None))), Clock()
    source = endpoint.source(clock, renew_before=60)
    source.token()
    clock.now += 239
    assert source.token() == "token-1"
    clock.now += 1
    assert source.token() == "token-2"


def test_concurrent_callers_fetch_one_token() -> None:
    def slow(n: int) -> httpx.Response:
        time.sleep(0.2)
        return httpx.Response(200, json=_token_answer(f"token-{n}", 300))

    endpoint = Endpoint(slow)
    source = endpoint.source()
    start = threading.Barrier(8)
    tokens: list[str] = []

    def call() -> None:
        start.wait()
        tokens.append(source.token())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["token-1"] * 8
    assert len(endpoint.requests) == 1


def test_invalidate_drops_only_the_stale_token() -> None:
    endpoint = Endpoint()
    source = endpoint.source()
    stale = source.token()
    source.invalidate(stale)
    fresh = source.token()
    assert fresh == "token-2"
    source.invalidate(stale)  # a second caller that saw the same 401: the fresh token stays
    assert source.token() == fresh
    source.invalidate()
    assert source.token() == "token-3"


def test_a_wrong_secret_is_refused_with_the_peers_error(token_url: str, http: httpx.Client) -> None:
    source = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret="not the secret at all", scope=None)
    with pytest.raises(PeerRefused) as refused:
        source.token()
    assert refused.value.peer_status == 401
    assert isinstance(refused.value.body, dict)
    assert refused.value.body["error"] == "invalid_client"
    assert "invalid_client" in str(refused.value)
    assert "not the secret" not in str(refused.value)
    assert reason(refused.value) == "token endpoint answered 401 invalid_client"  # what the relay logs


def test_a_delivery_refused_its_token_is_retried_with_a_reason_to_log(token_url: str, http: httpx.Client) -> None:
    """The outbox relay's `deliver`: the whole error stays in the row, the log line gets the reason."""
    source = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret="not the secret at all", scope=None)
    peer = OoapiClient("http://dr.test/ooapi", source, http, name="dr-x")
    directory: Any = SimpleNamespace(client=lambda name: peer)
    message = OutboundMessage(1, "roc-a", "dr-x", "flow1.person", "p-1", "PUT", "/persons/p-1", {}, None, 0, utcnow())
    delivery = http_delivery(directory)(message)
    assert (delivery.status, delivery.reason) == (None, "token endpoint answered 401 invalid_client")
    assert delivery.error is not None and "invalid_client" in delivery.error


def test_a_scope_the_client_lacks_is_refused(token_url: str, http: httpx.Client) -> None:
    source = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret=SECRET, scope=scopes.FLOW_1_5)
    with pytest.raises(PeerRefused) as refused:
        source.token()
    assert refused.value.peer_status == 400
    assert "invalid_scope" in str(refused.value)
    assert reason(refused.value) == "token endpoint answered 400 invalid_scope"


def test_a_server_that_is_down_is_unavailable(http: httpx.Client) -> None:
    url = f"http://127.0.0.1:{free_port()}/oauth2/token"
    source = TokenSource(http, token_url=url, client_id=CLIENT_ID, secret=SECRET, scope=None)
    with pytest.raises(PeerUnavailable, match="ConnectError") as unavailable:
        source.token()
    assert reason(unavailable.value) == "token endpoint gave no answer (ConnectError)"


def test_a_5xx_or_429_is_unavailable_with_retry_after() -> None:
    for status in (503, 429):
        answer = httpx.Response(status, headers={"retry-after": "7"})
        with pytest.raises(PeerUnavailable) as unavailable:
            Endpoint(lambda n, answer=answer: answer).source().token()
        assert unavailable.value.retry_after == 7


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>login</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"token_type": "Bearer", "expires_in": 300}),
        httpx.Response(200, json={"access_token": "t", "token_type": "mac", "expires_in": 300}),
        httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": "soon"}),
    ],
)
def test_an_answer_without_a_bearer_token_is_invalid(answer: httpx.Response) -> None:
    with pytest.raises(InvalidPeerAnswer):
        Endpoint(lambda n: answer).source().token()


def test_a_failing_renewal_keeps_the_token_until_it_expires() -> None:
    def answer(n: int) -> httpx.Response:
        return httpx.Response(200, json=_token_answer("token-1", 300)) if n == 1 else httpx.Response(502)

    endpoint, clock = Endpoint(answer), Clock()
    source = endpoint.source(clock)
    source.token()
    clock.now += 250  # due for renewal, still valid
    assert source.token() == "token-1"
    clock.now += 50  # expired
    with pytest.raises(PeerUnavailable):
        source.token()


def test_neither_secret_nor_token_is_logged(
    token_url: str, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    source = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret=SECRET, scope=None)
    token = source.token()
    wrong = TokenSource(http, token_url=token_url, client_id=CLIENT_ID, secret=SECRET + "x", scope=None)
    with pytest.raises(PeerRefused):
        wrong.token()
    assert caplog.records
    assert SECRET not in caplog.text
    assert token not in caplog.text
    assert SECRET not in repr(source)
