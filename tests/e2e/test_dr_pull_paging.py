"""Flow 1 pull from a DR that pages wrongly, over real HTTP: it must not hold TP's pull for ever.

Rules checked, with their sources:
- The pull asks `GET /offerings` with the four filters `offeringType`, `component.componentType`, `since` and
  `until` (PDF 3.1.2.1, flow1.md "Endpoints for this flow").
- Paging stops at `hasNextPage` false or at `totalPages` (Tabel 5.0.C); a DR that serves the same page again
  (it ignores `pageNumber`) cannot be read, with an error naming it (docs/planning.md, "Flow 1: push or pull").
- On the schedule, a DR that cannot be read is logged and tried again at the next turn, and the other DRs
  are pulled all the same (docs/planning.md, "Flow 1: push or pull").
- An `--until` before `--since` is refused before DR is called.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import pytest
from fastapi import Request

from oke.client.peers import PeerDirectory
from oke.roles.toetsplanning.dr_sync import pulling
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database
from tests.api_client import TP, new_id, zitting_offering
from tests.dr_client import DR
from tests.e2e.test_chain_dr_pull import connect_to_dr, held, oke_sync
from tests.e2e.test_chain_dr_pull import in_the_schools_term as in_the_schools_term  # autouse: the fixture
from tests.e2e.test_chain_dr_pull import quick_retries as quick_retries  # the fixture
from tests.servers import fake_peer, free_port, running

#: After this many pages the fake DR lets go (an empty page): a client without a bound then ends, and its
#: test fails instead of hanging.
LET_GO = 100


class PageIgnoringDr:
    """A DR that answers every `GET /offerings` with the same page of one planbare toets, whatever its
    `pageNumber`, saying `hasNextPage: true` (and `totalPages` when given); its toets has no enrolments."""

    def __init__(self, total_pages: int | None = None) -> None:
        self.total_pages = total_pages
        #: The query of each `GET /offerings`, in order.
        self.listings: list[dict[str, str]] = []
        self.toets = zitting_offering(  # as `dr_sends_toets` sends one
            offeringId=new_id(),
            resultExpected=True,
            resultValueType="0.0-10.0",
            consumers=[{"consumerKey": "nl-test-admin"}],
        )

    @property
    def turns(self) -> int:
        """How many times the listing was begun (page 1 asked)."""
        return sum(query.get("pageNumber") == "1" for query in self.listings)

    @contextmanager
    def serving(self) -> Iterator[str]:
        app = fake_peer()

        @app.get("/ooapi/offerings")
        async def offerings(request: Request) -> dict[str, Any]:
            self.listings.append(dict(request.query_params))
            page: dict[str, Any] = {"pageSize": 250, "pageNumber": 1, "hasPreviousPage": False}
            if len(self.listings) > LET_GO:
                return page | {"hasNextPage": False, "items": []}
            if self.total_pages is not None:
                page["totalPages"] = self.total_pages
            return page | {"hasNextPage": True, "items": [self.toets]}

        @app.get("/ooapi/offerings/{offeringId}/associations")
        async def associations(offeringId: str) -> dict[str, Any]:
            return {"pageSize": 250, "pageNumber": 1, "hasPreviousPage": False, "hasNextPage": False, "items": []}

        with running(app, free_port()) as url:
            yield url


def test_the_pull_asks_the_four_filters_and_stops_at_total_pages(tp: TP, tp_database_url: str) -> None:
    fake = PageIgnoringDr(total_pages=1)
    with fake.serving() as url:
        output = oke_sync(tp_database_url, tp.configure_dr("dr-total", url), "--since", "2026-11-01")
    assert "offerings: 1 new" in output
    assert fake.listings == [
        {
            "offeringType": "component",
            "component.componentType": "test",
            "since": "2026-11-01",
            "until": "2027-11-01",
            "pageSize": "250",
            "pageNumber": "1",
        }
    ]


def test_a_dr_that_ignores_page_number_cannot_be_read_and_nothing_changes(tp: TP, tp_database_url: str) -> None:
    fake = PageIgnoringDr()
    with fake.serving() as url:
        peer = tp.configure_dr("dr-looping", url)
        output = oke_sync(tp_database_url, peer, exit_code=1)
    assert f"DR {peer} could not be read, nothing was changed" in output
    assert "page 2 repeats page 1" in output and "ignores pageNumber" in output
    assert len(fake.listings) == 2 and held(tp)["offerings"] == {}


@pytest.mark.usefixtures("quick_retries")
def test_on_the_schedule_a_dr_that_ignores_page_number_fails_its_turn_and_the_others_are_pulled(
    tp: TP, dr: DR, tp_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="oke.roles.toetsplanning.dr_sync")
    connect_to_dr(tp, dr)  # "dr-real", pulled after "dr-a-looping"
    looping = PageIgnoringDr()
    database = Database(tp_database_url)
    tx = database.transactions(ToetsplanningUnitOfWork)

    async def run() -> None:
        with PeerDirectory(database.read_sessions) as directory:
            async with pulling(directory, tx, every_seconds=0.2, budget_seconds=60):
                with anyio.move_on_after(30):  # not a timing check: ends the wait of a test that fails
                    while len(held(tp)["associations"]) < 10 or looping.turns < 2 or not failed():
                        await anyio.sleep(0.1)

    def failed() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and peer in r.getMessage()]

    try:
        with looping.serving() as url:
            peer = tp.configure_dr("dr-a-looping", url)
            anyio.run(run)
    finally:
        database.close()
    assert len(held(tp)["associations"]) == 10  # the reference DR, after the looping one
    assert looping.turns >= 2  # tried again at the next turn
    # The log names the error's kind, never the peer's words; `oke sync dr` tells why (the test before this one).
    assert "InvalidPeerAnswer" in failed()[0] and f"oke sync dr {peer}" in failed()[0]


def test_a_reversed_window_is_refused_before_dr_is_called(tp: TP, tp_database_url: str) -> None:
    fake = PageIgnoringDr(total_pages=1)
    with fake.serving() as url:
        peer = tp.configure_dr("dr-window", url)
        output = oke_sync(tp_database_url, peer, "--since", "2027-01-01", "--until", "2026-01-01", exit_code=2)
        alone = oke_sync(tp_database_url, peer, "--until", "2000-01-01", exit_code=2)  # since is today
    assert "Invalid value for --until: 2026-01-01 is before --since 2027-01-01" in _unboxed(output)
    assert "--until: 2000-01-01 is before today (" in _unboxed(alone)
    assert fake.listings == []


def _unboxed(output: str) -> str:
    """The CLI's error without the box and line breaks typer draws around it."""
    return " ".join(output.replace("│", " ").split())
