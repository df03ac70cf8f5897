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
    now[0] = 180.0
    assert outage.failed() is Say.FIRST  # a new outage, a minute after the last line


def test_a_thing_that_fails_and_works_by_turns_is_told_once_a_while() -> None:
    now = [0.0]
    outage = Outage(600, clock=lambda: now[0])
    told = []
    for second in range(0, 1300, 10):  # a peer that answers 429 now and then: a failure, then a delivery
        now[0] = float(second)
        told.append((second, outage.failed(), outage.worked()))
    assert [line for line in told if line[1] or line[2] is not None] == [
        (0, Say.FIRST, 0.0),
        (600, Say.FIRST, 0.0),
        (1200, Say.FIRST, 0.0),
    ]
    now[0] = 1300.0
    assert outage.failed() is None
    now[0] = 1800.0
    assert outage.failed() is Say.FIRST  # it lasts: told once the time since the last line is up
    assert outage.lasting == 500
    assert outage.worked() == 500
