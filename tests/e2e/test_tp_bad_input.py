"""Hostile and malformed input on TP's flow 3 endpoint: always a 4xx problem, never a 5xx, never a change.

Rules checked, with their sources:
- Request bodies are JSON objects (`application/json`, PATCH `application/merge-patch+json`):
  the YAML's request bodies. Anything else is 400 (invalid) or 415.
- Errors are `application/problem+json` with `status` a string; 400 for invalid content, 500 only for
  TP's own faults: PDF Tabel 5.0.D, `ErrorHandling.md`.
- Field types and limits come from the YAML (`weight` and `rawScore` integers, `consumers` an array,
  names at most 256 characters): the YAML's nl-test-admin-Result and Document, which win on exact names,
  types and enum strings (docs/standard.md).
- A refused message changes nothing and leaves the stored result as it was: docs/standard.md
  (a history of accepted messages only) and PDF 3.2.2 (every delivery is repeatable).
- The body limit (413) is the server's `max_body_bytes`, 64 KiB in the test server (tests/conftest.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from itertools import takewhile
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oke.config import Settings
from oke.roles.toetsplanning.rules import MAX_RESULT_BYTES
from tests.api_client import MERGE_PATCH, TP, Peer, history, pointers, problem_of, ta_with_student

LIMIT = 64 * 1024
ASSOCIATION = "componentOfferingAssociation"
DOCUMENT = {"documentId": "doc-1", "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}
RESULT = {
    "state": "completed",
    "pass": "passed",
    "comment": "goed gedaan",
    "score": "7.5",
    "resultDate": "2026-12-08",
    "weight": 100,
    "consumers": [
        {
            "consumerKey": "nl-test-admin",
            "attendance": "present",
            "assessorId": "a-1",
            "rawScore": 65,
            "maxRawScore": 75,
            "testDate": "2026-12-01T09:00:00+01:00",
            "documents": [DOCUMENT],
        }
    ],
}
VALID = {"associationType": ASSOCIATION, "result": RESULT}


def patch_text(ta: Peer, deelname: str, content: bytes | Iterator[bytes], content_type: str | None = None) -> Any:
    headers = {**ta.headers, **({"content-type": content_type} if content_type else MERGE_PATCH)}
    return ta.http.patch(f"/ooapi/associations/{deelname}", content=content, headers=headers)


def result_of(ta: Peer, deelname: str) -> Any:
    response = ta.get(f"/associations/{deelname}")
    assert response.status_code == 200, response.text
    return response.json().get("result")


def with_result(**changes: Any) -> dict[str, Any]:
    """VALID with the result fields changed (`None` values are sent as null)."""
    return {"associationType": ASSOCIATION, "result": {**RESULT, **changes}}


def with_consumer(**changes: Any) -> dict[str, Any]:
    """VALID with fields of the nl-test-admin result block changed."""
    return with_result(consumers=[{**RESULT["consumers"][0], **changes}])


@pytest.fixture
def stored(tp: TP) -> tuple[Peer, str]:
    """A TA and a student's Deelname that already holds a complete result."""
    ta, deelname = ta_with_student(tp)
    assert ta.patch(f"/associations/{deelname}", VALID).status_code == 200
    return ta, deelname


def assert_unchanged(ta: Peer, deelname: str, tp: TP) -> None:
    assert result_of(ta, deelname) == RESULT
    assert len(history(tp, deelname)) == 1


@pytest.mark.parametrize(
    "text",
    [b"", b"{", b'{"associationType": }', b"{'associationType': 1}", b'{"a": 1} trailing', b"\xef\xbb\xbf{}", b"NaN"],
    ids=["empty", "unclosed", "no-value", "single-quotes", "trailing-text", "bom", "nan"],
)
def test_malformed_json_is_400(tp: TP, stored: tuple[Peer, str], text: bytes) -> None:
    ta, deelname = stored

    problem = problem_of(patch_text(ta, deelname, text), 400)

    assert pointers(problem) == [""]
    assert_unchanged(ta, deelname, tp)


@pytest.mark.parametrize(
    "value", [[VALID], "a string", 42, None, True], ids=["array", "string", "number", "null", "true"]
)
def test_a_json_body_that_is_not_an_object_is_400(tp: TP, stored: tuple[Peer, str], value: Any) -> None:
    ta, deelname = stored

    problem_of(patch_text(ta, deelname, json.dumps(value).encode()), 400)

    assert_unchanged(ta, deelname, tp)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_json_by_its_content_type_is_415(
    tp: TP, stored: tuple[Peer, str], content_type: str | None
) -> None:
    ta, deelname = stored
    headers = {**ta.headers, **({"content-type": content_type} if content_type else {})}

    response = ta.http.patch(f"/ooapi/associations/{deelname}", content=json.dumps(VALID).encode(), headers=headers)

    detail = problem_of(response, 415)["detail"]
    assert detail.startswith(f"content type {content_type} " if content_type else "the request has no Content-Type;")
    assert_unchanged(ta, deelname, tp)


def test_a_body_over_the_limit_is_413(tp: TP, stored: tuple[Peer, str], tp_settings: Settings) -> None:
    assert tp_settings.max_body_bytes == LIMIT
    ta, deelname = stored
    body = json.dumps(with_result(comment="x" * LIMIT)).encode()

    problem_of(patch_text(ta, deelname, body), 413)

    assert_unchanged(ta, deelname, tp)


def test_a_chunked_body_over_the_limit_is_413(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    body = json.dumps(with_result(comment="x" * 2 * LIMIT)).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: httpx sends Transfer-Encoding: chunked
        for start in range(0, len(body), 8192):
            yield body[start : start + 8192]

    problem_of(patch_text(ta, deelname, chunks()), 413)

    assert_unchanged(ta, deelname, tp)


def test_small_messages_adding_up_to_a_result_too_large_for_dr_are_413(tp: TP, stored: tuple[Peer, str]) -> None:
    """Each message is under the limit, but a merge patch keeps the fields each adds: the result they add up to
    would not fit in one flow 5 message to DR (1 MiB), and DR would refuse it for good."""
    ta, deelname = stored
    part = "x" * (LIMIT - 1024)
    responses = (ta.patch(f"/associations/{deelname}", with_result(**{f"extra{n}": part})) for n in range(40))
    accepted = sum(1 for _ in takewhile(lambda response: response.is_success, responses))
    before = result_of(ta, deelname)

    detail = problem_of(ta.patch(f"/associations/{deelname}", with_result(last=part)), 413)["detail"]

    assert accepted == MAX_RESULT_BYTES // len(part)
    assert f"over the {MAX_RESULT_BYTES} TP can forward to DR" in detail
    assert result_of(ta, deelname) == before
    assert len(history(tp, deelname)) == 1 + accepted


def test_10000_nested_arrays_are_400(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    nested = "[" * 10_000 + "]" * 10_000

    problem_of(patch_text(ta, deelname, f'{{"associationType": "{ASSOCIATION}", "result": {nested}}}'.encode()), 400)

    assert_unchanged(ta, deelname, tp)


def test_nesting_within_the_parsers_limit_is_not_a_500(tp: TP, stored: tuple[Peer, str]) -> None:
    # orjson parses up to 1024 levels, deeper than Python's recursion limit: code that recursed over
    # such a body answered 500. TP ignores the field, so it may accept the message or refuse it.
    ta, deelname = stored
    body = json.dumps(VALID)[:-1] + ', "ext": ' + "[" * 1000 + "]" * 1000 + "}"

    response = patch_text(ta, deelname, body.encode())

    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        problem_of(response, 400)
        assert_unchanged(ta, deelname, tp)


def test_a_huge_string_over_a_256_character_limit_is_400(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    body = with_consumer(documents=[{**DOCUMENT, "documentName": "x" * 60_000 + ".pdf"}])

    problem = problem_of(ta.patch(f"/associations/{deelname}", body), 400)

    assert pointers(problem) == ["/result/consumers/0/documents/0/documentName"]
    assert_unchanged(ta, deelname, tp)


def test_a_huge_comment_within_the_body_limit_is_kept(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    comment = "Opmerking. " * 5_000

    assert ta.patch(f"/associations/{deelname}", with_result(comment=comment)).status_code == 200

    assert result_of(ta, deelname)["comment"] == comment


def test_unicode_is_kept(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    text = "Ünïcödé — 试验 — עברית \u202e — 🙂 — e\u0301"
    body = with_consumer(irregularities=text, documents=[{**DOCUMENT, "documentName": f"{text}.pdf"}])

    assert ta.patch(f"/associations/{deelname}", body).status_code == 200

    block = result_of(ta, deelname)["consumers"][0]
    assert (block["irregularities"], block["documents"][0]["documentName"]) == (text, f"{text}.pdf")
    assert json.loads(history(tp, deelname)[-1].body) == body


@pytest.mark.parametrize(
    "content",
    [b'{"associationType": "componentOfferingAssociation", "result": {"comment": "\\ud800"}}', b'{"a": "\xff\xfe"}'],
    ids=["lone-surrogate", "invalid-utf-8"],
)
def test_text_that_is_not_unicode_is_400(tp: TP, stored: tuple[Peer, str], content: bytes) -> None:
    ta, deelname = stored

    problem_of(patch_text(ta, deelname, content), 400)

    assert_unchanged(ta, deelname, tp)


@pytest.mark.parametrize(
    "body", [with_result(comment="voor\u0000na"), with_result(**{"x-\u0000": True})], ids=["in-a-value", "in-a-name"]
)
def test_a_nul_character_is_kept_or_refused_never_a_500(tp: TP, stored: tuple[Peer, str], body: dict[str, Any]) -> None:
    # PostgreSQL's JSONB cannot hold \u0000: storing it there answered 500.
    ta, deelname = stored

    response = ta.patch(f"/associations/{deelname}", body)

    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert result_of(ta, deelname) == body["result"]
    else:
        assert_unchanged(ta, deelname, tp)


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (with_result(weight="heavy"), "/result/weight"),
        (with_consumer(rawScore="x"), "/result/consumers/0/rawScore"),
        (with_result(consumers={}), "/result/consumers"),
        (with_result(score=7.5), "/result/score"),
        (with_result(resultDate=20261208), "/result/resultDate"),
        (with_result(state=["completed"]), "/result/state"),
        (with_consumer(final="maybe"), "/result/consumers/0/final"),
        (with_consumer(final="true"), "/result/consumers/0/final"),
        (with_result(weight="100"), "/result/weight"),
        (with_consumer(rawScore="65"), "/result/consumers/0/rawScore"),
        (with_consumer(rawScore=65.0), "/result/consumers/0/rawScore"),
        (with_consumer(documents="doc-1"), "/result/consumers/0/documents"),
        (with_consumer(testDate="gisteren"), "/result/consumers/0/testDate"),
        (with_consumer(testDate="2026-12-01T09:00:00"), "/result/consumers/0/testDate"),
        ({"associationType": ASSOCIATION, "result": "completed"}, "/result"),
    ],
    ids=[
        "weight-heavy",
        "rawScore-x",
        "consumers-object",
        "score-number",
        "resultDate-number",
        "state-array",
        "final-maybe",
        "final-string-true",
        "weight-string",
        "rawScore-string-number",
        "rawScore-float",
        "documents-string",
        "testDate-text",
        "testDate-no-offset",
        "result-string",
    ],
)
def test_a_wrong_type_is_400_naming_the_field(tp: TP, stored: tuple[Peer, str], body: Any, pointer: str) -> None:
    ta, deelname = stored

    problem = problem_of(ta.patch(f"/associations/{deelname}", body), 400)

    assert pointer in pointers(problem)
    assert_unchanged(ta, deelname, tp)


def test_a_consumer_block_without_consumerKey_is_400(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored

    problem = problem_of(ta.patch(f"/associations/{deelname}", with_result(consumers=[{"attendance": "present"}])), 400)

    # The pointer names the block in the message, not where a merge would have put it.
    assert [p for p in pointers(problem) if p.endswith("/consumerKey")] == ["/result/consumers/0/consumerKey"]
    assert_unchanged(ta, deelname, tp)


def test_a_wrong_value_points_into_the_message_not_the_merged_result(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored
    blocks = [{"consumerKey": "x-other", "note": "kept"}, {"consumerKey": "nl-test-admin", "rawScore": "a"}]

    problem = problem_of(ta.patch(f"/associations/{deelname}", with_result(consumers=blocks)), 400)

    assert pointers(problem) == ["/result/consumers/1/rawScore"]  # merged, the nl-test-admin block stands first
    assert_unchanged(ta, deelname, tp)


@pytest.mark.parametrize("consumers", [{}, None, "nl-test-admin"], ids=["object", "null", "string"])
def test_a_draft_message_with_result_consumers_not_an_array_is_400(
    tp: TP, stored: tuple[Peer, str], consumers: Any
) -> None:
    # Moving the draft's attendance into result.consumers appended to whatever was there: 500.
    ta, deelname = stored
    body = {
        "associationType": ASSOCIATION,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "notPresent"}],
        "result": {"state": "completed", "consumers": consumers},
    }

    response = ta.patch(f"/associations/{deelname}", body)

    assert response.status_code == 400, response.text
    assert_unchanged(ta, deelname, tp)


def test_an_unknown_path_or_method_is_a_problem(tp: TP, stored: tuple[Peer, str]) -> None:
    ta, deelname = stored

    refused = ta.http.delete(f"/ooapi/associations/{deelname}", headers=ta.headers)
    problem_of(refused, 405)
    assert refused.headers["allow"] == "GET, PUT, PATCH"  # every method of the path, not one route's
    problem_of(ta.http.get("/ooapi/no-such-thing", headers=ta.headers), 404)
    assert_unchanged(ta, deelname, tp)


# --- generated hostile bodies -------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        "associationType",
        "result",
        "consumers",
        "consumerKey",
        "attendance",
        "state",
        "resultDate",
        "weight",
        "score",
        "pass",
        "documents",
        "documentId",
        "documentType",
        "documentName",
        "documentUrl",
        "rawScore",
        "testDate",
        "final",
        "additionalInfo",
        "ext",
        "__proto__",
    ]
)
#: No lone surrogates: they cannot be encoded (test_text_that_is_not_unicode_is_400 sends them as escapes).
CHARACTERS = st.characters(exclude_categories=["Cs"])
KEYS = KEYS | st.text(CHARACTERS, max_size=8)
TEXT = st.text(CHARACTERS, max_size=40)
STRINGS = TEXT | st.sampled_from(
    [
        "nl-test-admin",
        "MBO-toetsafname",
        "componentOfferingAssociation",
        "present",
        "absent",
        "in progress",
        "completed",
        "2026-12-01",
        "2026-12-01T10:00:00+01:00",
        "2026-02-30",
        "2026-12-01T99:99",
        "https://acme.com/x.pdf",
        "",
        "\u202e",
        "' OR 1=1 --",
        "nul \u0000 in text",
        "x" * 5_000,
    ]
)
NUMBERS = st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
SCALARS = st.none() | st.booleans() | NUMBERS | STRINGS
#: Nesting stays shallow (max_leaves); test_nesting_within_the_parsers_limit_is_not_a_500 goes deep.
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=25
)
DELETE = object()


def places(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document, as the path of keys and indexes that leads to it."""
    found = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found += places(item, (*prefix, key))
    return found


def at(document: Any, path: tuple[Any, ...]) -> Any:
    """The value at `path`, or DELETE when an earlier change made it unreachable."""
    for step in path:
        if (
            isinstance(document, dict)
            and step in document
            or isinstance(document, list)
            and isinstance(step, int)
            and step < len(document)
        ):
            document = document[step]
        else:
            return DELETE
    return document


PLACES = places(VALID)
OBJECT_PLACES = [()] + [p for p in PLACES if isinstance(at(VALID, p), dict)]


@st.composite
def mutated_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A valid flow 3 message with a few members added (TP ignores unknown ones), replaced or removed."""
    body = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 4))):
        change = draw(st.sampled_from(["add", "add", "replace", "remove"]))
        if change == "add":
            target = at(body, draw(st.sampled_from(OBJECT_PLACES)))
            if isinstance(target, dict):
                target[draw(KEYS)] = draw(JSON)
            continue
        *parents, last = draw(st.sampled_from(PLACES))
        parent = at(body, tuple(parents))
        if isinstance(parent, dict) and last in parent:
            if change == "remove":
                del parent[last]
            else:
                parent[last] = draw(JSON)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent) and change == "replace":
            parent[last] = draw(JSON)
    return body


#: Half of the bodies are near misses of a valid message, so that many get past validation to the store.
BODIES = st.one_of(mutated_messages(), mutated_messages(), st.dictionaries(KEYS, JSON, max_size=6), JSON)


@pytest.fixture
def target(tp: TP) -> tuple[Peer, str]:
    ta, deelname = ta_with_student(tp)
    assert ta.patch(f"/associations/{deelname}", VALID).status_code == 200
    return ta, deelname


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=BODIES, ascii_only=st.booleans())
def test_hostile_json_never_causes_a_5xx_and_a_refused_body_changes_nothing(
    target: tuple[Peer, str], body: Any, ascii_only: bool
) -> None:
    ta, deelname = target
    before = result_of(ta, deelname)

    response = patch_text(ta, deelname, json.dumps(body, ensure_ascii=ascii_only).encode("utf-8"))

    event(f"status {response.status_code}")
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == str(response.status_code)
        assert result_of(ta, deelname) == before
