"""The local accounting system's books: validation and per-loan invoices, in memory, no HTTP.

`Books.receive(event_type, body, path=...)` takes one parsed JSON object pushed by the LMS, validates
it against the contract in lms-to-accounting-push.md and, only when every check passes, changes the
books. A rejected request never changes anything but the request log, so a test can compare
snapshots before and after.

Per loan:

- DISBURSEMENT creates `DISB-<loanId>` with four lines (principal receivable, admin fee, VAT on the
  admin fee at the configured rate, bank disbursement) and an outstanding principal balance. The
  customer contact `LMS-<customerId>` is created on first sight of the customer.
- REVENUE_REPORT creates `INT-<loanId>-<n>`, dated the last day of the revenue month, with an open
  balance equal to its amount.
- REPAYMENT records `PAY-<loanId>-<n>`: principal reduces the disbursement invoice's outstanding
  principal, interest is applied FIFO (oldest invoice date first, then creation order) to open
  interest invoices, and any fee is kept as a fee line of the payment.
- EARLY_SETTLEMENT is recorded like a repayment and then closes the loan to further events.

Event identity (the platform's `X-LMS-Event-Id` header, passed as `receive(..., event_id=...)`):

- The id is stamped on the request log entry and on the record the event created (invoice or
  payment), so a later reversal can name it.
- A request whose id was already ACCEPTED is a duplicate delivery: it gets the first answer again
  and changes nothing. A request whose earlier attempts with the id all FAILED is processed normally.
  Reusing an accepted id for a different event type or body fails: that is a sender bug, not a retry.

REVERSAL (not in the seed contract; the HTTP layer exposes it only behind a flag) undoes exactly
what one earlier accepted, identified event did:

- REPAYMENT / EARLY_SETTLEMENT: each of its allocations is put back on the invoice it came off and
  the payment is marked reversed; reversing an early settlement also re-opens the loan.
- REVENUE_REPORT: only while nothing has been applied against the interest invoice.
- DISBURSEMENT: only once every later record of the loan is reversed; the loan then counts as never
  disbursed, so everything but a new DISBURSEMENT (`DISB-<loanId>-<n>`) fails as "no disbursement".

Reversed records stay visible, marked `reversed` with the reversal's date, reason and event id; their
balances (outstanding principal, open balance) drop to 0 so every sum over the books stays right.

The body's own rules (fields, types, formats) are the pydantic models of contract.py; this module
keeps the rules that need the books. Money is Decimal throughout: the models take JSON integers and
Decimals (the HTTP layer parses with parse_float=Decimal) and refuse floats.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from devstack.accounting.contract import (
    DISBURSEMENT,
    EARLY_SETTLEMENT,
    EVENT_TYPES,
    REPAYMENT,
    REQUESTS,
    REVENUE_REPORT,
    REVERSAL,
    DisbursementRequest,
    LoanEventRequest,
    PaymentRequest,
    RevenueReportRequest,
    ReversalRequest,
    parse,
)

RECEIVABLE_TYPES = (*EVENT_TYPES, REVERSAL)
EVENT_ID_FIELD = "X-LMS-Event-Id"  # named in errors as if it were a field, as the sender knows it

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

_LABELS = {
    DISBURSEMENT: "Disbursement",
    REVENUE_REPORT: "Revenue report",
    REPAYMENT: "Repayment",
    EARLY_SETTLEMENT: "Early settlement",
    REVERSAL: "Reversal",
}


# ---------------------------------------------------------------------------------------------
# Outcome of one pushed request
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the accounting system answers (always HTTP 200) for a well-formed JSON request."""

    event_type: str
    accepted: bool
    message: str
    errors: tuple[str, ...] = ()
    invoice_ids: tuple[str, ...] = ()

    def body(self) -> dict[str, Any]:
        if self.accepted:
            return {
                "success": True,
                "status": "PUSHED",
                "message": self.message,
                "eventType": self.event_type,
                "invoiceIds": list(self.invoice_ids),
            }
        return {
            "success": False,
            "status": "FAILED",
            "message": self.message,
            "eventType": self.event_type,
            "errors": list(self.errors),
        }


def _accepted(event_type: str, message: str, invoice_ids: list[str]) -> Outcome:
    return Outcome(event_type, True, message, invoice_ids=tuple(invoice_ids))


def _failed(event_type: str, errors: list[str]) -> Outcome:
    summary = f"{_LABELS[event_type]} rejected: {len(errors)} validation error(s)"
    return Outcome(event_type, False, summary, errors=tuple(errors))


# ---------------------------------------------------------------------------------------------
# Book-keeping records
# ---------------------------------------------------------------------------------------------


@dataclass
class Contact:
    contact_id: str
    customer_id: str
    name: str

    def view(self) -> dict[str, Any]:
        return {"contactId": self.contact_id, "customerId": self.customer_id, "name": self.name}


@dataclass(frozen=True)
class Reversal:
    """The REVERSAL that took a record back; shared by the record and the allocations it undid."""

    event_id: str | None
    reversed_on: date
    reason: str

    @staticmethod
    def view_of(reversal: Reversal | None) -> dict[str, Any]:
        # Every reversible record carries these keys, so a reader never has to test for their presence.
        return {
            "reversed": reversal is not None,
            "reversalDate": reversal.reversed_on.isoformat() if reversal else None,
            "reversalReason": reversal.reason if reversal else None,
            "reversalEventId": reversal.event_id if reversal else None,
        }


@dataclass
class Allocation:
    """One payment's share applied to one invoice."""

    payment_id: str
    event_id: str | None
    paid_on: date
    amount: Decimal
    reversal: Reversal | None = None

    def view(self) -> dict[str, Any]:
        return {
            "paymentId": self.payment_id,
            "eventId": self.event_id,
            "date": self.paid_on.isoformat(),
            "amount": self.amount,
            "reversed": self.reversal is not None,
        }


@dataclass
class DisbursementInvoice:
    invoice_id: str
    contact_id: str
    disbursed_on: date
    loan_amount: Decimal
    admin_fee: Decimal
    vat_rate: Decimal
    vat: Decimal
    bank_disbursement: Decimal
    client_vat: Decimal | None
    outstanding_principal: Decimal
    event_id: str | None = None
    allocations: list[Allocation] = field(default_factory=list)
    reversal: Reversal | None = None

    @property
    def record_id(self) -> str:
        return self.invoice_id

    def restore(self, amount: Decimal) -> None:
        self.outstanding_principal += amount

    def view(self) -> dict[str, Any]:
        return {
            "invoiceId": self.invoice_id,
            "type": DISBURSEMENT,
            "eventId": self.event_id,
            "date": self.disbursed_on.isoformat(),
            "contactId": self.contact_id,
            "lines": [
                _line("PRINCIPAL_RECEIVABLE", "Loan principal receivable", self.loan_amount),
                _line("ADMIN_FEE", "Administration fee", self.admin_fee),
                _line("VAT_ON_ADMIN_FEE", f"VAT on administration fee at {self.vat_rate}%", self.vat),
                _line("BANK_DISBURSEMENT", "Bank disbursement", self.bank_disbursement),
            ],
            "vatRate": self.vat_rate,
            "clientVatOnAdminFee": self.client_vat,
            "outstandingPrincipal": self.outstanding_principal,
            "allocations": [a.view() for a in self.allocations],
            **Reversal.view_of(self.reversal),
        }


@dataclass
class InterestInvoice:
    invoice_id: str
    contact_id: str
    revenue_month: str
    invoice_date: date
    amount: Decimal
    open_balance: Decimal
    event_id: str | None = None
    allocations: list[Allocation] = field(default_factory=list)
    reversal: Reversal | None = None

    @property
    def record_id(self) -> str:
        return self.invoice_id

    def restore(self, amount: Decimal) -> None:
        self.open_balance += amount

    def view(self) -> dict[str, Any]:
        return {
            "invoiceId": self.invoice_id,
            "type": "INTEREST",
            "eventId": self.event_id,
            "date": self.invoice_date.isoformat(),
            "contactId": self.contact_id,
            "revenueMonth": self.revenue_month,
            "lines": [_line("INTEREST_INCOME", f"Interest income {self.revenue_month}", self.amount)],
            "amount": self.amount,
            "openBalance": self.open_balance,
            "allocations": [a.view() for a in self.allocations],
            **Reversal.view_of(self.reversal),
        }


@dataclass
class Payment:
    payment_id: str
    event_type: str
    paid_on: date
    principal: Decimal
    interest: Decimal
    lines: list[dict[str, Any]]
    event_id: str | None = None
    reversal: Reversal | None = None

    @property
    def record_id(self) -> str:
        return self.payment_id

    def view(self) -> dict[str, Any]:
        return {
            "paymentId": self.payment_id,
            "eventType": self.event_type,
            "eventId": self.event_id,
            "date": self.paid_on.isoformat(),
            "principal": self.principal,
            "interest": self.interest,
            "lines": copy.deepcopy(self.lines),
            **Reversal.view_of(self.reversal),
        }


Invoice = DisbursementInvoice | InterestInvoice
Record = DisbursementInvoice | InterestInvoice | Payment


@dataclass
class Loan:
    loan_id: str
    contact: Contact
    # Oldest first. Only the last can be in force: a new one is accepted only after the previous
    # one was reversed, and the reversed ones stay visible.
    disbursements: list[DisbursementInvoice]
    interest_invoices: list[InterestInvoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    settled_on: date | None = None

    @property
    def disbursement(self) -> DisbursementInvoice:
        return self.disbursements[-1]

    @property
    def disbursed(self) -> bool:
        return self.disbursement.reversal is None

    def open_interest(self) -> Decimal:
        # Reversed invoices hold a zero open balance, so they drop out of the sum by themselves.
        return sum((i.open_balance for i in self.interest_invoices), Decimal(0))

    def fifo_open_interest(self) -> list[InterestInvoice]:
        # sorted() is stable, so invoices with the same date keep their creation order.
        return sorted((i for i in self.interest_invoices if i.open_balance > 0), key=lambda i: i.invoice_date)

    def invoices(self) -> list[Invoice]:
        return [*self.disbursements, *self.interest_invoices]

    def records(self) -> list[Record]:
        return [*self.invoices(), *self.payments]

    def record_of(self, event_id: str) -> Record | None:
        return next((r for r in self.records() if r.event_id == event_id), None)

    def allocations_of(self, payment_id: str) -> list[tuple[Invoice, Allocation]]:
        return [(i, a) for i in self.invoices() for a in i.allocations if a.payment_id == payment_id]

    def view(self) -> dict[str, Any]:
        return {
            "loanId": self.loan_id,
            "customer": self.contact.view(),
            "disbursed": self.disbursed,
            "settled": self.settled_on is not None,
            "settlementDate": self.settled_on.isoformat() if self.settled_on else None,
            # A reversed disbursement invoice holds zero, so this is 0 while the loan is not disbursed.
            "outstandingPrincipal": self.disbursement.outstanding_principal,
            "openInterest": self.open_interest(),
            "invoices": [i.view() for i in self.invoices()],
            "payments": [p.view() for p in self.payments],
        }


def _line(kind: str, description: str, amount: Decimal, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, "description": description, "amount": amount, **extra}


def vat_on(admin_fee: Decimal, vat_rate: Decimal) -> Decimal:
    """VAT at the configured rate, to the cent, half-even as the accounting system rounds."""
    return (admin_fee * vat_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_EVEN)


# ---------------------------------------------------------------------------------------------
# The books
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcceptedEvent:
    """An identified event that changed the books: what a duplicate delivery is answered with."""

    event_id: str
    event_type: str
    loan_id: str
    body: dict[str, Any]
    outcome: Outcome
    log_seq: int


class Books:
    """All loans, contacts and the request log; one lock makes check-then-apply atomic."""

    def __init__(self, vat_rate: Decimal = Decimal("18")):
        if not isinstance(vat_rate, Decimal) or not vat_rate.is_finite() or vat_rate < 0:
            raise ValueError("vat_rate must be a finite, non-negative Decimal")
        self.vat_rate = vat_rate
        # Re-entrant so views can be built by methods that already hold the lock.
        self._lock = threading.RLock()
        self._loans: dict[str, Loan] = {}
        self._contacts: dict[str, Contact] = {}
        self._log: list[dict[str, Any]] = []
        self._accepted: dict[str, AcceptedEvent] = {}

    # -- requests ---------------------------------------------------------------------------

    def receive(self, event_type: str, body: dict[str, Any], *, path: str = "", event_id: str | None = None) -> Outcome:
        """Validate and, if valid, apply one pushed event; every call is logged.

        `event_id` is the sender's X-LMS-Event-Id (None when the header was absent).
        """
        if event_type not in RECEIVABLE_TYPES:
            raise ValueError(f"unknown event type {event_type!r}")
        with self._lock:
            earlier = self._accepted.get(event_id) if event_id is not None else None
            outcome = _replay(earlier, event_type, body) if earlier else self._apply(event_type, body, event_id)
            duplicate_of = earlier.log_seq if earlier and outcome.accepted else None
            seq = self._log_answer(path, event_type, event_id, body, outcome, duplicate_of)
            if earlier is None and event_id is not None and outcome.accepted:
                # Only accepted events are remembered: a failed attempt must not block a later, valid one.
                self._accepted[event_id] = AcceptedEvent(
                    event_id, event_type, body["loanId"], copy.deepcopy(body), outcome, seq
                )
            return outcome

    def _log_answer(
        self,
        path: str,
        event_type: str,
        event_id: str | None,
        body: dict[str, Any],
        outcome: Outcome,
        duplicate_of: int | None,
    ) -> int:
        return self._append_log(
            path=path,
            event_type=event_type,
            event_id=event_id,
            duplicate_of=duplicate_of,
            loan_id=body.get("loanId"),
            http_status=200,
            status="PUSHED" if outcome.accepted else "FAILED",
            accepted=outcome.accepted,
            message=outcome.message,
            errors=list(outcome.errors),
            invoice_ids=list(outcome.invoice_ids),
            body=body,
        )

    def note_unprocessed(
        self,
        *,
        path: str,
        event_type: str | None,
        http_status: int,
        status: str,
        message: str,
        body: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> None:
        """Log a request the HTTP layer answered without processing (401, 400, injected faults)."""
        with self._lock:
            self._append_log(
                path=path,
                event_type=event_type,
                event_id=event_id,
                duplicate_of=None,
                loan_id=(body or {}).get("loanId"),
                http_status=http_status,
                status=status,
                accepted=False,
                message=message,
                errors=[],
                invoice_ids=[],
                body=body,
            )

    # -- views ------------------------------------------------------------------------------

    def loan(self, loan_id: str) -> dict[str, Any] | None:
        with self._lock:
            loan = self._loans.get(loan_id)
            return loan.view() if loan else None

    def loans(self) -> list[dict[str, Any]]:
        with self._lock:
            return [loan.view() for loan in self._loans.values()]

    def events(self, loan_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            chosen = [e for e in self._log if loan_id is None or e["loanId"] == loan_id]
            return copy.deepcopy(chosen)

    def reset(self) -> None:
        with self._lock:
            self._loans.clear()
            self._contacts.clear()
            self._log.clear()
            self._accepted.clear()

    # -- event handlers ---------------------------------------------------------------------

    def _apply(self, event_type: str, body: dict[str, Any], event_id: str | None) -> Outcome:
        if event_id is not None and not event_id.strip():
            return _failed(event_type, [f"{EVENT_ID_FIELD}: must not be blank when sent"])
        request, errors = parse(REQUESTS[event_type], body)
        if request is None:
            return _failed(event_type, errors)
        if isinstance(request, DisbursementRequest):
            return self._disburse(request, event_id)
        if isinstance(request, RevenueReportRequest):
            return self._report_revenue(request, event_id)
        if isinstance(request, ReversalRequest):
            return self._reverse(request, event_id)
        assert isinstance(request, PaymentRequest)
        return self._take_payment(request, event_id)

    def _disburse(self, request: DisbursementRequest, event_id: str | None) -> Outcome:
        loan_id = request.loan_id
        existing = self._loans.get(loan_id)
        if existing is not None and existing.disbursed:
            return _failed(DISBURSEMENT, [_closed_reason(existing) or f"loanId: loan {loan_id} is already disbursed"])
        vat = vat_on(request.admin_fee, self.vat_rate)
        bank = request.loan_amount - request.admin_fee - vat
        if bank < 0:
            # Not spelled out in the contract, but a negative bank payment cannot be booked.
            return _failed(
                DISBURSEMENT, [f"adminFee: admin fee plus VAT ({request.admin_fee + vat}) exceeds loanAmount"]
            )

        contact = self._contact_for(request)
        invoice = DisbursementInvoice(
            invoice_id=_disbursement_invoice_id(loan_id, existing),
            contact_id=contact.contact_id,
            disbursed_on=request.disbursement_date,
            loan_amount=request.loan_amount,
            admin_fee=request.admin_fee,
            vat_rate=self.vat_rate,
            vat=vat,
            bank_disbursement=bank,
            client_vat=request.vat_on_admin_fee,
            outstanding_principal=request.loan_amount,
            event_id=event_id,
        )
        if existing is None:
            self._loans[loan_id] = Loan(loan_id, contact, [invoice])
        else:
            # Disbursed again after its disbursal was reversed: the reversed records stay visible.
            existing.contact = contact
            existing.disbursements.append(invoice)
        return _accepted(DISBURSEMENT, f"Disbursement invoice {invoice.invoice_id} created", [invoice.invoice_id])

    def _report_revenue(self, request: RevenueReportRequest, event_id: str | None) -> Outcome:
        loan, errors = self._open_loan(request)
        if loan is None or errors:
            return _failed(REVENUE_REPORT, errors)

        invoice = InterestInvoice(
            invoice_id=f"INT-{loan.loan_id}-{len(loan.interest_invoices) + 1}",
            contact_id=loan.contact.contact_id,
            revenue_month=request.revenue_month,
            invoice_date=request.invoice_date,
            amount=request.revenue_amount,
            open_balance=request.revenue_amount,
            event_id=event_id,
        )
        loan.interest_invoices.append(invoice)
        message = f"Interest invoice {invoice.invoice_id} created for {request.revenue_month}"
        return _accepted(REVENUE_REPORT, message, [invoice.invoice_id])

    def _take_payment(self, request: PaymentRequest, event_id: str | None) -> Outcome:
        event_type = request.event_type
        loan, errors = self._open_loan(request)
        if loan is None:
            return _failed(event_type, errors)
        errors += _overpayment_errors(loan, request)
        if errors:
            return _failed(event_type, errors)

        payment = self._apply_payment(loan, request, event_id)
        touched = [line["invoiceId"] for line in payment.lines if "invoiceId" in line]
        if event_type == EARLY_SETTLEMENT:
            loan.settled_on = request.paid_on
            message = f"Loan {loan.loan_id} early-settled by {payment.payment_id}"
        else:
            message = f"Repayment {payment.payment_id} applied to loan {loan.loan_id}"
        return _accepted(event_type, message, touched)

    def _reverse(self, request: ReversalRequest, event_id: str | None) -> Outcome:
        # Not _open_loan: an early-settled loan must still take the reversal of its settlement.
        loan, errors = self._disbursed_loan(request)
        if loan is None or errors:
            return _failed(REVERSAL, errors)
        record, errors = self._reversal_target(loan, request)
        if record is None or errors:
            return _failed(REVERSAL, errors)

        touched = _undo(loan, record, Reversal(event_id, request.reversal_date, request.reason))
        message = f"{request.reversed_event_type} {request.reversed_event_id} ({record.record_id}) reversed"
        return _accepted(REVERSAL, message, touched)

    # -- helpers ----------------------------------------------------------------------------

    def _contact_for(self, party: LoanEventRequest) -> Contact:
        # Auto-created once per customer; later loans of the same customer reuse the contact.
        contact = self._contacts.get(party.customer_id)
        if contact is None:
            contact = Contact(f"LMS-{party.customer_id}", party.customer_id, party.customer_name)
            self._contacts[party.customer_id] = contact
        return contact

    def _disbursed_loan(self, party: LoanEventRequest) -> tuple[Loan | None, list[str]]:
        """The loan with a disbursement in force that an event refers to, or why there is none.

        A customer mismatch is returned with the loan so amount errors can be reported alongside it.
        """
        loan = self._loans.get(party.loan_id)
        # A reversed disbursement counts as none, so the sender sees the same answer either way.
        if loan is None or not loan.disbursed:
            return None, [f"loanId: no disbursement has been received for loan {party.loan_id}"]
        if party.customer_id != loan.contact.customer_id:
            return loan, [
                f"customerId: {party.customer_id} does not match the loan's customer {loan.contact.customer_id}"
            ]
        return loan, []

    def _open_loan(self, party: LoanEventRequest) -> tuple[Loan | None, list[str]]:
        """As _disbursed_loan, and not early-settled: a settled loan takes no further events."""
        loan, errors = self._disbursed_loan(party)
        closed = _closed_reason(loan) if loan else None
        if closed:
            return None, [closed]
        return loan, errors

    def _reversal_target(self, loan: Loan, request: ReversalRequest) -> tuple[Record | None, list[str]]:
        """The record the named event created, if this reversal may take it back, or why not."""
        wanted = request.reversed_event_id
        known = self._accepted.get(wanted)
        if known is None:
            return None, [f"reversedEventId: no accepted event has {EVENT_ID_FIELD} {wanted}"]
        if known.event_type == REVERSAL:
            return None, [f"reversedEventId: {wanted} is a reversal; a reversal cannot be reversed"]
        if known.loan_id != loan.loan_id:
            return None, [f"reversedEventId: event {wanted} belongs to loan {known.loan_id}, not {loan.loan_id}"]
        if known.event_type != request.reversed_event_type:
            return None, [f"reversedEventType: event {wanted} is {known.event_type}, not {request.reversed_event_type}"]
        record = loan.record_of(wanted)
        assert record is not None, f"accepted event {wanted} left no record"
        if record.reversal is not None:
            return None, [f"reversedEventId: event {wanted} was already reversed on {record.reversal.reversed_on}"]
        return record, _reversal_blockers(loan, record)

    def _apply_payment(self, loan: Loan, request: PaymentRequest, event_id: str | None) -> Payment:
        payment_id = f"PAY-{loan.loan_id}-{len(loan.payments) + 1}"
        lines: list[dict[str, Any]] = []
        if request.principal > 0:
            invoice = loan.disbursement
            invoice.outstanding_principal -= request.principal
            invoice.allocations.append(Allocation(payment_id, event_id, request.paid_on, request.principal))
            lines.append(_line("PRINCIPAL", "Principal repaid", request.principal, invoiceId=invoice.invoice_id))
        remaining = request.interest
        for interest in loan.fifo_open_interest():
            if remaining == 0:
                break
            applied = min(remaining, interest.open_balance)
            interest.open_balance -= applied
            interest.allocations.append(Allocation(payment_id, event_id, request.paid_on, applied))
            lines.append(
                _line("INTEREST", f"Interest {interest.revenue_month}", applied, invoiceId=interest.invoice_id)
            )
            remaining -= applied
        if request.fee_amount > 0:
            lines.append(_line("FEE", request.fee_name, request.fee_amount))
        payment = Payment(
            payment_id, request.event_type, request.paid_on, request.principal, request.interest, lines, event_id
        )
        loan.payments.append(payment)
        return payment

    def _append_log(
        self,
        *,
        path: str,
        event_type: str | None,
        event_id: str | None,
        duplicate_of: int | None,
        loan_id: Any,
        http_status: int,
        status: str,
        accepted: bool,
        message: str,
        errors: list[str],
        invoice_ids: list[str],
        body: dict[str, Any] | None,
    ) -> int:
        seq = len(self._log) + 1
        self._log.append(
            {
                "seq": seq,
                "receivedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "path": path,
                "eventType": event_type,
                "eventId": event_id,
                # Set on a duplicate delivery: the seq of the request that was applied; this one changed nothing.
                "duplicateOf": duplicate_of,
                # A non-string loanId is itself a validation error; the log keeps only real ids.
                "loanId": loan_id if isinstance(loan_id, str) else None,
                "httpStatus": http_status,
                "status": status,
                "accepted": accepted,
                "message": message,
                "errors": errors,
                "invoiceIds": invoice_ids,
                "body": copy.deepcopy(body),
            }
        )
        return seq


def _replay(earlier: AcceptedEvent, event_type: str, body: dict[str, Any]) -> Outcome:
    """The answer to a request whose event id was already accepted; nothing is applied either way."""
    # Numbers compare by value (100 == 100.00), so a resend that prints amounts differently still matches.
    if earlier.event_type == event_type and earlier.body == body:
        return earlier.outcome
    return _failed(
        event_type,
        [
            f"{EVENT_ID_FIELD}: {earlier.event_id} was already accepted for a different "
            f"{earlier.event_type} request (request #{earlier.log_seq})"
        ],
    )


def _disbursement_invoice_id(loan_id: str, existing: Loan | None) -> str:
    # The first keeps the contract's DISB-<loanId>; a re-disbursement gets a sequence number.
    if existing is None:
        return f"DISB-{loan_id}"
    return f"DISB-{loan_id}-{len(existing.disbursements) + 1}"


def _reversal_blockers(loan: Loan, record: Record) -> list[str]:
    """Why reversing `record` would leave the books inconsistent, if it would."""
    if isinstance(record, InterestInvoice) and record.open_balance != record.amount:
        applied = record.amount - record.open_balance
        return [
            f"reversedEventId: {applied} has been applied against interest invoice {record.invoice_id}; "
            "reverse those payments first"
        ]
    if isinstance(record, DisbursementInvoice):
        in_force = [_describe(r) for r in (*loan.interest_invoices, *loan.payments) if r.reversal is None]
        if in_force:
            return [
                f"reversedEventId: disbursement {record.invoice_id} has later events still in force "
                f"({', '.join(in_force)}); reverse them first"
            ]
    return []


def _describe(record: Record) -> str:
    return f"{record.record_id} from event {record.event_id}" if record.event_id else record.record_id


def _undo(loan: Loan, record: Record, reversal: Reversal) -> list[str]:
    """Take back exactly what `record`'s event did; returns the invoices touched."""
    record.reversal = reversal
    if isinstance(record, Payment):
        touched = []
        for invoice, allocation in loan.allocations_of(record.payment_id):
            # Same amounts back onto the same invoices: the allocations remember both.
            invoice.restore(allocation.amount)
            allocation.reversal = reversal
            touched.append(invoice.invoice_id)
        if record.event_type == EARLY_SETTLEMENT:
            loan.settled_on = None
        return touched
    # Nothing was applied against either invoice (the blockers saw to that), so zeroing the balance
    # removes exactly what it added to the open sums.
    if isinstance(record, InterestInvoice):
        record.open_balance = Decimal(0)
    else:
        record.outstanding_principal = Decimal(0)
    return [record.invoice_id]


def _closed_reason(loan: Loan) -> str | None:
    if loan.settled_on is None:
        return None
    return f"loanId: loan {loan.loan_id} was early-settled on {loan.settled_on.isoformat()}; no further events accepted"


def _overpayment_errors(loan: Loan, request: PaymentRequest) -> list[str]:
    fields = type(request).model_fields
    principal_field, interest_field = fields["principal"].alias, fields["interest"].alias
    errors = []
    outstanding = loan.disbursement.outstanding_principal
    if request.principal > outstanding:
        errors.append(f"{principal_field}: {request.principal} exceeds the outstanding principal {outstanding}")
    open_interest = loan.open_interest()
    if request.interest > open_interest:
        errors.append(f"{interest_field}: {request.interest} exceeds the open interest {open_interest}")
    return errors
