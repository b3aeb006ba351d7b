"""Customers in the core table; `externalId` is kept unique by a guard item written in the same transaction."""

from __future__ import annotations

from lms.customers.domain import Customer
from lms.errors import AlreadyExists, NotFound
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, ItemRef, Key, Table
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_PARENT, BY_TYPE, core_table, sortable_id


def customer_key(customer_id: int) -> Key:
    return Key(f"CUSTOMER#{customer_id}", "CUSTOMER")


def _external_id_key(external_id: str) -> Key:
    return Key(f"CUSTOMER_EXTERNAL_ID#{external_id}", "UNIQUE")


def _from_item(item: dict) -> Customer:
    return Customer.model_validate_json(item["state"])


@traced
class CustomerStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def next_id(self) -> int:
        return self.table.next_id("customer")

    def add(self, customer: Customer) -> None:
        key = customer_key(customer.id)
        item = {
            "PK": key.pk,
            "SK": key.sk,
            "entity": "customer",
            "TypePK": "CUSTOMER",
            "TypeSK": sortable_id(customer.id),
            "ParentPK": f"OFFICE#{customer.office_id}",
            "ParentSK": f"CUSTOMER#{sortable_id(customer.id)}",
            "state": customer.model_dump_json(),
        }
        actions = [self.table.put_action(item, condition="attribute_not_exists(PK)")]
        if customer.external_id is not None:
            guard = _external_id_key(customer.external_id)
            actions.append(
                self.table.put_action(
                    {"PK": guard.pk, "SK": guard.sk, "entity": "uniqueExternalId", "customerId": customer.id},
                    condition="attribute_not_exists(PK)",
                )
            )
        try:
            self.table.transact_write(actions)
        except ConditionFailed:
            raise AlreadyExists(
                f"A customer with externalId {customer.external_id!r} already exists",
                reason="DUPLICATE_EXTERNAL_ID",
            ) from None

    def get(self, customer_id: int) -> Customer:
        return self.found(customer_id, self.table.get(customer_key(customer_id)))

    def ref(self, customer_id: int) -> ItemRef:
        """The customer's item, to read in a batch with other things (then `found`)."""
        return ItemRef.of(self.table.name, customer_key(customer_id))

    @staticmethod
    def found(customer_id: int, item: dict | None) -> Customer:
        if not item:
            raise NotFound(f"Client with identifier {customer_id} does not exist", reason="CUSTOMER_NOT_FOUND")
        return _from_item(item)

    def list(self, page: PageAt, rows: int, office_id: int | None = None) -> Page[Customer]:
        if office_id is None:
            candidates = KeyQuery("TypePK = :t", {":t": "CUSTOMER"}, index=BY_TYPE, projection="PK, SK")
        else:
            candidates = KeyQuery(
                "ParentPK = :p AND begins_with(ParentSK, :c)",
                {":p": f"OFFICE#{office_id}", ":c": "CUSTOMER#"},
                index=BY_PARENT,
                projection="PK, SK",
            )
        return load_page(self.table, candidates, page, rows, _from_item)
