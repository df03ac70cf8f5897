"""Flow 4 at TP: the session report (zittingsverslag) TA sends on TP's Zitting.

Rules checked, with their sources:
- TA sends `PATCH /offerings/{zittingId}` with `offeringType` and a consumer block holding
  `irregularities` and `documents`; TP reads it back with `GET /offerings/{id}`: PDF §3.4.2/§3.4.3.
- The report may be partial and completed later; TP accepts it even if the session was cancelled:
  PDF §3.4.3 (Aanvullende eis), §5.2.
- All other fields of the Offering are ignored by TP: PDF §3.4.3 (Aanvullende eis).
- Flow 4 `documentType` values are `sessionReport`, `attendanceReport`, `assessmentModel`, `other`
  (the YAML's per-object enum): docs/standard.md.
- Seed 004 is a 2022 draft (`MBO-toetsafname`, `additionalInfo`, `documentUrl`), read into 1.0.1 and
  noted: docs/standard.md.
- Examples: `examples/partialUpdateOfferingById--request--send-attendance-and-offering-report-directly-flow-4-1.json`,
  `doc/flow4.md` §4.1, `seeds/004_d691aa470d0c2722.txt`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from oke.auth.caller import ClientRole
from tests.api_client import (
    MERGE_PATCH,
    SEEDS,
    STANDARD,
    TP,
    Peer,
    history,
    markdown_block,
    noted,
    pointers,
    problem_of,
    standard_example,
)

SEED_004 = SEEDS / "004_d691aa470d0c2722.txt"
FLOW4_MD = STANDARD / "flow4.md"
SESSION_REPORT = {"documentId": "pv-1", "documentType": "sessionReport", "documentName": "Procesverbaal.pdf"}
ATTENDANCE_LIST = {"documentId": "al-1", "documentType": "attendanceReport", "documentName": "Presentielijst.pdf"}


def report(**fields: Any) -> dict[str, Any]:
    return {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", **fields}]}


def ta_with_zitting(tp: TP, peer: str = "ta-x") -> tuple[Peer, str]:
    ta = tp.peer(ClientRole.ta, peer=peer)
    return ta, str(tp.plan(peer, students=2)["zittingId"])


def send_text(ta: Peer, zitting: str, text: str) -> None:
    response = ta.http.patch(
        f"/ooapi/offerings/{zitting}", content=text.encode("utf-8"), headers={**ta.headers, **MERGE_PATCH}
    )
    assert response.status_code == 200, response.text


def accepted(ta: Peer, zitting: str, body: dict[str, Any]) -> None:
    response = ta.patch(f"/offerings/{zitting}", body)
    assert response.status_code == 200, response.text


def nl_block(ta: Peer, zitting: str) -> dict[str, Any]:
    """The nl-test-admin block of the Zitting as TA reads it: what TP planned plus the report."""
    response = ta.get(f"/offerings/{zitting}")
    assert response.status_code == 200, response.text
    return next(c for c in response.json()["consumers"] if c["consumerKey"] == "nl-test-admin")


def test_the_standards_flow4_example_is_accepted(tp: TP) -> None:
    example = standard_example(
        "partialUpdateOfferingById--request--send-attendance-and-offering-report-directly-flow-4-1"
    )
    text = json.dumps(example, indent=2)
    ta, zitting = ta_with_zitting(tp)

    send_text(ta, zitting, text)

    sent = example["consumers"][0]
    block = nl_block(ta, zitting)
    assert block["irregularities"] == sent["irregularities"]
    assert block["documents"] == sent["documents"]
    assert (block["offeringState"], block["duration"]) == ("active", "PT40M")  # as planned
    [row] = history(tp, zitting, "4")
    assert (row.body, row.flow, row.notes) == (text, "4", [])


def test_the_flow4_md_example_is_accepted(tp: TP) -> None:
    # doc/flow4.md §4.1: its only JSON syntax error is a trailing comma after "documentName".
    block = markdown_block(FLOW4_MD, "### example of result message")
    text, fixed = re.subn(r'("Session report on Session tbd\.pdf"),(\s*\})', r"\1\2", block)
    assert fixed == 1
    ta, zitting = ta_with_zitting(tp)

    send_text(ta, zitting, text)

    assert nl_block(ta, zitting)["documents"] == json.loads(text)["consumers"][0]["documents"]


def test_seed_004_is_read_into_the_101_shape(tp: TP) -> None:
    # Seed 004: its only JSON syntax error is the comment line `#Hebben we extra documenteigenschappen
    # nodig zoals hieronder?` inside the document; the `#PATCH` request line before the object is not sent.
    block = markdown_block(SEED_004, "### example of result message")
    text, removed = re.subn(r"\n[ \t]*#[^\n]*", "", block)
    assert removed == 1
    ta, zitting = ta_with_zitting(tp)

    send_text(ta, zitting, text)

    block_read = nl_block(ta, zitting)
    assert block_read["irregularities"] == "There was a lot of noise from the construction site nearby."
    assert block_read["documents"] == [
        {
            "documentId": "12dc31f4-9dfc-4fe5-ae88-4b8f9b0cdc43",  # taken from documentUrl
            "documentType": "sessionReport",
            "documentUrl": "https://acme.com/12dc31f4-9dfc-4fe5-ae88-4b8f9b0cdc43.pdf",
            "documentName": "Session report on Session tbd.pdf",
            "documentExtension": "pdf",
        }
    ]
    assert "additionalInfo" not in block_read
    [row] = history(tp, zitting, "4")
    assert row.body == text
    for pointer in (
        "/consumers/0/consumerKey",
        "/offeringType",
        "/consumers/0/additionalInfo",
        "/consumers/0/documents/0/documentId",
        "/consumers/0/documents/0/documentUrl",
    ):
        assert noted(row.notes, pointer), (pointer, row.notes)


def test_a_partial_report_is_completed_later(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp)

    accepted(ta, zitting, report(irregularities="Brandalarm om 09:20, 10 minuten onderbroken."))
    accepted(ta, zitting, report(documents=[SESSION_REPORT, ATTENDANCE_LIST]))

    block = nl_block(ta, zitting)
    assert block["irregularities"] == "Brandalarm om 09:20, 10 minuten onderbroken."
    assert block["documents"] == [SESSION_REPORT, ATTENDANCE_LIST]
    first, second = history(tp, zitting, "4")
    assert "the session report has no documents yet" in first.notes
    assert second.notes == []


def test_a_report_on_a_cancelled_zitting_is_accepted(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp)
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204

    accepted(ta, zitting, report(irregularities="Geen", documents=[SESSION_REPORT]))

    block = nl_block(ta, zitting)
    assert (block["offeringState"], block["irregularities"]) == ("canceled", "Geen")
    [row] = history(tp, zitting, "4")
    assert "received while the session is canceled" in row.notes


def test_a_report_cannot_change_what_tp_planned(tp: TP) -> None:
    # PDF 3.4.3: TP ignores everything but irregularities and documents, also inside the consumer block.
    ta, zitting = ta_with_zitting(tp)
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204

    accepted(ta, zitting, report(irregularities="Geen", offeringState="active", duration="PT99M"))

    block = nl_block(ta, zitting)
    assert block["irregularities"] == "Geen"
    assert (block["offeringState"], block["duration"]) == ("canceled", "PT40M")


def test_the_answer_names_each_field_tp_ignored(tp: TP) -> None:
    """TP says what it did with a report, as it does for a result: a field TA may not set is named, not dropped
    silently (and the history keeps the same notes)."""
    ta, zitting = ta_with_zitting(tp)
    body = report(irregularities="Geen", documents=[SESSION_REPORT], offeringState="canceled")
    body |= {"name": [{"language": "nl-NL", "value": "Andere naam"}]}
    body["consumers"].insert(0, {"consumerKey": "x-vendor", "room": "B12"})

    answer = ta.patch(f"/offerings/{zitting}", body)

    assert answer.status_code == 200, answer.text
    why = "ignored; a session report sets only irregularities and documents (PDF 3.4.3)"
    notes = [f"/name: {why}", f"/consumers/1/offeringState: {why}", f"/consumers/0: {why}"]
    assert answer.json() == {"offeringId": zitting, "message": [{"language": "en-GB", "value": n} for n in notes]}
    assert history(tp, zitting, "4")[-1].notes == notes
    assert ta.patch(f"/offerings/{zitting}", report(irregularities="Geen")).json()["message"] == [
        {"language": "en-GB", "value": "accepted"}
    ]


def test_a_second_nl_test_admin_block_is_refused_not_ignored(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp)
    body = report(irregularities="Geen")
    body["consumers"].append({"consumerKey": "nl-test-admin", "irregularities": "Brandalarm"})

    problem = problem_of(ta.patch(f"/offerings/{zitting}", body), 400)

    assert problem["invalidParams"] == [{"pointer": "/consumers/1", "reason": "a second nl-test-admin block; send one"}]
    assert "irregularities" not in nl_block(ta, zitting)


def test_offeringType_is_required(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp)
    body = report(irregularities="Geen")
    del body["offeringType"]

    problem = problem_of(ta.patch(f"/offerings/{zitting}", body), 400)

    assert pointers(problem) == ["/offeringType"]
    assert "irregularities" not in nl_block(ta, zitting)


def test_a_result_documentType_is_refused_in_a_session_report(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp)
    accepted(ta, zitting, report(irregularities="Geen", documents=[SESSION_REPORT]))
    wrong = {**SESSION_REPORT, "documentType": "assessmentForm"}

    problem = problem_of(ta.patch(f"/offerings/{zitting}", report(documents=[wrong])), 400)

    assert pointers(problem) == ["/consumers/0/documents/0/documentType"]
    assert "/consumers/0/documents/0/documentType" in problem["detail"]
    assert nl_block(ta, zitting)["documents"] == [SESSION_REPORT]


def test_the_zitting_of_another_ta_is_unknown(tp: TP) -> None:
    ta, zitting = ta_with_zitting(tp, peer="ta-x")
    accepted(ta, zitting, report(irregularities="Geen"))
    other = tp.peer(ClientRole.ta, peer="ta-y")

    problem_of(other.get(f"/offerings/{zitting}"), 404)
    problem_of(other.patch(f"/offerings/{zitting}", report(irregularities="Overschreven")), 404)

    assert nl_block(ta, zitting)["irregularities"] == "Geen"
