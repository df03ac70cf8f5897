"""`oke results`: what TP forwards to DR (flow 5), and the results it holds for an operator."""

from __future__ import annotations

from contextlib import AbstractContextManager
from functools import partial
from typing import Annotated

import typer
from rich.table import Table

from oke.cli._options import DatabaseUrl, migrated_database, school_option, settings_for
from oke.cli._tables import print_rows
from oke.cli.audit import by_operator
from oke.config import Role
from oke.ooapi.enums import PassState
from oke.ooapi.paging import DEFAULT_LIMIT, MAX_LIMIT
from oke.roles.toetsplanning.api.dr_results import DrResultOut, DrResultsOut
from oke.roles.toetsplanning.services import forwarding
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database

app = typer.Typer(help="Flow 5 at TP: results for DR, sent or held for an operator.", no_args_is_help=True)

School = Annotated[str, school_option("The school (tenant) whose results these are.")]
Deelname = Annotated[str, typer.Argument(metavar="DEELNAME", help="TP's participation id.")]
#: `association_id` is the key of the result's flow 5 message; `waiting` says whether it is still in the outbox.
COLUMNS = (
    "deelname_id",
    "toetsinschrijving_id",
    "attempt",
    "association_id",
    "state",
    "waiting",
    "ta_score",
    "score",
    "reason",
)


def _tp(database_url: str | None) -> AbstractContextManager[Database]:
    return migrated_database(settings_for(Role.toetsplanning, database_url=database_url))


def _records(rows: list[forwarding.ResultForDr]) -> list[dict[str, object]]:
    return [{column: getattr(row, column) for column in COLUMNS} for row in rows]


def _show(rows: list[forwarding.ResultForDr], next_page: str | None = None) -> None:
    table = Table(*(column.replace("_", " ") for column in COLUMNS))
    print_rows(table, (record.values() for record in _records(rows)), next_page)


@app.command("list")
def list_(
    school: School,
    held: Annotated[bool, typer.Option(help="Only the results held for an operator.")] = False,
    limit: Annotated[
        int, typer.Option(min=1, max=MAX_LIMIT, help="At most this many, oldest change first.")
    ] = DEFAULT_LIMIT,
    after: Annotated[str | None, typer.Option(help="The next page: the `next` the page before printed.")] = None,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: {items, next}.")] = False,
) -> None:
    """List a page of the school's results for DR, oldest change first; a held one says why.

    `sent` means queued for DR; `waiting` says whether its message still waits in the outbox (`pending`, or
    `parked` for an operator: `oke outbox list --peer DR`), and is empty once DR took it.
    `--json` prints what `GET /planning/results` answers."""
    with _tp(database_url) as database:
        page = forwarding.list_results(
            ToetsplanningUnitOfWork(database.read_sessions),
            school,
            forwarding.HELD if held else None,
            after=after,
            limit=limit,
        )
    if as_json:
        typer.echo(DrResultsOut(items=[DrResultOut.of(row) for row in page.items], next=page.next).model_dump_json())
        return
    _show(page.items, page.next)


@app.command("score")
def score(
    deelname: Deelname,
    value: Annotated[str, typer.Argument(help="The score DR gets, on the scale of DR's planbare toets.")],
    school: School,
    pass_state: Annotated[
        PassState | None,
        typer.Option(
            "--pass", help="DR's `pass` with it.", show_default="the score itself on pass-or-fail, else unknown"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Give the score for a result TP holds (it could not fit TA's to DR's scale); it is queued for DR at once.

    A result TP sent as TA scored it is refused; a score an operator gave may be given again, to correct it.
    """
    with _tp(database_url) as database:
        service = partial(
            forwarding.supply_score, tenant=school, deelname_id=deelname, score=value, pass_state=pass_state
        )
        command = f"results score {deelname}"
        row = by_operator(service, tenant=school, command=command, object_type="deelname", object_id=deelname)(
            ToetsplanningUnitOfWork(database.sessions)
        )
    _show([row])


@app.command("forward")
def forward(deelname: Deelname, school: School, database_url: DatabaseUrl = None) -> None:
    """Decide afresh for a held result (a DR configured since, or DR's planbare toets changed)."""
    with _tp(database_url) as database:
        service = partial(forwarding.forward_again, tenant=school, deelname_id=deelname)
        command = f"results forward {deelname}"
        row = by_operator(service, tenant=school, command=command, object_type="deelname", object_id=deelname)(
            ToetsplanningUnitOfWork(database.sessions)
        )
    _show([row])
