"""Where a disbursement stands, by the reference its disbursement answered. Nothing here writes.

Apart from lms.loans.service.queries because only the status route and the payout retry need the
disbursement's domain: every other loan read would load it at its cold start for nothing.
"""

from __future__ import annotations

from lms.errors import NotFound
from lms.loans.domain.aggregate.loan import HistoryNeeded
from lms.loans.domain.disbursing.disbursement import (
    DisbursementStatus,
    disbursement_reference,
    disbursement_status,
    parse_disbursement_reference,
)
from lms.loans.storage.store import LoanStore
from lms.observability import traced


def disbursement_of(reference: str) -> tuple[int, int]:
    """The loan and transaction ids of a disbursement's reference (404 if it names none)."""
    found = parse_disbursement_reference(reference)
    if found is None:
        raise NotFound(f"Disbursement {reference} does not exist", reason="DISBURSEMENT_NOT_FOUND")
    return found


@traced
class DisbursementStatuses:
    def __init__(self, loans: LoanStore | None = None):
        self.loans = loans or LoanStore()

    def of(self, reference: str) -> DisbursementStatus:
        """A disbursement by its transaction id: one read of the loan's head (its whole history only
        for a disbursement that was undone and sealed into a history page)."""
        loan_id, txn_id = disbursement_of(reference)
        try:
            status = disbursement_status(self.loans.get_head(loan_id), txn_id)
        except HistoryNeeded:
            status = disbursement_status(self.loans.get(loan_id), txn_id)
        except NotFound:
            status = None
        if status is None:
            raise NotFound(
                f"Disbursement {disbursement_reference(loan_id, txn_id)} does not exist",
                reason="DISBURSEMENT_NOT_FOUND",
            )
        return status
