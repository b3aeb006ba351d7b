"""API key request and response bodies."""

from __future__ import annotations

from pydantic import Field

from lms.api.types import NonBlankStr, RequestModel, ResponseModel, with_example
from lms.auth.api_keys import ApiKey
from lms.auth.roles import Role


class RateLimitsIn(RequestModel):
    """A key's own allowance, window by window; a window left out keeps the deployment's limit."""

    per_minute: int | None = Field(default=None, ge=1, le=1_000_000)
    """Requests allowed per minute."""
    per_hour: int | None = Field(default=None, ge=1, le=10_000_000)
    """Requests allowed per hour."""
    per_day: int | None = Field(default=None, ge=1, le=100_000_000)
    """Requests allowed per day."""

    def chosen(self) -> dict[str, int] | None:
        windows = {"minute": self.per_minute, "hour": self.per_hour, "day": self.per_day}
        return {window: value for window, value in windows.items() if value is not None} or None


class CreateApiKeyRequest(RequestModel):
    model_config = with_example({"name": "Branch cashier app", "role": "operator", "rateLimits": {"perMinute": 60}})

    name: NonBlankStr
    """Who or what uses the key (shown in listings and logs)."""
    role: Role
    """`viewer` reads, `operator` also changes loans, `admin` also manages keys, products, webhooks and the ledger."""
    rate_limits: RateLimitsIn | None = None
    """The key's own allowance; the deployment's limits by default."""


class RateLimitsOut(ResponseModel):
    per_minute: int | None
    per_hour: int | None
    per_day: int | None


class ApiKeyOut(ResponseModel):
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None
    active: bool
    rate_limits: RateLimitsOut | None  # its own limits, where they differ from the deployment's

    @classmethod
    def of(cls, record: ApiKey) -> ApiKeyOut:
        return cls(
            id=record.id,
            name=record.name,
            role=record.role.value,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            active=record.active,
            rate_limits=RateLimitsOut(
                per_minute=record.rate_limits.get("minute"),
                per_hour=record.rate_limits.get("hour"),
                per_day=record.rate_limits.get("day"),
            )
            if record.rate_limits
            else None,
        )


class CreatedApiKeyOut(ApiKeyOut):
    key: str
