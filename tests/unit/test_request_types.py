from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from lms.api.types import EntityId, IsoDate, NonBlankStr, PositiveAmount, RequestModel


class Sample(RequestModel):
    when: IsoDate
    name: NonBlankStr
    amount: PositiveAmount
    customer_id: EntityId


def parse(**values):
    base = {"when": "2026-05-23", "name": "Ada", "amount": Decimal("10.50"), "customerId": 3}
    base.update(values)
    return Sample.model_validate(base)


def errors(**values):
    with pytest.raises(ValidationError) as failure:
        parse(**values)
    return {".".join(map(str, e["loc"])): e["msg"] for e in failure.value.errors()}


def test_valid_values():
    sample = parse()
    assert sample.when == date(2026, 5, 23)
    assert sample.amount == Decimal("10.50")
    assert parse(customerId="3").customer_id == 3
    assert parse(amount="10.50").amount == Decimal("10.50")
    assert parse(amount=10).amount == Decimal(10)


@pytest.mark.parametrize("value", ["23/05/2026", "2026-5-23", "2026-02-30", 20260523, "2026-05-23T00:00:00"])
def test_dates_must_be_iso(value):
    assert "must be ISO yyyy-MM-dd" in errors(when=value)["when"]


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_strings_are_refused(value):
    assert errors(name=value)["name"] == "Value error, must not be blank"


@pytest.mark.parametrize("value", [0, -1, "abc", True, "1e5", "NaN", [1]])
def test_amounts_must_be_positive_decimals(value):
    assert "amount" in errors(amount=value)


@pytest.mark.parametrize("value", [0, -3, "x", True, Decimal("1.5")])
def test_ids_are_positive_integers(value):
    assert "customerId" in errors(customerId=value)


def test_snake_case_and_unknown_fields_are_refused():
    found = errors(customer_id=3)
    assert "customer_id" in found
