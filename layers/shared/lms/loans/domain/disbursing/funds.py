"""What a loan's commit does to the available balances of rail accounts (lms.ledger.domain.funds).

Read off the change itself, like the commit's notices: the rail lines of the journal entries the
commit adds, less the change in what the loan has promised out and not yet paid (its payout while
PENDING). So a disbursement takes its net amount out at once (its payout is PENDING), a completed
payout changes nothing (the rail is credited as the promise is kept), a failed payout gives the
amount back, a retry takes it again, and repayments, settlements and refunds move cash as booked.
"""

from __future__ import annotations

from decimal import Decimal

from lms.ledger.domain.accounts import Role, account_for
from lms.ledger.domain.funds import funded_accounts, net_moves
from lms.loans.domain.aggregate.loan import Loan
from lms.loans.domain.records.payout_state import PayoutStatus
from lms.money import ZERO


def promised(loan: Loan, base_currency: str) -> dict[str, Decimal]:
    """What the loan's payout still to be made takes from its rail account."""
    record = loan.disbursement
    if record is None or record.payout is None or record.payout.status is not PayoutStatus.PENDING:
        return {}
    return {account_for(Role(record.rail), loan.currency, base_currency): record.net_amount}


def funds_moves(before: Loan, after: Loan, base_currency: str) -> dict[str, Decimal]:
    """Per rail account, what the commit turning `before` into `after` adds to its available
    balance (negative: takes from it)."""
    known = {entry.id for entry in before.journal}
    added = [line for entry in after.journal if entry.id not in known for line in entry.lines]
    moves = net_moves(added, funded_accounts(after.currency, base_currency))
    was, now = promised(before, base_currency), promised(after, base_currency)
    for account in was.keys() | now.keys():
        moves[account] = moves.get(account, ZERO) - (now.get(account, ZERO) - was.get(account, ZERO))
    return {account: amount for account, amount in sorted(moves.items()) if amount != 0}
