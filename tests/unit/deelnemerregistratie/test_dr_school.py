"""The demo school is valid OOAPI (the project's wire models) and names the reference TA's tests."""

from __future__ import annotations

from pydantic import TypeAdapter

from oke.ooapi.associations import Association
from oke.ooapi.offerings import Offering
from oke.ooapi.persons import Person
from oke.roles.deelnemerregistratie import school
from oke.roles.toetsafname.catalogue import REKENEN_2F, demo_id


def test_the_planbare_toetsen_name_tests_of_the_reference_ta() -> None:
    assert school.REKENEN_2F == REKENEN_2F
    assert demo_id("NL-3F-LEZEN") == school.NEDERLANDS_3F


def test_every_document_is_valid_and_every_reference_resolves() -> None:
    offerings = {o["offeringId"]: TypeAdapter(Offering).validate_python(o) for o in school.offerings()}
    persons = {p["personId"]: TypeAdapter(Person).validate_python(p) for p in school.persons()}
    for association in school.associations():
        TypeAdapter(Association).validate_python(association)
        assert association["person"] in persons and association["offering"] in offerings
    programs = {p["programId"] for p in school.programs()}
    assert {o["program"] for o in school.offerings() if o["offeringType"] == "program"} <= programs


def test_ids_are_fixed_and_attempts_left_vary() -> None:
    assert school.school_id("org:roc") == school.ROOT
    assert sorted(school.ATTEMPTS_LEFT.values(), key=str) == [0, 0, 1, 1, None]
    students = [a for a in school.associations() if a["associationType"] == "componentOfferingAssociation"]
    assert all(a["consumers"][0]["attempt"] == 1 for a in students if a["role"] == "student")
    needs = [p for p in school.persons() if any("assignedNeeds" in c for c in p.get("consumers", []))]
    assert len(needs) == 2
