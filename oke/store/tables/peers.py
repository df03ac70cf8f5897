"""The peers a server calls (TP calls its TAs and DRs): where they are and the credential oke uses there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oke.store.base import Base, UtcDateTime, utcnow


class PeerConfig(Base):
    """One peer system: its OOAPI base URL and token endpoint, and oke's client credential there.

    Unlike the hashes of `oauth_clients`, `secret` is stored as given: oke must present it to the
    peer's token endpoint, so whoever reads this table can act as oke towards that peer.
    """

    __tablename__ = "peers"
    __table_args__ = (CheckConstraint("role IN ('ta', 'dr', 'tp')", name="role"),)

    #: Unique per server: the `peer` TP records for a TA or DR, and the `--peer` of the client that
    #: system uses to call TP.
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    #: `ta`, `dr`, or `tp` (a TA calls back its TP).
    role: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(128))
    #: With the peer's base path: `https://ta.example/ooapi`.
    base_url: Mapped[str] = mapped_column(String(512))
    token_url: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(256))
    #: Empty when oke authenticates with `private_key_pem` instead (`private_key_jwt`, RFC 7523).
    secret: Mapped[str] = mapped_column(String(512))
    #: oke's private key at this peer, in PEM; stored as given, like `secret`.
    private_key_pem: Mapped[str | None] = mapped_column(Text, default=None)
    #: Space separated; None asks the peer for all of the client's scopes.
    scope: Mapped[str | None] = mapped_column(String(512), default=None)
    #: The nl-test-admin version the peer's `GET /` announces ("1.0.1"), once it has been asked.
    nl_test_admin_version: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
