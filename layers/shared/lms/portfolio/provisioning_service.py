"""Loan-loss provisioning's service: the policy (read and set by an admin) and the month-end run."""

from __future__ import annotations

from lms import clock
from lms.observability import traced
from lms.portfolio.provisioning import ProvisioningPolicy
from lms.portfolio.provisioning_store import ProvisioningRun, ProvisioningStore


@traced
class ProvisioningService:
    def policy(self) -> tuple[ProvisioningPolicy, dict | None]:
        """The policy in force, and its stored item (None: the default, never set)."""
        return ProvisioningStore().policy()

    def set_policy(self, rates: object, by: str) -> tuple[ProvisioningPolicy, dict]:
        policy = ProvisioningPolicy.parse(rates)
        return policy, ProvisioningStore().put_policy(policy, by, clock.timestamp())

    def provision(self, month: str, by: str) -> tuple[list[ProvisioningRun], bool]:
        """Provision a month that has ended, every currency; and whether anything was booked now."""
        # Imported here: the policy routes never run it (nor read the settings it needs).
        from lms.portfolio.provisioning_run import ProvisioningRuns

        return ProvisioningRuns().run(month, by)
