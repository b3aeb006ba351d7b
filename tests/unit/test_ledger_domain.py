"""Journal entry invariants, reversal and the posting engine, without any storage."""

from datetime import date
from decimal import Decimal

import pytest

from lms.errors import FailedPrecondition, InvalidArgument
from lms.ledger.domain.accounts import AccountType, Role, account_for, default_chart
from lms.ledger.domain.entries import (
    EntryStatus,
    JournalEntry,
    JournalLine,
    check_lines,
    mark_reversed,
    post,
    reversal_of,
)
from lms.ledger.domain.posting import Leg, Posting, system_entry

NOW = "2026-05-23T10:00:00.000Z"
CHART = {a.id: a for a in default_chart("TZS", "TZS", NOW)}
KES = {a.id: a for a in default_chart("KES", "TZS", NOW)}


def line(account, debit=0, credit=0):
    return JournalLine(account_id=account, debit=Decimal(debit), credit=Decimal(credit))


def problems(lines, currency="TZS", accounts=CHART):
    with pytest.raises(InvalidArgument) as refused:
        check_lines(lines, currency, accounts)
    return {(d.field, d.message) for d in refused.value.details}


def test_balanced_entry_takes_the_currency_scale():
    checked = check_lines([line("1100", debit=100), line("3000", credit="100.0")], "TZS", CHART)
    assert [str(x.debit) for x in checked] == ["100.00", "0.00"]
    assert [str(x.credit) for x in checked] == ["0.00", "100.00"]


def test_unbalanced_entry_is_refused_naming_both_sums():
    found = problems([line("1100", debit="100.00"), line("3000", credit="99.99")])
    assert ("lines", "the entry does not balance: debits 100.00 != credits 99.99") in found


def test_one_line_is_not_an_entry():
    assert ("lines", "a journal entry needs at least two lines") in problems([line("1100", debit=1)])


@pytest.mark.parametrize(
    "bad",
    [
        line("1100", debit=5, credit=5),
        line("1100"),
        line("1100", debit=-5),
    ],
)
def test_each_line_is_a_debit_or_a_credit(bad):
    found = problems([bad, line("3000", credit=5)])
    assert any(field == "lines.0" for field, _ in found)


def test_unknown_account_and_foreign_currency_are_field_errors():
    found = problems([line("9999", debit=5), line("3000-KES", credit=5)], accounts={**CHART, **KES})
    assert ("lines.0.accountId", "account '9999' does not exist") in found
    assert ("lines.1.accountId", "account 3000-KES is in KES, not TZS") in found


def test_amounts_beyond_minor_units_are_refused():
    assert any("decimal places" in m for _, m in problems([line("1100", debit="1.001"), line("3000", credit="1.001")]))


def entry(**overrides) -> JournalEntry:
    values = dict(
        id="je_1",
        entry_date=date(2026, 5, 23),
        description="Top-up",
        currency="TZS",
        lines=check_lines([line("1100", debit=100), line("3000", credit=100)], "TZS", CHART),
        recorded_at=NOW,
    )
    values.update(overrides)
    return JournalEntry(**values)


def test_post_once():
    posted = post(entry(), NOW)
    assert posted.status is EntryStatus.POSTED
    with pytest.raises(FailedPrecondition, match="already posted"):
        post(posted, NOW)


def test_reversal_mirrors_every_line_and_links_both_ways():
    original = post(entry(), NOW)
    reversal = reversal_of(original, "je_2", date(2026, 5, 24), "wrong account", NOW, "ak_1")
    assert [(x.account_id, x.debit, x.credit) for x in reversal.lines] == [
        ("1100", Decimal("0.00"), Decimal("100.00")),
        ("3000", Decimal("100.00"), Decimal("0.00")),
    ]
    assert reversal.reverses == "je_1"
    assert reversal.status is EntryStatus.POSTED
    marked = mark_reversed(original, reversal.id)
    assert (marked.status, marked.reversed_by) == (EntryStatus.REVERSED, "je_2")
    with pytest.raises(FailedPrecondition, match="already reversed"):
        reversal_of(marked, "je_3", date(2026, 5, 24), "again", NOW, None)
    with pytest.raises(FailedPrecondition, match="itself a reversal"):
        reversal_of(reversal, "je_4", date(2026, 5, 24), "undo the undo", NOW, None)


def test_a_draft_cannot_be_reversed():
    with pytest.raises(FailedPrecondition, match="draft"):
        reversal_of(entry(), "je_2", date(2026, 5, 24), "x", NOW, None)


def test_default_chart_has_every_account_the_lender_needs():
    roles = {a.role for a in CHART.values()}
    assert {r.value for r in Role} <= roles
    assert CHART["1200"].name == "Loans receivable"
    assert CHART["2300"].account_type is AccountType.LIABILITY
    assert CHART["3000"].account_type is AccountType.EQUITY
    assert CHART["5100"].account_type.normal_balance == "debit"
    assert CHART["4100"].account_type.normal_balance == "credit"
    assert account_for(Role.LOANS_RECEIVABLE, "KES", "TZS") == "1200-KES"


def test_posting_engine_drops_zero_legs_and_checks_balance():
    posting = Posting("je_9", date(2026, 5, 23), "TZS", "TZS", NOW, "disbursement", "7:1", loan_id=7)
    built = system_entry(
        posting,
        "Disbursement",
        [
            Leg(Role.LOANS_RECEIVABLE, debit=Decimal(10000)),
            Leg(Role.CASH, credit=Decimal(9764)),
            Leg(Role.FEE_INCOME, credit=Decimal(200)),
            Leg(Role.VAT_PAYABLE, credit=Decimal(36)),
            Leg(Role.INSURANCE_PAYABLE, credit=Decimal(0)),
        ],
    )
    assert [(x.account_id, str(x.debit), str(x.credit)) for x in built.lines] == [
        ("1200", "10000.00", "0.00"),
        ("1100", "0.00", "9764.00"),
        ("4200", "0.00", "200.00"),
        ("2100", "0.00", "36.00"),
    ]
    assert (built.source, built.status, built.loan_id) == ("system", EntryStatus.POSTED, 7)
    with pytest.raises(InvalidArgument, match="does not balance"):
        system_entry(posting, "bad", [Leg(Role.LOANS_RECEIVABLE, debit=Decimal(1)), Leg(Role.CASH, credit=Decimal(2))])
