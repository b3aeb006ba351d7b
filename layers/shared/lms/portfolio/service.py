"""The portfolio's service, one per caller: the stream's projection, the daily record and the reports."""

from __future__ import annotations

from datetime import date

from lms.loans.storage.item_format import PortfolioImage
from lms.observability import traced
from lms.portfolio.projection import project_loan
from lms.portfolio.recorder import PortfolioRecorder
from lms.portfolio.reports import PortfolioQuery, PortfolioReports, PortfolioView
from lms.portfolio.store import PortfolioStore

__all__ = ["PortfolioQuery", "PortfolioService", "PortfolioView"]


@traced
class PortfolioService:
    def __init__(self, store: PortfolioStore | None = None):
        self.store = store or PortfolioStore()

    def project(self, image: PortfolioImage) -> bool:
        """Apply one loan head's stream record; True if the figures changed."""
        return project_loan(self.store, image)

    def record_day(self, day: date) -> int:
        """Record every scope's figures at the end of `day`; answers the records written."""
        return PortfolioRecorder(self.store).record_day(day)

    def views(self, query: PortfolioQuery) -> list[PortfolioView]:
        return PortfolioReports(self.store).views(query)
