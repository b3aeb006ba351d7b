"""Customer request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Literal

from lms.api.types import EntityId, IsoDate, NonBlankStr, RequestModel, ResponseModel, StrictBool
from lms.customers.domain import Customer, CustomerDraft


class CreateCustomerRequest(RequestModel):
    office_id: EntityId
    legal_form_id: Literal[1, 2]
    firstname: NonBlankStr | None = None
    lastname: NonBlankStr | None = None
    fullname: NonBlankStr | None = None
    mobile_no: NonBlankStr | None = None
    external_id: NonBlankStr | None = None
    active: StrictBool = False
    activation_date: IsoDate | None = None

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
