"""How repayments arrive: each payment type names the cash account that receives the money and the
reference that identifies the payment, which must be given and well-formed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from lms.errors import FieldProblems, NotFound
from lms.ledger.domain.accounts import Role


@dataclass(frozen=True)
class PaymentType:
    id: int
    name: str
    code: str
    rail: Role
    reference_field: str
    reference_label: str
    pattern: re.Pattern  # ASCII only: [0-9], never \d, which takes other scripts' digits
    hint: str


PAYMENT_TYPES: tuple[PaymentType, ...] = (
    PaymentType(
        1,
        "Cash",
        "CASH",
        Role.CASH,
        "receiptNumber",
        "receipt number",
        re.compile(r"[A-Za-z0-9][A-Za-z0-9/_-]{0,49}"),
        "up to 50 letters, digits, /, _ or -",
    ),
    PaymentType(
        2,
        "ACH",
        "ACH",
        Role.ACH_CLEARING,
        "traceNumber",
        "ACH trace number",
        re.compile(r"[0-9]{15}"),
        "exactly 15 digits",
    ),
    PaymentType(
        3,
        "Check",
        "CHECK",
        Role.CHEQUE_CLEARING,
        "checkNumber",
        "check number",
        re.compile(r"[0-9]{1,10}"),
        "1 to 10 digits",
    ),
    PaymentType(
        4,
        "Wire",
        "WIRE",
        Role.WIRE_CLEARING,
        "wireReference",
        "wire reference",
        re.compile(r"[A-Za-z0-9]{6,35}"),
        "6 to 35 letters or digits",
    ),
    PaymentType(
        5,
        "Mobile money",
        "MOBILE_MONEY",
        Role.MOBILE_MONEY,
        "mobileTransactionId",
        "mobile money transaction id",
        re.compile(r"[A-Za-z0-9]{8,30}"),
        "8 to 30 letters or digits",
    ),
)
REFERENCE_FIELDS = tuple(t.reference_field for t in PAYMENT_TYPES)


def payment_type(type_id: int) -> PaymentType:
    found = next((t for t in PAYMENT_TYPES if t.id == type_id), None)
    if found is None:
        raise NotFound(
            f"Payment type {type_id} does not exist (see GET /v1/payment-types)", reason="PAYMENT_TYPE_NOT_FOUND"
        )
    return found


def check_reference(kind: PaymentType, references: dict[str, str | None]) -> str:
    """The payment's reference: the type's own field must be given and well-formed, no other type's."""
    problems = FieldProblems()
    value = references.get(kind.reference_field)
    if value is None:
        problems.add(
            kind.reference_field,
            f"The parameter `{kind.reference_field}` ({kind.reference_label}) is mandatory for {kind.name} payments.",
        )
    elif not kind.pattern.fullmatch(value):
        problems.add(kind.reference_field, f"a {kind.reference_label} is {kind.hint}")
    for other, given in references.items():
        if other != kind.reference_field and given is not None:
            problems.add(other, f"is not used by {kind.name} payments (they take `{kind.reference_field}`)")
    problems.raise_if_any(reason="INVALID_PAYMENT_REFERENCE")
    return value or ""
