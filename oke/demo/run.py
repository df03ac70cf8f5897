"""`oke demo` and `oke simulate` without the command line: start (or reach) the chain, run the day, check it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from rich.live import Live

from oke import USER_AGENT
from oke.config import Role
from oke.demo import progress, report, wiring
from oke.demo.day import DayError, ExamDay
from oke.demo.endpoints import Endpoints
from oke.demo.report import Summary
from oke.demo.school import TOETSEN
from oke.demo.servers import Stack, serving
from oke.roles.deelnemerregistratie.generated import Toets, generate

TENANT = "roc-demo"
POLL_SECONDS = 0.2
VIEW_SECONDS = 1.0


@dataclass(frozen=True)
class DemoOptions:
    students: int
    seed: int
    databases: dict[Role, str]
    ports: dict[Role, int]
    data_dir: Path
    timeout: float = 600.0
    host: str = "127.0.0.1"
    #: DR pushes flow 1 (`push`), or TP pulls it (`pull`: faster for a large school, see docs/performance.md)
    flow1: str = "push"
    #: the school's planbare toetsen; each student is enrolled in those of their programme
    toetsen: tuple[Toets, ...] = TOETSEN


#: Starts the three servers on their databases and ports, on a host, for the duration of a block.
Serve = Callable[[dict[Role, str], dict[Role, int], str], AbstractContextManager[Stack]]


@contextmanager
def demo(
    options: DemoOptions, console: Console, *, live: bool, serve: Serve = serving
) -> Iterator[tuple[Summary, Stack]]:
    """Start the three servers (by default in this process), set the chain up, run the exam day and check it; the
    servers serve on while the block runs."""
    started = time.monotonic()
    with serve(options.databases, options.ports, options.host) as stack, _http() as http:
        endpoints, tp_name, dr_name = wiring.wire(stack, TENANT)
        endpoints.save(options.data_dir / "endpoints.json")
        wait = OutboxWaiter(stack, TENANT, console, live=live, timeout=options.timeout)
        say = console.print if live else _silent
        school = generate(options.students, options.seed, list(options.toetsen))
        seeded = wiring.seed(stack.dr, TENANT, school)
        say(f"flow 1: DR seeded {seeded.persons} students with {seeded.associations} enrolments")
        if options.flow1 == "pull":
            for line in wiring.pull_flow1(stack.tp, dr_name).lines():
                say(f"flow 1: TP pulled from DR: {line}")
        else:
            pushed = wiring.push_flow1(stack.dr, tp_name)
            say(f"flow 1: DR pushes {pushed.persons} persons and {pushed.associations} enrolments to TP")
            wait("flow 1: DR's school at TP", lambda: True)
        synced = wiring.sync_tp_catalogue(stack.tp, endpoints.ta_peer)
        say(f"flow 0: TP read TA's catalogue: {synced.components} tests")
        cancel: Callable[[str], None] = lambda enrolment: wiring.cancel_at_dr(stack.dr, TENANT, enrolment)  # noqa: E731
        exam = ExamDay(endpoints, http, seed=options.seed, wait=wait, say=say, cancel=cancel)
        day = exam.run()
        differences = exam.differences()
        summary = Summary(
            TENANT,
            day,
            results_at_dr=_results_at_dr(exam),
            differences=differences,
            flows=progress.counts(stack, TENANT),
            urls=_urls(stack, options.data_dir),
            catalogue=synced.components,
            seconds=time.monotonic() - started,
        )
        yield summary, stack


def _http() -> httpx.Client:
    """The exam day's own calls (a planner's, an operator's), which say they are oke's like the servers' calls."""
    return httpx.Client(timeout=30, headers={"user-agent": USER_AGENT})


def simulate(endpoints: Endpoints, seed: int, console: Console, *, live: bool, timeout: float) -> Summary:
    """The same day against running servers of others: no outboxes to watch, so each stage waits for what it
    expects; no DR cancel (that is DR's own action)."""
    started = time.monotonic()
    with _http() as http:
        exam = ExamDay(
            endpoints,
            http,
            seed=seed,
            wait=PollingWaiter(console, live=live, timeout=timeout),
            say=console.print if live else _silent,
        )
        day = exam.run()
        return Summary(
            endpoints.tenant,
            day,
            results_at_dr=_results_at_dr(exam),
            differences=exam.differences(),
            flows=None,
            urls={},
            seconds=time.monotonic() - started,
        )


class OutboxWaiter:
    """Waits until nothing is left in the three outboxes, showing the flows live on a terminal."""

    def __init__(self, stack: Stack, tenant: str, console: Console, *, live: bool, timeout: float) -> None:
        self.stack, self.tenant, self.console, self.live, self.timeout = stack, tenant, console, live, timeout

    def __call__(self, stage: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.timeout
        on_screen = self.live and self.console.is_terminal
        shown = Live(console=self.console, refresh_per_second=8, transient=True) if on_screen else nullcontext()
        shown_at = 0.0
        with shown as view:
            # the table counts every message of the day, dear for a large school: shown once a VIEW_SECONDS
            while progress.waiting(self.stack, self.tenant) > 0:
                if view is not None and time.monotonic() - shown_at > VIEW_SECONDS:
                    view.update(report.flow_table(progress.counts(self.stack, self.tenant), f"waiting for {stage}"))
                    shown_at = time.monotonic()
                if time.monotonic() > deadline:
                    raise DayError(f"{stage}: not done in {self.timeout:.0f} s")
                time.sleep(POLL_SECONDS)
        if self.live:
            found = progress.counts(self.stack, self.tenant)
            self.console.print(
                f"[green]✓[/] {stage}: " + ", ".join(f"{f.flow.split()[0]}: {f.accepted}" for f in found if f.sent)
            )


class PollingWaiter:
    """Waits until the day's own expectation holds (servers of others show no outbox)."""

    def __init__(self, console: Console, *, live: bool, timeout: float) -> None:
        self.console, self.live, self.timeout = console, live, timeout

    def __call__(self, stage: str, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.timeout
        with self.console.status(f"waiting for {stage}") if self.live else nullcontext():
            while not done():
                if time.monotonic() > deadline:
                    self.console.print(
                        f"[red]{stage}: not done in {self.timeout:.0f} s; the check will say what is missing"
                    )
                    return
                time.sleep(1.0)
        if self.live:
            self.console.print(f"[green]✓[/] {stage}")


def _results_at_dr(exam: ExamDay) -> int:
    return sum(1 for item in exam.dr_results().values() for attempt in item["attempts"] if attempt["result"])


def _urls(stack: Stack, data_dir: Path) -> dict[str, str]:
    found = {}
    for node, name in (
        (stack.tp, "Toetsplanning (TP)"),
        (stack.ta, "reference Toetsafname (TA)"),
        (stack.dr, "reference DR"),
    ):
        found[f"{name} OOAPI"] = f"{node.url}/ooapi/"
        found[f"{name} API docs"] = f"{node.url}/docs"
    found["credentials for oke simulate"] = str(data_dir / "endpoints.json")
    return found


def _silent(*_args: object, **_kwargs: object) -> None:
    return None
