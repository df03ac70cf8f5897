"""`oke serve`: run a role's server on the embedded SQLite default or on PostgreSQL, in one process or in several
(`--workers`), with its background work or without it (`--no-background`: `oke worker` does it)."""

from __future__ import annotations

import gc
import json
import logging.config
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from rich.console import Console
from uvicorn.config import STARTUP_FAILURE

from oke.cli._options import DatabaseUrl, Host, LogFormat, LogLevel, Port, migrate_and_check, settings_for
from oke.cli.processes import SPREADS_CONNECTIONS, serve_processes
from oke.config import Role, Settings
from oke.observability.logs import json_log_config, text_log_config
from oke.observability.metrics import prepare_multiprocess
from oke.roles.apps import CREATE
from oke.store.engine import shown_url
from oke.store.files import private_folder
from oke.store.locks import file_lock
from oke.web.sockets import bound_socket
from oke.web.tls import tls_options

logger = logging.getLogger(__name__)

app = typer.Typer(help="Run a server.", no_args_is_help=True)

TlsCert = Annotated[
    Path | None,
    typer.Option(
        "--tls-cert",
        help="PEM certificate (chain): with --tls-key, serve HTTPS.",
        show_default="$OKE_TLS_CERT_FILE, else none: HTTP",
    ),
]
TlsKey = Annotated[
    Path | None, typer.Option("--tls-key", help="PEM private key.", show_default="$OKE_TLS_KEY_FILE, else none")
]
Workers = Annotated[
    int,
    typer.Option(
        "--workers",
        min=1,
        help="API processes sharing the port, each with a socket of its own (SO_REUSEPORT: the kernel spreads"
        " the connections). Several writers need PostgreSQL to scale; SQLite takes them one at a time.",
    ),
]
Background = Annotated[
    bool,
    typer.Option(
        "--background/--no-background",
        help="Also do the role's background work (outbox delivery; TP: document fetches, flow 1 pull, DR versions)"
        " in every API process; --no-background serves the API only, for `oke worker --server ROLE` processes.",
    ),
]
#: How `oke serve --workers N` hands its settings to the processes uvicorn starts (JSON).
SERVING = "OKE_SERVE_PROCESS"
#: Hosts that mean every address of the machine: no client reaches the server by them.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})


@app.command("tp")
def serve_tp(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = "info",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    log_format: LogFormat = None,
    workers: Workers = 1,
    background: Background = True,
) -> None:
    """Run the Toetsplanning service (migrates its database first)."""
    settings = _settings(
        Role.toetsplanning, tls_cert, tls_key, host=host, port=port, database_url=database_url, log_format=log_format
    )
    clients = "oke clients add --role ta --school SCHOOL --peer TA-NAME  (also --role dr, planner)"
    _serve(settings, "oke Toetsplanning", clients, log_level, workers, background)


@app.command("ta")
def serve_ta(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = "info",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    log_format: LogFormat = None,
    workers: Workers = 1,
    background: Background = True,
) -> None:
    """Run the reference Toetsafname (migrates its database first, seeds its demo catalogue on first start)."""
    settings = _settings(
        Role.toetsafname, tls_cert, tls_key, host=host, port=port, database_url=database_url, log_format=log_format
    )
    clients = "oke clients add --server ta --role tp --school SCHOOL --peer TP-NAME  (also --role dr: catalogue)"
    _serve(settings, "oke Toetsafname", clients, log_level, workers, background)


@app.command("dr")
def serve_dr(
    host: Host = None,
    port: Port = None,
    database_url: DatabaseUrl = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="nl-test-admin version to announce and judge flow 5 by: 1.0.1 or 1.1 (draft).",
            show_default="$OKE_NL_TEST_ADMIN_VERSION, else 1.0.1",
        ),
    ] = None,
    log_level: LogLevel = "info",
    tls_cert: TlsCert = None,
    tls_key: TlsKey = None,
    log_format: LogFormat = None,
    workers: Workers = 1,
    background: Background = True,
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
        log_format=log_format,
    )
    clients = "oke clients add --server dr --role tp --school SCHOOL  (--role ta --scope nl-test-admin-flow-6)"
    _serve(
        settings,
        f"oke Deelnemerregistratie (nl-test-admin {settings.nl_test_admin_version})",
        clients,
        log_level,
        workers,
        background,
    )


def _settings(role: Role, tls_cert: Path | None, tls_key: Path | None, **given: Any) -> Settings:
    """The role's settings from the options; with both TLS files it serves HTTPS."""
    return settings_for(role, tls_cert_file=tls_cert, tls_key_file=tls_key, **given)


def _serve(settings: Settings, title: str, clients: str, log_level: str, workers: int, background: bool) -> None:
    """Migrate, say where the server is and how to register its clients, and run it in `workers` processes."""
    log_config = json_log_config(log_level) if settings.log_format == "json" else text_log_config(log_level)
    logging.config.dictConfig(log_config)  # the warnings of the check are log lines like any other
    with ExitStack() as held:
        metrics = settings.data_dir / "metrics" / f"{settings.role.value}-{settings.url_port}"
        if workers > 1:  # before its metrics directory is emptied, and before SO_REUSEPORT lets it share the port
            held.enter_context(_only_instance(metrics.with_suffix(".lock"), settings))
        migrate_and_check(settings)
        _warn_of_wildcard_issuer(settings)
        console = Console(soft_wrap=True)
        console.print(f"[bold]{title}[/] on [link]{settings.url}[/]  (database {shown_url(settings.database)})")
        console.print(f"  OOAPI:        {settings.url}{settings.base_path}/")
        console.print(f"  API docs:     {settings.url}/docs")
        console.print(f"  token:        POST {settings.url}/oauth2/token (client_secret_basic)")
        console.print(f"  clients:      {clients}")
        console.print(f"  processes:    {workers}, {'with' if background else 'without'} background work")
        tls = tls_options(settings.tls_cert_file, settings.tls_key_file)
        options: dict[str, Any] = {
            "host": settings.host,
            "port": settings.url_port,
            "log_level": log_level,
            "log_config": log_config,
            # uvicorn's access lines give way to the middleware's (`oke.access`), in either format: one line per
            # request, by route template (not the path asked for, with its ids), with its request id and duration
            "access_log": False,
            **tls,
        }
        if workers == 1:
            listening = bound_socket(settings.host, settings.url_port)  # a port in use: one line naming it, exit 1
            app = CREATE[settings.role](settings, background=background)
            tune_garbage_collector()
            server = uvicorn.Server(uvicorn.Config(app, **options))
            server.run(sockets=[listening])
            if not server.started:
                raise SystemExit(STARTUP_FAILURE)
            return
        # the processes' metrics added up in /metrics of whichever one is scraped
        private_folder(metrics)  # for its owner only, as the data dir above it
        prepare_multiprocess(metrics)
        os.environ[SERVING] = json.dumps({"settings": _plain(settings), "background": background})
        if SPREADS_CONNECTIONS:
            serve_processes(f"{__name__}:app_of_process", workers, options)
        else:  # uvicorn's workers, on one shared socket
            uvicorn.run(f"{__name__}:app_of_process", factory=True, workers=workers, **options)


@contextmanager
def _only_instance(lock: Path, settings: Settings) -> Iterator[None]:
    """Hold `lock` while this `oke serve --workers N` runs, or refuse to start (exit 1) when another holds it.

    Its processes share their port with any other process that sets SO_REUSEPORT, and its start empties the
    metrics directory of its role and port: a second instance would take half the connections, and the first
    one's `/metrics` would lose its counters. The lock file names the pid of its holder."""
    with file_lock(lock, wait=False) as held:
        if not held:
            pid = lock.read_text().strip()
            holder = f" (pid {pid})" if pid else ""
            typer.echo(
                f"error: another oke serve {settings.role} already serves port {settings.url_port}{holder}:"
                " stop it first, or give another --port",
                err=True,
            )
            raise typer.Exit(1)
        lock.write_text(f"{os.getpid()}\n")
        yield


def _warn_of_wildcard_issuer(settings: Settings) -> None:
    """Warn when the tokens' issuer (and the audience of client assertions) defaults to a URL of a wildcard
    address, which no client reaches the server by and which every host of one server shares only by chance."""
    if settings.host in WILDCARD_HOSTS and settings.issuer == settings.url:
        logger.warning(
            "tokens name the issuer %s, the address this server listens on: set OKE_ISSUER to its public URL"
            " (the same on every host of this server), which clients also send as the audience of a client"
            " assertion",
            settings.issuer,
        )


def app_of_process() -> FastAPI:
    """The app of one of the processes `oke serve --workers N` starts, on the settings the command validated."""
    serving = json.loads(os.environ[SERVING])
    settings = Settings.model_validate(serving["settings"])
    app = CREATE[settings.role](settings, background=serving["background"])
    tune_garbage_collector()
    return app


def _plain(settings: Settings) -> dict[str, Any]:
    """The settings as JSON values, secrets included (JSON would mask them)."""
    secrets = {name: value.get_secret_value() for name, value in settings if isinstance(value, SecretStr)}
    return settings.model_dump(mode="json") | secrets


def tune_garbage_collector() -> None:
    """A request makes many short-lived objects; collecting them less often, and never scanning the
    objects that live as long as the server, saves about a twentieth of the CPU of a flow 3 message."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
