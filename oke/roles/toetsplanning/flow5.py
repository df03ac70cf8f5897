"""The messages of flow 5 (TP -> DR), built from TP's state: pure, so the outbox holds exact snapshots.

Every message is the whole current result, so that the newest one alone tells DR everything (a newer
one replaces an older one still waiting in the outbox). DR's own Toetsinschrijving gets a PATCH
(5.1); an extra attempt a PUT of a new association of TP's making, linked by `orgAssociationId` (5.2).

DR merges a PATCH, and a field a PATCH leaves out is unchanged: only `null` removes a single value and `[]`
a list (PDF 4.0, after Tabel 4.0.B), inside the nl-test-admin block too (merged by consumerKey). So a PATCH
carries `null` or `[]` for every field an earlier PATCH of the association carried and the result has lost
(a score TA took back, a no-show's grade), derived from the bodies before it, their nulls included: a body
may have been replaced in the outbox unsent, and the one DR last merged is any earlier one, so a field once
sent is removed again in every later PATCH. Those of every Deelname sent to the association count
(`forwarding`): DR holds there what the last PATCH left, whoever's it was. Diffing against what DR
acknowledged would need the relay's outcome here; a few repeated nulls cost nothing. A PUT replaces the
whole association: it carries no null.

Two shapes: nl-test-admin 1.0.1 (PDF 3.5.3, figures 3.5.4 to 3.5.6), and the draft 1.1
(docs/standard.md), where attendance and the session's details move to the association's
`testMomentEnrollmentDetails` and an attendance-only message carries no result at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oke.ooapi.common import NL_TEST_ADMIN, nl_test_admin_block
from oke.ooapi.enums import AssociationType
from oke.ooapi.merge_patch import with_removals

V1_0_1 = "1.0.1"
V1_1 = "1.1"

#: The fields of TA's result that DR gets (PDF 3.5.3: DR ignores the rest).
RESULT_FIELDS = ("state", "pass", "comment", "score", "resultDate", "weight")
RESULT_CONSUMER_FIELDS = (
    "attendance",
    "executedOfferingName",
    "final",
    "testDate",
    "assessorId",
    "assessorCode",
    "irregularities",
    "rawScore",
    "maxRawScore",
    "documents",
)
#: In 1.1, what stays in the result's consumer block; the rest moves to `testMomentEnrollmentDetails`.
RESULT_CONSUMER_FIELDS_1_1 = ("assessorId", "assessorCode", "final", "rawScore", "maxRawScore", "documents")


@dataclass(frozen=True)
class Attempt:
    """Whose result it is at DR: the association that receives it, and how it relates to DR's enrolment."""

    association_id: str
    toetsinschrijving_id: str
    attempt: int
    #: An extra attempt: a new association at DR (PUT), with the enrolment's person and planbare toets.
    extra: bool
    person_id: str
    planbare_toets_id: str


@dataclass(frozen=True)
class Session:
    """What DR learns of the Zitting the result comes from: its name and start (the draft 1.1: its details)."""

    name: str
    start: str | None = None
    end: str | None = None
    room: str | None = None
    coordinator_id: str | None = None
    coordinator_code: str | None = None
    canceled: bool = False


def method_of(attempt: Attempt) -> str:
    return "PUT" if attempt.extra else "PATCH"


def message(
    version: str,
    attempt: Attempt,
    session: Session,
    result: dict[str, Any],
    *,
    score: str | None,
    final_allowed: bool,
    before: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The flow 5 body for DR speaking `version`: TA's result with the fitted `score`, `final` only where allowed;
    a PATCH also removes what `before` (the bodies TP sent before to this association, `joined`) set and this one
    lacks."""
    ta_block = nl_test_admin_block(result.get("consumers")) or {}
    block = {k: ta_block[k] for k in RESULT_CONSUMER_FIELDS if k in ta_block}
    block["executedOfferingName"] = session.name
    if "testDate" not in block and session.start is not None:
        block["testDate"] = session.start  # PDF 3.5.3: DR certainly gets a testDate; the session's start
    block["final"] = bool(ta_block.get("final")) and final_allowed
    top = {k: result[k] for k in RESULT_FIELDS if k in result}
    top.pop("score", None)
    if score is not None:
        top["score"] = score
    top["weight"] = 100
    association: dict[str, Any] = {"consumerKey": NL_TEST_ADMIN, "orgAssociationId": attempt.toetsinschrijving_id}
    association["attempt"] = attempt.attempt
    body: dict[str, Any] = {"associationType": AssociationType.componentOfferingAssociation}
    if version == V1_1:
        association |= _planning_details(session, ta_block)
        body["consumers"] = [association]
        if _has_outcome(result):
            inner = {"consumerKey": NL_TEST_ADMIN} | {k: block[k] for k in RESULT_CONSUMER_FIELDS_1_1 if k in block}
            body["result"] = {k: v for k, v in top.items() if k != "weight"} | {"consumers": [inner]}
    else:
        body["consumers"] = [association]
        body["result"] = top | {"consumers": [{"consumerKey": NL_TEST_ADMIN, **block}]}
    if attempt.extra:
        body = {
            "associationId": attempt.association_id,
            "associationType": AssociationType.componentOfferingAssociation,
            "role": "student",
            "state": "associated",
            **{k: v for k, v in body.items() if k != "associationType"},
            "person": attempt.person_id,
            "offering": attempt.planbare_toets_id,
        }
        return body
    return with_removals(body, before)


def _has_outcome(result: dict[str, Any]) -> bool:
    """In 1.1 a result goes with a score or a completed state; attendance alone lives in the details."""
    return result.get("state") == "completed" or result.get("score") is not None


def _planning_details(session: Session, ta_block: dict[str, Any]) -> dict[str, Any]:
    """Seed 000: `planningState` and `testMomentEnrollmentDetails` on the association's consumer block."""
    attendance = ta_block.get("attendance")
    details = {
        "startDateTime": session.start,
        "endDateTime": session.end,
        "roomName": session.room,
        "executedOfferingName": session.name,
        "attendance": attendance,
        "testDateTime": ta_block.get("testDate"),
        "irregularities": ta_block.get("irregularities"),
        "coordinatorId": session.coordinator_id,
        "coordinatorCode": session.coordinator_code,
    }
    if session.canceled:
        state = "canceled"
    elif attendance not in (None, "notKnown"):
        state = "finished"
    else:
        state = "associated"
    return {"planningState": state, "testMomentEnrollmentDetails": {k: v for k, v in details.items() if v is not None}}
