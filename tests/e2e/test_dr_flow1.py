"""Flow 1 at the reference DR: TP pulls the demo school (1a, 1b, context), and DR pushes it to a real TP.

Rules checked, with their sources:
- `GET /offerings?offeringType=component&since=&until=`: the offerings whose period overlaps the window,
  both ends inclusive, dates or date-times accepted; `component.componentType` keeps the offerings of a
  component of that type (every planbare toets is of a test): PDF 3.1.2.1, docs/standard.md.
- `expand`: comma-separated; `offering.program`, `offering.organization` on associations (PDF 3.1.2.1);
  unknown names refused with 400 naming `/query/expand`.
- Paging: `pageSize` one of 10/20/50/100/250, `pageNumber` >= 1, `hasNextPage`: Tabel 5.0.C.
- Push: PUT persons, offerings, associations to TP, and PATCH `state: canceled`: PDF 3.1.4; through
  DR's outbox in order (docs/standard.md).
"""

from __future__ import annotations

from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services import push
from tests.api_client import TP, Peer, pointers, problem_of
from tests.dr_client import DR, JACOB_REKENEN
from tests.e2e.test_chain_flow2 import eventually


def test_the_planbare_toetsen_of_a_period_are_listed(dr: DR) -> None:
    tp = dr.client()
    page = tp.get("/offerings", offeringType="component", since="2026-12-01", until="2026-12-31").json()
    assert {o["offeringId"] for o in page["items"]} == {school.TOETS_REKENEN, school.TOETS_NEDERLANDS}
    assert page["pageNumber"] == 1 and page["hasNextPage"] is False and page["hasPreviousPage"] is False
    planbare_toets = next(o for o in page["items"] if o["offeringId"] == school.TOETS_REKENEN)
    assert planbare_toets["component"] == school.REKENEN_2F and planbare_toets["resultExpected"] is True
    assert planbare_toets["resultValueType"] == "0.0-10.0"
    # the window's ends are inclusive: the toets ends on 18 December, starts on 2 November
    assert len(tp.get("/offerings", offeringType="component", since="2026-12-18").json()["items"]) == 2
    assert len(tp.get("/offerings", offeringType="component", until="2026-11-02").json()["items"]) == 2
    assert tp.get("/offerings", offeringType="component", since="2026-12-19").json()["items"] == []
    moment = tp.get("/offerings", offeringType="component", since="2026-12-19T00:00:00+01:00").json()
    assert moment["items"] == []
    tests = tp.get("/offerings", offeringType="component", **{"component.componentType": "test"}).json()
    assert len(tests["items"]) == 2


def test_component_type_keeps_the_offerings_of_a_component_of_that_type(dr: DR) -> None:
    tp = dr.client()

    def listed(**query: str) -> set[str]:
        return {o["offeringId"] for o in tp.get("/offerings", **query).json()["items"]}

    planbare_toetsen = {school.TOETS_REKENEN, school.TOETS_NEDERLANDS}
    assert len(listed()) == 4  # the Opleidingen too
    assert listed(**{"component.componentType": "test"}) == planbare_toetsen  # only a toets has a component
    assert listed(**{"component.componentType": "lecture"}) == set()  # valid OOAPI; every component is a test
    assert listed(offeringType="program", **{"component.componentType": "test"}) == set()
    wrong = problem_of(tp.get("/offerings", **{"component.componentType": "exam"}), 400)
    assert pointers(wrong) == ["/query/component.componentType"]


def test_all_offerings_page_by_page(dr: DR) -> None:
    tp = dr.client()
    everything = tp.get("/offerings", pageSize=100).json()["items"]
    assert len(everything) == 4
    seen: list[str] = []
    for number in (1, 2):
        page = tp.get("/offerings", pageSize=10, pageNumber=number).json()
        seen += [o["offeringId"] for o in page["items"]]
    assert seen == [o["offeringId"] for o in everything]
    assert pointers(problem_of(tp.get("/offerings", pageSize=7), 400)) == ["/query/pageSize"]
    assert pointers(problem_of(tp.get("/offerings", pageNumber=0), 400)) == ["/query/pageNumber"]
    assert pointers(problem_of(tp.get("/offerings", since="1 december"), 400)) == ["/query/since"]
    unencoded = problem_of(tp.get("/offerings", since="2026-12-19T00:00:00 01:00"), 400)  # a + sent as is
    assert "'2026-12-19T00:00:00 01:00'" in unencoded["detail"] and "%2B" in unencoded["detail"]


def test_an_offering_with_its_program_and_organization(dr: DR) -> None:
    tp = dr.client()
    opleiding = tp.get(f"/offerings/{school.MECHATRONICA_2025}", expand="program,organization").json()
    assert opleiding["program"]["primaryCode"]["code"] == "25502"
    assert opleiding["organization"]["organizationId"] == school.COLLEGE
    assert tp.get(f"/offerings/{school.TOETS_REKENEN}", expand="component").json()["component"] == school.REKENEN_2F
    assert pointers(problem_of(tp.get(f"/offerings/{school.TOETS_REKENEN}", expand="zitting"), 400)) == [
        "/query/expand"
    ]
    problem_of(tp.get("/offerings/unknown"), 404)


def test_the_toetsinschrijvingen_of_a_planbare_toets(dr: DR) -> None:
    tp = dr.client()
    page = tp.get(f"/offerings/{school.TOETS_REKENEN}/associations", role="student").json()
    enrolments = {a["associationId"]: a for a in page["items"]}
    assert set(enrolments) == {school.TOETSINSCHRIJVINGEN[(s, "rekenen")] for s in ("jacob", "fatima", "daan")}
    left = {a["associationId"]: a["consumers"][0].get("attemptLeft") for a in page["items"]}
    assert sorted(left.values(), key=str) == [0, 1, None]
    assert all(isinstance(a["person"], str) and a["consumers"][0]["attempt"] == 1 for a in page["items"])
    everyone = tp.get(f"/offerings/{school.TOETS_REKENEN}/associations", expand="person").json()["items"]
    assert len(everyone) == 4
    staff = next(a for a in everyone if a["role"] == "coordinator")
    assert staff["person"]["personId"] == school.COORDINATOR and "consumers" not in staff
    two = tp.get(f"/offerings/{school.TOETS_REKENEN}/associations", pageSize=10).json()
    assert two["totalPages"] == 1


def test_an_association_expanded_to_person_offering_and_program(dr: DR) -> None:
    tp = dr.client()
    plain = tp.get(f"/associations/{JACOB_REKENEN}").json()
    assert plain["person"] == school.STUDENTS["jacob"] and plain["offering"] == school.TOETS_REKENEN
    full = tp.get(f"/associations/{JACOB_REKENEN}", expand="person,offering").json()
    assert full["person"]["consumers"][0]["idCheckName"] == "Graaf, Jacob Adrianus van der"
    assert full["offering"]["offeringId"] == school.TOETS_REKENEN
    context = tp.get(
        f"/associations/{school.OPLEIDINGSINSCHRIJVINGEN['jacob']}", expand="offering.program,offering.organization"
    ).json()
    assert context["offering"]["program"]["programId"] == school.MECHATRONICA
    assert context["offering"]["organization"]["organizationId"] == school.COLLEGE


def test_persons_with_their_assigned_needs(dr: DR) -> None:
    fatima = dr.client().get(f"/persons/{school.STUDENTS['fatima']}").json()
    assert fatima["consumers"][0]["assignedNeeds"][0]["code"] == "ExtraTimeOnlyMath25%"
    problem_of(dr.client().get("/persons/unknown"), 404)


def test_groups_and_their_members_for_ad_hoc_planning(dr: DR) -> None:
    tp = dr.client()
    assert [g["groupId"] for g in tp.get("/groups", q="mt4a").json()["items"]] == [school.GROUP]
    assert tp.get("/groups", q="nergens").json()["items"] == []
    group = tp.get(f"/groups/{school.GROUP}", expand="organization").json()
    assert group["organization"]["shortName"] == "Techniek en Zorg"
    members = tp.get(f"/groups/{school.GROUP}/members").json()["items"]
    assert {m["personId"] for m in members} == {
        *(school.STUDENTS[s] for s in ("jacob", "fatima", "daan")),
        school.COORDINATOR,
    }
    problem_of(tp.get("/groups/unknown/members"), 404)


def test_the_organization_tree(dr: DR) -> None:
    tp = dr.client()
    college = tp.get(f"/organizations/{school.COLLEGE}", expand="parent").json()
    assert college["parent"]["organizationType"] == "root"
    root = tp.get(f"/organizations/{school.ROOT}", expand="children").json()
    assert [c["organizationId"] for c in root["children"]] == [school.COLLEGE]


def test_service_metadata_announces_1_0_1(dr: DR) -> None:
    metadata = dr.http.get("/ooapi/").json()
    assert metadata["supportedConsumers"] == [{"consumerKey": "nl-test-admin", "version": "1.0.1"}]


def connect_to_tp(dr: DR, tp: TP, tp_url: str | None = None) -> tuple[str, Peer]:
    """A DR client at TP, and DR's `peers` row for that TP (role tp, at `tp_url` when given); returns its name and
    TP's view as DR."""
    client = tp.register(ClientRole.dr)
    name = dr.configure_peer(f"tp@{dr.tenant}", "tp", tp_url or tp.url, client)
    return name, Peer(tp.http, tp.token(*client))


def test_dr_pushes_its_school_to_tp_and_cancels_there(dr: DR, tp: TP) -> None:
    name, at_tp = connect_to_tp(dr, tp)
    pushed = push.push_flow1(dr.uow(), name)
    assert (pushed.persons, pushed.offerings, pushed.associations) == (5, 4, 10)

    def held() -> bool:
        return all(at_tp.get(f"/associations/{e}").status_code == 200 for e in school.TOETSINSCHRIJVINGEN.values())

    eventually(held, seconds=30)
    for (_student, _test), enrolment in school.TOETSINSCHRIJVINGEN.items():
        found = at_tp.get(f"/associations/{enrolment}").json()
        assert found["consumers"][0]["attempt"] == 1
    assert at_tp.get(f"/offerings/{school.TOETS_REKENEN}").json()["resultValueType"] == "0.0-10.0"

    assert dr.cancel(JACOB_REKENEN) == [name]
    eventually(lambda: at_tp.get(f"/associations/{JACOB_REKENEN}").json()["state"] == "canceled", seconds=30)
