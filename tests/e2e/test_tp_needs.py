"""A student's needs within what the test allows: TA's catalogue (flow 0) lists the aids a test allows
(`availablePersonalNeeds`) and the most extra time (`additionalTestingTime`, PDF Tabel 4.1.A). What TA does not get
in full is told to the planner, when planned, when the session changes and when DR changes the person
(docs/planning.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP, dr_enrols, person, ta_lists_test, zitting_offering

NOT_SPOKEN = (
    "asks for 'spoken', which the session's test does not allow (TA's catalogue: availablePersonalNeeds extraTime)"
)


def plan(tp: TP, ta: str, enrolment: str, **offering: Any) -> dict[str, Any]:
    """A session of Rekenen 2F (PT40M) at TA `ta` for one Toetsinschrijving; the planner's answer."""
    body = {
        "taPeer": tp.configure_ta(ta),
        "offering": zitting_offering(**offering),
        "participants": [{"toetsinschrijvingId": enrolment}],
    }
    answer = tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def sent_to_ta(tp: TP, deelname: str) -> list[Any]:
    """The consumers of each PUT of the Deelname queued for TA, superseded ones too."""
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.path == f"/associations/{deelname}")
        return [m.body.get("consumers") for m in session.scalars(query.order_by(OutboxMessage.id))]


def needs(extra: int, *aids: str) -> list[dict[str, Any]]:
    return [{"consumerKey": "nl-test-admin", "additionalTimeInMin": extra, "personalNeeds": sorted(aids)}]


def test_what_the_test_does_not_allow_is_told_to_the_planner_not_sent(tp: TP) -> None:
    """TA's catalogue allows extra time only, at most 15 minutes: "Voorlezen" is not sent and 30 minutes are cut to
    15, both told in the answer and the Deelname's history. Where TP has not read TA's catalogue, it cannot tell,
    and plans what the needs give."""
    unread = dr_enrols(tp, needs=("Voorlezen", "ExtraTime30Min"))
    [deelname] = plan(tp, "ta-y", unread.enrolment)["deelnames"]
    assert deelname["warnings"] == []
    assert sent_to_ta(tp, deelname["deelnameId"]) == [needs(30, "extraTime", "spoken")]

    ta_lists_test(tp, tp.peer_name("ta-x"), availablePersonalNeeds=["extraTime"], additionalTestingTime=15)
    sent = dr_enrols(tp, needs=("Voorlezen", "ExtraTime30Min"))
    [deelname] = plan(tp, "ta-x", sent.enrolment)["deelnames"]
    warnings = [
        f"student {sent.student}: assigned need 'Voorlezen' {NOT_SPOKEN}: not sent to TA",
        f"student {sent.student}: assigned need 'ExtraTime30Min' gives 30 minutes of extra time, more than the "
        "session's test allows (TA's catalogue: additionalTestingTime 15): TA gets 15 minutes",
    ]
    assert deelname["warnings"] == warnings
    assert sent_to_ta(tp, deelname["deelnameId"]) == [needs(15, "extraTime")]
    assert [row.notes for row in tp.history(deelname["deelnameId"])] == [warnings]


def test_a_test_without_extra_time_gets_none(tp: TP) -> None:
    """`additionalTestingTime: 0` (the reference TA's practical exam): no `extraTime` without minutes."""
    ta_lists_test(tp, tp.peer_name("ta-x"), availablePersonalNeeds=["extraTime", "spoken"], additionalTestingTime=0)
    sent = dr_enrols(tp, needs=("ExtraTime30Min",))
    [deelname] = plan(tp, "ta-x", sent.enrolment)["deelnames"]
    assert deelname["warnings"] == [
        f"student {sent.student}: assigned need 'ExtraTime30Min' asks for 'extraTime', which the session's test does "
        "not allow (TA's catalogue: additionalTestingTime 0): not sent to TA"
    ]
    assert sent_to_ta(tp, deelname["deelnameId"]) == [[{"consumerKey": "nl-test-admin"}]]


def test_a_changed_session_tells_the_planner_of_the_needs_ta_no_longer_gets(tp: TP) -> None:
    """25% of 40 minutes is 10; of 80 minutes 20, more than the test's 15; of a session without `duration`,
    nothing. Each change sends TA the Deelname again and tells the planner why it lacks extra time."""
    ta_lists_test(tp, tp.peer_name("ta-x"), additionalTestingTime=15)
    sent = dr_enrols(tp, needs=("ExtraTime25%",))
    zitting, [deelname] = (planned := plan(tp, "ta-x", sent.enrolment))["zittingId"], planned["deelnames"]
    deelname_id = deelname["deelnameId"]
    assert deelname["warnings"] == []
    planner = tp.peer(ClientRole.planner)

    longer = {"consumers": [{"consumerKey": "nl-test-admin", "duration": "PT80M"}]}
    changed = planner.patch_planning(f"/zittingen/{zitting}", longer).json()
    capped = (
        f"student {sent.student}: assigned need 'ExtraTime25%' gives 20 minutes of extra time, more than the session's "
        "test allows (TA's catalogue: additionalTestingTime 15): TA gets 15 minutes"
    )
    assert (changed["deelnamesSent"], changed["warnings"]) == ([deelname_id], [capped])

    untimed = {"consumers": [{"consumerKey": "nl-test-admin", "duration": None}]}
    changed = planner.patch_planning(f"/zittingen/{zitting}", untimed).json()
    no_duration = (
        f"student {sent.student}: assigned need 'ExtraTime25%' is a percentage of the session's duration, which the "
        "session does not give: not sent to TA"
    )
    assert (changed["deelnamesSent"], changed["warnings"]) == ([deelname_id], [no_duration])
    assert sent_to_ta(tp, deelname_id) == [
        needs(10, "extraTime"),
        needs(15, "extraTime"),
        [{"consumerKey": "nl-test-admin"}],
    ]
    noted = [(row.flow, row.method, row.notes) for row in tp.history(deelname_id)]
    assert noted == [("planning", "PATCH", [capped]), ("planning", "PATCH", [no_duration])]


def test_a_need_dr_adds_that_ta_does_not_get_is_noted_without_sending_again(tp: TP) -> None:
    """DR adds a need TP cannot translate, then one the test does not allow: what TA gets is the same, so nothing is
    sent, but each is noted for the planner once. When DR then renames the person, TA gets the Deelname again, and
    the note says all TA does not get."""
    ta_lists_test(tp, tp.peer_name("ta-x"), availablePersonalNeeds=["extraTime"])
    sent = dr_enrols(tp, needs=("ExtraTime10Min",))
    deelname = plan(tp, "ta-x", sent.enrolment)["deelnames"][0]["deelnameId"]
    dr = tp.peer(ClientRole.dr)

    def dr_puts(*codes: str, **changes: Any) -> None:
        body = person(sent.student, **changes)
        body["consumers"][0]["assignedNeeds"] = [
            {"code": code, "description": [{"language": "nl-NL", "value": code}]} for code in codes
        ]
        assert dr.put(f"/persons/{sent.student}", body).status_code == 200

    koptelefoon = f"student {sent.student}: assigned need 'Koptelefoon' has no flow 2 equivalent: not sent to TA"
    voorlezen = f"student {sent.student}: assigned need 'Voorlezen' {NOT_SPOKEN}: not sent to TA"
    dr_puts("ExtraTime10Min", "Koptelefoon")
    dr_puts("ExtraTime10Min", "Koptelefoon")  # DR repeats itself: nothing new
    dr_puts("ExtraTime10Min", "Koptelefoon", "Voorlezen")
    assert sent_to_ta(tp, deelname) == [needs(10, "extraTime")]
    assert [row.notes for row in tp.history(deelname, flow="1")] == [[koptelefoon], [voorlezen]]

    dr_puts("ExtraTime10Min", "Koptelefoon", "Voorlezen", surname="Dam")
    assert sent_to_ta(tp, deelname) == [needs(10, "extraTime")] * 2
    last = tp.history(deelname, flow="1")[-1]
    assert last.notes == [f"sent to TA again: DR changed person {sent.student}", koptelefoon, voorlezen]
