"""`oke catalogue sync PEER`: TP reads a TA's test catalogue (flow 0) and keeps it for its planners."""

from __future__ import annotations

from typing import Annotated

import typer

from oke.cli._options import DatabaseUrl, migrated_database, peer_clients, settings_for
from oke.config import Role
from oke.roles.toetsplanning.catalogue_sync import sync_catalogue
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork

app = typer.Typer(help="Flow 0 at TP: the test catalogues of its TAs.", no_args_is_help=True)


@app.command("sync")
def sync(
    peer: Annotated[str, typer.Argument(help="The TA peer (as in `oke peers list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Read TA's `GET /components?componentType=test` and store every test, withdrawn ones marked."""
    settings = settings_for(Role.toetsplanning, database_url=database_url)
    with (
        migrated_database(settings, failing=f"catalogue of {peer}") as database,
        peer_clients(database) as directory,
    ):
        synced = sync_catalogue(directory, ToetsplanningUnitOfWork(database.sessions), peer)
    withdrawn = f", {len(synced.withdrawn)} withdrawn" if synced.withdrawn else ""
    typer.echo(f"{synced.components} tests of {peer}{withdrawn}")
