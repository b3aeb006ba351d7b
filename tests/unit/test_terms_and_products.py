from decimal import Decimal

import pytest

from lms.bootstrap import demo_product_fields
from lms.errors import InvalidArgument
from lms.loans.domain.calculation.terms import RequestedTerms, resolve_terms
from lms.products.domain import InterestType, LoanProduct, PeriodFrequency, check_product


def product(**overrides) -> LoanProduct:
    fields = {**demo_product_fields("TZS"), "id": 1, "created_at": "2026-01-01T00:00:00.000Z"}
    fields.update(overrides)
    return check_product(LoanProduct.model_validate(fields))


def test_product_defaults_fill_every_term():
    terms = resolve_terms(product(), RequestedTerms())
    assert terms.number_of_repayments == 1
    assert terms.repayment_every == 7
    assert terms.repayment_frequency_type is PeriodFrequency.DAYS
    assert terms.loan_term_frequency == 7
    assert terms.interest_rate_per_period == Decimal(11)
    assert terms.interest_type is InterestType.FLAT


def test_requested_terms_override_within_bounds():
    terms = resolve_terms(product(), RequestedTerms(number_of_repayments=4, interest_rate_per_period=Decimal(5)))
    assert terms.number_of_repayments == 4
    assert terms.loan_term_frequency == 28
    assert terms.interest_rate_per_period == Decimal(5)


def test_terms_out_of_bounds_list_every_field():
    with pytest.raises(InvalidArgument) as refused:
        resolve_terms(
            product(),
            RequestedTerms(number_of_repayments=5, interest_rate_per_period=Decimal(31), loan_term_frequency=9),
        )
    fields = [d.field for d in refused.value.details]
    assert fields == ["numberOfRepayments", "interestRatePerPeriod", "loanTermFrequency"]


def test_loan_term_must_match_repayments():
    with pytest.raises(InvalidArgument, match="must equal numberOfRepayments x repaymentEvery"):
        resolve_terms(product(), RequestedTerms(loan_term_frequency=14))


def test_unknown_strategy_is_a_field_error():
    with pytest.raises(InvalidArgument) as refused:
        resolve_terms(product(), RequestedTerms(transaction_processing_strategy_code="nope"))
    assert refused.value.details[0].field == "transactionProcessingStrategyCode"


def test_product_money_takes_the_currency_scale():
    assert str(product().principal) == "10000.00"
    assert str(product(currency="UGX").principal) == "10000"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"min_principal": Decimal(20000)}, "principal"),
        ({"min_principal": Decimal(2000000)}, "minPrincipal"),
        ({"principal": Decimal("10.001")}, "principal"),
        ({"currency": "ABC"}, "currency"),
        ({"vat_rate": Decimal(101)}, "vatRate"),
        ({"number_of_repayments": 9}, "numberOfRepayments"),
    ],
)
def test_product_rules(overrides, field):
    with pytest.raises(InvalidArgument) as refused:
        product(**overrides)
    assert field in [d.field for d in refused.value.details]
