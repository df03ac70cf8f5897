"""The chain's roles as separate processes, as production runs them: `oke serve` for TA and DR, and TP as
`oke serve tp --workers N --no-background` beside `oke worker --server tp` processes; what `bench/chain.py
--processes` measures, with each process's peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from oke.config import Role
from oke.demo.servers import Node, Stack
from oke.store.database import Database
from oke.store.migrate import upgrade


def free_port() -> int:
    """A port nothing listens on now, for a server the benchmark starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Processes:
    """The processes started, by name, to read their peak memory before they end."""

    pids: dict[str, int] = field(default_factory=dict)

    def peak_memory_mb(self) -> dict[str, float]:
        """Each process's peak resident memory (VmHWM), its uvicorn worker processes named after it."""
        found: dict[str, float] = {}
        for name, pid in self.pids.items():
            found[name] = _peak_mb(pid)
            for n, child in enumerate(children(pid), start=1):
                found[f"{name} (process {n})"] = _peak_mb(child)
        return found


@dataclass(frozen=True)
class Layout:
    """How many API processes and workers TP runs."""

    tp_api: int = 2
    tp_workers: int = 2


@contextmanager
def serving_processes(
    databases: dict[Role, str], ports: dict[Role, int], host: str, layout: Layout, processes: Processes
) -> Iterator[Stack]:
    """TA, DR and TP as processes on `ports`, each on its database (migrated first), until the block ends."""
    with ExitStack() as stack:
        nodes: dict[Role, Node] = {}
        for role in (Role.toetsafname, Role.deelnemerregistratie, Role.toetsplanning):
            url, database = f"http://{host}:{ports[role]}", databases[role]
            upgrade(database)
            serve = ["serve", role.value, "--host", host, "--port", str(ports[role]), "--database-url", database]
            if role is Role.toetsplanning:
                serve += ["--workers", str(layout.tp_api), "--no-background"]
                for n in range(layout.tp_workers):
                    worker = ["worker", "--server", "tp", "--database-url", database]
                    processes.pids[f"tp worker {n + 1}"] = stack.enter_context(_process(worker, None))
            processes.pids[f"{role.value} serve"] = stack.enter_context(_process(serve, f"{url}/healthz"))
            node_database = Database(database)
            stack.callback(node_database.close)
            nodes[role] = Node(role, url, node_database)
        yield Stack(nodes[Role.toetsplanning], nodes[Role.toetsafname], nodes[Role.deelnemerregistratie])


@contextmanager
def _process(args: list[str], ready: str | None) -> Iterator[int]:
    """`oke ARGS` in a process of its own (quiet), ready when `ready` answers; its pid."""
    with started([sys.executable, "-m", "oke", *args, "--log-level", "warning"], ready) as process:
        yield process.pid


@contextmanager
def started(
    command: list[str], ready: str | None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`command` as a process (its output dropped, its errors kept for a failed start), ready when `ready`
    answers; ended with SIGTERM (then SIGKILL) after the block."""
    process = subprocess.Popen(
        command, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while ready is not None:
            try:
                httpx.get(ready, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"{' '.join(command[:5])} did not start: {output}") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _peak_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def children(pid: int) -> list[int]:
    """The ids of the processes `pid` started that still run."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found
