"""Security of TP's endpoints: tokens, scopes, which kind of client may call what, and service metadata.

Rules checked, with their sources:
- OAuth 2.0 client credentials, a Bearer token carrying the flow's scope; 401 for a missing or
  invalid token, 403 when not permitted: PDF ch. 5.
- Flow 1 (DR → TP) needs `nl-test-admin-flow-1-5`; flows 3 and 4 (TA → TP) `nl-test-admin-flow-2-3-4`:
  PDF ch. 5 (Tabel 5.2.A).
- oke's planning API is for planners only, OOAPI for DR and TA only (oke's own
  API is not part of OKE: docs/planning.md) and the TP role's `api/deps.py`.
- A bad client secret at the token endpoint is `invalid_client` (RFC 6749 §5.2).
- `GET /` (service metadata) has no security and announces `nl-test-admin` 1.0.1: Tabel 5.0.A,
  5.0.B.
- Errors are `application/problem+json` with `status` a string: PDF Tabel 5.0.D.
- A token's signature, expiry (`exp`, `nbf`), issuer and audience are checked (RFC 7519 §4.1, RFC 8725);
  TP publishes its public keys at `/oauth2/jwks` (RFC 7517).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.store.tables.auth import SigningKey
from tests.api_client import TP, Peer, claims_now, new_id, problem_of, ta_with_student

ATTENDANCE = {
    "associationType": "componentOfferingAssociation",
    "result": {
        "state": "in progress",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    },
}


def test_no_token_is_401_with_www_authenticate(tp: TP) -> None:
    _, deelname = ta_with_student(tp)

    response = tp.http.patch(f"/ooapi/associations/{deelname}", json=ATTENDANCE)

    problem_of(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_garbage_token_is_401(tp: TP) -> None:
    _, deelname = ta_with_student(tp)

    for token in ("garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."):
        response = tp.http.get(f"/ooapi/associations/{deelname}", headers={"authorization": f"Bearer {token}"})
        problem_of(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_basic_authorization_header_is_not_a_token(tp: TP) -> None:
    client_id, secret = tp.register(ClientRole.ta, peer="ta-x")

    problem_of(tp.http.get(f"/ooapi/associations/{new_id()}", auth=(client_id, secret)), 401)


def test_a_ta_cannot_send_flow_1(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    person_id = new_id()

    problem_of(ta.put(f"/persons/{person_id}", {"personId": person_id}), 403)


def test_a_dr_without_the_flow_1_5_scope_is_403(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr, scope={scopes.FLOW_0})
    person_id = new_id()

    problem_of(dr.put(f"/persons/{person_id}", {"personId": person_id}), 403)
    problem_of(dr.get(f"/associations/{new_id()}"), 403)


def test_a_ta_without_the_flow_2_3_4_scope_is_403(tp: TP) -> None:
    _, deelname = ta_with_student(tp)
    ta = tp.peer(ClientRole.ta, peer="ta-x", scope={scopes.FLOW_0})

    problem_of(ta.patch(f"/associations/{deelname}", ATTENDANCE), 403)


def test_a_planner_cannot_call_ooapi(tp: TP) -> None:
    _, deelname = ta_with_student(tp)
    planner = tp.peer(ClientRole.planner)

    problem_of(planner.patch(f"/associations/{deelname}", ATTENDANCE), 403)
    problem_of(planner.get(f"/associations/{deelname}"), 403)


def test_a_ta_cannot_call_the_planning_api(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)

    problem_of(ta.post_planning("/zittingen", {"taPeer": "ta-x", "offering": {}, "participants": []}), 403)
    problem_of(ta.post_planning(f"/deelnames/{deelname}/cancel"), 403)
    assert ta.get(f"/associations/{deelname}").json()["state"] == "associated"


def test_a_dr_cannot_call_the_planning_api(tp: TP) -> None:
    dr = tp.peer(ClientRole.dr)

    problem_of(dr.post_planning("/zittingen", {"taPeer": "ta-x", "offering": {}, "participants": []}), 403)


def test_a_wrong_client_secret_is_invalid_client(tp: TP) -> None:
    client_id, _ = tp.register(ClientRole.ta, peer="ta-x")

    response = tp.http.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, "wrong" * 8))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "access_token" not in response.json()


def test_a_token_of_another_school_sees_nothing_of_this_one(tp: TP) -> None:
    ta, deelname = ta_with_student(tp)
    other = Peer(tp.http, tp.token(*tp.register(ClientRole.ta, peer="ta-x", tenant=f"{tp.tenant}-b")))

    problem_of(other.get(f"/associations/{deelname}"), 404)
    assert ta.get(f"/associations/{deelname}").status_code == 200


def test_service_metadata_needs_no_token(tp: TP) -> None:
    response = tp.http.get("/ooapi/")

    assert response.status_code == 200, response.text
    metadata = response.json()
    assert {"consumerKey": "nl-test-admin", "version": "1.0.1"} in metadata["supportedConsumers"]
    assert {"contactEmail", "specification", "documentation"} <= metadata.keys()


def _signed_by_tp(tp: TP, **changes: Any) -> str:
    """A token as TP would issue it for a TA client of `ta-x`, signed with TP's current key, with `changes` to its
    claims."""
    client_id, secret = tp.register(ClientRole.ta, peer="ta-x")
    kid = jwt.get_unverified_header(tp.token(client_id, secret))["kid"]
    with tp.session_factory() as session:
        key = load_pem_private_key(session.get(SigningKey, kid).private_pem.encode(), password=None)  # type: ignore[union-attr]
    now = int(time.time())
    claims = {
        "iss": tp.url,
        "aud": tp.url,
        "sub": client_id,
        "iat": now,
        "exp": now + 60,
        "jti": "j",
        "scope": f"{scopes.FLOW_0} {scopes.FLOW_2_3_4}",
        "role": "ta",
        "tenant": tp.tenant,
        "peer": tp.peer_name("ta-x"),
    } | changes
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({}, None),
        ({"exp": int(time.time()) - 10}, "token expired"),
        ({"nbf": timedelta(minutes=10)}, "token not valid yet"),
        ({"iss": "https://elsewhere.example.org"}, "wrong issuer"),
        ({"aud": "https://elsewhere.example.org"}, "wrong audience"),
    ],
)
def test_expiry_issuer_and_audience_are_checked(tp: TP, changes: dict[str, Any], detail: str | None) -> None:
    _, deelname = ta_with_student(tp)
    token = _signed_by_tp(tp, **claims_now(changes))

    response = tp.http.get(f"/ooapi/associations/{deelname}", headers={"authorization": f"Bearer {token}"})

    if detail is None:  # the same token unchanged is accepted: the refusals are the changes'
        assert response.status_code in (200, 404), response.text
        return
    assert problem_of(response, 401)["detail"] == detail
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_jwks_names_the_key_of_tps_tokens(tp: TP) -> None:
    token = tp.token(*tp.register(ClientRole.ta, peer="ta-x"))

    jwks = tp.http.get("/oauth2/jwks").json()

    key = next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
    assert jwt.decode(token, jwt.PyJWK(key).key, algorithms=["EdDSA"], audience=tp.url)["iss"] == tp.url
    assert not any("d" in k for k in jwks["keys"])  # public keys only
