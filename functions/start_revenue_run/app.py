"""POST /v1/revenue-runs: start the revenue run for a month that has ended (202; follow Location).

Starting a month again is always safe: each loan books a month once, so a second run finds only
what an earlier one did not finish.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms import clock
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import metrics, observed
from lms.revenue.run import month_to_run
from lms.revenue.schemas import RevenueRunOut, StartRevenueRunRequest
from lms.revenue.service import RevenueRunService

app = build_resolver()


@app.post(
    "/v1/revenue-runs",
    operation_id="startRevenueRun",
    summary="Start the revenue run for a month",
    tags=["Revenue"],
    responses=openapi_responses(RevenueRunOut, 202, "Run started"),
)
def start_revenue_run(request: Annotated[StartRevenueRunRequest, Body()]):
    month = month_to_run(request.month, clock.today())
    run = RevenueRunService().start(month)
    metrics.add_metric(name="RevenueRunsStarted", unit="Count", value=1)
    return json_response(RevenueRunOut.of(run), status=202, headers={"Location": f"/v1/revenue-runs/{month:%Y-%m}"})


lambda_handler = observed(app.resolve)
