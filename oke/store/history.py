"""Recording accepted messages in the immutable history (docs/standard.md, "oke's own decisions")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, insert, select
from sqlalchemy.orm import Session

from oke.errors import NotFound
from oke.store.base import utcnow
from oke.store.tables.messages import ReceivedMessage
from oke.store.uow import UnitOfWork

_INSERT = insert(ReceivedMessage)


def _write_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    connection.execute(_INSERT, rows)


U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")


class Flow(StrEnum):
    """The flows the history records a write under: the standard's flows with writes, a planner's change through
    the planning API, and an operator's command."""

    flow1 = "1"
    flow2 = "2"
    flow3 = "3"
    flow4 = "4"
    flow5 = "5"
    planning = "planning"
    operator = "operator"


@dataclass(frozen=True)
class Inbound:
    """A write as it reached the server: the parsed body and the text it was parsed from."""

    method: str
    path: str
    body: dict[str, Any]
    raw: str


@dataclass(frozen=True)
class Sender:
    """Who sent a message, as the history keeps it."""

    tenant: str
    client_id: str
    peer: str


@dataclass(frozen=True)
class _Audited:
    sender: Sender
    inbound: Inbound
    flow: str


#: The write `audited` runs a service for, while it runs (in the thread that runs it).
_AUDITED: ContextVar[_Audited | None] = ContextVar("audited", default=None)


class History:
    """Appends history rows in the unit of work's transaction, so a message is kept iff its change is.

    Plain rows, not ORM objects: they are written once, at the commit, and never read back here.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def note(self, *, object_type: str, object_id: str, notes: list[str]) -> None:
        """A row for another object the audited write being run changes (a Deelname of a planner's session), with
        that write's sender, flow and body, so that the object's own history says what the write did to it."""
        write = _AUDITED.get()
        if write is None:
            raise RuntimeError("History.note is for a service run by `audited`")
        self.record(
            write.sender, write.inbound, flow=write.flow, object_type=object_type, object_id=object_id, notes=notes
        )

    def record(
        self,
        sender: Sender,
        inbound: Inbound,
        *,
        flow: str,
        object_type: str,
        object_id: str,
        notes: list[str],
    ) -> None:
        self._uow.append(
            _write_rows,
            {
                "received_at": utcnow(),
                "tenant": sender.tenant,
                "client_id": sender.client_id,
                "peer": sender.peer,
                "flow": flow,
                "method": inbound.method,
                "path": inbound.path,
                "object_type": object_type,
                "object_id": object_id,
                "body": inbound.raw,
                "notes": notes,
            },
        )


def audited(
    service: Callable[[U], T],
    sender: Sender,
    inbound: Inbound,
    *,
    flow: str,
    object_type: str,
    object_id: str,
    notes: Sequence[str] = (),
) -> Callable[[U], T]:
    """`service` with a history row of who asked for it (the audit of operator and planner writes).

    The row is appended before `service` runs and written by its commit: kept iff the change is. While it runs,
    `History.note` adds rows of the same write for the other objects it changes.
    """

    def run(uow: U) -> T:
        History(uow).record(sender, inbound, flow=flow, object_type=object_type, object_id=object_id, notes=[*notes])
        running = _AUDITED.set(_Audited(sender, inbound, flow))
        try:
            return service(uow)
        finally:
            _AUDITED.reset(running)

    return run


@dataclass(frozen=True)
class AuditQuery:
    """Which accepted writes an operator asks about; every filter is optional and they all apply."""

    tenant: str | None = None
    client_id: str | None = None
    object_id: str | None = None
    flow: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: Keyset paging: only messages older than this id (the last id of the page before).
    before: int | None = None


def audit_trail(session: Session, query: AuditQuery, *, limit: int = 100) -> Sequence[ReceivedMessage]:
    """The newest `limit` accepted writes matching `query`, newest first.

    Paged by id in the database (indexes per school, client, object and time: migration 0010), so a long
    history is never read whole.
    """
    t = ReceivedMessage
    statement = select(t).order_by(t.id.desc()).limit(limit)
    for column, value in (
        (t.tenant, query.tenant),
        (t.client_id, query.client_id),
        (t.object_id, query.object_id),
        (t.flow, query.flow),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if query.since is not None:
        statement = statement.where(t.received_at >= query.since)
    if query.until is not None:
        statement = statement.where(t.received_at < query.until)
    if query.before is not None:
        statement = statement.where(t.id < query.before)
    return session.scalars(statement.where(*_id_bounds(session, query.since, query.until))).all()


#: How long after its `received_at` a history row may be inserted: the commit of its unit of work. A time
#: range's ids are bounded by rows this much outside it, so that a late commit still counts.
COMMIT_MARGIN = timedelta(minutes=10)


def _id_bounds(session: Session, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    """The ids a time range can hold, found through the `received_at` index (one row each way).

    Ids grow with the insert, and a row is inserted within `COMMIT_MARGIN` of its `received_at`: so every row
    of the range comes after the last received `COMMIT_MARGIN` before `since`, and before the first received
    `COMMIT_MARGIN` after `until`. Without the bounds the newest-first scan by id filters every later row.
    """
    t = ReceivedMessage
    bounds = []
    if since is not None:
        earlier = select(t.id).where(t.received_at < since - COMMIT_MARGIN).order_by(t.received_at.desc()).limit(1)
        if (lowest := session.scalar(earlier)) is not None:
            bounds.append(t.id > lowest)
    if until is not None:
        later = select(t.id).where(t.received_at >= until + COMMIT_MARGIN).order_by(t.received_at).limit(1)
        if (highest := session.scalar(later)) is not None:
            bounds.append(t.id < highest)
    return bounds


def audit_entry(session: Session, message_id: int) -> ReceivedMessage:
    message = session.get(ReceivedMessage, message_id)
    if message is None:
        raise NotFound(f"no history message {message_id}")
    return message
