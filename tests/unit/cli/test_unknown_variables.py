"""An `OKE_*` variable that names no setting is told, with the setting it most likely meant: mistyped, it was
ignored without a word, and the command ran on a new, empty SQLite database (an operator's drill)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from oke.cli import app as oke
from oke.cli._options import unknown_variables


def test_a_mistyped_variable_is_told_with_the_setting_it_likely_meant(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    env = {"OKE_DATABSE_URL": "postgresql+psycopg://db/oke", "OKE_DATABASE_URL": url}

    listed = CliRunner().invoke(oke, ["clients", "list", "--json"], env=env)

    assert listed.exit_code == 0, listed.output
    assert "warning: OKE_DATABSE_URL is no oke setting, and is ignored: did you mean OKE_DATABASE_URL?" in listed.stderr


def test_settings_any_case_and_the_variables_oke_reads_otherwise_are_no_warning() -> None:
    environment = {
        "OKE_PORT": "1",
        "oke_host": "::",
        "OKE_PEER_SECRET": "s",
        "OKE_SERVE_PROCESS": "{}",
        "OKE_TEST_POSTGRES_URL": "postgresql://",
        "OKE_NONSENSE": "1",
        "PATH": "/bin",
    }

    assert unknown_variables(environment) == {"OKE_NONSENSE": None}
