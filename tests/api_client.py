"""Talking to a real TP over HTTP the way its peers do: register a client, get a token, call OOAPI."""

from __future__ import annotations

import json
import re
import ssl
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import pytest
from sqlalchemy import select

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.client.peers import add_peer
from oke.store.engine import make_engine, make_session_factory
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.peers import PeerConfig
from oke.store.tables.toetsplanning import DrPerson, TpComponent

MERGE_PATCH = {"content-type": "application/merge-patch+json"}
#: A TA address nothing listens on (the discard port): flow 2 to it waits in the outbox.
UNREACHABLE = "http://127.0.0.1:9"
STANDARD = Path(__file__).resolve().parents[2] / "shared" / "ned-ooapi"
SEEDS = STANDARD.parent / "seeds"

DEFAULT_SCOPES = {
    ClientRole.ta: {scopes.FLOW_2_3_4},
    ClientRole.dr: {scopes.FLOW_1_5},
    ClientRole.planner: {scopes.PLANNING},
}


def claims_now(changes: dict[str, Any]) -> dict[str, Any]:
    """Token claims with every `timedelta` made a time from now: parameters are made when the tests are
    collected, minutes before a test of a long run uses them."""
    now = time.time()
    return {k: int(now + v.total_seconds()) if isinstance(v, timedelta) else v for k, v in changes.items()}


def new_id() -> str:
    return str(uuid.uuid4())


class Peer:
    """One registered client of TP, holding a token: a TA, a DR or a planner."""

    def __init__(self, http: httpx.Client, token: str, base_path: str = "/ooapi") -> None:
        self.http = http
        self.headers = {"authorization": f"Bearer {token}"}
        self.base = base_path

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(self.base + path, params=params, headers=self.headers)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.http.put(self.base + path, json=body, headers=self.headers)

    def patch(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.patch(self.base + path, json=body, headers={**self.headers, **MERGE_PATCH, **(headers or {})})

    def send(self, method: str, path: str, content: bytes, content_type: str = "application/json") -> httpx.Response:
        headers = {**self.headers, "content-type": content_type}
        return self.http.request(method, self.base + path, content=content, headers=headers)

    def post_planning(self, path: str, body: Any = None) -> httpx.Response:
        return self.http.post("/planning" + path, json=body, headers=self.headers)

    def get_planning(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get("/planning" + path, params=params, headers=self.headers)

    def patch_planning(self, path: str, body: Any) -> httpx.Response:
        return self.http.patch("/planning" + path, json=body, headers={**self.headers, **MERGE_PATCH})


class Server:
    """A running oke server seen by one tenant (school) of its own: its HTTP API and its database."""

    #: The scopes a test's client of each role gets unless it asks for others.
    default_scopes: dict[ClientRole, set[str]]

    def __init__(self, url: str, database_url: str, *, verify: ssl.SSLContext | bool = True) -> None:
        """`verify`: the CAs an https server's certificate is checked against (a test's own CA)."""
        self.url = url
        self.tenant = f"school-{uuid.uuid4().hex[:8]}"
        self.http = httpx.Client(base_url=url, timeout=30, verify=verify)
        self._engine = make_engine(database_url)
        self.session_factory = make_session_factory(self._engine)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.http.close()
        self._engine.dispose()

    def token(self, client_id: str, secret: str) -> str:
        response = self.http.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        response.raise_for_status()
        return str(response.json()["access_token"])

    def peer_name(self, peer: str, tenant: str | None = None) -> str:
        """The peer a client registered for `peer` speaks for."""
        return peer

    def register(
        self,
        role: ClientRole = ClientRole.tp,
        *,
        peer: str | None = None,
        tenant: str | None = None,
        scope: set[str] | None = None,
    ) -> tuple[str, str]:
        with self.session_factory() as session:
            client, secret = ClientRegistry(session).add(
                role=role,
                tenant=tenant or self.tenant,
                scopes=scope or self.default_scopes[role],
                peer=self.peer_name(peer, tenant) if peer else None,
            )
            session.commit()
            return client.client_id, secret

    def client(self, role: ClientRole = ClientRole.tp, **kwargs: Any) -> Peer:
        """A registered client of `role` (a TP by default) with a token."""
        return Peer(self.http, self.token(*self.register(role, **kwargs)))

    def configure_peer(
        self, name: str, role: str, base_url: str, client: tuple[str, str], version: str | None = None
    ) -> str:
        """Tell this server where its peer `name` (of `role`, in the test's school) is and as whom to call it."""
        with self.session_factory() as session:
            if session.get(PeerConfig, name) is None:
                add_peer(
                    session,
                    name=name,
                    role=role,
                    tenant=self.tenant,
                    base_url=f"{base_url}/ooapi",
                    token_url=f"{base_url}/oauth2/token",
                    client_id=client[0],
                    secret=client[1],
                    nl_test_admin_version=version,
                )
                session.commit()
        return name

    def history(self, object_id: str, flow: str | None = None) -> list[ReceivedMessage]:
        """The messages the server accepted for one object of the test's tenant (of one flow), oldest first."""
        query = (
            select(ReceivedMessage)
            .where(ReceivedMessage.tenant == self.tenant, ReceivedMessage.object_id == object_id)
            .order_by(ReceivedMessage.id)
        )
        if flow is not None:  # a planner's and an operator's changes are in the history too
            query = query.where(ReceivedMessage.flow == flow)
        with self.session_factory() as session:
            return list(session.scalars(query))


class TP(Server):
    """A running TP, seen by the peers of one tenant (school) that a test registers."""

    default_scopes = DEFAULT_SCOPES

    def peer_name(self, peer: str, tenant: str | None = None) -> str:
        """Peer names are unique per server, and every test has its school: the test's name, made unique."""
        return f"{peer}@{tenant or self.tenant}"

    def peer(self, role: ClientRole, **kwargs: Any) -> Peer:
        return self.client(role, **kwargs)

    def configure_ta(
        self, ta_peer: str, base_url: str = UNREACHABLE, *, client: tuple[str, str] = ("tp", "x" * 16)
    ) -> str:
        """Tell TP where TA `ta_peer` of this school is (by default nowhere: its flow 2 then waits in the outbox)."""
        return self.configure_peer(self.peer_name(ta_peer), "ta", base_url, client)

    def configure_dr(
        self,
        dr_peer: str = "dr-x",
        base_url: str = UNREACHABLE,
        *,
        client: tuple[str, str] = ("tp", "x" * 16),
        version: str | None = None,
    ) -> str:
        """Tell TP where the school's DR is (by default nowhere: flow 5 then waits in the outbox)."""
        return self.configure_peer(self.peer_name(dr_peer), "dr", base_url, client, version)

    def plan(self, ta_peer: str, students: int = 1, staff: tuple[str, ...] = (), **offering: Any) -> dict[str, Any]:
        """Plan a Zitting at `ta_peer` with `students` students (each for a Toetsinschrijving) and staff."""
        planner = self.peer(ClientRole.planner)
        participants = [
            {
                "personId": (p := new_id()),
                "role": "student",
                "toetsinschrijvingId": new_id(),
                "attempt": 1,
                "person": person(p, student=True),
            }
            for _ in range(students)
        ] + [{"personId": (p := new_id()), "role": role, "person": person(p, student=False)} for role in staff]
        plan = {
            "taPeer": self.configure_ta(ta_peer),
            "offering": zitting_offering(**offering),
            "participants": participants,
        }
        response = planner.post_planning("/zittingen", plan)
        assert response.status_code == 201, response.text
        return dict(response.json())


def person(person_id: str | None = None, *, student: bool = True, **overrides: Any) -> dict[str, Any]:
    """The full Person flow 2 embeds (PDF figure 3.2.8); a student's carries preferredName and idCheckName."""
    person_id = person_id or new_id()
    found: dict[str, Any] = {
        "personId": person_id,
        "primaryCode": {"codeType": "studentNumber" if student else "emailAdress", "code": person_id[:8]},
        "givenName": "Maartje",
        "surnamePrefix": "van",
        "surname": "Damme",
        "displayName": "Damme, Maartje van",
        "activeEnrollment": True,
        "affiliations": ["student" if student else "employee"],
        "mail": f"{person_id[:8]}@roc.example",
        "languageOfChoice": ["nl-NL"],
        "otherCodes": [{"codeType": "accountId", "code": f"{person_id[:8]}@roc.example"}],
    }
    if student:
        found["consumers"] = [
            {"consumerKey": "nl-test-admin", "preferredName": "Maar", "idCheckName": "Damme, Maartje van"}
        ]
    return {**found, **overrides}


@dataclass(frozen=True)
class Enrolment:
    """What DR sent TP in flow 1 for one student: the planbare toets, the Toetsinschrijving and the person."""

    toets: str
    enrolment: str
    student: str


def dr_sends_toets(
    tp: TP,
    toets: str | None = None,
    *,
    value_type: str = "0.0-10.0",
    result_expected: bool = True,
    final_allowed: bool | None = None,
    **offering: Any,
) -> str:
    """Flow 1: a planbare toets (a new one by default) of the test `zitting_offering()` names, unless `offering`
    says otherwise; its id."""
    toets = toets or new_id()
    block: dict[str, Any] = {"consumerKey": "nl-test-admin"}
    if final_allowed is not None:
        block["finalResultsAllowed"] = final_allowed
    offering = zitting_offering(
        offeringId=toets, resultExpected=result_expected, resultValueType=value_type, consumers=[block], **offering
    )
    assert tp.peer(ClientRole.dr).put(f"/offerings/{toets}", offering).status_code == 201
    return toets


def dr_enrols(
    tp: TP,
    toets: str | None = None,
    *,
    enrolment: str | None = None,
    attempt: int = 1,
    attempt_left: int | None = 1,
    needs: tuple[str, ...] = (),
    **toets_options: Any,
) -> Enrolment:
    """Flow 1: a student (with assigned `needs` codes) and the Toetsinschrijving for `toets` (a new one by default)."""
    dr = tp.peer(ClientRole.dr)
    toets = toets or dr_sends_toets(tp, **toets_options)
    student, enrolment = new_id(), enrolment or new_id()
    body = person(student)
    if needs:
        body["consumers"][0]["assignedNeeds"] = [
            {"code": code, "description": [{"language": "nl-NL", "value": code}]} for code in needs
        ]
    assert dr.put(f"/persons/{student}", body).status_code == 201
    consumer = {"consumerKey": "nl-test-admin", "attempt": attempt, "attemptLeft": attempt_left}
    association = {
        "associationId": enrolment,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": "associated",
        "person": student,
        "offering": toets,
        "consumers": [consumer],
    }
    assert dr.put(f"/associations/{enrolment}", association).status_code == 201
    return Enrolment(toets, enrolment, student)


def zitting_offering(**overrides: Any) -> dict[str, Any]:
    """A Zitting as TP plans it (flow 2), without its id."""
    return {
        "offeringType": "component",
        "primaryCode": {"codeType": "offeringCode", "code": "REK-2F-0914"},
        "name": [{"language": "nl-NL", "value": "Rekenen 2F, ochtend"}],
        "description": [{"language": "nl-NL", "value": "Zitting rekenen 2F"}],
        "teachingLanguage": "nld",
        "startDateTime": "2026-12-01T09:00:00+01:00",
        "endDateTime": "2026-12-01T10:00:00+01:00",
        "component": str(uuid.UUID(int=1)),
        "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active", "duration": "PT40M"}],
        **overrides,
    }


def ta_lists_test(tp: TP, ta_peer: str, component: str | None = None, **block: Any) -> None:
    """Flow 0 as TP keeps it (`oke catalogue sync`): TA `ta_peer` (a peer name) lists `component` (by default the
    test of `zitting_offering`) with these nl-test-admin fields (PDF Tabel 4.1.A)."""
    component = component or zitting_offering()["component"]
    data = {"componentId": component, "consumers": [{"consumerKey": "nl-test-admin", "status": "active", **block}]}
    with tp.session_factory() as session:
        session.merge(TpComponent(ta_peer=ta_peer, component_id=component, status="active", data=data))
        session.commit()


# The standard's examples, problems and history rows, for the e2e tests.

PROBLEM_JSON = "application/problem+json"
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
#: A line that ends a value (string, number, literal, object, array) followed by a line that starts a member.
_MISSING_COMMA = re.compile(r'(["\d]|true|false|null|[}\]])([ \t]*\n\s*)(?=["{])')


def fix_json_syntax(text: str, *, missing_commas: int, trailing_commas: int) -> str:
    """`text` with its missing commas added and trailing commas dropped; the counts must be as expected."""
    text, added = _MISSING_COMMA.subn(r"\1,\2", text)
    text, dropped = _TRAILING_COMMA.subn(r"\1", text)
    assert (added, dropped) == (missing_commas, trailing_commas), "the example's syntax errors changed"
    json.loads(text)
    return text


def shared_file(path: Path) -> Path:
    """`path` inside the shared standard or seeds; the calling test is skipped when it is not there."""
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


def standard_example(name: str) -> dict[str, Any]:
    """The `value` of `examples/<name>.json` of the standard (`{"operation", "example", "value"}`)."""
    document = json.loads(shared_file(STANDARD / "examples" / f"{name}.json").read_text(encoding="utf-8"))
    return dict(document["value"])


def markdown_block(path: Path, heading: str) -> str:
    """The first fenced block after the line `heading` of a markdown file, from the line opening its object.

    The md docs and seeds put a request line (`PATCH /associations/{associationId}`) before the JSON.
    """
    text = shared_file(path).read_text(encoding="utf-8")
    start = next((m.end() for m in re.finditer(rf"^{re.escape(heading)}\s*$", text, re.MULTILINE)), None)
    if start is None:
        raise AssertionError(f"{path.name} has no heading {heading!r}")
    fence = _FENCE.search(text, start)
    if fence is None:
        raise AssertionError(f"{path.name} has no code block after {heading!r}")
    body = re.search(r"^[ \t]*\{", fence.group(1), re.MULTILINE)
    if body is None:
        raise AssertionError(f"the code block after {heading!r} of {path.name} has no JSON object")
    return fence.group(1)[body.start() :].rstrip()


def problem_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of an error answer, checked: its status, content type and `status` string."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM_JSON
    problem = response.json()
    assert problem["status"] == str(status)
    assert isinstance(problem["title"], str) and problem["title"]
    return dict(problem)


def pointers(problem: dict[str, Any]) -> list[str]:
    """The JSON pointers a 400 problem names."""
    return [param["pointer"] for param in problem.get("invalidParams") or ()]


#: `history(tp, object_id)`: the messages TP accepted for one object of the test's tenant, oldest first.
history = Server.history


def noted(notes: list[str], pointer: str) -> bool:
    """Whether one of a history row's notes is about the field at `pointer`."""
    return any(note.startswith(pointer + ":") for note in notes)


def dr_person(tp: TP, person_id: str) -> DrPerson | None:
    """TP's row for a person DR sent (flow 1), in the test's tenant."""
    with tp.session_factory() as session:
        return session.get(DrPerson, (tp.tenant, person_id))


def ta_with_student(tp: TP, peer: str = "ta-x", **kwargs: Any) -> tuple[Peer, str]:
    """A TA client and the Deelname id of one student in a Zitting TP planned with that TA."""
    ta = tp.peer(ClientRole.ta, peer=peer)
    planned = tp.plan(peer, students=1, **kwargs)
    return ta, str(planned["deelnames"][0]["deelnameId"])


#: Flow 3 (TA → TP): a student is present, no score yet.
ATTENDANCE = {
    "associationType": "componentOfferingAssociation",
    "result": {
        "state": "in progress",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    },
}
