"""Options several commands share; each falls back to its `OKE_*` environment variable."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from difflib import get_close_matches
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from oke.client.peers import PeerDirectory
from oke.config import DEFAULT_PORTS, Role, Settings
from oke.errors import InvalidContent, OkeError
from oke.outbound import peer_directory
from oke.store.checks import server_warnings
from oke.store.database import Database
from oke.store.engine import make_engine, make_session_factory, shown_url
from oke.store.migrate import Migrated, upgrade
from oke.store.tables.auth import OAuthClient
from oke.store.tables.peers import PeerConfig
from oke.tenants import tenant_faults

logger = logging.getLogger(__name__)

# A default that comes from the environment is given as `show_default`, which `--help` shows as
# `[default: (...)]`: in the help text itself typer would take `[default: ...]` for rich markup, and drop it.
Host = Annotated[str | None, typer.Option(help="Address to listen on.", show_default="$OKE_HOST, else 127.0.0.1")]
Port = Annotated[
    int | None,
    typer.Option(
        help="Port to listen on.",
        show_default="$OKE_PORT, else " + ", ".join(f"{port} for {role.value}" for role, port in DEFAULT_PORTS.items()),
    ),
]
LogLevel = Annotated[
    str, typer.Option(help="Log level: debug, info, warning, error; 'warning' leaves out the API's access log.")
]
LogFormat = Annotated[
    str | None,
    typer.Option(
        "--log-format",
        help="text, or json: one JSON object a line, with request id, client and tenant.",
        show_default="$OKE_LOG_FORMAT, else text",
    ),
]
Server = Annotated[
    Role | None, typer.Option("--server", help="Whose database: tp, ta or dr.", show_default="$OKE_ROLE, else tp")
]
#: `--server` by the name `oke db upgrade` and `oke worker` first gave it, hidden: docs/architecture.md showed
#: `--role` in its production recipe, and deployment scripts copied from it keep working.
FormerServer = Annotated[Role | None, typer.Option("--role", hidden=True)]
JsonOutput = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: The most rows a listing of a server's own records for an operator (`oke audit list`, `oke outbox list`) prints
#: at once: they are read whole, bodies included, into the command's memory. A listing of a role's API (`oke plan
#: list`, `oke results list`) pages as that API does, at most `oke.ooapi.paging.MAX_LIMIT`.
OPERATOR_MAX_LIMIT = 10_000
NewestFirst = Annotated[int, typer.Option(min=1, max=OPERATOR_MAX_LIMIT, help="At most this many, newest first.")]


def school_option(help: str) -> Any:
    """The option of the school (tenant) a command is about: `--school`, or `--tenant` as `oke clients add`,
    `oke peers add` and `oke dr` first called it (scripts use both), on every command that asks for a school."""
    return typer.Option("--school", "--tenant", help=help)


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="The server's database, a SQLAlchemy URL: sqlite:///FILE or postgresql+psycopg://USER:PASSWORD@HOST/DB.",
        show_default="$OKE_DATABASE_URL, else the role's SQLite file in $OKE_DATA_DIR, else in .oke",
    ),
]


def moment_option(value: str | None, option: str) -> datetime | None:
    """A date-time option with its UTC offset, as the sessions' start is compared with it."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is no date-time", param_hint=option) from None
    if moment.tzinfo is None:
        raise typer.BadParameter(f"{value!r} needs its UTC offset, e.g. +01:00", param_hint=option)
    return moment


def read_secret(*, from_stdin: bool = True, missing: str = "no secret on stdin for --secret -") -> str:
    """A secret typed at the terminal without echo; else, `from_stdin` (`--secret -`), the first line of stdin (a
    pipe, a file), stripped: out of the shell history and the process list either way. Without a terminal and
    without a line, the command fails with `missing`: a prompt there would only print a warning and abort."""
    if sys.stdin.isatty():
        return str(typer.prompt("Secret", hide_input=True))
    secret = sys.stdin.readline().strip() if from_stdin else ""
    if not secret:
        typer.echo(f"error: {missing}", err=True)
        raise typer.Exit(2)
    return secret


def settings_for(role: Role | None, **given: Any) -> Settings:
    """Settings from the options given; the environment (`OKE_*`) for the rest, the role included.

    An `OKE_*` variable that names no setting is told on stderr: mistyped (`OKE_DATABSE_URL`), it would be ignored
    without a word, and the command would run on the default instead (a new, empty SQLite database)."""
    values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    if role is not None:
        values["role"] = role
    for name, likely in unknown_variables(os.environ).items():
        meant = f": did you mean {likely}?" if likely else ""
        typer.echo(f"warning: {name} is no oke setting, and is ignored{meant}", err=True)
    return Settings(**values)


#: The `OKE_*` variables that are no setting: `oke peers add|update` may read the peer's secret from one, and
#: `oke serve --workers` hands its processes their settings in the other; `OKE_TEST_*` are the test suite's and the
#: benchmarks' (README).
NOT_SETTINGS = frozenset({"OKE_PEER_SECRET", "OKE_SERVE_PROCESS"})
TESTS_OWN = "OKE_TEST_"


def unknown_variables(environment: Mapping[str, str]) -> dict[str, str | None]:
    """The `OKE_*` variables that name no setting (names are read regardless of case, as the settings are), each
    with the variable it most likely meant."""
    known = {f"OKE_{name.upper()}" for name in Settings.model_fields} | NOT_SETTINGS
    unknown = sorted(
        name
        for name in environment
        if name.upper().startswith("OKE_") and name.upper() not in known and not name.upper().startswith(TESTS_OWN)
    )
    return {name: _likely(name.upper(), known) for name in unknown}


def _likely(name: str, known: set[str]) -> str | None:
    """The known variable `name` most likely misspells, compared without the `OKE_` they share."""
    matches = get_close_matches(name[4:], [variable[4:] for variable in known], n=1, cutoff=0.8)
    return f"OKE_{matches[0]}" if matches else None


def note_new_school(session: Session, tenant: str) -> None:
    """Told on stderr when no client or peer of `tenant` exists yet: a mistyped school silently makes a second one,
    whose planning and results are then empty. A name that is no school's (`tenant_faults`) is left to the refusal."""
    if tenant_faults(tenant):
        return
    known = (
        select(OAuthClient.tenant)
        .where(OAuthClient.tenant == tenant)
        .union(select(PeerConfig.tenant).where(PeerConfig.tenant == tenant))
    )
    if session.execute(known.limit(1)).first() is None:
        typer.echo(f"note: school {tenant!r} is new here (no client or peer of it yet)", err=True)


def migrate(settings: Settings) -> Migrated:
    """Bring the server's database to the newest schema, checked to be that server's. A new database is told on
    stderr: a mistyped path or name makes one, where the command meant an existing one."""
    done = upgrade(settings.database, server=settings.role)
    if done.created:
        typer.echo(f"note: {shown_url(settings.database)} held no oke database: created it", err=True)
    return done


def migrated(settings: Settings) -> str:
    """The URL of the server's database, once `migrate` has brought it to the newest schema."""
    migrate(settings)
    return settings.database


@contextmanager
def migrated_session(settings: Settings) -> Iterator[Session]:
    """A session on the server's migrated database, committed when the command succeeds; errors shown plainly."""
    engine = make_engine(migrated(settings))
    try:
        with make_session_factory(engine)() as session:
            yield session
            session.commit()
    except OkeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


@contextmanager
def migrated_database(
    settings: Settings, *, failing: str = "error", options: Mapping[str, str] | None = None
) -> Iterator[Database]:
    """The server's migrated database with its engines (for services and peer clients), closed afterwards.

    An oke error (a refusal, an unknown id, a peer that cannot be reached) is printed after `failing`
    and exits 1. `options` maps the JSON pointers of the fields a command builds from its options to those
    options: a refused field is named as the user gave it (`--start`, not `/offering/startDateTime`).
    """
    database = Database(migrated(settings))
    try:
        yield database
    except OkeError as error:
        typer.echo(f"{failing}: {_in_options(error, options or {})}", err=True)
        raise typer.Exit(1) from None
    finally:
        database.close()


def _in_options(error: OkeError, options: Mapping[str, str]) -> str:
    if not isinstance(error, InvalidContent):
        return str(error)
    return "; ".join(str(replace(e, pointer=_option_of(e.pointer, options))) for e in error.errors)


def _option_of(pointer: str, options: Mapping[str, str]) -> str:
    """The option a field (or a field inside it) came from, else its pointer."""
    for field, option in options.items():
        if pointer == field or pointer.startswith(f"{field}/"):
            return option
    return pointer


def peer_clients(database: Database) -> PeerDirectory:
    """The clients of the peers configured in `database`, with the timeout and CA bundle of the environment
    (`OKE_OUTBOUND_TIMEOUT_SECONDS`, `OKE_CA_BUNDLE`), as the server uses them."""
    return peer_directory(database.read_sessions, settings_for(None))


def migrate_and_check(settings: Settings) -> Migrated:
    """`migrate`, and log a warning for each setting of the database server that would make oke slow as the
    data grows."""
    done = migrate(settings)
    for warning in server_warnings(settings.database):
        logger.warning(warning)
    return done
