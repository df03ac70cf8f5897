"""A/B: TP's flow 3 cost per message in two checkouts of oke, side by side in one run.

A change that saves a few per cent drowns in the noise of a shared machine when the two versions are measured
one after the other. This runs two TPs at once, one from each checkout (by `PYTHONPATH`), each set up as
`bench/ingest.py` sets up its TP (one process, a fresh PostgreSQL database), and alternates rounds of the same
load between them, each going first in every other round (the first of a pair measured a few per cent slower).
Per round it measures the TP process's CPU time per message, which varies less than the rate; the medians count.

    git worktree add /tmp/before HEAD~1
    .venv/bin/python bench/ab.py /tmp/before . [--requests 3000] [--rounds 8] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _load import load  # noqa: E402
from _processes import children  # noqa: E402
from ingest import Make, fresh_database, tp_target  # noqa: E402

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


@contextmanager
def tp_of(checkout: Path, database_url: str) -> Iterator[tuple[Make, int]]:
    """`bench/ingest.py`'s TP running the code of `checkout`; yields its request maker and its process id."""
    before = set(children(os.getpid()))
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(checkout)  # for every `oke` command tp_target runs, the server's too
    try:
        with tp_target(database_url, students=500) as make:
            (pid,) = set(children(os.getpid())) - before
            yield make, pid
    finally:
        if previous is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = previous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", type=Path, nargs=2, help="the two checkouts of oke: A, then B")
    parser.add_argument("--requests", type=int, default=3000, help="per round and checkout")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/oke_bench_ab")
    options = parser.parse_args()
    checkouts = [checkout.resolve() for checkout in options.checkouts]
    cpu: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    rates: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        servers = {}
        for n, checkout in enumerate(checkouts, start=1):
            database_url = stack.enter_context(fresh_database(options.postgres, Path(folder), n))
            servers[checkout] = stack.enter_context(tp_of(checkout, database_url))
            load(servers[checkout][0], 1000, options.concurrency)  # warm up
        for round_ in range(options.rounds):
            for checkout in checkouts if round_ % 2 == 0 else checkouts[::-1]:  # neither always goes first
                make, pid = servers[checkout]
                started = cpu_seconds(pid)
                figures = load(make, options.requests, options.concurrency)
                cpu[checkout].append((cpu_seconds(pid) - started) / options.requests * 1e6)
                rates[checkout].append(figures.rate)
    print(f"{'':4}{'TP CPU µs/message':>20}{'req/s':>10}  checkout")
    for name, checkout in zip("AB", checkouts, strict=True):
        print(f"{name:4}{statistics.median(cpu[checkout]):20.0f}{statistics.median(rates[checkout]):10.0f}  {checkout}")
    a, b = (statistics.median(cpu[checkout]) for checkout in checkouts)
    print(f"B / A, CPU per message: {b / a:.2f}; medians of {options.rounds} alternating rounds of {options.requests}")


if __name__ == "__main__":
    main()
