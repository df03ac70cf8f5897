"""The built-in demo catalogue of the reference TA (flow 0), and how a catalogue query selects from it.

The tests are MBO tests of each kind of result value, always the same (ids included), so that
vendors and the tests can name them. Rekenen 2F carries the id and content of the standard's flow 0
example (`listComponentById--*`, typos fixed), so the standard's flow 2 examples plan a session of it.
Crebo and cohort stand in the description, as the PDF recommends (flow 0 rules).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from oke.ooapi.common import NL_TEST_ADMIN, in_dutch, nl_test_admin_block

#: Rekenen 2F: the componentId of the standard's flow 0 example.
REKENEN_2F = "c5fca27e-ccc1-430d-9888-90e005ad6a86"
_NAMESPACE = uuid.UUID("6f4c1c3e-5d1a-4b59-9f33-0c4b8a7d2e10")
ALL_NEEDS = ["extraTime", "spoken", "spell-checker-on-screen"]


def demo_id(code: str) -> str:
    """The fixed componentId of the demo test with primary code `code`."""
    return str(uuid.uuid5(_NAMESPACE, code))


def _test(
    component_id: str,
    code: str,
    abbreviation: str,
    name: str,
    description: str,
    *,
    duration: str,
    modes: list[str],
    assessment: str,
    block: dict[str, Any],
) -> dict[str, Any]:
    return {
        "componentId": component_id,
        "primaryCode": {"codeType": "componentCode", "code": code},
        "componentType": "test",
        "name": in_dutch(name),
        "abbreviation": abbreviation,
        "modeOfDelivery": modes,
        "duration": duration,
        "description": in_dutch(description),
        "teachingLanguage": "nld",
        "assessment": in_dutch(assessment),
        "otherCodes": [{"codeType": "x-testSystem", "code": "oke-ta"}, {"codeType": "x-testProvider", "code": "oke"}],
        "consumers": [{"consumerKey": NL_TEST_ADMIN, "status": "active", **block}],
    }


def demo_catalogue() -> list[dict[str, Any]]:
    """The demo tests, as Components (Tabel 4.1.A); a fresh copy on every call."""
    digital = "Digitale toetsing"
    return [
        _test(
            REKENEN_2F,
            "5",  # the code of the standard's example
            "REK2F-TECH",
            "Rekenen 2F voor technische opleidingen",
            "Rekentest MBO op niveau 2F toegespitst op technische opleidingen zoals procestechniek/machinebouw"
            " (cohort 24-25)",
            duration="PT60M",
            modes=["situated"],
            assessment=digital,
            block={
                "additionalTestingTime": 60,
                "availablePersonalNeeds": ALL_NEEDS,
                "safety": ["securedComputer", "fixedLocation", "surveillance"],
                "exam": True,
                "resultValueType": "0.0-10.0",
                "passFrom": "5.5",
                "retries": 2,
                "licensed": True,
            },
        ),
        _test(
            demo_id("NL-3F-LEZEN"),
            "NL-3F-LEZEN",
            "NL3F-LEZ",
            "Nederlands 3F lezen",
            "Centraal ontwikkeld examen Nederlands lezen op niveau 3F, crebo 25180 en alle niveau 4 (cohort 24-25)",
            duration="PT90M",
            modes=["situated", "online"],
            assessment=digital,
            block={
                "additionalTestingTime": 30,
                "availablePersonalNeeds": ALL_NEEDS,
                "safety": ["securedComputer", "surveillance"],
                "exam": True,
                "resultValueType": "referenceLevelRKTR",
                "passFrom": "3F",
                "retries": 1,
                "licensed": True,
            },
        ),
        _test(
            demo_id("EN-B1"),
            "EN-B1",
            "ENG-B1",
            "Engels B1 lezen en luisteren",
            "Examen Engels lezen en luisteren op ERK-niveau B1, crebo 25168 (cohort 24-25)",
            duration="PT75M",
            modes=["online"],
            assessment=digital,
            block={
                "additionalTestingTime": 20,
                "availablePersonalNeeds": ["extraTime", "spoken"],
                "safety": ["securedComputer"],
                "exam": True,
                "resultValueType": "referenceLevelERK",
                "passFrom": "B1",
                "retries": 1,
                "licensed": False,
            },
        ),
        _test(
            demo_id("PRAKTIJK-VIG-B1K1"),
            "PRAKTIJK-VIG-B1K1",
            "PEX-VIG-B1K1",
            "Praktijkexamen Verzorgende-IG: zorg en ondersteuning (B1-K1)",
            "Proeve van bekwaamheid in de beroepspraktijk, beoordeeld door een assessor, crebo 25655 (cohort 23-24)",
            duration="PT4H",
            modes=["situated"],
            assessment="Praktijkbeoordeling",
            block={
                "additionalTestingTime": 0,
                "availablePersonalNeeds": [],
                "safety": ["surveillance"],
                "exam": True,
                "resultValueType": "pass-or-fail",
                "passFrom": "passed",
                "retries": 1,
                "licensed": True,
            },
        ),
        _test(
            demo_id("KT-MECHATRONICA"),
            "KT-MECHATRONICA",
            "KT-MECH",
            "Kennistoets mechatronica",
            "Kennistoets techniek voor Monteur mechatronica, crebo 25295, score 0-100 (cohort 24-25)",
            duration="PT45M",
            modes=["online", "distance-learning"],
            assessment=digital,
            block={
                "additionalTestingTime": 10000,
                "availablePersonalNeeds": ["extraTime", "spell-checker-on-screen"],
                "safety": [],
                "exam": False,
                "resultValueType": "0-100",
                "passFrom": "55",
                "retries": 3,
                "licensed": True,
            },
        ),
        _withdrawn(
            _test(
                demo_id("REK-2F-2023"),
                "REK-2F-2023",
                "REK2F-2023",
                "Rekenen 2F (versie 2023)",
                "Vorige versie van de rekentoets 2F, ingetrokken (cohort 22-23)",
                duration="PT60M",
                modes=["situated"],
                assessment=digital,
                block={"resultValueType": "0.0-10.0", "passFrom": "5.5", "retries": 2, "licensed": True},
            )
        ),
    ]


def _withdrawn(component: dict[str, Any]) -> dict[str, Any]:
    """A test withdrawn from the catalogue: still listed, with `status: inactive` (flow 0 rules)."""
    component["consumers"][0]["status"] = "inactive"
    return component


@dataclass(frozen=True)
class CatalogueQuery:
    """The filters of GET /components (PDF: componentType, q, licensed; YAML: primaryCode, sort)."""

    component_type: str | None = None
    q: str | None = None
    licensed: bool | None = None
    primary_code: str | None = None
    sort: str = "name"


def select(components: Iterable[dict[str, Any]], query: CatalogueQuery) -> list[dict[str, Any]]:
    """The components that match every filter, in the asked order (ties by componentId)."""
    chosen = [c for c in components if _matches(c, query)]
    field = query.sort.removeprefix("-")
    chosen.sort(key=lambda c: (_sort_key(c, field), c["componentId"]), reverse=query.sort.startswith("-"))
    return chosen


def _matches(component: dict[str, Any], query: CatalogueQuery) -> bool:
    if query.component_type is not None and component.get("componentType") != query.component_type:
        return False
    if query.primary_code is not None and (component.get("primaryCode") or {}).get("code") != query.primary_code:
        return False
    if query.licensed is not None:
        block = nl_test_admin_block(component.get("consumers")) or {}
        if bool(block.get("licensed", False)) != query.licensed:
            return False
    return not query.q or query.q.casefold() in _text(component)


def _text(component: dict[str, Any]) -> str:
    """What `q` searches: name, abbreviation and description (all languages)."""
    parts = [str(component.get("abbreviation") or "")]
    for field in ("name", "description"):
        parts += [str(item.get("value", "")) for item in component.get(field) or () if isinstance(item, dict)]
    return "\n".join(parts).casefold()


def _sort_key(component: dict[str, Any], field: str) -> str:
    if field == "name":
        names = component.get("name") or [{}]
        dutch = [n for n in names if n.get("language") == "nl-NL"] or names
        return str(dutch[0].get("value", "")).casefold()
    return str(component.get("componentId", ""))
