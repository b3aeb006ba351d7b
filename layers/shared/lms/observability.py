"""Logger, Tracer and Metrics, configured once; handlers wrap themselves with `observed`."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="lms", use_rfc3339=True)
tracer = Tracer(service="lms")
metrics = Metrics(namespace="LoanServicing", service="lms")

# Read routes record no business metrics by design; Powertools would warn about it on every
# environment's first call.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def observed(handler: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    """Apply the standard Lambda decorators: structured logs with context, X-Ray, EMF metrics."""
    wrapped = logger.inject_lambda_context(clear_state=True)(handler)
    wrapped = tracer.capture_lambda_handler(wrapped, capture_response=False)
    return metrics.log_metrics(wrapped)
