"""Adding outbound calls in a unit of work's transaction: a call is sent iff its change is committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import JSON, Connection, bindparam, insert, or_, update
from sqlalchemy.dialects.postgresql import JSONB

from oke.store.base import utcnow
from oke.store.tables.outbox import LIVE, PARKED, PENDING, SUPERSEDED, OutboxMessage
from oke.store.uow import UnitOfWork

_T = OutboxMessage.__table__.c
#: The PostgreSQL channel notified once by each transaction that added outbox messages: a worker
#: (`oke worker`) waiting on it delivers them as soon as they are committed, not at its next poll.
CHANNEL = "oke_outbox"

# Built once: services add a message on hot paths (flows 3 and 5), where building costs more than running.
_WAITING = (_T.state == PENDING) & (_T.attempts == 0) & _T.lease_until.is_(None)
_SUPERSEDE = (
    update(OutboxMessage)
    .where(
        _T.peer == bindparam("the_peer"),
        _T.key == bindparam("the_key"),
        _T.method == bindparam("the_method"),
        _T.path == bindparam("the_path"),
    )
    .where(LIVE, or_(_WAITING, _T.state == PARKED))  # LIVE: the partial index of live rows finds them
    .values(state=SUPERSEDED)
)
#: A message without a body stores SQL NULL, not JSON's null.
_BODY = bindparam("body", type_=JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"))
_INSERT = insert(OutboxMessage).values(attempts=0, body=_BODY)
#: What makes two messages the same call: a snapshot replaces the waiting ones of its call.
_CALL = ("peer", "key", "method", "path")
_REPLACING = tuple(f"the_{c}" for c in _CALL)


class Call(TypedDict):
    """An outbound call, as `Outbox.add` takes it."""

    tenant: str
    peer: str
    kind: str
    key: str
    method: str
    path: str
    body: NotRequired[Any]
    content_type: NotRequired[str | None]
    snapshot: NotRequired[bool]


class Outbox:
    """The outbox of one unit of work: its messages are written in the unit's transaction when the unit commits;
    the outbox itself never commits."""

    def __init__(self, uow: UnitOfWork, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow
        self._clock = clock

    def add(self, **call: Unpack[Call]) -> None:
        """Queue `method path` to `peer`, after every earlier message of (peer, key).

        A `snapshot` (the whole state of an object, e.g. a PUT) replaces the same call to the same
        object that has not been tried yet, or that the peer refused (parked): only the newest state
        is sent, and an older one never overtakes it (docs/standard.md).
        """
        self._uow.append(write_messages, self.message(**call))
        self._uow.notify_on_commit(CHANNEL)

    def message(self, **call: Unpack[Call]) -> dict[str, Any]:
        """The message `add` queues, not queued: for a writer that decides only when it writes its rows whether
        the message is to be sent, and then writes it with `write_messages` (and notifies `CHANNEL`)."""
        now = self._clock()
        return {
            "created_at": now,
            "body": None,
            "content_type": None,
            "snapshot": True,
            **call,
            "next_attempt_at": now,
        }


def write_messages(connection: Connection, messages: list[dict[str, Any]]) -> None:
    """Write messages in the order they were added, with one statement for all the snapshots' replacing and one
    for the rows: as if each had been written on its own, but in two round trips however many there are.

    A snapshot replaces the waiting messages of its call: those written before, and those added before it here,
    which are written superseded.
    """
    calls = [tuple(message[c] for c in _CALL) for message in messages]
    newest = {call: i for i, (call, message) in enumerate(zip(calls, messages, strict=True)) if message["snapshot"]}
    if newest:
        connection.execute(_SUPERSEDE, [dict(zip(_REPLACING, call, strict=True)) for call in newest])
    rows = []
    for i, (call, message) in enumerate(zip(calls, messages, strict=True)):
        replaced = newest.get(call, -1) > i
        row = {k: v for k, v in message.items() if k != "snapshot"}
        rows.append(row | {"state": SUPERSEDED if replaced else PENDING})
    connection.execute(_INSERT, rows)
