"""Documents end to end (flow 3.3): TA names a document in a result, TP fetches it from the reference TA
through its outbox, and DR reads the same bytes from TP (PDF 3.3.2, 3.5.2 and Tabel 4.0.F).

A TA may write a document a little after it names it: TP asks again after a 404, for `document_wait_minutes`.
DR knows a document by TP's id for it (flow 5), as TA's id is unique only at that TA.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select, update

from oke.auth.caller import ClientRole
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsafname import TaDocument
from oke.store.tables.toetsplanning import Deelname, DrResult, TpDocument, dr_document_id
from tests.api_client import (
    MERGE_PATCH,
    TP,
    Enrolment,
    Peer,
    dr_enrols,
    dr_sends_toets,
    new_id,
    problem_of,
    zitting_offering,
)
from tests.databases import fresh_database
from tests.e2e.test_chain_faults import TpServer
from tests.e2e.test_chain_flow2 import connect, eventually, states
from tests.servers import free_port, running
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
    """A TP of these tests' own that asks TA for a document it answers 404 for during six seconds only (its first
    fetch, a loaded machine's while after the result, must come before that for a second one to follow)."""
    with (
        fresh_database(backend, tmp_path_factory.mktemp("tp-documents")) as url,
        TpServer(url, document_wait_minutes=0.1) as server,
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
    for_dr = dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)
    read = eventually(lambda: (r := dr.get(f"/documents/{for_dr}")).status_code == 200 and r)
    assert read.content == PDF_BYTES
    assert read.headers["content-type"].startswith("application/pdf")
    assert "Beoordeling.pdf" in read.headers["content-disposition"]
    assert read.headers["x-content-type-options"] == "nosniff"  # TA's media type may be text/html: not run as such
    assert fetch_state(tp, document_id) == "delivered"
    # Flow 5 named documents by TA's id until migration 0018: where it names one document, it still answers.
    assert dr.get(f"/documents/{document_id}").content == PDF_BYTES

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

    for_dr = dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)
    other = tp.peer(ClientRole.dr, tenant="another-school")
    assert other.get(f"/documents/{for_dr}").status_code == 404
    assert other.get(f"/documents/{document_id}").status_code == 404
    assert tp.peer(ClientRole.dr).get(f"/documents/{for_dr}").status_code == 200


def test_a_document_ta_writes_after_naming_it_is_fetched_without_an_operator(tp: TP, ta: TA) -> None:
    at_tp, zitting, deelname = planned_at_ta(tp, ta)
    document_id = new_id()

    sent = at_tp.patch(f"/associations/{deelname}", result_naming(document_id), headers=MERGE_PATCH)
    assert sent.status_code == 200, sent.text
    refused = eventually(lambda: (fetch := fetch_of(tp, document_id)) is not None and fetch.attempts > 0 and fetch)
    assert (refused.state, refused.last_status) == ("pending", 404)  # TA has not written it yet: asked again
    for_dr = dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)
    assert tp.peer(ClientRole.dr).get(f"/documents/{for_dr}").status_code == 404

    written = ta.store_document(zitting, deelname, data=PDF_BYTES)  # as TA's own job would, under the named id
    with ta.session_factory() as session:
        session.execute(update(TaDocument).where(TaDocument.document_id == written).values(document_id=document_id))
        session.commit()
    dr = tp.peer(ClientRole.dr)
    read = eventually(lambda: (r := dr.get(f"/documents/{for_dr}")).status_code == 200 and r)
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
    eventually(lambda: fetch_state(tp, document_id) == "parked", seconds=30)
    parked = fetch_of(tp, document_id)
    assert parked is not None and parked.last_status == 404 and parked.attempts >= 2
    assert parked.last_error is not None
    reason = r"HTTP 404 at attempt \d+, \d+ seconds after it was queued: the document does not exist at TA; HTTP 404: "
    assert re.match(reason, parked.last_error), parked.last_error
    assert parked.problem is not None and document_id in parked.problem["detail"]
    with tp.session_factory() as session:
        row = session.get(Deelname, deelname)
        assert row is not None and row.result is not None and row.result["score"] == "7.5"
    for_dr = dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)
    problem = problem_of(tp.peer(ClientRole.dr).get(f"/documents/{for_dr}"), 404)
    assert problem["detail"] == f"document {for_dr} is not fetched from TA yet"


def test_a_session_report_document_is_fetched_for_dr(tp: TP, ta: TA) -> None:
    at_tp, zitting, _deelname = planned_at_ta(tp, ta)
    report_pdf = PDF_BYTES.replace(b"a test form", b"a procesverbaal")
    document_id = ta.store_document(zitting, data=report_pdf, name="Procesverbaal.pdf", document_type="sessionReport")
    document = {"documentId": document_id, "documentType": "sessionReport", "documentName": "Procesverbaal.pdf"}
    block = {"consumerKey": "nl-test-admin", "irregularities": "geen", "documents": [document]}
    sent = at_tp.patch(f"/offerings/{zitting}", {"offeringType": "component", "consumers": [block]})
    assert sent.status_code == 200, sent.text

    dr = tp.peer(ClientRole.dr)
    for_dr = dr_document_id(tp.tenant, tp.peer_name("ta-real"), document_id)
    read = eventually(lambda: (r := dr.get(f"/documents/{for_dr}")).status_code == 200 and r)
    assert read.content == report_pdf
    assert "Procesverbaal.pdf" in read.headers["content-disposition"]


# Two TAs of one school that number their documents alike (the standard's examples use "123454").

SHARED_ID = "123454"


def numbering_ta(name: str) -> FastAPI:
    """Another vendor's TA, reduced to what TP asks of it here: a token, flow 2 taken, and each document a file
    that says whose it is, to a client that accepts a file (strict about `Accept`, as a server may be: 406)."""
    app = FastAPI(openapi_url=None)

    @app.post("/oauth2/token")
    async def token() -> dict[str, Any]:
        return {"access_token": f"token-of-{name}", "token_type": "Bearer", "expires_in": 3600}

    @app.api_route("/ooapi/{path:path}", methods=["PUT", "PATCH"])
    async def flow2(path: str) -> Response:
        return Response(status_code=200)

    @app.get("/ooapi/documents/{documentId}")
    async def document(documentId: str, request: Request) -> Response:
        accepted = {part.split(";")[0].strip() for part in request.headers.get("accept", "*/*").split(",")}
        if not accepted & {"*/*", "application/*", "application/pdf", "application/octet-stream"}:
            return Response(status_code=406)
        return Response(f"%PDF-1.4 {documentId} of {name}".encode(), media_type="application/pdf")

    return app


@contextmanager
def numbering_tas(tp: TP, *names: str) -> Iterator[None]:
    """TA peers of the test's school at TP, each a `numbering_ta` of its own, until the block ends."""
    with ExitStack() as stack:
        for name in names:
            tp.configure_ta(name, stack.enter_context(running(numbering_ta(name), free_port())))
        yield


def planned_at(tp: TP, ta_peer: str, enrolment: Enrolment) -> str:
    """A Zitting at `ta_peer` for DR's Toetsinschrijving; the Deelname's id."""
    body = {
        "taPeer": tp.peer_name(ta_peer),
        "planbareToetsId": enrolment.toets,
        "offering": zitting_offering(),
        "participants": [{"toetsinschrijvingId": enrolment.enrolment}],
    }
    response = tp.peer(ClientRole.planner).post_planning("/zittingen", body)
    assert response.status_code == 201, response.text
    return str(response.json()["deelnames"][0]["deelnameId"])


def fetched(tp: TP) -> int:
    with tp.session_factory() as session:
        query = select(TpDocument.id).where(TpDocument.tenant == tp.tenant, TpDocument.data.is_not(None))
        return len(session.scalars(query).all())


def named_to_dr(tp: TP, deelname: str) -> str:
    """The documentId of the Deelname's assessment form in the flow 5 message TP made for DR."""
    with tp.session_factory() as session:
        row = session.get(DrResult, deelname)
        assert row is not None and row.body is not None
        [document] = row.body["result"]["consumers"][0]["documents"]
        return str(document["documentId"])


def test_two_tas_that_number_a_document_alike_each_give_dr_their_own_file(tp: TP) -> None:
    tp.configure_dr()  # at no address: flow 5 waits in TP's outbox, where the test reads it
    toets = dr_sends_toets(tp)
    students = {"ta-z": dr_enrols(tp, toets), "ta-y": dr_enrols(tp, toets)}
    with numbering_tas(tp, *students):
        deelnames = {ta: planned_at(tp, ta, enrolment) for ta, enrolment in students.items()}
        for ta, deelname in deelnames.items():
            sent = tp.peer(ClientRole.ta, peer=ta).patch(
                f"/associations/{deelname}", result_naming(SHARED_ID), headers=MERGE_PATCH
            )
            assert sent.status_code == 200, sent.text
        eventually(lambda: fetched(tp) == 2)

    dr = tp.peer(ClientRole.dr)
    named = {ta: named_to_dr(tp, deelname) for ta, deelname in deelnames.items()}
    assert named["ta-y"] != named["ta-z"]
    for ta, document_id in named.items():
        assert dr.get(f"/documents/{document_id}").content == f"%PDF-1.4 {SHARED_ID} of {ta}".encode()
    problem = problem_of(dr.get(f"/documents/{SHARED_ID}"), 404)  # TA's id names neither: whose would it be?
    assert "more than one TA of the school" in problem["detail"]
    assert tp.peer(ClientRole.ta, peer="ta-y").get(f"/documents/{named['ta-z']}").status_code == 403
    assert tp.peer(ClientRole.dr, tenant="another-school").get(f"/documents/{named['ta-y']}").status_code == 404
