"""The accounting push queue (SQS FIFO, one group per loan) -> the accounting system.

A failure stops its loan's later events (the rest of the group is reported failed too) and
leaves other loans untouched; the failed message comes back after a growing delay.
"""

import json

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.integration.push import PushNotDone, backoff_seconds
from lms.integration.service import IntegrationService
from lms.observability import logger, metrics, observed

processor = SqsFifoPartialProcessor(skip_group_on_error=True)
# Report a batch where every message failed like any other partial failure, so the skipped messages
# below still get their visibility reset (the FIFO processor does not take this as an argument).
processor.raise_on_entire_batch_failure = False


def push_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    event_id = message["eventId"]
    integration = IntegrationService()
    try:
        outcome = integration.push(event_id, int(message.get("resends", 0)))
    except PushNotDone as err:
        metrics.add_metric(name="EventsRetried", unit="Count", value=1)
        seconds = backoff_seconds(err.attempts)
        integration.delay(record.receipt_handle, seconds)
        logger.warning(
            "event not pushed",
            extra={"eventId": event_id, "attempts": err.attempts, "retryIn": seconds, "error": str(err)},
        )
        raise
    metrics.add_metric(name=f"Events{outcome.title().replace('-', '')}", unit="Count", value=1)


def handle(event: dict, context) -> dict:
    response = process_partial_response(event=event, record_handler=push_record, processor=processor, context=context)
    # Messages skipped behind a failed one of their loan would stay hidden for the queue's whole
    # visibility timeout; make them visible again: FIFO holds them back until the failed one is done.
    failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
    integration = IntegrationService()
    groups_failed: set[str] = set()
    for raw in event.get("Records", []):
        if raw["messageId"] not in failed:
            continue
        group = raw["attributes"].get("MessageGroupId", "")
        if group in groups_failed:  # the first failure of a group set its own backoff
            integration.delay(raw["receiptHandle"], 0)
        groups_failed.add(group)
    return response


lambda_handler = observed(handle)
