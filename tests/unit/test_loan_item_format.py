"""One owner for the stored format of loan items (issue 27): lms.loans.storage reads and writes
them; the stream consumers (journal projection, relay, webhook fan-out, payouts) get domain values
from lms.loans.storage.item_format. Items as earlier versions stored them are still read."""

from __future__ import annotations

import ast
import base64
import json
import zlib
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.domain.entries import EntryStatus, JournalLine
from lms.ledger.loan_projection import changed_entries
from lms.loans.storage import item_format
from lms.storage.dynamo import Key

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "lms"
# The owners: the loan's storage, and the generic storage below it (compression, DynamoDB JSON).
OWNERS = (LAYER / "loans" / "storage", LAYER / "storage")
# A loan item's own attributes (lms.loans.storage.store, signal_items), and DynamoDB's type tag of
# a binary (the compressed state in a stream image).
ITEM_ATTRIBUTES = {"state", "changedEntries", "pageCount", "pagesWritten", "historyEnds", "writtenAt", "eventSeq"}
BINARY_TAG = "B"
# `LOAN#` spelled by another table's own items: the ledger's ByParent index lists a loan's journal
# entries under `LOAN#<id>` in the ledger table. That is the ledger's format, not the loan item's.
OTHER_FORMATS = {LAYER / "ledger" / "store.py"}
# `state` is also the attribute every other entity keeps its JSON in (customers, products, offices,
# ledger accounts and entries, event statuses): each store reads its own.
OWN_STATE = {
    LAYER / "customers" / "store.py",
    LAYER / "products" / "store.py",
    LAYER / "offices" / "store.py",
    LAYER / "ledger" / "store.py",
    LAYER / "integration" / "event_store.py",
}


def sources() -> list[Path]:
    files = [*(ROOT / "functions").rglob("*.py"), *LAYER.rglob("*.py")]
    return sorted(f for f in files if not any(f.is_relative_to(owner) for owner in OWNERS))


def strings_in(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string constant, f-strings' literal parts included."""
    return [(n.lineno, n.value) for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def subscripts_and_gets(tree: ast.AST) -> list[tuple[int, str]]:
    """Names read from a mapping: `x["name"]` and `x.get("name", ...)`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            found.append((node.lineno, node.slice.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_module_outside_the_loan_storage_parses_loan_items():
    found = []
    for path in sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        where = path.relative_to(ROOT)
        if path not in OTHER_FORMATS:
            found += [f"{where}:{line}: {text!r}" for line, text in strings_in(tree) if text.startswith("LOAN#")]
        for line, name in subscripts_and_gets(tree):
            if name == BINARY_TAG or (name in ITEM_ATTRIBUTES and not (name == "state" and path in OWN_STATE)):
                found.append(f"{where}:{line}: reads [{name!r}]")
        found += [
            f"{where}: imports {module}"
            for module in imported(tree) & {"zlib", "gzip", "lms.storage.compact", "lms.loans.storage.history"}
        ]
    assert found == []


def test_the_guard_sees_what_the_stream_consumers_used_to_do(tmp_path):
    """The three parsings issue 27 found, as they were written, are each caught."""
    before = (
        'loan_id = int(record.raw_event["dynamodb"]["Keys"]["PK"]["S"].removeprefix("LOAN#"))\n'
        'new_state = images["NewImage"]["state"]["B"]\n'
        "from lms.storage.compact import unpack\n"
    )
    tree = ast.parse(before)
    assert [text for _, text in strings_in(tree) if text.startswith("LOAN#")] == ["LOAN#"]
    assert [name for _, name in subscripts_and_gets(tree) if name in ITEM_ATTRIBUTES | {BINARY_TAG}] == ["B", "state"]
    assert imported(tree) == {"lms.storage.compact"}


# ---------------------------------------------------------------- the reader, on items as stored

ENTRY = {
    "id": "JE-7-3",
    "entry_date": "2026-05-23",
    "description": "Repayment",
    "currency": "TZS",
    "reference_type": "repayment",
    "reference_id": "7-3",
    "loan_id": 7,
    "source": "system",
    "status": "posted",
    "lines": [
        {"account_id": "1120", "debit": "150.00", "credit": "0.00", "description": None},
        {"account_id": "1300", "debit": "0.00", "credit": "150.00", "description": None},
    ],
    "recorded_at": "2026-05-23T10:00:00Z",
    "posted_at": "2026-05-23T10:00:00Z",
}


def stored_state(journal: list[dict]) -> str:
    """A head's or page's `state` as a stream image carries it: zlib-compressed JSON, base64
    (written so by every version since the state was first compressed)."""
    text = json.dumps({"id": 7, "journal": journal}, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode(), 6)).decode()


def stream_record(new: dict | None, old: dict | None = None, sk: str = "LOAN") -> dict:
    dynamodb = {"Keys": {"PK": {"S": "LOAN#7"}, "SK": {"S": sk}}}
    if new is not None:
        dynamodb["NewImage"] = {"PK": {"S": "LOAN#7"}, "SK": {"S": sk}, **new}
    if old is not None:
        dynamodb["OldImage"] = {"PK": {"S": "LOAN#7"}, "SK": {"S": sk}, **old}
    return {"eventID": "1", "eventName": "MODIFY", "eventSource": "aws:dynamodb", "dynamodb": dynamodb}


def test_the_loan_of_a_stream_record_from_its_key():
    record = stream_record({"version": {"N": "4"}})
    assert item_format.loan_id_of_record(record) == 7
    assert item_format.loan_id_of_record(DynamoDBRecord(record)) == 7
    assert item_format.loan_id_of_partition("LOAN#123456") == 123456
    with pytest.raises(ValueError, match="not a loan's partition"):
        item_format.loan_id_of_partition("CUSTOMER#7")
    assert item_format.loan_partition(42) == "LOAN#42"
    assert item_format.relay_cursor_key(42) == Key("LOAN#42", "RELAY")


def test_a_head_record_gives_its_journal_before_and_after():
    reversed_ = {**ENTRY, "status": "reversed", "reversed_by": "JE-7-4"}
    reversal = {**ENTRY, "id": "JE-7-4", "reverses": "JE-7-3", "reference_type": "reversal"}
    record = stream_record(
        {"state": {"B": stored_state([reversed_, reversal])}}, {"state": {"B": stored_state([ENTRY])}}
    )
    change = item_format.journal_change_of_record(DynamoDBRecord(record))
    assert sorted(change.after) == ["JE-7-3", "JE-7-4"]
    assert list(change.before) == ["JE-7-3"]
    assert change.named is None
    before = change.before["JE-7-3"]
    assert (before.status, before.loan_id, before.currency) == (EntryStatus.POSTED, 7, "TZS")
    assert before.lines == [
        JournalLine(account_id="1120", debit="150.00", credit="0.00"),
        JournalLine(account_id="1300", debit="0.00", credit="150.00"),
    ]
    assert str(before.lines[0].debit) == "150.00"  # the amount's scale as stored
    assert [(e.id, e.status) for e in changed_entries(change)] == [
        ("JE-7-3", EntryStatus.REVERSED),
        ("JE-7-4", EntryStatus.POSTED),
    ]


def test_a_page_record_names_what_its_commit_changed_and_a_new_item_has_no_before():
    page = {
        "state": {"B": stored_state([ENTRY, {**ENTRY, "id": "JE-7-4"}])},
        "changedEntries": {"L": [{"S": "JE-7-4"}]},
    }
    change = item_format.journal_change_of_record(stream_record(page, sk="HISTORY#00000001"))
    assert (change.before, change.named) == ({}, ["JE-7-4"])
    assert [e.id for e in changed_entries(change)] == ["JE-7-4"]
    # A head without records yet (a submitted loan's state holds no journal).
    empty = item_format.journal_change_of_record(stream_record({"state": {"B": stored_state([])}}))
    assert (empty.before, empty.after, empty.named) == ({}, {}, None)


def test_a_notice_from_its_stream_image():
    image = {
        "PK": {"S": "NOTICE#ntc_7_4_1"},
        "SK": {"S": "NOTICE"},
        "entity": {"S": "notice"},
        "id": {"S": "ntc_7_4_1"},
        "type": {"S": "loan.disbursed"},
        "loanId": {"N": "7"},
        "body": {"S": '{"event":"loan.disbursed","loanId":"7"}'},
        "createdAt": {"S": "2026-05-23T10:00:00Z"},
        "expiresAt": {"N": "1782208800"},
    }
    assert item_format.stored_notice_of(image) == item_format.StoredNotice(
        id="ntc_7_4_1",
        type="loan.disbursed",
        loan_id=7,
        body='{"event":"loan.disbursed","loanId":"7"}',
        created_at="2026-05-23T10:00:00Z",
    )
    with pytest.raises(KeyError):
        item_format.stored_notice_of({"id": {"S": "ntc_7_4_1"}})
