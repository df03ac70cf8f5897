"""Flow 0 at the reference TA: the demo catalogue, its filters, sorting and pages.

Rules checked, with their sources:
- `GET /components` (PDF: `componentType`, `q` over name, abbreviation or description, `licensed`;
  YAML: `primaryCode`, `sort` on `componentId`/`name` with `-`, default `name`), paged by `pageSize`
  (10, 20, 50, 100, 250) and `pageNumber`: PDF 3.0.2, Tabel 5.0.C; docs/standard.md (flow 0 query).
- `GET /components/{componentId}`: one test, 404 when unknown: PDF 3.0.2, ch. 5.
- Component fields (Tabel 4.1.A): `componentType` test, `teachingLanguage` nld, `primaryCode` of
  codeType `componentCode`, the nl-test-admin block; a withdrawn test has `status: inactive`; crebo and
  cohort in the description: PDF 3.0, Tabel 4.1.A.
- The catalogue scope `nl-test-admin-flow-0`, for DR and TP clients: PDF ch. 5 (Tabel 5.3.A).
- Rekenen 2F is the standard's flow 0.2 example (`listComponentById--*`) with its typos fixed
  (docs/standard.md, "Names in the examples": `codeType` componentCode, not testId; `resultValueType`
  0.0-10.0, not 1-10; the extra time is `additionalTestingTime` in minutes, not `extraTime: "P60M"`).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from oke.auth import scopes
from oke.auth.caller import ClientRole
from oke.cli import app as cli
from oke.config import Settings
from oke.ooapi.components import Component
from oke.roles.toetsafname.catalogue import REKENEN_2F, demo_catalogue, demo_id
from oke.roles.toetsafname.services.catalogue import seed_catalogue
from tests.api_client import Peer, new_id, pointers, problem_of, standard_example
from tests.ta_client import TA

DEMO = {test["componentId"]: test for test in demo_catalogue()}
WITHDRAWN = demo_id("REK-2F-2023")
ENGELS = demo_id("EN-B1")


def everything(peer: Peer, **query: Any) -> list[dict[str, Any]]:
    response = peer.get("/components", pageSize=250, **query)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def ids(peer: Peer, **query: Any) -> list[str]:
    return [test["componentId"] for test in everything(peer, **query)]


def marked_tests(ta: TA, count: int, **block: Any) -> tuple[str, list[str]]:
    """`count` tests added to the catalogue, found by a word of their own; their ids in name order."""
    marker = f"merk{uuid.uuid4().hex[:10]}"
    added = []
    for i in range(count):
        test = {
            **DEMO[REKENEN_2F],
            "componentId": new_id(),
            "primaryCode": {"codeType": "componentCode", "code": f"{marker}-{i}"},
            "name": [{"language": "nl-NL", "value": f"Toets {i:02d} {marker}"}],
            "consumers": [{"consumerKey": "nl-test-admin", "status": "active", **block}],
        }
        assert ta.add_component(test)
        added.append(test["componentId"])
    return marker, added


def test_the_demo_catalogue_is_served_whole_to_tp_and_dr(ta: TA) -> None:
    for peer in (ta.client(ClientRole.tp), ta.client(ClientRole.dr)):
        served = {test["componentId"]: test for test in everything(peer)}
        assert {k: served[k] for k in DEMO} == DEMO
    for test in DEMO.values():
        Component.model_validate(test)
        assert test["componentType"] == "test" and test["teachingLanguage"] == "nld"
        assert test["primaryCode"]["codeType"] == "componentCode"
        assert re.search(r"cohort \d\d-\d\d", test["description"][0]["value"])
    values = {test["consumers"][0]["resultValueType"] for test in DEMO.values()}
    assert {"0.0-10.0", "referenceLevelRKTR", "referenceLevelERK", "pass-or-fail", "0-100"} <= values


def test_rekenen_2f_is_the_flow_0_example_with_its_typos_fixed(ta: TA) -> None:
    example = standard_example("listComponentById--response-200--request-details-of-one-test-flow-0-2-minimal")
    example["primaryCode"]["codeType"] = "componentCode"  # 10.11: not "testId"
    block = example["consumers"][0]
    block["resultValueType"] = "0.0-10.0"  # 10.11: "1-10" is no resultValueType
    assert block.pop("extraTime") == "P60M"
    block["additionalTestingTime"] = 60  # 10.9: the maximum extra time in minutes

    served = ta.client().get(f"/components/{REKENEN_2F}").json()

    for field, value in example.items():
        if field == "description":  # the catalogue adds the cohort, as the PDF recommends
            assert served[field][0]["value"].startswith(value[0]["value"])
        elif field == "consumers":
            assert block.items() <= served[field][0].items()
        else:
            assert served[field] == value, field


def test_one_test_by_its_id_and_404_for_an_unknown_one(ta: TA) -> None:
    tp = ta.client()

    assert tp.get(f"/components/{ENGELS}").json() == DEMO[ENGELS]
    problem_of(tp.get(f"/components/{new_id()}"), 404)


def test_a_withdrawn_test_is_listed_as_inactive(ta: TA) -> None:
    withdrawn = ta.client().get(f"/components/{WITHDRAWN}").json()

    assert withdrawn["consumers"][0]["status"] == "inactive"
    assert WITHDRAWN in ids(ta.client())


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("rekenen", {REKENEN_2F, WITHDRAWN}),  # the names
        ("REKENEN 2f", {REKENEN_2F, WITHDRAWN}),  # whatever the case
        ("pex-vig", {demo_id("PRAKTIJK-VIG-B1K1")}),  # the abbreviation only
        ("25295", {demo_id("KT-MECHATRONICA")}),  # a crebo in the description
        ("cohort 23-24", {demo_id("PRAKTIJK-VIG-B1K1")}),  # a cohort in the description
        ("procestechniek", {REKENEN_2F}),
        ("geen-zo-een-toets", set()),
    ],
)
def test_q_finds_text_in_name_abbreviation_or_description(ta: TA, q: str, expected: set[str]) -> None:
    assert set(ids(ta.client(), q=q)) == expected


def test_licensed_componenttype_and_primarycode_filter(ta: TA) -> None:
    tp = ta.client()

    unlicensed = everything(tp, licensed="false")
    assert ENGELS in {t["componentId"] for t in unlicensed}
    assert all(t["consumers"][0].get("licensed") is not True for t in unlicensed)
    licensed = everything(tp, licensed="true")
    assert REKENEN_2F in {t["componentId"] for t in licensed} and ENGELS not in {t["componentId"] for t in licensed}
    assert all(t["consumers"][0]["licensed"] is True for t in licensed)
    assert set(DEMO) <= set(ids(tp, componentType="test"))
    assert ids(tp, componentType="lecture") == []  # a valid OOAPI type, but every test here is a test
    assert ids(tp, primaryCode="NL-3F-LEZEN") == [demo_id("NL-3F-LEZEN")]
    assert ids(tp, q="rekenen", licensed="true", primaryCode="5") == [REKENEN_2F]


def test_sort_by_name_or_id_either_way(ta: TA) -> None:
    tp = ta.client()
    marker, added = marked_tests(ta, 3)
    by_name = added  # "Toets 00 …", "Toets 01 …", "Toets 02 …"

    assert ids(tp, q=marker) == by_name
    assert ids(tp, q=marker, sort="name") == by_name
    assert ids(tp, q=marker, sort="-name") == by_name[::-1]
    assert ids(tp, q=marker, sort="componentId") == sorted(added)
    assert ids(tp, q=marker, sort="-componentId") == sorted(added, reverse=True)


def test_the_catalogue_comes_a_page_at_a_time(ta: TA) -> None:
    tp = ta.client()
    marker, added = marked_tests(ta, 25, licensed=True)

    pages = [tp.get("/components", q=marker, pageNumber=n).json() for n in (1, 2, 3)]

    assert [len(p["items"]) for p in pages] == [10, 10, 5]
    assert [(p["hasPreviousPage"], p["hasNextPage"]) for p in pages] == [(False, True), (True, True), (True, False)]
    assert {p["totalPages"] for p in pages} == {3} and {p["pageSize"] for p in pages} == {10}
    assert [t["componentId"] for p in pages for t in p["items"]] == added
    twenties = tp.get("/components", q=marker, pageSize=20, pageNumber=2).json()
    assert [t["componentId"] for t in twenties["items"]] == added[20:]
    assert tp.get("/components", q=marker, pageNumber=4).json()["items"] == []


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ({"componentType": "exam"}, "/query/componentType"),
        ({"licensed": "yes"}, "/query/licensed"),
        ({"sort": "abbreviation"}, "/query/sort"),
        ({"pageSize": 15}, "/query/pageSize"),
        ({"pageNumber": 0}, "/query/pageNumber"),
    ],
)
def test_a_bad_query_is_400_naming_the_parameter(ta: TA, query: dict[str, Any], pointer: str) -> None:
    assert pointers(problem_of(ta.client().get("/components", **query), 400)) == [pointer]


def test_the_catalogue_needs_the_flow_0_scope_and_a_dr_or_tp_client(ta: TA) -> None:
    problem_of(ta.http.get("/ooapi/components"), 401)
    problem_of(ta.client(scope={scopes.FLOW_2_3_4}).get("/components"), 403)
    problem_of(ta.client(ClientRole.dr, scope={scopes.FLOW_1_5}).get(f"/components/{REKENEN_2F}"), 403)
    problem_of(ta.client(ClientRole.planner).get("/components"), 403)
    assert ta.client(ClientRole.dr).get(f"/components/{REKENEN_2F}").status_code == 200


def test_the_demo_catalogue_is_seeded_once_and_always_the_same(ta: TA) -> None:
    assert demo_catalogue() == demo_catalogue()
    assert seed_catalogue(ta.uow()) == 0  # the server seeded it on its first start


def test_only_tests_enter_the_catalogue(ta: TA) -> None:
    lecture = {**DEMO[REKENEN_2F], "componentId": new_id(), "componentType": "lecture", "teachingLanguage": "eng"}

    with pytest.raises(Exception) as refused:
        ta.add_component(lecture)

    assert [e.pointer for e in refused.value.errors] == ["/0/componentType", "/0/teachingLanguage"]  # type: ignore[attr-defined]
    problem_of(ta.client().get(f"/components/{lecture['componentId']}"), 404)


def test_an_operator_adds_and_replaces_tests_of_their_own_with_the_cli(
    ta: TA, ta_settings: Settings, tmp_path: Path
) -> None:
    """`oke ta catalogue add`: a vendor tries TP and DR with the tests of its own exams (scales, passFrom)."""
    mine = {**DEMO[REKENEN_2F], "componentId": new_id(), "name": [{"language": "nl-NL", "value": "Eigen toets"}]}
    lecture = {**mine, "componentId": new_id(), "componentType": "lecture"}
    (tmp_path / "mine.json").write_text(json.dumps(mine))
    (tmp_path / "two.json").write_text(json.dumps([mine, lecture]))
    database = ["--database-url", ta_settings.database]
    tp = ta.client(ClientRole.tp)

    added = CliRunner().invoke(cli, ["ta", "catalogue", "add", str(tmp_path / "mine.json"), *database])
    refused = CliRunner().invoke(cli, ["ta", "catalogue", "add", str(tmp_path / "two.json"), *database])
    listed = CliRunner().invoke(cli, ["ta", "catalogue", "list", "--json", *database])

    assert (added.exit_code, added.stdout) == (0, f"added {mine['componentId']}\n")
    assert tp.get(f"/components/{mine['componentId']}").json() == mine  # served at once
    assert refused.exit_code == 1 and refused.stdout == ""  # all or none
    assert refused.stderr == f"error: {tmp_path / 'two.json'}, test 2: /componentType: is always test in OKE\n"
    problem_of(tp.get(f"/components/{lecture['componentId']}"), 404)
    assert mine in json.loads(listed.stdout)
    renamed = {**mine, "name": [{"language": "nl-NL", "value": "Eigen toets, herzien"}]}
    (tmp_path / "mine.json").write_text(json.dumps(renamed))
    again = CliRunner().invoke(cli, ["ta", "catalogue", "add", str(tmp_path / "mine.json"), *database])
    assert (again.exit_code, again.stdout) == (0, f"replaced {mine['componentId']}\n")
    assert tp.get(f"/components/{mine['componentId']}").json() == renamed
    twice = {**mine, "componentId": new_id()}
    (tmp_path / "twice.json").write_text(json.dumps([twice, {**twice, "name": renamed["name"]}]))
    both = CliRunner().invoke(cli, ["ta", "catalogue", "add", str(tmp_path / "twice.json"), *database])
    assert (both.exit_code, both.stdout) == (0, f"added {twice['componentId']}\nreplaced {twice['componentId']}\n")
    assert tp.get(f"/components/{twice['componentId']}").json()["name"] == renamed["name"]
