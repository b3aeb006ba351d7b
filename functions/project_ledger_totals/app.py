"""Ledger table stream -> journal lines and per-account per-day totals, once per posted entry."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.service import LedgerService
from lms.observability import logger, metrics, observed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def apply_record(record: DynamoDBRecord) -> None:
    entry = LedgerService().apply_streamed_entry(record.raw_event["dynamodb"]["NewImage"])
    if entry is not None:
        metrics.add_metric(name="JournalEntriesApplied", unit="Count", value=1)
        logger.info("entry applied", extra={"entryId": entry.id})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=apply_record, processor=processor, context=context)


lambda_handler = observed(handle)
