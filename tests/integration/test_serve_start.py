"""What `oke serve` says at start about its own settings, as an operator runs it (`python -m oke`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port

#: uvicorn's line once the server takes requests: every line of oke's start comes before it.
STARTED = "Application startup complete."


def start_log(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """The log lines of `oke serve tp ARGS` up to the moment it serves; the server is stopped afterwards."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OKE_")}
    environment |= {"OKE_DATA_DIR": str(tmp_path), **env}
    command = [sys.executable, "-m", "oke", "serve", "tp", "--port", str(free_port()), *args]
    lines: list[str] = []
    with subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as server:
        assert server.stderr is not None
        try:
            for line in server.stderr:
                lines.append(line.rstrip("\n"))
                if STARTED in line:
                    break
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    assert any(STARTED in line for line in lines), lines
    return lines


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_wildcard_host_without_an_issuer_is_warned_of(host: str, tmp_path: Path) -> None:
    """Tokens named the issuer http://0.0.0.0:PORT: hosts of one server behind a load balancer refused each other's,
    and a client assertion's audience (the public token URL) was refused."""
    [warning] = [line for line in start_log(tmp_path, "--host", host) if "OKE_ISSUER" in line]
    assert " WARNING oke.cli.serve: tokens name the issuer http://" in warning
    assert "set OKE_ISSUER to its public URL (the same on every host of this server)" in warning


@pytest.mark.parametrize(
    ("args", "env"),
    [(("--host", "0.0.0.0"), {"OKE_ISSUER": "https://tp.example.org"}), ((), {})],
    ids=["issuer-set", "loopback"],
)
def test_no_warning_when_the_issuer_is_set_or_the_host_is_an_address(
    args: tuple[str, ...], env: dict[str, str], tmp_path: Path
) -> None:
    assert not [line for line in start_log(tmp_path, *args, **env) if "OKE_ISSUER" in line]
