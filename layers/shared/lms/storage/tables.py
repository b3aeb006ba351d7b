"""The tables and indexes of docs/data-model.md."""

from __future__ import annotations

from lms.config import get_settings
from lms.storage.dynamo import Table

# Core table indexes (attribute names: TypePK/TypeSK, ParentPK/ParentSK, StatusPK/StatusSK).
BY_TYPE = "ByType"  # every item of one kind, in id order ("all loans", "all customers")
BY_PARENT = "ByParent"  # children of one owner ("loans of customer 7")
BY_STATUS = "ByStatus"  # items of one kind in one status ("loans Active")
BY_ACCRUAL = "ByAccrual"  # loans the revenue run still has to book, by the first month due (sparse)
# Issue 28 (docs/cob.md), both sparse: loans with something for the close of business to do, by the
# date it is due (cobShard COB#0..15 / cobDue), and loans in arrears, by bucket, oldest first
# (arrearsKey ARREARS#<bucket> / overdueSince).
COB_DUE_INDEX = "CobDueIndex"
ARREARS_INDEX = "ArrearsIndex"

# The accrual index is spread over this many partition keys (AccrualPK = ACCRUE#<loan id % n>), so
# that neither loan writes nor a run's paging concentrate on one partition (8 partitions take 8,000
# index writes a second). Changing it needs the loans' index keys rewritten.
ACCRUAL_SHARDS = 8


def core_table() -> Table:
    return Table(get_settings().table_name)


def ledger_table() -> Table:
    return Table(get_settings().ledger_table_name)


def sortable_id(number: int) -> str:
    """Zero-padded so that string order is numeric order in sort keys."""
    return f"{number:012d}"
