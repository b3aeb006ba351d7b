"""Webhook request and response bodies."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import Field, field_validator

from lms.api.types import NonBlankStr, RequestModel, ResponseModel, with_example
from lms.webhooks.domain import MAX_URL_LENGTH, WebhookEvent
from lms.webhooks.store import Attempt, Delivery, Subscription

# Not constrained here: an id that is not one (wrong form, any length) is answered 404 like an unknown one.
WebhookIdPath = Annotated[str, Path(description="A webhook subscription's id (wh_ and 26 characters)")]


class CreateWebhookRequest(RequestModel):
    model_config = with_example(
        {
            "url": "https://hooks.example.com/lms",
            "events": ["disbursement.completed", "loan.closed"],
            "description": "Core banking notifications",
        }
    )

    url: str = Field(max_length=MAX_URL_LENGTH, description="https URL of a public host that receives the events")
    events: list[WebhookEvent] = Field(description="The event types to receive, each once")
    description: NonBlankStr | None = None
    """What the subscription is for."""

    @field_validator("events")
    @classmethod
    def _each_once(cls, events: list[WebhookEvent]) -> list[WebhookEvent]:
        if not events:
            raise ValueError("must name at least one event type")
        if len(set(events)) != len(events):
            raise ValueError("must name each event type once")
        return events


class WebhookOut(ResponseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: str
    deleted_at: str | None

    @classmethod
    def of(cls, subscription: Subscription) -> WebhookOut:
        return cls(
            id=subscription.id,
            url=subscription.url,
            events=list(subscription.events),
            description=subscription.description,
            active=subscription.active,
            created_at=subscription.created_at,
            deleted_at=subscription.deleted_at,
        )


class CreatedWebhookOut(WebhookOut):
    """The subscription with its signing secret, which no other answer shows."""

    secret: str


class AttemptOut(ResponseModel):
    attempted_at: str
    status_code: int | None  # None: no HTTP answer (connection refused, timed out, URL refused)
    error: str | None
    duration_ms: int

    @classmethod
    def of(cls, attempt: Attempt) -> AttemptOut:
        return cls(
            attempted_at=attempt.attempted_at,
            status_code=attempt.status_code,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
        )


class DeliveryOut(ResponseModel):
    id: str = Field(description="The webhook-id header of every attempt")
    event: str
    status: str = Field(description="PENDING, SUCCEEDED or FAILED")
    attempts: list[AttemptOut]
    next_attempt_at: str | None
    failure_reason: str | None
    created_at: str
    body: str = Field(description="The JSON text posted, exactly as signed")

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            event=delivery.event,
            status=delivery.status.value,
            attempts=[AttemptOut.of(a) for a in delivery.attempts],
            next_attempt_at=delivery.next_attempt_at,
            failure_reason=delivery.failure_reason,
            created_at=delivery.created_at,
            body=delivery.body,
        )
