"""Flow 1a pull at TP: read a DR's planbare toetsen of a period, their Toetsinschrijvingen (with the programme
or course enrolments they rest on) and persons, and keep them as DR's push would.

Outside `services/` because it talks HTTP, like `catalogue_sync` and `reconcile`. Everything is read first,
so that a DR that cannot be read changes nothing; then each object is kept through `services.enrolments`,
the code of the push, in a write of its own. The history marks these rows as pulled: client `oke-dr-pull`,
method `GET` and the object's path at DR. An object TP holds as DR serves it is left alone, so a second pull
writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import anyio
import anyio.from_thread
import anyio.to_thread
import orjson

from oke.auth.caller import Caller, ClientRole
from oke.client.errors import InvalidPeerAnswer, PeerError, PeerUnavailable
from oke.client.ooapi import OoapiClient
from oke.client.peers import PeerDirectory
from oke.errors import OkeError
from oke.ooapi.common import nl_test_admin_block
from oke.roles.toetsplanning.reconcile import Refusal, Writes
from oke.roles.toetsplanning.services import enrolments
from oke.roles.toetsplanning.services.enrolments import Kept
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.locks import exclusive
from oke.store.transactions import Transactions

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: The history's client id of what a pull kept: no message of a DR client was received.
PULLER = "oke-dr-pull"
#: How far ahead a pull looks by default: the planbare toetsen of the coming school year.
DEFAULT_HORIZON_DAYS = 365
#: The lock (`oke.store.locks`) a process holds while it pulls on the schedule.
PULL_LOCK = "oke-dr-pull"
#: The context enrolments a Toetsinschrijving may rest on (spec reference flow 1).
_CONTEXT = ("programOfferingAssociationId", "courseOfferingAssociationId")

#: One of the `keep_*` of `services.enrolments`: DR's document kept as a PUT keeps it.
Keep = Callable[[ToetsplanningUnitOfWork, Caller, str, Inbound], Kept]


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

    def lines(self) -> list[str]:
        """The summary as an operator reads it."""
        found = [
            f"DR {self.dr_peer} ({self.tenant}), {self.since} to {self.until}:",
            f"  offerings: {self.offerings}",
            f"  enrolments: {self.enrolments}",
            f"  persons: {self.persons}",
        ]
        return found + [f"  refused {refusal.object_id}: {refusal.reason}" for refusal in self.refused]


@dataclass
class _Read:
    """DR's documents by id, in the order they are kept: persons, offerings, enrolments (as DR pushes)."""

    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    offerings: dict[str, dict[str, Any]] = field(default_factory=dict)
    associations: dict[str, dict[str, Any]] = field(default_factory=dict)


def pull_dr(
    directory: PeerDirectory,
    new_uow: Callable[[], ToetsplanningUnitOfWork],
    write: Writes,
    dr_peer: str,
    *,
    since: date | None = None,
    until: date | None = None,
) -> DrPull:
    """Read the planbare toetsen overlapping [since, until] (today and the next 365 days by default) and keep them.

    `NotFound` for a peer that is no DR; a `PeerError` when DR cannot be read, and then nothing is changed.
    """
    tenant = enrolments.tenant_of_dr(new_uow(), dr_peer)
    since = since or date.today()
    until = until or since + timedelta(days=DEFAULT_HORIZON_DAYS)
    try:
        client = directory.client(dr_peer)
        read = _read_dr(client, since, until)
    except PeerUnavailable as error:  # say which DR: a token endpoint's error names none
        raise PeerUnavailable(_unread(dr_peer, error), retry_after=error.retry_after) from error
    except PeerError as error:
        raise PeerError(_unread(dr_peer, error)) from error
    summary = DrPull(dr_peer, tenant, since, until)
    caller = Caller(PULLER, ClientRole.dr, tenant, dr_peer, frozenset())
    base = urlsplit(client.base_url).path
    kinds: tuple[tuple[dict[str, dict[str, Any]], str, Keep, Tally], ...] = (
        (read.persons, "persons", enrolments.keep_person, summary.persons),
        (read.offerings, "offerings", enrolments.keep_offering, summary.offerings),
        (read.associations, "associations", enrolments.keep_association, summary.enrolments),
    )
    for documents, collection, keep, tally in kinds:
        for object_id, document in documents.items():
            body = orjson.dumps(document).decode()
            inbound = Inbound("GET", f"{base}/{collection}/{quote(object_id, safe='')}", document, body)
            try:
                tally.count(write(partial(_keep, keep, caller, object_id, inbound)))
            except OkeError as refused:
                summary.refused.append(Refusal(object_id, str(refused)))
    return summary


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
) -> DrPull:
    """`pull_dr` off the event loop: HTTP and reads in a worker thread, writes in `tx`'s group commit."""

    def write(call: Callable[[ToetsplanningUnitOfWork], T]) -> T:
        return anyio.from_thread.run(tx.write, call)

    run = partial(pull_dr, directory, tx.new_uow, write, dr_peer, since=since, until=until)
    return await anyio.to_thread.run_sync(run)


@asynccontextmanager
async def pulling(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    every_seconds: float,
    *,
    database_url: str | None = None,
) -> AsyncIterator[None]:
    """Pull every configured DR now and then every `every_seconds`, for as long as the block runs.

    A failed pull is logged and tried again at the next turn; leaving the block stops the schedule. With
    `database_url` (TP's database), a process skips its turn while another one pulls into that database:
    several API processes and workers may run the schedule, and no two pull at once.
    """
    async with anyio.create_task_group() as group:
        group.start_soon(_pull_every, directory, tx, every_seconds, database_url)
        try:
            yield
        finally:
            group.cancel_scope.cancel()


async def _pull_every(
    directory: PeerDirectory, tx: Transactions[ToetsplanningUnitOfWork], seconds: float, database_url: str | None
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
            await _pull_each(directory, tx, peers)
        await anyio.sleep(seconds)


async def _pull_each(directory: PeerDirectory, tx: Transactions[ToetsplanningUnitOfWork], peers: list[str]) -> None:
    for peer in peers:
        try:
            summary = await pull(directory, tx, peer)
            logger.info("flow 1 pull: %s", " ".join(line.strip() for line in summary.lines()))
        except Exception as error:  # logged, tried again next turn: the server keeps running
            logger.warning("flow 1 pull from DR %s failed: %s", peer, error)


def _read_dr(client: OoapiClient, since: date, until: date) -> _Read:
    """The planbare toetsen of the period, each with its enrolments read one by one (`expand=person,offering`);
    a cancelled toets without its enrolments, as TP cancels those with it."""
    read = _Read()
    window = {"offeringType": "component", "since": since.isoformat(), "until": until.isoformat()}
    for toets in client.pages("/offerings", window):
        toets_id = _id_of(toets, "offeringId")
        read.offerings[toets_id] = toets
        block = nl_test_admin_block(toets.get("consumers")) or {}
        if block.get("offeringState") == "canceled":
            continue
        for item in client.pages(f"/offerings/{quote(toets_id, safe='')}/associations"):
            _read_association(client, _id_of(item, "associationId"), read)
    return read


def _read_association(client: OoapiClient, association_id: str, read: _Read) -> None:
    """One enrolment with its person and offering, and the context enrolments it rests on."""
    found = client.get_json(f"/associations/{quote(association_id, safe='')}", {"expand": "person,offering"})
    if not isinstance(found, dict):
        raise InvalidPeerAnswer(f"{client.name}: association {association_id} is not a JSON object")
    person, offering = found.get("person"), found.get("offering")
    person_id = person if isinstance(person, str) else _id_of(person, "personId")
    offering_id = offering if isinstance(offering, str) else _id_of(offering, "offeringId")
    if isinstance(offering, dict):
        read.offerings.setdefault(offering_id, offering)
    # `result` is not flow 1's (DR includes one it holds); a cancelled enrolment's person is not fetched again
    document = {k: v for k, v in found.items() if k != "result"} | {"person": person_id, "offering": offering_id}
    read.associations[association_id] = document
    if found.get("state") != "canceled" and person_id not in read.persons:
        read.persons[person_id] = person if isinstance(person, dict) else _person(client, person_id)
    block = nl_test_admin_block(found.get("consumers")) or {}
    for context in _context_ids(block):
        if context not in read.associations:
            _read_association(client, context, read)


def _context_ids(block: dict[str, Any]) -> Iterator[str]:
    for name in _CONTEXT:
        if isinstance(value := block.get(name), str):
            yield value


def _person(client: OoapiClient, person_id: str) -> dict[str, Any]:
    """`GET /persons/{id}`, for a DR that did not expand the association's person."""
    person = client.get_json(f"/persons/{quote(person_id, safe='')}")
    if not isinstance(person, dict):
        raise InvalidPeerAnswer(f"{client.name}: person {person_id} is not a JSON object")
    return person


def _id_of(document: Any, name: str) -> str:
    value = document.get(name) if isinstance(document, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidPeerAnswer(f"DR served an object without {name}")
    return value
