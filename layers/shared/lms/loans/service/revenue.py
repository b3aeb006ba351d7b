"""The revenue run's part in a loan: one month of interest income booked, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.loans.domain.aggregate.loan import Actor
from lms.loans.domain.operations import revenue
from lms.loans.service.books import books_for
from lms.loans.service.unit_of_work import LoanChange, LoanUnitOfWork
from lms.observability import traced


@dataclass(frozen=True)
class AccrualResult:
    loan_id: int
    currency: str
    outcome: revenue.Outcome | None  # None: it failed
    amount: Decimal | None
    error: str | None


def _accrued(result):
    loan, outcome, amount = result
    return loan, (outcome, amount)


@traced
class LoanRevenue:
    def __init__(self, work: LoanUnitOfWork | None = None):
        self.work = work or LoanUnitOfWork()

    def accrue_month(self, loan_ids: list[int], month: date, actor: Actor) -> list[AccrualResult]:
        """The revenue run for a batch of loans: one read for the batch, one conditional write per loan
        that had something to book. A loan that fails is reported, not retried forever: the next
        attempt of the run finds it still due."""
        change = LoanChange(
            name="accrue",
            apply=lambda loan, found: _accrued(revenue.accrue_month(loan, month, books_for(loan, actor))),
            amount_of=lambda _loan, accrued: accrued[1],
        )
        results = []
        for loan in self.work.loans.get_heads(loan_ids):
            try:
                _, (outcome, amount) = self.work.run(loan.id, change, actor, read=loan)
                results.append(AccrualResult(loan.id, loan.currency, outcome, amount, None))
            except Exception as err:  # one loan's failure must not stop the others
                results.append(AccrualResult(loan.id, loan.currency, None, None, f"{type(err).__name__}: {err}"))
        return results
