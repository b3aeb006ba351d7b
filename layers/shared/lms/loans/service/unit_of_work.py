"""A loan change as one unit of work: read what the change declares, run its pure transition,
commit everything it produced in one conditional write; on a lost race, all of it again.

Nothing is kept between attempts or between changes: each attempt's reads (`Found`) are handed to
the transition and dropped with it, so one unit of work may run any number of changes, from any
number of threads.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

from lms import clock
from lms.config import get_settings
from lms.errors import Aborted
from lms.ledger.funds import FundsMove, FundsStore
from lms.loans.domain.aggregate.loan import Actor, HistoryNeeded, Loan
from lms.loans.domain.disbursing.funds import funds_moves
from lms.loans.domain.disbursing.signals import signals_of
from lms.loans.domain.operations.arrears import refresh_arrears
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.storage.store import LoanStore
from lms.loans.storage.stored_loan import Commit, StoredLoan
from lms.observability import record_loan_operation
from lms.products.store import ProductStore
from lms.storage import receipts
from lms.storage.dynamo import ItemRef, batch_get_across
from lms.storage.receipts import AlreadyAnswered, Answer, Receipt

# A lost race re-reads the loan and tries again, so the loser sees the winner's state (for example
# "Loan is already approved") rather than a bare conflict, and concurrent payments to one loan all
# go through. Waits between attempts grow exponentially with full jitter, so writers that collided
# spread out instead of colliding again; the bound keeps a request well inside the gateway's 29 s.
MAX_ATTEMPTS = 20
BACKOFF_BASE_SECONDS = 0.02
BACKOFF_CAP_SECONDS = 0.5
T = TypeVar("T")


def backoff(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th lost race (0-based): full jitter, capped."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))


def actor_for(key_id: str, idempotency_key: str | None = None) -> Actor:
    # 64 bits of a digest: the loan keeps only its last few commit keys, and each rides along on
    # every write of the loan, so they are kept short.
    digest = hashlib.sha256(f"{key_id}:{idempotency_key}".encode()).hexdigest()[:16] if idempotency_key else None
    return Actor(by=key_id, at=clock.timestamp(), today=clock.today(), request_key=digest)


class History(Enum):
    """How much of the loan's history a change starts from."""

    WHOLE = "whole"  # every record of the loan
    # The head alone (its newest records and its position snapshot): a change that usually adds a
    # record after all others (a payment, a charge). If the transition finds it needs older
    # records after all (a back-dated payment), the head's pages are read and it runs again.
    HEAD = "head"


@dataclass(frozen=True)
class LoanReads:
    """What a change must read: the loan's history, and the items found from the loan's head (its
    product, a rail account's funds shards), read at once with the history's pages."""

    history: History = History.WHOLE
    items: Callable[[Loan], list[ItemRef]] | None = None

    def __post_init__(self) -> None:
        if self.history is History.HEAD and self.items is not None:
            raise ValueError("a change that starts from the head reads nothing beside it")


@dataclass(frozen=True)
class Found:
    """The items one attempt read beside the loan, by reference (None: the item does not exist)."""

    items: Mapping[ItemRef, dict | None] = field(default_factory=dict)


def _amount_of_result(_loan: Loan, result: Any) -> Decimal | None:
    return getattr(result, "amount", None)


@dataclass(frozen=True)
class LoanChange(Generic[T]):
    """One change of a loan. `apply` is the pure transition: from the loan and what was read with
    it, the changed loan and what the caller wants from it (a transaction, a charge). A saved change
    is counted as operation `name`, with the amount `amount_of` finds in it. Money taken out of a
    rail account must be there, unless `overdraw` (a correction: a reversed repayment's cash)."""

    name: str
    apply: Callable[[Loan, Found], tuple[Loan, T]]
    reads: LoanReads = LoanReads()
    amount_of: Callable[[Loan, T], Decimal | None] = _amount_of_result
    overdraw: bool = False
    # The business date the commit's arrears marks are of (None: the actor's today); the close of
    # business gives the date it closes.
    business_date: date | None = None


@dataclass
class Answering:
    """How an idempotent request is answered exactly once: its receipt is looked up with the loan's
    other reads and written in the loan's commit, holding the answer `respond` makes from the loan as
    saved and what the operation produced. `given` is that answer once committed."""

    receipt: Receipt
    respond: Callable[[Loan, Any], Answer]
    given: Answer | None = None


@dataclass(frozen=True)
class _Read:
    """One attempt's reads: the loan, the items beside it, and the head item they came from (to
    read its pages if the transition needs them)."""

    loan: StoredLoan
    found: Found
    head: dict | None = None


def _commit(key: str, result: object, until: int | None) -> Commit:
    if isinstance(result, LoanTransaction):
        return Commit(key=key, transaction_id=result.id, until=until)
    if isinstance(result, LoanCharge):
        return Commit(key=key, charge_id=result.id, until=until)
    return Commit(key=key, until=until)


def _committed_result(loan: StoredLoan, commit: Commit):
    """What an earlier request's commit produced, as that request answered it."""
    if commit.transaction_id is not None:
        return loan.transaction(commit.transaction_id)
    if commit.charge_id is not None:
        return next(c for c in loan.charges if c.id == commit.charge_id)
    return None


class LoanUnitOfWork:
    """Runs loan changes: reads in the fewest round trips, the pure transition, one commit.

    Exactly once: the write carries a commit key, the actor's request key (its Idempotency-Key) or
    one made for this change. A loan that already holds the key is not changed again: its write
    took effect although its answer was lost (the SDK retried a timed-out write and found its own
    condition failed, or the caller retried after an error), so what that commit produced is the
    answer.

    With `answering`, the request's receipt is read in one batch with the loan's head (before the
    transition can refuse anything, so a replay is never refused) and written in the commit: a
    request answered before raises AlreadyAnswered with its answer. Then the loan's history pages
    and the items the change reads are read at once, so a request costs at most three round trips
    whatever the loan's age: the head and receipt, the pages and items, the commit (two for a loan
    with no pages and nothing else to read). A change from the head alone costs two.

    Money the commit moves in or out of a rail account changes that account's available balance in
    the same write: money out only if it is there (402 INSUFFICIENT_FUNDS otherwise).
    """

    def __init__(
        self,
        loans: LoanStore | None = None,
        products: ProductStore | None = None,
        funds: FundsStore | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.loans = loans or LoanStore()
        self.products = products or ProductStore()
        self.funds = funds or FundsStore()
        self.sleep = sleep

    def read_batch(self, refs: list[ItemRef]) -> list[dict | None]:
        """One batch read; the products in it are kept by the environment (products never change)."""
        items = batch_get_across(refs)
        self.products.remember(item for item in items if item)
        return items

    def run(
        self,
        loan_id: int,
        change: LoanChange[T],
        actor: Actor | None = None,
        *,
        answering: Answering | None = None,
        read: StoredLoan | None = None,
    ) -> tuple[StoredLoan, T]:
        """Apply `change` to the current loan and save it conditionally; on a lost race, start over.
        `read` is the loan if the caller already read it (its head); a lost race reads it again."""
        key = (actor.request_key if actor else None) or uuid.uuid4().hex[:16]
        on = change.business_date or (actor.today if actor else clock.today())
        attempted: list[T] = []
        for attempt in range(MAX_ATTEMPTS):
            reading = self._read(loan_id, change.reads, answering, read if attempt == 0 else None)
            # Read after the receipt was: a receipt found past its window means its commit is too.
            now = receipts.now_seconds()
            try:
                done, current, changed, result = self._attempt(
                    reading.loan, reading.found, key, change, attempted, now, on
                )
            except HistoryNeeded:
                # Read without its older history, the loan could not take this change (a back-dated
                # payment, a reversal): the whole loan, once, and the change again.
                whole = self._whole(loan_id, reading.head)
                done, current, changed, result = self._attempt(whole, reading.found, key, change, attempted, now, on)
            if done:
                record_loan_operation(change.name, current.currency, change.amount_of(current, result))
                return current, result
            if changed is current:
                return current, result  # nothing to write
            attempted.append(result)
            try:
                saved = self._commit(current, changed, result, key, change, reading.found, actor, answering, now)
            except Aborted:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                self.sleep(backoff(attempt))
                continue
            record_loan_operation(change.name, saved.currency, change.amount_of(saved, result))
            return saved, result
        raise AssertionError("unreachable")

    def _read(self, loan_id: int, reads: LoanReads, answering: Answering | None, read: StoredLoan | None) -> _Read:
        """The loan, the request's receipt and the items `reads` names, in at most two round trips.

        First, the loan's head and the receipt in one batch: a replay is answered from it, before
        the transition can refuse anything. From the head alone, that is all. Otherwise the loan's
        history pages (if it has any) and the items (found from the head: its product, its
        currency) are read at once. With nothing to read but the loan (approve, reject, withdraw),
        it is read whole (`LoanStore.get`)."""
        receipt = [answering.receipt.ref] if answering else []
        if read is not None:
            wanted = reads.items(read) if reads.items else []
            items = self.read_batch(receipt + wanted) if receipt or wanted else []
            self._answered(answering, items)
            return _Read(read, Found(dict(zip(wanted, items[len(receipt) :], strict=True))))
        if answering is None and reads.items is None and reads.history is History.WHOLE:
            return _Read(self.loans.get(loan_id), Found())  # the whole loan, newest first
        head, *found = self.read_batch([self.loans.head_ref(loan_id), *receipt])
        self._answered(answering, found)
        headed = self.loans.from_head(loan_id, head)
        if reads.history is History.HEAD:
            return _Read(headed, Found(), head)
        wanted = reads.items(headed) if reads.items else []
        loan, items = self.loans.with_history(loan_id, head, lambda: self.read_batch(wanted) if wanted else [])
        return _Read(loan, Found(dict(zip(wanted, items, strict=True))), head)

    @staticmethod
    def _answered(answering: Answering | None, items: list[dict | None]) -> None:
        if answering and (answer := answering.receipt.answer_in(items[0])) is not None:
            raise AlreadyAnswered(answer)

    def _whole(self, loan_id: int, head: dict | None) -> StoredLoan:
        """The whole loan, for a change that found the head it started from not enough: the pages of
        the head this attempt read (one round trip), or the loan read afresh."""
        if head is not None:
            return self.loans.with_history(loan_id, head)[0]
        return self.loans.get(loan_id)

    @staticmethod
    def _attempt(
        current: StoredLoan,
        found: Found,
        key: str,
        change: LoanChange[T],
        attempted: list[T],
        now: int,
        on: date,
    ) -> tuple[bool, StoredLoan, StoredLoan | None, T]:
        """(True, loan, None, result) if the loan holds this request's commit, in force at `now`,
        already; else (False, loan, changed loan, result)."""
        if (commit := current.commit_of(key, now)) is not None:
            return True, current, None, attempted[-1] if attempted else _committed_result(current, commit)
        changed, result = change.apply(current, found)
        if not isinstance(changed, StoredLoan):
            # A transition returns a copy of the loan it was given (model_copy), so what storage
            # knows of it (its version, its commits, what its read left out) comes back with it.
            raise TypeError(f"change {change.name!r} returned a loan that is not a copy of the loan it was given")
        if changed is not current and changed.arrears == current.arrears:
            # Every commit refreshes the loan's arrears marks (what the head's index markers and
            # the delinquency notices follow), unless its transition set them itself.
            changed = refresh_arrears(changed, on)
        return False, current, changed, result

    def _commit(
        self,
        current: StoredLoan,
        changed: StoredLoan,
        result: T,
        key: str,
        change: LoanChange[T],
        found: Found,
        actor: Actor | None,
        answering: Answering | None,
        now: int,
    ) -> StoredLoan:
        """One conditional write of everything the change produced: the loan (its new records,
        ledger lines and events), the request's receipt, the rail funds it moves and the signals
        (notices, payout requests) it raises."""
        # A request with a receipt answers for the receipt's window, and its commit with it.
        until = receipts.expiration_from(now) if answering else None
        committing = changed.with_commit(_commit(key, result, until))
        answer = answering.respond(committing.next_version(), result) if answering else None
        also = [answering.receipt.write_action(answer, until)] if answering and until else []
        also += self._funds_actions(current, committing, key, change.overdraw, found)
        at = actor.at if actor else clock.timestamp()
        signals = signals_of(current, committing, at)
        if signals.notices or signals.payouts:
            also += self.loans.signal_actions(committing, signals, at)
        saved = self.loans.save(committing, also or None)
        if answering:
            answering.given = answer
        return saved

    def _funds_actions(self, before: Loan, after: Loan, key: str, overdraw: bool, found: Found) -> list[dict]:
        """The commit's changes to the available balances of rail accounts, conditioned so that
        money leaving an account must be there (lms.ledger.domain.funds); an account's shards
        already read with the loan are not read again."""
        moves = funds_moves(before, after, get_settings().base_currency)
        if not moves:
            return []
        return self.funds.actions(
            [FundsMove(account, amount, overdraw) for account, amount in moves.items()],
            seed=f"{after.id}#{key}",
            read=found.items,
        )
