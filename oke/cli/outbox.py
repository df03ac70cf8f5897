"""`oke outbox`: see the outbound calls of one server's database, and send refused ones again or give them up."""

from __future__ import annotations

import json
from functools import partial
from typing import Annotated, Any

import typer
from rich.table import Table

from oke.cli._options import (
    DatabaseUrl,
    JsonOutput,
    NewestFirst,
    Server,
    migrated_database,
    migrated_session,
    school_option,
    settings_for,
)
from oke.cli._tables import print_rows
from oke.cli.audit import by_operator
from oke.ooapi.paging import DEFAULT_LIMIT
from oke.outbox import operations
from oke.store.tables.outbox import PARKED, PENDING, OutboxMessage, OutboxState
from oke.store.uow import UnitOfWork

app = typer.Typer(help="The outbox: calls a server makes to its peers, and their delivery.", no_args_is_help=True)

Peer = Annotated[str | None, typer.Option(help="Only the messages to this peer system.")]


@app.command("list")
def list_(
    state: Annotated[OutboxState | None, typer.Option(help="Only messages in this state.")] = None,
    peer: Peer = None,
    school: Annotated[str | None, school_option("Only the messages of this school (tenant).")] = None,
    kind: Annotated[
        str | None, typer.Option(help="Only messages of this kind: flow2, flow2.cancel, flow5, documents.fetch.")
    ] = None,
    limit: NewestFirst = DEFAULT_LIMIT,
    server: Server = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """List outbox messages, newest first."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        found = operations.list_messages(session, state=state, peer=peer, tenant=school, kind=kind, limit=limit)
        rows = [_public(m) for m in found]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "school", "peer", "kind", "key", "method", "path", "state", "attempts", "next attempt", "last")
    print_rows(table, (_cells(row) for row in rows))


def _cells(row: dict[str, Any]) -> list[Any]:
    """A message's row: a parked one has no next attempt (it waits for an operator)."""
    last = " ".join(str(part) for part in (row["last_status"], row["last_error"]) if part is not None)
    cells = [row[name] for name in ("id", "tenant", "peer", "kind", "key", "method", "path", "state", "attempts")]
    return [*cells, None if row["state"] == "parked" else row["next_attempt_at"], last[:80]]


@app.command()
def show(message_id: int, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Print one message with its body, as JSON."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        message = operations.get_message(session, message_id)
        row = _public(message) | {"body": message.body}
    typer.echo(json.dumps(row, indent=2))


@app.command()
def retry(
    message_id: Annotated[
        int | None, typer.Argument(help="The parked message to send again, or the pending one to send now.")
    ] = None,
    all_parked: Annotated[bool, typer.Option("--all-parked", help="Send every parked message again.")] = False,
    all_pending: Annotated[
        bool, typer.Option("--all-pending", help="Send every pending message now (a peer is back: no backoff).")
    ] = False,
    peer: Peer = None,
    server: Server = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Make a message due now: a parked one, or a pending one waiting out its backoff (after fixing what failed,
    e.g. the peer's secret: `oke peers update`); or with --all-parked every parked one, with --all-pending every
    pending one (a peer that was down is back), of --peer if given."""
    if [message_id is not None, all_parked, all_pending].count(True) != 1:
        typer.echo("error: give one of a message id, --all-parked or --all-pending", err=True)
        raise typer.Exit(2)
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        if message_id is not None:
            operations.retry(session, message_id)
            count = 1
        else:
            count = operations.retry_all(session, PARKED if all_parked else PENDING, peer)
    typer.echo(f"{count} message(s) due again")


@app.command()
def discard(
    message_id: Annotated[int, typer.Argument(help="The parked message to give up.")],
    reason: Annotated[str, typer.Option(help="Why; kept in the audit trail (oke audit list --flow operator).")],
    server: Server = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Give up a parked message for good, so that the later messages of its object, waiting behind it, go on."""
    with migrated_database(settings_for(server, database_url=database_url)) as database:
        with database.sessions() as session:
            tenant = operations.get_message(session, message_id).tenant
        service = partial(_discard, message_id=message_id)
        command, subject = f"outbox discard {message_id}", str(message_id)
        by_operator(
            service, tenant=tenant, command=command, object_type="outbox_message", object_id=subject, reason=reason
        )(UnitOfWork(database.sessions))
    typer.echo(f"message {message_id} discarded")


def _discard(uow: UnitOfWork, *, message_id: int) -> None:
    with uow:
        operations.discard(uow.session, message_id)
        uow.commit()


def _public(message: OutboxMessage) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat(timespec="seconds") if value is not None else None

    return {
        "id": message.id,
        "created_at": when(message.created_at),
        "tenant": message.tenant,
        "peer": message.peer,
        "kind": message.kind,
        "key": message.key,
        "method": message.method,
        "path": message.path,
        "content_type": message.content_type,
        "state": message.state,
        "attempts": message.attempts,
        "next_attempt_at": when(message.next_attempt_at),
        "lease_until": when(message.lease_until),
        "last_status": message.last_status,
        "last_error": message.last_error,
        "problem": message.problem,
        "delivered_at": when(message.delivered_at),
    }
