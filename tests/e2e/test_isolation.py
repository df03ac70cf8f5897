"""Tenant isolation on every route of every role (issue 6): a client of another school, whatever its role and
scopes, and a client of the school with the wrong role get 401, 403 or 404 and never data; refused writes
change nothing of the school's.

The routes are read from each app itself, so a new route fails `test_*_routes_are_isolated` until the
walker's table (`CASES`) says how to call it, with ids of objects that really exist in school A.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.roles.deelnemerregistratie import school
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.roles.toetsplanning.api import groups
from oke.store.base import Base, utcnow
from oke.store.tables.toetsplanning import TpDocument, dr_document_id
from tests.api_client import ATTENDANCE, MERGE_PATCH, TP, Server, dr_enrols, new_id, person, zitting_offering
from tests.dr_client import DR, JACOB_REKENEN, attempt_put, result_patch
from tests.ta_client import TA, deelname, plan, zitting

#: Routes anyone may call: service metadata, the token endpoint, the API documents.
PUBLIC = {
    ("GET", "/ooapi/"),
    ("POST", "/oauth2/token"),
    ("GET", "/oauth2/jwks"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
#: The operator's endpoints (health and Prometheus metrics): public, and holding no school's objects.
OPERATOR = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}
#: Routes a browser opens with a signed link instead of a Bearer token (TA's access links, 2.7).
SIGNED_LINK = {("GET", "/start/{associationId}")}
#: Tables that are no school's objects (clients are registered while walking; keys may rotate).
NOT_SCHOOL_DATA = {"oauth_clients", "signing_keys", "ta_secrets"}
#: Outbox columns the relay changes in the background while it retries messages to an unreachable peer.
RELAY_COLUMNS = {
    "state",
    "attempts",
    "next_attempt_at",
    "lease_until",
    "lease_holder",
    "last_status",
    "last_error",
    "problem",
}
#: TP keeps DR's objects by (school, id): another school's PUT of the same id makes that school's own object
#: (school A's stay as they were, which `walk` checks), or is refused for naming objects it does not have.
OWN_COPY = frozenset({200, 201, 400})
#: TA keeps Zittingen by TP's id alone: another planner's PUT of a taken id is a conflict, not a takeover.
TAKEN = frozenset({409})
#: An optional operation TP does not support answers any DR so, whatever its school (docs/vendors.md).
NOT_SUPPORTED = frozenset({405})


@dataclass(frozen=True)
class Case:
    """How to call one route as school A's own client would: `roles` may call it (the first one succeeds on
    a GET); `listing`: another school gets its own, empty, listing; `shared`: not a school's data at all."""

    roles: tuple[ClientRole, ...]
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    query: dict[str, str] = field(default_factory=dict)
    listing: bool = False
    shared: bool = False
    #: What another school's client may get besides 403 and 404 (a PUT naming objects it does not have: 400).
    also: frozenset[int] = frozenset()


@dataclass
class School:
    """School A's objects at one server, the table of calls built from them, and what must never leak."""

    server: Server
    cases: dict[tuple[str, str], Case]
    secrets: set[str]
    #: The peer names school A's clients speak for, by role: another school's client claims the same.
    peers: dict[ClientRole, str] = field(default_factory=dict)


def routes_of(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves; HEAD is GET's."""
    return {
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method != "HEAD"
    }


def walk(app: FastAPI, found: School) -> None:
    known = found.cases.keys() | PUBLIC | SIGNED_LINK | OPERATOR
    unknown = routes_of(app) - known
    assert not unknown, f"routes the isolation walker cannot call yet (add them to its CASES): {sorted(unknown)}"
    assert not found.cases.keys() - routes_of(app), "CASES names routes the app no longer has"
    server = found.server
    other = f"other-{server.tenant}"
    strangers = {role: _client(server, role, other, found.peers.get(role)) for role in ClientRole}
    own = {role: _client(server, role, server.tenant, found.peers.get(role)) for role in ClientRole}
    for (method, template), case in sorted(found.cases.items()):
        url = template.format(**case.params)
        before = snapshot(server)

        def call(headers: dict[str, str], *, method: str = method, url: str = url, case: Case = case) -> httpx.Response:
            return _request(server.http, method, url, case, headers)

        problem = call({})
        assert problem.status_code == 401, (method, url, problem.text)
        for role, stranger in strangers.items():
            response = call(stranger)
            allowed = {403, 404} | case.also
            if role in case.roles and (case.listing or case.shared):
                allowed.add(200)
            assert response.status_code in allowed, (method, url, role, response.status_code, response.text)
            if not case.shared:
                _no_leak(found.secrets, method, url, case, response)
        for role in set(ClientRole) - set(case.roles):
            response = call(own[role])
            assert response.status_code == 403, (method, url, role, response.status_code, response.text)
        assert snapshot(server) == before, f"a refused {method} {url} changed school A's objects"
        if method == "GET":  # the ids are real: school A's own client gets past the guards
            response = call(own[case.roles[0]])
            assert response.status_code not in (401, 403, 404), (method, url, response.text)
    for method, path in sorted(OPERATOR):  # after all those calls: counted, never shown
        answer = server.http.request(method, path)
        assert answer.status_code == 200, (path, answer.text)
        assert not [secret for secret in found.secrets if secret in answer.text], path


def _client(server: Server, role: ClientRole, tenant: str, peer: str | None) -> dict[str, str]:
    """A client of `role` with every scope, speaking for `peer` (school A's peer name, for another school too)."""
    with server.session_factory() as session:
        client, secret = ClientRegistry(session).add(role=role, tenant=tenant, scopes=scopes.ALL, peer=peer)
        session.commit()
        client_id = client.client_id
    return {"authorization": f"Bearer {server.token(client_id, secret)}"}


def _request(http: httpx.Client, method: str, url: str, case: Case, headers: dict[str, str]) -> httpx.Response:
    if case.body is None:
        return http.request(method, url, params=case.query, headers=headers)
    content_type = MERGE_PATCH if method == "PATCH" else {"content-type": "application/json"}
    content = json.dumps(case.body).encode()
    return http.request(method, url, params=case.query, content=content, headers={**headers, **content_type})


def _no_leak(secrets: set[str], method: str, url: str, case: Case, response: httpx.Response) -> None:
    """The answer names nothing of school A that the request did not name itself."""
    asked = url + json.dumps(case.body) + json.dumps(case.query)
    leaked = sorted(s for s in secrets if s in response.text and s not in asked)
    assert not leaked, (method, url, response.status_code, leaked, response.text)


def snapshot(server: Server) -> dict[str, list[str]]:
    """School A's rows in every table (whole tables where rows have no school), as text, sorted."""
    found: dict[str, list[str]] = {}
    with server.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in NOT_SCHOOL_DATA:
                continue
            columns = [c for c in table.columns if not (table.name == "outbox_messages" and c.name in RELAY_COLUMNS)]
            query = select(*columns)
            if "tenant" in table.columns:
                query = query.where(table.columns["tenant"] == server.tenant)
            found[table.name] = sorted(repr(tuple(row)) for row in session.execute(query))
    return found


def _secrets(*values: Any) -> set[str]:
    """Ids and names in `values` (documents or strings) that must not reach another school."""
    text = json.dumps(values)
    ids = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text))
    return ids | {"Maartje", "Damme"}


# School A at each role.


def tp_school(tp: TP) -> School:
    """At TP: DR's toets, student and Toetsinschrijving (flow 1), a Zitting planned for it, its result sent
    on to DR (flows 3, 5), and a document fetched from TA."""
    tp.configure_dr()
    ta_peer = tp.configure_ta("ta-x")
    enrolment = dr_enrols(tp)
    planner = tp.peer(ClientRole.planner)
    plan_body = {
        "taPeer": ta_peer,
        "planbareToetsId": enrolment.toets,
        "offering": zitting_offering(),
        "participants": [{"toetsinschrijvingId": enrolment.enrolment}],
    }
    planned = planner.post_planning("/zittingen", plan_body)
    assert planned.status_code == 201, planned.text
    zitting_id = planned.json()["zittingId"]
    deelname_id = planned.json()["deelnames"][0]["deelnameId"]
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    score = {**ATTENDANCE["result"], "state": "completed", "score": "8.0", "pass": "passed"}
    reported = ta.patch(f"/associations/{deelname_id}", {**ATTENDANCE, "result": score})
    assert reported.status_code == 200, reported.text
    document_id = new_id()
    for_dr = dr_document_id(tp.tenant, ta_peer, document_id)
    with tp.session_factory() as session:
        session.add(
            TpDocument(
                tenant=tp.tenant,
                document_id=document_id,
                ta_peer=ta_peer,
                dr_document_id=for_dr,
                zitting_id=zitting_id,
                deelname_id=deelname_id,
                name="Beoordeling.pdf",
                media_type="application/pdf",
                data=b"%PDF-1.4 Damme, Maartje van",
                fetched_at=utcnow(),
            )
        )
        session.commit()
    dr, ta_, planner_ = ClientRole.dr, ClientRole.ta, ClientRole.planner
    association = {
        "associationId": enrolment.enrolment,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": enrolment.student,
        "offering": enrolment.toets,
        "consumers": [{"consumerKey": "nl-test-admin", "attempt": 1, "attemptLeft": 1}],
    }
    cases = {
        ("PUT", "/ooapi/associations/{associationId}"): Case(
            (dr,), {"associationId": enrolment.enrolment}, association, also=OWN_COPY
        ),
        ("PATCH", "/ooapi/associations/{associationId}"): Case((ta_, dr), {"associationId": deelname_id}, ATTENDANCE),
        ("GET", "/ooapi/associations/{associationId}"): Case((ta_, dr), {"associationId": deelname_id}),
        ("PUT", "/ooapi/offerings/{offeringId}"): Case(
            (dr,), {"offeringId": enrolment.toets}, zitting_offering(offeringId=enrolment.toets), also=OWN_COPY
        ),
        ("PATCH", "/ooapi/offerings/{offeringId}"): Case(
            (ta_, dr),
            {"offeringId": zitting_id},
            {"offeringType": "component", "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active"}]},
        ),
        ("GET", "/ooapi/offerings/{offeringId}"): Case((ta_, dr), {"offeringId": zitting_id}),
        ("GET", "/ooapi/offerings/{offeringId}/associations"): Case((ta_, dr), {"offeringId": zitting_id}),
        ("PUT", "/ooapi/persons/{personId}"): Case(
            (dr,), {"personId": enrolment.student}, person(enrolment.student), also=OWN_COPY
        ),
        ("GET", "/ooapi/documents/{documentId}"): Case((dr,), {"documentId": for_dr}),
        ("POST", "/planning/zittingen"): Case((planner_,), body=plan_body, also=frozenset({400})),
        ("POST", "/planning/zittingen/{zittingId}/deelnames"): Case(
            (planner_,),
            {"zittingId": zitting_id},
            {"participants": [{"toetsinschrijvingId": enrolment.enrolment, "extraAttempt": True}]},
        ),
        ("GET", "/planning/zittingen"): Case((planner_,), listing=True),
        ("GET", "/planning/zittingen/{zittingId}"): Case((planner_,), {"zittingId": zitting_id}),
        ("PATCH", "/planning/zittingen/{zittingId}"): Case(
            (planner_,),
            {"zittingId": zitting_id},
            {"consumers": [{"consumerKey": "nl-test-admin", "locationCode": "X"}]},
        ),
        ("POST", "/planning/zittingen/{zittingId}/cancel"): Case((planner_,), {"zittingId": zitting_id}),
        ("POST", "/planning/zittingen/{zittingId}/reconcile"): Case((planner_,), {"zittingId": zitting_id}),
        ("POST", "/planning/deelnames/{deelnameId}/cancel"): Case((planner_,), {"deelnameId": deelname_id}),
        ("POST", "/planning/deelnames/{deelnameId}/move"): Case(
            (planner_,), {"deelnameId": deelname_id}, {"zittingId": zitting_id}
        ),
        ("GET", "/planning/deelnames/{deelnameId}/url"): Case((planner_,), {"deelnameId": deelname_id}),
        ("GET", "/planning/catalogue"): Case((planner_,), query={"taPeer": ta_peer}, listing=True),
        ("GET", "/planning/toetsen"): Case((planner_,), listing=True),
        ("GET", "/planning/toetsen/{planbareToetsId}/toetsinschrijvingen"): Case(
            (planner_,), {"planbareToetsId": enrolment.toets}
        ),
        ("GET", "/planning/results"): Case((planner_,), listing=True),
        ("POST", "/planning/results/{deelnameId}/score"): Case(
            (planner_,), {"deelnameId": deelname_id}, {"score": "9.0"}
        ),
        ("POST", "/planning/results/{deelnameId}/forward"): Case((planner_,), {"deelnameId": deelname_id}),
        **{
            (method, path): Case((dr,), {"groupId": new_id(), "personId": enrolment.student}, also=NOT_SUPPORTED)
            for method in groups.METHODS
            for path in ("/ooapi/groups/{groupId}", "/ooapi/groups/{groupId}/members/{personId}")
        },
    }
    secrets = _secrets(
        enrolment.toets, enrolment.enrolment, enrolment.student, zitting_id, deelname_id, document_id, for_dr
    )
    return School(tp, cases, secrets, {ClientRole.ta: ta_peer})


def test_tp_routes_are_isolated(tp: TP, tp_app_and_url: tuple[FastAPI, str]) -> None:
    walk(tp_app_and_url[0], tp_school(tp))


def ta_school(ta: TA) -> School:
    """At TA: a Zitting and a Deelname TP planned (flow 2), and a document of the Deelname."""
    tp = ta.client(ClientRole.tp, peer="tp-x")
    offering_id, [association_id] = plan(tp)
    document_id = ta.store_document(offering_id, association_id, data=b"%PDF-1.4 Damme, Maartje van")
    person_id = tp.get(f"/associations/{association_id}", expand="person").json()["person"]["personId"]
    tp_, planner_ = ClientRole.tp, ClientRole.planner
    cancel = {"associationType": "componentOfferingAssociation", "state": "canceled"}
    active = {"consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active"}]}
    cases = {
        ("PUT", "/ooapi/associations/{associationId}"): Case(
            (tp_,), {"associationId": association_id}, deelname(association_id, offering_id), also=frozenset({400})
        ),
        ("PATCH", "/ooapi/associations/{associationId}"): Case((tp_,), {"associationId": association_id}, cancel),
        ("GET", "/ooapi/associations/{associationId}"): Case((tp_,), {"associationId": association_id}),
        ("GET", "/ooapi/associations/{associationId}/url"): Case((tp_,), {"associationId": association_id}),
        ("PUT", "/ooapi/offerings/{offeringId}"): Case(
            (tp_,), {"offeringId": offering_id}, zitting(offering_id), also=TAKEN
        ),
        ("PATCH", "/ooapi/offerings/{offeringId}"): Case((tp_,), {"offeringId": offering_id}, active),
        ("GET", "/ooapi/offerings/{offeringId}"): Case((tp_,), {"offeringId": offering_id}),
        ("GET", "/ooapi/offerings/{offeringId}/associations"): Case((tp_,), {"offeringId": offering_id}),
        ("GET", "/ooapi/components"): Case((tp_, ClientRole.dr), shared=True),
        ("GET", "/ooapi/components/{componentId}"): Case(
            (tp_, ClientRole.dr), {"componentId": REKENEN_2F}, shared=True
        ),
        ("GET", "/ooapi/documents/{documentId}"): Case((tp_,), {"documentId": document_id}),
        ("POST", "/operator/sessions/{offeringId}/run"): Case((planner_,), {"offeringId": offering_id}),
    }
    secrets = _secrets(offering_id, association_id, document_id, person_id)
    return School(ta, cases, secrets, {ClientRole.tp: "tp-x"})


def test_ta_routes_are_isolated(ta: TA, ta_app_and_url: tuple[FastAPI, str]) -> None:
    walk(ta_app_and_url[0], ta_school(ta))


def test_a_ta_access_link_opens_only_its_own_participation(ta: TA) -> None:
    """`/start/{associationId}` takes no Bearer token: without the link's signature it shows nothing."""
    tp = ta.client(ClientRole.tp, peer="tp-x")
    offering_id, [first, second] = plan(tp, students=2)
    link = tp.get(f"/associations/{first}/url").json()
    token = httpx.URL(link).params["token"]
    assert ta.http.get(f"/start/{first}", params={"token": token}).status_code == 200
    for params in ({}, {"token": "forged"}, {"token": token}):
        response = ta.http.get(f"/start/{second}", params=params)
        assert response.status_code in (401, 403, 404), response.text
        assert "Rekenen" not in response.text and offering_id not in response.text


def dr_school(dr: DR) -> School:
    """At DR: the demo school seeded into the test's tenant."""
    retake = new_id()
    tp_, ta_, planner_ = ClientRole.tp, ClientRole.ta, ClientRole.planner
    jacob = school.STUDENTS["jacob"]
    cases = {
        ("GET", "/ooapi/offerings"): Case((tp_,), listing=True),
        ("GET", "/ooapi/offerings/{offeringId}"): Case((tp_,), {"offeringId": school.TOETS_REKENEN}),
        ("GET", "/ooapi/offerings/{offeringId}/associations"): Case((tp_,), {"offeringId": school.TOETS_REKENEN}),
        ("GET", "/ooapi/associations/{associationId}"): Case((tp_,), {"associationId": JACOB_REKENEN}),
        ("PATCH", "/ooapi/associations/{associationId}"): Case(
            (tp_,), {"associationId": JACOB_REKENEN}, result_patch(JACOB_REKENEN)
        ),
        ("PUT", "/ooapi/associations/{associationId}"): Case(
            (tp_,), {"associationId": retake}, attempt_put(retake, JACOB_REKENEN), also=frozenset({400})
        ),
        ("GET", "/ooapi/persons/{personId}"): Case((tp_,), {"personId": jacob}),
        ("GET", "/ooapi/persons/{personId}/associations"): Case((ta_,), {"personId": jacob}),
        ("GET", "/ooapi/groups"): Case((tp_,), listing=True),
        ("GET", "/ooapi/groups/{groupId}"): Case((tp_,), {"groupId": school.GROUP}),
        ("GET", "/ooapi/groups/{groupId}/members"): Case((tp_,), {"groupId": school.GROUP}),
        ("GET", "/ooapi/organizations/{organizationId}"): Case((tp_,), {"organizationId": school.ROOT}),
        ("GET", "/operator/results"): Case((planner_,), listing=True),
    }
    names = {part for p in school.persons() for part in (p.get("givenName"), p.get("surname")) if part}
    secrets = _secrets(school.persons(), school.offerings(), school.associations(), school.groups()) | names
    return School(dr, cases, secrets - {"Maartje", "Damme"})


def test_dr_routes_are_isolated(dr: DR, dr_app_and_url: tuple[FastAPI, str]) -> None:
    walk(dr_app_and_url[0], dr_school(dr))


def test_the_walker_knows_every_route_of_a_new_app() -> None:
    """A route nobody described makes the walk fail rather than pass unwalked."""
    app = FastAPI()

    @app.get("/ooapi/new/{thingId}")
    def new_route(thingId: str) -> None: ...

    found = School(Server.__new__(Server), {}, set())
    try:
        walk(app, found)
    except AssertionError as error:
        assert "/ooapi/new/{thingId}" in str(error)
    else:
        raise AssertionError("the walker passed a route it cannot call")
