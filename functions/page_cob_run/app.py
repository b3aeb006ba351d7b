"""Close-of-business pages (SQS): read one page of a shard of CobDueIndex, queue its loans as work."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.cob.run import parse_business_date
from lms.cob.service import CobRunService
from lms.observability import observed

processor = BatchProcessor(event_type=EventType.SQS)


def page(record: SQSRecord) -> None:
    body = json.loads(record.body)
    carried = [int(i) for i in body.get("carried", [])]
    CobRunService().page(
        parse_business_date(body["businessDate"]), int(body["attempt"]), int(body["shard"]), body["start"], carried
    )


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=page, processor=processor, context=context)


lambda_handler = observed(handle)
