"""What `oke` says when its settings are wrong or its database cannot be used: one line naming the setting, not
a traceback (run as an operator runs it, `python -m oke`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from oke.config import Settings
from oke.store.engine import make_engine
from oke.store.migrate import latest_revision
from tests.databases import POSTGRES_URL


def oke(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OKE_")} | env
    command = [sys.executable, "-m", "oke", *args]
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        ((), {"OKE_PORT": "abc"}, "error: port ($OKE_PORT or its option): Input should be a valid integer"),
        (("--database-url", "/srv/oke/tp.db"), {}, "error: database_url ($OKE_DATABASE_URL or its option): is not a"),
        (("--database-url", "mysql://oke@db/oke"), {}, "sqlite:///FILE or postgresql://USER@HOST/NAME"),
        ((), {"OKE_MAX_DOCUMENT_BYTES": "0"}, "max_document_bytes ($OKE_MAX_DOCUMENT_BYTES or its option): Input"),
        ((), {"OKE_MAX_DOCUMENT_BYTES": str(2**30 + 1)}, "Input should be less than or equal to 1073741824"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_it(args: tuple[str, ...], env: dict[str, str], said: str) -> None:
    result = oke("clients", "list", *args, **env)
    assert (result.returncode, result.stdout) == (2, "")
    assert said in result.stderr and "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_missing_tls_file_is_named(tmp_path: Path) -> None:
    result = oke("serve", "tp", "--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'cert.pem'}: no such file" in result.stderr
    assert f"{tmp_path / 'key.pem'}: no such file" in result.stderr


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_one_line_without_the_password() -> None:
    url = make_url(POSTGRES_URL).set(database="oke_no_such_database", password="s3cret-pw")
    result = oke("clients", "list", "--database-url", url.render_as_string(hide_password=False))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "oke_no_such_database" in result.stderr and "s3cret-pw" not in result.stderr


def test_postgres_urls_mean_psycopg_3() -> None:
    for scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        assert Settings(database_url=f"{scheme}://oke@db/oke").database == "postgresql+psycopg://oke@db/oke"


def test_a_command_refuses_another_servers_database(tmp_path: Path) -> None:
    """`OKE_DATABASE_URL` exported for TP: a command for TA must not write TA's client into TP's database."""
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    assert oke("clients", "list", "--server", "tp", OKE_DATABASE_URL=url).returncode == 0
    result = oke("clients", "add", "--server", "ta", "--role", "tp", "--tenant", "t", OKE_DATABASE_URL=url)
    assert result.returncode == 1 and "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert f"the database {url} is toetsplanning's (tp), not toetsafname's (ta)" in result.stderr
    assert oke("clients", "list", "--server", "tp", "--json", OKE_DATABASE_URL=url).stdout.strip() == "[]"


def test_a_command_tells_when_it_made_a_new_database(tmp_path: Path) -> None:
    """A mistyped path makes a new, empty database: the command says so, once."""
    url = f"sqlite:///{tmp_path / 'tpp.sqlite3'}"
    first, second = (oke("clients", "list", "--database-url", url) for _ in range(2))
    assert first.returncode == second.returncode == 0
    assert first.stderr == f"note: {url} held no oke database: created it\n"
    assert second.stderr == ""


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another process's socket listens on, without SO_REUSEPORT."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def said_in_one_line(result: subprocess.CompletedProcess[str], said: str) -> None:
    """The command failed (exit 1) with `said` on the last line of stderr, and no traceback."""
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1] == f"error: {said}"


@pytest.mark.parametrize(
    ("command", "busy"),
    [
        (("serve", "tp", "--workers", "2", "--port", "{port}"), "{port}"),
        (("serve", "tp", "--port", "{port}"), "{port}"),  # uvicorn's own lines and exit 3, once
        (("worker", "--metrics-port", "{port}"), "{port}"),
        (("demo", "--exit", "--students", "2", "--port-base", "{below}"), "{port}"),  # TA's port, the first started
    ],
    ids=["serve-workers", "serve", "worker-metrics", "demo"],
)
def test_a_port_in_use_is_one_line_naming_it(
    command: tuple[str, ...], busy: str, busy_port: int, tmp_path: Path
) -> None:
    args = [arg.format(port=busy_port, below=busy_port - 1) for arg in command]
    result = oke(*args, "--data-dir" if command[0] == "demo" else "--database-url", _place(command, tmp_path))
    said_in_one_line(result, f"cannot listen on 127.0.0.1:{busy.format(port=busy_port)}: Address already in use")


def _place(command: tuple[str, ...], tmp_path: Path) -> str:
    return str(tmp_path) if command[0] == "demo" else f"sqlite:///{tmp_path / 'oke.sqlite3'}"


@pytest.mark.parametrize(
    "command",
    [("db", "upgrade"), ("clients", "list"), ("serve", "tp", "--workers", "2", "--database-url", "sqlite:///:memory:")],
    ids=["db-upgrade", "clients-list", "serve-workers"],
)
def test_a_data_dir_oke_cannot_write_is_one_line_naming_it(command: tuple[str, ...], tmp_path: Path) -> None:
    """A data dir under a file stands in for a read-only one (root may write a folder of mode 0500)."""
    (tmp_path / "file").write_text("")
    data_dir = tmp_path / "file" / "oke"
    result = oke(*command, OKE_DATA_DIR=str(data_dir))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Not a directory" in result.stderr
    assert str(tmp_path / "file") in result.stderr


def test_a_database_a_newer_oke_migrated_is_refused_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    assert oke("db", "upgrade", "--database-url", url).returncode == 0
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    finally:
        engine.dispose()
    for command in (("db", "upgrade"), ("db", "current"), ("clients", "list")):
        result = oke(*command, "--database-url", url)
        said_in_one_line(
            result,
            f"the database {url} is at schema 0099_from_the_future, which this oke (latest {latest_revision()}) does"
            " not know: it was migrated by a newer oke",
        )
