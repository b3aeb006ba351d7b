"""GET /v1/loans/{id}/transactions: every transaction of the loan, reversed ones included, in date order."""

from lms.api.params import DEFAULT_ROWS, IdPath, PageParam, RowsParam
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_responses, page_response
from lms.loans.payment_schemas import TransactionOut
from lms.loans.service import LoanService
from lms.observability import observed
from lms.storage.pagination import page_of

app = build_resolver()


@app.get("/v1/loans/<id>/transactions", tags=["Loans"], responses=openapi_responses(TransactionOut))
def list_loan_transactions(id: IdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS):
    loan = LoanService().get(id)
    ordered = sorted(loan.transactions, key=lambda t: (t.date, t.id))
    return page_response(page_of(ordered, page, rows), lambda txn: TransactionOut.of(loan, txn))


lambda_handler = observed(app.resolve)
