"""TP speaks the nl-test-admin version DR announces in `GET /` (issue 4, "Versions"): the draft 1.1
(docs/standard.md) to a reference DR started in 1.1, and DR accepts what TP sends it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from oke.client.peers import PeerDirectory, PeerRole, learn_versions
from oke.store.database import Database
from oke.store.tables.peers import PeerConfig
from tests.api_client import TP
from tests.dr_client import DR, JACOB_REKENEN
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_chain_flow5 import attempts_at_dr, chain, plan, sent_to_dr
from tests.ta_client import TA


def version_of(tp: TP, name: str) -> str | None:
    with tp.session_factory() as session:
        peer = session.get(PeerConfig, name)
        assert peer is not None
        return peer.nl_test_admin_version


def test_tp_learns_the_drafts_version_and_speaks_it(tp: TP, ta: TA, dr11: DR, tp_database_url: str) -> None:
    c = chain(tp, ta, dr11)
    name = tp.peer_name("dr-real")
    assert version_of(tp, name) is None
    reads = Database(tp_database_url)
    with PeerDirectory(reads.read_sessions) as directory:  # what `oke serve tp` does at its start
        learn_versions(directory, tp.session_factory, PeerRole.dr)
    reads.close()
    assert version_of(tp, name) == "1.1"

    deelname = plan(c, [{"toetsinschrijvingId": JACOB_REKENEN}])["deelnames"][0]["deelnameId"]
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "testDate": "2026-12-01T09:40:00+01:00"}
    result = {"state": "completed", "pass": "passed", "score": "7.5", "resultDate": "2026-12-01", "weight": 100}
    body = {"associationType": "componentOfferingAssociation", "result": result | {"consumers": [block]}}
    assert c.as_ta.patch(f"/associations/{deelname}", body).status_code == 200
    eventually(lambda: sent_to_dr(c), seconds=30)

    [received] = dr11.history(JACOB_REKENEN)
    consumer = json.loads(received.body)["consumers"][0]
    assert consumer["planningState"] == "finished"
    assert consumer["testMomentEnrollmentDetails"]["attendance"] == "present"
    assert attempts_at_dr(c, JACOB_REKENEN)[0]["result"]["score"] == "7.5"


def test_oke_peers_probe_reads_the_version(tp: TP, dr: DR, tp_database_url: str) -> None:
    name = tp.configure_dr("dr-probed", dr.url, client=dr.register(ClientRole.tp))
    ran = CliRunner().invoke(oke, ["peers", "probe", name, "--database-url", tp_database_url])
    assert ran.exit_code == 0, ran.output
    assert "speaks nl-test-admin 1.0.1" in ran.output
    assert version_of(tp, name) == "1.0.1"
    unreachable = tp.configure_dr("dr-nowhere")
    ran = CliRunner().invoke(oke, ["peers", "probe", unreachable, "--database-url", tp_database_url])
    assert ran.exit_code == 1 and "error:" in ran.output
