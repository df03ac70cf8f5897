"""Flow 3 at TP: how attendance and results from TA are merged, and which messages are refused.

Rules checked, with their sources:
- Partial and repeated updates (attendance first, score later; a completed result may be replaced):
  PDF §3.3.2, Tabel 4.3.D (`state`).
- PATCH is a merge patch; `null` removes one value; consumer blocks merge by `consumerKey`, so a
  score correction keeps the documents and assessor: PDF ch. 4; docs/standard.md.
- A valid message on a cancelled participation or session is accepted, never 400: PDF §3.3.3
  (Aanvullende eis), §5.2; TP marks it in the history (docs/standard.md).
- All calls are repeatable: PDF §3.2.2 (a delivery is a "standlevering"), Tabel 4.3.D.
- Mandatory `associationType` and `result`; `result.resultDate`; `consumers[].attendance` from
  AttendanceType; staff participations carry no result: PDF §3.3.1, §3.3.3, Tabel 4.3.D, 4.3.E.
- Unknown id → 404; a Deelname of another TA or school is unknown to the caller; errors are
  `application/problem+json` with `status` a string: PDF ch. 5 (Tabel 5.0.D).
"""

from __future__ import annotations

from typing import Any

import pytest

from oke.auth.caller import ClientRole
from tests.api_client import TP, Peer, history, new_id, pointers, problem_of, ta_with_student

ASSOCIATION = "componentOfferingAssociation"
DOCUMENT = {"documentId": "doc-1", "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}


def message(**result: Any) -> dict[str, Any]:
    return {"associationType": ASSOCIATION, "result": result}


def nl(**fields: Any) -> list[dict[str, Any]]:
    """A `consumers` list with one nl-test-admin block."""
    return [{"consumerKey": "nl-test-admin", **fields}]


ATTENDANCE = message(state="in progress", resultDate="2026-12-01", weight=100, consumers=nl(attendance="present"))
SCORE = message(
    **{"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-08"},
    consumers=nl(assessorId="a-1", assessorCode="JAJE", rawScore=65, maxRawScore=75, documents=[DOCUMENT]),
)


def result_of(ta: Peer, deelname: str) -> dict[str, Any] | None:
    response = ta.get(f"/associations/{deelname}")
    assert response.status_code == 200, response.text
    return response.json().get("result")


def accepted(ta: Peer, deelname: str, body: dict[str, Any]) -> None:
    response = ta.patch(f"/associations/{deelname}", body)
    assert response.status_code == 200, response.text


def test_attendance_first_then_the_score_are_merged(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)

    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)

    assert result_of(ta, deelname) == {
        "state": "completed",
        "pass": "passed",
        "score": "7.5",
        "resultDate": "2026-12-08",
        "weight": 100,
        "consumers": nl(
            attendance="present",
            assessorId="a-1",
            assessorCode="JAJE",
            rawScore=65,
            maxRawScore=75,
            documents=[DOCUMENT],
        ),
    }


def test_a_correction_of_the_score_keeps_documents_and_assessor(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)

    accepted(ta, deelname, message(score="8.0", consumers=nl(rawScore=70)))

    result = result_of(ta, deelname)
    assert result is not None
    assert result["score"] == "8.0"
    assert result["consumers"] == nl(
        attendance="present", assessorId="a-1", assessorCode="JAJE", rawScore=70, maxRawScore=75, documents=[DOCUMENT]
    )


def test_a_completed_result_is_replaced_by_a_corrected_one(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    first = {**SCORE["result"], "pass": "failed", "score": "5.0", "consumers": nl(attendance="present")}
    accepted(ta, deelname, message(**first))

    corrected = {**first, "pass": "passed", "score": "6.0", "comment": "item 12 vervallen"}
    accepted(ta, deelname, message(**corrected))

    result = result_of(ta, deelname)
    assert result is not None
    assert (result["state"], result["pass"], result["score"], result["comment"]) == (
        "completed",
        "passed",
        "6.0",
        "item 12 vervallen",
    )


def test_any_number_of_partial_updates_are_merged(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)

    for n in range(1, 13):
        accepted(ta, deelname, message(comment=f"update {n}", consumers=nl(rawScore=n)))
    accepted(ta, deelname, message(state="completed", score="9"))

    result = result_of(ta, deelname)
    assert result == {
        "state": "completed",
        "score": "9",
        "comment": "update 12",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": nl(attendance="present", rawScore=12),
    }
    assert len(history(tp, deelname, "3")) == 14


def test_null_removes_a_single_field(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE | {"result": {**SCORE["result"], "comment": "te verwijderen"}})

    accepted(ta, deelname, message(comment=None, consumers=nl(assessorCode=None)))

    result = result_of(ta, deelname)
    assert result is not None
    assert "comment" not in result
    assert result["consumers"] == nl(
        attendance="present", assessorId="a-1", rawScore=65, maxRawScore=75, documents=[DOCUMENT]
    )
    assert result["score"] == "7.5"


def test_a_result_on_a_cancelled_deelname_is_accepted_and_noted(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/deelnames/{deelname}/cancel").status_code == 204

    accepted(ta, deelname, ATTENDANCE)

    assert result_of(ta, deelname) == ATTENDANCE["result"]
    assert ta.get(f"/associations/{deelname}").json()["state"] == "canceled"
    [row] = history(tp, deelname, "3")
    assert "received while the participation is canceled" in row.notes


def test_a_result_on_a_cancelled_zitting_is_accepted_and_noted(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    planned = tp.plan("ta-x", students=1)
    deelname = planned["deelnames"][0]["deelnameId"]
    planner = tp.peer(ClientRole.planner)
    assert planner.post_planning(f"/zittingen/{planned['zittingId']}/cancel").status_code == 204

    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)

    assert result_of(ta, deelname) is not None
    for row in history(tp, deelname, "3"):
        assert "received while the session is canceled" in row.notes
        assert "received while the participation is canceled" in row.notes


def test_a_replayed_message_is_accepted_and_changes_nothing(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)
    before = result_of(ta, deelname)

    accepted(ta, deelname, SCORE)

    assert result_of(ta, deelname) == before
    rows = history(tp, deelname, "3")
    assert len(rows) == 3
    assert rows[1].body == rows[2].body


def test_a_draft_attendance_message_does_not_turn_a_completed_result_back(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)

    accepted(ta, deelname, {"consumers": [{"consumerKey": "MBO-toetsafname", "attendance": "notFinished"}]})

    result = result_of(ta, deelname)
    assert result is not None
    assert (result["state"], result["resultDate"], result["score"]) == ("completed", "2026-12-08", "7.5")
    assert result["consumers"][0]["attendance"] == "notFinished"


def test_a_completed_result_turned_back_to_in_progress_is_taken_and_noted(tp: TP) -> None:
    """Messages apply in order; going back is rare enough (a late message, more often than a reopened test) that
    the history and the answer to TA say so."""
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)
    accepted(ta, deelname, SCORE)
    back = ta.patch(f"/associations/{deelname}", ATTENDANCE)
    assert back.status_code == 200, back.text
    assert "the result went back from completed to in progress" in back.text
    assert (result_of(ta, deelname) or {})["state"] == "in progress"
    assert (
        "the result went back from completed to in progress, as this message says"
        in history(tp, deelname, "3")[-1].notes
    )


@pytest.mark.parametrize("role", ["coordinator", "assessor"])
def test_a_staff_participation_takes_no_result(tp: TP, role: str) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    planned = tp.plan("ta-x", students=1, staff=(role,))
    staff = next(d["deelnameId"] for d in planned["deelnames"] if d["role"] == role)

    problem = problem_of(ta.patch(f"/associations/{staff}", ATTENDANCE), 400)

    reason = f"a participation as {role} carries no result"
    assert problem["invalidParams"] == [{"pointer": "/result", "reason": reason}]
    assert result_of(ta, staff) is None


def test_associationType_is_required(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)

    problem = problem_of(ta.patch(f"/associations/{deelname}", {"result": ATTENDANCE["result"]}), 400)

    assert pointers(problem) == ["/associationType"]
    assert result_of(ta, deelname) is None


def test_result_is_required(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)

    problem = problem_of(ta.patch(f"/associations/{deelname}", {"associationType": ASSOCIATION}), 400)

    assert pointers(problem) == ["/result"]


def test_attendance_must_be_an_attendance_type(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    accepted(ta, deelname, ATTENDANCE)

    problem = problem_of(ta.patch(f"/associations/{deelname}", message(consumers=nl(attendance="absent"))), 400)

    assert "/result/consumers/0/attendance" in pointers(problem)
    assert "/result/consumers/0/attendance" in problem["detail"]
    assert result_of(ta, deelname) == ATTENDANCE["result"]


def test_a_second_nl_test_admin_block_is_refused_not_merged_over_the_first(tp: TP) -> None:
    """Blocks merge by consumerKey: the second would silently win, field by field (a walkthrough found
    `notPresent` forwarded from two blocks that said `present` first)."""
    ta, deelname = ta_with_student(tp)
    two = message(**ATTENDANCE["result"])
    two["result"]["consumers"] = nl(attendance="present") + nl(attendance="notPresent")

    problem = problem_of(ta.patch(f"/associations/{deelname}", two), 400)

    assert problem["invalidParams"] == [
        {"pointer": "/result/consumers/1", "reason": "a second nl-test-admin block; send one"}
    ]
    assert result_of(ta, deelname) is None


def test_the_first_message_needs_a_resultDate(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    without_date = {k: v for k, v in ATTENDANCE["result"].items() if k != "resultDate"}

    problem = problem_of(ta.patch(f"/associations/{deelname}", message(**without_date)), 400)

    assert pointers(problem) == ["/result/resultDate"]
    assert result_of(ta, deelname) is None


def test_a_refused_message_leaves_no_history(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)

    assert ta.patch(f"/associations/{deelname}", message(consumers=nl(attendance="absent"))).status_code == 400

    assert history(tp, deelname, "3") == []


def test_an_unknown_deelname_is_404(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")

    problem_of(ta.patch(f"/associations/{new_id()}", ATTENDANCE), 404)


def test_a_deelname_of_another_ta_is_unknown_and_keeps_its_result(tp: TP) -> None:
    ta, deelname = ta_with_student(tp, peer="ta-x")
    accepted(ta, deelname, ATTENDANCE)
    other = tp.peer(ClientRole.ta, peer="ta-y")

    problem_of(other.patch(f"/associations/{deelname}", SCORE), 404)
    problem_of(other.get(f"/associations/{deelname}"), 404)

    assert result_of(ta, deelname) == ATTENDANCE["result"]


def test_a_deelname_of_another_school_is_unknown_and_keeps_its_result(tp: TP) -> None:
    ta, deelname = ta_with_student(tp, peer="ta-x")
    accepted(ta, deelname, ATTENDANCE)
    other_school = tp.peer(ClientRole.ta, peer="ta-x", tenant=f"{tp.tenant}-other")

    problem_of(other_school.patch(f"/associations/{deelname}", SCORE), 404)
    problem_of(other_school.get(f"/associations/{deelname}"), 404)

    assert result_of(ta, deelname) == ATTENDANCE["result"]
    assert len(history(tp, deelname, "3")) == 1


def test_ta_lists_the_participations_whose_result_is_in_a_state(tp: TP) -> None:
    """`result-state` (OfferingAssociationCollection) was ignored: every participation came, staff too."""
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    planned = tp.plan("ta-x", students=3)
    zitting, (done, busy, _) = planned["zittingId"], [d["deelnameId"] for d in planned["deelnames"]]
    accepted(ta, done, ATTENDANCE)
    accepted(ta, done, SCORE)
    accepted(ta, busy, ATTENDANCE)

    def listed(**query: str) -> list[str]:
        response = ta.get(f"/offerings/{zitting}/associations", **query)
        assert response.status_code == 200, response.text
        return [item["associationId"] for item in response.json()["items"]]

    assert listed(**{"result-state": "completed"}) == [done]
    assert listed(**{"result-state": "in progress"}) == [busy]
    assert listed(**{"result-state": "queued"}) == []


def test_a_listing_filter_outside_its_enum_is_400(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    zitting = tp.plan("ta-x", students=1)["zittingId"]
    for name in ("result-state", "state", "role"):
        problem = problem_of(ta.get(f"/offerings/{zitting}/associations", **{name: "bogus"}), 400)
        assert pointers(problem) == [f"/query/{name}"]
