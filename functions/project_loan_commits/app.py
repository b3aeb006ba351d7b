"""Core table stream -> what a loan's commit changes outside the loan: the journal entries committed
inside its items (the ledger table) and its place in the portfolio's figures (lms.portfolio).

One reader of the stream does both: the core table's stream already has four readers, and AWS
advises no more than two per shard. Both projections are idempotent, so a record retried for one
changes nothing in the other.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from lms.ledger.service import LedgerService
from lms.loans.storage.item_format import journal_change_of_record, portfolio_image_of_record
from lms.observability import metrics, observed
from lms.portfolio.service import PortfolioService

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def project_record(record: DynamoDBRecord) -> None:
    written = LedgerService().project_loan_entries(journal_change_of_record(record))
    if written:
        metrics.add_metric(name="LoanEntriesProjected", unit="Count", value=written)
    image = portfolio_image_of_record(record)
    if image is not None and PortfolioService().project(image):
        metrics.add_metric(name="PortfolioChangesProjected", unit="Count", value=1)


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=project_record, processor=processor, context=context)


lambda_handler = observed(handle)
