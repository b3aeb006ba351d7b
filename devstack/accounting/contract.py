"""The request bodies of lms-to-accounting-push.md as pydantic models, one per endpoint.

Each model is the contract's table for its endpoint: the camelCase field names on the wire, which
fields are required, their types and their rules. `parse` validates a body and turns every problem
into the "field: reason" strings the accounting system answers with. Only rules about the body itself
live here; rules that need the books (unknown loan, ordering, overpayment, duplicates) are the
ledger's.

Choices where the contract is silent:

- JSON null means "not sent": a required field is then missing, an optional one takes its default.
- Amounts are exact: a JSON integer or a Decimal (the HTTP layer parses with parse_float=Decimal).
  Strings, booleans and floats are refused, and so is any scale rule: the contract only says Number.
- A field the contract does not name is refused, so a misspelt optional field (say "feeAmout") fails
  instead of silently booking no fee. The platform sends exactly the contract's fields.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetPydanticSchema,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema

DISBURSEMENT = "DISBURSEMENT"
REVENUE_REPORT = "REVENUE_REPORT"
REPAYMENT = "REPAYMENT"
EARLY_SETTLEMENT = "EARLY_SETTLEMENT"
REVERSAL = "REVERSAL"
# The contract's events: the ones a REVERSAL can name as reversedEventType.
EVENT_TYPES = (DISBURSEMENT, REVENUE_REPORT, REPAYMENT, EARLY_SETTLEMENT)

# The contract's formats are exact: ASCII digits and fixed widths only, so "2026-5-1", "20260501" or
# "2026-05-01T00:00:00" are refused although pydantic's own date parsing would take the last two.
_NON_BLANK = r"\S"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONTH_FORMAT = "must be a month in yyyy-MM format"


def _decimal_if_int(value: Any) -> Any:
    # JSON integers are exact, so they are amounts too; `type(...) is int` leaves out bool.
    return Decimal(value) if type(value) is int else value


def _has_calendar_year(month: str) -> str:
    if month.startswith("0000"):  # fits yyyy-MM, but the calendar starts at year 1
        raise PydanticCustomError("month_format", _MONTH_FORMAT)
    return month


# A Decimal instance only (after JSON integers are made Decimals): strict mode refuses str and float.
Amount = Annotated[Decimal, Field(strict=True), BeforeValidator(_decimal_if_int)]
PositiveAmount = Annotated[Amount, Field(gt=0)]
NonNegativeAmount = Annotated[Amount, Field(ge=0)]
NonBlank = Annotated[StrictStr, StringConstraints(pattern=_NON_BLANK)]
# A string in the contract's format first, then pydantic's date (which refuses 2026-02-30).
IsoDate = Annotated[
    date,
    GetPydanticSchema(
        lambda source, handler: core_schema.chain_schema(
            [core_schema.str_schema(strict=True, pattern=_DATE), handler(source)]
        )
    ),
]
Month = Annotated[StrictStr, StringConstraints(pattern=_MONTH), AfterValidator(_has_calendar_year)]


class LoanEventRequest(BaseModel):
    """What every event carries: the customer and the loan."""

    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=False, extra="forbid", frozen=True
    )
    event_type: ClassVar[str]

    customer_id: NonBlank
    customer_name: NonBlank
    loan_id: NonBlank

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = {field.alias for field in cls.model_fields.values()}
        return {name: value for name, value in data.items() if value is not None or name not in known}


class DisbursementRequest(LoanEventRequest):
    event_type: ClassVar[str] = DISBURSEMENT

    loan_amount: PositiveAmount
    admin_fee: NonNegativeAmount  # required: "Not null (use 0)"
    vat_on_admin_fee: Amount | None = None  # informational only: the VAT is recalculated
    disbursement_date: IsoDate


class RevenueReportRequest(LoanEventRequest):
    event_type: ClassVar[str] = REVENUE_REPORT

    revenue_month: Month
    revenue_amount: PositiveAmount

    @property
    def invoice_date(self) -> date:
        """The last day of the revenue month: interest invoices are dated at the end of the accrual month."""
        year, month = int(self.revenue_month[:4]), int(self.revenue_month[5:])
        return date(year, month, calendar.monthrange(year, month)[1])


# Repayment and early settlement carry the same facts under different names; the attributes are
# shared so the ledger treats them alike.
class RepaymentRequest(LoanEventRequest):
    event_type: ClassVar[str] = REPAYMENT

    principal: Annotated[NonNegativeAmount, Field(alias="repaymentPrincipal")]
    interest: Annotated[NonNegativeAmount, Field(alias="repaymentInterest")]
    paid_on: Annotated[IsoDate, Field(alias="repaymentDate")]
    fee_amount: NonNegativeAmount = Decimal(0)  # a negative fee would be a refund, not a fee
    fee_name: StrictStr = ""


class EarlySettlementRequest(LoanEventRequest):
    event_type: ClassVar[str] = EARLY_SETTLEMENT

    principal: Annotated[NonNegativeAmount, Field(alias="repaymentEarlySettlementPrincipal")]
    interest: Annotated[NonNegativeAmount, Field(alias="repaymentEarlySettlementInterest")]
    paid_on: Annotated[IsoDate, Field(alias="repaymentEarlySettlementDate")]
    fee_amount: NonNegativeAmount = Decimal(0)
    fee_name: StrictStr = ""


PaymentRequest = RepaymentRequest | EarlySettlementRequest


class ReversalRequest(LoanEventRequest):
    """Not in the seed contract: the body the platform's events.reversal() sends (see server.py)."""

    event_type: ClassVar[str] = REVERSAL

    reversed_event_id: NonBlank
    reversed_event_type: Literal[*EVENT_TYPES]
    reversal_date: IsoDate
    reason: StrictStr = ""  # may be empty or absent


REQUESTS: dict[str, type[LoanEventRequest]] = {
    model.event_type: model
    for model in (DisbursementRequest, RevenueReportRequest, RepaymentRequest, EarlySettlementRequest, ReversalRequest)
}

# ---------------------------------------------------------------------------------------------
# Errors as "field: reason"
# ---------------------------------------------------------------------------------------------

_REASONS = {
    "missing": "is required",
    "string_type": "must be a string",
    "is_instance_of": "must be a JSON number",  # only amounts are checked by instance
    "finite_number": "must be a finite number",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be greater than or equal to {ge}",
    "date_parsing": "{input} is not a calendar date",
    "date_from_datetime_parsing": "{input} is not a calendar date",
    "extra_forbidden": "is not a field of the contract",
}
_PATTERN_REASONS = {
    _NON_BLANK: "must not be blank",
    _DATE: "must be a date in yyyy-MM-dd format",
    _MONTH: _MONTH_FORMAT,
}
_FIELD_REASONS = {
    ("adminFee", "missing"): "is required (use 0 when there is no fee)",
    ("reversedEventType", "literal_error"): f"must be one of {', '.join(EVENT_TYPES)}",
}

Request = TypeVar("Request", bound=LoanEventRequest)


def parse(model: type[Request], body: dict[str, Any]) -> tuple[Request | None, list[str]]:
    """The body as `model`, or one "field: reason" per problem, in the contract's field order."""
    try:
        return model.model_validate(body), []
    except ValidationError as err:
        return None, [_message(error) for error in err.errors()]


def _message(error: ErrorDetails) -> str:
    name = ".".join(str(part) for part in error["loc"])
    kind, ctx = error["type"], error.get("ctx", {})
    reason = _FIELD_REASONS.get((name, kind))
    if reason is None and kind == "string_pattern_mismatch":
        reason = _PATTERN_REASONS[ctx["pattern"]]
    if reason is None:
        # Our own errors (PydanticCustomError) carry their reason as msg; pydantic's msg is the fallback.
        template = _REASONS.get(kind)
        reason = template.format(input=error["input"], **ctx) if template else error["msg"]
    return f"{name}: {reason}"
