"""The pure rules of the reference DR: flow 5 messages (1.0.1 and draft 1.1), scores against resultValueType
(Tabel 4.1.D), attempts (PDF 3.5.2, 3.5.3), query parameters (PDF 3.1.2.1, 3.6; docs/standard.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from oke.errors import InvalidContent
from oke.roles.deelnemerregistratie import rules
from oke.web.query import expansions

ENROLMENT = rules.Enrolment(
    association_id="A",
    association_type="componentOfferingAssociation",
    role="student",
    state="associated",
    enrolment_id="A",
    attempt=1,
    person_id="P",
    offering_id="PT",
    created_by="dr",
    attempt_left=0,
)
TOETS = rules.PlanbareToets("PT", result_expected=True, value_type="0.0-10.0", final_allowed=False)


def message(**block: Any) -> dict[str, Any]:
    return {
        "associationType": "componentOfferingAssociation",
        "consumers": [{"consumerKey": "nl-test-admin", "orgAssociationId": "A", "attempt": 1, **block}],
        "result": {
            "state": "completed",
            "score": "6.5",
            "resultDate": "2026-12-02",
            "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present", "executedOfferingName": "Z"}],
        },
    }


def faults(call: Any) -> list[str]:
    with pytest.raises(InvalidContent) as raised:
        call()
    return [error.pointer for error in raised.value.errors]


def score_refused(value_type: str, score: str) -> bool:
    """Whether DR refuses a flow 5 PATCH only for its `score` on a planbare toets of `value_type`."""
    body = message()
    body["result"]["score"] = score
    flow5 = rules.check_result_message(body, rules.V1_0_1)
    toets = rules.PlanbareToets("PT", result_expected=True, value_type=value_type, final_allowed=False)
    try:
        rules.check_against_enrolment(flow5, ENROLMENT, toets)
    except InvalidContent as refused:
        assert [error.pointer for error in refused.errors] == ["/result/score"]
        return True
    return False


@pytest.mark.parametrize(
    ("value_type", "good", "bad"),
    [
        # PDF Tabel 4.1.D: "decimaal getal uit interval (1.0,10.0)", one decimal as the name shows; an integer is
        # that number, as the standard's examples send it ("9"); oke.ooapi.scales
        (
            "0.0-10.0",
            ["1.0", "5.5", "10.0", "10", "7"],
            ["0", "0.5", "7.55", "10.1", "11", "07", "7,5", "-1", "", "zeven"],
        ),
        ("0-10", ["0", "7", "10"], ["7.5", "11", "07"]),
        ("0-100", ["0", "65", "100"], ["101", "6.5", "007"]),
        ("pass-or-fail", ["passed", "failed"], ["pass", "voldoende"]),
        ("insufficient-satisfactory-good", ["insufficient", "good"], ["goed"]),
        ("referenceLevelRKTR", ["2F", "3S", "Op weg naar 1F"], ["5F", "2f"]),
        ("referenceLevelERK", ["A1", "C2"], ["D1", "B3"]),
        ("US letter", ["A", "B+", "F"], ["E", "A++"]),
        ("UK letter", ["A", "G-", "U"], ["H"]),
        ("DE grade", ["1.0", "1.3", "6"], ["0.5", "7", "1.25"]),
        ("1-10", [], ["5", "7.0"]),  # the examples' scale, not one of Tabel 4.1.D: no score fits it
    ],
)
def test_a_score_fits_its_result_value_type(value_type: str, good: list[str], bad: list[str]) -> None:
    assert not any(score_refused(value_type, score) for score in good)
    assert all(score_refused(value_type, score) for score in bad)


def test_a_valid_patch_fits_its_enrolment() -> None:
    flow5 = rules.check_result_message(message(), rules.V1_0_1)
    assert rules.check_against_enrolment(flow5, ENROLMENT, TOETS) == []
    cancelled = rules.Enrolment(**{**ENROLMENT.__dict__, "state": "canceled"})
    assert rules.check_against_enrolment(flow5, cancelled, TOETS) == [
        "/: accepted for a canceled enrolment (PDF 3.5.3)"
    ]


def test_every_missing_mandatory_field_is_named_at_once() -> None:
    body: dict[str, Any] = {"consumers": [{"consumerKey": "nl-test-admin"}]}
    assert faults(lambda: rules.check_result_message(body, rules.V1_0_1)) == [
        "/associationType",
        "/consumers/0/orgAssociationId",
        "/consumers/0/attempt",
        "/result",
    ]


def test_a_second_nl_test_admin_block_is_refused_where_it_stands() -> None:
    body = message()
    body["consumers"] = [{"consumerKey": "x-vendor"}, *body["consumers"], {"consumerKey": "nl-test-admin"}]
    assert faults(lambda: rules.check_result_message(body, rules.V1_0_1)) == ["/consumers/2"]


def test_attempt_and_org_association_id_name_this_enrolment() -> None:
    flow5 = rules.check_result_message(message(attempt=2, orgAssociationId="B"), rules.V1_0_1)
    assert faults(lambda: rules.check_against_enrolment(flow5, ENROLMENT, TOETS)) == [
        "/consumers/0/orgAssociationId",
        "/consumers/0/attempt",
    ]


def test_final_results_obey_the_planbare_toets() -> None:
    body = message()
    body["result"]["consumers"][0]["final"] = True
    flow5 = rules.check_result_message(body, rules.V1_0_1)
    assert faults(lambda: rules.check_against_enrolment(flow5, ENROLMENT, TOETS)) == ["/result/consumers/0/final"]


def put(attempt: int = 2, **overrides: Any) -> rules.AttemptPut:
    body = {
        **message(attempt=attempt),
        "associationId": "A2",
        "role": "student",
        "state": "associated",
        "person": "P",
        "offering": "PT",
        **overrides,
    }
    return rules.check_attempt_put(body, "A2", rules.V1_0_1)


def test_an_unforeseen_attempt_is_accepted_with_a_note() -> None:
    notes = rules.check_against_original(put(), "A2", None, ENROLMENT, TOETS, {1: "A"})
    assert notes == ["/consumers/0/attempt: an unforeseen attempt, beyond attemptLeft 0; accepted"]
    unlimited = rules.Enrolment(**{**ENROLMENT.__dict__, "attempt_left": None})
    assert rules.check_against_original(put(7), "A2", None, unlimited, TOETS, {1: "A"}) == []


def test_an_attempt_put_cannot_reuse_an_attempt_or_the_enrolment() -> None:
    assert faults(lambda: rules.check_against_original(put(), "A2", None, ENROLMENT, TOETS, {1: "A", 2: "X"})) == [
        "/consumers/0/attempt"
    ]
    assert faults(lambda: rules.check_against_original(put(), "A", ENROLMENT, ENROLMENT, TOETS, {})) == [
        "/associationId"
    ]
    assert faults(lambda: rules.check_against_original(put(), "A2", None, None, TOETS, {})) == [
        "/consumers/0/orgAssociationId"
    ]


def test_the_1_1_shape_has_its_details_instead_of_result_attendance() -> None:
    details = {"executedOfferingName": "NL 3F", "attendance": "present", "testDateTime": "2024-12-15T10:30:00Z"}
    body: dict[str, Any] = {**message(planningState="finished", testMomentEnrollmentDetails=details)}
    del body["result"]
    flow5 = rules.check_result_message(body, rules.V1_1)
    assert flow5.result is None and flow5.block["planningState"] == "finished"
    assert faults(lambda: rules.check_result_message(body, rules.V1_0_1)) == ["/result"]
    del body["consumers"][0]["testMomentEnrollmentDetails"]["executedOfferingName"]
    assert faults(lambda: rules.check_result_message(body, rules.V1_1)) == [
        "/consumers/0/testMomentEnrollmentDetails/executedOfferingName"
    ]


def test_expand_and_the_window() -> None:
    assert expansions("offering, offering.program", ("offering", "offering.program")) == {
        "offering",
        "offering.program",
    }
    assert faults(lambda: expansions("person", ("offering",), refused={"person": "no"})) == ["/query/expand"]
    assert rules.window_day("2026-12-01", "since") == date(2026, 12, 1)
    assert rules.window_day("2026-12-01T23:30:00-01:00", "since") == date(2026, 12, 1)
    assert faults(lambda: rules.window_day("2026-12-01T10:00:00", "until")) == ["/query/until"]
    assert expansions("offering.program", ("offering.program",), implied=("offering",)) == {
        "offering",
        "offering.program",
    }
    assert expansions("offeringX", ("offeringX",), implied=("offering",)) == {"offeringX"}
    assert rules.window("2026-12-01", None) == (date(2026, 12, 1), None)
    assert rules.window("2026-12-01", "2026-12-01T00:00:00+01:00") == (date(2026, 12, 1), date(2026, 12, 1))
    assert faults(lambda: rules.window("2026-12-02", "2026-12-01")) == ["/query/until"]


def test_the_flow_5_facts_of_a_planbare_toets() -> None:
    pdf = rules.planbare_toets(
        {
            "offeringId": "X",
            "resultExpected": True,
            "consumers": [{"consumerKey": "nl-test-admin", "finalResultsAllowed": False}],
        }
    )
    assert pdf.final_allowed is False and pdf.result_expected is True
    assert rules.planbare_toets({"offeringId": "X"}).final_allowed is True
