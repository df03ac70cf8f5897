from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oke.auth import scopes
from oke.cli import clients


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new database the CLI finds through the environment (and migrates itself)."""
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("OKE_DATABASE_URL", url)
    return url


def test_add_list_remove(database_url: str) -> None:
    runner = CliRunner()
    added = runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "roc-a", "--json"])
    assert added.exit_code == 0, added.output
    client = json.loads(added.stdout)
    assert client["scopes"] == sorted([scopes.FLOW_0, scopes.FLOW_2_3_4])
    assert len(client["client_secret"]) >= 43

    listed = runner.invoke(clients.app, ["list", "--json"])
    assert [row["client_id"] for row in json.loads(listed.stdout)] == [client["client_id"]]
    assert client["client_secret"] not in listed.stdout
    table = runner.invoke(clients.app, ["list"])
    assert client["client_id"] in table.stdout

    assert runner.invoke(clients.app, ["remove", client["client_id"]]).exit_code == 0
    assert runner.invoke(clients.app, ["remove", client["client_id"]]).exit_code == 1


def test_add_reports_bad_input_without_a_traceback(database_url: str) -> None:
    runner = CliRunner()
    args = ["add", "--role", "dr", "--tenant", "t", "--client-id", "dr-1", "--scope", scopes.FLOW_1_5]
    assert runner.invoke(clients.app, args).exit_code == 0
    again = runner.invoke(clients.app, args)
    assert again.exit_code == 1
    assert "exists" in again.stderr
    unknown = runner.invoke(clients.app, ["add", "--role", "dr", "--tenant", "t", "--scope", "flow-9"])
    assert (unknown.exit_code, "unknown scopes: flow-9" in unknown.stderr) == (1, True)
