"""Every setting of `oke.config.Settings` is in the README's table of `OKE_*` variables, so that none is found only
by reading the code."""

from __future__ import annotations

from pathlib import Path

from oke.config import Settings

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [f"OKE_{name.upper()}" for name in Settings.model_fields if f"`OKE_{name.upper()}`" not in text]
    assert missing == []
