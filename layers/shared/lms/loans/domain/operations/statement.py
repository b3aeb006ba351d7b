"""A borrower's statement for a period (pure): the balances at its start and end, every transaction
dated in it (reversed ones shown as such), the charges assessed in it, and the schedule with what
was paid against each installment by its end.

Balances are replayed from the whole history (`LoanHistory.position_on`): the opening balance is
the position at the end of the day before the period, the closing one at the end of its last day,
as the history is known now (a back-dated payment or a reversal shows in every statement that
covers its date). Before the disbursement nothing is owed. The closing balance of a period ending
today is the loan's outstanding (`loan_summary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lms.errors import FieldError, InvalidArgument
from lms.loans.domain.accounting.rebook import position_of, with_charge_states
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.operations.balances import ScheduleLine, lines_of, loan_summary, nothing_owed
from lms.loans.domain.operations.delinquency import history_of
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction


@dataclass(frozen=True)
class LoanStatement:
    loan: Loan
    period_from: date
    period_to: date
    opening: dict[str, Decimal]  # loan_summary's figures at the end of the day before the period
    closing: dict[str, Decimal]  # and at the end of its last day
    transactions: list[LoanTransaction]
    charges: list[LoanCharge]
    schedule: list[ScheduleLine]


def statement_period(loan: Loan, period_from: date | None, period_to: date | None, today: date) -> tuple[date, date]:
    """The period asked for: from the loan's first day (its disbursement, else its submission) to today
    by default; each bound a real date of the loan's life, named when it is not."""
    start = period_from or loan.disbursed_on_date or loan.submitted_on_date
    end = period_to or today
    problems = []
    if end > today:
        problems.append(FieldError("to", f"must not be after today's business date ({today.isoformat()})"))
    if start > end:
        problems.append(FieldError("from", f"must not be after to ({end.isoformat()})"))
    if problems:
        raise InvalidArgument.fields(problems)
    return start, end


def loan_statement(loan: Loan, period_from: date, period_to: date) -> LoanStatement:
    disbursed = loan.disbursed_on_date
    if disbursed is None or not loan.schedule:
        nothing = nothing_owed(loan.currency)
        in_period = [t for t in loan.transactions if period_from <= t.date <= period_to]
        return LoanStatement(loan, period_from, period_to, nothing, nothing, in_period, [], [])
    history = history_of(loan)
    day_before = period_from - timedelta(days=1)
    opening = (
        nothing_owed(loan.currency) if day_before < disbursed else loan_summary(loan, history.position_on(day_before))
    )
    closing_position = history.position_on(period_to) if period_to >= disbursed else None
    closing = loan_summary(loan, closing_position) if closing_position is not None else nothing_owed(loan.currency)
    transactions = sorted(
        (t for t in loan.transactions if period_from <= t.date <= period_to), key=lambda t: (t.date, t.id)
    )
    stated = with_charge_states(loan, position_of(loan))  # each charge as it stands now
    dated = {t.id: t.date for t in loan.transactions}
    charges = [c for c in stated.charges if period_from <= dated.get(c.transaction_id, date.min) <= period_to]
    schedule = lines_of(closing_position.installments, loan.currency) if closing_position is not None else []
    return LoanStatement(loan, period_from, period_to, opening, closing, transactions, charges, schedule)
