"""TA's documents at TP (flow 3.3): how long TP asks TA for one TA answers 404 for (the default window, in
attempts and minutes), and the ids DR knows them by (flow 5): one document of one TA each, made from the
result alone."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from oke.config import Settings
from oke.outbound import retry_policy
from oke.outbox.retry import Park, Retry
from oke.roles.toetsplanning.services.documents import FETCH, fetch_patience, named_for_dr
from oke.store.tables.toetsplanning import dr_document_id


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


def result(documents: Any) -> dict[str, Any]:
    other = {"consumerKey": "another-consumer", "documents": [{"documentId": "123454"}]}
    block = {"consumerKey": "nl-test-admin", "attendance": "present", "documents": documents}
    return {"state": "completed", "score": "7.5", "consumers": [other, block]}


def test_each_ta_and_school_gives_one_documentId_an_id_of_its_own() -> None:
    ids = {dr_document_id(school, ta, "123454") for school in ("school-a", "school-b") for ta in ("ta-y", "ta-z")}
    assert len(ids) == 4
    assert all(uuid.UUID(i).version == 5 for i in ids)  # the YAML's documentId is a uuid
    assert dr_document_id("school-a", "ta-y", "123454") == dr_document_id("school-a", "ta-y", "123454")
    assert dr_document_id("a", 'b", "c', "d") != dr_document_id("a", "b", 'c", "d')  # no joins to confuse


def test_flow_5_names_the_nl_test_admin_blocks_documents_by_tps_ids_and_leaves_the_rest() -> None:
    form = {"documentId": "123454", "documentType": "assessmentForm", "documentName": "form.pdf"}
    sent = result([form, {"documentType": "other"}])

    renamed = named_for_dr(sent, tenant="school-a", ta_peer="ta-y")

    assert renamed["consumers"][1]["documents"] == [
        {**form, "documentId": dr_document_id("school-a", "ta-y", "123454")},
        {"documentType": "other"},
    ]
    assert renamed["consumers"][0] == sent["consumers"][0]  # another consumer's block is not TP's to rename
    assert sent["consumers"][1]["documents"][0]["documentId"] == "123454"  # TA's result is kept as TA sent it


def test_flow_5_sends_a_document_with_the_standards_fields_only() -> None:
    """A draft-era `documentUrl` (or any other field of TA's) would point DR at a host TA chose: DR gets the
    document's id, type and name (PDF "Document") and fetches it from TP."""
    form = {"documentId": "123454", "documentType": "assessmentForm", "documentName": "form.pdf"}
    sent = result([form | {"documentUrl": "https://files.ta.example/123454.pdf", "documentExtension": "pdf"}])

    renamed = named_for_dr(sent, tenant="school-a", ta_peer="ta-y")

    tps_id = dr_document_id("school-a", "ta-y", "123454")
    assert renamed["consumers"][1]["documents"] == [{**form, "documentId": tps_id}]
    assert "documentUrl" in sent["consumers"][1]["documents"][0]  # TA reads back what it sent


def test_a_result_without_a_list_of_documents_is_left_as_it_is() -> None:
    for documents in (None, "123454"):
        assert named_for_dr(result(documents), tenant="school-a", ta_peer="ta-y") == result(documents)
    assert named_for_dr({"state": "completed"}, tenant="school-a", ta_peer="ta-y") == {"state": "completed"}
