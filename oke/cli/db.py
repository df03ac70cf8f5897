"""`oke db`: bring a database to the newest schema."""

from __future__ import annotations

import typer

from oke.cli._options import DatabaseUrl, settings_for
from oke.config import Role
from oke.store.migrate import upgrade

app = typer.Typer(help="The database of a server.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade(role: Role = Role.toetsplanning, database_url: DatabaseUrl = None) -> None:
    """Run the migrations up to the newest schema."""
    settings = settings_for(role, database_url=database_url)
    upgrade(settings.database)
    typer.echo(f"{settings.database}: up to date")
