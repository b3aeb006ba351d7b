"""Errors every layer may raise; the API maps each to one HTTP status and the error envelope.

The canonical codes are the seed's: invalid_argument, failed_precondition, unauthenticated,
permission_denied, not_found, already_exists, aborted, resource_exhausted, internal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass
class LmsError(Exception):
    message: str
    details: list[FieldError] = field(default_factory=list)
    reason: str | None = None

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidArgument(LmsError):
    status = 400
    code = "invalid_argument"

    @classmethod
    def fields(cls, errors: list[FieldError], reason: str | None = None) -> InvalidArgument:
        summary = "; ".join(f"{e.field}: {e.message}" for e in errors)
        return cls(f"Validation errors exist. [{summary}]", details=list(errors), reason=reason)

    @classmethod
    def field(cls, name: str, message: str, reason: str | None = None) -> InvalidArgument:
        return cls.fields([FieldError(name, message)], reason=reason)


class FailedPrecondition(LmsError):
    status = 400
    code = "failed_precondition"


class Unauthenticated(LmsError):
    status = 401
    code = "unauthenticated"


class PaymentRequired(LmsError):
    """402: the operation is valid but the money to carry it out is not there."""

    status = 402
    code = "failed_precondition"


class PermissionDenied(LmsError):
    status = 403
    code = "permission_denied"


class NotFound(LmsError):
    status = 404
    code = "not_found"


class AlreadyExists(LmsError):
    status = 409
    code = "already_exists"


class Aborted(LmsError):
    status = 409
    code = "aborted"


class Unprocessable(LmsError):
    status = 422
    code = "invalid_argument"


class ResourceExhausted(LmsError):
    status = 429
    code = "resource_exhausted"


class Unavailable(LmsError):
    """The deployment cannot do this at all as configured (no payout provider): nothing was written."""

    status = 503
    code = "unavailable"


class FieldProblems:
    """Collects every rejected field of a request so one response can list them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self, reason: str | None = None) -> None:
        if self.errors:
            raise InvalidArgument.fields(self.errors, reason=reason)


class ConfigurationError(RuntimeError):
    """The function's environment is incomplete or wrong: raised at cold start, never per request."""
