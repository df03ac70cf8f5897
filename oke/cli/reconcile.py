"""`oke reconcile SESSION`: TP reads TA's state of a session (flows 3.4, 4.2) and takes over what it missed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

import anyio
import typer

from oke.cli._options import (
    DatabaseUrl,
    migrated_database,
    moment_option,
    peer_clients,
    school_option,
    settings_for,
)
from oke.cli.audit import by_operator
from oke.client.peers import PeerDirectory
from oke.config import Role
from oke.roles.toetsplanning.reconcile import Reconciliation, Unread, keep_who_asked, reconcile, reconcile_held
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.transactions import Transactions


def reconcile_command(
    session: Annotated[
        str | None, typer.Argument(help="TP's zittingId (the offeringId TA knows the session by).", show_default=False)
    ] = None,
    school: Annotated[
        str | None, school_option("With --from instead of SESSION: every active session of this school.")
    ] = None,
    start_from: Annotated[
        str | None,
        typer.Option(
            "--from", help="With --school: the sessions starting at or after, e.g. 2026-12-01T00:00:00+01:00."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="With --school: only those starting before, like --from.")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Read TA's results and session report of SESSION and apply what TP misses, as flows 3 and 4 would; with
    --school and --from, of every active session of the school starting since (after a restore, say)."""
    if (session is None) == (school is None) or (school is None) != (start_from is None) or (until and not school):
        raise typer.BadParameter("give SESSION, or --school with --from", param_hint="SESSION")
    since, before = moment_option(start_from, "--from"), moment_option(until, "--until")
    settings = settings_for(Role.toetsplanning, database_url=database_url)
    # an unknown session, or TA not reachable: nothing was changed
    with migrated_database(settings, failing=f"reconcile {session or school}") as database:
        tx = database.transactions(ToetsplanningUnitOfWork)  # writes as a running TP makes them
        with peer_clients(database) as directory:
            if session is not None:
                record = _recorder(tx, f"reconcile {session}")
                failed = anyio.run(lambda: _shown_each(_one(directory, tx, session), record, None))
            elif school is not None and since is not None:
                held = reconcile_held(directory, tx, school, since, before)
                command = f"reconcile --school {school} --from {start_from}"
                record = _recorder(tx, command, school=school, until=until, **{"from": start_from})
                what = f"sessions of {school} starting from {start_from}"
                failed = anyio.run(lambda: _shown_each(held, record, what))
    if failed:
        raise typer.Exit(1)


async def _one(
    directory: PeerDirectory, tx: Transactions[ToetsplanningUnitOfWork], session: str
) -> AsyncIterator[Reconciliation]:
    yield await reconcile(directory, tx, session, tenant=None)


def _recorder(
    tx: Transactions[ToetsplanningUnitOfWork], command: str, **options: str | None
) -> Callable[[Reconciliation], Awaitable[None]]:
    """The audit of each session reconciled (a row each, as the planning API's reconcile writes), in its school."""

    async def record(summary: Reconciliation) -> None:
        await tx.write(
            by_operator(
                keep_who_asked,
                tenant=summary.tenant,
                command=command,
                object_type="zitting",
                object_id=summary.zitting_id,
                **options,
            )
        )

    return record


async def _shown_each(
    reconciled: AsyncIterator[Reconciliation | Unread],
    record: Callable[[Reconciliation], Awaitable[None]],
    what: str | None,
) -> bool:
    """Record and print each summary as it comes, then (`what`) how many there were; whether any failed."""
    count, failed = 0, False
    async for summary in reconciled:
        count += 1
        if isinstance(summary, Reconciliation):
            await record(summary)
        failed = _shown(summary) or failed
    if what is not None:
        typer.echo(f"{count} {what}")
    return failed


def _shown(summary: Reconciliation | Unread) -> bool:
    """Print a summary; whether the session failed (TA unread, or a change refused)."""
    if isinstance(summary, Unread):
        typer.echo(f"session {summary.zitting_id}: not reconciled, nothing changed: {summary.reason}")
        return True
    for line in summary_lines(summary):
        typer.echo(line)
    return bool(summary.refused)


def summary_lines(summary: Reconciliation) -> list[str]:
    """The summary as an operator reads it: counts first, then every id worth a look."""
    report = "updated" if summary.report_updated else "unchanged"
    lines = [
        f"session {summary.zitting_id} at {summary.ta_peer}: {summary.checked} participations checked, "
        f"{len(summary.updated)} updated, session report {report}"
    ]
    named = {
        "updated": summary.updated,
        "kept (TP holds newer)": summary.kept,
        "unknown at TA": summary.unknown_at_ta,
        "result at TA for a participation TP does not have": summary.unknown_at_tp,
    }
    lines += [f"  {what}: {', '.join(ids)}" for what, ids in named.items() if ids]
    lines += [f"  refused {refusal.object_id}: {refusal.reason}" for refusal in summary.refused]
    return lines
