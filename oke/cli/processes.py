"""`oke serve --workers N`: N API processes, each listening on a socket of its own on the same port.

uvicorn's own workers share one listening socket, and whichever process wakes first takes a new connection: a
peer that opens its few keep-alive connections at once may have every one of them served by the same process,
the others idle. With SO_REUSEPORT each process has its own socket and the kernel spreads the connections over
them (by their addresses and ports).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from oke.web.sockets import bound_socket

log = logging.getLogger(__name__)

#: How long a process may take to finish its requests after SIGTERM before it is killed.
STOP_SECONDS = 30
#: How often an API process checks that the process that started it still runs.
PARENT_CHECK_SECONDS = 1.0
#: Where the kernel spreads connections over the sockets of several processes (Linux and the BSDs).
SPREADS_CONNECTIONS = hasattr(socket, "SO_REUSEPORT")


def serve_processes(app: str, workers: int, options: dict[str, Any]) -> None:
    """Serve the uvicorn app factory `app` (an import string) in `workers` processes until SIGINT or SIGTERM;
    a process that ends is started again. `options` are uvicorn's (`host` and `port` included)."""
    # a port in use fails here, before any process starts
    holder = bound_socket(options["host"], options["port"], reuse_port=True)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    spawn = multiprocessing.get_context("spawn")

    def started() -> BaseProcess:
        process = spawn.Process(target=_serve_one, args=(app, options, os.getpid()), name="oke-api")
        process.start()
        return process

    processes = [started() for _ in range(workers)]
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:  # it would fail again: the app could not start
                    raise SystemExit(STARTUP_FAILURE)
                log.warning("API process %s ended (exit code %s); starting another", process.pid, process.exitcode)
                processes[i] = started()
    finally:
        for process in processes:
            process.terminate()  # SIGTERM: uvicorn finishes the requests under way
        for process in processes:
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
        holder.close()


def _serve_one(app: str, options: dict[str, Any], parent: int) -> None:
    threading.Thread(target=_end_with, args=(parent,), name="oke-parent-watch", daemon=True).start()
    config = uvicorn.Config(app, factory=True, **options)
    server = uvicorn.Server(config)
    server.run(sockets=[bound_socket(config.host, config.port, reuse_port=True)])
    if not server.started:
        raise SystemExit(STARTUP_FAILURE)


def _end_with(parent: int) -> None:
    """Stop this API process (SIGTERM: its requests under way are finished) once `parent` is gone: a parent killed
    with SIGKILL stops none of its processes, which would go on serving the port, unsupervised, beside the next
    `oke serve` started there."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    log.warning("the oke serve that started this API process (pid %s) is gone: stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
