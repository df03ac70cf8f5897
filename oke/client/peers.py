"""The configured peers: a client per peer for the services and the relay, plain functions for the CLI."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from oke import USER_AGENT
from oke.auth.jwk import load_private_pem
from oke.bounded_http import bounded_client
from oke.client.bounded import DEFAULT_TIMEOUT
from oke.client.errors import FORESEEN, UnknownPeer, loggable
from oke.client.oauth import TokenSource
from oke.client.ooapi import OoapiClient
from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.observability.logs import bare_traceback
from oke.ooapi.common import NL_TEST_ADMIN
from oke.store.tables.peers import PeerConfig
from oke.tenants import tenant_faults

logger = logging.getLogger(__name__)

#: A cached client re-reads its row this often, so that `oke peers` changes reach a running server.
RELOAD_SECONDS = 60.0


class PeerRole(StrEnum):
    """The systems oke calls: TP calls its TAs and DRs, a TA calls back its TPs (flows 3, 4)."""

    ta = "ta"
    dr = "dr"
    tp = "tp"


@dataclass(frozen=True)
class _Entry:
    #: The fields the client was built from; a change of any of them builds a new client (and token).
    fields: tuple[str, ...]
    client: OoapiClient
    loaded_at: float


class PeerDirectory:
    """One `OoapiClient` per peer name, sharing one keep-alive `httpx.Client`; safe to share between threads.

    Give it sessions that only read (`Database.read_sessions`): on SQLite a writing session would wait
    for any write transaction its caller holds.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        http: httpx.Client | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        reload_seconds: float = RELOAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        """`verify`: the CAs peers' certificates are checked against; None: httpx's bundle. Never unchecked."""
        self._session_factory = session_factory
        self._owns_http = http is None
        limits = httpx.Limits(keepalive_expiry=30)
        self._http = http or bounded_client(
            timeout=timeout, limits=limits, verify=verify or True, headers={"user-agent": USER_AGENT}
        )
        self._timeout = timeout
        self._reload_seconds = reload_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def client(self, name: str) -> OoapiClient:
        """The client of peer `name`; `UnknownPeer` when no such peer is configured."""
        with self._lock:
            entry = self._entries.get(name)
            if entry is not None and self._clock() - entry.loaded_at < self._reload_seconds:
                return entry.client
            entry = self._load(name, entry)
            self._entries[name] = entry
            return entry.client

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def _load(self, name: str, cached: _Entry | None) -> _Entry:
        with self._session_factory() as session:
            row = session.get(PeerConfig, name)
            if row is None:
                self._entries.pop(name, None)
                raise UnknownPeer(f"no peer {name!r} is configured (oke peers add)")
            fields = (
                row.role,
                row.base_url,
                row.token_url,
                row.client_id,
                row.secret,
                row.scope or "",
                row.private_key_pem or "",
            )
            if cached is not None and cached.fields == fields:
                return _Entry(fields, cached.client, self._clock())
            tokens = TokenSource(
                self._http,
                token_url=row.token_url,
                client_id=row.client_id,
                secret=row.secret,
                scope=row.scope,
                private_key_pem=row.private_key_pem,
                timeout=self._timeout,
            )
            client = OoapiClient(row.base_url, tokens, self._http, timeout=self._timeout, name=f"{row.role} {name}")
            return _Entry(fields, client, self._clock())


def add_peer(
    session: Session,
    *,
    name: str,
    role: PeerRole | str,
    tenant: str,
    base_url: str,
    token_url: str,
    client_id: str,
    secret: str | None,
    scope: str | None = None,
    nl_test_admin_version: str | None = None,
    private_key_pem: str | None = None,
) -> PeerConfig:
    """Configure a peer in the caller's transaction (flushed, not committed); `InvalidContent`, `Conflict`.

    `nl_test_admin_version` is the version to speak with it, when not (yet) read from its `GET /`. With
    `private_key_pem` instead of a `secret`, oke authenticates there with `private_key_jwt` (RFC 7523).
    """
    required = {"name": name, "client_id": client_id}
    errors = [FieldError(f"/{field}", "is empty") for field, value in required.items() if not value.strip()]
    errors += tenant_faults(tenant)
    errors += _credential_errors(secret, private_key_pem)
    if len(name) > 128:
        errors.append(FieldError("/name", "longer than 128 characters"))
    if role not in {known.value for known in PeerRole}:
        errors.append(FieldError("/role", f"{role!r} is not one of ta, dr"))
    errors += _url_errors(base_url=base_url, token_url=token_url)
    if errors:
        raise InvalidContent(errors)
    if session.get(PeerConfig, name) is not None:
        raise Conflict(f"peer {name!r} exists: `oke peers update {name}` changes it")
    peer = PeerConfig(
        name=name,
        role=PeerRole(role).value,
        tenant=tenant,
        base_url=base_url.rstrip("/"),
        token_url=token_url,
        client_id=client_id,
        secret=secret or "",
        private_key_pem=private_key_pem,
        scope=_scope(scope),
        nl_test_admin_version=nl_test_admin_version,
    )
    session.add(peer)
    session.flush()
    return peer


def update_peer(
    session: Session,
    name: str,
    *,
    base_url: str | None = None,
    token_url: str | None = None,
    client_id: str | None = None,
    secret: str | None = None,
    private_key_pem: str | None = None,
    scope: str | None = None,
    nl_test_admin_version: str | None = None,
) -> list[str]:
    """Change the fields given (not None) of a peer in the caller's transaction; the names of those that changed.
    `NotFound`, `InvalidContent`.

    A secret replaces a private key and the other way round; an empty `scope` asks for none. Its role and tenant
    stay: they decide whose data goes to it. Running servers take the change within `RELOAD_SECONDS`.
    """
    peer = session.get(PeerConfig, name)
    if peer is None:
        raise NotFound(f"no peer {name!r} (`oke peers add` configures one)")
    errors = [FieldError("/client_id", "is empty")] if client_id is not None and not client_id.strip() else []
    errors += _url_errors(base_url=base_url, token_url=token_url)
    credential = secret is not None or private_key_pem is not None
    if credential:
        errors += _credential_errors(secret, private_key_pem)
    if errors:
        raise InvalidContent(errors)
    given = {
        "base_url": base_url and base_url.rstrip("/"),
        "token_url": token_url,
        "client_id": client_id,
        "nl_test_admin_version": nl_test_admin_version,
    }
    changes: dict[str, str | None] = {field: value for field, value in given.items() if value is not None}
    if scope is not None:
        changes["scope"] = _scope(scope)
    if credential:
        changes |= {"secret": secret or "", "private_key_pem": private_key_pem}
    changed = [field for field, value in changes.items() if getattr(peer, field) != value]
    for field in changed:
        setattr(peer, field, changes[field])
    session.flush()
    return changed


def probe_version(directory: PeerDirectory, session: Session, name: str) -> str | None:
    """Read the nl-test-admin version the peer's `GET /` announces and keep it on its row (None: it names none).

    The peer is asked before `session` touches the database: no transaction waits on a network call.
    """
    metadata = directory.client(name).get_json("/")
    consumers = metadata.get("supportedConsumers") if isinstance(metadata, dict) else None
    announced = [
        c.get("version") for c in consumers or [] if isinstance(c, dict) and c.get("consumerKey") == NL_TEST_ADMIN
    ]
    version = next((str(v) for v in announced if v), None)
    peer = session.get(PeerConfig, name)
    if version is not None and peer is not None:
        peer.nl_test_admin_version = version
        session.flush()
    return version


def learn_versions(directory: PeerDirectory, session_factory: Callable[[], Session], role: PeerRole) -> None:
    """Probe every peer of `role` whose version is not known yet (at a server's start); one that cannot be
    reached is logged and asked again at the next start or by `oke peers probe`."""
    with session_factory() as session:
        query = select(PeerConfig.name).where(PeerConfig.role == role, PeerConfig.nl_test_admin_version.is_(None))
        names = session.scalars(query).all()
    for name in names:
        try:
            with session_factory() as session:
                version = probe_version(directory, session, name)
                session.commit()
        except FORESEEN as error:  # unreachable, refused, or the server stopping: asked again at the next start
            logger.warning("the nl-test-admin version of %s is not known yet: %s", name, loggable(error))
            continue
        except Exception as error:  # oke's bug: where, for whoever fixes it; the other peers are asked all the same
            logger.error("the nl-test-admin version of %s: an internal error:\n%s", name, bare_traceback(error))
            continue
        logger.info("%s speaks nl-test-admin %s", name, version or "(none announced)")


def list_peers(session: Session) -> Sequence[PeerConfig]:
    return session.scalars(select(PeerConfig).order_by(PeerConfig.name)).all()


def remove_peer(session: Session, name: str) -> bool:
    """Remove a peer in the caller's transaction; False when there is none of that name."""
    peer = session.get(PeerConfig, name)
    if peer is None:
        return False
    session.delete(peer)
    session.flush()
    return True


def _credential_errors(secret: str | None, private_key_pem: str | None) -> list[FieldError]:
    """One credential: a secret, or a private key oke can sign client assertions with."""
    if private_key_pem is None:
        return [] if secret and secret.strip() else [FieldError("/secret", "is empty")]
    if secret:
        return [FieldError("/secret", "give a secret or a private key, not both")]
    try:
        load_private_pem(private_key_pem)
    except (ValueError, TypeError):
        return [FieldError("/private_key", "not a PEM private key oke can sign with (Ed25519, EC, RSA)")]
    return []


def _url_errors(**urls: str | None) -> list[FieldError]:
    """The URLs given (not None) that are not http(s) URLs."""
    wrong = [field for field, url in urls.items() if url is not None and not is_http_url(url)]
    return [FieldError(f"/{field}", "is not an http(s) URL") for field in wrong]


def _scope(scope: str | None) -> str | None:
    """The scopes asked for, space-separated; None when none are (the peer grants all the client's)."""
    return " ".join((scope or "").split()) or None


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
