"""First-start data: the head office, the first admin key and (for demos) product 1.

Run by the deploy (a CloudFormation custom resource) and by `make run`; safe to run again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms import clock
from lms.auth.api_keys import ApiKeyStore
from lms.auth.roles import Role
from lms.config import get_settings
from lms.ledger.domain.accounts import Role as AccountRole
from lms.ledger.domain.accounts import account_for
from lms.ledger.domain.entries import EntryStatus, JournalEntry, JournalLine
from lms.ledger.service import LedgerService
from lms.observability import logger
from lms.offices.store import Office, OfficeStore
from lms.products.domain import (
    AmortizationType,
    FeeRule,
    InterestCalculationPeriod,
    InterestType,
    PeriodFrequency,
    ProcessingStrategy,
    RateFrequency,
)
from lms.products.service import ProductService
from lms.products.store import ProductStore
from lms.storage import dynamo
from lms.storage.tables import BY_TYPE

HEAD_OFFICE = Office(id=1, name="Head Office", opening_date=date(2020, 1, 1))


def demo_product_fields(currency: str) -> dict:
    """The seed's 7-day product: 10,000 at 11% flat for one 7-day period owes 11,100."""
    return {
        "name": "7-Day Loan",
        "short_name": "7DAY",
        "description": "One repayment after 7 days, 11% flat per period",
        "currency": currency,
        "principal": Decimal(10000),
        "min_principal": Decimal(1000),
        "max_principal": Decimal(1000000),
        "number_of_repayments": 1,
        "min_number_of_repayments": 1,
        "max_number_of_repayments": 4,
        "repayment_every": 7,
        "repayment_frequency_type": PeriodFrequency.DAYS,
        "interest_rate_per_period": Decimal(11),
        "min_interest_rate_per_period": Decimal(0),
        "max_interest_rate_per_period": Decimal(30),
        "interest_rate_frequency_type": RateFrequency.PER_WEEK,
        "interest_type": InterestType.FLAT,
        "amortization_type": AmortizationType.EQUAL_INSTALLMENTS,
        "interest_calculation_period_type": InterestCalculationPeriod.SAME_AS_REPAYMENT_PERIOD,
        "transaction_processing_strategy_code": ProcessingStrategy.MIFOS_STANDARD,
        "admin_fee": FeeRule(type="percent", value=Decimal(2), name="Administration fee"),
        "vat_rate": Decimal(18),
    }


# Demo funding, so that disbursements have money to pay out on every rail.
OPENING_CAPITAL = {
    AccountRole.CASH: Decimal("10000000.00"),
    AccountRole.BANK: Decimal("50000000.00"),
    AccountRole.MOBILE_MONEY: Decimal("20000000.00"),
    AccountRole.TIPS_BANK: Decimal("20000000.00"),
}


def opening_capital_entry(currency: str) -> JournalEntry:
    base = get_settings().base_currency
    lines = [
        JournalLine(account_id=account_for(role, currency, base), debit=amount, description="Opening float")
        for role, amount in OPENING_CAPITAL.items()
    ]
    lines.append(
        JournalLine(
            account_id=account_for(AccountRole.CAPITAL, currency, base),
            credit=sum(OPENING_CAPITAL.values(), Decimal(0)),
            description="Owners' capital",
        )
    )
    now = clock.timestamp()
    return JournalEntry(
        id=f"je_opening_capital_{currency.lower()}",
        entry_date=date(2026, 1, 1),
        description="Opening capital (demo seed)",
        currency=currency,
        reference_type="opening-balance",
        status=EntryStatus.POSTED,
        lines=lines,
        recorded_at=now,
        posted_at=now,
        created_by="bootstrap",
    )


def admin_key_from_secret(secret_id: str) -> str:
    """The first admin key's plaintext, which the template generated in Secrets Manager."""
    return dynamo.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]


def bootstrap(*, admin_key: str | None, seed_demo: bool, currency: str) -> dict:
    created = {"headOffice": OfficeStore().ensure(HEAD_OFFICE), "adminKey": None, "demoProduct": None}
    ledger = LedgerService()
    created["chartAccounts"] = ledger.ensure_chart(currency)
    if admin_key:
        created["adminKey"] = ApiKeyStore().register(admin_key, "bootstrap admin", Role.ADMIN).id
    if seed_demo:
        products = ProductStore()
        has_product = next(products.table.query("TypePK = :t", {":t": "PRODUCT"}, index=BY_TYPE, limit=1), None)
        if has_product is None:
            created["demoProduct"] = ProductService(products).create(demo_product_fields(currency)).id
        created["openingCapital"] = ledger.post_opening_entry(opening_capital_entry(currency))
    logger.info("bootstrap done", extra=created)
    return created
