"""The relay: delivers the outbox in order per (peer, key), with retries, and never loses a message.

Claims are short transactions that lease messages to one relay; deliveries run outside any
transaction, the messages of one (peer, key) one after the other and different keys at once.
A failed attempt is recorded at once; the round's deliveries are recorded together when it ends
(one statement: a message is sent again if its outcome is lost, which every message allows).
Several relays may run at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`). A relay renews the leases of its
round while it delivers, so that a lease can be short: a relay that dies leaves leases that expire soon.
What a round claims, and how, is `oke.outbox.claims`; what the relay says of peers that fail, `oke.outbox.peer_health`.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
from sqlalchemy import Connection, Engine, null, update
from sqlalchemy.orm import Session, sessionmaker

from oke.observability.logs import bare_traceback
from oke.observability.metrics import OUTBOX_ATTEMPTS
from oke.observability.outages import REPEAT_SECONDS, Outage, Say
from oke.outbox.claims import DELIVERED_ROW, RELEASED, Key, claim
from oke.outbox.delivery import Deliver, Delivery, KeptAnswers, OutboundMessage, error_of, problem_of
from oke.outbox.peer_health import PeerHealth
from oke.outbox.retry import Decision, Park, Retry, RetryPolicy, retryable
from oke.store.base import utcnow
from oke.store.tables.outbox import PARKED, PENDING, OutboxMessage
from oke.store.transactions import UNAVAILABLE

log = logging.getLogger(__name__)

_T = OutboxMessage.__table__.c
#: How long a relay's claim on a message lasts unless renewed: how soon another relay takes over the messages
#: of one that died. A relay renews its round's leases every third of this while it delivers.
LEASE_SECONDS = 15.0
#: What a sender may raise when the network fails or the database it reads the peer's settings from is away:
#: a transport error, retried as such. Anything else is oke's bug (an internal error): retried too, with the
#: backoff, so that a fixed release sends the message without an operator, but logged with its traceback.
#: (`oke.outbound.http_delivery` answers a `PeerError` itself: the outbox knows nothing of the client.)
TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.RequestError, ConnectionError, TimeoutError, *UNAVAILABLE)
#: The most messages whose last internal error a relay remembers, so as to log its traceback once per message.
_TOLD_AT_MOST = 10_000


class Relay:
    """Delivers due outbox messages with `deliver`; `run_once` for one round, `run_forever` in a thread.

    `database` must be able to write (on SQLite: `Database.engine` or `Database.sessions`, whose
    transactions lock at BEGIN). `deliver` is called from up to `concurrency` threads at once, never twice
    at once for one (peer, key); the thread of `run_once` renews the round's leases meanwhile, so a
    delivery may take longer than `lease_seconds`. If renewing fails (the database is away) and the lease
    runs out, another relay may send a message again, which every message allows.
    """

    def __init__(
        self,
        database: Engine | sessionmaker[Session],
        deliver: Deliver,
        policy: RetryPolicy,
        *,
        lease_seconds: float = LEASE_SECONDS,
        batch: int = 200,
        run_length: int = 25,
        concurrency: int = 1,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] | None = None,
        on_delivered: KeptAnswers | None = None,
    ) -> None:
        """`batch`: the most messages one round claims; `run_length`: the most of one (peer, key) among them,
        so that one long queue (e.g. a whole flow 1 push) does not hold up the other keys. A message of a kind
        in `on_delivered` is recorded on its own, in a transaction with what its hook keeps."""
        self._database = database
        self._deliver = deliver
        self._policy = policy
        self._lease = timedelta(seconds=lease_seconds)
        self._renew_every = lease_seconds / 3
        self._batch = batch
        self._run_length = run_length
        self._rng = rng or random.Random()
        self._clock = clock or utcnow
        self._wake = threading.Event()
        self._on_delivered = on_delivered or {}
        self._senders = ThreadPoolExecutor(concurrency, "oke-outbox-send")
        self._peers = PeerHealth(self._statement, self._seconds)
        self._told: dict[int, str] = {}  # by message: the internal error whose traceback was logged last
        self._told_lock = threading.Lock()

    def run_once(self) -> int:
        """Claim the due messages, deliver them and record the outcomes; the number attempted."""
        now = self._clock()
        round_ = _Round(uuid4().hex, now + self._lease)
        runs: dict[Key, list[OutboundMessage]] = {}
        with self._transaction() as connection:
            claimed = claim(
                connection,
                now,
                holder=round_.holder,
                lease_until=round_.lease_until,
                batch=self._batch,
                run_length=self._run_length,
            )
        for message in claimed:
            runs.setdefault((message.peer, message.key), []).append(message)
        sending = [self._senders.submit(self._deliver_run, run, round_) for run in runs.values()]
        while wait(sending, timeout=self._renew_every).not_done:
            self._renew(round_)
        attempted = sum(run.result() for run in sending)
        if round_.delivered:
            with self._transaction() as connection:
                connection.execute(DELIVERED_ROW, round_.delivered)
        return attempted

    def run_forever(self, stop: threading.Event, idle_seconds: float = 0.5) -> None:
        """Deliver until `stop` is set; when nothing is due, wait `idle_seconds` or until `wake()`.

        A round that fails (the database is away) is tried again, never the end: the first failure is logged
        with its traceback, the ones after it once a minute in a line, and the recovery too.
        """
        rounds = Outage(REPEAT_SECONDS)
        while not stop.is_set():
            try:
                attempted = self.run_once()
                if (lasted := rounds.worked()) is not None:
                    log.warning("outbox relay rounds work again, after %.0f s", lasted)
            except Exception as error:
                said = rounds.failed()
                if said is Say.FIRST:
                    log.exception("outbox relay round failed")
                elif said is Say.AGAIN:
                    log.warning("outbox relay rounds still fail, for %.0f s: %r", rounds.lasting, error)
                attempted = 0
            if not attempted and not stop.is_set():
                self._wake.wait(idle_seconds)
                self._wake.clear()

    def wake(self) -> None:
        """Look for due messages now (after a commit that added some, or to stop promptly)."""
        self._wake.set()

    def close(self) -> None:
        """Stop the sending threads (after the round under way)."""
        self._senders.shutdown()

    def _deliver_run(self, run: list[OutboundMessage], round_: _Round) -> int:
        """Deliver the messages of one (peer, key) in order, up to the first that is not delivered; the
        rest is given back, to go after it. The number attempted."""
        attempted = 0
        for position, message in enumerate(run):
            if self._clock() >= round_.lease_until:
                return attempted  # the rest may belong to another relay by now; they are claimed again
            silent_until = round_.silent_until(message.peer)
            if silent_until is not None:  # a hanging peer would cost a timeout per message, and hold up others
                self._give_back(run[position:], round_.holder, silent_until)
                return attempted
            delivery, internal = self._attempt(message)
            attempted += 1
            decision = self._record(message, round_, delivery)
            outcome = "delivered" if decision is None else "parked" if isinstance(decision, Park) else "retry"
            OUTBOX_ATTEMPTS.labels(message.peer, message.kind, outcome).inc()
            if not isinstance(decision, Retry):
                self._settled(message)
            if decision is None:
                self._peers.delivered(message.peer)
            elif retryable(delivery.status) and not internal:  # oke's error says nothing of the peer
                self._peers.failed(message.peer, delivery)
            if decision is not None:
                if delivery.status is None and isinstance(decision, Retry) and not internal:
                    round_.silence(message.peer, decision.at)
                self._give_back(run[position + 1 :], round_.holder, None)
                return attempted
        return attempted

    def _attempt(self, message: OutboundMessage) -> tuple[Delivery, bool]:
        """The outcome of one delivery, and whether it is an internal error (the sender raised what no peer,
        network or database outage explains)."""
        try:
            return self._deliver(message), False
        except TRANSPORT_ERRORS as error:
            kind = type(error).__name__
            log.warning("outbox message %d to %s: %s", message.id, message.peer, kind)
            return Delivery(status=None, error=f"{kind}: {error}", reason=f"its sender raised {kind}"), False
        except Exception as error:
            self._internal_error(message, "its sender raised", error)
            kind = type(error).__name__
            return Delivery(status=None, error=f"internal error: {kind}: {error}"), True

    def _internal_error(self, message: OutboundMessage, what: str, error: Exception) -> None:
        """Log oke's own error with its traceback, once per message while the error stays the same; its text goes
        to the row's `last_error` only, as it may hold a path or a peer's words (docs/operations.md, "Logs")."""
        kind = type(error).__name__
        said = f"{what} {type(error).__module__}.{type(error).__qualname__}: {error}"
        with self._told_lock:
            repeated = self._told.get(message.id) == said
            self._told.pop(message.id, None)
            self._told[message.id] = said
            if len(self._told) > _TOLD_AT_MOST:
                del self._told[next(iter(self._told))]
        where = f"outbox message {message.id} to {message.peer} ({message.kind})"
        if repeated:
            log.warning("%s: %s %s again (internal error); tried again after backoff", where, what, kind)
            return
        log.error(
            "%s: %s %s, an internal error; tried again after backoff, `oke outbox show %d` shows the error:\n%s",
            where,
            what,
            kind,
            message.id,
            bare_traceback(error),
        )

    def _settled(self, message: OutboundMessage) -> None:
        """Forget the internal error of a message that is delivered or parked."""
        with self._told_lock:
            self._told.pop(message.id, None)

    def _seconds(self) -> float:
        """The relay's clock in seconds, for `Outage`."""
        return self._clock().timestamp()

    def _record(self, message: OutboundMessage, round_: _Round, delivery: Delivery) -> Decision | None:
        """Store the outcome (a delivery at the end of the round), unless the lease was lost and another relay
        has taken the message over; what becomes of the message (None: delivered)."""
        now = self._clock()
        attempts = message.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_status": delivery.status} | RELEASED
        if delivery.rejected is None and self._policy.delivered(message.kind, delivery.status):
            delivered = {
                "message_id": message.id,
                "holder": round_.holder,
                "attempts_now": attempts,
                "status": delivery.status,
                "at": now,
            }
            keep = self._on_delivered.get(message.kind)
            if keep is None:
                round_.delivered.append(delivered)
                return None
            try:
                with self._transaction() as connection:
                    if connection.execute(DELIVERED_ROW, delivered).rowcount == 1:
                        keep(connection, message, delivery)
                return None
            except Exception as failure:  # the answer could not be kept: tried again like a failed delivery
                failed = type(failure).__name__
                if isinstance(failure, UNAVAILABLE):
                    log.warning(
                        "outbox message %d to %s: keeping the answer failed: %s", message.id, message.peer, failed
                    )
                    why = f"keeping the answer failed: {failed}: {failure}"
                else:
                    self._internal_error(message, "keeping the answer raised", failure)
                    why = f"internal error keeping the answer: {failed}: {failure}"
                delivery = Delivery(status=None, error=why)
                values["last_status"] = None
        decision: Decision = (
            Park(delivery.rejected)
            if delivery.rejected is not None
            else self._policy.after_failure(
                attempts,
                status=delivery.status,
                retry_after=delivery.header("retry-after"),
                now=now,
                rng=self._rng,
                kind=message.kind,
                written_at=message.created_at,
            )
        )
        problem, error = problem_of(delivery), error_of(delivery)
        values |= {"last_error": error, "problem": null() if problem is None else problem}
        if isinstance(decision, Park):
            if not error.startswith(decision.reason):
                values["last_error"] = f"{decision.reason}; {error}"
            values["state"] = PARKED
            # The reason is oke's (a status, attempts): the peer's answer may repeat a student's name, so it stays
            # in the row (docs/operations.md, "Logs").
            log.warning(
                "outbox message %d to %s (%s) parked: %s; `oke outbox show %d` shows the answer",
                message.id,
                message.peer,
                message.kind,
                decision.reason,
                message.id,
            )
        else:
            values |= {"next_attempt_at": decision.at}
        with self._statement() as connection:
            self._update(connection, message, round_.holder, values)
        return decision

    def _give_back(self, messages: list[OutboundMessage], holder: str, due: datetime | None) -> None:
        """Release messages not attempted (no attempt counted); with `due`, not before then."""
        if not messages:
            return
        values = RELEASED | ({} if due is None else {"next_attempt_at": due})
        with self._transaction() as connection:
            for message in messages:
                self._update(connection, message, holder, values)

    def _renew(self, round_: _Round) -> None:
        """Extend the leases this round still holds; if that fails, they run out and its senders stop there."""
        lease_until = self._clock() + self._lease
        try:
            with self._statement() as connection:
                connection.execute(
                    update(OutboxMessage)
                    .where(_T.lease_holder == round_.holder, _T.state == PENDING)
                    .values(lease_until=lease_until)
                )
        except Exception:
            log.exception("outbox relay could not renew its leases")
            return
        round_.lease_until = lease_until

    @staticmethod
    def _update(connection: Connection, message: OutboundMessage, holder: str, values: dict[str, Any]) -> bool:
        """Record `values` if this relay still holds the lease; whether it did."""
        result = connection.execute(
            update(OutboxMessage)
            .where(_T.id == message.id, _T.state == PENDING, _T.lease_holder == holder)
            .values(**values)
        )
        return result.rowcount == 1

    @contextmanager
    def _statement(self) -> Iterator[Connection]:
        """A connection for one statement, which needs no transaction of its own: on PostgreSQL it commits by
        itself (no BEGIN and COMMIT: one round trip, where a failed attempt's outcome took three)."""
        if isinstance(self._database, Engine) and self._database.dialect.name == "postgresql":
            with self._database.connect() as connection:
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
        else:
            with self._transaction() as connection:
                yield connection

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if isinstance(self._database, Engine):
            with self._database.begin() as connection:
                yield connection
        else:
            with self._database.begin() as session:
                yield session.connection()


class _Round:
    """What the senders of one round share: its lease (who holds it, and until when: renewed as it goes), the
    peers that gave no answer in it, and the deliveries to record when it ends (appended from each sender:
    `list.append` is atomic)."""

    def __init__(self, holder: str, lease_until: datetime) -> None:
        self.holder = holder
        self.lease_until = lease_until
        self.delivered: list[dict[str, Any]] = []
        self._silent: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def silence(self, peer: str, until: datetime) -> None:
        with self._lock:
            self._silent[peer] = until

    def silent_until(self, peer: str) -> datetime | None:
        with self._lock:
            return self._silent.get(peer)


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
        relay.close()
