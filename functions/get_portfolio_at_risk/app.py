"""GET /v1/reports/portfolio-at-risk: the gross outstanding principal and PAR1, PAR30, PAR60 and
PAR90 per currency, for the book, an office, a product or both; JSON, or CSV with Accept: text/csv."""

from lms.api.resolver import build_resolver
from lms.api.responses import openapi_responses
from lms.observability import observed
from lms.portfolio.params import AsOfParam, CurrencyParam, OfficeParam, ProductParam
from lms.portfolio.schemas import CurrencyParOut, PortfolioAtRiskOut, report_response
from lms.portfolio.service import PortfolioQuery, PortfolioService

app = build_resolver()


@app.get(
    "/v1/reports/portfolio-at-risk",
    operation_id="getPortfolioAtRisk",
    summary="Get the portfolio at risk",
    tags=["Reports"],
    responses=openapi_responses(PortfolioAtRiskOut),
)
def get_portfolio_at_risk(
    as_of: AsOfParam = None,
    office_id: OfficeParam = None,
    product_id: ProductParam = None,
    currency: CurrencyParam = None,
):
    """Per currency (never summed across currencies): the outstanding principal of the loans in the
    portfolio (active, not charged off: it equals Loans receivable), and for each PAR band the
    principal and count of the loans at or beyond that many days past due, with its ratio to the
    gross. Today's figures are live; a past date's are what its close of business recorded."""
    query = PortfolioQuery(as_of=as_of, office_id=office_id, product_id=product_id, currency=currency)
    views = PortfolioService().views(query)
    return report_response(
        app.current_event.headers, query, views, PortfolioAtRiskOut, CurrencyParOut.of, "portfolio-at-risk"
    )


lambda_handler = observed(app.resolve)
