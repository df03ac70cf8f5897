"""Running a session at the reference TA: attendance, results and the session report go back to TP (flows 3, 4).

A real TA learns these from its test players; the reference TA makes them up, reproducibly for a seed,
so that a TP vendor can watch the whole chain. Every message leaves through TA's outbox in the transaction
that stores the result at TA, to the TP that planned the session: its `tp_peer` names a `peers` row of
role `tp`. A participation's messages are not snapshots, so that TP gets attendance first, then the
result, then any correction, in that order (flow 3.2a, 3.2b).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from oke.errors import Conflict, NotFound
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.enums import AssociationType, Attendance, OfferingDocumentType, ResultDocumentType, ResultState
from oke.ooapi.merge_patch import with_removals
from oke.roles.toetsafname.pdf import one_page_pdf
from oke.roles.toetsafname.scoring import Grade, grade
from oke.roles.toetsafname.services.documents import PDF, add_document
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.base import utcnow
from oke.store.tables.toetsafname import TaDeelname, TaZitting

#: How often each attendance comes up: most students sit the test.
ATTENDANCES = {Attendance.present: 12, Attendance.notPresent: 1, Attendance.notStarted: 1, Attendance.notFinished: 1}
#: One present student in this many gets a corrected result (e.g. after a voided item).
CORRECTED_EVERY = 5
DEFAULT_VALUE_TYPE = "0.0-10.0"


@dataclass(frozen=True)
class Outcome:
    association_id: str
    attendance: str
    score: str | None = None
    corrected_score: str | None = None


@dataclass(frozen=True)
class SessionRun:
    offering_id: str
    outcomes: list[Outcome] = field(default_factory=list)
    messages: int = 0


@dataclass(frozen=True)
class _Test:
    name: str
    value_type: str
    pass_from: str | None
    max_raw: int


def run_session(
    uow: ToetsafnameUnitOfWork, *, tenant: str, offering_id: str, seed: int, corrected: bool = True
) -> SessionRun:
    """Run the session: queue flow 3 for every student not cancelled, then flow 4; deterministic for `seed`.

    What a student scores follows from the seed, the student, and the session's test and start, not from TP's ids,
    which are new in every run: the same seed gives the same day (`oke demo --seed`).
    """
    with uow:
        zitting = uow.repo.zitting(offering_id, for_update=True)
        if zitting is None or zitting.tenant != tenant:
            raise NotFound(f"no session {offering_id} of {tenant}")
        if zitting.state == "canceled":
            raise Conflict(f"session {offering_id} is cancelled")
        tested_at = _test_date(zitting)
        sitting = f"{seed}:{zitting.component_id}:{tested_at}"
        test = _test_of(uow, zitting, random.Random(sitting))
        outcomes: list[Outcome] = []
        messages = 0
        present = 0
        deelnames = sorted(uow.repo.deelnames_of(offering_id, for_update=True), key=lambda d: d.person_id)
        for deelname in deelnames:
            if deelname.role != "student" or deelname.state == "canceled":
                continue
            rng = random.Random(f"{sitting}:{deelname.person_id}")
            attendance = rng.choices(list(ATTENDANCES), weights=list(ATTENDANCES.values()))[0]
            _send(uow, zitting, deelname, _result(ResultState.in_progress, attendance, tested_at))
            messages += 1
            if attendance != Attendance.present:  # no score, but the result is complete: TP must know it is
                _send(uow, zitting, deelname, _result(ResultState.completed, attendance, tested_at, final=False))
                messages += 1
                outcomes.append(Outcome(deelname.association_id, attendance))
                continue
            raw = rng.randint(test.max_raw // 4, test.max_raw)
            first = _completed(uow, zitting, deelname, test, raw, test.max_raw, tested_at)
            messages += 1
            second: Grade | None = None
            if corrected and present % CORRECTED_EVERY == 0:  # an item voided: one point less to score
                second = _completed(
                    uow, zitting, deelname, test, min(raw, test.max_raw - 1), test.max_raw - 1, tested_at, fix=True
                )
                messages += 1
            present += 1
            outcomes.append(Outcome(deelname.association_id, attendance, first.score, second.score if second else None))
        _report(uow, zitting, test, outcomes)
        uow.commit()
        return SessionRun(offering_id, outcomes, messages + 1)


def _test_of(uow: ToetsafnameUnitOfWork, zitting: TaZitting, rng: random.Random) -> _Test:
    """The session's test as the catalogue describes it, with a maximum raw score for this run."""
    component = uow.repo.component(zitting.component_id)
    data = component.data if component is not None else {}
    block: dict[str, Any] = next((c for c in data.get("consumers", []) if c.get("consumerKey") == NL_TEST_ADMIN), {})
    names = data.get("name") or [{"value": zitting.component_id}]
    value_type = str(block.get("resultValueType") or DEFAULT_VALUE_TYPE)
    pass_from = block.get("passFrom")
    return _Test(str(names[0]["value"]), value_type, None if pass_from is None else str(pass_from), rng.randint(40, 80))


def _test_date(zitting: TaZitting) -> str:
    """When the students sat the test: the session's start, as TP planned it."""
    start = zitting.data.get("startDateTime")
    return str(start) if start else utcnow().isoformat(timespec="seconds")


def _result(state: ResultState, attendance: str, tested_at: str, **rest: Any) -> dict[str, Any]:
    """A Result (PDF Tabel 4.3.D): `weight` is always 100; the consumer block carries attendance."""
    consumer = {"consumerKey": NL_TEST_ADMIN, "attendance": attendance, "testDate": tested_at}
    top = {k: v for k, v in rest.items() if k in ("pass", "score", "comment")}
    consumer |= {k: v for k, v in rest.items() if k not in top}
    return {"state": state.value, **top, "resultDate": tested_at[:10], "weight": 100, "consumers": [consumer]}


def _completed(
    uow: ToetsafnameUnitOfWork,
    zitting: TaZitting,
    deelname: TaDeelname,
    test: _Test,
    raw: int,
    max_raw: int,
    tested_at: str,
    *,
    fix: bool = False,
) -> Grade:
    """A completed result with its assessment form (flow 3.2b); `fix` marks a correction of an earlier one."""
    found = grade(test.value_type, raw, max_raw, test.pass_from)
    comment = "Gecorrigeerd: een vraag is vervallen." if fix else "Afgenomen bij de referentie-TA van oke."
    pdf = one_page_pdf(
        f"Beoordelingsformulier {test.name}",
        [f"Deelname {deelname.association_id}", f"Score {raw} van {max_raw}: {found.score} ({found.passed})", comment],
    )
    name = f"beoordeling-{deelname.association_id[:8]}{'-correctie' if fix else ''}.pdf"
    document_id = add_document(
        uow,
        tenant=zitting.tenant,
        offering_id=zitting.offering_id,
        association_id=deelname.association_id,
        document_type=ResultDocumentType.assessmentForm.value,
        name=name,
        media_type=PDF,
        data=pdf,
    )
    documents = [
        {"documentId": document_id, "documentType": ResultDocumentType.assessmentForm.value, "documentName": name}
    ]
    result = _result(
        ResultState.completed,
        Attendance.present.value,
        tested_at,
        **{"pass": found.passed.value, "score": found.score, "comment": comment},
        final=False,
        rawScore=raw,
        maxRawScore=max_raw,
        documents=documents,
    )
    _send(uow, zitting, deelname, result)
    return found


def _send(uow: ToetsafnameUnitOfWork, zitting: TaZitting, deelname: TaDeelname, result: dict[str, Any]) -> None:
    """Flow 3: store the result at TA (3.4 reads it) and queue the PATCH after the participation's earlier ones.

    TP merges each PATCH into what it holds (RFC 7396), so the result also removes (`null`, `[]`: PDF ch. 4) what
    TA's earlier results of the participation set and it lacks: a session run again must not leave a student now
    absent with the score of the run before. TA keeps the result as sent, removals and all, so that every later
    one removes them again (`merge_patch.with_removals`), as TP may have missed the one that made them.
    """
    sent = with_removals(result, deelname.result)
    uow.repo.save_result(deelname, sent)
    uow.outbox.add(
        tenant=zitting.tenant,
        peer=zitting.tp_peer,
        kind="flow3",
        key=deelname.association_id,
        method="PATCH",
        path=f"/associations/{deelname.association_id}",
        body={"associationType": AssociationType.componentOfferingAssociation, "result": sent},
        snapshot=False,
    )


def _report(uow: ToetsafnameUnitOfWork, zitting: TaZitting, test: _Test, outcomes: list[Outcome]) -> None:
    """Flow 4: the session report with its procesverbaal; its irregularities name who was absent or did not finish."""
    absent = [o.association_id for o in outcomes if o.attendance == Attendance.notPresent]
    not_started = [o.association_id for o in outcomes if o.attendance == Attendance.notStarted]
    stopped = [o.association_id for o in outcomes if o.attendance == Attendance.notFinished]
    parts = [
        f"Afwezig: {', '.join(absent)}." if absent else "",
        f"Niet gestart: {', '.join(not_started)}." if not_started else "",
        f"Niet afgerond: {', '.join(stopped)}." if stopped else "",
    ]
    irregularities = " ".join(p for p in parts if p) or "Geen bijzonderheden."
    name = f"procesverbaal-{zitting.offering_id[:8]}.pdf"
    pdf = one_page_pdf(
        f"Procesverbaal {test.name}",
        [f"Zitting {zitting.offering_id}", f"Deelnemers: {len(outcomes)}", irregularities],
    )
    document_id = add_document(
        uow,
        tenant=zitting.tenant,
        offering_id=zitting.offering_id,
        association_id=None,
        document_type=OfferingDocumentType.sessionReport.value,
        name=name,
        media_type=PDF,
        data=pdf,
    )
    report = {
        "irregularities": irregularities,
        "documents": [
            {"documentId": document_id, "documentType": OfferingDocumentType.sessionReport.value, "documentName": name}
        ],
    }
    zitting.report = report
    uow.outbox.add(
        tenant=zitting.tenant,
        peer=zitting.tp_peer,
        kind="flow4",
        key=zitting.offering_id,
        method="PATCH",
        path=f"/offerings/{zitting.offering_id}",
        body={"offeringType": "component", "consumers": [{"consumerKey": NL_TEST_ADMIN, **report}]},
    )  # a snapshot: a newer report of the session replaces one not sent yet


def session_tenant(uow: ToetsafnameUnitOfWork, offering_id: str) -> str:
    """The school whose TP planned the session: the operator's CLI runs it on that school's behalf."""
    with uow:
        zitting = uow.repo.zitting(offering_id)
        if zitting is None:
            raise NotFound(f"no session {offering_id}")
        return zitting.tenant
