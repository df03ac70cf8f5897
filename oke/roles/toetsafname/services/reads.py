"""Flows 2.6, 3.4 and 4.2: a TP reads back the Zittingen and Deelnames it sent; 2.7: access links.

A Deelname names its person by id unless `expand=person`; a cancelled one has only the id left.
The result (flow 3) and session report (flow 4) are included once TA has them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from oke.auth.caller import Caller
from oke.errors import NotFound
from oke.ooapi.common import NL_TEST_ADMIN
from oke.ooapi.merge_patch import merge_patch
from oke.ooapi.paging import Page, Paging, page_of
from oke.roles.toetsafname.services.sessions import sent_by
from oke.roles.toetsafname.uow import ToetsafnameUnitOfWork
from oke.store.tables.toetsafname import TaDeelname, TaZitting

#: The secret (`ta_secrets`) that signs the access links.
LINK_KEY = "access-link-key"


def read_zitting(uow: ToetsafnameUnitOfWork, caller: Caller, offering_id: str) -> dict[str, Any]:
    with uow:
        return zitting_wire(_zitting(uow, caller, offering_id))


def list_deelnames(
    uow: ToetsafnameUnitOfWork,
    caller: Caller,
    offering_id: str,
    *,
    role: str | None,
    state: str | None,
    result_state: str | None,
    expand: frozenset[str],
    paging: Paging,
) -> Page[dict[str, Any]]:
    """The participations of a Zitting, a page at a time (Tabel 5.0.C)."""
    with uow:
        zitting = _zitting(uow, caller, offering_id)
        deelnames, total = uow.repo.deelnames_page(
            offering_id,
            role=role,
            state=state,
            result_state=result_state,
            offset=paging.offset,
            limit=paging.page_size,
        )
        items = [deelname_wire(d, expand, zitting) for d in deelnames]
    return page_of(items, page_size=paging.page_size, page_number=paging.page_number, total=total)


def read_deelname(
    uow: ToetsafnameUnitOfWork, caller: Caller, association_id: str, expand: frozenset[str]
) -> dict[str, Any]:
    with uow:
        deelname = _deelname(uow, caller, association_id)
        zitting = uow.repo.zitting(deelname.offering_id) if "offering" in expand else None
        return deelname_wire(deelname, expand, zitting)


def deelname_wire(deelname: TaDeelname, expand: frozenset[str], zitting: TaZitting | None) -> dict[str, Any]:
    """The Deelname as OOAPI association: as TP sent it, with TA's state and result; `expand` inlines."""
    wire = {**deelname.data, "state": deelname.state}
    if "person" not in expand or not isinstance(wire.get("person"), dict):
        wire["person"] = deelname.person_id
    if "offering" in expand and zitting is not None:
        wire["offering"] = zitting_wire(zitting)
    if deelname.result is not None:  # as TP holds it: without the removals TA keeps for its next result
        wire["result"] = merge_patch({}, deelname.result)
    return wire


def zitting_wire(zitting: TaZitting) -> dict[str, Any]:
    """The Zitting as OOAPI offering: as TP sent it, with the session report once TA has one (flow 4)."""
    if not zitting.report:
        return zitting.data
    report = {"consumers": [{"consumerKey": NL_TEST_ADMIN, **zitting.report}]}
    wire: dict[str, Any] = merge_patch(zitting.data, report)
    return wire


def link_key(uow: ToetsafnameUnitOfWork) -> bytes:
    """The key of the access links: made on first start, then the same, so a link never changes."""
    with uow:
        value = uow.repo.secret(LINK_KEY, secrets.token_hex(32))
        uow.commit()
    return bytes.fromhex(value)


def access_link(uow: ToetsafnameUnitOfWork, caller: Caller, association_id: str, *, base_url: str, key: bytes) -> str:
    """Flow 2.7: the start link of a participation, for students and staff alike; always the same link."""
    with uow:
        deelname = _deelname(uow, caller, association_id)
        if deelname.state == "canceled":
            raise NotFound(f"participation {association_id} is canceled: it has no access link")
    return f"{base_url}/start/{quote(association_id, safe='')}?token={link_token(key, association_id)}"


def link_token(key: bytes, association_id: str) -> str:
    return hmac.new(key, association_id.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class Visit:
    """What the start page shows someone who followed an access link."""

    session_name: str
    role: str
    state: str


def visit(uow: ToetsafnameUnitOfWork, association_id: str, token: str, key: bytes) -> Visit:
    """The participation an access link opens; an unknown, cancelled or forged link opens nothing."""
    if not hmac.compare_digest(token.encode(), link_token(key, association_id).encode()):
        raise NotFound("this access link is not valid")
    with uow:
        deelname = uow.repo.deelname(association_id)
        zitting = uow.repo.zitting(deelname.offering_id) if deelname is not None else None
        if deelname is None or zitting is None or deelname.state == "canceled":
            raise NotFound("this access link is no longer valid")
        names = zitting.data.get("name") or [{}]
        return Visit(str(names[0].get("value", zitting.offering_id)), deelname.role, zitting.state)


def _zitting(uow: ToetsafnameUnitOfWork, caller: Caller, offering_id: str) -> TaZitting:
    zitting = uow.repo.zitting(offering_id)
    if zitting is None or not sent_by(zitting, caller):
        raise NotFound(f"no offering {offering_id}")  # another planner's session is unknown to this one
    return zitting


def _deelname(uow: ToetsafnameUnitOfWork, caller: Caller, association_id: str) -> TaDeelname:
    deelname = uow.repo.deelname(association_id)
    if deelname is None or not sent_by(deelname, caller):
        raise NotFound(f"no association {association_id}")
    return deelname
