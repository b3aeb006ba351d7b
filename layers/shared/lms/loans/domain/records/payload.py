"""Event payload amounts: stored as exact decimal text, read back as Decimal, sent as JSON numbers."""

from __future__ import annotations

from decimal import Decimal

PAYLOAD_AMOUNTS = frozenset(
    {
        "loanAmount",
        "adminFee",
        "vatOnAdminFee",
        "revenueAmount",
        "repaymentPrincipal",
        "repaymentInterest",
        "feeAmount",
        "repaymentEarlySettlementPrincipal",
        "repaymentEarlySettlementInterest",
    }
)


def with_decimal_amounts(payload: dict) -> dict:
    return {k: Decimal(str(v)) if k in PAYLOAD_AMOUNTS and v is not None else v for k, v in payload.items()}
