"""GET /v1/reports/aging: per delinquency bucket, the loans, their outstanding principal and their
overdue principal, interest, fees and penalties; JSON, or CSV with Accept: text/csv."""

from lms.api.csv_export import csv_response, wants_csv
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.portfolio.params import AsOfParam, CurrencyParam, OfficeParam, ProductParam
from lms.portfolio.schemas import AgingOut, CurrencyAgingOut
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
    report = AgingOut(
        as_of=views[0].as_of if views else query.as_of,
        office_id=office_id,
        product_id=product_id,
        currencies=[CurrencyAgingOut.of(v) for v in views],
    )
    if wants_csv(app.current_event.headers):
        return csv_response(report.csv_rows(), f"aging-{report.as_of}.csv")
    return json_response(report)


lambda_handler = observed(app.resolve)
