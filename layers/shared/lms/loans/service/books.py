"""The books a change of a loan posts into: the ledger lines and events it adds, in the base currency."""

from __future__ import annotations

from lms.config import get_settings
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.aggregate.loan import Actor, Loan


def books_for(loan: Loan, actor: Actor) -> Books:
    return Books(loan, get_settings().base_currency, actor.at, actor.by, actor.today)
