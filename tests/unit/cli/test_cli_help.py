"""`--help` shows every option's text, and where its default comes from: the `OKE_*` variable, then the value."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from oke.cli import app


def shown_help(command: list[str]) -> str:
    """The `--help` of `oke COMMAND` on one line: the panels' borders and line breaks taken out."""
    ran = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert ran.exit_code == 0, ran.output
    return " ".join(ran.output.replace("│", " ").split())


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["serve", "tp"],
            [
                "Address to listen on.",
                "[default: ($OKE_HOST, else 127.0.0.1)]",
                "[default: ($OKE_PORT, else 8000 for tp, 8001 for ta, 8002 for dr)]",
                "$OKE_DATABASE_URL",
                "$OKE_TLS_CERT_FILE",
                "$OKE_TLS_KEY_FILE",
                "[default: ($OKE_LOG_FORMAT, else text)]",
            ],
        ),
        (["serve", "dr"], ["[default: ($OKE_NL_TEST_ADMIN_VERSION, else 1.0.1)]"]),
        (["worker"], ["[default: ($OKE_ROLE, else tp)]", "$OKE_DATABASE_URL", "$OKE_LOG_FORMAT"]),
        (["db", "upgrade"], ["[default: ($OKE_ROLE, else tp)]", "SQLAlchemy URL", "$OKE_DATABASE_URL"]),
        (["clients", "list"], ["[default: ($OKE_ROLE, else tp)]", "$OKE_DATABASE_URL"]),
    ],
)
def test_help_names_the_environment_variable_and_the_default(command: list[str], expected: list[str]) -> None:
    shown = shown_help(command)
    for text in expected:
        assert text in shown


@pytest.mark.parametrize("command", [["db", "upgrade"], ["worker"]])
def test_the_former_name_of_server_is_not_shown(command: list[str]) -> None:
    """`--role`, which these commands took before `--server`, still works (for scripts) but is not offered."""
    shown = shown_help(command)
    assert "--server" in shown and "--role" not in shown


def commands(group: TyperGroup, path: list[str]) -> Iterator[tuple[list[str], TyperCommand]]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from commands(command, [*path, name])
        else:
            assert isinstance(command, TyperCommand)
            yield [*path, name], command


def test_no_word_of_a_help_text_is_lost() -> None:
    """Typer reads help texts as rich markup, where `[default: ...]` was a tag: it vanished from `--help`."""
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    for path, command in commands(root, []):
        shown = shown_help(path)
        texts = [command.help or ""] + [getattr(param, "help", None) or "" for param in command.params]
        for word in " ".join(texts).split():
            assert word in shown, f"oke {' '.join(path)} --help: {word!r} is missing"


def test_every_command_asking_for_a_school_takes_school_and_tenant() -> None:
    """`--school` (shown first) and `--tenant` name the same option everywhere: commands took one or the other,
    and scripts written for either keep working."""
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    asking = {
        " ".join(path): param.opts
        for path, command in commands(root, [])
        for param in command.params
        if {"--school", "--tenant"} & set(getattr(param, "opts", []))
    }
    assert {"results list", "plan zitting", "dr seed", "clients add", "peers add", "audit list"} <= asking.keys()
    for path, opts in asking.items():
        assert opts == ["--school", "--tenant"], path


@pytest.mark.parametrize("option", ["--school", "--tenant"])
def test_a_script_may_give_the_school_by_either_name(option: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    listed = CliRunner().invoke(app, ["results", "list", option, "roc-a", "--json", "--database-url", url])
    assert (listed.exit_code, listed.stdout) == (0, '{"items":[],"next":null}\n'), listed.output


def test_version_is_the_installed_packages() -> None:
    ran = CliRunner().invoke(app, ["--version"])
    assert (ran.exit_code, ran.stdout) == (0, f"oke {version('oke')}\n")
