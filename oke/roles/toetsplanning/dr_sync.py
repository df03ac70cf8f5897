"""Flow 1a pull at TP: read a DR's planbare toetsen of a period, their Toetsinschrijvingen (with the programme
or course enrolments they rest on) and persons, and keep them as DR's push would.

Outside `services/` because it talks HTTP, like `catalogue_sync` and `reconcile`. Everything is read first,
so that a DR that cannot be read changes nothing; then each object is kept through `services.enrolments`,
the code of the push, in a write of its own. The history marks these rows as pulled: client `oke-dr-pull`,
method `GET` and the object's path at DR. An object TP holds as DR serves it is left alone, so a second pull
writes nothing.

Two kinds of listed association are skipped, and counted: those TP created at DR for extra attempts (flow 5.2),
TP's own, which are not read; and those DR answers 404 or 410 for, deleted since DR listed them (as are a person or
offering an enrolment names, with the enrolments resting on it), as the churn of a large school must not stop its
every pull. What DR's push of an object would not get past before any service sees it (`check_received`) is refused,
that object only, as is an enrolment resting on a refused person or offering, and what a context enrolment names
in turn (`CONTEXT_LINKS`): DR's data must neither crash nor endlessly feed a pull.

A school of 100,000 students is about 500,000 objects, each its own GET at DR: the enrolments are read
`READS_AT_ONCE` at a time, and their writes handed to the group commit many at once, in order. A read DR does not
answer, or answers 408, 429 or 5xx, is tried again (`READ_RETRY`): one busy moment of DR must not fail the pull.
The schedule pulls `PULLS_AT_ONCE` DRs at once, each with its interval to read its DR (`OverBudget`): one DR that
answers slowly must not hold up the other schools' pulls.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit

import anyio
import anyio.from_thread
import anyio.to_thread
import orjson

from oke.auth.caller import Caller, ClientRole
from oke.client.errors import FORESEEN, InvalidPeerAnswer, PeerError, PeerRefused, PeerUnavailable, loggable
from oke.client.ooapi import OoapiClient
from oke.client.peers import PeerDirectory
from oke.errors import InvalidContent, OkeError
from oke.observability.logs import bare_traceback
from oke.ooapi.common import nl_test_admin_block
from oke.outbox.retry import RetryPolicy
from oke.roles.toetsplanning.reconcile import Refusal
from oke.roles.toetsplanning.services import enrolments
from oke.roles.toetsplanning.services.enrolments import Kept
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.locks import exclusive
from oke.store.transactions import Transactions
from oke.web.bodies import check_received

logger = logging.getLogger(__name__)

#: The history's client id of what a pull kept: no message of a DR client was received.
PULLER = "oke-dr-pull"
#: How far ahead a pull looks by default: the planbare toetsen of the coming school year.
DEFAULT_HORIZON_DAYS = 365
#: The lock (`oke.store.locks`) a process holds while it pulls on the schedule.
PULL_LOCK = "oke-dr-pull"
#: The context enrolments a Toetsinschrijving may rest on (PDF Tabel 4.3.A).
_CONTEXT = ("programOfferingAssociationId", "courseOfferingAssociationId")
#: How many links of `_CONTEXT` a pull follows from the Toetsinschrijvingen DR lists: one, to the programme or course
#: enrolment each rests on; those name no context of their own (PDF Tabel 4.5.A, 4.13.A). What a context enrolment
#: names is not read but refused, so that a DR whose enrolments name each other on and on cannot keep a pull reading.
CONTEXT_LINKS = 1

#: DR's answers to the read of an object it listed (or an enrolment named) that say it was deleted since (RFC 9110
#: 15.5.5, 15.5.11).
GONE = frozenset({404, 410})

#: How many of DR's enrolments a pull reads at once, unless told (`dr_sync_reads_at_once` of the settings).
READS_AT_ONCE = 8
#: How a read of the pull that DR did not answer, or answered 408, 429 or 5xx, is tried again: 5 tries in all, after
#: about 0.5, 1, 2 and 4 seconds, or after DR's `Retry-After` when it asks for longer, but never more than 30
#: seconds a wait (at most 2 minutes of waiting; then the pull fails as for a DR that cannot be read).
READ_RETRY = RetryPolicy(base_seconds=0.5, max_seconds=4.0, max_attempts=5, max_retry_after_seconds=30.0)
#: The jitter of those waits, so that the pull's threads do not try again in step.
_JITTER = random.Random()
#: How many writes a pull hands to the group commit at once (it takes up to `MAX_BATCH` in a transaction).
WRITES_AT_ONCE = 1000
#: How many DRs the schedule pulls at once: one that is slow to read holds up one of these, not the others' pulls.
#: Each reads `reads_at_once` at a time, and TP's database in a thread of its own.
PULLS_AT_ONCE = 4

#: One of the `keep_*` of `services.enrolments`: DR's document kept as a PUT keeps it.
Keep = Callable[[ToetsplanningUnitOfWork, Caller, str, Inbound], Kept]
#: A write of one of DR's objects.
Write = Callable[[ToetsplanningUnitOfWork], Kept]
#: Runs writes in their order and answers, in that order, each one's value once it is committed, or the
#: `OkeError` it was refused with (the others are written all the same).
WriteAll = Callable[[Sequence[Write]], list[Kept | OkeError]]


class OverBudget(OkeError):
    """A scheduled pull went over its time budget"""


@dataclass
class Tally:
    """What keeping one kind of object did."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    cancelled: int = 0

    def count(self, kept: Kept) -> None:
        setattr(self, kept.value, getattr(self, kept.value) + 1)

    def __str__(self) -> str:
        return f"{self.new} new, {self.changed} changed, {self.unchanged} unchanged, {self.cancelled} cancelled"


@dataclass
class DrPull:
    """The summary of one pull from a DR."""

    dr_peer: str
    tenant: str
    since: date
    until: date
    offerings: Tally = field(default_factory=Tally)
    enrolments: Tally = field(default_factory=Tally)
    persons: Tally = field(default_factory=Tally)
    #: What the flow 1 service refused, with its reason (DR served something the push would not pass either).
    refused: list[Refusal] = field(default_factory=list)
    #: The associations DR listed that TP created there for extra attempts (flow 5.2): skipped, TP's own.
    tps_own: int = 0
    #: What DR listed (or an enrolment named) and then answered 404 or 410 for, and the enrolments resting on it:
    #: deleted since, skipped.
    gone: int = 0
    #: The open enrolments TP holds of the planbare toetsen read that DR did not list: kept, and still planned and
    #: plannable (a pull cancels nothing: DR cancels, PDF 3.1.2.1), but an operator may ask DR about them.
    unlisted: int = 0

    def lines(self) -> list[str]:
        """The summary as an operator reads it."""
        return self.counts() + [f"  refused {refusal.object_id}: {refusal.reason}" for refusal in self.refused]

    def counts(self) -> list[str]:
        """The summary without the ids and reasons of the refused documents: what a log line may say."""
        return [
            f"DR {self.dr_peer} ({self.tenant}), {self.since} to {self.until}:",
            f"  offerings: {self.offerings}",
            f"  enrolments: {self.enrolments}",
            f"  persons: {self.persons}",
            f"  refused: {len(self.refused)}",
            f"  skipped: {self.gone} gone at DR since listed, {self.tps_own} of TP's own extra attempts",
            f"  not listed by DR any more: {self.unlisted} open enrolments, kept (DR cancels, a pull does not)",
        ]


@dataclass
class _Read:
    """DR's documents by id, in the order they are kept: persons, offerings, enrolments (as DR pushes)."""

    #: The associations TP created at DR for extra attempts: not read (`tps_own_associations`).
    tps_own: set[str]
    #: Those of them DR listed.
    listed_own: set[str] = field(default_factory=set)
    #: The associations, persons and offerings DR answered 404 or 410 for (`GONE`), and the enrolments of those.
    gone: set[str] = field(default_factory=set)
    #: The enrolments a context enrolment names as its own context, past `CONTEXT_LINKS`: not read; by whom named.
    beyond: dict[str, str] = field(default_factory=dict)
    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    offerings: dict[str, dict[str, Any]] = field(default_factory=dict)
    associations: dict[str, dict[str, Any]] = field(default_factory=dict)


def pull_dr(
    directory: PeerDirectory,
    new_uow: Callable[[], ToetsplanningUnitOfWork],
    write_all: WriteAll,
    dr_peer: str,
    *,
    since: date | None = None,
    until: date | None = None,
    reads_at_once: int = READS_AT_ONCE,
    budget_seconds: float | None = None,
) -> DrPull:
    """Read the planbare toetsen overlapping [since, until] (today and the next 365 days by default), `reads_at_once`
    GETs at a time, and keep them.

    `NotFound` for a peer that is no DR; a `PeerError` when DR cannot be read, and `OverBudget` when reading it takes
    longer than `budget_seconds`: then nothing is changed.
    """
    since, until = pull_period(since, until)
    tenant = enrolments.tenant_of_dr(new_uow(), dr_peer)
    read = _Read(enrolments.tps_own_associations(new_uow(), tenant))
    try:
        client = directory.client(dr_peer)
        _read_dr(_Reader(client, budget_seconds), since, until, read, reads_at_once)
    except PeerUnavailable as error:  # say which DR: a token endpoint's error names none
        raise PeerUnavailable(_unread(dr_peer, error), retry_after=error.retry_after) from error
    except PeerError as error:
        raise PeerError(_unread(dr_peer, error)) from error
    summary = DrPull(dr_peer, tenant, since, until, tps_own=len(read.listed_own), gone=len(read.gone))
    kinds: tuple[tuple[dict[str, dict[str, Any]], str, Keep, Tally], ...] = (
        (read.persons, "persons", enrolments.keep_person, summary.persons),
        (read.offerings, "offerings", enrolments.keep_offering, summary.offerings),
        (read.associations, "associations", enrolments.keep_association, summary.enrolments),
    )
    # what is refused, by collection: an enrolment resting on a refused person or offering is refused too
    refused: dict[str, set[str]] = {collection: set() for _, collection, _, _ in kinds}
    for documents, collection, _, _ in kinds:  # before anything of DR's is compared or stored
        summary.refused += _refuse_unfit(documents, collection, refused[collection])
    summary.refused += _refuse_beyond(read)
    toetsen = [i for i, offering in read.offerings.items() if offering.get("offeringType") == "component"]
    listed = read.associations.keys() | read.gone | read.listed_own | refused["associations"]
    summary.unlisted = len(enrolments.open_enrolments_in(new_uow(), tenant, toetsen) - listed)
    caller = Caller(PULLER, ClientRole.dr, tenant, dr_peer, frozenset())
    base = urlsplit(client.base_url).path
    for documents, collection, keep, tally in kinds:  # persons, then offerings, then enrolments, as DR pushes
        ids = list(documents)
        for start in range(0, len(ids), WRITES_AT_ONCE):
            chunk = ids[start : start + WRITES_AT_ONCE]
            done: dict[str, Kept | OkeError | str] = {}
            if collection == "associations":
                done = {i: why for i in chunk if (why := _resting_on_refused(documents[i], refused)) is not None}
            writing = [i for i in chunk if i not in done]
            writes = [partial(_keep, keep, caller, i, _inbound(base, collection, i, documents[i])) for i in writing]
            done.update(zip(writing, write_all(writes), strict=True))
            for object_id in chunk:
                kept = done[object_id]
                if not isinstance(kept, Kept):  # an `OkeError`, or why it was not written
                    summary.refused.append(Refusal(object_id, str(kept)))
                    refused[collection].add(object_id)
                elif kept is Kept.tps_own:  # TP created it at DR after the pull began
                    summary.tps_own += 1
                else:
                    tally.count(kept)
    return summary


def _refuse_unfit(documents: dict[str, dict[str, Any]], collection: str, refused: set[str]) -> list[Refusal]:
    """Take out of `documents` those TP would refuse as DR's message before any service saw it (`check_received`:
    nesting, a NUL character, an id no table holds), their ids into `refused`; the refusals."""
    refusals: list[Refusal] = []
    for object_id, document in list(documents.items()):
        try:
            check_received(f"/{collection}/{object_id}", document)
        except InvalidContent as error:
            del documents[object_id]
            refused.add(object_id)
            refusals.append(Refusal(object_id, str(error)))
    return refusals


def _refuse_beyond(read: _Read) -> list[Refusal]:
    """The refusals of the enrolments named past `CONTEXT_LINKS` that were not read all the same (DR listed them)."""
    taken = read.associations.keys() | read.gone | read.tps_own
    unread = [(i, by) for i, by in read.beyond.items() if i not in taken]
    because = f"a programme or course enrolment names no context of its own; a pull follows {CONTEXT_LINKS} link"
    return [Refusal(i, f"not read: named as the context of context enrolment {by} ({because})") for i, by in unread]


def _resting_on_refused(association: dict[str, Any], refused: dict[str, set[str]]) -> str | None:
    """Why an enrolment is refused unwritten: it rests on a person or offering refused, which TP does not hold as DR
    serves it; None otherwise. A cancelled one is kept all the same: TP removes it, with its person."""
    if association.get("state") == "canceled":
        return None
    for name, collection in (("person", "persons"), ("offering", "offerings")):
        if association[name] in refused[collection]:
            return f"rests on {name} {association[name]}, which was refused"
    return None


def pull_period(since: date | None, until: date | None) -> tuple[date, date]:
    """The [since, until] a pull reads: from today, and `DEFAULT_HORIZON_DAYS` on from since, unless given.

    `ValueError` for an until before since, which DR would refuse: said before DR is called.
    """
    since = since or date.today()
    until = until or since + timedelta(days=DEFAULT_HORIZON_DAYS)
    if until < since:
        raise ValueError(f"until {until} is before since {since}")
    return since, until


def _inbound(base: str, collection: str, object_id: str, document: dict[str, Any]) -> Inbound:
    path = f"{base}/{collection}/{quote(object_id, safe='')}"
    return Inbound("GET", path, document, orjson.dumps(document).decode())


def _keep(keep: Keep, caller: Caller, object_id: str, inbound: Inbound, uow: ToetsplanningUnitOfWork) -> Kept:
    return keep(uow, caller, object_id, inbound)


def _unread(dr_peer: str, error: PeerError) -> str:
    return f"DR {dr_peer} could not be read, nothing was changed: {error}"


async def pull(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    dr_peer: str,
    *,
    since: date | None = None,
    until: date | None = None,
    reads_at_once: int = READS_AT_ONCE,
    budget_seconds: float | None = None,
) -> DrPull:
    """`pull_dr` off the event loop: HTTP and reads in worker threads, writes in `tx`'s group commit."""

    async def written(write: Write) -> Kept | OkeError:
        try:
            return await tx.write(write)
        except OkeError as refused:
            return refused

    async def write_all(writes: Sequence[Write]) -> list[Kept | OkeError]:
        # each task queues its write before it first waits, and the tasks start in order: the writer takes
        # them in this order
        return await asyncio.gather(*(written(write) for write in writes))

    def write_from_thread(writes: Sequence[Write]) -> list[Kept | OkeError]:
        return anyio.from_thread.run(write_all, writes)

    run = partial(
        pull_dr,
        directory,
        tx.new_uow,
        write_from_thread,
        dr_peer,
        since=since,
        until=until,
        reads_at_once=reads_at_once,
        budget_seconds=budget_seconds,
    )
    return await anyio.to_thread.run_sync(run)


@asynccontextmanager
async def pulling(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    every_seconds: float,
    *,
    database_url: str | None = None,
    reads_at_once: int = READS_AT_ONCE,
    budget_seconds: float | None = None,
) -> AsyncIterator[None]:
    """Pull every configured DR now and then every `every_seconds`, `PULLS_AT_ONCE` DRs at a time, `reads_at_once`
    GETs at a time each, for as long as the block runs.

    A failed pull is logged and tried again at the next turn; leaving the block stops the schedule. A pull whose
    reads take longer than `budget_seconds` (by default `every_seconds`: the schedule's turn) fails so, nothing
    changed: a DR that answers slowly holds up neither the other DRs nor the next turn for longer. With
    `database_url` (TP's database), a process skips its turn while another one pulls into that database: several API
    processes and workers may run the schedule, and no two pull at once.
    """
    budget = every_seconds if budget_seconds is None else budget_seconds
    async with anyio.create_task_group() as group:
        group.start_soon(_pull_every, directory, tx, every_seconds, database_url, reads_at_once, budget)
        try:
            yield
        finally:
            group.cancel_scope.cancel()


async def _pull_every(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    seconds: float,
    database_url: str | None,
    reads_at_once: int,
    budget_seconds: float,
) -> None:
    while True:
        with ExitStack() as held:
            try:
                mine = database_url is None or await anyio.to_thread.run_sync(
                    held.enter_context, exclusive(database_url, PULL_LOCK, wait=False)
                )
                peers = await tx.read(enrolments.dr_peers) if mine else []
            except Exception:  # a database that is briefly away must not end the schedule
                logger.exception("flow 1 pull: the lock or the DR peers could not be read")
                peers = []
            await _pull_each(directory, tx, peers, reads_at_once, budget_seconds)
        await anyio.sleep(seconds)


async def _pull_each(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    peers: list[str],
    reads_at_once: int,
    budget_seconds: float,
) -> None:
    """Pull the DRs, `PULLS_AT_ONCE` at a time, in their order, each within `budget_seconds`."""
    slots = anyio.CapacityLimiter(PULLS_AT_ONCE)
    async with anyio.create_task_group() as group:
        for peer in peers:
            group.start_soon(_pull_one, directory, tx, peer, reads_at_once, budget_seconds, slots)


async def _pull_one(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    peer: str,
    reads_at_once: int,
    budget_seconds: float,
    slots: anyio.CapacityLimiter,
) -> None:
    async with slots:
        try:
            summary = await pull(directory, tx, peer, reads_at_once=reads_at_once, budget_seconds=budget_seconds)
            logger.info("flow 1 pull: %s", " ".join(line.strip() for line in summary.counts()))
        except OverBudget:
            logger.warning(
                "flow 1 pull from DR %s failed: reading it took longer than its budget of %g s (OKE_DR_SYNC_MINUTES), "
                "nothing was changed",
                peer,
                budget_seconds,
            )
        except FORESEEN as error:  # logged, tried again next turn: the server keeps running
            logger.warning("flow 1 pull from DR %s failed: %s (`oke sync dr %s` says why)", peer, loggable(error), peer)
        except Exception as error:  # oke's bug: where, for whoever fixes it; tried again next turn all the same
            logger.error("flow 1 pull from DR %s failed, an internal error:\n%s", peer, bare_traceback(error))


class _Reader:
    """DR's client as a pull reads it: each GET tried again as `READ_RETRY` says, and none begun, nor waited for,
    past the pull's budget (`OverBudget`)."""

    def __init__(self, client: OoapiClient, budget_seconds: float | None) -> None:
        self.client, self.name = client, client.name
        self._budget = budget_seconds
        self._ends = math.inf if budget_seconds is None else time.monotonic() + budget_seconds

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        for item in self.client.pages(path, params, retry=self._again):
            self._within(0.0)
            yield item

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        self._within(0.0)
        return self.client.get_json(path, params, retry=self._again)

    def _again(self, tries: int, error: PeerUnavailable) -> float | None:
        """The `ReadRetry` of the pull's reads: `READ_RETRY`, within the budget."""
        wait = None if READ_RETRY.gives_up(tries) else READ_RETRY.delay(tries, error.retry_after, _JITTER)
        if wait is not None:
            self._within(wait)
        return wait

    def _within(self, wait: float) -> None:
        if time.monotonic() + wait > self._ends:
            raise OverBudget(f"DR {self.name}: the pull read it for longer than its budget of {self._budget:g} s")


def _read_dr(reader: _Reader, since: date, until: date, read: _Read, reads_at_once: int) -> None:
    """The planbare toetsen of the period, each with its enrolments read one by one (`expand=person,offering`);
    a cancelled toets without its enrolments, as TP cancels those with it."""
    window = {  # the four filters of PDF 3.1.2.1
        "offeringType": "component",
        "component.componentType": "test",
        "since": since.isoformat(),
        "until": until.isoformat(),
    }
    with _reading(reads_at_once) as pool:
        for toets in reader.pages("/offerings", window):
            toets_id = _id_of(toets, "offeringId")
            read.offerings[toets_id] = toets
            block = nl_test_admin_block(toets.get("consumers")) or {}
            if block.get("offeringState") == "canceled":
                continue
            listed = reader.pages(f"/offerings/{quote(toets_id, safe='')}/associations")
            _read_associations(reader, pool, [_id_of(item, "associationId") for item in listed], read)


@contextmanager
def _reading(reads_at_once: int) -> Iterator[ThreadPoolExecutor]:
    """Threads for DR's GETs; once one fails, the reads not yet begun are dropped, not waited for."""
    pool = ThreadPoolExecutor(reads_at_once, thread_name_prefix="oke-dr-pull")
    try:
        yield pool
    finally:
        pool.shutdown(cancel_futures=True)


def _read_associations(reader: _Reader, pool: ThreadPoolExecutor, ids: list[str], read: _Read) -> None:
    """The enrolments with their persons and offerings, then the context enrolments they rest on (`CONTEXT_LINKS`);
    what those name in turn goes into `read.beyond`, unread."""
    named: dict[str, str] = {}
    for _ in range(CONTEXT_LINKS + 1):
        named = _read_level(reader, pool, _to_read(ids, read), read)
        ids = list(named)
    for context_id, by in named.items():
        read.beyond.setdefault(context_id, by)


def _read_level(reader: _Reader, pool: ThreadPoolExecutor, ids: list[str], read: _Read) -> dict[str, str]:
    """The enrolments `ids` with their persons and offerings; the context enrolments they name, each with the first
    one naming it."""
    named: dict[str, str] = {}
    persons: list[tuple[str, Served]] = []
    offerings: list[tuple[str, Served]] = []
    for association_id, found in zip(ids, pool.map(partial(_association, reader), ids), strict=True):
        if found is None:
            read.gone.add(association_id)
            continue
        document = found.document
        read.associations[association_id] = document
        offerings.append((document["offering"], found.offering))
        if document.get("state") != "canceled":  # its person is not read: TP removes it with it
            persons.append((document["person"], found.person))
        for context_id in _context_ids(nl_test_admin_block(document.get("consumers")) or {}):
            named.setdefault(context_id, association_id)
    _keep_served(reader, pool, "persons", persons, read.persons, read.gone)
    _keep_served(reader, pool, "offerings", offerings, read.offerings, read.gone)
    for association_id in ids:  # one whose person or offering DR deleted since is deleted too, or soon will be
        kept = read.associations.get(association_id)
        if kept is not None and {kept["person"], kept["offering"]} & read.gone:
            del read.associations[association_id]
            read.gone.add(association_id)
    return named


def _to_read(ids: list[str], read: _Read) -> list[str]:
    """The associations of `ids` not read yet, but for TP's own extra attempts, which are counted in `read`."""
    unread = [i for i in dict.fromkeys(ids) if i not in read.associations and i not in read.gone]
    read.listed_own.update(i for i in unread if i in read.tps_own)
    return [i for i in unread if i not in read.tps_own]


#: A person or offering as DR served it in an enrolment: expanded, or its id.
Served = str | dict[str, Any]


def _keep_served(
    reader: _Reader,
    pool: ThreadPoolExecutor,
    collection: str,
    served: list[tuple[str, Served]],
    documents: dict[str, dict[str, Any]],
    gone: set[str],
) -> None:
    """Keep the persons or offerings DR expanded, and read by id, once each, those it did not; those DR answers
    404 or 410 for (deleted since an enrolment named them) go into `gone`."""
    unread: list[str] = []
    for object_id, document in served:
        if object_id in documents:
            continue
        if isinstance(document, dict):
            documents[object_id] = document
        elif object_id not in unread:
            unread.append(object_id)
    for object_id, found in zip(unread, pool.map(partial(_read_object, reader, collection), unread), strict=True):
        if found is None:
            gone.add(object_id)
        else:
            documents[object_id] = found


class _Association(NamedTuple):
    #: The enrolment as TP keeps it: `person` and `offering` as ids, without `result` (not flow 1's).
    document: dict[str, Any]
    person: Served
    offering: Served


def _association(reader: _Reader, association_id: str) -> _Association | None:
    """DR's enrolment; None when DR says it is gone (`GONE`)."""
    path, expand = f"/associations/{quote(association_id, safe='')}", {"expand": "person,offering"}
    found = _read_unless_gone(reader, path, f"association {association_id}", expand)
    if found is None:
        return None
    person: Any = found.get("person")
    offering: Any = found.get("offering")
    person_id = person if isinstance(person, str) else _id_of(person, "personId")
    offering_id = offering if isinstance(offering, str) else _id_of(offering, "offeringId")
    document = {k: v for k, v in found.items() if k != "result"} | {"person": person_id, "offering": offering_id}
    return _Association(document, person, offering)


def _context_ids(block: dict[str, Any]) -> Iterator[str]:
    for name in _CONTEXT:
        if isinstance(value := block.get(name), str):
            yield value


def _read_object(reader: _Reader, collection: str, object_id: str) -> dict[str, Any] | None:
    """`GET /persons/{id}` or `/offerings/{id}`, for what DR did not expand; None when DR says it is gone (`GONE`)."""
    return _read_unless_gone(reader, f"/{collection}/{quote(object_id, safe='')}", f"{collection} {object_id}")


def _read_unless_gone(
    reader: _Reader, path: str, what: str, params: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """The JSON object DR serves at `path` (`what` it is); None when DR says it is gone (`GONE`)."""
    try:
        found = reader.get_json(path, params)
    except PeerRefused as refused:
        if refused.peer_status in GONE:
            return None
        raise
    if not isinstance(found, dict):
        raise InvalidPeerAnswer(f"{reader.name}: {what} is not a JSON object")
    return found


def _id_of(document: Any, name: str) -> str:
    value = document.get(name) if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidPeerAnswer(f"DR served an object without {name}")
    return value
