"""Document references (flows 3, 4, 5): files are never embedded, only named by id."""

from __future__ import annotations

from oke.ooapi.common import Id, OoapiModel, Str256
from oke.ooapi.enums import OfferingDocumentType, ResultDocumentType


class ResultDocument(OoapiModel):
    """A document of a result (flows 3 and 5); fetched with GET /documents/{documentId}."""

    documentId: Id
    documentType: ResultDocumentType
    documentName: Str256


class OfferingDocument(OoapiModel):
    """A document of a session report (flow 4)."""

    documentId: Id
    documentType: OfferingDocumentType
    documentName: Str256
