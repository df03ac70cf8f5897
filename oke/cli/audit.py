"""`oke audit`: who (client, school) changed what and when, from one server's history of accepted writes."""

from __future__ import annotations

import getpass
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from oke.cli._options import (
    DatabaseUrl,
    JsonOutput,
    NewestFirst,
    Server,
    migrated_session,
    school_option,
    settings_for,
)
from oke.cli._tables import print_rows
from oke.ooapi.paging import DEFAULT_LIMIT
from oke.store.history import AuditQuery, Flow, Inbound, Sender, audit_entry, audit_trail, audited
from oke.store.tables.messages import ReceivedMessage
from oke.store.uow import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")
#: The history's client id of an operator's command: who ran it on this machine.
OPERATOR_PEER = "operator"

app = typer.Typer(
    help="The audit: every accepted write, with who sent it (client, school) and when.",
    no_args_is_help=True,
)

When = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"], help="UTC unless an offset is given."
    ),
]


@app.command("list")
def list_(
    school: Annotated[str | None, school_option("Only this school (tenant).")] = None,
    client: Annotated[str | None, typer.Option(help="Only the writes of this client id.")] = None,
    object_id: Annotated[str | None, typer.Option("--object", help="Only the writes to this object id.")] = None,
    flow: Annotated[Flow | None, typer.Option(help="Only this flow; a rare one: add --since.")] = None,
    since: When = None,
    until: When = None,
    before: Annotated[int | None, typer.Option(help="Only messages older than this id: the next page.")] = None,
    limit: NewestFirst = DEFAULT_LIMIT,
    server: Server = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """List accepted writes, newest first."""
    query = AuditQuery(school, client, object_id, flow, _utc(since), _utc(until), before)
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        rows = [_public(m) for m in audit_trail(session, query, limit=limit)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("id", "received", "school", "client", "peer", "flow", "method", "path", "object", "notes")
    columns = ("id", "received_at", "tenant", "client_id", "peer", "flow", "method", "path")
    cells = (
        [*(row[name] for name in columns), f"{row['object_type']} {row['object_id']}", len(row["notes"])]
        for row in rows
    )
    print_rows(table, cells)


@app.command()
def show(message_id: int, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Print one accepted write with its body (as received) and notes, as JSON."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        message = audit_entry(session, message_id)
        row = _public(message) | {"body": _body(message.body)}
    typer.echo(json.dumps(row, indent=2, ensure_ascii=False))


def by_operator(
    service: Callable[[U], T], *, tenant: str, command: str, object_type: str, object_id: str, **options: Any
) -> Callable[[U], T]:
    """`service` audited as an operator's command (flow `operator`): the school, the user who ran `oke`, the
    command line and its options as the body."""
    sender = Sender(tenant=tenant, client_id=f"cli:{getpass.getuser()}"[:128], peer=OPERATOR_PEER)
    body = {name: value for name, value in options.items() if value is not None}
    inbound = Inbound(method="CLI", path=f"oke {command}"[:512], body=body, raw=json.dumps(body))
    return audited(service, sender, inbound, flow="operator", object_type=object_type, object_id=object_id)


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _body(raw: str) -> Any:
    """The body as JSON where it is (every accepted OOAPI write), else the text as received."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def _public(message: ReceivedMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "received_at": message.received_at.isoformat(timespec="seconds"),
        "tenant": message.tenant,
        "client_id": message.client_id,
        "peer": message.peer,
        "flow": message.flow,
        "method": message.method,
        "path": message.path,
        "object_type": message.object_type,
        "object_id": message.object_id,
        "notes": message.notes,
    }
