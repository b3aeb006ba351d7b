"""POST /v1/ledger/entries/{id}/post: draft -> posted; from then on it counts and is immutable (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.idempotency import run_idempotent
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import JournalEntryOut
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/ledger/entries/<id>/post",
    operation_id="postJournalEntry",
    summary="Post a draft journal entry",
    tags=["Ledger"],
    responses=openapi_responses(JournalEntryOut, money=True),
)
def post_journal_entry(id: Annotated[str, Path(max_length=40)]):
    return run_idempotent(
        app, "post_journal_entry", lambda: json_response(JournalEntryOut.of(LedgerService().post(id)))
    )


lambda_handler = observed(app.resolve)
