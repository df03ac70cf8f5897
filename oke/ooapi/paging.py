"""Pagination (Tabel 5.0.C): `pageSize` is one of 10, 20, 50, 100, 250 (default 10), `pageNumber` >= 1.

oke's own listings (the planning and operator APIs, the CLI) page by `limit` and `after` instead, within the
same largest page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel

PAGE_SIZES = (10, 20, 50, 100, 250)
DEFAULT_PAGE_SIZE = 10

#: Items a page of oke's own listings holds unless `limit` says otherwise.
DEFAULT_LIMIT = 100
#: The most a page of oke's own listings holds: the largest OOAPI `pageSize`, so that one page is one bounded read.
MAX_LIMIT = max(PAGE_SIZES)


def _one_of_the_sizes(size: int) -> int:
    if size not in PAGE_SIZES:
        raise ValueError(f"must be one of {', '.join(map(str, PAGE_SIZES))}")
    return size


#: The `pageSize` query parameter: an integer (as any query string gives it) of the enum.
PageSize = Annotated[int, AfterValidator(_one_of_the_sizes)]

#: OOAPI's integers are int32: a larger page number would also overflow the database's offset.
MAX_PAGE_NUMBER = 2**31 - 1


def _a_page_number(number: int) -> int:
    if not 1 <= number <= MAX_PAGE_NUMBER:
        raise ValueError(f"must be from 1 to {MAX_PAGE_NUMBER}")
    return number


#: The `pageNumber` query parameter.
PageNumber = Annotated[int, AfterValidator(_a_page_number)]

T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    """The page a listing asks for (`pageSize`, `pageNumber`), as the database reads it."""

    page_size: int
    page_number: int

    @property
    def offset(self) -> int:
        return (self.page_number - 1) * self.page_size


class Page(BaseModel, Generic[T]):
    pageSize: int
    pageNumber: int
    hasPreviousPage: bool
    hasNextPage: bool
    totalPages: int | None = None
    items: list[T]
    ext: dict[str, Any] | None = None


def page_of(items: list[T], *, page_size: int, page_number: int, total: int) -> Page[T]:
    """A page of a listing whose `total` items were counted in the database."""
    total_pages = max(1, -(-total // page_size))
    return Page[T](
        pageSize=page_size,
        pageNumber=page_number,
        hasPreviousPage=page_number > 1,
        hasNextPage=page_number < total_pages,
        totalPages=total_pages,
        items=items,
    )
