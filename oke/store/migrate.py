"""Alembic migrations, run programmatically: `oke db upgrade` and every `oke serve` bring a database to head.

Several processes may start at once (API processes, workers, on several machines): each migrates under one
lock of the database (`oke.store.locks`), so one runs the migrations and the others then find it at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, insert, select

from oke.config import Role
from oke.store.engine import make_engine, shown_url
from oke.store.locks import exclusive
from oke.store.tables.server import ServerClaim

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseOfAnotherServer(Exception):
    """A command for one server was given another server's database: each server has its own."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", *, server: Role | None = None) -> bool:
    """Bring the database at `url` to `revision` (every head: parallel branches need no merge); a no-op when there.

    With `server`, the database must be that server's: the first command naming a server claims a database
    for it, and another server's is refused (`DatabaseOfAnotherServer`), so that a shared `OKE_DATABASE_URL`
    cannot put a TA's clients into TP's database. Returns whether the database had no oke schema before.
    """
    with exclusive(url, "oke-migrations"):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                new = MigrationContext.configure(connection).get_current_revision() is None
            command.upgrade(alembic_config(url), revision)
            if server is not None:
                with engine.begin() as connection:
                    _claim(connection, server, url)
        finally:
            engine.dispose()
    return new


def _claim(connection: Connection, server: Role, url: str) -> None:
    claimed = connection.scalar(select(ServerClaim.role))
    if claimed is None:
        connection.execute(insert(ServerClaim).values(role=server.value))
    elif claimed != server.value:
        raise DatabaseOfAnotherServer(
            f"the database {shown_url(url)} is {Role(claimed).name}'s ({claimed}), not {server.name}'s ({server}):"
            " each server has its own; check --database-url and $OKE_DATABASE_URL"
        )
