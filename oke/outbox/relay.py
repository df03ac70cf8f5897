"""The relay: delivers the outbox in order per (peer, key), with retries, and never loses a message.

Claims are short transactions that lease messages to one relay; deliveries run outside any
transaction; each outcome is recorded in a transaction of its own. Several relays may run at
once (PostgreSQL: `FOR UPDATE SKIP LOCKED`); a relay that dies leaves leases that expire.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, null, select, update
from sqlalchemy.orm import Session, sessionmaker

from oke.outbox.retry import Park, RetryPolicy
from oke.store.base import utcnow
from oke.store.tables.outbox import DELIVERED, PARKED, PENDING, OutboxMessage

log = logging.getLogger(__name__)

_TABLE = OutboxMessage.__table__
_T = _TABLE.c
#: The most characters of a peer's answer kept in `last_error`.
ERROR_EXCERPT = 500


@dataclass(frozen=True)
class OutboundMessage:
    """What `deliver` is given: a snapshot of an outbox row, detached from any session."""

    id: int
    tenant: str
    peer: str
    kind: str
    key: str
    method: str
    path: str
    body: Any
    content_type: str | None
    #: Failed attempts before this one.
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """The outcome of one attempt: the peer's answer, or `error` when there was none (transport error)."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None

    def header(self, name: str) -> str | None:
        """A header by its case-insensitive name."""
        name = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == name), None)


Deliver = Callable[[OutboundMessage], Delivery]
#: Keeps what a successful delivery answered (e.g. a fetched document), in the transaction that records it:
#: the answer is kept iff the message counts as delivered. If it raises, the attempt counts as failed.
OnDelivered = Callable[[Connection, OutboundMessage, Delivery], None]


class Relay:
    """Delivers due outbox messages with `deliver`; `run_once` for one round, `run_forever` in a thread.

    `database` must be able to write (on SQLite: `Database.engine` or `Database.sessions`, whose
    transactions lock at BEGIN). `deliver` should time out well within `lease_seconds`: after that,
    another relay may send the message again.
    """

    def __init__(
        self,
        database: Engine | sessionmaker[Session],
        deliver: Deliver,
        policy: RetryPolicy,
        *,
        lease_seconds: float = 60,
        batch: int = 50,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
        on_delivered: OnDelivered | None = None,
    ) -> None:
        self._database = database
        self._deliver = deliver
        self._policy = policy
        self._lease = timedelta(seconds=lease_seconds)
        self._batch = batch
        self._rng = rng or random.Random()
        self._clock = clock or utcnow
        self._wake = threading.Event()
        self._on_delivered = on_delivered

    def run_once(self) -> int:
        """Claim the due messages, deliver them and record the outcomes; the number attempted."""
        now = self._clock()
        lease_until = now + self._lease
        claimed = self._claim(now, lease_until)
        attempted = 0
        silent: dict[str, datetime] = {}  # peers that gave no answer this round: when they are tried again
        postponed: list[tuple[OutboundMessage, datetime]] = []
        for message in claimed:
            if self._clock() >= lease_until:
                break  # the rest may belong to another relay by now; they are claimed again
            if message.peer in silent:  # a hanging peer would cost a timeout per message, and hold up the others
                postponed.append((message, silent[message.peer]))
                continue
            delivery = self._attempt(message)
            retry_at = self._record(message, lease_until, delivery)
            if delivery.status is None and retry_at is not None:
                silent[message.peer] = retry_at
            attempted += 1
        if postponed:
            self._postpone(postponed, lease_until)
        return attempted

    def run_forever(self, stop: threading.Event, idle_seconds: float = 0.5) -> None:
        """Deliver until `stop` is set; when nothing is due, wait `idle_seconds` or until `wake()`."""
        while not stop.is_set():
            try:
                attempted = self.run_once()
            except Exception:  # the database is away: try again later, never die
                log.exception("outbox relay round failed")
                attempted = 0
            if not attempted and not stop.is_set():
                self._wake.wait(idle_seconds)
                self._wake.clear()

    def wake(self) -> None:
        """Look for due messages now (after a commit that added some, or to stop promptly)."""
        self._wake.set()

    def _claim(self, now: datetime, lease_until: datetime) -> list[OutboundMessage]:
        """Lease the oldest pending message of each (peer, key) that is due and not leased.

        A parked message holds back the later ones of its key until an operator retries it (or a newer
        snapshot replaces it): sent past it, they would reach the peer out of order.
        """
        # the head of each (peer, key): its oldest message still to send or refused; only a head can go
        heads = (
            select(func.min(_T.id).label("id")).where(_T.state.in_((PENDING, PARKED))).group_by(_T.peer, _T.key)
        ).subquery("heads")
        query = (
            select(_TABLE)
            .join(heads, heads.c.id == _T.id)
            .where(_T.state == PENDING, _T.next_attempt_at <= now)
            .where(_T.lease_until.is_(None) | (_T.lease_until <= now))
            .order_by(_T.id)
            .limit(self._batch)
        )
        with self._transaction() as connection:
            if connection.dialect.name != "sqlite":  # SQLite has one writer: the transaction is the lock
                query = query.with_for_update(of=_TABLE, skip_locked=True)
            rows = connection.execute(query).all()
            if rows:
                ids = [row.id for row in rows]
                connection.execute(update(OutboxMessage).where(_T.id.in_(ids)).values(lease_until=lease_until))
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

    def _attempt(self, message: OutboundMessage) -> Delivery:
        try:
            return self._deliver(message)
        except Exception as error:  # a sender's bug or a network library's error: a transport error
            log.warning("outbox message %d to %s: %r", message.id, message.peer, error)
            return Delivery(status=None, error=f"{type(error).__name__}: {error}")

    def _record(self, message: OutboundMessage, lease_until: datetime, delivery: Delivery) -> datetime | None:
        """Store the outcome, unless the lease was lost and another relay has taken the message over; when it
        is to be tried again (None: delivered or parked)."""
        now = self._clock()
        attempts = message.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "lease_until": None, "last_status": delivery.status}
        if delivery.status is not None and 200 <= delivery.status < 300:
            delivered = values | {"state": DELIVERED, "delivered_at": now, "last_error": None, "problem": null()}
            try:
                with self._transaction() as connection:
                    if self._update(connection, message, lease_until, delivered) and self._on_delivered is not None:
                        self._on_delivered(connection, message, delivery)
                return None
            except Exception as failure:  # the answer could not be kept: tried again like a failed delivery
                log.warning("outbox message %d to %s: keeping the answer failed: %r", message.id, message.peer, failure)
                delivery = Delivery(
                    status=None, error=f"keeping the answer failed: {type(failure).__name__}: {failure}"
                )
                values["last_status"] = None
        decision = self._policy.after_failure(
            attempts, status=delivery.status, retry_after=delivery.header("retry-after"), now=now, rng=self._rng
        )
        problem, error = _problem(delivery), _error(delivery)
        values |= {"last_error": error, "problem": null() if problem is None else problem}
        if isinstance(decision, Park):
            if not error.startswith(decision.reason):
                values["last_error"] = f"{decision.reason}; {error}"
            values["state"] = PARKED
            log.warning("outbox message %d to %s parked: %s", message.id, message.peer, values["last_error"])
        else:
            values |= {"next_attempt_at": decision.at}
        with self._transaction() as connection:
            self._update(connection, message, lease_until, values)
        return None if isinstance(decision, Park) else decision.at

    def _postpone(self, messages: list[tuple[OutboundMessage, datetime]], lease_until: datetime) -> None:
        """Give back messages not attempted, due again when their silent peer is (no attempt counted)."""
        with self._transaction() as connection:
            for message, due in messages:
                self._update(connection, message, lease_until, {"lease_until": None, "next_attempt_at": due})

    @staticmethod
    def _update(
        connection: Connection, message: OutboundMessage, lease_until: datetime, values: dict[str, Any]
    ) -> bool:
        """Record `values` if this relay still holds the lease; whether it did."""
        result = connection.execute(
            update(OutboxMessage)
            .where(_T.id == message.id, _T.state == PENDING, _T.lease_until == lease_until)
            .values(**values)
        )
        return result.rowcount == 1

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if isinstance(self._database, Engine):
            with self._database.begin() as connection:
                yield connection
        else:
            with self._database.begin() as session:
                yield session.connection()


@contextmanager
def running(relay: Relay, *, idle_seconds: float = 0.5, name: str = "oke-outbox-relay") -> Iterator[Relay]:
    """`relay.run_forever` in a daemon thread for the duration of the block (e.g. an app's lifespan)."""
    stop = threading.Event()
    thread = threading.Thread(target=relay.run_forever, args=(stop, idle_seconds), name=name, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        stop.set()
        relay.wake()
        thread.join(timeout=60)


def _problem(delivery: Delivery) -> Any:
    """The peer's problem detail, when it answered with application/problem+json."""
    content_type = (delivery.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/problem+json" or not delivery.body:
        return None
    try:
        problem = orjson.loads(delivery.body)
    except orjson.JSONDecodeError:
        return None
    return problem if isinstance(problem, dict) else None


def _error(delivery: Delivery) -> str:
    if delivery.status is None:
        return delivery.error or "no answer"
    text = delivery.body[:ERROR_EXCERPT].decode("utf-8", errors="replace")
    return f"HTTP {delivery.status}" + (f": {text}" if text else "")
