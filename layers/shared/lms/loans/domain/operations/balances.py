"""A loan's balance summary and its schedule with what has been paid, from a replay of its transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.calculation.allocation import COMPONENTS, InstallmentPosition
from lms.loans.domain.calculation.position import LoanPosition
from lms.loans.domain.calculation.schedule import build_schedule
from lms.money import ZERO, round_money

SUMMARY_FIGURES = (
    "principal_disbursed",
    "principal_outstanding",
    "interest_outstanding",
    "fees_outstanding",
    "penalties_outstanding",
    "total_outstanding",
    "total_overpaid",
)


def nothing_owed(currency: str) -> dict[str, Decimal]:
    """The summary of a loan before its disbursement: every figure zero."""
    return dict.fromkeys(SUMMARY_FIGURES, round_money(ZERO, currency))


def loan_summary(loan: Loan, position: LoanPosition | None = None) -> dict[str, Decimal]:
    zero = round_money(ZERO, loan.currency)
    if not loan.schedule:
        return nothing_owed(loan.currency)
    position = position or position_of(loan)
    owed = position.owed
    return {
        "principal_disbursed": position.principal_disbursed + zero,
        "principal_outstanding": owed.principal + zero,
        "interest_outstanding": owed.interest + zero,
        "fees_outstanding": owed.fees + zero,
        "penalties_outstanding": owed.penalties + zero,
        "total_outstanding": owed.total + zero,
        "total_overpaid": position.credit_balance + zero,
    }


@dataclass(frozen=True)
class ScheduleLine:
    number: int
    from_date: date
    due_date: date
    due: dict[str, Decimal]
    paid: dict[str, Decimal]
    waived: dict[str, Decimal]

    @property
    def total_due(self) -> Decimal:
        return sum(self.due.values(), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum(self.paid.values(), ZERO)

    @property
    def total_outstanding(self) -> Decimal:
        return self.total_due - self.total_paid - sum(self.waived.values(), ZERO)


def lines_of(installments: list[InstallmentPosition], currency: str) -> list[ScheduleLine]:
    """The schedule as a position has it: what each installment is due, paid and forgiven."""
    zero = round_money(ZERO, currency)
    return [
        ScheduleLine(
            number=i.number,
            from_date=i.from_date,
            due_date=i.due_date,
            due={c: i.due[c] + zero for c in COMPONENTS},
            paid={c: i.paid[c] + zero for c in COMPONENTS},
            waived={c: i.waived[c] + zero for c in COMPONENTS},
        )
        for i in installments
    ]


def schedule_lines(loan: Loan) -> list[ScheduleLine]:
    """After disbursement, the loan's schedule with payments applied; before it, the expected schedule."""
    zero = round_money(ZERO, loan.currency)
    if loan.schedule:
        return lines_of(position_of(loan).installments, loan.currency)
    expected = build_schedule(
        loan.principal, loan.currency, loan.terms, loan.expected_disbursement_date, loan.repayments_starting_from_date
    )
    return [
        ScheduleLine(
            number=i.number,
            from_date=i.from_date,
            due_date=i.due_date,
            due={"principal": i.principal_due, "interest": i.interest_due, "fees": zero, "penalties": zero},
            paid=dict.fromkeys(COMPONENTS, zero),
            waived=dict.fromkeys(COMPONENTS, zero),
        )
        for i in expected
    ]
