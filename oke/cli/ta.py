"""`oke ta`: the reference TA runs a session, its results going back to TP (flows 3, 4); its test catalogue
(flow 0)."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from oke.cli._options import DatabaseUrl, JsonOutput, migrated_database, settings_for
from oke.cli._tables import print_rows
from oke.cli.audit import by_operator
from oke.config import Role
from oke.errors import InvalidContent
from oke.ooapi.common import in_dutch_or_first, nl_test_admin_block
from oke.ooapi.components import status_of
from oke.roles.toetsafname.services.catalogue import all_components, put_components
from oke.roles.toetsafname.services.running import run_session, session_tenant
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork

app = typer.Typer(help="The reference Toetsafname's operator commands.", no_args_is_help=True)
catalogue_app = typer.Typer(help="The reference TA's test catalogue (flow 0), which TP reads.", no_args_is_help=True)
app.add_typer(catalogue_app, name="catalogue")


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


@catalogue_app.command("add")
def catalogue_add(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="JSON files, each a Component (Tabel 4.1.A) or a list of them.", exists=True, dir_okay=False
        ),
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Add tests to the catalogue, or replace those of their componentId (all or none); a running TA serves them at
    once, and TP reads them with `oke catalogue sync`."""
    tests = [(path, number, test) for path in files for number, test in enumerate(_tests_in(path), 1)]
    settings = settings_for(Role.toetsafname, database_url=database_url)
    with migrated_database(settings, failing="catalogue add") as database:
        try:
            added = put_components(ToetsafnameUnitOfWork(database.sessions), [test for *_, test in tests])
        except InvalidContent as refused:
            for fault in refused.errors:
                index, _, pointer = fault.pointer[1:].partition("/")
                path, number, _ = tests[int(index)]
                typer.echo(f"error: {path}, test {number}: /{pointer}: {fault.reason}", err=True)
            raise typer.Exit(1) from None
    for (_, _, test), new in zip(tests, added, strict=True):
        typer.echo(f"{'added' if new else 'replaced'} {test['componentId']}")


@catalogue_app.command("list")
def catalogue_list(database_url: DatabaseUrl = None, as_json: JsonOutput = False) -> None:
    """The tests of the catalogue, withdrawn ones too, as TA serves them (`GET /components`)."""
    settings = settings_for(Role.toetsafname, database_url=database_url)
    with migrated_database(settings) as database:
        tests = all_components(ToetsafnameUnitOfWork(database.read_sessions))
    if as_json:
        typer.echo(json.dumps(tests))
        return
    rows = []
    for test in tests:
        block = nl_test_admin_block(test.get("consumers")) or {}
        name = in_dutch_or_first(test.get("name"))
        rows.append((test["componentId"], status_of(test), name, block.get("resultValueType"), block.get("passFrom")))
    print_rows(Table("component", "status", "name", "resultValueType", "passFrom"), rows)


def _tests_in(path: Path) -> list[dict[str, Any]]:
    """The Components a file holds: one, or a list; exit 1 naming the file otherwise."""
    try:
        held = json.loads(path.read_bytes())
    except (ValueError, OSError) as error:
        typer.echo(f"error: {path}: {error}", err=True)
        raise typer.Exit(1) from None
    tests = held if isinstance(held, list) else [held]
    if not tests or not all(isinstance(test, dict) for test in tests):
        typer.echo(f"error: {path}: is no Component (a JSON object) nor a list of them", err=True)
        raise typer.Exit(1)
    return tests
