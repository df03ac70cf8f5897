"""Flow 0: TA's test catalogue, seeded with the demo tests on first start and served to DR and TP."""

from __future__ import annotations

from typing import Any

from oke.errors import FieldError, FieldErrors, InvalidContent, NotFound
from oke.ooapi.components import status_of
from oke.ooapi.paging import Page, Paging, page_of
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


def list_components(
    uow: ToetsafnameUnitOfWork, query: catalogue.CatalogueQuery, paging: Paging
) -> Page[dict[str, Any]]:
    """Flow 0.1: the tests matching `query`, a page at a time."""
    with uow:
        chosen = catalogue.select((row.data for row in uow.repo.components()), query)
    items = chosen[paging.offset : paging.offset + paging.page_size]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=len(chosen))


def all_components(uow: ToetsafnameUnitOfWork) -> list[dict[str, Any]]:
    """Every test of the catalogue, withdrawn ones too, by componentId: an operator's listing."""
    with uow:
        return sorted((row.data for row in uow.repo.components()), key=lambda test: str(test["componentId"]))


def read_component(uow: ToetsafnameUnitOfWork, component_id: str) -> dict[str, Any]:
    """Flow 0.2: one test, withdrawn ones included (they say so in their status)."""
    with uow:
        row = uow.repo.component(component_id)
        if row is None:
            raise NotFound(f"no test {component_id} in this catalogue")
        return row.data


def put_components(uow: ToetsafnameUnitOfWork, documents: list[dict[str, Any]]) -> list[bool]:
    """Add tests to the catalogue, or replace those of their `componentId`, all or none; whether each was added.

    The reference TA serves its demo catalogue; an operator adds the tests of their own exams (their scales, their
    `passFrom`) so that TP and DR can be tried with them. Refused as Tabel 4.1.A says (`rules.check_component`),
    each fault at `/<index>/<field>`."""
    errors = FieldErrors()
    components = []
    for index, document in enumerate(documents):
        try:
            components.append(rules.check_component(document))
        except InvalidContent as refused:
            errors += [FieldError(f"/{index}{e.pointer}", e.reason) for e in refused.errors]
    errors.raise_any()
    added = []
    with uow:
        for component, document in zip(components, documents, strict=True):
            row = uow.repo.component(component.componentId, for_update=True)
            added.append(row is None)
            if row is None:
                row = TaComponent(component_id=component.componentId)
                uow.repo.add(row)
            row.data, row.status = document, status_of(document)
            uow.session.flush()  # a later test of the same id in `documents` finds this one, and replaces it
        uow.commit()
    return added
