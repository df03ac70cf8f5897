"""Every call of every role says it is oke (`User-Agent: oke/<version>`), not only which HTTP library made it, so
that a vendor's logs name the system that called: TP's to TA (flows 2, 3.3) and DR (flow 5), TA's (flows 3, 4)
and DR's (flow 1) to TP, and each one's token requests."""

from __future__ import annotations

from contextlib import ExitStack

from oke import __version__
from oke.roles.deelnemerregistratie import school
from tests.api_client import TP
from tests.dr_client import DR
from tests.e2e.test_chain_flow2 import eventually
from tests.e2e.test_chain_flow5 import REKENEN, chain, plan, sent_to_dr
from tests.e2e.test_chain_results import delivered, run
from tests.fault_proxy import FaultProxy
from tests.ta_client import TA


def test_every_call_of_every_role_names_oke_and_its_version(tp: TP, ta: TA, dr: DR) -> None:
    with ExitStack() as stack:
        to_ta, to_tp, to_dr = (stack.enter_context(FaultProxy(url).serving()) for url in (ta.url, tp.url, dr.url))
        c = chain(tp, ta, dr, to_dr.url, ta_url=to_ta.url, tp_url=to_tp.url)
        zitting = plan(c, [{"toetsinschrijvingId": e} for e in REKENEN])["zittingId"]
        run(ta, zitting, seed=5)
        eventually(lambda: delivered(ta), seconds=30)
        eventually(lambda: sent_to_dr(c), seconds=30)

    expected = {
        to_ta: [("POST", "/oauth2/token"), ("PUT", f"/ooapi/offerings/{zitting}"), ("GET", "/ooapi/documents/")],
        to_tp: [
            ("POST", "/oauth2/token"),
            ("PUT", f"/ooapi/offerings/{school.TOETS_REKENEN}"),  # DR's flow 1
            ("PATCH", f"/ooapi/offerings/{zitting}"),  # TA's flow 4
        ],
        to_dr: [("POST", "/oauth2/token"), ("PATCH", f"/ooapi/associations/{REKENEN[0]}")],
    }
    for proxy, calls in expected.items():
        seen = proxy.seen(containing="/")
        for method, path in calls:
            assert any(s.method == method and s.path.startswith(path) for s in seen), (proxy.target, method, path)
        assert {s.user_agent for s in seen} == {f"oke/{__version__}"}, proxy.target
