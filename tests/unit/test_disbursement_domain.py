"""Disbursement rules without storage: payment details, deductions, amounts, dates, the books."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.bootstrap import demo_product_fields
from lms.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from lms.ledger.domain.accounts import Role
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.aggregate.loan import Actor
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.schedule import build_schedule
from lms.loans.domain.disbursing.disbursement import (
    DisbursementOrder,
    compute_deductions,
    control_number,
    disburse,
    plan_disbursement,
    undo_disbursal,
)
from lms.loans.domain.disbursing.payment_methods import PaymentMethod, check_payment_details
from lms.loans.domain.disbursing.payout import fail_payout
from lms.products.domain import FeeRule, LoanProduct, check_product
from tests.unit.test_loan_transitions import a_loan

TODAY = date(2026, 6, 1)
ACTOR = Actor(by="ak_test", at="2026-06-01T10:00:00.000Z", today=TODAY)
APPROVED = date(2026, 5, 23)


def product(**overrides) -> LoanProduct:
    fields = {**demo_product_fields("TZS"), "id": 1, "created_at": "2026-01-01T00:00:00.000Z", **overrides}
    return check_product(LoanProduct.model_validate(fields))


def approved_loan(**overrides):
    values = dict(status=LoanStatus.APPROVED, approved_principal=Decimal("10000.00"), approved_on_date=APPROVED)
    values.update(overrides)
    return a_loan(**values)


@pytest.mark.parametrize(
    ("method", "details", "field", "message"),
    [
        (
            PaymentMethod.TIPS_MNO,
            {"mnoProvider": "MPESA"},
            "phoneNumber",
            "Phone number is required for mobile money transfers",
        ),
        (PaymentMethod.TIPS_MNO, {"phoneNumber": "255712345678"}, "mnoProvider", "Mobile network operator is required"),
        (
            PaymentMethod.TIPS_MNO,
            {"phoneNumber": "255712345678", "mnoProvider": "VODA"},
            "mnoProvider",
            "must be one of",
        ),
        (PaymentMethod.TIPS_MNO, {"phoneNumber": "07-12", "mnoProvider": "MPESA"}, "phoneNumber", "10 to 15 digits"),
        (PaymentMethod.NBC_ACCOUNT, {}, "accountNumber", "Account number is required"),
        (PaymentMethod.NBC_ACCOUNT, {"accountNumber": "12"}, "accountNumber", "6 to 34"),
        (
            PaymentMethod.TIPS_BANK,
            {"bankCode": "CRDB", "bankAccount": "0150123456789"},
            "bankAccountHolderName",
            "required",
        ),
        (
            PaymentMethod.TIPS_BANK,
            {"bankCode": "CRDB", "bankAccount": "0150123456789", "bankAccountHolderName": "J", "swiftCode": "xx"},
            "swiftCode",
            "SWIFT",
        ),
        (PaymentMethod.CASH, {"cashierId": "EMP001", "branchCode": "BR001"}, "depositAccount", "required"),
        (
            PaymentMethod.CASH,
            {"depositAccount": "CASH001", "cashierId": "EMP001", "branchCode": "BR001", "pin": "1"},
            "pin",
            "not a detail",
        ),
    ],
)
def test_each_method_validates_its_details(method, details, field, message):
    with pytest.raises(InvalidArgument) as refused:
        check_payment_details(method, details)
    found = {d.field: d.message for d in refused.value.details}
    assert message in found[f"paymentDetails.{field}"]


@pytest.mark.parametrize(
    ("method", "details"),
    [
        (PaymentMethod.CASH, {"depositAccount": "CASH001", "cashierId": "EMP001", "branchCode": "BR001"}),
        (PaymentMethod.NBC_ACCOUNT, {"accountNumber": "01J1234567890", "accountHolderName": "John Doe"}),
        (PaymentMethod.TIPS_MNO, {"phoneNumber": "255712345678", "mnoProvider": "HALOPESA"}),
        (
            PaymentMethod.TIPS_BANK,
            {
                "bankCode": "CRDB",
                "bankAccount": "0150123456789",
                "bankAccountHolderName": "John Doe",
                "swiftCode": "CORUTZTZ",
            },
        ),
    ],
)
def test_the_seeds_examples_pass(method, details):
    assert check_payment_details(method, details) == details


def test_percent_fee_and_vat_as_the_push_seed():
    schedule = build_schedule(Decimal("10000.00"), "TZS", approved_loan().terms, APPROVED)
    d = compute_deductions(product(), Decimal("10000.00"), schedule)
    assert (d.admin_fee, d.vat, d.insurance, d.first_interest, d.total) == (
        Decimal("200.00"),
        Decimal("36.00"),
        Decimal("0.00"),
        Decimal("0"),
        Decimal("236.00"),
    )


def test_fixed_fee_insurance_and_first_interest():
    schedule = build_schedule(Decimal("10000.00"), "TZS", approved_loan().terms, APPROVED)
    p = product(
        admin_fee=FeeRule(type="fixed", value=Decimal(150)),
        vat_rate=Decimal("18"),
        insurance=FeeRule(type="percent", value=Decimal("1.25")),
        deduct_first_period_interest=True,
    )
    d = compute_deductions(p, Decimal("10000.00"), schedule)
    assert (d.admin_fee, d.vat, d.insurance, d.first_interest) == (
        Decimal("150.00"),
        Decimal("27.00"),
        Decimal("125.00"),
        Decimal("1100.00"),
    )


def order(**overrides) -> DisbursementOrder:
    values = dict(on=APPROVED, amount=Decimal(10000))
    values.update(overrides)
    return DisbursementOrder(**values)


def test_amount_rules():
    with pytest.raises(InvalidArgument, match="cannot exceed the approved principal"):
        plan_disbursement(approved_loan(), product(), order(amount=Decimal(10001)), TODAY)
    with pytest.raises(InvalidArgument, match="does not allow partial disbursement"):
        plan_disbursement(approved_loan(), product(), order(amount=Decimal(9000)), TODAY)
    partial = plan_disbursement(
        approved_loan(), product(allow_partial_disbursement=True), order(amount=Decimal(9000)), TODAY
    )
    assert partial.amount == Decimal("9000.00")
    assert partial.net_amount == Decimal("8787.60")  # 9000 - 180 fee - 32.40 VAT


def test_date_rules():
    with pytest.raises(PermissionDenied, match=r"The transaction date cannot be in the future\."):
        plan_disbursement(approved_loan(), product(), order(on=TODAY + timedelta(days=1)), TODAY)
    with pytest.raises(PermissionDenied, match="before its approval date"):
        plan_disbursement(approved_loan(), product(), order(on=APPROVED - timedelta(days=1)), TODAY)


def test_only_an_approved_loan_disburses():
    with pytest.raises(FailedPrecondition, match="Loan Account is not in approved and not disbursed state"):
        plan_disbursement(a_loan(), product(), order(), TODAY)


def books(loan):
    return Books(loan, "TZS", ACTOR.at, ACTOR.by)


def test_disbursement_books_one_entry_and_one_event():
    loan = approved_loan()
    plan = plan_disbursement(
        loan,
        product(),
        order(method=PaymentMethod.TIPS_MNO, details={"phoneNumber": "255712345678", "mnoProvider": "MPESA"}),
        TODAY,
    )
    active = disburse(loan, plan, order(), books(loan), ACTOR)
    assert active.status is LoanStatus.ACTIVE
    assert active.disbursed_on_date == APPROVED
    assert len(active.schedule) == 1
    [entry] = active.journal
    assert [(x.account_id, x.debit, x.credit) for x in entry.lines] == [
        ("1200", Decimal("10000.00"), Decimal("0.00")),
        ("2400", Decimal("0.00"), Decimal("9764.00")),  # owed to the borrower until paid out
        ("4200", Decimal("0.00"), Decimal("200.00")),
        ("2100", Decimal("0.00"), Decimal("36.00")),
    ]
    assert entry.id == "le_7_0001"
    assert (active.disbursement.payout.status, active.disbursement.payout.attempt) == ("PENDING", 1)
    [event] = active.outbox
    assert (event.id, event.seq, event.type) == ("7-1", 1, "DISBURSEMENT")
    assert event.payload == {
        "customerId": "3",
        "customerName": "Ada Lovelace",
        "loanId": "7",
        "loanAmount": Decimal("10000.00"),
        "adminFee": Decimal("200.00"),
        "vatOnAdminFee": Decimal("36.00"),
        "disbursementDate": "2026-05-23",
    }
    assert active.disbursement.rail == Role.MOBILE_MONEY.value
    assert active.disbursement.control_number == control_number(7)


def test_first_interest_deduction_accrues_and_reports_it():
    loan = approved_loan()
    p = product(deduct_first_period_interest=True)
    active = disburse(loan, plan_disbursement(loan, p, order(), TODAY), order(), books(loan), ACTOR)
    disbursement, accrual = active.journal
    assert ("1210", Decimal("0.00"), Decimal("1100.00")) in [
        (x.account_id, x.debit, x.credit) for x in disbursement.lines
    ]
    assert [(x.account_id, x.debit, x.credit) for x in accrual.lines] == [
        ("1210", Decimal("1100.00"), Decimal("0.00")),
        ("4100", Decimal("0.00"), Decimal("1100.00")),
    ]
    # Revenue first, then the deducted interest paid against it, as the accounting system needs.
    assert [e.type for e in active.outbox] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT"]
    assert active.outbox[1].payload["revenueMonth"] == "2026-05"
    paid = active.outbox[2].payload
    assert (paid["repaymentInterest"], paid["repaymentPrincipal"], paid["repaymentDate"]) == (
        Decimal("1100.00"),
        Decimal("0"),
        active.disbursed_on_date.isoformat(),
    )


def test_undo_disbursal_mirrors_every_entry():
    loan = approved_loan()
    active = disburse(loan, plan_disbursement(loan, product(), order(), TODAY), order(), books(loan), ACTOR)
    active = fail_payout(active, 1, 1, "ACCOUNT_CLOSED", ACTOR)  # undone once the payout failed
    undone = undo_disbursal(active, books(active), ACTOR, "wrong wallet")
    assert undone.status is LoanStatus.APPROVED
    assert undone.schedule == [] and undone.disbursement is None
    assert all(t.reversed for t in undone.transactions)
    original, reversal = undone.journal
    assert (original.status.value, original.reversed_by, reversal.reverses) == ("reversed", reversal.id, original.id)
    net = {}
    for entry in undone.journal:
        for line in entry.lines:
            net[line.account_id] = net.get(line.account_id, 0) + line.debit - line.credit
    assert set(net.values()) == {0}
    assert [e.type for e in undone.outbox] == ["DISBURSEMENT", "REVERSAL"]


def test_a_long_history_is_stored_in_a_small_head_and_pages():
    """300 repayments (a daily loan's year) stored at once: a head of a few KB, and pages each far
    inside DynamoDB's 400 KB item, holding every record once."""
    from lms.loans.domain.aggregate.payment_types import payment_type
    from lms.loans.domain.operations.payments import PaymentOrder, repay
    from lms.loans.storage.history import HISTORY, PAGE_LIMIT_BYTES, plan_write

    loan = approved_loan()
    loan = disburse(loan, plan_disbursement(loan, product(), order(), TODAY), order(), books(loan), ACTOR)
    for n in range(300):
        payment = PaymentOrder(APPROVED + timedelta(days=n % 9), Decimal("10.00"), payment_type(1), f"R{n}")
        loan, _ = repay(loan, payment, books(loan), ACTOR)
    assert len(loan.transactions) == 301
    write = plan_write(loan, 1)
    assert len(write.head_state) < 4 * 1024
    assert all(len(page.state) < PAGE_LIMIT_BYTES for page in write.pages)
    assert {n: write.pages[-1].page.ends[n] for n in HISTORY} == {n: len(getattr(loan, n)) for n in HISTORY}
