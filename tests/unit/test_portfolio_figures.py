"""The portfolio's figures, pure: a loan's change per scope, the PAR bands and the aging rows summed
from cells (exact amounts)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lms.loans.domain.calculation.delinquency import par_band
from lms.portfolio.figures import (
    LoanFigures,
    add_cells,
    aging,
    attribute,
    cell_attributes,
    cell_of_attribute,
    portfolio_at_risk,
    portfolio_delta,
)

D = Decimal


def figures(bucket=None, band=0, principal="10000.00", op="0", oi="0", of="0", on="0", office=1, product=1, cur="TZS"):
    return LoanFigures(cur, office, product, bucket, band, D(principal), D(op), D(oi), D(of), D(on))


def test_a_loans_band_is_the_highest_par_threshold_reached():
    assert [par_band(d) for d in (0, 1, 29, 30, 59, 60, 89, 90, 400)] == [0, 1, 1, 30, 30, 60, 60, 90, 90]


def test_attribute_names_round_trip_and_others_are_ignored():
    for cell in [(None, 0), ("1-30", 1), ("181+", 90)]:
        assert cell_of_attribute(attribute(cell, "overdueFees")) == (cell, "overdueFees")
    for name in ["PK", "SK", "closed", "recordedAt", "a|b", "1-30|x|p", "1-30|1|zz"]:
        assert cell_of_attribute(name) is None


def test_a_new_loan_adds_itself_to_its_four_scopes():
    delta = portfolio_delta(None, figures(principal="10000.00", office=2, product=3))
    assert sorted(delta) == [("TZS", "ALL"), ("TZS", "O2"), ("TZS", "O2P3"), ("TZS", "P3")]
    assert delta[("TZS", "O2P3")] == {"|0|n": D(1), "|0|p": D("10000.00")}


def test_a_payment_changes_only_the_principal_of_the_same_cell():
    before = figures("31-60", 30, principal="10000.00", op="10000.00", oi="1100.00")
    after = figures("31-60", 30, principal="9100.00", op="9100.00", oi="0")
    delta = portfolio_delta(before, after)
    assert delta[("TZS", "ALL")] == {
        "31-60|30|p": D("-900.00"),
        "31-60|30|op": D("-900.00"),
        "31-60|30|oi": D("-1100.00"),
    }


def test_moving_cell_takes_the_loan_out_of_one_and_into_the_other():
    delta = portfolio_delta(figures("1-30", 1, op="500"), figures("31-60", 30, op="500"))
    assert delta[("TZS", "P1")] == {
        "1-30|1|n": D(-1), "1-30|1|p": D("-10000.00"), "1-30|1|op": D(-500),
        "31-60|30|n": D(1), "31-60|30|p": D("10000.00"), "31-60|30|op": D(500),
    }  # fmt: skip


def test_the_same_figures_change_nothing_and_leaving_takes_all_back():
    assert portfolio_delta(figures("1-30", 1), figures("1-30", 1)) == {}
    gone = portfolio_delta(figures(office=4), None)
    assert gone[("TZS", "O4")] == {"|0|n": D(-1), "|0|p": D("-10000.00")}


def test_par_counts_loans_at_or_beyond_each_threshold_and_gives_the_ratio_to_the_gross():
    loans = [
        figures(None, 0, principal="5000.00"),
        figures("1-30", 1, principal="2500.00", op="1000.00"),
        figures("1-30", 30, principal="1500.00", op="1500.00"),
        figures("61-90", 60, principal="700.00", op="700.00"),
        figures("181+", 90, principal="300.00", op="300.00", oi="45.50", on="500.00"),
    ]
    cells = {}
    for loan in loans:
        add_cells(cells, [portfolio_delta(None, loan)[("TZS", "ALL")]])
    par = portfolio_at_risk("TZS", cells)
    assert (par.gross_principal, par.loans) == (D("10000.00"), 5)
    assert [(b.threshold, b.principal, b.ratio, b.loans) for b in par.bands] == [
        (1, D("5000.00"), D("0.5000"), 4),
        (30, D("2500.00"), D("0.2500"), 3),
        (60, D("1000.00"), D("0.1000"), 2),
        (90, D("300.00"), D("0.0300"), 1),
    ]
    rows = aging("TZS", cells)
    assert [(r.bucket, r.loans, r.principal, r.overdue_principal, r.overdue_total) for r in rows] == [
        (None, 1, D("5000.00"), D("0.00"), D("0.00")),
        ("1-30", 2, D("4000.00"), D("2500.00"), D("2500.00")),
        ("61-90", 1, D("700.00"), D("700.00"), D("700.00")),
        ("181+", 1, D("300.00"), D("300.00"), D("845.50")),
    ]


def test_an_empty_portfolio_has_no_risk_and_a_ratio_of_zero():
    par = portfolio_at_risk("UGX", {})
    assert (par.gross_principal, par.loans) == (D(0), 0)
    assert all(b.ratio == D("0.0000") and b.loans == 0 for b in par.bands)


amounts = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
loan_figures = st.builds(
    figures,
    bucket=st.sampled_from([None, "1-30", "31-60", "181+"]),
    band=st.sampled_from([0, 1, 30, 60, 90]),
    principal=amounts.map(str),
    op=amounts.map(str),
    office=st.integers(1, 3),
    product=st.integers(1, 3),
)


@given(st.lists(st.lists(loan_figures, min_size=1, max_size=6), min_size=1, max_size=8))
def test_summing_every_change_gives_the_loans_as_they_stand(histories):
    """Each loan goes through its figures one commit at a time; the cells summed from every change
    (any order: ADD commutes) equal the cells of the loans' last figures, in every scope."""
    changes = []
    for history in histories:
        for before, after in zip([None, *history], history, strict=False):
            changes.append(portfolio_delta(before, after))
    for scope_key in {k for change in changes for k in change}:
        summed = add_cells({}, [c[scope_key] for c in reversed(changes) if scope_key in c])
        expected = add_cells({}, [portfolio_delta(None, h[-1]).get(scope_key, {}) for h in histories])
        assert cell_attributes(summed) == cell_attributes(expected)


def test_a_charge_off_leaves_the_loans_principal_as_charged_off_in_its_bucket():
    from lms.portfolio.figures import charged_off_by_bucket

    before = figures("31-60", 30, principal="9100.00", op="9100.00")
    delta = portfolio_delta(before, None, charged_off=True)
    assert delta[("TZS", "ALL")] == {
        "31-60|30|n": D(-1), "31-60|30|p": D("-9100.00"), "31-60|30|op": D("-9100.00"), "31-60|30|cp": D("9100.00"),
    }  # fmt: skip
    cells = add_cells({}, [portfolio_delta(None, before)[("TZS", "ALL")], delta[("TZS", "ALL")]])
    assert charged_off_by_bucket(cells) == {"31-60": D("9100.00")}
    assert aging("TZS", cells) == [] and portfolio_at_risk("TZS", cells).gross_principal == D("0.00")
    # A loan closed (repaid) leaves nothing charged off.
    assert "31-60|30|cp" not in portfolio_delta(before, None)[("TZS", "ALL")]
