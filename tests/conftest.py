"""Test environment: the functions' environment comes from template.yaml, AWS from moto."""

from __future__ import annotations

import os

from devstack.lambdas import environment_of
from devstack.template import load_stack

STACK = load_stack()
UNLIMITED = {"RATE_LIMIT_PER_MINUTE": "1000000", "RATE_LIMIT_PER_HOUR": "1000000", "RATE_LIMIT_PER_DAY": "1000000"}

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        **environment_of(STACK),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        # Payouts through the sandbox, said explicitly as the local stack does (a deployment has none).
        "PAYOUT_PROVIDER": "sandbox",
        # A payout the sandbox keeps PENDING is asked about again at once.
        "PAYOUT_RETRY_BASE_SECONDS": "0",
        # Tests send hundreds of requests a minute with one key; the rate-limit tests lower these.
        **UNLIMITED,
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

pytest_plugins = ["tests.support.fixtures"]
