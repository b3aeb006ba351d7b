"""A product's servicing rules for loans past due: delinquency buckets, late penalty, non-accrual
and payment reminders (issue 28), set on creation, shown on reading, refused by field when wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest

MONTHLY = {
    "name": "Monthly with penalties",
    "currency": "TZS",
    "principal": 100000,
    "numberOfRepayments": 6,
    "repaymentEvery": 1,
    "repaymentFrequencyType": 2,
    "interestRatePerPeriod": 3,
    "interestRateFrequencyType": 2,
    "interestType": 0,
    "amortizationType": 1,
}


def test_a_product_without_rules_has_the_default_buckets_and_nothing_else(admin):
    product = admin.post("/v1/loan-products", MONTHLY).json
    assert product["delinquencyBuckets"] == ["1-30", "31-60", "61-90", "91-180", "181+"]
    assert product["latePenalty"] is None
    assert product["nonAccrualDays"] is None
    assert product["reminderDaysBefore"] is None


def test_the_demo_product_stored_before_the_rules_reads_with_the_defaults(viewer):
    product = viewer.get("/v1/loan-products/1").json
    assert product["delinquencyBuckets"] == ["1-30", "31-60", "61-90", "91-180", "181+"]
    assert product["latePenalty"] is None


def test_rules_are_kept_as_given_and_money_scaled(admin):
    reply = admin.post(
        "/v1/loan-products",
        {
            **MONTHLY,
            "delinquencyBuckets": ["1-7", "8-30", "31+"],
            "latePenalty": {"type": "fixed", "value": 2500, "graceDays": 3},
            "nonAccrualDays": 90,
            "reminderDaysBefore": 2,
        },
    )
    assert reply.status == 201, reply
    created = reply.json
    assert created == admin.get(f"/v1/loan-products/{created['id']}").json
    assert created["delinquencyBuckets"] == ["1-7", "8-30", "31+"]
    assert created["latePenalty"] == {
        "type": "fixed",
        "value": Decimal("2500.00"),
        "graceDays": 3,
        "name": "Late payment penalty",
    }
    assert str(created["latePenalty"]["value"]) == "2500.00"
    assert created["nonAccrualDays"] == 90
    assert created["reminderDaysBefore"] == 2


def test_a_percent_penalty_keeps_its_name(admin):
    penalty = {"type": "percent", "value": "0.5", "graceDays": 0, "name": "Penalty 0.5%"}
    created = admin.post("/v1/loan-products", {**MONTHLY, "latePenalty": penalty}).json
    assert created["latePenalty"] == {
        "type": "percent",
        "value": Decimal("0.5"),
        "graceDays": 0,
        "name": "Penalty 0.5%",
    }


@pytest.mark.parametrize(
    ("rules", "field", "words"),
    [
        ({"delinquencyBuckets": ["1-30", "32-60", "61+"]}, "delinquencyBuckets[1]", "gap after bucket '1-30'"),
        ({"delinquencyBuckets": ["1-30", "31-60"]}, "delinquencyBuckets[1]", "must be open-ended"),
        ({"delinquencyBuckets": ["0-30", "31+"]}, "delinquencyBuckets[0]", "must start at day 1"),
        ({"delinquencyBuckets": ["soon", "31+"]}, "delinquencyBuckets[0]", "neither"),
        ({"delinquencyBuckets": []}, "delinquencyBuckets", "at least 1"),
        ({"latePenalty": {"type": "percent", "value": 101}}, "latePenalty.value", "at most 100"),
        ({"latePenalty": {"type": "fixed", "value": "10.001"}}, "latePenalty.value", "decimal"),
        ({"latePenalty": {"type": "fixed", "value": 0}}, "latePenalty.value", "greater than 0"),
        ({"latePenalty": {"type": "daily", "value": 5}}, "latePenalty.type", "fixed"),
        ({"latePenalty": {"type": "fixed", "value": 5, "graceDays": -1}}, "latePenalty.graceDays", "greater than"),
        ({"latePenalty": {"type": "fixed", "value": 5, "graceDays": "3"}}, "latePenalty.graceDays", "integer"),
        ({"nonAccrualDays": 0}, "nonAccrualDays", "greater than"),
        ({"nonAccrualDays": 90.5}, "nonAccrualDays", "integer"),
        ({"reminderDaysBefore": -1}, "reminderDaysBefore", "greater than"),
        ({"reminderDaysBefore": 400}, "reminderDaysBefore", "less than"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field_and_nothing_is_created(admin, rules, field, words):
    before = admin.get("/v1/loan-products").json["total"]
    reply = admin.post("/v1/loan-products", {**MONTHLY, **rules})
    assert reply.status == 400, reply
    details = {d["field"]: d["message"] for d in reply.json["details"]}
    assert field in details, details
    assert words in details[field], details
    assert admin.get("/v1/loan-products").json["total"] == before
