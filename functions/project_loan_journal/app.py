"""Core table stream -> the ledger table: journal entries committed inside loan items."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.service import LedgerService
from lms.observability import metrics, observed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def project_record(record: DynamoDBRecord) -> None:
    images = record.raw_event["dynamodb"]
    new_state = images["NewImage"]["state"]["B"]
    old_state = images.get("OldImage", {}).get("state", {}).get("B")
    # A history page names the entries its commit created or changed; a loan head carries its own.
    named = images["NewImage"].get("changedEntries")
    only = [value["S"] for value in named["L"]] if named is not None else None
    written = LedgerService().project_loan_entries(new_state, old_state, only)
    if written:
        metrics.add_metric(name="LoanEntriesProjected", unit="Count", value=written)


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=project_record, processor=processor, context=context)


lambda_handler = observed(handle)
