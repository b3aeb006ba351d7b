"""GET /v1/provisioning-policy: the percentage of outstanding principal provided per bucket."""

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.portfolio.provisioning_schemas import ProvisioningPolicyOut
from lms.portfolio.provisioning_service import ProvisioningService

app = build_resolver()


@app.get(
    "/v1/provisioning-policy",
    operation_id="getProvisioningPolicy",
    summary="Get the loan-loss provisioning policy",
    tags=["Reports"],
    responses=openapi_responses(ProvisioningPolicyOut),
)
def get_provisioning_policy():
    return json_response(ProvisioningPolicyOut.of(*ProvisioningService().policy()))


lambda_handler = observed(app.resolve)
