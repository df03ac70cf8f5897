"""`oke demo` and `oke simulate` end to end: the exam day of the whole chain, and its summary checked against what
the three servers actually hold afterwards (their own databases), not against the demo's own counting."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from oke.cli import app as oke
from oke.config import Role, Settings
from oke.demo import wiring
from oke.demo.databases import sqlite_databases
from oke.demo.run import TENANT
from oke.demo.servers import Node, Stack
from oke.roles.deelnemerregistratie.services.seeding import demo_school
from oke.roles.toetsplanning import dr_sync
from oke.store.database import Database
from oke.store.engine import make_engine, make_session_factory
from oke.store.tables.deelnemerregistratie import SchoolEnrolment
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsafname import TaDeelname, TaZitting
from oke.store.tables.toetsplanning import Deelname, Zitting
from tests.api_client import TP
from tests.databases import POSTGRES_URL
from tests.dr_client import DR
from tests.e2e.test_chain_flow2 import eventually
from tests.servers import free_ports
from tests.ta_client import TA

OUTBOX_KINDS = {
    "1": ("dr", ("flow1",)),
    "2": ("tp", ("flow2", "flow2.cancel")),
    "3": ("ta", ("flow3",)),
    "4": ("ta", ("flow4",)),
}


def run_oke(*args: str) -> dict[str, Any]:
    ran = CliRunner().invoke(oke, list(args))
    assert ran.exit_code == 0, ran.output
    return dict(json.loads(ran.stdout))


def sessions_of(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def count(url: str, query: Any) -> int:
    for session in sessions_of(url):
        return int(session.scalar(query) or 0)
    raise AssertionError("no session")


def check_against_servers(summary: dict[str, Any], databases: dict[Role, str], tenant: str) -> None:
    """Every figure of the summary, read again from the database of the server that holds it."""
    tp, ta, dr = databases[Role.toetsplanning], databases[Role.toetsafname], databases[Role.deelnemerregistratie]
    assert summary["ok"] is True and summary["differences"] == []
    assert count(tp, select(func.count()).select_from(Zitting).where(Zitting.tenant == tenant)) == summary["sessions"]
    assert (
        count(ta, select(func.count()).select_from(TaZitting).where(TaZitting.tenant == tenant)) == summary["sessions"]
    )
    students = TaDeelname.tenant == tenant, TaDeelname.role == "student"
    assert count(ta, select(func.count()).select_from(TaDeelname).where(*students)) == summary["deelnames"]
    planned = Deelname.tenant == tenant, Deelname.attempt > 1
    assert count(tp, select(func.count()).select_from(Deelname).where(*planned)) == summary["retakes"]
    reported = SchoolEnrolment.tenant == tenant, SchoolEnrolment.result.is_not(None)
    assert count(dr, select(func.count()).select_from(SchoolEnrolment).where(*reported)) == summary["resultsAtDr"]
    # every Deelname's result reached DR, but those of the Toetsinschrijvingen DR cancelled: TA did not run them
    assert summary["resultsAtDr"] == summary["deelnames"] - len(summary["cancelled"]) and summary["cancelled"]
    extra = SchoolEnrolment.tenant == tenant, SchoolEnrolment.created_by == "tp"
    assert count(dr, select(func.count()).select_from(SchoolEnrolment).where(*extra)) == summary["retakes"]
    for enrolment in summary["cancelled"]:  # cancelled at DR after planning: TP cancelled its Deelname at TA
        for session in sessions_of(dr):
            row = session.get(SchoolEnrolment, (tenant, enrolment))
            assert row is not None and row.state == "canceled" and row.result is None
        for session in sessions_of(tp):
            [deelname] = session.scalars(select(Deelname).where(Deelname.toetsinschrijving_id == enrolment)).all()
            assert deelname.state == "canceled"
        for session in sessions_of(ta):
            at_ta = session.get(TaDeelname, deelname.deelname_id)
            assert at_ta is not None and at_ta.state == "canceled" and at_ta.result is None
    flows = {f["flow"].split()[0]: f for f in summary["flows"]}
    for flow, (role, kinds) in OUTBOX_KINDS.items():
        url = {"tp": tp, "ta": ta, "dr": dr}[role]
        rows = OutboxMessage.tenant == tenant, OutboxMessage.kind.in_(kinds)
        assert count(url, select(func.count()).select_from(OutboxMessage).where(*rows)) == flows[flow]["sent"]
    assert all(f["parked"] == 0 and f["waiting"] == 0 for f in summary["flows"])
    assert summary["retakes"] > 0 and summary["absent"] > 0 and summary["corrected"] > 0
    assert len({t["resultValueType"] for t in summary["toetsen"]}) >= 3


def ports() -> list[str]:
    tp, ta, dr = free_ports(3)
    return ["--tp-port", str(tp), "--ta-port", str(ta), "--dr-port", str(dr)]


def test_the_demo_empties_its_own_databases_only(tmp_path: Path) -> None:
    """`oke demo --data-dir .oke` must not empty the school's own TP database."""
    (tmp_path / "tp.sqlite3").write_bytes(b"the school's TP")
    for leftover in ("demo-tp.sqlite3", "demo-tp.sqlite3-wal"):
        (tmp_path / leftover).write_bytes(b"an earlier demo")
    databases = sqlite_databases(tmp_path)
    assert (tmp_path / "tp.sqlite3").read_bytes() == b"the school's TP"
    assert not (tmp_path / "demo-tp.sqlite3").exists() and not (tmp_path / "demo-tp.sqlite3-wal").exists()
    assert databases[Role.toetsplanning] == f"sqlite:///{tmp_path / 'demo-tp.sqlite3'}"


def test_the_demo_runs_an_exam_day_and_its_summary_is_what_the_servers_hold(tmp_path: Path) -> None:
    summary = run_oke("demo", "--exit", "--json", "--students", "12", "--data-dir", str(tmp_path), *ports())
    databases = {role: f"sqlite:///{tmp_path / f'demo-{role.value}.sqlite3'}" for role in Role}
    check_against_servers(summary, databases, TENANT)
    assert summary["students"] == 12
    assert (tmp_path / "endpoints.json").is_file()


def test_the_demo_pulls_flow_1_whatever_day_it_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TP's pull reads from today on by default, and the demo school's term is fixed (November and December 2026):
    the demo pulls from the term's start. From 19 December 2026 it found nothing to plan."""

    class AfterTheTerm(date):
        @classmethod
        def today(cls) -> date:
            return date(2027, 2, 1)

    monkeypatch.setattr(dr_sync, "date", AfterTheTerm)
    summary = run_oke(
        "demo", "--exit", "--json", "--students", "12", "--flow1", "pull", "--data-dir", str(tmp_path), *ports()
    )
    databases = {role: f"sqlite:///{tmp_path / f'demo-{role.value}.sqlite3'}" for role in Role}
    check_against_servers(summary, databases, TENANT)
    assert summary["students"] == 12


@pytest.mark.postgres
def test_the_demo_on_postgresql(tmp_path: Path) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        admin.connect().close()
    except OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable: {error}")
    summary = run_oke(
        "demo",
        "--exit",
        "--json",
        "--students",
        "12",
        "--postgres",
        POSTGRES_URL,
        "--data-dir",
        str(tmp_path),
        *ports(),
    )
    server = make_url(POSTGRES_URL)
    names = {role: f"{server.database}_oke_demo_{role.value}" for role in Role}
    try:
        databases = {
            role: server.set(database=name).render_as_string(hide_password=False) for role, name in names.items()
        }
        check_against_servers(summary, databases, TENANT)
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_simulate_runs_the_day_against_servers_already_running(
    tp: TP, ta: TA, dr: DR, tp_settings: Settings, ta_settings: Settings, dr_database_url: str, tmp_path: Path
) -> None:
    """The fixtures' servers (with DR's fixed demo school), set up as their operators would; then only HTTP."""
    databases = {
        Role.toetsplanning: tp_settings.database,
        Role.toetsafname: ta_settings.database,
        Role.deelnemerregistratie: dr_database_url,
    }
    opened = {role: Database(url) for role, url in databases.items()}
    try:
        stack = Stack(
            Node(Role.toetsplanning, tp.url, opened[Role.toetsplanning]),
            Node(Role.toetsafname, ta.url, opened[Role.toetsafname]),
            Node(Role.deelnemerregistratie, dr.url, opened[Role.deelnemerregistratie]),
        )
        endpoints, tp_name, _dr_name = wiring.wire(stack, dr.tenant, suffix=f"@{dr.tenant}")
        wiring.seed(stack.dr, dr.tenant, demo_school())
        wiring.push_flow1(stack.dr, tp_name)
        wiring.sync_tp_catalogue(stack.tp, endpoints.ta_peer)
        rows = OutboxMessage.tenant == dr.tenant, OutboxMessage.state == "pending"
        eventually(
            lambda: count(dr_database_url, select(func.count()).select_from(OutboxMessage).where(*rows)) == 0, 30
        )
        endpoints.save(tmp_path / "endpoints.json")

        summary = run_oke("simulate", "--endpoints", str(tmp_path / "endpoints.json"), "--json", "--timeout", "60")
    finally:
        for database in opened.values():
            database.close()
    assert summary["ok"] is True and summary["differences"] == []
    assert summary["flows"] is None  # servers of others: no outbox to show
    assert (summary["students"], summary["toetsinschrijvingen"]) == (4, 5)
    assert summary["deelnames"] == 5 + summary["retakes"]
    reported = SchoolEnrolment.tenant == dr.tenant, SchoolEnrolment.result.is_not(None)
    assert (
        count(dr_database_url, select(func.count()).select_from(SchoolEnrolment).where(*reported))
        == summary["resultsAtDr"]
    )
    assert summary["resultsAtDr"] == summary["deelnames"]
