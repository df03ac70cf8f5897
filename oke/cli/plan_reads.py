"""`oke plan list|show|toetsen|enrolments`: what a planner reads at TP, as the planning API's reads answer it.

Registered on `oke plan` beside the commands that change the planning (`oke.cli.plan`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from oke.cli._options import DatabaseUrl, moment_option
from oke.cli._plan import Json, School, tp_database
from oke.cli._tables import print_rows
from oke.ooapi.common import in_dutch_or_first, nl_test_admin_block
from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.toetsplanning.api.toetsen import EnrolmentListed, EnrolmentsOut, ToetsenOut, ToetsListed
from oke.roles.toetsplanning.api.zittingen import DeelnameListed, ZittingDetailOut, ZittingenOut, ZittingListed
from oke.roles.toetsplanning.services import toetsen, zittingen
from oke.roles.toetsplanning.services.zittingen import ZittingState
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork

app = typer.Typer()


@app.command("list")
def list_(
    school: School,
    ta: Annotated[str | None, typer.Option(help="Only the sessions at this TA peer.")] = None,
    toets: Annotated[str | None, typer.Option(help="Only the sessions of this planbare toets of DR.")] = None,
    state: Annotated[ZittingState | None, typer.Option(help="Only sessions in this state.")] = None,
    start_from: Annotated[
        str | None, typer.Option("--from", help="Only sessions starting at or after, e.g. 2026-12-01T00:00:00+01:00.")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Only sessions starting before, like --from.")] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many, in order of start.")
    ] = DEFAULT_LIMIT,
    after: Annotated[str | None, typer.Option(help="The next page: the `next` the page before printed.")] = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """List a page of the school's sessions in order of start. `--json` prints what `GET /planning/zittingen`
    answers."""
    with tp_database(database_url) as database:
        page = zittingen.list_zittingen(
            ToetsplanningUnitOfWork(database.read_sessions),
            school,
            ta_peer=ta,
            planbare_toets_id=toets,
            state=state,
            start_from=moment_option(start_from, "--from"),
            start_until=moment_option(until, "--until"),
            after=after,
            limit=limit,
        )
    if as_json:
        typer.echo(ZittingenOut(items=[ZittingListed.of(z) for z in page.items], next=page.next).model_dump_json())
        return
    rows = []
    for z in page.items:
        block = nl_test_admin_block(z.offering.get("consumers")) or {}
        row: tuple[Any, ...] = (z.zitting_id, z.ta_peer, z.planbare_toets_id, z.state, z.offering["startDateTime"])
        rows.append(
            row + (z.offering["endDateTime"], block.get("locationCode"), in_dutch_or_first(z.offering.get("name")))
        )
    print_rows(Table("zitting", "ta", "planbare toets", "state", "start", "end", "location", "name"), rows, page.next)


@app.command("show")
def show(
    zitting_id: Annotated[str, typer.Argument(metavar="ZITTING")],
    school: School,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Show a session as planned, with its participations, their state and what TA reported."""
    with tp_database(database_url) as database:
        detail = zittingen.zitting_detail(ToetsplanningUnitOfWork(database.read_sessions), school, zitting_id)
    listed = ZittingListed.of(detail.zitting)
    deelnames = [DeelnameListed.of(d) for d in detail.deelnames]
    if as_json:
        typer.echo(ZittingDetailOut(**listed.model_dump(), deelnames=deelnames).model_dump_json(by_alias=True))
        return
    offering = listed.offering
    block = nl_test_admin_block(offering.get("consumers")) or {}
    typer.echo(
        f"zitting {listed.zittingId} at {listed.taPeer}, {listed.state}: {in_dutch_or_first(offering.get('name'))}"
    )
    typer.echo(f"  start {offering['startDateTime']}, end {offering['endDateTime']}")
    # only the options the session has: one it lacks was printed as None ("start None" was its startOptions)
    options = {"duration": "duration", "locationCode": "location", "startOptions": "startOptions", "safety": "safety"}
    given = [f"{label} {_shown(block[name])}" for name, label in options.items() if block.get(name) is not None]
    if given:
        typer.echo(f"  {', '.join(given)}")
    rows = [
        (d.deelnameId, d.role, d.personId, d.toetsinschrijvingId, d.attempt, d.state)
        + ((d.result.state, d.result.score) if d.result is not None else (None, None))
        for d in deelnames
    ]
    print_rows(Table("deelname", "role", "person", "toetsinschrijving", "attempt", "state", "result", "score"), rows)


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


Limit = Annotated[int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many, by id.")]
After = Annotated[str | None, typer.Option(help="The next page: the `next` the page before printed.")]


@app.command("toetsen")
def toetsen_(
    school: School,
    limit: Limit = DEFAULT_LIMIT,
    after: After = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """List a page of DR's planbare toetsen (flow 1), what sessions are planned for, with their open enrolments.
    `--json` prints what `GET /planning/toetsen` answers."""
    with tp_database(database_url) as database:
        page = toetsen.list_toetsen(ToetsplanningUnitOfWork(database.read_sessions), school, after=after, limit=limit)
    if as_json:
        typer.echo(ToetsenOut(items=[ToetsListed.of(t) for t in page.items], next=page.next).model_dump_json())
        return
    table = Table("planbare toets", "name", "code", "state", "tests", "from", "until", "enrolments")
    rows = [
        (t.toets_id, t.name, t.code, t.state, " ".join(t.tests), t.start_date, t.end_date, t.enrolments)
        for t in page.items
    ]
    print_rows(table, rows, page.next)


@app.command("enrolments")
def enrolments_(
    toets: Annotated[str, typer.Argument(metavar="TOETS", help="The planbare toets (`oke plan toetsen`).")],
    school: School,
    limit: Limit = DEFAULT_LIMIT,
    after: After = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """List a page of a planbare toets's Toetsinschrijvingen, each with whether an attempt is planned. `--json`
    prints what `GET /planning/toetsen/{id}/toetsinschrijvingen` answers."""
    with tp_database(database_url) as database:
        uow = ToetsplanningUnitOfWork(database.read_sessions)
        page = toetsen.list_enrolments(uow, school, toets, after=after, limit=limit)
    if as_json:
        typer.echo(EnrolmentsOut(items=[EnrolmentListed.of(e) for e in page.items], next=page.next).model_dump_json())
        return
    table = Table("toetsinschrijving", "person", "name", "role", "state", "attempt", "left", "planned")
    rows = [
        (e.toetsinschrijving_id, e.person_id, e.name, e.role, e.state, e.attempt, e.attempt_left)
        + ("yes" if e.planned else "no",)
        for e in page.items
    ]
    print_rows(table, rows, page.next)
