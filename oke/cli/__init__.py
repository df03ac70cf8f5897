"""The `oke` command: serve a role, manage its clients and its database."""

from __future__ import annotations

import errno
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from oke import __version__
from oke.cli import (
    audit,
    catalogue,
    clients,
    db,
    demo,
    dr,
    keys,
    outbox,
    peers,
    plan,
    reconcile,
    results,
    serve,
    sync,
    ta,
    worker,
)
from oke.store.migrate import UnfitDatabase

app = typer.Typer(help="oke: the OKE test-administration exchange (NED-OOAPI).", no_args_is_help=True)


def _show_version(shown: bool) -> None:
    if shown:
        typer.echo(f"oke {__version__}")
        raise typer.Exit()


@app.callback()
def _oke(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    """oke: the OKE test-administration exchange (NED-OOAPI)."""


app.add_typer(serve.app, name="serve")
app.add_typer(clients.app, name="clients")
app.add_typer(keys.app, name="keys")
app.add_typer(db.app, name="db")
app.add_typer(peers.app, name="peers")
app.add_typer(outbox.app, name="outbox")
app.add_typer(audit.app, name="audit")
app.add_typer(catalogue.app, name="catalogue")
app.add_typer(plan.app, name="plan")
app.add_typer(results.app, name="results")
app.add_typer(ta.app, name="ta")
app.command("reconcile")(reconcile.reconcile_command)
app.add_typer(dr.app, name="dr")
app.add_typer(sync.app, name="sync")
app.command("demo")(demo.demo_command)
app.command("simulate")(demo.simulate_command)
app.command("worker")(worker.worker_command)


def main() -> None:
    """`oke`. A mistake in the settings, a database it cannot reach or must not use (another server's, a newer
    oke's), a port in use or a folder it cannot write is told in one line: not a traceback."""
    try:
        app(prog_name="oke")
    except ValidationError as error:
        if error.title != "Settings":
            raise
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else None
            where = f"{name} ($OKE_{name.upper()} or its option): " if name else ""
            typer.echo(f"error: {where}{problem['msg'].removeprefix('Value error, ')}", err=True)
        raise SystemExit(2) from None
    except OperationalError as error:  # its message names the server and the database, never the password
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        typer.echo(f"error: the database cannot be used: {reason}", err=True)
        raise SystemExit(1) from None
    except UnfitDatabase as error:
        typer.echo(f"error: {error}", err=True)
        raise SystemExit(1) from None
    except OSError as error:  # the machine's: a port in use (`oke.web.sockets`), a read-only folder
        typer.echo(f"error: {_os_reason(error)}", err=True)
        raise SystemExit(1) from None


def _os_reason(error: OSError) -> str:
    if error.filename is None:
        return error.strerror or str(error)
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"cannot write {error.filename}: {error.strerror} (oke writes beside its SQLite database, and in"
            " $OKE_DATA_DIR: default .oke in the working directory)"
        )
    return f"{error.filename}: {error.strerror}"
