"""Which provider pays each payment method out: `PAYOUT_PROVIDERS` names one per method, and
`PAYOUT_PROVIDER` the one of every other method. Neither has a default provider: a deployment pays
through the sandbox (which moves no money) only where its parameters say so, and a method without a
provider refuses disbursements before anything is written. A real rail is one more entry in
`IMPLEMENTATIONS` (and in the settings' allowed names, lms.config.PayoutProviderName)."""

from __future__ import annotations

from collections.abc import Callable

from lms.config import get_settings
from lms.errors import Unavailable
from lms.payouts.provider import PayoutProvider
from lms.payouts.sandbox import DEFAULT_RULES, SandboxPayoutProvider


def _sandbox(method: str) -> PayoutProvider:
    return SandboxPayoutProvider(method, get_settings().payout_sandbox_rules or DEFAULT_RULES)


IMPLEMENTATIONS: dict[str, Callable[[str], PayoutProvider]] = {"sandbox": _sandbox}


def provider_name(method: str) -> str | None:
    settings = get_settings()
    name = settings.payout_providers.get(method, settings.payout_provider)  # type: ignore[call-overload]
    return name if name in IMPLEMENTATIONS else None


def ensure_provider(method: str) -> None:
    """Refuse (503) a payout by a method this deployment has no provider for."""
    if provider_name(method) is None:
        raise Unavailable(
            f"No payout provider is configured for {method}: this deployment cannot pay out by it "
            "(set the PayoutProvider parameter, README: Deploy)",
            reason="PAYOUT_PROVIDER_NOT_CONFIGURED",
        )


def provider_for(method: str) -> PayoutProvider:
    ensure_provider(method)
    return IMPLEMENTATIONS[provider_name(method)](method)  # type: ignore[index]
