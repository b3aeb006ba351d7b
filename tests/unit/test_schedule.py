from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.loans.domain.calculation.schedule import (
    Installment,
    add_period,
    annual_rate,
    build_schedule,
    due_dates,
    periodic_rate,
)
from lms.loans.domain.calculation.terms import LoanTerms
from lms.money import minor_units, round_money
from lms.products.domain import (
    AmortizationType,
    InterestCalculationPeriod,
    InterestType,
    PeriodFrequency,
    ProcessingStrategy,
    RateFrequency,
)

D = Decimal
DAYS, WEEKS, MONTHS = PeriodFrequency.DAYS, PeriodFrequency.WEEKS, PeriodFrequency.MONTHS
FLAT, DECLINING = InterestType.FLAT, InterestType.DECLINING_BALANCE
EQUAL_INSTALLMENTS, EQUAL_PRINCIPAL = AmortizationType.EQUAL_INSTALLMENTS, AmortizationType.EQUAL_PRINCIPAL


def loan_terms(
    n: int = 12,
    every: int = 1,
    frequency: PeriodFrequency = MONTHS,
    rate: Decimal | int | str = 12,
    rate_per: RateFrequency = RateFrequency.PER_YEAR,
    interest_type: InterestType = FLAT,
    amortization: AmortizationType = EQUAL_INSTALLMENTS,
    calculation: InterestCalculationPeriod = InterestCalculationPeriod.SAME_AS_REPAYMENT_PERIOD,
    **settings_: int,
) -> LoanTerms:
    return LoanTerms(
        loan_term_frequency=n * every,
        loan_term_frequency_type=frequency,
        number_of_repayments=n,
        repayment_every=every,
        repayment_frequency_type=frequency,
        interest_rate_per_period=D(rate),
        interest_rate_frequency_type=rate_per,
        interest_type=interest_type,
        amortization_type=amortization,
        interest_calculation_period_type=calculation,
        transaction_processing_strategy_code=ProcessingStrategy.MIFOS_STANDARD,
        **settings_,
    )


def principals(schedule: list[Installment]) -> list[Decimal]:
    return [i.principal_due for i in schedule]


def interests(schedule: list[Installment]) -> list[Decimal]:
    return [i.interest_due for i in schedule]


# --- the required cases ------------------------------------------------------------------------


def test_seven_day_flat_product_is_one_installment():
    terms = loan_terms(n=1, every=7, frequency=DAYS, rate=11, rate_per=RateFrequency.PER_WEEK)
    [only] = build_schedule(D(10000), "TZS", terms, date(2026, 5, 23))
    assert only.number == 1
    assert only.from_date == date(2026, 5, 23)
    assert only.due_date == date(2026, 5, 30)
    assert str(only.principal_due) == "10000.00"
    assert str(only.interest_due) == "1100.00"
    assert str(only.total_due) == "11100.00"


def test_flat_interest_is_level_across_months():
    schedule = build_schedule(D(5000), "TZS", loan_terms(n=18), date(2026, 1, 15))
    assert interests(schedule) == [D("50.00")] * 18
    assert sum(interests(schedule)) == D("900.00")
    assert sum(principals(schedule)) == D("5000.00")
    assert principals(schedule)[:17] == [D("277.78")] * 17
    assert principals(schedule)[17] == D("277.74")


def test_declining_annuity_matches_the_textbook_amount():
    terms = loan_terms(n=12, interest_type=DECLINING, amortization=EQUAL_INSTALLMENTS)
    schedule = build_schedule(D(10000), "TZS", terms, date(2026, 1, 31))
    assert [i.total_due for i in schedule[:11]] == [D("888.49")] * 11
    assert schedule[0].interest_due == D("100.00")
    assert schedule[0].principal_due == D("788.49")
    assert sum(interests(schedule)) == D("661.86")
    assert sum(principals(schedule)) == D("10000.00")
    # The last installment clears the balance left after rounding.
    assert (schedule[-1].principal_due, schedule[-1].interest_due) == (D("879.67"), D("8.80"))


def test_flat_interest_residue_goes_to_the_last_installment():
    schedule = build_schedule(D(10000), "TZS", loan_terms(n=3, rate=10), date(2026, 1, 15))
    assert interests(schedule) == [D("83.33"), D("83.33"), D("83.34")]
    assert principals(schedule) == [D("3333.33"), D("3333.33"), D("3333.34")]


# --- dates -------------------------------------------------------------------------------------


def test_month_end_clamps_without_drifting():
    schedule = build_schedule(D(1200), "TZS", loan_terms(n=4), date(2026, 1, 31))
    assert [i.due_date for i in schedule] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert [i.from_date for i in schedule] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


@pytest.mark.parametrize(
    ("start", "frequency", "count", "expected"),
    [
        (date(2028, 1, 31), MONTHS, 1, date(2028, 2, 29)),
        (date(2026, 1, 31), MONTHS, 2, date(2026, 3, 31)),
        (date(2026, 11, 30), MONTHS, 3, date(2027, 2, 28)),
        (date(2026, 5, 23), DAYS, 7, date(2026, 5, 30)),
        (date(2026, 12, 29), WEEKS, 2, date(2027, 1, 12)),
        (date(2026, 5, 23), MONTHS, 0, date(2026, 5, 23)),
    ],
)
def test_add_period(start, frequency, count, expected):
    assert add_period(start, frequency, count) == expected


def test_due_dates_step_by_every_units():
    terms = loan_terms(n=3, every=2, frequency=WEEKS)
    assert due_dates(date(2026, 1, 1), terms) == [date(2026, 1, 15), date(2026, 1, 29), date(2026, 2, 12)]


def test_first_repayment_date_anchors_the_rest():
    terms = loan_terms(n=3, interest_type=DECLINING, calculation=InterestCalculationPeriod.DAILY)
    schedule = build_schedule(D(3000), "TZS", terms, date(2026, 1, 10), first_repayment_date=date(2026, 1, 31))
    assert [i.due_date for i in schedule] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    assert schedule[0].from_date == date(2026, 1, 10)
    # A short first period accrues only its 21 days of daily interest: 3000 x 12% x 21 / 365.
    assert schedule[0].interest_due == D("20.71")


def test_first_repayment_date_must_follow_disbursement():
    with pytest.raises(ValueError, match="first_repayment_date"):
        due_dates(date(2026, 1, 10), loan_terms(), first_repayment_date=date(2026, 1, 10))


# --- amortization and rates --------------------------------------------------------------------


def test_declining_equal_principal():
    terms = loan_terms(n=12, interest_type=DECLINING, amortization=EQUAL_PRINCIPAL)
    schedule = build_schedule(D(12000), "TZS", terms, date(2026, 1, 1))
    assert principals(schedule) == [D("1000.00")] * 12
    assert interests(schedule) == [D(120 - 10 * k) for k in range(12)]
    assert sum(interests(schedule)) == D("780.00")


def test_declining_equal_principal_rounds_each_share():
    terms = loan_terms(n=3, interest_type=DECLINING, amortization=EQUAL_PRINCIPAL)
    schedule = build_schedule(D(1000), "TZS", terms, date(2026, 1, 1))
    assert principals(schedule) == [D("333.33"), D("333.33"), D("333.34")]
    # Balances 1000.00, 666.67, 333.34 at 1% a month.
    assert interests(schedule) == [D("10.00"), D("6.67"), D("3.33")]


def test_whole_term_rate_spreads_over_the_installments():
    terms = loan_terms(n=4, frequency=WEEKS, rate=10, rate_per=RateFrequency.WHOLE_TERM)
    assert periodic_rate(terms) == D("0.025")
    schedule = build_schedule(D(1000), "TZS", terms, date(2026, 1, 1))
    assert interests(schedule) == [D("25.00")] * 4
    assert principals(schedule) == [D("250.00")] * 4


@pytest.mark.parametrize(
    ("rate", "rate_per", "every", "frequency", "expected"),
    [
        (1, RateFrequency.PER_DAY, 7, DAYS, "0.07"),
        (7, RateFrequency.PER_WEEK, 14, DAYS, "0.14"),
        (2, RateFrequency.PER_WEEK, 1, WEEKS, "0.02"),
        (1, RateFrequency.PER_DAY, 2, WEEKS, "0.14"),
        (36.5, RateFrequency.PER_YEAR, 10, DAYS, "0.01"),
        (1, RateFrequency.PER_MONTH, 73, DAYS, "0.024"),
        (1, RateFrequency.PER_MONTH, 3, MONTHS, "0.03"),
        (12, RateFrequency.PER_YEAR, 1, MONTHS, "0.01"),
        (1, RateFrequency.PER_DAY, 12, MONTHS, "3.65"),
        (1, RateFrequency.PER_WEEK, 3, MONTHS, "0.13"),
        (12, RateFrequency.WHOLE_TERM, 1, MONTHS, "0.03"),
    ],
)
def test_periodic_rate_conversions(rate, rate_per, every, frequency, expected):
    terms = loan_terms(n=4, every=every, frequency=frequency, rate=str(rate), rate_per=rate_per)
    assert periodic_rate(terms) == D(expected)


@pytest.mark.parametrize(
    ("rate", "rate_per", "n", "every", "frequency", "expected"),
    [
        (1, RateFrequency.PER_DAY, 1, 1, MONTHS, "3.65"),
        (1, RateFrequency.PER_WEEK, 1, 1, MONTHS, "0.52"),
        (1, RateFrequency.PER_MONTH, 1, 1, DAYS, "0.12"),
        (12, RateFrequency.PER_YEAR, 1, 1, WEEKS, "0.12"),
        # 7% over 2 x 7 days is 7% per 14 days: x 365 / 14.
        (7, RateFrequency.WHOLE_TERM, 2, 7, DAYS, "1.825"),
        # 6% over six months is 12% a year (a month counts as 365/12 days).
        (6, RateFrequency.WHOLE_TERM, 6, 1, MONTHS, "0.12"),
    ],
)
def test_annual_rate(rate, rate_per, n, every, frequency, expected):
    terms = loan_terms(n=n, every=every, frequency=frequency, rate=rate, rate_per=rate_per)
    assert round(annual_rate(terms), 20) == D(expected)


def test_zero_rate_is_a_plain_principal_split():
    for interest_type in InterestType:
        for amortization in AmortizationType:
            terms = loan_terms(n=3, rate=0, interest_type=interest_type, amortization=amortization)
            schedule = build_schedule(D(1000), "TZS", terms, date(2026, 1, 1))
            assert principals(schedule) == [D("333.33"), D("333.33"), D("333.34")]
            assert interests(schedule) == [D("0.00")] * 3


def test_currency_without_minor_units():
    schedule = build_schedule(D(1000000), "UGX", loan_terms(n=3, rate=10), date(2026, 1, 1))
    assert [str(p) for p in principals(schedule)] == ["333333", "333333", "333334"]
    assert [str(i) for i in interests(schedule)] == ["8333", "8333", "8334"]
    annuity = build_schedule(D(100000), "UGX", loan_terms(n=12, interest_type=DECLINING), date(2026, 1, 1))
    assert annuity[0].total_due == D(8885)
    assert sum(principals(annuity)) == D(100000)


def test_daily_interest_counts_actual_days():
    terms = loan_terms(
        n=2,
        rate="36.5",
        interest_type=DECLINING,
        amortization=EQUAL_PRINCIPAL,
        calculation=InterestCalculationPeriod.DAILY,
    )
    schedule = build_schedule(D(10000), "TZS", terms, date(2026, 1, 1))
    # 0.1% a day: 31 days on 10,000, then 28 days on 5,000.
    assert interests(schedule) == [D("310.00"), D("140.00")]


def test_daily_interest_on_an_annuity_keeps_the_level_amount():
    terms = loan_terms(n=12, interest_type=DECLINING, calculation=InterestCalculationPeriod.DAILY)
    schedule = build_schedule(D(10000), "TZS", terms, date(2026, 1, 31))
    # February has 28 days: 10,000 x 12% x 28 / 365 = 92.05.
    assert schedule[0].interest_due == D("92.05")
    assert [i.total_due for i in schedule[:11]] == [D("888.49")] * 11
    assert sum(principals(schedule)) == D("10000.00")


def test_flat_interest_ignores_daily_calculation():
    daily = loan_terms(n=3, rate=10, calculation=InterestCalculationPeriod.DAILY)
    schedule = build_schedule(D(10000), "TZS", daily, date(2026, 1, 15))
    assert interests(schedule) == [D("83.33"), D("83.33"), D("83.34")]


def test_rounded_shares_never_overdraw_a_tiny_principal():
    # 1.00 / 60 rounds to 0.02; fifty shares repay it, so the rest are zero rather than the last negative.
    schedule = build_schedule(D(1), "TZS", loan_terms(n=60, rate=0), date(2026, 1, 1))
    assert principals(schedule) == [D("0.02")] * 50 + [D("0.00")] * 10
    assert sum(principals(schedule)) == D("1.00")


def test_interest_above_the_annuity_amount_repays_no_principal():
    terms = loan_terms(
        n=2,
        rate=60,
        rate_per=RateFrequency.PER_MONTH,
        interest_type=DECLINING,
        calculation=InterestCalculationPeriod.DAILY,
    )
    schedule = build_schedule(D(1000), "TZS", terms, date(2026, 1, 1), first_repayment_date=date(2026, 3, 1))
    # 59 days at 720% a year is 1163.84, above the level amount of 984.62.
    assert (schedule[0].principal_due, schedule[0].interest_due) == (D("0.00"), D("1163.84"))
    assert (schedule[1].principal_due, schedule[1].interest_due) == (D("1000.00"), D("611.51"))


def test_total_due_adds_every_component():
    installment = Installment(
        number=1,
        from_date=date(2026, 1, 1),
        due_date=date(2026, 2, 1),
        principal_due=D("100.00"),
        interest_due=D("10.00"),
        fees_due=D("2.50"),
        penalties_due=D("1.25"),
    )
    assert installment.total_due == D("113.75")


# --- invalid input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "currency", "terms", "message"),
    [
        (D(0), "TZS", loan_terms(), "principal"),
        (D(-5), "TZS", loan_terms(), "principal"),
        (D("10.001"), "TZS", loan_terms(), "principal"),
        (D("10.5"), "UGX", loan_terms(), "principal"),
        (D("NaN"), "TZS", loan_terms(), "principal"),
        (D(100), "XYZ", loan_terms(), "currency"),
        (D(100), "TZS", loan_terms(n=0), "number_of_repayments"),
        (D(100), "TZS", loan_terms(every=0), "repayment_every"),
        (D(100), "TZS", loan_terms(rate=-1), "interest_rate_per_period"),
    ],
)
def test_invalid_input_is_refused(principal, currency, terms, message):
    with pytest.raises(ValueError, match=message):
        build_schedule(principal, currency, terms, date(2026, 1, 1))


# --- properties --------------------------------------------------------------------------------


@st.composite
def loans(draw):
    currency = draw(st.sampled_from(["TZS", "UGX"]))
    places = draw(st.integers(0, minor_units(currency)))
    principal = D(draw(st.integers(10**places, 10 ** (9 + places)))).scaleb(-places)
    terms = loan_terms(
        n=draw(st.integers(1, 60)),
        every=draw(st.integers(1, 4)),
        frequency=draw(st.sampled_from(PeriodFrequency)),
        rate=D(draw(st.integers(0, 6000))).scaleb(-2),
        rate_per=draw(st.sampled_from(RateFrequency)),
        interest_type=draw(st.sampled_from(InterestType)),
        amortization=draw(st.sampled_from(AmortizationType)),
        calculation=draw(st.sampled_from(InterestCalculationPeriod)),
    )
    disbursed = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    first = draw(st.none() | st.integers(1, 120).map(lambda days: disbursed + timedelta(days=days)))
    return principal, currency, terms, disbursed, first


@settings(max_examples=300, deadline=None)
@given(loans())
def test_schedule_invariants(loan):
    principal, currency, terms, disbursed, first = loan
    schedule = build_schedule(principal, currency, terms, disbursed, first)
    assert len(schedule) == terms.number_of_repayments
    assert sum(principals(schedule)) == principal
    for installment in schedule:
        for amount in (
            installment.principal_due,
            installment.interest_due,
            installment.fees_due,
            installment.penalties_due,
            installment.total_due,
        ):
            assert amount == round_money(amount, currency)
            assert amount >= 0
    dates = [disbursed] + [i.due_date for i in schedule]
    assert all(earlier < later for earlier, later in pairwise(dates))
    assert [i.from_date for i in schedule] == dates[:-1]
    assert [i.number for i in schedule] == list(range(1, len(schedule) + 1))
