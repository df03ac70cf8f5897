"""The registry of a server's OAuth2 clients; it works inside the caller's transaction and never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from secrets import token_hex

from sqlalchemy import select
from sqlalchemy.orm import Session

from oke.auth import scopes as known
from oke.auth.caller import Caller, ClientRole
from oke.auth.secrets import generate_secret, hash_secret, verify_secret
from oke.errors import Conflict, FieldError, InvalidContent
from oke.store.tables.auth import OAuthClient

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
    ) -> tuple[OAuthClient, str]:
        """Register a client; the plain secret is returned here once and kept nowhere."""
        wanted = frozenset(scopes)
        _check(wanted, secret)
        client_id = client_id or f"{role.value}-{token_hex(4)}"
        if self.get(client_id) is not None:
            raise Conflict(f"client {client_id!r} exists")
        secret = secret or generate_secret()
        client = OAuthClient(
            client_id=client_id,
            secret_hash=hash_secret(secret),
            role=role.value,
            tenant=tenant,
            peer=peer or client_id,
            scopes=" ".join(sorted(wanted)),
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

    def authenticate(self, client_id: str, secret: str) -> Caller | None:
        """The caller, or None for an unknown, disabled or wrong client; as slow for each of them."""
        client = self.get(client_id)
        valid = verify_secret(secret, client.secret_hash if client else _decoy_hash())
        if client is None or client.disabled or not valid:
            return None
        return Caller(
            client_id=client.client_id,
            role=ClientRole(client.role),
            tenant=client.tenant,
            peer=client.peer,
            scopes=frozenset(client.scopes.split()),
        )

    def list(self) -> Sequence[OAuthClient]:
        return self._session.scalars(select(OAuthClient).order_by(OAuthClient.client_id)).all()


def _check(scopes: frozenset[str], secret: str | None) -> None:
    errors = []
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
