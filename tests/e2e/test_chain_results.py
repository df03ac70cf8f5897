"""Flows 3 and 4 end to end: the reference TA runs a session TP planned, and attendance, results with their
assessment forms, and the session report reach TP by themselves through TA's outbox (PDF 3.3,
3.4; attendance first, then the result: 3.3.2)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP, Peer, history
from tests.e2e.test_chain_flow2 import connect, eventually
from tests.ta_client import TA

STUDENTS = 5


def planned_at_ta(tp: TP, ta: TA, at_ta: Peer) -> dict[str, Any]:
    """A session of five students planned at TP, once TA has it with every participation."""
    planned = tp.plan("ta-real", students=STUDENTS, component=REKENEN_2F)
    zitting = planned["zittingId"]
    eventually(
        lambda: (
            (r := at_ta.get(f"/offerings/{zitting}/associations", pageSize=10)).status_code == 200
            and len(r.json()["items"]) == STUDENTS
        )
    )
    return planned


def run(ta: TA, zitting: str, seed: int) -> dict[str, Any]:
    operator = ta.client(ClientRole.planner)
    response = operator.http.post(f"/operator/sessions/{zitting}/run", params={"seed": seed}, headers=operator.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def delivered(ta: TA) -> bool:
    """Whether TA's outbox has sent everything queued (nothing pending or parked; a newer report replaces one)."""
    with ta.session_factory() as session:
        query = select(OutboxMessage.state).where(OutboxMessage.tenant == ta.tenant)
        states = set(session.scalars(query))
    assert "parked" not in states
    return "delivered" in states and states <= {"delivered", "superseded"}


def test_a_run_session_reports_attendance_results_and_the_session_report_to_tp(tp: TP, ta: TA) -> None:
    at_ta = connect(tp, ta)
    planned = planned_at_ta(tp, ta, at_ta)
    zitting = planned["zittingId"]
    ran = run(ta, zitting, seed=7)
    assert len(ran["outcomes"]) == STUDENTS
    eventually(lambda: delivered(ta), seconds=30)

    as_ta = tp.peer(ClientRole.ta, peer="ta-real")
    for outcome in ran["outcomes"]:
        deelname = outcome["association_id"]
        result = as_ta.get(f"/associations/{deelname}").json()["result"]
        consumer = result["consumers"][0]
        assert consumer["attendance"] == outcome["attendance"]
        bodies = [json.loads(m.body) for m in history(tp, deelname) if m.method == "PATCH"]
        states = [b["result"]["state"] for b in bodies]
        assert states[0] == "in progress"  # attendance first
        assert bodies[0]["result"]["consumers"][0]["attendance"] == outcome["attendance"]
        if outcome["attendance"] != "present":  # complete without a score: TP knows the attendance is final
            assert states == ["in progress", "completed"]
            assert result["state"] == "completed" and "score" not in result
            continue
        assert states == ["in progress", "completed"] + (["completed"] if outcome["corrected_score"] else [])
        assert result["state"] == "completed"
        assert result["score"] == outcome["corrected_score"] or outcome["score"]
        assert result["pass"] in ("passed", "failed")
        assert 0 <= consumer["rawScore"] <= consumer["maxRawScore"]
        [document] = consumer["documents"]
        assert document["documentType"] == "assessmentForm" and document["documentId"]
        at_ta_read = at_ta.get(f"/associations/{deelname}").json()  # TA's own read (3.4) shows it too
        assert at_ta_read["result"]["score"] == result["score"]

    offering = as_ta.get(f"/offerings/{zitting}").json()
    report = offering["consumers"][0]
    assert report["irregularities"]
    [session_report] = report["documents"]
    assert session_report["documentType"] == "sessionReport"
    assert at_ta.get(f"/documents/{session_report['documentId']}").content.startswith(b"%PDF-")


def test_the_same_seed_gives_the_same_scores(tp: TP, ta: TA) -> None:
    at_ta = connect(tp, ta)
    zitting = planned_at_ta(tp, ta, at_ta)["zittingId"]
    first, again = run(ta, zitting, seed=42), run(ta, zitting, seed=42)
    assert first["outcomes"] == again["outcomes"]
    assert any(o["score"] for o in first["outcomes"])
    eventually(lambda: delivered(ta), seconds=30)
    as_ta = tp.peer(ClientRole.ta, peer="ta-real")
    for outcome in again["outcomes"]:
        result = as_ta.get(f"/associations/{outcome['association_id']}").json()["result"]
        assert result.get("score") == (outcome["corrected_score"] or outcome["score"])
