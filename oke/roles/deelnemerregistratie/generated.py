"""A generated school of any size for the demo and the benchmarks: Dutch students, programmes, planbare toetsen.

The same `seed` and size give the same school (ids included), so a run can be repeated and compared. The tests
TP plans come from the caller (`Toets`): DR names them by the TA's componentId and sets its own
`resultValueType`, which may differ from the TA's scale. The fixed demo school (`school.py`) stays as it is.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from oke.roles.deelnemerregistratie import school
from oke.roles.deelnemerregistratie.services.seeding import SchoolDocuments

GIVEN = (
    "Daan", "Sem", "Lucas", "Levi", "Finn", "Milan", "Noah", "Bram", "Luuk", "Jesse", "Thijs", "Ruben", "Mohammed",
    "Youssef", "Emre", "Stijn", "Jayden", "Tim", "Emma", "Julia", "Mila", "Tess", "Sophie", "Zoë", "Sara", "Nora",
    "Fenna", "Lotte", "Anna", "Eva", "Noor", "Yara", "Fatima", "Amira", "Sanne", "Lieke", "Maud", "Iris",
)  # fmt: skip
#: Surnames with their tussenvoegsel (surnamePrefix), as Dutch registers keep them apart.
SURNAMES = (
    ("de", "Jong"), (None, "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"), (None, "Bakker"),
    (None, "Visser"), (None, "Smit"), (None, "Meijer"), ("de", "Boer"), (None, "Mulder"), ("de", "Groot"),
    (None, "Bos"), (None, "Vos"), (None, "Peters"), (None, "Hendriks"), ("van", "Leeuwen"), (None, "Dekker"),
    (None, "Brouwer"), ("de", "Wit"), ("van der", "Graaf"), ("van der", "Meer"), (None, "Yilmaz"),
    (None, "El Amrani"), (None, "Bouzid"), ("van", "Beek"), ("ter", "Horst"), ("in 't", "Veld"),
)  # fmt: skip
#: Programmes: crebo, name, abbreviation, level, mode of study.
PROGRAMS = (
    ("25502", "Technicus mechatronica", "MT4", "4", "full-time"),
    ("25491", "Verzorgende-IG", "VIG3", "3", "part-time"),
    ("25295", "Monteur mechatronica", "MM2", "2", "full-time"),
    ("25604", "Software developer", "SD4", "4", "full-time"),
)
COHORTS = (("2025-2026", "Utrecht"), ("2024-2025", "Amersfoort"))
#: Assigned needs (flow 1), each with the share of students who have it.
NEEDS = (
    ("ExtraTimeOnlyMath25%", "25% extra tijd bij rekenen", 0.08),
    ("ExtraTime30Min", "30 minuten extra tijd", 0.05),
    ("Voorlezen", "Voorleessoftware bij taaltoetsen", 0.04),
)
#: attemptLeft of a Toetsinschrijving: mostly one retake, sometimes none, two, or no limit (absent).
ATTEMPTS_LEFT: tuple[int | None, ...] = (1, 1, 1, 0, 2, None)


@dataclass(frozen=True)
class Toets:
    """A planbare toets of the generated school: which TA test, on which scale DR wants the result."""

    code: str
    component_id: str
    name: str
    value_type: str
    final_allowed: bool = True
    #: The crebos whose students take it; empty: every student.
    crebos: tuple[str, ...] = ()


def generate(students: int, seed: int, toetsen: list[Toets]) -> SchoolDocuments:
    """A school of `students` students, each enrolled in the toetsen of their programme; same seed, same school."""
    rng = random.Random(seed)
    ids = _Ids(seed)
    opleidingen = {
        (crebo, cohort): ids.of(f"offering:{crebo}:{cohort}") for crebo, *_ in PROGRAMS for cohort, _ in COHORTS
    }
    offerings = [
        school._opleiding(
            offering_id,
            ids.of(f"program:{crebo}"),
            f"{_abbreviation(crebo)}-{cohort[:4]}",
            f"{_name(crebo)}, cohort {cohort}",
            cohort=cohort,
            location=dict(COHORTS)[cohort],
        )
        for (crebo, cohort), offering_id in opleidingen.items()
    ]
    toets_ids = {t.code: ids.of(f"toets:{t.code}") for t in toetsen}
    offerings += [
        school._planbare_toets(
            toets_ids[t.code], t.component_id, t.code, t.name, t.value_type, final_allowed=t.final_allowed
        )
        for t in toetsen
    ]
    persons: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    for number in range(1, students + 1):
        crebo = rng.choice(PROGRAMS)[0]
        cohort = rng.choice(COHORTS)[0]
        prefix, surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN) + (f" {rng.choice(GIVEN)}" if rng.random() < 0.2 else "")
        needs = [
            {"code": code, "description": [{"language": "nl-NL", "value": text}]}
            for code, text, share in NEEDS
            if rng.random() < share
        ]
        student_number = f"s{seed % 100:02d}{number:06d}"
        person_id, program_enrolment = ids.of(f"person:{number}"), ids.of(f"enrolment:program:{number}")
        persons.append(school._student(person_id, school.Student(given, prefix, surname, student_number, crebo, needs)))
        associations.append(
            school.program_enrolment(program_enrolment, person_id, opleidingen[(crebo, cohort)], student_number)
        )
        associations += [
            school.toetsinschrijving(
                ids.of(f"enrolment:{number}:{t.code}"),
                person_id,
                toets_ids[t.code],
                program_enrolment,
                rng.choice(ATTEMPTS_LEFT),
            )
            for t in toetsen
            if not t.crebos or crebo in t.crebos
        ]
    programs = [
        school._program(ids.of(f"program:{crebo}"), crebo, name, abbr, level, mode)
        for crebo, name, abbr, level, mode in PROGRAMS
    ]
    return SchoolDocuments(
        organizations=school.organizations(),
        programs=programs,
        offerings=offerings,
        persons=persons,
        associations=associations,
    )


class _Ids:
    """UUID 5 ids of this seed's school, apart from the fixed demo school's."""

    def __init__(self, seed: int) -> None:
        self._namespace = uuid.UUID(school.school_id(f"generated:{seed}"))

    def of(self, code: str) -> str:
        return str(uuid.uuid5(self._namespace, code))


def _abbreviation(crebo: str) -> str:
    return next(p[2] for p in PROGRAMS if p[0] == crebo)


def _name(crebo: str) -> str:
    return next(p[1] for p in PROGRAMS if p[0] == crebo)
