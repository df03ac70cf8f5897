"""`oke peers` on each backend, and a PeerDirectory calling a real peer configured that way."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from oke.auth import scopes
from oke.auth.api import token_router
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.deps import CallerDep
from oke.auth.jwk import new_private_pem
from oke.auth.tokens import TokenIssuer
from oke.cli import app as oke
from oke.client.errors import PeerRefused, PeerUnavailable, UnknownPeer
from oke.client.peers import PeerDirectory, PeerRole, add_peer, learn_versions, list_peers, remove_peer
from oke.outbox.writer import Outbox
from oke.store.engine import make_engine, make_session_factory
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.peers import PeerConfig
from oke.store.uow import UnitOfWork
from oke.web.problems import install_problem_handlers
from tests.servers import free_port, running

SECRET = "the-secret-oke-uses-at-the-peer"


def _name() -> str:
    return f"ta-{uuid.uuid4().hex[:8]}"


def _add_args(name: str, database_url: str, *extra: str) -> list[str]:
    return [
        "peers",
        "add",
        "--name",
        name,
        "--role",
        "ta",
        "--tenant",
        "roc-a",
        "--base-url",
        "https://ta.example/ooapi/",
        "--token-url",
        "https://auth.ta.example/oauth2/token",
        "--client-id",
        "oke-tp",
        "--secret",
        SECRET,
        "--database-url",
        database_url,
        *extra,
    ]


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_add_list_remove(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # the whole table on one line per peer
    runner, name = CliRunner(), _name()
    added = runner.invoke(oke, _add_args(name, database_url, "--scope", scopes.FLOW_0, "--scope", scopes.FLOW_2_3_4))
    assert added.exit_code == 0, added.output
    assert added.stdout == f"added ta peer {name}\n"

    listed = runner.invoke(oke, ["peers", "list", "--json", "--database-url", database_url])
    assert listed.exit_code == 0, listed.output
    (row,) = [row for row in json.loads(listed.stdout) if row["name"] == name]
    assert row["base_url"] == "https://ta.example/ooapi"
    assert row["token_url"] == "https://auth.ta.example/oauth2/token"
    assert row["scope"] == f"{scopes.FLOW_0} {scopes.FLOW_2_3_4}"
    assert row["nl_test_admin_version"] is None
    assert "secret" not in row
    table = runner.invoke(oke, ["peers", "list", "--database-url", database_url])
    assert name in table.stdout
    assert "auth.ta.example" in table.stdout
    for output in (added.output, listed.output, table.output):
        assert SECRET not in output

    assert runner.invoke(oke, ["peers", "remove", name, "--database-url", database_url]).exit_code == 0
    again = runner.invoke(oke, ["peers", "remove", name, "--database-url", database_url])
    assert again.exit_code == 1
    assert f"no peer '{name}'" in again.output


def test_add_prints_json_without_the_secret(database_url: str) -> None:
    added = CliRunner().invoke(oke, _add_args(_name(), database_url, "--json"))
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["client_id"] == "oke-tp"
    assert SECRET not in added.stdout


@pytest.mark.parametrize(
    ("role", "asked"),
    [("ta", f"{scopes.FLOW_0} {scopes.FLOW_2_3_4}"), ("dr", scopes.FLOW_1_5)],
)
def test_a_peer_is_asked_for_the_scopes_of_the_flows_with_it_by_default(
    database_url: str, sessions: sessionmaker[Session], role: str, asked: str
) -> None:
    """Found by a DR vendor: TP asked DR's token endpoint for no scope, and a token without the flow's scope is a
    403 at a DR that grants none by default (PDF ch. 5: the token carries the flow's scope)."""
    name, unscoped = _name(), _name()
    args = _add_args(name, database_url)
    args[args.index("--role") + 1] = role
    assert CliRunner().invoke(oke, args).exit_code == 0
    assert CliRunner().invoke(oke, [*_add_args(unscoped, database_url), "--scope", ""]).exit_code == 0

    with sessions() as session:
        assert session.get(PeerConfig, name).scope == asked  # type: ignore[union-attr]
        assert session.get(PeerConfig, unscoped).scope is None  # type: ignore[union-attr]


def test_the_secret_may_come_from_the_environment(database_url: str, sessions: sessionmaker[Session]) -> None:
    name = _name()
    args = [arg for arg in _add_args(name, database_url) if arg not in ("--secret", SECRET)]
    added = CliRunner().invoke(oke, args, env={"OKE_PEER_SECRET": "from the environment"})
    assert added.exit_code == 0, added.output
    with sessions() as session:
        peer = session.get(PeerConfig, name)
        assert peer is not None and peer.secret == "from the environment"


def test_the_token_url_is_required(database_url: str) -> None:
    args = _add_args(_name(), database_url)
    at = args.index("--token-url")
    missing = CliRunner().invoke(oke, args[:at] + args[at + 2 :])
    assert missing.exit_code == 2
    assert "--token-url" in missing.output


def test_bad_input_and_duplicates_are_reported_without_a_traceback(database_url: str) -> None:
    runner, name = CliRunner(), _name()
    args = _add_args(name, database_url)
    args[args.index("--base-url") + 1] = "ta.example/ooapi"
    bad = runner.invoke(oke, args)
    assert bad.exit_code == 1
    assert "/base_url: is not an http(s) URL" in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)

    assert runner.invoke(oke, _add_args(name, database_url)).exit_code == 0
    duplicate = runner.invoke(oke, _add_args(name, database_url))
    assert duplicate.exit_code == 1
    assert f"peer '{name}' exists: `oke peers update {name}` changes it" in duplicate.output


def test_update_changes_a_peer_in_place_and_running_servers_take_it(
    database_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    runner, name = CliRunner(), _name()
    assert runner.invoke(oke, _add_args(name, database_url, "--scope", scopes.FLOW_0)).exit_code == 0
    now = [0.0]
    with PeerDirectory(sessions, reload_seconds=60, clock=lambda: now[0]) as directory:
        before = directory.client(name)
        url = ["--database-url", database_url]
        changed = runner.invoke(
            oke,
            ["peers", "update", name, "--base-url", "https://ta2.example/ooapi/", "--secret", "-", *url],
            input="new secret\n",
        )
        assert changed.exit_code == 0, changed.output
        assert changed.stdout.endswith(f"updated {name}: base_url, secret\n") and "new secret" not in changed.stdout
        now[0] += 61
        assert directory.client(name).base_url == "https://ta2.example/ooapi" != before.base_url
    with sessions() as session:
        peer = session.get(PeerConfig, name)
        assert peer is not None
        assert (peer.tenant, peer.client_id, peer.scope, peer.secret) == (
            "roc-a",
            "oke-tp",
            scopes.FLOW_0,
            "new secret",
        )

    key = tmp_path / "oke.pem"
    key.write_text(new_private_pem())
    keyed = runner.invoke(oke, ["peers", "update", name, "--private-key", str(key), "--scope", "", *url])
    assert (keyed.exit_code, keyed.stdout) == (0, f"updated {name}: scope, secret, private_key_pem\n"), keyed.output
    with sessions() as session:
        peer = session.get(PeerConfig, name)
        assert peer is not None and (peer.secret, peer.scope) == ("", None) and peer.private_key_pem
    same = runner.invoke(oke, ["peers", "update", name, "--client-id", "oke-tp", *url])
    assert (same.exit_code, same.stdout) == (0, f"{name} unchanged\n")
    bad = runner.invoke(oke, ["peers", "update", name, "--token-url", "auth.example", "--client-id", " ", *url])
    assert (
        bad.exit_code == 1
        and "/client_id: is empty" in bad.stderr
        and "/token_url: is not an http(s) URL" in bad.stderr
    )
    unknown = runner.invoke(oke, ["peers", "update", _name(), "--client-id", "x", *url])
    assert unknown.exit_code == 1 and "no peer" in unknown.stderr


def test_remove_tells_how_many_outbox_messages_still_wait_for_the_peer(
    database_url: str, sessions: sessionmaker[Session]
) -> None:
    runner, name, url = CliRunner(), _name(), ["--database-url", database_url]
    assert runner.invoke(oke, _add_args(name, database_url)).exit_code == 0
    with UnitOfWork(sessions) as uow:
        for key in ("o-1", "o-2"):
            Outbox(uow).add(tenant="roc-a", peer=name, kind="flow2.offering", key=key, method="PUT", path=f"/x/{key}")
        uow.commit()
    removed = runner.invoke(oke, ["peers", "remove", name, *url])
    with sessions() as session:  # the database is shared with other tests of the store
        session.execute(delete(OutboxMessage).where(OutboxMessage.peer == name))
        session.commit()
    assert (removed.exit_code, removed.stdout) == (0, f"removed {name}\n")
    assert removed.stderr.startswith(f"warning: 2 outbox message(s) to {name} still wait (2 pending): they are tried")
    assert f"oke outbox list --peer {name}" in removed.stderr
    quiet = _name()
    assert runner.invoke(oke, _add_args(quiet, database_url)).exit_code == 0
    assert runner.invoke(oke, ["peers", "remove", quiet, *url]).stderr == ""


def test_a_ta_peer_that_no_ta_client_names_is_warned_about(database_url: str, sessions: sessionmaker[Session]) -> None:
    """TP takes a TA's results only from a TA client whose --peer is the peer's --name (else 404)."""
    runner, name, named = CliRunner(), _name(), _name()
    lone = runner.invoke(oke, _add_args(name, database_url))
    assert lone.exit_code == 0, lone.output
    assert f"oke clients add --role ta --school roc-a --peer {name}" in lone.stderr
    with sessions() as session:
        ClientRegistry(session).add(role=ClientRole.ta, tenant="roc-a", scopes=[scopes.FLOW_2_3_4], peer=named)
        session.commit()
    answered = runner.invoke(oke, _add_args(named, database_url))
    assert answered.exit_code == 0 and answered.stderr == ""
    dr = _add_args(_name(), database_url)
    dr[dr.index("--role") + 1] = "dr"
    assert "oke clients add" not in runner.invoke(oke, dr).stderr  # TP knows a DR client by its tenant, not its --peer


def test_the_session_functions(sessions: sessionmaker[Session]) -> None:
    name = _name()
    with sessions() as session:
        add_peer(
            session,
            name=name,
            role="dr",
            tenant="roc-a",
            base_url="http://dr.test/ooapi",
            token_url="http://dr.test/oauth2/token",
            client_id="oke",
            secret=SECRET,
            scope="  a   b ",
        )
        session.commit()
    with sessions() as session:
        (peer,) = [peer for peer in list_peers(session) if peer.name == name]
        assert (peer.role, peer.scope, peer.secret) == ("dr", "a b", SECRET)
        assert remove_peer(session, name)
        assert not remove_peer(session, name)
        session.commit()


@pytest.fixture
def ta(sessions: sessionmaker[Session]) -> Iterator[tuple[str, str]]:
    """A peer on loopback (oke's token endpoint, a guarded route): its URL and oke's client id there."""
    client_id = f"tp-{uuid.uuid4().hex[:8]}"
    with sessions() as session:
        ClientRegistry(session).add(
            role=ClientRole.tp, tenant="roc-a", scopes=[scopes.FLOW_0], client_id=client_id, secret=SECRET
        )
        session.commit()
    app = FastAPI()
    app.state.session_factory = sessions
    app.state.tokens = TokenIssuer(sessions, issuer="http://ta.test", ttl_seconds=300)
    app.include_router(token_router())
    install_problem_handlers(app)

    @app.get("/ooapi/")
    async def root(caller: CallerDep) -> dict[str, str]:
        return {"client": caller.client_id}

    with running(app, free_port()) as url:
        yield url, client_id
    with sessions() as session:
        ClientRegistry(session).remove(client_id)
        session.commit()


def test_the_directory_calls_a_configured_peer(ta: tuple[str, str], sessions: sessionmaker[Session]) -> None:
    url, client_id = ta
    name = _name()
    with sessions() as session:
        add_peer(
            session,
            name=name,
            role="ta",
            tenant="roc-a",
            base_url=f"{url}/ooapi",
            token_url=f"{url}/oauth2/token",
            client_id=client_id,
            secret=SECRET,
        )
        session.commit()
    now = [0.0]
    with PeerDirectory(sessions, reload_seconds=60, clock=lambda: now[0]) as directory:
        client = directory.client(name)
        assert client.get_json("/") == {"client": client_id}
        assert directory.client(name) is client

        now[0] += 61  # re-read, unchanged: the same client and token
        assert directory.client(name) is client

        with sessions() as session:
            row = session.get(PeerConfig, name)
            assert row is not None
            row.secret = "rotated, and wrong"
            session.commit()
        assert directory.client(name) is client  # until the next re-read
        now[0] += 61
        changed = directory.client(name)
        assert changed is not client
        with pytest.raises(PeerRefused):
            changed.get_json("/")

        with sessions() as session:
            assert remove_peer(session, name)
            session.commit()
        now[0] += 61  # re-read: gone
        with pytest.raises(UnknownPeer):
            directory.client(name)


def test_learning_versions_goes_on_after_a_peer_that_fails_and_logs_a_bug_with_its_traceback(
    sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    """A peer that cannot be asked is a line; oke's own error was one too (its kind only), and is now logged with
    its traceback, without its text (docs/operations.md, "Logs"). Either way the next peer is asked."""
    buggy, away = f"dr-{uuid.uuid4().hex[:8]}", f"dr-{uuid.uuid4().hex[:8]}"
    with sessions() as session:
        for name in (buggy, away):
            add_peer(
                session,
                name=name,
                role="dr",
                tenant="roc-a",
                base_url="https://dr.example/ooapi",
                token_url="https://dr.example/oauth2/token",
                client_id="oke-tp",
                secret=SECRET,
            )
        session.commit()
    asked: list[str] = []

    class Directory:
        def client(self, name: str) -> Any:
            asked.append(name)
            if name == buggy:
                raise KeyError(SECRET)
            raise PeerUnavailable(f"{name}: GET / failed")

    caplog.set_level(logging.INFO, logger="oke.client.peers")
    learn_versions(Directory(), sessions, PeerRole.dr)  # type: ignore[arg-type]
    assert {buggy, away} <= set(asked)
    told = {record.getMessage().split(":")[0]: record for record in caplog.records}
    bug = told[f"the nl-test-admin version of {buggy}"]
    assert bug.levelname == "ERROR" and "Traceback" in bug.getMessage() and "in client" in bug.getMessage()
    assert SECRET not in caplog.text
    said = told[f"the nl-test-admin version of {away} is not known yet"]
    assert (said.levelname, said.getMessage().endswith(": PeerUnavailable")) == ("WARNING", True)


def oke_with_stdin(*args: str, stdin: str | None) -> subprocess.CompletedProcess[str]:
    """`oke ARGS` as a script runs it: stdin a pipe holding `stdin`, or /dev/null; never a terminal."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("OKE_")}
    return subprocess.run(
        [sys.executable, "-m", "oke", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_without_a_terminal_a_missing_secret_is_one_line_naming_how_to_give_it(tmp_path: Path) -> None:
    """It printed getpass's "Password input may be echoed" warning, then "Aborted.", naming no way to give it."""
    args = [
        arg for arg in _add_args(_name(), f"sqlite:///{tmp_path / 'tp.sqlite3'}") if arg not in ("--secret", SECRET)
    ]
    result = oke_with_stdin(*args, stdin=None)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "error: no secret for the peer: pipe it to --secret - (one line), set $OKE_PEER_SECRET, or give --private-key\n"
    )


def test_secret_dash_reads_one_line_of_stdin_without_a_warning(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    name = _name()
    args = _add_args(name, url)
    args[args.index(SECRET)] = "-"
    added = oke_with_stdin(*args, stdin="  piped secret \nnext line\n")
    assert (added.returncode, added.stderr.count("Warning")) == (0, 0), added.stderr
    updated = oke_with_stdin("peers", "update", name, "--secret", "-", "--database-url", url, stdin="rotated\n")
    assert (updated.returncode, updated.stdout, updated.stderr) == (0, f"updated {name}: secret\n", "")
    empty = oke_with_stdin("peers", "update", name, "--secret", "-", "--database-url", url, stdin="")
    assert (empty.returncode, empty.stderr) == (2, "error: no secret on stdin for --secret -\n")
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            peer = session.get(PeerConfig, name)
            assert peer is not None and peer.secret == "rotated"
    finally:
        engine.dispose()
    client = oke_with_stdin(
        "clients", "add", "--role", "ta", "--school", "roc-a", "--secret", "-", "--database-url", url,
        stdin="a client secret of 26 chars\n",
    )  # fmt: skip
    assert client.returncode == 0 and "client_secret: a client secret of 26 chars\n" in client.stdout, client.stderr


def test_a_second_dr_of_a_school_is_warned_of(database_url: str) -> None:
    """Found by a hostile-peer review: two DRs of one school overwrite each other's objects at TP, and flow 5 goes to
    the first by name only; nothing said so."""
    school = f"roc-{uuid.uuid4().hex[:6]}"

    def add(name: str, role: str) -> Any:
        args = _add_args(name, database_url)
        args[args.index("--role") + 1], args[args.index("--tenant") + 1] = role, school
        return CliRunner().invoke(oke, args)

    first, ta, second = add("dr-b", "dr"), add("ta-b", "ta"), add("dr-a", "dr")

    assert (first.exit_code, ta.exit_code, second.exit_code) == (0, 0, 0)
    assert "has a DR peer already" not in first.stderr + ta.stderr
    assert second.stderr.startswith(f"warning: {school} has a DR peer already (dr-b): ")
    assert "flow 5 goes to dr-a only (the first by name)" in second.stderr
