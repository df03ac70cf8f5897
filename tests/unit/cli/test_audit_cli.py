"""`oke audit list --flow` takes only a flow the history records writes under."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

import oke
from oke.cli import audit
from oke.store.history import Flow


def test_an_unknown_flow_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    url = ["--database-url", f"sqlite:///{tmp_path / 'tp.sqlite3'}"]
    unknown = CliRunner().invoke(audit.app, ["list", "--flow", "9", *url], env={"COLUMNS": "200"})
    assert unknown.exit_code == 2
    assert "'9' is not one of '1', '2', '3', '4', '5', 'planning', 'operator'" in unknown.stderr
    known = CliRunner().invoke(audit.app, ["list", "--flow", "operator", "--json", *url])
    assert (known.exit_code, known.stdout) == (0, "[]\n"), known.output


def test_every_flow_the_history_is_written_with_is_known() -> None:
    """A new `flow=` of a history row must join `Flow`, or `oke audit list --flow` would refuse it."""
    source = Path(oke.__file__).parent
    written = {
        flow for path in source.rglob("*.py") for flow in re.findall(r'\bflow="([^"]+)"', path.read_text("utf-8"))
    }
    assert written and written <= {flow.value for flow in Flow}
