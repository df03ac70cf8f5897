"""DR's changes after planning, end to end with TP, the reference TA and the reference DR: a changed person
reaches TA in the planned Deelname (PDF 3.1, 3.2 "Deelname wijzigen"), and an enrolment DR moves to another
planbare toets leaves the session of the old one (docs/planning.md)."""

from __future__ import annotations

from typing import Any

from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from tests.api_client import TP
from tests.dr_client import DR, FATIMA_REKENEN, JACOB_REKENEN
from tests.e2e.test_chain_flow2 import eventually, states
from tests.e2e.test_chain_flow5 import attempts_at_dr, chain, plan, ta_reports
from tests.ta_client import TA

JACOB = school.STUDENTS["jacob"]
EXTRA_TIME = {"code": "ExtraTime30Min", "description": [{"language": "nl-NL", "value": "30 minuten extra"}]}


def renamed_jacob() -> dict[str, Any]:
    person = next(p for p in school.persons() if p["personId"] == JACOB)
    block = person["consumers"][0]
    block |= {"idCheckName": "Graaf-Bos, Jacob Adrianus van der", "assignedNeeds": [EXTRA_TIME]}
    return person | {"surname": "Graaf-Bos", "displayName": "Graaf-Bos, Jacob van der"}


def test_a_person_dr_changes_after_planning_reaches_ta_once(tp: TP, ta: TA, dr: DR) -> None:
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])
    zitting, deelname = planned["zittingId"], planned["deelnames"][0]["deelnameId"]
    at_ta = c.at_ta.get(f"/associations/{deelname}", expand="person").json()
    assert "additionalTimeInMin" not in at_ta["consumers"][0]

    person = renamed_jacob()
    assert c.as_dr.put(f"/persons/{JACOB}", person).status_code == 200
    at_ta = eventually(
        lambda: (
            (a := c.at_ta.get(f"/associations/{deelname}", expand="person").json())["person"]["surname"] == "Graaf-Bos"
            and a
        ),
        seconds=30,
    )
    assert at_ta["person"]["consumers"][0]["idCheckName"] == "Graaf-Bos, Jacob Adrianus van der"
    assert "assignedNeeds" not in at_ta["person"]["consumers"][0]  # flow 1 only
    assert at_ta["consumers"][0]["additionalTimeInMin"] == 30
    assert at_ta["state"] == "associated"

    [received] = tp.history(deelname, flow="1")
    assert received.method == "PUT" and received.notes == [f"sent to TA again: DR changed person {JACOB}"]

    sent = states(tp, zitting)
    assert c.as_dr.put(f"/persons/{JACOB}", person).status_code == 200  # DR repeats itself: TA gets nothing new
    assert states(tp, zitting) == sent


def test_an_enrolment_dr_moves_to_another_toets_leaves_the_old_session(tp: TP, ta: TA, dr: DR) -> None:
    """The Deelname TA has not reported on is cancelled at TA; TA's result of the old test, for the one it has
    reported on, is held for an operator rather than sent to DR as a result of the new toets."""
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": e} for e in (JACOB_REKENEN, FATIMA_REKENEN)])
    jacob, fatima = (d["deelnameId"] for d in planned["deelnames"])
    block = {"consumerKey": "nl-test-admin", "attendance": "present"}
    result = {"state": "completed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100, "consumers": [block]}
    ta_reports(c, fatima, result)

    move = {"associationType": "componentOfferingAssociation", "offering": school.TOETS_NEDERLANDS}
    for enrolment in (JACOB_REKENEN, FATIMA_REKENEN):
        assert c.as_dr.patch(f"/associations/{enrolment}", move).status_code == 200

    eventually(lambda: c.at_ta.get(f"/associations/{jacob}").json()["state"] == "canceled", seconds=30)
    [received] = tp.history(jacob, flow="1")
    assert received.notes == [
        f"cancelled at TA: DR moved Toetsinschrijving {JACOB_REKENEN} to planbare toets {school.TOETS_NEDERLANDS}"
    ]
    eventually(lambda: (attempts_at_dr(c, FATIMA_REKENEN)[0]["result"] or {}).get("score") == "7.5", seconds=30)
    ta_reports(c, fatima, {"score": "7.1", "comment": "Gecorrigeerd."})  # TA corrects the old test's score

    [held] = c.tp.peer(ClientRole.planner).get_planning("/results", state="held").json()["items"]
    assert (held["deelnameId"], held["toetsinschrijvingId"]) == (fatima, FATIMA_REKENEN)
    assert held["reason"].startswith(f"DR's Toetsinschrijving is now for planbare toets {school.TOETS_NEDERLANDS}")
    assert c.as_ta.get(f"/associations/{fatima}").json()["state"] == "associated"  # TA reported: not cancelled
    assert [m for m in c.dr.history(FATIMA_REKENEN) if "7.1" in m.body] == []


def test_a_person_dr_corrects_replaces_the_snapshot_ta_refused_and_unblocks_the_session(tp: TP, ta: TA, dr: DR) -> None:
    """TA refuses a Person it cannot take (parked, holding up the session's later messages); DR's correction is
    a newer snapshot of the same Deelname, which supersedes the parked one and reaches TA."""
    c = chain(tp, ta, dr)
    planned = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])
    zitting, deelname = planned["zittingId"], planned["deelnames"][0]["deelnameId"]
    person = renamed_jacob()
    # TP refuses at intake what it knows TA refuses in a Person (docs/planning.md); a second nl-test-admin block
    # it takes (the first one counts), the reference TA refuses: "send one".
    twice = person | {"consumers": [*person["consumers"], {"consumerKey": "nl-test-admin"}]}
    assert c.as_dr.put(f"/persons/{JACOB}", twice).status_code == 200
    eventually(lambda: states(tp, zitting)[-1] == "parked", seconds=30)

    assert c.as_dr.put(f"/persons/{JACOB}", person).status_code == 200
    eventually(lambda: states(tp, zitting)[-2:] == ["superseded", "delivered"], seconds=30)
    at_ta = c.at_ta.get(f"/associations/{deelname}", expand="person").json()
    assert at_ta["person"]["surname"] == "Graaf-Bos"
