"""Flow 2 at the reference TA: every example of the standard is refused as published and accepted once fixed.

The standard's flow 2 examples (`examples/replaceOfferingById--*`, `replaceAssociationById--*`, the
cancel PATCHes `partialUpdate*ById--request--delete-*`, and the JSON blocks of `doc/flow2.md`) carry
typos (docs/standard.md lists them). Each test sends an example as published, expects a 400 naming
exactly the fields at fault, then sends it with those typos fixed and expects it accepted. What is
changed is said at each change. Common to all:
- Ids: TA keys Zittingen and Deelnames on TP's ids (PDF Tabel 4.0.F) and all examples share the same
  few; each test puts fresh UUIDs in `offeringId`, `associationId` and `offering`, so that tests never
  meet. A Deelname's `offering` must be a Zitting this TP sent, so the test sends one first (PDF 3.2.2).
- `component`: the examples name `c5fca27e-…`, the test of the standard's flow 0 example, which the
  demo catalogue holds (Rekenen 2F), so it exists and is kept.
- The md blocks are not JSON as published (a `#` comment, missing and trailing commas): those syntax
  errors are fixed first, then the content is judged like the example files.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from oke.roles.toetsafname.catalogue import REKENEN_2F
from tests.api_client import STANDARD, markdown_block, new_id, pointers, problem_of, standard_example
from tests.ta_client import TA, plan

FLOW2_MD = STANDARD / "flow2.md"
EXAMPLE_OFFERING = "123e4567-e89b-12d3-a456-134564174000"
EXAMPLE_ASSOCIATIONS = ("123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174001")
FULL = "replaceOfferingById--request--create-offering-zitting-without-students-flow-2-1"
MINIMAL = f"{FULL}-minimal"
ADD_STUDENT = "replaceAssociationById--request--add-student-to-created-offering-zitting-flow-2-2-b-and-2-3"
CHANGE_STUDENT = "replaceAssociationById--request--change-student-enrollment-to-offering-zitting-flow-2-x"
DELETE_STUDENT = "partialUpdateAssociationById--request--delete-student-from-offering-flow-2-4"
DELETE_OFFERING = "partialUpdateOfferingById--request--delete-offering-flow-2-5"
READ_OFFERING = "listOfferingById--response-200--read-current-state-of-offering-flow-2-6"

_COMMENT = re.compile(r"[ \t]*#[^\n]*")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
#: A line that ends a value followed by a line that starts a member: a comma is missing between them.
_MISSING_COMMA = re.compile(r'(["\d]|true|false|null|[}\]])([ \t]*\n\s*)(?=["{])')


def md_block(heading: str, *, comments: int, missing: int, trailing: int) -> dict[str, Any]:
    """The JSON block after `heading` in flow2.md, its syntax errors fixed; their counts must be as expected."""
    text = markdown_block(FLOW2_MD, heading)
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    text, removed = _COMMENT.subn("", text)
    text, added = _MISSING_COMMA.subn(r"\1,\2", text)
    text, dropped = _TRAILING_COMMA.subn(r"\1", text)
    assert (removed, added, dropped) == (comments, missing, trailing), "the block's syntax errors changed"
    return dict(json.loads(text))


def refused(response: Any) -> set[str]:
    return set(pointers(problem_of(response, 400)))


# Zittingen (PUT /offerings, flow 2.1)


def fixed_full_zitting(offering_id: str) -> dict[str, Any]:
    example = standard_example(FULL)
    example["offeringId"] = offering_id
    fix_full_consumer(example["consumers"][0])
    return example


def fix_full_consumer(block: dict[str, Any]) -> None:
    """The three faults of the flow 2.1 example's nl-test-admin block, fixed."""
    block["duration"] = "PT60M"  # PDF Tabel 4.2.A: "P60M" is sixty months; sixty minutes is PT60M
    block["safety"] = ["fixedLocation", "surveillance"]  # 10.11: the enum strings, not "Fixed Location", "Surveillance"
    # The YAML's example value 2020-12-15 08:50 lies 18 months before the session: 20 minutes after its start.
    block["lastPossibleStartDateTime"] = "2022-06-21 13:05:00+01:00"


def test_the_standard_has_the_flow_2_examples() -> None:
    if not STANDARD.is_dir():
        pytest.skip(f"{STANDARD} is not available")
    names = {path.name.split("--")[0] for path in (STANDARD / "examples").glob("*flow-2-*.json")}
    assert {"replaceOfferingById", "replaceAssociationById", "partialUpdateOfferingById"} <= names
    assert len(list((STANDARD / "examples").glob("replace*ById--request--*flow-2-*.json"))) == 4


def test_the_full_zitting_example_is_refused_as_published(ta: TA) -> None:
    tp = ta.client()
    example = standard_example(FULL)
    example["offeringId"] = offering_id = new_id()

    assert refused(tp.put(f"/offerings/{offering_id}", example)) == {
        "/consumers/0/duration",
        "/consumers/0/safety/0",
        "/consumers/0/safety/1",
        "/consumers/0/lastPossibleStartDateTime",
    }


def test_the_full_zitting_example_is_accepted_once_fixed_and_read_back_as_the_2_6_example(ta: TA) -> None:
    tp = ta.client()
    offering_id = new_id()
    example = fixed_full_zitting(offering_id)

    assert tp.put(f"/offerings/{offering_id}", example).status_code == 201
    assert tp.put(f"/offerings/{offering_id}", example).status_code == 200

    # The flow 2.6 example is the flow 2.1 example read back, less its id (GET responses carry it: PDF 5.3).
    expected = standard_example(READ_OFFERING)
    fix_full_consumer(expected["consumers"][0])
    assert tp.get(f"/offerings/{offering_id}").json() == {**expected, "offeringId": offering_id}


def test_the_minimal_zitting_example_is_refused_as_published_and_accepted_once_fixed(ta: TA) -> None:
    tp = ta.client()
    example = standard_example(MINIMAL)
    example["offeringId"] = offering_id = new_id()

    assert refused(tp.put(f"/offerings/{offering_id}", example)) == {"/component", "/consumers"}

    example["component"] = REKENEN_2F  # the test of the session (PDF figure 3.2.10); the full example's test
    example["consumers"] = [{"consumerKey": "nl-test-admin", "offeringState": "active"}]  # PDF Tabel 4.2.A
    assert tp.put(f"/offerings/{offering_id}", example).status_code == 201


def test_the_flow2_md_zitting_block_is_accepted_once_it_is_json(ta: TA) -> None:
    tp = ta.client()
    # One `#` comment after "duration", a comma missing after "safety" and after "endDateTime", one trailing.
    block = md_block("### Example of request Create offering (zitting)", comments=1, missing=2, trailing=1)
    assert block["offeringId"] == EXAMPLE_OFFERING
    block["offeringId"] = offering_id = new_id()

    assert tp.put(f"/offerings/{offering_id}", block).status_code == 201
    assert tp.get(f"/offerings/{offering_id}").json() == block


def test_the_flow2_md_zitting_block_as_published_is_not_json(ta: TA) -> None:
    tp = ta.client()
    text = markdown_block(FLOW2_MD, "### Example of request Create offering (zitting)")
    offering_id = new_id()

    response = tp.send("PUT", f"/offerings/{offering_id}", text.replace(EXAMPLE_OFFERING, offering_id).encode())

    assert pointers(problem_of(response, 400)) == [""]


# Deelnames (PUT /associations, flows 2.2 and 2.3)


def fixed_student(example: dict[str, Any]) -> dict[str, Any]:
    """The faults of the replaceAssociationById examples' student, fixed."""
    block = example["consumers"][0]
    block["additionalTimeInMin"] = block.pop("extraTimeInMin")  # PDF Tabel 4.3.A: the 1.0.1 name
    person = example["person"]
    # PDF figure 3.2.8: preferredName lives in the person's nl-test-admin block, beside the idCheckName a
    # student must have; the name as on the ID is written as the flow 1 person example has it.
    person["consumers"] = [
        {
            "consumerKey": "nl-test-admin",
            "preferredName": person.pop("preferredName"),
            "idCheckName": "Damme, Maartje van",
        }
    ]
    return example


def with_ids(example: dict[str, Any], association_id: str, offering_id: str) -> dict[str, Any]:
    assert example.get("associationId", EXAMPLE_ASSOCIATIONS[0]) in EXAMPLE_ASSOCIATIONS
    assert example["offering"] == EXAMPLE_OFFERING
    return {**example, "associationId": association_id, "offering": offering_id}


def test_the_add_student_example_is_refused_as_published_and_accepted_once_fixed(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    example = with_ids(standard_example(ADD_STUDENT), association_id, offering_id)

    assert refused(tp.put(f"/associations/{association_id}", example)) == {
        "/consumers/0/extraTimeInMin",
        "/person/preferredName",
        "/person/consumers",
    }

    fixed = fixed_student(example)
    assert tp.put(f"/associations/{association_id}", fixed).status_code == 201
    assert tp.get(f"/associations/{association_id}", expand="person").json() == fixed


def test_the_change_student_example_is_refused_as_published_and_accepted_once_fixed(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    added = fixed_student(with_ids(standard_example(ADD_STUDENT), association_id, offering_id))
    assert tp.put(f"/associations/{association_id}", added).status_code == 201
    example = with_ids(standard_example(CHANGE_STUDENT), association_id, offering_id)

    assert refused(tp.put(f"/associations/{association_id}", example)) == {"/consumers/0/extraTimeInMin", "/person"}

    example["consumers"][0]["additionalTimeInMin"] = example["consumers"][0].pop("extraTimeInMin")  # 10.9
    assert example["person"] == added["person"]["personId"]
    example["person"] = added["person"]  # PDF 3.2.3: flow 2 always embeds the full Person, never its id
    assert tp.put(f"/associations/{association_id}", example).status_code == 200


def test_the_flow2_md_add_student_block_needs_only_its_id(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    # A trailing comma after the person's consumers.
    block = md_block(
        "### Example of request B. Add student to created offering (zitting)", comments=0, missing=0, trailing=1
    )
    block = with_ids(block, association_id, offering_id)
    del block["associationId"]  # as published: the id is only in a comment above the block

    assert refused(tp.put(f"/associations/{association_id}", block)) == {"/associationId"}

    block["associationId"] = association_id  # PDF 3.2.3: a PUT body carries the object's id
    assert tp.put(f"/associations/{association_id}", block).status_code == 201


def test_the_flow2_md_add_existing_student_block_is_refused_as_published_and_accepted_once_fixed(ta: TA) -> None:
    tp = ta.client()
    offering_id, _ = plan(tp, students=0)
    association_id = new_id()
    block = md_block(
        "### Example of request Add student to existing offering (zitting)", comments=0, missing=0, trailing=1
    )
    block = with_ids(block, association_id, offering_id)
    del block["associationId"]  # as published: the id is only in a comment above the block

    assert refused(tp.put(f"/associations/{association_id}", block)) == {"/associationId"}
    block["associationId"] = association_id  # PDF 3.2.3: a PUT body carries the object's id
    assert refused(tp.put(f"/associations/{association_id}", block)) == {
        "/consumers/0/extraTimeInMin",
        "/person/preferredName",
    }

    block["consumers"][0]["additionalTimeInMin"] = block["consumers"][0].pop("extraTimeInMin")  # 10.9
    del block["person"]["preferredName"]  # PDF 3.2.8: not a Person field; the person's block has one already
    assert tp.put(f"/associations/{association_id}", block).status_code == 201


# Cancelling (PATCH, flows 2.4 and 2.5): the examples are right as published.


def test_the_delete_student_examples_cancel_a_deelname(ta: TA) -> None:
    tp = ta.client()
    _, association_ids = plan(tp, students=2)
    md = md_block_as_is("### Example of request Delete student from offering (zitting)")

    for association_id, body in zip(association_ids, (standard_example(DELETE_STUDENT), md), strict=True):
        assert tp.patch(f"/associations/{association_id}", body).status_code == 200
        assert tp.get(f"/associations/{association_id}").json()["state"] == "canceled"


def test_the_delete_offering_examples_cancel_a_zitting(ta: TA) -> None:
    tp = ta.client()
    md = md_block_as_is("### Example of request Delete offering (zitting)")

    for body in (standard_example(DELETE_OFFERING), md):
        offering_id, (association_id,) = plan(tp)
        assert tp.patch(f"/offerings/{offering_id}", body).status_code == 200
        assert tp.get(f"/offerings/{offering_id}").json()["consumers"][0]["offeringState"] == "canceled"
        assert tp.get(f"/associations/{association_id}").json()["state"] == "canceled"


def md_block_as_is(heading: str) -> dict[str, Any]:
    return dict(json.loads(markdown_block(FLOW2_MD, heading)))
