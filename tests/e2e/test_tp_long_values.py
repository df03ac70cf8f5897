"""Values longer than a column of TP's tables, on SQLite (which stores any length) and PostgreSQL (which refuses
what does not fit a varchar(n)): the same answer on both, and never a 5xx.

Rules checked, with their sources:
- The standard gives ids, scores and reasons no maximum length (PDF Tabel 4.6.A `documentId`, Tabel 4.3.D
  `score`), and TP must accept a message that meets the requirements (PDF 3.3.3, 3.4.3). An id is a key of
  TP's tables, so oke takes ids of at most 128 characters (`oke.ooapi.common.MAX_ID`) and refuses a longer one
  with 400 at its pointer (PDF 5.2: 400 for a bad PATCH), in a body or a path alike: docs/vendors.md.
- A score of any length is kept, and held for an operator when it is no value of the scale: docs/vendors.md.
- A message refused for its data never fails the messages it was committed with (`oke.store.transactions`).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from oke.auth.caller import ClientRole
from oke.roles.toetsplanning.services.catalogue import keep_catalogue
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from tests.api_client import TP, Peer, dr_enrols, person, pointers, problem_of, ta_with_student
from tests.e2e.test_tp_flow5 import dr_result, planned, score

#: The longest id oke takes, and one character more.
LONGEST_ID, TOO_LONG_ID = "L" * 128, "L" * 129


def as_result(result: dict[str, Any]) -> dict[str, Any]:
    """The flow 3 message of `result`."""
    return {"associationType": "componentOfferingAssociation", "result": result}


def with_document(document_id: str) -> dict[str, Any]:
    """A flow 3 result naming one document."""
    document = {"documentId": document_id, "documentType": "other", "documentName": "x.pdf"}
    return as_result(score("7.5", documents=[document]))


def test_a_result_naming_a_document_id_over_128_characters_is_400_at_its_pointer(tp: TP) -> None:
    """Found on PostgreSQL: tp_documents.document_id is varchar(128); the batch's commit failed, 503 for ever."""
    ta, deelname = ta_with_student(tp)

    problem = problem_of(ta.patch(f"/associations/{deelname}", with_document(TOO_LONG_ID)), 400)

    assert pointers(problem) == ["/result/consumers/0/documents/0/documentId"]
    assert ta.patch(f"/associations/{deelname}", with_document(LONGEST_ID)).status_code == 200


def test_a_session_report_naming_a_document_id_over_128_characters_is_400_at_its_pointer(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    zitting = str(tp.plan("ta-x")["zittingId"])
    document = {"documentId": "R" * 200, "documentType": "sessionReport", "documentName": "Procesverbaal.pdf"}
    report = {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", "documents": [document]}]}

    problem = problem_of(ta.patch(f"/offerings/{zitting}", report), 400)

    assert pointers(problem) == ["/consumers/0/documents/0/documentId"]


def test_an_id_over_128_characters_in_a_path_is_400(tp: TP) -> None:
    """DR's flow 1 and TA's flow 3 alike: the id would be a key of TP's tables."""
    dr = tp.peer(ClientRole.dr)
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    for answer in (
        dr.put(f"/persons/{TOO_LONG_ID}", person(TOO_LONG_ID)),
        ta.patch(f"/associations/{TOO_LONG_ID}", with_document("doc-1")),
    ):
        assert pointers(problem_of(answer, 400)) == ["/path"]
    assert dr.put(f"/persons/{LONGEST_ID}", person(LONGEST_ID)).status_code == 201


def test_a_score_of_any_length_is_accepted_and_held_for_an_operator(tp: TP) -> None:
    """Found on PostgreSQL: tp_dr_results.ta_score was varchar(64) (500); a reason quoting it, varchar(1024)."""
    tp.configure_dr()
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    for length in (65, 1_100, 20_000):
        deelname = planned(tp, dr_enrols(tp))
        long_score = "9" * length

        answer = ta.patch(f"/associations/{deelname}", as_result(score(long_score)))

        assert answer.status_code == 200, answer.text
        row = dr_result(tp, deelname)
        assert (row.state, row.ta_score) == ("held", long_score)
        assert row.reason is not None and "0.0-10.0" in row.reason


def test_refused_and_held_messages_never_fail_the_writes_committed_with_them(tp: TP) -> None:
    """Found on PostgreSQL: 3 bad flow 3 messages among 30 failed all 30 (503), and DR's writes in the same batch
    got 500 with the score's error. Every good message must succeed, every bad one get its own 400."""
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    dr = tp.peer(ClientRole.dr)
    planned_alone = [str(d["deelnameId"]) for d in tp.plan("ta-x", students=27)["deelnames"]]
    for_dr = [planned(tp, dr_enrols(tp)) for _ in range(3)]  # a result DR awaits: its score is kept for DR
    calls: list[tuple[Peer, str, str, dict[str, Any], int]] = []
    for i, deelname in enumerate(planned_alone):
        if i % 9 == 4:
            calls.append((ta, "patch", f"/associations/{deelname}", with_document(TOO_LONG_ID), 400))
        else:
            calls.append((ta, "patch", f"/associations/{deelname}", with_document(f"doc-{i}"), 200))
        if i % 9 == 8:
            long_score = as_result(score("9" * 1_100))
            calls.append((ta, "patch", f"/associations/{for_dr[i // 9]}", long_score, 200))
        student = f"student-{i}"
        calls.append((dr, "put", f"/persons/{student}", person(student), 201))

    def send(call: tuple[Peer, str, str, dict[str, Any], int]) -> tuple[int, int]:
        peer, method, path, body, _expected = call
        answer: httpx.Response = getattr(peer, method)(path, body)
        return answer.status_code, call[4]

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(send, calls))

    assert [got for got, _expected in answers] == [expected for _got, expected in answers]


def test_a_test_of_tas_catalogue_with_an_id_over_128_characters_is_left_out(tp: TP) -> None:
    """Flow 0: TP reads TA's catalogue, and kept each test by its id (a key): PostgreSQL refused the sync whole."""
    tp.configure_ta("ta-x")
    listing = [{"componentId": TOO_LONG_ID}, {"componentId": LONGEST_ID}]

    synced = keep_catalogue(ToetsplanningUnitOfWork(tp.session_factory), tp.peer_name("ta-x"), listing)

    assert synced.components == 1
    planner = tp.peer(ClientRole.planner)
    kept = planner.get_planning("/catalogue", taPeer=tp.peer_name("ta-x")).json()
    assert [entry["componentId"] for entry in kept] == [LONGEST_ID]
