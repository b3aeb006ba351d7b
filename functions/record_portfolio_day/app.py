"""Portfolio record queue -> each scope's figures at the end of a business date whose close of
business completed (lms.portfolio.recorder): what a report for a past date reads."""

import json
from datetime import date

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.observability import logger, metrics, observed
from lms.portfolio.service import PortfolioService

processor = BatchProcessor(event_type=EventType.SQS)


def record_day(record: SQSRecord) -> None:
    day = date.fromisoformat(json.loads(record.body)["businessDate"])
    written = PortfolioService().record_day(day)
    logger.info("portfolio recorded", extra={"businessDate": day.isoformat(), "records": written})
    metrics.add_metric(name="PortfolioRecordsWritten", unit="Count", value=written)


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=record_day, processor=processor, context=context)


lambda_handler = observed(handle)
