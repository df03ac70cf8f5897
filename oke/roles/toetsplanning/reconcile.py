"""Reconciliation (flows 3.4 and 4.2): TP reads TA's state of a Zitting and takes over what it missed.

A flow 3 or 4 message can be lost for good (TA's retries given up, a TA restored from a backup), so TP
reads TA's results and session report back and applies whatever is newer through the very services of
the flow 3 and 4 PATCHes: the same merge, rules, history row and document fetches. The history marks
these rows as reconciliation: client `oke-reconcile`, method `GET` and the path TA was read at.

Outside `services/` because it talks HTTP, like `catalogue_sync`. The HTTP calls and the reads run in
the caller's thread; every write goes through `write`, so that a server runs it in its group commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

import anyio.from_thread
import anyio.to_thread
import orjson
from anyio import CapacityLimiter

from oke.auth.caller import Caller, ClientRole
from oke.client.errors import InvalidPeerAnswer, PeerError, PeerUnavailable
from oke.client.ooapi import OoapiClient
from oke.client.peers import PeerDirectory
from oke.errors import InvalidContent, NotFound, OkeError
from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.enums import AssociationType, ResultState
from oke.ooapi.merge_patch import merge_patch
from oke.ooapi.paging import MAX_LIMIT
from oke.roles.toetsplanning.rules import REPORT_FIELDS
from oke.roles.toetsplanning.services import results, session_reports
from oke.roles.toetsplanning.services.zittingen import list_zittingen
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.history import Inbound
from oke.store.transactions import Transactions
from oke.web.bodies import check_document

T = TypeVar("T")

#: The history's client id of what reconciliation applied: no message of a TA client was received.
RECONCILER = "oke-reconcile"
#: Staff carry no result (PDF 3.3.1: a result is a student's), so their listing items need no single read.
_STUDENT = "student"


class Verdict(StrEnum):
    """What TA's state means for what TP holds."""

    apply = "apply"  # TP misses it, or holds an older state: take TA's
    same = "same"  # applying TA's would change nothing
    kept = "kept"  # TP holds something TA's state lacks (newer, confirmed): left alone
    none = "none"  # TA has nothing to give


def compare_result(held: dict[str, Any] | None, at_ta: Any) -> Verdict:
    """Whether TA's result of a Deelname should replace TP's, judged as the flow 3 merge would apply it.

    A completed result is newer than one in progress, a later `resultDate` newer than an earlier one, and a
    result confirmed `final` at TP is never made provisional again; otherwise TA, the result's Bewerker, wins.
    """
    if not isinstance(at_ta, dict) or not at_ta:
        return Verdict.none
    if held is None:
        return Verdict.apply
    if merge_patch(held, at_ta) == held:
        return Verdict.same
    if _progress(at_ta) < _progress(held) or _date(at_ta) < _date(held) or (_final(held) and not _final(at_ta)):
        return Verdict.kept
    return Verdict.apply


def report_change(held: dict[str, Any] | None, offering: Any) -> tuple[Verdict, dict[str, Any]]:
    """The flow 4 fields of TA's offering that TP misses, and the verdict; TP never loses a field or document."""
    block = nl_test_admin_block(offering.get("consumers")) if isinstance(offering, dict) else None
    change = {name: block[name] for name in REPORT_FIELDS if block is not None and name in block}
    if not change:
        return Verdict.none, {}
    current = held or {}
    if merge_patch(current, change) == current:
        return Verdict.same, {}
    lost = [name for name in current if name in REPORT_FIELDS and name not in change]
    if lost or not _document_ids(current.get("documents")) <= _document_ids(change.get("documents", [])):
        return Verdict.kept, {}
    return Verdict.apply, change


@dataclass(frozen=True)
class Differences:
    """What a comparison of TP's Zitting with TA's state found; pure data, nothing applied yet."""

    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # Deelname id -> TA's result to apply
    kept: list[str] = field(default_factory=list)
    unknown_at_ta: list[str] = field(default_factory=list)
    unknown_at_tp: list[str] = field(default_factory=list)


def differences(held: Mapping[str, dict[str, Any] | None], at_ta: Mapping[str, Any]) -> Differences:
    """Compare TP's results (per Deelname id) with TA's (per association id, None without a result).

    TP's participations TA does not list, and results TA holds for participations TP does not have, are
    only reported: reconciliation never deletes, and never creates a Deelname.
    """
    found = Differences(
        unknown_at_ta=sorted(set(held) - set(at_ta)),
        unknown_at_tp=sorted(i for i, result in at_ta.items() if i not in held and isinstance(result, dict)),
    )
    for deelname_id in sorted(set(held) & set(at_ta)):
        verdict = compare_result(held[deelname_id], at_ta[deelname_id])
        if verdict is Verdict.apply:
            found.results[deelname_id] = at_ta[deelname_id]
        elif verdict is Verdict.kept:
            found.kept.append(deelname_id)
    return found


@dataclass(frozen=True)
class Refusal:
    object_id: str
    reason: str


@dataclass
class Reconciliation:
    """The summary of one reconciliation of a Zitting."""

    zitting_id: str
    ta_peer: str
    #: The school of the Zitting, whose history records who asked (not in `wire`: the planner knows it).
    tenant: str
    #: TP's participations compared with TA's.
    checked: int = 0
    #: Deelnames whose result TA's state brought up to date.
    updated: list[str] = field(default_factory=list)
    report_updated: bool = False
    #: Deelnames (and `zittingId` for the report) where TP holds something TA's state lacks: left alone.
    kept: list[str] = field(default_factory=list)
    #: TP's participations TA does not list.
    unknown_at_ta: list[str] = field(default_factory=list)
    #: Participations TA holds a result for that TP does not have.
    unknown_at_tp: list[str] = field(default_factory=list)
    #: What the flow 3 or 4 service refused, with its reason.
    refused: list[Refusal] = field(default_factory=list)

    def wire(self) -> dict[str, Any]:
        """The summary in the planning API's camelCase."""
        return {
            "zittingId": self.zitting_id,
            "taPeer": self.ta_peer,
            "checked": self.checked,
            "updated": self.updated,
            "reportUpdated": self.report_updated,
            "kept": self.kept,
            "unknownAtTa": self.unknown_at_ta,
            "unknownAtTp": self.unknown_at_tp,
            "refused": [{"id": r.object_id, "reason": r.reason} for r in self.refused],
        }


class Writes(Protocol):
    """Runs a write on a unit of work and answers its value once it is committed."""

    def __call__(self, call: Callable[[ToetsplanningUnitOfWork], T], /) -> T: ...


@dataclass(frozen=True)
class _Held:
    tenant: str
    ta_peer: str
    report: dict[str, Any] | None
    results: dict[str, dict[str, Any] | None]


def reconcile_zitting(
    directory: PeerDirectory,
    new_uow: Callable[[], ToetsplanningUnitOfWork],
    write: Writes,
    zitting_id: str,
    *,
    tenant: str | None = None,
) -> Reconciliation:
    """Read TA's state of the Zitting (`GET /offerings/{id}`, its associations) and apply what TP misses.

    `tenant` limits it to one school's sessions (a planner's); `NotFound` for an unknown session, a
    `PeerError` when TA cannot be read, and then nothing is changed.
    """
    held = _read_held(new_uow(), zitting_id, tenant)
    try:
        client = directory.client(held.ta_peer)
        offering, at_ta, unfit = _read_ta(client, zitting_id)
    except PeerUnavailable as error:  # say which TA and session: a token endpoint's error names neither
        raise PeerUnavailable(_unread(held, zitting_id, error), retry_after=error.retry_after) from error
    except PeerError as error:
        raise PeerError(_unread(held, zitting_id, error)) from error
    found = differences(held.results, at_ta)
    summary = Reconciliation(
        zitting_id,
        held.ta_peer,
        held.tenant,
        checked=len(held.results),
        kept=list(found.kept),
        unknown_at_ta=found.unknown_at_ta,
        unknown_at_tp=found.unknown_at_tp,
        refused=unfit,
    )
    caller = Caller(RECONCILER, ClientRole.ta, held.tenant, held.ta_peer, frozenset())
    base = urlsplit(client.base_url).path
    for deelname_id, result in found.results.items():
        patch = {"associationType": AssociationType.componentOfferingAssociation, "result": result}
        inbound = _inbound(f"{base}/associations/{quote(deelname_id, safe='')}", patch)
        verdict = _write(summary, deelname_id, write, partial(_apply_result, caller, deelname_id, inbound))
        if verdict is Verdict.apply:
            summary.updated.append(deelname_id)
        elif verdict is Verdict.kept:
            summary.kept.append(deelname_id)
    seen, change = report_change(held.report, offering)
    if seen is Verdict.kept:
        summary.kept.append(zitting_id)
    elif seen is Verdict.apply:
        report: dict[str, Any] = {"offeringType": "component", "consumers": [{"consumerKey": NL_TEST_ADMIN, **change}]}
        inbound = _inbound(f"{base}/offerings/{quote(zitting_id, safe='')}", report)
        acted = _write(summary, zitting_id, write, partial(_apply_report, caller, zitting_id, inbound))
        summary.report_updated = acted is Verdict.apply
        if acted is Verdict.kept:
            summary.kept.append(zitting_id)
    return summary


async def reconcile(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    zitting_id: str,
    *,
    tenant: str | None,
    threads: CapacityLimiter | None = None,
) -> Reconciliation:
    """`reconcile_zitting` off the event loop: HTTP and reads in a worker thread (of `threads`, else anyio's pool),
    writes in `tx`'s group commit."""

    def write(call: Callable[[ToetsplanningUnitOfWork], T]) -> T:
        return anyio.from_thread.run(tx.write, call)

    run = partial(reconcile_zitting, directory, tx.new_uow, write, zitting_id, tenant=tenant)
    if threads is None:
        return await anyio.to_thread.run_sync(run)
    async with threads:  # and then one of anyio's threads
        return await anyio.to_thread.run_sync(run)


def keep_who_asked(uow: ToetsplanningUnitOfWork) -> None:
    """The write that keeps, `audited`, who asked for a reconciliation (planner or operator): what it took over
    was written as it was applied, each as TA's message; this commits only the row naming the one who asked."""
    uow.commit()


@dataclass(frozen=True)
class Unread:
    """A Zitting `reconcile_held` could not reconcile: its TA could not be read, and nothing of it was changed."""

    zitting_id: str
    reason: str


async def reconcile_held(
    directory: PeerDirectory,
    tx: Transactions[ToetsplanningUnitOfWork],
    tenant: str,
    start_from: datetime,
    start_until: datetime | None,
) -> AsyncIterator[Reconciliation | Unread]:
    """Reconcile each active Zitting of the school that starts in [`start_from`, `start_until`), in order of start:
    what a restore from a backup asks for every session held since. A TA that cannot be read fails its own
    Zittingen only."""
    after = None
    while True:
        page = await tx.read(
            partial(
                list_zittingen,
                tenant=tenant,
                state="active",
                start_from=start_from,
                start_until=start_until,
                after=after,
                limit=MAX_LIMIT,  # Zittingen read from TP's database at once
            )
        )
        for zitting in page.items:
            try:
                yield await reconcile(directory, tx, zitting.zitting_id, tenant=tenant)
            except PeerError as error:
                yield Unread(zitting.zitting_id, str(error))
        if page.next is None:
            return
        after = page.next


def _read_held(uow: ToetsplanningUnitOfWork, zitting_id: str, tenant: str | None) -> _Held:
    with uow:
        zitting = uow.repo.zitting(zitting_id)
        if zitting is None or (tenant is not None and zitting.tenant != tenant):
            raise NotFound(f"no session {zitting_id}")
        held = {deelname.deelname_id: deelname.result for deelname in zitting.deelnames}
        return _Held(zitting.tenant, zitting.ta_peer, zitting.report, held)


def _read_ta(client: OoapiClient, zitting_id: str) -> tuple[dict[str, Any] | None, dict[str, Any], list[Refusal]]:
    """TA's offering (4.2) and the result of each of its associations (3.4), None where it has none, and what of
    them TP refuses as it would refuse TA's message (`check_document`): such an offering or association is taken
    as giving nothing (None), and the refusal says why."""
    path = f"/offerings/{quote(zitting_id, safe='')}"
    offering = client.get_json(path)
    if not isinstance(offering, dict):  # nothing of TA's can be trusted then, nor taken over
        raise InvalidPeerAnswer(f"{client.name}: GET {path}: the answer is not an OOAPI offering")
    refused: list[Refusal] = []
    at_ta: dict[str, Any] = {}
    for item in client.pages(f"{path}/associations"):
        association_id = item.get("associationId")
        if not isinstance(association_id, str):
            continue
        association = _fit(item, association_id, refused)
        result = association.get("result") if association is not None else None
        if association is not None and result is None and item.get("role", _STUDENT) == _STUDENT:
            single = client.get_json(f"/associations/{quote(association_id, safe='')}")  # a listing may leave it out
            association = _fit(single, association_id, refused) if isinstance(single, dict) else None
            result = association.get("result") if association is not None else None
        at_ta[association_id] = result if isinstance(result, dict) else None
    return _fit(offering, zitting_id, refused), at_ta, refused


def _fit(document: dict[str, Any], object_id: str, refused: list[Refusal]) -> dict[str, Any] | None:
    """`document`, or None with its refusal noted when TP would refuse it as a message of TA's."""
    try:
        check_document(document)
    except InvalidContent as error:
        refused.append(Refusal(object_id, str(error)))
        return None
    return document


def _unread(held: _Held, zitting_id: str, error: PeerError) -> str:
    return f"TA {held.ta_peer} could not be read for session {zitting_id}, nothing was changed: {error}"


def _inbound(path: str, body: dict[str, Any]) -> Inbound:
    return Inbound(method="GET", path=path, body=body, raw=orjson.dumps(body).decode())


def _write(
    summary: Reconciliation, object_id: str, write: Writes, call: Callable[[ToetsplanningUnitOfWork], Verdict]
) -> Verdict | None:
    """The verdict the write acted on; None, with the refusal noted, when the flow 3 or 4 service refused."""
    try:
        return write(call)
    except OkeError as error:
        summary.refused.append(Refusal(object_id, str(error)))
        return None


def _apply_result(caller: Caller, deelname_id: str, inbound: Inbound, uow: ToetsplanningUnitOfWork) -> Verdict:
    """Judged again in the write's transaction: TA's own message may have arrived since TP was read."""
    with uow:
        target = uow.repo.result_target(deelname_id)
    verdict = compare_result(target.result if target is not None else None, inbound.body["result"])
    if verdict is Verdict.apply:
        results.receive_result(uow, caller, deelname_id, inbound)
    return verdict


def _apply_report(caller: Caller, zitting_id: str, inbound: Inbound, uow: ToetsplanningUnitOfWork) -> Verdict:
    with uow:
        zitting = uow.repo.zitting(zitting_id)
        held = zitting.report if zitting is not None else None
    verdict, _change = report_change(held, inbound.body)
    if verdict is Verdict.apply:
        session_reports.receive_session_report(uow, caller, zitting_id, inbound)
    return verdict


def _progress(result: dict[str, Any]) -> int:
    return 1 if result.get("state") == ResultState.completed else 0


def _date(result: dict[str, Any]) -> str:
    """`resultDate` as sortable text; the date part only, as drafts sent date-times."""
    value = result.get("resultDate")
    return value[:10] if isinstance(value, str) else ""


def _final(result: dict[str, Any]) -> bool:
    block = nl_test_admin_block(result.get("consumers"))
    return block is not None and block.get("final") is True


def _document_ids(documents: Any) -> set[str]:
    entries = documents if isinstance(documents, list) else []
    return {d["documentId"] for d in entries if isinstance(d, dict) and isinstance(d.get("documentId"), str)}
