"""Revenue run pages (SQS): read one page of a shard of the accrual index, queue its loans as work."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.loans.domain.calculation.accrual import parse_month
from lms.observability import observed
from lms.revenue.service import RevenueRunService

processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    body = json.loads(record.body)
    carried = [int(i) for i in body.get("carried", [])]
    RevenueRunService().page(
        parse_month(body["month"]), int(body["attempt"]), int(body["shard"]), body["start"], carried
    )


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)


lambda_handler = observed(handle)
