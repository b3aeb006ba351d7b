"""GET /v1/reports/aging: per delinquency bucket, the loans, their outstanding principal and their
overdue principal, interest, fees and penalties; JSON, or CSV with Accept: text/csv."""

from lms.api.resolver import build_resolver
from lms.api.responses import openapi_responses
from lms.observability import observed
from lms.portfolio.params import AsOfParam, CurrencyParam, OfficeParam, ProductParam
from lms.portfolio.schemas import AgingOut, CurrencyAgingOut, report_response
from lms.portfolio.service import PortfolioQuery, PortfolioService

app = build_resolver()


@app.get(
    "/v1/reports/aging",
    operation_id="getArrearsAging",
    summary="Get the arrears aging",
    tags=["Reports"],
    responses=openapi_responses(AgingOut),
)
def get_arrears_aging(
    as_of: AsOfParam = None,
    office_id: OfficeParam = None,
    product_id: ProductParam = None,
    currency: CurrencyParam = None,
):
    """Per currency, one row per bucket (`bucket` null: loans not in arrears) and their total. The
    buckets are the loans' own (each product names its buckets). Today's figures are live; a past
    date's are what its close of business recorded."""
    query = PortfolioQuery(as_of=as_of, office_id=office_id, product_id=product_id, currency=currency)
    views = PortfolioService().views(query)
    return report_response(app.current_event.headers, query, views, AgingOut, CurrencyAgingOut.of, "aging")


lambda_handler = observed(app.resolve)
