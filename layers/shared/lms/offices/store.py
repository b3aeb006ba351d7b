"""Offices are reference data: created by the bootstrap, read by customers and the API."""

from __future__ import annotations

from datetime import date

from lms.errors import NotFound
from lms.models import LmsModel
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_TYPE, core_table, sortable_id


class Office(LmsModel):
    id: int
    name: str
    opening_date: date
    external_id: str | None = None


def _key(office_id: int) -> Key:
    return Key(f"OFFICE#{office_id}", "OFFICE")


@traced
class OfficeStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def ensure(self, office: Office) -> bool:
        """Create the office unless it exists; True if created."""
        item = {
            "PK": _key(office.id).pk,
            "SK": _key(office.id).sk,
            "entity": "office",
            "TypePK": "OFFICE",
            "TypeSK": sortable_id(office.id),
            "state": office.model_dump_json(),
        }
        try:
            self.table.put(item, condition="attribute_not_exists(PK)")
        except ConditionFailed:
            return False
        return True

    def get(self, office_id: int) -> Office:
        item = self.table.get(_key(office_id))
        if not item:
            raise NotFound(f"Office with identifier {office_id} does not exist", reason="OFFICE_NOT_FOUND")
        return Office.model_validate_json(item["state"])

    def list(self, page: PageAt, rows: int) -> Page[Office]:
        candidates = KeyQuery("TypePK = :t", {":t": "OFFICE"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, lambda item: Office.model_validate_json(item["state"]))
