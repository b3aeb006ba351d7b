"""Close-of-business work (SQS): each loan of a message caught up to the date in one conditional commit."""

import json
from collections import Counter

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.cob.run import parse_business_date
from lms.cob.service import CobRunService
from lms.observability import metrics, observed, record_bucket_counts

processor = BatchProcessor(event_type=EventType.SQS)


def close(record: SQSRecord) -> None:
    body = json.loads(record.body)
    outcome = CobRunService().close(
        parse_business_date(body["businessDate"]), int(body["attempt"]), [int(i) for i in body["loanIds"]]
    )
    metrics.add_metric(name="CobLoansProcessed", unit=MetricUnit.Count, value=len(outcome.tallies))
    metrics.add_metric(name="CobLoansFailed", unit=MetricUnit.Count, value=outcome.failed)
    metrics.add_metric(
        name="CobPenaltiesCharged", unit=MetricUnit.Count, value=sum(t.penalties_charged for t in outcome.tallies)
    )
    record_bucket_counts(Counter(t.bucket for t in outcome.tallies if t.bucket))


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=close, processor=processor, context=context)


lambda_handler = observed(handle)
