"""Core table stream (loan items with events) -> the accounting push queue, in each loan's order."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.integration.service import IntegrationService
from lms.loans.storage.item_format import loan_id_of_record
from lms.observability import logger, metrics, observed

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def relay_record(record: DynamoDBRecord) -> None:
    loan_id = loan_id_of_record(record)
    sent = IntegrationService().relay(loan_id)
    if sent:
        metrics.add_metric(name="EventsRelayed", unit="Count", value=len(sent))
        logger.info("events relayed", extra={"loanId": loan_id, "events": [r.id for r in sent]})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=relay_record, processor=processor, context=context)


lambda_handler = observed(handle)
