"""The loan aggregate and its non-money transitions (submit, approve, undo approval, reject, withdraw).

Every transition is a pure function from a loan to a new loan. How a loan is stored (its version,
the commits it remembers, what a read of it left out) is storage's: lms.loans.storage.stored_loan.
"""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal

from pydantic import Field, field_validator

from lms.errors import FieldProblems, PermissionDenied
from lms.ledger.domain.entries import JournalEntry
from lms.loans.domain.aggregate.status import LoanAction, LoanStatus, ensure_allowed
from lms.loans.domain.calculation.delinquency import DEFAULT_BUCKETS
from lms.loans.domain.calculation.late_penalty import LatePenalty
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.calculation.snapshot import PositionSnapshot
from lms.loans.domain.calculation.terms import LoanTerms
from lms.loans.domain.records.arrears import ArrearsMarks
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.payload import with_decimal_amounts
from lms.loans.domain.records.payout_state import Payout
from lms.loans.domain.records.transactions import LoanTransaction
from lms.models import LmsModel
from lms.money import MoneyError, to_money


class TimelineEvent(LmsModel):
    action: str
    date: dt.date | None = None
    note: str | None = None
    at: str
    by: str


class Deductions(LmsModel):
    admin_fee: Decimal
    vat: Decimal
    insurance: Decimal
    first_interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.admin_fee + self.vat + self.insurance + self.first_interest


class DisbursementRecord(LmsModel):
    transaction_id: int
    date: dt.date
    amount: Decimal
    net_amount: Decimal
    deductions: Deductions
    method: str
    rail: str
    reference: str
    control_number: str
    payment_details: dict[str, str] = Field(default_factory=dict)
    narration: str | None = None
    payout: Payout | None = None  # None: recorded before payouts went through a provider (paid)


class OutboundEvent(LmsModel):
    """An event for the accounting system, committed with the operation that caused it."""

    seq: int  # per loan, from 1: the order the accounting system must receive them in
    id: str
    type: str
    payload: dict
    transaction_id: int | None = None
    created_at: str

    @field_validator("payload")
    @classmethod
    def _amounts_are_decimal(cls, payload: dict) -> dict:
        return with_decimal_amounts(payload)


class HistoryNeeded(Exception):
    """The operation needs records of the loan that were not read (it was read without its older
    history, `Loan.earlier`): read the whole loan and run it again."""


HISTORY_LISTS = ("transactions", "journal", "outbox", "timeline")


class Loan(LmsModel):
    id: int
    customer_id: int
    customer_name: str
    product_id: int
    office_id: int
    currency: str
    loan_type: str = "individual"
    external_id: str | None = None
    status: LoanStatus
    requested_principal: Decimal
    principal: Decimal
    approved_principal: Decimal | None = None
    terms: LoanTerms
    submitted_on_date: date
    expected_disbursement_date: date
    repayments_starting_from_date: date | None = None  # the first due date, if not one period on
    approved_on_date: date | None = None
    rejected_on_date: date | None = None
    withdrawn_on_date: date | None = None
    disbursed_on_date: date | None = None
    closed_on_date: date | None = None
    timeline: list[TimelineEvent] = Field(default_factory=list)
    schedule: list[Installment] = Field(default_factory=list)
    disbursement: DisbursementRecord | None = None
    transactions: list[LoanTransaction] = Field(default_factory=list)
    charges: list[LoanCharge] = Field(default_factory=list)
    accrued_through: date | None = None  # the last month the revenue run booked (its first day)
    journal: list[JournalEntry] = Field(default_factory=list)
    outbox: list[OutboundEvent] = Field(default_factory=list)
    charged_off: bool = False
    charged_off_on: dt.date | None = None
    # The product's `nonAccrualDays`, taken when the loan is submitted (products never change): every
    # operation of the loan judges its non-accrual by it without reading the product (None: never).
    non_accrual_days: int | None = None
    position_snapshot: PositionSnapshot | None = None  # the position its last rebook left (snapshot.py)
    # The product's close-of-business rules, taken with the loan (products never change), so that
    # a commit that reads the head alone can charge penalties and compute its markers.
    late_penalty: LatePenalty | None = None
    delinquency_buckets: tuple[str, ...] = DEFAULT_BUCKETS
    reminder_days_before: int | None = None
    arrears: ArrearsMarks = Field(default_factory=ArrearsMarks)  # what its last commit found (arrears.py)

    def earlier(self, name: str) -> int:
        """How many of the history list's records come before those the loan holds: none, for a
        loan as the domain makes it. A loan read without its older history (its head alone) is a
        storage type that says how many the read left out (lms.loans.storage.stored_loan)."""
        return 0

    @property
    def partial(self) -> bool:
        """The loan holds only its newest records: an operation that needs older ones raises
        `HistoryNeeded`, and the unit of work gives it the whole loan."""
        return any(self.earlier(name) for name in HISTORY_LISTS)

    def count(self, name: str) -> int:
        """How many records the loan's history list `name` has, read or not."""
        return self.earlier(name) + len(getattr(self, name))

    def counts(self) -> dict[str, int]:
        return {name: self.count(name) for name in HISTORY_LISTS}

    def next_transaction_id(self) -> int:
        return self.count("transactions") + 1

    def transaction(self, txn_id: int) -> LoanTransaction | None:
        found = self.read_transaction(txn_id)
        if found is None and 0 < txn_id <= self.earlier("transactions"):
            raise HistoryNeeded(f"loan {self.id}: transaction {txn_id} was not read")
        return found

    def read_transaction(self, txn_id: int) -> LoanTransaction | None:
        """The transaction if it was read with the loan."""
        return next((t for t in self.transactions if t.id == txn_id), None)

    def record(self, action: LoanAction | str, on: date | None, note: str | None, at: str, by: str) -> list:
        return [*self.timeline, TimelineEvent(action=str(action), date=on, note=note, at=at, by=by)]


class Actor(LmsModel):
    """Who did it and when (the API key id and the wall-clock timestamp)."""

    by: str
    at: str
    today: date
    # Identifies the request across its retries (a digest of the caller's API key and its
    # Idempotency-Key): the loan's recent commits are checked for it before anything is applied.
    request_key: str | None = None


def check_business_date(on: date, *, today: date, not_before: date | None, what: str, earlier: str) -> None:
    """The seed's date rules: never in the future, never before the event it follows (403)."""
    if on > today:
        raise PermissionDenied(f"The date on which a loan is {what} cannot be in the future.", reason="DATE_IN_FUTURE")
    if not_before is not None and on < not_before:
        raise PermissionDenied(
            f"The date on which a loan is {what} cannot be before its {earlier}.", reason="DATE_TOO_EARLY"
        )


def approve(loan: Loan, on: date, amount: Decimal | None, note: str | None, actor: Actor, min_principal: Decimal):
    ensure_allowed(LoanAction.APPROVE, loan.status)
    problems = FieldProblems()
    approved = loan.principal
    if amount is not None:
        try:
            approved = to_money(amount, loan.currency)
        except MoneyError as err:
            problems.add("approvedLoanAmount", str(err))
        else:
            if approved > loan.requested_principal:
                problems.add("approvedLoanAmount", "Loan approved amount can't be greater than loan amount demanded.")
            elif approved < min_principal:
                problems.add("approvedLoanAmount", f"must be at least the product's minimum principal {min_principal}")
    problems.raise_if_any()
    check_business_date(
        on, today=actor.today, not_before=loan.submitted_on_date, what="approved", earlier="submittal date"
    )
    return loan.model_copy(
        update={
            "status": LoanStatus.APPROVED,
            "principal": approved,
            "approved_principal": approved,
            "approved_on_date": on,
            "timeline": loan.record(LoanAction.APPROVE, on, note, actor.at, actor.by),
        }
    )


def undo_approval(loan: Loan, note: str | None, actor: Actor) -> Loan:
    ensure_allowed(LoanAction.UNDO_APPROVAL, loan.status)
    return loan.model_copy(
        update={
            "status": LoanStatus.SUBMITTED,
            "principal": loan.requested_principal,
            "approved_principal": None,
            "approved_on_date": None,
            "timeline": loan.record(LoanAction.UNDO_APPROVAL, None, note, actor.at, actor.by),
        }
    )


def reject(loan: Loan, on: date, note: str | None, actor: Actor) -> Loan:
    ensure_allowed(LoanAction.REJECT, loan.status)
    check_business_date(
        on, today=actor.today, not_before=loan.submitted_on_date, what="rejected", earlier="submittal date"
    )
    return loan.model_copy(
        update={
            "status": LoanStatus.REJECTED,
            "rejected_on_date": on,
            "closed_on_date": on,
            "timeline": loan.record(LoanAction.REJECT, on, note, actor.at, actor.by),
        }
    )


def withdraw(loan: Loan, on: date, note: str | None, actor: Actor) -> Loan:
    ensure_allowed(LoanAction.WITHDRAW, loan.status)
    check_business_date(
        on, today=actor.today, not_before=loan.submitted_on_date, what="withdrawn", earlier="submittal date"
    )
    return loan.model_copy(
        update={
            "status": LoanStatus.WITHDRAWN,
            "withdrawn_on_date": on,
            "closed_on_date": on,
            "timeline": loan.record(LoanAction.WITHDRAW, on, note, actor.at, actor.by),
        }
    )
