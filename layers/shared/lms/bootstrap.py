"""First-start data: the head office, the first admin key and (for demos) product 1.

Run by the deploy (a CloudFormation custom resource) and by `make run`; safe to run again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.auth.api_keys import ApiKeyStore
from lms.auth.roles import Role
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


def bootstrap(*, admin_key: str | None, seed_demo: bool, currency: str) -> dict:
    created = {"headOffice": OfficeStore().ensure(HEAD_OFFICE), "adminKey": None, "demoProduct": None}
    if admin_key:
        created["adminKey"] = ApiKeyStore().register(admin_key, "bootstrap admin", Role.ADMIN).id
    if seed_demo:
        products = ProductStore()
        has_product = next(products.table.query("TypePK = :t", {":t": "PRODUCT"}, index=BY_TYPE, limit=1), None)
        if has_product is None:
            created["demoProduct"] = ProductService(products).create(demo_product_fields(currency)).id
    logger.info("bootstrap done", extra=created)
    return created
