"""GET /v1/loans/{id}/delinquency: every change of the loan's delinquency bucket, with its date, oldest first."""

from lms.api.params import DEFAULT_ROWS, IdPath, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.loans.schemas.delinquency import BucketChangeOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/delinquency",
    operation_id="listLoanDelinquencyChanges",
    summary="List a loan's changes of delinquency bucket",
    tags=["Loans"],
    responses=openapi_page(BucketChangeOut),
)
def list_loan_delinquency(
    id: IdPath, page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None
):
    """Each day from the disbursement to the business date on which the loan entered a bucket of days
    past due (`bucket` null: it left arrears), as the history now known shows it: a back-dated payment
    or a reversal changes it at once. Empty for a loan not yet disbursed."""
    changes = LoanQueries().delinquency_changes(id, paging(page, page_token), rows)
    return page_response(
        changes, lambda change: BucketChangeOut(date=change[0], bucket=change[1], in_arrears=change[1] is not None)
    )


lambda_handler = observed(app.resolve)
