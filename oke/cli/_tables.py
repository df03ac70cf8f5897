"""How commands print a listing: a table, a missing value left blank, and on stderr how to ask for the next page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

#: Wider than any table: the width a table is measured in, to find how wide its values make it.
_UNBOUNDED = 100_000


def print_rows(table: Table, rows: Iterable[Iterable[Any]], next_page: str | None = None) -> None:
    """`rows` in `table` (None left blank); `next_page`, when a page follows, as the `--after` that reads it.

    The table is as wide as its values, wider than the terminal if need be (which wraps it; `less -S` scrolls it):
    a value cut to "d323a…" to fit would be lost, and an operator copies ids from here into the next command."""
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    console = Console()
    natural = console.measure(table, options=console.options.update_width(_UNBOUNDED)).maximum
    Console(width=max(console.width, natural)).print(table)
    if next_page is not None:
        typer.echo(f"next page: --after {next_page}", err=True)
