"""Problem details and paging of the wire format.

- `json_pointer`: RFC 6901 (`~` is written `~0`, `/` is written `~1`); the discriminator tags of the
  consumer, reference and type unions (`oke.ooapi.common.UNION_TAGS`) are never part of a pointer.
- `field_errors`: a 400 names each offending field by JSON pointer and the rule, as the strict reference
  servers do (docs/standard.md).
- `page_of`: paging (the OpenAPI's Pagination.yaml, PDF Tabel 5.0.C).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import oke.ooapi.associations  # noqa: F401  (registers the <...Association> tags)
import oke.ooapi.offerings  # noqa: F401  (registers the <component>, <program>, <course> tags)
from oke.ooapi.common import UNION_TAGS
from oke.ooapi.paging import DEFAULT_PAGE_SIZE, PAGE_SIZES, page_of
from oke.ooapi.problems import field_errors, json_pointer
from oke.ooapi.results import Result

VALID_RESULT = {
    "state": "completed",
    "resultDate": "2022-09-28",
    "weight": 100,
    "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
}


def _decode(pointer: str) -> list[str]:
    """RFC 6901 section 4: split on `/`, then `~1` becomes `/` and only then `~0` becomes `~`."""
    if pointer == "":
        return []
    assert pointer.startswith("/")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def _errors(document: object) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Result.model_validate(document)
    return field_errors(caught.value)


# --- json_pointer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "pointer"),
    [
        (("consumers", 0, "nl-test-admin", "attendance"), "/consumers/0/attendance"),
        (("consumers", 1, "<generic>", "consumerKey"), "/consumers/1/consumerKey"),
        (("person", "<object>", "surname"), "/person/surname"),
        (("offering", "<id>"), "/offering"),
        (("<componentOfferingAssociation>", "result", "resultDate"), "/result/resultDate"),
        (("<programOfferingAssociation>", "offering", "<object>", "startDate"), "/offering/startDate"),
        (("<component>", "consumers", 0, "nl-test-admin", "safety", 0), "/consumers/0/safety/0"),
    ],
)
def test_json_pointer_drops_the_union_tags(loc: tuple[int | str, ...], pointer: str) -> None:
    assert json_pointer(loc) == pointer


def test_every_discriminator_tag_is_known() -> None:
    expected = {
        "nl-test-admin",
        "<generic>",
        "<id>",
        "<object>",
        "<componentOfferingAssociation>",
        "<programOfferingAssociation>",
        "<courseOfferingAssociation>",
        "<component>",
        "<program>",
        "<course>",
    }
    assert expected <= UNION_TAGS


@pytest.mark.parametrize(
    ("loc", "pointer"),
    [
        (("a/b",), "/a~1b"),
        (("m~n",), "/m~0n"),
        (("~1",), "/~01"),  # `~` is escaped first, so a literal "~1" does not decode to "/"
        (("",), "/"),
        ((), ""),
    ],
)
def test_json_pointer_escapes_per_rfc_6901(loc: tuple[int | str, ...], pointer: str) -> None:
    assert json_pointer(loc) == pointer


def test_json_pointer_puts_the_prefix_first() -> None:
    assert json_pointer(("consumers", 0, "nl-test-admin", "documents"), "/result") == "/result/consumers/0/documents"


#: Location parts: field names (often with the characters RFC 6901 escapes) and list indices.
NAMES = st.text(alphabet="ab~/01", max_size=6) | st.text(max_size=6)
PARTS = NAMES.filter(lambda part: part not in UNION_TAGS) | st.integers(0, 99)


@given(st.lists(PARTS, max_size=6), st.lists(st.sampled_from(sorted(UNION_TAGS)), max_size=3), st.randoms())
def test_json_pointer_decodes_to_its_location_without_tags(
    parts: list[int | str], tags: list[str], rnd: random.Random
) -> None:
    loc: list[int | str] = list(parts)
    for tag in tags:
        loc.insert(rnd.randint(0, len(loc)), tag)
    assert _decode(json_pointer(tuple(loc))) == [str(part) for part in parts]


# --- field_errors on a real ValidationError ---------------------------------------------------------------


def test_an_enum_error_lists_the_allowed_values() -> None:
    [(pointer, reason)] = _errors({**VALID_RESULT, "state": "in_progress"})
    assert pointer == "/state"
    assert reason.startswith("'in_progress' is not one of ")
    for allowed in ("'in progress'", "'postponed'", "'completed'", "'queued'"):
        assert allowed in reason


def test_an_enum_error_inside_the_nl_test_admin_block_points_into_it() -> None:
    document = {**VALID_RESULT, "consumers": [{"consumerKey": "nl-test-admin", "attendance": "absent"}]}
    [(pointer, reason)] = _errors(document)
    assert pointer == "/consumers/0/attendance"
    for allowed in ("notKnown", "notPresent", "notStarted", "notFinished", "present"):
        assert f"'{allowed}'" in reason


def test_a_missing_field_is_required() -> None:
    document = {key: value for key, value in VALID_RESULT.items() if key != "resultDate"}
    assert _errors(document) == [("/resultDate", "is required")]


def test_a_value_error_reads_as_the_rule_without_pydantics_prefix() -> None:
    assert _errors({**VALID_RESULT, "resultDate": "2022-09-28T00:00:00Z"}) == [
        ("/resultDate", "must be a date in the form YYYY-MM-DD")
    ]


def test_every_error_is_reported_once_with_the_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        Result.model_validate({"state": "done", "consumers": [{"consumerKey": "nl-test-admin"}]})
    assert sorted(pointer for pointer, _ in field_errors(caught.value, "/result")) == [
        "/result/consumers/0/attendance",
        "/result/resultDate",
        "/result/state",
    ]


# --- paging ---------------------------------------------------------------------------------------------


def test_page_sizes_are_those_of_the_standard() -> None:
    assert PAGE_SIZES == (10, 20, 50, 100, 250)
    assert DEFAULT_PAGE_SIZE == 10


@pytest.mark.parametrize(
    ("page_number", "total", "previous", "next_", "pages"),
    [
        (1, 0, False, False, 1),  # an empty listing is one empty page
        (1, 10, False, False, 1),
        (1, 11, False, True, 2),
        (2, 11, True, False, 2),
        (2, 25, True, True, 3),
        (3, 25, True, False, 3),
        (5, 25, True, False, 3),  # beyond the last page: nothing follows
    ],
)
def test_page_flags_for_pages_of_ten(page_number: int, total: int, previous: bool, next_: bool, pages: int) -> None:
    page = page_of([], page_size=10, page_number=page_number, total=total)
    assert (page.hasPreviousPage, page.hasNextPage, page.totalPages) == (previous, next_, pages)


@given(st.sampled_from(PAGE_SIZES), st.integers(1, 60), st.integers(0, 5000))
def test_page_of_agrees_with_counting_items(page_size: int, page_number: int, total: int) -> None:
    first_index = (page_number - 1) * page_size  # of the first item on this page
    page = page_of(["item"], page_size=page_size, page_number=page_number, total=total)
    assert page.pageSize == page_size and page.pageNumber == page_number and page.items == ["item"]
    assert page.hasPreviousPage == (page_number > 1)
    assert page.hasNextPage == (first_index + page_size < total)
    assert page.totalPages is not None and page.totalPages >= 1
    assert (page.totalPages - 1) * page_size < max(total, 1) <= page.totalPages * page_size
