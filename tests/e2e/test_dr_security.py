"""Who may call the reference DR (PDF chapter 5): a TP client with `nl-test-admin-flow-1-5`
for flows 1 and 5, a TA client with `nl-test-admin-flow-6` for flow 6, a planner for the operator API;
`401` without a valid token, `403` with the wrong role or scope; a school sees only its own records."""

from __future__ import annotations

import pytest

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from tests.api_client import Peer, new_id, problem_of
from tests.dr_client import DR, JACOB_REKENEN, attempt_put, result_patch

READS = [
    "/offerings",
    f"/offerings/{school.TOETS_REKENEN}",
    f"/offerings/{school.TOETS_REKENEN}/associations",
    f"/associations/{JACOB_REKENEN}",
    f"/persons/{school.STUDENTS['jacob']}",
    "/groups",
    f"/groups/{school.GROUP}",
    f"/groups/{school.GROUP}/members",
    f"/organizations/{school.ROOT}",
]


@pytest.mark.parametrize("path", READS)
def test_flow_1_needs_a_token(dr: DR, path: str) -> None:
    problem = problem_of(dr.http.get("/ooapi" + path), 401)
    assert problem["title"]
    problem_of(dr.http.get("/ooapi" + path, headers={"authorization": "Bearer not-a-token"}), 401)


def test_flow_1_and_5_need_a_tp_client_with_flow_1_5(dr: DR) -> None:
    for wrong in (dr.client(ClientRole.tp, scope={scopes.FLOW_0}), dr.client(ClientRole.dr), dr.client(ClientRole.ta)):
        problem_of(wrong.get(f"/associations/{JACOB_REKENEN}"), 403)
        problem_of(wrong.patch(f"/associations/{JACOB_REKENEN}", result_patch(JACOB_REKENEN)), 403)
        retake = new_id()
        problem_of(wrong.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN)), 403)
    problem_of(dr.http.patch(f"/ooapi/associations/{JACOB_REKENEN}", json=result_patch(JACOB_REKENEN)), 401)


def test_the_operator_api_is_for_planners(dr: DR) -> None:
    tp = dr.client()
    problem_of(dr.http.get("/operator/results", params={"enrolment": JACOB_REKENEN}, headers=tp.headers), 403)
    problem_of(dr.http.get("/operator/results"), 401)


def test_a_school_sees_only_its_own_records(dr: DR) -> None:
    """Another school at the same DR, without a demo school of its own: DR's ids are unknown to it."""
    other: Peer = dr.client(tenant=f"other-{dr.tenant}")
    for path in READS[1:]:
        if path == "/groups":
            assert other.get(path).json()["items"] == []
            continue
        problem_of(other.get(path), 404)
    assert other.get("/offerings").json()["items"] == []
    problem_of(other.patch(f"/associations/{JACOB_REKENEN}", result_patch(JACOB_REKENEN)), 404)
    retake = new_id()
    problem_of(other.put(f"/associations/{retake}", attempt_put(retake, JACOB_REKENEN)), 400)
    assert dr.enrolment(JACOB_REKENEN) is not None and dr.enrolment(JACOB_REKENEN).result is None  # type: ignore[union-attr]
