"""Every error leaves an oke server as application/problem+json (OOAPI `Problem`, `status` a string)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from oke.errors import FieldError, InvalidContent, NotSupported, OkeError, ServiceUnavailable, TooManyRequests
from oke.observability.middleware import route_template
from oke.ooapi.problems import PROBLEM_JSON, InvalidParam, Problem, json_pointer
from oke.store.transactions import UNAVAILABLE

log = logging.getLogger(__name__)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    problem = Problem(
        title=title,
        status=str(status),
        detail=detail,
        invalidParams=[InvalidParam(pointer=e.pointer, reason=e.reason) for e in errors] if errors else None,
    )
    body = problem.model_dump_json(exclude_none=True)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _oke_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OkeError)
    return error_response(exc)


def error_response(exc: OkeError) -> Response:
    """The problem+json answer of an oke error, with the headers its status calls for."""
    headers = {"WWW-Authenticate": 'Bearer realm="oke"'} if exc.status == 401 else None
    if exc.status == 503:
        headers = {"Retry-After": "5"}
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, NotSupported):
        headers = {"Allow": ""}
    errors = exc.errors if isinstance(exc, InvalidContent) else None
    return problem_response(exc.status, exc.title, exc.detail, errors, headers)


def _request_validation(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(json_pointer(_in_body(tuple(e["loc"]))), str(e["msg"])) for e in exc.errors()]
    return _oke_error(_request, InvalidContent(errors))


def _in_body(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """A body field's place as a pointer into the body, as every other refusal names it (`/pass`, not
    `/body/pass`); a query or path parameter keeps where it is (`/query/limit`)."""
    return loc[1:] if loc[:1] == ("body",) and len(loc) > 1 else loc


#: The methods a 405's `Allow` may name.
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    titles = {404: "Not found", 405: "Method not allowed"}
    headers = exc.headers
    if exc.status_code == 405:  # Starlette names the methods of the first route of the path only
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    return problem_response(exc.status_code, titles.get(exc.status_code, "Error"), exc.detail, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app takes at the request's path."""
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def _database_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("the database is unavailable on %s %s: %s", request.method, route_template(request.scope), exc)
    return _oke_error(request, ServiceUnavailable("the database is unavailable; send the request again"))


def _unexpected(request: Request, exc: Exception) -> Response:
    # the route's template: the path itself may name a person
    # `exc_info=exc`: Starlette calls this handler outside the `except` block, where `log.exception` finds none
    log.error("unexpected error on %s %s", request.method, route_template(request.scope), exc_info=exc)
    return problem_response(500, "Internal server error", "the error was logged")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OkeError, _oke_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(HTTPException, _http_error)
    for error in UNAVAILABLE:  # the database cannot be reached: worth sending again soon
        app.add_exception_handler(error, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)
