"""The one Alembic history builds exactly the schema of the tables' MetaData, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from oke.cli import app
from oke.config import Role
from oke.store import tables
from oke.store.base import Base
from oke.store.checks import autovacuum_is_off
from oke.store.engine import make_engine
from oke.store.migrate import DatabaseOfAnotherServer, alembic_config, latest_revision, upgrade
from oke.store.tables.toetsplanning import dr_document_id
from tests.databases import BACKENDS, fresh_database


def test_the_migrated_schema_is_the_metadata(database_url: str) -> None:
    assert tables  # every table module is imported
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_first_server_named_claims_the_database(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path, migrated=False) as url:
        assert upgrade(url).created  # a new database
        assert not upgrade(url, server=Role.toetsafname).created
        assert not upgrade(url, server=Role.toetsafname).created
        with pytest.raises(DatabaseOfAnotherServer, match=r"is toetsafname's \(ta\), not toetsplanning's \(tp\)"):
            upgrade(url, server=Role.toetsplanning)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_documents_tp_had_get_the_ids_dr_knows_them_by_from_then_on(backend: str, tmp_path: Path) -> None:
    """Migration 0018: two TAs of a school named a document "123454"; each gets the id flow 5 now names it by."""
    with fresh_database(backend, tmp_path, migrated=False) as url:
        upgrade(url, "0017_override_pass")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                for ta_peer in ("ta-y", "ta-z"):
                    connection.execute(
                        text(
                            "INSERT INTO tp_documents (tenant, document_id, ta_peer, zitting_id, created_at) "
                            "VALUES ('school-a', '123454', :ta_peer, 'zitting-1', CURRENT_TIMESTAMP)"
                        ),
                        {"ta_peer": ta_peer},
                    )
            upgrade(url)
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT ta_peer, dr_document_id FROM tp_documents ORDER BY ta_peer"))
                ids = {peer: dr_id for peer, dr_id in rows}
        finally:
            engine.dispose()
    assert ids == {peer: dr_document_id("school-a", peer, "123454") for peer in ("ta-y", "ta-z")}
    assert ids["ta-y"] != ids["ta-z"]


def test_upgrading_warns_when_postgresql_never_analyzes(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """Without autovacuum, plans made on empty tables stay: a lookup by key read a whole table (architecture.md)."""
    ran = CliRunner().invoke(app, ["db", "upgrade", "--database-url", database_url])
    assert ran.exit_code == 0, ran.output
    engine = make_engine(database_url)
    try:
        assert ("autovacuum is off" in caplog.text) == autovacuum_is_off(engine)
    finally:
        engine.dispose()


def test_upgrade_prints_the_url_without_its_password(database_url: str) -> None:
    """`oke db upgrade` says which database it migrated, as `oke serve` does: never with its password (a CI log
    keeps it)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        pytest.skip("a SQLite URL has no password")
    with_password = url.set(password="SuperSecretPw").render_as_string(hide_password=False)
    ran = CliRunner().invoke(app, ["db", "upgrade", "--database-url", with_password])
    assert ran.exit_code == 0, ran.output
    assert "SuperSecretPw" not in ran.output
    assert f"{url.drivername}://{url.username}:***@{url.host}:{url.port}/{url.database}: up to date" in ran.output


def test_upgrade_takes_the_server_as_every_command_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--server` names whose database, else `$OKE_ROLE`; `--role`, its first name, still works but is not shown."""
    monkeypatch.setenv("OKE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    ran = runner.invoke(app, ["db", "upgrade", "--server", "ta"])
    assert ran.exit_code == 0, ran.output
    assert f"{tmp_path / 'ta.sqlite3'}: migrated" in ran.output
    monkeypatch.setenv("OKE_ROLE", "dr")
    assert f"{tmp_path / 'dr.sqlite3'}: migrated" in runner.invoke(app, ["db", "upgrade"]).output
    assert f"{tmp_path / 'tp.sqlite3'}: migrated" in runner.invoke(app, ["db", "upgrade", "--role", "tp"]).output
    assert "--role" not in runner.invoke(app, ["db", "upgrade", "--help"]).output


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_and_current_say_which_schema_the_database_is_at(backend: str, tmp_path: Path) -> None:
    """`oke db upgrade` said "up to date" also when it had just migrated an empty database."""
    latest, runner = latest_revision(), CliRunner()
    with fresh_database(backend, tmp_path, migrated=False) as url:
        shown = make_url(url).render_as_string(hide_password=True)

        def said(*command: str) -> str:
            ran = runner.invoke(app, [*command, "--database-url", url])
            assert ran.exit_code == 0, ran.output
            return ran.stdout

        assert said("db", "current") == f"{shown}: no oke schema (`oke db upgrade` makes it, at {latest})\n"
        upgrade(url, "0020_zitting_toets_index")
        assert (
            said("db", "current")
            == f"{shown}: at 0020_zitting_toets_index, behind the latest, {latest}: run `oke db upgrade`\n"
        )
        assert said("db", "upgrade") == f"{shown}: migrated from 0020_zitting_toets_index to {latest}\n"
        assert said("db", "upgrade") == f"{shown}: up to date at {latest}\n"
        assert said("db", "current") == f"{shown}: at {latest}, the latest\n"


def test_current_makes_no_sqlite_file(tmp_path: Path) -> None:
    ran = CliRunner().invoke(app, ["db", "current", "--database-url", f"sqlite:///{tmp_path / 'typo.sqlite3'}"])
    assert ran.exit_code == 0 and "no oke schema" in ran.stdout
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_media_type_of_any_length_is_kept_from_migration_0021_and_cut_to_fit_when_downgraded(
    backend: str, tmp_path: Path
) -> None:
    """Migration 0021: what TA sends that is no id (its scores, a document's media type) is stored whole; on
    PostgreSQL a varchar(255) refused a longer media type."""
    long_type = "application/" + "x" * 1_000
    insert = text(
        "INSERT INTO tp_documents (tenant, document_id, ta_peer, zitting_id, dr_document_id, media_type, created_at) "
        "VALUES ('school-a', :id, 'ta-x', 'zitting-1', :id, :media_type, CURRENT_TIMESTAMP)"
    )
    media_types = text("SELECT document_id, media_type FROM tp_documents ORDER BY document_id")
    with fresh_database(backend, tmp_path, migrated=False) as url:
        upgrade(url, "0020_zitting_toets_index")
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(insert, {"id": "1", "media_type": "application/pdf"})
            upgrade(url)
            with engine.begin() as connection:
                connection.execute(insert, {"id": "2", "media_type": long_type})
                assert dict(connection.execute(media_types).all()) == {"1": "application/pdf", "2": long_type}
            command.downgrade(alembic_config(url), "0020_zitting_toets_index")
            with engine.connect() as connection:
                assert dict(connection.execute(media_types).all())["2"] == long_type[:255]
        finally:
            engine.dispose()
