"""A product's servicing rules for loans past due: its delinquency buckets and its late-payment
penalty. Value types of the products context (a product holds them, the loans domain applies them:
lms.loans.domain.calculation.delinquency and .late_penalty; docs/cob.md defines both)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from lms.errors import FieldProblems
from lms.models import LmsModel
from lms.money import MoneyError, to_money

DEFAULT_BUCKETS = ("1-30", "31-60", "61-90", "91-180", "181+")
BUCKETS_FIELD = "delinquencyBuckets"
_CLOSED = re.compile(r"^([0-9]+)-([0-9]+)$")
_OPEN = re.compile(r"^([0-9]+)\+$")


@dataclass(frozen=True)
class Bucket:
    name: str
    first_day: int
    last_day: int | None  # None: open-ended (the last bucket)

    def holds(self, days: int) -> bool:
        return self.first_day <= days and (self.last_day is None or days <= self.last_day)


@dataclass(frozen=True)
class DelinquencyBuckets:
    """A product's named delinquency buckets, by days past due: "1-30" holds days 1 to 30 inclusive,
    "181+" days 181 and more. They start at day 1, follow one another without gap or overlap, and
    only the last is open-ended, so every day past due from 1 on is in exactly one bucket."""

    buckets: tuple[Bucket, ...]

    @classmethod
    def parse(cls, names: Sequence[str] = DEFAULT_BUCKETS, field_name: str = BUCKETS_FIELD) -> DelinquencyBuckets:
        """The buckets these names give; `InvalidArgument` naming each bad bucket otherwise."""
        problems = FieldProblems()
        if isinstance(names, str) or not names:
            problems.add(field_name, 'must be a non-empty list of buckets such as "1-30", "31-60", "181+"')
            problems.raise_if_any(reason="INVALID_DELINQUENCY_BUCKETS")
        parsed: list[Bucket] = []
        for index, name in enumerate(names):
            where = f"{field_name}[{index}]"
            text = name.strip() if isinstance(name, str) else ""
            closed, open_ended = _CLOSED.match(text), _OPEN.match(text)
            if closed:
                bucket = Bucket(text, int(closed.group(1)), int(closed.group(2)))
                if bucket.last_day < bucket.first_day:  # type: ignore[operator]
                    problems.add(where, f"bucket {name!r} ends before it starts")
                    continue
            elif open_ended:
                bucket = Bucket(text, int(open_ended.group(1)), None)
            else:
                problems.add(where, f'bucket {name!r} is neither "first-last" (e.g. "1-30") nor "first+" (e.g. "181+")')
                continue
            last = index == len(names) - 1
            if bucket.last_day is None and not last:
                problems.add(where, f"bucket {name!r} is open-ended but is not the last bucket")
            if last and bucket.last_day is not None:
                problems.add(where, f'the last bucket {name!r} must be open-ended, e.g. "{bucket.last_day + 1}+"')
            if index == 0 and bucket.first_day != 1:
                problems.add(where, f"the first bucket {name!r} must start at day 1")
            previous = parsed[-1] if parsed else None
            if previous is not None and previous.last_day is not None:
                expected = previous.last_day + 1
                if bucket.first_day < expected:
                    problems.add(where, f"bucket {name!r} overlaps bucket {previous.name!r}")
                elif bucket.first_day > expected:
                    problems.add(
                        where,
                        f"bucket {name!r} leaves a gap after bucket {previous.name!r}: must start at day {expected}",
                    )
            parsed.append(bucket)
        problems.raise_if_any(reason="INVALID_DELINQUENCY_BUCKETS")
        return cls(tuple(parsed))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.buckets)

    @property
    def first_days(self) -> tuple[int, ...]:
        """The days past due on which a loan enters each bucket."""
        return tuple(b.first_day for b in self.buckets)

    def bucket_for(self, days_past_due: int) -> str | None:
        """The bucket holding this many days past due; None for 0 (not in arrears)."""
        if days_past_due <= 0:
            return None
        return next(b.name for b in self.buckets if b.holds(days_past_due))


HUNDRED = Decimal(100)
FIELD = "latePenalty"
DEFAULT_NAME = "Late payment penalty"


class LatePenalty(LmsModel):
    """A product's late-payment penalty (validated by `check_late_penalty`)."""

    type: Literal["fixed", "percent"]
    value: Decimal
    grace_days: int = 0
    name: str = DEFAULT_NAME


def check_late_penalty(rule: LatePenalty, currency: str, field_name: str = FIELD) -> LatePenalty:
    """The rule with a fixed value at the currency's scale; `InvalidArgument` naming each bad field."""
    problems = FieldProblems()
    value = rule.value
    if not value.is_finite() or value <= 0:
        problems.add(f"{field_name}.value", "must be greater than 0")
    elif rule.type == "percent":
        if value > HUNDRED:
            problems.add(f"{field_name}.value", f"a percent must be at most 100, got {value}")
    else:
        try:
            value = to_money(value, currency)
        except MoneyError as err:
            problems.add(f"{field_name}.value", str(err))
    if rule.grace_days < 0:
        problems.add(f"{field_name}.graceDays", f"must not be negative, got {rule.grace_days}")
    if not rule.name.strip():
        problems.add(f"{field_name}.name", "must not be blank")
    problems.raise_if_any(reason="INVALID_LATE_PENALTY")
    return rule.model_copy(update={"value": value})


def parse_late_penalty(data: Mapping[str, Any], currency: str, field_name: str = FIELD) -> LatePenalty:
    """A rule from its wire form `{type, value, graceDays, name?}`, every bad field named."""
    problems = FieldProblems()
    kind = data.get("type")
    if kind not in ("fixed", "percent"):
        problems.add(f"{field_name}.type", f'must be "fixed" or "percent", got {kind!r}')
    raw = data.get("value")
    value: Decimal | None = None
    if isinstance(raw, bool) or not isinstance(raw, (int, str, Decimal)):
        problems.add(f"{field_name}.value", "must be a number")
    else:
        try:
            value = Decimal(raw)
        except ArithmeticError:
            problems.add(f"{field_name}.value", "must be a number")
    grace = data.get("graceDays", 0)
    if isinstance(grace, bool) or not isinstance(grace, int):
        problems.add(f"{field_name}.graceDays", "must be a whole number of days")
    name = data.get("name", DEFAULT_NAME)
    if not isinstance(name, str):
        problems.add(f"{field_name}.name", "must be a string")
    problems.raise_if_any(reason="INVALID_LATE_PENALTY")
    rule = LatePenalty(type=kind, value=value, grace_days=grace, name=name)  # type: ignore[arg-type]
    return check_late_penalty(rule, currency, field_name)
