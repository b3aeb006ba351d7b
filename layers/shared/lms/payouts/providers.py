"""Which provider pays each payment method out (`PAYOUT_PROVIDERS`; the sandbox for every method
unless configured). A real rail is one more entry in `IMPLEMENTATIONS` (and in the setting's
allowed names)."""

from __future__ import annotations

from collections.abc import Callable

from lms.config import get_settings
from lms.payouts.provider import PayoutProvider
from lms.payouts.sandbox import DEFAULT_RULES, SandboxPayoutProvider


def _sandbox(method: str) -> PayoutProvider:
    return SandboxPayoutProvider(method, get_settings().payout_sandbox_rules or DEFAULT_RULES)


IMPLEMENTATIONS: dict[str, Callable[[str], PayoutProvider]] = {"sandbox": _sandbox}


def provider_for(method: str) -> PayoutProvider:
    return IMPLEMENTATIONS[get_settings().payout_providers.get(method, "sandbox")](method)
