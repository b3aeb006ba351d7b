"""Customer request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Literal

from lms.api.types import EntityId, IsoDate, NonBlankStr, RequestModel, ResponseModel, StrictBool, with_example
from lms.customers.domain import Customer, CustomerDraft


class CreateCustomerRequest(RequestModel):
    model_config = with_example(
        {
            "officeId": 1,
            "legalFormId": 1,
            "firstname": "Ada",
            "lastname": "Lovelace",
            "mobileNo": "255700000000",
            "externalId": "ext-001",
            "active": True,
            "activationDate": "2026-05-23",
        }
    )

    office_id: EntityId
    """Branch the customer belongs to (GET /v1/offices)."""
    legal_form_id: Literal[1, 2]
    """1 a person (needs `firstname` and `lastname`), 2 an entity (needs `fullname`)."""
    firstname: NonBlankStr | None = None
    """A person's first name."""
    lastname: NonBlankStr | None = None
    """A person's last name."""
    fullname: NonBlankStr | None = None
    """An entity's registered name."""
    mobile_no: NonBlankStr | None = None
    """Mobile number: 7 to 15 digits, optionally starting with +, country code included (255700000000)."""
    external_id: NonBlankStr | None = None
    """Your own reference for the customer, unique among customers."""
    active: StrictBool = False
    """Activate the customer now (then `activationDate` is required); pending otherwise."""
    activation_date: IsoDate | None = None
    """Business date of activation (yyyy-MM-dd), when `active` is true."""

    def to_draft(self) -> CustomerDraft:
        return CustomerDraft.model_validate(self.model_dump())


class CustomerOut(ResponseModel):
    id: str
    office_id: str
    legal_form_id: int
    firstname: str | None
    lastname: str | None
    fullname: str | None
    display_name: str
    mobile_no: str | None
    external_id: str | None
    active: bool
    status: str
    activation_date: date | None
    created_at: str

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls(
            id=str(customer.id),
            office_id=str(customer.office_id),
            legal_form_id=int(customer.legal_form_id),
            firstname=customer.firstname,
            lastname=customer.lastname,
            fullname=customer.fullname,
            display_name=customer.display_name,
            mobile_no=customer.mobile_no,
            external_id=customer.external_id,
            active=customer.active,
            status=customer.status,
            activation_date=customer.activation_date,
            created_at=customer.created_at,
        )
