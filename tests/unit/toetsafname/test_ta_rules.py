"""The reference TA's checks of flow 2 that no chain test reaches."""

from __future__ import annotations

import pytest

from oke.errors import InvalidContent
from oke.roles.toetsafname import rules


def test_a_second_nl_test_admin_block_is_refused_where_it_stands() -> None:
    cancel = {"consumerKey": "nl-test-admin", "offeringState": "canceled"}
    body = {"offeringType": "component", "consumers": [cancel, {"consumerKey": "x-vendor"}, cancel]}
    with pytest.raises(InvalidContent) as raised:
        rules.check_zitting_cancel(body)
    assert [(e.pointer, e.reason) for e in raised.value.errors] == [
        ("/consumers/2", "a second nl-test-admin block; send one")
    ]
