"""What the `oke plan` commands share, those that change the planning (`plan`) and those that read it (`plan_reads`)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Annotated

import typer

from oke.cli._options import migrated_database, school_option, settings_for
from oke.config import Role
from oke.store.database import Database

School = Annotated[str, school_option("The school (tenant) whose planning this is.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON, as the planning API answers.")]


def tp_database(database_url: str | None, options: dict[str, str] | None = None) -> AbstractContextManager[Database]:
    """TP's migrated database; `options` name the fields a command builds from its options (`migrated_database`)."""
    return migrated_database(settings_for(Role.toetsplanning, database_url=database_url), options=options)
