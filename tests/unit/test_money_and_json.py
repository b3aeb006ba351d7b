from decimal import Decimal

import pytest

from lms import jsonutil
from lms.money import MoneyError, format_amount, round_money, to_money


def test_round_half_even_to_minor_units():
    assert round_money(Decimal("83.335"), "TZS") == Decimal("83.34")
    assert round_money(Decimal("83.345"), "TZS") == Decimal("83.34")
    assert round_money(Decimal("2.5"), "UGX") == Decimal("2")
    assert round_money(Decimal("3.5"), "UGX") == Decimal("4")


def test_to_money_refuses_rounding():
    assert to_money(10000, "TZS") == Decimal("10000.00")
    assert str(to_money(Decimal("1.5"), "TZS")) == "1.50"
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        to_money(Decimal("1.234"), "TZS")
    with pytest.raises(MoneyError, match="at most 0 decimal places"):
        to_money(Decimal("1.5"), "UGX")
    with pytest.raises(MoneyError):
        to_money(Decimal(1), "XXX")


def test_format_amount_as_the_disbursement_seed():
    assert format_amount(Decimal(5000000), "TZS") == "5,000,000.00"


def test_json_numbers_parse_as_decimal_and_print_exactly():
    parsed = jsonutil.loads('{"amount": 0.1, "count": 3}')
    assert parsed == {"amount": Decimal("0.1"), "count": 3}
    assert isinstance(parsed["amount"], Decimal)
    assert jsonutil.dumps({"amount": Decimal("1100.00")}) == '{"amount": 1100.00}'


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', "", "{"])
def test_json_refuses_what_is_not_a_number_or_not_json(text):
    with pytest.raises(ValueError):
        jsonutil.loads(text)
