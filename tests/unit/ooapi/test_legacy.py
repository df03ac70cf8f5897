"""TP reads pilot-era drafts and known quirks into the 1.0.1 shape, never losing a field and noting each rewrite.

Sources: docs/standard.md (where attendance lives, the pilot drafts, resultDate/testDate; TP is liberal in
what it reads: it rewrites what it understands and records that it did), and the draft
seeds 002 (flow 3) and 004 (flow 4) in `shared/seeds/`.

The seeds' JSON blocks are not valid JSON as published. `_repair` fixes only their syntax and lists what
it fixed; `test_the_seed_repairs_are_syntax_only` pins that list, which is exactly:

- seed 002, flow 3.1: the request line `PATCH /associations/{associationId}` before the body is dropped;
  a comma is added after `"assessorCode": "JAJE"` and after `"documenitId": "123454"`; the enum
  placeholder `"notPresent| notStarted | notFinished | present"` becomes `"present"`.
- seed 002, flow 3.2: the same request line is dropped; the trailing comma after the attendance is
  removed; the same placeholder becomes `"present"`.
- seed 004, flow 4.1: the comment lines `#PATCH /offerings/{offeringID}` and
  `#Hebben we extra documenteigenschappen nodig zoals hieronder?` are dropped.

Everything else (the draft key `MBO-toetsafname`, `documenitId`, `documentUrl`, `additionalInfo`, the
date-time `resultDate`, `"ext": null`) is left as the seeds have it: that is what TP must read.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from oke.ooapi.associations import NlTestAdminAssociation
from oke.ooapi.common import consumers_of
from oke.ooapi.enums import AssociationType, OfferingType
from oke.ooapi.legacy import RESULT_FIELDS, Normalised, normalise_report_patch, normalise_result_patch
from oke.ooapi.offerings import NlTestAdminOffering
from oke.ooapi.results import Result
from tests.api_client import SEEDS

RECEIVED = date(2024, 1, 15)
RESULT = TypeAdapter(Result)
ASSOCIATION_CONSUMERS = TypeAdapter(consumers_of(NlTestAdminAssociation))
OFFERING_CONSUMERS = TypeAdapter(consumers_of(NlTestAdminOffering))

# --- reading the seeds ------------------------------------------------------------------------------------

SEED_FILES = {"002": "002_dde720c2e6bcc1fc.txt", "004": "004_d691aa470d0c2722.txt"}
#: (seed, index of the JSON block in the seed) of each draft message.
DRAFTS = {"flow 3.1": ("002", 0), "flow 3.2": ("002", 1), "flow 4.1": ("004", 0)}
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
PLACEHOLDER = re.compile(r'"(\w+)(?:\s*\|\s*(\w+))+"')
VALUE_END = re.compile(r'(["\d\]}]|true|false|null)\s*$')


def _repair(block: str) -> tuple[str, list[str]]:
    """A seed's JSON block made parseable, and what was fixed: only syntax, never a name or a value."""
    fixes: list[str] = []
    lines: list[str] = []
    for line in block.splitlines():
        if line.strip().startswith("#"):
            fixes.append(f"dropped the comment line {line.strip()!r}")
        elif not lines and line.strip() not in ("", "{"):
            fixes.append(f"dropped the request line {line.strip()!r}")
        elif lines or line.strip():
            lines.append(line)
    for i, line in enumerate(lines):
        if match := PLACEHOLDER.search(line):
            lines[i] = line.replace(match.group(0), f'"{match.group(2)}"')
            fixes.append(f'replaced the placeholder {match.group(0)} by "{match.group(2)}"')
    following = [next((n for n in lines[i + 1 :] if n.strip()), "") for i in range(len(lines))]
    for i, (line, after) in enumerate(zip(lines, following, strict=True)):
        if VALUE_END.search(line) and after.strip().startswith('"'):
            lines[i] = line.rstrip() + ","
            fixes.append(f"added the missing comma after {line.strip()!r}")
        elif line.rstrip().endswith(",") and after.strip()[:1] in ("}", "]"):
            lines[i] = line.rstrip()[:-1]
            fixes.append(f"removed the trailing comma after {line.strip()[:-1]!r}")
    return "\n".join(lines), fixes


def _blocks(seed: str) -> list[tuple[dict[str, Any], list[str]]]:
    path = SEEDS / SEED_FILES[seed]
    if not path.is_file():
        pytest.skip(f"the draft seeds are not here: {SEEDS}")
    found = []
    for language, block in FENCED.findall(path.read_text(encoding="utf-8")):
        if language != "mermaid" and "{" in block:
            text, fixes = _repair(block)
            found.append((json.loads(text), fixes))
    return found


def _draft(name: str) -> dict[str, Any]:
    seed, index = DRAFTS[name]
    return _blocks(seed)[index][0]


def _read(name: str, body: dict[str, Any]) -> Normalised:
    """Read a message as TP reads it: flow 4 is a session report, flow 3 a result."""
    return normalise_report_patch(body) if name.startswith("flow 4") else normalise_result_patch(body, RECEIVED)


def _normalise(name: str) -> Normalised:
    return _read(name, _draft(name))


def _pointers(notes: list[str]) -> list[str]:
    return [note.split(":", 1)[0] for note in notes]


def _leaves(value: Any) -> Counter[str]:
    """Every scalar value in a JSON document, wherever it sits (fields may move)."""
    if isinstance(value, dict):
        return sum((_leaves(v) for v in value.values()), Counter())
    if isinstance(value, list):
        return sum((_leaves(v) for v in value), Counter())
    return Counter([json.dumps(value)])


def _resolves(document: Any, pointer: str) -> bool:
    for part in pointer[1:].split("/"):
        if isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        elif isinstance(document, dict) and part in document:
            document = document[part]
        else:
            return False
    return True


def test_the_seed_repairs_are_syntax_only() -> None:
    assert [fixes for _, fixes in _blocks("002")] == [
        [
            "dropped the request line 'PATCH /associations/{associationId}'",
            'replaced the placeholder "notPresent| notStarted | notFinished | present" by "present"',
            'added the missing comma after \'"assessorCode": "JAJE"\'',
            'added the missing comma after \'"documenitId": "123454"\'',
        ],
        [
            "dropped the request line 'PATCH /associations/{associationId}'",
            'replaced the placeholder "notPresent| notStarted | notFinished | present" by "present"',
            'removed the trailing comma after \'"attendance": "present"\'',
        ],
    ]
    assert [fixes for _, fixes in _blocks("004")] == [
        [
            "dropped the comment line '#PATCH /offerings/{offeringID}'",
            "dropped the comment line '#Hebben we extra documenteigenschappen nodig zoals hieronder?'",
        ]
    ]


# --- the drafts, read into 1.0.1 ---------------------------------------------------------------------------

#: The JSON pointer each rewrite of each draft is noted under.
EXPECTED_NOTES = {
    "flow 3.1": {
        "/consumers/0/consumerKey",
        "/associationType",
        "/consumers/0/assessorId",
        "/consumers/0/assessorCode",
        "/consumers/0/attendance",
        "/consumers/0/documents",
        "/result/resultDate",
        "/result/consumers/0/documents/0/documentId",
        "/result/consumers/0/documents/0/documentUrl",
    },
    "flow 3.2": {
        "/consumers/0/consumerKey",
        "/associationType",
        "/result",
        "/result/resultDate",
        "/consumers/0/attendance",
    },
    "flow 4.1": {
        "/consumers/0/consumerKey",
        "/offeringType",
        "/consumers/0/additionalInfo",
        "/consumers/0/documents/0/documentId",
        "/consumers/0/documents/0/documentUrl",
    },
}
#: Leaf values a rewrite replaces, and by what.
REWRITTEN_VALUES = {
    "flow 3.1": {'"MBO-toetsafname"': '"nl-test-admin"', '"2020-09-28T00:00:00.000Z"': '"2020-09-28"'},
    "flow 3.2": {'"MBO-toetsafname"': '"nl-test-admin"'},
    "flow 4.1": {'"MBO-toetsafname"': '"nl-test-admin"'},
}


#: The note on a draft-era `documentUrl`, which TP never follows.
IGNORED_URL = "documentUrl: ignored; TP fetches the document by documentId from TA's base URL only"


@pytest.mark.parametrize("name", DRAFTS)
def test_every_rewrite_leaves_a_note_naming_its_pointer(name: str) -> None:
    pointers = _pointers(_normalise(name).notes)
    assert len(pointers) == len(set(pointers))
    assert set(pointers) == EXPECTED_NOTES[name]


@pytest.mark.parametrize("name", DRAFTS)
def test_every_note_points_into_the_draft_or_the_normalised_message(name: str) -> None:
    draft, normalised = _draft(name), _normalise(name)
    for pointer in _pointers(normalised.notes):
        assert pointer.startswith("/")
        assert _resolves(draft, pointer) or _resolves(normalised.body, pointer), pointer


@pytest.mark.parametrize("name", DRAFTS)
def test_no_field_of_a_draft_is_lost(name: str) -> None:
    draft, body = _draft(name), _normalise(name).body
    lost = _leaves(draft) - _leaves(body)
    assert set(lost) == set(REWRITTEN_VALUES[name])
    for value, replacement in REWRITTEN_VALUES[name].items():
        assert replacement in _leaves(body), value


@pytest.mark.parametrize("name", DRAFTS)
def test_the_draft_is_not_changed_by_reading_it(name: str) -> None:
    draft = _draft(name)
    before = copy.deepcopy(draft)
    _read(name, draft)
    assert draft == before


@pytest.mark.parametrize("name", DRAFTS)
def test_reading_a_normalised_message_again_rewrites_nothing(name: str) -> None:
    once = _normalise(name).body
    again = _read(name, once)
    assert [note for note in again.notes if IGNORED_URL not in note] == []  # each message is told the URL is unused
    assert again.body == once


@pytest.mark.parametrize("name", ["flow 3.1", "flow 3.2"])
def test_a_draft_result_is_a_valid_1_0_1_patch(name: str) -> None:
    body = _normalise(name).body
    assert TypeAdapter(AssociationType).validate_python(body["associationType"]) == "componentOfferingAssociation"
    ASSOCIATION_CONSUMERS.validate_python(body["consumers"])
    RESULT.validate_python(body["result"])


def test_a_draft_session_report_is_a_valid_1_0_1_patch() -> None:
    body = _normalise("flow 4.1").body
    assert TypeAdapter(OfferingType).validate_python(body["offeringType"]) == "component"
    OFFERING_CONSUMERS.validate_python(body["consumers"])


@pytest.mark.parametrize("name", DRAFTS)
def test_the_draft_key_becomes_nl_test_admin(name: str) -> None:
    normalised = _normalise(name)
    assert [block["consumerKey"] for block in normalised.body["consumers"]] == ["nl-test-admin"]
    assert any("MBO-toetsafname" in note for note in normalised.notes if note.startswith("/consumers/0/consumerKey"))


def test_attendance_moves_from_the_association_into_the_result() -> None:
    body = _normalise("flow 3.1").body
    assert body["consumers"] == [{"consumerKey": "nl-test-admin"}]
    [block] = body["result"]["consumers"]
    assert block["consumerKey"] == "nl-test-admin"
    assert block["attendance"] == "present"
    assert (block["assessorId"], block["assessorCode"]) == ("05035972-0619-4d0b-8a09-7bdb6eee5e6d", "JAJE")


def test_an_attendance_only_draft_becomes_a_result_in_progress_dated_when_received() -> None:
    normalised = _normalise("flow 3.2")
    assert normalised.body["result"] == {
        "state": "in progress",
        "resultDate": RECEIVED.isoformat(),
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    }


def test_a_date_time_result_date_becomes_its_date() -> None:
    normalised = _normalise("flow 3.1")
    assert normalised.body["result"]["resultDate"] == "2020-09-28"
    assert "/result/resultDate: date-time 2020-09-28T00:00:00.000Z read as the date 2020-09-28" in normalised.notes


def test_draft_document_fields_are_kept_and_the_id_is_taken_from_the_url() -> None:
    normalised = _normalise("flow 3.1")
    [document] = normalised.body["result"]["consumers"][0]["documents"]
    assert document == {
        "documenitId": "123454",
        "documentType": "assessmentForm",
        "documentUrl": "https://acme.com/f72e34af-f8bc-4a09-bbf5-0cde8c3a656e.pdf",
        "documentName": "Assessment form for Jake Doe.pdf",
        "documentExtension": "pdf",
        "documentId": "f72e34af-f8bc-4a09-bbf5-0cde8c3a656e",
    }


def test_a_draft_session_report_reads_additional_info_as_irregularities() -> None:
    normalised = _normalise("flow 4.1")
    [block] = normalised.body["consumers"]
    assert "additionalInfo" not in block
    assert block["irregularities"] == "There was a lot of noise from the construction site nearby."
    [document] = block["documents"]
    assert document["documentId"] == "12dc31f4-9dfc-4fe5-ae88-4b8f9b0cdc43"
    assert (document["documentUrl"], document["documentExtension"]) == (
        "https://acme.com/12dc31f4-9dfc-4fe5-ae88-4b8f9b0cdc43.pdf",
        "pdf",
    )


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("flow 3.1", "associationType", "componentOfferingAssociation"),
        ("flow 3.2", "associationType", "componentOfferingAssociation"),
        ("flow 4.1", "offeringType", "component"),
    ],
)
def test_a_missing_discriminator_is_inferred(name: str, field: str, value: str) -> None:
    assert field not in _draft(name)
    assert _normalise(name).body[field] == value


# --- quirks of 1.0.1 senders (no seed needed) ----------------------------------------------------------------


def _result_patch(**block: Any) -> dict[str, Any]:
    return {
        "associationType": "componentOfferingAssociation",
        "result": {
            "state": "completed",
            "pass": "passed",
            "score": "9",
            "resultDate": "2022-09-28",
            "weight": 100,
            "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present", **block}],
        },
    }


def test_a_numeric_document_id_becomes_a_string_with_a_note() -> None:
    documents = [{"documentId": 123454, "documentType": "assessmentForm", "documentName": "form.pdf"}]
    normalised = normalise_result_patch(_result_patch(documents=documents), RECEIVED)
    assert normalised.body["result"]["consumers"][0]["documents"][0]["documentId"] == "123454"
    assert normalised.notes == ["/result/consumers/0/documents/0/documentId: number read as the string 123454"]
    RESULT.validate_python(normalised.body["result"])


def test_a_document_url_next_to_a_document_id_is_noted_as_ignored() -> None:
    """A TA that still sends the draft's `documentUrl` is told TP never follows it (it is kept as sent)."""
    url = "https://files.ta.example/d1.pdf"
    documents = [{"documentId": "d1", "documentType": "assessmentForm", "documentName": "form.pdf", "documentUrl": url}]
    normalised = normalise_result_patch(_result_patch(documents=documents), RECEIVED)
    assert normalised.notes == [f"/result/consumers/0/documents/0/{IGNORED_URL}"]
    assert normalised.body["result"]["consumers"][0]["documents"] == documents


def test_a_numeric_document_id_in_a_session_report_becomes_a_string_with_a_note() -> None:
    report = {
        "offeringType": "component",
        "consumers": [
            {"consumerKey": "x-vendor"},
            {"consumerKey": "nl-test-admin", "documents": [{"documentId": 7, "documentType": "sessionReport"}]},
        ],
    }
    normalised = normalise_report_patch(report)
    assert normalised.body["consumers"][1]["documents"][0]["documentId"] == "7"
    assert _pointers(normalised.notes) == ["/consumers/1/documents/0/documentId"]


def test_a_plain_date_test_date_becomes_midnight_utc_with_a_note() -> None:
    normalised = normalise_result_patch(_result_patch(testDate="2022-09-28"), RECEIVED)
    assert normalised.body["result"]["consumers"][0]["testDate"] == "2022-09-28T00:00:00Z"
    assert normalised.notes == ["/result/consumers/0/testDate: the date 2022-09-28 read as midnight UTC"]
    RESULT.validate_python(normalised.body["result"])


def test_a_1_0_1_result_needs_no_rewrite() -> None:
    documents = [{"documentId": "d1", "documentType": "assessmentForm", "documentName": "form.pdf"}]
    body = _result_patch(testDate="2022-09-28T09:30:00+02:00", documents=documents, assessorCode="JAJE")
    normalised = normalise_result_patch(body, RECEIVED)
    assert normalised.notes == []
    assert normalised.body == body
    assert normalised.body is not body


def test_a_1_0_1_session_report_needs_no_rewrite() -> None:
    body = {
        "offeringType": "component",
        "consumers": [
            {
                "consumerKey": "nl-test-admin",
                "irregularities": "Noise from the construction site.",
                "documents": [{"documentId": "r1", "documentType": "sessionReport", "documentName": "pv.pdf"}],
            }
        ],
    }
    normalised = normalise_report_patch(body)
    assert normalised.notes == []
    assert normalised.body == body


def test_a_1_0_1_cancellation_needs_no_rewrite() -> None:
    body = {"associationType": "componentOfferingAssociation", "state": "canceled"}
    assert normalise_result_patch(body, RECEIVED) == Normalised(body, [])


# --- property: a draft association block never loses a value -------------------------------------------------

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=5)  # never a date, a number or a draft key


@given(
    st.dictionaries(st.sampled_from(RESULT_FIELDS), WORDS, min_size=1),
    st.dictionaries(st.sampled_from(["x-own", "sequenceCode", "attempt"]), WORDS, max_size=2),
    st.booleans(),
)
def test_a_draft_association_block_never_loses_a_value(
    result_fields: dict[str, str], other_fields: dict[str, str], with_result: bool
) -> None:
    body: dict[str, Any] = {"consumers": [{"consumerKey": "MBO-toetsafname", **result_fields, **other_fields}]}
    if with_result:
        body["result"] = {"state": "completed", "resultDate": "2022-09-28"}
    normalised = normalise_result_patch(body, RECEIVED)
    assert _leaves(body) - _leaves(normalised.body) == Counter(['"MBO-toetsafname"'])
    [target] = normalised.body["result"]["consumers"]
    assert {name: target[name] for name in result_fields} == result_fields
    assert normalised.body["consumers"] == [{"consumerKey": "nl-test-admin", **other_fields}]
    assert {f"/consumers/0/{name}" for name in result_fields} <= set(_pointers(normalised.notes))
