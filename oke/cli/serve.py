"""`oke serve`: run a role's server on the embedded SQLite default or on PostgreSQL."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

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
from oke.web.tls import tls_options

app = typer.Typer(help="Run a server.", no_args_is_help=True)

TlsCert = Annotated[
    Path | None,
    typer.Option(
        "--tls-cert", help="PEM certificate (chain): with --tls-key, serve HTTPS [default: $OKE_TLS_CERT_FILE]"
    ),
]
TlsKey = Annotated[Path | None, typer.Option("--tls-key", help="PEM private key [default: $OKE_TLS_KEY_FILE]")]


@app.command("tp")
def serve_tp(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = "info",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
) -> None:
    """Run the Toetsplanning service (migrates its database first)."""
    settings = _settings(Role.toetsplanning, tls_cert, tls_key, host=host, port=port, database_url=database_url)
    clients = "oke clients add --role ta --tenant SCHOOL --peer TA-NAME  (also --role dr, planner)"
    _serve(settings, "oke Toetsplanning", toetsplanning.create_app, clients, log_level)


@app.command("ta")
def serve_ta(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = "info",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
) -> None:
    """Run the reference Toetsafname (migrates its database first, seeds its demo catalogue on first start)."""
    settings = _settings(Role.toetsafname, tls_cert, tls_key, host=host, port=port, database_url=database_url)
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
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
) -> None:
    """Run the reference Deelnemerregistratie (migrates its database first; `oke dr seed` fills a school)."""
    settings = _settings(
        Role.deelnemerregistratie,
        tls_cert,
        tls_key,
        host=host,
        port=port,
        database_url=database_url,
        nl_test_admin_version=version,
    )
    clients = "oke clients add --server dr --role tp --tenant SCHOOL  (--role ta --scope nl-test-admin-flow-6)"
    _serve(
        settings,
        f"oke Deelnemerregistratie (nl-test-admin {settings.nl_test_admin_version})",
        deelnemerregistratie.create_app,
        clients,
        log_level,
    )


def _settings(role: Role, tls_cert: Path | None, tls_key: Path | None, **given: Any) -> Settings:
    """The role's settings from the options; with both TLS files it serves HTTPS."""
    return settings_for(role, tls_cert_file=tls_cert, tls_key_file=tls_key, **given)


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
    tls = tls_options(settings.tls_cert_file, settings.tls_key_file)
    uvicorn.run(app, host=settings.host, port=settings.url_port, log_level=log_level, **tls)


def tune_garbage_collector() -> None:
    """A request makes many short-lived objects; collecting them less often, and never scanning the
    objects that live as long as the server, saves about a twentieth of the CPU of a flow 3 message."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
