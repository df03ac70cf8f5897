"""What operators do with the outbox: see what waits or was refused, and send it again or give it up.

These functions never commit: the caller (the CLI, an admin route) owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from oke.errors import Conflict, NotFound
from oke.store.base import utcnow
from oke.store.tables.outbox import DISCARDED, LIVE, PARKED, PENDING, OutboxMessage

_T = OutboxMessage.__table__.c


def list_messages(
    session: Session,
    *,
    state: str | None = None,
    peer: str | None = None,
    tenant: str | None = None,
    kind: str | None = None,
    limit: int = 100,
) -> Sequence[OutboxMessage]:
    """The newest `limit` messages, newest first, of `state`, `peer`, `tenant` and `kind` when given."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    given = {"state": state, "peer": peer, "tenant": tenant, "kind": kind}
    for column, value in given.items():
        if value is not None:
            query = query.where(getattr(OutboxMessage, column) == value)
    return session.scalars(query).all()


def waiting(session: Session, peer: str) -> dict[str, int]:
    """How many messages to `peer` wait, by state (pending, parked): what removing the peer leaves behind."""
    counts = session.execute(select(_T.state, func.count()).where(LIVE, _T.peer == peer).group_by(_T.state))
    return {state: count for state, count in counts}


def get_message(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id}")
    return message


def retry(session: Session, message_id: int) -> OutboxMessage:
    """Make a parked message due now, or a pending one that waits for its next attempt (after the operator fixed
    what failed, e.g. the peer's secret: no waiting out the backoff). Its attempts are kept, so a policy's
    `max_attempts` still counts. A pending message a relay holds (being sent now) keeps its lease."""
    message = get_message(session, message_id)
    if message.state not in (PARKED, PENDING):
        raise Conflict(f"outbox message {message_id} is {message.state}: only a parked or pending one is sent again")
    if message.state == PARKED:
        message.state, message.lease_until = PENDING, None
    message.next_attempt_at = utcnow()
    session.flush()
    return message


def discard(session: Session, message_id: int) -> OutboxMessage:
    """Give up a parked message for good: the later messages of its (peer, key), which wait behind it, go on.

    Only a parked message: a pending one may be on its way to the peer at this moment.
    """
    message = get_message(session, message_id)
    if message.state != PARKED:
        raise Conflict(f"outbox message {message_id} is {message.state}, not parked: only a parked one is discarded")
    message.state = DISCARDED
    session.flush()
    return message


def retry_all(session: Session, state: str, peer: str | None = None) -> int:
    """Make every parked message, or every pending one waiting out its backoff (a peer is back: no waiting), of
    `peer` when given, due now, as `retry` does one; how many there were."""
    now = utcnow()
    statement = update(OutboxMessage).where(_T.state == state)
    if peer is not None:
        statement = statement.where(_T.peer == peer)
    if state == PARKED:
        statement = statement.values(state=PENDING, next_attempt_at=now, lease_until=None)
    elif state == PENDING:
        statement = statement.where(_T.next_attempt_at > now).values(next_attempt_at=now)
    else:
        raise ValueError(f"only parked or pending messages are sent again, not {state}")
    result = session.execute(statement)
    return result.rowcount if isinstance(result, CursorResult) else 0
