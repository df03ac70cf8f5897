"""`oke db`: bring a database to the newest schema."""

from __future__ import annotations

import typer

from oke.cli._options import DatabaseUrl, migrate_and_check, settings_for
from oke.config import Role
from oke.store.engine import shown_url

app = typer.Typer(help="The database of a server.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(role: Role = Role.toetsplanning, database_url: DatabaseUrl = None) -> None:
    """Run the migrations up to the newest schema; warns of a database server setting that makes oke slow."""
    settings = settings_for(role, database_url=database_url)
    migrate_and_check(settings.database)
    typer.echo(f"{shown_url(settings.database)}: up to date")
