"""Submitting a loan application: who may borrow what, under which product and terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.customers.domain import Customer
from lms.errors import FailedPrecondition, FieldProblems, InvalidArgument, PermissionDenied
from lms.loans.domain.aggregate.loan import Actor, Loan, TimelineEvent
from lms.loans.domain.aggregate.status import LoanAction, LoanStatus
from lms.loans.domain.calculation.terms import RequestedTerms, resolve_terms
from lms.models import LmsModel
from lms.money import MoneyError, to_money
from lms.products.domain import LoanProduct


class LoanApplication(LmsModel):
    customer_id: int
    product_id: int
    principal: Decimal
    submitted_on_date: date
    expected_disbursement_date: date
    repayments_starting_from_date: date | None = None
    loan_type: str = "individual"
    external_id: str | None = None
    note: str | None = None
    terms: RequestedTerms = RequestedTerms()


def submit_loan(
    loan_id: int, application: LoanApplication, customer: Customer, product: LoanProduct, actor: Actor
) -> Loan:
    if not customer.active:
        raise FailedPrecondition(
            f"Client with identifier {customer.id} is not active; a loan needs an active client",
            reason="CUSTOMER_NOT_ACTIVE",
        )
    problems = FieldProblems()
    principal = application.principal
    try:
        principal = to_money(application.principal, product.currency)
    except MoneyError as err:
        problems.add("principal", str(err))
    else:
        if not product.min_principal <= principal <= product.max_principal:
            problems.add(
                "principal",
                f"must lie between {product.min_principal} and {product.max_principal} for product {product.id}",
            )
    if application.expected_disbursement_date < application.submitted_on_date:
        problems.add(
            "expectedDisbursementDate",
            "The date on which a loan is submitted cannot be after its expected disbursement date.",
        )
    first = application.repayments_starting_from_date
    if first is not None and first <= application.expected_disbursement_date:
        problems.add("repaymentsStartingFromDate", "must be after the expected disbursement date")
    try:
        terms = resolve_terms(product, application.terms)
    except InvalidArgument as err:  # one response lists term problems with the others
        problems.errors.extend(err.details)
    problems.raise_if_any()
    if application.submitted_on_date > actor.today:
        raise PermissionDenied(
            "The date on which a loan is submitted cannot be in the future.", reason="DATE_IN_FUTURE"
        )
    if customer.activation_date and application.submitted_on_date < customer.activation_date:
        raise PermissionDenied(
            "The date on which a loan is submitted cannot be earlier than client's activation date.",
            reason="DATE_TOO_EARLY",
        )
    return Loan(
        id=loan_id,
        customer_id=customer.id,
        customer_name=customer.display_name,
        product_id=product.id,
        office_id=customer.office_id,
        currency=product.currency,
        loan_type=application.loan_type,
        external_id=application.external_id,
        status=LoanStatus.SUBMITTED,
        requested_principal=principal,
        principal=principal,
        terms=terms,
        submitted_on_date=application.submitted_on_date,
        expected_disbursement_date=application.expected_disbursement_date,
        repayments_starting_from_date=application.repayments_starting_from_date,
        non_accrual_days=product.non_accrual_days,
        # The product's close-of-business rules, taken with the loan (products never change).
        late_penalty=product.late_penalty,
        delinquency_buckets=product.delinquency_buckets,
        reminder_days_before=product.reminder_days_before,
        timeline=[
            TimelineEvent(
                action="submit",
                date=application.submitted_on_date,
                note=application.note,
                at=actor.at,
                by=actor.by,
            )
        ],
    )


__all__ = ["LoanAction", "LoanApplication", "submit_loan"]
