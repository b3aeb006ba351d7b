"""Scheduled on the 1st (after the close of business of the month's last day): provision the month
that just ended. Firing twice books nothing twice (a month is provisioned once)."""

from lms import clock
from lms.observability import logger, observed
from lms.portfolio.provisioning_service import ProvisioningService
from lms.revenue.run import previous_month


def handle(_event: dict, _context) -> dict:
    month = f"{previous_month(clock.business_date()):%Y-%m}"
    runs, booked_now = ProvisioningService().provision(month, "provisioning-run")
    booked = {r.currency: str(r.booked) for r in runs}
    logger.info("provisioning run", extra={"month": month, "booked": booked, "bookedNow": booked_now})
    return {"month": month, "booked": booked}


lambda_handler = observed(handle)
