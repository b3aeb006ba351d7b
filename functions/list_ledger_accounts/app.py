"""GET /v1/ledger/accounts: the chart of accounts, by code."""

from lms.api.params import DEFAULT_ROWS, PageParam, RowsParam
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_responses, page_response
from lms.ledger.schemas import AccountOut
from lms.ledger.store import LedgerStore, account_from_item
from lms.observability import observed
from lms.storage.pagination import load_page

app = build_resolver()


@app.get("/v1/ledger/accounts", tags=["Ledger"], responses=openapi_responses(AccountOut))
def list_ledger_accounts(page: PageParam = 1, rows: RowsParam = DEFAULT_ROWS):
    store = LedgerStore()
    return page_response(load_page(store.table, store.account_keys(), page, rows, account_from_item), AccountOut.of)


lambda_handler = observed(app.resolve)
