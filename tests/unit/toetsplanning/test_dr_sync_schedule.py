"""The scheduled flow 1 pull goes on after any failure: a DR that cannot be read is a line, oke's own bug a
traceback (its text may name a person or a path: not in the log, docs/operations.md "Logs")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from oke.client.errors import PeerUnavailable
from oke.roles.toetsplanning import dr_sync

NAME = "Jansen"


def test_a_pull_that_fails_is_logged_and_the_next_dr_is_pulled_a_bug_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    pulled: list[str] = []

    async def pull(_directory: Any, _tx: Any, peer: str, *, reads_at_once: int, budget_seconds: float) -> None:
        pulled.append(peer)
        if peer == "dr-bug":
            raise KeyError(NAME)
        raise PeerUnavailable(f"DR {peer}: GET /offerings?since=... failed")

    monkeypatch.setattr(dr_sync, "pull", pull)
    caplog.set_level(logging.INFO, logger=dr_sync.logger.name)
    asyncio.run(dr_sync._pull_each(None, None, ["dr-bug", "dr-away"], 1, 60.0))  # type: ignore[arg-type]
    assert pulled == ["dr-bug", "dr-away"]
    bug, away = ((record.levelname, record.getMessage()) for record in caplog.records)
    assert bug[0] == "ERROR" and bug[1].startswith("flow 1 pull from DR dr-bug failed, an internal error:\nTraceback")
    assert "in pull" in bug[1] and bug[1].endswith("\nKeyError") and NAME not in bug[1]
    assert away == (
        "WARNING",
        "flow 1 pull from DR dr-away failed: PeerUnavailable (`oke sync dr dr-away` says why)",
    )
