"""Options several commands share; each falls back to its `OKE_*` environment variable."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from oke.config import Role, Settings

Host = Annotated[str | None, typer.Option(help="Address to listen on [default: $OKE_HOST or 127.0.0.1].")]
Port = Annotated[int | None, typer.Option(help="Port [default: $OKE_PORT or 8000 for tp].")]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="[default: $OKE_DATABASE_URL or the role's SQLite file]")
]


def settings_for(role: Role, **given: Any) -> Settings:
    """Settings of `role` from the options given, the environment for the rest."""
    return Settings(role=role, **{k: v for k, v in given.items() if v is not None})
