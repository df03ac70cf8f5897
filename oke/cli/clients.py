"""`oke clients`: register, list and remove the OAuth2 clients of one server's database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from oke.auth import scopes as known
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.jwk import load_public_pem
from oke.cli._options import (
    DatabaseUrl,
    JsonOutput,
    Server,
    migrated_session,
    note_new_school,
    read_secret,
    school_option,
    settings_for,
)
from oke.cli._tables import print_rows
from oke.config import Role
from oke.store.tables.auth import OAuthClient
from oke.store.tables.peers import PeerConfig

app = typer.Typer(help="The OAuth2 clients a server issues tokens to.", no_args_is_help=True)


PUBLIC_KEY_HELP = (
    "The client's PEM public key (Ed25519, EC, RSA): it then authenticates with private_key_jwt "
    "(RFC 7523) and gets no secret."
)
SCOPE_HELP = (
    "Repeatable. Default: the scopes of the flows between the client and this server: flow-2-3-4 between tp and "
    "ta (and flow-0 for a tp client at a ta), flow-1-5 between tp and dr, flow-0 for a dr client at a ta, flow-6 "
    "for a ta client at a dr; a planner gets oke-planning."
)


@app.command()
def add(
    role: Annotated[ClientRole, typer.Option(help="The kind of system the client is.")],
    tenant: Annotated[str, school_option("The school (tenant) whose data the client reaches.")],
    scope: Annotated[list[str] | None, typer.Option("--scope", help=SCOPE_HELP)] = None,
    peer: Annotated[
        str | None,
        typer.Option(help="The peer it speaks for: that peer's `oke peers add --name`. Default: the client id."),
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="Default: ROLE-<random hex>.")] = None,
    secret: Annotated[
        str | None,
        typer.Option(
            help="At least 16 characters; `--secret -` reads it from stdin (one line) or asks for it at a terminal."
            " Default (safer): generated."
        ),
    ] = None,
    public_key: Annotated[Path | None, typer.Option(help=PUBLIC_KEY_HELP, exists=True, dir_okay=False)] = None,
    jwks_url: Annotated[
        str | None, typer.Option(help="Instead of --public-key: where the client publishes its keys.")
    ] = None,
    server: Server = None,
    database_url: DatabaseUrl = None,
    as_json: JsonOutput = False,
) -> None:
    """Register a client and print its id and secret: the secret is shown only this once."""
    if secret == "-":
        secret = read_secret()
    settings = settings_for(server, database_url=database_url)
    needed = known.defaults(role, settings.role)
    if not needed and not scope:
        typer.echo(
            f"error: a {role} client has no flow with a {settings.role} server: --scope says what it may", err=True
        )
        raise typer.Exit(2)
    if unused := set(scope or ()) - needed - {known.PLANNING}:
        names = ", ".join(sorted(unused))
        typer.echo(f"warning: a {role} client at a {settings.role} server has no use for {names}", err=True)
    scopes = scope or sorted(needed)
    try:
        jwks = load_public_pem(public_key.read_bytes()) if public_key else None
    except ValueError as error:
        typer.echo(f"error: {public_key}: {error}", err=True)
        raise typer.Exit(1) from None
    with migrated_session(settings) as session:
        note_new_school(session, tenant)
        registry = ClientRegistry(session)
        client, plain = registry.add(
            role=role,
            tenant=tenant,
            scopes=scopes,
            client_id=client_id,
            peer=peer,
            secret=secret,
            jwks=jwks,
            jwks_url=jwks_url,
        )
        named = session.get(PeerConfig, peer) if peer is not None else None
    if peer is not None:
        _warn_about_peer(named, peer, tenant, settings.role)
    if as_json:
        typer.echo(json.dumps(_public(client) | ({"client_secret": plain} if plain else {})))
        return
    if not plain:
        typer.echo(f"client_id:     {client.client_id}\nauthenticates with private_key_jwt (no secret)")
        return
    typer.echo(f"client_id:     {client.client_id}\nclient_secret: {plain}\n(shown only once)")


@app.command("list")
def list_(server: Server = None, database_url: DatabaseUrl = None, as_json: JsonOutput = False) -> None:
    """List the clients; secrets are never shown (only their hashes are kept)."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        registry = ClientRegistry(session)
        rows = [_public(client) for client in registry.list()]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("client id", "role", "tenant", "peer", "scopes", "created", "disabled")
    print_rows(
        table,
        (
            (
                r["client_id"],
                r["role"],
                r["tenant"],
                r["peer"],
                "\n".join(r["scopes"]),
                r["created_at"],
                "yes" if r["disabled"] else None,
            )
            for r in rows
        ),
    )


@app.command()
def remove(client_id: str, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Remove a client; running servers refuse the tokens it holds within 30 s."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        _require(ClientRegistry(session).remove(client_id), client_id)
    typer.echo(f"removed {client_id}")


@app.command()
def disable(client_id: str, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Suspend a client, keeping its registration: it gets no token, and running servers refuse the tokens it
    holds within 30 s. `oke clients enable` restores it."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        _require(ClientRegistry(session).set_disabled(client_id, True), client_id)
    typer.echo(f"disabled {client_id}")


@app.command()
def enable(client_id: str, server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Restore a disabled client: running servers take its tokens again within 30 s."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        _require(ClientRegistry(session).set_disabled(client_id, False), client_id)
    typer.echo(f"enabled {client_id}")


def _require(found: bool, client_id: str) -> None:
    if not found:
        typer.echo(f"error: no client {client_id!r}", err=True)
        raise typer.Exit(1)


def _warn_about_peer(named: PeerConfig | None, peer: str, tenant: str, server: Role) -> None:
    """Say on stderr when `--peer` names no peer of the client's tenant here (as `oke peers add` warns when no
    client names the peer): the client's calls about what this server sent that peer would find nothing."""
    on = "" if server is Role.toetsplanning else f" --server {server}"
    if named is None:
        typer.echo(f"warning: no peer {peer!r} on this server yet (oke peers add{on} --name {peer} ...)", err=True)
    elif named.tenant != tenant:
        typer.echo(
            f"warning: peer {peer!r} is of tenant {named.tenant!r}, not {tenant!r}: this client sees none of what "
            f"this server sent it (oke peers list{on})",
            err=True,
        )


def _public(client: OAuthClient) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "role": client.role,
        "tenant": client.tenant,
        "peer": client.peer,
        "scopes": client.scopes.split(),
        "created_at": client.created_at.isoformat(timespec="seconds"),
        "disabled": client.disabled,
        "authentication": "private_key_jwt" if client.jwks or client.jwks_url else "client_secret_basic",
    }
