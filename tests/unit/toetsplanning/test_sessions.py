"""Which Zitting takes a Toetsinschrijving: one of its own planbare toets, or of the test that toets names (flow 5
reports the session's name to DR as the test taken)."""

from __future__ import annotations

import pytest

from oke.roles.toetsplanning.rules import components_of_toets, session_takes_toets

REKENEN, MECHATRONICA = "toets-rekenen", "toets-mechatronica"


def consumers_using(*components: str) -> list[dict[str, object]]:
    return [{"consumerKey": "nl-test-admin", "testsToBeUsed": [{"componentId": c} for c in components]}]


@pytest.mark.parametrize(
    ("toets", "components"),
    [
        ({"component": "c1"}, ["c1"]),
        ({"component": {"componentId": "c1"}}, ["c1"]),  # expanded
        ({"consumers": consumers_using("c1")}, ["c1"]),
        ({"consumers": consumers_using("c1", "c2")}, ["c1", "c2"]),
        ({"component": "c1", "consumers": consumers_using("c2")}, ["c1"]),
        ({}, []),
    ],
)
def test_a_planbare_toets_names_its_tests_by_component_or_consumers_using(
    toets: dict[str, object], components: list[str]
) -> None:
    assert components_of_toets(toets) == components


def takes(
    toets: str = REKENEN, tests: tuple[str, ...] = ("c1",), of: str | None = REKENEN, test: str | None = "c1"
) -> bool:
    return session_takes_toets(toets_id=toets, toets_tests=list(tests), session_toets_id=of, session_test=test)


def test_a_session_of_a_planbare_toets_takes_the_enrolments_of_that_toets_only() -> None:
    assert takes()
    assert not takes(of=MECHATRONICA)
    assert not takes(of=MECHATRONICA, test="c1")  # the same test does not make it the same planbare toets


def test_a_session_without_a_planbare_toets_takes_the_enrolments_of_its_test() -> None:
    assert takes(of=None, test="c1")
    assert takes(tests=("c2", "c1"), of=None, test="c1")
    assert not takes(of=None, test="c2")


def test_where_a_test_is_unknown_tp_cannot_tell_and_plans() -> None:
    assert takes(tests=(), of=None, test="c1")
    assert takes(of=None, test=None)
