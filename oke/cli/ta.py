"""`oke ta run OFFERING_ID --seed N`: the reference TA runs a session; its results go back to TP (flows 3, 4)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import typer

from oke.cli._options import DatabaseUrl, migrated_database, settings_for
from oke.cli.audit import by_operator
from oke.config import Role
from oke.roles.toetsafname.services.running import run_session, session_tenant
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork

app = typer.Typer(help="The reference Toetsafname's operator commands.", no_args_is_help=True)


@app.command("run")
def run(
    offering_id: Annotated[str, typer.Argument(help="The session (TP's Zitting id, as TA received it).")],
    seed: Annotated[int, typer.Option(help="The same seed makes the same attendance and scores.")] = 0,
    database_url: DatabaseUrl = None,
) -> None:
    """Queue attendance, results and the session report for TP; a running `oke serve` (TA) delivers them."""
    settings = settings_for(Role.toetsafname, database_url=database_url)
    with migrated_database(settings, failing=f"session {offering_id}") as database:
        tenant = session_tenant(ToetsafnameUnitOfWork(database.sessions), offering_id)
        run_it = by_operator(
            partial(run_session, tenant=tenant, offering_id=offering_id, seed=seed),
            tenant=tenant,
            command=f"ta run {offering_id}",
            object_type="zitting",
            object_id=offering_id,
            seed=seed,
        )
        ran = run_it(ToetsafnameUnitOfWork(database.sessions))
    for outcome in ran.outcomes:
        corrected = f" -> {outcome.corrected_score}" if outcome.corrected_score else ""
        typer.echo(f"{outcome.association_id} {outcome.attendance} {outcome.score or '-'}{corrected}")
    typer.echo(f"{ran.messages} messages queued for TP")
