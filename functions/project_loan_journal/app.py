"""Core table stream -> the ledger table: journal entries committed inside loan items."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.service import LedgerService
from lms.loans.storage.item_format import journal_change_of_record
from lms.observability import metrics, observed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def project_record(record: DynamoDBRecord) -> None:
    written = LedgerService().project_loan_entries(journal_change_of_record(record))
    if written:
        metrics.add_metric(name="LoanEntriesProjected", unit="Count", value=written)


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=project_record, processor=processor, context=context)


lambda_handler = observed(handle)
