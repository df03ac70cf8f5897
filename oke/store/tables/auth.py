"""The OAuth2 clients a server issues tokens to, and the keys it signs those tokens with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, UtcDateTime, utcnow


class OAuthClient(Base):
    """A registered client; only the hash of its secret is kept (empty: it authenticates with a key only)."""

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
    #: For `private_key_jwt` (RFC 7523): the client's public keys as a JWKS document, or where it publishes them.
    jwks: Mapped[str | None] = mapped_column(Text, default=None)
    jwks_url: Mapped[str | None] = mapped_column(String(512), default=None)


class SigningKey(Base):
    """A token-signing key; the newest signs. Retired keys no longer verify, so retiring one revokes its tokens."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16), default="EdDSA")
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    #: Set when a newer key replaced it (`oke keys rotate`): the last expiry of a token it signed. It
    #: verifies until then, and `oke keys prune` removes it afterwards.
    verifies_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


#: The longest `jti` of a client assertion TP remembers (a key): RFC 7519 sets none; a longer one is refused.
MAX_JTI = 256


class UsedAssertion(Base):
    """A client assertion (`private_key_jwt`) already spent: each `jti` buys one token within its lifetime."""

    __tablename__ = "oauth_used_assertions"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    jti: Mapped[str] = mapped_column(String(MAX_JTI), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
