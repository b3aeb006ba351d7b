"""The portfolio reports' answers: JSON models, and the same figures as CSV rows (one per line)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.api.types import ResponseModel
from lms.portfolio.figures import AgingRow, PortfolioAtRisk, aging, portfolio_at_risk
from lms.portfolio.reports import PortfolioView

PAR_CSV_HEADER: list[object] = [
    *("currency", "asOf", "officeId", "productId", "band", "daysPastDue", "grossOutstandingPrincipal"),
    *("principalAtRisk", "ratio", "loansAtRisk", "loans", "recordedAt"),
]
AGING_CSV_HEADER: list[object] = [
    *("currency", "asOf", "officeId", "productId", "bucket", "loans", "outstandingPrincipal", "overduePrincipal"),
    *("overdueInterest", "overdueFees", "overduePenalties", "overdueTotal", "recordedAt"),
]
AMOUNT_FIELDS = (
    "outstanding_principal",
    "overdue_principal",
    "overdue_interest",
    "overdue_fees",
    "overdue_penalties",
    "overdue_total",
)


class ParBandOut(ResponseModel):
    name: str  # PAR30
    days_past_due: int  # at or beyond this many days
    principal: Decimal
    ratio: Decimal  # of the gross outstanding principal, to four places (0.1234 = 12.34%)
    loans: int


class CurrencyParOut(ResponseModel):
    currency: str
    recorded_at: str | None  # when the daily run recorded a past date; null: today's live figures
    gross_outstanding_principal: Decimal
    loans: int
    bands: list[ParBandOut]

    @classmethod
    def of(cls, view: PortfolioView) -> CurrencyParOut:
        par: PortfolioAtRisk = portfolio_at_risk(view.currency, view.cells)
        return cls(
            currency=view.currency,
            recorded_at=view.recorded_at,
            gross_outstanding_principal=par.gross_principal,
            loans=par.loans,
            bands=[
                ParBandOut(
                    name=f"PAR{b.threshold}",
                    days_past_due=b.threshold,
                    principal=b.principal,
                    ratio=b.ratio,
                    loans=b.loans,
                )
                for b in par.bands
            ],
        )


class PortfolioAtRiskOut(ResponseModel):
    as_of: date
    office_id: int | None
    product_id: int | None
    currencies: list[CurrencyParOut]

    def csv_rows(self) -> list[list[object]]:
        rows: list[list[object]] = [PAR_CSV_HEADER]
        for c in self.currencies:
            scope = [c.currency, self.as_of, self.office_id, self.product_id]
            for b in c.bands:
                figures = [c.gross_outstanding_principal, b.principal, b.ratio, b.loans, c.loans, c.recorded_at]
                rows.append([*scope, b.name, b.days_past_due, *figures])
        return rows


class AgingRowOut(ResponseModel):
    bucket: str | None  # null: loans not in arrears
    loans: int
    outstanding_principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    overdue_fees: Decimal
    overdue_penalties: Decimal
    overdue_total: Decimal

    @classmethod
    def of(cls, row: AgingRow) -> AgingRowOut:
        return cls(
            bucket=row.bucket,
            loans=row.loans,
            outstanding_principal=row.principal,
            overdue_principal=row.overdue_principal,
            overdue_interest=row.overdue_interest,
            overdue_fees=row.overdue_fees,
            overdue_penalties=row.overdue_penalties,
            overdue_total=row.overdue_total,
        )


class CurrencyAgingOut(ResponseModel):
    currency: str
    recorded_at: str | None
    buckets: list[AgingRowOut]
    total: AgingRowOut

    @classmethod
    def of(cls, view: PortfolioView) -> CurrencyAgingOut:
        rows = [AgingRowOut.of(r) for r in aging(view.currency, view.cells)]
        total = AgingRowOut(
            bucket=None,
            loans=sum(r.loans for r in rows),
            **{name: sum((getattr(r, name) for r in rows), Decimal(0)) for name in AMOUNT_FIELDS},
        )
        return cls(currency=view.currency, recorded_at=view.recorded_at, buckets=rows, total=total)


class AgingOut(ResponseModel):
    as_of: date
    office_id: int | None
    product_id: int | None
    currencies: list[CurrencyAgingOut]

    def csv_rows(self) -> list[list[object]]:
        rows: list[list[object]] = [AGING_CSV_HEADER]
        for c in self.currencies:
            scope = [c.currency, self.as_of, self.office_id, self.product_id]
            labelled = [(r.bucket or "current", r) for r in c.buckets] + [("total", c.total)]
            for label, r in labelled:
                amounts = [r.outstanding_principal, r.overdue_principal, r.overdue_interest, r.overdue_fees]
                rows.append([*scope, label, r.loans, *amounts, r.overdue_penalties, r.overdue_total, c.recorded_at])
        return rows


def report_response(event_headers, query, views, model, of, filename: str):
    """A report's answer: JSON, or CSV when the request asks for it (the same figures)."""
    from lms.api.csv_export import csv_response, wants_csv
    from lms.api.responses import json_response

    report = model(
        as_of=views[0].as_of if views else query.as_of,
        office_id=query.office_id,
        product_id=query.product_id,
        currencies=[of(v) for v in views],
    )
    if wants_csv(event_headers):
        return csv_response(report.csv_rows(), f"{filename}-{report.as_of}.csv")
    return json_response(report)
