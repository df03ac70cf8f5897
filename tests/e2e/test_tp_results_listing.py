"""The school's results for DR at TP (`GET /planning/results`, `oke results list`), a page at a time (issue 7):
oldest change first, a page read from the database, and the next one found by its `after`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update
from typer.testing import CliRunner

from oke.auth.caller import ClientRole
from oke.cli import app as oke
from oke.ooapi.paging import PAGE_SIZES
from oke.store.tables.outbox import OutboxMessage
from tests.api_client import TP, Peer, dr_enrols, dr_sends_toets, pointers, problem_of
from tests.e2e.test_tp_flow5 import planned, reports, score


def result(tp: TP, toets: str, value: str = "8.0") -> str:
    """A student's result of `toets` reported by TA, which TP decides on for DR; the Deelname's id."""
    deelname = planned(tp, dr_enrols(tp, toets))
    reports(tp.peer(ClientRole.ta, peer="ta-x"), deelname, score(value))
    return deelname


def pages(planner: Peer, **params: Any) -> list[list[str]]:
    """Every page of the listing, following `next`: the Deelnames of each."""
    found: list[list[str]] = []
    after: str | None = None
    while True:
        response = planner.get_planning("/results", **params, **({"after": after} if after else {}))
        assert response.status_code == 200, response.text
        page = response.json()
        found.append([item["deelnameId"] for item in page["items"]])
        if (after := page["next"]) is None:
            return found


def test_the_results_come_a_page_at_a_time_oldest_change_first(tp: TP) -> None:
    tp.configure_dr()
    toets = dr_sends_toets(tp)
    deelnames = [result(tp, toets) for _ in range(5)]
    planner = tp.peer(ClientRole.planner)

    assert pages(planner, limit=2) == [deelnames[0:2], deelnames[2:4], deelnames[4:]]
    assert pages(planner, limit=5) == [deelnames]  # a full last page says there is no next
    assert pages(planner) == [deelnames]


def test_the_pages_stay_in_order_while_results_arrive(tp: TP) -> None:
    tp.configure_dr()
    toets = dr_sends_toets(tp)
    first, second, third = (result(tp, toets) for _ in range(3))
    planner = tp.peer(ClientRole.planner)
    page = planner.get_planning("/results", limit=2).json()
    assert [item["deelnameId"] for item in page["items"]] == [first, second]

    arrived = result(tp, toets)
    reports(tp.peer(ClientRole.ta, peer="ta-x"), first, score("6.0"))  # a correction: a change, listed anew

    rest = planner.get_planning("/results", limit=2, after=page["next"]).json()
    assert [item["deelnameId"] for item in rest["items"]] == [third, arrived]
    last = planner.get_planning("/results", limit=2, after=rest["next"]).json()
    assert [item["deelnameId"] for item in last["items"]] == [first] and last["next"] is None


def test_held_and_sent_results_are_paged_apart(tp: TP) -> None:
    toets = dr_sends_toets(tp)
    held = [result(tp, toets) for _ in range(3)]  # no DR configured yet
    tp.configure_dr()
    sent = [result(tp, toets) for _ in range(2)]
    planner = tp.peer(ClientRole.planner)

    assert pages(planner, state="held", limit=2) == [held[0:2], held[2:]]
    assert pages(planner, state="sent", limit=1) == [[deelname] for deelname in sent]
    assert pages(planner, limit=4) == [held + sent[:1], sent[1:]]


def test_a_listed_result_says_whether_its_message_to_dr_still_waits(tp: TP) -> None:
    """Found in an operator's drill: `oke results list` said `sent` of results whose message DR had refused."""
    tp.configure_dr()
    toets = dr_sends_toets(tp)
    deelnames = [result(tp, toets) for _ in range(3)]
    planner = tp.peer(ClientRole.planner)
    keys = [item["associationId"] for item in planner.get_planning("/results").json()["items"]]
    with tp.session_factory() as session:  # as the relay leaves them: DR refused one, and took another
        for key, state in zip(keys[1:], ("parked", "delivered"), strict=True):
            session.execute(update(OutboxMessage).where(OutboxMessage.key == key).values(state=state))
        session.commit()

    items = planner.get_planning("/results").json()["items"]

    assert [(item["deelnameId"], item["state"], item["waiting"]) for item in items] == [
        (deelnames[0], "sent", "pending"),
        (deelnames[1], "sent", "parked"),
        (deelnames[2], "sent", None),
    ]


def test_the_page_size_is_bounded_like_every_listings(tp: TP) -> None:
    planner = tp.peer(ClientRole.planner)
    for limit in (0, max(PAGE_SIZES) + 1):
        assert pointers(problem_of(planner.get_planning("/results", limit=limit), 400)) == ["/query/limit"]
    assert planner.get_planning("/results", limit=max(PAGE_SIZES)).status_code == 200
    for after in ("not a page", "bm90IGEgcGFnZQ==", "x" * 513):
        assert pointers(problem_of(planner.get_planning("/results", after=after), 400)) == ["/query/after"]


def test_oke_results_list_walks_the_pages(tp: TP, tp_database_url: str) -> None:
    toets = dr_sends_toets(tp)
    deelnames = [result(tp, toets) for _ in range(3)]
    found: list[list[str]] = []
    after: list[str] = []
    while True:
        args = ["results", "list", "--school", tp.tenant, "--limit", "2", "--held", "--json", *after]
        ran = CliRunner().invoke(oke, [*args, "--database-url", tp_database_url])
        assert ran.exit_code == 0, ran.output
        page = json.loads(ran.stdout)
        found.append([row["deelnameId"] for row in page["items"]])  # as GET /planning/results names them
        if page["next"] is None:
            break
        after = ["--after", page["next"]]
    assert found == [deelnames[0:2], deelnames[2:]]
    listed = ["results", "list", "--school", tp.tenant, "--database-url", tp_database_url]
    table = CliRunner().invoke(oke, [*listed, "--limit", "1"])
    assert table.exit_code == 0 and "next page: --after " in table.stderr, table.output
    refused = CliRunner().invoke(oke, [*listed, "--after", "x"])
    assert refused.exit_code == 1 and "/query/after" in refused.output
