"""GET /v1/loans/{id}/transactions: every transaction of the loan, reversed ones included, in date order."""

from lms.api.params import DEFAULT_ROWS, IdPath, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.loans.schemas.payments import TransactionOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/transactions",
    operation_id="listLoanTransactions",
    summary="List a loan's transactions",
    tags=["Loans"],
    responses=openapi_page(TransactionOut),
)
def list_loan_transactions(
    id: IdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None
):
    loan, transactions = LoanQueries().transactions(id, paging(page, page_token), rows)
    return page_response(transactions, lambda txn: TransactionOut.of(loan, txn))


lambda_handler = observed(app.resolve)
