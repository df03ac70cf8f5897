"""The outbox on SQLite and PostgreSQL: written with its change, delivered in order per key, retried
after backoff, parked with the peer's problem, coalesced, taken over after a relay died, and
delivered exactly once by concurrent relays."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi.responses import StreamingResponse
from prometheus_client import REGISTRY
from sqlalchemy import Connection, delete, event, func, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from oke.cli import outbox as outbox_cli
from oke.cli._options import OPERATOR_MAX_LIMIT
from oke.client.oauth import TokenSource
from oke.client.ooapi import OoapiClient
from oke.errors import Conflict, NotFound
from oke.ooapi.problems import PROBLEM_MAX_BYTES
from oke.outbound import http_delivery
from oke.outbox import operations
from oke.outbox.claims import SCAN_CHUNK
from oke.outbox.delivery import Delivery, OutboundMessage
from oke.outbox.relay import Relay, running
from oke.outbox.retry import Patience, RetryPolicy
from oke.outbox.writer import Outbox
from oke.store.base import utcnow
from oke.store.database import Database
from oke.store.history import AuditQuery, audit_trail
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.uow import UnitOfWork
from tests import servers
from tests.e2e.test_chain_flow2 import eventually

POLICY = RetryPolicy(base_seconds=10, factor=2, max_seconds=100, jitter=0)
PROBLEM = {"type": "about:blank", "title": "Invalid content", "status": 400, "detail": "startDateTime: required"}


class Clock:
    """A clock the test moves; it starts a second after the messages were written, so they are due."""

    def __init__(self) -> None:
        self.now = utcnow() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def catch_up(self) -> None:
        """Move on to the real time if it has passed the clock: what the test wrote since the clock was made (a
        message, an operator's retry) is stamped with the real time, which a loaded machine may take more than the
        clock's second to reach."""
        self.now = max(self.now, utcnow())


class FakePeer:
    """A `deliver` that records every call and answers from a script (then 204); an exception is raised."""

    def __init__(self, *script: Delivery | BaseException) -> None:
        self.script = list(script)
        self.calls: list[OutboundMessage] = []
        self._lock = threading.Lock()

    def __call__(self, message: OutboundMessage) -> Delivery:
        with self._lock:
            self.calls.append(message)
            answer = self.script.pop(0) if self.script else Delivery(204)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    @property
    def ids(self) -> list[int]:
        return [call.id for call in self.calls]


class Died(BaseException):
    """The relay's process ended in the middle of a delivery."""


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    _clear(database)
    yield database
    _clear(database)
    database.close()


def _clear(database: Database) -> None:
    with database.sessions() as session:
        session.execute(delete(OutboxMessage))
        session.commit()


def add(database: Database, key: str = "o-1", *, path: str | None = None, method: str = "PUT", **given: Any) -> int:
    """Add one message in a committed unit of work; its id."""
    with UnitOfWork(database.sessions) as uow:
        Outbox(uow).add(
            tenant="school",
            peer=given.pop("peer", "ta-1"),
            kind=given.pop("kind", "flow2.offering"),
            key=key,
            method=method,
            path=path or f"/offerings/{key}",
            **given,
        )
        uow.commit()
    return newest(database)


def newest(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.max(OutboxMessage.id))) or 0)


def row(database: Database, message_id: int) -> OutboxMessage:
    with database.sessions() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def states(database: Database) -> dict[int, str]:
    with database.sessions() as session:
        return {
            message_id: state for message_id, state in session.execute(select(OutboxMessage.id, OutboxMessage.state))
        }


def relay(database: Database, peer: FakePeer, clock: Clock, **options: Any) -> Relay:
    return Relay(database.engine, peer, POLICY, clock=clock, **options)


def test_a_message_is_kept_iff_its_change_is_committed(database: Database) -> None:
    with UnitOfWork(database.sessions) as uow:
        Outbox(uow).add(tenant="school", peer="ta-1", kind="flow2.offering", key="o-1", method="PUT", path="/x")
    with pytest.raises(RuntimeError), UnitOfWork(database.sessions) as uow:
        Outbox(uow).add(tenant="school", peer="ta-1", kind="flow2.offering", key="o-2", method="PUT", path="/y")
        raise RuntimeError("the change failed")

    def failing(uow: UnitOfWork) -> None:  # in a batch of the write thread, next to one that succeeds
        with uow:
            Outbox(uow).add(tenant="school", peer="ta-1", kind="flow2.offering", key="o-3", method="PUT", path="/z")
            raise NotFound("no such zitting")

    def succeeding(uow: UnitOfWork) -> None:
        with uow:
            body = {"offeringId": "o-4", "name": [{"language": "nl-NL", "value": "Toets"}]}
            Outbox(uow).add(
                tenant="school", peer="ta-1", kind="flow2.offering", key="o-4", method="PUT", path="/o-4", body=body
            )
            uow.commit()

    async def write() -> list[object]:
        transactions = database.transactions(UnitOfWork)
        return await asyncio.gather(transactions.write(failing), transactions.write(succeeding), return_exceptions=True)

    outcomes = asyncio.run(write())
    assert isinstance(outcomes[0], NotFound) and outcomes[1] is None

    peer = FakePeer()
    clock = Clock()
    assert relay(database, peer, clock).run_once() == 1
    assert [(call.key, call.path, call.body) for call in peer.calls] == [
        ("o-4", "/o-4", {"offeringId": "o-4", "name": [{"language": "nl-NL", "value": "Toets"}]})
    ]
    delivered = row(database, peer.ids[0])
    assert (delivered.state, delivered.attempts, delivered.delivered_at) == ("delivered", 1, clock.now)
    assert relay(database, peer, clock).run_once() == 0


def test_the_snapshot_given_to_deliver_is_the_row(database: Database) -> None:
    message_id = add(database, method="PATCH", body={"state": "canceled"}, content_type="application/merge-patch+json")
    nobody = add(database, "o-2", body=None)
    peer = FakePeer()
    relay(database, peer, Clock()).run_once()
    first, second = peer.calls
    assert (first.id, first.tenant, first.peer, first.kind, first.key) == (
        message_id,
        "school",
        "ta-1",
        "flow2.offering",
        "o-1",
    )
    assert (first.method, first.path, first.body, first.content_type, first.attempts) == (
        "PATCH",
        "/offerings/o-1",
        {"state": "canceled"},
        "application/merge-patch+json",
        0,
    )
    assert (second.id, second.body, second.content_type) == (nobody, None, None)


def test_messages_of_a_key_go_in_id_order_while_other_keys_proceed(database: Database) -> None:
    a = [add(database, "a", path=f"/a/{n}") for n in range(3)]
    b = [add(database, "b", path=f"/b/{n}") for n in range(2)]
    c = add(database, "a", peer="dr-1")  # the same key at another peer is another queue
    peer = FakePeer(Delivery(503))  # a[0] fails first: only key "a" of ta-1 waits for it
    clock = Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 4  # the run of "b" goes in one round, one message after the other
    assert outbox.run_once() == 0
    assert peer.ids == [a[0], b[0], b[1], c]
    assert [row(database, later).lease_until for later in a[1:]] == [None, None]  # given back untried
    clock.advance(10)
    while outbox.run_once():
        pass
    assert peer.ids[4:] == a
    assert set(states(database).values()) == {"delivered"}


def test_a_peer_that_gave_no_answer_is_not_called_again_in_the_same_round(database: Database) -> None:
    """A hanging peer costs one timeout per round, not one per message: the others' deliveries go on."""
    silent = [add(database, f"s{n}") for n in range(3)]
    other = add(database, "o", peer="dr-1")
    peer = FakePeer(Delivery(None, error="ReadTimeout: timed out"))
    clock = Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 2
    assert peer.ids == [silent[0], other]
    for waiting in silent[1:]:  # given back untried, due when the silent peer is tried again
        message = row(database, waiting)
        assert (message.attempts, message.lease_until) == (0, None)
        assert message.next_attempt_at == row(database, silent[0]).next_attempt_at == clock.now + timedelta(seconds=10)
    assert outbox.run_once() == 0
    clock.advance(10)
    while outbox.run_once():
        pass
    assert peer.ids[2:] == silent
    assert set(states(database).values()) == {"delivered"}


def test_a_peer_that_trickles_its_answer_holds_a_round_no_longer_than_a_calls_deadline(database: Database) -> None:
    """A TA that answered a document fetch with 200 and then a byte every 3 s (here 0.1 s) held the relay for ever
    (its lease renewed, other schools' messages never sent): the fetch now fails at its deadline and is tried again
    later, while the other peer's message goes in the same round."""
    app = servers.fake_peer()

    @app.get("/ooapi/documents/{documentId}")
    async def document(documentId: str) -> StreamingResponse:
        async def trickle() -> AsyncIterator[bytes]:
            for _ in range(200):  # 20 s
                yield b"%"
                await asyncio.sleep(0.1)

        return StreamingResponse(trickle(), media_type="application/pdf")

    @app.put("/ooapi/offerings/{offeringId}")
    async def offering(offeringId: str) -> dict[str, str]:
        return {}

    fetch = add(database, "doc-1", method="GET", path="/documents/doc-1", peer="ta-trickle")
    other = add(database, "o-1", peer="ta-ok")
    with servers.running(app, servers.free_port()) as base, httpx.Client() as http:
        tokens = TokenSource(http, token_url=f"{base}/oauth2/token", client_id="tp", secret="s", scope=None)
        timeout = httpx.Timeout(1, connect=5)  # each byte well in time: only the call's deadline ends it
        client = OoapiClient(f"{base}/ooapi", tokens, http, timeout=timeout)
        directory: Any = SimpleNamespace(client=lambda name: client)
        outbox = Relay(database.engine, http_delivery(directory, max_document_bytes=10_000), POLICY, concurrency=2)
        started = time.monotonic()
        assert outbox.run_once() == 2
        assert time.monotonic() - started < 8  # its deadline: 3 reads of 1 s, 10 KB at 1 MB/s; 20 s before
    failed = row(database, fetch)
    assert (failed.state, failed.attempts, failed.last_status) == ("pending", 1, None)
    assert failed.last_error is not None and "ReadTimeout: the answer took longer than" in failed.last_error
    assert row(database, other).state == "delivered"


def test_a_server_error_is_retried_after_the_backoff_and_delivered_once(database: Database) -> None:
    message_id = add(database)
    peer = FakePeer(Delivery(500, {"Content-Type": "text/plain"}, b"database down"))
    clock = Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 1
    failed = row(database, message_id)
    assert (failed.state, failed.attempts, failed.last_status) == ("pending", 1, 500)
    assert failed.last_error == "HTTP 500: database down"
    assert failed.next_attempt_at == clock.now + timedelta(seconds=10)
    assert failed.lease_until is None
    clock.advance(9.9)
    assert outbox.run_once() == 0
    clock.advance(0.1)
    assert outbox.run_once() == 1
    clock.advance(1000)
    assert outbox.run_once() == 0
    assert peer.ids == [message_id, message_id]
    done = row(database, message_id)
    assert (done.state, done.attempts, done.last_status, done.last_error) == ("delivered", 2, 204, None)


def test_too_many_requests_waits_for_retry_after(database: Database) -> None:
    message_id = add(database)
    peer = FakePeer(Delivery(429, {"retry-after": "30"}))
    clock = Clock()
    outbox = relay(database, peer, clock)
    outbox.run_once()
    clock.advance(29)
    assert outbox.run_once() == 0
    clock.advance(1)
    assert outbox.run_once() == 1
    assert peer.ids == [message_id, message_id]


def test_a_refused_message_is_parked_with_the_problem_and_an_operator_retries_it(database: Database) -> None:
    refused = add(database)
    later = add(database, method="PATCH", snapshot=False)
    body = json.dumps(PROBLEM).encode()
    peer = FakePeer(Delivery(400, {"Content-Type": "application/problem+json"}, body))
    clock = Clock()
    outbox = relay(database, peer, clock)
    outbox.run_once()
    parked = row(database, refused)
    assert (parked.state, parked.attempts, parked.last_status, parked.problem) == ("parked", 1, 400, PROBLEM)
    assert parked.last_error is not None and parked.last_error.startswith("HTTP 400: ")
    assert outbox.run_once() == 0  # a parked message holds back the later ones of its key
    assert peer.ids == [refused]

    with database.sessions() as session:
        assert [m.id for m in operations.list_messages(session, state="parked")] == [refused]
        with pytest.raises(NotFound):
            operations.retry(session, 10**9)
        operations.retry(session, refused)
        session.commit()
    clock.catch_up()
    assert outbox.run_once() == 2  # the retried one, then the one it held back
    assert peer.ids == [refused, refused, later]
    done = row(database, refused)
    assert (done.state, done.attempts, done.problem) == ("delivered", 2, None)
    with database.sessions() as session, pytest.raises(Conflict):
        operations.retry(session, refused)


def test_a_problem_larger_than_a_few_kilobytes_is_not_stored(database: Database) -> None:
    """A peer's 50 MB problem was stored whole in `problem`: one over `PROBLEM_MAX_BYTES` is dropped, and
    `last_error` keeps its start."""
    refused = add(database)
    body = json.dumps({**PROBLEM, "detail": "A" * (PROBLEM_MAX_BYTES + 1)}).encode()
    relay(database, FakePeer(Delivery(400, {"Content-Type": "application/problem+json"}, body)), Clock()).run_once()
    parked = row(database, refused)
    assert (parked.state, parked.last_status, parked.problem) == ("parked", 400, None)
    assert parked.last_error is not None and len(parked.last_error) < 600
    assert parked.last_error.startswith('HTTP 400: {"type": "about:blank"')


def test_an_answer_the_sender_rejects_parks_the_message_whatever_its_status(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A document larger than the limit came with a 200: its fetch is parked, not delivered (nor kept), and the
    later messages of its key wait behind it."""
    message_id = add(database, "doc-1", method="GET", path="/documents/doc-1")
    later = add(database, "doc-1", method="GET", path="/documents/doc-1", snapshot=False)
    kept: list[bytes] = []
    reason = "answer larger than 1000 bytes (OKE_MAX_DOCUMENT_BYTES)"
    peer = FakePeer(Delivery(200, {"Content-Type": "application/pdf"}, rejected=reason))
    outbox = relay(database, peer, Clock(), on_delivered={"flow2.offering": lambda _c, _m, d: kept.append(d.body)})
    caplog.set_level(logging.WARNING, logger="oke.outbox.relay")
    assert outbox.run_once() == 1
    parked = row(database, message_id)
    assert (parked.state, parked.attempts, parked.last_status, parked.problem) == ("parked", 1, 200, None)
    assert parked.last_error == f"{reason}; HTTP 200"
    assert kept == [] and row(database, later).state == "pending" and peer.ids == [message_id]
    assert any(reason in record.getMessage() and "parked" in record.getMessage() for record in caplog.records)


def test_a_parked_message_is_logged_without_the_peers_answer(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The peer's problem may repeat a student's name or e-mail: it stays in the row (`oke outbox show`), and the
    log line says the message, peer, kind and status only (docs/operations.md, "Logs")."""
    message_id = add(database)
    detail = {"type": "about:blank", "status": 404, "detail": "no participation of Jan Jansen <jan@example.nl>"}
    answer = Delivery(404, {"Content-Type": "application/problem+json"}, json.dumps(detail).encode())
    caplog.set_level(logging.WARNING, logger="oke.outbox.relay")
    relay(database, FakePeer(answer), Clock()).run_once()
    assert row(database, message_id).problem == detail
    [line] = [record.getMessage() for record in caplog.records if record.name == "oke.outbox.relay"]
    assert line == (
        f"outbox message {message_id} to ta-1 (flow2.offering) parked: HTTP 404; "
        f"`oke outbox show {message_id}` shows the answer"
    )


def test_a_peer_that_keeps_failing_is_logged_when_it_starts_once_in_ten_minutes_and_when_it_is_back(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The drill found a wrong secret (the token endpoint's 401 invalid_client) retried for ever with nothing in the
    log. Its messages stay pending; the log says why once, then every ten minutes, never the error's text."""
    waiting = [add(database, f"o-{n}", peer="dr-x") for n in range(3)]
    add(database, "o-ta", peer="ta-1")
    secret_text = "token endpoint https://dr.example/oauth2/token (client 'oke') answered 401: invalid_client: s3cret"
    refused = Delivery(None, error=secret_text, reason="token endpoint answered 401 invalid_client")
    fixed = threading.Event()

    def deliver(message: OutboundMessage) -> Delivery:
        return Delivery(204) if message.peer != "dr-x" or fixed.is_set() else refused

    clock = Clock()
    outbox = relay(database, deliver, clock)
    caplog.set_level(logging.INFO, logger="oke.outbox.relay")
    for _ in range(67):  # attempts at 0, 10, 30, 70, 150, 250 ... 650 s (the backoff is at most 100 s)
        outbox.run_once()
        clock.advance(10)
    told = [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "oke.outbox.relay"]
    assert told == [
        (
            "WARNING",
            "peer dr-x: token endpoint answered 401 invalid_client; 3 messages wait (`oke outbox list --peer dr-x`)",
        ),
        (
            "WARNING",
            "peer dr-x still fails, for 11 minutes: token endpoint answered 401 invalid_client; 3 messages wait",
        ),
    ]
    assert {states(database)[id_] for id_ in waiting} == {"pending"}
    assert "s3cret" not in caplog.text
    caplog.clear()
    fixed.set()  # the operator fixed the secret (`oke peers update`)
    clock.advance(100)
    while outbox.run_once():
        pass
    assert {states(database)[id_] for id_ in waiting} == {"delivered"}
    told = [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "oke.outbox.relay"]
    assert told == [("INFO", "peer dr-x takes its messages again, after 13 minutes")]


def test_retry_all_parked_makes_every_parked_message_of_a_peer_due(database: Database) -> None:
    ids = [add(database, f"o-{n}", peer=f"ta-{n % 2}") for n in range(4)]
    peer = FakePeer(*[Delivery(404)] * 4)
    clock = Clock()
    outbox = relay(database, peer, clock)
    outbox.run_once()
    with database.sessions() as session:
        assert operations.retry_all(session, "parked", "ta-0") == 2
        session.commit()
    clock.catch_up()
    assert outbox.run_once() == 2
    assert peer.ids[4:] == [ids[0], ids[2]]
    with database.sessions() as session:
        assert operations.retry_all(session, "parked") == 2
        session.commit()


def test_retry_all_pending_sends_a_peer_s_waiting_messages_now(database: Database) -> None:
    """A peer that was down is back: `oke outbox retry --all-pending --peer P` ends the backoff of every message
    waiting for P (walkthrough: one command per message on a results day), and leaves other peers' and parked
    ones alone."""
    ids = [add(database, f"o-{n}", peer=f"dr-{n % 2}") for n in range(4)]
    parked = add(database, "o-9", peer="dr-0")
    peer, clock = FakePeer(*[Delivery(503)] * 4, Delivery(404)), Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 5
    assert outbox.run_once() == 0  # all wait out their backoff, or an operator
    url = ["--database-url", database.url]
    answer = CliRunner().invoke(outbox_cli.app, ["retry", "--all-pending", "--peer", "dr-0", *url])
    assert (answer.exit_code, answer.stdout.strip()) == (0, "2 message(s) due again"), answer.output
    clock.catch_up()  # the others' backoff runs on: 10 s after the clock's start
    assert outbox.run_once() == 2
    assert peer.ids[5:] == [ids[0], ids[2]]
    assert row(database, parked).state == "parked"
    both = CliRunner().invoke(outbox_cli.app, ["retry", "--all-pending", "--all-parked", *url])
    assert both.exit_code == 2


@pytest.mark.parametrize("error", [ConnectionError("connection refused"), httpx.ConnectError("connection refused")])
def test_a_network_error_raised_by_deliver_is_a_transport_error(database: Database, error: Exception) -> None:
    message_id = add(database)
    peer = FakePeer(error)
    clock = Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 1
    failed = row(database, message_id)
    assert (failed.state, failed.last_status, failed.last_error) == (
        "pending",
        None,
        f"{type(error).__name__}: connection refused",
    )
    clock.advance(10)
    assert outbox.run_once() == 1
    assert row(database, message_id).state == "delivered"


def test_a_bug_in_deliver_is_logged_with_its_traceback_once_and_retried_until_a_fixed_release_sends_it(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A sender's bug was taken for a transport error: one warning with the exception's type, retried for ever,
    holding up its key. Now it is logged at ERROR with its traceback, once per message and error (not the error's
    text, which may name a student: it is in the row), retried with the backoff, and says nothing of the peer."""
    buggy = add(database, "a")
    other = add(database, "b")  # the same peer, another key: not held up by the bug
    peer = FakePeer(KeyError("Jansen"), Delivery(204), KeyError("Jansen"), TypeError("no Jansen"))
    clock = Clock()
    outbox = relay(database, peer, clock)
    caplog.set_level(logging.INFO, logger="oke.outbox.relay")
    assert outbox.run_once() == 2
    failed = row(database, buggy)
    assert (failed.state, failed.attempts, failed.last_status) == ("pending", 1, None)
    assert failed.last_error == "internal error: KeyError: 'Jansen'"
    assert row(database, other).state == "delivered"
    [told] = [record for record in caplog.records if record.name == "oke.outbox.relay"]
    assert told.levelname == "ERROR"
    said = told.getMessage()
    assert said.startswith(f"outbox message {buggy} to ta-1 (flow2.offering): its sender raised KeyError, an internal")
    assert "Traceback (most recent call last)" in said and "in __call__" in said and "Jansen" not in said
    for seconds in (10, 20):  # the same bug, then another one: a line without, then one with a traceback
        caplog.clear()
        clock.advance(seconds)
        assert outbox.run_once() == 1
        assert row(database, buggy).state == "pending"
    assert row(database, buggy).last_error == "internal error: TypeError: no Jansen"
    clock.advance(40)  # the fixed release
    assert outbox.run_once() == 1
    assert row(database, buggy).state == "delivered"


def test_a_bug_said_again_is_a_line_without_its_traceback(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    message_id = add(database)
    peer = FakePeer(KeyError("x"), KeyError("x"), RuntimeError("y"))
    clock = Clock()
    outbox = relay(database, peer, clock)
    caplog.set_level(logging.INFO, logger="oke.outbox.relay")
    for _ in range(3):
        outbox.run_once()
        clock.advance(100)
    told = [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "oke.outbox.relay"]
    assert [level for level, _ in told] == ["ERROR", "WARNING", "ERROR"]
    assert told[1][1] == f"outbox message {message_id} to ta-1 (flow2.offering): its sender raised KeyError again " + (
        "(internal error); tried again after backoff"
    )
    assert "RuntimeError" in told[2][1] and "Traceback" in told[2][1]


def test_giving_up_after_max_attempts_parks(database: Database) -> None:
    message_id = add(database)
    peer = FakePeer(Delivery(502), Delivery(502))
    clock = Clock()
    outbox = Relay(database.sessions, peer, RetryPolicy(base_seconds=1, jitter=0, max_attempts=2), clock=clock)
    outbox.run_once()
    clock.advance(1)
    outbox.run_once()
    parked = row(database, message_id)
    assert (parked.state, parked.attempts) == ("parked", 2)
    assert parked.last_error == "gave up after 2 attempts (last: HTTP 502); HTTP 502"


#: A kind that retries a 404 for five minutes, as TP's document fetches do for an hour (flow 3.3).
FETCH = "documents.fetch"
PATIENT = replace(POLICY, patience={FETCH: Patience(frozenset({404}), 300, "the document does not exist at TA")})


def test_a_kind_retries_a_404_for_a_while_and_then_its_answer_is_kept(database: Database) -> None:
    """A document that TA writes a little after naming it is fetched in the end; a 404 to any other message is
    still a refusal. The 404s hold back the later messages of their key only."""
    fetch = add(database, "doc-1", kind=FETCH, method="GET", path="/documents/doc-1")
    refused = add(database, "o-1")
    other = add(database, "o-2")
    missing = Delivery(404, {"Content-Type": "application/problem+json"}, b'{"title": "Not found", "status": 404}')
    pdf = Delivery(200, {"Content-Type": "application/pdf"}, b"%PDF")
    peer = FakePeer(missing, missing, Delivery(204), missing, pdf)
    kept: list[bytes] = []
    clock = Clock()
    keep = {FETCH: lambda _connection, _message, delivery: kept.append(delivery.body)}
    outbox = Relay(database.engine, peer, PATIENT, clock=clock, on_delivered=keep)
    assert outbox.run_once() == 3
    assert states(database) == {fetch: "pending", refused: "parked", other: "delivered"}
    waiting = row(database, fetch)
    assert (waiting.attempts, waiting.last_status, waiting.next_attempt_at) == (
        1,
        404,
        clock.now + timedelta(seconds=10),
    )
    clock.advance(10)
    assert outbox.run_once() == 1
    clock.advance(20)
    assert outbox.run_once() == 1
    assert peer.ids == [fetch, refused, other, fetch, fetch]
    assert kept == [b"%PDF"]
    done = row(database, fetch)
    assert (done.state, done.attempts, done.last_error, done.problem) == ("delivered", 3, None, None)


def test_a_kind_parks_a_404_once_its_time_is_up_saying_why(database: Database) -> None:
    fetch = add(database, "doc-1", kind=FETCH, method="GET", path="/documents/doc-1")
    problem = {"title": "Not found", "status": 404, "detail": "no document doc-1"}
    peer = FakePeer(*[Delivery(404, {"Content-Type": "application/problem+json"}, json.dumps(problem).encode())] * 9)
    clock = Clock()
    outbox = Relay(database.engine, peer, PATIENT, clock=clock)
    while row(database, fetch).state == "pending":  # tried at 0, 10, 30, 70, 150, 250 and 350 s
        clock.now = row(database, fetch).next_attempt_at
        outbox.run_once()
    parked = row(database, fetch)
    assert (parked.state, parked.attempts, parked.last_status, parked.problem) == ("parked", 7, 404, problem)
    assert parked.last_error is not None
    reason, _, answer = parked.last_error.partition("; ")
    assert reason == "HTTP 404 at attempt 7, 6 minutes after it was queued: the document does not exist at TA"
    assert answer.startswith("HTTP 404: ")

    with database.sessions() as session:  # an operator's retry is one more attempt
        operations.retry(session, fetch)
        session.commit()
    clock.advance(1)
    assert outbox.run_once() == 1
    again = row(database, fetch)
    assert (again.state, again.attempts) == ("parked", 8)


def test_a_newer_snapshot_supersedes_the_waiting_ones(database: Database) -> None:
    puts = [add(database, body={"version": n}) for n in range(3)]
    patch = add(database, method="PATCH", body={"x": 1}, snapshot=False)
    patched_again = add(database, method="PATCH", body={"x": 2}, snapshot=False)
    other_path = add(database, path="/offerings/o-1/other")
    assert states(database) == {
        puts[0]: "superseded",
        puts[1]: "superseded",
        puts[2]: "pending",
        patch: "pending",
        patched_again: "pending",
        other_path: "pending",
    }
    peer = FakePeer()
    outbox = relay(database, peer, Clock())
    while outbox.run_once():
        pass
    assert peer.ids == [puts[2], patch, patched_again, other_path]
    assert peer.calls[0].body == {"version": 2}


def test_the_messages_of_one_unit_of_work_are_written_as_if_one_by_one(database: Database) -> None:
    """A unit of work writes its messages at its commit, all at once: a snapshot still replaces the waiting
    messages of its call, those of earlier units and those added before it in the same one."""
    before = add(database, body={"version": 0})
    with UnitOfWork(database.sessions) as uow:
        outbox = Outbox(uow)
        message = {"tenant": "school", "peer": "ta-1", "kind": "flow2.offering", "key": "o-1"}
        outbox.add(**message, method="PUT", path="/offerings/o-1", body={"version": 1})
        outbox.add(**message, method="PATCH", path="/offerings/o-1", body={"x": 1}, snapshot=False)
        outbox.add(**message, method="GET", path="/offerings/o-1", snapshot=False)
        outbox.add(**message, method="GET", path="/offerings/o-1")  # a snapshot replaces what is no snapshot too
        outbox.add(**message, method="PUT", path="/offerings/o-1", body={"version": 2})
        uow.commit()
    first = before + 1
    assert states(database) == {
        before: "superseded",
        first: "superseded",
        first + 1: "pending",
        first + 2: "superseded",
        first + 3: "pending",
        first + 4: "pending",
    }
    with database.sessions() as session:
        without_body = session.scalars(select(OutboxMessage.id).where(OutboxMessage.body.is_(None))).all()
    assert sorted(without_body) == [first + 2, first + 3]  # SQL NULL, not JSON's null
    peer = FakePeer()
    outbox_relay = relay(database, peer, Clock())
    while outbox_relay.run_once():
        pass
    assert [(call.method, call.body) for call in peer.calls] == [
        ("PATCH", {"x": 1}),
        ("GET", None),
        ("PUT", {"version": 2}),
    ]


def test_a_batch_writes_its_messages_in_two_statements(database: Database) -> None:
    """However many messages a batch of writes adds (a flow 1 push, flow 5 after many flow 3 messages), its
    commit replaces the older snapshots with one statement and writes the messages with one more."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "outbox_messages" in statement:
            statements.append(statement.split()[0])

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with UnitOfWork(database.sessions) as uow:
            for n in range(50):
                Outbox(uow).add(tenant="school", peer="dr-1", kind="flow5", key=f"a-{n}", method="PUT", path=f"/a/{n}")
            uow.commit()
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert statements == ["UPDATE", "INSERT"]
    assert len(states(database)) == 50


def test_a_round_records_a_failure_at_once_and_its_deliveries_in_one_statement_at_its_end(database: Database) -> None:
    """A failed attempt is recorded by one UPDATE (on PostgreSQL committed by itself: no BEGIN and COMMIT round
    trips); the round's deliveries together when it ends, one statement for all of them."""
    for n in range(5):
        add(database, f"k{n}")
    postgresql = database.engine.dialect.name == "postgresql"
    recorded: list[tuple[int, bool]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.startswith("UPDATE outbox_messages") and "last_status" in statement:
            autocommit = postgresql and conn.connection.dbapi_connection.autocommit
            recorded.append((len(parameters) if executemany else 1, autocommit))

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        assert relay(database, FakePeer(Delivery(204), Delivery(503)), Clock()).run_once() == 5
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert recorded == [(1, postgresql), (4, False)]
    assert sorted(states(database).values()) == ["delivered"] * 4 + ["pending"]
    delivered = [row(database, id_) for id_, state in states(database).items() if state == "delivered"]
    assert {(r.attempts, r.last_status, r.lease_until, r.delivered_at is not None) for r in delivered} == {
        (1, 204, None, True)
    }


def test_deliveries_whose_outcome_was_not_kept_are_sent_again_after_the_lease(database: Database) -> None:
    """The database goes away before the round's deliveries are recorded: the round fails, its messages stay
    leased, and once the lease runs out they are sent again (a snapshot may be: it is the newest state)."""
    ids = [add(database, f"k{n}") for n in range(3)]

    def away(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if executemany and statement.startswith("UPDATE outbox_messages"):
            raise ConnectionError("the database went away")

    clock, peer = Clock(), FakePeer()
    event.listen(database.engine, "before_cursor_execute", away)
    try:
        with pytest.raises(ConnectionError):
            relay(database, peer, clock, lease_seconds=60).run_once()
    finally:
        event.remove(database.engine, "before_cursor_execute", away)
    assert states(database) == dict.fromkeys(ids, "pending")
    clock.advance(59)
    assert relay(database, peer, clock).run_once() == 0
    clock.advance(1)
    assert relay(database, peer, clock).run_once() == 3
    assert sorted(peer.ids) == sorted(ids * 2)
    assert states(database) == dict.fromkeys(ids, "delivered")


def test_a_message_waiting_out_its_backoff_is_superseded(database: Database) -> None:
    """The peer is down: once back it gets the newest state only, not first one TA had replaced (walkthrough: DR
    got a withdrawn 8.0 before the no-show that replaced it)."""
    tried = add(database, body={"version": 1})
    peer = FakePeer(Delivery(503))
    clock = Clock()
    outbox = relay(database, peer, clock)
    outbox.run_once()
    newer = add(database, body={"version": 2})
    assert states(database) == {tried: "superseded", newer: "pending"}
    clock.advance(10)
    while outbox.run_once():
        pass
    assert peer.ids == [tried, newer]


def test_a_message_a_relay_holds_is_not_superseded(database: Database) -> None:
    """A leased message may be on its way to the peer at this moment: the newer one goes after it."""
    held = add(database, body={"version": 1})
    with database.sessions() as session:
        session.get(OutboxMessage, held).lease_until = utcnow() + timedelta(seconds=60)  # type: ignore[union-attr]
        session.commit()
    newer = add(database, body={"version": 2})
    assert states(database) == {held: "pending", newer: "pending"}


def test_a_refused_snapshot_is_superseded_by_a_newer_one(database: Database) -> None:
    refused = add(database, body={"version": 1})
    relay(database, FakePeer(Delivery(422)), Clock()).run_once()
    newer = add(database, body={"version": 2})
    assert states(database) == {refused: "superseded", newer: "pending"}


def test_a_dead_relays_lease_expires_and_another_relay_takes_over(database: Database) -> None:
    first, second = add(database), add(database, method="PATCH", snapshot=False)
    clock = Clock()
    dying = relay(database, FakePeer(Died()), clock, lease_seconds=60)
    with pytest.raises(Died):
        dying.run_once()
    leased = row(database, first)
    assert (leased.state, leased.attempts, leased.lease_until) == ("pending", 0, clock.now + timedelta(seconds=60))
    peer = FakePeer()
    other = relay(database, peer, clock)
    clock.advance(59)
    assert other.run_once() == 0
    clock.advance(1)
    while other.run_once():
        pass
    assert peer.ids == [first, second]
    assert states(database) == {first: "delivered", second: "delivered"}


def test_an_outcome_after_the_lease_was_taken_over_is_dropped(database: Database) -> None:
    message_id = add(database)
    clock = Clock()
    taken_over = threading.Event()

    def slow(message: OutboundMessage) -> Delivery:
        clock.advance(61)  # the lease runs out while the peer thinks
        assert relay(database, FakePeer(Delivery(409)), clock).run_once() == 1
        taken_over.set()
        return Delivery(204)

    relay(database, slow, clock, lease_seconds=60).run_once()  # type: ignore[arg-type]
    assert taken_over.is_set()
    parked = row(database, message_id)
    assert (parked.state, parked.last_status) == ("parked", 409)


def test_a_relay_renews_its_lease_while_a_delivery_takes_longer_than_the_lease(database: Database) -> None:
    """A lease is short (a dead relay's messages are soon taken over), so a live relay renews it while its
    peer thinks: a rival relay takes nothing meanwhile, and the one delivery is recorded."""
    message_id = add(database)
    clock = Clock()
    rival_peer = FakePeer()
    rival = relay(database, rival_peer, clock, lease_seconds=0.3)

    def renewed() -> bool:
        """Whether the lease was pushed on from the clock's present (the relay renews every 0.1 s, real time)."""
        return row(database, message_id).lease_until == clock.now + timedelta(seconds=0.3)

    def slow(message: OutboundMessage) -> Delivery:
        for _ in range(6):  # 1.2 s on the relays' clock: four leases long, so the first lease has long run out
            clock.advance(0.2)
            eventually(renewed, seconds=30)
            assert rival.run_once() == 0
        return Delivery(204)

    assert relay(database, slow, clock, lease_seconds=0.3).run_once() == 1  # type: ignore[arg-type]
    delivered = row(database, message_id)
    assert (delivered.state, delivered.attempts, delivered.lease_until, delivered.lease_holder) == (
        "delivered",
        1,
        None,
        None,
    )
    assert rival_peer.calls == []


def test_a_relay_that_cannot_renew_its_lease_loses_the_message_to_another(database: Database) -> None:
    """Renewing fails (the database is away for this relay): the lease runs out, another relay sends the
    message again (which every message allows), and the first relay's outcome is dropped."""
    message_id = add(database)
    clock = Clock()
    rival_peer = FakePeer(Delivery(409))
    renewals: list[str] = []

    def away(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if re.match(r"UPDATE outbox_messages SET lease_until=[^,]* WHERE outbox_messages.lease_holder", statement):
            renewals.append(statement)
            raise ConnectionError("the database went away")

    rival = relay(database, rival_peer, clock, lease_seconds=0.3)

    def slow(message: OutboundMessage) -> Delivery:
        eventually(lambda: renewals, seconds=30)  # the relay tried to renew its lease (real time: every 0.1 s)
        clock.advance(0.3)  # and the lease ran out
        assert rival.run_once() == 1
        return Delivery(204)

    event.listen(database.engine, "before_cursor_execute", away)
    try:
        relay(database, slow, clock, lease_seconds=0.3).run_once()  # type: ignore[arg-type]
    finally:
        event.remove(database.engine, "before_cursor_execute", away)
    assert [call.id for call in rival_peer.calls] == [message_id]
    parked = row(database, message_id)
    assert (parked.state, parked.last_status) == ("parked", 409)


def queued_per_key(database: Database, *, messages: int, keys: int) -> dict[str, list[int]]:
    """`messages` POSTs spread over `keys` objects (never superseded); their ids per key, in order."""
    expected: dict[str, list[int]] = defaultdict(list)
    for n in range(messages):
        key = f"o-{n % keys}"
        expected[key].append(add(database, key, method="POST", path=f"/{key}/{n}", snapshot=False))
    return expected


def deliver_all(database: Database, relays: list[Relay]) -> None:
    """Run two relays side by side until every message is delivered (a minute at most)."""
    with running(relays[0], idle_seconds=0.01), running(relays[1], idle_seconds=0.01):
        deadline = time.monotonic() + 60
        while set(states(database).values()) != {"delivered"} and time.monotonic() < deadline:
            time.sleep(0.05)
    assert set(states(database).values()) == {"delivered"}


def test_two_relays_deliver_every_message_exactly_once_in_order_per_key(database: Database) -> None:
    expected = queued_per_key(database, messages=120, keys=12)
    calls: list[tuple[str, int, str]] = []
    lock = threading.Lock()
    both_delivering = threading.Barrier(2, timeout=30)

    def deliver_as(name: str) -> Any:
        def deliver(message: OutboundMessage) -> Delivery:
            with lock:
                first = all(call[0] != name for call in calls)
                calls.append((name, message.id, message.key))
            if first:  # a fast relay could otherwise drain the queue before the other one polls
                both_delivering.wait()
            time.sleep(0.001)
            return Delivery(201)

        return deliver

    relays = [Relay(database.engine, deliver_as(name), POLICY, batch=5) for name in ("one", "two")]
    deliver_all(database, relays)
    assert sorted(call[1] for call in calls) == sorted(i for ids in expected.values() for i in ids)
    for key, ids in expected.items():
        assert [call[1] for call in calls if call[2] == key] == ids
    assert {call[0] for call in calls} == {"one", "two"}


def test_relays_with_several_senders_never_have_two_calls_of_one_key_in_flight(database: Database) -> None:
    expected = queued_per_key(database, messages=160, keys=16)
    calls: list[tuple[int, str]] = []
    in_flight: set[str] = set()
    overlaps: list[str] = []
    most_at_once = 0
    lock = threading.Lock()
    two_at_once = threading.Event()

    def deliver(message: OutboundMessage) -> Delivery:
        nonlocal most_at_once
        with lock:
            if message.key in in_flight:
                overlaps.append(message.key)
            in_flight.add(message.key)
            calls.append((message.id, message.key))
            most_at_once = max(most_at_once, len(in_flight))
            if most_at_once > 1:
                two_at_once.set()
        two_at_once.wait(30)  # the first call waits for a second: a fast sender could otherwise finish it alone
        time.sleep(0.002)
        with lock:
            in_flight.discard(message.key)
        return Delivery(201)

    relays = [Relay(database.engine, deliver, POLICY, batch=12, run_length=3, concurrency=4) for _ in range(2)]
    deliver_all(database, relays)
    assert sorted(call[0] for call in calls) == sorted(i for ids in expected.values() for i in ids)
    for key, ids in expected.items():
        assert [call[0] for call in calls if call[1] == key] == ids
    assert overlaps == []
    assert most_at_once > 1


def test_one_long_queue_does_not_hold_up_the_others(database: Database) -> None:
    """A run of one key is at most `run_length` messages a round; the claim reads no delivered row."""
    long = [add(database, "long", method="POST", path=f"/long/{n}", snapshot=False) for n in range(30)]
    other = add(database, "other")
    peer = FakePeer()
    outbox = relay(database, peer, Clock(), run_length=25)
    assert outbox.run_once() == 26
    assert peer.ids == [*long[:25], other]
    assert outbox.run_once() == 5
    assert peer.ids[26:] == long[25:]


def test_a_backlog_waiting_for_a_peer_that_is_down_is_not_read_by_the_claim(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a peer is down its messages wait; every round still looks for due ones (new messages, other peers).
    The claim finds them through the index of (state, next_attempt_at): it used to read every live row."""
    with database.sessions() as session:
        session.add_all(
            OutboxMessage(
                tenant="school",
                peer="dr-1",
                kind="flow5.result",
                key=f"waiting-{n}",
                method="PATCH",
                path=f"/associations/{n}",
                attempts=3,
                next_attempt_at=utcnow() + timedelta(hours=1),
            )
            for n in range(1500)
        )
        session.commit()
    due = [add(database, "new-1"), add(database, "new-2")]
    clock = Clock()  # after the due ones were written: writing the backlog may take longer than the clock's second
    fetched = fetched_rows(monkeypatch)
    peer = FakePeer()
    assert relay(database, peer, clock).run_once() == 2
    assert peer.ids == due
    assert sum(fetched) < 10, fetched


def test_the_claim_leaves_a_full_run_out_of_its_next_reads(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """One key with thousands of due messages ahead of the others (a whole flow 1 push): once its run is full,
    the claim's next chunks leave that key out, rather than reading its rows to pass them over."""
    with database.sessions() as session:
        session.add_all(
            OutboxMessage(tenant="school", peer="dr-1", kind="flow1", key="push", method="PUT", path=f"/p/{n}")
            for n in range(3 * SCAN_CHUNK)
        )
        session.commit()
    others = [add(database, f"other-{n}") for n in range(3)]
    clock = Clock()
    fetched = fetched_rows(monkeypatch)
    peer = FakePeer()
    assert relay(database, peer, clock, run_length=25).run_once() == 28
    assert peer.ids[25:] == others
    assert sum(fetched) < SCAN_CHUNK + 50, fetched  # a chunk, then the others' rows and the claimed ones


def fetched_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, how many rows each statement of this thread returns (other tests' servers run beside it)."""
    fetched: list[int] = []
    execute = Connection.execute
    relaying = threading.get_ident()

    def counting(self: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        result = execute(self, statement, *args, **kwargs)
        if not result.returns_rows or threading.get_ident() != relaying:
            return result
        frozen = result.freeze()
        fetched.append(len(frozen.data))
        return frozen()

    monkeypatch.setattr(Connection, "execute", counting)
    return fetched


def test_keys_whose_head_waits_do_not_hold_up_a_due_key_after_them(database: Database) -> None:
    heads = [add(database, f"k{n}", path="/first") for n in range(5)]
    clock = Clock()
    hourly = replace(POLICY, base_seconds=3600, max_seconds=3600)  # each head waits an hour, whatever the writes take
    assert Relay(database.engine, FakePeer(*[Delivery(503)] * 5), hourly, clock=clock).run_once() == 5
    behind = [add(database, f"k{n}", path="/second") for n in range(5)]  # due, but behind their heads
    fresh = add(database, "fresh")
    clock.catch_up()
    peer = FakePeer()
    assert relay(database, peer, clock, batch=2).run_once() == 1
    assert peer.ids == [fresh]
    clock.advance(3600)
    outbox = relay(database, peer, clock)
    while outbox.run_once():
        pass
    assert set(peer.ids[1:]) == {*heads, *behind}
    assert all(peer.ids.index(head) < peer.ids.index(later) for head, later in zip(heads, behind, strict=True))


def test_every_attempt_is_counted_by_outcome(database: Database) -> None:
    def count(outcome: str) -> float:
        labels = {"peer": "metered", "kind": "flow2.offering", "outcome": outcome}
        return REGISTRY.get_sample_value("oke_outbox_attempts_total", labels) or 0.0

    before = {outcome: count(outcome) for outcome in ("delivered", "retry", "parked")}
    add(database, "o-1", peer="metered")
    add(database, "o-2", peer="metered")
    peer = FakePeer(Delivery(503), Delivery(404))
    clock = Clock()
    outbox = relay(database, peer, clock)
    outbox.run_once()
    clock.advance(10)
    outbox.run_once()
    after = {outcome: count(outcome) - before[outcome] for outcome in before}
    assert after == {"delivered": 1, "retry": 1, "parked": 1}


def test_the_cli_lists_shows_and_retries(database: Database) -> None:
    delivered = add(database, "o-1")
    refused = add(database, "o-2", body={"offeringId": "o-2"})
    body = json.dumps(PROBLEM).encode()
    relay(
        database, FakePeer(Delivery(204), Delivery(400, {"content-type": "application/problem+json"}, body)), Clock()
    ).run_once()
    runner = CliRunner()
    url = ["--database-url", database.url]

    listed = runner.invoke(outbox_cli.app, ["list", "--json", *url])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["state"], r["last_status"]) for r in rows] == [
        (refused, "parked", 400),
        (delivered, "delivered", 204),
    ]
    assert rows[0]["problem"] == PROBLEM
    parked = json.loads(runner.invoke(outbox_cli.app, ["list", "--state", "parked", "--json", *url]).stdout)
    assert [r["id"] for r in parked] == [refused]
    assert runner.invoke(outbox_cli.app, ["list", "--peer", "nobody", "--json", *url]).stdout.strip() == "[]"
    for option, value, found in (("--school", "school", 2), ("--school", "other", 0), ("--kind", "flow5", 0)):
        listed = runner.invoke(outbox_cli.app, ["list", option, value, "--json", *url])
        assert len(json.loads(listed.stdout)) == found, (option, value)
    table = runner.invoke(outbox_cli.app, ["list", *url], env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "flow2.offering" in table.stdout
    [parked_line] = [line for line in table.stdout.splitlines() if " parked " in line]
    assert parked_line.split("│")[10].strip() == ""  # a parked message has no next attempt: it waits for an operator

    shown = runner.invoke(outbox_cli.app, ["show", str(refused), *url])
    assert json.loads(shown.stdout)["body"] == {"offeringId": "o-2"}
    assert runner.invoke(outbox_cli.app, ["show", "999999999", *url]).exit_code == 1

    not_parked = runner.invoke(outbox_cli.app, ["retry", str(delivered), *url])
    assert (not_parked.exit_code, "is delivered: only a parked or pending one" in not_parked.stderr) == (1, True)
    assert runner.invoke(outbox_cli.app, ["retry", *url]).exit_code == 2
    retried = runner.invoke(outbox_cli.app, ["retry", str(refused), *url])
    assert (retried.exit_code, retried.stdout.strip()) == (0, "1 message(s) due again")
    assert row(database, refused).state == "pending"
    assert runner.invoke(outbox_cli.app, ["retry", "--all-parked", *url]).stdout.strip() == "0 message(s) due again"


def test_retry_sends_a_pending_message_now_instead_of_after_its_backoff(database: Database) -> None:
    """After fixing what failed (e.g. the peer's secret) the operator need not wait out the backoff; a delivered or
    discarded message is not sent again, and --all-parked leaves pending ones alone."""
    failed, waiting = add(database, "o-1"), add(database, "o-2", peer="ta-2")
    peer, clock = FakePeer(Delivery(None, error="the token endpoint refused the secret"), Delivery(503)), Clock()
    outbox = relay(database, peer, clock)
    assert outbox.run_once() == 2
    assert states(database) == {failed: "pending", waiting: "pending"}
    assert outbox.run_once() == 0  # both wait out their backoff
    runner = CliRunner()
    url = ["--database-url", database.url]
    assert runner.invoke(outbox_cli.app, ["retry", "--all-parked", *url]).stdout.strip() == "0 message(s) due again"
    retried = runner.invoke(outbox_cli.app, ["retry", str(failed), *url])
    assert (retried.exit_code, retried.stdout.strip()) == (0, "1 message(s) due again"), retried.output
    clock.catch_up()  # the other's backoff runs on: 10 s after the clock's start
    assert outbox.run_once() == 1
    assert peer.ids == [failed, waiting, failed]
    assert (row(database, failed).state, row(database, failed).attempts) == ("delivered", 2)
    again = runner.invoke(outbox_cli.app, ["retry", str(failed), *url])
    assert (again.exit_code, again.stderr.strip()) == (
        1,
        f"error: outbox message {failed} is delivered: only a parked or pending one is sent again",
    )
    with database.sessions() as session:
        session.get(OutboxMessage, waiting).state = "discarded"  # type: ignore[union-attr]
        session.commit()
    assert runner.invoke(outbox_cli.app, ["retry", str(waiting), *url]).exit_code == 1


def test_an_operator_discards_a_parked_message_and_the_later_ones_of_its_key_go_on(database: Database) -> None:
    """A parked message holds back the later ones of its key; discarding it (audited, with a reason) lets them
    go, and only a parked message can be discarded."""
    refused, later = add(database, "o-1", path="/offerings/o-1"), add(database, "o-1", method="PATCH", snapshot=False)
    peer, clock = FakePeer(Delivery(400)), Clock()
    assert relay(database, peer, clock).run_once() == 1
    assert states(database) == {refused: "parked", later: "pending"}
    assert relay(database, peer, clock).run_once() == 0  # held back behind the parked one
    runner = CliRunner()
    url = ["--database-url", database.url]

    assert runner.invoke(outbox_cli.app, ["discard", str(refused), *url]).exit_code == 2  # a reason is required
    pending = runner.invoke(outbox_cli.app, ["discard", str(later), "--reason", "typo", *url])
    assert (pending.exit_code, "not parked" in pending.stderr) == (1, True)
    gone = runner.invoke(outbox_cli.app, ["discard", str(refused), "--reason", "TA has no such session", *url])
    assert (gone.exit_code, gone.stdout.strip()) == (0, f"message {refused} discarded"), gone.output
    assert relay(database, peer, clock).run_once() == 1
    assert peer.ids == [refused, later]
    assert states(database) == {refused: "discarded", later: "delivered"}
    [entry] = audit_trail_of(database, str(refused))
    assert (entry.flow, entry.path, json.loads(entry.body)) == (
        "operator",
        f"oke outbox discard {refused}",
        {"reason": "TA has no such session"},
    )
    unknown = runner.invoke(outbox_cli.app, ["list", "--state", "park", *url], env={"COLUMNS": "200"})
    assert (unknown.exit_code, "not one of 'pending', 'delivered', 'parked'" in unknown.stderr) == (2, True)


def test_the_cli_lists_from_one_to_a_bounded_number(database: Database) -> None:
    """`oke outbox list --limit` is refused outside 1 to `OPERATOR_MAX_LIMIT`: `--limit -1` listed every message
    (SQLite reads `LIMIT -1` as no limit), bodies included, and `--limit 0` none, without a word."""
    add(database, "o-1")
    newest = add(database, "o-2")
    runner, url = CliRunner(), ["--database-url", database.url]
    for limit in (-1, 0, OPERATOR_MAX_LIMIT + 1):
        refused = runner.invoke(outbox_cli.app, ["list", "--limit", str(limit), "--json", *url])
        assert refused.exit_code == 2, (limit, refused.output)
    listed = runner.invoke(outbox_cli.app, ["list", "--limit", "1", "--json", *url])
    assert [row["id"] for row in json.loads(listed.stdout)] == [newest], listed.output


def audit_trail_of(database: Database, object_id: str) -> Sequence[ReceivedMessage]:
    with database.sessions() as session:
        return audit_trail(session, AuditQuery(object_id=object_id))


@pytest.mark.parametrize(
    ("failure", "level", "last_error"),
    [
        (RuntimeError("disk full"), "ERROR", "internal error keeping the answer: RuntimeError: disk full"),
        (
            OperationalError("INSERT", {}, Exception("disk full")),
            "WARNING",
            "keeping the answer failed: OperationalError: (builtins.Exception) disk full",
        ),
    ],
)
def test_on_delivered_keeps_the_answer_and_a_failure_to_keep_it_is_retried(
    database: Database, caplog: pytest.LogCaptureFixture, failure: Exception, level: str, last_error: str
) -> None:
    """The database away is expected, and said in a line; any other failure of the hook is a bug, logged with its
    traceback (it was a warning with the error's type only). Either is retried."""
    message_id = add(database, "doc-1", method="GET", path="/documents/doc-1")
    answer = Delivery(200, {"Content-Type": "application/pdf"}, b"%PDF")
    peer = FakePeer(answer, answer)
    kept: list[tuple[str, bytes]] = []
    broken = [True]

    def keep(_connection: Any, message: OutboundMessage, delivery: Delivery) -> None:
        if broken[0]:
            raise failure
        kept.append((message.key, delivery.body))

    clock = Clock()
    outbox = relay(database, peer, clock, on_delivered={"flow2.offering": keep})
    caplog.set_level(logging.WARNING, logger="oke.outbox.relay")
    assert outbox.run_once() == 1
    failed = row(database, message_id)
    assert (failed.state, failed.attempts, failed.last_status) == ("pending", 1, None)
    assert failed.last_error is not None and failed.last_error.startswith(last_error)
    [told] = [record for record in caplog.records if record.name == "oke.outbox.relay"]
    assert (told.levelname, "in keep" in told.getMessage(), "disk full" in told.getMessage()) == (
        level,
        level == "ERROR",
        False,
    )
    broken[0] = False
    clock.advance(1000)
    assert outbox.run_once() == 1
    assert kept == [("doc-1", b"%PDF")]
    assert row(database, message_id).state == "delivered"


def test_a_relay_whose_database_is_away_says_so_once_and_when_it_works_again(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    away = threading.Event()
    away.set()
    failed = 0

    def fail(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        nonlocal failed
        if away.is_set():
            failed += 1
            raise ConnectionError("the database went away")

    caplog.set_level(logging.WARNING, logger="oke.outbox.relay")
    event.listen(database.engine, "before_cursor_execute", fail)
    try:
        with running(relay(database, FakePeer(), Clock()), idle_seconds=0.01):
            eventually(lambda: failed >= 20, seconds=30)  # some twenty rounds fail
            away.clear()
            eventually(lambda: "work again" in caplog.text, seconds=30)
    finally:
        event.remove(database.engine, "before_cursor_execute", fail)
    told = [record for record in caplog.records if record.name == "oke.outbox.relay"]
    assert [record.levelname for record in told] == ["ERROR", "WARNING"]
    assert told[0].exc_info is not None and "work again" in told[1].getMessage()
