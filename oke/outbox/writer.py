"""Adding outbound calls in a unit of work's transaction: a call is sent iff its change is committed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, null, or_, update

from oke.store.base import utcnow
from oke.store.tables.outbox import PARKED, PENDING, SUPERSEDED, OutboxMessage
from oke.store.uow import UnitOfWork

_T = OutboxMessage.__table__.c


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
            waiting = (_T.state == PENDING) & (_T.attempts == 0) & _T.lease_until.is_(None)
            connection.execute(
                update(OutboxMessage)
                .where(_T.peer == peer, _T.key == key, _T.method == method, _T.path == path)
                .where(or_(waiting, _T.state == PARKED))
                .values(state=SUPERSEDED)
            )
        connection.execute(
            insert(OutboxMessage).values(
                created_at=now,
                tenant=tenant,
                peer=peer,
                kind=kind,
                key=key,
                method=method,
                path=path,
                body=null() if body is None else body,
                content_type=content_type,
                state=PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
