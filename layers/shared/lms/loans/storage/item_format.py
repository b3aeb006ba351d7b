"""The stored format of a loan's items, for whoever reads them outside the loan store: the core
table's stream consumers (the ledger's journal projection, the outbox relay) and the relay's cursor.

A loan is a partition `LOAN#<id>`: its head (`LOAN`), its sealed history pages (`HISTORY#<n:08>`,
lms.loans.storage.history) and the relay's cursor (`RELAY`). The head and every page keep their
records as compressed JSON in the binary attribute `state` (lms.storage.compact); a page also
names the journal entries its commit created or changed (`changedEntries`). A stream record
carries these as DynamoDB JSON, binaries in base64. A commit's webhook notices are items of their
own (`NOTICE#<id>`, lms.loans.storage.signal_items), read back from the stream here too.

Only this package knows that: callers get domain values (a loan id, the journal entries of an
image), so the format can change here alone (`tests/unit/test_loan_item_format.py` fails if
another module of the layer or of `functions/` parses it). Items written by any earlier version
read as before: nothing here changes what is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lms.storage.compact import unpack
from lms.storage.dynamo import Key, deserialize

if TYPE_CHECKING:
    from lms.ledger.domain.entries import JournalEntry
    from lms.loans.domain.records.arrears import ArrearsMarks

PARTITION = "LOAN#"
RELAY_CURSOR = "RELAY"


def loan_partition(loan_id: int) -> str:
    """The partition key of every item of the loan."""
    return f"{PARTITION}{loan_id}"


def loan_id_of_partition(pk: str) -> int:
    """The loan whose partition `pk` is (ValueError if it is no loan's)."""
    if not pk.startswith(PARTITION):
        raise ValueError(f"not a loan's partition: {pk!r}")
    return int(pk[len(PARTITION) :])


# The close of business's index (`CobDueIndex`: `cobShard` / `cobDue`) spreads loans over this many
# partitions, so the run pages them in parallel and no partition takes every loan's writes.
COB_SHARDS = 16
COB_SHARD = "COB#"
ARREARS = "ARREARS#"


def cob_shard(loan_id: int) -> str:
    """The loan's partition of the close-of-business index: a stable hash of its id (not `id % n`,
    so that loans created together, which fall due together, spread over every shard)."""
    digest = hashlib.sha256(str(loan_id).encode()).digest()
    return f"{COB_SHARD}{int.from_bytes(digest[:4], 'big') % COB_SHARDS}"


def head_markers(loan_id: int, marks: ArrearsMarks) -> dict[str, str]:
    """The head's close-of-business attributes (docs/data-model.md): `cobDue` and `cobShard` while
    the run may have something to do for the loan, `cobThrough` once it closed a day for it, and
    `arrearsBucket`, `overdueSince` and `arrearsKey` while it is in arrears. An absent one is not
    written, so both indexes stay sparse."""
    markers: dict[str, str] = {}
    if marks.cob_due is not None:
        markers |= {"cobDue": marks.cob_due.isoformat(), "cobShard": cob_shard(loan_id)}
    if marks.cob_through is not None:
        markers["cobThrough"] = marks.cob_through.isoformat()
    if marks.bucket is not None and marks.overdue_since is not None:
        markers |= {
            "arrearsBucket": marks.bucket,
            "overdueSince": marks.overdue_since.isoformat(),
            "arrearsKey": f"{ARREARS}{marks.bucket}",
        }
    return markers


def portfolio_marker(currency: str, marks: ArrearsMarks, charged_off: bool = False) -> dict[str, Any]:
    """The head's `portfolio` attribute: the business date of the loan's marks and, for a loan in the
    portfolio, what it adds to the portfolio's figures (lms.portfolio projects it from the stream);
    `chargedOff` once a charge-off took it out (its principal then counts as charged off)."""
    if marks.as_of is None:
        return {}
    marker: dict[str, Any] = {"asOf": marks.as_of.isoformat()}
    if charged_off:
        marker["chargedOff"] = True
    if marks.in_portfolio:
        figures = {
            "bucket": marks.bucket,
            "parBand": marks.par_band,
            "principal": marks.principal,
            "overduePrincipal": marks.overdue_principal,
            "overdueInterest": marks.overdue_interest,
            "overdueFees": marks.overdue_fees,
            "overduePenalties": marks.overdue_penalties,
        }
        # What is empty or zero is left out (read back as zero): a loan not in arrears keeps its head
        # within the 2 KB a write unit covers twice.
        marker |= {"currency": currency, **{k: v for k, v in figures.items() if v}}
    return {"portfolio": marker}


@dataclass(frozen=True)
class PortfolioImage:
    """What a head's stream record says of the loan's place in the portfolio, as of the business
    date `as_of`: `figures` None for a loan outside it (not active, or charged off)."""

    loan_id: int
    version: int
    office_id: int
    product_id: int
    as_of: str
    figures: dict[str, Any] | None
    charged_off: bool = False


def portfolio_image_of_record(record: Any) -> PortfolioImage | None:
    """The portfolio image of a loan head's stream record; None for any other item, and for a head
    written before the portfolio existed (it has no marks to count)."""
    raw = _record_of(record).get("NewImage") or {}
    # Only the attributes read here: the image's binary state arrives as base64 text.
    wanted = ("PK", "entity", "version", "officeId", "productId", "portfolio")
    image = deserialize({name: raw[name] for name in wanted if name in raw}) or {}
    marker = image.get("portfolio")
    if image.get("entity") != "loan" or marker is None:
        return None
    return PortfolioImage(
        loan_id=loan_id_of_partition(image["PK"]),
        version=int(image["version"]),
        office_id=int(image["officeId"]),
        product_id=int(image["productId"]),
        as_of=str(marker["asOf"]),
        figures=marker if "currency" in marker else None,
        charged_off=bool(marker.get("chargedOff")),
    )


def relay_cursor_key(loan_id: int) -> Key:
    """The relay's cursor, beside the loan's head in its partition."""
    return Key(loan_partition(loan_id), RELAY_CURSOR)


def _record_of(record: Any) -> Mapping[str, Any]:
    """A stream record's `dynamodb` part, from the raw record or Powertools' DynamoDBRecord."""
    raw = getattr(record, "raw_event", record)
    return raw["dynamodb"]


def loan_id_of_record(record: Any) -> int:
    """The loan a core-table stream record's item belongs to (head, history page or cursor)."""
    return loan_id_of_partition(_record_of(record)["Keys"]["PK"]["S"])


def _journal_of_state(state: Any) -> dict[str, JournalEntry]:
    """The journal inside a head's or page's compressed state (bytes, Binary or base64 text)."""
    if not state:
        return {}
    # Imported here: the webhook routes read notices through this module and need no journal model.
    from lms.ledger.domain.entries import JournalEntry

    entries = json.loads(unpack(state)).get("journal", [])
    return {e["id"]: JournalEntry.model_validate(e) for e in entries}


def journal_of_image(image: Mapping[str, Any] | None) -> dict[str, JournalEntry]:
    """The journal entries a stream image (DynamoDB JSON) of a head or history page holds, by id;
    none for no image, or for an item without records."""
    state = (image or {}).get("state", {}).get("B")
    return _journal_of_state(state)


@dataclass(frozen=True)
class JournalChange:
    """What one stream record of a loan item says about its journal: the entries before and after,
    and, for a history page, the entries its commit created or changed (None for a head, which
    carries its own)."""

    before: dict[str, JournalEntry]
    after: dict[str, JournalEntry]
    named: list[str] | None


def journal_change_of_record(record: Any) -> JournalChange:
    images = _record_of(record)
    new = images["NewImage"]
    named = new.get("changedEntries")
    return JournalChange(
        before=journal_of_image(images.get("OldImage")),
        after=journal_of_image(new),
        named=[value["S"] for value in named["L"]] if named is not None else None,
    )


@dataclass(frozen=True)
class StoredNotice:
    """A webhook notice as a loan's commit stored it (lms.loans.storage.signal_items writes it)."""

    id: str
    type: str
    loan_id: int
    body: str  # the exact JSON text to deliver
    created_at: str


def stored_notice_of(new_image: Mapping[str, Any]) -> StoredNotice:
    """A notice from its stream record's NewImage (DynamoDB JSON); KeyError, TypeError, ValueError
    or ArithmeticError for an image that is not one."""
    item = deserialize(new_image) or {}
    return StoredNotice(
        id=item["id"],
        type=item["type"],
        loan_id=int(item["loanId"]),
        body=item["body"],
        created_at=str(item.get("createdAt", "")),
    )
