"""Flow 5: after each accepted flow 3 change, TP decides what DR should now know, and queues it or holds it.

Only a Deelname for one of DR's Toetsinschrijvingen (flow 1) of a planbare toets with `resultExpected`
is forwarded; ad-hoc sessions never are. The score is made to fit the `resultValueType` DR set (TA's
scale may differ); a score that does not fit is held for an operator with its reason, who may give the
value DR gets (`supply_score`). A cancelled or finished enrolment still gets its results.

Several Deelnames may meet at one association: an attempt planned again after a cancel, a Toetsinschrijving
DR moved to another planbare toets. One of them speaks for the attempt (`_speaker`), the others' results are
held; and a PATCH removes what DR holds there from any of them (`merge_patch.joined`).

Flow 3 runs this for every message, so it reads and writes with the repository's prebuilt statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from oke.errors import Conflict, FieldError, InvalidContent, NotFound
from oke.ooapi.common import in_dutch_or_first, nl_test_admin_block
from oke.ooapi.enums import PassState
from oke.ooapi.merge_patch import joined
from oke.ooapi.scales import fits
from oke.roles.toetsplanning import flow5, rules
from oke.roles.toetsplanning.result_rows import ForwardContext, ResultTarget, Sharer
from oke.roles.toetsplanning.scores import Fitted, fit_score, operators_verdict
from oke.roles.toetsplanning.services import documents
from oke.roles.toetsplanning.services._cursors import cursor, position
from oke.roles.toetsplanning.uow import ToetsplanningUnitOfWork
from oke.store.tables.toetsplanning import REASON_LENGTH

SENT = "sent"
HELD = "held"
NO_DR = "no DR is configured for this school (oke peers add --role dr)"
#: TA's `final: true` where DR's planbare toets says no final results: DR gets `final: false`, and TA is told.
FINAL_WITHHELD = "final: true not sent to DR: DR's planbare toets does not allow final results"
NOT_EXPECTED = "not sent to DR: DR's planbare toets {} expects no result (resultExpected false)"
NO_TOETS = "TP lacks DR's planbare toets {} of this Toetsinschrijving (flow 1): forward it once DR has sent it"
MOVED = (
    "DR's Toetsinschrijving is now for planbare toets {}, which session {} does not take (DR moved it): this is no "
    "result of that toets, so TP does not send it; settle it with DR"
)
#: Added to MOVED when TP sent the result before the move: flow 5 has no message that withdraws one (PDF 3.5.3
#: makes `result` mandatory in each).
SENT_BEFORE = (
    ". TP sent DR this participation's result before the move: it stays at DR (association {}, attempt {}) until "
    "a result of that attempt of the moved Toetsinschrijving replaces it, as the standard has no message that "
    "withdraws a result"
)
PLANNED_AGAIN = (
    "attempt {} of this Toetsinschrijving was planned again as participation {} after this one was cancelled: DR's "
    "association {} gets that one's result, not this one's; settle it with DR"
)


@dataclass(frozen=True)
class ResultForDr:
    """A result for DR as an operator sees it: where it goes, whether it went, and both scores."""

    deelname_id: str
    toetsinschrijving_id: str
    attempt: int
    association_id: str
    dr_peer: str | None
    state: str
    reason: str | None
    ta_score: str | None
    score: str | None
    override_score: str | None
    override_pass: str | None
    #: In a listing: whether the message that sends it still waits in TP's outbox, `pending` or `parked` (for an
    #: operator: `oke outbox list`); None once DR took it (or an operator gave it up).
    waiting: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ResultForDr:
        return cls(**{f.name: row[f.name] for f in fields(cls) if f.name in row})


def forward_result(
    uow: ToetsplanningUnitOfWork, target: ResultTarget, result: dict[str, Any], version: int, *, resend: bool
) -> list[str]:
    """Queue the Deelname's current `result` for DR, or hold it; returns notes for the history (none if not DR's).

    A message the same as the one last queued for the association is queued again only if `resend` (an operator
    may have given the earlier one up): TA repeating a flow 3 message must not send DR the same PATCH twice.
    Runs inside the caller's transaction, after the result is saved (as `version`).
    """
    context = target.context
    if target.toetsinschrijving_id is None or context is None:
        return []  # planned without DR's enrolment
    toets = context.toets
    if toets is not None and toets.get("resultExpected") is not True:
        return [NOT_EXPECTED.format(context.toets_id)]
    known = uow.repo.dr_result(target.deelname_id)
    row = known or _new_row(uow, target, context)
    row |= {"result_version": version, "ta_score": result.get("score"), "dr_peer": context.dr_peer}
    if toets is None:
        return _hold(uow, row, NO_TOETS.format(context.toets_id), new=known is None)
    if not rules.session_takes(target.zitting, target.session_toets_id, context.toets_id, toets):
        moved = MOVED.format(context.toets_id, target.zitting_id)
        if row["body"] is not None:
            moved += SENT_BEFORE.format(row["association_id"], row["attempt"])
        return _hold(uow, row, moved, new=known is None)
    sharers = uow.repo.sharers(target) if target.shared else []
    speaker = _speaker(target, context.toets_id, toets, sharers)
    if speaker is not None:
        reason = PLANNED_AGAIN.format(target.attempt, speaker, row["association_id"])
        return _hold(uow, row, reason, new=known is None)
    fitted = _fitted(uow, target, toets, result, row)
    if context.dr_peer is None or not isinstance(fitted, Fitted):
        return _hold(uow, row, fitted if isinstance(fitted, str) else NO_DR, new=known is None)
    attempt = flow5.Attempt(
        association_id=row["association_id"],
        toetsinschrijving_id=target.toetsinschrijving_id,
        attempt=row["attempt"],
        extra=row["association_id"] != target.toetsinschrijving_id,
        person_id=context.person_id,
        planbare_toets_id=context.toets_id,
    )
    dialect = context.dr_version or flow5.V1_0_1
    session = _session_of(uow, target, detailed=dialect == flow5.V1_1)
    outcome = result if fitted.pass_state is None else result | {"pass": fitted.pass_state}
    outcome = documents.named_for_dr(outcome, tenant=target.tenant, ta_peer=target.ta_peer)
    final_allowed = _final_allowed(toets)
    # DR holds at the association what the last message there left, whichever Deelname's it was
    before = joined(row["body"], *(s.body for s in sharers if s.association_id == attempt.association_id))
    body = flow5.message(
        dialect, attempt, session, outcome, score=fitted.score, final_allowed=final_allowed, before=before
    )
    unchanged = known is not None and _queued(known, context.dr_peer) == body
    row |= {"state": SENT, "reason": None, "score": fitted.score, "body": body}
    uow.repo.save_dr_result(row, new=known is None)
    withheld = [FINAL_WITHHELD] if not final_allowed and _final_given(result) else []
    if unchanged and not resend:
        unsent = f"unchanged for DR {context.dr_peer} since TP last queued attempt {attempt.attempt}: nothing queued"
        return [unsent, *withheld]
    uow.outbox.add(
        tenant=target.tenant,
        peer=context.dr_peer,
        kind="flow5",
        key=attempt.association_id,
        method=flow5.method_of(attempt),
        path=f"/associations/{attempt.association_id}",
        body=body,
        snapshot=True,
    )
    converted = f" (TA's score {row['ta_score']!r} converted to {fitted.score!r})" if fitted.converted else ""
    return [f"queued for DR {context.dr_peer} as attempt {attempt.attempt}{converted}", *withheld]


def _speaker(target: ResultTarget, toets_id: str, toets: dict[str, Any], sharers: list[Sharer]) -> str | None:
    """The Deelname whose result DR gets for the target's attempt, when it is another: the newest planned of those
    that hold the attempt in a session of the enrolment's planbare toets.

    An attempt is one result at one association (PDF Tabel 4.3.A, `attempt`). A Deelname cancelled before TA
    reported on it gave its attempt up (`docs/planning.md`), and the planner may have planned it again (a move
    does); TA's late result of the cancelled one would replace the newer one's at DR, or be replaced by it.
    """
    same = [
        s
        for s in sharers
        if s.attempt == target.attempt and rules.session_takes(s.zitting, s.session_toets_id, toets_id, toets)
    ]
    newest = max(same, key=lambda s: (s.created_at, s.deelname_id), default=None)
    if newest is None or (newest.created_at, newest.deelname_id) < (target.created_at, target.deelname_id):
        return None
    return newest.deelname_id


def _queued(known: dict[str, Any], dr_peer: str) -> dict[str, Any] | None:
    """The body last queued for the association at this DR, if the result is not held since."""
    return known["body"] if known["state"] == SENT and known["dr_peer"] == dr_peer else None


def _hold(uow: ToetsplanningUnitOfWork, row: dict[str, Any], reason: str, *, new: bool) -> list[str]:
    """Keep the result for an operator, with the reason it was not sent; the note for the history.

    The body sent before stays: DR still holds it, and the next one sent removes what it set and TA removed."""
    if len(reason) > REASON_LENGTH:
        reason = reason[: REASON_LENGTH - 3] + "..."
    uow.repo.save_dr_result(row | {"state": HELD, "reason": reason}, new=new)
    return [f"held for an operator, not sent to DR: {reason}"]


@dataclass(frozen=True)
class ResultsPage:
    """A page of the school's results for DR, and where the next one starts (None: this is the last)."""

    items: list[ResultForDr]
    next: str | None


def list_results(
    uow: ToetsplanningUnitOfWork, tenant: str, state: str | None, *, after: str | None, limit: int
) -> ResultsPage:
    """The school's results for DR (those `held` for an operator, say), oldest change first, a page at a time.

    `after` is the `next` of the page before: a result changed since then comes again, on a later page.
    """
    with uow:
        rows = uow.repo.dr_results(tenant, state=state, after=position(after), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    following = cursor(rows[-1]["updated_at"], rows[-1]["deelname_id"]) if more else None
    return ResultsPage([ResultForDr.of(row) for row in rows], following)


def supply_score(
    uow: ToetsplanningUnitOfWork, *, tenant: str, deelname_id: str, score: str, pass_state: PassState | None = None
) -> ResultForDr:
    """An operator gives the score DR gets for a held result (on DR's scale), and the `pass` if it is not the
    score itself (pass-or-fail) or unknown; it is sent at once.

    The score stands for as long as TA's score is the one it was given for. A result TP sent as TA scored it is
    refused: one wrong id would otherwise replace a student's grade at DR.
    """
    with uow:
        target, row = _locked(uow, tenant, deelname_id)
        _require_for_an_operator(row)
        context = uow.repo.forward_context(tenant, row["toetsinschrijving_id"])
        value_type = (context.toets or {}).get("resultValueType") if context is not None else None
        if value_type and not fits(score, str(value_type)):
            raise InvalidContent(FieldError("/score", f"{score!r} is not a value of DR's scale {value_type!r}"))
        given = None if pass_state is None else pass_state.value
        if operators_verdict(score, None if value_type is None else str(value_type), given) is None:
            raise InvalidContent(FieldError("/pass", f"{given!r} contradicts the score {score!r} on pass-or-fail"))
        override = {"override_score": score, "override_for": row["ta_score"], "override_pass": given}
        uow.repo.save_dr_result(row | override, new=False)
        return _forward_again(uow, target, tenant)


def forward_again(uow: ToetsplanningUnitOfWork, *, tenant: str, deelname_id: str) -> ResultForDr:
    """Decide afresh for one result, e.g. once a DR is configured or DR's planbare toets changed."""
    with uow:
        target, _row = _locked(uow, tenant, deelname_id)
        return _forward_again(uow, target, tenant)


def _locked(uow: ToetsplanningUnitOfWork, tenant: str, deelname_id: str) -> tuple[ResultTarget, dict[str, Any]]:
    """The Deelname and its result for DR, locked in that order, as flow 3 locks them: the other order
    deadlocked with a flow 3 message for the same Deelname."""
    target = uow.repo.result_target(deelname_id)
    if target is not None and target.tenant == tenant and target.toetsinschrijving_id is None:
        why = (
            "it is ad hoc (planned without a Toetsinschrijving from DR, as a group's member), and its results are "
            "never reported to DR"
            if target.role == "student"
            else f"it is a {target.role}'s, which carries no result"
        )
        raise NotFound(f"no result for DR of participation {deelname_id}: {why}")
    row = _row_of(uow, tenant, deelname_id)
    assert target is not None  # a result for DR belongs to a Deelname
    return target, row


def _forward_again(uow: ToetsplanningUnitOfWork, target: ResultTarget, tenant: str) -> ResultForDr:
    if target.result is not None:
        forward_result(uow, target, target.result, target.result_version, resend=True)
    row = _row_of(uow, tenant, target.deelname_id)
    uow.commit()
    return ResultForDr.of(row)


def _require_for_an_operator(row: dict[str, Any]) -> None:
    """An operator's score is for a score of TA's that TP holds, or replaces the operator's own (a correction)."""
    deelname_id = row["deelname_id"]
    if row["ta_score"] is None:
        raise Conflict(f"TA has given no score for participation {deelname_id}: there is none to give DR in its place")
    if row["state"] != HELD and not _override_stands(row):
        raise Conflict(
            f"the result of participation {deelname_id} is not held: TA's score {row['ta_score']!r} went to DR as "
            f"{row['score']!r}; an operator gives a score only for a held result"
        )


def _override_stands(row: dict[str, Any]) -> bool:
    """Whether DR gets the operator's score: given, and for the score TA still has."""
    return row["override_score"] is not None and row["override_for"] == row["ta_score"]


def _row_of(uow: ToetsplanningUnitOfWork, tenant: str, deelname_id: str) -> dict[str, Any]:
    row = uow.repo.dr_result(deelname_id)
    if row is None or row["tenant"] != tenant:
        raise NotFound(f"no result for DR of participation {deelname_id}")
    return row


def _new_row(uow: ToetsplanningUnitOfWork, target: ResultTarget, context: ForwardContext) -> dict[str, Any]:
    """The first result of a Deelname for DR: to DR's enrolment for its own attempt, else a new association."""
    assert target.toetsinschrijving_id is not None
    own = rules.own_attempt(context.enrolment)
    attempt = target.attempt or own
    association_id = target.toetsinschrijving_id
    if attempt != own:  # another Deelname of this attempt (a cancelled one TA still reported on) may have one
        known = uow.repo.attempt_association(target.tenant, target.toetsinschrijving_id, attempt)
        association_id = known or str(uuid.uuid4())
    return {
        "deelname_id": target.deelname_id,
        "tenant": target.tenant,
        "toetsinschrijving_id": target.toetsinschrijving_id,
        "attempt": attempt,
        "association_id": association_id,
        "score": None,
        "override_score": None,
        "override_for": None,
        "override_pass": None,
        "body": None,
    }


def _fitted(
    uow: ToetsplanningUnitOfWork,
    target: ResultTarget,
    toets: dict[str, Any],
    result: dict[str, Any],
    row: dict[str, Any],
) -> Fitted | str:
    """The score DR gets, or why it cannot get one: an operator's value stands while TA's score is unchanged."""
    target_type = toets.get("resultValueType")
    if _override_stands(row):
        score = row["override_score"]
        verdict = operators_verdict(score, None if target_type is None else str(target_type), row["override_pass"])
        return Fitted(score, converted=score != row["ta_score"], pass_state=verdict)
    if row["ta_score"] is None:  # attendance, or a result without a score: no scale to read from the catalogue
        return Fitted(None, converted=False)
    test = uow.repo.catalogue_entry(target.ta_peer, target.zitting) or {}
    catalogue = nl_test_admin_block(test.get("consumers")) or {}
    source_type = test.get("resultValueType") or catalogue.get("resultValueType")
    pass_from = catalogue.get("passFrom")
    fitted = fit_score(
        row["ta_score"],
        pass_state=result.get("pass"),
        source_type=None if source_type is None else str(source_type),
        target_type=None if target_type is None else str(target_type),
        pass_from=None if pass_from is None else str(pass_from),
    )
    return fitted if isinstance(fitted, Fitted) else fitted.reason


def _final_given(result: dict[str, Any]) -> bool:
    block = nl_test_admin_block(result.get("consumers")) or {}
    return block.get("final") is True


def _final_allowed(toets: dict[str, Any]) -> bool:
    """`final: true` never goes to a DR that set `finalResultsAllowed` (or the YAML's `finalResultAllowed`) false."""
    block = nl_test_admin_block(toets.get("consumers")) or {}
    return block.get("finalResultsAllowed", block.get("finalResultAllowed")) is not False


def _session_of(uow: ToetsplanningUnitOfWork, target: ResultTarget, *, detailed: bool) -> flow5.Session:
    """The session as DR learns it: its name and start; for the draft 1.1 also its end, room and coordinator."""
    data = target.zitting
    name = in_dutch_or_first(data.get("name")) or target.zitting_id
    canceled = target.state == "canceled" or target.zitting_state == "canceled"
    if not detailed:
        return flow5.Session(name=str(name), start=data.get("startDateTime"), canceled=canceled)
    block = nl_test_admin_block(data.get("consumers")) or {}
    coordinator = uow.repo.coordinator_of(target.zitting_id)
    code = ((coordinator[1] or {}).get("primaryCode") or {}).get("code") if coordinator is not None else None
    return flow5.Session(
        name=str(name),
        start=data.get("startDateTime"),
        end=data.get("endDateTime"),
        room=block.get("locationCode"),
        coordinator_id=coordinator[0] if coordinator is not None else None,
        coordinator_code=code,
        canceled=canceled,
    )
