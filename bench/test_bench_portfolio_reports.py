"""The portfolio reports on the local stack for 1,000 and 10,000 loans: the DynamoDB requests and
read units of one portfolio-at-risk report and one aging report, which must not grow with the
number of loans, and what projecting a loan's commit into the portfolio costs.

Loans are written straight into the table as their disbursement's commit leaves them, with their
arrears marks as of BUSINESS_DATE: a quarter each current, 1-30, 31-60 and past 90 days (the
7-day demo product disbursed on four dates). The core table's stream brings them to the loan
commits projection (the only worker polled), which puts each into the portfolio's figures; the
reports then go through the API while the emulator meters every DynamoDB request
(devstack.metering). `BENCH_PORTFOLIO_LOANS=1000,10000` sets the sizes.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bench.seeding import disbursed_items, write_items
from tests.support.client import HttpClient
from tests.support.domain import DomainLoan, product

SIZES = [int(n) for n in os.environ.get("BENCH_PORTFOLIO_LOANS", "1000,10000").split(",")]
BUSINESS_DATE = date(2026, 9, 15)
# Disbursed so that on BUSINESS_DATE the loan is current, 10, 40 and 100 days past due.
DISBURSED = [BUSINESS_DATE - timedelta(days=d) for d in (3, 17, 47, 107)]
ADMIN = "lms_bench-admin-key"
REPORTS = {"portfolio-at-risk": "GetPortfolioAtRiskFunction", "aging": "GetArrearsAgingFunction"}
PER_REPORT: dict[int, dict[str, float]] = {}


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR", only_workers={"ProjectLoanCommitsFunction"}).start()
    yield stack
    stack.stop()


def seed_loans(stack, loans: int, first_id: int) -> None:
    from lms.loans.domain.operations.arrears import refresh_arrears

    demo = product()
    items = []
    for n in range(loans):
        on = DISBURSED[n % len(DISBURSED)]
        loan = refresh_arrears(DomainLoan(demo, on=on, today=on, loan_id=first_id + n).loan, BUSINESS_DATE)
        items += disbursed_items(stack, loan)
    write_items(stack, items)


@pytest.mark.parametrize("loans", SIZES)
def test_portfolio_reports(benchmark, local_stack, loans):
    http = HttpClient(local_stack.gateway.url, ADMIN)
    meter = local_stack.emulator.meter
    before = http.get("/v1/reports/portfolio-at-risk", query={"currency": "TZS"}).json["currencies"][0]
    meter.wait_until_quiet()
    meter.reset()
    seed_loans(local_stack, loans, 1_000_000 * (SIZES.index(loans) + 1))
    meter.wait_until_quiet(seconds=3, limit=1800)
    projection = meter.callers()["ProjectLoanCommitsFunction"]
    meter.reset()
    answers = {}

    def read_reports() -> None:
        for path in REPORTS:
            reply = http.get(f"/v1/reports/{path}", query={"currency": "TZS"})
            assert reply.status == 200, reply.json
            answers[path] = reply.json["currencies"][0]

    benchmark.pedantic(read_reports, rounds=1, iterations=1)
    par, aging = answers["portfolio-at-risk"], answers["aging"]
    # Every seeded loan is in the figures: 10,000 of principal each, a quarter in each state.
    added = par["grossOutstandingPrincipal"] - before["grossOutstandingPrincipal"]
    assert (added, par["loans"] - before["loans"]) == (Decimal(10_000 * loans), loans)
    bands = {b["name"]: b["loans"] for b in par["bands"]}
    assert bands["PAR90"] - {b["name"]: b["loans"] for b in before["bands"]}["PAR90"] == loans // 4
    assert aging["total"]["outstandingPrincipal"] == par["grossOutstandingPrincipal"]
    by_function = meter.callers()
    figures: dict = {"loans": loans}
    for path, function in REPORTS.items():
        usage = meter.of_caller(function)
        figures[path] = {"requests": usage.requests, "readUnits": round(usage.read_units, 2)}
    writes = projection.get("TransactWriteItems", {})
    figures["projectionPerLoan"] = {
        "portfolioTransactions": round(writes.get("requests", 0) / loans, 4),
        "portfolioWriteUnits": round(writes.get("writeUnits", 0) / loans, 4),
        "contributionReads": round(projection.get("GetItem", {}).get("requests", 0) / loans, 4),
    }
    figures["byFunction"] = by_function
    benchmark.extra_info.update(figures)
    print(f"\n{loans:,} loans: { {k: v for k, v in figures.items() if k != 'byFunction'} }")
    PER_REPORT[loans] = {path: figures[path]["requests"] for path in REPORTS}
    # The promise: a report costs the same requests whatever the number of loans.
    assert len({tuple(v.values()) for v in PER_REPORT.values()}) == 1, PER_REPORT
