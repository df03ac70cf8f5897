"""Options several commands share; each falls back to its `OKE_*` environment variable."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from oke.config import Role, Settings

Host = Annotated[str | None, typer.Option(help="Address to listen on [default: $OKE_HOST or 127.0.0.1].")]
Port = Annotated[int | None, typer.Option(help="Port [default: $OKE_PORT or 8000 for tp].")]
LogLevel = Annotated[str, typer.Option(help="uvicorn's log level; 'warning' leaves out the access log.")]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="[default: $OKE_DATABASE_URL or the role's SQLite file]")
]


def settings_for(role: Role | None, **given: Any) -> Settings:
    """Settings from the options given; the environment (`OKE_*`) for the rest, the role included."""
    values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if role is not None:
        values["role"] = role
    return Settings(**values)
