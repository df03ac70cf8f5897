"""The exam day, over HTTP only, as a school's operators would run it: read DR's school (flow 1), plan sessions at
TP (flow 2 follows), let TA run them (flows 3, 4; TP sends flow 5), plan retakes for failed students as extra
attempts. A result TP holds for an operator (a score that does not fit DR's scale) is a difference for the
check. Works on any TP, TA and DR given by `Endpoints`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx

from oke.client.ooapi import OoapiClient
from oke.demo.check import Difference, Planned, Scale, compare, still_at_ta
from oke.demo.endpoints import Endpoints
from oke.ooapi.common import nl_test_admin_block

#: Students per session: a room of the school.
SESSION_SIZE = 25
FIRST_DAY, RETAKE_DAY = "2026-12-01", "2026-12-15"
SLOTS = ("09:00", "11:00", "13:30", "15:30")


class DayError(Exception):
    """A server refused a step of the day: the demo cannot go on."""


class Waiter(Protocol):
    def __call__(self, stage: str, done: Callable[[], bool]) -> None:
        """Return once the chain has caught up with `stage`; `done` tells whether what it expects is there."""


@dataclass(frozen=True)
class Toetsinschrijving:
    enrolment: str
    toets: str
    person: str
    attempt_left: int | None  #: None: no limit


@dataclass(frozen=True)
class PlanbareToets:
    offering_id: str
    name: str
    component: str
    value_type: str | None


@dataclass
class Day:
    """What the day did, for the summary and the check."""

    toetsen: dict[str, PlanbareToets] = field(default_factory=dict)
    enrolments: dict[str, Toetsinschrijving] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    @property
    def students(self) -> int:
        return len({e.person for e in self.enrolments.values()})

    @property
    def retakes(self) -> int:
        return sum(1 for p in self.planned if p.attempt > 1)


class ExamDay:
    """One exam day of one school; `cancel` (DR's own action, no HTTP) cancels a Toetsinschrijving at DR."""

    def __init__(
        self,
        endpoints: Endpoints,
        http: httpx.Client,
        *,
        seed: int,
        wait: Waiter,
        say: Callable[[str], None],
        cancel: Callable[[str], None] | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.planner = endpoints.tp_planner.client(http)
        self.ta_operator = endpoints.ta_operator.client(http)
        self.ta_reader = endpoints.ta_reader.client(http, ooapi=True)
        self.dr_reader = endpoints.dr_reader.client(http, ooapi=True)
        self.dr_operator = endpoints.dr_operator.client(http)
        self.rng = random.Random(seed)
        self.seed = seed
        self.wait = wait
        self.say = say
        self.cancel = cancel
        self.day = Day()
        self._scales: dict[str, Scale] = {}

    def run(self) -> Day:
        self.read_school()
        first = self.plan_sessions(list(self.day.enrolments.values()), FIRST_DAY, extra=False)
        self.wait("flow 2: sessions at TA", lambda: self.at_ta(first))
        if self.cancel is not None:
            self.cancel_one(first)
        self.run_sessions(first)
        retakes = self.plan_sessions(self.failed(), RETAKE_DAY, extra=True)
        if retakes:
            self.wait("flow 2: retakes at TA", lambda: self.at_ta(retakes))
            self.run_sessions(retakes)
        return self.day

    def read_school(self) -> None:
        """Flow 1 as TP reads it: the planbare toetsen and their open Toetsinschrijvingen."""
        for offering in self.dr_reader.pages("/offerings", {"offeringType": "component"}):
            if not offering.get("resultExpected"):
                continue
            toets = PlanbareToets(
                offering["offeringId"],
                offering["name"][0]["value"],
                offering["component"],
                offering.get("resultValueType"),
            )
            self.day.toetsen[toets.offering_id] = toets
            for association in self.dr_reader.pages(
                f"/offerings/{toets.offering_id}/associations", {"role": "student"}
            ):
                if association.get("state") == "canceled":
                    continue
                block = nl_test_admin_block(association.get("consumers")) or {}
                person = association["person"]
                self.day.enrolments[association["associationId"]] = Toetsinschrijving(
                    association["associationId"],
                    toets.offering_id,
                    person if isinstance(person, str) else person["personId"],
                    block.get("attemptLeft"),
                )
        self.say(
            f"flow 1: DR's school read: {self.day.students} students, {len(self.day.toetsen)} planbare toetsen, "
            f"{len(self.day.enrolments)} Toetsinschrijvingen"
        )

    def plan_sessions(self, enrolments: list[Toetsinschrijving], date: str, *, extra: bool) -> list[str]:
        """Zittingen of at most SESSION_SIZE students per planbare toets, through TP's planning API."""
        zittingen = []
        for toets_id, group in _by_toets(enrolments):
            for number, chunk in enumerate(_chunks(group, SESSION_SIZE)):
                slot = SLOTS[number % len(SLOTS)]
                participants: list[dict[str, Any]] = [{"toetsinschrijvingId": e.enrolment} for e in chunk]
                if extra:
                    participants = [p | {"extraAttempt": True} for p in participants]
                body = {
                    "taPeer": self.endpoints.ta_peer,
                    "planbareToetsId": toets_id,
                    "offering": _zitting(date, slot, number),
                    "participants": participants,
                }
                planned = _json(self.planner.request("POST", "/planning/zittingen", json=body), 201, "plan a session")
                zitting = planned["zittingId"]
                zittingen.append(zitting)
                for deelname, enrolment in zip(planned["deelnames"], chunk, strict=True):
                    self.day.planned.append(
                        Planned(deelname["deelnameId"], enrolment.enrolment, deelname["attempt"], toets_id, zitting)
                    )
        self.day.sessions += zittingen
        kind = "retake sessions (extra attempts)" if extra else "sessions"
        self.say(f"planned {len(zittingen)} {kind} for {len(enrolments)} Toetsinschrijvingen at TP")
        return zittingen

    def at_ta(self, zittingen: list[str]) -> bool:
        """Whether TA holds every planned participation of these sessions (flow 2 arrived)."""
        expected = {p.zitting: 0 for p in self.day.planned if p.zitting in set(zittingen)}
        for p in self.day.planned:
            if p.zitting in expected:
                expected[p.zitting] += 1
        for zitting, count in expected.items():
            answer = self.ta_reader.request("GET", f"/offerings/{zitting}/associations", params={"pageSize": 100})
            if answer.status_code != 200 or len(answer.json().get("items", [])) < count:
                return False
        return True

    def cancel_one(self, zittingen: list[str]) -> None:
        """DR cancels one planned Toetsinschrijving (pushed to TP); TP cancels its Deelname at TA, which then
        does not run it: no result comes (docs/planning.md, "When DR cancels")."""
        assert self.cancel is not None
        candidates = [p for p in self.day.planned if p.zitting in zittingen]
        planned = self.rng.choice(candidates)
        self.cancel(planned.enrolment)
        self.day.cancelled.append(planned.enrolment)
        self.say(f"flow 1: DR cancelled Toetsinschrijving {planned.enrolment} after planning")
        self.wait("flows 1, 2: the cancel at TP, then at TA", lambda: self.ta_state(planned.deelname) == "canceled")

    def run_sessions(self, zittingen: list[str]) -> None:
        """TA runs each session (flows 3, 4 through its outbox); then wait for the results at DR (flow 5)."""
        for zitting in zittingen:
            ran = _json(
                self.ta_operator.request("POST", f"/operator/sessions/{zitting}/run", params={"seed": self.seed}),
                200,
                "run a session at TA",
            )
            self.day.outcomes += ran["outcomes"]
        self.say(f"TA ran {len(zittingen)} sessions")
        run = {p.deelname for p in self.day.planned if p.zitting in set(zittingen)}
        self.wait("flows 3, 4, 5: results to DR", lambda: self.results_arrived(run))

    def results_arrived(self, deelnames: set[str]) -> bool:
        """Whether DR holds, for each of these Deelnames, the result TA holds (compared as the check does)."""
        return not self.differences(deelnames)

    def differences(self, deelnames: set[str] | None = None) -> list[Difference]:
        """DR's results against TA's, enrolment by enrolment (all planned Deelnames, or these)."""
        planned = [p for p in self.day.planned if deelnames is None or p.deelname in deelnames]
        at_ta = {p.deelname: self.ta_association(p.deelname) for p in planned}
        ta_results = {deelname: dict(a["result"]) if a.get("result") else None for deelname, a in at_ta.items()}
        scales = {t.offering_id: self.scale(t) for t in self.day.toetsen.values()}
        held = {row["deelnameId"]: row["reason"] for row in self.held()}
        found = compare(planned, ta_results, self.dr_results(), scales, held, complete=deelnames is None)
        ta_states = {deelname: str(a.get("state")) for deelname, a in at_ta.items()}
        return found + still_at_ta(planned, self.day.cancelled, ta_states)

    def ta_association(self, deelname: str) -> dict[str, Any]:
        """TA's own Deelname, with its state and last result (3.4)."""
        found = _json(self.ta_reader.request("GET", f"/associations/{deelname}"), 200, "read a Deelname at TA")
        return dict(found)

    def ta_state(self, deelname: str) -> str | None:
        """TA's state of a Deelname: `canceled` once TP's cancel arrived."""
        return self.ta_association(deelname).get("state")

    def scale(self, toets: PlanbareToets) -> Scale:
        """The scales of a planbare toets: DR's, and TA's with its passFrom from TA's catalogue (flow 0)."""
        if toets.offering_id not in self._scales:
            test = _json(self.ta_reader.request("GET", f"/components/{toets.component}"), 200, "read TA's catalogue")
            block = nl_test_admin_block(test.get("consumers")) or {}
            self._scales[toets.offering_id] = Scale(
                toets.value_type, block.get("resultValueType"), block.get("passFrom")
            )
        return self._scales[toets.offering_id]

    def held(self) -> list[dict[str, Any]]:
        """The results TP holds for an operator (a score that does not fit DR's scale), every page of them."""
        return list(_every_item(self.planner, "/planning/results", {"state": "held"}, "read held"))

    def dr_results(self) -> dict[str, dict[str, Any]]:
        """DR's operator view: per Toetsinschrijving, its current result per attempt."""
        items = _every_item(self.dr_operator, "/operator/results", {}, "read DR's results")
        return {item["enrolmentId"]: item for item in items}

    def failed(self) -> list[Toetsinschrijving]:
        """Failed first attempts whose `attemptLeft` allows a retake, as DR holds them."""
        found = []
        held = self.dr_results()
        for planned in self.day.planned:
            enrolment = self.day.enrolments[planned.enrolment]
            if planned.attempt != 1 or planned.enrolment in self.day.cancelled or enrolment.attempt_left == 0:
                continue
            attempts = held.get(planned.enrolment, {}).get("attempts", [])
            result = next((a["result"] for a in attempts if a["attempt"] == 1 and a["result"]), None)
            if result is not None and "failed" in (result.get("pass"), result.get("score")):
                found.append(enrolment)
        return found


def _by_toets(enrolments: list[Toetsinschrijving]) -> Iterator[tuple[str, list[Toetsinschrijving]]]:
    groups: dict[str, list[Toetsinschrijving]] = {}
    for enrolment in enrolments:
        groups.setdefault(enrolment.toets, []).append(enrolment)
    yield from groups.items()


def _chunks(items: list[Toetsinschrijving], size: int) -> Iterator[list[Toetsinschrijving]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _zitting(date: str, slot: str, number: int) -> dict[str, Any]:
    """A session of the planbare toets (TP takes its test, name and code from DR's toets)."""
    start = datetime.fromisoformat(f"{date}T{slot}:00+01:00")
    room = f"B{1 + number // len(SLOTS)}.{10 + number % 7:02d}"
    return {
        "offeringType": "component",
        "teachingLanguage": "nld",
        "startDateTime": start.isoformat(),
        "endDateTime": (start + timedelta(minutes=90)).isoformat(),
        "consumers": [
            {"consumerKey": "nl-test-admin", "offeringState": "active", "duration": "PT60M", "locationCode": room}
        ],
    }


def _json(response: httpx.Response, status: int, what: str) -> Any:
    if response.status_code != status:
        raise DayError(f"{what}: {response.status_code} {response.text[:500]}")
    return response.json()


def _every_item(client: OoapiClient, path: str, params: dict[str, str], what: str) -> Iterator[dict[str, Any]]:
    """The items of every page of a listing that answers `{"items", "next"}` (oke's operator and planning APIs)."""
    query: dict[str, str | int] = {**params, "limit": 250}
    while True:
        page = _json(client.request("GET", path, params=query), 200, what)
        yield from page["items"]
        if page["next"] is None:
            return
        query["after"] = page["next"]
