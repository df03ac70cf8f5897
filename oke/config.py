"""Settings of one oke server (TP, TA or DR), from arguments or `OKE_*` environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Role(StrEnum):
    toetsplanning = "tp"
    toetsafname = "ta"
    deelnemerregistratie = "dr"


DEFAULT_PORTS = {Role.toetsplanning: 8000, Role.toetsafname: 8001, Role.deelnemerregistratie: 8002}
#: The databases oke runs on, by their SQLAlchemy URL scheme; PostgreSQL's usual schemes mean psycopg 3.
DATABASE_SCHEMES = {"sqlite": "sqlite", "postgresql+psycopg": "postgresql+psycopg"} | dict.fromkeys(
    ("postgres", "postgresql"), "postgresql+psycopg"
)

#: `Settings.max_document_bytes` by default: a scanned report of many pages fits, with room.
DEFAULT_MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
MAX_DOCUMENT_BYTES_LIMIT = 1024 * 1024 * 1024


class Settings(BaseSettings):
    """One server's settings; roles differ by values, not by modules."""

    model_config = SettingsConfigDict(env_prefix="OKE_", extra="ignore")

    role: Role = Role.toetsplanning
    host: str = "127.0.0.1"
    port: int | None = None
    #: SQLAlchemy URL; the embedded default is a SQLite file per role under `data_dir`.
    database_url: str | None = None
    data_dir: Path = Path(".oke")
    #: The connections of a process's services to a PostgreSQL database: this many kept open once used, and up to
    #: `database_max_overflow` more while it is busy (its outbox relay has `outbox_concurrency` + 1 of its own).
    #: docs/operations.md, "Database connections", adds them up against the server's `max_connections`.
    database_pool_size: int = Field(default=10, ge=1)
    database_max_overflow: int = Field(default=20, ge=0)
    #: The bilateral base path of the OOAPI endpoints.
    base_path: str = "/ooapi"
    #: Largest request body accepted (413 above it).
    max_body_bytes: int = 1_048_576
    #: The `iss` of the access tokens this server issues; defaults to its own URL.
    issuer: str | None = None
    token_ttl_seconds: int = 3600
    #: Requests per second each client may make on average (429 with `Retry-After` above it); None: no limit.
    #: Each server process keeps its own buckets, so N processes allow N times this.
    rate_limit_per_second: float | None = Field(default=None, gt=0)
    #: How many requests a client may make at once before the rate applies (the bucket's size).
    rate_limit_burst: int = Field(default=50, ge=1)
    #: Failed client authentications the token endpoint takes from one address (each costs a scrypt hash, about
    #: 50 ms of CPU): `token_failures_burst` at once, then this many a minute; above it, 429 with `Retry-After`,
    #: for every client at that address. None: no limit.
    token_failures_per_minute: float | None = Field(default=6, gt=0)
    token_failures_burst: int = Field(default=20, ge=1)
    #: Also accept the tokens of an external authorization server: JWTs signed with a key of its JWKS, with
    #: this `iss` and `aud`; or opaque tokens asked about at its RFC 7662 introspection endpoint (as the
    #: client `auth_introspection_client_id`). The token's `client_id` (else `sub`) must be a client here.
    auth_jwks_url: str | None = None
    auth_issuer: str | None = None
    auth_audience: str | None = None
    auth_introspection_url: str | None = None
    auth_introspection_client_id: str | None = None
    auth_introspection_client_secret: SecretStr | None = None
    #: How long an outbound call may wait for each read of the peer's answer before it counts as failed; the whole
    #: call ends within a few times this (`oke.client.bounded.Bounds`).
    outbound_timeout_seconds: float = Field(default=10.0, gt=0)
    #: The relay's first wait after a failed delivery; it doubles after each failure, up to `retry_max_seconds`.
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=600.0, gt=0)
    #: How many outbound calls one relay makes at once (to different objects; one object's calls wait
    #: for each other, so that they arrive in order).
    outbox_concurrency: int = Field(default=8, ge=1, le=64)
    #: How long TP keeps asking TA for a document that TA answers 404 for (flow 3.3), from the message that named
    #: it: a TA often writes its PDFs a little after it sends the result or report that names them. An hour covers
    #: a TA's slow batch of PDFs, yet parks a fetch of a document TA never writes within an operator's working
    #: day; with the default backoff it is about 16 attempts. 0: a 404 parks the fetch at once.
    document_wait_minutes: float = Field(default=60.0, ge=0)
    #: The largest document TP fetches from TA (flow 3.3), counted decompressed: the fetch reads at most this many
    #: bytes (held in memory, then stored) and parks a larger one. Its deadline grows with it
    #: (`oke.client.bounded.Bounds.of_document`). At most 1 GiB: each of `outbox_concurrency` fetches may hold it.
    max_document_bytes: int = Field(default=DEFAULT_MAX_DOCUMENT_BYTES, ge=1, le=MAX_DOCUMENT_BYTES_LIMIT)
    #: TP pulls flow 1 from every configured DR this often (minutes), and once at start; None: DR pushes.
    dr_sync_minutes: int | None = Field(default=None, gt=0)
    #: How many GETs a flow 1 pull (scheduled, or `oke sync dr`) makes at DR at once (`dr_sync.READS_AT_ONCE`):
    #: fewer for a DR that answers 429 to the default, more to pull a large school from a DR that takes it sooner.
    dr_sync_reads_at_once: int = Field(default=8, ge=1, le=64)
    contact_email: str = "beheer@example.org"
    documentation_url: str = "https://github.com/NetwerkExamineringDigitalisering/NED-OOAPI"
    #: The nl-test-admin version the reference DR announces in `GET /` and judges flow 5 by: the
    #: definitive 1.0.1, or 1.1 for the draft shape of the v1.1 rc branch (docs/standard.md).
    nl_test_admin_version: Literal["1.0.1", "1.1"] = "1.0.1"
    #: The server's certificate (chain) and private key, PEM: with both, it serves HTTPS (TLS 1.3 at least).
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    #: The CAs that outbound calls trust (a PEM bundle), e.g. a private CA of the peers; None: the default bundle.
    #: Certificates are always verified.
    ca_bundle: Path | None = None
    #: `json`: every log line one JSON object with the request's id, client and tenant (`oke.observability.logs`);
    #: `text`: a line of text each, uvicorn's as uvicorn writes them. Either has one access line per request, oke's.
    log_format: Literal["text", "json"] = "text"
    #: FastAPI's own OpenTelemetry traces, metrics and logs, for a process run with an OpenTelemetry SDK (e.g.
    #: under `opentelemetry-instrument`). Off: FastAPI then does not look for one on every request (about 2% of
    #: the CPU of a flow 3 message, in a profile); oke's own metrics and logs do not need it.
    opentelemetry: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, url: str | None) -> str | None:
        """A database oke runs on, with the driver it ships: `postgres://` and `postgresql://` mean psycopg 3."""
        if url is None:
            return None
        scheme, separator, rest = url.partition("://")
        if not separator or scheme not in DATABASE_SCHEMES:
            raise ValueError("is not a URL of a database oke runs on: sqlite:///FILE or postgresql://USER@HOST/NAME")
        return f"{DATABASE_SCHEMES[scheme]}://{rest}"

    @field_validator("tls_cert_file", "tls_key_file", "ca_bundle")
    @classmethod
    def _existing_file(cls, path: Path | None) -> Path | None:
        if path is not None and not path.is_file():
            raise ValueError(f"{path}: no such file")
        return path

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if self.port is None:
            self.port = DEFAULT_PORTS[self.role]
        if not self.base_path.startswith("/"):
            self.base_path = "/" + self.base_path
        self.base_path = self.base_path.rstrip("/")
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / f'{self.role.value}.sqlite3'}"
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("tls_cert_file and tls_key_file go together: give both to serve HTTPS, or neither")
        if self.issuer is None:
            self.issuer = self.url
        return self

    @property
    def url_port(self) -> int:
        """The port, always set once the settings are validated."""
        assert self.port is not None
        return self.port

    @property
    def url(self) -> str:
        scheme = "http" if self.tls_cert_file is None else "https"
        return f"{scheme}://{self.host}:{self.url_port}"

    @property
    def database(self) -> str:
        assert self.database_url is not None
        return self.database_url
