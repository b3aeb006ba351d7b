"""Counts the DynamoDB requests made while a request runs, on the shared boto3 client. The
authorizer's read of the API key and its rate-limit update are left out: they are the
authorizer's, before the route's path (docs/data-model.md, "Round trips per request")."""

from __future__ import annotations

import json

from lms.storage import dynamo

AUTHORIZERS = ("APIKEY#", "rate#")


class RoundTrips:
    def __init__(self):
        self.calls: list[str] = []
        dynamo.client("dynamodb").meta.events.register("before-call.dynamodb", self._count)

    def _count(self, event_name, params, **_):
        if not any(tag in json.dumps(params, default=str) for tag in AUTHORIZERS):
            self.calls.append(event_name.rsplit(".", 1)[-1])

    def during(self, request):
        """The reply to `request()` and the DynamoDB operations it made, in order."""
        self.calls.clear()
        reply = request()
        return reply, list(self.calls)

    def remove(self):
        dynamo.client("dynamodb").meta.events.unregister("before-call.dynamodb", self._count)
