"""Documents end to end (flow 3.3): TA names a document in a result, TP fetches it from the reference TA
through its outbox, and DR reads the same bytes from TP (PDF 3.3.2, 3.5.2 and Tabel 4.0.F).

A TA may write a document a little after it names it: TP asks again after a 404, for `document_wait_minutes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, update

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsafname import TaDocument
from oke.store.tables.toetsplanning import Deelname
from tests.api_client import MERGE_PATCH, TP, Peer, new_id
from tests.databases import fresh_database
from tests.e2e.test_chain_faults import TpServer
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


def fetch_of(tp: TP, document_id: str) -> OutboxMessage | None:
    with tp.session_factory() as session:
        query = select(OutboxMessage).where(OutboxMessage.key == document_id, OutboxMessage.kind == "documents.fetch")
        return session.scalars(query).first()


def fetch_state(tp: TP, document_id: str) -> str | None:
    fetch = fetch_of(tp, document_id)
    return None if fetch is None else fetch.state


@pytest.fixture(scope="module")
def impatient_tp_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TpServer]:
    """A TP of these tests' own that asks TA for a document it answers 404 for during about a second only."""
    with (
        fresh_database(backend, tmp_path_factory.mktemp("tp-documents")) as url,
        TpServer(url, document_wait_minutes=0.02) as server,
    ):
        yield server


@pytest.fixture
def impatient_tp(impatient_tp_server: TpServer) -> Iterator[TP]:
    with TP(impatient_tp_server.settings.url, impatient_tp_server.settings.database) as client:
        yield client


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


def test_a_document_ta_writes_after_naming_it_is_fetched_without_an_operator(tp: TP, ta: TA) -> None:
    at_tp, zitting, deelname = planned_at_ta(tp, ta)
    document_id = new_id()

    sent = at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    assert sent.status_code == 200, sent.text
    refused = eventually(lambda: (fetch := fetch_of(tp, document_id)) is not None and fetch.attempts > 0 and fetch)
    assert (refused.state, refused.last_status) == ("pending", 404)  # TA has not written it yet: asked again
    assert tp.peer(ClientRole.dr).get(f"/documents/{document_id}").status_code == 404

    written = ta.store_document(zitting, deelname, data=PDF_BYTES)  # as TA's own job would, under the named id
    with ta.session_factory() as session:
        session.execute(update(TaDocument).where(TaDocument.document_id == written).values(document_id=document_id))
        session.commit()
    dr = tp.peer(ClientRole.dr)
    read = eventually(lambda: (r := dr.get(f"/documents/{document_id}")).status_code == 200 and r)
    assert read.content == PDF_BYTES
    fetched = fetch_of(tp, document_id)
    assert fetched is not None and (fetched.state, fetched.last_error) == ("delivered", None)
    assert fetched.attempts >= 2


def test_a_document_ta_never_writes_is_parked_after_the_wait_and_the_result_is_kept(impatient_tp: TP, ta: TA) -> None:
    tp = impatient_tp
    at_tp, _zitting, deelname = planned_at_ta(tp, ta)
    document_id = new_id()

    sent = at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    assert sent.status_code == 200, sent.text
    eventually(lambda: fetch_state(tp, document_id) == "parked")
    parked = fetch_of(tp, document_id)
    assert parked is not None and parked.last_status == 404 and parked.attempts >= 2
    assert parked.last_error is not None
    reason = r"HTTP 404 at attempt \d+, \d+ seconds after it was queued: the document does not exist at TA; HTTP 404: "
    assert re.match(reason, parked.last_error), parked.last_error
    assert parked.problem is not None and document_id in parked.problem["detail"]
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None and row.result is not None and row.result["score"] == "7.5"
    assert tp.peer(ClientRole.dr).get(f"/documents/{document_id}").status_code == 404


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
