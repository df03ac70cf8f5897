"""What TP sends DR is, field by field, the standard's flow 5 examples: those of `flow5.md` for a DR speaking
1.0.1, and the two of seed 000 for a DR speaking the draft 1.1 (docs/standard.md).

Each test sets up the situation of its example (DR's enrolment, the session, TA's flow 3 messages) and
compares TP's queued message with the example, after the example's JSON syntax is fixed. Where TP sends
more or other than an example, the test says why (the PDF wins: `associationType` in every PATCH and
PUT, `weight: 100`, `executedOfferingName` and `final` in 1.0.1, a date-time `testDate` (the session's
start when TA sent none), a new id for an extra attempt's association where the examples reuse the
original's, and each document named by TP's id for one document of one TA, where the examples give TA's own).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from oke.auth.caller import ClientRole
from oke.store.tables.toetsplanning import Deelname, dr_document_id
from tests.api_client import (
    SEEDS,
    STANDARD,
    TP,
    dr_enrols,
    fix_json_syntax,
    markdown_block,
    person,
    shared_file,
    zitting_offering,
)
from tests.e2e.test_tp_flow5 import planned, reports, to_dr

FLOW5_MD = STANDARD / "flow5.md"
SEED_000 = SEEDS / "000_99201936dc15fc5d.txt"
ORIGINAL = "5a52f86b-edcd-4f7f-9ea9-c8617f6043b6"
ATTENDANCE = "### Example of Send test attendance information for student tot Student Information System"
SCORE = "### Example of Send test score for student tot Student Information System"
ATTEMPT = "### Example of Send attempt result for student tot Student Information System"
ASSOCIATION_TYPE = {"associationType": "componentOfferingAssociation"}


def md_example(heading: str, missing_commas: int) -> dict[str, Any]:
    """An example of flow5.md: a comma is missing after `orgAssociationId` and `irregularities`, and a
    trailing comma closes `result` and the body."""
    text = fix_json_syntax(markdown_block(FLOW5_MD, heading), missing_commas=missing_commas, trailing_commas=2)
    return dict(json.loads(text))


def seed_examples() -> list[dict[str, Any]]:
    """The three bodies of seed 000 (PATCH attendance, PATCH result, PUT attempt), their syntax fixed."""
    text = shared_file(SEED_000).read_text(encoding="utf-8")
    requests = re.finditer(r"(?:PATCH|PUT) /associations/\{associationId\}\n", text)
    attendance, result, attempt = (_object_at(text, request.end()) for request in requests)
    return [
        json.loads(fix_json_syntax(attendance, missing_commas=2, trailing_commas=0)),  # after associationType, the id
        json.loads(fix_json_syntax(result, missing_commas=0, trailing_commas=1)),
        json.loads(fix_json_syntax(attempt, missing_commas=0, trailing_commas=2)),
    ]


def _object_at(text: str, start: int) -> str:
    """The text of the object that opens at `start`, up to its closing brace (the seed has no braces in strings)."""
    depth = 0
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError("an object of seed 000 is not closed")


def ta_result(example_result: dict[str, Any], **block: Any) -> dict[str, Any]:
    """The flow 3 result that leads to the example: TA's result carries attendance and a date-time testDate."""
    result = copy.deepcopy(example_result)
    result.setdefault("weight", 100)
    result["consumers"][0] |= block
    return result


def documents_for_dr(tp: TP, expected: dict[str, Any]) -> dict[str, Any]:
    """`expected` with each document named by the id DR knows it by at TP (one of ta-x's, not TA's own)."""
    for document in expected["result"]["consumers"][0].get("documents", []):
        document["documentId"] = dr_document_id(tp.tenant, tp.peer_name("ta-x"), document["documentId"])
    return expected


# nl-test-admin 1.0.1: flow5.md


def test_the_attendance_example(tp: TP) -> None:
    """flow5.md's attendance message. TP adds `associationType`, `weight`, `executedOfferingName` and
    `final: false` (PDF 3.5.3), and sends `testDate` as the date-time TA sent (PDF Tabel 4.3.D); the enrolment's
    own attempt is 2 in DR's flow 1, as the example says (docs/standard.md, "Extra attempts")."""
    example = md_example(ATTENDANCE, missing_commas=2)
    tp.configure_dr()
    deelname = planned(tp, dr_enrols(tp, enrolment=ORIGINAL, attempt=2), name=[{"language": "nl-NL", "value": "NL 3F"}])
    sent = ta_result(example["result"], testDate="2020-09-29T00:00:00Z")
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, sent)

    expected = ASSOCIATION_TYPE | example
    expected["result"]["weight"] = 100
    expected["result"]["consumers"][0] |= {
        "executedOfferingName": "NL 3F",
        "final": False,
        "testDate": "2020-09-29T00:00:00Z",
    }
    [message] = to_dr(tp)
    assert (message.method, message.path) == ("PATCH", f"/associations/{ORIGINAL}")
    assert message.body == documents_for_dr(tp, expected)


def test_the_score_example(tp: TP) -> None:
    """flow5.md's score message: as the attendance example, with the score "9" on DR's 0-10 and `final`
    as TA sent it (DR allows final results)."""
    example = md_example(SCORE, missing_commas=2)
    tp.configure_dr()
    enrolment = dr_enrols(tp, enrolment=ORIGINAL, attempt=2, value_type="0-10")
    deelname = planned(tp, enrolment, name=[{"language": "nl-NL", "value": "NL 3F"}])
    reports(
        tp.peer(ClientRole.ta, peer="ta-x"), deelname, ta_result(example["result"], testDate="2020-09-29T00:00:00Z")
    )

    expected = ASSOCIATION_TYPE | example
    expected["result"]["weight"] = 100
    expected["result"]["consumers"][0] |= {"executedOfferingName": "NL 3F", "testDate": "2020-09-29T00:00:00Z"}
    assert to_dr(tp)[-1].body == documents_for_dr(tp, expected)


def test_the_attempt_example(tp: TP) -> None:
    """flow5.md's attempt message: a PUT of the second attempt of DR's enrolment ORIGINAL (own attempt 1).
    Its `associationId` is the id TP created (the example reuses the original's); TP adds `weight`,
    `executedOfferingName`, and the session's start as `testDate` (PDF 3.5.3; TA sent none)."""
    example = md_example(ATTEMPT, missing_commas=2)
    tp.configure_dr()
    enrolment = dr_enrols(tp, enrolment=ORIGINAL, value_type="0-10")
    reports(tp.peer(ClientRole.ta, peer="ta-x"), planned(tp, enrolment), ta_result(example["result"], score="4"))
    retake = planned(tp, enrolment, extra=True, name=[{"language": "nl-NL", "value": "NL 3F"}])
    reports(tp.peer(ClientRole.ta, peer="ta-x"), retake, ta_result(example["result"]))

    message = to_dr(tp)[-1]
    expected = example | {"associationId": message.path.rsplit("/", 1)[1]}
    expected["person"], expected["offering"] = enrolment.student, enrolment.toets
    expected["result"]["weight"] = 100
    expected["result"]["consumers"][0] |= {
        "executedOfferingName": "NL 3F",
        "testDate": zitting_offering()["startDateTime"],
    }
    assert message.method == "PUT" and message.body["associationId"] != ORIGINAL
    assert message.body == documents_for_dr(tp, expected)


# the draft 1.1: seed 000


def seed_session(tp: TP) -> dict[str, Any]:
    """The session of seed 000: "NL 3F" in room AZ12 from 08:50 to 10:50, coordinator KetRF (sent by DR)."""
    coordinator = "5a52f86b-edcd-4f7f-9ea9-c9999f6043z9"
    staff = person(coordinator, student=False, primaryCode={"codeType": "identifier", "code": "KetRF"})
    assert tp.peer(ClientRole.dr).put(f"/persons/{coordinator}", staff).status_code == 201
    return {
        "name": [{"language": "nl-NL", "value": "NL 3F"}],
        "startDateTime": "2024-12-15T08:50:00.000Z",
        "endDateTime": "2024-12-15T10:50:00.000Z",
        "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active", "locationCode": "AZ12"}],
        "coordinator": coordinator,
    }


def planned_1_1(tp: TP, *, extra: bool = False, **enrolment: Any) -> tuple[str, Any]:
    tp.configure_dr(version="1.1")
    session = seed_session(tp)
    coordinator = session.pop("coordinator")
    dr_enrolment = dr_enrols(tp, enrolment=ORIGINAL, **enrolment)
    if extra:
        reports(tp.peer(ClientRole.ta, peer="ta-x"), planned(tp, dr_enrolment), ta_result(_result(), score="4"))
    deelname = planned(tp, dr_enrolment, extra=extra, **session)
    add = {"participants": [{"personId": coordinator, "role": "coordinator"}]}
    zitting = _zitting_of(tp, deelname)
    assert tp.peer(ClientRole.planner).post_planning(f"/zittingen/{zitting}/deelnames", add).status_code == 201
    return deelname, dr_enrolment


def _zitting_of(tp: TP, deelname: str) -> str:
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None
        return row.zitting_id


def _result() -> dict[str, Any]:
    """TA's completed result of seed 000, with the attendance, irregularities and test date of its details."""
    _, with_result, _ = seed_examples()
    result = copy.deepcopy(with_result["result"])
    result["weight"] = 100
    result["consumers"][0] |= {
        "attendance": "present",
        "irregularities": "none",
        "testDate": "2024-12-15T10:30:00.000Z",
    }
    return dict(result)


def test_the_draft_attendance_example(tp: TP) -> None:
    """Seed 000's first PATCH: attendance alone, in `testMomentEnrollmentDetails`, without a result."""
    attendance, _, _ = seed_examples()
    deelname, _ = planned_1_1(tp, attempt=2)
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "irregularities": "none"}
    in_progress = {"state": "in progress", "resultDate": "2024-12-28", "weight": 100, "consumers": [block]}
    in_progress["consumers"][0]["testDate"] = "2024-12-15T10:30:00.000Z"
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, in_progress)
    assert to_dr(tp)[-1].body == attendance


def test_the_draft_result_example(tp: TP) -> None:
    """Seed 000's second PATCH: the details and the result; TP adds `associationType` (the example lacks it)."""
    _, with_result, _ = seed_examples()
    deelname, _ = planned_1_1(tp, attempt=2, value_type="0-10")
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, _result())
    assert to_dr(tp)[-1].body == documents_for_dr(tp, ASSOCIATION_TYPE | with_result)


def test_the_draft_attempt_example(tp: TP) -> None:
    """Seed 000's PUT: the second attempt, at the id TP created (the example reuses the original's)."""
    _, _, attempt = seed_examples()
    deelname, enrolment = planned_1_1(tp, extra=True, value_type="0-10")
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, _result())
    message = to_dr(tp)[-1]
    expected = attempt | {"associationId": message.path.rsplit("/", 1)[1]}
    expected["person"], expected["offering"] = enrolment.student, enrolment.toets
    assert message.method == "PUT"
    assert message.body == documents_for_dr(tp, expected)
