"""GET /v1/loan-products/{id}."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.products.schemas import ProductOut
from lms.products.service import ProductService

app = build_resolver()


@app.get(
    "/v1/loan-products/<id>",
    operation_id="getLoanProduct",
    summary="Get a loan product",
    tags=["Loan products"],
    responses=openapi_responses(ProductOut),
)
def get_loan_product(id: IdPath):
    return json_response(ProductOut.of(ProductService().get(id)))


lambda_handler = observed(app.resolve)
