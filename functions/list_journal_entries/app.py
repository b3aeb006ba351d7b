"""GET /v1/ledger/entries: journal entries by business date, optionally in a range and a status."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.params import DEFAULT_ROWS, PageParam, PageTokenParam, RowsParam, paging
from lms.api.resolver import build_resolver
from lms.api.responses import openapi_page, page_response
from lms.api.types import IsoDate
from lms.ledger.domain.entries import EntryStatus
from lms.ledger.schemas import JournalEntryOut
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/entries",
    operation_id="listJournalEntries",
    summary="List journal entries",
    tags=["Ledger"],
    responses=openapi_page(JournalEntryOut),
)
def list_journal_entries(
    page: PageParam = 1,
    rows: RowsParam = DEFAULT_ROWS,
    page_token: PageTokenParam = None,
    start_date: Annotated[IsoDate | None, Query(alias="startDate")] = None,
    end_date: Annotated[IsoDate | None, Query(alias="endDate")] = None,
    status: Annotated[EntryStatus | None, Query()] = None,
):
    entries = LedgerService().list_entries(paging(page, page_token), rows, start_date, end_date, status)
    return page_response(entries, JournalEntryOut.of)


lambda_handler = observed(app.resolve)
