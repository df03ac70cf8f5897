"""The registry of a server's OAuth2 clients; it works inside the caller's transaction and never commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from secrets import token_hex
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from oke.auth import scopes as known
from oke.auth.caller import Caller, ClientRole
from oke.auth.jwk import parse_jwks
from oke.auth.secrets import generate_secret, hash_secret, verify_secret
from oke.errors import Conflict, FieldError, InvalidContent
from oke.store.tables.auth import OAuthClient
from oke.tenants import tenant_faults

#: Chosen secrets shorter than this are refused; generated ones are much longer.
MIN_SECRET_LENGTH = 16


class ClientRegistry:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        role: ClientRole,
        tenant: str,
        scopes: Iterable[str],
        client_id: str | None = None,
        peer: str | None = None,
        secret: str | None = None,
        jwks: dict[str, Any] | None = None,
        jwks_url: str | None = None,
    ) -> tuple[OAuthClient, str]:
        """Register a client; the plain secret is returned here once and kept nowhere.

        A client given public keys (`jwks`, or where it publishes them: `jwks_url`) authenticates with
        `private_key_jwt` only: it gets no secret ("" is returned).
        """
        wanted = frozenset(scopes)
        _check(tenant, wanted, secret, jwks, jwks_url)
        client_id = client_id or f"{role.value}-{token_hex(4)}"
        if self.get(client_id) is not None:
            raise Conflict(f"client {client_id!r} exists")
        with_key = jwks is not None or jwks_url is not None
        secret = "" if with_key else secret or generate_secret()
        client = OAuthClient(
            client_id=client_id,
            secret_hash=hash_secret(secret) if secret else "",
            role=role.value,
            tenant=tenant,
            peer=peer or client_id,
            scopes=" ".join(sorted(wanted)),
            jwks=json.dumps(jwks) if jwks is not None else None,
            jwks_url=jwks_url,
        )
        self._session.add(client)
        self._session.flush()
        return client, secret

    def get(self, client_id: str) -> OAuthClient | None:
        return self._session.get(OAuthClient, client_id)

    def remove(self, client_id: str) -> bool:
        client = self.get(client_id)
        if client is None:
            return False
        self._session.delete(client)
        self._session.flush()
        return True

    def set_disabled(self, client_id: str, disabled: bool) -> bool:
        """Suspend or restore a client without forgetting it: a disabled client gets no token, and the tokens it
        holds are refused within `CLIENT_RECHECK_SECONDS`. False for an unknown client."""
        client = self.get(client_id)
        if client is None:
            return False
        client.disabled = disabled
        self._session.flush()
        return True

    def authenticate(self, client_id: str, secret: str) -> Caller | None:
        """The caller, or None for an unknown, disabled or wrong client; as slow for each of them."""
        client = self.get(client_id)
        hashed = client.secret_hash if client is not None and client.secret_hash else ""
        valid = verify_secret(secret, hashed or _decoy_hash())
        if client is None or client.disabled or not hashed or not valid:
            return None
        return caller_of(client)

    def speaks_for(self, *, role: ClientRole, tenant: str, peer: str) -> bool:
        """Whether an enabled client of `role` and `tenant` speaks for `peer` (its `--peer`)."""
        query = select(OAuthClient.client_id).where(
            OAuthClient.role == role.value,
            OAuthClient.tenant == tenant,
            OAuthClient.peer == peer,
            OAuthClient.disabled.is_(False),
        )
        return self._session.scalars(query.limit(1)).first() is not None

    def list(self) -> Sequence[OAuthClient]:
        return self._session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)).all()


def caller_of(client: OAuthClient) -> Caller:
    """The caller a registered client is, with all of its scopes."""
    return Caller(
        client_id=client.client_id,
        role=ClientRole(client.role),
        tenant=client.tenant,
        peer=client.peer,
        scopes=frozenset(client.scopes.split()),
    )


def _check(
    tenant: str, scopes: frozenset[str], secret: str | None, jwks: dict[str, Any] | None, jwks_url: str | None
) -> None:
    errors = tenant_faults(tenant)
    if (jwks is not None or jwks_url is not None) and secret is not None:
        errors.append(FieldError("/secret", "a client with public keys authenticates with them, not a secret"))
    if jwks is not None and jwks_url is not None:
        errors.append(FieldError("/jwks_url", "give the keys or their URL, not both"))
    if jwks is not None and not parse_jwks(jwks):
        errors.append(FieldError("/jwks", "no usable signing key"))
    if jwks_url is not None and urlsplit(jwks_url).scheme not in ("http", "https"):
        errors.append(FieldError("/jwks_url", "is not an http(s) URL"))
    if not scopes:
        errors.append(FieldError("/scopes", "at least one scope is needed"))
    if unknown := scopes - known.ALL:
        errors.append(FieldError("/scopes", f"unknown scopes: {', '.join(sorted(unknown))}"))
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        errors.append(FieldError("/secret", f"shorter than {MIN_SECRET_LENGTH} characters"))
    if errors:
        raise InvalidContent(errors)


@cache
def _decoy_hash() -> str:
    """What an unknown client id is checked against, so that it costs as much as a known one."""
    return hash_secret(generate_secret())
