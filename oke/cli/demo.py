"""`oke demo` (what `make run` calls) and `oke simulate`: the whole chain's exam day, checked at the end."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from oke.config import DEFAULT_PORTS, Role
from oke.demo.databases import postgres_databases, sqlite_databases
from oke.demo.day import DayError
from oke.demo.endpoints import Endpoints
from oke.demo.report import Summary
from oke.demo.run import DemoOptions, demo, simulate

Seed = Annotated[int, typer.Option(help="The same seed gives the same school, sessions and scores.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print only the summary, as JSON.")]
Timeout = Annotated[float, typer.Option(help="Seconds each stage of the day may take.")]


def demo_command(
    students: Annotated[int, typer.Option(min=1, help="How many students the generated school has.")] = 40,
    seed: Seed = 7,
    as_json: AsJson = False,
    exit_: Annotated[bool, typer.Option("--exit", help="Stop when the day is done instead of serving on.")] = False,
    postgres: Annotated[
        str | None, typer.Option(help="A PostgreSQL URL: the three databases are made afresh beside it.")
    ] = None,
    port_base: Annotated[int | None, typer.Option(help="TP on this port, TA on the next, DR on the one after.")] = None,
    tp_port: Annotated[int | None, typer.Option(help="Default 8000.")] = None,
    ta_port: Annotated[int | None, typer.Option(help="Default 8001.")] = None,
    dr_port: Annotated[int | None, typer.Option(help="Default 8002.")] = None,
    data_dir: Annotated[Path, typer.Option(help="The SQLite files and endpoints.json.")] = Path(".oke/demo"),
    timeout: Timeout = 600.0,
    flow1: Annotated[
        str, typer.Option(help="push: DR pushes its school to TP; pull: TP reads it from DR (`oke sync dr`).")
    ] = "push",
) -> None:
    """Start TP, the reference TA and the reference DR on loopback, load a demo school and run an exam day
    through flows 0 to 5; exits 1 when DR's results differ from TA's."""
    console = Console(stderr=as_json)
    base = {role: port_base + offset for offset, role in enumerate(DEFAULT_PORTS)} if port_base else DEFAULT_PORTS
    given = {Role.toetsplanning: tp_port, Role.toetsafname: ta_port, Role.deelnemerregistratie: dr_port}
    ports = {role: given[role] or base[role] for role in Role}
    databases = postgres_databases(postgres) if postgres else sqlite_databases(data_dir)
    options = DemoOptions(students, seed, databases, ports, data_dir, timeout, flow1=flow1)
    try:
        with demo(options, console, live=not as_json) as (summary, _stack):
            _show(summary, console, as_json)
            if not exit_ and not as_json:
                console.print("Serving on; Ctrl-C stops the three servers.")
                _serve_until_interrupted()
    except DayError as error:
        console.print(f"[red]the exam day stopped: {error}[/]")
        raise typer.Exit(2) from None
    if not summary.ok:
        raise typer.Exit(1)


def simulate_command(
    endpoints: Annotated[
        Path,
        typer.Option(help="JSON with the servers' URLs and credentials (the demo writes .oke/demo/endpoints.json)."),
    ],
    seed: Seed = 7,
    as_json: AsJson = False,
    timeout: Timeout = 300.0,
) -> None:
    """Run the same exam day against servers that are already running (a vendor's TA or DR, for example), so
    the demo doubles as an interoperability test; exits 1 when DR's results differ from TA's."""
    console = Console(stderr=as_json)
    try:
        summary = simulate(Endpoints.load(endpoints), seed, console, live=not as_json, timeout=timeout)
    except DayError as error:
        console.print(f"[red]the exam day stopped: {error}[/]")
        raise typer.Exit(2) from None
    _show(summary, console, as_json)
    if not summary.ok:
        raise typer.Exit(1)


def _show(summary: Summary, console: Console, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        summary.render(console)


def _serve_until_interrupted() -> None:
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()
