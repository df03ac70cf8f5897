"""Flow 1 pull from a DR some of whose reads fail, over real HTTP: the reference DR behind a fault proxy.

Rules checked, with their sources:
- An association DR lists and then answers 404 or 410 for was deleted since: the pull skips it, counts it, and
  keeps the rest (docs/planning.md, "Flow 1: push or pull").
"""

from __future__ import annotations

from oke.auth.caller import ClientRole
from tests.api_client import TP
from tests.dr_client import DR
from tests.e2e.test_chain_dr_pull import held, oke_sync
from tests.e2e.test_chain_dr_pull import in_the_schools_term as in_the_schools_term  # autouse: the fixture
from tests.fault_proxy import PASS, FaultProxy, error


def test_associations_deleted_while_the_pull_reads_are_skipped_and_the_rest_is_kept(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    with FaultProxy(dr.url).serving() as proxy:
        peer = tp.configure_dr("dr-churn", proxy.url, client=dr.register(ClientRole.tp))
        # the listing of the toetsen and of the first one's enrolments, then two of those enrolments are gone
        proxy.next(PASS, PASS, error(404), error(410))
        output = oke_sync(tp_database_url, peer)  # exit status 0
        details = proxy.seen(containing="/ooapi/associations/")
    gone = {seen.path.rsplit("/", 1)[1] for seen in details if seen.answered in (404, 410)}
    kept = {seen.path.rsplit("/", 1)[1] for seen in details if seen.answered == 200}
    assert len(gone) == 2 and "skipped: 2 gone at DR since listed, 0 of TP's own extra attempts" in output
    assert set(held(tp)["associations"]) == kept and f"enrolments: {len(kept)} new" in output
