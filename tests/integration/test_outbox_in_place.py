"""A snapshot `in_place` (flow 2's session) takes the place of the message it replaces, on SQLite and PostgreSQL:
the messages queued after that one still follow it, the replaced content is kept for the record, a row a relay
holds is never touched; any other snapshot goes last (`oke.outbox.writer`)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, select

from oke.errors import Conflict
from oke.outbox import operations
from oke.outbox.delivery import Delivery, OutboundMessage
from oke.outbox.relay import Relay
from oke.outbox.writer import Outbox
from oke.store.database import Database
from oke.store.tables.outbox import OutboxMessage
from oke.store.uow import UnitOfWork
from tests.integration.test_outbox import POLICY, PROBLEM, Clock, FakePeer, newest, relay, row, states
from tests.integration.test_outbox import add as add_message
from tests.integration.test_outbox import database as database  # the fixture

SESSION = {"tenant": "school", "peer": "ta-1", "kind": "flow2", "key": "z-1"}


def add(database: Database, **given: Any) -> int:
    """Add a message of session z-1 (its PUT in place, unless told) in a committed unit of work; the newest id."""
    method, path = given.pop("method", "PUT"), given.pop("path", "/offerings/z-1")
    snapshot = given.pop("snapshot", method == "PUT")
    in_place = given.pop("in_place", snapshot and path == "/offerings/z-1")
    return add_message(database, "z-1", method=method, path=path, snapshot=snapshot, in_place=in_place, **given)


def queue(database: Database) -> list[tuple[int, str, str, str, Any]]:
    """Every row in id order (the order of each key's queue): its id, state, method, path and body."""
    with database.sessions() as session:
        query = select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.method, OutboxMessage.path)
        return [tuple(r) for r in session.execute(query.add_columns(OutboxMessage.body).order_by(OutboxMessage.id))]


def delivered(database: Database, clock: Clock | None = None) -> list[tuple[str, str, Any]]:
    """What a relay sends, in its order: each call's method, path and body."""
    peer = FakePeer()
    outbox = relay(database, peer, clock or Clock())
    while outbox.run_once():
        pass
    return [(call.method, call.path, call.body) for call in peer.calls]


def test_a_newer_session_takes_the_place_of_the_waiting_ones(database: Database) -> None:
    """Only the newest state of the session is sent, in the place of the first, before the participations queued
    after it: what was replaced is kept, superseded."""
    first = add(database, body={"version": 0})
    deelname = add(database, path="/associations/d-1")
    add(database, body={"version": 1})
    add(database, body={"version": 2})
    other_path = add(database, path="/offerings/z-1/other", in_place=True)
    assert queue(database) == [
        (first, "pending", "PUT", "/offerings/z-1", {"version": 2}),
        (deelname, "pending", "PUT", "/associations/d-1", None),
        (deelname + 1, "superseded", "PUT", "/offerings/z-1", {"version": 0}),
        (deelname + 2, "superseded", "PUT", "/offerings/z-1", {"version": 1}),
        (other_path, "pending", "PUT", "/offerings/z-1/other", None),
    ]
    assert delivered(database) == [
        ("PUT", "/offerings/z-1", {"version": 2}),
        ("PUT", "/associations/d-1", None),
        ("PUT", "/offerings/z-1/other", None),
    ]


def test_a_snapshot_not_in_place_goes_after_what_was_queued_since(database: Database) -> None:
    """DR's flow 1 shares one key: a newer Toetsinschrijving names a planbare toets queued after the older one,
    which TP must get first. So the newer snapshot replaces the older one and goes last."""
    flow1 = {"peer": "tp-1", "kind": "flow1", "snapshot": True}
    older = add_message(database, "flow1", path="/associations/e-1", body={"offering": "t-1"}, **flow1)
    toets = add_message(database, "flow1", path="/offerings/t-2", **flow1)
    newer = add_message(database, "flow1", path="/associations/e-1", body={"offering": "t-2"}, **flow1)
    assert states(database) == {older: "superseded", toets: "pending", newer: "pending"}
    assert delivered(database) == [("PUT", "/offerings/t-2", None), ("PUT", "/associations/e-1", {"offering": "t-2"})]


def test_a_snapshot_in_place_goes_last_when_a_message_of_its_object_lies_between(database: Database) -> None:
    """A PATCH of the session queued after the replaced PUT stays before the newer one: the object's own
    messages keep their order (the newest state is sent last)."""
    put = add(database, body={"version": 1})
    patch = add(database, method="PATCH", body={"x": 1})
    newer = add(database, body={"version": 2})
    assert queue(database) == [
        (put, "superseded", "PUT", "/offerings/z-1", {"version": 1}),
        (patch, "pending", "PATCH", "/offerings/z-1", {"x": 1}),
        (newer, "pending", "PUT", "/offerings/z-1", {"version": 2}),
    ]


def test_only_a_snapshot_takes_a_place(database: Database) -> None:
    with UnitOfWork(database.sessions) as uow, pytest.raises(ValueError, match="only a snapshot"):
        Outbox(uow).add(**SESSION, method="PATCH", path="/offerings/z-1", snapshot=False, in_place=True)


def test_the_messages_of_one_unit_of_work_are_written_as_if_one_by_one(database: Database) -> None:
    """A unit of work writes its messages at its commit, all at once: a snapshot in place still replaces the
    waiting messages of its call, those of earlier units and those added before it in the same one, and takes
    the place of the first unless a message of another call of its object lies between; a Deelname's snapshot
    (not in place) goes last, as a planner's change of a session sends them."""
    before = add(database, body={"version": 0})
    deelname = add(database, path="/associations/d-1", body={"extra": 0})
    with UnitOfWork(database.sessions) as uow:
        outbox = Outbox(uow)
        outbox.add(**SESSION, method="PUT", path="/offerings/z-1", body={"version": 1}, in_place=True)  # at `before`
        outbox.add(**SESSION, method="PUT", path="/associations/d-1", body={"extra": 1})  # last: `deelname` replaced
        outbox.add(**SESSION, method="PATCH", path="/offerings/z-1", body={"x": 1}, snapshot=False)
        outbox.add(**SESSION, method="GET", path="/offerings/z-1", snapshot=False)
        outbox.add(**SESSION, method="GET", path="/offerings/z-1")  # a snapshot replaces what is no snapshot too
        outbox.add(**SESSION, method="PUT", path="/offerings/z-1", body={"version": 2}, in_place=True)  # after PATCH
        uow.commit()
    first = deelname + 1
    assert queue(database) == [
        (before, "superseded", "PUT", "/offerings/z-1", {"version": 1}),
        (deelname, "superseded", "PUT", "/associations/d-1", {"extra": 0}),
        (first, "superseded", "PUT", "/offerings/z-1", {"version": 0}),
        (first + 1, "pending", "PUT", "/associations/d-1", {"extra": 1}),
        (first + 2, "pending", "PATCH", "/offerings/z-1", {"x": 1}),
        (first + 3, "superseded", "GET", "/offerings/z-1", None),
        (first + 4, "pending", "GET", "/offerings/z-1", None),
        (first + 5, "pending", "PUT", "/offerings/z-1", {"version": 2}),
    ]
    with database.sessions() as session:
        without_body = session.scalars(select(OutboxMessage.id).where(OutboxMessage.body.is_(None))).all()
    assert sorted(without_body) == [first + 3, first + 4]  # SQL NULL, not JSON's null
    assert delivered(database) == [
        ("PUT", "/associations/d-1", {"extra": 1}),
        ("PATCH", "/offerings/z-1", {"x": 1}),
        ("GET", "/offerings/z-1", None),
        ("PUT", "/offerings/z-1", {"version": 2}),
    ]


def test_a_batch_in_place_reads_what_it_may_replace_with_one_statement_and_replaces_it_with_one_more(
    database: Database,
) -> None:
    """However many sessions a batch of writes changes, its commit reads the rows their snapshots may replace with
    one statement, puts them in their places with one more (when they replace some) and writes the messages with
    one more (`test_a_batch_writes_its_messages_in_two_statements`: without one in place, no read)."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "outbox_messages" in statement:
            statements.append(statement.split()[0])

    def plan() -> None:
        with UnitOfWork(database.sessions) as uow:
            for n in range(50):
                session = SESSION | {"key": f"z-{n}", "method": "PUT", "path": f"/offerings/z-{n}"}
                Outbox(uow).add(**session, in_place=True)
            uow.commit()

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        plan()
        assert statements == ["SELECT", "INSERT"]
        statements.clear()
        plan()
        assert statements == ["SELECT", "UPDATE", "INSERT"]
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    assert sorted(states(database).values()) == ["pending"] * 50 + ["superseded"] * 50


def test_a_refused_session_is_replaced_in_its_place_and_kept_for_the_record(database: Database) -> None:
    """TA refuses a session's PUT; its participations wait behind it. The newer PUT of the session takes the
    refused one's place (its id), as a message not tried yet, so the participations still follow it; the refused
    PUT is kept, superseded, with TA's answer. An operator finds nothing parked: the id they saw holds the newer
    PUT, which is not discarded."""
    refused = add(database, body={"version": 1})
    participations = [add(database, path=f"/associations/d-{n}") for n in range(2)]
    clock = Clock()
    refusal = Delivery(422, {"content-type": "application/problem+json"}, json.dumps(PROBLEM).encode())
    relay(database, FakePeer(refusal), clock).run_once()
    assert states(database) == {refused: "parked"} | dict.fromkeys(participations, "pending")

    record = add(database, body={"version": 2})
    clock.catch_up()

    assert states(database) == {refused: "pending", record: "superseded"} | dict.fromkeys(participations, "pending")
    newer, kept = row(database, refused), row(database, record)
    assert (newer.body, newer.attempts, newer.last_status, newer.last_error, newer.problem) == (
        {"version": 2},
        0,
        None,
        None,
        None,
    )
    assert newer.next_attempt_at <= clock.now and newer.lease_until is None
    assert (kept.path, kept.body, kept.attempts, kept.last_status, kept.problem) == (
        "/offerings/z-1",
        {"version": 1},
        1,
        422,
        PROBLEM,
    )
    assert kept.last_error is not None and kept.last_error.startswith("HTTP 422")
    assert kept.created_at < newer.created_at
    with database.sessions() as session:
        assert operations.list_messages(session, state="parked") == []
        with pytest.raises(Conflict, match="pending, not parked"):
            operations.discard(session, refused)
    assert delivered(database, clock) == [
        ("PUT", "/offerings/z-1", {"version": 2}),
        ("PUT", "/associations/d-0", None),
        ("PUT", "/associations/d-1", None),
    ]


def test_a_leased_message_is_not_replaced_in_its_place(database: Database) -> None:
    """A relay has claimed a snapshot (leased) and may be sending the body it read: a newer snapshot does not
    touch that row, it goes after it; the relay's outcome is recorded on the row it sent."""
    sent = add(database, body={"version": 1})
    clock = Clock()
    newer: list[int] = []

    def deliver(message: OutboundMessage) -> Delivery:
        if not newer:  # while the first is on its way
            newer.append(add(database, body={"version": 2}))
            clock.catch_up()  # due at the relay's next round
        return Delivery(204)

    peer = FakePeer()
    outbox = Relay(database.engine, lambda message: peer(message) and deliver(message), POLICY, clock=clock)
    while outbox.run_once():
        pass
    assert [(call.id, call.body) for call in peer.calls] == [(sent, {"version": 1}), (newer[0], {"version": 2})]
    assert states(database) == {sent: "delivered", newer[0]: "delivered"}


def test_the_writer_skips_a_row_a_relay_is_claiming(database: Database) -> None:
    """The relay's claim reads a row's body in the transaction that leases it; a writer replacing the row at
    that moment waits for the claim (PostgreSQL: the claim's row lock; SQLite: its write lock), then finds it
    leased and goes after it. The relay sends what it read, the newer snapshot after it."""
    sent = add(database, body={"version": 1})
    clock = Clock()
    peer = FakePeer()
    outbox = relay(database, peer, clock)
    writing = threading.Thread(target=add, args=(database,), kwargs={"body": {"version": 2}})

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("UPDATE outbox_messages SET lease_until") and not writing.is_alive():
            writing.start()  # the claim has read the row and locked it: the writer waits for its commit
            time.sleep(0.5)

    event.listen(database.engine, "before_cursor_execute", hold)
    try:
        outbox.run_once()
    finally:
        event.remove(database.engine, "before_cursor_execute", hold)
    writing.join()
    clock.catch_up()  # the newer one was written half a second into the clock's second, or later
    while outbox.run_once():
        pass
    newer = newest(database)
    assert [(call.id, call.body) for call in peer.calls] == [(sent, {"version": 1}), (newer, {"version": 2})]
    assert states(database) == {sent: "delivered", newer: "delivered"}
