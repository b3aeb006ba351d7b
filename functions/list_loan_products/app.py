"""GET /v1/loan-products."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.observability import observed
from lms.products.schemas import ProductOut
from lms.products.service import ProductService

app = build_resolver()


@app.get(
    "/v1/loan-products",
    operation_id="listLoanProducts",
    summary="List loan products",
    tags=["Loan products"],
    responses=openapi_page(ProductOut),
)
def list_loan_products(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(ProductService().list(paging(page, page_token), rows), ProductOut.of)


lambda_handler = observed(app.resolve)
