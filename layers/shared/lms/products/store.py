"""Loan products in the core table."""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from lms.errors import NotFound
from lms.observability import traced
from lms.products.domain import LoanProduct
from lms.storage.dynamo import ConditionFailed, ItemRef, Key, Table, client
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_TYPE, core_table, sortable_id


def product_key(product_id: int) -> Key:
    return Key(f"PRODUCT#{product_id}", "PRODUCT")


def _from_item(item: dict) -> LoanProduct:
    return LoanProduct.model_validate_json(item["state"])


# Products are never changed once created, so an execution environment keeps those it has read
# (money routes then need no read of the product). Kept per DynamoDB client and table: a new
# client (tests start a fresh emulator with one) starts with none.
_known: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _known_products() -> dict[tuple[str, int], LoanProduct]:
    return _known.setdefault(client(), {})


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
        known = _known_products()
        if (product := known.get((self.table.name, product_id))) is not None:
            return product
        item = self.table.get(product_key(product_id))
        if not item:
            raise NotFound(f"Loan product with identifier {product_id} does not exist", reason="PRODUCT_NOT_FOUND")
        known[(self.table.name, product_id)] = product = _from_item(item)
        return product

    def refs_to_read(self, product_ids: list[int]) -> list[ItemRef]:
        """The products of `product_ids` this environment does not know yet, to read in a batch."""
        known = _known_products()
        return [ItemRef.of(self.table.name, product_key(i)) for i in product_ids if (self.table.name, i) not in known]

    def remember(self, items: Iterable[dict]) -> None:
        """Keep the products among `items` (read in a batch with other things)."""
        known = _known_products()
        for item in items:
            if item.get("entity") == "product":
                product = _from_item(item)
                known[(self.table.name, product.id)] = product

    def list(self, page: PageAt, rows: int) -> Page[LoanProduct]:
        candidates = KeyQuery("TypePK = :t", {":t": "PRODUCT"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _from_item)
