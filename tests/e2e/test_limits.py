"""Limits (issue 6): a request rate per client (429 with `Retry-After`), failed client authentications per address
at the token endpoint (issue 7), the paging maximum on every listing of every role (400 naming `pageSize`), and the
body limit on oke's own planning API as on OOAPI writes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from oke.auth.api import HASHING_AT_ONCE
from oke.auth.caller import ClientRole
from oke.auth.ratelimit import RateLimiter
from oke.config import Settings
from oke.errors import TooManyRequests
from oke.ooapi.paging import MAX_PAGE_NUMBER, PAGE_SIZES
from oke.roles.deelnemerregistratie import school
from oke.roles.toetsplanning.app import create_app
from tests.api_client import TP, Peer, Server, new_id, pointers, problem_of, zitting_offering
from tests.dr_client import DR
from tests.servers import free_port, running
from tests.ta_client import TA, plan

TOO_LARGE = max(PAGE_SIZES) + 1


def test_a_bucket_allows_its_burst_then_its_rate_and_says_when_to_come_back() -> None:
    now = [0.0]
    limiter = RateLimiter(per_second=2, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.take("ta-1")
    with pytest.raises(TooManyRequests) as refused:
        limiter.take("ta-1")
    assert refused.value.retry_after == 1
    limiter.take("dr-1")  # every client has its own bucket
    now[0] = 0.5  # one token back after half a second at 2 per second
    limiter.take("ta-1")
    with pytest.raises(TooManyRequests):
        limiter.take("ta-1")


@contextmanager
def second_tp(tp_settings: Settings, **changed: Any) -> Iterator[TP]:
    """A second TP on the test TP's database, its settings `changed`."""
    settings = tp_settings.model_copy(update={"port": free_port(), **changed})
    with running(create_app(settings), settings.url_port) as url, TP(url, settings.database) as tp:
        yield tp


@pytest.fixture
def limited_tp(tp_settings: Settings) -> Iterator[TP]:
    """A second TP on the test TP's database that lets each client make 3 requests at once, then 1 a minute."""
    with second_tp(tp_settings, rate_limit_per_second=1 / 60, rate_limit_burst=3) as tp:
        yield tp


def test_a_client_over_its_rate_gets_429_with_retry_after(limited_tp: TP) -> None:
    ta = limited_tp.peer(ClientRole.ta, peer="ta-x")
    for _ in range(3):
        problem_of(ta.get(f"/associations/{new_id()}"), 404)

    response = ta.get(f"/associations/{new_id()}")

    problem = problem_of(response, 429)
    assert "requests per second" in problem["detail"]
    assert 50 <= int(response.headers["retry-after"]) <= 60
    other = limited_tp.peer(ClientRole.ta, peer="ta-x")  # another client of the same school has its own bucket
    problem_of(other.get(f"/associations/{new_id()}"), 404)


def test_a_bucket_admits_without_spending_and_counts_only_what_is_spent() -> None:
    now = [0.0]
    failures = RateLimiter(per_second=1 / 60, burst=2, clock=lambda: now[0])
    for _ in range(5):
        failures.admit("10.0.0.1", "too many")  # admitting spends nothing
    failures.spend("10.0.0.1")
    failures.spend("10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        failures.admit("10.0.0.1", "too many")
    assert refused.value.retry_after == 60
    failures.admit("10.0.0.2", "too many")  # every address has its own bucket
    now[0] = 60
    failures.admit("10.0.0.1", "too many")


@pytest.fixture
def guarded_tp(tp_settings: Settings) -> Iterator[TP]:
    """A second TP on the test TP's database whose token endpoint takes 3 failed client authentications from
    an address, then 1 a minute."""
    with second_tp(tp_settings, token_failures_per_minute=1, token_failures_burst=3) as tp:
        yield tp


def test_failed_client_authentications_from_an_address_are_limited_at_the_token_endpoint(guarded_tp: TP) -> None:
    client_id, secret = guarded_tp.register(ClientRole.ta, peer="ta-x")
    for _ in range(10):  # a client that authenticates spends nothing
        guarded_tp.token(client_id, secret)
    for wrong in (("nobody", secret), (client_id, "wrong"), (client_id, "wrong")):
        refused = guarded_tp.http.post("/oauth2/token", data={"grant_type": "client_credentials"}, auth=wrong)
        assert refused.status_code == 401, refused.text

    response = guarded_tp.http.post(
        "/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )

    problem = problem_of(response, 429)  # before any hashing: every client at that address waits
    assert "failed client authentications" in problem["detail"]
    assert 50 <= int(response.headers["retry-after"]) <= 60


def test_token_requests_beyond_the_hashing_limit_wait_their_turn(tp: TP) -> None:
    clients = [tp.register(ClientRole.ta, peer=f"ta-{i}") for i in range(3 * HASHING_AT_ONCE)]
    with ThreadPoolExecutor(len(clients)) as pool:
        tokens = list(pool.map(lambda client: tp.token(*client), clients))
    assert len(set(tokens)) == len(clients)


def test_without_a_configured_rate_there_is_no_limit(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    for _ in range(60):
        assert ta.get(f"/associations/{new_id()}").status_code == 404


def paged_routes(app: FastAPI) -> set[str]:
    """Every path of `app` that takes `pageSize`."""
    found = set()
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route.original_route, "dependant", None)
        if dependant is not None and "pageSize" in {p.name for p in dependant.query_params}:
            found.add(str(route.path))
    return found


def check_page_sizes(server: Server, app: FastAPI, listings: dict[str, tuple[str, Peer]]) -> None:
    """Each listing (template: its path, and a client that may read it) refuses a page larger than the
    maximum with a 400 naming `pageSize`, and serves the maximum."""
    assert set(listings) == paged_routes(app), "every listing with pageSize is checked here"
    for template, (path, reader) in listings.items():
        problem = problem_of(reader.http.get(path, params={"pageSize": TOO_LARGE}, headers=reader.headers), 400)
        assert pointers(problem) == ["/query/pageSize"], (template, problem)
        for number in (0, MAX_PAGE_NUMBER + 1, 2**62):  # 2**62: an offset PostgreSQL's bigint cannot hold (was a 500)
            refused = reader.http.get(path, params={"pageNumber": number}, headers=reader.headers)
            assert pointers(problem_of(refused, 400)) == ["/query/pageNumber"], (template, number)
        ok = reader.http.get(path, params={"pageSize": max(PAGE_SIZES)}, headers=reader.headers)
        assert ok.status_code == 200, (template, ok.text)
        assert ok.json()["pageSize"] == max(PAGE_SIZES)


def test_tp_listings_refuse_pages_over_the_maximum(tp: TP, tp_app_and_url: tuple[FastAPI, str]) -> None:
    zitting = tp.plan("ta-x")["zittingId"]
    ta = tp.peer(ClientRole.ta, peer="ta-x")
    listings = {"/ooapi/offerings/{offeringId}/associations": (f"/ooapi/offerings/{zitting}/associations", ta)}
    check_page_sizes(tp, tp_app_and_url[0], listings)


def test_ta_listings_refuse_pages_over_the_maximum(ta: TA, ta_app_and_url: tuple[FastAPI, str]) -> None:
    tp = ta.client(ClientRole.tp, peer="tp-x")
    offering_id, _ = plan(tp)
    listings = {
        "/ooapi/components": ("/ooapi/components", tp),
        "/ooapi/offerings/{offeringId}/associations": (f"/ooapi/offerings/{offering_id}/associations", tp),
    }
    check_page_sizes(ta, ta_app_and_url[0], listings)


def test_dr_listings_refuse_pages_over_the_maximum(dr: DR, dr_app_and_url: tuple[FastAPI, str]) -> None:
    tp, ta = dr.client(ClientRole.tp), dr.client(ClientRole.ta)
    jacob = school.STUDENTS["jacob"]
    listings = {
        "/ooapi/offerings": ("/ooapi/offerings", tp),
        "/ooapi/offerings/{offeringId}/associations": (f"/ooapi/offerings/{school.TOETS_REKENEN}/associations", tp),
        "/ooapi/groups": ("/ooapi/groups", tp),
        "/ooapi/groups/{groupId}/members": (f"/ooapi/groups/{school.GROUP}/members", tp),
        "/ooapi/persons/{personId}/associations": (f"/ooapi/persons/{jacob}/associations", ta),  # flow 6
    }
    check_page_sizes(dr, dr_app_and_url[0], listings)


def test_a_planning_body_over_the_limit_is_413(tp: TP, tp_settings: Settings) -> None:
    planner = tp.peer(ClientRole.planner)
    padding = "x" * tp_settings.max_body_bytes
    plan_body = {"taPeer": tp.configure_ta("ta-x"), "offering": zitting_offering(note=padding), "participants": []}

    problem_of(planner.post_planning("/zittingen", plan_body), 413)


def test_a_nul_in_a_path_or_a_query_is_a_400_on_every_role(tp: TP, ta: TA, dr: DR) -> None:
    """Found by fuzzing: a NUL in DR's `?enrolment=` reached PostgreSQL, which refused it (500)."""
    operator = dr.client(ClientRole.planner)
    answer = dr.http.get("/operator/results", params={"enrolment": "a\x00b"}, headers=operator.headers)
    assert pointers(problem_of(answer, 400)) == ["/query"]
    for server, role in ((tp, ClientRole.ta), (ta, ClientRole.tp), (dr, ClientRole.tp)):
        answer = server.client(role).get("/associations/a%00b")
        assert pointers(problem_of(answer, 400)) == ["/path"]


def test_an_id_over_128_characters_in_a_path_is_a_400_on_every_role(tp: TP, ta: TA, dr: DR) -> None:
    """An id is a key of every role's tables: PostgreSQL refused a longer one (a 5xx instead of a 400)."""
    for server, role in ((tp, ClientRole.ta), (ta, ClientRole.tp), (dr, ClientRole.tp)):
        answer = server.client(role).get(f"/associations/{'a' * 129}")
        assert pointers(problem_of(answer, 400)) == ["/path"]
        assert server.client(role).get(f"/associations/{'a' * 128}").status_code == 404
