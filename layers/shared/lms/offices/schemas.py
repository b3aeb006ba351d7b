"""Office response body."""

from __future__ import annotations

from datetime import date

from lms.api.types import ResponseModel
from lms.offices.store import Office


class OfficeOut(ResponseModel):
    id: str
    name: str
    opening_date: date
    external_id: str | None

    @classmethod
    def of(cls, office: Office) -> OfficeOut:
        return cls(
            id=str(office.id), name=office.name, opening_date=office.opening_date, external_id=office.external_id
        )
