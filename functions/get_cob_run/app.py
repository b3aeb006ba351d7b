"""GET /v1/cob-runs/{businessDate}: a date's close of business and its progress."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.cob.run import parse_business_date
from lms.cob.schemas import CobRunOut
from lms.cob.service import CobRunService
from lms.errors import NotFound
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/cob-runs/<businessDate>",
    operation_id="getCobRun",
    summary="Get a business date's close-of-business run and its progress",
    tags=["Close of business"],
    responses=openapi_responses(CobRunOut),
)
def get_cob_run(businessDate: Annotated[str, Path(description="yyyy-MM-dd")]):  # noqa: N803 - the path's name
    wanted = parse_business_date(businessDate)
    run = CobRunService().get(wanted)
    if run is None:
        raise NotFound(f"No close of business for {businessDate} has been started", reason="COB_RUN_NOT_FOUND")
    return json_response(CobRunOut.of(run))


lambda_handler = observed(app.resolve)
