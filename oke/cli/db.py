"""`oke db`: bring a database to the newest schema, or say which schema it is at."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from oke.cli._options import DatabaseUrl, FormerServer, Server, migrate_and_check, settings_for
from oke.store.engine import is_sqlite, make_engine, shown_url
from oke.store.migrate import check_known, current_revision, latest_revision

app = typer.Typer(help="The database of a server.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(server: Server = None, database_url: DatabaseUrl = None, role: FormerServer = None) -> None:
    """Run the migrations up to the newest schema; warns of a database server setting that makes oke slow."""
    settings = settings_for(server or role, database_url=database_url)
    done = migrate_and_check(settings)
    if done.before == done.after:
        typer.echo(f"{shown_url(settings.database)}: up to date at {done.after}")
    else:
        typer.echo(f"{shown_url(settings.database)}: migrated from {done.before or '(none)'} to {done.after}")


@app.command("current")
def db_current(server: Server = None, database_url: DatabaseUrl = None, role: FormerServer = None) -> None:
    """Print the database's schema revision and whether it is the newest this oke knows; changes nothing."""
    url = settings_for(server or role, database_url=database_url).database
    revision = None
    if not is_sqlite(url) or Path(make_url(url).database or "").is_file():  # reading must not make a SQLite file
        engine = make_engine(url, for_writes=False)
        try:
            with engine.connect() as connection:
                revision = current_revision(connection)
        finally:
            engine.dispose()
    check_known(revision, url)
    latest = latest_revision()
    if revision is None:
        typer.echo(f"{shown_url(url)}: no oke schema (`oke db upgrade` makes it, at {latest})")
    elif revision == latest:
        typer.echo(f"{shown_url(url)}: at {revision}, the latest")
    else:
        typer.echo(f"{shown_url(url)}: at {revision}, behind the latest, {latest}: run `oke db upgrade`")
