"""`oke dr seed|push|cancel|results`: the reference Deelnemerregistratie's operator commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import typer

from oke.cli._options import DatabaseUrl, migrated_database, school_option, settings_for
from oke.cli.audit import by_operator
from oke.config import Role
from oke.ooapi.paging import MAX_LIMIT
from oke.roles.deelnemerregistratie.services import push, reads, seeding
from oke.roles.deelnemerregistratie.uow import DeelnemerregistratieUnitOfWork

app = typer.Typer(help="The reference Deelnemerregistratie's operator commands.", no_args_is_help=True)

School = Annotated[str, school_option("The school (tenant) whose records these are.")]
T = TypeVar("T")


def _on_database(database_url: str | None, work: Callable[[DeelnemerregistratieUnitOfWork], T]) -> T:
    """Run `work` on DR's migrated database; an oke error ends the command plainly."""
    settings = settings_for(Role.deelnemerregistratie, database_url=database_url)
    with migrated_database(settings) as database:
        return work(DeelnemerregistratieUnitOfWork(database.sessions))


@app.command("seed")
def seed(tenant: School, database_url: DatabaseUrl = None) -> None:
    """Write a demo school's records (organizations, Opleidingen, planbare toetsen, students, Toetsinschrijvingen,
    a group) as the school given; repeatable, the same ids every time."""
    seed_school = by_operator(
        partial(seeding.seed_school, tenant=tenant),
        tenant=tenant,
        command="dr seed",
        object_type="school",
        object_id=tenant,
    )
    seeded = _on_database(database_url, seed_school)
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
    pushed = _on_database(database_url, lambda uow: _audited_push(uow, peer))
    typer.echo(f"{pushed.persons} persons, {pushed.offerings} offerings, {pushed.associations} associations queued")


def _audited_push(uow: DeelnemerregistratieUnitOfWork, peer: str) -> push.Pushed:
    """Flow 1 queued for `peer`, audited in the school of that TP peer."""
    with uow:
        config = uow.repo.tp_peer(peer)
        tenant = config.tenant if config is not None else ""
    push_flow1 = by_operator(
        partial(push.push_flow1, peer=peer),
        tenant=tenant,
        command=f"dr push {peer}",
        object_type="peer",
        object_id=peer,
    )
    return push_flow1(uow)


@app.command("cancel")
def cancel(
    enrolment: Annotated[str, typer.Argument(help="The Toetsinschrijving (associationId) to cancel.")],
    tenant: School,
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a Toetsinschrijving, and queue the cancellation for every TP of the school."""
    cancel_enrolment = by_operator(
        partial(push.cancel_enrolment, tenant=tenant, association_id=enrolment),
        tenant=tenant,
        command=f"dr cancel {enrolment}",
        object_type="association",
        object_id=enrolment,
    )
    peers = _on_database(database_url, cancel_enrolment)
    typer.echo(f"{enrolment} canceled; queued for {', '.join(peers) or 'no TP'}")


@app.command("results")
def results(
    tenant: School,
    enrolment: Annotated[str | None, typer.Argument(help="One Toetsinschrijving; default: all with results.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print the current result per Toetsinschrijving and attempt, as TP sent them (flow 5), as JSON."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    settings = settings_for(Role.deelnemerregistratie, database_url=database_url)
    with migrated_database(settings) as database:
        while True:  # page by page: one short read at a time, however large the school
            uow = DeelnemerregistratieUnitOfWork(database.sessions)
            page = reads.results_of(uow, tenant, enrolment, after=after, limit=MAX_LIMIT)
            found += page.items
            if page.next is None:
                break
            after = page.next
    typer.echo(json.dumps(found, indent=2, ensure_ascii=False))
