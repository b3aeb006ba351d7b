"""Accounts, their types and normal balances, and the default chart every currency gets.

Account ids are their codes ("1200"). The base currency's chart uses the plain codes; another
currency's chart uses the same codes suffixed with the currency ("1200-KES"), so a posting rule
finds its account from a role and a currency without a lookup.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from lms.models import LmsModel

CODE_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"

    @property
    def normal_balance(self) -> str:
        return "debit" if self in (AccountType.ASSET, AccountType.EXPENSE) else "credit"


class Account(LmsModel):
    id: str
    code: str
    name: str
    account_type: AccountType
    currency: str
    parent_id: str | None = None
    description: str | None = None
    role: str | None = None
    created_at: str

    def signed_balance(self, debits: Decimal, credits: Decimal) -> Decimal:
        """The balance in the account's normal direction (positive for a normal balance)."""
        if self.account_type.normal_balance == "debit":
            return debits - credits
        return credits - debits


class Role(StrEnum):
    """What an account is for; posting rules name roles, never codes."""

    CASH = "CASH"
    BANK = "BANK"
    MOBILE_MONEY = "MOBILE_MONEY"
    TIPS_BANK = "TIPS_BANK"
    ACH_CLEARING = "ACH_CLEARING"
    CHEQUE_CLEARING = "CHEQUE_CLEARING"
    WIRE_CLEARING = "WIRE_CLEARING"
    LOANS_RECEIVABLE = "LOANS_RECEIVABLE"
    INTEREST_RECEIVABLE = "INTEREST_RECEIVABLE"
    FEES_RECEIVABLE = "FEES_RECEIVABLE"
    PENALTIES_RECEIVABLE = "PENALTIES_RECEIVABLE"
    VAT_PAYABLE = "VAT_PAYABLE"
    INSURANCE_PAYABLE = "INSURANCE_PAYABLE"
    CUSTOMER_OVERPAYMENTS = "CUSTOMER_OVERPAYMENTS"
    DISBURSEMENTS_PAYABLE = "DISBURSEMENTS_PAYABLE"
    CAPITAL = "CAPITAL"
    INTEREST_INCOME = "INTEREST_INCOME"
    FEE_INCOME = "FEE_INCOME"
    PENALTY_INCOME = "PENALTY_INCOME"
    RECOVERY_INCOME = "RECOVERY_INCOME"
    CHARGE_OFF_EXPENSE = "CHARGE_OFF_EXPENSE"
    LOAN_LOSS_ALLOWANCE = "LOAN_LOSS_ALLOWANCE"
    PROVISION_EXPENSE = "PROVISION_EXPENSE"


# code, name, type, role, parent code, description
DEFAULT_CHART: list[tuple[str, str, AccountType, Role | None, str | None, str]] = [
    ("1000", "Cash and bank", AccountType.ASSET, None, None, "Money the lender holds, by payment rail"),
    ("1100", "Cash on hand", AccountType.ASSET, Role.CASH, "1000", "Branch cash (CASH rail)"),
    ("1110", "NBC bank account", AccountType.ASSET, Role.BANK, "1000", "Internal transfers (NBC_ACCOUNT rail)"),
    ("1120", "Mobile money float", AccountType.ASSET, Role.MOBILE_MONEY, "1000", "TIPS_MNO rail and mobile repayments"),
    ("1130", "TIPS bank settlement", AccountType.ASSET, Role.TIPS_BANK, "1000", "Interbank transfers (TIPS_BANK rail)"),
    ("1140", "ACH clearing", AccountType.ASSET, Role.ACH_CLEARING, "1000", "ACH repayments awaiting settlement"),
    ("1150", "Cheques in clearing", AccountType.ASSET, Role.CHEQUE_CLEARING, "1000", "Cheque repayments"),
    ("1160", "Wire receipts", AccountType.ASSET, Role.WIRE_CLEARING, "1000", "Wire repayments"),
    ("1200", "Loans receivable", AccountType.ASSET, Role.LOANS_RECEIVABLE, None, "Outstanding loan principal"),
    ("1210", "Interest receivable", AccountType.ASSET, Role.INTEREST_RECEIVABLE, None, "Accrued, unpaid interest"),
    ("1220", "Fees receivable", AccountType.ASSET, Role.FEES_RECEIVABLE, None, "Assessed, unpaid fees"),
    ("1230", "Penalties receivable", AccountType.ASSET, Role.PENALTIES_RECEIVABLE, None, "Assessed, unpaid penalties"),
    # A contra-asset: an asset account whose balance is a credit (what is held against Loans receivable).
    (
        "1290",
        "Loan-loss allowance",
        AccountType.ASSET,
        Role.LOAN_LOSS_ALLOWANCE,
        None,
        "Contra-asset: provision held against losses on loans (credit balance)",
    ),
    ("2100", "VAT payable", AccountType.LIABILITY, Role.VAT_PAYABLE, None, "VAT on admin fees"),
    ("2200", "Insurance payable", AccountType.LIABILITY, Role.INSURANCE_PAYABLE, None, "Premiums owed to the insurer"),
    ("2300", "Customer overpayments", AccountType.LIABILITY, Role.CUSTOMER_OVERPAYMENTS, None, "Credit balances"),
    (
        "2400",
        "Disbursements payable",
        AccountType.LIABILITY,
        Role.DISBURSEMENTS_PAYABLE,
        None,
        "Net disbursements owed to borrowers until their payout completes",
    ),
    ("3000", "Capital", AccountType.EQUITY, Role.CAPITAL, None, "Owners' funding"),
    ("4100", "Interest income", AccountType.REVENUE, Role.INTEREST_INCOME, None, "Accrued loan interest"),
    ("4200", "Fee income", AccountType.REVENUE, Role.FEE_INCOME, None, "Admin, settlement and other fees"),
    ("4300", "Penalty income", AccountType.REVENUE, Role.PENALTY_INCOME, None, "Late-payment penalties"),
    ("4400", "Recovery income", AccountType.REVENUE, Role.RECOVERY_INCOME, None, "Collections on charged-off loans"),
    ("5100", "Charge-off expense", AccountType.EXPENSE, Role.CHARGE_OFF_EXPENSE, None, "Principal written off"),
    (
        "5200",
        "Provision expense",
        AccountType.EXPENSE,
        Role.PROVISION_EXPENSE,
        None,
        "Change in the loan-loss allowance",
    ),
]

_ROLE_CODES = {role: code for code, _, _, role, _, _ in DEFAULT_CHART if role is not None}


def account_id(code: str, currency: str, base_currency: str) -> str:
    return code if currency == base_currency else f"{code}-{currency}"


def account_for(role: Role, currency: str, base_currency: str) -> str:
    """The id of the chart account that plays `role` in `currency`."""
    return account_id(_ROLE_CODES[role], currency, base_currency)


def default_chart(currency: str, base_currency: str, created_at: str) -> list[Account]:
    return [
        Account(
            id=account_id(code, currency, base_currency),
            code=account_id(code, currency, base_currency),
            name=name if currency == base_currency else f"{name} ({currency})",
            account_type=kind,
            currency=currency,
            parent_id=account_id(parent, currency, base_currency) if parent else None,
            description=description,
            role=role.value if role else None,
            created_at=created_at,
        )
        for code, name, kind, role, parent, description in DEFAULT_CHART
    ]
