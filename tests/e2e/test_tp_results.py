"""Flow 3 at TP over real HTTP: attendance, partial results, corrections, and the rules around them."""

from __future__ import annotations

from oke.auth.caller import ClientRole
from tests.api_client import TP

ATTENDANCE = {
    "associationType": "componentOfferingAssociation",
    "result": {
        "state": "in progress",
        "resultDate": "2026-12-01",
        "weight": 100,
        "consumers": [{"consumerKey": "nl-test-admin", "attendance": "present"}],
    },
}


def test_attendance_then_score_are_merged(tp: TP) -> None:
    ta = tp.peer(ClientRole.ta, peer="ta-one")
    planned = tp.plan("ta-one", students=1)
    deelname = planned["deelnames"][0]["deelnameId"]

    assert ta.patch(f"/associations/{deelname}", ATTENDANCE).status_code == 200
    score = {
        "associationType": "componentOfferingAssociation",
        "result": {
            "state": "completed",
            "score": "7.5",
            "pass": "passed",
            "consumers": [{"consumerKey": "nl-test-admin", "rawScore": 65, "maxRawScore": 75}],
        },
    }
    assert ta.patch(f"/associations/{deelname}", score).status_code == 200

    result = ta.get(f"/associations/{deelname}").json()["result"]
    assert result["state"] == "completed"
    assert result["score"] == "7.5"
    assert result["consumers"] == [
        {"consumerKey": "nl-test-admin", "attendance": "present", "rawScore": 65, "maxRawScore": 75}
    ]
