"""`oke dr seed|push|cancel|results`: the reference Deelnemerregistratie's operator commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from oke.cli._options import DatabaseUrl, migrated_database, settings_for
from oke.config import Role
from oke.roles.deelnemerregistratie.services import push, reads, seeding
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork

app = typer.Typer(help="The reference Deelnemerregistratie's operator commands.", no_args_is_help=True)

Tenant = Annotated[str, typer.Option(help="The school (tenant) whose records these are.")]
T = TypeVar("T")


def _on_database(database_url: str | None, work: Callable[[DeelnemerregistratieUnitOfWork], T]) -> T:
    """Run `work` on DR's migrated database; an oke error ends the command plainly."""
    url = settings_for(Role.deelnemerregistratie, database_url=database_url).database
    with migrated_database(url) as database:
        return work(DeelnemerregistratieUnitOfWork(database.sessions))


@app.command("seed")
def seed(tenant: Tenant, database_url: DatabaseUrl = None) -> None:
    """Write the demo school (organizations, Opleidingen, planbare toetsen, students, Toetsinschrijvingen, a
    group) into TENANT; repeatable, the same ids every time."""
    seeded = _on_database(database_url, lambda uow: seeding.seed_school(uow, tenant))
    typer.echo(
        f"{seeded.tenant}: {seeded.organizations} organizations, {seeded.offerings} offerings, "
        f"{seeded.persons} persons, {seeded.associations} associations, {seeded.groups} group"
    )


@app.command("push")
def push_(
    peer: Annotated[str, typer.Argument(help="The TP (a `peers` row of role tp; its tenant is the school).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Queue flow 1 for TP: PUT every person, offering and enrolment; a running `oke serve dr` delivers them."""
    pushed = _on_database(database_url, lambda uow: push.push_flow1(uow, peer))
    typer.echo(f"{pushed.persons} persons, {pushed.offerings} offerings, {pushed.associations} associations queued")


@app.command("cancel")
def cancel(
    enrolment: Annotated[str, typer.Argument(help="The Toetsinschrijving (associationId) to cancel.")],
    tenant: Tenant,
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a Toetsinschrijving, and queue the cancellation for every TP of the school."""
    peers = _on_database(database_url, lambda uow: push.cancel_enrolment(uow, tenant, enrolment))
    typer.echo(f"{enrolment} canceled; queued for {', '.join(peers) or 'no TP'}")


@app.command("results")
def results(
    tenant: Tenant,
    enrolment: Annotated[str | None, typer.Argument(help="One Toetsinschrijving; default: all with results.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print the current result per Toetsinschrijving and attempt, as TP sent them (flow 5), as JSON."""
    found = _on_database(database_url, lambda uow: reads.results_of(uow, tenant, enrolment))
    typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
