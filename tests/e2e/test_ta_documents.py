"""Access links (flow 2.7) and documents (flow 3.3) of the reference TA.

Rules checked, with their sources:
- `GET /associations/{associationId}/url` answers 200 with a JSON string, the start link of that
  participation, for students and staff alike (a coordinator starts the session, an assessor fills in
  the form): PDF 3.2.2 "Toegangslink ophalen", YAML `listAssociationUrl`.
- `GET /documents/{documentId}` answers the file's bytes (`application/octet-stream` in the YAML, or
  the file's own type), for the TP the document was made for; files are never embedded and are fetched
  by id: PDF 3.3.2, 3.4.2 and Tabel 4.6.A, YAML `listDocumentById` and its `listDocumentById--*` example.
- Documents are real PDFs: `oke.roles.toetsafname.pdf` (checked in test_ta_pdf.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from oke.errors import InvalidContent, NotFound
from oke.roles.toetsafname.pdf import one_page_pdf
from tests.api_client import new_id, problem_of
from tests.ta_client import TA, parse_pdf, plan

CANCEL = {"associationType": "componentOfferingAssociation", "state": "canceled"}


def test_every_participant_gets_a_link_to_this_ta_that_never_changes(ta: TA) -> None:
    tp = ta.client()
    _, association_ids = plan(tp, students=2, staff=("coordinator", "assessor"))

    links = []
    for association_id in association_ids:
        response = tp.get(f"/associations/{association_id}/url")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        link = response.json()
        assert isinstance(link, str) and link == tp.get(f"/associations/{association_id}/url").json()
        parts = urlsplit(link)
        assert f"{parts.scheme}://{parts.netloc}" == ta.url and parts.path == f"/start/{association_id}"
        links.append(link)
    assert len(set(links)) == len(links)


def test_the_link_opens_the_session_and_a_forged_one_opens_nothing(ta: TA) -> None:
    tp = ta.client()
    _, (student, coordinator) = plan(tp, staff=("coordinator",))
    link = tp.get(f"/associations/{coordinator}/url").json()
    path, token = urlsplit(link).path, parse_qs(urlsplit(link).query)["token"][0]

    page = ta.http.get(path, params={"token": token})

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Rekenen 2F, 1 december, lokaal A-22" in page.text and "coordinator" in page.text
    problem_of(ta.http.get(path, params={"token": "0" * 32}), 404)
    problem_of(ta.http.get(f"/start/{student}", params={"token": token}), 404)  # another's token
    problem_of(ta.http.get(path), 404)


def test_a_cancelled_participation_has_no_link_any_more(ta: TA) -> None:
    tp = ta.client()
    _, (association_id,) = plan(tp)
    link = tp.get(f"/associations/{association_id}/url").json()

    assert tp.patch(f"/associations/{association_id}", CANCEL).status_code == 200

    problem_of(tp.get(f"/associations/{association_id}/url"), 404)
    problem_of(ta.http.get(link.removeprefix(ta.url)), 404)
    problem_of(tp.get(f"/associations/{new_id()}/url"), 404)


def test_a_document_comes_back_byte_for_byte_with_its_name_and_type(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    pdf = one_page_pdf("Beoordelingsformulier", ["Rekenen 2F", "Score 7,5: geslaagd"])
    document_id = ta.store_document(offering_id, association_id, data=pdf, name="Beoordeling Zoë.pdf")

    response = tp.get(f"/documents/{document_id}")

    assert response.status_code == 200
    assert response.content == pdf
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Beoordeling Zo_.pdf"')
    assert "filename*=UTF-8''Beoordeling%20Zo%C3%AB.pdf" in disposition
    assert parse_pdf(response.content).texts == ["Beoordelingsformulier", "Rekenen 2F", "Score 7,5: geslaagd"]


def test_a_session_report_is_a_document_of_the_zitting(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    report = one_page_pdf("Procesverbaal", ["Geen onregelmatigheden."])
    data = b"\x00\x01binary\xff"

    report_id = ta.store_document(offering_id, data=report, name="Procesverbaal.pdf", document_type="sessionReport")
    raw_id = ta.store_document(
        offering_id,
        data=data,
        name="lijst.bin",
        document_type="attendanceReport",
        media_type="application/octet-stream",
    )

    assert tp.get(f"/documents/{report_id}").content == report
    raw = tp.get(f"/documents/{raw_id}")
    assert (raw.content, raw.headers["content-type"]) == (data, "application/octet-stream")


def test_an_unknown_document_is_404(ta: TA) -> None:
    problem_of(ta.client().get(f"/documents/{new_id()}"), 404)


def test_documents_belong_to_a_session_of_their_school_with_a_type_of_their_kind(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    pdf = one_page_pdf("x")

    with pytest.raises(NotFound):
        ta.store_document(offering_id, association_id, data=pdf, tenant=f"{ta.tenant}-b")
    with pytest.raises(NotFound):
        ta.store_document(new_id(), data=pdf, document_type="sessionReport")
    with pytest.raises(NotFound):
        ta.store_document(offering_id, new_id(), data=pdf)
    with pytest.raises(InvalidContent):  # a participation's file has a result documentType (flow 3)
        ta.store_document(offering_id, association_id, data=pdf, document_type="sessionReport")
    with pytest.raises(InvalidContent):  # a session's file has an offering documentType (flow 4)
        ta.store_document(offering_id, data=pdf, document_type="assessmentForm")
