"""Flow 0: TA's test catalogue, seeded with the demo tests on first start and served to DR and TP."""

from __future__ import annotations

from typing import Any

from oke.errors import NotFound
from oke.ooapi.components import status_of
from oke.ooapi.paging import Page, page_of
from oke.roles.toetsafname import catalogue, rules
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.tables.toetsafname import TaComponent


def seed_catalogue(uow: ToetsafnameUnitOfWork) -> int:
    """The demo catalogue, on a first start only (an empty catalogue); returns how many tests were added."""
    with uow:
        if uow.repo.has_components():
            return 0
        tests = catalogue.demo_catalogue()
        for test in tests:
            uow.repo.add(TaComponent(component_id=test["componentId"], status=status_of(test), data=test))
        uow.commit()
        return len(tests)


def put_component(uow: ToetsafnameUnitOfWork, document: dict[str, Any]) -> bool:
    """Add a test to the catalogue or replace it (a withdrawn test has `status: inactive`); True when added."""
    component = rules.check_component(document)
    with uow:
        row = uow.repo.component(component.componentId, for_update=True)
        created = row is None
        if row is None:
            row = TaComponent(component_id=component.componentId)
            uow.repo.add(row)
        row.data, row.status = document, status_of(document)
        uow.commit()
        return created


def list_components(
    uow: ToetsafnameUnitOfWork, query: catalogue.CatalogueQuery, *, page_size: int, page_number: int
) -> Page[dict[str, Any]]:
    """Flow 0.1: the tests matching `query`, a page at a time."""
    with uow:
        chosen = catalogue.select((row.data for row in uow.repo.components()), query)
    offset = (page_number - 1) * page_size
    return page_of(chosen[offset : offset + page_size], page_size=page_size, page_number=page_number, total=len(chosen))


def read_component(uow: ToetsafnameUnitOfWork, component_id: str) -> dict[str, Any]:
    """Flow 0.2: one test, withdrawn ones included (they say so in their status)."""
    with uow:
        row = uow.repo.component(component_id)
        if row is None:
            raise NotFound(f"no test {component_id} in this catalogue")
        return row.data
