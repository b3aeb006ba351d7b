"""Loan products in the core table."""

from __future__ import annotations

from lms.errors import NotFound
from lms.observability import traced
from lms.products.domain import LoanProduct
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.pagination import Page, load_page
from lms.storage.tables import BY_TYPE, core_table, sortable_id


def product_key(product_id: int) -> Key:
    return Key(f"PRODUCT#{product_id}", "PRODUCT")


def _from_item(item: dict) -> LoanProduct:
    return LoanProduct.model_validate_json(item["state"])


@traced
class ProductStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def next_id(self) -> int:
        return self.table.next_id("product")

    def add(self, product: LoanProduct) -> bool:
        key = product_key(product.id)
        item = {
            "PK": key.pk,
            "SK": key.sk,
            "entity": "product",
            "TypePK": "PRODUCT",
            "TypeSK": sortable_id(product.id),
            "state": product.model_dump_json(),
        }
        try:
            self.table.put(item, condition="attribute_not_exists(PK)")
        except ConditionFailed:
            return False
        return True

    def get(self, product_id: int) -> LoanProduct:
        item = self.table.get(product_key(product_id))
        if not item:
            raise NotFound(f"Loan product with identifier {product_id} does not exist", reason="PRODUCT_NOT_FOUND")
        return _from_item(item)

    def list(self, page: int, rows: int) -> Page[LoanProduct]:
        candidates = self.table.query("TypePK = :t", {":t": "PRODUCT"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _from_item)
