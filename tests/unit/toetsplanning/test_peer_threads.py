"""The worker threads of planners' calls to peers: a peer that hangs holds `PEER_THREADS` of them, not all."""

from __future__ import annotations

import threading
from functools import partial
from types import SimpleNamespace
from typing import Any

import anyio
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
            await anyio.sleep(0.2)
            with anyio.fail_after(2):
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
            await anyio.sleep(0.2)
            held = len(running)
            release.set()
        return held

    assert anyio.run(main) == PEER_THREADS
