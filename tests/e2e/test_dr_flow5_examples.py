"""The standard's flow 5 examples reach the reference DR: the three of `flow5.md` (1.0.1) and the three of
seed 000 (the draft 1.1 shape, at a DR started in 1.1). Read from `../shared` when it is there.

Each test says what it fixes before sending, in two kinds:
- JSON typos the examples have (missing commas between members, trailing commas): fixed by `fix_json_syntax`;
- what breaks the 1.0.1 rules (docs/standard.md lists where the examples differ): a missing `associationType`,
  `attempt: 2` on the original enrolment (PDF 3.5.3), a date `testDate` (PDF Tabel 4.3.D), no
  `executedOfferingName` (PDF 3.5.3), the PUT reusing the original enrolment's id as its own (5.2). The ids
  become the demo school's.
Without the rule fixes, DR refuses the example and names the fields.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from oke.roles.deelnemerregistratie import school
from tests.api_client import (
    SEEDS,
    STANDARD,
    fix_json_syntax,
    markdown_block,
    new_id,
    pointers,
    problem_of,
    shared_file,
)
from tests.dr_client import DR, JACOB_REKENEN

FLOW5 = STANDARD / "flow5.md"
ATTENDANCE = "### Example of Send test attendance information for student tot Student Information System"
SCORE = "### Example of Send test score for student tot Student Information System"
ATTEMPT = "### Example of Send attempt result for student tot Student Information System"


#: The JSON typos of seed 000's request examples, in order: (missing commas, trailing commas).
SEED_000_TYPOS = [(2, 0), (0, 1), (0, 2)]


def md_example(heading: str) -> dict[str, Any]:
    """An example of flow5.md; each has two missing and two trailing commas."""
    return dict(orjson.loads(fix_json_syntax(markdown_block(FLOW5, heading), missing_commas=2, trailing_commas=2)))


def to_1_0_1(body: dict[str, Any], enrolment: str, attempt: int = 1) -> dict[str, Any]:
    """The rule fixes: associationType, the demo school's enrolment and attempt, executedOfferingName, a
    date-time testDate."""
    body = {"associationType": "componentOfferingAssociation", **body}
    body["consumers"][0] |= {"orgAssociationId": enrolment, "attempt": attempt}
    block = body["result"]["consumers"][0]
    block["executedOfferingName"] = "Rekenen 2F, 1 december, lokaal A-22"
    if "testDate" in block:
        block["testDate"] = block["testDate"] + "T10:30:00+02:00"
    return body


def test_the_md_attendance_example_is_accepted(dr: DR) -> None:
    """Fixes: JSON typos; associationType, attempt 1 (not 2), executedOfferingName, testDate as a date-time."""
    body = to_1_0_1(md_example(ATTENDANCE), JACOB_REKENEN)
    response = dr.client().patch(f"/associations/{JACOB_REKENEN}", body)
    assert response.status_code == 200, response.text
    [attempt] = dr.results(JACOB_REKENEN)["attempts"]
    assert attempt["result"]["state"] == "in progress"
    assert attempt["result"]["consumers"][0]["attendance"] == "present"


def test_the_md_score_example_is_accepted(dr: DR) -> None:
    """Fixes: JSON typos; associationType, attempt 1 (not 2), executedOfferingName, testDate as a date-time.
    The score "9" fits Rekenen's 0.0-10.0, and final true is allowed there."""
    body = to_1_0_1(md_example(SCORE), JACOB_REKENEN)
    response = dr.client().patch(f"/associations/{JACOB_REKENEN}", body)
    assert response.status_code == 200, response.text
    assert dr.results(JACOB_REKENEN)["attempts"][0]["result"]["score"] == "9"


def test_the_md_attempt_example_is_accepted(dr: DR) -> None:
    """Fixes: JSON typos; a new associationId (the example reuses the original's), the demo school's
    enrolment, person and planbare toets, executedOfferingName."""
    retake = new_id()
    body = md_example(ATTEMPT)
    body["associationId"] = retake
    body["consumers"][0]["orgAssociationId"] = JACOB_REKENEN
    body["person"], body["offering"] = school.STUDENTS["jacob"], school.TOETS_REKENEN
    body["result"]["consumers"][0]["executedOfferingName"] = "Rekenen 2F, herkansing"
    response = dr.client().put(f"/associations/{retake}", body)
    assert response.status_code == 201, response.text
    attempts = {a["attempt"]: a for a in dr.results(JACOB_REKENEN)["attempts"]}
    assert attempts[2]["associationId"] == retake and attempts[2]["result"]["score"] == "9"


def test_the_md_examples_as_written_are_refused_with_their_faults_named(dr: DR) -> None:
    """Only the JSON typos fixed: DR names what 1.0.1 requires (docs/standard.md)."""
    body = md_example(SCORE)
    problem = problem_of(dr.client().patch(f"/associations/{JACOB_REKENEN}", body), 400)
    assert pointers(problem) == [
        "/associationType",
        "/result/consumers/0/executedOfferingName",
        "/result/consumers/0/testDate",
    ]
    put = md_example(ATTEMPT)
    problem = problem_of(dr.client().put(f"/associations/{put['associationId']}", put), 400)
    assert pointers(problem) == ["/result/consumers/0/executedOfferingName"]


# Seed 000: the draft 1.1 (v1.1 rc branch) of flow 5


def seed_000_examples() -> list[tuple[str, dict[str, Any]]]:
    """(method, body) of every request example of seed 000, in order, its JSON typos fixed."""
    text = shared_file(next(iter(sorted(SEEDS.glob("000_*.txt"))), SEEDS / "000_missing.txt")).read_text("utf-8")
    found = []
    requests = re.finditer(r"(PATCH|PUT) /associations/\{associationId\}\n\{", text)
    for match, (missing, trailing) in zip(requests, SEED_000_TYPOS, strict=True):
        start = match.end() - 1
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        fixed = fix_json_syntax(text[start : end + 1], missing_commas=missing, trailing_commas=trailing)
        found.append((match.group(1), dict(orjson.loads(fixed))))
    return found


def to_demo_school(body: dict[str, Any]) -> dict[str, Any]:
    """The seed's ids become the demo school's, its PATCH gets associationType and attempt 1 (PDF 3.5.3)."""
    body = {"associationType": "componentOfferingAssociation", **body}
    body["consumers"][0]["orgAssociationId"] = JACOB_REKENEN
    if "associationId" in body:
        body["associationId"] = new_id()
        body["person"], body["offering"] = school.STUDENTS["jacob"], school.TOETS_REKENEN
    else:
        body["consumers"][0]["attempt"] = 1
    return body


def test_dr_started_in_1_1_announces_it(dr11: DR) -> None:
    metadata = dr11.http.get("/ooapi/").json()
    assert metadata["supportedConsumers"] == [{"consumerKey": "nl-test-admin", "version": "1.1"}]


def test_the_seed_000_examples_are_accepted_in_1_1(dr11: DR) -> None:
    """Fixes: JSON typos (missing commas, trailing commas); associationType on the second PATCH; attempt 1
    on the PATCHes of the original enrolment; a new id for the PUT; the demo school's ids."""
    examples = seed_000_examples()
    assert [method for method, _ in examples] == ["PATCH", "PATCH", "PUT"]
    tp = dr11.client()
    for method, body in examples:
        body = to_demo_school(body)
        if method == "PATCH":
            response = tp.patch(f"/associations/{JACOB_REKENEN}", body)
            assert response.status_code == 200, response.text
        else:
            response = tp.put(f"/associations/{body['associationId']}", body)
            assert response.status_code == 201, response.text
    attempts = {a["attempt"]: a for a in dr11.results(JACOB_REKENEN)["attempts"]}
    assert attempts[1]["reported"]["planningState"] == "finished"
    assert attempts[1]["reported"]["testMomentEnrollmentDetails"]["attendance"] == "present"
    assert attempts[1]["result"]["score"] == "9" and attempts[2]["result"]["score"] == "9"


def test_1_1_wants_the_test_moment_details_and_judges_them(dr11: DR) -> None:
    tp = dr11.client()
    _method, body = seed_000_examples()[0]
    body = to_demo_school(body)
    del body["consumers"][0]["testMomentEnrollmentDetails"]
    problem = problem_of(tp.patch(f"/associations/{JACOB_REKENEN}", body), 400)
    assert pointers(problem) == ["/consumers/0/testMomentEnrollmentDetails"]
    _method, body = seed_000_examples()[0]
    body = to_demo_school(body)
    body["consumers"][0]["planningState"] = "done"
    body["consumers"][0]["testMomentEnrollmentDetails"]["attendance"] = "here"
    problem = problem_of(tp.patch(f"/associations/{JACOB_REKENEN}", body), 400)
    assert pointers(problem) == [
        "/consumers/0/planningState",
        "/consumers/0/testMomentEnrollmentDetails/attendance",
    ]


def test_a_1_1_result_sent_as_null_is_removed(dr11: DR) -> None:
    """In 1.1 an attendance-only message carries no result: once a result was sent, TP removes it with
    `result: null` (a merge patch), as when TA takes back a score."""
    tp = dr11.client()
    (_, attendance), (_, with_result), _ = seed_000_examples()
    assert tp.patch(f"/associations/{JACOB_REKENEN}", to_demo_school(with_result)).status_code == 200
    assert dr11.results(JACOB_REKENEN)["attempts"][0]["result"] is not None
    response = tp.patch(f"/associations/{JACOB_REKENEN}", to_demo_school(attendance) | {"result": None})
    assert response.status_code == 200, response.text
    assert dr11.results(JACOB_REKENEN)["attempts"][0]["result"] is None


def test_a_1_1_message_is_refused_by_a_1_0_1_dr(dr: DR) -> None:
    """The draft fields are tolerated in 1.0.1 (docs/standard.md), but the 1.0.1 result with attendance is missing."""
    _method, body = seed_000_examples()[1]
    problem = problem_of(dr.client().patch(f"/associations/{JACOB_REKENEN}", to_demo_school(body)), 400)
    assert pointers(problem) == [
        "/result/consumers/0/executedOfferingName",
        "/result/consumers/0/attendance",
    ]
