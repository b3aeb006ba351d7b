"""Scheduled early on the 1st (UTC): start the revenue run for the month that just ended.

The schedule firing twice starts the month twice, which books nothing twice.
"""

from lms import clock
from lms.observability import logger, observed
from lms.revenue.run import previous_month
from lms.revenue.service import RevenueRunService


def handle(_event: dict, _context) -> dict:
    month = previous_month(clock.today())
    run = RevenueRunService().start(month)
    logger.info("revenue run started", extra={"month": f"{month:%Y-%m}", "attempt": run.attempt.number})
    return {"month": f"{month:%Y-%m}", "attempt": run.attempt.number}


lambda_handler = observed(handle)
