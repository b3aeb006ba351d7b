"""GET /v1/revenue-runs/{month}: a month's run and its progress (loans done, interest booked, failures)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.errors import InvalidArgument, NotFound
from lms.loans.domain.calculation.accrual import parse_month
from lms.observability import observed
from lms.revenue.schemas import RevenueRunOut
from lms.revenue.service import RevenueRunService

app = build_resolver()


@app.get(
    "/v1/revenue-runs/<month>",
    operation_id="getRevenueRun",
    summary="Get a month's revenue run and its progress",
    tags=["Revenue"],
    responses=openapi_responses(RevenueRunOut),
)
def get_revenue_run(month: Annotated[str, Path(description="yyyy-MM")]):
    try:
        wanted = parse_month(month)
    except ValueError:
        raise InvalidArgument.field("month", "must be a month in yyyy-MM format") from None
    run = RevenueRunService().get(wanted)
    if run is None:
        raise NotFound(f"No revenue run for {month} has been started", reason="REVENUE_RUN_NOT_FOUND")
    return json_response(RevenueRunOut.of(run))


lambda_handler = observed(app.resolve)
