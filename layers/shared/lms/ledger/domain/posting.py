"""The posting engine: every system entry is built here from roles, then passes the same checks
as a manual entry (balanced, positive lines, accounts of the chart in the entry's currency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.ledger.domain.accounts import Role, account_for, default_chart
from lms.ledger.domain.entries import EntryStatus, JournalEntry, JournalLine, check_lines
from lms.money import ZERO


@dataclass(frozen=True)
class Leg:
    role: Role
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str | None = None


@dataclass(frozen=True)
class Posting:
    """Where an entry comes from and when it is recorded."""

    entry_id: str
    entry_date: date
    currency: str
    base_currency: str
    recorded_at: str
    reference_type: str
    reference_id: str
    loan_id: int | None = None
    created_by: str | None = None


def system_entry(posting: Posting, description: str, legs: list[Leg]) -> JournalEntry:
    """A posted entry from legs; legs of zero are dropped (a fee of 0 posts no line)."""
    chart = {a.id: a for a in default_chart(posting.currency, posting.base_currency, posting.recorded_at)}
    lines = [
        JournalLine(
            account_id=account_for(leg.role, posting.currency, posting.base_currency),
            debit=leg.debit,
            credit=leg.credit,
            description=leg.description,
        )
        for leg in legs
        if leg.debit or leg.credit
    ]
    return JournalEntry(
        id=posting.entry_id,
        entry_date=posting.entry_date,
        description=description,
        currency=posting.currency,
        reference_type=posting.reference_type,
        reference_id=posting.reference_id,
        loan_id=posting.loan_id,
        source="system",
        status=EntryStatus.POSTED,
        lines=check_lines(lines, posting.currency, chart),
        recorded_at=posting.recorded_at,
        posted_at=posting.recorded_at,
        created_by=posting.created_by,
    )
