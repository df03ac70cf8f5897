"""Where the three servers answer and as whom the exam day calls each: what `oke simulate` is given.

The day drives the chain only as a school's operators would, over HTTP: a planner at TP (planning API), an
operator at TA (running a session) and at DR (the results DR holds), and reading clients for the check (TA's
own state, flow 3.4; DR's school, flow 1).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from oke.client.oauth import TokenSource
from oke.client.ooapi import OoapiClient
from oke.store.files import private_file


@dataclass(frozen=True)
class Credential:
    url: str  #: the server's root URL (its OOAPI under /ooapi, its token endpoint at /oauth2/token)
    client_id: str
    secret: str

    def client(self, http: httpx.Client, *, ooapi: bool = False, base_path: str = "/ooapi") -> OoapiClient:
        """A client with this credential's token: on the server's OOAPI, or on its root (planning, operator)."""
        root = self.url.rstrip("/")
        tokens = TokenSource(
            http, token_url=f"{root}/oauth2/token", client_id=self.client_id, secret=self.secret, scope=None
        )
        return OoapiClient(root + base_path if ooapi else root, tokens, http, name=f"{root} as {self.client_id}")


@dataclass(frozen=True)
class Endpoints:
    tenant: str
    ta_peer: str  #: the name TP's planners give the TA (`taPeer`)
    tp_planner: Credential
    ta_operator: Credential  #: a planner client of TA: starts a session run
    ta_reader: Credential  #: a tp client of TA: reads TA's results (3.4) and catalogue (flow 0) for the check
    dr_operator: Credential  #: a planner client of DR: `GET /operator/results`
    dr_reader: Credential  #: a tp client of DR: reads the school (flow 1)

    def save(self, path: Path) -> None:
        """Write the file afresh, for the owner only: it holds the clients' secrets."""
        path.unlink(missing_ok=True)
        private_file(path)
        path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Endpoints:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        fields: dict[str, Any] = {k: Credential(**v) if isinstance(v, dict) else v for k, v in data.items()}
        return cls(**fields)
