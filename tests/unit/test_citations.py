"""What oke's code and docs cite, a reader of the repository can follow: the standard itself (docs/standard.md
says how a citation such as "PDF 3.5.3" reads) or oke's own docs, never notes kept outside the repository. Some
citations reach vendors, in the reasons of the reference TA's and DR's refusals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: How the implementers' own notes, which are not in the repository, used to be cited.
OUTSIDE = re.compile(r"spec ref(erence)?\b|seeds? 00\d")
DOCS = re.compile(r"docs/([\w-]+\.md)")


def _texts() -> Iterator[tuple[Path, str]]:
    paths = [*sorted((ROOT / "oke").rglob("*.py")), ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for path in paths:
        yield path.relative_to(ROOT), path.read_text(encoding="utf-8")


def test_nothing_cites_a_document_outside_the_repository() -> None:
    found = [f"{path}: {match[0]}" for path, text in _texts() for match in OUTSIDE.finditer(text)]
    assert found == []


def test_every_cited_docs_page_exists() -> None:
    cited = {name for _, text in _texts() for name in DOCS.findall(text)}
    assert sorted(name for name in cited if not (ROOT / "docs" / name).is_file()) == []
