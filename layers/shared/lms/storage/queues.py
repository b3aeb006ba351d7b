"""Sending JSON messages to an SQS standard queue, ten to a request (SQS's batch limit)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from lms.storage import dynamo

SQS_BATCH = 10


def send_bodies(queue_url: str, bodies: Sequence[dict], what: str) -> None:
    """Send each body as one message; raises naming `what` if SQS refuses any."""
    sqs = dynamo.client("sqs")
    for start in range(0, len(bodies), SQS_BATCH):
        batch = bodies[start : start + SQS_BATCH]
        result = sqs.send_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "MessageBody": json.dumps(body)} for i, body in enumerate(batch)],
        )
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused {what}: {result['Failed']}")
