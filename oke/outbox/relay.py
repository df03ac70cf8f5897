"""The relay: delivers the outbox in order per (peer, key), with retries, and never loses a message.

Claims are short transactions that lease messages to one relay; deliveries run outside any
transaction, the messages of one (peer, key) one after the other and different keys at once.
A failed attempt is recorded at once; the round's deliveries are recorded together when it ends
(one statement: a message is sent again if its outcome is lost, which every message allows).
Several relays may run at once (PostgreSQL: `FOR UPDATE SKIP LOCKED`). A relay renews the leases of its
round while it delivers, so that a lease can be short: a relay that dies leaves leases that expire soon.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import Connection, Engine, Row, Select, bindparam, func, null, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from oke.observability.metrics import OUTBOX_ATTEMPTS
from oke.observability.outages import REPEAT_SECONDS, Outage, Say
from oke.outbox.delivery import Deliver, Delivery, KeptAnswers, OutboundMessage, error_of, problem_of
from oke.outbox.retry import Decision, Park, Retry, RetryPolicy, retryable, span
from oke.store.base import utcnow
from oke.store.tables.outbox import DELIVERED, LIVE, PARKED, PENDING, OutboxMessage

log = logging.getLogger(__name__)

_TABLE = OutboxMessage.__table__
_T = _TABLE.c
#: How long a relay's claim on a message lasts unless renewed: how soon another relay takes over the messages
#: of one that died. A relay renews its round's leases every third of this while it delivers.
LEASE_SECONDS = 15.0
#: How often a relay says again that a peer keeps failing: as often as its backoff tries a message at most (the
#: default `OKE_RETRY_MAX_SECONDS`), so that a peer down for a weekend is a few hundred lines, not thousands.
PEER_REPEAT_SECONDS = 600.0
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


def _claimable_rows(passed: Collection[Key]) -> Select[Any]:
    """The claimable rows after a given id, in `id` order, but those of the keys in `passed` (full runs, or
    cut by a row that waits). Read through the index of live rows in id order, a chunk at a time: the claim
    stops reading once it has its batch, however many messages are due behind it."""
    query = select(_T.id, _T.peer, _T.key).where(LIVE, _CLAIMABLE, _T.id > bindparam("after"))
    if passed:
        query = query.where(tuple_(_T.peer, _T.key).not_in(list(passed)))
    return query.order_by(_T.id).limit(SCAN_CHUNK)


#: What releases a message from a relay's lease.
_RELEASED: dict[str, Any] = {"lease_until": None, "lease_holder": None}
#: Records one delivered message of a round; run for all of them at once (`executemany`).
_DELIVERED = (
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


def _first_waiting(keys: Collection[Key]) -> Select[Any]:
    """The first live row of each of `keys` that a relay may not take now (waiting, leased or parked): the
    key's later rows wait behind it."""
    return (
        select(_T.peer, _T.key, func.min(_T.id))
        .where(LIVE, ~_CLAIMABLE, tuple_(_T.peer, _T.key).in_(list(keys)))
        .group_by(_T.peer, _T.key)
    )


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
        self._failing: dict[str, Outage] = {}  # by peer: the peers whose deliveries fail, once one has
        self._failing_lock = threading.Lock()

    def run_once(self) -> int:
        """Claim the due messages, deliver them and record the outcomes; the number attempted."""
        now = self._clock()
        round_ = _Round(uuid4().hex, now + self._lease)
        runs: dict[Key, list[OutboundMessage]] = {}
        for message in self._claim(now, round_):
            runs.setdefault((message.peer, message.key), []).append(message)
        sending = [self._senders.submit(self._deliver_run, run, round_) for run in runs.values()]
        while wait(sending, timeout=self._renew_every).not_done:
            self._renew(round_)
        attempted = sum(run.result() for run in sending)
        if round_.delivered:
            with self._transaction() as connection:
                connection.execute(_DELIVERED, round_.delivered)
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

    def _claim(self, now: datetime, round_: _Round) -> list[OutboundMessage]:
        """Lease a run of due messages at the head of each (peer, key), oldest first.

        The head of a (peer, key) is its oldest live message. A key whose head is not due, is leased to
        another relay or is parked is passed over as a whole: a parked message holds back the later ones
        of its key until an operator retries it (or a newer snapshot replaces it); sent past it, they would
        reach the peer out of order. The rows are read, body and all, in the transaction that
        leases them, with `FOR UPDATE SKIP LOCKED`: a row a writer is replacing is skipped (the run ends there),
        and a writer never replaces a leased row (`oke.outbox.writer`), so what is sent is what the row holds.
        """
        with self._transaction() as connection:
            wanted = self._due_runs(connection, now)
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
                    update(OutboxMessage)
                    .where(_T.id.in_(ids))
                    .values(lease_until=round_.lease_until, lease_holder=round_.holder)
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

    def _due_runs(self, connection: Connection, now: datetime) -> list[tuple[int, Key]]:
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
                    ahead = chunk[position : position + self._batch - len(wanted)]
                    unknown = {(later.peer, later.key) for later in ahead} - waiting.keys()
                    waiting |= dict.fromkeys(unknown)
                    first_rows = connection.execute(_first_waiting(unknown), {"now": now})
                    waiting |= {(peer, key_): first for peer, key_, first in first_rows}
                first_waiting = waiting[key]
                if taken.get(key, 0) == self._run_length or (first_waiting is not None and row.id > first_waiting):
                    passed.add(key)
                    continue
                wanted.append((row.id, key))
                taken[key] = taken.get(key, 0) + 1
                if len(wanted) == self._batch:
                    return wanted
            if len(chunk) < SCAN_CHUNK:
                return wanted
            after = chunk[-1].id

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
            delivery = self._attempt(message)
            attempted += 1
            decision = self._record(message, round_, delivery)
            outcome = "delivered" if decision is None else "parked" if isinstance(decision, Park) else "retry"
            OUTBOX_ATTEMPTS.labels(message.peer, message.kind, outcome).inc()
            if decision is None:
                self._peer_delivered(message.peer)
            elif retryable(delivery.status):
                self._peer_failed(message.peer, delivery)
            if decision is not None:
                if delivery.status is None and isinstance(decision, Retry):
                    round_.silence(message.peer, decision.at)
                self._give_back(run[position + 1 :], round_.holder, None)
                return attempted
        return attempted

    def _attempt(self, message: OutboundMessage) -> Delivery:
        try:
            return self._deliver(message)
        except Exception as error:  # a sender's bug or a network library's error: a transport error
            kind = type(error).__name__
            log.warning("outbox message %d to %s: %s", message.id, message.peer, kind)
            return Delivery(status=None, error=f"{kind}: {error}", reason=f"its sender raised {kind}")

    def _peer_failed(self, peer: str, delivery: Delivery) -> None:
        """Say that a peer fails (no answer, or one that means "later"): when it starts, then every
        `PEER_REPEAT_SECONDS` while it lasts, with why and how many of its messages wait. Its messages stay
        pending: a wrong secret or scope is the operator's to fix (`oke peers update`, then `oke outbox retry`)."""
        with self._failing_lock:
            outage = self._failing.setdefault(peer, Outage(PEER_REPEAT_SECONDS, self._seconds))
        said = outage.failed()
        if said is None:
            return
        why = delivery.reason or ("gave no answer" if delivery.status is None else f"answered {delivery.status}")
        waiting = self._waiting(peer)
        if said is Say.FIRST:
            log.warning("peer %s: %s; %d messages wait (`oke outbox list --peer %s`)", peer, why, waiting, peer)
        else:
            lasting = span(outage.lasting)
            log.warning("peer %s still fails, for %s: %s; %d messages wait", peer, lasting, why, waiting)

    def _peer_delivered(self, peer: str) -> None:
        """Say that a peer that failed takes its messages again."""
        outage = self._failing.get(peer)
        if outage is not None and (lasted := outage.worked()) is not None:
            log.info("peer %s takes its messages again, after %s", peer, span(lasted))

    def _waiting(self, peer: str) -> int:
        """How many messages to `peer` are pending."""
        query = select(func.count()).select_from(_TABLE).where(LIVE, _T.peer == peer, _T.state == PENDING)
        with self._statement() as connection:
            return int(connection.execute(query).scalar_one())

    def _seconds(self) -> float:
        """The relay's clock in seconds, for `Outage`."""
        return self._clock().timestamp()

    def _record(self, message: OutboundMessage, round_: _Round, delivery: Delivery) -> Decision | None:
        """Store the outcome (a delivery at the end of the round), unless the lease was lost and another relay
        has taken the message over; what becomes of the message (None: delivered)."""
        now = self._clock()
        attempts = message.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_status": delivery.status} | _RELEASED
        if self._policy.delivered(message.kind, delivery.status):
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
                    if connection.execute(_DELIVERED, delivered).rowcount == 1:
                        keep(connection, message, delivery)
                return None
            except Exception as failure:  # the answer could not be kept: tried again like a failed delivery
                failed = type(failure).__name__
                log.warning("outbox message %d to %s: keeping the answer failed: %s", message.id, message.peer, failed)
                delivery = Delivery(status=None, error=f"keeping the answer failed: {failed}: {failure}")
                values["last_status"] = None
        decision = self._policy.after_failure(
            attempts,
            status=delivery.status,
            retry_after=delivery.header("retry-after"),
            now=now,
            rng=self._rng,
            kind=message.kind,
            written_at=message.created_at,
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
        values = _RELEASED | ({} if due is None else {"next_attempt_at": due})
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
