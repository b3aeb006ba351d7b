"""Core table stream (payout request items a disbursement or retry committed) -> the payout queue."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.loans.storage.signal_items import payout_request_of
from lms.observability import logger, observed
from lms.payouts.queue import send_payout_request

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def request_record(record: DynamoDBRecord) -> None:
    request = payout_request_of(record.dynamodb.new_image)
    send_payout_request(request)
    logger.info("payout requested", extra={"loanId": request.loan_id, "transactionId": request.transaction_id})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=request_record, processor=processor, context=context)


lambda_handler = observed(handle)
