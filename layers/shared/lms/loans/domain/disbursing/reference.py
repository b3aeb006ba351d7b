"""A disbursement's reference: how callers name one disbursement of one loan.

Apart from lms.loans.domain.disbursing.disbursement because every loan commit names its payouts'
disbursements (lms.loans.domain.disbursing.signals), and most commits disburse nothing.
"""

from __future__ import annotations

from lms.text import ascii_digits

DISBURSEMENT_PREFIX = "DISB"


def disbursement_reference(loan_id: int, txn_id: int) -> str:
    """A disbursement's transaction id for callers: unique across loans, and naming its loan, so
    that it is found with one read (`parse_disbursement_reference`)."""
    return f"{DISBURSEMENT_PREFIX}-{loan_id}-{txn_id}"


def parse_disbursement_reference(reference: str) -> tuple[int, int] | None:
    parts = reference.split("-")
    numbers = parts[1:]
    if len(parts) != 3 or parts[0] != DISBURSEMENT_PREFIX or not all(ascii_digits(p) and p[0] != "0" for p in numbers):
        return None
    return int(parts[1]), int(parts[2])
