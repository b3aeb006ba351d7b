"""Field types of request models: strict ISO dates, non-blank strings, exact decimal amounts."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from lms.money import MAX_INTEGER_DIGITS

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be ISO yyyy-MM-dd")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be ISO yyyy-MM-dd (no such calendar day)") from None


def _non_blank(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
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
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ValueError("must be a positive integer id")
    return value


_DATE_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "example": "2026-05-23"})
_DECIMAL_SCHEMA = WithJsonSchema({"type": "number", "example": 10000})

IsoDate = Annotated[date, BeforeValidator(_iso_date), _DATE_SCHEMA]
NonBlankStr = Annotated[str, BeforeValidator(_non_blank), Field(max_length=200)]
LongText = Annotated[str, BeforeValidator(_non_blank), Field(max_length=2000)]
DecimalNumber = Annotated[Decimal, BeforeValidator(_decimal), _DECIMAL_SCHEMA]
PositiveAmount = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_positive), _DECIMAL_SCHEMA]
NonNegativeAmount = Annotated[Decimal, BeforeValidator(_decimal), AfterValidator(_not_negative), _DECIMAL_SCHEMA]
EntityId = Annotated[int, BeforeValidator(_identifier), WithJsonSchema({"type": "integer", "minimum": 1})]
StrictBool = Annotated[bool, Field(strict=True)]


class RequestModel(BaseModel):
    """A request body: camelCase on the wire, unknown fields refused. The docstring under a field
    is its description in the OpenAPI document."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        str_max_length=2000,
        use_attribute_docstrings=True,
    )


class ResponseModel(BaseModel):
    """A response body: camelCase on the wire."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=True, serialize_by_alias=True
    )


def with_example(example: dict[str, Any]) -> ConfigDict:
    """A request model's config with a realistic body, the example of its OpenAPI schema."""
    return ConfigDict(json_schema_extra={"examples": [example]})
