"""`oke serve`: run a role's server on the embedded SQLite default or on PostgreSQL."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from rich.console import Console
from sqlalchemy.engine import make_url

from oke.cli._options import DatabaseUrl, Host, LogLevel, Port, settings_for
from oke.config import Role, Settings
from oke.roles.deelnemerregistratie import app as deelnemerregistratie
from oke.roles.toetsafname import app as toetsafname
from oke.roles.toetsplanning import app as toetsplanning
from oke.store.migrate import upgrade

app = typer.Typer(help="Run a server.", no_args_is_help=True)


@app.command("tp")
def serve_tp(
    host: Host = None, port: Port = None, database_url: DatabaseUrl = None, log_level: LogLevel = "info"
) -> None:
    """Run the Toetsplanning service (migrates its database first)."""
    settings = settings_for(Role.toetsplanning, host=host, port=port, database_url=database_url)
    clients = "oke clients add --role ta --tenant SCHOOL --peer TA-NAME  (also --role dr, planner)"
    _serve(settings, "oke Toetsplanning", toetsplanning.create_app, clients, log_level)


@app.command("ta")
def serve_ta(
    host: Host = None, port: Port = None, database_url: DatabaseUrl = None, log_level: LogLevel = "info"
) -> None:
    """Run the reference Toetsafname (migrates its database first, seeds its demo catalogue on first start)."""
    settings = settings_for(Role.toetsafname, host=host, port=port, database_url=database_url)
    clients = "oke clients add --server ta --role tp --tenant SCHOOL --peer TP-NAME  (also --role dr: catalogue)"
    _serve(settings, "oke Toetsafname", toetsafname.create_app, clients, log_level)


@app.command("dr")
def serve_dr(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    version: Annotated[
        str | None,
        typer.Option("--version", help="nl-test-admin version to announce and judge flow 5 by: 1.0.1 or 1.1 (draft)."),
    ] = None,
    log_level: LogLevel = "info",
) -> None:
    """Run the reference Deelnemerregistratie (migrates its database first; `oke dr seed` fills a school)."""
    settings = settings_for(
        Role.deelnemerregistratie, host=host, port=port, database_url=database_url, nl_test_admin_version=version
    )
    clients = "oke clients add --server dr --role tp --tenant SCHOOL  (--role ta --scope nl-test-admin-flow-6)"
    _serve(
        settings,
        f"oke Deelnemerregistratie (nl-test-admin {settings.nl_test_admin_version})",
        deelnemerregistratie.create_app,
        clients,
        log_level,
    )


def _serve(
    settings: Settings, title: str, create_app: Callable[[Settings], FastAPI], clients: str, log_level: str
) -> None:
    """Migrate, say where the server is and how to register its clients, and run it."""
    upgrade(settings.database)
    console = Console(soft_wrap=True)
    database = make_url(settings.database).render_as_string(hide_password=True)
    console.print(f"[bold]{title}[/] on [link]{settings.url}[/]  (database {database})")
    console.print(f"  OOAPI:        {settings.url}{settings.base_path}/")
    console.print(f"  API docs:     {settings.url}/docs")
    console.print(f"  token:        POST {settings.url}/oauth2/token (client_secret_basic)")
    console.print(f"  clients:      {clients}")
    app = create_app(settings)
    tune_garbage_collector()
    uvicorn.run(app, host=settings.host, port=settings.url_port, log_level=log_level)


def tune_garbage_collector() -> None:
    """A request makes many short-lived objects; collecting them less often, and never scanning the
    objects that live as long as the server, saves about a twentieth of the CPU of a flow 3 message."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
