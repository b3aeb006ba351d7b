"""API key request and response bodies."""

from __future__ import annotations

from lms.api.types import NonBlankStr, RequestModel, ResponseModel
from lms.auth.api_keys import ApiKey
from lms.auth.roles import Role


class CreateApiKeyRequest(RequestModel):
    name: NonBlankStr
    role: Role


class ApiKeyOut(ResponseModel):
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None
    active: bool

    @classmethod
    def of(cls, record: ApiKey) -> ApiKeyOut:
        return cls(
            id=record.id,
            name=record.name,
            role=record.role.value,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            active=record.active,
        )


class CreatedApiKeyOut(ApiKeyOut):
    key: str
