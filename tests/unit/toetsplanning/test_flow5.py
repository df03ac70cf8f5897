"""The bodies of flow 5 (`flow5.message`): what a PATCH removes at DR, that a PUT carries no null, and the
testDate TP fills in (PDF 4.0 after Tabel 4.0.B, PDF 3.5.3)."""

from __future__ import annotations

from typing import Any

import orjson

from oke.roles.toetsplanning import flow5

OWN = flow5.Attempt("enrolment", "enrolment", 1, extra=False, person_id="p", planbare_toets_id="t")
EXTRA = flow5.Attempt("retake", "enrolment", 2, extra=True, person_id="p", planbare_toets_id="t")
SESSION = flow5.Session(name="Rekenen 2F", start="2026-12-01T09:00:00+01:00", end="2026-12-01T10:00:00+01:00")


def result(**fields: Any) -> dict[str, Any]:
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "irregularities": "stroomstoring"}
    scored = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100}
    return {k: v for k, v in (scored | {"consumers": [block]} | fields).items() if v is not None}


def message(attempt: flow5.Attempt, ta_result: dict[str, Any], *, version: str = flow5.V1_0_1, **kw: Any) -> Any:
    return flow5.message(version, attempt, SESSION, ta_result, score=ta_result.get("score"), final_allowed=True, **kw)


def no_show() -> dict[str, Any]:
    """TA took back the score, its pass and the irregularities: no outcome any more."""
    absent = {"consumerKey": "nl-test-admin", "attendance": "notPresent"}
    return result(score=None, state="in progress", consumers=[absent], **{"pass": None})


def test_a_patch_removes_what_the_body_before_set_and_the_result_lost() -> None:
    before = message(OWN, result())
    body = message(OWN, no_show(), before=before)
    assert (body["result"]["score"], body["result"]["pass"]) == (None, None)
    assert body["result"]["consumers"][0]["irregularities"] is None
    assert body["consumers"] == before["consumers"]  # the association's block is unchanged: nothing to remove


def test_a_put_replaces_the_whole_association_and_carries_no_null() -> None:
    before = message(EXTRA, result())
    body = message(EXTRA, no_show(), before=before)
    assert b"null" not in orjson.dumps(body)
    assert "score" not in body["result"]


def test_in_the_draft_1_1_a_result_no_longer_there_is_removed_with_its_details() -> None:
    """1.1 sends attendance alone without a result: a result sent before is removed by `result: null`."""
    before = message(OWN, result(), version=flow5.V1_1)
    body = message(OWN, no_show(), version=flow5.V1_1, before=before)
    assert body["result"] is None
    assert body["consumers"][0]["testMomentEnrollmentDetails"]["irregularities"] is None


def test_testdate_is_tas_or_else_the_sessions_start() -> None:
    assert message(OWN, result())["result"]["consumers"][0]["testDate"] == SESSION.start
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "testDate": "2026-12-01T09:12:00+01:00"}
    sent = message(OWN, result(consumers=[block]))
    assert sent["result"]["consumers"][0]["testDate"] == "2026-12-01T09:12:00+01:00"
