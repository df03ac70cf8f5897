"""Flow 2 messages are built from TP's state as PDF 3.2.3 and Tabel 4.2.A/4.3.A say."""

from __future__ import annotations

from typing import Any

from oke.ooapi.enums import OkeModeOfDelivery, Safety
from oke.roles.toetsplanning.flow2 import SessionFields, deelname_message, person_message, zitting_message
from oke.roles.toetsplanning.needs import Needs

ZITTING = {
    "offeringId": "z-1",
    "offeringType": "component",
    "primaryCode": {"codeType": "offeringCode", "code": "REK"},
    "name": [{"language": "nl-NL", "value": "Rekenen"}],
    "resultValueType": "0.0-10.0",
    "startDateTime": "2026-12-01T09:00:00+01:00",
    "endDateTime": "2026-12-01T10:00:00+01:00",
    "component": "c-1",
    "consumers": [
        {"consumerKey": "nl-test-admin", "duration": "PT40M", "finalResultsAllowed": False, "testsToBeUsed": []},
        {"consumerKey": "x-school", "room": "A1"},
    ],
}
PERSON: dict[str, Any] = {
    "personId": "p-1",
    "givenName": "Maartje",
    "consumers": [
        {
            "consumerKey": "nl-test-admin",
            "preferredName": "Maar",
            "idCheckName": "Damme, Maartje van",
            "assignedNeeds": [{"code": "ExtraTime30Min", "description": [{"language": "nl-NL", "value": "x"}]}],
        }
    ],
}
STUDENT = {
    "associationId": "d-1",
    "associationType": "componentOfferingAssociation",
    "role": "student",
    "state": "associated",
    "person": "p-1",
    "offering": "z-1",
    "consumers": [{"consumerKey": "nl-test-admin"}],
}


def test_a_zitting_leaves_out_what_flow_2_does_not_use_and_keeps_other_consumers() -> None:
    message = zitting_message(ZITTING, "active")
    assert "resultValueType" not in message
    assert message["consumers"] == [
        {"consumerKey": "nl-test-admin", "duration": "PT40M", "offeringState": "active"},
        {"consumerKey": "x-school", "room": "A1"},
    ]


def test_a_cancelled_zitting_says_so() -> None:
    assert zitting_message(ZITTING, "canceled")["consumers"][0]["offeringState"] == "canceled"
    bare = {key: value for key, value in ZITTING.items() if key != "consumers"}
    assert zitting_message(bare, "active")["consumers"] == [{"consumerKey": "nl-test-admin", "offeringState": "active"}]


def test_a_student_gets_the_person_embedded_and_the_needs_of_this_test() -> None:
    message = deelname_message(STUDENT, "associated", PERSON, Needs(30, ("extraTime", "spoken")))
    assert message["person"]["consumers"] == [
        {"consumerKey": "nl-test-admin", "preferredName": "Maar", "idCheckName": "Damme, Maartje van"}
    ]
    assert message["consumers"] == [
        {"consumerKey": "nl-test-admin", "additionalTimeInMin": 30, "personalNeeds": ["extraTime", "spoken"]}
    ]
    assert "result" not in message


def test_staff_carry_no_consumers() -> None:
    staff = {**STUDENT, "role": "coordinator"}
    staff.pop("consumers")
    assert "consumers" not in deelname_message(staff, "associated", {"personId": "s-1"})


def test_the_person_of_dr_is_not_changed() -> None:
    person_message(PERSON)
    assert "assignedNeeds" in PERSON["consumers"][0]


def test_a_zitting_always_carries_what_the_standard_makes_mandatory() -> None:
    """TA got no `description`, `teachingLanguage` or `resultExpected`, which PDF Tabel 4.2.A and the OpenAPI's
    ComponentOffering require. A Zitting stored without them (planned before TP sent them) is still sent complete:
    the session's name as its description, `nld` and `true` (the only values OKE allows)."""
    message = zitting_message(ZITTING, "active")
    assert message["description"] == ZITTING["name"]
    assert (message["teachingLanguage"], message["resultExpected"]) == ("nld", True)
    described = {**ZITTING, "description": [{"language": "nl-NL", "value": "Rekentoets 2F"}]}
    assert zitting_message(described, "active")["description"] == described["description"]


def test_the_offering_state_ta_gets_is_tps_state() -> None:
    """A session planned with `offeringState: canceled` reached TA cancelled while TP held it active."""
    stored = {**ZITTING, "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "canceled"}]}
    assert zitting_message(stored, "active")["consumers"] == [
        {"consumerKey": "nl-test-admin", "offeringState": "active"}
    ]


def test_a_planners_fields_go_where_the_component_offering_has_them() -> None:
    """`oke plan zitting` plans an active session with its nl-test-admin block; `oke plan change` patches the
    block only when one of its fields is given, by its `consumerKey`."""
    given = SessionFields(start="2026-12-01T09:00:00+01:00", mode=OkeModeOfDelivery.online, location="B1.12")
    assert given.offering() == {
        "startDateTime": "2026-12-01T09:00:00+01:00",
        "modeOfDelivery": ["online"],
        "consumers": [{"consumerKey": "nl-test-admin", "offeringState": "active", "locationCode": "B1.12"}],
    }
    assert given.patch()["consumers"] == [{"consumerKey": "nl-test-admin", "locationCode": "B1.12"}]
    assert SessionFields(name="Rekenen", safety=(Safety.surveillance,)).patch() == {
        "name": [{"language": "nl-NL", "value": "Rekenen"}],
        "consumers": [{"consumerKey": "nl-test-admin", "safety": ["surveillance"]}],
    }
    assert SessionFields(code="REK").patch() == {"primaryCode": {"codeType": "offeringCode", "code": "REK"}}
