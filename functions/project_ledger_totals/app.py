"""Ledger table stream -> journal lines and per-account per-day totals, once per posted entry."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.projection import apply_posted_entry
from lms.ledger.store import LedgerStore, entry_from_item
from lms.observability import logger, metrics, observed
from lms.storage.dynamo import deserialize

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def apply_record(record: DynamoDBRecord) -> None:
    image = deserialize(record.raw_event["dynamodb"]["NewImage"])
    entry = entry_from_item(image)
    if apply_posted_entry(LedgerStore(), entry):
        metrics.add_metric(name="JournalEntriesApplied", unit="Count", value=1)
        logger.info("entry applied", extra={"entryId": entry.id})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=apply_record, processor=processor, context=context)


lambda_handler = observed(handle)
