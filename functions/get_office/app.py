"""GET /v1/offices/{id}."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.observability import observed
from lms.offices.schemas import OfficeOut
from lms.offices.service import OfficeService

app = build_resolver()


@app.get(
    "/v1/offices/<id>",
    operation_id="getOffice",
    summary="Get an office",
    tags=["Offices"],
    responses=openapi_responses(OfficeOut),
)
def get_office(id: IdPath):
    return json_response(OfficeOut.of(OfficeService().get(id)))


lambda_handler = observed(app.resolve)
