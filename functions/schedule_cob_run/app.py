"""Scheduled shortly after midnight in the lender's time zone: close the business date that began.

"As of d" is the end of day d, and every rule the run applies is due from its first day (an
installment is overdue the day after its due date; a penalty is dated the day after its grace), so
the run for the new business date right after midnight closes what that date brings. The schedule
firing twice starts the date once (the second finds it running).
"""

from lms import clock
from lms.cob.service import CobRunService
from lms.observability import logger, observed


def handle(_event: dict, _context) -> dict:
    business_date = clock.business_date()
    started = CobRunService().start(business_date)
    logger.info(
        "close of business started" if started.new else "close of business already running",
        extra={"businessDate": business_date.isoformat(), "attempt": started.run.attempt.number},
    )
    return {"businessDate": business_date.isoformat(), "attempt": started.run.attempt.number, "new": started.new}


lambda_handler = observed(handle)
