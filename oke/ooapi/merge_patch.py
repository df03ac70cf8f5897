"""JSON merge patch (RFC 7396) as OKE uses it.

Two rules on top of RFC 7396:
- `null` removes a single value and `[]` removes a list, even where the schema forbids them (PDF ch. 4,
  below Tabel 4.0.B);
- oke's own (docs/standard.md): every `consumers` array is a map keyed by `consumerKey`: each block in
  the patch is merged into the stored block with the same key, a new key adds a block, and
  `"consumers": []` removes all.
All other arrays are replaced whole when present and kept when absent.

`with_removals` makes the patch for a receiver that merges: a sender's new state, plus what it must remove;
`joined` the earlier patch to make it against when several senders patch one object.
"""

from __future__ import annotations

from typing import Any

CONSUMERS = "consumers"
CONSUMER_KEY = "consumerKey"


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply `patch` to `target` and return the result; neither argument is changed."""
    if not isinstance(patch, dict):
        return patch
    merged: dict[str, Any] = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None or value == []:
            merged.pop(key, None)
        elif key == CONSUMERS and isinstance(value, list):
            merged[key] = merge_consumers(merged.get(key), value)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def merge_consumers(current: Any, patch: list[Any]) -> list[Any]:
    """Merge consumer blocks by `consumerKey`, keeping the stored order and appending new keys."""
    blocks: list[Any] = list(current) if isinstance(current, list) else []
    index = {_key(block): i for i, block in enumerate(blocks) if _key(block) is not None}
    for block in patch:
        key = _key(block)
        if key is not None and key in index:
            blocks[index[key]] = merge_patch(blocks[index[key]], block)
        else:
            if key is not None:
                index[key] = len(blocks)
            blocks.append(merge_patch({}, block) if isinstance(block, dict) else block)
    return blocks


def _key(block: Any) -> str | None:
    key = block.get(CONSUMER_KEY) if isinstance(block, dict) else None
    return key if isinstance(key, str) else None


def with_removals(patch: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """`patch` with a removal of every member `before` has and `patch` lacks: `[]` for a list, `null` for
    anything else; member by member in objects both have, and block by block (by `consumerKey`) in `consumers`.

    `before`'s own `null` and `[]` members count as members, so a removal made once is repeated in every later
    patch made this way: the receiver may have missed the patch that made it. An object (or `consumers`) removed
    whole starts afresh when it comes back: its members are not known any more. Neither argument is changed.
    """
    if not isinstance(before, dict):
        return patch
    out = dict(patch)
    for key, old in before.items():
        new = patch.get(key)
        if key not in patch:
            out[key] = [] if isinstance(old, list) else None
        elif key == CONSUMERS and isinstance(old, list) and isinstance(new, list) and new:  # [] removes them all
            out[key] = _consumers_with_removals(new, old)
        elif isinstance(old, dict) and isinstance(new, dict):
            out[key] = with_removals(new, old)
    return out


def _consumers_with_removals(blocks: list[Any], before: list[Any]) -> list[Any]:
    """Each block with the removals of its key's block in `before`; a key `blocks` lacks gets a block of nulls
    (`"consumers": []` would remove every block)."""
    earlier = {key: block for block in before if (key := _key(block)) is not None}
    out = [with_removals(block, earlier.get(key)) if (key := _key(block)) is not None else block for block in blocks]
    sent = {_key(block) for block in blocks}
    return out + [with_removals({CONSUMER_KEY: key}, block) for key, block in earlier.items() if key not in sent]


def joined(*patches: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every member of `patches` in one, as `with_removals`'s `before` where several senders patch one object:
    a member any of them set or removed is removed by the next patch that lacks it, whoever sent it.

    Only the members count, not their values: an object wins over anything else and a list over a single value
    (the removal is then `[]`), and objects are joined member by member, `consumers` block by block. None of the
    arguments is changed; None when none is an object.
    """
    found = [patch for patch in patches if isinstance(patch, dict)]
    if not found:
        return None
    out: dict[str, Any] = {}
    for patch in found:
        out = _join(out, patch)
    return out


def _join(first: Any, second: Any) -> Any:
    if isinstance(first, dict) and isinstance(second, dict):
        out = dict(first)
        for key, value in second.items():
            if key not in out:
                out[key] = value
            elif key == CONSUMERS and isinstance(out[key], list) and isinstance(value, list):
                out[key] = _join_consumers(out[key], value)
            else:
                out[key] = _join(out[key], value)
        return out
    if isinstance(first, dict) or (isinstance(first, list) and not isinstance(second, dict)):
        return first
    return second


def _join_consumers(first: list[Any], second: list[Any]) -> list[Any]:
    """The blocks of both, joined by `consumerKey` (a block without one removes nothing: it is left out)."""
    blocks: dict[str, Any] = {}
    for block in first + second:
        if (key := _key(block)) is not None:
            blocks[key] = _join(blocks[key], block) if key in blocks else block
    return list(blocks.values())
