"""Money available to pay out from a rail's cash account: the funds control.

A rail's available balance is its ledger balance less what is promised out of it and not yet paid
(payouts still PENDING). Every write that changes it carries the change in the same conditional
write as the change itself, so the figure is never behind: a disbursement takes its net amount
out before the payout is made, a failed payout gives it back, funding (a posted manual entry) and
repayments put money in.

One account is written by every loan that pays out of it or into it, so its available balance is
spread over FUNDS_SHARDS items (DynamoDB: about 1,000 write units a second per item's partition,
and transactions touching one item serialise). The balance is the sum of the shards. Money in goes
to one shard chosen by the writer's commit; money out is taken from as few shards as cover it,
starting from one chosen the same way, each shard conditioned on holding what is taken from it,
so two writers racing for the last funds cannot both win: the loser's condition fails, it reads
the shards again and is refused if the money is gone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal

from lms.errors import PaymentRequired
from lms.ledger.domain.accounts import Role, account_for
from lms.ledger.domain.entries import JournalLine
from lms.money import ZERO

# The roles disbursements pay out from (lms.loans.domain.disbursing.payment_methods.RAIL_ACCOUNTS).
FUNDED_ROLES = frozenset({Role.CASH, Role.BANK, Role.MOBILE_MONEY, Role.TIPS_BANK})

# Raising it spreads an account over more items (a missing shard holds 0); lowering it would lose
# the money held by the shards left out, so it is never lowered.
FUNDS_SHARDS = 8


def funded_accounts(currency: str, base_currency: str) -> frozenset[str]:
    return frozenset(account_for(role, currency, base_currency) for role in FUNDED_ROLES)


def is_funded_role(role: str | None) -> bool:
    return role is not None and role in {r.value for r in FUNDED_ROLES}


def net_moves(lines: Iterable[JournalLine], funded: Iterable[str]) -> dict[str, Decimal]:
    """What `lines` add to (positive) or take from (negative) each funded account (debits less
    credits: every funded account is an asset)."""
    accounts = set(funded)
    moves: dict[str, Decimal] = {}
    for line in lines:
        if line.account_id in accounts:
            moves[line.account_id] = moves.get(line.account_id, ZERO) + line.debit - line.credit
    return {account: amount for account, amount in moves.items() if amount != 0}


def shard_for(seed: str) -> int:
    """The shard a writer starts from: spread by its commit, the same on every retry."""
    return int(hashlib.sha256(seed.encode()).hexdigest(), 16) % FUNDS_SHARDS


def insufficient(account: str, available: Decimal, needed: Decimal) -> PaymentRequired:
    return PaymentRequired(
        f"Insufficient funds in disbursement account {account}: {available} available, {needed} needed",
        reason="INSUFFICIENT_FUNDS",
    )


def plan_withdrawal(account: str, shards: list[Decimal], amount: Decimal, start: int) -> list[tuple[int, Decimal]]:
    """Which shards to take `amount` from, and how much from each: as few as cover it, from
    `start` on. Refused (402) when the shards together do not hold it."""
    if amount <= 0:
        raise ValueError("a withdrawal takes a positive amount")
    available = sum(shards, ZERO)
    if sum((s for s in shards if s > 0), ZERO) < amount or available < amount:
        raise insufficient(account, available, amount)
    taken: list[tuple[int, Decimal]] = []
    remaining = amount
    for step in range(len(shards)):
        index = (start + step) % len(shards)
        if shards[index] <= 0:
            continue
        take = min(shards[index], remaining)
        taken.append((index, take))
        remaining -= take
        if remaining == 0:
            break
    return taken
