"""A payout provider for tests and the local stack: pays at once unless a rule says otherwise.

Rules match the end of any payment detail (an account or phone number), the way payment sandboxes
use magic test numbers. The defaults (`PAYOUT_SANDBOX_RULES` replaces them):
- ...0001 fails on the first attempt and completes when retried;
- ...0002 always fails;
- ...0003 stays pending for two checks, then completes;
- ...0004 stays pending.
Its answers depend only on the order, so it needs no state and any number of workers agree.
"""

from __future__ import annotations

from lms.loans.domain.records.payout_state import PayoutStatus
from lms.payouts.provider import PayoutOrder, PayoutResult
from lms.payouts.sandbox_rules import SandboxRule

__all__ = ["DEFAULT_RULES", "SandboxPayoutProvider", "SandboxRule"]


DEFAULT_RULES: tuple[SandboxRule, ...] = (
    SandboxRule(
        ends_with="0001",
        outcome="FAILED",
        attempts=1,
        reason="RECIPIENT_UNREACHABLE: the recipient's provider did not accept the transfer",
    ),
    SandboxRule(ends_with="0002", outcome="FAILED", reason="ACCOUNT_CLOSED: the recipient's account is closed"),
    SandboxRule(ends_with="0003", outcome="PENDING", checks=2),
    SandboxRule(ends_with="0004", outcome="PENDING"),
)


class SandboxPayoutProvider:
    def __init__(self, method: str, rules: tuple[SandboxRule, ...] = DEFAULT_RULES):
        self.method = method
        self.rules = rules

    def _rule_for(self, order: PayoutOrder) -> SandboxRule | None:
        values = [str(v) for v in order.details.values()]
        return next((r for r in self.rules if any(v.endswith(r.ends_with) for v in values)), None)

    def pay(self, order: PayoutOrder) -> PayoutResult:
        paid = PayoutResult(PayoutStatus.COMPLETED, provider_reference=f"SBX-{order.idempotency_key}")
        rule = self._rule_for(order)
        if rule is None or (rule.attempts is not None and order.attempt > rule.attempts):
            return paid
        if rule.outcome == "FAILED":
            return PayoutResult(PayoutStatus.FAILED, reason=rule.reason)
        if rule.checks is not None and order.asked >= rule.checks:
            return paid
        return PayoutResult(PayoutStatus.PENDING)
