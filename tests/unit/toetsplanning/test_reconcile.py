"""Reconciliation's comparison (flows 3.4, 4.2): what of TA's state TP takes over, and what it keeps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from oke.roles.toetsplanning import reconcile
from oke.roles.toetsplanning.reconcile import Verdict, compare_result, differences, report_change


def result(state: str = "completed", date: str = "2026-06-21", score: str = "", **consumer: Any) -> dict[str, Any]:
    block = {"consumerKey": "nl-test-admin", "attendance": "present", **consumer}
    top = {"score": score} if score else {}
    return {"state": state, **top, "resultDate": date, "weight": 100, "consumers": [block]}


def report(irregularities: str = "Geen bijzonderheden.", *documents: str) -> dict[str, Any]:
    named = [{"documentId": d, "documentType": "sessionReport", "documentName": f"{d}.pdf"} for d in documents]
    return {"irregularities": irregularities, "documents": named}


def offering(block: dict[str, Any]) -> dict[str, Any]:
    return {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", **block}]}


def test_a_missing_result_is_taken_over() -> None:
    assert compare_result(None, result()) is Verdict.apply


def test_a_result_in_progress_gives_way_to_a_completed_one() -> None:
    assert compare_result(result("in progress"), result(score="7.0")) is Verdict.apply


def test_a_correction_with_another_score_is_taken_over() -> None:
    assert compare_result(result(score="6.0"), result(score="6.5")) is Verdict.apply


def test_the_same_result_changes_nothing() -> None:
    assert compare_result(result(score="7.0"), result(score="7.0")) is Verdict.same


def test_what_ta_leaves_out_is_not_a_difference() -> None:
    held = result(score="7.0") | {"comment": "kept by TP"}
    assert compare_result(held, result(score="7.0")) is Verdict.same  # the merge keeps the comment


def test_other_documents_are_a_difference() -> None:
    one = [{"documentId": "a", "documentType": "assessmentForm", "documentName": "a.pdf"}]
    other = [{"documentId": "b", "documentType": "assessmentForm", "documentName": "b.pdf"}]
    assert compare_result(result(documents=one), result(documents=other)) is Verdict.apply


def test_tp_keeps_a_newer_result() -> None:
    assert compare_result(result(score="7.0"), result("in progress")) is Verdict.kept  # completed beats in progress
    assert compare_result(result(date="2026-06-22"), result(date="2026-06-21", score="5.0")) is Verdict.kept
    assert compare_result(result(final=True), result(final=False)) is Verdict.kept  # confirmed stays confirmed


def test_no_result_at_ta_gives_nothing() -> None:
    assert compare_result(result(), None) is Verdict.none
    assert compare_result(None, {}) is Verdict.none


def test_differences_report_both_sides_and_delete_nothing() -> None:
    held = {"same": result(), "missing": None, "newer": result(), "only-tp": result(), "staff": None}
    at_ta = {
        "same": result(),
        "missing": result("in progress"),
        "newer": result("in progress"),
        "staff": None,
        "only-ta": result(),
        "only-ta-empty": None,
    }
    found = differences(held, at_ta)
    assert found.results == {"missing": result("in progress")}
    assert found.kept == ["newer"]
    assert found.unknown_at_ta == ["only-tp"]
    assert found.unknown_at_tp == ["only-ta"]  # a participation TA has without a result is no news


def test_a_missing_or_longer_report_is_taken_over() -> None:
    verdict, change = report_change(None, offering(report("Afwezig: x.", "pv")))
    assert verdict is Verdict.apply and change == report("Afwezig: x.", "pv")
    verdict, change = report_change(report("Geen."), offering(report("Geen.", "pv")))
    assert verdict is Verdict.apply and change["documents"][0]["documentId"] == "pv"


def test_the_same_report_changes_nothing() -> None:
    assert report_change(report("Geen.", "pv"), offering(report("Geen.", "pv"))) == (Verdict.same, {})


def test_tp_keeps_a_report_with_more_than_ta_has() -> None:
    assert report_change(report("Geen.", "pv", "list"), offering(report("Geen.", "pv")))[0] is Verdict.kept
    assert report_change(report("Geen.", "pv"), offering({"irregularities": "Anders."}))[0] is Verdict.kept


def test_an_offering_without_a_report_gives_nothing() -> None:
    assert report_change(report("Geen."), {"offeringType": "component"}) == (Verdict.none, {})
    assert report_change(None, offering({"offeringState": "active"})) == (Verdict.none, {})


def nested(levels: int) -> dict[str, Any]:
    deep: dict[str, Any] = {}
    for _ in range(levels):
        deep = {"x": deep}
    return deep


class StubTa:
    """A TA client that serves one session: its offering, and its associations in one listing page."""

    name, base_url = "ta-stub", "https://ta.example/ooapi"

    def __init__(self, offering: dict[str, Any], associations: list[dict[str, Any]]) -> None:
        self.offering, self.associations = offering, associations

    def client(self, _peer: str) -> StubTa:
        return self

    def get_json(self, path: str) -> Any:
        assert path == "/offerings/z-1", path  # the listing gives every result: no single read
        return self.offering

    def pages(self, _path: str) -> Iterator[dict[str, Any]]:
        yield from self.associations


def test_what_ta_serves_nested_too_deep_or_with_a_nul_is_refused_and_the_rest_taken_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TA's state is judged as TA's message would be (`check_document`): a result 500 levels deep ended the
    reconciliation with a TypeError (orjson's recursion limit), and nothing of the session was taken over."""
    held = reconcile._Held("s1", "ta-stub", None, {"deep": None, "nul": None, "fine": None})
    monkeypatch.setattr(reconcile, "_read_held", lambda *_args: held)
    deep = result() | {"ext": nested(500)}
    ta = StubTa(
        offering({"irregularities": "A\x00B"}),
        [
            {"associationId": "deep", "role": "student", "result": deep},
            {"associationId": "nul", "role": "student", "result": result(comment="A\x00B")},
            {"associationId": "fine", "role": "student", "result": result()},
        ],
    )
    applied: list[str] = []

    def write(call: Any) -> Verdict:
        applied.append(call.args[1])
        return Verdict.apply

    summary = reconcile.reconcile_zitting(ta, lambda: None, write, "z-1")  # type: ignore[arg-type]
    assert applied == ["fine"] and summary.updated == ["fine"] and not summary.report_updated
    assert [(r.object_id, r.reason) for r in summary.refused] == [
        ("deep", "/: the body nests deeper than 64 levels"),
        ("nul", "/result/consumers/0/comment: contains a NUL character (\\u0000)"),
        ("z-1", "/consumers/0/irregularities: contains a NUL character (\\u0000)"),
    ]
