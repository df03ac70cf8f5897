"""`oke worker`: a role's background work as a process of its own, beside `oke serve ROLE --no-background`."""

from __future__ import annotations

import logging
import logging.config
import signal
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated

import anyio
import typer
from prometheus_client import start_http_server

from oke.cli._options import DatabaseUrl, FormerServer, LogFormat, LogLevel, Server, migrate_and_check, settings_for
from oke.config import Role, Settings
from oke.observability.logs import json_log_config, text_log_config
from oke.outbound import outbox_work
from oke.roles.toetsplanning import background as toetsplanning
from oke.store.database import Database
from oke.store.engine import shown_url
from oke.web.sockets import naming_address

WORK: dict[Role, Callable[[Settings, Database], AbstractAsyncContextManager[None]]] = {
    Role.toetsplanning: toetsplanning.working,
    Role.toetsafname: outbox_work,
    Role.deelnemerregistratie: outbox_work,
}


def worker_command(
    server: Server = None,
    database_url: DatabaseUrl = None,
    log_level: LogLevel = "info",
    log_format: LogFormat = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", help="Serve this worker's Prometheus metrics (deliveries by outcome) on this port."
        ),
    ] = None,
    metrics_host: Annotated[str, typer.Option("--metrics-host", help="Address of the metrics port.")] = "127.0.0.1",
    role: FormerServer = None,
) -> None:
    """Do a server's background work without HTTP until SIGTERM or SIGINT (migrates its database first).

    It delivers the role's outbox (TP: flows 2 and 5 and the document fetches of 3.3; TA: flows 3 and 4; DR:
    flow 1), and for TP also asks each DR its nl-test-admin version and pulls flow 1 on the schedule of
    $OKE_DR_SYNC_MINUTES. Any number of workers (and `oke serve` processes with background work) may run
    against one database, on several machines: each message goes to one of them, and a dead worker's messages
    are taken over when their lease ends. On PostgreSQL a worker delivers as soon as a message is committed;
    on SQLite it looks every half second.
    """
    settings = settings_for(server or role, database_url=database_url, log_format=log_format)
    log_config = json_log_config if settings.log_format == "json" else text_log_config
    logging.config.dictConfig(log_config(log_level))
    if metrics_port is not None:  # a worker has no API: its counters are served apart (the depth by the API)
        with naming_address(metrics_host, metrics_port):
            start_http_server(metrics_port, metrics_host)
    migrate_and_check(settings)
    typer.echo(f"oke worker ({settings.role.value}) on {shown_url(settings.database)}: until SIGTERM or Ctrl-C")
    anyio.run(_work, settings)


async def _work(settings: Settings) -> None:
    database = Database.of(settings)
    try:
        with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
            async with WORK[settings.role](settings, database):
                async for _signal in signals:
                    break
    finally:
        database.close()
