"""A failure that lasts is told when it starts, once per `repeat_seconds` while it lasts, and when it ends."""

from __future__ import annotations

from oke.observability.outages import Outage, Say


def test_an_outage_is_told_first_then_once_a_while_then_its_end() -> None:
    now = [0.0]
    outage = Outage(60, clock=lambda: now[0])
    assert outage.worked() is None and outage.lasting == 0.0  # nothing to end
    told = []
    for second in range(0, 150, 2):  # a failure every 2 s for 150 s
        now[0] = float(second)
        told.append((second, outage.failed()))
    assert [(second, said) for second, said in told if said] == [(0, Say.FIRST), (60, Say.AGAIN), (120, Say.AGAIN)]
    assert outage.lasting == 148
    now[0] = 150.0
    assert outage.worked() == 150
    assert outage.worked() is None
    assert outage.failed() is Say.FIRST  # a new outage
