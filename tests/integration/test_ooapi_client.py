"""OoapiClient against a real server on loopback: oke's token endpoint and routes guarded by oke's Bearer check."""

from __future__ import annotations

import gzip
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import replace
from itertools import islice
from types import SimpleNamespace
from typing import Any

import anyio
import httpx
import orjson
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse

from oke.auth import scopes
from oke.auth.api import token_router
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.deps import CallerDep
from oke.auth.tokens import TokenIssuer
from oke.bounded_http import with_deadlines
from oke.client import ooapi
from oke.client.bounded import JSON_MAX_BYTES
from oke.client.errors import AnswerTooLarge, InvalidPeerAnswer, PeerRefused, PeerUnavailable
from oke.client.oauth import TokenSource
from oke.client.ooapi import OoapiClient
from oke.errors import NotFound, ServiceUnavailable, Unauthorized
from oke.observability.context import begin_request
from oke.ooapi.problems import PROBLEM_MAX_BYTES
from oke.outbound import http_delivery
from oke.outbox.delivery import Delivery, OutboundMessage, problem_of
from oke.store.base import utcnow
from oke.store.engine import make_engine, make_session_factory
from oke.store.migrate import upgrade
from oke.web.problems import install_problem_handlers
from tests.servers import free_port, running, trickling_headers

CLIENT_ID, SECRET = "oke-at-ta", "a secret of the test peer"
ITEMS = 7


class Peer:
    """A TA-like server: what it saw, for the tests to check."""

    def __init__(self) -> None:
        self.tokens: dict[str, list[str]] = {}
        self.pages: list[dict[str, str]] = []

    def app(self, sessions: Any) -> FastAPI:
        app = FastAPI()
        app.state.session_factory = sessions
        app.state.tokens = TokenIssuer(sessions, issuer="http://ta.test", ttl_seconds=300)
        app.include_router(token_router())
        install_problem_handlers(app)

        @app.api_route("/ooapi/echo", methods=["GET", "PUT", "PATCH", "POST", "DELETE"])
        async def echo(request: Request, caller: CallerDep) -> dict[str, Any]:
            return {
                "method": request.method,
                "client": caller.client_id,
                "contentType": request.headers.get("content-type"),
                "body": (await request.body()).decode(),
                "query": dict(request.query_params),
                "requestId": request.headers.get("x-request-id"),
            }

        @app.get("/ooapi/refused/{key}/{times}")
        async def refused(key: str, times: int, request: Request) -> dict[str, int]:
            """401 to the first `times` requests of `key` (a token revoked early, say)."""
            seen = self.tokens.setdefault(key, [])
            seen.append(request.headers["authorization"])
            if len(seen) <= times:
                raise Unauthorized("token revoked")
            return {"requests": len(seen)}

        @app.get("/ooapi/items")
        async def items(pageSize: int, pageNumber: int, caller: CallerDep, request: Request) -> dict[str, Any]:
            self.pages.append(dict(request.query_params))
            numbers = range((pageNumber - 1) * pageSize, min(pageNumber * pageSize, ITEMS))
            total_pages = -(-ITEMS // pageSize)
            return {
                "pageSize": pageSize,
                "pageNumber": pageNumber,
                "hasPreviousPage": pageNumber > 1,
                "hasNextPage": pageNumber < total_pages,
                "totalPages": total_pages,
                "items": [{"itemId": str(n)} for n in numbers],
            }

        @app.get("/ooapi/ignoring/{total}")
        async def ignoring(total: int, request: Request, caller: CallerDep) -> dict[str, Any]:
            """A listing that ignores `pageNumber`: page 1 again, with `hasNextPage` (and `totalPages` if not 0)."""
            self.pages.append(dict(request.query_params))
            page = {"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": True}
            return page | ({"totalPages": total} if total else {}) | {"items": [{"itemId": "0"}]}

        @app.get("/ooapi/endless")
        async def endless(pageNumber: int, caller: CallerDep) -> dict[str, Any]:
            """New items on every page, `hasNextPage` for ever, no `totalPages`."""
            page = {"pageSize": 10, "pageNumber": pageNumber, "hasPreviousPage": pageNumber > 1, "hasNextPage": True}
            return page | {"items": [{"itemId": str(pageNumber)}]}

        @app.get("/ooapi/documents/{documentId}")
        async def document(documentId: str, caller: CallerDep) -> Response:
            raise NotFound(f"no document {documentId}")

        @app.get("/ooapi/busy")
        async def busy(caller: CallerDep) -> None:
            raise ServiceUnavailable("maintenance")

        @app.get("/ooapi/slow")
        async def slow(caller: CallerDep) -> dict[str, str]:
            await anyio.sleep(1)
            return {}

        @app.get("/ooapi/trickle/{times}")
        async def trickle(times: int) -> StreamingResponse:
            """200, then a byte every 0.1 s: each read gets one well within its timeout."""
            return StreamingResponse(_trickled(times, b"{}"), media_type="application/json")

        @app.post("/trickled-token")
        async def trickled_token() -> StreamingResponse:
            token = b'{"access_token": "t", "token_type": "Bearer", "expires_in": 60}'
            return StreamingResponse(_trickled(40, token), media_type="application/json")

        @app.get("/ooapi/large/{size}")
        async def large(size: int) -> Response:
            """A JSON answer of `size` bytes."""
            return Response(b'{"x": "' + b"A" * (size - 9) + b'"}', media_type="application/json")

        @app.get("/ooapi/bomb")
        async def bomb() -> Response:
            """A JSON answer of 11 MB gzipped to some 11 KB."""
            return Response(GZIP_BOMB, media_type="application/json", headers={"content-encoding": "gzip"})

        @app.get("/ooapi/long-problem")
        async def long_problem() -> Response:
            body = orjson.dumps({"title": "Invalid content", "status": 400, "detail": "A" * 50_000})
            return Response(body, 400, media_type="application/problem+json")

        @app.get("/ooapi/padded-problem")
        async def padded_problem() -> Response:
            """Whole JSON in its first 8 KiB, then padding: cut, it would still parse."""
            body = b'{"title": "Invalid content", "detail": "about Jansen"}' + b" " * 20_000
            return Response(body, 400, media_type="application/problem+json")

        @app.get("/ooapi/oversized")
        async def oversized(pageSize: int) -> dict[str, Any]:
            """A page of one item more than asked for, and `hasNextPage`: a peer that ignores `pageSize`."""
            items = [{"itemId": str(n)} for n in range(pageSize + 1)]
            return {"pageSize": pageSize, "pageNumber": 1, "hasNextPage": True, "items": items}

        return app


async def _trickled(times: int, end: bytes) -> AsyncIterator[bytes]:
    for _ in range(times):
        yield b" "
        await anyio.sleep(0.1)
    yield end


GZIP_BOMB = gzip.compress(b'{"x": "' + b"A" * (11 * 1024 * 1024) + b'"}')


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Peer, str]]:
    """The peer and its base URL (with `/ooapi`), on a migrated SQLite database with oke's client."""
    url = f"sqlite:///{tmp_path_factory.mktemp('peer') / 'ta.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        ClientRegistry(session).add(
            role=ClientRole.tp, tenant="roc-a", scopes=[scopes.FLOW_0], client_id=CLIENT_ID, secret=SECRET
        )
        session.commit()
    server = Peer()
    with running(server.app(sessions), free_port()) as base:
        yield server, base
    engine.dispose()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _client(peer: tuple[Peer, str], http: httpx.Client, timeout: httpx.Timeout | None = None) -> OoapiClient:
    base = peer[1]
    tokens = TokenSource(http, token_url=f"{base}/oauth2/token", client_id=CLIENT_ID, secret=SECRET, scope=None)
    if timeout is None:
        return OoapiClient(f"{base}/ooapi", tokens, http, name="ta test")
    return OoapiClient(f"{base}/ooapi", tokens, http, timeout=timeout, name="ta test")


def test_a_bearer_token_is_sent(peer: tuple[Peer, str], http: httpx.Client) -> None:
    answer = _client(peer, http).get_json("/echo", {"q": "x", "flag": True})
    assert answer["client"] == CLIENT_ID
    assert answer["query"] == {"q": "x", "flag": "true"}
    assert answer["contentType"] is None


def test_a_call_made_serving_a_request_carries_its_request_id(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    assert client.get_json("/echo")["requestId"] is None
    with ThreadPoolExecutor(1) as pool:  # a context of its own, as each request has
        served = pool.submit(copy_context().run, lambda: (begin_request("r-1"), client.get_json("/echo"))[1])
        assert served.result()["requestId"] == "r-1"
    given = client.request("GET", "/echo", headers={"x-request-id": "outbox-7"})
    assert given.json()["requestId"] == "outbox-7"


def test_every_attempt_of_an_outbox_message_carries_its_id(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    directory: Any = SimpleNamespace(client=lambda name: client)
    for attempts in (0, 1):
        message = OutboundMessage(
            5, "roc-a", "ta", "flow2.session", "z-1", "PUT", "/echo", {}, None, attempts, utcnow()
        )
        delivery = http_delivery(directory)(message)
        assert orjson.loads(delivery.body)["requestId"] == "outbox-5"


def test_patch_sends_a_merge_patch_and_put_json(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    patched = client.request("PATCH", "/echo", json={"state": "completed"})
    assert patched.json()["contentType"] == "application/merge-patch+json"
    assert patched.json()["body"] == '{"state":"completed"}'
    put = client.request("put", "/echo", json={"a": 1})
    assert put.json()["method"] == "PUT"
    assert put.json()["contentType"] == "application/json"
    stored = client.request("PUT", "/echo", content=b'{"as": "stored"}')
    assert stored.json()["body"] == '{"as": "stored"}'


def test_a_401_renews_the_token_and_retries_once(peer: tuple[Peer, str], http: httpx.Client) -> None:
    server, _ = peer
    answer = _client(peer, http).request("GET", "/refused/once/1")
    assert answer.status_code == 200
    first, second = server.tokens["once"]
    assert first != second


def test_a_second_401_is_returned(peer: tuple[Peer, str], http: httpx.Client) -> None:
    server, _ = peer
    answer = _client(peer, http).request("GET", "/refused/twice/5")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert len(server.tokens["twice"]) == 2  # one retry, no more
    assert len(set(server.tokens["twice"])) == 2


def test_pages_follow_has_next_page(peer: tuple[Peer, str], http: httpx.Client) -> None:
    server, _ = peer
    server.pages.clear()
    items = list(_client(peer, http).pages("/items", {"extra": "kept"}, page_size=3))
    assert [item["itemId"] for item in items] == [str(n) for n in range(ITEMS)]
    assert server.pages == [{"extra": "kept", "pageSize": "3", "pageNumber": str(n)} for n in (1, 2, 3)]


def test_pages_stop_at_total_pages(peer: tuple[Peer, str], http: httpx.Client) -> None:
    server, _ = peer
    server.pages.clear()
    items = list(islice(_client(peer, http).pages("/ignoring/1"), 5))  # islice: a client that loops ends
    assert items == [{"itemId": "0"}] and len(server.pages) == 1


def test_a_page_served_again_is_an_invalid_answer(peer: tuple[Peer, str], http: httpx.Client) -> None:
    server, _ = peer
    server.pages.clear()
    with pytest.raises(InvalidPeerAnswer) as refused:
        list(islice(_client(peer, http).pages("/ignoring/0"), 5))
    assert str(refused.value).startswith("ta test: GET /ignoring/0: page 2 repeats page 1")
    assert "ignores pageNumber" in str(refused.value) and len(server.pages) == 2


def test_paging_ends_after_max_pages(
    peer: tuple[Peer, str], http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ooapi, "MAX_PAGES", 4)
    read: list[dict[str, Any]] = []
    with pytest.raises(InvalidPeerAnswer) as refused:
        read.extend(_client(peer, http).pages("/endless"))
    assert "ta test: GET /endless: still hasNextPage true after 4 pages of 250" in str(refused.value)
    assert len(read) == 4


def test_a_4xx_raises_peer_refused_with_the_problem(peer: tuple[Peer, str], http: httpx.Client) -> None:
    with pytest.raises(PeerRefused) as refused:
        _client(peer, http).get_json("/documents/doc-2")
    assert refused.value.peer_status == 404
    assert refused.value.body["detail"] == "no document doc-2"
    assert "ta test: GET /documents/doc-2 answered 404: Unknown id: no document doc-2" in str(refused.value)


def test_a_5xx_raises_peer_unavailable(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    with pytest.raises(PeerUnavailable, match="maintenance") as unavailable:
        client.get_json("/busy")
    assert unavailable.value.retry_after == 5
    assert client.request("GET", "/busy").status_code == 503  # request() returns it


def test_a_timeout_raises_peer_unavailable(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http, timeout=httpx.Timeout(0.2, connect=5))
    client.tokens.token()  # so that only the call itself can time out
    with pytest.raises(PeerUnavailable, match="ReadTimeout"):
        client.request("GET", "/slow")
    with pytest.raises(PeerUnavailable, match="ReadTimeout"):
        client.get_json("/slow")


def test_a_peer_that_is_down_raises_peer_unavailable(http: httpx.Client) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    tokens = TokenSource(http, token_url=f"{base}/oauth2/token", client_id=CLIENT_ID, secret=SECRET, scope=None)
    with pytest.raises(PeerUnavailable, match="ConnectError"):
        OoapiClient(f"{base}/ooapi", tokens, http).request("GET", "/echo")


def test_every_call_has_timeouts_by_default() -> None:
    seen: list[dict[str, float]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 60})
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(answer), timeout=None) as http:
        tokens = TokenSource(http, token_url="https://ta.test/oauth2/token", client_id="c", secret="s", scope=None)
        OoapiClient("https://ta.test/ooapi", tokens, http).get_json("/")
    assert seen == [{"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0}] * 2


def test_an_answer_that_trickles_ends_at_the_calls_deadline(peer: tuple[Peer, str], http: httpx.Client) -> None:
    """httpx's timeout is per read: a byte every 0.1 s held a call as long as the peer liked (the relay's round
    and a planner's thread with it). Now the whole call ends a few read timeouts after it began."""
    client = _client(peer, http, timeout=httpx.Timeout(1, connect=5))
    client.tokens.token()
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="ReadTimeout: the answer took longer than 3 s"):
        client.get_json("/trickle/40")  # 4 s
    assert time.monotonic() - started < 6  # twice the deadline
    assert client.get_json("/trickle/2") == {}  # in time


def test_a_token_answer_that_trickles_ends_at_its_deadline(peer: tuple[Peer, str], http: httpx.Client) -> None:
    tokens = TokenSource(
        http,
        token_url=f"{peer[1]}/trickled-token",
        client_id=CLIENT_ID,
        secret=SECRET,
        scope=None,
        timeout=httpx.Timeout(1, connect=5),
    )
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="ReadTimeout"):
        tokens.token()
    assert time.monotonic() - started < 6  # twice the deadline (the token comes in 4 s)


def test_a_json_answer_over_the_limit_is_invalid(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    assert len(client.get_json(f"/large/{JSON_MAX_BYTES}")["x"]) == JSON_MAX_BYTES - 9
    with pytest.raises(AnswerTooLarge, match=f"ta test: GET /large/{JSON_MAX_BYTES + 1}: the answer is larger than "):
        client.get_json(f"/large/{JSON_MAX_BYTES + 1}")


def test_a_gzip_bomb_is_counted_decompressed(peer: tuple[Peer, str], http: httpx.Client) -> None:
    """2 MB of gzip made 2 GB in TP's memory: the limit counts the bytes as they are decompressed."""
    assert len(GZIP_BOMB) < 100_000
    with pytest.raises(InvalidPeerAnswer, match=f"larger than {JSON_MAX_BYTES} bytes"):
        _client(peer, http).get_json("/bomb")


def test_a_file_may_be_as_large_as_asked_and_no_larger(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    assert len(client.request("GET", "/large/1000", max_bytes=1000).content) == 1000
    with pytest.raises(AnswerTooLarge) as refused:
        client.request("GET", "/large/1001", max_bytes=1000)
    assert (refused.value.peer_status, refused.value.limit) == (200, 1000)


def test_a_document_over_the_limit_is_a_delivery_to_park(peer: tuple[Peer, str], http: httpx.Client) -> None:
    client = _client(peer, http)
    directory: Any = SimpleNamespace(client=lambda name: client)
    fetch = OutboundMessage(5, "roc-a", "ta", "documents.fetch", "d-1", "GET", "/large/1001", None, None, 0, utcnow())
    delivery = http_delivery(directory, max_document_bytes=1000)(fetch)
    assert (delivery.status, delivery.body) == (200, b"")
    assert delivery.rejected == "answer larger than 1000 bytes (OKE_MAX_DOCUMENT_BYTES)"
    assert http_delivery(directory, max_document_bytes=1001)(fetch).rejected is None
    written = replace(fetch, kind="flow2.offering", method="PUT", path="/echo", body={"x": "A" * JSON_MAX_BYTES})
    assert http_delivery(directory, max_document_bytes=1000)(written) == Delivery(200)  # its status is all that counts


def test_a_long_problem_is_cut_and_not_parsed(peer: tuple[Peer, str], http: httpx.Client) -> None:
    """A 50 MB problem+json was read whole, parsed into `PeerRefused.body` and stored in the outbox's `problem`."""
    client = _client(peer, http)
    with pytest.raises(PeerRefused) as refused:
        client.get_json("/long-problem")
    assert isinstance(refused.value.body, str) and len(refused.value.body) == 500
    directory: Any = SimpleNamespace(client=lambda name: client)
    fetch = OutboundMessage(5, "roc-a", "ta", "documents.fetch", "k", "GET", "/long-problem", None, None, 0, utcnow())
    delivery = http_delivery(directory)(fetch)
    assert (delivery.status, len(delivery.body), problem_of(delivery)) == (400, PROBLEM_MAX_BYTES + 1, None)
    # found in review: cut to exactly the limit, a long problem whose JSON ends early was parsed and stored
    with pytest.raises(PeerRefused) as padded:
        client.get_json("/padded-problem")
    assert isinstance(padded.value.body, str)
    assert problem_of(http_delivery(directory)(replace(fetch, path="/padded-problem"))) is None


def test_a_page_of_more_items_than_asked_is_invalid(peer: tuple[Peer, str], http: httpx.Client) -> None:
    """A DR that ignored `pageSize` sent 50,000 items a page, with hasNextPage, until TP held 5.5 GB."""
    read: list[dict[str, Any]] = []
    with pytest.raises(InvalidPeerAnswer, match="page 1 has 4 items, more than the pageSize 3 asked"):
        read.extend(_client(peer, http).pages("/oversized", page_size=3))
    assert read == []


def test_headers_that_trickle_end_at_the_calls_deadline_with_deadlines() -> None:
    """Found by a hostile-peer review: the call's deadline covered the body only; a peer that trickled its header
    lines (a line every 0.1 s, each read in time) held the call, and the relay round with it, for ever."""
    tokens: Any = SimpleNamespace(token=lambda: "t", invalidate=lambda token: None)
    timeout = httpx.Timeout(1, connect=5)
    with trickling_headers(seconds=10) as base, with_deadlines(httpx.Client()) as http:
        client = OoapiClient(base, tokens, http, timeout=timeout, name="slow ta")
        started = time.monotonic()
        with pytest.raises(PeerUnavailable, match="ReadTimeout: the answer took longer than 3 s"):
            client.get_json("/offerings/z-1")
        assert time.monotonic() - started < 6  # twice the deadline
