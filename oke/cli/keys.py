"""`oke keys`: the keys a server signs its access tokens with; rotate them, list them, prune the dead ones."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from oke.auth.tokens import RELOAD_SECONDS, list_keys, prune_keys, rotate_key
from oke.cli._options import DatabaseUrl, JsonOutput, Server, migrated_session, settings_for
from oke.cli._tables import print_rows
from oke.store.tables.auth import SigningKey

app = typer.Typer(
    help="The keys a server signs its access tokens with (published at /oauth2/jwks).", no_args_is_help=True
)


@app.command()
def rotate(server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Make a new key the signing one; the old keys verify until the tokens they signed have expired."""
    settings = settings_for(server, database_url=database_url)
    with migrated_session(settings) as session:
        key = rotate_key(session, ttl_seconds=settings.token_ttl_seconds)
        kid = key.kid
    typer.echo(f"new signing key {kid}; running servers sign with it within {RELOAD_SECONDS:.0f} s")


@app.command("list")
def list_(server: Server = None, database_url: DatabaseUrl = None, as_json: JsonOutput = False) -> None:
    """List the keys (never their private part): which signs, until when the others verify."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        rows = [_public(key) for key in list_keys(session)]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("kid", "algorithm", "created", "state", "verifies until")
    print_rows(table, ((r["kid"], r["algorithm"], r["created_at"], r["state"], r["verifies_until"]) for r in rows))


@app.command()
def prune(server: Server = None, database_url: DatabaseUrl = None) -> None:
    """Delete the keys that verify nothing any more (replaced and past their last token, or retired)."""
    with migrated_session(settings_for(server, database_url=database_url)) as session:
        pruned = prune_keys(session)
    typer.echo(f"pruned {len(pruned)} key(s)" + (f": {', '.join(pruned)}" if pruned else ""))


def _public(key: SigningKey) -> dict[str, Any]:
    state = "retired" if key.retired_at else "verifies" if key.verifies_until else "signs"
    return {
        "kid": key.kid,
        "algorithm": key.algorithm,
        "created_at": key.created_at.isoformat(timespec="seconds"),
        "state": state,
        "verifies_until": key.verifies_until.isoformat(timespec="seconds") if key.verifies_until else None,
    }
