"""The result chain's rows at TP (flows 3, 5): the hot path, in prebuilt statements; nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, ScalarSelect, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from oke.ooapi.common import component_id
from oke.outbox.writer import CHANNEL, write_messages
from oke.store.base import utcnow
from oke.store.notices import notify
from oke.store.repository import Repository
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import (
    Deelname,
    DrAssociation,
    DrOffering,
    DrResult,
    TpComponent,
    TpDocument,
    Zitting,
)


class ForwardContext(NamedTuple):
    """DR's side of a Toetsinschrijving, for flow 5: the enrolment, its planbare toets, and the school's DR."""

    enrolment: dict[str, Any]
    person_id: str
    toets_id: str
    #: None while TP lacks the planbare toets the enrolment names (DR's PUT of it refused, or not there yet).
    toets: dict[str, Any] | None
    dr_peer: str | None
    dr_version: str | None


class ResultTarget(NamedTuple):
    deelname_id: str
    created_at: datetime
    tenant: str
    role: str
    state: str
    result: dict[str, Any] | None
    result_version: int
    ta_peer: str
    zitting_state: str
    zitting_id: str
    toetsinschrijving_id: str | None
    attempt: int | None
    zitting: dict[str, Any]
    #: The planbare toets the session is of, if the planner named one.
    session_toets_id: str | None
    #: Whether the Toetsinschrijving has other Deelnames: only then may another one speak to the same association
    #: at DR (`sharers`), and flow 5 asks.
    shared: bool
    #: DR's side of the Deelname's Toetsinschrijving, if DR sent it (flow 1): what flow 5 forwards with.
    context: ForwardContext | None


def _dr_peer(tenant: Any) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    """The school's DR, where its results go (the first by name, should there be several): its name and the
    nl-test-admin version it speaks."""
    peers = select().where(PeerConfig.role == "dr", PeerConfig.tenant == tenant).order_by(PeerConfig.name).limit(1)
    return (
        peers.add_columns(PeerConfig.name).scalar_subquery(),
        peers.add_columns(PeerConfig.nl_test_admin_version).scalar_subquery(),
    )


class Sharer(NamedTuple):
    """Another Deelname of a Toetsinschrijving that holds an attempt, as flow 5 weighs it: which attempt, planned
    when and in which session, and what it last sent DR at which association (None: nothing yet)."""

    deelname_id: str
    attempt: int | None
    created_at: datetime
    zitting: dict[str, Any]
    session_toets_id: str | None
    association_id: str | None
    body: dict[str, Any] | None


#: A Deelname holds its attempt while it is planned, and for good once TA reported on it.
PLANNED_OR_TAKEN = or_(Deelname.state != "canceled", Deelname.result.is_not(None))

_ENROLMENT_TOETS = (DrOffering.tenant == DrAssociation.tenant) & (DrOffering.offering_id == DrAssociation.offering_id)
_FORWARD_CONTEXT = (
    select(
        DrAssociation.data,
        DrAssociation.person_id,
        DrAssociation.offering_id,
        DrOffering.data.label("toets"),
        *_dr_peer(bindparam("tenant")),
    )
    .outerjoin(DrOffering, _ENROLMENT_TOETS)
    .where(DrAssociation.tenant == bindparam("tenant"), DrAssociation.association_id == bindparam("enrolment"))
)
# The flow 3 statements are built once: building and keying a statement costs more than running it. What flow 3
# and flow 5 need of a Deelname comes in one statement, with the Deelname's row locked: it is the hot path of TP.
_OTHER = aliased(Deelname)
_SHARED = (
    select(_OTHER.deelname_id)
    .where(
        _OTHER.tenant == Deelname.tenant,
        _OTHER.toetsinschrijving_id == Deelname.toetsinschrijving_id,
        _OTHER.deelname_id != Deelname.deelname_id,
    )
    .exists()
)
_TARGET_ROWS = (
    select(
        Deelname.deelname_id,
        Deelname.created_at,
        Deelname.tenant,
        Deelname.role,
        Deelname.state,
        Deelname.result,
        Deelname.result_version,
        Zitting.ta_peer,
        Zitting.state,
        Deelname.zitting_id,
        Deelname.toetsinschrijving_id,
        Deelname.attempt,
        Zitting.data,
        Zitting.planbare_toets_id,
        _SHARED,
        *_FORWARD_CONTEXT.selected_columns[:4],
        *_dr_peer(Deelname.tenant),
    )
    .join(Zitting)
    .outerjoin(
        DrAssociation,
        (DrAssociation.tenant == Deelname.tenant) & (DrAssociation.association_id == Deelname.toetsinschrijving_id),
    )
    .outerjoin(DrOffering, _ENROLMENT_TOETS)
    .with_for_update(of=Deelname)  # several TP processes may share one PostgreSQL; SQLite ignores it
)
#: Those of a batch's flow 3 messages, locked in id order: two batches never wait for each other's locks in turn.
_RESULT_TARGETS = _TARGET_ROWS.where(Deelname.deelname_id.in_(bindparam("targets", expanding=True))).order_by(
    Deelname.deelname_id
)
_RESULT_TARGET = _TARGET_ROWS.where(Deelname.deelname_id == bindparam("target"))
#: Where `_RESULT_TARGET`'s columns of the ForwardContext begin (null when DR sent no Toetsinschrijving).
_CONTEXT_AT = len(ResultTarget._fields) - 1
_SAVE_RESULT = update(Deelname).where(Deelname.deelname_id == bindparam("target"))
_SHARERS = (
    select(
        Deelname.deelname_id,
        Deelname.attempt,
        Deelname.created_at,
        Zitting.data,
        Zitting.planbare_toets_id,
        DrResult.association_id,
        DrResult.body,
    )
    .join(Zitting)
    .outerjoin(DrResult, DrResult.deelname_id == Deelname.deelname_id)
    .where(
        Deelname.tenant == bindparam("tenant"),
        Deelname.toetsinschrijving_id == bindparam("enrolment"),
        Deelname.deelname_id != bindparam("target"),
        PLANNED_OR_TAKEN,
    )
)


#: What names a document at TP: TA's id is unique only at that TA.
_DOCUMENT_KEY = (TpDocument.tenant, TpDocument.ta_peer, TpDocument.document_id)
#: The documents to fetch that TP does not know yet: several TP processes may name the same one at once.
_ADD_DOCUMENTS = {
    "postgresql": postgresql.insert(TpDocument).on_conflict_do_nothing().returning(*_DOCUMENT_KEY),
    "sqlite": sqlite.insert(TpDocument).on_conflict_do_nothing().returning(*_DOCUMENT_KEY),
}


_CATALOGUE_ENTRY = select(TpComponent.data).where(
    TpComponent.ta_peer == bindparam("ta_peer"), TpComponent.component_id == bindparam("component")
)
_CATALOGUE_ENTRIES = select(TpComponent.ta_peer, TpComponent.component_id, TpComponent.data).where(
    TpComponent.component_id.in_(bindparam("components", expanding=True))
)
_DR_RESULT = select(DrResult.__table__).where(DrResult.deelname_id == bindparam("target")).with_for_update(of=DrResult)
_DR_RESULTS = (
    select(DrResult.__table__)
    .where(DrResult.deelname_id.in_(bindparam("targets", expanding=True)))
    .order_by(DrResult.deelname_id)
    .with_for_update(of=DrResult)
)
_ADD_DR_RESULT = insert(DrResult)
_SAVE_DR_RESULT = update(DrResult).where(DrResult.deelname_id == bindparam("target"))


@dataclass
class Flow3Reads:
    """What flow 3 reads for the messages of a batch (`read_flow3`), kept up to date by what they write."""

    #: Each message's Deelname, as `result_target` gives it (None: TP has no such Deelname).
    targets: dict[str, ResultTarget | None]
    #: The results for DR of those Deelnames that have one, as `dr_result` gives them.
    dr_results: dict[str, dict[str, Any]]
    #: The catalogue entries of their sessions' tests, by (TA, component id) (None: not in TA's catalogue); read
    #: for them all by the first message with a score to fit (`catalogue_entry`), not at all in a run without.
    catalogue: dict[tuple[str, str], dict[str, Any] | None] | None = None
    #: The results saved and not yet written (`write_flow3`), by Deelname: the newest of each.
    unwritten_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The results for DR saved and not yet written, by Deelname: whether the row is new, and its newest values.
    unwritten_dr_results: dict[str, tuple[bool, dict[str, Any]]] = field(default_factory=dict)


def read_flow3(connection: Connection, deelname_ids: list[str]) -> Flow3Reads:
    """The Deelnames of a batch's flow 3 messages, locked, and their results for DR, locked after them (as every
    change of a result for DR locks them: `docs/architecture.md`): two statements for the whole batch, where
    each message read them with two of its own."""
    ids = sorted(set(deelname_ids))
    targets: dict[str, ResultTarget | None] = dict.fromkeys(ids)
    for row in connection.execute(_RESULT_TARGETS, {"targets": ids}):
        targets[row[0]] = _target_of(row)
    found = [target for target in targets.values() if target is not None]
    dr_results = {}
    if found:
        rows = connection.execute(_DR_RESULTS, {"targets": [target.deelname_id for target in found]}).mappings()
        dr_results = {row["deelname_id"]: dict(row) for row in rows}
    return Flow3Reads(targets, dr_results)


def _catalogue_of(connection: Connection, reads: Flow3Reads) -> dict[tuple[str, str], dict[str, Any] | None]:
    """The catalogue entries of the tests of the batch's sessions, in one statement."""
    found = [target for target in reads.targets.values() if target is not None]
    tests = {(target.ta_peer, component) for target in found if (component := component_id(target.zitting))}
    catalogue: dict[tuple[str, str], dict[str, Any] | None] = dict.fromkeys(tests)
    if tests:
        entries = connection.execute(_CATALOGUE_ENTRIES, {"components": sorted({c for _peer, c in tests})})
        catalogue |= {(ta_peer, c): dict(data) for ta_peer, c, data in entries if (ta_peer, c) in catalogue}
    return catalogue


def write_flow3(connection: Connection, reads: Flow3Reads) -> None:
    """Write what the flow 3 messages of a batch saved: the newest of each row, one statement for each kind."""
    if reads.unwritten_results:
        connection.execute(_SAVE_RESULT, list(reads.unwritten_results.values()))
    by_statement: dict[tuple[bool, tuple[str, ...]], list[dict[str, Any]]] = {}
    for new, values in reads.unwritten_dr_results.values():
        row = values if new else _changes_of(values)
        by_statement.setdefault((new, tuple(sorted(row))), []).append(row)
    for (new, _columns), rows in by_statement.items():  # an executemany takes rows of the same columns
        connection.execute(_ADD_DR_RESULT if new else _SAVE_DR_RESULT, rows)
    reads.unwritten_results.clear()
    reads.unwritten_dr_results.clear()


def _changes_of(dr_result: dict[str, Any]) -> dict[str, Any]:
    """The parameters of `_SAVE_DR_RESULT` that set a result for DR to `dr_result`."""
    return {k: v for k, v in dr_result.items() if k != "deelname_id"} | {"target": dr_result["deelname_id"]}


def _target_of(row: Row[Any]) -> ResultTarget:
    context = ForwardContext(*row[_CONTEXT_AT:]) if row[_CONTEXT_AT] is not None else None
    return ResultTarget._make((*row[:_CONTEXT_AT], context))


#: Where a row of `write_documents` keeps the outbox message that fetches its document.
_FETCH = "fetch"


def write_documents(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Write the documents named in a unit of work or a batch, and queue the fetch of each that is new: TP knows
    the others already (fetched, or their fetch queued: earlier in the batch, or by a transaction that committed,
    in any process). Two statements whatever their number, one when none is new."""
    named: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in rows:  # the first to name a document writes it, as if each were written on its own
        named.setdefault(tuple(row[column.key] for column in _DOCUMENT_KEY), row)
    documents = [{k: v for k, v in row.items() if k != _FETCH} for row in named.values()]
    added = {tuple(key) for key in connection.execute(_ADD_DOCUMENTS[connection.dialect.name], documents)}
    fetches = [row[_FETCH] for key, row in named.items() if key in added]
    if fetches:
        write_messages(connection, fetches)
        notify(connection, [CHANNEL])


class ResultRows(Repository):
    """What flows 3 and 5 read and write of a Deelname's results, and the documents TA names: plain statements,
    built once, and within a batch of flow 3 messages what the batch read ahead (`read_flow3`)."""

    def forward_context(self, tenant: str, toetsinschrijving_id: str) -> ForwardContext | None:
        """DR's Toetsinschrijving and its planbare toets, in one statement."""
        row = self._uow.connection.execute(_FORWARD_CONTEXT, {"tenant": tenant, "enrolment": toetsinschrijving_id})
        found = row.first()
        return ForwardContext(*found) if found is not None else None

    def catalogue_entry(self, ta_peer: str, zitting: dict[str, Any]) -> dict[str, Any] | None:
        """The test of a session's data in TA's catalogue (flow 0) as TP last read it, if it has."""
        component = component_id(zitting)
        if component is None:
            return None
        if (ahead := self._flow3_reads()) is not None:
            if ahead.catalogue is None:
                ahead.catalogue = _catalogue_of(self._uow.connection, ahead)
            if (ta_peer, component) in ahead.catalogue:
                return ahead.catalogue[(ta_peer, component)]
        params = {"ta_peer": ta_peer, "component": component}
        data = self._uow.connection.execute(_CATALOGUE_ENTRY, params).scalar()
        return dict(data) if data is not None else None

    def dr_result(self, deelname_id: str) -> dict[str, Any] | None:
        """What TP decided for DR about a Deelname (a `tp_dr_results` row), locked for the change that follows."""
        if (ahead := self._flow3_reads()) is not None and deelname_id in ahead.targets:
            known = ahead.dr_results.get(deelname_id)
            return dict(known) if known is not None else None
        found = self._uow.connection.execute(_DR_RESULT, {"target": deelname_id}).mappings().first()
        return dict(found) if found is not None else None

    def save_dr_result(self, values: dict[str, Any], *, new: bool) -> None:
        values = {**values, "updated_at": utcnow()}
        deelname_id = values["deelname_id"]
        if (ahead := self._flow3_reads()) is not None and deelname_id in ahead.targets:
            ahead.dr_results[deelname_id] = ahead.dr_results.get(deelname_id, {}) | values
            unwritten = ahead.unwritten_dr_results.get(deelname_id)
            ahead.unwritten_dr_results[deelname_id] = (new or (unwritten is not None and unwritten[0]), values)
        elif new:
            self._uow.connection.execute(_ADD_DR_RESULT, values)
        else:
            self._uow.connection.execute(_SAVE_DR_RESULT, _changes_of(values))

    def attempt_association(self, tenant: str, toetsinschrijving_id: str, attempt: int) -> str | None:
        """The association TP created at DR for an extra attempt, if a Deelname of that attempt has one."""
        if (ahead := self._flow3_reads()) is not None:  # the batch's messages before this one may have made it
            write_flow3(self._uow.connection, ahead)
        query = select(DrResult.association_id).where(
            DrResult.tenant == tenant,
            DrResult.toetsinschrijving_id == toetsinschrijving_id,
            DrResult.attempt == attempt,
        )
        return self.session.scalars(query.limit(1)).first()

    def sharers(self, target: ResultTarget) -> list[Sharer]:
        """The other Deelnames of the target's Toetsinschrijving that hold an attempt: one of them may speak for the
        target's attempt at DR, or have sent DR a result at the target's association."""
        if (ahead := self._flow3_reads()) is not None:  # the batch's messages before this one may have changed them
            write_flow3(self._uow.connection, ahead)
        params = {"tenant": target.tenant, "enrolment": target.toetsinschrijving_id, "target": target.deelname_id}
        return [Sharer._make(row) for row in self._uow.connection.execute(_SHARERS, params)]

    def result_target(self, deelname_id: str) -> ResultTarget | None:
        """What flows 3 and 5 need of a Deelname, in one statement, its row locked."""
        if (ahead := self._flow3_reads()) is not None and deelname_id in ahead.targets:
            return ahead.targets[deelname_id]
        row = self._uow.connection.execute(_RESULT_TARGET, {"target": deelname_id}).first()
        return _target_of(row) if row is not None else None

    def save_result(self, deelname_id: str, result: dict[str, Any], version: int, received_at: datetime) -> None:
        values = {"result": result, "result_version": version, "result_received_at": received_at}
        row = {"target": deelname_id, **values, "updated_at": received_at}
        if (ahead := self._flow3_reads()) is not None and (target := ahead.targets.get(deelname_id)) is not None:
            ahead.targets[deelname_id] = target._replace(result=result, result_version=version)
            ahead.unwritten_results[deelname_id] = row
        else:
            self._uow.connection.execute(_SAVE_RESULT, row)

    def _flow3_reads(self) -> Flow3Reads | None:
        """What the batch read for its flow 3 messages, if this unit of work is one of them."""
        ahead: Flow3Reads | None = self._uow.read_ahead(read_flow3)
        return ahead

    def add_document(self, fetch: dict[str, Any], **values: Any) -> None:
        """The row of a document to fetch, without its bytes yet, and `fetch`, the outbox message that fetches it:
        written when the unit of work commits (`write_documents`), unless TP knows the document by then."""
        self._uow.append(write_documents, {"created_at": utcnow(), **values, _FETCH: fetch})
