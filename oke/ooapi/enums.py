"""Enumerations of OOAPI v5 and the nl-test-admin consumer, with the exact strings of the YAML."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class OfferingType(StrEnum):
    program = "program"
    course = "course"
    component = "component"


class AssociationType(StrEnum):
    programOfferingAssociation = "programOfferingAssociation"
    courseOfferingAssociation = "courseOfferingAssociation"
    componentOfferingAssociation = "componentOfferingAssociation"


class AssociationState(StrEnum):
    """OKE uses associated, canceled and finished; the others are valid OOAPI values."""

    pending = "pending"
    canceled = "canceled"
    denied = "denied"
    associated = "associated"
    queued = "queued"
    finished = "finished"


class AssociationRole(StrEnum):
    student = "student"
    lecturer = "lecturer"  #: struck in OKE
    teaching_assistant = "teaching assistant"  #: struck in OKE
    coordinator = "coordinator"  #: afnameleider
    guest = "guest"  #: other staff
    invigilator = "invigilator"  #: surveillant
    assessor = "assessor"  #: beoordelaar


#: Roles struck in OKE: PDF Tabel 4.3.B lists them without a meaning.
STRUCK_ROLES = frozenset({AssociationRole.lecturer.value, AssociationRole.teaching_assistant.value})
#: Staff in a session (PDF 3.2): they carry no consumers and never a result.
STAFF_ROLES = frozenset(role.value for role in AssociationRole) - STRUCK_ROLES - {AssociationRole.student.value}
#: Who takes part in a session or is enrolled for a planbare toets: a student or staff.
PARTICIPANT_ROLES = STAFF_ROLES | {AssociationRole.student.value}


class ResultState(StrEnum):
    in_progress = "in progress"
    postponed = "postponed"
    completed = "completed"
    queued = "queued"


class PassState(StrEnum):
    unknown = "unknown"
    passed = "passed"
    failed = "failed"


class Attendance(StrEnum):
    notKnown = "notKnown"  #: planned only, no attendance yet
    notPresent = "notPresent"  #: absent
    notStarted = "notStarted"  #: present, did not start
    notFinished = "notFinished"  #: started, did not finish or hand in
    present = "present"  #: present and finished or handed in


class ResultDocumentType(StrEnum):
    """documentType of a result's documents (flows 3 and 5)."""

    assessmentForm = "assessmentForm"
    assessmentFormWithAnswers = "assessmentFormWithAnswers"
    assessmentModel = "assessmentModel"
    other = "other"


class OfferingDocumentType(StrEnum):
    """documentType of a session report's documents (flow 4)."""

    sessionReport = "sessionReport"  #: procesverbaal
    attendanceReport = "attendanceReport"  #: signed attendance list
    assessmentModel = "assessmentModel"
    other = "other"


class ResultValueType(StrEnum):
    pass_or_fail = "pass-or-fail"
    insufficient_satisfactory_good = "insufficient-satisfactory-good"
    us_letter = "US letter"
    uk_letter = "UK letter"
    de_grade = "DE grade"
    zero_to_hundred = "0-100"
    zero_to_ten = "0-10"
    decimal_zero_to_ten = "0.0-10.0"
    reference_level_rktr = "referenceLevelRKTR"
    reference_level_erk = "referenceLevelERK"


class OfferingState(StrEnum):
    active = "active"
    canceled = "canceled"


class TestStatus(StrEnum):
    active = "active"
    inactive = "inactive"


class PersonalNeed(StrEnum):
    extraTime = "extraTime"
    spoken = "spoken"
    spell_checker_on_screen = "spell-checker-on-screen"


class Safety(StrEnum):
    securedComputer = "securedComputer"
    fixedLocation = "fixedLocation"
    surveillance = "surveillance"


class StartOptions(StrEnum):
    individualStart = "individualStart"
    triggeredStart = "triggeredStart"


class DurationFrom(StrEnum):
    startDateTime = "startDateTime"
    individualStartDateTime = "individualStartDateTime"
    triggeredStartDateTime = "triggeredStartDateTime"


class DurationUntil(StrEnum):
    testDuration = "testDuration"
    endDateTime = "endDateTime"


class ComponentType(StrEnum):
    """OKE uses only `test`; the other values are valid OOAPI."""

    test = "test"
    lecture = "lecture"
    practical = "practical"
    tutorial = "tutorial"
    consultation = "consultation"
    project = "project"
    workshop = "workshop"
    excursion = "excursion"
    independent_study = "independent study"
    external = "external"
    skills_training = "skills training"


class ModeOfDelivery(StrEnum):
    """OKE uses distance-learning, online and situated (`OkeModeOfDelivery`); the others are valid OOAPI."""

    distance_learning = "distance-learning"
    on_campus = "on campus"
    online = "online"
    hybrid = "hybrid"
    situated = "situated"


class OkeModeOfDelivery(StrEnum):
    """The modes OKE uses (PDF Tabel 4.2.A): anywhere, online at a fixed place, offline at a fixed place."""

    distance_learning = ModeOfDelivery.distance_learning
    online = ModeOfDelivery.online
    situated = ModeOfDelivery.situated


def modes_outside_oke(document: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Each OOAPI modeOfDelivery of `document` that OKE does not use, as (JSON pointer, reason): the wire
    model takes it, a TA of OKE refuses it. Values OOAPI lacks are left to the wire model."""
    modes = document.get("modeOfDelivery") if isinstance(document, dict) else None
    return [
        (f"{prefix}/modeOfDelivery/{i}", f"{mode!r} is not used in OKE: one of {', '.join(OkeModeOfDelivery)}")
        for i, mode in enumerate(modes if isinstance(modes, list) else ())
        if mode in list(ModeOfDelivery) and mode not in list(OkeModeOfDelivery)
    ]


class ModeOfStudy(StrEnum):
    full_time = "full-time"  #: BOL
    part_time = "part-time"  #: BBL
    dual_training = "dual training"
    self_paced = "self-paced"
    extraneous = "extraneous"  #: exam-only student


class LevelOfQualification(StrEnum):
    one = "1"
    two = "2"
    three = "3"
    four = "4"
    four_plus = "4+"
    five = "5"
    six = "6"
    seven = "7"
    eight = "8"


class GroupType(StrEnum):
    learning_group = "learning group"
    klass = "class"
    team = "team"


class MembershipState(StrEnum):
    active = "active"
    canceled = "canceled"


class OrganizationType(StrEnum):
    root = "root"
    institute = "institute"
    department = "department"
    faculty = "faculty"
    branch = "branch"
    academy = "academy"
    school = "school"


class PersonAffiliation(StrEnum):
    student = "student"
    employee = "employee"
    guest = "guest"


class ProgramType(StrEnum):
    program = "program"


class Version(StrEnum):
    v4 = "v4"
    v5 = "v5"
