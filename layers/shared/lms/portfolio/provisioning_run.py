"""The month-end provisioning run: per currency, the allowance the policy requires of the aging at
the month's last day (its daily record), and one journal entry booking only the change from what
is held: Dr 5200 Provision expense / Cr 1290 Loan-loss allowance, or back. A loan charged off since
the last run first uses what was provided for it: Dr 1290 / Cr 5100 Charge-off expense for its
principal at the policy's rate of the bucket it left from (the projection keeps the charged-off
principal per bucket, cumulatively, in the daily records), at most what is held.

Once per month and currency, in month order: one transaction writes the run's record
(`attribute_not_exists`), the allowance held (conditional on the month before being the last one
provided) and the posted entry. Asked again for the same month, the run answers what it booked.
"""

from __future__ import annotations

import calendar
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lms import clock
from lms.config import get_settings
from lms.errors import FailedPrecondition, InvalidArgument, NotFound
from lms.ledger.domain.accounts import Role, account_for
from lms.ledger.domain.entries import EntryStatus, JournalEntry, JournalLine
from lms.ledger.service import LedgerService
from lms.money import ZERO, round_money
from lms.portfolio.figures import Cells, aging, charged_off_by_bucket
from lms.portfolio.provisioning import ProvisioningPolicy, required_allowance
from lms.portfolio.provisioning_store import ProvisioningRun, ProvisioningStore
from lms.portfolio.recorder import portfolio_currencies
from lms.portfolio.reports import PortfolioQuery, PortfolioReports
from lms.storage.dynamo import ConditionFailed


def month_end(text: str, today: date) -> tuple[str, date]:
    """The month asked for (yyyy-MM) and its last day, which must have passed."""
    refused = InvalidArgument.field("month", "must be a month in yyyy-MM format")
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise refused
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < 1:
        raise refused
    last = date(year, month, calendar.monthrange(year, month)[1])
    if last >= today:
        raise InvalidArgument.field("month", f"must be a month that has ended (its last day is {last.isoformat()})")
    return f"{year:04d}-{month:02d}", last


def _run_entry(run: ProvisioningRun, kind: str, description: str, debit: str, credit: str, amount: Decimal, by: str):
    """A posted system entry of the run: one debit and one credit of `amount`, dated the month end."""
    return JournalEntry(
        id=f"je-{kind}-{run.currency}-{run.month}",
        entry_date=run.as_of,
        description=description,
        currency=run.currency,
        reference_type="provisioning",
        reference_id=run.month,
        source="system",
        status=EntryStatus.POSTED,
        lines=[JournalLine(account_id=debit, debit=amount), JournalLine(account_id=credit, credit=amount)],
        recorded_at=run.recorded_at,
        posted_at=run.recorded_at,
        created_by=by,
    )


def provision_entry(run: ProvisioningRun, base_currency: str, by: str) -> JournalEntry | None:
    """Dr Provision expense / Cr Loan-loss allowance for more provided, the reverse for a release;
    none when nothing changes."""
    if run.booked == 0:
        return None
    expense = account_for(Role.PROVISION_EXPENSE, run.currency, base_currency)
    allowance = account_for(Role.LOAN_LOSS_ALLOWANCE, run.currency, base_currency)
    debit, credit = (expense, allowance) if run.booked > 0 else (allowance, expense)
    what = "provided" if run.booked > 0 else "released"
    description = f"Loan-loss allowance {what} for {run.month}"
    return _run_entry(run, "provision", description, debit, credit, abs(run.booked), by)


def allowance_use_entry(run: ProvisioningRun, base_currency: str, by: str) -> JournalEntry | None:
    """Dr Loan-loss allowance / Cr Charge-off expense: the month's charge-offs written off against
    what was provided for them, before the provision is topped up; none without any."""
    if run.used == 0:
        return None
    expense = account_for(Role.CHARGE_OFF_EXPENSE, run.currency, base_currency)
    allowance = account_for(Role.LOAN_LOSS_ALLOWANCE, run.currency, base_currency)
    description = f"Loan-loss allowance used by the charge-offs of {run.month}"
    return _run_entry(run, "allowance-used", description, allowance, expense, run.used, by)


class ProvisioningRuns:
    def __init__(self, store: ProvisioningStore | None = None):
        self.store = store or ProvisioningStore()

    def run(self, month_text: str, by: str) -> tuple[list[ProvisioningRun], bool]:
        """Provision a month that has ended, every currency; and whether anything was booked now."""
        month, last_day = month_end(month_text, clock.business_date())
        policy, _ = self.store.policy()
        runs, booked_now = [], False
        for currency in portfolio_currencies():
            done = self.store.run(month, currency)
            if done is None:
                done = self._provision(month, last_day, currency, policy, by)
                booked_now = True
            runs.append(done)
        return runs, booked_now

    def _used_by_charge_offs(
        self, policy: ProvisioningPolicy, cells: Cells, currency: str, last_month: str | None, held: Decimal
    ) -> Decimal:
        """What the loans charged off since the last month provisioned had provided for them: their
        principal at the policy's rate of the bucket each left from (each bucket rounded half-even),
        at most what is held. The month ends' records hold the charged-off principal cumulatively."""
        if last_month is None or held <= 0:
            return round_money(ZERO, currency)
        _, previous_end = month_end(last_month, date.max)
        previous = self.store_record_cells(currency, previous_end)
        now, before = charged_off_by_bucket(cells), charged_off_by_bucket(previous)
        used = sum(
            (round_money((amount - before.get(bucket, ZERO)) * policy.percent_for(bucket) / 100, currency)
             for bucket, amount in now.items()),
            ZERO,
        )  # fmt: skip
        return round_money(min(max(used, ZERO), held), currency)

    @staticmethod
    def store_record_cells(currency: str, day: date) -> Cells:
        try:
            (view,) = PortfolioReports().views(PortfolioQuery(as_of=day, currency=currency))
        except NotFound:
            return {}  # no record of that month end: every charge-off since the start counts
        return view.cells

    def _provision(
        self, month: str, last_day: date, currency: str, policy: ProvisioningPolicy, by: str
    ) -> ProvisioningRun:
        held, last_month = self.store.held(currency)
        if last_month is not None and last_month > month:
            raise FailedPrecondition(
                f"month: {last_month} is provisioned already; months are provisioned in order",
                reason="PROVISIONING_OUT_OF_ORDER",
            )
        try:
            (view,) = PortfolioReports().views(PortfolioQuery(as_of=last_day, currency=currency))
        except NotFound as missing:
            raise FailedPrecondition(
                f"{missing.message}: close business for {last_day.isoformat()} first",
                reason="NO_PORTFOLIO_RECORD",
            ) from None
        required, rows = required_allowance(policy, aging(currency, view.cells), currency)
        used = self._used_by_charge_offs(policy, view.cells, currency, last_month, held)
        run = ProvisioningRun(
            month=month,
            currency=currency,
            as_of=last_day,
            required=required,
            held_before=held,
            used=used,
            booked=round_money(required - (held - used), currency),
            entry_id=None,
            rows=[
                {"bucket": r.bucket, "outstandingPrincipal": r.principal, "percent": r.percent, "required": r.required}
                for r in rows
            ],
            recorded_at=clock.timestamp(),
        )
        LedgerService().ensure_chart(currency)  # a chart made before provisioning lacks its two accounts
        base = get_settings().base_currency
        entry = provision_entry(run, base, by)
        use = allowance_use_entry(run, base, by)
        run = replace(run, entry_id=entry.id if entry else None, use_entry_id=use.id if use else None)
        try:
            self.store.book(run, last_month, [e for e in (use, entry) if e is not None])
        except ConditionFailed:
            stored = self.store.run(month, currency)
            if stored is None:  # another month was provided meanwhile
                raise FailedPrecondition(
                    "the allowance changed while this month was provisioned; try again",
                    reason="CONCURRENT_UPDATE",
                ) from None
            return stored
        return run
