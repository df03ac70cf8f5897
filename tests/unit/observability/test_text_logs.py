"""Text log lines (`--log-format text`, the default): oke's own lines carry their time, level and logger, and
the loggers that name outbound URLs stay quiet below WARNING. Run in a process of its own: logging is global."""

from __future__ import annotations

import re
import subprocess
import sys

SCRIPT = """
import logging, logging.config
from oke.observability.logs import text_log_config
logging.config.dictConfig(text_log_config("info"))
logging.getLogger("oke.outbox.relay").warning("outbox relay round failed")
logging.getLogger("oke.roles").info("a line at INFO")
logging.getLogger("httpx").info("HTTP Request: GET https://dr.example/ooapi/persons/p-1")
logging.getLogger("uvicorn.error").info("Uvicorn running")
"""


def test_oke_lines_name_time_level_and_logger_and_urls_stay_quiet() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=60)
    lines = result.stderr.splitlines()
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
    assert re.fullmatch(f"{stamp} WARNING oke.outbox.relay: outbox relay round failed", lines[0]), lines
    assert re.fullmatch(f"{stamp} INFO oke.roles: a line at INFO", lines[1]), lines
    assert lines[2:] == ["INFO:     Uvicorn running"]  # uvicorn's own lines as uvicorn writes them
