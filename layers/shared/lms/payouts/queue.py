"""The payout queue: one message per payout attempt to make or check."""

from __future__ import annotations

import json

from lms.config import get_settings
from lms.loans.domain.disbursing.signals import PayoutRequest
from lms.storage import dynamo


def send_payout_request(request: PayoutRequest) -> None:
    dynamo.client("sqs").send_message(
        QueueUrl=get_settings().payout_queue_url,
        MessageBody=json.dumps(
            {"loanId": request.loan_id, "transactionId": request.transaction_id, "attempt": request.attempt}
        ),
    )


def delay_payout(receipt_handle: str, seconds: int) -> None:
    """Make a received payout message visible again in `seconds`."""
    dynamo.client("sqs").change_message_visibility(
        QueueUrl=get_settings().payout_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
