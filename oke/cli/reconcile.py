"""`oke reconcile SESSION`: TP reads TA's state of a session (flows 3.4, 4.2) and takes over what it missed."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer

from oke.cli._options import DatabaseUrl, migrated_database, peer_clients, settings_for
from oke.config import Role
from oke.roles.toetsplanning.reconcile import Reconciliation, reconcile
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork


def reconcile_command(
    session: Annotated[str, typer.Argument(help="TP's zittingId (the offeringId TA knows the session by).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Read TA's results and session report of SESSION and apply what TP misses, as flows 3 and 4 would."""
    settings = settings_for(Role.toetsplanning, database_url=database_url)
    # an unknown session, or TA not reachable: nothing was changed
    with migrated_database(settings, failing=f"reconcile {session}") as database:
        tx = database.transactions(ToetsplanningUnitOfWork)  # writes as a running TP makes them
        with peer_clients(database) as directory:
            summary = anyio.run(lambda: reconcile(directory, tx, session, tenant=None))
    for line in summary_lines(summary):
        typer.echo(line)
    if summary.refused:
        raise typer.Exit(1)


def summary_lines(summary: Reconciliation) -> list[str]:
    """The summary as an operator reads it: counts first, then every id worth a look."""
    report = "updated" if summary.report_updated else "unchanged"
    lines = [
        f"session {summary.zitting_id} at {summary.ta_peer}: {summary.checked} participations checked, "
        f"{len(summary.updated)} updated, session report {report}"
    ]
    named = {
        "updated": summary.updated,
        "kept (TP holds newer)": summary.kept,
        "unknown at TA": summary.unknown_at_ta,
        "result at TA for a participation TP does not have": summary.unknown_at_tp,
    }
    lines += [f"  {what}: {', '.join(ids)}" for what, ids in named.items() if ids]
    lines += [f"  refused {refusal.object_id}: {refusal.reason}" for refusal in summary.refused]
    return lines
