"""Flow 6 at the reference DR: a TA reads a student's Opleidingsinschrijvingen for analysis.

Rules checked, with their sources (PDF 3.6):
- `GET /persons/{personId}/associations?associationType=programOffering`: programme enrolments only, course
  and test enrolments excluded; cancelled and finished ones included (a snapshot); paged.
- `expand=offering,offering.program,offering.organization` inlines them; `expand=person` is refused.
- Where the data is: crebo in `offering.program.otherCodes`, BOL/BBL in `modeOfStudy`, cohort and location
  in the offering's consumer block.
- Scope `nl-test-admin-flow-6`, for a TA client.
"""

from __future__ import annotations

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from tests.api_client import pointers, problem_of
from tests.dr_client import DR

EXPAND = "offering,offering.program,offering.organization"


def test_a_students_programme_enrolments_with_programme_and_organization(dr: DR) -> None:
    ta = dr.client(ClientRole.ta)
    jacob = school.STUDENTS["jacob"]
    page = ta.get(f"/persons/{jacob}/associations", associationType="programOffering", expand=EXPAND).json()
    [enrolment] = page["items"]  # Jacob's two Toetsinschrijvingen are left out
    assert enrolment["associationType"] == "programOfferingAssociation"
    assert enrolment["person"] == jacob
    offering = enrolment["offering"]
    assert offering["consumers"][0] == {"consumerKey": "nl-test-admin", "cohort": "2025-2026", "location": "Utrecht"}
    program = offering["program"]
    assert [c["code"] for c in program["otherCodes"] if c["codeType"] == "nationalEducationCode"] == ["25502"]
    assert program["modeOfStudy"] == "full-time" and program["levelOfQualification"] == "4"
    assert offering["organization"]["organizationId"] == school.COLLEGE
    assert page["hasNextPage"] is False


def test_ids_without_expand_and_finished_enrolments_included(dr: DR) -> None:
    ta = dr.client(ClientRole.ta)
    [enrolment] = ta.get(f"/persons/{school.STUDENTS['daan']}/associations").json()["items"]
    assert enrolment["state"] == "finished" and enrolment["offering"] == school.MECHATRONICA_2025
    assert enrolment["consumers"][0]["finalEndDate"] == "2026-01-31"


def test_expand_person_and_other_association_types_are_refused(dr: DR) -> None:
    ta = dr.client(ClientRole.ta)
    jacob = school.STUDENTS["jacob"]
    assert pointers(problem_of(ta.get(f"/persons/{jacob}/associations", expand="offering,person"), 400)) == [
        "/query/expand"
    ]
    refused = ta.get(f"/persons/{jacob}/associations", associationType="componentOffering")
    assert pointers(problem_of(refused, 400)) == ["/query/associationType"]
    problem_of(ta.get("/persons/unknown/associations"), 404)


def test_flow_6_needs_a_ta_client_with_its_scope(dr: DR) -> None:
    jacob = school.STUDENTS["jacob"]
    problem_of(dr.client(ClientRole.ta, scope={scopes.FLOW_0}).get(f"/persons/{jacob}/associations"), 403)
    problem_of(dr.client(ClientRole.tp).get(f"/persons/{jacob}/associations"), 403)
    problem_of(dr.client(ClientRole.ta).get(f"/persons/{jacob}"), 403)  # flow 1 is TP's
