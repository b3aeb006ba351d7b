"""The daily record of the portfolio: once the close of business of a date completes, each scope's
figures at the end of that date are written down, so a report for a past date is one read.

A scope's record for `d` is its newest earlier record plus the changes of every date after it up
to `d`. Recording closes those dates first (each day item answers its final figures as it is
closed), so a change that arrives later goes to an open date and is never lost from today's
figures. Recording a date again gives the same record: its dates are closed.
"""

from __future__ import annotations

from datetime import date, timedelta

from lms import clock
from lms.ledger.domain.accounts import Role
from lms.ledger.store import LedgerStore
from lms.offices.store import OfficeStore
from lms.portfolio.figures import Cells, add_cells, cell_attributes
from lms.portfolio.store import PORTFOLIO_SHARDS, PortfolioStore, day_of
from lms.products.store import ProductStore
from lms.storage.dynamo import Table
from lms.storage.tables import core_table

# A scope without a record (new, or never recorded) closes only the dates it has items for and the
# date recorded; one that missed nights closes every date since its record, up to this many.
MAX_GAP_DAYS = 366
# Offices and products a lender configures, at most (each office and product pair is a scope).
MAX_CONFIGURED = 10_000


def portfolio_currencies(ledger: LedgerStore | None = None) -> list[str]:
    """The currencies with a Loans receivable account: those a loan can be in."""
    accounts = (ledger or LedgerStore()).all_accounts()
    return sorted({a.currency for a in accounts if a.role == Role.LOANS_RECEIVABLE})


def scopes_by_currency(currencies: list[str], core: Table | None = None) -> dict[str, list[str]]:
    """Every scope a loan of each currency can count in: the book, each office, each of the
    currency's products, and each pair. Offices and products (the lender's configuration: few) are
    read once for all currencies."""
    table = core or core_table()
    offices = [o.id for o in OfficeStore(table).list(1, MAX_CONFIGURED).items]
    products = ProductStore(table).list(1, MAX_CONFIGURED).items
    scopes = {}
    for currency in currencies:
        own = [p.id for p in products if p.currency == currency]
        scopes[currency] = [
            "ALL",
            *(f"O{o}" for o in offices),
            *(f"P{p}" for p in own),
            *(f"O{o}P{p}" for o in offices for p in own),
        ]
    return scopes


class PortfolioRecorder:
    def __init__(self, store: PortfolioStore | None = None):
        self.store = store or PortfolioStore()

    def record_day(self, day: date, currencies: list[str] | None = None) -> int:
        """Record every scope of every currency for `day`; answers the records written."""
        written = 0
        wanted = currencies if currencies is not None else portfolio_currencies()
        for currency, scopes in scopes_by_currency(wanted).items():
            for scope in scopes:
                self.record_scope(currency, scope, day)
                written += 1
        return written

    def record_scope(self, currency: str, scope: str, day: date) -> Cells:
        prior = self.store.latest_record(currency, scope, before=day)
        since = day_of(prior["SK"]) if prior is not None else None
        dates = {day_of(item["SK"]) for item in self.store.days(currency, scope, since, day)} | {day}
        if since is not None:
            first = max(since + timedelta(days=1), day - timedelta(days=MAX_GAP_DAYS))
            dates |= {first + timedelta(days=n) for n in range((day - first).days + 1)}
        closed = [
            self.store.close_day(currency, scope, d, shard) for d in sorted(dates) for shard in range(PORTFOLIO_SHARDS)
        ]
        cells = add_cells(add_cells({}, [prior] if prior else []), closed)
        self.store.put_record(currency, scope, day, cell_attributes(cells), clock.timestamp())
        return cells
