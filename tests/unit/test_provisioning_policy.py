"""The provisioning policy and the allowance it requires of an aging (pure; exact amounts)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.errors import InvalidArgument
from lms.portfolio.figures import AgingRow
from lms.portfolio.provisioning import ProvisioningPolicy, required_allowance

ZERO = Decimal("0.00")


def row(bucket, principal):
    return AgingRow(bucket, 1, Decimal(principal), ZERO, ZERO, ZERO, ZERO)


def test_the_default_policy_provides_by_bucket_and_nothing_for_loans_not_in_arrears():
    policy = ProvisioningPolicy()
    assert [policy.percent_for(b) for b in (None, "1-30", "31-60", "61-90", "91-180", "181+")] == [
        0, 1, 5, 25, 50, 100,
    ]  # fmt: skip
    # A product's own bucket takes the rate of the policy bucket holding its first day.
    assert [policy.percent_for(b) for b in ("1-15", "16-30", "46-90", "365+")] == [1, 1, 5, 100]


def test_each_row_is_rounded_half_even_then_summed():
    aging = [row(None, "5000.00"), row("1-30", "1234.50"), row("31-60", "10.10"), row("181+", "99.99")]
    total, rows = required_allowance(ProvisioningPolicy(), aging, "TZS")
    # 1% of 1,234.50 is 12.345: half-even to 12.34; 5% of 10.10 is 0.505: to 0.50.
    assert [(r.bucket, r.required) for r in rows] == [
        (None, ZERO), ("1-30", Decimal("12.34")), ("31-60", Decimal("0.50")), ("181+", Decimal("99.99")),
    ]  # fmt: skip
    assert total == Decimal("112.83")
    total_ugx, _ = required_allowance(ProvisioningPolicy(), [row("31-60", "1010")], "UGX")
    assert total_ugx == Decimal("50")  # 50.5 to no minor units, half-even


def test_a_policy_is_checked_field_by_field():
    parsed = ProvisioningPolicy.parse([{"bucket": "1-60", "percent": Decimal("2.5")}, {"bucket": "61+", "percent": 80}])
    assert parsed.rates == (("1-60", Decimal("2.5")), ("61+", Decimal("80")))
    assert parsed.percent_for("31-60") == Decimal("2.5")
    for rates, field in [
        ([{"bucket": "1-30", "percent": Decimal("100.01")}, {"bucket": "31+", "percent": 1}], "rates.0.percent"),
        ([{"bucket": "1-30", "percent": -1}, {"bucket": "31+", "percent": 1}], "rates.0.percent"),
        ([{"bucket": "1-30", "percent": False}, {"bucket": "31+", "percent": 1}], "rates.0.percent"),
        ([{"bucket": "1-30", "percent": 1}, {"bucket": "30+", "percent": 1}], "rates[1]"),
        ([{"bucket": "2-30", "percent": 1}, {"bucket": "31+", "percent": 1}], "rates[0]"),
        ([{"bucket": "1-30", "percent": 1}], "rates[0]"),
        ([{"bucket": 7, "percent": 1}], "rates.0.bucket"),
        ("1-30", "rates"),
    ]:
        with pytest.raises(InvalidArgument) as refused:
            ProvisioningPolicy.parse(rates)
        assert refused.value.details[0].field == field, (rates, refused.value.details)
