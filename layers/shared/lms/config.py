"""Configuration, read from the environment once per process into a typed model.

Nothing else in the code base reads `os.environ`; everything asks `get_settings()`.
"""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str = Field(default="LmsTable", description="Core table: customers, products, loans, keys")
    ledger_table_name: str = Field(default="LedgerTable", description="Journal entries, lines, per-day totals")
    idempotency_table_name: str = Field(default="IdempotencyTable")
    base_currency: str = Field(default="TZS", description="Currency of the default chart of accounts")
    auth_cache_ttl_seconds: int = Field(default=60, ge=0)
    idempotency_ttl_seconds: int = Field(default=86400, ge=60)
    idempotency_wait_seconds: float = Field(default=3, ge=0)
    api_stage: str = Field(default="v1")
    push_queue_url: str = Field(default="", description="SQS FIFO queue of events for the accounting system")
    push_dead_letter_queue_url: str = Field(default="")
    accounting_base_url: str = Field(default="", description="Where the accounting system listens")
    accounting_api_key_secret: str = Field(default="", description="Secrets Manager id of X-LMS-API-Key")
    accounting_timeout_seconds: float = Field(default=5, gt=0)
    accounting_reversals_enabled: bool = Field(default=False, description="Send REVERSAL events")
    push_retry_base_seconds: int = Field(default=10, ge=0, description="First retry delay; doubles per attempt")
    revenue_pages_queue_url: str = Field(default="", description="SQS queue of revenue-run pages to read")
    revenue_work_queue_url: str = Field(default="", description="SQS queue of loans to accrue for a month")


_ENV = {
    "table_name": "LMS_TABLE",
    "ledger_table_name": "LEDGER_TABLE",
    "idempotency_table_name": "IDEMPOTENCY_TABLE",
    "base_currency": "BASE_CURRENCY",
    "auth_cache_ttl_seconds": "AUTH_CACHE_TTL_SECONDS",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "idempotency_wait_seconds": "IDEMPOTENCY_WAIT_SECONDS",
    "push_queue_url": "PUSH_QUEUE_URL",
    "push_dead_letter_queue_url": "PUSH_DLQ_URL",
    "accounting_base_url": "ACCOUNTING_BASE_URL",
    "accounting_api_key_secret": "ACCOUNTING_API_KEY_SECRET",
    "accounting_timeout_seconds": "ACCOUNTING_TIMEOUT_SECONDS",
    "accounting_reversals_enabled": "ACCOUNTING_REVERSALS_ENABLED",
    "push_retry_base_seconds": "PUSH_RETRY_BASE_SECONDS",
    "revenue_pages_queue_url": "REVENUE_PAGES_QUEUE_URL",
    "revenue_work_queue_url": "REVENUE_WORK_QUEUE_URL",
}


@cache
def get_settings() -> Settings:
    values = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    return Settings.model_validate(values)


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
