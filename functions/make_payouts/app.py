"""The payout queue -> the payment method's payout provider -> the loan (COMPLETED or FAILED).

A payout the provider still has PENDING comes back after a growing delay; one that stays pending
past the queue's receive limit lands in its dead-letter queue, the loan still showing PENDING."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from lms.loans.domain.disbursing.signals import PayoutRequest
from lms.observability import logger, metrics, observed
from lms.payouts.queue import delay_payout
from lms.payouts.worker import PayoutStillPending, PayoutWorker, recheck_in

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def payout_record(record: SQSRecord) -> None:
    body = json.loads(record.body)
    request = PayoutRequest(int(body["loanId"]), int(body["transactionId"]), int(body["attempt"]))
    asked = int(record.attributes.approximate_receive_count) - 1
    try:
        outcome = PayoutWorker().work(request, asked)
    except PayoutStillPending as pending:
        seconds = recheck_in(asked)
        delay_payout(record.receipt_handle, seconds)
        logger.info("payout pending", extra={"request": body, "asked": asked + 1, "retryIn": seconds})
        raise pending
    metrics.add_metric(name=f"Payouts{outcome.title()}", unit="Count", value=1)
    logger.info("payout answered", extra={"request": body, "outcome": outcome})


def handle(event: dict, context) -> dict:
    return process_partial_response(event=event, record_handler=payout_record, processor=processor, context=context)


lambda_handler = observed(handle)
