"""`oke sync dr PEER`: TP pulls its work from a DR (flow 1a pull), the same state a push of DR would give."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import anyio
import typer

from oke.cli._options import DatabaseUrl, migrated_database, peer_clients, settings_for
from oke.config import Role
from oke.roles.toetsplanning.dr_sync import pull, pull_period
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork

app = typer.Typer(help="Pull from a peer what it would otherwise push.", no_args_is_help=True)

Day = Annotated[str | None, typer.Option(help="A date, YYYY-MM-DD.")]


@app.command("dr")
def dr(
    peer: Annotated[str, typer.Argument(help="The DR peer (as in `oke peers list`, role dr).")],
    since: Day = None,
    until: Day = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Read DR's planbare toetsen overlapping [--since, --until] (by default today and the next 365 days), their
    Toetsinschrijvingen and persons, and keep what changed; prints new/changed/unchanged/cancelled per kind."""
    first, last = _day(since, "--since"), _day(until, "--until")
    try:
        pull_period(first, last)
    except ValueError:  # DR would refuse it: said here, before DR is called
        begins = f"--since {first}" if first else f"today ({date.today()}), where --since begins by default"
        raise typer.BadParameter(f"{last} is before {begins}", param_hint="--until") from None
    settings = settings_for(Role.toetsplanning, database_url=database_url)
    # DR not reachable, or no such DR peer: the error is printed, exit 1, nothing changed
    with migrated_database(settings, failing=f"sync from DR {peer}") as database:
        tx = database.transactions(ToetsplanningUnitOfWork)  # writes as a running TP makes them
        with peer_clients(database) as directory:
            reads_at_once = settings.dr_sync_reads_at_once
            summary = anyio.run(lambda: pull(directory, tx, peer, since=first, until=last, reads_at_once=reads_at_once))
    for line in summary.lines():
        typer.echo(line)
    if summary.refused:
        raise typer.Exit(1)


def _day(value: str | None, option: str) -> date | None:
    try:
        return None if value is None else date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None
