"""Fresh databases for the demo's three servers: SQLite files in a folder, or PostgreSQL databases beside the
one `--postgres` names. Each role has its own: they share no clients, peers or outbox."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from oke.config import Role
from oke.store.files import private_folder


def sqlite_databases(folder: Path) -> dict[Role, str]:
    """`demo-tp.sqlite3`, `demo-ta.sqlite3`, `demo-dr.sqlite3` in `folder`, emptied first: every demo starts from
    nothing. Named apart from a server's own `tp.sqlite3`, which a demo pointed at its folder must not empty."""
    private_folder(folder)
    found = {}
    for role in Role:
        name = f"demo-{role.value}.sqlite3"
        for path in folder.glob(f"{name}*"):
            path.unlink()
        found[role] = f"sqlite:///{folder / name}"
    return found


def postgres_databases(url: str) -> dict[Role, str]:
    """`<database>_oke_demo_tp` (and ta, dr) on the server of `url`, dropped and created afresh."""
    server = make_url(url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    found = {}
    try:
        with admin.connect() as connection:
            for role in Role:
                name = f"{server.database or 'oke'}_oke_demo_{role.value}"
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
                found[role] = server.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.dispose()
    return found
