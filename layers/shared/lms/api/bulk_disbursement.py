"""Disbursing many loans in one request, each on its own.

Each item is the single disbursement (`LoanDisbursements.disburse`) with a receipt of its own, keyed by
the request's Idempotency-Key and the item's place in the list, and written in that loan's commit.
So an item that succeeded is never disbursed again when the bulk request is retried (after a
time-out, or a function that died half-way): the retry finds its receipt and answers what it
answered. An item that failed stored nothing and runs again. The whole answer is also stored once
complete (`run_idempotent`), so a retry of a finished request replays it as it was.

An item's failure is its own: its error (the status and envelope the single route would have
answered) is reported in its result, also when the item is not a valid disbursement at all (a
`loanId` that is no id, an amount that is no amount: validated alone, it is a RefusedItem). Items
for different loans run in parallel threads; the items of one loan run in order, so the second
item for a loan finds it disbursed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lms import jsonutil
from lms.api.fingerprint import request_digest
from lms.api.idempotency import answer_of
from lms.api.responses import json_response
from lms.errors import LmsError
from lms.loans.schemas.disbursement import (
    BulkDisbursementItem,
    BulkErrorOut,
    BulkResultOut,
    RefusedItem,
    disbursement_out,
    validation_out,
)
from lms.loans.service.disbursements import LoanDisbursements
from lms.loans.service.unit_of_work import Answering, actor_for
from lms.observability import logger, metrics
from lms.storage.receipts import AlreadyAnswered, Answer, Receipt

PARALLEL_LOANS = 8  # loans disbursed at once: DynamoDB round trips overlap, the function's CPU is shared


def item_path(item: BulkDisbursementItem) -> str:
    return f"/v1/loans/{item.loan_id}/disburse"


def disburse_each(
    items: list[BulkDisbursementItem | RefusedItem],
    caller: str,
    idempotency_key: str,
    service_factory: Callable[[], LoanDisbursements],
) -> list[BulkResultOut]:
    """Every item's result, in the request's order. Different loans are disbursed in parallel
    (each loan is its own conditional write, so they cannot interfere); the items of one loan run
    one after another, in the order given. An item refused by validation touches nothing."""
    done = [_refused(i, item) for i, item in enumerate(items) if isinstance(item, RefusedItem)]
    valid = {i: item for i, item in enumerate(items) if isinstance(item, BulkDisbursementItem)}
    by_loan: dict[int, list[int]] = defaultdict(list)
    for index, item in valid.items():
        by_loan[item.loan_id].append(index)

    service = service_factory()  # keeps nothing between changes: one serves every thread

    def disburse_loan_items(indexes: list[int]) -> list[BulkResultOut]:
        return [_disburse_one(i, valid[i], caller, idempotency_key, service) for i in indexes]

    if by_loan:
        with ThreadPoolExecutor(min(PARALLEL_LOANS, len(by_loan))) as pool:
            done += [result for group in pool.map(disburse_loan_items, by_loan.values()) for result in group]
    return sorted(done, key=lambda result: result.index)


def _refused(index: int, item: RefusedItem) -> BulkResultOut:
    error = item.error()
    logger.info("bulk item refused", extra={"index": index, "code": error.code, "details": len(error.details)})
    return _failed(index, item.loan_id, error.status, error.code, error.message, error.reason, error.details)


def _disburse_one(
    index: int, item: BulkDisbursementItem, caller: str, idempotency_key: str, service: LoanDisbursements
) -> BulkResultOut:
    body = item.model_dump_json(by_alias=True, exclude={"loan_id"})
    digest = request_digest(item_path(item), body)
    actor = actor_for(caller, f"{idempotency_key}#{index}#{digest[:16]}")
    order = item.to_order()
    try:
        if item.validate_only:
            loan, plan = service.plan_disbursement(item.loan_id, order, actor)
            data = validation_out(loan, plan, service.product_of(loan)).model_dump(by_alias=True, mode="python")
            return BulkResultOut(index=index, loan_id=str(item.loan_id), success=True, data=data)
        receipt = Receipt.of_item(caller, idempotency_key, index, digest)

        def respond(loan, _result) -> Answer:
            return answer_of(json_response(disbursement_out(loan, service.product_of(loan))))

        answering = Answering(receipt, respond)
        try:
            loan = service.disburse(item.loan_id, order, actor, answering)
        except AlreadyAnswered as done:
            return _result(index, item, jsonutil.loads(done.answer.body))
        metrics.add_metric(name="LoansDisbursed", unit="Count", value=1)
        answer = answering.given or respond(loan, None)
        return _result(index, item, jsonutil.loads(answer.body))
    except LmsError as error:
        logger.info("bulk item refused", extra={"index": index, "code": error.code, "reason": error.reason})
        return _failed(index, str(item.loan_id), error.status, error.code, error.message, error.reason, error.details)
    except Exception:  # a bug in one item must not cost the others their answers
        logger.exception("bulk item failed", extra={"index": index})
        return _failed(index, str(item.loan_id), 500, "internal", "Internal error; this disbursement was not completed")


def _result(index: int, item: BulkDisbursementItem, data: Any) -> BulkResultOut:
    return BulkResultOut(index=index, loan_id=str(item.loan_id), success=True, data=data)


def _failed(
    index: int,
    loan_id: str | None,
    status: int,
    code: str,
    message: str,
    reason: str | None = None,
    details: list | tuple = (),
) -> BulkResultOut:
    error = BulkErrorOut(
        status=status,
        code=code,
        message=message,
        reason=reason,
        details=[{"field": d.field, "message": d.message} for d in details],
    )
    return BulkResultOut(index=index, loan_id=loan_id, success=False, error=error)
