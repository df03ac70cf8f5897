"""Listings print every value whole, however narrow the terminal: an operator copies ids from them."""

from __future__ import annotations

import uuid

import pytest
from rich.table import Table

from oke.cli._tables import print_rows


def test_a_table_wider_than_the_terminal_keeps_every_value_whole(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a DR vendor: at 80 columns `oke outbox list` and `oke plan enrolments` cut ids to "d323a…"."""
    monkeypatch.setenv("COLUMNS", "80")
    ids = [str(uuid.uuid4()) for _ in range(2)]
    table = Table("id", "key", "path", "state", "next attempt", "last")

    print_rows(table, [[n, key, f"/associations/{key}", "pending", None, "503 busy"] for n, key in enumerate(ids)])

    out = capsys.readouterr().out
    assert "…" not in out
    for key in ids:
        [line] = [line for line in out.splitlines() if f"/associations/{key}" in line]
        assert f"│ {key} │" in line
