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


_ENV = {
    "table_name": "LMS_TABLE",
    "ledger_table_name": "LEDGER_TABLE",
    "idempotency_table_name": "IDEMPOTENCY_TABLE",
    "base_currency": "BASE_CURRENCY",
    "auth_cache_ttl_seconds": "AUTH_CACHE_TTL_SECONDS",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "idempotency_wait_seconds": "IDEMPOTENCY_WAIT_SECONDS",
}


@cache
def get_settings() -> Settings:
    values = {field: os.environ[env] for field, env in _ENV.items() if os.environ.get(env)}
    return Settings.model_validate(values)


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
