"""The whole chain end to end: how fast results go from TA through TP to DR during `oke demo`'s exam day.

Runs the demo's day (TP, the reference TA and the reference DR in one process, each on its own database, talking
HTTP on loopback) for each school size, then reads the servers' own history rows:

- results per second: first-attempt Deelnames whose result DR holds, divided by the time from TP receiving TA's
  first flow 3 PATCH of the day to DR storing its last flow 5 message for them;
- latency per Deelname: from TP receiving TA's last flow 3 message of it (TA sending its final result) to DR
  storing the last flow 5 message of its attempt (DR holding it); p50 and p99.

TA runs the sessions one after another while its outbox already delivers, so the figures include TA's own work.

    .venv/bin/python bench/chain.py [--students 1000 10000] [--seed 7] [--postgres URL] [--flow1 push|pull]
                                    [--processes API WORKERS] [--toetsen N] [--progress]

With `--processes 2 2` each role runs in processes of its own, as in production: TA and DR as `oke serve`, TP
as `oke serve tp --workers 2 --no-background` beside two `oke worker --server tp`; the peak memory of each
process is printed too. With `--toetsen 1` the school has one planbare toets, Rekenen 2F, which every student
takes: one first-attempt result per student (the demo's five give three on average).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from pathlib import Path

from rich.console import Console
from sqlalchemy import select, text

from oke.config import Role
from oke.demo.check import Planned
from oke.demo.databases import postgres_databases, sqlite_databases
from oke.demo.run import TENANT, DemoOptions, Serve, demo
from oke.demo.school import TOETSEN
from oke.demo.servers import Stack, serving
from oke.store.checks import autovacuum_is_off
from oke.store.engine import make_engine
from oke.store.tables.deelnemerregistratie import SchoolEnrolment
from oke.store.tables.messages import ReceivedMessage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import Layout, Processes, free_port, serving_processes  # noqa: E402


class Stamped(Console):
    """Prints each line of the day with the seconds since it began: a long run shows where its time goes."""

    def __init__(self) -> None:
        super().__init__(stderr=True, width=160)
        self.started = time.monotonic()

    def print(self, *objects: object, **options: object) -> None:
        super().print(f"[{time.monotonic() - self.started:7.0f} s]", *objects, **options)  # type: ignore[arg-type]


def measure(
    students: int,
    seed: int,
    postgres: str | None,
    layout: Layout | None,
    flow1: str,
    progress: bool = False,
    toetsen: int = len(TOETSEN),
) -> tuple[dict[str, float], dict[str, float]]:
    """The chain's figures, and the peak memory of each process (MB) when the roles run as `layout` says and the
    school has the demo's first `toetsen` planbare toetsen."""
    with tempfile.TemporaryDirectory() as folder:
        databases = postgres_databases(postgres) if postgres else sqlite_databases(Path(folder))
        ports = {role: free_port() for role in Role}
        options = DemoOptions(
            students, seed, databases, ports, Path(folder), timeout=7200, flow1=flow1, toetsen=TOETSEN[:toetsen]
        )
        processes = Processes()
        serve: Serve = serving
        if layout is not None:
            serve = partial(serving_processes, layout=layout, processes=processes)
        console = Stamped() if progress else Console(stderr=True)
        with analyzed(databases), demo(options, console, live=progress, serve=serve) as (summary, stack):
            assert summary.ok, summary.differences[:5]
            first = {p.deelname: p for p in summary.day.planned if p.attempt == 1}
            return _figures(stack, first, summary.seconds), processes.peak_memory_mb()


@contextmanager
def analyzed(databases: dict[Role, str], every_seconds: float = 30.0) -> Iterator[None]:
    """While the block runs, ANALYZE the chain's PostgreSQL databases every `every_seconds` if the server's
    autovacuum is off, as production's autovacuum would (docs/architecture.md: without it, plans made on the
    empty tables stay, and a lookup by key came to read a whole table)."""
    engines = [make_engine(url) for url in databases.values()]
    stop = threading.Event()

    never_analyzed = [engine for engine in engines if autovacuum_is_off(engine)]

    def analyze() -> None:
        while not stop.wait(every_seconds):
            for engine in never_analyzed:
                with engine.begin() as connection:
                    connection.execute(text("ANALYZE"))

    thread = threading.Thread(target=analyze, name="bench-analyze")
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        for engine in engines:
            engine.dispose()


def _figures(stack: Stack, first: dict[str, Planned], seconds: float) -> dict[str, float]:
    sent = _last_received(stack, Role.toetsplanning, "3")  # deelnameId -> TA's last flow 3 message at TP
    stored = _last_received(stack, Role.deelnemerregistratie, "5")  # associationId at DR -> last flow 5 message
    first_patch = min(_first_received(stack, Role.toetsplanning, "3").values())
    with stack.dr.database.read_sessions() as session:
        own = select(SchoolEnrolment.association_id).where(
            SchoolEnrolment.tenant == TENANT, SchoolEnrolment.attempt == 1, SchoolEnrolment.result.is_not(None)
        )
        held = set(session.scalars(own))
    latencies = []
    last_store = first_patch
    for deelname, planned in first.items():
        enrolment = planned.enrolment
        if enrolment not in held or deelname not in sent:
            continue
        latencies.append((stored[enrolment] - sent[deelname]).total_seconds())
        last_store = max(last_store, stored[enrolment])
    window = (last_store - first_patch).total_seconds()
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "results": len(latencies),
        "results_per_second": len(latencies) / window,
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
        "day_seconds": seconds,
    }


def _last_received(stack: Stack, role: Role, flow: str) -> dict[str, datetime]:
    return _received(stack, role, flow, last=True)


def _first_received(stack: Stack, role: Role, flow: str) -> dict[str, datetime]:
    return _received(stack, role, flow, last=False)


def _received(stack: Stack, role: Role, flow: str, *, last: bool) -> dict[str, datetime]:
    node = {Role.toetsplanning: stack.tp, Role.deelnemerregistratie: stack.dr}[role]
    query = (
        select(ReceivedMessage.object_id, ReceivedMessage.received_at)
        .where(ReceivedMessage.tenant == TENANT, ReceivedMessage.flow == flow)
        .order_by(ReceivedMessage.id)
    )
    found: dict[str, datetime] = {}
    with node.database.read_sessions() as session:
        for object_id, received_at in session.execute(query):
            if last or object_id not in found:
                found[object_id] = received_at
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--students", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="a PostgreSQL URL; the three databases are made beside it")
    parser.add_argument("--flow1", choices=("push", "pull"), default="push", help="DR pushes, or TP pulls")
    parser.add_argument(
        "--processes",
        nargs=2,
        type=int,
        metavar=("API", "WORKERS"),
        help="each role in processes of its own, TP as API processes (--no-background) and `oke worker`s",
    )
    parser.add_argument("--progress", action="store_true", help="print each stage of the day as it ends")
    parser.add_argument(
        "--toetsen",
        type=int,
        choices=range(1, len(TOETSEN) + 1),
        default=len(TOETSEN),
        help="the school has the demo's first N planbare toetsen (1: Rekenen 2F only, one exam per student)",
    )
    args = parser.parse_args()
    layout = Layout(*args.processes) if args.processes else None
    print("| students | results (attempt 1) | results/s TA -> DR | p50 TA -> DR | p99 TA -> DR | whole day |")
    print("|---|---|---|---|---|---|")
    memory: dict[int, dict[str, float]] = {}
    for students in args.students:
        f, memory[students] = measure(
            students, args.seed, args.postgres, layout, args.flow1, args.progress, args.toetsen
        )
        print(
            f"| {students:,} | {f['results']:,.0f} | {f['results_per_second']:,.0f} | {f['p50_ms']:,.0f} ms"
            f" | {f['p99_ms']:,.0f} ms | {f['day_seconds']:,.0f} s |",
            flush=True,
        )
    for students, peaks in memory.items():
        if peaks:
            print(f"\npeak memory, {students:,} students: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in peaks.items()))


if __name__ == "__main__":
    main()
