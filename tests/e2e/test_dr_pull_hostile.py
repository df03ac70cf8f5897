"""Flow 1 pull from a DR that serves what TP must not take, or serves it slowly: the pull ends, keeps the rest,
and holds up no other school's pull.

Rules checked, with their sources:
- A Toetsinschrijving names the programme or course enrolment it rests on (PDF Tabel 4.3.A), which names none of its
  own (Tabel 4.5.A, 4.13.A): the pull follows that one link, and refuses, unread, what a context enrolment names
  (docs/planning.md, "Flow 1: push or pull").
- Each object pulled passes the checks DR's push of it passes before any service sees it (nesting, a NUL character,
  an id longer than `MAX_ID`), and is refused on its own; the rest of the pull is kept. An enrolment resting on a
  person or planbare toets that was refused is refused too, unless it is a cancel (docs/planning.md, "Flow 1: push
  or pull").
- The schedule pulls several DRs at once, each within a budget (the schedule's interval): one whose reads take
  longer fails, nothing of it changed, and the other DRs are pulled meanwhile (docs/operations.md, "Flow 1 pull
  from DR").
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from fastapi import Response

from oke.client.peers import PeerDirectory
from oke.roles.toetsplanning.dr_sync import pulling
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from tests.api_client import TP, new_id, person, zitting_offering
from tests.dr_client import DR
from tests.e2e.test_chain_dr_pull import connect_to_dr, held, oke_sync
from tests.e2e.test_chain_dr_pull import in_the_schools_term as in_the_schools_term  # autouse: the fixture
from tests.e2e.test_chain_dr_pull import quick_retries as quick_retries  # the fixture
from tests.servers import fake_peer, free_port, running

TOETS = new_id()
#: After this many links the fake DR's chain of context enrolments ends: a pull that follows every link then ends,
#: and its test fails instead of hanging.
LET_GO = 50


def toets(offering_id: str = TOETS, **overrides: Any) -> dict[str, Any]:
    """A planbare toets as DR serves it."""
    block = {"consumerKey": "nl-test-admin"}
    fields = {"resultExpected": True, "resultValueType": "0.0-10.0", "consumers": [block], **overrides}
    return zitting_offering(offeringId=offering_id, **fields)


def enrolment(
    association_id: str, person_id: str, offering_id: str = TOETS, *, context: str | None = None, state: str = ""
) -> dict[str, Any]:
    """A student's Toetsinschrijving as DR serves it, resting on programme enrolment `context` if given."""
    block: dict[str, Any] = {"consumerKey": "nl-test-admin", "attempt": 1, "attemptLeft": 1}
    if context is not None:
        block["programOfferingAssociationId"] = context
    return {
        "associationId": association_id,
        "associationType": "componentOfferingAssociation",
        "role": "student",
        "state": state or "associated",
        "person": person_id,
        "offering": offering_id,
        "consumers": [block],
    }


def nested(levels: int) -> dict[str, Any]:
    deep: dict[str, Any] = {}
    for _ in range(levels):
        deep = {"x": deep}
    return deep


@dataclass
class FakeDr:
    """A DR serving its planbare toetsen, each one's listed enrolments, those enrolments (person as an id) and the
    persons, as given, each enrolment after `seconds_a_read`."""

    toetsen: list[dict[str, Any]]
    listed: dict[str, list[str]]
    associations: dict[str, dict[str, Any]]
    persons: dict[str, dict[str, Any]]
    seconds_a_read: float = 0.0
    #: The enrolments read, in order.
    reads: list[str] = field(default_factory=list)

    @contextmanager
    def serving(self) -> Iterator[str]:
        app = fake_peer()

        @app.get("/ooapi/offerings")
        async def offerings() -> Response:
            return _page(self.toetsen)

        @app.get("/ooapi/offerings/{offeringId}/associations")
        async def listing(offeringId: str) -> Response:
            return _page([{"associationId": i} for i in self.listed.get(offeringId, [])])

        @app.get("/ooapi/associations/{associationId}")
        async def association(associationId: str) -> Response:
            self.reads.append(associationId)
            await asyncio.sleep(self.seconds_a_read)
            return _json(self.associations[associationId])

        @app.get("/ooapi/persons/{personId}")
        async def person_(personId: str) -> Response:
            return _json(self.persons[personId])

        with running(app, free_port()) as url:
            yield url


def _page(items: list[dict[str, Any]]) -> Response:
    return _json({"pageSize": 250, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False, "items": items})


def _json(document: dict[str, Any]) -> Response:
    """`json.dumps`, which writes 500 levels (orjson and FastAPI's encoder do not)."""
    return Response(json.dumps(document), media_type="application/json")


def test_the_context_enrolment_is_read_and_what_it_names_in_turn_is_refused(tp: TP, tp_database_url: str) -> None:
    """A DR whose enrolment a-k named a-(k+1) as its programme enrolment had the pull read on for ever."""
    student = new_id()
    chain = {f"a-{k}": enrolment(f"a-{k}", student, context=f"a-{k + 1}") for k in range(LET_GO)}
    chain[f"a-{LET_GO}"] = enrolment(f"a-{LET_GO}", student)
    fake = FakeDr([toets()], {TOETS: ["a-0"]}, chain, {student: person(student)})
    with fake.serving() as url:
        output = oke_sync(tp_database_url, tp.configure_dr("dr-chain", url), exit_code=1)
    assert fake.reads == ["a-0", "a-1"] and set(held(tp)["associations"]) == {"a-0", "a-1"}
    assert "enrolments: 2 new" in output and "refused: 1\n" in output
    assert "refused a-2: not read: named as the context of context enrolment a-1 (" in output


def test_what_a_push_could_not_pass_is_refused_with_the_enrolments_resting_on_it_and_the_rest_is_kept(
    tp: TP, tp_database_url: str
) -> None:
    """A person 500 levels deep ended the pull with a TypeError (orjson's recursion limit), nothing of the school
    kept; a NUL character was kept, where PostgreSQL cannot store it and DR's push is answered 400."""
    deep, nul, fine, too_long = new_id(), new_id(), new_id(), "L" * 129
    persons = {deep: person(deep, ext=nested(500)), nul: person(nul, givenName="A\x00B"), fine: person(fine)}
    associations = {f"on-{p}": enrolment(f"on-{p}", p) for p in persons} | {too_long: enrolment(too_long, fine)}
    fake = FakeDr([toets()], {TOETS: [*associations]}, associations, persons)
    with fake.serving() as url:
        output = oke_sync(tp_database_url, tp.configure_dr("dr-unfit", url), exit_code=1)
    kept = held(tp)
    assert set(kept["persons"]) == {fine} and set(kept["associations"]) == {f"on-{fine}"}
    assert "persons: 1 new" in output and "enrolments: 1 new" in output and "refused: 5\n" in output
    assert f"refused {deep}: /: the body nests deeper than 64 levels" in output
    assert f"refused {nul}: /givenName: contains a NUL character (\\u0000)" in output
    assert f"refused {too_long}: /path: has a segment longer than 128 characters" in output
    for refused in (deep, nul):
        assert f"refused on-{refused}: rests on person {refused}, which was refused" in output


def test_an_enrolment_resting_on_a_person_or_toets_tp_refuses_is_refused_a_cancel_kept(
    tp: TP, tp_database_url: str
) -> None:
    """An enrolment whose person TP refused (a givenName too long) was kept, naming a person TP does not hold."""
    long_name, fine, no_result = new_id(), new_id(), new_id()
    persons = {long_name: person(long_name, givenName="Z" * 300), fine: person(fine)}
    associations = {
        "on-long": enrolment("on-long", long_name),
        "cancelled": enrolment("cancelled", long_name, state="canceled"),
        "on-no-result": enrolment("on-no-result", fine, no_result),
        "on-fine": enrolment("on-fine", fine),
    }
    toetsen = [toets(), toets(no_result, resultExpected=None)]  # TP needs resultExpected (PDF Tabel 4.2.A)
    listed = {TOETS: ["on-long", "cancelled", "on-fine"], no_result: ["on-no-result"]}
    with FakeDr(toetsen, listed, associations, persons).serving() as url:
        output = oke_sync(tp_database_url, tp.configure_dr("dr-refused", url), exit_code=1)
    kept = held(tp)
    assert set(kept["associations"]) == {"on-fine", "cancelled"} and set(kept["persons"]) == {fine}
    assert set(kept["offerings"]) == {TOETS} and "refused: 4\n" in output
    assert f"refused {long_name}: /givenName: String should have at most 256 characters" in output
    assert f"refused on-long: rests on person {long_name}, which was refused" in output
    assert f"refused on-no-result: rests on offering {no_result}, which was refused" in output


@pytest.mark.usefixtures("quick_retries")
def test_on_the_schedule_a_dr_that_reads_slowly_fails_over_its_budget_and_holds_up_no_other(
    tp: TP, dr: DR, tp_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """One DR after the other: a DR whose 40 enrolments take 3 s each held the schedule for 15 s (for ever, for a DR
    slow enough), and the other schools' DRs waited."""
    caplog.set_level(logging.WARNING, logger="oke.roles.toetsplanning.dr_sync")
    connect_to_dr(tp, dr)  # "dr-real", pulled after "dr-a-slow" one after the other
    student = new_id()
    associations = {i: enrolment(i, student) for i in (new_id() for _ in range(40))}
    slow = FakeDr([toets()], {TOETS: [*associations]}, associations, {student: person(student)}, seconds_a_read=3)
    database = Database(tp_database_url)
    tx = database.transactions(ToetsplanningUnitOfWork)

    def over_budget() -> list[str]:
        return [r.getMessage() for r in caplog.records if peer in r.getMessage() and "budget" in r.getMessage()]

    async def run() -> None:
        with PeerDirectory(database.read_sessions) as directory:
            async with pulling(directory, tx, every_seconds=5):  # the budget of a pull: 5 s
                with anyio.move_on_after(12):  # the slow DR alone took 15 s
                    while len(held(tp)["associations"]) < 10 or not over_budget():
                        await anyio.sleep(0.1)

    try:
        with slow.serving() as url:
            peer = tp.configure_dr("dr-a-slow", url)
            anyio.run(run)
    finally:
        database.close()
    assert len(held(tp)["associations"]) == 10  # the reference DR's, none of the slow one's
    assert over_budget()[0] == (
        f"flow 1 pull from DR {peer} failed: reading it took longer than its budget of 5 s (OKE_DR_SYNC_MINUTES), "
        "nothing was changed"
    )
