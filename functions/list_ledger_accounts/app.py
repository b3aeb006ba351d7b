"""GET /v1/ledger/accounts: the chart of accounts, by code."""

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.ledger.schemas import AccountOut
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/accounts",
    operation_id="listLedgerAccounts",
    summary="List the chart of accounts",
    tags=["Ledger"],
    responses=openapi_page(AccountOut),
)
def list_ledger_accounts(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS, page_token: PageTokenParam = None):
    return page_response(LedgerService().list_accounts(paging(page, page_token), rows), AccountOut.of)


lambda_handler = observed(app.resolve)
