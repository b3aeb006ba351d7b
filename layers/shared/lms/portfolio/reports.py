"""The portfolio reports: portfolio at risk and arrears aging, per currency, for the whole book, an
office, a product or both (one scope each).

Today's figures are the newest record plus the changes of every date after it (one Query each, a
fixed number of items: PORTFOLIO_SHARDS per open date, however many loans). Each item is read
atomically and a loan's change is in one item per scope, so every loan is counted whole. A past
date's figures are that date's record, as the daily run left it (one read); a date without one is
named as such, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lms import clock
from lms.errors import InvalidArgument, NotFound
from lms.money import is_supported_currency
from lms.portfolio.figures import Cells, add_cells, scope_of
from lms.portfolio.recorder import portfolio_currencies
from lms.portfolio.store import PortfolioStore, day_of


@dataclass(frozen=True)
class PortfolioView:
    currency: str
    as_of: date
    recorded_at: str | None  # None: today's figures, live
    cells: Cells


@dataclass(frozen=True)
class PortfolioQuery:
    as_of: date | None = None
    office_id: int | None = None
    product_id: int | None = None
    currency: str | None = None


class PortfolioReports:
    def __init__(self, store: PortfolioStore | None = None):
        self.store = store or PortfolioStore()

    def views(self, query: PortfolioQuery) -> list[PortfolioView]:
        today = clock.business_date()
        if query.as_of is not None and query.as_of > today:
            raise InvalidArgument.field("asOf", f"must not be after today's business date ({today.isoformat()})")
        if query.currency is not None and not is_supported_currency(query.currency):
            raise InvalidArgument.field("currency", f"unsupported currency {query.currency!r}")
        currencies = [query.currency] if query.currency is not None else portfolio_currencies()
        scope = scope_of(query.office_id, query.product_id)
        if query.as_of is None or query.as_of == today:
            return [self._today(currency, scope, today) for currency in currencies]
        return [self._recorded(currency, scope, query.as_of) for currency in currencies]

    def _today(self, currency: str, scope: str, today: date) -> PortfolioView:
        record = self.store.latest_record(currency, scope)
        since = day_of(record["SK"]) if record is not None else None
        cells = add_cells(add_cells({}, [record] if record else []), self.store.days(currency, scope, since, None))
        return PortfolioView(currency, today, None, cells)

    def _recorded(self, currency: str, scope: str, day: date) -> PortfolioView:
        record = self.store.record(currency, scope, day)
        if record is None:
            raise NotFound(
                f"no portfolio record for {day.isoformat()} ({currency}): a date is recorded when its close of "
                "business completes; ask for today's figures without asOf"
            )
        return PortfolioView(currency, day, record["recordedAt"], add_cells({}, [record]))
