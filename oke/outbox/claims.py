"""What a relay's round takes: the SQL that leases a run of due messages at the head of each (peer, key), and
that records the round's deliveries.

A claim is one short transaction (the caller's); what it returns is sent outside any transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, func, null, select, tuple_, update

from oke.outbox.delivery import OutboundMessage
from oke.store.tables.outbox import DELIVERED, LIVE, PENDING, OutboxMessage

_TABLE = OutboxMessage.__table__
_T = _TABLE.c
#: What orders messages: (peer, key).
Key = tuple[str, str]
#: How many claimable rows the claim reads at a time while it looks for due heads.
SCAN_CHUNK = 1000
#: A row a relay may take now: pending, due, and not leased to a relay.
_CLAIMABLE = (
    (_T.state == PENDING)
    & (_T.next_attempt_at <= bindparam("now"))
    & (_T.lease_until.is_(None) | (_T.lease_until <= bindparam("now")))
)
#: What releases a message from a relay's lease.
RELEASED: dict[str, Any] = {"lease_until": None, "lease_holder": None}
#: Records one delivered message of a round; run for all of them at once (`executemany`).
DELIVERED_ROW = (
    update(OutboxMessage)
    .where(_T.id == bindparam("message_id"), _T.state == PENDING, _T.lease_holder == bindparam("holder"))
    .values(
        state=DELIVERED,
        attempts=bindparam("attempts_now"),
        lease_until=None,
        lease_holder=None,
        last_status=bindparam("status"),
        delivered_at=bindparam("at"),
        last_error=None,
        problem=null(),
    )
)


def claim(
    connection: Connection, now: datetime, *, holder: str, lease_until: datetime, batch: int, run_length: int
) -> list[OutboundMessage]:
    """Lease a run of due messages at the head of each (peer, key), oldest first, to `holder`.

    The head of a (peer, key) is its oldest live message. A key whose head is not due, is leased to
    another relay or is parked is passed over as a whole: a parked message holds back the later ones
    of its key until an operator retries it (or a newer snapshot replaces it); sent past it, they would
    reach the peer out of order. The rows are read, body and all, in the transaction that
    leases them, with `FOR UPDATE SKIP LOCKED`: a row a writer is replacing is skipped (the run ends there),
    and a writer never replaces a leased row (`oke.outbox.writer`), so what is sent is what the row holds.
    """
    wanted = due_runs(connection, now, batch=batch, run_length=run_length)
    if not wanted:
        return []
    query = (
        select(_TABLE)
        .where(_T.id.in_([id_ for id_, _key in wanted]), _T.state == PENDING)
        .where(_T.lease_until.is_(None) | (_T.lease_until <= now))
        .order_by(_T.id)
    )
    if connection.dialect.name != "sqlite":  # SQLite has one writer: the transaction is the lock
        query = query.with_for_update(skip_locked=True)
    locked = connection.execute(query).all()
    rows = _unbroken(wanted, locked)
    if rows:
        ids = [row.id for row in rows]
        connection.execute(
            update(OutboxMessage).where(_T.id.in_(ids)).values(lease_until=lease_until, lease_holder=holder)
        )
    return [
        OutboundMessage(
            id=row.id,
            tenant=row.tenant,
            peer=row.peer,
            kind=row.kind,
            key=row.key,
            method=row.method,
            path=row.path,
            body=row.body,
            content_type=row.content_type,
            attempts=row.attempts,
            created_at=row.created_at,
        )
        for row in rows
    ]


def due_runs(connection: Connection, now: datetime, *, batch: int, run_length: int) -> list[tuple[int, Key]]:
    """The ids to claim, oldest first: of each (peer, key), its claimable rows before its first row that
    waits (none if that is its head), up to `run_length`; `batch` in all. Reads the claimable rows and
    the live rows of their keys only: a backlog waiting for a peer that is down costs nothing."""
    wanted: list[tuple[int, Key]] = []
    taken: dict[Key, int] = {}
    waiting: dict[Key, int | None] = {}  # key -> its first row that waits, if any
    passed: set[Key] = set()  # keys whose later rows the claim does not take: left out of the next chunks
    after = 0
    while True:
        chunk = connection.execute(_claimable_rows(passed), {"now": now, "after": after}).all()
        for position, row in enumerate(chunk):
            key = (row.peer, row.key)
            if key not in waiting:  # look up the keys of as many rows as the batch still lacks, at once
                ahead = chunk[position : position + batch - len(wanted)]
                unknown = {(later.peer, later.key) for later in ahead} - waiting.keys()
                waiting |= dict.fromkeys(unknown)
                first_rows = connection.execute(_first_waiting(unknown), {"now": now})
                waiting |= {(peer, key_): first for peer, key_, first in first_rows}
            first_waiting = waiting[key]
            if taken.get(key, 0) == run_length or (first_waiting is not None and row.id > first_waiting):
                passed.add(key)
                continue
            wanted.append((row.id, key))
            taken[key] = taken.get(key, 0) + 1
            if len(wanted) == batch:
                return wanted
        if len(chunk) < SCAN_CHUNK:
            return wanted
        after = chunk[-1].id


def _claimable_rows(passed: Collection[Key]) -> Select[Any]:
    """The claimable rows after a given id, in `id` order, but those of the keys in `passed` (full runs, or
    cut by a row that waits). Read through the index of live rows in id order, a chunk at a time: the claim
    stops reading once it has its batch, however many messages are due behind it."""
    query = select(_T.id, _T.peer, _T.key).where(LIVE, _CLAIMABLE, _T.id > bindparam("after"))
    if passed:
        query = query.where(tuple_(_T.peer, _T.key).not_in(list(passed)))
    return query.order_by(_T.id).limit(SCAN_CHUNK)


def _first_waiting(keys: Collection[Key]) -> Select[Any]:
    """The first live row of each of `keys` that a relay may not take now (waiting, leased or parked): the
    key's later rows wait behind it."""
    return (
        select(_T.peer, _T.key, func.min(_T.id))
        .where(LIVE, ~_CLAIMABLE, tuple_(_T.peer, _T.key).in_(list(keys)))
        .group_by(_T.peer, _T.key)
    )


def _unbroken(wanted: list[tuple[int, Key]], locked: Sequence[Row[Any]]) -> list[Row[Any]]:
    """The locked rows whose key lost no earlier wanted row: a row another relay took (or that changed
    since it was read) ends its key's run there."""
    rows = {row.id: row for row in locked}
    broken: set[Key] = set()
    kept: list[Row[Any]] = []
    for id_, key in wanted:
        row = rows.get(id_)
        if row is None:
            broken.add(key)
        elif key not in broken:
            kept.append(row)
    return kept
