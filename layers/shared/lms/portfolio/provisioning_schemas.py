"""The provisioning policy and runs as the API shows them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import Field

from lms.api.types import DecimalNumber, NonBlankStr, RequestModel, ResponseModel, with_example


class ProvisionRateOut(ResponseModel):
    bucket: str
    percent: Decimal


class ProvisioningPolicyOut(ResponseModel):
    rates: list[ProvisionRateOut]
    updated_at: str | None  # null: the default policy, never set
    updated_by: str | None

    @classmethod
    def of(cls, policy: Any, item: dict | None) -> ProvisioningPolicyOut:
        return cls(
            rates=[ProvisionRateOut(bucket=b, percent=p) for b, p in policy.rates],
            updated_at=(item or {}).get("updatedAt"),
            updated_by=(item or {}).get("updatedBy"),
        )


class ProvisionRateIn(RequestModel):
    bucket: NonBlankStr
    """A delinquency bucket: "first-last" or "first+" days past due."""
    percent: DecimalNumber
    """Percentage of the bucket's outstanding principal to provide, 0 to 100 (at most 2 decimals)."""


class SetProvisioningPolicyRequest(RequestModel):
    model_config = with_example(
        {
            "rates": [
                {"bucket": "1-30", "percent": 1},
                {"bucket": "31-60", "percent": 5},
                {"bucket": "61+", "percent": 100},
            ]
        }
    )

    rates: list[ProvisionRateIn] = Field(min_length=1, max_length=20)
    """Per delinquency bucket (from day 1, no gap, no overlap, the last open-ended), the percentage of
    outstanding principal to provide, 0 to 100; loans not in arrears are provided at 0%."""


class StartProvisioningRunRequest(RequestModel):
    model_config = with_example({"month": "2026-06"})

    month: NonBlankStr
    """The month to provision (yyyy-MM), one that has ended and whose last day is recorded."""


class ProvisionRowOut(ResponseModel):
    bucket: str | None  # null: loans not in arrears
    outstanding_principal: Decimal
    percent: Decimal
    required: Decimal


class ProvisioningRunOut(ResponseModel):
    month: str
    currency: str
    as_of: date
    required_allowance: Decimal
    held_before: Decimal
    used_by_charge_offs: Decimal  # written off against the allowance (Dr 1290 / Cr 5100) before the change
    use_entry_id: str | None
    booked: Decimal  # the provision's change: positive provided, negative released
    entry_id: str | None
    buckets: list[ProvisionRowOut]
    recorded_at: str

    @classmethod
    def of(cls, run: Any) -> ProvisioningRunOut:
        return cls(
            month=run.month,
            currency=run.currency,
            as_of=run.as_of,
            required_allowance=run.required,
            held_before=run.held_before,
            used_by_charge_offs=run.used,
            use_entry_id=run.use_entry_id,
            booked=run.booked,
            entry_id=run.entry_id,
            buckets=[
                ProvisionRowOut(
                    **{k: r[k] for k in ("bucket", "percent", "required")},
                    outstanding_principal=r["outstandingPrincipal"],
                )
                for r in run.rows
            ],
            recorded_at=run.recorded_at,
        )


class ProvisioningRunsOut(ResponseModel):
    month: str
    runs: list[ProvisioningRunOut]
