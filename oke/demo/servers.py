"""The three roles as real servers on loopback, each on its own migrated database: uvicorn in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from oke.config import Role, Settings
from oke.roles.apps import CREATE
from oke.store.database import Database
from oke.store.migrate import upgrade
from oke.web.sockets import bound_socket
from oke.web.tls import tls_options

#: How long a server may take to start (its app's start-up included): a loaded machine takes seconds.
START_SECONDS = 30


@contextmanager
def running(app: FastAPI, port: int, host: str = "127.0.0.1", *, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve `app` on `host`:`port` until the block ends; yields its base URL.

    With `tls` (certificate and key files) it serves HTTPS as `oke serve` does. A port in use is an OSError that
    names it, raised here: the socket is bound before the server's thread starts.
    """
    options = tls_options(*tls) if tls else {}
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on", **options)
    server = uvicorn.Server(config)
    sock = bound_socket(host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on port {port} did not start")
            time.sleep(0.01)
        yield f"{'https' if tls else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass(frozen=True)
class Node:
    """One running role: where it answers, and its database for the operator's set-up and the progress."""

    role: Role
    url: str
    database: Database


@dataclass(frozen=True)
class Stack:
    tp: Node
    ta: Node
    dr: Node

    def nodes(self) -> tuple[Node, Node, Node]:
        return self.tp, self.ta, self.dr


@contextmanager
def serving(databases: dict[Role, str], ports: dict[Role, int], host: str = "127.0.0.1") -> Iterator[Stack]:
    """TP, TA and DR serving on `ports`, each on its database (migrated first), until the block ends."""
    with ExitStack() as stack:
        nodes: dict[Role, Node] = {}
        for role in (Role.toetsafname, Role.deelnemerregistratie, Role.toetsplanning):
            upgrade(databases[role], server=role)
            settings = Settings(role=role, host=host, port=ports[role], database_url=databases[role])
            url = stack.enter_context(running(CREATE[role](settings), ports[role], host))
            database = Database(databases[role])
            stack.callback(database.close)
            nodes[role] = Node(role, url, database)
        yield Stack(nodes[Role.toetsplanning], nodes[Role.toetsafname], nodes[Role.deelnemerregistratie])
