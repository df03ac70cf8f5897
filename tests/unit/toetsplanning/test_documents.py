"""How long TP asks TA for a document TA answers 404 for (flow 3.3): the default window, in attempts and minutes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from oke.config import Settings
from oke.outbound import retry_policy
from oke.outbox.retry import Park, Retry
from oke.roles.toetsplanning.services.documents import FETCH, fetch_patience


def test_by_default_a_missing_document_is_asked_for_for_an_hour_in_sixteen_attempts() -> None:
    settings = Settings()
    patient = retry_policy(settings, patience={FETCH: fetch_patience(settings.document_wait_minutes)})
    policy = replace(patient, jitter=0)  # the relay's jitter makes each wait up to a tenth shorter
    queued = now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    attempts = 0
    while True:
        attempts += 1
        decision = policy.after_failure(
            attempts, status=404, retry_after=None, now=now, rng=random.Random(), kind=FETCH, written_at=queued
        )
        if not isinstance(decision, Retry):
            break
        now = decision.at
    assert decision == Park("HTTP 404 at attempt 16, 67 minutes after it was queued: the document does not exist at TA")
