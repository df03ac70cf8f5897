"""Alembic migrations, run programmatically: `oke db upgrade` and every `oke serve` bring a database to head.

Several processes may start at once (API processes, workers, on several machines): each migrates under one
lock of the database (`oke.store.locks`), so one runs the migrations and the others then find it at head.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, insert, select

from oke.config import Role
from oke.store.engine import make_engine, shown_url
from oke.store.locks import exclusive
from oke.store.tables.server import ServerClaim

MIGRATIONS = Path(__file__).with_name("migrations")


class UnfitDatabase(Exception):
    """A database a command must not use; its message says why in one line."""


class DatabaseOfAnotherServer(UnfitDatabase):
    """A command for one server was given another server's database: each server has its own."""


class DatabaseOfNewerOke(UnfitDatabase):
    """The database is at a schema revision this oke has no migration of: a newer oke migrated it, and this one
    would misread (or break) what it wrote."""


@dataclass(frozen=True)
class Migrated:
    """What `upgrade` did: the schema revision the database was at (None: it held no oke schema), and is at."""

    before: str | None
    after: str | None

    @property
    def created(self) -> bool:
        return self.before is None


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def latest_revision() -> str:
    """The newest schema revision this oke knows (its migrations' heads, joined by a comma if several)."""
    return ",".join(ScriptDirectory(str(MIGRATIONS)).get_heads())


def current_revision(connection: Connection) -> str | None:
    """The schema revision of the database (None: no oke schema)."""
    return MigrationContext.configure(connection).get_current_revision()


def check_known(revision: str | None, url: str) -> None:
    """Refuse a database at a revision none of this oke's migrations makes (`DatabaseOfNewerOke`)."""
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if revision is None or revision in known:
        return
    raise DatabaseOfNewerOke(
        f"the database {shown_url(url)} is at schema {revision}, which this oke (latest {latest_revision()}) does not"
        " know: it was migrated by a newer oke"
    )


def upgrade(url: str, revision: str = "head", *, server: Role | None = None) -> Migrated:
    """Bring the database at `url` to `revision` (every head: parallel branches need no merge); a no-op when there.

    With `server`, the database must be that server's: the first command naming a server claims a database
    for it, and another server's is refused (`DatabaseOfAnotherServer`), so that a shared `OKE_DATABASE_URL`
    cannot put a TA's clients into TP's database. A database a newer oke migrated is refused
    (`DatabaseOfNewerOke`) before anything is changed.
    """
    with exclusive(url, "oke-migrations"):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                before = current_revision(connection)
            check_known(before, url)
            command.upgrade(alembic_config(url), revision)
            with engine.begin() as connection:
                after = current_revision(connection)
                if server is not None:
                    _claim(connection, server, url)
        finally:
            engine.dispose()
    return Migrated(before, after)


def _claim(connection: Connection, server: Role, url: str) -> None:
    claimed = connection.scalar(select(ServerClaim.role))
    if claimed is None:
        connection.execute(insert(ServerClaim).values(role=server.value))
    elif claimed != server.value:
        raise DatabaseOfAnotherServer(
            f"the database {shown_url(url)} is {Role(claimed).name}'s ({claimed}), not {server.name}'s ({server}):"
            " each server has its own; check --database-url and $OKE_DATABASE_URL"
        )
