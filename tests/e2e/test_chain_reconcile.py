"""Reconciliation end to end (flows 3.4, 4.2): TA ran a session but its flow 3 and 4 messages did not reach
TP; TP reads TA's state (`POST /planning/zittingen/{id}/reconcile`, `oke reconcile`) and catches up through
the flow 3 and 4 services, and TA's delayed messages change nothing for the worse when they arrive."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update
from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as cli
from oke.config import Settings
from oke.ooapi.common import nl_test_admin_block
from oke.roles.toetsplanning.reconcile import RECONCILER
from oke.roles.toetsplanning.rules import REPORT_FIELDS
from oke.store.base import utcnow
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import TpDocument
from tests.api_client import TP, Peer, history, new_id, problem_of
from tests.e2e.test_chain_flow2 import connect, eventually, tp_peer_name
from tests.e2e.test_chain_results import STUDENTS, delivered, planned_at_ta, run
from tests.ta_client import TA

ASSOCIATION = "componentOfferingAssociation"


def cut_return_route(ta: TA) -> dict[str, Any]:
    """Remove TA's `peers` row for TP: TA's flow 3 and 4 messages then wait in its outbox, retried."""
    with ta.session_factory() as session:
        row = session.get(PeerConfig, tp_peer_name(ta))
        assert row is not None
        fields = {column.key: getattr(row, column.key) for column in PeerConfig.__table__.columns}
        session.delete(row)
        session.commit()
    return fields


def restore_return_route(ta: TA, fields: dict[str, Any]) -> None:
    """Put the row back and make TA's waiting messages due now, instead of after their backoff."""
    with ta.session_factory() as session:
        session.add(PeerConfig(**fields))
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.tenant == ta.tenant, OutboxMessage.state == "pending")
            .values(next_attempt_at=utcnow())
        )
        session.commit()


def tried(ta: TA) -> bool:
    with ta.session_factory() as session:
        query = select(OutboxMessage.attempts).where(OutboxMessage.tenant == ta.tenant)
        return any(attempts > 0 for attempts in session.scalars(query))


def reconcile_cli(settings: Settings, zitting: str) -> Any:
    return CliRunner().invoke(cli, ["reconcile", zitting, "--database-url", settings.database])


def ta_state(at_ta: Peer, zitting: str, deelnames: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """TA's results (3.4) and its session report block (4.2)."""
    results = {d: at_ta.get(f"/associations/{d}").json()["result"] for d in deelnames}
    report = nl_test_admin_block(at_ta.get(f"/offerings/{zitting}").json()["consumers"])
    assert report is not None and report["documents"]
    return results, report_of(report)


def tp_state(as_ta: Peer, zitting: str, deelnames: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """What TP holds, as TA reads it back from TP."""
    results = {d: as_ta.get(f"/associations/{d}").json().get("result") for d in deelnames}
    return results, report_of(nl_test_admin_block(as_ta.get(f"/offerings/{zitting}").json()["consumers"]) or {})


def report_of(block: dict[str, Any]) -> dict[str, Any]:
    """The session report in an offering's nl-test-admin block (flow 4): TP's and TA's other fields differ."""
    return {name: block[name] for name in REPORT_FIELDS if name in block}


def named_documents(results: dict[str, Any], report: dict[str, Any]) -> set[str]:
    blocks = [nl_test_admin_block(r["consumers"]) or {} for r in results.values()] + [report]
    return {d["documentId"] for block in blocks for d in block.get("documents", [])}


def documents_of(tp: TP, zitting: str) -> dict[str, bool]:
    """The documents TP knows of the session, and whether each is fetched."""
    query = select(TpDocument.document_id, TpDocument.data).where(
        TpDocument.tenant == tp.tenant, TpDocument.zitting_id == zitting
    )
    with tp.session_factory() as session:
        return {document_id: data is not None for document_id, data in session.execute(query)}


def history_count(tp: TP, ids: list[str]) -> int:
    """Flow 3 and 4 rows of the objects (the planner's call to reconcile is in the history too, as `planning`)."""
    return sum(len(history(tp, i, "3")) + len(history(tp, i, "4")) for i in ids)


def test_reconciliation_takes_over_what_ta_could_not_deliver(tp: TP, ta: TA, tp_settings: Settings) -> None:
    at_ta = connect(tp, ta)
    route = cut_return_route(ta)
    planned = planned_at_ta(tp, ta, at_ta)
    zitting = planned["zittingId"]
    students = sorted(d["deelnameId"] for d in planned["deelnames"])
    run(ta, zitting, seed=7)
    eventually(lambda: tried(ta))
    as_ta = tp.peer(ClientRole.ta, peer="ta-real")
    assert all(result is None for result in tp_state(as_ta, zitting, students)[0].values())  # TP missed it all
    ta_results, ta_report = ta_state(at_ta, zitting, students)
    first = students[0]  # one result did reach TP, as TA's own message: TP holds it already
    got = as_ta.patch(f"/associations/{first}", {"associationType": ASSOCIATION, "result": ta_results[first]})
    assert got.status_code == 200, got.text

    planner = tp.peer(ClientRole.planner)
    response = planner.post_planning(f"/zittingen/{zitting}/reconcile")

    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["checked"] == STUDENTS and summary["taPeer"] == tp.peer_name("ta-real")
    assert sorted(summary["updated"]) == students[1:] and summary["reportUpdated"] is True
    assert summary["kept"] == summary["unknownAtTa"] == summary["unknownAtTp"] == summary["refused"] == []
    assert tp_state(as_ta, zitting, students) == (ta_results, ta_report)
    for deelname in students[1:]:
        [row] = history(tp, deelname, "3")  # the history says where it came from
        assert (row.client_id, row.method, row.flow) == (RECONCILER, "GET", "3")
        assert row.path == f"/ooapi/associations/{deelname}"
    [row] = history(tp, zitting, "4")
    assert (row.client_id, row.method, row.flow, row.path) == (RECONCILER, "GET", "4", f"/ooapi/offerings/{zitting}")
    named = named_documents(ta_results, ta_report)
    assert eventually(lambda: (known := documents_of(tp, zitting)) and all(known.values()) and known).keys() == named
    dr = tp.peer(ClientRole.dr)
    assert all(dr.get(f"/documents/{d}").content.startswith(b"%PDF-") for d in named)

    again = reconcile_cli(tp_settings, zitting)  # the same through the CLI, on TP's database: nothing left to do
    assert again.exit_code == 0, again.output
    assert f"{STUDENTS} participations checked, 0 updated, session report unchanged" in again.output
    assert history_count(tp, [*students, zitting]) == STUDENTS + 1
    asked = [(row.flow, row.method, row.path) for row in history(tp, zitting) if "reconcile" in row.path]
    reconciling = f"/planning/zittingen/{zitting}/reconcile"  # who asked: the planner, then the operator
    assert asked == [("planning", "POST", reconciling), ("operator", "CLI", f"oke reconcile {zitting}")]

    restore_return_route(ta, route)  # TA's own messages arrive after all, in their order
    eventually(lambda: delivered(ta), seconds=30)
    assert tp_state(as_ta, zitting, students) == (ta_results, ta_report)
    assert all(m.method == "PATCH" for m in history(tp, students[1], "3")[1:])
    eventually(lambda: all(documents_of(tp, zitting).values()))
    last = planner.post_planning(f"/zittingen/{zitting}/reconcile").json()
    assert last["updated"] == [] and last["reportUpdated"] is False and last["kept"] == []


def test_an_unknown_session_is_a_clear_error(tp: TP, ta: TA, tp_settings: Settings) -> None:
    at_ta = connect(tp, ta)
    zitting = planned_at_ta(tp, ta, at_ta)["zittingId"]
    unknown = new_id()
    problem = problem_of(tp.peer(ClientRole.planner).post_planning(f"/zittingen/{unknown}/reconcile"), 404)
    assert unknown in problem["detail"]
    elsewhere = tp.peer(ClientRole.planner, tenant="another-school")  # another school's session is unknown too
    assert elsewhere.post_planning(f"/zittingen/{zitting}/reconcile").status_code == 404
    answer = reconcile_cli(tp_settings, unknown)
    assert answer.exit_code == 1
    assert f"no session {unknown}" in answer.output


def test_a_ta_that_cannot_be_reached_is_a_clear_error_and_changes_nothing(tp: TP, tp_settings: Settings) -> None:
    planned = tp.plan("ta-down", students=2)  # TA configured at an address nothing listens on
    zitting = planned["zittingId"]
    ids = [d["deelnameId"] for d in planned["deelnames"]] + [zitting]

    problem = problem_of(tp.peer(ClientRole.planner).post_planning(f"/zittingen/{zitting}/reconcile"), 503)
    assert tp.peer_name("ta-down") in problem["detail"] and "failed" in problem["detail"]
    answer = reconcile_cli(tp_settings, zitting)
    assert answer.exit_code == 1
    assert f"reconcile {zitting}:" in answer.output and "failed" in answer.output
    assert history_count(tp, ids) == 0
    assert documents_of(tp, zitting) == {}


def test_every_session_of_a_school_since_a_moment_is_reconciled_and_an_unread_ta_fails_its_own(
    tp: TP, ta: TA, tp_settings: Settings
) -> None:
    """What a restore from a backup asks for (docs/operations.md): every session held since, in one command."""
    at_ta = connect(tp, ta)
    cut_return_route(ta)
    zitting = planned_at_ta(tp, ta, at_ta)["zittingId"]
    run(ta, zitting, seed=3)
    down = tp.plan("ta-down", students=1)["zittingId"]  # TA configured at an address nothing listens on
    command = ["reconcile", "--school", tp.tenant, "--from", "2000-01-01T00:00:00+00:00"]

    answer = CliRunner().invoke(cli, [*command, "--database-url", tp_settings.database])

    assert answer.exit_code == 1, answer.output
    assert f"session {zitting} at {tp.peer_name('ta-real')}: {STUDENTS} participations checked, " in answer.output
    assert f"{STUDENTS} updated, session report updated" in answer.output
    assert f"session {down}: not reconciled, nothing changed: " in answer.output
    assert answer.output.endswith(f"2 sessions of {tp.tenant} starting from 2000-01-01T00:00:00+00:00\n")
    [asked] = history(tp, zitting, "operator")  # one row per session reconciled; none where nothing changed
    assert (asked.client_id.startswith("cli:"), asked.object_type) == (True, "zitting")
    assert json.loads(asked.body) == {"school": tp.tenant, "from": "2000-01-01T00:00:00+00:00"}
    assert history(tp, down, "operator") == []
    until = CliRunner().invoke(
        cli, [*command, "--until", "2000-01-02T00:00:00Z", "--database-url", tp_settings.database]
    )
    assert (until.exit_code, until.output) == (
        0,
        f"0 sessions of {tp.tenant} starting from 2000-01-01T00:00:00+00:00\n",
    )


def test_reconcile_takes_a_session_or_a_school_with_a_moment(tp_settings: Settings) -> None:
    for wrong in (
        ["z-1", "--school", "s"],
        ["--school", "s"],
        ["--from", "2000-01-01T00:00:00Z"],
        ["z-1", "--until", "2000-01-01T00:00:00Z"],
        [],
    ):
        answer = CliRunner().invoke(cli, ["reconcile", *wrong, "--database-url", tp_settings.database])
        assert answer.exit_code == 2 and "give SESSION, or --school with --from" in answer.output, wrong
    naive = ["reconcile", "--school", "s", "--from", "2000-01-01T00:00:00", "--database-url", tp_settings.database]
    assert "needs its UTC offset" in CliRunner().invoke(cli, naive).output
