"""Field types of request models: strict ISO dates, printable non-blank text, exact decimal amounts,
ASCII digits wherever a number is written as text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler, WithJsonSchema
from pydantic._internal._docs_extraction import extract_docstrings_from_cls  # the reader pydantic's option uses
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue

from lms.limits import MAX_ID_DIGITS, MAX_LONG_TEXT, MAX_SHORT_TEXT
from lms.money import MAX_INTEGER_DIGITS
from lms.text import ascii_digits, text_problem

# [0-9], not \d: \d (and Decimal()) also read Arabic-Indic and full-width digits.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be ISO yyyy-MM-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be ISO yyyy-MM-dd (no such calendar day)") from None


def _line(value: Any) -> Any:
    """One line of text: trimmed, printable, not only invisible characters."""
    return _checked_text(value, multiline=False)


def _paragraphs(value: Any) -> Any:
    """Free text that may span lines (a note): line breaks and tabs are its only controls."""
    return _checked_text(value, multiline=True)


def _checked_text(value: Any, *, multiline: bool) -> Any:
    if isinstance(value, str):
        value = value.strip()
        problem = text_problem(value, multiline=multiline)
        if problem:
            raise ValueError(problem)
    return value


def _decimal(value: Any) -> Any:
    # bool is an int in Python; JSON true must not become an amount of 1.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError("must be a decimal number")
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value.strip()):
            raise ValueError("must be a decimal number")
        value = value.strip()
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError("must be a decimal number") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise ValueError(f"must be less than 10^{MAX_INTEGER_DIGITS}")
    return number


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _identifier(value: Any) -> Any:
    """Ids are positive integers; JSON may carry them as numbers or digit strings."""
    if isinstance(value, bool):
        raise ValueError("must be a positive integer id")
    if isinstance(value, str) and len(value.strip()) <= MAX_ID_DIGITS and ascii_digits(value.strip()):
        value = int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive integer id")
    if value >= 10**MAX_ID_DIGITS:
        raise ValueError(f"must be a positive integer id of at most {MAX_ID_DIGITS} digits")
    return value


_DATE_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "example": "2026-05-23"})
_DECIMAL_SCHEMA = WithJsonSchema({"type": "number", "example": 10000})

IsoDate = Annotated[date, BeforeValidator(_iso_date), _DATE_SCHEMA]
# Names, references, external ids, descriptions: one line.
NonBlankStr = Annotated[str, BeforeValidator(_line), Field(max_length=MAX_SHORT_TEXT)]
# Notes and narrations: may span lines.
LongText = Annotated[str, BeforeValidator(_paragraphs), Field(max_length=MAX_LONG_TEXT)]
DecimalNumber = Annotated[Decimal, BeforeValidator(_decimal), _DECIMAL_SCHEMA]
PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_positive), _DECIMAL_SCHEMA]
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_not_negative), _DECIMAL_SCHEMA]
EntityId = Annotated[int, BeforeValidator(_identifier), WithJsonSchema({"type": "integer", "minimum": 1})]
StrictBool = Annotated[bool, Field(strict=True)]


# Cold start (bench/test_bench_cold_start.py): a module of schemas defines many models and a
# function uses a few, so a model's validator and serializer are built when it is first used (a
# route's body at registration, a response when rendered), not when its module is imported.
class RequestModel(BaseModel):
    """A request body: camelCase on the wire, unknown fields refused. The docstring under a field
    is its description in the OpenAPI document."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        str_max_length=MAX_LONG_TEXT,
        defer_build=True,
    )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # Fields' docstrings are read when the schema is made (`make openapi`), not when the class
        # is: pydantic's `use_attribute_docstrings` finds a class's source through inspect's scan of
        # every loaded module, 5 to 10 ms per model at every cold start, for a text only the OpenAPI
        # document shows.
        json_schema = handler(core_schema)
        properties = handler.resolve_ref_schema(json_schema).get("properties", {})
        for name, text in _field_docstrings(cls).items():
            field = cls.model_fields.get(name)
            if field is None or field.description is not None:
                continue
            described = properties.get(field.validation_alias or field.alias or name)
            if isinstance(described, dict):
                described.setdefault("description", text)
        return json_schema


@cache
def _field_docstrings(model: type[RequestModel]) -> dict[str, str]:
    """The docstring under each field of the model and of the request models it inherits from (its
    own first), as pydantic's `use_attribute_docstrings` reads them."""
    texts: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if isinstance(klass, type) and issubclass(klass, RequestModel) and klass is not RequestModel:
            texts.update(extract_docstrings_from_cls(klass, use_inspect=True))
    return texts


class ResponseModel(BaseModel):
    """A response body: camelCase on the wire."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        defer_build=True,
    )


def with_example(example: dict[str, Any]) -> ConfigDict:
    """A request model's config with a realistic body, the example of its OpenAPI schema."""
    return ConfigDict(json_schema_extra={"examples": [example]})
