"""POST /v1/loan-products: define a product (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.products.schemas import CreateProductRequest, ProductOut
from lms.products.service import ProductService

app = build_resolver()


@app.post(
    "/v1/loan-products",
    operation_id="createLoanProduct",
    summary="Define a loan product",
    tags=["Loan products"],
    responses=openapi_responses(ProductOut, 201, "Created"),
)
def create_loan_product(request: Annotated[CreateProductRequest, Body()]):
    product = ProductService().create(request.to_fields())
    return json_response(ProductOut.of(product), status=201)


lambda_handler = observed(app.resolve)
