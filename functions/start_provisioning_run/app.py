"""POST /v1/provisioning-runs (admin): provision a month that has ended: per currency, the allowance
the policy requires of the aging at its last day, booking only the change (201; 200 when the month
was provisioned already, with what it booked then)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.caller import caller_of
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import metrics, observed
from lms.portfolio.provisioning_schemas import ProvisioningRunOut, ProvisioningRunsOut, StartProvisioningRunRequest
from lms.portfolio.provisioning_service import ProvisioningService

app = build_resolver()


@app.post(
    "/v1/provisioning-runs",
    operation_id="startProvisioningRun",
    summary="Provision a month for loan losses",
    tags=["Reports"],
    responses=openapi_responses(ProvisioningRunsOut, 201, "Provisioned"),
)
def start_provisioning_run(request: Annotated[StartProvisioningRunRequest, Body()]):
    runs, booked_now = ProvisioningService().provision(request.month.strip(), caller_of(app.current_event).key_id)
    if booked_now:
        metrics.add_metric(name="ProvisioningRuns", unit="Count", value=1)
    month = runs[0].month if runs else request.month.strip()
    body = ProvisioningRunsOut(month=month, runs=[ProvisioningRunOut.of(r) for r in runs])
    return json_response(body, status=201 if booked_now else 200)


lambda_handler = observed(app.resolve)
