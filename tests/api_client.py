"""Talking to a real TP over HTTP the way its peers do: register a client, get a token, call OOAPI."""

from __future__ import annotations

import uuid
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.store.engine import make_engine, make_session_factory

MERGE_PATCH = {"content-type": "application/merge-patch+json"}
STANDARD = Path(__file__).resolve().parents[2] / "shared" / "ned-ooapi"
SEEDS = STANDARD.parent / "seeds"

DEFAULT_SCOPES = {
    ClientRole.ta: {scopes.FLOW_2_3_4},
    ClientRole.dr: {scopes.FLOW_1_5},
    ClientRole.planner: {scopes.PLANNING},
}


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


class TP:
    """A running TP, seen by the peers of one tenant (school) that a test registers."""

    def __init__(self, url: str, database_url: str) -> None:
        self.url = url
        self.tenant = f"school-{uuid.uuid4().hex[:8]}"
        self.http = httpx.Client(base_url=url, timeout=30)
        self._engine = make_engine(database_url)
        self.session_factory = make_session_factory(self._engine)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.http.close()
        self._engine.dispose()

    def register(
        self, role: ClientRole, *, peer: str | None = None, tenant: str | None = None, scope: set[str] | None = None
    ) -> tuple[str, str]:
        with self.session_factory() as session:
            client, secret = ClientRegistry(session).add(
                role=role, tenant=tenant or self.tenant, scopes=scope or DEFAULT_SCOPES[role], peer=peer
            )
            session.commit()
            return client.client_id, secret

    def token(self, client_id: str, secret: str) -> str:
        response = self.http.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        response.raise_for_status()
        return str(response.json()["access_token"])

    def peer(self, role: ClientRole, **kwargs: Any) -> Peer:
        return Peer(self.http, self.token(*self.register(role, **kwargs)))

    def plan(self, ta_peer: str, students: int = 1, staff: tuple[str, ...] = (), **offering: Any) -> dict[str, Any]:
        """Plan a Zitting at `ta_peer` with `students` students (each for a Toetsinschrijving) and staff."""
        planner = self.peer(ClientRole.planner)
        participants = [
            {"personId": new_id(), "role": "student", "toetsinschrijvingId": new_id(), "attempt": 1}
            for _ in range(students)
        ] + [{"personId": new_id(), "role": role} for role in staff]
        response = planner.post_planning(
            "/zittingen", {"taPeer": ta_peer, "offering": zitting_offering(**offering), "participants": participants}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


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
