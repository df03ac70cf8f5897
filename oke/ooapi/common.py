"""Shared building blocks of the wire format: the base model, formats, identifiers and consumer unions."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictInt,
    Tag,
    TypeAdapter,
    ValidationError,
)

NL_TEST_ADMIN = "nl-test-admin"
#: Discriminator tags: a consumer block is the nl-test-admin model or any other (generic) consumer;
#: a reference is an id or the expanded object. They never appear in a JSON pointer.
GENERIC_TAG = "<generic>"
ID_TAG = "<id>"
OBJECT_TAG = "<object>"
UNION_TAGS = {NL_TEST_ADMIN, GENERIC_TAG, ID_TAG, OBJECT_TAG}


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class OoapiModel(BaseModel):
    """Every OOAPI object keeps fields it does not model: they are tolerated and never lost.

    Numbers and booleans are strict (`StrictInt`, `StrictBool` in the models): JSON has its own types,
    and a `"65"` or a `"yes"` read as 65 or true would be stored as the string it was sent as.
    """

    model_config = ConfigDict(extra="allow", use_enum_values=True, frozen=False)

    def wire(self) -> dict[str, Any]:
        """The object as JSON-ready data, with only the fields that were given."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _date_string(value: Any) -> Any:
    if isinstance(value, str) and not _DATE.match(value):
        raise ValueError("must be a date in the form YYYY-MM-DD")
    if not isinstance(value, (str, date)) or isinstance(value, datetime):
        raise ValueError("must be a date string in the form YYYY-MM-DD")
    return value


def _with_offset(value: datetime) -> datetime:
    """A moment with its zone offset, that is a moment in UTC too: `0001-01-01T00:30:00+01:00` is one of the year
    0, which no database stores (and whose conversion failed with 500)."""
    if value.tzinfo is None:
        raise ValueError("must be an RFC 3339 date-time with a zone offset")
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range: in UTC it is before 0001-01-01 or after 9999-12-31") from None
    return value


def _datetime_string(value: Any) -> Any:
    if not isinstance(value, (str, datetime)):
        raise ValueError("must be an RFC 3339 date-time string")
    return value


#: `format: date` of the YAML: exactly YYYY-MM-DD.
Date = Annotated[date, BeforeValidator(_date_string)]
#: `format: date-time` of the YAML: RFC 3339 with a zone offset.
DateTime = Annotated[datetime, BeforeValidator(_datetime_string), AfterValidator(_with_offset)]
#: Strings limited to 256 characters (names, abbreviations, codes).
Str256 = Annotated[str, Field(max_length=256)]
#: The longest id oke takes. The standard sets none (the PDF's ids are strings, the YAML's UUIDs), but an id is a
#: key of oke's tables, and a longer one is refused with 400 at its pointer, in a body or in a path (docs/vendors.md).
MAX_ID = 128
#: An object's id, or a reference to one.
Id = Annotated[str, Field(max_length=MAX_ID)]
#: The largest integer of the OpenAPI's `format: int32` (`attempt`, `attemptLeft`, `weight`...): every role stores
#: some in 32-bit columns, so a larger one is a 400 at its pointer, not a failed write.
INT32_MAX = 2**31 - 1
Int32 = Annotated[StrictInt, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
#: One `DateTime` value on its own, as a rule reads a single field.
MOMENT: TypeAdapter[datetime] = TypeAdapter(DateTime)


def moment_or_none(value: Any) -> datetime | None:
    """`value` as a `DateTime`; None when it is absent or invalid (the wire model names an invalid one)."""
    try:
        return MOMENT.validate_python(value) if value is not None else None
    except ValidationError:
        return None


class LanguageTypedString(OoapiModel):
    """Only `nl-NL` is used in OKE; other languages are kept and ignored."""

    language: str
    value: str


def in_dutch(value: str) -> list[dict[str, str]]:
    """A text as the wire writes it: a list of LanguageTypedString, in nl-NL only."""
    return [{"language": "nl-NL", "value": value}]


class IdentifierEntry(OoapiModel):
    """`codeType` is extensible: custom values carry an `x-` prefix."""

    codeType: str
    code: str


class GenericConsumer(OoapiModel):
    """A consumer block of another consumer than nl-test-admin: tolerated and kept as it is."""

    consumerKey: str


def _consumer_tag(value: Any) -> str:
    key = value.get("consumerKey") if isinstance(value, dict) else getattr(value, "consumerKey", None)
    return NL_TEST_ADMIN if key == NL_TEST_ADMIN else GENERIC_TAG


def consumers_of(model: type[OoapiModel]) -> Any:
    """A consumer list whose items are `model` for nl-test-admin and `GenericConsumer` for any other key."""
    item = Annotated[
        Annotated[model, Tag(NL_TEST_ADMIN)] | Annotated[GenericConsumer, Tag(GENERIC_TAG)],  # type: ignore[valid-type]
        Discriminator(_consumer_tag),
    ]
    return list[item]


def _reference_tag(value: Any) -> str:
    return ID_TAG if isinstance(value, str) else OBJECT_TAG


def reference_to(model: Any) -> Any:
    """A reference: an id string by default, or the object itself when expanded (or embedded in flow 2)."""
    return Annotated[
        Annotated[Id, Tag(ID_TAG)] | Annotated[model, Tag(OBJECT_TAG)],
        Discriminator(_reference_tag),
    ]


def in_dutch_or_first(texts: list[dict[str, Any]] | None) -> str | None:
    """The Dutch value of a (validated) list of LanguageTypedString, else the first one; None when there is none."""
    if not texts:
        return None
    return str(next((t for t in texts if str(t.get("language", "")).startswith("nl")), texts[0])["value"])


def component_id(offering: dict[str, Any]) -> str | None:
    """The id of the test (TA's componentId) a ComponentOffering names, in either of the forms a reference takes."""
    component = offering.get("component")
    if isinstance(component, dict):
        component = component.get("componentId")
    return str(component) if component else None


def nl_test_admin_index(consumers: Any) -> int | None:
    """Where the nl-test-admin block stands in a consumer list as received (which may be anything)."""
    if isinstance(consumers, list):
        for i, block in enumerate(consumers):
            if isinstance(block, dict) and block.get("consumerKey") == NL_TEST_ADMIN:
                return i
    return None


def nl_test_admin_block(consumers: Any) -> dict[str, Any] | None:
    """The nl-test-admin block of a consumer list as received, if there is one."""
    index = nl_test_admin_index(consumers)
    return None if index is None else consumers[index]


#: Why a message's second nl-test-admin block is refused, at its pointer (`repeated_nl_test_admin`).
SEND_ONE = f"a second {NL_TEST_ADMIN} block; send one"


def repeated_nl_test_admin(consumers: Any) -> list[int]:
    """Where a consumer list as received has an nl-test-admin block after its first. Consumers merge as a map by
    `consumerKey` (docs/standard.md), so a second block would silently overwrite the first: it is refused."""
    if not isinstance(consumers, list):
        return []
    found = [i for i, b in enumerate(consumers) if isinstance(b, dict) and b.get("consumerKey") == NL_TEST_ADMIN]
    return found[1:]


#: The error type of a union whose discriminator is missing or unknown; its context names the field.
DISCRIMINATOR_ERROR = "discriminator"


def _tag(value: str) -> str:
    return f"<{value}>"


def union_on(field: str, models: dict[str, type[OoapiModel]]) -> Any:
    """A union discriminated by `field` (offeringType, associationType) whose tags stay out of pointers."""
    UNION_TAGS.update(_tag(value) for value in models)

    def discriminate(data: Any) -> str | None:
        value = data.get(field) if isinstance(data, dict) else getattr(data, field, None)
        return _tag(value) if value in models else None

    members = tuple(Annotated[model, Tag(_tag(value))] for value, model in models.items())
    discriminator = Discriminator(
        discriminate,
        custom_error_type=DISCRIMINATOR_ERROR,
        custom_error_message=f"is missing or is not one of {', '.join(models)}",
        custom_error_context={"field": field},
    )
    return Annotated[Union[members], discriminator]  # noqa: UP007
