"""The worker threads of planners' calls to peers: a peer that hangs holds `PEER_THREADS` of them, not all."""

from __future__ import annotations

import threading
from functools import partial
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
import pytest

from oke.roles.toetsplanning import reconcile as reconcile_module
from oke.roles.toetsplanning.api.deps import PEER_THREADS, PeerThreads


def test_a_hanging_peer_holds_a_few_threads_and_another_peers_call_goes_at_once() -> None:
    """40 planner calls to a TA that trickled its answers took anyio's 40 threads, and another school's calls
    waited for them; each call now ends by its deadline, and a peer's calls hold at most `PEER_THREADS`."""
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()

    def hanging() -> str:
        with lock:
            running.append("ta-slow")
        release.wait(10)
        return "late"

    async def main() -> tuple[str, int]:
        threads = PeerThreads()
        async with anyio.create_task_group() as tasks:
            for _ in range(40):
                tasks.start_soon(threads.run, "ta-slow", hanging)
            await _until_held(running, PEER_THREADS)
            with anyio.fail_after(10):
                other = await threads.run("ta-other", lambda: "at once")
            held = len(running)
            release.set()
        return other, held

    other, held = anyio.run(main)
    assert (other, held) == ("at once", PEER_THREADS)


def test_a_schools_reconciliations_hold_a_few_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A planner's reconcile reads TA in a worker thread: 40 of them at a trickling TA took anyio's whole pool."""
    release = threading.Event()
    running: list[str] = []

    def hanging(*args: Any, **kwargs: Any) -> str:
        running.append("reconcile")
        release.wait(10)
        return "late"

    monkeypatch.setattr(reconcile_module, "reconcile_zitting", hanging)
    tx: Any = SimpleNamespace(new_uow=None)

    async def main() -> int:
        threads = PeerThreads()
        async with anyio.create_task_group() as tasks:
            for _ in range(40):
                tasks.start_soon(
                    partial(reconcile_module.reconcile, None, tx, "z-1", tenant="s", threads=threads.of("reconcile s"))
                )
            await _until_held(running, PEER_THREADS)
            held = len(running)
            release.set()
        return held

    assert anyio.run(main) == PEER_THREADS


def test_the_threads_of_every_peer_count_against_anyios_pool() -> None:
    """Found in review: a limiter given to `run_sync` stands in for anyio's, so 10 peers held 80 threads."""
    release = threading.Event()
    running: list[int] = []

    def hanging() -> None:
        running.append(1)
        release.wait(10)

    async def main() -> int:
        threads = PeerThreads()
        pool = anyio.to_thread.current_default_thread_limiter().total_tokens
        async with anyio.create_task_group() as tasks:
            for peer in range(10):
                for _ in range(PEER_THREADS):
                    tasks.start_soon(threads.run, f"ta-{peer}", hanging)
            await _until_held(running, int(pool))
            held = len(running)
            release.set()
        return held - int(pool)

    assert anyio.run(main) == 0


async def _until_held(running: list[Any], count: int) -> None:
    """Wait until `count` calls run, then a little longer: none more may start."""
    with anyio.fail_after(30):
        while len(running) < count:
            await anyio.sleep(0.05)
    await anyio.sleep(0.3)
