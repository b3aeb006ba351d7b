"""Counts the DynamoDB round trips made while a request runs, on the shared boto3 client. The
authorizer's read of the API key and its rate-limit update are left out: they are the
authorizer's, before the route's path (docs/data-model.md, "Round trips per request").

Requests made at once (`lms.storage.concurrent`: a long history's page ranges, read beside a
product) are one round trip: a request that starts while another is in flight joins its round,
which is shown as, say, `BatchGetItem + Query x3`."""

from __future__ import annotations

import json
import threading
from collections import Counter

from lms.storage import dynamo

AUTHORIZERS = ("APIKEY#", "rate#")
COUNTED = "roundTripCounted"


def shown(round_: list[str]) -> str:
    return " + ".join(name if n == 1 else f"{name} x{n}" for name, n in sorted(Counter(round_).items()))


class RoundTrips:
    def __init__(self):
        self.rounds: list[list[str]] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        events = dynamo.client("dynamodb").meta.events
        events.register("before-call.dynamodb", self._start)
        events.register("after-call.dynamodb", self._end)
        events.register("after-call-error.dynamodb", self._end)

    def _start(self, event_name, params, context, **_):
        if any(tag in json.dumps(params, default=str) for tag in AUTHORIZERS):
            return
        context[COUNTED] = True
        with self._lock:
            if self._in_flight == 0:
                self.rounds.append([])
            self.rounds[-1].append(event_name.rsplit(".", 1)[-1])
            self._in_flight += 1

    def _end(self, context, **_):
        if context.pop(COUNTED, False):
            with self._lock:
                self._in_flight -= 1

    @property
    def calls(self) -> list[str]:
        return [shown(r) for r in self.rounds]

    def during(self, request):
        """The reply to `request()` and its DynamoDB round trips, in order."""
        self.rounds.clear()
        reply = request()
        return reply, self.calls

    def remove(self):
        events = dynamo.client("dynamodb").meta.events
        events.unregister("before-call.dynamodb", self._start)
        events.unregister("after-call.dynamodb", self._end)
        events.unregister("after-call-error.dynamodb", self._end)
