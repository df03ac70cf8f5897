"""Settings of one oke server (TP, TA or DR), from arguments or `OKE_*` environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import model_validator
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
    contact_email: str = "beheer@example.org"
    documentation_url: str = "https://github.com/NetwerkExamineringDigitalisering/NED-OOAPI"

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
