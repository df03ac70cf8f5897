"""The scales of resultValueType (PDF Tabel 4.1.D): one rule, so TA, TP and DR agree on which scores fit."""

from __future__ import annotations

from typing import Any

import pytest

from oke.errors import InvalidContent
from oke.ooapi.enums import ResultValueType
from oke.ooapi.scales import RANKED, SHAPE, TOWARDS, as_written, fits, number, takes
from oke.roles.deelnemerregistratie import rules as dr_rules
from oke.roles.toetsafname.scoring import ORDINALS, grade
from oke.roles.toetsplanning.scores import Fitted, fit_score

#: Scores TP held and the reference DR accepted before the scales were one (measured on main).
OFF_SCALE = [
    ("0.0-10.0", "0.5"),  # below 1.0: "decimaal getal uit interval (1.0,10.0)"
    ("0.0-10.0", "7.55"),  # two decimals
    ("0-100", "007"),  # "geheel getal", written plainly
    ("DE grade", "1.25"),  # a German grade has at most one decimal
    ("1-10", "5"),  # the examples' scale is not one of Tabel 4.1.D
]


def dr_refuses(value_type: str, score: str) -> bool:
    body: dict[str, Any] = {
        "associationType": "componentOfferingAssociation",
        "consumers": [{"consumerKey": "nl-test-admin", "orgAssociationId": "A", "attempt": 1}],
        "result": {
            "state": "completed",
            "score": score,
            "resultDate": "2026-12-02",
            "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present", "executedOfferingName": "Z"}],
        },
    }
    enrolment = dr_rules.Enrolment(
        association_id="A",
        association_type="componentOfferingAssociation",
        role="student",
        state="associated",
        enrolment_id="A",
        attempt=1,
        person_id="P",
        offering_id="PT",
        created_by="dr",
    )
    toets = dr_rules.PlanbareToets("PT", result_expected=True, value_type=value_type, final_allowed=True)
    try:
        dr_rules.check_against_enrolment(dr_rules.check_result_message(body, dr_rules.V1_0_1), enrolment, toets)
    except InvalidContent as refused:
        return [error.pointer for error in refused.errors] == ["/result/score"]
    return False


@pytest.mark.parametrize(("value_type", "score"), OFF_SCALE)
def test_an_off_scale_score_fits_nowhere(value_type: str, score: str) -> None:
    """TP holds it (from TA or an operator), DR refuses it."""
    assert not fits(score, value_type) and not takes(score, value_type)
    assert not isinstance(
        fit_score(score, pass_state=None, source_type=None, target_type=value_type, pass_from=None), Fitted
    )
    assert dr_refuses(value_type, score)


@pytest.mark.parametrize(
    ("value_type", "score"),
    [("0.0-10.0", "1.0"), ("0.0-10.0", "7.5"), ("0-100", "7"), ("DE grade", "1.3"), ("referenceLevelRKTR", "2F")],
)
def test_a_value_of_the_scale_fits_everywhere(value_type: str, score: str) -> None:
    assert fits(score, value_type)
    assert not dr_refuses(value_type, score)


def test_an_integer_on_0_0_10_0_is_taken_as_that_number_but_written_with_its_decimal() -> None:
    """The standard's own examples send "9" on flow 0's 0.0-10.0 test: TP sends it as "9.0", DR takes either;
    an operator at TP gives the decimal (`fits`)."""
    assert not fits("7", "0.0-10.0") and takes("7", "0.0-10.0") and as_written("7", "0.0-10.0") == "7.0"
    assert fit_score("7", pass_state=None, source_type=None, target_type="0.0-10.0", pass_from=None) == Fitted(
        "7.0", True
    )
    assert not dr_refuses("0.0-10.0", "7")
    assert not takes("0", "0.0-10.0") and as_written("7", "0-10") == "7"


def test_numbers_are_read_only_on_numeric_scales() -> None:
    assert str(number("7.5", "0.0-10.0")) == "7.5"
    assert str(number("2.5", "DE grade")) == "2.5"
    assert number("7.5", "0-10") is None
    assert number("7", "pass-or-fail") is None
    assert number("7", "1-10") is None


def test_every_scale_of_tabel_4_1_d_has_a_shape_and_its_values() -> None:
    assert set(SHAPE) == {value_type.value for value_type in ResultValueType}
    for value_type, values in RANKED.items():
        assert all(fits(value, value_type) for value in values)
    assert fits(TOWARDS + "4S", "referenceLevelRKTR")


def test_ta_grades_only_values_of_the_scale() -> None:
    """TA's ordinals are the shared scales' values (RKTR with its "Op weg naar 1F"), so its grades fit."""
    for value_type, values in ORDINALS.items():
        assert all(fits(value, value_type) for value in values)
    for value_type in ResultValueType:
        for raw in range(0, 41):
            assert fits(grade(value_type, raw, 40, None).score, value_type), (value_type, raw)
