"""Every route of /v1/openapi.json fuzzed by schemathesis (from the document alone), through the
API pipeline in-process (authorizer, validation, functions) with an admin key: no 5xx, and every
response's status, content type and body as the document says.

A bounded run in `make test` (LMS_API_FUZZ_EXAMPLES, default 4 per operation); `make fuzz` runs
100. Each operation's failures are collected, so one run reports every operation that breaks.
"""

from __future__ import annotations

import os
import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.fixtures import ADMIN_KEY
from tests.support.wsgi import wsgi_app

EXAMPLES = int(os.environ.get("LMS_API_FUZZ_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def summary(error: BaseException) -> str:
    return " | ".join(line.strip() for line in str(error).splitlines() if line.strip())[:1500]


def test_every_operation_answers_as_documented_and_never_5xx(local_api):
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", wsgi_app(local_api))
    # The document's server is relative to where it is served (`..`), which schemathesis takes as a
    # path of its own: the routes are at the root here.
    schema.config.update(base_url="http://localhost")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def answers_as_documented(case):
            response = case.call(headers={"X-API-Key": ADMIN_KEY, "Idempotency-Key": str(uuid.uuid4())})
            case.validate_response(response, checks=CHECKS)

        try:
            answers_as_documented()
        except BaseException as error:  # schemathesis raises exception groups
            if isinstance(error, KeyboardInterrupt):
                raise
            failures[operation.label] = summary(error)
    assert len(operations) >= 50
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
