"""`oke plan`: a planner's commands on TP's database do what the planning API does (flow 2 through the outbox)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from oke.cli import app as oke
from oke.ooapi.common import in_dutch
from oke.roles.toetsafname.rules import check_zitting
from oke.store.tables.messages import ReceivedMessage
from oke.store.tables.outbox import OutboxMessage
from oke.store.tables.toetsplanning import Deelname, Zitting
from tests.api_client import TP, dr_enrols, dr_sends_toets, new_id, ta_lists_test, zitting_offering

START = "2026-12-01T09:00:00+01:00"
END = "2026-12-01T10:00:00+01:00"


def dr_sends_a_toets_with_students(tp: TP, students: int) -> tuple[str, list[str]]:
    """Flow 1: a planbare toets (attempt 1, one extra allowed) and its Toetsinschrijvingen; their ids."""
    toets = dr_sends_toets(tp)
    return toets, [dr_enrols(tp, toets).enrolment for _ in range(students)]


def oke_plan(tp: TP, database_url: str, *args: str, exit_code: int = 0) -> str:
    ran = CliRunner().invoke(oke, ["plan", *args, "--school", tp.tenant, "--database-url", database_url])
    assert ran.exit_code == exit_code, ran.output
    return ran.output


def ids(output: str, kind: str) -> list[str]:
    return re.findall(rf"{kind} ([0-9a-f-]{{36}})", output)


def test_a_planner_plans_moves_retakes_and_cancels_from_the_command_line(tp: TP, tp_database_url: str) -> None:
    toets, enrolments = dr_sends_a_toets_with_students(tp, 2)
    ta = tp.configure_ta("ta-cli")
    times = ["--start", START, "--end", END, "--duration", "PT40M", "--safety", "surveillance"]
    output = oke_plan(tp, tp_database_url, "zitting", "--ta", ta, "--toets", toets, *times, "--all-enrolments")
    [zitting] = ids(output, "zitting")
    deelnames = ids(output, "deelname")
    assert len(deelnames) == 2 and output.count("attempt 1") == 2
    with tp.session_factory() as session:
        row = session.get(Zitting, zitting)
        assert row is not None and row.planbare_toets_id == toets
        assert row.data["component"] == zitting_offering()["component"]  # the test of DR's planbare toets
        assert row.data["consumers"][0]["safety"] == ["surveillance"]
    again = oke_plan(tp, tp_database_url, "zitting", "--ta", ta, "--toets", toets, *times, "--all-enrolments")
    assert ids(again, "deelname") == []  # every enrolment is planned already

    retake_zitting = ids(again, "zitting")[0]
    retake = oke_plan(tp, tp_database_url, "add", retake_zitting, "--enrolment", enrolments[0], "--extra-attempt")
    assert "attempt 2" in retake
    refused = oke_plan(
        tp, tp_database_url, "add", retake_zitting, "--enrolment", enrolments[0], "--extra-attempt", exit_code=1
    )
    assert "attemptLeft 1" in refused

    with tp.session_factory() as session:  # the other student's: a person takes part in a session once
        query = select(Deelname.deelname_id).where(
            Deelname.zitting_id == zitting, Deelname.toetsinschrijving_id == enrolments[1]
        )
        other = session.scalars(query).one()
    moved = oke_plan(tp, tp_database_url, "move", other, retake_zitting)
    [new] = ids(moved, "deelname")
    assert "attempt 1" in moved
    oke_plan(tp, tp_database_url, "cancel", new)
    oke_plan(tp, tp_database_url, "cancel-zitting", zitting)
    with tp.session_factory() as session:
        states = {d: session.get(Deelname, d).state for d in [*deelnames, new]}  # type: ignore[union-attr]
    assert set(states.values()) == {"canceled"}
    with tp.session_factory() as session:
        query = select(OutboxMessage.method).where(OutboxMessage.key == zitting).order_by(OutboxMessage.id)
        assert list(session.scalars(query))[-1] == "PATCH"  # the session's cancellation, after its PUTs
        audit = (
            select(ReceivedMessage)
            .where(ReceivedMessage.tenant == tp.tenant, ReceivedMessage.flow == "operator")
            .order_by(ReceivedMessage.id)  # PostgreSQL returns rows in no set order without it
        )
        commands = [(m.client_id.startswith("cli:"), m.path.split()[1:3]) for m in session.scalars(audit)]
    assert [command for _, command in commands] == [  # every change recorded as its operator's (`oke audit`)
        ["plan", "zitting"],
        ["plan", "zitting"],
        ["plan", "add"],
        ["plan", "move"],
        ["plan", "cancel"],
        ["plan", "cancel-zitting"],
    ]
    assert all(by_cli for by_cli, _ in commands)


def test_errors_are_printed_plainly(tp: TP, tp_database_url: str) -> None:
    toets, _ = dr_sends_a_toets_with_students(tp, 1)
    times = ["--start", START, "--end", END]
    unknown_ta = oke_plan(tp, tp_database_url, "zitting", "--ta", "nowhere", "--toets", toets, *times, exit_code=1)
    assert unknown_ta.startswith("error: --ta: no TA 'nowhere'")  # the option, not /taPeer
    assert "no participation" in oke_plan(tp, tp_database_url, "cancel", new_id(), exit_code=1)
    deelname = tp.plan("ta-down", students=1)["deelnames"][0]["deelnameId"]
    assert "error:" in oke_plan(tp, tp_database_url, "link", deelname, exit_code=1)  # TA cannot be reached


def zitting_sent(tp: TP, zitting: str) -> Any:
    """The Zitting TP's outbox sends to TA (flow 2.1)."""
    with tp.session_factory() as session:
        query = select(OutboxMessage.body).where(OutboxMessage.key == zitting, OutboxMessage.method == "PUT")
        return session.scalars(query.order_by(OutboxMessage.id)).first()


@pytest.mark.parametrize(("options", "modes"), [([], ["situated"]), (["--mode", "online"], ["online"])])
def test_a_session_goes_to_ta_in_a_mode_of_delivery_oke_uses(
    tp: TP, tp_database_url: str, options: list[str], modes: list[str]
) -> None:
    planned = ["--ta", tp.configure_ta("ta-mode"), "--toets", dr_sends_toets(tp), "--start", START, "--end", END]
    [zitting] = ids(oke_plan(tp, tp_database_url, "zitting", *planned, *options), "zitting")
    sent = zitting_sent(tp, zitting)
    assert sent["modeOfDelivery"] == modes
    check_zitting(sent, zitting)  # the reference TA takes it (`on campus` it refuses with 400)


def test_a_mode_of_delivery_oke_does_not_use_is_refused_with_the_choices(tp: TP, tp_database_url: str) -> None:
    times = ["--start", START, "--end", END, "--component", new_id()]
    refused = oke_plan(tp, tp_database_url, "zitting", "--ta", "ta-x", *times, "--mode", "on campus", exit_code=2)
    assert "distance-learning" in refused and "situated" in refused


def test_an_enrolment_of_another_planbare_toets_is_refused_plainly(tp: TP, tp_database_url: str) -> None:
    toets, [enrolment] = dr_sends_a_toets_with_students(tp, 1)
    other = dr_sends_toets(tp, name=in_dutch("Kennistoets mechatronica"), component=new_id())
    ta = tp.configure_ta("ta-cli")
    session = ["--ta", ta, "--toets", other, "--start", START, "--end", END]
    planned = oke_plan(tp, tp_database_url, "zitting", *session, "--enrolment", enrolment, exit_code=1)
    [zitting] = ids(oke_plan(tp, tp_database_url, "zitting", *session), "zitting")
    added = oke_plan(tp, tp_database_url, "add", zitting, "--enrolment", enrolment, "--extra-attempt", exit_code=1)
    for refused in (planned, added):
        assert refused.startswith("error: ") and refused.count("\n") == 1, refused
        assert enrolment in refused and toets in refused and other in refused and "mechatronica" in refused


def test_assigned_needs_tp_cannot_translate_are_a_warning_line(tp: TP, tp_database_url: str) -> None:
    """The student's "Voorlezen" is `spoken` at TA; a code without a flow 2 equivalent is a warning on stderr."""
    sent = dr_enrols(tp, needs=("Voorlezen", "Koptelefoon"))
    session = ["--ta", tp.configure_ta("ta-cli"), "--toets", sent.toets, "--start", START, "--end", END]
    school = ["--school", tp.tenant, "--database-url", tp_database_url]
    ran = CliRunner().invoke(oke, ["plan", "zitting", *session, "--enrolment", sent.enrolment, *school])
    assert ran.exit_code == 0, ran.output
    [deelname] = ids(ran.stdout, "deelname")
    assert ran.stderr == (
        f"warning: student {sent.student}: assigned need 'Koptelefoon' has no flow 2 equivalent: not sent to TA\n"
    )
    with tp.session_factory() as db:
        row = db.get(Deelname, deelname)
        assert row is not None and row.data["consumers"][0]["personalNeeds"] == ["spoken"]
    assert [m.notes for m in tp.history(deelname)] == [[ran.stderr.removeprefix("warning: ").strip()]]


def test_a_change_that_cuts_a_students_extra_time_is_a_warning_line(tp: TP, tp_database_url: str) -> None:
    """TA's catalogue allows 15 minutes of extra time: 25% of a session made 80 minutes long is cut to them."""
    sent = dr_enrols(tp, needs=("ExtraTime25%",))
    ta = tp.configure_ta("ta-cli")
    ta_lists_test(tp, ta, additionalTestingTime=15)
    session = ["--ta", ta, "--toets", sent.toets, "--start", START, "--end", END, "--duration", "PT40M"]
    [zitting] = ids(oke_plan(tp, tp_database_url, "zitting", *session, "--enrolment", sent.enrolment), "zitting")
    school = ["--school", tp.tenant, "--database-url", tp_database_url]
    ran = CliRunner().invoke(oke, ["plan", "change", zitting, "--duration", "PT80M", *school])
    assert ran.exit_code == 0, ran.output
    assert "sent again" in ran.stdout
    assert ran.stderr == (
        f"warning: student {sent.student}: assigned need 'ExtraTime25%' gives 20 minutes of extra time, more than the "
        "session's test allows (TA's catalogue: additionalTestingTime 15): TA gets 15 minutes\n"
    )


def test_a_planner_changes_lists_and_shows_sessions_from_the_command_line(tp: TP, tp_database_url: str) -> None:
    toets, _ = dr_sends_a_toets_with_students(tp, 1)
    ta = tp.configure_ta("ta-cli")
    times = ["--start", START, "--end", END, "--duration", "PT40M"]
    [zitting] = ids(
        oke_plan(tp, tp_database_url, "zitting", "--ta", ta, "--toets", toets, *times, "--all-enrolments"), "zitting"
    )

    changed = oke_plan(
        tp, tp_database_url, "change", zitting, "--location", "B1.12", "--end", "2026-12-01T10:30:00+01:00"
    )
    assert f"zitting {zitting} changed: queued for TA (oke outbox list shows its delivery)" in changed
    again = oke_plan(tp, tp_database_url, "change", zitting, "--location", "B1.12", "--json")
    assert json.loads(again) == {"zittingId": zitting, "changed": False, "deelnamesSent": [], "warnings": []}
    with tp.session_factory() as session:
        row = session.get(Zitting, zitting)
        assert row is not None and row.data["consumers"][0]["locationCode"] == "B1.12"
        assert row.data["endDateTime"] == "2026-12-01T10:30:00+01:00"

    listed = json.loads(oke_plan(tp, tp_database_url, "list", "--from", "2026-12-01T00:00:00+01:00", "--json"))
    assert [z["zittingId"] for z in listed["items"]] == [zitting] and listed["next"] is None
    assert "ochtend" in oke_plan(
        tp, tp_database_url, "list", "--ta", ta
    )  # the name, in a table as wide as the terminal
    shown = json.loads(oke_plan(tp, tp_database_url, "show", zitting, "--json"))
    assert [d["state"] for d in shown["deelnames"]] == ["associated"]
    shown_text = oke_plan(tp, tp_database_url, "show", zitting)
    assert "B1.12" in shown_text
    assert f"start {START}, end 2026-12-01T10:30:00+01:00" in shown_text and "None" not in shown_text  # was start None
    oke_plan(tp, tp_database_url, "list", "--from", "2026-12-01T00:00:00", exit_code=2)  # no UTC offset
    oke_plan(tp, tp_database_url, "cancel-zitting", zitting)
    assert "cancelled" in oke_plan(tp, tp_database_url, "change", zitting, "--location", "C2", exit_code=1)
    canceled = json.loads(oke_plan(tp, tp_database_url, "list", "--state", "canceled", "--json"))
    assert zitting in [z["zittingId"] for z in canceled["items"]]
    unknown = oke_plan(tp, tp_database_url, "list", "--state", "gone", exit_code=2)
    assert "'gone' is not one of 'active', 'canceled'" in " ".join(unknown.replace("│", " ").split())  # unboxed


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ([], "--code (or --toets): is required"),  # was `/offering/primaryCode: is required`
        (["--code", "REK-1", "--name", "Rekenen", "--end", "2026-12-01T08:00:00+01:00"], "--end: must be after"),
        (["--code", "REK-1", "--name", "Rekenen", "--duration", "P1W"], "--duration: 'P1W' counts"),
        (["--code", "REK-1", "--name", "Rekenen", "--last-start", "2026-12-01T11:00:00+01:00"], "--last-start: must"),
        (["--code", "REK-1", "--name", "Rekenen", "--group", "klas-1"], "--dr: is required with groupId"),  # the API's
    ],
)
def test_a_refused_option_is_named_as_the_planner_gave_it(
    tp: TP, tp_database_url: str, options: list[str], named: str
) -> None:
    """A refused field of the request the command builds is named by its option, not by its JSON pointer."""
    session = ["--ta", tp.configure_ta("ta-cli"), "--component", new_id(), "--start", START, "--end", END]
    refused = oke_plan(tp, tp_database_url, "zitting", *session, *options, exit_code=1)
    assert refused.startswith(f"error: {named}") and "/offering" not in refused, refused


def test_a_test_the_planbare_toets_does_not_name_is_refused(tp: TP, tp_database_url: str) -> None:
    """`--component` with `--toets` chooses among the toets's tests; another test would reach DR as its result."""
    toets, [enrolment] = dr_sends_a_toets_with_students(tp, 1)
    other = new_id()
    session = ["--ta", tp.configure_ta("ta-cli"), "--toets", toets, "--start", START, "--end", END]
    refused = oke_plan(
        tp, tp_database_url, "zitting", *session, "--component", other, "--enrolment", enrolment, exit_code=1
    )
    assert refused.startswith(f"error: --component: test {other} is not the toets's"), refused
    assert zitting_offering()["component"] in refused and toets in refused


def test_a_planner_finds_the_toetsen_and_enrolments_to_plan_from_the_command_line(tp: TP, tp_database_url: str) -> None:
    """DR's ids are what a session is planned with; the planner reads them at TP (`GET /planning/toetsen`)."""
    toets, enrolments = dr_sends_a_toets_with_students(tp, 2)
    listed = json.loads(oke_plan(tp, tp_database_url, "toetsen", "--json"))
    assert [(t["planbareToetsId"], t["enrolments"]) for t in listed["items"]] == [(toets, 2)]
    assert toets in oke_plan(tp, tp_database_url, "toetsen")

    ta = tp.configure_ta("ta-cli")
    times = ["--start", START, "--end", END]
    oke_plan(tp, tp_database_url, "zitting", "--ta", ta, "--toets", toets, *times, "--enrolment", enrolments[0])
    first = json.loads(oke_plan(tp, tp_database_url, "enrolments", toets, "--limit", "1", "--json"))
    assert len(first["items"]) == 1 and first["next"] is not None
    page = json.loads(oke_plan(tp, tp_database_url, "enrolments", toets, "--json"))
    planned = {e["toetsinschrijvingId"]: e["planned"] for e in page["items"]}
    assert planned == {enrolments[0]: True, enrolments[1]: False}
    table = oke_plan(tp, tp_database_url, "enrolments", toets)
    assert all(enrolment in table for enrolment in enrolments) and table.count(" yes ") == 1
    assert "error: TP has no planbare toets nope" in oke_plan(tp, tp_database_url, "enrolments", "nope", exit_code=1)
