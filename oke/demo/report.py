"""The demo's output: live progress per flow while it waits, and at the end the summary (a table, or JSON)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.table import Table

from oke.demo.check import Difference
from oke.demo.day import Day
from oke.demo.progress import FlowCount
from oke.ooapi.enums import Attendance

SHOWN_DIFFERENCES = 20


def flow_table(found: list[FlowCount], stage: str = "") -> Table:
    table = Table(
        "flow", "sent", "accepted", "replaced", "waiting", "parked", title=stage or None, title_justify="left"
    )
    for f in found:
        parked = f"[red]{f.parked}[/]" if f.parked else "0"
        table.add_row(f.flow, str(f.sent), str(f.accepted), str(f.replaced), str(f.waiting), parked)
    return table


@dataclass
class Summary:
    tenant: str
    day: Day
    results_at_dr: int
    differences: list[Difference]
    flows: list[FlowCount] | None
    urls: dict[str, str]
    catalogue: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences and not any(f.parked for f in self.flows or [])

    def as_dict(self) -> dict[str, Any]:
        day = self.day
        attendances = [o["attendance"] for o in day.outcomes]
        return {
            "ok": self.ok,
            "tenant": self.tenant,
            "students": day.students,
            "toetsen": [
                {"offeringId": t.offering_id, "name": t.name, "resultValueType": t.value_type}
                for t in day.toetsen.values()
            ],
            "catalogueTests": self.catalogue,
            "toetsinschrijvingen": len(day.enrolments),
            "sessions": len(day.sessions),
            "deelnames": len(day.planned),
            "retakes": day.retakes,
            "present": attendances.count(Attendance.present.value),
            "absent": len(attendances) - attendances.count(Attendance.present.value),
            "corrected": sum(1 for o in day.outcomes if o.get("corrected_score")),
            "cancelled": day.cancelled,
            "resultsAtDr": self.results_at_dr,
            "flows": [f.as_dict() for f in self.flows] if self.flows is not None else None,
            "differences": [d.as_dict() for d in self.differences],
            "urls": self.urls,
            "seconds": round(self.seconds, 1),
        }

    def render(self, console: Console) -> None:
        data = self.as_dict()
        totals = Table("exam day", "", title="Summary", title_justify="left")
        for label, key in (
            ("students", "students"),
            ("tests in TA's catalogue (flow 0)", "catalogueTests"),
            ("Toetsinschrijvingen (flow 1)", "toetsinschrijvingen"),
            ("sessions planned (flow 2)", "sessions"),
            ("Deelnames, of which retakes", "deelnames"),
            ("present / absent", "present"),
            ("corrected results", "corrected"),
            ("results DR holds (flow 5)", "resultsAtDr"),
            ("seconds", "seconds"),
        ):
            value = str(data[key])
            if key == "deelnames":
                value = f"{data['deelnames']}, {data['retakes']}"
            if key == "present":
                value = f"{data['present']} / {data['absent']}"
            totals.add_row(label, value)
        totals.add_row("cancelled at DR after planning (and at TA)", ", ".join(data["cancelled"]) or "none")
        scales = Table("planbare toets", "DR's resultValueType", title="Scales", title_justify="left")
        for toets in data["toetsen"]:
            scales.add_row(toets["name"], str(toets["resultValueType"]))
        parts: list[Any] = [totals, scales]
        if self.flows is not None:
            parts.append(flow_table(self.flows, "Messages per flow"))
        console.print(Group(*parts))
        for note in self.notes:
            console.print(note)
        if self.differences:
            console.print(f"[red bold]{len(self.differences)} differences between DR and TA:[/]")
            for d in self.differences[:SHOWN_DIFFERENCES]:
                console.print(f"  {d.enrolment} attempt {d.attempt}: {d.what} (DR {d.at_dr!r}, TA {d.at_ta!r})")
        else:
            console.print(
                "[green bold]Checked:[/] DR holds TA's last result of every Deelname, enrolment by enrolment."
            )
        for name, url in self.urls.items():
            console.print(f"  {name:<28} {url}")
