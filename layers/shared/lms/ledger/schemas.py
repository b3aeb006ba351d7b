"""Ledger request and response bodies (the seed's fields, in the API's camelCase)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from lms.api.types import (
    EntityId,
    IsoDate,
    LongText,
    NonBlankStr,
    NonNegativeAmount,
    RequestModel,
    ResponseModel,
    with_example,
)
from lms.ledger.domain.accounts import Account, AccountType
from lms.ledger.domain.entries import MAX_LINES, JournalEntry, JournalLine
from lms.ledger.reports import AccountBalance, GlLine, TrialBalance
from lms.money import ZERO


class CreateAccountRequest(RequestModel):
    model_config = with_example({"code": "1150", "name": "Petty cash", "accountType": "asset", "currency": "TZS"})

    code: NonBlankStr = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
    """The account's code in the chart (1 to 32 letters, digits, `.`, `_`, `-`), unique."""
    name: NonBlankStr
    """The account's name."""
    account_type: AccountType
    """asset, liability, equity, revenue or expense: decides its normal balance."""
    parent_id: NonBlankStr | None = None
    """Code of the account this one sits under in the chart."""
    description: LongText | None = None
    """What the account is for."""
    currency: NonBlankStr | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    """ISO 4217 code of the account's currency; the deployment's currency by default."""


class AccountOut(ResponseModel):
    id: str
    code: str
    name: str
    account_type: str
    normal_balance: str
    currency: str
    parent_id: str | None
    description: str | None
    role: str | None
    created_at: str

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            **account.model_dump(exclude={"account_type"}),
            account_type=account.account_type.value,
            normal_balance=account.account_type.normal_balance,
        )


class BalanceOut(ResponseModel):
    account_id: str
    code: str
    name: str
    account_type: str
    currency: str
    debits: Decimal
    credits: Decimal
    balance: Decimal
    available: Decimal | None = Field(
        None,
        description="A disbursement rail's current balance less the payouts promised out of it and not yet made: "
        "what disbursements can still pay out (null for other accounts and for a past asOf)",
    )
    as_of: date | None

    @classmethod
    def of(cls, balance: AccountBalance, as_of: date | None, available: Decimal | None = None) -> BalanceOut:
        account = balance.account
        return cls(
            available=available,
            account_id=account.id,
            code=account.code,
            name=account.name,
            account_type=account.account_type.value,
            currency=account.currency,
            debits=balance.debits,
            credits=balance.credits,
            balance=balance.balance,
            as_of=as_of,
        )


class JournalLineIn(RequestModel):
    account_id: NonBlankStr
    """Code of the account the line posts to."""
    debit: NonNegativeAmount = ZERO
    """Amount debited (0 when the line is a credit)."""
    credit: NonNegativeAmount = ZERO
    """Amount credited (0 when the line is a debit)."""
    description: NonBlankStr | None = None
    """Text of the line."""

    def to_line(self) -> JournalLine:
        return JournalLine(**self.model_dump())


class JournalEntryRequest(RequestModel):
    model_config = with_example(
        {
            "entryDate": "2026-05-23",
            "description": "Owner funds the cash drawer",
            "referenceType": "manual",
            "referenceId": "FUND-2026-05",
            "lines": [{"accountId": "1100", "debit": 50000}, {"accountId": "3000", "credit": 50000}],
        }
    )

    entry_date: IsoDate
    """Business date the entry counts on (yyyy-MM-dd)."""
    description: NonBlankStr
    """What the entry records."""
    reference_type: NonBlankStr | None = None
    """Kind of document the entry comes from (for example `manual`)."""
    reference_id: NonBlankStr | None = None
    """Id of that document."""
    loan_id: EntityId | None = None
    """The loan the entry concerns, if any (it then shows in the loan's sub-ledger)."""
    lines: list[JournalLineIn] = Field(max_length=MAX_LINES)
    """The entry's lines: debits and credits must balance."""


class ReverseEntryRequest(RequestModel):
    model_config = with_example({"reason": "Posted to the wrong account"})

    reason: NonBlankStr
    """Why the entry is reversed."""
    entry_date: IsoDate | None = None
    """Business date of the reversing entry (yyyy-MM-dd), not before the original's; today or the original's date,
    whichever is later, by default."""


class JournalLineOut(ResponseModel):
    account_id: str
    debit: Decimal
    credit: Decimal
    description: str | None


class JournalEntryOut(ResponseModel):
    id: str
    entry_date: date
    description: str
    currency: str
    reference_type: str | None
    reference_id: str | None
    loan_id: str | None
    source: str
    status: str
    lines: list[JournalLineOut]
    total_debits: Decimal
    total_credits: Decimal
    reverses: str | None
    reversed_by: str | None
    reason: str | None
    recorded_at: str
    posted_at: str | None
    created_by: str | None

    @classmethod
    def of(cls, entry: JournalEntry) -> JournalEntryOut:
        return cls(
            **entry.model_dump(exclude={"lines", "status", "loan_id"}),
            loan_id=str(entry.loan_id) if entry.loan_id is not None else None,
            status=entry.status.value,
            lines=[JournalLineOut(**line.model_dump()) for line in entry.lines],
            total_debits=entry.total_debits,
            total_credits=entry.total_credits,
        )


class TrialBalanceRowOut(ResponseModel):
    id: str
    code: str
    name: str
    account_type: str
    debit: Decimal
    credit: Decimal


class CurrencyTrialBalanceOut(ResponseModel):
    currency: str
    accounts: list[TrialBalanceRowOut]
    total_debits: Decimal
    total_credits: Decimal
    balanced: bool
    # Today's (no asOfDate): the posted entries it holds, every one whole, and the newest applied.
    entries_held: int | None = None
    last_entry_id: str | None = None
    last_entry_recorded_at: str | None = None

    @classmethod
    def of(cls, trial: TrialBalance) -> CurrencyTrialBalanceOut:
        zero = trial.total_debits - trial.total_debits
        rows = [
            TrialBalanceRowOut(
                id=row.account.id,
                code=row.account.code,
                name=row.account.name,
                account_type=row.account.account_type.value,
                debit=row.net_debit if row.net_debit > 0 else zero,
                credit=-row.net_debit if row.net_debit < 0 else zero,
            )
            for row in trial.rows
        ]
        return cls(
            currency=trial.currency,
            accounts=rows,
            total_debits=trial.total_debits,
            total_credits=trial.total_credits,
            balanced=trial.total_debits == trial.total_credits,
            entries_held=trial.entries,
            last_entry_id=trial.last_entry_id,
            last_entry_recorded_at=trial.last_recorded_at,
        )


class TrialBalanceOut(ResponseModel):
    as_of_date: date | None
    balanced: bool
    currencies: list[CurrencyTrialBalanceOut]
    # The seed's single-currency shape, given when the chart holds one currency.
    accounts: list[TrialBalanceRowOut] | None = None
    total_debits: Decimal | None = None
    total_credits: Decimal | None = None

    @classmethod
    def of(cls, as_of: date | None, trials: list[TrialBalance]) -> TrialBalanceOut:
        parts = [CurrencyTrialBalanceOut.of(t) for t in trials]
        single = parts[0] if len(parts) == 1 else None
        return cls(
            as_of_date=as_of,
            balanced=all(p.balanced for p in parts),
            currencies=parts,
            accounts=single.accounts if single else None,
            total_debits=single.total_debits if single else None,
            total_credits=single.total_credits if single else None,
        )


class GlLineOut(ResponseModel):
    entry_id: str
    entry_date: str
    description: str
    reference_type: str | None
    reference_id: str | None
    debit: Decimal
    credit: Decimal
    running_balance: Decimal

    @classmethod
    def of(cls, line: GlLine) -> GlLineOut:
        return cls(**line.__dict__)


class GlDetailOut(ResponseModel):
    """One account's lines in a period, a page at a time, with the balance before the period."""

    account_id: str
    code: str
    name: str
    currency: str
    start_date: date | None
    end_date: date | None
    opening_balance: Decimal
    items: list[GlLineOut]
    total: int
    page: int
    rows_per_page: int


class SubLedgerAccountOut(ResponseModel):
    account_id: str
    debits: Decimal
    credits: Decimal
    net_debit: Decimal


class SubLedgerOut(ResponseModel):
    loan_id: str
    entries: list[JournalEntryOut]
    accounts: list[SubLedgerAccountOut]

    @classmethod
    def of(cls, loan_id: int, entries: list[JournalEntry]) -> SubLedgerOut:
        sums: dict[str, tuple[Decimal, Decimal]] = {}
        for entry in entries:
            for line in entry.lines:
                debit, credit = sums.get(line.account_id, (ZERO, ZERO))
                sums[line.account_id] = (debit + line.debit, credit + line.credit)
        return cls(
            loan_id=str(loan_id),
            entries=[JournalEntryOut.of(e) for e in entries],
            accounts=[
                SubLedgerAccountOut(account_id=a, debits=d, credits=c, net_debit=d - c)
                for a, (d, c) in sorted(sums.items())
            ],
        )
