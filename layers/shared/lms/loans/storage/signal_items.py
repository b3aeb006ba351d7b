"""The items a loan's commit writes for its signals (lms.loans.domain.disbursing.signals), in the same
transaction as the loan: the core table's stream hands each new one to its worker exactly as
committed (webhook notices to the webhook fan-out, payout requests to the payout queue).

Each is keyed by what makes it unique (the loan's new version and the notice's place in it; the
disbursement and the payout attempt) and written only if absent, so a commit cannot announce
anything twice. They expire after `SIGNAL_DAYS`: by then their workers have long taken them.
"""

from __future__ import annotations

from datetime import datetime

from lms.jsonutil import dumps
from lms.loans.domain.disbursing.signals import Notice, PayoutRequest, Signals
from lms.storage.dynamo import Key

SIGNAL_DAYS = 30
NOTICE = "NOTICE"
PAYOUT_REQUEST = "PAYOUTREQ"


def notice_id(loan_id: int, version: int, index: int) -> str:
    return f"ntc_{loan_id}_{version}_{index}"


def payout_request_key(request: PayoutRequest) -> Key:
    return Key(f"{PAYOUT_REQUEST}#{request.loan_id}-{request.transaction_id}-{request.attempt}", PAYOUT_REQUEST)


def _expires(at: str) -> int:
    return int(datetime.fromisoformat(at).timestamp()) + SIGNAL_DAYS * 86400


def notice_item(loan_id: int, version: int, index: int, notice: Notice, at: str) -> dict:
    ident = notice_id(loan_id, version, index)
    return {
        "PK": f"{NOTICE}#{ident}",
        "SK": NOTICE,
        "entity": "notice",
        "id": ident,
        "type": notice.type,
        "loanId": loan_id,
        "body": dumps(notice.body),
        "createdAt": at,
        "expiresAt": _expires(at),
    }


def payout_request_item(request: PayoutRequest, at: str) -> dict:
    key = payout_request_key(request)
    return {
        "PK": key.pk,
        "SK": key.sk,
        "entity": "payoutRequest",
        "loanId": request.loan_id,
        "transactionId": request.transaction_id,
        "attempt": request.attempt,
        "createdAt": at,
        "expiresAt": _expires(at),
    }


def signal_items(loan_id: int, version: int, signals: Signals, at: str) -> list[dict]:
    """The items of a commit that saves the loan as `version`."""
    return [
        *(notice_item(loan_id, version, i, n, at) for i, n in enumerate(signals.notices, start=1)),
        *(payout_request_item(r, at) for r in signals.payouts),
    ]


def payout_request_of(item: dict) -> PayoutRequest:
    """A payout request from its item (as the stream's NewImage, deserialized)."""
    return PayoutRequest(int(item["loanId"]), int(item["transactionId"]), int(item["attempt"]))
