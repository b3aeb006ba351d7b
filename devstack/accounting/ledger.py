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

Money is Decimal throughout; integers from JSON are converted, floats never occur because the HTTP
layer parses with parse_float=Decimal.
"""

from __future__ import annotations

import calendar
import copy
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

DISBURSEMENT = "DISBURSEMENT"
REVENUE_REPORT = "REVENUE_REPORT"
REPAYMENT = "REPAYMENT"
EARLY_SETTLEMENT = "EARLY_SETTLEMENT"
EVENT_TYPES = (DISBURSEMENT, REVENUE_REPORT, REPAYMENT, EARLY_SETTLEMENT)

CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# The contract's formats are exact: ASCII digits and fixed widths only, so "2026-5-1" or "20260501"
# are refused even though date.fromisoformat would accept the second (and non-ASCII digits).
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

_LABELS = {
    DISBURSEMENT: "Disbursement",
    REVENUE_REPORT: "Revenue report",
    REPAYMENT: "Repayment",
    EARLY_SETTLEMENT: "Early settlement",
}

# Repayment and early settlement carry the same three facts under different names.
_PAYMENT_FIELDS = {
    REPAYMENT: ("repaymentPrincipal", "repaymentInterest", "repaymentDate"),
    EARLY_SETTLEMENT: (
        "repaymentEarlySettlementPrincipal",
        "repaymentEarlySettlementInterest",
        "repaymentEarlySettlementDate",
    ),
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
# Field readers: each appends "field: reason" to errors and returns None when the value is unusable
# ---------------------------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, errors: list[str]) -> str | None:
    value = body.get(name)
    if value is None:
        errors.append(f"{name}: is required")
        return None
    if not isinstance(value, str):
        errors.append(f"{name}: must be a string")
        return None
    if not value.strip():
        errors.append(f"{name}: must not be blank")
        return None
    return value


def _optional_text(body: dict[str, Any], name: str, errors: list[str]) -> str:
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.append(f"{name}: must be a string")
        return ""
    return value


def _number(body: dict[str, Any], name: str, errors: list[str], *, required: bool = True) -> Decimal | None:
    """A JSON number as Decimal. Strings such as "100" are refused: the contract's type is Number."""
    value = body.get(name)
    if value is None:
        if required:
            errors.append(f"{name}: is required")
        return None
    # bool is a subclass of int, so it has to be excluded before the int check.
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        errors.append(f"{name}: must be a JSON number")
        return None
    return Decimal(value)


def _positive(body: dict[str, Any], name: str, errors: list[str]) -> Decimal | None:
    value = _number(body, name, errors)
    if value is not None and value <= 0:
        errors.append(f"{name}: must be greater than 0")
        return None
    return value


def _non_negative(body: dict[str, Any], name: str, errors: list[str], *, required: bool = True) -> Decimal | None:
    value = _number(body, name, errors, required=required)
    if value is not None and value < 0:
        errors.append(f"{name}: must be greater than or equal to 0")
        return None
    return value


def _date(body: dict[str, Any], name: str, errors: list[str]) -> date | None:
    text = _text(body, name, errors)
    if text is None:
        return None
    if not _DATE.fullmatch(text):
        errors.append(f"{name}: must be a date in yyyy-MM-dd format")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{name}: {text} is not a calendar date")
        return None


def _month_end(body: dict[str, Any], name: str, errors: list[str]) -> date | None:
    """The last day of a yyyy-MM month: interest invoices are dated at the end of the accrual month."""
    text = _text(body, name, errors)
    if text is None:
        return None
    found = _MONTH.fullmatch(text)
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        errors.append(f"{name}: must be a month in yyyy-MM format")
        return None
    year, month = int(found[1]), int(found[2])
    return date(year, month, calendar.monthrange(year, month)[1])


# ---------------------------------------------------------------------------------------------
# Parsed requests
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    customer_id: str
    customer_name: str
    loan_id: str


@dataclass(frozen=True)
class DisbursementRequest:
    party: Party
    loan_amount: Decimal
    admin_fee: Decimal
    client_vat: Decimal | None
    disbursed_on: date


@dataclass(frozen=True)
class RevenueRequest:
    party: Party
    revenue_month: str
    invoice_date: date
    amount: Decimal


@dataclass(frozen=True)
class PaymentRequest:
    event_type: str
    party: Party
    principal: Decimal
    interest: Decimal
    paid_on: date
    fee_amount: Decimal
    fee_name: str


def _party(body: dict[str, Any], errors: list[str]) -> Party | None:
    customer_id = _text(body, "customerId", errors)
    customer_name = _text(body, "customerName", errors)
    loan_id = _text(body, "loanId", errors)
    if customer_id is None or customer_name is None or loan_id is None:
        return None
    return Party(customer_id, customer_name, loan_id)


def parse_disbursement(body: dict[str, Any]) -> tuple[DisbursementRequest | None, list[str]]:
    errors: list[str] = []
    party = _party(body, errors)
    loan_amount = _positive(body, "loanAmount", errors)
    if body.get("adminFee") is None:
        # The contract says "Not null (use 0)": say so rather than a bare "is required".
        errors.append("adminFee: is required (use 0 when there is no fee)")
        admin_fee = None
    else:
        admin_fee = _non_negative(body, "adminFee", errors)
    # Informational only, but a value that is present must still be a number.
    client_vat = _number(body, "vatOnAdminFee", errors, required=False)
    disbursed_on = _date(body, "disbursementDate", errors)
    if errors:
        return None, errors
    assert party and loan_amount is not None and admin_fee is not None and disbursed_on
    return DisbursementRequest(party, loan_amount, admin_fee, client_vat, disbursed_on), []


def parse_revenue_report(body: dict[str, Any]) -> tuple[RevenueRequest | None, list[str]]:
    errors: list[str] = []
    party = _party(body, errors)
    invoice_date = _month_end(body, "revenueMonth", errors)
    amount = _positive(body, "revenueAmount", errors)
    if errors:
        return None, errors
    assert party and invoice_date and amount is not None
    return RevenueRequest(party, body["revenueMonth"], invoice_date, amount), []


def parse_payment(event_type: str, body: dict[str, Any]) -> tuple[PaymentRequest | None, list[str]]:
    principal_field, interest_field, date_field = _PAYMENT_FIELDS[event_type]
    errors: list[str] = []
    party = _party(body, errors)
    principal = _non_negative(body, principal_field, errors)
    interest = _non_negative(body, interest_field, errors)
    paid_on = _date(body, date_field, errors)
    # Optional in the contract ("use 0 if none"); a negative fee would be a refund, not a fee.
    fee_amount = _non_negative(body, "feeAmount", errors, required=False) or Decimal(0)
    fee_name = _optional_text(body, "feeName", errors)
    if errors:
        return None, errors
    assert party and principal is not None and interest is not None and paid_on
    return PaymentRequest(event_type, party, principal, interest, paid_on, fee_amount, fee_name), []


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


@dataclass
class Allocation:
    """One payment's share applied to one invoice."""

    payment_id: str
    paid_on: date
    amount: Decimal

    def view(self) -> dict[str, Any]:
        return {"paymentId": self.payment_id, "date": self.paid_on.isoformat(), "amount": self.amount}


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
    allocations: list[Allocation] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "invoiceId": self.invoice_id,
            "type": DISBURSEMENT,
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
        }


@dataclass
class InterestInvoice:
    invoice_id: str
    contact_id: str
    revenue_month: str
    invoice_date: date
    amount: Decimal
    open_balance: Decimal
    allocations: list[Allocation] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "invoiceId": self.invoice_id,
            "type": "INTEREST",
            "date": self.invoice_date.isoformat(),
            "contactId": self.contact_id,
            "revenueMonth": self.revenue_month,
            "lines": [_line("INTEREST_INCOME", f"Interest income {self.revenue_month}", self.amount)],
            "amount": self.amount,
            "openBalance": self.open_balance,
            "allocations": [a.view() for a in self.allocations],
        }


@dataclass
class Payment:
    payment_id: str
    event_type: str
    paid_on: date
    principal: Decimal
    interest: Decimal
    lines: list[dict[str, Any]]

    def view(self) -> dict[str, Any]:
        return {
            "paymentId": self.payment_id,
            "eventType": self.event_type,
            "date": self.paid_on.isoformat(),
            "principal": self.principal,
            "interest": self.interest,
            "lines": copy.deepcopy(self.lines),
        }


@dataclass
class Loan:
    loan_id: str
    contact: Contact
    disbursement: DisbursementInvoice
    interest_invoices: list[InterestInvoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    settled_on: date | None = None

    def open_interest(self) -> Decimal:
        return sum((i.open_balance for i in self.interest_invoices), Decimal(0))

    def fifo_open_interest(self) -> list[InterestInvoice]:
        # sorted() is stable, so invoices with the same date keep their creation order.
        return sorted((i for i in self.interest_invoices if i.open_balance > 0), key=lambda i: i.invoice_date)

    def view(self) -> dict[str, Any]:
        return {
            "loanId": self.loan_id,
            "customer": self.contact.view(),
            "settled": self.settled_on is not None,
            "settlementDate": self.settled_on.isoformat() if self.settled_on else None,
            "outstandingPrincipal": self.disbursement.outstanding_principal,
            "openInterest": self.open_interest(),
            "invoices": [self.disbursement.view(), *(i.view() for i in self.interest_invoices)],
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

    # -- requests ---------------------------------------------------------------------------

    def receive(self, event_type: str, body: dict[str, Any], *, path: str = "") -> Outcome:
        """Validate and, if valid, apply one pushed event; every call is logged."""
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event_type!r}")
        with self._lock:
            if event_type == DISBURSEMENT:
                outcome = self._disburse(body)
            elif event_type == REVENUE_REPORT:
                outcome = self._report_revenue(body)
            else:
                outcome = self._take_payment(event_type, body)
            self._append_log(
                path=path,
                event_type=event_type,
                loan_id=body.get("loanId"),
                http_status=200,
                status="PUSHED" if outcome.accepted else "FAILED",
                accepted=outcome.accepted,
                message=outcome.message,
                errors=list(outcome.errors),
                invoice_ids=list(outcome.invoice_ids),
                body=body,
            )
            return outcome

    def note_unprocessed(
        self,
        *,
        path: str,
        event_type: str | None,
        http_status: int,
        status: str,
        message: str,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Log a request the HTTP layer answered without processing (401, 400, injected faults)."""
        with self._lock:
            self._append_log(
                path=path,
                event_type=event_type,
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

    # -- event handlers ---------------------------------------------------------------------

    def _disburse(self, body: dict[str, Any]) -> Outcome:
        request, errors = parse_disbursement(body)
        if request is None:
            return _failed(DISBURSEMENT, errors)
        loan_id = request.party.loan_id
        existing = self._loans.get(loan_id)
        if existing is not None:
            return _failed(DISBURSEMENT, [_closed_reason(existing) or f"loanId: loan {loan_id} is already disbursed"])
        vat = vat_on(request.admin_fee, self.vat_rate)
        bank = request.loan_amount - request.admin_fee - vat
        if bank < 0:
            # Not spelled out in the contract, but a negative bank payment cannot be booked.
            return _failed(
                DISBURSEMENT, [f"adminFee: admin fee plus VAT ({request.admin_fee + vat}) exceeds loanAmount"]
            )

        contact = self._contact_for(request.party)
        invoice = DisbursementInvoice(
            invoice_id=f"DISB-{loan_id}",
            contact_id=contact.contact_id,
            disbursed_on=request.disbursed_on,
            loan_amount=request.loan_amount,
            admin_fee=request.admin_fee,
            vat_rate=self.vat_rate,
            vat=vat,
            bank_disbursement=bank,
            client_vat=request.client_vat,
            outstanding_principal=request.loan_amount,
        )
        self._loans[loan_id] = Loan(loan_id, contact, invoice)
        return _accepted(DISBURSEMENT, f"Disbursement invoice {invoice.invoice_id} created", [invoice.invoice_id])

    def _report_revenue(self, body: dict[str, Any]) -> Outcome:
        request, errors = parse_revenue_report(body)
        if request is None:
            return _failed(REVENUE_REPORT, errors)
        loan, errors = self._open_loan(request.party)
        if loan is None or errors:
            return _failed(REVENUE_REPORT, errors)

        invoice = InterestInvoice(
            invoice_id=f"INT-{loan.loan_id}-{len(loan.interest_invoices) + 1}",
            contact_id=loan.contact.contact_id,
            revenue_month=request.revenue_month,
            invoice_date=request.invoice_date,
            amount=request.amount,
            open_balance=request.amount,
        )
        loan.interest_invoices.append(invoice)
        message = f"Interest invoice {invoice.invoice_id} created for {request.revenue_month}"
        return _accepted(REVENUE_REPORT, message, [invoice.invoice_id])

    def _take_payment(self, event_type: str, body: dict[str, Any]) -> Outcome:
        request, errors = parse_payment(event_type, body)
        if request is None:
            return _failed(event_type, errors)
        loan, errors = self._open_loan(request.party)
        if loan is None:
            return _failed(event_type, errors)
        errors += _overpayment_errors(loan, request)
        if errors:
            return _failed(event_type, errors)

        payment = self._apply_payment(loan, request)
        touched = [line["invoiceId"] for line in payment.lines if "invoiceId" in line]
        if event_type == EARLY_SETTLEMENT:
            loan.settled_on = request.paid_on
            message = f"Loan {loan.loan_id} early-settled by {payment.payment_id}"
        else:
            message = f"Repayment {payment.payment_id} applied to loan {loan.loan_id}"
        return _accepted(event_type, message, touched)

    # -- helpers ----------------------------------------------------------------------------

    def _contact_for(self, party: Party) -> Contact:
        # Auto-created once per customer; later loans of the same customer reuse the contact.
        contact = self._contacts.get(party.customer_id)
        if contact is None:
            contact = Contact(f"LMS-{party.customer_id}", party.customer_id, party.customer_name)
            self._contacts[party.customer_id] = contact
        return contact

    def _open_loan(self, party: Party) -> tuple[Loan | None, list[str]]:
        """The disbursed, unsettled loan an event refers to, or why there is none.

        A customer mismatch is returned with the loan so amount errors can be reported alongside it.
        """
        loan = self._loans.get(party.loan_id)
        if loan is None:
            return None, [f"loanId: no disbursement has been received for loan {party.loan_id}"]
        closed = _closed_reason(loan)
        if closed:
            return None, [closed]
        if party.customer_id != loan.contact.customer_id:
            return loan, [
                f"customerId: {party.customer_id} does not match the loan's customer {loan.contact.customer_id}"
            ]
        return loan, []

    def _apply_payment(self, loan: Loan, request: PaymentRequest) -> Payment:
        payment_id = f"PAY-{loan.loan_id}-{len(loan.payments) + 1}"
        lines: list[dict[str, Any]] = []
        if request.principal > 0:
            invoice = loan.disbursement
            invoice.outstanding_principal -= request.principal
            invoice.allocations.append(Allocation(payment_id, request.paid_on, request.principal))
            lines.append(_line("PRINCIPAL", "Principal repaid", request.principal, invoiceId=invoice.invoice_id))
        remaining = request.interest
        for invoice in loan.fifo_open_interest():
            if remaining == 0:
                break
            applied = min(remaining, invoice.open_balance)
            invoice.open_balance -= applied
            invoice.allocations.append(Allocation(payment_id, request.paid_on, applied))
            lines.append(_line("INTEREST", f"Interest {invoice.revenue_month}", applied, invoiceId=invoice.invoice_id))
            remaining -= applied
        if request.fee_amount > 0:
            lines.append(_line("FEE", request.fee_name, request.fee_amount))
        payment = Payment(payment_id, request.event_type, request.paid_on, request.principal, request.interest, lines)
        loan.payments.append(payment)
        return payment

    def _append_log(
        self,
        *,
        path: str,
        event_type: str | None,
        loan_id: Any,
        http_status: int,
        status: str,
        accepted: bool,
        message: str,
        errors: list[str],
        invoice_ids: list[str],
        body: dict[str, Any] | None,
    ) -> None:
        self._log.append(
            {
                "seq": len(self._log) + 1,
                "receivedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "path": path,
                "eventType": event_type,
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


def _closed_reason(loan: Loan) -> str | None:
    if loan.settled_on is None:
        return None
    return f"loanId: loan {loan.loan_id} was early-settled on {loan.settled_on.isoformat()}; no further events accepted"


def _overpayment_errors(loan: Loan, request: PaymentRequest) -> list[str]:
    principal_field, interest_field, _ = _PAYMENT_FIELDS[request.event_type]
    errors = []
    outstanding = loan.disbursement.outstanding_principal
    if request.principal > outstanding:
        errors.append(f"{principal_field}: {request.principal} exceeds the outstanding principal {outstanding}")
    open_interest = loan.open_interest()
    if request.interest > open_interest:
        errors.append(f"{interest_field}: {request.interest} exceeds the open interest {open_interest}")
    return errors
