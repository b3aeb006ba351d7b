"""Loan use cases: each reads the loan, applies a pure transition and writes it back conditionally."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from lms import clock
from lms.config import get_settings
from lms.customers.store import CustomerStore
from lms.errors import Aborted, NotFound
from lms.ledger.domain.accounts import account_for
from lms.ledger.domain.funds import insufficient
from lms.ledger.funds import FundsMove, FundsStore
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import position_of, resumed, with_charge_states
from lms.loans.domain.aggregate import loan as transitions
from lms.loans.domain.aggregate.application import LoanApplication, submit_loan
from lms.loans.domain.aggregate.loan import Actor, Commit, HistoryNeeded, Loan
from lms.loans.domain.aggregate.payment_types import PAYMENT_TYPES, PaymentType
from lms.loans.domain.disbursing import payout
from lms.loans.domain.disbursing.disbursement import (
    DisbursementOrder,
    DisbursementPlan,
    DisbursementStatus,
    disburse,
    disbursement_reference,
    disbursement_status,
    parse_disbursement_reference,
    plan_disbursement,
    rail_of,
    undo_disbursal,
)
from lms.loans.domain.disbursing.funds import funds_moves
from lms.loans.domain.disbursing.signals import PayoutRequest, signals_of
from lms.loans.domain.operations import charging, payments, revenue
from lms.loans.domain.operations.payments import PaymentOrder
from lms.loans.domain.records.charges import ChargeKind, LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction
from lms.loans.storage.store import LoanStore
from lms.observability import record_loan_operation, traced
from lms.payouts.providers import ensure_provider
from lms.products.domain import LoanProduct
from lms.products.store import ProductStore
from lms.storage import receipts
from lms.storage.dynamo import ItemRef, batch_get_across
from lms.storage.pagination import Page, page_of
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


@dataclass(frozen=True)
class AccrualResult:
    loan_id: int
    currency: str
    outcome: revenue.Outcome | None  # None: it failed
    amount: Decimal | None
    error: str | None


@dataclass
class Answering:
    """How an idempotent request is answered exactly once: its receipt is looked up with the loan's
    other reads and written in the loan's commit, holding the answer `respond` makes from the loan as
    saved and what the operation produced. `given` is that answer once committed."""

    receipt: Receipt
    respond: Callable[[Loan, Any], Answer]
    given: Answer | None = None


def _accrued(result):
    loan, outcome, amount = result
    return loan, (outcome, amount)


def actor_for(key_id: str, idempotency_key: str | None = None) -> Actor:
    # 64 bits of a digest: the loan keeps only its last few commit keys, and each rides along on
    # every write of the loan, so they are kept short.
    digest = hashlib.sha256(f"{key_id}:{idempotency_key}".encode()).hexdigest()[:16] if idempotency_key else None
    return Actor(by=key_id, at=clock.timestamp(), today=clock.today(), request_key=digest)


def _commit(key: str, result: object, until: int | None) -> Commit:
    if isinstance(result, LoanTransaction):
        return Commit(key=key, transaction_id=result.id, until=until)
    if isinstance(result, LoanCharge):
        return Commit(key=key, charge_id=result.id, until=until)
    return Commit(key=key, until=until)


def _committed_result(loan: Loan, commit: Commit):
    """What an earlier request's commit produced, as that request answered it."""
    if commit.transaction_id is not None:
        return loan.transaction(commit.transaction_id)
    if commit.charge_id is not None:
        return next(c for c in loan.charges if c.id == commit.charge_id)
    return None


@traced
class LoanService:
    def __init__(
        self,
        loans: LoanStore | None = None,
        customers: CustomerStore | None = None,
        products: ProductStore | None = None,
    ):
        self.loans = loans or LoanStore()
        self.customers = customers or CustomerStore()
        self.products = products or ProductStore()
        self.funds = FundsStore()
        self.sleep: Callable[[float], None] = time.sleep
        # Items read in one batch with the loan's receipt, for the current attempt (change_with).
        self.read_with_loan: dict[ItemRef, dict | None] = {}
        # The loan's head item as the current attempt read it (change_with), to read its pages.
        self.head_read: dict | None = None

    def product_of(self, loan: Loan) -> LoanProduct:
        """The loan's product (kept by the environment once read: products never change)."""
        return self.products.get(loan.product_id)

    def _product_reads(self, loan: Loan) -> list[ItemRef]:
        return self.products.refs_to_read([loan.product_id])

    def _read_with_loan(self, loan: Loan, answering: Answering | None, reads: list[ItemRef]) -> None:
        """One batch read of the request's receipt and what the operation needs besides the loan;
        a receipt found means the request was answered already (AlreadyAnswered)."""
        receipt = [answering.receipt.ref] if answering else []
        items = self._read_batch(receipt + reads) if receipt or reads else []
        if answering and (answer := answering.receipt.answer_in(items[0])) is not None:
            raise AlreadyAnswered(answer)
        self.read_with_loan = dict(zip(reads, items[len(receipt) :], strict=True))

    def _read_batch(self, refs: list[ItemRef]) -> list[dict | None]:
        """One batch read; the products in it are kept by the environment."""
        items = batch_get_across(refs)
        self.products.remember(item for item in items if item)
        return items

    def submit(self, application: LoanApplication, actor: Actor) -> Loan:
        # The customer and (unless this environment knows it) the product in one batch.
        found = self._read_batch(
            [self.customers.ref(application.customer_id), *self.products.refs_to_read([application.product_id])]
        )
        customer = self.customers.found(application.customer_id, found[0])
        product = self.products.get(application.product_id)
        # Validate fully before taking an id, so refused applications leave no gaps.
        submit_loan(0, application, customer, product, actor)
        loan = submit_loan(self.loans.next_id(), application, customer, product, actor)
        return self.loans.add(loan)

    def get(self, loan_id: int) -> Loan:
        return self.loans.get(loan_id)

    def list(self, page: int, rows: int, customer_id: int | None, status: str | None) -> Page[Loan]:
        return self.loans.list(page, rows, customer_id, status)

    def transactions(self, loan_id: int, page: int, rows: int) -> tuple[Loan, Page[LoanTransaction]]:
        """The loan and one page of its transactions, reversed ones included, in date order."""
        loan = self.get(loan_id)
        ordered = sorted(loan.transactions, key=lambda t: (t.date, t.id))
        return loan, page_of(ordered, page, rows)

    def charges(self, loan_id: int, page: int, rows: int) -> tuple[Loan, Page[LoanCharge]]:
        """The loan and one page of its charges, leaving out those whose transaction was reversed."""
        loan = self.get(loan_id)
        if loan.charges:  # states as the replay has them, also of a loan last written before they were kept
            loan = with_charge_states(loan, resumed(loan, []) or position_of(loan))  # the snapshot, if current
        live = [c for c in loan.charges if (t := loan.transaction(c.transaction_id)) and t.active]
        return loan, page_of(live, page, rows)

    @staticmethod
    def _disbursement_of(reference: str) -> tuple[int, int]:
        found = parse_disbursement_reference(reference)
        if found is None:
            raise NotFound(f"Disbursement {reference} does not exist", reason="DISBURSEMENT_NOT_FOUND")
        return found

    def _status_of(self, loan_id: int, txn_id: int, loan: Loan | None = None) -> DisbursementStatus:
        """From the loan's head (its whole history only for a disbursement that was undone and
        sealed into a history page)."""
        try:
            status = disbursement_status(loan or self.loans.get_head(loan_id), txn_id)
        except HistoryNeeded:
            status = disbursement_status(self.loans.get(loan_id), txn_id)
        except NotFound:
            status = None
        if status is None:
            raise NotFound(
                f"Disbursement {disbursement_reference(loan_id, txn_id)} does not exist",
                reason="DISBURSEMENT_NOT_FOUND",
            )
        return status

    def disbursement_status(self, reference: str) -> DisbursementStatus:
        """A disbursement by its transaction id: one read of the loan's head."""
        return self._status_of(*self._disbursement_of(reference))

    def payment_types(self, page: int, rows: int) -> Page[PaymentType]:
        return page_of(list(PAYMENT_TYPES), page, rows)

    def change(
        self,
        loan_id: int,
        transition: Callable[[Loan], Loan],
        *,
        name: str,
        actor: Actor | None = None,
        amount_of: Callable[[Loan, None], Decimal | None] = lambda _loan, _result: None,
        answering: Answering | None = None,
        reads: Callable[[Loan], list[ItemRef]] | None = None,
    ) -> Loan:
        operation = lambda loan: (transition(loan), None)  # noqa: E731
        return self.change_with(
            loan_id, operation, name=name, actor=actor, amount_of=amount_of, answering=answering, reads=reads
        )[0]

    def _funds_actions(self, before: Loan, after: Loan, key: str, overdraw: bool) -> list[dict]:
        """The commit's changes to the available balances of rail accounts, conditioned so that
        money leaving an account must be there (lms.ledger.domain.funds); an account's shards
        already read with the loan are not read again."""
        moves = funds_moves(before, after, get_settings().base_currency)
        if not moves:
            return []
        return self.funds.actions(
            [FundsMove(account, amount, overdraw) for account, amount in moves.items()],
            seed=f"{after.id}#{key}",
            read=self.read_with_loan,
        )

    def change_with(
        self,
        loan_id: int,
        operation: Callable[[Loan], tuple[Loan, T]],
        *,
        name: str,
        actor: Actor | None = None,
        amount_of: Callable[[Loan, T], Decimal | None] = lambda _loan, result: getattr(result, "amount", None),
        read: Loan | None = None,
        answering: Answering | None = None,
        reads: Callable[[Loan], list[ItemRef]] | None = None,
        head_first: bool = False,
        overdraw: bool = False,
    ) -> tuple[Loan, T]:
        """Apply `operation` to the current loan and save it conditionally; on a lost race, start over.

        `operation` returns the changed loan and whatever the caller wants from it (a transaction, a
        charge), taken from the attempt that was saved. `read` is the loan if the caller already read
        it; a lost race reads it again. A saved change is counted as operation `name`, with the
        amount `amount_of` finds in it (by default the transaction's or charge's).

        Exactly once: the write carries a commit key, the actor's request key (its Idempotency-Key)
        or one made for this call. A loan that already holds the key is not changed again: its
        write took effect although its answer was lost (the SDK retried a timed-out write and
        found its own condition failed, or the caller retried after an error), so what that
        commit produced is the answer.

        With `answering`, the request's receipt is read in one batch with the loan's head (before
        the operation can refuse anything, so a replay is never refused) and written in the commit:
        a request answered before raises AlreadyAnswered with its answer. Then the loan's history
        pages and the items `reads` names are read at once, so a request costs at most three round
        trips whatever the loan's age: the head and receipt, the pages and reads, the commit (two
        for a loan with no pages and nothing else to read).

        With `head_first` (operations that usually add a transaction after all others: a payment, a
        charge), the operation starts from the head alone, without its sealed history, and the
        position resumes from its snapshot: two round trips whatever the loan's age. If the
        operation needs the older history after all, the pages of that head are read: three.

        Money the commit moves in or out of a rail account changes that account's available
        balance in the same write (`_funds_actions`): money out only if it is there (402
        INSUFFICIENT_FUNDS otherwise), unless `overdraw` (a correction: a reversed repayment).
        """
        key = (actor.request_key if actor else None) or uuid.uuid4().hex[:16]
        attempted: list[T] = []
        for attempt in range(MAX_ATTEMPTS):
            current = self._read_for_change(loan_id, read if attempt == 0 else None, answering, reads, head_first)
            # Read after the receipt was: a receipt found past its window means its commit is too.
            now = receipts.now_seconds()
            try:
                done, current, changed, result = self._attempt(current, key, operation, attempted, now)
            except HistoryNeeded:
                # Read without its older history, the loan could not do this operation (a back-dated
                # payment, a reversal): the whole loan, once, and the operation again.
                current = self._with_history(loan_id)
                done, current, changed, result = self._attempt(current, key, operation, attempted, now)
            if done:
                record_loan_operation(name, current.currency, amount_of(current, result))
                return current, result
            if changed is current:
                return current, result  # nothing to write
            attempted.append(result)
            # A request with a receipt answers for the receipt's window, and its commit with it.
            until = receipts.expiration_from(now) if answering else None
            committing = changed.with_commit(_commit(key, result, until))
            answer = answering.respond(committing.next_version(), result) if answering else None
            also = [answering.receipt.write_action(answer, until)] if answering and until else []
            also += self._funds_actions(current, committing, key, overdraw)
            at = actor.at if actor else clock.timestamp()
            signals = signals_of(current, committing, at)
            if signals.notices or signals.payouts:
                also += self.loans.signal_actions(committing, signals, at)
            try:
                saved = self.loans.save(committing, also or None)
            except Aborted:
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                self.sleep(backoff(attempt))
                continue
            if answering:
                answering.given = answer
            record_loan_operation(name, saved.currency, amount_of(saved, result))
            return saved, result
        raise AssertionError("unreachable")

    def _read_for_change(
        self,
        loan_id: int,
        read: Loan | None,
        answering: Answering | None,
        reads: Callable[[Loan], list[ItemRef]] | None,
        head_first: bool,
    ) -> Loan:
        """The loan, the request's receipt and what `reads` names, in at most two round trips.

        First, the loan's head and the receipt in one batch: a replay is answered from it, before
        the operation can refuse anything. With `head_first` the operation starts from the head
        alone. Otherwise the loan's history pages (if it has any) and the items `reads` names
        (found from the head: its product, its currency) are read at once. With nothing to read
        but the loan (approve, reject, withdraw), it is read whole (`LoanStore.get`)."""
        self.head_read = None
        if read is not None:
            self._read_with_loan(read, answering, reads(read) if reads else [])
            return read
        if answering is None and reads is None and not head_first:
            self.read_with_loan = {}
            return self.loans.get(loan_id)  # nothing to read beside it: the whole loan, newest first
        receipt = [answering.receipt.ref] if answering else []
        head, *found = self._read_batch([self.loans.head_ref(loan_id), *receipt])
        if answering and (answer := answering.receipt.answer_in(found[0])) is not None:
            raise AlreadyAnswered(answer)
        headed = self.loans.from_head(loan_id, head)
        self.head_read = head
        if head_first and reads is None:
            self.read_with_loan = {}
            return headed
        extra = reads(headed) if reads else []
        current, items = self.loans.with_history(loan_id, head, lambda: self._read_batch(extra) if extra else [])
        self.read_with_loan = dict(zip(extra, items, strict=True))
        return current

    def _with_history(self, loan_id: int) -> Loan:
        """The whole loan, for an operation that found the head it started from not enough: the
        pages of the head read this attempt (one round trip), or the loan read afresh."""
        if self.head_read is not None:
            return self.loans.with_history(loan_id, self.head_read)[0]
        return self.loans.get(loan_id)

    @staticmethod
    def _attempt(
        current: Loan, key: str, operation: Callable[[Loan], tuple[Loan, T]], attempted: list[T], now: int
    ) -> tuple[bool, Loan, Loan | None, T]:
        """(True, loan, None, result) if the loan holds this request's commit, in force at `now`,
        already; else (False, loan, changed loan, result)."""
        if (commit := current.commit_of(key, now)) is not None:
            return True, current, None, attempted[-1] if attempted else _committed_result(current, commit)
        changed, result = operation(current)
        return False, current, changed, result

    def approve(self, loan_id: int, on: date, amount: Decimal | None, note: str | None, actor: Actor) -> Loan:
        return self.change(
            loan_id,
            lambda loan: transitions.approve(loan, on, amount, note, actor, self.product_of(loan).min_principal),
            name="approve",
            actor=actor,
        )

    def undo_approval(self, loan_id: int, note: str | None, actor: Actor) -> Loan:
        return self.change(
            loan_id, lambda current: transitions.undo_approval(current, note, actor), name="undo_approval", actor=actor
        )

    def reject(self, loan_id: int, on: date, note: str | None, actor: Actor) -> Loan:
        return self.change(
            loan_id, lambda current: transitions.reject(current, on, note, actor), name="reject", actor=actor
        )

    def withdraw(self, loan_id: int, on: date, note: str | None, actor: Actor) -> Loan:
        return self.change(
            loan_id, lambda current: transitions.withdraw(current, on, note, actor), name="withdraw", actor=actor
        )

    # ------------------------------------------------------------------ money
    def books(self, loan: Loan, actor: Actor) -> Books:
        return Books(loan, get_settings().base_currency, actor.at, actor.by)

    def _funds_account(self, loan: Loan, order: DisbursementOrder) -> str:
        return account_for(rail_of(order), loan.currency, get_settings().base_currency)

    def _disbursement_reads(self, loan: Loan, order: DisbursementOrder) -> list[ItemRef]:
        return [*self._product_reads(loan), *self.funds.refs(self._funds_account(loan, order))]

    def _ensure_funds(self, loan: Loan, order: DisbursementOrder, amount: Decimal) -> None:
        """The rail's account must have `amount` available (its balance less payouts promised and
        not yet made; read with the request's receipt when change_with read it). The commit takes
        it out conditionally all the same (_funds_actions): this refuses early and plainly."""
        account = self._funds_account(loan, order)
        refs = self.funds.refs(account)
        if all(ref in self.read_with_loan for ref in refs):
            available = sum(self.funds.shards_in([self.read_with_loan[ref] for ref in refs]), Decimal(0))
        else:
            available = self.funds.available(account)
        if available < amount:
            raise insufficient(account, available, amount)

    def plan_disbursement(self, loan_id: int, order: DisbursementOrder, actor: Actor) -> tuple[Loan, DisbursementPlan]:
        ensure_provider(order.method)
        loan = self.loans.get(loan_id)
        plan = plan_disbursement(loan, self.product_of(loan), order, actor.today)
        self._ensure_funds(loan, order, plan.net_amount)
        return loan, plan

    def disburse(
        self, loan_id: int, order: DisbursementOrder, actor: Actor, answering: Answering | None = None
    ) -> Loan:
        ensure_provider(order.method)  # before anything is read or written: no pretending to pay

        def transition(current: Loan) -> Loan:
            plan = plan_disbursement(current, self.product_of(current), order, actor.today)
            self._ensure_funds(current, order, plan.net_amount)
            return disburse(current, plan, order, self.books(current, actor), actor)

        return self.change(
            loan_id,
            transition,
            name="disburse",
            actor=actor,
            amount_of=lambda loan, _: loan.principal,
            answering=answering,
            reads=lambda loan: self._disbursement_reads(loan, order),
        )

    def repay(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        return self.change_with(
            loan_id,
            lambda loan: payments.repay(loan, order, self.books(loan, actor), actor),
            name="repay",
            actor=actor,
            answering=answering,
            head_first=True,
        )

    def reverse(
        self, loan_id: int, txn_id: int, reason: str, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        return self.change_with(
            loan_id,
            lambda loan: payments.reverse_transaction(loan, txn_id, reason, self.books(loan, actor), actor),
            name="reverse",
            actor=actor,
            answering=answering,
            # The cash a reversed repayment booked was never there: taking it back cannot wait for funds.
            overdraw=True,
        )

    def refund(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        return self.change_with(
            loan_id,
            lambda loan: payments.refund(loan, order, self.books(loan, actor), actor),
            name="refund",
            actor=actor,
            answering=answering,
            head_first=True,
        )

    def payoff(self, loan_id: int, on: date) -> payments.PayoffQuote:
        loan = self.loans.get(loan_id)
        return payments.quote_payoff(loan, self.product_of(loan), on)

    def settle(
        self, loan_id: int, order: PaymentOrder, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanTransaction]:
        def settle(loan: Loan) -> tuple[Loan, LoanTransaction]:
            settled, txn, _ = payments.settle_early(loan, self.product_of(loan), order, self.books(loan, actor), actor)
            return settled, txn

        return self.change_with(
            loan_id, settle, name="settle", actor=actor, answering=answering, reads=self._product_reads
        )

    def assess_charge(
        self,
        loan_id: int,
        name: str,
        kind: ChargeKind,
        amount: Decimal,
        due: date,
        note: str | None,
        actor: Actor,
        answering: Answering | None = None,
    ) -> tuple[Loan, LoanCharge]:
        return self.change_with(
            loan_id,
            lambda loan: charging.assess_charge(loan, name, kind, amount, due, note, self.books(loan, actor), actor),
            name="assess_charge",
            actor=actor,
            answering=answering,
            head_first=True,
        )

    def waive_charge(
        self, loan_id: int, charge_id: int, note: str | None, actor: Actor, answering: Answering | None = None
    ) -> tuple[Loan, LoanCharge]:
        return self.change_with(
            loan_id,
            lambda loan: charging.waive_charge(loan, charge_id, note, self.books(loan, actor), actor),
            name="waive_charge",
            actor=actor,
            answering=answering,
            head_first=True,
        )

    def charge_off(
        self, loan_id: int, on: date, note: str | None, actor: Actor, answering: Answering | None = None
    ) -> Loan:
        return self.change(
            loan_id,
            lambda loan: charging.charge_off(loan, on, note, self.books(loan, actor), actor),
            name="charge_off",
            actor=actor,
            answering=answering,
        )

    def accrue_month(self, loan_ids: list[int], month: date, actor: Actor) -> list[AccrualResult]:
        """The revenue run for a batch of loans: one read for the batch, one conditional write per loan
        that had something to book. A loan that fails is reported, not retried forever: the next
        attempt of the run finds it still due."""
        results = []
        for loan in self.loans.get_heads(loan_ids):
            try:
                _, (outcome, amount) = self.change_with(
                    loan.id,
                    lambda current: _accrued(revenue.accrue_month(current, month, self.books(current, actor))),
                    name="accrue",
                    actor=actor,
                    amount_of=lambda _loan, accrued: accrued[1],
                    read=loan,
                )
                results.append(AccrualResult(loan.id, loan.currency, outcome, amount, None))
            except Exception as err:  # one loan's failure must not stop the others
                results.append(AccrualResult(loan.id, loan.currency, None, None, f"{type(err).__name__}: {err}"))
        return results

    # ------------------------------------------------------------------ payouts
    def complete_payout(
        self, request: PayoutRequest, provider_reference: str | None, actor: Actor, read: Loan | None = None
    ) -> Loan:
        """The provider paid the attempt out: Disbursements payable to the rail, in one commit
        (`read`: the loan's head as the worker read it; a lost race reads it again)."""
        return self.change_with(
            request.loan_id,
            lambda loan: (
                payout.complete_payout(
                    loan,
                    request.transaction_id,
                    request.attempt,
                    provider_reference,
                    self.books(loan, actor),
                    actor,
                ),
                None,
            ),
            name="payout_completed",
            actor=actor,
            amount_of=lambda loan, _: loan.disbursement.net_amount if loan.disbursement else None,
            read=read,
            head_first=True,
        )[0]

    def fail_payout(self, request: PayoutRequest, reason: str, actor: Actor, read: Loan | None = None) -> Loan:
        return self.change_with(
            request.loan_id,
            lambda loan: (payout.fail_payout(loan, request.transaction_id, request.attempt, reason, actor), None),
            name="payout_failed",
            actor=actor,
            amount_of=lambda loan, _: loan.disbursement.net_amount if loan.disbursement else None,
            read=read,
            head_first=True,
        )[0]

    def retry_payout(self, reference: str, actor: Actor, answering: Answering | None = None) -> tuple[Loan, int]:
        """An operator's retry of a FAILED payout (a new attempt, PENDING): the loan and the
        disbursement's transaction id."""
        loan_id, txn_id = self._disbursement_of(reference)

        def retry(current: Loan) -> tuple[Loan, int]:
            ensure_provider(current.disbursement.method)
            current.transaction(txn_id)  # the answer shows the transaction: read it if it was sealed
            return payout.retry_payout(current, txn_id, actor), txn_id

        try:
            return self.change_with(
                loan_id, retry, name="payout_retried", actor=actor, answering=answering, head_first=True
            )
        except NotFound:
            raise NotFound(f"Disbursement {reference} does not exist", reason="DISBURSEMENT_NOT_FOUND") from None

    def undo_disbursal(self, loan_id: int, note: str | None, actor: Actor, answering: Answering | None = None) -> Loan:
        return self.change(
            loan_id,
            lambda current: undo_disbursal(current, self.books(current, actor), actor, note),
            name="undo_disbursal",
            actor=actor,
            answering=answering,
        )
