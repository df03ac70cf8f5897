"""Documents end to end (flow 3.3): TA names a document in a result, TP fetches it from the reference TA
through its outbox, and DR reads the same bytes from TP (PDF 3.3.2, 3.5.2 and Tabel 4.0.F)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname
from tests.api_client import MERGE_PATCH, TP, Peer
from tests.e2e.test_chain_flow2 import connect, eventually, states
from tests.ta_client import TA

PDF_BYTES = b"%PDF-1.4\n% a test form\n%%EOF\n"


def result_naming(document_id: str) -> dict[str, Any]:
    document = {"documentId": document_id, "documentType": "assessmentForm", "documentName": "Beoordeling.pdf"}
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "documents": [document]}
    result = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-08", "weight": 100}
    return {"associationType": "componentOfferingAssociation", "result": {**result, "consumers": [block]}}


def planned_at_ta(tp: TP, ta: TA) -> tuple[Peer, str, str]:
    """A Zitting with one student, delivered to the reference TA; TA's client at TP, the Zitting and Deelname."""
    connect(tp, ta)
    planned = tp.plan("ta-real", students=1, component=REKENEN_2F)
    zitting, deelname = planned["zittingId"], planned["deelnames"][0]["deelnameId"]
    eventually(lambda: states(tp, zitting) == ["delivered"] * 2)
    return tp.peer(ClientRole.ta, peer="ta-real"), zitting, deelname


def fetch_state(tp: TP, document_id: str) -> str | None:
    with tp.session_factory() as session:
        query = select(OutboxMessage.state).where(
            OutboxMessage.key == document_id, OutboxMessage.kind == "documents.fetch"
        )
        return session.scalars(query).first()


def test_a_document_named_in_a_result_is_fetched_and_dr_reads_it(tp: TP, ta: TA) -> None:
    at_tp, zitting, deelname = planned_at_ta(tp, ta)
    document_id = ta.store_document(zitting, deelname, data=PDF_BYTES)

    sent = at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    assert sent.status_code == 200, sent.text
    dr = tp.peer(ClientRole.dr)
    read = eventually(lambda: (r := dr.get(f"/documents/{document_id}")).status_code == 200 and r)
    assert read.content == PDF_BYTES
    assert read.headers["content-type"].startswith("application/pdf")
    assert "Beoordeling.pdf" in read.headers["content-disposition"]
    assert fetch_state(tp, document_id) == "delivered"

    again = at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    assert again.status_code == 200
    with tp.session_factory() as session:  # a document already fetched is not fetched again
        count = select(OutboxMessage.id).where(OutboxMessage.key == document_id)
        assert len(session.scalars(count).all()) == 1


def test_another_schools_dr_does_not_see_the_document(tp: TP, ta: TA) -> None:
    at_tp, zitting, deelname = planned_at_ta(tp, ta)
    document_id = ta.store_document(zitting, deelname, data=PDF_BYTES)
    at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    eventually(lambda: fetch_state(tp, document_id) == "delivered")

    other = tp.peer(ClientRole.dr, tenant="another-school")
    assert other.get(f"/documents/{document_id}").status_code == 404
    assert tp.peer(ClientRole.dr).get(f"/documents/{document_id}").status_code == 200


def test_a_document_ta_does_not_have_is_parked_and_the_result_is_kept(tp: TP, ta: TA) -> None:
    at_tp, _zitting, deelname = planned_at_ta(tp, ta)

    sent = at_tp.patch(f"/associations/{deelname}", result_naming("no-such-document"), headers=MERGE_PATCH)
    assert sent.status_code == 200, sent.text
    eventually(lambda: fetch_state(tp, "no-such-document") == "parked")
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None and row.result is not None and row.result["score"] == "7.5"
    assert tp.peer(ClientRole.dr).get("/documents/no-such-document").status_code == 404


def test_a_session_report_document_is_fetched_for_dr(tp: TP, ta: TA) -> None:
    at_tp, zitting, _deelname = planned_at_ta(tp, ta)
    report_pdf = PDF_BYTES.replace(b"a test form", b"a procesverbaal")
    document_id = ta.store_document(zitting, data=report_pdf, name="Procesverbaal.pdf", document_type="sessionReport")
    document = {"documentId": document_id, "documentType": "sessionReport", "documentName": "Procesverbaal.pdf"}
    block = {"consumerKey": "nl-test-admin", "irregularities": "geen", "documents": [document]}
    sent = at_tp.patch(f"/offerings/{zitting}", {"offeringType": "component", "consumers": [block]})
    assert sent.status_code == 200, sent.text

    dr = tp.peer(ClientRole.dr)
    read = eventually(lambda: (r := dr.get(f"/documents/{document_id}")).status_code == 200 and r)
    assert read.content == report_pdf
    assert "Procesverbaal.pdf" in read.headers["content-disposition"]
