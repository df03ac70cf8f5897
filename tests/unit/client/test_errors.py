"""What a log line may say of a failed peer call: never the path (ids) or the peer's words (docs/operations.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx

from oke.client.errors import PeerError, PeerUnavailable, UnknownPeer, answer_error, loggable, reason, transport_error
from oke.roles.toetsplanning.dr_sync import DrPull
from oke.roles.toetsplanning.reconcile import Refusal

WHAT = "dr dr-1: GET /persons/2205eaf6-0000-4000-8000-000000000001"
DETAIL = {"type": "about:blank", "status": 404, "detail": "no person Jan Jansen <jan@example.nl>"}


def test_retry_after_is_read_as_seconds_or_as_an_http_date() -> None:
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    busy = answer_error(WHAT, httpx.Response(429, headers={"retry-after": "7"}))
    dated = answer_error(WHAT, httpx.Response(503, headers={"retry-after": in_a_minute}))
    assert isinstance(busy, PeerUnavailable) and busy.retry_after == 7
    assert isinstance(dated, PeerUnavailable) and dated.retry_after is not None and 55 <= dated.retry_after <= 60


def test_a_refusal_is_logged_by_its_kind_and_status() -> None:
    refused = answer_error(WHAT, httpx.Response(404, json=DETAIL))
    assert "Jan Jansen" in str(refused)  # the operator's CLI shows it all
    assert loggable(refused) == "PeerRefused (HTTP 404)"


def test_an_error_raised_from_a_peer_error_keeps_the_status_and_the_cause() -> None:
    unavailable = answer_error(WHAT, httpx.Response(503, text="Jan Jansen is busy"))
    try:
        raise RuntimeError(f"pull failed: {unavailable}") from unavailable
    except RuntimeError as error:
        assert loggable(error) == "RuntimeError from PeerUnavailable (HTTP 503)"
    no_answer = transport_error(WHAT, httpx.ConnectError("refused"))
    try:
        raise no_answer from httpx.ConnectError("refused")
    except Exception as error:
        assert loggable(error) == "PeerUnavailable from ConnectError"


def test_the_logged_summary_of_a_pull_names_no_refused_document() -> None:
    pull = DrPull("dr-1", "roc-a", date(2026, 1, 1), date(2026, 12, 31))
    pull.refused.append(Refusal("person-jan", "email: jan@example is not an e-mail address"))
    assert "  refused person-jan: email: jan@example is not an e-mail address" in pull.lines()
    logged = " ".join(pull.counts())
    assert "refused: 1" in logged and "person-jan" not in logged and "jan@example" not in logged


def test_the_reason_a_relay_logs_names_no_path_and_only_the_oauth_error_codes_of_the_standard() -> None:
    refused = answer_error(WHAT, httpx.Response(400, json={"error": "Jan Jansen", "error_description": "Jan"}))
    assert reason(refused) == "answered 400"
    assert reason(answer_error(WHAT, httpx.Response(503, text="Jan Jansen is busy"))) == "answered 503"
    try:
        raise transport_error(WHAT, httpx.ConnectError("refused")) from httpx.ConnectError("refused")
    except PeerError as error:
        assert reason(error) == "gave no answer (ConnectError)"
    assert reason(UnknownPeer("no peer dr-9")) == "Unknown peer"
