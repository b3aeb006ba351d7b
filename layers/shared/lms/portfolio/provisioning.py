"""Loan-loss provisioning (pure): the policy and the allowance it requires of an aging.

The policy gives, per delinquency bucket, the percentage of outstanding principal to hold against
losses (defaults 1%, 5%, 25%, 50%, 100% for 1-30, 31-60, 61-90, 91-180, 181+; loans not in arrears
0%). Its buckets follow the delinquency buckets' rules (from day 1, no gap, no overlap, the last
open-ended). A product may name other buckets: a loan's bucket takes the rate of the policy bucket
holding its first day (a product's "1-15" is provided at the policy's 1-30 rate).

The required allowance is computed per aging row, each rounded half-even to the currency's minor
units, and summed: so the allowance booked equals the policy applied to the aging report, to the
cent. The month's run books only the change from what is held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from lms.errors import FieldError, InvalidArgument
from lms.money import ZERO, round_money
from lms.portfolio.figures import AgingRow, bucket_order
from lms.products.servicing_rules import DelinquencyBuckets

DEFAULT_RATES: tuple[tuple[str, Decimal], ...] = (
    ("1-30", Decimal("1")),
    ("31-60", Decimal("5")),
    ("61-90", Decimal("25")),
    ("91-180", Decimal("50")),
    ("181+", Decimal("100")),
)
HUNDRED = Decimal(100)
MAX_RATES = 20


@dataclass(frozen=True)
class ProvisioningPolicy:
    rates: tuple[tuple[str, Decimal], ...] = DEFAULT_RATES

    @classmethod
    def parse(cls, rates: Any) -> ProvisioningPolicy:
        """From the wire form `[{"bucket": "1-30", "percent": 1}, ...]`; every problem named."""
        if not isinstance(rates, list) or not rates or len(rates) > MAX_RATES:
            raise InvalidArgument.field("rates", f"must be a list of 1 to {MAX_RATES} buckets with their percent")
        problems: list[FieldError] = []
        parsed: list[tuple[str, Decimal]] = []
        for n, rate in enumerate(rates):
            if not isinstance(rate, dict) or set(rate) != {"bucket", "percent"}:
                problems.append(FieldError(f"rates.{n}", "must be {bucket, percent}"))
                continue
            bucket, percent = rate["bucket"], rate["percent"]
            try:
                exact = isinstance(percent, (int, Decimal)) and not isinstance(percent, bool)
                value = Decimal(percent) if exact else None
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite() or not ZERO <= value <= HUNDRED or value.as_tuple().exponent < -2:
                problems.append(FieldError(f"rates.{n}.percent", "must be a number from 0 to 100, at most 2 decimals"))
            if not isinstance(bucket, str):
                problems.append(FieldError(f"rates.{n}.bucket", "must be a bucket such as 1-30 or 181+"))
            elif value is not None:
                parsed.append((bucket, value))
        if problems:
            raise InvalidArgument.fields(problems)
        DelinquencyBuckets.parse([b for b, _ in parsed], field_name="rates")  # the buckets' own rules
        return cls(tuple(parsed))

    @property
    def buckets(self) -> DelinquencyBuckets:
        return DelinquencyBuckets.parse([b for b, _ in self.rates], field_name="rates")

    def percent_for(self, bucket: str | None) -> Decimal:
        """The percentage a loan in `bucket` (None: not in arrears) is provided at."""
        if bucket is None:
            return ZERO
        first_day = bucket_order(bucket)[0]
        held_by = self.buckets.bucket_for(first_day)
        return dict(self.rates)[held_by] if held_by is not None else HUNDRED

    def wire(self) -> list[dict[str, Any]]:
        return [{"bucket": b, "percent": p} for b, p in self.rates]


@dataclass(frozen=True)
class ProvisionRow:
    bucket: str | None
    principal: Decimal
    percent: Decimal
    required: Decimal


def required_allowance(
    policy: ProvisioningPolicy, aging: Sequence[AgingRow], currency: str
) -> tuple[Decimal, list[ProvisionRow]]:
    """The allowance the policy requires of an aging: per row, its outstanding principal times the
    rate of its bucket, rounded half-even; and their sum."""
    rows = []
    for row in aging:
        percent = policy.percent_for(row.bucket)
        required = round_money(row.principal * percent / HUNDRED, currency)
        rows.append(ProvisionRow(row.bucket, row.principal, percent, required))
    return round_money(sum((r.required for r in rows), ZERO), currency), rows
