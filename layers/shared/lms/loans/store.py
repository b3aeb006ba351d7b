"""Loans in the core table: one item per loan, replaced whole by a conditional PutItem on `version`.

The item holds the loan's full state (as exact JSON: amounts keep their scale) plus the key
attributes of the indexes that list loans by kind, customer and status. Later money operations
add their transactions, journal entries and outbound events to the same item, so each operation
is one conditional write.
"""

from __future__ import annotations

from lms.errors import Aborted, NotFound, ResourceExhausted
from lms.loans.domain.loan import Loan
from lms.loans.domain.revenue import first_month_due
from lms.observability import traced
from lms.storage.compact import pack, unpack
from lms.storage.dynamo import ConditionFailed, ItemTooLarge, Key, Table, WriteOutcomeUnknown
from lms.storage.pagination import Page, load_page
from lms.storage.tables import ACCRUAL_SHARDS, BY_PARENT, BY_STATUS, BY_TYPE, core_table, sortable_id


def loan_key(loan_id: int) -> Key:
    return Key(f"LOAN#{loan_id}", "LOAN")


def _from_item(item: dict) -> Loan:
    return Loan.model_validate_json(unpack(item["state"])).model_copy(update={"version": int(item["version"])})


def accrual_index(loan: Loan) -> dict:
    """The sparse accrual index's keys: present while the revenue run has months to book for the loan."""
    due = first_month_due(loan)
    if due is None:
        return {}
    return {"AccrualPK": f"ACCRUE#{loan.id % ACCRUAL_SHARDS}", "AccrualSK": f"{due:%Y-%m}#{sortable_id(loan.id)}"}


def loan_item(loan: Loan, version: int) -> dict:
    key = loan_key(loan.id)
    padded = sortable_id(loan.id)
    return {
        **accrual_index(loan),
        "PK": key.pk,
        "SK": key.sk,
        "entity": "loan",
        "version": version,
        "status": loan.status.value,
        "customerId": loan.customer_id,
        # Lets the outbox relay's stream filter see only loans that carry events.
        "eventSeq": len(loan.outbox),
        "TypePK": "LOAN",
        "TypeSK": padded,
        "ParentPK": f"CUSTOMER#{loan.customer_id}",
        "ParentSK": f"LOAN#{padded}",
        "StatusPK": f"LOAN#{loan.status.value}",
        "StatusSK": padded,
        # The loan's whole history, compressed (see lms.storage.compact).
        "state": pack(loan.model_copy(update={"version": version}).model_dump_json()),
    }


@traced
class LoanStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def next_id(self) -> int:
        return self.table.next_id("loan")

    def add(self, loan: Loan) -> Loan:
        self.table.put(loan_item(loan, 1), condition="attribute_not_exists(PK)")
        return loan.model_copy(update={"version": 1})

    def get(self, loan_id: int) -> Loan:
        item = self.table.get(loan_key(loan_id))
        if not item:
            raise NotFound(f"Loan with identifier {loan_id} does not exist", reason="LOAN_NOT_FOUND")
        return _from_item(item)

    def get_many(self, loan_ids: list[int]) -> list[Loan]:
        """Loans by id, in the order given (one BatchGetItem per 100; unknown ids are left out)."""
        return [_from_item(item) for item in self.table.batch_get([loan_key(i) for i in loan_ids])]

    def save(self, loan: Loan) -> Loan:
        """Replace the loan if nobody changed it since it was read (optimistic concurrency)."""
        new_version = loan.version + 1
        try:
            self.table.put(
                loan_item(loan, new_version),
                condition="#version = :expected",
                names={"#version": "version"},
                values_={":expected": loan.version},
            )
        except ConditionFailed:
            raise Aborted(
                f"Loan {loan.id} was changed by another request; read it again and retry",
                reason="CONCURRENT_MODIFICATION",
            ) from None
        except WriteOutcomeUnknown:
            # Retried like a lost race: the loan is read again, and its commit keys tell whether
            # this write took effect (lms.loans.service.LoanService.change_with).
            raise Aborted(
                f"Loan {loan.id}: the outcome of its write is unknown; read it again and retry",
                reason="WRITE_OUTCOME_UNKNOWN",
            ) from None
        except ItemTooLarge:
            raise ResourceExhausted(
                f"Loan {loan.id} has reached the most history one loan item can hold (400 KB); "
                "this operation was not recorded",
                reason="LOAN_HISTORY_FULL",
            ) from None
        return loan.model_copy(update={"version": new_version})

    def list(self, page: int, rows: int, customer_id: int | None = None, status: str | None = None) -> Page[Loan]:
        names = {"#status": "status"}
        if customer_id is not None:
            candidates = self.table.query(
                "ParentPK = :p AND begins_with(ParentSK, :l)",
                {":p": f"CUSTOMER#{customer_id}", ":l": "LOAN#", **({":s": status} if status else {})},
                index=BY_PARENT,
                projection="PK, SK",
                filter_="#status = :s" if status else None,
                names=names if status else None,
            )
        elif status is not None:
            candidates = self.table.query(
                "StatusPK = :s", {":s": f"LOAN#{status}"}, index=BY_STATUS, projection="PK, SK"
            )
        else:
            candidates = self.table.query("TypePK = :t", {":t": "LOAN"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _from_item)
