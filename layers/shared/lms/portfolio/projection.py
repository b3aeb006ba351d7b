"""Projects each loan commit into the portfolio's figures (fed by the core table's stream).

A head's record says what the loan adds as of its marks' business date (lms.loans.storage
.item_format.PortfolioImage). The change is computed against the contribution stored for the loan,
not against the record's old image, and written with it in one transaction conditional on it: a
redelivered record, or one older than what was applied, changes nothing, and no change is counted
twice or lost. A commit that changes none of the figures (interest accrued, a webhook's notice)
writes nothing.

The change is dated its commit's business date. A date already recorded by the daily run is
closed: the change then goes to the first open date after the newest record, so the figures of
today (the newest record plus every open date's changes) always hold it.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from lms.loans.storage.item_format import PortfolioImage
from lms.portfolio.figures import LoanFigures, portfolio_delta, scopes_of
from lms.portfolio.store import ContributionMoved, DayClosed, PortfolioStore, day_of
from lms.storage.dynamo import ConditionFailed

MAX_ATTEMPTS = 8


def figures_of(image: PortfolioImage) -> LoanFigures | None:
    if image.figures is None:
        return None
    return LoanFigures.of_marker(image.office_id, image.product_id, image.figures)


def _first_open_day(store: PortfolioStore, figures: list[LoanFigures], day: date) -> date:
    """The day after the newest record of any scope the change touches, if that is later."""
    latest = day - timedelta(days=1)
    for f in figures:
        for scope in scopes_of(f.office_id, f.product_id):
            record = store.latest_record(f.currency, scope)
            if record is not None:
                latest = max(latest, day_of(record["SK"]))
    return latest + timedelta(days=1)


def project_loan(store: PortfolioStore, image: PortfolioImage) -> bool:
    """Apply one head record; True if it changed the portfolio's figures."""
    after = figures_of(image)
    day = date.fromisoformat(image.as_of)
    for attempt in range(MAX_ATTEMPTS):
        stored = store.contribution(image.loan_id)
        if stored is not None and stored.version >= image.version:
            return False
        before = stored.figures if stored is not None else None
        delta = portfolio_delta(before, after, charged_off=image.charged_off)
        if not delta:
            return False
        try:
            store.apply(image.loan_id, stored, image.version, after, delta, day)
            return True
        except ContributionMoved:
            continue
        except DayClosed:
            day = _first_open_day(store, [f for f in (before, after) if f is not None], day)
        except ConditionFailed:
            # Another transaction held one of these items (a busy shard): back off and try again.
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise RuntimeError(f"loan {image.loan_id}: portfolio change not applied after {MAX_ATTEMPTS} attempts")
