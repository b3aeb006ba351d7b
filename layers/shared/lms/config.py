"""Configuration, read from the environment once per process into a typed model.

Nothing else in the code base reads `os.environ`; everything asks `get_settings()`. Every function
calls it at cold start (`lms.observability.observed`), so a value that is set but wrong (an empty
table name, a currency that is not three letters) fails there, naming the variable.

Each function is given only the settings its code reads (`template.yaml`, one `Environment` per
function; `tests/unit/test_function_settings.py` holds every function to it). So what depends on
the deployment (resource names, the currency, the accounting system) has no default and may be
absent: a function that reads one it was not given fails at that read with a `ConfigurationError`
naming the variable, never with a None deeper in. Tuning knobs have defaults, and
`docs/operations.md` lists them all.

The model is plain pydantic, filled from `os.environ` by `_environment()`: pydantic-settings did the
same but imports argparse and gettext for its command-line source, about 25 ms of every function's
cold start (bench/test_bench_cold_start.py) for a feature no function uses.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from lms.errors import ConfigurationError
from lms.payouts.sandbox_rules import SandboxRule

PaymentMethodName = Literal["CASH", "NBC_ACCOUNT", "TIPS_MNO", "TIPS_BANK"]
PayoutProviderName = Literal["none", "sandbox"]  # a real rail adds its name (lms.payouts.providers)


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    # Deployment: no default; absent where a function does not read it (`Settings.__getattribute__`).
    table_name: str | None = Field(
        default=None, min_length=1, alias="LMS_TABLE", description="Core table: customers, products, loans"
    )
    ledger_table_name: str | None = Field(
        default=None, min_length=1, alias="LEDGER_TABLE", description="Journal entries and totals"
    )
    idempotency_table_name: str | None = Field(
        default=None, min_length=1, alias="IDEMPOTENCY_TABLE", description="Idempotency records"
    )
    base_currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", alias="BASE_CURRENCY", description="Chart of accounts currency"
    )
    push_queue_url: str | None = Field(
        default=None, min_length=1, alias="PUSH_QUEUE_URL", description="SQS FIFO queue of the push"
    )
    push_dead_letter_queue_url: str | None = Field(
        default=None, min_length=1, alias="PUSH_DLQ_URL", description="Push dead-letter queue"
    )
    accounting_base_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        alias="ACCOUNTING_BASE_URL",
        description="Where the accounting system listens",
    )
    accounting_api_key_secret: str | None = Field(
        default=None, min_length=1, alias="ACCOUNTING_API_KEY_SECRET", description="Secrets Manager id of X-LMS-API-Key"
    )
    accounting_reversals_enabled: bool | None = Field(
        default=None, alias="ACCOUNTING_REVERSALS_ENABLED", description="Send REVERSAL"
    )
    revenue_pages_queue_url: str | None = Field(
        default=None, min_length=1, alias="REVENUE_PAGES_QUEUE_URL", description="Run pages"
    )
    revenue_work_queue_url: str | None = Field(
        default=None, min_length=1, alias="REVENUE_WORK_QUEUE_URL", description="Run work"
    )
    cob_pages_queue_url: str | None = Field(
        default=None, min_length=1, alias="COB_PAGES_QUEUE_URL", description="Close-of-business run pages"
    )
    cob_work_queue_url: str | None = Field(
        default=None, min_length=1, alias="COB_WORK_QUEUE_URL", description="Close-of-business run work"
    )
    portfolio_record_queue_url: str | None = Field(
        default=None,
        min_length=1,
        alias="PORTFOLIO_RECORD_QUEUE_URL",
        description="Dates whose close of business completed, for the portfolio's daily record",
    )
    payout_queue_url: str | None = Field(
        default=None, min_length=1, alias="PAYOUT_QUEUE_URL", description="Payouts to make or check"
    )

    # The lender's time zone (IANA): "today" everywhere (future-date checks, the runs, reports) is
    # the calendar date there (lms.clock.business_date). UTC by default, as the seeds state.
    lender_time_zone: str = Field(default="UTC", min_length=1, alias="LENDER_TIME_ZONE")

    # Tuning: documented defaults.
    # The authorizer's key cache: how long a lookup is kept (a revoked key works this long) and
    # how many distinct keys it keeps at most (about 300 bytes each; the least recently used go).
    auth_cache_ttl_seconds: int = Field(default=60, ge=0, le=900, alias="AUTH_CACHE_TTL_SECONDS")
    auth_cache_max_entries: int = Field(default=10_000, ge=1, le=1_000_000, alias="AUTH_CACHE_MAX_ENTRIES")
    idempotency_ttl_seconds: int = Field(default=86400, ge=60, alias="IDEMPOTENCY_TTL_SECONDS")
    idempotency_wait_seconds: float = Field(default=3, ge=0, alias="IDEMPOTENCY_WAIT_SECONDS")
    accounting_timeout_seconds: float = Field(default=5, gt=0, alias="ACCOUNTING_TIMEOUT_SECONDS")
    push_retry_base_seconds: int = Field(default=10, ge=0, alias="PUSH_RETRY_BASE_SECONDS")
    # Requests per API key (the disbursement seed's limits); counted by the authorizer.
    rate_limit_per_minute: int = Field(default=100, ge=1, alias="RATE_LIMIT_PER_MINUTE")
    rate_limit_per_hour: int = Field(default=1000, ge=1, alias="RATE_LIMIT_PER_HOUR")
    rate_limit_per_day: int = Field(default=10000, ge=1, alias="RATE_LIMIT_PER_DAY")
    # Payouts: the provider of every payment method, and of single methods (lms.payouts.providers);
    # "none" by default, so a deployment pays through the sandbox only where it says so (a method
    # without a provider refuses disbursements, 503 PAYOUT_PROVIDER_NOT_CONFIGURED). The sandbox's
    # rules (JSON; empty: lms.payouts.sandbox.DEFAULT_RULES), and how soon a PENDING payout is asked again.
    payout_provider: PayoutProviderName = Field(default="none", alias="PAYOUT_PROVIDER")
    payout_providers: dict[PaymentMethodName, PayoutProviderName] = Field(
        default_factory=dict, alias="PAYOUT_PROVIDERS"
    )
    payout_sandbox_rules: tuple[SandboxRule, ...] = Field(default=(), alias="PAYOUT_SANDBOX_RULES")
    payout_retry_base_seconds: int = Field(default=5, ge=0, alias="PAYOUT_RETRY_BASE_SECONDS")

    # Webhooks (docs/webhooks.md): the queue is deployment, the rest tuning and the local stack's exceptions.
    webhook_queue_url: str | None = Field(
        default=None, min_length=1, alias="WEBHOOK_QUEUE_URL", description="SQS queue of webhook deliveries"
    )
    # Plain http receivers and receivers on this machine's loopback addresses, except the ports the
    # local stack itself listens on (its emulator, gateway, accounting system): the local stack only.
    # No setting takes any other private address: a receiver is this machine or a public host.
    webhook_allow_http: bool = Field(default=False, alias="WEBHOOK_ALLOW_HTTP")
    webhook_allow_loopback: bool = Field(default=False, alias="WEBHOOK_ALLOW_LOOPBACK")
    webhook_refused_ports: tuple[int, ...] = Field(default=(), alias="WEBHOOK_REFUSED_PORTS")
    # At most 15: the queue's maxReceiveCount (20) must stay above it, with room for redeliveries.
    webhook_max_attempts: int = Field(default=8, ge=1, le=15, alias="WEBHOOK_MAX_ATTEMPTS")
    webhook_retry_base_seconds: int = Field(default=60, ge=0, le=3600, alias="WEBHOOK_RETRY_BASE_SECONDS")
    webhook_timeout_seconds: float = Field(default=5, gt=0, le=10, alias="WEBHOOK_TIMEOUT_SECONDS")
    webhook_delivery_retention_days: int = Field(default=30, ge=1, le=365, alias="WEBHOOK_DELIVERY_RETENTION_DAYS")

    @field_validator("lender_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone of the IANA database (e.g. Africa/Dar_es_Salaam)") from None
        return value

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if value is None and name in DEPLOYMENT_SETTINGS:
            field = Settings.model_fields[name]
            raise ConfigurationError(f"Configuration error: {field.alias} ({field.description}) is not set")
        return value


# What depends on the deployment: no default, so reading one a function was not given raises.
DEPLOYMENT_SETTINGS = frozenset(name for name, field in Settings.model_fields.items() if field.default is None)


# Settings whose variable holds JSON (a list or an object), decoded before validation.
JSON_SETTINGS = frozenset({"payout_providers", "payout_sandbox_rules", "webhook_refused_ports"})


@cache
def get_settings() -> Settings:
    try:
        return Settings.model_validate(_environment())
    except ValidationError as error:
        raise ConfigurationError(_describe(error)) from None


def _environment() -> dict[str, Any]:
    """The variables the settings name, by name (case-sensitive); JSON ones decoded."""
    values: dict[str, Any] = {}
    bad_json = []
    for name, field in Settings.model_fields.items():
        raw = os.environ.get(str(field.alias))
        if raw is None:
            continue
        if name in JSON_SETTINGS:
            try:
                values[str(field.alias)] = json.loads(raw)
            except ValueError as error:
                bad_json.append(f"{field.alias} is invalid: not JSON ({error})")
                continue
        else:
            values[str(field.alias)] = raw
    if bad_json:
        raise ConfigurationError("Configuration error: " + "; ".join(bad_json))
    return values


def _describe(error: ValidationError) -> str:
    problems = []
    for problem in error.errors():
        variable = str(problem["loc"][0]) if problem["loc"] else "?"
        field = next((f for f in Settings.model_fields.values() if f.alias == variable), None)
        what = f" ({field.description})" if field and field.description else ""
        reason = "is not set" if problem["type"] == "missing" else f"is invalid: {problem['msg']}"
        problems.append(f"{variable}{what} {reason}")
    return "Configuration error: " + "; ".join(problems)


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
