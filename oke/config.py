"""Settings of one oke server (TP, TA or DR), from arguments or `OKE_*` environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Role(StrEnum):
    toetsplanning = "tp"
    toetsafname = "ta"
    deelnemerregistratie = "dr"


DEFAULT_PORTS = {Role.toetsplanning: 8000, Role.toetsafname: 8001, Role.deelnemerregistratie: 8002}


class Settings(BaseSettings):
    """One server's settings; roles differ by values, not by modules."""

    model_config = SettingsConfigDict(env_prefix="OKE_", extra="ignore")

    role: Role = Role.toetsplanning
    host: str = "127.0.0.1"
    port: int | None = None
    #: SQLAlchemy URL; the embedded default is a SQLite file per role under `data_dir`.
    database_url: str | None = None
    data_dir: Path = Path(".oke")
    #: The bilateral base path of the OOAPI endpoints.
    base_path: str = "/ooapi"
    #: Largest request body accepted (413 above it).
    max_body_bytes: int = 1_048_576
    #: The `iss` of the access tokens this server issues; defaults to its own URL.
    issuer: str | None = None
    token_ttl_seconds: int = 3600
    #: How long an outbound call (the outbox relay's) may wait for the peer's answer before it counts as failed.
    outbound_timeout_seconds: float = Field(default=10.0, gt=0)
    #: The relay's first wait after a failed delivery; it doubles after each failure, up to `retry_max_seconds`.
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    #: TP pulls flow 1 from every configured DR this often (minutes), and once at start; None: DR pushes.
    dr_sync_minutes: int | None = Field(default=None, gt=0)
    contact_email: str = "beheer@example.org"
    documentation_url: str = "https://github.com/NetwerkExamineringDigitalisering/NED-OOAPI"
    #: The nl-test-admin version the reference DR announces in `GET /` and judges flow 5 by: the
    #: definitive 1.0.1, or 1.1 for the draft shape of the v1.1 rc branch (seed 000).
    nl_test_admin_version: Literal["1.0.1", "1.1"] = "1.0.1"

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if self.port is None:
            self.port = DEFAULT_PORTS[self.role]
        if not self.base_path.startswith("/"):
            self.base_path = "/" + self.base_path
        self.base_path = self.base_path.rstrip("/")
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / f'{self.role.value}.sqlite3'}"
        if self.issuer is None:
            self.issuer = f"http://{self.host}:{self.port}"
        return self

    @property
    def url_port(self) -> int:
        """The port, always set once the settings are validated."""
        assert self.port is not None
        return self.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.url_port}"

    @property
    def database(self) -> str:
        assert self.database_url is not None
        return self.database_url
