"""The loan's unit of work without a table: a change declares its reads, gets them handed in, and
nothing of an attempt stays on the unit of work."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lms.errors import Aborted
from lms.loans.service.unit_of_work import Found, History, LoanChange, LoanReads, LoanUnitOfWork
from lms.loans.storage.stored_loan import StoredLoan
from lms.storage.dynamo import ItemRef, Key
from tests.unit.test_loan_transitions import a_loan

HEAD = ItemRef.of("loans", Key("LOAN#1", "HEAD"))
PRODUCT = ItemRef.of("products", Key("PRODUCT#7", "PRODUCT"))
SHARD = ItemRef.of("ledger", Key("FUNDS#1100", "SHARD#00"))


class Table:
    """Loans by id, saved with a version check, as the store does."""

    def __init__(self, *loans: StoredLoan, losses: int = 0):
        self.loans = {loan.id: loan for loan in loans}
        self.losses, self.saves, self.lock = losses, 0, threading.Lock()

    def get(self, loan_id):
        return self.loans[loan_id]

    def head_ref(self, loan_id):
        return ItemRef.of("loans", Key(f"LOAN#{loan_id}", "HEAD"))

    def from_head(self, loan_id, head):
        return self.loans[loan_id]

    def with_history(self, loan_id, head, beside=lambda: None):
        return self.loans[loan_id], beside()

    def signal_actions(self, loan, signals, at):
        return []

    def save(self, loan, also=None):
        with self.lock:
            self.saves += 1
            if self.saves <= self.losses or loan.version != self.loans[loan.id].version:
                raise Aborted("changed by another request", reason="CONCURRENT_MODIFICATION")
            self.loans[loan.id] = loan.model_copy(update={"version": loan.version + 1})
            return self.loans[loan.id]


class Reading(LoanUnitOfWork):
    """Batch reads answered from a dict, counted."""

    def __init__(self, table: Table, items: dict[ItemRef, dict | None], **kwargs):
        super().__init__(loans=table, products=object(), funds=object(), sleep=lambda _: None, **kwargs)
        self.items, self.batches = items, []

    def read_batch(self, refs):
        self.batches.append(list(refs))
        return [self.items.get(ref, {"PK": "LOAN#x"} if ref.table == "loans" else None) for ref in refs]


def renamed(value: str, seen: list[Found] | None = None, reads: LoanReads = LoanReads()) -> LoanChange:
    def apply(loan, found):
        if seen is not None:
            seen.append(found)
        return loan.model_copy(update={"external_id": value}), value

    return LoanChange(name="rename", apply=apply, reads=reads, amount_of=lambda _loan, _result: None)


def test_the_items_a_change_declares_are_read_with_the_loan_and_handed_to_its_transition():
    work = Reading(Table(a_loan(id=1)), {PRODUCT: {"name": "product"}, SHARD: {"available": 5}})
    seen: list[Found] = []
    saved, result = work.run(1, renamed("x", seen, LoanReads(items=lambda loan: [PRODUCT, SHARD])))
    assert (saved.external_id, saved.version, result) == ("x", 1, "x")
    assert work.batches == [[HEAD], [PRODUCT, SHARD]]
    assert seen[0].items == {PRODUCT: {"name": "product"}, SHARD: {"available": 5}}


def test_a_change_from_the_head_reads_only_the_head():
    work = Reading(Table(a_loan(id=1)), {})
    seen: list[Found] = []
    work.run(1, renamed("x", seen, LoanReads(history=History.HEAD)))
    assert work.batches == [[HEAD]]
    assert seen[0].items == {}


def test_a_change_from_the_head_cannot_also_read_items():
    with pytest.raises(ValueError, match="reads nothing beside it"):
        LoanReads(history=History.HEAD, items=lambda loan: [PRODUCT])


def test_an_attempt_leaves_nothing_on_the_unit_of_work():
    table = Table(a_loan(id=1), losses=2)
    work = Reading(table, {PRODUCT: {"name": "product"}})
    before = dict(vars(work))
    work.run(1, renamed("x", reads=LoanReads(items=lambda loan: [PRODUCT])))
    after = dict(vars(work))
    assert table.saves == 3
    assert {k: v for k, v in after.items() if k != "batches"} == {k: v for k, v in before.items() if k != "batches"}


def test_one_unit_of_work_runs_changes_of_many_loans_at_once():
    table = Table(*(a_loan(id=n) for n in range(1, 9)))
    work = Reading(table, {})
    with ThreadPoolExecutor(8) as pool:
        saved = list(pool.map(lambda n: work.run(n, renamed(f"loan-{n}"))[0], range(1, 9)))
    assert [(loan.id, loan.external_id, loan.version) for loan in saved] == [(n, f"loan-{n}", 1) for n in range(1, 9)]
    assert {n: table.loans[n].external_id for n in range(1, 9)} == {n: f"loan-{n}" for n in range(1, 9)}


def test_a_transition_that_does_not_copy_the_loan_it_was_given_is_refused():
    from lms.loans.domain.aggregate.loan import Loan

    work = Reading(Table(a_loan(id=1)), {})
    fresh = LoanChange(name="rebuild", apply=lambda loan, found: (Loan(**dict(loan)), None))
    with pytest.raises(TypeError, match="not a copy of the loan it was given"):
        work.run(1, fresh)
