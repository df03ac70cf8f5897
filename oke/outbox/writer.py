"""Adding outbound calls in a unit of work's transaction: a call is sent iff its change is committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, null, or_, update

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
_INSERT = insert(OutboxMessage).values(state=PENDING, attempts=0)
_INSERT_WITHOUT_BODY = _INSERT.values(body=null())


class Outbox:
    """The outbox of one unit of work; it writes on the unit's connection and never commits."""

    def __init__(self, uow: UnitOfWork, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._uow = uow
        self._clock = clock

    def add(
        self,
        *,
        tenant: str,
        peer: str,
        kind: str,
        key: str,
        method: str,
        path: str,
        body: Any = None,
        content_type: str | None = None,
        snapshot: bool = True,
    ) -> None:
        """Queue `method path` to `peer`, after every earlier message of (peer, key).

        A `snapshot` (the whole state of an object, e.g. a PUT) replaces the same call to the same
        object that has not been tried yet, or that the peer refused (parked): only the newest state
        is sent, and an older one never overtakes it (spec reference 12.3).
        """
        connection = self._uow.connection
        now = self._clock()
        if snapshot:
            where = {"the_peer": peer, "the_key": key, "the_method": method, "the_path": path}
            connection.execute(_SUPERSEDE, where)
        values = {
            "created_at": now,
            "tenant": tenant,
            "peer": peer,
            "kind": kind,
            "key": key,
            "method": method,
            "path": path,
            "content_type": content_type,
            "next_attempt_at": now,
        }
        if body is None:
            connection.execute(_INSERT_WITHOUT_BODY, values)
        else:
            connection.execute(_INSERT, {**values, "body": body})
        self._uow.notify_on_commit(CHANNEL)
