"""JSON merge patch (RFC 7396) as OKE uses it.

Two rules on top of RFC 7396:
- `null` removes a single value and `[]` removes a list, even where the schema forbids them (PDF ch. 4,
  below Tabel 4.0.B);
- oke's own (docs/standard.md): every `consumers` array is a map keyed by `consumerKey`: each block in
  the patch is merged into the stored block with the same key, a new key adds a block, and
  `"consumers": []` removes all.
All other arrays are replaced whole when present and kept when absent.
"""

from __future__ import annotations

from typing import Any

CONSUMERS = "consumers"


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
    key = block.get("consumerKey") if isinstance(block, dict) else None
    return key if isinstance(key, str) else None
