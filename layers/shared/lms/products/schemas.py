"""Loan product request and response bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from lms.api.types import (
    DecimalNumber,
    NonBlankStr,
    NonNegativeAmount,
    PositiveAmount,
    RequestModel,
    ResponseModel,
    StrictBool,
)
from lms.products.domain import FeeRule, LoanProduct, ProcessingStrategy

Count = Field(ge=1, le=1000, strict=True)


class FeeRuleIn(RequestModel):
    type: Literal["fixed", "percent"]
    value: NonNegativeAmount
    name: NonBlankStr | None = None


class CreateProductRequest(RequestModel):
    name: NonBlankStr
    short_name: NonBlankStr | None = None
    description: NonBlankStr | None = None
    currency: NonBlankStr = Field(pattern=r"^[A-Z]{3}$")
    principal: PositiveAmount
    min_principal: PositiveAmount | None = None
    max_principal: PositiveAmount | None = None
    number_of_repayments: int = Count
    min_number_of_repayments: int | None = Field(default=None, ge=1, le=1000, strict=True)
    max_number_of_repayments: int | None = Field(default=None, ge=1, le=1000, strict=True)
    repayment_every: int = Count
    repayment_frequency_type: Literal[0, 1, 2]
    interest_rate_per_period: DecimalNumber = Field(ge=0)
    min_interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    max_interest_rate_per_period: DecimalNumber | None = Field(default=None, ge=0)
    interest_rate_frequency_type: Literal[0, 1, 2, 3, 4]
    interest_type: Literal[0, 1]
    amortization_type: Literal[0, 1]
    interest_calculation_period_type: Literal[0, 1] = 1
    transaction_processing_strategy_code: ProcessingStrategy = ProcessingStrategy.MIFOS_STANDARD
    days_in_year_type: Literal[1, 360, 365] = 365
    admin_fee: FeeRuleIn | None = None
    vat_rate: NonNegativeAmount = Decimal(0)
    insurance: FeeRuleIn | None = None
    settlement_fee: FeeRuleIn | None = None
    allow_partial_disbursement: StrictBool = False
    deduct_first_period_interest: StrictBool = False

    def to_fields(self) -> dict:
        """The product's fields; a bound left out equals the default (no range)."""
        values = self.model_dump()
        for field in ("principal", "number_of_repayments", "interest_rate_per_period"):
            for bound in ("min_", "max_"):
                if values[bound + field] is None:
                    values[bound + field] = values[field]
        return values


class FeeRuleOut(ResponseModel):
    type: str
    value: Decimal
    name: str | None

    @classmethod
    def of(cls, rule: FeeRule | None) -> FeeRuleOut | None:
        return None if rule is None else cls(type=rule.type, value=rule.value, name=rule.name)


class ProductOut(ResponseModel):
    id: str
    name: str
    short_name: str | None
    description: str | None
    currency: str
    principal: Decimal
    min_principal: Decimal
    max_principal: Decimal
    number_of_repayments: int
    min_number_of_repayments: int
    max_number_of_repayments: int
    repayment_every: int
    repayment_frequency_type: int
    interest_rate_per_period: Decimal
    min_interest_rate_per_period: Decimal
    max_interest_rate_per_period: Decimal
    interest_rate_frequency_type: int
    interest_type: int
    amortization_type: int
    interest_calculation_period_type: int
    transaction_processing_strategy_code: str
    days_in_year_type: int
    admin_fee: FeeRuleOut | None
    vat_rate: Decimal
    insurance: FeeRuleOut | None
    settlement_fee: FeeRuleOut | None
    allow_partial_disbursement: bool
    deduct_first_period_interest: bool
    created_at: str

    @classmethod
    def of(cls, product: LoanProduct) -> ProductOut:
        data = product.model_dump()
        data.update(
            id=str(product.id),
            admin_fee=FeeRuleOut.of(product.admin_fee),
            insurance=FeeRuleOut.of(product.insurance),
            settlement_fee=FeeRuleOut.of(product.settlement_fee),
            transaction_processing_strategy_code=product.transaction_processing_strategy_code.value,
        )
        return cls.model_validate(data)
