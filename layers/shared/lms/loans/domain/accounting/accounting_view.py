"""What the accounting system holds for a loan's interest, as our events left it, and how to lower it.

The push contract (lms-to-accounting-push.md) has each REVENUE_REPORT open an interest invoice
dated the last day of its month, and each payment's interest applied FIFO to the open invoices
(oldest invoice date first, then the order they arrived in). Replaying a loan's events in order
therefore tells exactly which invoice every payment's interest sits on.

The contract has no way to lower revenue. When interest already reported is no longer owed (a
settlement cuts it, a reversal or a charge-off removes what made it due), the correction is sent
as REVERSAL events, our extension (docs/accounting-push.md): the newest invoices are taken back
whole, after taking back the payments applied to them, and the part still owed is reported again,
then those payments are sent again unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.loans.domain.accounting import events
from lms.loans.domain.calculation.accrual import last_day, parse_month
from lms.money import ZERO

PAYMENT_INTEREST = {events.REPAYMENT: "repaymentInterest", events.EARLY_SETTLEMENT: "repaymentEarlySettlementInterest"}


@dataclass
class InterestInvoice:
    event_id: str
    seq: int
    invoice_date: date
    amount: Decimal
    open: Decimal


@dataclass
class PaymentOnBooks:
    event_id: str
    seq: int
    interest: Decimal
    allocations: list[tuple[str, Decimal]] = field(default_factory=list)  # (invoice event id, amount)


@dataclass
class AccountingView:
    invoices: dict[str, InterestInvoice] = field(default_factory=dict)
    payments: dict[str, PaymentOnBooks] = field(default_factory=dict)

    @classmethod
    def of(cls, outbox: list) -> AccountingView:
        view = cls()
        for event in sorted(outbox, key=lambda e: e.seq):
            view.apply(event)
        return view

    def apply(self, event) -> None:
        if event.type == events.REVENUE_REPORT:
            amount = event.payload["revenueAmount"]
            due = last_day(parse_month(event.payload["revenueMonth"]))
            self.invoices[event.id] = InterestInvoice(event.id, event.seq, due, amount, amount)
        elif event.type in PAYMENT_INTEREST:
            payment = PaymentOnBooks(event.id, event.seq, event.payload[PAYMENT_INTEREST[event.type]])
            remaining = payment.interest
            for invoice in self.fifo_open():
                if remaining <= 0:
                    break
                applied = min(remaining, invoice.open)
                invoice.open -= applied
                payment.allocations.append((invoice.event_id, applied))
                remaining -= applied
            self.payments[event.id] = payment
        elif event.type == events.REVERSAL:
            reversed_id = event.payload["reversedEventId"]
            payment = self.payments.pop(reversed_id, None)
            if payment is not None:
                for invoice_id, amount in payment.allocations:
                    if invoice_id in self.invoices:
                        self.invoices[invoice_id].open += amount
            self.invoices.pop(reversed_id, None)

    def fifo_open(self) -> list[InterestInvoice]:
        return sorted((i for i in self.invoices.values() if i.open > 0), key=lambda i: (i.invoice_date, i.seq))

    @property
    def reported(self) -> Decimal:
        return sum((i.amount for i in self.invoices.values()), ZERO)

    def plan_reduction(self, amount: Decimal) -> Reduction:
        """Which invoices to take back (and which payments with them) to lower revenue by `amount`."""
        chosen: list[InterestInvoice] = []
        taken = ZERO
        # The newest invoices first: FIFO leaves them the least paid.
        for invoice in sorted(self.invoices.values(), key=lambda i: (i.invoice_date, i.seq), reverse=True):
            if taken >= amount:
                break
            chosen.append(invoice)
            taken += invoice.amount
        if taken < amount:
            raise ValueError(f"cannot lower reported interest {self.reported} by {amount}")
        chosen_ids = {i.event_id for i in chosen}
        payments = sorted(
            (p for p in self.payments.values() if any(i in chosen_ids for i, a in p.allocations if a > 0)),
            key=lambda p: p.seq,
        )
        return Reduction(
            payments=[p.event_id for p in payments],
            invoices=[i.event_id for i in chosen],
            report_again=taken - amount,
        )


@dataclass(frozen=True)
class Reduction:
    payments: list[str]  # payment events to take back first (and send again afterwards), oldest first
    invoices: list[str]  # revenue reports to take back, newest first
    report_again: Decimal  # what those invoices held that is still owed
