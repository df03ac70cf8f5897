"""HTTPS for an oke server: the operator's certificate files, and nothing older than TLS 1.3."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

#: Peers are known systems with current TLS stacks: no reason to speak the versions with known weaknesses.
MINIMUM_VERSION = ssl.TLSVersion.TLSv1_3


def tls_options(cert_file: Path | None, key_file: Path | None) -> dict[str, Any]:
    """uvicorn's options to serve HTTPS with these PEM files, TLS 1.3 at least; none (plain HTTP) without them."""
    if cert_file is None or key_file is None:
        return {}
    return {"ssl_certfile": str(cert_file), "ssl_keyfile": str(key_file), "ssl_context_factory": _at_least_tls13}


def _at_least_tls13(_config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
    context = default()  # uvicorn's own context (certificate, key, ALPN), with the floor raised
    context.minimum_version = MINIMUM_VERSION
    return context
