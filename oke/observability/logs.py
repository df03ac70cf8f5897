"""Log lines: JSON (`OKE_LOG_FORMAT=json`), one object per line with the request's id, client and tenant; or text,
uvicorn's own lines and every other with its time, level and logger.

A JSON line carries the message and a few named fields, nothing else of the record: never headers, bodies or
query strings, which hold tokens and students' personal data.
"""

from __future__ import annotations

import copy
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

import orjson
import uvicorn.config

from oke.observability.context import current_request

#: The fields of an access line (`oke.observability.middleware`), copied when a record has them.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
#: Loggers that name the URLs of outbound calls (ids of persons among them) at INFO: quiet below WARNING.
_URL_LOGGERS = ("httpx", "httpcore")
#: A text line of oke (or of a library): findable by its level, and by its logger.
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request_id, client, tenant (and more)."""

    def format(self, record: logging.LogRecord) -> str:
        request = current_request()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request.request_id if request else None,
            "client": request.client if request else None,
            "tenant": request.tenant if request else None,
        }
        for name in ACCESS_FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def json_log_config(level: str) -> dict[str, Any]:
    """uvicorn's `log_config` for JSON lines on stderr; uvicorn applies it in every worker process.

    uvicorn's own access log is to be switched off (`access_log=False`): the middleware writes the access
    line, by route template instead of the path asked for.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {name: {"level": "WARNING"} for name in _URL_LOGGERS},
    }


def text_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own `log_config`, plus every other logger's lines (oke's) on stderr in `TEXT_FORMAT`: without it
    they came out bare, with no time or level, and those below WARNING not at all. uvicorn's access log is to be
    switched off here too (`access_log=False`): oke's access line is the one line per request."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["text"] = {"format": TEXT_FORMAT}
    config["handlers"]["text"] = {"class": "logging.StreamHandler", "formatter": "text", "stream": "ext://sys.stderr"}
    config["root"] = {"handlers": ["text"], "level": level.upper()}
    config["loggers"] |= {name: {"level": "WARNING"} for name in _URL_LOGGERS}
    return config


def bare_traceback(error: BaseException) -> str:
    """The traceback of an unexpected `error` and of its causes, as Python prints it but without their texts: where
    it was raised and the kinds of error only. The text of an error nobody foresaw may hold what a log line must not
    (a path with ids, a peer's words); the caller keeps it where an operator can read it (e.g. an outbox row)."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and all(link is not seen for seen in chain):
        chain.append(link)
        link = link.__cause__ if link.__cause__ is not None or link.__suppress_context__ else link.__context__
    lines: list[str] = []
    for earlier, later in zip([None, *reversed(chain)], reversed(chain), strict=False):
        if earlier is not None:
            direct = later.__cause__ is earlier
            lines.append(
                "\nThe above exception was the direct cause of the following exception:\n\n"
                if direct
                else "\nDuring handling of the above exception, another exception occurred:\n\n"
            )
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(later.__traceback__))
        kind = type(later)
        lines.append(kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}")
        lines.append("\n")
    return "".join(lines).rstrip("\n")
