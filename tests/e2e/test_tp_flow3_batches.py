"""Flow 3 messages in one batch of TP's writes: the batch reads their Deelnames, results for DR and catalogue
entries once for them all (`ReadAhead`), and each message comes out as it would have alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, event, select

from oke.auth.caller import Caller, ClientRole
from oke.config import Settings
from oke.errors import NotFound
from oke.roles.toetsplanning.services import results
from oke.roles.toetsplanning.services.documents import FETCH
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.engine import make_engine
from oke.store.history import Inbound
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import TpDocument
from oke.store.transactions import Transactions
from tests.api_client import TP, dr_enrols
from tests.databases import in_one_batch
from tests.e2e.test_tp_flow5 import attendance, dr_result, planned, reports, score, to_dr

#: What flow 3 reads: the Deelnames (with their sessions, DR's enrolments and toetsen), the results for DR,
#: TA's catalogue.
TABLES = ("tp_deelnames", "tp_dr_results", "tp_components")


@pytest.fixture
def writer(tp_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(tp_settings.database)
    yield engine
    engine.dispose()


def flow_3(tp: TP, deelname: str, result: dict[str, Any]) -> tuple[Any, Any]:
    """TA ta-x's flow 3 message for `deelname`, as the PATCH route hands it to the batch."""
    ta = Caller("ta-client", ClientRole.ta, tp.tenant, tp.peer_name("ta-x"), frozenset())
    body = {"associationType": "componentOfferingAssociation", "result": result}
    inbound = Inbound("PATCH", f"/associations/{deelname}", body, orjson.dumps(body).decode())
    return (lambda uow: results.receive_result(uow, ta, deelname, inbound)), results.reads_ahead(deelname)


def batch(tp: TP, writer: Engine, messages: list[tuple[Any, Any]]) -> tuple[list[Any], list[str]]:
    """The messages' outcomes in one batch, and the statements it ran."""
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.strip())

    transactions = Transactions(lambda: ToetsplanningUnitOfWork(tp.session_factory), writer)
    event.listen(writer, "before_cursor_execute", seen)
    try:
        return in_one_batch(transactions, messages), statements
    finally:
        event.remove(writer, "before_cursor_execute", seen)
        transactions.close()


def reads(statements: list[str]) -> list[str]:
    """The SELECTs among `statements`, by which of `TABLES` each reads."""
    selects = [statement for statement in statements if statement.startswith("SELECT")]
    return [" ".join(table for table in TABLES if re.search(rf"\bFROM {table}\b", select)) for select in selects]


def test_a_batch_reads_its_flow_3_messages_targets_once_for_them_all(tp: TP, writer: Engine) -> None:
    tp.configure_dr()
    deelnames = [planned(tp, dr_enrols(tp)) for _ in range(5)]
    outcomes, statements = batch(tp, writer, [flow_3(tp, deelname, score("7.5")) for deelname in deelnames])
    assert all(isinstance(notes, list) for notes in outcomes), outcomes
    assert reads(statements) == list(TABLES)
    assert [len(message.body) > 0 for message in to_dr(tp)] == [True] * 5


def test_a_batch_of_attendance_does_not_read_tas_catalogue(tp: TP, writer: Engine) -> None:
    """Attendance has no score to fit to DR's scale: a batch without one reads no catalogue entry."""
    tp.configure_dr()
    deelnames = [planned(tp, dr_enrols(tp)) for _ in range(3)]
    outcomes, statements = batch(tp, writer, [flow_3(tp, deelname, attendance()) for deelname in deelnames])
    assert all(isinstance(notes, list) for notes in outcomes), outcomes
    assert reads(statements) == ["tp_deelnames", "tp_dr_results"]


def test_messages_for_one_deelname_in_one_batch_come_out_as_one_after_the_other(tp: TP, writer: Engine) -> None:
    tp.configure_dr()
    enrolment, other_enrolment = dr_enrols(tp), dr_enrols(tp)
    deelname, other = planned(tp, enrolment), planned(tp, other_enrolment)
    messages = [flow_3(tp, deelname, attendance()), flow_3(tp, other, score("6.0")), flow_3(tp, deelname, score("8.0"))]
    outcomes, _statements = batch(tp, writer, messages)
    assert all(isinstance(notes, list) for notes in outcomes), outcomes
    row = dr_result(tp, deelname)
    assert (row.state, row.ta_score, row.result_version) == ("sent", "8.0", 2)
    sent = [(message.key, message.state, message.body["result"].get("score")) for message in to_dr(tp)]
    assert sent == [
        (enrolment.enrolment, "superseded", None),  # the attendance, replaced by the score in the same batch
        (other_enrolment.enrolment, "pending", "6.0"),
        (enrolment.enrolment, "pending", "8.0"),
    ]


def test_a_batch_writes_the_documents_its_messages_name_at_once_and_fetches_each_new_one_once(
    tp: TP, writer: Engine
) -> None:
    deelnames = [planned(tp, dr_enrols(tp)) for _ in range(4)]
    outcomes, _statements = batch(tp, writer, [flow_3(tp, deelnames[0], naming("d-known"))])
    assert isinstance(outcomes[0], list), outcomes
    messages = [
        flow_3(tp, deelnames[0], naming("d-known", "d-new")),
        flow_3(tp, deelnames[1], naming("d-new")),
        flow_3(tp, deelnames[2], attendance()),
        flow_3(tp, deelnames[3], naming("d-other")),
    ]
    outcomes, statements = batch(tp, writer, messages)
    assert all(isinstance(notes, list) for notes in outcomes), outcomes
    assert len([s for s in statements if s.startswith("INSERT INTO tp_documents")]) == 1
    with tp.session_factory() as session:
        documents = select(TpDocument.document_id, TpDocument.deelname_id).where(TpDocument.tenant == tp.tenant)
        named = session.execute(documents.order_by(TpDocument.id)).all()
        fetches = select(OutboxMessage.key).where(OutboxMessage.tenant == tp.tenant, OutboxMessage.kind == FETCH)
        assert list(session.scalars(fetches.order_by(OutboxMessage.id))) == ["d-known", "d-new", "d-other"]
    assert [tuple(row) for row in named] == [
        ("d-known", deelnames[0]),
        ("d-new", deelnames[0]),  # the first message to name it
        ("d-other", deelnames[3]),
    ]


def naming(*document_ids: str) -> dict[str, Any]:
    """Attendance that names documents."""
    named = [{"documentId": d, "documentType": "assessmentForm", "documentName": f"{d}.pdf"} for d in document_ids]
    return attendance(documents=named)


def test_a_message_for_an_unknown_deelname_fails_alone(tp: TP, writer: Engine) -> None:
    tp.configure_dr()
    first, last = planned(tp, dr_enrols(tp)), planned(tp, dr_enrols(tp))
    messages = [
        flow_3(tp, first, score("7.0")),
        flow_3(tp, "no-such-deelname", score("7.0")),
        flow_3(tp, last, score("5.5")),
    ]
    outcomes, _statements = batch(tp, writer, messages)
    assert isinstance(outcomes[0], list) and isinstance(outcomes[2], list)
    assert isinstance(outcomes[1], NotFound)
    assert (dr_result(tp, first).ta_score, dr_result(tp, last).ta_score) == ("7.0", "5.5")


def test_two_deelnames_of_one_extra_attempt_in_one_batch_share_its_association(tp: TP, writer: Engine) -> None:
    """A retake cancelled and planned again: TA may still report on the cancelled Deelname. Both are the same
    attempt, so they go to one association at DR, also when the batch has not written the first one's yet."""
    tp.configure_dr()
    enrolment = dr_enrols(tp, attempt_left=2)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), planned(tp, enrolment), score("4.0", final=False))
    cancelled = planned(tp, enrolment, extra=True)
    assert tp.peer(ClientRole.planner).post_planning(f"/deelnames/{cancelled}/cancel").status_code == 204
    replanned = planned(tp, enrolment, extra=True)
    outcomes, _statements = batch(
        tp, writer, [flow_3(tp, cancelled, score("5.0")), flow_3(tp, replanned, score("6.0"))]
    )
    assert all(isinstance(notes, list) for notes in outcomes), outcomes
    first, second = dr_result(tp, cancelled), dr_result(tp, replanned)
    assert (first.attempt, second.attempt) == (2, 2)
    assert first.association_id == second.association_id != enrolment.enrolment
