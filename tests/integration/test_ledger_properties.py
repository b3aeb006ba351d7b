"""Property: whatever entries are attempted (balanced or not, posted or not, reversed or not),
the trial balance balances, every balance equals the sum of what was posted, and the per-day
totals equal a recomputation from the journal lines."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lms.errors import InvalidArgument
from lms.ledger.domain.entries import JournalLine
from lms.ledger.reconcile import reconcile
from lms.ledger.reports import LedgerReports
from lms.ledger.service import LedgerService

ACCOUNTS = ["1100", "1120", "1200", "2300", "3000", "4100", "5100"]
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def attempts(draw):
    legs = draw(st.lists(st.tuples(st.sampled_from(ACCOUNTS), amounts), min_size=1, max_size=4))
    credit_split = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=3))
    total = sum((amount for _, amount in legs), Decimal(0))
    lines = [JournalLine(account_id=a, debit=amt) for a, amt in legs]
    share = (total / len(credit_split)).quantize(Decimal("0.01"))
    credits = [share] * (len(credit_split) - 1) + [total - share * (len(credit_split) - 1)]
    lines += [JournalLine(account_id=a, credit=amt) for a, amt in zip(credit_split, credits, strict=True) if amt > 0]
    unbalance = draw(st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.01"), Decimal(7)]))
    if unbalance and lines[0].debit + unbalance > 0:
        lines[0] = lines[0].model_copy(update={"debit": lines[0].debit + unbalance})
    else:
        unbalance = Decimal(0)
    return {
        "lines": lines,
        "balanced": unbalance == 0 and len(lines) >= 2,
        "day": date(2026, 5, 1) + timedelta(days=draw(st.integers(0, 40))),
        "post": draw(st.booleans()),
        "reverse": draw(st.booleans()),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(batch=st.lists(attempts(), min_size=1, max_size=4))
def test_trial_balance_and_totals_always_agree(seeded, drain, batch):
    service, reports = LedgerService(), LedgerReports()
    drain()
    expected = defaultdict(lambda: Decimal(0))  # net debit per account, from what the test posted
    for account in ACCOUNTS:
        balance = reports.balance(account, None)
        expected[account] = balance.debits - balance.credits
    for attempt in batch:
        fields = {"entry_date": attempt["day"], "description": "property"}
        try:
            entry = service.create_draft(fields, attempt["lines"], "ak_property")
        except InvalidArgument:
            assert not attempt["balanced"]
            continue
        assert attempt["balanced"]
        if not attempt["post"]:
            continue
        service.post(entry.id)
        for line in entry.lines:
            expected[line.account_id] += line.debit - line.credit
        if attempt["reverse"]:
            service.reverse(entry.id, "property", None, "ak_property")
            for line in entry.lines:
                expected[line.account_id] -= line.debit - line.credit
    drain()
    for trial in reports.trial_balance(None):
        assert trial.total_debits == trial.total_credits
    for account in ACCOUNTS:
        balance = reports.balance(account, None)  # from the running totals
        assert balance.debits - balance.credits == expected[account], account
        assert (balance.debits, balance.credits) == reports.store.totals_until(account), account  # the day totals
    assert reconcile()[1] == []
