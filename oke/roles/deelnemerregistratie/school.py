"""The demo school of the reference DR: every flow 1 and flow 6 object, the same on every run.

Ids are fixed (UUID 5 of a code), so that a vendor's tests can name them; they are the same for every
school (tenant), whose rows are keyed apart. The planbare toetsen name tests of the reference TA's demo
catalogue by their componentId (`oke.roles.toetsafname.catalogue`: REKENEN_2F, demo_id("NL-3F-LEZEN")),
written out here because roles never import each other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from oke.ooapi.common import NL_TEST_ADMIN, in_dutch
from oke.ooapi.enums import AssociationType

_NAMESPACE = uuid.UUID("0b7f6f0e-3c55-4d7e-9a61-2f3d4c5e6a70")

#: Rekenen 2F of the reference TA (the componentId of the standard's flow 0 example).
REKENEN_2F = "c5fca27e-ccc1-430d-9888-90e005ad6a86"
#: Nederlands 3F lezen of the reference TA (`demo_id("NL-3F-LEZEN")` there).
NEDERLANDS_3F = "2552d4a2-acc9-5ad5-8358-f8ed35f8ac78"
TEST_PROVIDER = "oke"
#: The school's term: its planbare toetsen run from its first day to its last. A pull reads from today on unless
#: told otherwise, so the demo pulls from the term's start (`oke.demo.wiring.pull_flow1`).
TERM_START, TERM_END = date(2026, 11, 2), date(2026, 12, 18)


def school_id(code: str) -> str:
    """The fixed id of the demo object with code `code`."""
    return str(uuid.uuid5(_NAMESPACE, code))


ROOT = school_id("org:roc")
COLLEGE = school_id("org:techniek")
MECHATRONICA = school_id("program:25502")
VERZORGENDE = school_id("program:25491")
MECHATRONICA_2025 = school_id("offering:mechatronica-2025")
VERZORGENDE_2025 = school_id("offering:verzorgende-2025")
TOETS_REKENEN = school_id("offering:rekenen-2f-p2")
TOETS_NEDERLANDS = school_id("offering:nederlands-3f-p2")
STUDENTS = {name: school_id(f"person:{name}") for name in ("jacob", "fatima", "daan", "sanne")}
COORDINATOR = school_id("person:coordinator")
OPLEIDINGSINSCHRIJVINGEN = {name: school_id(f"enrolment:program:{name}") for name in STUDENTS}
#: The Toetsinschrijvingen, by (student, test); each is attempt 1.
TOETSINSCHRIJVINGEN = {
    ("jacob", "rekenen"): school_id("enrolment:jacob:rekenen"),
    ("fatima", "rekenen"): school_id("enrolment:fatima:rekenen"),
    ("daan", "rekenen"): school_id("enrolment:daan:rekenen"),
    ("sanne", "nederlands"): school_id("enrolment:sanne:nederlands"),
    ("jacob", "nederlands"): school_id("enrolment:jacob:nederlands"),
}
#: attemptLeft per Toetsinschrijving: 1 extra attempt, none, or unlimited (absent).
ATTEMPTS_LEFT: dict[tuple[str, str], int | None] = {
    ("jacob", "rekenen"): 1,
    ("fatima", "rekenen"): 0,
    ("daan", "rekenen"): None,
    ("sanne", "nederlands"): 1,
    ("jacob", "nederlands"): 0,
}
STAFF_ENROLMENT = school_id("enrolment:coordinator:rekenen")
GROUP = school_id("group:mt4a")


@dataclass(frozen=True)
class Student:
    given: str
    prefix: str | None
    surname: str
    number: str
    program: str
    needs: list[dict[str, Any]] = field(default_factory=list)


_STUDENTS = {
    "jacob": Student("Jacob Adrianus", "van der", "Graaf", "s100001", "mechatronica"),
    "fatima": Student(
        "Fatima",
        None,
        "El Amrani",
        "s100002",
        "mechatronica",
        [
            {
                "code": "ExtraTimeOnlyMath25%",
                "description": [{"language": "nl-NL", "value": "25% extra tijd bij rekenen"}],
                "startDate": "2025-09-01",
            }
        ],
    ),
    "daan": Student("Daan", None, "de Vries", "s100003", "mechatronica"),
    "sanne": Student(
        "Sanne",
        None,
        "Jansen",
        "s100004",
        "verzorgende",
        [
            {
                "code": "Voorlezen",
                "description": [{"language": "nl-NL", "value": "Voorleessoftware bij taaltoetsen"}],
            },
            {"code": "ExtraTime25%", "description": [{"language": "nl-NL", "value": "25% extra tijd"}]},
        ],
    ),
}


def organizations() -> list[dict[str, Any]]:
    """The school (root) and one of its colleges: a two-level tree for `expand=parent,children`."""
    return [
        {
            "organizationId": ROOT,
            "primaryCode": {"codeType": "brinCode", "code": "99XX"},
            "organizationType": "root",
            "name": in_dutch("ROC Voorbeeld"),
            "shortName": "ROC Voorbeeld",
            "children": [COLLEGE],
        },
        {
            "organizationId": COLLEGE,
            "primaryCode": {"codeType": "x-collegeCode", "code": "TECH"},
            "organizationType": "institute",
            "name": in_dutch("College Techniek en Zorg"),
            "shortName": "Techniek en Zorg",
            "parent": ROOT,
        },
    ]


def programs() -> list[dict[str, Any]]:
    """Two programmes with their crebo (flow 6 reads it from `otherCodes`)."""
    return [
        _program(MECHATRONICA, "25502", "Technicus mechatronica", "MT4", "4", "full-time"),
        _program(VERZORGENDE, "25491", "Verzorgende-IG", "VIG3", "3", "part-time"),
    ]


def _program(program_id: str, crebo: str, name: str, abbreviation: str, level: str, mode: str) -> dict[str, Any]:
    return {
        "programId": program_id,
        "primaryCode": {"codeType": "nationalEducationCode", "code": crebo},
        "programType": "program",
        "name": in_dutch(name),
        "abbreviation": abbreviation,
        "description": in_dutch(f"{name}, crebo {crebo}"),
        "teachingLanguage": "nld",
        "modeOfStudy": mode,
        "levelOfQualification": level,
        "firstStartDate": "2020-08-01",
        "validFrom": "2020-08-01",
        "validTo": "2030-07-31",
        "otherCodes": [{"codeType": "nationalEducationCode", "code": crebo}],
    }


def offerings() -> list[dict[str, Any]]:
    """The Opleidingen (program offerings) and the planbare toetsen (component offerings)."""
    return [
        _opleiding(MECHATRONICA_2025, MECHATRONICA, "MT4-2025", "Mechatronica, cohort 2025-2026"),
        _opleiding(VERZORGENDE_2025, VERZORGENDE, "VIG3-2025", "Verzorgende-IG, cohort 2025-2026"),
        _planbare_toets(
            TOETS_REKENEN, REKENEN_2F, "REK-2F-2026-P2", "Rekenen 2F, periode 2", "0.0-10.0", final_allowed=True
        ),
        _planbare_toets(
            TOETS_NEDERLANDS,
            NEDERLANDS_3F,
            "NL-3F-2026-P2",
            "Nederlands 3F lezen, periode 2",
            "referenceLevelRKTR",
            final_allowed=False,
        ),
    ]


def _opleiding(
    offering_id: str, program_id: str, code: str, name: str, *, cohort: str = "2025-2026", location: str = "Utrecht"
) -> dict[str, Any]:
    return {
        "offeringId": offering_id,
        "offeringType": "program",
        "primaryCode": {"codeType": "offeringCode", "code": code},
        "name": in_dutch(name),
        "description": in_dutch(name),
        "teachingLanguage": "nld",
        "resultExpected": False,
        "startDate": "2025-08-25",
        "endDate": "2029-07-31",
        "program": program_id,
        "organization": COLLEGE,
        "consumers": [{"consumerKey": NL_TEST_ADMIN, "cohort": cohort, "location": location}],
    }


def _planbare_toets(
    offering_id: str, component_id: str, code: str, name: str, value_type: str, *, final_allowed: bool
) -> dict[str, Any]:
    """A ComponentOffering of flow 1 (PDF figure 3.1.13): TP plans sessions of it and sends results back."""
    return {
        "offeringId": offering_id,
        "offeringType": "component",
        "primaryCode": {"codeType": "offeringCode", "code": code},
        "name": in_dutch(name),
        "description": in_dutch(f"{name}, te plannen in december 2026"),
        "teachingLanguage": "nld",
        "modeOfDelivery": ["situated"],
        "resultExpected": True,
        "resultValueType": value_type,
        "startDateTime": f"{TERM_START.isoformat()}T08:00:00+01:00",
        "endDateTime": f"{TERM_END.isoformat()}T17:00:00+01:00",
        "component": component_id,
        "organization": COLLEGE,
        "consumers": [
            {
                "consumerKey": NL_TEST_ADMIN,
                "offeringState": "active",
                "finalResultAllowed": final_allowed,
                "testsToBeUsed": [{"testProvider": TEST_PROVIDER, "componentId": component_id}],
            }
        ],
    }


def persons() -> list[dict[str, Any]]:
    """The students (some with assigned needs) and one coordinator (staff)."""
    found = [_student(STUDENTS[name], student) for name, student in _STUDENTS.items()]
    found.append(
        {
            "personId": COORDINATOR,
            "primaryCode": {"codeType": "emailAdress", "code": "m.bakker@roc-voorbeeld.example"},
            "givenName": "Marieke",
            "surname": "Bakker",
            "displayName": "Bakker, Marieke",
            "activeEnrollment": True,
            "affiliations": ["employee"],
            "mail": "m.bakker@roc-voorbeeld.example",
            "languageOfChoice": ["nl-NL"],
        }
    )
    return found


def _student(person_id: str, student: Student) -> dict[str, Any]:
    display = f"{student.surname}, {student.given.split()[0]}" + (f" {student.prefix}" if student.prefix else "")
    id_check = f"{student.surname}, {student.given}" + (f" {student.prefix}" if student.prefix else "")
    block: dict[str, Any] = {
        "consumerKey": NL_TEST_ADMIN,
        "preferredName": student.given.split()[0],
        "idCheckName": id_check,
    }
    if student.needs:
        block["assignedNeeds"] = student.needs
    person: dict[str, Any] = {
        "personId": person_id,
        "primaryCode": {"codeType": "studentNumber", "code": student.number},
        "givenName": student.given,
        "surname": student.surname,
        "displayName": display,
        "activeEnrollment": True,
        "affiliations": ["student"],
        "mail": f"{student.number}@student.roc-voorbeeld.example",
        "languageOfChoice": ["nl-NL"],
        "otherCodes": [
            {"codeType": "studentNumber", "code": student.number},
            {"codeType": "accountId", "code": f"{student.number}@roc-voorbeeld.example"},
        ],
        "consumers": [block],
    }
    if student.prefix:
        person["surnamePrefix"] = student.prefix
    return person


def associations() -> list[dict[str, Any]]:
    """Opleidingsinschrijvingen first, then the Toetsinschrijvingen resting on them, and one staff member."""
    program_offering = {"mechatronica": MECHATRONICA_2025, "verzorgende": VERZORGENDE_2025}
    found: list[dict[str, Any]] = [
        program_enrolment(
            OPLEIDINGSINSCHRIJVINGEN[name],
            STUDENTS[name],
            program_offering[student.program],
            student.number,
            finished=name == "daan",  # a finished programme enrolment: flow 6 shows it too
        )
        for name, student in _STUDENTS.items()
    ]
    tests = {"rekenen": TOETS_REKENEN, "nederlands": TOETS_NEDERLANDS}
    found += [
        toetsinschrijving(
            association_id, STUDENTS[name], tests[test], OPLEIDINGSINSCHRIJVINGEN[name], ATTEMPTS_LEFT[(name, test)]
        )
        for (name, test), association_id in TOETSINSCHRIJVINGEN.items()
    ]
    found.append(
        {
            "associationId": STAFF_ENROLMENT,
            "associationType": AssociationType.componentOfferingAssociation,
            "role": "coordinator",
            "state": "associated",
            "person": COORDINATOR,
            "offering": TOETS_REKENEN,
        }
    )
    return found


def program_enrolment(
    association_id: str, person_id: str, offering_id: str, number: str, *, finished: bool = False
) -> dict[str, Any]:
    """An Opleidingsinschrijving (flow 6; the context a Toetsinschrijving rests on)."""
    return {
        "associationId": association_id,
        "associationType": AssociationType.programOfferingAssociation,
        "role": "student",
        "state": "finished" if finished else "associated",
        "person": person_id,
        "offering": offering_id,
        "consumers": [
            {
                "consumerKey": NL_TEST_ADMIN,
                "startDate": "2025-08-25",
                "expectedEndDate": "2029-07-31",
                **({"finalEndDate": "2026-01-31"} if finished else {}),
                "sequenceCode": f"{number}-1",
            }
        ],
    }


def toetsinschrijving(
    association_id: str, person_id: str, offering_id: str, program_enrolment_id: str, attempt_left: int | None
) -> dict[str, Any]:
    """A Toetsinschrijving, attempt 1; `attempt_left` None leaves `attemptLeft` out (no limit)."""
    block: dict[str, Any] = {
        "consumerKey": NL_TEST_ADMIN,
        "attempt": 1,
        "programOfferingAssociationId": program_enrolment_id,
    }
    if attempt_left is not None:
        block["attemptLeft"] = attempt_left
    return {
        "associationId": association_id,
        "associationType": AssociationType.componentOfferingAssociation,
        "role": "student",
        "state": "associated",
        "person": person_id,
        "offering": offering_id,
        "consumers": [block],
    }


def groups() -> list[dict[str, Any]]:
    """One class for ad-hoc planning (flow 1b)."""
    return [
        {
            "groupId": GROUP,
            "primaryCode": {"codeType": "groupCode", "code": "MT4A"},
            "groupType": "class",
            "name": in_dutch("Klas MT4A rekenen"),
            "description": in_dutch("Mechatronica leerjaar 1, klas A"),
            "startDate": "2025-08-25",
            "endDate": "2026-07-17",
            "personCount": 4,
            "organization": COLLEGE,
        }
    ]


def memberships() -> list[tuple[str, dict[str, Any]]]:
    """(groupId, MembershipItem) pairs: the class's students and its coordinator."""
    members = [(STUDENTS[name], "student") for name in ("jacob", "fatima", "daan")] + [(COORDINATOR, "coordinator")]
    return [
        (GROUP, {"personId": person_id, "startDateTime": "2025-08-25T08:30:00+02:00", "state": "active", "role": role})
        for person_id, role in members
    ]
