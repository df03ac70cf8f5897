"""Flow 5 at the reference DR: TP returns results (PATCH 5.1) and extra attempts (PUT 5.2), judged strictly.

Rules checked, with their sources:
- PATCH carries associationType, result, and consumers{orgAssociationId, attempt}; executedOfferingName is
  mandatory; orgAssociationId is DR's Toetsinschrijving id: PDF 3.5.2, 3.5.3; docs/standard.md.
- The original enrolment is attempt 1; an extra attempt is its own association, created by PUT with a new
  id: PDF 3.5.2, 3.5.3.
- The score fits DR's resultValueType; `final` only when finalResultsAllowed: PDF Tabel 4.3.D, 4.2.A.
- 200 for a valid message on a cancelled or finished enrolment, and for an attempt beyond attemptLeft:
  PDF 3.5.2, 3.5.3, 5.1. 404 for an unknown id: PDF 3.1.2.1; docs/standard.md.
- Every accepted message is kept as received; the current result per enrolment and attempt is shown:
  docs/standard.md.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from tests.api_client import new_id, pointers, problem_of
from tests.dr_client import (
    DAAN_REKENEN,
    DR,
    FATIMA_REKENEN,
    JACOB_REKENEN,
    SANNE_NEDERLANDS,
    attempt_put,
    result_patch,
)


def test_a_result_patch_is_accepted_kept_and_shown_per_attempt(dr: DR) -> None:
    tp = dr.client()
    attendance = result_patch(JACOB_REKENEN, score=None)
    assert tp.patch(f"/associations/{JACOB_REKENEN}", attendance).status_code == 200
    response = tp.patch(f"/associations/{JACOB_REKENEN}", result_patch(JACOB_REKENEN, score="8.1"))
    assert response.status_code == 200, response.text

    shown = dr.results(JACOB_REKENEN)
    [first] = shown["attempts"]
    assert first["attempt"] == 1 and first["messages"] == 2
    assert first["result"]["state"] == "completed" and first["result"]["score"] == "8.1"
    assert first["reported"]["orgAssociationId"] == JACOB_REKENEN
    bodies = [json.loads(m.body) for m in dr.history(JACOB_REKENEN)]
    assert bodies == [attendance, result_patch(JACOB_REKENEN, score="8.1")]
    read = tp.get(f"/associations/{JACOB_REKENEN}").json()
    assert read["result"]["score"] == "8.1"  # flow 1 reads include the result DR has


def test_a_patch_to_an_unknown_enrolment_is_404(dr: DR) -> None:
    unknown = new_id()
    problem_of(dr.client().patch(f"/associations/{unknown}", result_patch(unknown)), 404)


def test_an_extra_attempt_is_a_new_association_linked_to_the_toetsinschrijving(dr: DR) -> None:
    tp = dr.client()
    retake = new_id()
    response = tp.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN, score="6.0"))
    assert response.status_code == 201, response.text
    again = tp.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN, score="6.2"))
    assert again.status_code == 200, again.text
    later = tp.patch(f"/associations/{retake}", result_patch(JACOB_REKENEN, attempt=2, score="6.4"))
    assert later.status_code == 200, later.text

    attempts = {a["attempt"]: a for a in dr.results(JACOB_REKENEN)["attempts"]}
    assert attempts[2]["associationId"] == retake and attempts[2]["createdBy"] == "tp"
    assert attempts[2]["result"]["score"] == "6.4" and attempts[2]["messages"] == 3
    assert attempts[1]["result"] is None


def test_an_unforeseen_attempt_is_accepted_and_noted(dr: DR) -> None:
    """Fatima has attemptLeft 0: TP may plan no retake, yet DR accepts one (PDF 3.5.3)."""
    retake = new_id()
    response = dr.client().put(f"/associations/{retake}", attempt_put(retake, FATIMA_REKENEN, score="5.0"))
    assert response.status_code == 201, response.text
    [message] = dr.history(retake)
    assert any("unforeseen attempt" in note for note in message.notes)


def test_an_attempt_beyond_one_extra_is_accepted_too(dr: DR) -> None:
    tp = dr.client()
    for attempt in (2, 3):
        retake = new_id()
        response = tp.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN, attempt=attempt))
        assert response.status_code == 201, response.text
    unlimited = new_id()
    assert tp.put(f"/associations/{unlimited}", attempt_put(unlimited, DAAN_REKENEN, attempt=5)).status_code == 201


def test_results_for_a_cancelled_or_finished_enrolment_are_accepted(dr: DR) -> None:
    tp = dr.client()
    dr.cancel(JACOB_REKENEN)
    dr.finish(DAAN_REKENEN)
    for enrolment in (JACOB_REKENEN, DAAN_REKENEN):
        response = tp.patch(f"/associations/{enrolment}", result_patch(enrolment))
        assert response.status_code == 200, response.text
    retake = new_id()
    assert tp.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN)).status_code == 201
    assert dr.results(JACOB_REKENEN)["state"] == "canceled"


def refused(dr: DR, enrolment: str, body: dict[str, object]) -> list[str]:
    return pointers(problem_of(dr.client().patch(f"/associations/{enrolment}", body), 400))


def test_the_mandatory_fields_of_a_result_patch_are_named(dr: DR) -> None:
    body = result_patch(JACOB_REKENEN)
    del body["associationType"]
    assert refused(dr, JACOB_REKENEN, body) == ["/associationType"]
    body = result_patch(JACOB_REKENEN)
    del body["consumers"][0]["orgAssociationId"]  # type: ignore[index]
    del body["consumers"][0]["attempt"]  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/consumers/0/orgAssociationId", "/consumers/0/attempt"]
    body = result_patch(JACOB_REKENEN)
    del body["result"]
    assert refused(dr, JACOB_REKENEN, body) == ["/result"]
    body = result_patch(JACOB_REKENEN)
    del body["result"]["consumers"][0]["executedOfferingName"]  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/result/consumers/0/executedOfferingName"]
    body = result_patch(JACOB_REKENEN)
    del body["result"]["consumers"][0]["attendance"]  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/result/consumers/0/attendance"]


def test_formats_and_enums_are_strict(dr: DR) -> None:
    body = result_patch(JACOB_REKENEN, testDate="2026-12-01")  # a date where a date-time belongs (PDF Tabel 4.3.D)
    assert refused(dr, JACOB_REKENEN, body) == ["/result/consumers/0/testDate"]
    body = result_patch(JACOB_REKENEN)
    body["result"]["resultDate"] = "2026-12-02T10:00:00+01:00"  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/result/resultDate"]
    body = result_patch(JACOB_REKENEN, attendance="absent")
    assert refused(dr, JACOB_REKENEN, body) == ["/result/consumers/0/attendance"]
    body = result_patch(JACOB_REKENEN)
    body["result"]["weight"] = 50  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/result/weight"]


def test_a_raw_score_is_any_integer(dr: DR) -> None:
    """Tabel 4.3.D bounds neither rawScore nor maxRawScore, and DR must accept what meets the standard (PDF
    3.5.3): a raw score above the maximum or below 0 is TA's to give. Only the type is judged."""
    for raw in (80, -5):
        body = result_patch(JACOB_REKENEN)
        body["result"]["consumers"][0] |= {"rawScore": raw, "maxRawScore": 75}  # type: ignore[index]
        assert dr.client().patch(f"/associations/{JACOB_REKENEN}", body).status_code == 200
    body["result"]["consumers"][0]["rawScore"] = "65"  # type: ignore[index]
    assert refused(dr, JACOB_REKENEN, body) == ["/result/consumers/0/rawScore"]


def test_null_and_an_empty_list_in_a_patch_remove_what_dr_holds(dr: DR) -> None:
    """PDF 4.0 (after Tabel 4.0.B): in a PATCH `null` removes a single value and `[]` a list, also where the
    schema allows neither; inside a consumer block too (merged by consumerKey). A no-show keeps no grade."""
    tp = dr.client()
    document = {"documentId": new_id(), "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}
    scored = result_patch(JACOB_REKENEN, assessorCode="JAJE", documents=[document])
    scored["result"]["comment"] = "Goed gedaan"  # type: ignore[index]
    assert tp.patch(f"/associations/{JACOB_REKENEN}", scored).status_code == 200
    no_show = result_patch(JACOB_REKENEN, attendance="notPresent", assessorCode=None, documents=[])
    no_show["result"] |= {"score": None, "pass": None, "comment": None}  # type: ignore[operator]
    no_show["result"]["consumers"][0] |= {"rawScore": None, "maxRawScore": None}  # type: ignore[index]
    response = tp.patch(f"/associations/{JACOB_REKENEN}", no_show)
    assert response.status_code == 200, response.text

    [attempt] = dr.results(JACOB_REKENEN)["attempts"]
    result = attempt["result"]
    assert not {"score", "pass", "comment"} & set(result), result
    assert sorted(result["consumers"][0]) == ["attendance", "consumerKey", "executedOfferingName", "final", "testDate"]
    assert result["consumers"][0]["attendance"] == "notPresent"


def test_the_patch_must_name_this_toetsinschrijving_and_its_attempt(dr: DR) -> None:
    other = result_patch(FATIMA_REKENEN)  # Fatima's id sent to Jacob's enrolment
    assert refused(dr, JACOB_REKENEN, other) == ["/consumers/0/orgAssociationId"]
    second = result_patch(JACOB_REKENEN, attempt=2)  # flow5.md's attempt 2 on the original (PDF 3.5.3)
    assert refused(dr, JACOB_REKENEN, second) == ["/consumers/0/attempt"]


def test_the_score_fits_the_result_value_type_and_final_is_obeyed(dr: DR) -> None:
    assert refused(dr, JACOB_REKENEN, result_patch(JACOB_REKENEN, score="7,5")) == ["/result/score"]
    assert refused(dr, JACOB_REKENEN, result_patch(JACOB_REKENEN, score="11")) == ["/result/score"]
    nederlands = result_patch(SANNE_NEDERLANDS, score="3F")
    assert dr.client().patch(f"/associations/{SANNE_NEDERLANDS}", nederlands).status_code == 200
    assert refused(dr, SANNE_NEDERLANDS, result_patch(SANNE_NEDERLANDS, score="7.5")) == ["/result/score"]
    final = result_patch(SANNE_NEDERLANDS, score="3F", final=True)  # finalResultAllowed false
    assert refused(dr, SANNE_NEDERLANDS, final) == ["/result/consumers/0/final"]
    assert dr.client().patch(f"/associations/{JACOB_REKENEN}", result_patch(JACOB_REKENEN, final=True)).is_success


def test_staff_and_programme_enrolments_receive_no_results(dr: DR) -> None:
    from oke.roles.deelnemerregistratie import school

    staff = school.STAFF_ENROLMENT
    assert refused(dr, staff, result_patch(staff)) == ["/result"]
    programme = school.OPLEIDINGSINSCHRIJVINGEN["jacob"]
    assert "/associationType" in refused(dr, programme, result_patch(programme))


def put_refused(dr: DR, association_id: str, body: dict[str, object]) -> list[str]:
    return pointers(problem_of(dr.client().put(f"/associations/{association_id}", body), 400))


def test_an_extra_attempt_must_be_a_new_id_of_an_existing_toetsinschrijving(dr: DR) -> None:
    own = attempt_put(JACOB_REKENEN, JACOB_REKENEN)  # the md/seed example: PUT on DR's own id
    assert put_refused(dr, JACOB_REKENEN, own) == ["/associationId"]
    retake = new_id()
    body = attempt_put(retake, JACOB_REKENEN)
    body["consumers"][0]["orgAssociationId"] = new_id()  # type: ignore[index]
    assert put_refused(dr, retake, body) == ["/consumers/0/orgAssociationId"]
    body = attempt_put(retake, JACOB_REKENEN)
    del body["consumers"][0]["orgAssociationId"]  # type: ignore[index]
    assert put_refused(dr, retake, body) == ["/consumers/0/orgAssociationId"]
    assert put_refused(dr, retake, attempt_put(retake, JACOB_REKENEN, attempt=1)) == ["/consumers/0/attempt"]
    assert put_refused(dr, retake, {**attempt_put(retake, JACOB_REKENEN), "associationId": new_id()}) == [
        "/associationId"
    ]


def test_an_extra_attempt_is_of_the_same_student_and_planbare_toets(dr: DR) -> None:
    retake = new_id()
    body = {**attempt_put(retake, JACOB_REKENEN), "person": new_id(), "offering": new_id()}
    assert put_refused(dr, retake, body) == ["/person", "/offering"]
    body = {**attempt_put(retake, JACOB_REKENEN), "role": "assessor", "state": "pending"}
    assert put_refused(dr, retake, body) == ["/role", "/state"]


def test_one_attempt_number_is_one_association(dr: DR) -> None:
    tp = dr.client()
    first, second = new_id(), new_id()
    assert tp.put(f"/associations/{first}", attempt_put(first, JACOB_REKENEN)).status_code == 201
    assert put_refused(dr, second, attempt_put(second, JACOB_REKENEN)) == ["/consumers/0/attempt"]


def test_the_1_1_fields_are_ignored_in_1_0_1_and_noted(dr: DR) -> None:
    body = result_patch(JACOB_REKENEN)
    body["consumers"][0]["planningState"] = "finished"  # type: ignore[index]
    assert dr.client().patch(f"/associations/{JACOB_REKENEN}", body).status_code == 200
    [message] = dr.history(JACOB_REKENEN)
    assert any(note.startswith("/consumers/0/planningState:") for note in message.notes)


def test_content_types_are_strict(dr: DR) -> None:
    tp = dr.client()
    raw = json.dumps(result_patch(JACOB_REKENEN)).encode()
    problem_of(tp.send("PATCH", f"/associations/{JACOB_REKENEN}", raw, "application/json"), 415)
    retake = new_id()
    raw = json.dumps(attempt_put(retake, JACOB_REKENEN)).encode()
    problem_of(tp.send("PUT", f"/associations/{retake}", raw, "application/merge-patch+json"), 415)


def test_the_operators_view_of_a_whole_school_comes_in_pages(dr: DR, dr_database_url: str) -> None:
    tp = dr.client()
    reported = sorted((JACOB_REKENEN, DAAN_REKENEN, FATIMA_REKENEN, SANNE_NEDERLANDS))
    for enrolment in reported:
        assert tp.patch(f"/associations/{enrolment}", result_patch(enrolment, score=None)).status_code == 200
    retake = new_id()
    assert tp.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN, score="6.0")).status_code == 201
    operator = dr.client(ClientRole.planner)
    pages, params = [], {"limit": "3"}
    while True:
        page = dr.http.get("/operator/results", params=params, headers=operator.headers).json()
        pages.append([item["enrolmentId"] for item in page["items"]])
        if page["next"] is None:
            break
        params["after"] = page["next"]
    assert pages == [reported[:3], reported[3:]]  # in id order, every one once
    answer = dr.http.get("/operator/results", params={"limit": 251}, headers=operator.headers)
    assert pointers(problem_of(answer, 400)) == ["/query/limit"]

    printed = CliRunner().invoke(oke, ["dr", "results", "--tenant", dr.tenant, "--database-url", dr_database_url])
    assert printed.exit_code == 0, printed.output
    shown = {item["enrolmentId"]: item for item in json.loads(printed.output)}
    assert sorted(shown) == reported
    assert [a["attempt"] for a in shown[JACOB_REKENEN]["attempts"]] == [1, 2]
