"""POST /v1/cob-runs: start the close of business for a business date up to today (202; follow Location).

Starting a date that is running answers with that run (200) and queues nothing; a date whose run
completed starts again as a new attempt, which finds only the loans still due. Each loan closes a
date once, whatever happens.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms import clock
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.cob.run import date_to_run
from lms.cob.schemas import CobRunOut, StartCobRunRequest
from lms.cob.service import CobRunService
from lms.observability import metrics, observed

app = build_resolver()


@app.post(
    "/v1/cob-runs",
    operation_id="startCobRun",
    summary="Start the close of business for a business date",
    tags=["Close of business"],
    responses=openapi_responses(CobRunOut, 202, "Run started (200: the date's run is already running)"),
)
def start_cob_run(request: Annotated[StartCobRunRequest, Body()]):
    business_date = date_to_run(request.business_date, clock.business_date())
    started = CobRunService().start(business_date)
    if started.new:
        metrics.add_metric(name="CobRunsStarted", unit="Count", value=1)
    return json_response(
        CobRunOut.of(started.run),
        status=202 if started.new else 200,
        headers={"Location": f"/v1/cob-runs/{business_date.isoformat()}"},
    )


lambda_handler = observed(app.resolve)
