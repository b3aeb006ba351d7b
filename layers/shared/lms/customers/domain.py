"""Customer rules: who a person or an entity is, and when they may be activated."""

from __future__ import annotations

import re
from datetime import date
from enum import IntEnum

from lms.errors import FieldProblems, PermissionDenied
from lms.models import LmsModel

_MOBILE = re.compile(r"\+?[0-9]{7,15}")  # ASCII digits: \d takes other scripts' digits


class LegalForm(IntEnum):
    PERSON = 1
    ENTITY = 2


class Customer(LmsModel):
    id: int
    office_id: int
    legal_form_id: LegalForm
    firstname: str | None = None
    lastname: str | None = None
    fullname: str | None = None
    mobile_no: str | None = None
    external_id: str | None = None
    active: bool
    activation_date: date | None = None
    created_at: str

    @property
    def display_name(self) -> str:
        if self.legal_form_id is LegalForm.ENTITY:
            return self.fullname or ""
        return f"{self.firstname} {self.lastname}"

    @property
    def status(self) -> str:
        return "Active" if self.active else "Pending"


class CustomerDraft(LmsModel):
    """What a caller asked for, before the rules have been applied."""

    office_id: int
    legal_form_id: int
    firstname: str | None = None
    lastname: str | None = None
    fullname: str | None = None
    mobile_no: str | None = None
    external_id: str | None = None
    active: bool = False
    activation_date: date | None = None


def check_new_customer(draft: CustomerDraft, today: date) -> None:
    """Raise with every rejected field, or a 403 for an activation date in the future."""
    problems = FieldProblems()
    if draft.legal_form_id == LegalForm.PERSON:
        for name in ("firstname", "lastname"):
            if getattr(draft, name) is None:
                problems.add(name, f"The parameter `{name}` is mandatory.")
        if draft.fullname is not None:
            problems.add("fullname", "The parameter `fullname` is only for entities (legalFormId 2).")
    elif draft.legal_form_id == LegalForm.ENTITY:
        if draft.fullname is None:
            problems.add("fullname", "The parameter `fullname` is mandatory for an entity.")
        for name in ("firstname", "lastname"):
            if getattr(draft, name) is not None:
                problems.add(name, f"The parameter `{name}` is only for persons (legalFormId 1).")
    else:
        problems.add("legalFormId", "must be 1 (person) or 2 (entity)")
    if draft.mobile_no is not None and not _MOBILE.fullmatch(draft.mobile_no):
        problems.add("mobileNo", "must be 7 to 15 digits, optionally starting with +")
    if draft.active and draft.activation_date is None:
        problems.add("activationDate", "The parameter `activationDate` is mandatory when `active` is true.")
    if not draft.active and draft.activation_date is not None:
        problems.add("activationDate", "The parameter `activationDate` is only accepted when `active` is true.")
    problems.raise_if_any()
    if draft.activation_date and draft.activation_date > today:
        raise PermissionDenied(
            "The date on which a client is activated cannot be in the future.",
            reason="DATE_IN_FUTURE",
        )
