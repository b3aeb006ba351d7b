"""Least privilege, read from template.yaml: what each function may do to which items.

DynamoDB authorizes every item of a request on its own (each action of a TransactWriteItems too),
and `dynamodb:LeadingKeys` is the item's partition key, so a statement's prefixes are the items
it may touch. These tests evaluate the template's statements the way IAM would for one item.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from tests.conftest import STACK

READS = {"GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem", "DescribeTable", "PartiQLSelect"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"}
KEY_MANAGEMENT = {
    "CreateApiKeyFunction",
    "RevokeApiKeyFunction",
    "BootstrapFunction",
}  # the bootstrap's first admin key
READ_TEMPLATE_ACTIONS = {
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "DescribeTable",
    "ConditionCheckItem",
    "PartiQLSelect",
}
TABLES = {"CoreTable", "LedgerTable", "IdempotencyTable"}

# Items the code writes, as observed (function, table, action, a key): the policies must allow
# every one of them, or the function fails on AWS with AccessDenied while passing locally.
OBSERVED_WRITES = [
    ("AccrueRevenueRunFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("AccrueRevenueRunFunction", "CoreTable", "UpdateItem", "REVENUE_RUN#1"),
    ("ApproveLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("AuthorizerFunction", "IdempotencyTable", "UpdateItem", "rate#1"),
    ("BulkDisburseLoansFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("BulkDisburseLoansFunction", "IdempotencyTable", "UpdateItem", "idem#1"),
    ("CreateApiKeyFunction", "CoreTable", "PutItem", "APIKEY#1"),
    ("CreateCustomerFunction", "CoreTable", "PutItem", "CUSTOMER#1"),
    ("CreateCustomerFunction", "CoreTable", "PutItem", "CUSTOMER_EXTERNAL_ID#1"),
    ("CreateCustomerFunction", "CoreTable", "UpdateItem", "COUNTER"),
    ("CreateJournalEntryFunction", "IdempotencyTable", "DeleteItem", "idem#1"),
    ("CreateJournalEntryFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("CreateJournalEntryFunction", "IdempotencyTable", "UpdateItem", "idem#1"),
    ("CreateJournalEntryFunction", "LedgerTable", "PutItem", "ENTRY#1"),
    ("CreateLedgerAccountFunction", "LedgerTable", "PutItem", "ACCOUNT#1"),
    ("CreateLoanChargeFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("CreateLoanChargeFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("CreateLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("CreateLoanFunction", "CoreTable", "UpdateItem", "COUNTER"),
    ("CreateLoanProductFunction", "CoreTable", "PutItem", "PRODUCT#1"),
    ("CreateLoanProductFunction", "CoreTable", "UpdateItem", "COUNTER"),
    ("CreateLoanProductFunction", "LedgerTable", "PutItem", "ACCOUNT#1"),
    ("CreateRepaymentFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("CreateRepaymentFunction", "CoreTable", "PutItem", "NOTICE#1"),
    ("CreateRepaymentFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("CreateRepaymentFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("CreateWebhookFunction", "CoreTable", "PutItem", "WEBHOOK#1"),
    ("DeleteWebhookFunction", "CoreTable", "UpdateItem", "WEBHOOK#1"),
    ("DisburseLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("DisburseLoanFunction", "CoreTable", "PutItem", "PAYOUTREQ#1"),
    ("DisburseLoanFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("DisburseLoanFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("MakePayoutsFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("MakePayoutsFunction", "CoreTable", "PutItem", "NOTICE#1"),
    ("PageRevenueRunFunction", "CoreTable", "UpdateItem", "REVENUE_RUN#1"),
    ("PostJournalEntryFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("PostJournalEntryFunction", "IdempotencyTable", "UpdateItem", "idem#1"),
    ("PostJournalEntryFunction", "LedgerTable", "PutItem", "ENTRY#1"),
    ("PostJournalEntryFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("ProjectLedgerTotalsFunction", "LedgerTable", "PutItem", "ENTRY#1"),
    ("ProjectLedgerTotalsFunction", "LedgerTable", "UpdateItem", "TOTAL#1"),
    ("ProjectLoanCommitsFunction", "LedgerTable", "PutItem", "ENTRY#1"),
    ("PushToAccountingFunction", "CoreTable", "PutItem", "EVENT#1"),
    ("RefundLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("RefundLoanFunction", "CoreTable", "PutItem", "NOTICE#1"),
    ("RefundLoanFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("RefundLoanFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("RejectLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("RelayOutboxFunction", "CoreTable", "PutItem", "EVENT#1"),
    ("RelayOutboxFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("ReverseRepaymentFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("ReverseRepaymentFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("ReverseRepaymentFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("SettleLoanEarlyFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("SettleLoanEarlyFunction", "CoreTable", "PutItem", "NOTICE#1"),
    ("SettleLoanEarlyFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("SettleLoanEarlyFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("StartRevenueRunFunction", "CoreTable", "PutItem", "REVENUE_RUN#1"),
    ("StartRevenueRunFunction", "CoreTable", "UpdateItem", "REVENUE_RUN#1"),
    ("UndoLoanApprovalFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("UndoLoanDisbursalFunction", "CoreTable", "PutItem", "LOAN#1"),
    ("UndoLoanDisbursalFunction", "IdempotencyTable", "PutItem", "idem#1"),
    ("UndoLoanDisbursalFunction", "LedgerTable", "UpdateItem", "FUNDS#1"),
    ("WithdrawLoanFunction", "CoreTable", "PutItem", "LOAN#1"),
]


def _table_of(resource) -> str | None:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        name = target[0] if isinstance(target, list) else target.split(".")[0]
        return name if name in TABLES else None
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = resource["Fn::Sub"]
        return next((t for t in TABLES if "${" + t + ".Arn}" in str(text)), None)
    return None


def grants(function: str) -> list[tuple[str, set[str], list[str] | None]]:
    """(table, DynamoDB actions, LeadingKeys patterns or None for any item) of every statement."""
    found = []
    for policy in STACK.resources[function]["Properties"].get("Policies", []):
        ((kind, body),) = policy.items()
        if kind == "DynamoDBReadPolicy":
            found.append((body["TableName"]["Ref"], set(READ_TEMPLATE_ACTIONS), None))
        elif kind.startswith("DynamoDB"):
            found.append((body["TableName"]["Ref"], {"*"}, None))  # Crud/Write templates: every action
        elif kind == "Statement":
            for statement in body:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                dynamo = {a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:")}
                resources = (
                    statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
                )
                condition = (
                    statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
                )
                assert statement.get("Effect") == "Allow"
                for resource in resources:
                    table = _table_of(resource)
                    if table and dynamo:
                        found.append((table, dynamo, condition))
    return found


def allowed(function: str, table: str, action: str, key: str) -> bool:
    return any(
        t == table
        and (action in actions or "*" in actions)
        and (keys is None or any(fnmatchcase(key, k) for k in keys))
        for t, actions, keys in grants(function)
    )


def writes(function: str) -> list[tuple[str, set[str], list[str] | None]]:
    return [(t, a & WRITES | ({"*"} & a), keys) for t, a, keys in grants(function) if a & WRITES or "*" in a]


@pytest.mark.parametrize("route", [r for r in STACK.routes if r.method == "GET"], ids=lambda r: r.function)
def test_read_only_routes_only_read(route):
    for table, actions, _ in grants(route.function):
        assert actions <= READS, (route.function, table, actions - READS)


def test_no_function_writes_a_whole_table():
    for function in STACK.functions:
        for table, actions, keys in writes(function):
            assert "*" not in actions, (function, table)
            assert keys, f"{function} may write any item of {table}: name the key prefixes (dynamodb:LeadingKeys)"


@pytest.mark.parametrize("function", sorted(STACK.functions))
def test_only_key_management_writes_api_keys(function):
    may = {action for action in WRITES | {"ConditionCheckItem"} if allowed(function, "CoreTable", action, "APIKEY#abc")}
    may -= {"ConditionCheckItem"}
    assert bool(may) == (function in KEY_MANAGEMENT), (function, may)


def test_the_authorizer_reads_key_items_and_writes_only_its_rate_limit_counters():
    authorizer = STACK.authorizer
    assert allowed(authorizer, "CoreTable", "GetItem", "APIKEY#abc")
    assert not allowed(authorizer, "CoreTable", "GetItem", "LOAN#1")
    assert allowed(authorizer, "IdempotencyTable", "UpdateItem", "rate#ak_1#2026-01-01")
    for action in WRITES:
        assert not allowed(authorizer, "IdempotencyTable", action, "idem#ak_1#abc"), action  # stored answers
        assert not allowed(authorizer, "CoreTable", action, "APIKEY#abc"), action
        assert not allowed(authorizer, "LedgerTable", action, "ENTRY#1"), action


def test_only_money_routes_write_stored_answers():
    writers = {f for f in STACK.functions if allowed(f, "IdempotencyTable", "PutItem", "idem#ak_1#abc#0")}
    assert writers, "no function may store an answer"
    for function in writers:
        assert any(r.function == function and r.method == "POST" for r in STACK.routes), function


@pytest.mark.parametrize("function, table, action, key", OBSERVED_WRITES)
def test_every_write_the_code_makes_is_allowed(function, table, action, key):
    assert allowed(function, table, action, key)


def test_a_loan_route_cannot_write_the_books_or_keys_beyond_its_items():
    for function in ("CreateRepaymentFunction", "DisburseLoanFunction", "ApproveLoanFunction"):
        assert not allowed(function, "LedgerTable", "PutItem", "ENTRY#1")
        assert not allowed(function, "CoreTable", "PutItem", "CUSTOMER#1")
        assert not allowed(function, "CoreTable", "UpdateItem", "WEBHOOK#1")
    assert allowed("CreateRepaymentFunction", "LedgerTable", "UpdateItem", "FUNDS#1001")
