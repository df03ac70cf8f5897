"""JSON merge patch as OKE applies it: RFC 7396 plus two rules, the PDF's and oke's own (docs/standard.md).

- RFC 7396: a patch object is merged key by key, `null` removes a key, anything that is not an object
  (arrays included) replaces the target value whole.
- PDF ch. 4 (PATCH): `null` removes a single value and `[]` removes a list.
- oke's own: every `consumers` array is a map keyed by `consumerKey`; each patch block is merged
  into the stored block with the same key, a new key appends a block (stored order kept), and
  `"consumers": []` removes them all. All other arrays are replaced whole when present and kept when absent.
- `with_removals`: a sender's new state as a patch for a receiver that merges, removing what is gone.
- `joined`: the members of several senders' patches to one receiver, for the next patch of any of them.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oke.ooapi.merge_patch import joined, merge_consumers, merge_patch, with_removals

# --- strategies: bounded JSON-like values -------------------------------------------------------------

#: Field names other than `consumers`; few, so that targets and patches share keys often.
FIELDS = st.sampled_from(["a", "b", "c", "score", "documents", "state"])
CONSUMER_KEYS = st.sampled_from(["nl-test-admin", "x-vendor", "x-other"])
SCALARS = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=3)


def _block(key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "consumerKey": key}


def _with_consumers(fields: dict[str, Any], consumers: list[Any] | None) -> dict[str, Any]:
    return fields if consumers is None else {**fields, "consumers": consumers}


def _objects(children: st.SearchStrategy[Any], *, unique_consumer_keys: bool = False) -> st.SearchStrategy[Any]:
    """Objects whose `consumers` (when present) is a list of blocks, each with a string consumerKey.

    A block without a consumerKey is invalid OOAPI (the key is required) and is rejected after merging,
    so the generated consumer lists always carry one.
    """
    plain = st.dictionaries(FIELDS, children, max_size=3)
    blocks = st.lists(
        st.builds(_block, CONSUMER_KEYS, plain),
        max_size=3,
        unique_by=(lambda block: block["consumerKey"]) if unique_consumer_keys else None,
    )
    return st.builds(_with_consumers, plain, st.none() | blocks)


JSON = st.recursive(SCALARS, lambda children: st.lists(children, max_size=3) | _objects(children), max_leaves=12)
OBJECTS = _objects(JSON)

#: Patches without nulls, empty lists or consumers in any object (arrays, replaced whole, may hold anything).
CLEAN_VALUES = st.recursive(
    st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda children: st.lists(JSON, min_size=1, max_size=3) | st.dictionaries(FIELDS, children, max_size=3),
    max_leaves=10,
)
CLEAN_PATCHES = st.dictionaries(FIELDS, CLEAN_VALUES, max_size=4)


def _keys(blocks: list[dict[str, Any]]) -> list[str]:
    return [block["consumerKey"] for block in blocks]


# --- RFC 7396 -----------------------------------------------------------------------------------------

#: RFC 7396 Appendix A, verbatim. None of these examples uses an empty array, so none needs adapting to
#: OKE's rule that `[]` removes a key; `test_an_empty_list_removes_where_rfc_7396_would_store_it` shows
#: the one place where OKE and the RFC differ.
RFC_7396_APPENDIX_A = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "expected"), RFC_7396_APPENDIX_A)
def test_rfc_7396_appendix_a(target: Any, patch: Any, expected: Any) -> None:
    assert merge_patch(target, patch) == expected


def test_an_empty_list_removes_where_rfc_7396_would_store_it() -> None:
    # RFC 7396 would give {"a": []}; OKE (PDF ch. 4) reads `[]` as "remove the list".
    assert merge_patch({"a": ["b"], "c": 1}, {"a": []}) == {"c": 1}


def test_a_non_object_target_is_replaced_by_the_patch_object() -> None:
    assert merge_patch("x", {}) == {}
    assert merge_patch([1], {"a": None, "b": 2}) == {"b": 2}


@given(OBJECTS)
def test_an_empty_patch_is_the_identity(target: dict[str, Any]) -> None:
    assert merge_patch(target, {}) == target


@given(CLEAN_PATCHES)
def test_a_clean_patch_applied_to_nothing_is_the_patch(patch: dict[str, Any]) -> None:
    assert merge_patch({}, patch) == patch


@given(OBJECTS, OBJECTS)
def test_applying_a_patch_twice_changes_nothing_more(target: dict[str, Any], patch: dict[str, Any]) -> None:
    once = merge_patch(target, patch)
    assert merge_patch(once, patch) == once


@given(OBJECTS, OBJECTS)
def test_keys_absent_from_the_patch_are_kept(target: dict[str, Any], patch: dict[str, Any]) -> None:
    merged = merge_patch(target, patch)
    for key, value in target.items():
        if key not in patch:
            assert merged[key] == value


@given(OBJECTS, st.dictionaries(FIELDS | st.just("consumers"), st.none() | st.builds(list), min_size=1))
def test_null_and_empty_list_remove_the_key(target: dict[str, Any], removals: dict[str, Any]) -> None:
    merged = merge_patch(target, removals)
    assert not set(removals) & set(merged)
    assert merged == {k: v for k, v in target.items() if k not in removals}


@given(OBJECTS, FIELDS, st.lists(JSON, min_size=1, max_size=3))
def test_other_arrays_are_replaced_whole(target: dict[str, Any], key: str, array: list[Any]) -> None:
    assert merge_patch(target, {key: array})[key] == array


@given(OBJECTS, OBJECTS)
def test_inputs_are_never_changed(target: dict[str, Any], patch: dict[str, Any]) -> None:
    target_before, patch_before = copy.deepcopy(target), copy.deepcopy(patch)
    merge_patch(target, patch)
    assert target == target_before
    assert patch == patch_before


def test_null_removes_a_single_value_even_if_the_schema_forbids_null() -> None:
    stored = {"state": "completed", "score": "9", "comment": "ok"}
    assert merge_patch(stored, {"comment": None}) == {"state": "completed", "score": "9"}


def test_nested_objects_merge_key_by_key() -> None:
    stored = {"result": {"state": "in progress", "resultDate": "2022-09-27"}}
    patch = {"result": {"state": "completed", "score": "9"}}
    assert merge_patch(stored, patch) == {"result": {"state": "completed", "resultDate": "2022-09-27", "score": "9"}}


# --- consumers merge by consumerKey (docs/standard.md) --------------------------------------------------


def test_a_later_message_keeps_the_documents_and_assessor_of_an_earlier_one() -> None:
    """The motivating case of 12.1: a flow 3 message that only corrects the score."""
    stored = {
        "score": "8",
        "consumers": [
            {
                "consumerKey": "nl-test-admin",
                "attendance": "present",
                "assessorCode": "JAJE",
                "documents": [{"documentId": "d1", "documentType": "assessmentForm", "documentName": "a.pdf"}],
            }
        ],
    }
    correction = {"score": "9", "consumers": [{"consumerKey": "nl-test-admin", "rawScore": 40}]}
    merged = merge_patch(stored, correction)
    assert merged["score"] == "9"
    assert merged["consumers"] == [{**stored["consumers"][0], "rawScore": 40}]


def test_a_consumer_block_for_another_key_is_kept() -> None:
    other = {"consumerKey": "x-vendor", "colour": "red"}
    stored = {"consumers": [other, {"consumerKey": "nl-test-admin", "a": 1}]}
    merged = merge_patch(stored, {"consumers": [{"consumerKey": "nl-test-admin", "a": 2}]})
    assert merged["consumers"] == [other, {"consumerKey": "nl-test-admin", "a": 2}]


def test_a_new_consumer_key_is_appended() -> None:
    stored = {"consumers": [{"consumerKey": "x-vendor", "colour": "red"}]}
    merged = merge_patch(stored, {"consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}]})
    assert _keys(merged["consumers"]) == ["x-vendor", "nl-test-admin"]


def test_nulls_in_a_new_consumer_block_are_dropped() -> None:
    merged = merge_patch({}, {"consumers": [{"consumerKey": "nl-test-admin", "a": 1, "b": None, "c": []}]})
    assert merged == {"consumers": [{"consumerKey": "nl-test-admin", "a": 1}]}


def test_an_empty_consumers_list_removes_all_blocks() -> None:
    stored = {"state": "completed", "consumers": [{"consumerKey": "nl-test-admin"}, {"consumerKey": "x-vendor"}]}
    assert merge_patch(stored, {"consumers": []}) == {"state": "completed"}


def test_documents_inside_a_consumer_block_are_replaced_whole() -> None:
    stored = {"consumers": [{"consumerKey": "nl-test-admin", "documents": [{"documentId": "1"}, {"documentId": "2"}]}]}
    merged = merge_patch(stored, {"consumers": [{"consumerKey": "nl-test-admin", "documents": [{"documentId": "3"}]}]})
    assert merged["consumers"][0]["documents"] == [{"documentId": "3"}]


def test_consumers_merge_at_every_depth() -> None:
    stored = {"result": {"consumers": [{"consumerKey": "nl-test-admin", "attendance": "present", "final": False}]}}
    merged = merge_patch(stored, {"result": {"consumers": [{"consumerKey": "nl-test-admin", "final": True}]}})
    assert merged["result"]["consumers"] == [{"consumerKey": "nl-test-admin", "attendance": "present", "final": True}]


@given(
    _objects(JSON, unique_consumer_keys=True).filter(lambda t: bool(t.get("consumers"))),
    _objects(JSON, unique_consumer_keys=True).filter(lambda p: bool(p.get("consumers"))),
)
def test_consumers_merge_by_key_in_stored_order(target: dict[str, Any], patch: dict[str, Any]) -> None:
    stored, sent = target["consumers"], patch["consumers"]
    merged = merge_patch(target, patch)["consumers"]
    new_keys = [key for key in _keys(sent) if key not in _keys(stored)]
    assert _keys(merged) == _keys(stored) + new_keys
    by_key = {block["consumerKey"]: block for block in sent}
    for block, before in zip(merged, stored + [{}] * len(new_keys), strict=True):
        key = block["consumerKey"]
        expected = merge_patch(before, by_key[key]) if key in by_key else before
        assert block == expected


@given(st.lists(st.builds(_block, CONSUMER_KEYS, st.dictionaries(FIELDS, JSON, max_size=2)), max_size=3), OBJECTS)
def test_merge_consumers_never_changes_the_stored_list(stored: list[dict[str, Any]], patch: dict[str, Any]) -> None:
    before = copy.deepcopy(stored)
    merge_consumers(stored, patch.get("consumers") or [])
    assert stored == before


def test_merge_consumers_starts_from_nothing_when_nothing_is_stored() -> None:
    block = {"consumerKey": "nl-test-admin", "a": 1}
    assert merge_consumers(None, [block]) == [block]


# --- with_removals: a state as a patch that also removes what an earlier one set --------------------------


def test_what_the_earlier_patch_set_and_the_new_state_lacks_is_removed() -> None:
    before = {"score": "7.5", "pass": "passed", "state": "completed", "consumers": [NL_SCORED]}
    now = {"state": "completed", "consumers": [{"consumerKey": "nl-test-admin", "attendance": "notPresent"}]}
    patch = with_removals(now, before)
    assert patch == {
        "state": "completed",
        "score": None,
        "pass": None,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "notPresent", "rawScore": None, "documents": []}],
    }
    assert merge_patch(merge_patch({}, before), patch) == merge_patch({}, now)


def test_a_removal_is_repeated_and_nothing_is_removed_without_an_earlier_patch() -> None:
    assert with_removals({"b": 1}, {"a": None, "d": []}) == {"b": 1, "a": None, "d": []}
    assert with_removals({"b": 1}, None) == {"b": 1}


def test_nested_objects_lose_members_and_a_vanished_consumer_block_its_fields() -> None:
    before = {"result": {"comment": "x", "consumers": [{"consumerKey": "x-other", "note": "n", "tags": ["t"]}]}}
    assert with_removals({"result": {"consumers": []}}, before)["result"] == {"consumers": [], "comment": None}
    assert with_removals({"result": {"consumers": [{"consumerKey": "nl-test-admin"}]}}, before)["result"] == {
        "comment": None,
        "consumers": [{"consumerKey": "nl-test-admin"}, {"consumerKey": "x-other", "note": None, "tags": []}],
    }
    assert with_removals({}, before) == {"result": None}


NL_SCORED = {"consumerKey": "nl-test-admin", "attendance": "present", "rawScore": 30, "documents": [{"id": "d"}]}
#: States as a sender holds them: no nulls, no empty lists; no nested objects, and always consumer blocks (an
#: object or the consumers removed whole start afresh when they come back).
FLAT = st.integers(-3, 3) | st.text(max_size=3) | st.lists(st.integers(0, 3), min_size=1, max_size=2)
STATES = st.builds(
    _with_consumers,
    st.dictionaries(FIELDS, FLAT, max_size=4),
    st.lists(
        st.builds(_block, CONSUMER_KEYS, st.dictionaries(FIELDS, FLAT, max_size=3)),
        min_size=1,
        max_size=3,
        unique_by=lambda block: block["consumerKey"],
    ),
)


def _as_held(value: dict[str, Any]) -> dict[str, Any]:
    """A merged state compared by content: consumer blocks by key, a block of nothing but its key left out."""
    blocks = {b["consumerKey"]: b for b in value.get("consumers", []) if set(b) != {"consumerKey"}}
    return {k: v for k, v in value.items() if k != "consumers"} | {"consumers": blocks}


@given(st.lists(STATES, min_size=1, max_size=5), st.lists(st.booleans(), min_size=5, max_size=5))
def test_the_newest_patch_after_any_earlier_one_leaves_the_newest_state(
    states: list[dict[str, Any]], received: list[bool]
) -> None:
    """Each patch is made from the one before, and the receiver gets the newest after any of the earlier ones
    (an older one not sent yet is replaced by a newer one): it then holds the newest state, no more."""
    patches: list[dict[str, Any]] = []
    for state in states:
        patches.append(with_removals(state, patches[-1] if patches else None))
    held: dict[str, Any] = {}
    for patch, arrived in zip(patches[:-1], received, strict=False):
        if arrived:
            held = merge_patch(held, patch)
    assert _as_held(merge_patch(held, patches[-1])) == _as_held(merge_patch({}, states[-1]))


# --- joined: what several senders' patches left at one receiver, for the next patch of any of them -----------


def test_joined_has_every_member_of_each_and_prefers_an_object_or_a_list() -> None:
    one = {"score": "7.5", "comment": None, "result": None, "consumers": [{"consumerKey": "nl-test-admin", "a": 1}]}
    other = {"pass": "passed", "result": {"x": 1}, "documents": [], "consumers": [NL_SCORED, {"b": 2}]}
    assert joined(one, None, other) == {
        "score": "7.5",
        "comment": None,
        "result": {"x": 1},
        "pass": "passed",
        "documents": [],
        "consumers": [NL_SCORED | {"a": 1}],
    }
    assert joined(None, None) is None
    assert one == {
        "score": "7.5",
        "comment": None,
        "result": None,
        "consumers": [{"consumerKey": "nl-test-admin", "a": 1}],
    }


@given(st.lists(st.tuples(st.integers(0, 2), STATES), min_size=1, max_size=6), st.lists(st.booleans(), min_size=6))
def test_the_newest_patch_of_any_sender_leaves_the_newest_state(
    sent: list[tuple[int, dict[str, Any]]], received: list[bool]
) -> None:
    """Several senders patch one object, each against what all their last patches carried (`joined`): whichever
    earlier patches the receiver got, the newest leaves its state alone, none of another sender's members."""
    last: dict[int, dict[str, Any]] = {}
    patches = []
    for sender, state in sent:
        last[sender] = with_removals(state, joined(*last.values()))
        patches.append(last[sender])
    held: dict[str, Any] = {}
    for patch, arrived in zip(patches[:-1], received, strict=False):
        if arrived:
            held = merge_patch(held, patch)
    assert _as_held(merge_patch(held, patches[-1])) == _as_held(merge_patch({}, sent[-1][1]))
