"""Alembic migrations, run programmatically: `oke db upgrade` and every `oke serve` bring a database to head.

Several processes may start at once (API processes, workers, on several machines): each migrates under one
lock of the database (`oke.store.locks`), so one runs the migrations and the others then find it at head.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from oke.store.locks import exclusive

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (every head: parallel branches need no merge); a no-op when there."""
    with exclusive(url, "oke-migrations"):
        command.upgrade(alembic_config(url), revision)
