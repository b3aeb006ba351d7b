"""Disbursement payment methods of loan-disbursement-api.md and the details each requires.

Detail names are camelCase (`phoneNumber` for the seed's `phone_number`). A missing or malformed
detail is a field error naming `paymentDetails.<name>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lms.errors import FieldProblems
from lms.ledger.domain.accounts import Role
from lms.text import is_blank, text_problem


class PaymentMethod(StrEnum):
    CASH = "CASH"
    NBC_ACCOUNT = "NBC_ACCOUNT"
    TIPS_MNO = "TIPS_MNO"
    TIPS_BANK = "TIPS_BANK"


MNO_PROVIDERS = ("MPESA", "TIGOPESA", "AIRTELMONEY", "HALOPESA")

# The cash account each rail pays out of.
RAIL_ACCOUNTS = {
    PaymentMethod.CASH: Role.CASH,
    PaymentMethod.NBC_ACCOUNT: Role.BANK,
    PaymentMethod.TIPS_MNO: Role.MOBILE_MONEY,
    PaymentMethod.TIPS_BANK: Role.TIPS_BANK,
}

_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{6,34}")
# ASCII digits only ([0-9], not \d): the number goes to the mobile network as typed.
_PHONE = re.compile(r"\+?[0-9]{10,15}")
_SWIFT = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")


@dataclass(frozen=True)
class Detail:
    name: str
    required: bool
    pattern: re.Pattern | None
    missing: str
    malformed: str = ""


DETAILS: dict[PaymentMethod, tuple[Detail, ...]] = {
    PaymentMethod.CASH: (
        Detail("depositAccount", True, _CODE, "Deposit account is required for cash disbursements"),
        Detail("cashierId", True, _CODE, "Cashier id is required for cash disbursements"),
        Detail("branchCode", True, _CODE, "Branch code is required for cash disbursements"),
    ),
    PaymentMethod.NBC_ACCOUNT: (
        Detail(
            "accountNumber",
            True,
            _ACCOUNT,
            "Account number is required for internal transfers",
            "must be 6 to 34 letters or digits",
        ),
        Detail("accountHolderName", False, None, ""),
    ),
    PaymentMethod.TIPS_MNO: (
        Detail(
            "phoneNumber",
            True,
            _PHONE,
            "Phone number is required for mobile money transfers",
            "must be 10 to 15 digits, optionally starting with + (e.g. 255712345678)",
        ),
        Detail("mnoProvider", True, None, "Mobile network operator is required for mobile money transfers"),
        Detail("walletHolderName", False, None, ""),
    ),
    PaymentMethod.TIPS_BANK: (
        Detail("bankCode", True, _CODE, "Bank code is required for bank transfers"),
        Detail(
            "bankAccount",
            True,
            _ACCOUNT,
            "Bank account is required for bank transfers",
            "must be 6 to 34 letters or digits",
        ),
        Detail("bankAccountHolderName", True, None, "Account holder name is required for bank transfers"),
        Detail("swiftCode", False, _SWIFT, "", "must be a SWIFT/BIC code such as CORUTZTZ"),
    ),
}


def check_payment_details(method: PaymentMethod, details: dict[str, str] | None) -> dict[str, str]:
    """Validate the details a method requires; return them trimmed. Raises with every bad field."""
    details = dict(details or {})
    problems = FieldProblems()
    known = {d.name for d in DETAILS[method]}
    for name in sorted(set(details) - known):
        problems.add(
            f"paymentDetails.{name}", f"is not a detail of {method.value} (expected: {', '.join(sorted(known))})"
        )
    cleaned: dict[str, str] = {}
    for detail in DETAILS[method]:
        value = details.get(detail.name)
        if value is None or (isinstance(value, str) and is_blank(value)):
            if detail.required:
                problems.add(f"paymentDetails.{detail.name}", detail.missing)
            continue
        if not isinstance(value, str):
            problems.add(f"paymentDetails.{detail.name}", "must be a string")
            continue
        value = value.strip()
        if detail.pattern is not None and not detail.pattern.fullmatch(value):
            problems.add(f"paymentDetails.{detail.name}", detail.malformed or "is malformed")
            continue
        # A holder's name goes to the payout provider as given: printable text only.
        problem = text_problem(value)
        if problem:
            problems.add(f"paymentDetails.{detail.name}", problem)
            continue
        cleaned[detail.name] = value
    if method is PaymentMethod.TIPS_MNO and "mnoProvider" in cleaned and cleaned["mnoProvider"] not in MNO_PROVIDERS:
        problems.add("paymentDetails.mnoProvider", f"must be one of {', '.join(MNO_PROVIDERS)}")
    problems.raise_if_any(reason="INVALID_PAYMENT_DETAILS")
    return cleaned
