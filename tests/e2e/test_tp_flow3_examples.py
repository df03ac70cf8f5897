"""Flow 3 at TP: every example of the standard and of seed 002 is accepted, merged and kept in the history.

Rules checked, with their sources:
- PDF §3.3.3, Aanvullende eis: TP accepts and processes a valid flow 3 message; only `associationType`
  and `result` of the Association are used, everything else is ignored.
- Seed 002 is a 2022 draft (`consumerKey: "MBO-toetsafname"`, attendance on the
  association's consumer, a date-time `resultDate`, `documentUrl`); attendance lives in
  `result.consumers[]` (PDF Tabel 4.3.D). TP reads such messages into the 1.0.1 shape and records what it
  normalised, and the history keeps every message as received (docs/standard.md).
- Examples: `examples/partialUpdateAssociationById--request--send-*.json`, `doc/flow3.md` §3.1 and §3.2,
  `seeds/002_dde720c2e6bcc1fc.txt`. The md and seed texts have JSON syntax errors; only those are
  fixed (each test says which), and the fixed text is what is sent.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api_client import (
    MERGE_PATCH,
    SEEDS,
    STANDARD,
    TP,
    Peer,
    fix_json_syntax,
    history,
    markdown_block,
    noted,
    ta_with_student,
)

EXAMPLES = sorted(STANDARD.glob("examples/partialUpdateAssociationById--request--send-*.json"))
FLOW3_MD = STANDARD / "flow3.md"
SEED_002 = SEEDS / "002_dde720c2e6bcc1fc.txt"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def send(ta: Peer, deelname: str, text: str) -> None:
    """PATCH the exact text of an example to the Deelname; TP must accept it."""
    response = ta.http.patch(
        f"/ooapi/associations/{deelname}", content=text.encode("utf-8"), headers={**ta.headers, **MERGE_PATCH}
    )
    assert response.status_code == 200, response.text


def stored_result(ta: Peer, deelname: str) -> dict[str, Any]:
    response = ta.get(f"/associations/{deelname}")
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert_normalised(result)
    return dict(result)


def assert_normalised(result: dict[str, Any]) -> None:
    """What TP keeps is 1.0.1: nl-test-admin blocks with attendance, a date, string document ids."""
    assert _DATE.match(result["resultDate"])
    for block in result["consumers"]:
        assert block["consumerKey"] == "nl-test-admin"
        assert "attendance" in block
        for document in block.get("documents", ()):
            assert isinstance(document["documentId"], str)


def as_101(result: dict[str, Any]) -> dict[str, Any]:
    """A 1.0.1 example result as TP reads it: numeric documentIds become strings, a date testDate midnight UTC."""
    out = copy.deepcopy(result)
    for block in out["consumers"]:
        if isinstance(block.get("testDate"), str) and _DATE.match(block["testDate"]):
            block["testDate"] += "T00:00:00Z"
        for document in block.get("documents", ()):
            document["documentId"] = str(document["documentId"])
    return out


def expected_notes(result: dict[str, Any]) -> list[str]:
    """The pointers TP must note for a 1.0.1 example: each numeric documentId and a date-only testDate."""
    found = []
    for i, block in enumerate(result["consumers"]):
        if isinstance(block.get("testDate"), str) and _DATE.match(block["testDate"]):
            found.append(f"/result/consumers/{i}/testDate")
        for j, document in enumerate(block.get("documents", ())):
            if isinstance(document["documentId"], int):
                found.append(f"/result/consumers/{i}/documents/{j}/documentId")
    return found


def assert_history(tp: TP, deelname: str, text: str, notes: list[str]) -> list[str]:
    """The one history row of the Deelname holds the text as sent and a note for each of `notes`."""
    rows = history(tp, deelname)
    assert len(rows) == 1
    assert rows[0].body == text
    assert rows[0].flow == "3"
    for pointer in notes:
        assert noted(rows[0].notes, pointer), (pointer, rows[0].notes)
    return list(rows[0].notes)


def test_the_standard_has_three_flow3_examples() -> None:
    if not STANDARD.is_dir():
        pytest.skip(f"{STANDARD} is not available")
    assert [p.name.split("--")[-1] for p in EXAMPLES] == [
        "send-attendance-and-result-directly-flow-3-1.json",
        "send-attendance-for-student-directly-flow-3-2-a.json",
        "send-result-for-student-flow-3-2-b.json",
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem.split("--")[-1])
def test_every_flow3_example_of_the_standard_is_accepted_and_merged(tp: TP, example: Path) -> None:
    value = json.loads(example.read_text(encoding="utf-8"))["value"]
    text = json.dumps(value, indent=2, ensure_ascii=False)
    ta, deelname = ta_with_student(tp)

    send(ta, deelname, text)

    assert stored_result(ta, deelname) == as_101(value["result"])
    notes = assert_history(tp, deelname, text, expected_notes(value["result"]))
    assert len(notes) == len(expected_notes(value["result"]))


def test_the_standards_attendance_then_result_examples_merge_on_one_deelname(tp: TP) -> None:
    if not EXAMPLES:
        pytest.skip(f"{STANDARD / 'examples'} is not available")
    by_flow = {p.stem.rsplit("-flow-", 1)[-1]: json.loads(p.read_text(encoding="utf-8"))["value"] for p in EXAMPLES}
    ta, deelname = ta_with_student(tp)

    send(ta, deelname, json.dumps(by_flow["3-2-a"]))
    assert stored_result(ta, deelname) == by_flow["3-2-a"]["result"]
    send(ta, deelname, json.dumps(by_flow["3-2-b"]))

    assert stored_result(ta, deelname) == as_101(by_flow["3-2-b"]["result"])
    assert len(history(tp, deelname)) == 2


@dataclass(frozen=True)
class MdExample:
    heading: str
    missing_commas: int
    trailing_commas: int


#: The request examples of doc/flow3.md and their JSON syntax errors:
#: - 3.1: no comma after `"irregularities": "Jantje heeft gespiekt."`; a trailing comma after `"weight": 100`.
#: - 3.2 A: a trailing comma after `"attendance": "present"`.
#: - 3.2 B: no comma after `"irregularities": "Jantje heeft gespiekt."`; a trailing comma after the
#:   `consumers` array.
MD_EXAMPLES = [
    pytest.param(MdExample("### Example of request Send attendance and result directly", 1, 1), id="3.1"),
    pytest.param(MdExample("### Example of request A. Send attendance for student directly", 0, 1), id="3.2-A"),
    pytest.param(MdExample("### Example of request B. Send result for student", 1, 1), id="3.2-B"),
]


@pytest.mark.parametrize("example", MD_EXAMPLES)
def test_every_flow3_example_of_the_md_is_accepted_and_merged(tp: TP, example: MdExample) -> None:
    text = fix_json_syntax(
        markdown_block(FLOW3_MD, example.heading),
        missing_commas=example.missing_commas,
        trailing_commas=example.trailing_commas,
    )
    sent = json.loads(text)
    ta, deelname = ta_with_student(tp)

    send(ta, deelname, text)

    assert stored_result(ta, deelname) == as_101(sent["result"])
    notes = assert_history(tp, deelname, text, expected_notes(sent["result"]))
    assert len(notes) == len(expected_notes(sent["result"]))


#: Seed 002 lists the attendance values as one placeholder string; each test sends one of them.
PLACEHOLDER = '"notPresent| notStarted | notFinished | present"'
SEED_DOCUMENT_URL = "https://acme.com/f72e34af-f8bc-4a09-bbf5-0cde8c3a656e.pdf"


def seed_002_result_message() -> str:
    """Seed 002 §3.1 with `present` for the placeholder; its JSON syntax errors: no comma after
    `"assessorCode": "JAJE"` and none after `"documenitId": "123454"` (the misspelt key stays)."""
    block = markdown_block(SEED_002, "### example of result message for one student")
    assert block.count(PLACEHOLDER) == 1
    return fix_json_syntax(block.replace(PLACEHOLDER, '"present"'), missing_commas=2, trailing_commas=0)


def seed_002_attendance_message() -> str:
    """Seed 002 §3.2 with `notFinished` for the placeholder; its JSON syntax error: a trailing comma
    after the attendance."""
    block = markdown_block(SEED_002, "### example of a message with only attendance information")
    assert block.count(PLACEHOLDER) == 1
    return fix_json_syntax(block.replace(PLACEHOLDER, '"notFinished"'), missing_commas=0, trailing_commas=1)


def test_seed_002_result_message_is_read_into_the_101_shape(tp: TP) -> None:
    text = seed_002_result_message()
    ta, deelname = ta_with_student(tp)

    send(ta, deelname, text)

    assert stored_result(ta, deelname) == {
        "state": "completed",
        "pass": "passed",
        "comment": "string",
        "score": "9",
        "resultDate": "2020-09-28",  # the draft's date-time 2020-09-28T00:00:00.000Z
        "weight": 100,  # "ext": null removed nothing that was there
        "consumers": [
            {
                "consumerKey": "nl-test-admin",  # draft key MBO-toetsafname
                "attendance": "present",  # moved from the association's consumer
                "assessorId": "05035972-0619-4d0b-8a09-7bdb6eee5e6d",
                "assessorCode": "JAJE",
                "documents": [
                    {
                        "documentId": "f72e34af-f8bc-4a09-bbf5-0cde8c3a656e",  # from documentUrl
                        "documenitId": "123454",
                        "documentType": "assessmentForm",
                        "documentUrl": SEED_DOCUMENT_URL,
                        "documentName": "Assessment form for Jake Doe.pdf",
                        "documentExtension": "pdf",
                    }
                ],
            }
        ],
    }
    deelname_consumers = ta.get(f"/associations/{deelname}").json()["consumers"]
    assert deelname_consumers == [{"consumerKey": "nl-test-admin"}]  # TP's own block, as planned
    assert_history(
        tp,
        deelname,
        text,
        [
            "/consumers/0/consumerKey",
            "/associationType",
            "/consumers/0/attendance",
            "/consumers/0/assessorId",
            "/consumers/0/assessorCode",
            "/consumers/0/documents",
            "/result/resultDate",
            "/result/consumers/0/documents/0/documentId",
        ],
    )


def test_seed_002_attendance_message_is_read_as_a_result_in_progress(tp: TP) -> None:
    text = seed_002_attendance_message()
    ta, deelname = ta_with_student(tp)
    before = datetime.now(UTC).date()

    send(ta, deelname, text)

    result = stored_result(ta, deelname)
    assert result["resultDate"] in {before.isoformat(), (before + timedelta(days=1)).isoformat()}
    assert result == {
        "state": "in progress",
        "resultDate": result["resultDate"],  # absent in the draft: the date TP received it
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "notFinished"}],
    }
    assert_history(
        tp,
        deelname,
        text,
        ["/consumers/0/consumerKey", "/associationType", "/result", "/result/resultDate", "/consumers/0/attendance"],
    )
