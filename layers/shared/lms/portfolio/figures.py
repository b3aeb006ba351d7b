"""The portfolio's figures (pure: no storage, no clock): what one loan adds to them, the change a
commit makes, and the reports (portfolio at risk, arrears aging) summed from cells.

A **cell** is the loans of one delinquency bucket (None: not in arrears) and one PAR band (the
highest of PAR_THRESHOLDS their days past due have reached, 0 for none). Each cell holds six
figures: the count of loans, their outstanding principal, and their overdue principal, interest,
fees and penalties. Stored, a cell's figure is one attribute named `<bucket>|<band>|<code>`, so a
commit's change is a handful of atomic ADDs on one item (lms.portfolio.store).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from lms.loans.domain.calculation.delinquency import PAR_THRESHOLDS
from lms.money import ZERO, round_money

FIGURES = (
    "loans",
    "principal",
    "overduePrincipal",
    "overdueInterest",
    "overdueFees",
    "overduePenalties",
    # Principal charged off out of the cell's bucket, since the start (cumulative: the provisioning
    # run takes the difference between two month ends). Not a loan of the portfolio.
    "chargedOffPrincipal",
)
_CODES = dict(zip(FIGURES, ("n", "p", "op", "oi", "of", "on", "cp"), strict=True))
_FIGURE_OF_CODE = {code: figure for figure, code in _CODES.items()}
RATIO = Decimal("0.0001")  # PAR ratios: a fraction of the gross to four places (12.34%: 0.1234)

Cell = tuple[str | None, int]  # (bucket, PAR band)
Cells = dict[Cell, dict[str, Decimal]]


def scopes_of(office_id: int, product_id: int) -> tuple[str, ...]:
    """The scopes a loan counts in: the whole book, its office, its product, and both, so a report
    filtered any of these ways reads one scope."""
    return ("ALL", f"O{office_id}", f"P{product_id}", f"O{office_id}P{product_id}")


def scope_of(office_id: int | None, product_id: int | None) -> str:
    if office_id is not None and product_id is not None:
        return f"O{office_id}P{product_id}"
    if office_id is not None:
        return f"O{office_id}"
    if product_id is not None:
        return f"P{product_id}"
    return "ALL"


def attribute(cell: Cell, figure: str) -> str:
    bucket, band = cell
    return f"{bucket or ''}|{band}|{_CODES[figure]}"


def cell_of_attribute(name: str) -> tuple[Cell, str] | None:
    """(cell, figure) of a stored attribute name; None for any other attribute."""
    parts = name.split("|")
    if len(parts) != 3 or parts[2] not in _FIGURE_OF_CODE or not parts[1].isdigit():
        return None
    return (parts[0] or None, int(parts[1])), _FIGURE_OF_CODE[parts[2]]


@dataclass(frozen=True)
class LoanFigures:
    """What one loan adds to the portfolio, as its last commit left it."""

    currency: str
    office_id: int
    product_id: int
    bucket: str | None
    par_band: int
    principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    overdue_fees: Decimal
    overdue_penalties: Decimal

    @classmethod
    def of_marker(cls, office_id: int, product_id: int, marker: Mapping[str, Any]) -> LoanFigures:
        """From the loan head's `portfolio` attribute (lms.loans.storage.item_format)."""
        return cls(
            currency=str(marker["currency"]),
            office_id=office_id,
            product_id=product_id,
            bucket=marker.get("bucket") or None,
            par_band=int(marker.get("parBand", 0)),
            principal=Decimal(marker.get("principal", 0)),
            overdue_principal=Decimal(marker.get("overduePrincipal", 0)),
            overdue_interest=Decimal(marker.get("overdueInterest", 0)),
            overdue_fees=Decimal(marker.get("overdueFees", 0)),
            overdue_penalties=Decimal(marker.get("overduePenalties", 0)),
        )

    @property
    def cell(self) -> Cell:
        return (self.bucket, self.par_band)

    def amounts(self) -> dict[str, Decimal]:
        return {
            "loans": Decimal(1),
            "principal": self.principal,
            "overduePrincipal": self.overdue_principal,
            "overdueInterest": self.overdue_interest,
            "overdueFees": self.overdue_fees,
            "overduePenalties": self.overdue_penalties,
        }

    def stored(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "officeId": self.office_id,
            "productId": self.product_id,
            "bucket": self.bucket or "",
            "parBand": self.par_band,
            "principal": self.principal,
            "overduePrincipal": self.overdue_principal,
            "overdueInterest": self.overdue_interest,
            "overdueFees": self.overdue_fees,
            "overduePenalties": self.overdue_penalties,
        }

    @classmethod
    def of_stored(cls, item: Mapping[str, Any]) -> LoanFigures:
        return cls.of_marker(int(item["officeId"]), int(item["productId"]), item)


ScopeKey = tuple[str, str]  # (currency, scope)


def portfolio_delta(
    before: LoanFigures | None, after: LoanFigures | None, *, charged_off: bool = False
) -> dict[ScopeKey, dict[str, Decimal]]:
    """What a commit changes in each scope it touches: attribute name -> signed amount to ADD
    (nothing for a commit that changed none of the loan's figures). A loan a charge-off takes out
    leaves its principal as charged off in the cell it was in."""
    delta: dict[ScopeKey, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for figures, sign in ((before, -1), (after, 1)):
        if figures is None:
            continue
        for scope in scopes_of(figures.office_id, figures.product_id):
            for figure, amount in figures.amounts().items():
                delta[(figures.currency, scope)][attribute(figures.cell, figure)] += sign * amount
    if charged_off and before is not None and after is None:
        for scope in scopes_of(before.office_id, before.product_id):
            delta[(before.currency, scope)][attribute(before.cell, "chargedOffPrincipal")] += before.principal
    return {key: kept for key, changes in delta.items() if (kept := {n: v for n, v in changes.items() if v != 0})}


def add_cells(total: Cells, items: Iterable[Mapping[str, Any]]) -> Cells:
    """`total` with the figures of stored items (deltas or records) added in."""
    for item in items:
        for name, value in item.items():
            parsed = cell_of_attribute(name)
            if parsed is None:
                continue
            cell, figure = parsed
            figures = total.setdefault(cell, dict.fromkeys(FIGURES, ZERO))
            figures[figure] += Decimal(value)
    return total


def cell_attributes(cells: Cells) -> dict[str, Decimal]:
    """The cells as stored attributes; a cell with nothing left is dropped."""
    return {
        attribute(cell, figure): value
        for cell, figures in cells.items()
        if any(v != 0 for v in figures.values())
        for figure, value in figures.items()
        if value != 0
    }


def charged_off_by_bucket(cells: Cells) -> dict[str | None, Decimal]:
    """The principal charged off out of each bucket (cumulative, as the cells hold it)."""
    out: dict[str | None, Decimal] = {}
    for (bucket, _), figures in cells.items():
        if figures.get("chargedOffPrincipal", ZERO) != 0:
            out[bucket] = out.get(bucket, ZERO) + figures["chargedOffPrincipal"]
    return out


@dataclass(frozen=True)
class ParBand:
    threshold: int
    principal: Decimal
    ratio: Decimal
    loans: int


@dataclass(frozen=True)
class PortfolioAtRisk:
    currency: str
    gross_principal: Decimal
    loans: int
    bands: list[ParBand]


def _ratio(part: Decimal, whole: Decimal) -> Decimal:
    if whole == 0:
        return ZERO.quantize(RATIO)
    return (part / whole).quantize(RATIO, rounding=ROUND_HALF_EVEN)


def portfolio_at_risk(currency: str, cells: Cells) -> PortfolioAtRisk:
    """The gross outstanding principal, and for each PAR threshold the principal and count of the
    loans at or beyond it, with its ratio to the gross."""
    gross = sum((f["principal"] for f in cells.values()), ZERO)
    loans = int(sum((f["loans"] for f in cells.values()), ZERO))
    bands = []
    for threshold in PAR_THRESHOLDS:
        at_risk = [f for (_, band), f in cells.items() if band >= threshold]
        principal = round_money(sum((f["principal"] for f in at_risk), ZERO), currency)
        bands.append(
            ParBand(
                threshold=threshold,
                principal=principal,
                ratio=_ratio(principal, gross),
                loans=int(sum((f["loans"] for f in at_risk), ZERO)),
            )
        )
    return PortfolioAtRisk(currency, round_money(gross, currency), loans, bands)


@dataclass(frozen=True)
class AgingRow:
    bucket: str | None  # None: loans not in arrears
    loans: int
    principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    overdue_fees: Decimal
    overdue_penalties: Decimal

    @property
    def overdue_total(self) -> Decimal:
        return self.overdue_principal + self.overdue_interest + self.overdue_fees + self.overdue_penalties


def bucket_order(bucket: str | None) -> tuple[int, str]:
    """Loans not in arrears first, then buckets by their first day ("1-30" before "181+")."""
    if bucket is None:
        return (0, "")
    head = bucket.split("-")[0].rstrip("+")
    return (int(head) if head.isdigit() else 10**9, bucket)


def aging(currency: str, cells: Cells) -> list[AgingRow]:
    """Per bucket: the loans, their outstanding principal and what is overdue of each component."""
    by_bucket: dict[str | None, dict[str, Decimal]] = {}
    for (bucket, _), figures in cells.items():
        row = by_bucket.setdefault(bucket, dict.fromkeys(FIGURES, ZERO))
        for figure, value in figures.items():
            row[figure] += value
    return [
        AgingRow(
            bucket=bucket,
            loans=int(row["loans"]),
            principal=round_money(row["principal"], currency),
            overdue_principal=round_money(row["overduePrincipal"], currency),
            overdue_interest=round_money(row["overdueInterest"], currency),
            overdue_fees=round_money(row["overdueFees"], currency),
            overdue_penalties=round_money(row["overduePenalties"], currency),
        )
        for bucket, row in sorted(by_bucket.items(), key=lambda kv: bucket_order(kv[0]))
        if row["loans"] != 0
    ]
