"""What grows with a school is read in index order, not sorted whole for every page or claim: checked on the
query plan, since the suite never times anything (docs/performance.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection

from oke.outbox.claims import due_runs
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.base import utcnow
from oke.store.database import Database
from oke.store.tables.deelnemerregistratie import SchoolEnrolment
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Zitting
from tests.databases import fresh_database

TOETS = "toets-1"


def test_a_planbare_toets_of_a_whole_school_lists_its_enrolments_in_index_order(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url, school_wide_toets(url, students=3000) as database:
        with recorded(database) as statements, DeelnemerregistratieUnitOfWork(database.sessions) as uow:
            rows, total = uow.repo.enrolments_page(
                "school", TOETS, role=None, state=None, result_state=None, offset=2500, limit=100
            )
            listed = [row.association_id for row in rows]
        assert total == 3000 and listed == [f"a-{n:05d}" for n in range(2500, 2600)]
        page = next(s for s in statements if "LIMIT" in s[0] and "count" not in s[0])
        plan = explain(database, *page)
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_the_sessions_of_one_planbare_toets_are_found_on_an_index(backend: str, tmp_path: Path) -> None:
    """A planner's listing of one toets's sessions (`GET /planning/zittingen?planbareToetsId=`) pages in index
    order, and DR cancelling a toets finds its sessions without reading the school's others."""
    with fresh_database(backend, tmp_path) as url:
        database = Database(url)
        try:
            start = datetime(2026, 12, 1, 8, tzinfo=UTC)
            with database.sessions() as session:
                rows = [
                    {"zitting_id": f"z-{n:05d}", "tenant": "school", "ta_peer": "ta",
                     "planbare_toets_id": f"t-{n % 50}", "state": "active", "data": {},
                     "start_at": start + timedelta(minutes=n)}
                    for n in range(5000)
                ]  # fmt: skip
                session.execute(insert(Zitting), rows)
                session.commit()
            analyze(database)
            with recorded(database) as statements, ToetsplanningUnitOfWork(database.sessions) as uow:
                page = uow.repo.zittingen_page(
                    "school", ta_peer=None, planbare_toets_id="t-7", state=None, start_from=None, start_until=None,
                    after=None, limit=20,
                )  # fmt: skip
                listed = [z.zitting_id for z in page][:2]
                found = len(uow.repo.active_zittingen_of("school", "t-7"))
            assert listed == ["z-00007", "z-00057"] and found == 100
            listing, lookup = (explain(database, *s) for s in statements if "tp_zittingen" in s[0])
            assert "Sort" not in listing and "TEMP B-TREE" not in listing, listing
            for plan in (listing, lookup):
                assert "ix_tp_zittingen_tenant_planbare_toets_id_start_at_zitting_id" in plan, plan
        finally:
            database.close()


def test_the_relay_claims_from_a_deep_due_backlog_in_id_order(backend: str, tmp_path: Path) -> None:
    """When a peer takes results slower than they come, thousands are due at once: a claim of 200 reads the
    oldest in id order and stops. It used to number every due message per key first (a sort of all of them)."""
    with fresh_database(backend, tmp_path) as url:
        database = Database(url)
        try:
            with database.sessions() as session:
                rows = [
                    {"tenant": "school", "peer": "tp", "kind": "flow3.result", "key": f"deelname-{n // 3}",
                     "method": "PATCH", "path": f"/results/{n}"}
                    for n in range(6000)
                ]  # fmt: skip
                session.execute(insert(OutboxMessage), rows)
                session.commit()
            analyze(database)
            with recorded(database) as statements, database.engine.connect() as connection:
                claimed = due_runs(connection, utcnow(), batch=200, run_length=25)
            assert len(claimed) == 200 and [key for _id, key in claimed[:3]] == [("tp", "deelname-0")] * 3
            scans = [statement for statement in statements if "LIMIT" in statement[0]]
            assert scans
            for scan in scans:
                plan = explain(database, *scan)
                assert "Sort" not in plan and "TEMP B-TREE" not in plan and "WindowAgg" not in plan, plan
        finally:
            database.close()


@contextmanager
def recorded(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The statements sent to `database` in the block, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Connection, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)


def analyze(database: Database) -> None:
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


@contextmanager
def school_wide_toets(url: str, *, students: int) -> Iterator[Database]:
    """DR's database with a Toetsinschrijving of every student for `TOETS` and for another toets, analysed."""
    database = Database(url)
    try:
        with database.sessions() as session:
            rows = [
                {
                    "tenant": "school",
                    "association_id": f"{prefix}{n:05d}",
                    "association_type": "componentOfferingAssociation",
                    "offering_id": offering,
                    "person_id": f"p-{n}",
                    "role": "student",
                    "state": "associated",
                    "enrolment_id": f"e-{n}",
                    "attempt": 1,
                    "created_by": "dr",
                    "data": {"associationId": f"{prefix}{n:05d}", "role": "student"},
                }
                for prefix, offering in (("a-", TOETS), ("b-", "toets-2"))
                for n in range(students)
            ]
            session.execute(insert(SchoolEnrolment), rows)
            session.commit()
        analyze(database)
        yield database
    finally:
        database.close()


def explain(database: Database, statement: str, parameters: Any) -> str:
    with database.engine.connect() as connection:
        prefix = "EXPLAIN QUERY PLAN " if database.engine.dialect.name == "sqlite" else "EXPLAIN "
        found = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(" ".join(str(column) for column in row) for row in found)
