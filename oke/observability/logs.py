"""Log lines: JSON (`OKE_LOG_FORMAT=json`), one object per line with the request's id, client and tenant; or text,
uvicorn's own lines and every other with its time, level and logger.

A JSON line carries the message and a few named fields, nothing else of the record: never headers, bodies or
query strings, which hold tokens and students' personal data.
"""

from __future__ import annotations

import copy
import logging
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
