"""Core table stream (notice items, written by loan commits) -> one delivery per subscription that
wants the notice's event, created once and queued on the webhook queue."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.observability import logger, metrics, observed
from lms.webhooks.service import MalformedNotice, WebhookService

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def handle(event: dict, context) -> dict:
    service = WebhookService()
    subscriptions = service.active_subscriptions() if event.get("Records") else []  # once per batch

    def fan_out(record: DynamoDBRecord) -> None:
        try:
            queued = service.fan_out(record.raw_event["dynamodb"]["NewImage"], subscriptions)
        except MalformedNotice as err:
            metrics.add_metric(name="NoticesMalformed", unit="Count", value=1)
            logger.error("notice skipped", extra={"keys": record.raw_event["dynamodb"].get("Keys"), "error": str(err)})
            return
        if queued:
            metrics.add_metric(name="WebhooksQueued", unit="Count", value=len(queued))
            logger.info("webhook deliveries queued", extra={"deliveries": queued})

    return process_partial_response(event=event, record_handler=fan_out, processor=processor, context=context)


lambda_handler = observed(handle)
