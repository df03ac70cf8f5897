"""The result chain end to end, with TP, the reference TA and the reference DR as three real servers: DR pushes
its enrolments (flow 1), TP plans them at TA (flow 2), TA's results (flow 3) reach DR through TP (flow 5):
the enrolment's own attempt by PATCH, a retake by PUT of a new association (PDF 3.5.2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services import push
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import dr_document_id
from tests.api_client import TP, Peer, zitting_offering
from tests.dr_client import DAAN_REKENEN, DR, FATIMA_REKENEN, JACOB_REKENEN
from tests.e2e.test_chain_flow2 import connect, eventually
from tests.e2e.test_chain_results import delivered, run
from tests.e2e.test_dr_flow1 import connect_to_tp
from tests.ta_client import TA, run_until_one_is_absent

REKENEN = [JACOB_REKENEN, FATIMA_REKENEN, DAAN_REKENEN]


@dataclass(frozen=True)
class Chain:
    tp: TP
    ta: TA
    dr: DR
    at_ta: Peer  # TP's view of TA
    as_ta: Peer  # TA's client at TP
    as_dr: Peer  # DR's client at TP


def chain(
    tp: TP, ta: TA, dr: DR, dr_url: str | None = None, *, ta_url: str | None = None, tp_url: str | None = None
) -> Chain:
    """TP, TA and DR as peers of each other; DR's school pushed to TP (flow 1) and held there.
    TP calls DR at `dr_url` and TA at `ta_url`, TA and DR call TP at `tp_url`, when given (e.g. a fault proxy)."""
    at_ta = connect(tp, ta, base_url=ta_url, tp_url=tp_url)
    name, as_dr = connect_to_tp(dr, tp, tp_url)
    tp.configure_dr("dr-real", dr_url or dr.url, client=dr.register(ClientRole.tp))
    push.push_flow1(dr.uow(), name)
    eventually(lambda: all(as_dr.get(f"/associations/{e}").status_code == 200 for e in REKENEN), seconds=30)
    return Chain(tp, ta, dr, at_ta, tp.peer(ClientRole.ta, peer="ta-real"), as_dr)


def plan(
    c: Chain, participants: list[dict[str, Any]], toets: str = school.TOETS_REKENEN, **offering: Any
) -> dict[str, Any]:
    """A Zitting of DR's planbare toets (Rekenen 2F) at TA; its test, name and code come from the toets."""
    session = {k: v for k, v in zitting_offering(**offering).items() if k not in ("primaryCode", "name", "component")}
    body = {
        "taPeer": c.tp.peer_name("ta-real"),
        "planbareToetsId": toets,
        "offering": session,
        "participants": participants,
    }
    response = c.tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert response.status_code == 201, response.text
    planned = dict(response.json())
    zitting = planned["zittingId"]
    eventually(
        lambda: (
            len(c.at_ta.get(f"/offerings/{zitting}/associations", pageSize=20).json().get("items", []))
            == len(participants)
        )
    )
    return planned


def sent_to_dr(c: Chain) -> bool:
    """Whether TP's flow 5 outbox is empty of pending work (nothing parked)."""
    with c.tp.session_factory() as session:
        query = select(OutboxMessage.state).where(OutboxMessage.tenant == c.tp.tenant, OutboxMessage.kind == "flow5")
        states = set(session.scalars(query))
    assert "parked" not in states, "DR refused a flow 5 message"
    return bool(states) and states <= {"delivered", "superseded"}


def attempts_at_dr(c: Chain, enrolment: str) -> list[dict[str, Any]]:
    return list(c.dr.results(enrolment)["attempts"])


def test_a_run_sessions_results_reach_dr_in_their_newest_state(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])
    ran = run(ta, planned["zittingId"], seed=5)
    eventually(lambda: delivered(ta), seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)

    by_deelname = {d["deelnameId"]: d for d in planned["deelnames"]}
    enrolment_of = dict(zip([d["deelnameId"] for d in planned["deelnames"]], REKENEN, strict=True))
    for outcome in ran["outcomes"]:
        enrolment = enrolment_of[outcome["association_id"]]
        [attempt] = attempts_at_dr(c, enrolment)
        result = attempt["result"]
        assert attempt["attempt"] == 1 and attempt["createdBy"] == "dr"
        assert result["state"] == "completed"
        block = result["consumers"][0]
        assert block["attendance"] == outcome["attendance"]
        assert block["executedOfferingName"] == "Rekenen 2F, periode 2"  # the session's name, from DR's toets
        assert result.get("score") == (outcome["corrected_score"] or outcome["score"])
        bodies = [json.loads(m.body) for m in c.dr.history(enrolment)]
        states = [b["result"]["state"] for b in bodies]
        assert states == sorted(states, key=["in progress", "completed"].index)  # never back to an older state
        assert by_deelname[outcome["association_id"]]["attempt"] == 1
        for document in block.get("documents", []):  # DR fetches them from TP (3.3, 5)
            fetched = eventually(
                lambda d=document: (r := c.as_dr.get(f"/documents/{d['documentId']}")).is_success and r
            )
            assert fetched.content.startswith(b"%PDF-")


def ta_reports(c: Chain, deelname: str, result: dict[str, Any]) -> None:
    """TA's flow 3 PATCH of a Deelname's result, sent by TA's client straight to TP (no run at TA)."""
    body = {"associationType": "componentOfferingAssociation", "result": result}
    answer = c.as_ta.patch(f"/associations/{deelname}", body)
    assert answer.status_code == 200, answer.text


def test_attendance_then_score_then_a_correction_each_reach_dr(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)
    deelname = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])["deelnames"][0]["deelnameId"]

    block = {"consumerKey": "nl-test-admin", "attendance": "present", "testDate": "2026-12-01T09:40:00+01:00"}
    ta_reports(c, deelname, {"state": "in progress", "resultDate": "2026-12-01", "weight": 100, "consumers": [block]})
    eventually(lambda: attempts_at_dr(c, JACOB_REKENEN)[0]["result"] is not None, seconds=30)
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"]["state"] == "in progress"

    ta_reports(
        c, deelname, {"state": "completed", "pass": "passed", "score": "7.5", "consumers": [block | {"rawScore": 30}]}
    )
    eventually(lambda: attempts_at_dr(c, JACOB_REKENEN)[0]["result"].get("score") == "7.5", seconds=30)
    ta_reports(c, deelname, {"score": "7.1", "comment": "Gecorrigeerd: een vraag is vervallen."})
    eventually(lambda: attempts_at_dr(c, JACOB_REKENEN)[0]["result"].get("score") == "7.1", seconds=30)
    assert [json.loads(m.body)["result"].get("score") for m in c.dr.history(JACOB_REKENEN)] == [None, "7.5", "7.1"]


def test_a_correction_to_a_no_show_removes_the_score_and_pass_at_dr(tp: TP, ta: TA, dr: DR) -> None:
    """DR merges each PATCH, so the snapshot TP sent without score and pass left the grade at DR of a student TA
    corrected to absent; TP sends them as null (PDF 4.0, after Tabel 4.0.B) and DR removes them."""
    c = chain(tp, ta, dr)
    deelname = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])["deelnames"][0]["deelnameId"]
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "rawScore": 30, "maxRawScore": 40}
    scored = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100}
    ta_reports(c, deelname, scored | {"consumers": [block]})
    eventually(lambda: (attempts_at_dr(c, JACOB_REKENEN)[0]["result"] or {}).get("score") == "7.5", seconds=30)

    absent = {"consumerKey": "nl-test-admin", "attendance": "notPresent", "rawScore": None, "maxRawScore": None}
    ta_reports(c, deelname, {"score": None, "pass": None, "consumers": [absent]})
    eventually(lambda: attempts_at_dr(c, JACOB_REKENEN)[0]["result"]["consumers"][0]["attendance"] == "notPresent")
    eventually(lambda: sent_to_dr(c), seconds=30)
    result = attempts_at_dr(c, JACOB_REKENEN)[0]["result"]
    assert "score" not in result and "pass" not in result, result
    assert result["state"] == "completed"
    assert not {"rawScore", "maxRawScore"} & set(result["consumers"][0])


def test_a_session_run_again_leaves_a_student_now_absent_without_the_score_of_the_run_before(
    tp: TP, ta: TA, dr: DR
) -> None:
    """TA's result of the second run removes what its first set: else TP and DR, merging, kept the score and pass
    beside the new attendance (`attendance: notStarted` with `score: "5.9"`, `pass: "passed"`)."""
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])
    before, attendance = run_until_one_is_absent(partial(run, ta, planned["zittingId"]))
    eventually(lambda: delivered(ta), seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)
    enrolment = dict(zip([d["deelnameId"] for d in planned["deelnames"]], REKENEN, strict=True))
    deelname = before["association_id"]
    gone = {"score", "pass", "comment"}, {"rawScore", "maxRawScore", "documents"}
    at_tp = c.as_ta.get(f"/associations/{deelname}").json()["result"]
    [at_dr] = attempts_at_dr(c, enrolment[deelname])
    for result in (at_tp, at_dr["result"]):
        assert result["state"] == "completed" and result["consumers"][0]["attendance"] == attendance
        assert not gone[0] & set(result) and not gone[1] & set(result["consumers"][0]), result


def test_a_comment_and_documents_ta_removes_are_removed_at_dr(tp: TP, ta: TA, dr: DR) -> None:
    """A list is removed by `[]`, a single value by `null` (PDF 4.0), also inside the nl-test-admin block."""
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])
    deelname = planned["deelnames"][0]["deelnameId"]
    document_id = ta.store_document(planned["zittingId"], deelname, data=b"%PDF-1.4\n%%EOF\n")
    document = {"documentId": document_id, "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "assessorCode": "JAJE", "documents": [document]}
    scored = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100}
    ta_reports(c, deelname, scored | {"comment": "Goed gedaan", "consumers": [block]})
    eventually(
        lambda: (attempts_at_dr(c, JACOB_REKENEN)[0]["result"] or {}).get("comment") == "Goed gedaan", seconds=30
    )
    for_dr = document | {"documentId": dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)}
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"]["consumers"][0]["documents"] == [for_dr]

    removed = {"consumerKey": "nl-test-admin", "assessorCode": None, "documents": []}
    ta_reports(c, deelname, {"comment": None, "consumers": [removed]})
    eventually(lambda: "comment" not in attempts_at_dr(c, JACOB_REKENEN)[0]["result"], seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)
    result = attempts_at_dr(c, JACOB_REKENEN)[0]["result"]
    assert result["score"] == "7.5"
    assert not {"assessorCode", "documents"} & set(result["consumers"][0]), result


def test_a_retake_reaches_dr_as_a_put_of_attempt_2(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)
    first = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])
    run(ta, first["zittingId"], seed=1)
    retake = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN, "extraAttempt": True}])
    assert retake["deelnames"][0]["attempt"] == 2
    run(ta, retake["zittingId"], seed=2)
    eventually(lambda: delivered(ta), seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)

    own, extra = attempts_at_dr(c, JACOB_REKENEN)
    assert (own["attempt"], own["associationId"]) == (1, JACOB_REKENEN)
    assert extra["attempt"] == 2 and extra["createdBy"] == "tp" and extra["associationId"] != JACOB_REKENEN
    [put, *later] = c.dr.history(extra["associationId"])
    assert put.method == "PUT"
    body = json.loads(put.body)
    assert body["consumers"][0] == {"consumerKey": "nl-test-admin", "orgAssociationId": JACOB_REKENEN, "attempt": 2}
    assert {m.method for m in later} <= {"PUT"}  # every update of the attempt to the same id


def test_two_participations_of_one_attempt_leave_dr_the_newest_ones_result(tp: TP, ta: TA, dr: DR) -> None:
    """The planner moved Jacob to another session, and cancelled that one too; TA reports on both after all. DR's
    enrolment holds one result of attempt 1: the first one's while it is the only one, then the newest one's alone
    (what only the first one sent removed); a later correction of the first one is held, not sent."""
    c = chain(tp, ta, dr)
    planner = c.tp.peer(ClientRole.planner)
    first = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])["deelnames"][0]["deelnameId"]
    moved = planner.post_planning(f"/deelnames/{first}/move", {"zittingId": plan(c, [])["zittingId"]})
    assert moved.status_code == 201, moved.text
    again = moved.json()["deelnameId"]
    assert planner.post_planning(f"/deelnames/{again}/cancel").status_code == 204

    block = {"consumerKey": "nl-test-admin", "attendance": "present", "rawScore": 30, "maxRawScore": 40}
    scored = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100}
    ta_reports(c, first, scored | {"comment": "Goed gedaan", "consumers": [block]})
    eventually(lambda: (attempts_at_dr(c, JACOB_REKENEN)[0]["result"] or {}).get("score") == "7.5", seconds=30)
    absent = {"consumerKey": "nl-test-admin", "attendance": "notPresent"}
    ta_reports(c, again, {"state": "completed", "resultDate": "2026-12-01", "weight": 100, "consumers": [absent]})
    ta_reports(c, first, {"score": "7.8"})

    eventually(lambda: sent_to_dr(c), seconds=30)
    [attempt] = attempts_at_dr(c, JACOB_REKENEN)
    result = attempt["result"]
    assert not {"score", "pass", "comment"} & set(result), result
    assert result["consumers"][0]["attendance"] == "notPresent"
    assert not {"rawScore", "maxRawScore"} & set(result["consumers"][0]), result
    [held] = planner.get_planning("/results", state="held").json()["items"]
    assert held["deelnameId"] == first and f"participation {again}" in held["reason"]


def test_an_enrolment_dr_cancels_after_planning_is_cancelled_at_ta_and_not_run(tp: TP, ta: TA, dr: DR) -> None:
    """Spec reference 8 (Cancel): DR's cancel reaches TA through TP, which removes the student's person data and
    no longer expects them; the others sit the test and their results reach DR."""
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in (JACOB_REKENEN, FATIMA_REKENEN)])
    jacob, fatima = (d["deelnameId"] for d in planned["deelnames"])

    dr.cancel(JACOB_REKENEN)  # pushed to TP by DR's outbox

    at_ta = eventually(
        lambda: (a := c.at_ta.get(f"/associations/{jacob}", expand="person").json())["state"] == "canceled" and a,
        seconds=30,
    )
    assert at_ta["person"] == school.STUDENTS["jacob"]  # the id only: TA removed the person data
    ran = run(ta, planned["zittingId"], seed=5)
    assert [o["association_id"] for o in ran["outcomes"]] == [fatima]
    eventually(lambda: delivered(ta), seconds=30)
    eventually(lambda: sent_to_dr(c), seconds=30)
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"] is None
    assert attempts_at_dr(c, FATIMA_REKENEN)[0]["result"]["state"] == "completed"


def test_an_ad_hoc_sessions_results_never_reach_dr(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)
    planned = c.tp.plan("ta-real", students=2, component=school.REKENEN_2F)
    eventually(lambda: len(c.at_ta.get(f"/offerings/{planned['zittingId']}/associations").json().get("items", [])) == 2)
    run(ta, planned["zittingId"], seed=3)
    eventually(lambda: delivered(ta), seconds=30)
    eventually(
        lambda: all(c.as_ta.get(f"/associations/{d['deelnameId']}").json().get("result") for d in planned["deelnames"])
    )
    with c.tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.tenant == c.tp.tenant, OutboxMessage.kind == "flow5")
        assert session.scalars(query).all() == []


def test_a_score_that_does_not_fit_drs_scale_is_held_with_its_reason(tp: TP, ta: TA, dr: DR) -> None:
    """TA scores a level ("B1") where DR's Rekenen 2F expects 0.0-10.0: held, until an operator gives a grade."""
    c = chain(tp, ta, dr)
    deelname = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])["deelnames"][0]["deelnameId"]
    block = {"consumerKey": "nl-test-admin", "attendance": "present"}
    result = {"state": "completed", "score": "B1", "resultDate": "2026-12-01", "weight": 100, "consumers": [block]}
    body = {"associationType": "componentOfferingAssociation", "result": result}
    assert c.as_ta.patch(f"/associations/{deelname}", body).status_code == 200

    planner = c.tp.peer(ClientRole.planner)
    [held] = planner.get_planning("/results", state="held").json()["items"]
    assert held["deelnameId"] == deelname
    assert "'B1'" in held["reason"] and "0.0-10.0" in held["reason"]
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"] is None  # nothing reached DR
    given = planner.post_planning(f"/results/{deelname}/score", {"score": "6.5"})
    assert given.status_code == 200, given.text
    eventually(lambda: (attempts_at_dr(c, JACOB_REKENEN)[0]["result"] or {}).get("score") == "6.5", seconds=30)
    assert planner.get_planning("/results", state="held").json()["items"] == []
