"""The OAuth2 clients a server issues tokens to, and the keys it signs those tokens with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, UtcDateTime, utcnow


class OAuthClient(Base):
    """A registered client; only the hash of its secret is kept."""

    __tablename__ = "oauth_clients"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(256))
    #: The kind of system the client is (`oke.auth.caller.ClientRole`).
    role: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(128))
    #: The peer system this client speaks for; several clients may share one.
    peer: Mapped[str] = mapped_column(String(128))
    #: Space separated, as in the OAuth2 `scope` parameter.
    scopes: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class SigningKey(Base):
    """A token-signing key; retired keys no longer verify, so retiring one revokes its tokens."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="EdDSA")
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
