"""`oke peers`: the TAs and DRs a server calls, and the credential it uses at each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.cli._options import (
    DatabaseUrl,
    JsonOutput,
    Server,
    migrated_database,
    migrated_session,
    note_new_school,
    peer_clients,
    read_secret,
    school_option,
    settings_for,
)
from oke.cli._tables import print_rows
from oke.client.peers import PeerRole, add_peer, list_peers, probe_version, remove_peer, update_peer
from oke.config import Role
from oke.outbox import operations
from oke.store.tables.peers import PeerConfig

app = typer.Typer(
    help="The peers a server calls over OOAPI (TA and DR for TP, TP for the reference TA and DR).", no_args_is_help=True
)


NAME_HELP = "Unique on this server: the peer name plans use (taPeer), and the --peer of that system's client here."
SECRET_HELP = (
    "The client secret oke presents at the peer's token endpoint. Stored as given (oke must send it), "
    "so protect the database. `--secret -` reads it from stdin (one line) or asks for it at a terminal; "
    "left out, it is read from $OKE_PEER_SECRET, else asked for at a terminal."
)
#: What `oke peers add` says when it has no secret, and no terminal to ask for one at.
MISSING_SECRET = "no secret for the peer: pipe it to --secret - (one line), set $OKE_PEER_SECRET, or give --private-key"
PRIVATE_KEY_HELP = (
    "Instead of a secret: a PEM private key (Ed25519, EC, RSA) oke signs client assertions with "
    "(private_key_jwt, RFC 7523); register its public key at the peer. Stored as given, like a secret."
)
_COLUMNS = (
    "name",
    "role",
    "tenant",
    "base_url",
    "token_url",
    "client_id",
    "scope",
    "nl_test_admin_version",
    "created_at",
)
SCOPE_HELP = (
    "Repeatable. Default: the scopes of the flows between this server and the peer (TP asks a TA for "
    "nl-test-admin-flow-0 and -2-3-4, a DR for -1-5); `--scope ''` asks for none."
)
NEW_SECRET_HELP = (
    "A new client secret, which replaces the private key if the peer had one. `--secret -` reads it from stdin "
    "(one line) or asks for it at a terminal, keeping it out of the shell history and the process list."
)
NEW_PRIVATE_KEY_HELP = "A new PEM private key to sign client assertions with, which replaces the secret."
NEW_SCOPE_HELP = "Repeatable: the scopes to ask for from now on; `--scope ''` asks for none again."
#: The peers a server knows a client's calls by (the client's --peer), and what goes wrong when none names them.
_KNOWN_BY_CLIENT = {
    Role.toetsplanning: (PeerRole.ta, "TP answers this TA's results and session reports with 404"),
    Role.toetsafname: (PeerRole.tp, "TA cannot send this TP the results of the sessions it plans"),
}


@app.command()
def add(
    name: Annotated[str, typer.Option(help=NAME_HELP)],
    role: Annotated[PeerRole, typer.Option(help="The kind of system the peer is.")],
    tenant: Annotated[str, school_option("The school (tenant) whose data goes to this peer.")],
    base_url: Annotated[str, typer.Option(help="The peer's OOAPI URL with its base path: https://ta.example/ooapi.")],
    token_url: Annotated[str, typer.Option(help="The peer's OAuth2 token endpoint (not guessed from the base URL).")],
    client_id: Annotated[str, typer.Option(help="oke's client id at the peer.")],
    secret: Annotated[str | None, typer.Option(help=SECRET_HELP, envvar="OKE_PEER_SECRET", show_envvar=False)] = None,
    private_key: Annotated[Path | None, typer.Option(help=PRIVATE_KEY_HELP, exists=True, dir_okay=False)] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help=SCOPE_HELP)] = None,
    version: Annotated[
        str | None,
        typer.Option(help="The nl-test-admin version to speak with a DR (1.0.1 or the draft 1.1); see `probe`."),
    ] = None,
    server: Server = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Configure a peer; the secret is never printed again."""
    if secret == "-" or (secret is None and private_key is None):
        secret = read_secret(from_stdin=secret == "-", missing=MISSING_SECRET)
    settings = settings_for(server, database_url=database_url)
    with migrated_session(settings) as session:
        note_new_school(session, tenant)
        peer = add_peer(
            session,
            name=name,
            role=role,
            tenant=tenant,
            base_url=base_url,
            token_url=token_url,
            client_id=client_id,
            secret=secret,
            private_key_pem=private_key.read_text("ascii") if private_key else None,
            scope=scopes.asked_of(role, settings.role) if scope is None else " ".join(scope),
            nl_test_admin_version=version,
        )
        shown = _public(peer)
        other_drs = [
            other.name
            for other in list_peers(session)
            if (other.role, other.tenant) == ("dr", tenant) and other.name != name
        ]
        known_by, consequence = _KNOWN_BY_CLIENT.get(settings.role, (None, ""))
        unnamed = known_by == role and not ClientRegistry(session).speaks_for(
            role=ClientRole(role.value), tenant=tenant, peer=name
        )
    typer.echo(json.dumps(shown) if as_json else f"added {shown['role']} peer {shown['name']}")
    if other_drs and role == "dr" and settings.role is Role.toetsplanning:
        first = min([*other_drs, name])
        typer.echo(
            f"warning: {tenant} has a DR peer already ({', '.join(other_drs)}): TP keeps a school's DR objects as one, "
            f"so two DRs overwrite each other's, and flow 5 goes to {first} only (the first by name). A school has one "
            "DR: remove the other once its messages are delivered (oke outbox list --peer, oke peers remove)",
            err=True,
        )
    if unnamed:
        on = "" if settings.role is Role.toetsplanning else f" --server {settings.role}"
        register = f"oke clients add{on} --role {role} --school {tenant} --peer {name}"
        typer.echo(f"warning: no {role} client of {tenant} has --peer {name} yet: {consequence} ({register})", err=True)


@app.command("list")
def list_(server: Server = None, database_url: DatabaseUrl = None, as_json: JsonOutput = False) -> None:
    """List the peers, without their secrets."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        rows = [_public(peer) for peer in list_peers(session)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table(*(key.replace("_", " ").replace("nl test admin ", "") for key in _COLUMNS))
    print_rows(table, ([row[key] for key in _COLUMNS] for row in rows))


@app.command()
def probe(name: str, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Read the nl-test-admin version the peer's `GET /` announces, and speak it from then on (flow 5 to a DR)."""
    with (
        migrated_database(settings_for(server, database_url=database_url)) as database,
        peer_clients(database) as directory,
        database.sessions() as session,
    ):
        version = probe_version(directory, session, name)
        session.commit()
    typer.echo(f"{name} speaks nl-test-admin {version}" if version else f"{name} announces no nl-test-admin version")


@app.command()
def update(
    name: Annotated[str, typer.Argument(help="The peer to change (`oke peers list`).")],
    base_url: Annotated[str | None, typer.Option(help="The peer's OOAPI URL with its base path.")] = None,
    token_url: Annotated[str | None, typer.Option(help="The peer's OAuth2 token endpoint.")] = None,
    client_id: Annotated[str | None, typer.Option(help="oke's client id at the peer.")] = None,
    secret: Annotated[str | None, typer.Option(help=NEW_SECRET_HELP)] = None,
    private_key: Annotated[Path | None, typer.Option(help=NEW_PRIVATE_KEY_HELP, exists=True, dir_okay=False)] = None,
    scope: Annotated[list[str] | None, typer.Option("--scope", help=NEW_SCOPE_HELP)] = None,
    version: Annotated[str | None, typer.Option(help="The nl-test-admin version to speak with a DR.")] = None,
    server: Server = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Change a peer in place (what is not given stays); running servers take it within 60 s. Its role and school
    stay too: for another, remove it and add it again."""
    if secret == "-":
        secret = read_secret()
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        changed = update_peer(
            session,
            name,
            base_url=base_url,
            token_url=token_url,
            client_id=client_id,
            secret=secret,
            private_key_pem=private_key.read_text("ascii") if private_key else None,
            scope=None if scope is None else " ".join(scope),
            nl_test_admin_version=version,
        )
    typer.echo(f"updated {name}: {', '.join(changed)}" if changed else f"{name} unchanged")


@app.command()
def remove(name: str, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Remove a peer; calls to it fail (unknown peer) until it is added again. Its messages in the outbox stay:
    the pending ones are tried again (and fail) until a peer of that name exists again."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        removed = remove_peer(session, name)
        left = operations.waiting(session, name)
    if not removed:
        typer.echo(f"error: no peer {name!r}", err=True)
        raise typer.Exit(1)
    typer.echo(f"removed {name}")
    if left:
        counts = ", ".join(f"{count} {state}" for state, count in sorted(left.items(), reverse=True))
        typer.echo(
            f"warning: {sum(left.values())} outbox message(s) to {name} still wait ({counts}): they are tried again "
            f"until a peer {name} exists again (`oke outbox list --peer {name}`; `oke outbox discard` gives up a "
            "parked one)",
            err=True,
        )


def _public(peer: PeerConfig) -> dict[str, Any]:
    """A peer as the CLI shows it: everything but the secret."""
    return {
        "name": peer.name,
        "role": peer.role,
        "tenant": peer.tenant,
        "base_url": peer.base_url,
        "token_url": peer.token_url,
        "client_id": peer.client_id,
        "scope": peer.scope,
        "nl_test_admin_version": peer.nl_test_admin_version,
        "created_at": peer.created_at.isoformat(timespec="seconds"),
    }
