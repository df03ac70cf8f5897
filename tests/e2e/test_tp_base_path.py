"""The base path of the OOAPI endpoints is bilateral (docs/standard.md): TP serves it where it is configured."""

from __future__ import annotations

from pathlib import Path

import httpx

from oke.config import Settings
from oke.roles.toetsplanning.app import create_app
from oke.store.migrate import upgrade
from tests.servers import free_port, running


def test_the_ooapi_endpoints_move_with_the_base_path(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tp.sqlite3'}"
    upgrade(url)
    settings = Settings(role="tp", port=free_port(), database_url=url, base_path="school-a/ooapi/")
    with running(create_app(settings), settings.url_port) as base:
        assert httpx.get(f"{base}/school-a/ooapi/").json()["supportedConsumers"][0]["consumerKey"] == "nl-test-admin"
        assert httpx.patch(f"{base}/school-a/ooapi/associations/x", json={}).status_code == 401
        assert httpx.get(f"{base}/ooapi/").status_code == 404
