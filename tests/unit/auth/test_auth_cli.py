from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from oke.auth import scopes
from oke.auth.clients import ClientRegistry
from oke.auth.jwk import new_private_pem
from oke.cli import clients, keys, peers


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
    assert client["scopes"] == [scopes.FLOW_2_3_4]
    assert len(client["client_secret"]) >= 43

    listed = runner.invoke(clients.app, ["list", "--json"])
    assert [row["client_id"] for row in json.loads(listed.stdout)] == [client["client_id"]]
    assert client["client_secret"] not in listed.stdout
    table = runner.invoke(clients.app, ["list"])
    assert client["client_id"] in table.stdout

    assert runner.invoke(clients.app, ["remove", client["client_id"]]).exit_code == 0
    assert runner.invoke(clients.app, ["remove", client["client_id"]]).exit_code == 1


def test_a_disabled_client_keeps_its_registration_and_gets_no_token_until_enabled(database_url: str) -> None:
    runner = CliRunner()
    client = json.loads(runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "roc-a", "--json"]).stdout)
    client_id, secret = client["client_id"], client["client_secret"]

    def state() -> tuple[bool, bool]:
        with Session(create_engine(database_url)) as session:
            listed = {row.client_id: row.disabled for row in ClientRegistry(session).list()}
            return listed[client_id], ClientRegistry(session).authenticate(client_id, secret) is not None

    disabled = runner.invoke(clients.app, ["disable", client_id])
    assert (disabled.exit_code, disabled.stdout) == (0, f"disabled {client_id}\n")
    assert state() == (True, False)
    assert json.loads(runner.invoke(clients.app, ["list", "--json"]).stdout)[0]["disabled"] is True

    assert runner.invoke(clients.app, ["enable", client_id]).exit_code == 0
    assert state() == (False, True)
    unknown = runner.invoke(clients.app, ["disable", "nobody"])
    assert (unknown.exit_code, unknown.stderr) == (1, "error: no client 'nobody'\n")


def test_add_reports_bad_input_without_a_traceback(database_url: str) -> None:
    runner = CliRunner()
    args = ["add", "--role", "dr", "--tenant", "t", "--client-id", "dr-1", "--scope", scopes.FLOW_1_5]
    assert runner.invoke(clients.app, args).exit_code == 0
    again = runner.invoke(clients.app, args)
    assert again.exit_code == 1
    assert "exists" in again.stderr
    unknown = runner.invoke(clients.app, ["add", "--role", "dr", "--tenant", "t", "--scope", "flow-9"])
    assert (unknown.exit_code, "unknown scopes: flow-9" in unknown.stderr) == (1, True)


def test_add_warns_when_the_peer_it_speaks_for_is_not_one_of_its_tenant_here(database_url: str) -> None:
    """A TA client's --peer must be the --name of that TA's peer, of the same tenant (docs: README, Clients)."""
    runner = CliRunner()
    alone = runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "roc-a", "--peer", "ta-x"])
    assert alone.exit_code == 0, alone.output
    assert alone.stderr.endswith("warning: no peer 'ta-x' on this server yet (oke peers add --name ta-x ...)\n")
    peer = ["add", "--name", "ta-x", "--role", "ta", "--tenant", "roc-b", "--base-url", "https://ta.example/ooapi"]
    peer += ["--token-url", "https://ta.example/oauth2/token", "--client-id", "tp-1", "--secret", "s" * 20]
    assert runner_invoke(peer).exit_code == 0
    other = runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "roc-a", "--peer", "ta-x", "--json"])
    assert other.exit_code == 0 and json.loads(other.stdout)["peer"] == "ta-x"
    assert other.stderr.startswith("warning: peer 'ta-x' is of tenant 'roc-b', not 'roc-a'")
    matching = runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "roc-b", "--peer", "ta-x"])
    assert (matching.exit_code, matching.stderr) == (0, "")
    unnamed = runner.invoke(clients.app, ["add", "--role", "dr", "--tenant", "roc-a"])
    assert (unnamed.exit_code, unnamed.stderr) == (0, "")  # the default --peer is the client id


def test_a_school_is_one_word_and_a_new_one_is_told(database_url: str) -> None:
    """Found in an operator's drill: `--school ""` and `--school "roc a"` were taken, and a mistyped school silently
    made a second one."""
    runner = CliRunner()
    for bad in ("", "roc a", "roc\ta"):
        refused = runner.invoke(clients.app, ["add", "--role", "dr", "--school", bad])
        assert (refused.exit_code, "/tenant" in refused.stderr) == (1, True), refused.output
        assert "is new here" not in refused.stderr  # told it is new, then refused: only the refusal

    first = runner.invoke(clients.app, ["add", "--role", "dr", "--school", "roc-c"])
    second = runner.invoke(clients.app, ["add", "--role", "planner", "--school", "roc-c"])

    assert first.stderr == "note: school 'roc-c' is new here (no client or peer of it yet)\n"
    assert (second.exit_code, second.stderr) == (0, "")


def test_a_client_gets_only_the_scopes_of_its_flows_with_this_server(database_url: str) -> None:
    """Found in an operator's drill: a TA client with nl-test-admin-flow-1-5 was taken, and could do nothing."""
    runner = CliRunner()

    useless = runner.invoke(clients.app, ["add", "--role", "ta", "--school", "roc-a", "--scope", scopes.FLOW_1_5])
    nothing = runner.invoke(clients.app, ["add", "--role", "tp", "--school", "roc-a"])

    assert useless.exit_code == 0
    assert f"warning: a ta client at a tp server has no use for {scopes.FLOW_1_5}" in useless.stderr
    assert (nothing.exit_code, "error: a tp client has no flow with a tp server" in nothing.stderr) == (2, True)


def test_keys_rotate_list_prune(database_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(keys.app, ["list", "--json"]).stdout.strip() == "[]"
    for _ in range(2):
        rotated = runner.invoke(keys.app, ["rotate"])
        assert rotated.exit_code == 0, rotated.output
    listed = json.loads(runner.invoke(keys.app, ["list", "--json"]).stdout)
    assert [row["state"] for row in listed] == ["verifies", "signs"]
    assert listed[0]["verifies_until"] is not None
    assert "private" not in runner.invoke(keys.app, ["list"]).stdout.lower()
    assert runner.invoke(keys.app, ["prune"]).stdout.startswith("pruned 0")


def test_a_client_with_a_public_key_gets_no_secret(database_url: str, tmp_path: Path) -> None:
    key = load_pem_private_key(new_private_pem().encode(), password=None)
    pem = tmp_path / "client.pub.pem"
    pem.write_bytes(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    runner = CliRunner()
    added = runner.invoke(clients.app, ["add", "--role", "ta", "--tenant", "t", "--public-key", str(pem), "--json"])
    assert added.exit_code == 0, added.output
    client = json.loads(added.stdout)
    assert "client_secret" not in client and client["authentication"] == "private_key_jwt"
    both = ["add", "--role", "ta", "--tenant", "t", "--public-key", str(pem), "--jwks-url", "https://x.example/jwks"]
    assert runner.invoke(clients.app, both).exit_code == 1


def test_a_peer_with_a_private_key_needs_no_secret(database_url: str, tmp_path: Path) -> None:
    pem = tmp_path / "oke.pem"
    pem.write_text(new_private_pem())
    common = ["add", "--role", "ta", "--tenant", "t", "--base-url", "https://ta.example/ooapi"]
    common += ["--token-url", "https://ta.example/oauth2/token", "--client-id", "tp-1"]
    added = runner_invoke([*common, "--name", "ta-1", "--private-key", str(pem), "--json"])
    assert added.exit_code == 0, added.output
    assert "PRIVATE" not in added.stdout
    not_a_key = tmp_path / "nokey.pem"
    not_a_key.write_text("hello")
    assert runner_invoke([*common, "--name", "ta-2", "--private-key", str(not_a_key)]).exit_code == 1


def runner_invoke(args: list[str]) -> Result:
    return CliRunner().invoke(peers.app, args)
