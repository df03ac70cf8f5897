"""The audit (issue 6): every accepted write is in the history with who sent it (client, school) and when,
planners' and operators' changes too, and `oke audit` lists, filters, pages and shows it for any role."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, inspect, select
from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from oke.store.engine import make_engine
from oke.store.history import AuditQuery, audit_trail
from oke.store.tables.messages import ReceivedMessage
from tests.api_client import ATTENDANCE, TP, Peer, Server, problem_of, ta_with_student
from tests.dr_client import DR, JACOB_REKENEN
from tests.ta_client import TA, plan


def audit(server: Server, database_url: str, role: str, *args: str) -> Any:
    ran = CliRunner().invoke(oke, ["audit", *args, "--server", role, "--database-url", database_url])
    assert ran.exit_code == 0, ran.output
    return json.loads(ran.output)


def rows(server: Server, object_id: str) -> list[ReceivedMessage]:
    return server.history(object_id)


def test_a_planners_changes_are_recorded_with_who_made_them(tp: TP) -> None:
    client_id, secret = tp.register(ClientRole.planner)
    planner = Peer(tp.http, tp.token(client_id, secret))
    planned = tp.plan("ta-x")  # by another planner of the school
    zitting = planned["zittingId"]
    deelname = planned["deelnames"][0]["deelnameId"]

    assert planner.post_planning(f"/deelnames/{deelname}/cancel").status_code == 204
    assert planner.post_planning(f"/zittingen/{zitting}/cancel").status_code == 204

    [created, cancelled] = rows(tp, zitting)
    assert (created.flow, created.method, created.path, created.object_type) == (
        "planning",
        "POST",
        "/planning/zittingen",
        "zitting",
    )
    assert json.loads(created.body)["taPeer"] == tp.peer_name("ta-x")
    assert created.client_id != client_id and created.tenant == tp.tenant
    assert (cancelled.client_id, cancelled.path) == (client_id, f"/planning/zittingen/{zitting}/cancel")
    [deelname_row] = rows(tp, deelname)
    assert (deelname_row.client_id, deelname_row.body) == (client_id, "")


def test_a_refused_planning_change_is_not_recorded(tp: TP) -> None:
    zitting = tp.plan("ta-x")["zittingId"]
    other = tp.peer(ClientRole.planner, tenant=f"other-{tp.tenant}")

    problem_of(other.post_planning(f"/zittingen/{zitting}/cancel"), 404)

    assert [row.path for row in rows(tp, zitting)] == ["/planning/zittingen"]
    with tp.session_factory() as session:
        assert session.query(ReceivedMessage).filter_by(tenant=f"other-{tp.tenant}").count() == 0


def test_oke_audit_lists_filters_pages_and_shows(tp: TP, tp_database_url: str) -> None:
    ta, deelname = ta_with_student(tp)
    assert ta.patch(f"/associations/{deelname}", ATTENDANCE).status_code == 200
    assert ta.patch(f"/associations/{deelname}", ATTENDANCE).status_code == 200

    mine = audit(tp, tp_database_url, "tp", "list", "--school", tp.tenant, "--json")
    assert [row["flow"] for row in mine] == ["3", "3", "planning"]  # newest first
    assert {row["tenant"] for row in mine} == {tp.tenant}
    [first_page] = audit(tp, tp_database_url, "tp", "list", "--school", tp.tenant, "--limit", "1", "--json")
    second = audit(
        tp, tp_database_url, "tp", "list", "--school", tp.tenant, "--before", str(first_page["id"]), "--json"
    )
    assert [row["id"] for row in second] == [row["id"] for row in mine[1:]]
    by_ta = audit(tp, tp_database_url, "tp", "list", "--client", mine[0]["client_id"], "--json")
    assert [row["id"] for row in by_ta] == [row["id"] for row in mine[:2]]
    by_object = audit(tp, tp_database_url, "tp", "list", "--object", deelname, "--flow", "3", "--json")
    assert len(by_object) == 2
    since = mine[-1]["received_at"].replace("+00:00", "")
    assert len(audit(tp, tp_database_url, "tp", "list", "--school", tp.tenant, "--since", since, "--json")) == 3
    assert audit(tp, tp_database_url, "tp", "list", "--school", tp.tenant, "--until", "2000-01-01", "--json") == []

    shown = audit(tp, tp_database_url, "tp", "show", str(mine[0]["id"]))
    assert shown["body"] == ATTENDANCE and shown["client_id"] == mine[0]["client_id"]
    assert isinstance(shown["notes"], list)
    table = CliRunner().invoke(oke, ["audit", "list", "--school", tp.tenant, "--database-url", tp_database_url])
    assert table.exit_code == 0 and "id" in table.output, table.output
    missing = CliRunner().invoke(oke, ["audit", "show", "0", "--database-url", tp_database_url])
    assert missing.exit_code == 1 and "no history message 0" in missing.output


def test_a_ta_operators_run_is_recorded(ta: TA, ta_database_url: str) -> None:
    offering_id, _ = plan(ta.client(ClientRole.tp, peer="tp-x"))
    operator = ta.client(ClientRole.planner)

    ran = ta.http.post(f"/operator/sessions/{offering_id}/run", params={"seed": 7}, headers=operator.headers)

    assert ran.status_code == 200, ran.text
    [row] = audit(ta, ta_database_url, "ta", "list", "--object", offering_id, "--flow", "operator", "--json")
    assert row["path"] == f"/operator/sessions/{offering_id}/run?seed=7" and row["tenant"] == ta.tenant


def test_dr_operator_commands_are_recorded(dr: DR, dr_database_url: str) -> None:
    cancelled = CliRunner().invoke(
        oke, ["dr", "cancel", JACOB_REKENEN, "--tenant", dr.tenant, "--database-url", dr_database_url]
    )
    assert cancelled.exit_code == 0, cancelled.output
    seeded = CliRunner().invoke(oke, ["dr", "seed", "--tenant", dr.tenant, "--database-url", dr_database_url])
    assert seeded.exit_code == 0, seeded.output

    found = audit(dr, dr_database_url, "dr", "list", "--school", dr.tenant, "--flow", "operator", "--json")
    assert [(row["method"], row["path"], row["object_id"]) for row in found] == [
        ("CLI", "oke dr seed", dr.tenant),
        ("CLI", f"oke dr cancel {JACOB_REKENEN}", JACOB_REKENEN),
    ]
    assert all(row["client_id"].startswith("cli:") for row in found)


def test_the_audit_filters_are_indexed(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        indexed = {tuple(index["column_names"]) for index in inspect(engine).get_indexes("received_messages")}
    finally:
        engine.dispose()
    assert {("tenant", "id"), ("client_id", "id"), ("object_id", "id"), ("received_at",)} <= indexed


def test_a_time_range_lists_what_a_plain_filter_would_with_late_commits_too(tp: TP) -> None:
    # A row is inserted (gets its id) when its unit of work commits, up to COMMIT_MARGIN after its received_at:
    # here every third row by id was received 6 minutes before the one it follows. After every row there is.
    start = datetime.now(UTC) + timedelta(days=1)
    at = [start + timedelta(minutes=4 * n) - timedelta(minutes=6 * (n % 3 == 0)) for n in range(60)]
    school = f"time-{tp.tenant}"
    message = {"client_id": "c", "peer": "p", "flow": "3", "method": "PATCH", "path": "/x", "object_type": "o"}
    with tp.session_factory() as session:
        session.add_all(
            ReceivedMessage(received_at=when, tenant=school, object_id=str(n), body="", notes=[], **message)
            for n, when in enumerate(at)
        )
        session.commit()
        try:
            for since, until in [(10, 30), (0, 2), (57, 80), (None, 21), (33, None), (100, None), (None, -5)]:
                query = AuditQuery(
                    since=start + timedelta(minutes=4 * since) if since is not None else None,
                    until=start + timedelta(minutes=4 * until) if until is not None else None,
                )
                t = ReceivedMessage
                plain = select(t.id).order_by(t.id.desc()).limit(7)
                if query.since is not None:
                    plain = plain.where(t.received_at >= query.since)
                if query.until is not None:
                    plain = plain.where(t.received_at < query.until)
                for limit in (7, 200):
                    listed = [m.id for m in audit_trail(session, query, limit=limit)]
                    assert listed == list(session.scalars(plain.limit(limit))), (since, until, limit)
        finally:
            session.execute(delete(ReceivedMessage).where(ReceivedMessage.tenant == school))
            session.commit()
