"""Loan product use cases."""

from __future__ import annotations

from lms import clock
from lms.ledger.service import LedgerService
from lms.observability import traced
from lms.products.domain import LoanProduct, check_product
from lms.products.store import ProductStore
from lms.storage.pagination import Page, PageAt


@traced
class ProductService:
    def __init__(self, products: ProductStore | None = None):
        self.products = products or ProductStore()

    def create(self, fields: dict) -> LoanProduct:
        """`fields` are a validated request's values (snake_case), without id and timestamps."""
        product = check_product(LoanProduct.model_validate({**fields, "id": 0, "created_at": clock.timestamp()}))
        # Loans of this product post in its currency: make sure that currency's chart exists.
        LedgerService().ensure_chart(product.currency)
        product = product.model_copy(update={"id": self.products.next_id()})
        self.products.add(product)
        return product

    def get(self, product_id: int) -> LoanProduct:
        return self.products.get(product_id)

    def list(self, page: PageAt, rows: int) -> Page[LoanProduct]:
        return self.products.list(page, rows)
