"""How commands print a listing: a table, a missing value left blank, and on stderr how to ask for the next page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import typer
from rich.console import Console
from rich.table import Table


def print_rows(table: Table, rows: Iterable[Iterable[Any]], next_page: str | None = None) -> None:
    """`rows` in `table` (None left blank); `next_page`, when a page follows, as the `--after` that reads it."""
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    Console().print(table)
    if next_page is not None:
        typer.echo(f"next page: --after {next_page}", err=True)
