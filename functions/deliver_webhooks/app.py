"""Webhook queue -> one signed POST per message; a failed attempt comes back after a growing delay
(the message's visibility), until the delivery succeeds or has used WEBHOOK_MAX_ATTEMPTS."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.observability import logger, metrics, observed
from lms.webhooks.service import DeliveryNotDone, WebhookService

# A batch whose every message is retried is reported like any partial failure: each message
# already set its own delay, which an invocation error would not change.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
OUTCOME_METRICS = {
    "delivered": "WebhooksDelivered",
    "failed": "WebhooksFailed",
    "abandoned": "WebhooksAbandoned",
    "duplicate": "WebhooksDuplicate",
}


def deliver(record: SQSRecord) -> None:
    message = json.loads(record.body)
    service = WebhookService()
    try:
        outcome = service.deliver(message)
    except DeliveryNotDone as err:
        metrics.add_metric(name="WebhooksRetried", unit="Count", value=1)
        service.delay(record.receipt_handle, err.retry_in)
        logger.warning(
            "webhook not delivered",
            extra={
                "deliveryId": message.get("deliveryId"),
                "attempts": err.attempts,
                "retryIn": err.retry_in,
                "error": str(err),
            },
        )
        raise
    metrics.add_metric(name=OUTCOME_METRICS[outcome], unit="Count", value=1)
    if outcome == "failed":
        logger.error("webhook delivery failed for good", extra={"deliveryId": message.get("deliveryId")})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)


lambda_handler = observed(handle)
