"""Schemathesis against each role's own OpenAPI document (`/openapi.json` of the running server): issue 6, fuzzing.

Every operation the document lists gets bounded generated requests (schema-valid and schema-violating, with
random path ids and with ids of real objects of the test's school), sent with a token of the role that calls
it. What is checked, and why not more:
- no 5xx (`not_a_server_error`); TP's two planning calls that wait for TA (`PEER_CALLS`) may answer 502/503,
  which is how they report a TA that cannot be reached (the test servers' TAs are at no address);
- every 4xx is `application/problem+json` with `status` the string of the code (PDF Tabel 5.0.D, `PROBLEM`);
- 2xx bodies and content types conform where the document describes them (`content_type_conformance`,
  `response_schema_conformance`).
Not checked: `status_code_conformance` and `positive_data_acceptance`. The documents are FastAPI's, and too loose
for them: the OOAPI writes read their body themselves (`oke.web.bodies`), so the document declares no
request body for them (schemathesis sends none, and the 415 or 400 is right); and no operation lists the
400/401/403/404/413/415 problems it answers, only FastAPI's 422 that `oke.web.problems` turns into a 400.
The bodies of the writes are fuzzed by test_fuzz_writes.py instead.
"""

from __future__ import annotations

from collections.abc import Mapping

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, CheckContext, GenerationMode, Response, checks
from schemathesis.checks import CheckFunction

from oke.auth.caller import ClientRole
from oke.roles.deelnemerregistratie import school
from oke.roles.toetsafname.catalogue import REKENEN_2F
from tests.api_client import PROBLEM_JSON, TP, Peer, Server, dr_enrols, ta_with_student
from tests.dr_client import DR, JACOB_REKENEN
from tests.ta_client import TA, plan

#: Generated requests per operation (half schema-valid, half not); about 1,000 requests per backend in all.
EXAMPLES = 25
TOKEN_PATH = "/oauth2/token"
#: TP's planning calls that ask TA while the planner waits: 502/503 is their answer when TA cannot be reached.
PEER_CALLS = {"POST /planning/zittingen/{zittingId}/reconcile", "GET /planning/deelnames/{deelnameId}/url"}


def problem_json(_ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error is a problem+json whose `status` is the code as a string (the token endpoint's errors are
    RFC 6749 §5.2 JSON instead)."""
    if response.status_code < 400 or case.path == TOKEN_PATH:
        return None
    media_type = response.headers.get("content-type", [""])[0].split(";")[0]
    assert media_type == PROBLEM_JSON, f"{case.operation.label}: {response.status_code} as {media_type!r}"
    assert response.json()["status"] == str(response.status_code), response.text
    return None


def peer_down_is_not_a_fault(_ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """`not_a_server_error` for a call that waits for a TA: only its own 502/503 about the TA is allowed."""
    assert response.status_code < 500 or response.status_code in (502, 503), response.text
    return None


def fuzz(server: Server, auth: Mapping[str, Peer | None], ids: dict[str, str]) -> None:
    """Every operation of `server`'s document, called with the token of the first `auth` path prefix it has."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the document lists no operations"
    for operation in operations:
        peer = next((peer for prefix, peer in auth.items() if operation.path.startswith(prefix)), None)
        headers = peer.headers if peer else {}
        real = {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real),
            operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real),
        )
        server_error = peer_down_is_not_a_fault if operation.label in PEER_CALLS else checks.not_a_server_error
        wanted = [server_error, problem_json, checks.content_type_conformance, checks.response_schema_conformance]

        _run(strategy, headers, wanted)


def _run(strategy: SearchStrategy[Case], headers: dict[str, str], wanted: list[CheckFunction]) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(case=strategy)
    def call(case: Case) -> None:
        case.call_and_validate(headers=headers, checks=wanted)

    call()


def test_tp_openapi(tp: TP) -> None:
    enrolment = dr_enrols(tp)
    ta, deelname = ta_with_student(tp)
    zitting = ta.get(f"/associations/{deelname}").json()["offering"]
    ids = {
        "associationId": enrolment.enrolment,
        "offeringId": enrolment.toets,
        "personId": enrolment.student,
        "zittingId": zitting,
        "deelnameId": deelname,
    }
    auth = {"/planning": tp.peer(ClientRole.planner), "/ooapi": tp.peer(ClientRole.dr)}
    fuzz(tp, auth, ids)


def test_ta_openapi(ta: TA) -> None:
    tp = ta.client()
    offering, [association] = plan(tp, students=1)
    ids = {"offeringId": offering, "associationId": association, "componentId": REKENEN_2F}
    fuzz(ta, {"/operator": ta.client(ClientRole.planner), "/ooapi": tp}, ids)


def test_dr_openapi(dr: DR) -> None:
    ids = {
        "associationId": JACOB_REKENEN,
        "offeringId": school.TOETS_REKENEN,
        "personId": school.STUDENTS["jacob"],
        "groupId": school.GROUP,
        "organizationId": school.ROOT,
    }
    fuzz(dr, {"/operator": dr.client(ClientRole.planner), "/ooapi": dr.client(ClientRole.tp)}, ids)
