"""Scheduled: recompute per-day totals from journal lines and report every difference."""

from lms.ledger.reconcile import reconcile
from lms.observability import logger, metrics, observed


def handle(_event: dict, _context) -> dict:
    checked, differences = reconcile()
    metrics.add_metric(name="LedgerTotalDifferences", unit="Count", value=len(differences))
    for difference in differences:
        logger.error("ledger total differs from its lines", extra={"difference": difference.__dict__})
    logger.info("ledger reconciled", extra={"accounts": checked, "differences": len(differences)})
    # Lambda returns JSON: amounts as exact decimal strings.
    return {
        "accountsChecked": checked,
        "differences": [{k: str(v) for k, v in d.__dict__.items()} for d in differences],
    }


lambda_handler = observed(handle)
