"""`oke db`: bring a database to the newest schema."""

from __future__ import annotations

import typer

from oke.cli._options import DatabaseUrl, FormerServer, Server, migrate_and_check, settings_for
from oke.store.engine import shown_url

app = typer.Typer(help="The database of a server.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(server: Server = None, database_url: DatabaseUrl = None, role: FormerServer = None) -> None:
    """Run the migrations up to the newest schema; warns of a database server setting that makes oke slow."""
    settings = settings_for(server or role, database_url=database_url)
    migrate_and_check(settings)
    typer.echo(f"{shown_url(settings.database)}: up to date")
