"""PUT /v1/provisioning-policy (admin): set the percentage provided per delinquency bucket; the next
month-end run provides by it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.caller import caller_of
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.portfolio.provisioning_schemas import ProvisioningPolicyOut, SetProvisioningPolicyRequest
from lms.portfolio.provisioning_service import ProvisioningService

app = build_resolver()


@app.put(
    "/v1/provisioning-policy",
    operation_id="setProvisioningPolicy",
    summary="Set the loan-loss provisioning policy",
    tags=["Reports"],
    responses=openapi_responses(ProvisioningPolicyOut),
)
def set_provisioning_policy(request: Annotated[SetProvisioningPolicyRequest, Body()]):
    policy, item = ProvisioningService().set_policy(
        [r.model_dump() for r in request.rates], caller_of(app.current_event).key_id
    )
    return json_response(ProvisioningPolicyOut.of(policy, item))


lambda_handler = observed(app.resolve)
