"""Adding outbound calls in a unit of work's transaction: a call is sent iff its change is committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack

from sqlalchemy import JSON, Connection, Row, bindparam, exists, insert, null, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB

from oke.store.base import utcnow
from oke.store.tables.outbox import LIVE, PARKED, PENDING, SUPERSEDED, OutboxMessage
from oke.store.uow import UnitOfWork

_TABLE = OutboxMessage.__table__
_T = _TABLE.c
#: The PostgreSQL channel notified once by each transaction that added outbox messages: a worker
#: (`oke worker`) waiting on it delivers them as soon as they are committed, not at its next poll.
CHANNEL = "oke_outbox"

#: What makes two messages the same call: a snapshot replaces the waiting ones of its call.
_CALL = ("peer", "key", "method", "path")
#: What makes two messages messages of the same object: their order is kept whatever the snapshots.
_OBJECT = ("peer", "key", "path")
#: What a message carries, beside its call: what a snapshot puts in the place of the message it replaces.
_CONTENT = ("tenant", "kind", "body", "content_type", "created_at", "next_attempt_at")
#: What records a message's attempts: kept in the record of a replaced message, reset in its place.
_OUTCOME = ("attempts", "last_status", "last_error", "problem")


def _replaceable(table: Any) -> Any:
    """A row a snapshot may replace: one the peer refused (parked), or one no relay holds (pending, not leased),
    tried or not. A leased row may be on its way to the peer at this moment: it is kept, and the snapshot goes after
    it. One waiting out its backoff (the peer down) is replaced: the peer, once back, gets the newest state only,
    not first a state TA had already replaced (a DR acting on each message would act on it). Had an earlier attempt
    reached the peer after all, the newer snapshot follows it as it would have."""
    c = table.c
    return or_(c.state == PARKED, (c.state == PENDING) & c.lease_until.is_(None))


def _replaceable_rows(objects: list[tuple[str, ...]]) -> Any:
    """The rows the snapshots `in_place` of a batch may replace, oldest first, each with whether a message of
    another call of its object comes after it (`followed`). Through the partial index of live rows by object."""
    later = _TABLE.alias("later")
    followed = exists().where(
        LIVE,  # unqualified: the nearest table, `later`
        later.c.peer == _T.peer,
        later.c.key == _T.key,
        later.c.path == _T.path,
        later.c.id > _T.id,
        or_(later.c.method != _T.method, ~_replaceable(later)),
    )
    return (
        select(_TABLE, followed.label("followed"))
        .where(LIVE, tuple_(*(_T[c] for c in _OBJECT)).in_(objects), _replaceable(_TABLE))
        .order_by(_T.id)
    )


#: A message without a body (or a problem) stores SQL NULL, not JSON's null.
_NULLABLE_JSON = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
_INSERT = insert(OutboxMessage).values(
    body=bindparam("body", type_=_NULLABLE_JSON), problem=bindparam("problem", type_=_NULLABLE_JSON)
)
#: A replaced row takes the newest snapshot's content, as a message not tried yet: its id, hence its place in
#: its key's queue, stays.
_REPLACE = (
    update(OutboxMessage)
    .where(_T.id == bindparam("row_id"))
    .values(
        {c: bindparam(f"new_{c}") for c in _CONTENT if c != "body"}
        | {
            "body": bindparam("new_body", type_=_NULLABLE_JSON),
            "state": bindparam("new_state"),
            "attempts": 0,
            "last_status": None,
            "last_error": None,
            "problem": null(),
        }
    )
)
_SUPERSEDE = update(OutboxMessage).where(_T.id == bindparam("row_id")).values(state=SUPERSEDED)
#: Supersedes the rows a snapshot that goes last replaces: through the partial index of live rows by object.
_SUPERSEDE_CALL = (
    update(OutboxMessage)
    .where(*(_T[c] == bindparam(f"the_{c}") for c in _CALL))
    .where(LIVE, _replaceable(_TABLE))
    .values(state=SUPERSEDED)
)


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
    in_place: NotRequired[bool]


class Outbox:
    """The outbox of one unit of work: its messages are written in the unit's transaction when the unit commits;
    the outbox itself never commits."""

    def __init__(self, uow: UnitOfWork, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow
        self._clock = clock

    def add(self, **call: Unpack[Call]) -> None:
        """Queue `method path` to `peer`, after every earlier message of (peer, key).

        A `snapshot` (the whole state of an object, e.g. a PUT) replaces the same call to the same
        object still waiting (not held by a relay), or that the peer refused (parked): only the newest state
        is sent, and an older one never overtakes it (docs/standard.md). A snapshot `in_place` takes the
        place of the one it replaces, ahead of the messages queued after that one (`write_messages` says
        which calls may: flow 2's session).
        """
        self._uow.append(write_messages, self.message(**call))
        self._uow.notify_on_commit(CHANNEL)

    def message(self, **call: Unpack[Call]) -> dict[str, Any]:
        """The message `add` queues, not queued: for a writer that decides only when it writes its rows whether
        the message is to be sent, and then writes it with `write_messages` (and notifies `CHANNEL`)."""
        if call.get("in_place") and not call.get("snapshot", True):
            raise ValueError("only a snapshot takes the place of the message it replaces")
        now = self._clock()
        return {
            "created_at": now,
            "body": None,
            "content_type": None,
            "snapshot": True,
            "in_place": False,
            **call,
            "next_attempt_at": now,
        }


@dataclass
class _Place:
    """A place in a key's queue that the batch's snapshots may fill: a row written before (`row`), or one of
    the batch's messages. `message` is what it holds now, `records` what it held before (kept superseded)."""

    call: tuple[str, ...]
    message: dict[str, Any]
    row: Row[Any] | None = None
    followed: bool = False
    live: bool = True
    records: list[dict[str, Any]] = field(default_factory=list)


def write_messages(connection: Connection, messages: list[dict[str, Any]]) -> None:
    """Write messages as if each had been written on its own, in the order they were added, in a few statements
    however many there are: one supersedes the rows the snapshots replace, one writes the new rows, and, when
    some snapshots are `in_place`, one reads (and locks) the rows they may replace, and one more each changes
    the rows they replace (when any).

    A snapshot replaces the waiting messages of its call (those written before, and those added before it
    here) and goes last. A snapshot `in_place` takes the place of the oldest instead: its content goes into that
    row, whose id, hence place in its key's queue, stays, and what the row held is written anew as superseded,
    for the record. It then overtakes the messages queued after the replaced one, which is right only for an
    object that those messages depend on and that depends on none of them: flow 2's session, whose Deelnames TA
    refuses while it lacks the session; appended, a change of a session TA refused (parked) would wait behind
    them. Any other snapshot goes last: DR's flow 1 shares one key, and a newer Toetsinschrijving in its older
    one's place would reach TP before the planbare toets or person queued since that it names; where a key holds
    a single call (a result for DR, flow 5; a session report, flow 4), the place would change nothing. Even
    `in_place`, a snapshot goes last when a message of another call of its object lies between (e.g. a PATCH
    of it), so that an object's own messages keep their order.
    """
    calls = [_of(message, _CALL) for message in messages]
    last = {
        call: i
        for i, (call, message) in enumerate(zip(calls, messages, strict=True))
        if message["snapshot"] and not message["in_place"]
    }
    if last:
        connection.execute(
            _SUPERSEDE_CALL, [{f"the_{c}": v for c, v in zip(_CALL, call, strict=True)} for call in last]
        )
    places = [_Place(_of(row, _CALL), _message(row), row, row.followed) for row in _rows(connection, messages)]
    for i, (call, message) in enumerate(zip(calls, messages, strict=True)):
        if not message["in_place"]:
            places.append(_Place(call, message, live=last.get(call, -1) <= i))
            continue
        replaced = [place for place in places if place.live and place.call == call]
        if replaced and _in_place(places, replaced[0]):
            first = replaced.pop(0)
            first.records.append(first.message)
            first.message = message
        else:
            places.append(_Place(call, message))
        for place in replaced:
            place.live = False
    replacing, superseding, rows = [], [], []
    for place in places:
        rows += [_record(record) for record in place.records]
        if place.row is None:
            rows.append(_record(place.message, PENDING if place.live else SUPERSEDED))
        elif place.records:
            state = PENDING if place.live else SUPERSEDED
            new = {f"new_{c}": place.message[c] for c in _CONTENT}
            replacing.append(new | {"row_id": place.row.id, "new_state": state})
        elif not place.live:
            superseding.append({"row_id": place.row.id})
    for statement, changes in ((_REPLACE, replacing), (_SUPERSEDE, superseding)):
        if changes:
            connection.execute(statement, changes)
    connection.execute(_INSERT, rows)


def _rows(connection: Connection, messages: list[dict[str, Any]]) -> Sequence[Row[Any]]:
    """The rows the snapshots `in_place` among `messages` may replace, locked: no relay claims them before this
    transaction ends, and a row a relay has claimed (leased) is not among them."""
    objects = list({_of(message, _OBJECT) for message in messages if message["in_place"]})
    if not objects:
        return []
    query = _replaceable_rows(objects)
    if connection.dialect.name != "sqlite":  # SQLite has one writer: the transaction is the lock
        query = query.with_for_update(of=_TABLE)
    return connection.execute(query).all()


def _in_place(places: list[_Place], first: _Place) -> bool:
    """Whether a snapshot replacing `first` takes its place: no message of another call of the object is
    queued after it (which would then be sent after the newer state)."""
    after = places[places.index(first) + 1 :]
    obj = _of(first.message, _OBJECT)
    return not first.followed and not any(
        place.live and place.call != first.call and _of(place.message, _OBJECT) == obj for place in after
    )


def _of(message: Any, columns: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(message, Row):
        message = message._mapping
    return tuple(message[c] for c in columns)


def _message(row: Row[Any]) -> dict[str, Any]:
    """A row written before, as a message with its outcome so far."""
    return {c: row._mapping[c] for c in (*_CALL, *_CONTENT, *_OUTCOME)}


def _record(message: dict[str, Any], state: str = SUPERSEDED) -> dict[str, Any]:
    """The row that writes `message` (all rows of one INSERT name the same columns)."""
    return {c: message.get(c) for c in (*_CALL, *_CONTENT)} | {
        "state": state,
        "attempts": message.get("attempts", 0),
        **{c: message.get(c) for c in _OUTCOME[1:]},
    }
