"""The sandbox payout provider's rules, as a setting (`PAYOUT_SANDBOX_RULES`, lms.config) holds them.

Apart from lms.payouts.sandbox because every function reads the settings: the settings validate the
rules without importing the payout records and the provider (lms.payouts.sandbox uses them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from lms.models import LmsModel


class SandboxRule(LmsModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid")

    ends_with: str = Field(min_length=1, max_length=34)
    outcome: Literal["FAILED", "PENDING"]
    attempts: int | None = Field(default=None, ge=1)  # the first N attempts; None: every attempt
    checks: int | None = Field(default=None, ge=1)  # PENDING for N checks, then COMPLETED; None: forever
    reason: str = Field(default="SANDBOX_DECLINED: the sandbox declined this payout", max_length=500)
