"""Revenue run work (SQS): book the month for each loan of a message, one conditional write per loan."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.loans.domain.calculation.accrual import parse_month
from lms.observability import metrics, observed
from lms.revenue.service import RevenueRunService

processor = BatchProcessor(event_type=EventType.SQS)


def accrue(record: SQSRecord) -> None:
    body = json.loads(record.body)
    results = RevenueRunService().accrue(parse_month(body["month"]), int(body["attempt"]), body["loanIds"])
    metrics.add_metric(name="LoansAccrued", unit="Count", value=sum(1 for r in results if r.amount))


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=accrue, processor=processor, context=context)


lambda_handler = observed(handle)
