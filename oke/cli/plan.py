"""`oke plan`: a planner's work at TP from the command line, the same services as the planning API.

Each command changes TP's database in one transaction, flow 2 to TA included (TP's outbox sends it once
`oke serve tp` runs). Ids are printed so that the next command can name them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, TypeVar

import typer

from oke.cli import plan_reads
from oke.cli._options import DatabaseUrl, peer_clients
from oke.cli._plan import Json, School, tp_database
from oke.cli.audit import by_operator
from oke.ooapi.enums import OkeModeOfDelivery, Safety, StartOptions
from oke.roles.toetsplanning.access_links import access_link
from oke.roles.toetsplanning.api.zittingen import ZittingChangedOut
from oke.roles.toetsplanning.flow2 import SessionFields
from oke.roles.toetsplanning.groups import group_members
from oke.roles.toetsplanning.services import planning, reads, zitting_change
from oke.roles.toetsplanning.services.planning import Participant, PlannedDeelname
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.database import Database

T = TypeVar("T")

app = typer.Typer(help="Planning at TP: sessions (Zittingen) and their participants (Deelnames).", no_args_is_help=True)

Enrolments = Annotated[
    list[str] | None, typer.Option("--enrolment", help="A Toetsinschrijving DR sent (flow 1); repeatable.")
]
Staff = Annotated[
    list[str] | None,
    typer.Option("--staff", help="PERSON_ID=ROLE (coordinator, invigilator, assessor, guest) of a person DR sent."),
]
#: The options of a session that `zitting` plans and `change` changes.
Name = Annotated[str | None, typer.Option(help="The session's name (Dutch).")]
Code = Annotated[str | None, typer.Option(help="The session's offeringCode.")]
Duration = Annotated[str | None, typer.Option(help="ISO 8601 duration of the test, e.g. PT40M.")]
LastStart = Annotated[str | None, typer.Option(help="lastPossibleStartDateTime, like --start.")]
StartOption = Annotated[StartOptions | None, typer.Option(help="How students start.")]
Location = Annotated[str | None, typer.Option(help="locationCode of the room.")]


#: The fields of the planning request `oke plan zitting` builds from its options: an error names the option.
ZITTING_OPTIONS = {
    "/taPeer": "--ta",
    "/planbareToetsId": "--toets",
    "/drPeer": "--dr",
    "/groupId": "--group",
    "/offering/startDateTime": "--start",
    "/offering/endDateTime": "--end",
    "/offering/component": "--component",
    "/offering/name": "--name (or --toets)",
    "/offering/primaryCode": "--code (or --toets)",
    "/offering/modeOfDelivery": "--mode",
    "/offering/consumers/0/duration": "--duration",
    "/offering/consumers/0/lastPossibleStartDateTime": "--last-start",
    "/offering/consumers/0/startOptions": "--start-option",
    "/offering/consumers/0/safety": "--safety",
    "/offering/consumers/0/locationCode": "--location",
}


def _participants(enrolments: list[str] | None, staff: list[str] | None, *, extra: bool = False) -> list[Participant]:
    students = [Participant(toetsinschrijving_id=e, extra_attempt=extra) for e in enrolments or []]
    members = []
    for item in staff or []:
        person_id, _, role = item.partition("=")
        if not role:
            raise typer.BadParameter(f"{item!r}: give PERSON_ID=ROLE", param_hint="--staff")
        members.append(Participant(person_id=person_id, role=role))
    return students + members


def _members(database: Database, school: str, dr_peer: str | None, group_id: str | None) -> list[Participant]:
    """The current members of DR's group, read over HTTP: ad-hoc participants (flow 1b)."""
    if group_id is None:
        return []
    with peer_clients(database) as directory:
        uow = ToetsplanningUnitOfWork(database.read_sessions)
        return group_members(uow, directory, tenant=school, dr_peer=dr_peer, group_id=group_id)


def _as_operator(
    database: Database,
    service: Callable[[ToetsplanningUnitOfWork], T],
    school: str,
    command: str,
    target: tuple[str, str],
    **options: Any,
) -> T:
    """Run a planning change as the planning API would, audited as this operator's command (`oke audit`)."""
    object_type, object_id = target
    audited = by_operator(
        service, tenant=school, command=command, object_type=object_type, object_id=object_id, **options
    )
    return audited(ToetsplanningUnitOfWork(database.sessions))


def _show(deelnames: list[PlannedDeelname]) -> None:
    for d in deelnames:
        attempt = f" attempt {d.attempt}" if d.attempt is not None else ""
        typer.echo(f"  deelname {d.deelname_id}  {d.role} {d.person_id}{attempt}")
        for warning in d.warnings:
            typer.echo(f"warning: {warning}", err=True)


@app.command("zitting")
def zitting(
    school: School,
    ta: Annotated[str, typer.Option(help="The TA peer to hold the session (`oke peers list`).")],
    start: Annotated[str, typer.Option(help="startDateTime, e.g. 2026-12-01T09:00:00+01:00.")],
    end: Annotated[str, typer.Option(help="endDateTime, with its UTC offset like --start.")],
    toets: Annotated[
        str | None, typer.Option(help="DR's planbare toets: the test, name and code come from it.")
    ] = None,
    component: Annotated[
        str | None,
        typer.Option(
            help="TA's test id (componentId, in TA's catalogue). With --toets, one of the tests the toets names "
            "(its component or testsToBeUsed; required when it names several); without --toets, required."
        ),
    ] = None,
    name: Name = None,
    code: Code = None,
    duration: Duration = None,
    last_start: LastStart = None,
    start_option: StartOption = None,
    safety: Annotated[list[Safety] | None, typer.Option(help="Safety measures; repeatable.")] = None,
    location: Location = None,
    mode: Annotated[
        OkeModeOfDelivery,
        typer.Option(help="modeOfDelivery: situated (offline at a fixed place), online (at one), distance-learning."),
    ] = OkeModeOfDelivery.situated,
    enrolment: Enrolments = None,
    all_enrolments: Annotated[
        bool, typer.Option(help="Every open Toetsinschrijving of --toets not yet planned.")
    ] = False,
    staff: Staff = None,
    group: Annotated[
        str | None, typer.Option(help="A group of --dr whose current members take part ad hoc (flow 1b).")
    ] = None,
    dr: Annotated[str | None, typer.Option(help="The DR peer holding --group (`oke peers list`).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Plan a session at a TA, with DR's enrolments, a group's members and staff as participants (flow 2 follows
    by itself)."""
    fields = SessionFields(
        start, end, name, code, mode, duration, last_start, start_option, tuple(safety or ()), location
    )
    offering = fields.offering()
    if component:
        offering["component"] = component
    if all_enrolments and toets is None:
        raise typer.BadParameter("needs --toets", param_hint="--all-enrolments")
    with tp_database(database_url, ZITTING_OPTIONS) as database:
        enrolments = list(enrolment or [])
        if all_enrolments and toets is not None:
            uow = ToetsplanningUnitOfWork(database.sessions)
            enrolments += planning.open_enrolments(uow, tenant=school, planbare_toets_id=toets)
        members = _members(database, school, dr, group)
        zitting_id = str(uuid.uuid4())
        service = partial(
            planning.plan_zitting,
            tenant=school,
            ta_peer=ta,
            offering=offering,
            participants=_participants(sorted(set(enrolments)), staff) + members,
            planbare_toets_id=toets,
            zitting_id=zitting_id,
        )
        planned = _as_operator(
            database, service, school, "plan zitting", ("zitting", zitting_id), ta=ta, toets=toets, offering=offering
        )
    typer.echo(f"zitting {planned.zitting_id} at {ta}")
    _show(planned.deelnames)


@app.command("add")
def add(
    zitting_id: Annotated[str, typer.Argument(metavar="ZITTING")],
    school: School,
    enrolment: Enrolments = None,
    extra_attempt: Annotated[
        bool, typer.Option(help="Plan the next attempt of each enrolment, within DR's attemptLeft.")
    ] = False,
    staff: Staff = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Assign more students (or their extra attempt) and staff to a planned session."""
    with tp_database(database_url) as database:
        participants = _participants(enrolment, staff, extra=extra_attempt)
        service = partial(planning.add_deelnames, tenant=school, zitting_id=zitting_id, participants=participants)
        options = {"enrolment": enrolment, "extraAttempt": extra_attempt, "staff": staff}
        planned = _as_operator(database, service, school, f"plan add {zitting_id}", ("zitting", zitting_id), **options)
    _show(planned)


@app.command("move")
def move(
    deelname_id: Annotated[str, typer.Argument(metavar="DEELNAME")],
    zitting_id: Annotated[str, typer.Argument(metavar="ZITTING", help="The session to move to.")],
    school: School,
    database_url: DatabaseUrl = None,
) -> None:
    """Move a participant to another session: the same attempt there, the old participation cancelled."""
    with tp_database(database_url) as database:
        service = partial(planning.move_deelname, tenant=school, deelname_id=deelname_id, zitting_id=zitting_id)
        command = f"plan move {deelname_id} {zitting_id}"
        moved = _as_operator(database, service, school, command, ("deelname", deelname_id))
    _show([moved])


@app.command("cancel")
def cancel(
    deelname_id: Annotated[str, typer.Argument(metavar="DEELNAME")],
    school: School,
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel one participation (TA removes it; results that still come are accepted)."""
    with tp_database(database_url) as database:
        service = partial(planning.cancel_deelname, tenant=school, deelname_id=deelname_id)
        _as_operator(database, service, school, f"plan cancel {deelname_id}", ("deelname", deelname_id))
    typer.echo(f"deelname {deelname_id} cancelled")


@app.command("cancel-zitting")
def cancel_zitting(
    zitting_id: Annotated[str, typer.Argument(metavar="ZITTING")],
    school: School,
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a session and all its participations."""
    with tp_database(database_url) as database:
        service = partial(planning.cancel_zitting, tenant=school, zitting_id=zitting_id)
        _as_operator(database, service, school, f"plan cancel-zitting {zitting_id}", ("zitting", zitting_id))
    typer.echo(f"zitting {zitting_id} cancelled")


@app.command("link")
def link(
    deelname_id: Annotated[str, typer.Argument(metavar="DEELNAME")],
    school: School,
    database_url: DatabaseUrl = None,
) -> None:
    """Print a participant's access link, as TA gives it now (2.7)."""
    with tp_database(database_url) as database, peer_clients(database) as directory:
        ta_peer = reads.ta_of_deelname(ToetsplanningUnitOfWork(database.read_sessions), school, deelname_id)
        typer.echo(access_link(directory, ta_peer, deelname_id))


@app.command("change")
def change(
    zitting_id: Annotated[str, typer.Argument(metavar="ZITTING")],
    school: School,
    start: Annotated[str | None, typer.Option(help="startDateTime, e.g. 2026-12-01T09:00:00+01:00.")] = None,
    end: Annotated[str | None, typer.Option(help="endDateTime, with its UTC offset like --start.")] = None,
    last_start: LastStart = None,
    duration: Duration = None,
    location: Location = None,
    start_option: StartOption = None,
    safety: Annotated[list[Safety] | None, typer.Option(help="Safety measures (all of them); repeatable.")] = None,
    name: Name = None,
    code: Code = None,
    mode: Annotated[OkeModeOfDelivery | None, typer.Option(help="modeOfDelivery, as at `oke plan zitting`.")] = None,
    database_url: DatabaseUrl = None,
    as_json: Json = False,
) -> None:
    """Change a planned session (PDF 3.2.2): TA gets the whole changed session, and the participations whose extra
    time changes with it; a change that changes nothing sends nothing."""
    fields = SessionFields(
        start, end, name, code, mode, duration, last_start, start_option, tuple(safety or ()), location
    )
    patch = fields.patch()
    if not patch:
        raise typer.BadParameter("give at least one of the session's fields to change", param_hint="--start ...")
    with tp_database(database_url) as database:
        service = partial(zitting_change.change_zitting, tenant=school, zitting_id=zitting_id, patch=patch)
        target = ("zitting", zitting_id)
        changed = _as_operator(database, service, school, f"plan change {zitting_id}", target, patch=patch)
    if as_json:
        typer.echo(ZittingChangedOut.of(changed).model_dump_json())
        return
    outcome = "changed: queued for TA (oke outbox list shows its delivery)" if changed.changed else "unchanged"
    typer.echo(f"zitting {zitting_id} {outcome}")
    for deelname_id in changed.deelnames:
        typer.echo(f"  deelname {deelname_id}  sent again (extra time or needs changed)")
    for warning in changed.warnings:
        typer.echo(f"warning: {warning}", err=True)


app.add_typer(plan_reads.app)  # list, show, toetsen, enrolments: after the changes, in `oke plan --help` too
