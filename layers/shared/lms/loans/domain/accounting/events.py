"""Payloads of the accounting push (lms-to-accounting-push.md): exactly the seed's fields and types.

Numbers stay Decimal (serialized as JSON numbers), dates are yyyy-MM-dd, revenueMonth is yyyy-MM.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.records.transactions import Portions

DISBURSEMENT = "DISBURSEMENT"
REVENUE_REPORT = "REVENUE_REPORT"
REPAYMENT = "REPAYMENT"
EARLY_SETTLEMENT = "EARLY_SETTLEMENT"
REVERSAL = "REVERSAL"


def _party(loan: Loan) -> dict:
    return {"customerId": str(loan.customer_id), "customerName": loan.customer_name, "loanId": str(loan.id)}


def disbursement(loan: Loan, amount: Decimal, admin_fee: Decimal, vat: Decimal, on: date) -> dict:
    return {
        **_party(loan),
        "loanAmount": amount,
        "adminFee": admin_fee,
        "vatOnAdminFee": vat,
        "disbursementDate": on.isoformat(),
    }


def revenue_report(loan: Loan, month: date, amount: Decimal) -> dict:
    return {**_party(loan), "revenueMonth": month.strftime("%Y-%m"), "revenueAmount": amount}


def repayment(loan: Loan, portions: Portions, on: date, fee_name: str) -> dict:
    fees = portions.fees + portions.penalties
    return {
        **_party(loan),
        "repaymentPrincipal": portions.principal,
        "repaymentInterest": portions.interest,
        "repaymentDate": on.isoformat(),
        "feeAmount": fees,
        "feeName": fee_name if fees else "",
    }


def early_settlement(loan: Loan, portions: Portions, on: date, fee_name: str) -> dict:
    return {
        **_party(loan),
        "repaymentEarlySettlementPrincipal": portions.principal,
        "repaymentEarlySettlementInterest": portions.interest,
        "repaymentEarlySettlementDate": on.isoformat(),
        "feeAmount": portions.fees + portions.penalties,
        "feeName": fee_name if portions.fees + portions.penalties else "",
    }


def reversal(loan: Loan, event_id: str, event_type: str, on: date, reason: str) -> dict:
    """Not in the seed's contract: sent only where the accounting system accepts reversals."""
    return {
        **_party(loan),
        "reversedEventId": event_id,
        "reversedEventType": event_type,
        "reversalDate": on.isoformat(),
        "reason": reason,
    }
