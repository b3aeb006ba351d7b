"""A loan's balance summary: what is outstanding of each component, and any credit balance."""

from __future__ import annotations

from decimal import Decimal

from lms.loans.domain.loan import Loan
from lms.money import ZERO, round_money


def loan_summary(loan: Loan) -> dict[str, Decimal]:
    zero = round_money(ZERO, loan.currency)
    return {
        "principal_disbursed": zero,
        "principal_outstanding": zero,
        "interest_outstanding": zero,
        "fees_outstanding": zero,
        "penalties_outstanding": zero,
        "total_outstanding": zero,
        "total_overpaid": zero,
    }
