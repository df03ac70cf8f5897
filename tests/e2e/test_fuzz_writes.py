"""Hypothesis-made hostile bodies against every write endpoint of every role: issue 6, fuzzing.

Each endpoint gets a real object of the test's school and the client of the role that writes it, then bodies
made from a valid message: members added, removed, nulled or given a value of another JSON type; merge-patch
edge cases (`null`, `"consumers": []`, duplicate consumerKeys, blocks without one); numbers as strings and
strings as numbers; nesting just within and beyond `MAX_DEPTH` and 1,000 deep; strings that bring the body
just under and over the size limit; unicode (lone surrogates, escaped and as invalid UTF-8; NUL; RTL; emoji).
Checked (PDF Tabel 5.0.D errors; docs/standard.md: a history of accepted messages only): never a 5xx, every refusal a
problem+json, and a refused request leaves every row of the school unchanged (`snapshot`). An accepted one may
change them: the next example then starts from there.
`test_every_write_endpoint_is_fuzzed` reads the write operations from each role's OpenAPI document, so a new
endpoint fails it until it has a `TARGETS` entry.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.base import Base
from oke.web.bodies import MAX_DEPTH
from tests.api_client import (
    MERGE_PATCH,
    PROBLEM_JSON,
    TP,
    Peer,
    Server,
    dr_enrols,
    new_id,
    person,
    ta_with_student,
    zitting_offering,
)
from tests.dr_client import DR, JACOB_REKENEN, attempt_put, result_patch
from tests.e2e.test_fuzz_openapi import PEER_CALLS, TOKEN_PATH
from tests.e2e.test_isolation import RELAY_COLUMNS
from tests.e2e.test_tp_bad_input import JSON, KEYS, VALID, at, places
from tests.ta_client import TA, deelname, plan, zitting

#: The test servers' body limit (tests/conftest.py).
LIMIT = 64 * 1024
EXAMPLES = 30


@dataclass(frozen=True)
class Target:
    """One write to fuzz: who sends it, where, and a valid body to start from (`{}` for a call without one)."""

    server: Server
    peer: Peer
    path: str
    valid: dict[str, Any]


# --- the real objects each endpoint writes -------------------------------------------------------------------


def _tp_dr(tp: TP, kind: str) -> Target:
    """Flow 1: DR's planbare toets, Toetsinschrijving or person, sent again whole (PUT) or as a patch."""
    enrolment = dr_enrols(tp)
    dr = tp.peer(ClientRole.dr)
    object_id = {"offerings": enrolment.toets, "associations": enrolment.enrolment, "persons": enrolment.student}[kind]
    if kind == "persons":
        return Target(tp, dr, f"/ooapi/persons/{object_id}", person(object_id))
    stored = dr.get(f"/{kind}/{object_id}")
    assert stored.status_code == 200, stored.text
    return Target(tp, dr, f"/ooapi/{kind}/{object_id}", stored.json())


def _tp_flow3(tp: TP) -> Target:
    ta, deelname_id = ta_with_student(tp)
    assert ta.patch(f"/associations/{deelname_id}", VALID).status_code == 200
    return Target(tp, ta, f"/ooapi/associations/{deelname_id}", VALID)


def _tp_flow4(tp: TP) -> Target:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    zitting_id = tp.plan("ta-x", students=1)["zittingId"]
    report = {
        "offeringType": "component",
        "consumers": [
            {
                "consumerKey": "nl-test-admin",
                "irregularities": "Geen",
                "documents": [
                    {"documentId": "pv-1", "documentType": "sessionReport", "documentName": "Procesverbaal.pdf"}
                ],
            }
        ],
    }
    return Target(tp, ta, f"/ooapi/offerings/{zitting_id}", report)


def _tp_planning(tp: TP, path: str) -> Target:
    """The planning API on a planned Zitting with one student (and a second Zitting to move to)."""
    planner = tp.peer(ClientRole.planner)
    planned = tp.plan("ta-x", students=1)
    zitting_id, deelname_id = planned["zittingId"], planned["deelnames"][0]["deelnameId"]
    student = {"personId": (p := new_id()), "toetsinschrijvingId": new_id(), "attempt": 1, "person": person(p)}
    bodies: dict[str, dict[str, Any]] = {
        "/planning/zittingen": {"taPeer": tp.peer_name("ta-x"), "offering": zitting_offering(), "participants": []},
        "/planning/zittingen/{zittingId}/deelnames": {"participants": [student]},
        "/planning/deelnames/{deelnameId}/move": {"zittingId": tp.plan("ta-x")["zittingId"]},
        "/planning/results/{deelnameId}/score": {"score": "7.5"},
        "/planning/zittingen/{zittingId}": {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "C2"}]},
    }
    concrete = path.replace("{zittingId}", zitting_id).replace("{deelnameId}", deelname_id)
    return Target(tp, planner, concrete, bodies.get(path, {}))


def _ta_flow2(ta: TA, kind: str, method: str) -> Target:
    tp = ta.client()
    offering_id, [association_id] = plan(tp, students=1)
    if kind == "offerings":
        body = zitting(offering_id) if method == "PUT" else {"consumers": [{"consumerKey": "nl-test-admin"}]}
        return Target(ta, tp, f"/ooapi/offerings/{offering_id}", body)
    body = deelname(association_id, offering_id) if method == "PUT" else {"state": "associated"}
    return Target(ta, tp, f"/ooapi/associations/{association_id}", body)


def _ta_run(ta: TA) -> Target:
    offering_id, _ = plan(ta.client(), students=2)
    return Target(ta, ta.client(ClientRole.planner), f"/operator/sessions/{offering_id}/run", {})


def _dr_flow5(dr: DR, method: str) -> Target:
    tp = dr.client(ClientRole.tp)
    if method == "PATCH":
        return Target(dr, tp, f"/ooapi/associations/{JACOB_REKENEN}", result_patch(JACOB_REKENEN))
    association_id = new_id()
    body = attempt_put(association_id, JACOB_REKENEN)
    assert tp.put(f"/associations/{association_id}", body).status_code == 201
    return Target(dr, tp, f"/ooapi/associations/{association_id}", body)


Make = Callable[[Any], Target]
#: (role, method, path as the OpenAPI document has it, caller): how to make the target. PATCHes two roles
#: send to the same path are fuzzed as each.
TARGETS: dict[tuple[str, str, str, str], Make] = {
    ("tp", "PUT", "/ooapi/offerings/{offeringId}", "dr"): lambda tp: _tp_dr(tp, "offerings"),
    ("tp", "PATCH", "/ooapi/offerings/{offeringId}", "dr"): lambda tp: _tp_dr(tp, "offerings"),
    ("tp", "PATCH", "/ooapi/offerings/{offeringId}", "ta"): _tp_flow4,
    ("tp", "PUT", "/ooapi/associations/{associationId}", "dr"): lambda tp: _tp_dr(tp, "associations"),
    ("tp", "PATCH", "/ooapi/associations/{associationId}", "dr"): lambda tp: _tp_dr(tp, "associations"),
    ("tp", "PATCH", "/ooapi/associations/{associationId}", "ta"): _tp_flow3,
    ("tp", "PUT", "/ooapi/persons/{personId}", "dr"): lambda tp: _tp_dr(tp, "persons"),
    **{
        ("tp", "POST", path, "planner"): (lambda p: lambda tp: _tp_planning(tp, p))(path)
        for path in (
            "/planning/zittingen",
            "/planning/zittingen/{zittingId}/deelnames",
            "/planning/zittingen/{zittingId}/cancel",
            "/planning/zittingen/{zittingId}/reconcile",
            "/planning/deelnames/{deelnameId}/cancel",
            "/planning/deelnames/{deelnameId}/move",
            "/planning/results/{deelnameId}/score",
            "/planning/results/{deelnameId}/forward",
        )
    },
    ("tp", "PATCH", "/planning/zittingen/{zittingId}", "planner"): lambda tp: _tp_planning(
        tp, "/planning/zittingen/{zittingId}"
    ),
    ("ta", "PUT", "/ooapi/offerings/{offeringId}", "tp"): lambda ta: _ta_flow2(ta, "offerings", "PUT"),
    ("ta", "PATCH", "/ooapi/offerings/{offeringId}", "tp"): lambda ta: _ta_flow2(ta, "offerings", "PATCH"),
    ("ta", "PUT", "/ooapi/associations/{associationId}", "tp"): lambda ta: _ta_flow2(ta, "associations", "PUT"),
    ("ta", "PATCH", "/ooapi/associations/{associationId}", "tp"): lambda ta: _ta_flow2(ta, "associations", "PATCH"),
    ("ta", "POST", "/operator/sessions/{offeringId}/run", "planner"): _ta_run,
    ("dr", "PATCH", "/ooapi/associations/{associationId}", "tp"): lambda dr: _dr_flow5(dr, "PATCH"),
    ("dr", "PUT", "/ooapi/associations/{associationId}", "tp"): lambda dr: _dr_flow5(dr, "PUT"),
}
ROLE_FIXTURES = {"tp": "tp", "ta": "ta", "dr": "dr"}


# --- the school's stored state -------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot(server: Server) -> dict[str, list[str]]:
    """Every row of the server's tables that belongs to the test's school (the relay's bookkeeping left out)."""
    found: dict[str, list[str]] = {}
    with server.session_factory() as session:
        for name, table in Base.metadata.tables.items():
            if "tenant" not in table.c or name in ("oauth_clients", "peers"):
                continue
            skip = RELAY_COLUMNS if name == "outbox_messages" else set()
            columns = [c for c in table.c if c.name not in skip]
            rows = session.execute(select(*columns).where(table.c.tenant == server.tenant)).all()
            found[name] = sorted(json.dumps([_plain(v) for v in row], default=str, sort_keys=True) for row in rows)
    return found


# --- hostile bodies ------------------------------------------------------------------------------------------

#: Text with the characters that break things: lone surrogates (sent escaped, or as invalid UTF-8), NUL, RTL.
UNICODE = st.text(st.characters(), max_size=30) | st.sampled_from(
    ["\ud800", "\udfff", "a\x00b", "\u202eRTL\u202c", "🙂👩‍👩‍👧", "e\u0301", "\ufeff", "\uffff", "𝕏" * 100]
)
NEST, HUGE = "@@nest@@", "@@huge@@"
#: The empty containers are built anew for each draw: `st.just([])` would hand every example the same list, which a
#: later change fills in place, so that hypothesis replays another body (`FlakyStrategyDefinition`).
WRONG_TYPES = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.builds(list) | st.builds(dict)


def _other_type(value: Any) -> st.SearchStrategy[Any]:
    """A value of another JSON type than `value`; numbers as strings and strings as numbers first."""
    if isinstance(value, bool):
        return st.sampled_from(["true", 1, None, [value]])
    if isinstance(value, int | float):
        return st.sampled_from([str(value), float(value), -value, [value], None]) | WRONG_TYPES
    if isinstance(value, str):
        numeric = st.sampled_from([7.5, 75, 1e308, -1, 0]) if value else st.just(0)
        return numeric | st.sampled_from([[value], {"value": value}, None, True])
    if isinstance(value, list):
        return st.sampled_from([{}, None, "", value[0] if value else 0, [value]])
    return st.sampled_from([[value], [], "", None, 0])


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """`valid` with one to four hostile changes at places drawn from it."""
    body = copy.deepcopy(valid)
    for _ in range(draw(st.integers(1, 4))):
        spots = places(body)
        path = draw(st.sampled_from(spots)) if spots else ()
        *parent_path, last = path or (None,)
        parent = at(body, tuple(parent_path)) if path else None
        value = at(body, path) if path else body
        change = draw(
            st.sampled_from(
                ["extra", "null", "remove", "type", "consumers", "nest", "huge", "unicode", "random"]
                if parent is not None
                else ["extra", "consumers", "nest", "huge"]
            )
        )
        holder = value if isinstance(value, dict) else body
        if change == "extra":
            holder[draw(KEYS)] = draw(JSON)
        elif change == "consumers":
            holder["consumers"] = _consumers(draw, holder.get("consumers"))
        elif change in ("nest", "huge") and not any(_has_marker(body)):
            holder[draw(KEYS | st.just("consumers"))] = NEST if change == "nest" else HUGE
        elif isinstance(parent, dict | list) and (isinstance(parent, dict) or last < len(parent)):
            if change == "remove":
                del parent[last]
            else:
                parent[last] = {
                    "null": None,
                    "type": draw(_other_type(value)),
                    "unicode": draw(UNICODE),
                    "random": draw(JSON),
                }.get(change, value)
    return body


def _has_marker(body: Any) -> list[bool]:
    return [at(body, path) in (NEST, HUGE) for path in places(body)]


def _consumers(draw: st.DrawFn, blocks: Any) -> Any:
    """The merge-patch edge cases of a `consumers` array (docs/standard.md)."""
    block = blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}
    block = {"consumerKey": "nl-test-admin", **block}
    without_key = {k: v for k, v in block.items() if k != "consumerKey"}
    return draw(
        st.sampled_from(
            [
                [],
                None,
                [block, block],
                [block, {**block, "consumerKey": "nl-test-admin"}],
                [without_key],
                [{**block, "consumerKey": None}],
                [{**block, "consumerKey": 1}],
                [None],
                [[]],
                {"consumerKey": "nl-test-admin"},
                "nl-test-admin",
                [{k: None for k in block}],
                [block, {"consumerKey": "x-other", "extra": [1, {"a": None}]}],
            ]
        )
    )


def serialized(draw: st.DrawFn, body: Any) -> bytes:
    """The body as sent: the markers filled in (deep nesting, a string bringing it near the limit), text escaped
    or raw (a lone surrogate raw is invalid UTF-8)."""
    text = json.dumps(body, ensure_ascii=draw(st.booleans()))
    if f'"{NEST}"' in text:
        depth = text[: text.index(f'"{NEST}"')].count("{") - text[: text.index(f'"{NEST}"')].count("}")
        depth += text[: text.index(f'"{NEST}"')].count("[") - text[: text.index(f'"{NEST}"')].count("]")
        wanted = draw(st.sampled_from([MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 1000]))
        levels = max(wanted - depth, 1)
        opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        text = text.replace(f'"{NEST}"', opening * levels + "0" + closing * levels)
    raw = text.encode("utf-8", "surrogatepass")
    if f'"{HUGE}"'.encode() in raw:
        char = draw(st.sampled_from(["x", "é", "🙂", "\\u0041"]))
        room = LIMIT - (len(raw) - len(HUGE))
        size = max(room // len(char.encode()) + draw(st.integers(-3, 3)), 0)
        raw = raw.replace(HUGE.encode(), (char * size).encode())
    return raw


@st.composite
def hostile(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """A hostile body: mostly near misses of `valid`, so that many reach validation and the store."""
    body = draw(st.one_of(mutated(valid), mutated(valid), mutated(valid), st.dictionaries(KEYS, JSON, max_size=6)))
    return serialized(draw, body)


# --- the tests -----------------------------------------------------------------------------------------------


def _content_type(method: str) -> str:
    return MERGE_PATCH["content-type"] if method == "PATCH" else "application/json"


@pytest.mark.slow
@pytest.mark.parametrize("key", list(TARGETS), ids=["-".join(k) for k in TARGETS])
def test_hostile_bodies_never_a_5xx_and_a_refusal_changes_nothing(
    key: tuple[str, str, str, str], backend: str, request: pytest.FixtureRequest
) -> None:
    # `backend` is named so that the role's server fixture, asked for by name, runs on each backend.
    role, method, template, _caller = key
    target = TARGETS[key](request.getfixturevalue(ROLE_FIXTURES[role]))
    peer_call = f"{method} {template}" in PEER_CALLS

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(content=hostile(target.valid))
    def send(content: bytes) -> None:
        before = snapshot(target.server)
        headers = {**target.peer.headers, "content-type": _content_type(method)}
        response = target.peer.http.request(method, target.path, content=content, headers=headers)
        event(f"status {response.status_code}")
        allowed = (502, 503) if peer_call else ()
        assert response.status_code < 500 or response.status_code in allowed, (response.status_code, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM_JSON, response.text
            assert response.json()["status"] == str(response.status_code)
            assert snapshot(target.server) == before, f"a refused {method} changed the stored state"

    send()


@given(st.data())
def test_a_drawn_container_changed_in_place_leaves_later_draws_alone(data: st.DataObject) -> None:
    for _ in range(6):
        value = data.draw(WRONG_TYPES)
        if isinstance(value, list | dict):
            assert not value, "a container drawn before and filled in came back"
            value.append(1) if isinstance(value, list) else value.update(a=1)


def test_every_write_endpoint_is_fuzzed(tp: TP, ta: TA, dr: DR) -> None:
    """The write operations each role's document lists are the ones TARGETS fuzzes (the token endpoint aside:
    it takes a form, not JSON)."""
    listed = set()
    for role, server in (("tp", tp), ("ta", ta), ("dr", dr)):
        document = server.http.get("/openapi.json").json()
        for path, operations in document["paths"].items():
            for method in operations:
                if method in ("put", "patch", "post", "delete") and path != TOKEN_PATH:
                    listed.add((role, method.upper(), path))
    assert listed == {key[:3] for key in TARGETS}
