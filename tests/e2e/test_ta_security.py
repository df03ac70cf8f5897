"""Security of the reference TA: tokens, scopes, which client may call what, and who sees which session.

Rules checked, with their sources:
- OAuth 2.0 client credentials with a Bearer token carrying the flow's scope; 401 without a valid token,
  403 when not permitted: PDF ch. 5.
- Flow 2 and its reads, access links and documents (TP → TA) need `nl-test-admin-flow-2-3-4` and a TP
  client: PDF ch. 5 (Tabel 5.3.A).
- Each TP sees only the Zittingen and Deelnames it sent, as TP does for its own peers: an object of
  another school or another TP is unknown (404): PDF 2.3 (an exchange always acts for one
  organisational unit; the return route equals the outbound route).
- `GET /` needs no token and announces nl-test-admin 1.0.1: Tabel 5.0.A, 5.0.B.
- The base path is bilateral and configurable: docs/standard.md.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.config import Settings
from oke.roles.toetsafname.app import create_app
from oke.roles.toetsafname.pdf import one_page_pdf
from oke.store.migrate import upgrade
from tests.api_client import Peer, new_id, problem_of
from tests.servers import free_port, running
from tests.ta_client import TA, deelname, plan, zitting

CANCEL = {"associationType": "componentOfferingAssociation", "state": "canceled"}
CANCEL_OFFERING = {
    "offeringType": "component",
    "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}],
}


def test_service_metadata_needs_no_token(ta: TA) -> None:
    metadata = ta.http.get("/ooapi/").json()

    assert {"consumerKey": "nl-test-admin", "version": "1.0.1"} in metadata["supportedConsumers"]
    assert {"contactEmail", "specification", "documentation"} <= metadata.keys()


def test_no_token_or_a_bad_one_is_401(ta: TA) -> None:
    offering_id = new_id()
    for headers in ({}, {"authorization": "Bearer garbage"}, {"authorization": "Basic eDp5"}):
        response = ta.http.put(f"/ooapi/offerings/{offering_id}", json=zitting(offering_id), headers=headers)
        problem_of(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_flow_2_needs_the_flow_2_3_4_scope(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    catalogue_only = ta.client(scope={scopes.FLOW_0})

    problem_of(catalogue_only.put(f"/offerings/{offering_id}", zitting(offering_id)), 403)
    problem_of(catalogue_only.get(f"/offerings/{offering_id}"), 403)
    problem_of(catalogue_only.get(f"/associations/{association_id}/url"), 403)
    problem_of(catalogue_only.patch(f"/associations/{association_id}", CANCEL), 403)


def test_only_a_tp_client_sends_flow_2(ta: TA) -> None:
    tp = ta.client()
    offering_id, (association_id,) = plan(tp)
    full = {scopes.FLOW_0, scopes.FLOW_1_5, scopes.FLOW_2_3_4}

    for role in (ClientRole.dr, ClientRole.ta, ClientRole.planner):
        other = ta.client(role, scope=full if role is not ClientRole.planner else None)
        problem_of(other.put(f"/offerings/{offering_id}", zitting(offering_id)), 403)
        problem_of(other.get(f"/associations/{association_id}"), 403)
    assert tp.get(f"/associations/{association_id}").json()["state"] == "associated"


def _everything_is_unknown(stranger: Peer, offering_id: str, association_id: str, document_id: str) -> None:
    problem_of(stranger.get(f"/offerings/{offering_id}"), 404)
    problem_of(stranger.get(f"/offerings/{offering_id}/associations"), 404)
    problem_of(stranger.get(f"/associations/{association_id}"), 404)
    problem_of(stranger.get(f"/associations/{association_id}/url"), 404)
    problem_of(stranger.get(f"/documents/{document_id}"), 404)
    problem_of(stranger.patch(f"/associations/{association_id}", CANCEL), 404)
    problem_of(stranger.patch(f"/offerings/{offering_id}", CANCEL_OFFERING), 404)


def test_another_school_and_another_tp_of_the_same_school_see_nothing(ta: TA) -> None:
    tp = ta.client(peer="planner-a")
    offering_id, (association_id,) = plan(tp)
    document_id = ta.store_document(offering_id, association_id, data=one_page_pdf("Beoordeling"))

    _everything_is_unknown(
        ta.client(peer="planner-a", tenant=f"{ta.tenant}-b"), offering_id, association_id, document_id
    )
    _everything_is_unknown(ta.client(peer="planner-b"), offering_id, association_id, document_id)

    assert tp.get(f"/associations/{association_id}").json()["state"] == "associated"
    assert tp.get(f"/documents/{document_id}").status_code == 200


def test_a_second_client_of_the_same_tp_sees_its_sessions(ta: TA) -> None:
    first, second = ta.client(peer="planner-a"), ta.client(peer="planner-a")
    offering_id, (association_id,) = plan(first)

    assert second.get(f"/offerings/{offering_id}").status_code == 200
    message = deelname(association_id, offering_id)
    assert second.put(f"/associations/{association_id}", message).status_code == 200


def test_the_ooapi_endpoints_move_with_the_base_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ta.sqlite3'}"
    upgrade(url)
    settings = Settings(role="ta", port=free_port(), database_url=url, base_path="toetsafname/ooapi/")
    with running(create_app(settings), settings.url_port) as base:
        assert httpx.get(f"{base}/toetsafname/ooapi/").json()["supportedConsumers"][0]["version"] == "1.0.1"
        assert httpx.get(f"{base}/toetsafname/ooapi/components").status_code == 401
        assert httpx.get(f"{base}/ooapi/").status_code == 404
