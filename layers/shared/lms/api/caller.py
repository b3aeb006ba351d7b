"""Who is calling: the API key the authorizer resolved, passed in the request context."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from lms.errors import Unauthenticated


@dataclass(frozen=True)
class Caller:
    key_id: str
    role: str
    name: str


def caller_of(event: APIGatewayProxyEvent) -> Caller:
    context = event.request_context.authorizer or {}
    key_id = context.get("keyId")
    role = context.get("role")
    if not key_id or not role:
        # Only reachable when a route is deployed without the authorizer: refuse rather than guess.
        raise Unauthenticated("Missing or invalid API key")
    return Caller(key_id=str(key_id), role=str(role), name=str(context.get("keyName", "")))
