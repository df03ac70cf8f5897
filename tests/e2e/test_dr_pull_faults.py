"""Flow 1 pull from a DR some of whose reads fail, over real HTTP: the reference DR behind a fault proxy.

Rules checked, with their sources:
- An association DR lists and then answers 404 or 410 for was deleted since: the pull skips it, counts it, and
  keeps the rest (docs/planning.md, "Flow 1: push or pull").
- A read DR does not answer, or answers 408, 429 or 5xx, is tried again with backoff, after DR's `Retry-After`
  (seconds or an HTTP date, RFC 9110 10.2.3) when it asks for longer; five tries, and then the pull fails as
  before, nothing changed, saying so (docs/planning.md, "Flow 1: push or pull").
- A pull makes `OKE_DR_SYNC_READS_AT_ONCE` GETs at DR at once (docs/operations.md, "Flow 1 pull").
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.store.tables.deelnemerregistratie import SchoolEnrolment, SchoolPerson
from tests.api_client import TP
from tests.dr_client import DR, JACOB_REKENEN
from tests.e2e.test_chain_dr_pull import held, history_rows, oke_sync
from tests.e2e.test_chain_dr_pull import in_the_schools_term as in_the_schools_term  # autouse: the fixture
from tests.fault_proxy import DROP, PASS, FaultProxy, error, slow


def test_associations_deleted_while_the_pull_reads_are_skipped_and_the_rest_is_kept(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    with FaultProxy(dr.url).serving() as proxy:
        peer = tp.configure_dr("dr-churn", proxy.url, client=dr.register(ClientRole.tp))
        # the listing of the toetsen and of the first one's enrolments, then two of those enrolments are gone
        proxy.next(PASS, PASS, error(404), error(410))
        output = oke_sync(tp_database_url, peer)  # exit status 0
        details = proxy.seen(containing="/ooapi/associations/")
    gone = {seen.path.rsplit("/", 1)[1] for seen in details if seen.answered in (404, 410)}
    kept = {seen.path.rsplit("/", 1)[1] for seen in details if seen.answered == 200}
    assert len(gone) == 2 and "skipped: 2 gone at DR since listed, 0 of TP's own extra attempts" in output
    assert set(held(tp)["associations"]) == kept and f"enrolments: {len(kept)} new" in output


def test_a_person_deleted_while_the_pull_reads_is_skipped_with_its_enrolments(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    """A person DR deleted after listing their enrolments (404 on `GET /persons/{id}`, read by id from a DR that does
    not expand) failed the whole pull: it is skipped with the enrolments that rest on it, the rest is kept."""
    with dr.session_factory() as session:
        enrolment = session.get(SchoolEnrolment, (dr.tenant, JACOB_REKENEN))
        assert enrolment is not None
        person = session.get(SchoolPerson, (dr.tenant, enrolment.person_id))
        session.delete(person)
        resting = session.scalars(
            select(SchoolEnrolment.association_id).where(
                SchoolEnrolment.tenant == dr.tenant, SchoolEnrolment.person_id == enrolment.person_id
            )
        ).all()
        session.commit()
    with FaultProxy(dr.url, ignored_query=frozenset({"expand"})).serving() as proxy:
        peer = tp.configure_dr("dr-churn", proxy.url, client=dr.register(ClientRole.tp))
        output = oke_sync(tp_database_url, peer)  # exit status 0

    associations = held(tp)["associations"]
    assert JACOB_REKENEN in resting and not set(resting) & set(associations)
    assert len(associations) == 10 - len(resting) and f"enrolments: {len(associations)} new" in output
    assert f"skipped: {1 + len(resting)} gone at DR since listed" in output and "persons: 4 new" in output


def test_reads_dr_answers_busy_or_not_at_all_are_tried_again_honouring_retry_after(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    in_five_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    with FaultProxy(dr.url).serving() as proxy:
        peer = tp.configure_dr("dr-busy", proxy.url, client=dr.register(ClientRole.tp))
        # the toetsen: 429, 503, then read; the first toets's enrolments: 429 until an HTTP date, dropped, then read
        proxy.next(error(429, retry_after="1"), error(503), PASS, error(429, retry_after=in_five_seconds), DROP)
        output = oke_sync(tp_database_url, peer)
        first, second, third, fourth, fifth, *_ = proxy.seen()
    assert "offerings: 4 new" in output and "enrolments: 10 new" in output and "persons: 5 new" in output
    assert first.path == second.path == third.path and fourth.path == fifth.path
    assert [seen.answered for seen in (first, second, third, fourth, fifth)] == [429, 503, 200, 429, None]
    assert second.at - first.at >= 0.95  # DR's Retry-After: 1, where the first backoff is half a second
    assert fifth.at - fourth.at >= 1.5  # DR's date, a few seconds ahead when it answered


def test_a_dr_that_stays_unavailable_fails_the_pull_after_five_tries_and_nothing_changes(
    tp: TP, dr: DR, tp_database_url: str
) -> None:
    with FaultProxy(dr.url).serving() as proxy:
        peer = tp.configure_dr("dr-down", proxy.url, client=dr.register(ClientRole.tp))
        proxy.down = True  # every OOAPI read answers 503
        output = oke_sync(tp_database_url, peer, exit_code=1)
        seen = proxy.seen()
    assert f"DR {peer} could not be read, nothing was changed" in output
    assert "answered 503" in output and "(given up after 5 tries)" in output
    assert len(seen) == 5 and {s.path for s in seen} == {"/ooapi/offerings"}
    assert held(tp) == {"offerings": {}, "associations": {}, "persons": {}} and history_rows(tp) == []


def test_a_pull_makes_as_many_reads_at_once_as_the_setting_says(
    tp: TP, dr: DR, tp_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKE_DR_SYNC_READS_AT_ONCE", "2")
    most = 0
    with FaultProxy(dr.url).serving() as proxy:
        peer = tp.configure_dr("dr-gentle", proxy.url, client=dr.register(ClientRole.tp))
        proxy.next(PASS, PASS, *[slow(0.5)] * 3)  # the first toets's enrolments (three at least) take their time
        pulling = threading.Thread(target=oke_sync, args=(tp_database_url, peer))
        pulling.start()
        while pulling.is_alive():
            most = max(most, proxy.in_flight(containing="/ooapi/associations/"))
            time.sleep(0.01)
    assert most == 2 and len(held(tp)["associations"]) == 10
