"""Flow 0 end to end: TP reads the reference TA's demo catalogue (`oke catalogue sync`) and its planners
see each test with `resultValueType`, `passFrom` and `retries` (PDF 3.0, Tabel 4.1.A)."""

from __future__ import annotations

from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app
from oke.config import Settings
from oke.roles.toetsafname.catalogue import REKENEN_2F, demo_catalogue, demo_id
from tests.api_client import TP
from tests.e2e.test_chain_flow2 import connect
from tests.ta_client import TA


def test_the_demo_catalogue_lands_in_tp(tp: TP, ta: TA, tp_settings: Settings) -> None:
    connect(tp, ta)
    peer = tp.peer_name("ta-real")
    run = CliRunner().invoke(app, ["catalogue", "sync", peer, "--database-url", tp_settings.database])
    assert run.exit_code == 0, run.output
    assert f"tests of {peer}" in run.output

    planner = tp.peer(ClientRole.planner)
    listing = planner.get_planning("/catalogue", taPeer=peer)
    assert listing.status_code == 200, listing.text
    tests = {entry["componentId"]: entry for entry in listing.json()}
    rekenen = tests[REKENEN_2F]
    assert (rekenen["resultValueType"], rekenen["passFrom"], rekenen["retries"]) == ("0.0-10.0", "5.5", 2)
    assert rekenen["status"] == "active"
    # the demo's tests: other tests share this TA and may add to its catalogue (one without a resultValueType)
    assert all(tests[test["componentId"]]["resultValueType"] for test in demo_catalogue())
    assert tests[demo_id("REK-2F-2023")]["status"] == "inactive"  # withdrawn, kept and marked


def test_another_schools_planner_does_not_see_the_catalogue(tp: TP, ta: TA) -> None:
    connect(tp, ta)
    other = tp.peer(ClientRole.planner, tenant="another-school")
    listing = other.get_planning("/catalogue", taPeer=tp.peer_name("ta-real"))
    assert listing.status_code == 404
