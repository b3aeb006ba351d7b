"""Allocating a payment over the schedule, by the loan's transaction processing strategy.

Both strategies go installment by installment in due order; within an installment,
`mifos-standard-strategy` pays penalties, then fees, then interest, then principal, and the
interest-principal-first strategy pays interest, then principal, then penalties, then fees.
Whatever is left once everything is paid is an overpayment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.errors import FieldProblems
from lms.loans.domain.records.transactions import Portions
from lms.money import ZERO
from lms.products.domain import ProcessingStrategy

COMPONENTS = ("principal", "interest", "fees", "penalties")
ORDER = {
    ProcessingStrategy.MIFOS_STANDARD: ("penalties", "fees", "interest", "principal"),
    ProcessingStrategy.INTEREST_PRINCIPAL_FIRST: ("interest", "principal", "penalties", "fees"),
}
SPLIT_FIELDS = {
    "principal": "principalPortion",
    "interest": "interestPortion",
    "fees": "feePortion",
    "penalties": "penaltyPortion",
}


@dataclass
class InstallmentPosition:
    """What one installment asks for and what has been paid or forgiven of it so far."""

    number: int
    from_date: date
    due_date: date
    due: dict[str, Decimal]
    paid: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, ZERO))
    waived: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(COMPONENTS, ZERO))

    def outstanding(self, component: str) -> Decimal:
        return self.due[component] - self.paid[component] - self.waived[component]

    @property
    def total_outstanding(self) -> Decimal:
        return sum((self.outstanding(c) for c in COMPONENTS), ZERO)


def outstanding(installments: list[InstallmentPosition]) -> Portions:
    return Portions(**{c: sum((i.outstanding(c) for i in installments), ZERO) for c in COMPONENTS})


def allocate_repayment(
    installments: list[InstallmentPosition], amount: Decimal, strategy: ProcessingStrategy
) -> tuple[Portions, Decimal]:
    """Pay `amount` into the installments (mutated); return the portions and the overpayment."""
    remaining = amount
    paid = dict.fromkeys(COMPONENTS, ZERO)
    for installment in installments:
        for component in ORDER[strategy]:
            if remaining <= 0:
                break
            take = min(remaining, installment.outstanding(component))
            if take > 0:
                installment.paid[component] += take
                paid[component] += take
                remaining -= take
    return Portions(**paid), remaining


def check_split(split: Portions, amount: Decimal, owed: Portions) -> None:
    """A new component payment's split must sum to the amount and take no component beyond what is owed."""
    problems = FieldProblems()
    if split.total != amount:
        problems.add(
            "transactionAmount",
            f"the portions sum to {split.total}, not to the transaction amount {amount}",
        )
    for component, name in SPLIT_FIELDS.items():
        value = getattr(split, component)
        if value < 0:
            problems.add(name, "must not be negative")
        elif value > getattr(owed, component):
            problems.add(name, f"{value} exceeds the {getattr(owed, component)} of {component} outstanding")
    problems.raise_if_any(reason="INVALID_SPLIT")


def allocate_component_payment(
    installments: list[InstallmentPosition], split: Portions, amount: Decimal, strategy: ProcessingStrategy
) -> tuple[Portions, Decimal]:
    """Pay each given portion into its component, installment by installment in due order, as far as
    that component is outstanding; what no longer fits (a back-dated change left less outstanding)
    is allocated by the loan's strategy, and beyond that is an overpayment."""
    paid = dict.fromkeys(COMPONENTS, ZERO)
    for component in COMPONENTS:
        remaining = getattr(split, component)
        for installment in installments:
            if remaining <= 0:
                break
            take = min(remaining, installment.outstanding(component))
            if take > 0:
                installment.paid[component] += take
                paid[component] += take
                remaining -= take
    given = Portions(**paid)
    rest, excess = allocate_repayment(installments, amount - given.total, strategy)
    return given.plus(rest), excess
