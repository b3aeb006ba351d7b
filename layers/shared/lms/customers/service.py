"""Customer use cases."""

from __future__ import annotations

from lms import clock
from lms.customers.domain import Customer, CustomerDraft, check_new_customer
from lms.customers.store import CustomerStore
from lms.observability import traced
from lms.offices.store import OfficeStore
from lms.storage.pagination import Page, PageAt


@traced
class CustomerService:
    def __init__(self, customers: CustomerStore | None = None, offices: OfficeStore | None = None):
        self.customers = customers or CustomerStore()
        self.offices = offices or OfficeStore()

    def create(self, draft: CustomerDraft) -> Customer:
        check_new_customer(draft, clock.today())
        self.offices.get(draft.office_id)
        customer = Customer(
            id=self.customers.next_id(),
            created_at=clock.timestamp(),
            **draft.model_dump(),
        )
        self.customers.add(customer)
        return customer

    def get(self, customer_id: int) -> Customer:
        return self.customers.get(customer_id)

    def list(self, page: PageAt, rows: int, office_id: int | None = None) -> Page[Customer]:
        return self.customers.list(page, rows, office_id)
