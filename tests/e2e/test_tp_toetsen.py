"""A planner finds what to plan: DR's planbare toetsen as TP holds them (flow 1), and each one's
Toetsinschrijvingen with whether an attempt is planned. Paged; another school's planner sees none of them."""

from __future__ import annotations

from typing import Any

from oke.auth.caller import ClientRole
from tests.api_client import TP, dr_enrols, dr_sends_toets, problem_of, zitting_offering


def listing(tp: TP, path: str, **params: Any) -> dict[str, Any]:
    answer = tp.peer(ClientRole.planner).get_planning(path, **params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def every_page(tp: TP, path: str, limit: int) -> list[dict[str, Any]]:
    items, after = [], None
    while True:
        page = listing(tp, path, limit=limit, **({"after": after} if after else {}))
        items += page["items"]
        if (after := page["next"]) is None:
            return items


def test_the_planner_lists_the_planbare_toetsen_with_their_open_enrolments(tp: TP) -> None:
    toets = dr_sends_toets(tp, value_type="pass-or-fail", startDate="2026-12-01", endDate="2026-12-31")
    for _ in range(2):
        dr_enrols(tp, toets)
    empty = dr_sends_toets(tp)

    items = {item["planbareToetsId"]: item for item in listing(tp, "/toetsen")["items"]}

    assert set(items) == {toets, empty}
    assert items[toets] == {
        "planbareToetsId": toets,
        "name": "Rekenen 2F, ochtend",
        "primaryCode": "REK-2F-0914",
        "state": "active",
        "tests": [zitting_offering()["component"]],
        "resultValueType": "pass-or-fail",
        "startDate": "2026-12-01",
        "endDate": "2026-12-31",
        "enrolments": 2,
    }
    assert items[empty]["enrolments"] == 0
    assert [item["planbareToetsId"] for item in every_page(tp, "/toetsen", limit=1)] == sorted(items)
    assert tp.peer(ClientRole.planner, tenant="another-school").get_planning("/toetsen").json() == {
        "items": [],
        "next": None,
    }


def test_the_planner_lists_a_toets_enrolments_and_sees_which_are_planned(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    sent = [dr_enrols(tp, toets, attempt=1, attempt_left=2) for _ in range(3)]
    plan = {
        "taPeer": tp.configure_ta("ta-x"),
        "planbareToetsId": toets,
        "offering": zitting_offering(),
        "participants": [{"toetsinschrijvingId": sent[0].enrolment}],
    }
    assert tp.peer(ClientRole.planner).post_planning("/zittingen", plan).status_code == 201

    items = every_page(tp, f"/toetsen/{toets}/toetsinschrijvingen", limit=2)

    assert [item["toetsinschrijvingId"] for item in items] == sorted(e.enrolment for e in sent)
    by_id = {item["toetsinschrijvingId"]: item for item in items}
    assert by_id[sent[0].enrolment] == {
        "toetsinschrijvingId": sent[0].enrolment,
        "personId": sent[0].student,
        "displayName": "Damme, Maartje van",
        "role": "student",
        "state": "associated",
        "attempt": 1,
        "attemptLeft": 2,
        "planned": True,
    }
    assert [by_id[e.enrolment]["planned"] for e in sent[1:]] == [False, False]


def test_an_enrolment_dr_gave_no_attempt_is_listed_as_attempt_1_as_tp_plans_it(tp: TP) -> None:
    """Found by a DR vendor: the listing showed no attempt, where TP takes it as attempt 1 (docs/vendors.md)."""
    sent = dr_enrols(tp)
    without = {
        "associationType": "componentOfferingAssociation",
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": None}],
    }
    assert tp.peer(ClientRole.dr).patch(f"/associations/{sent.enrolment}", without).status_code == 200

    [item] = listing(tp, f"/toetsen/{sent.toets}/toetsinschrijvingen")["items"]

    assert item["attempt"] == 1


def test_an_unknown_toets_or_another_schools_is_404(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    path = f"/toetsen/{toets}/toetsinschrijvingen"
    problem = problem_of(tp.peer(ClientRole.planner, tenant="another-school").get_planning(path), 404)
    assert problem["detail"] == f"TP has no planbare toets {toets} from DR (flow 1)"
    assert tp.peer(ClientRole.planner).get_planning("/toetsen/nope/toetsinschrijvingen").status_code == 404
    assert tp.peer(ClientRole.planner).get_planning("/toetsen", limit=0).status_code == 400
