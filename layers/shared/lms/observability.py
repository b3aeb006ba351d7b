"""Logger, Tracer and Metrics, configured once; handlers wrap themselves with `observed`.

Service name and metrics namespace come from the template's Globals (POWERTOOLS_SERVICE_NAME,
POWERTOOLS_METRICS_NAMESPACE), never from code, so one deployment names itself in one place.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from lms.config import get_settings
from lms.money import minor_units

logger = Logger(use_rfc3339=True)
tracer = Tracer()
metrics = Metrics()

C = TypeVar("C", bound=type)

# Read routes record no business metrics by design; Powertools would warn about it on every
# environment's first call.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)


def observed(handler: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    """Apply the standard Lambda decorators: structured logs with context, X-Ray, EMF metrics.

    Every log line carries API Gateway's request id as its correlation id (absent for queue and
    stream events, which have none). Called at import, so it also reads the configuration at cold
    start: a function deployed without a variable it needs fails to start, naming it (lms.config).
    """
    get_settings()
    wrapped = logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_REST)(
        handler
    )
    wrapped = tracer.capture_lambda_handler(wrapped, capture_response=False)
    return metrics.log_metrics(wrapped)


def traced(cls: C) -> C:
    """Trace every public method of a service or store as an X-Ray subsegment.

    Responses are not captured: they hold customers' data and money, which do not belong in traces.
    """
    for name, member in list(vars(cls).items()):
        if not name.startswith("_") and inspect.isfunction(member):
            setattr(cls, name, tracer.capture_method(member, capture_response=False))
    return cls


def record_loan_operation(operation: str, currency: str, amount: Decimal | None) -> None:
    """EMF metrics of one committed loan operation: a count and, for money, the amount in minor units
    (an exact integer: metric values are floats, money never is), by operation and currency."""
    # A document of its own (a revenue-run batch commits operations in several currencies);
    # EphemeralMetrics, unlike single_metric, stays silent when metrics are disabled.
    document = EphemeralMetrics()
    document.add_dimension(name="operation", value=operation)
    document.add_dimension(name="currency", value=currency)
    document.add_metric(name="LoanOperations", unit=MetricUnit.Count, value=1)
    if amount is not None:
        minor = int(amount.scaleb(minor_units(currency)))
        document.add_metric(name="LoanOperationAmountMinorUnits", unit=MetricUnit.NoUnit, value=minor)
    document.flush_metrics()


def record_bucket_counts(counts: Mapping[str, int]) -> None:
    """EMF metric `CobLoansInBucket` by `bucket`: loans a close-of-business batch left in each
    delinquency bucket (one document per bucket: a dimension holds one value per document)."""
    for bucket, count in sorted(counts.items()):
        document = EphemeralMetrics()
        document.add_dimension(name="bucket", value=bucket)
        document.add_metric(name="CobLoansInBucket", unit=MetricUnit.Count, value=count)
        document.flush_metrics()
