"""Office use cases: reading the offices the bootstrap created."""

from __future__ import annotations

from lms.observability import traced
from lms.offices.store import Office, OfficeStore
from lms.storage.pagination import Page, PageAt


@traced
class OfficeService:
    def __init__(self, offices: OfficeStore | None = None):
        self.offices = offices or OfficeStore()

    def get(self, office_id: int) -> Office:
        return self.offices.get(office_id)

    def list(self, page: PageAt, rows: int) -> Page[Office]:
        return self.offices.list(page, rows)
